/* SPDX-License-Identifier: MIT
 * mqtls: the MQTT client state machine (connect, QoS flows, keepalive, loop). */
/*
 * see mqtls/client.h. How it is built, and why:
 *
 * - One transmitter slot. tx_buf holds at most one packet being sent
 *   (tx_off/tx_pend). A packet whose first byte went out must be finished
 *   before any other, so a transport that takes only part of it does not
 *   make us block: the rest is sent by the next call, and everything that
 *   wants to write first drains the slot. That is what lets loop() keep its
 *   timeout even when the socket is full.
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
 *   DUP set, PUBREL for those already received [MQTT-4.4.0-1].
 * - Errors: anything that leaves the stream in an unknown state (transport
 *   error, protocol error, timeout of a blocking call) closes the connection
 *   (fail()); validation errors of a call leave it untouched.
 */
#include <string.h>

#include "mqtls/client.h"
#include "mqtls/topic.h"

enum { ST_DISCONNECTED = 0, ST_CONNECTING, ST_CONNECTED };
enum { REC_FREE = 0, REC_WAIT_PUBACK, REC_WAIT_PUBREC, REC_WAIT_PUBCOMP };

/* pump() modes: return after handling packets, or only when a blocking
 * call's acknowledgement arrived. */
enum { PUMP_LOOP = 0, PUMP_UNTIL_DONE = 1 };

#define NOT_DONE 1 /* wait_result while a blocking call is pending */

static void inbound_clear(mqtls_client_t *c);

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

static void reset_io(mqtls_client_t *c)
{
    c->rx_start = 0;
    c->rx_end = 0;
    c->skip_left = 0;
    c->tx_off = 0;
    c->tx_pend = 0;
    c->resp_type = 0;
    c->resp_id = 0;
    c->ping_outstanding = false;
    c->wait_type = 0;
    c->deferred = MQTLS_OK;
}

static void clear_session(mqtls_client_t *c)
{
    if (c->cfg.outbound != NULL) {
        memset(c->cfg.outbound, 0, c->cfg.outbound_count * sizeof(c->cfg.outbound[0]));
    }
    inbound_clear(c);
    if (c->cfg.store != NULL && c->cfg.store->clear != NULL) {
        c->cfg.store->clear(c->cfg.store->ctx);
    }
    c->resend_pending = false;
}

/* ---- records ------------------------------------------------------------------ */

static mqtls_inflight_t *find_record(mqtls_client_t *c, uint16_t id)
{
    for (size_t i = 0; i < c->cfg.outbound_count; i++) {
        if (c->cfg.outbound[i].packet_id == id && c->cfg.outbound[i].state != REC_FREE) {
            return &c->cfg.outbound[i];
        }
    }
    return NULL;
}

static mqtls_inflight_t *take_free_record(mqtls_client_t *c)
{
    for (size_t i = 0; i < c->cfg.outbound_count; i++) {
        if (c->cfg.outbound[i].state == REC_FREE) {
            return &c->cfg.outbound[i];
        }
    }
    return NULL;
}

static void release_record(mqtls_inflight_t *r)
{
    r->state = REC_FREE;
    r->packet_id = 0;
}

/* Next packet id: 1..65535, wrapping, skipping ids still in use [MQTT-2.3.1-4]. */
static uint16_t alloc_id(mqtls_client_t *c)
{
    for (uint32_t tries = 0; tries < 65535u; tries++) {
        uint16_t id = c->next_id;
        c->next_id = (uint16_t)(id == 65535u ? 1u : id + 1u);
        if (find_record(c, id) == NULL && id != c->wait_id) {
            return id;
        }
    }
    return 0; /* unreachable: fewer than 65535 records exist */
}

/*
 * Incoming QoS 2 ids held until PUBREL: a small array for devices, or an
 * 8 KiB bitmap of all 65536 ids for gateways, where a broker may run tens of
 * thousands of ids ahead of its PUBRELs and a scan per packet would dominate.
 */
static bool inbound_has(const mqtls_client_t *c, uint16_t id)
{
    if (c->cfg.inbound_bitmap != NULL) {
        return (c->cfg.inbound_bitmap[id >> 3] >> (id & 7u)) & 1u;
    }
    for (size_t i = 0; i < c->cfg.inbound_count; i++) {
        if (c->cfg.inbound_ids[i] == id) {
            return true;
        }
    }
    return false;
}

static bool inbound_add(mqtls_client_t *c, uint16_t id)
{
    if (c->cfg.inbound_bitmap != NULL) {
        c->cfg.inbound_bitmap[id >> 3] |= (uint8_t)(1u << (id & 7u));
        return true;
    }
    for (size_t i = 0; i < c->cfg.inbound_count; i++) {
        if (c->cfg.inbound_ids[i] == 0u) {
            c->cfg.inbound_ids[i] = id;
            return true;
        }
    }
    return false;
}

static void inbound_remove(mqtls_client_t *c, uint16_t id)
{
    if (c->cfg.inbound_bitmap != NULL) {
        c->cfg.inbound_bitmap[id >> 3] &= (uint8_t)~(1u << (id & 7u));
        return;
    }
    for (size_t i = 0; i < c->cfg.inbound_count; i++) {
        if (c->cfg.inbound_ids[i] == id) {
            c->cfg.inbound_ids[i] = 0;
        }
    }
}

static void inbound_clear(mqtls_client_t *c)
{
    if (c->cfg.inbound_bitmap != NULL) {
        memset(c->cfg.inbound_bitmap, 0, MQTLS_INBOUND_BITMAP_SIZE);
    }
    if (c->cfg.inbound_ids != NULL) {
        memset(c->cfg.inbound_ids, 0, c->cfg.inbound_count * sizeof(c->cfg.inbound_ids[0]));
    }
}

/* ---- transmitter ------------------------------------------------------------------ */

static bool tx_idle(const mqtls_client_t *c)
{
    return c->tx_pend == 0u && c->resp_type == 0u;
}

/* Encode the parked response into tx_buf. */
static int32_t load_response(mqtls_client_t *c)
{
    int32_t n;
    if (c->resp_type == MQTLS_PKT_PINGREQ) {
        n = mqtls_encode_empty(c->cfg.tx_buf, c->cfg.tx_len, c->version, MQTLS_PKT_PINGREQ);
    } else {
        n = mqtls_encode_ack(c->cfg.tx_buf, c->cfg.tx_len, c->version, c->resp_type, c->resp_id);
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
            return fail(c, n);
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
static int32_t park_response(mqtls_client_t *c, uint8_t type, uint16_t id)
{
    if (c->tx_off == 0u && c->resp_type == 0u && c->cfg.tx_len - c->tx_pend >= 4u) {
        int32_t n = type == MQTLS_PKT_PINGREQ
                        ? mqtls_encode_empty(c->cfg.tx_buf + c->tx_pend, 4u, c->version, type)
                        : mqtls_encode_ack(c->cfg.tx_buf + c->tx_pend, 4u, c->version, type, id);
        if (n > 0) {
            c->tx_pend += (size_t)n;
            return MQTLS_OK;
        }
    }
    c->resp_type = type;
    c->resp_id = id;
    return MQTLS_OK;
}

/* ---- resend after reconnect ----------------------------------------------------------- */

/* The oldest record not yet resent, or NULL. */
static mqtls_inflight_t *next_resend(mqtls_client_t *c)
{
    mqtls_inflight_t *best = NULL;
    for (size_t i = 0; i < c->cfg.outbound_count; i++) {
        mqtls_inflight_t *r = &c->cfg.outbound[i];
        if (r->state == REC_FREE || elapsed(r->seq, c->resend_after) == 0u ||
            elapsed(r->seq, c->resend_after) > 0x7FFFFFFFu) {
            continue; /* free, or already resent (seq <= resend_after, wrap-safe) */
        }
        if (best == NULL || elapsed(r->seq, best->seq) > 0x7FFFFFFFu) {
            best = r;
        }
    }
    return best;
}

static int32_t resend(mqtls_client_t *c, uint32_t start, uint32_t timeout)
{
    while (c->resend_pending) {
        int32_t rc = flush(c, start, timeout);
        if (rc != MQTLS_OK) {
            return rc;
        }
        mqtls_inflight_t *r = next_resend(c);
        if (r == NULL) {
            c->resend_pending = false;
            break;
        }
        c->resend_after = r->seq;
        int32_t n;
        if (r->state == REC_WAIT_PUBCOMP) {
            n = mqtls_encode_ack(c->cfg.tx_buf, c->cfg.tx_len, c->version, MQTLS_PKT_PUBREL, r->packet_id);
        } else {
            n = c->cfg.store->get(c->cfg.store->ctx, r->packet_id, c->cfg.tx_buf, c->cfg.tx_len);
            if (n > 0) {
                c->cfg.tx_buf[0] |= 0x08u; /* DUP [MQTT-3.3.1-1] */
            }
        }
        if (n <= 0) {
            /* The store lost the packet (a custom store may): nothing to resend. */
            release_record(r);
            continue;
        }
        c->tx_off = 0;
        c->tx_pend = (size_t)n;
    }
    return flush(c, start, timeout);
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
static int32_t on_publish(mqtls_client_t *c, const mqtls_publish_t *p, bool complete)
{
    if (p->qos == 2u) {
        /* Deliver once, hold the id until PUBREL (method B, [MQTT-4.3.3-2]). */
        if (!inbound_has(c, p->packet_id)) {
            if (!inbound_add(c, p->packet_id)) {
                return fail(c, MQTLS_ERR_INBOUND_FULL);
            }
            if (complete) {
                deliver(c, p);
            }
        }
        return park_response(c, MQTLS_PKT_PUBREC, p->packet_id);
    }
    if (complete) {
        deliver(c, p);
    }
    if (p->qos == 1u) {
        return park_response(c, MQTLS_PKT_PUBACK, p->packet_id);
    }
    return MQTLS_OK;
}

static void finish_wait(mqtls_client_t *c, int32_t result)
{
    c->wait_result = result;
    c->wait_type = 0;
    c->wait_id = 0;
}

static int32_t on_suback(mqtls_client_t *c, const mqtls_packet_t *pk)
{
    if (c->wait_type != MQTLS_PKT_SUBACK || pk->u.suback.packet_id != c->wait_id) {
        return MQTLS_OK; /* not ours (e.g. after a timed-out call): ignore */
    }
    if (pk->u.suback.count != c->wait_codes_n) {
        return fail(c, MQTLS_ERR_PROTOCOL); /* one code per filter [MQTT-3.9.3-1] */
    }
    int32_t result = MQTLS_OK;
    for (size_t i = 0; i < pk->u.suback.count; i++) {
        if (pk->u.suback.return_codes[i] == 0x80u) {
            result = MQTLS_ERR_SUBSCRIBE_REFUSED;
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

static int32_t on_ack(mqtls_client_t *c, uint8_t type, uint16_t id)
{
    mqtls_inflight_t *r = find_record(c, id);
    switch (type) {
    case MQTLS_PKT_PUBACK:
        if (r != NULL && r->state == REC_WAIT_PUBACK) {
            c->cfg.store->remove(c->cfg.store->ctx, id);
            release_record(r);
        }
        return MQTLS_OK;
    case MQTLS_PKT_PUBREC:
        if (r == NULL || r->state == REC_WAIT_PUBACK) {
            return MQTLS_OK; /* unknown id: nothing of ours to release */
        }
        if (r->state == REC_WAIT_PUBREC) {
            /* The broker owns the message now: never resend the PUBLISH [MQTT-4.3.3-1]. */
            c->cfg.store->remove(c->cfg.store->ctx, id);
            r->state = REC_WAIT_PUBCOMP;
        }
        return park_response(c, MQTLS_PKT_PUBREL, id);
    case MQTLS_PKT_PUBCOMP:
        if (r != NULL && r->state == REC_WAIT_PUBCOMP) {
            release_record(r);
        }
        return MQTLS_OK;
    case MQTLS_PKT_PUBREL:
        inbound_remove(c, id);
        return park_response(c, MQTLS_PKT_PUBCOMP, id);
    default: /* UNSUBACK */
        if (c->wait_type == MQTLS_PKT_UNSUBACK && c->wait_id == id) {
            finish_wait(c, MQTLS_OK);
        }
        return MQTLS_OK;
    }
}

static int32_t handle(mqtls_client_t *c, const mqtls_packet_t *pk)
{
    if (c->state == ST_CONNECTING) {
        if (pk->type != MQTLS_PKT_CONNACK) {
            return fail(c, MQTLS_ERR_CONNACK_EXPECTED);
        }
        c->connack_sp = pk->u.connack.session_present;
        finish_wait(c, connack_error(pk->u.connack.return_code));
        return MQTLS_OK;
    }
    switch (pk->type) {
    case MQTLS_PKT_PUBLISH:
        return on_publish(c, &pk->u.publish, true);
    case MQTLS_PKT_PUBACK:
    case MQTLS_PKT_PUBREC:
    case MQTLS_PKT_PUBREL:
    case MQTLS_PKT_PUBCOMP:
    case MQTLS_PKT_UNSUBACK:
        return on_ack(c, pk->type, pk->u.ack.packet_id);
    case MQTLS_PKT_SUBACK:
        return on_suback(c, pk);
    case MQTLS_PKT_PINGRESP:
        c->ping_outstanding = false;
        return MQTLS_OK;
    default: /* a second CONNACK */
        return fail(c, MQTLS_ERR_PROTOCOL);
    }
}

/* A PUBLISH larger than rx_buf whose head (topic, id) is in the buffer. */
static int32_t handle_oversized(mqtls_client_t *c, const mqtls_fixed_header_t *h, size_t avail)
{
    mqtls_publish_t p;
    int32_t rc = mqtls_decode_publish_head(c->cfg.rx_buf + c->rx_start, avail, h, c->version, &p);
    if (rc == MQTLS_ERR_WANT_READ) {
        /* Not even topic and id fit once the buffer is full: nothing we can do. */
        return c->rx_start == 0u && c->rx_end == c->cfg.rx_len ? fail(c, MQTLS_ERR_RX_BUFFER_TOO_SMALL) : rc;
    }
    if (rc < 0) {
        return fail(c, rc);
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
            return fail(c, rc);
        }
        if (c->state == ST_CONNECTING && h.type != MQTLS_PKT_CONNACK) {
            return fail(c, MQTLS_ERR_CONNACK_EXPECTED); /* e.g. not an MQTT server at all */
        }
        size_t total = (size_t)h.header_len + h.remaining_length;
        if (total > avail) {
            if (total <= c->cfg.rx_len) {
                break; /* the rest is still on its way */
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
            rc = mqtls_decode_packet(c->cfg.rx_buf + c->rx_start, total, c->version, &pk);
            if (rc < 0) {
                return fail(c, rc);
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
    return n;
}

/* ---- keepalive ------------------------------------------------------------------------ */

/* Time until the next keepalive event (ms), UINT32_MAX when none. */
static uint32_t keepalive_due(mqtls_client_t *c)
{
    if (c->state != ST_CONNECTED || c->keepalive_s == 0u) {
        return UINT32_MAX;
    }
    uint32_t t = now(c);
    uint32_t period = c->ping_outstanding ? ping_timeout(c) : (uint32_t)c->keepalive_s * 1000u;
    uint32_t since = elapsed(t, c->ping_outstanding ? c->ping_sent_ms : c->last_tx_ms);
    return since >= period ? 0u : period - since;
}

static int32_t keepalive(mqtls_client_t *c)
{
    if (keepalive_due(c) != 0u) {
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
    return park_response(c, MQTLS_PKT_PINGREQ, 0);
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
            int32_t h = process_buffered(c, MQTLS_CONFIG_LOOP_MAX_PACKETS - handled);
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
        if (tx_idle(c)) {
            /* Always try one read, so that loop(c, 0) polls. */
            int32_t n = fill(c);
            if (n < 0) {
                return n;
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

int32_t mqtls_client_init(mqtls_client_t *c, const mqtls_client_config_t *cfg)
{
    if (c == NULL || cfg == NULL || cfg->tx_buf == NULL || cfg->rx_buf == NULL || cfg->tx_len < 16u ||
        cfg->rx_len < 16u || cfg->now_ms == NULL || (cfg->outbound == NULL && cfg->outbound_count > 0u) ||
        (cfg->inbound_ids == NULL && cfg->inbound_count > 0u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (cfg->store != NULL && (cfg->store->put == NULL || cfg->store->get == NULL || cfg->store->remove == NULL)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(c, 0, sizeof(*c));
    c->cfg = *cfg;
    c->next_id = 1;
    c->version = MQTLS_PROTO_V311;
    clear_session(c);
    return MQTLS_OK;
}

int32_t mqtls_client_connect(mqtls_client_t *c, const mqtls_transport_t *t, const mqtls_connect_t *conn,
                             bool *session_present, uint32_t timeout_ms)
{
    if (c == NULL || t == NULL || conn == NULL || t->send == NULL || t->recv == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (c->in_callback) {
        return MQTLS_ERR_BUSY;
    }
    if (conn->protocol_version != MQTLS_PROTO_V311) {
        return MQTLS_ERR_NOT_SUPPORTED;
    }
    int32_t n = mqtls_encode_connect(NULL, 0, conn);
    if (n < 0) {
        return n;
    }
    if ((size_t)n > c->cfg.tx_len) {
        return MQTLS_ERR_TX_BUFFER_TOO_SMALL;
    }
    /* Connecting again abandons an old connection without closing it: the
     * caller may already have reopened the same transport object. */
    c->state = ST_DISCONNECTED;
    uint32_t start = now(c);
    c->tr = *t;
    c->version = conn->protocol_version;
    reset_io(c);
    if (conn->clean_session) {
        clear_session(c);
    }
    (void)mqtls_encode_connect(c->cfg.tx_buf, c->cfg.tx_len, conn);
    c->state = ST_CONNECTING;
    c->wait_type = MQTLS_PKT_CONNACK;
    int32_t rc = exchange(c, (size_t)n, start, timeout_ms);
    if (rc < 0) {
        return rc;
    }
    if (c->wait_result != MQTLS_OK) {
        return fail(c, c->wait_result);
    }
    bool sp = c->connack_sp;
    if (sp && conn->clean_session) {
        return fail(c, MQTLS_ERR_SESSION_PRESENT_INVALID);
    }
    if (session_present != NULL) {
        *session_present = sp;
    }
    if (!sp) {
        inbound_clear(c); /* the broker forgot the session: its QoS 2 ids may be reused */
    }
    c->state = ST_CONNECTED;
    c->keepalive_s = conn->keepalive_s;
    c->last_tx_ms = now(c);
    c->resend_pending = !conn->clean_session && mqtls_client_outstanding(c) > 0u;
    c->resend_after = c->seq - 0x7FFFFFFFu; /* everything in flight is "after" this */
    rc = resend(c, start, timeout_ms);
    return rc == MQTLS_ERR_WANT_WRITE ? MQTLS_OK : rc; /* loop() finishes the resend */
}

int32_t mqtls_client_publish(mqtls_client_t *c, const mqtls_publish_t *msg, uint16_t *packet_id)
{
    int32_t rc = check_ready(c);
    if (rc < 0 || msg == NULL) {
        return rc < 0 ? rc : MQTLS_ERR_INVALID_ARG;
    }
    if (msg->qos > 2u) {
        return MQTLS_ERR_BAD_QOS;
    }
    if (msg->qos > 0u && (c->cfg.store == NULL || c->cfg.outbound_count == 0u)) {
        return MQTLS_ERR_NO_STORE;
    }
    rc = resend(c, now(c), 0); /* resends first, keeping the original order */
    if (rc < 0) {
        return rc;
    }
    mqtls_inflight_t *r = NULL;
    mqtls_publish_t p = *msg;
    p.dup = false;
    p.packet_id = 0;
    if (msg->qos > 0u) {
        r = take_free_record(c);
        if (r == NULL) {
            return MQTLS_ERR_INFLIGHT_FULL;
        }
        p.packet_id = alloc_id(c);
    }
    int32_t n = mqtls_encode_publish(NULL, 0, c->version, &p);
    if (n < 0) {
        return n;
    }
    if ((size_t)n > c->cfg.tx_len) {
        return MQTLS_ERR_TX_BUFFER_TOO_SMALL;
    }
    (void)mqtls_encode_publish(c->cfg.tx_buf, c->cfg.tx_len, c->version, &p);
    if (r != NULL) {
        rc = c->cfg.store->put(c->cfg.store->ctx, p.packet_id, c->cfg.tx_buf, (size_t)n);
        if (rc < 0) {
            return rc;
        }
        r->packet_id = p.packet_id;
        r->qos = p.qos;
        r->state = p.qos == 1u ? REC_WAIT_PUBACK : REC_WAIT_PUBREC;
        r->seq = ++c->seq;
    }
    if (packet_id != NULL) {
        *packet_id = p.packet_id;
    }
    rc = transmit(c, (size_t)n, now(c), 0);
    return rc == MQTLS_ERR_WANT_WRITE ? MQTLS_OK : rc; /* loop() sends the rest */
}

static int32_t sub_unsub(mqtls_client_t *c, uint8_t type, const mqtls_subscription_t *subs, size_t n,
                         uint8_t *granted, uint32_t timeout_ms)
{
    int32_t rc = check_blocking(c);
    if (rc < 0) {
        return rc;
    }
    uint32_t start = now(c);
    uint16_t id = alloc_id(c);
    int32_t len = type == MQTLS_PKT_SUBSCRIBE ? mqtls_encode_subscribe(NULL, 0, c->version, id, subs, n)
                                              : mqtls_encode_unsubscribe(NULL, 0, c->version, id, subs, n);
    if (len < 0) {
        return len;
    }
    if ((size_t)len > c->cfg.tx_len) {
        return MQTLS_ERR_TX_BUFFER_TOO_SMALL;
    }
    rc = drain(c, start, timeout_ms);
    if (rc < 0) {
        return rc;
    }
    if (type == MQTLS_PKT_SUBSCRIBE) {
        (void)mqtls_encode_subscribe(c->cfg.tx_buf, c->cfg.tx_len, c->version, id, subs, n);
        c->wait_type = MQTLS_PKT_SUBACK;
    } else {
        (void)mqtls_encode_unsubscribe(c->cfg.tx_buf, c->cfg.tx_len, c->version, id, subs, n);
        c->wait_type = MQTLS_PKT_UNSUBACK;
    }
    c->wait_id = id;
    c->wait_codes = granted;
    c->wait_codes_n = n;
    rc = exchange(c, (size_t)len, start, timeout_ms);
    c->wait_codes = NULL;
    return rc < 0 ? rc : c->wait_result;
}

int32_t mqtls_client_subscribe(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                               uint8_t *granted, uint32_t timeout_ms)
{
    return sub_unsub(c, MQTLS_PKT_SUBSCRIBE, subs, n, granted, timeout_ms);
}

int32_t mqtls_client_unsubscribe(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                 uint32_t timeout_ms)
{
    return sub_unsub(c, MQTLS_PKT_UNSUBSCRIBE, subs, n, NULL, timeout_ms);
}

int32_t mqtls_client_loop(mqtls_client_t *c, uint32_t timeout_ms)
{
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

int32_t mqtls_client_disconnect(mqtls_client_t *c)
{
    int32_t rc = check_blocking(c);
    if (rc < 0) {
        return rc;
    }
    uint32_t start = now(c);
    rc = flush(c, start, MQTLS_CONFIG_DISCONNECT_TIMEOUT_MS);
    if (rc == MQTLS_OK) {
        int32_t n = mqtls_encode_empty(c->cfg.tx_buf, c->cfg.tx_len, c->version, MQTLS_PKT_DISCONNECT);
        rc = n < 0 ? n : transmit(c, (size_t)n, start, MQTLS_CONFIG_DISCONNECT_TIMEOUT_MS);
    }
    if (rc == MQTLS_ERR_WANT_WRITE) {
        rc = MQTLS_ERR_TIMEOUT;
    }
    (void)fail(c, MQTLS_OK);
    return rc;
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

size_t mqtls_client_outstanding(const mqtls_client_t *c)
{
    size_t n = 0;
    if (c == NULL) {
        return 0;
    }
    for (size_t i = 0; i < c->cfg.outbound_count; i++) {
        n += c->cfg.outbound[i].state != REC_FREE ? 1u : 0u;
    }
    return n;
}

uint32_t mqtls_client_dropped(const mqtls_client_t *c)
{
    return c == NULL ? 0u : c->dropped;
}
