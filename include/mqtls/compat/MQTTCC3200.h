/* SPDX-License-Identifier: MIT
 * mqtls compat: the Paho Embedded-C CC3200 port's Network and Timer, on the
 * SimpleLink emulation (simplelink.h). Our code, with Paho's names. */
/**
 * @file
 * @brief Paho Embedded-C's CC3200 Network and Timer, on the SimpleLink emulation.
 *
 * As in Paho's MQTTCC3200 port: a Network is a SimpleLink socket with read,
 * write and disconnect functions; TLSConnectNetwork() resolves the host,
 * opens a secure socket, sets the method, the mask and the secure files,
 * and connects. `server_verify` 0 tolerates only -453 SL_ESECSNOVERIFY (CA
 * ID 0: connected, server not verified); every other negative code closes
 * the socket and is returned. A Timer is a deadline on a monotonic clock.
 *
 * On a host the clock is the POSIX port's (mqtls_posix_now_ms()); the
 * Network's functions block for at most the timeout they are given.
 *
 * @code
 * Network n;
 * NetworkInit(&n);
 * SlSockSecureFiles_t files = { { 126, 127, 128, 0 } };   // key, cert, CA, DH
 * int rc = TLSConnectNetwork(&n, "xxxx-ats.iot.eu-west-1.amazonaws.com", 8883, &files,
 *                            SL_SO_SEC_METHOD_TLSV1_2, SL_SEC_MASK_SECURE_DEFAULT, 1);
 * if (rc < 0) printf("TLS: %d\n", rc);      // e.g. -456 SL_ESECBADCAFILE
 * // ... MQTTClientInit(&c, &n, ...) ...
 * n.disconnect(&n);
 * @endcode
 */
#ifndef MQTLS_COMPAT_MQTTCC3200_H
#define MQTLS_COMPAT_MQTTCC3200_H

#include "simplelink.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A deadline, as Paho's ports have it. */
typedef struct Timer {
    unsigned long end_time; /**< milliseconds on the monotonic clock (wraps at 2^32) */
} Timer;

/**
 * Set the deadline to now: the timer is expired until counted down.
 * @param timer the caller's timer
 *
 * @code
 * Timer t;
 * TimerInit(&t);
 * TimerCountdownMS(&t, 500);
 * while (!TimerIsExpired(&t)) poll_something();
 * @endcode
 */
void TimerInit(Timer *timer);
/**
 * Has the deadline passed?
 * @param timer a timer set with TimerInit() or a countdown
 * @return 1 when it has (or is now), 0 when time is left
 */
char TimerIsExpired(Timer *timer);
/**
 * Set the deadline to ms milliseconds from now.
 * @param timer the caller's timer
 * @param ms    milliseconds
 */
void TimerCountdownMS(Timer *timer, unsigned int ms);
/**
 * Set the deadline to seconds from now.
 * @param timer   the caller's timer
 * @param seconds seconds
 */
void TimerCountdown(Timer *timer, unsigned int seconds);
/**
 * Milliseconds left until the deadline.
 * @param timer a timer set with TimerInit() or a countdown
 * @return the time left, 0 once expired
 */
int TimerLeftMS(Timer *timer);
/* The names of the older Paho releases (TI's CC3200 SDK ships one). */
/**
 * The older name of TimerInit().
 * @param timer the caller's timer
 */
void InitTimer(Timer *timer);
/**
 * The older name of TimerIsExpired().
 * @param timer a set timer
 * @return 1 expired, 0 time left
 */
char expired(Timer *timer);
/**
 * The older name of TimerCountdownMS().
 * @param timer the caller's timer
 * @param ms    milliseconds
 */
void countdown_ms(Timer *timer, unsigned int ms);
/**
 * The older name of TimerCountdown().
 * @param timer   the caller's timer
 * @param seconds seconds
 */
void countdown(Timer *timer, unsigned int seconds);
/**
 * The older name of TimerLeftMS().
 * @param timer a set timer
 * @return milliseconds left, 0 once expired
 */
int left_ms(Timer *timer);

/** The Network type, as Paho's ports declare it (see struct Network). */
typedef struct Network Network;
/** A connection for the MQTTClient: a socket and the functions over it. */
struct Network {
    int my_socket; /**< the SimpleLink socket, -1 when none */
    /**
     * Read len bytes within timeout_ms: the count read (may be short on
     * timeout, 0 if nothing came), or a negative SimpleLink code (the peer
     * closed: SL_ESECCLOSED).
     * @param n          this Network
     * @param buf        where to put the bytes (borrowed for the call)
     * @param len        how many to read, > 0
     * @param timeout_ms the longest the call waits
     * @return bytes read, or a negative SimpleLink code
     */
    int (*mqttread)(Network *n, unsigned char *buf, int len, int timeout_ms);
    /**
     * Write len bytes: the count written, or a negative SimpleLink code.
     * The socket is blocking, so the emulation sends everything and does
     * not look at timeout_ms.
     * @param n          this Network
     * @param buf        the bytes (borrowed for the call)
     * @param len        how many
     * @param timeout_ms ignored
     * @return bytes written, or a negative SimpleLink code
     */
    int (*mqttwrite)(Network *n, unsigned char *buf, int len, int timeout_ms);
    /**
     * Close the socket (sl_Close) and set my_socket to -1.
     * @param n this Network
     */
    void (*disconnect)(Network *n);
};

/**
 * Set n up without a socket (my_socket -1) and with the read, write and
 * disconnect functions of this port.
 * @param n the caller's Network; it must outlive the MQTTClient that uses it
 */
void NetworkInit(Network *n);
/**
 * The older name of NetworkInit().
 * @param n the caller's Network
 */
void NewNetwork(Network *n);
/**
 * Plain TCP: resolve addr, open a socket, connect.
 * @param n    set up with NetworkInit()
 * @param addr a host name or dotted IPv4 address, read during the call only
 * @param port 1..65535
 * @return 0, -1 (name not resolved, bad port, no socket), or a negative
 * SimpleLink code (socket closed).
 *
 * @code
 * Network n;
 * NetworkInit(&n);
 * if (ConnectNetwork(&n, "127.0.0.1", 1883) != 0) return -1;
 * @endcode
 */
int ConnectNetwork(Network *n, char *addr, int port);
/**
 * TLS over a SimpleLink secure socket, as the CC3200 port does it: resolve,
 * sl_Socket(SL_SEC_SOCKET), method, mask, secure files, sl_Connect.
 * @param n            set up with NetworkInit()
 * @param addr         a host name or dotted IPv4 address, read during the call only
 * @param port         1..65535
 * @param certificates secureFiles IDs (NULL: none set), read during the call only
 * @param sec_method   SL_SO_SEC_METHOD_*
 * @param cipher       SL_SEC_MASK_* bits
 * @param server_verify 0: accept -453 (CA ID 0) and return it; 1: fail on it
 * @return 0, -453 (connected, not verified, only with server_verify 0),
 * -1 (name not resolved, no socket), or the SimpleLink code (socket closed).
 * The example at the top of this file shows a call. */
int TLSConnectNetwork(Network *n, char *addr, int port, SlSockSecureFiles_t *certificates, unsigned char sec_method,
                      unsigned int cipher, char server_verify);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_COMPAT_MQTTCC3200_H */
