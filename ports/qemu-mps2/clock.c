/* SPDX-License-Identifier: MIT
 * mqtls: the mps2-an386 clocks -- SysTick for now_ms, semihosting for the date. */
/*
 * now_ms is a counter SysTick increments once per millisecond: the
 * processor clock of the AN386 image is 25 MHz (QEMU models the same
 * SYSCLK), so the reload value is 25 000 - 1. QEMU runs the emulated clock
 * at host speed, so a millisecond here is a millisecond on the host, which
 * is what makes the firmware's handshake time a figure worth printing.
 *
 * The wall clock (for certificate validity) comes from the host through
 * semihosting SYS_TIME. A board after reset has no date until something
 * (SNTP, a cellular modem, the user) sets it: mqtls_mps2_wall_clock_set(0)
 * models that, and the TLS layer must then refuse to judge validity rather
 * than take 1970 for today.
 */
#include "mps2.h"

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYSCLK_HZ 25000000u
#define SYS_TIME 0x11u

void SysTick_Handler(void);

static volatile uint32_t ticks_ms;
static int wall_valid = 1;

void SysTick_Handler(void)
{
    ticks_ms++;
}

/* see mps2.h */
void mqtls_mps2_clock_init(void)
{
    SYST_RVR = SYSCLK_HZ / 1000u - 1u;
    SYST_CVR = 0u;
    SYST_CSR = 7u; /* enable, interrupt, processor clock */
}

/* see mps2.h */
uint32_t mqtls_mps2_now_ms(void *user)
{
    (void)user;
    return ticks_ms;
}

/* see mps2.h */
void mqtls_mps2_wall_clock_set(int valid)
{
    wall_valid = valid;
}

/* see mps2.h */
int64_t mqtls_mps2_wall_time(void)
{
    if (!wall_valid) {
        return 0;
    }
    int32_t t = mqtls_mps2_semihost(SYS_TIME, NULL);
    return t > 0 ? (int64_t)(uint32_t)t : 0;
}
