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

/*
 * One connect attempt to one address, bounded by deadline.
 * @return MQTLS_OK with *fd_out set, or an error with *err_out = errno.
 */
static int32_t try_address(const struct addrinfo *ai, uint64_t deadline, int *fd_out, int *err_out)
{
    short rev = 0;
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    int fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
    if (fd < 0) {
        *err_out = errno;
        return errno == EAFNOSUPPORT ? MQTLS_ERR_UNREACHABLE : MQTLS_ERR_SOCKET;
    }
    *err_out = configure_socket(fd);
    if (*err_out != 0) {
        close(fd);
        return MQTLS_ERR_SOCKET;
    }
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        *fd_out = fd;
        return MQTLS_OK;
    }
    if (errno != EINPROGRESS && errno != EINTR) {
        *err_out = errno;
        close(fd);
        return connect_error(*err_out);
    }
    int n = poll_until(fd, POLLOUT, deadline, &rev);
    if (n == 0) {
        *err_out = ETIMEDOUT;
        close(fd);
        return MQTLS_ERR_CONNECT_TIMEOUT;
    }
    if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) < 0) {
        *err_out = errno;
        close(fd);
        return MQTLS_ERR_SOCKET;
    }
    if (soerr != 0) {
        *err_out = soerr;
        close(fd);
        return connect_error(soerr);
    }
    *fd_out = fd;
    return MQTLS_OK;
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
    t->fd = -1;
    t->last_errno = 0;
    t->gai_error = 0;
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
int32_t mqtls_tcp_connect(mqtls_tcp_t *t, const char *host, uint16_t port, uint32_t timeout_ms)
{
    struct addrinfo *res = NULL;
    if (t == NULL || host == NULL || host[0] == '\0' || port == 0)
        return MQTLS_ERR_INVALID_ARG;
    mqtls_tcp_close(t);
    t->last_errno = 0;
    t->gai_error = 0;
    uint64_t deadline = mqtls__posix_mono_ms() + timeout_ms;
    int32_t rc = resolve(t, host, port, &res);
    if (rc != MQTLS_OK)
        return rc;

    int32_t best = MQTLS_ERR_CONNECT_TIMEOUT;
    int best_errno = ETIMEDOUT;
    size_t left = count_addresses(res);
    for (const struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next, left--) {
        uint64_t now = mqtls__posix_mono_ms();
        if (now >= deadline)
            break;
        uint64_t attempt_deadline = now + (deadline - now) / left;
        int fd = -1, err = 0;
        rc = try_address(ai, attempt_deadline, &fd, &err);
        if (rc == MQTLS_OK) {
            t->fd = fd;
            t->last_errno = 0;
            freeaddrinfo(res);
            return MQTLS_OK;
        }
        if (ai == res || error_rank(rc) > error_rank(best)) {
            best = rc;
            best_errno = err;
        }
    }
    freeaddrinfo(res);
    t->last_errno = best_errno;
    return best;
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
    if (t == NULL || t->fd < 0)
        return;
    close(t->fd);
    t->fd = -1;
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
