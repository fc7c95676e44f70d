/* SPDX-License-Identifier: MIT
 * mqtls: TCP transport for POSIX systems (ports/posix/tcp.c). */
/**
 * @file
 * @brief TCP transport for POSIX systems (ports/posix/tcp.c).
 *
 * getaddrinfo (IPv4 and IPv6, every address tried in turn), a non-blocking
 * connect bounded by a timeout (also in steps, for an event loop:
 * mqtls_tcp_connect_start()), TCP_NODELAY (MQTT exchanges are small and
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

#include <stddef.h>
#include <stdint.h>

#include "mqtls/api.h"
#include "mqtls/error.h"
#include "mqtls/posix_clock.h" /* mqtls_posix_now_ms used to be declared here */
#include "mqtls/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

struct addrinfo;

/** TCP connection state; allocate it, never access its fields. */
typedef struct {
    int MQTLS_PRIVATE(fd);         /**< private: the socket, -1 when closed */
    int MQTLS_PRIVATE(last_errno); /**< private: raw errno of the last failure, 0 if none (mqtls_tcp_last_errno()) */
    int MQTLS_PRIVATE(gai_error);  /**< private: getaddrinfo's code when resolving failed (mqtls_tcp_gai_error()) */
    int MQTLS_PRIVATE(best_errno); /**< private: errno of the most telling failure of this connect */
    int32_t MQTLS_PRIVATE(best);   /**< private: the most telling failure of this connect, MQTLS_OK: none yet */
    size_t MQTLS_PRIVATE(left);    /**< private: addresses not yet given up, the one under way included */
    struct addrinfo *MQTLS_PRIVATE(res);      /**< private: the resolved addresses while connecting, else NULL */
    struct addrinfo *MQTLS_PRIVATE(cur);      /**< private: the address under way */
    uint64_t MQTLS_PRIVATE(deadline);         /**< private: end of the connect (monotonic ms) */
    uint64_t MQTLS_PRIVATE(attempt_deadline); /**< private: end of the current address's share of it */
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
 * mqtls_tcp_connect() without waiting, for an event loop that connects many
 * sockets at once: resolve host (getaddrinfo, which may block: give a
 * numeric address where that matters), start the non-blocking connect to
 * the first address and return. Then call mqtls_tcp_connect_step() when
 * mqtls_tcp_fd() is writable, and at least every few hundred ms for the
 * timeout, until it returns something else than MQTLS_ERR_WANT_WRITE.
 * mqtls_tcp_connect() is this function and those steps with a poll()
 * between them, so both report the same errors with the same errno.
 * mqtls_tcp_close() gives a connect under way up.
 * @param t          initialised with mqtls_tcp_init(); a connection it
 *                   still had is closed first
 * @param host       as for mqtls_tcp_connect(), read during the call only
 * @param port       the TCP port, not 0
 * @param timeout_ms the whole connect, over all addresses, from this call on
 * @return MQTLS_ERR_WANT_WRITE (under way), MQTLS_OK (connected at once),
 * or the errors of mqtls_tcp_connect().
 *
 * @code
 * int32_t rc = mqtls_tcp_connect_start(&tcp, "192.0.2.7", 8883, 5000);
 * while (rc == MQTLS_ERR_WANT_WRITE) {
 *     struct pollfd p = { .fd = mqtls_tcp_fd(&tcp), .events = POLLOUT };
 *     poll(&p, 1, 100);             // or epoll, with many others
 *     rc = mqtls_tcp_connect_step(&tcp);
 * }
 * @endcode
 */
int32_t mqtls_tcp_connect_start(mqtls_tcp_t *t, const char *host, uint16_t port, uint32_t timeout_ms);

/**
 * Carry on a connect begun by mqtls_tcp_connect_start(): check whether the
 * address under way answered; when it failed (or its equal share of the
 * time is up), start the next address. The socket then changes:
 * mqtls_tcp_fd() returns the new one, and the old one is closed (epoll
 * forgets it by itself; register the new one).
 * @param t the connection (NULL: MQTLS_ERR_INVALID_ARG)
 * @return MQTLS_ERR_WANT_WRITE (still under way), MQTLS_OK (connected;
 * also for a connection already up), MQTLS_ERR_NOT_CONNECTED (no connect
 * under way and none up), or the errors of mqtls_tcp_connect() (t closed).
 */
int32_t mqtls_tcp_connect_step(mqtls_tcp_t *t);

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
