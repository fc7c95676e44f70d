/* SPDX-License-Identifier: MIT
 * mqtls compat: Paho's CC3200 Network and Timer on the SimpleLink emulation. */
/*
 * see mqtls/compat/MQTTCC3200.h. The read and write functions follow the
 * CC3200 port's contract (bytes moved within timeout_ms, negative codes
 * from SimpleLink), so firmware that calls n.mqttread itself keeps working;
 * the MQTTClient layer (paho_client.c) uses them through a transport.
 */
#include <string.h>

#include "MQTTCC3200.h"
#include "mqtls/tcp.h"
#include "mqtls/transport.h"
#include "sl_priv.h"

/* ---- Timer ----------------------------------------------------------------------------- */

static uint32_t now_ms(void)
{
    return mqtls_posix_now_ms(NULL);
}

void TimerInit(Timer *timer)
{
    timer->end_time = now_ms();
}

int TimerLeftMS(Timer *timer)
{
    int32_t left = (int32_t)((uint32_t)timer->end_time - now_ms()); /* wrap-safe */
    return left > 0 ? (int)left : 0;
}

char TimerIsExpired(Timer *timer)
{
    return (int32_t)((uint32_t)timer->end_time - now_ms()) <= 0 ? 1 : 0;
}

void TimerCountdownMS(Timer *timer, unsigned int ms)
{
    timer->end_time = (uint32_t)(now_ms() + ms);
}

void TimerCountdown(Timer *timer, unsigned int seconds)
{
    TimerCountdownMS(timer, seconds * 1000u);
}

void InitTimer(Timer *timer)
{
    TimerInit(timer);
}

char expired(Timer *timer)
{
    return TimerIsExpired(timer);
}

void countdown_ms(Timer *timer, unsigned int ms)
{
    TimerCountdownMS(timer, ms);
}

void countdown(Timer *timer, unsigned int seconds)
{
    TimerCountdown(timer, seconds);
}

int left_ms(Timer *timer)
{
    return TimerLeftMS(timer);
}

/* ---- Network ----------------------------------------------------------------------------- */

static int cc3200_read(Network *n, unsigned char *buf, int len, int timeout_ms)
{
    if (n == NULL || buf == NULL || len <= 0) {
        return SL_EINVAL;
    }
    Timer t;
    TimerCountdownMS(&t, timeout_ms > 0 ? (unsigned)timeout_ms : 0u);
    int got = 0;
    while (got < len) {
        int32_t r = mqtls__sl_recv_now((_i16)n->my_socket, buf + got, (size_t)(len - got));
        if (r < 0) {
            return got > 0 ? got : (int)r;
        }
        got += (int)r;
        if (r > 0) {
            continue;
        }
        int left = TimerLeftMS(&t);
        if (left <= 0) {
            break;
        }
        int32_t w = mqtls__sl_wait((_i16)n->my_socket, MQTLS_WAIT_READ, (uint32_t)left);
        if (w < 0) {
            return got > 0 ? got : (int)w;
        }
    }
    return got;
}

static int cc3200_write(Network *n, unsigned char *buf, int len, int timeout_ms)
{
    (void)timeout_ms; /* sl_Send on a blocking socket sends everything, as on the chip */
    if (n == NULL || buf == NULL || len < 0) {
        return SL_EINVAL;
    }
    int done = 0;
    while (done < len) {
        int chunk = len - done > 16384 ? 16384 : len - done;
        _i16 r = sl_Send((_i16)n->my_socket, buf + done, (_i16)chunk, 0);
        if (r < 0) {
            return done > 0 ? done : r;
        }
        done += r;
    }
    return done;
}

static void cc3200_disconnect(Network *n)
{
    if (n != NULL) {
        sl_Close((_i16)n->my_socket);
        n->my_socket = -1;
    }
}

void NetworkInit(Network *n)
{
    n->my_socket = -1;
    n->mqttread = cc3200_read;
    n->mqttwrite = cc3200_write;
    n->disconnect = cc3200_disconnect;
}

void NewNetwork(Network *n)
{
    NetworkInit(n);
}

static int open_socket(Network *n, const char *addr, int port, _i16 proto, SlSockAddrIn_t *sa)
{
    _u32 ip = 0;
    if (addr == NULL || port <= 0 || port > 65535 ||
        sl_NetAppDnsGetHostByName((_i8 *)(uintptr_t)addr, (_u16)strlen(addr), &ip, SL_AF_INET) < 0) {
        return -1;
    }
    memset(sa, 0, sizeof *sa);
    sa->sin_family = SL_AF_INET;
    sa->sin_port = sl_Htons((_u16)port);
    sa->sin_addr.s_addr = sl_Htonl(ip);
    n->my_socket = sl_Socket(SL_AF_INET, SL_SOCK_STREAM, proto);
    return n->my_socket < 0 ? -1 : 0;
}

int ConnectNetwork(Network *n, char *addr, int port)
{
    SlSockAddrIn_t sa;
    if (n == NULL || open_socket(n, addr, port, 0, &sa) < 0) {
        return -1;
    }
    _i16 rc = sl_Connect((_i16)n->my_socket, (SlSockAddr_t *)&sa, (_i16)sizeof sa);
    if (rc < 0) {
        sl_Close((_i16)n->my_socket);
        n->my_socket = -1;
    }
    return rc;
}

int TLSConnectNetwork(Network *n, char *addr, int port, SlSockSecureFiles_t *certificates, unsigned char sec_method,
                      unsigned int cipher, char server_verify)
{
    SlSockAddrIn_t sa;
    if (n == NULL || open_socket(n, addr, port, SL_SEC_SOCKET, &sa) < 0) {
        return -1;
    }
    _i16 sd = (_i16)n->my_socket;
    SlSockSecureMethod method;
    method.secureMethod = sec_method;
    SlSockSecureMask mask;
    mask.secureMask = cipher;
    _i16 rc = sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_SECMETHOD, &method, sizeof method);
    if (rc >= 0) {
        rc = sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_SECURE_MASK, &mask, sizeof mask);
    }
    if (rc >= 0 && certificates != NULL) {
        rc = sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_SECURE_FILES, certificates->secureFiles,
                           sizeof(SlSockSecureFiles_t));
    }
    if (rc >= 0) {
        rc = sl_Connect(sd, (SlSockAddr_t *)&sa, (_i16)sizeof sa);
    }
    /* Only "connected, not verified" (CA ID 0) may pass, and only when the
     * caller does not insist on verification. */
    if (rc < 0 && (server_verify || rc != SL_ESECSNOVERIFY)) {
        sl_Close(sd);
        n->my_socket = -1;
    }
    return rc;
}
