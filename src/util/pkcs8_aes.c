/* SPDX-License-Identifier: MIT
 * mqtls: encrypted PKCS#8 with PBES2 + AES, for mbedTLS 2.x, shared by the TLS engine and the toolkit. */
/*
 * see pkcs8_aes.h. Encrypted PKCS#8 with PBES2 and AES-CBC, which `openssl pkcs8 -topk8`
 * writes by default, and which mbedTLS 2.28 cannot decrypt (its PBES2
 * knows only DES). Built from its parts: PBKDF2 with an HMAC PRF (RFC 8018
 * §5.2, A.2), AES-CBC with the PKCS#7 padding (RFC 8018 B.2.5, OIDs from
 * RFC 3565 §4.1), then an ordinary PrivateKeyInfo.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/asn1.h>
#include <mbedtls/cipher.h>
#include <mbedtls/md.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/pkcs5.h>
#include <mbedtls/platform_util.h>

#include "util/mbed_compat.h"
#include "util/pkcs8_aes.h"

static bool oid_is(const mbedtls_asn1_buf *oid, const char *want, size_t want_len)
{
    return oid->len == want_len && memcmp(oid->p, want, want_len) == 0;
}
#define OID_IS(oid, name) oid_is((oid), name, sizeof(name) - 1u)

typedef struct {
    const unsigned char *salt;
    size_t salt_len;
    int iterations;
    int key_len; /* 0 if absent */
    mbedtls_md_type_t prf;
    mbedtls_cipher_type_t cipher;
    const unsigned char *iv;
    const unsigned char *data;
    size_t data_len;
} pbes2_t;

static mbedtls_cipher_type_t aes_cbc(const mbedtls_asn1_buf *oid)
{
    if (OID_IS(oid, MBEDTLS_OID_AES "\x02")) {
        return MBEDTLS_CIPHER_AES_128_CBC;
    }
    if (OID_IS(oid, MBEDTLS_OID_AES "\x16")) {
        return MBEDTLS_CIPHER_AES_192_CBC;
    }
    return OID_IS(oid, MBEDTLS_OID_AES "\x2a") ? MBEDTLS_CIPHER_AES_256_CBC : MBEDTLS_CIPHER_NONE;
}

static mbedtls_md_type_t hmac_prf(const mbedtls_asn1_buf *oid)
{
    static const struct {
        const char *oid;
        size_t len;
        mbedtls_md_type_t md;
    } prfs[] = {
        { MBEDTLS_OID_HMAC_SHA1, sizeof(MBEDTLS_OID_HMAC_SHA1) - 1u, MBEDTLS_MD_SHA1 },
        { MBEDTLS_OID_HMAC_SHA224, sizeof(MBEDTLS_OID_HMAC_SHA224) - 1u, MBEDTLS_MD_SHA224 },
        { MBEDTLS_OID_HMAC_SHA256, sizeof(MBEDTLS_OID_HMAC_SHA256) - 1u, MBEDTLS_MD_SHA256 },
        { MBEDTLS_OID_HMAC_SHA384, sizeof(MBEDTLS_OID_HMAC_SHA384) - 1u, MBEDTLS_MD_SHA384 },
        { MBEDTLS_OID_HMAC_SHA512, sizeof(MBEDTLS_OID_HMAC_SHA512) - 1u, MBEDTLS_MD_SHA512 },
    };
    for (size_t i = 0; i < sizeof prfs / sizeof prfs[0]; i++) {
        if (oid_is(oid, prfs[i].oid, prfs[i].len)) {
            return prfs[i].md;
        }
    }
    return MBEDTLS_MD_NONE;
}

/* PBKDF2-params ::= SEQUENCE { salt OCTET STRING, iterationCount INTEGER,
 *   keyLength INTEGER OPTIONAL, prf AlgorithmIdentifier DEFAULT hmacWithSHA1 } */
static int parse_pbkdf2(const mbedtls_asn1_buf *params, pbes2_t *k)
{
    unsigned char *p = params->p, *end = params->p + params->len;
    size_t len;
    if (params->tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) ||
        mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
        return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE; /* a salt from elsewhere: not in RFC 8018's profile */
    }
    k->salt = p;
    k->salt_len = len;
    p += len;
    if (mbedtls_asn1_get_int(&p, end, &k->iterations) != 0 || k->iterations <= 0) {
        return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
    }
    k->key_len = 0;
    if (p < end && *p == MBEDTLS_ASN1_INTEGER && mbedtls_asn1_get_int(&p, end, &k->key_len) != 0) {
        return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
    }
    k->prf = MBEDTLS_MD_SHA1;
    if (p < end) {
        mbedtls_asn1_buf oid, prf_params;
        if (mbedtls_asn1_get_alg(&p, end, &oid, &prf_params) != 0) {
            return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
        }
        k->prf = hmac_prf(&oid);
    }
    return k->prf == MBEDTLS_MD_NONE ? MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE : 0;
}

/* EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier {id-PBES2,
 *   SEQUENCE { keyDerivationFunc, encryptionScheme }}, OCTET STRING } */
static int parse_pbes2(unsigned char *der, size_t der_len, pbes2_t *k)
{
    unsigned char *p = der, *end = der + der_len;
    size_t len;
    mbedtls_asn1_buf oid, params, kdf, kdf_params, enc, iv;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
        mbedtls_asn1_get_alg(&p, p + len, &oid, &params) != 0 || !OID_IS(&oid, MBEDTLS_OID_PKCS5_PBES2) ||
        params.tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) {
        return MQTLS__PBES2_NOT_OURS;
    }
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
        return MQTLS__PBES2_NOT_OURS;
    }
    k->data = p;
    k->data_len = len;
    unsigned char *q = params.p, *q_end = params.p + params.len;
    if (mbedtls_asn1_get_alg(&q, q_end, &kdf, &kdf_params) != 0 ||
        mbedtls_asn1_get_alg(&q, q_end, &enc, &iv) != 0) {
        return MQTLS__PBES2_NOT_OURS;
    }
    if (OID_IS(&enc, MBEDTLS_OID_DES_CBC) || OID_IS(&enc, MBEDTLS_OID_DES_EDE3_CBC)) {
        return MQTLS__PBES2_NOT_OURS; /* mbedTLS's own case */
    }
    k->cipher = aes_cbc(&enc);
    if (!OID_IS(&kdf, MBEDTLS_OID_PKCS5_PBKDF2) || k->cipher == MBEDTLS_CIPHER_NONE) {
        return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE; /* scrypt, or a cipher we do not know */
    }
    if (iv.tag != MBEDTLS_ASN1_OCTET_STRING || iv.len != 16u || k->data_len == 0u || k->data_len % 16u != 0u) {
        return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
    }
    k->iv = iv.p;
    return parse_pbkdf2(&kdf_params, k);
}

/* Derive the key and decrypt into `out` (data_len bytes); a bad padding is
 * what a wrong password almost always gives. */
static int pbes2_decrypt(const pbes2_t *k, const char *pw, unsigned char *out, size_t *out_len)
{
    const mbedtls_cipher_info_t *ci = mbedtls_cipher_info_from_type(k->cipher);
    const mbedtls_md_info_t *mi = mbedtls_md_info_from_type(k->prf);
    if (ci == NULL || mi == NULL) {
        return MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE;
    }
    size_t key_len = mqtls__mbed_cipher_key_bits(ci) / 8u;
    if (k->key_len != 0 && (size_t)k->key_len != key_len) {
        return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
    }
    unsigned char key[32];
    mbedtls_md_context_t md;
    mbedtls_cipher_context_t cipher;
    mbedtls_md_init(&md);
    mbedtls_cipher_init(&cipher);
    int ret = mbedtls_md_setup(&md, mi, 1);
    if (ret == 0) {
        ret = mbedtls_pkcs5_pbkdf2_hmac(&md, (const unsigned char *)pw, strlen(pw), k->salt, k->salt_len,
                                        (unsigned)k->iterations, (uint32_t)key_len, key);
    }
    if (ret == 0) {
        ret = mbedtls_cipher_setup(&cipher, ci);
    }
    if (ret == 0) {
        ret = mbedtls_cipher_setkey(&cipher, key, (int)(key_len * 8u), MBEDTLS_DECRYPT);
    }
    if (ret == 0) {
        ret = mbedtls_cipher_set_padding_mode(&cipher, MBEDTLS_PADDING_PKCS7);
    }
    if (ret == 0) {
        ret = mbedtls_cipher_crypt(&cipher, k->iv, 16u, k->data, k->data_len, out, out_len);
        if (ret == MBEDTLS_ERR_CIPHER_INVALID_PADDING) {
            ret = MBEDTLS_ERR_PK_PASSWORD_MISMATCH;
        }
    }
    mbedtls_platform_zeroize(key, sizeof key);
    mbedtls_cipher_free(&cipher);
    mbedtls_md_free(&md);
    return ret;
}

/* see pkcs8_aes.h */
int mqtls__pk_parse_pbes2_aes(mbedtls_pk_context *pk, uint8_t *buf, size_t len, bool pem, const char *pw)
{
    mbedtls_pem_context pem_ctx;
    mbedtls_pem_init(&pem_ctx);
    if (pem) {
        size_t used;
        if (mbedtls_pem_read_buffer(&pem_ctx, "-----BEGIN ENCRYPTED PRIVATE KEY-----",
                                    "-----END ENCRYPTED PRIVATE KEY-----", buf, NULL, 0, &used) != 0) {
            mbedtls_pem_free(&pem_ctx);
            return MQTLS__PBES2_NOT_OURS;
        }
        /* The context owns these bytes; the ASN.1 reader wants them non-const
         * (it does not write), which the 3.x accessor does not give. */
        buf = pem_ctx.MQTLS__MBED_PRIV(buf);
        len = pem_ctx.MQTLS__MBED_PRIV(buflen);
    }
    pbes2_t k;
    int ret = parse_pbes2(buf, len, &k);
    unsigned char *plain = ret == 0 ? malloc(k.data_len + 16u) : NULL;
    if (ret == 0 && plain == NULL) {
        ret = MBEDTLS_ERR_PK_ALLOC_FAILED;
    }
    size_t plain_len = 0;
    if (ret == 0) {
        ret = pbes2_decrypt(&k, pw, plain, &plain_len);
    }
    if (ret == 0 && mqtls__mbed_parse_key(pk, plain, plain_len, NULL, 0) != 0) {
        ret = MBEDTLS_ERR_PK_PASSWORD_MISMATCH; /* the padding happened to check */
    }
    if (plain != NULL) {
        mbedtls_platform_zeroize(plain, k.data_len + 16u);
        free(plain);
    }
    mbedtls_pem_free(&pem_ctx);
    return ret;
}

/* ---- the iteration count, read before anything runs it ------------------------------------ */

/* The count INTEGER at p (tag and length included): 0 and the count, or a bad count. */
static int count_of(unsigned char **p, const unsigned char *end, long *count)
{
    size_t len;
    if (mbedtls_asn1_get_tag(p, end, &len, MBEDTLS_ASN1_INTEGER) != 0 || len == 0u) {
        return MQTLS__PBKDF2_BAD_COUNT;
    }
    const unsigned char *v = *p;
    *p += len;
    if (v[0] & 0x80u) {
        return MQTLS__PBKDF2_BAD_COUNT; /* negative */
    }
    while (len > 1u && v[0] == 0u) {
        v++;
        len--;
    }
    if (len > 4u) {
        return MQTLS__PBKDF2_BAD_COUNT; /* wider than 32 bits */
    }
    unsigned long c = 0;
    for (size_t i = 0; i < len; i++) {
        c = (c << 8) | v[i];
    }
    *count = c <= 0x7FFFFFFFul ? (long)c : -1;
    if (c == 0u) {
        return MQTLS__PBKDF2_BAD_COUNT;
    }
    return c > (unsigned long)MQTLS__PBKDF2_MAX_ITERATIONS ? MQTLS__PBKDF2_TOO_MANY : 0;
}

static int iterations_der(unsigned char *der, size_t der_len, long *count)
{
    unsigned char *p = der, *end = der + der_len;
    size_t len;
    mbedtls_asn1_buf oid, params;
    if (mbedtls_asn1_get_tag(&p, end, &len, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0 ||
        mbedtls_asn1_get_alg(&p, p + len, &oid, &params) != 0 ||
        params.tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) {
        return 0; /* not an EncryptedPrivateKeyInfo: the parser says what it is */
    }
    unsigned char *q = params.p, *q_end = params.p + params.len;
    if (OID_IS(&oid, MBEDTLS_OID_PKCS5_PBES2)) {
        mbedtls_asn1_buf kdf, kdf_params;
        if (mbedtls_asn1_get_alg(&q, q_end, &kdf, &kdf_params) != 0 || !OID_IS(&kdf, MBEDTLS_OID_PKCS5_PBKDF2) ||
            kdf_params.tag != (MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE)) {
            return 0;
        }
        q = kdf_params.p;
        q_end = kdf_params.p + kdf_params.len;
    }
    /* PBKDF2-params and PKCS#12 pbeParams both start { salt OCTET STRING, iterations INTEGER } */
    if (mbedtls_asn1_get_tag(&q, q_end, &len, MBEDTLS_ASN1_OCTET_STRING) != 0) {
        return 0;
    }
    q += len;
    return count_of(&q, q_end, count);
}

/* see pkcs8_aes.h */
int mqtls__pkcs8_iterations(const uint8_t *buf, size_t len, bool pem, long *count)
{
    *count = -1;
    if (!pem) {
        return iterations_der((unsigned char *)(uintptr_t)buf, len, count);
    }
    /* The PEM reader wants a NUL-terminated text: a copy, whatever the caller has. */
    char *text = malloc(len + 1u);
    if (text == NULL) {
        return 0; /* the parser that follows reports the memory */
    }
    memcpy(text, buf, len);
    text[len] = '\0';
    mbedtls_pem_context pem_ctx;
    mbedtls_pem_init(&pem_ctx);
    size_t used;
    int ret = 0;
    const char *at = strstr(text, "-----BEGIN ENCRYPTED PRIVATE KEY-----");
    if (at != NULL && mbedtls_pem_read_buffer(&pem_ctx, "-----BEGIN ENCRYPTED PRIVATE KEY-----",
                                              "-----END ENCRYPTED PRIVATE KEY-----", (const unsigned char *)at,
                                              NULL, 0, &used) == 0) {
        ret = iterations_der(pem_ctx.MQTLS__MBED_PRIV(buf), pem_ctx.MQTLS__MBED_PRIV(buflen), count);
    }
    mbedtls_pem_free(&pem_ctx);
    mbedtls_platform_zeroize(text, len + 1u); /* encrypted, but a key all the same */
    free(text);
    return ret;
}
