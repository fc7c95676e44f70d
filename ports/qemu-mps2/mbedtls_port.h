/* SPDX-License-Identifier: MIT
 * mqtls: mbedTLS's platform hooks on mps2-an386 (static arena, clocks). */
#ifndef MQTLS_MPS2_MBEDTLS_PORT_H
#define MQTLS_MPS2_MBEDTLS_PORT_H

#include <stddef.h>

#include <mbedtls/memory_buffer_alloc.h>

/** Give mbedTLS its heap (`arena`, never the libc heap) and the board's
 * wall clock (semihosting SYS_TIME; 0 while the clock is unset). */
void mqtls_mps2_mbedtls_init(unsigned char *arena, size_t len);

/** Bytes of the arena in use at the peak and now (MBEDTLS_MEMORY_DEBUG). */
void mqtls_mps2_mbedtls_heap(size_t *peak, size_t *now);

#endif /* MQTLS_MPS2_MBEDTLS_PORT_H */
