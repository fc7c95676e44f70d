/* SPDX-License-Identifier: MIT
 * mqtls tests: the MQTT 3.1.1 encoder and decoder. */
/*
 * Packet vectors are written out byte by byte from the layouts in the OASIS
 * MQTT 3.1.1 specification (chapter 3), not produced by the encoder. Every
 * vector goes through the same mill (expect_encoding): the size query equals
 * the written size, the bytes are exactly the vector, every shorter buffer
 * gives BUFFER_TOO_SMALL without a byte written past its end (a canary
 * behind each heap buffer), and every truncation of the packet, copied into
 * an exactly-sized heap buffer so that AddressSanitizer sees any overread,
 * is refused by the decoder.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/codec.h"
#include "codec_harness.h"

#define V4 MQTLS_PROTO_V311

/* ---- helpers ------------------------------------------------------------ */

/* One call of any encoder, so that one checker can drive them all. */
typedef enum { E_CONNECT, E_PUBLISH, E_SUBSCRIBE, E_UNSUBSCRIBE, E_ACK, E_EMPTY, E_CONNACK, E_SUBACK, E_RL } kind_t;
typedef struct {
    kind_t kind;
    uint8_t version;
    uint8_t type;
    uint16_t id;
    const mqtls_connect_t *connect;
    const mqtls_publish_t *publish;
    const mqtls_subscription_t *subs;
    const uint8_t *codes;
    size_t n;
    bool sp;
    uint8_t rc;
    uint32_t value;
} enc_t;

static int32_t enc(const enc_t *e, uint8_t *buf, size_t len)
{
    switch (e->kind) {
    case E_CONNECT:
        return mqtls_encode_connect(buf, len, e->connect);
    case E_PUBLISH:
        return mqtls_encode_publish(buf, len, e->version, e->publish);
    case E_SUBSCRIBE:
        return mqtls_encode_subscribe(buf, len, e->version, e->id, e->subs, e->n);
    case E_UNSUBSCRIBE:
        return mqtls_encode_unsubscribe(buf, len, e->version, e->id, e->subs, e->n);
    case E_ACK:
        return mqtls_encode_ack(buf, len, e->version, e->type, e->id);
    case E_EMPTY:
        return mqtls_encode_empty(buf, len, e->version, e->type);
    case E_CONNACK:
        return mqtls_encode_connack(buf, len, e->version, e->sp, e->rc);
    case E_SUBACK:
        return mqtls_encode_suback(buf, len, e->version, e->id, e->codes, e->n);
    case E_RL:
        return mqtls_encode_remaining_length(buf, len, e->value);
    }
    return MQTLS_ERR_INTERNAL;
}

#define expect_truncations_refused(pkt, n) expect_truncations_refused_v((pkt), (n), V4)

static int32_t enc_any(const void *call, uint8_t *buf, size_t len)
{
    return enc(call, buf, len);
}

/* The full check of one encoder call against its specification vector. */
static void expect_encoding(const enc_t *e, const uint8_t *want, size_t n)
{
    expect_encoder_output(enc_any, e, want, n);
    if (e->kind != E_RL) {
        expect_truncations_refused(want, n);
    }
}

/* An invalid input is refused by the size query and by the write alike,
 * and the buffer is left untouched. */
static void expect_encode_error(const enc_t *e, int32_t want)
{
    uint8_t b[256];
    expect_rc(enc(e, NULL, 0), want);
    memset(b, CANARY, sizeof b);
    expect_rc(enc(e, b, sizeof b), want);
    expect_canary(b, 0, sizeof b);
}

#define decode_copy(pkt, n, out, want) decode_copy_v((pkt), (n), V4, (out), (want))

static void expect_publish_equal(const mqtls_publish_t *got, const mqtls_publish_t *want)
{
    assert_int_equal(got->topic_len, want->topic_len);
    assert_memory_equal(got->topic, want->topic, want->topic_len);
    assert_int_equal(got->payload_len, want->payload_len);
    if (want->payload_len != 0u) {
        assert_memory_equal(got->payload, want->payload, want->payload_len);
    }
    assert_int_equal(got->qos, want->qos);
    assert_int_equal(got->retain, want->retain);
    assert_int_equal(got->dup, want->dup);
    assert_int_equal(got->packet_id, want->qos != 0u ? want->packet_id : 0u);
}

static const char MQTT[] = "\x00\x04MQTT\x04"; /* protocol name and level, [MQTT-3.1.2-1] */

/* ---- remaining length and fixed header ---------------------------------- */

typedef struct {
    uint32_t value;
    uint8_t bytes[4];
    size_t n;
} rl_vec_t;

/* The boundaries of table 2.4 in the specification. */
static const rl_vec_t RL_VECTORS[] = {
    {0u, {0x00}, 1},
    {127u, {0x7F}, 1},
    {128u, {0x80, 0x01}, 2},
    {16383u, {0xFF, 0x7F}, 2},
    {16384u, {0x80, 0x80, 0x01}, 3},
    {2097151u, {0xFF, 0xFF, 0x7F}, 3},
    {2097152u, {0x80, 0x80, 0x80, 0x01}, 4},
    {268435455u, {0xFF, 0xFF, 0xFF, 0x7F}, 4},
};

static void remaining_length_encodes_every_boundary(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(RL_VECTORS); i++) {
        enc_t e = {.kind = E_RL, .value = RL_VECTORS[i].value};
        expect_encoding(&e, RL_VECTORS[i].bytes, RL_VECTORS[i].n);
    }
}

static void remaining_length_above_maximum_is_too_large(void **state)
{
    (void)state;
    uint8_t b[8];
    expect_rc(mqtls_encode_remaining_length(NULL, 0, 268435456u), MQTLS_ERR_PACKET_TOO_LARGE);
    expect_rc(mqtls_encode_remaining_length(b, sizeof b, 268435456u), MQTLS_ERR_PACKET_TOO_LARGE);
    expect_rc(mqtls_encode_remaining_length(b, sizeof b, UINT32_MAX), MQTLS_ERR_PACKET_TOO_LARGE);
}

static void fixed_header_decodes_every_boundary_and_wants_more_before(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(RL_VECTORS); i++) {
        uint8_t b[5] = {0x3B};
        memcpy(b + 1, RL_VECTORS[i].bytes, RL_VECTORS[i].n);
        mqtls_fixed_header_t h;
        expect_rc(mqtls_decode_fixed_header(b, 1u + RL_VECTORS[i].n, &h), MQTLS_OK);
        assert_int_equal(h.type, MQTLS_PKT_PUBLISH);
        assert_int_equal(h.flags, 0x0B);
        assert_int_equal(h.header_len, 1u + RL_VECTORS[i].n);
        assert_int_equal(h.remaining_length, RL_VECTORS[i].value);
        /* bytes after the header do not matter */
        expect_rc(mqtls_decode_fixed_header(b, sizeof b, &h), MQTLS_OK);
        assert_int_equal(h.remaining_length, RL_VECTORS[i].value);
        for (size_t k = 0; k <= RL_VECTORS[i].n; k++) {
            uint8_t *p = xmalloc(k);
            memcpy(p, b, k);
            expect_rc(mqtls_decode_fixed_header(k != 0u ? p : NULL, k, &h), MQTLS_ERR_WANT_READ);
            free(p);
        }
    }
}

static void fixed_header_rejects_a_fifth_length_byte(void **state)
{
    (void)state;
    static const uint8_t five[] = {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
    static const uint8_t zeros[] = {0x30, 0x80, 0x80, 0x80, 0x80, 0x00};
    mqtls_fixed_header_t h;
    expect_rc(mqtls_decode_fixed_header(five, sizeof five, &h), MQTLS_ERR_MALFORMED_REMAINING_LENGTH);
    expect_rc(mqtls_decode_fixed_header(zeros, sizeof zeros, &h), MQTLS_ERR_MALFORMED_REMAINING_LENGTH);
    /* Known as soon as the fourth length byte says "more". */
    expect_rc(mqtls_decode_fixed_header(five, 5, &h), MQTLS_ERR_MALFORMED_REMAINING_LENGTH);
    expect_rc(mqtls_decode_fixed_header(five, 4, &h), MQTLS_ERR_WANT_READ);
    mqtls_packet_t out;
    expect_rc(mqtls_decode_packet(five, sizeof five, V4, &out), MQTLS_ERR_MALFORMED_REMAINING_LENGTH);
}

static void fixed_header_accepts_a_non_minimal_length(void **state)
{
    (void)state;
    /* 3.1.1 does not require the shortest varint (5.0 does, [MQTT-1.5.5-1]). */
    static const uint8_t b[] = {0xD0, 0x80, 0x00};
    mqtls_fixed_header_t h;
    expect_rc(mqtls_decode_fixed_header(b, sizeof b, &h), MQTLS_OK);
    assert_int_equal(h.header_len, 3);
    assert_int_equal(h.remaining_length, 0);
    mqtls_packet_t out;
    expect_rc(mqtls_decode_packet(b, sizeof b, V4, &out), MQTLS_OK);
    assert_int_equal(out.type, MQTLS_PKT_PINGRESP);
}

static void fixed_header_rejects_type_0_and_passes_type_15_to_the_packet_decoder(void **state)
{
    (void)state;
    static const uint8_t t0[] = {0x00, 0x00};
    static const uint8_t t15[] = {0xF0, 0x00};
    mqtls_fixed_header_t h;
    expect_rc(mqtls_decode_fixed_header(t0, 2, &h), MQTLS_ERR_BAD_PACKET_TYPE);
    expect_rc(mqtls_decode_fixed_header(t0, 1, &h), MQTLS_ERR_BAD_PACKET_TYPE); /* known from byte 0 */
    expect_rc(mqtls_decode_fixed_header(t15, 2, &h), MQTLS_OK);                /* AUTH framing (5.0) */
    assert_int_equal(h.type, 15);
    mqtls_packet_t out;
    expect_rc(mqtls_decode_packet(t15, 2, V4, &out), MQTLS_ERR_BAD_PACKET_TYPE);
    expect_rc(mqtls_decode_packet(t0, 2, V4, &out), MQTLS_ERR_BAD_PACKET_TYPE);
}

static void fixed_header_checks_its_arguments(void **state)
{
    (void)state;
    static const uint8_t b[] = {0xD0, 0x00};
    mqtls_fixed_header_t h;
    expect_rc(mqtls_decode_fixed_header(b, 2, NULL), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_decode_fixed_header(NULL, 2, &h), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_decode_fixed_header(NULL, 0, &h), MQTLS_ERR_WANT_READ);
    expect_rc(mqtls_decode_fixed_header(b, 0, &h), MQTLS_ERR_WANT_READ);
}

/* ---- CONNECT ------------------------------------------------------------ */

/* protocol name "MQTT", reserved flag 0, client id first [MQTT-3.1.2-1] [MQTT-3.1.2-3] [MQTT-3.1.3-3] */
static void connect_minimal_clean_session(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C,
                                   0x00, 0x01, 'a'};
    mqtls_connect_t c = {.protocol_version = V4, .clean_session = true, .keepalive_s = 60,
                         .client_id = "a", .client_id_len = 1};
    enc_t e = {.kind = E_CONNECT, .connect = &c};
    expect_encoding(&e, want, sizeof want);
}

/* a zero-length client id goes with CleanSession 1 [MQTT-3.1.3-7] */
static void connect_empty_client_id_with_clean_session(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x10, 0x0C, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x00,
                                   0x00, 0x00};
    mqtls_connect_t c = {.protocol_version = V4, .clean_session = true}; /* NULL id, length 0 */
    enc_t e = {.kind = E_CONNECT, .connect = &c};
    expect_encoding(&e, want, sizeof want);
    c.client_id = "";
    expect_encoding(&e, want, sizeof want);
}

/* payload order client id, will topic, will message, user name, password, each present
 * with its flag [MQTT-3.1.3-1] [MQTT-3.1.2-9] [MQTT-3.1.2-19] [MQTT-3.1.2-21] */
static void connect_spec_example_flags_ce_will_user_password(void **state)
{
    (void)state;
    /* The variable header example of 3.1.2.10: flags 0xCE, keepalive 10. */
    static const uint8_t want[] = {0x10, 0x20, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xCE, 0x00, 0x0A,
                                   0x00, 0x03, 'c', 'i', 'd',             /* client id */
                                   0x00, 0x03, 'w', '/', 't',             /* will topic */
                                   0x00, 0x03, 'b', 'y', 'e',             /* will message */
                                   0x00, 0x01, 'u',                       /* user name */
                                   0x00, 0x02, 'p', 'w'};                 /* password */
    mqtls_connect_t c = {.protocol_version = V4, .clean_session = true, .keepalive_s = 10,
                         .client_id = "cid", .client_id_len = 3, .will = true, .will_topic = "w/t",
                         .will_topic_len = 3, .will_payload = (const uint8_t *)"bye", .will_payload_len = 3,
                         .will_qos = 1, .username = "u", .username_len = 1,
                         .password = (const uint8_t *)"pw", .password_len = 2};
    enc_t e = {.kind = E_CONNECT, .connect = &c};
    expect_encoding(&e, want, sizeof want);
}

static void connect_will_qos2_retain_empty_message_persistent_session(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x10, 0x15, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x34, 0x12, 0x34,
                                   0x00, 0x04, 'd', 'e', 'v', '1', 0x00, 0x01, 't', 0x00, 0x00};
    mqtls_connect_t c = {.protocol_version = V4, .keepalive_s = 0x1234, .client_id = "dev1",
                         .client_id_len = 4, .will = true, .will_topic = "t", .will_topic_len = 1,
                         .will_qos = 2, .will_retain = true};
    enc_t e = {.kind = E_CONNECT, .connect = &c};
    expect_encoding(&e, want, sizeof want);
}

static void connect_empty_user_name_and_empty_password_are_sent(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0xC2, 0x00, 0x3C,
                                   0x00, 0x01, 'c', 0x00, 0x00, 0x00, 0x00};
    mqtls_connect_t c = {.protocol_version = V4, .clean_session = true, .keepalive_s = 60,
                         .client_id = "c", .client_id_len = 1, .username = "",
                         .password = (const uint8_t *)""};
    enc_t e = {.kind = E_CONNECT, .connect = &c};
    expect_encoding(&e, want, sizeof want);
}

/* user name flag set, password flag clear: user name only [MQTT-3.1.2-19] [MQTT-3.1.2-20] */
static void connect_user_name_without_password(void **state)
{
    (void)state;
    static const uint8_t want[] = {0x10, 0x12, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x80, 0x00, 0x3C,
                                   0x00, 0x01, 'c', 0x00, 0x03, 'b', 'o', 'b'};
    mqtls_connect_t c = {.protocol_version = V4, .keepalive_s = 60, .client_id = "c", .client_id_len = 1,
                         .username = "bob", .username_len = 3};
    enc_t e = {.kind = E_CONNECT, .connect = &c};
    expect_encoding(&e, want, sizeof want);
}

static void connect_long_client_id_uses_two_length_bytes(void **state)
{
    (void)state;
    char id[200];
    memset(id, 'x', sizeof id);
    uint8_t want[3 + 10 + 2 + sizeof id] = {0x10, 0xD4, 0x01}; /* 212 = 0x54 | 0x80, 0x01 */
    memcpy(want + 3, MQTT, 7);
    want[10] = 0x02;
    want[11] = 0x00;
    want[12] = 0x05;
    want[13] = 0x00;
    want[14] = 200;
    memcpy(want + 15, id, sizeof id);
    mqtls_connect_t c = {.protocol_version = V4, .clean_session = true, .keepalive_s = 5,
                         .client_id = id, .client_id_len = sizeof id};
    enc_t e = {.kind = E_CONNECT, .connect = &c};
    expect_encoding(&e, want, sizeof want);
}

/* A small byte builder for the flag-combination table. */
typedef struct {
    uint8_t b[256];
    size_t n;
} bytes_t;

static void add(bytes_t *o, const void *p, size_t n)
{
    assert_true(o->n + n <= sizeof o->b);
    memcpy(o->b + o->n, p, n);
    o->n += n;
}

static void add_field(bytes_t *o, const char *s)
{
    size_t n = strlen(s);
    uint8_t len[2] = {(uint8_t)(n >> 8), (uint8_t)n};
    add(o, len, 2);
    add(o, s, n);
}

/* each payload field present exactly when its flag is set, the reserved bit never
 * [MQTT-3.1.2-3] [MQTT-3.1.2-9] [MQTT-3.1.2-11] [MQTT-3.1.2-18] [MQTT-3.1.2-20] [MQTT-3.1.3-1] */
static void connect_every_valid_flag_combination(void **state)
{
    (void)state;
    int count = 0;
    for (unsigned bits = 0; bits < 64u; bits++) {
        bool clean = bits & 1u, will = bits & 2u, retain = bits & 4u, user = bits & 8u, pass = bits & 16u;
        for (uint8_t qos = 0; qos < 3u; qos++) {
            if ((!will && (qos != 0u || retain)) || (pass && !user) || (bits & 32u)) {
                continue;
            }
            mqtls_connect_t c = {.protocol_version = V4, .clean_session = clean, .keepalive_s = 300,
                                 .client_id = "id", .client_id_len = 2, .will = will, .will_qos = qos,
                                 .will_retain = retain};
            if (will) {
                c.will_topic = "wt";
                c.will_topic_len = 2;
                c.will_payload = (const uint8_t *)"wm";
                c.will_payload_len = 2;
            }
            if (user) {
                c.username = "un";
                c.username_len = 2;
            }
            if (pass) {
                c.password = (const uint8_t *)"pw";
                c.password_len = 2;
            }
            /* The flags byte as figure 3.4 draws it, bit 7 first. */
            uint8_t flags = (uint8_t)((user ? 0x80 : 0) | (pass ? 0x40 : 0) | (retain ? 0x20 : 0) | (qos << 3) |
                                      (will ? 0x04 : 0) | (clean ? 0x02 : 0));
            bytes_t body = {.n = 0};
            add(&body, MQTT, 7);
            uint8_t vh[3] = {flags, 0x01, 0x2C};
            add(&body, vh, 3);
            add_field(&body, "id");
            if (will) {
                add_field(&body, "wt");
                add_field(&body, "wm");
            }
            if (user) {
                add_field(&body, "un");
            }
            if (pass) {
                add_field(&body, "pw");
            }
            bytes_t want = {.n = 0};
            uint8_t fh[2] = {0x10, (uint8_t)body.n};
            add(&want, fh, 2);
            add(&want, body.b, body.n);
            enc_t e = {.kind = E_CONNECT, .connect = &c};
            expect_encoding(&e, want.b, want.n);
            count++;
        }
    }
    /* clean x (no will + will x qos x retain) x (none, user, user+password) */
    assert_int_equal(count, 2 * (1 + 3 * 2) * 3);
}

static mqtls_connect_t good_connect(void)
{
    mqtls_connect_t c = {.protocol_version = V4, .clean_session = false, .keepalive_s = 60,
                         .client_id = "id", .client_id_len = 2, .username = "u", .username_len = 1,
                         .password = (const uint8_t *)"p", .password_len = 1, .will = true,
                         .will_topic = "w", .will_topic_len = 1, .will_payload = (const uint8_t *)"m",
                         .will_payload_len = 1, .will_qos = 1};
    return c;
}

/* will QoS 3, will QoS or retain without a will, a password without a user name, an empty id
 * without CleanSession, bad UTF-8 in client id, user name and will topic
 * [MQTT-3.1.2-13] [MQTT-3.1.2-14] [MQTT-3.1.2-15] [MQTT-3.1.2-22] [MQTT-3.1.3-7] [MQTT-3.1.3-4]
 * [MQTT-3.1.3-10] [MQTT-3.1.3-11] */
static void connect_refuses_invalid_input(void **state)
{
    (void)state;
    static char big[65536];
    memset(big, 'a', sizeof big);
    enc_t e = {.kind = E_CONNECT, .connect = NULL};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);

    mqtls_connect_t c = good_connect();
    e.connect = &c;
    expect_rc(mqtls_encode_connect(NULL, 0, &c), 2 + 10 + 4 + 3 + 3 + 3 + 3);

#define CASE(field_changes, want)  \
    do {                           \
        c = good_connect();        \
        field_changes;             \
        expect_encode_error(&e, want); \
    } while (0)
    CASE(c.protocol_version = 3, MQTLS_ERR_NOT_SUPPORTED);
    CASE(c.protocol_version = 6, MQTLS_ERR_NOT_SUPPORTED);
    CASE(c.client_id_len = 0, MQTLS_ERR_EMPTY_CLIENT_ID);
    CASE((c.client_id = NULL, c.client_id_len = 0), MQTLS_ERR_EMPTY_CLIENT_ID);
    CASE(c.client_id = NULL, MQTLS_ERR_INVALID_ARG);
    CASE((c.client_id = "\xC0\x80", c.client_id_len = 2), MQTLS_ERR_BAD_UTF8);
    CASE((c.client_id = "a\0b", c.client_id_len = 3), MQTLS_ERR_UTF8_NULL);
    CASE((c.client_id = big, c.client_id_len = sizeof big), MQTLS_ERR_STRING_TOO_LONG);
    CASE(c.username = NULL, MQTLS_ERR_INVALID_ARG); /* a length without a pointer */
    CASE(c.password = NULL, MQTLS_ERR_INVALID_ARG);
    CASE((c.username = "\xED\xA0\x80", c.username_len = 3), MQTLS_ERR_BAD_UTF8);
    CASE((c.username = big, c.username_len = sizeof big), MQTLS_ERR_STRING_TOO_LONG);
    CASE((c.username = NULL, c.username_len = 0), MQTLS_ERR_PASSWORD_WITHOUT_USER);
    CASE((c.password = (const uint8_t *)big, c.password_len = sizeof big), MQTLS_ERR_STRING_TOO_LONG);
    CASE(c.will_qos = 3, MQTLS_ERR_BAD_WILL);
    CASE((c.will = false, c.will_qos = 1), MQTLS_ERR_BAD_WILL);
    CASE((c.will = false, c.will_qos = 0, c.will_retain = true), MQTLS_ERR_BAD_WILL);
    CASE(c.will_topic_len = 0, MQTLS_ERR_TOPIC_EMPTY);
    CASE((c.will_topic = NULL, c.will_topic_len = 0), MQTLS_ERR_TOPIC_EMPTY);
    CASE(c.will_topic = NULL, MQTLS_ERR_INVALID_ARG);
    CASE((c.will_topic = "a/+", c.will_topic_len = 3), MQTLS_ERR_TOPIC_WILDCARD);
    CASE((c.will_topic = "a/#", c.will_topic_len = 3), MQTLS_ERR_TOPIC_WILDCARD);
    CASE((c.will_topic = "\xF4\x90\x80\x80", c.will_topic_len = 4), MQTLS_ERR_BAD_UTF8);
    CASE(c.will_payload = NULL, MQTLS_ERR_INVALID_ARG);
    CASE((c.will_payload = (const uint8_t *)big, c.will_payload_len = sizeof big), MQTLS_ERR_STRING_TOO_LONG);
#undef CASE
    /* Without a will, the will fields are not looked at. */
    c = good_connect();
    c.will = false;
    c.will_topic = NULL;
    c.will_topic_len = 99;
    c.will_payload = NULL;
    c.will_payload_len = 99;
    c.will_qos = 0;
    expect_rc(mqtls_encode_connect(NULL, 0, &c), 2 + 10 + 4 + 3 + 3);
    /* Fields of exactly 65535 bytes are fine. */
    c = good_connect();
    c.username = big;
    c.username_len = 65535;
    c.password = (const uint8_t *)big;
    c.password_len = 65535;
    c.will_payload = (const uint8_t *)big;
    c.will_payload_len = 65535;
    expect_rc(mqtls_encode_connect(NULL, 0, &c), 1 + 3 + 10 + 4 + 3 + 3 * (2 + 65535));
}

static void connect_is_refused_by_the_client_side_decoder(void **state)
{
    (void)state;
    static const uint8_t pkt[] = {0x10, 0x0D, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, 0x02, 0x00, 0x3C,
                                  0x00, 0x01, 'a'};
    mqtls_packet_t out;
    free(decode_copy(pkt, sizeof pkt, &out, MQTLS_ERR_UNEXPECTED_PACKET));
}

/* ---- CONNACK ------------------------------------------------------------ */

static void connack_vectors_encode_and_decode(void **state)
{
    (void)state;
    static const struct {
        bool sp;
        uint8_t rc;
        uint8_t bytes[4];
    } v[] = {
        {false, 0, {0x20, 0x02, 0x00, 0x00}},
        {true, 0, {0x20, 0x02, 0x01, 0x00}},
        {false, 1, {0x20, 0x02, 0x00, 0x01}},
        {false, 5, {0x20, 0x02, 0x00, 0x05}},
    };
    for (size_t i = 0; i < NVEC(v); i++) {
        enc_t e = {.kind = E_CONNACK, .version = V4, .sp = v[i].sp, .rc = v[i].rc};
        expect_encoding(&e, v[i].bytes, 4);
        mqtls_packet_t out;
        free(decode_copy(v[i].bytes, 4, &out, MQTLS_OK));
        assert_int_equal(out.type, MQTLS_PKT_CONNACK);
        assert_int_equal(out.u.connack.session_present, v[i].sp);
        assert_int_equal(out.u.connack.return_code, v[i].rc);
    }
}

static void connack_encoder_refuses_unknown_code_but_lets_peers_send_session_present_with_refusal(void **state)
{
    (void)state;
    enc_t e = {.kind = E_CONNACK, .version = V4, .rc = 6};
    expect_encode_error(&e, MQTLS_ERR_BAD_CONNACK_CODE);
    e.rc = 0xFF;
    expect_encode_error(&e, MQTLS_ERR_BAD_CONNACK_CODE);
    e.rc = 0;
    e.version = 6;
    expect_encode_error(&e, MQTLS_ERR_NOT_SUPPORTED);
    /* A test peer may build the [MQTT-3.2.2-4] violation; the decoder refuses it. */
    static const uint8_t bad[] = {0x20, 0x02, 0x01, 0x03};
    e = (enc_t){.kind = E_CONNACK, .version = V4, .sp = true, .rc = 3};
    uint8_t b[4];
    expect_rc(enc(&e, b, sizeof b), 4);
    assert_memory_equal(b, bad, 4);
    mqtls_packet_t out;
    expect_rc(mqtls_decode_packet(b, 4, V4, &out), MQTLS_ERR_SESSION_PRESENT_INVALID);
}

/* ---- PUBLISH ------------------------------------------------------------ */

typedef struct {
    const char *name;
    mqtls_publish_t p;
    uint8_t bytes[16];
    size_t n;
} pub_vec_t;

static const pub_vec_t PUB_VECTORS[] = {
    {"qos0", {.topic = "a/b", .topic_len = 3, .payload = (const uint8_t *)"hi", .payload_len = 2},
     {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'}, 9},
    {"qos1 retain", {.topic = "a/b", .topic_len = 3, .payload = (const uint8_t *)"x", .payload_len = 1,
                     .qos = 1, .retain = true, .packet_id = 10},
     {0x33, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'x'}, 10},
    {"qos2 dup empty payload", {.topic = "t", .topic_len = 1, .qos = 2, .dup = true, .packet_id = 0xBEEF},
     {0x3C, 0x05, 0x00, 0x01, 't', 0xBE, 0xEF}, 7},
    {"qos2 dup retain binary payload", {.topic = "t", .topic_len = 1, .payload = (const uint8_t *)"\0\xFF",
                                        .payload_len = 2, .qos = 2, .dup = true, .retain = true, .packet_id = 1},
     {0x3D, 0x07, 0x00, 0x01, 't', 0x00, 0x01, 0x00, 0xFF}, 9},
    {"qos0 retain $SYS, NULL payload", {.topic = "$SYS/x", .topic_len = 6, .retain = true},
     {0x31, 0x08, 0x00, 0x06, '$', 'S', 'Y', 'S', '/', 'x'}, 10},
    {"qos1 UTF-8 topic", {.topic = "\xC3\xBC", .topic_len = 2, .qos = 1, .packet_id = 0x0100},
     {0x32, 0x06, 0x00, 0x02, 0xC3, 0xBC, 0x01, 0x00}, 8},
    {"qos0 packet id not sent", {.topic = "a/b", .topic_len = 3, .payload = (const uint8_t *)"hi",
                                 .payload_len = 2, .packet_id = 7},
     {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'}, 9},
};

static void publish_vectors_encode_and_decode(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(PUB_VECTORS); i++) {
        const pub_vec_t *v = &PUB_VECTORS[i];
        print_message("publish vector: %s\n", v->name);
        enc_t e = {.kind = E_PUBLISH, .version = V4, .publish = &v->p};
        expect_encoding(&e, v->bytes, v->n);
        mqtls_packet_t out;
        uint8_t *b = decode_copy(v->bytes, v->n, &out, MQTLS_OK);
        assert_int_equal(out.type, MQTLS_PKT_PUBLISH);
        expect_publish_equal(&out.u.publish, &v->p);
        /* Decoding borrows: topic and payload point into the buffer. */
        assert_ptr_equal(out.u.publish.topic, (const char *)b + 4);
        assert_ptr_equal(out.u.publish.payload, b + v->n - v->p.payload_len);
        free(b);
    }
}

static mqtls_publish_t good_publish(void)
{
    mqtls_publish_t p = {.topic = "a", .topic_len = 1, .payload = (const uint8_t *)"x", .payload_len = 1,
                         .qos = 1, .packet_id = 1};
    return p;
}

/* QoS 3, DUP on QoS 0, id 0 on QoS>0, a wildcard or bad UTF-8 in the topic
 * [MQTT-3.3.1-4] [MQTT-3.3.1-2] [MQTT-2.3.1-1] [MQTT-3.3.2-2] [MQTT-3.3.2-1] */
static void publish_refuses_invalid_input(void **state)
{
    (void)state;
    static const uint8_t one = 0;
    enc_t e = {.kind = E_PUBLISH, .version = V4, .publish = NULL};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    mqtls_publish_t p;
    e.publish = &p;
#define CASE(changes, want)            \
    do {                               \
        p = good_publish();            \
        changes;                       \
        expect_encode_error(&e, want); \
    } while (0)
    CASE(e.version = 3, MQTLS_ERR_NOT_SUPPORTED);
    CASE(e.version = 6, MQTLS_ERR_NOT_SUPPORTED);
    e.version = V4;
    CASE(p.qos = 3, MQTLS_ERR_BAD_QOS);
    CASE((p.qos = 0, p.dup = true), MQTLS_ERR_RESERVED_FLAGS);
    CASE(p.packet_id = 0, MQTLS_ERR_ZERO_PACKET_ID);
    CASE((p.qos = 2, p.packet_id = 0), MQTLS_ERR_ZERO_PACKET_ID);
    CASE(p.topic_len = 0, MQTLS_ERR_TOPIC_EMPTY);
    CASE((p.topic = NULL, p.topic_len = 0), MQTLS_ERR_TOPIC_EMPTY);
    CASE(p.topic = NULL, MQTLS_ERR_INVALID_ARG);
    CASE((p.topic = "a/+", p.topic_len = 3), MQTLS_ERR_TOPIC_WILDCARD);
    CASE((p.topic = "#", p.topic_len = 1), MQTLS_ERR_TOPIC_WILDCARD);
    CASE((p.topic = "\xE0\x80\x80", p.topic_len = 3), MQTLS_ERR_BAD_UTF8);
    CASE((p.topic = "a\0", p.topic_len = 2), MQTLS_ERR_UTF8_NULL);
    CASE(p.payload = NULL, MQTLS_ERR_INVALID_ARG);
    CASE((p.payload = &one, p.payload_len = SIZE_MAX), MQTLS_ERR_PACKET_TOO_LARGE);
    CASE((p.payload = &one, p.payload_len = MQTLS_MAX_REMAINING_LENGTH + 1u), MQTLS_ERR_PACKET_TOO_LARGE);
    /* topic "a" (3 bytes) + id (2) + payload: one byte over the limit */
    CASE((p.payload = &one, p.payload_len = MQTLS_MAX_REMAINING_LENGTH - 4u), MQTLS_ERR_PACKET_TOO_LARGE);
#undef CASE
}

static void publish_size_reaches_the_maximum_remaining_length(void **state)
{
    (void)state;
    static const uint8_t one = 0;
    mqtls_publish_t p = {.topic = "a", .topic_len = 1, .payload = &one,
                         .payload_len = MQTLS_MAX_REMAINING_LENGTH - 5u, .qos = 1, .packet_id = 1};
    expect_rc(mqtls_encode_publish(NULL, 0, V4, &p), (int32_t)(MQTLS_MAX_REMAINING_LENGTH + 5u));
    uint8_t small[16];
    expect_rc(mqtls_encode_publish(small, sizeof small, V4, &p), MQTLS_ERR_BUFFER_TOO_SMALL);
    p.qos = 0;
    p.payload_len += 2u;
    expect_rc(mqtls_encode_publish(NULL, 0, V4, &p), (int32_t)(MQTLS_MAX_REMAINING_LENGTH + 5u));
    p.payload_len += 1u;
    expect_rc(mqtls_encode_publish(NULL, 0, V4, &p), MQTLS_ERR_PACKET_TOO_LARGE);
}

static void publish_remaining_length_boundaries_round_trip(void **state)
{
    (void)state;
    for (size_t i = 1; i + 1u < NVEC(RL_VECTORS); i++) { /* 127 .. 2097152 */
        const rl_vec_t *v = &RL_VECTORS[i];
        size_t total = 1u + v->n + v->value;
        uint8_t *payload = xmalloc(v->value);
        memset(payload, 'p', v->value);
        mqtls_publish_t p = {.topic = "t", .topic_len = 1, .payload = payload, .payload_len = v->value - 3u};
        expect_rc(mqtls_encode_publish(NULL, 0, V4, &p), (int32_t)total);
        uint8_t *b = xmalloc(total);
        expect_rc(mqtls_encode_publish(b, total - 1u, V4, &p), MQTLS_ERR_BUFFER_TOO_SMALL);
        expect_rc(mqtls_encode_publish(b, total, V4, &p), (int32_t)total);
        assert_int_equal(b[0], 0x30);
        assert_memory_equal(b + 1, v->bytes, v->n);
        assert_memory_equal(b + 1 + v->n, "\x00\x01t", 3);
        mqtls_packet_t out;
        expect_rc(mqtls_decode_packet(b, total, V4, &out), MQTLS_OK);
        expect_publish_equal(&out.u.publish, &p);
        expect_rc(mqtls_decode_packet(b, total - 1u, V4, &out), MQTLS_ERR_TRUNCATED);
        free(b);
        free(payload);
    }
}

/* ---- SUBSCRIBE and UNSUBSCRIBE ----------------------------------------- */

static const mqtls_subscription_t SPEC_SUBS[] = {{.filter = "a/b", .filter_len = 3, .qos = 1}, {.filter = "c/d", .filter_len = 3, .qos = 2}};

/* SUBSCRIBE flags 0010 [MQTT-3.8.1-1] */
static void subscribe_spec_example(void **state)
{
    (void)state;
    /* 3.8.3: "a/b" QoS 1 and "c/d" QoS 2, packet id 10 */
    static const uint8_t want[] = {0x82, 0x0E, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x01,
                                   0x00, 0x03, 'c', '/', 'd', 0x02};
    enc_t e = {.kind = E_SUBSCRIBE, .version = V4, .id = 10, .subs = SPEC_SUBS, .n = 2};
    expect_encoding(&e, want, sizeof want);
    mqtls_packet_t out;
    free(decode_copy(want, sizeof want, &out, MQTLS_ERR_UNEXPECTED_PACKET));
}

static void subscribe_several_filters_with_wildcards(void **state)
{
    (void)state;
    static const mqtls_subscription_t subs[] = {{.filter = "a/b", .filter_len = 3, .qos = 0}, {.filter = "c/+", .filter_len = 3, .qos = 1}, {.filter = "#", .filter_len = 1, .qos = 2}, {.filter = "+/x/#", .filter_len = 5, .qos = 0}};
    static const uint8_t want[] = {0x82, 0x1A, 0x01, 0x02, 0x00, 0x03, 'a', '/', 'b', 0x00,
                                   0x00, 0x03, 'c', '/', '+', 0x01, 0x00, 0x01, '#', 0x02,
                                   0x00, 0x05, '+', '/', 'x', '/', '#', 0x00};
    enc_t e = {.kind = E_SUBSCRIBE, .version = V4, .id = 0x0102, .subs = subs, .n = 4};
    expect_encoding(&e, want, sizeof want);
}

/* UNSUBSCRIBE flags 0010 [MQTT-3.10.1-1] */
static void unsubscribe_spec_example(void **state)
{
    (void)state;
    static const uint8_t want[] = {0xA2, 0x0C, 0x00, 0x0A, 0x00, 0x03, 'a', '/', 'b',
                                   0x00, 0x03, 'c', '/', 'd'};
    enc_t e = {.kind = E_UNSUBSCRIBE, .version = V4, .id = 10, .subs = SPEC_SUBS, .n = 2};
    expect_encoding(&e, want, sizeof want);
    mqtls_packet_t out;
    free(decode_copy(want, sizeof want, &out, MQTLS_ERR_UNEXPECTED_PACKET));
}

static void unsubscribe_ignores_the_qos_of_its_entries(void **state)
{
    (void)state;
    static const mqtls_subscription_t subs[] = {{.filter = "+/#", .filter_len = 3, .qos = 3}};
    static const uint8_t want[] = {0xA2, 0x07, 0xFF, 0xFF, 0x00, 0x03, '+', '/', '#'};
    enc_t e = {.kind = E_UNSUBSCRIBE, .version = V4, .id = 0xFFFF, .subs = subs, .n = 1};
    expect_encoding(&e, want, sizeof want);
}

/* no filter at all, id 0, a bad filter or bad UTF-8 in one
 * [MQTT-3.8.3-3] [MQTT-3.10.3-2] [MQTT-2.3.1-1] [MQTT-3.8.3-1] [MQTT-3.10.3-1] [MQTT-4.7.1-2] [MQTT-4.7.1-3] */
static void subscribe_and_unsubscribe_refuse_invalid_input(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        const bool sub = k == 0;
        enc_t e = {.kind = sub ? E_SUBSCRIBE : E_UNSUBSCRIBE, .version = V4, .id = 1, .subs = SPEC_SUBS,
                   .n = 0};
        expect_encode_error(&e, MQTLS_ERR_NO_TOPICS);
        e.subs = NULL;
        expect_encode_error(&e, MQTLS_ERR_NO_TOPICS);
        e.n = 1;
        expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
        e.subs = SPEC_SUBS;
        e.id = 0;
        expect_encode_error(&e, MQTLS_ERR_ZERO_PACKET_ID);
        e.id = 1;
        e.version = 6;
        expect_encode_error(&e, MQTLS_ERR_NOT_SUPPORTED);
        e.version = V4;
        static const struct {
            mqtls_subscription_t s;
            int32_t want;
        } bad[] = {
            {{.filter = "", .filter_len = 0, .qos = 0}, MQTLS_ERR_TOPIC_EMPTY},
            {{.filter = NULL, .filter_len = 0, .qos = 0}, MQTLS_ERR_TOPIC_EMPTY},
            {{.filter = NULL, .filter_len = 1, .qos = 0}, MQTLS_ERR_INVALID_ARG},
            {{.filter = "a#", .filter_len = 2, .qos = 0}, MQTLS_ERR_BAD_FILTER},
            {{.filter = "a/#/b", .filter_len = 5, .qos = 0}, MQTLS_ERR_BAD_FILTER},
            {{.filter = "a+", .filter_len = 2, .qos = 0}, MQTLS_ERR_BAD_FILTER},
            {{.filter = "\xC0\x80", .filter_len = 2, .qos = 0}, MQTLS_ERR_BAD_UTF8},
            {{.filter = "a\0", .filter_len = 2, .qos = 0}, MQTLS_ERR_UTF8_NULL},
        };
        for (size_t i = 0; i < NVEC(bad); i++) {
            mqtls_subscription_t two[2] = {SPEC_SUBS[0], bad[i].s}; /* the second entry is bad */
            e.subs = two;
            e.n = 2;
            expect_encode_error(&e, bad[i].want);
        }
        mqtls_subscription_t q3[2] = {SPEC_SUBS[0], {.filter = "x", .filter_len = 1, .qos = 3}};
        e.subs = q3;
        if (sub) {
            expect_encode_error(&e, MQTLS_ERR_BAD_QOS);
        } else {
            expect_rc(enc(&e, NULL, 0), 2 + 2 + 5 + 3);
        }
    }
}

static void subscribe_larger_than_the_maximum_remaining_length_is_refused(void **state)
{
    (void)state;
    /* 4097 filters of 65535 bytes: 2 + 4097 * 65538 > 268435455 */
    const size_t n = 4097;
    char *f = xmalloc(65535);
    memset(f, 'f', 65535);
    mqtls_subscription_t *subs = xmalloc(n * sizeof *subs);
    for (size_t i = 0; i < n; i++) {
        subs[i] = (mqtls_subscription_t){.filter = f, .filter_len = 65535, .qos = 0};
    }
    expect_rc(mqtls_encode_subscribe(NULL, 0, V4, 1, subs, n), MQTLS_ERR_PACKET_TOO_LARGE);
    expect_rc(mqtls_encode_unsubscribe(NULL, 0, V4, 1, subs, n), MQTLS_ERR_PACKET_TOO_LARGE);
    /* 4095 of them fit: 2 + 4095 * 65538 = 268378112 */
    expect_rc(mqtls_encode_subscribe(NULL, 0, V4, 1, subs, 4095), 268378112 + 5);
    free(subs);
    free(f);
}

/* ---- acks and empty packets --------------------------------------------- */

/* PUBREL has flags 0010, the other acks 0000 [MQTT-2.2.2-1] [MQTT-3.6.1-1] */
static void every_ack_type_encodes_and_decodes(void **state)
{
    (void)state;
    static const struct {
        uint8_t type;
        uint8_t bytes[4];
    } v[] = {
        {MQTLS_PKT_PUBACK, {0x40, 0x02, 0x12, 0x34}},  {MQTLS_PKT_PUBREC, {0x50, 0x02, 0x12, 0x34}},
        {MQTLS_PKT_PUBREL, {0x62, 0x02, 0x12, 0x34}},  {MQTLS_PKT_PUBCOMP, {0x70, 0x02, 0x12, 0x34}},
        {MQTLS_PKT_UNSUBACK, {0xB0, 0x02, 0x12, 0x34}},
    };
    for (size_t i = 0; i < NVEC(v); i++) {
        enc_t e = {.kind = E_ACK, .version = V4, .type = v[i].type, .id = 0x1234};
        expect_encoding(&e, v[i].bytes, 4);
        mqtls_packet_t out;
        free(decode_copy(v[i].bytes, 4, &out, MQTLS_OK));
        assert_int_equal(out.type, v[i].type);
        assert_int_equal(out.u.ack.packet_id, 0x1234);
    }
    /* The highest id survives the trip. */
    uint8_t b[4];
    expect_rc(mqtls_encode_ack(b, 4, V4, MQTLS_PKT_PUBACK, 0xFFFF), 4);
    mqtls_packet_t out;
    expect_rc(mqtls_decode_packet(b, 4, V4, &out), MQTLS_OK);
    assert_int_equal(out.u.ack.packet_id, 0xFFFF);
}

static void ack_encoder_refuses_other_types_and_id_zero(void **state)
{
    (void)state;
    static const uint8_t not_acks[] = {0, 1, 2, 3, 8, 9, 10, 12, 13, 14, 15, 16, 0xFF};
    for (size_t i = 0; i < sizeof not_acks; i++) {
        enc_t e = {.kind = E_ACK, .version = V4, .type = not_acks[i], .id = 1};
        expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    }
    enc_t e = {.kind = E_ACK, .version = V4, .type = MQTLS_PKT_PUBACK, .id = 0};
    expect_encode_error(&e, MQTLS_ERR_ZERO_PACKET_ID);
    e.id = 1;
    e.version = 6;
    expect_encode_error(&e, MQTLS_ERR_NOT_SUPPORTED);
}

static void empty_packets_encode_and_decode(void **state)
{
    (void)state;
    static const struct {
        uint8_t type;
        uint8_t bytes[2];
        int32_t decoded;
    } v[] = {
        {MQTLS_PKT_PINGREQ, {0xC0, 0x00}, MQTLS_ERR_UNEXPECTED_PACKET},
        {MQTLS_PKT_PINGRESP, {0xD0, 0x00}, MQTLS_OK},
        {MQTLS_PKT_DISCONNECT, {0xE0, 0x00}, MQTLS_ERR_UNEXPECTED_PACKET},
    };
    for (size_t i = 0; i < NVEC(v); i++) {
        enc_t e = {.kind = E_EMPTY, .version = V4, .type = v[i].type};
        expect_encoding(&e, v[i].bytes, 2);
        mqtls_packet_t out;
        free(decode_copy(v[i].bytes, 2, &out, v[i].decoded));
        assert_int_equal(out.type, v[i].type);
    }
    static const uint8_t others[] = {0, 1, 2, 4, 6, 11, 15, 0xCC};
    for (size_t i = 0; i < sizeof others; i++) {
        enc_t e = {.kind = E_EMPTY, .version = V4, .type = others[i]};
        expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    }
    enc_t e = {.kind = E_EMPTY, .version = 6, .type = MQTLS_PKT_PINGREQ};
    expect_encode_error(&e, MQTLS_ERR_NOT_SUPPORTED);
}

/* ---- SUBACK ------------------------------------------------------------- */

static void suback_vectors_encode_and_decode(void **state)
{
    (void)state;
    /* 3.9.3 example: granted QoS 0, granted QoS 2, failure */
    static const uint8_t codes[] = {0x00, 0x02, 0x80};
    static const uint8_t want[] = {0x90, 0x05, 0x00, 0x0A, 0x00, 0x02, 0x80};
    enc_t e = {.kind = E_SUBACK, .version = V4, .id = 10, .codes = codes, .n = 3};
    expect_encoding(&e, want, sizeof want);
    mqtls_packet_t out;
    uint8_t *b = decode_copy(want, sizeof want, &out, MQTLS_OK);
    assert_int_equal(out.type, MQTLS_PKT_SUBACK);
    assert_int_equal(out.u.suback.packet_id, 10);
    assert_int_equal(out.u.suback.count, 3);
    assert_ptr_equal(out.u.suback.return_codes, b + 4);
    free(b);

    static const uint8_t one[] = {0x01};
    static const uint8_t want1[] = {0x90, 0x03, 0xAB, 0xCD, 0x01};
    e = (enc_t){.kind = E_SUBACK, .version = V4, .id = 0xABCD, .codes = one, .n = 1};
    expect_encoding(&e, want1, sizeof want1);
}

static void suback_encoder_refuses_invalid_input(void **state)
{
    (void)state;
    static const uint8_t ok[] = {0};
    enc_t e = {.kind = E_SUBACK, .version = V4, .id = 1, .codes = ok, .n = 0};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    e.n = 1;
    e.codes = NULL;
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    e.codes = ok;
    e.id = 0;
    expect_encode_error(&e, MQTLS_ERR_ZERO_PACKET_ID);
    e.id = 1;
    e.version = 6;
    expect_encode_error(&e, MQTLS_ERR_NOT_SUPPORTED);
    e.version = V4;
    static const uint8_t bad[] = {3, 0x7F, 0x81, 0xFF};
    for (size_t i = 0; i < sizeof bad; i++) {
        uint8_t codes[2] = {0x80, bad[i]};
        e.codes = codes;
        e.n = 2;
        expect_encode_error(&e, MQTLS_ERR_BAD_SUBACK_CODE);
    }
    e.codes = ok;
    e.n = MQTLS_MAX_REMAINING_LENGTH - 1u; /* refused before a single code is read */
    expect_encode_error(&e, MQTLS_ERR_PACKET_TOO_LARGE);
}

/* ---- malformed input ---------------------------------------------------- */

typedef struct {
    const char *name;
    uint8_t bytes[12];
    size_t n;
    int32_t want;
} bad_vec_t;

static const bad_vec_t MALFORMED[] = {
    /* framing */
    {"fixed header only byte 0", {0x30}, 1, MQTLS_ERR_TRUNCATED},
    {"length varint unfinished", {0x30, 0x80}, 2, MQTLS_ERR_TRUNCATED},
    {"five-byte length", {0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, 6, MQTLS_ERR_MALFORMED_REMAINING_LENGTH},
    {"packet shorter than its length", {0x40, 0x02, 0x00}, 3, MQTLS_ERR_TRUNCATED},
    {"bytes after the packet", {0x40, 0x02, 0x00, 0x01, 0x00}, 5, MQTLS_ERR_LENGTH_MISMATCH},
    {"type 0", {0x00, 0x00}, 2, MQTLS_ERR_BAD_PACKET_TYPE},
    {"type 15 in 3.1.1", {0xF0, 0x00}, 2, MQTLS_ERR_BAD_PACKET_TYPE},
    /* packets only a client sends */
    {"CONNECT", {0x10, 0x0A, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 0}, 12, MQTLS_ERR_UNEXPECTED_PACKET},
    {"SUBSCRIBE", {0x82, 0x06, 0x00, 0x01, 0x00, 0x01, 'a', 0x00}, 8, MQTLS_ERR_UNEXPECTED_PACKET},
    {"UNSUBSCRIBE", {0xA2, 0x05, 0x00, 0x01, 0x00, 0x01, 'a'}, 7, MQTLS_ERR_UNEXPECTED_PACKET},
    {"PINGREQ", {0xC0, 0x00}, 2, MQTLS_ERR_UNEXPECTED_PACKET},
    {"DISCONNECT", {0xE0, 0x00}, 2, MQTLS_ERR_UNEXPECTED_PACKET},
    {"CONNECT with odd flags", {0x1F, 0x00}, 2, MQTLS_ERR_UNEXPECTED_PACKET},
    /* CONNACK */
    {"CONNACK length 3", {0x20, 0x03, 0x00, 0x00, 0x00}, 5, MQTLS_ERR_LENGTH_MISMATCH},
    {"CONNACK length 1", {0x20, 0x01, 0x00}, 3, MQTLS_ERR_LENGTH_MISMATCH},
    {"CONNACK length 0", {0x20, 0x00}, 2, MQTLS_ERR_LENGTH_MISMATCH},
    {"CONNACK fixed header flags", {0x21, 0x02, 0x00, 0x00}, 4, MQTLS_ERR_RESERVED_FLAGS},
    {"CONNACK ack flags bit 1", {0x20, 0x02, 0x02, 0x00}, 4, MQTLS_ERR_BAD_CONNACK_FLAGS},
    {"CONNACK ack flags bit 7", {0x20, 0x02, 0x81, 0x00}, 4, MQTLS_ERR_BAD_CONNACK_FLAGS},
    {"CONNACK code 6", {0x20, 0x02, 0x00, 0x06}, 4, MQTLS_ERR_BAD_CONNACK_CODE},
    {"CONNACK code 0xFF", {0x20, 0x02, 0x00, 0xFF}, 4, MQTLS_ERR_BAD_CONNACK_CODE},
    {"CONNACK session present refused", {0x20, 0x02, 0x01, 0x05}, 4, MQTLS_ERR_SESSION_PRESENT_INVALID},
    /* PUBLISH */
    {"PUBLISH QoS 3", {0x36, 0x05, 0x00, 0x01, 'a', 0x00, 0x01}, 7, MQTLS_ERR_BAD_QOS},
    {"PUBLISH QoS 0 with DUP", {0x38, 0x03, 0x00, 0x01, 'a'}, 5, MQTLS_ERR_RESERVED_FLAGS},
    {"PUBLISH length 0", {0x30, 0x00}, 2, MQTLS_ERR_TRUNCATED},
    {"PUBLISH length 1", {0x30, 0x01, 0x00}, 3, MQTLS_ERR_TRUNCATED},
    {"PUBLISH topic past the end", {0x30, 0x03, 0x00, 0x05, 'a'}, 5, MQTLS_ERR_TRUNCATED},
    {"PUBLISH empty topic", {0x30, 0x02, 0x00, 0x00}, 4, MQTLS_ERR_TOPIC_EMPTY},
    {"PUBLISH topic with +", {0x30, 0x04, 0x00, 0x02, 'a', '+'}, 6, MQTLS_ERR_TOPIC_WILDCARD},
    {"PUBLISH topic with #", {0x30, 0x03, 0x00, 0x01, '#'}, 5, MQTLS_ERR_TOPIC_WILDCARD},
    {"PUBLISH overlong topic", {0x30, 0x04, 0x00, 0x02, 0xC0, 0x80}, 6, MQTLS_ERR_BAD_UTF8},
    {"PUBLISH surrogate topic", {0x30, 0x05, 0x00, 0x03, 0xED, 0xA0, 0x80}, 7, MQTLS_ERR_BAD_UTF8},
    {"PUBLISH topic with U+0000", {0x30, 0x04, 0x00, 0x02, 'a', 0x00}, 6, MQTLS_ERR_UTF8_NULL},
    {"PUBLISH QoS 1 without id", {0x32, 0x03, 0x00, 0x01, 'a'}, 5, MQTLS_ERR_TRUNCATED},
    {"PUBLISH QoS 1 half an id", {0x32, 0x04, 0x00, 0x01, 'a', 0x00}, 6, MQTLS_ERR_TRUNCATED},
    {"PUBLISH QoS 1 id 0", {0x32, 0x05, 0x00, 0x01, 'a', 0x00, 0x00}, 7, MQTLS_ERR_ZERO_PACKET_ID},
    {"PUBLISH QoS 2 id 0", {0x34, 0x05, 0x00, 0x01, 'a', 0x00, 0x00}, 7, MQTLS_ERR_ZERO_PACKET_ID},
    /* acks */
    {"PUBACK length 3", {0x40, 0x03, 0x00, 0x01, 0x00}, 5, MQTLS_ERR_LENGTH_MISMATCH},
    {"PUBACK length 1", {0x40, 0x01, 0x01}, 3, MQTLS_ERR_LENGTH_MISMATCH},
    {"PUBACK length 0", {0x40, 0x00}, 2, MQTLS_ERR_LENGTH_MISMATCH},
    {"PUBACK id 0", {0x40, 0x02, 0x00, 0x00}, 4, MQTLS_ERR_ZERO_PACKET_ID},
    {"PUBACK flags", {0x41, 0x02, 0x00, 0x01}, 4, MQTLS_ERR_RESERVED_FLAGS},
    {"PUBREC flags", {0x52, 0x02, 0x00, 0x01}, 4, MQTLS_ERR_RESERVED_FLAGS},
    {"PUBREC id 0", {0x50, 0x02, 0x00, 0x00}, 4, MQTLS_ERR_ZERO_PACKET_ID},
    {"PUBREL flags 0", {0x60, 0x02, 0x00, 0x01}, 4, MQTLS_ERR_RESERVED_FLAGS},
    {"PUBREL flags 3", {0x63, 0x02, 0x00, 0x01}, 4, MQTLS_ERR_RESERVED_FLAGS},
    {"PUBREL id 0", {0x62, 0x02, 0x00, 0x00}, 4, MQTLS_ERR_ZERO_PACKET_ID},
    {"PUBREL length 3", {0x62, 0x03, 0x00, 0x01, 0x00}, 5, MQTLS_ERR_LENGTH_MISMATCH},
    {"PUBCOMP flags", {0x78, 0x02, 0x00, 0x01}, 4, MQTLS_ERR_RESERVED_FLAGS},
    {"PUBCOMP length 4", {0x70, 0x04, 0x00, 0x01, 0x00, 0x00}, 6, MQTLS_ERR_LENGTH_MISMATCH},
    {"UNSUBACK flags", {0xB2, 0x02, 0x00, 0x01}, 4, MQTLS_ERR_RESERVED_FLAGS},
    {"UNSUBACK id 0", {0xB0, 0x02, 0x00, 0x00}, 4, MQTLS_ERR_ZERO_PACKET_ID},
    {"UNSUBACK length 3", {0xB0, 0x03, 0x00, 0x01, 0x00}, 5, MQTLS_ERR_LENGTH_MISMATCH},
    /* SUBACK */
    {"SUBACK without codes", {0x90, 0x02, 0x00, 0x01}, 4, MQTLS_ERR_LENGTH_MISMATCH},
    {"SUBACK length 1", {0x90, 0x01, 0x00}, 3, MQTLS_ERR_LENGTH_MISMATCH},
    {"SUBACK length 0", {0x90, 0x00}, 2, MQTLS_ERR_LENGTH_MISMATCH},
    {"SUBACK id 0", {0x90, 0x03, 0x00, 0x00, 0x00}, 5, MQTLS_ERR_ZERO_PACKET_ID},
    {"SUBACK code 3", {0x90, 0x03, 0x00, 0x01, 0x03}, 5, MQTLS_ERR_BAD_SUBACK_CODE},
    {"SUBACK code 0x81 after good ones", {0x90, 0x05, 0x00, 0x01, 0x00, 0x80, 0x81}, 7,
     MQTLS_ERR_BAD_SUBACK_CODE},
    {"SUBACK flags", {0x92, 0x03, 0x00, 0x01, 0x00}, 5, MQTLS_ERR_RESERVED_FLAGS},
    /* PINGRESP */
    {"PINGRESP length 1", {0xD0, 0x01, 0x00}, 3, MQTLS_ERR_LENGTH_MISMATCH},
    {"PINGRESP flags", {0xD1, 0x00}, 2, MQTLS_ERR_RESERVED_FLAGS},
};

/* reserved flags, QoS 3, DUP on QoS 0, id 0, wildcards and bad UTF-8 in a topic, a SUBACK
 * code that does not exist [MQTT-2.2.2-2] [MQTT-3.3.1-4] [MQTT-2.3.1-1] [MQTT-3.3.2-2] [MQTT-1.5.3-1]
 * [MQTT-1.5.3-2] [MQTT-3.9.3-2] */
static void decoder_refuses_every_malformed_packet_with_its_code(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(MALFORMED); i++) {
        const bad_vec_t *v = &MALFORMED[i];
        mqtls_packet_t out;
        uint8_t *b = xmalloc(v->n);
        memcpy(b, v->bytes, v->n);
        int32_t rc = mqtls_decode_packet(b, v->n, V4, &out);
        free(b);
        if (rc != v->want) {
            fail_msg("%s: got %s, want %s", v->name, mqtls_errname(rc), mqtls_errname(v->want));
        }
    }
}

static void decoder_refuses_other_versions_and_bad_arguments(void **state)
{
    (void)state;
    static const uint8_t puback[] = {0x40, 0x02, 0x00, 0x01};
    mqtls_packet_t out;
    expect_rc(mqtls_decode_packet(puback, 4, 3, &out), MQTLS_ERR_NOT_SUPPORTED);
    expect_rc(mqtls_decode_packet(puback, 4, 6, &out), MQTLS_ERR_NOT_SUPPORTED);
    expect_rc(mqtls_decode_packet(puback, 4, V4, NULL), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_decode_packet(NULL, 4, V4, &out), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_decode_packet(NULL, 0, V4, &out), MQTLS_ERR_TRUNCATED);
    expect_rc(mqtls_decode_packet(puback, 4, V4, &out), MQTLS_OK);
}

static void decoding_clears_the_previous_result(void **state)
{
    (void)state;
    static const uint8_t pingresp[] = {0xD0, 0x00};
    mqtls_packet_t out;
    memset(&out, 0x5A, sizeof out);
    expect_rc(mqtls_decode_packet(pingresp, 2, V4, &out), MQTLS_OK);
    assert_int_equal(out.type, MQTLS_PKT_PINGRESP);
    assert_int_equal(out.u.suback.count, 0);
    assert_null(out.u.suback.return_codes);
}

/* ---- PUBLISH head ------------------------------------------------------- */

static void publish_head_wants_more_until_topic_and_id_are_in(void **state)
{
    (void)state;
    /* QoS 1, topic "a/b", id 10, payload "xyz" */
    static const uint8_t pkt[] = {0x32, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x00, 0x0A, 'x', 'y', 'z'};
    mqtls_fixed_header_t h;
    expect_rc(mqtls_decode_fixed_header(pkt, sizeof pkt, &h), MQTLS_OK);
    for (size_t avail = 0; avail <= sizeof pkt; avail++) {
        uint8_t *b = xmalloc(avail);
        memcpy(b, pkt, avail);
        mqtls_publish_t p;
        int32_t rc = mqtls_decode_publish_head(avail != 0u ? b : NULL, avail, &h, V4, &p);
        if (avail < 9u) {
            expect_rc(rc, MQTLS_ERR_WANT_READ);
        } else {
            expect_rc(rc, MQTLS_OK);
            assert_int_equal(p.topic_len, 3);
            assert_memory_equal(p.topic, "a/b", 3);
            assert_ptr_equal(p.topic, (const char *)b + 4);
            assert_int_equal(p.packet_id, 10);
            assert_int_equal(p.qos, 1);
            assert_ptr_equal(p.payload, b + 9); /* may be one past what is present */
            assert_int_equal(p.payload_len, 3);
        }
        free(b);
    }
}

static void publish_head_of_a_packet_larger_than_the_buffer(void **state)
{
    (void)state;
    /* QoS 0, remaining length 1000 (E8 07), topic "big": only the head is here. */
    static const uint8_t head[] = {0x31, 0xE8, 0x07, 0x00, 0x03, 'b', 'i', 'g', 'P', 'P'};
    mqtls_fixed_header_t h;
    expect_rc(mqtls_decode_fixed_header(head, sizeof head, &h), MQTLS_OK);
    mqtls_publish_t p;
    expect_rc(mqtls_decode_publish_head(head, sizeof head, &h, V4, &p), MQTLS_OK);
    assert_int_equal(p.payload_len, 1000 - 5);
    assert_true(p.retain);
    assert_ptr_equal(p.payload, head + 8);
    /* Bytes of the next packet after this one are not counted. */
    static const uint8_t two[] = {0x30, 0x04, 0x00, 0x01, 't', 'x', 0xD0, 0x00};
    expect_rc(mqtls_decode_fixed_header(two, sizeof two, &h), MQTLS_OK);
    expect_rc(mqtls_decode_publish_head(two, sizeof two, &h, V4, &p), MQTLS_OK);
    assert_int_equal(p.payload_len, 1);
}

static void publish_head_refuses_malformed_heads(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        uint8_t bytes[10];
        size_t avail;
        int32_t want;
    } v[] = {
        /* the topic length points past the packet end: malformed even though more could come */
        {"topic past packet end", {0x30, 0x03, 0x00, 0x09, 'a'}, 5, MQTLS_ERR_TRUNCATED},
        {"length 1", {0x30, 0x01, 0x00}, 3, MQTLS_ERR_TRUNCATED},
        {"id past packet end", {0x32, 0x03, 0x00, 0x01, 'a'}, 5, MQTLS_ERR_TRUNCATED},
        {"QoS 3", {0x36, 0x10, 0x00, 0x01, 'a'}, 5, MQTLS_ERR_BAD_QOS},
        {"DUP with QoS 0", {0x38, 0x10, 0x00, 0x01, 'a'}, 5, MQTLS_ERR_RESERVED_FLAGS},
        {"wildcard topic", {0x30, 0x10, 0x00, 0x01, '+'}, 5, MQTLS_ERR_TOPIC_WILDCARD},
        {"empty topic", {0x30, 0x10, 0x00, 0x00}, 4, MQTLS_ERR_TOPIC_EMPTY},
        {"id 0", {0x34, 0x10, 0x00, 0x01, 'a', 0x00, 0x00}, 7, MQTLS_ERR_ZERO_PACKET_ID},
    };
    for (size_t i = 0; i < NVEC(v); i++) {
        mqtls_fixed_header_t h;
        expect_rc(mqtls_decode_fixed_header(v[i].bytes, v[i].avail, &h), MQTLS_OK);
        uint8_t *b = xmalloc(v[i].avail);
        memcpy(b, v[i].bytes, v[i].avail);
        mqtls_publish_t p;
        int32_t rc = mqtls_decode_publish_head(b, v[i].avail, &h, V4, &p);
        free(b);
        if (rc != v[i].want) {
            fail_msg("%s: got %s, want %s", v[i].name, mqtls_errname(rc), mqtls_errname(v[i].want));
        }
    }
}

static void publish_head_checks_its_arguments(void **state)
{
    (void)state;
    static const uint8_t pkt[] = {0x30, 0x03, 0x00, 0x01, 't'};
    mqtls_fixed_header_t h;
    expect_rc(mqtls_decode_fixed_header(pkt, sizeof pkt, &h), MQTLS_OK);
    mqtls_publish_t p;
    expect_rc(mqtls_decode_publish_head(pkt, 5, NULL, V4, &p), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_decode_publish_head(pkt, 5, &h, V4, NULL), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_decode_publish_head(NULL, 5, &h, V4, &p), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_decode_publish_head(pkt, 5, &h, 6, &p), MQTLS_ERR_NOT_SUPPORTED);
    expect_rc(mqtls_decode_publish_head(pkt, 1, &h, V4, &p), MQTLS_ERR_WANT_READ); /* header not all here */
    expect_rc(mqtls_decode_publish_head(NULL, 0, &h, V4, &p), MQTLS_ERR_WANT_READ);
    mqtls_fixed_header_t bad = h;
    bad.type = MQTLS_PKT_PUBACK;
    expect_rc(mqtls_decode_publish_head(pkt, 5, &bad, V4, &p), MQTLS_ERR_INVALID_ARG);
    bad = h;
    bad.header_len = 1;
    expect_rc(mqtls_decode_publish_head(pkt, 5, &bad, V4, &p), MQTLS_ERR_INVALID_ARG);
    bad.header_len = 6;
    expect_rc(mqtls_decode_publish_head(pkt, 5, &bad, V4, &p), MQTLS_ERR_INVALID_ARG);
    bad = h;
    bad.remaining_length = MQTLS_MAX_REMAINING_LENGTH + 1u;
    expect_rc(mqtls_decode_publish_head(pkt, 5, &bad, V4, &p), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_decode_publish_head(pkt, 5, &h, V4, &p), MQTLS_OK);
    assert_int_equal(p.payload_len, 0);
}

/* ---- round trips -------------------------------------------------------- */

static void every_decodable_packet_round_trips_through_its_encoder(void **state)
{
    (void)state;
    /* Encoder output must satisfy the decoder's every rule, for all QoS,
     * flag and id combinations. */
    uint8_t b[64];
    static const uint16_t ids[] = {1, 0x00FF, 0x0100, 0xFFFF};
    for (size_t i = 0; i < NVEC(ids); i++) {
        for (uint8_t f = 0; f < 12u; f++) {
            mqtls_publish_t p = {.topic = "x/y", .topic_len = 3, .payload = (const uint8_t *)"pl",
                                 .payload_len = (size_t)(f % 3u), .qos = (uint8_t)(f % 3u),
                                 .retain = (f & 4u) != 0u, .dup = f >= 6u && f % 3u != 0u, .packet_id = ids[i]};
            int32_t n = mqtls_encode_publish(b, sizeof b, V4, &p);
            assert_true(n > 0);
            mqtls_packet_t out;
            expect_rc(mqtls_decode_packet(b, (size_t)n, V4, &out), MQTLS_OK);
            expect_publish_equal(&out.u.publish, &p);
        }
        for (uint8_t t = MQTLS_PKT_PUBACK; t <= MQTLS_PKT_UNSUBACK; t++) {
            int32_t n = mqtls_encode_ack(b, sizeof b, V4, t, ids[i]);
            if (n < 0) {
                continue; /* not an ack type */
            }
            mqtls_packet_t out;
            expect_rc(mqtls_decode_packet(b, (size_t)n, V4, &out), MQTLS_OK);
            assert_int_equal(out.type, t);
            assert_int_equal(out.u.ack.packet_id, ids[i]);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(remaining_length_encodes_every_boundary),
        cmocka_unit_test(remaining_length_above_maximum_is_too_large),
        cmocka_unit_test(fixed_header_decodes_every_boundary_and_wants_more_before),
        cmocka_unit_test(fixed_header_rejects_a_fifth_length_byte),
        cmocka_unit_test(fixed_header_accepts_a_non_minimal_length),
        cmocka_unit_test(fixed_header_rejects_type_0_and_passes_type_15_to_the_packet_decoder),
        cmocka_unit_test(fixed_header_checks_its_arguments),
        cmocka_unit_test(connect_minimal_clean_session),
        cmocka_unit_test(connect_empty_client_id_with_clean_session),
        cmocka_unit_test(connect_spec_example_flags_ce_will_user_password),
        cmocka_unit_test(connect_will_qos2_retain_empty_message_persistent_session),
        cmocka_unit_test(connect_empty_user_name_and_empty_password_are_sent),
        cmocka_unit_test(connect_user_name_without_password),
        cmocka_unit_test(connect_long_client_id_uses_two_length_bytes),
        cmocka_unit_test(connect_every_valid_flag_combination),
        cmocka_unit_test(connect_refuses_invalid_input),
        cmocka_unit_test(connect_is_refused_by_the_client_side_decoder),
        cmocka_unit_test(connack_vectors_encode_and_decode),
        cmocka_unit_test(connack_encoder_refuses_unknown_code_but_lets_peers_send_session_present_with_refusal),
        cmocka_unit_test(publish_vectors_encode_and_decode),
        cmocka_unit_test(publish_refuses_invalid_input),
        cmocka_unit_test(publish_size_reaches_the_maximum_remaining_length),
        cmocka_unit_test(publish_remaining_length_boundaries_round_trip),
        cmocka_unit_test(subscribe_spec_example),
        cmocka_unit_test(subscribe_several_filters_with_wildcards),
        cmocka_unit_test(unsubscribe_spec_example),
        cmocka_unit_test(unsubscribe_ignores_the_qos_of_its_entries),
        cmocka_unit_test(subscribe_and_unsubscribe_refuse_invalid_input),
        cmocka_unit_test(subscribe_larger_than_the_maximum_remaining_length_is_refused),
        cmocka_unit_test(every_ack_type_encodes_and_decodes),
        cmocka_unit_test(ack_encoder_refuses_other_types_and_id_zero),
        cmocka_unit_test(empty_packets_encode_and_decode),
        cmocka_unit_test(suback_vectors_encode_and_decode),
        cmocka_unit_test(suback_encoder_refuses_invalid_input),
        cmocka_unit_test(decoder_refuses_every_malformed_packet_with_its_code),
        cmocka_unit_test(decoder_refuses_other_versions_and_bad_arguments),
        cmocka_unit_test(decoding_clears_the_previous_result),
        cmocka_unit_test(publish_head_wants_more_until_topic_and_id_are_in),
        cmocka_unit_test(publish_head_of_a_packet_larger_than_the_buffer),
        cmocka_unit_test(publish_head_refuses_malformed_heads),
        cmocka_unit_test(publish_head_checks_its_arguments),
        cmocka_unit_test(every_decodable_packet_round_trips_through_its_encoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
