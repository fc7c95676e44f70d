/* SPDX-License-Identifier: MIT
 * mqtls tests: the TLS API paths the CLI cannot reach, for every engine. */
/*
 * Runs against a PKI made by pki.sh (its directory is argv[1]); no broker:
 * everything here happens in mqtls_tls_new(), before any byte is sent.
 * Declared formats (a device that reads DER must not be handed PEM, and
 * the reverse), credentials given as bytes, the configuration checks, and
 * names for engines and alerts. Exits 1 at the first failed check.
 *
 * With ports (tls_api PKI_DIR MAIN FUTURE EXPIRED OTHER: mosquitto TLS
 * listeners with server.pem, server-future.pem, server-expired.pem and
 * server-other.pem), it also runs handshakes for the verifier's clock
 * (cfg.verify_time: validity judged at a device's date, at every depth) and
 * tolerance (cfg.verify_tolerate: listed problems reported, not fatal),
 * and reads a burst of records (a CONNACK and PUBACKs, one record each)
 * through the TLS transport: a recv that returns less than it was offered
 * must have found the lower transport empty, since the client then waits
 * before it reads again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mqtls/codec.h"
#include "mqtls/slcodes.h"
#include "mqtls/tcp.h"
#include "mqtls/tls.h"
#include <time.h>

static const char *dir;
static int failures;

#define CHECK(cond, ...)                                                                                    \
    do {                                                                                                    \
        if (!(cond)) {                                                                                      \
            fprintf(stderr, "tls_api: FAIL line %d: ", __LINE__);                                           \
            fprintf(stderr, __VA_ARGS__);                                                                   \
            fprintf(stderr, "\n");                                                                          \
            failures++;                                                                                     \
        }                                                                                                   \
    } while (0)

static const char *path(const char *name)
{
    static char buf[8][512];
    static int next;
    char *p = buf[next++ % 8];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}

static uint8_t *slurp(const char *name, size_t *len)
{
    FILE *f = fopen(path(name), "rb");
    if (f == NULL) {
        fprintf(stderr, "tls_api: cannot open %s\n", path(name));
        exit(1);
    }
    uint8_t *b = malloc(1 << 16);
    *len = fread(b, 1, 1 << 16, f);
    fclose(f);
    return b;
}

static void base(mqtls_tls_config_t *c)
{
    mqtls_tls_config_init(c);
    c->ca_file = path("ca.pem");
    c->cert_file = path("client.pem");
    c->key_file = path("client.key");
}

/* mqtls_tls_new with cfg must give `want`; the report must say why. */
static void expect(mqtls_tls_engine_t e, const char *what, const mqtls_tls_config_t *cfg, int32_t want)
{
    mqtls_tls_report_t r;
    mqtls_tls_t *t = NULL;
    int32_t rc = mqtls_tls_new(&t, e, cfg, &r);
    CHECK(rc == want, "%s engine %d: %s: got %s, want %s (%s)", what, (int)e, what, mqtls_errname(rc),
          mqtls_errname(want), r.detail);
    if (want != MQTLS_OK) {
        CHECK(t == NULL, "%s: no session on failure", what);
        CHECK(r.detail[0] != '\0', "%s: the report names the cause", what);
    }
    mqtls_tls_free(t);
}

static void declared_formats(mqtls_tls_engine_t e)
{
    mqtls_tls_config_t c;
    base(&c);
    c.ca_format = MQTLS_TLS_FORMAT_DER; /* ca.pem is PEM */
    expect(e, "CA PEM declared DER", &c, MQTLS_ERR_TLS_CA_FORMAT);
    base(&c);
    c.ca_file = path("ca.der");
    c.ca_format = MQTLS_TLS_FORMAT_PEM;
    expect(e, "CA DER declared PEM", &c, MQTLS_ERR_TLS_CA_FORMAT);
    c.ca_format = MQTLS_TLS_FORMAT_DER;
    expect(e, "CA DER declared DER", &c, MQTLS_OK);
    base(&c);
    c.cert_format = MQTLS_TLS_FORMAT_DER;
    expect(e, "client cert PEM declared DER", &c, MQTLS_ERR_TLS_CA_FORMAT);
    base(&c);
    c.key_format = MQTLS_TLS_FORMAT_DER;
    expect(e, "key PEM declared DER", &c, MQTLS_ERR_TLS_CA_FORMAT);
    base(&c);
    c.cert_file = path("client.der");
    c.key_file = path("client.key.der");
    c.cert_format = c.key_format = MQTLS_TLS_FORMAT_DER;
    expect(e, "cert and key DER declared DER", &c, MQTLS_OK);
}

static void from_bytes(mqtls_tls_engine_t e)
{
    size_t ca_len, cert_len, key_len;
    uint8_t *ca = slurp("ca.der", &ca_len);
    uint8_t *cert = slurp("client.pem", &cert_len);
    uint8_t *key = slurp("client.pk8.der", &key_len);
    mqtls_tls_config_t c;
    mqtls_tls_config_init(&c);
    c.ca_data = ca;
    c.ca_len = ca_len;
    c.cert_data = cert;
    c.cert_len = cert_len;
    c.key_data = key;
    c.key_len = key_len;
    expect(e, "credentials as bytes (DER CA, PEM cert, PKCS#8 DER key)", &c, MQTLS_OK);
    c.key_len = key_len / 2;
    expect(e, "truncated key bytes", &c, MQTLS_ERR_TLS_BAD_KEY_FILE);
    c.key_len = key_len;
    c.ca_len = ca_len / 2;
    expect(e, "truncated CA bytes", &c, MQTLS_ERR_TLS_BAD_CA_FILE);
    free(ca);
    free(cert);
    free(key);
}

static void configuration(mqtls_tls_engine_t e)
{
    mqtls_tls_config_t c;
    base(&c);
    c.key_file = NULL;
    expect(e, "certificate without key", &c, MQTLS_ERR_TLS_BAD_CONFIG);
    base(&c);
    c.ca_file = NULL;
    expect(e, "no CA and verification on", &c, MQTLS_ERR_TLS_BAD_CONFIG);
    c.no_verify = true;
    expect(e, "no CA with explicit no_verify", &c, MQTLS_OK);
    base(&c);
    c.min_version = 0x0302;
    expect(e, "TLS 1.1 minimum", &c, MQTLS_ERR_TLS_BAD_CONFIG);
    base(&c);
    c.min_version = MQTLS_TLS_V1_3;
    c.max_version = MQTLS_TLS_V1_2;
    expect(e, "minimum above maximum", &c, MQTLS_ERR_TLS_BAD_CONFIG);
    base(&c);
    c.ciphers = "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256:NO_SUCH_SUITE";
    expect(e, "unknown cipher suite", &c, MQTLS_ERR_TLS_BAD_CIPHER);
    c.ciphers = "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256";
    expect(e, "IANA name with dashes", &c, MQTLS_OK);
    base(&c);
    c.key_file = path("other-ca.key");
    expect(e, "key of another certificate", &c, MQTLS_ERR_TLS_KEY_MISMATCH);
    base(&c);
    c.ca_path = path("capath");
    c.ca_file = NULL;
    expect(e, "CA directory", &c, MQTLS_OK);
}

/* ---- the same file, the same verdict and the same sentence on every engine ------- */

/* mqtls_tls_new() with c must give `want` on every engine compiled in, with
 * the detail `detail` (when not NULL) word for word. */
static void on_every_engine(const char *what, const mqtls_tls_config_t *c, int32_t want, const char *detail);

/* `ca` (and `cert`, when not NULL) as bytes must give `want` on every
 * engine compiled in, with the detail `detail` (when not NULL) word for word. */
static void everywhere(const char *what, const uint8_t *ca, size_t ca_len, const uint8_t *cert, size_t cert_len,
                       int32_t want, const char *detail)
{
    mqtls_tls_config_t c;
    base(&c);
    c.ca_file = NULL;
    c.ca_data = ca;
    c.ca_len = ca_len;
    if (cert != NULL) {
        c.cert_file = NULL;
        c.cert_data = cert;
        c.cert_len = cert_len;
    }
    on_every_engine(what, &c, want, detail);
}

/* A directory under the PKI with the named files of the PKI in it and a README. */
static const char *ca_dir(const char *name, const char *a, const char *b)
{
    const char *d = path(name);
    mkdir(d, 0700);
    const char *files[] = {a, b};
    for (int i = 0; i < 2; i++) {
        if (files[i] != NULL) {
            size_t n;
            uint8_t *bytes = slurp(files[i], &n);
            char to[600];
            snprintf(to, sizeof to, "%s/%s", d, files[i]);
            FILE *f = fopen(to, "wb");
            fwrite(bytes, 1, n, f);
            fclose(f);
            free(bytes);
        }
    }
    char readme[600];
    snprintf(readme, sizeof readme, "%s/README", d);
    FILE *f = fopen(readme, "w");
    fputs("not a certificate\n", f);
    fclose(f);
    return d;
}

static void ca_directories(void)
{
    mqtls_tls_config_t c;
    base(&c);
    c.ca_file = NULL;
    c.ca_path = ca_dir("dir-pem", "ca.pem", NULL);
    on_every_engine("a CA directory with a README", &c, MQTLS_OK, NULL);
    c.ca_path = ca_dir("dir-none", NULL, NULL);
    char want[300];
    snprintf(want, sizeof want, "%s: no file in this directory holds a certificate", c.ca_path);
    on_every_engine("a CA directory with only a README", &c, MQTLS_ERR_TLS_BAD_CA_PATH, want);
    c.ca_path = ca_dir("dir-der", "ca.der", NULL);
    c.ca_format = MQTLS_TLS_FORMAT_PEM;
    snprintf(want, sizeof want, "%s/ca.der is DER, but PEM was declared", c.ca_path);
    on_every_engine("a DER file in a CA directory declared PEM", &c, MQTLS_ERR_TLS_CA_FORMAT, want);
}

static void on_every_engine(const char *what, const mqtls_tls_config_t *c, int32_t want, const char *detail)
{
    for (int e = 0; e < (int)MQTLS_TLS_ENGINE_COUNT; e++) {
        if (!mqtls_tls_engine_available((mqtls_tls_engine_t)e)) {
            continue;
        }
        mqtls_tls_report_t r;
        mqtls_tls_t *t = NULL;
        int32_t rc = mqtls_tls_new(&t, (mqtls_tls_engine_t)e, c, &r);
        CHECK(rc == want, "%s on %s: got %s, want %s (%s)", what, mqtls_tls_engine_name((mqtls_tls_engine_t)e),
              mqtls_errname(rc), mqtls_errname(want), r.detail);
        CHECK(detail == NULL || strcmp(r.detail, detail) == 0, "%s on %s: detail '%s', want '%s'", what,
              mqtls_tls_engine_name((mqtls_tls_engine_t)e), r.detail, detail);
        mqtls_tls_free(t);
    }
}

static uint8_t *joined(const char *a, const char *b, const char *tail, size_t *len)
{
    size_t na, nb;
    uint8_t *x = slurp(a, &na), *y = b != NULL ? slurp(b, &nb) : NULL;
    size_t nt = strlen(tail);
    uint8_t *out = malloc(na + (y != NULL ? nb : 0) + nt + 1);
    memcpy(out, x, na);
    if (y != NULL) {
        memcpy(out + na, y, nb);
    }
    memcpy(out + na + (y != NULL ? nb : 0), tail, nt);
    *len = na + (y != NULL ? nb : 0) + nt;
    free(x);
    free(y);
    return out;
}

/* Keys as bytes: the same verdict and sentence on every engine. */
static void key_problems(void)
{
    size_t n;
    mqtls_tls_config_t c;
    base(&c);
    c.key_file = NULL;
    uint8_t *b = joined("client-enc3des.pk8.pem", NULL, "", &n);
    c.key_data = b;
    c.key_len = n;
    const char *no_password = "the key bytes: the key is encrypted and no password was given";
    on_every_engine("encrypted key, no password", &c, MQTLS_ERR_TLS_KEY_PASSWORD, no_password);
    c.key_password = "";
    on_every_engine("encrypted key, empty password", &c, MQTLS_ERR_TLS_KEY_PASSWORD, no_password);
    c.key_password = "wrong";
    on_every_engine("encrypted key, wrong password", &c, MQTLS_ERR_TLS_KEY_PASSWORD, NULL);
    c.key_len = 0;
    on_every_engine("empty key", &c, MQTLS_ERR_TLS_BAD_KEY_FILE, "the key bytes: the file is empty");
    free(b);
    c.key_data = b = joined("garbage.pem", NULL, "", &n);
    c.key_len = n;
    b[0] = 'x'; /* never a SEQUENCE tag */
    on_every_engine("random bytes as the key", &c, MQTLS_ERR_TLS_BAD_KEY_FILE, "the key bytes: neither PEM nor DER");
    free(b);
}

/* ALPN names and cipher lists are judged before an engine sees them. */
static void lists(void)
{
    mqtls_tls_config_t c;
    base(&c);
    const char *empty_name[] = {"mqtt", "", NULL};
    c.alpn = empty_name;
    on_every_engine("an empty ALPN name", &c, MQTLS_ERR_TLS_BAD_CONFIG,
                    "ALPN protocol '' must be 1 to 255 bytes long (RFC 7301 §3.1)");
    static char long_name[257];
    memset(long_name, 'a', 256);
    const char *too_long[] = {long_name, NULL};
    c.alpn = too_long;
    on_every_engine("an ALPN name of 256 bytes", &c, MQTLS_ERR_TLS_BAD_CONFIG, NULL);
    const char *ok[] = {"x-amzn-mqtt-ca", NULL};
    c.alpn = ok;
    on_every_engine("an ALPN name", &c, MQTLS_OK, NULL);
    c.ciphers = " : ,";
    on_every_engine("a cipher list of separators only", &c, MQTLS_ERR_TLS_BAD_CIPHER, "the cipher suite list is empty");
}

static void same_everywhere(void)
{
    size_t n, m;
    uint8_t *b = joined("ca.der", NULL, "\n", &n);
    everywhere("DER CA with a newline after it", b, n, NULL, 0, MQTLS_ERR_TLS_BAD_CA_FILE,
               "the CA bytes: bytes after the last DER certificate that are not a certificate");
    everywhere("DER CA", b, n - 1, NULL, 0, MQTLS_OK, NULL);
    everywhere("empty CA bytes", b, 0, NULL, 0, MQTLS_ERR_TLS_BAD_CA_FILE, "the CA bytes: the file is empty");
    free(b);
    b = joined("ca.der", "ca.der", "", &n);
    everywhere("two DER CA certificates back to back", b, n, NULL, 0, MQTLS_OK, NULL);
    free(b);
    b = joined("client.key", NULL, "", &n);
    everywhere("a key as the CA file", b, n, NULL, 0, MQTLS_ERR_TLS_BAD_CA_FILE,
               "the CA bytes: PEM, but no CERTIFICATE block in it");
    free(b);
    b = joined("ca.pem", NULL, "", &n);
    b[40] = '*'; /* inside the base64 of the first line */
    everywhere("a CA block that is not base64", b, n, NULL, 0, MQTLS_ERR_TLS_BAD_CA_FILE,
               "the CA bytes: a CERTIFICATE block that is not base64");
    free(b);
    b = joined("ca.pem", NULL, "", &n);
    uint8_t *cert = joined("client.pem", "client.key", "", &m);
    everywhere("certificate and key in one PEM text as the certificate", b, n, cert, m, MQTLS_OK, NULL);
    free(cert);
    cert = joined("client.der", NULL, "\n", &m);
    everywhere("DER client certificate with a newline after it", b, n, cert, m, MQTLS_ERR_TLS_BAD_CERT_FILE,
               "the certificate bytes: bytes after the last DER certificate that are not a certificate");
    free(cert);
    free(b);
}

/* ---- handshakes at a chosen time, with tolerated problems ------------------------- */

#define DATES (MQTLS_TLS_VERIFY_EXPIRED | MQTLS_TLS_VERIFY_NOT_YET_VALID)

/* Handshake with cfg on 127.0.0.1:port: must give `want`, and the report's
 * verify_flags must be exactly `flags`. */
static void shake(mqtls_tls_engine_t e, const char *what, const mqtls_tls_config_t *cfg, int port, int32_t want,
                  uint32_t flags)
{
    mqtls_tls_report_t r;
    mqtls_tls_t *t = NULL;
    int32_t rc = mqtls_tls_new(&t, e, cfg, &r);
    CHECK(rc == MQTLS_OK, "%s engine %d: setup: %s (%s)", what, (int)e, mqtls_errname(rc), r.detail);
    if (rc != MQTLS_OK) {
        return;
    }
    mqtls_tcp_t tcp;
    mqtls_tcp_init(&tcp);
    rc = mqtls_tcp_connect(&tcp, "127.0.0.1", (uint16_t)port, 5000);
    CHECK(rc == MQTLS_OK, "%s: TCP connect to %d: %s", what, port, mqtls_errname(rc));
    if (rc == MQTLS_OK) {
        mqtls_transport_t lower;
        mqtls_tcp_transport(&tcp, &lower);
        rc = mqtls_tls_handshake(t, &lower, "127.0.0.1", 5000);
        CHECK(rc == want, "%s engine %d: got %s, want %s (%s)", what, (int)e, mqtls_errname(rc),
              mqtls_errname(want), r.detail);
        CHECK(r.verify_flags == flags, "%s engine %d: verify_flags 0x%02x, want 0x%02x (%s)", what, (int)e,
              (unsigned)r.verify_flags, (unsigned)flags, r.detail);
    }
    mqtls_tls_free(t);
    mqtls_tcp_close(&tcp);
}

/* ---- a burst of records in one recv --------------------------------------------- */

typedef struct {
    mqtls_transport_t tcp;
    int32_t last; /* what the last recv returned */
} counted_t;

static int32_t counted_send(void *ctx, const uint8_t *buf, size_t len)
{
    counted_t *c = ctx;
    return c->tcp.send(c->tcp.ctx, buf, len);
}

static int32_t counted_recv(void *ctx, uint8_t *buf, size_t len)
{
    counted_t *c = ctx;
    c->last = c->tcp.recv(c->tcp.ctx, buf, len);
    return c->last;
}

static int32_t counted_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    counted_t *c = ctx;
    return c->tcp.wait(c->tcp.ctx, events, timeout_ms);
}

#define BURST 8

/* CONNECT and BURST QoS 1 PUBLISHes in one write; mosquitto answers each in
 * a record of its own. */
static size_t burst_request(uint8_t *buf, size_t len)
{
    mqtls_connect_t conn = {
        .protocol_version = MQTLS_PROTO_V311, .clean_session = true, .client_id = "tlsapi-burst", .client_id_len = 12};
    int32_t n = mqtls_encode_connect(buf, len, &conn);
    size_t at = n > 0 ? (size_t)n : 0u;
    for (uint16_t id = 1; id <= BURST; id++) {
        mqtls_publish_t p = {.topic = "tlsapi/burst",
                             .topic_len = 12,
                             .payload = (const uint8_t *)"x",
                             .payload_len = 1,
                             .qos = 1,
                             .packet_id = id};
        n = mqtls_encode_publish(buf + at, len - at, MQTLS_PROTO_V311, &p);
        at += n > 0 ? (size_t)n : 0u;
    }
    return at;
}

static void burst(mqtls_tls_engine_t e, int port)
{
    mqtls_tls_config_t cfg;
    base(&cfg);
    mqtls_tls_report_t r;
    mqtls_tls_t *t = NULL;
    mqtls_tcp_t tcp;
    mqtls_tcp_init(&tcp);
    counted_t lower = {.last = 0};
    mqtls_tcp_transport(&tcp, &lower.tcp);
    mqtls_transport_t low = {.ctx = &lower, .send = counted_send, .recv = counted_recv, .wait = counted_wait};
    int32_t rc = mqtls_tls_new(&t, e, &cfg, &r);
    if (rc == MQTLS_OK) {
        rc = mqtls_tcp_connect(&tcp, "127.0.0.1", (uint16_t)port, 5000);
    }
    if (rc == MQTLS_OK) {
        rc = mqtls_tls_handshake(t, &low, "127.0.0.1", 5000);
    }
    CHECK(rc == MQTLS_OK, "burst engine %d: connect: %s (%s)", (int)e, mqtls_errname(rc), r.detail);
    mqtls_transport_t tt;
    mqtls_tls_transport(t, &tt);
    uint8_t req[512], in[512];
    size_t want = burst_request(req, sizeof req), sent = 0, got = 0, expect = 4u + 4u * BURST;
    while (rc == MQTLS_OK && sent < want) {
        int32_t n = tt.send(tt.ctx, req + sent, want - sent);
        sent += n > 0 ? (size_t)n : 0u;
        rc = n < 0 ? n : n == 0 ? (tt.wait(tt.ctx, MQTLS_WAIT_WRITE, 1000) > 0 ? MQTLS_OK : MQTLS_ERR_TIMEOUT) : rc;
    }
    for (int rounds = 0; rc == MQTLS_OK && got < expect && rounds < 100; rounds++) {
        if (tt.wait(tt.ctx, MQTLS_WAIT_READ, 1000) <= 0) {
            continue;
        }
        int32_t n = tt.recv(tt.ctx, in + got, sizeof in - got);
        rc = n < 0 ? n : MQTLS_OK;
        if (n > 0 && (size_t)n < sizeof in - got) {
            CHECK(lower.last == 0,
                  "burst engine %d: a recv gave %d of %zu bytes before TCP was read empty (its "
                  "last read gave %d)",
                  (int)e, (int)n, sizeof in - got, (int)lower.last);
        }
        got += n > 0 ? (size_t)n : 0u;
    }
    CHECK(rc == MQTLS_OK && got == expect, "burst engine %d: %zu of %zu bytes (%s)", (int)e, got, expect,
          mqtls_errname(rc));
    CHECK(got == expect && in[0] == 0x20u && in[4] == 0x40u && in[expect - 4u] == 0x40u,
          "burst engine %d: not a CONNACK and PUBACKs", (int)e);
    /* A PUBLISH and a DISCONNECT: its PUBACK, then the close, even when
     * both come in one recv (the error waits for the next call). */
    static const uint8_t last[] = {0x32, 0x07, 0x00, 0x01, 't', 0x00, 0x09, 'x', 'y', 0xE0, 0x00};
    int32_t n = rc == MQTLS_OK ? tt.send(tt.ctx, last, sizeof last) : rc;
    got = 0;
    for (int rounds = 0; n >= 0 && rounds < 100; rounds++) {
        if (tt.wait(tt.ctx, MQTLS_WAIT_READ, 1000) > 0) {
            n = tt.recv(tt.ctx, in + got, sizeof in - got);
            got += n > 0 ? (size_t)n : 0u;
        }
    }
    CHECK(n == MQTLS_ERR_CLOSED && got == 4u && in[0] == 0x40u && in[3] == 0x09u,
          "burst engine %d: after DISCONNECT %zu bytes then %s, not a PUBACK then CLOSED", (int)e, got,
          mqtls_errname(n));
    mqtls_tls_free(t);
    mqtls_tcp_close(&tcp);
}

static void device_clock(mqtls_tls_engine_t e, int main_port, int future_port, int expired_port, int other_port)
{
    int64_t now = (int64_t)time(NULL);
    const int64_t year = 365 * 86400;
    mqtls_tls_config_t c;
    base(&c);
    shake(e, "system clock, valid server", &c, main_port, MQTLS_OK, 0);
    shake(e, "system clock, server valid from 5 years on", &c, future_port, MQTLS_ERR_TLS_CERT_NOT_YET_VALID,
          MQTLS_TLS_VERIFY_NOT_YET_VALID);
    c.verify_time = MQTLS_SL_RESET_TIME;
    shake(e, "device clock at its reset date", &c, main_port, MQTLS_ERR_TLS_CERT_NOT_YET_VALID,
          MQTLS_TLS_VERIFY_NOT_YET_VALID);
    c.verify_time = now + 10 * year;
    shake(e, "device clock 10 years ahead", &c, main_port, MQTLS_ERR_TLS_CERT_EXPIRED, MQTLS_TLS_VERIFY_EXPIRED);
    /* 1.5 years ago the expired server certificate was valid, but the CA
     * (made today) was not: the CA's dates count too. */
    c.verify_time = now - year - year / 2;
    shake(e, "device clock inside the expired certificate's validity", &c, expired_port,
          MQTLS_ERR_TLS_CERT_NOT_YET_VALID, MQTLS_TLS_VERIFY_NOT_YET_VALID);
    /* 5.5 years on, the future server certificate is valid, the CA expired. */
    c.verify_time = now + 5 * year + year / 2;
    shake(e, "device clock inside the future certificate's validity", &c, future_port, MQTLS_ERR_TLS_CERT_EXPIRED,
          MQTLS_TLS_VERIFY_EXPIRED);
    c.verify_time = now;
    shake(e, "device clock set to now", &c, main_port, MQTLS_OK, 0);

    /* Tolerance: the CC3200 connects and flags a date problem. */
    base(&c);
    c.verify_time = MQTLS_SL_RESET_TIME;
    c.verify_tolerate = DATES;
    shake(e, "reset date, dates tolerated", &c, main_port, MQTLS_OK, MQTLS_TLS_VERIFY_NOT_YET_VALID);
    c.verify_time = 0;
    shake(e, "expired server, dates tolerated", &c, expired_port, MQTLS_OK, MQTLS_TLS_VERIFY_EXPIRED);
    shake(e, "valid server, dates tolerated: nothing to flag", &c, main_port, MQTLS_OK, 0);
    c.verify_tolerate = MQTLS_TLS_VERIFY_EXPIRED;
    shake(e, "only EXPIRED tolerated, server not yet valid", &c, future_port, MQTLS_ERR_TLS_CERT_NOT_YET_VALID,
          MQTLS_TLS_VERIFY_NOT_YET_VALID);
    /* A tolerated date never excuses an untrusted chain. */
    c.ca_file = path("other-ca.pem");
    c.verify_tolerate = DATES;
    c.verify_time = MQTLS_SL_RESET_TIME;
    shake(e, "wrong CA, dates tolerated", &c, main_port, MQTLS_ERR_TLS_UNKNOWN_CA,
          MQTLS_TLS_VERIFY_NOT_TRUSTED | MQTLS_TLS_VERIFY_NOT_YET_VALID);
    base(&c);
    shake(e, "name mismatch", &c, other_port, MQTLS_ERR_TLS_HOSTNAME_MISMATCH, MQTLS_TLS_VERIFY_NAME_MISMATCH);
    c.verify_tolerate = MQTLS_TLS_VERIFY_NAME_MISMATCH;
    shake(e, "name mismatch tolerated", &c, other_port, MQTLS_OK, MQTLS_TLS_VERIFY_NAME_MISMATCH);
}

/* ---- session resumption ------------------------------------------------------------ */

/* Write all of buf, read exactly len bytes into out: the transport in
 * blocking use, over its wait. */
static bool exchange(const mqtls_transport_t *tr, const uint8_t *buf, size_t len, uint8_t *out, size_t out_len)
{
    for (size_t done = 0; done < len;) {
        int32_t n = tr->send(tr->ctx, buf + done, len - done);
        if (n < 0 || (n == 0 && tr->wait(tr->ctx, MQTLS_WAIT_WRITE, 5000) <= 0)) {
            return false;
        }
        done += (size_t)n;
    }
    for (size_t got = 0; got < out_len;) {
        int32_t n = tr->recv(tr->ctx, out + got, out_len - got);
        if (n < 0 || (n == 0 && tr->wait(tr->ctx, MQTLS_WAIT_READ, 5000) <= 0)) {
            return false;
        }
        got += (size_t)n;
    }
    return true;
}

/* A handshake on 127.0.0.1:port, verified for `host`, then an MQTT CONNECT
 * and its CONNACK (a TLS 1.3 server's tickets come before it), then, with
 * `saved`, the session saved. @return the handshake's result. */
static int32_t connect_once(mqtls_tls_engine_t e, const char *what, const mqtls_tls_config_t *cfg, int port,
                            const char *host, mqtls_tls_report_t *r, mqtls_tls_session_t **saved)
{
    static const uint8_t connect[] = {0x10, 13, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 1, 'r'};
    static const uint8_t connack[] = {0x20, 2, 0, 0};
    mqtls_tls_t *t = NULL;
    int32_t rc = mqtls_tls_new(&t, e, cfg, r);
    CHECK(rc == MQTLS_OK, "%s engine %d: setup: %s (%s)", what, (int)e, mqtls_errname(rc), r->detail);
    mqtls_tcp_t tcp;
    mqtls_tcp_init(&tcp);
    if (rc == MQTLS_OK) {
        rc = mqtls_tcp_connect(&tcp, "127.0.0.1", (uint16_t)port, 5000);
        CHECK(rc == MQTLS_OK, "%s: TCP connect to %d: %s", what, port, mqtls_errname(rc));
    }
    if (rc == MQTLS_OK) {
        mqtls_transport_t lower, tr;
        mqtls_tcp_transport(&tcp, &lower);
        rc = mqtls_tls_handshake(t, &lower, host, 5000);
        /* Nothing to save from a failed handshake, nor from a TLS 1.3 one
         * before its tickets were read (when one was offered, the engine
         * may still hold that one). Not tried with TLS 1.2: mbedTLS 3.x
         * hands a session out once. */
        mqtls_tls_session_t *early = NULL;
        int32_t early_rc = MQTLS_OK, early_want = MQTLS_OK;
        if (rc != MQTLS_OK || (strcmp(r->version, "TLSv1.3") == 0 && cfg->resume == NULL)) {
            early_want = rc != MQTLS_OK ? MQTLS_ERR_NOT_CONNECTED : MQTLS_ERR_TLS_NO_SESSION;
            early_rc = mqtls_tls_session_save(t, &early);
        }
        CHECK(early_rc == early_want && early == NULL, "%s engine %d: save right after the handshake: %s, want %s",
              what, (int)e, mqtls_errname(early_rc), mqtls_errname(early_want));
        mqtls_tls_session_free(early);
        mqtls_tls_transport(t, &tr);
        uint8_t ack[4];
        if (rc == MQTLS_OK) {
            CHECK(exchange(&tr, connect, sizeof connect, ack, sizeof ack) && memcmp(ack, connack, 4) == 0,
                  "%s engine %d: CONNECT/CONNACK over the session", what, (int)e);
        }
        if (rc == MQTLS_OK && saved != NULL) {
            int32_t src = mqtls_tls_session_save(t, saved);
            CHECK(src == MQTLS_OK && *saved != NULL, "%s engine %d: save after the CONNACK: %s", what, (int)e,
                  mqtls_errname(src));
        }
    }
    mqtls_tls_free(t);
    mqtls_tcp_close(&tcp);
    return rc;
}

/* cfg.resume: resumed with the session of the last connection to the same
 * server and name, never with another's, and never instead of verifying. */
static void resumption(mqtls_tls_engine_t e, uint16_t version, int main_port, int twin_port, int other_port)
{
    const char *v = version == MQTLS_TLS_V1_3 ? "TLS 1.3" : "TLS 1.2";
    mqtls_tls_config_t c;
    base(&c);
    c.min_version = c.max_version = version;
    mqtls_tls_report_t r;
    mqtls_tls_session_t *s = NULL, *s2 = NULL;
    mqtls_tls_t *t = NULL;
    int32_t rc = mqtls_tls_new(&t, e, &c, &r);
    if (rc == MQTLS_ERR_TLS_NO_COMMON_VERSION && e == MQTLS_TLS_MBEDTLS && version == MQTLS_TLS_V1_3) {
        printf("tls_api: this mbedTLS has no TLS 1.3 (2.28): resumption tested with TLS 1.2 only\n");
        return;
    }
    CHECK(rc == MQTLS_OK && mqtls_tls_session_save(t, &s) == MQTLS_ERR_NOT_CONNECTED && s == NULL,
          "%s engine %d: nothing to save before a handshake (%s)", v, (int)e, mqtls_errname(rc));
    mqtls_tls_free(t);

    rc = connect_once(e, "first connection", &c, main_port, "127.0.0.1", &r, &s);
    CHECK(rc == MQTLS_OK && !r.resumed, "%s engine %d: first connection: %s, resumed %d (%s)", v, (int)e,
          mqtls_errname(rc), r.resumed, r.detail);
    if (s == NULL) {
        return;
    }
    c.resume = s;
    rc = connect_once(e, "second connection", &c, main_port, "127.0.0.1", &r, &s2);
    CHECK(rc == MQTLS_OK && r.resumed,
          "%s engine %d: the second connection resumes the saved session: %s, "
          "resumed %d, version %s (%s)",
          v, (int)e, mqtls_errname(rc), r.resumed, r.version, r.detail);
    CHECK(r.verify_flags == 0 && r.chain_len >= 1u, "%s engine %d: resumed: flags 0x%x, chain %zu", v, (int)e,
          (unsigned)r.verify_flags, r.chain_len);
    /* The session a resumed connection saves resumes too. */
    c.resume = s2;
    rc = connect_once(e, "third connection", &c, main_port, "127.0.0.1", &r, NULL);
    CHECK(rc == MQTLS_OK && r.resumed,
          "%s engine %d: the session saved by a resumed connection resumes: %s, "
          "resumed %d",
          v, (int)e, mqtls_errname(rc), r.resumed);
    c.resume = NULL;
    rc = connect_once(e, "no session offered", &c, main_port, "127.0.0.1", &r, NULL);
    CHECK(rc == MQTLS_OK && !r.resumed, "%s engine %d: without a session: %s, resumed %d", v, (int)e, mqtls_errname(rc),
          r.resumed);
    c.resume = s;
    rc = connect_once(e, "another name", &c, main_port, "localhost", &r, NULL);
    CHECK(rc == MQTLS_OK && !r.resumed,
          "%s engine %d: a session for 127.0.0.1 is not offered to localhost: %s, "
          "resumed %d",
          v, (int)e, mqtls_errname(rc), r.resumed);
    rc = connect_once(e, "another broker", &c, twin_port, "127.0.0.1", &r, NULL);
    CHECK(rc == MQTLS_OK && !r.resumed && r.chain_len >= 1u,
          "%s engine %d: another broker does not resume the session, verifies and connects: %s, resumed %d", v, (int)e,
          mqtls_errname(rc), r.resumed);
    rc = connect_once(e, "another broker, wrong name", &c, other_port, "127.0.0.1", &r, NULL);
    CHECK(rc == MQTLS_ERR_TLS_HOSTNAME_MISMATCH && !r.resumed,
          "%s engine %d: an offered session does not skip verification: %s, resumed %d", v, (int)e, mqtls_errname(rc),
          r.resumed);
    mqtls_tls_session_free(s);
    mqtls_tls_session_free(s2);
}

/* A session saved by one engine is not offered by the other. */
static void resumption_across_engines(int main_port)
{
    mqtls_tls_config_t c;
    base(&c);
    c.max_version = MQTLS_TLS_V1_2;
    mqtls_tls_report_t r;
    mqtls_tls_session_t *s = NULL;
    (void)connect_once(MQTLS_TLS_OPENSSL, "openssl session", &c, main_port, "127.0.0.1", &r, &s);
    c.resume = s;
    int32_t rc = connect_once(MQTLS_TLS_MBEDTLS, "openssl session on mbedtls", &c, main_port, "127.0.0.1", &r, NULL);
    CHECK(rc == MQTLS_OK && !r.resumed, "an OpenSSL session on mbedTLS: %s, resumed %d", mqtls_errname(rc), r.resumed);
    mqtls_tls_session_free(s);
    mqtls_tls_session_free(NULL);
}

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 6 && argc != 7) {
        fprintf(stderr, "usage: tls_api PKI_DIR [MAIN_PORT FUTURE_PORT EXPIRED_PORT OTHER_PORT [TWIN_PORT]]\n");
        return 2;
    }
    dir = argv[1];
    mqtls_tls_engine_t e;
    CHECK(mqtls_tls_engine_parse("mbedtls", &e) == MQTLS_OK && e == MQTLS_TLS_MBEDTLS, "parse mbedtls");
    CHECK(mqtls_tls_engine_parse("openssl", &e) == MQTLS_OK && e == MQTLS_TLS_OPENSSL, "parse openssl");
    CHECK(mqtls_tls_engine_parse("gnutls", &e) == MQTLS_ERR_INVALID_ARG, "parse an unknown engine");
    /* The default is the table's first compiled-in row: mbedTLS in a build with both. */
    CHECK(mqtls_tls_engine_available(mqtls_tls_engine_default()), "the default engine is compiled in");
    CHECK(!mqtls_tls_engine_available(MQTLS_TLS_MBEDTLS) || mqtls_tls_engine_default() == MQTLS_TLS_MBEDTLS,
          "mbedTLS is the default when it is built in");
    CHECK(strcmp(mqtls_tls_alert_name(42), "bad_certificate") == 0, "alert 42");
    CHECK(strcmp(mqtls_tls_alert_name(116), "certificate_required") == 0, "alert 116");
    CHECK(strcmp(mqtls_tls_alert_name(999), "unknown") == 0, "unknown alert");
    same_everywhere();
    ca_directories();
    key_problems();
    lists();
    const mqtls_tls_engine_t engines[2] = {MQTLS_TLS_MBEDTLS, MQTLS_TLS_OPENSSL};
    for (int i = 0; i < 2; i++) {
        CHECK(mqtls_tls_engine_available(engines[i]), "engine %d compiled in (CI builds both)", (int)engines[i]);
        if (!mqtls_tls_engine_available(engines[i])) {
            continue;
        }
        declared_formats(engines[i]);
        from_bytes(engines[i]);
        configuration(engines[i]);
        if (argc >= 6) {
            device_clock(engines[i], atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
            burst(engines[i], atoi(argv[2]));
        }
        if (argc == 7) {
            resumption(engines[i], MQTLS_TLS_V1_2, atoi(argv[2]), atoi(argv[6]), atoi(argv[5]));
            resumption(engines[i], MQTLS_TLS_V1_3, atoi(argv[2]), atoi(argv[6]), atoi(argv[5]));
        }
    }
    if (argc == 7 && mqtls_tls_engine_available(MQTLS_TLS_MBEDTLS) && mqtls_tls_engine_available(MQTLS_TLS_OPENSSL)) {
        resumption_across_engines(atoi(argv[2]));
    }
    if (failures == 0) {
        printf("tls_api: all checks passed\n");
    }
    return failures == 0 ? 0 : 1;
}
