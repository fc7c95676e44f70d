/* SPDX-License-Identifier: MIT
 * mqtls: the file message store (see mqtls/filestore.h). */
/*
 * DIR/msgstore.log is a 16-byte file header ("MQTLSMSG", version, CRC)
 * and then records appended with one pwrite() each:
 *
 *   0xA5 | type | id (2) | len (4) | CRC-32 of the 8 bytes before |
 *   payload (len) | CRC-32 of everything before, header included
 *
 * Types: PUT (a PUBLISH and its bytes), PUBREL, REMOVE, IN_PUT, IN_REMOVE,
 * CLEAR. Open replays them in order: a PUT appends its id to the outgoing
 * order, PUBREL turns that entry into a PUBREL where it stands (or appends
 * one, as a compacted log writes it), REMOVE forgets it; the RAM index
 * keeps the order and the payload's file offset, get() preads it back.
 *
 * The header CRC makes the length trustworthy, so a record that runs past
 * the end of the file is plainly a torn last write, and the trailing CRC
 * catches a record whose bytes did not all reach the disk. A bad record is
 * "torn" when no intact record follows it (then it is cut off the file)
 * and "damaged" otherwise (then open refuses, or salvages on request): a
 * crash only ever tears the end of an append-only file, so a bad record
 * with good ones after it is not a crash and is not silently dropped.
 *
 * A write that fails half-way is cut back off with ftruncate(), so a later
 * append never lands after a torn record. Compaction writes the live
 * records into msgstore.tmp, syncs it, renames it over the log and syncs
 * the directory: a crash leaves one whole file or the other.
 *
 * Rejected: one file per record with atomic rename. It is simpler to make
 * crash-safe, but a QoS 1 stream then costs a create, a rename, a
 * directory sync and an unlink per message, and the resend order would
 * have to be kept in the names; an append is one write (and one
 * fdatasync with MQTLS_FILESTORE_FSYNC).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h> /* renameat */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "mqtls/error.h"
#include "mqtls/filestore.h"
#include "store/crc32.h"

#define LOG_NAME "msgstore.log"
#define TMP_NAME "msgstore.tmp"
#define LOCK_NAME "msgstore.lock"
#define FILE_HDR 16u
#define REC_HDR 12u
#define REC_OVERHEAD 16u
#define REC_MAGIC 0xA5u
#define VERSION 1u
/* Compact when the log is this large and mostly dead. */
#define COMPACT_MIN (64u * 1024u)

enum { T_PUT = 1, T_PUBREL, T_REMOVE, T_IN_PUT, T_IN_REMOVE, T_CLEAR };

typedef struct {
    uint16_t id;
    uint8_t kind; /* MQTLS_MSG_PUBLISH or _PUBREL */
    uint32_t len;
    off_t off; /* payload offset in the log */
} frec_t;

struct mqtls_filestore {
    int dirfd, lockfd, fd;
    uint32_t flags;
    off_t end;     /* where the next record goes */
    uint64_t live; /* bytes the live records take in a compacted log */
    frec_t *out;
    size_t n, cap;
    uint16_t *in;
    size_t nin, incap;
    int err;    /* errno of the last failure */
    int broken; /* a failed write could not be cut back: refuse writes */
};

static const uint8_t FILE_MAGIC[8] = {'M', 'Q', 'T', 'L', 'S', 'M', 'S', 'G'};

/* ---- little helpers -------------------------------------------------------- */

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

static int32_t io_fail(mqtls_filestore_t *fs)
{
    fs->err = errno != 0 ? errno : EIO;
    return MQTLS_ERR_STORE_IO;
}

static int write_all(int fd, const uint8_t *p, size_t n, off_t at)
{
    while (n > 0u) {
        ssize_t k = pwrite(fd, p, n, at);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            if (k == 0) {
                errno = EIO;
            }
            return -1;
        }
        p += k;
        n -= (size_t)k;
        at += k;
    }
    return 0;
}

static int read_all(int fd, uint8_t *p, size_t n, off_t at)
{
    while (n > 0u) {
        ssize_t k = pread(fd, p, n, at);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        if (k <= 0) {
            if (k == 0) {
                errno = EIO; /* the file is shorter than the index says */
            }
            return -1;
        }
        p += k;
        n -= (size_t)k;
        at += k;
    }
    return 0;
}

static uint64_t rec_cost(uint8_t kind, uint32_t len)
{
    return REC_OVERHEAD + (kind == MQTLS_MSG_PUBLISH ? len : 0u);
}

/* ---- the RAM index ------------------------------------------------------- */

static size_t find_out(const mqtls_filestore_t *fs, uint16_t id)
{
    for (size_t i = 0; i < fs->n; i++) {
        if (fs->out[i].id == id) {
            return i;
        }
    }
    return SIZE_MAX;
}

static size_t find_in(const mqtls_filestore_t *fs, uint16_t id)
{
    for (size_t i = 0; i < fs->nin; i++) {
        if (fs->in[i] == id) {
            return i;
        }
    }
    return SIZE_MAX;
}

static void del_out(mqtls_filestore_t *fs, size_t i)
{
    fs->live -= rec_cost(fs->out[i].kind, fs->out[i].len);
    memmove(&fs->out[i], &fs->out[i + 1u], (fs->n - i - 1u) * sizeof fs->out[0]);
    fs->n--;
}

static int add_out(mqtls_filestore_t *fs, const frec_t *r)
{
    if (fs->n == fs->cap) {
        size_t cap = fs->cap != 0u ? fs->cap * 2u : 16u;
        frec_t *p = realloc(fs->out, cap * sizeof *p);
        if (p == NULL) {
            return -1;
        }
        fs->out = p;
        fs->cap = cap;
    }
    fs->out[fs->n++] = *r;
    fs->live += rec_cost(r->kind, r->len);
    return 0;
}

static void del_in(mqtls_filestore_t *fs, size_t i)
{
    fs->in[i] = fs->in[--fs->nin];
    fs->live -= REC_OVERHEAD;
}

static int add_in(mqtls_filestore_t *fs, uint16_t id)
{
    if (fs->nin == fs->incap) {
        size_t cap = fs->incap != 0u ? fs->incap * 2u : 16u;
        uint16_t *p = realloc(fs->in, cap * sizeof *p);
        if (p == NULL) {
            return -1;
        }
        fs->in = p;
        fs->incap = cap;
    }
    fs->in[fs->nin++] = id;
    fs->live += REC_OVERHEAD;
    return 0;
}

static void forget_all(mqtls_filestore_t *fs)
{
    fs->n = 0;
    fs->nin = 0;
    fs->live = 0;
}

/* ---- records ------------------------------------------------------------- */

static void rec_header(uint8_t *h, uint8_t type, uint16_t id, uint32_t len)
{
    h[0] = REC_MAGIC;
    h[1] = type;
    h[2] = (uint8_t)(id >> 8);
    h[3] = (uint8_t)id;
    put32(h + 4, len);
    put32(h + 8, mqtls__crc32(0, h, 8));
}

/* Append one record with a single pwrite; a failure is cut back off. */
static int32_t append(mqtls_filestore_t *fs, uint8_t type, uint16_t id, const uint8_t *pkt, uint32_t len, int sync)
{
    if (fs->broken) {
        errno = fs->err;
        return MQTLS_ERR_STORE_IO;
    }
    size_t total = REC_OVERHEAD + (size_t)len;
    uint8_t small[REC_OVERHEAD];
    uint8_t *b = len == 0u ? small : malloc(total);
    if (b == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    rec_header(b, type, id, len);
    if (len != 0u) {
        memcpy(b + REC_HDR, pkt, len);
    }
    put32(b + REC_HDR + len, mqtls__crc32(0, b, REC_HDR + (size_t)len));
    int rc = write_all(fs->fd, b, total, fs->end);
    if (b != small) {
        free(b);
    }
    if (rc != 0) {
        int32_t e = io_fail(fs);
        if (ftruncate(fs->fd, fs->end) != 0) {
            fs->broken = 1;
        }
        return e;
    }
    fs->end += (off_t)total;
    if (sync && (fs->flags & MQTLS_FILESTORE_FSYNC) != 0u && fdatasync(fs->fd) != 0) {
        return io_fail(fs);
    }
    return MQTLS_OK;
}

/* ---- compaction ------------------------------------------------------------ */

static int sync_dir(mqtls_filestore_t *fs)
{
    return fsync(fs->dirfd);
}

static int write_file_header(int fd)
{
    uint8_t h[FILE_HDR];
    memcpy(h, FILE_MAGIC, sizeof FILE_MAGIC);
    put32(h + 8, VERSION);
    put32(h + 12, mqtls__crc32(0, h, 12));
    return write_all(fd, h, sizeof h, 0);
}

/* Write the live records into a new file, sync it, rename it over the log.
 * On failure the old log stays as it was. */
static int32_t compact(mqtls_filestore_t *fs)
{
    int fd = openat(fs->dirfd, TMP_NAME, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return io_fail(fs);
    }
    int old = fs->fd;
    off_t old_end = fs->end;
    int old_broken = fs->broken;
    frec_t *moved = fs->n != 0u ? malloc(fs->n * sizeof *moved) : NULL;
    uint8_t *buf = NULL;
    int32_t rc = fs->n != 0u && moved == NULL ? MQTLS_ERR_NO_MEMORY : MQTLS_OK;
    fs->fd = fd;
    fs->end = FILE_HDR;
    if (rc == MQTLS_OK && write_file_header(fd) != 0) {
        rc = io_fail(fs);
    }
    for (size_t i = 0; rc == MQTLS_OK && i < fs->n; i++) {
        const frec_t *r = &fs->out[i];
        moved[i] = *r;
        if (r->kind == MQTLS_MSG_PUBREL) {
            rc = append(fs, T_PUBREL, r->id, NULL, 0, 0);
            continue;
        }
        uint8_t *nb = realloc(buf, r->len);
        if (nb == NULL) {
            rc = MQTLS_ERR_NO_MEMORY;
            break;
        }
        buf = nb;
        if (read_all(old, buf, r->len, r->off) != 0) {
            rc = io_fail(fs);
            break;
        }
        moved[i].off = fs->end + (off_t)REC_HDR;
        rc = append(fs, T_PUT, r->id, buf, r->len, 0);
    }
    for (size_t i = 0; rc == MQTLS_OK && i < fs->nin; i++) {
        rc = append(fs, T_IN_PUT, fs->in[i], NULL, 0, 0);
    }
    free(buf);
    if (rc == MQTLS_OK && (fsync(fd) != 0 || renameat(fs->dirfd, TMP_NAME, fs->dirfd, LOG_NAME) != 0)) {
        rc = io_fail(fs);
    }
    if (rc != MQTLS_OK) {
        (void)unlinkat(fs->dirfd, TMP_NAME, 0);
        (void)close(fd);
        free(moved);
        fs->fd = old;
        fs->end = old_end;
        fs->broken = old_broken;
        return rc;
    }
    fs->broken = 0; /* a fresh file: whatever could not be cut off the old one is gone */
    (void)sync_dir(fs); /* the rename is done; a failed directory sync only weakens it */
    (void)close(old);
    for (size_t i = 0; i < fs->n; i++) {
        fs->out[i] = moved[i];
    }
    free(moved);
    return MQTLS_OK;
}

static void maybe_compact(mqtls_filestore_t *fs)
{
    uint64_t size = (uint64_t)fs->end;
    if (size >= COMPACT_MIN && size > 4u * (fs->live + FILE_HDR)) {
        (void)compact(fs); /* on failure the log simply stays longer */
    }
}

/* ---- the hooks --------------------------------------------------------------- */

static int32_t fs_put(void *ctx, uint16_t id, const uint8_t *pkt, size_t len)
{
    mqtls_filestore_t *fs = ctx;
    if (id == 0u || pkt == NULL || len == 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (len > 0x7FFFFFF0u) {
        return MQTLS_ERR_STORE_TOO_SMALL;
    }
    off_t at = fs->end + (off_t)REC_HDR;
    int32_t rc = append(fs, T_PUT, id, pkt, (uint32_t)len, 1);
    if (rc != MQTLS_OK) {
        return rc;
    }
    size_t old = find_out(fs, id);
    if (old != SIZE_MAX) {
        del_out(fs, old);
    }
    frec_t r = {id, MQTLS_MSG_PUBLISH, (uint32_t)len, at};
    return add_out(fs, &r) == 0 ? MQTLS_OK : MQTLS_ERR_NO_MEMORY;
}

static int32_t fs_get(void *ctx, uint16_t id, uint8_t *buf, size_t len)
{
    mqtls_filestore_t *fs = ctx;
    size_t i = id != 0u ? find_out(fs, id) : SIZE_MAX;
    if (i == SIZE_MAX || fs->out[i].kind != MQTLS_MSG_PUBLISH) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (buf == NULL || fs->out[i].len > len) {
        return MQTLS_ERR_BUFFER_TOO_SMALL;
    }
    if (read_all(fs->fd, buf, fs->out[i].len, fs->out[i].off) != 0) {
        return io_fail(fs);
    }
    return (int32_t)fs->out[i].len;
}

static void fs_remove(void *ctx, uint16_t id)
{
    mqtls_filestore_t *fs = ctx;
    size_t i = id != 0u ? find_out(fs, id) : SIZE_MAX;
    if (i == SIZE_MAX) {
        return;
    }
    /* lazy (no sync): a record that comes back is resent with DUP */
    (void)append(fs, T_REMOVE, id, NULL, 0, 0);
    del_out(fs, i);
    maybe_compact(fs);
}

static void fs_clear(void *ctx)
{
    mqtls_filestore_t *fs = ctx;
    if (fs->n == 0u && fs->nin == 0u) {
        return;
    }
    (void)append(fs, T_CLEAR, 0, NULL, 0, 1);
    forget_all(fs);
    maybe_compact(fs);
}

static int32_t fs_mark_pubrel(void *ctx, uint16_t id)
{
    mqtls_filestore_t *fs = ctx;
    size_t i = id != 0u ? find_out(fs, id) : SIZE_MAX;
    if (i == SIZE_MAX || fs->out[i].kind != MQTLS_MSG_PUBLISH) {
        return MQTLS_ERR_INVALID_ARG;
    }
    int32_t rc = append(fs, T_PUBREL, id, NULL, 0, 1);
    if (rc != MQTLS_OK) {
        return rc;
    }
    fs->live -= rec_cost(MQTLS_MSG_PUBLISH, fs->out[i].len);
    fs->out[i].kind = MQTLS_MSG_PUBREL;
    fs->live += rec_cost(MQTLS_MSG_PUBREL, 0);
    maybe_compact(fs);
    return MQTLS_OK;
}

static int32_t fs_put_inbound(void *ctx, uint16_t id)
{
    mqtls_filestore_t *fs = ctx;
    if (id == 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (find_in(fs, id) != SIZE_MAX) {
        return MQTLS_OK;
    }
    int32_t rc = append(fs, T_IN_PUT, id, NULL, 0, 1);
    if (rc != MQTLS_OK) {
        return rc;
    }
    return add_in(fs, id) == 0 ? MQTLS_OK : MQTLS_ERR_NO_MEMORY;
}

static void fs_remove_inbound(void *ctx, uint16_t id)
{
    mqtls_filestore_t *fs = ctx;
    size_t i = id != 0u ? find_in(fs, id) : SIZE_MAX;
    if (i == SIZE_MAX) {
        return;
    }
    /* synced: an inbound id that came back would drop a new message with
     * the same id as a duplicate */
    (void)append(fs, T_IN_REMOVE, id, NULL, 0, 1);
    del_in(fs, i);
    maybe_compact(fs);
}

static int32_t fs_each(void *ctx, mqtls_msgstore_visit_fn fn, void *arg)
{
    const mqtls_filestore_t *fs = ctx;
    if (fn == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < fs->n; i++) {
        const frec_t *r = &fs->out[i];
        int32_t rc = fn(arg, r->kind, r->id, r->kind == MQTLS_MSG_PUBLISH ? r->len : 0u);
        if (rc < 0) {
            return rc;
        }
    }
    for (size_t i = 0; i < fs->nin; i++) {
        int32_t rc = fn(arg, MQTLS_MSG_INBOUND, fs->in[i], 0);
        if (rc < 0) {
            return rc;
        }
    }
    return MQTLS_OK;
}

/* ---- open: replay the log -------------------------------------------------- */

/* The record at off in map[0..size): 1 whole and intact (*total its size),
 * 0 not (a torn or damaged spot). hdr_ok tells whether its header alone
 * checks out (then *total is trustworthy even when the record is not). */
static int rec_at(const uint8_t *map, size_t size, size_t off, size_t *total, int *hdr_ok)
{
    *hdr_ok = 0;
    if (size - off < REC_HDR || map[off] != REC_MAGIC || get32(map + off + 8) != mqtls__crc32(0, map + off, 8) ||
        map[off + 1] < T_PUT || map[off + 1] > T_CLEAR) {
        return 0;
    }
    uint32_t len = get32(map + off + 4);
    *hdr_ok = 1;
    *total = REC_OVERHEAD + (size_t)len;
    if (len > size || size - off < *total) {
        return 0;
    }
    if ((map[off + 1] != T_PUT && len != 0u) ||
        get32(map + off + REC_HDR + len) != mqtls__crc32(0, map + off, REC_HDR + (size_t)len)) {
        return 0;
    }
    uint16_t id = (uint16_t)((map[off + 2] << 8) | map[off + 3]);
    return id != 0u || map[off + 1] == T_CLEAR;
}

/* Offset of the next intact record at or after from, or size. */
static size_t next_intact(const uint8_t *map, size_t size, size_t from)
{
    for (size_t off = from; off + REC_OVERHEAD <= size; off++) {
        size_t total;
        int hdr_ok;
        if (map[off] == REC_MAGIC && rec_at(map, size, off, &total, &hdr_ok)) {
            return off;
        }
    }
    return size;
}

static int apply(mqtls_filestore_t *fs, const uint8_t *rec, size_t off)
{
    uint8_t type = rec[1];
    uint16_t id = (uint16_t)((rec[2] << 8) | rec[3]);
    uint32_t len = get32(rec + 4);
    size_t i;
    switch (type) {
    case T_PUT:
    case T_PUBREL:
        i = find_out(fs, id);
        if (type == T_PUBREL && i != SIZE_MAX) {
            if (fs->out[i].kind == MQTLS_MSG_PUBLISH) {
                fs->live -= rec_cost(MQTLS_MSG_PUBLISH, fs->out[i].len);
                fs->out[i].kind = MQTLS_MSG_PUBREL;
                fs->live += rec_cost(MQTLS_MSG_PUBREL, 0);
            }
            return 0;
        }
        if (i != SIZE_MAX) {
            del_out(fs, i);
        }
        frec_t r = {id, type == T_PUT ? MQTLS_MSG_PUBLISH : MQTLS_MSG_PUBREL, len, (off_t)(off + REC_HDR)};
        return add_out(fs, &r);
    case T_REMOVE:
        if ((i = find_out(fs, id)) != SIZE_MAX) {
            del_out(fs, i);
        }
        return 0;
    case T_IN_PUT:
        return find_in(fs, id) != SIZE_MAX ? 0 : add_in(fs, id);
    case T_IN_REMOVE:
        if ((i = find_in(fs, id)) != SIZE_MAX) {
            del_in(fs, i);
        }
        return 0;
    default:
        forget_all(fs);
        return 0;
    }
}

/* Replay map[FILE_HDR..size). *keep: where the intact log ends (a torn
 * tail after it is cut off); *salvaged: damaged records were skipped. */
static int32_t replay(mqtls_filestore_t *fs, const uint8_t *map, size_t size, size_t *keep, int *salvaged)
{
    size_t off = FILE_HDR;
    *salvaged = 0;
    while (off < size) {
        size_t total = 0;
        int hdr_ok = 0;
        if (rec_at(map, size, off, &total, &hdr_ok)) {
            if (apply(fs, map + off, off) != 0) {
                return MQTLS_ERR_NO_MEMORY;
            }
            off += total;
            continue;
        }
        /* a bad record: is anything intact after it? A sound header says
         * where the record ends; look from there, else from the next byte. */
        if (hdr_ok && total > size - off) {
            break; /* it runs past the end of the file: a torn tail */
        }
        size_t next = next_intact(map, size, hdr_ok ? off + total : off + 1u);
        if (next == size) {
            break; /* a torn tail */
        }
        if ((fs->flags & MQTLS_FILESTORE_SALVAGE) == 0u) {
            return MQTLS_ERR_STORE_CORRUPT;
        }
        *salvaged = 1;
        off = next;
    }
    *keep = off < size ? off : size;
    return MQTLS_OK;
}

static int32_t check_file_header(const uint8_t *map, size_t size)
{
    if (size < FILE_HDR || memcmp(map, FILE_MAGIC, sizeof FILE_MAGIC) != 0 || get32(map + 8) != VERSION ||
        get32(map + 12) != mqtls__crc32(0, map, 12)) {
        return MQTLS_ERR_STORE_CORRUPT;
    }
    return MQTLS_OK;
}

/* Open the log, creating it (through the temporary name and a rename, so a
 * crash never leaves a log without its header). */
static int32_t open_log(mqtls_filestore_t *fs)
{
    fs->fd = openat(fs->dirfd, LOG_NAME, O_RDWR | O_CLOEXEC);
    if (fs->fd >= 0 || errno != ENOENT) {
        return fs->fd >= 0 ? MQTLS_OK : io_fail(fs);
    }
    int fd = openat(fs->dirfd, TMP_NAME, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return io_fail(fs);
    }
    if (write_file_header(fd) != 0 || fsync(fd) != 0 || renameat(fs->dirfd, TMP_NAME, fs->dirfd, LOG_NAME) != 0 ||
        sync_dir(fs) != 0) {
        int32_t rc = io_fail(fs);
        (void)close(fd);
        return rc;
    }
    fs->fd = fd;
    return MQTLS_OK;
}

static int32_t load(mqtls_filestore_t *fs)
{
    struct stat st;
    if (fstat(fs->fd, &st) != 0) {
        return io_fail(fs);
    }
    size_t size = (size_t)st.st_size;
    if (size < FILE_HDR) {
        return MQTLS_ERR_STORE_CORRUPT;
    }
    uint8_t *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fs->fd, 0);
    if (map == MAP_FAILED) {
        return io_fail(fs);
    }
    size_t keep = size;
    int salvaged = 0;
    int32_t rc = check_file_header(map, size);
    if (rc == MQTLS_OK) {
        rc = replay(fs, map, size, &keep, &salvaged);
    }
    (void)munmap(map, size);
    if (rc != MQTLS_OK) {
        return rc;
    }
    fs->end = (off_t)keep;
    if (keep < size && (ftruncate(fs->fd, (off_t)keep) != 0 || fdatasync(fs->fd) != 0)) {
        return io_fail(fs); /* the torn tail must go before anything is appended */
    }
    if (salvaged) {
        return compact(fs);
    }
    maybe_compact(fs);
    return MQTLS_OK;
}

/* mkdir -p, mode 0700 for what it creates. */
static int make_dirs(const char *dir)
{
    size_t n = strlen(dir);
    char *p = malloc(n + 1u);
    if (p == NULL) {
        errno = ENOMEM;
        return -1;
    }
    memcpy(p, dir, n + 1u);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0') {
            continue;
        }
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            int e = errno;
            free(p);
            errno = e;
            return -1;
        }
        p[i] = c;
    }
    free(p);
    return 0;
}

static int32_t lock_dir(mqtls_filestore_t *fs)
{
    fs->lockfd = openat(fs->dirfd, LOCK_NAME, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fs->lockfd < 0) {
        return io_fail(fs);
    }
    struct flock lk;
    memset(&lk, 0, sizeof lk);
    lk.l_type = F_WRLCK;
    lk.l_whence = SEEK_SET;
    if (fcntl(fs->lockfd, F_SETLK, &lk) != 0) {
        if (errno == EACCES || errno == EAGAIN) {
            fs->err = errno;
            return MQTLS_ERR_STORE_LOCKED;
        }
        return io_fail(fs);
    }
    return MQTLS_OK;
}

int32_t mqtls_filestore_open(mqtls_filestore_t **out_fs, const char *dir, uint32_t flags, mqtls_msgstore_t *out)
{
    if (out_fs == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    *out_fs = NULL;
    if (dir == NULL || dir[0] == '\0' || out == NULL ||
        (flags & ~(MQTLS_FILESTORE_FSYNC | MQTLS_FILESTORE_SALVAGE)) != 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    mqtls_filestore_t *fs = calloc(1, sizeof *fs);
    if (fs == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    fs->dirfd = fs->lockfd = fs->fd = -1;
    fs->flags = flags;
    int32_t rc = MQTLS_OK;
    if (make_dirs(dir) != 0 || (fs->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        rc = io_fail(fs);
    }
    if (rc == MQTLS_OK) {
        rc = lock_dir(fs);
    }
    if (rc == MQTLS_OK && unlinkat(fs->dirfd, TMP_NAME, 0) != 0 && errno != ENOENT) {
        rc = io_fail(fs); /* a compaction that did not finish: the log is intact */
    }
    if (rc == MQTLS_OK) {
        rc = open_log(fs);
    }
    if (rc == MQTLS_OK) {
        rc = load(fs);
    }
    if (rc != MQTLS_OK) {
        int e = fs->err;
        mqtls_filestore_close(fs);
        errno = e;
        return rc;
    }
    memset(out, 0, sizeof *out);
    out->ctx = fs;
    out->put = fs_put;
    out->get = fs_get;
    out->remove = fs_remove;
    out->clear = fs_clear;
    out->mark_pubrel = fs_mark_pubrel;
    out->put_inbound = fs_put_inbound;
    out->remove_inbound = fs_remove_inbound;
    out->each = fs_each;
    *out_fs = fs;
    return MQTLS_OK;
}

void mqtls_filestore_close(mqtls_filestore_t *fs)
{
    if (fs == NULL) {
        return;
    }
    if (fs->fd >= 0) {
        (void)close(fs->fd);
    }
    if (fs->lockfd >= 0) {
        (void)close(fs->lockfd); /* releases the lock */
    }
    if (fs->dirfd >= 0) {
        (void)close(fs->dirfd);
    }
    free(fs->out);
    free(fs->in);
    free(fs);
}

int mqtls_filestore_errno(const mqtls_filestore_t *fs)
{
    return fs != NULL ? fs->err : 0;
}
