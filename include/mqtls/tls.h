/* SPDX-License-Identifier: MIT
 * mqtls: TLS as a transport that wraps a lower transport, on mbedTLS or OpenSSL. */
/**
 * @file
 * @brief TLS as a transport that wraps a lower transport, on mbedTLS or OpenSSL.
 *
 * One configuration for every engine. A TLS session wraps any
 * mqtls_transport_t (TCP, a test transport, ...) and is itself an
 * mqtls_transport_t, so the MQTT client never knows it is there.
 *
 * Policy:
 * - Verification is on by default: the server's chain must lead to a CA in
 *   the configured trust, and its certificate must name the host (or
 *   server_name). `insecure` turns off only the hostname check.
 *   Switching off chain verification needs `no_verify`, a separate,
 *   explicit option. Nothing ever falls back to an unverified connection by
 *   itself, and an empty trust store is an error, not "trust anything".
 * - The client certificate and key are loaded and checked against each
 *   other in mqtls_tls_new(), before any byte is sent.
 * - Every failure has its own error code (MQTLS_ERR_TLS_*), the same from
 *   both engines, and a mqtls_tls_report_t keeps the details: negotiated
 *   version and cipher suite, the server's chain, verification flags, the
 *   alert received, and the engine's own message.
 * - Memory: unlike the core, the TLS layer allocates (mbedTLS and OpenSSL
 *   do); everything is released by mqtls_tls_free().
 * - Platform: src/tls calls no POSIX function. Its clock, its entropy and
 *   the bytes behind a file name come through mqtls_tls_hooks_t (cfg.hooks,
 *   the port's defaults for what is left NULL). On a host ports/posix gives
 *   all four, so file names just work; a firmware sets the hooks it has
 *   and hands credentials over as bytes (ca_data, cert_data, key_data).
 *
 * Firmware (no files, no POSIX; the engine is the mbedTLS one):
 * @code
 * static uint32_t ms(void *u) { (void)u; return systick_ms; }
 * static int64_t wall(void *u) { (void)u; return rtc_unix_seconds(); }  // 0: unknown
 * static int32_t rng(void *u, uint8_t *b, size_t n) { return trng_read(b, n) ? MQTLS_OK : MQTLS_ERR_TLS_BAD_CONFIG; }
 * mqtls_tls_config_init(&cfg);
 * cfg.ca_data = root_der; cfg.ca_len = sizeof root_der;            // `mqtls cert carray`
 * cfg.cert_data = dev_der; cfg.cert_len = sizeof dev_der;
 * cfg.key_data = key_der; cfg.key_len = sizeof key_der;
 * cfg.hooks.now_ms = ms; cfg.hooks.unix_time = wall; cfg.hooks.entropy = rng;
 * @endcode
 * and the port defines mqtls_tls_port_hooks() (it may return NULL).
 *
 * Example:
 * @code
 * mqtls_tls_config_t cfg;
 * mqtls_tls_config_init(&cfg);
 * cfg.ca_file = "root.pem"; cfg.cert_file = "device.crt"; cfg.key_file = "device.key";
 * mqtls_tls_report_t report;
 * mqtls_tls_t *tls;
 * int32_t rc = mqtls_tls_new(&tls, MQTLS_TLS_MBEDTLS, &cfg, &report);
 * if (rc == MQTLS_OK) rc = mqtls_tls_handshake(tls, &tcp_transport, "broker.example", 10000);
 * if (rc < 0) printf("%s (%s)\n", mqtls_strerror(rc), report.detail);
 * mqtls_transport_t t;
 * mqtls_tls_transport(tls, &t);           // give t to mqtls_client_connect()
 * ...
 * mqtls_tls_free(tls);                    // after the client is done with it
 * @endcode
 */
#ifndef MQTLS_TLS_H
#define MQTLS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/error.h"
#include "mqtls/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The TLS engines. */
typedef enum {
    MQTLS_TLS_MBEDTLS = 0, /**< mbedTLS (2.28: TLS 1.2; 3.6: TLS 1.2 and 1.3) */
    MQTLS_TLS_OPENSSL = 1, /**< OpenSSL 3 (TLS 1.2 and 1.3) */
    MQTLS_TLS_ENGINE_COUNT /**< how many values there are (not an engine): for tables indexed by engine */
} mqtls_tls_engine_t;

/** TLS 1.2, as on the wire (min_version, max_version). */
#define MQTLS_TLS_V1_2 0x0303u
/** TLS 1.3, as on the wire (min_version, max_version). */
#define MQTLS_TLS_V1_3 0x0304u

/** How a credential file is encoded: detected from the content (AUTO), or
 * declared, in which case the other encoding is an error (a device that
 * needs DER must not be handed PEM). */
typedef enum {
    MQTLS_TLS_FORMAT_AUTO = 0, /**< detected from the content */
    MQTLS_TLS_FORMAT_PEM = 1,  /**< PEM only */
    MQTLS_TLS_FORMAT_DER = 2   /**< DER only */
} mqtls_tls_format_t;

/**
 * Called by a hook's `load` once for a file, or once per regular file of a
 * directory: `buf` holds the file's `len` bytes followed by a NUL (not
 * counted), valid only during the call; `name` is the file's path.
 * @param ctx load's ctx
 * @param name the file's path, valid during the call
 * @param buf the bytes, NUL-terminated, valid during the call
 * @param len bytes in buf, the NUL not counted
 * @return MQTLS_OK to go on, or an error, which `load` returns.
 */
typedef int32_t (*mqtls_tls_each_fn)(void *ctx, const char *name, const uint8_t *buf, size_t len);

/**
 * What the TLS layer needs from the platform, injected (see "Platform"
 * above). Each NULL member is taken from the port's defaults,
 * mqtls_tls_port_hooks(); a member NULL in both means the feature is absent
 * (as written per member). `user` is passed to every call, and is the
 * port's own when the member came from the port.
 */
typedef struct {
    /** Monotonic milliseconds, wrapping (the handshake deadline). Absent:
     *  mqtls_tls_handshake() fails with MQTLS_ERR_TLS_BAD_CONFIG. */
    uint32_t (*now_ms)(void *user);
    /** Wall clock, Unix seconds, for certificate validity; return 0 when the
     *  time is not known. cfg.verify_time, when set, wins. Absent or 0: the
     *  dates are judged as the engine's own build does (mbedTLS without
     *  MBEDTLS_HAVE_TIME_DATE does not judge them). */
    int64_t (*unix_time)(void *user);
    /** Fill buf with len bytes from a true entropy source (a TRNG, the OS);
     *  MQTLS_OK or an error. mbedTLS uses it as a strong source next to the
     *  ones its build has; absent and no source in the build: mqtls_tls_new
     *  fails (MQTLS_ERR_TLS_BAD_CONFIG). With PSA (mbedTLS 3.x),
     *  psa_crypto_init() seeds from mbedTLS's own sources: a firmware build
     *  gives it MBEDTLS_ENTROPY_HARDWARE_ALT (mbedtls_hardware_poll) or
     *  MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG. */
    int32_t (*entropy)(void *user, uint8_t *buf, size_t len);
    /** Read the file `path` (dir false) or every regular file in the
     *  directory `path` (dir true, in any order) and call `each` with its
     *  bytes. @return MQTLS_OK, what `each` returned, or
     *  MQTLS_ERR_INVALID_ARG when `path` cannot be read, with the reason
     *  ("ca.pem: No such file or directory") in why[why_len].
     *  Absent: file names in the configuration are refused. */
    int32_t (*load)(void *user, const char *path, bool dir, mqtls_tls_each_fn each, void *ctx, char *why,
                    size_t why_len);
    void *user; /**< passed to every hook; owned by the caller, valid while the session lives */
} mqtls_tls_hooks_t;

/**
 * The port's default hooks, implemented by the port, not by src/tls:
 * ports/posix/tls_posix.c gives CLOCK_MONOTONIC, time(), getrandom() and
 * file reading. A port may return NULL (each configuration then sets its
 * own hooks). Called by mqtls_tls_new().
 * @return the port's hooks (static, never freed), or NULL.
 */
const mqtls_tls_hooks_t *mqtls_tls_port_hooks(void);

/**
 * A saved TLS session, to resume on the next connection to the same server
 * (TLS 1.2 session id or ticket, TLS 1.3 ticket); opaque. Made by
 * mqtls_tls_session_save(), owned by the caller, released with
 * mqtls_tls_session_free(); it outlives the mqtls_tls_t it came from.
 */
typedef struct mqtls_tls_session mqtls_tls_session_t;

/**
 * TLS configuration. Strings and buffers are borrowed: they must stay valid
 * until mqtls_tls_free(). Start from mqtls_tls_config_init().
 * Each credential comes from a file (…_file, read through hooks.load) or
 * from bytes (…_data/…_len); the file wins when both are set.
 */
typedef struct {
    /* Trust: the CA certificates that may anchor the server's chain. */
    const char *ca_file;   /**< one or more certificates, PEM or DER */
    const char *ca_path;   /**< a directory of PEM or DER certificates */
    const uint8_t *ca_data; /**< the CA certificate(s) as bytes, borrowed */
    size_t ca_len;          /**< bytes in ca_data */
    uint8_t ca_format;     /**< mqtls_tls_format_t */
    /* Our identity. */
    const char *cert_file; /**< client certificate, then optional intermediates (PEM) */
    const uint8_t *cert_data; /**< the client certificate as bytes, borrowed */
    size_t cert_len;          /**< bytes in cert_data */
    uint8_t cert_format;      /**< mqtls_tls_format_t */
    const char *key_file;  /**< PKCS#1, SEC1, PKCS#8 or encrypted PKCS#8; PEM or DER */
    const uint8_t *key_data;  /**< the private key as bytes, borrowed */
    size_t key_len;           /**< bytes in key_data */
    uint8_t key_format;       /**< mqtls_tls_format_t */
    const char *key_password; /**< for an encrypted key; NULL if none */
    /* The server. */
    const char *server_name; /**< SNI and hostname check; NULL: the host connected to */
    bool insecure;           /**< do not check the server's name (chain still verified) */
    bool no_verify;          /**< DANGEROUS: do not verify the server's chain at all */
    const char *const *alpn; /**< NULL-terminated protocol list, e.g. {"x-amzn-mqtt-ca", NULL} */
    /* Protocol. */
    uint16_t min_version;  /**< 0: TLS 1.2; below 1.2 is refused (RFC 8996) */
    uint16_t max_version;  /**< 0: the highest the engine has */
    const char *ciphers;   /**< colon-separated IANA names (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                                dashes allowed); OpenSSL also takes its own names. NULL: defaults */
    uint32_t handshake_timeout_ms; /**< 0: the timeout given to mqtls_tls_handshake() */
    /** A session saved from an earlier connection, offered at every handshake
     *  start for a quicker, resumed handshake (report.resumed says whether
     *  the server took it). Offered only to the same host name (server_name
     *  or the host given) on the same engine; the server may still refuse
     *  it, and then the handshake is a full one, verified as always. Give
     *  it only to a configuration with the same trust as the one that made
     *  it: a resumed handshake does not check the server's chain again.
     *  mbedTLS: not offered with no_verify. Borrowed until mqtls_tls_free();
     *  NULL: none. */
    const mqtls_tls_session_t *resume;
    /* The verifier's clock and tolerance (a device's view, for the SimpleLink emulation). */
    int64_t verify_time;       /**< Unix seconds at which certificate validity is judged;
                                    0: hooks.unix_time (the system clock on a host). A device whose clock is unset judges
                                    at its reset date. */
    uint32_t verify_tolerate;  /**< MQTLS_TLS_VERIFY_* bits that are reported in
                                    report.verify_flags but do not fail the handshake (the
                                    CC3200 connects and flags a date error: EXPIRED |
                                    NOT_YET_VALID). 0: every problem fails. */
    /* The platform: clock, entropy, file reading (NULL members: the port's). */
    mqtls_tls_hooks_t hooks; /**< the platform: clock, entropy, file reading (NULL members: the port's) */
} mqtls_tls_config_t;

/** Verification results, the same bits from every engine. */
#define MQTLS_TLS_VERIFY_NOT_TRUSTED 0x01u  /**< no path to a configured CA */
#define MQTLS_TLS_VERIFY_EXPIRED 0x02u      /**< a certificate of the chain has expired */
#define MQTLS_TLS_VERIFY_NOT_YET_VALID 0x04u /**< a certificate of the chain is not valid yet */
#define MQTLS_TLS_VERIFY_NAME_MISMATCH 0x08u /**< the certificate does not name the server */
#define MQTLS_TLS_VERIFY_BAD_SIGNATURE 0x10u /**< a signature of the chain does not verify */
#define MQTLS_TLS_VERIFY_OTHER 0x80u         /**< any other verification problem */

/** Most certificates of the server's chain a report keeps. */
#define MQTLS_TLS_MAX_CHAIN 8

/** One certificate of the server's chain, as text. */
typedef struct {
    char subject[256];   /**< the subject, as text */
    char issuer[256];    /**< the issuer, as text */
    char not_before[24]; /**< "2026-01-31T12:00:00Z" */
    char not_after[24];  /**< the same form as not_before */
    char key_type[16];   /**< "RSA", "EC", ... */
    uint16_t key_bits;   /**< the key's size in bits */
    char sig_alg[48];    /**< e.g. "ecdsa-with-SHA256" / "sha256WithRSAEncryption" */
} mqtls_tls_cert_info_t;

/** What happened during a TLS session, for people and for the doctor. */
typedef struct {
    const char *engine;      /**< "mbedtls" or "openssl" */
    char version[16];        /**< negotiated, e.g. "TLSv1.3"; empty before the handshake */
    char cipher[80];         /**< negotiated suite, IANA name */
    char alpn[32];           /**< negotiated protocol, empty if none */
    uint32_t verify_flags;   /**< MQTLS_TLS_VERIFY_* */
    int alert_received;      /**< alert number from the server, -1 if none */
    int alert_sent;          /**< alert number we sent, -1 if none */
    bool cert_requested;     /**< the server asked for a client certificate */
    bool cert_sent;          /**< we had one to send */
    bool resumed;            /**< the handshake resumed cfg.resume (no certificates were exchanged) */
    size_t chain_len;        /**< certificates in chain[] (the server's first MQTLS_TLS_MAX_CHAIN) */
    mqtls_tls_cert_info_t chain[MQTLS_TLS_MAX_CHAIN]; /**< the server's chain, leaf first */
    int64_t engine_error;    /**< the engine's own code (mbedTLS negative, OpenSSL ERR_ code) */
    char detail[256];        /**< the engine's message and which file, when relevant */
} mqtls_tls_report_t;

/** A TLS session; opaque. */
typedef struct mqtls_tls mqtls_tls_t;

/**
 * Defaults: verification on, TLS 1.2 minimum, formats detected.
 * @param cfg the configuration to fill (caller-owned)
 */
void mqtls_tls_config_init(mqtls_tls_config_t *cfg);

/**
 * Is this engine compiled into this build?
 * @param engine the engine
 * @return true when it is built in.
 * @code
 * if (!mqtls_tls_engine_available(MQTLS_TLS_OPENSSL)) puts("this build has no OpenSSL engine");
 * @endcode
 */
bool mqtls_tls_engine_available(mqtls_tls_engine_t engine);

/**
 * The engine's name, as mqtls_tls_engine_parse() reads it and the report
 * names it: "mbedtls", "openssl"; "unknown" for a value outside the enum.
 * @param engine any value
 * @return a static string, never NULL.
 */
const char *mqtls_tls_engine_name(mqtls_tls_engine_t engine);

/**
 * The highest TLS version the engine offers in this build (mbedTLS 2.28:
 * TLS 1.2; mbedTLS 3.6 and OpenSSL: TLS 1.3), so that a caller need not
 * know engines by value.
 * @param engine any value
 * @return MQTLS_TLS_V1_2 or MQTLS_TLS_V1_3, or 0 when the engine is not compiled in.
 */
uint16_t mqtls_tls_engine_max_version(mqtls_tls_engine_t engine);

/**
 * The engine a caller gets when it names none (the CLI's --engine, the
 * doctor, the SimpleLink emulation): the first row of the engine table that
 * is compiled into this build, mbedTLS before OpenSSL, so that no caller
 * chooses between engines by value.
 * @return an engine that mqtls_tls_engine_available() accepts; in a build
 * without any engine the first value of mqtls_tls_engine_t, which
 * mqtls_tls_new() answers with MQTLS_ERR_TLS_ENGINE_UNAVAILABLE.
 * @code
 * mqtls_tls_t *t;
 * int32_t rc = mqtls_tls_new(&t, mqtls_tls_engine_default(), &cfg, &report);
 * @endcode
 */
mqtls_tls_engine_t mqtls_tls_engine_default(void);

/**
 * "mbedtls" / "openssl" to an engine. @return MQTLS_OK or MQTLS_ERR_INVALID_ARG.
 * @param name "mbedtls" or "openssl" (NUL-terminated)
 * @param out receives the engine
 */
int32_t mqtls_tls_engine_parse(const char *name, mqtls_tls_engine_t *out);

/**
 * The name of a TLS alert number ("bad_certificate"), "unknown" otherwise.
 * @param alert the alert number (0..255)
 * @return the name (static), "unknown" for a number without one.
 */
const char *mqtls_tls_alert_name(int alert);

/**
 * Create a session: load the trust and our credentials, check that the key
 * matches the certificate, apply versions, ciphers and ALPN. No I/O.
 * @param out receives the session (NULL on failure); free it with mqtls_tls_free()
 * @param engine the TLS engine
 * @param cfg the configuration; it is copied, the strings and buffers it points to are borrowed until mqtls_tls_free()
 * @param report optional; filled during the session's whole life, so it
 *               must outlive the session. Errors leave their detail in it.
 * @return MQTLS_OK, or MQTLS_ERR_TLS_BAD_CA_FILE, …_CA_FORMAT, …_BAD_CERT_FILE,
 * …_BAD_KEY_FILE, …_KEY_PASSWORD, …_KEY_MISMATCH, …_BAD_CIPHER, …_BAD_CONFIG,
 * …_ENGINE_UNAVAILABLE, MQTLS_ERR_NO_MEMORY.
 */
int32_t mqtls_tls_new(mqtls_tls_t **out, mqtls_tls_engine_t engine, const mqtls_tls_config_t *cfg,
                      mqtls_tls_report_t *report);

/**
 * Run the handshake over `lower` (copied; its ctx must outlive the
 * session), verifying the server as configured for `host` (used for SNI
 * and the name check unless server_name is set). Waits at most timeout_ms
 * (or the configured handshake_timeout_ms).
 * @param t the session
 * @param lower the transport below (TCP ...)
 * @param host the server's name, borrowed for the call (copied)
 * @param timeout_ms how long the handshake may take
 * @return MQTLS_OK or an MQTLS_ERR_TLS_* naming the cause; the report says more.
 */
int32_t mqtls_tls_handshake(mqtls_tls_t *t, const mqtls_transport_t *lower, const char *host, uint32_t timeout_ms);

/**
 * The handshake in steps, for an event loop that runs many sessions at
 * once (mqtls bench --connect-concurrency): start it over `lower`, then
 * call mqtls_tls_handshake_step() whenever the lower transport's socket is
 * ready as the last step asked (readable after MQTLS_ERR_WANT_READ,
 * writable after MQTLS_ERR_WANT_WRITE) until it returns MQTLS_OK. The
 * caller keeps the deadline (handshake_timeout_ms is not applied here) and
 * no clock hook is needed. Verification, the report and the errors are
 * those of mqtls_tls_handshake(), which is start + steps + waiting.
 * @param t the session
 * @param lower the transport below, non-blocking (copied; its ctx must
 *              outlive the session)
 * @param host the server's name, borrowed for the call (copied)
 * @return MQTLS_OK (call mqtls_tls_handshake_step() next) or an error.
 *
 * Example:
 * @code
 * mqtls_tls_handshake_start(tls, &tcp_tr, "broker.local");
 * int32_t rc;
 * while ((rc = mqtls_tls_handshake_step(tls)) == MQTLS_ERR_WANT_READ || rc == MQTLS_ERR_WANT_WRITE)
 *     wait_for_socket(fd, rc); // epoll/poll, with the caller's deadline
 * @endcode
 */
int32_t mqtls_tls_handshake_start(mqtls_tls_t *t, const mqtls_transport_t *lower, const char *host);

/**
 * One step of a handshake begun by mqtls_tls_handshake_start(): moves what
 * the lower transport lets through without waiting.
 * @param t the session
 * @return MQTLS_OK (established: mqtls_tls_transport() may be used),
 * MQTLS_ERR_WANT_READ or MQTLS_ERR_WANT_WRITE (call again when the socket is
 * readable / writable), MQTLS_ERR_INVALID_ARG without a start, or an
 * MQTLS_ERR_TLS_* naming the cause (the report says more).
 */
int32_t mqtls_tls_handshake_step(mqtls_tls_t *t);

/**
 * The session as a transport (ctx = t). send/recv follow the transport
 * contract; a TLS alert from the server after the handshake (with TLS 1.3 a
 * rejected client certificate arrives this way) is returned as its
 * MQTLS_ERR_TLS_* code. close sends close_notify and closes the lower
 * transport.
 * @param t the session; must outlive the transport's use
 * @param out receives the transport (ctx = t)
 */
void mqtls_tls_transport(mqtls_tls_t *t, mqtls_transport_t *out);

/**
 * The report of the session (the one given to mqtls_tls_new or an internal one).
 * @param t the session
 * @return the report, valid until mqtls_tls_free() (or as long as the caller's report lives).
 */
const mqtls_tls_report_t *mqtls_tls_get_report(const mqtls_tls_t *t);

/**
 * Save the established session for resumption: give it to the next
 * connection's configuration (cfg.resume) to skip the certificate exchange
 * and key agreement of a full handshake. With TLS 1.3 the server sends its
 * tickets after the handshake, so save after the first read (the MQTT
 * CONNACK: after mqtls_client_connect() returned) and before the session is
 * closed (mqtls_client_disconnect() closes it). mbedTLS 3.x hands out each
 * ticket once: a second save of the same ticket fails.
 * @param t the session, established
 * @param out receives the saved session (NULL on failure), owned by the
 *            caller until mqtls_tls_session_free(); independent of t
 * @return MQTLS_OK, MQTLS_ERR_NOT_CONNECTED (no handshake done, or closed),
 * MQTLS_ERR_TLS_NO_SESSION (nothing to resume: no ticket yet, the server
 * keeps no sessions, or this engine build resumes none), MQTLS_ERR_NO_MEMORY,
 * MQTLS_ERR_INVALID_ARG.
 *
 * Example (a reconnect that offers the last session):
 * @code
 * mqtls_tls_session_t *saved = NULL;
 * rc = mqtls_client_connect(&client, &tls_tr, &connect, NULL, 10000);  // CONNACK read
 * if (rc == MQTLS_OK) (void)mqtls_tls_session_save(tls, &saved);        // no session: a full handshake next time
 * ...
 * cfg.resume = saved;                      // the next mqtls_tls_new(); after it is freed:
 * mqtls_tls_session_free(saved);
 * @endcode
 */
int32_t mqtls_tls_session_save(const mqtls_tls_t *t, mqtls_tls_session_t **out);

/**
 * Release a saved session; safe with NULL. No configuration given it as
 * cfg.resume may be in use (mqtls_tls_free() them first).
 * @param s the saved session, or NULL
 */
void mqtls_tls_session_free(mqtls_tls_session_t *s);

/**
 * Release everything; safe with NULL. Does not close the lower transport.
 * @param t the session, or NULL
 */
void mqtls_tls_free(mqtls_tls_t *t);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_TLS_H */
