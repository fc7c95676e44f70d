/* SPDX-License-Identifier: MIT
 * mqtls tests: coalesced PUBLISHes (cfg.coalesce_tx) over a scripted transport. */
/*
 * Issue 14: with a full window the queued PUBLISHes leave in one send. The
 * transport below wraps script_transport and checks the retry rule of
 * mqtls/transport.h on every call (after a short or 0 send, the next send
 * starts with the bytes not taken and is at least as long), so a batch cut
 * in the middle must go on exactly where it stopped. It also counts the
 * receive side: a recv that finds nothing is a wasted system call, so after
 * a read that took less than it offered the client waits before it reads
 * again; the wait below can make the peer's answer arrive while it sleeps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mqtls/client.h"
#include "script_transport.h"

#define WINDOW 8u

typedef struct {
    mqtls_client_t c;
    script_t s;
    mqtls_transport_t inner, t;
    uint8_t untaken[2048]; /* what the last short send left */
    size_t untaken_len;
    unsigned violations, calls;
    unsigned recvs, empty_recvs, waits; /* recv calls, those that returned 0, read waits */
    uint16_t arrive_from, arrive_to;    /* PUBACKs the peer sends during the next read wait */
    uint8_t tx[1024], rx[512], arena[4096];
    mqtls_inflight_t out[WINDOW];
    mqtls_memstore_t ms;
    mqtls_msgstore_t store;
} fx_t;

static int32_t rule_send(void *ctx, const uint8_t *buf, size_t len)
{
    fx_t *f = ctx;
    f->calls++;
    if (f->untaken_len > 0u && (len < f->untaken_len || memcmp(buf, f->untaken, f->untaken_len) != 0)) {
        f->violations++;
    }
    int32_t n = f->inner.send(f->inner.ctx, buf, len);
    if (n >= 0 && (size_t)n < len) {
        f->untaken_len = len - (size_t)n;
        assert_true(f->untaken_len <= sizeof f->untaken);
        memcpy(f->untaken, buf + n, f->untaken_len);
    } else {
        f->untaken_len = 0;
    }
    return n;
}

static int32_t rule_recv(void *ctx, uint8_t *buf, size_t len)
{
    fx_t *f = ctx;
    int32_t n = f->inner.recv(f->inner.ctx, buf, len);
    f->recvs++;
    f->empty_recvs += n == 0 ? 1u : 0u;
    return n;
}

static int32_t rule_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    fx_t *f = ctx;
    if (events & MQTLS_WAIT_READ) {
        f->waits++;
        for (uint16_t id = f->arrive_from; id != 0u && id <= f->arrive_to; id++) {
            script_push_ack(&f->s, MQTLS_PKT_PUBACK, id); /* the broker answers while we sleep */
        }
        f->arrive_from = 0;
    }
    return f->inner.wait(f->inner.ctx, events, timeout_ms);
}

static void fx_transport(fx_t *f)
{
    script_transport(&f->s, &f->inner);
    f->t = (mqtls_transport_t){.ctx = f, .send = rule_send, .recv = rule_recv, .wait = rule_wait};
    f->untaken_len = 0;
}

static void fx_connect(fx_t *f, bool session_present)
{
    mqtls_connect_t o = {.protocol_version = MQTLS_PROTO_V311,
                         .clean_session = !session_present,
                         .client_id = "dev1",
                         .client_id_len = 4};
    script_push_connack(&f->s, session_present, 0);
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, &o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
}

static fx_t *fx_new(bool coalesce)
{
    fx_t *f = calloc(1, sizeof *f);
    assert_non_null(f);
    script_init(&f->s);
    fx_transport(f);
    assert_int_equal(mqtls_memstore_init(&f->ms, f->arena, sizeof f->arena, &f->store), MQTLS_OK);
    mqtls_client_config_t cfg = {.tx_buf = f->tx,
                                 .tx_len = sizeof f->tx,
                                 .rx_buf = f->rx,
                                 .rx_len = sizeof f->rx,
                                 .outbound = f->out,
                                 .outbound_count = WINDOW,
                                 .store = &f->store,
                                 .now_ms = script_now,
                                 .now_user = &f->s,
                                 .coalesce_tx = coalesce};
    assert_int_equal(mqtls_client_init(&f->c, &cfg), MQTLS_OK);
    fx_connect(f, false);
    return f;
}

static void fx_free(fx_t *f)
{
    assert_int_equal(f->violations, 0);
    script_free(&f->s);
    free(f);
}

/* Publish "m<i>" (padded to len bytes) on topic "t". */
static int32_t pub(fx_t *f, unsigned i, uint8_t qos, size_t len)
{
    char payload[200];
    memset(payload, 'x', sizeof payload);
    payload[0] = (char)('0' + i % 10u);
    mqtls_publish_t p = {
        .topic = "t", .topic_len = 1, .payload = (const uint8_t *)payload, .payload_len = len, .qos = qos};
    return mqtls_client_publish(&f->c, &p, NULL);
}

/* The next packet sent is a PUBLISH with this packet id (QoS 1/2, topic "t") and DUP as given. */
static void expect_publish(fx_t *f, uint16_t id, bool dup)
{
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PUBLISH);
    assert_true(n > 6u && p[1] < 128u); /* one-byte remaining length */
    assert_int_equal(((uint16_t)p[5] << 8) | p[6], id);
    assert_int_equal((p[0] & 0x08u) != 0u, dup);
}

static void full_window_leaves_in_one_send(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    unsigned before = f->s.sends;
    for (unsigned i = 0; i < WINDOW; i++) {
        assert_int_equal(pub(f, i, 1, 20), MQTLS_OK);
    }
    assert_int_equal(pub(f, WINDOW, 1, 20), MQTLS_ERR_INFLIGHT_FULL);
    assert_int_equal(f->s.sends, before); /* nothing sent yet */
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(f->s.sends, before + 1u);
    for (uint16_t id = 1; id <= WINDOW; id++) {
        expect_publish(f, id, false);
    }
    fx_free(f);
}

static void without_coalescing_each_publish_is_a_send(void **state)
{
    (void)state;
    fx_t *f = fx_new(false);
    unsigned before = f->s.sends;
    for (unsigned i = 0; i < WINDOW; i++) {
        assert_int_equal(pub(f, i, 1, 20), MQTLS_OK);
    }
    assert_int_equal(f->s.sends, before + WINDOW);
    fx_free(f);
}

static void acks_free_the_window_and_the_next_batch_is_one_send(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    for (unsigned i = 0; i < WINDOW; i++) {
        assert_int_equal(pub(f, i, 1, 20), MQTLS_OK);
    }
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    script_drain(&f->s);
    for (uint16_t id = 1; id <= WINDOW; id++) {
        script_push_ack(&f->s, MQTLS_PKT_PUBACK, id);
    }
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    unsigned before = f->s.sends;
    for (unsigned i = 0; i < WINDOW; i++) {
        assert_int_equal(pub(f, i, 1, 20), MQTLS_OK);
    }
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(f->s.sends, before + 1u);
    for (uint16_t id = WINDOW + 1u; id <= 2u * WINDOW; id++) {
        expect_publish(f, id, false);
    }
    fx_free(f);
}

/* A send that stops half-way through the batch: more PUBLISHes are appended
 * behind the untaken bytes, and the next sends go on exactly there. */
static void short_send_mid_batch_continues_where_it_stopped(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    for (unsigned i = 0; i < 4u; i++) {
        assert_int_equal(pub(f, i, 1, 20), MQTLS_OK);
    }
    f->s.send_chunk = 37; /* cuts the second packet */
    f->s.stall_count = 100;
    f->s.stall_at = f->s.out_len + 37u;
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(f->untaken_len > 0u, true); /* the batch is cut */
    for (unsigned i = 4; i < WINDOW; i++) {
        assert_int_equal(pub(f, i, 1, 20), MQTLS_OK);
    }
    f->s.send_stalls = 0;
    f->s.send_chunk = 0;
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(f->untaken_len, 0);
    for (uint16_t id = 1; id <= WINDOW; id++) {
        expect_publish(f, id, false);
    }
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), 0); /* nothing else, nothing twice */
    assert_int_equal(f->s.out_pos, f->s.out_len);
    fx_free(f);
}

/* A PUBLISH that does not fit behind the queued ones sends them first. */
static void a_publish_that_does_not_fit_sends_the_queue_first(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    unsigned before = f->s.sends;
    for (unsigned i = 0; i < 6u; i++) { /* 6 x 206 bytes > 1024: the 5th and 6th do not fit */
        assert_int_equal(pub(f, i, 0, 200), MQTLS_OK);
    }
    assert_int_equal(f->s.sends, before + 1u); /* the first four */
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(f->s.sends, before + 2u);
    unsigned n_pub = 0;
    const uint8_t *p;
    size_t n;
    while (script_next(&f->s, &p, &n) == MQTLS_PKT_PUBLISH) {
        assert_int_equal(p[n - 200u], '0' + n_pub); /* in order */
        n_pub++;
    }
    assert_int_equal(n_pub, 6);
    fx_free(f);
}

static void disconnect_sends_what_was_deferred_first(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    for (unsigned i = 0; i < 3u; i++) {
        assert_int_equal(pub(f, i, 0, 10), MQTLS_OK);
    }
    assert_int_equal(pub(f, 3, 1, 10), MQTLS_OK);
    assert_int_equal(mqtls_client_disconnect(&f->c, NULL), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    for (unsigned i = 0; i < 4u; i++) {
        assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_PUBLISH);
        assert_int_equal(p[n - 10u], '0' + i);
    }
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_DISCONNECT);
    fx_free(f);
}

/* Deferred QoS 1 messages were stored when publish returned: lost with the
 * connection before any byte went out, they are resent, oldest first. */
static void deferred_qos1_lost_with_the_connection_is_resent_in_order(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    for (unsigned i = 0; i < 3u; i++) {
        assert_int_equal(pub(f, i, 1, 20), MQTLS_OK);
    }
    mqtls_client_abort(&f->c);
    script_free(&f->s);
    script_init(&f->s);
    fx_transport(f);
    fx_connect(f, true);
    for (uint16_t id = 1; id <= 3u; id++) {
        expect_publish(f, id, true);
    }
    fx_free(f);
}

/* The way `mqtls pub -l` runs a full window: the acknowledgements of each
 * burst arrive while the client waits. After a read that took less than it
 * offered, the transport is empty: reading again before the wait would only
 * find nothing (one system call per burst wasted, issue 14). */
static void after_a_short_read_the_client_waits_before_it_reads_again(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    for (unsigned i = 0; i < WINDOW; i++) {
        assert_int_equal(pub(f, i, 1, 20), MQTLS_OK);
    }
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK); /* sends the window; its read finds nothing */
    f->recvs = f->empty_recvs = f->waits = 0;
    for (uint16_t first = 1; first <= WINDOW; first += WINDOW / 2u) {
        f->arrive_from = first;
        f->arrive_to = (uint16_t)(first + WINDOW / 2u - 1u);
        assert_int_equal(mqtls_client_loop(&f->c, 100), MQTLS_OK);
        assert_int_equal(mqtls_client_outstanding(&f->c), WINDOW - (first + WINDOW / 2u - 1u));
    }
    assert_int_equal(f->waits, 2);
    assert_int_equal(f->recvs, 2); /* one per burst */
    assert_int_equal(f->empty_recvs, 0);
    fx_free(f);
}

/* loop(c, 0) has no time to wait: it still reads, even right after a short read. */
static void loop_zero_still_reads_after_a_short_read(void **state)
{
    (void)state;
    fx_t *f = fx_new(true);
    assert_int_equal(pub(f, 0, 1, 20), MQTLS_OK);
    assert_int_equal(pub(f, 1, 1, 20), MQTLS_OK);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 1);
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK); /* a short read: 4 bytes of 512 */
    assert_int_equal(mqtls_client_outstanding(&f->c), 1);
    script_push_ack(&f->s, MQTLS_PKT_PUBACK, 2);
    f->waits = 0;
    assert_int_equal(mqtls_client_loop(&f->c, 0), MQTLS_OK);
    assert_int_equal(mqtls_client_outstanding(&f->c), 0);
    assert_int_equal(f->waits, 0);
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_window_leaves_in_one_send),
        cmocka_unit_test(without_coalescing_each_publish_is_a_send),
        cmocka_unit_test(acks_free_the_window_and_the_next_batch_is_one_send),
        cmocka_unit_test(short_send_mid_batch_continues_where_it_stopped),
        cmocka_unit_test(a_publish_that_does_not_fit_sends_the_queue_first),
        cmocka_unit_test(disconnect_sends_what_was_deferred_first),
        cmocka_unit_test(deferred_qos1_lost_with_the_connection_is_resent_in_order),
        cmocka_unit_test(after_a_short_read_the_client_waits_before_it_reads_again),
        cmocka_unit_test(loop_zero_still_reads_after_a_short_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
