/* SPDX-License-Identifier: MIT
 * mqtls tests: the MQTT 5.0 encoder and decoder (properties, reason codes, packets). */
/*
 * Every byte vector here is written out by hand from the layouts of the
 * OASIS MQTT 5.0 specification (section 2.2.2 for properties, 2.4 for
 * reason codes, chapter 3 for packets); none comes from the encoder. The
 * tables of which property and which reason code each packet allows are
 * transcribed again here, independently of src/core/props.c, and every
 * (packet, property) and (packet, code) pair is tried against them.
 *
 * Encoded vectors go through one mill (expect_encoding): the size query
 * equals the written size, the bytes are exactly the vector, every shorter
 * buffer gives BUFFER_TOO_SMALL without a byte written past its end, and,
 * for packets a client decodes, every truncation copied into an exactly
 * sized heap buffer (so AddressSanitizer sees an overread) is refused.
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

#define V5 MQTLS_PROTO_V5
#define BIT(id) MQTLS_PROP_BIT(id)
/* A byte vector and its length, for passing inline. */
#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
/* An mqtls_bytes_t initializer for a string literal. */
#define S(str) {(const uint8_t *)(str), sizeof(str) - 1u}

/* ---- helpers ------------------------------------------------------------ */

static void expect_bytes_equal(const mqtls_bytes_t *got, const char *want)
{
    size_t n = strlen(want);
    assert_int_equal(got->len, n);
    if (n != 0u) {
        assert_memory_equal(got->data, want, n);
    }
}

/* One call of any encoder. */
typedef enum {
    K_PROPS,
    K_CONNECT,
    K_PUBLISH,
    K_SUB,
    K_SUB5,
    K_UNSUB5,
    K_ACK,
    K_ACK5,
    K_EMPTY,
    K_DISC5,
    K_AUTH,
    K_CONNACK,
    K_CONNACK5,
    K_SUBACK,
    K_SUBACK5
} kind_t;

typedef struct {
    kind_t kind;
    uint8_t type;
    uint16_t id;
    uint8_t reason;
    bool sp;
    const mqtls_props_t *props;
    const mqtls_connect_t *connect;
    const mqtls_publish_t *publish;
    const mqtls_subscription_t *subs;
    size_t n;
    const uint8_t *codes;
} enc_t;

static int32_t enc(const enc_t *e, uint8_t *buf, size_t len)
{
    switch (e->kind) {
    case K_PROPS:
        return mqtls_props_encode(buf, len, e->type, e->props);
    case K_CONNECT:
        return mqtls_encode_connect(buf, len, e->connect);
    case K_PUBLISH:
        return mqtls_encode_publish(buf, len, V5, e->publish);
    case K_SUB:
        return mqtls_encode_subscribe(buf, len, V5, e->id, e->subs, e->n);
    case K_SUB5:
        return mqtls_encode_subscribe5(buf, len, e->id, e->subs, e->n, e->props);
    case K_UNSUB5:
        return mqtls_encode_unsubscribe5(buf, len, e->id, e->subs, e->n, e->props);
    case K_ACK:
        return mqtls_encode_ack(buf, len, V5, e->type, e->id);
    case K_ACK5:
        return mqtls_encode_ack5(buf, len, e->type, e->id, e->reason, e->props);
    case K_EMPTY:
        return mqtls_encode_empty(buf, len, V5, e->type);
    case K_DISC5:
        return mqtls_encode_disconnect5(buf, len, e->reason, e->props);
    case K_AUTH:
        return mqtls_encode_auth(buf, len, e->reason, e->props);
    case K_CONNACK:
        return mqtls_encode_connack(buf, len, V5, e->sp, e->reason);
    case K_CONNACK5:
        return mqtls_encode_connack5(buf, len, e->sp, e->reason, e->props);
    case K_SUBACK:
        return mqtls_encode_suback(buf, len, V5, e->id, e->codes, e->n);
    case K_SUBACK5:
        return mqtls_encode_suback5(buf, len, e->type, e->id, e->codes, e->n, e->props);
    }
    return MQTLS_ERR_INTERNAL;
}

static uint8_t *decode_copy(const uint8_t *pkt, size_t n, mqtls_packet_t *out, int32_t want)
{
    return decode_copy_v(pkt, n, V5, out, want);
}

#define expect_decode(pkt, want) expect_decode_at(pkt, want, __LINE__)
static void expect_decode_at(const uint8_t *pkt, size_t n, int32_t want, int line)
{
    uint8_t *b = xmalloc(n);
    memcpy(b, pkt, n);
    mqtls_packet_t out;
    int32_t got = mqtls_decode_packet(b, n, V5, &out);
    free(b);
    expect_rc_at(got, want, "mqtls_decode_packet", line);
}

#define expect_truncations_refused(pkt, n) expect_truncations_refused_v((pkt), (n), V5)

static int32_t enc_any(const void *call, uint8_t *buf, size_t len)
{
    return enc(call, buf, len);
}

/* The full check of one encoder call against its hand-written vector. */
static void expect_encoding(const enc_t *e, const uint8_t *want, size_t n, bool client_decodes)
{
    expect_encoder_output(enc_any, e, want, n);
    if (client_decodes) {
        expect_truncations_refused(want, n);
        expect_decode_at(want, n, MQTLS_OK, __LINE__);
    }
}

/* Refused by the size query and by the write alike, the buffer untouched. */
#define expect_encode_error(e, want) expect_encode_error_at(e, want, __LINE__)
static void expect_encode_error_at(const enc_t *e, int32_t want, int line)
{
    uint8_t b[512];
    expect_rc_at(enc(e, NULL, 0), want, "size query", line);
    memset(b, CANARY, sizeof b);
    expect_rc_at(enc(e, b, sizeof b), want, "write", line);
    expect_canary(b, 0, sizeof b);
}

/* ---- the spec's tables, transcribed independently -------------------------- */

#define P(t) (1u << (t))
#define WILL P(MQTLS_PROPS_WILL)
#define CONN P(MQTLS_PKT_CONNECT)
#define CACK P(MQTLS_PKT_CONNACK)
#define PUBL P(MQTLS_PKT_PUBLISH)
#define PACK P(MQTLS_PKT_PUBACK)
#define PREC P(MQTLS_PKT_PUBREC)
#define PREL P(MQTLS_PKT_PUBREL)
#define PCMP P(MQTLS_PKT_PUBCOMP)
#define SUBS P(MQTLS_PKT_SUBSCRIBE)
#define SACK P(MQTLS_PKT_SUBACK)
#define UNSB P(MQTLS_PKT_UNSUBSCRIBE)
#define UACK P(MQTLS_PKT_UNSUBACK)
#define DISC P(MQTLS_PKT_DISCONNECT)
#define AUTH P(MQTLS_PKT_AUTH)

/*
 * One vector per property (section 2.2.2.2, table 2-4): the packet it is
 * encoded for, the struct, the block with its length, and every packet that
 * may carry the property.
 */
typedef struct {
    const char *name;
    uint8_t id;
    uint8_t packet;
    mqtls_props_t props;
    uint8_t bytes[16];
    size_t n;
    uint16_t allowed;
} prop_vec_t;

static const mqtls_user_prop_t USER_KV[] = {{{(const uint8_t *)"k", 1}, {(const uint8_t *)"v", 1}}};
static const uint8_t CORR[] = {0x00, 0xFF};

static const prop_vec_t PROP_VECS[] = {
    {"payload format", 0x01, MQTLS_PKT_PUBLISH, {.present = BIT(0x01), .payload_format = 1}, {0x02, 0x01, 0x01}, 3,
     PUBL | WILL},
    {"message expiry", 0x02, MQTLS_PKT_PUBLISH, {.present = BIT(0x02), .message_expiry = 0x12345678u},
     {0x05, 0x02, 0x12, 0x34, 0x56, 0x78}, 6, PUBL | WILL},
    {"content type", 0x03, MQTLS_PKT_PUBLISH, {.present = BIT(0x03), .content_type = S("json")},
     {0x07, 0x03, 0x00, 0x04, 'j', 's', 'o', 'n'}, 8, PUBL | WILL},
    {"response topic", 0x08, MQTLS_PKT_PUBLISH, {.present = BIT(0x08), .response_topic = S("r/t")},
     {0x06, 0x08, 0x00, 0x03, 'r', '/', 't'}, 7, PUBL | WILL},
    {"correlation data", 0x09, MQTLS_PKT_PUBLISH, {.present = BIT(0x09), .correlation_data = {CORR, 2}},
     {0x05, 0x09, 0x00, 0x02, 0x00, 0xFF}, 6, PUBL | WILL},
    {"subscription id max", 0x0B, MQTLS_PKT_SUBSCRIBE, {.present = BIT(0x0B), .subscription_id = 268435455u},
     {0x05, 0x0B, 0xFF, 0xFF, 0xFF, 0x7F}, 6, PUBL | SUBS},
    {"subscription id 128", 0x0B, MQTLS_PKT_SUBSCRIBE, {.present = BIT(0x0B), .subscription_id = 128u},
     {0x03, 0x0B, 0x80, 0x01}, 4, PUBL | SUBS},
    {"session expiry", 0x11, MQTLS_PKT_CONNECT, {.present = BIT(0x11), .session_expiry = 0xFFFFFFFFu},
     {0x05, 0x11, 0xFF, 0xFF, 0xFF, 0xFF}, 6, CONN | CACK | DISC},
    {"assigned client id", 0x12, MQTLS_PKT_CONNACK, {.present = BIT(0x12), .assigned_client_id = S("id")},
     {0x05, 0x12, 0x00, 0x02, 'i', 'd'}, 6, CACK},
    {"server keep alive", 0x13, MQTLS_PKT_CONNACK, {.present = BIT(0x13), .server_keep_alive = 0x0102u},
     {0x03, 0x13, 0x01, 0x02}, 4, CACK},
    {"auth method", 0x15, MQTLS_PKT_CONNECT, {.present = BIT(0x15), .auth_method = S("SCRAM")},
     {0x08, 0x15, 0x00, 0x05, 'S', 'C', 'R', 'A', 'M'}, 9, CONN | CACK | AUTH},
    {"request problem info", 0x17, MQTLS_PKT_CONNECT, {.present = BIT(0x17), .request_problem_info = 0},
     {0x02, 0x17, 0x00}, 3, CONN},
    {"will delay", 0x18, MQTLS_PROPS_WILL, {.present = BIT(0x18), .will_delay = 60u},
     {0x05, 0x18, 0x00, 0x00, 0x00, 0x3C}, 6, WILL},
    {"request response info", 0x19, MQTLS_PKT_CONNECT, {.present = BIT(0x19), .request_response_info = 1},
     {0x02, 0x19, 0x01}, 3, CONN},
    {"response info", 0x1A, MQTLS_PKT_CONNACK, {.present = BIT(0x1A), .response_info = S("ri")},
     {0x05, 0x1A, 0x00, 0x02, 'r', 'i'}, 6, CACK},
    {"server reference", 0x1C, MQTLS_PKT_DISCONNECT, {.present = BIT(0x1C), .server_reference = S("s2")},
     {0x05, 0x1C, 0x00, 0x02, 's', '2'}, 6, CACK | DISC},
    {"reason string", 0x1F, MQTLS_PKT_PUBACK, {.present = BIT(0x1F), .reason_string = S("no")},
     {0x05, 0x1F, 0x00, 0x02, 'n', 'o'}, 6, CACK | PACK | PREC | PREL | PCMP | SACK | UACK | DISC | AUTH},
    {"receive maximum", 0x21, MQTLS_PKT_CONNECT, {.present = BIT(0x21), .receive_max = 10u}, {0x03, 0x21, 0x00, 0x0A},
     4, CONN | CACK},
    {"topic alias maximum", 0x22, MQTLS_PKT_CONNACK, {.present = BIT(0x22), .topic_alias_max = 5u},
     {0x03, 0x22, 0x00, 0x05}, 4, CONN | CACK},
    {"topic alias", 0x23, MQTLS_PKT_PUBLISH, {.present = BIT(0x23), .topic_alias = 1u}, {0x03, 0x23, 0x00, 0x01}, 4,
     PUBL},
    {"maximum QoS", 0x24, MQTLS_PKT_CONNACK, {.present = BIT(0x24), .max_qos = 1}, {0x02, 0x24, 0x01}, 3, CACK},
    {"retain available", 0x25, MQTLS_PKT_CONNACK, {.present = BIT(0x25), .retain_available = 0}, {0x02, 0x25, 0x00}, 3,
     CACK},
    {"user property", 0x26, MQTLS_PKT_PUBLISH, {.user = USER_KV, .user_n = 1},
     {0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v'}, 8,
     WILL | CONN | CACK | PUBL | PACK | PREC | PREL | PCMP | SUBS | SACK | UNSB | UACK | DISC | AUTH},
    {"maximum packet size", 0x27, MQTLS_PKT_CONNECT, {.present = BIT(0x27), .max_packet_size = 1024u},
     {0x05, 0x27, 0x00, 0x00, 0x04, 0x00}, 6, CONN | CACK},
    {"wildcard subscription available", 0x28, MQTLS_PKT_CONNACK, {.present = BIT(0x28), .wildcard_sub_available = 1},
     {0x02, 0x28, 0x01}, 3, CACK},
    {"subscription id available", 0x29, MQTLS_PKT_CONNACK, {.present = BIT(0x29), .sub_id_available = 0},
     {0x02, 0x29, 0x00}, 3, CACK},
    {"shared subscription available", 0x2A, MQTLS_PKT_CONNACK, {.present = BIT(0x2A), .shared_sub_available = 1},
     {0x02, 0x2A, 0x01}, 3, CACK},
};

/* Reason codes (section 2.4, table 2-6) and the packets that may carry each. */
typedef struct {
    uint8_t code;
    uint16_t packets;
    const char *text;
} reason_vec_t;

#define ACKS (PACK | PREC)
static const reason_vec_t REASON_VECS[] = {
    {0x00, CACK | PACK | PREC | PREL | PCMP | SACK | UACK | DISC | AUTH, "Success"},
    {0x01, SACK, "Granted QoS 1"},
    {0x02, SACK, "Granted QoS 2"},
    {0x04, DISC, "Disconnect with Will Message"},
    {0x10, ACKS, "No matching subscribers"},
    {0x11, UACK, "No subscription existed"},
    {0x18, AUTH, "Continue authentication"},
    {0x19, AUTH, "Re-authenticate"},
    {0x80, CACK | ACKS | SACK | UACK | DISC, "Unspecified error"},
    {0x81, CACK | DISC, "Malformed Packet"},
    {0x82, CACK | DISC, "Protocol Error"},
    {0x83, CACK | ACKS | SACK | UACK | DISC, "Implementation specific error"},
    {0x84, CACK, "Unsupported Protocol Version"},
    {0x85, CACK, "Client Identifier not valid"},
    {0x86, CACK, "Bad User Name or Password"},
    {0x87, CACK | ACKS | SACK | UACK | DISC, "Not authorized"},
    {0x88, CACK, "Server unavailable"},
    {0x89, CACK | DISC, "Server busy"},
    {0x8A, CACK, "Banned"},
    {0x8B, DISC, "Server shutting down"},
    {0x8C, CACK | DISC, "Bad authentication method"},
    {0x8D, DISC, "Keep Alive timeout"},
    {0x8E, DISC, "Session taken over"},
    {0x8F, SACK | UACK | DISC, "Topic Filter invalid"},
    {0x90, CACK | ACKS | DISC, "Topic Name invalid"},
    {0x91, ACKS | SACK | UACK, "Packet Identifier in use"},
    {0x92, PREL | PCMP, "Packet Identifier not found"},
    {0x93, DISC, "Receive Maximum exceeded"},
    {0x94, DISC, "Topic Alias invalid"},
    {0x95, CACK | DISC, "Packet too large"},
    {0x96, DISC, "Message rate too high"},
    {0x97, CACK | ACKS | SACK | DISC, "Quota exceeded"},
    {0x98, DISC, "Administrative action"},
    {0x99, CACK | ACKS | DISC, "Payload format invalid"},
    {0x9A, CACK | DISC, "Retain not supported"},
    {0x9B, CACK | DISC, "QoS not supported"},
    {0x9C, CACK | DISC, "Use another server"},
    {0x9D, CACK | DISC, "Server moved"},
    {0x9E, SACK | DISC, "Shared Subscriptions not supported"},
    {0x9F, CACK | DISC, "Connection rate exceeded"},
    {0xA0, DISC, "Maximum connect time"},
    {0xA1, SACK | DISC, "Subscription Identifiers not supported"},
    {0xA2, SACK | DISC, "Wildcard Subscriptions not supported"},
};

static uint16_t reason_packets(uint8_t code)
{
    for (size_t i = 0; i < NVEC(REASON_VECS); i++) {
        if (REASON_VECS[i].code == code) {
            return REASON_VECS[i].packets;
        }
    }
    return 0;
}

/* ---- properties: one vector each ------------------------------------------ */

/* Decode a property block from an exactly sized heap copy; caller frees. */
static uint8_t *props_copy(const uint8_t *bytes, size_t n, uint8_t type, mqtls_props_t *out, int32_t want)
{
    uint8_t *b = xmalloc(n);
    memcpy(b, bytes, n);
    expect_rc(mqtls_props_decode(b, n, type, out), want);
    return b;
}

static void every_property_encodes_to_its_vector(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(PROP_VECS); i++) {
        const prop_vec_t *v = &PROP_VECS[i];
        enc_t e = {.kind = K_PROPS, .type = v->packet, .props = &v->props};
        expect_encoding(&e, v->bytes, v->n, false);
    }
}

static void every_property_decodes_and_round_trips(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(PROP_VECS); i++) {
        const prop_vec_t *v = &PROP_VECS[i];
        mqtls_props_t got;
        uint8_t *b = props_copy(v->bytes, v->n, v->packet, &got, (int32_t)v->n);
        assert_true(got.present == BIT(v->id));
        assert_ptr_equal(got.raw, b + 1);
        assert_int_equal(got.raw_len, v->n - 1u);
        /* The single-valued fields: re-encoding the decoded struct gives the vector. */
        if (v->id != MQTLS_PROP_USER) {
            uint8_t again[16];
            expect_rc(mqtls_props_encode(again, sizeof again, v->packet, &got), (int32_t)v->n);
            assert_memory_equal(again, v->bytes, v->n);
        } else {
            assert_int_equal(got.user_n, 1);
            assert_null(got.user);
        }
        /* The cursor sees the one property with its value. */
        mqtls_prop_cursor_t cur;
        mqtls_prop_t pr;
        mqtls_props_begin(&cur, &got);
        expect_rc(mqtls_props_next(&cur, &pr), 1);
        assert_int_equal(pr.id, v->id);
        expect_rc(mqtls_props_next(&cur, &pr), 0);
        free(b);
    }
}

static void decoded_fields_hold_the_values(void **state)
{
    (void)state;
    mqtls_props_t p;
    uint8_t *b = props_copy(BYTES(0x05, 0x02, 0x12, 0x34, 0x56, 0x78), MQTLS_PKT_PUBLISH, &p, 6);
    assert_int_equal(p.message_expiry, 0x12345678u);
    free(b);
    b = props_copy(BYTES(0x05, 0x0B, 0xFF, 0xFF, 0xFF, 0x7F), MQTLS_PKT_SUBSCRIBE, &p, 6);
    assert_int_equal(p.subscription_id, 268435455u);
    assert_int_equal(p.sub_id_n, 1);
    free(b);
    b = props_copy(BYTES(0x03, 0x13, 0x01, 0x02), MQTLS_PKT_CONNACK, &p, 4);
    assert_int_equal(p.server_keep_alive, 0x0102u);
    free(b);
    b = props_copy(BYTES(0x05, 0x09, 0x00, 0x02, 0x00, 0xFF), MQTLS_PKT_PUBLISH, &p, 6);
    assert_int_equal(p.correlation_data.len, 2);
    assert_memory_equal(p.correlation_data.data, CORR, 2);
    assert_ptr_equal(p.correlation_data.data, b + 4); /* borrowed, not copied */
    free(b);
    b = props_copy(BYTES(0x02, 0x24, 0x01), MQTLS_PKT_CONNACK, &p, 3);
    assert_int_equal(p.max_qos, 1);
    free(b);
    b = props_copy(BYTES(0x05, 0x1C, 0x00, 0x02, 's', '2'), MQTLS_PKT_DISCONNECT, &p, 6);
    expect_bytes_equal(&p.server_reference, "s2");
    free(b);
    /* An empty block: one byte, nothing present. */
    b = props_copy(BYTES(0x00), MQTLS_PKT_PUBACK, &p, 1);
    assert_true(p.present == 0u);
    assert_int_equal(p.raw_len, 0);
    free(b);
}

static void cursor_reads_every_type(void **state)
{
    (void)state;
    /* A PUBLISH block: payload format (byte), message expiry (u32), topic
     * alias (u16), subscription id (varint), content type (string),
     * correlation data (binary), user property (pair). */
    static const uint8_t blk[] = {0x1F, 0x01, 0x01, 0x02, 0x00, 0x00, 0x01, 0x00, 0x23, 0x00, 0x07, 0x0B,
                                  0x80, 0x01, 0x03, 0x00, 0x01, 't', 0x09, 0x00, 0x01, 0xAB, 0x26, 0x00,
                                  0x02, 'k', '1', 0x00, 0x03, 'v', 'a', 'l'};
    uint8_t *b = xmalloc(sizeof blk);
    memcpy(b, blk, sizeof blk);
    mqtls_props_t p;
    expect_rc(mqtls_props_decode(b, sizeof blk, MQTLS_PKT_PUBLISH, &p), (int32_t)sizeof blk);
    mqtls_prop_cursor_t cur;
    mqtls_prop_t pr;
    mqtls_props_begin(&cur, &p);
    expect_rc(mqtls_props_next(&cur, &pr), 1);
    assert_int_equal(pr.type, MQTLS_PTYPE_BYTE);
    assert_int_equal(pr.num, 1);
    expect_rc(mqtls_props_next(&cur, &pr), 1);
    assert_int_equal(pr.type, MQTLS_PTYPE_U32);
    assert_int_equal(pr.num, 256);
    expect_rc(mqtls_props_next(&cur, &pr), 1);
    assert_int_equal(pr.type, MQTLS_PTYPE_U16);
    assert_int_equal(pr.num, 7);
    expect_rc(mqtls_props_next(&cur, &pr), 1);
    assert_int_equal(pr.type, MQTLS_PTYPE_VARINT);
    assert_int_equal(pr.num, 128);
    expect_rc(mqtls_props_next(&cur, &pr), 1);
    assert_int_equal(pr.type, MQTLS_PTYPE_STRING);
    expect_bytes_equal(&pr.str, "t");
    expect_rc(mqtls_props_next(&cur, &pr), 1);
    assert_int_equal(pr.type, MQTLS_PTYPE_BINARY);
    assert_int_equal(pr.str.len, 1);
    assert_int_equal(pr.str.data[0], 0xAB);
    expect_rc(mqtls_props_next(&cur, &pr), 1);
    assert_int_equal(pr.type, MQTLS_PTYPE_PAIR);
    expect_bytes_equal(&pr.str, "k1");
    expect_bytes_equal(&pr.value, "val");
    assert_ptr_equal(pr.value.data, b + 29); /* borrowed */
    expect_rc(mqtls_props_next(&cur, &pr), 0);
    expect_rc(mqtls_props_next(&cur, &pr), 0); /* stays at the end */
    /* Fields too. */
    assert_int_equal(p.payload_format, 1);
    assert_int_equal(p.message_expiry, 256);
    assert_int_equal(p.topic_alias, 7);
    assert_int_equal(p.subscription_id, 128);
    expect_bytes_equal(&p.content_type, "t");
    assert_int_equal(p.user_n, 1);
    free(b);
}

static void cursor_refuses_bad_blocks_and_arguments(void **state)
{
    (void)state;
    mqtls_prop_t pr;
    mqtls_prop_cursor_t cur = {BYTES(0x04, 0x00)}; /* unknown identifier 4 */
    expect_rc(mqtls_props_next(&cur, &pr), MQTLS_ERR_BAD_PROPERTY);
    cur = (mqtls_prop_cursor_t){BYTES(0x0B, 0x80, 0x80, 0x80, 0x80, 0x01)};
    expect_rc(mqtls_props_next(&cur, &pr), MQTLS_ERR_BAD_VARINT);
    cur = (mqtls_prop_cursor_t){BYTES(0x0B, 0x80)}; /* varint cut by the block */
    expect_rc(mqtls_props_next(&cur, &pr), MQTLS_ERR_BAD_PROPERTY);
    cur = (mqtls_prop_cursor_t){BYTES(0x26, 0x00, 0x01, 'k', 0x00)}; /* pair value cut */
    expect_rc(mqtls_props_next(&cur, &pr), MQTLS_ERR_BAD_PROPERTY);
    cur = (mqtls_prop_cursor_t){NULL, 1};
    expect_rc(mqtls_props_next(&cur, &pr), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_props_next(NULL, &pr), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_props_next(&cur, NULL), MQTLS_ERR_INVALID_ARG);
    /* begin() on NULL props or an encoding struct: an empty walk. */
    mqtls_props_begin(&cur, NULL);
    expect_rc(mqtls_props_next(&cur, &pr), 0);
    mqtls_props_t enc_only = {.present = BIT(0x01), .payload_format = 1};
    mqtls_props_begin(&cur, &enc_only);
    expect_rc(mqtls_props_next(&cur, &pr), 0);
    mqtls_props_begin(NULL, NULL); /* no crash */
}

/* ---- properties: allowed per packet --------------------------------------- */

static void every_property_is_refused_where_the_spec_does_not_allow_it(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(PROP_VECS); i++) {
        const prop_vec_t *v = &PROP_VECS[i];
        for (uint8_t t = 0; t <= MQTLS_PKT_AUTH; t++) {
            const bool ok = (v->allowed & P(t)) != 0u;
            uint8_t buf[16];
            int32_t want = ok ? (int32_t)v->n : MQTLS_ERR_PROPERTY_NOT_ALLOWED;
            int32_t got = mqtls_props_encode(buf, sizeof buf, t, &v->props);
            if (got != want) {
                fail_msg("%s in packet type %u: encode %d (%s), want %d", v->name, t, (int)got, mqtls_errname(got),
                         (int)want);
            }
            mqtls_props_t out;
            uint8_t *b = xmalloc(v->n);
            memcpy(b, v->bytes, v->n);
            got = mqtls_props_decode(b, v->n, t, &out);
            free(b);
            if (got != want) {
                fail_msg("%s in packet type %u: decode %d (%s), want %d", v->name, t, (int)got, mqtls_errname(got),
                         (int)want);
            }
        }
    }
}

static void property_not_allowed_inside_packets(void **state)
{
    (void)state;
    /* PUBACK with a topic alias. */
    expect_decode(BYTES(0x40, 0x07, 0x00, 0x01, 0x00, 0x03, 0x23, 0x00, 0x01), MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    /* CONNACK with a will delay. */
    expect_decode(BYTES(0x20, 0x08, 0x00, 0x00, 0x05, 0x18, 0x00, 0x00, 0x00, 0x01), MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    /* PUBLISH with a session expiry. */
    expect_decode(BYTES(0x30, 0x09, 0x00, 0x01, 't', 0x05, 0x11, 0x00, 0x00, 0x00, 0x01),
                  MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    /* SUBACK with a subscription identifier. */
    expect_decode(BYTES(0x90, 0x06, 0x00, 0x01, 0x02, 0x0B, 0x01, 0x00), MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    /* DISCONNECT with an assigned client identifier. */
    expect_decode(BYTES(0xE0, 0x07, 0x00, 0x05, 0x12, 0x00, 0x02, 'i', 'd'), MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    /* AUTH with a server reference. */
    expect_decode(BYTES(0xF0, 0x07, 0x18, 0x05, 0x1C, 0x00, 0x02, 's', '2'), MQTLS_ERR_PROPERTY_NOT_ALLOWED);
}

/* ---- properties: duplicates ------------------------------------------------ */

static void every_single_valued_property_twice_is_a_duplicate(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(PROP_VECS); i++) {
        const prop_vec_t *v = &PROP_VECS[i];
        const size_t body = v->n - 1u; /* all vectors have a 1-byte length */
        uint8_t b[32];
        b[0] = (uint8_t)(2u * body);
        memcpy(b + 1, v->bytes + 1, body);
        memcpy(b + 1 + body, v->bytes + 1, body);
        mqtls_props_t out;
        const bool repeatable =
            v->id == MQTLS_PROP_USER || (v->id == MQTLS_PROP_SUBSCRIPTION_ID && v->packet == MQTLS_PKT_PUBLISH);
        int32_t got = mqtls_props_decode(b, 1u + 2u * body, v->packet, &out);
        int32_t want = repeatable ? (int32_t)(1u + 2u * body) : MQTLS_ERR_DUPLICATE_PROPERTY;
        if (got != want) {
            fail_msg("%s twice: %d (%s), want %d", v->name, (int)got, mqtls_errname(got), (int)want);
        }
        if (v->id == MQTLS_PROP_SUBSCRIPTION_ID) {
            /* In PUBLISH it repeats; in SUBSCRIBE it may not. */
            expect_rc(mqtls_props_decode(b, 1u + 2u * body, MQTLS_PKT_PUBLISH, &out), (int32_t)(1u + 2u * body));
            assert_int_equal(out.sub_id_n, 2);
        }
    }
}

static void publish_repeats_subscription_ids_and_user_properties(void **state)
{
    (void)state;
    static const uint8_t pkt[] = {0x30, 0x18, 0x00, 0x01, 't', 0x13, 0x0B, 0x01, 0x0B, 0x80, 0x01, 0x26, 0x00,
                                  0x01, 'a', 0x00, 0x01, 'b', 0x26, 0x00, 0x01, 'c', 0x00, 0x01, 'd', 'p'};
    mqtls_packet_t out;
    uint8_t *b = decode_copy(pkt, sizeof pkt, &out, MQTLS_OK);
    assert_int_equal(out.type, MQTLS_PKT_PUBLISH);
    assert_ptr_equal(out.u.publish.props, &out.props);
    assert_int_equal(out.props.sub_id_n, 2);
    assert_int_equal(out.props.subscription_id, 1);
    assert_int_equal(out.props.user_n, 2);
    assert_int_equal(out.u.publish.payload_len, 1);
    assert_int_equal(out.u.publish.payload[0], 'p');
    mqtls_prop_cursor_t cur;
    mqtls_prop_t pr;
    mqtls_props_begin(&cur, &out.props);
    static const uint32_t ids[] = {1, 128};
    size_t nid = 0, nuser = 0;
    while (mqtls_props_next(&cur, &pr) > 0) {
        if (pr.id == MQTLS_PROP_SUBSCRIPTION_ID) {
            assert_true(nid < 2);
            assert_int_equal(pr.num, ids[nid++]);
        } else {
            assert_int_equal(pr.id, MQTLS_PROP_USER);
            expect_bytes_equal(&pr.str, nuser == 0 ? "a" : "c");
            expect_bytes_equal(&pr.value, nuser == 0 ? "b" : "d");
            nuser++;
        }
    }
    assert_int_equal(nid, 2);
    assert_int_equal(nuser, 2);
    free(b);
}

static void duplicate_inside_a_packet(void **state)
{
    (void)state;
    /* CONNACK with two receive maximums. */
    expect_decode(BYTES(0x20, 0x09, 0x00, 0x00, 0x06, 0x21, 0x00, 0x01, 0x21, 0x00, 0x02),
                  MQTLS_ERR_DUPLICATE_PROPERTY);
    /* PUBACK with two reason strings. */
    expect_decode(BYTES(0x40, 0x0A, 0x00, 0x01, 0x00, 0x06, 0x1F, 0x00, 0x00, 0x1F, 0x00, 0x00),
                  MQTLS_ERR_DUPLICATE_PROPERTY);
    /* PUBLISH with two topic aliases. */
    expect_decode(BYTES(0x30, 0x0A, 0x00, 0x01, 't', 0x06, 0x23, 0x00, 0x01, 0x23, 0x00, 0x02),
                  MQTLS_ERR_DUPLICATE_PROPERTY);
}

/* ---- properties: malformed -------------------------------------------------- */

typedef struct {
    const char *what;
    uint8_t packet;
    uint8_t bytes[16];
    size_t n;
    int32_t want;
} bad_block_t;

static const bad_block_t BAD_BLOCKS[] = {
    {"property length of 5 bytes", MQTLS_PKT_PUBACK, {0x80, 0x80, 0x80, 0x80, 0x01}, 5, MQTLS_ERR_BAD_VARINT},
    {"subscription id of 5 bytes", MQTLS_PKT_PUBLISH, {0x06, 0x0B, 0x80, 0x80, 0x80, 0x80, 0x01}, 7,
     MQTLS_ERR_BAD_VARINT},
    {"subscription id cut by the block", MQTLS_PKT_PUBLISH, {0x02, 0x0B, 0x80}, 3, MQTLS_ERR_BAD_PROPERTY},
    {"property length past the end", MQTLS_PKT_PUBLISH, {0x05, 0x01, 0x01}, 3, MQTLS_ERR_PROPERTY_LENGTH},
    {"property length varint cut", MQTLS_PKT_PUBLISH, {0x80}, 1, MQTLS_ERR_TRUNCATED},
    {"nothing at all", MQTLS_PKT_PUBLISH, {0}, 0, MQTLS_ERR_TRUNCATED},
    {"unknown identifier 0x04", MQTLS_PKT_PUBLISH, {0x02, 0x04, 0x00}, 3, MQTLS_ERR_BAD_PROPERTY},
    {"unknown identifier 0x00", MQTLS_PKT_PUBLISH, {0x02, 0x00, 0x00}, 3, MQTLS_ERR_BAD_PROPERTY},
    {"two-byte identifier", MQTLS_PKT_PUBLISH, {0x03, 0x81, 0x01, 0x00}, 4, MQTLS_ERR_BAD_PROPERTY},
    {"two-byte value cut", MQTLS_PKT_CONNACK, {0x02, 0x13, 0x01}, 3, MQTLS_ERR_BAD_PROPERTY},
    {"four-byte value cut", MQTLS_PKT_PUBLISH, {0x04, 0x02, 0x00, 0x00, 0x01}, 5, MQTLS_ERR_BAD_PROPERTY},
    {"byte value missing", MQTLS_PKT_PUBLISH, {0x01, 0x01}, 2, MQTLS_ERR_BAD_PROPERTY},
    {"string length past the block", MQTLS_PKT_PUBLISH, {0x04, 0x03, 0x00, 0x05, 'a'}, 5, MQTLS_ERR_BAD_PROPERTY},
    {"string length cut", MQTLS_PKT_PUBLISH, {0x02, 0x03, 0x00}, 3, MQTLS_ERR_BAD_PROPERTY},
    {"bad UTF-8 in a string (overlong)", MQTLS_PKT_PUBLISH, {0x05, 0x03, 0x00, 0x02, 0xC0, 0x80}, 6,
     MQTLS_ERR_BAD_UTF8},
    {"surrogate in a string", MQTLS_PKT_PUBACK, {0x06, 0x1F, 0x00, 0x03, 0xED, 0xA0, 0x80}, 7, MQTLS_ERR_BAD_UTF8},
    {"U+0000 in a string", MQTLS_PKT_PUBLISH, {0x04, 0x03, 0x00, 0x01, 0x00}, 5, MQTLS_ERR_UTF8_NULL},
    {"bad UTF-8 in a pair name", MQTLS_PKT_PUBLISH, {0x07, 0x26, 0x00, 0x01, 0xFF, 0x00, 0x01, 'v'}, 8,
     MQTLS_ERR_BAD_UTF8},
    {"bad UTF-8 in a pair value", MQTLS_PKT_PUBLISH, {0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 0x80}, 8,
     MQTLS_ERR_BAD_UTF8},
    {"U+0000 in a pair value", MQTLS_PKT_PUBLISH, {0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 0x00}, 8,
     MQTLS_ERR_UTF8_NULL},
    {"wildcard in a response topic", MQTLS_PKT_PUBLISH, {0x06, 0x08, 0x00, 0x03, 'a', '/', '#'}, 7,
     MQTLS_ERR_TOPIC_WILDCARD},
    {"topic alias 0", MQTLS_PKT_PUBLISH, {0x03, 0x23, 0x00, 0x00}, 4, MQTLS_ERR_BAD_PROPERTY_VALUE},
    {"receive maximum 0", MQTLS_PKT_CONNACK, {0x03, 0x21, 0x00, 0x00}, 4, MQTLS_ERR_BAD_PROPERTY_VALUE},
    {"maximum packet size 0", MQTLS_PKT_CONNACK, {0x05, 0x27, 0x00, 0x00, 0x00, 0x00}, 6,
     MQTLS_ERR_BAD_PROPERTY_VALUE},
    {"subscription id 0", MQTLS_PKT_PUBLISH, {0x02, 0x0B, 0x00}, 3, MQTLS_ERR_BAD_PROPERTY_VALUE},
    {"payload format 2", MQTLS_PKT_PUBLISH, {0x02, 0x01, 0x02}, 3, MQTLS_ERR_BAD_PROPERTY_VALUE},
    {"maximum QoS 2", MQTLS_PKT_CONNACK, {0x02, 0x24, 0x02}, 3, MQTLS_ERR_BAD_PROPERTY_VALUE},
    {"retain available 2", MQTLS_PKT_CONNACK, {0x02, 0x25, 0x02}, 3, MQTLS_ERR_BAD_PROPERTY_VALUE},
    {"auth data without method", MQTLS_PKT_CONNACK, {0x04, 0x16, 0x00, 0x01, 'x'}, 5,
     MQTLS_ERR_AUTH_DATA_WITHOUT_METHOD},
};

static void malformed_property_blocks_are_refused_precisely(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(BAD_BLOCKS); i++) {
        const bad_block_t *v = &BAD_BLOCKS[i];
        uint8_t *b = xmalloc(v->n);
        memcpy(b, v->bytes, v->n);
        mqtls_props_t out;
        int32_t got = mqtls_props_decode(v->n != 0u ? b : NULL, v->n, v->packet, &out);
        free(b);
        if (got != v->want) {
            fail_msg("%s: %d (%s), want %d (%s)", v->what, (int)got, mqtls_errname(got), (int)v->want,
                     mqtls_errname(v->want));
        }
    }
}

static void malformed_properties_inside_packets(void **state)
{
    (void)state;
    /* PUBACK whose property length has 5 bytes. */
    expect_decode(BYTES(0x40, 0x08, 0x00, 0x01, 0x00, 0x80, 0x80, 0x80, 0x80, 0x01), MQTLS_ERR_BAD_VARINT);
    /* PUBACK whose property length (3) runs past the packet. */
    expect_decode(BYTES(0x40, 0x05, 0x00, 0x01, 0x00, 0x03, 0x1F), MQTLS_ERR_PROPERTY_LENGTH);
    /* PUBACK whose property length varint is cut by the end of the packet. */
    expect_decode(BYTES(0x40, 0x04, 0x00, 0x01, 0x00, 0x80), MQTLS_ERR_TRUNCATED);
    /* A reason string whose length runs past the (truncated) block. */
    expect_decode(BYTES(0x40, 0x06, 0x00, 0x01, 0x00, 0x02, 0x1F, 0x00), MQTLS_ERR_BAD_PROPERTY);
    /* Bytes after a PUBACK's property block. */
    expect_decode(BYTES(0x40, 0x05, 0x00, 0x01, 0x00, 0x00, 0x00), MQTLS_ERR_LENGTH_MISMATCH);
    /* PUBLISH with bad UTF-8 in a user property value. */
    expect_decode(BYTES(0x30, 0x0B, 0x00, 0x01, 't', 0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 0xFE),
                  MQTLS_ERR_BAD_UTF8);
    /* PUBLISH with topic alias 0. */
    expect_decode(BYTES(0x30, 0x08, 0x00, 0x01, 't', 0x03, 0x23, 0x00, 0x00, 'x'), MQTLS_ERR_BAD_PROPERTY_VALUE);
    /* PUBLISH whose property block runs past the packet. */
    expect_decode(BYTES(0x30, 0x05, 0x00, 0x01, 't', 0x09, 0x01), MQTLS_ERR_PROPERTY_LENGTH);
    /* CONNACK with receive maximum 0 and one with maximum packet size 0. */
    expect_decode(BYTES(0x20, 0x06, 0x00, 0x00, 0x03, 0x21, 0x00, 0x00), MQTLS_ERR_BAD_PROPERTY_VALUE);
    expect_decode(BYTES(0x20, 0x08, 0x00, 0x00, 0x05, 0x27, 0x00, 0x00, 0x00, 0x00), MQTLS_ERR_BAD_PROPERTY_VALUE);
}

/* ---- properties: encoder refusals ------------------------------------------ */

static void property_encoder_refuses_bad_values(void **state)
{
    (void)state;
    mqtls_props_t p;
    enc_t e = {.kind = K_PROPS, .type = MQTLS_PKT_PUBLISH, .props = &p};
    p = (mqtls_props_t){.present = BIT(0x23), .topic_alias = 0};
    expect_encode_error(&e, MQTLS_ERR_BAD_PROPERTY_VALUE);
    p = (mqtls_props_t){.present = BIT(0x0B), .subscription_id = 0};
    expect_encode_error(&e, MQTLS_ERR_BAD_PROPERTY_VALUE);
    p = (mqtls_props_t){.present = BIT(0x0B), .subscription_id = 268435456u};
    expect_encode_error(&e, MQTLS_ERR_BAD_PROPERTY_VALUE);
    p = (mqtls_props_t){.present = BIT(0x01), .payload_format = 2};
    expect_encode_error(&e, MQTLS_ERR_BAD_PROPERTY_VALUE);
    p = (mqtls_props_t){.present = BIT(0x03), .content_type = {(const uint8_t *)"\xC0\x80", 2}};
    expect_encode_error(&e, MQTLS_ERR_BAD_UTF8);
    p = (mqtls_props_t){.present = BIT(0x08), .response_topic = S("a/+")};
    expect_encode_error(&e, MQTLS_ERR_TOPIC_WILDCARD);
    p = (mqtls_props_t){.present = BIT(0x09), .correlation_data = {NULL, 3}};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    p = (mqtls_props_t){.present = BIT(0x09), .correlation_data = {NULL, 0}}; /* empty is fine */
    uint8_t four[4];
    expect_rc(mqtls_props_encode(four, sizeof four, MQTLS_PKT_PUBLISH, &p), 4);
    assert_memory_equal(four, ((const uint8_t[]){0x03, 0x09, 0x00, 0x00}), 4);
    static uint8_t big[65536];
    p = (mqtls_props_t){.present = BIT(0x09), .correlation_data = {big, sizeof big}};
    expect_encode_error(&e, MQTLS_ERR_STRING_TOO_LONG);
    p = (mqtls_props_t){.present = BIT(0x03), .content_type = {big, sizeof big}};
    expect_encode_error(&e, MQTLS_ERR_STRING_TOO_LONG);
    p = (mqtls_props_t){.user_n = 1};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG); /* user properties without the array */
    static const mqtls_user_prop_t bad_user[] = {{{(const uint8_t *)"k", 1}, {(const uint8_t *)"\xFF", 1}}};
    p = (mqtls_props_t){.user = bad_user, .user_n = 1};
    expect_encode_error(&e, MQTLS_ERR_BAD_UTF8);
    p = (mqtls_props_t){.present = BIT(0x04)};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG); /* a bit that names no property */
    p = (mqtls_props_t){.present = BIT(0x30)};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    e.type = MQTLS_PKT_CONNECT;
    p = (mqtls_props_t){.present = BIT(0x21), .receive_max = 0};
    expect_encode_error(&e, MQTLS_ERR_BAD_PROPERTY_VALUE);
    p = (mqtls_props_t){.present = BIT(0x27), .max_packet_size = 0};
    expect_encode_error(&e, MQTLS_ERR_BAD_PROPERTY_VALUE);
    p = (mqtls_props_t){.present = BIT(0x16), .auth_data = S("x")};
    expect_encode_error(&e, MQTLS_ERR_AUTH_DATA_WITHOUT_METHOD);
    e.type = 16;
    p = (mqtls_props_t){0};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    /* NULL props: an empty block, one byte. */
    uint8_t one[1] = {0xEE};
    expect_rc(mqtls_props_encode(one, 1, MQTLS_PKT_PUBLISH, NULL), 1);
    assert_int_equal(one[0], 0x00);
    mqtls_props_t out;
    expect_rc(mqtls_props_decode(one, 1, 16, &out), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_props_decode(NULL, 1, MQTLS_PKT_PUBLISH, &out), MQTLS_ERR_INVALID_ARG);
    expect_rc(mqtls_props_decode(one, 1, MQTLS_PKT_PUBLISH, NULL), MQTLS_ERR_INVALID_ARG);
}

static void property_block_beyond_the_largest_packet_is_refused(void **state)
{
    (void)state;
    /* 2048 user properties of 65535 + 65535 bytes: 131075 bytes each on the
     * wire, 268,441,600 in all, more than a remaining length can hold. */
    static uint8_t big[65535];
    memset(big, 'a', sizeof big);
    const size_t n = 2048;
    mqtls_user_prop_t *u = xmalloc(n * sizeof *u);
    for (size_t i = 0; i < n; i++) {
        u[i] = (mqtls_user_prop_t){{big, sizeof big}, {big, sizeof big}};
    }
    mqtls_props_t p = {.user = u, .user_n = n};
    expect_rc(mqtls_props_encode(NULL, 0, MQTLS_PKT_PUBLISH, &p), MQTLS_ERR_PACKET_TOO_LARGE);
    /* 2047 fit (268,310,525 bytes and a 4-byte length), but not with a
     * 130000-byte payload in the same PUBLISH. */
    p.user_n = n - 1u;
    expect_rc(mqtls_props_encode(NULL, 0, MQTLS_PKT_PUBLISH, &p), 4 + (int32_t)(2047u * 131075u));
    uint8_t *payload = xmalloc(130000);
    mqtls_publish_t pub = {.topic = "t", .topic_len = 1, .props = &p, .payload = payload, .payload_len = 130000};
    expect_rc(mqtls_encode_publish(NULL, 0, V5, &pub), MQTLS_ERR_PACKET_TOO_LARGE);
    free(payload);
    free(u);
}

static void properties_are_written_in_identifier_order(void **state)
{
    (void)state;
    /* Set in any order; the block comes out 0x02, 0x03, 0x23, 0x26, 0x26. */
    static const mqtls_user_prop_t users[] = {{S("a"), S("1")}, {S("b"), S("")}};
    mqtls_props_t p = {.present = BIT(0x23) | BIT(0x03) | BIT(0x02),
                       .topic_alias = 9,
                       .content_type = S("c"),
                       .message_expiry = 1,
                       .user = users,
                       .user_n = 2};
    enc_t e = {.kind = K_PROPS, .type = MQTLS_PKT_PUBLISH, .props = &p};
    expect_encoding(&e,
                    BYTES(0x19, 0x02, 0x00, 0x00, 0x00, 0x01, 0x03, 0x00, 0x01, 'c', 0x23, 0x00, 0x09, 0x26, 0x00,
                          0x01, 'a', 0x00, 0x01, '1', 0x26, 0x00, 0x01, 'b', 0x00, 0x00),
                    false);
}

/* ---- reason codes ------------------------------------------------------------ */

static const uint8_t REASON_TYPES[] = {MQTLS_PKT_CONNACK, MQTLS_PKT_PUBACK,   MQTLS_PKT_PUBREC,
                                       MQTLS_PKT_PUBREL,  MQTLS_PKT_PUBCOMP,  MQTLS_PKT_SUBACK,
                                       MQTLS_PKT_UNSUBACK, MQTLS_PKT_DISCONNECT, MQTLS_PKT_AUTH};

static void reason_allowed_matches_the_spec_table(void **state)
{
    (void)state;
    for (unsigned t = 0; t <= 16u; t++) {
        for (unsigned c = 0; c < 256u; c++) {
            bool want = t <= 15u && (reason_packets((uint8_t)c) & P(t)) != 0u;
            if (mqtls_reason_allowed((uint8_t)t, (uint8_t)c) != want) {
                fail_msg("reason 0x%02X in packet type %u: want %s", c, t, want ? "allowed" : "refused");
            }
        }
    }
}

static void reason_strings_name_every_code(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(REASON_VECS); i++) {
        assert_string_equal(mqtls_reason_string(REASON_VECS[i].code), REASON_VECS[i].text);
    }
    assert_string_equal(mqtls_reason_string(0x87), "Not authorized");
    assert_string_equal(mqtls_reason_string(0x03), "Unknown reason code");
    assert_string_equal(mqtls_reason_string(0xFF), "Unknown reason code");
}

/* Build the smallest packet of `type` that carries `code`. */
static size_t reason_packet(uint8_t type, uint8_t code, uint8_t *b)
{
    switch (type) {
    case MQTLS_PKT_CONNACK:
        memcpy(b, (const uint8_t[]){0x20, 0x03, 0x00, code, 0x00}, 5);
        return 5;
    case MQTLS_PKT_SUBACK:
    case MQTLS_PKT_UNSUBACK:
        memcpy(b, (const uint8_t[]){(uint8_t)(type << 4), 0x04, 0x00, 0x01, 0x00, code}, 6);
        return 6;
    case MQTLS_PKT_DISCONNECT:
        memcpy(b, (const uint8_t[]){0xE0, 0x01, code}, 3);
        return 3;
    case MQTLS_PKT_AUTH:
        memcpy(b, (const uint8_t[]){0xF0, 0x02, code, 0x00}, 4);
        return 4;
    default: /* PUBACK .. PUBCOMP */
        memcpy(b, (const uint8_t[]){(uint8_t)((type << 4) | (type == MQTLS_PKT_PUBREL ? 2u : 0u)), 0x03, 0x00, 0x01, code},
               5);
        return 5;
    }
}

/* each packet takes only its own reason codes
 * [MQTT-3.4.2-1] [MQTT-3.5.2-1] [MQTT-3.6.2-1] [MQTT-3.7.2-1] [MQTT-3.9.3-2] [MQTT-3.11.3-2] */
static void every_reason_code_is_decoded_or_refused_per_packet(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(REASON_TYPES); i++) {
        const uint8_t t = REASON_TYPES[i];
        for (unsigned c = 0; c < 256u; c++) {
            uint8_t pkt[8];
            size_t n = reason_packet(t, (uint8_t)c, pkt);
            const bool ok = (reason_packets((uint8_t)c) & P(t)) != 0u;
            mqtls_packet_t out;
            uint8_t *b = xmalloc(n);
            memcpy(b, pkt, n);
            int32_t got = mqtls_decode_packet(b, n, V5, &out);
            if (got != (ok ? MQTLS_OK : MQTLS_ERR_BAD_REASON_CODE)) {
                fail_msg("decode type %u reason 0x%02X: %d (%s)", t, c, (int)got, mqtls_errname(got));
            }
            if (ok && (t == MQTLS_PKT_SUBACK || t == MQTLS_PKT_UNSUBACK)) {
                assert_int_equal(out.u.suback.count, 1);
                assert_int_equal(out.u.suback.return_codes[0], c);
            } else if (ok) {
                assert_int_equal(out.reason_code, c);
            }
            free(b);
        }
    }
}

static void every_reason_code_is_encoded_or_refused_per_packet(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVEC(REASON_TYPES); i++) {
        const uint8_t t = REASON_TYPES[i];
        for (unsigned c = 0; c < 256u; c++) {
            const uint8_t code = (uint8_t)c;
            uint8_t b[16];
            int32_t got;
            switch (t) {
            case MQTLS_PKT_CONNACK:
                got = mqtls_encode_connack5(b, sizeof b, false, code, NULL);
                break;
            case MQTLS_PKT_SUBACK:
            case MQTLS_PKT_UNSUBACK:
                got = mqtls_encode_suback5(b, sizeof b, t, 1, &code, 1, NULL);
                break;
            case MQTLS_PKT_DISCONNECT:
                got = mqtls_encode_disconnect5(b, sizeof b, code, NULL);
                break;
            case MQTLS_PKT_AUTH:
                got = mqtls_encode_auth(b, sizeof b, code, NULL);
                break;
            default:
                got = mqtls_encode_ack5(b, sizeof b, t, 1, code, NULL);
                break;
            }
            const bool ok = (reason_packets(code) & P(t)) != 0u;
            if (ok ? got <= 0 : got != MQTLS_ERR_BAD_REASON_CODE) {
                fail_msg("encode type %u reason 0x%02X: %d (%s)", t, c, (int)got, mqtls_errname(got));
            }
            if (ok) {
                /* What was encoded decodes to the same code. */
                mqtls_packet_t out;
                expect_rc(mqtls_decode_packet(b, (size_t)got, V5, &out), MQTLS_OK);
                uint8_t back = (t == MQTLS_PKT_SUBACK || t == MQTLS_PKT_UNSUBACK) ? out.u.suback.return_codes[0]
                                                                                    : out.reason_code;
                assert_int_equal(back, code);
            }
        }
    }
}

/* ---- CONNECT ---------------------------------------------------------------- */

static const mqtls_user_prop_t USER_AB[] = {{S("a"), S("b")}};

static mqtls_connect_t connect5(void)
{
    return (mqtls_connect_t){.protocol_version = V5,
                             .clean_session = true,
                             .keepalive_s = 60,
                             .client_id = "a",
                             .client_id_len = 1};
}

/* the client identifier is the first payload field [MQTT-3.1.3-3] */
static void connect_minimal(void **state)
{
    (void)state;
    mqtls_connect_t c = connect5();
    enc_t e = {.kind = K_CONNECT, .connect = &c};
    expect_encoding(&e,
                    BYTES(0x10, 0x0E, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x02, 0x00, 0x3C, 0x00, 0x00, 0x01, 'a'),
                    false);
}

/* will properties, topic and payload, user name and password present with their flags
 * [MQTT-3.1.2-9] [MQTT-3.1.2-17] [MQTT-3.1.2-19] */
static void connect_with_every_part(void **state)
{
    (void)state;
    mqtls_props_t props = {.present = BIT(0x11) | BIT(0x21), .session_expiry = 30, .receive_max = 20,
                           .user = USER_AB, .user_n = 1};
    mqtls_props_t will = {.present = BIT(0x18) | BIT(0x01), .will_delay = 5, .payload_format = 1};
    mqtls_connect_t c = connect5();
    c.props = &props;
    c.will = true;
    c.will_props = &will;
    c.will_topic = "w";
    c.will_topic_len = 1;
    c.will_payload = (const uint8_t *)"x";
    c.will_payload_len = 1;
    c.will_qos = 1;
    c.will_retain = true;
    c.username = "u";
    c.username_len = 1;
    c.password = (const uint8_t *)"p";
    c.password_len = 1;
    enc_t e = {.kind = K_CONNECT, .connect = &c};
    expect_encoding(&e,
                    BYTES(0x10, 0x31, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0xEE, 0x00, 0x3C,
                          /* properties */ 0x0F, 0x11, 0x00, 0x00, 0x00, 0x1E, 0x21, 0x00, 0x14, 0x26, 0x00, 0x01, 'a',
                          0x00, 0x01, 'b',
                          /* client id */ 0x00, 0x01, 'a',
                          /* will properties */ 0x07, 0x01, 0x01, 0x18, 0x00, 0x00, 0x00, 0x05,
                          /* will topic, payload, user name, password */ 0x00, 0x01, 'w', 0x00, 0x01, 'x', 0x00, 0x01,
                          'u', 0x00, 0x01, 'p'),
                    false);
}

static void connect_password_without_user_name_is_allowed_in_5(void **state)
{
    (void)state;
    mqtls_connect_t c = connect5();
    c.password = (const uint8_t *)"p";
    c.password_len = 1;
    enc_t e = {.kind = K_CONNECT, .connect = &c};
    expect_encoding(&e,
                    BYTES(0x10, 0x11, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x42, 0x00, 0x3C, 0x00, 0x00, 0x01, 'a',
                          0x00, 0x01, 'p'),
                    false);
    c.protocol_version = MQTLS_PROTO_V311; /* still refused in 3.1.1 */
    expect_encode_error(&e, MQTLS_ERR_PASSWORD_WITHOUT_USER);
}

static void connect_refuses_misplaced_properties(void **state)
{
    (void)state;
    mqtls_connect_t c = connect5();
    enc_t e = {.kind = K_CONNECT, .connect = &c};
    mqtls_props_t p = {.present = BIT(0x23), .topic_alias = 1};
    c.props = &p;
    expect_encode_error(&e, MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    p = (mqtls_props_t){.present = BIT(0x18), .will_delay = 1}; /* a will property in CONNECT's block */
    expect_encode_error(&e, MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    p = (mqtls_props_t){.present = BIT(0x21), .receive_max = 0};
    expect_encode_error(&e, MQTLS_ERR_BAD_PROPERTY_VALUE);
    c.props = NULL;
    mqtls_props_t w = {.present = BIT(0x11), .session_expiry = 1}; /* a CONNECT property in the will's */
    c.will_props = &w;
    expect_encode_error(&e, MQTLS_ERR_BAD_WILL); /* no will */
    c.will = true;
    c.will_topic = "w";
    c.will_topic_len = 1;
    expect_encode_error(&e, MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    /* 3.1.1 ignores both pointers. */
    c.protocol_version = MQTLS_PROTO_V311;
    c.props = &p;
    uint8_t b[64];
    expect_rc(mqtls_encode_connect(b, sizeof b, &c), 2 + 10 + 3 + 3 + 2);
}

/* ---- PUBLISH ---------------------------------------------------------------- */

static void publish_with_topic_alias(void **state)
{
    (void)state;
    mqtls_props_t p = {.present = BIT(0x23), .topic_alias = 3};
    mqtls_publish_t pub = {.topic = "t", .topic_len = 1, .payload = (const uint8_t *)"hi", .payload_len = 2,
                           .qos = 1, .packet_id = 10, .props = &p};
    enc_t e = {.kind = K_PUBLISH, .publish = &pub};
    static const uint8_t want[] = {0x32, 0x0B, 0x00, 0x01, 't', 0x00, 0x0A, 0x03, 0x23, 0x00, 0x03, 'h', 'i'};
    expect_encoding(&e, want, sizeof want, true);
    mqtls_packet_t out;
    uint8_t *b = decode_copy(want, sizeof want, &out, MQTLS_OK);
    assert_int_equal(out.u.publish.packet_id, 10);
    assert_int_equal(out.u.publish.qos, 1);
    assert_int_equal(out.props.topic_alias, 3);
    assert_true(out.props.present == BIT(0x23));
    assert_int_equal(out.u.publish.payload_len, 2);
    assert_memory_equal(out.u.publish.payload, "hi", 2);
    free(b);
}

static void publish_without_properties(void **state)
{
    (void)state;
    mqtls_publish_t pub = {.topic = "t", .topic_len = 1, .payload = (const uint8_t *)"x", .payload_len = 1};
    enc_t e = {.kind = K_PUBLISH, .publish = &pub};
    expect_encoding(&e, BYTES(0x30, 0x05, 0x00, 0x01, 't', 0x00, 'x'), true);
}

static void publish_empty_topic_needs_an_alias(void **state)
{
    (void)state;
    mqtls_props_t p = {.present = BIT(0x23), .topic_alias = 7};
    mqtls_publish_t pub = {.payload = (const uint8_t *)"x", .payload_len = 1, .props = &p};
    enc_t e = {.kind = K_PUBLISH, .publish = &pub};
    static const uint8_t want[] = {0x30, 0x07, 0x00, 0x00, 0x03, 0x23, 0x00, 0x07, 'x'};
    expect_encoding(&e, want, sizeof want, true);
    mqtls_packet_t out;
    uint8_t *b = decode_copy(want, sizeof want, &out, MQTLS_OK);
    assert_int_equal(out.u.publish.topic_len, 0);
    assert_int_equal(out.props.topic_alias, 7);
    free(b);
    pub.props = NULL;
    expect_encode_error(&e, MQTLS_ERR_TOPIC_ALIAS_NEEDED);
    p = (mqtls_props_t){.present = BIT(0x02), .message_expiry = 1};
    pub.props = &p;
    expect_encode_error(&e, MQTLS_ERR_TOPIC_ALIAS_NEEDED);
    expect_decode(BYTES(0x30, 0x04, 0x00, 0x00, 0x00, 'x'), MQTLS_ERR_TOPIC_ALIAS_NEEDED);
    /* A non-empty topic is still a topic name. */
    expect_decode(BYTES(0x30, 0x05, 0x00, 0x01, '#', 0x00, 'x'), MQTLS_ERR_TOPIC_WILDCARD);
}

/* topic alias 0 is never sent [MQTT-3.3.2-8] */
static void publish_refuses_bad_properties(void **state)
{
    (void)state;
    mqtls_props_t p = {.present = BIT(0x11), .session_expiry = 1};
    mqtls_publish_t pub = {.topic = "t", .topic_len = 1, .props = &p};
    enc_t e = {.kind = K_PUBLISH, .publish = &pub};
    expect_encode_error(&e, MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    p = (mqtls_props_t){.present = BIT(0x23), .topic_alias = 0};
    expect_encode_error(&e, MQTLS_ERR_BAD_PROPERTY_VALUE);
    /* 3.1.1 ignores the properties: same bytes as before. */
    uint8_t b[16];
    expect_rc(mqtls_encode_publish(b, sizeof b, MQTLS_PROTO_V311, &pub), 5);
    assert_memory_equal(b, ((const uint8_t[]){0x30, 0x03, 0x00, 0x01, 't'}), 5);
}

static void publish_head5_returns_properties_before_the_payload(void **state)
{
    (void)state;
    static const uint8_t pkt[] = {0x32, 0x0E, 0x00, 0x01, 't', 0x00, 0x05, 0x03, 0x23, 0x00, 0x02, 'p', 'a', 'y', 'l', 'd'};
    mqtls_fixed_header_t h;
    expect_rc(mqtls_decode_fixed_header(pkt, sizeof pkt, &h), MQTLS_OK);
    mqtls_publish_t pub;
    mqtls_props_t props;
    /* Up to the last property byte: not yet. */
    for (size_t avail = 2; avail < 11; avail++) {
        expect_rc(mqtls_decode_publish_head5(pkt, avail, &h, &pub, &props), MQTLS_ERR_WANT_READ);
    }
    expect_rc(mqtls_decode_publish_head5(pkt, 11, &h, &pub, &props), MQTLS_OK);
    assert_ptr_equal(pub.props, &props);
    assert_int_equal(props.topic_alias, 2);
    assert_int_equal(pub.packet_id, 5);
    assert_int_equal(pub.payload_len, 5);
    assert_ptr_equal(pub.payload, pkt + 11);
    /* The plain head decoder at level 5 checks them and keeps none. */
    expect_rc(mqtls_decode_publish_head(pkt, 11, &h, V5, &pub), MQTLS_OK);
    assert_null(pub.props);
    assert_int_equal(pub.payload_len, 5);
    expect_rc(mqtls_decode_publish_head5(pkt, 11, &h, &pub, NULL), MQTLS_ERR_INVALID_ARG);
    /* A property block longer than the packet. */
    static const uint8_t bad[] = {0x30, 0x05, 0x00, 0x01, 't', 0x09, 0x01};
    expect_rc(mqtls_decode_fixed_header(bad, sizeof bad, &h), MQTLS_OK);
    expect_rc(mqtls_decode_publish_head5(bad, sizeof bad, &h, &pub, &props), MQTLS_ERR_PROPERTY_LENGTH);
}

/* ---- SUBSCRIBE and UNSUBSCRIBE ----------------------------------------------- */

static void subscribe_with_options_and_identifier(void **state)
{
    (void)state;
    const mqtls_subscription_t subs[] = {
        {.filter = "a", .filter_len = 1, .qos = 1, .no_local = true, .retain_as_published = true, .retain_handling = 2},
        {.filter = "$share/g/b", .filter_len = 10, .qos = 0},
    };
    mqtls_props_t p = {.present = BIT(0x0B), .subscription_id = 5};
    enc_t e = {.kind = K_SUB5, .id = 1, .subs = subs, .n = 2, .props = &p};
    expect_encoding(&e,
                    BYTES(0x82, 0x16, 0x00, 0x01, 0x02, 0x0B, 0x05, 0x00, 0x01, 'a', 0x2D, 0x00, 0x0A, '$', 's', 'h',
                          'a', 'r', 'e', '/', 'g', '/', 'b', 0x00),
                    false);
    /* The plain encoder at level 5: options, an empty property block. */
    e = (enc_t){.kind = K_SUB, .id = 1, .subs = subs, .n = 1};
    expect_encoding(&e, BYTES(0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', 0x2D), false);
    /* Each retain handling value. */
    for (uint8_t rh = 0; rh <= 2; rh++) {
        mqtls_subscription_t s = {.filter = "a", .filter_len = 1, .qos = 2, .retain_handling = rh};
        e = (enc_t){.kind = K_SUB, .id = 1, .subs = &s, .n = 1};
        expect_encoding(&e, BYTES(0x82, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 'a', (uint8_t)(0x02 | (rh << 4))), false);
    }
}

/* no No Local on a shared subscription; $share/ with a share name free of / + #,
 * then a filter [MQTT-3.8.3-4] [MQTT-4.8.2-1] [MQTT-4.8.2-2] */
static void subscribe_refuses_bad_options_and_shared_filters(void **state)
{
    (void)state;
    mqtls_subscription_t s = {.filter = "a", .filter_len = 1, .retain_handling = 3};
    enc_t e = {.kind = K_SUB5, .id = 1, .subs = &s, .n = 1};
    expect_encode_error(&e, MQTLS_ERR_BAD_SUB_OPTIONS);
    s = (mqtls_subscription_t){.filter = "a", .filter_len = 1, .qos = 3};
    expect_encode_error(&e, MQTLS_ERR_BAD_QOS);
    s = (mqtls_subscription_t){.filter = "$share/g/a", .filter_len = 10, .no_local = true};
    expect_encode_error(&e, MQTLS_ERR_SHARED_NO_LOCAL);
    s.no_local = false;
    uint8_t b[32];
    expect_rc(mqtls_encode_subscribe5(b, sizeof b, 1, &s, 1, NULL), 2 + 2 + 1 + 12 + 1);
    static const struct {
        const char *f;
        int32_t want;
    } bad[] = {
        {"$share//a", MQTLS_ERR_BAD_SHARED_FILTER},  /* empty share name */
        {"$share/g", MQTLS_ERR_BAD_SHARED_FILTER},   /* no filter */
        {"$share/g/", MQTLS_ERR_BAD_SHARED_FILTER},  /* empty filter */
        {"$share/+/a", MQTLS_ERR_BAD_SHARED_FILTER}, /* wildcard in the share name */
        {"$share/#", MQTLS_ERR_BAD_SHARED_FILTER},
        {"$share/g/a/#/b", MQTLS_ERR_BAD_FILTER}, /* the filter itself */
    };
    for (size_t i = 0; i < NVEC(bad); i++) {
        s = (mqtls_subscription_t){.filter = bad[i].f, .filter_len = strlen(bad[i].f)};
        e.kind = K_SUB5;
        expect_encode_error(&e, bad[i].want);
        e.kind = K_UNSUB5; /* the same shape rules for UNSUBSCRIBE */
        expect_encode_error(&e, bad[i].want);
    }
    /* No local on an ordinary long filter, and UNSUBSCRIBE ignores the options. */
    s = (mqtls_subscription_t){.filter = "abcdefgh/x", .filter_len = 10, .no_local = true};
    expect_rc(mqtls_encode_subscribe5(b, sizeof b, 1, &s, 1, NULL), 2 + 2 + 1 + 12 + 1);
    assert_int_equal(b[17], 0x04);
    s = (mqtls_subscription_t){.filter = "$share/g/a", .filter_len = 10, .no_local = true, .retain_handling = 3};
    expect_rc(mqtls_encode_unsubscribe5(b, sizeof b, 1, &s, 1, NULL), 2 + 2 + 1 + 12);
    /* 3.1.1 treats $share/... as an ordinary filter and ignores the options. */
    s = (mqtls_subscription_t){.filter = "$share//a", .filter_len = 9, .no_local = true, .retain_handling = 3};
    expect_rc(mqtls_encode_subscribe(b, sizeof b, MQTLS_PROTO_V311, 1, &s, 1), 2 + 2 + 2 + 9 + 1);
    /* A subscription identifier of 0, or in UNSUBSCRIBE. */
    s = (mqtls_subscription_t){.filter = "a", .filter_len = 1};
    mqtls_props_t p = {.present = BIT(0x0B), .subscription_id = 0};
    e = (enc_t){.kind = K_SUB5, .id = 1, .subs = &s, .n = 1, .props = &p};
    expect_encode_error(&e, MQTLS_ERR_BAD_PROPERTY_VALUE);
    p.subscription_id = 1;
    e.kind = K_UNSUB5;
    expect_encode_error(&e, MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    e.id = 0;
    expect_encode_error(&e, MQTLS_ERR_ZERO_PACKET_ID);
}

static void subscription_options_parse(void **state)
{
    (void)state;
    mqtls_subscription_t s;
    expect_rc(mqtls_sub_options_parse(0x2D, &s), MQTLS_OK);
    assert_int_equal(s.qos, 1);
    assert_true(s.no_local);
    assert_true(s.retain_as_published);
    assert_int_equal(s.retain_handling, 2);
    expect_rc(mqtls_sub_options_parse(0x12, &s), MQTLS_OK);
    assert_int_equal(s.qos, 2);
    assert_false(s.no_local);
    assert_false(s.retain_as_published);
    assert_int_equal(s.retain_handling, 1);
    expect_rc(mqtls_sub_options_parse(0x40, &s), MQTLS_ERR_BAD_SUB_OPTIONS); /* reserved bit 6 */
    expect_rc(mqtls_sub_options_parse(0x80, &s), MQTLS_ERR_BAD_SUB_OPTIONS); /* reserved bit 7 */
    expect_rc(mqtls_sub_options_parse(0x30, &s), MQTLS_ERR_BAD_SUB_OPTIONS); /* retain handling 3 */
    expect_rc(mqtls_sub_options_parse(0x03, &s), MQTLS_ERR_BAD_QOS);
    expect_rc(mqtls_sub_options_parse(0x00, NULL), MQTLS_ERR_INVALID_ARG);
}

static void unsubscribe_with_user_property(void **state)
{
    (void)state;
    const mqtls_subscription_t s = {.filter = "a", .filter_len = 1};
    static const mqtls_user_prop_t kv[] = {{S("k"), S("v")}};
    mqtls_props_t p = {.user = kv, .user_n = 1};
    enc_t e = {.kind = K_UNSUB5, .id = 2, .subs = &s, .n = 1, .props = &p};
    expect_encoding(&e, BYTES(0xA2, 0x0D, 0x00, 0x02, 0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', 0x00, 0x01, 'a'),
                    false);
    uint8_t b[16];
    expect_rc(mqtls_encode_unsubscribe(b, sizeof b, V5, 2, &s, 1), 8);
    assert_memory_equal(b, ((const uint8_t[]){0xA2, 0x06, 0x00, 0x02, 0x00, 0x00, 0x01, 'a'}), 8);
}

/* ---- acknowledgements -------------------------------------------------------- */

/* PUBREL keeps its flags 0010 in every form [MQTT-3.6.1-1] */
static void acks_use_the_short_forms(void **state)
{
    (void)state;
    enc_t e = {.kind = K_ACK5, .type = MQTLS_PKT_PUBACK, .id = 1};
    expect_encoding(&e, BYTES(0x40, 0x02, 0x00, 0x01), true); /* success, no properties */
    e.reason = 0x10;
    expect_encoding(&e, BYTES(0x40, 0x03, 0x00, 0x01, 0x10), true); /* reason, no properties */
    mqtls_props_t p = {.present = BIT(0x1F), .reason_string = S("no")};
    e.reason = 0x87;
    e.props = &p;
    expect_encoding(&e, BYTES(0x40, 0x09, 0x00, 0x01, 0x87, 0x05, 0x1F, 0x00, 0x02, 'n', 'o'), true);
    e = (enc_t){.kind = K_ACK5, .type = MQTLS_PKT_PUBREL, .id = 1, .reason = 0x92};
    expect_encoding(&e, BYTES(0x62, 0x03, 0x00, 0x01, 0x92), true);
    static const mqtls_user_prop_t kv[] = {{S("k"), S("v")}};
    mqtls_props_t u = {.user = kv, .user_n = 1};
    e = (enc_t){.kind = K_ACK5, .type = MQTLS_PKT_PUBREC, .id = 1, .props = &u};
    expect_encoding(&e, BYTES(0x50, 0x0B, 0x00, 0x01, 0x00, 0x07, 0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v'), true);
    e = (enc_t){.kind = K_ACK5, .type = MQTLS_PKT_PUBCOMP, .id = 0x1234, .props = &(mqtls_props_t){0}};
    expect_encoding(&e, BYTES(0x70, 0x02, 0x12, 0x34), true); /* an empty struct is no properties */
    /* The plain encoder at level 5: the success short form. */
    e = (enc_t){.kind = K_ACK, .type = MQTLS_PKT_PUBACK, .id = 7};
    expect_encoding(&e, BYTES(0x40, 0x02, 0x00, 0x07), true);
    e.type = MQTLS_PKT_UNSUBACK; /* a 5.0 UNSUBACK needs reason codes */
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
}

static void acks_decode_every_form(void **state)
{
    (void)state;
    mqtls_packet_t out;
    uint8_t *b = decode_copy(BYTES(0x40, 0x02, 0x00, 0x01), &out, MQTLS_OK);
    assert_int_equal(out.u.ack.packet_id, 1);
    assert_int_equal(out.reason_code, 0);
    free(b);
    b = decode_copy(BYTES(0x50, 0x03, 0x00, 0x02, 0x80), &out, MQTLS_OK);
    assert_int_equal(out.type, MQTLS_PKT_PUBREC);
    assert_int_equal(out.u.ack.packet_id, 2);
    assert_int_equal(out.reason_code, 0x80);
    free(b);
    /* The long form with an empty block is fine too. */
    b = decode_copy(BYTES(0x70, 0x04, 0x00, 0x03, 0x00, 0x00), &out, MQTLS_OK);
    assert_int_equal(out.type, MQTLS_PKT_PUBCOMP);
    assert_int_equal(out.props.present, 0);
    free(b);
    b = decode_copy(BYTES(0x40, 0x09, 0x00, 0x01, 0x87, 0x05, 0x1F, 0x00, 0x02, 'n', 'o'), &out, MQTLS_OK);
    assert_int_equal(out.reason_code, 0x87);
    expect_bytes_equal(&out.props.reason_string, "no");
    free(b);
    expect_decode(BYTES(0x40, 0x01, 0x00), MQTLS_ERR_LENGTH_MISMATCH);
    expect_decode(BYTES(0x40, 0x00), MQTLS_ERR_LENGTH_MISMATCH);
    expect_decode(BYTES(0x40, 0x02, 0x00, 0x00), MQTLS_ERR_ZERO_PACKET_ID);
    expect_decode(BYTES(0x60, 0x02, 0x00, 0x01), MQTLS_ERR_RESERVED_FLAGS); /* PUBREL needs 0010 */
    expect_decode(BYTES(0x40, 0x03, 0x00, 0x01, 0x92), MQTLS_ERR_BAD_REASON_CODE);
    expect_decode(BYTES(0x62, 0x03, 0x00, 0x01, 0x10), MQTLS_ERR_BAD_REASON_CODE);
    /* Refused on encode: zero id, wrong type, property not allowed. */
    enc_t e = {.kind = K_ACK5, .type = MQTLS_PKT_PUBACK, .id = 0};
    expect_encode_error(&e, MQTLS_ERR_ZERO_PACKET_ID);
    e = (enc_t){.kind = K_ACK5, .type = MQTLS_PKT_SUBACK, .id = 1};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    e.type = MQTLS_PKT_CONNACK;
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    mqtls_props_t p = {.present = BIT(0x11), .session_expiry = 1};
    e = (enc_t){.kind = K_ACK5, .type = MQTLS_PKT_PUBACK, .id = 1, .props = &p};
    expect_encode_error(&e, MQTLS_ERR_PROPERTY_NOT_ALLOWED);
}

static void suback_and_unsuback(void **state)
{
    (void)state;
    static const uint8_t codes[] = {0x00, 0x01, 0x02, 0x80};
    enc_t e = {.kind = K_SUBACK, .id = 1, .codes = codes, .n = 4};
    static const uint8_t want[] = {0x90, 0x07, 0x00, 0x01, 0x00, 0x00, 0x01, 0x02, 0x80};
    expect_encoding(&e, want, sizeof want, true);
    mqtls_packet_t out;
    uint8_t *b = decode_copy(want, sizeof want, &out, MQTLS_OK);
    assert_int_equal(out.u.suback.packet_id, 1);
    assert_int_equal(out.u.suback.count, 4);
    assert_memory_equal(out.u.suback.return_codes, codes, 4);
    free(b);
    mqtls_props_t p = {.present = BIT(0x1F), .reason_string = S("no")};
    static const uint8_t denied[] = {0x87};
    e = (enc_t){.kind = K_SUBACK5, .type = MQTLS_PKT_SUBACK, .id = 1, .codes = denied, .n = 1, .props = &p};
    expect_encoding(&e, BYTES(0x90, 0x09, 0x00, 0x01, 0x05, 0x1F, 0x00, 0x02, 'n', 'o', 0x87), true);
    static const uint8_t ucodes[] = {0x00, 0x11};
    e = (enc_t){.kind = K_SUBACK5, .type = MQTLS_PKT_UNSUBACK, .id = 9, .codes = ucodes, .n = 2};
    static const uint8_t uwant[] = {0xB0, 0x05, 0x00, 0x09, 0x00, 0x00, 0x11};
    expect_encoding(&e, uwant, sizeof uwant, true);
    b = decode_copy(uwant, sizeof uwant, &out, MQTLS_OK);
    assert_int_equal(out.type, MQTLS_PKT_UNSUBACK);
    assert_int_equal(out.u.ack.packet_id, 9); /* the same id through either struct */
    assert_int_equal(out.u.suback.packet_id, 9);
    assert_int_equal(out.u.suback.count, 2);
    assert_int_equal(out.u.suback.return_codes[1], 0x11);
    free(b);
    expect_decode(BYTES(0x90, 0x02, 0x00, 0x01), MQTLS_ERR_LENGTH_MISMATCH);       /* no property length */
    expect_decode(BYTES(0x90, 0x03, 0x00, 0x01, 0x00), MQTLS_ERR_LENGTH_MISMATCH); /* no reason codes */
    expect_decode(BYTES(0xB0, 0x03, 0x00, 0x01, 0x00), MQTLS_ERR_LENGTH_MISMATCH);
    expect_decode(BYTES(0x90, 0x04, 0x00, 0x00, 0x00, 0x00), MQTLS_ERR_ZERO_PACKET_ID);
    expect_decode(BYTES(0x90, 0x04, 0x00, 0x01, 0x00, 0x11), MQTLS_ERR_BAD_REASON_CODE);
    expect_decode(BYTES(0xB0, 0x04, 0x00, 0x01, 0x00, 0x01), MQTLS_ERR_BAD_REASON_CODE);
    expect_decode(BYTES(0x90, 0x05, 0x00, 0x01, 0x05, 0x1F, 0x00), MQTLS_ERR_PROPERTY_LENGTH);
    /* Encoder refusals. */
    e = (enc_t){.kind = K_SUBACK5, .type = MQTLS_PKT_PUBACK, .id = 1, .codes = codes, .n = 1};
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    e.type = MQTLS_PKT_SUBACK;
    e.n = 0;
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    e.n = 1;
    e.id = 0;
    expect_encode_error(&e, MQTLS_ERR_ZERO_PACKET_ID);
    e.id = 1;
    e.codes = NULL;
    expect_encode_error(&e, MQTLS_ERR_INVALID_ARG);
    e.codes = codes;
    e.n = (size_t)MQTLS_MAX_REMAINING_LENGTH + 1u; /* refused before a code is read */
    expect_encode_error(&e, MQTLS_ERR_PACKET_TOO_LARGE);
    e.n = 1;
    e.codes = (const uint8_t[]){0x11};
    expect_encode_error(&e, MQTLS_ERR_BAD_REASON_CODE);
    e = (enc_t){.kind = K_SUBACK, .id = 1, .codes = (const uint8_t[]){0x04}, .n = 1};
    expect_encode_error(&e, MQTLS_ERR_BAD_REASON_CODE);
    e = (enc_t){.kind = K_SUBACK5, .type = MQTLS_PKT_SUBACK, .id = 1, .codes = codes, .n = 1,
                .props = &(mqtls_props_t){.present = BIT(0x0B), .subscription_id = 1}};
    expect_encode_error(&e, MQTLS_ERR_PROPERTY_NOT_ALLOWED);
}

/* ---- CONNACK --------------------------------------------------------------------- */

static void connack_with_server_properties(void **state)
{
    (void)state;
    mqtls_props_t p = {.present = BIT(0x12) | BIT(0x13) | BIT(0x21) | BIT(0x22) | BIT(0x24),
                       .assigned_client_id = S("id"),
                       .server_keep_alive = 30,
                       .receive_max = 5,
                       .topic_alias_max = 4,
                       .max_qos = 1};
    enc_t e = {.kind = K_CONNACK5, .sp = true, .props = &p};
    static const uint8_t want[] = {0x20, 0x13, 0x01, 0x00, 0x10, 0x12, 0x00, 0x02, 'i', 'd', 0x13,
                                   0x00, 0x1E, 0x21, 0x00, 0x05, 0x22, 0x00, 0x04, 0x24, 0x01};
    expect_encoding(&e, want, sizeof want, true);
    mqtls_packet_t out;
    uint8_t *b = decode_copy(want, sizeof want, &out, MQTLS_OK);
    assert_true(out.u.connack.session_present);
    assert_int_equal(out.u.connack.return_code, 0);
    assert_int_equal(out.reason_code, 0);
    expect_bytes_equal(&out.props.assigned_client_id, "id");
    assert_int_equal(out.props.server_keep_alive, 30);
    assert_int_equal(out.props.receive_max, 5);
    assert_int_equal(out.props.topic_alias_max, 4);
    assert_int_equal(out.props.max_qos, 1);
    assert_true(out.props.present == p.present);
    free(b);
}

static void connack_decodes_every_server_property(void **state)
{
    (void)state;
    /* Every CONNACK property once (section 3.2.2.3), in a shuffled order. */
    static const uint8_t pkt[] = {
        0x20, 0x4A, 0x00, 0x00, 0x47,
        0x2A, 0x00,                                     /* shared sub available 0 */
        0x11, 0x00, 0x00, 0x0E, 0x10,                   /* session expiry 3600 */
        0x21, 0x00, 0x10,                               /* receive maximum 16 */
        0x24, 0x00,                                     /* maximum QoS 0 */
        0x25, 0x01,                                     /* retain available */
        0x27, 0x00, 0x00, 0x10, 0x00,                   /* maximum packet size 4096 */
        0x12, 0x00, 0x01, 'c',                          /* assigned client id */
        0x22, 0x00, 0x08,                               /* topic alias maximum 8 */
        0x1F, 0x00, 0x02, 'o', 'k',                     /* reason string */
        0x28, 0x01,                                     /* wildcard available */
        0x29, 0x01,                                     /* sub ids available */
        0x13, 0x00, 0x3C,                               /* server keep alive 60 */
        0x1A, 0x00, 0x02, 'r', 'i',                     /* response information */
        0x1C, 0x00, 0x02, 's', 'r',                     /* server reference */
        0x15, 0x00, 0x01, 'M',                          /* auth method */
        0x16, 0x00, 0x02, 0x01, 0x02,                   /* auth data */
        0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v',         /* user property */
        0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'w',         /* and another */
    };
    assert_int_equal(sizeof pkt, 2u + 0x4Au);
    mqtls_packet_t out;
    uint8_t *b = decode_copy(pkt, sizeof pkt, &out, MQTLS_OK);
    const mqtls_props_t *p = &out.props;
    assert_int_equal(p->shared_sub_available, 0);
    assert_int_equal(p->session_expiry, 3600);
    assert_int_equal(p->receive_max, 16);
    assert_int_equal(p->max_qos, 0);
    assert_int_equal(p->retain_available, 1);
    assert_int_equal(p->max_packet_size, 4096);
    expect_bytes_equal(&p->assigned_client_id, "c");
    assert_int_equal(p->topic_alias_max, 8);
    expect_bytes_equal(&p->reason_string, "ok");
    assert_int_equal(p->wildcard_sub_available, 1);
    assert_int_equal(p->sub_id_available, 1);
    assert_int_equal(p->server_keep_alive, 60);
    expect_bytes_equal(&p->response_info, "ri");
    expect_bytes_equal(&p->server_reference, "sr");
    expect_bytes_equal(&p->auth_method, "M");
    assert_int_equal(p->auth_data.len, 2);
    assert_int_equal(p->user_n, 2);
    const uint64_t all = BIT(0x2A) | BIT(0x11) | BIT(0x21) | BIT(0x24) | BIT(0x25) | BIT(0x27) | BIT(0x12) |
                         BIT(0x22) | BIT(0x1F) | BIT(0x28) | BIT(0x29) | BIT(0x13) | BIT(0x1A) | BIT(0x1C) |
                         BIT(0x15) | BIT(0x16) | BIT(0x26);
    assert_true(p->present == all);
    free(b);
}

static void connack_refusals_and_malformed(void **state)
{
    (void)state;
    mqtls_packet_t out;
    uint8_t *b = decode_copy(BYTES(0x20, 0x03, 0x00, 0x87, 0x00), &out, MQTLS_OK);
    assert_int_equal(out.u.connack.return_code, 0x87);
    assert_int_equal(out.reason_code, 0x87);
    assert_false(out.u.connack.session_present);
    free(b);
    expect_decode(BYTES(0x20, 0x03, 0x01, 0x87, 0x00), MQTLS_ERR_SESSION_PRESENT_INVALID);
    expect_decode(BYTES(0x20, 0x03, 0x02, 0x00, 0x00), MQTLS_ERR_BAD_CONNACK_FLAGS);
    expect_decode(BYTES(0x20, 0x02, 0x00, 0x00), MQTLS_ERR_LENGTH_MISMATCH); /* the 3.1.1 form */
    expect_decode(BYTES(0x20, 0x03, 0x00, 0x05, 0x00), MQTLS_ERR_BAD_REASON_CODE); /* a 3.1.1 code */
    expect_decode(BYTES(0x20, 0x04, 0x00, 0x00, 0x00, 0x00), MQTLS_ERR_LENGTH_MISMATCH);
    expect_decode(BYTES(0x21, 0x03, 0x00, 0x00, 0x00), MQTLS_ERR_RESERVED_FLAGS);
    /* The plain encoder at level 5 sends the long form with 5.0 codes only. */
    enc_t e = {.kind = K_CONNACK, .reason = 0x87};
    expect_encoding(&e, BYTES(0x20, 0x03, 0x00, 0x87, 0x00), true);
    e.reason = 0x05;
    expect_encode_error(&e, MQTLS_ERR_BAD_REASON_CODE);
    /* A test peer may build session present with a refusal. */
    e = (enc_t){.kind = K_CONNACK5, .sp = true, .reason = 0x80};
    uint8_t w[8];
    expect_rc(enc(&e, w, sizeof w), 5);
    expect_decode_at(w, 5, MQTLS_ERR_SESSION_PRESENT_INVALID, __LINE__);
    mqtls_props_t p = {.present = BIT(0x23), .topic_alias = 1};
    e = (enc_t){.kind = K_CONNACK5, .props = &p};
    expect_encode_error(&e, MQTLS_ERR_PROPERTY_NOT_ALLOWED);
    /* An empty struct: the long form with an empty block. */
    e = (enc_t){.kind = K_CONNACK5, .props = &(mqtls_props_t){0}};
    expect_encoding(&e, BYTES(0x20, 0x03, 0x00, 0x00, 0x00), true);
}

/* ---- DISCONNECT, AUTH, PING ------------------------------------------------------- */

static void disconnect_both_directions(void **state)
{
    (void)state;
    enc_t e = {.kind = K_DISC5};
    expect_encoding(&e, BYTES(0xE0, 0x00), true);
    e.reason = 0x04;
    expect_encoding(&e, BYTES(0xE0, 0x01, 0x04), true);
    mqtls_props_t p = {.present = BIT(0x1C), .server_reference = S("srv")};
    e = (enc_t){.kind = K_DISC5, .reason = 0x8B, .props = &p};
    static const uint8_t moved[] = {0xE0, 0x08, 0x8B, 0x06, 0x1C, 0x00, 0x03, 's', 'r', 'v'};
    expect_encoding(&e, moved, sizeof moved, true);
    mqtls_props_t s = {.present = BIT(0x11), .session_expiry = 10};
    e = (enc_t){.kind = K_DISC5, .props = &s};
    expect_encoding(&e, BYTES(0xE0, 0x07, 0x00, 0x05, 0x11, 0x00, 0x00, 0x00, 0x0A), true);
    e = (enc_t){.kind = K_EMPTY, .type = MQTLS_PKT_DISCONNECT};
    expect_encoding(&e, BYTES(0xE0, 0x00), true);
    mqtls_packet_t out;
    uint8_t *b = decode_copy(moved, sizeof moved, &out, MQTLS_OK);
    assert_int_equal(out.type, MQTLS_PKT_DISCONNECT);
    assert_int_equal(out.reason_code, 0x8B);
    expect_bytes_equal(&out.props.server_reference, "srv");
    free(b);
    b = decode_copy(BYTES(0xE0, 0x00), &out, MQTLS_OK);
    assert_int_equal(out.reason_code, 0);
    free(b);
    expect_decode(BYTES(0xE1, 0x00), MQTLS_ERR_RESERVED_FLAGS);
    expect_decode(BYTES(0xE0, 0x01, 0x01), MQTLS_ERR_BAD_REASON_CODE);
    expect_decode(BYTES(0xE0, 0x03, 0x00, 0x00, 0x00), MQTLS_ERR_LENGTH_MISMATCH);
    /* 3.1.1: a server never sends DISCONNECT. */
    uint8_t d[2] = {0xE0, 0x00};
    expect_rc(mqtls_decode_packet(d, 2, MQTLS_PROTO_V311, &out), MQTLS_ERR_UNEXPECTED_PACKET);
    e = (enc_t){.kind = K_DISC5, .reason = 0x84};
    expect_encode_error(&e, MQTLS_ERR_BAD_REASON_CODE);
}

static void auth_exchange(void **state)
{
    (void)state;
    enc_t e = {.kind = K_AUTH};
    expect_encoding(&e, BYTES(0xF0, 0x00), true);
    e.reason = 0x18;
    expect_encoding(&e, BYTES(0xF0, 0x02, 0x18, 0x00), true); /* no one-byte form */
    mqtls_props_t p = {.present = BIT(0x15) | BIT(0x16), .auth_method = S("M"), .auth_data = {CORR, 2}};
    e = (enc_t){.kind = K_AUTH, .reason = 0x19, .props = &p};
    static const uint8_t want[] = {0xF0, 0x0B, 0x19, 0x09, 0x15, 0x00, 0x01, 'M', 0x16, 0x00, 0x02, 0x00, 0xFF};
    expect_encoding(&e, want, sizeof want, true);
    mqtls_packet_t out;
    uint8_t *b = decode_copy(want, sizeof want, &out, MQTLS_OK);
    assert_int_equal(out.type, MQTLS_PKT_AUTH);
    assert_int_equal(out.reason_code, 0x19);
    expect_bytes_equal(&out.props.auth_method, "M");
    assert_int_equal(out.props.auth_data.len, 2);
    free(b);
    expect_decode(BYTES(0xF0, 0x01, 0x18), MQTLS_ERR_LENGTH_MISMATCH);
    expect_decode(BYTES(0xF0, 0x02, 0x87, 0x00), MQTLS_ERR_BAD_REASON_CODE);
    expect_decode(BYTES(0xF1, 0x00), MQTLS_ERR_RESERVED_FLAGS);
    expect_decode(BYTES(0xF0, 0x06, 0x18, 0x04, 0x16, 0x00, 0x01, 'x'), MQTLS_ERR_AUTH_DATA_WITHOUT_METHOD);
    uint8_t a[2] = {0xF0, 0x00};
    expect_rc(mqtls_decode_packet(a, 2, MQTLS_PROTO_V311, &out), MQTLS_ERR_BAD_PACKET_TYPE);
    e = (enc_t){.kind = K_AUTH, .reason = 0x00, .props = &(mqtls_props_t){.present = BIT(0x16), .auth_data = S("x")}};
    expect_encode_error(&e, MQTLS_ERR_AUTH_DATA_WITHOUT_METHOD);
}

static void pings_and_client_only_packets(void **state)
{
    (void)state;
    enc_t e = {.kind = K_EMPTY, .type = MQTLS_PKT_PINGREQ};
    expect_encoding(&e, BYTES(0xC0, 0x00), false);
    e.type = MQTLS_PKT_PINGRESP;
    expect_encoding(&e, BYTES(0xD0, 0x00), true);
    expect_decode(BYTES(0xD0, 0x01, 0x00), MQTLS_ERR_LENGTH_MISMATCH);
    expect_decode(BYTES(0xC0, 0x00), MQTLS_ERR_UNEXPECTED_PACKET);
    expect_decode(BYTES(0x82, 0x00), MQTLS_ERR_UNEXPECTED_PACKET);
    expect_decode(BYTES(0x10, 0x00), MQTLS_ERR_UNEXPECTED_PACKET);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_property_encodes_to_its_vector),
        cmocka_unit_test(every_property_decodes_and_round_trips),
        cmocka_unit_test(decoded_fields_hold_the_values),
        cmocka_unit_test(cursor_reads_every_type),
        cmocka_unit_test(cursor_refuses_bad_blocks_and_arguments),
        cmocka_unit_test(every_property_is_refused_where_the_spec_does_not_allow_it),
        cmocka_unit_test(property_not_allowed_inside_packets),
        cmocka_unit_test(every_single_valued_property_twice_is_a_duplicate),
        cmocka_unit_test(publish_repeats_subscription_ids_and_user_properties),
        cmocka_unit_test(duplicate_inside_a_packet),
        cmocka_unit_test(malformed_property_blocks_are_refused_precisely),
        cmocka_unit_test(malformed_properties_inside_packets),
        cmocka_unit_test(property_encoder_refuses_bad_values),
        cmocka_unit_test(property_block_beyond_the_largest_packet_is_refused),
        cmocka_unit_test(properties_are_written_in_identifier_order),
        cmocka_unit_test(reason_allowed_matches_the_spec_table),
        cmocka_unit_test(reason_strings_name_every_code),
        cmocka_unit_test(every_reason_code_is_decoded_or_refused_per_packet),
        cmocka_unit_test(every_reason_code_is_encoded_or_refused_per_packet),
        cmocka_unit_test(connect_minimal),
        cmocka_unit_test(connect_with_every_part),
        cmocka_unit_test(connect_password_without_user_name_is_allowed_in_5),
        cmocka_unit_test(connect_refuses_misplaced_properties),
        cmocka_unit_test(publish_with_topic_alias),
        cmocka_unit_test(publish_without_properties),
        cmocka_unit_test(publish_empty_topic_needs_an_alias),
        cmocka_unit_test(publish_refuses_bad_properties),
        cmocka_unit_test(publish_head5_returns_properties_before_the_payload),
        cmocka_unit_test(subscribe_with_options_and_identifier),
        cmocka_unit_test(subscribe_refuses_bad_options_and_shared_filters),
        cmocka_unit_test(subscription_options_parse),
        cmocka_unit_test(unsubscribe_with_user_property),
        cmocka_unit_test(acks_use_the_short_forms),
        cmocka_unit_test(acks_decode_every_form),
        cmocka_unit_test(suback_and_unsuback),
        cmocka_unit_test(connack_with_server_properties),
        cmocka_unit_test(connack_decodes_every_server_property),
        cmocka_unit_test(connack_refusals_and_malformed),
        cmocka_unit_test(disconnect_both_directions),
        cmocka_unit_test(auth_exchange),
        cmocka_unit_test(pings_and_client_only_packets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
