/* SPDX-License-Identifier: MIT
 * mqtls: umbrella header. */
#ifndef MQTLS_H
#define MQTLS_H

/* The one source of the version: CMakeLists.txt reads these three lines. */
#define MQTLS_VERSION_MAJOR 0
#define MQTLS_VERSION_MINOR 2
#define MQTLS_VERSION_PATCH 0
#define MQTLS__STR2(x) #x
#define MQTLS__STR(x) MQTLS__STR2(x)
#define MQTLS_VERSION_STRING \
    MQTLS__STR(MQTLS_VERSION_MAJOR) "." MQTLS__STR(MQTLS_VERSION_MINOR) "." MQTLS__STR(MQTLS_VERSION_PATCH)

#include "mqtls/client.h"
#include "mqtls/codec.h"
#include "mqtls/config.h"
#include "mqtls/error.h"
#include "mqtls/topic.h"
#include "mqtls/transport.h"

#endif /* MQTLS_H */
