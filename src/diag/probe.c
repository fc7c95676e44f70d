/* SPDX-License-Identifier: MIT
 * mqtls: the doctor's probes, in the order a device connects. */
/*
 * see mqtls/diag.h
 *
 * Each step_* function runs one probe, adds its line to the report and
 * returns false when the run must stop. The first failure sets the cause
 * (a catalogue entry) and a hint with what this run found out (the root the
 * server needs, the alert, the version the server accepts); a warning sets
 * the cause only when nothing failed.
 *
 * The failed handshake is the main witness: its error code and report say
 * most of what happened. Where they cannot tell two causes apart, extra
 * probes of the doctor's own do (never a connection given to the user):
 *   - closed or not TLS: a plain MQTT CONNECT -> a CONNACK means a plain port;
 *   - plain CONNECT not answered in MQTT: a TLS handshake -> a TLS port;
 *   - no version/cipher in common: handshakes with default ciphers, then
 *     default versions on the engine with the widest range -> which one;
 *   - unknown CA without a chain in the report: a handshake with
 *     verification off, only to read the chain.
 * Validity against the device's clock is judged here from the chain's dates
 * (the engines judge with the system clock).
 *
 * Rejected: running the steps strictly in the order with one
 * handshake per step. A handshake checks version, chain, name and dates at
 * once; the report of that one handshake is split into the steps instead.
 */
#include <ctype.h>
#include <dirent.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>

#include <arpa/inet.h>

#include "diag_priv.h"
#include "mqtls/client.h"
#include "mqtls/cred.h"
#include "mqtls/explain.h"
#include "mqtls/slcodes.h"
#include "mqtls/tcp.h"

enum { SLOT_KEY = 0, SLOT_CERT = 1, SLOT_CA = 2, SLOT_DH = 3 };
#define MAX_CA 8

typedef struct {
    const mqtls_diag_config_t *cfg;
    mqtls_diag_report_t *r;
    mqtls_tls_config_t tls;       /* the user's TLS settings (from the store with --store) */
    char paths[4][512];           /* store file names, referenced by tls */
    char sl_suites[600];          /* with a store: the device mask's suites, referenced by tls */
    bool cause_is_failure;
    int64_t now;                  /* the device's clock, resolved */
    bool sl_fixed;                /* r->sl_code is final (a file problem) */
    bool tls_done;                /* the handshake with the user's settings completed */
    mqtls_cred_cert_t *ca;        /* the CA file's certificates */
    size_t n_ca;
    char checked_name[256];       /* the name the certificate must carry */
} diag_t;

typedef struct {
    mqtls_tcp_t tcp;
    mqtls_tls_t *tls;
} conn_t;

/* ---- report helpers ------------------------------------------------------------------- */

static mqtls_diag_step_t *step(diag_t *d, const char *name, mqtls_diag_status_t st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

static mqtls_diag_step_t *step(diag_t *d, const char *name, mqtls_diag_status_t st, const char *fmt, ...)
{
    mqtls_diag_report_t *r = d->r;
    /* Never more than 13 steps; a 17th would overwrite the last rather than overflow. */
    mqtls_diag_step_t *s = r->n_steps < MQTLS_DIAG_MAX_STEPS ? &r->steps[r->n_steps++]
                                                             : &r->steps[MQTLS_DIAG_MAX_STEPS - 1];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->detail, sizeof s->detail, fmt, ap);
    va_end(ap);
    if (st == MQTLS_DIAG_FAIL) {
        r->failed = true;
    }
    return s;
}

#define LINE(s, ...) mqtls__diag_cat((s)->detail, sizeof (s)->detail, __VA_ARGS__)
#define HINT(d, ...) mqtls__diag_cat((d)->r->hint, sizeof (d)->r->hint, __VA_ARGS__)

/* The cause of a failure (the first one wins over everything) or of a
 * warning (only while nothing else is known). */
static void cause(diag_t *d, const char *id, int32_t err, bool failure)
{
    const mqtls_diag_cause_t *c = mqtls_diag_cause(id);
    if (c == NULL) {
        c = mqtls_diag_cause("unknown");
    }
    if (failure && !d->cause_is_failure) {
        d->r->cause = c;
        d->r->error = err;
        d->cause_is_failure = true;
    } else if (!failure && d->r->cause == NULL) {
        d->r->cause = c;
    }
}

static void sl_fixed(diag_t *d, int32_t code)
{
    if (!d->sl_fixed) {
        d->r->sl_code = code;
        d->sl_fixed = true;
    }
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap);
    int rc = 0;
    while (b != NULL) {
        if (n == cap) {
            if (cap > (1u << 20)) {
                rc = -1;
                break;
            }
            uint8_t *nb = realloc(b, cap * 2);
            if (nb == NULL) {
                break;
            }
            b = nb;
            cap *= 2;
        }
        size_t k = fread(b + n, 1, cap - n, f);
        n += k;
        if (k == 0) {
            rc = ferror(f) ? -1 : 0;
            break;
        }
    }
    fclose(f);
    if (b == NULL || rc != 0) {
        free(b);
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

static const char *tls_version_name(uint16_t v)
{
    return v == MQTLS_TLS_V1_3 ? "TLS 1.3" : v == MQTLS_TLS_V1_2 ? "TLS 1.2" : "any";
}

static bool host_is_ip(const char *host)
{
    struct in6_addr a6;
    struct in_addr a4;
    return inet_pton(AF_INET, host, &a4) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
}

/* ---- connections ------------------------------------------------------------------------ */

static void conn_close(conn_t *c)
{
    mqtls_tls_free(c->tls);
    c->tls = NULL;
    mqtls_tcp_close(&c->tcp);
}

/* TCP, then a TLS handshake with cfg on engine; rep receives the report.
 * With keep, the session stays open in keep (closed otherwise). */
static int32_t handshake(const diag_t *d, const mqtls_tls_config_t *cfg, mqtls_tls_engine_t engine,
                         mqtls_tls_report_t *rep, conn_t *keep)
{
    /* The session keeps a pointer to the TCP state: it lives in the caller's conn_t. */
    conn_t local;
    conn_t *c = keep != NULL ? keep : &local;
    c->tls = NULL;
    mqtls_tcp_init(&c->tcp);
    memset(rep, 0, sizeof *rep);
    rep->alert_received = -1;
    rep->alert_sent = -1;
    int32_t rc = mqtls_tls_new(&c->tls, engine, cfg, rep);
    if (rc == MQTLS_OK) {
        rc = mqtls_tcp_connect(&c->tcp, d->cfg->host, d->cfg->port, d->cfg->timeout_ms);
    }
    if (rc == MQTLS_OK) {
        mqtls_transport_t tcp;
        mqtls_tcp_transport(&c->tcp, &tcp);
        rc = mqtls_tls_handshake(c->tls, &tcp, d->cfg->host, d->cfg->timeout_ms);
    }
    if (rc != MQTLS_OK || keep == NULL) {
        conn_close(c);
    }
    return rc;
}

/* Did the server take part in TLS (whatever the outcome)? */
static bool spoke_tls(int32_t rc, const mqtls_tls_report_t *rep)
{
    return rc == MQTLS_OK || rep->version[0] != '\0' || rep->chain_len > 0 || rep->cert_requested ||
           (rep->alert_received >= 0 && rc != MQTLS_ERR_TLS_NOT_TLS) || rc == MQTLS_ERR_TLS_CERT_REQUIRED ||
           rc == MQTLS_ERR_TLS_CERT_REJECTED;
}

/* ---- MQTT ------------------------------------------------------------------------------- */

typedef struct {
    mqtls_client_t c;
    uint8_t tx[2048];
    uint8_t rx[4096];
    uint8_t arena[4096];
    mqtls_inflight_t out[4];
    uint16_t in_ids[4];
    mqtls_memstore_t ms;
    mqtls_store_t store;
    const char *topic;
    char payload[80];
    bool got;
} mq_t;

static void on_message(void *user, const mqtls_message_t *m)
{
    mq_t *q = user;
    size_t tl = strlen(q->topic), pl = strlen(q->payload);
    if (m->topic_len == tl && memcmp(m->topic, q->topic, tl) == 0 && m->payload_len == pl &&
        memcmp(m->payload, q->payload, pl) == 0) {
        q->got = true;
    }
}

static mq_t *mq_new(void)
{
    mq_t *q = calloc(1, sizeof *q);
    if (q == NULL) {
        return NULL;
    }
    mqtls_memstore_init(&q->ms, q->arena, sizeof q->arena, &q->store);
    mqtls_client_config_t cc;
    memset(&cc, 0, sizeof cc);
    cc.tx_buf = q->tx;
    cc.tx_len = sizeof q->tx;
    cc.rx_buf = q->rx;
    cc.rx_len = sizeof q->rx;
    cc.outbound = q->out;
    cc.outbound_count = 4;
    cc.inbound_ids = q->in_ids;
    cc.inbound_count = 4;
    cc.store = &q->store;
    cc.now_ms = mqtls_posix_now_ms;
    cc.on_message = on_message;
    cc.user = q;
    if (mqtls_client_init(&q->c, &cc) != MQTLS_OK) {
        free(q);
        return NULL;
    }
    return q;
}

static int32_t mqtt_connect(const diag_t *d, mq_t *q, const mqtls_transport_t *t)
{
    const mqtls_diag_config_t *cfg = d->cfg;
    mqtls_connect_t m;
    memset(&m, 0, sizeof m);
    m.protocol_version = cfg->protocol_version;
    m.clean_session = true;
    m.keepalive_s = cfg->keepalive_s;
    m.client_id = cfg->client_id;
    m.client_id_len = strlen(cfg->client_id);
    if (cfg->username != NULL) {
        m.username = cfg->username;
        m.username_len = strlen(cfg->username);
    }
    if (cfg->password != NULL) {
        m.password = (const uint8_t *)cfg->password;
        m.password_len = strlen(cfg->password);
    }
    return mqtls_client_connect(&q->c, t, &m, NULL, cfg->timeout_ms);
}

/* A plain MQTT CONNECT on a fresh TCP connection: does this port speak MQTT? */
static int32_t plain_probe(const diag_t *d)
{
    mq_t *q = mq_new();
    if (q == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    mqtls_tcp_t tcp;
    mqtls_tcp_init(&tcp);
    int32_t rc = mqtls_tcp_connect(&tcp, d->cfg->host, d->cfg->port, d->cfg->timeout_ms);
    if (rc == MQTLS_OK) {
        mqtls_transport_t t;
        mqtls_tcp_transport(&tcp, &t);
        rc = mqtt_connect(d, q, &t);
        if (rc == MQTLS_OK || rc == MQTLS_ERR_REFUSED_V5 ||
            (rc <= MQTLS_ERR_REFUSED_PROTOCOL_VERSION && rc >= MQTLS_ERR_REFUSED_NOT_AUTHORIZED)) {
            if (rc == MQTLS_OK) {
                mqtls_client_disconnect(&q->c, NULL);
            }
            rc = MQTLS_OK; /* a CONNACK came back, accepting or not */
        }
    }
    mqtls_tcp_close(&tcp);
    free(q);
    return rc;
}

/* ---- the CA file and the system trust store --------------------------------------------- */

/* Read and inspect the CA file (if it is a file); remembers its certificates. */
static void load_ca(diag_t *d, const char *path, mqtls_cred_info_t *info, int32_t *err)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    *err = MQTLS_OK;
    memset(info, 0, sizeof *info);
    if (read_file(path, &buf, &len) != 0) {
        *err = MQTLS_ERR_CRED_IO;
        return;
    }
    mqtls_cred_detect(buf, len, info);
    d->ca = calloc(MAX_CA, sizeof *d->ca);
    if (d->ca == NULL) {
        *err = MQTLS_ERR_NO_MEMORY;
    } else {
        char why[200];
        size_t n = 0;
        *err = mqtls_cred_inspect(buf, len, d->ca, MAX_CA, &n, why, sizeof why);
        d->n_ca = *err == MQTLS_OK ? (n < MAX_CA ? n : MAX_CA) : 0;
    }
    free(buf);
}

static bool has_ext(const char *name, const char *ext)
{
    size_t n = strlen(name), e = strlen(ext);
    return n > e && strcmp(name + n - e, ext) == 0;
}

/* "5ad8a5d6.0": an OpenSSL hash link, which names a file also listed under its own name. */
static bool is_hash_link(const char *name)
{
    size_t i = 0;
    for (; i < 8; i++) {
        char c = name[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
            return false;
        }
    }
    if (name[i++] != '.' || name[i] == '\0') {
        return false;
    }
    for (; name[i] != '\0'; i++) {
        if (name[i] < '0' || name[i] > '9') {
            return false;
        }
    }
    return true;
}

/* A certificate in dir whose subject is `dn`, preferring .pem and .crt names over hash links. */
static bool search_system(const char *dir, const char *dn, char *found, size_t len)
{
    DIR *dp = opendir(dir);
    bool hit = false;
    if (dp == NULL) {
        return false;
    }
    mqtls_cred_cert_t *c = malloc(sizeof *c);
    for (struct dirent *de; c != NULL && (de = readdir(dp)) != NULL;) {
        if (de->d_name[0] == '.' || is_hash_link(de->d_name) ||
            (hit && !has_ext(de->d_name, ".pem") && !has_ext(de->d_name, ".crt"))) {
            continue;
        }
        char path[1024];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > 65536) {
            continue;
        }
        uint8_t *buf = NULL;
        size_t n = 0, blen = 0;
        if (read_file(path, &buf, &blen) != 0) {
            continue;
        }
        if (mqtls_cred_inspect(buf, blen, c, 1, &n, NULL, 0) == MQTLS_OK && n == 1 &&
            mqtls__diag_same_dn(c->subject, dn)) {
            snprintf(found, len, "%s", path);
            hit = true;
            if (has_ext(de->d_name, ".pem") || has_ext(de->d_name, ".crt")) {
                free(buf);
                break;
            }
        }
        free(buf);
    }
    free(c);
    closedir(dp);
    return hit;
}

/* ---- steps: reaching the server --------------------------------------------------------- */

static bool step_resolve(diag_t *d)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(d->cfg->host, NULL, &hints, &res);
    if (g != 0) {
        mqtls_diag_step_t *s = step(d, "resolve", MQTLS_DIAG_FAIL, "'%s' does not resolve: %s", d->cfg->host,
                                    gai_strerror(g));
        cause(d, "dns-failure", MQTLS_ERR_DNS, true);
        if (d->cfg->store_dir != NULL) {
            /* The device fails before any socket: no TLS prediction, the DNS call's code. */
            sl_fixed(d, mqtls_sl_code(MQTLS_ERR_DNS, NULL));
            LINE(s, "\na CC3200 fails the same way in sl_NetAppDnsGetHostByName (%d %s) and never reaches "
                    "sl_Connect: no TLS result to predict", (int)d->r->sl_code, mqtls_sl_code_name(d->r->sl_code));
        }
        return false;
    }
    mqtls_diag_step_t *s = step(d, "resolve", MQTLS_DIAG_PASS, "%s ->", d->cfg->host);
    int shown = 0;
    char seen[256] = "";
    for (struct addrinfo *a = res; a != NULL && shown < 4; a = a->ai_next) {
        char txt[INET6_ADDRSTRLEN] = "";
        const void *p = a->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)a->ai_addr)->sin_addr
                                                : (const void *)&((struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
        if (inet_ntop(a->ai_family, p, txt, sizeof txt) != NULL && strstr(seen, txt) == NULL) {
            LINE(s, " %s", txt);
            mqtls__diag_cat(seen, sizeof seen, " %s ", txt);
            shown++;
        }
    }
    freeaddrinfo(res);
    return true;
}

static bool step_tcp(diag_t *d)
{
    mqtls_tcp_t tcp;
    mqtls_tcp_init(&tcp);
    uint32_t t0 = mqtls_posix_now_ms(NULL);
    int32_t rc = mqtls_tcp_connect(&tcp, d->cfg->host, d->cfg->port, d->cfg->timeout_ms);
    uint32_t ms = mqtls_posix_now_ms(NULL) - t0;
    mqtls_tcp_close(&tcp);
    if (rc == MQTLS_OK) {
        step(d, "tcp", MQTLS_DIAG_PASS, "connected to port %u in %u ms", (unsigned)d->cfg->port, (unsigned)ms);
        return true;
    }
    step(d, "tcp", MQTLS_DIAG_FAIL, "port %u: %s", (unsigned)d->cfg->port, mqtls_strerror(rc));
    const mqtls_diag_cause_t *c = mqtls_diag_classify(rc, NULL, NULL);
    cause(d, c->id, rc, true);
    if (d->cfg->store_dir != NULL) {
        sl_fixed(d, mqtls_sl_code(rc, NULL));
    }
    return false;
}

static void step_alpn(diag_t *d)
{
    const char *const *alpn = d->tls.alpn;
    if (mqtls_diag_alpn_missing(d->cfg->port, alpn)) {
        step(d, "alpn", MQTLS_DIAG_WARN, "port 443 without ALPN: AWS IoT serves MQTT on 443 only with ALPN "
                                         "x-amzn-mqtt-ca (--alpn x-amzn-mqtt-ca)");
        cause(d, "alpn-missing-443", MQTLS_OK, false);
    } else if (alpn != NULL && alpn[0] != NULL) {
        step(d, "alpn", MQTLS_DIAG_PASS, "offering ALPN %s", alpn[0]);
    }
}

/* ---- steps: our files ------------------------------------------------------------------- */

/* What is wrong with a stored file for its slot, as a device judges it (DER, one certificate). */
static const char *store_slot_cause(int slot, const char *path)
{
    static const char *const bad[4] = { "key-file-bad", "cert-file-bad", "ca-file-bad", "dh-file-bad" };
    uint8_t *buf = NULL;
    size_t len = 0;
    mqtls_cred_info_t info;
    if (read_file(path, &buf, &len) != 0) {
        return bad[slot];
    }
    mqtls_cred_detect(buf, len, &info);
    mqtls_cred_cert_t *c = calloc(1, sizeof *c);
    size_t n = 0;
    const char *id = NULL;
    bool cert = info.kind == MQTLS_CRED_CERT || info.kind == MQTLS_CRED_CERT_CHAIN;
    if (c != NULL && cert) {
        mqtls_cred_inspect(buf, len, c, 1, &n, NULL, 0);
    }
    if (slot == SLOT_CA) {
        if (info.kind == MQTLS_CRED_GARBAGE && info.count > 1u) {
            id = "ca-not-single"; /* DER certificates back to back */
        } else if (!cert || c == NULL) {
            id = "ca-file-bad";
        } else if (info.kind == MQTLS_CRED_CERT_CHAIN || info.count > 1) {
            id = "ca-not-single";
        } else if (info.encoding == MQTLS_TLS_FORMAT_PEM) {
            id = "ca-not-der";
        } else if (!c->is_ca) {
            id = "ca-file-bad";
        }
    } else if (slot == SLOT_CERT) {
        if (!cert || info.kind == MQTLS_CRED_CERT_CHAIN || info.encoding == MQTLS_TLS_FORMAT_PEM || c == NULL ||
            c->is_ca) {
            id = "cert-file-bad";
        }
    } else if (slot == SLOT_DH) {
        if (info.kind != MQTLS_CRED_DH_PARAMS || info.encoding == MQTLS_TLS_FORMAT_PEM) {
            id = "dh-file-bad";
        }
    } else if (slot == SLOT_KEY) {
        bool key = info.kind == MQTLS_CRED_KEY_PKCS1 || info.kind == MQTLS_CRED_KEY_SEC1 ||
                   info.kind == MQTLS_CRED_KEY_PKCS8;
        if (!key || info.encoding == MQTLS_TLS_FORMAT_PEM) {
            id = "key-file-bad";
        }
    }
    free(c);
    free(buf);
    return id;
}

static bool key_is_pkcs8(const char *path)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    mqtls_cred_info_t info;
    bool yes = read_file(path, &buf, &len) == 0 && mqtls_cred_detect(buf, len, &info) == MQTLS_OK &&
               info.kind == MQTLS_CRED_KEY_PKCS8;
    free(buf);
    return yes;
}

/* Do the stored key and certificate belong together? (both files already judged usable) */
static bool store_pair_matches(const mqtls_store_check_t *chk, char *why, size_t why_len)
{
    uint8_t *key = NULL, *cert = NULL;
    size_t key_len = 0, cert_len = 0;
    bool ok = true;
    if (read_file(chk->files[SLOT_KEY].path, &key, &key_len) == 0 &&
        read_file(chk->files[SLOT_CERT].path, &cert, &cert_len) == 0) {
        ok = mqtls_cred_match(cert, cert_len, key, key_len, NULL, why, why_len) == MQTLS_OK;
    }
    free(key);
    free(cert);
    return ok;
}

/* The first problem of a checked set that stops a device, as a cause id; *slot is
 * the file's slot when one file is to blame (-1 otherwise). NULL: the files are fine. */
static const char *store_classify(const diag_t *d, const mqtls_store_check_t *chk, int *slot, char *why,
                                  size_t why_len)
{
    const uint16_t *ids = d->cfg->store_ids;
    *slot = -1;
    for (int i = 0; i < 4; i++) {
        /* A file can be "not ok" only for its dates at the device's clock;
         * those are judged on the server's chain later, not here. */
        const char *id = ids[i] != 0 && !chk->files[i].ok ? store_slot_cause(i, chk->files[i].path) : NULL;
        if (id != NULL) {
            *slot = i;
            return id;
        }
    }
    if (ids[SLOT_CA] == 0) {
        return "ca-missing";
    }
    if ((ids[SLOT_KEY] == 0) != (ids[SLOT_CERT] == 0)) {
        return "tls-config";
    }
    if (ids[SLOT_KEY] != 0 && !store_pair_matches(chk, why, why_len)) {
        return "key-mismatch";
    }
    return NULL;
}

/* The mqtls error that stands for a cause found in the files. */
static int32_t store_error(const char *id)
{
    static const struct { const char *id; int32_t err; } map[] = {
        { "ca-not-der", MQTLS_ERR_TLS_CA_FORMAT },       { "ca-not-single", MQTLS_ERR_CRED_NOT_SINGLE },
        { "ca-file-bad", MQTLS_ERR_TLS_BAD_CA_FILE },    { "cert-file-bad", MQTLS_ERR_TLS_BAD_CERT_FILE },
        { "key-file-bad", MQTLS_ERR_TLS_BAD_KEY_FILE },  { "key-mismatch", MQTLS_ERR_TLS_KEY_MISMATCH },
        { "dh-file-bad", MQTLS_ERR_CRED_BAD_DH },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (strcmp(map[i].id, id) == 0) {
            return map[i].err;
        }
    }
    return MQTLS_ERR_TLS_BAD_CONFIG;
}

static bool step_store(diag_t *d)
{
    static const int32_t slot_sl[4] = { MQTLS_SL_ESECBADPRIVATEFILE, MQTLS_SL_ESECBADCERTFILE, MQTLS_SL_ESECBADCAFILE,
                                        MQTLS_SL_ESECBADDHFILE };
    const mqtls_diag_config_t *cfg = d->cfg;
    mqtls_store_check_t *chk = calloc(1, sizeof *chk);
    if (chk == NULL) {
        cause(d, "unknown", MQTLS_ERR_NO_MEMORY, true);
        return false;
    }
    char why[300] = "";
    int32_t rc = mqtls_store_check(cfg->store_dir, cfg->store_ids, d->now, chk);
    int slot = -1;
    const char *id = rc == MQTLS_ERR_STORE_BAD_NAME ? "tls-config" : store_classify(d, chk, &slot, why, sizeof why);
    mqtls_diag_step_t *s = step(d, "files", id != NULL ? MQTLS_DIAG_FAIL : MQTLS_DIAG_PASS,
                                "store %s, files %u,%u,%u,%u (key, cert, CA, DH):", cfg->store_dir, cfg->store_ids[0],
                                cfg->store_ids[1], cfg->store_ids[2], cfg->store_ids[3]);
    if (id == NULL) {
        LINE(s, " every file is DER and fits its slot");
    }
    for (size_t i = 0; i < chk->n_problems && i < MQTLS_STORE_MAX_PROBLEMS; i++) {
        LINE(s, "\n%s %s", id != NULL ? "problem:" : "note (dates are judged on the server's chain below):",
             chk->problems[i]);
    }
    for (size_t i = 0; i < chk->n_notes && i < 4; i++) {
        LINE(s, "\nnote: %s", chk->notes[i]);
    }
    bool pkcs8 = id == NULL && cfg->store_ids[SLOT_KEY] != 0 && key_is_pkcs8(chk->files[SLOT_KEY].path);
    free(chk);
    if (pkcs8) {
        s->status = MQTLS_DIAG_WARN;
        LINE(s, "\nwarning: the key is %s", mqtls_sl_pkcs8_note());
        cause(d, "key-pkcs8", MQTLS_OK, false);
    }
    if (id != NULL) {
        int32_t err = store_error(id);
        cause(d, id, err, true);
        if (why[0] != '\0') {
            HINT(d, "%s.", why);
        }
        if (slot >= 0) {
            sl_fixed(d, slot_sl[slot]);
            HINT(d, "%sA CC3200 loading these files returns %d %s.", why[0] != '\0' ? " " : "", (int)slot_sl[slot],
                 mqtls_sl_code_name(slot_sl[slot]));
        } else {
            sl_fixed(d, strcmp(id, "ca-missing") == 0 ? MQTLS_SL_ESECSNOVERIFY : mqtls_sl_code(err, NULL));
        }
        return false;
    }
    rc = mqtls_store_tls_config(cfg->store_dir, cfg->store_ids, d->paths, &d->tls);
    if (rc != MQTLS_OK) {
        LINE(s, "\ncannot use the store: %s", mqtls_strerror(rc));
        s->status = MQTLS_DIAG_FAIL;
        d->r->failed = true;
        cause(d, "tls-config", rc, true);
        return false;
    }
    /* Offer what a CC3200 offers: TLS 1.2 and the suites of its mask (that
     * this engine has), unless the user chose versions or ciphers. */
    if (d->tls.max_version == 0) {
        d->tls.max_version = MQTLS_TLS_V1_2;
    }
    if (d->tls.ciphers == NULL) {
        uint32_t mask = (cfg->sl_mask != 0u ? cfg->sl_mask : MQTLS_SL_MASK_DEFAULT) & MQTLS_SL_MASK_DEFAULT;
        uint32_t lacking = mqtls_sl_suites_lacking(cfg->engine, mask);
        if (mqtls_sl_suites(mask & ~lacking, d->sl_suites, sizeof d->sl_suites) == 0u) {
            LINE(s, "\nthe secure mask 0x%03lx leaves no cipher suite this engine has", (unsigned long)mask);
            s->status = MQTLS_DIAG_FAIL;
            d->r->failed = true;
            cause(d, "no-common-cipher", MQTLS_ERR_TLS_NO_SHARED_CIPHER, true);
            sl_fixed(d, MQTLS_SL_ESEC_UNSUPPORTED_SUITE);
            return false;
        }
        d->tls.ciphers = d->sl_suites;
        LINE(s, "\nthe device offers TLS 1.2 with the suites of mask 0x%03lx%s", (unsigned long)mask,
             lacking != 0u ? " (less those this engine lacks)" : "");
    }
    return true;
}

/* Without a store: the CA file, our certificate and key, loaded as the TLS engine will. */
static bool step_files(diag_t *d)
{
    const mqtls_tls_config_t *t = &d->tls;
    mqtls_diag_step_t *s = step(d, "files", MQTLS_DIAG_PASS, "%s", "");
    if (t->ca_file == NULL && t->ca_path == NULL && t->ca_data == NULL) {
        s->status = MQTLS_DIAG_FAIL;
        d->r->failed = true;
        LINE(s, "no CA file (--cafile): the broker's identity cannot be verified");
        cause(d, "ca-missing", MQTLS_ERR_TLS_BAD_CONFIG, true);
        return false;
    }
    if (t->ca_file != NULL) {
        mqtls_cred_info_t info;
        int32_t err;
        load_ca(d, t->ca_file, &info, &err);
        if (err == MQTLS_OK) {
            LINE(s, "CA file %s: %s", t->ca_file, info.what);
            for (size_t i = 0; i < d->n_ca; i++) {
                LINE(s, "\n  %s (%s), valid until %s", d->ca[i].subject,
                     d->ca[i].self_signed ? "root" : d->ca[i].is_ca ? "intermediate" : "not a CA", d->ca[i].not_after);
            }
        }
    } else if (t->ca_path != NULL) {
        LINE(s, "CA directory %s", t->ca_path);
    }
    mqtls_tls_report_t rep;
    memset(&rep, 0, sizeof rep);
    mqtls_tls_t *tls = NULL;
    int32_t rc = mqtls_tls_new(&tls, d->cfg->engine, t, &rep);
    mqtls_tls_free(tls);
    if (rc != MQTLS_OK) {
        s->status = MQTLS_DIAG_FAIL;
        d->r->failed = true;
        LINE(s, "%s%s%s", s->detail[0] != '\0' ? "\n" : "", mqtls_strerror(rc), "");
        if (rep.detail[0] != '\0') {
            LINE(s, " (%s)", rep.detail);
        }
        const mqtls_diag_cause_t *c = mqtls_diag_classify(rc, &rep, NULL);
        if (rc == MQTLS_ERR_TLS_CA_FORMAT && d->ca == NULL) {
            c = mqtls_diag_cause("ca-file-bad");
        }
        cause(d, c->id, rc, true);
        if (rep.detail[0] != '\0') {
            HINT(d, "%s.", rep.detail);
        }
        return false;
    }
    if (t->cert_file != NULL) {
        LINE(s, "%sclient certificate %s and its key %s load, and the key matches the certificate",
             s->detail[0] != '\0' ? "\n" : "", t->cert_file, t->key_file != NULL ? t->key_file : "(none)");
    } else {
        LINE(s, "%sno client certificate given", s->detail[0] != '\0' ? "\n" : "");
    }
    if (d->n_ca > 1) {
        s->status = MQTLS_DIAG_WARN;
        LINE(s, "\nthe CA file holds %zu certificates: fine for this computer, but a device such as the CC3200 "
                "needs exactly one DER certificate", d->n_ca);
        cause(d, "ca-not-single", MQTLS_OK, false);
    }
    return true;
}

/* ---- steps: TLS -------------------------------------------------------------------------- */

static void chain_lines(mqtls_diag_step_t *s, const mqtls_tls_report_t *rep)
{
    size_t n = rep->chain_len < MQTLS_TLS_MAX_CHAIN ? rep->chain_len : MQTLS_TLS_MAX_CHAIN;
    for (size_t i = 0; i < n; i++) {
        const mqtls_tls_cert_info_t *c = &rep->chain[i];
        LINE(s, "\n%zu subject: %s\n  issuer:  %s\n  valid:   %s .. %s\n  key:     %s %u bits, signed with %s", i,
             c->subject, c->issuer, c->not_before, c->not_after, c->key_type, (unsigned)c->key_bits, c->sig_alg);
    }
}

/* The root the chain needs: the issuer of the top certificate sent (itself if self-signed). */
static const char *needed_root(const mqtls_tls_report_t *rep)
{
    size_t n = rep->chain_len < MQTLS_TLS_MAX_CHAIN ? rep->chain_len : MQTLS_TLS_MAX_CHAIN;
    if (n == 0) {
        return NULL;
    }
    const mqtls_tls_cert_info_t *top = &rep->chain[n - 1];
    return top->issuer;
}

static bool step_chain(diag_t *d, const mqtls_tls_report_t *rep, const char *how)
{
    if (rep->chain_len == 0) {
        step(d, "chain", MQTLS_DIAG_SKIP, "the server's chain is not known");
        return false;
    }
    mqtls_diag_step_t *s =
        step(d, "chain", MQTLS_DIAG_PASS, "the server sent %zu certificate(s)%s:", rep->chain_len, how);
    chain_lines(s, rep);
    return true;
}

/* Does this CA file verify the server's chain? A doctor probe (no client
 * certificate, the name not checked: only the anchor matters, and the session
 * is closed at once). A root found by name alone may carry another key. */
static bool root_verifies(const diag_t *d, const char *ca_file)
{
    mqtls_tls_report_t *p = malloc(sizeof *p);
    if (p == NULL) {
        return false;
    }
    mqtls_tls_config_t probe = d->tls;
    probe.ca_file = ca_file;
    probe.ca_path = NULL;
    probe.ca_data = NULL;
    probe.ca_format = MQTLS_TLS_FORMAT_AUTO;
    probe.cert_file = probe.key_file = NULL;
    probe.cert_data = probe.key_data = NULL;
    probe.insecure = true;
    probe.verify_tolerate = MQTLS_TLS_VERIFY_EXPIRED | MQTLS_TLS_VERIFY_NOT_YET_VALID;
    int32_t rc = handshake(d, &probe, d->cfg->engine, p, NULL);
    bool ok = rc != MQTLS_ERR_TLS_UNKNOWN_CA && rc != MQTLS_ERR_TLS_VERIFY_FAILED && rc != MQTLS_ERR_TLS_BAD_CA_FILE &&
              rc != MQTLS_ERR_TLS_CA_FORMAT && !(p->verify_flags & (MQTLS_TLS_VERIFY_NOT_TRUSTED |
                                                                    MQTLS_TLS_VERIFY_BAD_SIGNATURE));
    free(p);
    return ok;
}

/* Where the needed root can be found: the system trust store, checked
 * against the chain's signature before it is recommended. */
static void name_root(diag_t *d, mqtls_diag_step_t *s, const char *need, bool hint)
{
    char cn[160], found[1024];
    const char *dir = d->cfg->system_ca_dir != NULL ? d->cfg->system_ca_dir : MQTLS_DIAG_SYSTEM_CA_DIR;
    mqtls__diag_cn(need, cn, sizeof cn);
    LINE(s, "\nthe server's chain needs the root: %s (the issuer of the top certificate it sends)", need);
    if (hint) {
        HINT(d, "The server's chain needs the root \"%s\".", cn);
    }
    if (!search_system(dir, need, found, sizeof found)) {
        LINE(s, "\nthe system trust store (%s) has no certificate named so", dir);
    } else if (root_verifies(d, found)) {
        LINE(s, "\nthe system trust store has that root: %s (its key verifies the server's chain, checked in a "
                "doctor probe: use it as the CA file)", found);
        if (hint) {
            HINT(d, " The system trust store has it: %s.", found);
        }
    } else {
        LINE(s, "\nthe system trust store has a root of that name, %s, but its key does not verify the server's "
                "chain (checked in a doctor probe): not the root you need; get the one that signed the chain from "
                "the broker's operator", found);
        if (hint) {
            HINT(d, " %s has the right name but another key: do not use it.", found);
        }
    }
}

/* The CA file did not anchor the chain: say what it holds and what is needed. */
static void explain_untrusted(diag_t *d, int32_t rc, const mqtls_tls_report_t *rep)
{
    const char *need = needed_root(rep);
    bool legacy = false;
    mqtls_diag_step_t *s = step(d, "ca", MQTLS_DIAG_FAIL, "the CA file does not anchor the server's chain");
    for (size_t i = 0; i < d->n_ca; i++) {
        LINE(s, "\nthe CA file holds: %s", d->ca[i].subject);
        legacy = legacy || mqtls_diag_is_legacy_root(d->ca[i].subject);
        if (need != NULL && mqtls__diag_same_dn(d->ca[i].subject, need)) {
            LINE(s, " -- the right name, but not the key that signed the chain (a re-issued root?)");
        }
    }
    if (legacy) {
        LINE(s, "\nthat is a legacy root: AWS IoT's ATS endpoints chain to Amazon Root CA 1-4 instead");
    }
    if (need != NULL) {
        name_root(d, s, need, true);
    }
    mqtls_diag_hints_t h = { d->cfg->port, false, false, legacy };
    cause(d, mqtls_diag_classify(rc, rep, &h)->id, rc, true);
}

/* The server closed or did not answer in TLS: is it a plain MQTT port? */
static void explain_not_tls(diag_t *d, mqtls_diag_step_t *s, int32_t rc, const mqtls_tls_report_t *rep)
{
    int32_t prc = plain_probe(d);
    if (prc == MQTLS_OK) {
        LINE(s, "\na plain MQTT CONNECT (doctor probe, no TLS) to the same port got a CONNACK: this is a plain "
                "MQTT port");
        cause(d, "tls-to-plain-port", rc, true);
        return;
    }
    LINE(s, "\na plain MQTT CONNECT (doctor probe) got no CONNACK either (%s)", mqtls_strerror(prc));
    mqtls_diag_hints_t h = { d->cfg->port, d->tls.alpn != NULL && d->tls.alpn[0] != NULL, false, false };
    cause(d, mqtls_diag_classify(rc, rep, &h)->id, rc, true);
}

static bool accepted(int32_t rc, const mqtls_tls_report_t *rep)
{
    return rc == MQTLS_OK || rep->cert_requested || rc == MQTLS_ERR_TLS_CERT_REQUIRED ||
           rc == MQTLS_ERR_TLS_CERT_REJECTED;
}

static uint32_t device_mask(const diag_t *d)
{
    return (d->cfg->sl_mask != 0u ? d->cfg->sl_mask : MQTLS_SL_MASK_DEFAULT) & MQTLS_SL_MASK_DEFAULT;
}

/* No version or no cipher in common: find out which, and what the server takes. */
/* Does a --ciphers list name a TLS 1.3 suite (TLS_AES_..., TLS_CHACHA20_...:
 * an IANA name without _WITH_)? A list of TLS 1.2 suites only is compared
 * with what the server takes in TLS 1.2, not with a TLS 1.3 suite. */
static bool lists_tls13_suite(const char *list)
{
    while (*list != '\0') {
        size_t n = strcspn(list, ":, ");
        char name[96];
        size_t k = n < sizeof name - 1u ? n : sizeof name - 1u;
        for (size_t i = 0; i < k; i++) {
            name[i] = list[i] == '-' ? '_' : (char)toupper((unsigned char)list[i]);
        }
        name[k] = '\0';
        if (strncmp(name, "TLS_", 4) == 0 && strstr(name, "_WITH_") == NULL) {
            return true;
        }
        list += n;
        list += *list != '\0' ? 1 : 0;
    }
    return false;
}

/* The highest version a run on `engine` offers, `max` (0: any) included. */
static uint16_t engine_max_version(mqtls_tls_engine_t engine, uint16_t max)
{
    uint16_t top = mqtls_tls_engine_max_version(engine);
    return max == 0u || max > top ? top : max;
}

/* The engine of this build that offers the most TLS versions, for a probe
 * with the defaults; on a tie the later row of the engine table (today
 * OpenSSL, whose default suite list is also the wider one). */
static mqtls_tls_engine_t widest_engine(mqtls_tls_engine_t configured)
{
    mqtls_tls_engine_t best = configured;
    for (int e = 0; e < (int)MQTLS_TLS_ENGINE_COUNT; e++) {
        uint16_t v = mqtls_tls_engine_max_version((mqtls_tls_engine_t)e);
        if (v != 0u && v >= mqtls_tls_engine_max_version(best)) {
            best = (mqtls_tls_engine_t)e;
        }
    }
    return best;
}

static void explain_negotiation(diag_t *d, mqtls_diag_step_t *s, int32_t rc, const mqtls_tls_report_t *rep)
{
    mqtls_tls_report_t *p = malloc(sizeof *p);
    if (p == NULL) {
        cause(d, mqtls_diag_classify(rc, rep, NULL)->id, rc, true);
        return;
    }
    mqtls_tls_config_t probe = d->tls;
    probe.no_verify = true; /* only the negotiation matters here; nothing is sent over it */
    probe.alpn = d->tls.alpn;
    const char *id = NULL;
    if (d->tls.ciphers != NULL) {
        probe.ciphers = NULL;
        if (!lists_tls13_suite(d->tls.ciphers) && probe.max_version == 0u) {
            probe.max_version = MQTLS_TLS_V1_2;
        }
        int32_t prc = handshake(d, &probe, d->cfg->engine, p, NULL);
        if (accepted(prc, p)) {
            LINE(s, "\nwith this engine's default cipher suites (doctor probe) the server accepts the handshake%s%s",
                 p->cipher[0] != '\0' ? " and chooses " : "", p->cipher);
            if (d->cfg->store_dir != NULL && d->tls.ciphers == d->sl_suites) {
                /* The device's view: the fix is on the server, in the chip's list. */
                HINT(d, "The server accepts %s, which a CC3200 does not have. The device offers (mask 0x%03lx): %s. "
                        "Enable one of these on the server, or widen the mask in the firmware.",
                     p->cipher[0] != '\0' ? p->cipher : "other suites", (unsigned long)device_mask(d), d->sl_suites);
            } else {
                HINT(d, "The server accepts %s; none of --ciphers %s.",
                     p->cipher[0] != '\0' ? p->cipher : "the default suites", d->tls.ciphers);
            }
            id = "no-common-cipher";
        }
    }
    if (id == NULL) {
        probe.ciphers = NULL;
        probe.min_version = MQTLS_TLS_V1_2;
        probe.max_version = 0;
        mqtls_tls_engine_t wide = widest_engine(d->cfg->engine);
        int32_t prc = handshake(d, &probe, wide, p, NULL);
        if (accepted(prc, p)) {
            LINE(s, "\nwith default versions and suites on the %s engine (doctor probe) the server accepts %s%s%s",
                 mqtls_tls_engine_name(wide), p->version[0] != '\0' ? p->version : "the handshake",
                 p->cipher[0] != '\0' ? " with " : "", p->cipher);
            HINT(d, "The server accepts %s; this run allowed %s to %s on the %s engine.",
                 p->version[0] != '\0' ? p->version : "a version the defaults offer",
                 tls_version_name(d->tls.min_version ? d->tls.min_version : MQTLS_TLS_V1_2),
                 tls_version_name(engine_max_version(d->cfg->engine, d->tls.max_version)),
                 mqtls_tls_engine_name(d->cfg->engine));
            if (d->cfg->store_dir != NULL && strcmp(p->version, "TLSv1.3") == 0) {
                HINT(d, " A CC3200 speaks TLS 1.2: allow TLS 1.2 on the broker (on AWS IoT: a security policy with "
                        "TLS 1.2).");
            } else if (mqtls_tls_engine_max_version(d->cfg->engine) < MQTLS_TLS_V1_3 &&
                       strcmp(p->version, "TLSv1.3") == 0) {
                HINT(d, " The %s engine of this build does TLS 1.2 only%s%s.", mqtls_tls_engine_name(d->cfg->engine),
                     wide != d->cfg->engine ? ": use --tls-engine " : "",
                     wide != d->cfg->engine ? mqtls_tls_engine_name(wide) : "");
            }
            id = "no-common-version"; /* the suites were not the obstacle: the first probe kept the versions */
        } else {
            LINE(s, "\neven with default versions and suites (doctor probe) the server refuses: %s",
                 mqtls_strerror(prc));
        }
    }
    free(p);
    cause(d, id != NULL ? id : mqtls_diag_classify(rc, rep, NULL)->id, rc, true);
}

static bool step_validity(diag_t *d);

/* The server's chain after a failed handshake; with an untrusted chain the
 * engine may not have kept it, and a doctor probe with verification off
 * reads it (*seen is then malloc'd; free it). */
static const mqtls_tls_report_t *failed_chain(diag_t *d, bool untrusted, mqtls_tls_report_t **seen)
{
    const mqtls_tls_report_t *rep = &d->r->tls;
    *seen = NULL;
    if (rep->chain_len == 0 && untrusted && (*seen = malloc(sizeof **seen)) != NULL) {
        mqtls_tls_config_t probe = d->tls;
        probe.no_verify = true; /* only to read the chain; this session is closed at once */
        probe.cert_file = NULL;
        probe.key_file = NULL;
        probe.cert_data = NULL;
        probe.key_data = NULL;
        handshake(d, &probe, d->cfg->engine, *seen, NULL);
        step_chain(d, *seen, " (seen in a doctor probe with verification off)");
        return *seen;
    }
    step_chain(d, rep, "");
    return rep;
}

/* The server's certificate was refused here: the name. */
static void hostname_failed(diag_t *d, int32_t rc, const mqtls_diag_hints_t *h)
{
    const mqtls_tls_report_t *rep = &d->r->tls;
    mqtls_diag_step_t *s = step(d, "hostname", MQTLS_DIAG_FAIL, "%s", rep->detail);
    if (rep->chain_len > 0) {
        LINE(s, "\nthe certificate's subject: %s", rep->chain[0].subject);
    }
    if (d->tls.server_name != NULL) {
        LINE(s, "\n'%s' came from --sni (connected to %s)", d->tls.server_name, d->cfg->host);
    }
    cause(d, mqtls_diag_classify(MQTLS_ERR_TLS_HOSTNAME_MISMATCH, rep, h)->id, rc, true);
    HINT(d, "%s.", rep->detail);
}

/* What the broker's alert says about our certificate, with what we know of it:
 * its own dates (judged at this computer's clock, as the broker's is) and its issuer. */
static void hint_rejected(diag_t *d, const mqtls_tls_report_t *rep)
{
    int a = rep->alert_received;
    if (a >= 0) {
        HINT(d, "%sThe broker sent the alert %s (%d)", d->r->hint[0] != '\0' ? " " : "", mqtls_tls_alert_name(a), a);
        switch (a) {
        case 42: HINT(d, ": our certificate is outside its dates, or not registered / inactive (AWS IoT)."); break;
        case 43: HINT(d, ": our certificate's type or purpose is not accepted (a client certificate needs clientAuth)."); break;
        case 44: HINT(d, ": our certificate is revoked."); break;
        case 45: HINT(d, ": our certificate has expired by the broker's clock."); break;
        case 46: HINT(d, ": the broker cannot accept our certificate (on AWS IoT: inactive or revoked)."); break;
        case 48: HINT(d, ": the broker does not trust the CA that issued our certificate."); break;
        default: HINT(d, "."); break;
        }
    }
    char path[512];
    const char *cert = d->tls.cert_file;
    if (cert == NULL) {
        return;
    }
    snprintf(path, sizeof path, "%s", cert);
    uint8_t *buf = NULL;
    size_t len = 0, n = 0;
    mqtls_cred_cert_t *c = calloc(1, sizeof *c);
    if (c != NULL && read_file(path, &buf, &len) == 0 && mqtls_cred_inspect(buf, len, c, 1, &n, NULL, 0) == MQTLS_OK &&
        n >= 1u) {
        int64_t now = (int64_t)time(NULL);
        bool out = now < c->not_before_unix || now > c->not_after_unix;
        HINT(d, " Our certificate (%s, issued by %s) is valid from %s to %s%s", c->subject, c->issuer, c->not_before,
             c->not_after, out ? ": NOT valid at this computer's clock, which is the likely cause." : ".");
    }
    free(buf);
    free(c);
}

/* The broker refused us during the handshake (TLS 1.2: after it checked the
 * server, so name and dates passed on this computer's clock). */
static void client_cert_failed(diag_t *d, int32_t rc)
{
    const mqtls_tls_report_t *rep = &d->r->tls;
    if (rep->chain_len > 0) {
        step(d, "hostname", MQTLS_DIAG_PASS, "the certificate names %s", d->checked_name);
        if (!step_validity(d)) {
            return;
        }
    }
    step(d, "client-cert", MQTLS_DIAG_FAIL, "%s (%s)", mqtls_strerror(rc), rep->detail);
    cause(d, rc == MQTLS_ERR_TLS_CERT_REJECTED ? "client-cert-rejected" : "client-cert-required", rc, true);
    hint_rejected(d, rep);
}

/* The version and suite were agreed, then a certificate stopped the handshake. */
static void certificate_failed(diag_t *d, int32_t rc, const mqtls_diag_hints_t *h)
{
    const mqtls_tls_report_t *rep = &d->r->tls;
    uint32_t flags = rep->verify_flags;
    bool untrusted = rc == MQTLS_ERR_TLS_UNKNOWN_CA || (flags & MQTLS_TLS_VERIFY_NOT_TRUSTED);
    step(d, "tls", MQTLS_DIAG_PASS, "the server and the client agree on a TLS version and cipher suite (%s engine)",
         mqtls_tls_engine_name(d->cfg->engine));
    mqtls_tls_report_t *seen = NULL;
    const mqtls_tls_report_t *chain = failed_chain(d, untrusted, &seen);
    if (untrusted) {
        explain_untrusted(d, rc, chain);
        free(seen);
        return;
    }
    free(seen);
    if (rc == MQTLS_ERR_TLS_VERIFY_FAILED) {
        step(d, "ca", MQTLS_DIAG_FAIL, "%s (%s)", mqtls_strerror(rc), rep->detail);
        cause(d, "server-cert-invalid", rc, true);
        return;
    }
    if (rep->chain_len > 0) {
        step(d, "ca", MQTLS_DIAG_PASS, "the CA file anchors the server's chain");
    }
    if (rc == MQTLS_ERR_TLS_HOSTNAME_MISMATCH || (flags & MQTLS_TLS_VERIFY_NAME_MISMATCH)) {
        hostname_failed(d, rc, h);
    } else if (rc == MQTLS_ERR_TLS_CERT_EXPIRED || rc == MQTLS_ERR_TLS_CERT_NOT_YET_VALID) {
        step(d, "hostname", MQTLS_DIAG_PASS, "the certificate names %s", d->checked_name);
        step(d, "validity", MQTLS_DIAG_FAIL, "%s (%s), judged by this computer's clock", mqtls_strerror(rc),
             rep->detail);
        cause(d, mqtls_diag_classify(rc, rep, h)->id, rc, true);
        if (rep->chain_len > 0) {
            HINT(d, "The server's certificate is valid from %s to %s.", rep->chain[0].not_before,
                 rep->chain[0].not_after);
        }
    } else {
        client_cert_failed(d, rc);
    }
}

static bool is_certificate_failure(int32_t rc, const mqtls_tls_report_t *rep)
{
    switch (rc) {
    case MQTLS_ERR_TLS_UNKNOWN_CA:
    case MQTLS_ERR_TLS_VERIFY_FAILED:
    case MQTLS_ERR_TLS_HOSTNAME_MISMATCH:
    case MQTLS_ERR_TLS_CERT_EXPIRED:
    case MQTLS_ERR_TLS_CERT_NOT_YET_VALID:
    case MQTLS_ERR_TLS_CERT_REQUIRED:
    case MQTLS_ERR_TLS_CERT_REJECTED:
        return true;
    default:
        /* A TLS 1.2 server that asked for a certificate and got none may just close. */
        return rep->cert_requested && !rep->cert_sent;
    }
}

/* The handshake with the user's settings failed: split its report into steps. */
static void tls_failed(diag_t *d, int32_t rc)
{
    const mqtls_tls_report_t *rep = &d->r->tls;
    bool alpn_set = d->tls.alpn != NULL && d->tls.alpn[0] != NULL;
    mqtls_diag_hints_t h = { d->cfg->port, alpn_set, d->tls.server_name != NULL, false };
    if (d->cfg->store_dir != NULL) {
        sl_fixed(d, mqtls_sl_code(rc, rep));
    }
    if (is_certificate_failure(rc, rep)) {
        certificate_failed(d, rc, &h);
        return;
    }
    mqtls_diag_step_t *s = step(d, "tls", MQTLS_DIAG_FAIL, "%s (%s)", mqtls_strerror(rc), rep->detail);
    if (rc == MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE || rc == MQTLS_ERR_TLS_NOT_TLS) {
        explain_not_tls(d, s, rc, rep);
    } else if (rc == MQTLS_ERR_TLS_NO_COMMON_VERSION || rc == MQTLS_ERR_TLS_NO_SHARED_CIPHER) {
        explain_negotiation(d, s, rc, rep);
    } else {
        cause(d, mqtls_diag_classify(rc, rep, &h)->id, rc, true);
        if (rep->alert_received >= 0) {
            HINT(d, "The server sent the alert %s (%d).", mqtls_tls_alert_name(rep->alert_received),
                 rep->alert_received);
        }
    }
    const char *id = d->r->cause != NULL ? d->r->cause->id : "";
    bool vague = strcmp(id, "tls-closed") == 0 || strcmp(id, "tls-alert") == 0 || strcmp(id, "tls-failed") == 0;
    if (vague && host_is_ip(d->cfg->host) && d->tls.server_name == NULL) {
        HINT(d, "%sNo server name (SNI) was sent, since -h is an IP address: servers that choose their certificate "
                "by name (AWS IoT) refuse such handshakes; give --sni with the endpoint's name.",
             d->r->hint[0] != '\0' ? " " : "");
    }
}

/* After a successful handshake: which certificate anchors the chain, and is it the root a device needs? */
static bool step_anchor(diag_t *d)
{
    const mqtls_tls_report_t *rep = &d->r->tls;
    const char *need = needed_root(rep);
    const mqtls_cred_cert_t *anchor = NULL, *inter = NULL;
    for (size_t i = 0; i < d->n_ca && need != NULL; i++) {
        if (mqtls__diag_same_dn(d->ca[i].subject, need)) {
            anchor = &d->ca[i];
        }
        for (size_t k = 0; k < rep->chain_len && k < MQTLS_TLS_MAX_CHAIN; k++) {
            if (mqtls__diag_same_dn(d->ca[i].subject, rep->chain[k].subject) && !d->ca[i].self_signed) {
                inter = &d->ca[i];
            }
        }
    }
    bool store = d->cfg->store_dir != NULL;
    char why[700];
    if (store && d->n_ca == 1 && mqtls_sl_ca_rule(d->ca[0].subject, rep, why, sizeof why) != 0) {
        /* The device's view: the NWP's rule (mqtls/slcodes.h), as the emulation applies it. */
        mqtls_diag_step_t *s = step(d, "ca", MQTLS_DIAG_FAIL, "%s; this computer's TLS engine accepted it as an "
                                    "anchor, the CC3200 fails with -155", why);
        name_root(d, s, need, true);
        cause(d, inter != NULL ? "ca-not-root" : "ca-mismatch", MQTLS_ERR_TLS_UNKNOWN_CA, true);
        sl_fixed(d, MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E);
        return false;
    }
    if (anchor != NULL) {
        step(d, "ca", MQTLS_DIAG_PASS, "the CA file's %s (%s) anchors the server's chain", anchor->subject,
             anchor->self_signed ? "a root" : "an intermediate that issued the top certificate sent");
        return true;
    }
    if (inter != NULL) {
        mqtls_diag_step_t *s = step(d, "ca", MQTLS_DIAG_WARN,
                                    "the CA file is %s, an intermediate the server itself sends; this computer's "
                                    "TLS engine accepts it as an anchor, but %s",
                                    inter->subject, mqtls_sl_intermediate_note());
        name_root(d, s, need, false);
        cause(d, "ca-not-root", MQTLS_ERR_TLS_UNKNOWN_CA, false);
        return true;
    }
    step(d, "ca", MQTLS_DIAG_PASS, "the TLS engine verified the server's chain against the %s",
         d->tls.ca_path != NULL ? "CA directory" : "CA file");
    return true;
}

static bool step_validity(diag_t *d)
{
    const mqtls_tls_report_t *rep = &d->r->tls;
    const mqtls_diag_config_t *cfg = d->cfg;
    char clock[96];
    time_t tt = (time_t)d->now;
    struct tm tm;
    char when[32] = "?";
    if (gmtime_r(&tt, &tm) != NULL) {
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    if (cfg->device_time_unset) {
        snprintf(clock, sizeof clock, "the device's unset clock (%s, its reset date)", when);
    } else if (cfg->device_time == MQTLS_CRED_NOW) {
        snprintf(clock, sizeof clock, "this computer's clock (%s)", when);
    } else {
        snprintf(clock, sizeof clock, "the device's clock (%s)", when);
    }
    size_t n = rep->chain_len < MQTLS_TLS_MAX_CHAIN ? rep->chain_len : MQTLS_TLS_MAX_CHAIN;
    for (size_t i = 0; i < n; i++) {
        const mqtls_tls_cert_info_t *c = &rep->chain[i];
        int64_t nb = 0, na = 0;
        if (mqtls_cred_parse_time(c->not_before, &nb) != MQTLS_OK || mqtls_cred_parse_time(c->not_after, &na) != MQTLS_OK) {
            continue;
        }
        bool early = d->now < nb, late = d->now > na;
        if (early || late) {
            step(d, "validity", MQTLS_DIAG_FAIL, "certificate %zu (%s) is valid from %s to %s: %s at %s", i,
                 c->subject, c->not_before, c->not_after, early ? "not valid yet" : "expired", clock);
            int32_t err = early ? MQTLS_ERR_TLS_CERT_NOT_YET_VALID : MQTLS_ERR_TLS_CERT_EXPIRED;
            cause(d, early ? "server-cert-not-yet-valid" : "server-cert-expired", err, true);
            if (cfg->device_time_unset) {
                HINT(d, "The device's clock is unset: it believes it is %s. Set it before connecting.", when);
            } else {
                HINT(d, "Certificate %zu is valid from %s to %s; the clock says %s.", i, c->not_before, c->not_after,
                     when);
            }
            if (cfg->store_dir != NULL) {
                sl_fixed(d, MQTLS_SL_ESECDATEERROR);
            }
            return false;
        }
    }
    step(d, "validity", MQTLS_DIAG_PASS, "every certificate of the chain is valid at %s", clock);
    return true;
}

/* ---- steps: MQTT -------------------------------------------------------------------------- */

static const char *connack_meaning(int32_t rc)
{
    switch (rc) {
    case MQTLS_ERR_REFUSED_PROTOCOL_VERSION: return "1 (unacceptable protocol version)";
    case MQTLS_ERR_REFUSED_IDENTIFIER: return "2 (identifier rejected)";
    case MQTLS_ERR_REFUSED_SERVER_UNAVAILABLE: return "3 (server unavailable)";
    case MQTLS_ERR_REFUSED_BAD_CREDENTIALS: return "4 (bad user name or password)";
    case MQTLS_ERR_REFUSED_NOT_AUTHORIZED: return "5 (not authorised)";
    default: return NULL;
    }
}

/* Plain MQTT was not answered in MQTT: does the port speak TLS? */
static bool tls_port(const diag_t *d)
{
    mqtls_tls_report_t *p = malloc(sizeof *p);
    if (p == NULL) {
        return false;
    }
    mqtls_tls_config_t probe;
    mqtls_tls_config_init(&probe);
    probe.no_verify = true; /* only to see whether TLS is spoken; closed at once */
    int32_t rc = handshake(d, &probe, d->cfg->engine, p, NULL);
    bool yes = spoke_tls(rc, p);
    free(p);
    return yes;
}

static bool is_tls_error(int32_t rc)
{
    return rc <= MQTLS_ERR_TLS_UNKNOWN_CA && rc > MQTLS_ERR_CRED_EMPTY;
}

static void hint_alert(diag_t *d, const mqtls_tls_report_t *rep)
{
    if (rep->alert_received >= 0) {
        HINT(d, "The broker sent the alert %s (%d).", mqtls_tls_alert_name(rep->alert_received), rep->alert_received);
    }
}

/* The broker's verdict on our certificate, as the CONNECT exchange shows it:
 * with TLS 1.3 it comes with the first read after the handshake. */
static bool step_client_cert(diag_t *d, int32_t rc)
{
    const mqtls_tls_report_t *rep = &d->r->tls;
    bool closed = rc == MQTLS_ERR_CLOSED || rc == MQTLS_ERR_RECV || rc == MQTLS_ERR_SEND;
    bool wanted = rep->cert_requested && !rep->cert_sent;
    if (rc == MQTLS_ERR_TLS_CERT_REJECTED || rc == MQTLS_ERR_TLS_CERT_REQUIRED || ((closed || is_tls_error(rc)) && wanted)) {
        step(d, "client-cert", MQTLS_DIAG_FAIL, "%s, after the handshake (%s)", mqtls_strerror(rc), rep->version);
        cause(d, rc == MQTLS_ERR_TLS_CERT_REJECTED ? "client-cert-rejected" : "client-cert-required", rc, true);
        if (d->cfg->store_dir != NULL) {
            sl_fixed(d, mqtls_sl_code(rc, rep)); /* a CC3200 (TLS 1.2) hears it in the handshake */
        }
        hint_rejected(d, rep);
        return false;
    }
    if (is_tls_error(rc)) {
        step(d, "client-cert", MQTLS_DIAG_FAIL, "%s (%s)", mqtls_strerror(rc), rep->detail);
        cause(d, mqtls_diag_classify(rc, rep, NULL)->id, rc, true);
        hint_alert(d, rep);
        return false;
    }
    const char *what = rep->cert_sent ? (rep->cert_requested ? "the broker asked for our certificate and did not reject it"
                                                             : "the broker did not ask for a client certificate")
                                      : (rep->cert_requested ? "asked for, none sent, and the broker went on"
                                                             : "none given, none asked for");
    step(d, "client-cert", MQTLS_DIAG_PASS, "%s", what);
    return true;
}

static void connack_refused(diag_t *d, int32_t rc, const char *code)
{
    cause(d, "connack-refused", rc, true);
    HINT(d, "CONNACK return code %s.", code);
    if (rc == MQTLS_ERR_REFUSED_NOT_AUTHORIZED || rc == MQTLS_ERR_REFUSED_BAD_CREDENTIALS) {
        HINT(d, " On AWS IoT: the certificate is inactive, or its policy does not allow iot:Connect for client id "
                "'%s'.", d->cfg->client_id);
    } else if (rc == MQTLS_ERR_REFUSED_IDENTIFIER) {
        HINT(d, " The broker does not accept the client id '%s' (length, characters, or already in use).",
             d->cfg->client_id);
    }
}

static bool step_mqtt(diag_t *d, mq_t *q, const mqtls_transport_t *t, bool tls)
{
    int32_t rc = mqtt_connect(d, q, t);
    if (rc == MQTLS_ERR_RX_BUFFER_TOO_SMALL) {
        /* Before CONNACK the only packet is a CONNACK: one "larger than the receive
         * buffer" (4 KB here) is not a CONNACK a broker sends, not our buffer's fault. */
        rc = MQTLS_ERR_CONNACK_TOO_LARGE;
    }
    if (tls && !step_client_cert(d, rc)) {
        return false;
    }
    if (rc == MQTLS_OK) {
        step(d, "mqtt", MQTLS_DIAG_PASS, "CONNACK 0 (accepted), client id '%s', MQTT %s", d->cfg->client_id,
             d->cfg->protocol_version == 5 ? "5" : "3.1.1");
        return true;
    }
    mqtls_diag_step_t *s = step(d, "mqtt", MQTLS_DIAG_FAIL, "%s", mqtls_strerror(rc));
    const char *code = connack_meaning(rc);
    char v5code[200];
    if (d->cfg->protocol_version == MQTLS_PROTO_V5 && (code != NULL || rc == MQTLS_ERR_REFUSED_V5)) {
        /* MQTT 5: the broker's own reason code and reason string. */
        const char *why = NULL;
        uint8_t reason = mqtls_client_reason(&q->c, &why, NULL);
        snprintf(v5code, sizeof v5code, "0x%02X (%s)%s%s%s", reason, mqtls_reason_string(reason),
                 why != NULL && why[0] != '\0' ? ", reason string \"" : "", why != NULL ? why : "",
                 why != NULL && why[0] != '\0' ? "\"" : "");
        code = v5code;
    }
    if (code != NULL) {
        connack_refused(d, rc, code);
        return false;
    }
    bool closed = rc == MQTLS_ERR_CLOSED || rc == MQTLS_ERR_RECV || rc == MQTLS_ERR_SEND;
    bool not_mqtt = (rc <= MQTLS_ERR_MALFORMED_REMAINING_LENGTH && rc > -60) || rc == MQTLS_ERR_CONNACK_EXPECTED;
    if (!tls && (closed || not_mqtt || rc == MQTLS_ERR_TIMEOUT) && tls_port(d)) {
        LINE(s, "\na TLS handshake (doctor probe) on the same port gets a TLS answer: this is a TLS port");
        cause(d, "plain-to-tls-port", rc, true);
        return false;
    }
    if (closed) {
        LINE(s, "\nthe connection and %s were fine; the broker closed it instead of answering CONNECT",
             tls ? "the TLS handshake" : "TCP");
        HINT(d, "On AWS IoT this means the certificate has no policy attached, or the policy does not allow "
                "iot:Connect for client id '%s'; on other brokers check the log (connection limits, ACLs).",
             d->cfg->client_id);
    }
    cause(d, mqtls_diag_classify(rc, &d->r->tls, NULL)->id, rc, true);
    return false;
}

static bool step_roundtrip(diag_t *d, mq_t *q)
{
    const mqtls_diag_config_t *cfg = d->cfg;
    char topic[300];
    if (cfg->topic != NULL) {
        snprintf(topic, sizeof topic, "%s", cfg->topic);
    } else {
        snprintf(topic, sizeof topic, "mqtls/doctor/%s", cfg->client_id);
    }
    q->topic = topic;
    snprintf(q->payload, sizeof q->payload, "mqtls doctor %ld.%u", (long)time(NULL),
             (unsigned)(mqtls_posix_now_ms(NULL) % 100000u));
    mqtls_subscription_t sub = { .filter = topic, .filter_len = strlen(topic), .qos = 1 };
    uint8_t granted = 0;
    int32_t rc = mqtls_client_subscribe(&q->c, &sub, 1, NULL, &granted, cfg->timeout_ms);
    if (rc == MQTLS_ERR_TIMEOUT) {
        rc = MQTLS_ERR_SUBACK_TIMEOUT; /* the wait that timed out has a name */
    }
    if (rc != MQTLS_OK) {
        step(d, "roundtrip", MQTLS_DIAG_FAIL, "subscribing to '%s': %s", topic, mqtls_strerror(rc));
        cause(d, rc == MQTLS_ERR_SUBSCRIBE_REFUSED ? "subscribe-refused" : "roundtrip-failed", rc, true);
        return false;
    }
    mqtls_publish_t m;
    memset(&m, 0, sizeof m);
    m.topic = topic;
    m.topic_len = strlen(topic);
    m.payload = (const uint8_t *)q->payload;
    m.payload_len = strlen(q->payload);
    m.qos = 1;
    uint32_t t0 = mqtls_posix_now_ms(NULL);
    rc = mqtls_client_publish(&q->c, &m, NULL);
    while (rc == MQTLS_OK && !(q->got && mqtls_client_outstanding(&q->c) == 0) &&
           mqtls_posix_now_ms(NULL) - t0 < cfg->timeout_ms) {
        rc = mqtls_client_loop(&q->c, 50);
    }
    uint32_t ms = mqtls_posix_now_ms(NULL) - t0;
    if (rc != MQTLS_OK || !q->got) {
        step(d, "roundtrip", MQTLS_DIAG_FAIL, "subscribed to '%s' (QoS %u granted), published QoS 1: %s", topic,
             (unsigned)granted, rc != MQTLS_OK ? mqtls_strerror(rc) : "the message did not come back in time");
        cause(d, "roundtrip-failed", rc != MQTLS_OK ? rc : MQTLS_ERR_TIMEOUT, true);
        if (rc == MQTLS_ERR_CLOSED) {
            HINT(d, "The broker closed the connection: on AWS IoT the policy does not allow iot:Publish, "
                    "iot:Subscribe or iot:Receive on '%s'.", topic);
        }
        return false;
    }
    step(d, "roundtrip", MQTLS_DIAG_PASS, "subscribed to '%s' (QoS %u), published QoS 1, received it back in %u ms",
         topic, (unsigned)granted, (unsigned)ms);
    mqtls_client_disconnect(&q->c, NULL);
    return true;
}

/* ---- the run -------------------------------------------------------------------------------- */

void mqtls_diag_config_init(mqtls_diag_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->port = 8883;
    cfg->engine = mqtls_tls_engine_default();
    mqtls_tls_config_init(&cfg->tls_cfg);
    cfg->device_time = MQTLS_CRED_NOW;
    cfg->protocol_version = MQTLS_PROTO_V311;
    cfg->keepalive_s = 30;
    cfg->timeout_ms = 5000;
}

/* The planned steps that did not run, as "skip" lines. */
static void skip_rest(diag_t *d, bool tls)
{
    static const char *const tls_steps[] = { "files", "tls", "chain", "ca", "hostname", "validity", "client-cert" };
    mqtls_diag_report_t *r = d->r;
    const char *names[16];
    size_t n = 0;
    names[n++] = "resolve";
    names[n++] = "tcp";
    if (tls) {
        for (size_t i = 0; i < sizeof tls_steps / sizeof tls_steps[0]; i++) {
            names[n++] = tls_steps[i];
        }
    }
    names[n++] = "mqtt";
    names[n++] = "roundtrip";
    for (size_t i = 0; i < n; i++) {
        bool seen = false;
        for (size_t k = 0; k < r->n_steps; k++) {
            seen = seen || strcmp(r->steps[k].name, names[i]) == 0;
        }
        if (!seen) {
            step(d, names[i], MQTLS_DIAG_SKIP, "not run: an earlier step failed");
        }
    }
}

static void step_hostname_passed(diag_t *d)
{
    if (d->tls.server_name != NULL) {
        step(d, "hostname", MQTLS_DIAG_PASS, "the certificate names '%s' (from --sni, sent as SNI)",
             d->tls.server_name);
        return;
    }
    const char *host = d->cfg->host;
    step(d, "hostname", MQTLS_DIAG_PASS, "the certificate names %s%s", host,
         host_is_ip(host) ? " (an IP address: no SNI is sent)" : " (sent as SNI)");
}

/* The handshake with the user's settings, then what its report says step by
 * step. On success the session stays open in c for the MQTT steps. */
static bool steps_tls(diag_t *d, conn_t *c)
{
    int32_t rc = handshake(d, &d->tls, d->cfg->engine, &d->r->tls, c);
    bool name_unchecked = false;
    if (rc == MQTLS_ERR_TLS_HOSTNAME_MISMATCH && d->cfg->store_dir != NULL && !d->cfg->sl_domain_check) {
        /* The device's view (mqtls/slcodes.h): firmware without option 35 does
         * not check the name. Say so, and go on as the device would. */
        mqtls_tls_config_t dev = d->tls;
        dev.insecure = true;
        char why[256];
        snprintf(why, sizeof why, "%s", d->r->tls.detail);
        rc = handshake(d, &dev, d->cfg->engine, &d->r->tls, c);
        name_unchecked = rc == MQTLS_OK;
        if (name_unchecked) {
            snprintf(d->r->tls.detail, sizeof d->r->tls.detail, "%s", why);
        }
    }
    if (rc != MQTLS_OK) {
        tls_failed(d, rc);
        return false;
    }
    const mqtls_tls_report_t *rep = &d->r->tls;
    step(d, "tls", MQTLS_DIAG_PASS, "%s, %s (%s engine)%s%s", rep->version, rep->cipher,
         rep->engine != NULL ? rep->engine : "?", rep->alpn[0] != '\0' ? ", ALPN " : "", rep->alpn);
    step_chain(d, rep, "");
    if (!step_anchor(d)) {
        return false;
    }
    if (name_unchecked) {
        step(d, "hostname", MQTLS_DIAG_WARN, "%s; a CC3200 checks the name only when the firmware sets option 35 "
             "(SL_SO_SECURE_DOMAIN_NAME_VERIFICATION), so this firmware connects anyway (with --sl-domain-check: "
             "-222 SL_ESEC_DOMAIN_NAME_E)", d->r->tls.detail);
        cause(d, "hostname-mismatch", MQTLS_ERR_TLS_HOSTNAME_MISMATCH, false);
    } else {
        step_hostname_passed(d);
    }
    if (!step_validity(d)) {
        return false;
    }
    d->tls_done = true;
    return true;
}

static void run(diag_t *d)
{
    const mqtls_diag_config_t *cfg = d->cfg;
    bool tls = cfg->tls || cfg->store_dir != NULL;
    if (tls) {
        step_alpn(d); /* a rule on the settings alone: said first, whatever the network does */
    }
    if (!step_resolve(d) || !step_tcp(d)) {
        return;
    }
    if (tls) {
        if (!(cfg->store_dir != NULL ? step_store(d) : step_files(d))) {
            return;
        }
        if (cfg->store_dir != NULL && d->tls.ca_file != NULL) {
            mqtls_cred_info_t info;
            int32_t err;
            load_ca(d, d->tls.ca_file, &info, &err);
        }
    }
    conn_t c;
    c.tls = NULL;
    mqtls_tcp_init(&c.tcp);
    mqtls_transport_t t;
    if (tls) {
        if (!steps_tls(d, &c)) {
            conn_close(&c);
            return;
        }
        mqtls_tls_transport(c.tls, &t);
    } else {
        int32_t rc = mqtls_tcp_connect(&c.tcp, cfg->host, cfg->port, cfg->timeout_ms);
        if (rc != MQTLS_OK) {
            step(d, "mqtt", MQTLS_DIAG_FAIL, "%s", mqtls_strerror(rc));
            cause(d, mqtls_diag_classify(rc, NULL, NULL)->id, rc, true);
            return;
        }
        mqtls_tcp_transport(&c.tcp, &t);
    }
    mq_t *q = mq_new();
    if (q == NULL) {
        cause(d, "unknown", MQTLS_ERR_NO_MEMORY, true);
    } else if (step_mqtt(d, q, &t, tls)) {
        step_roundtrip(d, q);
    }
    free(q);
    conn_close(&c);
}

int32_t mqtls_diag_run(const mqtls_diag_config_t *cfg, mqtls_diag_report_t *out)
{
    if (cfg == NULL || out == NULL || cfg->host == NULL || cfg->port == 0 || cfg->client_id == NULL ||
        cfg->timeout_ms == 0) {
        return MQTLS_ERR_INVALID_ARG;
    }
    /* The doctor verifies and explains: it never vouches for a session
     * whose chain, name or dates were not checked. */
    if (cfg->tls_cfg.no_verify || cfg->tls_cfg.insecure || cfg->tls_cfg.verify_tolerate != 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    out->tls.alert_received = -1;
    out->tls.alert_sent = -1;
    diag_t *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    d->cfg = cfg;
    d->r = out;
    d->tls = cfg->tls_cfg;
    d->now = cfg->device_time == MQTLS_CRED_NOW ? (int64_t)time(NULL) : cfg->device_time;
    snprintf(d->checked_name, sizeof d->checked_name, "%s",
             cfg->tls_cfg.server_name != NULL ? cfg->tls_cfg.server_name : cfg->host);
    bool tls = cfg->tls || cfg->store_dir != NULL;
    run(d);
    if (out->failed) {
        skip_rest(d, tls);
    }
    out->has_sl = cfg->store_dir != NULL;
    if (out->has_sl && !d->sl_fixed) {
        /* The TLS connection itself worked: what a CC3200 gets from sl_Connect is 0,
         * whatever happened at the MQTT level afterwards. A run that stopped
         * before that never predicts success. */
        out->sl_code = d->tls_done ? 0 : mqtls_sl_code(out->error < 0 ? out->error : MQTLS_ERR_TLS_HANDSHAKE, NULL);
    }
    if (out->has_sl && cfg->board_said_set) {
        out->has_board = true;
        out->board_said = cfg->board_said;
        out->board_agrees = mqtls_explain_board(out->sl_code, cfg->board_said, out->board_meaning,
                                                sizeof out->board_meaning);
    }
    bool warned = false;
    for (size_t i = 0; i < out->n_steps; i++) {
        warned = warned || out->steps[i].status == MQTLS_DIAG_WARN;
    }
    out->ok = !out->failed && !warned;
    if (out->ok) {
        out->cause = NULL;
    }
    free(d->ca);
    free(d);
    return MQTLS_OK;
}
