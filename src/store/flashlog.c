/* SPDX-License-Identifier: MIT
 * mqtls: the flash-log message store (see mqtls/flashlog.h). */
/*
 * Layout. Every sector starts with a header {magic "MQFL", seq, version,
 * prog_unit, CRC-32}; seq grows by one each time a sector is opened, and
 * sectors are opened in ring order (round-robin wear). The log is the run
 * of sectors that ends at the head (highest seq) and walks back over
 * consecutive seqs. A record is
 *
 *   header {0x5A, type, id, seq, len, payload CRC, header CRC} | payload |
 *   pad to prog_unit | commit unit | pubrel unit | deleted unit
 *
 * each unit one prog_unit long, programmed once. A record exists when its
 * commit unit reads all 0x00: it is programmed only after the header and
 * payload, so a torn record is never taken for a whole one. mark_pubrel()
 * and remove() program the pubrel / deleted unit of the record in place
 * (any bit cleared counts): they need no free space, so a full store can
 * always take acknowledgements, and an outgoing record keeps its place.
 * seq is the outgoing order; it travels with a record when it is copied.
 *
 * Compaction (gc_one) takes the oldest sector, copies its live records to
 * the head (a PUBREL-marked PUBLISH becomes a small PUBREL record) and then
 * writes a FENCE record "sectors below seq W are dead" instead of erasing:
 * the sector is erased only when the ring comes round to it, right before
 * its new header. So an erase cut half-way leaves a sector that is dead by
 * the fence whatever bytes survived in it, and a sector is never trusted
 * because it merely looks erased. Each sector keeps the last `F` bytes for
 * the fence (normal records stop short of them), and one sector is always
 * free, so compaction can always finish: the live records of one sector
 * fit in one fresh sector with its fence. The only state with no free
 * sector is a compaction cut before its fence; then the newest sector holds
 * nothing but copies of records that are still in the oldest one, and
 * mount erases it and starts again.
 *
 * Mount replays the log oldest first, per id "the last committed record
 * wins" (a deleted record removes its id, CLEAR forgets everything before
 * it), ignoring records that are torn or uncommitted; a header that does
 * not check out is skipped one prog_unit at a time, so a cut inside a
 * header cannot hide the records written after the reboot.
 *
 * Rejected: a tombstone record per remove (a full store could then not
 * take the acknowledgements that would empty it); erasing the collected
 * sector at once (a cut erase leaves records half there, and a removed
 * record could come back from it); a block map or superblock in a fixed
 * sector (that sector would wear out first).
 */
#include <string.h>

#include "mqtls/error.h"
#include "mqtls/flashlog.h"

#include "crc32.h"

struct mqtls__flashlog_ent {
    uint32_t addr; /* absolute address of the record that defines it */
    uint32_t seq;
    uint32_t len; /* PUBLISH bytes, 0 otherwise */
    uint16_t id;
    uint8_t kind; /* MQTLS_MSG_* */
    uint8_t pad;
};

_Static_assert(sizeof(struct mqtls__flashlog_ent) == MQTLS_FLASHLOG_ENTRY_SIZE, "entry size");

enum { T_PUT = 1, T_PUBREL = 2, T_INBOUND = 3, T_CLEAR = 4, T_FENCE = 5 };

#define NONE 0xFFFFFFFFu
#define SEC_HDR 16u
#define REC_HDR 20u
#define REC_MAGIC 0x5Au
#define FORMAT 1u
#define CHUNK MQTLS_CONFIG_FLASHLOG_CHUNK

/* ---- geometry ------------------------------------------------------------ */

static uint32_t unit(const mqtls_flashlog_t *fl)
{
    return fl->flash->prog_unit;
}

static uint32_t align_up(const mqtls_flashlog_t *fl, uint32_t n)
{
    return (n + unit(fl) - 1u) / unit(fl) * unit(fl);
}

static uint32_t sec_size(const mqtls_flashlog_t *fl)
{
    return fl->flash->sector_size;
}

static uint32_t nsec(const mqtls_flashlog_t *fl)
{
    return fl->flash->sector_count;
}

static uint32_t sec_hdr(const mqtls_flashlog_t *fl)
{
    return align_up(fl, SEC_HDR);
}

static uint32_t body_size(const mqtls_flashlog_t *fl, uint32_t len)
{
    return align_up(fl, REC_HDR + len);
}

static uint32_t rec_size(const mqtls_flashlog_t *fl, uint32_t len)
{
    return body_size(fl, len) + 3u * unit(fl);
}

/* Room kept at the end of every sector for a compaction's fence. */
static uint32_t fence_room(const mqtls_flashlog_t *fl)
{
    return rec_size(fl, 0);
}

static uint32_t max_record(const mqtls_flashlog_t *fl)
{
    return sec_size(fl) - sec_hdr(fl) - fence_room(fl);
}

static int seq_lt(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) < 0;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static int all_value(const uint8_t *p, size_t n, uint8_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v) {
            return 0;
        }
    }
    return 1;
}

/* ---- driver -------------------------------------------------------------- */

static int32_t drv(mqtls_flashlog_t *fl, int32_t rc)
{
    if (rc < 0) {
        fl->driver_err = rc;
        return MQTLS_ERR_STORE_IO;
    }
    return MQTLS_OK;
}

static int32_t rd(mqtls_flashlog_t *fl, uint32_t addr, uint8_t *buf, size_t n)
{
    return drv(fl, fl->flash->read(fl->flash->ctx, addr, buf, n));
}

static int32_t prog(mqtls_flashlog_t *fl, uint32_t addr, const uint8_t *buf, size_t n)
{
    return drv(fl, fl->flash->program(fl->flash->ctx, addr, buf, n));
}

/* Program one unit of 0x00: a commit, pubrel or deleted mark. */
static int32_t prog_mark(mqtls_flashlog_t *fl, uint32_t addr)
{
    memset(fl->chunk, 0, unit(fl));
    return prog(fl, addr, fl->chunk, unit(fl));
}

/* ---- staged writer: bytes in, whole prog units out ----------------------- */

typedef struct {
    uint32_t addr;
    uint32_t fill;
} wstream_t;

static int32_t ws_put(mqtls_flashlog_t *fl, wstream_t *w, const uint8_t *p, size_t n)
{
    while (n > 0u) {
        size_t k = CHUNK - w->fill;
        if (k > n) {
            k = n;
        }
        memcpy(fl->chunk + w->fill, p, k);
        w->fill += (uint32_t)k;
        p += k;
        n -= k;
        if (w->fill == CHUNK) {
            int32_t rc = prog(fl, w->addr, fl->chunk, CHUNK);
            if (rc != MQTLS_OK) {
                return rc;
            }
            w->addr += CHUNK;
            w->fill = 0;
        }
    }
    return MQTLS_OK;
}

static int32_t ws_flush(mqtls_flashlog_t *fl, wstream_t *w)
{
    if (w->fill == 0u) {
        return MQTLS_OK;
    }
    uint32_t n = align_up(fl, w->fill);
    memset(fl->chunk + w->fill, 0xFF, n - w->fill);
    int32_t rc = prog(fl, w->addr, fl->chunk, n);
    w->addr += n;
    w->fill = 0;
    return rc;
}

/* ---- the RAM index ------------------------------------------------------- */

static int is_out(const struct mqtls__flashlog_ent *e)
{
    return e->kind != MQTLS_MSG_INBOUND;
}

static uint32_t find(const mqtls_flashlog_t *fl, uint16_t id, int outgoing)
{
    for (uint32_t i = 0; i < fl->count; i++) {
        if (fl->ent[i].id == id && is_out(&fl->ent[i]) == outgoing) {
            return i;
        }
    }
    return NONE;
}

/* What a record costs once compaction has copied it. */
static uint32_t ent_cost(const mqtls_flashlog_t *fl, const struct mqtls__flashlog_ent *e)
{
    return rec_size(fl, e->kind == MQTLS_MSG_PUBLISH ? e->len : 0u);
}

static void ent_del(mqtls_flashlog_t *fl, uint32_t i)
{
    fl->live_bytes -= ent_cost(fl, &fl->ent[i]);
    memmove(&fl->ent[i], &fl->ent[i + 1u], (fl->count - i - 1u) * sizeof fl->ent[0]);
    fl->count--;
    fl->full = 0;
}

/* Insert keeping the outgoing entries in seq order (at the end when the
 * seq is the newest, which is every put after mount). */
static int32_t ent_add(mqtls_flashlog_t *fl, const struct mqtls__flashlog_ent *e)
{
    if (fl->count == fl->cap) {
        return MQTLS_ERR_STORE_FULL;
    }
    uint32_t pos = fl->count;
    if (is_out(e)) {
        while (pos > 0u && (!is_out(&fl->ent[pos - 1u]) || seq_lt(e->seq, fl->ent[pos - 1u].seq))) {
            pos--;
        }
    }
    memmove(&fl->ent[pos + 1u], &fl->ent[pos], (fl->count - pos) * sizeof fl->ent[0]);
    fl->ent[pos] = *e;
    fl->count++;
    fl->live_bytes += ent_cost(fl, e);
    return MQTLS_OK;
}

/* ---- records ------------------------------------------------------------- */

static void rec_header(uint8_t *h, uint8_t type, uint16_t id, uint32_t seq, const uint8_t *pkt, uint32_t len)
{
    h[0] = REC_MAGIC;
    h[1] = type;
    h[2] = (uint8_t)(id >> 8);
    h[3] = (uint8_t)id;
    put32(h + 4, seq);
    put32(h + 8, len);
    put32(h + 12, len != 0u ? mqtls__crc32(0, pkt, len) : 0u);
    put32(h + 16, mqtls__crc32(0, h, 16));
}

/* Write a whole record at the head's write pointer (room was checked),
 * commit unit last. *addr gets its address. On a driver error the write
 * pointer still moves past the record: its units may be programmed. */
static int32_t write_rec(mqtls_flashlog_t *fl, uint8_t type, uint16_t id, uint32_t seq, const uint8_t *pkt,
                         uint32_t len, uint32_t *addr)
{
    uint8_t h[REC_HDR];
    uint32_t at = fl->head * sec_size(fl) + fl->wp;
    wstream_t w = {at, 0};
    rec_header(h, type, id, seq, pkt, len);
    fl->wp += rec_size(fl, len);
    int32_t rc = ws_put(fl, &w, h, REC_HDR);
    if (rc == MQTLS_OK && len != 0u) {
        rc = ws_put(fl, &w, pkt, len);
    }
    if (rc == MQTLS_OK) {
        rc = ws_flush(fl, &w);
    }
    if (rc == MQTLS_OK) {
        rc = prog_mark(fl, at + body_size(fl, len));
    }
    *addr = at;
    return rc;
}

/* Copy a PUBLISH record's header and payload verbatim, then commit it. */
static int32_t copy_rec(mqtls_flashlog_t *fl, uint32_t src, uint32_t len, uint32_t *addr)
{
    uint32_t body = body_size(fl, len);
    uint32_t at = fl->head * sec_size(fl) + fl->wp;
    fl->wp += rec_size(fl, len);
    for (uint32_t off = 0; off < body; off += CHUNK) {
        uint32_t n = body - off < CHUNK ? body - off : CHUNK;
        int32_t rc = rd(fl, src + off, fl->chunk, n);
        if (rc == MQTLS_OK) {
            rc = prog(fl, at + off, fl->chunk, n);
        }
        if (rc != MQTLS_OK) {
            return rc;
        }
    }
    *addr = at;
    return prog_mark(fl, at + body);
}

/* ---- sectors ------------------------------------------------------------- */

/* 1: a valid header (seq in *seq), 0: none, MQTLS_ERR_STORE_CORRUPT: ours
 * but another format or prog_unit, or a driver error. */
static int32_t sector_seq(mqtls_flashlog_t *fl, uint32_t s, uint32_t *seq)
{
    uint8_t h[SEC_HDR];
    int32_t rc = rd(fl, s * sec_size(fl), h, SEC_HDR);
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (h[0] != 'M' || h[1] != 'Q' || h[2] != 'F' || h[3] != 'L' || get32(h + 12) != mqtls__crc32(0, h, 12)) {
        return 0;
    }
    if (h[8] != FORMAT || h[9] != (uint8_t)unit(fl) || h[10] != 0u || h[11] != 0u) {
        return MQTLS_ERR_STORE_CORRUPT;
    }
    *seq = get32(h + 4);
    return 1;
}

/* Erase the next sector in the ring and make it the head. */
static int32_t open_next(mqtls_flashlog_t *fl)
{
    if (fl->live >= nsec(fl)) {
        return MQTLS_ERR_INTERNAL;
    }
    uint32_t s = fl->head == NONE ? 0u : (fl->head + 1u) % nsec(fl);
    uint32_t seq = fl->head_seq + 1u;
    int32_t rc = drv(fl, fl->flash->erase(fl->flash->ctx, s));
    if (rc != MQTLS_OK) {
        return rc;
    }
    uint8_t h[SEC_HDR] = {'M', 'Q', 'F', 'L', 0, 0, 0, 0, FORMAT, (uint8_t)unit(fl), 0, 0, 0, 0, 0, 0};
    put32(h + 4, seq);
    put32(h + 12, mqtls__crc32(0, h, 12));
    wstream_t w = {s * sec_size(fl), 0};
    rc = ws_put(fl, &w, h, SEC_HDR);
    if (rc == MQTLS_OK) {
        rc = ws_flush(fl, &w);
    }
    if (rc != MQTLS_OK) {
        return rc;
    }
    fl->head = s;
    fl->head_seq = seq;
    fl->live++;
    fl->wp = sec_hdr(fl);
    return MQTLS_OK;
}

/* Make room for a record of `need` bytes in the head; `limit` is where it
 * must end (sector end minus the fence's room, or the sector end for the
 * fence itself). Opens the next sector when the head is full. */
static int32_t room(mqtls_flashlog_t *fl, uint32_t need, uint32_t limit)
{
    if (fl->head != NONE && fl->wp <= limit && limit - fl->wp >= need) {
        return MQTLS_OK;
    }
    return open_next(fl);
}

static uint32_t sector_of(const mqtls_flashlog_t *fl, uint32_t addr)
{
    return addr / sec_size(fl);
}

/* Compaction: move the live records out of the oldest sector, then fence
 * it off (see the top of the file). */
static int32_t gc_one(mqtls_flashlog_t *fl)
{
    uint32_t n = nsec(fl);
    uint32_t oldest = (fl->head + n - (fl->live - 1u)) % n;
    uint32_t oldest_seq = fl->head_seq - (fl->live - 1u);
    uint32_t limit = sec_size(fl) - fence_room(fl);
    int32_t rc = MQTLS_OK;
    if (oldest == fl->head) {
        rc = open_next(fl);
    }
    for (uint32_t i = 0; rc == MQTLS_OK && i < fl->count; i++) {
        struct mqtls__flashlog_ent *e = &fl->ent[i];
        if (sector_of(fl, e->addr) != oldest) {
            continue;
        }
        uint32_t len = e->kind == MQTLS_MSG_PUBLISH ? e->len : 0u;
        rc = room(fl, rec_size(fl, len), limit);
        if (rc != MQTLS_OK) {
            break;
        }
        uint32_t at = 0;
        if (e->kind == MQTLS_MSG_PUBLISH) {
            rc = copy_rec(fl, e->addr, len, &at);
        } else {
            uint8_t type = e->kind == MQTLS_MSG_PUBREL ? T_PUBREL : T_INBOUND;
            rc = write_rec(fl, type, e->id, e->seq, NULL, 0, &at);
        }
        if (rc == MQTLS_OK) {
            e->addr = at;
            e->len = len;
        }
    }
    if (rc == MQTLS_OK) {
        rc = room(fl, fence_room(fl), sec_size(fl));
    }
    uint32_t at = 0;
    if (rc == MQTLS_OK) {
        rc = write_rec(fl, T_FENCE, 0, oldest_seq + 1u, NULL, 0, &at);
    }
    if (rc != MQTLS_OK) {
        return rc;
    }
    fl->live--;
    fl->gc_runs++;
    return MQTLS_OK;
}

/* Room for a new record of `need` bytes, compacting when the free sector
 * is the last one. */
static int32_t ensure_room(mqtls_flashlog_t *fl, uint32_t need)
{
    uint32_t limit = sec_size(fl) - fence_room(fl);
    uint32_t n = nsec(fl);
    if (fl->head != NONE && fl->wp <= limit && limit - fl->wp >= need) {
        return MQTLS_OK;
    }
    if (fl->full || fl->live_bytes + need > (n - 1u) * max_record(fl)) {
        return MQTLS_ERR_STORE_FULL;
    }
    for (uint32_t pass = 0; pass <= n; pass++) {
        if (fl->head == NONE || fl->live + 2u <= n) {
            return open_next(fl);
        }
        int32_t rc = gc_one(fl);
        if (rc != MQTLS_OK) {
            return rc;
        }
        if (fl->wp <= limit && limit - fl->wp >= need) {
            return MQTLS_OK;
        }
    }
    fl->full = 1;
    return MQTLS_ERR_STORE_FULL;
}

/* ---- mount ---------------------------------------------------------------- */

typedef struct {
    uint8_t type;
    uint16_t id;
    uint32_t seq, len, addr;
    int pubrel, deleted;
} rec_t;

#define NO_REC 2
/* Read and check the record at addr. 1: a committed record in *r; 0: a
 * record with a sound header that is torn or uncommitted (skip *ext
 * bytes); NO_REC: no record header here (an erased or torn spot); < 0: a
 * driver error. */
static int32_t read_rec(mqtls_flashlog_t *fl, uint32_t addr, uint32_t room_left, rec_t *r, uint32_t *ext)
{
    uint8_t h[REC_HDR];
    int32_t rc = rd(fl, addr, h, REC_HDR);
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (h[0] != REC_MAGIC || get32(h + 16) != mqtls__crc32(0, h, 16) || h[1] < T_PUT || h[1] > T_FENCE) {
        return NO_REC;
    }
    r->type = h[1];
    r->id = (uint16_t)((h[2] << 8) | h[3]);
    r->seq = get32(h + 4);
    r->len = get32(h + 8);
    r->addr = addr;
    if ((r->type != T_PUT && r->len != 0u) || r->len > room_left || rec_size(fl, r->len) > room_left ||
        ((r->type == T_PUT || r->type == T_PUBREL || r->type == T_INBOUND) && r->id == 0u)) {
        return NO_REC;
    }
    *ext = rec_size(fl, r->len);
    uint32_t u = unit(fl);
    uint32_t marks = addr + body_size(fl, r->len);
    rc = rd(fl, marks, fl->chunk, u);
    if (rc != MQTLS_OK) {
        return rc;
    }
    if (!all_value(fl->chunk, u, 0x00)) {
        return 0;
    }
    uint32_t crc = 0;
    for (uint32_t off = 0; off < r->len; off += CHUNK) {
        uint32_t n = r->len - off < CHUNK ? r->len - off : CHUNK;
        rc = rd(fl, addr + REC_HDR + off, fl->chunk, n);
        if (rc != MQTLS_OK) {
            return rc;
        }
        crc = mqtls__crc32(crc, fl->chunk, n);
    }
    if (crc != (r->len != 0u ? get32(h + 12) : 0u)) {
        return 0;
    }
    rc = rd(fl, marks + u, fl->chunk, 2u * u);
    if (rc != MQTLS_OK) {
        return rc;
    }
    r->pubrel = !all_value(fl->chunk, u, 0xFF);
    r->deleted = !all_value(fl->chunk + u, u, 0xFF);
    return 1;
}

/* "The last committed record for an id wins." */
static int32_t apply(mqtls_flashlog_t *fl, const rec_t *r)
{
    if (r->type == T_CLEAR) {
        fl->count = 0;
        fl->live_bytes = 0;
        return MQTLS_OK;
    }
    if (r->type == T_FENCE) {
        return MQTLS_OK;
    }
    int outgoing = r->type != T_INBOUND;
    uint32_t i = find(fl, r->id, outgoing);
    if (outgoing && (!fl->seq_seen || seq_lt(fl->next_seq, r->seq + 1u))) {
        fl->next_seq = r->seq + 1u;
        fl->seq_seen = 1;
    }
    if (i != NONE) {
        ent_del(fl, i);
    }
    if (r->deleted) {
        return MQTLS_OK;
    }
    /* len is the record's own (its marks are found from it), also for a
     * PUBLISH marked PUBREL; each() reports 0 for it. */
    struct mqtls__flashlog_ent e = {r->addr, r->seq, r->len, r->id, MQTLS_MSG_INBOUND, 0};
    if (outgoing) {
        e.kind = (r->type == T_PUBREL || r->pubrel) ? MQTLS_MSG_PUBREL : MQTLS_MSG_PUBLISH;
    }
    return ent_add(fl, &e) == MQTLS_OK ? MQTLS_OK : MQTLS_ERR_STORE_TOO_SMALL;
}

/* The offset of the first byte at or after from in the sector at base
 * that is not 0xFF (sector_size if none). */
static int32_t next_programmed(mqtls_flashlog_t *fl, uint32_t base, uint32_t from, uint32_t *at)
{
    for (uint32_t off = from; off < sec_size(fl); off += CHUNK) {
        uint32_t n = sec_size(fl) - off < CHUNK ? sec_size(fl) - off : CHUNK;
        int32_t rc = rd(fl, base + off, fl->chunk, n);
        if (rc != MQTLS_OK) {
            return rc;
        }
        for (uint32_t k = 0; k < n; k++) {
            if (fl->chunk[k] != 0xFFu) {
                *at = off + k;
                return MQTLS_OK;
            }
        }
    }
    *at = sec_size(fl);
    return MQTLS_OK;
}

/* Walk sector s. replay 0: only raise *fence to the newest FENCE; 1: apply
 * every record. *end: offset after the last programmed byte (the write
 * pointer, when s is the head). */
static int32_t scan(mqtls_flashlog_t *fl, uint32_t s, int replay, uint32_t *fence, int *have_fence, uint32_t *end)
{
    uint32_t base = s * sec_size(fl);
    uint32_t off = sec_hdr(fl);
    int32_t rc = MQTLS_OK;
    while (off + REC_HDR <= sec_size(fl)) {
        rec_t r = {0, 0, 0, 0, 0, 0, 0};
        uint32_t ext = 0;
        rc = rd(fl, base + off, fl->chunk, REC_HDR);
        if (rc != MQTLS_OK) {
            return rc;
        }
        if (all_value(fl->chunk, REC_HDR, 0xFF)) {
            /* Blank here. Records written after a reboot go after the last
             * programmed byte (stray bits of a torn write included), so
             * look on from the next programmed unit, if there is one. */
            uint32_t next = 0;
            rc = next_programmed(fl, base, off + REC_HDR, &next);
            if (rc != MQTLS_OK) {
                return rc;
            }
            if (next >= sec_size(fl)) {
                break;
            }
            off = next / unit(fl) * unit(fl);
            continue;
        }
        rc = read_rec(fl, base + off, sec_size(fl) - off, &r, &ext);
        if (rc == NO_REC) {
            off += unit(fl); /* a torn header: look for the next record */
            continue;
        }
        if (rc < 0) {
            return rc;
        }
        if (rc == 1 && r.type == T_FENCE && (!*have_fence || seq_lt(*fence, r.seq))) {
            *fence = r.seq;
            *have_fence = 1;
        }
        if (rc == 1 && replay) {
            rc = apply(fl, &r);
            if (rc != MQTLS_OK) {
                return rc;
            }
        }
        off += ext;
    }
    /* Anything programmed past the stop (a torn write) is never written
     * over: the write pointer goes after the last byte that is not 0xFF. */
    uint32_t last = off;
    for (uint32_t at = off; at < sec_size(fl); at += CHUNK) {
        uint32_t n = sec_size(fl) - at < CHUNK ? sec_size(fl) - at : CHUNK;
        rc = rd(fl, base + at, fl->chunk, n);
        if (rc != MQTLS_OK) {
            return rc;
        }
        for (uint32_t k = 0; k < n; k++) {
            if (fl->chunk[k] != 0xFFu) {
                last = at + k + 1u;
            }
        }
    }
    if (last > sec_size(fl)) {
        last = sec_size(fl);
    }
    *end = align_up(fl, last) < sec_size(fl) ? align_up(fl, last) : sec_size(fl);
    return MQTLS_OK;
}

/* Find the head and the run of live sectors behind it. */
static int32_t find_log(mqtls_flashlog_t *fl)
{
    uint32_t n = nsec(fl);
    fl->head = NONE;
    fl->head_seq = 0;
    fl->live = 0;
    for (uint32_t s = 0; s < n; s++) {
        uint32_t seq = 0;
        int32_t rc = sector_seq(fl, s, &seq);
        if (rc < 0) {
            return rc;
        }
        if (rc == 1 && (fl->head == NONE || seq_lt(fl->head_seq, seq))) {
            fl->head = s;
            fl->head_seq = seq;
        }
    }
    if (fl->head == NONE) {
        return MQTLS_OK;
    }
    uint32_t fence = 0;
    int have_fence = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = (fl->head + n - i) % n;
        uint32_t seq = 0;
        int32_t rc = sector_seq(fl, s, &seq);
        if (rc < 0) {
            return rc;
        }
        if (rc != 1 || seq != fl->head_seq - i || (have_fence && seq_lt(seq, fence))) {
            break;
        }
        fl->live++;
        if (!have_fence) {
            uint32_t end = 0;
            rc = scan(fl, s, 0, &fence, &have_fence, &end);
            if (rc != MQTLS_OK) {
                return rc;
            }
        }
    }
    return MQTLS_OK;
}

static int32_t replay(mqtls_flashlog_t *fl)
{
    uint32_t n = nsec(fl);
    uint32_t fence = 0;
    int have_fence = 0;
    fl->count = 0;
    fl->live_bytes = 0;
    fl->next_seq = 1;
    fl->seq_seen = 0;
    fl->wp = sec_hdr(fl);
    for (uint32_t i = fl->live; i-- > 0u;) {
        uint32_t end = 0;
        int32_t rc = scan(fl, (fl->head + n - i) % n, 1, &fence, &have_fence, &end);
        if (rc != MQTLS_OK) {
            return rc;
        }
        if (i == 0u) {
            fl->wp = end;
        }
    }
    return MQTLS_OK;
}

static int32_t mount(mqtls_flashlog_t *fl)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        int32_t rc = find_log(fl);
        if (rc == MQTLS_OK) {
            rc = replay(fl);
        }
        if (rc != MQTLS_OK || fl->live < nsec(fl)) {
            return rc;
        }
        /* No free sector: a compaction was cut before its fence. The head
         * holds only copies of records still in the oldest sector. */
        rc = drv(fl, fl->flash->erase(fl->flash->ctx, fl->head));
        if (rc != MQTLS_OK) {
            return rc;
        }
    }
    return MQTLS_ERR_INTERNAL;
}

/* ---- the hooks ------------------------------------------------------------ */

static int32_t fl_put(void *ctx, uint16_t id, const uint8_t *pkt, size_t len)
{
    mqtls_flashlog_t *fl = ctx;
    if (id == 0u || pkt == NULL || len == 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (fl->cap == 0u || len > max_record(fl) || rec_size(fl, (uint32_t)len) > max_record(fl)) {
        return MQTLS_ERR_STORE_TOO_SMALL;
    }
    if (find(fl, id, 1) == NONE && fl->count == fl->cap) {
        return MQTLS_ERR_STORE_FULL;
    }
    int32_t rc = ensure_room(fl, rec_size(fl, (uint32_t)len));
    uint32_t at = 0;
    if (rc == MQTLS_OK) {
        rc = write_rec(fl, T_PUT, id, fl->next_seq, pkt, (uint32_t)len, &at);
    }
    if (rc != MQTLS_OK) {
        return rc;
    }
    uint32_t old = find(fl, id, 1);
    if (old != NONE) {
        ent_del(fl, old);
    }
    struct mqtls__flashlog_ent e = {at, fl->next_seq++, (uint32_t)len, id, MQTLS_MSG_PUBLISH, 0};
    return ent_add(fl, &e);
}

static int32_t fl_get(void *ctx, uint16_t id, uint8_t *buf, size_t len)
{
    mqtls_flashlog_t *fl = ctx;
    uint32_t i = id != 0u ? find(fl, id, 1) : NONE;
    if (i == NONE || fl->ent[i].kind != MQTLS_MSG_PUBLISH) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (buf == NULL || fl->ent[i].len > len) {
        return MQTLS_ERR_BUFFER_TOO_SMALL;
    }
    int32_t rc = rd(fl, fl->ent[i].addr + REC_HDR, buf, fl->ent[i].len);
    return rc != MQTLS_OK ? rc : (int32_t)fl->ent[i].len;
}

/* Program the deleted unit of the record behind entry i, then drop it. */
static void drop(mqtls_flashlog_t *fl, uint32_t i)
{
    const struct mqtls__flashlog_ent *e = &fl->ent[i];
    (void)prog_mark(fl, e->addr + body_size(fl, e->len) + 2u * unit(fl));
    ent_del(fl, i);
}

static void fl_remove(void *ctx, uint16_t id)
{
    mqtls_flashlog_t *fl = ctx;
    uint32_t i = id != 0u ? find(fl, id, 1) : NONE;
    if (i != NONE) {
        drop(fl, i);
    }
}

static void fl_clear(void *ctx)
{
    mqtls_flashlog_t *fl = ctx;
    if (fl->count == 0u) {
        return;
    }
    uint32_t at = 0;
    if (ensure_room(fl, rec_size(fl, 0)) == MQTLS_OK && write_rec(fl, T_CLEAR, 0, 0, NULL, 0, &at) == MQTLS_OK) {
        fl->count = 0;
        fl->live_bytes = 0;
        fl->full = 0;
        return;
    }
    /* No room even after compaction: delete every record in place, newest
     * first (a cut half-way leaves some of the oldest). */
    while (fl->count > 0u) {
        drop(fl, fl->count - 1u);
    }
}

static int32_t fl_mark_pubrel(void *ctx, uint16_t id)
{
    mqtls_flashlog_t *fl = ctx;
    uint32_t i = id != 0u ? find(fl, id, 1) : NONE;
    if (i == NONE || fl->ent[i].kind != MQTLS_MSG_PUBLISH) {
        return MQTLS_ERR_INVALID_ARG;
    }
    struct mqtls__flashlog_ent *e = &fl->ent[i];
    int32_t rc = prog_mark(fl, e->addr + body_size(fl, e->len) + unit(fl));
    if (rc != MQTLS_OK) {
        return rc;
    }
    fl->live_bytes -= ent_cost(fl, e);
    e->kind = MQTLS_MSG_PUBREL;
    fl->live_bytes += ent_cost(fl, e);
    fl->full = 0;
    /* e->len stays: the record's marks are found from it */
    return MQTLS_OK;
}

static int32_t fl_put_inbound(void *ctx, uint16_t id)
{
    mqtls_flashlog_t *fl = ctx;
    if (id == 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (find(fl, id, 0) != NONE) {
        return MQTLS_OK;
    }
    if (fl->count == fl->cap) {
        return MQTLS_ERR_STORE_FULL;
    }
    int32_t rc = ensure_room(fl, rec_size(fl, 0));
    uint32_t at = 0;
    if (rc == MQTLS_OK) {
        rc = write_rec(fl, T_INBOUND, id, 0, NULL, 0, &at);
    }
    if (rc != MQTLS_OK) {
        return rc;
    }
    struct mqtls__flashlog_ent e = {at, 0, 0, id, MQTLS_MSG_INBOUND, 0};
    return ent_add(fl, &e);
}

static void fl_remove_inbound(void *ctx, uint16_t id)
{
    mqtls_flashlog_t *fl = ctx;
    uint32_t i = id != 0u ? find(fl, id, 0) : NONE;
    if (i != NONE) {
        drop(fl, i);
    }
}

static int32_t fl_each(void *ctx, mqtls_msgstore_visit_fn fn, void *arg)
{
    const mqtls_flashlog_t *fl = ctx;
    if (fn == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 0; i < fl->count; i++) {
            const struct mqtls__flashlog_ent *e = &fl->ent[i];
            if (is_out(e) != (pass == 0)) {
                continue;
            }
            int32_t rc = fn(arg, e->kind, e->id, e->kind == MQTLS_MSG_PUBLISH ? e->len : 0u);
            if (rc < 0) {
                return rc;
            }
        }
    }
    return MQTLS_OK;
}

/* ---- init ----------------------------------------------------------------- */

static int geometry_ok(const mqtls_flash_t *f)
{
    uint32_t u = f->prog_unit;
    if (f->read == NULL || f->program == NULL || f->erase == NULL || u == 0u || (u & (u - 1u)) != 0u ||
        u > CHUNK || f->sector_count < 2u || f->sector_size % u != 0u ||
        (uint64_t)f->sector_size * f->sector_count > 0xFFFFFFFFull) {
        return 0;
    }
    /* the header and room for a few small records besides the fence's */
    uint32_t small = (REC_HDR + u - 1u) / u * u + 3u * u;
    return f->sector_size >= (SEC_HDR + u - 1u) / u * u + 4u * small && f->sector_size >= 128u;
}

int32_t mqtls_flashlog_init(mqtls_flashlog_t *fl, const mqtls_flash_t *flash, uint8_t *work, size_t work_len,
                            mqtls_msgstore_t *out)
{
    if (fl == NULL || flash == NULL || work == NULL || out == NULL || !geometry_ok(flash)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(fl, 0, sizeof *fl);
    fl->flash = flash;
    size_t skip = (4u - ((uintptr_t)work & 3u)) & 3u;
    if (work_len < skip + MQTLS_FLASHLOG_ENTRY_SIZE) {
        return MQTLS_ERR_INVALID_ARG;
    }
    fl->ent = (struct mqtls__flashlog_ent *)(void *)(work + skip);
    size_t cap = (work_len - skip) / MQTLS_FLASHLOG_ENTRY_SIZE;
    fl->cap = cap > 0xFFFFu * 2u ? 0xFFFFu * 2u : (uint32_t)cap;
    int32_t rc = mount(fl);
    if (rc != MQTLS_OK) {
        return rc;
    }
    memset(out, 0, sizeof *out);
    out->ctx = fl;
    out->put = fl_put;
    out->get = fl_get;
    out->remove = fl_remove;
    out->clear = fl_clear;
    out->mark_pubrel = fl_mark_pubrel;
    out->put_inbound = fl_put_inbound;
    out->remove_inbound = fl_remove_inbound;
    out->each = fl_each;
    return MQTLS_OK;
}

int32_t mqtls_flashlog_driver_error(const mqtls_flashlog_t *fl)
{
    return fl != NULL ? fl->driver_err : MQTLS_ERR_INVALID_ARG;
}

uint32_t mqtls_flashlog_gc_runs(const mqtls_flashlog_t *fl)
{
    return fl != NULL ? fl->gc_runs : 0u;
}
