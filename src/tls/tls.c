/* SPDX-License-Identifier: MIT
 * mqtls: the engine-independent half of TLS (session, handshake loop, glue). */
/*
 * see mqtls/tls.h and tls_priv.h. The engines only know how to take one
 * handshake step and move records; the deadline, the waiting on the lower
 * transport, and the mapping of what went wrong to one error code per cause
 * live here, once, so both engines behave the same to the user.
 */
/*
 * No POSIX here (src/tls compiles for arm-none-eabi): the clock, the
 * entropy and file reading come through mqtls_tls_hooks_t, and an IP
 * literal is recognised by the small parser below, not inet_pton().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls_priv.h"

/* ---- configuration and engines ------------------------------------------------ */

void mqtls_tls_config_init(mqtls_tls_config_t *cfg)
{
    if (cfg != NULL) {
        memset(cfg, 0, sizeof(*cfg));
        cfg->min_version = MQTLS_TLS_V1_2;
    }
}

/*
 * The engine table: one row per engine the enum names, in enum order. An
 * engine that is not compiled in keeps its row (its name still parses and
 * prints) with no operations. A third engine (wolfSSL, a TLS-offload chip)
 * is one file with its mqtls__tls_ops, one enum value in mqtls/tls.h and one
 * row here (docs/porting.md).
 */
typedef struct {
    const char *name;
    const struct mqtls__tls_ops *ops;
} engine_row_t;

static const engine_row_t engines[] = {
    [MQTLS_TLS_MBEDTLS] = { "mbedtls",
#if MQTLS_WITH_MBEDTLS
                            &mqtls__tls_mbedtls_ops
#else
                            NULL
#endif
    },
    [MQTLS_TLS_OPENSSL] = { "openssl",
#if MQTLS_WITH_OPENSSL
                            &mqtls__tls_openssl_ops
#else
                            NULL
#endif
    },
};

#define N_ENGINES (sizeof engines / sizeof engines[0])
_Static_assert(N_ENGINES == MQTLS_TLS_ENGINE_COUNT, "one row per mqtls_tls_engine_t value");

static const struct mqtls__tls_ops *engine_ops(mqtls_tls_engine_t engine)
{
    return (size_t)engine < N_ENGINES ? engines[engine].ops : NULL;
}

bool mqtls_tls_engine_available(mqtls_tls_engine_t engine)
{
    return engine_ops(engine) != NULL;
}

uint16_t mqtls_tls_engine_max_version(mqtls_tls_engine_t engine)
{
    const struct mqtls__tls_ops *ops = engine_ops(engine);
    return ops != NULL ? ops->max_version : 0u;
}

mqtls_tls_engine_t mqtls_tls_engine_default(void)
{
    for (size_t i = 0; i < N_ENGINES; i++) {
        if (engines[i].ops != NULL) {
            return (mqtls_tls_engine_t)i; /* the table's order is the preference */
        }
    }
    return (mqtls_tls_engine_t)0;
}

const char *mqtls_tls_engine_name(mqtls_tls_engine_t engine)
{
    return (size_t)engine < N_ENGINES ? engines[engine].name : "unknown";
}

int32_t mqtls_tls_engine_parse(const char *name, mqtls_tls_engine_t *out)
{
    if (name == NULL || out == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    for (size_t i = 0; i < N_ENGINES; i++) {
        if (strcmp(name, engines[i].name) == 0) {
            *out = (mqtls_tls_engine_t)i;
            return MQTLS_OK;
        }
    }
    return MQTLS_ERR_INVALID_ARG;
}

/* ---- alerts and verification results ------------------------------------------ */

const char *mqtls_tls_alert_name(int alert)
{
    switch (alert) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown";
    }
}

int32_t mqtls__tls_alert_error(const mqtls_tls_t *t, int alert)
{
    const mqtls_tls_report_t *r = t->report;
    switch (alert) {
    case 42: case 43: case 44: case 45: case 46: case 48: case 49: case 116:
        /* About a certificate: ours, since the server checks nothing else of us. */
        return r->cert_sent ? MQTLS_ERR_TLS_CERT_REJECTED : MQTLS_ERR_TLS_CERT_REQUIRED;
    case 70:
        return MQTLS_ERR_TLS_NO_COMMON_VERSION;
    case 40:
    case 71:
        /* handshake_failure is also what a TLS 1.2 server says when it
         * demanded a certificate and got none. */
        if (r->cert_requested && !r->cert_sent) {
            return MQTLS_ERR_TLS_CERT_REQUIRED;
        }
        return r->cert_requested ? MQTLS_ERR_TLS_CERT_REJECTED : MQTLS_ERR_TLS_NO_SHARED_CIPHER;
    case 0:
        return t->established ? MQTLS_ERR_CLOSED : MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE;
    default:
        return MQTLS_ERR_TLS_ALERT;
    }
}

int32_t mqtls__tls_renegotiation_error(mqtls_tls_t *t, int alert)
{
    /* Renegotiation is off in both engines: a second handshake inside the
     * session could present another server identity mid-stream, and MQTT
     * has no use for it (TLS 1.3 removed it). */
    if (alert >= 0) {
        t->report->alert_received = alert;
        mqtls__tls_detail(t, "the server asked to renegotiate (HelloRequest); we answered no_renegotiation and it "
                             "ended the session with the alert %s (%d)", mqtls_tls_alert_name(alert), alert);
    } else {
        mqtls__tls_detail(t, "the server asked to renegotiate (HelloRequest); we answered no_renegotiation and it "
                             "closed the connection");
    }
    return MQTLS_ERR_TLS_RENEGOTIATION;
}

int32_t mqtls__tls_verify_error(uint32_t flags)
{
    if (flags & MQTLS_TLS_VERIFY_NOT_TRUSTED) {
        return MQTLS_ERR_TLS_UNKNOWN_CA;
    }
    if (flags & MQTLS_TLS_VERIFY_EXPIRED) {
        return MQTLS_ERR_TLS_CERT_EXPIRED;
    }
    if (flags & MQTLS_TLS_VERIFY_NOT_YET_VALID) {
        return MQTLS_ERR_TLS_CERT_NOT_YET_VALID;
    }
    if (flags & MQTLS_TLS_VERIFY_NAME_MISMATCH) {
        return MQTLS_ERR_TLS_HOSTNAME_MISMATCH;
    }
    return flags != 0u ? MQTLS_ERR_TLS_VERIFY_FAILED : MQTLS_OK;
}

/* ---- the platform hooks ------------------------------------------------------------ */

/* A member from the configuration, with its user, else the port's. */
#define HOOK(t, member, out_user)                                                                     \
    ((t)->cfg.hooks.member != NULL ? ((*(out_user) = (t)->cfg.hooks.user), (t)->cfg.hooks.member)     \
     : (t)->port != NULL && (t)->port->member != NULL ? ((*(out_user) = (t)->port->user), (t)->port->member) \
                                                      : NULL)

bool mqtls__tls_have_clock(const mqtls_tls_t *t)
{
    void *u;
    return HOOK(t, now_ms, &u) != NULL;
}

uint32_t mqtls__tls_now_ms(const mqtls_tls_t *t)
{
    void *u = NULL;
    uint32_t (*f)(void *) = HOOK(t, now_ms, &u);
    return f != NULL ? f(u) : 0u;
}

int64_t mqtls__tls_unix_time(const mqtls_tls_t *t)
{
    if (t->cfg.verify_time != 0) {
        return t->cfg.verify_time;
    }
    void *u = NULL;
    int64_t (*f)(void *) = HOOK(t, unix_time, &u);
    return f != NULL ? f(u) : 0;
}

bool mqtls__tls_have_entropy(const mqtls_tls_t *t)
{
    void *u;
    return HOOK(t, entropy, &u) != NULL;
}

int32_t mqtls__tls_entropy(const mqtls_tls_t *t, uint8_t *buf, size_t len)
{
    void *u = NULL;
    int32_t (*f)(void *, uint8_t *, size_t) = HOOK(t, entropy, &u);
    return f != NULL ? f(u, buf, len) : MQTLS_ERR_TLS_BAD_CONFIG;
}

int32_t mqtls__tls_load(mqtls_tls_t *t, const char *path, bool dir, mqtls_tls_each_fn each, void *ctx)
{
    void *u = NULL;
    int32_t (*f)(void *, const char *, bool, mqtls_tls_each_fn, void *, char *, size_t) = HOOK(t, load, &u);
    if (f == NULL) {
        mqtls__tls_detail(t, "%s: this build reads no files (no hooks.load): give the bytes instead", path);
        return MQTLS_ERR_INVALID_ARG;
    }
    char why[200];
    why[0] = '\0';
    int32_t rc = f(u, path, dir, each, ctx, why, sizeof why);
    if (rc == MQTLS_ERR_INVALID_ARG && why[0] != '\0') {
        mqtls__tls_detail(t, "%s", why);
    }
    return rc;
}

/* ---- IP literals (RFC 4291 §2.2 text forms, dotted-quad IPv4) ---------------------- */

/* One decimal IPv4 part, 0..255, no leading zero (as inet_pton). */
static const char *ip4_part(const char *p, uint8_t *out)
{
    unsigned v = 0;
    const char *start = p;
    while (*p >= '0' && *p <= '9' && p - start < 3) {
        v = v * 10u + (unsigned)(*p++ - '0');
    }
    if (p == start || v > 255u || (p - start > 1 && *start == '0') || (*p >= '0' && *p <= '9')) {
        return NULL;
    }
    *out = (uint8_t)v;
    return p;
}

static bool parse_ip4(const char *p, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        p = ip4_part(p, &out[i]);
        if (p == NULL || *p != (i < 3 ? '.' : '\0')) {
            return false;
        }
        p += i < 3 ? 1 : 0;
    }
    return true;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static bool parse_ip6(const char *p, uint8_t out[16])
{
    uint8_t b[16] = { 0 };
    int n = 0, gap = -1;
    if (p[0] == ':' && p[1] == ':') {
        gap = 0;
        p += 2;
    } else if (p[0] == ':') {
        return false;
    }
    while (*p != '\0' && n < 16) {
        int len = 0;
        unsigned v = 0;
        while (len < 4 && hexval(p[len]) >= 0) {
            v = (v << 4) | (unsigned)hexval(p[len]);
            len++;
        }
        if (p[len] == '.' && n <= 12) { /* a trailing dotted quad: the last 32 bits */
            if (!parse_ip4(p, b + n)) {
                return false;
            }
            n += 4;
            p += strlen(p);
            break;
        }
        if (len == 0 || hexval(p[len]) >= 0) {
            return false;
        }
        b[n++] = (uint8_t)(v >> 8);
        b[n++] = (uint8_t)v;
        p += len;
        if (*p == '\0') {
            break;
        }
        if (*p != ':') {
            return false;
        }
        p++;
        if (*p == ':') {
            if (gap >= 0) {
                return false;
            }
            gap = n;
            p++;
        } else if (*p == '\0') {
            return false; /* a trailing single ':' */
        }
    }
    if (*p != '\0' || (gap < 0 && n != 16) || (gap >= 0 && n > 14)) {
        return false;
    }
    if (gap >= 0) {
        int tail = n - gap;
        memmove(b + 16 - tail, b + gap, (size_t)tail);
        memset(b + gap, 0, (size_t)(16 - n));
    }
    memcpy(out, b, 16);
    return true;
}

size_t mqtls__tls_parse_ip(const char *s, uint8_t out[16])
{
    if (parse_ip4(s, out)) {
        return 4;
    }
    return strchr(s, ':') != NULL && parse_ip6(s, out) ? 16u : 0u;
}

/* ---- helpers for the engines ---------------------------------------------------- */

void mqtls__tls_detail(mqtls_tls_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->report->detail, sizeof t->report->detail, fmt, ap);
    va_end(ap);
}

mqtls_tls_format_t mqtls__tls_detect_format(const uint8_t *buf, size_t len)
{
    static const char tag[] = "-----BEGIN ";
    for (size_t i = 0; len >= sizeof tag - 1 && i <= len - (sizeof tag - 1); i++) {
        if (memcmp(buf + i, tag, sizeof tag - 1) == 0) {
            return MQTLS_TLS_FORMAT_PEM;
        }
    }
    return len > 0 && buf[0] == 0x30 ? MQTLS_TLS_FORMAT_DER : MQTLS_TLS_FORMAT_AUTO;
}

int32_t mqtls__tls_check_format(mqtls_tls_t *t, const char *what, uint8_t declared, const uint8_t *buf,
                                size_t len)
{
    mqtls_tls_format_t found = mqtls__tls_detect_format(buf, len);
    if (declared == MQTLS_TLS_FORMAT_AUTO || found == MQTLS_TLS_FORMAT_AUTO || found == declared) {
        return MQTLS_OK;
    }
    mqtls__tls_detail(t, "%s is %s, but %s was declared", what, found == MQTLS_TLS_FORMAT_PEM ? "PEM" : "DER",
                      declared == MQTLS_TLS_FORMAT_PEM ? "PEM" : "DER");
    return MQTLS_ERR_TLS_CA_FORMAT;
}

bool mqtls__tls_next_cipher(const char **list, char *buf, size_t len)
{
    const char *p = *list;
    while (*p == ':' || *p == ',' || *p == ' ') {
        p++;
    }
    if (*p == '\0' || len == 0) {
        return false;
    }
    size_t n = 0;
    while (*p != '\0' && *p != ':' && *p != ',' && *p != ' ') {
        if (n + 1 < len) {
            buf[n++] = *p == '-' ? '_' : *p;
        }
        p++;
    }
    buf[n] = '\0';
    *list = p;
    return true;
}

size_t mqtls__tls_count_ciphers(const char *list)
{
    char name[128];
    size_t n = 0;
    while (mqtls__tls_next_cipher(&list, name, sizeof name)) {
        n++;
    }
    return n;
}

int32_t mqtls__tls_lower_send(mqtls_tls_t *t, const uint8_t *buf, size_t len)
{
    int32_t n = t->lower.send(t->lower.ctx, buf, len);
    if (n < 0) {
        t->lower_error = n;
    }
    return n;
}

int32_t mqtls__tls_lower_recv(mqtls_tls_t *t, uint8_t *buf, size_t len)
{
    int32_t n = t->lower.recv(t->lower.ctx, buf, len);
    if (n < 0) {
        t->lower_error = n;
    }
    return n;
}

/* ---- session ------------------------------------------------------------------ */

/* The ALPN list (RFC 7301 §3.1: names of 1 to 255 bytes, a list of at most
 * 65535 bytes on the wire) and the cipher list, before any engine sees them. */
static int32_t check_lists(mqtls_tls_t *t)
{
    size_t total = 0;
    for (const char *const *a = t->cfg.alpn; a != NULL && *a != NULL; a++) {
        size_t n = strlen(*a);
        if (n == 0u || n > 255u) {
            mqtls__tls_detail(t, "ALPN protocol '%s' must be 1 to 255 bytes long (RFC 7301 §3.1)", *a);
            return MQTLS_ERR_TLS_BAD_CONFIG;
        }
        total += 1u + n;
    }
    if (total > 65535u) {
        mqtls__tls_detail(t, "the ALPN list is longer than 65535 bytes (RFC 7301 §3.1)");
        return MQTLS_ERR_TLS_BAD_CONFIG;
    }
    if (t->cfg.ciphers != NULL && mqtls__tls_count_ciphers(t->cfg.ciphers) == 0u) {
        mqtls__tls_detail(t, "the cipher suite list is empty");
        return MQTLS_ERR_TLS_BAD_CIPHER;
    }
    return MQTLS_OK;
}

int32_t mqtls_tls_new(mqtls_tls_t **out, mqtls_tls_engine_t engine, const mqtls_tls_config_t *cfg,
                      mqtls_tls_report_t *report)
{
    if (out == NULL || cfg == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (report != NULL) {
        memset(report, 0, sizeof(*report));
        report->alert_received = -1;
        report->alert_sent = -1;
    }
    const struct mqtls__tls_ops *ops = engine_ops(engine);
    if (ops == NULL) {
        if (report != NULL) {
            snprintf(report->detail, sizeof report->detail, "engine %d is not compiled in", (int)engine);
        }
        return MQTLS_ERR_TLS_ENGINE_UNAVAILABLE;
    }
    mqtls_tls_t *t = calloc(1, sizeof(*t));
    if (t == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    t->ops = ops;
    t->cfg = *cfg;
    t->port = mqtls_tls_port_hooks();
    t->report = report != NULL ? report : &t->own_report;
    if (report == NULL) {
        t->own_report.alert_received = -1;
        t->own_report.alert_sent = -1;
    }
    t->report->engine = ops->name;
    t->report->cert_sent = cfg->cert_file != NULL || cfg->cert_data != NULL;
    int32_t rc = MQTLS_OK;
    if (t->report->cert_sent != (cfg->key_file != NULL || cfg->key_data != NULL)) {
        mqtls__tls_detail(t, "a client certificate needs its private key, and a key needs its certificate");
        rc = MQTLS_ERR_TLS_BAD_CONFIG;
    } else if (!cfg->no_verify && cfg->ca_file == NULL && cfg->ca_path == NULL && cfg->ca_data == NULL) {
        mqtls__tls_detail(t, "no CA given: set a CA file or directory (verification cannot be skipped silently)");
        rc = MQTLS_ERR_TLS_BAD_CONFIG;
    } else if ((cfg->min_version != 0 && cfg->min_version < MQTLS_TLS_V1_2) ||
               (cfg->max_version != 0 && cfg->max_version < MQTLS_TLS_V1_2)) {
        mqtls__tls_detail(t, "TLS versions below 1.2 are not offered (deprecated by RFC 8996)");
        rc = MQTLS_ERR_TLS_BAD_CONFIG;
    } else if (cfg->min_version != 0 && cfg->max_version != 0 && cfg->min_version > cfg->max_version) {
        mqtls__tls_detail(t, "minimum TLS version above the maximum");
        rc = MQTLS_ERR_TLS_BAD_CONFIG;
    } else if ((rc = check_lists(t)) == MQTLS_OK) {
        rc = ops->setup(t);
    }
    if (rc < 0) {
        ops->destroy(t);
        free(t);
        return rc;
    }
    *out = t;
    return MQTLS_OK;
}

/* ---- session resumption --------------------------------------------------------- */

/* What mqtls_tls_session_save() hands out: the engine's session, with what
 * it may be offered to. */
struct mqtls_tls_session {
    const struct mqtls__tls_ops *ops; /* the engine that made it */
    char host[256];                   /* the name it was verified for */
    void *impl;                       /* the engine's saved session */
};

/* After the engine's start: the saved session goes only to the engine and
 * the name it was made for. A session verified for one name would make a
 * handshake with another name skip the check that it names the server. */
static int32_t offer_session(mqtls_tls_t *t)
{
    if (t->ops->offer == NULL) {
        return MQTLS_OK;
    }
    const mqtls_tls_session_t *s = t->cfg.resume;
    bool fits = s != NULL && s->ops == t->ops && strcmp(s->host, t->host) == 0;
    t->offered = t->ops->offer(t, fits ? s->impl : NULL) == 1;
    return MQTLS_OK;
}

int32_t mqtls_tls_session_save(const mqtls_tls_t *t, mqtls_tls_session_t **out)
{
    if (out == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    *out = NULL;
    if (t == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (!t->established) {
        return MQTLS_ERR_NOT_CONNECTED;
    }
    if (t->ops->save == NULL) {
        return MQTLS_ERR_TLS_NO_SESSION;
    }
    mqtls_tls_session_t *s = calloc(1, sizeof(*s));
    if (s == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    int32_t rc = t->ops->save(t, &s->impl);
    if (rc < 0) {
        free(s);
        return rc;
    }
    s->ops = t->ops;
    memcpy(s->host, t->host, sizeof s->host);
    *out = s;
    return MQTLS_OK;
}

void mqtls_tls_session_free(mqtls_tls_session_t *s)
{
    if (s != NULL) {
        s->ops->free_session(s->impl);
        free(s);
    }
}

/* The common part of a handshake's start: check, copy, forget the last one. */
static int32_t handshake_prepare(mqtls_tls_t *t, const mqtls_transport_t *lower, const char *host)
{
    if (t == NULL || lower == NULL || lower->send == NULL || lower->recv == NULL || host == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    t->lower = *lower;
    t->lower_error = 0;
    t->rx_error = 0;
    /* What a previous handshake on this session found is not this one's. */
    mqtls_tls_report_t *r = t->report;
    r->version[0] = r->cipher[0] = r->alpn[0] = r->detail[0] = '\0';
    r->verify_flags = 0;
    r->alert_received = r->alert_sent = -1;
    r->cert_requested = false;
    r->resumed = false;
    r->chain_len = 0;
    r->engine_error = 0;
    t->offered = false;
    const char *name = t->cfg.server_name != NULL ? t->cfg.server_name : host;
    snprintf(t->host, sizeof t->host, "%s", name);
    uint8_t ip[16];
    t->host_is_ip = mqtls__tls_parse_ip(t->host, ip) != 0u;
    return MQTLS_OK;
}

int32_t mqtls_tls_handshake_start(mqtls_tls_t *t, const mqtls_transport_t *lower, const char *host)
{
    int32_t rc = handshake_prepare(t, lower, host);
    if (rc == MQTLS_OK) {
        rc = t->ops->start(t);
    }
    return rc < 0 ? rc : offer_session(t);
}

int32_t mqtls_tls_handshake_step(mqtls_tls_t *t)
{
    if (t == NULL || t->lower.send == NULL) {
        return MQTLS_ERR_INVALID_ARG; /* no mqtls_tls_handshake_start() */
    }
    int32_t rc = t->ops->handshake(t);
    if (rc == MQTLS_OK) {
        t->established = true;
        t->report->resumed = t->offered && t->ops->resumed(t);
    }
    return rc;
}

int32_t mqtls_tls_handshake(mqtls_tls_t *t, const mqtls_transport_t *lower, const char *host, uint32_t timeout_ms)
{
    int32_t rc = handshake_prepare(t, lower, host);
    if (rc < 0) {
        return rc;
    }
    if (!mqtls__tls_have_clock(t)) {
        mqtls__tls_detail(t, "no clock for the handshake deadline: set cfg.hooks.now_ms");
        return MQTLS_ERR_TLS_BAD_CONFIG;
    }
    rc = t->ops->start(t);
    if (rc < 0) {
        return rc;
    }
    (void)offer_session(t);
    uint32_t limit = t->cfg.handshake_timeout_ms != 0u ? t->cfg.handshake_timeout_ms : timeout_ms;
    uint32_t start = mqtls__tls_now_ms(t);
    for (;;) {
        rc = mqtls_tls_handshake_step(t);
        if (rc != MQTLS_ERR_WANT_READ && rc != MQTLS_ERR_WANT_WRITE) {
            return rc;
        }
        uint32_t spent = mqtls__tls_now_ms(t) - start;
        if (spent >= limit) {
            mqtls__tls_detail(t, "no handshake after %u ms", (unsigned)limit);
            return MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT;
        }
        if (t->lower.wait != NULL) {
            uint32_t ev = rc == MQTLS_ERR_WANT_READ ? MQTLS_WAIT_READ : MQTLS_WAIT_WRITE;
            int32_t w = t->lower.wait(t->lower.ctx, ev, limit - spent);
            if (w < 0) {
                return w;
            }
        }
    }
}

static int32_t tls_send(void *ctx, const uint8_t *buf, size_t len)
{
    mqtls_tls_t *t = ctx;
    return t->established ? t->ops->send(t, buf, len) : MQTLS_ERR_NOT_CONNECTED;
}

/*
 * An engine returns at most one record a call. Go on until buf is full or
 * the engine has nothing more, so that a short count means what it means
 * for TCP: nothing more now (the client then waits before it reads again,
 * instead of a wait per record). An error after some bytes is kept for the
 * next call, so the bytes before it are not lost.
 */
static int32_t tls_recv(void *ctx, uint8_t *buf, size_t len)
{
    mqtls_tls_t *t = ctx;
    if (!t->established) {
        return MQTLS_ERR_NOT_CONNECTED;
    }
    if (t->rx_error != 0) {
        int32_t err = t->rx_error;
        t->rx_error = 0;
        return err;
    }
    size_t got = 0;
    len = len > (size_t)INT32_MAX ? (size_t)INT32_MAX : len;
    while (got < len) {
        int32_t n = t->ops->recv(t, buf + got, len - got);
        if (n <= 0) {
            if (got == 0u) {
                return n;
            }
            t->rx_error = n < 0 ? n : 0;
            break;
        }
        got += (size_t)n;
    }
    return (int32_t)got;
}

static int32_t tls_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    mqtls_tls_t *t = ctx;
    /* Decrypted bytes already buffered, and an error kept for the next
     * recv, are invisible to the socket. */
    if ((events & MQTLS_WAIT_READ) && (t->ops->pending(t) > 0u || t->rx_error != 0)) {
        return 1;
    }
    if (t->lower.wait == NULL) {
        return 1;
    }
    return t->lower.wait(t->lower.ctx, events, timeout_ms);
}

static void tls_close(void *ctx)
{
    mqtls_tls_t *t = ctx;
    if (t->established) {
        t->ops->shutdown(t);
        t->established = false;
    }
    if (t->lower.close != NULL) {
        t->lower.close(t->lower.ctx);
    }
}

void mqtls_tls_transport(mqtls_tls_t *t, mqtls_transport_t *out)
{
    if (out == NULL) {
        return;
    }
    out->ctx = t;
    out->send = tls_send;
    out->recv = tls_recv;
    out->wait = tls_wait;
    out->close = tls_close;
}

const mqtls_tls_report_t *mqtls_tls_get_report(const mqtls_tls_t *t)
{
    return t == NULL ? NULL : t->report;
}

void mqtls_tls_free(mqtls_tls_t *t)
{
    if (t != NULL) {
        t->ops->destroy(t);
        free(t);
    }
}
