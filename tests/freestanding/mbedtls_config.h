/* SPDX-License-Identifier: MIT
 * mqtls: a small mbedTLS 3.6 configuration for the freestanding compile check of src/tls. */
/*
 * What scripts/tls-freestanding.sh compiles the mbedTLS engine against for
 * arm-none-eabi: a TLS 1.2 client (ECDHE-ECDSA and ECDHE-RSA, AES-GCM and
 * AES-CBC), X.509 and PEM parsing, PSA crypto, and nothing of the
 * platform -- no file system (MBEDTLS_FS_IO), no sockets (MBEDTLS_NET_C),
 * no OS entropy (MBEDTLS_NO_PLATFORM_ENTROPY; the engine adds the injected
 * cfg.hooks.entropy as a source, and PSA gets mbedtls_hardware_poll()),
 * no clock of mbedTLS's own (no MBEDTLS_HAVE_TIME_DATE: the engine judges
 * certificate dates with cfg.hooks.unix_time). It is a compile check, not
 * the firmware's configuration (ports/qemu-mps2 has its own).
 */
#ifndef MQTLS_FREESTANDING_MBEDTLS_CONFIG_H
#define MQTLS_FREESTANDING_MBEDTLS_CONFIG_H

#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT

#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ALPN
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED

#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_CIPHER_PADDING_PKCS7
#define MBEDTLS_MD_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C

#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21

#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PKCS5_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C

#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_ERROR_C

#endif /* MQTLS_FREESTANDING_MBEDTLS_CONFIG_H */
