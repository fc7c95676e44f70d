/* SPDX-License-Identifier: MIT
 * mqtls fuzz target: the flash-log store mounting damaged flash. */
/*
 * The input drives three phases over a small simulated NOR flash:
 *   1. store operations (put, mark_pubrel, remove, inbound, clear) on blank
 *      flash, from the input bytes up to a 0xFE, so that the image holds
 *      real sectors, records, marks and fences;
 *   2. damage: each following (offset, xor) pair flips bits in the image;
 *   3. mount the damaged image; when it mounts, walk and read every record,
 *      do a few more operations, and mount again.
 * It aborts when mounting a damaged image crashes or reads out of bounds
 * (ASan), when the store programs a byte that is not erased (the store
 * must only ever write where it knows the flash is blank, whatever the
 * image held), when its own writes make the image unmountable, or when a
 * fresh mount disagrees with the RAM view of the store that wrote it.
 */

#include "fuzz_harness.h"
#include "mqtls/flashlog.h"

#define SECTOR 256u
#define MAXSEC 5u
#define RECORDS 128u

typedef struct {
    uint8_t mem[SECTOR * MAXSEC];
    uint32_t n, unit;
} flash_t;

static int32_t f_read(void *ctx, uint32_t addr, uint8_t *buf, size_t len)
{
    flash_t *f = ctx;
    CHECK(addr <= f->n * SECTOR && len <= f->n * SECTOR - addr);
    memcpy(buf, f->mem + addr, len);
    return 0;
}

static int32_t f_program(void *ctx, uint32_t addr, const uint8_t *buf, size_t len)
{
    flash_t *f = ctx;
    CHECK(addr % f->unit == 0u && len % f->unit == 0u);
    CHECK(addr <= f->n * SECTOR && len <= f->n * SECTOR - addr);
    for (size_t i = 0; i < len; i++) {
        CHECK(f->mem[addr + i] == 0xFFu); /* never over data */
        f->mem[addr + i] = buf[i];
    }
    return 0;
}

static int32_t f_erase(void *ctx, uint32_t sector)
{
    flash_t *f = ctx;
    CHECK(sector < f->n);
    memset(f->mem + sector * SECTOR, 0xFF, SECTOR);
    return 0;
}

static void run_ops(const mqtls_msgstore_t *st, const uint8_t **p, const uint8_t *end)
{
    uint8_t pkt[SECTOR];
    while (*p < end && **p != 0xFEu) {
        uint8_t op = *(*p)++;
        uint16_t id = (uint16_t)(1u + (op >> 3));
        switch (op & 7u) {
        case 0:
        case 1: {
            size_t len = 1u + (*p < end ? *(*p)++ : 0u) % 120u;
            memset(pkt, op, len);
            int32_t rc = st->put(st->ctx, id, pkt, len);
            CHECK(rc == MQTLS_OK || rc == MQTLS_ERR_STORE_FULL || rc == MQTLS_ERR_STORE_TOO_SMALL);
            break;
        }
        case 2:
            (void)st->mark_pubrel(st->ctx, id);
            break;
        case 3:
        case 4:
            st->remove(st->ctx, id);
            break;
        case 5: {
            int32_t rc = st->put_inbound(st->ctx, id);
            CHECK(rc == MQTLS_OK || rc == MQTLS_ERR_STORE_FULL);
            break;
        }
        case 6:
            st->remove_inbound(st->ctx, id);
            break;
        default:
            if ((op >> 3) == 0x1Fu) {
                st->clear(st->ctx);
            }
            break;
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static flash_t f;
    static uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(RECORDS)];
    static fuzz_store_list_t l1, l2;
    mqtls_flashlog_t fl;
    mqtls_msgstore_t st;
    if (size < 1u) {
        return 0;
    }
    f.unit = 1u << (data[0] & 3u);
    f.n = 2u + ((data[0] >> 2) % (MAXSEC - 1u));
    memset(f.mem, 0xFF, sizeof f.mem);
    const mqtls_flash_t drv = {&f, SECTOR, f.n, f.unit, f_read, f_program, f_erase};
    const uint8_t *p = data + 1, *end = data + size;

    CHECK(mqtls_flashlog_init(&fl, &drv, work, sizeof work, &st) == MQTLS_OK);
    run_ops(&st, &p, end);
    if (p < end) {
        p++; /* the 0xFE */
    }
    while (end - p >= 3) {
        uint32_t off = ((uint32_t)p[0] | ((uint32_t)p[1] << 8)) % (f.n * SECTOR);
        f.mem[off] ^= p[2];
        p += 3;
    }

    int32_t rc = mqtls_flashlog_init(&fl, &drv, work, sizeof work, &st);
    CHECK(rc == MQTLS_OK || rc == MQTLS_ERR_STORE_CORRUPT);
    if (rc != MQTLS_OK) {
        return 0;
    }
    fuzz_store_walk(&st, &l1, RECORDS, SECTOR);
    static const uint8_t more[] = {0x08, 40, 0x0A, 0x13, 0x0D, 0x0E, 0x21, 90, 0x1C};
    const uint8_t *q = more;
    run_ops(&st, &q, more + sizeof more);
    fuzz_store_walk(&st, &l1, RECORDS, SECTOR);
    /* what the store says is what a fresh mount of its flash says */
    CHECK(mqtls_flashlog_init(&fl, &drv, work, sizeof work, &st) == MQTLS_OK);
    fuzz_store_walk(&st, &l2, RECORDS, SECTOR);
    fuzz_store_same(&l1, &l2);
    return 0;
}
