/* SPDX-License-Identifier: MIT
 * mqtls tests: the flash-log store, including a power cut at every step. */
/*
 * The power-cut test runs a scripted workload (puts, PUBREL marks, removes,
 * inbound ids, a clear, enough traffic for many compactions) once, keeping
 * a snapshot of the flash and of the store's RAM before each operation and
 * a model of what was acknowledged after it. Then, for every cut point of
 * every operation (every byte of every program call, whole and half
 * programmed, and three ways of cutting every erase), it restores the
 * snapshot, runs the operation until the power goes, remounts (also with
 * the power going at each step of the remount's own recovery), and checks
 * the store against the model: exactly the state before the operation or
 * after it -- nothing acknowledged lost, nothing removed back, nothing
 * twice, order and PUBREL marks and inbound ids kept. It then goes on
 * writing and remounts once more, and the simulated flash refuses (and
 * counts) any program over data that is not erased.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/error.h"
#include "mqtls/flashlog.h"
#include "sim_flash.h"
#include "store_conformance.h"

/* ---- conformance ---------------------------------------------------------- */

typedef struct {
    sim_flash_t sim;
    mqtls_flashlog_t fl;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(64)];
} fl_ctx_t;

static void fl_open(conf_store_t *cs, mqtls_msgstore_t *out)
{
    fl_ctx_t *c = cs->ctx;
    sim_flash_init(&c->sim, 1024, 4, 4);
    assert_int_equal(mqtls_flashlog_init(&c->fl, &c->sim.drv, c->work, sizeof c->work, out), MQTLS_OK);
}

static void fl_reopen(conf_store_t *cs, mqtls_msgstore_t *out)
{
    fl_ctx_t *c = cs->ctx;
    memset(&c->fl, 0xA5, sizeof c->fl);
    memset(c->work, 0xA5, sizeof c->work);
    assert_int_equal(mqtls_flashlog_init(&c->fl, &c->sim.drv, c->work, sizeof c->work, out), MQTLS_OK);
}

static void fl_close(conf_store_t *cs)
{
    fl_ctx_t *c = cs->ctx;
    assert_int_equal(c->sim.violations, 0);
    sim_flash_free(&c->sim);
}

static fl_ctx_t conf_ctx;
static conf_store_t conf_flash = {"flashlog", &conf_ctx, fl_open, fl_reopen, fl_close,
                                  MQTLS_FLASHLOG_MAX_PAYLOAD(1024u, 4u)};

/* ---- a model of what was acknowledged --------------------------------------- */

#define MAXREC 48

typedef struct {
    uint16_t id;
    uint8_t kind;
    uint16_t len;
    uint32_t salt;
} mrec_t;

typedef struct {
    size_t n, nin;
    mrec_t out[MAXREC];
    uint16_t in[MAXREC];
} model_t;

enum { OP_PUT, OP_PUBREL, OP_REMOVE, OP_IN_PUT, OP_IN_REMOVE, OP_CLEAR };

typedef struct {
    uint8_t op;
    uint16_t id;
    uint16_t len;
    uint32_t salt;
} op_t;

static int m_find(const model_t *m, uint16_t id)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->out[i].id == id) {
            return (int)i;
        }
    }
    return -1;
}

static int m_find_in(const model_t *m, uint16_t id)
{
    for (size_t i = 0; i < m->nin; i++) {
        if (m->in[i] == id) {
            return (int)i;
        }
    }
    return -1;
}

static void m_apply(model_t *m, const op_t *op)
{
    int i;
    switch (op->op) {
    case OP_PUT:
        if ((i = m_find(m, op->id)) >= 0) {
            memmove(&m->out[i], &m->out[i + 1], (m->n - (size_t)i - 1u) * sizeof m->out[0]);
            m->n--;
        }
        assert_true(m->n < MAXREC);
        m->out[m->n++] = (mrec_t){op->id, MQTLS_MSG_PUBLISH, op->len, op->salt};
        break;
    case OP_PUBREL:
        if ((i = m_find(m, op->id)) >= 0) {
            m->out[i].kind = MQTLS_MSG_PUBREL;
        }
        break;
    case OP_REMOVE:
        if ((i = m_find(m, op->id)) >= 0) {
            memmove(&m->out[i], &m->out[i + 1], (m->n - (size_t)i - 1u) * sizeof m->out[0]);
            m->n--;
        }
        break;
    case OP_IN_PUT:
        if (m_find_in(m, op->id) < 0) {
            m->in[m->nin++] = op->id;
        }
        break;
    case OP_IN_REMOVE:
        if ((i = m_find_in(m, op->id)) >= 0) {
            m->in[i] = m->in[--m->nin];
        }
        break;
    default:
        m->n = 0;
        m->nin = 0;
        break;
    }
}

static int32_t do_op(const mqtls_msgstore_t *st, const op_t *op)
{
    uint8_t buf[1024];
    switch (op->op) {
    case OP_PUT:
        conf_fill(buf, op->len, op->id, op->salt);
        return st->put(st->ctx, op->id, buf, op->len);
    case OP_PUBREL:
        return st->mark_pubrel(st->ctx, op->id);
    case OP_REMOVE:
        st->remove(st->ctx, op->id);
        return MQTLS_OK;
    case OP_IN_PUT:
        return st->put_inbound(st->ctx, op->id);
    case OP_IN_REMOVE:
        st->remove_inbound(st->ctx, op->id);
        return MQTLS_OK;
    default:
        st->clear(st->ctx);
        return MQTLS_OK;
    }
}

/* 1 when the store holds exactly the model; else 0, with why. */
static int matches(const mqtls_msgstore_t *st, const model_t *m, char *why, size_t whylen)
{
    conf_list_t l;
    conf_list(st, &l);
    size_t o = 0, nin = 0;
    for (size_t i = 0; i < l.n; i++) {
        if (l.kind[i] == MQTLS_MSG_INBOUND) {
            nin++;
            if (m_find_in(m, l.id[i]) < 0) {
                snprintf(why, whylen, "inbound %u is not in the model", l.id[i]);
                return 0;
            }
            continue;
        }
        if (nin != 0u) {
            snprintf(why, whylen, "an outgoing record after the inbound ids");
            return 0;
        }
        if (o >= m->n || m->out[o].id != l.id[i] || m->out[o].kind != l.kind[i]) {
            snprintf(why, whylen, "outgoing #%zu is %u (kind %u), model has %u (kind %u) of %zu", o, l.id[i],
                     l.kind[i], o < m->n ? m->out[o].id : 0, o < m->n ? m->out[o].kind : 0, m->n);
            return 0;
        }
        if (l.kind[i] == MQTLS_MSG_PUBLISH) {
            uint8_t want[1024], got[1024];
            conf_fill(want, m->out[o].len, m->out[o].id, m->out[o].salt);
            int32_t rc = st->get(st->ctx, l.id[i], got, sizeof got);
            if (rc != (int32_t)m->out[o].len || memcmp(got, want, m->out[o].len) != 0) {
                snprintf(why, whylen, "PUBLISH %u reads back wrong (%d)", l.id[i], (int)rc);
                return 0;
            }
        }
        o++;
    }
    if (o != m->n || nin != m->nin) {
        snprintf(why, whylen, "%zu outgoing and %zu inbound, model %zu and %zu", o, nin, m->n, m->nin);
        return 0;
    }
    return 1;
}

/* ---- the scripted workload ------------------------------------------------ */

typedef struct {
    uint32_t sector_size, sectors, unit;
    int nops;
    size_t max_live, max_len;
} geo_t;

static uint32_t rnd(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

/* The next operation a client might do, given what the store holds. */
static op_t next_op(const geo_t *g, const model_t *m, uint32_t *r, uint16_t *next_id, int step)
{
    op_t op = {OP_PUT, 0, 0, 0};
    uint32_t p = rnd(r) % 100u;
    if (step == g->nops / 2) {
        op.op = OP_CLEAR;
        return op;
    }
    if (p < 45u && m->n < g->max_live) {
        op.op = OP_PUT;
        op.id = (*next_id)++;
        if (*next_id == 0u) {
            *next_id = 1;
        }
        if (m->n > 0u && rnd(r) % 16u == 0u) {
            op.id = m->out[rnd(r) % m->n].id; /* a newer copy of one */
        }
        op.len = (uint16_t)(8u + rnd(r) % (g->max_len - 7u));
        op.salt = rnd(r);
        return op;
    }
    if (p < 62u && m->n > 0u) {
        const mrec_t *c = &m->out[rnd(r) % m->n];
        if (c->kind == MQTLS_MSG_PUBLISH) {
            op.op = OP_PUBREL;
            op.id = c->id;
            return op;
        }
    }
    if (p < 85u && m->n > 0u) {
        op.op = OP_REMOVE; /* acknowledgements come mostly in order */
        op.id = m->out[rnd(r) % 4u == 0u ? rnd(r) % m->n : 0u].id;
        return op;
    }
    if (p < 93u && m->nin < 4u) {
        op.op = OP_IN_PUT;
        op.id = (uint16_t)(1u + rnd(r) % 64u);
        return op;
    }
    if (m->nin > 0u) {
        op.op = OP_IN_REMOVE;
        op.id = m->in[rnd(r) % m->nin];
        return op;
    }
    op.op = OP_REMOVE;
    op.id = m->n > 0u ? m->out[0].id : 1u;
    return op;
}

typedef struct {
    uint8_t *flash;
    mqtls_flashlog_t fl;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(MAXREC)];
    long step;
} snap_t;

typedef struct {
    sim_flash_t sim;
    mqtls_flashlog_t fl;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(MAXREC)];
    mqtls_msgstore_t st;
} rig_t;

static void mount_ok(rig_t *rig, const char *what)
{
    int32_t rc = mqtls_flashlog_init(&rig->fl, &rig->sim.drv, rig->work, sizeof rig->work, &rig->st);
    if (rc != MQTLS_OK) {
        fail_msg("%s: mount failed: %s", what, mqtls_errname(rc));
    }
}

/* After a cut: remount (with a cut at every step of the remount's own
 * writes), check against before/after, go on writing, remount, check. */
static long check_after_cut(rig_t *rig, const model_t *before, const model_t *after, const char *what)
{
    size_t bytes = sim_flash_bytes(&rig->sim);
    uint8_t *cut_state = malloc(bytes);
    assert_non_null(cut_state);
    memcpy(cut_state, rig->sim.mem, bytes);
    long extra = 0;
    char why1[200], why2[200];
    for (long j = 0;; j++) {
        memcpy(rig->sim.mem, cut_state, bytes);
        rig->sim.step = 0;
        rig->sim.cut_at = j;
        int32_t rc = mqtls_flashlog_init(&rig->fl, &rig->sim.drv, rig->work, sizeof rig->work, &rig->st);
        int died = rig->sim.dead;
        sim_flash_power_on(&rig->sim);
        if (!died) {
            if (rc != MQTLS_OK) {
                fail_msg("%s: mount failed: %s", what, mqtls_errname(rc));
            }
            break;
        }
        extra++;
        mount_ok(rig, what); /* the remount after the remount's cut */
        if (!matches(&rig->st, before, why1, sizeof why1) && !matches(&rig->st, after, why2, sizeof why2)) {
            fail_msg("%s, remount cut at %ld: neither before (%s) nor after (%s)", what, j, why1, why2);
        }
    }
    free(cut_state);
    const model_t *m = NULL;
    if (matches(&rig->st, before, why1, sizeof why1)) {
        m = before;
    } else if (matches(&rig->st, after, why2, sizeof why2)) {
        m = after;
    } else {
        fail_msg("%s: neither the state before (%s) nor after (%s)", what, why1, why2);
    }
    /* go on: the store must be usable from here */
    model_t next = *m;
    op_t post[5];
    int np = 0;
    post[np++] = (op_t){OP_PUT, 60001, 40, 99};
    if (next.n > 0u && next.out[0].kind == MQTLS_MSG_PUBLISH && next.out[0].id != 60001) {
        post[np++] = (op_t){OP_PUBREL, next.out[0].id, 0, 0};
    }
    if (next.n > 1u) {
        post[np++] = (op_t){OP_REMOVE, next.out[1].id, 0, 0};
    }
    post[np++] = (op_t){OP_IN_PUT, 60002, 0, 0};
    if (next.nin > 0u) {
        post[np++] = (op_t){OP_IN_REMOVE, next.in[0], 0, 0};
    }
    for (int k = 0; k < np; k++) {
        int32_t rc = do_op(&rig->st, &post[k]);
        if (rc != MQTLS_OK) {
            fail_msg("%s: after the remount, op %d failed: %s", what, post[k].op, mqtls_errname(rc));
        }
        m_apply(&next, &post[k]);
    }
    /* then enough traffic for a compaction of every sector */
    uint32_t gc0 = mqtls_flashlog_gc_runs(&rig->fl);
    for (uint16_t id = 61000; mqtls_flashlog_gc_runs(&rig->fl) < gc0 + rig->sim.sector_count + 1u; id++) {
        op_t put = {OP_PUT, id, 24, id};
        op_t rm = {OP_REMOVE, id, 0, 0};
        int32_t rc = do_op(&rig->st, &put);
        if (rc != MQTLS_OK) {
            fail_msg("%s: after the remount, put %u failed: %s", what, id, mqtls_errname(rc));
        }
        do_op(&rig->st, &rm);
        assert_true(id < 64000);
    }
    mount_ok(rig, what);
    if (!matches(&rig->st, &next, why1, sizeof why1)) {
        fail_msg("%s: after writing on and remounting: %s", what, why1);
    }
    if (rig->sim.violations != 0) {
        fail_msg("%s: NOR violation: %s", what, rig->sim.why);
    }
    return extra;
}

static void power_cut_everywhere(const geo_t *g)
{
    rig_t *rig = calloc(1, sizeof *rig);
    snap_t *snaps = calloc((size_t)g->nops + 1u, sizeof *snaps);
    model_t *models = calloc((size_t)g->nops + 1u, sizeof *models);
    op_t *ops = calloc((size_t)g->nops, sizeof *ops);
    assert_non_null(rig);
    assert_non_null(snaps);
    assert_non_null(models);
    assert_non_null(ops);
    sim_flash_init(&rig->sim, g->sector_size, g->sectors, g->unit);
    size_t bytes = sim_flash_bytes(&rig->sim);
    mount_ok(rig, "blank flash");

    /* the reference run */
    uint32_t r = 0x9E3779B9u ^ g->unit ^ (g->sectors << 8);
    uint16_t next_id = 1;
    for (int i = 0; i < g->nops; i++) {
        snaps[i].flash = malloc(bytes);
        assert_non_null(snaps[i].flash);
        memcpy(snaps[i].flash, rig->sim.mem, bytes);
        snaps[i].fl = rig->fl;
        memcpy(snaps[i].work, rig->work, sizeof rig->work);
        snaps[i].step = rig->sim.step;
        ops[i] = next_op(g, &models[i], &r, &next_id, i);
        int32_t rc = do_op(&rig->st, &ops[i]);
        if (rc != MQTLS_OK) {
            fail_msg("reference run, op %d (%d): %s", i, ops[i].op, mqtls_errname(rc));
        }
        models[i + 1] = models[i];
        m_apply(&models[i + 1], &ops[i]);
        char why[200];
        if (!matches(&rig->st, &models[i + 1], why, sizeof why)) {
            fail_msg("reference run, after op %d: %s", i, why);
        }
    }
    snaps[g->nops].step = rig->sim.step;
    uint32_t gc = mqtls_flashlog_gc_runs(&rig->fl);
    uint32_t emin = UINT32_MAX, emax = 0;
    for (uint32_t s = 0; s < g->sectors; s++) {
        emin = rig->sim.erases[s] < emin ? rig->sim.erases[s] : emin;
        emax = rig->sim.erases[s] > emax ? rig->sim.erases[s] : emax;
    }
    assert_int_equal(rig->sim.violations, 0);
    mount_ok(rig, "end of the reference run");
    char why[200];
    if (!matches(&rig->st, &models[g->nops], why, sizeof why)) {
        fail_msg("remount after the reference run: %s", why);
    }

    /* a cut at every step of every operation */
    long tried = 0, remount_cuts = 0;
    for (int i = 0; i < g->nops; i++) {
        for (long k = snaps[i].step; k < snaps[i + 1].step; k++) {
            char what[96];
            snprintf(what, sizeof what, "op %d (kind %d, id %u), cut at step %ld", i, ops[i].op, ops[i].id, k);
            memcpy(rig->sim.mem, snaps[i].flash, bytes);
            rig->fl = snaps[i].fl;
            memcpy(rig->work, snaps[i].work, sizeof rig->work);
            rig->st.ctx = &rig->fl;
            rig->sim.step = snaps[i].step;
            rig->sim.cut_at = k;
            (void)do_op(&rig->st, &ops[i]);
            if (!rig->sim.dead) {
                fail_msg("%s: the power did not go", what);
            }
            sim_flash_power_on(&rig->sim);
            remount_cuts += check_after_cut(rig, &models[i], &models[i + 1], what);
            tried++;
        }
    }
    print_message("flashlog power cut (sector %u B x %u, prog unit %u): %d operations, %u compactions, "
                  "erases per sector %u..%u; %ld cut points tried (+%ld during remounts), all recovered\n",
                  g->sector_size, g->sectors, g->unit, g->nops, gc, emin, emax, tried, remount_cuts);
    assert_int_equal(tried, snaps[g->nops].step - snaps[0].step);
    assert_true(tried > 1000);
    assert_true(gc >= 2u * g->sectors); /* several rounds of compaction */
    assert_true(emax - emin <= 1u);     /* round-robin wear */
    for (int i = 0; i < g->nops; i++) {
        free(snaps[i].flash);
    }
    sim_flash_free(&rig->sim);
    free(ops);
    free(models);
    free(snaps);
    free(rig);
}

static void power_cut_at_every_step_unit4(void **state)
{
    (void)state;
    geo_t g = {512, 4, 4, 400, 6, 120};
    power_cut_everywhere(&g);
}

static void power_cut_at_every_step_unit1_three_sectors(void **state)
{
    (void)state;
    geo_t g = {256, 3, 1, 300, 3, 60};
    power_cut_everywhere(&g);
}

static void power_cut_at_every_step_unit8_two_sectors(void **state)
{
    (void)state;
    geo_t g = {1024, 2, 8, 250, 4, 100};
    power_cut_everywhere(&g);
}

/* ---- the rest ------------------------------------------------------------- */

static void init_rejects_bad_geometry(void **state)
{
    (void)state;
    sim_flash_t sim;
    mqtls_flashlog_t fl;
    mqtls_msgstore_t st;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(4)];
    sim_flash_init(&sim, 512, 4, 4);
    mqtls_flash_t d = sim.drv;
    assert_int_equal(mqtls_flashlog_init(NULL, &d, work, sizeof work, &st), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_flashlog_init(&fl, &d, NULL, sizeof work, &st), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_flashlog_init(&fl, &d, work, 3, &st), MQTLS_ERR_INVALID_ARG);
    d.sector_count = 1;
    assert_int_equal(mqtls_flashlog_init(&fl, &d, work, sizeof work, &st), MQTLS_ERR_INVALID_ARG);
    d = sim.drv;
    d.prog_unit = 3;
    assert_int_equal(mqtls_flashlog_init(&fl, &d, work, sizeof work, &st), MQTLS_ERR_INVALID_ARG);
    d.prog_unit = 64; /* above MQTLS_CONFIG_FLASHLOG_CHUNK */
    assert_int_equal(mqtls_flashlog_init(&fl, &d, work, sizeof work, &st), MQTLS_ERR_INVALID_ARG);
    d = sim.drv;
    d.sector_size = 64;
    assert_int_equal(mqtls_flashlog_init(&fl, &d, work, sizeof work, &st), MQTLS_ERR_INVALID_ARG);
    d = sim.drv;
    d.erase = NULL;
    assert_int_equal(mqtls_flashlog_init(&fl, &d, work, sizeof work, &st), MQTLS_ERR_INVALID_ARG);
    sim_flash_free(&sim);
}

static void mount_refuses_other_prog_unit_and_small_work(void **state)
{
    (void)state;
    sim_flash_t sim;
    mqtls_flashlog_t fl;
    mqtls_msgstore_t st;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(8)];
    uint8_t tiny[MQTLS_FLASHLOG_WORK_SIZE(2)];
    uint8_t pkt[30];
    conf_fill(pkt, sizeof pkt, 1, 0);
    sim_flash_init(&sim, 512, 4, 4);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    for (uint16_t id = 1; id <= 5; id++) {
        assert_int_equal(st.put(st.ctx, id, pkt, sizeof pkt), MQTLS_OK);
    }
    uint8_t *before = malloc(sim_flash_bytes(&sim));
    assert_non_null(before);
    memcpy(before, sim.mem, sim_flash_bytes(&sim));
    mqtls_flash_t other = sim.drv;
    other.prog_unit = 8;
    assert_int_equal(mqtls_flashlog_init(&fl, &other, work, sizeof work, &st), MQTLS_ERR_STORE_CORRUPT);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, tiny, sizeof tiny, &st), MQTLS_ERR_STORE_TOO_SMALL);
    assert_memory_equal(before, sim.mem, sim_flash_bytes(&sim)); /* nothing was changed */
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    conf_list_t l;
    conf_list(&st, &l);
    assert_int_equal(l.n, 5);
    free(before);
    sim_flash_free(&sim);
}

static void full_store_still_takes_acknowledgements(void **state)
{
    (void)state;
    sim_flash_t sim;
    mqtls_flashlog_t fl;
    mqtls_msgstore_t st;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(64)];
    uint8_t pkt[100];
    sim_flash_init(&sim, 512, 3, 4);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    uint16_t id = 1;
    int32_t rc;
    do {
        conf_fill(pkt, sizeof pkt, id, 0);
        rc = st.put(st.ctx, id, pkt, sizeof pkt);
        id++;
    } while (rc == MQTLS_OK && id < 100);
    assert_int_equal(rc, MQTLS_ERR_STORE_FULL);
    uint16_t stored = (uint16_t)(id - 2u);
    assert_true(stored >= 4u);
    /* a full store costs no erase cycles however often it is asked */
    uint32_t erases = sim.erases[0] + sim.erases[1] + sim.erases[2];
    for (int k = 0; k < 20; k++) {
        assert_int_equal(st.put(st.ctx, 500, pkt, sizeof pkt), MQTLS_ERR_STORE_FULL);
    }
    assert_int_equal(sim.erases[0] + sim.erases[1] + sim.erases[2], erases);
    /* acknowledgements need no room */
    assert_int_equal(st.mark_pubrel(st.ctx, 1), MQTLS_OK);
    st.remove(st.ctx, 2);
    st.remove(st.ctx, 3);
    conf_fill(pkt, sizeof pkt, 500, 0);
    assert_int_equal(st.put(st.ctx, 500, pkt, sizeof pkt), MQTLS_OK);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    conf_list_t l;
    conf_list(&st, &l);
    assert_int_equal(l.n, stored - 1u); /* -2 removed, +1 put */
    assert_int_equal(l.kind[0], MQTLS_MSG_PUBREL);
    assert_int_equal(l.id[0], 1);
    assert_int_equal(l.id[l.n - 1u], 500);
    /* clear on a full store works too */
    do {
        conf_fill(pkt, sizeof pkt, id, 0);
        rc = st.put(st.ctx, id, pkt, sizeof pkt);
        id++;
    } while (rc == MQTLS_OK);
    st.clear(st.ctx);
    conf_list(&st, &l);
    assert_int_equal(l.n, 0);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    conf_list(&st, &l);
    assert_int_equal(l.n, 0);
    assert_int_equal(sim.violations, 0);
    sim_flash_free(&sim);
}

static void index_full_is_store_full(void **state)
{
    (void)state;
    sim_flash_t sim;
    mqtls_flashlog_t fl;
    mqtls_msgstore_t st;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(3)];
    uint8_t pkt[10] = {0x32};
    sim_flash_init(&sim, 1024, 4, 1);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    assert_int_equal(st.put(st.ctx, 1, pkt, sizeof pkt), MQTLS_OK);
    assert_int_equal(st.put(st.ctx, 2, pkt, sizeof pkt), MQTLS_OK);
    assert_int_equal(st.put_inbound(st.ctx, 9), MQTLS_OK);
    assert_int_equal(st.put(st.ctx, 3, pkt, sizeof pkt), MQTLS_ERR_STORE_FULL);
    assert_int_equal(st.put_inbound(st.ctx, 10), MQTLS_ERR_STORE_FULL);
    assert_int_equal(st.put(st.ctx, 2, pkt, sizeof pkt), MQTLS_OK); /* replacing needs no new entry */
    st.remove(st.ctx, 1);
    assert_int_equal(st.put(st.ctx, 3, pkt, sizeof pkt), MQTLS_OK);
    sim_flash_free(&sim);
}

static void bit_rot_in_a_record_drops_only_that_record(void **state)
{
    (void)state;
    sim_flash_t sim;
    mqtls_flashlog_t fl;
    mqtls_msgstore_t st;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(8)];
    uint8_t pkt[40];
    sim_flash_init(&sim, 512, 4, 4);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    for (uint16_t id = 1; id <= 3; id++) {
        conf_fill(pkt, sizeof pkt, id, 0);
        assert_int_equal(st.put(st.ctx, id, pkt, sizeof pkt), MQTLS_OK);
    }
    /* record 2: sector header 16 B, record 1 = 20+40 -> 60 + 3 units = 72 */
    sim.mem[16u + 72u + 20u + 5u] ^= 0x10u;
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    conf_list_t l;
    conf_list(&st, &l);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.id[0], 1);
    assert_int_equal(l.id[1], 3);
    uint8_t got[40];
    conf_fill(pkt, sizeof pkt, 3, 0);
    assert_int_equal(st.get(st.ctx, 3, got, sizeof got), 40);
    assert_memory_equal(got, pkt, sizeof pkt);
    sim_flash_free(&sim);
}

/* Found by fuzz_flashlog: a stray programmed byte past the end of the log
 * (a torn write that was not sequential, a flipped bit) moves the write
 * pointer after it; the records written there must still be found. */
static void records_after_stray_bits_are_found(void **state)
{
    (void)state;
    sim_flash_t sim;
    mqtls_flashlog_t fl;
    mqtls_msgstore_t st;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(8)];
    uint8_t pkt[40];
    sim_flash_init(&sim, 512, 4, 4);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    for (uint16_t id = 1; id <= 2; id++) {
        conf_fill(pkt, sizeof pkt, id, 0);
        assert_int_equal(st.put(st.ctx, id, pkt, sizeof pkt), MQTLS_OK);
    }
    sim.mem[16u + 2u * 72u + 100u] = 0xEF; /* 100 blank bytes after record 2 */
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    conf_fill(pkt, sizeof pkt, 3, 0);
    assert_int_equal(st.put(st.ctx, 3, pkt, sizeof pkt), MQTLS_OK);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    conf_list_t l;
    conf_list(&st, &l);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.id[2], 3);
    uint8_t got[40];
    assert_int_equal(st.get(st.ctx, 3, got, sizeof got), 40);
    assert_memory_equal(got, pkt, sizeof pkt);
    assert_int_equal(sim.violations, 0);
    sim_flash_free(&sim);
}

static void driver_errors_are_store_io(void **state)
{
    (void)state;
    sim_flash_t sim;
    mqtls_flashlog_t fl;
    mqtls_msgstore_t st;
    uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(8)];
    uint8_t pkt[40] = {0x32};
    sim_flash_init(&sim, 512, 4, 4);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    sim.cut_at = sim.step; /* the next call dies; later ones fail with -1 */
    assert_int_equal(st.put(st.ctx, 1, pkt, sizeof pkt), MQTLS_ERR_STORE_IO);
    assert_int_equal(mqtls_flashlog_driver_error(&fl), -1);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_ERR_STORE_IO);
    sim_flash_power_on(&sim);
    assert_int_equal(mqtls_flashlog_init(&fl, &sim.drv, work, sizeof work, &st), MQTLS_OK);
    assert_int_equal(mqtls_flashlog_driver_error(&fl), 0);
    sim_flash_free(&sim);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CONFORMANCE_TESTS(&conf_flash),
        cmocka_unit_test(init_rejects_bad_geometry),
        cmocka_unit_test(mount_refuses_other_prog_unit_and_small_work),
        cmocka_unit_test(full_store_still_takes_acknowledgements),
        cmocka_unit_test(index_full_is_store_full),
        cmocka_unit_test(bit_rot_in_a_record_drops_only_that_record),
        cmocka_unit_test(records_after_stray_bits_are_found),
        cmocka_unit_test(driver_errors_are_store_io),
        cmocka_unit_test(power_cut_at_every_step_unit4),
        cmocka_unit_test(power_cut_at_every_step_unit1_three_sectors),
        cmocka_unit_test(power_cut_at_every_step_unit8_two_sectors),
    };
    return cmocka_run_group_tests_name("flashlog", tests, NULL, NULL);
}
