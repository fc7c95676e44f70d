/* SPDX-License-Identifier: MIT
 * mqtls: the QEMU mps2-an386 (Cortex-M4) port -- what the board gives mqtls. */
/*
 * A port fills in the contracts the library leaves open (DESIGN.md,
 * "ports/"): a transport, a millisecond clock, a wall clock for certificate
 * validity, an entropy source and the credential bytes. On this board:
 *
 *   transport   CMSDK APB UART0 (0x40004000), polled, non-blocking; QEMU's
 *               `-serial tcp:127.0.0.1:PORT` makes it a TCP connection
 *   now_ms      SysTick on the 25 MHz processor clock, one interrupt per ms
 *   wall clock  semihosting SYS_TIME (the host's time; 0 = "clock unset")
 *   entropy     semihosting reads of the host's /dev/urandom: TEST-ONLY, under
 *               QEMU. A real board uses its TRNG; never ship this.
 *   console     semihosting (printf through newlib's librdimon), exit codes
 *               through SYS_EXIT_EXTENDED
 *
 * Nothing here is called by src/: the firmware's main() hands these
 * functions to the library (mqtls_transport_t, now_ms callbacks).
 */
#ifndef MQTLS_MPS2_H
#define MQTLS_MPS2_H

#include <stddef.h>
#include <stdint.h>

#include "mqtls/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- semihosting (Arm semihosting v2, `bkpt 0xab` on M-profile) ---- */

/** One semihosting call: operation number and its argument block. */
int32_t mqtls_mps2_semihost(uint32_t op, const void *arg);

/** Leave QEMU with `code` as its exit status (SYS_EXIT_EXTENDED). */
__attribute__((noreturn)) void mqtls_mps2_exit(int code);

/** The command line QEMU was given with -append (SYS_GET_CMDLINE), NUL
 * terminated; "" when there is none. @return its length, or -1. */
int32_t mqtls_mps2_cmdline(char *buf, size_t len);

/* ---- time ---- */

/** Start SysTick: one interrupt per millisecond on the 25 MHz clock. */
void mqtls_mps2_clock_init(void);

/** Milliseconds since mqtls_mps2_clock_init(); wraps after 49 days. */
uint32_t mqtls_mps2_now_ms(void *user);

/** Seconds since 1970 from the host (semihosting SYS_TIME), or 0 when the
 * firmware is told its clock is unset (mqtls_mps2_wall_clock_set(false)),
 * as a board without a battery-backed RTC is after reset. */
int64_t mqtls_mps2_wall_time(void);
void mqtls_mps2_wall_clock_set(int valid);

/* ---- UART0 as the transport ---- */

#define MQTLS_MPS2_UART0 0x40004000u

typedef struct {
    uintptr_t base; /* CMSDK APB UART registers */
} mqtls_mps2_uart_t;

/** Enable the UART at `base` and fill `t` with its non-blocking send/recv
 * (0 = would block) and a polling wait. The UART has no notion of a closed
 * connection: a peer that goes away shows as silence (the client's
 * timeouts handle it). */
void mqtls_mps2_uart_transport(mqtls_mps2_uart_t *u, uintptr_t base, mqtls_transport_t *t);

/* ---- entropy: TEST-ONLY ---- */

/** Fill `out` with `len` bytes of the host's /dev/urandom through
 * semihosting file calls. TEST-ONLY: it exists because QEMU's board has no
 * TRNG; it trusts the host and the debug channel completely, and must
 * never be a production entropy source. @return 0, or -1 if the host
 * refused. The signature is mbedTLS's entropy source / RNG callback's. */
int mqtls_mps2_test_entropy(void *user, unsigned char *out, size_t len);

/* ---- memory figures ---- */

/** Bytes of the main stack ever used since reset (startup.c paints the
 * stack with a pattern; this finds the lowest overwritten word). */
size_t mqtls_mps2_stack_peak(void);
/** Size of the main stack region (the linker script's __stack_size). */
size_t mqtls_mps2_stack_size(void);
/** Bytes of the libc heap (newlib's malloc, for stdio buffers) taken so far;
 * mbedTLS does not use it (its own static arena, mbedtls_port.c). */
size_t mqtls_mps2_libc_heap_used(void);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_MPS2_H */
