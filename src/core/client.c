/* SPDX-License-Identifier: MIT
 * mqtls: the MQTT client state machine (connect, QoS flows, keepalive, loop). */
/*
 * see mqtls/client.h. How it is built, and why:
 *
 * - One transmitter slot. tx_buf holds the bytes being sent (tx_off/tx_pend).
 *   A packet whose first byte went out must be finished before any other, so
 *   a transport that takes only part of it does not make us block: the rest
 *   is sent by the next call, and everything that wants to write first
 *   drains the slot. That is what lets loop() keep its timeout even when the
 *   socket is full. Whole packets may be appended behind bytes not yet taken
 *   (acknowledgements; PUBLISHes with cfg.coalesce_tx), so a full window
 *   leaves in one send: the transport then sees a longer retry of the same
 *   bytes, which its contract allows. Rejected: a writev-like transport op
 *   (every transport, TLS included, would need it; one buffer already does
 *   it).
 * - One response slot. Handling an incoming packet produces at most one
 *   answer (PUBACK, PUBREC, PUBREL, PUBCOMP) and PINGREQ is one more; it is
 *   parked in resp_type/resp_id and written when the transmitter is free. No
 *   new incoming packet is handled while an answer is parked, so one slot
 *   is always enough and nothing is queued without bound.
 * - The receive buffer is filled with as much as the transport has, and
 *   every complete packet in it is handled in place (one recv for many small
 *   packets: that is where pipelined throughput comes from). A PUBLISH too
 *   large for it is acknowledged and skipped byte by byte (skip_left), so
 *   the stream stays in sync.
 * - Outgoing QoS 1/2 messages live in the caller's store as serialized
 *   packets; the in-flight records only keep id, state and send order. After
 *   a reconnect without clean session they are resent in that order with
 *   DUP set, PUBREL for those already received [MQTT-4.4.0-1]. A flag in
 *   each record's state marks what is still to be resent, so that on 5.0 a
 *   PUBLISH can wait for the new receive maximum while PUBRELs (never
 *   limited) go; a cursor over the send order could not skip like that.
 * - Errors: anything that leaves the stream in an unknown state (transport
 *   error, protocol error, timeout of a blocking call) closes the connection
 *   (fail()); validation errors of a call leave it untouched. On MQTT 5.0 a
 *   broker's protocol violation is first answered with a DISCONNECT naming
 *   it (fail_reason()), sent only if no other packet is half-way out.
 * - MQTT 5.0 topic aliases live in the caller's byte tables, slot by slot,
 *   encoded byte by byte (no structs over caller memory, no alignment
 *   needs). Outbound: [len:2][last use:4][topic]; the least recently used
 *   slot is replaced. A QoS 1/2 PUBLISH is stored with its full topic and
 *   no alias, and only the copy on the wire uses the alias, because aliases
 *   die with the connection and stored packets outlive it. Rejected: keeping
 *   a hash of the topic instead of the topic (a collision would publish to
 *   the wrong topic), and rewriting stored packets at resend time (the
 *   store is the caller's, possibly flash).
 * - MQTT 5.0 AUTH answers are the one response that carries data: it waits
 *   in the response slot like an ack (resp_type AUTH) and is encoded from
 *   auth_method/auth_out when the transmitter is free.
 * - Re-authentication must use the CONNECT's authentication method
 *   [MQTT-4.12.1-1]. The method is borrowed from the caller only for the
 *   connect call; what stays is its length and a 32-bit FNV-1a hash, and
 *   reauth compares the caller's method with those. Rejected: a copy (a
 *   method may be 65535 bytes, the context is sized for small devices), and
 *   keeping the caller's pointer (CONNECT props are typically on the
 *   stack). A hash collision only lets a wrong method through to the
 *   broker, which refuses it (DISCONNECT 0x82): no worse than before.
 */
#include <string.h>

#include "mqtls/client.h"
#include "mqtls/topic.h"
#include "codec_priv.h"
#include "session.h"

enum { ST_DISCONNECTED = 0, ST_CONNECTING, ST_CONNECTED };
#define REC_FREE MQTLS__REC_FREE
#define REC_WAIT_PUBACK MQTLS__REC_WAIT_PUBACK
#define REC_WAIT_PUBREC MQTLS__REC_WAIT_PUBREC
#define REC_WAIT_PUBCOMP MQTLS__REC_WAIT_PUBCOMP
#define REC_WAIT_ACK MQTLS__REC_WAIT_ACK
#define REC_STATE(r) MQTLS__REC_STATE(r)

/* pump() modes: return after handling packets, or only when a blocking
 * call's acknowledgement arrived. */
enum { PUMP_LOOP = 0, PUMP_UNTIL_DONE = 1 };

#define NOT_DONE 1 /* wait_result while a blocking call is pending */

/* MQTT 5.0 reason codes the client itself sends or maps [MQTT-2.4]. */
#define RC_CONTINUE_AUTH 0x18u
#define RC_REAUTH 0x19u
#define RC_MALFORMED 0x81u
#define RC_PROTOCOL_ERROR 0x82u
#define RC_IMPLEMENTATION_ERROR 0x83u
#define RC_RECEIVE_MAX_EXCEEDED 0x93u
#define RC_TOPIC_ALIAS_INVALID 0x94u
#define RC_PACKET_TOO_LARGE 0x95u
#define RC_ID_NOT_FOUND 0x92u
#define RC_QUOTA_EXCEEDED 0x97u

#define HAS(props, id) (((props)->present & MQTLS_PROP_BIT(id)) != 0u)

/* Is this protocol level MQTT 5.0? Constant false with MQTLS_CONFIG_MQTT5 0:
 * connect refuses level 5 and the compiler drops the 5.0 branches. The few
 * 5.0 paths a 3.1.1 connection never reaches (AUTH, server DISCONNECT,
 * inbound aliases) test MQTLS_CONFIG_MQTT5 itself, so the full build keeps
 * its code and the 3.1.1-only build drops them. */
#define V5(version) (MQTLS_CONFIG_MQTT5 && (version) == MQTLS_PROTO_V5)

/* ---- time ------------------------------------------------------------------ */

static uint32_t now(const mqtls_client_t *c)
{
    return c->cfg.now_ms(c->cfg.now_user);
}

/* Wrap-safe: unsigned subtraction gives the elapsed time across a wrap. */
static uint32_t elapsed(uint32_t t, uint32_t since)
{
    return t - since;
}

static uint32_t remaining(const mqtls_client_t *c, uint32_t start, uint32_t timeout)
{
    uint32_t e = elapsed(now(c), start);
    return e >= timeout ? 0u : timeout - e;
}

static uint32_t ping_timeout(const mqtls_client_t *c)
{
    return c->cfg.ping_timeout_ms != 0u ? c->cfg.ping_timeout_ms : MQTLS_CONFIG_PING_TIMEOUT_MS;
}

/* ---- connection state -------------------------------------------------------- */

static void close_transport(mqtls_client_t *c)
{
    if (c->tr.close != NULL) {
        c->tr.close(c->tr.ctx);
    }
}

/* A fatal error: the stream is in an unknown state, give the connection up. */
static int32_t fail(mqtls_client_t *c, int32_t err)
{
    if (c->state != ST_DISCONNECTED) {
        c->state = ST_DISCONNECTED;
        close_transport(c);
    }
    c->wait_type = 0;
    return err;
}

static bool is_v5(const mqtls_client_t *c)
{
    return V5(c->version);
}

/*
 * A protocol violation by the broker. On MQTT 5.0 say which with a
 * DISCONNECT first [MQTT-4.13.2-1]: one send attempt, only when no packet is
 * half-way out (the stream would be corrupt), and whatever the transport
 * takes; the connection is closed right after anyway.
 */
static int32_t fail_reason(mqtls_client_t *c, int32_t err, uint8_t reason)
{
    if (is_v5(c) && c->state != ST_DISCONNECTED && c->tx_off == 0u) {
        int32_t n = mqtls_encode_disconnect5(c->cfg.tx_buf, c->cfg.tx_len, reason, NULL);
        if (n > 0) {
            (void)c->tr.send(c->tr.ctx, c->cfg.tx_buf, (size_t)n);
        }
        c->tx_pend = 0;
    }
    return fail(c, err);
}

/* Copy a broker's string for the accessors: NUL-terminated, cut on a UTF-8
 * character boundary when it is too long. */
static void keep_string(char *dst, const mqtls_bytes_t *b)
{
    size_t n = b->len;
    if (n > MQTLS__V5_STRING_LEN - 1u) {
        n = MQTLS__V5_STRING_LEN - 1u;
        while (n > 0u && (b->data[n] & 0xC0u) == 0x80u) {
            n--; /* do not cut a multi-byte character */
        }
    }
    if (n > 0u) {
        memcpy(dst, b->data, n);
    }
    dst[n] = '\0';
}

/* Reason code, reason string and server reference of a CONNACK refusal or
 * a DISCONNECT, for mqtls_client_reason(). */
static void keep_reason(mqtls_client_t *c, uint8_t reason, const mqtls_props_t *pr)
{
    static const mqtls_bytes_t none = {NULL, 0};
    c->reason = reason;
    keep_string(c->reason_str, HAS(pr, MQTLS_PROP_REASON_STRING) ? &pr->reason_string : &none);
    keep_string(c->server_ref, HAS(pr, MQTLS_PROP_SERVER_REFERENCE) ? &pr->server_reference : &none);
}

static void reset_io(mqtls_client_t *c)
{
    c->rx_start = 0;
    c->rx_end = 0;
    c->skip_left = 0;
    c->rx_drained = false;
    c->tx_off = 0;
    c->tx_pend = 0;
    c->resp_type = 0;
    c->resp_id = 0;
    c->resp_reason = 0;
    c->ping_outstanding = false;
    c->wait_type = 0;
    c->deferred = MQTLS_OK;
}

/* Forget the session: records, inbound ids, and the store (clean session). */
static void clear_session(mqtls_client_t *c)
{
    mqtls__sess_clear(&c->sess);
    if (c->cfg.store != NULL && c->cfg.store->clear != NULL) {
        c->cfg.store->clear(c->cfg.store->ctx);
    }
    c->store_synced = true;
}

/* Does the store keep incoming QoS 2 ids and PUBREL states (reboot survival)? */
static bool store_has_inbound(const mqtls_client_t *c)
{
    return c->cfg.store != NULL && c->cfg.store->put_inbound != NULL && c->cfg.store->remove_inbound != NULL;
}

/* ---- MQTT 5.0 topic aliases [MQTT-3.3.2.3.4] ---------------------------------------- */

static uint32_t get16(const uint8_t *p)
{
    return ((uint32_t)p[0] << 8) | p[1];
}

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static size_t alias_in_slot(const mqtls_client_t *c)
{
    return c->cfg.alias_in_len / c->cfg.alias_in_count;
}

static size_t alias_out_slot(const mqtls_client_t *c)
{
    return c->cfg.alias_out_len / c->cfg.alias_out_count;
}

/* Aliases belong to one connection: forget them all. */
static void aliases_reset(mqtls_client_t *c)
{
    for (size_t i = 0; i < c->cfg.alias_in_count; i++) {
        put16(c->cfg.alias_in + i * alias_in_slot(c), 0);
    }
    for (size_t i = 0; i < c->cfg.alias_out_count; i++) {
        put16(c->cfg.alias_out + i * alias_out_slot(c), 0);
    }
    c->alias_clock = 0;
}

/*
 * An incoming PUBLISH's alias: remember its topic, or put the remembered
 * topic in an empty one. Returns MQTLS_OK or a fatal error (applied).
 * A slot's length field is 0 when the alias was never set, and more than
 * the slot can hold (0xFFFF) when it was set to a topic we could not keep:
 * using that alias is valid for the broker, so it ends the connection as
 * our limit (0x83), not as the broker's error (0x94).
 */
static int32_t alias_resolve(mqtls_client_t *c, mqtls_publish_t *p)
{
    if (!MQTLS_CONFIG_MQTT5 || p->props == NULL || !HAS(p->props, MQTLS_PROP_TOPIC_ALIAS)) {
        return MQTLS_OK;
    }
    uint16_t a = p->props->topic_alias;
    if (a == 0u || a > c->alias_in_max) {
        return fail_reason(c, MQTLS_ERR_TOPIC_ALIAS_INVALID, RC_TOPIC_ALIAS_INVALID); /* [MQTT-3.3.2-9] */
    }
    uint8_t *slot = c->cfg.alias_in + (size_t)(a - 1u) * alias_in_slot(c);
    if (p->topic_len > 0u) {
        bool fits = p->topic_len <= alias_in_slot(c) - 2u;
        put16(slot, fits ? p->topic_len : 0xFFFFu); /* too long: remember only that */
        if (fits) {
            memcpy(slot + 2, p->topic, p->topic_len);
        }
        return MQTLS_OK;
    }
    size_t len = get16(slot);
    if (len == 0u) {
        return fail_reason(c, MQTLS_ERR_TOPIC_ALIAS_INVALID, RC_TOPIC_ALIAS_INVALID);
    }
    if (len > alias_in_slot(c) - 2u) {
        return fail_reason(c, MQTLS_ERR_TOPIC_ALIAS_TOO_LONG, RC_IMPLEMENTATION_ERROR);
    }
    p->topic = (const char *)(slot + 2);
    p->topic_len = len;
    return MQTLS_OK;
}

/*
 * The outbound alias for a topic: the slot that already holds it (*known),
 * else a free slot or the least recently used one. 0: send without alias
 * (none allowed, or the topic does not fit a slot).
 */
static uint16_t alias_pick(const mqtls_client_t *c, const char *topic, size_t len, bool *known)
{
    uint16_t victim = 0;
    uint32_t victim_age = 0;
    *known = false;
    if (c->alias_out_max == 0u || len == 0u || len > alias_out_slot(c) - 6u) {
        return 0;
    }
    for (uint16_t i = 0; i < c->alias_out_max; i++) {
        const uint8_t *slot = c->cfg.alias_out + (size_t)i * alias_out_slot(c);
        size_t l = get16(slot);
        if (l == len && memcmp(slot + 6, topic, len) == 0) {
            *known = true;
            return (uint16_t)(i + 1u);
        }
        uint32_t stamp = (get16(slot + 2) << 16) | get16(slot + 4);
        uint32_t age = l == 0u ? UINT32_MAX : c->alias_clock - stamp; /* wrap-safe */
        if (victim == 0u || age > victim_age) {
            victim = (uint16_t)(i + 1u);
            victim_age = age;
        }
    }
    return victim;
}

/* The PUBLISH with this alias is on its way: record the topic and the use. */
static void alias_commit(mqtls_client_t *c, uint16_t alias, const char *topic, size_t len, bool known)
{
    uint8_t *slot = c->cfg.alias_out + (size_t)(alias - 1u) * alias_out_slot(c);
    uint32_t stamp = ++c->alias_clock;
    if (!known) {
        put16(slot, len);
        memcpy(slot + 6, topic, len);
    }
    put16(slot + 2, stamp >> 16);
    put16(slot + 4, stamp & 0xFFFFu);
}

/* ---- transmitter ------------------------------------------------------------------ */

static bool tx_idle(const mqtls_client_t *c)
{
    return c->tx_pend == 0u && c->resp_type == 0u;
}

/* FNV-1a, 32 bits: a fingerprint of the CONNECT's authentication method. */
static uint32_t method_hash(const uint8_t *m, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h = (h ^ m[i]) * 16777619u;
    }
    return h;
}

/* AUTH with our method and `data` (MQTT 5.0 enhanced authentication). */
static int32_t encode_auth(mqtls_client_t *c, uint8_t reason, const uint8_t *data, size_t len)
{
    mqtls_props_t pr;
    memset(&pr, 0, sizeof pr);
    pr.present = MQTLS_PROP_BIT(MQTLS_PROP_AUTH_METHOD);
    pr.auth_method.data = c->auth_method;
    pr.auth_method.len = c->auth_method_len;
    if (data != NULL || len > 0u) {
        pr.present |= MQTLS_PROP_BIT(MQTLS_PROP_AUTH_DATA);
        pr.auth_data.data = data;
        pr.auth_data.len = len;
    }
    return mqtls_encode_auth(c->cfg.tx_buf, c->cfg.tx_len, reason, &pr);
}

/* Encode the parked response into tx_buf. */
static int32_t load_response(mqtls_client_t *c)
{
    int32_t n;
    if (MQTLS_CONFIG_MQTT5 && c->resp_type == MQTLS_PKT_AUTH) { /* only a 5.0 broker's challenge parks it */
        n = encode_auth(c, RC_CONTINUE_AUTH, c->auth_out, c->auth_out_len);
    } else if (MQTLS_CONFIG_MQTT5 && c->resp_reason != 0u) { /* a reason only 5.0 sends */
        n = mqtls_encode_ack5(c->cfg.tx_buf, c->cfg.tx_len, c->resp_type, c->resp_id, c->resp_reason, NULL);
    } else {
        n = (int32_t)mqtls__put_short(c->cfg.tx_buf, c->resp_type, c->resp_id); /* tx_len >= 16 (init) */
    }
    c->resp_type = 0;
    if (n < 0) {
        return n;
    }
    c->tx_off = 0;
    c->tx_pend = (size_t)n;
    return MQTLS_OK;
}

/*
 * A send failed: on 5.0 the broker may have said why before closing (e.g.
 * DISCONNECT 0x93 when we overran it). Read what is still there, once, and
 * if a whole DISCONNECT is among the buffered packets report that instead.
 */
static int32_t last_words(mqtls_client_t *c, int32_t err)
{
    if (!is_v5(c) || c->state != ST_CONNECTED || c->skip_left > 0u) {
        return err;
    }
    if (c->rx_end < c->cfg.rx_len) {
        int32_t n = c->tr.recv(c->tr.ctx, c->cfg.rx_buf + c->rx_end, c->cfg.rx_len - c->rx_end);
        if (n > 0 && (size_t)n <= c->cfg.rx_len - c->rx_end) {
            c->rx_end += (size_t)n;
        }
    }
    size_t at = c->rx_start;
    mqtls_fixed_header_t h;
    while (mqtls_decode_fixed_header(c->cfg.rx_buf + at, c->rx_end - at, &h) == MQTLS_OK &&
           (size_t)h.header_len + h.remaining_length <= c->rx_end - at) {
        size_t total = (size_t)h.header_len + h.remaining_length;
        mqtls_packet_t pk;
        if (h.type == MQTLS_PKT_DISCONNECT &&
            mqtls_decode_packet(c->cfg.rx_buf + at, total, c->version, &pk) == MQTLS_OK) {
            keep_reason(c, pk.reason_code, &pk.props);
            return MQTLS_ERR_SERVER_DISCONNECT;
        }
        at += total;
    }
    return err;
}

/*
 * Send what is in the transmitter (and then the parked response) until done
 * or `timeout` ms after `start`. Returns MQTLS_OK when idle,
 * MQTLS_ERR_WANT_WRITE when time ran out with bytes still pending, or a
 * fatal error (already applied).
 */
static int32_t flush(mqtls_client_t *c, uint32_t start, uint32_t timeout)
{
    for (;;) {
        if (c->tx_pend == 0u) {
            if (c->resp_type == 0u) {
                return MQTLS_OK;
            }
            int32_t rc = load_response(c);
            if (rc < 0) {
                return fail(c, rc);
            }
        }
        int32_t n = c->tr.send(c->tr.ctx, c->cfg.tx_buf + c->tx_off, c->tx_pend - c->tx_off);
        if (n < 0) {
            return fail(c, last_words(c, n));
        }
        if ((size_t)n > c->tx_pend - c->tx_off) {
            return fail(c, MQTLS_ERR_INTERNAL); /* transport broke its contract */
        }
        if (n > 0) {
            c->tx_off += (size_t)n;
            if (c->tx_off == c->tx_pend) {
                c->tx_off = 0;
                c->tx_pend = 0;
                c->last_tx_ms = now(c);
            }
            continue;
        }
        uint32_t left = remaining(c, start, timeout);
        if (left == 0u) {
            return MQTLS_ERR_WANT_WRITE;
        }
        if (c->tr.wait != NULL) {
            int32_t w = c->tr.wait(c->tr.ctx, MQTLS_WAIT_WRITE, left);
            if (w < 0) {
                return fail(c, w);
            }
        }
    }
}

/* Start sending the n bytes the caller encoded into tx_buf; finish within timeout. */
static int32_t transmit(mqtls_client_t *c, size_t n, uint32_t start, uint32_t timeout)
{
    c->tx_off = 0;
    c->tx_pend = n;
    return flush(c, start, timeout);
}

/*
 * Queue an answer. While nothing of the transmitter has gone out yet, it is
 * appended to tx_buf, so the acknowledgements for a whole batch of received
 * packets leave in one send; otherwise it waits in the response slot.
 */
static int32_t park_response(mqtls_client_t *c, uint8_t type, uint16_t id, uint8_t reason)
{
    if (c->tx_off == 0u && c->resp_type == 0u && c->cfg.tx_len - c->tx_pend >= 5u) {
        uint8_t *at = c->cfg.tx_buf + c->tx_pend;
        int32_t n = MQTLS_CONFIG_MQTT5 && reason != 0u ? mqtls_encode_ack5(at, 5u, type, id, reason, NULL)
                                                       : (int32_t)mqtls__put_short(at, type, id);
        if (n > 0) {
            c->tx_pend += (size_t)n;
            return MQTLS_OK;
        }
    }
    c->resp_type = type;
    c->resp_id = id;
    c->resp_reason = reason;
    return MQTLS_OK;
}

/* ---- resend after reconnect ----------------------------------------------------------- */

/*
 * Can the broker of this connection still take a stored PUBLISH (5.0
 * CONNACK: it may allow less than the one we stored it for)? Else the
 * reason it is dropped.
 */
static int32_t stored_fits(const mqtls_client_t *c, const uint8_t *pkt, size_t n)
{
    if (!MQTLS_CONFIG_MQTT5) {
        return MQTLS_OK; /* only a 5.0 CONNACK limits these (caps keep their defaults on 3.1.1) */
    }
    if (c->caps.max_packet_size != 0u && (uint32_t)n > c->caps.max_packet_size) {
        return MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER; /* [MQTT-3.1.2-24] */
    }
    if (((pkt[0] >> 1) & 3u) > c->caps.max_qos) {
        return MQTLS_ERR_QOS_NOT_SUPPORTED; /* [MQTT-3.2.2-11] */
    }
    if ((pkt[0] & 1u) != 0u && !c->caps.retain_available) {
        return MQTLS_ERR_RETAIN_NOT_SUPPORTED; /* [MQTT-3.2.2-14] */
    }
    return MQTLS_OK;
}

/*
 * Encode the resend of record r into tx_buf: a PUBREL, or the stored
 * PUBLISH with DUP set (a restored record learns its QoS here). 0 when it is
 * dropped (the new broker no longer takes it: reported by the next loop())
 * or the store lost it.
 */
static int32_t resend_one(mqtls_client_t *c, mqtls_inflight_t *r)
{
    if (REC_STATE(r) == REC_WAIT_PUBCOMP) {
        mqtls__sess_set_state(&c->sess, r, REC_WAIT_PUBCOMP);
        return (int32_t)mqtls__put_short(c->cfg.tx_buf, MQTLS_PKT_PUBREL, r->packet_id);
    }
    int32_t n = c->cfg.store->get(c->cfg.store->ctx, r->packet_id, c->cfg.tx_buf, c->cfg.tx_len);
    if (n < 2) {
        return 0;
    }
    uint8_t qos = (uint8_t)((c->cfg.tx_buf[0] >> 1) & 3u);
    int32_t fit = (c->cfg.tx_buf[0] >> 4) != MQTLS_PKT_PUBLISH || qos == 0u || qos == 3u
                      ? MQTLS_ERR_BAD_QOS
                      : stored_fits(c, c->cfg.tx_buf, (size_t)n);
    if (fit < 0) {
        c->cfg.store->remove(c->cfg.store->ctx, r->packet_id);
        if (fit != MQTLS_ERR_BAD_QOS) {
            c->deferred = fit; /* loop() reports it; the connection stays */
        }
        return 0;
    }
    r->qos = qos;
    mqtls__sess_set_state(&c->sess, r, qos == 1u ? REC_WAIT_PUBACK : REC_WAIT_PUBREC);
    c->cfg.tx_buf[0] |= 0x08u; /* DUP [MQTT-3.3.1-1] */
    return n;
}

/*
 * Resend what the last connection left unacknowledged, oldest first. On 5.0
 * never more PUBLISHes in flight than the new CONNACK's receive maximum:
 * the rest stays marked and goes, in order, as acknowledgements make room
 * (pump() calls this again after each batch of packets). Returns MQTLS_OK
 * when nothing more can be sent now, else as flush().
 */
static int32_t resend(mqtls_client_t *c, uint32_t start, uint32_t timeout)
{
    if (c->state != ST_CONNECTED) {
        return flush(c, start, timeout); /* nothing but CONNECT before the CONNACK [MQTT-3.1.0-1] */
    }
    while (mqtls__sess_resend_pending(&c->sess)) {
        int32_t rc = flush(c, start, timeout);
        if (rc != MQTLS_OK) {
            return rc;
        }
        /* The broker's count [MQTT-4.9.0-2]: PUBLISHes sent on this connection
         * and not acknowledged, and every message waiting for PUBCOMP. */
        bool room = !is_v5(c) || mqtls__sess_in_flight(&c->sess) < c->caps.receive_max;
        mqtls_inflight_t *r = mqtls__sess_next_resend(&c->sess, room);
        if (r == NULL) {
            break; /* done, or PUBLISHes wait for acknowledgements to make room */
        }
        int32_t n = resend_one(c, r);
        if (n <= 0) {
            /* Dropped, or the store lost the packet (a custom store may). */
            mqtls__sess_release(&c->sess, r);
            continue;
        }
        r->sent_ms = now(c);
        c->tx_off = 0;
        c->tx_pend = (size_t)n;
    }
    return flush(c, start, timeout);
}

/* Forget what a previous connection still had to resend: the next CONNACK
 * marks every record again, so nothing goes twice or out of order. */
static void cancel_resend(mqtls_client_t *c)
{
    mqtls__sess_unmark_all(&c->sess);
}

/* ---- receiving ------------------------------------------------------------------------------ */

static void deliver(mqtls_client_t *c, const mqtls_publish_t *p)
{
    if (c->cfg.on_message == NULL) {
        return;
    }
    c->in_callback = true;
    c->cfg.on_message(c->cfg.user, p);
    c->in_callback = false;
}

/* An incoming PUBLISH; `complete` is false for one too large to deliver. */
static int32_t on_publish(mqtls_client_t *c, const mqtls_publish_t *in, bool complete)
{
    const mqtls_publish_t *p = in;
    mqtls_publish_t pub;
    if (MQTLS_CONFIG_MQTT5) { /* a 3.1.1-only build has no aliases: no copy */
        pub = *in;
        int32_t rc = alias_resolve(c, &pub); /* even for a skipped message: it may set an alias */
        if (rc < 0) {
            return rc;
        }
        p = &pub;
    }
    /* QoS 2: deliver once, hold the id until PUBREL (method B, [MQTT-4.3.3-2]). */
    bool fresh = p->qos != 2u || !mqtls__sess_inbound_has(&c->sess, p->packet_id);
    if (p->qos == 2u && fresh) {
        if (!mqtls__sess_inbound_add(&c->sess, p->packet_id)) {
            if (is_v5(c) && c->cfg.inbound_count > 0u) {
                /* We announced at most this capacity as our receive maximum [MQTT-3.3.4-9]. */
                return fail_reason(c, MQTLS_ERR_RECEIVE_MAXIMUM_EXCEEDED, RC_RECEIVE_MAX_EXCEEDED);
            }
            /* No storage at all: no receive maximum (>= 1) says so; our limit, not the broker's fault. */
            return fail_reason(c, MQTLS_ERR_INBOUND_FULL, RC_IMPLEMENTATION_ERROR);
        }
        if (store_has_inbound(c)) {
            /* Kept before delivery: after a reboot the broker's resend is a duplicate. */
            int32_t rc = c->cfg.store->put_inbound(c->cfg.store->ctx, p->packet_id);
            if (rc < 0) {
                /* Not delivered, not acknowledged: the broker resends it after a reconnect. */
                mqtls__sess_inbound_remove(&c->sess, p->packet_id);
                return fail_reason(c, rc == MQTLS_ERR_STORE_FULL ? MQTLS_ERR_INBOUND_FULL : rc,
                                   RC_IMPLEMENTATION_ERROR);
            }
        }
    }
    if (complete && fresh) {
        deliver(c, p);
    }
    if (p->qos == 0u) {
        return MQTLS_OK;
    }
    return park_response(c, p->qos == 2u ? MQTLS_PKT_PUBREC : MQTLS_PKT_PUBACK, p->packet_id, 0);
}

static void finish_wait(mqtls_client_t *c, int32_t result)
{
    c->wait_result = result;
    c->wait_type = 0;
    c->wait_id = 0;
}

/* SUBACK, or a 5.0 UNSUBACK (same layout): one code per filter. */
static int32_t on_suback(mqtls_client_t *c, const mqtls_packet_t *pk)
{
    if (c->wait_type != pk->type || pk->u.suback.packet_id != c->wait_id) {
        return MQTLS_OK; /* not ours (e.g. after a timed-out call): ignore */
    }
    if (pk->u.suback.count != c->wait_codes_n) {
        return fail_reason(c, MQTLS_ERR_PROTOCOL, RC_PROTOCOL_ERROR); /* [MQTT-3.9.3-1], [MQTT-3.11.3-1] */
    }
    int32_t result = MQTLS_OK;
    for (size_t i = 0; i < pk->u.suback.count; i++) {
        if (pk->u.suback.return_codes[i] >= 0x80u) {
            result = pk->type == MQTLS_PKT_SUBACK ? MQTLS_ERR_SUBSCRIBE_REFUSED : MQTLS_ERR_UNSUBSCRIBE_REFUSED;
        }
        if (c->wait_codes != NULL) {
            c->wait_codes[i] = pk->u.suback.return_codes[i];
        }
    }
    finish_wait(c, result);
    return MQTLS_OK;
}

static int32_t connack_error(uint8_t code)
{
    static const int8_t map[6] = {
        MQTLS_OK,
        MQTLS_ERR_REFUSED_PROTOCOL_VERSION,
        MQTLS_ERR_REFUSED_IDENTIFIER,
        MQTLS_ERR_REFUSED_SERVER_UNAVAILABLE,
        MQTLS_ERR_REFUSED_BAD_CREDENTIALS,
        MQTLS_ERR_REFUSED_NOT_AUTHORIZED,
    };
    return code < 6u ? map[code] : MQTLS_ERR_BAD_CONNACK_CODE;
}

/* A 5.0 CONNACK refusal: the 3.1.1 error where the meaning is the same. */
static int32_t connack_error5(uint8_t code)
{
    switch (code) {
    case 0x84: return MQTLS_ERR_REFUSED_PROTOCOL_VERSION;
    case 0x85: return MQTLS_ERR_REFUSED_IDENTIFIER;
    case 0x86: return MQTLS_ERR_REFUSED_BAD_CREDENTIALS;
    case 0x87: return MQTLS_ERR_REFUSED_NOT_AUTHORIZED;
    case 0x88: /* server unavailable */
    case 0x89: return MQTLS_ERR_REFUSED_SERVER_UNAVAILABLE; /* server busy */
    default: return MQTLS_ERR_REFUSED_V5;
    }
}

/* Give on_auth the broker's authentication data. */
static int32_t auth_step(mqtls_client_t *c, uint8_t reason, const mqtls_props_t *pr)
{
    const uint8_t *data = HAS(pr, MQTLS_PROP_AUTH_DATA) ? pr->auth_data.data : NULL;
    size_t len = HAS(pr, MQTLS_PROP_AUTH_DATA) ? pr->auth_data.len : 0u;
    if (c->cfg.on_auth == NULL) {
        return reason == 0u && data == NULL ? MQTLS_OK : MQTLS_ERR_AUTH_FAILED;
    }
    c->auth_out = NULL;
    c->auth_out_len = 0;
    c->in_callback = true;
    int32_t rc = c->cfg.on_auth(c->cfg.user, reason, data, len, &c->auth_out, &c->auth_out_len);
    c->in_callback = false;
    return rc < 0 ? MQTLS_ERR_AUTH_FAILED : MQTLS_OK;
}

/* The broker's limits from a 5.0 CONNACK; absent properties take the
 * defaults of [MQTT-3.2.2.3]. */
static void take_caps(mqtls_client_t *c, const mqtls_props_t *pr)
{
    mqtls_server_caps_t *k = &c->caps;
    k->receive_max = HAS(pr, MQTLS_PROP_RECEIVE_MAX) ? pr->receive_max : 65535u;
    k->max_qos = HAS(pr, MQTLS_PROP_MAX_QOS) ? pr->max_qos : 2u;
    k->retain_available = HAS(pr, MQTLS_PROP_RETAIN_AVAILABLE) ? pr->retain_available != 0u : true;
    k->max_packet_size = HAS(pr, MQTLS_PROP_MAX_PACKET_SIZE) ? pr->max_packet_size : 0u;
    k->topic_alias_max = HAS(pr, MQTLS_PROP_TOPIC_ALIAS_MAX) ? pr->topic_alias_max : 0u;
    k->wildcard_available = HAS(pr, MQTLS_PROP_WILDCARD_SUB_AVAILABLE) ? pr->wildcard_sub_available != 0u : true;
    k->sub_id_available = HAS(pr, MQTLS_PROP_SUB_ID_AVAILABLE) ? pr->sub_id_available != 0u : true;
    k->shared_available = HAS(pr, MQTLS_PROP_SHARED_SUB_AVAILABLE) ? pr->shared_sub_available != 0u : true;
    if (HAS(pr, MQTLS_PROP_SESSION_EXPIRY)) {
        k->session_expiry_s = pr->session_expiry;
    }
    if (HAS(pr, MQTLS_PROP_SERVER_KEEP_ALIVE)) {
        k->keepalive_s = pr->server_keep_alive; /* replaces ours [MQTT-3.2.2-21] */
    }
    if (HAS(pr, MQTLS_PROP_ASSIGNED_CLIENT_ID)) {
        keep_string(c->assigned_id, &pr->assigned_client_id);
    }
    c->alias_out_max = c->cfg.alias_out_count < k->topic_alias_max ? c->cfg.alias_out_count : k->topic_alias_max;
}

static int32_t on_connack(mqtls_client_t *c, const mqtls_packet_t *pk)
{
    c->connack_sp = pk->u.connack.session_present;
    if (!is_v5(c)) {
        finish_wait(c, connack_error(pk->u.connack.return_code));
        return MQTLS_OK;
    }
    if (pk->reason_code >= 0x80u) {
        keep_reason(c, pk->reason_code, &pk->props);
        finish_wait(c, connack_error5(pk->reason_code));
        return MQTLS_OK;
    }
    take_caps(c, &pk->props);
    int32_t rc = MQTLS_OK;
    if (c->auth_method != NULL || HAS(&pk->props, MQTLS_PROP_AUTH_DATA)) {
        rc = auth_step(c, 0, &pk->props); /* the broker's final proof, if any */
    }
    finish_wait(c, rc);
    return MQTLS_OK;
}

/* An AUTH from the broker: a challenge during connect or re-authentication,
 * or the success that ends a re-authentication [MQTT-4.12]. */
static int32_t on_auth_packet(mqtls_client_t *c, const mqtls_packet_t *pk)
{
    const mqtls_props_t *pr = &pk->props;
    if (c->auth_method == NULL || !HAS(pr, MQTLS_PROP_AUTH_METHOD) ||
        pr->auth_method.len != c->auth_method_len ||
        memcmp(pr->auth_method.data, c->auth_method, c->auth_method_len) != 0) {
        return fail_reason(c, MQTLS_ERR_PROTOCOL, RC_PROTOCOL_ERROR); /* unasked, or another method [MQTT-4.12.0-5] */
    }
    if (pk->reason_code == RC_CONTINUE_AUTH) {
        int32_t rc = auth_step(c, RC_CONTINUE_AUTH, pr);
        if (rc < 0) {
            return fail(c, rc);
        }
        c->resp_type = MQTLS_PKT_AUTH; /* the answer leaves when the transmitter is free */
        c->resp_id = 0;
        return MQTLS_OK;
    }
    if (pk->reason_code == 0u && c->state == ST_CONNECTED && c->wait_type == MQTLS_PKT_AUTH) {
        int32_t rc = auth_step(c, 0, pr);
        finish_wait(c, rc);
        return MQTLS_OK;
    }
    return fail_reason(c, MQTLS_ERR_PROTOCOL, RC_PROTOCOL_ERROR); /* success during connect, or 0x19 */
}

/* Record r's exchange is over: forget it, and its stored copy if `stored`. */
static void complete(mqtls_client_t *c, mqtls_inflight_t *r, bool stored)
{
    if (stored) {
        c->cfg.store->remove(c->cfg.store->ctx, r->packet_id);
    }
    mqtls__sess_release(&c->sess, r);
}

/* A PUBACK / PUBREC refusal: the quota has its own name (issue 13). */
static int32_t refusal(uint8_t reason)
{
    return reason == RC_QUOTA_EXCEEDED ? MQTLS_ERR_QUOTA_EXCEEDED : MQTLS_ERR_PUBLISH_REFUSED;
}

/* PUBREC: the broker owns the message now, never resend the PUBLISH
 * [MQTT-4.3.3-1]; answer PUBREL. An id we have no QoS 2 record of (a
 * session the broker kept from an earlier run) is released too, with 0x92
 * on 5.0, or the broker would hold it, and count it, forever. */
static int32_t on_pubrec(mqtls_client_t *c, mqtls_inflight_t *r, uint16_t id, uint8_t reason)
{
    if (r == NULL || (REC_STATE(r) != REC_WAIT_PUBREC && REC_STATE(r) != REC_WAIT_PUBCOMP)) {
        if (reason >= 0x80u) {
            return MQTLS_OK; /* a refusal ends the exchange: nothing to release [MQTT-4.3.3-4] */
        }
        return park_response(c, MQTLS_PKT_PUBREL, id, is_v5(c) ? RC_ID_NOT_FOUND : 0u);
    }
    if (REC_STATE(r) == REC_WAIT_PUBREC) {
        const mqtls_msgstore_t *st = c->cfg.store;
        if (reason >= 0x80u) {
            complete(c, r, true); /* refused: no PUBREL [MQTT-4.3.3-4] */
            c->deferred = refusal(reason);
            return MQTLS_OK;
        }
        if (st->mark_pubrel == NULL || st->mark_pubrel(st->ctx, id) < 0) {
            st->remove(st->ctx, id);
        }
        mqtls__sess_set_state(&c->sess, r, REC_WAIT_PUBCOMP);
    }
    return park_response(c, MQTLS_PKT_PUBREL, id, 0);
}

static int32_t on_ack(mqtls_client_t *c, uint8_t type, uint16_t id, uint8_t reason)
{
    mqtls_inflight_t *r = mqtls__sess_find(&c->sess, id);
    const mqtls_msgstore_t *st = c->cfg.store;
    switch (type) {
    case MQTLS_PKT_PUBACK:
        if (r != NULL && REC_STATE(r) == REC_WAIT_PUBACK) {
            complete(c, r, true);
            if (reason >= 0x80u) {
                c->deferred = refusal(reason); /* the broker dropped it */
            }
        }
        return MQTLS_OK;
    case MQTLS_PKT_PUBREC:
        return on_pubrec(c, r, id, reason);
    case MQTLS_PKT_PUBCOMP:
        if (r != NULL && REC_STATE(r) == REC_WAIT_PUBCOMP) {
            /* The PUBREL record, if the store keeps them; also with 0x92:
             * the broker has nothing left of it. */
            complete(c, r, st->mark_pubrel != NULL);
        }
        return MQTLS_OK;
    case MQTLS_PKT_PUBREL: {
        /* An id we hold no QoS 2 state of (lost with a RAM store, or never
         * ours) is still completed; 5.0 says so with 0x92 [MQTT-3.7.2.1]. */
        bool known = mqtls__sess_inbound_has(&c->sess, id);
        mqtls__sess_inbound_remove(&c->sess, id);
        if (store_has_inbound(c)) {
            c->cfg.store->remove_inbound(c->cfg.store->ctx, id);
        }
        return park_response(c, MQTLS_PKT_PUBCOMP, id, is_v5(c) && !known ? RC_ID_NOT_FOUND : 0u);
    }
    default: /* 3.1.1 UNSUBACK */
        if (c->wait_type == MQTLS_PKT_UNSUBACK && c->wait_id == id) {
            if (c->wait_codes != NULL) {
                memset(c->wait_codes, 0, c->wait_codes_n); /* 3.1.1 has no codes: success */
            }
            finish_wait(c, MQTLS_OK);
        }
        return MQTLS_OK;
    }
}

static int32_t handle(mqtls_client_t *c, const mqtls_packet_t *pk)
{
    if (c->state == ST_CONNECTING) {
        if (MQTLS_CONFIG_MQTT5 && pk->type == MQTLS_PKT_AUTH) {
            return on_auth_packet(c, pk);
        }
        if (pk->type != MQTLS_PKT_CONNACK) {
            return fail(c, MQTLS_ERR_CONNACK_EXPECTED);
        }
        return on_connack(c, pk);
    }
    switch (pk->type) {
    case MQTLS_PKT_PUBLISH:
        return on_publish(c, &pk->u.publish, true);
    case MQTLS_PKT_UNSUBACK:
        if (is_v5(c)) {
            return on_suback(c, pk);
        }
        return on_ack(c, pk->type, pk->u.ack.packet_id, 0);
    case MQTLS_PKT_PUBACK:
    case MQTLS_PKT_PUBREC:
    case MQTLS_PKT_PUBREL:
    case MQTLS_PKT_PUBCOMP:
        return on_ack(c, pk->type, pk->u.ack.packet_id, pk->reason_code);
    case MQTLS_PKT_SUBACK:
        return on_suback(c, pk);
    case MQTLS_PKT_PINGRESP:
        c->ping_outstanding = false;
        return MQTLS_OK;
    case MQTLS_PKT_DISCONNECT: /* 5.0 only: the decoder refuses it on 3.1.1 */
        if (MQTLS_CONFIG_MQTT5) {
            keep_reason(c, pk->reason_code, &pk->props);
            return fail(c, MQTLS_ERR_SERVER_DISCONNECT);
        }
        break;
    case MQTLS_PKT_AUTH: /* likewise */
        if (MQTLS_CONFIG_MQTT5) {
            return on_auth_packet(c, pk);
        }
        break;
    default: /* a second CONNACK */
        break;
    }
    return fail_reason(c, MQTLS_ERR_PROTOCOL, RC_PROTOCOL_ERROR);
}

/*
 * The DISCONNECT reason for a packet the decoder refused (MQTT 5.0 section
 * 4.13.1): 0x82 where the specification calls the fault a Protocol Error (a
 * duplicate property, a value out of range, an empty topic without alias,
 * authentication data without a method, a packet a server never sends),
 * 0x81 Malformed Packet for everything else (section 2.2.2.2 makes a
 * property not valid for its packet type malformed).
 */
static uint8_t decode_reason(int32_t rc)
{
    switch (rc) {
    case MQTLS_ERR_UNEXPECTED_PACKET:
    case MQTLS_ERR_TOPIC_ALIAS_NEEDED: return RC_PROTOCOL_ERROR;
#if MQTLS_CONFIG_MQTT5 /* property codes: a 3.1.1-only core never sees them */
    case MQTLS_ERR_DUPLICATE_PROPERTY:
    case MQTLS_ERR_BAD_PROPERTY_VALUE:
    case MQTLS_ERR_AUTH_DATA_WITHOUT_METHOD:
        return RC_PROTOCOL_ERROR;
#endif
    default:
        return RC_MALFORMED;
    }
}

/* 3.1.1 packets whose remaining length is fixed (2, or 0 for PINGRESP): one
 * larger than rx_buf is malformed, not a sign that the buffer is too small. */
static bool fixed_size_v311(const mqtls_client_t *c, uint8_t type)
{
    return !is_v5(c) && (type == MQTLS_PKT_CONNACK || (type >= MQTLS_PKT_PUBACK && type <= MQTLS_PKT_PUBCOMP) ||
                         type == MQTLS_PKT_UNSUBACK || type == MQTLS_PKT_PINGRESP);
}

/* A PUBLISH larger than rx_buf whose head (topic, id, 5.0 properties) is in the buffer. */
static int32_t handle_oversized(mqtls_client_t *c, const mqtls_fixed_header_t *h, size_t avail)
{
    mqtls_publish_t p;
    mqtls_props_t props;
    const uint8_t *buf = c->cfg.rx_buf + c->rx_start;
    int32_t rc = is_v5(c) ? mqtls_decode_publish_head5(buf, avail, h, &p, &props)
                          : mqtls_decode_publish_head(buf, avail, h, c->version, &p);
    if (rc == MQTLS_ERR_WANT_READ) {
        /* Not even the head fits once the buffer is full: nothing we can do. */
        return c->rx_start == 0u && c->rx_end == c->cfg.rx_len ? fail(c, MQTLS_ERR_RX_BUFFER_TOO_SMALL) : rc;
    }
    if (rc < 0) {
        return is_v5(c) ? fail_reason(c, rc, RC_MALFORMED) : fail(c, rc);
    }
    c->skip_left = (uint32_t)((size_t)h->header_len + h->remaining_length - avail);
    c->rx_start = c->rx_end;
    c->dropped++;
    c->deferred = MQTLS_ERR_MESSAGE_TOO_LARGE;
    return on_publish(c, &p, false);
}

/*
 * Handle complete packets already in rx_buf, at most `max`. Stops when an
 * answer is waiting for the transmitter. Returns the number handled, or an
 * error (fatal ones applied).
 */
static int32_t process_buffered(mqtls_client_t *c, uint32_t max)
{
    uint32_t handled = 0;
    while (handled < max && c->resp_type == 0u && c->tx_off == 0u && c->state != ST_DISCONNECTED &&
           !(c->state == ST_CONNECTING && c->wait_result != NOT_DONE)) {
        size_t avail = c->rx_end - c->rx_start;
        if (c->skip_left > 0u) {
            size_t drop = avail < c->skip_left ? avail : c->skip_left;
            c->rx_start += drop;
            c->skip_left -= (uint32_t)drop;
            if (c->skip_left > 0u) {
                break;
            }
            continue;
        }
        mqtls_fixed_header_t h;
        int32_t rc = mqtls_decode_fixed_header(c->cfg.rx_buf + c->rx_start, avail, &h);
        if (rc == MQTLS_ERR_WANT_READ) {
            break;
        }
        if (rc < 0) {
            return fail_reason(c, rc, RC_MALFORMED); /* 5-byte length, type 0, bad flags */
        }
        if (c->state == ST_CONNECTING && h.type != MQTLS_PKT_CONNACK && !(h.type == MQTLS_PKT_AUTH && is_v5(c))) {
            return fail(c, MQTLS_ERR_CONNACK_EXPECTED); /* e.g. not an MQTT server at all */
        }
        size_t total = (size_t)h.header_len + h.remaining_length;
        if (c->rx_max != 0u && total > c->rx_max) {
            /* More than we announced in CONNECT [MQTT-3.1.2-24]: the broker must not exceed it. */
            return fail_reason(c, MQTLS_ERR_RX_PACKET_TOO_LARGE, RC_PACKET_TOO_LARGE);
        }
        if (total > avail) {
            if (total <= c->cfg.rx_len) {
                break; /* the rest is still on its way */
            }
            if (h.type == MQTLS_PKT_CONNACK) {
                /* No CONNACK is that long (2 bytes on 3.1.1, a few hundred
                 * on 5.0): not the answer of a working broker, and not our
                 * receive buffer's fault. */
                return fail(c, MQTLS_ERR_CONNACK_TOO_LARGE);
            }
            if (fixed_size_v311(c, h.type)) {
                return fail(c, MQTLS_ERR_LENGTH_MISMATCH);
            }
            if (h.type != MQTLS_PKT_PUBLISH) {
                return fail(c, MQTLS_ERR_RX_BUFFER_TOO_SMALL);
            }
            rc = handle_oversized(c, &h, avail);
            if (rc == MQTLS_ERR_WANT_READ) {
                break;
            }
        } else {
            mqtls_packet_t pk;
            rc = mqtls__decode_framed(c->cfg.rx_buf + c->rx_start, &h, c->version, &pk); /* h: framed above */
            if (rc < 0) {
                return fail_reason(c, rc, decode_reason(rc));
            }
            c->rx_start += total;
            rc = handle(c, &pk);
        }
        if (rc < 0) {
            return rc;
        }
        handled++;
    }
    if (c->rx_start == c->rx_end) {
        c->rx_start = 0;
        c->rx_end = 0;
    }
    return (int32_t)handled;
}

/* Read what the transport has into rx_buf. >0 bytes read, 0 nothing, <0 fatal. */
static int32_t fill(mqtls_client_t *c)
{
    if (c->rx_start > 0u && c->rx_end == c->cfg.rx_len) {
        memmove(c->cfg.rx_buf, c->cfg.rx_buf + c->rx_start, c->rx_end - c->rx_start);
        c->rx_end -= c->rx_start;
        c->rx_start = 0;
    }
    size_t space = c->cfg.rx_len - c->rx_end;
    if (space == 0u) {
        return fail(c, MQTLS_ERR_INTERNAL);
    }
    int32_t n = c->tr.recv(c->tr.ctx, c->cfg.rx_buf + c->rx_end, space);
    if (n < 0) {
        return fail(c, n);
    }
    if ((size_t)n > space) {
        return fail(c, MQTLS_ERR_INTERNAL);
    }
    c->rx_end += (size_t)n;
    c->rx_drained = (size_t)n < space; /* the transport had no more: pump() waits before the next read */
    return n;
}

/* ---- keepalive ------------------------------------------------------------------------ */

/* Time until the oldest message's acknowledgement deadline (ms), UINT32_MAX when none. */
static uint32_t ack_due(const mqtls_client_t *c)
{
    const mqtls_inflight_t *r = mqtls__sess_oldest(&c->sess);
    if (c->state != ST_CONNECTED || c->cfg.ack_timeout_ms == 0u || r == NULL) {
        return UINT32_MAX;
    }
    uint32_t since = elapsed(now(c), r->sent_ms);
    return since >= c->cfg.ack_timeout_ms ? 0u : c->cfg.ack_timeout_ms - since;
}

/* Time until the next keepalive event (ms), UINT32_MAX when none. */
static uint32_t ping_due(mqtls_client_t *c)
{
    if (c->state != ST_CONNECTED || c->keepalive_s == 0u) {
        return UINT32_MAX;
    }
    uint32_t t = now(c);
    uint32_t period = c->ping_outstanding ? ping_timeout(c) : (uint32_t)c->keepalive_s * 1000u;
    uint32_t since = elapsed(t, c->ping_outstanding ? c->ping_sent_ms : c->last_tx_ms);
    return since >= period ? 0u : period - since;
}

/* How long pump() may sleep: until the next keepalive event or ack deadline. */
static uint32_t keepalive_due(mqtls_client_t *c)
{
    uint32_t ka = ping_due(c), ack = ack_due(c);
    return ka < ack ? ka : ack;
}

static int32_t keepalive(mqtls_client_t *c)
{
    if (ping_due(c) != 0u) {
        return MQTLS_OK;
    }
    if (c->ping_outstanding) {
        return fail(c, MQTLS_ERR_KEEPALIVE_TIMEOUT);
    }
    if (!tx_idle(c)) {
        return MQTLS_OK; /* we are sending right now, which also keeps the link alive */
    }
    c->ping_outstanding = true;
    c->ping_sent_ms = now(c);
    return park_response(c, MQTLS_PKT_PINGREQ, 0, 0);
}

/* ---- the pump: everything loop() and the blocking calls do ----------------------------- */

/*
 * Run the client for at most `timeout` ms after `start`. PUMP_LOOP returns
 * MQTLS_OK once something was handled or the time is up; PUMP_UNTIL_DONE
 * returns once the blocking call's answer arrived, or MQTLS_ERR_TIMEOUT.
 */
static int32_t pump(mqtls_client_t *c, uint32_t start, uint32_t timeout, int mode)
{
    uint32_t handled = 0;
    for (;;) {
        int32_t rc = keepalive(c);
        if (rc < 0) {
            return rc;
        }
        rc = resend(c, start, timeout);
        if (rc < 0 && rc != MQTLS_ERR_WANT_WRITE) {
            return rc;
        }
        if (rc == MQTLS_OK) {
            /* loop() returns after LOOP_MAX_PACKETS; a blocking call goes on
             * until its answer, however many packets come first. */
            uint32_t max = mode == PUMP_UNTIL_DONE ? MQTLS_CONFIG_LOOP_MAX_PACKETS
                                                   : MQTLS_CONFIG_LOOP_MAX_PACKETS - handled;
            int32_t h = process_buffered(c, max);
            if (h < 0) {
                return h;
            }
            handled += (uint32_t)h;
            rc = flush(c, start, timeout); /* send the answer right away */
            if (rc < 0 && rc != MQTLS_ERR_WANT_WRITE) {
                return rc;
            }
            if (mode == PUMP_UNTIL_DONE) {
                if (c->wait_result != NOT_DONE) {
                    return MQTLS_OK;
                }
            } else if (handled >= MQTLS_CONFIG_LOOP_MAX_PACKETS || (handled > 0u && h == 0)) {
                return MQTLS_OK;
            }
            if (h > 0 && rc == MQTLS_OK) {
                continue; /* more complete packets may be buffered */
            }
        }
        uint32_t left = remaining(c, start, timeout);
        /* Read once a round, so that loop(c, 0) polls; but not right after
         * a read that took less than it offered when the wait below comes
         * next: the transport had nothing more then, and the wait says
         * when it has (a burst of packets costs one recv, not two; issue
         * 14). With no time left or a deadline due there is no wait: read. */
        if (tx_idle(c) && !(c->rx_drained && c->tr.wait != NULL && left > 0u && keepalive_due(c) != 0u)) {
            int32_t n = fill(c);
            if (n < 0) {
                return n;
            }
            if (n == 0 && ack_due(c) == 0u) {
                /* Overdue, and everything that arrived has been read: the
                 * acknowledgement is not coming. The records stay, resent
                 * after the reconnect. */
                return fail(c, MQTLS_ERR_ACK_TIMEOUT);
            }
            if (n > 0 && (left > 0u || mode == PUMP_LOOP)) {
                continue;
            }
        }
        if (left == 0u) {
            return mode == PUMP_UNTIL_DONE ? fail(c, MQTLS_ERR_TIMEOUT) : MQTLS_OK;
        }
        if (!tx_idle(c)) {
            continue; /* flush() waits for writability */
        }
        uint32_t ka = keepalive_due(c);
        if (ka != 0u && c->tr.wait != NULL) {
            int32_t w = c->tr.wait(c->tr.ctx, MQTLS_WAIT_READ, ka < left ? ka : left);
            if (w < 0) {
                return fail(c, w);
            }
            c->rx_drained = false; /* read again: something came, or the time is up */
        }
    }
}

/* Common checks for the calls that need a live connection. */
static int32_t check_ready(const mqtls_client_t *c)
{
    if (c == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (c->state != ST_CONNECTED) {
        return MQTLS_ERR_NOT_CONNECTED;
    }
    return MQTLS_OK;
}

/* Calls that wait or end the connection: not from inside on_message. */
static int32_t check_blocking(const mqtls_client_t *c)
{
    int32_t rc = check_ready(c);
    return rc == MQTLS_OK && c->in_callback ? MQTLS_ERR_BUSY : rc;
}

/* Send n bytes from tx_buf and wait for the answer set up in wait_*. */
static int32_t exchange(mqtls_client_t *c, size_t n, uint32_t start, uint32_t timeout)
{
    c->wait_result = NOT_DONE;
    int32_t rc = transmit(c, n, start, timeout);
    if (rc == MQTLS_ERR_WANT_WRITE) {
        return fail(c, MQTLS_ERR_TIMEOUT);
    }
    if (rc < 0) {
        return rc;
    }
    return pump(c, start, timeout, PUMP_UNTIL_DONE);
}

/* Make the transmitter idle (including pending resends) for a blocking call. */
static int32_t drain(mqtls_client_t *c, uint32_t start, uint32_t timeout)
{
    int32_t rc = resend(c, start, timeout);
    return rc == MQTLS_ERR_WANT_WRITE ? fail(c, MQTLS_ERR_TIMEOUT) : rc;
}

/* ---- public API ----------------------------------------------------------------------- */

/* An alias table is absent (NULL, 0) or has room for at least a 1-byte topic per slot. */
static bool alias_table_ok(const uint8_t *buf, size_t len, uint16_t count, size_t header)
{
    if (buf == NULL || count == 0u) {
        return buf == NULL && count == 0u;
    }
    return len / count > header;
}

int32_t mqtls_client_init(mqtls_client_t *c, const mqtls_client_config_t *cfg)
{
    if (c == NULL || cfg == NULL || cfg->tx_buf == NULL || cfg->rx_buf == NULL || cfg->tx_len < 16u ||
        cfg->rx_len < 16u || cfg->now_ms == NULL || (cfg->outbound == NULL && cfg->outbound_count > 0u) ||
        (cfg->inbound_ids == NULL && cfg->inbound_count > 0u) || cfg->outbound_count > 65535u ||
        cfg->inbound_count > 65535u ||
        !alias_table_ok(cfg->alias_in, cfg->alias_in_len, cfg->alias_in_count, 2u) ||
        !alias_table_ok(cfg->alias_out, cfg->alias_out_len, cfg->alias_out_count, 6u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (cfg->store != NULL && (cfg->store->put == NULL || cfg->store->get == NULL || cfg->store->remove == NULL)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->version = MQTLS_PROTO_V311;
    /* RAM only: the store may hold a session from before a reboot (restore). */
    mqtls__sess_init(&c->sess, cfg->outbound, cfg->outbound_count, cfg->inbound_ids, cfg->inbound_count,
                     cfg->inbound_bitmap);
    return MQTLS_OK;
}

/*
 * The CONNECT properties the client adds to the caller's (5.0): what our
 * memory can take, unless the caller said otherwise. Reads only the
 * configuration: nothing changes before the CONNECT is known to be valid.
 */
static void prepare_v5(const mqtls_client_t *c, const mqtls_connect_t *conn, mqtls_props_t *pr)
{
    if (conn->props != NULL) {
        *pr = *conn->props;
    }
    if (c->cfg.inbound_bitmap != NULL || c->cfg.inbound_count > 0u) {
        /* QoS 2 ids we can hold; absent means 65535 (MQTT 5.0 3.1.2.11.3).
         * A caller's value is kept if smaller, never more: beyond it the
         * broker is within its rights and we could not take its messages. */
        size_t n = c->cfg.inbound_bitmap != NULL ? 65535u : c->cfg.inbound_count;
        n = n < 65535u ? n : 65535u;
        if (!HAS(pr, MQTLS_PROP_RECEIVE_MAX) || pr->receive_max > n) {
            pr->present |= MQTLS_PROP_BIT(MQTLS_PROP_RECEIVE_MAX);
            pr->receive_max = (uint16_t)n;
        }
    }
    if (!HAS(pr, MQTLS_PROP_MAX_PACKET_SIZE)) {
        size_t max = (size_t)MQTLS_MAX_REMAINING_LENGTH + MQTLS_FIXED_HEADER_MAX;
        pr->present |= MQTLS_PROP_BIT(MQTLS_PROP_MAX_PACKET_SIZE);
        pr->max_packet_size = (uint32_t)(c->cfg.rx_len < max ? c->cfg.rx_len : max);
    }
    if (c->cfg.alias_in_count > 0u &&
        (!HAS(pr, MQTLS_PROP_TOPIC_ALIAS_MAX) || pr->topic_alias_max > c->cfg.alias_in_count)) {
        pr->present |= MQTLS_PROP_BIT(MQTLS_PROP_TOPIC_ALIAS_MAX);
        pr->topic_alias_max = c->cfg.alias_in_count; /* never more than the table holds */
    }
}

/* What the CONNECT we are sending announced, for the rest of the connection. */
static void apply_v5(mqtls_client_t *c, const mqtls_props_t *pr)
{
    c->rx_max = pr->max_packet_size;
    c->alias_in_max = HAS(pr, MQTLS_PROP_TOPIC_ALIAS_MAX) && c->cfg.alias_in_count > 0u ? pr->topic_alias_max : 0u;
    if (HAS(pr, MQTLS_PROP_SESSION_EXPIRY)) {
        c->caps.session_expiry_s = pr->session_expiry;
    }
    if (HAS(pr, MQTLS_PROP_AUTH_METHOD)) {
        c->auth_method = pr->auth_method.data;
        c->auth_method_len = pr->auth_method.len; /* both kept for the connection */
        c->auth_hash = method_hash(pr->auth_method.data, pr->auth_method.len);
    }
}

/* Forget what the last connection's CONNACK / DISCONNECT said. */
static void reset_v5(mqtls_client_t *c, uint16_t keepalive_s)
{
    memset(&c->caps, 0, sizeof c->caps);
    c->caps.receive_max = 65535u;
    c->caps.max_qos = 2u;
    c->caps.retain_available = true;
    c->caps.wildcard_available = true;
    c->caps.sub_id_available = true;
    c->caps.shared_available = true;
    c->caps.keepalive_s = keepalive_s;
    if (!MQTLS_CONFIG_MQTT5) {
        return; /* the rest is 5.0 state a 3.1.1-only build never reads */
    }
    c->rx_max = 0;
    c->alias_in_max = 0;
    c->alias_out_max = 0;
    c->reason = 0;
    c->reason_str[0] = '\0';
    c->server_ref[0] = '\0';
    c->assigned_id[0] = '\0';
    c->auth_method = NULL;
    c->auth_method_len = 0;
    c->auth_hash = 0;
    c->auth_out = NULL;
    c->auth_out_len = 0;
    aliases_reset(c);
}

/* ---- restore: the session the store kept ---------------------------------------------- */

/* One record of the store's each(): rebuild it in RAM. */
static int32_t restore_one(void *arg, uint8_t kind, uint16_t id, size_t len)
{
    mqtls_client_t *c = arg;
    (void)len;
    if (id == 0u) {
        return MQTLS_ERR_INVALID_ARG; /* a store that broke its contract */
    }
    if (kind == MQTLS_MSG_INBOUND) {
        return mqtls__sess_inbound_add(&c->sess, id) ? MQTLS_OK : MQTLS_ERR_RESTORE_TOO_MANY;
    }
    if (kind != MQTLS_MSG_PUBLISH && kind != MQTLS_MSG_PUBREL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (mqtls__sess_find(&c->sess, id) != NULL) {
        return MQTLS_ERR_INVALID_ARG; /* the same id twice */
    }
    /* A PUBLISH's QoS is read from its bytes when it is resent. */
    uint8_t state = kind == MQTLS_MSG_PUBREL ? REC_WAIT_PUBCOMP : REC_WAIT_ACK;
    if (mqtls__sess_add(&c->sess, id, state, kind == MQTLS_MSG_PUBREL ? 2u : 0u, now(c)) == NULL) {
        return MQTLS_ERR_RESTORE_TOO_MANY;
    }
    mqtls__sess_ids_after(&c->sess, id); /* new ids follow the newest restored one */
    return MQTLS_OK;
}

static int32_t restore(mqtls_client_t *c)
{
    const mqtls_msgstore_t *st = c->cfg.store;
    mqtls__sess_clear(&c->sess);
    int32_t rc = st->each(st->ctx, restore_one, c);
    if (rc < 0) {
        mqtls__sess_clear(&c->sess); /* all or nothing; the store is untouched */
        return rc;
    }
    c->store_synced = true;
    return (int32_t)mqtls__sess_used(&c->sess);
}

/* First connect without clean session and without mqtls_client_restore():
 * take what the store kept if it can say (each), else start it empty, as
 * the client did before the store could be restored. */
static int32_t sync_store(mqtls_client_t *c)
{
    if (c->cfg.store != NULL && c->cfg.store->each != NULL) {
        int32_t rc = restore(c);
        return rc < 0 ? rc : MQTLS_OK;
    }
    clear_session(c);
    return MQTLS_OK;
}

/* Session present 0 on 3.1.1: the broker forgot our incoming QoS 2 ids, it
 * may reuse them; the store forgets them too (one id at a time: there is
 * no hook for all). */
static void forget_inbound(mqtls_client_t *c)
{
    if (store_has_inbound(c)) {
        const mqtls_msgstore_t *st = c->cfg.store;
        for (uint32_t id = 1; c->cfg.inbound_bitmap != NULL && id <= 65535u; id++) {
            if (mqtls__sess_inbound_has(&c->sess, (uint16_t)id)) {
                st->remove_inbound(st->ctx, (uint16_t)id);
            }
        }
        for (size_t i = 0; c->cfg.inbound_bitmap == NULL && i < c->cfg.inbound_count; i++) {
            if (c->cfg.inbound_ids[i] != 0u) {
                st->remove_inbound(st->ctx, c->cfg.inbound_ids[i]);
            }
        }
    }
    mqtls__sess_inbound_clear(&c->sess);
}

int32_t mqtls_client_restore(mqtls_client_t *c)
{
    if (c == NULL || c->cfg.store == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (c->state != ST_DISCONNECTED || c->in_callback) {
        return MQTLS_ERR_BUSY;
    }
    if (c->cfg.store->each == NULL) {
        return MQTLS_ERR_NOT_SUPPORTED;
    }
    return restore(c);
}

/*
 * Everything a connect does before the CONNACK. Nothing changes before the
 * CONNECT is known to be valid; then it goes to the transport with one send
 * attempt (what is not taken goes with the next loop()).
 */
static int32_t connect_begin(mqtls_client_t *c, const mqtls_transport_t *t, const mqtls_connect_t *conn,
                             uint32_t timeout_ms)
{
    mqtls_connect_t m = *conn;
    mqtls_props_t props;
    memset(&props, 0, sizeof props);
    if (V5(conn->protocol_version)) {
        prepare_v5(c, conn, &props);
        m.props = &props;
    }
    int32_t n = mqtls_encode_connect(NULL, 0, &m);
    if (n < 0) {
        return n;
    }
    if ((size_t)n > c->cfg.tx_len) {
        return MQTLS_ERR_TX_BUFFER_TOO_SMALL;
    }
    /* Connecting again abandons an old connection without closing it: the
     * caller may already have reopened the same transport object. */
    c->state = ST_DISCONNECTED;
    c->version = conn->protocol_version;
    reset_v5(c, conn->keepalive_s);
    if (is_v5(c)) {
        apply_v5(c, &props);
    }
    c->connect_ms = now(c);
    c->connect_timeout_ms = timeout_ms;
    c->clean_start = conn->clean_session;
    c->tr = *t;
    reset_io(c);
    cancel_resend(c); /* a resend cut short restarts after this CONNACK, from the oldest */
    if (conn->clean_session) {
        clear_session(c);
    } else if (!c->store_synced) {
        int32_t r = sync_store(c); /* first connect after init: what the store kept */
        if (r < 0) {
            return r;
        }
    }
    (void)mqtls_encode_connect(c->cfg.tx_buf, c->cfg.tx_len, &m);
    c->state = ST_CONNECTING;
    c->connack_sp = false; /* of this connect's CONNACK, when it comes */
    c->wait_type = MQTLS_PKT_CONNACK;
    c->wait_result = NOT_DONE;
    int32_t rc = transmit(c, (size_t)n, c->connect_ms, 0);
    return rc == MQTLS_ERR_WANT_WRITE ? MQTLS_OK : rc;
}

/* The CONNACK arrived (wait_result): the session's fate, then the resends,
 * within the time the caller gave this call. */
static int32_t connect_end(mqtls_client_t *c, uint32_t start, uint32_t timeout)
{
    if (c->wait_result != MQTLS_OK) {
        return fail(c, c->wait_result);
    }
    bool sp = c->connack_sp;
    if (sp && c->clean_start) {
        return fail_reason(c, MQTLS_ERR_SESSION_PRESENT_INVALID, RC_PROTOCOL_ERROR); /* [MQTT-3.2.2-4] */
    }
    if (!sp) {
        if (is_v5(c)) {
            clear_session(c); /* the broker has none: discard ours too [MQTT-3.2.2-5] */
        } else {
            forget_inbound(c); /* the broker forgot the session: its QoS 2 ids may be reused */
        }
    }
    c->state = ST_CONNECTED;
    c->keepalive_s = c->caps.keepalive_s;
    c->last_tx_ms = now(c);
    if (!c->clean_start) {
        (void)mqtls__sess_mark_all(&c->sess, c->last_tx_ms); /* resend in order [MQTT-4.4.0-1] */
    }
    int32_t rc = resend(c, start, timeout);
    return rc == MQTLS_ERR_WANT_WRITE ? MQTLS_OK : rc; /* loop() finishes the resend */
}

/* A connect that is over (up or failed) lets go of what it borrowed from
 * the caller's CONNECT (the authentication method's length and hash stay). */
static int32_t connect_result(mqtls_client_t *c, int32_t rc)
{
    if (c->state != ST_CONNECTING) {
        c->auth_method = NULL;
        c->auth_out = NULL;
    }
    return rc;
}

/* loop() before the CONNACK: send the rest of the CONNECT, wait for the
 * CONNACK (AUTH rounds on 5.0) at most timeout_ms and at most what is left
 * of the connect's own timeout. */
static int32_t connect_poll(mqtls_client_t *c, uint32_t timeout_ms)
{
    uint32_t start = now(c);
    uint32_t left = remaining(c, c->connect_ms, c->connect_timeout_ms);
    uint32_t budget = timeout_ms < left ? timeout_ms : left;
    int32_t rc = pump(c, start, budget, PUMP_LOOP);
    if (rc == MQTLS_OK && c->state == ST_CONNECTING) {
        if (c->wait_result != NOT_DONE) {
            rc = connect_end(c, start, budget);
        } else if (remaining(c, c->connect_ms, c->connect_timeout_ms) == 0u) {
            rc = fail(c, MQTLS_ERR_TIMEOUT);
        }
    }
    return connect_result(c, rc);
}

/* A connect_start() waiting for its CONNACK, driven from outside a callback. */
static bool connect_under_way(const mqtls_client_t *c)
{
    return c != NULL && c->state == ST_CONNECTING && !c->in_callback;
}

int32_t mqtls_client_connect_start(mqtls_client_t *c, const mqtls_transport_t *t, const mqtls_connect_t *conn,
                                   uint32_t timeout_ms)
{
    if (c == NULL || t == NULL || conn == NULL || t->send == NULL || t->recv == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (c->in_callback) {
        return MQTLS_ERR_BUSY;
    }
    if (conn->protocol_version != MQTLS_PROTO_V311 && !V5(conn->protocol_version)) {
        return MQTLS_ERR_NOT_SUPPORTED;
    }
    return connect_result(c, connect_begin(c, t, conn, timeout_ms));
}

int32_t mqtls_client_connect(mqtls_client_t *c, const mqtls_transport_t *t, const mqtls_connect_t *conn,
                             bool *session_present, uint32_t timeout_ms)
{
    int32_t rc = mqtls_client_connect_start(c, t, conn, timeout_ms);
    while (rc == MQTLS_OK && c->state == ST_CONNECTING) {
        rc = connect_poll(c, timeout_ms);
    }
    if (rc == MQTLS_OK && session_present != NULL) {
        *session_present = c->connack_sp;
    }
    return rc;
}

/* Is the broker able to take this message at all (5.0 CONNACK limits)? */
static int32_t check_publish(const mqtls_client_t *c, const mqtls_publish_t *msg)
{
    if (msg->qos > 2u) {
        return MQTLS_ERR_BAD_QOS;
    }
    if (msg->qos > 0u && (c->cfg.store == NULL || c->cfg.outbound_count == 0u)) {
        return MQTLS_ERR_NO_STORE;
    }
    /* Only a 5.0 CONNACK limits QoS, retain and the window: the caps keep
     * their defaults (reset_v5()) on 3.1.1, where these never fire. */
    if (MQTLS_CONFIG_MQTT5 && msg->qos > c->caps.max_qos) {
        return MQTLS_ERR_QOS_NOT_SUPPORTED; /* [MQTT-3.2.2-11] */
    }
    if (MQTLS_CONFIG_MQTT5 && msg->retain && !c->caps.retain_available) {
        return MQTLS_ERR_RETAIN_NOT_SUPPORTED; /* [MQTT-3.2.2-14] */
    }
    if (msg->props != NULL &&
        (HAS(msg->props, MQTLS_PROP_TOPIC_ALIAS) || HAS(msg->props, MQTLS_PROP_SUBSCRIPTION_ID))) {
        /* Aliases are the client's business; subscription ids the broker's [MQTT-3.3.4-6]. */
        return MQTLS_ERR_INVALID_ARG;
    }
    if (MQTLS_CONFIG_MQTT5 && msg->qos > 0u && mqtls__sess_used(&c->sess) >= c->caps.receive_max) {
        return MQTLS_ERR_INFLIGHT_FULL; /* the broker's receive maximum [MQTT-4.9.0-2] */
    }
    return MQTLS_OK;
}

int32_t mqtls_client_publish(mqtls_client_t *c, const mqtls_publish_t *msg, uint16_t *packet_id)
{
    int32_t rc = check_ready(c);
    if (rc < 0 || msg == NULL) {
        return rc < 0 ? rc : MQTLS_ERR_INVALID_ARG;
    }
    rc = check_publish(c, msg);
    if (rc < 0) {
        return rc;
    }
    if (!c->cfg.coalesce_tx || c->resp_type != 0u || mqtls__sess_resend_pending(&c->sess)) {
        rc = resend(c, now(c), 0); /* resends first, keeping the original order */
        if (rc < 0) {
            return rc;
        }
    }
    bool stored = msg->qos > 0u;
    mqtls_publish_t p = *msg;
    p.dup = false;
    p.packet_id = 0;
    if (!is_v5(c)) {
        p.props = NULL;
    }
    if (stored) {
        p.packet_id = mqtls__sess_alloc_id(&c->sess, true, c->wait_id);
        if (p.packet_id == 0u) {
            return MQTLS_ERR_INFLIGHT_FULL;
        }
    }
    /* Encoded straight into the transmitter: one pass per message (issue
     * 14); the size query runs only when it does not fit (the checks below
     * then name why). tx_buf + at holds the stored copy. at is 0 after
     * resend(), else cfg.coalesce_tx left whole packets there: appending
     * behind bytes not yet taken keeps the transport's retry rule. */
    size_t at = c->tx_pend;
    int32_t n = mqtls_encode_publish(c->cfg.tx_buf + at, c->cfg.tx_len - at, c->version, &p);
    if (n == MQTLS_ERR_BUFFER_TOO_SMALL) {
        n = mqtls_encode_publish(NULL, 0, c->version, &p);
    }
    if (n < 0) {
        return n;
    }
    /* The copy on the wire may use a topic alias; the stored copy never does. */
    bool known = false;
    uint16_t alias = is_v5(c) ? alias_pick(c, p.topic, p.topic_len, &known) : 0u;
    mqtls_publish_t wire = p;
    mqtls_props_t wprops;
    int32_t wn = n;
    if (alias != 0u) {
        memset(&wprops, 0, sizeof wprops);
        if (p.props != NULL) {
            wprops = *p.props;
        }
        wprops.present |= MQTLS_PROP_BIT(MQTLS_PROP_TOPIC_ALIAS);
        wprops.topic_alias = alias;
        wire.props = &wprops;
        if (known) {
            wire.topic = NULL; /* the broker knows it by its alias [MQTT-3.3.2-8] */
            wire.topic_len = 0;
        }
        wn = mqtls_encode_publish(NULL, 0, c->version, &wire);
        if (wn < 0) {
            return wn;
        }
    }
    if (at > 0u && ((size_t)n > c->cfg.tx_len - at || (size_t)wn > c->cfg.tx_len - at)) {
        rc = flush(c, now(c), 0); /* it does not fit behind them: they go first */
        if (rc < 0) {
            return rc;
        }
        at = 0;
        (void)mqtls_encode_publish(c->cfg.tx_buf, c->cfg.tx_len, c->version, &p);
    }
    /* Both copies: the stored one (full topic) is what a resend sends. */
    if (MQTLS_CONFIG_MQTT5 && c->caps.max_packet_size != 0u &&
        ((uint32_t)wn > c->caps.max_packet_size || (stored && (uint32_t)n > c->caps.max_packet_size))) {
        return MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER; /* [MQTT-3.1.2-24] */
    }
    if ((size_t)n > c->cfg.tx_len || (size_t)wn > c->cfg.tx_len) {
        return MQTLS_ERR_TX_BUFFER_TOO_SMALL;
    }
    if (stored) {
        rc = c->cfg.store->put(c->cfg.store->ctx, p.packet_id, c->cfg.tx_buf + at, (size_t)n);
        if (rc < 0) {
            return rc;
        }
        (void)mqtls__sess_add(&c->sess, p.packet_id, p.qos == 1u ? REC_WAIT_PUBACK : REC_WAIT_PUBREC, p.qos,
                              now(c)); /* cannot fail: alloc_id found its slot free */
    }
    if (alias != 0u) {
        (void)mqtls_encode_publish(c->cfg.tx_buf + at, c->cfg.tx_len - at, c->version, &wire);
    }
    if (alias != 0u) {
        alias_commit(c, alias, p.topic, p.topic_len, known);
    }
    if (packet_id != NULL) {
        *packet_id = p.packet_id;
    }
    c->tx_pend = at + (size_t)wn;
    if (c->cfg.coalesce_tx) {
        return MQTLS_OK; /* handed over by loop(), disconnect or the next publish that does not fit */
    }
    rc = flush(c, now(c), 0);
    return rc == MQTLS_ERR_WANT_WRITE ? MQTLS_OK : rc; /* loop() sends the rest */
}

/* Does the filter use '+' or '#'? (memchr is not on the core's allow-list.) */
static bool has_wildcard(const char *f, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (f[i] == '+' || f[i] == '#') {
            return true;
        }
    }
    return false;
}

/* Can the broker take these subscriptions (5.0 CONNACK availability)? */
static int32_t check_subscribe(const mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                               const mqtls_props_t *props)
{
    if (!MQTLS_CONFIG_MQTT5) {
        return MQTLS_OK; /* only a 5.0 CONNACK limits these (caps stay at their defaults on 3.1.1); the
                          * encoder reports subs NULL */
    }
    if (subs == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (props != NULL && HAS(props, MQTLS_PROP_SUBSCRIPTION_ID) && !c->caps.sub_id_available) {
        return MQTLS_ERR_SUBSCRIPTION_ID_NOT_SUPPORTED; /* CONNACK property 0x29 */
    }
    for (size_t i = 0; i < n; i++) {
        const char *f = subs[i].filter;
        size_t len = subs[i].filter_len;
        if (f == NULL) {
            continue; /* the encoder reports it */
        }
        if (!c->caps.shared_available && len >= 7u && memcmp(f, "$share/", 7) == 0) {
            return MQTLS_ERR_SHARED_NOT_SUPPORTED;
        }
        if (!c->caps.wildcard_available && has_wildcard(f, len)) {
            return MQTLS_ERR_WILDCARD_NOT_SUPPORTED;
        }
    }
    return MQTLS_OK;
}

static int32_t encode_sub(mqtls_client_t *c, uint8_t *buf, size_t len, uint8_t type, uint16_t id,
                          const mqtls_subscription_t *subs, size_t n, const mqtls_props_t *props)
{
    if (is_v5(c)) {
        return type == MQTLS_PKT_SUBSCRIBE ? mqtls_encode_subscribe5(buf, len, id, subs, n, props)
                                           : mqtls_encode_unsubscribe5(buf, len, id, subs, n, props);
    }
    return type == MQTLS_PKT_SUBSCRIBE ? mqtls_encode_subscribe(buf, len, c->version, id, subs, n)
                                       : mqtls_encode_unsubscribe(buf, len, c->version, id, subs, n);
}

/* The public functions' arguments in their order, then the packet type as a
 * word: passing them on costs the least (a byte on the stack needs a wider
 * load on Thumb-2). */
static int32_t sub_unsub(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                         const mqtls_subscribe_opts_t *opts, uint8_t *codes, uint32_t timeout_ms, uint32_t type)
{
    int32_t rc = check_blocking(c);
    if (rc < 0) {
        return rc;
    }
    const mqtls_props_t *props = opts == NULL ? NULL : opts->props;
    if (props != NULL && !is_v5(c)) {
        return MQTLS_ERR_NOT_SUPPORTED;
    }
    if (type == MQTLS_PKT_SUBSCRIBE && (rc = check_subscribe(c, subs, n, props)) < 0) {
        return rc;
    }
    uint32_t start = now(c);
    uint16_t id = mqtls__sess_alloc_id(&c->sess, false, 0);
    int32_t len = encode_sub(c, NULL, 0, type, id, subs, n, props);
    if (len < 0) {
        return len;
    }
    if (MQTLS_CONFIG_MQTT5 && c->caps.max_packet_size != 0u && (uint32_t)len > c->caps.max_packet_size) {
        return MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER;
    }
    if ((size_t)len > c->cfg.tx_len) {
        return MQTLS_ERR_TX_BUFFER_TOO_SMALL;
    }
    rc = drain(c, start, timeout_ms);
    if (rc < 0) {
        return rc;
    }
    (void)encode_sub(c, c->cfg.tx_buf, c->cfg.tx_len, type, id, subs, n, props);
    c->wait_type = type == MQTLS_PKT_SUBSCRIBE ? MQTLS_PKT_SUBACK : MQTLS_PKT_UNSUBACK;
    c->wait_id = id;
    c->wait_codes = codes;
    c->wait_codes_n = n;
    rc = exchange(c, (size_t)len, start, timeout_ms);
    c->wait_codes = NULL;
    return rc < 0 ? rc : c->wait_result;
}

int32_t mqtls_client_subscribe(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                               const mqtls_subscribe_opts_t *opts, uint8_t *codes, uint32_t timeout_ms)
{
    return sub_unsub(c, subs, n, opts, codes, timeout_ms, MQTLS_PKT_SUBSCRIBE);
}

int32_t mqtls_client_unsubscribe(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                 const mqtls_subscribe_opts_t *opts, uint8_t *codes, uint32_t timeout_ms)
{
    return sub_unsub(c, subs, n, opts, codes, timeout_ms, MQTLS_PKT_UNSUBSCRIBE);
}

#if MQTLS_CONFIG_MQTT5
int32_t mqtls_client_reauth(mqtls_client_t *c, const char *method, size_t method_len, const uint8_t *data,
                            size_t data_len, uint32_t timeout_ms)
{
    int32_t rc = check_blocking(c);
    if (rc < 0) {
        return rc;
    }
    if (!is_v5(c)) {
        return MQTLS_ERR_NOT_SUPPORTED;
    }
    if (method == NULL || method_len == 0u || (data == NULL && data_len > 0u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (c->auth_method_len == 0u) {
        return MQTLS_ERR_NOT_SUPPORTED; /* no method in CONNECT: AUTH would be a protocol error */
    }
    if (method_len != c->auth_method_len || method_hash((const uint8_t *)method, method_len) != c->auth_hash) {
        return MQTLS_ERR_INVALID_ARG; /* not the CONNECT's method [MQTT-4.12.1-1] */
    }
    uint32_t start = now(c);
    rc = drain(c, start, timeout_ms);
    if (rc < 0) {
        return rc;
    }
    c->auth_method = (const uint8_t *)method;
    c->auth_method_len = method_len;
    int32_t n = encode_auth(c, RC_REAUTH, data, data_len);
    if (n > 0 && c->caps.max_packet_size != 0u && (uint32_t)n > c->caps.max_packet_size) {
        n = MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER;
    }
    if (n < 0) {
        rc = n; /* nothing sent: the connection is untouched */
    } else {
        c->wait_type = MQTLS_PKT_AUTH;
        c->wait_id = 0;
        rc = exchange(c, (size_t)n, start, timeout_ms);
        if (rc == MQTLS_OK && c->wait_result != MQTLS_OK) {
            /* on_auth rejected the broker's final data: we cannot trust it. */
            rc = fail(c, c->wait_result);
        }
    }
    c->auth_method = NULL;
    c->auth_out = NULL;
    return rc;
}
#endif /* MQTLS_CONFIG_MQTT5 */

int32_t mqtls_client_loop(mqtls_client_t *c, uint32_t timeout_ms)
{
    if (connect_under_way(c)) {
        int32_t rc = connect_poll(c, timeout_ms);
        if (rc != MQTLS_OK || c->state != ST_CONNECTED) {
            return rc;
        }
        /* Up: what came behind the CONNACK is handled now, without waiting,
         * as its bytes are out of the socket already (an event loop would
         * not see it readable again for them). */
        return pump(c, now(c), 0, PUMP_LOOP);
    }
    int32_t rc = check_blocking(c);
    if (rc < 0) {
        return rc;
    }
    rc = pump(c, now(c), timeout_ms, PUMP_LOOP);
    if (rc == MQTLS_OK && c->deferred != MQTLS_OK) {
        rc = c->deferred;
        c->deferred = MQTLS_OK;
    }
    return rc;
}

/* DISCONNECT (5.0: with reason and props), then close the transport. */
static int32_t disconnect_with(mqtls_client_t *c, uint8_t reason, const mqtls_props_t *props)
{
    /* A connect under way (connect_start) ends here too: DISCONNECT goes
     * behind a CONNECT that is out; if the CONNECT is not out, no session
     * exists and closing is all. */
    bool connecting = connect_under_way(c);
    int32_t rc = connecting ? MQTLS_OK : check_blocking(c);
    if (rc < 0) {
        return rc;
    }
    if (is_v5(c) && props != NULL && HAS(props, MQTLS_PROP_SESSION_EXPIRY) && props->session_expiry != 0u &&
        c->caps.session_expiry_s == 0u) {
        return MQTLS_ERR_INVALID_ARG; /* a session that ends now cannot be extended [MQTT-3.14.2-2] */
    }
    uint32_t start = now(c);
    if (!connecting) {
        rc = flush(c, start, MQTLS_CONFIG_DISCONNECT_TIMEOUT_MS);
    }
    if (rc == MQTLS_OK && (!connecting || tx_idle(c))) {
        int32_t n = is_v5(c) ? mqtls_encode_disconnect5(c->cfg.tx_buf, c->cfg.tx_len, reason, props)
                             : mqtls_encode_empty(c->cfg.tx_buf, c->cfg.tx_len, c->version, MQTLS_PKT_DISCONNECT);
        rc = n < 0 ? n : transmit(c, (size_t)n, start, MQTLS_CONFIG_DISCONNECT_TIMEOUT_MS);
    }
    if (rc == MQTLS_ERR_WANT_WRITE) {
        rc = MQTLS_ERR_TIMEOUT;
    }
    (void)fail(c, MQTLS_OK);
    return rc;
}

#if !MQTLS_CONFIG_MQTT5 /* 3.1.1 only: the 5.0 call answers NOT_SUPPORTED */
int32_t mqtls_client_reauth(mqtls_client_t *c, const char *method, size_t method_len, const uint8_t *data,
                            size_t data_len, uint32_t timeout_ms)
{
    (void)c, (void)method, (void)method_len, (void)data, (void)data_len, (void)timeout_ms;
    return MQTLS_ERR_NOT_SUPPORTED;
}
#endif /* !MQTLS_CONFIG_MQTT5 */

int32_t mqtls_client_disconnect(mqtls_client_t *c, const mqtls_disconnect_opts_t *opts)
{
    if (!MQTLS_CONFIG_MQTT5 || opts == NULL) {
        return disconnect_with(c, 0, NULL); /* 3.1.1 has neither reason nor props */
    }
    return disconnect_with(c, opts->reason, opts->props);
}

void mqtls_client_abort(mqtls_client_t *c)
{
    if (c != NULL) {
        (void)fail(c, MQTLS_OK);
    }
}

bool mqtls_client_is_connected(const mqtls_client_t *c)
{
    return c != NULL && c->state == ST_CONNECTED;
}

uint8_t mqtls_client_version(const mqtls_client_t *c)
{
    return c == NULL ? 0u : c->version;
}

bool mqtls_client_session_present(const mqtls_client_t *c)
{
    return c != NULL && c->connack_sp;
}

size_t mqtls_client_outstanding(const mqtls_client_t *c)
{
    return c == NULL ? 0u : mqtls__sess_used(&c->sess);
}

bool mqtls_client_in_flight(const mqtls_client_t *c, uint16_t packet_id)
{
    return c != NULL && mqtls__sess_find(&c->sess, packet_id) != NULL;
}

uint32_t mqtls_client_dropped(const mqtls_client_t *c)
{
    return c == NULL ? 0u : c->dropped;
}

const mqtls_server_caps_t *mqtls_client_server_caps(const mqtls_client_t *c)
{
    return c == NULL ? NULL : &c->caps;
}

uint8_t mqtls_client_reason(const mqtls_client_t *c, const char **reason_string, const char **server_reference)
{
    if (c == NULL) {
        return 0;
    }
    if (reason_string != NULL) {
        *reason_string = c->reason_str;
    }
    if (server_reference != NULL) {
        *server_reference = c->server_ref;
    }
    return c->reason;
}

const char *mqtls_client_assigned_id(const mqtls_client_t *c)
{
    return c == NULL || c->assigned_id[0] == '\0' ? NULL : c->assigned_id;
}
