/* SPDX-License-Identifier: MIT
 * mqtls compat: the Paho Embedded-C CC3200 port's Network and Timer, on the
 * SimpleLink emulation (simplelink.h). Our code, with Paho's names. */
/*
 * As in Paho's MQTTCC3200 port: a Network is a SimpleLink socket with read,
 * write and disconnect functions; TLSConnectNetwork() resolves the host,
 * opens a secure socket, sets the method, the mask and the secure files,
 * and connects. `server_verify` 0 tolerates only -453 SL_ESECSNOVERIFY (CA
 * ID 0: connected, server not verified); every other negative code closes
 * the socket and is returned. A Timer is a deadline on a monotonic clock.
 */
#ifndef MQTLS_COMPAT_MQTTCC3200_H
#define MQTLS_COMPAT_MQTTCC3200_H

#include "simplelink.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct Timer {
    unsigned long end_time; /* milliseconds on the monotonic clock (wraps at 2^32) */
} Timer;

void TimerInit(Timer *timer);
char TimerIsExpired(Timer *timer);
void TimerCountdownMS(Timer *timer, unsigned int ms);
void TimerCountdown(Timer *timer, unsigned int seconds);
int TimerLeftMS(Timer *timer);
/* The names of the older Paho releases (TI's CC3200 SDK ships one). */
void InitTimer(Timer *timer);
char expired(Timer *timer);
void countdown_ms(Timer *timer, unsigned int ms);
void countdown(Timer *timer, unsigned int seconds);
int left_ms(Timer *timer);

typedef struct Network Network;
struct Network {
    int my_socket; /* the SimpleLink socket */
    /** Read len bytes within timeout_ms: the count read (may be short on
     * timeout, 0 if nothing came), or a negative SimpleLink code (the peer
     * closed: SL_ESECCLOSED). */
    int (*mqttread)(Network *n, unsigned char *buf, int len, int timeout_ms);
    /** Write len bytes: the count written, or a negative SimpleLink code. */
    int (*mqttwrite)(Network *n, unsigned char *buf, int len, int timeout_ms);
    void (*disconnect)(Network *n);
};

void NetworkInit(Network *n);
void NewNetwork(Network *n); /* the older name of NetworkInit */
/** Plain TCP. @return 0, or a negative code (socket closed). */
int ConnectNetwork(Network *n, char *addr, int port);
/** TLS over a SimpleLink secure socket, as the CC3200 port does it.
 * @param certificates secureFiles IDs (NULL: none set)
 * @param sec_method   SL_SO_SEC_METHOD_*
 * @param cipher       SL_SEC_MASK_* bits
 * @param server_verify 0: accept -453 (CA ID 0) and return it; 1: fail on it
 * @return 0, -453 (connected, not verified, only with server_verify 0),
 * -1 (name not resolved, no socket), or the SimpleLink code (socket closed). */
int TLSConnectNetwork(Network *n, char *addr, int port, SlSockSecureFiles_t *certificates, unsigned char sec_method,
                      unsigned int cipher, char server_verify);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_COMPAT_MQTTCC3200_H */
