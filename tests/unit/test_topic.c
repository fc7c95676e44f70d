/* SPDX-License-Identifier: MIT
 * mqtls tests: MQTT UTF-8 rules, topic name and filter validation, matching. */
/*
 * Table driven. Every string is copied into an exactly-sized heap buffer
 * before the call, so that a read one byte too far is an AddressSanitizer
 * error rather than a silent pass. The matching table starts with the
 * examples of the specification's section 4.7.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mqtls/topic.h"

#define NVEC(a) (sizeof(a) / sizeof((a)[0]))

/* An exactly-sized heap copy of (s, n); NULL stays NULL. */
static char *dup_exact(const char *s, size_t n)
{
    if (s == NULL) {
        return NULL;
    }
    char *p = malloc(n != 0u ? n : 1u);
    assert_non_null(p);
    memcpy(p, s, n);
    return p;
}

static void expect_code(const char *what, const char *s, size_t n, int32_t got, int32_t want)
{
    if (got != want) {
        char shown[64] = {0};
        for (size_t i = 0, o = 0; i < n && o + 4 < sizeof shown; i++) {
            static const char hex[] = "0123456789ABCDEF";
            unsigned char c = (unsigned char)s[i];
            shown[o++] = hex[c >> 4];
            shown[o++] = hex[c & 15u];
            shown[o++] = ' ';
        }
        fail_msg("%s [%s] (%zu bytes): got %s, want %s", what, shown, n, mqtls_errname(got), mqtls_errname(want));
    }
}

/* ---- UTF-8 -------------------------------------------------------------- */

typedef struct {
    const char *s;
    size_t n;
    int32_t want;
} str_vec_t;

#define S(lit) lit, sizeof(lit) - 1u

static const str_vec_t UTF8[] = {
    /* valid: the first and last code point of every sequence length */
    {S(""), MQTLS_OK},
    {S("\x01"), MQTLS_OK},
    {S("a/b c"), MQTLS_OK},
    {S("\x7F"), MQTLS_OK},
    {S("\xC2\x80"), MQTLS_OK},         /* U+0080 */
    {S("\xDF\xBF"), MQTLS_OK},         /* U+07FF */
    {S("\xE0\xA0\x80"), MQTLS_OK},     /* U+0800 */
    {S("\xED\x9F\xBF"), MQTLS_OK},     /* U+D7FF, just below the surrogates */
    {S("\xEE\x80\x80"), MQTLS_OK},     /* U+E000, just above */
    {S("\xEF\xBF\xBF"), MQTLS_OK},     /* U+FFFF */
    {S("\xEF\xBB\xBF"), MQTLS_OK},     /* U+FEFF, kept as is [MQTT-1.5.3-3] */
    {S("\xF0\x90\x80\x80"), MQTLS_OK}, /* U+10000 */
    {S("\xF4\x8F\xBF\xBF"), MQTLS_OK}, /* U+10FFFF */
    {S("\xC3\xA4/\xE2\x82\xAC/\xF0\x9D\x84\x9E"), MQTLS_OK}, /* a-umlaut / euro / G clef */
    /* overlong forms */
    {S("\xC0\x80"), MQTLS_ERR_BAD_UTF8},
    {S("\xC1\xBF"), MQTLS_ERR_BAD_UTF8},
    {S("\xE0\x80\x80"), MQTLS_ERR_BAD_UTF8},
    {S("\xE0\x9F\xBF"), MQTLS_ERR_BAD_UTF8},
    {S("\xF0\x80\x80\x80"), MQTLS_ERR_BAD_UTF8},
    {S("\xF0\x8F\xBF\xBF"), MQTLS_ERR_BAD_UTF8},
    /* surrogates [MQTT-1.5.3-1] */
    {S("\xED\xA0\x80"), MQTLS_ERR_BAD_UTF8}, /* U+D800 */
    {S("\xED\xBF\xBF"), MQTLS_ERR_BAD_UTF8}, /* U+DFFF */
    {S("a\xED\xB0\x80z"), MQTLS_ERR_BAD_UTF8},
    /* above U+10FFFF and bytes that never occur */
    {S("\xF4\x90\x80\x80"), MQTLS_ERR_BAD_UTF8},
    {S("\xF5\x80\x80\x80"), MQTLS_ERR_BAD_UTF8},
    {S("\xF8\x88\x80\x80\x80"), MQTLS_ERR_BAD_UTF8},
    {S("\xFE"), MQTLS_ERR_BAD_UTF8},
    {S("\xFF"), MQTLS_ERR_BAD_UTF8},
    /* stray continuation bytes */
    {S("\x80"), MQTLS_ERR_BAD_UTF8},
    {S("\xBF"), MQTLS_ERR_BAD_UTF8},
    {S("a\x80"), MQTLS_ERR_BAD_UTF8},
    {S("\xC2\x80\x80"), MQTLS_ERR_BAD_UTF8},
    /* truncated sequences, at the end and in the middle */
    {S("\xC2"), MQTLS_ERR_BAD_UTF8},
    {S("\xE0\xA0"), MQTLS_ERR_BAD_UTF8},
    {S("\xF0\x90\x80"), MQTLS_ERR_BAD_UTF8},
    {S("ab\xF4"), MQTLS_ERR_BAD_UTF8},
    {S("\xC2\x41"), MQTLS_ERR_BAD_UTF8},
    {S("\xE0\xA0\x41"), MQTLS_ERR_BAD_UTF8},
    {S("\xF0\x90\x80\x41"), MQTLS_ERR_BAD_UTF8},
    {S("\xC2\xC2\x80"), MQTLS_ERR_BAD_UTF8},
    /* U+0000 [MQTT-1.5.3-2] */
    {S("\0"), MQTLS_ERR_UTF8_NULL},
    {S("a\0b"), MQTLS_ERR_UTF8_NULL},
    {S("\xC3\xA4\0"), MQTLS_ERR_UTF8_NULL},
};

static void utf8_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(UTF8); i++) {
        char *p = dup_exact(UTF8[i].s, UTF8[i].n);
        int32_t rc = mqtls_utf8_check((const uint8_t *)p, UTF8[i].n);
        free(p);
        expect_code("utf8", UTF8[i].s, UTF8[i].n, rc, UTF8[i].want);
    }
}

static void utf8_every_truncation_of_a_multibyte_sequence_is_bad(void **state)
{
    (void)state;
    static const char *const seqs[] = {"\xC2\x80", "\xE0\xA0\x80", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF"};
    for (size_t i = 0; i < NVEC(seqs); i++) {
        size_t n = strlen(seqs[i]);
        for (size_t k = 1; k < n; k++) {
            char *p = dup_exact(seqs[i], k);
            int32_t rc = mqtls_utf8_check((const uint8_t *)p, k);
            free(p);
            expect_code("utf8 prefix", seqs[i], k, rc, MQTLS_ERR_BAD_UTF8);
        }
    }
}

static void utf8_string_length_limit_is_65535_bytes(void **state)
{
    (void)state;
    uint8_t *big = malloc(65536);
    assert_non_null(big);
    memset(big, 'a', 65536);
    assert_int_equal(mqtls_utf8_check(big, 65535), MQTLS_OK);
    assert_int_equal(mqtls_utf8_check(big, 65536), MQTLS_ERR_STRING_TOO_LONG);
    free(big);
}

static void utf8_null_pointer_is_only_an_empty_string(void **state)
{
    (void)state;
    assert_int_equal(mqtls_utf8_check(NULL, 0), MQTLS_OK);
    assert_int_equal(mqtls_utf8_check(NULL, 1), MQTLS_ERR_INVALID_ARG);
}

/* ---- topic names and filters ------------------------------------------- */

static const str_vec_t NAMES[] = {
    {S("a"), MQTLS_OK},
    {S("/"), MQTLS_OK},
    {S("//"), MQTLS_OK},
    {S("a//b"), MQTLS_OK},
    {S("/finance"), MQTLS_OK},
    {S("sport/tennis/player1"), MQTLS_OK},
    {S("$SYS/broker/load"), MQTLS_OK},
    {S(" "), MQTLS_OK},
    {S("ACCOUNTS/\xC3\xA4"), MQTLS_OK},
    {S(""), MQTLS_ERR_TOPIC_EMPTY},
    {S("+"), MQTLS_ERR_TOPIC_WILDCARD},
    {S("#"), MQTLS_ERR_TOPIC_WILDCARD},
    {S("a/+"), MQTLS_ERR_TOPIC_WILDCARD},
    {S("a/#"), MQTLS_ERR_TOPIC_WILDCARD},
    {S("a+b"), MQTLS_ERR_TOPIC_WILDCARD},
    {S("sport/tennis#"), MQTLS_ERR_TOPIC_WILDCARD},
    {S("\xC0\x80"), MQTLS_ERR_BAD_UTF8},
    {S("a/\xED\xA0\x80"), MQTLS_ERR_BAD_UTF8},
    {S("a\0"), MQTLS_ERR_UTF8_NULL},
};

static const str_vec_t FILTERS[] = {
    {S("#"), MQTLS_OK},
    {S("+"), MQTLS_OK},
    {S("+/+"), MQTLS_OK},
    {S("/+"), MQTLS_OK},
    {S("+/"), MQTLS_OK},
    {S("/"), MQTLS_OK},
    {S("//"), MQTLS_OK},
    {S("a//b"), MQTLS_OK},
    {S("/#"), MQTLS_OK},
    {S("sport/#"), MQTLS_OK},
    {S("sport/tennis/#"), MQTLS_OK},
    {S("sport/tennis/player1/#"), MQTLS_OK},
    {S("sport/+/player1"), MQTLS_OK},
    {S("+/tennis/#"), MQTLS_OK},
    {S("a/+/#"), MQTLS_OK},
    {S("+/+/+"), MQTLS_OK},
    {S("$SYS/#"), MQTLS_OK},
    {S("sport/tennis/player1"), MQTLS_OK},
    {S(""), MQTLS_ERR_TOPIC_EMPTY},
    {S("sport/tennis#"), MQTLS_ERR_BAD_FILTER},
    {S("sport/tennis/#/ranking"), MQTLS_ERR_BAD_FILTER},
    {S("sport+"), MQTLS_ERR_BAD_FILTER},
    {S("sport/+x"), MQTLS_ERR_BAD_FILTER},
    {S("+a"), MQTLS_ERR_BAD_FILTER},
    {S("a#"), MQTLS_ERR_BAD_FILTER},
    {S("#/"), MQTLS_ERR_BAD_FILTER},
    {S("##"), MQTLS_ERR_BAD_FILTER},
    {S("++"), MQTLS_ERR_BAD_FILTER},
    {S("a/#/"), MQTLS_ERR_BAD_FILTER},
    {S("#/a"), MQTLS_ERR_BAD_FILTER},
    {S("\xE0\x80\x80/#"), MQTLS_ERR_BAD_UTF8},
    {S("a/\0/#"), MQTLS_ERR_UTF8_NULL},
};

/* topic names: no wildcard, not empty, valid UTF-8 without U+0000
 * [MQTT-4.7.1-1] [MQTT-4.7.3-1] [MQTT-4.7.3-2] [MQTT-1.5.3-1] */
static void topic_name_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(NAMES); i++) {
        char *p = dup_exact(NAMES[i].s, NAMES[i].n);
        int32_t rc = mqtls_topic_validate_name(p, NAMES[i].n);
        free(p);
        expect_code("name", NAMES[i].s, NAMES[i].n, rc, NAMES[i].want);
    }
}

/* 3.1.1: '#' alone or after '/' and last [MQTT-4.7.1-2], '+' a whole level [MQTT-4.7.1-3];
 * filters not empty [MQTT-4.7.3-1]; 5.0: the same rules [MQTT-4.7.1-1] [MQTT-4.7.1-2] */
static void topic_filter_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(FILTERS); i++) {
        char *p = dup_exact(FILTERS[i].s, FILTERS[i].n);
        int32_t rc = mqtls_topic_validate_filter(p, FILTERS[i].n);
        free(p);
        expect_code("filter", FILTERS[i].s, FILTERS[i].n, rc, FILTERS[i].want);
    }
}

static void every_valid_topic_name_is_a_valid_filter(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(NAMES); i++) {
        if (NAMES[i].want == MQTLS_OK) {
            expect_code("name as filter", NAMES[i].s, NAMES[i].n,
                        mqtls_topic_validate_filter(NAMES[i].s, NAMES[i].n), MQTLS_OK);
        }
    }
}

/* names and filters of at most 65535 bytes [MQTT-4.7.3-3] */
static void validation_null_pointers_and_length_limit(void **state)
{
    (void)state;
    assert_int_equal(mqtls_topic_validate_name(NULL, 0), MQTLS_ERR_TOPIC_EMPTY);
    assert_int_equal(mqtls_topic_validate_name(NULL, 3), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_topic_validate_filter(NULL, 0), MQTLS_ERR_TOPIC_EMPTY);
    assert_int_equal(mqtls_topic_validate_filter(NULL, 3), MQTLS_ERR_INVALID_ARG);
    char *big = malloc(65536);
    assert_non_null(big);
    memset(big, 'x', 65536);
    assert_int_equal(mqtls_topic_validate_name(big, 65535), MQTLS_OK);
    assert_int_equal(mqtls_topic_validate_name(big, 65536), MQTLS_ERR_STRING_TOO_LONG);
    assert_int_equal(mqtls_topic_validate_filter(big, 65535), MQTLS_OK);
    assert_int_equal(mqtls_topic_validate_filter(big, 65536), MQTLS_ERR_STRING_TOO_LONG);
    big[65534] = '#';
    assert_int_equal(mqtls_topic_validate_name(big, 65535), MQTLS_ERR_TOPIC_WILDCARD);
    big[65533] = '/';
    assert_int_equal(mqtls_topic_validate_filter(big, 65535), MQTLS_OK);
    free(big);
}

/* ---- matching ----------------------------------------------------------- */

typedef struct {
    const char *filter;
    const char *topic;
    bool match;
} match_vec_t;

static const match_vec_t MATCHES[] = {
    /* 4.7.1.2: the multi-level wildcard */
    {"sport/tennis/player1/#", "sport/tennis/player1", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/ranking", true},
    {"sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true},
    {"sport/#", "sport", true},
    {"#", "sport/tennis", true},
    {"sport/tennis/player1/#", "sport/tennis/player2", false},
    {"sport/tennis/player1/#", "sport/tennis", false},
    /* 4.7.1.3: the single-level wildcard */
    {"sport/tennis/+", "sport/tennis/player1", true},
    {"sport/tennis/+", "sport/tennis/player2", true},
    {"sport/tennis/+", "sport/tennis/player1/ranking", false},
    {"sport/+", "sport", false},
    {"sport/+", "sport/", true},
    {"+", "sport", true},
    {"+/tennis/#", "sport/tennis/player1", true},
    {"sport/+/player1", "sport/tennis/player1", true},
    {"+/+", "/finance", true},
    {"/+", "/finance", true},
    {"+", "/finance", false},
    /* 4.7.2: topics beginning with $ [MQTT-4.7.2-1] */
    {"#", "$SYS/monitor/Clients", false},
    {"+/monitor/Clients", "$SYS/monitor/Clients", false},
    {"$SYS/#", "$SYS/monitor/Clients", true},
    {"$SYS/monitor/+", "$SYS/monitor/Clients", true},
    {"+", "$SYS", false},
    {"#", "$", false},
    {"$SYS", "$SYS", true},
    {"+/$x", "a/$x", true},
    {"a/#", "a/$SYS", true},
    {"#", "a$", true},
    /* exact levels, case, lengths */
    {"a/b", "a/b", true},
    {"a/b", "a/c", false},
    {"a/b", "a/b/c", false},
    {"a/b/c", "a/b", false},
    {"a/b", "a/bc", false},
    {"a/bc", "a/b", false},
    {"a/b", "ab", false},
    {"A", "a", false},
    {"ACCOUNTS", "Accounts", false},
    {"\xC3\xA4", "\xC3\xA4", true},
    /* empty levels are levels */
    {"a//c", "a//c", true},
    {"a/+/c", "a//c", true},
    {"a//c", "a/b/c", false},
    {"/", "/", true},
    {"+/+", "/", true},
    {"+", "/", false},
    {"/#", "/", true},
    {"/#", "/a/b", true},
    {"/#", "a", false},
    {"#", "/", true},
    {"a/#", "a/", true},
    {"a/#", "a//", true},
    {"a/#", "ab", false},
    {"a/#", "b", false},
    {"a/+/#", "a", false},
    {"a/+/#", "a/b", true},
    {"a/+/#", "a/b/c/d", true},
    {"+/+/+", "a/b", false},
    {"+/+/+", "a/b/c", true},
    {"+/#", "a", true},
};

static void matching_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(MATCHES); i++) {
        const match_vec_t *v = &MATCHES[i];
        size_t fl = strlen(v->filter), tl = strlen(v->topic);
        assert_int_equal(mqtls_topic_validate_filter(v->filter, fl), MQTLS_OK); /* the table is valid input */
        assert_int_equal(mqtls_topic_validate_name(v->topic, tl), MQTLS_OK);
        char *f = dup_exact(v->filter, fl), *t = dup_exact(v->topic, tl);
        bool got = mqtls_topic_matches(f, fl, t, tl);
        free(f);
        free(t);
        if (got != v->match) {
            fail_msg("filter \"%s\" topic \"%s\": got %d, want %d", v->filter, v->topic, got, v->match);
        }
    }
}

static void every_valid_name_matches_itself_and_hash(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(NAMES); i++) {
        if (NAMES[i].want != MQTLS_OK) {
            continue;
        }
        char *t = dup_exact(NAMES[i].s, NAMES[i].n);
        assert_true(mqtls_topic_matches(t, NAMES[i].n, t, NAMES[i].n));
        assert_int_equal(mqtls_topic_matches("#", 1, t, NAMES[i].n), t[0] != '$');
        free(t);
    }
}

static void matching_invalid_input_stays_in_bounds(void **state)
{
    (void)state;
    /* No defined answer, only no out-of-bounds read (the ASan build checks). */
    size_t calls = 0;
    for (size_t i = 0; i < NVEC(FILTERS); i++) {
        for (size_t j = 0; j < NVEC(NAMES); j++) {
            char *f = dup_exact(FILTERS[i].s, FILTERS[i].n), *t = dup_exact(NAMES[j].s, NAMES[j].n);
            (void)mqtls_topic_matches(f, FILTERS[i].n, t, NAMES[j].n);
            (void)mqtls_topic_matches(t, NAMES[j].n, f, FILTERS[i].n);
            free(f);
            free(t);
            calls += 2;
        }
    }
    assert_int_equal(calls, 2 * NVEC(FILTERS) * NVEC(NAMES));
    assert_false(mqtls_topic_matches(NULL, 1, "a", 1));
    assert_false(mqtls_topic_matches("a", 1, NULL, 1));
    /* NULL with length 0 is the empty string, which "a" does not match */
    assert_false(mqtls_topic_matches(NULL, 0, "a", 1));
    assert_false(mqtls_topic_matches("a", 1, NULL, 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_table),
        cmocka_unit_test(utf8_every_truncation_of_a_multibyte_sequence_is_bad),
        cmocka_unit_test(utf8_string_length_limit_is_65535_bytes),
        cmocka_unit_test(utf8_null_pointer_is_only_an_empty_string),
        cmocka_unit_test(topic_name_table),
        cmocka_unit_test(topic_filter_table),
        cmocka_unit_test(every_valid_topic_name_is_a_valid_filter),
        cmocka_unit_test(validation_null_pointers_and_length_limit),
        cmocka_unit_test(matching_table),
        cmocka_unit_test(every_valid_name_matches_itself_and_hash),
        cmocka_unit_test(matching_invalid_input_stays_in_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
