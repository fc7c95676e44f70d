/* SPDX-License-Identifier: MIT
 * mqtls: credentials: detect, convert, inspect, verify, match, C arrays. */
/*
 * Design: classify first, parse second. mqtls_cred_detect() looks at the
 * bytes only (PEM labels; for DER, the shape of the outer ASN.1 structure,
 * read by a small bounds-checked TLV walker of its own), so it never fails
 * and can name anything, including what mbedTLS cannot parse (PKCS#7,
 * PKCS#12, DH parameters). Every other function starts from that verdict:
 * a file of the wrong kind is refused with a sentence built from it ("a
 * certificate was expected, but the file is a PEM certificate signing
 * request (CSR)") before mbedTLS sees it, so the error says what the file
 * is rather than what mbedTLS failed to find in it.
 *
 * What mbedTLS 2.28 cannot do, and what is done here instead:
 * - PKCS#8 output: it writes only PKCS#1/SEC1, so the PrivateKeyInfo
 *   wrapper (RFC 5958) is written with mbedtls_asn1_write_*; for EC the
 *   inner ECPrivateKey leaves out the curve (it is in the algorithm
 *   identifier), as OpenSSL does, so the bytes match `openssl pkcs8 -topk8`.
 * - AES-encrypted PKCS#8 (openssl's default): its PBES2 knows only DES, so
 *   PBKDF2 + AES-CBC is done from its parts by the helper the TLS engine
 *   uses too (src/tls/pkcs8_aes.c).
 * - Verifying at another time than now: mbedTLS checks validity against
 *   the system clock only. The chain is verified by mbedtls_x509_crt_verify,
 *   whose callback records every certificate of the path and clears
 *   mbedTLS's EXPIRED/FUTURE bits; validity is then computed here for each
 *   certificate of that path against `at`. Limitation: when several CA
 *   certificates could be the parent, mbedTLS prefers one valid now.
 *
 * No output but the caller's buffers: `why` carries sentences, results are
 * malloc'd and returned.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mbedtls/asn1.h>
#include <mbedtls/asn1write.h>
#include <mbedtls/cipher.h>
#include <mbedtls/ecp.h>
#include <mbedtls/error.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#include "tls/pkcs8_aes.h"
#include "cred_priv.h"
#include "tls/mbed_compat.h"
#include "tls/civil.h"

#define KEY_BUF_LEN 16384u  /* DER or PEM of any RSA key up to 8192 bits */
#define MAX_PATH_LEN 16     /* certificates of a verified path we report on */

/* ---- small tools -------------------------------------------------------------------- */

/* see cred_priv.h */
void mqtls__cred_say(char *why, size_t why_len, const char *fmt, ...)
{
    if (why == NULL || why_len == 0u) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
}

static const uint8_t *find(const uint8_t *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; n <= len && i <= len - n; i++) {
        if (hay[i] == (uint8_t)needle[0] && memcmp(hay + i, needle, n) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

static bool all_space(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n' && p[i] != '\0') {
            return false;
        }
    }
    return true;
}

static bool all_nul(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (p[i] != 0u) {
            return false;
        }
    }
    return true;
}

static bool all_text(const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if ((p[i] < 0x20 || p[i] > 0x7e) && p[i] != '\n' && p[i] != '\r' && p[i] != '\t') {
            return false;
        }
    }
    return true;
}

/* A NUL-terminated copy: mbedTLS's PEM parsers want buf[len-1] == '\0'. */
static uint8_t *nul_copy(const uint8_t *buf, size_t len)
{
    uint8_t *c = malloc(len + 1u);
    if (c != NULL) {
        if (len > 0u) {
            memcpy(c, buf, len);
        }
        c[len] = '\0';
    }
    return c;
}

/* Copy a string into out, cut to fit (no snprintf: gcc -O2 warns on the cut). */
static void put(char *out, size_t len, const char *s)
{
    size_t n = strlen(s);
    n = n < len ? n : len - 1u;
    memcpy(out, s, n);
    out[n] = '\0';
}

static void burn(uint8_t *p, size_t len)
{
    if (p != NULL) {
        mbedtls_platform_zeroize(p, len);
        free(p);
    }
}


/* ---- detect: PEM -------------------------------------------------------------------- */

static const struct {
    const char *label;
    mqtls_cred_kind_t kind;
} pem_labels[] = {
    { "CERTIFICATE", MQTLS_CRED_CERT },
    { "X509 CERTIFICATE", MQTLS_CRED_CERT },
    { "TRUSTED CERTIFICATE", MQTLS_CRED_CERT },
    { "RSA PRIVATE KEY", MQTLS_CRED_KEY_PKCS1 },
    { "EC PRIVATE KEY", MQTLS_CRED_KEY_SEC1 },
    { "PRIVATE KEY", MQTLS_CRED_KEY_PKCS8 },
    { "ENCRYPTED PRIVATE KEY", MQTLS_CRED_KEY_ENCRYPTED },
    { "PUBLIC KEY", MQTLS_CRED_PUBLIC_KEY },
    { "RSA PUBLIC KEY", MQTLS_CRED_PUBLIC_KEY },
    { "CERTIFICATE REQUEST", MQTLS_CRED_CSR },
    { "NEW CERTIFICATE REQUEST", MQTLS_CRED_CSR },
    { "PKCS7", MQTLS_CRED_PKCS7 },
    { "CMS", MQTLS_CRED_PKCS7 },
    { "PKCS12", MQTLS_CRED_PKCS12 },
    { "DH PARAMETERS", MQTLS_CRED_DH_PARAMS },
    { "X9.42 DH PARAMETERS", MQTLS_CRED_DH_PARAMS },
};

typedef struct {
    mqtls_cred_kind_t first;   /* kind of the first block that counts */
    size_t blocks;             /* blocks that count */
    size_t certs;
    size_t keys;               /* private key blocks */
    mqtls_cred_kind_t key_kind; /* of the first one */
    bool legacy_encrypted;     /* "Proc-Type: 4,ENCRYPTED" in a key block */
    char unknown[40];          /* first unknown label */
    char unterminated[40];     /* a BEGIN without its END */
} pem_scan_t;

static bool pem_label_kind(const char *label, mqtls_cred_kind_t *kind)
{
    for (size_t i = 0; i < sizeof pem_labels / sizeof pem_labels[0]; i++) {
        if (strcmp(label, pem_labels[i].label) == 0) {
            *kind = pem_labels[i].kind;
            return true;
        }
    }
    return false;
}

/* One block starting at `begin` ("-----BEGIN "); returns where scanning resumes. */
static const uint8_t *pem_block(const uint8_t *begin, const uint8_t *end, pem_scan_t *s)
{
    const uint8_t *label = begin + 11;
    const uint8_t *dash = find(label, (size_t)(end - label), "-----");
    char name[40];
    size_t n = dash != NULL ? (size_t)(dash - label) : 0u;
    if (dash == NULL || n == 0u || n >= sizeof name) {
        snprintf(s->unknown, sizeof s->unknown, "%s", "(unreadable label)");
        return label;
    }
    memcpy(name, label, n);
    name[n] = '\0';
    char end_line[64];
    snprintf(end_line, sizeof end_line, "-----END %s-----", name);
    const uint8_t *stop = find(dash, (size_t)(end - dash), end_line);
    if (stop == NULL) {
        snprintf(s->unterminated, sizeof s->unterminated, "%s", name);
        return end;
    }
    mqtls_cred_kind_t kind;
    if (strcmp(name, "EC PARAMETERS") == 0) {
        /* `openssl ecparam -genkey` writes these before the key: not a credential. */
    } else if (!pem_label_kind(name, &kind)) {
        if (s->unknown[0] == '\0') {
            snprintf(s->unknown, sizeof s->unknown, "%s", name);
        }
    } else {
        if (s->blocks++ == 0u) {
            s->first = kind;
        }
        s->certs += kind == MQTLS_CRED_CERT;
        bool legacy = find(dash, (size_t)(stop - dash), "Proc-Type: 4,ENCRYPTED") != NULL;
        s->legacy_encrypted |= legacy;
        if (kind >= MQTLS_CRED_KEY_PKCS1 && kind <= MQTLS_CRED_KEY_ENCRYPTED && s->keys++ == 0u) {
            s->key_kind = legacy ? MQTLS_CRED_KEY_ENCRYPTED : kind;
        }
    }
    return stop + strlen(end_line);
}

static void pem_scan(const uint8_t *buf, size_t len, pem_scan_t *s)
{
    memset(s, 0, sizeof *s);
    const uint8_t *p = buf, *end = buf + len;
    while (p < end && (p = find(p, (size_t)(end - p), "-----BEGIN ")) != NULL) {
        p = pem_block(p, end, s);
    }
}

/* ---- detect: DER -------------------------------------------------------------------- */

/* A bounds-checked reader of single-byte-tag DER, on const bytes (mbedTLS's
 * asn1 readers take non-const pointers). */
typedef struct {
    const uint8_t *p, *end;
} der_t;

enum { TLV_OK = 0, TLV_BAD = -1, TLV_SHORT = -2 };

/* Read a tag and length; d->p is left at the contents. */
static int tlv_head(der_t *d, uint8_t *tag, size_t *len)
{
    if (d->end - d->p < 2) {
        return d->p == d->end ? TLV_BAD : TLV_SHORT;
    }
    *tag = *d->p++;
    if ((*tag & 0x1Fu) == 0x1Fu) {
        return TLV_BAD; /* high tag numbers: nothing we look for */
    }
    uint8_t b = *d->p++;
    size_t n = 0;
    if (b < 0x80u) {
        n = b;
    } else {
        size_t bytes = b & 0x7Fu;
        if (bytes == 0u || bytes > 4u) {
            return TLV_BAD; /* indefinite (BER) or absurd */
        }
        if ((size_t)(d->end - d->p) < bytes) {
            return TLV_SHORT;
        }
        while (bytes-- > 0u) {
            n = (n << 8) | *d->p++;
        }
    }
    *len = n;
    return (size_t)(d->end - d->p) < n ? TLV_SHORT : TLV_OK;
}

/* Read one whole element: its tag, and its contents as a sub-reader. */
static int tlv(der_t *d, uint8_t *tag, der_t *body)
{
    size_t len;
    int rc = tlv_head(d, tag, &len);
    if (rc == TLV_OK) {
        body->p = d->p;
        body->end = d->p + len;
        d->p += len;
    }
    return rc;
}

static uint8_t next_tag(const der_t *d)
{
    return d->p < d->end ? *d->p : 0u;
}

/* The value of a small non-negative INTEGER, or -1. */
static long small_int(const der_t *v)
{
    size_t n = (size_t)(v->end - v->p);
    if (n == 0u || n > 3u) {
        return -1;
    }
    long x = 0;
    for (const uint8_t *q = v->p; q < v->end; q++) {
        x = (x << 8) | *q;
    }
    return x;
}

#define T_INT 0x02u
#define T_BITS 0x03u
#define T_OCTETS 0x04u
#define T_OID 0x06u
#define T_SEQ 0x30u

/* SEQUENCE { INTEGER ... }: PKCS#1, SEC1, PKCS#8, PKCS#12, RSA public, DH. */
static mqtls_cred_kind_t der_int_first(der_t c)
{
    uint8_t tag;
    der_t v, x;
    if (tlv(&c, &tag, &v) != TLV_OK) {
        return MQTLS_CRED_GARBAGE;
    }
    long version = small_int(&v);
    uint8_t t2 = next_tag(&c);
    if (version == 1 && t2 == T_OCTETS) {
        return MQTLS_CRED_KEY_SEC1;
    }
    if ((version == 0 || version == 1) && t2 == T_SEQ) {
        return MQTLS_CRED_KEY_PKCS8;
    }
    if (version == 3 && t2 == T_SEQ) {
        return MQTLS_CRED_PKCS12;
    }
    size_t ints = 1;
    long second = -1;
    while (c.p < c.end && tlv(&c, &tag, &x) == TLV_OK && tag == T_INT) {
        if (ints++ == 1u) {
            second = small_int(&x);
        }
    }
    if (c.p != c.end) {
        return MQTLS_CRED_GARBAGE;
    }
    if (ints >= 9u && version == 0) {
        return MQTLS_CRED_KEY_PKCS1;
    }
    /* RSAPublicKey {n, e} and DHParameter {p, g}: g is 2 or 5 in practice, e odd and >= 3. */
    if (ints == 2u) {
        return second == 2 || second == 5 ? MQTLS_CRED_DH_PARAMS : MQTLS_CRED_PUBLIC_KEY;
    }
    return ints == 3u ? MQTLS_CRED_DH_PARAMS : MQTLS_CRED_GARBAGE;
}

/* SEQUENCE { SEQUENCE ... }: certificate, CSR, public key, encrypted PKCS#8. */
static mqtls_cred_kind_t der_seq_first(der_t c)
{
    uint8_t tag, t2;
    der_t first, second;
    if (tlv(&c, &tag, &first) != TLV_OK || tlv(&c, &t2, &second) != TLV_OK) {
        return MQTLS_CRED_GARBAGE;
    }
    if (t2 == T_BITS && c.p == c.end) {
        return MQTLS_CRED_PUBLIC_KEY; /* SubjectPublicKeyInfo */
    }
    if (t2 == T_OCTETS && c.p == c.end) {
        return MQTLS_CRED_KEY_ENCRYPTED; /* EncryptedPrivateKeyInfo */
    }
    if (t2 != T_SEQ || next_tag(&c) != T_BITS) {
        return MQTLS_CRED_GARBAGE;
    }
    /* A signed thing: a TBSCertificate starts with [0] version (v3) or a serial;
     * a CertificationRequestInfo ends with [0] attributes. */
    if (next_tag(&first) == 0xA0u) {
        return MQTLS_CRED_CERT;
    }
    uint8_t last = 0;
    der_t skip;
    while (first.p < first.end && tlv(&first, &tag, &skip) == TLV_OK) {
        last = tag;
    }
    return last == 0xA0u ? MQTLS_CRED_CSR : MQTLS_CRED_CERT;
}

/* ContentInfo: OID 1.2.840.113549.1.7.x first. */
static bool is_pkcs7_oid(der_t c)
{
    static const uint8_t pkcs7[] = { 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07 };
    uint8_t tag;
    der_t oid;
    return tlv(&c, &tag, &oid) == TLV_OK && tag == T_OID && (size_t)(oid.end - oid.p) == sizeof pkcs7 + 1u &&
           memcmp(oid.p, pkcs7, sizeof pkcs7) == 0;
}

static mqtls_cred_kind_t der_kind(const uint8_t *buf, size_t len, size_t *claimed)
{
    der_t d = { buf, buf + len }, c;
    uint8_t tag;
    size_t body = 0;
    int rc = tlv_head(&d, &tag, &body);
    *claimed = body;
    if (rc == TLV_SHORT) {
        return MQTLS_CRED_TRUNCATED;
    }
    if (rc != TLV_OK || tag != T_SEQ || !all_space(d.p + body, (size_t)(d.end - d.p) - body)) {
        return MQTLS_CRED_GARBAGE;
    }
    c.p = d.p;
    c.end = d.p + body;
    switch (next_tag(&c)) {
    case T_INT: return der_int_first(c);
    case T_SEQ: return der_seq_first(c);
    case T_OID: return is_pkcs7_oid(c) ? MQTLS_CRED_PKCS7 : MQTLS_CRED_GARBAGE;
    default: return MQTLS_CRED_GARBAGE;
    }
}

/* ---- detect -------------------------------------------------------------------------- */

const char *mqtls_cred_kind_name(mqtls_cred_kind_t kind)
{
    switch (kind) {
    case MQTLS_CRED_EMPTY: return "empty file";
    case MQTLS_CRED_GARBAGE: return "neither PEM nor DER";
    case MQTLS_CRED_CERT: return "certificate";
    case MQTLS_CRED_CERT_CHAIN: return "certificate chain";
    case MQTLS_CRED_KEY_PKCS1: return "RSA private key (PKCS#1)";
    case MQTLS_CRED_KEY_SEC1: return "EC private key (SEC1)";
    case MQTLS_CRED_KEY_PKCS8: return "private key (PKCS#8)";
    case MQTLS_CRED_KEY_ENCRYPTED: return "encrypted private key";
    case MQTLS_CRED_PUBLIC_KEY: return "public key";
    case MQTLS_CRED_CSR: return "certificate signing request (CSR)";
    case MQTLS_CRED_PKCS7: return "PKCS#7 bundle";
    case MQTLS_CRED_PKCS12: return "PKCS#12 bundle";
    case MQTLS_CRED_DH_PARAMS: return "Diffie-Hellman parameters";
    case MQTLS_CRED_TRUNCATED: return "truncated DER";
    }
    return "unknown";
}

/* The sentence for a recognised kind: "a PEM certificate chain of 3 certificates". */
static void describe(mqtls_cred_info_t *o, bool legacy)
{
    const char *enc = o->encoding == MQTLS_TLS_FORMAT_PEM ? "PEM" : "DER";
    switch (o->kind) {
    case MQTLS_CRED_CERT_CHAIN:
        snprintf(o->what, sizeof o->what, "a PEM certificate chain of %zu certificates", o->count);
        break;
    case MQTLS_CRED_KEY_ENCRYPTED:
        snprintf(o->what, sizeof o->what, "a %s %s", enc,
                 legacy ? "private key with legacy PEM encryption (Proc-Type: 4,ENCRYPTED)"
                        : "encrypted private key (PKCS#8)");
        break;
    case MQTLS_CRED_PKCS7:
        snprintf(o->what, sizeof o->what, "a %s PKCS#7 bundle (.p7b; `openssl pkcs7 -print_certs` "
                 "extracts its certificates)", enc);
        break;
    case MQTLS_CRED_PKCS12:
        snprintf(o->what, sizeof o->what, "a %s PKCS#12 bundle (.p12/.pfx; `openssl pkcs12 -nokeys` or "
                 "`-nocerts` extracts its parts)", enc);
        break;
    case MQTLS_CRED_DH_PARAMS:
        snprintf(o->what, sizeof o->what, "a %s file of Diffie-Hellman parameters", enc);
        break;
    default:
        snprintf(o->what, sizeof o->what, "a %s %s", enc, mqtls_cred_kind_name(o->kind));
        break;
    }
}

static void detect_pem(const uint8_t *buf, size_t len, mqtls_cred_info_t *out)
{
    pem_scan_t s;
    pem_scan(buf, len, &s);
    out->encoding = MQTLS_TLS_FORMAT_PEM;
    out->count = s.blocks;
    if (s.blocks == 0u) {
        out->kind = s.unterminated[0] != '\0' ? MQTLS_CRED_TRUNCATED : MQTLS_CRED_GARBAGE;
        if (s.unterminated[0] != '\0') {
            snprintf(out->what, sizeof out->what, "a truncated PEM file: its '%s' block has no END line",
                     s.unterminated);
        } else {
            snprintf(out->what, sizeof out->what, "a PEM file with no certificate, key or CSR (block '%s')",
                     s.unknown);
        }
        return;
    }
    out->kind = s.first;
    if (s.first == MQTLS_CRED_CERT) {
        out->count = s.certs;
        out->kind = s.certs > 1u ? MQTLS_CRED_CERT_CHAIN : MQTLS_CRED_CERT;
    }
    bool legacy = s.legacy_encrypted && (s.first == MQTLS_CRED_KEY_PKCS1 || s.first == MQTLS_CRED_KEY_SEC1);
    if (legacy) {
        out->kind = MQTLS_CRED_KEY_ENCRYPTED;
    }
    describe(out, legacy);
    size_t len_what = strlen(out->what);
    if (mqtls__cred_is_cert(out->kind) && s.keys > 0u) {
        snprintf(out->what + len_what, sizeof out->what - len_what, ", and a private key in the same file");
    } else if (s.first >= MQTLS_CRED_KEY_PKCS1 && s.first <= MQTLS_CRED_KEY_ENCRYPTED && s.certs > 0u) {
        snprintf(out->what + len_what, sizeof out->what - len_what, ", and %zu certificate(s) in the same file",
                 s.certs);
    }
}

/* The length of the whole DER element at buf (header and body), 0 if it is not one. */
static size_t der_element_len(const uint8_t *buf, size_t len)
{
    der_t d = { buf, buf + len };
    uint8_t tag;
    size_t body = 0;
    return tlv_head(&d, &tag, &body) == TLV_OK ? (size_t)(d.p - buf) + body : 0u;
}

/* A known DER element followed by more: "2 DER certificates concatenated",
 * or "a DER certificate followed by N bytes that are not part of it". */
static bool describe_concatenated(const uint8_t *buf, size_t len, mqtls_cred_info_t *out)
{
    size_t one = der_element_len(buf, len), claimed;
    if (one == 0u || one >= len) {
        return false;
    }
    mqtls_cred_kind_t first = der_kind(buf, one, &claimed);
    if (first == MQTLS_CRED_GARBAGE || first == MQTLS_CRED_TRUNCATED) {
        return false;
    }
    size_t at = one, n = 1;
    while (at < len) {
        size_t next = der_element_len(buf + at, len - at);
        if (next == 0u || der_kind(buf + at, next, &claimed) != first) {
            break;
        }
        at += next;
        n++;
    }
    if (at == len || all_space(buf + at, len - at)) {
        out->count = first == MQTLS_CRED_CERT ? n : 0u; /* kind stays GARBAGE: not one file of a kind */
        snprintf(out->what, sizeof out->what, "%zu DER %ss concatenated (%zu bytes): a DER file holds one; split "
                 "them, or use PEM for several", n, mqtls_cred_kind_name(first), len);
    } else {
        snprintf(out->what, sizeof out->what, "a DER %s (%zu bytes)%s followed by %zu bytes that are not part of it",
                 mqtls_cred_kind_name(first), one, n > 1u ? " and more of them," : "", len - at);
    }
    return true;
}

static void detect_der(const uint8_t *buf, size_t len, mqtls_cred_info_t *out)
{
    size_t claimed = 0;
    out->encoding = MQTLS_TLS_FORMAT_DER;
    out->count = 1;
    out->kind = der_kind(buf, len, &claimed);
    if (out->kind == MQTLS_CRED_TRUNCATED) {
        snprintf(out->what, sizeof out->what, "truncated DER: %zu bytes, shorter than its ASN.1 lengths say "
                 "(the outer SEQUENCE alone claims %zu)", len, claimed);
    } else if (out->kind == MQTLS_CRED_GARBAGE) {
        out->encoding = MQTLS_TLS_FORMAT_AUTO;
        out->count = 0;
        if (!describe_concatenated(buf, len, out)) {
            snprintf(out->what, sizeof out->what, "neither PEM nor DER: %zu bytes that are not an ASN.1 "
                     "structure of a certificate, key or CSR", len);
        }
    } else {
        describe(out, false);
        size_t one = der_element_len(buf, len), used = strlen(out->what);
        if (one != 0u && one < len) {
            /* Padding (whitespace, NUL) that the parsers skip: said, never dropped silently. */
            snprintf(out->what + used, sizeof out->what - used, ", followed by %zu bytes of padding that are not "
                     "part of it", len - one);
        }
    }
}

/* A whole DER structure of a kind we know (not garbage, not truncated)? */
static bool der_known(const uint8_t *buf, size_t len)
{
    size_t claimed;
    mqtls_cred_kind_t k = der_kind(buf, len, &claimed);
    return k != MQTLS_CRED_GARBAGE && k != MQTLS_CRED_TRUNCATED;
}

int32_t mqtls_cred_detect(const uint8_t *buf, size_t len, mqtls_cred_info_t *out)
{
    if (out == NULL || (buf == NULL && len > 0u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    if (len > 0u && all_nul(buf, len)) {
        out->kind = MQTLS_CRED_GARBAGE; /* an erased or never-written file: not "whitespace" */
        snprintf(out->what, sizeof out->what, "%zu NUL bytes and nothing else (an erased or unwritten file): "
                 "neither PEM nor DER", len);
    } else if (len == 0u || all_space(buf, len)) {
        out->kind = MQTLS_CRED_EMPTY;
        snprintf(out->what, sizeof out->what, len == 0u ? "empty (0 bytes)" : "empty (only whitespace)");
    } else if (buf[0] == T_SEQ && der_known(buf, len)) {
        /* First: the bytes of a DER key or certificate may hold "-----BEGIN " by chance. */
        detect_der(buf, len, out);
    } else if (find(buf, len, "-----BEGIN ") != NULL) {
        detect_pem(buf, len, out);
    } else if (buf[0] == T_SEQ) {
        detect_der(buf, len, out);
    } else {
        out->kind = MQTLS_CRED_GARBAGE;
        snprintf(out->what, sizeof out->what, all_text(buf, len)
                 ? "text without a -----BEGIN line: neither PEM nor DER"
                 : "neither PEM nor DER: %zu bytes of binary data that are not ASN.1", len);
    }
    return MQTLS_OK;
}

/* ---- refusing the wrong kind ---------------------------------------------------------- */

/* The error for a file of kind `k` where `expected` was wanted; `other` is
 * the code for any kind without a more specific one. */
static int32_t wrong_kind(const mqtls_cred_info_t *info, const char *expected, int32_t other, char *why,
                          size_t why_len)
{
    int32_t rc = other;
    switch (info->kind) {
    case MQTLS_CRED_EMPTY: rc = MQTLS_ERR_CRED_EMPTY; break;
    case MQTLS_CRED_GARBAGE: rc = MQTLS_ERR_CRED_GARBAGE; break;
    case MQTLS_CRED_TRUNCATED: rc = MQTLS_ERR_CRED_TRUNCATED; break;
    case MQTLS_CRED_PKCS7:
    case MQTLS_CRED_PKCS12: rc = MQTLS_ERR_CRED_BUNDLE; break;
    case MQTLS_CRED_CSR: rc = other == MQTLS_ERR_CRED_NOT_CERT ? MQTLS_ERR_CRED_CSR : other; break;
    case MQTLS_CRED_PUBLIC_KEY:
        rc = other == MQTLS_ERR_CRED_NOT_PRIVATE_KEY ? MQTLS_ERR_CRED_PUBLIC_KEY : other;
        break;
    default: break;
    }
    mqtls__cred_say(why, why_len, "%s was expected, but the file is %s", expected, info->what);
    return rc;
}

/* see cred_priv.h */
bool mqtls__cred_is_private_key(mqtls_cred_kind_t k)
{
    return k == MQTLS_CRED_KEY_PKCS1 || k == MQTLS_CRED_KEY_SEC1 || k == MQTLS_CRED_KEY_PKCS8 ||
           k == MQTLS_CRED_KEY_ENCRYPTED;
}

/* see cred_priv.h */
bool mqtls__cred_is_cert(mqtls_cred_kind_t k)
{
    return k == MQTLS_CRED_CERT || k == MQTLS_CRED_CERT_CHAIN;
}

/* A PEM file that mixes blocks (a certificate and its key in one file, as
 * some tools write them) serves each role it has a block for. */
static bool pem_holds(const uint8_t *buf, size_t len, const mqtls_cred_info_t *info, bool key,
                      mqtls_cred_kind_t *key_kind)
{
    if (info->encoding != MQTLS_TLS_FORMAT_PEM) {
        return false;
    }
    pem_scan_t s;
    pem_scan(buf, len, &s);
    *key_kind = s.key_kind;
    return key ? s.keys > 0u : s.certs > 0u;
}

/* ---- loading certificates ------------------------------------------------------------- */

static int32_t cert_parse_error(const mqtls_cred_info_t *info, int ret, char *why, size_t why_len)
{
    char msg[128];
    mbedtls_strerror(ret, msg, sizeof msg);
    int high = -((-ret) & 0xFF80);
    bool unknown_alg = high == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG || high == MBEDTLS_ERR_X509_UNKNOWN_SIG_ALG ||
                       high == MBEDTLS_ERR_X509_FEATURE_UNAVAILABLE;
    mqtls__cred_say(why, why_len, "the file is %s that does not parse: %s", info->what, msg);
    return unknown_alg ? MQTLS_ERR_CRED_UNSUPPORTED : MQTLS_ERR_CRED_NOT_CERT;
}

static size_t chain_len(const mbedtls_x509_crt *c)
{
    size_t n = 0;
    for (; c != NULL && c->raw.p != NULL; c = c->next) {
        n++;
    }
    return n;
}

/* The bytes a PEM CERTIFICATE block decodes to beyond its certificate (0: none);
 * *block receives the block's number (1-based). text is NUL-terminated. */
static size_t pem_extra_bytes(const uint8_t *text, size_t *block)
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----", end[] = "-----END CERTIFICATE-----";
    const char *p = (const char *)text;
    size_t n = 0;
    while ((p = strstr(p, begin)) != NULL) {
        mbedtls_pem_context pem;
        mbedtls_pem_init(&pem);
        size_t used = 0, extra = 0;
        n++;
        if (mbedtls_pem_read_buffer(&pem, begin, end, (const unsigned char *)p, NULL, 0, &used) == 0) {
            size_t one = der_element_len(pem.buf, pem.buflen);
            extra = one != 0u && one < pem.buflen ? pem.buflen - one : 0u;
        }
        mbedtls_pem_free(&pem);
        if (extra > 0u) {
            *block = n;
            return extra;
        }
        p += used > 0u ? used : sizeof begin - 1u;
    }
    return 0;
}

int32_t mqtls__cred_load_certs(const uint8_t *buf, size_t len, mbedtls_x509_crt *crt, size_t *count, char *why,
                               size_t why_len)
{
    mqtls_cred_info_t info;
    if (mqtls_cred_detect(buf, len, &info) != MQTLS_OK) {
        return MQTLS_ERR_INVALID_ARG;
    }
    mqtls_cred_kind_t unused;
    if (!mqtls__cred_is_cert(info.kind) && !pem_holds(buf, len, &info, false, &unused)) {
        return wrong_kind(&info, "a certificate", MQTLS_ERR_CRED_NOT_CERT, why, why_len);
    }
    size_t before = chain_len(crt);
    int ret;
    if (info.encoding == MQTLS_TLS_FORMAT_DER) {
        ret = mbedtls_x509_crt_parse_der(crt, buf, len);
    } else {
        uint8_t *copy = nul_copy(buf, len);
        if (copy == NULL) {
            return MQTLS_ERR_NO_MEMORY;
        }
        ret = mbedtls_x509_crt_parse(crt, copy, len + 1u);
        size_t block = 0, extra = ret == 0 ? pem_extra_bytes(copy, &block) : 0u;
        free(copy);
        if (extra > 0u) {
            /* mbedTLS would keep the certificate and drop the rest without a word. */
            mqtls__cred_say(why, why_len, "the file is %s, but its certificate block %zu decodes to %zu bytes more than "
                "the certificate: extra base64 in the block (remove it; nothing is dropped silently)", info.what,
                block, extra);
            return MQTLS_ERR_CRED_GARBAGE;
        }
        if (ret > 0) {
            mqtls__cred_say(why, why_len, "the file is %s, of which %d do not parse", info.what, ret);
            return MQTLS_ERR_CRED_NOT_CERT;
        }
    }
    if (ret < 0) {
        return cert_parse_error(&info, ret, why, why_len);
    }
    if (count != NULL) {
        *count = chain_len(crt) - before;
    }
    return MQTLS_OK;
}

/* ---- loading keys ---------------------------------------------------------------------- */

static int32_t key_parse_error(const mqtls_cred_info_t *info, int ret, char *why, size_t why_len)
{
    char msg[128];
    mbedtls_strerror(ret, msg, sizeof msg);
    int high = -((-ret) & 0xFF80);
    if (ret == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
        mqtls__cred_say(why, why_len, "the file is %s: give its password", info->what);
        return MQTLS_ERR_CRED_ENCRYPTED;
    }
    if (ret == MBEDTLS_ERR_PK_PASSWORD_MISMATCH ||
        (info->kind == MQTLS_CRED_KEY_ENCRYPTED && high != MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE &&
         high != MBEDTLS_ERR_PK_UNKNOWN_PK_ALG && high != MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE &&
         high != MBEDTLS_ERR_PEM_UNKNOWN_ENC_ALG)) {
        mqtls__cred_say(why, why_len, "the file is %s, and the password does not decrypt it", info->what);
        return MQTLS_ERR_CRED_BAD_PASSWORD;
    }
    if (high == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE || high == MBEDTLS_ERR_PK_UNKNOWN_PK_ALG ||
        high == MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE || high == MBEDTLS_ERR_PEM_UNKNOWN_ENC_ALG) {
        mqtls__cred_say(why, why_len, "the file is %s of a type or encryption mbedTLS cannot read (%s)", info->what, msg);
        return MQTLS_ERR_CRED_UNSUPPORTED;
    }
    mqtls__cred_say(why, why_len, "the file is %s that does not parse: %s", info->what, msg);
    return ret == MBEDTLS_ERR_PK_ALLOC_FAILED ? MQTLS_ERR_NO_MEMORY : MQTLS_ERR_CRED_NOT_PRIVATE_KEY;
}

int32_t mqtls__cred_load_key(const uint8_t *buf, size_t len, const char *password, mbedtls_pk_context *pk,
                             char *why, size_t why_len)
{
    mqtls_cred_info_t info;
    if (mqtls_cred_detect(buf, len, &info) != MQTLS_OK) {
        return MQTLS_ERR_INVALID_ARG;
    }
    mqtls_cred_kind_t key_kind;
    if (!mqtls__cred_is_private_key(info.kind) && !pem_holds(buf, len, &info, true, &key_kind)) {
        return wrong_kind(&info, "a private key", MQTLS_ERR_CRED_NOT_PRIVATE_KEY, why, why_len);
    }
    if (!mqtls__cred_is_private_key(info.kind)) {
        info.kind = key_kind; /* the key block of a mixed file */
    }
    bool have_pw = password != NULL && password[0] != '\0';
    if (info.kind == MQTLS_CRED_KEY_ENCRYPTED && !have_pw) {
        mqtls__cred_say(why, why_len, "the file is %s: give its password", info.what);
        return MQTLS_ERR_CRED_ENCRYPTED;
    }
    bool pem = info.encoding == MQTLS_TLS_FORMAT_PEM;
    uint8_t *copy = nul_copy(buf, len);
    if (copy == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    long iters = -1;
    int count = info.kind == MQTLS_CRED_KEY_ENCRYPTED ? mqtls__pkcs8_iterations(copy, len, pem, &iters) : 0;
    if (count != 0) {
        /* Judged before anything runs PBKDF2: a claimed 2^31 would run for half an hour. */
        burn(copy, len + 1u);
        if (count == MQTLS__PBKDF2_TOO_MANY) {
            mqtls__cred_say(why, why_len, "the file is %s that asks for %ld PBKDF2 iterations; mqtls runs at most %ld "
                "(OpenSSL writes 2048): refused rather than computing for minutes", info.what, iters,
                MQTLS__PBKDF2_MAX_ITERATIONS);
            return MQTLS_ERR_CRED_KDF_LIMIT;
        }
        mqtls__cred_say(why, why_len, "the file is %s whose PBKDF2 iteration count is 0, negative or wider than 32 "
            "bits: a malformed key, whatever the password", info.what);
        return MQTLS_ERR_CRED_MALFORMED_KEY;
    }
    const unsigned char *pw = have_pw ? (const unsigned char *)password : NULL;
    int ret = mqtls__mbed_parse_key(pk, copy, pem ? len + 1u : len, pw, have_pw ? strlen(password) : 0u);
    if (ret != 0 && info.kind == MQTLS_CRED_KEY_ENCRYPTED && ret != MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
        int own = mqtls__pk_parse_pbes2_aes(pk, copy, len, pem, password);
        ret = own == MQTLS__PBES2_NOT_OURS ? ret : own;
    }
    burn(copy, len + 1u);
    return ret == 0 ? MQTLS_OK : key_parse_error(&info, ret, why, why_len);
}

/* ---- convert ----------------------------------------------------------------------------- */

/* PEM of DER: "-----BEGIN <label>-----" ... into a malloc'd, NUL-terminated buffer. */
static int32_t to_pem(const char *label, const uint8_t *der, size_t der_len, uint8_t **out, size_t *out_len)
{
    char head[64], foot[64];
    snprintf(head, sizeof head, "-----BEGIN %s-----\n", label);
    snprintf(foot, sizeof foot, "-----END %s-----\n", label);
    size_t cap = der_len * 4u / 3u + der_len / 48u + 128u;
    uint8_t *pem = malloc(cap);
    size_t olen = 0;
    if (pem == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    if (mbedtls_pem_write_buffer(head, foot, der, der_len, pem, cap, &olen) != 0) {
        free(pem);
        return MQTLS_ERR_NO_MEMORY;
    }
    *out = pem;
    *out_len = olen - 1u; /* olen counts the NUL */
    return MQTLS_OK;
}

/* Append `more` (NUL-terminated, more_len bytes) to *acc. */
static int32_t append(uint8_t **acc, size_t *acc_len, uint8_t *more, size_t more_len)
{
    uint8_t *n = realloc(*acc, *acc_len + more_len + 1u);
    if (n == NULL) {
        free(more);
        return MQTLS_ERR_NO_MEMORY;
    }
    memcpy(n + *acc_len, more, more_len + 1u);
    *acc = n;
    *acc_len += more_len;
    free(more);
    return MQTLS_OK;
}

static int32_t copy_out(const uint8_t *p, size_t len, uint8_t **out, size_t *out_len)
{
    *out = nul_copy(p, len);
    *out_len = len;
    return *out != NULL ? MQTLS_OK : MQTLS_ERR_NO_MEMORY;
}

/* ---- DER, not BER: minimal lengths -------------------------------------------------------
 * A certificate may arrive with non-minimal (BER) lengths: 0x84 00 00 01 c0
 * where DER writes 0x82 01 c0. Its outer SEQUENCE and the signature fields
 * are not signed and are re-encoded; the signed part (tbsCertificate) is
 * kept byte for byte, so a BER length inside it cannot be fixed without
 * breaking the signature: such a certificate is refused with a sentence. */

#define DER_MAX_DEPTH 32

static size_t len_size(size_t n)
{
    return n < 0x80u ? 1u : n <= 0xFFu ? 2u : n <= 0xFFFFu ? 3u : n <= 0xFFFFFFu ? 4u : 5u;
}

static uint8_t *put_len(uint8_t *o, size_t n)
{
    size_t k = len_size(n);
    if (k == 1u) {
        *o++ = (uint8_t)n;
        return o;
    }
    *o++ = (uint8_t)(0x80u | (k - 1u));
    for (size_t i = k - 1u; i > 0u; i--) {
        *o++ = (uint8_t)(n >> (8u * (i - 1u)));
    }
    return o;
}

/* The minimal encoding's size of the elements in d; 0 with *bad on error. Constructed
 * elements are walked; primitive ones keep their contents. *minimal: already DER. */
static size_t der_size(der_t d, int depth, bool *bad, bool *minimal)
{
    size_t total = 0;
    if (depth > DER_MAX_DEPTH) {
        *bad = true;
        return 0;
    }
    while (d.p < d.end && !*bad) {
        const uint8_t *start = d.p;
        uint8_t tag;
        der_t body;
        if (tlv(&d, &tag, &body) != TLV_OK) {
            *bad = true;
            return 0;
        }
        size_t n = (tag & 0x20u) ? der_size(body, depth + 1, bad, minimal) : (size_t)(body.end - body.p);
        size_t hdr = (size_t)(body.p - start);
        if (hdr != 1u + len_size((size_t)(body.end - body.p))) {
            *minimal = false;
        }
        total += 1u + len_size(n) + n;
    }
    return total;
}

static uint8_t *der_write(der_t d, uint8_t *o, int depth)
{
    while (d.p < d.end) {
        uint8_t tag;
        der_t body;
        if (tlv(&d, &tag, &body) != TLV_OK) {
            return NULL;
        }
        *o++ = tag;
        if (tag & 0x20u) {
            bool bad = false, minimal = true;
            o = put_len(o, der_size(body, depth + 1, &bad, &minimal));
            if ((o = der_write(body, o, depth + 1)) == NULL) {
                return NULL;
            }
        } else {
            size_t n = (size_t)(body.end - body.p);
            o = put_len(o, n);
            memcpy(o, body.p, n);
            o += n;
        }
    }
    return o;
}

/* One certificate's bytes as DER into a malloc'd buffer. */
static int32_t cert_der(const uint8_t *raw, size_t len, uint8_t **out, size_t *out_len, char *why, size_t why_len)
{
    der_t all = { raw, raw + len }, cert, tbs;
    uint8_t tag;
    if (tlv(&all, &tag, &cert) != TLV_OK || tag != T_SEQ) {
        return copy_out(raw, len, out, out_len); /* the parser accepted it: nothing to improve here */
    }
    const uint8_t *tbs_start = cert.p;
    if (tlv(&cert, &tag, &tbs) != TLV_OK) {
        return copy_out(raw, len, out, out_len);
    }
    size_t tbs_len = (size_t)(cert.p - tbs_start);
    bool bad = false, minimal = true;
    der_t tbs_whole = { tbs_start, cert.p };
    der_size(tbs_whole, 0, &bad, &minimal);
    if (bad) {
        return copy_out(raw, len, out, out_len); /* a structure this walker does not follow: kept as parsed */
    }
    if (!minimal) {
        mqtls__cred_say(why, why_len, "the certificate is BER, not DER: its signed part (tbsCertificate) uses "
            "non-minimal lengths, and re-encoding them would break its signature; ask its issuer for a DER "
            "certificate (openssl x509 keeps the bytes as they are)");
        return MQTLS_ERR_CRED_NOT_DER;
    }
    der_t rest = cert; /* signatureAlgorithm, signatureValue */
    size_t rest_len = der_size(rest, 1, &bad, &minimal);
    if (bad) {
        return copy_out(raw, len, out, out_len);
    }
    size_t body = tbs_len + rest_len;
    uint8_t *o = malloc(1u + len_size(body) + body + 1u);
    if (o == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    uint8_t *w = o;
    *w++ = T_SEQ;
    w = put_len(w, body);
    memcpy(w, tbs_start, tbs_len);
    w += tbs_len;
    w = der_write(rest, w, 1);
    if (w == NULL) {
        free(o);
        return copy_out(raw, len, out, out_len);
    }
    *w = 0u;
    *out = o;
    *out_len = (size_t)(w - o);
    return MQTLS_OK;
}

static int32_t convert_certs(const uint8_t *in, size_t in_len, const mqtls_cred_info_t *info, mqtls_tls_format_t to,
                             uint8_t **out, size_t *out_len, char *why, size_t why_len)
{
    if (to == MQTLS_TLS_FORMAT_DER && info->kind == MQTLS_CRED_CERT_CHAIN) {
        mqtls__cred_say(why, why_len, "one certificate was expected (a DER file holds one), but the file is %s; "
            "split it, or convert it to PEM", info->what);
        return MQTLS_ERR_CRED_NOT_SINGLE;
    }
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int32_t rc = mqtls__cred_load_certs(in, in_len, &crt, NULL, why, why_len);
    if (rc == MQTLS_OK && to == MQTLS_TLS_FORMAT_DER) {
        rc = cert_der(crt.raw.p, crt.raw.len, out, out_len, why, why_len);
    } else if (rc == MQTLS_OK) {
        *out = NULL;
        *out_len = 0;
        for (const mbedtls_x509_crt *c = &crt; c != NULL && rc == MQTLS_OK; c = c->next) {
            uint8_t *one, *der = NULL;
            size_t one_len, der_len = 0;
            rc = cert_der(c->raw.p, c->raw.len, &der, &der_len, why, why_len);
            rc = rc == MQTLS_OK ? to_pem("CERTIFICATE", der, der_len, &one, &one_len) : rc;
            free(der);
            rc = rc == MQTLS_OK ? append(out, out_len, one, one_len) : rc;
        }
        if (rc != MQTLS_OK) {
            free(*out);
            *out = NULL;
        }
    }
    mbedtls_x509_crt_free(&crt);
    return rc;
}

/*
 * ECPrivateKey (RFC 5915) as PKCS#8 carries it: version 1, the private
 * value at the curve's full byte length, no [0] parameters (the algorithm
 * identifier names the curve), the [1] public point uncompressed.
 */
static int write_ec_inner(const mbedtls_ecp_keypair *ec, unsigned char *buf, unsigned char **p)
{
    unsigned char tmp[2u * MBEDTLS_ECP_MAX_BYTES + 1u];
    size_t olen = 0, len = 0, bytes = (ec->MQTLS__MBED_PRIV(grp).pbits + 7u) / 8u;
    int ret = mbedtls_ecp_point_write_binary(&ec->MQTLS__MBED_PRIV(grp), &ec->MQTLS__MBED_PRIV(Q),
                                             MBEDTLS_ECP_PF_UNCOMPRESSED, &olen, tmp, sizeof tmp);
    if (ret != 0) {
        return ret;
    }
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_bitstring(p, buf, tmp, olen * 8u));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(p, buf, MBEDTLS_ASN1_CONTEXT_SPECIFIC |
                                                                  MBEDTLS_ASN1_CONSTRUCTED | 1));
    if ((ret = mbedtls_mpi_write_binary(&ec->MQTLS__MBED_PRIV(d), tmp, bytes)) != 0) {
        return ret;
    }
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_octet_string(p, buf, tmp, bytes));
    mbedtls_platform_zeroize(tmp, sizeof tmp);
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_int(p, buf, 1));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
    return (int)len;
}

/* PrivateKeyInfo (RFC 5958 §2) around the device form, written backwards from buf+size. */
static int write_pkcs8(mbedtls_pk_context *pk, unsigned char *buf, size_t size)
{
    unsigned char *p = buf + size;
    size_t len = 0, par_len = 0;
    int ret; /* for MBEDTLS_ASN1_CHK_ADD */
    const char *oid;
    size_t oid_len;
    if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY) {
        const mbedtls_ecp_keypair *ec = mbedtls_pk_ec(*pk);
        MBEDTLS_ASN1_CHK_ADD(len, write_ec_inner(ec, buf, &p));
    } else {
        int n = mbedtls_pk_write_key_der(pk, buf, size);
        if (n < 0) {
            return n;
        }
        len = (size_t)n;
        p -= len;
    }
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_OCTET_STRING));
    if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY) {
        if (mbedtls_oid_get_oid_by_ec_grp(mqtls__mbed_ec_group(pk), &oid, &oid_len) != 0) {
            return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
        }
        MBEDTLS_ASN1_CHK_ADD(par_len, mbedtls_asn1_write_oid(&p, buf, oid, oid_len));
        len += par_len;
        oid = MBEDTLS_OID_EC_ALG_UNRESTRICTED;
        oid_len = sizeof(MBEDTLS_OID_EC_ALG_UNRESTRICTED) - 1u;
    } else if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA) {
        oid = MBEDTLS_OID_PKCS1_RSA; /* par_len 0: NULL parameters */
        oid_len = sizeof(MBEDTLS_OID_PKCS1_RSA) - 1u;
    } else {
        return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
    }
    int alg = mbedtls_asn1_write_algorithm_identifier(&p, buf, oid, oid_len, par_len);
    if (alg < 0) {
        return alg;
    }
    len += (size_t)alg - par_len;
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_int(&p, buf, 0));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
    return (int)len;
}

/* The key's DER in `form`, then PEM if asked. */
static int32_t write_key(mbedtls_pk_context *pk, mqtls_tls_format_t to, mqtls_cred_key_form_t form, uint8_t **out,
                         size_t *out_len, char *why, size_t why_len)
{
    unsigned char *buf = malloc(KEY_BUF_LEN);
    if (buf == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    int n = form == MQTLS_CRED_KEY_AS_PKCS8 ? write_pkcs8(pk, buf, KEY_BUF_LEN)
                                            : mbedtls_pk_write_key_der(pk, buf, KEY_BUF_LEN);
    int32_t rc;
    if (n < 0) {
        char msg[128];
        mbedtls_strerror(n, msg, sizeof msg);
        mqtls__cred_say(why, why_len, "the %s key cannot be written: %s", mbedtls_pk_get_name(pk), msg);
        rc = MQTLS_ERR_CRED_UNSUPPORTED;
    } else if (to == MQTLS_TLS_FORMAT_DER) {
        rc = copy_out(buf + KEY_BUF_LEN - (size_t)n, (size_t)n, out, out_len);
    } else {
        const char *label = form == MQTLS_CRED_KEY_AS_PKCS8             ? "PRIVATE KEY"
                            : mbedtls_pk_get_type(pk) == MBEDTLS_PK_RSA ? "RSA PRIVATE KEY"
                                                                        : "EC PRIVATE KEY";
        rc = to_pem(label, buf + KEY_BUF_LEN - (size_t)n, (size_t)n, out, out_len);
    }
    mbedtls_platform_zeroize(buf, KEY_BUF_LEN);
    free(buf);
    return rc;
}

static int32_t convert_public(const uint8_t *in, size_t in_len, mqtls_tls_format_t to, uint8_t **out,
                              size_t *out_len, char *why, size_t why_len)
{
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    uint8_t *copy = nul_copy(in, in_len);
    unsigned char *buf = malloc(KEY_BUF_LEN);
    int32_t rc = copy == NULL || buf == NULL ? MQTLS_ERR_NO_MEMORY : MQTLS_OK;
    bool pem = copy != NULL && find(in, in_len, "-----BEGIN ") != NULL;
    int n = rc == MQTLS_OK ? mbedtls_pk_parse_public_key(&pk, copy, pem ? in_len + 1u : in_len) : 0;
    if (n == 0 && rc == MQTLS_OK) {
        n = mbedtls_pk_write_pubkey_der(&pk, buf, KEY_BUF_LEN);
    }
    if (rc == MQTLS_OK && n < 0) {
        char msg[128];
        mbedtls_strerror(n, msg, sizeof msg);
        mqtls__cred_say(why, why_len, "the file is a public key that does not parse: %s", msg);
        rc = MQTLS_ERR_CRED_UNSUPPORTED;
    } else if (rc == MQTLS_OK) {
        const uint8_t *der = buf + KEY_BUF_LEN - (size_t)n;
        rc = to == MQTLS_TLS_FORMAT_DER ? copy_out(der, (size_t)n, out, out_len)
                                        : to_pem("PUBLIC KEY", der, (size_t)n, out, out_len);
    }
    free(copy);
    free(buf);
    mbedtls_pk_free(&pk);
    return rc;
}

int32_t mqtls_cred_convert(const uint8_t *in, size_t in_len, mqtls_tls_format_t to, mqtls_cred_key_form_t form,
                           const char *password, uint8_t **out, size_t *out_len, char *why, size_t why_len)
{
    mqtls_cred_info_t info;
    if (out == NULL || out_len == NULL || mqtls_cred_detect(in, in_len, &info) != MQTLS_OK) {
        return MQTLS_ERR_INVALID_ARG;
    }
    *out = NULL;
    *out_len = 0;
    if (to == MQTLS_TLS_FORMAT_AUTO) {
        to = info.encoding == MQTLS_TLS_FORMAT_PEM ? MQTLS_TLS_FORMAT_DER : MQTLS_TLS_FORMAT_PEM;
    }
    if (mqtls__cred_is_cert(info.kind)) {
        return convert_certs(in, in_len, &info, to, out, out_len, why, why_len);
    }
    if (info.kind == MQTLS_CRED_PUBLIC_KEY) {
        return convert_public(in, in_len, to, out, out_len, why, why_len);
    }
    if (!mqtls__cred_is_private_key(info.kind)) {
        return wrong_kind(&info, "a certificate or a key", MQTLS_ERR_CRED_NOT_CERT, why, why_len);
    }
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int32_t rc = mqtls__cred_load_key(in, in_len, password, &pk, why, why_len);
    if (rc == MQTLS_OK) {
        rc = write_key(&pk, to, form, out, out_len, why, why_len);
    }
    mbedtls_pk_free(&pk);
    return rc;
}

/* ---- inspect: formatting -------------------------------------------------------------- */

int32_t mqtls_cred_parse_time(const char *s, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0, oh = 0, om = 0;
    long long secs;
    if (s == NULL || out == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (strcmp(s, "now") == 0) {
        *out = MQTLS_CRED_NOW;
        return MQTLS_OK;
    }
    if (s[0] == '@' && sscanf(s + 1, "%lld%n", &secs, &n) == 1 && s[1 + n] == '\0') {
        *out = secs;
        return MQTLS_OK;
    }
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3) {
        return MQTLS_ERR_INVALID_ARG;
    }
    const char *p = s + n;
    if ((*p == 'T' || *p == ' ') && sscanf(p + 1, "%2d:%2d%n", &h, &mi, &n) == 2) {
        p += 1 + n;
        if (*p == ':' && sscanf(p + 1, "%2d%n", &se, &n) == 1) {
            p += 1 + n;
        }
    }
    int sign = *p == '-' ? -1 : 1;
    if (*p == 'Z') {
        p++;
    } else if ((*p == '+' || *p == '-') && sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) == 2) {
        p += 1 + n;
    }
    if (*p != '\0' || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || se < 0 ||
        se > 60 || oh < 0 || oh > 23 || om < 0 || om > 59) {
        return MQTLS_ERR_INVALID_ARG;
    }
    *out = mqtls__days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - sign * (oh * 3600 + om * 60);
    return MQTLS_OK;
}

int64_t mqtls__cred_unix_time(const mbedtls_x509_time *t)
{
    return mqtls__days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 + t->sec;
}

void mqtls__cred_format_unix(int64_t t, char *out, size_t len)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char tmp[80];
    if (gmtime_r(&tt, &tm) == NULL) {
        put(out, len, "(out of range)");
        return;
    }
    snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
    put(out, len, tmp);
}

/* Bytes as colon-separated upper-case hex, as openssl prints them. */
static void hex_colons(const uint8_t *p, size_t n, char *out, size_t len)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 4u <= len; i++) {
        o += (size_t)snprintf(out + o, len - o, i == 0u ? "%02X" : ":%02X", p[i]);
    }
}

static void format_dn(char *out, size_t len, const mbedtls_x509_name *name)
{
    char dn[1024];
    put(out, len, mbedtls_x509_dn_gets(dn, sizeof dn, name) >= 0 ? dn : "(name too long)");
}

/* OpenSSL's names (OBJ_nid2ln), so mqtls and openssl print the same. */
static void format_sig_alg(char *out, size_t len, const mbedtls_x509_buf *oid)
{
#define SIG(o, n) { o, sizeof(o) - 1u, n }
    static const struct {
        const char *oid;
        size_t oid_len;
        const char *name;
    } names[] = {
        SIG(MBEDTLS_OID_ECDSA_SHA256, "ecdsa-with-SHA256"), SIG(MBEDTLS_OID_ECDSA_SHA384, "ecdsa-with-SHA384"),
        SIG(MBEDTLS_OID_ECDSA_SHA512, "ecdsa-with-SHA512"), SIG(MBEDTLS_OID_ECDSA_SHA1, "ecdsa-with-SHA1"),
        SIG(MBEDTLS_OID_PKCS1_SHA256, "sha256WithRSAEncryption"),
        SIG(MBEDTLS_OID_PKCS1_SHA384, "sha384WithRSAEncryption"),
        SIG(MBEDTLS_OID_PKCS1_SHA512, "sha512WithRSAEncryption"),
        SIG(MBEDTLS_OID_PKCS1_SHA1, "sha1WithRSAEncryption"), SIG(MBEDTLS_OID_RSASSA_PSS, "rsassaPss"),
    };
#undef SIG
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (oid->len == names[i].oid_len && memcmp(oid->p, names[i].oid, oid->len) == 0) {
            snprintf(out, len, "%s", names[i].name);
            return;
        }
    }
    if (mbedtls_oid_get_numeric_string(out, len, oid) < 0) {
        snprintf(out, len, "unknown");
    }
}

/* Append ", item" (or "item" first) to out. */
static void add_item(char *out, size_t len, const char *item)
{
    size_t o = strlen(out);
    if (o + 1u < len) {
        snprintf(out + o, len - o, "%s%s", o > 0u ? ", " : "", item);
    }
}

static void format_key_usage(char *out, size_t len, unsigned int ku)
{
    static const struct {
        unsigned int bit;
        const char *name;
    } bits[] = {
        { MBEDTLS_X509_KU_DIGITAL_SIGNATURE, "digitalSignature" },
        { MBEDTLS_X509_KU_NON_REPUDIATION, "nonRepudiation" },
        { MBEDTLS_X509_KU_KEY_ENCIPHERMENT, "keyEncipherment" },
        { MBEDTLS_X509_KU_DATA_ENCIPHERMENT, "dataEncipherment" },
        { MBEDTLS_X509_KU_KEY_AGREEMENT, "keyAgreement" },
        { MBEDTLS_X509_KU_KEY_CERT_SIGN, "keyCertSign" },
        { MBEDTLS_X509_KU_CRL_SIGN, "cRLSign" },
        { MBEDTLS_X509_KU_ENCIPHER_ONLY, "encipherOnly" },
        { MBEDTLS_X509_KU_DECIPHER_ONLY, "decipherOnly" },
    };
    for (size_t i = 0; i < sizeof bits / sizeof bits[0]; i++) {
        if (ku & bits[i].bit) {
            add_item(out, len, bits[i].name);
        }
    }
}

static void format_eku(char *out, size_t len, const mbedtls_x509_sequence *s)
{
    static const char *const kp[] = { NULL, "serverAuth", "clientAuth", "codeSigning", "emailProtection",
                                      NULL, NULL, NULL, "timeStamping", "OCSPSigning" };
    const size_t base = sizeof(MBEDTLS_OID_KP) - 1u;
    for (; s != NULL && s->buf.p != NULL; s = s->next) {
        char num[64];
        const char *name = NULL;
        if (s->buf.len == base + 1u && memcmp(s->buf.p, MBEDTLS_OID_KP, base) == 0 &&
            s->buf.p[base] < sizeof kp / sizeof kp[0]) {
            name = kp[s->buf.p[base]];
        }
        if (name == NULL) {
            name = mbedtls_oid_get_numeric_string(num, sizeof num, &s->buf) < 0 ? "unknown" : num;
        }
        add_item(out, len, name);
    }
}

/* One GeneralName (RFC 5280 §4.2.1.6) as "DNS:x", "IP:1.2.3.4", "email:x", "URI:x". */
static void format_san_entry(char *out, size_t len, const mbedtls_x509_buf *b)
{
    char item[300], ip[64];
    int type = b->tag & 0x1F;
    const char *prefix = type == 1 ? "email" : type == 2 ? "DNS" : type == 6 ? "URI" : NULL;
    if (prefix != NULL) {
        snprintf(item, sizeof item, "%s:%.*s", prefix, (int)(b->len < 256u ? b->len : 256u), (const char *)b->p);
    } else if (type == 7 && (b->len == 4u || b->len == 16u) &&
               inet_ntop(b->len == 4u ? AF_INET : AF_INET6, b->p, ip, sizeof ip) != NULL) {
        snprintf(item, sizeof item, "IP:%s", ip);
    } else {
        snprintf(item, sizeof item, "othername-%d", type);
    }
    add_item(out, len, item);
}

/* Does `parent`'s key verify the signature on `c`? */
static bool signed_by(const mbedtls_x509_crt *c, const mbedtls_x509_crt *parent)
{
    const mbedtls_md_info_t *md = mbedtls_md_info_from_type(c->MQTLS__MBED_PRIV(sig_md));
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    if (md == NULL || mbedtls_md(md, c->tbs.p, c->tbs.len, hash) != 0) {
        return false;
    }
    /* 2.28's verify takes a non-const key it does not modify. */
    mbedtls_pk_context *pk = (mbedtls_pk_context *)(uintptr_t)&parent->pk;
    return mbedtls_pk_verify_ext(c->MQTLS__MBED_PRIV(sig_pk), c->MQTLS__MBED_PRIV(sig_opts), pk,
                                 c->MQTLS__MBED_PRIV(sig_md), hash, mbedtls_md_get_size(md),
                                 c->MQTLS__MBED_PRIV(sig).p, c->MQTLS__MBED_PRIV(sig).len) == 0;
}

/* Is `c`'s issuer name the subject name of `parent`? */
static bool issued_name(const mbedtls_x509_crt *c, const mbedtls_x509_crt *parent)
{
    return c->issuer_raw.len == parent->subject_raw.len &&
           memcmp(c->issuer_raw.p, parent->subject_raw.p, c->issuer_raw.len) == 0;
}

/* Self-signed: the names match and the certificate's own key verifies it. */
static bool self_signed(const mbedtls_x509_crt *c)
{
    return issued_name(c, c) && signed_by(c, c);
}

static void describe_key(mqtls_cred_cert_t *o, const mbedtls_pk_context *pk)
{
    snprintf(o->key_type, sizeof o->key_type, "%s", mbedtls_pk_get_name(pk));
    size_t bits = mbedtls_pk_get_bitlen(pk);
    o->key_bits = (uint16_t)(bits > UINT16_MAX ? UINT16_MAX : bits);
    o->curve[0] = '\0';
    if (mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECKEY || mbedtls_pk_get_type(pk) == MBEDTLS_PK_ECDSA) {
        const mbedtls_ecp_curve_info *ci = mbedtls_ecp_curve_info_from_grp_id(mqtls__mbed_ec_group(pk));
        snprintf(o->curve, sizeof o->curve, "%s", ci != NULL ? ci->name : "unknown");
    }
}

/* The serial as openssl prints it: the INTEGER's bytes without a leading 00 pad. */
static void format_serial(char *out, size_t len, const mbedtls_x509_buf *s)
{
    const uint8_t *p = s->p;
    size_t n = s->len;
    if (n > 1u && p[0] == 0u) {
        p++;
        n--;
    }
    hex_colons(p, n, out, len);
}

static void describe_cert(mqtls_cred_cert_t *o, const mbedtls_x509_crt *c)
{
    memset(o, 0, sizeof *o);
    format_dn(o->subject, sizeof o->subject, &c->subject);
    format_dn(o->issuer, sizeof o->issuer, &c->issuer);
    format_serial(o->serial, sizeof o->serial, &c->serial);
    o->not_before_unix = mqtls__cred_unix_time(&c->valid_from);
    o->not_after_unix = mqtls__cred_unix_time(&c->valid_to);
    mqtls__cred_format_unix(o->not_before_unix, o->not_before, sizeof o->not_before);
    mqtls__cred_format_unix(o->not_after_unix, o->not_after, sizeof o->not_after);
    describe_key(o, &c->pk);
    format_sig_alg(o->sig_alg, sizeof o->sig_alg, &c->sig_oid);
    o->is_ca = c->MQTLS__MBED_PRIV(ca_istrue) != 0;
    /* mbedTLS keeps pathlen + 1, 0 meaning no limit. */
    int max_pathlen = c->MQTLS__MBED_PRIV(max_pathlen);
    o->path_len = o->is_ca && max_pathlen > 0 ? max_pathlen - 1 : -1;
    if (c->MQTLS__MBED_PRIV(ext_types) & MBEDTLS_X509_EXT_KEY_USAGE) {
        format_key_usage(o->key_usage, sizeof o->key_usage, c->MQTLS__MBED_PRIV(key_usage));
    }
    if (c->MQTLS__MBED_PRIV(ext_types) & MBEDTLS_X509_EXT_EXTENDED_KEY_USAGE) {
        format_eku(o->ext_key_usage, sizeof o->ext_key_usage, &c->ext_key_usage);
    }
    for (const mbedtls_x509_sequence *s = &c->subject_alt_names; s != NULL && s->buf.p != NULL; s = s->next) {
        format_san_entry(o->san, sizeof o->san, &s->buf);
    }
    unsigned char h[32];
    if (mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), c->raw.p, c->raw.len, h) == 0) {
        hex_colons(h, sizeof h, o->sha256, sizeof o->sha256);
    }
    o->self_signed = self_signed(c);
}

/* ---- inspect ------------------------------------------------------------------------------ */

int32_t mqtls_cred_inspect(const uint8_t *buf, size_t len, mqtls_cred_cert_t *out, size_t max, size_t *n, char *why,
                           size_t why_len)
{
    if (n == NULL || (out == NULL && max > 0u) || (buf == NULL && len > 0u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    *n = 0;
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    int32_t rc = mqtls__cred_load_certs(buf, len, &crt, NULL, why, why_len);
    for (const mbedtls_x509_crt *c = &crt; rc == MQTLS_OK && c != NULL && c->raw.p != NULL; c = c->next) {
        if (*n < max) {
            describe_cert(&out[*n], c);
        }
        (*n)++;
    }
    mbedtls_x509_crt_free(&crt);
    return rc;
}

int32_t mqtls_cred_inspect_key(const uint8_t *buf, size_t len, const char *password, mqtls_cred_cert_t *out,
                               char *why, size_t why_len)
{
    if (out == NULL || (buf == NULL && len > 0u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    out->path_len = -1;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int32_t rc = mqtls__cred_load_key(buf, len, password, &pk, why, why_len);
    if (rc == MQTLS_OK) {
        describe_key(out, &pk);
    }
    mbedtls_pk_free(&pk);
    return rc;
}

/* ---- verify --------------------------------------------------------------------------------- */

/* The certificates of the path mbedTLS built, leaf first, with their flags
 * minus validity (which is judged against `at` here). */
typedef struct {
    const mbedtls_x509_crt *crt[MAX_PATH_LEN];
    uint32_t flags[MAX_PATH_LEN];
    size_t n;
} path_t;

static int path_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    path_t *path = ctx;
    *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    if (depth >= 0 && depth < MAX_PATH_LEN) {
        path->crt[depth] = crt;
        path->flags[depth] = *flags;
        if ((size_t)depth + 1u > path->n) {
            path->n = (size_t)depth + 1u;
        }
    }
    return 0;
}

/* Validity of every certificate of the path at `at`, each failure named in why. */
static uint32_t check_times(const path_t *path, int64_t at, char *why, size_t why_len)
{
    uint32_t out = 0;
    char when[24], bound[24], subject[256], item[600];
    mqtls__cred_format_unix(at, when, sizeof when);
    for (size_t i = 0; i < path->n; i++) {
        const mbedtls_x509_crt *c = path->crt[i];
        if (c == NULL) {
            continue;
        }
        int64_t from = mqtls__cred_unix_time(&c->valid_from), to = mqtls__cred_unix_time(&c->valid_to);
        format_dn(subject, sizeof subject, &c->subject);
        if (at > to) {
            mqtls__cred_format_unix(to, bound, sizeof bound);
            snprintf(item, sizeof item, "'%s' expired at %s (checked at %s)", subject, bound, when);
            out |= MQTLS_TLS_VERIFY_EXPIRED;
        } else if (at < from) {
            mqtls__cred_format_unix(from, bound, sizeof bound);
            snprintf(item, sizeof item, "'%s' is not valid until %s (checked at %s)", subject, bound, when);
            out |= MQTLS_TLS_VERIFY_NOT_YET_VALID;
        } else {
            continue;
        }
        add_item(why, why_len, item);
    }
    return out;
}

/*
 * Why the top of the path found no trusted parent. mbedTLS says only "not
 * trusted"; a CA of the right name whose key does not verify the signature
 * (a CA made again with a new key) is told apart as a bad signature.
 */
static uint32_t untrusted_reason(const mbedtls_x509_crt *top, const mbedtls_x509_crt *trust, char *why,
                                 size_t why_len)
{
    char item[1024], subject[256], issuer[256], cas[256];
    format_dn(subject, sizeof subject, &top->subject);
    format_dn(issuer, sizeof issuer, &top->issuer);
    for (const mbedtls_x509_crt *t = trust; t != NULL && t->raw.p != NULL; t = t->next) {
        if (issued_name(top, t) && !signed_by(top, t)) {
            snprintf(item, sizeof item, "the signature on '%s' does not verify with the key of the CA '%s' "
                     "given: a CA of that name but another key (was the CA made again?)", subject, issuer);
            add_item(why, why_len, item);
            return MQTLS_TLS_VERIFY_BAD_SIGNATURE;
        }
    }
    format_dn(cas, sizeof cas, &trust->subject);
    snprintf(item, sizeof item, "'%s' does not chain to the CA certificate(s) given (its issuer is '%s'; "
             "the CA file starts with '%s')", subject, issuer, cas);
    add_item(why, why_len, item);
    return MQTLS_TLS_VERIFY_NOT_TRUSTED;
}

/* mbedTLS's other flags, each with its reason. */
static uint32_t check_flags(const mbedtls_x509_crt *top, const mbedtls_x509_crt *ca, uint32_t flags, char *why,
                            size_t why_len)
{
    if (flags == 0u) {
        return 0;
    }
    uint32_t out = 0;
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
        out |= untrusted_reason(top, ca, why, why_len);
        flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_NOT_TRUSTED;
    }
    if (flags != 0u) {
        char info[400];
        if (mbedtls_x509_crt_verify_info(info, sizeof info, "", flags) < 0) {
            snprintf(info, sizeof info, "verification flags 0x%x", (unsigned)flags);
        }
        for (char *nl = strchr(info, '\n'); nl != NULL; nl = strchr(nl, '\n')) {
            *nl = nl[1] != '\0' ? ';' : '\0';
        }
        add_item(why, why_len, info);
        out |= MQTLS_TLS_VERIFY_OTHER;
    }
    return out;
}

static int32_t verify_result(uint32_t f)
{
    if (f & MQTLS_TLS_VERIFY_NOT_TRUSTED) {
        return MQTLS_ERR_CRED_UNTRUSTED;
    }
    if (f & MQTLS_TLS_VERIFY_BAD_SIGNATURE) {
        return MQTLS_ERR_CRED_BAD_SIGNATURE;
    }
    if (f & MQTLS_TLS_VERIFY_EXPIRED) {
        return MQTLS_ERR_CRED_EXPIRED;
    }
    if (f & MQTLS_TLS_VERIFY_NOT_YET_VALID) {
        return MQTLS_ERR_CRED_NOT_YET_VALID;
    }
    return f != 0u ? MQTLS_ERR_CRED_UNTRUSTED : MQTLS_OK;
}

/* Load one input of verify/match, naming its role in why on failure. */
static int32_t load_role(const char *role, const uint8_t *buf, size_t len, mbedtls_x509_crt *crt, char *why,
                         size_t why_len)
{
    char inner[400] = "";
    int32_t rc = mqtls__cred_load_certs(buf, len, crt, NULL, inner, sizeof inner);
    if (rc != MQTLS_OK) {
        mqtls__cred_say(why, why_len, "%s: %s", role, inner);
    }
    return rc;
}

int32_t mqtls_cred_verify(const uint8_t *cert, size_t cert_len, const uint8_t *ca, size_t ca_len,
                          const uint8_t *untrusted, size_t untrusted_len, int64_t at, uint32_t *flags, char *why,
                          size_t why_len)
{
    mbedtls_x509_crt chain, trust;
    mbedtls_x509_crt_init(&chain);
    mbedtls_x509_crt_init(&trust);
    if (flags != NULL) {
        *flags = 0;
    }
    if (why != NULL && why_len > 0u) {
        why[0] = '\0';
    }
    int32_t rc = load_role("the certificate", cert, cert_len, &chain, why, why_len);
    if (rc == MQTLS_OK && untrusted != NULL && untrusted_len > 0u) {
        rc = load_role("the intermediates", untrusted, untrusted_len, &chain, why, why_len);
    }
    if (rc == MQTLS_OK) {
        rc = load_role("the CA", ca, ca_len, &trust, why, why_len);
    }
    if (rc == MQTLS_OK) {
        path_t path;
        memset(&path, 0, sizeof path);
        uint32_t mf = 0;
        int ret = mbedtls_x509_crt_verify(&chain, &trust, NULL, NULL, &mf, path_cb, &path);
        if (ret != 0 && ret != MBEDTLS_ERR_X509_CERT_VERIFY_FAILED) {
            mf |= MBEDTLS_X509_BADCERT_OTHER;
        }
        if (path.n == 0u) {
            path.crt[0] = &chain; /* fatal error before any callback: judge the leaf at least */
            path.n = 1;
        }
        const mbedtls_x509_crt *top = path.crt[path.n - 1u] != NULL ? path.crt[path.n - 1u] : &chain;
        uint32_t f = check_flags(top, &trust, mf, why, why_len);
        f |= check_times(&path, at == MQTLS_CRED_NOW ? (int64_t)time(NULL) : at, why, why_len);
        if (flags != NULL) {
            *flags = f;
        }
        rc = verify_result(f);
    }
    mbedtls_x509_crt_free(&chain);
    mbedtls_x509_crt_free(&trust);
    return rc;
}

/* ---- match ------------------------------------------------------------------------------------ */

static void key_summary(const mbedtls_pk_context *pk, char *out, size_t len)
{
    mqtls_cred_cert_t d;
    describe_key(&d, pk);
    snprintf(out, len, "%s %u bits%s%s", d.key_type, (unsigned)d.key_bits, d.curve[0] != '\0' ? ", " : "", d.curve);
}

int32_t mqtls_cred_match(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                         const char *password, char *why, size_t why_len)
{
    mbedtls_x509_crt crt;
    mbedtls_pk_context pk;
    mbedtls_x509_crt_init(&crt);
    mbedtls_pk_init(&pk);
    char inner[400] = "";
    int32_t rc = load_role("the certificate", cert, cert_len, &crt, why, why_len);
    if (rc == MQTLS_OK && (rc = mqtls__cred_load_key(key, key_len, password, &pk, inner, sizeof inner)) != MQTLS_OK) {
        mqtls__cred_say(why, why_len, "the key: %s", inner);
    }
    if (rc == MQTLS_OK && mqtls__mbed_check_pair(&crt.pk, &pk) != 0) {
        char subject[256], ck[64], kk[64];
        format_dn(subject, sizeof subject, &crt.subject);
        key_summary(&crt.pk, ck, sizeof ck);
        key_summary(&pk, kk, sizeof kk);
        mqtls__cred_say(why, why_len, "the private key (%s) does not belong to the certificate '%s' (%s)", kk, subject, ck);
        rc = MQTLS_ERR_CRED_KEY_MISMATCH;
    }
    mbedtls_pk_free(&pk);
    mbedtls_x509_crt_free(&crt);
    return rc;
}

/* ---- C arrays ------------------------------------------------------------------------------------ */

static bool c_identifier(const char *s)
{
    if (s == NULL || !((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || *s == '_')) {
        return false;
    }
    for (; *s != '\0'; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) {
            return false;
        }
    }
    return true;
}

/*
 * PEM gets its terminating NUL inside the array (and NAME_len counts it):
 * mbedTLS's parsers take PEM only with buf[len-1] == '\0', so the array can
 * go straight to mbedtls_x509_crt_parse(NAME, NAME_len).
 */
int32_t mqtls_cred_carray(const uint8_t *buf, size_t len, const char *name, uint8_t **out, size_t *out_len)
{
    if (out == NULL || out_len == NULL || !c_identifier(name) || strlen(name) > 200u || (buf == NULL && len > 0u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    bool pem = len > 0u && find(buf, len, "-----BEGIN ") != NULL && buf[len - 1u] != '\0';
    size_t n = len + (pem ? 1u : 0u);
    /* Per byte " 0xNN," (6), plus "\n    " (4 more) every 12: under 7; the rest is fixed text. */
    size_t cap = 600u + 6u * strlen(name) + n * 7u;
    char *s = malloc(cap);
    if (s == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    char guard[220];
    size_t i;
    for (i = 0; name[i] != '\0'; i++) {
        guard[i] = (char)(name[i] >= 'a' && name[i] <= 'z' ? name[i] - 'a' + 'A' : name[i]);
    }
    memcpy(guard + i, "_H", 3);
    size_t o = (size_t)snprintf(s, cap, "/* %s: %zu bytes%s, made by mqtls cert carray. */\n#ifndef %s\n#define %s\n\n"
                                "#include <stddef.h>\n\nconst unsigned char %s[] = {", name, n,
                                pem ? " (PEM, with the NUL mbedTLS needs)" : "", guard, guard, name);
    for (i = 0; i < n && o < cap; i++) {
        o += (size_t)snprintf(s + o, cap - o, "%s0x%02x,", i % 12u == 0u ? "\n    " : " ", i < len ? buf[i] : 0u);
    }
    if (o >= cap) { /* cannot happen with the bound above; never write past it */
        free(s);
        return MQTLS_ERR_NO_MEMORY;
    }
    o += (size_t)snprintf(s + o, cap - o, "%s};\nconst size_t %s_len = %zu;\n\n#endif /* %s */\n",
                          n == 0u ? "\n    0x00\n" : "\n", name, n, guard);
    *out = (uint8_t *)s;
    *out_len = o;
    return MQTLS_OK;
}
