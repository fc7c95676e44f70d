/* SPDX-License-Identifier: MIT
 * mqtls credentials: generate keys, CSRs and certificates (a development CA). */
/*
 * Everything here is written with mbedTLS's PK, x509write_csr and
 * x509write_crt modules, so the files a test or a demo uses are made by
 * the same code a device links, and openssl stays an independent check.
 *
 * What mbedTLS 2.28 does not do by itself, and how this file does it:
 * - subjectAltName: neither writer has a helper. The GeneralNames DER
 *   (dNSName [2] IA5String, iPAddress [7] 4 or 16 bytes) is built with
 *   mbedtls_asn1_write_* and added as a raw extension; for a CSR the
 *   writer wraps it in the PKCS#9 extensionRequest attribute itself.
 * - extendedKeyUsage: no setter either; a SEQUENCE OF OID is built the
 *   same way.
 * - The issuer of a leaf is copied attribute by attribute from the CA
 *   certificate's parsed subject (values and string tags as they are),
 *   rather than printed with mbedtls_x509_dn_gets() and parsed back: that
 *   round trip loses commas and non-ASCII bytes, and a mismatch between a
 *   leaf's issuer and its CA's subject breaks chain building.
 * - Subject names go through mbedtls_x509_string_to_names(), whose only
 *   escape is "\,": commas in a value are escaped, a backslash is refused.
 *
 * Keys are written in the device form (SEC1 "EC PRIVATE KEY", PKCS#1
 * "RSA PRIVATE KEY"), which is what mbedtls_pk_write_key_pem() writes.
 * Keys and certificates we are given are read with the loaders every cred
 * module shares (cred_priv.h), so a wrong file gets the same sentence here
 * as in `cert` and `store`, and AES-encrypted PKCS#8 works too.
 */
#ifndef MBEDTLS_ALLOW_PRIVATE_ACCESS
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* ctx.issuer is private on 3.x */
#endif

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <mbedtls/asn1write.h>
#include <mbedtls/bignum.h>
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/ecp.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pk.h>
#include <mbedtls/platform_util.h>
#include <mbedtls/rsa.h>
#include <mbedtls/x509_crt.h>
#include <mbedtls/x509_csr.h>

#include "cred_priv.h"
#include "util/mbed_compat.h"
#include "mqtls/cred.h"

#define GEN_PEM_MAX 8192u    /* an RSA-3072 certificate with SANs is ~2.5 KB of PEM */
#define GEN_EXT_MAX 2048u    /* room for a SAN or EKU extension value */
#define GEN_SAN_MAX 32u      /* SAN entries per certificate */
#define GEN_DNS_MAX 253u     /* longest DNS name (RFC 1035) */
#define GEN_RDN_MAX 64u      /* ub-common-name and ub-organization-name */
#define GEN_SUBJECT_MAX 320u /* "CN=..., O=..." with every comma escaped */

/* ---- small helpers ------------------------------------------------------------------ */


static const char *mbed_msg(int ret, char *buf, size_t len)
{
    mbedtls_strerror(ret, buf, len);
    return buf;
}

/* A seeded CTR-DRBG; every generator call here draws from one. */
typedef struct {
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
} rng_t;

static int rng_open(rng_t *r)
{
    static const unsigned char who[] = "mqtls cred_gen";
    mbedtls_entropy_init(&r->entropy);
    mbedtls_ctr_drbg_init(&r->drbg);
    return mbedtls_ctr_drbg_seed(&r->drbg, mbedtls_entropy_func, &r->entropy, who, sizeof who - 1u);
}

static void rng_close(rng_t *r)
{
    mbedtls_ctr_drbg_free(&r->drbg);
    mbedtls_entropy_free(&r->entropy);
}

/* Hand a NUL-terminated PEM text from a scratch buffer to the caller. */
static int32_t give_pem(const unsigned char *text, uint8_t **pem, size_t *pem_len)
{
    size_t n = strlen((const char *)text);
    uint8_t *out = malloc(n + 1u);
    if (out == NULL)
        return MQTLS_ERR_NO_MEMORY;
    memcpy(out, text, n + 1u);
    *pem = out;
    *pem_len = n;
    return MQTLS_OK;
}

static bool looks_pem(const uint8_t *buf, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    for (size_t i = 0; i + sizeof begin - 1u <= len; i++) {
        if (memcmp(buf + i, begin, sizeof begin - 1u) == 0)
            return true;
    }
    return false;
}

/* mbedTLS wants PEM NUL-terminated, with the NUL counted in the length. */
static uint8_t *nul_copy(const uint8_t *buf, size_t len)
{
    uint8_t *c = malloc(len + 1u);
    if (c != NULL) {
        memcpy(c, buf, len);
        c[len] = 0;
    }
    return c;
}

/* ---- key types -------------------------------------------------------------------------- */

static const struct {
    const char *name;
    mqtls_cred_key_type_t type;
} key_types[] = {
    { "ec-p256", MQTLS_CRED_EC_P256 },
    { "ec-p384", MQTLS_CRED_EC_P384 },
    { "rsa-2048", MQTLS_CRED_RSA_2048 },
    { "rsa-3072", MQTLS_CRED_RSA_3072 },
};

int32_t mqtls_cred_key_type_parse(const char *name, mqtls_cred_key_type_t *out)
{
    if (name == NULL || out == NULL)
        return MQTLS_ERR_INVALID_ARG;
    for (size_t i = 0; i < sizeof key_types / sizeof key_types[0]; i++) {
        if (strcmp(name, key_types[i].name) == 0) {
            *out = key_types[i].type;
            return MQTLS_OK;
        }
    }
    return MQTLS_ERR_CRED_UNSUPPORTED;
}

static int gen_into(mbedtls_pk_context *pk, mqtls_cred_key_type_t type, rng_t *r)
{
    bool ec = type == MQTLS_CRED_EC_P256 || type == MQTLS_CRED_EC_P384;
    int ret = mbedtls_pk_setup(pk, mbedtls_pk_info_from_type(ec ? MBEDTLS_PK_ECKEY : MBEDTLS_PK_RSA));
    if (ret != 0)
        return ret;
    if (ec) {
        mbedtls_ecp_group_id g = type == MQTLS_CRED_EC_P256 ? MBEDTLS_ECP_DP_SECP256R1 : MBEDTLS_ECP_DP_SECP384R1;
        return mbedtls_ecp_gen_key(g, mbedtls_pk_ec(*pk), mbedtls_ctr_drbg_random, &r->drbg);
    }
    unsigned bits = type == MQTLS_CRED_RSA_2048 ? 2048u : 3072u;
    return mbedtls_rsa_gen_key(mbedtls_pk_rsa(*pk), mbedtls_ctr_drbg_random, &r->drbg, bits, 65537);
}

int32_t mqtls_cred_key_gen(mqtls_cred_key_type_t type, uint8_t **pem, size_t *pem_len)
{
    if (pem == NULL || pem_len == NULL || (unsigned)type > (unsigned)MQTLS_CRED_RSA_3072)
        return MQTLS_ERR_INVALID_ARG;
    *pem = NULL;
    *pem_len = 0;
    rng_t r;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    unsigned char *buf = calloc(1, GEN_PEM_MAX);
    int ret = buf == NULL ? MBEDTLS_ERR_PK_ALLOC_FAILED : rng_open(&r);
    if (ret == 0)
        ret = gen_into(&pk, type, &r);
    if (ret == 0)
        ret = mbedtls_pk_write_key_pem(&pk, buf, GEN_PEM_MAX);
    int32_t rc = ret == 0 ? give_pem(buf, pem, pem_len) : MQTLS_ERR_CRED_UNSUPPORTED;
    if (ret == MBEDTLS_ERR_PK_ALLOC_FAILED || ret == MBEDTLS_ERR_MPI_ALLOC_FAILED ||
        ret == MBEDTLS_ERR_ECP_ALLOC_FAILED)
        rc = MQTLS_ERR_NO_MEMORY;
    if (buf != NULL) {
        mbedtls_platform_zeroize(buf, GEN_PEM_MAX);
        rng_close(&r);
    }
    free(buf);
    mbedtls_pk_free(&pk);
    return rc;
}

/* ---- loading what we are given ------------------------------------------------------------ */

/* A private key that can sign, through the loader every cred module shares. */
static int32_t load_key(mbedtls_pk_context *pk, const uint8_t *buf, size_t len, const char *password, char *why,
                        size_t why_len)
{
    if (buf == NULL || len == 0) {
        mqtls__cred_say(why, why_len, "the key file is empty");
        return MQTLS_ERR_CRED_EMPTY;
    }
    int32_t rc = mqtls__cred_load_key(buf, len, password, pk, why, why_len);
    if (rc == MQTLS_OK && !mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA) && !mbedtls_pk_can_do(pk, MBEDTLS_PK_RSA)) {
        mqtls__cred_say(why, why_len, "only RSA and EC keys can sign");
        rc = MQTLS_ERR_CRED_UNSUPPORTED;
    }
    return rc;
}

/* The key to certify: a private key, or just its public half. */
static int32_t load_subject_key(mbedtls_pk_context *pk, const uint8_t *buf, size_t len, char *why, size_t why_len)
{
    int32_t rc = load_key(pk, buf, len, NULL, why, why_len);
    if (rc != MQTLS_ERR_CRED_PUBLIC_KEY)
        return rc;
    uint8_t *copy = nul_copy(buf, len);
    if (copy == NULL)
        return MQTLS_ERR_NO_MEMORY;
    mbedtls_pk_free(pk);
    mbedtls_pk_init(pk);
    int ret = mbedtls_pk_parse_public_key(pk, copy, looks_pem(buf, len) ? len + 1u : len);
    free(copy);
    return ret == 0 ? MQTLS_OK : MQTLS_ERR_CRED_PUBLIC_KEY;
}

/* The CA certificate: the first one in buf, which must be a CA. */
static int32_t load_ca_cert(mbedtls_x509_crt *crt, const uint8_t *buf, size_t len, char *why, size_t why_len)
{
    if (buf == NULL || len == 0) {
        mqtls__cred_say(why, why_len, "the CA certificate file is empty");
        return MQTLS_ERR_CRED_EMPTY;
    }
    int32_t rc = mqtls__cred_load_certs(buf, len, crt, NULL, why, why_len);
    if (rc == MQTLS_OK && !crt->ca_istrue) {
        mqtls__cred_say(why, why_len, "the CA certificate is not a CA (basicConstraints CA:FALSE or missing)");
        rc = MQTLS_ERR_CRED_NOT_CA;
    }
    return rc;
}

/* ---- names ------------------------------------------------------------------------------------ */

/* Append "TAG=value" to the subject string, escaping commas ("\," is 2.28's only escape). */
static int32_t add_rdn(char *out, size_t cap, const char *tag, const char *value, char *why, size_t why_len)
{
    size_t n = strlen(out);
    if (value[0] == '\0' || strchr(value, '\\') != NULL || value[0] == ' ') {
        mqtls__cred_say(why, why_len, "%s '%s' cannot be used: it must be non-empty, not start with a space, "
            "and hold no backslash", tag, value);
        return MQTLS_ERR_INVALID_ARG;
    }
    if (strlen(value) > GEN_RDN_MAX) {
        mqtls__cred_say(why, why_len, "%s is %zu characters long; X.509 allows at most %u (RFC 5280 upper bounds)", tag,
            strlen(value), GEN_RDN_MAX);
        return MQTLS_ERR_INVALID_ARG;
    }
    int w = snprintf(out + n, cap - n, "%s%s=", n > 0 ? ", " : "", tag);
    if (w < 0 || (size_t)w >= cap - n)
        return MQTLS_ERR_INVALID_ARG;
    n += (size_t)w;
    for (const char *v = value; *v != '\0'; v++) {
        if (n + 3u >= cap) {
            mqtls__cred_say(why, why_len, "%s is too long", tag);
            return MQTLS_ERR_INVALID_ARG;
        }
        if (*v == ',')
            out[n++] = '\\';
        out[n++] = *v;
    }
    out[n] = '\0';
    return MQTLS_OK;
}

static int32_t subject_string(const mqtls_cred_name_t *name, char *out, size_t cap, char *why, size_t why_len)
{
    out[0] = '\0';
    if (name == NULL || name->cn == NULL) {
        mqtls__cred_say(why, why_len, "a common name (CN) is needed");
        return MQTLS_ERR_INVALID_ARG;
    }
    int32_t rc = add_rdn(out, cap, "CN", name->cn, why, why_len);
    if (rc == MQTLS_OK && name->org != NULL)
        rc = add_rdn(out, cap, "O", name->org, why, why_len);
    return rc;
}

/* Copy a parsed Name (in encoding order) into a writer's list, which is
 * written head last: each attribute is prepended. */
static int copy_name(mbedtls_asn1_named_data **head, const mbedtls_x509_name *name)
{
    for (const mbedtls_x509_name *n = name; n != NULL && n->oid.p != NULL; n = n->next) {
        mbedtls_asn1_named_data *d = calloc(1, sizeof *d);
        if (d == NULL)
            return MBEDTLS_ERR_X509_ALLOC_FAILED;
        d->next = *head;
        *head = d;
        d->oid.p = malloc(n->oid.len);
        d->val.p = malloc(n->val.len + 1u);
        if (d->oid.p == NULL || d->val.p == NULL)
            return MBEDTLS_ERR_X509_ALLOC_FAILED;
        memcpy(d->oid.p, n->oid.p, n->oid.len);
        memcpy(d->val.p, n->val.p, n->val.len);
        d->oid.len = n->oid.len;
        d->oid.tag = n->oid.tag;
        d->val.len = n->val.len;
        d->val.tag = n->val.tag;
        d->next_merged = n->next_merged;
    }
    return 0;
}

/* ---- extensions ----------------------------------------------------------------------------- */

typedef struct {
    bool ip;
    size_t len;
    unsigned char bytes[GEN_DNS_MAX];
} san_t;

static bool dns_ok(const char *s, size_t len)
{
    if (len == 0 || len > GEN_DNS_MAX)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '.' || c == '*' || c == '_';
        if (!ok)
            return false;
    }
    return true;
}

/* One "DNS:name" or "IP:address" entry. */
static int32_t parse_san_entry(const char *s, size_t len, san_t *out, char *why, size_t why_len)
{
    char tmp[GEN_DNS_MAX + 8u];
    if (len >= 4u && strncasecmp(s, "DNS:", 4) == 0 && dns_ok(s + 4, len - 4u)) {
        out->ip = false;
        out->len = len - 4u;
        memcpy(out->bytes, s + 4, out->len);
        return MQTLS_OK;
    }
    if (len >= 3u && len < sizeof tmp && strncasecmp(s, "IP:", 3) == 0) {
        memcpy(tmp, s + 3, len - 3u);
        tmp[len - 3u] = '\0';
        out->ip = true;
        if (inet_pton(AF_INET, tmp, out->bytes) == 1) {
            out->len = 4;
            return MQTLS_OK;
        }
        if (inet_pton(AF_INET6, tmp, out->bytes) == 1) {
            out->len = 16;
            return MQTLS_OK;
        }
    }
    mqtls__cred_say(why, why_len, "bad subject alternative name '%.*s': use DNS:name or IP:address (IPv4 or IPv6)",
        (int)(len > 300u ? 300u : len), s);
    return MQTLS_ERR_INVALID_ARG;
}

/* "DNS:a,IP:1.2.3.4" into sans[]; spaces around entries are allowed. */
static int32_t parse_sans(const char *spec, san_t *sans, size_t *n, char *why, size_t why_len)
{
    *n = 0;
    const char *p = spec;
    while (spec != NULL && *p != '\0') {
        while (*p == ' ')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        while (len > 0 && p[len - 1u] == ' ')
            len--;
        if (*n == GEN_SAN_MAX) {
            mqtls__cred_say(why, why_len, "too many subject alternative names (at most %u)", GEN_SAN_MAX);
            return MQTLS_ERR_INVALID_ARG;
        }
        int32_t rc = parse_san_entry(p, len, &sans[*n], why, why_len);
        if (rc != MQTLS_OK)
            return rc;
        (*n)++;
        p = end != NULL ? end + 1 : p + strlen(p);
    }
    return MQTLS_OK;
}

/* GeneralNames DER, written backwards into buf[0..cap); *der points at its start. */
static int san_der(const san_t *sans, size_t n, unsigned char *buf, size_t cap, unsigned char **der, size_t *der_len)
{
    unsigned char *p = buf + cap;
    size_t len = 0;
    int ret;
    for (size_t i = n; i-- > 0;) {
        size_t one = 0;
        unsigned char tag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | (sans[i].ip ? 7u : 2u);
        MBEDTLS_ASN1_CHK_ADD(one, mbedtls_asn1_write_raw_buffer(&p, buf, sans[i].bytes, sans[i].len));
        MBEDTLS_ASN1_CHK_ADD(one, mbedtls_asn1_write_len(&p, buf, one));
        MBEDTLS_ASN1_CHK_ADD(one, mbedtls_asn1_write_tag(&p, buf, tag));
        len += one;
    }
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
    *der = p;
    *der_len = len;
    return 0;
}

/* ExtKeyUsageSyntax with one purpose. */
static int eku_der(bool server, unsigned char *buf, size_t cap, unsigned char **der, size_t *der_len)
{
    unsigned char *p = buf + cap;
    size_t len = 0;
    int ret;
    if (server)
        MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_SERVER_AUTH,
                                                         MBEDTLS_OID_SIZE(MBEDTLS_OID_SERVER_AUTH)));
    else
        MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_oid(&p, buf, MBEDTLS_OID_CLIENT_AUTH,
                                                         MBEDTLS_OID_SIZE(MBEDTLS_OID_CLIENT_AUTH)));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_len(&p, buf, len));
    MBEDTLS_ASN1_CHK_ADD(len, mbedtls_asn1_write_tag(&p, buf, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE));
    *der = p;
    *der_len = len;
    return 0;
}

/* Parse name->san; *n = 0 when there is none. */
static int32_t sans_of(const mqtls_cred_name_t *name, san_t **sans, size_t *n, char *why, size_t why_len)
{
    *n = 0;
    *sans = NULL;
    if (name->san == NULL || name->san[0] == '\0')
        return MQTLS_OK;
    *sans = calloc(GEN_SAN_MAX, sizeof **sans);
    if (*sans == NULL)
        return MQTLS_ERR_NO_MEMORY;
    return parse_sans(name->san, *sans, n, why, why_len);
}

/* ---- CSR ----------------------------------------------------------------------------------------- */

static int csr_write(mbedtls_x509write_csr *w, const san_t *sans, size_t n, rng_t *r, unsigned char *out)
{
    unsigned char ext[GEN_EXT_MAX];
    if (n > 0) {
        unsigned char *der;
        size_t der_len;
        int ret = san_der(sans, n, ext, sizeof ext, &der, &der_len);
        if (ret == 0)
            ret = mqtls__mbed_csr_set_extension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), der, der_len);
        if (ret != 0)
            return ret;
    }
    return mbedtls_x509write_csr_pem(w, out, GEN_PEM_MAX, mbedtls_ctr_drbg_random, &r->drbg);
}

/* The parts of a request both CSRs and certificates need: subject and SANs. */
static int32_t prepare_name(const mqtls_cred_name_t *name, char *subject, san_t **sans, size_t *n, char *why,
                            size_t why_len)
{
    int32_t rc = subject_string(name, subject, GEN_SUBJECT_MAX, why, why_len);
    if (rc == MQTLS_OK)
        rc = sans_of(name, sans, n, why, why_len);
    return rc;
}

int32_t mqtls_cred_csr(const uint8_t *key, size_t key_len, const char *password, const mqtls_cred_name_t *name,
                       uint8_t **pem, size_t *pem_len, char *why, size_t why_len)
{
    if (pem == NULL || pem_len == NULL || name == NULL)
        return MQTLS_ERR_INVALID_ARG;
    *pem = NULL;
    *pem_len = 0;
    char subject[GEN_SUBJECT_MAX];
    san_t *sans = NULL;
    size_t n = 0;
    int32_t rc = prepare_name(name, subject, &sans, &n, why, why_len);
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    if (rc == MQTLS_OK)
        rc = load_key(&pk, key, key_len, password, why, why_len);
    if (rc == MQTLS_OK) {
        mbedtls_x509write_csr w;
        rng_t r;
        char m[128];
        unsigned char *out = calloc(1, GEN_PEM_MAX);
        mbedtls_x509write_csr_init(&w);
        mbedtls_x509write_csr_set_md_alg(&w, MBEDTLS_MD_SHA256);
        mbedtls_x509write_csr_set_key(&w, &pk);
        int ret = out == NULL ? MBEDTLS_ERR_X509_ALLOC_FAILED : rng_open(&r);
        if (ret == 0)
            ret = mbedtls_x509write_csr_set_subject_name(&w, subject);
        if (ret == 0)
            ret = csr_write(&w, sans, n, &r, out);
        if (ret == 0)
            rc = give_pem(out, pem, pem_len);
        else {
            mqtls__cred_say(why, why_len, "cannot write the CSR: %s", mbed_msg(ret, m, sizeof m));
            rc = ret == MBEDTLS_ERR_X509_ALLOC_FAILED ? MQTLS_ERR_NO_MEMORY : MQTLS_ERR_CRED_UNSUPPORTED;
        }
        if (out != NULL)
            rng_close(&r);
        free(out);
        mbedtls_x509write_csr_free(&w);
    }
    mbedtls_pk_free(&pk);
    free(sans);
    return rc;
}

/* ---- certificates -------------------------------------------------------------------------------- */

/* A random positive 128-bit serial; the top bit is cleared so the INTEGER
 * needs no sign byte, and the next one set so it keeps all 16 bytes. */
static int set_serial(mbedtls_x509write_cert *w, rng_t *r)
{
    unsigned char b[16];
    mbedtls_mpi s;
    mbedtls_mpi_init(&s);
    int ret = mbedtls_ctr_drbg_random(&r->drbg, b, sizeof b);
    b[0] = (unsigned char)((b[0] & 0x7Fu) | 0x40u);
    if (ret == 0)
        ret = mbedtls_mpi_read_binary(&s, b, sizeof b);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_serial(w, &s);
    mbedtls_mpi_free(&s);
    return ret;
}

static bool format_time(time_t t, char out[16])
{
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999)
        return false;
    return strftime(out, 16, "%Y%m%d%H%M%S", &tm) == 14u;
}

/* now-1h (a device clock slightly behind still accepts it) to now+days. */
static int set_validity(mbedtls_x509write_cert *w, unsigned days)
{
    time_t now = time(NULL);
    char from[16], to[16];
    if (!format_time(now - 3600, from) || !format_time(now + (time_t)days * 86400, to))
        return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    return mbedtls_x509write_crt_set_validity(w, from, to);
}

static int set_usage(mbedtls_x509write_cert *w, mqtls_cred_issue_kind_t kind, const mbedtls_pk_context *subject)
{
    unsigned int ku = MBEDTLS_X509_KU_DIGITAL_SIGNATURE;
    if (kind == MQTLS_CRED_ISSUE_CA)
        ku = MBEDTLS_X509_KU_KEY_CERT_SIGN | MBEDTLS_X509_KU_CRL_SIGN;
    else if (kind == MQTLS_CRED_ISSUE_SERVER && mbedtls_pk_get_type(subject) == MBEDTLS_PK_RSA)
        ku |= MBEDTLS_X509_KU_KEY_ENCIPHERMENT; /* RSA key exchange suites */
    int ret = mbedtls_x509write_crt_set_basic_constraints(w, kind == MQTLS_CRED_ISSUE_CA, -1);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_key_usage(w, ku);
    if (ret != 0 || kind == MQTLS_CRED_ISSUE_CA)
        return ret;
    unsigned char ext[64];
    unsigned char *der;
    size_t der_len;
    ret = eku_der(kind == MQTLS_CRED_ISSUE_SERVER, ext, sizeof ext, &der, &der_len);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_EXTENDED_KEY_USAGE,
                                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_EXTENDED_KEY_USAGE), 0, der, der_len);
    return ret;
}

static int set_sans(mbedtls_x509write_cert *w, const san_t *sans, size_t n)
{
    if (n == 0)
        return 0;
    unsigned char ext[GEN_EXT_MAX];
    unsigned char *der;
    size_t der_len;
    int ret = san_der(sans, n, ext, sizeof ext, &der, &der_len);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_extension(w, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                  MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, der, der_len);
    return ret;
}

/* Everything a certificate needs once the keys and names are known. */
typedef struct {
    mqtls_cred_issue_kind_t kind;
    mbedtls_pk_context *subject_key;
    mbedtls_pk_context *issuer_key;
    const mbedtls_x509_crt *ca; /* NULL: self-signed */
    const char *subject;
    const san_t *sans;
    size_t n_sans;
    unsigned days;
} issue_job_t;

static int crt_write(const issue_job_t *j, rng_t *r, unsigned char *out)
{
    mbedtls_x509write_cert w;
    mbedtls_x509write_crt_init(&w);
    mbedtls_x509write_crt_set_version(&w, MBEDTLS_X509_CRT_VERSION_3);
    mbedtls_x509write_crt_set_md_alg(&w, MBEDTLS_MD_SHA256);
    mbedtls_x509write_crt_set_subject_key(&w, j->subject_key);
    mbedtls_x509write_crt_set_issuer_key(&w, j->issuer_key);
    int ret = mbedtls_x509write_crt_set_subject_name(&w, j->subject);
    if (ret == 0)
        ret = j->ca != NULL ? copy_name(&w.issuer, &j->ca->subject)
                            : mbedtls_x509write_crt_set_issuer_name(&w, j->subject);
    if (ret == 0)
        ret = set_serial(&w, r);
    if (ret == 0)
        ret = set_validity(&w, j->days);
    if (ret == 0)
        ret = set_usage(&w, j->kind, j->subject_key);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_subject_key_identifier(&w);
    if (ret == 0)
        ret = mbedtls_x509write_crt_set_authority_key_identifier(&w);
    if (ret == 0)
        ret = set_sans(&w, j->sans, j->n_sans);
    if (ret == 0)
        ret = mbedtls_x509write_crt_pem(&w, out, GEN_PEM_MAX, mbedtls_ctr_drbg_random, &r->drbg);
    mbedtls_x509write_crt_free(&w);
    return ret;
}

static int32_t sign_job(const issue_job_t *j, uint8_t **pem, size_t *pem_len, char *why, size_t why_len)
{
    rng_t r;
    char m[128];
    unsigned char *out = calloc(1, GEN_PEM_MAX);
    if (out == NULL)
        return MQTLS_ERR_NO_MEMORY;
    int ret = rng_open(&r);
    if (ret == 0)
        ret = crt_write(j, &r, out);
    rng_close(&r);
    int32_t rc = MQTLS_OK;
    if (ret == 0) {
        rc = give_pem(out, pem, pem_len);
    } else {
        mqtls__cred_say(why, why_len, "cannot write the certificate: %s", mbed_msg(ret, m, sizeof m));
        rc = ret == MBEDTLS_ERR_X509_ALLOC_FAILED ? MQTLS_ERR_NO_MEMORY : MQTLS_ERR_CRED_UNSUPPORTED;
    }
    free(out);
    return rc;
}

/* Say which input a sentence is about: " (the CA key)". */
static void tag_why(char *why, size_t why_len, const char *which)
{
    size_t n = why != NULL ? strlen(why) : 0u;
    if (n > 0 && n + 1u < why_len)
        snprintf(why + n, why_len - n, " (%s)", which);
}

/* Load the CA certificate and key and check that they belong together. */
static int32_t load_ca(mbedtls_x509_crt *crt, mbedtls_pk_context *key, const uint8_t *ca_cert, size_t ca_cert_len,
                       const uint8_t *ca_key, size_t ca_key_len, char *why, size_t why_len)
{
    int32_t rc = load_ca_cert(crt, ca_cert, ca_cert_len, why, why_len);
    if (rc != MQTLS_OK) {
        tag_why(why, why_len, "the CA certificate");
        return rc;
    }
    rc = load_key(key, ca_key, ca_key_len, NULL, why, why_len);
    if (rc != MQTLS_OK)
        tag_why(why, why_len, "the CA key");
    if (rc == MQTLS_OK && mqtls__mbed_check_pair(&crt->pk, key) != 0) {
        mqtls__cred_say(why, why_len, "the CA key does not belong to the CA certificate");
        rc = MQTLS_ERR_CRED_KEY_MISMATCH;
    }
    return rc;
}

int32_t mqtls_cred_issue(mqtls_cred_issue_kind_t kind, const uint8_t *subject_key, size_t subject_key_len,
                         const mqtls_cred_name_t *name, unsigned days, const uint8_t *ca_cert, size_t ca_cert_len,
                         const uint8_t *ca_key, size_t ca_key_len, uint8_t **pem, size_t *pem_len, char *why,
                         size_t why_len)
{
    if (pem == NULL || pem_len == NULL || name == NULL || days == 0 || (unsigned)kind > 2u) {
        mqtls__cred_say(why, why_len, "bad arguments (a name and at least one day of validity are needed)");
        return MQTLS_ERR_INVALID_ARG;
    }
    *pem = NULL;
    *pem_len = 0;
    char end[16];
    if (!format_time(time(NULL) + (time_t)days * 86400, end)) {
        mqtls__cred_say(why, why_len, "a validity of %u days ends after the year 9999, which X.509 cannot express", days);
        return MQTLS_ERR_INVALID_ARG;
    }
    char subject[GEN_SUBJECT_MAX];
    issue_job_t j = { .kind = kind, .subject = subject, .days = days };
    san_t *sans = NULL;
    mbedtls_pk_context skey, ikey;
    mbedtls_x509_crt crt;
    mbedtls_pk_init(&skey);
    mbedtls_pk_init(&ikey);
    mbedtls_x509_crt_init(&crt);
    int32_t rc = prepare_name(name, subject, &sans, &j.n_sans, why, why_len);
    j.sans = sans;
    /* A self-signed CA signs with its own key: the private half is needed. */
    if (rc == MQTLS_OK && kind == MQTLS_CRED_ISSUE_CA)
        rc = load_key(&skey, subject_key, subject_key_len, NULL, why, why_len);
    else if (rc == MQTLS_OK)
        rc = load_subject_key(&skey, subject_key, subject_key_len, why, why_len);
    j.subject_key = &skey;
    j.issuer_key = &skey;
    if (rc == MQTLS_OK && kind != MQTLS_CRED_ISSUE_CA) {
        rc = load_ca(&crt, &ikey, ca_cert, ca_cert_len, ca_key, ca_key_len, why, why_len);
        j.issuer_key = &ikey;
        j.ca = &crt;
    }
    if (rc == MQTLS_OK)
        rc = sign_job(&j, pem, pem_len, why, why_len);
    mbedtls_x509_crt_free(&crt);
    mbedtls_pk_free(&ikey);
    mbedtls_pk_free(&skey);
    free(sans);
    return rc;
}
