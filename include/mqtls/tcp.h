/* SPDX-License-Identifier: MIT
 * mqtls: TCP transport for POSIX systems (ports/posix/tcp.c). */
/**
 * @file
 * @brief TCP transport for POSIX systems (ports/posix/tcp.c).
 *
 * getaddrinfo (IPv4 and IPv6, every address tried in turn), a non-blocking
 * connect bounded by a timeout, TCP_NODELAY (MQTT exchanges are small and
 * latency-bound), and non-blocking send/recv under the transport contract
 * with a poll()-based wait. SIGPIPE is never raised (MSG_NOSIGNAL). The raw
 * errno of the last failure is kept for diagnostics; the library itself
 * never prints.
 *
 * The caller owns the mqtls_tcp_t (a local or a static is fine); the
 * transport made from it points at it, so it must outlive the connection.
 *
 * @code
 * mqtls_tcp_t tcp;
 * mqtls_tcp_init(&tcp);
 * int32_t rc = mqtls_tcp_connect(&tcp, "broker.example", 1883, 5000);
 * if (rc != MQTLS_OK) {
 *     fprintf(stderr, "%s (%s)\n", mqtls_strerror(rc), strerror(mqtls_tcp_last_errno(&tcp)));
 *     return rc;
 * }
 * mqtls_transport_t t;
 * mqtls_tcp_transport(&tcp, &t);     // hand &t to mqtls_client_connect() or a TLS layer
 * // ...
 * mqtls_tcp_close(&tcp);
 * @endcode
 */
#ifndef MQTLS_TCP_H
#define MQTLS_TCP_H

#include <stdint.h>

#include "mqtls/api.h"
#include "mqtls/error.h"
#include "mqtls/posix_clock.h" /* mqtls_posix_now_ms used to be declared here */
#include "mqtls/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** TCP connection state; allocate it, never access its fields. */
typedef struct {
    int MQTLS_PRIVATE(fd);         /**< private: the socket, -1 when closed */
    int MQTLS_PRIVATE(last_errno); /**< private: raw errno of the last failure, 0 if none (mqtls_tcp_last_errno()) */
    int MQTLS_PRIVATE(gai_error);  /**< private: getaddrinfo's code when resolving failed (mqtls_tcp_gai_error()) */
} mqtls_tcp_t;

/**
 * Set t to the closed state. Call it once before anything else, so that
 * mqtls_tcp_connect() and mqtls_tcp_close() find no stale descriptor.
 * @param t the connection state (NULL: nothing happens)
 */
void mqtls_tcp_init(mqtls_tcp_t *t);

/**
 * Resolve host and connect to port within timeout_ms (over all addresses,
 * each getting an equal share of the time left). A connection t still had
 * is closed first. On failure t is closed and keeps the raw errno of the
 * most telling failure (refused, then timeout, then unreachable), and
 * getaddrinfo's code when resolving failed.
 * @param t          initialised with mqtls_tcp_init()
 * @param host       a name or a numeric IPv4/IPv6 address, NUL-terminated;
 *                   read during the call only
 * @param port       the TCP port, not 0
 * @param timeout_ms resolve and connect at most this long (resolving itself
 *                   is getaddrinfo's and not bounded by it)
 * @return MQTLS_OK, MQTLS_ERR_INVALID_ARG (t or host NULL, host empty,
 * port 0), MQTLS_ERR_DNS, MQTLS_ERR_CONNECT_REFUSED,
 * MQTLS_ERR_CONNECT_TIMEOUT, MQTLS_ERR_UNREACHABLE or MQTLS_ERR_SOCKET.
 */
int32_t mqtls_tcp_connect(mqtls_tcp_t *t, const char *host, uint16_t port, uint32_t timeout_ms);

/**
 * Fill `out` with the transport functions for t (ctx = t): non-blocking
 * send and recv, a poll()-based wait, and close (= mqtls_tcp_close()).
 * @param t   the connection; borrowed by `out`: it must stay valid, at the
 *            same address, while the transport is in use
 * @param out filled in (NULL: nothing happens); it may be copied freely
 */
void mqtls_tcp_transport(mqtls_tcp_t *t, mqtls_transport_t *out);

/**
 * Close the socket; safe to call twice.
 * @param t the connection (NULL, or already closed: nothing happens)
 */
void mqtls_tcp_close(mqtls_tcp_t *t);

/**
 * The socket, for an event loop (epoll, poll) that waits on many
 * connections; -1 when closed. The transport still owns it: do not read,
 * write or close it yourself.
 * @param t the connection (NULL: -1)
 * @return the file descriptor, or -1
 *
 * @code
 * struct pollfd p = { .fd = mqtls_tcp_fd(&tcp), .events = POLLIN };
 * @endcode
 */
int mqtls_tcp_fd(const mqtls_tcp_t *t);

/**
 * errno of the last failure (0 if none), for messages such as strerror().
 * @param t the connection (NULL: 0)
 * @return the raw errno value kept by the last failed call
 */
int mqtls_tcp_last_errno(const mqtls_tcp_t *t);

/**
 * getaddrinfo's code when resolving failed (0 if none), for gai_strerror().
 * @param t the connection (NULL: 0)
 * @return the EAI_* code of the last failed resolution
 */
int mqtls_tcp_gai_error(const mqtls_tcp_t *t);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_TCP_H */
