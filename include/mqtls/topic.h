/* SPDX-License-Identifier: MIT
 * mqtls: topic names, topic filters, matching, and MQTT's UTF-8 rules. */
/**
 * @file
 * @brief Topic names, topic filters, matching, and MQTT's UTF-8 rules.
 *
 * Pure functions over (pointer, length) strings; nothing here allocates or
 * needs a terminating NUL. Topic levels are separated by '/', and empty
 * levels are legal ("a//b", "/a"). No pointer is kept after a call returns.
 *
 * @code
 * const char *f = "devices/+/telemetry", *t = "devices/42/telemetry";
 * if (mqtls_topic_validate_filter(f, strlen(f)) == MQTLS_OK &&
 *     mqtls_topic_validate_name(t, strlen(t)) == MQTLS_OK &&
 *     mqtls_topic_matches(f, strlen(f), t, strlen(t)))
 *     handle_telemetry();
 * @endcode
 */
#ifndef MQTLS_TOPIC_H
#define MQTLS_TOPIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Check an MQTT UTF-8 string [MQTT-1.5.3]: well-formed UTF-8 (no overlong
 * forms, nothing above U+10FFFF), no surrogates U+D800..U+DFFF, no U+0000,
 * at most 65535 bytes. s may be NULL when len is 0.
 * @param s   the bytes, read during the call only
 * @param len their number
 * @return MQTLS_OK, MQTLS_ERR_BAD_UTF8, MQTLS_ERR_UTF8_NULL,
 * MQTLS_ERR_STRING_TOO_LONG, or MQTLS_ERR_INVALID_ARG for NULL with len > 0.
 *
 * @code
 * if (mqtls_utf8_check(buf, n) != MQTLS_OK) return reject("not MQTT UTF-8");
 * @endcode
 */
int32_t mqtls_utf8_check(const uint8_t *s, size_t len);

/**
 * Validate a topic name (what PUBLISH carries): non-empty, valid MQTT UTF-8,
 * no '+' or '#' [MQTT-3.3.2-2].
 * @param topic the name, not NUL-terminated, read during the call only
 * @param len   its length in bytes
 * @return MQTLS_OK or MQTLS_ERR_TOPIC_EMPTY / TOPIC_WILDCARD / BAD_UTF8 /
 * UTF8_NULL / STRING_TOO_LONG; INVALID_ARG for NULL with len > 0.
 *
 * @code
 * int32_t rc = mqtls_topic_validate_name("sensors/t1", 10);   // MQTLS_OK
 * rc = mqtls_topic_validate_name("sensors/+", 9);             // MQTLS_ERR_TOPIC_WILDCARD
 * @endcode
 */
int32_t mqtls_topic_validate_name(const char *topic, size_t len);

/**
 * Validate a topic filter (what SUBSCRIBE carries): non-empty, valid MQTT
 * UTF-8, '+' alone in its level, '#' alone in the last level
 * [MQTT-4.7.1-2], [MQTT-4.7.1-3]. Shared-subscription syntax ("$share/...")
 * is not checked here; the codec checks it at level 5.
 * @param filter the filter, not NUL-terminated, read during the call only
 * @param len    its length in bytes
 * @return MQTLS_OK or MQTLS_ERR_TOPIC_EMPTY / BAD_FILTER / BAD_UTF8 /
 * UTF8_NULL / STRING_TOO_LONG; INVALID_ARG for NULL with len > 0.
 *
 * @code
 * mqtls_topic_validate_filter("a/+/c", 5);   // MQTLS_OK
 * mqtls_topic_validate_filter("a/b#", 4);    // MQTLS_ERR_BAD_FILTER
 * @endcode
 */
int32_t mqtls_topic_validate_filter(const char *filter, size_t len);

/**
 * Does topic name `topic` match `filter`? '+' matches exactly one level,
 * '#' the parent level and any number of levels below ("a/#" matches "a"),
 * and a topic starting with '$' is not matched by a filter starting with a
 * wildcard [MQTT-4.7.2-1]. Inputs are assumed valid (validate first);
 * invalid input never reads out of bounds but gives an unspecified answer.
 * @param filter     the topic filter, read during the call only
 * @param filter_len its length in bytes
 * @param topic      the topic name, read during the call only
 * @param topic_len  its length in bytes
 * @return true when the filter matches the name; false otherwise, and for
 * NULL with a length > 0.
 *
 * @code
 * mqtls_topic_matches("a/#", 3, "a", 1);          // true
 * mqtls_topic_matches("+/x", 3, "$SYS/x", 6);     // false [MQTT-4.7.2-1]
 * @endcode
 */
bool mqtls_topic_matches(const char *filter, size_t filter_len, const char *topic, size_t topic_len);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_TOPIC_H */
