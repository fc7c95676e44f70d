/* SPDX-License-Identifier: MIT
 * mqtls: the POSIX port's clock (ports/posix/clock.c). */
/*
 * The core has no clock of its own: mqtls_client_config_t.now_ms is a
 * function the platform gives it. On POSIX that is CLOCK_MONOTONIC, which
 * never jumps when the wall clock is set (NTP, a user, a device that learns
 * the date late), cut to 32 bits: every duration the client computes is a
 * wrap-safe difference of two such values. mqtls/tcp.h includes this
 * header, so code written before the clock had its own file still compiles.
 */
#ifndef MQTLS_POSIX_CLOCK_H
#define MQTLS_POSIX_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * A monotonic millisecond clock (CLOCK_MONOTONIC) that wraps at 2^32, as the
 * client's arithmetic expects: on POSIX, use it as
 * mqtls_client_config_t.now_ms. `unused` is ignored.
 */
uint32_t mqtls_posix_now_ms(void *unused);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_POSIX_CLOCK_H */
