/* SPDX-License-Identifier: MIT
 * mqtls tests: a simulated NOR flash that can lose power at any byte. */
/*
 * NOR rules, enforced: erase sets a sector to 0xFF; program can only clear
 * bits, and must target whole erased prog units (a unit that is not all
 * 0xFF is never programmed again: that is a violation, counted and
 * refused, as ECC flash refuses it). Every driver call advances a step
 * counter; when it reaches cut_at the power goes: a program keeps the bytes
 * before the cut and, for the odd steps, a half-programmed byte (the odd or
 * the even bits it was to clear); an erase is cut before it starts, after erasing the
 * sector's first half, or after erasing its second half (header intact,
 * records gone). From then on every call fails until sim_flash_power_on().
 */
#ifndef MQTLS_TEST_SIM_FLASH_H
#define MQTLS_TEST_SIM_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "mqtls/flashlog.h"

#define SIM_MAX_SECTORS 16

typedef struct {
    uint8_t *mem;
    uint32_t sector_size, sector_count, unit;
    uint32_t erases[SIM_MAX_SECTORS];
    long step;   /* cut points passed so far */
    long cut_at; /* the step at which the power goes; -1: never */
    int dead;
    long violations;
    char why[160];
    mqtls_flash_t drv;
} sim_flash_t;

/* Blank (all 0xFF) flash; mem is allocated. */
void sim_flash_init(sim_flash_t *f, uint32_t sector_size, uint32_t sector_count, uint32_t unit);
void sim_flash_free(sim_flash_t *f);
void sim_flash_power_on(sim_flash_t *f);
size_t sim_flash_bytes(const sim_flash_t *f);

#endif
