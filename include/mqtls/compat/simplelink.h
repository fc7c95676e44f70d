/* SPDX-License-Identifier: MIT
 * mqtls compat: the TI CC3200 SimpleLink secure-socket surface, on a host. */
/**
 * @file
 * @brief The TI CC3200 SimpleLink secure-socket and device surface, emulated on a host.
 *
 * What firmware written for a CC3200 calls to open a TLS socket, with the
 * SDK's names and values (see ../shared/FIELD-NOTES.md), backed by mqtls:
 *
 * - The serial flash is a directory: secureFiles ID N is `<dir>/cert/N.der`,
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
 *
 * Timeouts of sl_Connect() on a host: the TCP connect and the handshake get
 * 10 s each, or the milliseconds in MQTLS_SL_CONNECT_TIMEOUT_MS and
 * MQTLS_SL_HANDSHAKE_TIMEOUT_MS (environment). sl_Connect() always runs to
 * its end (it never answers SL_EALREADY), also on a non-blocking socket.
 *
 * Lifetimes: every pointer passed in is read (or written) during the call
 * only; what must be kept (option values, the flash directory) is copied.
 *
 * @code
 * mqtls_sl_init("./flash");                  // host only: where /cert/N.der live
 * sl_Start(NULL, NULL, NULL);
 * SlDateTime_t dt = { .sl_tm_year = 2026, .sl_tm_mon = 12, .sl_tm_day = 2, .sl_tm_hour = 8 };
 * sl_DevSet(SL_DEVICE_GENERAL_CONFIGURATION, SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME,
 *           sizeof dt, (_u8 *)&dt);
 * _u32 ip;
 * sl_NetAppDnsGetHostByName((_i8 *)"broker.example", 14, &ip, SL_AF_INET);
 * _i16 sd = sl_Socket(SL_AF_INET, SL_SOCK_STREAM, SL_SEC_SOCKET);
 * SlSockSecureMethod m = { SL_SO_SEC_METHOD_TLSV1_2 };
 * SlSockSecureFiles_t f = { { 126, 127, 128, 0 } };
 * sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_SECMETHOD, &m, sizeof m);
 * sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_SECURE_FILES, &f, sizeof f);
 * SlSockAddrIn_t a = { .sin_family = SL_AF_INET, .sin_port = sl_Htons(8883),
 *                      .sin_addr.s_addr = sl_Htonl(ip) };
 * _i16 rc = sl_Connect(sd, (SlSockAddr_t *)&a, sizeof a);   // -456: bad CA file, ...
 * if (rc >= 0) sl_Send(sd, "hello", 5, 0);
 * sl_Close(sd);
 * @endcode
 */
#ifndef MQTLS_COMPAT_SIMPLELINK_H
#define MQTLS_COMPAT_SIMPLELINK_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the SDK's integer types ------------------------------------------------------ */
typedef unsigned char _u8;   /**< the SDK's unsigned 8-bit integer */
typedef signed char _i8;     /**< the SDK's signed 8-bit integer (also its character type) */
typedef unsigned short _u16; /**< the SDK's unsigned 16-bit integer */
typedef signed short _i16;   /**< the SDK's signed 16-bit integer: socket descriptors and most results */
typedef unsigned long _u32;  /**< the SDK's unsigned 32-bit integer (`unsigned long`, as in TI's SDK) */
typedef signed long _i32;    /**< the SDK's signed 32-bit integer (`signed long`, as in TI's SDK) */

/* ---- sockets ------------------------------------------------------------------------- */
#define SL_AF_INET (2)      /**< IPv4, the only family emulated */
#define SL_SOCK_STREAM (1)  /**< a TCP socket, the only type emulated */
#define SL_SOCK_DGRAM (2)   /**< UDP: refused by the emulation (SL_EOPNOTSUPP) */
#define SL_IPPROTO_TCP (6)  /**< TCP, the same as protocol 0 */
#define SL_SEC_SOCKET (100) /**< protocol of sl_Socket() for a TLS socket */
#define SL_SOL_SOCKET (1)   /**< the level of every socket option */

/* Socket options */
#define SL_SO_KEEPALIVE (9)       /**< SlSockKeepalive_t: accepted, no effect (MQTT keepalive does the work) */
#define SL_SO_RCVTIMEO (20)       /**< SlTimeval_t: a blocking sl_Recv() gives SL_EAGAIN after it */
#define SL_SO_NONBLOCKING (24)    /**< SlSockNonblocking_t: sl_Send()/sl_Recv() answer SL_EAGAIN instead of waiting */
#define SL_SO_SECMETHOD (25)      /**< SlSockSecureMethod: the TLS version (SL_SO_SEC_METHOD_*) */
#define SL_SO_SECURE_MASK (26)    /**< SlSockSecureMask: the cipher suites (SL_SEC_MASK_* bits) */
#define SL_SO_SECURE_FILES (27)   /**< SlSockSecureFiles_t: key, certificate, CA, DH by file ID */
#define SL_SO_CHANGE_CHANNEL (28) /**< not emulated (SL_ENOPROTOOPT) */
#define SL_SO_SECURE_FILES_PRIVATE_KEY_FILE_NAME (30) /**< the private key by file name (wins over its ID) */
#define SL_SO_SECURE_FILES_CERTIFICATE_FILE_NAME (31) /**< the client certificate by file name */
#define SL_SO_SECURE_FILES_CA_FILE_NAME (32)          /**< the CA certificate by file name */
#define SL_SO_SECURE_FILES_DH_KEY_FILE_NAME (33)      /**< the DH parameters by file name */
/** The server name to check (and send as SNI); without it, neither. */
#define SL_SO_SECURE_DOMAIN_NAME_VERIFICATION (35)
/** The SDK's older name of SL_SO_SECURE_DOMAIN_NAME_VERIFICATION. */
#define SO_SECURE_DOMAIN_NAME_VERIFICATION SL_SO_SECURE_DOMAIN_NAME_VERIFICATION

/* Methods (SL_SO_SECMETHOD) */
#define SL_SO_SEC_METHOD_SSLV3 (0)         /**< SSL 3.0: refused (-370 SL_ESEC_PROTOCOL_VERSION) */
#define SL_SO_SEC_METHOD_TLSV1 (1)         /**< TLS 1.0: refused (-370) */
#define SL_SO_SEC_METHOD_TLSV1_1 (2)       /**< TLS 1.1: refused (-370) */
#define SL_SO_SEC_METHOD_TLSV1_2 (3)       /**< TLS 1.2 */
#define SL_SO_SEC_METHOD_SSLv3_TLSV1_2 (4) /**< SSL 3.0 to TLS 1.2: TLS 1.2 here (the default of a new socket) */
#define SL_SO_SEC_METHOD_DLSV1 (5)         /**< DTLS 1.0: not emulated (SL_EINVAL) */

/* Cipher suite mask bits (SL_SO_SECURE_MASK) */
#define SL_SEC_MASK_SSL_RSA_WITH_RC4_128_SHA (1u << 0)     /**< bit 0: TLS_RSA_WITH_RC4_128_SHA (no engine has it) */
#define SL_SEC_MASK_SSL_RSA_WITH_RC4_128_MD5 (1u << 1)     /**< bit 1: TLS_RSA_WITH_RC4_128_MD5 (no engine has it) */
#define SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA (1u << 2) /**< bit 2: TLS_RSA_WITH_AES_256_CBC_SHA */
#define SL_SEC_MASK_TLS_DHE_RSA_WITH_AES_256_CBC_SHA (1u << 3)   /**< bit 3: TLS_DHE_RSA_WITH_AES_256_CBC_SHA */
#define SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA (1u << 4) /**< bit 4: TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA */
/** Bit 5: TLS_ECDHE_RSA_WITH_RC4_128_SHA (no engine has it). */
#define SL_SEC_MASK_TLS_ECDHE_RSA_WITH_RC4_128_SHA (1u << 5)
#define SL_SEC_MASK_TLS_RSA_WITH_AES_128_CBC_SHA256 (1u << 6)       /**< bit 6: TLS_RSA_WITH_AES_128_CBC_SHA256 */
#define SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA256 (1u << 7)       /**< bit 7: TLS_RSA_WITH_AES_256_CBC_SHA256 */
#define SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 (1u << 8) /**< bit 8: TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 */
/** Bit 9: TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256. */
#define SL_SEC_MASK_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 (1u << 9)
/** Bits 0-9 (0x3FF): every suite, the default of a new socket. */
#define SL_SEC_MASK_SECURE_DEFAULT ((SL_SEC_MASK_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 << 1) - 1)

/* BSD-style errors */
#define SL_SOC_ERROR (-1)        /**< a generic failure */
#define SL_SOC_OK (0)            /**< success */
#define SL_EBADF (-9)            /**< not an open socket (or not connected, for sl_Send()/sl_Recv()) */
#define SL_ENSOCK (-10)          /**< no socket left (MQTLS_SL_MAX_SOCKETS open) */
#define SL_EAGAIN (-11)          /**< nothing now: try again (non-blocking socket, or SL_SO_RCVTIMEO passed) */
#define SL_EWOULDBLOCK SL_EAGAIN /**< the same as SL_EAGAIN */
#define SL_ENOMEM (-12)          /**< out of memory */
#define SL_EFAULT (-14)          /**< bad address */
#define SL_EINVAL (-22)          /**< invalid argument */
#define SL_ENOPROTOOPT (-92)     /**< option not supported (by the emulation) */
#define SL_EOPNOTSUPP (-95)      /**< socket type or protocol not supported */
#define SL_EAFNOSUPPORT (-97)    /**< address family not supported (not SL_AF_INET) */
#define SL_ENETUNREACH (-101)    /**< network unreachable */
#define SL_ECONNRESET (-104)     /**< connection reset by the peer */
#define SL_EISCONN (-106)        /**< sl_Connect() on a connected socket */
#define SL_ETIMEDOUT (-110)      /**< connect timed out */
#define SL_ECONNREFUSED (-111)   /**< connection refused */
/** Connect in progress (non-blocking sl_Connect() on a chip; the emulation connects at once). */
#define SL_EALREADY (-114)

/* Secure-socket errors (as reported by sl_Connect, sl_Send, sl_Recv) */
#define SL_ESEC_ASN_BEFORE_DATE_E (-150)   /**< a certificate is not valid yet */
#define SL_ESEC_ASN_AFTER_DATE_E (-151)    /**< a certificate has expired */
#define SL_ESEC_ASN_SIG_CONFIRM_E (-155)   /**< the server chain is not signed by the given CA */
#define SL_ESEC_DOMAIN_NAME_E (-222)       /**< the server's certificate does not carry the name checked */
#define SL_ESEC_UNSUPPORTED_SUITE (-290)   /**< no usable cipher suite (the mask leaves none, or none is shared) */
#define SL_ESEC_CLOSE_NOTIFY (-300)        /**< alert received: close notify */
#define SL_ESEC_HANDSHAKE_FAILURE (-340)   /**< alert received: handshake failure */
#define SL_ESEC_NO_CERTIFICATE (-341)      /**< alert received: no certificate */
#define SL_ESEC_BAD_CERTIFICATE (-342)     /**< alert received: bad certificate (the server rejected ours) */
#define SL_ESEC_CERTIFICATE_EXPIRED (-345) /**< alert received: certificate expired */
#define SL_ESEC_CERTIFICATE_UNKNOWN (-346) /**< alert received: certificate unknown */
#define SL_ESEC_UNKNOWN_CA (-348)        /**< alert received: unknown CA (the server does not trust our certificate) */
#define SL_ESEC_ACCESS_DENIED (-349)     /**< alert received: access denied */
#define SL_ESEC_DECRYPT_ERROR (-351)     /**< alert received: decrypt error */
#define SL_ESEC_PROTOCOL_VERSION (-370)  /**< alert received, or refused here: protocol version */
#define SL_ESEC_UNRECOGNIZED_NAME (-412) /**< alert received: unrecognized name (SNI) */
#define SL_ESECGENERAL (-450)            /**< a general TLS failure */
#define SL_ESECDECRYPT (-451)            /**< a record could not be decrypted */
#define SL_ESECCLOSED (-452)             /**< the secure connection was closed by the peer */
#define SL_ESECSNOVERIFY (-453)          /**< connected, but the server was not verified (CA ID 0) */
#define SL_ESECNOCAFILE (-454)           /**< no CA file */
#define SL_ESECMEMORY (-455)             /**< out of memory for TLS */
#define SL_ESECBADCAFILE (-456)          /**< CA file missing, not DER, or not exactly one certificate */
#define SL_ESECBADCERTFILE (-457)        /**< client certificate file missing or unparsable */
#define SL_ESECBADPRIVATEFILE (-458)     /**< private key file missing or unparsable */
#define SL_ESECBADDHFILE (-459)          /**< DH parameter file missing or unparsable */
#define SL_ESECT00MANYSSLOPENED (-460)   /**< too many secure sockets open (the SDK spells it with zeros) */
#define SL_ESECDATEERROR (-461)          /**< connected, but the server's certificate is outside the device's date */
#define SL_ESECHANDSHAKETIMEDOUT (-462)  /**< the TLS handshake timed out */

/** The length of an option value or an address. */
typedef _u16 SlSocklen_t;

/** A socket address of any family (cast from SlSockAddrIn_t). */
typedef struct {
    _u16 sa_family;  /**< SL_AF_INET */
    _u8 sa_data[14]; /**< the family's address bytes */
} SlSockAddr_t;

/** An IPv4 address. */
typedef struct {
    _u32 s_addr; /**< network byte order (sl_Htonl()) */
} SlInAddr_t;

/** An IPv4 socket address, for sl_Connect(). */
typedef struct {
    _u16 sin_family;     /**< SL_AF_INET */
    _u16 sin_port;       /**< network byte order (sl_Htons()) */
    SlInAddr_t sin_addr; /**< the address */
    _i8 sin_zero[8];     /**< padding, zero */
} SlSockAddrIn_t;

/** The value of SL_SO_SECMETHOD. */
typedef struct {
    _u8 secureMethod; /**< SL_SO_SEC_METHOD_* */
} SlSockSecureMethod;

/** The value of SL_SO_SECURE_MASK. */
typedef struct {
    _u32 secureMask; /**< SL_SEC_MASK_* bits */
} SlSockSecureMask;

/** [0] private key, [1] certificate, [2] CA, [3] DH; 0 = none; N is /cert/N.der. */
typedef struct {
    _u8 secureFiles[4]; /**< the file IDs, in that order */
} SlSockSecureFiles_t;

/** The value of SL_SO_NONBLOCKING. */
typedef struct {
    _u32 NonblockingEnabled; /**< 1: non-blocking sl_Send()/sl_Recv(), 0: blocking */
} SlSockNonblocking_t;

/** The value of SL_SO_KEEPALIVE (accepted, no effect). */
typedef struct {
    _u32 KeepaliveEnabled; /**< 1: on, 0: off */
} SlSockKeepalive_t;

/** The value of SL_SO_RCVTIMEO; all zero: wait forever. */
typedef struct {
    _u32 tv_sec;  /**< seconds */
    _u32 tv_usec; /**< and microseconds */
} SlTimeval_t;

/* ---- device ------------------------------------------------------------------------- */
#define ROLE_STA (0)                                   /**< station role: what sl_Start() returns */
#define ROLE_AP (2)                                    /**< access-point role (not emulated) */
#define SL_DEVICE_GENERAL_CONFIGURATION (1)            /**< sl_DevSet()/sl_DevGet() group of the date */
#define SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME (11) /**< the device date, an SlDateTime_t */
#define SL_DEVICE_GENERAL_VERSION (12)                 /**< the version query (not emulated) */
#define SL_DEVICE_STATUS (2)                           /**< the status query (not emulated) */

/** The device date for sl_DevSet (UTC). */
typedef struct {
    _u32 sl_tm_sec;      /**< 0-59 */
    _u32 sl_tm_min;      /**< 0-59 */
    _u32 sl_tm_hour;     /**< 0-23 */
    _u32 sl_tm_day;      /**< 1-31 */
    _u32 sl_tm_mon;      /**< 1-12 */
    _u32 sl_tm_year;     /**< YYYY */
    _u32 sl_tm_week_day; /**< not required; sl_DevGet() fills it (0 = Sunday) */
    _u32 sl_tm_year_day; /**< not required; sl_DevGet() leaves it 0 */
    _u32 reserved[3];    /**< unused */
} SlDateTime_t;

/** The callback of sl_Start(); the emulation calls it at once with ROLE_STA. */
typedef void (*P_INIT_CALLBACK)(_u32 Status);

/* ---- the calls ---------------------------------------------------------------------- */

/**
 * Start the "network processor": the device clock starts (unset) if it has
 * not yet, and pInitCallBack, if given, is called at once with ROLE_STA.
 * @param pIfHdl        ignored
 * @param pDevName      ignored
 * @param pInitCallBack called before the return; NULL: none
 * @return ROLE_STA.
 */
_i16 sl_Start(const void *pIfHdl, _i8 *pDevName, const P_INIT_CALLBACK pInitCallBack);
/**
 * Stop it: every open socket is closed. The device clock keeps running
 * (mqtls_sl_reset() unsets it).
 * @param timeout ignored
 * @return 0.
 */
_i16 sl_Stop(const _u16 timeout);
/**
 * SL_DEVICE_GENERAL_CONFIGURATION / _DATE_TIME with an SlDateTime_t sets the
 * device clock, which then runs from that date. Nothing else is emulated.
 * @param DeviceSetId SL_DEVICE_GENERAL_CONFIGURATION
 * @param Option      SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME
 * @param ConfigLen   sizeof(SlDateTime_t) (or more)
 * @param pValues     the SlDateTime_t, read during the call only
 * @return 0, or SL_EINVAL for another id or option, a short length, or a date that does not exist
 * (month 13, 31 April, 29 February of a common year, year < 1970 or > 9999).
 */
_i32 sl_DevSet(const _u8 DeviceSetId, const _u8 Option, const _u8 ConfigLen, const _u8 *pValues);
/**
 * Reads back SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME (the running device clock).
 * @param DeviceGetId SL_DEVICE_GENERAL_CONFIGURATION
 * @param pOption     points to SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME
 * @param pConfigLen  in: room at pValues, at least sizeof(SlDateTime_t);
 *                    out: sizeof(SlDateTime_t)
 * @param[out] pValues an SlDateTime_t
 * @return 0, or SL_EINVAL.
 *
 * @code
 * SlDateTime_t now; _u8 opt = SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME, len = sizeof now;
 * sl_DevGet(SL_DEVICE_GENERAL_CONFIGURATION, &opt, &len, (_u8 *)&now);
 * @endcode
 */
_i32 sl_DevGet(const _u8 DeviceGetId, _u8 *pOption, _u8 *pConfigLen, _u8 *pValues);

/**
 * Resolve a host name (or dotted IPv4 literal) to an IPv4 address in host
 * byte order (getaddrinfo on a host).
 * @param hostname    the name, not necessarily NUL-terminated; read during the call only
 * @param usNameLen   its length (at most 255 bytes are used)
 * @param[out] out_ip_addr the address, host byte order
 * @param family      SL_AF_INET
 * @return 0, SL_EINVAL (NULL, empty name, another family), or a negative
 * code (-161 host not found).
 */
_i16 sl_NetAppDnsGetHostByName(_i8 *hostname, const _u16 usNameLen, _u32 *out_ip_addr, const _u8 family);

/**
 * Open a socket in the emulation's table. A secure socket starts with
 * method SSLv3_TLSV1_2 (TLS 1.2 here), mask SL_SEC_MASK_SECURE_DEFAULT and
 * no files.
 * @param Domain   SL_AF_INET
 * @param Type     SL_SOCK_STREAM
 * @param Protocol 0, SL_IPPROTO_TCP, or SL_SEC_SOCKET for TLS
 * @return the socket descriptor (0..MQTLS_SL_MAX_SOCKETS-1); SL_EAFNOSUPPORT;
 * SL_EOPNOTSUPP (not TCP); SL_ENSOCK (table full).
 */
_i16 sl_Socket(_i16 Domain, _i16 Type, _i16 Protocol);
/**
 * Set a socket option: the secure method, mask, files (by ID or name),
 * the domain name to check, non-blocking mode, the receive timeout, or
 * keepalive (accepted, no effect). Values are copied; they take effect at
 * sl_Connect().
 * @param sd      a socket from sl_Socket()
 * @param level   SL_SOL_SOCKET
 * @param optname an SL_SO_* option
 * @param optval  its value (the option's struct, or a name's bytes without
 *                a NUL), read during the call only
 * @param optlen  the value's length (names: 1..127 bytes; domain: 1..255)
 * @return 0; SL_EBADF; SL_EINVAL (level, NULL, length); SL_ENOPROTOOPT
 * (an option the emulation lacks).
 */
_i16 sl_SetSockOpt(_i16 sd, _i16 level, _i16 optname, const void *optval, SlSocklen_t optlen);
/**
 * Read back SL_SO_SECMETHOD or SL_SO_SECURE_MASK.
 * @param sd          a socket from sl_Socket()
 * @param level       SL_SOL_SOCKET
 * @param optname     SL_SO_SECMETHOD or SL_SO_SECURE_MASK
 * @param[out] optval an SlSockSecureMethod or SlSockSecureMask
 * @param optlen      in: room at optval; out: the value's size
 * @return 0; SL_EBADF; SL_EINVAL; SL_ENOPROTOOPT (another option, or too little room).
 */
_i16 sl_GetSockOpt(_i16 sd, _i16 level, _i16 optname, void *optval, SlSocklen_t *optlen);
/**
 * Connect, and for a secure socket run the TLS handshake with the files,
 * method and mask set, in the chip's order: method and mask, then the CA,
 * certificate, key and DH files (each bad one has its code), then TCP, then
 * the handshake, judged at the device's date.
 * @param sd      a socket from sl_Socket(), not connected
 * @param addr    an SlSockAddrIn_t (SL_AF_INET), read during the call only
 * @param addrlen sizeof(SlSockAddrIn_t)
 * @return 0; or -453 / -461 with the socket connected (not verified / date
 * error); or a negative code with the socket unusable (SL_EBADF,
 * SL_EISCONN, SL_EAFNOSUPPORT, -456..-459 for the files, -370, -290, -155,
 * -222, alerts -300..-412, SL_ECONNREFUSED, ...). mqtls_sl_last_detail()
 * says more.
 */
_i16 sl_Connect(_i16 sd, const SlSockAddr_t *addr, _i16 addrlen);
/**
 * Send Len bytes. A blocking socket sends all of them (waiting as long as
 * needed); a non-blocking one sends what it can now.
 * @param sd    a connected socket
 * @param pBuf  the bytes, read during the call only
 * @param Len   how many, >= 0
 * @param flags ignored
 * @return bytes sent, SL_EAGAIN (non-blocking socket, try again), or an
 * error (SL_EBADF not connected, SL_EINVAL, SL_ESECCLOSED or SL_ECONNRESET
 * when the peer closed, a TLS code).
 */
_i16 sl_Send(_i16 sd, const void *pBuf, _i16 Len, _i16 flags);
/**
 * Receive at most Len bytes. A blocking socket waits for at least one byte
 * (at most SL_SO_RCVTIMEO, when set).
 * @param sd    a connected socket
 * @param[out] buf where the bytes go
 * @param Len   room in buf, > 0
 * @param flags ignored
 * @return bytes received, 0 when the peer closed, SL_EAGAIN when nothing
 * arrived (non-blocking, or SL_SO_RCVTIMEO passed), or an error code
 * (SL_EBADF, SL_EINVAL, a TLS code).
 */
_i16 sl_Recv(_i16 sd, void *buf, _i16 Len, _i16 flags);
/**
 * Close a socket (a secure one sends close_notify first) and free its slot.
 * @param sd a socket from sl_Socket()
 * @return 0, or SL_EBADF.
 */
_i16 sl_Close(_i16 sd);

/**
 * Host to network byte order, 32 bits.
 * @param val a value in host order
 * @return the value in network order
 */
_u32 sl_Htonl(_u32 val);
/**
 * Host to network byte order, 16 bits.
 * @param val a value in host order
 * @return the value in network order
 */
_u16 sl_Htons(_u16 val);
#define sl_Ntohl sl_Htonl /**< network to host byte order, 32 bits */
#define sl_Ntohs sl_Htons /**< network to host byte order, 16 bits */

/* ---- host extensions (not in the SDK; for tests and hosts) -------------------------- */

/** Sockets the emulation can have open at once. */
#define MQTLS_SL_MAX_SOCKETS 8

/**
 * The flash directory (NULL: MQTLS_SL_FLASH from the environment, else ".").
 * The string is copied.
 * @param flash_dir a directory as `mqtls store put` writes it (at most 511 bytes), or NULL
 *
 * @code
 * mqtls_sl_init("./flash");   // ID 128 is ./flash/cert/128.der
 * @endcode
 */
void mqtls_sl_init(const char *flash_dir);
/** Emulate a board reset: close every socket, unset the device clock. */
void mqtls_sl_reset(void);
/**
 * The device clock now (Unix seconds): MQTLS_SL_RESET_TIME (mqtls/slcodes.h,
 * 2013-01-01) plus the time since reset until sl_DevSet, then the date set
 * plus the time since.
 * @return Unix seconds of the device's date
 */
int64_t mqtls_sl_device_time(void);
/**
 * Whether the device clock was set.
 * @return 1 when sl_DevSet has set the clock since the last reset, else 0.
 */
int mqtls_sl_clock_set(void);
/**
 * The IANA names of the suites a mask allows, ':'-separated, into buf.
 * @param mask SL_SEC_MASK_* bits (bits above 9 are ignored)
 * @param buf  where the names go, NUL-terminated and cut to fit; NULL: count only
 * @param len  room in buf
 * @return the number of suites.
 *
 * @code
 * char names[400];
 * size_t n = mqtls_sl_mask_ciphers(SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA, names, sizeof names);
 * // n == 1, names == "TLS_RSA_WITH_AES_256_CBC_SHA"
 * @endcode
 */
size_t mqtls_sl_mask_ciphers(_u32 mask, char *buf, size_t len);
/**
 * The bits of `mask` whose suites the engine in use (MQTLS_SL_ENGINE) lacks.
 * @param mask SL_SEC_MASK_* bits
 * @return those bits (0: none)
 */
_u32 mqtls_sl_mask_unsupported(_u32 mask);
/**
 * The IANA name of one mask bit.
 * @param bit 0..9
 * @return a static string, or NULL for other bits.
 */
const char *mqtls_sl_mask_bit_name(unsigned bit);
/**
 * The TLS versions a method allows, as wire numbers (0x0303 = TLS 1.2).
 * @param method   an SL_SO_SEC_METHOD_* value
 * @param[out] min the lowest version (NULL: not wanted)
 * @param[out] max the highest version (NULL: not wanted)
 * @return 0, or SL_ESEC_PROTOCOL_VERSION for a method
 * mqtls refuses (below TLS 1.2), SL_EINVAL for an unknown one.
 */
_i16 mqtls_sl_method_versions(_u8 method, uint16_t *min, uint16_t *max);
/**
 * What the last sl_Connect on sd found: the mqtls error behind the code
 * and the TLS report's detail ("" if none).
 * @param sd              an open socket
 * @param[out] mqtls_err  the mqtls_err_t behind the code (NULL: not wanted)
 * @return the detail, in the socket's slot: valid until the next
 * sl_Connect() or sl_Close() of sd; NULL for a bad sd.
 *
 * @code
 * int32_t err = 0;
 * if (sl_Connect(sd, addr, len) < 0) {
 *     const char *why = mqtls_sl_last_detail(sd, &err);
 *     printf("%s: %s\n", mqtls_strerror(err), why != NULL ? why : "");
 * }
 * @endcode
 */
const char *mqtls_sl_last_detail(_i16 sd, int32_t *mqtls_err);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_COMPAT_SIMPLELINK_H */
