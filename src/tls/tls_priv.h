/* SPDX-License-Identifier: MIT
 * mqtls: what a TLS engine implements, and what tls.c gives it. */
/*
 * tls.c owns everything engine-independent: the session object, the
 * handshake loop with its deadline, the transport glue and the report;
 * tls_cred.c the credentials (bytes from files or memory, PEM and DER,
 * certificates one by one, CA directories, key checks and their
 * sentences); tls_watch.c the record watcher and the failures it explains.
 * An engine (tls_mbedtls.c, tls_openssl.c) implements the operations below
 * and talks to the network only through mqtls__tls_lower_send/recv, which
 * follow the transport contract (bytes, 0 = would block, < 0 = error).
 */
#ifndef MQTLS_TLS_PRIV_H
#define MQTLS_TLS_PRIV_H

#include <stdarg.h>

#include "mqtls/tls.h"

struct mqtls_tls {
    const struct mqtls__tls_ops *ops;
    mqtls_tls_config_t cfg;   /* copied; what it points to is borrowed */
    const mqtls_tls_hooks_t *port; /* the port's defaults (may be NULL) */
    mqtls_transport_t lower;
    mqtls_tls_report_t *report;
    mqtls_tls_report_t own_report;
    char host[256];           /* for SNI and the name check */
    bool host_is_ip;
    bool established;
    int32_t lower_error;      /* last error of the lower transport, 0 if none */
    bool offered;             /* this handshake offered cfg.resume */
    int32_t rx_error;         /* an error the engine gave after some bytes: the next recv returns it */
    void *impl;               /* the engine's state */
};

struct mqtls__tls_ops {
    const char *name;
    /* Load trust and credentials, check key/cert pair, set versions,
     * ciphers, ALPN. No I/O. On error, fill t->report->detail. tls.c has
     * checked the ALPN names' lengths and that a cipher list is not empty. */
    int32_t (*setup)(mqtls_tls_t *t);
    /* Prepare for a handshake with t->host (SNI, name check). */
    int32_t (*start)(mqtls_tls_t *t);
    /* One handshake step: MQTLS_OK when done, MQTLS_ERR_WANT_READ or
     * MQTLS_ERR_WANT_WRITE to be called again, or an MQTLS_ERR_TLS_* code
     * (after filling the report: verify flags, alert, chain). */
    int32_t (*handshake)(mqtls_tls_t *t);
    /* Transport contract; alerts map to MQTLS_ERR_TLS_* codes. */
    int32_t (*send)(mqtls_tls_t *t, const uint8_t *buf, size_t len);
    int32_t (*recv)(mqtls_tls_t *t, uint8_t *buf, size_t len);
    /* Decrypted bytes ready to be read without touching the network. */
    size_t (*pending)(mqtls_tls_t *t);
    /* Best-effort close_notify. */
    void (*shutdown)(mqtls_tls_t *t);
    void (*destroy)(mqtls_tls_t *t);
    /* Session resumption; all four NULL: the engine resumes nothing.
     * offer: after start, at every handshake, with the engine's saved
     * session or NULL (nothing to offer, but get ready to save one): 1 when
     * it is offered, 0 when not, never an error (a session that does not
     * fit is not offered). resumed: after a handshake that offered one, did
     * the server take it. save: the established session, resumable, into
     * *out (MQTLS_ERR_TLS_NO_SESSION when there is none). free: a saved one. */
    int32_t (*offer)(mqtls_tls_t *t, void *session);
    bool (*resumed)(mqtls_tls_t *t);
    int32_t (*save)(const mqtls_tls_t *t, void **out);
    void (*free_session)(void *session);
    /* The highest version this build of the engine offers (MQTLS_TLS_V1_*). */
    uint16_t max_version;
};

#if MQTLS_WITH_MBEDTLS
extern const struct mqtls__tls_ops mqtls__tls_mbedtls_ops;
#endif
#if MQTLS_WITH_OPENSSL
extern const struct mqtls__tls_ops mqtls__tls_openssl_ops;
#endif

/* The lower transport, for the engines' I/O callbacks. Errors are kept in
 * t->lower_error so the engine's generic "I/O failed" can be told apart
 * from "the peer closed". */
int32_t mqtls__tls_lower_send(mqtls_tls_t *t, const uint8_t *buf, size_t len);
int32_t mqtls__tls_lower_recv(mqtls_tls_t *t, uint8_t *buf, size_t len);

/* The platform, through cfg.hooks or the port's defaults (tls.c). */
bool mqtls__tls_have_clock(const mqtls_tls_t *t);
uint32_t mqtls__tls_now_ms(const mqtls_tls_t *t);
/* cfg.verify_time if set, else hooks.unix_time; 0: unknown. */
int64_t mqtls__tls_unix_time(const mqtls_tls_t *t);
bool mqtls__tls_have_entropy(const mqtls_tls_t *t);
int32_t mqtls__tls_entropy(const mqtls_tls_t *t, uint8_t *buf, size_t len);
/* hooks.load; an unreadable path leaves the reason in the report detail. */
int32_t mqtls__tls_load(mqtls_tls_t *t, const char *path, bool dir, mqtls_tls_each_fn each, void *ctx);

/* An IP literal to its 4 or 16 bytes (network order): 4, 16, or 0 when
 * `s` is not one (a host name). */
size_t mqtls__tls_parse_ip(const char *s, uint8_t out[16]);

/* ---- credentials (tls_cred.c) ---- */

/* How both engines name a credential given as bytes rather than a file. */
#define MQTLS__TLS_CA_BYTES "the CA bytes"
#define MQTLS__TLS_CERT_BYTES "the certificate bytes"
#define MQTLS__TLS_KEY_BYTES "the key bytes"

/* The bytes of one credential, NUL after the last (PEM parsers want one). */
typedef struct {
    const char *what; /* the file name, or how to name bytes given in memory */
    uint8_t *buf;     /* malloc'd; mqtls__tls_cred_free() wipes and frees it */
    size_t len;
} mqtls__tls_cred_t;

/* From `file` through hooks.load, else a copy of data/len (`what` names
 * it). @return MQTLS_OK, MQTLS_ERR_NO_MEMORY, or MQTLS_ERR_INVALID_ARG for
 * a file that cannot be read (the reason in the report detail). */
int32_t mqtls__tls_cred_get(mqtls_tls_t *t, mqtls__tls_cred_t *cr, const char *file, const uint8_t *data, size_t len,
                            const char *what);
void mqtls__tls_cred_free(mqtls__tls_cred_t *cr);
/* Zero bytes in a way the compiler keeps. */
void mqtls__tls_wipe(void *buf, size_t len);
/* Does `s` occur in the bytes? */
bool mqtls__tls_has_text(const uint8_t *buf, size_t len, const char *s);
/* The length of the DER SEQUENCE at buf (header included), 0 when the
 * bytes do not start with one that fits in `len`. */
size_t mqtls__tls_der_seq_len(const uint8_t *buf, size_t len);

/* The engine's part of loading certificates: take one DER certificate
 * (into a trust store or a chain). @return MQTLS_OK, MQTLS_ERR_NO_MEMORY,
 * or any other negative value for one the library refuses, with its
 * reason in `why`. */
typedef int32_t (*mqtls__tls_add_cert_fn)(mqtls_tls_t *t, void *ctx, const uint8_t *der, size_t len, char *why,
                                          size_t why_len);

/* Where a set of certificates comes from, and what its failure is called. */
typedef struct {
    const char *file; /* read through hooks.load, or NULL: */
    const uint8_t *data;
    size_t len;
    uint8_t format;   /* the declared mqtls_tls_format_t */
    const char *what; /* how to name bytes given in memory */
    int32_t err;      /* the error for this credential (MQTLS_ERR_TLS_BAD_CA_FILE, ...) */
    bool all_or_none; /* one refused certificate fails the set (else: one loaded is enough) */
} mqtls__tls_cert_src_t;

/* The certificates in buf (PEM CERTIFICATE blocks, or DER back to back),
 * each handed to `add`. @return how many were added (> 0), or `err` with
 * the detail set (empty, neither PEM nor DER, broken framing, refused),
 * or MQTLS_ERR_NO_MEMORY. */
int32_t mqtls__tls_add_certs(mqtls_tls_t *t, const char *name, const uint8_t *buf, size_t len, int32_t err,
                             bool all_or_none, mqtls__tls_add_cert_fn add, void *ctx);
/* The same for a credential of the configuration: read it, check the
 * declared format (MQTLS_ERR_TLS_CA_FORMAT), add its certificates. */
int32_t mqtls__tls_load_certs(mqtls_tls_t *t, const mqtls__tls_cert_src_t *src, mqtls__tls_add_cert_fn add, void *ctx);
/* The certificates of every regular file in `dir` (hooks.load: the port
 * reads the directory). Files that hold none are skipped, as c_rehash's
 * directories hold other files. @return MQTLS_OK, MQTLS_ERR_TLS_BAD_CA_PATH
 * (unreadable, or no certificate in it), MQTLS_ERR_TLS_CA_FORMAT, or
 * MQTLS_ERR_NO_MEMORY. */
int32_t mqtls__tls_load_ca_dir(mqtls_tls_t *t, const char *dir, mqtls__tls_add_cert_fn add, void *ctx);

/* PKCS#8 EncryptedPrivateKeyInfo (PEM or DER) or legacy encrypted PEM? */
bool mqtls__tls_key_is_encrypted(const uint8_t *buf, size_t len);
/* Before an engine parses a key: not empty, PEM or DER as declared, and
 * when encrypted (*encrypted), a PBKDF2 iteration count mqtls will run.
 * @return MQTLS_OK, MQTLS_ERR_TLS_BAD_KEY_FILE or _CA_FORMAT (detail set). */
int32_t mqtls__tls_key_check(mqtls_tls_t *t, const mqtls__tls_cred_t *cr, uint8_t declared, bool *encrypted);
/* The configuration's key (cfg.key_file or key_data), read and checked as
 * above. @return MQTLS_OK with *cr to free with mqtls__tls_cred_free(), or
 * an error (nothing to free): MQTLS_ERR_TLS_BAD_KEY_FILE, _CA_FORMAT,
 * MQTLS_ERR_NO_MEMORY. */
int32_t mqtls__tls_key_get(mqtls_tls_t *t, mqtls__tls_cred_t *cr, bool *encrypted);

/* Why a key did not load, as the engine judged it from its library's code. */
typedef enum {
    MQTLS__KEY_NEEDS_PASSWORD, /* encrypted, and no password given */
    MQTLS__KEY_WRONG_PASSWORD, /* the password does not decrypt it (or decrypts to garbage) */
    MQTLS__KEY_UNSUPPORTED,    /* encrypted with a scheme the engine lacks */
    MQTLS__KEY_PUBLIC,         /* a public key only */
    MQTLS__KEY_NOT_A_KEY       /* anything else */
} mqtls__tls_key_problem_t;
/* The detail (with the library's reason `why`, may be NULL) and the code:
 * MQTLS_ERR_TLS_KEY_PASSWORD or MQTLS_ERR_TLS_BAD_KEY_FILE. */
int32_t mqtls__tls_key_error(mqtls_tls_t *t, const char *name, mqtls__tls_key_problem_t problem, const char *why);

/* PEM if the bytes contain "-----BEGIN ", DER if they start with a SEQUENCE. */
mqtls_tls_format_t mqtls__tls_detect_format(const uint8_t *buf, size_t len);

/* Check a declared format against the content (MQTLS_ERR_TLS_CA_FORMAT on a
 * mismatch, with `what` named in the detail). */
int32_t mqtls__tls_check_format(mqtls_tls_t *t, const char *what, uint8_t declared, const uint8_t *buf,
                                size_t len);

/* printf into t->report->detail. */
void mqtls__tls_detail(mqtls_tls_t *t, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The error for an alert the server sent, given what we know of the
 * handshake (did it ask for a certificate, did we have one). */
int32_t mqtls__tls_alert_error(const mqtls_tls_t *t, int alert);

/* The server asked to renegotiate, we said no_renegotiation, and it ended
 * the session (with `alert`, or -1 for a plain close): the detail, and
 * MQTLS_ERR_TLS_RENEGOTIATION. */
int32_t mqtls__tls_renegotiation_error(mqtls_tls_t *t, int alert);

/* Error for verify flags (most specific first), MQTLS_OK when none. */
int32_t mqtls__tls_verify_error(uint32_t flags);

/* Colon-separated cipher list iteration: copies the next name into buf
 * (dashes turned into underscores), returns false at the end. */
bool mqtls__tls_next_cipher(const char **list, char *buf, size_t len);
/* How many names the list holds (tls.c has refused an empty list before
 * setup: an engine may count on at least one). */
size_t mqtls__tls_count_ciphers(const char *list);

/* ---- the record watcher (tls_watch.c) ---- */

/* TLS record content types and handshake types (RFC 5246 §6.2.1, §7.4). */
enum { MQTLS__REC_CCS = 20, MQTLS__REC_ALERT = 21, MQTLS__REC_HANDSHAKE = 22, MQTLS__REC_APPDATA = 23 };
enum { MQTLS__HS_SERVER_HELLO = 2, MQTLS__HS_SERVER_KEY_EXCHANGE = 12, MQTLS__HS_CERTIFICATE_REQUEST = 13 };

/* What the cleartext part of one direction of the stream showed. */
typedef struct {
    size_t bytes;       /* bytes seen in this direction */
    uint32_t hs_types;  /* bit n: a handshake message of type n (< 32) went by */
    int alert;          /* last cleartext fatal alert description, -1 if none */
    bool spoke_tls;     /* one well-formed record header went by */
    bool not_tls;       /* the first record header was not TLS */
    bool bad_record;    /* a later header was not TLS (after a good record) */
    uint32_t oversized; /* the length a record header claimed beyond TLS's limit, 0 if none */
    bool stopped;       /* encrypted from here on, or not TLS: nothing more to learn */
    uint8_t first;      /* the first byte, for the report */
    uint8_t hdr[5];
    uint8_t hdr_got;
    uint16_t rec_left;
    uint8_t hs_hdr[4];
    uint8_t hs_got;
    uint32_t hs_left;
    uint8_t alert_level; /* of the alert being read, 0 between alerts */
    uint32_t hs_max;     /* the longest handshake message announced */
} mqtls__tls_watch_t;

void mqtls__tls_watch_reset(mqtls__tls_watch_t *w);
/* Bytes of one direction, in order, as they pass the engine's I/O callback. */
void mqtls__tls_watch_feed(mqtls__tls_watch_t *w, const uint8_t *p, size_t n);

/* The failures the watch of the server's bytes explains, each with its
 * detail: not TLS at all, a broken record from a peer that spoke TLS (`why`:
 * the library's reason when the watch itself saw nothing wrong, may be
 * NULL), the connection closed (or reset) in the handshake, and an alert
 * received. */
int32_t mqtls__tls_not_tls_error(mqtls_tls_t *t, const mqtls__tls_watch_t *in);
int32_t mqtls__tls_bad_record_error(mqtls_tls_t *t, const mqtls__tls_watch_t *in, const char *why);
int32_t mqtls__tls_closed_error(mqtls_tls_t *t, const mqtls__tls_watch_t *in, bool reset);
/* The alert's error (mqtls__tls_alert_error), its detail, and alert_received. */
int32_t mqtls__tls_alert_failure(mqtls_tls_t *t, int alert);

#endif /* MQTLS_TLS_PRIV_H */
