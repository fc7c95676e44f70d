/* SPDX-License-Identifier: MIT
 * mqtls: the RAM message store's records and hooks, compiled twice (private). */
/*
 * see memstore.c. memstore.c includes this with MS_INDEXED 0 (the store of
 * mqtls_memstore_init(): find by scanning from the head) and
 * memstore_index.c with MS_INDEXED 1 (mqtls_memstore_init_indexed(): find
 * through the index, which memstore_index.c defines before the include), so
 * each store is the same code with the other's branches folded away and a
 * firmware links only the one it makes: the unindexed store carries no
 * index test at all (244 bytes on Cortex-M4 when they were run-time tests).
 * Rejected: run-time tests of ms->index (the unindexed store paid for the
 * indexed one), and a hook table per operation inside mqtls_memstore_t (a
 * public struct, and an indirect call per record moved).
 *
 * The includer defines MS_INDEXED and, when it is 1, mqtls__msix_probe()
 * and mqtls__msix_del(); it gets static hooks and `ms_hooks`, the
 * mqtls_msgstore_t to copy (ctx left NULL).
 */
#ifndef MS_INDEXED
#error "memstore_ops.h is included by memstore.c and memstore_index.c with MS_INDEXED set"
#endif

#include <string.h>

#include "memstore_priv.h"

#define LEN_MASK 0x3FFFFFFFu
#define NOWHERE ((size_t)-1)

#if !MS_INDEXED
/* Never run (every use sits behind MS_INDEXED), and at -O0 no reference
 * to memstore_index.c either. */
#define mqtls__msix_probe(ms, key) ((void)(ms), (void)(key), (size_t)0)
#define mqtls__msix_del(ms, key) ((void)(ms), (void)(key))
#endif

static size_t rec_len(const uint8_t *p)
{
    return get32(p + 2) & LEN_MASK;
}

static size_t rec_size(const uint8_t *p)
{
    return REC_HDR + rec_len(p);
}

/* The index slot of key (holding it, or the empty one that ends its run). */
static uint8_t *slot_of(const mqtls_memstore_t *ms, uint32_t key)
{
    return ms->index + 4u * mqtls__msix_probe(ms, key);
}

static void index_set(mqtls_memstore_t *ms, uint32_t key, size_t off)
{
    if (MS_INDEXED) {
        put32(slot_of(ms, key), (uint32_t)off + 1u);
    }
}

/* ---- finding, removing, compacting ----------------------------------------------------------- */

static bool matches(const uint8_t *p, uint16_t id, bool inbound)
{
    return rec_id(p) == id && (rec_kind(p) == K_INBOUND) == inbound;
}

/* Offset of the live record with this id (outgoing or inbound), NOWHERE when absent. */
static size_t find(const mqtls_memstore_t *ms, uint16_t id, bool inbound)
{
    if (id == 0u) {
        return NOWHERE;
    }
    if (MS_INDEXED) {
        uint32_t v = get32(slot_of(ms, key_of(id, inbound)));
        return v == 0u ? NOWHERE : (size_t)v - 1u;
    }
    for (size_t off = ms->head; off < ms->used; off += rec_size(ms->buf + off)) {
        if (matches(ms->buf + off, id, inbound)) {
            return off; /* the head first: acknowledgements mostly come in order */
        }
    }
    return NOWHERE;
}

static void skip_dead_head(mqtls_memstore_t *ms)
{
    while (ms->head < ms->used && rec_id(ms->buf + ms->head) == 0u) {
        ms->head += rec_size(ms->buf + ms->head);
    }
    if (ms->head >= ms->used) {
        ms->head = 0;
        ms->used = 0;
    }
}

static void kill(mqtls_memstore_t *ms, size_t off)
{
    if (MS_INDEXED) {
        mqtls__msix_del(ms, rec_key(ms->buf + off));
    }
    ms->buf[off] = 0;
    ms->buf[off + 1u] = 0;
    ms->live--;
    skip_dead_head(ms);
}

/* Move live records to the front; PUBREL records lose their bytes. */
static void compact(mqtls_memstore_t *ms)
{
    size_t rd = ms->head;
    size_t wr = 0;
    while (rd < ms->used) {
        uint8_t *p = ms->buf + rd;
        size_t n = rec_size(p);
        if (rec_id(p) != 0u) {
            size_t keep = rec_kind(p) == K_PUBLISH ? n : REC_HDR;
            /* Its slot, found while the record is intact: the move may
             * overwrite the old bytes the probe compares. */
            uint8_t *slot = MS_INDEXED ? slot_of(ms, rec_key(p)) : NULL;
            if (wr != rd) {
                memmove(ms->buf + wr, p, keep);
            }
            if (keep != n) {
                put32(ms->buf + wr + 2u, (uint32_t)K_PUBREL << KIND_SHIFT);
            }
            if (slot != NULL) {
                put32(slot, (uint32_t)wr + 1u);
            }
            wr += keep;
        }
        rd += n;
    }
    ms->head = 0;
    ms->used = wr;
}

/* Append a record; MQTLS_ERR_STORE_FULL when neither the arena nor the index has room. */
static int32_t append(mqtls_memstore_t *ms, uint16_t id, unsigned kind, const uint8_t *pkt, size_t len)
{
    if (MS_INDEXED && ms->live >= ms->slots / 2u) {
        return MQTLS_ERR_STORE_FULL;
    }
    if (ms->cap - ms->used < REC_HDR + len) {
        compact(ms);
        if (ms->cap - ms->used < REC_HDR + len) {
            return MQTLS_ERR_STORE_FULL;
        }
    }
    uint8_t *p = ms->buf + ms->used;
    p[0] = (uint8_t)(id >> 8);
    p[1] = (uint8_t)id;
    put32(p + 2, ((uint32_t)kind << KIND_SHIFT) | (uint32_t)len);
    if (len > 0u) {
        memcpy(p + REC_HDR, pkt, len);
    }
    index_set(ms, key_of(id, kind == K_INBOUND), ms->used);
    ms->used += REC_HDR + len;
    ms->live++;
    return MQTLS_OK;
}

/* ---- the hooks ----------------------------------------------------------------------------- */

/* Forget the live record with this id, if there is one. */
static void drop(mqtls_memstore_t *ms, uint16_t id, bool inbound)
{
    size_t off = find(ms, id, inbound);
    if (off != NOWHERE) {
        kill(ms, off);
    }
}

/* The record of a stored PUBLISH (bytes kept), NULL when there is none. */
static uint8_t *find_publish(const mqtls_memstore_t *ms, uint16_t id)
{
    size_t off = find(ms, id, false);
    return off == NOWHERE || rec_kind(ms->buf + off) != K_PUBLISH ? NULL : ms->buf + off;
}

static void ms_remove(void *ctx, uint16_t id)
{
    drop(ctx, id, false);
}

static int32_t ms_put(void *ctx, uint16_t id, const uint8_t *pkt, size_t len)
{
    mqtls_memstore_t *ms = ctx;
    if (id == 0u || pkt == NULL || len == 0u || len > LEN_MASK) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (len > ms->cap || ms->cap - len < REC_HDR) {
        return MQTLS_ERR_STORE_TOO_SMALL;
    }
    if (MS_INDEXED) {
        ms_remove(ctx, id); /* a put replaces an older copy (O(1) with the index) */
    }
    return append(ms, id, K_PUBLISH, pkt, len);
}

static int32_t ms_get(void *ctx, uint16_t id, uint8_t *buf, size_t len)
{
    const uint8_t *p = find_publish(ctx, id);
    if (p == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    size_t n = rec_len(p);
    if (buf == NULL || n > len) {
        return MQTLS_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(buf, p + REC_HDR, n);
    return (int32_t)n;
}

static void ms_clear(void *ctx)
{
    mqtls_memstore_t *ms = ctx;
    ms->head = 0;
    ms->used = 0;
    ms->live = 0;
    if (MS_INDEXED) {
        memset(ms->index, 0, 4u * ms->slots);
    }
}

static int32_t ms_mark_pubrel(void *ctx, uint16_t id)
{
    uint8_t *p = find_publish(ctx, id);
    if (p == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    put32(p + 2, ((uint32_t)K_PUBREL << KIND_SHIFT) | (uint32_t)rec_len(p)); /* bytes go at compaction */
    return MQTLS_OK;
}

static int32_t ms_put_inbound(void *ctx, uint16_t id)
{
    mqtls_memstore_t *ms = ctx;
    if (id == 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    return find(ms, id, true) != NOWHERE ? MQTLS_OK : append(ms, id, K_INBOUND, NULL, 0);
}

static void ms_remove_inbound(void *ctx, uint16_t id)
{
    drop(ctx, id, true);
}

/* Outgoing records in the order they were put, then the inbound ids. */
static int32_t ms_each(void *ctx, mqtls_msgstore_visit_fn fn, void *arg)
{
    const mqtls_memstore_t *ms = ctx;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t off = ms->head; off < ms->used; off += rec_size(ms->buf + off)) {
            const uint8_t *p = ms->buf + off;
            unsigned k = rec_kind(p);
            if (rec_id(p) == 0u || (k == K_INBOUND) != (pass == 1)) {
                continue;
            }
            /* K_x + 1 is MQTLS_MSG_x (memstore_priv.h checks it). */
            int32_t rc = fn(arg, (uint8_t)(k + 1u), rec_id(p), k == K_PUBLISH ? rec_len(p) : 0u);
            if (rc < 0) {
                return rc;
            }
        }
    }
    return MQTLS_OK;
}

/* In the order of mqtls_msgstore_t: ctx (set by the init), put, get,
 * remove, clear, then the reboot hooks. */
static const mqtls_msgstore_t ms_hooks = {
    NULL, ms_put, ms_get, ms_remove, ms_clear, ms_mark_pubrel, ms_put_inbound, ms_remove_inbound, ms_each};
