/* SPDX-License-Identifier: MIT
 * mqtls: the transport contract between the client and the bytes below it. */
/**
 * @file
 * @brief The transport contract: how the client (and TLS) move bytes.
 *
 * A transport moves bytes; it knows nothing of MQTT. TCP, TLS (which wraps a
 * lower transport, as lwIP's altcp does), an in-memory scripted peer for unit
 * tests: all fill in the same struct. The client never blocks on its own: it
 * calls send/recv, and when they return 0 ("would block") it calls the
 * optional wait() with the time it has left, or tries again until its
 * deadline passes when wait is NULL.
 *
 * Contract for send and recv:
 *   > 0   that many bytes were moved (may be fewer than asked; a recv that
 *         returns fewer than asked should mean "nothing more now": the
 *         client then calls wait() before it reads again)
 *   0     nothing moved now, call again later; 0 never means "closed"
 *   < 0   an mqtls_err_t; MQTLS_ERR_CLOSED when the peer closed the stream
 *
 * Retry rule (as with TLS engines): after send returned 0 or a short count,
 * the next send must start with the bytes not yet taken and be at least as
 * long. The client always does this: it finishes one packet before it
 * starts the next, and only appends whole packets behind bytes not yet
 * taken (so a retry may be longer, never different).
 *
 * Lifetime: the client copies the struct (mqtls_client_connect()), so the
 * struct itself may be a local; `ctx`, and whatever it points to, must stay
 * valid for as long as the client is connected over it.
 *
 * Ports fill one in (mqtls/tcp.h, mqtls/sl_transport.h); a transport of
 * your own is four functions and a context:
 * @code
 * static int32_t uart_send(void *ctx, const uint8_t *buf, size_t len)
 * {
 *     size_t n = uart_tx_free(ctx);            // never block: take what fits
 *     if (n > len) n = len;
 *     uart_tx_write(ctx, buf, n);
 *     return (int32_t)n;                       // 0: full now, call again
 * }
 * static int32_t uart_recv(void *ctx, uint8_t *buf, size_t len)
 * {
 *     return (int32_t)uart_rx_read(ctx, buf, len);  // 0: nothing yet
 * }
 * mqtls_transport_t t = { .ctx = &uart0, .send = uart_send, .recv = uart_recv };
 * // .wait and .close may stay NULL: the client then polls until its deadline
 * @endcode
 */
#ifndef MQTLS_TRANSPORT_H
#define MQTLS_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Event for mqtls_transport_t.wait: a recv may move bytes. */
#define MQTLS_WAIT_READ 1u
/** Event for mqtls_transport_t.wait: a send may move bytes. */
#define MQTLS_WAIT_WRITE 2u

/** A byte stream below the client: a context and the functions over it. */
typedef struct mqtls_transport {
    void *ctx; /**< passed back to every function; owned by the caller, valid while connected */
    /**
     * Required: send up to len bytes of buf. buf is borrowed for the call
     * only; the retry rule above says what the next call must start with.
     * @param ctx the transport's ctx
     * @param buf the bytes to send
     * @param len how many bytes buf holds
     * @return >0 bytes taken, 0 "would block", <0 an mqtls_err_t
     */
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len);
    /**
     * Required: receive at most len bytes into buf (borrowed for the call).
     * @param ctx the transport's ctx
     * @param buf where to put them
     * @param len room in buf
     * @return >0 bytes received, 0 nothing yet, <0 an mqtls_err_t
     * (MQTLS_ERR_CLOSED when the peer closed the stream)
     */
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t len);
    /**
     * Optional: block until one of `events` may succeed or timeout_ms passes.
     * A TLS layer must report ready when it holds decrypted bytes the lower
     * layer no longer shows. A spurious "ready" is allowed: the client
     * calls send/recv again and waits again on 0.
     * @param ctx the transport's ctx
     * @param events MQTLS_WAIT_READ and/or MQTLS_WAIT_WRITE
     * @param timeout_ms the longest the call may block
     * @return >0 ready, 0 timed out, <0 error.
     */
    int32_t (*wait)(void *ctx, uint32_t events, uint32_t timeout_ms);
    /**
     * Optional: release the connection; safe to call twice.
     * @param ctx the transport's ctx
     */
    void (*close)(void *ctx);
} mqtls_transport_t;

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_TRANSPORT_H */
