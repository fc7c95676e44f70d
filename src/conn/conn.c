/* SPDX-License-Identifier: MIT
 * mqtls: the connection manager -- reconnect with jittered backoff, re-subscribe, offline queue. */
/*
 * see mqtls/conn.h
 *
 * A small state machine over the client: IDLE (nothing tried yet), WAITING
 * (an attempt is due at next_at), CONNECTED, STOPPED. Every path that loses
 * a connection goes through lost(), which classifies the cause once and
 * either schedules the next attempt or stops: so "which errors reconnect"
 * is decided in exactly one function, classify().
 *
 * The backoff is a pure function of (policy, attempt, random) so it can be
 * tested exhaustively and reused by firmware that has its own loop. The cap
 * doubles by shifting, stopping as soon as it reaches max_ms, so no attempt
 * number overflows.
 *
 * The offline queue is a linear arena (as the RAM message store): records
 * are appended at q_used, consumed from q_head, and the live part is moved
 * to the front when the tail has no room. Rejected: a ring buffer (records
 * would wrap and need copying out anyway to be handed to the client as one
 * topic and one payload).
 *
 * Freestanding: <stdint.h> <stddef.h> <stdbool.h> <string.h> only.
 */
#include "mqtls/conn.h"

#include <string.h>

#include "mqtls/topic.h"

enum { ST_IDLE = 0, ST_WAITING, ST_CONNECTED, ST_STOPPED };

#define DEFAULT_TIMEOUT_MS 10000u
#define QREC_HEADER 8u /* flags(1) reserved(1) topic_len(2) payload_len(4) */

/* ---- backoff ------------------------------------------------------------------ */

static uint32_t or_default(uint32_t v, uint32_t def)
{
    return v != 0u ? v : def;
}

uint32_t mqtls_backoff_cap(const mqtls_backoff_t *policy, uint32_t attempt)
{
    uint32_t base = or_default(policy != NULL ? policy->base_ms : 0u, MQTLS_CONN_DEFAULT_BASE_MS);
    uint32_t max = or_default(policy != NULL ? policy->max_ms : 0u, MQTLS_CONN_DEFAULT_MAX_MS);
    uint32_t cap = base < max ? base : max;
    for (uint32_t i = 0; i < attempt && cap < max; i++) {
        cap = cap > max / 2u ? max : cap * 2u;
    }
    return cap;
}

uint32_t mqtls_backoff_next(const mqtls_backoff_t *policy, uint32_t attempt, uint32_t random)
{
    uint32_t cap = mqtls_backoff_cap(policy, attempt);
    return cap == UINT32_MAX ? random : random % (cap + 1u); /* full jitter: [0, cap] */
}

/* ---- error classes ---------------------------------------------------------------- */

/*
 * The classes come from the error table (mqtls_err_class()); the one thing
 * the table cannot know is which MQTT 5 refusal is worth another attempt,
 * so REFUSED_V5 is split here by its reason code.
 */
static int classify_v5_refusal(uint8_t reason)
{
    switch (reason) {
    case 0x88u: /* server unavailable */
    case 0x89u: /* server busy */
    case 0x97u: /* quota exceeded */
    case 0x9Cu: /* use another server */
    case 0x9Du: /* server moved */
    case 0x9Fu: /* connection rate exceeded */
        return MQTLS_CONN_CLASS_RECONNECT;
    default:
        return MQTLS_CONN_CLASS_FATAL;
    }
}

static int from_table(int32_t err)
{
    switch (mqtls_err_class(err)) {
    case MQTLS_ERRCLASS_OK: return MQTLS_CONN_CLASS_OK;
    case MQTLS_ERRCLASS_TRANSIENT: return MQTLS_CONN_CLASS_TRANSIENT;
    case MQTLS_ERRCLASS_NONFATAL: return MQTLS_CONN_CLASS_NONFATAL;
    case MQTLS_ERRCLASS_FATAL: return MQTLS_CONN_CLASS_FATAL;
    default: return MQTLS_CONN_CLASS_RECONNECT;
    }
}

int mqtls_conn_classify(int32_t err, uint8_t v5_reason)
{
    if (err == MQTLS_ERR_REFUSED_V5) {
        return classify_v5_refusal(v5_reason);
    }
    return from_table(err);
}

static int classify(const mqtls_conn_t *m, int32_t err)
{
    return mqtls_conn_classify(err, mqtls_client_reason(m->cfg.client, NULL, NULL));
}

/* ---- helpers ---------------------------------------------------------------------- */

static uint32_t now(const mqtls_conn_t *m)
{
    return m->cfg.now_ms(m->cfg.user);
}

static void emit(const mqtls_conn_t *m, mqtls_conn_event_t *ev)
{
    if (m->cfg.on_event != NULL) {
        m->cfg.on_event(m->cfg.user, ev);
    }
}

static int32_t stop(mqtls_conn_t *m, int32_t err)
{
    m->state = ST_STOPPED;
    m->stop_err = err;
    mqtls_conn_event_t ev = { .type = MQTLS_CONN_EV_GAVE_UP, .err = err, .stage = m->stage };
    emit(m, &ev);
    return err;
}

/* Schedule the next attempt after `err` ended an attempt or a connection. */
static int32_t schedule(mqtls_conn_t *m, int32_t err, int cls)
{
    uint32_t delay;
    if (cls == MQTLS_CONN_CLASS_FATAL) {
        if (m->cfg.on_fatal != MQTLS_CONN_FATAL_BACKOFF_MAX) {
            return stop(m, err);
        }
        delay = or_default(m->cfg.backoff.max_ms, MQTLS_CONN_DEFAULT_MAX_MS);
    } else {
        delay = mqtls_backoff_next(&m->cfg.backoff, m->attempt, m->cfg.random(m->cfg.user));
    }
    mqtls_conn_event_t ev = { .type = MQTLS_CONN_EV_RECONNECTING, .err = err, .delay_ms = delay,
                              .attempt = m->attempt, .stage = m->stage };
    if (m->attempt < UINT32_MAX) {
        m->attempt++;
    }
    m->state = ST_WAITING;
    m->next_at = now(m) + delay;
    emit(m, &ev);
    return MQTLS_OK;
}

/* An attempt failed before the connection was established. */
static int32_t attempt_failed(mqtls_conn_t *m, int32_t err)
{
    int cls = classify(m, err);
    m->in_a_row++;
    if (!m->ever_connected && !m->cfg.retry_first) {
        return stop(m, err);
    }
    if (m->cfg.backoff.max_attempts != 0u && m->in_a_row >= m->cfg.backoff.max_attempts) {
        return stop(m, err);
    }
    return schedule(m, err, cls);
}

/* An established connection ended with err (class RECONNECT or FATAL). */
static int32_t lost(mqtls_conn_t *m, int32_t err)
{
    uint32_t stable = or_default(m->cfg.backoff.stable_ms, MQTLS_CONN_DEFAULT_STABLE_MS);
    if (now(m) - m->up_since >= stable) {
        m->attempt = 0; /* it stayed up: start the backoff again from the bottom */
    }
    m->in_a_row = 0;
    mqtls_client_abort(m->cfg.client); /* already closed by the client; harmless */
    m->stage = MQTLS_CONN_STAGE_CONNECTED;
    mqtls_conn_event_t ev = { .type = MQTLS_CONN_EV_DISCONNECTED, .err = err, .stage = m->stage };
    emit(m, &ev);
    if (m->cfg.no_reconnect) {
        return stop(m, err);
    }
    return schedule(m, err, classify(m, err));
}

/* ---- offline queue ---------------------------------------------------------------- */

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int32_t enqueue(mqtls_conn_t *m, const mqtls_publish_t *msg)
{
    if (msg->props != NULL) {
        return MQTLS_ERR_NOT_SUPPORTED;
    }
    if (msg->qos > 2u) {
        return MQTLS_ERR_BAD_QOS;
    }
    int32_t rc = mqtls_topic_validate_name(msg->topic, msg->topic_len);
    if (rc != MQTLS_OK) {
        return rc; /* refused now, as the client would refuse it when connected */
    }
    if (m->cfg.queue == NULL || m->cfg.queue_len == 0u || (msg->qos == 0u && !m->cfg.queue_qos0)) {
        return MQTLS_ERR_NOT_CONNECTED;
    }
    if (msg->topic_len > 0xFFFFu || msg->payload_len > 0xFFFFFFFFu - 0xFFFFu - QREC_HEADER) {
        return MQTLS_ERR_OFFLINE_FULL;
    }
    size_t need = MQTLS_CONN_QUEUE_RECORD(msg->topic_len, msg->payload_len);
    if (need > m->cfg.queue_len - m->q_used && m->q_head > 0u) {
        memmove(m->cfg.queue, m->cfg.queue + m->q_head, m->q_used - m->q_head);
        m->q_used -= m->q_head;
        m->q_head = 0;
    }
    if (need > m->cfg.queue_len - m->q_used) {
        return MQTLS_ERR_OFFLINE_FULL;
    }
    uint8_t *p = m->cfg.queue + m->q_used;
    p[0] = (uint8_t)(msg->qos | (msg->retain ? 4u : 0u));
    p[1] = 0;
    p[2] = (uint8_t)(msg->topic_len >> 8);
    p[3] = (uint8_t)msg->topic_len;
    uint32_t pl = (uint32_t)msg->payload_len;
    p[4] = (uint8_t)(pl >> 24);
    p[5] = (uint8_t)(pl >> 16);
    p[6] = (uint8_t)(pl >> 8);
    p[7] = (uint8_t)pl;
    memcpy(p + QREC_HEADER, msg->topic, msg->topic_len);
    if (msg->payload_len > 0u) {
        memcpy(p + QREC_HEADER + msg->topic_len, msg->payload, msg->payload_len);
    }
    m->q_used += need;
    m->q_count++;
    return MQTLS_OK;
}

/* Did the last client call end the connection? The client's state says,
 * not the error's class: a FATAL validation error of one message (a bad
 * topic) leaves the connection up. */
static bool gone(const mqtls_conn_t *m)
{
    return !mqtls_client_is_connected(m->cfg.client);
}

/* Send queued messages in order until the queue is empty or the client is
 * busy. @return MQTLS_OK (maybe with some left), or the error that ended
 * the connection / a refusal of one message (which is dropped). */
static int32_t flush_queue(mqtls_conn_t *m)
{
    while (m->q_count > 0u) {
        const uint8_t *p = m->cfg.queue + m->q_head;
        size_t tl = (size_t)p[2] << 8 | p[3];
        uint32_t pl = get32(p + 4);
        mqtls_publish_t msg = { .topic = (const char *)(p + QREC_HEADER), .topic_len = tl,
                                .payload = p + QREC_HEADER + tl, .payload_len = pl,
                                .qos = (uint8_t)(p[0] & 3u), .retain = (p[0] & 4u) != 0u };
        uint16_t id = 0;
        int32_t rc = mqtls_client_publish(m->cfg.client, &msg, &id);
        int cls = classify(m, rc);
        if (cls == MQTLS_CONN_CLASS_TRANSIENT) {
            return MQTLS_OK; /* the next run() goes on */
        }
        if (gone(m) && (msg.qos == 0u || id == 0u)) {
            return rc; /* the connection broke before the client took it: stays queued */
        }
        m->q_head += MQTLS_CONN_QUEUE_RECORD(tl, pl);
        m->q_count--;
        if (m->q_count == 0u) {
            m->q_head = m->q_used = 0;
        }
        if (rc != MQTLS_OK) {
            return rc; /* sent-or-stored and lost, or a refusal reported to the caller */
        }
    }
    return MQTLS_OK;
}

/* ---- connecting ----------------------------------------------------------------------- */

static int32_t resubscribe(mqtls_conn_t *m, mqtls_conn_event_t *ev)
{
    if (m->cfg.subs == NULL || m->cfg.subs_n == 0u) {
        return MQTLS_OK;
    }
    const mqtls_subscribe_opts_t opts = {.props = m->cfg.sub_props};
    int32_t rc =
        mqtls_client_subscribe(m->cfg.client, m->cfg.subs, m->cfg.subs_n, &opts, m->cfg.granted, m->cfg.timeout_ms);
    ev->resubscribed = rc == MQTLS_OK || rc == MQTLS_ERR_SUBSCRIBE_REFUSED;
    ev->sub_rc = rc;
    return rc == MQTLS_ERR_SUBSCRIBE_REFUSED ? MQTLS_OK : rc;
}

static int32_t attempt(mqtls_conn_t *m)
{
    mqtls_transport_t t;
    memset(&t, 0, sizeof t);
    m->stage = MQTLS_CONN_STAGE_OPEN;
    int32_t rc = m->cfg.open(m->cfg.user, &t, m->cfg.timeout_ms);
    if (rc != MQTLS_OK) {
        return attempt_failed(m, rc);
    }
    bool sp = false;
    m->stage = MQTLS_CONN_STAGE_CONNECT;
    rc = mqtls_client_connect(m->cfg.client, &t, m->cfg.connect, &sp, m->cfg.timeout_ms);
    if (rc != MQTLS_OK) {
        if (t.close != NULL) {
            t.close(t.ctx); /* the client closes on most failures; close is safe twice */
        }
        return attempt_failed(m, rc);
    }
    mqtls_conn_event_t ev = { .type = MQTLS_CONN_EV_CONNECTED, .session_present = sp };
    m->stage = MQTLS_CONN_STAGE_SUBSCRIBE;
    bool need = !sp || (m->cfg.subscribe_first && m->connects == 0u);
    rc = need ? resubscribe(m, &ev) : MQTLS_OK;
    if (rc != MQTLS_OK) {
        /* not usable without its subscriptions: this attempt failed */
        mqtls_client_abort(m->cfg.client);
        return attempt_failed(m, rc);
    }
    m->state = ST_CONNECTED;
    m->stage = MQTLS_CONN_STAGE_CONNECTED;
    m->up_since = now(m);
    m->ever_connected = true;
    m->in_a_row = 0;
    m->connects++;
    emit(m, &ev);
    rc = flush_queue(m);
    if (rc != MQTLS_OK && gone(m)) {
        return lost(m, rc);
    }
    return rc;
}

/* ---- public API ------------------------------------------------------------------------ */

int32_t mqtls_conn_init(mqtls_conn_t *m, const mqtls_conn_config_t *cfg)
{
    if (m == NULL || cfg == NULL || cfg->client == NULL || cfg->connect == NULL || cfg->open == NULL ||
        cfg->now_ms == NULL || cfg->random == NULL || (cfg->subs == NULL && cfg->subs_n != 0u) ||
        (cfg->queue == NULL && cfg->queue_len != 0u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    if (m->cfg.timeout_ms == 0u) {
        m->cfg.timeout_ms = DEFAULT_TIMEOUT_MS;
    }
    m->state = ST_IDLE;
    return MQTLS_OK;
}

static int32_t run_connected(mqtls_conn_t *m, uint32_t timeout_ms)
{
    int32_t rc = flush_queue(m);
    if (rc == MQTLS_OK) {
        rc = mqtls_client_loop(m->cfg.client, timeout_ms);
    }
    int cls = classify(m, rc);
    if (cls == MQTLS_CONN_CLASS_OK || cls == MQTLS_CONN_CLASS_TRANSIENT) {
        return MQTLS_OK;
    }
    if (!gone(m)) {
        return rc; /* a report; the connection is still up */
    }
    rc = lost(m, rc);
    return m->state == ST_STOPPED ? rc : MQTLS_OK;
}

int32_t mqtls_conn_run(mqtls_conn_t *m, uint32_t timeout_ms)
{
    if (m == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    switch (m->state) {
    case ST_STOPPED:
        return m->stop_err;
    case ST_CONNECTED:
        return run_connected(m, timeout_ms);
    case ST_IDLE:
        break;
    default: {
        uint32_t left = mqtls_conn_wait_ms(m);
        if (left > 0u) {
            if (m->cfg.sleep_ms == NULL) {
                return MQTLS_OK;
            }
            m->cfg.sleep_ms(m->cfg.user, left < timeout_ms ? left : timeout_ms);
            if (mqtls_conn_wait_ms(m) > 0u) {
                return MQTLS_OK;
            }
        }
        break;
    }
    }
    int32_t rc = attempt(m);
    return m->state == ST_STOPPED ? m->stop_err : (classify(m, rc) == MQTLS_CONN_CLASS_NONFATAL ? rc : MQTLS_OK);
}

int32_t mqtls_conn_publish(mqtls_conn_t *m, const mqtls_publish_t *msg)
{
    if (m == NULL || msg == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (m->state == ST_STOPPED) {
        return m->stop_err;
    }
    if (m->state != ST_CONNECTED) {
        return enqueue(m, msg);
    }
    if (m->q_count > 0u) {
        /* keep the order: nothing overtakes what is still queued */
        int32_t rc = flush_queue(m);
        if (rc != MQTLS_OK && gone(m)) {
            (void)lost(m, rc);
            return m->state == ST_STOPPED ? m->stop_err : enqueue(m, msg);
        }
        if (m->q_count > 0u) {
            return enqueue(m, msg);
        }
    }
    uint16_t id = 0;
    int32_t rc = mqtls_client_publish(m->cfg.client, msg, &id);
    if (rc == MQTLS_OK || !gone(m)) {
        return rc; /* sent, "retry", or this message refused: the connection is up */
    }
    (void)lost(m, rc);
    if (m->state == ST_STOPPED) {
        return m->stop_err;
    }
    /* QoS 1/2 stored before the failure: the client resends it after the reconnect */
    return msg->qos > 0u && id != 0u ? MQTLS_OK : enqueue(m, msg);
}

int32_t mqtls_conn_stop(mqtls_conn_t *m)
{
    if (m == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    int32_t rc = MQTLS_OK;
    if (m->state == ST_CONNECTED) {
        rc = mqtls_client_disconnect(m->cfg.client, NULL);
    }
    m->state = ST_STOPPED;
    m->stop_err = MQTLS_ERR_NOT_CONNECTED;
    return rc;
}

bool mqtls_conn_connected(const mqtls_conn_t *m)
{
    return m != NULL && m->state == ST_CONNECTED;
}

bool mqtls_conn_stopped(const mqtls_conn_t *m)
{
    return m != NULL && m->state == ST_STOPPED;
}

uint32_t mqtls_conn_wait_ms(const mqtls_conn_t *m)
{
    if (m == NULL || m->state != ST_WAITING) {
        return 0;
    }
    uint32_t left = m->next_at - now(m);
    return left > 0x7FFFFFFFu ? 0u : left; /* past due (wrap-safe) */
}

uint32_t mqtls_conn_queued(const mqtls_conn_t *m)
{
    return m != NULL ? m->q_count : 0u;
}

uint32_t mqtls_conn_connects(const mqtls_conn_t *m)
{
    return m != NULL ? m->connects : 0u;
}
