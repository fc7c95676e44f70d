/* SPDX-License-Identifier: MIT
 * mqtls tests: the simulated NOR flash (see sim_flash.h). */
#include "sim_flash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cut_now(sim_flash_t *f)
{
    if (f->dead) {
        return 1;
    }
    if (f->step++ == f->cut_at) {
        f->dead = 1;
        return 1;
    }
    return 0;
}

static int32_t sim_read(void *ctx, uint32_t addr, uint8_t *buf, size_t len)
{
    sim_flash_t *f = ctx;
    if (f->dead) {
        return -1;
    }
    if (addr > sim_flash_bytes(f) || len > sim_flash_bytes(f) - addr) {
        f->violations++;
        snprintf(f->why, sizeof f->why, "read past the end: %u+%zu", (unsigned)addr, len);
        return -2;
    }
    memcpy(buf, f->mem + addr, len);
    return 0;
}

static int32_t sim_program(void *ctx, uint32_t addr, const uint8_t *buf, size_t len)
{
    sim_flash_t *f = ctx;
    if (f->dead) {
        return -1;
    }
    if (addr % f->unit != 0u || len % f->unit != 0u || len == 0u || addr > sim_flash_bytes(f) ||
        len > sim_flash_bytes(f) - addr) {
        f->violations++;
        snprintf(f->why, sizeof f->why, "misaligned or out-of-range program %u+%zu", (unsigned)addr, len);
        return -3;
    }
    for (size_t i = 0; i < len; i++) {
        if (f->mem[addr + i] != 0xFFu) {
            f->violations++;
            snprintf(f->why, sizeof f->why, "program over unerased data at %u (0x%02X)", (unsigned)(addr + i),
                     f->mem[addr + i]);
            return -4;
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (cut_now(f)) {
            return -1; /* bytes before i are programmed */
        }
        if (cut_now(f)) {
            /* half of its bits: the odd ones or the even ones */
            f->mem[addr + i] &= (uint8_t)(buf[i] | ((addr + i) % 2u != 0u ? 0x55u : 0xAAu));
            return -1;
        }
        f->mem[addr + i] &= buf[i];
    }
    return 0;
}

static int32_t sim_erase(void *ctx, uint32_t sector)
{
    sim_flash_t *f = ctx;
    if (f->dead) {
        return -1;
    }
    if (sector >= f->sector_count) {
        f->violations++;
        snprintf(f->why, sizeof f->why, "erase of sector %u", (unsigned)sector);
        return -3;
    }
    uint8_t *s = f->mem + (size_t)sector * f->sector_size;
    uint32_t half = f->sector_size / 2u;
    if (cut_now(f)) {
        return -1;
    }
    if (cut_now(f)) {
        memset(s, 0xFF, half);
        return -1;
    }
    if (cut_now(f)) {
        memset(s + half, 0xFF, f->sector_size - half);
        return -1;
    }
    memset(s, 0xFF, f->sector_size);
    f->erases[sector]++;
    return 0;
}

void sim_flash_init(sim_flash_t *f, uint32_t sector_size, uint32_t sector_count, uint32_t unit)
{
    memset(f, 0, sizeof *f);
    f->sector_size = sector_size;
    f->sector_count = sector_count;
    f->unit = unit;
    f->cut_at = -1;
    f->mem = malloc((size_t)sector_size * sector_count);
    if (f->mem == NULL) {
        abort();
    }
    memset(f->mem, 0xFF, (size_t)sector_size * sector_count);
    f->drv = (mqtls_flash_t){f, sector_size, sector_count, unit, sim_read, sim_program, sim_erase};
}

void sim_flash_free(sim_flash_t *f)
{
    free(f->mem);
    f->mem = NULL;
}

void sim_flash_power_on(sim_flash_t *f)
{
    f->dead = 0;
    f->cut_at = -1;
}

size_t sim_flash_bytes(const sim_flash_t *f)
{
    return (size_t)f->sector_size * f->sector_count;
}
