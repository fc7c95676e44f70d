/* SPDX-License-Identifier: MIT
 * mqtls tests: the client state machine over a scripted transport. */
/*
 * Every QoS flow in both directions, keepalive, reconnect with resend,
 * duplicate suppression, packet-id wrap, oversized messages, awkward
 * transports (one byte at a time, partial and stalled sends) and the
 * message store. The peer is script_transport: no sockets, no sleeping,
 * a fake clock that moves only when the client waits.
 *
 * White-box in three places, so it may touch MQTLS_PRIVATE() fields
 * (mqtls/api.h): it jumps the session's next packet id to reach the wrap
 * and a slot collision without publishing 65533 messages, swaps the
 * transport's wait() of a connected client, and checks that the RAM store
 * rewinds its arena (used, head) once it is empty.
 */
#define MQTLS_ALLOW_PRIVATE_ACCESS
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mqtls/client.h"
#include "mqtls/topic.h"
#include "client_fixture.h"
#include "script_transport.h"

/* ---- fixture ------------------------------------------------------------------ */

static fx_t *fx_new(void)
{
    const fx_setup_t setup = {.buf_len = 512, .arena_len = 1024};
    return fx_open(&setup);
}

static mqtls_connect_t conn_opts(bool clean, uint16_t keepalive)
{
    return fx_conn_opts(MQTLS_PROTO_V311, clean, keepalive);
}

static void fx_connect(fx_t *f, bool clean, uint16_t keepalive)
{
    mqtls_connect_t o = conn_opts(clean, keepalive);
    script_push_connack(&f->s, false, 0);
    fx_connect_with(f, &o);
}

/* Start a new connection on a fresh script (a reconnect): the old one is dropped. */
static void fx_reconnect(fx_t *f, bool clean, bool session_present)
{
    script_free(&f->s);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
    mqtls_connect_t o = conn_opts(clean, 0);
    script_push_connack(&f->s, session_present, 0);
    bool sp = !session_present;
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, &sp, 1000), MQTLS_OK);
    assert_int_equal(sp, session_present);
}

static int32_t publish(fx_t *f, const char *topic, const char *payload, uint8_t qos, uint16_t *id)
{
    mqtls_publish_t p = {.topic = topic, .topic_len = strlen(topic), .payload = (const uint8_t *)payload,
                         .payload_len = strlen(payload), .qos = qos};
    return mqtls_client_publish(&f->c, &p, id);
}

/* Expect the next packet the client sent to be an ack-like one with this id. */
static void expect_ack(fx_t *f, uint8_t type, uint16_t id)
{
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), type);
    assert_int_equal(n, 4);
    assert_int_equal((p[2] << 8) | p[3], id);
}

static void expect_publish(fx_t *f, uint16_t id, bool dup, const char *payload)
{
    const uint8_t *p;
    size_t n;
    mqtls_packet_t pk;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PUBLISH);
    assert_int_equal(mqtls_decode_packet(p, n, MQTLS_PROTO_V311, &pk), MQTLS_OK);
    assert_int_equal(pk.u.publish.packet_id, id);
    assert_int_equal(pk.u.publish.dup, dup);
    assert_int_equal(pk.u.publish.payload_len, strlen(payload));
    assert_memory_equal(pk.u.publish.payload, payload, strlen(payload));
}

/* ---- init and connect ------------------------------------------------------------ */

static void init_rejects_incomplete_config(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_client_config_t bad = f->cfg;
    bad.now_ms = NULL;
    assert_int_equal(mqtls_client_init(&f->c, &bad), MQTLS_ERR_INVALID_ARG);
    bad = f->cfg;
    bad.rx_len = 8;
    assert_int_equal(mqtls_client_init(&f->c, &bad), MQTLS_ERR_INVALID_ARG);
    bad = f->cfg;
    bad.outbound = NULL;
    assert_int_equal(mqtls_client_init(&f->c, &bad), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_init(NULL, &f->cfg), MQTLS_ERR_INVALID_ARG);
    fx_free(f);
}

/* CONNECT is the first and only packet sent before the CONNACK [MQTT-3.1.0-1] */
static void connect_sends_connect_and_accepts_connack(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn_opts(true, 30);
    script_push_connack(&f->s, false, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    assert_true(mqtls_client_is_connected(&f->c));
    uint8_t expect[64];
    int32_t n = mqtls_encode_connect(expect, sizeof expect, &o);
    assert_true(n > 0);
    assert_int_equal(f->s.out_len, (size_t)n);
    assert_memory_equal(f->s.out, expect, (size_t)n);
    fx_free(f);
}

static void connack_codes_1_to_5_are_distinct_errors(void **state)
{
    (void)state;
    const int32_t want[6] = {0, MQTLS_ERR_REFUSED_PROTOCOL_VERSION, MQTLS_ERR_REFUSED_IDENTIFIER,
                             MQTLS_ERR_REFUSED_SERVER_UNAVAILABLE, MQTLS_ERR_REFUSED_BAD_CREDENTIALS,
                             MQTLS_ERR_REFUSED_NOT_AUTHORIZED};
    for (uint8_t rc = 1; rc <= 5; rc++) {
        fx_t *f = fx_new();
        mqtls_connect_t o = conn_opts(true, 0);
        script_push_connack(&f->s, false, rc);
        assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), want[rc]);
        assert_false(mqtls_client_is_connected(&f->c));
        assert_int_equal(f->s.closes, 1);
        for (uint8_t other = 1; other < rc; other++) {
            assert_int_not_equal(want[rc], want[other]);
        }
        fx_free(f);
    }
}

static void connect_times_out_without_connack(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn_opts(true, 0);
    uint32_t t0 = f->s.clock;
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 2500), MQTLS_ERR_TIMEOUT);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->s.clock - t0, 2500); /* waited exactly the timeout, not longer */
    assert_int_equal(f->s.closes, 1);
    fx_free(f);
}

/* the broker's first packet must be CONNACK [MQTT-3.2.0-1] */
static void connect_rejects_other_first_packet(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn_opts(true, 0);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_CONNACK_EXPECTED);
    fx_free(f);
}

/* a clean session is answered with session present 0 (3.1.1 [MQTT-3.2.2-1]) */
static void connect_rejects_session_present_on_clean_session(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn_opts(true, 0);
    script_push_connack(&f->s, true, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_SESSION_PRESENT_INVALID);
    fx_free(f);
}

static void connect_reports_peer_close(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn_opts(true, 0);
    f->s.recv_error = MQTLS_ERR_CLOSED;
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_CLOSED);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void connect_validates_before_sending(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn_opts(false, 0);
    o.client_id_len = 0;
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_EMPTY_CLIENT_ID);
    assert_int_equal(f->s.out_len, 0);
    o = conn_opts(true, 0);
    o.protocol_version = 6;
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_NOT_SUPPORTED);
    fx_free(f);
}

/* a protocol violation closes the connection [MQTT-4.8.0-1] */
static void second_connack_is_protocol_error(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    script_push_connack(&f->s, false, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_PROTOCOL);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void calls_before_connect_are_refused(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_NOT_CONNECTED);
    assert_int_equal(publish(f, "a", "b", 0, NULL), MQTLS_ERR_NOT_CONNECTED);
    assert_int_equal(mqtls_client_disconnect(&f->c, NULL), MQTLS_ERR_NOT_CONNECTED);
    fx_free(f);
}

/* ---- outbound QoS ------------------------------------------------------------------ */

/* QoS 0: no packet id, DUP 0, nothing kept [MQTT-2.3.1-5] [MQTT-3.3.1-2] [MQTT-4.3.1-1] */
static void publish_qos0_sends_one_packet(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    uint16_t id = 99;
    assert_int_equal(publish(f, "t/1", "hello", 0, &id), MQTLS_OK);
    assert_int_equal(id, 0);
    expect_publish(f, 0, false, "hello");
    expect_nothing_sent(f);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

/* QoS 1 sender: a non-zero id, DUP 0, kept until the PUBACK [MQTT-2.3.1-1] [MQTT-4.3.2-1] */
static void publish_qos1_completes_on_puback(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    uint16_t id = 0;
    assert_int_equal(publish(f, "t/1", "m1", 1, &id), MQTLS_OK);
    assert_int_equal(id, 1);
    expect_publish(f, 1, false, "m1");
    assert_int_equal(mqtls_client_outstanding(&f->c), 1);
    assert_true(mqtls_client_in_flight(&f->c, 1));
    assert_false(mqtls_client_in_flight(&f->c, 2));
    assert_false(mqtls_client_in_flight(&f->c, 0));
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    assert_false(mqtls_client_in_flight(&f->c, 1));
    assert_int_equal(f->ms.used, 0); /* released from the store */
    fx_free(f);
}

/* QoS 2 sender: PUBREL with the PUBLISH's id on PUBREC, kept until PUBCOMP, the PUBLISH never resent after it
 * [MQTT-2.3.1-6] [MQTT-4.3.3-1] */
static void publish_qos2_runs_pubrec_pubrel_pubcomp(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    assert_int_equal(publish(f, "t/2", "m2", 2, NULL), MQTLS_OK);
    expect_publish(f, 1, false, "m2");
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_ack(f, MQTLS_PKT_PUBREL, 1);
    assert_int_equal(f->s.out[f->s.out_pos - 4], 0x62); /* PUBREL flags 0010 [MQTT-3.6.1-1] */
    assert_int_equal(mqtls_client_outstanding(&f->c), 1);
    assert_true(mqtls_client_in_flight(&f->c, 1)); /* until PUBCOMP */
    /* After PUBREC the PUBLISH is never resent: the store keeps only "PUBREL sent". */
    uint8_t back[64];
    assert_int_equal(f->store.get(f->store.ctx, 1, back, sizeof back), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_memstore_count(&f->ms), 1);
    /* A duplicate PUBREC gets the PUBREL again. */
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_ack(f, MQTLS_PKT_PUBREL, 1);
    script_push_ack(&f->s, MQTLS_PKT_PUBCOMP, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    assert_false(mqtls_client_in_flight(&f->c, 1));
    assert_int_equal(f->ms.used, 0); /* and the PUBREL record is gone at PUBCOMP */
    fx_free(f);
}

static void several_messages_in_flight_acked_out_of_order(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(publish(f, "t", "x", (uint8_t)(1 + i % 2), NULL), MQTLS_OK);
    }
    assert_int_equal(mqtls_client_outstanding(&f->c), 5);
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 4);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 3);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 999); /* unknown id: ignored */
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 3); /* 2 (QoS2), 4 (PUBREL sent), 5 */
    script_push_ack(&f->s, MQTLS_PKT_PUBCOMP, 4);
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 2);
    script_push_ack(&f->s, MQTLS_PKT_PUBCOMP, 2);
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 5); /* 5 is QoS 1: a PUBREC for it is ignored */
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 1);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 5);
    for (int i = 0; i < 10 && mqtls_client_outstanding(&f->c) > 0; i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    }
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

static void inflight_full_then_retry_after_ack(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.outbound_count = 2;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, 0);
    assert_int_equal(publish(f, "t", "1", 1, NULL), MQTLS_OK);
    assert_int_equal(publish(f, "t", "2", 1, NULL), MQTLS_OK);
    assert_int_equal(publish(f, "t", "3", 1, NULL), MQTLS_ERR_INFLIGHT_FULL);
    assert_true(mqtls_client_is_connected(&f->c));
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    uint16_t id = 0;
    assert_int_equal(publish(f, "t", "3", 1, &id), MQTLS_OK);
    assert_int_equal(id, 3);
    fx_free(f);
}

static void store_full_and_too_small_are_reported(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    static uint8_t small[48];
    assert_int_equal(mqtls_memstore_init(&f->ms, small, sizeof small, &f->store), MQTLS_OK);
    fx_connect(f, true, 0);
    /* 2 + 3 (topic) + 2 (id) + 14 = 21 bytes + 6 of record header: one fits in 48, two do not */
    assert_int_equal(publish(f, "t", "0123456789abcd", 1, NULL), MQTLS_OK);
    assert_int_equal(publish(f, "t", "0123456789abcd", 1, NULL), MQTLS_ERR_STORE_FULL);
    char big[80];
    memset(big, 'b', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(publish(f, "t", big, 1, NULL), MQTLS_ERR_STORE_TOO_SMALL);
    assert_int_equal(mqtls_client_outstanding(&f->c), 1);
    assert_true(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void qos1_without_store_is_refused(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.store = NULL;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, 0);
    assert_int_equal(publish(f, "t", "x", 1, NULL), MQTLS_ERR_NO_STORE);
    assert_int_equal(publish(f, "t", "x", 0, NULL), MQTLS_OK);
    fx_free(f);
}

static void publish_validation_errors_keep_connection(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    assert_int_equal(publish(f, "a/+/b", "x", 0, NULL), MQTLS_ERR_TOPIC_WILDCARD);
    assert_int_equal(publish(f, "", "x", 1, NULL), MQTLS_ERR_TOPIC_EMPTY);
    assert_int_equal(publish(f, "t", "x", 3, NULL), MQTLS_ERR_BAD_QOS);
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    assert_int_equal(publish(f, "t", big, 0, NULL), MQTLS_ERR_TX_BUFFER_TOO_SMALL);
    assert_true(mqtls_client_is_connected(&f->c));
    expect_nothing_sent(f);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

/* a new packet takes an id not in use [MQTT-2.3.1-2] */
static void packet_ids_wrap_and_skip_ids_in_use(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    uint16_t id = 0;
    assert_int_equal(publish(f, "t", "a", 1, &id), MQTLS_OK);
    assert_int_equal(id, 1);
    f->c.sess.next_id = 65534; /* pretend 65533 ids went by */
    assert_int_equal(publish(f, "t", "b", 1, &id), MQTLS_OK);
    assert_int_equal(id, 65534);
    assert_int_equal(publish(f, "t", "c", 1, &id), MQTLS_OK);
    assert_int_equal(id, 65535);
    assert_int_equal(publish(f, "t", "d", 2, &id), MQTLS_OK);
    assert_int_equal(id, 2); /* wrapped past 65535, skipped 0 and 1 (still in flight) */
    fx_free(f);
}

/* ---- inbound QoS ------------------------------------------------------------------ */

/* a QoS 0 PUBLISH is not answered [MQTT-3.3.4-1] */
static void inbound_qos0_delivered_without_ack(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    script_push_publish(&f->s, "a/b", "zero", 0, 0, false);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->nseen, 1);
    assert_string_equal(f->seen[0].topic, "a/b");
    assert_memory_equal(f->seen[0].payload, "zero", 4);
    assert_int_equal(f->seen[0].qos, 0);
    expect_nothing_sent(f);
    fx_free(f);
}

/* QoS 1 receiver: PUBACK with the PUBLISH's id [MQTT-2.3.1-6] [MQTT-3.3.4-1] [MQTT-4.3.2-2] */
static void inbound_qos1_delivered_then_acked(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    script_push_publish(&f->s, "a/b", "one", 1, 7, false);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->nseen, 1);
    assert_int_equal(f->seen[0].qos, 1);
    expect_ack(f, MQTLS_PKT_PUBACK, 7);
    fx_free(f);
}

/* QoS 2 receiver: PUBREC, one delivery until PUBREL, PUBCOMP, then the id is new [MQTT-4.3.3-2] */
static void inbound_qos2_delivered_once_until_pubrel(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    script_push_publish(&f->s, "q2", "first", 2, 9, false);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_ack(f, MQTLS_PKT_PUBREC, 9);
    /* The broker resends (it missed our PUBREC): acknowledged, not delivered again. */
    script_push_publish(&f->s, "q2", "first", 2, 9, true);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_ack(f, MQTLS_PKT_PUBREC, 9);
    assert_int_equal(f->nseen, 1);
    script_push_ack(&f->s, MQTLS_PKT_PUBREL, 9);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_ack(f, MQTLS_PKT_PUBCOMP, 9);
    /* After PUBREL the id is free: a new message with it is delivered. */
    script_push_publish(&f->s, "q2", "second", 2, 9, false);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->nseen, 2);
    assert_memory_equal(f->seen[1].payload, "second", 6);
    fx_free(f);
}

static void inbound_qos2_beyond_records_is_an_error(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.inbound_count = 1;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, 0);
    script_push_publish(&f->s, "q", "a", 2, 1, false);
    script_push_publish(&f->s, "q", "b", 2, 2, false);
    int32_t rc = MQTLS_OK;
    for (int i = 0; i < 4 && rc == MQTLS_OK; i++) {
        rc = mqtls_client_loop(&f->c, 10);
    }
    assert_int_equal(rc, MQTLS_ERR_INBOUND_FULL);
    assert_int_equal(f->nseen, 1);
    fx_free(f);
}

/* a PUBREL is answered with PUBCOMP [MQTT-4.3.3-2] */
static void unexpected_pubrel_still_gets_pubcomp(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    script_push_ack(&f->s, MQTLS_PKT_PUBREL, 42);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_ack(f, MQTLS_PKT_PUBCOMP, 42);
    fx_free(f);
}

static void many_buffered_packets_are_handled_in_one_loop(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    for (int i = 0; i < 10; i++) {
        script_push_publish(&f->s, "burst", "m", 1, (uint16_t)(i + 1), false);
    }
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(f->nseen, 10);
    for (uint16_t i = 1; i <= 10; i++) {
        expect_ack(f, MQTLS_PKT_PUBACK, i);
    }
    fx_free(f);
}

/* ---- subscribe / unsubscribe --------------------------------------------------------- */

/* SUBSCRIBE flags 0010 and a non-zero id, as the encoder writes them [MQTT-3.8.1-1] [MQTT-2.3.1-1] */
static void subscribe_several_filters_returns_granted(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    mqtls_subscription_t subs[3] = {{.filter = "a/#", .filter_len = 3, .qos = 0}, {.filter = "b/+", .filter_len = 3, .qos = 1}, {.filter = "c", .filter_len = 1, .qos = 2}};
    const uint8_t codes[3] = {0, 1, 2};
    script_push_suback(&f->s, 1, codes, 3);
    uint8_t granted[3] = {9, 9, 9};
    assert_int_equal(mqtls_client_subscribe(&f->c, subs, 3, NULL, granted, 1000), MQTLS_OK);
    assert_memory_equal(granted, codes, 3);
    uint8_t expect[64];
    int32_t n = mqtls_encode_subscribe(expect, sizeof expect, MQTLS_PROTO_V311, 1, subs, 3);
    const uint8_t *p;
    size_t len;
    assert_int_equal(script_next(&f->s, &p, &len), MQTLS_PKT_SUBSCRIBE);
    assert_int_equal(len, (size_t)n);
    assert_memory_equal(p, expect, len);
    fx_free(f);
}

static void subscribe_refusal_0x80_is_reported(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    mqtls_subscription_t subs[2] = {{.filter = "ok", .filter_len = 2, .qos = 1}, {.filter = "denied", .filter_len = 6, .qos = 1}};
    const uint8_t codes[2] = {1, 0x80};
    script_push_suback(&f->s, 1, codes, 2);
    uint8_t granted[2];
    assert_int_equal(mqtls_client_subscribe(&f->c, subs, 2, NULL, granted, 1000), MQTLS_ERR_SUBSCRIBE_REFUSED);
    assert_int_equal(granted[1], 0x80);
    assert_true(mqtls_client_is_connected(&f->c)); /* non-fatal */
    fx_free(f);
}

static void suback_with_wrong_count_is_protocol_error(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    mqtls_subscription_t subs[2] = {{.filter = "a", .filter_len = 1, .qos = 0}, {.filter = "b", .filter_len = 1, .qos = 0}};
    const uint8_t codes[1] = {0};
    script_push_suback(&f->s, 1, codes, 1);
    assert_int_equal(mqtls_client_subscribe(&f->c, subs, 2, NULL, NULL, 1000), MQTLS_ERR_PROTOCOL);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void subscribe_times_out_and_drops_connection(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    mqtls_subscription_t sub = {.filter = "a", .filter_len = 1, .qos = 0};
    uint32_t t0 = f->s.clock;
    assert_int_equal(mqtls_client_subscribe(&f->c, &sub, 1, NULL, NULL, 700), MQTLS_ERR_TIMEOUT);
    assert_int_equal(f->s.clock - t0, 700);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void messages_before_suback_are_delivered(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    script_push_publish(&f->s, "early", "bird", 1, 5, false);
    const uint8_t codes[1] = {1};
    script_push_suback(&f->s, 1, codes, 1);
    mqtls_subscription_t sub = {.filter = "early", .filter_len = 5, .qos = 1};
    assert_int_equal(mqtls_client_subscribe(&f->c, &sub, 1, NULL, NULL, 1000), MQTLS_OK);
    assert_int_equal(f->nseen, 1);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_SUBSCRIBE);
    expect_ack(f, MQTLS_PKT_PUBACK, 5);
    fx_free(f);
}

/* '#' only last, and at least one filter, checked before sending [MQTT-4.7.1-2] [MQTT-3.8.3-3] */
static void subscribe_invalid_filter_is_refused_locally(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    mqtls_subscription_t sub = {.filter = "a/#/b", .filter_len = 5, .qos = 0};
    assert_int_equal(mqtls_client_subscribe(&f->c, &sub, 1, NULL, NULL, 1000), MQTLS_ERR_BAD_FILTER);
    assert_int_equal(mqtls_client_subscribe(&f->c, &sub, 0, NULL, NULL, 1000), MQTLS_ERR_NO_TOPICS);
    assert_true(mqtls_client_is_connected(&f->c));
    expect_nothing_sent(f);
    fx_free(f);
}

static void unsubscribe_waits_for_unsuback(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    mqtls_subscription_t subs[2] = {{.filter = "a", .filter_len = 1, .qos = 0}, {.filter = "b/#", .filter_len = 3, .qos = 0}};
    script_push_ack(&f->s, MQTLS_PKT_UNSUBACK, 1);
    assert_int_equal(mqtls_client_unsubscribe(&f->c, subs, 2, NULL, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_UNSUBSCRIBE);
    assert_int_equal(p[0], 0xA2); /* flags 0010 [MQTT-3.10.1-1] */
    fx_free(f);
}

/* ---- keepalive ------------------------------------------------------------------------ */

/* an idle client sends PINGREQ within each keep alive [MQTT-3.1.2-23] */
static void keepalive_sends_pingreq_when_idle(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 10);
    f->s.auto_pingresp = true;
    uint32_t t0 = f->s.clock;
    /* Idle for 25 s in 1 s loops: PINGREQ at 10 s and 20 s, each answered. */
    for (int i = 0; i < 25; i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 1000), MQTLS_OK);
    }
    assert_true(f->s.clock - t0 >= 25000);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PINGREQ);
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PINGREQ);
    expect_nothing_sent(f);
    fx_free(f);
}

static void keepalive_wakes_a_long_loop_on_time(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 5);
    f->s.auto_pingresp = true;
    /* One loop call of 12 s must still send the PINGREQ at 5 s and 10 s. */
    assert_int_equal(mqtls_client_loop(&f->c, 12000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PINGREQ);
    fx_free(f);
}

static void late_pingresp_is_keepalive_timeout(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 10);
    int32_t rc = MQTLS_OK;
    int i = 0;
    for (; i < 20 && rc == MQTLS_OK; i++) {
        rc = mqtls_client_loop(&f->c, 1000);
    }
    assert_int_equal(rc, MQTLS_ERR_KEEPALIVE_TIMEOUT);
    assert_int_equal(i, 13); /* 10 s idle + 3 s ping timeout */
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->s.closes, 1);
    fx_free(f);
}

/* any packet sent within the keep alive counts [MQTT-3.1.2-23] */
static void traffic_postpones_pingreq(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 10);
    for (int i = 0; i < 30; i++) {
        assert_int_equal(publish(f, "t", "x", 0, NULL), MQTLS_OK);
        assert_int_equal(mqtls_client_loop(&f->c, 1000), MQTLS_OK);
    }
    const uint8_t *p;
    size_t n;
    uint8_t type;
    while ((type = script_next(&f->s, &p, &n)) != 0) {
        assert_int_equal(type, MQTLS_PKT_PUBLISH);
    }
    fx_free(f);
}

static void loop_never_waits_longer_than_its_timeout(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 60);
    uint32_t t0 = f->s.clock;
    assert_int_equal(mqtls_client_loop(&f->c, 250), MQTLS_OK);
    assert_int_equal(f->s.clock - t0, 250);
    t0 = f->s.clock;
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(f->s.clock - t0, 0);
    fx_free(f);
}

/* ---- reconnect and resend -------------------------------------------------------------- */

/* resend on a session-present reconnect: PUBLISH with DUP 1 and PUBREL, same ids, original order
 * [MQTT-4.4.0-1] [MQTT-3.3.1-1] [MQTT-2.3.1-3] [MQTT-4.6.0-1] */
static void reconnect_resends_publish_with_dup_and_pubrel_in_order(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    assert_int_equal(publish(f, "t", "one", 1, NULL), MQTLS_OK);   /* id 1: no PUBACK */
    assert_int_equal(publish(f, "t", "two", 2, NULL), MQTLS_OK);   /* id 2: PUBREC, no PUBCOMP */
    assert_int_equal(publish(f, "t", "three", 2, NULL), MQTLS_OK); /* id 3: nothing */
    assert_int_equal(publish(f, "t", "four", 1, NULL), MQTLS_OK);  /* id 4: acked */
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 2);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 4);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    /* The connection dies. */
    f->s.recv_error = MQTLS_ERR_CLOSED;
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_CLOSED);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(mqtls_client_outstanding(&f->c), 3);

    fx_reconnect(f, false, true);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_publish(f, 1, true, "one");
    expect_ack(f, MQTLS_PKT_PUBREL, 2);
    expect_publish(f, 3, true, "three");
    expect_nothing_sent(f);
    /* New messages come after the resends and use fresh ids. */
    uint16_t id = 0;
    assert_int_equal(publish(f, "t", "five", 1, &id), MQTLS_OK);
    assert_int_equal(id, 5);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    script_push_ack(&f->s, MQTLS_PKT_PUBCOMP, 2);
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 3);
    script_push_ack(&f->s, MQTLS_PKT_PUBCOMP, 3);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 5);
    for (int i = 0; i < 10 && mqtls_client_outstanding(&f->c) > 0; i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    }
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

static void resend_survives_a_stalled_transport(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(publish(f, "t", "m", 1, NULL), MQTLS_OK);
    }
    f->s.recv_error = MQTLS_ERR_CLOSED;
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_CLOSED);
    script_free(&f->s);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
    script_push_connack(&f->s, true, 0);
    f->s.send_chunk = 3;
    /* The socket fills up right after the CONNECT, during the resend, for
     * longer than connect()'s timeout: connect returns with resends pending. */
    f->s.stall_at = 20;
    f->s.stall_count = 1500;
    mqtls_connect_t o = conn_opts(false, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    assert_true(f->s.send_stalls > 0);
    assert_int_equal(publish(f, "t", "new", 1, NULL), MQTLS_ERR_WANT_WRITE);
    for (int i = 0; i < 20; i++) {
        uint32_t t0 = f->s.clock;
        assert_int_equal(mqtls_client_loop(&f->c, 100), MQTLS_OK);
        assert_true(f->s.clock - t0 <= 100);
    }
    assert_int_equal(publish(f, "t", "new", 1, NULL), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    for (uint16_t id = 1; id <= 4; id++) {
        expect_publish(f, id, true, "m");
    }
    expect_publish(f, 5, false, "new");
    fx_free(f);
}

/* CleanSession 1 discards the earlier session [MQTT-3.1.2-6] */
static void clean_session_discards_unacknowledged(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    assert_int_equal(publish(f, "t", "lost", 1, NULL), MQTLS_OK);
    mqtls_client_abort(&f->c);
    fx_reconnect(f, true, false);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_nothing_sent(f);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

static void lost_session_frees_inbound_qos2_ids(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    script_push_publish(&f->s, "q", "a", 2, 3, false);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    mqtls_client_abort(&f->c);
    /* Session kept by the broker: id 3 is still held, a resend is suppressed. */
    fx_reconnect(f, false, true);
    script_push_publish(&f->s, "q", "a", 2, 3, true);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->nseen, 1);
    mqtls_client_abort(&f->c);
    /* Session lost by the broker: id 3 means a new message now, and the
     * store forgets it too (a restore must not bring it back). */
    assert_int_equal(mqtls_memstore_count(&f->ms), 1);
    fx_reconnect(f, false, false);
    assert_int_equal(mqtls_memstore_count(&f->ms), 0);
    script_push_publish(&f->s, "q", "b", 2, 3, false);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->nseen, 2);
    fx_free(f);
}

/* ---- awkward transports and hostile input ------------------------------------------------ */

static void one_byte_at_a_time_both_ways(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->s.recv_chunk = 1;
    f->s.send_chunk = 1;
    fx_connect(f, true, 0);
    script_push_publish(&f->s, "slow/topic", "dribble", 1, 11, false);
    script_push_publish(&f->s, "slow/topic", "more", 0, 0, false);
    for (int i = 0; i < 100 && f->nseen < 2; i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    }
    assert_int_equal(f->nseen, 2);
    assert_memory_equal(f->seen[0].payload, "dribble", 7);
    assert_memory_equal(f->seen[1].payload, "more", 4);
    assert_int_equal(publish(f, "t", "out", 1, NULL), MQTLS_OK);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 1), MQTLS_OK);
    }
    expect_ack(f, MQTLS_PKT_PUBACK, 11);
    expect_publish(f, 1, false, "out");
    fx_free(f);
}

static void partial_send_is_finished_by_loop(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    f->s.send_chunk = 4;
    f->s.send_stalls = 0;
    assert_int_equal(publish(f, "t", "0123456789", 0, NULL), MQTLS_OK);
    f->s.send_stalls = 3;
    assert_int_equal(publish(f, "t", "again", 0, NULL), MQTLS_OK); /* partly sent */
    uint32_t t0 = f->s.clock;
    assert_int_equal(mqtls_client_loop(&f->c, 50), MQTLS_OK);
    assert_true(f->s.clock - t0 <= 50);
    expect_publish(f, 0, false, "0123456789");
    expect_publish(f, 0, false, "again");
    fx_free(f);
}

static void oversized_message_is_acked_skipped_and_stream_stays_in_sync(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.rx_len = 64;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    f->s.recv_chunk = 7;
    fx_connect(f, true, 0);
    char big[301];
    memset(big, 'B', 300);
    big[300] = 0;
    script_push_publish(&f->s, "big", big, 1, 21, false);
    script_push_publish(&f->s, "big", big, 2, 22, false);
    script_push_publish(&f->s, "small", "fits", 1, 23, false);
    int32_t rc;
    int too_large = 0;
    for (int i = 0; i < 200 && f->nseen < 1; i++) {
        rc = mqtls_client_loop(&f->c, 10);
        if (rc == MQTLS_ERR_MESSAGE_TOO_LARGE) {
            too_large++;
        } else {
            assert_int_equal(rc, MQTLS_OK);
        }
    }
    assert_int_equal(too_large, 2);
    assert_int_equal(mqtls_client_dropped(&f->c), 2);
    assert_int_equal(f->nseen, 1);
    assert_string_equal(f->seen[0].topic, "small");
    assert_true(mqtls_client_is_connected(&f->c));
    expect_ack(f, MQTLS_PKT_PUBACK, 21);
    expect_ack(f, MQTLS_PKT_PUBREC, 22);
    expect_ack(f, MQTLS_PKT_PUBACK, 23);
    fx_free(f);
}

static void topic_larger_than_rx_buffer_is_fatal(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.rx_len = 16;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, 0);
    script_push_publish(&f->s, "a/very/long/topic/name/indeed", "x", 0, 0, false);
    int32_t rc = MQTLS_OK;
    for (int i = 0; i < 5 && rc == MQTLS_OK; i++) {
        rc = mqtls_client_loop(&f->c, 10);
    }
    assert_int_equal(rc, MQTLS_ERR_RX_BUFFER_TOO_SMALL);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

/* bad flags, QoS 3, id 0 or an unknown type close the connection
 * [MQTT-2.2.2-2] [MQTT-3.3.1-4] [MQTT-2.3.1-1] [MQTT-4.8.0-1] */
static void malformed_input_gives_codec_error_and_disconnects(void **state)
{
    (void)state;
    static const struct {
        uint8_t bytes[8];
        size_t n;
        int32_t err;
    } cases[] = {
        {{0x40, 0x02, 0x00, 0x00}, 4, MQTLS_ERR_ZERO_PACKET_ID},
        {{0x36, 0x03, 0x00, 0x01, 'a'}, 5, MQTLS_ERR_BAD_QOS},
        {{0x41, 0x02, 0x00, 0x01}, 4, MQTLS_ERR_RESERVED_FLAGS},
        {{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}, 6, MQTLS_ERR_MALFORMED_REMAINING_LENGTH},
        {{0x82, 0x02, 0x00, 0x01}, 4, MQTLS_ERR_UNEXPECTED_PACKET},
        {{0x00, 0x00}, 2, MQTLS_ERR_BAD_PACKET_TYPE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fx_t *f = fx_new();
        fx_connect(f, true, 0);
        script_push(&f->s, cases[i].bytes, cases[i].n);
        assert_int_equal(mqtls_client_loop(&f->c, 10), cases[i].err);
        assert_false(mqtls_client_is_connected(&f->c));
        assert_int_equal(f->nseen, 0);
        fx_free(f);
    }
}

static void send_error_drops_connection_but_keeps_message(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    f->s.send_error = MQTLS_ERR_SEND;
    assert_int_equal(publish(f, "t", "kept", 1, NULL), MQTLS_ERR_SEND);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(mqtls_client_outstanding(&f->c), 1);
    fx_reconnect(f, false, true);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_publish(f, 1, true, "kept");
    fx_free(f);
}

/* ---- callbacks and disconnect ------------------------------------------------------------ */

static void callback_may_publish_but_not_block(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    f->cb_publish = true;
    script_push_publish(&f->s, "in", "ping", 1, 4, false);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->cb_rc, MQTLS_OK);
    expect_publish(f, 1, false, "ping"); /* the echo, sent from the callback */
    expect_ack(f, MQTLS_PKT_PUBACK, 4);
    fx_free(f);
}

/* after DISCONNECT the client closes the connection [MQTT-3.14.4-1] */
static void disconnect_sends_disconnect_and_closes(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    assert_int_equal(mqtls_client_disconnect(&f->c, NULL), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_DISCONNECT);
    assert_int_equal(n, 2);
    assert_int_equal(f->s.closes, 1);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}


static void packets_straddling_the_buffer_end_are_reassembled(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.rx_len = 64;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, 0);
    /* 20-byte packets in a 64-byte buffer: the 4th starts at byte 60. */
    for (int i = 0; i < 9; i++) {
        script_push_publish(&f->s, "straddle", "0123456789", 0, 0, false);
    }
    for (int i = 0; i < 20 && f->nseen < 9; i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    }
    assert_int_equal(f->nseen, 9);
    for (size_t i = 0; i < 9; i++) {
        assert_string_equal(f->seen[i].topic, "straddle");
        assert_memory_equal(f->seen[i].payload, "0123456789", 10);
    }
    fx_free(f);
}

static void suback_for_another_id_is_ignored(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    const uint8_t codes[1] = {0};
    script_push_suback(&f->s, 77, codes, 1);
    script_push_suback(&f->s, 1, codes, 1);
    mqtls_subscription_t sub = {.filter = "a", .filter_len = 1, .qos = 0};
    assert_int_equal(mqtls_client_subscribe(&f->c, &sub, 1, NULL, NULL, 1000), MQTLS_OK);
    assert_true(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void oversized_non_publish_is_fatal(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.rx_len = 16;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, 0);
    uint8_t codes[40];
    memset(codes, 1, sizeof codes);
    script_push_suback(&f->s, 1, codes, sizeof codes);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_RX_BUFFER_TOO_SMALL);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void blocking_calls_time_out_on_a_stuck_transport(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    f->s.send_stalls = 100000;
    mqtls_subscription_t sub = {.filter = "a", .filter_len = 1, .qos = 0};
    uint32_t t0 = f->s.clock;
    assert_int_equal(mqtls_client_subscribe(&f->c, &sub, 1, NULL, NULL, 300), MQTLS_ERR_TIMEOUT);
    assert_int_equal(f->s.clock - t0, 300);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);

    f = fx_new();
    fx_connect(f, true, 0);
    f->s.send_stalls = 100000;
    assert_int_equal(mqtls_client_disconnect(&f->c, NULL), MQTLS_ERR_TIMEOUT);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->s.closes, 1);
    fx_free(f);
}

static void buffers_too_small_for_a_packet_are_reported(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.tx_len = 20; /* CONNECT for "dev1" is 18 bytes */
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    mqtls_connect_t o = conn_opts(true, 0);
    o.client_id = "a-client-id-longer-than-the-buffer";
    o.client_id_len = strlen(o.client_id);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 100), MQTLS_ERR_TX_BUFFER_TOO_SMALL);
    fx_connect(f, true, 0);
    mqtls_subscription_t sub = {.filter = "a/long/filter/for/a/tiny/buffer", .filter_len = 31, .qos = 0};
    assert_int_equal(mqtls_client_subscribe(&f->c, &sub, 1, NULL, NULL, 100), MQTLS_ERR_TX_BUFFER_TOO_SMALL);
    assert_true(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

/* A store that has lost everything (e.g. flash wiped) cannot resend. */
static int32_t lost_get(void *ctx, uint16_t id, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)id;
    (void)buf;
    (void)len;
    return MQTLS_ERR_INVALID_ARG;
}

/*
 * Issue 13: the connection dies in the middle of a resend. The next
 * connect must send nothing but CONNECT before the CONNACK [MQTT-3.1.0-1],
 * then every unacknowledged record exactly once, in the original order,
 * PUBLISH with DUP and PUBREL for the QoS 2 message past PUBREC
 * [MQTT-4.4.0-1]. (The bug sent the records not yet resent before the
 * CONNACK, then all of them again.)
 */
static void resend_cut_short_resumes_once_in_order_after_connack(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    assert_int_equal(publish(f, "t", "one", 1, NULL), MQTLS_OK);   /* id 1 */
    assert_int_equal(publish(f, "t", "two", 2, NULL), MQTLS_OK);   /* id 2: PUBREC below */
    assert_int_equal(publish(f, "t", "three", 2, NULL), MQTLS_OK); /* id 3 */
    assert_int_equal(publish(f, "t", "four", 1, NULL), MQTLS_OK);  /* id 4 */
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 2);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    f->s.recv_error = MQTLS_ERR_CLOSED;
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_CLOSED);

    /* Second connection: the socket fills after CONNECT (18 bytes) and the
     * first resend (10 bytes) for longer than connect's timeout, then dies. */
    fx_new_script(f);
    script_push_connack(&f->s, true, 0);
    f->s.stall_at = 28;
    f->s.stall_count = 5000;
    mqtls_connect_t o = conn_opts(false, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 100), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_publish(f, 1, true, "one");
    expect_nothing_sent(f);
    f->s.send_error = MQTLS_ERR_SEND;
    f->s.send_stalls = 0;
    assert_true(mqtls_client_loop(&f->c, 10) < 0);
    assert_false(mqtls_client_is_connected(&f->c));

    /* Third connection: the broker never answers. Only the CONNECT goes. */
    fx_new_script(f);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 100), MQTLS_ERR_TIMEOUT);
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_nothing_sent(f);

    /* Fourth: everything once, in order, after the CONNACK. */
    fx_new_script(f);
    script_push_connack(&f->s, true, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_publish(f, 1, true, "one");
    expect_ack(f, MQTLS_PKT_PUBREL, 2);
    expect_publish(f, 3, true, "three");
    expect_publish(f, 4, true, "four");
    expect_nothing_sent(f);
    assert_int_equal(mqtls_client_outstanding(&f->c), 4);
    fx_free(f);
}

/*
 * Issue 13: a persistent session resuming with a backlog. More than
 * MQTLS_CONFIG_LOOP_MAX_PACKETS packets arrive before the SUBACK; the
 * subscribe call must still see its SUBACK (the bug stopped parsing after
 * 64 packets and timed out).
 */
static void backlog_of_more_than_loop_max_before_suback(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    for (int i = 0; i < 150; i++) {
        script_push_publish(&f->s, "backlog", "m", (uint8_t)(i % 2), (uint16_t)(i % 2 ? i : 0), false);
    }
    const uint8_t codes[1] = {1};
    script_push_suback(&f->s, 1, codes, 1);
    mqtls_subscription_t sub = {.filter = "backlog", .filter_len = 7, .qos = 1};
    uint8_t granted[1] = {9};
    assert_int_equal(mqtls_client_subscribe(&f->c, &sub, 1, NULL, granted, 1000), MQTLS_OK);
    assert_int_equal(granted[0], 1);
    assert_int_equal(f->nseen, 150);
    assert_true(mqtls_client_is_connected(&f->c));
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_SUBSCRIBE);
    for (int i = 1; i < 150; i += 2) {
        expect_ack(f, MQTLS_PKT_PUBACK, (uint16_t)i);
    }
    expect_nothing_sent(f);
    fx_free(f);
}

static void resend_skips_what_the_store_lost(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    assert_int_equal(publish(f, "t", "gone", 1, NULL), MQTLS_OK);
    mqtls_client_abort(&f->c);
    f->store.get = lost_get;
    fx_reconnect(f, false, true);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_nothing_sent(f);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

static fx_t *g_busy_fx;
static int32_t g_busy_rc[3];

static void busy_cb(void *user, const mqtls_message_t *m)
{
    (void)user;
    (void)m;
    mqtls_connect_t o = conn_opts(true, 0);
    g_busy_rc[0] = mqtls_client_connect(&g_busy_fx->c, &g_busy_fx->t, &o, NULL, 10);
    g_busy_rc[1] = mqtls_client_loop(&g_busy_fx->c, 10);
    g_busy_rc[2] = mqtls_client_disconnect(&g_busy_fx->c, NULL);
}

/* ---- reboot survival: restore from the store (issue 13) --------------------------------- */

/* A "reboot": a new client context (same configuration, same store). */
static void fx_reboot(fx_t *f)
{
    mqtls_client_abort(&f->c);
    memset(&f->c, 0x5A, sizeof f->c);
    memset(f->out, 0x5A, sizeof f->out); /* RAM is garbage after the reset */
    memset(f->in_ids, 0x5A, sizeof f->in_ids);
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_new_script(f);
}

static void restore_resends_stored_messages_in_order_with_dup(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    assert_int_equal(publish(f, "t", "one", 1, NULL), MQTLS_OK);   /* id 1 */
    assert_int_equal(publish(f, "t", "two", 2, NULL), MQTLS_OK);   /* id 2: PUBREC below */
    assert_int_equal(publish(f, "t", "three", 1, NULL), MQTLS_OK); /* id 3 */
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 2);
    script_push_publish(&f->s, "in", "q2", 2, 7, false); /* incoming QoS 2, no PUBREL yet */
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->nseen, 1);

    fx_reboot(f);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0); /* init does not read the store... */
    assert_int_equal(mqtls_memstore_count(&f->ms), 4);    /* ...nor clear it */
    assert_int_equal(mqtls_client_restore(&f->c), 3);
    assert_int_equal(mqtls_client_outstanding(&f->c), 3);
    script_push_connack(&f->s, true, 0);
    mqtls_connect_t o = conn_opts(false, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_publish(f, 1, true, "one");
    expect_ack(f, MQTLS_PKT_PUBREL, 2);
    expect_publish(f, 3, true, "three");
    expect_nothing_sent(f);
    /* The broker resends the incoming QoS 2 message: a duplicate, not delivered. */
    script_push_publish(&f->s, "in", "q2", 2, 7, true);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->nseen, 1);
    expect_ack(f, MQTLS_PKT_PUBREC, 7);
    /* New ids follow the restored ones. */
    uint16_t id = 0;
    assert_int_equal(publish(f, "t", "four", 1, &id), MQTLS_OK);
    assert_int_equal(id, 4);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    script_push_ack(&f->s, MQTLS_PKT_PUBCOMP, 2);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 3);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 4);
    script_push_ack(&f->s, MQTLS_PKT_PUBREL, 7);
    for (int i = 0; i < 10 && (mqtls_client_outstanding(&f->c) > 0 || mqtls_memstore_count(&f->ms) > 0); i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    }
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    assert_int_equal(mqtls_memstore_count(&f->ms), 0); /* every record left the store with its acknowledgement */
    fx_free(f);
}

static void first_connect_restores_by_itself(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    assert_int_equal(publish(f, "t", "a", 1, NULL), MQTLS_OK);
    assert_int_equal(publish(f, "t", "b", 1, NULL), MQTLS_OK);
    fx_reboot(f);
    /* No mqtls_client_restore(): the first connect without clean session
     * takes what the store kept. */
    script_push_connack(&f->s, true, 0);
    mqtls_connect_t o = conn_opts(false, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_publish(f, 1, true, "a");
    expect_publish(f, 2, true, "b");
    expect_nothing_sent(f);
    /* A clean session instead discards the store [MQTT-3.1.2-6]. */
    fx_reboot(f);
    fx_reconnect(f, true, false);
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_nothing_sent(f);
    assert_int_equal(mqtls_memstore_count(&f->ms), 0);
    fx_free(f);
}

static void restore_refusals_are_clear(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    assert_int_equal(mqtls_client_restore(&f->c), MQTLS_ERR_BUSY); /* connected */
    for (int i = 0; i < 5; i++) {
        assert_int_equal(publish(f, "t", "m", 1, NULL), MQTLS_OK);
    }
    /* Fewer records after the reboot than the store holds. */
    mqtls_client_abort(&f->c);
    f->cfg.outbound_count = 4;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    assert_int_equal(mqtls_client_restore(&f->c), MQTLS_ERR_RESTORE_TOO_MANY);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0); /* all or nothing */
    assert_int_equal(mqtls_memstore_count(&f->ms), 5);    /* the store untouched */
    fx_new_script(f);
    mqtls_connect_t o = conn_opts(false, 0);
    script_push_connack(&f->s, true, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_RESTORE_TOO_MANY);
    assert_int_equal(f->s.out_len, 0); /* nothing sent */
    /* A store that cannot enumerate cannot be restored. */
    f->store.each = NULL;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    assert_int_equal(mqtls_client_restore(&f->c), MQTLS_ERR_NOT_SUPPORTED);
    assert_int_equal(mqtls_client_restore(NULL), MQTLS_ERR_INVALID_ARG);
    fx_free(f);
}

/* Restored ids that share a record slot (the window was larger before the
 * reboot): all are found, and new ids never collide with them. */
static void restore_into_a_smaller_window_keeps_every_id(void **state)
{
    (void)state;
    static mqtls_inflight_t before[16];
    fx_t *f = fx_new();
    f->cfg.outbound = before;
    f->cfg.outbound_count = 16;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, false, 0);
    uint16_t ids[4];
    for (int i = 0; i < 4; i++) {
        if (i == 2) {
            f->c.sess.next_id = 9; /* ids 1, 2, 9, 10: slots 0, 1, 0, 1 of an 8-record client */
        }
        assert_int_equal(publish(f, "t", "m", 1, &ids[i]), MQTLS_OK);
    }
    assert_int_equal(ids[2], 9);
    f->cfg.outbound = f->out;
    f->cfg.outbound_count = 8;
    fx_reboot(f);
    assert_int_equal(mqtls_client_restore(&f->c), 4);
    for (int i = 0; i < 4; i++) {
        assert_true(mqtls_client_in_flight(&f->c, ids[i]));
    }
    fx_reconnect(f, false, true);
    script_drain(&f->s);
    for (int i = 0; i < 4; i++) {
        uint16_t id;
        assert_int_equal(publish(f, "t", "n", 1, &id), MQTLS_OK);
        for (int j = 0; j < 4; j++) {
            assert_int_not_equal(id, ids[j]);
        }
    }
    assert_int_equal(publish(f, "t", "x", 1, NULL), MQTLS_ERR_INFLIGHT_FULL);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 9);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_false(mqtls_client_in_flight(&f->c, 9));
    assert_true(mqtls_client_in_flight(&f->c, 10));
    assert_int_equal(mqtls_client_outstanding(&f->c), 6);
    fx_free(f);
}

/* ---- what the broker's session holds, and deadlines ------------------------------------- */

static void unknown_pubrec_is_released(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, 0);
    /* A session the broker kept from an earlier run: QoS 2 ids we never heard of. */
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 300);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_ack(f, MQTLS_PKT_PUBREL, 300); /* plain PUBREL on 3.1.1 */
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    assert_true(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void unacknowledged_publish_hits_the_ack_deadline(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.ack_timeout_ms = 5000;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    f->s.auto_pingresp = true; /* alive, but never acknowledges */
    fx_connect(f, false, 1);
    assert_int_equal(publish(f, "t", "m", 1, NULL), MQTLS_OK);
    int32_t rc = MQTLS_OK;
    uint32_t t0 = f->s.clock;
    for (int i = 0; i < 100 && rc == MQTLS_OK; i++) {
        rc = mqtls_client_loop(&f->c, 1000);
    }
    assert_int_equal(rc, MQTLS_ERR_ACK_TIMEOUT);
    assert_int_equal(f->s.clock - t0, 5000); /* the loop woke for the deadline (fake clock) */
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(mqtls_err_class(rc), MQTLS_ERRCLASS_RECONNECT);
    const uint8_t *p;
    size_t n;
    expect_publish(f, 1, false, "m");
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PINGREQ);
    /* Reconnect: resent, and the deadline runs again from the resend. */
    fx_reconnect(f, false, true);
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_publish(f, 1, true, "m");
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

/* The deadline passes while the application was busy, but the PUBACK has
 * arrived meanwhile: it is read first, no ACK_TIMEOUT. */
static void ack_waiting_unread_beats_the_deadline(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.ack_timeout_ms = 5000;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, false, 0);
    assert_int_equal(publish(f, "t", "m", 1, NULL), MQTLS_OK);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    f->s.clock += 60000; /* the application did not call loop for a minute */
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

/* ---- a large window: ids, lookups and order stay right (issue 14) ------------------------- */

static void large_window_with_out_of_order_acks(void **state)
{
    (void)state;
    enum { W = 1024 };
    static mqtls_inflight_t recs[W];
    static uint8_t arena[W * 40 + MQTLS_MEMSTORE_INDEX_SIZE(W)];
    fx_t *f = fx_new();
    assert_int_equal(mqtls_memstore_init_indexed(&f->ms, arena, sizeof arena, W, &f->store), MQTLS_OK);
    f->cfg.outbound = recs;
    f->cfg.outbound_count = W;
    f->cfg.tx_len = sizeof f->tx;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, 0);
    static bool live[65536];
    memset(live, 0, sizeof live);
    uint32_t rnd = 12345, sent = 0;
    /* 70 000 messages (the ids wrap), acknowledged in a scrambled order. */
    while (sent < 70000u) {
        uint16_t id;
        int32_t rc = publish(f, "t", "m", 1, &id);
        if (rc == MQTLS_OK) {
            assert_false(live[id]); /* never an id still in use [MQTT-2.3.1-2] */
            live[id] = true;
            sent++;
            continue;
        }
        assert_int_equal(rc, MQTLS_ERR_INFLIGHT_FULL);
        assert_int_equal(mqtls_client_outstanding(&f->c), W);
        script_drain(&f->s);
        for (int k = 0; k < 200; k++) { /* acknowledge 200 random live ids */
            rnd = rnd * 1103515245u + 12345u;
            uint16_t a = (uint16_t)(1u + (rnd >> 8) % 65535u);
            while (!live[a]) {
                a = (uint16_t)(a == 65535u ? 1u : a + 1u);
            }
            live[a] = false;
            script_push_ack(&f->s, MQTLS_PKT_PUBACK, a);
        }
        for (int k = 0; k < 20 && mqtls_client_outstanding(&f->c) > W - 200; k++) {
            assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
        }
        assert_int_equal(mqtls_client_outstanding(&f->c), W - 200);
        assert_int_equal(mqtls_memstore_count(&f->ms), W - 200);
    }
    size_t n = 0;
    for (uint32_t id = 1; id <= 65535u; id++) {
        n += live[id] ? 1u : 0u;
        assert_int_equal(mqtls_client_in_flight(&f->c, (uint16_t)id), live[id]);
    }
    assert_int_equal(n, mqtls_client_outstanding(&f->c));
    fx_free(f);
}

static void blocking_calls_from_the_callback_are_busy(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.on_message = busy_cb;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    g_busy_fx = f;
    fx_connect(f, true, 0);
    script_push_publish(&f->s, "t", "x", 0, 0, false);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(g_busy_rc[i], MQTLS_ERR_BUSY);
    }
    assert_true(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static int32_t failing_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    (void)ctx;
    (void)events;
    (void)timeout_ms;
    return MQTLS_ERR_RECV;
}

static void wait_errors_are_fatal(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    f->c.tr.wait = failing_wait;
    assert_int_equal(mqtls_client_loop(&f->c, 100), MQTLS_ERR_RECV);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void keepalive_waits_while_a_send_is_in_progress(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 2);
    f->s.auto_pingresp = true;
    f->s.send_chunk = 2;
    f->s.send_stalls = 0;
    /* A slow 2-bytes-per-ms send spanning the keepalive deadline. */
    char big[400];
    memset(big, 'k', sizeof big - 1);
    big[sizeof big - 1] = 0;
    f->s.clock += 1990;
    f->s.stall_at = f->s.out_len + 1;
    f->s.stall_count = 30;
    assert_int_equal(publish(f, "t", big, 0, NULL), MQTLS_OK);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 100), MQTLS_OK);
    }
    expect_publish(f, 0, false, big); /* not interleaved with a PINGREQ */
    fx_free(f);
}


static void connack_and_queued_messages_in_one_read(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn_opts(false, 0);
    script_push_connack(&f->s, true, 0);
    script_push_publish(&f->s, "queued", "while-offline", 1, 3, true);
    script_push_publish(&f->s, "queued", "second", 2, 4, false);
    bool sp = false;
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, &sp, 1000), MQTLS_OK);
    assert_true(sp);
    for (int i = 0; i < 5 && f->nseen < 2; i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    }
    assert_int_equal(f->nseen, 2);
    assert_memory_equal(f->seen[0].payload, "while-offline", 13);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_ack(f, MQTLS_PKT_PUBACK, 3);
    expect_ack(f, MQTLS_PKT_PUBREC, 4);
    fx_free(f);
}

static void non_mqtt_answer_to_connect_is_named(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn_opts(true, 0);
    const char *http = "HTTP/1.1 400 Bad Request\r\n\r\n";
    script_push(&f->s, (const uint8_t *)http, strlen(http));
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_CONNACK_EXPECTED);
    fx_free(f);
}

static void inbound_bitmap_holds_every_id(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    static uint8_t bitmap[MQTLS_INBOUND_BITMAP_SIZE];
    memset(bitmap, 0xAA, sizeof bitmap); /* init must clear it */
    f->cfg.inbound_ids = NULL;
    f->cfg.inbound_count = 0;
    f->cfg.inbound_bitmap = bitmap;
    f->store.put_inbound = NULL; /* 40 000 ids would not fit the 1 KiB RAM store */
    f->store.remove_inbound = NULL;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, 0);
    /* 40 000 QoS 2 messages without a single PUBREL yet, each once, then
     * every one resent: all are acknowledged, none delivered twice. */
    for (uint32_t round = 0; round < 2; round++) {
        for (uint32_t id = 1; id <= 40000; id++) {
            script_push_publish(&f->s, "q2", "x", 2, (uint16_t)id, round == 1);
            if (id % 200 == 0) {
                while (f->s.in_pos < f->s.in_len) {
                    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
                }
                script_drain(&f->s);
                f->s.in_len = f->s.in_pos = 0;
            }
        }
    }
    assert_int_equal(f->nseen, 40000);
    script_push_ack(&f->s, MQTLS_PKT_PUBREL, 65535);
    script_push_publish(&f->s, "q2", "y", 2, 1, false); /* id 1 still held: suppressed */
    script_push_ack(&f->s, MQTLS_PKT_PUBREL, 1);
    script_push_publish(&f->s, "q2", "z", 2, 1, false); /* released: a new message */
    for (int i = 0; i < 8; i++) {
        assert_int_equal(mqtls_client_loop(&f->c, 1), MQTLS_OK);
    }
    assert_int_equal(f->nseen, 40001);
    fx_free(f);
}

/* PUBACKs and PUBRECs leave in the order the PUBLISHes came [MQTT-4.6.0-2] [MQTT-4.6.0-3] */
static void acknowledgements_of_a_batch_leave_in_one_send(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, 0);
    for (uint16_t id = 1; id <= 20; id++) {
        script_push_publish(&f->s, "b", "m", id % 5 == 0 ? 2 : 1, id, false); /* 4 QoS 2: the fixture holds 4 */
    }
    unsigned before = f->s.sends;
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(f->nseen, 20);
    assert_int_equal(f->s.sends - before, 1);
    for (uint16_t id = 1; id <= 20; id++) {
        expect_ack(f, id % 5 == 0 ? MQTLS_PKT_PUBREC : MQTLS_PKT_PUBACK, id);
    }
    fx_free(f);
}


static void public_calls_reject_bad_arguments(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn_opts(true, 0);
    mqtls_transport_t no_send = f->t;
    no_send.send = NULL;
    assert_int_equal(mqtls_client_connect(NULL, &f->t, &o, NULL, 10), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_connect(&f->c, NULL, &o, NULL, 10), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, NULL, NULL, 10), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_connect(&f->c, &no_send, &o, NULL, 10), MQTLS_ERR_INVALID_ARG);
    mqtls_client_config_t bad = f->cfg;
    bad.inbound_ids = NULL;
    assert_int_equal(mqtls_client_init(&f->c, &bad), MQTLS_ERR_INVALID_ARG);
    mqtls_msgstore_t broken = f->store;
    broken.get = NULL;
    bad = f->cfg;
    bad.store = &broken;
    assert_int_equal(mqtls_client_init(&f->c, &bad), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_init(&f->c, NULL), MQTLS_ERR_INVALID_ARG);
    fx_connect(f, true, 0);
    assert_int_equal(mqtls_client_publish(&f->c, NULL, NULL), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_publish(NULL, NULL, NULL), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_subscribe(&f->c, NULL, 1, NULL, NULL, 10), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_loop(NULL, 10), MQTLS_ERR_INVALID_ARG);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_false(mqtls_client_is_connected(NULL));
    assert_int_equal(mqtls_client_outstanding(NULL), 0);
    assert_int_equal(mqtls_client_dropped(NULL), 0);
    mqtls_client_abort(NULL);
    mqtls_memstore_t ms;
    mqtls_msgstore_t st;
    uint8_t arena[32], pkt[8] = {1, 2, 3, 4, 5, 6, 7, 8}, back[16];
    assert_int_equal(mqtls_memstore_init(NULL, arena, sizeof arena, &st), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_memstore_init(&ms, NULL, sizeof arena, &st), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_memstore_init(&ms, arena, sizeof arena, NULL), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_memstore_init(&ms, arena, sizeof arena, &st), MQTLS_OK);
    assert_int_equal(st.put(st.ctx, 1, NULL, 4), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.put(st.ctx, 1, pkt, 0), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.get(st.ctx, 0, back, 4), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.put(st.ctx, 1, pkt, 4), MQTLS_OK);
    assert_int_equal(st.get(st.ctx, 1, NULL, 4), MQTLS_ERR_BUFFER_TOO_SMALL);
    uint8_t arena2[64 + MQTLS_MEMSTORE_INDEX_SIZE(4)];
    assert_int_equal(mqtls_memstore_init_indexed(&ms, arena2, MQTLS_MEMSTORE_INDEX_SIZE(4), 4, &st),
                     MQTLS_ERR_INVALID_ARG); /* no room left for records */
    assert_int_equal(mqtls_memstore_init_indexed(&ms, arena2, sizeof arena2, 4, &st), MQTLS_OK);
    assert_int_equal(st.put(st.ctx, 1, pkt, 4), MQTLS_OK);
    assert_int_equal(st.put(st.ctx, 1, pkt, 8), MQTLS_OK); /* replaces the older copy */
    assert_int_equal(st.get(st.ctx, 1, back, sizeof back), 8);
    assert_memory_equal(back, pkt, 8);
    assert_int_equal(mqtls_memstore_count(&ms), 1);
    assert_int_equal(st.mark_pubrel(st.ctx, 9), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.put_inbound(st.ctx, 0), MQTLS_ERR_INVALID_ARG);
    fx_free(f);
}

/* A clock that moves by itself: for transports without wait(), where the
 * client polls until its deadline. */
static uint32_t ticking_now(void *user)
{
    script_t *s = user;
    return s->clock++;
}

static void transport_without_wait_polls_within_the_deadline(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.now_ms = ticking_now;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    f->t.wait = NULL;
    f->t.close = NULL;
    mqtls_connect_t o = conn_opts(true, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 200), MQTLS_ERR_TIMEOUT);
    script_drain(&f->s);
    fx_connect(f, true, 0);
    uint32_t t0 = f->s.clock;
    assert_int_equal(mqtls_client_loop(&f->c, 300), MQTLS_OK);
    assert_true(f->s.clock - t0 >= 300 && f->s.clock - t0 < 320);
    f->s.send_stalls = 1000;
    assert_int_equal(publish(f, "t", "x", 0, NULL), MQTLS_OK);
    assert_int_equal(mqtls_client_loop(&f->c, 50), MQTLS_OK);
    assert_true(f->s.send_stalls > 0);
    f->s.send_stalls = 0;
    assert_int_equal(mqtls_client_loop(&f->c, 50), MQTLS_OK);
    expect_publish(f, 0, false, "x");
    assert_int_equal(mqtls_client_disconnect(&f->c, NULL), MQTLS_OK);
    fx_free(f);
}

static void defaults_ping_timeout_and_no_callback(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.ping_timeout_ms = 0; /* MQTLS_CONFIG_PING_TIMEOUT_MS */
    f->cfg.on_message = NULL;   /* messages are acknowledged and dropped */
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, 1);
    script_push_publish(&f->s, "t", "nobody listens", 1, 8, false);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_ack(f, MQTLS_PKT_PUBACK, 8);
    uint32_t t0 = f->s.clock;
    int32_t rc = MQTLS_OK;
    while (rc == MQTLS_OK) {
        rc = mqtls_client_loop(&f->c, 500);
    }
    assert_int_equal(rc, MQTLS_ERR_KEEPALIVE_TIMEOUT);
    uint32_t took = f->s.clock - t0;
    assert_true(took >= 1000u + MQTLS_CONFIG_PING_TIMEOUT_MS && took <= 1500u + MQTLS_CONFIG_PING_TIMEOUT_MS);
    fx_free(f);
}

/* ---- memstore ------------------------------------------------------------------------ */

/* The RAM store against a model: variable-size packets put, removed out
 * of order, turned PUBREL, incoming ids, compaction; after every step each
 * id's bytes and the each() order match the model. Indexed and not. */
typedef struct {
    uint8_t kind[64]; /* per visit: kind and id */
    uint16_t id[64];
    size_t n;
} visit_t;

static int32_t record_visit(void *arg, uint8_t kind, uint16_t id, size_t len)
{
    visit_t *v = arg;
    (void)len;
    if (v->n < 64) {
        v->kind[v->n] = kind;
        v->id[v->n] = id;
    }
    v->n++;
    return MQTLS_OK;
}

static void memstore_matches_a_model(void **state)
{
    (void)state;
    for (int indexed = 0; indexed < 2; indexed++) {
        static uint8_t arena[600 + MQTLS_MEMSTORE_INDEX_SIZE(24)];
        mqtls_memstore_t ms;
        mqtls_msgstore_t st;
        assert_int_equal(indexed ? mqtls_memstore_init_indexed(&ms, arena, sizeof arena, 24, &st)
                                 : mqtls_memstore_init(&ms, arena, 600, &st),
                         MQTLS_OK);
        uint8_t len[32] = {0}, kind[32] = {0}; /* model, id 1..31: kind 0 absent, 1 PUBLISH, 2 PUBREL */
        uint32_t order[32] = {0}, clock = 0;
        bool in[32] = {false};
        uint32_t rnd = 7;
        for (int step = 0; step < 20000; step++) {
            rnd = rnd * 1103515245u + 12345u;
            uint16_t id = (uint16_t)(1u + (rnd >> 10) % 31u);
            unsigned op = (rnd >> 20) % 6u;
            uint8_t pkt[48], back[48];
            if (op <= 1 && kind[id] == 0) {
                uint8_t n = (uint8_t)(1u + (rnd >> 24) % 40u);
                memset(pkt, (int)(id * 7u + n), n);
                int32_t rc = st.put(st.ctx, id, pkt, n);
                assert_true(rc == MQTLS_OK || rc == MQTLS_ERR_STORE_FULL);
                if (rc == MQTLS_OK) {
                    kind[id] = 1;
                    len[id] = n;
                    order[id] = ++clock;
                }
            } else if (op == 2 && kind[id] != 0) {
                st.remove(st.ctx, id);
                kind[id] = 0;
            } else if (op == 3) {
                assert_int_equal(st.mark_pubrel(st.ctx, id), kind[id] == 1 ? MQTLS_OK : MQTLS_ERR_INVALID_ARG);
                if (kind[id] == 1) {
                    kind[id] = 2;
                }
            } else if (op == 4) {
                int32_t rc = st.put_inbound(st.ctx, id);
                assert_true(rc == MQTLS_OK || rc == MQTLS_ERR_STORE_FULL);
                in[id] = in[id] || rc == MQTLS_OK;
            } else if (op == 5) {
                st.remove_inbound(st.ctx, id);
                in[id] = false;
            }
            /* every id as the model says */
            for (uint16_t k = 1; k < 32; k++) {
                int32_t got = st.get(st.ctx, k, back, sizeof back);
                if (kind[k] == 1) {
                    assert_int_equal(got, len[k]);
                    memset(pkt, (int)(k * 7u + len[k]), len[k]);
                    assert_memory_equal(back, pkt, len[k]);
                } else {
                    assert_int_equal(got, MQTLS_ERR_INVALID_ARG);
                }
            }
            if (step % 97 == 0) {
                visit_t v = {.n = 0};
                assert_int_equal(st.each(st.ctx, record_visit, &v), MQTLS_OK);
                size_t out = 0, inb = 0;
                uint32_t last = 0;
                for (size_t i = 0; i < v.n; i++) {
                    uint16_t k = v.id[i];
                    if (v.kind[i] == MQTLS_MSG_INBOUND) {
                        assert_true(in[k]);
                        inb++;
                        continue;
                    }
                    assert_int_equal(inb, 0); /* outgoing first */
                    assert_int_equal(v.kind[i], kind[k] == 1 ? MQTLS_MSG_PUBLISH : MQTLS_MSG_PUBREL);
                    assert_true(order[k] > last); /* in put order, PUBREL in its place */
                    last = order[k];
                    out++;
                }
                size_t want_out = 0, want_in = 0;
                for (uint16_t k = 1; k < 32; k++) {
                    want_out += kind[k] != 0 ? 1u : 0u;
                    want_in += in[k] ? 1u : 0u;
                }
                assert_int_equal(out, want_out);
                assert_int_equal(inb, want_in);
            }
        }
    }
}

static void memstore_keeps_order_and_compacts(void **state)
{
    (void)state;
    uint8_t arena[64];
    mqtls_memstore_t ms;
    mqtls_msgstore_t st;
    uint8_t pkt[20], out[32];
    assert_int_equal(mqtls_memstore_init(&ms, arena, 5, &st), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_memstore_init(&ms, arena, sizeof arena, &st), MQTLS_OK);
    for (uint16_t id = 1; id <= 3; id++) {
        memset(pkt, id, sizeof pkt);
        assert_int_equal(st.put(st.ctx, id, pkt, 14), MQTLS_OK); /* 20 bytes each */
    }
    assert_int_equal(st.put(st.ctx, 4, pkt, 14), MQTLS_ERR_STORE_FULL);
    assert_int_equal(st.put(st.ctx, 5, pkt, 59), MQTLS_ERR_STORE_TOO_SMALL);
    st.remove(st.ctx, 2); /* a hole in the middle: compacted on the next put */
    memset(pkt, 4, sizeof pkt);
    assert_int_equal(st.put(st.ctx, 4, pkt, 14), MQTLS_OK);
    assert_int_equal(st.get(st.ctx, 2, out, sizeof out), MQTLS_ERR_INVALID_ARG);
    for (uint16_t id = 1; id <= 4; id++) {
        if (id == 2) {
            continue;
        }
        assert_int_equal(st.get(st.ctx, id, out, sizeof out), 14);
        assert_int_equal(out[0], id);
        assert_int_equal(out[13], id);
    }
    assert_int_equal(st.get(st.ctx, 1, out, 4), MQTLS_ERR_BUFFER_TOO_SMALL);
    st.remove(st.ctx, 1);
    st.remove(st.ctx, 3);
    st.remove(st.ctx, 4);
    assert_int_equal(ms.used, 0);
    assert_int_equal(ms.head, 0);
    st.remove(st.ctx, 77); /* unknown: ignored */
    assert_int_equal(st.put(st.ctx, 0, pkt, 4), MQTLS_ERR_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_rejects_incomplete_config),
        cmocka_unit_test(connect_sends_connect_and_accepts_connack),
        cmocka_unit_test(connack_codes_1_to_5_are_distinct_errors),
        cmocka_unit_test(connect_times_out_without_connack),
        cmocka_unit_test(connect_rejects_other_first_packet),
        cmocka_unit_test(connect_rejects_session_present_on_clean_session),
        cmocka_unit_test(connect_reports_peer_close),
        cmocka_unit_test(connect_validates_before_sending),
        cmocka_unit_test(second_connack_is_protocol_error),
        cmocka_unit_test(calls_before_connect_are_refused),
        cmocka_unit_test(publish_qos0_sends_one_packet),
        cmocka_unit_test(publish_qos1_completes_on_puback),
        cmocka_unit_test(publish_qos2_runs_pubrec_pubrel_pubcomp),
        cmocka_unit_test(several_messages_in_flight_acked_out_of_order),
        cmocka_unit_test(inflight_full_then_retry_after_ack),
        cmocka_unit_test(store_full_and_too_small_are_reported),
        cmocka_unit_test(qos1_without_store_is_refused),
        cmocka_unit_test(publish_validation_errors_keep_connection),
        cmocka_unit_test(packet_ids_wrap_and_skip_ids_in_use),
        cmocka_unit_test(inbound_qos0_delivered_without_ack),
        cmocka_unit_test(inbound_qos1_delivered_then_acked),
        cmocka_unit_test(inbound_qos2_delivered_once_until_pubrel),
        cmocka_unit_test(inbound_qos2_beyond_records_is_an_error),
        cmocka_unit_test(unexpected_pubrel_still_gets_pubcomp),
        cmocka_unit_test(many_buffered_packets_are_handled_in_one_loop),
        cmocka_unit_test(subscribe_several_filters_returns_granted),
        cmocka_unit_test(subscribe_refusal_0x80_is_reported),
        cmocka_unit_test(suback_with_wrong_count_is_protocol_error),
        cmocka_unit_test(subscribe_times_out_and_drops_connection),
        cmocka_unit_test(messages_before_suback_are_delivered),
        cmocka_unit_test(subscribe_invalid_filter_is_refused_locally),
        cmocka_unit_test(unsubscribe_waits_for_unsuback),
        cmocka_unit_test(keepalive_sends_pingreq_when_idle),
        cmocka_unit_test(keepalive_wakes_a_long_loop_on_time),
        cmocka_unit_test(late_pingresp_is_keepalive_timeout),
        cmocka_unit_test(traffic_postpones_pingreq),
        cmocka_unit_test(loop_never_waits_longer_than_its_timeout),
        cmocka_unit_test(reconnect_resends_publish_with_dup_and_pubrel_in_order),
        cmocka_unit_test(resend_survives_a_stalled_transport),
        cmocka_unit_test(clean_session_discards_unacknowledged),
        cmocka_unit_test(lost_session_frees_inbound_qos2_ids),
        cmocka_unit_test(one_byte_at_a_time_both_ways),
        cmocka_unit_test(partial_send_is_finished_by_loop),
        cmocka_unit_test(oversized_message_is_acked_skipped_and_stream_stays_in_sync),
        cmocka_unit_test(topic_larger_than_rx_buffer_is_fatal),
        cmocka_unit_test(malformed_input_gives_codec_error_and_disconnects),
        cmocka_unit_test(send_error_drops_connection_but_keeps_message),
        cmocka_unit_test(callback_may_publish_but_not_block),
        cmocka_unit_test(disconnect_sends_disconnect_and_closes),
        cmocka_unit_test(packets_straddling_the_buffer_end_are_reassembled),
        cmocka_unit_test(suback_for_another_id_is_ignored),
        cmocka_unit_test(oversized_non_publish_is_fatal),
        cmocka_unit_test(blocking_calls_time_out_on_a_stuck_transport),
        cmocka_unit_test(buffers_too_small_for_a_packet_are_reported),
        cmocka_unit_test(resend_skips_what_the_store_lost),
        cmocka_unit_test(resend_cut_short_resumes_once_in_order_after_connack),
        cmocka_unit_test(backlog_of_more_than_loop_max_before_suback),
        cmocka_unit_test(restore_resends_stored_messages_in_order_with_dup),
        cmocka_unit_test(first_connect_restores_by_itself),
        cmocka_unit_test(restore_refusals_are_clear),
        cmocka_unit_test(restore_into_a_smaller_window_keeps_every_id),
        cmocka_unit_test(unknown_pubrec_is_released),
        cmocka_unit_test(unacknowledged_publish_hits_the_ack_deadline),
        cmocka_unit_test(ack_waiting_unread_beats_the_deadline),
        cmocka_unit_test(large_window_with_out_of_order_acks),
        cmocka_unit_test(blocking_calls_from_the_callback_are_busy),
        cmocka_unit_test(wait_errors_are_fatal),
        cmocka_unit_test(keepalive_waits_while_a_send_is_in_progress),
        cmocka_unit_test(connack_and_queued_messages_in_one_read),
        cmocka_unit_test(non_mqtt_answer_to_connect_is_named),
        cmocka_unit_test(inbound_bitmap_holds_every_id),
        cmocka_unit_test(acknowledgements_of_a_batch_leave_in_one_send),
        cmocka_unit_test(public_calls_reject_bad_arguments),
        cmocka_unit_test(transport_without_wait_polls_within_the_deadline),
        cmocka_unit_test(defaults_ping_timeout_and_no_callback),
        cmocka_unit_test(memstore_keeps_order_and_compacts),
        cmocka_unit_test(memstore_matches_a_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
