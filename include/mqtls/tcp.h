/* SPDX-License-Identifier: MIT
 * mqtls: TCP transport for POSIX systems (ports/posix/tcp.c). */
/*
 * getaddrinfo (IPv4 and IPv6, every address tried in turn), a non-blocking
 * connect bounded by a timeout, TCP_NODELAY (MQTT exchanges are small and
 * latency-bound), and non-blocking send/recv under the transport contract
 * with a poll()-based wait. SIGPIPE is never raised (MSG_NOSIGNAL). The raw
 * errno of the last failure is kept for diagnostics; the library itself
 * never prints.
 */
#ifndef MQTLS_TCP_H
#define MQTLS_TCP_H

#include <stdint.h>

#include "mqtls/error.h"
#include "mqtls/posix_clock.h" /* mqtls_posix_now_ms used to be declared here */
#include "mqtls/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** TCP connection state; allocate it, never access its fields. */
typedef struct {
    int fd;          /* -1 when closed */
    int last_errno;  /* raw errno of the last failure, 0 if none */
    int gai_error;   /* getaddrinfo's code when resolving failed */
} mqtls_tcp_t;

/** Set t to the closed state. */
void mqtls_tcp_init(mqtls_tcp_t *t);

/**
 * Resolve host and connect to port within timeout_ms (over all addresses).
 * @return MQTLS_OK, MQTLS_ERR_DNS, MQTLS_ERR_CONNECT_REFUSED,
 * MQTLS_ERR_CONNECT_TIMEOUT, MQTLS_ERR_UNREACHABLE or MQTLS_ERR_SOCKET.
 */
int32_t mqtls_tcp_connect(mqtls_tcp_t *t, const char *host, uint16_t port, uint32_t timeout_ms);

/** Fill `out` with the transport functions for t (ctx = t). */
void mqtls_tcp_transport(mqtls_tcp_t *t, mqtls_transport_t *out);

/** Close the socket; safe to call twice. */
void mqtls_tcp_close(mqtls_tcp_t *t);

/** The socket, for an event loop (epoll, poll) that waits on many
 * connections; -1 when closed. The transport still owns it: do not read,
 * write or close it yourself. */
int mqtls_tcp_fd(const mqtls_tcp_t *t);

/** errno of the last failure (0 if none), for messages such as strerror(). */
int mqtls_tcp_last_errno(const mqtls_tcp_t *t);

/** getaddrinfo's code when resolving failed (0 if none), for gai_strerror(). */
int mqtls_tcp_gai_error(const mqtls_tcp_t *t);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_TCP_H */
