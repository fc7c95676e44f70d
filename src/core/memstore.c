/* SPDX-License-Identifier: MIT
 * mqtls: a RAM message store for unacknowledged outgoing PUBLISH packets. */
/*
 * see mqtls/client.h. Records are appended to the caller's arena as
 * [packet id: 2][length: 4][packet bytes], oldest first, which is also the
 * order they must be resent in. Acknowledgements arrive mostly in order, so
 * remove() marks a record dead (id 0; MQTT never uses id 0) and advances
 * `head` over dead records at the front instead of moving memory on every
 * acknowledgement; put() compacts the arena only when the tail has no room.
 * That keeps a pipelined publisher at amortised O(1) copying per message.
 * The rejected alternative, fixed-size slots, wastes RAM on small devices
 * whose messages vary in size.
 */
#include <string.h>

#include "mqtls/client.h"

#define REC_HDR 6u

static uint16_t rec_id(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static size_t rec_len(const uint8_t *p)
{
    return ((size_t)p[2] << 24) | ((size_t)p[3] << 16) | ((size_t)p[4] << 8) | (size_t)p[5];
}

/* Offset of the live record with this id, or ms->used when absent. */
static size_t find(const mqtls_memstore_t *ms, uint16_t id)
{
    size_t off = ms->head;
    while (off < ms->used) {
        if (rec_id(ms->buf + off) == id) {
            return off;
        }
        off += REC_HDR + rec_len(ms->buf + off);
    }
    return ms->used;
}

static void skip_dead_head(mqtls_memstore_t *ms)
{
    while (ms->head < ms->used && rec_id(ms->buf + ms->head) == 0u) {
        ms->head += REC_HDR + rec_len(ms->buf + ms->head);
    }
    if (ms->head >= ms->used) {
        ms->head = 0;
        ms->used = 0;
    }
}

static void compact(mqtls_memstore_t *ms)
{
    size_t rd = ms->head;
    size_t wr = 0;
    while (rd < ms->used) {
        size_t n = REC_HDR + rec_len(ms->buf + rd);
        if (rec_id(ms->buf + rd) != 0u) {
            if (wr != rd) {
                memmove(ms->buf + wr, ms->buf + rd, n);
            }
            wr += n;
        }
        rd += n;
    }
    ms->head = 0;
    ms->used = wr;
}

static void ms_remove(void *ctx, uint16_t id)
{
    mqtls_memstore_t *ms = ctx;
    size_t off = find(ms, id);
    if (id == 0u || off >= ms->used) {
        return;
    }
    ms->buf[off] = 0;
    ms->buf[off + 1u] = 0;
    skip_dead_head(ms);
}

static int32_t ms_put(void *ctx, uint16_t id, const uint8_t *pkt, size_t len)
{
    mqtls_memstore_t *ms = ctx;
    if (id == 0u || pkt == NULL || len == 0u || len > 0x7FFFFFFFu) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (len > ms->cap || ms->cap - len < REC_HDR) {
        return MQTLS_ERR_STORE_TOO_SMALL;
    }
    ms_remove(ctx, id); /* a put replaces an older copy */
    if (ms->cap - ms->used < REC_HDR + len) {
        compact(ms);
        if (ms->cap - ms->used < REC_HDR + len) {
            return MQTLS_ERR_STORE_FULL;
        }
    }
    uint8_t *p = ms->buf + ms->used;
    p[0] = (uint8_t)(id >> 8);
    p[1] = (uint8_t)id;
    p[2] = (uint8_t)(len >> 24);
    p[3] = (uint8_t)(len >> 16);
    p[4] = (uint8_t)(len >> 8);
    p[5] = (uint8_t)len;
    memcpy(p + REC_HDR, pkt, len);
    ms->used += REC_HDR + len;
    return MQTLS_OK;
}

static int32_t ms_get(void *ctx, uint16_t id, uint8_t *buf, size_t len)
{
    const mqtls_memstore_t *ms = ctx;
    size_t off = find(ms, id);
    if (id == 0u || off >= ms->used) {
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
}

int32_t mqtls_memstore_init(mqtls_memstore_t *ms, uint8_t *buf, size_t len, mqtls_store_t *out)
{
    if (ms == NULL || buf == NULL || out == NULL || len <= REC_HDR) {
        return MQTLS_ERR_INVALID_ARG;
    }
    ms->buf = buf;
    ms->cap = len;
    ms->head = 0;
    ms->used = 0;
    memset(out, 0, sizeof *out);
    out->ctx = ms;
    out->put = ms_put;
    out->get = ms_get;
    out->remove = ms_remove;
    out->clear = ms_clear;
    return MQTLS_OK;
}
