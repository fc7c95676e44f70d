/* SPDX-License-Identifier: MIT
 * mqtls tests: the POSIX TCP connect, blocking and in steps, over loopback. */
/*
 * ports/posix/tcp.c against real sockets on 127.0.0.1 (no broker, nothing
 * leaves the machine): the connect in steps (mqtls_tcp_connect_start/_step)
 * reaches a listener, and reports a closed port, a listener that never
 * completes the handshake (its accept queue is full, so the kernel drops
 * our SYN) and a zero timeout with the same code and errno as the blocking
 * mqtls_tcp_connect(), which is built on those steps.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mqtls/tcp.h"

/* A TCP socket bound to 127.0.0.1 on a free port (*port), listening with
 * `backlog` when listening, else only holding the port (connects: refused). */
static int local_socket(bool listening, int backlog, uint16_t *port)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    if (listening) {
        assert_int_equal(listen(fd, backlog), 0);
    }
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    *port = ntohs(a.sin_port);
    return fd;
}

/* The connect in steps after a start that returned rc, as an event loop
 * runs it: wait for writability (at most 50 ms at a time), step, until it
 * is no longer under way. */
static int32_t steps_from(mqtls_tcp_t *t, int32_t rc)
{
    while (rc == MQTLS_ERR_WANT_WRITE) {
        struct pollfd p = {.fd = mqtls_tcp_fd(t), .events = POLLOUT};
        (void)poll(&p, 1, 50);
        rc = mqtls_tcp_connect_step(t);
    }
    return rc;
}

static int32_t connect_in_steps(mqtls_tcp_t *t, uint16_t port, uint32_t timeout_ms)
{
    return steps_from(t, mqtls_tcp_connect_start(t, "127.0.0.1", port, timeout_ms));
}

static void steps_reach_a_listener(void **state)
{
    (void)state;
    uint16_t port;
    int l = local_socket(true, 4, &port);
    mqtls_tcp_t t;
    mqtls_tcp_init(&t);
    assert_int_equal(connect_in_steps(&t, port, 2000), MQTLS_OK);
    assert_int_equal(mqtls_tcp_connect_step(&t), MQTLS_OK); /* already up */
    int peer = accept(l, NULL, NULL);
    assert_true(peer >= 0);
    mqtls_transport_t tr;
    mqtls_tcp_transport(&t, &tr);
    assert_int_equal(tr.send(tr.ctx, (const uint8_t *)"hi", 2), 2);
    char got[2];
    assert_int_equal(recv(peer, got, 2, MSG_WAITALL), 2);
    assert_memory_equal(got, "hi", 2);
    mqtls_tcp_close(&t);
    assert_int_equal(mqtls_tcp_fd(&t), -1);
    assert_int_equal(mqtls_tcp_connect_step(&t), MQTLS_ERR_NOT_CONNECTED);
    close(peer);
    close(l);
}

static void closed_port_is_refused_in_steps_as_when_blocking(void **state)
{
    (void)state;
    uint16_t port;
    int hold = local_socket(false, 0, &port);
    mqtls_tcp_t t;
    mqtls_tcp_init(&t);
    assert_int_equal(connect_in_steps(&t, port, 2000), MQTLS_ERR_CONNECT_REFUSED);
    assert_int_equal(mqtls_tcp_last_errno(&t), ECONNREFUSED);
    assert_int_equal(mqtls_tcp_fd(&t), -1);
    assert_int_equal(mqtls_tcp_connect(&t, "127.0.0.1", port, 2000), MQTLS_ERR_CONNECT_REFUSED);
    assert_int_equal(mqtls_tcp_last_errno(&t), ECONNREFUSED);
    close(hold);
}

static void unanswered_connect_times_out_in_steps_as_when_blocking(void **state)
{
    (void)state;
    uint16_t port;
    int l = local_socket(true, 0, &port); /* never accepted: the queue fills */
    mqtls_tcp_t fill[8];
    size_t n = 0;
    int32_t rc = MQTLS_OK;
    while (n < 8 && rc == MQTLS_OK) {
        mqtls_tcp_init(&fill[n]);
        rc = mqtls_tcp_connect(&fill[n++], "127.0.0.1", port, 300);
    }
    assert_int_equal(rc, MQTLS_ERR_CONNECT_TIMEOUT); /* the queue is full: SYNs are dropped */
    assert_int_equal(mqtls_tcp_last_errno(&fill[n - 1]), ETIMEDOUT);
    mqtls_tcp_t t;
    mqtls_tcp_init(&t);
    rc = mqtls_tcp_connect_start(&t, "127.0.0.1", port, 300);
    assert_int_equal(rc, MQTLS_ERR_WANT_WRITE);
    assert_true(mqtls_tcp_fd(&t) >= 0);
    assert_int_equal(steps_from(&t, rc), MQTLS_ERR_CONNECT_TIMEOUT);
    assert_int_equal(mqtls_tcp_last_errno(&t), ETIMEDOUT);
    assert_int_equal(mqtls_tcp_fd(&t), -1);
    /* Given up half-way: close frees what the connect held (ASan: no leak). */
    assert_int_equal(mqtls_tcp_connect_start(&t, "127.0.0.1", port, 300), MQTLS_ERR_WANT_WRITE);
    mqtls_tcp_close(&t);
    assert_int_equal(mqtls_tcp_connect_step(&t), MQTLS_ERR_NOT_CONNECTED);
    for (size_t i = 0; i < n; i++) {
        mqtls_tcp_close(&fill[i]);
    }
    close(l);
}

static void zero_timeout_and_bad_arguments(void **state)
{
    (void)state;
    uint16_t port;
    int l = local_socket(true, 4, &port);
    mqtls_tcp_t t;
    mqtls_tcp_init(&t);
    assert_int_equal(mqtls_tcp_connect_start(&t, "127.0.0.1", port, 0), MQTLS_ERR_CONNECT_TIMEOUT);
    assert_int_equal(mqtls_tcp_last_errno(&t), ETIMEDOUT);
    assert_int_equal(mqtls_tcp_connect(&t, "127.0.0.1", port, 0), MQTLS_ERR_CONNECT_TIMEOUT);
    assert_int_equal(mqtls_tcp_connect_start(NULL, "127.0.0.1", port, 100), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_tcp_connect_start(&t, "", port, 100), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_tcp_connect_start(&t, "127.0.0.1", 0, 100), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_tcp_connect_step(NULL), MQTLS_ERR_INVALID_ARG);
    close(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(steps_reach_a_listener),
        cmocka_unit_test(closed_port_is_refused_in_steps_as_when_blocking),
        cmocka_unit_test(unanswered_connect_times_out_in_steps_as_when_blocking),
        cmocka_unit_test(zero_timeout_and_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
