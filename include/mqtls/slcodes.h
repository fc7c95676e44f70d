/* SPDX-License-Identifier: MIT
 * mqtls: the TI CC3200 SimpleLink secure-socket codes, and what a CC3200
 * would return in the situation an mqtls error describes. */
/*
 * A CC3200 runs TLS inside its network processor and reports every failure
 * as one bare negative number from sl_Connect(). Both the SimpleLink
 * emulation (include/mqtls/compat/) and `mqtls doctor --store` need the same
 * translation, so it lives here, once:
 *
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
 *   any other TLS failure                           -450 SL_ESECGENERAL
 *
 * The values are those of the CC3200 SDK's socket.h (see
 * ../shared/FIELD-NOTES.md); the alert rule covers -300 close_notify to
 * -414 bad_certificate_hash_value.
 */
#ifndef MQTLS_SLCODES_H
#define MQTLS_SLCODES_H

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

#define MQTLS_SL_ENETUNREACH (-101)
#define MQTLS_SL_ETIMEDOUT (-110)
#define MQTLS_SL_ECONNREFUSED (-111)
#define MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E (-155)
#define MQTLS_SL_ESEC_DOMAIN_NAME_E (-222)
#define MQTLS_SL_ESEC_UNSUPPORTED_SUITE (-290)
#define MQTLS_SL_ESEC_ALERT_BASE (-300) /* alert a received: MQTLS_SL_ESEC_ALERT_BASE - a */
#define MQTLS_SL_ESEC_PROTOCOL_VERSION (-370)
#define MQTLS_SL_ESECGENERAL (-450)
#define MQTLS_SL_ESECDECRYPT (-451)
#define MQTLS_SL_ESECCLOSED (-452)
#define MQTLS_SL_ESECSNOVERIFY (-453)
#define MQTLS_SL_ESECNOCAFILE (-454)
#define MQTLS_SL_ESECMEMORY (-455)
#define MQTLS_SL_ESECBADCAFILE (-456)
#define MQTLS_SL_ESECBADCERTFILE (-457)
#define MQTLS_SL_ESECBADPRIVATEFILE (-458)
#define MQTLS_SL_ESECBADDHFILE (-459)
#define MQTLS_SL_ESECT00MANYSSLOPENED (-460)
#define MQTLS_SL_ESECDATEERROR (-461)
#define MQTLS_SL_ESECHANDSHAKETIMEDOUT (-462)

/**
 * The code a CC3200 would return from sl_Connect() for this mqtls result.
 * @param err    an mqtls_err_t (0: success, gives 0)
 * @param report the session's report (for the alert received), or NULL
 * @return a SimpleLink code (negative), or 0 for success
 */
int32_t mqtls_sl_code(int32_t err, const mqtls_tls_report_t *report);

/** The SDK's name of a code, e.g. "SL_ESECBADCAFILE", "SL_ESEC_BAD_CERTIFICATE";
 * "SL_ESEC_UNKNOWN" for a code this table does not know. Never NULL. */
const char *mqtls_sl_code_name(int32_t code);

/** What the code means on the device and what usually causes it, one sentence. Never NULL. */
const char *mqtls_sl_code_text(int32_t code);

/** The CC3200's secure mask: bit b allows the suite mqtls_sl_suite_name(b)
 * (bits 0-9); SL_SEC_MASK_SECURE_DEFAULT is all ten. */
#define MQTLS_SL_MASK_DEFAULT 0x3FFu

/** The IANA name of the suite of mask bit `bit` (0..9), NULL for other bits. */
const char *mqtls_sl_suite_name(unsigned bit);

/**
 * The suites a mask allows, as a colon-separated IANA list for
 * mqtls_tls_config_t.ciphers (bits above 9 are ignored).
 * @return the number of suites (buf may be NULL to count)
 */
size_t mqtls_sl_suites(uint32_t mask, char *buf, size_t len);

/** The bits of `mask` whose suites `engine` lacks (asked of the engine once per suite; 0: none). */
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
