/* SPDX-License-Identifier: MIT
 * mqtls compat: the TI CC3200 SimpleLink secure-socket surface, on a host. */
/*
 * What firmware written for a CC3200 calls to open a TLS socket, with the
 * SDK's names and values (see ../shared/FIELD-NOTES.md), backed by mqtls:
 *
 * - The serial flash is a directory: secureFiles ID N is <dir>/cert/N.der,
 *   as `mqtls store put DIR N FILE` writes it. The directory comes from
 *   mqtls_sl_init() or, failing that, the environment variable MQTLS_SL_FLASH
 *   (default "."); a by-name option (30-33) names a file under it instead.
 * - The network processor's TLS is mqtls's TLS layer: mbedTLS by default
 *   (TLS 1.2, like the chip), OpenSSL when MQTLS_SL_ENGINE=openssl.
 *   The method fixes the version: TLSV1_2 and SSLv3_TLSV1_2 both give TLS
 *   1.2 only (the chip has no TLS 1.3); SSLV3, TLSV1 and TLSV1_1 are
 *   refused by mqtls (RFC 8996): sl_Connect returns -370
 *   SL_ESEC_PROTOCOL_VERSION without sending a byte.
 * - The mask restricts the offered cipher suites to exactly those its bits
 *   name. A bit whose suite the engine lacks (the RC4 suites, in both) is
 *   dropped with one line on stderr and can be read back with
 *   mqtls_sl_mask_unsupported(); a mask with no usable suite left fails
 *   with -290 SL_ESEC_UNSUPPORTED_SUITE. Never silently widened.
 * - The device clock starts unset after a reset, at MQTLS_SL_RESET_TIME
 *   (2013-01-01T00:00:00Z), and runs from there; sl_DevSet sets it.
 *   Certificates are judged at the device's date: outside it the socket
 *   connects and sl_Connect returns -461 SL_ESECDATEERROR, as on the chip.
 * - The server's name is checked only when the firmware sets
 *   SL_SO_SECURE_DOMAIN_NAME_VERIFICATION (35), as on the chip; that name is
 *   also sent as SNI. Without it there is no SNI and no name check (the
 *   chain is still verified against the CA file).
 * - Error codes follow the chip (include/mqtls/slcodes.h and DESIGN.md).
 *
 * Memory: the emulation keeps its sockets in a static table
 * (MQTLS_SL_MAX_SOCKETS); the TLS engine allocates per connection and
 * releases it at sl_Close. Like the SimpleLink driver, the state is global
 * (one device per process) and not thread-safe.
 *
 * Types: _u32/_i32 are `unsigned long`/`signed long` as in TI's SDK, so
 * firmware that passes `unsigned long *` compiles unchanged; on a 64-bit
 * host they hold 32-bit values.
 */
#ifndef MQTLS_COMPAT_SIMPLELINK_H
#define MQTLS_COMPAT_SIMPLELINK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the SDK's integer types ------------------------------------------------------ */
typedef unsigned char _u8;
typedef signed char _i8;
typedef unsigned short _u16;
typedef signed short _i16;
typedef unsigned long _u32;
typedef signed long _i32;

/* ---- sockets ------------------------------------------------------------------------- */
#define SL_AF_INET (2)
#define SL_SOCK_STREAM (1)
#define SL_SOCK_DGRAM (2)
#define SL_IPPROTO_TCP (6)
#define SL_SEC_SOCKET (100)
#define SL_SOL_SOCKET (1)

/* Socket options */
#define SL_SO_KEEPALIVE (9)
#define SL_SO_RCVTIMEO (20)
#define SL_SO_NONBLOCKING (24)
#define SL_SO_SECMETHOD (25)
#define SL_SO_SECURE_MASK (26)
#define SL_SO_SECURE_FILES (27)
#define SL_SO_CHANGE_CHANNEL (28)
#define SL_SO_SECURE_FILES_PRIVATE_KEY_FILE_NAME (30)
#define SL_SO_SECURE_FILES_CERTIFICATE_FILE_NAME (31)
#define SL_SO_SECURE_FILES_CA_FILE_NAME (32)
#define SL_SO_SECURE_FILES_DH_KEY_FILE_NAME (33)
#define SL_SO_SECURE_DOMAIN_NAME_VERIFICATION (35)
#define SO_SECURE_DOMAIN_NAME_VERIFICATION SL_SO_SECURE_DOMAIN_NAME_VERIFICATION

/* Methods (SL_SO_SECMETHOD) */
#define SL_SO_SEC_METHOD_SSLV3 (0)
#define SL_SO_SEC_METHOD_TLSV1 (1)
#define SL_SO_SEC_METHOD_TLSV1_1 (2)
#define SL_SO_SEC_METHOD_TLSV1_2 (3)
#define SL_SO_SEC_METHOD_SSLv3_TLSV1_2 (4)
#define SL_SO_SEC_METHOD_DLSV1 (5)

/* Cipher suite mask bits (SL_SO_SECURE_MASK) */
#define SL_SEC_MASK_SSL_RSA_WITH_RC4_128_SHA (1u << 0)
#define SL_SEC_MASK_SSL_RSA_WITH_RC4_128_MD5 (1u << 1)
#define SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA (1u << 2)
#define SL_SEC_MASK_TLS_DHE_RSA_WITH_AES_256_CBC_SHA (1u << 3)
#define SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA (1u << 4)
#define SL_SEC_MASK_TLS_ECDHE_RSA_WITH_RC4_128_SHA (1u << 5)
#define SL_SEC_MASK_TLS_RSA_WITH_AES_128_CBC_SHA256 (1u << 6)
#define SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA256 (1u << 7)
#define SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 (1u << 8)
#define SL_SEC_MASK_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 (1u << 9)
#define SL_SEC_MASK_SECURE_DEFAULT ((SL_SEC_MASK_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 << 1) - 1)

/* BSD-style errors */
#define SL_SOC_ERROR (-1)
#define SL_SOC_OK (0)
#define SL_EBADF (-9)
#define SL_ENSOCK (-10) /* no socket left */
#define SL_EAGAIN (-11)
#define SL_EWOULDBLOCK SL_EAGAIN
#define SL_ENOMEM (-12)
#define SL_EFAULT (-14)
#define SL_EINVAL (-22)
#define SL_ENOPROTOOPT (-92)
#define SL_EOPNOTSUPP (-95)
#define SL_EAFNOSUPPORT (-97)
#define SL_ENETUNREACH (-101)
#define SL_ECONNRESET (-104)
#define SL_EISCONN (-106)
#define SL_ETIMEDOUT (-110)
#define SL_ECONNREFUSED (-111)
#define SL_EALREADY (-114)

/* Secure-socket errors (as reported by sl_Connect, sl_Send, sl_Recv) */
#define SL_ESEC_ASN_BEFORE_DATE_E (-150)
#define SL_ESEC_ASN_AFTER_DATE_E (-151)
#define SL_ESEC_ASN_SIG_CONFIRM_E (-155)
#define SL_ESEC_DOMAIN_NAME_E (-222)
#define SL_ESEC_UNSUPPORTED_SUITE (-290)
#define SL_ESEC_CLOSE_NOTIFY (-300)
#define SL_ESEC_HANDSHAKE_FAILURE (-340)
#define SL_ESEC_NO_CERTIFICATE (-341)
#define SL_ESEC_BAD_CERTIFICATE (-342)
#define SL_ESEC_CERTIFICATE_EXPIRED (-345)
#define SL_ESEC_CERTIFICATE_UNKNOWN (-346)
#define SL_ESEC_UNKNOWN_CA (-348)
#define SL_ESEC_ACCESS_DENIED (-349)
#define SL_ESEC_DECRYPT_ERROR (-351)
#define SL_ESEC_PROTOCOL_VERSION (-370)
#define SL_ESEC_UNRECOGNIZED_NAME (-412)
#define SL_ESECGENERAL (-450)
#define SL_ESECDECRYPT (-451)
#define SL_ESECCLOSED (-452)
#define SL_ESECSNOVERIFY (-453)
#define SL_ESECNOCAFILE (-454)
#define SL_ESECMEMORY (-455)
#define SL_ESECBADCAFILE (-456)
#define SL_ESECBADCERTFILE (-457)
#define SL_ESECBADPRIVATEFILE (-458)
#define SL_ESECBADDHFILE (-459)
#define SL_ESECT00MANYSSLOPENED (-460)
#define SL_ESECDATEERROR (-461)
#define SL_ESECHANDSHAKETIMEDOUT (-462)

typedef _u16 SlSocklen_t;

typedef struct {
    _u16 sa_family;
    _u8 sa_data[14];
} SlSockAddr_t;

typedef struct {
    _u32 s_addr; /* network byte order */
} SlInAddr_t;

typedef struct {
    _u16 sin_family;
    _u16 sin_port; /* network byte order */
    SlInAddr_t sin_addr;
    _i8 sin_zero[8];
} SlSockAddrIn_t;

typedef struct {
    _u8 secureMethod;
} SlSockSecureMethod;

typedef struct {
    _u32 secureMask;
} SlSockSecureMask;

/** [0] private key, [1] certificate, [2] CA, [3] DH; 0 = none; N is /cert/N.der. */
typedef struct {
    _u8 secureFiles[4];
} SlSockSecureFiles_t;

typedef struct {
    _u32 NonblockingEnabled;
} SlSockNonblocking_t;

typedef struct {
    _u32 KeepaliveEnabled;
} SlSockKeepalive_t;

typedef struct {
    _u32 tv_sec;
    _u32 tv_usec;
} SlTimeval_t;

/* ---- device ------------------------------------------------------------------------- */
#define ROLE_STA (0)
#define ROLE_AP (2)
#define SL_DEVICE_GENERAL_CONFIGURATION (1)
#define SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME (11)
#define SL_DEVICE_GENERAL_VERSION (12)
#define SL_DEVICE_STATUS (2)

/** The device date for sl_DevSet. */
typedef struct {
    _u32 sl_tm_sec;      /* 0-59 */
    _u32 sl_tm_min;      /* 0-59 */
    _u32 sl_tm_hour;     /* 0-23 */
    _u32 sl_tm_day;      /* 1-31 */
    _u32 sl_tm_mon;      /* 1-12 */
    _u32 sl_tm_year;     /* YYYY */
    _u32 sl_tm_week_day; /* not required */
    _u32 sl_tm_year_day; /* not required */
    _u32 reserved[3];
} SlDateTime_t;

typedef void (*P_INIT_CALLBACK)(_u32 Status);

/* ---- the calls ---------------------------------------------------------------------- */

/** Start the "network processor". @return ROLE_STA. */
_i16 sl_Start(const void *pIfHdl, _i8 *pDevName, const P_INIT_CALLBACK pInitCallBack);
/** Stop it: every open socket is closed. @return 0. */
_i16 sl_Stop(const _u16 timeout);
/** SL_DEVICE_GENERAL_CONFIGURATION / _DATE_TIME with an SlDateTime_t sets the
 * device clock. @return 0, or SL_EINVAL for a date that does not exist
 * (month 13, 31 April, 29 February of a common year, year < 1970 or > 9999). */
_i32 sl_DevSet(const _u8 DeviceSetId, const _u8 Option, const _u8 ConfigLen, const _u8 *pValues);
/** Reads back SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME (the running device clock). */
_i32 sl_DevGet(const _u8 DeviceGetId, _u8 *pOption, _u8 *pConfigLen, _u8 *pValues);

/** Resolve a host name (or dotted IPv4 literal) to an IPv4 address in host
 * byte order. @return 0, or a negative code (-161 host not found). */
_i16 sl_NetAppDnsGetHostByName(_i8 *hostname, const _u16 usNameLen, _u32 *out_ip_addr, const _u8 family);

_i16 sl_Socket(_i16 Domain, _i16 Type, _i16 Protocol);
_i16 sl_SetSockOpt(_i16 sd, _i16 level, _i16 optname, const void *optval, SlSocklen_t optlen);
_i16 sl_GetSockOpt(_i16 sd, _i16 level, _i16 optname, void *optval, SlSocklen_t *optlen);
/** Connect, and for a secure socket run the TLS handshake with the files,
 * method and mask set. @return 0; or -453 / -461 with the socket connected
 * (not verified / date error); or a negative code with the socket unusable. */
_i16 sl_Connect(_i16 sd, const SlSockAddr_t *addr, _i16 addrlen);
/** @return bytes sent, SL_EAGAIN (non-blocking socket, try again), or an error. */
_i16 sl_Send(_i16 sd, const void *pBuf, _i16 Len, _i16 flags);
/** @return bytes received, 0 when the peer closed, SL_EAGAIN when nothing
 * arrived (non-blocking, or SL_SO_RCVTIMEO passed), or an error code. */
_i16 sl_Recv(_i16 sd, void *buf, _i16 Len, _i16 flags);
_i16 sl_Close(_i16 sd);

_u32 sl_Htonl(_u32 val);
_u16 sl_Htons(_u16 val);
#define sl_Ntohl sl_Htonl
#define sl_Ntohs sl_Htons

/* ---- host extensions (not in the SDK; for tests and hosts) -------------------------- */

#define MQTLS_SL_MAX_SOCKETS 8

/** The flash directory (NULL: MQTLS_SL_FLASH from the environment, else ".").
 * The string is copied. */
void mqtls_sl_init(const char *flash_dir);
/** Emulate a board reset: close every socket, unset the device clock. */
void mqtls_sl_reset(void);
/** The device clock now (Unix seconds): MQTLS_SL_RESET_TIME plus the time
 * since reset until sl_DevSet, then the date set plus the time since. */
int64_t mqtls_sl_device_time(void);
/** 1 when sl_DevSet has set the clock since the last reset. */
int mqtls_sl_clock_set(void);
/** The IANA names of the suites a mask allows, ':'-separated, into buf.
 * @return the number of suites. */
size_t mqtls_sl_mask_ciphers(_u32 mask, char *buf, size_t len);
/** The bits of `mask` whose suites the engine in use lacks (0: none). */
_u32 mqtls_sl_mask_unsupported(_u32 mask);
/** The IANA name of one mask bit (0..9), NULL for other bits. */
const char *mqtls_sl_mask_bit_name(unsigned bit);
/** The TLS versions a method allows: *min and *max as wire numbers
 * (0x0303 = TLS 1.2). @return 0, or SL_ESEC_PROTOCOL_VERSION for a method
 * mqtls refuses (below TLS 1.2), SL_EINVAL for an unknown one. */
_i16 mqtls_sl_method_versions(_u8 method, uint16_t *min, uint16_t *max);
/** What the last sl_Connect on sd found: the mqtls error behind the code
 * and the TLS report's detail ("" if none). NULL for a bad sd. */
const char *mqtls_sl_last_detail(_i16 sd, int32_t *mqtls_err);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_COMPAT_SIMPLELINK_H */
