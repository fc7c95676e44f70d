/* SPDX-License-Identifier: MIT
 * mqtls compat: the SDK's socket.h, for firmware that includes it by name;
 * everything is in simplelink.h. */
#ifndef MQTLS_COMPAT_SOCKET_H
#define MQTLS_COMPAT_SOCKET_H
#include "simplelink.h"
#endif
