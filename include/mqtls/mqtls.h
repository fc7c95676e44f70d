/* SPDX-License-Identifier: MIT
 * mqtls: umbrella header. */
#ifndef MQTLS_H
#define MQTLS_H

#define MQTLS_VERSION_MAJOR 0
#define MQTLS_VERSION_MINOR 2
#define MQTLS_VERSION_PATCH 0
#define MQTLS_VERSION_STRING "0.2.0"

#include "mqtls/client.h"
#include "mqtls/codec.h"
#include "mqtls/config.h"
#include "mqtls/error.h"
#include "mqtls/topic.h"
#include "mqtls/transport.h"

#endif /* MQTLS_H */
