/* SPDX-License-Identifier: MIT
 * mqtls: mbedTLS 3.6 configuration for the mps2-an386 (Cortex-M4) firmware. */
/*
 * A TLS 1.2 client and nothing else: ECDHE-ECDSA and ECDHE-RSA key
 * exchange, AES-GCM and AES-CBC, SHA-256/384, X.509 certificate parsing and
 * verification, PEM or DER credentials. What a device does not need is not
 * compiled: no server side, no TLS 1.3 (it needs PSA crypto, roughly
 * doubling the crypto code; PSA crypto itself is in, because the TLS layer
 * uses its generator, see below), no filesystem, no sockets (MBEDTLS_NET_C: the
 * transport is mqtls's), no timing module (mqtls owns time).
 *
 * Memory: MBEDTLS_MEMORY_BUFFER_ALLOC_C puts every mbedTLS allocation in a
 * static arena the firmware hands to mbedtls_memory_buffer_alloc_init(), so
 * the libc heap is never used for TLS; MBEDTLS_MEMORY_DEBUG keeps the peak
 * (mbedtls_memory_buffer_alloc_max_get) that the firmware prints. Record
 * buffers: 4 KB in (a broker's EC handshake flight fits; an RSA-4096 chain
 * would not), 2 KB out (the firmware's largest MQTT packet is 1 KB).
 *
 * Time: MBEDTLS_PLATFORM_TIME_ALT -- the firmware installs the board's wall
 * clock with mbedtls_platform_set_time(); until then mbedtls_time() answers
 * 0 (1970), the "clock unset" of a board after reset. mbedtls_ms_time() is
 * the port's (MBEDTLS_PLATFORM_MS_TIME_ALT). Entropy: no platform source
 * (MBEDTLS_NO_PLATFORM_ENTROPY); the port's mbedtls_hardware_poll()
 * (MBEDTLS_ENTROPY_HARDWARE_ALT) and the TLS layer's entropy hook.
 *
 * The one Cortex-M4 configuration: scripts/tls-freestanding.sh (test.sh,
 * section mbedtls36) compiles src/tls against this file too, so the options
 * the firmware's size and RAM figures describe are the ones CI checks.
 */
#ifndef MQTLS_MPS2_MBEDTLS_CONFIG_H
#define MQTLS_MPS2_MBEDTLS_CONFIG_H

/* ---- system ---- */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_TIME_ALT
#define MBEDTLS_PLATFORM_MS_TIME_ALT
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_MEMORY_DEBUG
/* Before mbedtls_memory_buffer_alloc_init() mbedTLS's allocator would be
 * libc's calloc; these (mbedtls_port.c) refuse instead, so mbedTLS never
 * references the libc heap at all (test_fw_qemu.sh checks the archive). */
#include <stddef.h>
void *mqtls_mps2_mbedtls_calloc_refused(size_t n, size_t size);
void mqtls_mps2_mbedtls_free_refused(void *p);
#define MBEDTLS_PLATFORM_STD_CALLOC mqtls_mps2_mbedtls_calloc_refused
#define MBEDTLS_PLATFORM_STD_FREE mqtls_mps2_mbedtls_free_refused
#define MBEDTLS_ERROR_STRERROR_DUMMY

/* ---- random numbers ---- */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
/* The TLS layer parses and checks keys with PSA's generator on 3.x
 * (src/util/mbed_compat.h), and psa_crypto_init() seeds only from mbedTLS's
 * own sources: the port provides mbedtls_hardware_poll() (mbedtls_port.c,
 * the TEST-ONLY semihosting entropy under QEMU; a TRNG on a real board). */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_ENTROPY_HARDWARE_ALT

/* ---- symmetric crypto and hashes ---- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_MD_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C

/* ---- public key ---- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
/* Encrypted PKCS#8 keys (PBKDF2): the TLS layer's key loader always has the path. */
#define MBEDTLS_PKCS5_C

/* ---- X.509 ---- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
/* Unused by the firmware (--gc-sections drops them), but src/util/mbed_compat.h
 * has an inline CSR helper for src/cred that needs their declarations. */
#define MBEDTLS_X509_CREATE_C
#define MBEDTLS_X509_CSR_WRITE_C
#define MBEDTLS_PK_WRITE_C

/* ---- TLS 1.2 client ---- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_IN_CONTENT_LEN 4096
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048

#endif /* MQTLS_MPS2_MBEDTLS_CONFIG_H */
