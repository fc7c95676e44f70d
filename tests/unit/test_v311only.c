/* SPDX-License-Identifier: MIT
 * mqtls tests: a core built with MQTLS_CONFIG_MQTT5 0 (3.1.1 only). */
/*
 * Everything that needs MQTT 5.0 answers MQTLS_ERR_NOT_SUPPORTED, writes
 * nothing, sends nothing and leaves a 3.1.1 connection as it was; the 3.1.1
 * behaviour itself is covered by test_codec_v311 and test_client_v311 (the
 * 3.1.1 suites against this core).
 *
 * It measures three MQTLS_PRIVATE() fields of mqtls_client_t (the 5.0
 * strings shrink to one byte), so it may touch them (mqtls/api.h).
 */
#define MQTLS_ALLOW_PRIVATE_ACCESS
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mqtls/client.h"
#include "mqtls/error.h"
#include "client_fixture.h"
#include "script_transport.h"

#if MQTLS_CONFIG_MQTT5
#error "test_v311only is built against a core with MQTLS_CONFIG_MQTT5 0"
#endif

#define NS MQTLS_ERR_NOT_SUPPORTED
#define V5 MQTLS_PROTO_V5

static uint8_t buf[256];

static void fill(void)
{
    memset(buf, 0xA5, sizeof buf);
}

static void assert_untouched(void)
{
    for (size_t i = 0; i < sizeof buf; i++) {
        assert_int_equal(buf[i], 0xA5);
    }
}

static const mqtls_subscription_t SUB = {.filter = "a/b", .filter_len = 3, .qos = 1};
static const mqtls_props_t PROPS = {.present = MQTLS_PROP_BIT(MQTLS_PROP_REASON_STRING),
                                    .reason_string = {(const uint8_t *)"why", 3}};

static void codec_refuses_level_5(void **state)
{
    (void)state;
    fill();
    mqtls_connect_t c = {.protocol_version = V5, .clean_session = true, .client_id = "d", .client_id_len = 1};
    assert_int_equal(mqtls_encode_connect(buf, sizeof buf, &c), NS);
    assert_int_equal(mqtls_encode_connect(NULL, 0, &c), NS);
    mqtls_publish_t p = {.topic = "t", .topic_len = 1, .qos = 1, .packet_id = 7};
    assert_int_equal(mqtls_encode_publish(buf, sizeof buf, V5, &p), NS);
    assert_int_equal(mqtls_encode_subscribe(buf, sizeof buf, V5, 1, &SUB, 1), NS);
    assert_int_equal(mqtls_encode_unsubscribe(buf, sizeof buf, V5, 1, &SUB, 1), NS);
    assert_int_equal(mqtls_encode_ack(buf, sizeof buf, V5, MQTLS_PKT_PUBACK, 1), NS);
    assert_int_equal(mqtls_encode_empty(buf, sizeof buf, V5, MQTLS_PKT_PINGREQ), NS);
    assert_int_equal(mqtls_encode_connack(buf, sizeof buf, V5, false, 0), NS);
    const uint8_t codes[1] = {0};
    assert_int_equal(mqtls_encode_suback(buf, sizeof buf, V5, 1, codes, 1), NS);
    assert_untouched();

    /* A 5.0 DISCONNECT and a PUBLISH with an empty property block. */
    const uint8_t disc[] = {0xE0, 0x01, 0x8E};
    const uint8_t pub[] = {0x30, 0x05, 0x00, 0x01, 't', 0x00, 'x'};
    mqtls_packet_t pk;
    assert_int_equal(mqtls_decode_packet(disc, sizeof disc, V5, &pk), NS);
    assert_int_equal(mqtls_decode_packet(pub, sizeof pub, V5, &pk), NS);
    mqtls_fixed_header_t h;
    assert_int_equal(mqtls_decode_fixed_header(pub, sizeof pub, &h), MQTLS_OK);
    mqtls_publish_t out;
    mqtls_props_t props;
    assert_int_equal(mqtls_decode_publish_head(pub, sizeof pub, &h, V5, &out), NS);
    assert_int_equal(mqtls_decode_publish_head5(pub, sizeof pub, &h, &out, &props), NS);
    assert_int_equal(mqtls_decode_publish_head5(pub, sizeof pub, &h, &out, NULL), NS);

    /* Level 4 is untouched by the knob; AUTH and DISCONNECT stay refused there. */
    assert_int_equal(mqtls_encode_empty(buf, sizeof buf, MQTLS_PROTO_V311, MQTLS_PKT_PINGREQ), 2);
    assert_int_equal(mqtls_decode_packet(disc, sizeof disc, MQTLS_PROTO_V311, &pk), MQTLS_ERR_UNEXPECTED_PACKET);
    const uint8_t auth[] = {0xF0, 0x00};
    assert_int_equal(mqtls_decode_packet(auth, sizeof auth, MQTLS_PROTO_V311, &pk), MQTLS_ERR_BAD_PACKET_TYPE);
}

static void v5_encoders_are_not_supported(void **state)
{
    (void)state;
    fill();
    const uint8_t codes[1] = {0};
    assert_int_equal(mqtls_encode_subscribe5(buf, sizeof buf, 1, &SUB, 1, NULL), NS);
    assert_int_equal(mqtls_encode_subscribe5(NULL, 0, 1, &SUB, 1, &PROPS), NS);
    assert_int_equal(mqtls_encode_unsubscribe5(buf, sizeof buf, 1, &SUB, 1, NULL), NS);
    assert_int_equal(mqtls_encode_ack5(buf, sizeof buf, MQTLS_PKT_PUBACK, 1, 0, NULL), NS);
    assert_int_equal(mqtls_encode_ack5(buf, sizeof buf, MQTLS_PKT_PUBACK, 1, 0x80, &PROPS), NS);
    assert_int_equal(mqtls_encode_disconnect5(buf, sizeof buf, 0, NULL), NS);
    assert_int_equal(mqtls_encode_auth(buf, sizeof buf, 0x19, &PROPS), NS);
    assert_int_equal(mqtls_encode_connack5(buf, sizeof buf, false, 0, NULL), NS);
    assert_int_equal(mqtls_encode_suback5(buf, sizeof buf, MQTLS_PKT_SUBACK, 1, codes, 1, NULL), NS);
    assert_untouched();
}

static void props_are_not_supported(void **state)
{
    (void)state;
    fill();
    assert_int_equal(mqtls_props_encode(buf, sizeof buf, MQTLS_PKT_PUBACK, &PROPS), NS);
    assert_int_equal(mqtls_props_encode(buf, sizeof buf, MQTLS_PKT_PUBACK, NULL), NS);
    assert_untouched();
    const uint8_t block[] = {0x00};
    mqtls_props_t out;
    assert_int_equal(mqtls_props_decode(block, sizeof block, MQTLS_PKT_PUBLISH, &out), NS);

    /* A cursor never reads a block, even one that claims to be there. */
    mqtls_props_t bogus;
    memset(&bogus, 0, sizeof bogus);
    bogus.raw = (const uint8_t *)(uintptr_t)1u;
    bogus.raw_len = 1000;
    mqtls_prop_cursor_t cur = {(const uint8_t *)(uintptr_t)2u, 99};
    mqtls_props_begin(&cur, &bogus);
    assert_null(cur.p);
    assert_int_equal(cur.left, 0);
    mqtls_props_begin(NULL, &bogus);
    mqtls_prop_t pr;
    assert_int_equal(mqtls_props_next(&cur, &pr), NS);

    mqtls_subscription_t s = SUB;
    assert_int_equal(mqtls_sub_options_parse(0x01, &s), NS);
    assert_int_equal(s.qos, 1); /* untouched */
}

static void reason_codes_link(void **state)
{
    (void)state;
    const uint8_t codes[] = {0x00, 0x87, 0x03, 0xFF};
    for (size_t i = 0; i < sizeof codes; i++) {
        const char *s = mqtls_reason_string(codes[i]);
        assert_non_null(s);
        assert_true(strlen(s) > 0u);
        assert_false(mqtls_reason_allowed(MQTLS_PKT_CONNACK, codes[i]));
    }
}

/* ---- client ----------------------------------------------------------------- */

static fx_t *fx_new(void)
{
    const fx_setup_t setup = {.buf_len = 256}; /* no store, no in-flight tables */
    return fx_open(&setup);
}

/* The deprecated *5 names answer NOT_SUPPORTED in this build, as in 0.2
 * (their replacements take opts; see client_refuses_level_5). */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void client_5_calls_are_not_supported(fx_t *f)
{
    uint8_t codes[1] = {0xEE};
    const size_t sent = f->s.out_len;
    assert_int_equal(mqtls_client_subscribe5(&f->c, &SUB, 1, NULL, codes, 100), NS);
    assert_int_equal(mqtls_client_subscribe5(&f->c, &SUB, 1, &PROPS, codes, 100), NS);
    assert_int_equal(mqtls_client_unsubscribe5(&f->c, &SUB, 1, NULL, codes, 100), NS);
    assert_int_equal(mqtls_client_reauth(&f->c, "m", 1, NULL, 0, 100), NS);
    assert_int_equal(mqtls_client_disconnect5(&f->c, 0, NULL), NS);
    assert_int_equal(mqtls_client_disconnect5(&f->c, 0x04, &PROPS), NS);
    assert_int_equal(codes[0], 0xEE);
    assert_int_equal(f->s.out_len, sent); /* nothing sent */
}
#pragma GCC diagnostic pop

static void client_refuses_level_5(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    client_5_calls_are_not_supported(f); /* not connected: still NOT_SUPPORTED */
    mqtls_connect_t o = {.protocol_version = V5, .clean_session = true, .client_id = "d", .client_id_len = 1};
    script_push_connack(&f->s, false, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), NS);
    assert_int_equal(f->s.out_len, 0);
    assert_false(mqtls_client_is_connected(&f->c));

    o.protocol_version = MQTLS_PROTO_V311;
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    client_5_calls_are_not_supported(f);
    assert_true(mqtls_client_is_connected(&f->c));

    /* The accessors answer as for any 3.1.1 connection. */
    const char *why = NULL, *ref = NULL;
    assert_int_equal(mqtls_client_reason(&f->c, &why, &ref), 0);
    assert_string_equal(why, "");
    assert_string_equal(ref, "");
    assert_null(mqtls_client_assigned_id(&f->c));
    assert_int_equal(mqtls_client_server_caps(&f->c)->receive_max, 65535);

    /* Properties cannot go out on 3.1.1: NOT_SUPPORTED, nothing sent. */
    const mqtls_subscribe_opts_t with_props = {.props = &PROPS};
    const size_t sent = f->s.out_len;
    assert_int_equal(mqtls_client_subscribe(&f->c, &SUB, 1, &with_props, NULL, 100), NS);
    assert_int_equal(mqtls_client_unsubscribe(&f->c, &SUB, 1, &with_props, NULL, 100), NS);
    assert_int_equal(f->s.out_len, sent);
    assert_true(mqtls_client_is_connected(&f->c));

    /* The 3.1.1 calls still work: a props-less subscribe, then DISCONNECT,
     * whose 5.0 reason and props are ignored (a 3.1.1 DISCONNECT has none). */
    const uint8_t granted[1] = {1};
    script_push_suback(&f->s, 1, granted, 1);
    uint8_t got[1] = {0};
    assert_int_equal(mqtls_client_subscribe(&f->c, &SUB, 1, NULL, got, 1000), MQTLS_OK);
    assert_int_equal(got[0], 1);
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_SUBSCRIBE);
    const mqtls_disconnect_opts_t will = {.reason = 0x04, .props = &PROPS};
    assert_int_equal(mqtls_client_disconnect(&f->c, &will), MQTLS_OK);
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_DISCONNECT);
    assert_int_equal(n, 2);
    fx_free(f);
}

/* A broker speaking 5.0 to a 3.1.1 client: refused, never misread. */
static void client_refuses_5_packets(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = {.protocol_version = MQTLS_PROTO_V311, .clean_session = true, .client_id = "d",
                         .client_id_len = 1};
    const uint8_t auth[] = {0xF0, 0x00};
    script_push(&f->s, auth, sizeof auth);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_CONNACK_EXPECTED);
    fx_free(f);

    f = fx_new();
    script_push_connack(&f->s, false, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t disc[] = {0xE0, 0x01, 0x8E};
    script_push(&f->s, disc, sizeof disc);
    assert_int_equal(mqtls_client_loop(&f->c, 100), MQTLS_ERR_UNEXPECTED_PACKET);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void client_context_is_smaller(void **state)
{
    (void)state;
    mqtls_client_t c;
    assert_int_equal(sizeof c.reason_str, 1);
    assert_int_equal(sizeof c.server_ref, 1);
    assert_int_equal(sizeof c.assigned_id, 1);
}

/* The property rows of the error table stay out of a 3.1.1-only core (it
 * never parses a property); every other core row keeps its name. */
static void error_table_has_no_property_rows(void **state)
{
    (void)state;
#define EXPECT_UNKNOWN(name, value, cls, text) assert_string_equal(mqtls_errname(value), "UNKNOWN");
    MQTLS_ERRORS_PROPS(EXPECT_UNKNOWN)
#undef EXPECT_UNKNOWN
#define EXPECT_NAME(name, value, cls, text) assert_string_equal(mqtls_errname(value), #name);
    MQTLS__ERRORS_BASE(EXPECT_NAME)
    MQTLS__ERRORS_CLIENT(EXPECT_NAME)
#undef EXPECT_NAME
    assert_string_equal(mqtls_strerror(MQTLS_ERR_BAD_PROPERTY), "unknown error code");
    assert_int_equal(mqtls_err_class(MQTLS_ERR_TOPIC_WILDCARD), MQTLS_ERRCLASS_FATAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(codec_refuses_level_5),     cmocka_unit_test(v5_encoders_are_not_supported),
        cmocka_unit_test(props_are_not_supported),   cmocka_unit_test(reason_codes_link),
        cmocka_unit_test(client_refuses_level_5),    cmocka_unit_test(client_refuses_5_packets),
        cmocka_unit_test(client_context_is_smaller), cmocka_unit_test(error_table_has_no_property_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
