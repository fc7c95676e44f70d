/* SPDX-License-Identifier: MIT
 * mqtls: topic names, topic filters, matching, and MQTT's UTF-8 rules. */
/*
 * see mqtls/topic.h
 *
 * Everything works on (pointer, length) and walks the bytes once, without a
 * terminating NUL, a copy, or a table. The UTF-8 check decodes each sequence
 * to its code point and then applies the range rules (overlong, surrogate,
 * above U+10FFFF) to the number, which is shorter and easier to check than
 * the usual table of valid byte ranges per lead byte. Matching walks filter
 * and topic one level at a time; it never recurses, because '#' can only be
 * the last level of a valid filter and '+' consumes exactly one level, so
 * there is nothing to backtrack.
 *
 * Not enforced: the "SHOULD NOT" of [MQTT-1.5.3] (control characters and
 * non-characters) and the byte order mark rule [MQTT-1.5.3-3], which a
 * receiver must not strip anyway.
 */
#include "mqtls/topic.h"


/* see mqtls/topic.h */
int32_t mqtls_utf8_check(const uint8_t *s, size_t len)
{
    static const uint32_t min_cp[4] = {0u, 0x80u, 0x800u, 0x10000u}; /* by continuation count */
    if (s == NULL && len != 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (len > 65535u) {
        return MQTLS_ERR_STRING_TOO_LONG;
    }
    size_t i = 0;
    while (i < len) {
        uint8_t c = s[i++];
        if (c < 0x80u) {
            if (c == 0u) {
                return MQTLS_ERR_UTF8_NULL; /* [MQTT-1.5.3-2] */
            }
            continue;
        }
        /* 0x80..0xC1: a continuation byte without a lead, or an overlong
         * two-byte form; 0xF5..0xFF: above U+10FFFF or not UTF-8 at all. */
        if (c < 0xC2u || c > 0xF4u) {
            return MQTLS_ERR_BAD_UTF8;
        }
        size_t more = c < 0xE0u ? 1u : c < 0xF0u ? 2u : 3u;
        if (len - i < more) {
            return MQTLS_ERR_BAD_UTF8; /* truncated sequence */
        }
        uint32_t cp = c & (0x3Fu >> more);
        for (size_t k = 0; k < more; k++) {
            uint8_t b = s[i++];
            if ((b & 0xC0u) != 0x80u) {
                return MQTLS_ERR_BAD_UTF8;
            }
            cp = (cp << 6) | (b & 0x3Fu);
        }
        /* [MQTT-1.5.3-1]: shortest form only, no surrogates, nothing above U+10FFFF */
        if (cp < min_cp[more] || (cp >= 0xD800u && cp <= 0xDFFFu) || cp > 0x10FFFFu) {
            return MQTLS_ERR_BAD_UTF8;
        }
    }
    return MQTLS_OK;
}

/* Non-empty and valid MQTT UTF-8 [MQTT-4.7.3-1], [MQTT-4.7.3-2]. */
static int32_t check_topic_string(const char *s, size_t len)
{
    if (s == NULL && len != 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (len == 0u) {
        return MQTLS_ERR_TOPIC_EMPTY;
    }
    return mqtls_utf8_check((const uint8_t *)s, len);
}

/* A topic name (`filter` false: no wildcard at all) or a topic filter
 * (wildcards only where they may stand): one walk for both. */
static int32_t check_wildcards(const char *s, size_t len, bool filter)
{
    int32_t rc = check_topic_string(s, len);
    for (size_t i = 0; rc == MQTLS_OK && i < len; i++) {
        char c = s[i];
        if (c != '+' && c != '#') {
            continue;
        }
        if (!filter) {
            return MQTLS_ERR_TOPIC_WILDCARD; /* [MQTT-3.3.2-2], [MQTT-4.7.1-1] */
        }
        /* A wildcard fills its level: '/' (or the edge) on both sides
         * [MQTT-4.7.1-3]; '#' is also the last character [MQTT-4.7.1-2]. */
        bool starts = i == 0u || s[i - 1u] == '/';
        bool ends = i + 1u == len || (c == '+' && s[i + 1u] == '/');
        if (!starts || !ends) {
            rc = MQTLS_ERR_BAD_FILTER;
        }
    }
    return rc;
}

/* see mqtls/topic.h */
int32_t mqtls_topic_validate_name(const char *topic, size_t len)
{
    return check_wildcards(topic, len, false);
}

/* see mqtls/topic.h */
int32_t mqtls_topic_validate_filter(const char *filter, size_t len)
{
    return check_wildcards(filter, len, true);
}

/* Index of the '/' that ends the level starting at i, or len. */
static size_t level_end(const char *s, size_t len, size_t i)
{
    while (i < len && s[i] != '/') {
        i++;
    }
    return i;
}

/* see mqtls/topic.h */
bool mqtls_topic_matches(const char *filter, size_t filter_len, const char *topic, size_t topic_len)
{
    if ((filter == NULL && filter_len != 0u) || (topic == NULL && topic_len != 0u)) {
        return false;
    }
    /* Wildcards at the first level do not match "$SYS/..." and the like [MQTT-4.7.2-1]. */
    if (topic_len != 0u && topic[0] == '$' && filter_len != 0u && (filter[0] == '+' || filter[0] == '#')) {
        return false;
    }
    size_t f = 0;
    size_t t = 0;
    for (;;) {
        /* f and t are at the start of a level. */
        if (f < filter_len && filter[f] == '#') {
            return true; /* this level and everything below [MQTT-4.7.1-2] */
        }
        size_t fe = level_end(filter, filter_len, f);
        size_t te = level_end(topic, topic_len, t);
        if (fe - f != 1u || filter[f] != '+') {
            if (fe - f != te - t) {
                return false;
            }
            for (size_t k = 0; k < fe - f; k++) {
                if (filter[f + k] != topic[t + k]) {
                    return false;
                }
            }
        }
        f = fe;
        t = te;
        if (f == filter_len || t == topic_len) {
            break;
        }
        f++; /* both are at a '/' */
        t++;
    }
    if (t != topic_len) {
        return false; /* the topic has more levels than the filter */
    }
    /* The topic is used up: a match if the filter is too, or if all it has
     * left is "/#", which matches the parent level ("a/#" matches "a"). */
    return f == filter_len || (filter_len - f == 2u && filter[f + 1u] == '#');
}
