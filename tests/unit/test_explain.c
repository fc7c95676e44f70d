/* SPDX-License-Identifier: MIT
 * mqtls tests: `mqtls explain` covers every code it promises, and the chip's model. */
/*
 * Pins the promise of issue 11: every mqtls error (walked from the X-macro
 * table itself, so a new error without an answer fails here) and every
 * SimpleLink code the field notes list (../shared/FIELD-NOTES.md, copied
 * below) has at least one cause, a check and a fix; ambiguous numbers get
 * every reading; the board's code next to a prediction says what the
 * difference means; the CC3200 model's CA rule and mask parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/explain.h"
#include "mqtls/slcodes.h"
#include "mqtls/topic.h"

#define AS_CODE(name, value, cls, text) value,
static const int32_t ERRORS[] = { MQTLS_ERROR_TABLE(AS_CODE) };

/* The SimpleLink codes of FIELD-NOTES.md ("Errors:" and the ranges' named codes). */
static const int32_t FIELD_NOTES_SL[] = {
    -450, -451, -452, -453, -454, -455, -456, -457, -458, -459, -460, -461, -462,
    -140, -150, -151, -155, -222, -229, -290, -300, -340, -341, -342, -345, -348, -349, -370, -412,
};

static void reading_is_complete(const mqtls_explain_t *e)
{
    assert_true(e->name[0] != '\0');
    assert_true(strlen(e->meaning) > 5u);
    assert_true(e->n_causes >= 1u && e->n_causes <= MQTLS_EXPLAIN_MAX_CAUSES);
    for (size_t k = 0; k < e->n_causes; k++) {
        assert_non_null(e->causes[k].cause);
        assert_non_null(e->causes[k].check);
        assert_non_null(e->causes[k].fix);
        assert_true(strlen(e->causes[k].cause) > 5u && strlen(e->causes[k].fix) > 5u);
    }
}

static bool has_kind(const mqtls_explain_t *e, size_t n, mqtls_explain_kind_t kind, int32_t code)
{
    for (size_t i = 0; i < n; i++) {
        if (e[i].kind == kind && e[i].code == code) {
            reading_is_complete(&e[i]);
            return true;
        }
    }
    return false;
}

static void every_mqtls_error_is_explained(void **state)
{
    (void)state;
    mqtls_explain_t e[8];
    char q[80];
    for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) {
        snprintf(q, sizeof q, "mqtls:%ld", (long)ERRORS[i]);
        size_t n = mqtls_explain(q, e, 8);
        if (n != 1u || !has_kind(e, n, MQTLS_EXPLAIN_MQTLS, ERRORS[i])) {
            fail_msg("mqtls error %ld (%s) is not explained", (long)ERRORS[i], mqtls_errname(ERRORS[i]));
        }
        /* by name, with and without the prefix */
        snprintf(q, sizeof q, "MQTLS_ERR_%s", mqtls_errname(ERRORS[i]));
        n = mqtls_explain(q, e, 8);
        assert_true(has_kind(e, n, MQTLS_EXPLAIN_MQTLS, ERRORS[i]));
        n = mqtls_explain(mqtls_errname(ERRORS[i]), e, 8);
        assert_true(has_kind(e, n, MQTLS_EXPLAIN_MQTLS, ERRORS[i]));
    }
}

static void every_field_notes_simplelink_code_is_explained(void **state)
{
    (void)state;
    mqtls_explain_t e[8];
    char q[32];
    for (size_t i = 0; i < sizeof FIELD_NOTES_SL / sizeof FIELD_NOTES_SL[0]; i++) {
        snprintf(q, sizeof q, "%ld", (long)FIELD_NOTES_SL[i]);
        size_t n = mqtls_explain(q, e, 8);
        if (!has_kind(e, n, MQTLS_EXPLAIN_SIMPLELINK, FIELD_NOTES_SL[i])) {
            fail_msg("SimpleLink code %s is not explained", q);
        }
        assert_int_equal(e[0].kind, MQTLS_EXPLAIN_SIMPLELINK); /* the board's reading first */
        /* and by its SDK name */
        n = mqtls_explain(mqtls_sl_code_name(FIELD_NOTES_SL[i]), e, 8);
        assert_true(has_kind(e, n, MQTLS_EXPLAIN_SIMPLELINK, FIELD_NOTES_SL[i]));
    }
}

static void the_seed_code_has_every_cause(void **state)
{
    (void)state;
    mqtls_explain_t e[8];
    size_t n = mqtls_explain("SL_ESECBADCAFILE", e, 8);
    assert_int_equal(n, 1);
    assert_int_equal(e[0].code, -456);
    assert_true(e[0].n_causes >= 3u);
    bool pem = false, bundle = false, name = false;
    for (size_t k = 0; k < e[0].n_causes; k++) {
        pem = pem || strstr(e[0].causes[k].cause, "PEM") != NULL;
        bundle = bundle || strstr(e[0].causes[k].cause, "several certificates") != NULL;
        name = name || strstr(e[0].causes[k].cause, "no file under that name") != NULL;
    }
    assert_true(pem && bundle && name);
    assert_int_equal(mqtls_explain("ESECBADCAFILE", e, 8), 1);
}

static void ambiguous_numbers_get_every_reading(void **state)
{
    (void)state;
    mqtls_explain_t e[8];
    size_t n = mqtls_explain("-155", e, 8);
    assert_true(has_kind(e, n, MQTLS_EXPLAIN_SIMPLELINK, -155));
    assert_true(has_kind(e, n, MQTLS_EXPLAIN_MQTLS, -155));
    n = mqtls_explain("sl:-155", e, 8);
    assert_int_equal(n, 1);
    n = mqtls_explain("42", e, 8);
    assert_true(has_kind(e, n, MQTLS_EXPLAIN_TLS_ALERT, 42));
    n = mqtls_explain("bad_certificate", e, 8);
    assert_true(has_kind(e, n, MQTLS_EXPLAIN_TLS_ALERT, 42));
    n = mqtls_explain("5", e, 8);
    assert_true(has_kind(e, n, MQTLS_EXPLAIN_CONNACK, 5));
    n = mqtls_explain("0x87", e, 8);
    assert_true(has_kind(e, n, MQTLS_EXPLAIN_REASON5, 0x87));
    n = mqtls_explain("-0x2700", e, 8);
    assert_true(has_kind(e, n, MQTLS_EXPLAIN_MBEDTLS, -0x2700));
    assert_true(e[0].n_causes >= 3u);
    assert_int_equal(mqtls_explain("no-such-code", e, 8), 0);
    assert_int_equal(mqtls_explain("-999", e, 8), 0);
    assert_int_equal(mqtls_explain("", e, 8), 0);
}

static void json_is_an_array_of_readings(void **state)
{
    (void)state;
    mqtls_explain_t e[8];
    size_t n = mqtls_explain("-456", e, 8);
    char *js = NULL;
    assert_int_equal(mqtls_explain_to_json(e, n, &js), MQTLS_OK);
    assert_non_null(strstr(js, "\"kind\":\"simplelink\""));
    assert_non_null(strstr(js, "\"code\":-456"));
    assert_non_null(strstr(js, "\"causes\":[{\"cause\":"));
    assert_int_equal(js[0], '[');
    free(js);
}

static void json_refuses_null_arguments(void **state)
{
    (void)state;
    mqtls_explain_t e[1];
    assert_int_equal(mqtls_explain("-456", e, 1), 1u);
    char *js = NULL;
    assert_int_equal(mqtls_explain_to_json(e, 1, NULL), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_explain_to_json(NULL, 1, &js), MQTLS_ERR_INVALID_ARG);
    assert_null(js);
    assert_int_equal(mqtls_explain_to_json(NULL, 0, &js), MQTLS_OK); /* no readings: an empty array */
    assert_string_equal(js, "[]\n");
    free(js);
}

static void json_is_utf8_whatever_a_reading_holds(void **state)
{
    (void)state;
    mqtls_explain_t e[1];
    assert_int_equal(mqtls_explain("-456", e, 1), 1u);
    /* well-formed é, a lone 0xFF, DEL, a newline and a character cut after two of its three bytes (a replacement each) */
    snprintf(e[0].meaning, sizeof e[0].meaning, "caf\xc3\xa9 \xff \x7f\nend\xe2\x82");
    char *js = NULL;
    assert_int_equal(mqtls_explain_to_json(e, 1, &js), MQTLS_OK);
    assert_non_null(strstr(js, "\"meaning\":\"caf\xc3\xa9 \\ufffd \\u007f\\nend\\ufffd\\ufffd\""));
    assert_int_equal(mqtls_utf8_check((const uint8_t *)js, strlen(js)), MQTLS_OK);
    free(js);
}

static void the_board_code_next_to_the_prediction(void **state)
{
    (void)state;
    char out[768];
    /* The seed: the board says -456, the store's files give -155. */
    assert_false(mqtls_explain_board(-155, -456, out, sizeof out));
    assert_non_null(strstr(out, "the file on the board is not the one in this store"));
    assert_non_null(strstr(out, "PEM?"));
    assert_non_null(strstr(out, "bundle"));
    assert_true(mqtls_explain_board(-155, -155, out, sizeof out));
    assert_non_null(strstr(out, "agrees"));
    assert_false(mqtls_explain_board(0, -461, out, sizeof out));
    assert_non_null(strstr(out, "--device-time"));
    assert_false(mqtls_explain_board(0, -222, out, sizeof out));
    assert_non_null(strstr(out, "--sl-domain-check"));
    assert_false(mqtls_explain_board(-456, -458, out, sizeof out));
    assert_non_null(strstr(out, "private key"));
}

static void the_ca_rule_needs_the_issuer_of_the_last_certificate(void **state)
{
    (void)state;
    mqtls_tls_report_t r;
    memset(&r, 0, sizeof r);
    r.chain_len = 2;
    strcpy(r.chain[0].subject, "O=t, CN=server");
    strcpy(r.chain[0].issuer, "O=t, CN=int");
    strcpy(r.chain[1].subject, "O=t, CN=int");
    strcpy(r.chain[1].issuer, "O=t, CN=root");
    char why[300];
    assert_int_equal(mqtls_sl_ca_rule("O=t,CN=root", &r, why, sizeof why), 0);
    assert_int_equal(mqtls_sl_ca_rule("CN=int, O=t", &r, why, sizeof why), MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E);
    assert_int_equal(mqtls_sl_ca_rule("O=t, CN=int", &r, why, sizeof why), MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E);
    assert_non_null(strstr(why, "sends itself"));
    r.chain_len = 1; /* the server sends only its certificate: the intermediate is the anchor */
    assert_int_equal(mqtls_sl_ca_rule("O=t, CN=int", &r, why, sizeof why), 0);
}

static void the_mask_as_firmware_writes_it(void **state)
{
    (void)state;
    uint32_t m = 0;
    assert_int_equal(mqtls_sl_mask_parse("0x10", &m), MQTLS_OK);
    assert_int_equal(m, 0x10);
    assert_int_equal(mqtls_sl_mask_parse("SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", &m), MQTLS_OK);
    assert_int_equal(m, 0x10);
    assert_int_equal(mqtls_sl_mask_parse("SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA | "
                                         "SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA|0x200", &m), MQTLS_OK);
    assert_int_equal(m, 0x214);
    assert_int_equal(mqtls_sl_mask_parse("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", &m), MQTLS_OK);
    assert_int_equal(m, 0x200);
    assert_int_equal(mqtls_sl_mask_parse("SL_SEC_MASK_SECURE_DEFAULT", &m), MQTLS_OK);
    assert_int_equal(m, 0x3FF);
    assert_int_equal(mqtls_sl_mask_parse("SL_SEC_MASK_NOPE", &m), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_sl_mask_parse("0x10 |", &m), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_sl_mask_parse("0x400", &m), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_sl_mask_parse("0", &m), MQTLS_ERR_INVALID_ARG);
    for (unsigned b = 0; b < 10u; b++) {
        assert_int_equal(mqtls_sl_mask_parse(mqtls_sl_mask_name(b), &m), MQTLS_OK);
        assert_int_equal(m, 1u << b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_mqtls_error_is_explained),
        cmocka_unit_test(every_field_notes_simplelink_code_is_explained),
        cmocka_unit_test(the_seed_code_has_every_cause),
        cmocka_unit_test(ambiguous_numbers_get_every_reading),
        cmocka_unit_test(json_is_an_array_of_readings),
        cmocka_unit_test(json_refuses_null_arguments),
        cmocka_unit_test(json_is_utf8_whatever_a_reading_holds),
        cmocka_unit_test(the_board_code_next_to_the_prediction),
        cmocka_unit_test(the_ca_rule_needs_the_issuer_of_the_last_certificate),
        cmocka_unit_test(the_mask_as_firmware_writes_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
