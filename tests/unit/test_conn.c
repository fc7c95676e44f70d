/* SPDX-License-Identifier: MIT
 * mqtls tests: the connection manager (backoff, error classes, reconnect, resubscribe, offline queue). */
/*
 * The manager over a real client over script_transport. Each "connection"
 * the manager opens is a fresh script (the clock carries over), shaped by
 * a plan: the open fails with an error, or the broker answers CONNACK with
 * a session-present flag and a return code. A thin wrapper around the
 * script's send answers SUBSCRIBE with SUBACK (and, when asked, QoS 1
 * PUBLISH with PUBACK) for whatever packet id the client chose, so the
 * tests never guess ids. Time moves only through the fake clock: sleeps
 * advance it and are recorded, nothing really waits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mqtls/conn.h"
#include "script_transport.h"

/* ---- fixture ------------------------------------------------------------------ */

#define MAX_PLAN 16
#define MAX_EVENTS 64

typedef struct {
    int32_t open_err; /* non-zero: open fails with it */
    bool sp;          /* CONNACK session present */
    uint8_t rc;       /* CONNACK return code */
} step_t;

typedef struct {
    mqtls_client_t c;
    script_t s;
    uint8_t tx[512], rx[512], arena[2048];
    mqtls_inflight_t out[8];
    uint16_t in_ids[4];
    mqtls_memstore_t ms;
    mqtls_store_t store;
    mqtls_conn_t m;
    mqtls_conn_config_t mc;
    mqtls_connect_t conn;
    mqtls_subscription_t sub;
    uint8_t granted[1];
    uint8_t queue[128];
    step_t plan[MAX_PLAN];
    size_t nplan, opens;
    uint32_t random;
    bool auto_puback;
    bool no_suback;
    unsigned subscribes; /* SUBSCRIBE packets seen, over every connection */
    mqtls_conn_event_t ev[MAX_EVENTS];
    size_t nev;
    uint32_t slept;
} fx_t;

static uint32_t fx_now(void *user)
{
    return ((fx_t *)user)->s.clock;
}

static uint32_t fx_random(void *user)
{
    return ((fx_t *)user)->random;
}

static void fx_sleep(void *user, uint32_t ms)
{
    fx_t *f = user;
    f->s.clock += ms;
    f->slept += ms;
}

static void fx_event(void *user, const mqtls_conn_event_t *ev)
{
    fx_t *f = user;
    if (f->nev < MAX_EVENTS) {
        f->ev[f->nev++] = *ev;
    }
}

/* The script's send, plus a broker that answers SUBSCRIBE (and QoS 1 PUBLISH). */
static int32_t wrap_send(void *ctx, const uint8_t *buf, size_t len)
{
    fx_t *f = ctx;
    mqtls_transport_t t;
    script_transport(&f->s, &t);
    int32_t n = t.send(t.ctx, buf, len);
    mqtls_fixed_header_t h;
    if (n == (int32_t)len && mqtls_decode_fixed_header(buf, len, &h) == MQTLS_OK) {
        const uint8_t *v = buf + h.header_len;
        if (h.type == MQTLS_PKT_SUBSCRIBE && !f->no_suback) {
            f->subscribes++;
            script_push_suback(&f->s, (uint16_t)(v[0] << 8 | v[1]), (const uint8_t[]){ 1 }, 1);
        } else if (h.type == MQTLS_PKT_PUBLISH && ((h.flags >> 1) & 3u) == 1u && f->auto_puback) {
            size_t tl = (size_t)v[0] << 8 | v[1];
            script_push_ack(&f->s, MQTLS_PKT_PUBACK, (uint16_t)(v[2 + tl] << 8 | v[3 + tl]));
        }
    }
    return n;
}

static int32_t wrap_recv(void *ctx, uint8_t *buf, size_t len)
{
    fx_t *f = ctx;
    mqtls_transport_t t;
    script_transport(&f->s, &t);
    return t.recv(t.ctx, buf, len);
}

static int32_t wrap_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    fx_t *f = ctx;
    mqtls_transport_t t;
    script_transport(&f->s, &t);
    return t.wait(t.ctx, events, timeout_ms);
}

static void wrap_close(void *ctx)
{
    fx_t *f = ctx;
    f->s.closes++;
}

/* The manager's open(): the next step of the plan on a fresh script. */
static int32_t fx_open(void *user, mqtls_transport_t *out, uint32_t timeout_ms)
{
    fx_t *f = user;
    (void)timeout_ms;
    assert_true(f->opens < f->nplan); /* an attempt the test did not plan for */
    const step_t *st = &f->plan[f->opens++];
    if (st->open_err != 0) {
        return st->open_err;
    }
    uint32_t clock = f->s.clock;
    script_free(&f->s);
    script_init(&f->s);
    f->s.clock = clock;
    f->s.auto_pingresp = true;
    script_push_connack(&f->s, st->sp, st->rc);
    *out = (mqtls_transport_t){ .ctx = f, .send = wrap_send, .recv = wrap_recv, .wait = wrap_wait,
                                .close = wrap_close };
    return MQTLS_OK;
}

static void plan(fx_t *f, int32_t open_err, bool sp, uint8_t rc)
{
    assert_true(f->nplan < MAX_PLAN);
    f->plan[f->nplan++] = (step_t){ .open_err = open_err, .sp = sp, .rc = rc };
}

static fx_t *fx_new(bool clean)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    script_init(&f->s);
    assert_int_equal(mqtls_memstore_init(&f->ms, f->arena, sizeof f->arena, &f->store), MQTLS_OK);
    mqtls_client_config_t cfg = {
        .tx_buf = f->tx, .tx_len = sizeof f->tx, .rx_buf = f->rx, .rx_len = sizeof f->rx,
        .outbound = f->out, .outbound_count = 8, .inbound_ids = f->in_ids, .inbound_count = 4,
        .store = &f->store, .now_ms = fx_now, .now_user = f, .ping_timeout_ms = 3000 };
    assert_int_equal(mqtls_client_init(&f->c, &cfg), MQTLS_OK);
    f->conn = (mqtls_connect_t){ .protocol_version = MQTLS_PROTO_V311, .clean_session = clean,
                                 .keepalive_s = 0, .client_id = "dev1", .client_id_len = 4 };
    f->sub = (mqtls_subscription_t){ .filter = "cmd/#", .filter_len = 5, .qos = 1 };
    f->random = 0xFFFFFFFFu;
    f->mc = (mqtls_conn_config_t){
        .client = &f->c, .connect = &f->conn, .subs = &f->sub, .subs_n = 1, .granted = f->granted,
        .backoff = { .base_ms = 100, .max_ms = 5000, .stable_ms = 60000 },
        .open = fx_open, .now_ms = fx_now, .random = fx_random, .sleep_ms = fx_sleep,
        .on_event = fx_event, .user = f, .timeout_ms = 1000, .retry_first = true,
        .queue = f->queue, .queue_len = sizeof f->queue };
    return f;
}

static void fx_start(fx_t *f)
{
    assert_int_equal(mqtls_conn_init(&f->m, &f->mc), MQTLS_OK);
}

static void fx_free(fx_t *f)
{
    script_free(&f->s);
    free(f);
}

/* The broker drops the current connection: the next read fails. */
static void drop(fx_t *f)
{
    f->s.recv_error = MQTLS_ERR_CLOSED;
}

/* Run until connected (or stopped), at most n calls. */
static void run_until_connected(fx_t *f, int n)
{
    for (int i = 0; i < n && !mqtls_conn_connected(&f->m) && !mqtls_conn_stopped(&f->m); i++) {
        (void)mqtls_conn_run(&f->m, 100000);
    }
}

static int count_events(const fx_t *f, int type)
{
    int n = 0;
    for (size_t i = 0; i < f->nev; i++) {
        n += f->ev[i].type == type ? 1 : 0;
    }
    return n;
}

/* ---- backoff ------------------------------------------------------------------- */

static void backoff_cap_doubles_from_base_up_to_the_maximum(void **state)
{
    (void)state;
    mqtls_backoff_t p = { .base_ms = 500, .max_ms = 30000 };
    static const uint32_t want[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
    for (uint32_t a = 0; a < sizeof want / sizeof want[0]; a++) {
        assert_int_equal(mqtls_backoff_cap(&p, a), want[a]);
    }
    /* no overflow, however many attempts, however large the maximum */
    assert_int_equal(mqtls_backoff_cap(&p, UINT32_MAX), 30000);
    mqtls_backoff_t big = { .base_ms = 3, .max_ms = UINT32_MAX };
    assert_int_equal(mqtls_backoff_cap(&big, 31), UINT32_MAX);
    assert_int_equal(mqtls_backoff_cap(&big, 1000), UINT32_MAX);
    assert_true(mqtls_backoff_cap(&big, 30) < UINT32_MAX);
    /* base above max: the max is the cap from the start */
    mqtls_backoff_t inv = { .base_ms = 9000, .max_ms = 1000 };
    assert_int_equal(mqtls_backoff_cap(&inv, 0), 1000);
    /* NULL and zero fields: the documented defaults */
    assert_int_equal(mqtls_backoff_cap(NULL, 0), MQTLS_CONN_DEFAULT_BASE_MS);
    assert_int_equal(mqtls_backoff_cap(NULL, 100), MQTLS_CONN_DEFAULT_MAX_MS);
}

static void backoff_is_full_jitter_over_zero_to_cap(void **state)
{
    (void)state;
    mqtls_backoff_t p = { .base_ms = 500, .max_ms = 30000 };
    for (uint32_t a = 0; a < 12; a++) {
        uint32_t cap = mqtls_backoff_cap(&p, a);
        /* both ends of the range are reachable */
        assert_int_equal(mqtls_backoff_next(&p, a, 0), 0);
        assert_int_equal(mqtls_backoff_next(&p, a, cap), cap);
        /* every random value lands inside [0, cap] */
        uint32_t r = 0x9E3779B9u;
        for (int i = 0; i < 2000; i++) {
            r = r * 1664525u + 1013904223u;
            uint32_t d = mqtls_backoff_next(&p, a, r);
            assert_true(d <= cap);
            assert_int_equal(d, r % (cap + 1u)); /* pure: a function of its inputs */
        }
        assert_true(mqtls_backoff_next(&p, a, UINT32_MAX) <= cap);
    }
    mqtls_backoff_t big = { .base_ms = 1, .max_ms = UINT32_MAX };
    assert_int_equal(mqtls_backoff_next(&big, 64, 12345u), 12345u);
}

/* ---- error classes ---------------------------------------------------------------- */

static void errors_are_classified_reconnect_or_stop(void **state)
{
    (void)state;
    assert_int_equal(mqtls_conn_classify(MQTLS_OK, 0), MQTLS_CONN_CLASS_OK);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_INFLIGHT_FULL, 0), MQTLS_CONN_CLASS_TRANSIENT);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_MESSAGE_TOO_LARGE, 0), MQTLS_CONN_CLASS_NONFATAL);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_CLOSED, 0), MQTLS_CONN_CLASS_RECONNECT);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_CONNECT_REFUSED, 0), MQTLS_CONN_CLASS_RECONNECT);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_KEEPALIVE_TIMEOUT, 0), MQTLS_CONN_CLASS_RECONNECT);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_REFUSED_SERVER_UNAVAILABLE, 0), MQTLS_CONN_CLASS_RECONNECT);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_REFUSED_BAD_CREDENTIALS, 0), MQTLS_CONN_CLASS_FATAL);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_REFUSED_NOT_AUTHORIZED, 0), MQTLS_CONN_CLASS_FATAL);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_TLS_UNKNOWN_CA, 0), MQTLS_CONN_CLASS_FATAL);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_TLS_BAD_KEY_FILE, 0), MQTLS_CONN_CLASS_FATAL);
    /* MQTT 5: by reason code */
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_REFUSED_V5, 0x87), MQTLS_CONN_CLASS_FATAL);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_REFUSED_V5, 0x86), MQTLS_CONN_CLASS_FATAL);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_REFUSED_V5, 0x88), MQTLS_CONN_CLASS_RECONNECT);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_REFUSED_V5, 0x89), MQTLS_CONN_CLASS_RECONNECT);
    assert_int_equal(mqtls_conn_classify(MQTLS_ERR_REFUSED_V5, 0x97), MQTLS_CONN_CLASS_RECONNECT);
}

/* ---- reconnecting -------------------------------------------------------------------- */

static void events_come_in_order_through_a_loss_and_a_failed_attempt(void **state)
{
    (void)state;
    fx_t *f = fx_new(false);
    f->random = 7;
    fx_start(f);
    plan(f, 0, false, 0);
    plan(f, MQTLS_ERR_CONNECT_REFUSED, false, 0);
    plan(f, 0, true, 0);
    assert_int_equal(mqtls_conn_connects(&f->m), 0);
    run_until_connected(f, 1);
    assert_true(mqtls_conn_connected(&f->m));
    assert_int_equal(mqtls_conn_connects(&f->m), 1);
    drop(f);
    assert_int_equal(mqtls_conn_run(&f->m, 10), MQTLS_OK); /* the loss is not an error of run() */
    assert_false(mqtls_conn_connected(&f->m));
    run_until_connected(f, 10);
    assert_true(mqtls_conn_connected(&f->m));
    assert_int_equal(mqtls_conn_connects(&f->m), 2); /* the refused attempt does not count */
    static const int want[] = { MQTLS_CONN_EV_CONNECTED, MQTLS_CONN_EV_DISCONNECTED, MQTLS_CONN_EV_RECONNECTING,
                                MQTLS_CONN_EV_RECONNECTING, MQTLS_CONN_EV_CONNECTED };
    assert_int_equal(f->nev, 5);
    for (size_t i = 0; i < 5; i++) {
        assert_int_equal(f->ev[i].type, want[i]);
    }
    assert_int_equal(f->ev[1].err, MQTLS_ERR_CLOSED);
    assert_int_equal(f->ev[1].stage, MQTLS_CONN_STAGE_CONNECTED);
    assert_int_equal(f->ev[3].stage, MQTLS_CONN_STAGE_OPEN);
    assert_int_equal(f->ev[2].err, MQTLS_ERR_CLOSED);
    assert_int_equal(f->ev[3].err, MQTLS_ERR_CONNECT_REFUSED);
    assert_int_equal(f->ev[2].attempt, 0);
    assert_int_equal(f->ev[3].attempt, 1);
    assert_int_equal(f->ev[2].delay_ms, 7 % 101);  /* random % (cap + 1), cap 100 */
    assert_int_equal(f->ev[3].delay_ms, 7 % 201);  /* cap 200 */
    assert_int_equal(f->slept, 14);                /* the delays were waited out, nothing more */
    assert_false(f->ev[0].session_present);
    assert_true(f->ev[4].session_present);
    fx_free(f);
}

static void backoff_grows_on_quick_losses_and_resets_after_a_stable_connection(void **state)
{
    (void)state;
    fx_t *f = fx_new(false);
    fx_start(f);
    for (int i = 0; i < 6; i++) {
        plan(f, 0, true, 0);
    }
    run_until_connected(f, 1);
    uint32_t seen[5];
    for (int i = 0; i < 5; i++) {
        if (i == 3) {
            f->s.clock += 60000; /* this connection stayed up for stable_ms */
        }
        drop(f);
        (void)mqtls_conn_run(&f->m, 10);
        const mqtls_conn_event_t *ev = &f->ev[f->nev - 1];
        assert_int_equal(ev->type, MQTLS_CONN_EV_RECONNECTING);
        seen[i] = ev->attempt;
        run_until_connected(f, 5);
        assert_true(mqtls_conn_connected(&f->m));
    }
    assert_int_equal(seen[0], 0);
    assert_int_equal(seen[1], 1);
    assert_int_equal(seen[2], 2);
    assert_int_equal(seen[3], 0); /* reset */
    assert_int_equal(seen[4], 1);
    fx_free(f);
}

static void a_refused_connack_for_bad_credentials_stops_instead_of_retrying(void **state)
{
    (void)state;
    fx_t *f = fx_new(false);
    fx_start(f);
    plan(f, 0, false, 0);
    plan(f, 0, false, 4); /* CONNACK 4: bad user name or password */
    run_until_connected(f, 1);
    drop(f);
    for (int i = 0; i < 50; i++) {
        (void)mqtls_conn_run(&f->m, 1000);
    }
    assert_true(mqtls_conn_stopped(&f->m));
    assert_int_equal(f->opens, 2); /* no retry storm: nothing after the refusal */
    assert_int_equal(mqtls_conn_run(&f->m, 0), MQTLS_ERR_REFUSED_BAD_CREDENTIALS);
    assert_int_equal(f->ev[f->nev - 1].type, MQTLS_CONN_EV_GAVE_UP);
    assert_int_equal(f->ev[f->nev - 1].err, MQTLS_ERR_REFUSED_BAD_CREDENTIALS);
    assert_int_equal(f->ev[f->nev - 1].stage, MQTLS_CONN_STAGE_CONNECT);
    assert_int_equal(count_events(f, MQTLS_CONN_EV_GAVE_UP), 1);
    fx_free(f);
}

static void with_backoff_max_a_refusal_is_retried_only_every_max_ms(void **state)
{
    (void)state;
    fx_t *f = fx_new(false);
    f->mc.on_fatal = MQTLS_CONN_FATAL_BACKOFF_MAX;
    f->random = 0; /* jitter would allow immediate retries: a refusal must not */
    fx_start(f);
    plan(f, 0, false, 0);
    for (int i = 0; i < 5; i++) {
        plan(f, 0, false, 5); /* not authorized */
    }
    run_until_connected(f, 1);
    uint32_t t0 = f->s.clock;
    drop(f);
    while (f->opens < 6) {
        (void)mqtls_conn_run(&f->m, 100000);
    }
    assert_false(mqtls_conn_stopped(&f->m));
    int refusals = 0;
    for (size_t i = 0; i < f->nev; i++) {
        if (f->ev[i].type == MQTLS_CONN_EV_RECONNECTING && f->ev[i].err == MQTLS_ERR_REFUSED_NOT_AUTHORIZED) {
            assert_int_equal(f->ev[i].delay_ms, 5000); /* the full maximum, no jitter */
            refusals++;
        }
    }
    assert_int_equal(refusals, 5); /* each refused attempt is reported */
    assert_true(f->s.clock - t0 >= 4u * 5000u); /* five refused attempts took four full delays */
    fx_free(f);
}

static void the_first_attempt_failing_gives_up_without_retry_first(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    f->mc.retry_first = false;
    fx_start(f);
    plan(f, MQTLS_ERR_CONNECT_REFUSED, false, 0);
    assert_int_equal(mqtls_conn_run(&f->m, 0), MQTLS_ERR_CONNECT_REFUSED);
    assert_true(mqtls_conn_stopped(&f->m));
    assert_int_equal(f->nev, 1);
    assert_int_equal(f->ev[0].type, MQTLS_CONN_EV_GAVE_UP);
    fx_free(f);
}

static void no_reconnect_gives_up_when_the_connection_is_lost(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    f->mc.no_reconnect = true;
    fx_start(f);
    plan(f, 0, false, 0);
    run_until_connected(f, 1);
    drop(f);
    assert_int_equal(mqtls_conn_run(&f->m, 10), MQTLS_ERR_CLOSED);
    assert_true(mqtls_conn_stopped(&f->m));
    assert_int_equal(f->opens, 1);
    assert_int_equal(f->nev, 3); /* CONNECTED, DISCONNECTED, GAVE_UP */
    assert_int_equal(f->ev[1].type, MQTLS_CONN_EV_DISCONNECTED);
    assert_int_equal(f->ev[2].type, MQTLS_CONN_EV_GAVE_UP);
    assert_int_equal(f->ev[2].err, MQTLS_ERR_CLOSED);
    fx_free(f);
}

static void a_subscribe_timeout_fails_the_attempt_with_its_stage(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    f->mc.retry_first = false;
    f->no_suback = true; /* a broker that never answers SUBSCRIBE */
    fx_start(f);
    plan(f, 0, false, 0);
    assert_int_equal(mqtls_conn_run(&f->m, 0), MQTLS_ERR_TIMEOUT);
    assert_int_equal(f->ev[f->nev - 1].type, MQTLS_CONN_EV_GAVE_UP);
    assert_int_equal(f->ev[f->nev - 1].stage, MQTLS_CONN_STAGE_SUBSCRIBE);
    assert_int_equal(count_events(f, MQTLS_CONN_EV_CONNECTED), 0);
    fx_free(f);
}

static void max_attempts_failures_in_a_row_give_up(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    f->mc.backoff.max_attempts = 3;
    fx_start(f);
    for (int i = 0; i < 3; i++) {
        plan(f, MQTLS_ERR_DNS, false, 0);
    }
    for (int i = 0; i < 20 && !mqtls_conn_stopped(&f->m); i++) {
        (void)mqtls_conn_run(&f->m, 100000);
    }
    assert_true(mqtls_conn_stopped(&f->m));
    assert_int_equal(f->opens, 3);
    assert_int_equal(count_events(f, MQTLS_CONN_EV_RECONNECTING), 2);
    assert_int_equal(mqtls_conn_run(&f->m, 0), MQTLS_ERR_DNS);
    fx_free(f);
}

static void subscriptions_are_made_again_when_the_session_is_gone(void **state)
{
    (void)state;
    fx_t *f = fx_new(false);
    fx_start(f);
    plan(f, 0, false, 0); /* new session: subscribe */
    plan(f, 0, true, 0);  /* the broker kept it: nothing to do */
    plan(f, 0, false, 0); /* the broker lost it (restart without persistence): again */
    run_until_connected(f, 1);
    assert_int_equal(f->subscribes, 1);
    assert_true(f->ev[0].resubscribed);
    assert_int_equal(f->ev[0].sub_rc, MQTLS_OK);
    assert_int_equal(f->granted[0], 1);
    drop(f);
    (void)mqtls_conn_run(&f->m, 0);
    run_until_connected(f, 5);
    assert_int_equal(f->subscribes, 1);
    assert_false(f->ev[f->nev - 1].resubscribed);
    drop(f);
    (void)mqtls_conn_run(&f->m, 0);
    run_until_connected(f, 5);
    assert_int_equal(f->subscribes, 2);
    assert_true(f->ev[f->nev - 1].resubscribed);
    fx_free(f);
}

/* ---- offline queue -------------------------------------------------------------------- */

static int32_t pub(fx_t *f, const char *payload, uint8_t qos)
{
    mqtls_publish_t p = { .topic = "t/1", .topic_len = 3, .payload = (const uint8_t *)payload,
                          .payload_len = strlen(payload), .qos = qos };
    return mqtls_conn_publish(&f->m, &p);
}

static void the_offline_queue_is_bounded_and_sent_in_order_after_the_reconnect(void **state)
{
    (void)state;
    fx_t *f = fx_new(false);
    f->auto_puback = true;
    fx_start(f);
    plan(f, 0, false, 0);
    plan(f, MQTLS_ERR_CONNECT_REFUSED, false, 0);
    plan(f, 0, true, 0);
    run_until_connected(f, 1);
    drop(f);
    (void)mqtls_conn_run(&f->m, 0);
    assert_false(mqtls_conn_connected(&f->m));
    /* QoS 0 is not queued unless asked for */
    assert_int_equal(pub(f, "q0", 0), MQTLS_ERR_NOT_CONNECTED);
    /* each record: 8 + 3 + 5 = 16 bytes; the 128-byte queue holds 8 */
    char msg[16];
    int kept = 0;
    int32_t rc = MQTLS_OK;
    for (int i = 0; i < 20 && rc == MQTLS_OK; i++) {
        snprintf(msg, sizeof msg, "m%04d", i);
        rc = pub(f, msg, 1);
        kept += rc == MQTLS_OK ? 1 : 0;
    }
    assert_int_equal(rc, MQTLS_ERR_OFFLINE_FULL);
    assert_int_equal(kept, 8);
    assert_int_equal(mqtls_conn_queued(&f->m), 8);
    mqtls_props_t props = { 0 };
    mqtls_publish_t with_props = { .topic = "t", .topic_len = 1, .qos = 1, .props = &props };
    assert_int_equal(mqtls_conn_publish(&f->m, &with_props), MQTLS_ERR_NOT_SUPPORTED);
    run_until_connected(f, 10);
    assert_true(mqtls_conn_connected(&f->m));
    for (int i = 0; i < 5; i++) {
        (void)mqtls_conn_run(&f->m, 10);
    }
    assert_int_equal(mqtls_conn_queued(&f->m), 0);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    /* on the last connection: the 8 messages, in the order they were published */
    const uint8_t *p;
    size_t n;
    int seen = 0;
    uint8_t type;
    while ((type = script_next(&f->s, &p, &n)) != 0) {
        if (type != MQTLS_PKT_PUBLISH) {
            continue;
        }
        snprintf(msg, sizeof msg, "m%04d", seen);
        assert_memory_equal(p + n - 5, msg, 5);
        seen++;
    }
    assert_int_equal(seen, 8);
    fx_free(f);
}

static void qos0_is_queued_when_asked_and_publish_goes_straight_through_when_connected(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    f->mc.queue_qos0 = true;
    fx_start(f);
    plan(f, 0, false, 0);
    assert_int_equal(pub(f, "early", 0), MQTLS_OK); /* before the first connect: queued */
    assert_int_equal(mqtls_conn_queued(&f->m), 1);
    run_until_connected(f, 1);
    assert_int_equal(mqtls_conn_queued(&f->m), 0);
    assert_int_equal(pub(f, "later", 0), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    const char *want[] = { "early", "later" };
    int seen = 0;
    uint8_t type;
    while ((type = script_next(&f->s, &p, &n)) != 0) {
        if (type == MQTLS_PKT_PUBLISH) {
            assert_true(seen < 2);
            assert_memory_equal(p + n - 5, want[seen], 5);
            seen++;
        }
    }
    assert_int_equal(seen, 2);
    fx_free(f);
}

static void a_message_stored_before_the_loss_is_resent_by_the_client_not_queued_again(void **state)
{
    (void)state;
    fx_t *f = fx_new(false);
    fx_start(f);
    plan(f, 0, false, 0);
    plan(f, 0, true, 0);
    run_until_connected(f, 1);
    f->s.send_error = MQTLS_ERR_SEND; /* the connection breaks while sending */
    assert_int_equal(pub(f, "stored", 1), MQTLS_OK); /* kept by the client's store */
    assert_false(mqtls_conn_connected(&f->m));
    assert_int_equal(mqtls_conn_queued(&f->m), 0);
    assert_int_equal(mqtls_client_outstanding(&f->c), 1);
    f->auto_puback = true;
    run_until_connected(f, 10);
    for (int i = 0; i < 3; i++) {
        (void)mqtls_conn_run(&f->m, 10);
    }
    const uint8_t *p;
    size_t n;
    int publishes = 0;
    uint8_t type;
    while ((type = script_next(&f->s, &p, &n)) != 0) {
        if (type == MQTLS_PKT_PUBLISH) {
            assert_true((p[0] & 0x08u) != 0); /* the resend: DUP */
            publishes++;
        }
    }
    assert_int_equal(publishes, 1); /* once: not also from the offline queue */
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    fx_free(f);
}

static void a_bad_message_is_refused_without_touching_the_connection(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    fx_start(f);
    plan(f, 0, false, 0);
    run_until_connected(f, 1);
    mqtls_publish_t bad = { .topic = "a/#", .topic_len = 3, .qos = 1 };
    assert_int_equal(mqtls_conn_publish(&f->m, &bad), MQTLS_ERR_TOPIC_WILDCARD); /* class FATAL, for the message */
    assert_true(mqtls_conn_connected(&f->m));
    assert_false(mqtls_conn_stopped(&f->m));
    assert_int_equal(f->opens, 1);
    drop(f);
    (void)mqtls_conn_run(&f->m, 0);
    assert_int_equal(mqtls_conn_publish(&f->m, &bad), MQTLS_ERR_TOPIC_WILDCARD); /* offline too */
    assert_int_equal(mqtls_conn_queued(&f->m), 0);
    fx_free(f);
}

static void stop_disconnects_and_refuses_further_work(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    f->mc.subs = NULL;
    f->mc.subs_n = 0;
    fx_start(f);
    plan(f, 0, false, 0);
    run_until_connected(f, 1);
    assert_int_equal(mqtls_conn_stop(&f->m), MQTLS_OK);
    assert_true(mqtls_conn_stopped(&f->m));
    assert_int_equal(pub(f, "x", 0), MQTLS_ERR_NOT_CONNECTED);
    const uint8_t *p;
    size_t n;
    uint8_t last = 0, type;
    while ((type = script_next(&f->s, &p, &n)) != 0) {
        last = type;
    }
    assert_int_equal(last, MQTLS_PKT_DISCONNECT);
    fx_free(f);
}

static void init_checks_the_configuration(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    mqtls_conn_config_t bad = f->mc;
    bad.open = NULL;
    assert_int_equal(mqtls_conn_init(&f->m, &bad), MQTLS_ERR_INVALID_ARG);
    bad = f->mc;
    bad.random = NULL;
    assert_int_equal(mqtls_conn_init(&f->m, &bad), MQTLS_ERR_INVALID_ARG);
    bad = f->mc;
    bad.subs = NULL;
    assert_int_equal(mqtls_conn_init(&f->m, &bad), MQTLS_ERR_INVALID_ARG); /* subs_n 1 */
    assert_int_equal(mqtls_conn_init(&f->m, &f->mc), MQTLS_OK);
    /* without sleep_ms, run() returns at once and wait_ms() says how long */
    fx_t *g = fx_new(true);
    g->mc.sleep_ms = NULL;
    g->random = 50;
    fx_start(g);
    plan(g, MQTLS_ERR_CONNECT_TIMEOUT, false, 0);
    plan(g, 0, false, 0);
    assert_int_equal(mqtls_conn_run(&g->m, 1000), MQTLS_OK);
    assert_int_equal(mqtls_conn_wait_ms(&g->m), 50);
    assert_int_equal(mqtls_conn_run(&g->m, 1000), MQTLS_OK);
    assert_int_equal(g->opens, 1); /* not due yet: nothing tried */
    g->s.clock += 50;
    assert_int_equal(mqtls_conn_wait_ms(&g->m), 0);
    run_until_connected(g, 1);
    assert_true(mqtls_conn_connected(&g->m));
    fx_free(g);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(backoff_cap_doubles_from_base_up_to_the_maximum),
        cmocka_unit_test(backoff_is_full_jitter_over_zero_to_cap),
        cmocka_unit_test(errors_are_classified_reconnect_or_stop),
        cmocka_unit_test(events_come_in_order_through_a_loss_and_a_failed_attempt),
        cmocka_unit_test(backoff_grows_on_quick_losses_and_resets_after_a_stable_connection),
        cmocka_unit_test(a_refused_connack_for_bad_credentials_stops_instead_of_retrying),
        cmocka_unit_test(with_backoff_max_a_refusal_is_retried_only_every_max_ms),
        cmocka_unit_test(the_first_attempt_failing_gives_up_without_retry_first),
        cmocka_unit_test(no_reconnect_gives_up_when_the_connection_is_lost),
        cmocka_unit_test(a_subscribe_timeout_fails_the_attempt_with_its_stage),
        cmocka_unit_test(max_attempts_failures_in_a_row_give_up),
        cmocka_unit_test(subscriptions_are_made_again_when_the_session_is_gone),
        cmocka_unit_test(the_offline_queue_is_bounded_and_sent_in_order_after_the_reconnect),
        cmocka_unit_test(qos0_is_queued_when_asked_and_publish_goes_straight_through_when_connected),
        cmocka_unit_test(a_message_stored_before_the_loss_is_resent_by_the_client_not_queued_again),
        cmocka_unit_test(a_bad_message_is_refused_without_touching_the_connection),
        cmocka_unit_test(stop_disconnects_and_refuses_further_work),
        cmocka_unit_test(init_checks_the_configuration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
