/* SPDX-License-Identifier: MIT
 * mqtls compat: what the Paho network port needs from the SimpleLink emulation. */
#ifndef MQTLS_COMPAT_SL_PRIV_H
#define MQTLS_COMPAT_SL_PRIV_H

#include <stdint.h>

#include "simplelink.h"

/* Wait until sd may be read (MQTLS_WAIT_READ) or written, at most
 * timeout_ms: >0 ready, 0 timed out, <0 a SimpleLink code. Decrypted bytes
 * held by the TLS layer count as readable. */
int32_t mqtls__sl_wait(_i16 sd, uint32_t events, uint32_t timeout_ms);

/* Receive what is there now, never waiting: >0 bytes, 0 nothing yet,
 * SL_ESECCLOSED when the peer closed, another negative code on error. */
int32_t mqtls__sl_recv_now(_i16 sd, uint8_t *buf, size_t len);

#endif /* MQTLS_COMPAT_SL_PRIV_H */
