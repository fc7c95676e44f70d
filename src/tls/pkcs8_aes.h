/* SPDX-License-Identifier: MIT
 * mqtls: internal: encrypted PKCS#8 keys that mbedTLS 2.x cannot decrypt itself. */
/*
 * `openssl pkcs8 -topk8` encrypts with PBES2, PBKDF2 and AES-CBC by default;
 * mbedTLS 2.28's PBES2 knows only DES. One implementation serves the TLS
 * engine (src/tls) and the credentials toolkit (src/cred, above it). Built
 * only with MQTLS_WITH_MBEDTLS.
 */
#ifndef MQTLS_PKCS8_AES_H
#define MQTLS_PKCS8_AES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mbedtls/pk.h>

/* Returned when the key is not PBES2 with AES: mbedTLS's own answer stands. */
#define MQTLS__PBES2_NOT_OURS 1

/*
 * Decrypt an EncryptedPrivateKeyInfo (PEM "ENCRYPTED PRIVATE KEY" with a
 * NUL at buf[len] when pem is true, else DER) with password pw and parse the
 * key into pk.
 * @return 0; MQTLS__PBES2_NOT_OURS; MBEDTLS_ERR_PK_PASSWORD_MISMATCH for a
 * wrong password; another mbedTLS error for a malformed or unsupported key.
 */
int mqtls__pk_parse_pbes2_aes(mbedtls_pk_context *pk, uint8_t *buf, size_t len, bool pem, const char *pw);

/* The most PBKDF2 iterations mqtls runs for one key: 10 million take seconds;
 * a file claiming 2^31 would take half an hour, so it is refused with a
 * sentence instead (OpenSSL writes 2048, PKCS#12 tools up to 600 000). */
#define MQTLS__PBKDF2_MAX_ITERATIONS 10000000L

/* Results of mqtls__pkcs8_iterations() besides 0. */
#define MQTLS__PBKDF2_BAD_COUNT 2  /* 0, negative or wider than 32 bits: a malformed key */
#define MQTLS__PBKDF2_TOO_MANY 3   /* above MQTLS__PBKDF2_MAX_ITERATIONS */

/*
 * Read the iteration count of an EncryptedPrivateKeyInfo (PBES2/PBKDF2 or a
 * PKCS#12 PBE scheme) before anything runs it. buf as for
 * mqtls__pk_parse_pbes2_aes (PEM with a NUL at buf[len], or DER).
 * @param count receives the count when it fits a long (else -1)
 * @return 0 (a sane count, or not an encrypted PKCS#8 key: nothing to say),
 *         MQTLS__PBKDF2_BAD_COUNT or MQTLS__PBKDF2_TOO_MANY
 */
int mqtls__pkcs8_iterations(const uint8_t *buf, size_t len, bool pem, long *count);

#endif /* MQTLS_PKCS8_AES_H */
