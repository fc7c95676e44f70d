/* SPDX-License-Identifier: MIT
 * mqtls POSIX port: the TCP transport (getaddrinfo, poll, non-blocking sockets). */
/*
 * see mqtls/tcp.h
 *
 * The socket is non-blocking from the moment it is created and stays so:
 * the client never blocks inside send/recv, it blocks only in wait(), which
 * is a poll() bounded by the time the client has left. connect() is
 * non-blocking too, so a host that silently drops SYNs costs the caller its
 * timeout and not the kernel's two minutes.
 *
 * A name may resolve to several addresses (localhost: ::1 and 127.0.0.1).
 * They are tried in getaddrinfo's order within one overall deadline; each
 * attempt gets an equal share of the time left, so a black-holed first
 * address cannot eat the whole budget of a good second one. When every
 * address fails, the most telling failure is reported (refused beats timeout
 * beats unreachable beats a local socket error), with its raw errno kept.
 *
 * The connect is a small state machine in mqtls_tcp_t (the address list,
 * the one under way, the failure to report), stepped by advance(): the
 * event-loop API (connect_start / connect_step) runs it on the caller's
 * readiness, and the blocking mqtls_tcp_connect() runs the same steps with
 * a poll() until the current address's deadline between them, so the two
 * cannot disagree on an error.
 *
 * Rejected: SOCK_NONBLOCK/SOCK_CLOEXEC flags to socket() (not in POSIX 2008;
 * fcntl does the same portably), and a blocking connect with SO_SNDTIMEO
 * (not honoured for connect everywhere).
 */
#include "mqtls/tcp.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "posix_priv.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0 /* platforms without it use SO_NOSIGPIPE below */
#endif

/* ---- time ------------------------------------------------------------------ */

static int poll_ms(uint64_t ms)
{
    return ms > (uint64_t)INT_MAX ? INT_MAX : (int)ms;
}

/*
 * poll() one fd until an event, an error or the deadline. EINTR restarts
 * with the time left, so a signal never shortens or lengthens the wait.
 * @return >0 ready (revents in *revents), 0 timed out, -1 poll failed.
 */
static int poll_until(int fd, short events, uint64_t deadline, short *revents)
{
    for (;;) {
        uint64_t now = mqtls__posix_mono_ms();
        uint64_t left = deadline > now ? deadline - now : 0;
        struct pollfd p = { .fd = fd, .events = events, .revents = 0 };
        int n = poll(&p, 1, poll_ms(left));
        if (n > 0) {
            *revents = p.revents;
            return n;
        }
        if (n == 0)
            return 0;
        if (errno != EINTR)
            return -1;
    }
}

/* ---- errors ---------------------------------------------------------------- */

static int32_t connect_error(int err)
{
    switch (err) {
    case ECONNREFUSED:
        return MQTLS_ERR_CONNECT_REFUSED;
    case ETIMEDOUT:
        return MQTLS_ERR_CONNECT_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EADDRNOTAVAIL:
    case EAFNOSUPPORT:
        return MQTLS_ERR_UNREACHABLE;
    default:
        return MQTLS_ERR_SOCKET;
    }
}

/* How telling a connect failure is, to choose what to report of several. */
static int error_rank(int32_t err)
{
    switch (err) {
    case MQTLS_ERR_CONNECT_REFUSED:
        return 4;
    case MQTLS_ERR_CONNECT_TIMEOUT:
        return 3;
    case MQTLS_ERR_UNREACHABLE:
        return 2;
    default:
        return 1;
    }
}

/* ---- socket setup ---------------------------------------------------------- */

/* Non-blocking, close-on-exec, no Nagle, no SIGPIPE. @return 0 or errno. */
static int configure_socket(int fd)
{
    int one = 1;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return errno;
    if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
        return errno;
#ifdef SO_NOSIGPIPE
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) < 0)
        return errno;
#endif
    /* Nagle would hold back small MQTT packets behind unacknowledged ones. */
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0)
        return errno;
    return 0;
}

/* ---- the connect, one address at a time ----------------------------------- */

static void close_fd(mqtls_tcp_t *t)
{
    if (t->fd >= 0) {
        close(t->fd);
        t->fd = -1;
    }
}

static void free_addresses(mqtls_tcp_t *t)
{
    if (t->res != NULL)
        freeaddrinfo(t->res);
    t->res = NULL;
    t->cur = NULL;
}

/*
 * socket() and connect() for the current address.
 * @return MQTLS_OK connected, MQTLS_ERR_WANT_WRITE under way (t->fd set),
 * else the failure with *err = errno (no socket left open).
 */
static int32_t attempt_start(mqtls_tcp_t *t, int *err)
{
    const struct addrinfo *ai = t->cur;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        *err = errno;
        return errno == EAFNOSUPPORT ? MQTLS_ERR_UNREACHABLE : MQTLS_ERR_SOCKET;
    }
    t->fd = fd;
    *err = configure_socket(fd);
    if (*err != 0) {
        close_fd(t);
        return MQTLS_ERR_SOCKET;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
        return MQTLS_OK;
    if (errno == EINPROGRESS || errno == EINTR)
        return MQTLS_ERR_WANT_WRITE;
    *err = errno;
    close_fd(t);
    return connect_error(*err);
}

/*
 * Has the connect under way finished (the socket is writable: SO_ERROR
 * says how), or is its share of the time up?
 * @return as attempt_start().
 */
static int32_t attempt_check(mqtls_tcp_t *t, int *err)
{
    short rev = 0;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    int n = poll_until(t->fd, POLLOUT, 0, &rev);
    if (n == 0) {
        if (mqtls__posix_mono_ms() < t->attempt_deadline)
            return MQTLS_ERR_WANT_WRITE;
        *err = ETIMEDOUT;
        close_fd(t);
        return MQTLS_ERR_CONNECT_TIMEOUT;
    }
    if (n < 0 || getsockopt(t->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
        *err = errno;
        close_fd(t);
        return MQTLS_ERR_SOCKET;
    }
    if (soerr != 0) {
        *err = soerr;
        close_fd(t);
        return connect_error(soerr);
    }
    return MQTLS_OK;
}

/*
 * Carry the connect on: check the address under way; when it failed, keep
 * the failure if it is the most telling so far and start the next address,
 * which gets an equal share of the time left. Ends connected, under way, or
 * with the most telling failure once every address (or the time) is used.
 */
static int32_t advance(mqtls_tcp_t *t)
{
    for (;;) {
        int err = 0;
        int32_t rc;
        if (t->fd >= 0) {
            rc = attempt_check(t, &err);
        } else {
            uint64_t now = mqtls__posix_mono_ms();
            if (t->cur == NULL || now >= t->deadline)
                break;
            t->attempt_deadline = now + (t->deadline - now) / t->left;
            rc = attempt_start(t, &err);
        }
        if (rc == MQTLS_ERR_WANT_WRITE)
            return rc;
        if (rc == MQTLS_OK) {
            free_addresses(t);
            t->last_errno = 0;
            return MQTLS_OK;
        }
        if (t->best == MQTLS_OK || error_rank(rc) > error_rank(t->best)) {
            t->best = rc;
            t->best_errno = err;
        }
        t->cur = t->cur->ai_next;
        t->left--;
    }
    free_addresses(t);
    if (t->best == MQTLS_OK) { /* the time was up before any address was tried */
        t->best = MQTLS_ERR_CONNECT_TIMEOUT;
        t->best_errno = ETIMEDOUT;
    }
    t->last_errno = t->best_errno;
    return t->best;
}

static size_t count_addresses(const struct addrinfo *ai)
{
    size_t n = 0;
    for (; ai != NULL; ai = ai->ai_next)
        n++;
    return n;
}

/* ---- public API ------------------------------------------------------------ */

/* see mqtls/tcp.h */
void mqtls_tcp_init(mqtls_tcp_t *t)
{
    if (t == NULL)
        return;
    memset(t, 0, sizeof *t);
    t->fd = -1;
}

static int32_t resolve(mqtls_tcp_t *t, const char *host, uint16_t port, struct addrinfo **res)
{
    char service[8];
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    int rc = getaddrinfo(host, service, &hints, res);
    if (rc == 0)
        return MQTLS_OK;
    t->gai_error = rc;
    t->last_errno = rc == EAI_SYSTEM ? errno : 0;
    return MQTLS_ERR_DNS;
}

/* see mqtls/tcp.h */
int32_t mqtls_tcp_connect_start(mqtls_tcp_t *t, const char *host, uint16_t port, uint32_t timeout_ms)
{
    if (t == NULL || host == NULL || host[0] == '\0' || port == 0)
        return MQTLS_ERR_INVALID_ARG;
    mqtls_tcp_close(t);
    t->last_errno = 0;
    t->gai_error = 0;
    t->deadline = mqtls__posix_mono_ms() + timeout_ms;
    int32_t rc = resolve(t, host, port, &t->res);
    if (rc != MQTLS_OK) {
        t->res = NULL;
        return rc;
    }
    t->cur = t->res;
    t->left = count_addresses(t->res);
    t->best = MQTLS_OK;
    t->best_errno = 0;
    return advance(t);
}

/* see mqtls/tcp.h */
int32_t mqtls_tcp_connect_step(mqtls_tcp_t *t)
{
    if (t == NULL)
        return MQTLS_ERR_INVALID_ARG;
    if (t->res == NULL)
        return t->fd >= 0 ? MQTLS_OK : MQTLS_ERR_NOT_CONNECTED;
    return advance(t);
}

/* see mqtls/tcp.h */
int32_t mqtls_tcp_connect(mqtls_tcp_t *t, const char *host, uint16_t port, uint32_t timeout_ms)
{
    int32_t rc = mqtls_tcp_connect_start(t, host, port, timeout_ms);
    while (rc == MQTLS_ERR_WANT_WRITE) {
        short rev = 0;
        /* A failed poll shows again in the step's own poll, which names it. */
        (void)poll_until(t->fd, POLLOUT, t->attempt_deadline, &rev);
        rc = mqtls_tcp_connect_step(t);
    }
    return rc;
}

static int32_t tcp_send(void *ctx, const uint8_t *buf, size_t len)
{
    mqtls_tcp_t *t = ctx;
    if (t->fd < 0)
        return MQTLS_ERR_NOT_CONNECTED;
    if (len > (size_t)INT32_MAX)
        len = (size_t)INT32_MAX;
    for (;;) {
        ssize_t n = send(t->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return (int32_t)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        t->last_errno = errno;
        return MQTLS_ERR_SEND;
    }
}

static int32_t tcp_recv(void *ctx, uint8_t *buf, size_t len)
{
    mqtls_tcp_t *t = ctx;
    if (t->fd < 0)
        return MQTLS_ERR_NOT_CONNECTED;
    if (len == 0)
        return 0; /* recv() would return 0, which means "closed" */
    if (len > (size_t)INT32_MAX)
        len = (size_t)INT32_MAX;
    for (;;) {
        ssize_t n = recv(t->fd, buf, len, 0);
        if (n > 0)
            return (int32_t)n;
        if (n == 0) {
            t->last_errno = 0;
            return MQTLS_ERR_CLOSED;
        }
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        t->last_errno = errno;
        return MQTLS_ERR_RECV;
    }
}

static int32_t tcp_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    mqtls_tcp_t *t = ctx;
    short want = 0, rev = 0;
    if (t->fd < 0)
        return MQTLS_ERR_NOT_CONNECTED;
    if (events & MQTLS_WAIT_READ)
        want |= POLLIN;
    if (events & MQTLS_WAIT_WRITE)
        want |= POLLOUT;
    int n = poll_until(t->fd, want, mqtls__posix_mono_ms() + timeout_ms, &rev);
    if (n < 0) {
        t->last_errno = errno;
        return MQTLS_ERR_SOCKET;
    }
    if (n > 0 && (rev & POLLNVAL)) {
        t->last_errno = EBADF;
        return MQTLS_ERR_SOCKET;
    }
    /* POLLERR and POLLHUP count as ready: the next send/recv names the error. */
    return n;
}

static void tcp_close_cb(void *ctx)
{
    mqtls_tcp_close(ctx);
}

/* see mqtls/tcp.h */
void mqtls_tcp_transport(mqtls_tcp_t *t, mqtls_transport_t *out)
{
    if (out == NULL)
        return;
    out->ctx = t;
    out->send = tcp_send;
    out->recv = tcp_recv;
    out->wait = tcp_wait;
    out->close = tcp_close_cb;
}

/* see mqtls/tcp.h */
void mqtls_tcp_close(mqtls_tcp_t *t)
{
    if (t == NULL)
        return;
    close_fd(t);
    free_addresses(t); /* a connect still under way is given up */
}

/* see mqtls/tcp.h */
int mqtls_tcp_fd(const mqtls_tcp_t *t)
{
    return t != NULL ? t->fd : -1;
}

int mqtls_tcp_last_errno(const mqtls_tcp_t *t)
{
    return t == NULL ? 0 : t->last_errno;
}

int mqtls_tcp_gai_error(const mqtls_tcp_t *t)
{
    return t == NULL ? 0 : t->gai_error;
}
