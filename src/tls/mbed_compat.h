/* SPDX-License-Identifier: MIT
 * mqtls: mbedTLS 2.28 and 3.6 behind one spelling, for tls/ and cred/. */
/*
 * The two supported lines differ in three ways that touch us: 3.0 made
 * most struct fields private (MBEDTLS_PRIVATE), gave key parsing and pair
 * checks an RNG argument, and moved random numbers behind PSA, which must
 * be initialised (psa_crypto_init) before a key is parsed or checked. Each
 * difference is spelt once here, so the files that use mbedTLS carry no
 * version #if of their own. Public accessors are used where both lines
 * have one, or where 3.x has one and 2.28's field is public; a private
 * field is reached through MQTLS__MBED_PRIV() only where 3.x has no
 * accessor at all (the signature fields of a certificate, basic
 * constraints, key usage bits, an EC key's group and points).
 */
#ifndef MQTLS_MBED_COMPAT_H
#define MQTLS_MBED_COMPAT_H

#include <stddef.h>

#include <mbedtls/version.h>

#include <mbedtls/cipher.h>
#include <mbedtls/error.h>
#include <mbedtls/dhm.h>
#include <mbedtls/ecp.h>
#include <mbedtls/pem.h>
#include <mbedtls/pk.h>
#include <mbedtls/x509_csr.h>

#if MBEDTLS_VERSION_MAJOR >= 3
#include <mbedtls/psa_util.h>
#include <psa/crypto.h>
#define MQTLS__MBED_V3 1
#define MQTLS__MBED_PRIV(field) MBEDTLS_PRIVATE(field)
#else
#define MQTLS__MBED_V3 0
#define MQTLS__MBED_PRIV(field) field
#endif

/* PSA up (3.x; idempotent and cheap after the first call). 0 or an mbedTLS error. */
static inline int mqtls__mbed_psa_init(void)
{
#if MQTLS__MBED_V3 && defined(MBEDTLS_PSA_CRYPTO_C)
    return psa_crypto_init() == PSA_SUCCESS ? 0 : MBEDTLS_ERR_ERROR_GENERIC_ERROR;
#else
    return 0;
#endif
}

/* mbedtls_pk_parse_key; on 3.x with PSA's random generator for blinding. */
static inline int mqtls__mbed_parse_key(mbedtls_pk_context *pk, const unsigned char *key, size_t len,
                                        const unsigned char *pwd, size_t pwd_len)
{
#if MQTLS__MBED_V3 && defined(MBEDTLS_PSA_CRYPTO_C)
    int ret = mqtls__mbed_psa_init();
    return ret != 0 ? ret : mbedtls_pk_parse_key(pk, key, len, pwd, pwd_len, mbedtls_psa_get_random,
                                                 MBEDTLS_PSA_RANDOM_STATE);
#elif MQTLS__MBED_V3
    return mbedtls_pk_parse_key(pk, key, len, pwd, pwd_len, NULL, NULL);
#else
    return mbedtls_pk_parse_key(pk, key, len, pwd, pwd_len);
#endif
}

/* mbedtls_pk_check_pair: 0 when `prv` is the private half of `pub`. */
static inline int mqtls__mbed_check_pair(const mbedtls_pk_context *pub, const mbedtls_pk_context *prv)
{
#if MQTLS__MBED_V3 && defined(MBEDTLS_PSA_CRYPTO_C)
    int ret = mqtls__mbed_psa_init();
    return ret != 0 ? ret : mbedtls_pk_check_pair(pub, prv, mbedtls_psa_get_random, MBEDTLS_PSA_RANDOM_STATE);
#elif MQTLS__MBED_V3
    return mbedtls_pk_check_pair(pub, prv, NULL, NULL);
#else
    return mbedtls_pk_check_pair(pub, prv);
#endif
}

/* The curve of an EC key. */
static inline mbedtls_ecp_group_id mqtls__mbed_ec_group(const mbedtls_pk_context *pk)
{
#if MQTLS__MBED_V3
    return mbedtls_ecp_keypair_get_group_id(mbedtls_pk_ec(*pk));
#else
    return mbedtls_pk_ec(*pk)->grp.id;
#endif
}

static inline size_t mqtls__mbed_cipher_key_bits(const mbedtls_cipher_info_t *ci)
{
#if MQTLS__MBED_V3
    return mbedtls_cipher_info_get_key_bitlen(ci);
#else
    return ci->key_bitlen;
#endif
}

/* The decoded bytes of a PEM block read with mbedtls_pem_read_buffer. */
static inline const unsigned char *mqtls__mbed_pem_bytes(mbedtls_pem_context *pem, size_t *len)
{
#if MQTLS__MBED_V3
    return mbedtls_pem_get_buffer(pem, len);
#else
    *len = pem->buflen;
    return pem->buf;
#endif
}

/* The size of the prime of DH parameters, in bits. */
static inline size_t mqtls__mbed_dhm_bits(const mbedtls_dhm_context *dhm)
{
#if MQTLS__MBED_V3
    return mbedtls_dhm_get_bitlen(dhm);
#else
    return mbedtls_mpi_bitlen(&dhm->P);
#endif
}

/* A non-critical extension of a CSR (3.x added the `critical` argument). */
static inline int mqtls__mbed_csr_set_extension(mbedtls_x509write_csr *w, const char *oid, size_t oid_len,
                                                const unsigned char *val, size_t val_len)
{
#if MQTLS__MBED_V3
    return mbedtls_x509write_csr_set_extension(w, oid, oid_len, 0, val, val_len);
#else
    return mbedtls_x509write_csr_set_extension(w, oid, oid_len, val, val_len);
#endif
}

#endif /* MQTLS_MBED_COMPAT_H */
