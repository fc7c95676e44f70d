/* SPDX-License-Identifier: MIT
 * mqtls: umbrella header. */
/**
 * @file
 * @brief Umbrella header: the version, and the core's public headers.
 *
 * Includes mqtls/client.h, codec.h, config.h, error.h, topic.h and
 * transport.h: everything the freestanding core offers. Ports and the
 * upper layers have their own headers (mqtls/tcp.h, mqtls/tls.h, ...),
 * included by name where they are used.
 *
 * @code
 * #include "mqtls/mqtls.h"
 * printf("mqtls %s\n", MQTLS_VERSION_STRING);   // "0.2.0"
 * #if MQTLS_VERSION_MAJOR == 0 && MQTLS_VERSION_MINOR < 2
 * #error "mqtls 0.2 or later needed"
 * #endif
 * @endcode
 */
#ifndef MQTLS_H
#define MQTLS_H

/* The one source of the version: CMakeLists.txt reads these three lines
 * (as "#define NAME digits" with nothing after them: keep the doc comments
 * on the lines above). */
/** Major version (while it is 0, a minor release may change the API; CHANGELOG.md says how). */
#define MQTLS_VERSION_MAJOR 0
/** Minor version. */
#define MQTLS_VERSION_MINOR 2
/** Patch version: fixes only. */
#define MQTLS_VERSION_PATCH 0
#define MQTLS__STR2(x) #x
#define MQTLS__STR(x) MQTLS__STR2(x)
/** The version as a string literal, "MAJOR.MINOR.PATCH". */
#define MQTLS_VERSION_STRING \
    MQTLS__STR(MQTLS_VERSION_MAJOR) "." MQTLS__STR(MQTLS_VERSION_MINOR) "." MQTLS__STR(MQTLS_VERSION_PATCH)

#include "mqtls/client.h"
#include "mqtls/codec.h"
#include "mqtls/config.h"
#include "mqtls/error.h"
#include "mqtls/topic.h"
#include "mqtls/transport.h"

#endif /* MQTLS_H */
