/* SPDX-License-Identifier: MIT
 * mqtls: a RAM message store -- a session's QoS 1/2 records in a caller's arena. */
/*
 * see mqtls/client.h and mqtls/msgstore.h. Records are appended to the
 * arena as [packet id: 2][kind: 2 bits | length: 30 bits][packet bytes],
 * oldest first, which is also the order outgoing ones must be resent in.
 * Kinds: PUBLISH (bytes kept), PUBREL (mark_pubrel(): the kind changes in
 * place, so the record keeps its position; its bytes are dropped at the
 * next compaction) and INBOUND (an incoming QoS 2 id, no bytes). remove()
 * marks a record dead (id 0; MQTT never uses id 0) and advances `head` over
 * dead records at the front instead of moving memory on every
 * acknowledgement; put() compacts the arena only when the tail has no room.
 * That keeps a pipelined publisher at amortised O(1) copying per message.
 *
 * Finding a record by id: with mqtls_memstore_init_indexed() an open-
 * addressing table at the front of the arena (4 bytes a slot, two slots per
 * record, linear probing, backward-shift deletion) maps id to offset, so
 * every operation is O(1) whatever the order of acknowledgements. Without
 * it, the record at the head is tried first (acknowledgements mostly come
 * in order, so that is O(1) too) and only an out-of-order one scans; put()
 * then trusts the client never to store an id twice (it does not) instead
 * of searching for an older copy on every message, the scan issue 14
 * measured at 2 460 instructions per message with a window of 256.
 * Rejected: fixed-size slots, which waste RAM on small devices whose
 * messages vary in size.
 *
 * The index lives in memstore_index.c with mqtls_memstore_init_indexed(),
 * and this file reaches its two functions through weak references (as
 * error.c reaches the layers' tables): a firmware that calls only
 * mqtls_memstore_init() links none of it (about 500 bytes on Cortex-M4).
 * They are called only when ms->index is set, which only
 * mqtls_memstore_init_indexed() does, so they are always there when used.
 */
#include <string.h>

#include "memstore_priv.h"

#define LEN_MASK 0x3FFFFFFFu
#define NOWHERE ((size_t)-1)

/* GCC and Clang on ELF: an undefined weak reference is NULL (never called then). */
extern size_t mqtls__msix_probe(const mqtls_memstore_t *ms, uint32_t key) __attribute__((weak));
extern void mqtls__msix_del(mqtls_memstore_t *ms, uint32_t key) __attribute__((weak));

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
    if (ms->index != NULL) {
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
    if (ms->index != NULL) {
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
    if (ms->index != NULL) {
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
            uint8_t *slot = ms->index != NULL ? slot_of(ms, rec_key(p)) : NULL;
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
    if (ms->index != NULL && ms->live >= ms->slots / 2u) {
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

static void ms_remove(void *ctx, uint16_t id)
{
    mqtls_memstore_t *ms = ctx;
    size_t off = find(ms, id, false);
    if (off != NOWHERE) {
        kill(ms, off);
    }
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
    if (ms->index != NULL) {
        ms_remove(ctx, id); /* a put replaces an older copy (O(1) with the index) */
    }
    return append(ms, id, K_PUBLISH, pkt, len);
}

static int32_t ms_get(void *ctx, uint16_t id, uint8_t *buf, size_t len)
{
    const mqtls_memstore_t *ms = ctx;
    size_t off = find(ms, id, false);
    if (off == NOWHERE || rec_kind(ms->buf + off) != K_PUBLISH) {
        return MQTLS_ERR_INVALID_ARG;
    }
    size_t n = rec_len(ms->buf + off);
    if (buf == NULL || n > len) {
        return MQTLS_ERR_BUFFER_TOO_SMALL;
    }
    memcpy(buf, ms->buf + off + REC_HDR, n);
    return (int32_t)n;
}

static void ms_clear(void *ctx)
{
    mqtls_memstore_t *ms = ctx;
    ms->head = 0;
    ms->used = 0;
    ms->live = 0;
    if (ms->index != NULL) {
        memset(ms->index, 0, 4u * ms->slots);
    }
}

static int32_t ms_mark_pubrel(void *ctx, uint16_t id)
{
    mqtls_memstore_t *ms = ctx;
    size_t off = find(ms, id, false);
    if (off == NOWHERE || rec_kind(ms->buf + off) != K_PUBLISH) {
        return MQTLS_ERR_INVALID_ARG;
    }
    uint8_t *p = ms->buf + off;
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
    mqtls_memstore_t *ms = ctx;
    size_t off = find(ms, id, true);
    if (off != NOWHERE) {
        kill(ms, off);
    }
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
            uint8_t kind = k == K_PUBLISH ? MQTLS_MSG_PUBLISH : k == K_PUBREL ? MQTLS_MSG_PUBREL : MQTLS_MSG_INBOUND;
            int32_t rc = fn(arg, kind, rec_id(p), k == K_PUBLISH ? rec_len(p) : 0u);
            if (rc < 0) {
                return rc;
            }
        }
    }
    return MQTLS_OK;
}

/* Both inits: index_len bytes of buf hold an index of `slots` slots (none when 0). */
int32_t mqtls__memstore_setup(mqtls_memstore_t *ms, uint8_t *buf, size_t len, size_t index_len, size_t slots,
                              mqtls_msgstore_t *out)
{
    if (ms == NULL || buf == NULL || out == NULL || len <= index_len || len - index_len <= REC_HDR) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(ms, 0, sizeof *ms);
    ms->index = slots > 0u ? buf : NULL;
    ms->slots = slots;
    ms->buf = buf + index_len;
    ms->cap = len - index_len;
    ms_clear(ms);
    memset(out, 0, sizeof *out);
    out->ctx = ms;
    out->put = ms_put;
    out->get = ms_get;
    out->remove = ms_remove;
    out->clear = ms_clear;
    out->mark_pubrel = ms_mark_pubrel;
    out->put_inbound = ms_put_inbound;
    out->remove_inbound = ms_remove_inbound;
    out->each = ms_each;
    return MQTLS_OK;
}

int32_t mqtls_memstore_init(mqtls_memstore_t *ms, uint8_t *buf, size_t len, mqtls_msgstore_t *out)
{
    return mqtls__memstore_setup(ms, buf, len, 0, 0, out);
}

size_t mqtls_memstore_count(const mqtls_memstore_t *ms)
{
    return ms == NULL ? 0u : ms->live;
}
