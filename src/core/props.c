/* SPDX-License-Identifier: MIT
 * mqtls: MQTT 5.0 properties, subscription options and reason codes. */
/*
 * see mqtls/codec.h
 *
 * One table drives everything about properties: for each identifier its
 * wire type, the packets that may carry it (a bit per packet type, bit 0 for
 * the will) and where its value lives in mqtls_props_t. Encoding walks the
 * table in identifier order, once to check and size and once to write, so
 * the two passes cannot disagree; decoding walks the block with the same
 * parser the public cursor uses and looks each identifier up in the table.
 * A second table holds the reason codes of section 2.4 with the packets
 * that may use each one.
 *
 * Rejected: a switch per property for loading and storing (27 cases twice,
 * larger than the offset column), a builder API that appends properties one
 * call at a time (the caller would have to size the buffer by hand), and
 * copying user properties on decode (they stay in the caller's buffer and
 * are read with the cursor).
 *
 * Not enforced: the minimum-length rule for variable byte integers
 * [MQTT-1.5.5-1] (an over-long but at most 4-byte encoding is accepted, as
 * for the remaining length), and payload-format-indicator 1 checking the
 * payload (a receiver MAY do it [MQTT-3.3.2-4]; it is the application's).
 *
 * MQTLS_CONFIG_MQTT5 0 (3.1.1 only) keeps only mqtls__varint_size() and
 * stubs of the public functions (see mqtls/config.h).
 */
#include <string.h>

#include "codec_priv.h"
#include "mqtls/config.h"
#include "mqtls/topic.h"

/* The remaining length is a varint in 3.1.1 too: codec.c needs this always. */
size_t mqtls__varint_size(size_t v)
{
    return v < 128u ? 1u : v < 16384u ? 2u : v < 2097152u ? 3u : 4u;
}

/* Seven bits per byte, least significant first; bit 7 says "more" [MQTT-2.2.3]. */
uint8_t *mqtls__varint_put(uint8_t *p, size_t v)
{
    do {
        uint8_t b = (uint8_t)(v & 0x7Fu);
        v >>= 7;
        *p++ = v != 0u ? (uint8_t)(b | 0x80u) : b;
    } while (v != 0u);
    return p;
}

#if MQTLS_CONFIG_MQTT5

/* Which packets may carry a property or a reason code: bit t for type t. */
#define IN(t) (1u << (t))
#define WIL IN(MQTLS_PROPS_WILL)
#define CON IN(MQTLS_PKT_CONNECT)
#define CAK IN(MQTLS_PKT_CONNACK)
#define PUB IN(MQTLS_PKT_PUBLISH)
#define PAK IN(MQTLS_PKT_PUBACK)
#define PRC IN(MQTLS_PKT_PUBREC)
#define PRL IN(MQTLS_PKT_PUBREL)
#define PCP IN(MQTLS_PKT_PUBCOMP)
#define SUB IN(MQTLS_PKT_SUBSCRIBE)
#define SAK IN(MQTLS_PKT_SUBACK)
#define UNS IN(MQTLS_PKT_UNSUBSCRIBE)
#define UAK IN(MQTLS_PKT_UNSUBACK)
#define DIS IN(MQTLS_PKT_DISCONNECT)
#define AUT IN(MQTLS_PKT_AUTH)

/* kind = wire type (low 3 bits) | rules */
#define T_MASK 0x07u
#define F_NONZERO 0x08u /* 0 is a protocol error */
#define F_TOPIC 0x10u   /* a topic name: no wildcards [MQTT-3.3.2-14] */

typedef struct {
    uint8_t id;
    uint8_t kind;
    uint8_t off;    /* offset of the field in mqtls_props_t (unused for user properties) */
    uint16_t where; /* packets that may carry it (MQTT 5.0 section 2.2.2.2) */
} prop_info_t;

#define OFF(f) ((uint8_t)offsetof(mqtls_props_t, f))
_Static_assert(offsetof(mqtls_props_t, reason_string) <= 255u, "offsets must fit the table's byte");

static const prop_info_t PROPS[] = {
    {MQTLS_PROP_PAYLOAD_FORMAT, MQTLS_PTYPE_BYTE, OFF(payload_format), PUB | WIL},
    {MQTLS_PROP_MESSAGE_EXPIRY, MQTLS_PTYPE_U32, OFF(message_expiry), PUB | WIL},
    {MQTLS_PROP_CONTENT_TYPE, MQTLS_PTYPE_STRING, OFF(content_type), PUB | WIL},
    {MQTLS_PROP_RESPONSE_TOPIC, MQTLS_PTYPE_STRING | F_TOPIC, OFF(response_topic), PUB | WIL},
    {MQTLS_PROP_CORRELATION_DATA, MQTLS_PTYPE_BINARY, OFF(correlation_data), PUB | WIL},
    {MQTLS_PROP_SUBSCRIPTION_ID, MQTLS_PTYPE_VARINT | F_NONZERO, OFF(subscription_id), PUB | SUB},
    {MQTLS_PROP_SESSION_EXPIRY, MQTLS_PTYPE_U32, OFF(session_expiry), CON | CAK | DIS},
    {MQTLS_PROP_ASSIGNED_CLIENT_ID, MQTLS_PTYPE_STRING, OFF(assigned_client_id), CAK},
    {MQTLS_PROP_SERVER_KEEP_ALIVE, MQTLS_PTYPE_U16, OFF(server_keep_alive), CAK},
    {MQTLS_PROP_AUTH_METHOD, MQTLS_PTYPE_STRING, OFF(auth_method), CON | CAK | AUT},
    {MQTLS_PROP_AUTH_DATA, MQTLS_PTYPE_BINARY, OFF(auth_data), CON | CAK | AUT},
    {MQTLS_PROP_REQUEST_PROBLEM_INFO, MQTLS_PTYPE_BYTE, OFF(request_problem_info), CON},
    {MQTLS_PROP_WILL_DELAY, MQTLS_PTYPE_U32, OFF(will_delay), WIL},
    {MQTLS_PROP_REQUEST_RESPONSE_INFO, MQTLS_PTYPE_BYTE, OFF(request_response_info), CON},
    {MQTLS_PROP_RESPONSE_INFO, MQTLS_PTYPE_STRING, OFF(response_info), CAK},
    {MQTLS_PROP_SERVER_REFERENCE, MQTLS_PTYPE_STRING, OFF(server_reference), CAK | DIS},
    {MQTLS_PROP_REASON_STRING, MQTLS_PTYPE_STRING, OFF(reason_string),
     CAK | PAK | PRC | PRL | PCP | SAK | UAK | DIS | AUT},
    {MQTLS_PROP_RECEIVE_MAX, MQTLS_PTYPE_U16 | F_NONZERO, OFF(receive_max), CON | CAK},
    {MQTLS_PROP_TOPIC_ALIAS_MAX, MQTLS_PTYPE_U16, OFF(topic_alias_max), CON | CAK},
    {MQTLS_PROP_TOPIC_ALIAS, MQTLS_PTYPE_U16 | F_NONZERO, OFF(topic_alias), PUB},
    {MQTLS_PROP_MAX_QOS, MQTLS_PTYPE_BYTE, OFF(max_qos), CAK},
    {MQTLS_PROP_RETAIN_AVAILABLE, MQTLS_PTYPE_BYTE, OFF(retain_available), CAK},
    {MQTLS_PROP_USER, MQTLS_PTYPE_PAIR, 0u,
     WIL | CON | CAK | PUB | PAK | PRC | PRL | PCP | SUB | SAK | UNS | UAK | DIS | AUT},
    {MQTLS_PROP_MAX_PACKET_SIZE, MQTLS_PTYPE_U32 | F_NONZERO, OFF(max_packet_size), CON | CAK},
    {MQTLS_PROP_WILDCARD_SUB_AVAILABLE, MQTLS_PTYPE_BYTE, OFF(wildcard_sub_available), CAK},
    {MQTLS_PROP_SUB_ID_AVAILABLE, MQTLS_PTYPE_BYTE, OFF(sub_id_available), CAK},
    {MQTLS_PROP_SHARED_SUB_AVAILABLE, MQTLS_PTYPE_BYTE, OFF(shared_sub_available), CAK},
};
#define NPROPS (sizeof(PROPS) / sizeof(PROPS[0]))

/* Bytes of a BYTE, U16 and U32 value, by type. */
static const uint8_t WIDTH[4] = {0u, 1u, 2u, 4u};

static const prop_info_t *find(uint8_t id)
{
    for (size_t i = 0; i < NPROPS; i++) {
        if (PROPS[i].id == id) {
            return &PROPS[i];
        }
    }
    return NULL;
}

/* ---- variable byte integers [MQTT-1.5.5] --------------------------------- */

/* Bytes used (1..4), 0 when p ends first, or BAD_VARINT for a fifth byte. */
static int32_t varint_get(const uint8_t *p, size_t n, uint32_t *v)
{
    uint32_t value = 0;
    for (size_t i = 0; i < 4u; i++) {
        if (i >= n) {
            return 0;
        }
        value |= (uint32_t)(p[i] & 0x7Fu) << (7u * i);
        if ((p[i] & 0x80u) == 0u) {
            *v = value;
            return (int32_t)(i + 1u);
        }
    }
    return MQTLS_ERR_BAD_VARINT; /* [MQTT-1.5.5] at most 4 bytes */
}

/* ---- one property: parse, check, size, write ------------------------------ */

/* A length-prefixed run at p[*i], inside n bytes. */
static int32_t get_bytes(const uint8_t *p, size_t n, size_t *i, mqtls_bytes_t *out)
{
    if (n - *i < 2u) {
        return MQTLS_ERR_BAD_PROPERTY;
    }
    size_t len = ((size_t)p[*i] << 8) | p[*i + 1u];
    *i += 2u;
    if (n - *i < len) {
        return MQTLS_ERR_BAD_PROPERTY;
    }
    out->data = p + *i;
    out->len = len;
    *i += len;
    return MQTLS_OK;
}

/* Parse the property at the cursor; *info is its table entry. */
static int32_t next_prop(mqtls_prop_cursor_t *cur, mqtls_prop_t *pr, const prop_info_t **info)
{
    if (cur->left == 0u) {
        return 0;
    }
    const uint8_t *p = cur->p;
    const size_t n = cur->left;
    /* Identifiers are varints, but all of 5.0's fit in one byte, so a set
     * top bit is an unknown identifier like any other. */
    const prop_info_t *e = find(p[0]);
    if (e == NULL) {
        return MQTLS_ERR_BAD_PROPERTY;
    }
    memset(pr, 0, sizeof(*pr));
    pr->id = e->id;
    pr->type = (uint8_t)(e->kind & T_MASK);
    size_t i = 1;
    int32_t rc;
    switch (pr->type) {
    case MQTLS_PTYPE_BYTE:
    case MQTLS_PTYPE_U16:
    case MQTLS_PTYPE_U32: {
        size_t w = WIDTH[pr->type];
        if (n - i < w) {
            return MQTLS_ERR_BAD_PROPERTY;
        }
        for (size_t k = 0; k < w; k++) {
            pr->num = (pr->num << 8) | p[i + k];
        }
        i += w;
        break;
    }
    case MQTLS_PTYPE_VARINT:
        rc = varint_get(p + i, n - i, &pr->num);
        if (rc <= 0) {
            return rc == 0 ? MQTLS_ERR_BAD_PROPERTY : rc;
        }
        i += (size_t)rc;
        break;
    default: /* STRING, BINARY, PAIR */
        rc = get_bytes(p, n, &i, &pr->str);
        if (rc == MQTLS_OK && pr->type == MQTLS_PTYPE_PAIR) {
            rc = get_bytes(p, n, &i, &pr->value);
        }
        if (rc != MQTLS_OK) {
            return rc;
        }
        break;
    }
    cur->p = p + i;
    cur->left = n - i;
    *info = e;
    return 1;
}

/* The value rules of section 2.2.2.2 and 3.x, the same for both directions. */
static int32_t check_value(const prop_info_t *e, const mqtls_prop_t *pr)
{
    int32_t rc;
    switch (pr->type) {
    case MQTLS_PTYPE_BYTE: /* every byte property is 0 or 1 (maximum QoS too) */
        return pr->num > 1u ? MQTLS_ERR_BAD_PROPERTY_VALUE : MQTLS_OK;
    case MQTLS_PTYPE_STRING:
        if ((e->kind & F_TOPIC) != 0u) {
            return mqtls_topic_validate_name((const char *)pr->str.data, pr->str.len);
        }
        return mqtls_utf8_check(pr->str.data, pr->str.len); /* [MQTT-1.5.4-1] */
    case MQTLS_PTYPE_PAIR:
        rc = mqtls_utf8_check(pr->str.data, pr->str.len); /* [MQTT-1.5.7-1] */
        return rc != MQTLS_OK ? rc : mqtls_utf8_check(pr->value.data, pr->value.len);
    case MQTLS_PTYPE_BINARY:
        if (pr->str.data == NULL && pr->str.len != 0u) {
            return MQTLS_ERR_INVALID_ARG;
        }
        return pr->str.len > 65535u ? MQTLS_ERR_STRING_TOO_LONG : MQTLS_OK;
    default: /* U16, U32, VARINT */
        if ((e->kind & F_NONZERO) != 0u && pr->num == 0u) {
            return MQTLS_ERR_BAD_PROPERTY_VALUE;
        }
        return pr->num > MQTLS_MAX_REMAINING_LENGTH && pr->type == MQTLS_PTYPE_VARINT
                   ? MQTLS_ERR_BAD_PROPERTY_VALUE
                   : MQTLS_OK;
    }
}

/* Bytes of a property on the wire, its identifier included. */
static size_t prop_size(const mqtls_prop_t *pr)
{
    switch (pr->type) {
    case MQTLS_PTYPE_BYTE:
    case MQTLS_PTYPE_U16:
    case MQTLS_PTYPE_U32:
        return 1u + WIDTH[pr->type];
    case MQTLS_PTYPE_VARINT:
        return 1u + mqtls__varint_size(pr->num);
    case MQTLS_PTYPE_PAIR:
        return 5u + pr->str.len + pr->value.len;
    default: /* STRING, BINARY */
        return 3u + pr->str.len;
    }
}

static uint8_t *put_run(uint8_t *p, mqtls_bytes_t b)
{
    p[0] = (uint8_t)(b.len >> 8);
    p[1] = (uint8_t)b.len;
    if (b.len != 0u) {
        memcpy(p + 2, b.data, b.len);
    }
    return p + 2 + b.len;
}

static uint8_t *put_prop(uint8_t *p, const mqtls_prop_t *pr)
{
    *p++ = pr->id;
    switch (pr->type) {
    case MQTLS_PTYPE_BYTE:
    case MQTLS_PTYPE_U16:
    case MQTLS_PTYPE_U32:
        for (size_t k = WIDTH[pr->type]; k > 0u; k--) {
            *p++ = (uint8_t)(pr->num >> (8u * (k - 1u)));
        }
        return p;
    case MQTLS_PTYPE_VARINT: return mqtls__varint_put(p, pr->num);
    case MQTLS_PTYPE_PAIR:
        return put_run(put_run(p, pr->str), pr->value);
    default:
        return put_run(p, pr->str);
    }
}

/* The k-th value of property e in props, as a parsed property. */
static void load(const prop_info_t *e, const mqtls_props_t *props, size_t k, mqtls_prop_t *pr)
{
    const void *f = (const uint8_t *)props + e->off;
    memset(pr, 0, sizeof(*pr));
    pr->id = e->id;
    pr->type = (uint8_t)(e->kind & T_MASK);
    switch (pr->type) {
    case MQTLS_PTYPE_BYTE:
        pr->num = *(const uint8_t *)f;
        break;
    case MQTLS_PTYPE_U16:
        pr->num = *(const uint16_t *)f;
        break;
    case MQTLS_PTYPE_U32:
    case MQTLS_PTYPE_VARINT:
        pr->num = *(const uint32_t *)f;
        break;
    case MQTLS_PTYPE_PAIR:
        pr->str = props->user[k].key;
        pr->value = props->user[k].value;
        break;
    default:
        pr->str = *(const mqtls_bytes_t *)f;
        break;
    }
}

/* The opposite of load(), for single-valued properties. */
static void store(const prop_info_t *e, mqtls_props_t *props, const mqtls_prop_t *pr)
{
    void *f = (uint8_t *)props + e->off;
    switch (pr->type) {
    case MQTLS_PTYPE_BYTE:
        *(uint8_t *)f = (uint8_t)pr->num;
        break;
    case MQTLS_PTYPE_U16:
        *(uint16_t *)f = (uint16_t)pr->num;
        break;
    case MQTLS_PTYPE_U32:
    case MQTLS_PTYPE_VARINT:
        *(uint32_t *)f = pr->num;
        break;
    default: /* STRING, BINARY; pairs are not stored */
        *(mqtls_bytes_t *)f = pr->str;
        break;
    }
}

/* Authentication data needs a method (section 3.1.2.11.10, 3.15.2.2.3). */
static int32_t check_auth(uint64_t present)
{
    return (present & MQTLS_PROP_BIT(MQTLS_PROP_AUTH_DATA)) != 0u &&
                   (present & MQTLS_PROP_BIT(MQTLS_PROP_AUTH_METHOD)) == 0u
               ? MQTLS_ERR_AUTH_DATA_WITHOUT_METHOD
               : MQTLS_OK;
}

/* ---- a block: encode --------------------------------------------------- */

/*
 * Check and size props for a packet of `type`; with p, also write the
 * properties (not the length). The write pass runs only after a size pass
 * succeeded, so it cannot fail.
 */
static int32_t walk(uint8_t *p, uint8_t type, const mqtls_props_t *props, size_t *size)
{
    uint64_t known = 0;
    for (size_t i = 0; i < NPROPS; i++) {
        known |= MQTLS_PROP_BIT(PROPS[i].id);
    }
    if ((props->present & ~known) != 0u) {
        return MQTLS_ERR_INVALID_ARG; /* a bit that names no property */
    }
    int32_t rc = check_auth(props->present);
    if (rc != MQTLS_OK) {
        return rc;
    }
    size_t total = 0;
    for (size_t i = 0; i < NPROPS; i++) {
        const prop_info_t *e = &PROPS[i];
        const bool user = e->id == MQTLS_PROP_USER;
        size_t count = user ? props->user_n : (props->present & MQTLS_PROP_BIT(e->id)) != 0u ? 1u : 0u;
        if (count == 0u) {
            continue;
        }
        if ((e->where & IN(type)) == 0u) {
            return MQTLS_ERR_PROPERTY_NOT_ALLOWED;
        }
        if (user && props->user == NULL) {
            return MQTLS_ERR_INVALID_ARG;
        }
        for (size_t k = 0; k < count; k++) {
            mqtls_prop_t pr;
            load(e, props, k, &pr);
            rc = check_value(e, &pr);
            if (rc != MQTLS_OK) {
                return rc;
            }
            size_t n = prop_size(&pr);
            if (n > MQTLS_MAX_REMAINING_LENGTH - total) {
                return MQTLS_ERR_PACKET_TOO_LARGE;
            }
            total += n;
            if (p != NULL) {
                p = put_prop(p, &pr);
            }
        }
    }
    *size = total;
    return MQTLS_OK;
}

int32_t mqtls__props_size(uint8_t type, const mqtls_props_t *props)
{
    size_t n = 0;
    if (props == NULL) {
        return 0;
    }
    int32_t rc = walk(NULL, type, props, &n);
    return rc != MQTLS_OK ? rc : (int32_t)n;
}

uint8_t *mqtls__props_put(uint8_t *p, uint8_t type, const mqtls_props_t *props, size_t block_len)
{
    p = mqtls__varint_put(p, block_len);
    if (props != NULL && block_len != 0u) {
        size_t n = 0;
        (void)walk(p, type, props, &n);
    }
    return p + block_len;
}

/* see mqtls/codec.h */
int32_t mqtls_props_encode(uint8_t *buf, size_t len, uint8_t packet_type, const mqtls_props_t *props)
{
    if (packet_type > MQTLS_PKT_AUTH) {
        return MQTLS_ERR_INVALID_ARG;
    }
    int32_t block = mqtls__props_size(packet_type, props);
    if (block < 0) {
        return block;
    }
    size_t total = mqtls__varint_size((size_t)block) + (size_t)block;
    if (buf != NULL) {
        if (len < total) {
            return MQTLS_ERR_BUFFER_TOO_SMALL;
        }
        (void)mqtls__props_put(buf, packet_type, props, (size_t)block);
    }
    return (int32_t)total;
}

/* ---- a block: decode --------------------------------------------------- */

static int32_t decode_block(const uint8_t *p, size_t n, uint8_t type, mqtls_props_t *out)
{
    mqtls_prop_cursor_t cur = {p, n};
    mqtls_prop_t pr;
    const prop_info_t *e = NULL;
    int32_t rc;
    out->raw = p;
    out->raw_len = n;
    while ((rc = next_prop(&cur, &pr, &e)) > 0) {
        if ((e->where & IN(type)) == 0u) {
            return MQTLS_ERR_PROPERTY_NOT_ALLOWED;
        }
        const uint64_t bit = MQTLS_PROP_BIT(pr.id);
        const bool seen = (out->present & bit) != 0u;
        if (pr.id == MQTLS_PROP_USER) {
            out->user_n++;
        } else if (pr.id == MQTLS_PROP_SUBSCRIPTION_ID && type == MQTLS_PKT_PUBLISH) {
            out->sub_id_n++; /* repeatable here only [MQTT-3.3.4-4] */
        } else if (seen) {
            return MQTLS_ERR_DUPLICATE_PROPERTY;
        } else if (pr.id == MQTLS_PROP_SUBSCRIPTION_ID) {
            out->sub_id_n = 1u;
        }
        rc = check_value(e, &pr);
        if (rc != MQTLS_OK) {
            return rc;
        }
        if (!seen && pr.type != MQTLS_PTYPE_PAIR) {
            store(e, out, &pr);
        }
        out->present |= bit;
    }
    return rc < 0 ? rc : check_auth(out->present);
}

int32_t mqtls__props_get(const uint8_t *p, size_t avail, size_t left, uint8_t type, mqtls_props_t *out)
{
    memset(out, 0, sizeof(*out));
    uint32_t len = 0;
    int32_t n = varint_get(p, avail, &len);
    if (n == 0) {
        return avail < left ? MQTLS_ERR_WANT_READ : MQTLS_ERR_TRUNCATED;
    }
    if (n < 0) {
        return n;
    }
    const size_t hl = (size_t)n;
    if (len > left - hl) {
        return MQTLS_ERR_PROPERTY_LENGTH;
    }
    if (len > avail - hl) {
        return MQTLS_ERR_WANT_READ;
    }
    int32_t rc = decode_block(p + hl, len, type, out);
    return rc != MQTLS_OK ? rc : (int32_t)(hl + len);
}

/* see mqtls/codec.h */
int32_t mqtls_props_decode(const uint8_t *buf, size_t len, uint8_t packet_type, mqtls_props_t *out)
{
    if (out == NULL || (buf == NULL && len != 0u) || packet_type > MQTLS_PKT_AUTH) {
        return MQTLS_ERR_INVALID_ARG;
    }
    return mqtls__props_get(buf, len, len, packet_type, out);
}

/* see mqtls/codec.h */
void mqtls_props_begin(mqtls_prop_cursor_t *cur, const mqtls_props_t *props)
{
    if (cur != NULL) {
        cur->p = props != NULL ? props->raw : NULL;
        cur->left = props != NULL && props->raw != NULL ? props->raw_len : 0u;
    }
}

/* see mqtls/codec.h */
int32_t mqtls_props_next(mqtls_prop_cursor_t *cur, mqtls_prop_t *prop)
{
    if (cur == NULL || prop == NULL || (cur->p == NULL && cur->left != 0u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    const prop_info_t *e = NULL;
    return next_prop(cur, prop, &e);
}

/* ---- subscription options [MQTT-3.8.3.1] --------------------------------- */

/* see mqtls/codec.h */
int32_t mqtls_sub_options_parse(uint8_t options, mqtls_subscription_t *sub)
{
    if (sub == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if ((options & 0x03u) == 3u) {
        return MQTLS_ERR_BAD_QOS; /* [MQTT-3.8.3-2] */
    }
    if ((options & 0xC0u) != 0u || ((options >> 4) & 0x03u) == 3u) {
        return MQTLS_ERR_BAD_SUB_OPTIONS; /* [MQTT-3.8.3-5], retain handling 3 */
    }
    sub->qos = (uint8_t)(options & 0x03u);
    sub->no_local = (options & 0x04u) != 0u;
    sub->retain_as_published = (options & 0x08u) != 0u;
    sub->retain_handling = (uint8_t)((options >> 4) & 0x03u);
    return MQTLS_OK;
}

/* ---- reason codes (MQTT 5.0 section 2.4) --------------------------------- */

#if MQTLS_CONFIG_ERROR_STRINGS
#define R(code, where, text) {code, where, text}
#else
#define R(code, where, text) {code, where}
#endif

typedef struct {
    uint8_t code;
    uint16_t where;
#if MQTLS_CONFIG_ERROR_STRINGS
    const char *text;
#endif
} reason_t;

#define ACKS (PAK | PRC)
static const reason_t REASONS[] = {
    R(0x00, CAK | PAK | PRC | PRL | PCP | SAK | UAK | DIS | AUT, "Success"),
    R(0x01, SAK, "Granted QoS 1"),
    R(0x02, SAK, "Granted QoS 2"),
    R(0x04, DIS, "Disconnect with Will Message"),
    R(0x10, ACKS, "No matching subscribers"),
    R(0x11, UAK, "No subscription existed"),
    R(0x18, AUT, "Continue authentication"),
    R(0x19, AUT, "Re-authenticate"),
    R(0x80, CAK | ACKS | SAK | UAK | DIS, "Unspecified error"),
    R(0x81, CAK | DIS, "Malformed Packet"),
    R(0x82, CAK | DIS, "Protocol Error"),
    R(0x83, CAK | ACKS | SAK | UAK | DIS, "Implementation specific error"),
    R(0x84, CAK, "Unsupported Protocol Version"),
    R(0x85, CAK, "Client Identifier not valid"),
    R(0x86, CAK, "Bad User Name or Password"),
    R(0x87, CAK | ACKS | SAK | UAK | DIS, "Not authorized"),
    R(0x88, CAK, "Server unavailable"),
    R(0x89, CAK | DIS, "Server busy"),
    R(0x8A, CAK, "Banned"),
    R(0x8B, DIS, "Server shutting down"),
    R(0x8C, CAK | DIS, "Bad authentication method"),
    R(0x8D, DIS, "Keep Alive timeout"),
    R(0x8E, DIS, "Session taken over"),
    R(0x8F, SAK | UAK | DIS, "Topic Filter invalid"),
    R(0x90, CAK | ACKS | DIS, "Topic Name invalid"),
    R(0x91, ACKS | SAK | UAK, "Packet Identifier in use"),
    R(0x92, PRL | PCP, "Packet Identifier not found"),
    R(0x93, DIS, "Receive Maximum exceeded"),
    R(0x94, DIS, "Topic Alias invalid"),
    R(0x95, CAK | DIS, "Packet too large"),
    R(0x96, DIS, "Message rate too high"),
    R(0x97, CAK | ACKS | SAK | DIS, "Quota exceeded"),
    R(0x98, DIS, "Administrative action"),
    R(0x99, CAK | ACKS | DIS, "Payload format invalid"),
    R(0x9A, CAK | DIS, "Retain not supported"),
    R(0x9B, CAK | DIS, "QoS not supported"),
    R(0x9C, CAK | DIS, "Use another server"),
    R(0x9D, CAK | DIS, "Server moved"),
    R(0x9E, SAK | DIS, "Shared Subscriptions not supported"),
    R(0x9F, CAK | DIS, "Connection rate exceeded"),
    R(0xA0, DIS, "Maximum connect time"),
    R(0xA1, SAK | DIS, "Subscription Identifiers not supported"),
    R(0xA2, SAK | DIS, "Wildcard Subscriptions not supported"),
};
#define NREASONS (sizeof(REASONS) / sizeof(REASONS[0]))

static const reason_t *find_reason(uint8_t code)
{
    for (size_t i = 0; i < NREASONS; i++) {
        if (REASONS[i].code == code) {
            return &REASONS[i];
        }
    }
    return NULL;
}

/* see mqtls/codec.h */
const char *mqtls_reason_string(uint8_t code)
{
    const reason_t *r = find_reason(code);
#if MQTLS_CONFIG_ERROR_STRINGS
    return r != NULL ? r->text : "Unknown reason code";
#else
    return r != NULL ? "MQTT 5.0 reason code" : "Unknown reason code";
#endif
}

/* see mqtls/codec.h */
bool mqtls_reason_allowed(uint8_t type, uint8_t code)
{
    const reason_t *r = find_reason(code);
    /* Types without reason codes have no bit anywhere in the table. */
    return r != NULL && type <= MQTLS_PKT_AUTH && (r->where & IN(type)) != 0u;
}

#else /* MQTLS_CONFIG_MQTT5: 3.1.1 only, see mqtls/config.h */

/* see mqtls/codec.h */
int32_t mqtls_props_encode(uint8_t *buf, size_t len, uint8_t packet_type, const mqtls_props_t *props)
{
    (void)buf, (void)len, (void)packet_type, (void)props;
    return MQTLS_ERR_NOT_SUPPORTED;
}

/* see mqtls/codec.h */
int32_t mqtls_props_decode(const uint8_t *buf, size_t len, uint8_t packet_type, mqtls_props_t *out)
{
    (void)buf, (void)len, (void)packet_type, (void)out;
    return MQTLS_ERR_NOT_SUPPORTED;
}

/* see mqtls/codec.h: an empty block, whatever props says */
void mqtls_props_begin(mqtls_prop_cursor_t *cur, const mqtls_props_t *props)
{
    (void)props;
    if (cur != NULL) {
        cur->p = NULL;
        cur->left = 0;
    }
}

/* see mqtls/codec.h */
int32_t mqtls_props_next(mqtls_prop_cursor_t *cur, mqtls_prop_t *prop)
{
    (void)cur, (void)prop;
    return MQTLS_ERR_NOT_SUPPORTED;
}

/* see mqtls/codec.h */
int32_t mqtls_sub_options_parse(uint8_t options, mqtls_subscription_t *sub)
{
    (void)options, (void)sub;
    return MQTLS_ERR_NOT_SUPPORTED;
}

/* see mqtls/codec.h: no table of section 2.4 in this build */
const char *mqtls_reason_string(uint8_t code)
{
    (void)code;
    return "MQTT 5.0 reason code";
}

/* see mqtls/codec.h */
bool mqtls_reason_allowed(uint8_t type, uint8_t code)
{
    (void)type, (void)code;
    return false;
}

#endif /* MQTLS_CONFIG_MQTT5 */
