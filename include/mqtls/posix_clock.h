/* SPDX-License-Identifier: MIT
 * mqtls: the POSIX port's clock (ports/posix/clock.c). */
/**
 * @file
 * @brief The POSIX port's monotonic millisecond clock.
 *
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
 * @param unused the clock's user pointer; ignored, may be NULL
 * @return milliseconds since an arbitrary point, modulo 2^32
 *
 * @code
 * mqtls_client_config_t cfg = { ..., .now_ms = mqtls_posix_now_ms };
 * uint32_t t0 = mqtls_posix_now_ms(NULL);
 * // ... later: wrap-safe elapsed time
 * uint32_t spent = mqtls_posix_now_ms(NULL) - t0;
 * @endcode
 */
uint32_t mqtls_posix_now_ms(void *unused);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_POSIX_CLOCK_H */
