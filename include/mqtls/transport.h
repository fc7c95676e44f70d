/* SPDX-License-Identifier: MIT
 * mqtls: the transport contract between the client and the bytes below it. */
/*
 * A transport moves bytes; it knows nothing of MQTT. TCP, TLS (which wraps a
 * lower transport, as lwIP's altcp does), an in-memory scripted peer for unit
 * tests: all fill in the same struct. The client never blocks on its own: it
 * calls send/recv, and when they return 0 ("would block") it calls the
 * optional wait() with the time it has left, or tries again until its
 * deadline passes when wait is NULL.
 *
 * Contract for send and recv:
 *   > 0   that many bytes were moved (may be fewer than asked)
 *   0     nothing moved now, call again later; 0 never means "closed"
 *   < 0   an mqtls_err_t; MQTLS_ERR_CLOSED when the peer closed the stream
 *
 * Retry rule (as with TLS engines): after send returned 0 or a short count,
 * the next send must start with the bytes not yet taken and be at least as
 * long. The client always does this: it finishes one packet before it
 * starts the next.
 */
#ifndef MQTLS_TRANSPORT_H
#define MQTLS_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Events for mqtls_transport_t.wait. */
#define MQTLS_WAIT_READ 1u
#define MQTLS_WAIT_WRITE 2u

typedef struct mqtls_transport {
    void *ctx; /**< passed back to every function */
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len);
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t len);
    /**
     * Optional: block until one of `events` may succeed or timeout_ms passes.
     * @return >0 ready, 0 timed out, <0 error. A TLS layer must report ready
     * when it holds decrypted bytes the lower layer no longer shows.
     */
    int32_t (*wait)(void *ctx, uint32_t events, uint32_t timeout_ms);
    /** Optional: release the connection; safe to call twice. */
    void (*close)(void *ctx);
} mqtls_transport_t;

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_TRANSPORT_H */
