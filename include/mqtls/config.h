/* SPDX-License-Identifier: MIT
 * mqtls: compile-time knobs with their defaults. */
/**
 * @file
 * @brief Compile-time knobs (MQTLS_CONFIG_*) with their defaults.
 *
 * Every knob can be overridden with -D or from a header named by
 * MQTLS_CONFIG_FILE (a quoted name, included before any default is set;
 * mqtls never defines it). Each is checked below so that a bad combination fails
 * at compile time, not on the device (mbedTLS's check_config.h idea).
 *
 * The library and the application must see the same values (the structs
 * of mqtls/client.h depend on some of them): pass the same -D flags, or
 * the same MQTLS_CONFIG_FILE, to both builds.
 *
 * @code
 * // my_mqtls_config.h, built with -DMQTLS_CONFIG_FILE='"my_mqtls_config.h"'
 * #define MQTLS_CONFIG_MQTT5 0            // 3.1.1 only: smaller flash and client
 * #define MQTLS_CONFIG_ERROR_STRINGS 0    // names instead of sentences
 * @endcode
 */
#ifndef MQTLS_CONFIG_H
#define MQTLS_CONFIG_H

#ifdef MQTLS_CONFIG_FILE
#include MQTLS_CONFIG_FILE
#endif

/** Time allowed for a PINGRESP after a PINGREQ, in ms, when the caller
 * leaves mqtls_client_config_t.ping_timeout_ms at 0. */
#ifndef MQTLS_CONFIG_PING_TIMEOUT_MS
#define MQTLS_CONFIG_PING_TIMEOUT_MS 10000u
#endif

/** Upper bound of packets mqtls_client_loop() handles in one call before it
 * returns, so a flood of messages cannot starve the caller. */
#ifndef MQTLS_CONFIG_LOOP_MAX_PACKETS
#define MQTLS_CONFIG_LOOP_MAX_PACKETS 64u
#endif

/** How long mqtls_client_disconnect() may wait for the transport to take a
 * half-sent packet and the DISCONNECT, in ms. */
#ifndef MQTLS_CONFIG_DISCONNECT_TIMEOUT_MS
#define MQTLS_CONFIG_DISCONNECT_TIMEOUT_MS 2000u
#endif

/** 1: MQTT 5.0 and 3.1.1. 0: MQTT 3.1.1 only, for devices that do not pay
 * for 5.0 (properties, reason codes, AUTH, topic aliases: 6 to 7 KB of
 * flash and 188 bytes of mqtls_client_t on a Cortex-M4). The 3.1.1 bytes
 * and behaviour are the same in both builds. With 0 the public headers do
 * not change (the structs keep their 5.0 fields, ignored, so application
 * code compiles either way), but everything that needs 5.0 answers
 * MQTLS_ERR_NOT_SUPPORTED: protocol level 5 in the codec and in
 * mqtls_client_connect(), the *5() encoders and decoder, mqtls_encode_auth(),
 * mqtls_props_*() (mqtls_props_begin() gives an empty cursor),
 * mqtls_sub_options_parse(), mqtls_client_subscribe() and _unsubscribe()
 * with properties in their opts, _reauth(), and the deprecated
 * _subscribe5(), _unsubscribe5() and _disconnect5() (mqtls_client_disconnect()
 * ignores its opts, as on a 3.1.1 connection); mqtls_reason_allowed() is false and
 * mqtls_reason_string() a generic text. mqtls_client_t is smaller (the three
 * MQTLS_CONFIG_V5_STRING_MAX strings shrink to one byte), so the library and
 * the application must be built with the same value. */
#ifndef MQTLS_CONFIG_MQTT5
#define MQTLS_CONFIG_MQTT5 1
#endif

/** MQTT 5.0: bytes the client keeps (NUL included) of each of the broker's
 * reason string, server reference and assigned client identifier; longer
 * ones are cut. Three such buffers live in mqtls_client_t. */
#ifndef MQTLS_CONFIG_V5_STRING_MAX
#define MQTLS_CONFIG_V5_STRING_MAX 64u
#endif

/** 1: mqtls_strerror() returns a sentence for every code (about 6 KB of
 * flash on a Cortex-M4). 0: it returns the code's name, as mqtls_errname()
 * does, for devices where every kilobyte counts; tools on a host can still
 * explain a logged code with the full table. */
#ifndef MQTLS_CONFIG_ERROR_STRINGS
#define MQTLS_CONFIG_ERROR_STRINGS 1
#endif

/** Internal asserts (invariants, never input checks). Off unless asked for. */
#ifndef MQTLS_CONFIG_ASSERT
#define MQTLS_CONFIG_ASSERT 0
#endif

#if MQTLS_CONFIG_MQTT5 != 0 && MQTLS_CONFIG_MQTT5 != 1
#error "MQTLS_CONFIG_MQTT5 must be 0 or 1"
#endif
#if MQTLS_CONFIG_LOOP_MAX_PACKETS < 1
#error "MQTLS_CONFIG_LOOP_MAX_PACKETS must be at least 1"
#endif
#if MQTLS_CONFIG_V5_STRING_MAX < 24
#error "MQTLS_CONFIG_V5_STRING_MAX must hold at least a 23-character client identifier [MQTT-3.1.3-5]"
#endif
#if MQTLS_CONFIG_PING_TIMEOUT_MS < 1
#error "MQTLS_CONFIG_PING_TIMEOUT_MS must be at least 1"
#endif

#endif /* MQTLS_CONFIG_H */
