/* SPDX-License-Identifier: MIT
 * mqtls: topic names, topic filters, matching, and MQTT's UTF-8 rules. */
/*
 * Pure functions over (pointer, length) strings; nothing here allocates or
 * needs a terminating NUL. Topic levels are separated by '/', and empty
 * levels are legal ("a//b", "/a").
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
 * @return MQTLS_OK, MQTLS_ERR_BAD_UTF8, MQTLS_ERR_UTF8_NULL,
 * MQTLS_ERR_STRING_TOO_LONG, or MQTLS_ERR_INVALID_ARG for NULL with len > 0.
 */
int32_t mqtls_utf8_check(const uint8_t *s, size_t len);

/**
 * Validate a topic name (what PUBLISH carries): non-empty, valid MQTT UTF-8,
 * no '+' or '#'.
 * @return MQTLS_OK or MQTLS_ERR_TOPIC_EMPTY / TOPIC_WILDCARD / BAD_UTF8 /
 * UTF8_NULL / STRING_TOO_LONG; INVALID_ARG for NULL with len > 0.
 */
int32_t mqtls_topic_validate_name(const char *topic, size_t len);

/**
 * Validate a topic filter (what SUBSCRIBE carries): non-empty, valid MQTT
 * UTF-8, '+' alone in its level, '#' alone in the last level.
 * @return MQTLS_OK or MQTLS_ERR_TOPIC_EMPTY / BAD_FILTER / BAD_UTF8 / ...
 */
int32_t mqtls_topic_validate_filter(const char *filter, size_t len);

/**
 * Does topic name `topic` match `filter`? '+' matches exactly one level,
 * '#' the parent level and any number of levels below ("a/#" matches "a"),
 * and a topic starting with '$' is not matched by a filter starting with a
 * wildcard [MQTT-4.7.2-1]. Inputs are assumed valid (validate first);
 * invalid input never reads out of bounds but gives an unspecified answer.
 */
bool mqtls_topic_matches(const char *filter, size_t filter_len, const char *topic, size_t topic_len);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_TOPIC_H */
