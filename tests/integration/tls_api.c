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

int main(int argc, char **argv)
{
    if (argc != 2 && argc != 6) {
        fprintf(stderr, "usage: tls_api PKI_DIR [MAIN_PORT FUTURE_PORT EXPIRED_PORT OTHER_PORT]\n");
        return 2;
    }
    dir = argv[1];
    mqtls_tls_engine_t e;
    CHECK(mqtls_tls_engine_parse("mbedtls", &e) == MQTLS_OK && e == MQTLS_TLS_MBEDTLS, "parse mbedtls");
    CHECK(mqtls_tls_engine_parse("openssl", &e) == MQTLS_OK && e == MQTLS_TLS_OPENSSL, "parse openssl");
    CHECK(mqtls_tls_engine_parse("gnutls", &e) == MQTLS_ERR_INVALID_ARG, "parse an unknown engine");
    CHECK(strcmp(mqtls_tls_alert_name(42), "bad_certificate") == 0, "alert 42");
    CHECK(strcmp(mqtls_tls_alert_name(116), "certificate_required") == 0, "alert 116");
    CHECK(strcmp(mqtls_tls_alert_name(999), "unknown") == 0, "unknown alert");
    const mqtls_tls_engine_t engines[2] = {MQTLS_TLS_MBEDTLS, MQTLS_TLS_OPENSSL};
    for (int i = 0; i < 2; i++) {
        CHECK(mqtls_tls_engine_available(engines[i]), "engine %d compiled in (CI builds both)", (int)engines[i]);
        if (!mqtls_tls_engine_available(engines[i])) {
            continue;
        }
        declared_formats(engines[i]);
        from_bytes(engines[i]);
        configuration(engines[i]);
        if (argc == 6) {
            device_clock(engines[i], atoi(argv[2]), atoi(argv[3]), atoi(argv[4]), atoi(argv[5]));
            burst(engines[i], atoi(argv[2]));
        }
    }
    if (failures == 0) {
        printf("tls_api: all checks passed\n");
    }
    return failures == 0 ? 0 : 1;
}
