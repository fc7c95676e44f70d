/* SPDX-License-Identifier: MIT
 * mqtls: the TI CC3200 SimpleLink secure-socket codes, and what a CC3200
 * would return in the situation an mqtls error describes. */
/**
 * @file
 * @brief The CC3200 SimpleLink secure-socket codes, both ways, and the network processor's model.
 *
 * A CC3200 runs TLS inside its network processor and reports every failure
 * as one bare negative number from sl_Connect(). Both the SimpleLink
 * emulation (include/mqtls/compat/) and `mqtls doctor --store` need the same
 * translation, so it lives here, once:
 *
 * @verbatim
 *   mqtls result                                   SimpleLink code
 *   TLS_BAD_CA_FILE, TLS_CA_FORMAT (CA), CA not one DER certificate   -456 SL_ESECBADCAFILE
 *   TLS_BAD_CERT_FILE                               -457 SL_ESECBADCERTFILE
 *   TLS_BAD_KEY_FILE, TLS_KEY_PASSWORD              -458 SL_ESECBADPRIVATEFILE
 *   CRED_BAD_DH                                     -459 SL_ESECBADDHFILE
 *   connected with CA ID 0 (not verified)           -453 SL_ESECSNOVERIFY
 *   TLS_CERT_EXPIRED, TLS_CERT_NOT_YET_VALID        -461 SL_ESECDATEERROR (device date)
 *   TLS_UNKNOWN_CA, TLS_VERIFY_FAILED               -155 SL_ESEC_ASN_SIG_CONFIRM_E
 *   TLS_HOSTNAME_MISMATCH (name check on)           -222 SL_ESEC_DOMAIN_NAME_E
 *   TLS_HANDSHAKE_TIMEOUT                           -462 SL_ESECHANDSHAKETIMEDOUT
 *   TLS_CLOSED_IN_HANDSHAKE, CLOSED                 -452 SL_ESECCLOSED
 *   an alert received from the server (number a)    -(300 + a), e.g. bad_certificate 42 -> -342
 *   TLS_NO_SHARED_CIPHER without an alert           -290 SL_ESEC_UNSUPPORTED_SUITE
 *   TLS_NO_COMMON_VERSION without an alert          -370 SL_ESEC_PROTOCOL_VERSION
 *   CONNECT_REFUSED / CONNECT_TIMEOUT / UNREACHABLE -111 / -110 / -101 (BSD socket codes)
 *   DNS (sl_NetAppDnsGetHostByName, before any socket) -163 SL_NET_APP_DNS_QUERY_FAILED
 *   any other TLS failure                           -450 SL_ESECGENERAL
 * @endverbatim
 *
 * The values are those of the CC3200 SDK's socket.h (see
 * ../shared/FIELD-NOTES.md); the alert rule covers -300 close_notify to
 * -414 bad_certificate_hash_value.
 *
 * Memory: every string returned points into static tables (never freed);
 * buffers are the caller's and borrowed for the call only.
 * @code
 * int32_t sl = mqtls_sl_code(rc, &report);
 * printf("the board would print %ld (%s)\n", (long)sl, mqtls_sl_code_name(sl));
 * @endcode
 */
#ifndef MQTLS_SLCODES_H
#define MQTLS_SLCODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The date an emulated CC3200 believes it is after reset, until sl_DevSet sets
 * its clock: 2013-01-01T00:00:00Z (Unix seconds). `mqtls doctor --device-time
 * unset` judges certificates at the same date. Any server certificate issued
 * since then is "not valid yet" for such a device: -461 SL_ESECDATEERROR. */
#define MQTLS_SL_RESET_TIME 1356998400

#define MQTLS_SL_ENETUNREACH (-101)                   /**< network unreachable (BSD code) */
#define MQTLS_SL_NET_APP_DNS_QUERY_NO_RESPONSE (-159) /**< sl_NetAppDnsGetHostByName: no answer */
#define MQTLS_SL_NET_APP_DNS_QUERY_FAILED (-163)      /**< sl_NetAppDnsGetHostByName: no such name */
#define MQTLS_SL_ETIMEDOUT (-110)                     /**< connection timed out (BSD code) */
#define MQTLS_SL_ECONNREFUSED (-111)                  /**< connection refused (BSD code) */
#define MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E (-155)        /**< the CA file did not issue the server's chain */
#define MQTLS_SL_ESEC_DOMAIN_NAME_E (-222)            /**< the server's name does not match (name check on) */
#define MQTLS_SL_ESEC_UNSUPPORTED_SUITE (-290)        /**< no cipher suite in common */
#define MQTLS_SL_ESEC_ALERT_BASE (-300)               /**< alert a received: MQTLS_SL_ESEC_ALERT_BASE - a */
#define MQTLS_SL_ESEC_PROTOCOL_VERSION (-370)         /**< no TLS version in common */
#define MQTLS_SL_ESECGENERAL (-450)                   /**< any other TLS failure */
#define MQTLS_SL_ESECDECRYPT (-451)                   /**< a record failed to decrypt */
#define MQTLS_SL_ESECCLOSED (-452)                    /**< the peer closed the secure connection */
#define MQTLS_SL_ESECSNOVERIFY (-453)                 /**< connected without verifying the server (CA ID 0) */
#define MQTLS_SL_ESECNOCAFILE (-454)                  /**< the CA file is missing */
#define MQTLS_SL_ESECMEMORY (-455)                    /**< the network processor ran out of memory */
#define MQTLS_SL_ESECBADCAFILE (-456)                 /**< the CA file is not one DER certificate */
#define MQTLS_SL_ESECBADCERTFILE (-457)               /**< the certificate file is bad */
#define MQTLS_SL_ESECBADPRIVATEFILE (-458)            /**< the private key file is bad */
#define MQTLS_SL_ESECBADDHFILE (-459)                 /**< the DH parameters file is bad */
#define MQTLS_SL_ESECT00MANYSSLOPENED (-460)          /**< too many secure sockets open */
#define MQTLS_SL_ESECDATEERROR (-461)         /**< connected; a server certificate's dates fail (device clock) */
#define MQTLS_SL_ESECHANDSHAKETIMEDOUT (-462) /**< the handshake timed out */

/**
 * The code a CC3200 would return from sl_Connect() for this mqtls result.
 * @param err    an mqtls_err_t (0: success, gives 0)
 * @param report the session's report (for the alert received), or NULL
 * @return a SimpleLink code (negative), or 0 for success
 */
int32_t mqtls_sl_code(int32_t err, const mqtls_tls_report_t *report);

/**
 * The SDK's name of a code.
 * @param code a SimpleLink code
 * @return e.g. "SL_ESECBADCAFILE", "SL_ESEC_BAD_CERTIFICATE";
 * "SL_ESEC_UNKNOWN" for a code this table does not know. Never NULL (static).
 */
const char *mqtls_sl_code_name(int32_t code);

/**
 * What the code means on the device and what usually causes it.
 * @param code a SimpleLink code
 * @return one sentence (static). Never NULL.
 */
const char *mqtls_sl_code_text(int32_t code);

/* ---- the network processor's model --------------------------------------------------
 * What the NWP does where it differs from a PC's TLS engine, decided once and
 * used by the SimpleLink emulation, `mqtls doctor --store`, `store put` and
 * `store check`:
 *  - The CA file must be the certificate that issued the LAST certificate the
 *    server sends (matched by name; its key checked by the handshake). An
 *    intermediate that the server sends itself is not an anchor: -155.
 *  - The server's name is checked only when the firmware sets option 35
 *    (SL_SO_SECURE_DOMAIN_NAME_VERIFICATION); without it a certificate for
 *    another name connects.
 *  - The device's clock judges the server's chain (-461, connected); the
 *    device never judges its own certificate's dates: the broker does, with
 *    its clock (alert 42 bad_certificate: -342).
 *  - A name that does not resolve fails in sl_NetAppDnsGetHostByName, before
 *    any socket: there is no sl_Connect code for it. */

/**
 * The NWP's CA rule against the server's chain.
 * @param ca_subject the CA file's subject (one certificate)
 * @param chain      the server's chain as a TLS report holds it (chain_len 0: no verdict, 0)
 * @param why        receives a sentence when the rule fails (may be NULL)
 * @param why_len    bytes in why
 * @return 0 when the CA file issued the last certificate sent, else
 *         MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E
 */
int32_t mqtls_sl_ca_rule(const char *ca_subject, const mqtls_tls_report_t *chain, char *why, size_t why_len);

/**
 * The sentence for a CA file that is an intermediate (not self-signed), for
 * checks that do not know the server (store put, store check).
 * @return a static sentence, never NULL.
 */
const char *mqtls_sl_intermediate_note(void);

/**
 * The sentence for a private key in PKCS#8 (what OpenSSL 3's `openssl rsa
 * -outform der` writes), where the chip reads PKCS#1 (RSA) or SEC1 (EC).
 * @return a static sentence, never NULL.
 */
const char *mqtls_sl_pkcs8_note(void);

/**
 * The sentence for the device's own certificate outside its validity at
 * the device's date (the broker judges it, not the device).
 * @return a static sentence, never NULL.
 */
const char *mqtls_sl_own_cert_date_note(void);

/**
 * Parse a secure mask as firmware writes it: a number (0x10, 16) or
 * SL_SEC_MASK_* names joined by '|' (spaces allowed), e.g.
 * "SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA | SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA",
 * or SL_SEC_MASK_SECURE_DEFAULT. The SL_SEC_MASK_ prefix may be left out.
 * @param text the mask as text (NUL-terminated)
 * @param mask receives the bits
 * @return MQTLS_OK, or MQTLS_ERR_INVALID_ARG (unknown name, empty, bits above 9)
 */
int32_t mqtls_sl_mask_parse(const char *text, uint32_t *mask);

/**
 * The SDK's macro name of a mask bit.
 * @param bit 0..9
 * @return e.g. "SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA" (static), NULL for bits above 9.
 */
const char *mqtls_sl_mask_name(unsigned bit);

/**
 * The SimpleLink code for a name (SL_ESECBADCAFILE, ESECBADCAFILE) or a
 * number ("-456").
 * @param text the name or number (NUL-terminated)
 * @param code receives the code
 * @return MQTLS_OK or MQTLS_ERR_INVALID_ARG.
 */
int32_t mqtls_sl_code_parse(const char *text, int32_t *code);

/**
 * The i-th code of the table (for loops).
 * @param i    0, 1, ...
 * @param code receives the code
 * @return false past the end.
 * @code
 * int32_t c;
 * for (size_t i = 0; mqtls_sl_code_at(i, &c); i++) puts(mqtls_sl_code_name(c));
 * @endcode
 */
bool mqtls_sl_code_at(size_t i, int32_t *code);

/** The CC3200's secure mask: bit b allows the suite mqtls_sl_suite_name(b)
 * (bits 0-9); SL_SEC_MASK_SECURE_DEFAULT is all ten. */
#define MQTLS_SL_MASK_DEFAULT 0x3FFu

/**
 * The IANA name of the suite of a mask bit.
 * @param bit 0..9
 * @return the name (static), NULL for other bits.
 */
const char *mqtls_sl_suite_name(unsigned bit);

/**
 * The suites a mask allows, as a colon-separated IANA list for
 * mqtls_tls_config_t.ciphers (bits above 9 are ignored).
 * @param mask the secure mask
 * @param buf  receives the NUL-terminated list; may be NULL to count
 * @param len  bytes in buf
 * @return the number of suites
 */
size_t mqtls_sl_suites(uint32_t mask, char *buf, size_t len);

/**
 * The bits of `mask` whose suites `engine` lacks (asked of the engine once per suite).
 * @param engine the TLS engine
 * @param mask   the secure mask
 * @return those bits; 0: none.
 */
uint32_t mqtls_sl_suites_lacking(mqtls_tls_engine_t engine, uint32_t mask);

/* ---- the other way: a SimpleLink code as an mqtls error (ports/simplelink) ----
 *
 * A firmware that uses the native transport (mqtls/sl_transport.h) on a real
 * network processor gets only the chip's number; the mqtls client and its
 * callers speak mqtls_err_t. This is the mapping, for every code the chip
 * documents (see FIELD-NOTES.md); the raw code stays available for
 * mqtls_sl_code_name() and mqtls_sl_code_text():
 *
 *   SimpleLink code                                 mqtls error
 *   -456 BADCAFILE, -454 NOCAFILE                   TLS_BAD_CA_FILE
 *   -457 BADCERTFILE / -458 BADPRIVATEFILE          TLS_BAD_CERT_FILE / TLS_BAD_KEY_FILE
 *   -459 BADDHFILE                                  CRED_BAD_DH
 *   -453 SNOVERIFY (connected, CA ID 0)             TLS_NOT_VERIFIED
 *   -461 DATEERROR (connected, device date)         TLS_CERT_DATE
 *   -150 / -151 (before / after date)               TLS_CERT_NOT_YET_VALID / TLS_CERT_EXPIRED
 *   -155 ASN_SIG_CONFIRM (wrong root)               TLS_UNKNOWN_CA
 *   other certificate parsing codes -130..-159      TLS_VERIFY_FAILED
 *   -222 DOMAIN_NAME                                TLS_HOSTNAME_MISMATCH
 *   -290 UNSUPPORTED_SUITE                          TLS_NO_SHARED_CIPHER
 *   other handshake codes -160..-299                TLS_HANDSHAKE
 *   -300 close notify, -452 ESECCLOSED              CLOSED
 *   -341 no_certificate                             TLS_CERT_REQUIRED
 *   -342..-346, -348, -349 (our certificate)        TLS_CERT_REJECTED
 *   -370 protocol_version / -371                    TLS_NO_COMMON_VERSION / TLS_NO_SHARED_CIPHER
 *   other alerts -301..-414                         TLS_ALERT
 *   -462 HANDSHAKETIMEDOUT                          TLS_HANDSHAKE_TIMEOUT
 *   -451 ESECDECRYPT                                TLS_IO
 *   -455 ESECMEMORY, -12 ENOMEM, -460 too many      NO_MEMORY
 *   -450 ESECGENERAL                                TLS_HANDSHAKE
 *   -111 / -110 / -101                              CONNECT_REFUSED / CONNECT_TIMEOUT / UNREACHABLE
 *   -104 ECONNRESET                                 RECV (the transport says SEND when sending)
 *   -9 EBADF                                        NOT_CONNECTED
 *   -22 EINVAL, -14 EFAULT                          INVALID_ARG
 *   -92 ENOPROTOOPT, -95 EOPNOTSUPP, -97            NOT_SUPPORTED
 *   -10 ENSOCK and anything else                    SOCKET
 *   -11 EAGAIN                                      WANT_READ (not an error: "try again")
 *
 * The numbers are the socket calls' (sl_Socket, sl_SetSockOpt, sl_Connect,
 * sl_Send, sl_Recv). sl_NetAppDnsGetHostByName's own codes (-159, -161 ..
 * -166) overlap the certificate range: a caller maps any failure of it to
 * MQTLS_ERR_DNS itself, as the native transport does.
 */

/**
 * The mqtls error that says what a SimpleLink code says (table above).
 * @param code a value returned by an sl_ call (>= 0: success, gives MQTLS_OK)
 * @return MQTLS_OK or a negative mqtls_err_t, never a SimpleLink number
 */
int32_t mqtls_sl_code_error(int32_t code);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_SLCODES_H */
