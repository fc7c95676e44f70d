/* SPDX-License-Identifier: MIT
 * mqtls: credentials for the TLS engines, from bytes (read, detect, split). */
/*
 * see tls_priv.h. Everything about a credential that is not the engine's
 * own parsing lives here once: where the bytes come from (a file through
 * hooks.load, or the caller's buffer), what format they are in, where one
 * DER certificate ends, whether a key is encrypted, and the sentence that
 * says what is wrong with a file. An engine gets the bytes, hands them to
 * its library and maps the library's verdict; both engines therefore read
 * the same files the same way and say the same thing about a bad one.
 *
 * Freestanding like tls.c (arm-none-eabi, scripts/tls-freestanding.sh):
 * files and directories are read by the port's hooks.load, never here.
 */
#include <stdlib.h>
#include <string.h>

#include "tls_priv.h"

/* The PBKDF2 count check needs the PKCS#8 reader (src/util, over mbedTLS's
 * ASN.1), which an OpenSSL-only build without mbedcrypto does not have. */
#if defined(MQTLS_WITH_MBEDCRYPTO)
#define HAVE_PKCS8_COUNT MQTLS_WITH_MBEDCRYPTO
#else
#define HAVE_PKCS8_COUNT MQTLS_WITH_MBEDTLS
#endif
#if HAVE_PKCS8_COUNT
#include "util/pkcs8_aes.h"
#endif

/* ---- the bytes of a credential ----------------------------------------------------- */

void mqtls__tls_wipe(void *buf, size_t len)
{
    /* volatile: a memset before free() may be optimised away */
    volatile uint8_t *v = buf;
    for (size_t i = 0; v != NULL && i < len; i++) {
        v[i] = 0;
    }
}

static int32_t cred_copy(mqtls__tls_cred_t *cr, const uint8_t *data, size_t len)
{
    cr->buf = malloc(len + 1u);
    if (cr->buf == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    if (len > 0u) {
        memcpy(cr->buf, data, len);
    }
    cr->buf[len] = 0;
    cr->len = len;
    return MQTLS_OK;
}

static int32_t keep_file(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    (void)name;
    return cred_copy(ctx, buf, len);
}

int32_t mqtls__tls_cred_get(mqtls_tls_t *t, mqtls__tls_cred_t *cr, const char *file, const uint8_t *data, size_t len,
                            const char *what)
{
    cr->buf = NULL;
    cr->len = 0;
    cr->what = file != NULL ? file : what;
    return file != NULL ? mqtls__tls_load(t, file, false, keep_file, cr) : cred_copy(cr, data, len);
}

void mqtls__tls_cred_free(mqtls__tls_cred_t *cr)
{
    if (cr->buf != NULL) {
        mqtls__tls_wipe(cr->buf, cr->len); /* it may be a private key */
        free(cr->buf);
        cr->buf = NULL;
    }
}

/* ---- text and DER framing ---------------------------------------------------------- */

bool mqtls__tls_has_text(const uint8_t *buf, size_t len, const char *s)
{
    size_t n = strlen(s);
    for (size_t i = 0; len >= n && i <= len - n; i++) {
        if (memcmp(buf + i, s, n) == 0) {
            return true;
        }
    }
    return false;
}

/* The header of the DER element at p (X.690 §8.1: one tag byte, then a
 * definite length of at most 4 bytes): its tag, and the offset of its
 * content in *hdr and its content length in *body. False when it does not
 * fit in `len`. */
static bool der_header(const uint8_t *p, size_t len, uint8_t *tag, size_t *hdr, size_t *body)
{
    if (len < 2u) {
        return false;
    }
    size_t n = p[1], at = 2;
    if (n & 0x80u) {
        size_t k = n & 0x7Fu;
        if (k == 0u || k > 4u || len < 2u + k) {
            return false; /* indefinite, or longer than any credential */
        }
        n = 0;
        for (size_t i = 0; i < k; i++) {
            n = (n << 8) | p[2u + i];
        }
        at += k;
    }
    if (n > len - at) {
        return false;
    }
    *tag = p[0];
    *hdr = at;
    *body = n;
    return true;
}

size_t mqtls__tls_der_seq_len(const uint8_t *buf, size_t len)
{
    uint8_t tag;
    size_t hdr, body;
    return der_header(buf, len, &tag, &hdr, &body) && tag == 0x30u ? hdr + body : 0u;
}

/* ---- certificates -------------------------------------------------------------------- */

static int b64_value(uint8_t c)
{
    return c >= 'A' && c <= 'Z'   ? c - 'A'
           : c >= 'a' && c <= 'z' ? c - 'a' + 26
           : c >= '0' && c <= '9' ? c - '0' + 52
           : c == '+'             ? 62
           : c == '/'             ? 63
                                  : -1;
}

/* The base64 between a PEM block's lines (RFC 7468 §3: whitespace allowed,
 * '=' padding only at the end) into out; its length, or 0 when it is not
 * base64 (a header such as Proc-Type included). */
static size_t b64_decode(const uint8_t *p, size_t len, uint8_t *out)
{
    uint32_t acc = 0;
    size_t n = 0, bits = 0, pad = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = p[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            continue;
        }
        int v = b64_value(c);
        if (c == '=' && pad < 2u) {
            pad++;
            continue;
        }
        if (v < 0 || pad > 0u) {
            return 0;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8u) {
            bits -= 8;
            out[n++] = (uint8_t)(acc >> bits);
        }
    }
    return n;
}

static const uint8_t *find_text(const uint8_t *p, const uint8_t *end, const char *s)
{
    size_t n = strlen(s);
    for (; (size_t)(end - p) >= n; p++) {
        if (memcmp(p, s, n) == 0) {
            return p;
        }
    }
    return NULL;
}

typedef struct {
    mqtls_tls_t *t;
    const char *name;
    mqtls__tls_add_cert_fn add;
    void *ctx;
    int added, refused;
    int32_t fatal; /* MQTLS_ERR_NO_MEMORY from the engine */
    char why[120]; /* the engine's reason for the first refusal */
} cert_walk_t;

static void offer(cert_walk_t *w, const uint8_t *der, size_t len)
{
    char why[sizeof w->why];
    why[0] = '\0';
    int32_t rc = w->add(w->t, w->ctx, der, len, why, sizeof why);
    if (rc == MQTLS_OK) {
        w->added++;
    } else if (rc == MQTLS_ERR_NO_MEMORY) {
        w->fatal = rc;
    } else if (w->refused++ == 0) {
        memcpy(w->why, why, sizeof why);
    }
}

/* DER certificates back to back (a CC3200 flash file holds one). NULL, or
 * what is wrong with the framing. */
static const char *walk_der(cert_walk_t *w, const uint8_t *buf, size_t len)
{
    while (len > 0u && w->fatal == MQTLS_OK) {
        size_t one = mqtls__tls_der_seq_len(buf, len);
        if (one == 0u) {
            /* e.g. a newline after the DER bytes: a device would reject the file too */
            return w->added + w->refused > 0 ? "bytes after the last DER certificate that are not a certificate"
                                             : "not a DER certificate";
        }
        offer(w, buf, one);
        buf += one;
        len -= one;
    }
    return NULL;
}

/* The CERTIFICATE blocks of a PEM text; other blocks (a key in the same
 * file) are skipped. */
static const char *walk_pem(cert_walk_t *w, const uint8_t *buf, size_t len)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
    uint8_t *der = malloc(len / 4u * 3u + 3u);
    if (der == NULL) {
        w->fatal = MQTLS_ERR_NO_MEMORY;
        return NULL;
    }
    const char *problem = NULL;
    const uint8_t *p = buf, *stop = buf + len, *b;
    while (problem == NULL && w->fatal == MQTLS_OK && (b = find_text(p, stop, begin)) != NULL) {
        b += sizeof begin - 1u;
        const uint8_t *e = find_text(b, stop, end);
        size_t n = e != NULL ? b64_decode(b, (size_t)(e - b), der) : 0u;
        if (n == 0u) {
            problem = e == NULL ? "a CERTIFICATE block with no END line" : "a CERTIFICATE block that is not base64";
        } else if (mqtls__tls_der_seq_len(der, n) != n) {
            problem = "a CERTIFICATE block that does not hold one DER certificate";
        } else {
            offer(w, der, n);
            p = e + sizeof end - 1u;
        }
    }
    mqtls__tls_wipe(der, len / 4u * 3u + 3u);
    free(der);
    if (problem == NULL && w->added + w->refused == 0 && w->fatal == MQTLS_OK) {
        problem = "PEM, but no CERTIFICATE block in it";
    }
    return problem;
}

int32_t mqtls__tls_add_certs(mqtls_tls_t *t, const char *name, const uint8_t *buf, size_t len, int32_t err,
                             bool all_or_none, mqtls__tls_add_cert_fn add, void *ctx)
{
    cert_walk_t w = {t, name, add, ctx, 0, 0, MQTLS_OK, ""};
    mqtls_tls_format_t f = mqtls__tls_detect_format(buf, len);
    const char *problem = len == 0u                   ? "the file is empty"
                          : f == MQTLS_TLS_FORMAT_PEM ? walk_pem(&w, buf, len)
                          : f == MQTLS_TLS_FORMAT_DER ? walk_der(&w, buf, len)
                                                      : "neither PEM nor DER";
    if (w.fatal != MQTLS_OK) {
        return w.fatal;
    }
    if (problem != NULL) {
        mqtls__tls_detail(t, "%s: %s", name, problem);
        return err;
    }
    if (w.refused > 0 && (all_or_none || w.added == 0)) {
        mqtls__tls_detail(t, "%s: %d of its %d certificates could not be read%s%s%s", name, w.refused,
                          w.refused + w.added, w.why[0] != '\0' ? " (" : "", w.why, w.why[0] != '\0' ? ")" : "");
        return err;
    }
    return w.added;
}

int32_t mqtls__tls_load_certs(mqtls_tls_t *t, const mqtls__tls_cert_src_t *src, mqtls__tls_add_cert_fn add, void *ctx)
{
    mqtls__tls_cred_t cr;
    int32_t rc = mqtls__tls_cred_get(t, &cr, src->file, src->data, src->len, src->what);
    if (rc == MQTLS_OK) {
        rc = mqtls__tls_check_format(t, cr.what, src->format, cr.buf, cr.len);
    }
    if (rc == MQTLS_OK) {
        rc = mqtls__tls_add_certs(t, cr.what, cr.buf, cr.len, src->err, src->all_or_none, add, ctx);
    } else if (rc == MQTLS_ERR_INVALID_ARG) {
        rc = src->err; /* detail: the file and errno's text */
    }
    mqtls__tls_cred_free(&cr);
    return rc;
}

/* ---- a CA directory ------------------------------------------------------------------- */

typedef struct {
    mqtls_tls_t *t;
    mqtls__tls_add_cert_fn add;
    void *ctx;
    int32_t added;
} dir_walk_t;

/* One file of the directory: one that holds no certificate (a README, a
 * CRL) is skipped, but one in the other format than the declared one is an
 * error, as for a CA file. */
static int32_t dir_file(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    dir_walk_t *w = ctx;
    int32_t rc = mqtls__tls_check_format(w->t, name, w->t->cfg.ca_format, buf, len);
    if (rc == MQTLS_OK) {
        rc = mqtls__tls_add_certs(w->t, name, buf, len, MQTLS_ERR_TLS_BAD_CA_PATH, false, w->add, w->ctx);
    }
    if (rc > 0) {
        w->added += rc;
    } else if (rc == MQTLS_ERR_TLS_BAD_CA_PATH) {
        w->t->report->detail[0] = '\0'; /* skipped, not an error */
    }
    return rc < 0 && rc != MQTLS_ERR_TLS_BAD_CA_PATH ? rc : MQTLS_OK;
}

int32_t mqtls__tls_load_ca_dir(mqtls_tls_t *t, const char *dir, mqtls__tls_add_cert_fn add, void *ctx)
{
    dir_walk_t w = {t, add, ctx, 0};
    int32_t rc = mqtls__tls_load(t, dir, true, dir_file, &w);
    if (rc == MQTLS_ERR_NO_MEMORY || rc == MQTLS_ERR_TLS_CA_FORMAT) {
        return rc;
    }
    if (rc != MQTLS_OK) {
        return MQTLS_ERR_TLS_BAD_CA_PATH; /* detail: the directory and errno's text */
    }
    if (w.added == 0) {
        mqtls__tls_detail(t, "%s: no file in this directory holds a certificate", dir);
        return MQTLS_ERR_TLS_BAD_CA_PATH;
    }
    return MQTLS_OK;
}

/* ---- private keys ---------------------------------------------------------------------- */

/* EncryptedPrivateKeyInfo is SEQUENCE { AlgorithmIdentifier, OCTET STRING }
 * (RFC 5958 §3); every plain key form starts with an INTEGER version, and a
 * certificate or public key has no OCTET STRING second. In PEM, PKCS#8's
 * label or the legacy Proc-Type header says it. */
bool mqtls__tls_key_is_encrypted(const uint8_t *buf, size_t len)
{
    if (mqtls__tls_detect_format(buf, len) == MQTLS_TLS_FORMAT_PEM) {
        return mqtls__tls_has_text(buf, len, "-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
               mqtls__tls_has_text(buf, len, "Proc-Type: 4,ENCRYPTED");
    }
    uint8_t tag;
    size_t hdr, body, at;
    if (!der_header(buf, len, &tag, &hdr, &body) || tag != 0x30u) {
        return false;
    }
    at = hdr;
    if (!der_header(buf + at, len - at, &tag, &hdr, &body) || tag != 0x30u) {
        return false;
    }
    at += hdr + body;
    return at < len && buf[at] == 0x04u;
}

#if HAVE_PKCS8_COUNT

/* Judged before an engine runs PBKDF2: a claimed 2^31 iterations would run
 * for half an hour. */
static int32_t check_iterations(mqtls_tls_t *t, const mqtls__tls_cred_t *cr)
{
    long iters = -1;
    bool pem = mqtls__tls_detect_format(cr->buf, cr->len) == MQTLS_TLS_FORMAT_PEM;
    int count = mqtls__pkcs8_iterations(cr->buf, cr->len, pem, &iters);
    if (count == MQTLS__PBKDF2_TOO_MANY) {
        mqtls__tls_detail(t, "%s asks for %ld PBKDF2 iterations; mqtls runs at most 10 million: refused", cr->what,
                          iters);
    } else if (count != 0) {
        mqtls__tls_detail(t,
                          "%s is malformed: its PBKDF2 iteration count is 0, negative or wider than 32 bits "
                          "(not a wrong password)",
                          cr->what);
    }
    return count != 0 ? MQTLS_ERR_TLS_BAD_KEY_FILE : MQTLS_OK;
}
#else
static int32_t check_iterations(mqtls_tls_t *t, const mqtls__tls_cred_t *cr)
{
    (void)t;
    (void)cr;
    return MQTLS_OK; /* no PKCS#8 reader in this build: the engine's own limits apply */
}
#endif

int32_t mqtls__tls_key_check(mqtls_tls_t *t, const mqtls__tls_cred_t *cr, uint8_t declared, bool *encrypted)
{
    *encrypted = false;
    mqtls_tls_format_t f = mqtls__tls_detect_format(cr->buf, cr->len);
    if (cr->len == 0u || f == MQTLS_TLS_FORMAT_AUTO) {
        mqtls__tls_detail(t, "%s: %s", cr->what, cr->len == 0u ? "the file is empty" : "neither PEM nor DER");
        return MQTLS_ERR_TLS_BAD_KEY_FILE;
    }
    int32_t rc = mqtls__tls_check_format(t, cr->what, declared, cr->buf, cr->len);
    if (rc != MQTLS_OK) {
        return rc;
    }
    *encrypted = mqtls__tls_key_is_encrypted(cr->buf, cr->len);
    return *encrypted ? check_iterations(t, cr) : MQTLS_OK;
}

int32_t mqtls__tls_key_get(mqtls_tls_t *t, mqtls__tls_cred_t *cr, bool *encrypted)
{
    const mqtls_tls_config_t *c = &t->cfg;
    *encrypted = false;
    int32_t rc = mqtls__tls_cred_get(t, cr, c->key_file, c->key_data, c->key_len, MQTLS__TLS_KEY_BYTES);
    if (rc == MQTLS_OK) {
        rc = mqtls__tls_key_check(t, cr, c->key_format, encrypted);
    } else if (rc != MQTLS_ERR_NO_MEMORY) {
        rc = MQTLS_ERR_TLS_BAD_KEY_FILE; /* detail: the file and errno's text */
    }
    if (rc != MQTLS_OK) {
        mqtls__tls_cred_free(cr);
    }
    return rc;
}

int32_t mqtls__tls_key_error(mqtls_tls_t *t, const char *name, mqtls__tls_key_problem_t problem, const char *why)
{
    const char *open = why != NULL && why[0] != '\0' ? " (" : "", *close = open[0] != '\0' ? ")" : "";
    why = open[0] != '\0' ? why : "";
    switch (problem) {
    case MQTLS__KEY_NEEDS_PASSWORD:
        mqtls__tls_detail(t, "%s: the key is encrypted and no password was given", name);
        return MQTLS_ERR_TLS_KEY_PASSWORD;
    case MQTLS__KEY_WRONG_PASSWORD:
        mqtls__tls_detail(t, "%s: wrong password%s%s%s", name, open, why, close);
        return MQTLS_ERR_TLS_KEY_PASSWORD;
    case MQTLS__KEY_UNSUPPORTED:
        mqtls__tls_detail(t, "%s is encrypted with a scheme this engine cannot decrypt%s%s%s", name, open, why, close);
        return MQTLS_ERR_TLS_BAD_KEY_FILE;
    case MQTLS__KEY_PUBLIC:
        mqtls__tls_detail(t, "%s: a public key, not a private key", name);
        return MQTLS_ERR_TLS_BAD_KEY_FILE;
    default:
        mqtls__tls_detail(t, "%s: no private key in it%s%s%s", name, open, why, close);
        return MQTLS_ERR_TLS_BAD_KEY_FILE;
    }
}
