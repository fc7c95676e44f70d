/* SPDX-License-Identifier: MIT
 * mqtls: helpers the credential modules share (cred_parse.c defines them). */
/*
 * Every cred module reads keys and certificates the same way, so a wrong
 * file gets the same sentence whichever command met it: the content is
 * classified first (mqtls_cred_detect), a file of the wrong kind is refused
 * with an error that says what it really is, and only then is mbedTLS asked
 * to parse it. The helpers take bytes, never file names: the caller knows
 * the name and puts it in front of `why`.
 *
 * mbedTLS's PEM parsers need a NUL after the last byte; these helpers copy
 * the input when they need one, so callers may pass any buffer.
 */
#ifndef MQTLS_CRED_PRIV_H
#define MQTLS_CRED_PRIV_H

#include <stdbool.h>

#include <mbedtls/pk.h>
#include <mbedtls/x509_crt.h>

#include "mqtls/cred.h"

/*
 * Parse a private key in any form mqtls_cred_detect recognises (PKCS#1,
 * SEC1, PKCS#8, encrypted PKCS#8 with 3DES or AES, legacy encrypted PEM)
 * into `pk`, which the caller has mbedtls_pk_init()ed and frees. A PEM file
 * with a certificate and a key in it serves as a key. An empty password is
 * no password.
 * @return MQTLS_OK, or MQTLS_ERR_CRED_* (EMPTY, GARBAGE, TRUNCATED,
 * PUBLIC_KEY, NOT_PRIVATE_KEY, BUNDLE, ENCRYPTED, BAD_PASSWORD,
 * UNSUPPORTED) with a sentence in why.
 */
int32_t mqtls__cred_load_key(const uint8_t *buf, size_t len, const char *password, mbedtls_pk_context *pk,
                             char *why, size_t why_len);

/*
 * Parse every certificate of buf (one DER, or PEM with one or more) and
 * append them to `crt` (mbedtls_x509_crt_init()ed by the caller). A PEM
 * file may hold other blocks too (its key, EC PARAMETERS): they are skipped.
 * @param count optional, receives how many the file holds
 * @return MQTLS_OK or MQTLS_ERR_CRED_* naming what buf is instead.
 */
int32_t mqtls__cred_load_certs(const uint8_t *buf, size_t len, mbedtls_x509_crt *crt, size_t *count, char *why,
                               size_t why_len);

/* printf into a `why` buffer (NULL or 0 bytes: nothing). */
void mqtls__cred_say(char *why, size_t why_len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Kinds: a private key in any form (encrypted too); one certificate or a chain. */
bool mqtls__cred_is_private_key(mqtls_cred_kind_t k);
bool mqtls__cred_is_cert(mqtls_cred_kind_t k);

/* Unix seconds of an X.509 time (UTC, proleptic Gregorian; no libc timegm). */
int64_t mqtls__cred_unix_time(const mbedtls_x509_time *t);

/* Unix seconds to "2026-01-31T12:00:00Z" (out: at least 24 bytes). */
void mqtls__cred_format_unix(int64_t t, char *out, size_t len);

#endif /* MQTLS_CRED_PRIV_H */
