/* SPDX-License-Identifier: MIT
 * mqtls POSIX port: the monotonic clock. */
/*
 * see mqtls/posix_clock.h
 *
 * One clock for the whole port: the TCP transport computes its poll
 * deadlines from the same 64-bit millisecond count (posix_priv.h), so a
 * deadline never wraps inside a connect; callers of mqtls_posix_now_ms get
 * it cut to 32 bits and do wrap-safe arithmetic, as the core does.
 *
 * Rejected: CLOCK_REALTIME (jumps when the date is set, which makes
 * keepalive and timeouts fire early or never) and gettimeofday (obsolescent
 * in POSIX 2008).
 */
#include "mqtls/posix_clock.h"

#include <time.h>

#include "posix_priv.h"

uint64_t mqtls__posix_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* see mqtls/posix_clock.h */
uint32_t mqtls_posix_now_ms(void *unused)
{
    (void)unused;
    return (uint32_t)mqtls__posix_mono_ms();
}
