/* SPDX-License-Identifier: MIT
 * mqtls POSIX port: what its files share and nobody else sees. */
#ifndef MQTLS_POSIX_PRIV_H
#define MQTLS_POSIX_PRIV_H

#include <stdint.h>

/* CLOCK_MONOTONIC in milliseconds, not cut to 32 bits (for deadlines). */
uint64_t mqtls__posix_mono_ms(void);

#endif /* MQTLS_POSIX_PRIV_H */
