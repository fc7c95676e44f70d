/* SPDX-License-Identifier: MIT
 * mqtls tests: the message-store contract, run against each store. */
/* see store_conformance.h */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/error.h"
#include "store_conformance.h"

static int32_t collect(void *arg, uint8_t kind, uint16_t id, size_t len)
{
    conf_list_t *l = arg;
    assert_true(l->n < sizeof l->id / sizeof l->id[0]);
    l->kind[l->n] = kind;
    l->id[l->n] = id;
    l->len[l->n] = len;
    l->n++;
    return MQTLS_OK;
}

void conf_list(const mqtls_msgstore_t *st, conf_list_t *out)
{
    out->n = 0;
    assert_int_equal(st->each(st->ctx, collect, out), MQTLS_OK);
    /* no record twice */
    for (size_t i = 0; i < out->n; i++) {
        for (size_t j = i + 1; j < out->n; j++) {
            int same_side = (out->kind[i] == MQTLS_MSG_INBOUND) == (out->kind[j] == MQTLS_MSG_INBOUND);
            if (same_side && out->id[i] == out->id[j]) {
                fail_msg("id %u listed twice", out->id[i]);
            }
        }
    }
}

void conf_fill(uint8_t *buf, size_t len, uint16_t id, uint32_t salt)
{
    uint32_t x = 2166136261u ^ id ^ (salt * 16777619u);
    for (size_t i = 0; i < len; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    if (len > 0u) {
        buf[0] = 0x32; /* looks like a QoS 1 PUBLISH */
    }
}

static conf_store_t *cs_of(void **state)
{
    return *state;
}

static void put_ok(const mqtls_msgstore_t *st, uint16_t id, size_t len, uint32_t salt)
{
    uint8_t *b = malloc(len);
    assert_non_null(b);
    conf_fill(b, len, id, salt);
    int32_t rc = st->put(st->ctx, id, b, len);
    free(b);
    if (rc != MQTLS_OK) {
        fail_msg("put(%u, %zu bytes): %s", id, len, mqtls_errname(rc));
    }
}

static void get_is(const mqtls_msgstore_t *st, uint16_t id, size_t len, uint32_t salt)
{
    uint8_t *want = malloc(len);
    uint8_t *got = malloc(len);
    assert_non_null(want);
    assert_non_null(got);
    conf_fill(want, len, id, salt);
    int32_t rc = st->get(st->ctx, id, got, len);
    if (rc != (int32_t)len) {
        fail_msg("get(%u): %d (%s), want %zu bytes", id, (int)rc, mqtls_errname(rc), len);
    }
    assert_memory_equal(got, want, len);
    free(want);
    free(got);
}

static void expect_list(const mqtls_msgstore_t *st, const char *want)
{
    /* want: "P1 R2 I7" = PUBLISH 1, PUBREL 2, INBOUND 7, in each() order */
    conf_list_t l;
    char got[2048] = "";
    conf_list(st, &l);
    for (size_t i = 0; i < l.n; i++) {
        char one[16];
        char k = l.kind[i] == MQTLS_MSG_PUBLISH ? 'P' : l.kind[i] == MQTLS_MSG_PUBREL ? 'R' : 'I';
        snprintf(one, sizeof one, "%s%c%u", i ? " " : "", k, l.id[i]);
        strncat(got, one, sizeof got - strlen(got) - 1u);
        if (l.kind[i] != MQTLS_MSG_PUBLISH) {
            assert_int_equal(l.len[i], 0);
        }
    }
    /* inbound ids may come in any order: compare them as a set */
    const char *gi = strchr(got, 'I');
    const char *wi = strchr(want, 'I');
    size_t gout = gi ? (size_t)(gi - got) : strlen(got);
    size_t wout = wi ? (size_t)(wi - want) : strlen(want);
    if (gout != wout || strncmp(got, want, gout) != 0) {
        fail_msg("store lists \"%s\", want \"%s\"", got, want);
    }
    size_t ng = 0, nw = 0;
    for (const char *p = gi; p && *p; p++) {
        ng += *p == 'I';
    }
    for (const char *p = wi; p && *p; p++) {
        nw += *p == 'I';
    }
    if (ng != nw) {
        fail_msg("store lists \"%s\", want \"%s\"", got, want);
    }
    for (const char *p = wi; p && (p = strchr(p, 'I')) != NULL; p++) {
        char tok[16];
        size_t k = strcspn(p, " ");
        snprintf(tok, sizeof tok, "%.*s", (int)k, p);
        int found = 0;
        for (const char *q = gi; q && (q = strstr(q, tok)) != NULL; q++) {
            if (q[k] == ' ' || q[k] == '\0') {
                found = 1;
                break;
            }
        }
        if (!found) {
            fail_msg("store lists \"%s\", want \"%s\"", got, want);
        }
    }
}

void conf_put_get_roundtrip(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    cs->open(cs, &st);
    assert_non_null(st.put);
    assert_non_null(st.get);
    assert_non_null(st.remove);
    assert_non_null(st.clear);
    assert_non_null(st.mark_pubrel);
    assert_non_null(st.put_inbound);
    assert_non_null(st.remove_inbound);
    assert_non_null(st.each);
    expect_list(&st, "");
    put_ok(&st, 1, 1, 0);
    put_ok(&st, 2, 33, 0);
    put_ok(&st, 65535, 100, 0);
    get_is(&st, 1, 1, 0);
    get_is(&st, 2, 33, 0);
    get_is(&st, 65535, 100, 0);
    expect_list(&st, "P1 P2 P65535");
    conf_list_t l;
    conf_list(&st, &l);
    assert_int_equal(l.len[1], 33);
    cs->close(cs);
}

void conf_get_errors(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    uint8_t buf[64];
    cs->open(cs, &st);
    assert_int_equal(st.get(st.ctx, 9, buf, sizeof buf), MQTLS_ERR_INVALID_ARG);
    put_ok(&st, 9, 40, 0);
    assert_int_equal(st.get(st.ctx, 9, buf, 39), MQTLS_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(st.get(st.ctx, 9, NULL, 0), MQTLS_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(st.get(st.ctx, 10, buf, sizeof buf), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.get(st.ctx, 0, buf, sizeof buf), MQTLS_ERR_INVALID_ARG);
    get_is(&st, 9, 40, 0);
    cs->close(cs);
}

void conf_bad_arguments(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    uint8_t b[4] = {0x32, 2, 0, 1};
    cs->open(cs, &st);
    assert_int_equal(st.put(st.ctx, 0, b, sizeof b), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.put(st.ctx, 1, NULL, sizeof b), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.put(st.ctx, 1, b, 0), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.put_inbound(st.ctx, 0), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.mark_pubrel(st.ctx, 0), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.each(st.ctx, NULL, NULL), MQTLS_ERR_INVALID_ARG);
    st.remove(st.ctx, 0);
    st.remove_inbound(st.ctx, 0);
    expect_list(&st, "");
    cs->close(cs);
}

void conf_order_kept(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    cs->open(cs, &st);
    static const uint16_t ids[] = {500, 3, 65535, 1, 77, 2};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        put_ok(&st, ids[i], 10 + i, 1);
    }
    expect_list(&st, "P500 P3 P65535 P1 P77 P2");
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        get_is(&st, ids[i], 10 + i, 1);
    }
    cs->close(cs);
}

void conf_remove(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    uint8_t buf[64];
    cs->open(cs, &st);
    for (uint16_t id = 1; id <= 5; id++) {
        put_ok(&st, id, 20, 2);
    }
    st.remove(st.ctx, 3);
    st.remove(st.ctx, 3);   /* twice: ignored */
    st.remove(st.ctx, 999); /* unknown: ignored */
    st.remove(st.ctx, 1);
    expect_list(&st, "P2 P4 P5");
    assert_int_equal(st.get(st.ctx, 3, buf, sizeof buf), MQTLS_ERR_INVALID_ARG);
    get_is(&st, 4, 20, 2);
    st.remove(st.ctx, 2);
    st.remove(st.ctx, 4);
    st.remove(st.ctx, 5);
    expect_list(&st, "");
    put_ok(&st, 3, 21, 3); /* an id is reusable after its removal */
    get_is(&st, 3, 21, 3);
    expect_list(&st, "P3");
    cs->close(cs);
}

void conf_mark_pubrel_keeps_place(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    uint8_t buf[64];
    cs->open(cs, &st);
    put_ok(&st, 1, 30, 4);
    put_ok(&st, 2, 30, 4);
    put_ok(&st, 3, 30, 4);
    assert_int_equal(st.mark_pubrel(st.ctx, 2), MQTLS_OK);
    expect_list(&st, "P1 R2 P3");
    assert_int_equal(st.get(st.ctx, 2, buf, sizeof buf), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.mark_pubrel(st.ctx, 2), MQTLS_ERR_INVALID_ARG); /* no PUBLISH 2 any more */
    assert_int_equal(st.mark_pubrel(st.ctx, 42), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(st.mark_pubrel(st.ctx, 1), MQTLS_OK);
    put_ok(&st, 4, 30, 4);
    expect_list(&st, "R1 R2 P3 P4");
    st.remove(st.ctx, 2); /* PUBCOMP */
    expect_list(&st, "R1 P3 P4");
    get_is(&st, 3, 30, 4);
    cs->close(cs);
}

void conf_inbound_ids(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    cs->open(cs, &st);
    put_ok(&st, 7, 12, 5);
    assert_int_equal(st.put_inbound(st.ctx, 7), MQTLS_OK); /* its own namespace */
    assert_int_equal(st.put_inbound(st.ctx, 7), MQTLS_OK); /* again: still once */
    assert_int_equal(st.put_inbound(st.ctx, 65535), MQTLS_OK);
    put_ok(&st, 8, 12, 5);
    expect_list(&st, "P7 P8 I7 I65535");
    st.remove_inbound(st.ctx, 7);
    st.remove_inbound(st.ctx, 123); /* unknown: ignored */
    expect_list(&st, "P7 P8 I65535");
    st.remove(st.ctx, 7); /* the outgoing 7, not an inbound id */
    expect_list(&st, "P8 I65535");
    get_is(&st, 8, 12, 5);
    cs->close(cs);
}

void conf_clear_forgets_everything(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    cs->open(cs, &st);
    put_ok(&st, 1, 10, 6);
    put_ok(&st, 2, 10, 6);
    assert_int_equal(st.mark_pubrel(st.ctx, 2), MQTLS_OK);
    assert_int_equal(st.put_inbound(st.ctx, 5), MQTLS_OK);
    st.clear(st.ctx);
    expect_list(&st, "");
    st.clear(st.ctx); /* empty: fine */
    put_ok(&st, 2, 11, 7);
    expect_list(&st, "P2");
    get_is(&st, 2, 11, 7);
    if (cs->reopen != NULL) {
        cs->reopen(cs, &st);
        expect_list(&st, "P2");
        get_is(&st, 2, 11, 7);
    }
    cs->close(cs);
}

void conf_put_same_id_replaces(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    cs->open(cs, &st);
    put_ok(&st, 1, 10, 8);
    put_ok(&st, 2, 10, 8);
    put_ok(&st, 1, 15, 9); /* a newer copy of 1: replaces it, at the end */
    expect_list(&st, "P2 P1");
    get_is(&st, 1, 15, 9);
    if (cs->reopen != NULL) {
        cs->reopen(cs, &st);
        expect_list(&st, "P2 P1");
        get_is(&st, 1, 15, 9);
    }
    cs->close(cs);
}

static int32_t stop_at_second(void *arg, uint8_t kind, uint16_t id, size_t len)
{
    int *n = arg;
    (void)kind;
    (void)id;
    (void)len;
    return ++*n == 2 ? MQTLS_ERR_INTERNAL : MQTLS_OK;
}

void conf_each_stops_on_error(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    int n = 0;
    cs->open(cs, &st);
    put_ok(&st, 1, 10, 0);
    put_ok(&st, 2, 10, 0);
    put_ok(&st, 3, 10, 0);
    assert_int_equal(st.each(st.ctx, stop_at_second, &n), MQTLS_ERR_INTERNAL);
    assert_int_equal(n, 2);
    cs->close(cs);
}

void conf_size_limit(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    cs->open(cs, &st);
    if (cs->max_len == 0u) {
        put_ok(&st, 1, 70000, 10); /* larger than a 16-bit length */
        get_is(&st, 1, 70000, 10);
        cs->close(cs);
        return;
    }
    uint8_t *b = calloc(1, cs->max_len + 1u);
    assert_non_null(b);
    assert_int_equal(st.put(st.ctx, 1, b, cs->max_len + 1u), MQTLS_ERR_STORE_TOO_SMALL);
    put_ok(&st, 2, cs->max_len, 10);
    get_is(&st, 2, cs->max_len, 10);
    expect_list(&st, "P2");
    free(b);
    cs->close(cs);
}

void conf_reopen_keeps_everything(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    if (cs->reopen == NULL) {
        skip();
    }
    cs->open(cs, &st);
    put_ok(&st, 10, 25, 11);
    put_ok(&st, 11, 26, 11);
    put_ok(&st, 12, 27, 11);
    assert_int_equal(st.mark_pubrel(st.ctx, 11), MQTLS_OK);
    assert_int_equal(st.put_inbound(st.ctx, 300), MQTLS_OK);
    assert_int_equal(st.put_inbound(st.ctx, 301), MQTLS_OK);
    cs->reopen(cs, &st);
    expect_list(&st, "P10 R11 P12 I300 I301");
    get_is(&st, 10, 25, 11);
    get_is(&st, 12, 27, 11);
    /* and it goes on working after the reboot */
    put_ok(&st, 13, 28, 11);
    assert_int_equal(st.mark_pubrel(st.ctx, 10), MQTLS_OK);
    cs->reopen(cs, &st);
    expect_list(&st, "R10 R11 P12 P13 I300 I301");
    get_is(&st, 13, 28, 11);
    cs->close(cs);
}

void conf_reopen_after_removals(void **state)
{
    conf_store_t *cs = cs_of(state);
    mqtls_msgstore_t st;
    if (cs->reopen == NULL) {
        skip();
    }
    cs->open(cs, &st);
    for (uint16_t id = 1; id <= 6; id++) {
        put_ok(&st, id, 18, 12);
    }
    assert_int_equal(st.put_inbound(st.ctx, 40), MQTLS_OK);
    assert_int_equal(st.put_inbound(st.ctx, 41), MQTLS_OK);
    assert_int_equal(st.mark_pubrel(st.ctx, 4), MQTLS_OK);
    st.remove(st.ctx, 1);
    st.remove(st.ctx, 4);
    st.remove_inbound(st.ctx, 40);
    cs->reopen(cs, &st);
    expect_list(&st, "P2 P3 P5 P6 I41");
    st.clear(st.ctx);
    cs->reopen(cs, &st);
    expect_list(&st, "");
    cs->close(cs);
}
