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

#endif /* MQTLS_PKCS8_AES_H */
