/* SPDX-License-Identifier: MIT
 * mqtls: what mbedTLS needs from the mps2-an386 board. */
/*
 * mbedtls_config.h compiles mbedTLS without a clock or entropy of its own
 * (MBEDTLS_PLATFORM_MS_TIME_ALT, MBEDTLS_PLATFORM_TIME_ALT,
 * MBEDTLS_NO_PLATFORM_ENTROPY). This file provides the millisecond clock
 * and installs the wall clock, and it is the "hardware" entropy source
 * (MBEDTLS_ENTROPY_HARDWARE_ALT) that PSA crypto seeds from: here
 * mqtls_mps2_test_entropy -- TEST-ONLY, see entropy.c; a real board reads
 * its TRNG in mbedtls_hardware_poll().
 */
#include "mbedtls_port.h"

#include <mbedtls/entropy.h>
#include <mbedtls/platform.h>
#include <mbedtls/platform_time.h>

#include "mps2.h"

mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)mqtls_mps2_now_ms(NULL);
}

/* mbedTLS's allocator before the arena is installed (mbedtls_config.h). */
void *mqtls_mps2_mbedtls_calloc_refused(size_t n, size_t size)
{
    (void)n;
    (void)size;
    return NULL;
}

void mqtls_mps2_mbedtls_free_refused(void *p)
{
    (void)p;
}

int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    (void)data;
    if (mqtls_mps2_test_entropy(NULL, output, len) != 0) {
        *olen = 0;
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    *olen = len;
    return 0;
}

static mbedtls_time_t wall_time(mbedtls_time_t *out)
{
    mbedtls_time_t t = (mbedtls_time_t)mqtls_mps2_wall_time();
    if (out != NULL) {
        *out = t;
    }
    return t;
}

/* see mbedtls_port.h */
void mqtls_mps2_mbedtls_init(unsigned char *arena, size_t len)
{
    mbedtls_memory_buffer_alloc_init(arena, len);
    (void)mbedtls_platform_set_time(wall_time);
}

/* see mbedtls_port.h */
void mqtls_mps2_mbedtls_heap(size_t *peak, size_t *now)
{
    size_t blocks;
    mbedtls_memory_buffer_alloc_max_get(peak, &blocks);
    mbedtls_memory_buffer_alloc_cur_get(now, &blocks);
}
