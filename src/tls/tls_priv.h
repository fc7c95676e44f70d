/* SPDX-License-Identifier: MIT
 * mqtls: what a TLS engine implements, and what tls.c gives it. */
/*
 * tls.c owns everything engine-independent: the session object, the
 * handshake loop with its deadline, the transport glue and the report.
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
    int32_t rx_error;         /* an error the engine gave after some bytes: the next recv returns it */
    void *impl;               /* the engine's state */
};

struct mqtls__tls_ops {
    const char *name;
    /* Load trust and credentials, check key/cert pair, set versions,
     * ciphers, ALPN. No I/O. On error, fill t->report->detail. */
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

/* POSIX only (ports/posix/tls_posix.c), for the host-only OpenSSL engine:
 * read a whole file; *buf is malloc'd with a NUL after the last byte,
 * free() it. @return MQTLS_OK or MQTLS_ERR_INVALID_ARG (errno text in the
 * report detail). */
int32_t mqtls__tls_read_file(mqtls_tls_t *t, const char *path, uint8_t **buf, size_t *len);

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

#endif /* MQTLS_TLS_PRIV_H */
