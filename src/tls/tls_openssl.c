/* SPDX-License-Identifier: MIT
 * mqtls: the OpenSSL 3 TLS engine (see tls_priv.h for what an engine does). */
/*
 * One SSL_CTX per session, built in setup() from the configuration, and one
 * SSL bound to a BIO of our own whose read/write call the lower transport;
 * OpenSSL never sees a socket, so TLS runs over anything that follows the
 * transport contract. No process-wide state: the BIO_METHOD is made per
 * session too, with the plain BIO_TYPE_SOURCE_SINK type: BIO_get_new_index()
 * counts up process-wide, and past 255 its numbers run into the type's
 * class bits (BIO_TYPE_MASK), which a device reconnecting all day reaches.
 *
 * Credentials are read and split by tls_cred.c, not by SSL_CTX_use_*_file(),
 * because the contract wants PEM or DER detected from the content, several
 * CA certificates in one DER or PEM file, a CA directory of plain files (the
 * capath of OpenSSL wants hashed names, which nobody flashing a device has),
 * and an error that says which file is wrong and why, the same on every
 * engine; this file turns each DER certificate into an X509 and decodes the
 * key. The server's cleartext bytes go through the record watcher
 * (tls_watch.c), as on mbedTLS.
 *
 * Verification runs through a whole-chain callback that lets OpenSSL go on
 * past each problem only to collect them all (untrusted AND expired AND
 * wrong name), then fails if it saw any: the report's flags then hold every
 * problem, as mbedTLS's do, and the common layer picks the most telling
 * one. Rejected: stopping at OpenSSL's first error (it checks the name
 * before the dates, so an expired certificate for the wrong name would say
 * "name" here and "expired" on mbedTLS).
 *
 * Why a handshake failed is decided from what we saw ourselves where
 * possible (the alert read, what the watcher saw, the lower
 * transport's error, the verify result) and from OpenSSL's reason code
 * only for the rest; OpenSSL's error queue is emptied after every call so
 * nothing leaks into the next session of the thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "tls_priv.h"

#define MAX_VERIFY_ERRORS 4

typedef struct {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO_METHOD *meth;
    /* What the server sent back in the clear (tls_watch.c), to tell "not
     * TLS", a broken record and "closed without an answer" from a TLS failure. */
    mqtls__tls_watch_t in;
    bool eof;          /* the lower transport said MQTLS_ERR_CLOSED */
    int32_t io_error;  /* lower error during the current OpenSSL call */
    int alert_in;      /* alert read during the current OpenSSL call, -1 none */
    bool shut;
    bool refused_reneg; /* we answered a HelloRequest with no_renegotiation */
    /* Every verification problem seen, in the order OpenSSL found them. */
    int verr[MAX_VERIFY_ERRORS];
    int vdepth[MAX_VERIFY_ERRORS];
    size_t nverr;
} ossl_t;

/* ---- errors ----------------------------------------------------------------- */

/* OpenSSL's reason for the last failure, in words. */
static const char *ossl_reason(char *buf, size_t len)
{
    unsigned long e = ERR_peek_last_error();
    const char *lib = ERR_lib_error_string(e);
    const char *why = ERR_reason_error_string(e);
    if (e == 0) {
        snprintf(buf, len, "no reason given by OpenSSL");
    } else if (why != NULL) {
        snprintf(buf, len, "%s: %s", lib != NULL ? lib : "OpenSSL", why);
    } else {
        ERR_error_string_n(e, buf, len);
    }
    return buf;
}

/* Keep OpenSSL's code in the report and empty its queue, so an error of
 * this session never shows up as the reason of the next one. */
static int32_t done(mqtls_tls_t *t, int32_t rc)
{
    if (rc < 0 && rc != MQTLS_ERR_WANT_READ && rc != MQTLS_ERR_WANT_WRITE) {
        t->report->engine_error = (int64_t)ERR_peek_last_error();
    }
    ERR_clear_error();
    return rc;
}

/* A failure while loading `what`: the code, with OpenSSL's reason. */
static int32_t load_error(mqtls_tls_t *t, int32_t code, const char *what, const char *problem)
{
    char why[160];
    if (ERR_peek_last_error() != 0) {
        mqtls__tls_detail(t, "%s: %s (%s)", what, problem, ossl_reason(why, sizeof why));
    } else {
        mqtls__tls_detail(t, "%s: %s", what, problem);
    }
    return code;
}

/* ---- I/O: a BIO over the lower transport -------------------------------------- */

static int bio_write(BIO *b, const char *data, int len)
{
    mqtls_tls_t *t = BIO_get_data(b);
    ossl_t *o = t->impl;
    BIO_clear_retry_flags(b);
    if (len <= 0) {
        return 0;
    }
    int32_t n = mqtls__tls_lower_send(t, (const uint8_t *)data, (size_t)len);
    if (n > 0) {
        return (int)n;
    }
    if (n == 0) {
        BIO_set_retry_write(b);
    } else {
        o->io_error = n;
    }
    return -1;
}

static int bio_read(BIO *b, char *data, int len)
{
    mqtls_tls_t *t = BIO_get_data(b);
    ossl_t *o = t->impl;
    BIO_clear_retry_flags(b);
    if (len <= 0) {
        return 0;
    }
    int32_t n = mqtls__tls_lower_recv(t, (uint8_t *)data, (size_t)len);
    if (n > 0) {
        if (!t->established) {
            mqtls__tls_watch_feed(&o->in, (const uint8_t *)data, (size_t)n);
        }
        return (int)n;
    }
    if (n == 0) {
        BIO_set_retry_read(b);
        return -1;
    }
    if (n == MQTLS_ERR_CLOSED) {
        /* 0 is end of stream for a BIO; BIO_eof() below confirms it, which
         * is how OpenSSL 3 tells "unexpected EOF" from an I/O error. */
        o->eof = true;
        return 0;
    }
    o->io_error = n;
    return -1;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
    (void)num;
    (void)ptr;
    mqtls_tls_t *t = BIO_get_data(b);
    switch (cmd) {
    case BIO_CTRL_FLUSH:
        return 1; /* nothing is buffered here; the lower transport sends at once */
    case BIO_CTRL_EOF:
        return t != NULL && ((ossl_t *)t->impl)->eof ? 1 : 0;
    default:
        return 0;
    }
}

static int bio_create(BIO *b)
{
    BIO_set_init(b, 1);
    return 1;
}

static int bio_destroy(BIO *b)
{
    BIO_set_data(b, NULL);
    return 1;
}

static BIO_METHOD *make_method(void)
{
    BIO_METHOD *m = BIO_meth_new(BIO_TYPE_SOURCE_SINK, "mqtls lower transport");
    if (m != NULL && (!BIO_meth_set_write(m, bio_write) || !BIO_meth_set_read(m, bio_read) ||
                      !BIO_meth_set_ctrl(m, bio_ctrl) || !BIO_meth_set_create(m, bio_create) ||
                      !BIO_meth_set_destroy(m, bio_destroy))) {
        BIO_meth_free(m);
        m = NULL;
    }
    return m;
}

/* ---- certificates (read and split by tls_cred.c) -------------------------------- */

/* One DER certificate, or NULL with OpenSSL's reason in why. */
static X509 *der_cert(const uint8_t *der, size_t len, char *why, size_t why_len)
{
    const unsigned char *p = der;
    X509 *x = len <= (size_t)INT32_MAX ? d2i_X509(NULL, &p, (long)len) : NULL;
    if (x == NULL) {
        ossl_reason(why, why_len);
        ERR_clear_error();
    }
    return x;
}

/* mqtls__tls_add_cert_fn into the trust store (ctx). */
static int32_t trust_cert(mqtls_tls_t *t, void *ctx, const uint8_t *der, size_t len, char *why, size_t why_len)
{
    (void)t;
    X509 *x = der_cert(der, len, why, why_len);
    if (x == NULL) {
        return MQTLS_ERR_TLS_BAD_CA_FILE;
    }
    int ok = X509_STORE_add_cert(ctx, x); /* takes its own reference */
    X509_free(x);
    return ok ? MQTLS_OK : MQTLS_ERR_NO_MEMORY;
}

/* mqtls__tls_add_cert_fn onto a chain (ctx, a STACK_OF(X509)). */
static int32_t chain_cert(mqtls_tls_t *t, void *ctx, const uint8_t *der, size_t len, char *why, size_t why_len)
{
    (void)t;
    X509 *x = der_cert(der, len, why, why_len);
    if (x == NULL) {
        return MQTLS_ERR_TLS_BAD_CERT_FILE;
    }
    if (!sk_X509_push(ctx, x)) {
        X509_free(x);
        return MQTLS_ERR_NO_MEMORY;
    }
    return MQTLS_OK;
}

/* ---- trust ------------------------------------------------------------------- */

static int32_t load_trust(mqtls_tls_t *t)
{
    const mqtls_tls_config_t *c = &t->cfg;
    ossl_t *o = t->impl;
    int32_t rc = MQTLS_OK;
    if (c->ca_file != NULL || c->ca_data != NULL) {
        const mqtls__tls_cert_src_t src = {
            c->ca_file, c->ca_data, c->ca_len, c->ca_format, MQTLS__TLS_CA_BYTES, MQTLS_ERR_TLS_BAD_CA_FILE, false};
        rc = mqtls__tls_load_certs(t, &src, trust_cert, SSL_CTX_get_cert_store(o->ctx));
    }
    if (rc >= 0 && c->ca_path != NULL) {
        rc = mqtls__tls_load_ca_dir(t, c->ca_path, trust_cert, SSL_CTX_get_cert_store(o->ctx));
    }
    return rc < 0 ? rc : MQTLS_OK;
}

/* ---- our identity -------------------------------------------------------------- */

/* The first certificate is ours, the rest its chain up to (not including) the root. */
static int32_t use_cert_chain(mqtls_tls_t *t, const char *what, STACK_OF(X509) * sk)
{
    ossl_t *o = t->impl;
    if (SSL_CTX_use_certificate(o->ctx, sk_X509_value(sk, 0)) != 1) {
        return load_error(t, MQTLS_ERR_TLS_BAD_CERT_FILE, what, "OpenSSL refuses this certificate");
    }
    for (int i = 1; i < sk_X509_num(sk); i++) {
        if (SSL_CTX_add1_chain_cert(o->ctx, sk_X509_value(sk, i)) != 1) {
            return load_error(t, MQTLS_ERR_TLS_BAD_CERT_FILE, what, "cannot use an intermediate certificate");
        }
    }
    return MQTLS_OK;
}

static int32_t load_cert(mqtls_tls_t *t)
{
    const mqtls_tls_config_t *c = &t->cfg;
    STACK_OF(X509) *sk = sk_X509_new_null();
    if (sk == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    const mqtls__tls_cert_src_t src = {
        c->cert_file, c->cert_data, c->cert_len, c->cert_format, MQTLS__TLS_CERT_BYTES, MQTLS_ERR_TLS_BAD_CERT_FILE,
        true};
    int32_t rc = mqtls__tls_load_certs(t, &src, chain_cert, sk);
    if (rc > 0) {
        rc = use_cert_chain(t, c->cert_file != NULL ? c->cert_file : src.what, sk);
    }
    sk_X509_pop_free(sk, X509_free);
    return rc;
}

typedef struct {
    const char *password;
    bool asked; /* OpenSSL wanted a password: the key is encrypted */
} key_pw_t;

static int key_password(char *buf, int size, int rwflag, void *u)
{
    (void)rwflag;
    key_pw_t *pw = u;
    pw->asked = true;
    if (pw->password == NULL || size < 0 || strlen(pw->password) > (size_t)size) {
        return -1;
    }
    size_t n = strlen(pw->password);
    memcpy(buf, pw->password, n);
    return (int)n;
}

/* PKCS#1, SEC1, PKCS#8 or encrypted PKCS#8, in DER: the decoders of
 * OpenSSL 3 try each structure in turn. */
static EVP_PKEY *decode_der_key(const uint8_t *buf, size_t len, key_pw_t *pw)
{
    EVP_PKEY *pk = NULL;
    OSSL_DECODER_CTX *d = OSSL_DECODER_CTX_new_for_pkey(&pk, "DER", NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
    if (d == NULL) {
        return NULL;
    }
    const unsigned char *p = buf;
    size_t left = len;
    if (!OSSL_DECODER_CTX_set_pem_password_cb(d, key_password, pw) || !OSSL_DECODER_from_data(d, &p, &left) ||
        left != 0) {
        EVP_PKEY_free(pk);
        pk = NULL;
    }
    OSSL_DECODER_CTX_free(d);
    return pk;
}

static EVP_PKEY *decode_key(const uint8_t *buf, size_t len, key_pw_t *pw)
{
    if (len > (size_t)INT32_MAX) {
        return NULL;
    }
    if (mqtls__tls_detect_format(buf, len) == MQTLS_TLS_FORMAT_PEM) {
        /* Skips other blocks, so a file with the certificate and then the key works. */
        BIO *b = BIO_new_mem_buf(buf, (int)len);
        EVP_PKEY *pk = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, key_password, pw) : NULL;
        BIO_free(b);
        return pk;
    }
    return decode_der_key(buf, len, pw);
}

/* A decoder handed a public key can return a key without its private half;
 * only a private key can be written out as one. */
static bool has_private_half(EVP_PKEY *pk)
{
    unsigned char *der = NULL;
    int n = i2d_PrivateKey(pk, &der);
    if (n > 0) {
        OPENSSL_clear_free(der, (size_t)n);
    }
    ERR_clear_error();
    return n > 0;
}

static int32_t key_error(mqtls_tls_t *t, const mqtls__tls_cred_t *cr, const key_pw_t *pw, bool encrypted)
{
    char why[160];
    const char *reason = ERR_peek_last_error() != 0 ? ossl_reason(why, sizeof why) : NULL;
    if (pw->asked || encrypted) {
        bool none = pw->password == NULL || pw->password[0] == '\0';
        return mqtls__tls_key_error(t, cr->what, none ? MQTLS__KEY_NEEDS_PASSWORD : MQTLS__KEY_WRONG_PASSWORD, reason);
    }
    return mqtls__tls_key_error(t, cr->what, MQTLS__KEY_NOT_A_KEY, reason);
}

static int32_t use_key(mqtls_tls_t *t, const mqtls__tls_cred_t *cr, EVP_PKEY *pk)
{
    ossl_t *o = t->impl;
    X509 *leaf = SSL_CTX_get0_certificate(o->ctx);
    const char *mismatch = "this key does not belong to the client certificate";
    /* Checked here first: OpenSSL files a key of another type (RSA key, EC
     * certificate) in another slot instead of calling it a mismatch. */
    if (leaf != NULL && X509_check_private_key(leaf, pk) != 1) {
        return load_error(t, MQTLS_ERR_TLS_KEY_MISMATCH, cr->what, mismatch);
    }
    if (SSL_CTX_use_PrivateKey(o->ctx, pk) != 1) {
        return load_error(t, MQTLS_ERR_TLS_BAD_KEY_FILE, cr->what, "OpenSSL refuses this key");
    }
    if (SSL_CTX_check_private_key(o->ctx) != 1) {
        return load_error(t, MQTLS_ERR_TLS_KEY_MISMATCH, cr->what, mismatch);
    }
    return MQTLS_OK;
}

static int32_t load_key(mqtls_tls_t *t)
{
    const mqtls_tls_config_t *c = &t->cfg;
    mqtls__tls_cred_t cr;
    bool encrypted;
    int32_t rc = mqtls__tls_key_get(t, &cr, &encrypted);
    if (rc == MQTLS_OK) {
        key_pw_t pw = { c->key_password, false };
        EVP_PKEY *pk = decode_key(cr.buf, cr.len, &pw);
        if (pk == NULL) {
            rc = key_error(t, &cr, &pw, encrypted);
        } else if (!has_private_half(pk)) {
            rc = mqtls__tls_key_error(t, cr.what, MQTLS__KEY_PUBLIC, NULL);
        } else {
            rc = use_key(t, &cr, pk);
        }
        EVP_PKEY_free(pk);
    }
    mqtls__tls_cred_free(&cr);
    return rc;
}

static int32_t load_identity(mqtls_tls_t *t)
{
    const mqtls_tls_config_t *c = &t->cfg;
    if (c->cert_file == NULL && c->cert_data == NULL) {
        return MQTLS_OK; /* tls.c made sure there is no key without a certificate */
    }
    int32_t rc = load_cert(t);
    return rc < 0 ? rc : load_key(t);
}

/* ---- protocol: versions, cipher suites, ALPN ---------------------------------- */

static int32_t set_versions(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    /* mqtls uses the wire numbers, as OpenSSL does; 0 as maximum is "the
     * highest OpenSSL has". */
    unsigned min = t->cfg.min_version != 0u ? t->cfg.min_version : MQTLS_TLS_V1_2;
    unsigned max = t->cfg.max_version;
    bool known = min >= TLS1_VERSION && min <= TLS1_3_VERSION &&
                 (max == 0u || (max >= TLS1_VERSION && max <= TLS1_3_VERSION));
    if (!known || !SSL_CTX_set_min_proto_version(o->ctx, (int)min) ||
        !SSL_CTX_set_max_proto_version(o->ctx, (int)max)) {
        mqtls__tls_detail(t, "TLS version range 0x%04x..0x%04x is not one OpenSSL knows", min, max);
        return MQTLS_ERR_TLS_BAD_CONFIG;
    }
    return MQTLS_OK;
}

/* Equal as cipher names: case and '-' versus '_' do not matter, so
 * "ECDHE-RSA-AES128-GCM-SHA256" survives the list parser's dash rewriting. */
static bool same_name(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = *a == '-' ? '_' : *a, y = *b == '-' ? '_' : *b;
        if (x >= 'a' && x <= 'z') {
            x = (char)(x - 'a' + 'A');
        }
        if (y >= 'a' && y <= 'z') {
            y = (char)(y - 'a' + 'A');
        }
        if (x != y) {
            return false;
        }
        if (x == '\0') {
            return true;
        }
    }
}

/* Every suite this OpenSSL has, whatever the security level or the system
 * configuration allows, so that an unknown name is told from a refused one. */
static SSL_CTX *all_suites_ctx(void)
{
    SSL_CTX *c = SSL_CTX_new(TLS_client_method());
    if (c != NULL) {
        SSL_CTX_set_security_level(c, 0);
        if (!SSL_CTX_set_cipher_list(c, "ALL:COMPLEMENTOFALL")) {
            ERR_clear_error();
        }
        if (!SSL_CTX_set_ciphersuites(c, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:"
                                         "TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256")) {
            ERR_clear_error();
        }
    }
    return c;
}

static const SSL_CIPHER *find_suite(SSL_CTX *all, const char *name)
{
    STACK_OF(SSL_CIPHER) *sk = SSL_CTX_get_ciphers(all);
    for (int i = 0; i < sk_SSL_CIPHER_num(sk); i++) {
        const SSL_CIPHER *c = sk_SSL_CIPHER_value(sk, i);
        const char *iana = SSL_CIPHER_standard_name(c);
        if ((iana != NULL && same_name(iana, name)) || same_name(SSL_CIPHER_get_name(c), name)) {
            return c;
        }
    }
    return NULL;
}

/* Append ":name" to a growing string. @return false when out of memory. */
static bool append(char **s, size_t *len, const char *name)
{
    size_t n = strlen(name);
    char *bigger = realloc(*s, *len + n + 2);
    if (bigger == NULL) {
        return false;
    }
    if (*len > 0) {
        bigger[(*len)++] = ':';
    }
    memcpy(bigger + *len, name, n + 1);
    *len += n;
    *s = bigger;
    return true;
}

/* Sort the configured names into OpenSSL's two lists: TLS 1.2 suites (by
 * their OpenSSL names) and TLS 1.3 suites. */
static int32_t sort_suites(mqtls_tls_t *t, SSL_CTX *all, char **v12, size_t *n12, char **v13, size_t *n13)
{
    const char *list = t->cfg.ciphers;
    char name[128];
    while (mqtls__tls_next_cipher(&list, name, sizeof name)) {
        const SSL_CIPHER *c = find_suite(all, name);
        if (c == NULL) {
            mqtls__tls_detail(t, "cipher suite '%s' is not known to OpenSSL %s", name,
                              OpenSSL_version(OPENSSL_VERSION_STRING));
            return MQTLS_ERR_TLS_BAD_CIPHER;
        }
        bool ok = strcmp(SSL_CIPHER_get_version(c), "TLSv1.3") == 0 ? append(v13, n13, SSL_CIPHER_get_name(c))
                                                              : append(v12, n12, SSL_CIPHER_get_name(c));
        if (!ok) {
            return MQTLS_ERR_NO_MEMORY;
        }
    }
    return MQTLS_OK;
}

/* A list that names suites of one version only leaves the other version's
 * suites at OpenSSL's defaults: TLS 1.3 has its own short list, and
 * "--ciphers <a TLS 1.2 suite>" should not make TLS 1.3 impossible. */
static int32_t set_ciphers(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    if (t->cfg.ciphers == NULL) {
        return MQTLS_OK;
    }
    SSL_CTX *all = all_suites_ctx();
    if (all == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    char *v12 = NULL, *v13 = NULL;
    size_t n12 = 0, n13 = 0;
    int32_t rc = sort_suites(t, all, &v12, &n12, &v13, &n13);
    SSL_CTX_free(all);
    if (rc == MQTLS_OK && ((n12 > 0 && !SSL_CTX_set_cipher_list(o->ctx, v12)) ||
                           (n13 > 0 && !SSL_CTX_set_ciphersuites(o->ctx, v13)))) {
        rc = load_error(t, MQTLS_ERR_TLS_BAD_CIPHER, t->cfg.ciphers, "OpenSSL refuses this cipher list");
    }
    free(v12);
    free(v13);
    return rc;
}

static int32_t set_alpn(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    const char *const *a = t->cfg.alpn;
    if (a == NULL || a[0] == NULL) {
        return MQTLS_OK;
    }
    size_t total = 0; /* tls.c checked each name's length and the list's */
    for (size_t i = 0; a[i] != NULL; i++) {
        total += 1 + strlen(a[i]);
    }
    unsigned char *wire = malloc(total), *p = wire;
    if (wire == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    for (size_t i = 0; a[i] != NULL; i++) { /* the wire format: length, then bytes */
        size_t n = strlen(a[i]);
        *p++ = (unsigned char)n;
        memcpy(p, a[i], n);
        p += n;
    }
    int bad = SSL_CTX_set_alpn_protos(o->ctx, wire, (unsigned)total); /* 0 is success here */
    free(wire);
    return bad ? MQTLS_ERR_NO_MEMORY : MQTLS_OK;
}

/* ---- verification -------------------------------------------------------------- */

static uint32_t verify_flag(int err)
{
    switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
        return MQTLS_TLS_VERIFY_NOT_TRUSTED;
    case X509_V_ERR_CERT_HAS_EXPIRED:
        return MQTLS_TLS_VERIFY_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID:
        return MQTLS_TLS_VERIFY_NOT_YET_VALID;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
        return MQTLS_TLS_VERIFY_NAME_MISMATCH;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
        return MQTLS_TLS_VERIFY_BAD_SIGNATURE;
    default:
        return MQTLS_TLS_VERIFY_OTHER;
    }
}

/* Per certificate: note the problem and carry on, so that every problem
 * is known; verify_chain() below makes the whole chain fail. */
static int note_problem(int ok, X509_STORE_CTX *x)
{
    if (ok) {
        return 1;
    }
    SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
    mqtls_tls_t *t = ssl != NULL ? SSL_get_app_data(ssl) : NULL;
    if (t == NULL) {
        return 0; /* nowhere to note it: stop here, fail closed */
    }
    ossl_t *o = t->impl;
    int err = X509_STORE_CTX_get_error(x);
    t->report->verify_flags |= verify_flag(err);
    bool seen = false;
    for (size_t i = 0; i < o->nverr; i++) {
        seen = seen || o->verr[i] == err;
    }
    if (!seen && o->nverr < MAX_VERIFY_ERRORS) {
        o->verr[o->nverr] = err;
        o->vdepth[o->nverr++] = X509_STORE_CTX_get_error_depth(x);
    }
    return 1;
}

/* The error OpenSSL keeps as the verify result (and turns into the alert
 * we send): the one behind the flag the common layer reports. */
static int main_problem(const ossl_t *o, uint32_t flags)
{
    static const uint32_t order[] = { MQTLS_TLS_VERIFY_NOT_TRUSTED, MQTLS_TLS_VERIFY_EXPIRED,
                                      MQTLS_TLS_VERIFY_NOT_YET_VALID, MQTLS_TLS_VERIFY_NAME_MISMATCH,
                                      MQTLS_TLS_VERIFY_BAD_SIGNATURE, MQTLS_TLS_VERIFY_OTHER };
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        for (size_t i = 0; (flags & order[k]) && i < o->nverr; i++) {
            if (verify_flag(o->verr[i]) == order[k]) {
                return o->verr[i];
            }
        }
    }
    return X509_V_ERR_UNSPECIFIED;
}

/* The whole-chain check. Never returns success when any problem was seen,
 * even though note_problem() let OpenSSL continue past it, unless every
 * problem seen is one the configuration tolerates (cfg.verify_tolerate):
 * those stay in the report only. Validity is judged at cfg.verify_time
 * (a device's clock) or an injected cfg.hooks.unix_time when one is set,
 * for every certificate of the path; otherwise at OpenSSL's own clock. */
static int verify_chain(X509_STORE_CTX *x, void *arg)
{
    mqtls_tls_t *t = arg;
    ossl_t *o = t->impl;
    o->nverr = 0;
    t->report->verify_flags = 0;
    X509_STORE_CTX_set_verify_cb(x, note_problem);
    int64_t at = t->cfg.verify_time != 0 || t->cfg.hooks.unix_time != NULL ? mqtls__tls_unix_time(t) : 0;
    if (at != 0) {
        X509_STORE_CTX_set_time(x, 0, (time_t)at);
    }
    int ok = X509_verify_cert(x);
    if (ok > 0 && (t->report->verify_flags & ~t->cfg.verify_tolerate) == 0u) {
        /* Clean, or only tolerated problems: OpenSSL must not keep one as
         * the verify result, or a later failure would be blamed on it. */
        X509_STORE_CTX_set_error(x, X509_V_OK);
        return 1;
    }
    if (t->report->verify_flags == 0u) {
        t->report->verify_flags = MQTLS_TLS_VERIFY_OTHER;
    }
    X509_STORE_CTX_set_error(x, main_problem(o, t->report->verify_flags));
    return 0;
}

/* Called when the server sent a CertificateRequest (TLS 1.2 and 1.3 alike),
 * before OpenSSL picks what to answer. */
static int on_cert_request(SSL *ssl, void *arg)
{
    (void)ssl;
    mqtls_tls_t *t = arg;
    t->report->cert_requested = true;
    return 1;
}

static int32_t set_verify(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    /* With no_verify the chain is still checked, so the report says what
     * verification would have found; only the verdict is ignored. */
    SSL_CTX_set_verify(o->ctx, t->cfg.no_verify ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_cert_verify_callback(o->ctx, verify_chain, t);
    SSL_CTX_set_cert_cb(o->ctx, on_cert_request, t);
    return MQTLS_OK;
}

/* Alerts in both directions, as they happen. Our own close_notify is left
 * out: alert_sent is there to say why we broke a handshake off. */
static void on_info(const SSL *ssl, int where, int ret)
{
    mqtls_tls_t *t = SSL_get_app_data(ssl);
    if (t == NULL || !(where & SSL_CB_ALERT)) {
        return;
    }
    if (where & SSL_CB_READ) {
        /* A warning (TLS 1.2 unrecognized_name, say) is reported but does
         * not end anything, so it must not become the failure's cause. */
        t->report->alert_received = ret & 0xff;
        if ((ret >> 8) == SSL3_AL_FATAL || (ret & 0xff) == SSL_AD_CLOSE_NOTIFY) {
            ((ossl_t *)t->impl)->alert_in = ret & 0xff;
        }
    } else if ((ret & 0xff) != SSL_AD_CLOSE_NOTIFY) {
        t->report->alert_sent = ret & 0xff;
        if ((ret & 0xff) == SSL_AD_NO_RENEGOTIATION) {
            ((ossl_t *)t->impl)->refused_reneg = true;
        }
    }
}

/* ---- setup ---------------------------------------------------------------------- */

static int32_t ossl_setup(mqtls_tls_t *t)
{
    static int32_t (*const steps[])(mqtls_tls_t *) = { load_trust, load_identity, set_versions,
                                                       set_ciphers, set_alpn, set_verify };
    ERR_clear_error();
    ossl_t *o = calloc(1, sizeof *o);
    if (o == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    t->impl = o;
    o->alert_in = -1;
    o->ctx = SSL_CTX_new(TLS_client_method());
    o->meth = make_method();
    if (o->ctx == NULL || o->meth == NULL) {
        return done(t, load_error(t, MQTLS_ERR_NO_MEMORY, "OpenSSL", "cannot create a TLS context"));
    }
    /* As the mbedTLS engine: a HelloRequest gets no_renegotiation. */
    SSL_CTX_set_options(o->ctx, SSL_OP_NO_RENEGOTIATION);
    int32_t rc = MQTLS_OK;
    for (size_t i = 0; rc == MQTLS_OK && i < sizeof steps / sizeof steps[0]; i++) {
        rc = steps[i](t);
    }
    return done(t, rc);
}

/* Prepare the SSL for t->host: SNI, unless it is an IP address (RFC 6066
 * section 3 forbids literal addresses there), and the name check. */
static int32_t set_peer_name(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    if (!t->host_is_ip && t->host[0] != '\0' && !SSL_set_tlsext_host_name(o->ssl, t->host)) {
        return load_error(t, MQTLS_ERR_TLS_BAD_CONFIG, t->host, "cannot be sent as the server name (SNI)");
    }
    if (t->cfg.insecure) {
        return MQTLS_OK;
    }
    X509_VERIFY_PARAM *p = SSL_get0_param(o->ssl);
    X509_VERIFY_PARAM_set_hostflags(p, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    int ok = t->host_is_ip ? X509_VERIFY_PARAM_set1_ip_asc(p, t->host) : X509_VERIFY_PARAM_set1_host(p, t->host, 0);
    if (!ok) {
        return load_error(t, MQTLS_ERR_TLS_BAD_CONFIG, t->host, "cannot be checked against a certificate");
    }
    return MQTLS_OK;
}

static int32_t ossl_start(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    ERR_clear_error();
    SSL_free(o->ssl); /* a second handshake on the same session starts afresh */
    o->ssl = SSL_new(o->ctx);
    mqtls__tls_watch_reset(&o->in);
    o->eof = false;
    o->shut = false;
    BIO *b = o->ssl != NULL ? BIO_new(o->meth) : NULL;
    if (b == NULL) {
        return done(t, load_error(t, MQTLS_ERR_NO_MEMORY, "OpenSSL", "cannot create a TLS session"));
    }
    BIO_set_data(b, t);
    SSL_set_bio(o->ssl, b, b);
    SSL_set_app_data(o->ssl, t);
    SSL_set_info_callback(o->ssl, on_info);
    /* The client retries a send with the same bytes, but not always from
     * the same address, and a partial write is fine under the contract. */
    SSL_set_mode(o->ssl, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_set_connect_state(o->ssl);
    return done(t, set_peer_name(t));
}

/* ---- the report ------------------------------------------------------------------- */

/* Cut a copy at a UTF-8 character boundary, so a long name stays valid text. */
static void utf8_trim(char *s, size_t n)
{
    while (n > 0 && ((unsigned char)s[n] & 0xC0u) == 0x80u) {
        n--;
    }
    s[n] = '\0';
}

/* "C=DE, O=Example, CN=broker": the order of the certificate, as mbedTLS prints it. */
static void name_text(const X509_NAME *name, char *out, size_t len)
{
    const unsigned long flags = (ASN1_STRFLGS_RFC2253 & ~(unsigned long)ASN1_STRFLGS_ESC_MSB) | XN_FLAG_SEP_CPLUS_SPC |
                                XN_FLAG_FN_SN;
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL || X509_NAME_print_ex(b, name, 0, flags) < 0) {
        BIO_free(b);
        return;
    }
    char *p;
    long n = BIO_get_mem_data(b, &p);
    if (n > 0) {
        size_t k = (size_t)n < len - 1 ? (size_t)n : len - 1;
        memcpy(out, p, k);
        out[k] = '\0';
        if ((size_t)n > k) {
            utf8_trim(out, k);
        }
    }
    BIO_free(b);
}

static void time_text(const ASN1_TIME *a, char *out, size_t len)
{
    struct tm tm;
    out[0] = '\0';
    if (a != NULL && ASN1_TIME_to_tm(a, &tm) == 1) {
        strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
}

static void cert_info(X509 *x, mqtls_tls_cert_info_t *ci)
{
    name_text(X509_get_subject_name(x), ci->subject, sizeof ci->subject);
    name_text(X509_get_issuer_name(x), ci->issuer, sizeof ci->issuer);
    time_text(X509_get0_notBefore(x), ci->not_before, sizeof ci->not_before);
    time_text(X509_get0_notAfter(x), ci->not_after, sizeof ci->not_after);
    EVP_PKEY *pk = X509_get0_pubkey(x);
    const char *type = "unknown";
    if (pk != NULL) {
        int id = EVP_PKEY_get_base_id(pk);
        const char *own = EVP_PKEY_get0_type_name(pk);
        type = id == EVP_PKEY_RSA ? "RSA" : id == EVP_PKEY_EC ? "EC" : own != NULL ? own : OBJ_nid2sn(id);
        int bits = EVP_PKEY_get_bits(pk);
        ci->key_bits = bits > 0 && bits <= UINT16_MAX ? (uint16_t)bits : 0;
    }
    snprintf(ci->key_type, sizeof ci->key_type, "%s", type != NULL ? type : "unknown");
    const char *sig = OBJ_nid2ln(X509_get_signature_nid(x));
    snprintf(ci->sig_alg, sizeof ci->sig_alg, "%s", sig != NULL ? sig : "unknown");
}

/* The server's chain, leaf first, also after a failed handshake. */
static void fill_chain(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    STACK_OF(X509) *sk = SSL_get_peer_cert_chain(o->ssl);
    int n = sk != NULL ? sk_X509_num(sk) : 0;
    t->report->chain_len = n > MQTLS_TLS_MAX_CHAIN ? MQTLS_TLS_MAX_CHAIN : (size_t)(n > 0 ? n : 0);
    ERR_set_mark(); /* the handshake's reason must stay the last error */
    for (size_t i = 0; i < t->report->chain_len; i++) {
        cert_info(sk_X509_value(sk, (int)i), &t->report->chain[i]);
    }
    ERR_pop_to_mark();
}

static void fill_session(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    mqtls_tls_report_t *r = t->report;
    snprintf(r->version, sizeof r->version, "%s", SSL_get_version(o->ssl));
    const SSL_CIPHER *c = SSL_get_current_cipher(o->ssl);
    const char *name = c != NULL ? SSL_CIPHER_standard_name(c) : NULL;
    snprintf(r->cipher, sizeof r->cipher, "%s", name != NULL ? name : (c != NULL ? SSL_CIPHER_get_name(c) : ""));
    const unsigned char *alpn = NULL;
    unsigned alen = 0;
    SSL_get0_alpn_selected(o->ssl, &alpn, &alen);
    size_t k = alen < sizeof r->alpn ? alen : sizeof r->alpn - 1;
    if (alpn != NULL) {
        memcpy(r->alpn, alpn, k);
    }
    r->alpn[alpn != NULL ? k : 0] = '\0';
}

/* ---- why a handshake failed ---------------------------------------------------------- */

static int32_t verify_failure(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    uint32_t flags = t->report->verify_flags;
    if (flags == 0u) { /* the result came without our callback (it cannot today) */
        flags = verify_flag((int)SSL_get_verify_result(o->ssl));
        t->report->verify_flags = flags;
    }
    char *d = t->report->detail;
    size_t cap = sizeof t->report->detail, len = 0;
    d[0] = '\0';
    for (size_t i = 0; i < o->nverr && len < cap; i++) {
        /* depth 0 is the server's own certificate, 1 its issuer, ... */
        int n = o->vdepth[i] == 0 ? snprintf(d + len, cap - len, "%s%s (server certificate)", i > 0 ? "; " : "",
                                             X509_verify_cert_error_string(o->verr[i]))
                                  : snprintf(d + len, cap - len, "%s%s (chain certificate %d)", i > 0 ? "; " : "",
                                             X509_verify_cert_error_string(o->verr[i]), o->vdepth[i]);
        len += n > 0 ? (size_t)n : 0;
    }
    const mqtls_tls_report_t *r = t->report;
    if ((flags & MQTLS_TLS_VERIFY_NOT_TRUSTED) && r->chain_len > 0 && len < cap) {
        /* Which CA the server's chain leads to: the one the CA file lacks. */
        int n = snprintf(d + len, cap - len, "; the chain leads to '%.100s', not among our CAs",
                         r->chain[r->chain_len - 1].issuer);
        len += n > 0 ? (size_t)n : 0;
    }
    if ((flags & MQTLS_TLS_VERIFY_NAME_MISMATCH) && len < cap) {
        snprintf(d + len, cap - len, "; we connected to '%.120s'", t->host);
    }
    return mqtls__tls_verify_error(flags);
}

/* Has a ServerHello been read (the state machine is past waiting for it)? */
static bool after_server_hello(const ossl_t *o)
{
    OSSL_HANDSHAKE_STATE st = SSL_get_state(o->ssl);
    return st != TLS_ST_BEFORE && st != TLS_ST_CW_CLNT_HELLO;
}

static int32_t reason_failure(mqtls_tls_t *t, int reason)
{
    char why[160];
    ossl_reason(why, sizeof why);
    const ossl_t *o = t->impl;
    switch (reason) {
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
    case SSL_R_DATA_LENGTH_TOO_LONG:
    case SSL_R_UNKNOWN_PROTOCOL:
        /* The server spoke TLS (its ServerHello came, or its first header
         * is a TLS one): what follows is broken TLS, not another protocol
         * or a version we refused. */
        if (after_server_hello(o) ||
            (o->in.spoke_tls && reason != SSL_R_WRONG_VERSION_NUMBER && reason != SSL_R_UNKNOWN_PROTOCOL)) {
            return mqtls__tls_bad_record_error(t, &o->in, why);
        }
        break;
    default:
        break;
    }
    switch (reason) {
    case SSL_R_NO_CIPHERS_AVAILABLE:
        mqtls__tls_detail(t, "none of our cipher suites can be used with the TLS versions allowed (%s)", why);
        return MQTLS_ERR_TLS_NO_SHARED_CIPHER;
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
    case SSL_R_VERSION_TOO_LOW:
    case SSL_R_WRONG_SSL_VERSION:
    case SSL_R_WRONG_VERSION_NUMBER: /* a TLS record, in a version we refused */
        mqtls__tls_detail(t, "the server answered in a TLS version we do not allow (%s)", why);
        return MQTLS_ERR_TLS_NO_COMMON_VERSION;
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_ENCRYPTED_LENGTH_TOO_LONG:
    case SSL_R_DATA_LENGTH_TOO_LONG:
    case SSL_R_UNKNOWN_PROTOCOL: return mqtls__tls_not_tls_error(t, &o->in);
    default:
        mqtls__tls_detail(t, "the TLS handshake failed: %s", why);
        return MQTLS_ERR_TLS_HANDSHAKE;
    }
}

static int32_t handshake_failure(mqtls_tls_t *t, int err)
{
    ossl_t *o = t->impl;
    unsigned long e = ERR_peek_last_error();
    int reason = ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
    if (!t->cfg.no_verify && SSL_get_verify_result(o->ssl) != X509_V_OK) {
        return verify_failure(t);
    }
    if (o->alert_in >= 0) {
        return mqtls__tls_alert_failure(t, o->alert_in);
    }
    if (reason > SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
        return mqtls__tls_alert_failure(t, reason - SSL_AD_REASON_OFFSET);
    }
    if (o->in.not_tls) {
        return mqtls__tls_not_tls_error(t, &o->in);
    }
    if (o->in.bad_record) {
        return mqtls__tls_bad_record_error(t, &o->in, NULL);
    }
    /* A reset is how a plain broker usually ends it: it closes with our
     * unread ClientHello still in its socket buffer. */
    if (o->io_error == MQTLS_ERR_RECV || o->io_error == MQTLS_ERR_SEND) {
        return mqtls__tls_closed_error(t, &o->in, true);
    }
    if (o->io_error < 0) {
        return o->io_error;
    }
    if (o->eof || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING || (err == SSL_ERROR_SYSCALL && e == 0)) {
        return mqtls__tls_closed_error(t, &o->in, false);
    }
    return reason_failure(t, reason);
}

static void begin_call(ossl_t *o)
{
    ERR_clear_error();
    o->io_error = 0;
    o->alert_in = -1;
}

static int32_t ossl_handshake(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    begin_call(o);
    int rc = SSL_connect(o->ssl);
    if (rc == 1) {
        fill_session(t);
        fill_chain(t);
        return done(t, MQTLS_OK);
    }
    int err = SSL_get_error(o->ssl, rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return err == SSL_ERROR_WANT_READ ? MQTLS_ERR_WANT_READ : MQTLS_ERR_WANT_WRITE;
    }
    fill_chain(t);
    return done(t, handshake_failure(t, err));
}

/* ---- records --------------------------------------------------------------------------- */

/* Why a read or write after the handshake failed. With TLS 1.3 a server
 * that rejects our certificate says so only now, with an alert. */
static int32_t io_failure(mqtls_tls_t *t, int err)
{
    ossl_t *o = t->impl;
    unsigned long e = ERR_peek_last_error();
    int reason = ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
    if (o->refused_reneg && (o->alert_in >= 0 || o->eof)) {
        return mqtls__tls_renegotiation_error(t, o->alert_in >= 0 ? o->alert_in : -1);
    }
    if (err == SSL_ERROR_ZERO_RETURN) {
        return mqtls__tls_alert_failure(t, 0);
    }
    if (o->alert_in >= 0) {
        return mqtls__tls_alert_failure(t, o->alert_in);
    }
    if (reason > SSL_AD_REASON_OFFSET && reason < SSL_AD_REASON_OFFSET + 256) {
        return mqtls__tls_alert_failure(t, reason - SSL_AD_REASON_OFFSET);
    }
    if (o->io_error < 0) {
        return o->io_error;
    }
    if (o->eof || reason == SSL_R_UNEXPECTED_EOF_WHILE_READING || (err == SSL_ERROR_SYSCALL && e == 0)) {
        mqtls__tls_detail(t, "the server closed the connection without ending the TLS session");
        return MQTLS_ERR_CLOSED;
    }
    char why[160];
    mqtls__tls_detail(t, "TLS record error: %s", ossl_reason(why, sizeof why));
    return MQTLS_ERR_TLS_IO;
}

/* @return the error of a failed SSL_read/SSL_write, or -1 for "try again". */
static int call_error(ossl_t *o, int ok)
{
    int err = SSL_get_error(o->ssl, ok);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
        ERR_clear_error();
        return -1;
    }
    return err;
}

/* A TLS 1.3 server that rejects our certificate sends its alert and
 * closes while our first record is already on its way, so the kernel
 * answers that record with a reset and our write fails first. The alert
 * still waits in the receive buffer: read it, so that the error names
 * the cause rather than "sending failed". What else is read is lost, but
 * the connection is gone anyway. */
static void read_parting_alert(ossl_t *o)
{
    uint8_t scratch[512];
    size_t n;
    int32_t lower = o->io_error;
    (void)SSL_read_ex(o->ssl, scratch, sizeof scratch, &n);
    o->io_error = lower;
}

static int32_t ossl_send(mqtls_tls_t *t, const uint8_t *buf, size_t len)
{
    ossl_t *o = t->impl;
    size_t n = 0;
    begin_call(o);
    int ok = SSL_write_ex(o->ssl, buf, len > (size_t)INT32_MAX ? (size_t)INT32_MAX : len, &n);
    if (ok == 1) {
        ERR_clear_error();
        return (int32_t)n;
    }
    int err = call_error(o, ok);
    if (err < 0) {
        return 0;
    }
    if (o->io_error == MQTLS_ERR_SEND && o->alert_in < 0) {
        read_parting_alert(o);
    }
    return done(t, io_failure(t, err));
}

static int32_t ossl_recv(mqtls_tls_t *t, uint8_t *buf, size_t len)
{
    ossl_t *o = t->impl;
    size_t n = 0;
    if (len == 0) {
        return 0;
    }
    begin_call(o);
    int ok = SSL_read_ex(o->ssl, buf, len > (size_t)INT32_MAX ? (size_t)INT32_MAX : len, &n);
    if (ok == 1) {
        ERR_clear_error();
        return (int32_t)n;
    }
    int err = call_error(o, ok);
    return err < 0 ? 0 : done(t, io_failure(t, err));
}

static size_t ossl_pending(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    int n = o != NULL && o->ssl != NULL ? SSL_pending(o->ssl) : 0;
    return n > 0 ? (size_t)n : 0u;
}

/* One close_notify, without waiting for the server's: the connection is
 * closed right after, and a non-blocking transport cannot wait anyway. */
static void ossl_shutdown(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    if (o != NULL && o->ssl != NULL && !o->shut && SSL_is_init_finished(o->ssl)) {
        o->shut = true;
        begin_call(o);
        SSL_shutdown(o->ssl);
        ERR_clear_error();
    }
}

/* Also after a setup that failed half-way. The BIO method goes last: the
 * BIO inside the SSL still points to it. */
static void ossl_destroy(mqtls_tls_t *t)
{
    ossl_t *o = t->impl;
    if (o == NULL) {
        return;
    }
    SSL_free(o->ssl);
    SSL_CTX_free(o->ctx);
    BIO_meth_free(o->meth);
    free(o);
    t->impl = NULL;
    ERR_clear_error();
}

const struct mqtls__tls_ops mqtls__tls_openssl_ops = {
    .name = "openssl",
    .setup = ossl_setup,
    .start = ossl_start,
    .handshake = ossl_handshake,
    .send = ossl_send,
    .recv = ossl_recv,
    .pending = ossl_pending,
    .shutdown = ossl_shutdown,
    .destroy = ossl_destroy,
    .max_version = MQTLS_TLS_V1_3,
};
