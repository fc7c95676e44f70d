/* SPDX-License-Identifier: MIT
 * mqtls compat: the SDK's socket.h, for firmware that includes it by name;
 * everything is in simplelink.h. */
/**
 * @file
 * @brief The SimpleLink SDK's socket.h, for firmware that includes it by name.
 *
 * Everything the emulation offers is declared in simplelink.h, which this
 * header includes; there is nothing else here.
 */
#ifndef MQTLS_COMPAT_SOCKET_H
#define MQTLS_COMPAT_SOCKET_H
#include "simplelink.h"
#endif
