/* SPDX-License-Identifier: MIT
 * mqtls: MQTT packet encoder and decoder, 3.1.1 and 5.0. */
/*
 * see mqtls/codec.h
 *
 * Encoding: every encoder first validates its whole input, then computes the
 * remaining length, then calls begin(), which either reports the total size
 * (buf == NULL), refuses a short buffer, or writes the fixed header. Only then
 * is the body written, through put_*() helpers that do no bounds checks of
 * their own: the one check in begin() covers them, because the body written
 * is exactly the remaining length computed before. So the size query and the
 * write run the same code and cannot disagree, and an invalid input or a
 * short buffer never leaves a half-written packet behind.
 *
 * Decoding: every read goes through one reader with two limits. `end` is
 * where the packet ends (reading past it means the packet is malformed:
 * TRUNCATED); `avail` is how much of the packet the buffer holds (reading
 * past it means "not yet": WANT_READ). mqtls_decode_packet() sets both to
 * the packet length; mqtls_decode_publish_head() uses the difference to
 * parse the head of a PUBLISH whose payload has not arrived. Fields whose
 * presence a length check has already proven are read directly.
 *
 * Rejected: packed structs or pointer casts for the wire layout (alignment
 * and byte order differ between a PC and a Cortex-M), and a bounds check in
 * every put (bigger code, and a second place to get the arithmetic wrong).
 *
 * MQTT 5.0 adds a property block after most variable headers and reason
 * codes to the acknowledgements; props.c owns both (codec_priv.h is the
 * seam), this file places them. The 3.1.1 paths are unchanged: every 5.0
 * addition sits behind V5(version), so level 4 bytes stay exactly what they
 * were. With MQTLS_CONFIG_MQTT5 0, V5() is constant false: level 5 is
 * refused by check_version() and the compiler drops the 5.0 branches; the
 * functions that are 5.0 only become stubs (NOT_SUPPORTED).
 */
#include "mqtls/codec.h"

#include <string.h>

#include "codec_priv.h"
#include "mqtls/config.h"
#include "mqtls/topic.h"

#define V5(version) (MQTLS_CONFIG_MQTT5 && (version) == MQTLS_PROTO_V5)

/* Longest string or binary field: a 2-byte length prefix [MQTT-1.5.3]. */
#define FIELD_MAX 65535u

/* ---- shared checks ------------------------------------------------------ */

static int32_t check_version(uint8_t version)
{
    return version == MQTLS_PROTO_V311 || V5(version) ? MQTLS_OK : MQTLS_ERR_NOT_SUPPORTED;
}

/* A (pointer, length) pair may have a NULL pointer only when it is empty. */
static bool bad_ptr(const void *p, size_t n)
{
    return p == NULL && n != 0u;
}

/* A binary field: 0..65535 bytes. */
static int32_t check_bin(const void *p, size_t n)
{
    if (bad_ptr(p, n)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    return n > FIELD_MAX ? MQTLS_ERR_STRING_TOO_LONG : MQTLS_OK;
}

static int32_t check_str(const char *s, size_t n)
{
    return mqtls_utf8_check((const uint8_t *)s, n);
}

/* A PUBLISH topic name; in 5.0 it may be empty when a topic alias stands
 * for it (section 3.3.2.1). props: the PUBLISH properties at level 5. */
static int32_t check_topic(uint8_t version, const char *topic, size_t len, const mqtls_props_t *props)
{
    if (V5(version) && len == 0u) {
        return props != NULL && (props->present & MQTLS_PROP_BIT(MQTLS_PROP_TOPIC_ALIAS)) != 0u
                   ? MQTLS_OK
                   : MQTLS_ERR_TOPIC_ALIAS_NEEDED;
    }
    return mqtls_topic_validate_name(topic, len); /* [MQTT-3.3.2-1], [MQTT-3.3.2-2] */
}

/* SUBACK return codes: granted QoS 0..2 or failure [MQTT-3.9.3-2]. */
static bool suback_code_ok(uint8_t c)
{
    return c <= 2u || c == 0x80u;
}

/* ---- writing -------------------------------------------------------------- */

#define varint_size mqtls__varint_size

/* The size on the wire of a property block of `block` bytes, length included. */
static size_t props_wire(int32_t block)
{
    return varint_size((size_t)block) + (size_t)block;
}

static uint8_t *put_u16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return p + 2;
}

static uint8_t *put_raw(uint8_t *p, const void *src, size_t n)
{
    if (n != 0u) {
        memcpy(p, src, n);
    }
    return p + n;
}

/* A length-prefixed string or binary field. */
static uint8_t *put_field(uint8_t *p, const void *src, size_t n)
{
    return put_raw(put_u16(p, n), src, n);
}

/*
 * The fixed header of a packet whose variable part is `rl` bytes long.
 * Returns the packet's total size or an error; with a buffer that is large
 * enough, writes byte 0 and the remaining length and sets *body to the byte
 * after them.
 */
static int32_t begin(uint8_t *buf, size_t len, uint8_t byte0, size_t rl, uint8_t **body)
{
    if (rl > MQTLS_MAX_REMAINING_LENGTH) {
        return MQTLS_ERR_PACKET_TOO_LARGE;
    }
    size_t hl = 1u + varint_size(rl);
    if (buf != NULL) {
        if (len < hl || len - hl < rl) {
            return MQTLS_ERR_BUFFER_TOO_SMALL;
        }
        buf[0] = byte0;
        *body = mqtls__varint_put(buf + 1, rl);
    }
    return (int32_t)(hl + rl);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_remaining_length(uint8_t *buf, size_t len, uint32_t value)
{
    if (value > MQTLS_MAX_REMAINING_LENGTH) {
        return MQTLS_ERR_PACKET_TOO_LARGE;
    }
    size_t n = varint_size(value);
    if (buf == NULL) {
        return (int32_t)n;
    }
    if (len < n) {
        return MQTLS_ERR_BUFFER_TOO_SMALL;
    }
    (void)mqtls__varint_put(buf, value);
    return (int32_t)n;
}

/* ---- encoders ----------------------------------------------------------- */

/* Everything [MQTT-3.1.2] and [MQTT-3.1.3] ask of a client's CONNECT. */
static int32_t check_connect(const mqtls_connect_t *c)
{
    int32_t rc = check_version(c->protocol_version);
    if (rc != MQTLS_OK) {
        return rc;
    }
    rc = check_str(c->client_id, c->client_id_len); /* [MQTT-3.1.3-4] */
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (c->client_id_len == 0u && !c->clean_session) {
        return MQTLS_ERR_EMPTY_CLIENT_ID; /* [MQTT-3.1.3-7] */
    }
    /* NULL means "no such field", so a NULL with a length is a caller bug. */
    if (bad_ptr(c->username, c->username_len) || bad_ptr(c->password, c->password_len)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (c->username != NULL && (rc = check_str(c->username, c->username_len)) != MQTLS_OK) {
        return rc; /* [MQTT-3.1.3-11] */
    }
    if (c->password != NULL) {
        if (c->username == NULL && !V5(c->protocol_version)) {
            return MQTLS_ERR_PASSWORD_WITHOUT_USER; /* [MQTT-3.1.2-22]; 5.0 allows it */
        }
        if (c->password_len > FIELD_MAX) {
            return MQTLS_ERR_STRING_TOO_LONG;
        }
    }
    if (!c->will) {
        /* [MQTT-3.1.2-13], [MQTT-3.1.2-15]; 5.0 will properties belong to a will */
        return c->will_qos != 0u || c->will_retain || (V5(c->protocol_version) && c->will_props != NULL)
                   ? MQTLS_ERR_BAD_WILL
                   : MQTLS_OK;
    }
    if (c->will_qos > 2u) {
        return MQTLS_ERR_BAD_WILL; /* [MQTT-3.1.2-14] */
    }
    rc = mqtls_topic_validate_name(c->will_topic, c->will_topic_len); /* [MQTT-3.1.3-10] */
    if (rc != MQTLS_OK) {
        return rc;
    }
    return check_bin(c->will_payload, c->will_payload_len);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_connect(uint8_t *buf, size_t len, const mqtls_connect_t *c)
{
    if (c == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    int32_t rc = check_connect(c);
    if (rc != MQTLS_OK) {
        return rc;
    }
    /* Protocol name, level, flags, keepalive, then the client id. No
     * overflow: at most five fields of 65537 bytes. */
    size_t rl = 10u + 2u + c->client_id_len;
    uint8_t flags = c->clean_session ? 0x02u : 0u;
    if (c->will) {
        rl += 4u + c->will_topic_len + c->will_payload_len;
        flags |= (uint8_t)(0x04u | ((unsigned)c->will_qos << 3) | (c->will_retain ? 0x20u : 0u));
    }
    if (c->username != NULL) {
        rl += 2u + c->username_len;
        flags |= 0x80u;
    }
    if (c->password != NULL) {
        rl += 2u + c->password_len;
        flags |= 0x40u;
    }
    /* 5.0: CONNECT properties after the keepalive, will properties before
     * the will topic (sections 3.1.2.11 and 3.1.3.2). */
    int32_t cprops = 0, wprops = 0;
    if (V5(c->protocol_version)) {
        cprops = mqtls__props_size(MQTLS_PKT_CONNECT, c->props);
        if (cprops < 0) {
            return cprops;
        }
        rl += props_wire(cprops);
        if (c->will) {
            wprops = mqtls__props_size(MQTLS_PROPS_WILL, c->will_props);
            if (wprops < 0) {
                return wprops;
            }
            rl += props_wire(wprops);
        }
    }
    uint8_t *p = NULL;
    int32_t n = begin(buf, len, MQTLS_PKT_CONNECT << 4, rl, &p);
    if (n < 0 || buf == NULL) {
        return n;
    }
    p = put_raw(p, "\0\4MQTT", 6u); /* [MQTT-3.1.2-1] */
    p[0] = c->protocol_version;
    p[1] = flags; /* bit 0 reserved, zero [MQTT-3.1.2-3] */
    p = put_u16(p + 2, c->keepalive_s);
    if (V5(c->protocol_version)) {
        p = mqtls__props_put(p, MQTLS_PKT_CONNECT, c->props, (size_t)cprops);
    }
    p = put_field(p, c->client_id, c->client_id_len);
    if (c->will) {
        if (V5(c->protocol_version)) {
            p = mqtls__props_put(p, MQTLS_PROPS_WILL, c->will_props, (size_t)wprops);
        }
        p = put_field(p, c->will_topic, c->will_topic_len);
        p = put_field(p, c->will_payload, c->will_payload_len);
    }
    if (c->username != NULL) {
        p = put_field(p, c->username, c->username_len);
    }
    if (c->password != NULL) {
        (void)put_field(p, c->password, c->password_len);
    }
    return n;
}

/* see mqtls/codec.h */
int32_t mqtls_encode_publish(uint8_t *buf, size_t len, uint8_t version, const mqtls_publish_t *pub)
{
    if (pub == NULL || bad_ptr(pub->payload, pub->payload_len)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    int32_t rc = check_version(version);
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (pub->qos > 2u) {
        return MQTLS_ERR_BAD_QOS; /* [MQTT-3.3.1-4] */
    }
    if (pub->qos == 0u && pub->dup) {
        return MQTLS_ERR_RESERVED_FLAGS; /* [MQTT-3.3.1-2] */
    }
    if (pub->qos != 0u && pub->packet_id == 0u) {
        return MQTLS_ERR_ZERO_PACKET_ID; /* [MQTT-2.3.1-1] */
    }
    int32_t props = 0;
    if (V5(version)) {
        props = mqtls__props_size(MQTLS_PKT_PUBLISH, pub->props);
        if (props < 0) {
            return props;
        }
    }
    rc = check_topic(version, pub->topic, pub->topic_len, V5(version) ? pub->props : NULL);
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (pub->payload_len > MQTLS_MAX_REMAINING_LENGTH) {
        return MQTLS_ERR_PACKET_TOO_LARGE; /* also keeps the sum below from wrapping */
    }
    size_t rl = 2u + pub->topic_len + (pub->qos != 0u ? 2u : 0u) + pub->payload_len;
    if (V5(version)) {
        rl += props_wire(props);
    }
    uint8_t byte0 = (uint8_t)((MQTLS_PKT_PUBLISH << 4) | (pub->dup ? 0x08u : 0u) | ((unsigned)pub->qos << 1) |
                              (pub->retain ? 0x01u : 0u));
    uint8_t *p = NULL;
    int32_t n = begin(buf, len, byte0, rl, &p);
    if (n < 0 || buf == NULL) {
        return n;
    }
    p = put_field(p, pub->topic, pub->topic_len);
    if (pub->qos != 0u) {
        p = put_u16(p, pub->packet_id);
    }
    if (V5(version)) {
        p = mqtls__props_put(p, MQTLS_PKT_PUBLISH, pub->props, (size_t)props);
    }
    (void)put_raw(p, pub->payload, pub->payload_len);
    return n;
}

/*
 * 5.0 checks of one entry: a shared subscription "$share/{name}/{filter}"
 * needs a name without '/', '+' or '#' and a filter after it
 * [MQTT-4.8.2-1], [MQTT-4.8.2-2], and must not ask for no local
 * [MQTT-3.8.3-4]; retain handling 3 is a protocol error (3.8.3.1).
 */
static int32_t check_sub5(const mqtls_subscription_t *s, bool sub)
{
    static const char share[] = "$share/";
    const size_t k = sizeof(share) - 1u;
    if (sub && s->retain_handling > 2u) {
        return MQTLS_ERR_BAD_SUB_OPTIONS;
    }
    if (s->filter_len < k || memcmp(s->filter, share, k) != 0) {
        return MQTLS_OK;
    }
    size_t i = k;
    while (i < s->filter_len && s->filter[i] != '/') {
        if (s->filter[i] == '+' || s->filter[i] == '#') {
            return MQTLS_ERR_BAD_SHARED_FILTER;
        }
        i++;
    }
    if (i == k || i + 1u >= s->filter_len) {
        return MQTLS_ERR_BAD_SHARED_FILTER; /* empty name, or no filter after it */
    }
    return sub && s->no_local ? MQTLS_ERR_SHARED_NO_LOCAL : MQTLS_OK;
}

/* The 5.0 subscription options byte (section 3.8.3.1). */
static uint8_t sub_options(const mqtls_subscription_t *s)
{
    return (uint8_t)(s->qos | (s->no_local ? 0x04u : 0u) | (s->retain_as_published ? 0x08u : 0u) |
                     ((unsigned)s->retain_handling << 4));
}

/* SUBSCRIBE and UNSUBSCRIBE differ only in the type and the QoS byte. */
static int32_t encode_subs(uint8_t *buf, size_t len, uint8_t version, uint8_t type, uint16_t packet_id,
                           const mqtls_subscription_t *subs, size_t n, const mqtls_props_t *props)
{
    const bool sub = type == MQTLS_PKT_SUBSCRIBE;
    int32_t rc = check_version(version);
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (n == 0u) {
        return MQTLS_ERR_NO_TOPICS; /* [MQTT-3.8.3-3], [MQTT-3.10.3-2] */
    }
    if (subs == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (packet_id == 0u) {
        return MQTLS_ERR_ZERO_PACKET_ID; /* [MQTT-2.3.1-1] */
    }
    size_t rl = 2u;
    for (size_t i = 0; i < n; i++) {
        rc = mqtls_topic_validate_filter(subs[i].filter, subs[i].filter_len); /* [MQTT-3.8.3-1] */
        if (rc != MQTLS_OK) {
            return rc;
        }
        if (sub && subs[i].qos > 2u) {
            return MQTLS_ERR_BAD_QOS; /* [MQTT-3.8.3-4] */
        }
        if (V5(version) && (rc = check_sub5(&subs[i], sub)) != MQTLS_OK) {
            return rc;
        }
        rl += 2u + subs[i].filter_len + (sub ? 1u : 0u);
        if (rl > MQTLS_MAX_REMAINING_LENGTH) {
            return MQTLS_ERR_PACKET_TOO_LARGE; /* checked per entry: the sum cannot wrap */
        }
    }
    int32_t block = 0;
    if (V5(version)) {
        block = mqtls__props_size(type, props);
        if (block < 0) {
            return block;
        }
        rl += props_wire(block); /* both terms <= 268435455: no wrap */
    }
    uint8_t *p = NULL;
    int32_t total = begin(buf, len, (uint8_t)(((unsigned)type << 4) | 0x02u), rl, &p); /* [MQTT-3.8.1-1], [MQTT-3.10.1-1] */
    if (total < 0 || buf == NULL) {
        return total;
    }
    p = put_u16(p, packet_id);
    if (V5(version)) {
        p = mqtls__props_put(p, type, props, (size_t)block);
    }
    for (size_t i = 0; i < n; i++) {
        p = put_field(p, subs[i].filter, subs[i].filter_len);
        if (sub) {
            *p++ = V5(version) ? sub_options(&subs[i]) : subs[i].qos;
        }
    }
    return total;
}

/* see mqtls/codec.h */
int32_t mqtls_encode_subscribe(uint8_t *buf, size_t len, uint8_t version, uint16_t packet_id,
                               const mqtls_subscription_t *subs, size_t n)
{
    return encode_subs(buf, len, version, MQTLS_PKT_SUBSCRIBE, packet_id, subs, n, NULL);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_subscribe5(uint8_t *buf, size_t len, uint16_t packet_id, const mqtls_subscription_t *subs,
                                size_t n, const mqtls_props_t *props)
{
    return encode_subs(buf, len, MQTLS_PROTO_V5, MQTLS_PKT_SUBSCRIBE, packet_id, subs, n, props);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_unsubscribe5(uint8_t *buf, size_t len, uint16_t packet_id, const mqtls_subscription_t *subs,
                                  size_t n, const mqtls_props_t *props)
{
    return encode_subs(buf, len, MQTLS_PROTO_V5, MQTLS_PKT_UNSUBSCRIBE, packet_id, subs, n, props);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_unsubscribe(uint8_t *buf, size_t len, uint8_t version, uint16_t packet_id,
                                 const mqtls_subscription_t *subs, size_t n)
{
    return encode_subs(buf, len, version, MQTLS_PKT_UNSUBSCRIBE, packet_id, subs, n, NULL);
}

/* Byte 0 of an ack: PUBREL has flags 0010 [MQTT-3.6.1-1]. */
static uint8_t ack_byte0(uint8_t type)
{
    return (uint8_t)(((unsigned)type << 4) | (type == MQTLS_PKT_PUBREL ? 0x02u : 0u));
}

/* see codec_priv.h */
size_t mqtls__put_short(uint8_t *p, uint8_t type, uint16_t packet_id)
{
    p[0] = ack_byte0(type);
    if (type == MQTLS_PKT_PINGREQ) {
        p[1] = 0;
        return 2u;
    }
    p[1] = 2;
    (void)put_u16(p + 2, packet_id);
    return 4u;
}

/* A packet of byte 0 plus two bytes: the acks and CONNACK. */
static int32_t encode_pair(uint8_t *buf, size_t len, uint8_t byte0, uint8_t a, uint8_t b)
{
    uint8_t *p = NULL;
    int32_t n = begin(buf, len, byte0, 2u, &p);
    if (n > 0 && buf != NULL) {
        p[0] = a;
        p[1] = b;
    }
    return n;
}

/* see mqtls/codec.h */
int32_t mqtls_encode_ack(uint8_t *buf, size_t len, uint8_t version, uint8_t type, uint16_t packet_id)
{
    int32_t rc = check_version(version);
    if (rc != MQTLS_OK) {
        return rc;
    }
    /* A 5.0 UNSUBACK carries reason codes: mqtls_encode_suback5(). */
    if ((type < MQTLS_PKT_PUBACK || type > MQTLS_PKT_PUBCOMP) && (type != MQTLS_PKT_UNSUBACK || V5(version))) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (packet_id == 0u) {
        return MQTLS_ERR_ZERO_PACKET_ID; /* [MQTT-2.3.1-1] */
    }
    /* 5.0: remaining length 2 is the success short form (5.0 section 3.4.2.1). */
    return encode_pair(buf, len, ack_byte0(type), (uint8_t)(packet_id >> 8), (uint8_t)packet_id);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_empty(uint8_t *buf, size_t len, uint8_t version, uint8_t type)
{
    int32_t rc = check_version(version);
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (type < MQTLS_PKT_PINGREQ || type > MQTLS_PKT_DISCONNECT) {
        return MQTLS_ERR_INVALID_ARG;
    }
    uint8_t *p = NULL;
    return begin(buf, len, (uint8_t)(type << 4), 0u, &p);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_connack(uint8_t *buf, size_t len, uint8_t version, bool session_present,
                             uint8_t return_code)
{
    int32_t rc = check_version(version);
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (V5(version)) {
        return mqtls_encode_connack5(buf, len, session_present, return_code, NULL);
    }
    if (return_code > 5u) {
        return MQTLS_ERR_BAD_CONNACK_CODE;
    }
    /* Session present with a refusal is left possible on purpose, so that a
     * test peer can send the [MQTT-3.2.2-4] violation; the decoder refuses it. */
    return encode_pair(buf, len, MQTLS_PKT_CONNACK << 4, session_present ? 1u : 0u, return_code);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_suback(uint8_t *buf, size_t len, uint8_t version, uint16_t packet_id,
                            const uint8_t *return_codes, size_t n)
{
    int32_t rc = check_version(version);
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (V5(version)) {
        return mqtls_encode_suback5(buf, len, MQTLS_PKT_SUBACK, packet_id, return_codes, n, NULL);
    }
    if (n == 0u || return_codes == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (packet_id == 0u) {
        return MQTLS_ERR_ZERO_PACKET_ID;
    }
    if (n > MQTLS_MAX_REMAINING_LENGTH - 2u) {
        return MQTLS_ERR_PACKET_TOO_LARGE;
    }
    for (size_t i = 0; i < n; i++) {
        if (!suback_code_ok(return_codes[i])) {
            return MQTLS_ERR_BAD_SUBACK_CODE;
        }
    }
    uint8_t *p = NULL;
    int32_t total = begin(buf, len, (MQTLS_PKT_SUBACK << 4), 2u + n, &p);
    if (total > 0 && buf != NULL) {
        (void)put_raw(put_u16(p, packet_id), return_codes, n);
    }
    return total;
}

/* ---- MQTT 5.0 encoders -------------------------------------------------- */

#if MQTLS_CONFIG_MQTT5

/*
 * A packet of `head` (packet id or CONNACK flags), a reason code and
 * properties. With `shorten` (the acks and DISCONNECT, sections 3.4.2.1 and
 * 3.14.2.1), a packet without properties leaves out the property length,
 * and with reason 0x00 the reason code too.
 */
static int32_t encode_reason(uint8_t *buf, size_t len, uint8_t byte0, const uint8_t *head, size_t hn,
                             uint8_t reason, const mqtls_props_t *props, bool shorten)
{
    const uint8_t type = (uint8_t)(byte0 >> 4);
    if (!mqtls_reason_allowed(type, reason)) {
        return MQTLS_ERR_BAD_REASON_CODE;
    }
    int32_t block = mqtls__props_size(type, props);
    if (block < 0) {
        return block;
    }
    size_t rl = hn + 1u + props_wire(block);
    if (block == 0 && shorten) {
        rl = reason == 0u ? hn : hn + 1u;
    }
    uint8_t *p = NULL;
    int32_t n = begin(buf, len, byte0, rl, &p);
    if (n < 0 || buf == NULL) {
        return n;
    }
    p = put_raw(p, head, hn);
    if (rl > hn) {
        *p++ = reason;
    }
    if (rl > hn + 1u) {
        (void)mqtls__props_put(p, type, props, (size_t)block);
    }
    return n;
}

/* see mqtls/codec.h */
int32_t mqtls_encode_ack5(uint8_t *buf, size_t len, uint8_t type, uint16_t packet_id, uint8_t reason,
                          const mqtls_props_t *props)
{
    if (type < MQTLS_PKT_PUBACK || type > MQTLS_PKT_PUBCOMP) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (packet_id == 0u) {
        return MQTLS_ERR_ZERO_PACKET_ID; /* [MQTT-2.3.1-1] */
    }
    const uint8_t id[2] = {(uint8_t)(packet_id >> 8), (uint8_t)packet_id};
    return encode_reason(buf, len, ack_byte0(type), id, 2u, reason, props, true);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_disconnect5(uint8_t *buf, size_t len, uint8_t reason, const mqtls_props_t *props)
{
    return encode_reason(buf, len, MQTLS_PKT_DISCONNECT << 4, NULL, 0u, reason, props, true);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_auth(uint8_t *buf, size_t len, uint8_t reason, const mqtls_props_t *props)
{
    /* Only reason 0x00 with no properties may be left out, and then all of
     * it [MQTT-3.15.2-1]: a 1-byte AUTH does not exist. */
    return encode_reason(buf, len, MQTLS_PKT_AUTH << 4, NULL, 0u, reason, props, reason == 0u);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_connack5(uint8_t *buf, size_t len, bool session_present, uint8_t reason,
                              const mqtls_props_t *props)
{
    /* As in 3.1.1, session present with a refusal stays possible for test
     * peers [MQTT-3.2.2-6]; the decoder refuses it. */
    const uint8_t flags = session_present ? 1u : 0u;
    return encode_reason(buf, len, MQTLS_PKT_CONNACK << 4, &flags, 1u, reason, props, false);
}

/* see mqtls/codec.h */
int32_t mqtls_encode_suback5(uint8_t *buf, size_t len, uint8_t type, uint16_t packet_id, const uint8_t *reasons,
                             size_t n, const mqtls_props_t *props)
{
    if ((type != MQTLS_PKT_SUBACK && type != MQTLS_PKT_UNSUBACK) || n == 0u || reasons == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (packet_id == 0u) {
        return MQTLS_ERR_ZERO_PACKET_ID;
    }
    if (n > MQTLS_MAX_REMAINING_LENGTH) {
        return MQTLS_ERR_PACKET_TOO_LARGE;
    }
    for (size_t i = 0; i < n; i++) {
        if (!mqtls_reason_allowed(type, reasons[i])) {
            return MQTLS_ERR_BAD_REASON_CODE; /* [MQTT-3.9.3-2], [MQTT-3.11.3-2] */
        }
    }
    int32_t block = mqtls__props_size(type, props);
    if (block < 0) {
        return block;
    }
    uint8_t *p = NULL;
    int32_t total = begin(buf, len, (uint8_t)(type << 4), 2u + props_wire(block) + n, &p);
    if (total > 0 && buf != NULL) {
        p = mqtls__props_put(put_u16(p, packet_id), type, props, (size_t)block);
        (void)put_raw(p, reasons, n);
    }
    return total;
}

#else /* MQTLS_CONFIG_MQTT5: 3.1.1 only */

/* see mqtls/codec.h */
int32_t mqtls_encode_ack5(uint8_t *buf, size_t len, uint8_t type, uint16_t packet_id, uint8_t reason,
                          const mqtls_props_t *props)
{
    (void)buf, (void)len, (void)type, (void)packet_id, (void)reason, (void)props;
    return MQTLS_ERR_NOT_SUPPORTED;
}

/* see mqtls/codec.h */
int32_t mqtls_encode_disconnect5(uint8_t *buf, size_t len, uint8_t reason, const mqtls_props_t *props)
{
    (void)buf, (void)len, (void)reason, (void)props;
    return MQTLS_ERR_NOT_SUPPORTED;
}

/* see mqtls/codec.h */
int32_t mqtls_encode_auth(uint8_t *buf, size_t len, uint8_t reason, const mqtls_props_t *props)
{
    (void)buf, (void)len, (void)reason, (void)props;
    return MQTLS_ERR_NOT_SUPPORTED;
}

/* see mqtls/codec.h */
int32_t mqtls_encode_connack5(uint8_t *buf, size_t len, bool session_present, uint8_t reason,
                              const mqtls_props_t *props)
{
    (void)buf, (void)len, (void)session_present, (void)reason, (void)props;
    return MQTLS_ERR_NOT_SUPPORTED;
}

/* see mqtls/codec.h */
int32_t mqtls_encode_suback5(uint8_t *buf, size_t len, uint8_t type, uint16_t packet_id, const uint8_t *reasons,
                             size_t n, const mqtls_props_t *props)
{
    (void)buf, (void)len, (void)type, (void)packet_id, (void)reasons, (void)n, (void)props;
    return MQTLS_ERR_NOT_SUPPORTED;
}

#endif /* MQTLS_CONFIG_MQTT5 */

/* ---- reading ------------------------------------------------------------ */

/* Invariant: pos <= avail <= end. */
typedef struct {
    const uint8_t *buf;
    size_t pos;   /* next byte to read */
    size_t avail; /* bytes of the packet present in buf */
    size_t end;   /* where the packet ends */
} reader_t;

static int32_t need(const reader_t *r, size_t n)
{
    if (n > r->end - r->pos) {
        return MQTLS_ERR_TRUNCATED;
    }
    return n > r->avail - r->pos ? MQTLS_ERR_WANT_READ : MQTLS_OK;
}

static int32_t get_u16(reader_t *r, uint16_t *v)
{
    int32_t rc = need(r, 2u);
    if (rc == MQTLS_OK) {
        *v = (uint16_t)((r->buf[r->pos] << 8) | r->buf[r->pos + 1u]);
        r->pos += 2u;
    }
    return rc;
}

/* A length-prefixed string; *s points into the buffer. */
static int32_t get_string(reader_t *r, const char **s, size_t *n)
{
    uint16_t len = 0;
    int32_t rc = get_u16(r, &len);
    if (rc == MQTLS_OK && (rc = need(r, len)) == MQTLS_OK) {
        *s = (const char *)(r->buf + r->pos);
        *n = len;
        r->pos += len;
    }
    return rc;
}

/* The packet id of an ack or SUBACK, whose length has been checked. */
static uint16_t peek_id(const reader_t *r)
{
    return (uint16_t)((r->buf[r->pos] << 8) | r->buf[r->pos + 1u]);
}

/* see mqtls/codec.h. Type 15 is accepted here: the framing is the same in
 * both versions and AUTH is a valid 5.0 packet; mqtls_decode_packet()
 * refuses it for 3.1.1. */
int32_t mqtls_decode_fixed_header(const uint8_t *buf, size_t len, mqtls_fixed_header_t *hdr)
{
    if (hdr == NULL || bad_ptr(buf, len)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (len == 0u) {
        return MQTLS_ERR_WANT_READ;
    }
    if ((buf[0] >> 4) == 0u) {
        return MQTLS_ERR_BAD_PACKET_TYPE; /* reserved [MQTT-2.2.1] */
    }
    uint32_t value = 0;
    for (size_t i = 1; i < MQTLS_FIXED_HEADER_MAX; i++) {
        if (i >= len) {
            return MQTLS_ERR_WANT_READ;
        }
        value |= (uint32_t)(buf[i] & 0x7Fu) << (7u * (i - 1u));
        if ((buf[i] & 0x80u) == 0u) {
            hdr->type = (uint8_t)(buf[0] >> 4);
            hdr->flags = (uint8_t)(buf[0] & 0x0Fu);
            hdr->header_len = (uint8_t)(i + 1u);
            hdr->remaining_length = value;
            return MQTLS_OK;
        }
    }
    return MQTLS_ERR_MALFORMED_REMAINING_LENGTH; /* at most 4 bytes [MQTT-2.2.3] */
}

/* A 5.0 property block at r->pos for a packet of `type`; advances r. */
static int32_t get_props(reader_t *r, uint8_t type, mqtls_props_t *props)
{
    int32_t n = mqtls__props_get(r->buf + r->pos, r->avail - r->pos, r->end - r->pos, type, props);
    if (n > 0) {
        r->pos += (size_t)n;
    }
    return n < 0 ? n : MQTLS_OK;
}

/*
 * PUBLISH variable header and payload, shared by both PUBLISH decoders.
 * props: where the 5.0 properties go (unused at level 4).
 */
static int32_t get_publish(reader_t *r, uint8_t flags, uint8_t version, mqtls_publish_t *out, mqtls_props_t *props)
{
    out->retain = (flags & 0x01u) != 0u;
    out->qos = (uint8_t)((flags >> 1) & 0x03u);
    out->dup = (flags & 0x08u) != 0u;
    if (out->qos == 3u) {
        return MQTLS_ERR_BAD_QOS; /* [MQTT-3.3.1-4] */
    }
    if (out->qos == 0u && out->dup) {
        return MQTLS_ERR_RESERVED_FLAGS; /* [MQTT-3.3.1-2] */
    }
    int32_t rc = get_string(r, &out->topic, &out->topic_len);
    if (rc != MQTLS_OK) {
        return rc;
    }
    /* An empty 5.0 topic is checked once the properties tell about an alias. */
    if (!V5(version) || out->topic_len != 0u) {
        rc = mqtls_topic_validate_name(out->topic, out->topic_len); /* [MQTT-3.3.2-1], [MQTT-3.3.2-2] */
        if (rc != MQTLS_OK) {
            return rc;
        }
    }
    if (out->qos != 0u) {
        rc = get_u16(r, &out->packet_id);
        if (rc != MQTLS_OK) {
            return rc;
        }
        if (out->packet_id == 0u) {
            return MQTLS_ERR_ZERO_PACKET_ID; /* [MQTT-2.3.1-1] */
        }
    }
    if (V5(version)) {
        rc = get_props(r, MQTLS_PKT_PUBLISH, props);
        if (rc != MQTLS_OK) {
            return rc;
        }
        rc = check_topic(version, out->topic, out->topic_len, props);
        if (rc != MQTLS_OK) {
            return rc;
        }
    }
    out->payload = r->buf + r->pos; /* at most one past the bytes present */
    out->payload_len = r->end - r->pos;
    return MQTLS_OK;
}

/* The 3.1.1 packets a client receives, other than PUBLISH; flags already checked. */
static int32_t get_other(reader_t *r, uint8_t type, mqtls_packet_t *out)
{
    const size_t rl = r->end - r->pos;
    const uint8_t *b = r->buf + r->pos;
    switch (type) {
    case MQTLS_PKT_CONNACK:
        if (rl != 2u) {
            return MQTLS_ERR_LENGTH_MISMATCH;
        }
        if ((b[0] & 0xFEu) != 0u) {
            return MQTLS_ERR_BAD_CONNACK_FLAGS; /* [MQTT-3.2.2-1] */
        }
        if (b[1] > 5u) {
            return MQTLS_ERR_BAD_CONNACK_CODE; /* [MQTT-3.2.2-3] */
        }
        if (b[0] != 0u && b[1] != 0u) {
            return MQTLS_ERR_SESSION_PRESENT_INVALID; /* [MQTT-3.2.2-4] */
        }
        out->u.connack.session_present = b[0] != 0u;
        out->u.connack.return_code = b[1];
        out->reason_code = b[1];
        return MQTLS_OK;
    case MQTLS_PKT_SUBACK:
        if (rl < 3u) {
            return MQTLS_ERR_LENGTH_MISMATCH; /* at least one return code [MQTT-3.9.3-1] */
        }
        out->u.suback.packet_id = peek_id(r);
        out->u.suback.return_codes = b + 2;
        out->u.suback.count = rl - 2u;
        if (out->u.suback.packet_id == 0u) {
            return MQTLS_ERR_ZERO_PACKET_ID; /* [MQTT-2.3.1-1] */
        }
        for (size_t i = 2; i < rl; i++) {
            if (!suback_code_ok(b[i])) {
                return MQTLS_ERR_BAD_SUBACK_CODE; /* [MQTT-3.9.3-2] */
            }
        }
        return MQTLS_OK;
    case MQTLS_PKT_PINGRESP:
        return rl == 0u ? MQTLS_OK : MQTLS_ERR_LENGTH_MISMATCH;
    default: /* PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK */
        if (rl != 2u) {
            return MQTLS_ERR_LENGTH_MISMATCH;
        }
        out->u.ack.packet_id = peek_id(r);
        return out->u.ack.packet_id != 0u ? MQTLS_OK : MQTLS_ERR_ZERO_PACKET_ID; /* [MQTT-2.3.1-1] */
    }
}

/*
 * A 5.0 reason code and property block that run to the end of the packet;
 * the short forms leave out both (reason 0x00) or the properties.
 */
static int32_t get_reason_props(reader_t *r, uint8_t type, mqtls_packet_t *out)
{
    if (r->pos == r->end) {
        return MQTLS_OK; /* reason 0x00, no properties */
    }
    out->reason_code = r->buf[r->pos++];
    if (!mqtls_reason_allowed(type, out->reason_code)) {
        return MQTLS_ERR_BAD_REASON_CODE; /* e.g. [MQTT-3.4.2-1] */
    }
    if (r->pos == r->end) {
        return MQTLS_OK; /* no properties */
    }
    int32_t rc = get_props(r, type, &out->props);
    if (rc == MQTLS_OK && r->pos != r->end) {
        return MQTLS_ERR_LENGTH_MISMATCH; /* bytes after the properties */
    }
    return rc;
}

/* The 5.0 packets a client receives, other than PUBLISH; flags checked. */
static int32_t get_other5(reader_t *r, uint8_t type, mqtls_packet_t *out)
{
    const size_t rl = r->end - r->pos;
    const uint8_t *b = r->buf + r->pos;
    int32_t rc;
    switch (type) {
    case MQTLS_PKT_CONNACK:
        if (rl < 3u) {
            return MQTLS_ERR_LENGTH_MISMATCH; /* flags, reason, property length */
        }
        if ((b[0] & 0xFEu) != 0u) {
            return MQTLS_ERR_BAD_CONNACK_FLAGS; /* [MQTT-3.2.2-1] */
        }
        out->u.connack.session_present = b[0] != 0u;
        out->u.connack.return_code = b[1];
        r->pos++;
        rc = get_reason_props(r, type, out);
        if (rc == MQTLS_OK && b[0] != 0u && b[1] >= 0x80u) {
            return MQTLS_ERR_SESSION_PRESENT_INVALID; /* [MQTT-3.2.2-6] */
        }
        return rc;
    case MQTLS_PKT_PINGRESP:
        return rl == 0u ? MQTLS_OK : MQTLS_ERR_LENGTH_MISMATCH;
    case MQTLS_PKT_AUTH:
        /* All or nothing: a lone reason code is not an AUTH form [MQTT-3.15.2-1]. */
        return rl == 1u ? MQTLS_ERR_LENGTH_MISMATCH : get_reason_props(r, type, out);
    case MQTLS_PKT_DISCONNECT:
        return get_reason_props(r, type, out);
    default:
        break;
    }
    /* PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK: a packet id first. */
    if (rl < 2u) {
        return MQTLS_ERR_LENGTH_MISMATCH;
    }
    const uint16_t id = peek_id(r);
    if (id == 0u) {
        return MQTLS_ERR_ZERO_PACKET_ID; /* [MQTT-2.3.1-1] */
    }
    r->pos += 2u;
    if (type != MQTLS_PKT_SUBACK && type != MQTLS_PKT_UNSUBACK) {
        out->u.ack.packet_id = id;
        return get_reason_props(r, type, out);
    }
    /* Both begin with the packet id, so u.ack.packet_id reads it too. */
    out->u.suback.packet_id = id;
    if (r->pos == r->end) {
        return MQTLS_ERR_LENGTH_MISMATCH; /* the property length is not optional here */
    }
    rc = get_props(r, type, &out->props);
    if (rc != MQTLS_OK) {
        return rc;
    }
    out->u.suback.return_codes = r->buf + r->pos;
    out->u.suback.count = r->end - r->pos;
    if (out->u.suback.count == 0u) {
        return MQTLS_ERR_LENGTH_MISMATCH; /* one reason code per filter, at least one */
    }
    for (size_t i = 0; i < out->u.suback.count; i++) {
        if (!mqtls_reason_allowed(type, out->u.suback.return_codes[i])) {
            return MQTLS_ERR_BAD_REASON_CODE; /* [MQTT-3.9.3-2], [MQTT-3.11.3-2] */
        }
    }
    return MQTLS_OK;
}

/* see codec_priv.h */
int32_t mqtls__decode_framed(const uint8_t *buf, const mqtls_fixed_header_t *hdr, uint8_t version, mqtls_packet_t *out)
{
    const mqtls_fixed_header_t h = *hdr;
    size_t total = (size_t)h.header_len + h.remaining_length;
    memset(out, 0, sizeof(*out));
    out->type = h.type;
    reader_t r = {buf, h.header_len, total, total};
    switch (h.type) {
    case MQTLS_PKT_PUBLISH:
        if (V5(version)) {
            out->u.publish.props = &out->props;
        }
        return get_publish(&r, h.flags, version, &out->u.publish, &out->props);
    case MQTLS_PKT_CONNECT:
    case MQTLS_PKT_SUBSCRIBE:
    case MQTLS_PKT_UNSUBSCRIBE:
    case MQTLS_PKT_PINGREQ:
        return MQTLS_ERR_UNEXPECTED_PACKET; /* only a client sends these */
    case MQTLS_PKT_DISCONNECT:
        if (!V5(version)) {
            return MQTLS_ERR_UNEXPECTED_PACKET; /* a 5.0 server may send it */
        }
        break;
    case MQTLS_PKT_AUTH:
        if (!V5(version)) {
            return MQTLS_ERR_BAD_PACKET_TYPE; /* reserved in 3.1.1 [MQTT-2.2.1] */
        }
        break;
    default:
        break;
    }
    if (h.flags != (h.type == MQTLS_PKT_PUBREL ? 0x02u : 0u)) {
        return MQTLS_ERR_RESERVED_FLAGS; /* [MQTT-2.2.2-2], [MQTT-3.6.1-1] */
    }
    return V5(version) ? get_other5(&r, h.type, out) : get_other(&r, h.type, out);
}

/* see mqtls/codec.h */
int32_t mqtls_decode_packet(const uint8_t *buf, size_t len, uint8_t version, mqtls_packet_t *out)
{
    if (out == NULL || bad_ptr(buf, len)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    int32_t rc = check_version(version);
    if (rc != MQTLS_OK) {
        return rc;
    }
    mqtls_fixed_header_t h;
    rc = mqtls_decode_fixed_header(buf, len, &h);
    if (rc != MQTLS_OK) {
        return rc == MQTLS_ERR_WANT_READ ? MQTLS_ERR_TRUNCATED : rc;
    }
    size_t total = (size_t)h.header_len + h.remaining_length;
    if (len != total) {
        return len < total ? MQTLS_ERR_TRUNCATED : MQTLS_ERR_LENGTH_MISMATCH;
    }
    return mqtls__decode_framed(buf, &h, version, out);
}

/* Both PUBLISH head decoders; props NULL: check 5.0 properties, keep none. */
static int32_t publish_head(const uint8_t *buf, size_t avail, const mqtls_fixed_header_t *hdr, uint8_t version,
                            mqtls_publish_t *out, mqtls_props_t *props)
{
    if (hdr == NULL || out == NULL || bad_ptr(buf, avail) || hdr->type != MQTLS_PKT_PUBLISH ||
        hdr->header_len < 2u || hdr->header_len > MQTLS_FIXED_HEADER_MAX ||
        hdr->remaining_length > MQTLS_MAX_REMAINING_LENGTH) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof(*out));
    int32_t rc = check_version(version);
    if (rc != MQTLS_OK) {
        return rc;
    }
    size_t end = (size_t)hdr->header_len + hdr->remaining_length;
    if (avail < hdr->header_len) {
        return MQTLS_ERR_WANT_READ;
    }
    reader_t r = {buf, hdr->header_len, avail < end ? avail : end, end};
    mqtls_props_t scratch;
    rc = get_publish(&r, hdr->flags, version, out, props != NULL ? props : &scratch);
    if (rc == MQTLS_OK && props != NULL) {
        out->props = props;
    }
    return rc;
}

/* see mqtls/codec.h */
int32_t mqtls_decode_publish_head(const uint8_t *buf, size_t avail, const mqtls_fixed_header_t *hdr,
                                  uint8_t version, mqtls_publish_t *out)
{
    return publish_head(buf, avail, hdr, version, out, NULL);
}

/* see mqtls/codec.h */
int32_t mqtls_decode_publish_head5(const uint8_t *buf, size_t avail, const mqtls_fixed_header_t *hdr,
                                   mqtls_publish_t *out, mqtls_props_t *props)
{
    if (!MQTLS_CONFIG_MQTT5) {
        return MQTLS_ERR_NOT_SUPPORTED;
    }
    if (props == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    return publish_head(buf, avail, hdr, MQTLS_PROTO_V5, out, props);
}
