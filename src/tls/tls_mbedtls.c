/* SPDX-License-Identifier: MIT
 * mqtls: the mbedTLS engine (2.28 with TLS 1.2; written to port to 3.x). */
/*
 * see tls_priv.h for what an engine does, and tls.c for what it leaves to
 * the common half (deadline, waiting, alert and verify-flag mapping);
 * tls_cred.c reads, splits and judges the credentials, this file hands
 * each DER certificate and the key bytes to mbedTLS.
 *
 * What mbedTLS does not say by itself, and how this file learns it:
 * - Did the server ask for a client certificate, which alert did we send,
 *   and did the peer speak TLS at all? The record watcher (tls_watch.c)
 *   follows each direction of the byte stream in the bio callbacks.
 *   Rejected: ssl->client_auth (public in 2.28, private and unreachable in
 *   the 3.x handshake struct) and the handshake state number (passing the
 *   CertificateRequest state does not mean one was received).
 * - The alert the server sent: no getter exists, so it is read from the
 *   record just received (ssl->in_msg[1], private on 3.x), which also works
 *   after the handshake, when the watch sees only ciphertext. A server that
 *   sends its alert and closes often resets the connection under our next
 *   flight; the alert then still waits in the receive queue and is read
 *   from there (read_leftovers).
 * - The server's chain when verification fails: mbedtls_ssl_get_peer_cert()
 *   answers only once the session is established, so the verify callback,
 *   which gets the leaf with the rest of what the server sent behind ->next
 *   at depth 0, copies it into the report.
 * - Names: 2.28 neither matches iPAddress names nor leaves SNI out for an
 *   IP literal. For an IP host no hostname is set (no SNI, RFC 6066 §3) and
 *   the verify callback compares the leaf's iPAddress entries itself;
 *   `insecure` keeps SNI and clears only the name flag.
 * - Keys: 2.28's PBES2 decrypts only DES; PKCS#8 with AES (openssl's
 *   default) is decrypted here from mbedTLS's PBKDF2 and AES-CBC.
 *
 * Two lines are built and tested, 2.28 (TLS 1.2) and 3.6 (TLS 1.2 and 1.3,
 * PSA): what differs between them is spelt once in mbed_compat.h (key
 * parsing and pair checks, PSA start-up, the one private field read here,
 * ssl.in_msg). Here only: versions set by protocol number on 3.x, error
 * codes that 3.0 renamed (tested with #ifdef), TLS 1.3 suite names
 * (TLS1-3-...) mapped both ways, and 3.x's NewSessionTicket answer from
 * mbedtls_ssl_read(). 3.6 reassembles a handshake message that spans
 * records itself; 2.28 does not, and gets the records of one message
 * joined before it reads them (see "the record joiner"). With TLS 1.3 the
 * watch stops after the ServerHello (what follows is encrypted), so the
 * CertificateRequest is not seen and a rejection arrives after the
 * handshake; alert_behind() reads it.
 * Nothing here calls the platform: the clock, the entropy and the bytes
 * of files come through cfg.hooks (tls.c).
 */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/version.h>

#include <mbedtls/asn1.h>
#include <mbedtls/cipher.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "util/mbed_compat.h"
#include "util/pkcs8_aes.h"
#include "tls_priv.h"
#include "util/civil.h"

#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
#define HIGHEST_VERSION MQTLS_TLS_V1_3
#else
#define HIGHEST_VERSION MQTLS_TLS_V1_2
#endif

/* ---- engine state ---------------------------------------------------------------- */

typedef struct {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_x509_crt own;
    mbedtls_pk_context key;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    int *suites;         /* 0-terminated; mbedTLS keeps the pointer */
    const char **alpn;   /* NULL-terminated; mbedTLS keeps the pointer */
    bool ssl_ready;      /* mbedtls_ssl_setup() done */
    uint32_t tolerated;  /* MQTLS_TLS_VERIFY_* problems let through (cfg.verify_tolerate) */
    size_t write_taken;  /* bytes a write that said WANT_WRITE already took */
    mqtls__tls_watch_t in, out;
    uint16_t lo, hi;     /* the versions offered */
    /* The record joiner (2.28): raw bytes in, records for mbedTLS out. */
    uint8_t *jin, *jout, *jtmp;
    size_t jin_len, jin_cap, jout_len, jout_pos, jout_cap;
    bool join_off;       /* the server's ChangeCipherSpec (or a record not to join) went by */
    bool closing;        /* our close_notify is being sent */
    bool refused_reneg;  /* we sent an alert in an open session: no_renegotiation */
    uint8_t *flight;     /* handshake records kept to go out in one send (see bio_send) */
    size_t flight_len, flight_cap;
} mbed_t;

static void strerr(int ret, char *buf, size_t len)
{
    mbedtls_strerror(ret, buf, len);
}

/* ---- credentials ------------------------------------------------------------------ */

static size_t count_certs(const mbedtls_x509_crt *c)
{
    size_t n = 0;
    for (; c != NULL && c->version != 0; c = c->next) {
        n++;
    }
    return n;
}

/* mqtls__tls_add_cert_fn onto a chain (ctx): mbedTLS copies the bytes. */
static int32_t add_cert(mqtls_tls_t *t, void *ctx, const uint8_t *der, size_t len, char *why, size_t why_len)
{
    (void)t;
    int ret = mbedtls_x509_crt_parse_der(ctx, der, len);
    if (ret != 0) {
        strerr(ret, why, why_len);
    }
    return ret == 0                               ? MQTLS_OK
           : ret == MBEDTLS_ERR_X509_ALLOC_FAILED ? MQTLS_ERR_NO_MEMORY
                                                  : MQTLS_ERR_TLS_BAD_CERT_FILE;
}

static int32_t load_trust(mqtls_tls_t *t, mbed_t *m)
{
    const mqtls_tls_config_t *c = &t->cfg;
    if (c->ca_file != NULL || c->ca_data != NULL) {
        const mqtls__tls_cert_src_t src = {
            c->ca_file, c->ca_data, c->ca_len, c->ca_format, MQTLS__TLS_CA_BYTES, MQTLS_ERR_TLS_BAD_CA_FILE, false};
        int32_t rc = mqtls__tls_load_certs(t, &src, add_cert, &m->ca);
        if (rc < 0) {
            return rc;
        }
    }
    if (c->ca_path != NULL) {
        int32_t rc = mqtls__tls_load_ca_dir(t, c->ca_path, add_cert, &m->ca);
        if (rc < 0) {
            return rc;
        }
    }
    if (count_certs(&m->ca) > 0u) {
        mbedtls_ssl_conf_ca_chain(&m->conf, &m->ca, NULL);
    }
    /* Verification is off only when asked for, never because trust is missing. */
    mbedtls_ssl_conf_authmode(&m->conf, c->no_verify ? MBEDTLS_SSL_VERIFY_NONE : MBEDTLS_SSL_VERIFY_REQUIRED);
    return MQTLS_OK;
}

/* The algorithm is one mbedTLS lacks, rather than the password being wrong. */
static bool unsupported_algorithm(int ret)
{
    int high = -((-ret) & 0xFF80);
    int low = -((-ret) & 0x007F);
    return high == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE || high == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG ||
           high == MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE || high == MBEDTLS_ERR_PEM_UNKNOWN_ENC_ALG ||
           high == MBEDTLS_ERR_PEM_FEATURE_UNAVAILABLE || low == MBEDTLS_ERR_OID_NOT_FOUND;
}

static int32_t key_error(mqtls_tls_t *t, const char *name, int ret, bool encrypted, bool have_password)
{
    char msg[128];
    strerr(ret, msg, sizeof msg);
    t->report->engine_error = ret;
    if (ret == MBEDTLS_ERR_PK_ALLOC_FAILED) {
        return MQTLS_ERR_NO_MEMORY;
    }
    if (ret == MBEDTLS_ERR_PK_PASSWORD_REQUIRED || (encrypted && !have_password)) {
        return mqtls__tls_key_error(t, name, MQTLS__KEY_NEEDS_PASSWORD, NULL);
    }
    if (encrypted && ret != MBEDTLS_ERR_PK_PASSWORD_MISMATCH && unsupported_algorithm(ret)) {
        return mqtls__tls_key_error(t, name, MQTLS__KEY_UNSUPPORTED,
                                    "mbedTLS " MBEDTLS_VERSION_STRING
                                    " reads PBES2 (PBKDF2 with AES-CBC or 3DES) and PKCS#12 3DES");
    }
    /* Encrypted: a wrong key can give a padding that happens to check, then garbage. */
    bool wrong = encrypted || ret == MBEDTLS_ERR_PK_PASSWORD_MISMATCH;
    return mqtls__tls_key_error(t, name, wrong ? MQTLS__KEY_WRONG_PASSWORD : MQTLS__KEY_NOT_A_KEY, msg);
}

static int parse_key(mbed_t *m, const uint8_t *buf, size_t len, const char *pw)
{
    const unsigned char *pwd = (const unsigned char *)pw;
    size_t pwd_len = pw != NULL ? strlen(pw) : 0u;
    return mqtls__mbed_parse_key(&m->key, buf, len, pwd, pwd_len);
}


static int32_t load_key(mqtls_tls_t *t, mbed_t *m)
{
    const mqtls_tls_config_t *c = &t->cfg;
    mqtls__tls_cred_t cr;
    bool encrypted;
    int32_t rc = mqtls__tls_key_get(t, &cr, &encrypted);
    if (rc != MQTLS_OK) {
        return rc;
    }
    uint8_t *buf = cr.buf;
    size_t len = cr.len;
    bool pem = mqtls__tls_detect_format(buf, len) == MQTLS_TLS_FORMAT_PEM;
    bool have_password = c->key_password != NULL && c->key_password[0] != '\0';
    int ret = parse_key(m, buf, pem ? len + 1u : len, c->key_password);
    /* Only after mbedTLS itself refused: 2.x cannot decrypt PBES2 with AES. */
    if (ret != 0 && encrypted && have_password && ret != MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
        int own = mqtls__pk_parse_pbes2_aes(&m->key, buf, len, pem, c->key_password);
        ret = own == MQTLS__PBES2_NOT_OURS ? ret : own;
    }
    if (ret != 0) {
        rc = key_error(t, cr.what, ret, encrypted, have_password);
    }
    mqtls__tls_cred_free(&cr);
    return rc;
}

static int check_pair(mbed_t *m)
{
    return mqtls__mbed_check_pair(&m->own.pk, &m->key);
}

static int32_t load_identity(mqtls_tls_t *t, mbed_t *m)
{
    const mqtls_tls_config_t *c = &t->cfg;
    if (c->cert_file == NULL && c->cert_data == NULL) {
        return MQTLS_OK; /* tls.c made sure there is no key either */
    }
    const mqtls__tls_cert_src_t src = {
        c->cert_file, c->cert_data, c->cert_len, c->cert_format, MQTLS__TLS_CERT_BYTES, MQTLS_ERR_TLS_BAD_CERT_FILE,
        true};
    int32_t rc = mqtls__tls_load_certs(t, &src, add_cert, &m->own);
    if (rc > 0) {
        rc = load_key(t, m);
    }
    if (rc != MQTLS_OK) {
        return rc;
    }
    int ret = check_pair(m);
    if (ret != 0) {
        t->report->engine_error = ret;
        mqtls__tls_detail(t, "the key (%s, %u bits) does not belong to the certificate (%s, %u bits)",
                          mbedtls_pk_get_name(&m->key), (unsigned)mbedtls_pk_get_bitlen(&m->key),
                          mbedtls_pk_get_name(&m->own.pk), (unsigned)mbedtls_pk_get_bitlen(&m->own.pk));
        return MQTLS_ERR_TLS_KEY_MISMATCH;
    }
    ret = mbedtls_ssl_conf_own_cert(&m->conf, &m->own, &m->key);
    return ret == 0 ? MQTLS_OK : MQTLS_ERR_NO_MEMORY;
}

/* ---- protocol settings ------------------------------------------------------------ */

static void conf_versions(mbed_t *m, uint16_t lo, uint16_t hi)
{
#if MQTLS__MBED_V3
    mbedtls_ssl_conf_min_tls_version(&m->conf, (mbedtls_ssl_protocol_version)lo);
    mbedtls_ssl_conf_max_tls_version(&m->conf, (mbedtls_ssl_protocol_version)hi);
#else
    mbedtls_ssl_conf_min_version(&m->conf, MBEDTLS_SSL_MAJOR_VERSION_3, lo & 0xFF);
    mbedtls_ssl_conf_max_version(&m->conf, MBEDTLS_SSL_MAJOR_VERSION_3, hi & 0xFF);
#endif
}

/* TLS 1.0 and 1.1 are never offered (RFC 8996): a lower minimum is raised,
 * a maximum below 1.2 leaves nothing, a maximum above what this build has
 * is lowered, and a minimum above it cannot be met. */
static int32_t set_versions(mqtls_tls_t *t, mbed_t *m)
{
    uint16_t lo = t->cfg.min_version < MQTLS_TLS_V1_2 ? MQTLS_TLS_V1_2 : t->cfg.min_version;
    uint16_t hi = t->cfg.max_version == 0u ? HIGHEST_VERSION : t->cfg.max_version;
    if (hi < MQTLS_TLS_V1_2) {
        mqtls__tls_detail(t, "maximum TLS version 0x%04x: TLS 1.1 and older are not offered (RFC 8996)",
                          (unsigned)hi);
        return MQTLS_ERR_TLS_BAD_CONFIG;
    }
    if (hi > HIGHEST_VERSION) {
        hi = HIGHEST_VERSION;
    }
    if (lo > hi) {
        mqtls__tls_detail(t, "mbedTLS %s has no TLS 1.3 (TLS 1.2 only); allow TLS 1.2 or use the OpenSSL engine",
                          MBEDTLS_VERSION_STRING);
        return MQTLS_ERR_TLS_NO_COMMON_VERSION;
    }
    conf_versions(m, lo, hi);
    m->lo = lo;
    m->hi = hi;
    return MQTLS_OK;
}

/* An IANA name (underscores) to mbedTLS's id: mbedTLS spells it with
 * dashes, and its TLS 1.3 suites (3.x) as TLS1-3-AES-128-GCM-SHA256. */
static int suite_id(const char *iana)
{
    char name[128];
    size_t n = 0;
    for (; iana[n] != '\0' && n + 1u < sizeof name; n++) {
        char ch = iana[n];
        name[n] = ch == '_' ? '-' : (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
    }
    name[n] = '\0';
    int id = mbedtls_ssl_get_ciphersuite_id(name);
    if (id == 0 && strncmp(name, "TLS-", 4) == 0) {
        char v13[136];
        snprintf(v13, sizeof v13, "TLS1-3-%s", name + 4);
        id = mbedtls_ssl_get_ciphersuite_id(v13);
    }
    return id;
}

static int32_t set_ciphers(mqtls_tls_t *t, mbed_t *m)
{
    if (t->cfg.ciphers == NULL) {
        return MQTLS_OK;
    }
    char name[128];
    size_t n = mqtls__tls_count_ciphers(t->cfg.ciphers);
    m->suites = calloc(n + 1u, sizeof(*m->suites));
    if (m->suites == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    size_t i = 0, n13 = 0;
    for (const char *p = t->cfg.ciphers; mqtls__tls_next_cipher(&p, name, sizeof name);) {
        m->suites[i] = suite_id(name);
        if (m->suites[i] == 0) {
            mqtls__tls_detail(t, "cipher suite '%s' is not known to mbedTLS %s", name, MBEDTLS_VERSION_STRING);
            return MQTLS_ERR_TLS_BAD_CIPHER;
        }
        n13 += strncmp(mbedtls_ssl_get_ciphersuite_name(m->suites[i]), "TLS1-3-", 7) == 0 ? 1u : 0u;
        i++;
    }
    mbedtls_ssl_conf_ciphersuites(&m->conf, m->suites);
    /* Suites of one version only pin that version: offering TLS 1.3 with
     * no TLS 1.3 suite would fail against any TLS 1.3 server. (OpenSSL
     * keeps its TLS 1.3 suites apart from the list and negotiates them.) */
    if (m->hi == MQTLS_TLS_V1_3 && m->lo < m->hi) {
        m->hi = n13 == 0u ? MQTLS_TLS_V1_2 : m->hi;
        m->lo = n13 == n ? MQTLS_TLS_V1_3 : m->lo;
    }
    conf_versions(m, m->lo, m->hi);
    return MQTLS_OK;
}

static int32_t set_alpn(mqtls_tls_t *t, mbed_t *m)
{
    const char *const *list = t->cfg.alpn;
    if (list == NULL || list[0] == NULL) {
        return MQTLS_OK;
    }
#if defined(MBEDTLS_SSL_ALPN)
    size_t n = 0;
    while (list[n] != NULL) {
        n++;
    }
    /* A copy: mbedTLS wants `const char **` and keeps the pointer. */
    m->alpn = calloc(n + 1u, sizeof(*m->alpn));
    if (m->alpn == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    for (size_t i = 0; i < n; i++) {
        m->alpn[i] = list[i];
    }
    if (mbedtls_ssl_conf_alpn_protocols(&m->conf, m->alpn) != 0) {
        mqtls__tls_detail(t, "mbedTLS refused the ALPN list");
        return MQTLS_ERR_TLS_BAD_CONFIG;
    }
    return MQTLS_OK;
#else
    (void)m;
    mqtls__tls_detail(t, "this mbedTLS was built without ALPN");
    return MQTLS_ERR_TLS_BAD_CONFIG;
#endif
}

/* ---- the server's certificates ----------------------------------------------------- */

static void format_time(char *out, size_t len, const mbedtls_x509_time *tm)
{
    snprintf(out, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm->year, tm->mon, tm->day, tm->hour, tm->min,
             tm->sec);
}

/* The names OpenSSL prints (OBJ_nid2ln), so both engines' reports agree. */
static void format_sig_alg(char *out, size_t len, const mbedtls_x509_buf *oid)
{
    static const struct {
        const char *oid;
        size_t oid_len;
        const char *name;
    } names[] = {
#define SIG(o, n) { o, sizeof(o) - 1u, n }
        SIG(MBEDTLS_OID_ECDSA_SHA256, "ecdsa-with-SHA256"),
        SIG(MBEDTLS_OID_ECDSA_SHA384, "ecdsa-with-SHA384"),
        SIG(MBEDTLS_OID_ECDSA_SHA512, "ecdsa-with-SHA512"),
        SIG(MBEDTLS_OID_ECDSA_SHA224, "ecdsa-with-SHA224"),
        SIG(MBEDTLS_OID_ECDSA_SHA1, "ecdsa-with-SHA1"),
        SIG(MBEDTLS_OID_PKCS1_SHA256, "sha256WithRSAEncryption"),
        SIG(MBEDTLS_OID_PKCS1_SHA384, "sha384WithRSAEncryption"),
        SIG(MBEDTLS_OID_PKCS1_SHA512, "sha512WithRSAEncryption"),
        SIG(MBEDTLS_OID_PKCS1_SHA224, "sha224WithRSAEncryption"),
        SIG(MBEDTLS_OID_PKCS1_SHA1, "sha1WithRSAEncryption"),
        SIG(MBEDTLS_OID_PKCS1_MD5, "md5WithRSAEncryption"),
        SIG(MBEDTLS_OID_RSASSA_PSS, "rsassaPss"),
        SIG("\x2B\x65\x70", "ED25519"), /* 1.3.101.112, RFC 8410 §3 */
#undef SIG
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (oid->len == names[i].oid_len && memcmp(oid->p, names[i].oid, oid->len) == 0) {
            snprintf(out, len, "%s", names[i].name);
            return;
        }
    }
#if !defined(MBEDTLS_X509_REMOVE_INFO) /* 3.x can build without the descriptions */
    const char *desc = NULL;
    if (mbedtls_oid_get_sig_alg_desc(oid, &desc) == 0 && desc != NULL) {
        snprintf(out, len, "%s", desc);
        return;
    }
#endif
    if (mbedtls_oid_get_numeric_string(out, len, oid) < 0) {
        snprintf(out, len, "unknown");
    }
}

/* A distinguished name as text ("C=NL, O=..., CN=..."), cut to fit. */
static void format_dn(char *out, size_t len, const mbedtls_x509_name *name)
{
    char dn[1024];
    const char *s = mbedtls_x509_dn_gets(dn, sizeof dn, name) >= 0 ? dn : "(name too long)";
    size_t n = strlen(s);
    n = n < len ? n : len - 1u;
    memcpy(out, s, n);
    out[n] = '\0';
}

static void describe_cert(mqtls_tls_cert_info_t *ci, const mbedtls_x509_crt *crt)
{
    memset(ci, 0, sizeof(*ci));
    format_dn(ci->subject, sizeof ci->subject, &crt->subject);
    format_dn(ci->issuer, sizeof ci->issuer, &crt->issuer);
    format_time(ci->not_before, sizeof ci->not_before, &crt->valid_from);
    format_time(ci->not_after, sizeof ci->not_after, &crt->valid_to);
    snprintf(ci->key_type, sizeof ci->key_type, "%s", mbedtls_pk_get_name(&crt->pk));
    size_t bits = mbedtls_pk_get_bitlen(&crt->pk);
    ci->key_bits = (uint16_t)(bits > UINT16_MAX ? UINT16_MAX : bits);
    format_sig_alg(ci->sig_alg, sizeof ci->sig_alg, &crt->sig_oid);
}

/* `leaf` and what follows it: the certificates as the server sent them. */
static void report_chain(mqtls_tls_report_t *r, const mbedtls_x509_crt *leaf)
{
    r->chain_len = 0;
    for (const mbedtls_x509_crt *c = leaf; c != NULL && c->version != 0; c = c->next) {
        if (r->chain_len < MQTLS_TLS_MAX_CHAIN) {
            describe_cert(&r->chain[r->chain_len], c);
        }
        r->chain_len++;
    }
}

/* Does the certificate carry `host` as an iPAddress name (RFC 5280 §4.2.1.6:
 * 4 or 16 bytes in network order)? The IP literal never matches a dNSName
 * or the CN (RFC 6125 §1.7.2, as OpenSSL's X509_check_ip does). */
static bool names_ip(const mbedtls_x509_crt *crt, const char *host)
{
    uint8_t want[16];
    size_t n = mqtls__tls_parse_ip(host, want);
    if (n == 0u) {
        return false;
    }
    for (const mbedtls_x509_sequence *s = &crt->subject_alt_names; s != NULL; s = s->next) {
        if (s->buf.tag == (MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS) && s->buf.len == n &&
            memcmp(s->buf.p, want, n) == 0) {
            return true;
        }
    }
    return false;
}

static uint32_t verify_flags(uint32_t f);

static int64_t x509_unix(const mbedtls_x509_time *tm)
{
    return mqtls__days_from_civil(tm->year, tm->mon, tm->day) * 86400 + tm->hour * 3600 + tm->min * 60 + tm->sec;
}

/* mbedTLS bits behind an MQTLS_TLS_VERIFY_* set (the reverse of verify_flags()). */
static uint32_t mbed_bits(uint32_t v)
{
    uint32_t known = MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE |
                     MBEDTLS_X509_BADCERT_CN_MISMATCH | MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK;
    uint32_t f = 0;
    f |= (v & MQTLS_TLS_VERIFY_NOT_TRUSTED) ? (uint32_t)MBEDTLS_X509_BADCERT_NOT_TRUSTED : 0u;
    f |= (v & MQTLS_TLS_VERIFY_EXPIRED) ? (uint32_t)MBEDTLS_X509_BADCERT_EXPIRED : 0u;
    f |= (v & MQTLS_TLS_VERIFY_NOT_YET_VALID) ? (uint32_t)MBEDTLS_X509_BADCERT_FUTURE : 0u;
    f |= (v & MQTLS_TLS_VERIFY_NAME_MISMATCH) ? (uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH : 0u;
    f |= (v & MQTLS_TLS_VERIFY_BAD_SIGNATURE)
             ? (uint32_t)(MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK)
             : 0u;
    f |= (v & MQTLS_TLS_VERIFY_OTHER) ? ~known : 0u;
    return f;
}

/* Called for each certificate of the verified path, from the top down to
 * the leaf (depth 0); the flags it leaves are what the handshake reports.
 * mbedTLS judges validity against its own build's clock (none on a
 * firmware without MBEDTLS_HAVE_TIME_DATE): EXPIRED/FUTURE are judged again
 * here, for every certificate of the path, at cfg.verify_time (a device's
 * clock) or the injected wall clock, whenever one is known. Tolerated problems are
 * kept for the report (m->tolerated) and taken out of the verdict. */
static int verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    mqtls_tls_t *t = ctx;
    mbed_t *m = t->impl;
    int64_t now = mqtls__tls_unix_time(t);
    if (now != 0) {
        *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
        if (now > x509_unix(&crt->valid_to)) {
            *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
        }
        if (now < x509_unix(&crt->valid_from)) {
            *flags |= MBEDTLS_X509_BADCERT_FUTURE;
        }
    }
    if (depth == 0) {
        report_chain(t->report, crt);
        if (t->cfg.insecure) {
            *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
        } else if (t->host_is_ip && !names_ip(crt, t->host)) {
            *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
        }
    }
    uint32_t tolerated = *flags & mbed_bits(t->cfg.verify_tolerate);
    if (tolerated != 0u) {
        m->tolerated |= verify_flags(tolerated) & t->cfg.verify_tolerate;
        *flags &= ~tolerated;
    }
    return 0;
}

/* ---- setup ------------------------------------------------------------------------- */

/* mbedtls_entropy_f_source_ptr over the injected hook. */
static int entropy_source(void *ctx, unsigned char *out, size_t len, size_t *olen)
{
    mqtls_tls_t *t = ctx;
    *olen = 0;
    if (mqtls__tls_entropy(t, out, len) != MQTLS_OK) {
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    }
    *olen = len;
    return 0;
}

/* The DRBG is seeded from mbedTLS's entropy pool, which gets the injected
 * hook as a strong source next to whatever the build has (the OS on a
 * host, mbedtls_hardware_poll on a board). */
static int32_t seed_rng(mqtls_tls_t *t, mbed_t *m)
{
    static const unsigned char who[] = "mqtls";
    int ret = mqtls__mbed_psa_init(); /* 3.x: before any key is read or handshake run */
    if (ret == 0 && mqtls__tls_have_entropy(t)) {
        ret = mbedtls_entropy_add_source(&m->entropy, entropy_source, t, 32, MBEDTLS_ENTROPY_SOURCE_STRONG);
    }
    if (ret == 0) {
        ret = mbedtls_ctr_drbg_seed(&m->drbg, mbedtls_entropy_func, &m->entropy, who, sizeof who - 1u);
    }
    if (ret != 0) {
        char msg[128];
        strerr(ret, msg, sizeof msg);
        t->report->engine_error = ret;
        mqtls__tls_detail(t, "cannot seed the random generator: %s%s", msg,
                          mqtls__tls_have_entropy(t) ? "" : " (no entropy source: set cfg.hooks.entropy)");
        return mqtls__tls_have_entropy(t) ? MQTLS_ERR_TLS_HANDSHAKE : MQTLS_ERR_TLS_BAD_CONFIG;
    }
    mbedtls_ssl_conf_rng(&m->conf, mbedtls_ctr_drbg_random, &m->drbg);
    return MQTLS_OK;
}

static mbed_t *mbed_new(void)
{
    mbed_t *m = calloc(1, sizeof(*m));
    if (m != NULL) {
        /* Everything initialised first, so destroy() is safe at any point. */
        mbedtls_ssl_init(&m->ssl);
        mbedtls_ssl_config_init(&m->conf);
        mbedtls_x509_crt_init(&m->ca);
        mbedtls_x509_crt_init(&m->own);
        mbedtls_pk_init(&m->key);
        mbedtls_entropy_init(&m->entropy);
        mbedtls_ctr_drbg_init(&m->drbg);
        mqtls__tls_watch_reset(&m->in);
        mqtls__tls_watch_reset(&m->out);
    }
    return m;
}

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
/*
 * mbedTLS 3.6.6's TLS 1.2 client rejects a ServerKeyExchange signed with
 * rsa_pss_rsae_* (ILLEGAL_PARAMETER, -0x6600; Mbed-TLS/mbedtls#10674, fixed
 * after 3.6.6), and an OpenSSL 3 broker signs with PSS whenever the client
 * offers it, whatever the client's order: every TLS 1.2 broker with an RSA
 * certificate failed. When TLS 1.2 is the highest version we offer, the
 * list leaves PSS out (a TLS 1.2 server then signs with PKCS#1 v1.5); with
 * TLS 1.3 allowed it must stay, since a TLS 1.3 server with an RSA key can
 * only sign with PSS.
 */
static const uint16_t tls12_sig_algs[] = {
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP256R1_SHA256,
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP384R1_SHA384,
    MBEDTLS_TLS1_3_SIG_ECDSA_SECP521R1_SHA512,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA256,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA384,
    MBEDTLS_TLS1_3_SIG_RSA_PKCS1_SHA512,
    MBEDTLS_TLS1_3_SIG_NONE,
};
#endif

static int32_t mbed_setup(mqtls_tls_t *t)
{
    mbed_t *m = mbed_new();
    t->impl = m;
    if (m == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    int ret = mbedtls_ssl_config_defaults(&m->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) {
        t->report->engine_error = ret;
        return MQTLS_ERR_NO_MEMORY;
    }
    int32_t rc = seed_rng(t, m);
    if (rc == MQTLS_OK) {
        rc = set_versions(t, m);
    }
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    if (rc == MQTLS_OK && m->hi == MQTLS_TLS_V1_2) {
        mbedtls_ssl_conf_sig_algs(&m->conf, tls12_sig_algs);
    }
#endif
    if (rc == MQTLS_OK) {
        rc = load_trust(t, m);
    }
    if (rc == MQTLS_OK) {
        rc = load_identity(t, m);
    }
    if (rc == MQTLS_OK) {
        rc = set_ciphers(t, m);
    }
    if (rc == MQTLS_OK) {
        rc = set_alpn(t, m);
    }
    mbedtls_ssl_conf_verify(&m->conf, verify_cb, t);
    return rc;
}

/* ---- I/O through the lower transport ---------------------------------------------- */

/*
 * During the handshake the records of one flight are kept and go out in
 * one send, when mbedTLS next waits for the server (bio_recv) or the
 * handshake step ends. mbedTLS writes each record by itself; a TLS 1.3
 * server that refuses our Certificate closes before it has read the
 * CertificateVerify and Finished behind it, and its kernel answers those
 * with a reset: the write fails inside mbedtls_ssl_handshake(), and the
 * alert that says why, already encrypted, can no longer be read. In one
 * send the flight is in the server's receive queue before it looks at it,
 * our handshake ends, and the alert is read after it as the transport
 * contract says (alert_behind).
 * MQTLS_OK when nothing is left, MQTLS_ERR_WANT_WRITE, or the lower error.
 */
static int32_t flush_flight(mqtls_tls_t *t, mbed_t *m)
{
    size_t done = 0;
    int32_t n = 0;
    while (done < m->flight_len) {
        n = mqtls__tls_lower_send(t, m->flight + done, m->flight_len - done);
        if (n <= 0) {
            break;
        }
        done += (size_t)n;
    }
    if (done > 0u) {
        memmove(m->flight, m->flight + done, m->flight_len - done);
        m->flight_len -= done;
    }
    if (n < 0) {
        m->flight_len = 0;
        return n;
    }
    return m->flight_len == 0u ? MQTLS_OK : MQTLS_ERR_WANT_WRITE;
}

/* Keep a handshake record for the flight; false when out of memory. */
static bool keep_in_flight(mbed_t *m, const unsigned char *buf, size_t len)
{
    if (m->flight_len + len > m->flight_cap) {
        size_t cap = m->flight_cap == 0u ? 4096u : m->flight_cap;
        while (cap < m->flight_len + len) {
            cap *= 2u;
        }
        uint8_t *bigger = realloc(m->flight, cap);
        if (bigger == NULL) {
            return false;
        }
        m->flight = bigger;
        m->flight_cap = cap;
    }
    memcpy(m->flight + m->flight_len, buf, len);
    m->flight_len += len;
    return true;
}

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    mqtls_tls_t *t = ctx;
    mbed_t *m = t->impl;
    /* In an open session mbedTLS sends an alert by itself only to refuse a
     * HelloRequest (renegotiation is off): the record type is in the clear. */
    if (t->established && !m->closing && len > 0u && buf[0] == MQTLS__REC_ALERT) {
        m->refused_reneg = true;
    }
    if (!t->established && len <= 65536u) {
        /* A flight is a few KB; more than 64 KB behind means the server reads nothing. */
        if (m->flight_len > 65536u && flush_flight(t, m) != MQTLS_OK) {
            return t->lower_error != 0 ? MBEDTLS_ERR_NET_SEND_FAILED : MBEDTLS_ERR_SSL_WANT_WRITE;
        }
        if (!keep_in_flight(m, buf, len)) {
            return MBEDTLS_ERR_SSL_ALLOC_FAILED;
        }
        mqtls__tls_watch_feed(&m->out, buf, len);
        return (int)len;
    }
    int32_t n = mqtls__tls_lower_send(t, buf, len > INT32_MAX ? (size_t)INT32_MAX : len);
    if (n > 0) {
        if (!t->established) {
            mqtls__tls_watch_feed(&m->out, buf, (size_t)n);
        }
        return (int)n;
    }
    if (n == 0) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    return n == MQTLS_ERR_CLOSED ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
}

/*
 * ---- the record joiner --------------------------------------------------------
 * TLS lets a handshake message span records and a record carry pieces of
 * several messages (RFC 5246 §6.2.1); a server with a small record size
 * (or a 17 KB chain) does it. mbedTLS reassembles from 3.6.3 on; before,
 * a message must sit in one record, and 2.28 answers "feature not
 * available". While the server's records are in the clear (up to its
 * ChangeCipherSpec), consecutive handshake records are joined here into
 * one record holding whole messages, which is the same byte stream to the
 * handshake. What cannot be joined within 16384 bytes is passed on as it
 * came, and named (MQTLS_ERR_TLS_MESSAGE_TOO_LARGE).
 */
enum { JOIN_RECORDS = MBEDTLS_VERSION_NUMBER < 0x03060300, JOIN_MAX = 16384 };

static bool grow(uint8_t **buf, size_t *cap, size_t need)
{
    if (need <= *cap) {
        return true;
    }
    size_t c = *cap == 0u ? 4096u : *cap;
    while (c < need) {
        c *= 2u;
    }
    uint8_t *b = realloc(*buf, c);
    if (b == NULL) {
        return false;
    }
    *buf = b;
    *cap = c;
    return true;
}

static bool jout_add(mbed_t *m, const uint8_t *p, size_t n)
{
    if (m->jout_pos == m->jout_len) {
        m->jout_pos = m->jout_len = 0;
    }
    if (!grow(&m->jout, &m->jout_cap, m->jout_len + n)) {
        return false;
    }
    memcpy(m->jout + m->jout_len, p, n);
    m->jout_len += n;
    return true;
}

static void jin_drop(mbed_t *m, size_t n)
{
    memmove(m->jin, m->jin + n, m->jin_len - n);
    m->jin_len -= n;
}

/* Do the bytes hold whole handshake messages, and nothing else? */
static bool whole_messages(const uint8_t *p, size_t n)
{
    size_t at = 0;
    while (at + 4u <= n) {
        at += 4u + (((size_t)p[at + 1] << 16) | ((size_t)p[at + 2] << 8) | p[at + 3]);
    }
    return at == n;
}

/* Turn what jin holds into records in jout; false when out of memory. */
static bool join_some(mbed_t *m)
{
    for (;;) {
        if (m->join_off) {
            bool ok = m->jin_len == 0u || jout_add(m, m->jin, m->jin_len);
            m->jin_len = 0;
            return ok;
        }
        if (m->jin_len < 5u) {
            return true;
        }
        size_t rlen = ((size_t)m->jin[3] << 8) | m->jin[4];
        if (m->jin[0] != MQTLS__REC_HANDSHAKE || m->jin[1] != 3u || rlen > JOIN_MAX) {
            m->join_off = true; /* CCS, an alert, or not TLS: mbedTLS sees it as it came */
            continue;
        }
        if (m->jtmp == NULL && (m->jtmp = malloc(JOIN_MAX)) == NULL) {
            return false;
        }
        size_t off = 0, body = 0;
        bool whole = false;
        while (off + 5u <= m->jin_len && m->jin[off] == MQTLS__REC_HANDSHAKE) {
            size_t n = ((size_t)m->jin[off + 3] << 8) | m->jin[off + 4];
            if (off + 5u + n > m->jin_len) {
                break; /* this record is not all here yet */
            }
            if (body + n > JOIN_MAX) {
                m->join_off = true; /* a message larger than a record: pass it on, to be named */
                break;
            }
            memcpy(m->jtmp + body, m->jin + off + 5u, n);
            body += n;
            off += 5u + n;
            if ((whole = whole_messages(m->jtmp, body))) {
                break;
            }
        }
        if (m->join_off) {
            continue;
        }
        if (!whole) {
            return true; /* wait for the rest of the message */
        }
        uint8_t hdr[5] = {MQTLS__REC_HANDSHAKE, 3u, m->jin[2], (uint8_t)(body >> 8), (uint8_t)body};
        if (!jout_add(m, hdr, sizeof hdr) || !jout_add(m, m->jtmp, body)) {
            return false;
        }
        jin_drop(m, off);
    }
}

/* bio_recv for a 2.28 handshake: records from the joiner. */
static int join_recv(mqtls_tls_t *t, mbed_t *m, unsigned char *buf, size_t len)
{
    while (m->jout_pos == m->jout_len) {
        if (!grow(&m->jin, &m->jin_cap, m->jin_len + 4096u)) {
            return MBEDTLS_ERR_SSL_ALLOC_FAILED;
        }
        int32_t n = mqtls__tls_lower_recv(t, m->jin + m->jin_len, 4096u);
        if (n == 0) {
            return MBEDTLS_ERR_SSL_WANT_READ;
        }
        if (n < 0) {
            return n == MQTLS_ERR_CLOSED ? 0 : MBEDTLS_ERR_NET_RECV_FAILED;
        }
        mqtls__tls_watch_feed(&m->in, m->jin + m->jin_len, (size_t)n);
        m->jin_len += (size_t)n;
        if (!join_some(m)) {
            return MBEDTLS_ERR_SSL_ALLOC_FAILED;
        }
    }
    size_t n = m->jout_len - m->jout_pos;
    n = n < len ? n : len;
    memcpy(buf, m->jout + m->jout_pos, n);
    m->jout_pos += n;
    return (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    mqtls_tls_t *t = ctx;
    mbed_t *m = t->impl;
    int32_t f = flush_flight(t, m); /* the server answers only what it got */
    if (f == MQTLS_ERR_WANT_WRITE) {
        return MBEDTLS_ERR_SSL_WANT_READ; /* mbed_handshake turns it into WANT_WRITE */
    }
    if (f < 0) {
        return f == MQTLS_ERR_CLOSED ? MBEDTLS_ERR_NET_CONN_RESET : MBEDTLS_ERR_NET_SEND_FAILED;
    }
    if (JOIN_RECORDS && (!t->established || m->jout_pos < m->jout_len) && (!m->join_off || m->jout_pos < m->jout_len ||
                                                                          m->jin_len > 0u)) {
        return join_recv(t, m, buf, len);
    }
    int32_t n = mqtls__tls_lower_recv(t, buf, len > INT32_MAX ? (size_t)INT32_MAX : len);
    if (n > 0) {
        if (!t->established) {
            mqtls__tls_watch_feed(&m->in, buf, (size_t)n);
        }
        return (int)n;
    }
    if (n == 0) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    /* 0 is how a bio tells mbedTLS the stream ended. */
    return n == MQTLS_ERR_CLOSED ? 0 : MBEDTLS_ERR_NET_RECV_FAILED;
}

static int32_t mbed_start(mqtls_tls_t *t)
{
    mbed_t *m = t->impl;
    int ret;
    if (m->ssl_ready) {
        ret = mbedtls_ssl_session_reset(&m->ssl); /* a second handshake on the same session */
    } else {
        ret = mbedtls_ssl_setup(&m->ssl, &m->conf);
        m->ssl_ready = ret == 0;
    }
    if (ret != 0) {
        t->report->engine_error = ret;
        mqtls__tls_detail(t, "cannot prepare the TLS session (out of memory?)");
        return MQTLS_ERR_NO_MEMORY;
    }
    mqtls__tls_watch_reset(&m->in);
    mqtls__tls_watch_reset(&m->out);
    m->write_taken = 0;
    m->flight_len = 0;
    m->jin_len = m->jout_len = m->jout_pos = 0;
    m->join_off = false;
    m->closing = m->refused_reneg = false;
    m->tolerated = 0;
    /* No SNI for an IP literal (RFC 6066 §3); verify_cb checks it instead.
     * Setting NULL explicitly also tells 3.6 that no name check is wanted
     * from mbedTLS itself. */
    ret = mbedtls_ssl_set_hostname(&m->ssl, t->host_is_ip ? NULL : t->host);
    if (ret != 0) {
        t->report->engine_error = ret;
        mqtls__tls_detail(t, "server name '%s' cannot be used (longer than 255 bytes?)", t->host);
        return MQTLS_ERR_TLS_BAD_CONFIG;
    }
    mbedtls_ssl_set_bio(&m->ssl, t, bio_send, bio_recv, NULL);
    return MQTLS_OK;
}

/* ---- handshake results ------------------------------------------------------------- */

/* What the watch learnt, into the report. */
static void note_watch(mqtls_tls_t *t, const mbed_t *m)
{
    if (m->in.hs_types & (1u << MQTLS__HS_CERTIFICATE_REQUEST)) {
        t->report->cert_requested = true;
    }
    if (m->out.alert >= 0) {
        t->report->alert_sent = m->out.alert;
    }
}

static uint32_t verify_flags(uint32_t f)
{
    uint32_t v = 0;
    if (f & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        v |= MQTLS_TLS_VERIFY_NOT_TRUSTED;
    }
    if (f & MBEDTLS_X509_BADCERT_EXPIRED) {
        v |= MQTLS_TLS_VERIFY_EXPIRED;
    }
    if (f & MBEDTLS_X509_BADCERT_FUTURE) {
        v |= MQTLS_TLS_VERIFY_NOT_YET_VALID;
    }
    if (f & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
        v |= MQTLS_TLS_VERIFY_NAME_MISMATCH;
    }
    /* A signature made with a hash or key type the profile refuses. (A
     * signature that does not verify shows up as NOT_TRUSTED in mbedTLS.) */
    if (f & (MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK)) {
        v |= MQTLS_TLS_VERIFY_BAD_SIGNATURE;
    }
    uint32_t known = MBEDTLS_X509_BADCERT_NOT_TRUSTED | MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE |
                     MBEDTLS_X509_BADCERT_CN_MISMATCH | MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK;
    if ((f & ~known) != 0u || v == 0u) {
        v |= MQTLS_TLS_VERIFY_OTHER; /* key usage, key too small, CRL, ... */
    }
    return v;
}

/* mbedTLS's sentences for the flags, "; "-separated on one line. */
static void verify_text(char *out, size_t len, uint32_t flags)
{
    out[0] = '\0';
#if !defined(MBEDTLS_X509_REMOVE_INFO)
    /* Each sentence comes as "<prefix>text\n": with prefix " ", turning each
     * newline into ';' gives " a; b;" -- drop the first and last byte. */
    int n = mbedtls_x509_crt_verify_info(out, len, " ", flags);
    if (n <= 1) {
        out[0] = '\0';
        return;
    }
    out[n - 1] = '\0';
    for (char *p = out; *p != '\0'; p++) {
        *p = *p == '\n' ? ';' : *p;
    }
    memmove(out, out + 1, (size_t)n - 1u);
#else
    (void)len;
    (void)flags;
#endif
}

static int32_t verify_failure(mqtls_tls_t *t, mbed_t *m)
{
    uint32_t f = mbedtls_ssl_get_verify_result(&m->ssl);
    uint32_t v = verify_flags(f);
    t->report->verify_flags = v | m->tolerated;
    char info[200];
    int32_t rc = mqtls__tls_verify_error(v);
    if (rc == MQTLS_ERR_TLS_HOSTNAME_MISMATCH) {
        verify_text(info, sizeof info, f & ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH);
        mqtls__tls_detail(t, "the certificate has no %s for '%s'%s%s",
                          t->host_is_ip ? "IP address entry (subjectAltName iPAddress)" : "DNS name or CN",
                          t->host, info[0] != '\0' ? "; also: " : "", info);
    } else {
        verify_text(info, sizeof info, f);
        mqtls__tls_detail(t, "server certificate: %s", info);
    }
    return rc;
}

static int received_alert(const mbed_t *m)
{
    /* The record just read is the alert: level, description (RFC 5246 §7.2). */
    const unsigned char *msg = m->ssl.MQTLS__MBED_PRIV(in_msg);
    return msg != NULL ? msg[1] : -1;
}

static int32_t alert_failure(mqtls_tls_t *t, const mbed_t *m)
{
    return mqtls__tls_alert_failure(t, received_alert(m));
}

/*
 * A server that refuses us sends its alert and closes; if our next flight
 * is already on its way, its kernel answers with a reset and mbedTLS sees
 * a failed write, not the alert. The alert usually still waits in our
 * receive queue: read what is left, and let the watch find it.
 */
static void read_leftovers(mqtls_tls_t *t, mbed_t *m)
{
    int32_t kept = t->lower_error;
    uint8_t buf[512];
    for (int i = 0; i < 16 && !m->in.stopped; i++) {
        int32_t n = mqtls__tls_lower_recv(t, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        mqtls__tls_watch_feed(&m->in, buf, (size_t)n);
    }
    t->lower_error = kept;
}

/* The lower transport failed or ended during the handshake. A reset is the
 * peer closing, as far as the user can act on it; other errors stand. */
static int32_t lower_failure(mqtls_tls_t *t, mbed_t *m)
{
    int32_t err = t->lower_error;
    if (err == MQTLS_ERR_SEND || err == MQTLS_ERR_RECV) {
        read_leftovers(t, m);
        note_watch(t, m);
    }
    if (m->in.not_tls) {
        return mqtls__tls_not_tls_error(t, &m->in);
    }
    if (m->in.bad_record) {
        return mqtls__tls_bad_record_error(t, &m->in, NULL);
    }
    if (m->in.alert >= 0) {
        return mqtls__tls_alert_failure(t, m->in.alert);
    }
    if (err == MQTLS_ERR_CLOSED) {
        return mqtls__tls_closed_error(t, &m->in, false);
    }
    if (err == MQTLS_ERR_SEND || err == MQTLS_ERR_RECV) {
        return mqtls__tls_closed_error(t, &m->in, true);
    }
    mqtls__tls_detail(t, "the connection failed during the TLS handshake: %s", mqtls_strerror(err));
    return err;
}

static bool is_no_cipher(int ret)
{
    (void)ret;
#if defined(MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN)
    if (ret == MBEDTLS_ERR_SSL_NO_CIPHER_CHOSEN) {
        return true;
    }
#endif
#if defined(MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE)
    if (ret == MBEDTLS_ERR_SSL_NO_USABLE_CIPHERSUITE) {
        return true;
    }
#endif
    return false;
}

static bool is_bad_version(int ret)
{
    (void)ret;
#if defined(MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION)
    if (ret == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION) {
        return true;
    }
#endif
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
    if (ret == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION) {
        return true;
    }
#endif
    return false;
}

static bool is_garbled(int ret)
{
#if defined(MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO)
    if (ret == MBEDTLS_ERR_SSL_BAD_HS_SERVER_HELLO) {
        return true;
    }
#endif
    return ret == MBEDTLS_ERR_SSL_INVALID_RECORD || ret == MBEDTLS_ERR_SSL_UNEXPECTED_RECORD ||
           ret == MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE;
}

static int32_t handshake_error(mqtls_tls_t *t, mbed_t *m, int ret)
{
    char msg[128];
    strerr(ret, msg, sizeof msg);
    t->report->engine_error = ret;
    if (m->in.not_tls) {
        return mqtls__tls_not_tls_error(t, &m->in);
    }
    if (m->in.bad_record) {
        return mqtls__tls_bad_record_error(t, &m->in, NULL);
    }
    /* A message larger than the input buffer: 2.28 says "feature not
     * available", 3.6 "bad input parameters". */
    if (m->in.hs_max + 4u > MBEDTLS_SSL_IN_CONTENT_LEN && t->lower_error == 0 &&
        (ret == MBEDTLS_ERR_SSL_FEATURE_UNAVAILABLE || ret == MBEDTLS_ERR_SSL_BAD_INPUT_DATA ||
         ret == MBEDTLS_ERR_SSL_INVALID_RECORD || ret == MBEDTLS_ERR_SSL_BUFFER_TOO_SMALL)) {
        mqtls__tls_detail(t, "the server's handshake message of %u bytes does not fit mbedTLS %s's input buffer "
                             "(MBEDTLS_SSL_IN_CONTENT_LEN %u); mbedTLS 3.6 or the OpenSSL engine take up to 16 KB "
                             "plus the record overhead, OpenSSL more (%s)",
                          (unsigned)(m->in.hs_max + 4u), MBEDTLS_VERSION_STRING, (unsigned)MBEDTLS_SSL_IN_CONTENT_LEN,
                          msg);
        return MQTLS_ERR_TLS_MESSAGE_TOO_LARGE;
    }
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
        return verify_failure(t, m);
    }
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        return alert_failure(t, m);
    }
    if (t->lower_error != 0) {
        return lower_failure(t, m);
    }
    if (ret == MBEDTLS_ERR_SSL_CONN_EOF) {
        return mqtls__tls_closed_error(t, &m->in, false);
    }
    if (is_no_cipher(ret)) {
        mqtls__tls_detail(t, "%s", msg);
        return MQTLS_ERR_TLS_NO_SHARED_CIPHER;
    }
    if (is_bad_version(ret)) {
        mqtls__tls_detail(t, "the server chose a TLS version outside the allowed range (%s)", msg);
        return MQTLS_ERR_TLS_NO_COMMON_VERSION;
    }
    if (is_garbled(ret) && !(m->in.hs_types & (1u << MQTLS__HS_SERVER_HELLO))) {
        mqtls__tls_detail(t, "the server's answer is not a TLS handshake (%s); is this a plain MQTT port?", msg);
        return MQTLS_ERR_TLS_NOT_TLS;
    }
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    /* See tls12_sig_algs: TLS 1.3 allowed, a TLS 1.2 server's signed key exchange refused. */
    if (ret == MBEDTLS_ERR_SSL_ILLEGAL_PARAMETER && m->hi > MQTLS_TLS_V1_2 &&
        (m->in.hs_types & (1u << MQTLS__HS_SERVER_KEY_EXCHANGE))) {
        mqtls__tls_detail(t,
                          "mbedTLS %s rejects a TLS 1.2 server's RSA-PSS signature (Mbed-TLS/mbedtls#10674): use "
                          "--tls-version tlsv1.2 (max_version), TLS 1.3 on the broker, or OpenSSL",
                          MBEDTLS_VERSION_STRING);
        return MQTLS_ERR_TLS_HANDSHAKE;
    }
#endif
    mqtls__tls_detail(t, "%s (mbedTLS -0x%04x)", msg, (unsigned)-ret);
    return ret == MBEDTLS_ERR_SSL_ALLOC_FAILED ? MQTLS_ERR_NO_MEMORY : MQTLS_ERR_TLS_HANDSHAKE;
}

/* "TLS-ECDHE-ECDSA-WITH-AES-128-GCM-SHA256" to the IANA spelling, and
 * 3.x's "TLS1-3-AES-128-GCM-SHA256" to "TLS_AES_128_GCM_SHA256". */
static void iana_suite(char *out, size_t len, const char *name)
{
    if (strncmp(name, "TLS1-3-", 7) == 0) {
        snprintf(out, len, "TLS_%s", name + 7);
    } else {
        snprintf(out, len, "%s", name);
    }
    for (char *p = out; *p != '\0'; p++) {
        if (*p == '-') {
            *p = '_';
        }
    }
}

static void report_success(mqtls_tls_t *t, mbed_t *m)
{
    mqtls_tls_report_t *r = t->report;
    snprintf(r->version, sizeof r->version, "%s", mbedtls_ssl_get_version(&m->ssl));
    iana_suite(r->cipher, sizeof r->cipher, mbedtls_ssl_get_ciphersuite(&m->ssl));
    const char *alpn = NULL;
#if defined(MBEDTLS_SSL_ALPN)
    alpn = mbedtls_ssl_get_alpn_protocol(&m->ssl);
#endif
    snprintf(r->alpn, sizeof r->alpn, "%s", alpn != NULL ? alpn : "");
    r->verify_flags = m->tolerated; /* what verification let through, if anything */
#if defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
    /* verify_cb filled the chain unless verification was off. */
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(&m->ssl);
    if (r->chain_len == 0u && peer != NULL) {
        report_chain(r, peer);
    }
#endif
}

static int32_t mbed_handshake(mqtls_tls_t *t)
{
    mbed_t *m = t->impl;
    int32_t f = flush_flight(t, m); /* what the last step left */
    if (f == MQTLS_ERR_WANT_WRITE) {
        return f;
    }
    int ret = f < 0 ? MBEDTLS_ERR_NET_SEND_FAILED : mbedtls_ssl_handshake(&m->ssl);
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        f = flush_flight(t, m);
        ret = f == MQTLS_ERR_WANT_WRITE ? MBEDTLS_ERR_SSL_WANT_WRITE : f < 0 ? MBEDTLS_ERR_NET_SEND_FAILED : ret;
    } else {
        (void)flush_flight(t, m); /* our alert, if mbedTLS sent one: best effort */
    }
    note_watch(t, m);
    if (ret == 0) {
        report_success(t, m);
        return MQTLS_OK;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ) {
        return MQTLS_ERR_WANT_READ;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return MQTLS_ERR_WANT_WRITE;
    }
    return handshake_error(t, m, ret);
}

/* ---- records after the handshake ---------------------------------------------------- */

/* 3.x with TLS 1.3 returns each NewSessionTicket from mbedtls_ssl_read as
 * this code (we keep no tickets: nothing to do but read on). */
static bool is_new_ticket(int ret)
{
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    return ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
#else
    (void)ret;
    return false;
#endif
}

/*
 * Our write failed because the server closed: with TLS 1.3 a server that
 * rejects our certificate says so after the handshake, in an (encrypted)
 * alert sent just before it closed, which usually waits in the receive
 * queue. Let mbedTLS read what is there, without waiting: the alert is the
 * cause, the broken pipe only its consequence.
 */
static bool alert_behind(mqtls_tls_t *t, mbed_t *m)
{
    int32_t kept = t->lower_error;
    unsigned char scratch[256];
    int ret = 0;
    for (int i = 0; i < 8; i++) {
        t->lower_error = 0;
        ret = mbedtls_ssl_read(&m->ssl, scratch, sizeof scratch);
        if (ret <= 0 && !is_new_ticket(ret)) {
            break;
        }
    }
    mbedtls_platform_zeroize(scratch, sizeof scratch);
    t->lower_error = kept;
    return ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
}

static int32_t io_error(mqtls_tls_t *t, mbed_t *m, int ret, bool writing)
{
    if (m->refused_reneg && (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE || t->lower_error == MQTLS_ERR_CLOSED)) {
        t->report->engine_error = ret;
        return mqtls__tls_renegotiation_error(t, ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE ? received_alert(m) : -1);
    }
    if (ret == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE || (writing && t->lower_error != 0 && alert_behind(t, m))) {
        /* TLS 1.3 servers reject a client certificate here, after the handshake. */
        t->report->engine_error = MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE;
        return alert_failure(t, m);
    }
    if (t->lower_error != 0) {
        return t->lower_error; /* MQTLS_ERR_CLOSED included: closed without close_notify */
    }
    char msg[128];
    strerr(ret, msg, sizeof msg);
    t->report->engine_error = ret;
    mqtls__tls_detail(t, "%s (mbedTLS -0x%04x)", msg, (unsigned)-ret);
    return MQTLS_ERR_TLS_IO;
}

/*
 * A write that returns WANT_WRITE has already copied its bytes into a
 * record, and mbedTLS wants the same call again: the retry only flushes
 * and reports the retry's length as written. Our caller may retry with
 * more bytes behind the same ones (the transport contract allows it), so
 * the retry passes exactly the length taken.
 */
static int32_t mbed_send(mqtls_tls_t *t, const uint8_t *buf, size_t len)
{
    mbed_t *m = t->impl;
    size_t n = len;
    if (m->write_taken != 0u) {
        if (len < m->write_taken) {
            return MQTLS_ERR_INVALID_ARG; /* the retry must start with the same bytes */
        }
        n = m->write_taken;
    } else {
        int max = mbedtls_ssl_get_max_out_record_payload(&m->ssl);
        if (max > 0 && n > (size_t)max) {
            n = (size_t)max;
        }
    }
    if (n == 0u) {
        return 0;
    }
    int ret = mbedtls_ssl_write(&m->ssl, buf, n);
    if (ret >= 0) {
        m->write_taken = 0;
        return (int32_t)ret;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_WRITE || ret == MBEDTLS_ERR_SSL_WANT_READ) {
        m->write_taken = n;
        return 0;
    }
    m->write_taken = 0;
    return io_error(t, m, ret, true);
}

static int32_t mbed_recv(mqtls_tls_t *t, uint8_t *buf, size_t len)
{
    mbed_t *m = t->impl;
    if (len == 0u) {
        return 0;
    }
    int ret = mbedtls_ssl_read(&m->ssl, buf, len > INT32_MAX ? (size_t)INT32_MAX : len);
    if (ret > 0) {
        return (int32_t)ret;
    }
    if (ret == MBEDTLS_ERR_SSL_WANT_READ || ret == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return 0;
    }
    if (is_new_ticket(ret)) {
        return 0; /* TLS 1.3: a session ticket, not data; call again */
    }
    if (m->refused_reneg && (ret == 0 || ret == MBEDTLS_ERR_SSL_CONN_EOF)) {
        return mqtls__tls_renegotiation_error(t, -1);
    }
    if (ret == 0 || ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || ret == MBEDTLS_ERR_SSL_CONN_EOF) {
        return MQTLS_ERR_CLOSED;
    }
    return io_error(t, m, ret, false);
}

static size_t mbed_pending(mqtls_tls_t *t)
{
    mbed_t *m = t->impl;
    /* Records the joiner holds count: the socket will not say they are there. */
    return m != NULL ? mbedtls_ssl_get_bytes_avail(&m->ssl) + (m->jout_len - m->jout_pos) : 0u;
}

static void mbed_shutdown(mqtls_tls_t *t)
{
    mbed_t *m = t->impl;
    if (m != NULL && m->ssl_ready) {
        m->closing = true;
        (void)mbedtls_ssl_close_notify(&m->ssl); /* best effort: WANT_WRITE means it stays unsent */
    }
}

static void mbed_destroy(mqtls_tls_t *t)
{
    mbed_t *m = t->impl;
    if (m == NULL) {
        return;
    }
    mbedtls_ssl_free(&m->ssl);
    mbedtls_ssl_config_free(&m->conf);
    mbedtls_x509_crt_free(&m->ca);
    mbedtls_x509_crt_free(&m->own);
    mbedtls_pk_free(&m->key);
    mbedtls_ctr_drbg_free(&m->drbg);
    mbedtls_entropy_free(&m->entropy);
    free(m->suites);
    free(m->alpn);
    free(m->flight);
    free(m->jin);
    free(m->jout);
    free(m->jtmp);
    free(m);
    t->impl = NULL;
}

const struct mqtls__tls_ops mqtls__tls_mbedtls_ops = {
    .name = "mbedtls",
    .setup = mbed_setup,
    .start = mbed_start,
    .handshake = mbed_handshake,
    .send = mbed_send,
    .recv = mbed_recv,
    .pending = mbed_pending,
    .shutdown = mbed_shutdown,
    .destroy = mbed_destroy,
    .max_version = HIGHEST_VERSION,
};
