/* SPDX-License-Identifier: MIT
 * mqtls compat: the SDK's device.h, for firmware that includes it by name;
 * everything is in simplelink.h. */
#ifndef MQTLS_COMPAT_DEVICE_H
#define MQTLS_COMPAT_DEVICE_H
#include "simplelink.h"
#endif
