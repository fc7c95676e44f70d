/* SPDX-License-Identifier: MIT
 * mqtls: mutual TLS over a lower transport, as the firmware sets it up. */
#ifndef MQTLS_MPS2_FW_TLS_H
#define MQTLS_MPS2_FW_TLS_H

#include <stddef.h>
#include <stdint.h>

#include "mqtls/transport.h"

typedef struct {
    const unsigned char *ca, *cert, *key; /* PEM (NUL included) or DER */
    size_t ca_len, cert_len, key_len;
    const char *server_name;              /* checked against the broker's certificate */
} fw_tls_creds_t;

/**
 * Handshake (TLS 1.2, the server verified against creds->ca, our
 * certificate offered) over `lower` within timeout_ms, then fill `out` with
 * the encrypted transport. Prints the negotiated version and suite.
 * @return MQTLS_OK or an MQTLS_ERR_TLS_* code naming the cause.
 */
int32_t fw_tls_connect(const mqtls_transport_t *lower, const fw_tls_creds_t *creds, uint32_t timeout_ms,
                       mqtls_transport_t *out);

/** Send close_notify and release everything (the arena is empty after it). */
void fw_tls_close(void);

#endif /* MQTLS_MPS2_FW_TLS_H */
