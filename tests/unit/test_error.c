/* SPDX-License-Identifier: MIT
 * mqtls tests: the error table, mqtls_strerror(), mqtls_errname() and mqtls_err_class(). */
/*
 * The table is expanded here a second time with its own X-macro, so the
 * tests see exactly what a reader of mqtls/error.h sees, and a new code is
 * checked without anyone touching this file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <string.h>

#include "mqtls/error.h"

typedef struct {
    const char *name;
    int32_t value;
    const char *text;
    mqtls_errclass_t cls;
} code_t;

#define AS_ENTRY(name, value, cls, text) {#name, (value), (text), MQTLS_ERRCLASS_##cls},
static const code_t CODES[] = {MQTLS_ERROR_TABLE(AS_ENTRY)};
#undef AS_ENTRY
#define NCODES (sizeof(CODES) / sizeof(CODES[0]))

/* The module ranges documented at the top of mqtls/error.h. */
typedef struct {
    const char *module;
    int32_t hi; /* closest to zero */
    int32_t lo;
} range_t;

static const range_t RANGES[] = {
    {"general", -1, -19},     {"codec", -20, -59},        {"client", -60, -99},  {"transport", -100, -139},
    {"TLS", -140, -199},      {"credentials", -200, -239}, {"connection manager", -240, -255},
};

static const range_t *range_of(int32_t v)
{
    for (size_t i = 0; i < sizeof RANGES / sizeof RANGES[0]; i++) {
        if (v <= RANGES[i].hi && v >= RANGES[i].lo) {
            return &RANGES[i];
        }
    }
    return NULL;
}

static void every_code_is_negative_and_distinct(void **state)
{
    (void)state;
    assert_true(NCODES > 0u);
    assert_int_equal(MQTLS_OK, 0);
    for (size_t i = 0; i < NCODES; i++) {
        assert_true(CODES[i].value < 0);
        for (size_t j = i + 1; j < NCODES; j++) {
            if (CODES[i].value == CODES[j].value) {
                fail_msg("%s and %s share the value %d", CODES[i].name, CODES[j].name, (int)CODES[i].value);
            }
            if (strcmp(CODES[i].name, CODES[j].name) == 0) {
                fail_msg("%s appears twice", CODES[i].name);
            }
        }
    }
}

static void every_code_has_its_own_sentence(void **state)
{
    (void)state;
    const char *unknown = mqtls_strerror(-12345);
    assert_non_null(unknown);
    assert_true(unknown[0] != '\0');
    for (size_t i = 0; i < NCODES; i++) {
        const char *s = mqtls_strerror(CODES[i].value);
        assert_non_null(s);
        assert_true(strlen(s) > 10u);
        assert_string_equal(s, CODES[i].text);
        assert_string_not_equal(s, unknown);
        assert_string_not_equal(s, mqtls_strerror(MQTLS_OK));
        for (size_t j = 0; j < i; j++) {
            if (strcmp(s, CODES[j].text) == 0) {
                fail_msg("%s and %s share a sentence", CODES[i].name, CODES[j].name);
            }
        }
    }
}

static void errname_round_trips_through_the_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        const char *name = mqtls_errname(CODES[i].value);
        assert_string_equal(name, CODES[i].name);
        /* and back: exactly one entry carries that name, with this value */
        size_t found = 0;
        for (size_t j = 0; j < NCODES; j++) {
            if (strcmp(CODES[j].name, name) == 0) {
                assert_int_equal(CODES[j].value, CODES[i].value);
                found++;
            }
        }
        assert_int_equal(found, 1);
        assert_string_not_equal(name, "UNKNOWN");
        assert_string_not_equal(name, "OK");
    }
}

static void success_and_unknown_codes_have_names_and_sentences(void **state)
{
    (void)state;
    assert_string_equal(mqtls_errname(MQTLS_OK), "OK");
    assert_string_equal(mqtls_strerror(MQTLS_OK), "success");
    static const int32_t unknown[] = {1, 42, -19, -59, -300, -12345, INT32_MIN, INT32_MAX};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        bool in_table = false;
        for (size_t j = 0; j < NCODES; j++) {
            in_table = in_table || CODES[j].value == unknown[i];
        }
        if (in_table) {
            continue; /* a future code took the value: nothing to check */
        }
        assert_string_equal(mqtls_errname(unknown[i]), "UNKNOWN");
        assert_string_equal(mqtls_strerror(unknown[i]), mqtls_strerror(-12345));
    }
}

static void every_code_lies_in_a_documented_module_range(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        if (range_of(CODES[i].value) == NULL) {
            fail_msg("%s = %d is outside every documented range", CODES[i].name, (int)CODES[i].value);
        }
    }
}

static void codes_sit_in_their_own_module_range(void **state)
{
    (void)state;
    static const struct {
        int32_t value;
        const char *module;
    } v[] = {
        {MQTLS_ERR_INVALID_ARG, "general"},
        {MQTLS_ERR_BUFFER_TOO_SMALL, "general"},
        {MQTLS_ERR_NOT_SUPPORTED, "general"},
        {MQTLS_ERR_WANT_READ, "general"},
        {MQTLS_ERR_WANT_WRITE, "general"},
        {MQTLS_ERR_TIMEOUT, "general"},
        {MQTLS_ERR_MALFORMED_REMAINING_LENGTH, "codec"},
        {MQTLS_ERR_TRUNCATED, "codec"},
        {MQTLS_ERR_LENGTH_MISMATCH, "codec"},
        {MQTLS_ERR_RESERVED_FLAGS, "codec"},
        {MQTLS_ERR_BAD_PACKET_TYPE, "codec"},
        {MQTLS_ERR_UNEXPECTED_PACKET, "codec"},
        {MQTLS_ERR_BAD_QOS, "codec"},
        {MQTLS_ERR_ZERO_PACKET_ID, "codec"},
        {MQTLS_ERR_BAD_UTF8, "codec"},
        {MQTLS_ERR_UTF8_NULL, "codec"},
        {MQTLS_ERR_TOPIC_WILDCARD, "codec"},
        {MQTLS_ERR_TOPIC_EMPTY, "codec"},
        {MQTLS_ERR_BAD_FILTER, "codec"},
        {MQTLS_ERR_STRING_TOO_LONG, "codec"},
        {MQTLS_ERR_PACKET_TOO_LARGE, "codec"},
        {MQTLS_ERR_BAD_CONNACK_FLAGS, "codec"},
        {MQTLS_ERR_BAD_CONNACK_CODE, "codec"},
        {MQTLS_ERR_BAD_SUBACK_CODE, "codec"},
        {MQTLS_ERR_BAD_WILL, "codec"},
        {MQTLS_ERR_PASSWORD_WITHOUT_USER, "codec"},
        {MQTLS_ERR_NO_TOPICS, "codec"},
        {MQTLS_ERR_EMPTY_CLIENT_ID, "codec"},
        {MQTLS_ERR_SESSION_PRESENT_INVALID, "codec"},
        {MQTLS_ERR_NOT_CONNECTED, "client"},
        {MQTLS_ERR_REFUSED_PROTOCOL_VERSION, "client"},
        {MQTLS_ERR_PROTOCOL, "client"},
        {MQTLS_ERR_CLOSED, "transport"},
        {MQTLS_ERR_SOCKET, "transport"},
        {MQTLS_ERR_OFFLINE_FULL, "connection manager"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        const range_t *r = range_of(v[i].value);
        assert_non_null(r);
        if (strcmp(r->module, v[i].module) != 0) {
            fail_msg("%s (%d) is in the %s range, documented as %s", mqtls_errname(v[i].value), (int)v[i].value,
                     r->module, v[i].module);
        }
    }
}

static void the_table_lists_codes_module_by_module(void **state)
{
    (void)state;
    /* The table is grouped by module as documented: once a range is left it
     * is not entered again, so a reader finds each module in one place. */
    for (size_t i = 1; i < NCODES; i++) {
        const range_t *prev = range_of(CODES[i - 1u].value), *cur = range_of(CODES[i].value);
        if (cur != prev) {
            for (size_t j = 0; j < i; j++) {
                if (range_of(CODES[j].value) == cur) {
                    fail_msg("%s returns to the %s range after %s", CODES[i].name, cur->module,
                             CODES[i - 1u].name);
                }
            }
        }
    }
}

/*
 * The class of every code, pinned: a new code or a changed class fails here
 * until someone decides, in this list, what a connection manager does with
 * it. FATAL is what must never be retried as is.
 */
static const char *const CLASS_TRANSIENT[] = {
    "WANT_READ", "WANT_WRITE", "INFLIGHT_FULL", "STORE_FULL", "OFFLINE_FULL",
};
static const char *const CLASS_NONFATAL[] = {
    "MESSAGE_TOO_LARGE",
    "SUBSCRIBE_REFUSED",
    "PACKET_TOO_LARGE_FOR_SERVER",
    "QOS_NOT_SUPPORTED",
    "RETAIN_NOT_SUPPORTED",
    "WILDCARD_NOT_SUPPORTED",
    "SUBSCRIPTION_ID_NOT_SUPPORTED",
    "SHARED_NOT_SUPPORTED",
    "UNSUBSCRIBE_REFUSED",
    "PUBLISH_REFUSED",
    "QUOTA_EXCEEDED",
    "TLS_NO_SESSION",
};
static const char *const CLASS_RECONNECT[] = {
    "INTERNAL", "NO_MEMORY", "TIMEOUT", "MALFORMED_REMAINING_LENGTH", "TRUNCATED",
    "LENGTH_MISMATCH", "RESERVED_FLAGS", "BAD_PACKET_TYPE", "UNEXPECTED_PACKET", "ZERO_PACKET_ID",
    "BAD_CONNACK_FLAGS", "BAD_CONNACK_CODE", "BAD_SUBACK_CODE", "SESSION_PRESENT_INVALID",
    "BAD_PROPERTY", "PROPERTY_NOT_ALLOWED", "DUPLICATE_PROPERTY", "BAD_VARINT", "PROPERTY_LENGTH",
    "BAD_PROPERTY_VALUE", "BAD_REASON_CODE", "TOPIC_ALIAS_NEEDED", "NOT_CONNECTED",
    "REFUSED_SERVER_UNAVAILABLE", "KEEPALIVE_TIMEOUT", "INBOUND_FULL", "PROTOCOL",
    "SERVER_DISCONNECT", "TOPIC_ALIAS_INVALID", "RECEIVE_MAXIMUM_EXCEEDED", "RX_PACKET_TOO_LARGE",
    "TOPIC_ALIAS_TOO_LONG", "ACK_TIMEOUT", "CLOSED", "DNS", "CONNECT_REFUSED", "CONNECT_TIMEOUT",
    "UNREACHABLE", "SEND", "RECV", "SOCKET", "TLS_HANDSHAKE_TIMEOUT", "TLS_CLOSED_IN_HANDSHAKE",
    "TLS_ALERT", "TLS_HANDSHAKE", "TLS_IO", "SUBACK_TIMEOUT", "TLS_RENEGOTIATION",
};
static const char *const CLASS_FATAL[] = {
    "INVALID_ARG", "BUFFER_TOO_SMALL", "NOT_SUPPORTED", "BAD_QOS", "BAD_UTF8", "UTF8_NULL",
    "TOPIC_WILDCARD", "TOPIC_EMPTY", "BAD_FILTER", "STRING_TOO_LONG", "PACKET_TOO_LARGE",
    "BAD_WILL", "PASSWORD_WITHOUT_USER", "NO_TOPICS", "EMPTY_CLIENT_ID", "BAD_SUB_OPTIONS",
    "SHARED_NO_LOCAL", "BAD_SHARED_FILTER", "AUTH_DATA_WITHOUT_METHOD", "REFUSED_PROTOCOL_VERSION",
    "REFUSED_IDENTIFIER", "REFUSED_BAD_CREDENTIALS", "REFUSED_NOT_AUTHORIZED", "STORE_TOO_SMALL",
    "NO_STORE", "RX_BUFFER_TOO_SMALL", "TX_BUFFER_TOO_SMALL", "BUSY", "CONNACK_EXPECTED",
    "REFUSED_V5", "AUTH_FAILED", "RESTORE_TOO_MANY", "TLS_UNKNOWN_CA", "TLS_HOSTNAME_MISMATCH",
    "TLS_CERT_EXPIRED", "TLS_CERT_NOT_YET_VALID", "TLS_VERIFY_FAILED", "TLS_BAD_CA_FILE",
    "TLS_CA_FORMAT", "TLS_BAD_CERT_FILE", "TLS_BAD_KEY_FILE", "TLS_KEY_PASSWORD",
    "TLS_KEY_MISMATCH", "TLS_NO_COMMON_VERSION", "TLS_NO_SHARED_CIPHER", "TLS_CERT_REQUIRED",
    "TLS_CERT_REJECTED", "TLS_NOT_TLS", "TLS_BAD_CIPHER", "TLS_BAD_CONFIG",
    "TLS_ENGINE_UNAVAILABLE", "TLS_BAD_CA_PATH", "TLS_CERT_DATE", "TLS_NOT_VERIFIED", "CRED_EMPTY", "CRED_GARBAGE", "CRED_TRUNCATED",
    "CRED_NOT_CERT", "CRED_NOT_PRIVATE_KEY", "CRED_PUBLIC_KEY", "CRED_CSR", "CRED_BUNDLE",
    "CRED_NOT_SINGLE", "CRED_NOT_CA", "CRED_NOT_LEAF", "CRED_ENCRYPTED", "CRED_BAD_PASSWORD",
    "CRED_KEY_MISMATCH", "CRED_UNTRUSTED", "CRED_EXPIRED", "CRED_NOT_YET_VALID",
    "CRED_BAD_SIGNATURE", "CRED_UNSUPPORTED", "CRED_IO", "STORE_BAD_NAME", "STORE_NOT_FOUND",
    "STORE_ROLE", "CRED_BAD_DH", "STORE_IO", "STORE_CORRUPT", "STORE_LOCKED", "TLS_CERT_DATE", "TLS_NOT_VERIFIED",
    "CONNACK_TOO_LARGE", "CRED_MALFORMED_KEY", "CRED_KDF_LIMIT", "CRED_NOT_DER", "TLS_BAD_RECORD",
    "TLS_MESSAGE_TOO_LARGE",
};

static bool listed(const char *const *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(list[i], name) == 0) {
            return true;
        }
    }
    return false;
}

#define LISTED(list, name) listed(list, sizeof list / sizeof list[0], name)

static void every_code_has_its_pinned_class(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        const char *n = CODES[i].name;
        int hits = LISTED(CLASS_TRANSIENT, n) + LISTED(CLASS_NONFATAL, n) + LISTED(CLASS_RECONNECT, n) +
                   LISTED(CLASS_FATAL, n);
        if (hits != 1) {
            fail_msg("%s is in %d class lists (want exactly 1)", n, hits);
        }
        mqtls_errclass_t want = LISTED(CLASS_TRANSIENT, n)   ? MQTLS_ERRCLASS_TRANSIENT
                                : LISTED(CLASS_NONFATAL, n)  ? MQTLS_ERRCLASS_NONFATAL
                                : LISTED(CLASS_RECONNECT, n) ? MQTLS_ERRCLASS_RECONNECT
                                                             : MQTLS_ERRCLASS_FATAL;
        if (mqtls_err_class(CODES[i].value) != want || CODES[i].cls != want) {
            fail_msg("%s: class %s, table %s, pinned %s", n, mqtls_errclass_name(mqtls_err_class(CODES[i].value)),
                     mqtls_errclass_name(CODES[i].cls), mqtls_errclass_name(want));
        }
    }
}

static void classes_of_success_and_unknown_codes(void **state)
{
    (void)state;
    assert_int_equal(mqtls_err_class(MQTLS_OK), MQTLS_ERRCLASS_OK);
    assert_int_equal(mqtls_err_class(42), MQTLS_ERRCLASS_OK); /* a count */
    assert_int_equal(mqtls_err_class(-12345), MQTLS_ERRCLASS_RECONNECT);
    /* the examples client.h gives */
    assert_int_equal(mqtls_err_class(MQTLS_ERR_REFUSED_BAD_CREDENTIALS), MQTLS_ERRCLASS_FATAL);
    assert_int_equal(mqtls_err_class(MQTLS_ERR_REFUSED_NOT_AUTHORIZED), MQTLS_ERRCLASS_FATAL);
    assert_int_equal(mqtls_err_class(MQTLS_ERR_TLS_UNKNOWN_CA), MQTLS_ERRCLASS_FATAL);
    assert_int_equal(mqtls_err_class(MQTLS_ERR_CLOSED), MQTLS_ERRCLASS_RECONNECT);
    assert_int_equal(mqtls_err_class(MQTLS_ERR_ACK_TIMEOUT), MQTLS_ERRCLASS_RECONNECT);
    assert_int_equal(mqtls_err_class(MQTLS_ERR_INFLIGHT_FULL), MQTLS_ERRCLASS_TRANSIENT);
    assert_int_equal(mqtls_err_class(MQTLS_ERR_WANT_READ), MQTLS_ERRCLASS_TRANSIENT);
    assert_int_equal(mqtls_err_class(MQTLS_ERR_PUBLISH_REFUSED), MQTLS_ERRCLASS_NONFATAL);
    assert_string_equal(mqtls_errclass_name(MQTLS_ERRCLASS_FATAL), "fatal");
    assert_string_equal(mqtls_errclass_name(MQTLS_ERRCLASS_OK), "ok");
    assert_string_equal(mqtls_errclass_name((mqtls_errclass_t)99), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_code_is_negative_and_distinct),
        cmocka_unit_test(every_code_has_its_own_sentence),
        cmocka_unit_test(errname_round_trips_through_the_table),
        cmocka_unit_test(success_and_unknown_codes_have_names_and_sentences),
        cmocka_unit_test(every_code_lies_in_a_documented_module_range),
        cmocka_unit_test(codes_sit_in_their_own_module_range),
        cmocka_unit_test(the_table_lists_codes_module_by_module),
        cmocka_unit_test(every_code_has_its_pinned_class),
        cmocka_unit_test(classes_of_success_and_unknown_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
