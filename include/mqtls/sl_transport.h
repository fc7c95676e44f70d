/* SPDX-License-Identifier: MIT
 * mqtls: a native transport over SimpleLink secure sockets (TI CC3200-class
 * chips, TLS in the network processor): ports/simplelink/sl_transport.c. */
/**
 * @file
 * @brief A native mqtls transport over SimpleLink secure sockets (CC3200-class TLS offload).
 *
 * On a CC3200 the TLS handshake, the certificate checks and the record layer
 * run inside the network processor; the application opens a socket with
 * SL_SEC_SOCKET, names the flash files and the allowed method and suites,
 * and then reads and writes plaintext. This transport does exactly that and
 * hands the mqtls client an ordinary mqtls_transport_t, so firmware on such
 * a chip uses the mqtls client (MQTT 5, QoS 2, resend after reconnect)
 * instead of Paho.
 *
 * The source is written only against the SimpleLink API ("simplelink.h",
 * "socket.h", "netapp.h"): on a board it builds with TI's SDK, on a host
 * with mqtls's emulation of the network processor (include/mqtls/compat/,
 * libmqtls-compat), which is how it is tested. This header needs neither:
 * the configuration uses the SDK's values as plain integers.
 *
 * Policy: no allocation, no clock of its own (now_ms is given), no global
 * state; the caller owns the context. The socket is non-blocking from before
 * sl_Connect, so no call blocks for longer than the caller allows; send and
 * recv answer 0 ("would block") for SL_EAGAIN.
 *
 * Verification is never switched off behind the caller's back: a chip with
 * CA ID 0 connects and reports -453 SL_ESECSNOVERIFY; that is
 * MQTLS_ERR_TLS_NOT_VERIFIED (the socket is closed) unless allow_unverified
 * is set and the CA slot is empty. -461 SL_ESECDATEERROR (connected, but the
 * server's certificate is outside the device's date) is always refused as
 * MQTLS_ERR_TLS_CERT_DATE: set the device clock (sl_DevSet) before opening.
 *
 * Errors: every SimpleLink code becomes an mqtls_err_t
 * (mqtls_sl_code_error() in mqtls/slcodes.h, with its mqtls_strerror()
 * sentence); the raw code is kept for mqtls_sl_code_name() /
 * mqtls_sl_code_text() (mqtls_sl_transport_last_code()).
 *
 * Lifetimes: the configuration and its strings are read during
 * mqtls_sl_transport_open() only; the mqtls_sl_transport_t is the caller's
 * and must stay valid (at the same address) while a transport made from it
 * is in use.
 *
 * Example (files flashed as /cert/126.der key, 127 cert, 128 CA):
 * @code
 * mqtls_sl_transport_config_t cfg;
 * mqtls_sl_transport_config_init(&cfg);
 * cfg.host = "xxxx-ats.iot.eu-west-1.amazonaws.com"; cfg.port = 8883;
 * cfg.file_ids[0] = 126; cfg.file_ids[1] = 127; cfg.file_ids[2] = 128;
 * cfg.domain_name = cfg.host;                 // option 35: check the name
 * cfg.now_ms = board_ms; cfg.sleep_ms = board_sleep;
 * mqtls_sl_transport_t sl;
 * int32_t rc = mqtls_sl_transport_open(&sl, &cfg);
 * if (rc < 0) log("%s (%s)", mqtls_strerror(rc), mqtls_sl_code_name(mqtls_sl_transport_last_code(&sl)));
 * mqtls_transport_t t;
 * mqtls_sl_transport(&sl, &t);               // hand t to mqtls_client_connect()
 * ...
 * mqtls_sl_transport_close(&sl);
 * @endcode
 */
#ifndef MQTLS_SL_TRANSPORT_H
#define MQTLS_SL_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "mqtls/api.h"
#include "mqtls/error.h"
#include "mqtls/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Largest chunk handed to one sl_Send (the network processor takes a TCP
 * segment's worth at a time); bigger sends return a short count. */
#ifndef MQTLS_SL_SEND_MAX
#define MQTLS_SL_SEND_MAX 1024u
#endif
#if MQTLS_SL_SEND_MAX < 1 || MQTLS_SL_SEND_MAX > 16000
#error "MQTLS_SL_SEND_MAX must be 1..16000 (sl_Send takes an _i16 length)"
#endif

/** What to open. Fill it with mqtls_sl_transport_config_init() first;
 * every pointer is borrowed for the mqtls_sl_transport_open() call only. */
typedef struct {
    const char *host;  /**< name (sl_NetAppDnsGetHostByName) or dotted IPv4, at most 253 bytes */
    uint16_t port;     /**< e.g. 8883 */
    uint8_t method;    /**< SL_SO_SECMETHOD value; default 3 (SL_SO_SEC_METHOD_TLSV1_2) */
    uint32_t mask;     /**< SL_SO_SECURE_MASK bits; default 0x3FF (SL_SEC_MASK_SECURE_DEFAULT) */
    /** SL_SO_SECURE_FILES: [0] private key, [1] certificate, [2] CA, [3] DH;
     * ID N is the flash file /cert/N.der; 0 = none. All 0: option not set. */
    uint8_t file_ids[4];
    /** The same slots by file name (options 30-33), e.g. "/cert/ca.der";
     * NULL = not set. A name is set after the IDs, as the chip expects. */
    const char *file_names[4];
    /** Option 35: the name the server's certificate must carry (also sent
     * as SNI). NULL: the chip checks the chain but not the name. */
    const char *domain_name;
    /** Tolerate -453 (connected, server not verified) when the CA slot is
     * empty. Default false: an empty CA slot gives MQTLS_ERR_TLS_NOT_VERIFIED. */
    bool allow_unverified;
    /** The whole of sl_Connect (TCP + TLS handshake) at most; default 15000.
     * The chip has its own handshake timeout (-462) as well. */
    uint32_t connect_timeout_ms;
    /** Required: a millisecond clock that may wrap (as the client's). */
    uint32_t (*now_ms)(void *user);
    void *now_user; /**< passed to now_ms; the pointer is kept only for the open call */
    /** Optional: let the board sleep (or yield to other tasks) between polls
     * of a connect in progress, and in the transport's wait(). NULL: poll
     * without pause, and no wait() (the client then polls too). */
    void (*sleep_ms)(void *user, uint32_t ms);
    /** Passed to sleep_ms; copied into the mqtls_sl_transport_t, so it must
     * stay valid while the transport is in use. */
    void *sleep_user;
    /** Longest single sleep in wait(), in ms; default 10. */
    uint32_t poll_ms;
} mqtls_sl_transport_config_t;

/** One connection; allocate it, never access its fields. */
typedef struct {
    int16_t MQTLS_PRIVATE(sd);        /**< private: the SimpleLink socket, -1 when closed */
    int16_t MQTLS_PRIVATE(last_code); /**< private: SimpleLink code of the last failure, 0 if none */
    bool MQTLS_PRIVATE(verified);     /**< private: false: connected with -453 tolerated */
    void (*MQTLS_PRIVATE(sleep_ms))(void *user, uint32_t ms); /**< private: from the configuration */
    void *MQTLS_PRIVATE(sleep_user);                          /**< private: from the configuration */
    uint32_t MQTLS_PRIVATE(poll_ms);                          /**< private: from the configuration */
} mqtls_sl_transport_t;

/**
 * Defaults: TLS 1.2, mask 0x3FF, no files, no name check, unverified
 * refused, 15 s connect, 10 ms poll; host, port and now_ms left to fill.
 * @param[out] cfg set to the defaults (NULL: nothing happens)
 */
void mqtls_sl_transport_config_init(mqtls_sl_transport_config_t *cfg);

/**
 * Resolve cfg->host, open a secure socket, set method, mask, files, name
 * check and non-blocking mode, and connect (the chip runs the handshake).
 * On failure the socket is closed and t is closed (safe to open again).
 * @param[out] t the connection: set up on success, closed on failure
 *               (mqtls_sl_transport_last_code() tells the chip's code)
 * @param cfg    read during the call only, with the strings it points to;
 *               now_ms is called during the call only, sleep_ms and
 *               sleep_user are kept in t for wait()
 * @return MQTLS_OK; MQTLS_ERR_INVALID_ARG (no host, port 0, no now_ms);
 * MQTLS_ERR_DNS; MQTLS_ERR_TIMEOUT (sl_Connect still in progress after
 * connect_timeout_ms); MQTLS_ERR_TLS_NOT_VERIFIED; MQTLS_ERR_TLS_CERT_DATE;
 * or the mqtls_sl_code_error() of the chip's code (TLS_BAD_CA_FILE for -456,
 * TLS_UNKNOWN_CA for -155, TLS_BAD_KEY_FILE for -458,
 * TLS_HANDSHAKE_TIMEOUT for -462, CONNECT_REFUSED for -111, ...).
 *
 * @code
 * int32_t rc = mqtls_sl_transport_open(&sl, &cfg);
 * if (rc == MQTLS_ERR_TLS_BAD_CA_FILE)      // -456: /cert/128.der is not one DER certificate
 *     reflash_ca();
 * @endcode
 */
int32_t mqtls_sl_transport_open(mqtls_sl_transport_t *t, const mqtls_sl_transport_config_t *cfg);

/**
 * Fill `out` with the transport functions for t (ctx = t); t must stay
 * valid while the client uses them. wait is set only with a sleep_ms.
 * send takes at most MQTLS_SL_SEND_MAX bytes at a time; recv answers
 * MQTLS_ERR_CLOSED when the peer closed; close is mqtls_sl_transport_close().
 * @param t   an opened connection; borrowed by `out`
 * @param out filled in (NULL: nothing happens); it may be copied freely
 *
 * @code
 * mqtls_transport_t tr;
 * mqtls_sl_transport(&sl, &tr);
 * rc = mqtls_client_connect(&client, &tr, &conn, NULL, 10000);
 * @endcode
 */
void mqtls_sl_transport(mqtls_sl_transport_t *t, mqtls_transport_t *out);

/**
 * Close the socket (sl_Close); safe to call twice and on a failed open.
 * @param t the connection (NULL, or closed: nothing happens)
 */
void mqtls_sl_transport_close(mqtls_sl_transport_t *t);

/**
 * The SimpleLink code of the last failure (0 if none), for
 * mqtls_sl_code_name() and mqtls_sl_code_text(). After an open that
 * tolerated -453 (allow_unverified) it is -453, though the open succeeded.
 * @param t the connection (NULL: 0)
 * @return a SimpleLink code (negative), or 0
 *
 * @code
 * printf("chip said %d (%s)\n", (int)mqtls_sl_transport_last_code(&sl),
 *        mqtls_sl_code_name(mqtls_sl_transport_last_code(&sl)));
 * @endcode
 */
int32_t mqtls_sl_transport_last_code(const mqtls_sl_transport_t *t);

/**
 * Whether the server was verified by the chip.
 * @param t the connection (NULL: false)
 * @return true when open and verified; false when closed, or when it was
 * accepted with -453 (allow_unverified).
 */
bool mqtls_sl_transport_verified(const mqtls_sl_transport_t *t);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_SL_TRANSPORT_H */
