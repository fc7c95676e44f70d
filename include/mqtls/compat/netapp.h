/* SPDX-License-Identifier: MIT
 * mqtls compat: the SDK's netapp.h, for firmware that includes it by name;
 * everything is in simplelink.h. */
#ifndef MQTLS_COMPAT_NETAPP_H
#define MQTLS_COMPAT_NETAPP_H
#include "simplelink.h"
#endif
