/* SPDX-License-Identifier: MIT
 * mqtls fuzz target: the packet decoder, and encode(decode(x)) round trips. */
/*
 * The input is what a broker might send. It goes to the fixed-header
 * parser; when it holds a whole packet, to mqtls_decode_packet(), once as
 * 3.1.1 and once as 5.0, and for a PUBLISH also to the PUBLISH head
 * decoders with whatever part of it is present. Every packet that decodes is encoded again (where the
 * codec has an encoder for it), and the re-encoding must encode without an
 * error and decode to the same packet. When the input used the shortest
 * length field, the re-encoding must even be byte for byte the input.
 * Anything else is a bug and abort()s, which libFuzzer reports with the
 * input that caused it.
 *
 * 5.0 has no unique encoding (properties in any order, long or short ack
 * forms), so there the check is a fixed point instead: the re-encoding
 * decodes to the same packet, whose properties, re-encoded in the codec's
 * canonical order, are the same bytes. The property cursor must walk every
 * accepted block to its end without an error, and every borrowed pointer
 * must lie inside the packet.
 *
 * The packet is copied into an exactly-sized heap buffer first, so
 * AddressSanitizer sees a read one byte past the packet (libFuzzer's own
 * buffer is exactly the input, which may be longer than the packet).
 *
 * Run:  build-fuzz/tests/fuzz/fuzz_decode -runs=200000 tests/fuzz/corpus-run tests/fuzz/corpus/decode
 */

#include "fuzz_harness.h"
#include "mqtls/codec.h"

static bool bytes_equal(const void *a, const void *b, size_t n)
{
    return n == 0u || memcmp(a, b, n) == 0;
}

/* A pointer range [p, p + n) lies in [base, base + len]. */
static bool inside(const void *p, size_t n, const uint8_t *base, size_t len)
{
    const uint8_t *q = p;
    return q >= base && q <= base + len && n <= (size_t)(base + len - q);
}

static bool publish_equal(const mqtls_publish_t *a, const mqtls_publish_t *b)
{
    return a->topic_len == b->topic_len && bytes_equal(a->topic, b->topic, a->topic_len) &&
           a->payload_len == b->payload_len && bytes_equal(a->payload, b->payload, a->payload_len) &&
           a->qos == b->qos && a->retain == b->retain && a->dup == b->dup && a->packet_id == b->packet_id;
}

static bool packet_equal(const mqtls_packet_t *a, const mqtls_packet_t *b)
{
    if (a->type != b->type) {
        return false;
    }
    switch (a->type) {
    case MQTLS_PKT_CONNACK:
        return a->u.connack.session_present == b->u.connack.session_present &&
               a->u.connack.return_code == b->u.connack.return_code;
    case MQTLS_PKT_PUBLISH:
        return publish_equal(&a->u.publish, &b->u.publish);
    case MQTLS_PKT_SUBACK:
        return a->u.suback.packet_id == b->u.suback.packet_id && a->u.suback.count == b->u.suback.count &&
               bytes_equal(a->u.suback.return_codes, b->u.suback.return_codes, a->u.suback.count);
    case MQTLS_PKT_PINGRESP:
        return true;
    default:
        return a->u.ack.packet_id == b->u.ack.packet_id;
    }
}

/* Encode a decoded packet again; buf == NULL asks for the size. */
static int32_t reencode(uint8_t *buf, size_t len, const mqtls_packet_t *p)
{
    switch (p->type) {
    case MQTLS_PKT_CONNACK:
        return mqtls_encode_connack(buf, len, MQTLS_PROTO_V311, p->u.connack.session_present,
                                    p->u.connack.return_code);
    case MQTLS_PKT_PUBLISH:
        return mqtls_encode_publish(buf, len, MQTLS_PROTO_V311, &p->u.publish);
    case MQTLS_PKT_SUBACK:
        return mqtls_encode_suback(buf, len, MQTLS_PROTO_V311, p->u.suback.packet_id, p->u.suback.return_codes,
                                   p->u.suback.count);
    case MQTLS_PKT_PINGRESP:
        return mqtls_encode_empty(buf, len, MQTLS_PROTO_V311, p->type);
    default:
        return mqtls_encode_ack(buf, len, MQTLS_PROTO_V311, p->type, p->u.ack.packet_id);
    }
}

static void round_trip(const uint8_t *pkt, size_t n, const mqtls_fixed_header_t *h, const mqtls_packet_t *first)
{
    int32_t size = reencode(NULL, 0, first);
    CHECK(size > 0);
    uint8_t *b = malloc((size_t)size);
    CHECK(b != NULL);
    CHECK(reencode(b, (size_t)size - 1u, first) == MQTLS_ERR_BUFFER_TOO_SMALL);
    CHECK(reencode(b, (size_t)size, first) == size);
    mqtls_packet_t second;
    CHECK(mqtls_decode_packet(b, (size_t)size, MQTLS_PROTO_V311, &second) == MQTLS_OK);
    CHECK(packet_equal(first, &second));
    /* With the shortest length field the encoding is unique. */
    int32_t rl_bytes = mqtls_encode_remaining_length(NULL, 0, h->remaining_length);
    if (h->header_len == 1 + rl_bytes) {
        CHECK((size_t)size == n && memcmp(b, pkt, n) == 0);
    }
    free(b);
}

/*
 * The head of a PUBLISH of which `avail` bytes are present. whole_rc is what
 * mqtls_decode_packet() said of the whole packet, or 1 when it is not all
 * here. An answer other than WANT_READ is final: more bytes cannot change it.
 */
static void check_publish_head(const uint8_t *data, size_t avail, const mqtls_fixed_header_t *h, uint8_t version,
                               int32_t whole_rc, const mqtls_packet_t *whole)
{
    size_t end = (size_t)h->header_len + h->remaining_length;
    mqtls_publish_t head;
    mqtls_props_t props;
    int32_t rc = version == MQTLS_PROTO_V5 ? mqtls_decode_publish_head5(data, avail, h, &head, &props)
                                           : mqtls_decode_publish_head(data, avail, h, version, &head);
    if (rc == MQTLS_ERR_WANT_READ) {
        CHECK(avail < end);
        return;
    }
    CHECK(whole_rc == 1 || rc == whole_rc);
    if (rc != MQTLS_OK) {
        return;
    }
    CHECK(inside(head.topic, head.topic_len, data, avail));
    CHECK(head.payload >= data && head.payload <= data + avail);
    CHECK((size_t)(head.payload - data) + head.payload_len == end);
    if (version == MQTLS_PROTO_V5) {
        CHECK(head.props == &props && inside(props.raw, props.raw_len, data, avail));
    }
    if (whole_rc == MQTLS_OK) {
        CHECK(publish_equal(&head, &whole->u.publish)); /* data holds the whole packet here */
    }
}

/* ---- MQTT 5.0 ------------------------------------------------------------ */

/*
 * A decoded property block made encodable: the same fields, the user
 * properties collected by the cursor into *users (freed by the caller).
 * Checks on the way that the cursor walks the block to its end and counts
 * what the decoder counted. Returns false when the block cannot be encoded
 * as it is (several subscription identifiers: the encoder sends one).
 */
static bool canon_props(const mqtls_props_t *in, const uint8_t *pkt, size_t n, mqtls_props_t *out,
                        mqtls_user_prop_t **users)
{
    CHECK(in->raw_len == 0u || inside(in->raw, in->raw_len, pkt, n));
    *out = *in;
    out->raw = NULL;
    out->raw_len = 0;
    *users = malloc((in->user_n != 0u ? in->user_n : 1u) * sizeof(**users));
    CHECK(*users != NULL);
    mqtls_prop_cursor_t cur;
    mqtls_prop_t pr;
    size_t nuser = 0, nsub = 0;
    int32_t rc;
    mqtls_props_begin(&cur, in);
    while ((rc = mqtls_props_next(&cur, &pr)) == 1) {
        CHECK((in->present & MQTLS_PROP_BIT(pr.id)) != 0u);
        if (pr.id == MQTLS_PROP_USER) {
            CHECK(nuser < in->user_n);
            CHECK(inside(pr.str.data, pr.str.len, pkt, n) && inside(pr.value.data, pr.value.len, pkt, n));
            (*users)[nuser].key = pr.str;
            (*users)[nuser].value = pr.value;
            nuser++;
        } else if (pr.id == MQTLS_PROP_SUBSCRIPTION_ID) {
            nsub++;
        }
    }
    CHECK(rc == 0 && cur.left == 0u);
    CHECK(nuser == in->user_n && nsub == in->sub_id_n);
    out->user = *users;
    return in->sub_id_n <= 1u;
}

/* The canonical bytes of a property block of a packet of `type`. */
static uint8_t *props_bytes(const mqtls_props_t *p, uint8_t type, int32_t *n)
{
    *n = mqtls_props_encode(NULL, 0, type, p);
    CHECK(*n >= 1);
    uint8_t *b = malloc((size_t)*n);
    CHECK(b != NULL);
    CHECK(mqtls_props_encode(b, (size_t)*n, type, p) == *n);
    return b;
}

static int32_t reencode5(uint8_t *buf, size_t len, const mqtls_packet_t *p, const mqtls_props_t *props)
{
    mqtls_publish_t pub;
    switch (p->type) {
    case MQTLS_PKT_CONNACK:
        return mqtls_encode_connack5(buf, len, p->u.connack.session_present, p->reason_code, props);
    case MQTLS_PKT_PUBLISH:
        pub = p->u.publish;
        pub.props = props;
        return mqtls_encode_publish(buf, len, MQTLS_PROTO_V5, &pub);
    case MQTLS_PKT_SUBACK:
    case MQTLS_PKT_UNSUBACK:
        return mqtls_encode_suback5(buf, len, p->type, p->u.suback.packet_id, p->u.suback.return_codes,
                                    p->u.suback.count, props);
    case MQTLS_PKT_PINGRESP:
        return mqtls_encode_empty(buf, len, MQTLS_PROTO_V5, p->type);
    case MQTLS_PKT_DISCONNECT:
        return mqtls_encode_disconnect5(buf, len, p->reason_code, props);
    case MQTLS_PKT_AUTH:
        return mqtls_encode_auth(buf, len, p->reason_code, props);
    default:
        return mqtls_encode_ack5(buf, len, p->type, p->u.ack.packet_id, p->reason_code, props);
    }
}

static bool packet5_equal(const mqtls_packet_t *a, const mqtls_packet_t *b)
{
    if (a->type != b->type || a->reason_code != b->reason_code) {
        return false;
    }
    switch (a->type) {
    case MQTLS_PKT_UNSUBACK:
    case MQTLS_PKT_SUBACK:
        return a->u.suback.packet_id == b->u.suback.packet_id && a->u.suback.count == b->u.suback.count &&
               bytes_equal(a->u.suback.return_codes, b->u.suback.return_codes, a->u.suback.count);
    case MQTLS_PKT_DISCONNECT:
    case MQTLS_PKT_AUTH:
        return true;
    default:
        return packet_equal(a, b);
    }
}

static void round_trip5(const uint8_t *pkt, size_t n, const mqtls_packet_t *first)
{
    mqtls_props_t p1, p2;
    mqtls_user_prop_t *u1, *u2;
    if (!canon_props(&first->props, pkt, n, &p1, &u1)) {
        free(u1);
        return;
    }
    int32_t size = reencode5(NULL, 0, first, &p1);
    CHECK(size > 0);
    uint8_t *b = malloc((size_t)size);
    CHECK(b != NULL);
    CHECK(reencode5(b, (size_t)size - 1u, first, &p1) == MQTLS_ERR_BUFFER_TOO_SMALL);
    CHECK(reencode5(b, (size_t)size, first, &p1) == size);
    mqtls_packet_t second;
    CHECK(mqtls_decode_packet(b, (size_t)size, MQTLS_PROTO_V5, &second) == MQTLS_OK);
    CHECK(packet5_equal(first, &second));
    CHECK(canon_props(&second.props, b, (size_t)size, &p2, &u2));
    /* PUBLISH needs its own type for the property table; the rest too. */
    int32_t n1, n2;
    uint8_t *c1 = props_bytes(&p1, first->type, &n1);
    uint8_t *c2 = props_bytes(&p2, first->type, &n2);
    CHECK(n1 == n2 && memcmp(c1, c2, (size_t)n1) == 0);
    /* A fixed point: encoding the second decode gives the same bytes. */
    CHECK(reencode5(NULL, 0, &second, &p2) == size);
    uint8_t *b2 = malloc((size_t)size);
    CHECK(b2 != NULL);
    CHECK(reencode5(b2, (size_t)size, &second, &p2) == size);
    CHECK(memcmp(b, b2, (size_t)size) == 0);
    free(b2);
    free(c1);
    free(c2);
    free(u1);
    free(u2);
    free(b);
}

/* The same input as a 5.0 packet; h is its fixed header. */
static void fuzz_v5(const uint8_t *data, size_t size, const mqtls_fixed_header_t *h)
{
    size_t total = (size_t)h->header_len + h->remaining_length;
    mqtls_packet_t first;
    if (total > size) {
        CHECK(mqtls_decode_packet(data, size, MQTLS_PROTO_V5, &first) == MQTLS_ERR_TRUNCATED);
        if (h->type == MQTLS_PKT_PUBLISH) {
            check_publish_head(data, size, h, MQTLS_PROTO_V5, 1, NULL);
        }
        return;
    }
    if (total < size) {
        CHECK(mqtls_decode_packet(data, size, MQTLS_PROTO_V5, &first) == MQTLS_ERR_LENGTH_MISMATCH);
    }
    uint8_t *pkt = malloc(total);
    CHECK(pkt != NULL);
    memcpy(pkt, data, total);
    int32_t rc = mqtls_decode_packet(pkt, total, MQTLS_PROTO_V5, &first);
    CHECK(rc <= 0);
    if (h->type == MQTLS_PKT_PUBLISH) {
        for (size_t avail = 0; avail <= total && avail < 64u; avail++) {
            check_publish_head(pkt, avail, h, MQTLS_PROTO_V5, rc, &first);
        }
        check_publish_head(pkt, total, h, MQTLS_PROTO_V5, rc, &first);
    }
    if (rc == MQTLS_OK) {
        CHECK(first.type == h->type);
        if (first.type == MQTLS_PKT_PUBLISH) {
            CHECK(first.u.publish.props == &first.props);
            CHECK(inside(first.u.publish.topic, first.u.publish.topic_len, pkt, total));
            CHECK(inside(first.u.publish.payload, first.u.publish.payload_len, pkt, total));
        }
        if (first.type == MQTLS_PKT_SUBACK || first.type == MQTLS_PKT_UNSUBACK) {
            CHECK(inside(first.u.suback.return_codes, first.u.suback.count, pkt, total));
        }
        round_trip5(pkt, total, &first);
    }
    free(pkt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mqtls_fixed_header_t h;
    int32_t rc = mqtls_decode_fixed_header(data, size, &h);
    if (rc != MQTLS_OK) {
        CHECK(rc == MQTLS_ERR_WANT_READ || rc == MQTLS_ERR_BAD_PACKET_TYPE ||
              rc == MQTLS_ERR_MALFORMED_REMAINING_LENGTH);
        return 0;
    }
    CHECK(h.header_len >= 2u && h.header_len <= MQTLS_FIXED_HEADER_MAX && h.header_len <= size);
    CHECK(h.type >= 1u && h.type <= 15u && h.flags <= 15u);
    CHECK(h.remaining_length <= MQTLS_MAX_REMAINING_LENGTH);
    fuzz_v5(data, size, &h);
    size_t total = (size_t)h.header_len + h.remaining_length;
    if (total > size) {
        mqtls_packet_t out;
        CHECK(mqtls_decode_packet(data, size, MQTLS_PROTO_V311, &out) == MQTLS_ERR_TRUNCATED);
        if (h.type == MQTLS_PKT_PUBLISH) {
            check_publish_head(data, size, &h, MQTLS_PROTO_V311, 1, NULL); /* part of a packet larger than the buffer */
        }
        return 0;
    }
    if (total < size) {
        mqtls_packet_t out;
        CHECK(mqtls_decode_packet(data, size, MQTLS_PROTO_V311, &out) == MQTLS_ERR_LENGTH_MISMATCH);
    }

    uint8_t *pkt = malloc(total);
    CHECK(pkt != NULL);
    memcpy(pkt, data, total);
    mqtls_packet_t first;
    rc = mqtls_decode_packet(pkt, total, MQTLS_PROTO_V311, &first);
    CHECK(rc <= 0);
    if (h.type == MQTLS_PKT_PUBLISH) {
        for (size_t avail = 0; avail <= total && avail < 64u; avail++) {
            check_publish_head(pkt, avail, &h, MQTLS_PROTO_V311, rc, &first); /* the head while it arrives */
        }
        check_publish_head(pkt, total, &h, MQTLS_PROTO_V311, rc, &first);
    }
    if (rc == MQTLS_OK) {
        CHECK(first.type == h.type);
        if (first.type == MQTLS_PKT_PUBLISH) {
            CHECK(inside(first.u.publish.topic, first.u.publish.topic_len, pkt, total));
            CHECK(inside(first.u.publish.payload, first.u.publish.payload_len, pkt, total));
        }
        round_trip(pkt, total, &h, &first);
    }
    free(pkt);
    return 0;
}
