/* SPDX-License-Identifier: MIT
 * mqtls tests: the client's MQTT 5.0 behaviour over a scripted transport. */
/*
 * What MQTT 5.0 adds to the state machine, each pinned by a test: the
 * limits the client announces in CONNECT and the ones it obeys from the
 * CONNACK (receive maximum as flow control, maximum QoS, retain, maximum
 * packet size both ways, feature availability, server keep alive, assigned
 * client identifier), topic aliases both ways (assignment, reuse, LRU
 * replacement, resolution, the protocol error for an unknown alias, and no
 * stale alias in a resend after reconnect), reason codes, the server's
 * DISCONNECT, and the AUTH exchange (during connect and re-authentication).
 * The broker side is written with the codec's own server-side encoders.
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

#define BIT(id) MQTLS_PROP_BIT(id)

/* ---- fixture ------------------------------------------------------------------ */

static fx_t *fx_new(void)
{
    const fx_setup_t setup = {.buf_len = 512, .arena_len = 2048, .aliases = true, .auth = true};
    return fx_open(&setup);
}

static mqtls_connect_t conn5(bool clean, uint16_t keepalive)
{
    return fx_conn_opts(MQTLS_PROTO_V5, clean, keepalive);
}

static void push_connack(fx_t *f, bool sp, uint8_t reason, const mqtls_props_t *pr)
{
    uint8_t b[256];
    int32_t n = mqtls_encode_connack5(b, sizeof b, sp, reason, pr);
    assert_true(n > 0);
    script_push(&f->s, b, (size_t)n);
}

/* Connect with CONNACK properties `pr` (NULL: none); the CONNECT is consumed. */
static void fx_connect(fx_t *f, bool clean, const mqtls_props_t *pr)
{
    mqtls_connect_t o = conn5(clean, 0);
    push_connack(f, false, 0, pr);
    fx_connect_with(f, &o);
}

/* The broker allows `aliases` topic aliases from us. */
static mqtls_props_t alias_caps(uint16_t aliases)
{
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_TOPIC_ALIAS_MAX);
    pr.topic_alias_max = aliases;
    return pr;
}

static void push_publish(fx_t *f, const char *topic, uint16_t alias, const char *payload, uint8_t qos, uint16_t id)
{
    static uint8_t b[4096];
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    if (alias != 0) {
        pr.present = BIT(MQTLS_PROP_TOPIC_ALIAS);
        pr.topic_alias = alias;
    }
    mqtls_publish_t p = {.topic = topic, .topic_len = strlen(topic), .payload = (const uint8_t *)payload,
                         .payload_len = strlen(payload), .qos = qos, .packet_id = id, .props = &pr};
    int32_t n = mqtls_encode_publish(b, sizeof b, MQTLS_PROTO_V5, &p);
    assert_true(n > 0);
    script_push(&f->s, b, (size_t)n);
}

static int32_t publish(fx_t *f, const char *topic, const char *payload, uint8_t qos)
{
    mqtls_publish_t p = {.topic = topic, .topic_len = strlen(topic), .payload = (const uint8_t *)payload,
                         .payload_len = strlen(payload), .qos = qos};
    return mqtls_client_publish(&f->c, &p, NULL);
}

/* The next packet the client sent, decoded at level 5. */
static void next_packet(fx_t *f, uint8_t type, mqtls_packet_t *pk)
{
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), type);
    assert_int_equal(mqtls_decode_packet(p, n, MQTLS_PROTO_V5, pk), MQTLS_OK);
}

/* Next PUBLISH sent: its topic (as on the wire) and alias (0: none). */
static void expect_publish(fx_t *f, const char *topic, uint16_t alias, bool dup)
{
    mqtls_packet_t pk;
    next_packet(f, MQTLS_PKT_PUBLISH, &pk);
    assert_int_equal(pk.u.publish.topic_len, strlen(topic));
    if (topic[0] != '\0') {
        assert_memory_equal(pk.u.publish.topic, topic, strlen(topic));
    }
    bool has = (pk.props.present & BIT(MQTLS_PROP_TOPIC_ALIAS)) != 0;
    assert_int_equal(has ? pk.props.topic_alias : 0, alias);
    assert_int_equal(pk.u.publish.dup, dup);
}

static void expect_disconnect(fx_t *f, uint8_t reason)
{
    mqtls_packet_t pk;
    next_packet(f, MQTLS_PKT_DISCONNECT, &pk);
    assert_int_equal(pk.reason_code, reason);
}

/* ---- CONNECT and CONNACK -------------------------------------------------------- */

/* CONNECT is the first packet [MQTT-3.1.0-1] */
/* What an application may read of the private contexts has an accessor. */
static void accessors_report_version_and_stored_records(void **state)
{
    (void)state;
    assert_int_equal(mqtls_client_version(NULL), 0);
    assert_int_equal(mqtls_memstore_count(NULL), 0);
    fx_t *f = fx_new();
    assert_int_equal(mqtls_client_version(&f->c), MQTLS_PROTO_V311); /* before the first connect */
    assert_int_equal(mqtls_memstore_count(&f->ms), 0);
    fx_connect(f, true, NULL);
    assert_int_equal(mqtls_client_version(&f->c), MQTLS_PROTO_V5);
    assert_int_equal(publish(f, "t", "a", 1), MQTLS_OK);
    assert_int_equal(mqtls_memstore_count(&f->ms), 1);
    mqtls_client_abort(&f->c);
    assert_int_equal(mqtls_client_version(&f->c), MQTLS_PROTO_V5); /* the last connection's */
    fx_free(f);
}

static void connect_announces_what_our_memory_takes(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn5(true, 30);
    push_connack(f, false, 0, NULL);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    assert_int_equal(p[2 + 6], 5); /* protocol level after "\0\4MQTT" */
    mqtls_props_t pr;
    assert_true(mqtls_props_decode(p + 2 + 10, n - 12, MQTLS_PKT_CONNECT, &pr) > 0);
    assert_true(pr.present & BIT(MQTLS_PROP_RECEIVE_MAX));
    assert_int_equal(pr.receive_max, 4);          /* inbound_count */
    assert_int_equal(pr.max_packet_size, 512);    /* rx_len */
    assert_int_equal(pr.topic_alias_max, 4);      /* alias_in_count */
    fx_free(f);
}

static void connect_keeps_callers_limits_but_caps_aliases_at_the_table(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t mine;
    memset(&mine, 0, sizeof mine);
    mine.present = BIT(MQTLS_PROP_RECEIVE_MAX) | BIT(MQTLS_PROP_TOPIC_ALIAS_MAX) | BIT(MQTLS_PROP_SESSION_EXPIRY);
    mine.receive_max = 2;
    mine.topic_alias_max = 100;
    mine.session_expiry = 60;
    mqtls_connect_t o = conn5(true, 30);
    o.props = &mine;
    push_connack(f, false, 0, NULL);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    mqtls_props_t pr;
    assert_true(mqtls_props_decode(p + 12, n - 12, MQTLS_PKT_CONNECT, &pr) > 0);
    assert_int_equal(pr.receive_max, 2);
    assert_int_equal(pr.topic_alias_max, 4);
    assert_int_equal(pr.session_expiry, 60);
    assert_int_equal(mqtls_client_server_caps(&f->c)->session_expiry_s, 60);
    fx_free(f);
}

/* no PUBLISH above the maximum QoS, no retained one without retain available
 * [MQTT-3.2.2-11] [MQTT-3.2.2-14] */
static void connack_caps_are_kept_and_enforced(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_RECEIVE_MAX) | BIT(MQTLS_PROP_MAX_QOS) | BIT(MQTLS_PROP_RETAIN_AVAILABLE) |
                 BIT(MQTLS_PROP_MAX_PACKET_SIZE) | BIT(MQTLS_PROP_ASSIGNED_CLIENT_ID) |
                 BIT(MQTLS_PROP_WILDCARD_SUB_AVAILABLE) | BIT(MQTLS_PROP_SUB_ID_AVAILABLE) |
                 BIT(MQTLS_PROP_SHARED_SUB_AVAILABLE);
    pr.receive_max = 7;
    pr.max_qos = 1;
    pr.retain_available = 0;
    pr.max_packet_size = 40;
    pr.assigned_client_id = (mqtls_bytes_t){(const uint8_t *)"auto-42", 7};
    fx_connect(f, true, &pr);
    const mqtls_server_caps_t *k = mqtls_client_server_caps(&f->c);
    assert_int_equal(k->receive_max, 7);
    assert_int_equal(k->max_qos, 1);
    assert_false(k->retain_available);
    assert_int_equal(k->max_packet_size, 40);
    assert_false(k->wildcard_available);
    assert_false(k->sub_id_available);
    assert_false(k->shared_available);
    assert_string_equal(mqtls_client_assigned_id(&f->c), "auto-42");

    assert_int_equal(publish(f, "t", "x", 2), MQTLS_ERR_QOS_NOT_SUPPORTED);
    mqtls_publish_t r = {.topic = "t", .topic_len = 1, .payload = (const uint8_t *)"x", .payload_len = 1,
                         .retain = true};
    assert_int_equal(mqtls_client_publish(&f->c, &r, NULL), MQTLS_ERR_RETAIN_NOT_SUPPORTED);
    assert_int_equal(publish(f, "t", "a payload well beyond forty bytes in total", 1),
                     MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER);
    mqtls_subscription_t wild = {.filter = "a/+", .filter_len = 3};
    assert_int_equal(mqtls_client_subscribe(&f->c, &wild, 1, NULL, NULL, 100), MQTLS_ERR_WILDCARD_NOT_SUPPORTED);
    mqtls_subscription_t shared = {.filter = "$share/g/a", .filter_len = 10};
    assert_int_equal(mqtls_client_subscribe(&f->c, &shared, 1, NULL, NULL, 100), MQTLS_ERR_SHARED_NOT_SUPPORTED);
    mqtls_subscription_t plain = {.filter = "a", .filter_len = 1};
    mqtls_props_t sid;
    memset(&sid, 0, sizeof sid);
    sid.present = BIT(MQTLS_PROP_SUBSCRIPTION_ID);
    sid.subscription_id = 5;
    const mqtls_subscribe_opts_t with_sid = {.props = &sid};
    assert_int_equal(mqtls_client_subscribe(&f->c, &plain, 1, &with_sid, NULL, 100),
                     MQTLS_ERR_SUBSCRIPTION_ID_NOT_SUPPORTED);
    expect_nothing_sent(f);
    assert_true(mqtls_client_is_connected(&f->c));
    /* within the limits it still works */
    assert_int_equal(publish(f, "t", "ok", 1), MQTLS_OK);
    expect_publish(f, "t", 0, false);
    fx_free(f);
}

/* at most receive-maximum QoS>0 PUBLISHes unacknowledged; QoS 0 not counted
 * [MQTT-3.3.4-7] [MQTT-4.9.0-2] */
static void receive_maximum_bounds_messages_in_flight(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_RECEIVE_MAX);
    pr.receive_max = 2;
    fx_connect(f, true, &pr);
    assert_int_equal(publish(f, "t", "1", 1), MQTLS_OK);
    assert_int_equal(publish(f, "t", "2", 2), MQTLS_OK);
    assert_int_equal(publish(f, "t", "3", 1), MQTLS_ERR_INFLIGHT_FULL); /* 8 records, but the broker takes 2 */
    assert_int_equal(publish(f, "t", "0", 0), MQTLS_OK);                /* QoS 0 is not counted */
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(publish(f, "t", "3", 1), MQTLS_OK);
    assert_int_equal(publish(f, "t", "4", 1), MQTLS_ERR_INFLIGHT_FULL);
    /* the quota comes back at PUBCOMP, not at a successful PUBREC (4.9) [MQTT-4.9.0-2] */
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 2);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(publish(f, "t", "4", 1), MQTLS_ERR_INFLIGHT_FULL);
    script_push_ack(&f->s, MQTLS_PKT_PUBCOMP, 2);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(publish(f, "t", "4", 1), MQTLS_OK);
    fx_free(f);
}

/* the server keep alive replaces ours, and PINGREQ follows it [MQTT-3.2.2-21] [MQTT-3.1.2-20] */
static void server_keep_alive_replaces_ours(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_SERVER_KEEP_ALIVE);
    pr.server_keep_alive = 5;
    mqtls_connect_t o = conn5(true, 600);
    push_connack(f, false, 0, &pr);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    script_drain(&f->s);
    assert_int_equal(mqtls_client_server_caps(&f->c)->keepalive_s, 5);
    uint32_t t0 = f->s.clock;
    f->s.auto_pingresp = true;
    assert_int_equal(mqtls_client_loop(&f->c, 4000), MQTLS_OK);
    expect_nothing_sent(f);
    assert_int_equal(mqtls_client_loop(&f->c, 2000), MQTLS_OK);
    mqtls_packet_t pk;
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PINGREQ);
    (void)pk;
    assert_true(f->s.clock - t0 <= 6000);
    fx_free(f);
}

static void refusal_keeps_reason_string_and_server_reference(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_REASON_STRING);
    pr.reason_string = (mqtls_bytes_t){(const uint8_t *)"no ACL for dev1", 15};
    mqtls_connect_t o = conn5(true, 0);
    push_connack(f, false, 0x87, &pr);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_REFUSED_NOT_AUTHORIZED);
    const char *why = NULL, *ref = NULL;
    assert_int_equal(mqtls_client_reason(&f->c, &why, &ref), 0x87);
    assert_string_equal(why, "no ACL for dev1");
    assert_string_equal(ref, "");
    assert_false(mqtls_client_is_connected(&f->c));

    script_free(&f->s);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_SERVER_REFERENCE);
    pr.server_reference = (mqtls_bytes_t){(const uint8_t *)"other.example:1883", 18};
    push_connack(f, false, 0x9D, &pr); /* server moved */
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_REFUSED_V5);
    assert_int_equal(mqtls_client_reason(&f->c, &why, &ref), 0x9D);
    assert_string_equal(why, "");
    assert_string_equal(ref, "other.example:1883");
    fx_free(f);
}

static void session_not_present_discards_our_session(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, NULL);
    assert_int_equal(publish(f, "t", "lost", 1), MQTLS_OK);
    script_free(&f->s);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
    mqtls_connect_t o = conn5(false, 0);
    push_connack(f, false, 0, NULL); /* the broker has no session [MQTT-3.2.2-5] */
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_nothing_sent(f);
    fx_free(f);
}

/* ---- resend after reconnect under the new CONNACK's limits ------------------------ */

/* The connection dropped; connect again (no clean start) to a broker that
 * kept the session and answers with CONNACK properties pr. The CONNECT is
 * consumed. */
static void fx_reconnect(fx_t *f, const mqtls_props_t *pr)
{
    mqtls_client_abort(&f->c);
    script_free(&f->s);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
    mqtls_connect_t o = conn5(false, 0);
    push_connack(f, true, 0, pr);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
}

/* Next packet sent is the resent PUBLISH `id` (DUP set). */
static void expect_resent(fx_t *f, uint16_t id)
{
    mqtls_packet_t pk;
    next_packet(f, MQTLS_PKT_PUBLISH, &pk);
    assert_int_equal(pk.u.publish.packet_id, id);
    assert_true(pk.u.publish.dup);
}

static void expect_ack_sent(fx_t *f, uint8_t type, uint16_t id)
{
    mqtls_packet_t pk;
    next_packet(f, type, &pk);
    assert_int_equal(pk.u.ack.packet_id, id);
}

static void resend_after_reconnect_honours_the_new_receive_maximum(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, NULL);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(publish(f, "t", "m", 1), MQTLS_OK); /* ids 1..4, none acknowledged */
    }
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_RECEIVE_MAX);
    pr.receive_max = 2; /* the broker now takes 2 [MQTT-4.9.0-2] */
    fx_reconnect(f, &pr);
    expect_resent(f, 1);
    expect_resent(f, 2);
    expect_nothing_sent(f); /* 3 and 4 wait for acknowledgements */
    assert_int_equal(mqtls_client_outstanding(&f->c), 4);
    assert_int_equal(publish(f, "t", "new", 1), MQTLS_ERR_INFLIGHT_FULL);
    mqtls_subscription_t s = {.filter = "a", .filter_len = 1};
    uint8_t b[16];
    const uint8_t granted[1] = {0};
    int32_t n = mqtls_encode_suback5(b, sizeof b, MQTLS_PKT_SUBACK, 5, granted, 1, NULL);
    script_push(&f->s, b, (size_t)n);
    assert_int_equal(mqtls_client_subscribe(&f->c, &s, 1, NULL, NULL, 100), MQTLS_OK); /* not blocked by them */
    const uint8_t *p;
    size_t len;
    assert_int_equal(script_next(&f->s, &p, &len), MQTLS_PKT_SUBSCRIBE);
    expect_nothing_sent(f);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_resent(f, 3); /* released in the original order as acks arrive */
    expect_nothing_sent(f);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 2);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_resent(f, 4);
    expect_nothing_sent(f);
    assert_int_equal(publish(f, "t", "new", 1), MQTLS_ERR_INFLIGHT_FULL);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 3);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_nothing_sent(f);
    assert_int_equal(publish(f, "t", "new", 1), MQTLS_OK);
    expect_publish(f, "t", 0, false);
    fx_free(f);
}

static void pubrel_counts_against_receive_maximum_but_is_never_held(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, NULL);
    assert_int_equal(publish(f, "t", "a", 1), MQTLS_OK); /* id 1: no PUBACK */
    assert_int_equal(publish(f, "t", "b", 2), MQTLS_OK); /* id 2: PUBREC, no PUBCOMP */
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 2);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_RECEIVE_MAX);
    pr.receive_max = 1;
    fx_reconnect(f, &pr);
    /* Message 2 is unacknowledged until PUBCOMP: it fills the quota, so 1
     * waits; its PUBREL is no PUBLISH and goes at once (else: deadlock). */
    expect_ack_sent(f, MQTLS_PKT_PUBREL, 2);
    expect_nothing_sent(f);
    script_push_ack(&f->s, MQTLS_PKT_PUBCOMP, 2);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_resent(f, 1);
    expect_nothing_sent(f);
    fx_free(f);
}

/*
 * Issue 13, on 5.0: a resend held back by the receive maximum and then cut
 * by a lost connection. The next connect sends only CONNECT before the
 * CONNACK, then each record once, in the original order.
 */
static void resend_cut_short_resumes_once_in_order_after_connack(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, NULL);
    assert_int_equal(publish(f, "t", "a", 2), MQTLS_OK); /* id 1: PUBREC below */
    assert_int_equal(publish(f, "t", "b", 1), MQTLS_OK); /* id 2 */
    assert_int_equal(publish(f, "t", "c", 2), MQTLS_OK); /* id 3 */
    assert_int_equal(publish(f, "t", "d", 1), MQTLS_OK); /* id 4 */
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_RECEIVE_MAX);
    pr.receive_max = 2;
    fx_reconnect(f, &pr);
    expect_ack_sent(f, MQTLS_PKT_PUBREL, 1);
    expect_resent(f, 2);
    expect_nothing_sent(f); /* 3 and 4 held for the quota */
    f->s.recv_error = MQTLS_ERR_CLOSED;
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_CLOSED);

    /* A broker that never answers: the CONNECT and nothing else. */
    script_free(&f->s);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
    mqtls_connect_t o = conn5(false, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 100), MQTLS_ERR_TIMEOUT);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_nothing_sent(f);

    fx_reconnect(f, NULL);
    expect_ack_sent(f, MQTLS_PKT_PUBREL, 1);
    expect_resent(f, 2);
    expect_resent(f, 3);
    expect_resent(f, 4);
    expect_nothing_sent(f);
    assert_int_equal(mqtls_client_outstanding(&f->c), 4);
    fx_free(f);
}

/* A PUBREC for an id we have no record of (the broker kept QoS 2 messages
 * of an earlier run): PUBREL 0x92 "packet identifier not found", so the
 * broker stops counting it against its quota (issue 13). */
static void unknown_pubrec_gets_pubrel_0x92(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, NULL);
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 300);
    assert_int_equal(publish(f, "t", "a", 1), MQTLS_OK); /* id 1, QoS 1 */
    expect_publish(f, "t", 0, false);
    script_push_ack(&f->s, MQTLS_PKT_PUBREC, 1); /* a QoS 2 answer to our QoS 1 id: not ours either */
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    mqtls_packet_t pk;
    next_packet(f, MQTLS_PKT_PUBREL, &pk);
    assert_int_equal(pk.u.ack.packet_id, 300);
    assert_int_equal(pk.reason_code, 0x92);
    next_packet(f, MQTLS_PKT_PUBREL, &pk);
    assert_int_equal(pk.u.ack.packet_id, 1);
    assert_int_equal(pk.reason_code, 0x92);
    assert_true(mqtls_client_in_flight(&f->c, 1)); /* still waiting for its PUBACK */
    expect_nothing_sent(f);
    fx_free(f);
}

/* Session present 0 on 5.0: the broker has no session, so ours goes too,
 * from RAM and from the store [MQTT-3.2.2-5]. */
static void session_present_0_clears_the_store(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, NULL);
    assert_int_equal(publish(f, "t", "a", 1), MQTLS_OK);
    push_publish(f, "in", 0, "q2", 2, 7);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(mqtls_memstore_count(&f->ms), 2);
    mqtls_client_abort(&f->c);
    script_free(&f->s);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
    mqtls_connect_t o = conn5(false, 0);
    push_connack(f, false, 0, NULL);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    assert_int_equal(mqtls_memstore_count(&f->ms), 0);
    fx_free(f);
}

static void resend_drops_what_the_new_broker_no_longer_allows(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, false, NULL);
    assert_int_equal(publish(f, "t", "q2", 2), MQTLS_OK); /* id 1 */
    mqtls_publish_t r = {.topic = "t", .topic_len = 1, .payload = (const uint8_t *)"r", .payload_len = 1,
                         .qos = 1, .retain = true};
    assert_int_equal(mqtls_client_publish(&f->c, &r, NULL), MQTLS_OK); /* id 2 */
    assert_int_equal(publish(f, "t", "ok", 1), MQTLS_OK);             /* id 3 */
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_MAX_QOS) | BIT(MQTLS_PROP_RETAIN_AVAILABLE);
    pr.max_qos = 1;
    pr.retain_available = 0;
    fx_reconnect(f, &pr);
    expect_resent(f, 3); /* [MQTT-3.2.2-11], [MQTT-3.2.2-14] */
    expect_nothing_sent(f);
    assert_int_equal(mqtls_client_outstanding(&f->c), 1);
    uint8_t b[64];
    assert_int_equal(f->store.get(f->store.ctx, 1, b, sizeof b), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(f->store.get(f->store.ctx, 2, b, sizeof b), MQTLS_ERR_INVALID_ARG);
    /* reported by loop, non-fatal (the last drop's reason) */
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_RETAIN_NOT_SUPPORTED);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    fx_free(f);
}

/* ---- our own limits: announce only what we can hold --------------------------------- */

static void callers_receive_maximum_is_capped_at_inbound_storage(void **state)
{
    (void)state;
    fx_t *f = fx_new(); /* 4 inbound ids */
    mqtls_props_t mine;
    memset(&mine, 0, sizeof mine);
    mine.present = BIT(MQTLS_PROP_RECEIVE_MAX);
    mine.receive_max = 100;
    mqtls_connect_t o = conn5(true, 0);
    o.props = &mine;
    push_connack(f, false, 0, NULL);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    mqtls_props_t pr;
    assert_true(mqtls_props_decode(p + 12, n - 12, MQTLS_PKT_CONNECT, &pr) > 0);
    assert_int_equal(pr.receive_max, 4);
    /* the broker may use all 4: no complaint */
    for (uint16_t id = 1; id <= 4; id++) {
        push_publish(f, "t", 0, "x", 2, id);
    }
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->nseen, 4);
    fx_free(f);
}

static void qos2_without_inbound_storage_is_our_limit(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->cfg.inbound_ids = NULL;
    f->cfg.inbound_count = 0;
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    fx_connect(f, true, NULL);
    push_publish(f, "t", 0, "x", 2, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_INBOUND_FULL);
    assert_false(mqtls_client_is_connected(&f->c));
    expect_disconnect(f, 0x83); /* not 0x93: the broker broke no rule */
    assert_int_equal(f->nseen, 0);
    fx_free(f);
}

static void stored_copy_too_large_for_the_server_is_refused_up_front(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t caps = alias_caps(10);
    caps.present |= BIT(MQTLS_PROP_MAX_PACKET_SIZE);
    caps.max_packet_size = 25;
    fx_connect(f, true, &caps);
    assert_int_equal(publish(f, "t/abcdefghijklmn", "", 0), MQTLS_OK); /* 24 bytes, sets alias 1 */
    expect_publish(f, "t/abcdefghijklmn", 1, false);
    /* With the alias the wire copy is 20 bytes, but the stored copy (full
     * topic, resent after a reconnect) is 33: refused now, not lost later. */
    assert_int_equal(publish(f, "t/abcdefghijklmn", "0123456789", 1), MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    expect_nothing_sent(f);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(publish(f, "t/abcdefghijklmn", "0123456789", 0), MQTLS_OK); /* QoS 0: never stored */
    expect_publish(f, "", 1, false);
    fx_free(f);
}

/* ---- topic aliases ---------------------------------------------------------------- */

static void outbound_alias_is_assigned_then_reused(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t caps = alias_caps(10);
    fx_connect(f, true, &caps);
    assert_int_equal(publish(f, "dev/temp", "1", 0), MQTLS_OK);
    assert_int_equal(publish(f, "dev/temp", "2", 0), MQTLS_OK);
    assert_int_equal(publish(f, "dev/temp", "3", 1), MQTLS_OK);
    expect_publish(f, "dev/temp", 1, false); /* sets alias 1 */
    expect_publish(f, "", 1, false);         /* uses it: empty topic, alias 1 (never 0) [MQTT-3.3.2-8] */
    expect_publish(f, "", 1, false);
    fx_free(f);
}

static void outbound_alias_replaces_least_recently_used(void **state)
{
    (void)state;
    fx_t *f = fx_new(); /* two outbound slots */
    mqtls_props_t caps = alias_caps(10);
    fx_connect(f, true, &caps);
    assert_int_equal(publish(f, "a", "", 0), MQTLS_OK);
    assert_int_equal(publish(f, "b", "", 0), MQTLS_OK);
    assert_int_equal(publish(f, "a", "", 0), MQTLS_OK); /* b is now the least recently used */
    assert_int_equal(publish(f, "c", "", 0), MQTLS_OK); /* takes b's alias */
    assert_int_equal(publish(f, "b", "", 0), MQTLS_OK); /* takes a's alias (a older than c) */
    assert_int_equal(publish(f, "c", "", 0), MQTLS_OK);
    expect_publish(f, "a", 1, false);
    expect_publish(f, "b", 2, false);
    expect_publish(f, "", 1, false);
    expect_publish(f, "c", 2, false);
    expect_publish(f, "b", 1, false);
    expect_publish(f, "", 2, false);
    fx_free(f);
}

/* no alias without a broker maximum, none above it [MQTT-3.2.2-18] [MQTT-3.2.2-17] */
static void outbound_aliases_respect_the_brokers_maximum(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL); /* no topic alias maximum: 0, none allowed [MQTT-3.2.2-18] */
    assert_int_equal(publish(f, "a", "", 0), MQTLS_OK);
    assert_int_equal(publish(f, "a", "", 0), MQTLS_OK);
    expect_publish(f, "a", 0, false);
    expect_publish(f, "a", 0, false);
    fx_free(f);

    f = fx_new();
    mqtls_props_t caps = alias_caps(1); /* one alias although we have two slots */
    fx_connect(f, true, &caps);
    assert_int_equal(publish(f, "a", "", 0), MQTLS_OK);
    assert_int_equal(publish(f, "b", "", 0), MQTLS_OK);
    assert_int_equal(publish(f, "a", "", 0), MQTLS_OK);
    expect_publish(f, "a", 1, false);
    expect_publish(f, "b", 1, false);
    expect_publish(f, "a", 1, false);
    /* a topic longer than a slot goes without an alias */
    assert_int_equal(publish(f, "a/topic/longer/than/16", "", 0), MQTLS_OK);
    expect_publish(f, "a/topic/longer/than/16", 0, false);
    fx_free(f);
}

/* the resend on a session-present reconnect has DUP 1 [MQTT-4.4.0-1] [MQTT-3.3.1-1] */
static void resend_after_reconnect_uses_the_full_topic(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t caps = alias_caps(10);
    fx_connect(f, false, &caps);
    assert_int_equal(publish(f, "t/a", "1", 1), MQTLS_OK);
    assert_int_equal(publish(f, "t/a", "2", 2), MQTLS_OK);
    expect_publish(f, "t/a", 1, false);
    expect_publish(f, "", 1, false);
    /* connection lost before any ack; the new connection has no aliases */
    script_free(&f->s);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
    mqtls_connect_t o = conn5(false, 0);
    push_connack(f, true, 0, &caps);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_publish(f, "t/a", 0, true);
    expect_publish(f, "t/a", 0, true);
    /* and a new message sets the alias again on this connection */
    assert_int_equal(publish(f, "t/a", "3", 0), MQTLS_OK);
    expect_publish(f, "t/a", 1, false);
    fx_free(f);
}

static void inbound_alias_is_resolved(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    push_publish(f, "x/y", 3, "one", 0, 0);
    push_publish(f, "", 3, "two", 1, 7);
    push_publish(f, "z", 3, "three", 0, 0); /* the broker may change an alias */
    push_publish(f, "", 3, "four", 0, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->nseen, 4);
    assert_string_equal(f->seen[0].text, "x/y one");
    assert_string_equal(f->seen[1].text, "x/y two");
    assert_string_equal(f->seen[2].text, "z three");
    assert_string_equal(f->seen[3].text, "z four");
    mqtls_packet_t pk;
    next_packet(f, MQTLS_PKT_PUBACK, &pk);
    assert_int_equal(pk.u.ack.packet_id, 7);
    fx_free(f);
}

/* an alias above our maximum is refused, DISCONNECT 0x94 and closed
 * [MQTT-3.1.2-26] [MQTT-4.13.2-1] */
static void unknown_inbound_alias_is_a_protocol_error(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    push_publish(f, "", 2, "who?", 0, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_TOPIC_ALIAS_INVALID);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->nseen, 0);
    expect_disconnect(f, 0x94);
    fx_free(f);

    f = fx_new();
    fx_connect(f, true, NULL);
    push_publish(f, "t", 5, "above our maximum of 4", 0, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_TOPIC_ALIAS_INVALID);
    expect_disconnect(f, 0x94);
    fx_free(f);
}

static void inbound_alias_for_a_topic_too_long_for_its_slot(void **state)
{
    (void)state;
    fx_t *f = fx_new(); /* inbound slots hold 16-byte topics */
    fx_connect(f, true, NULL);
    push_publish(f, "a/topic/longer/than/16", 1, "one", 0, 0); /* valid: delivered */
    push_publish(f, "", 1, "two", 0, 0);                       /* valid, but we could not keep the topic */
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_TOPIC_ALIAS_TOO_LONG);
    assert_false(mqtls_client_is_connected(&f->c));
    assert_int_equal(f->nseen, 1);
    assert_string_equal(f->seen[0].text, "a/topic/longer/than/16 one");
    expect_disconnect(f, 0x83); /* our limit: not 0x94, the broker's alias was fine */
    fx_free(f);
}

/* ---- packet sizes, reason codes, DISCONNECT -------------------------------------- */

static void packet_larger_than_announced_is_refused(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    char big[600];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    push_publish(f, "t", 0, big, 0, 0); /* > the 512 we announced */
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_RX_PACKET_TOO_LARGE);
    assert_int_equal(f->nseen, 0);
    expect_disconnect(f, 0x95);
    fx_free(f);
}

static void oversized_message_is_skipped_but_its_alias_kept(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t mine;
    memset(&mine, 0, sizeof mine);
    mine.present = BIT(MQTLS_PROP_MAX_PACKET_SIZE);
    mine.max_packet_size = 4096; /* more than rx_len: the skip path, as in 3.1.1 */
    mqtls_connect_t o = conn5(true, 0);
    o.props = &mine;
    push_connack(f, false, 0, NULL);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    script_drain(&f->s);
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    push_publish(f, "big/t", 2, big, 1, 5);
    push_publish(f, "", 2, "small", 0, 0);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_MESSAGE_TOO_LARGE);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    assert_int_equal(f->nseen, 1);
    assert_string_equal(f->seen[0].text, "big/t small");
    mqtls_packet_t pk;
    next_packet(f, MQTLS_PKT_PUBACK, &pk);
    assert_int_equal(pk.u.ack.packet_id, 5);
    fx_free(f);
}

static void refused_publish_is_reported_and_released(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    assert_int_equal(publish(f, "t", "1", 1), MQTLS_OK);
    assert_int_equal(publish(f, "t", "2", 2), MQTLS_OK);
    uint8_t b[16];
    int32_t n = mqtls_encode_ack5(b, sizeof b, MQTLS_PKT_PUBACK, 1, 0x87, NULL);
    script_push(&f->s, b, (size_t)n);
    n = mqtls_encode_ack5(b, sizeof b, MQTLS_PKT_PUBREC, 2, 0x97, NULL);
    script_push(&f->s, b, (size_t)n);
    /* one report per loop, the last refusal's: 0x97 has its own name (issue 13) */
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_QUOTA_EXCEEDED);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    script_drain(&f->s);
    assert_int_equal(publish(f, "t", "3", 1), MQTLS_OK); /* id 3 */
    n = mqtls_encode_ack5(b, sizeof b, MQTLS_PKT_PUBACK, 3, 0x87, NULL);
    script_push(&f->s, b, (size_t)n);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_PUBLISH_REFUSED);
    script_drain(&f->s);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_OK);
    expect_nothing_sent(f); /* no PUBREL after a refused PUBREC [MQTT-4.3.3-4] */
    fx_free(f);
}

static void suback_and_unsuback_reason_codes_are_exposed(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    mqtls_subscription_t subs[2] = {{.filter = "a", .filter_len = 1, .qos = 1, .no_local = true,
                                     .retain_as_published = true, .retain_handling = 2},
                                    {.filter = "b", .filter_len = 1, .qos = 2}};
    uint8_t b[64];
    const uint8_t codes[2] = {1, 0x87};
    int32_t n = mqtls_encode_suback5(b, sizeof b, MQTLS_PKT_SUBACK, 1, codes, 2, NULL);
    script_push(&f->s, b, (size_t)n);
    uint8_t got[2] = {9, 9};
    assert_int_equal(mqtls_client_subscribe(&f->c, subs, 2, NULL, got, 1000), MQTLS_ERR_SUBSCRIBE_REFUSED);
    assert_int_equal(got[0], 1);
    assert_int_equal(got[1], 0x87);
    /* the options byte of "a": QoS 1 | no local 0x04 | RAP 0x08 | retain handling 2 << 4 */
    const uint8_t *p;
    size_t len;
    assert_int_equal(script_next(&f->s, &p, &len), MQTLS_PKT_SUBSCRIBE);
    assert_int_equal(p[2 + 2 + 1 + 3], 0x01 | 0x04 | 0x08 | 0x20);

    const uint8_t ucodes[2] = {0x00, 0x11};
    n = mqtls_encode_suback5(b, sizeof b, MQTLS_PKT_UNSUBACK, 2, ucodes, 2, NULL);
    script_push(&f->s, b, (size_t)n);
    assert_int_equal(mqtls_client_unsubscribe(&f->c, subs, 2, NULL, got, 1000), MQTLS_OK);
    assert_int_equal(got[1], 0x11); /* "no subscription existed" is not a failure */
    const uint8_t bad[1] = {0x87};
    n = mqtls_encode_suback5(b, sizeof b, MQTLS_PKT_UNSUBACK, 3, bad, 1, NULL);
    script_push(&f->s, b, (size_t)n);
    assert_int_equal(mqtls_client_unsubscribe(&f->c, subs, 1, NULL, got, 1000), MQTLS_ERR_UNSUBSCRIBE_REFUSED);
    assert_true(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

/* Send subs[0] with props through subscribe (unsubscribe), answer with code 0,
 * and check the packet is the codec's SUBSCRIBE (UNSUBSCRIBE) with those
 * props: the property block follows the packet id. */
static void expect_sub_with_props(fx_t *f, uint8_t type, uint16_t id, const mqtls_subscription_t *sub,
                                  const mqtls_props_t *pr, int32_t rc)
{
    uint8_t want[64];
    int32_t n = type == MQTLS_PKT_SUBSCRIBE ? mqtls_encode_subscribe5(want, sizeof want, id, sub, 1, pr)
                                            : mqtls_encode_unsubscribe5(want, sizeof want, id, sub, 1, pr);
    assert_true(n > 0);
    assert_int_equal(rc, MQTLS_OK);
    const uint8_t *p;
    size_t len;
    assert_int_equal(script_next(&f->s, &p, &len), type);
    assert_int_equal(len, (size_t)n);
    assert_memory_equal(p, want, len);
}

static mqtls_props_t sub_id_props(uint32_t id)
{
    const mqtls_props_t pr = {.present = BIT(MQTLS_PROP_SUBSCRIPTION_ID), .subscription_id = id};
    return pr;
}

static void push_sub_ack(fx_t *f, uint8_t type, uint16_t id)
{
    uint8_t b[16];
    const uint8_t ok[1] = {0};
    int32_t n = mqtls_encode_suback5(b, sizeof b, type, id, ok, 1, NULL);
    script_push(&f->s, b, (size_t)n);
}

static void subscribe_opts_carry_the_packets_properties(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    mqtls_subscription_t sub = {.filter = "a/#", .filter_len = 3, .qos = 1};
    const mqtls_props_t sid = sub_id_props(7);
    const mqtls_subscribe_opts_t opts = {.props = &sid};
    push_sub_ack(f, MQTLS_PKT_SUBACK, 1);
    int32_t rc = mqtls_client_subscribe(&f->c, &sub, 1, &opts, NULL, 1000);
    expect_sub_with_props(f, MQTLS_PKT_SUBSCRIBE, 1, &sub, &sid, rc);

    const mqtls_user_prop_t up = {{(const uint8_t *)"k", 1}, {(const uint8_t *)"v", 1}};
    mqtls_props_t user;
    memset(&user, 0, sizeof user);
    user.user = &up;
    user.user_n = 1;
    const mqtls_subscribe_opts_t uopts = {.props = &user};
    push_sub_ack(f, MQTLS_PKT_UNSUBACK, 2);
    rc = mqtls_client_unsubscribe(&f->c, &sub, 1, &uopts, NULL, 1000);
    expect_sub_with_props(f, MQTLS_PKT_UNSUBSCRIBE, 2, &sub, &user, rc);

    /* opts with no props is opts NULL: an empty property block */
    const mqtls_subscribe_opts_t none = {0};
    push_sub_ack(f, MQTLS_PKT_SUBACK, 3);
    rc = mqtls_client_subscribe(&f->c, &sub, 1, &none, NULL, 1000);
    expect_sub_with_props(f, MQTLS_PKT_SUBSCRIBE, 3, &sub, NULL, rc);
    fx_free(f);
}

/* The *5 names of 0.2 stay for one release (deprecated): they must still
 * send what the calls that replaced them send. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static void deprecated_5_calls_still_work(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    mqtls_subscription_t sub = {.filter = "b", .filter_len = 1, .qos = 2};
    const mqtls_props_t sid = sub_id_props(300);
    uint8_t code = 0xEE;
    push_sub_ack(f, MQTLS_PKT_SUBACK, 1);
    int32_t rc = mqtls_client_subscribe5(&f->c, &sub, 1, &sid, &code, 1000);
    expect_sub_with_props(f, MQTLS_PKT_SUBSCRIBE, 1, &sub, &sid, rc);
    assert_int_equal(code, 0);
    push_sub_ack(f, MQTLS_PKT_UNSUBACK, 2);
    rc = mqtls_client_unsubscribe5(&f->c, &sub, 1, NULL, NULL, 1000);
    expect_sub_with_props(f, MQTLS_PKT_UNSUBSCRIBE, 2, &sub, NULL, rc);
    assert_int_equal(mqtls_client_disconnect5(&f->c, 0x04, NULL), MQTLS_OK);
    mqtls_packet_t pk;
    next_packet(f, MQTLS_PKT_DISCONNECT, &pk);
    assert_int_equal(pk.reason_code, 0x04);
    fx_free(f);
}
#pragma GCC diagnostic pop

static void server_disconnect_is_reported_with_its_reason(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_REASON_STRING);
    pr.reason_string = (mqtls_bytes_t){(const uint8_t *)"another dev1 connected", 22};
    uint8_t b[64];
    int32_t n = mqtls_encode_disconnect5(b, sizeof b, 0x8E, &pr);
    script_push(&f->s, b, (size_t)n);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_SERVER_DISCONNECT);
    assert_false(mqtls_client_is_connected(&f->c));
    const char *why = NULL;
    assert_int_equal(mqtls_client_reason(&f->c, &why, NULL), 0x8E);
    assert_string_equal(why, "another dev1 connected");
    assert_int_equal(f->s.closes, 1);
    fx_free(f);
}

static void disconnect_before_a_failed_send_is_reported(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    uint8_t b[8];
    int32_t n = mqtls_encode_disconnect5(b, sizeof b, 0x93, NULL);
    script_push(&f->s, b, (size_t)n); /* the broker said why, then closed */
    f->s.send_error = MQTLS_ERR_SEND;
    assert_int_equal(publish(f, "t", "x", 1), MQTLS_ERR_SERVER_DISCONNECT);
    assert_int_equal(mqtls_client_reason(&f->c, NULL, NULL), 0x93);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void long_reason_string_is_cut_on_a_character_boundary(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    char why[100];
    size_t k = 0;
    while (k + 2 <= 98) { /* "é" is two bytes: the cut must not split one */
        why[k++] = (char)0xC3;
        why[k++] = (char)0xA9;
    }
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_REASON_STRING);
    pr.reason_string = (mqtls_bytes_t){(const uint8_t *)why, k};
    uint8_t b[160];
    int32_t n = mqtls_encode_disconnect5(b, sizeof b, 0x8B, &pr);
    script_push(&f->s, b, (size_t)n);
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_SERVER_DISCONNECT);
    const char *got = NULL;
    mqtls_client_reason(&f->c, &got, NULL);
    assert_true(strlen(got) <= MQTLS_CONFIG_V5_STRING_MAX - 1);
    assert_int_equal(strlen(got) % 2, 0);
    fx_free(f);
}

static void disconnect_with_reason_and_session_expiry(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t se;
    memset(&se, 0, sizeof se);
    se.present = BIT(MQTLS_PROP_SESSION_EXPIRY);
    se.session_expiry = 10;
    mqtls_connect_t o = conn5(true, 0);
    o.props = &se;
    push_connack(f, false, 0, NULL);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    script_drain(&f->s);
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_SESSION_EXPIRY);
    pr.session_expiry = 30;
    const mqtls_disconnect_opts_t opts = {.reason = 0x04, .props = &pr};
    assert_int_equal(mqtls_client_disconnect(&f->c, &opts), MQTLS_OK);
    mqtls_packet_t pk;
    next_packet(f, MQTLS_PKT_DISCONNECT, &pk);
    assert_int_equal(pk.reason_code, 0x04);
    assert_int_equal(pk.props.session_expiry, 30);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

/* ---- AUTH ------------------------------------------------------------------------ */

static mqtls_props_t auth_props(const char *method, const char *data)
{
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_AUTH_METHOD);
    pr.auth_method = (mqtls_bytes_t){(const uint8_t *)method, strlen(method)};
    if (data != NULL) {
        pr.present |= BIT(MQTLS_PROP_AUTH_DATA);
        pr.auth_data = (mqtls_bytes_t){(const uint8_t *)data, strlen(data)};
    }
    return pr;
}

static void push_auth(fx_t *f, uint8_t reason, const char *method, const char *data)
{
    mqtls_props_t pr = auth_props(method, data);
    uint8_t b[128];
    int32_t n = mqtls_encode_auth(b, sizeof b, reason, &pr);
    assert_true(n > 0);
    script_push(&f->s, b, (size_t)n);
}

static void expect_auth(fx_t *f, uint8_t reason, const char *data)
{
    mqtls_packet_t pk;
    next_packet(f, MQTLS_PKT_AUTH, &pk);
    assert_int_equal(pk.reason_code, reason);
    assert_int_equal(pk.props.auth_method.len, 5);
    assert_memory_equal(pk.props.auth_method.data, "SCRAM", 5);
    assert_int_equal(pk.props.auth_data.len, strlen(data));
    assert_memory_equal(pk.props.auth_data.data, data, strlen(data));
}

static void auth_challenge_during_connect_and_reauth(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->auth_answer = "proof";
    mqtls_props_t cp = auth_props("SCRAM", "first");
    mqtls_connect_t o = conn5(true, 0);
    o.props = &cp;
    push_auth(f, 0x18, "SCRAM", "challenge");
    mqtls_props_t ok = auth_props("SCRAM", "server-final");
    push_connack(f, false, 0, &ok);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    assert_int_equal(f->nauth, 2);
    assert_int_equal(f->auth_reason[0], 0x18);
    assert_string_equal(f->auth_data[0], "challenge");
    assert_int_equal(f->auth_reason[1], 0x00); /* the broker's final data, for the app to check */
    assert_string_equal(f->auth_data[1], "server-final");
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    expect_auth(f, 0x18, "proof");

    /* re-authentication started by the application [MQTT-4.12.1] */
    f->auth_answer = "proof2";
    push_auth(f, 0x18, "SCRAM", "challenge2");
    push_auth(f, 0x00, "SCRAM", NULL);
    assert_int_equal(mqtls_client_reauth(&f->c, "SCRAM", 5, (const uint8_t *)"again", 5, 1000), MQTLS_OK);
    expect_auth(f, 0x19, "again");
    expect_auth(f, 0x18, "proof2");
    assert_int_equal(f->nauth, 4);
    assert_true(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void auth_refused_by_the_application_fails_the_connect(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    f->auth_rc = -1;
    mqtls_props_t cp = auth_props("SCRAM", NULL);
    mqtls_connect_t o = conn5(true, 0);
    o.props = &cp;
    push_auth(f, 0x18, "SCRAM", "challenge");
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_AUTH_FAILED);
    assert_false(mqtls_client_is_connected(&f->c));
    fx_free(f);
}

static void unasked_or_foreign_auth_is_a_protocol_error(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL);
    push_auth(f, 0x18, "SCRAM", "?");
    assert_int_equal(mqtls_client_loop(&f->c, 10), MQTLS_ERR_PROTOCOL);
    expect_disconnect(f, 0x82);
    fx_free(f);

    f = fx_new();
    mqtls_props_t cp = auth_props("SCRAM", NULL);
    mqtls_connect_t o = conn5(true, 0);
    o.props = &cp;
    push_auth(f, 0x18, "OTHER", "?");
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_ERR_PROTOCOL);
    fx_free(f);
}

static void reauth_must_use_the_connects_method(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t cp = auth_props("SCRAM", NULL);
    mqtls_connect_t o = conn5(true, 0);
    o.props = &cp;
    mqtls_props_t ok = auth_props("SCRAM", NULL);
    push_connack(f, false, 0, &ok);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    script_drain(&f->s);
    /* [MQTT-4.12.1-1]: another method would be a protocol error (DISCONNECT 0x82) */
    assert_int_equal(mqtls_client_reauth(&f->c, "OTHER", 5, NULL, 0, 100), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_reauth(&f->c, "SCRA", 4, NULL, 0, 100), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_client_reauth(&f->c, "SCRAX", 5, NULL, 0, 100), MQTLS_ERR_INVALID_ARG);
    assert_true(mqtls_client_is_connected(&f->c));
    expect_nothing_sent(f);
    push_auth(f, 0x00, "SCRAM", NULL);
    assert_int_equal(mqtls_client_reauth(&f->c, "SCRAM", 5, (const uint8_t *)"again", 5, 1000), MQTLS_OK);
    expect_auth(f, 0x19, "again");
    fx_free(f);

    /* no method in CONNECT: any AUTH is a protocol error (MQTT 5.0 3.15): refused locally */
    f = fx_new();
    fx_connect(f, true, NULL);
    assert_int_equal(mqtls_client_reauth(&f->c, "SCRAM", 5, NULL, 0, 100), MQTLS_ERR_NOT_SUPPORTED);
    assert_true(mqtls_client_is_connected(&f->c));
    expect_nothing_sent(f);
    fx_free(f);
}

static void v5_calls_on_a_311_connection(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_connect_t o = conn5(true, 0);
    o.protocol_version = MQTLS_PROTO_V311;
    script_push_connack(&f->s, false, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    assert_int_equal(mqtls_client_reauth(&f->c, "SCRAM", 5, NULL, 0, 100), MQTLS_ERR_NOT_SUPPORTED);
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    mqtls_subscription_t s = {.filter = "a", .filter_len = 1};
    const mqtls_subscribe_opts_t opts = {.props = &pr};
    assert_int_equal(mqtls_client_subscribe(&f->c, &s, 1, &opts, NULL, 100), MQTLS_ERR_NOT_SUPPORTED);
    assert_int_equal(mqtls_client_unsubscribe(&f->c, &s, 1, &opts, NULL, 100), MQTLS_ERR_NOT_SUPPORTED);
    /* 3.1.1 never uses aliases, whatever the tables */
    assert_int_equal(publish(f, "a", "", 0), MQTLS_OK);
    assert_int_equal(publish(f, "a", "", 0), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PUBLISH);
    assert_int_equal(n, 5); /* 30 03 00 01 'a' */
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PUBLISH);
    assert_int_equal(n, 5);
    fx_free(f);
}

static void disconnect_cannot_revive_a_session_that_ends(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    fx_connect(f, true, NULL); /* session expiry 0 */
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = BIT(MQTLS_PROP_SESSION_EXPIRY);
    pr.session_expiry = 60;
    const mqtls_disconnect_opts_t opts = {.props = &pr};
    assert_int_equal(mqtls_client_disconnect(&f->c, &opts), MQTLS_ERR_INVALID_ARG);
    assert_true(mqtls_client_is_connected(&f->c));
    expect_nothing_sent(f);
    fx_free(f);
}

/* xorshift32: the same "random" broker every run */
static uint32_t rnd(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static void hostile_bytes_never_crash_the_client(void **state)
{
    (void)state;
    uint32_t x = 0x12345678u;
    for (int round = 0; round < 3000; round++) {
        fx_t *f = fx_new();
        f->auth_answer = "a";
        mqtls_props_t caps = alias_caps(2);
        fx_connect(f, false, &caps);
        (void)publish(f, "t", "p", 1);
        /* a plausible fixed header, then garbage, sometimes a valid packet first */
        uint8_t b[96];
        size_t n = 2 + rnd(&x) % (sizeof b - 2);
        for (size_t i = 0; i < n; i++) {
            b[i] = (uint8_t)rnd(&x);
        }
        b[1] = (uint8_t)((n - 2) & 0x7F);
        if (round % 3 == 0) {
            push_publish(f, "a/b", 1, "x", 2, 9);
        }
        script_push(&f->s, b, n);
        for (int k = 0; k < 3 && mqtls_client_is_connected(&f->c); k++) {
            int32_t rc = mqtls_client_loop(&f->c, 5);
            assert_true(rc <= 0);
        }
        fx_free(f);
    }
}

static void invalid_connect_leaves_the_connection_alone(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_props_t caps = alias_caps(10);
    fx_connect(f, true, &caps);
    mqtls_props_t bad;
    memset(&bad, 0, sizeof bad);
    bad.present = BIT(MQTLS_PROP_RECEIVE_MAX);
    bad.receive_max = 0; /* a receive maximum of 0 is a protocol error: the codec refuses it */
    mqtls_connect_t o = conn5(true, 0);
    o.props = &bad;
    assert_true(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000) < 0);
    assert_true(mqtls_client_is_connected(&f->c));
    assert_int_equal(mqtls_client_server_caps(&f->c)->topic_alias_max, 10);
    expect_nothing_sent(f);
    fx_free(f);
}

static void init_checks_alias_tables(void **state)
{
    (void)state;
    fx_t *f = fx_new();
    mqtls_client_config_t bad = f->cfg;
    bad.alias_in = NULL;
    assert_int_equal(mqtls_client_init(&f->c, &bad), MQTLS_ERR_INVALID_ARG);
    bad = f->cfg;
    bad.alias_out_len = 2 * 6; /* no room for a topic */
    assert_int_equal(mqtls_client_init(&f->c, &bad), MQTLS_ERR_INVALID_ARG);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(accessors_report_version_and_stored_records),
        cmocka_unit_test(connect_announces_what_our_memory_takes),
        cmocka_unit_test(connect_keeps_callers_limits_but_caps_aliases_at_the_table),
        cmocka_unit_test(connack_caps_are_kept_and_enforced),
        cmocka_unit_test(receive_maximum_bounds_messages_in_flight),
        cmocka_unit_test(server_keep_alive_replaces_ours),
        cmocka_unit_test(refusal_keeps_reason_string_and_server_reference),
        cmocka_unit_test(session_not_present_discards_our_session),
        cmocka_unit_test(resend_after_reconnect_honours_the_new_receive_maximum),
        cmocka_unit_test(pubrel_counts_against_receive_maximum_but_is_never_held),
        cmocka_unit_test(resend_drops_what_the_new_broker_no_longer_allows),
        cmocka_unit_test(resend_cut_short_resumes_once_in_order_after_connack),
        cmocka_unit_test(unknown_pubrec_gets_pubrel_0x92),
        cmocka_unit_test(session_present_0_clears_the_store),
        cmocka_unit_test(callers_receive_maximum_is_capped_at_inbound_storage),
        cmocka_unit_test(qos2_without_inbound_storage_is_our_limit),
        cmocka_unit_test(stored_copy_too_large_for_the_server_is_refused_up_front),
        cmocka_unit_test(outbound_alias_is_assigned_then_reused),
        cmocka_unit_test(outbound_alias_replaces_least_recently_used),
        cmocka_unit_test(outbound_aliases_respect_the_brokers_maximum),
        cmocka_unit_test(resend_after_reconnect_uses_the_full_topic),
        cmocka_unit_test(inbound_alias_is_resolved),
        cmocka_unit_test(unknown_inbound_alias_is_a_protocol_error),
        cmocka_unit_test(inbound_alias_for_a_topic_too_long_for_its_slot),
        cmocka_unit_test(packet_larger_than_announced_is_refused),
        cmocka_unit_test(oversized_message_is_skipped_but_its_alias_kept),
        cmocka_unit_test(refused_publish_is_reported_and_released),
        cmocka_unit_test(suback_and_unsuback_reason_codes_are_exposed),
        cmocka_unit_test(subscribe_opts_carry_the_packets_properties),
        cmocka_unit_test(deprecated_5_calls_still_work),
        cmocka_unit_test(server_disconnect_is_reported_with_its_reason),
        cmocka_unit_test(disconnect_before_a_failed_send_is_reported),
        cmocka_unit_test(long_reason_string_is_cut_on_a_character_boundary),
        cmocka_unit_test(disconnect_with_reason_and_session_expiry),
        cmocka_unit_test(auth_challenge_during_connect_and_reauth),
        cmocka_unit_test(auth_refused_by_the_application_fails_the_connect),
        cmocka_unit_test(unasked_or_foreign_auth_is_a_protocol_error),
        cmocka_unit_test(reauth_must_use_the_connects_method),
        cmocka_unit_test(v5_calls_on_a_311_connection),
        cmocka_unit_test(disconnect_cannot_revive_a_session_that_ends),
        cmocka_unit_test(hostile_bytes_never_crash_the_client),
        cmocka_unit_test(invalid_connect_leaves_the_connection_alone),
        cmocka_unit_test(init_checks_alias_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
