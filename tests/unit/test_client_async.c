/* SPDX-License-Identifier: MIT
 * mqtls tests: the non-blocking connect (mqtls_client_connect_start + loop). */
/*
 * An event loop starts a connect, goes on with other work and calls
 * mqtls_client_loop(c, 0) when bytes may have come. These tests pin down
 * that nothing in that path waits (the scripted clock moves only when the
 * client waits, so waited_ms stays 0), that a CONNACK arriving a byte at a
 * time, a refusal, a timeout and the 5.0 extras (CONNACK properties, AUTH
 * rounds) come out as they do from the blocking mqtls_client_connect(),
 * and that the session is resent only after the CONNACK.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mqtls/client.h"
#include "client_fixture.h"
#include "script_transport.h"

static fx_t *fx_new(void)
{
    const fx_setup_t setup = {.buf_len = 512, .arena_len = 1024, .auth = true};
    return fx_open(&setup);
}

static mqtls_connect_t opts(bool clean)
{
    return fx_conn_opts(MQTLS_PROTO_V311, clean, 0);
}

static void expect_sent(fx_t *f, uint8_t type)
{
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), type);
}

/* A client whose 3.1.1 connect (clean session) was started with this timeout. */
static fx_t *started(uint32_t timeout_ms)
{
    fx_t *f = fx_new();
    mqtls_connect_t o = opts(true);
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, timeout_ms), MQTLS_OK);
    return f;
}

/* A client connected the blocking way with o (its CONNECT consumed). */
static fx_t *connected(const mqtls_connect_t *o)
{
    fx_t *f = fx_new();
    script_push_connack(&f->s, false, 0);
    fx_connect_with(f, o);
    return f;
}

static void connect_start_sends_connect_and_does_not_wait(void **state)
{
    (void)state;
    fx_t *f = started(1000);
    expect_sent(f, MQTLS_PKT_CONNECT);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK); /* no CONNACK yet: nothing wrong */
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->s.waited_ms, 0);
    mqtls_publish_t p = {.topic = "t", .topic_len = 1, .payload = (const uint8_t *)"x", .payload_len = 1};
    assert_int_equal(mqtls_client_publish(&f->c, &p, NULL), MQTLS_ERR_NOT_CONNECTED);
    expect_nothing_sent(f);
    script_push_connack(&f->s, false, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_false(mqtls_client_session_present(&f->c));
    assert_int_equal(f->s.waited_ms, 0);
    assert_int_equal(mqtls_client_publish(&f->c, &p, NULL), MQTLS_OK);
    expect_sent(f, MQTLS_PKT_PUBLISH);
    fx_free(f);
}

static void connack_arriving_a_byte_at_a_time(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = opts(false);
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, 1000), MQTLS_OK);
    const uint8_t connack[4] = {0x20, 0x02, 0x01, 0x00}; /* session present */
    for (size_t i = 0; i < sizeof connack; i++) {
        assert_false(mqtls_client_is_connected(&f->c));
        script_push(&f->s, connack + i, 1);
        assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    }
    assert_true(mqtls_client_is_connected(&f->c));
    assert_true(mqtls_client_session_present(&f->c));
    assert_int_equal(f->s.waited_ms, 0);
    fx_free(f);
}

static void connect_that_cannot_send_yet_sends_from_loop(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = opts(true);
    f->s.send_stalls = 2; /* the transport takes nothing twice */
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, 1000), MQTLS_OK);
    assert_int_equal(f->s.out_len, 0);
    assert_int_equal(f->s.waited_ms, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(f->s.out_len, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    expect_sent(f, MQTLS_PKT_CONNECT);
    assert_int_equal(f->s.waited_ms, 0);
    fx_free(f);
}

static void refused_connack_ends_the_connect_in_loop(void **state)
{
    (void)state;
    fx_t *f = started(1000);
    script_push_connack(&f->s, false, 5);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_ERR_REFUSED_NOT_AUTHORIZED);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->s.closes, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_ERR_NOT_CONNECTED); /* over: nothing goes on */
    fx_free(f);
}

static void connect_times_out_from_its_start(void **state)
{
    (void)state;
    fx_t *f = started(2000);
    f->s.clock += 1999; /* the application did other things */
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    f->s.clock += 1;
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_ERR_TIMEOUT);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->s.closes, 1);
    assert_int_equal(f->s.waited_ms, 0);
    fx_free(f);
}

static void loop_waits_no_longer_than_the_connect_has_left(void **state)
{
    (void)state;
    fx_t *f = started(2000);
    assert_int_equal(mqtls_client_loop(&f->c, 500), MQTLS_OK);
    assert_int_equal(f->s.waited_ms, 500); /* the loop's own timeout first */
    assert_int_equal(mqtls_client_loop(&f->c, 10000), MQTLS_ERR_TIMEOUT);
    assert_int_equal(f->s.waited_ms, 2000); /* then the connect's */
    fx_free(f);
}

static void peer_close_before_connack_is_reported_by_loop(void **state)
{
    (void)state;
    fx_t *f = started(1000);
    f->s.recv_error = MQTLS_ERR_CLOSED;
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_ERR_CLOSED);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void abort_gives_up_a_connect_in_progress(void **state)
{
    (void)state;
    fx_t *f = started(1000);
    mqtls_client_abort(&f->c);
    assert_int_equal(f->s.closes, 1);
    script_push_connack(&f->s, false, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_ERR_NOT_CONNECTED);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

/* disconnect() during a connect ends it: a DISCONNECT behind a CONNECT that
 * is out (the broker then drops the will), just the close when the CONNECT
 * itself is not (no session exists), and no CONNACK revives it afterwards. */
static void disconnect_ends_a_connect_in_progress(void **state)
{
    (void)state;
    fx_t *f = started(1000);
    expect_sent(f, MQTLS_PKT_CONNECT);
    assert_int_equal(mqtls_client_disconnect(&f->c, NULL), MQTLS_OK);
    expect_sent(f, MQTLS_PKT_DISCONNECT);
    assert_int_equal(f->s.closes, 1);
    script_push_connack(&f->s, false, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_ERR_NOT_CONNECTED);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);

    f = fx_new();
    mqtls_connect_t o = opts(true);
    f->s.send_stalls = 1; /* the CONNECT has not left */
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, 1000), MQTLS_OK);
    assert_int_equal(mqtls_client_disconnect(&f->c, NULL), MQTLS_OK);
    assert_int_equal(f->s.out_len, 0); /* neither CONNECT nor DISCONNECT */
    assert_int_equal(f->s.closes, 1);
    fx_free(f);
}

/* The session-present flag belongs to the connect under way: false until its CONNACK. */
static void session_present_is_false_until_the_new_connack(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = opts(false);
    script_push_connack(&f->s, true, 0);
    fx_connect_with(f, &o);
    assert_true(mqtls_client_session_present(&f->c));
    mqtls_client_abort(&f->c);
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, 1000), MQTLS_OK);
    assert_false(mqtls_client_session_present(&f->c));
    fx_free(f);
}

static void invalid_connect_start_leaves_the_connection_alone(void **state)
{
    (void)state;
    mqtls_connect_t o = opts(true);
    fx_t *f = connected(&o);
    o.client_id_len = 0;
    o.clean_session = false;
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, 1000), MQTLS_ERR_EMPTY_CLIENT_ID);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->s.closes, 0);
    expect_nothing_sent(f);
    assert_int_equal(mqtls_client_connect_start(NULL, &f->t, &o, 1000), MQTLS_ERR_INVALID_ARG);
    fx_free(f);
}

/* The unacknowledged PUBLISH of the last connection goes again, DUP set,
 * once the CONNACK is in, never before it [MQTT-3.1.0-1] [MQTT-4.4.0-1]. */
static void session_is_resent_only_after_the_connack(void **state)
{
    (void)state;
    mqtls_connect_t o = opts(false);
    fx_t *f = connected(&o);
    mqtls_publish_t p = {.topic = "t", .topic_len = 1, .payload = (const uint8_t *)"x", .payload_len = 1, .qos = 1};
    uint16_t id = 0;
    assert_int_equal(mqtls_client_publish(&f->c, &p, &id), MQTLS_OK);
    fx_new_script(f);
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, 1000), MQTLS_OK);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    expect_sent(f, MQTLS_PKT_CONNECT);
    expect_nothing_sent(f);
    script_push_connack(&f->s, true, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_true(mqtls_client_session_present(&f->c));
    const uint8_t *pkt;
    size_t n;
    assert_int_equal(script_next(&f->s, &pkt, &n), MQTLS_PKT_PUBLISH);
    assert_true((pkt[0] & 0x08u) != 0u); /* DUP */
    assert_true(mqtls_client_in_flight(&f->c, id));
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, id);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

/* A broker sends what it kept for the session right behind the CONNACK,
 * often in the same segment: the loop() that takes the CONNACK handles it
 * too. The bytes are already out of the socket, so an event loop waiting
 * for it to be readable again would not call loop() for them. */
static void packets_behind_the_connack_are_handled_by_the_same_loop(void **state)
{
    (void)state;
    fx_t *f = started(1000);
    expect_sent(f, MQTLS_PKT_CONNECT);
    script_push_connack(&f->s, false, 0);
    script_push_publish(&f->s, "a", "b", 1, 7, false);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->nseen, 1);
    assert_string_equal(f->seen[0].text, "a b");
    const uint8_t *pkt;
    size_t n;
    assert_int_equal(script_next(&f->s, &pkt, &n), MQTLS_PKT_PUBACK);
    assert_int_equal((pkt[2] << 8) | pkt[3], 7);
    assert_int_equal(f->s.waited_ms, 0);
    fx_free(f);
}

#if MQTLS_CONFIG_MQTT5
static void push_connack5(fx_t *f, uint8_t reason, const mqtls_props_t *pr)
{
    uint8_t b[256];
    int32_t n = mqtls_encode_connack5(b, sizeof b, false, reason, pr);
    assert_true(n > 0);
    script_push(&f->s, b, (size_t)n);
}

static void v5_connack_properties_and_refusal_through_loop(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = fx_conn_opts(MQTLS_PROTO_V5, true, 30);
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = MQTLS_PROP_BIT(MQTLS_PROP_RECEIVE_MAX) | MQTLS_PROP_BIT(MQTLS_PROP_SERVER_KEEP_ALIVE);
    pr.receive_max = 7;
    pr.server_keep_alive = 5;
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, 1000), MQTLS_OK);
    push_connack5(f, 0, &pr);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(mqtls_client_server_caps(&f->c)->receive_max, 7);
    assert_int_equal(mqtls_client_server_caps(&f->c)->keepalive_s, 5);

    fx_new_script(f);
    memset(&pr, 0, sizeof pr);
    pr.present = MQTLS_PROP_BIT(MQTLS_PROP_REASON_STRING);
    pr.reason_string = (mqtls_bytes_t){(const uint8_t *)"banned", 6};
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, 1000), MQTLS_OK);
    push_connack5(f, 0x8A, &pr); /* banned */
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_ERR_REFUSED_V5);
    const char *why = NULL;
    assert_int_equal(mqtls_client_reason(&f->c, &why, NULL), 0x8A);
    assert_string_equal(why, "banned");
    fx_free(f);
}

static void v5_auth_rounds_through_loop(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->auth_answer = "proof";
    mqtls_props_t cp;
    memset(&cp, 0, sizeof cp);
    cp.present = MQTLS_PROP_BIT(MQTLS_PROP_AUTH_METHOD);
    cp.auth_method = (mqtls_bytes_t){(const uint8_t *)"SCRAM", 5};
    mqtls_connect_t o = fx_conn_opts(MQTLS_PROTO_V5, true, 0);
    o.props = &cp;
    assert_int_equal(mqtls_client_connect_start(&f->c, &f->t, &o, 1000), MQTLS_OK);
    expect_sent(f, MQTLS_PKT_CONNECT);
    uint8_t b[128];
    mqtls_props_t ch = cp;
    ch.present |= MQTLS_PROP_BIT(MQTLS_PROP_AUTH_DATA);
    ch.auth_data = (mqtls_bytes_t){(const uint8_t *)"challenge", 9};
    int32_t n = mqtls_encode_auth(b, sizeof b, 0x18, &ch);
    assert_true(n > 0);
    script_push(&f->s, b, (size_t)n);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->nauth, 1);
    assert_string_equal(f->auth_data[0], "challenge");
    expect_sent(f, MQTLS_PKT_AUTH); /* our answer left from the loop */
    push_connack5(f, 0, NULL);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->nauth, 2); /* the final step with reason 0 */
    assert_int_equal(f->s.waited_ms, 0);
    fx_free(f);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(connect_start_sends_connect_and_does_not_wait),
        cmocka_unit_test(connack_arriving_a_byte_at_a_time),
        cmocka_unit_test(connect_that_cannot_send_yet_sends_from_loop),
        cmocka_unit_test(refused_connack_ends_the_connect_in_loop),
        cmocka_unit_test(connect_times_out_from_its_start),
        cmocka_unit_test(loop_waits_no_longer_than_the_connect_has_left),
        cmocka_unit_test(peer_close_before_connack_is_reported_by_loop),
        cmocka_unit_test(abort_gives_up_a_connect_in_progress),
        cmocka_unit_test(disconnect_ends_a_connect_in_progress),
        cmocka_unit_test(session_present_is_false_until_the_new_connack),
        cmocka_unit_test(invalid_connect_start_leaves_the_connection_alone),
        cmocka_unit_test(session_is_resent_only_after_the_connack),
        cmocka_unit_test(packets_behind_the_connack_are_handled_by_the_same_loop),
#if MQTLS_CONFIG_MQTT5
        cmocka_unit_test(v5_connack_properties_and_refusal_through_loop),
        cmocka_unit_test(v5_auth_rounds_through_loop),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
