/* SPDX-License-Identifier: MIT
 * mqtls tests: the doctor's catalogue, its rules that need no broker, and its JSON. */
/*
 * The integration tests (test_doctor*.sh) prove each cause against a real
 * mosquitto; this file pins what a broker cannot show: port 443 without
 * ALPN (mosquitto cannot demand ALPN), the catalogue's shape (every id the
 * issue names is there, unique, with a title, an explanation and a fix),
 * the classification from (error, TLS report) for every TLS and MQTT error
 * the doctor maps, and that the JSON escapes what it prints.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/diag.h"
#include "mqtls/topic.h"

static const char *const issue_ids[] = {
    "ca-mismatch", "ca-not-der", "ca-not-single", "ca-not-root", "server-cert-expired",
    "server-cert-not-yet-valid", "hostname-mismatch", "client-cert-required", "client-cert-rejected",
    "key-mismatch", "no-common-version", "no-common-cipher", "tls-to-plain-port", "plain-to-tls-port",
    "connack-refused", "closed-after-connect", "alpn-missing-443", "dns-failure", "tcp-refused", "tcp-timeout",
    "sni-mismatch", "ca-legacy-root",
};

static void catalogue_has_every_issue_id(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof issue_ids / sizeof issue_ids[0]; i++) {
        const mqtls_diag_cause_t *c = mqtls_diag_cause(issue_ids[i]);
        if (c == NULL) {
            fail_msg("cause id '%s' is missing from the catalogue", issue_ids[i]);
        }
        assert_string_equal(c->id, issue_ids[i]);
    }
    assert_null(mqtls_diag_cause("no-such-cause"));
    assert_null(mqtls_diag_cause(NULL));
}

static void catalogue_ids_unique_and_texts_present(void **state)
{
    (void)state;
    size_t n = 0;
    const mqtls_diag_cause_t *cat = mqtls_diag_catalogue(&n);
    assert_true(n >= sizeof issue_ids / sizeof issue_ids[0]);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(cat[i].id);
        /* ids are lowercase words joined by '-': stable in scripts */
        for (const char *p = cat[i].id; *p != '\0'; p++) {
            assert_true((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-');
        }
        assert_true(strlen(cat[i].title) > 10);
        assert_true(strlen(cat[i].explanation) > 20);
        assert_true(strlen(cat[i].fix) > 20);
        for (size_t k = i + 1; k < n; k++) {
            if (strcmp(cat[i].id, cat[k].id) == 0) {
                fail_msg("cause id '%s' appears twice", cat[i].id);
            }
        }
        assert_ptr_equal(mqtls_diag_cause(cat[i].id), &cat[i]);
    }
}

static void alpn_missing_only_on_443_without_alpn(void **state)
{
    (void)state;
    const char *const amzn[] = { "x-amzn-mqtt-ca", NULL };
    const char *const empty[] = { NULL };
    const char *const blank[] = { "", NULL };
    assert_true(mqtls_diag_alpn_missing(443, NULL));
    assert_true(mqtls_diag_alpn_missing(443, empty));
    assert_true(mqtls_diag_alpn_missing(443, blank));
    assert_false(mqtls_diag_alpn_missing(443, amzn));
    assert_false(mqtls_diag_alpn_missing(8883, NULL));
    assert_false(mqtls_diag_alpn_missing(1883, NULL));
}

static mqtls_tls_report_t report(void)
{
    mqtls_tls_report_t r;
    memset(&r, 0, sizeof r);
    r.alert_received = -1;
    r.alert_sent = -1;
    return r;
}

static const char *id_of(int32_t err, const mqtls_tls_report_t *r, const mqtls_diag_hints_t *h)
{
    const mqtls_diag_cause_t *c = mqtls_diag_classify(err, r, h);
    return c != NULL ? c->id : "(null)";
}

static void classify_port_443_without_alpn(void **state)
{
    (void)state;
    mqtls_tls_report_t r = report();
    mqtls_diag_hints_t h443 = { 443, false, false, false };
    mqtls_diag_hints_t h443a = { 443, true, false, false };
    mqtls_diag_hints_t h8883 = { 8883, false, false, false };
    /* What AWS IoT does on 443 to a client without ALPN: close, alert, or nothing. */
    assert_string_equal(id_of(MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE, &r, &h443), "alpn-missing-443");
    assert_string_equal(id_of(MQTLS_ERR_TLS_ALERT, &r, &h443), "alpn-missing-443");
    assert_string_equal(id_of(MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT, &r, &h443), "alpn-missing-443");
    assert_string_equal(id_of(MQTLS_ERR_TLS_NOT_TLS, &r, &h443), "alpn-missing-443");
    /* With ALPN, or on another port, the failure keeps its own name. */
    assert_string_equal(id_of(MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE, &r, &h443a), "tls-closed");
    assert_string_equal(id_of(MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE, &r, &h8883), "tls-closed");
    assert_string_equal(id_of(MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT, &r, &h8883), "tls-timeout");
    /* A failure ALPN cannot explain is not blamed on it. */
    assert_string_equal(id_of(MQTLS_ERR_TLS_UNKNOWN_CA, &r, &h443), "ca-mismatch");
    assert_string_equal(id_of(MQTLS_ERR_TLS_HOSTNAME_MISMATCH, &r, &h443), "hostname-mismatch");
}

static void classify_tls_errors(void **state)
{
    (void)state;
    mqtls_tls_report_t r = report();
    mqtls_diag_hints_t h = { 8883, false, false, false };
    mqtls_diag_hints_t legacy = { 8883, false, false, true };
    mqtls_diag_hints_t sni = { 8883, false, true, false };
    assert_string_equal(id_of(MQTLS_ERR_TLS_UNKNOWN_CA, &r, &h), "ca-mismatch");
    assert_string_equal(id_of(MQTLS_ERR_TLS_UNKNOWN_CA, &r, &legacy), "ca-legacy-root");
    assert_string_equal(id_of(MQTLS_ERR_TLS_HOSTNAME_MISMATCH, &r, &h), "hostname-mismatch");
    assert_string_equal(id_of(MQTLS_ERR_TLS_HOSTNAME_MISMATCH, &r, &sni), "sni-mismatch");
    assert_string_equal(id_of(MQTLS_ERR_TLS_CERT_EXPIRED, &r, &h), "server-cert-expired");
    assert_string_equal(id_of(MQTLS_ERR_TLS_CERT_NOT_YET_VALID, &r, &h), "server-cert-not-yet-valid");
    assert_string_equal(id_of(MQTLS_ERR_TLS_CA_FORMAT, &r, &h), "ca-not-der");
    assert_string_equal(id_of(MQTLS_ERR_TLS_BAD_CA_FILE, &r, &h), "ca-file-bad");
    assert_string_equal(id_of(MQTLS_ERR_TLS_KEY_MISMATCH, &r, &h), "key-mismatch");
    assert_string_equal(id_of(MQTLS_ERR_TLS_BAD_KEY_FILE, &r, &h), "key-file-bad");
    assert_string_equal(id_of(MQTLS_ERR_TLS_BAD_CERT_FILE, &r, &h), "cert-file-bad");
    assert_string_equal(id_of(MQTLS_ERR_TLS_NO_COMMON_VERSION, &r, &h), "no-common-version");
    assert_string_equal(id_of(MQTLS_ERR_TLS_NO_SHARED_CIPHER, &r, &h), "no-common-cipher");
    assert_string_equal(id_of(MQTLS_ERR_TLS_CERT_REQUIRED, &r, &h), "client-cert-required");
    assert_string_equal(id_of(MQTLS_ERR_TLS_CERT_REJECTED, &r, &h), "client-cert-rejected");
    assert_string_equal(id_of(MQTLS_ERR_TLS_NOT_TLS, &r, &h), "not-tls");
    assert_string_equal(id_of(MQTLS_ERR_TLS_BAD_CONFIG, &r, &h), "tls-config");
    assert_string_equal(id_of(MQTLS_ERR_TLS_HANDSHAKE, &r, &h), "tls-failed");
    /* unrecognized_name without SNI: the server needed the name; with --sni it is just an alert. */
    r.alert_received = 112;
    assert_string_equal(id_of(MQTLS_ERR_TLS_ALERT, &r, &h), "sni-missing");
    assert_string_equal(id_of(MQTLS_ERR_TLS_ALERT, &r, &sni), "tls-alert");
    r.alert_received = 80;
    assert_string_equal(id_of(MQTLS_ERR_TLS_ALERT, &r, &h), "tls-alert");
    r = report();
    /* A bad-signature chain is not "the wrong CA" unless the chain is also untrusted. */
    assert_string_equal(id_of(MQTLS_ERR_TLS_VERIFY_FAILED, &r, &h), "server-cert-invalid");
    r.verify_flags = MQTLS_TLS_VERIFY_NOT_TRUSTED | MQTLS_TLS_VERIFY_BAD_SIGNATURE;
    assert_string_equal(id_of(MQTLS_ERR_TLS_VERIFY_FAILED, &r, &h), "ca-mismatch");
    /* A TLS 1.2 server that asked for a certificate and closed: it wanted ours. */
    r = report();
    r.cert_requested = true;
    assert_string_equal(id_of(MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE, &r, &h), "client-cert-required");
    r.cert_sent = true;
    assert_string_equal(id_of(MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE, &r, &h), "tls-closed");
}

static void classify_network_and_mqtt_errors(void **state)
{
    (void)state;
    mqtls_tls_report_t r = report();
    assert_null(mqtls_diag_classify(MQTLS_OK, &r, NULL));
    assert_string_equal(id_of(MQTLS_ERR_DNS, NULL, NULL), "dns-failure");
    assert_string_equal(id_of(MQTLS_ERR_CONNECT_REFUSED, NULL, NULL), "tcp-refused");
    assert_string_equal(id_of(MQTLS_ERR_CONNECT_TIMEOUT, NULL, NULL), "tcp-timeout");
    assert_string_equal(id_of(MQTLS_ERR_UNREACHABLE, NULL, NULL), "tcp-unreachable");
    for (int32_t e = MQTLS_ERR_REFUSED_NOT_AUTHORIZED; e <= MQTLS_ERR_REFUSED_PROTOCOL_VERSION; e++) {
        assert_string_equal(id_of(e, &r, NULL), "connack-refused");
    }
    assert_string_equal(id_of(MQTLS_ERR_CLOSED, &r, NULL), "closed-after-connect");
    assert_string_equal(id_of(MQTLS_ERR_RECV, NULL, NULL), "closed-after-connect");
    /* TLS 1.3: asked for a certificate, none sent, closed at CONNECT. */
    r.cert_requested = true;
    assert_string_equal(id_of(MQTLS_ERR_CLOSED, &r, NULL), "client-cert-required");
    assert_string_equal(id_of(MQTLS_ERR_TIMEOUT, NULL, NULL), "connack-timeout");
    assert_string_equal(id_of(MQTLS_ERR_CONNACK_EXPECTED, NULL, NULL), "not-mqtt");
    assert_string_equal(id_of(MQTLS_ERR_BAD_PACKET_TYPE, NULL, NULL), "not-mqtt");
    assert_string_equal(id_of(MQTLS_ERR_SUBSCRIBE_REFUSED, NULL, NULL), "subscribe-refused");
    assert_string_equal(id_of(MQTLS_ERR_INTERNAL, NULL, NULL), "unknown");
}

static void legacy_roots_are_recognised(void **state)
{
    (void)state;
    assert_true(mqtls_diag_is_legacy_root("C=US, O=VeriSign, Inc., OU=VeriSign Trust Network, OU=(c) 2006 VeriSign, "
                                          "Inc. - For authorized use only, CN=VeriSign Class 3 Public Primary "
                                          "Certification Authority - G5"));
    assert_false(mqtls_diag_is_legacy_root("C=US, O=Amazon, CN=Amazon Root CA 1"));
    assert_false(mqtls_diag_is_legacy_root(NULL));
}

static void json_is_escaped_and_names_the_cause(void **state)
{
    (void)state;
    mqtls_diag_report_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->n_steps = 1;
    strcpy(r->steps[0].name, "ca");
    r->steps[0].status = MQTLS_DIAG_FAIL;
    strcpy(r->steps[0].detail, "line \"one\"\nback\\slash\ttab");
    r->cause = mqtls_diag_cause("ca-mismatch");
    r->error = MQTLS_ERR_TLS_UNKNOWN_CA;
    r->has_sl = true;
    r->sl_code = -155;
    char *js = NULL;
    assert_int_equal(mqtls_diag_to_json(r, &js), MQTLS_OK);
    assert_non_null(strstr(js, "\"ok\": false"));
    assert_non_null(strstr(js, "\"status\": \"fail\""));
    assert_non_null(strstr(js, "line \\\"one\\\"\\nback\\\\slash\\u0009tab"));
    assert_non_null(strstr(js, "\"id\": \"ca-mismatch\""));
    assert_non_null(strstr(js, "\"code\": -155"));
    assert_non_null(strstr(js, "\"name\": \"SL_ESEC_ASN_SIG_CONFIRM_E\""));
    assert_null(strchr(js, '\t'));
    assert_null(strstr(js, "\"board\""));
    free(js);
    r->has_board = true;
    r->board_said = -456;
    r->board_agrees = false;
    strcpy(r->board_meaning, "not the file in the store");
    assert_int_equal(mqtls_diag_to_json(r, &js), MQTLS_OK);
    assert_non_null(strstr(js, ",\n \"board\": {\"code\": -456, \"name\": \"SL_ESECBADCAFILE\", \"agrees\": false, "
                               "\"meaning\": \"not the file in the store\"}}\n"));
    free(js);
    /* No cause: null, and no simplelink object without a store. */
    memset(r, 0, sizeof *r);
    r->ok = true;
    assert_int_equal(mqtls_diag_to_json(r, &js), MQTLS_OK);
    assert_non_null(strstr(js, "\"cause\": null"));
    assert_null(strstr(js, "simplelink"));
    free(js);
    free(r);
}

static void run_checks_its_arguments(void **state)
{
    (void)state;
    mqtls_diag_config_t cfg;
    mqtls_diag_config_init(&cfg);
    mqtls_diag_report_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    assert_int_equal(mqtls_diag_run(NULL, r), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_diag_run(&cfg, NULL), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_diag_run(&cfg, r), MQTLS_ERR_INVALID_ARG); /* no host, no client id */
    cfg.host = "127.0.0.1";
    assert_int_equal(mqtls_diag_run(&cfg, r), MQTLS_ERR_INVALID_ARG); /* no client id */
    cfg.host = NULL;
    cfg.client_id = "doctor";
    assert_int_equal(mqtls_diag_run(&cfg, r), MQTLS_ERR_INVALID_ARG); /* no host */
    /* A complete configuration that would switch any verification off is
     * refused before a byte is sent: the doctor never vouches for an
     * unverified session. */
    cfg.host = "127.0.0.1";
    cfg.port = 1;
    cfg.tls = true;
    cfg.tls_cfg.no_verify = true;
    assert_int_equal(mqtls_diag_run(&cfg, r), MQTLS_ERR_INVALID_ARG);
    cfg.tls_cfg.no_verify = false;
    cfg.tls_cfg.insecure = true;
    assert_int_equal(mqtls_diag_run(&cfg, r), MQTLS_ERR_INVALID_ARG);
    cfg.tls_cfg.insecure = false;
    cfg.tls_cfg.verify_tolerate = MQTLS_TLS_VERIFY_EXPIRED;
    assert_int_equal(mqtls_diag_run(&cfg, r), MQTLS_ERR_INVALID_ARG);
    free(r);
}

static void json_is_utf8_whatever_the_details_hold(void **state)
{
    (void)state;
    mqtls_diag_report_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->n_steps = 1;
    strcpy(r->steps[0].name, "chain");
    r->steps[0].status = MQTLS_DIAG_PASS;
    /* well-formed é, a lone 0xFF, an overlong 0xC0 0xAF, and a character cut after its first byte */
    strcpy(r->steps[0].detail, "caf\xc3\xa9 \xff \xc0\xaf end\xe2\x82");
    char *js = NULL;
    assert_int_equal(mqtls_diag_to_json(r, &js), MQTLS_OK);
    assert_non_null(strstr(js, "caf\xc3\xa9 \\ufffd \\ufffd\\ufffd end\\ufffd"));
    assert_int_equal(mqtls_utf8_check((const uint8_t *)js, strlen(js)), MQTLS_OK);
    free(js);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(catalogue_has_every_issue_id),
        cmocka_unit_test(catalogue_ids_unique_and_texts_present),
        cmocka_unit_test(alpn_missing_only_on_443_without_alpn),
        cmocka_unit_test(classify_port_443_without_alpn),
        cmocka_unit_test(classify_tls_errors),
        cmocka_unit_test(classify_network_and_mqtt_errors),
        cmocka_unit_test(legacy_roots_are_recognised),
        cmocka_unit_test(json_is_escaped_and_names_the_cause),
        cmocka_unit_test(run_checks_its_arguments),
        cmocka_unit_test(json_is_utf8_whatever_the_details_hold),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
