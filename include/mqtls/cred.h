/* SPDX-License-Identifier: MIT
 * mqtls: credentials: detect, convert, inspect, verify, match, generate, store. */
/**
 * @file
 * @brief Credentials: detect, convert, inspect, verify, match, generate, store.
 *
 * Everything a device developer does today with a handful of openssl
 * commands and renamed files, done in one library that checks every file
 * for the role it will play and says what a wrong file really is. Built on
 * mbedTLS's X.509 and PK modules (the same code a device runs); it never
 * shells out to openssl. Needs the build option MQTLS_WITH_MBEDTLS.
 *
 * Memory: functions that produce bytes return a malloc'd buffer the caller
 * frees with free(). Errors are MQTLS_ERR_CRED_* / MQTLS_ERR_STORE_*; where
 * a `why` buffer is given it receives a sentence naming what the input
 * really is ("a PEM certificate chain of 3 certificates, not one CA").
 *
 * Times are Unix seconds (int64_t); MQTLS_CRED_NOW means the system clock.
 * Input buffers and strings are borrowed for the call only.
 *
 * Example:
 * @code
 * mqtls_cred_info_t info;
 * mqtls_cred_detect(buf, len, &info);
 * printf("this file is %s\n", info.what);   // "a PEM certificate chain of 3 certificates"
 * @endcode
 */
#ifndef MQTLS_CRED_H
#define MQTLS_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/error.h"
#include "mqtls/tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A time argument meaning "the system clock, now". */
#define MQTLS_CRED_NOW INT64_MIN

/**
 * Parse a device time: ISO 8601 "2026-01-31", "2026-01-31T12:00[:00]", then
 * "Z" or "+hh:mm"/"-hh:mm" (no zone: UTC); "@<unix seconds>"; or "now"
 * (MQTLS_CRED_NOW). @return MQTLS_OK or MQTLS_ERR_INVALID_ARG.
 * @param s the text (NUL-terminated)
 * @param out receives Unix seconds, or MQTLS_CRED_NOW
 * @code
 * int64_t t;
 * if (mqtls_cred_parse_time("2026-01-31T12:00Z", &t) != MQTLS_OK) usage();
 * @endcode
 */
int32_t mqtls_cred_parse_time(const char *s, int64_t *out);

/* ---- detect ------------------------------------------------------------------- */

/** What a file holds, judged from its content, never its name. */
typedef enum {
    MQTLS_CRED_EMPTY = 0,     /**< no bytes (or only white space) */
    MQTLS_CRED_GARBAGE,       /**< neither PEM nor a DER structure we know */
    MQTLS_CRED_CERT,          /**< one X.509 certificate */
    MQTLS_CRED_CERT_CHAIN,    /**< several certificates (PEM) */
    MQTLS_CRED_KEY_PKCS1,     /**< RSA private key, PKCS#1 */
    MQTLS_CRED_KEY_SEC1,      /**< EC private key, SEC1 */
    MQTLS_CRED_KEY_PKCS8,     /**< private key, PKCS#8 */
    MQTLS_CRED_KEY_ENCRYPTED, /**< encrypted PKCS#8, or legacy encrypted PEM */
    MQTLS_CRED_PUBLIC_KEY,    /**< SubjectPublicKeyInfo or PKCS#1 public key */
    MQTLS_CRED_CSR,           /**< PKCS#10 certificate signing request */
    MQTLS_CRED_PKCS7,         /**< PKCS#7 / CMS bundle (recognised, not parsed) */
    MQTLS_CRED_PKCS12,        /**< PKCS#12 / PFX bundle (recognised, not parsed) */
    MQTLS_CRED_DH_PARAMS,     /**< Diffie-Hellman parameters */
    MQTLS_CRED_TRUNCATED      /**< DER whose outer length runs past the end */
} mqtls_cred_kind_t;

/** What mqtls_cred_detect() found. */
typedef struct {
    mqtls_cred_kind_t kind;      /**< what the bytes are */
    mqtls_tls_format_t encoding; /**< PEM or DER (AUTO for empty/garbage) */
    size_t count;                /**< certificates in a chain (or DER certificates back to back,
                                      kind GARBAGE), PEM blocks otherwise */
    char what[160];              /**< e.g. "a PEM certificate chain of 3 certificates" */
} mqtls_cred_info_t;

/**
 * Say what the bytes are. Never fails on content: garbage is a kind too.
 * @param buf the file's bytes
 * @param len bytes in buf
 * @param out receives the verdict (caller-owned)
 * @return MQTLS_OK or MQTLS_ERR_INVALID_ARG.
 */
int32_t mqtls_cred_detect(const uint8_t *buf, size_t len, mqtls_cred_info_t *out);

/**
 * A short name for a kind: "certificate", "EC private key (SEC1)", ...
 * @param kind the kind
 * @return the name (static), never NULL.
 */
const char *mqtls_cred_kind_name(mqtls_cred_kind_t kind);

/* ---- convert ------------------------------------------------------------------- */

/** How a private key is written as DER. */
typedef enum {
    MQTLS_CRED_KEY_DEVICE = 0,  /**< RSA: PKCS#1, EC: SEC1 (what devices expect; what
                                    `openssl rsa -traditional` / `openssl ec` write) */
    MQTLS_CRED_KEY_AS_PKCS8 = 1 /**< PKCS#8, for either key type */
} mqtls_cred_key_form_t;

/**
 * Convert a certificate (first of a chain only when `to` is DER and it
 * holds one certificate; a chain to DER is MQTLS_ERR_CRED_NOT_SINGLE) or a
 * private key to PEM or DER. Keys are written unencrypted in `form`;
 * `password` decrypts an encrypted input key. DER output of a certificate
 * is byte-identical to `openssl x509 -outform der`.
 * @param in the certificate or key, PEM or DER
 * @param in_len bytes in in
 * @param to MQTLS_TLS_FORMAT_PEM or _DER
 * @param form how a key is written
 * @param password decrypts an encrypted input key; NULL: none
 * @param out malloc'd result (PEM is NUL-terminated; *out_len excludes the NUL)
 * @param out_len receives the length of *out
 * @param why receives a sentence naming what is wrong (may be NULL)
 * @param why_len bytes in why
 * @return MQTLS_OK, or the MQTLS_ERR_CRED_* that names what in is instead (why says more).
 * @code
 * uint8_t *der; size_t der_len;
 * if (mqtls_cred_convert(pem, pem_len, MQTLS_TLS_FORMAT_DER, MQTLS_CRED_KEY_DEVICE, NULL,
 *                        &der, &der_len, why, sizeof why) == MQTLS_OK) { write_file(der, der_len); free(der); }
 * @endcode
 */
int32_t mqtls_cred_convert(const uint8_t *in, size_t in_len, mqtls_tls_format_t to, mqtls_cred_key_form_t form,
                           const char *password, uint8_t **out, size_t *out_len, char *why, size_t why_len);

/* ---- inspect --------------------------------------------------------------------- */

/** One certificate as mqtls_cred_inspect() reads it (or a key, mqtls_cred_inspect_key()). */
typedef struct {
    char subject[256];        /**< the subject, as text */
    char issuer[256];         /**< the issuer, as text */
    char serial[80];          /**< hex, colon-separated */
    char not_before[24];      /**< "2026-01-31T12:00:00Z" */
    char not_after[24];       /**< the same form as not_before */
    int64_t not_before_unix;  /**< not_before in Unix seconds */
    int64_t not_after_unix;   /**< not_after in Unix seconds */
    char key_type[16];        /**< "RSA" / "EC" */
    uint16_t key_bits;        /**< the key's size in bits */
    char curve[24];           /**< "secp256r1" for EC, empty otherwise */
    char sig_alg[48];         /**< the signature algorithm, e.g. "ECDSA with SHA256" */
    bool is_ca;               /**< basicConstraints CA:TRUE */
    int path_len;             /**< -1: no limit / not a CA */
    char key_usage[160];      /**< "digitalSignature, keyCertSign", empty if absent */
    char ext_key_usage[160];  /**< "serverAuth, clientAuth", empty if absent */
    char san[512];            /**< "DNS:localhost, IP:127.0.0.1", empty if absent */
    char sha256[96];          /**< fingerprint of the DER, colon-separated hex */
    bool self_signed;         /**< issuer equals subject and the signature verifies with its own key */
} mqtls_cred_cert_t;

/**
 * Parse every certificate in buf (PEM, one or more; or one DER) into out[0..max).
 * @param buf the certificate(s)
 * @param len bytes in buf
 * @param out receives the certificates (caller-owned)
 * @param max entries in out
 * @param n receives how many were found (may exceed max; only max are filled)
 * @param why receives a sentence naming what is wrong (may be NULL)
 * @param why_len bytes in why
 * @return MQTLS_OK, or the MQTLS_ERR_CRED_* that names what buf is instead.
 * @code
 * mqtls_cred_cert_t c[4]; size_t n;
 * if (mqtls_cred_inspect(buf, len, c, 4, &n, why, sizeof why) == MQTLS_OK) puts(c[0].subject);
 * @endcode
 */
int32_t mqtls_cred_inspect(const uint8_t *buf, size_t len, mqtls_cred_cert_t *out, size_t max, size_t *n,
                           char *why, size_t why_len);

/**
 * Describe a private key (type, bits, curve) into key_type/key_bits/curve of out.
 * @param buf the private key, PEM or DER
 * @param len bytes in buf
 * @param password decrypts an encrypted key; NULL: none
 * @param out receives key_type, key_bits and curve; the other fields are left alone
 * @param why receives a sentence naming what is wrong (may be NULL)
 * @param why_len bytes in why
 * @return MQTLS_OK, or the MQTLS_ERR_CRED_* that names what buf is instead.
 */
int32_t mqtls_cred_inspect_key(const uint8_t *buf, size_t len, const char *password, mqtls_cred_cert_t *out,
                               char *why, size_t why_len);

/* ---- verify and match ------------------------------------------------------------- */

/**
 * Verify the (first) certificate in cert against the CA certificate(s) in ca,
 * with optional intermediates (the other certificates of `cert` count as
 * intermediates too), at time `at` (MQTLS_CRED_NOW: now). mbedTLS checks the
 * chain and its signatures; the validity of every certificate of the path is
 * then judged against `at` here (mbedTLS itself knows only the system clock).
 * `why` lists every failure, one per certificate.
 * @param cert the certificate to verify (PEM or DER), more PEM certificates count as intermediates
 * @param cert_len bytes in cert
 * @param ca the trusted CA certificate(s)
 * @param ca_len bytes in ca
 * @param untrusted intermediates, may be NULL
 * @param untrusted_len bytes in untrusted
 * @param at Unix seconds, or MQTLS_CRED_NOW
 * @param flags optional, receives MQTLS_TLS_VERIFY_* bits
 * @param why receives a sentence naming what is wrong (may be NULL)
 * @param why_len bytes in why
 * @return MQTLS_OK, MQTLS_ERR_CRED_UNTRUSTED, …_EXPIRED, …_NOT_YET_VALID,
 * …_BAD_SIGNATURE, or a parse error naming the bad input.
 * @code
 * uint32_t flags;
 * int32_t rc = mqtls_cred_verify(crt, crt_len, ca, ca_len, NULL, 0, MQTLS_CRED_NOW, &flags, why, sizeof why);
 * @endcode
 */
int32_t mqtls_cred_verify(const uint8_t *cert, size_t cert_len, const uint8_t *ca, size_t ca_len,
                          const uint8_t *untrusted, size_t untrusted_len, int64_t at, uint32_t *flags, char *why,
                          size_t why_len);

/**
 * Do the certificate and the private key belong together?
 * @param cert the certificate
 * @param cert_len bytes in cert
 * @param key the private key
 * @param key_len bytes in key
 * @param password decrypts an encrypted key; NULL: none
 * @param why receives a sentence naming what is wrong (may be NULL)
 * @param why_len bytes in why
 * @return MQTLS_OK or MQTLS_ERR_CRED_KEY_MISMATCH (or a parse error).
 * @code
 * if (mqtls_cred_match(crt, crt_len, key, key_len, NULL, why, sizeof why) != MQTLS_OK) puts(why);
 * @endcode
 */
int32_t mqtls_cred_match(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                         const char *password, char *why, size_t why_len);

/* ---- generate ---------------------------------------------------------------------- */

/** The keys mqtls_cred_key_gen() makes. */
typedef enum {
    MQTLS_CRED_EC_P256 = 0, /**< ECDSA on secp256r1 ("ec-p256") */
    MQTLS_CRED_EC_P384,     /**< ECDSA on secp384r1 ("ec-p384") */
    MQTLS_CRED_RSA_2048,    /**< RSA 2048 bits ("rsa-2048") */
    MQTLS_CRED_RSA_3072     /**< RSA 3072 bits ("rsa-3072") */
} mqtls_cred_key_type_t;

/**
 * "ec-p256", "ec-p384", "rsa-2048", "rsa-3072".
 * @param name "ec-p256", "ec-p384", "rsa-2048" or "rsa-3072"
 * @param out receives the type
 * @return MQTLS_OK, or MQTLS_ERR_CRED_UNSUPPORTED for any other name.
 */
int32_t mqtls_cred_key_type_parse(const char *name, mqtls_cred_key_type_t *out);

/**
 * A new private key as PEM in the device form (SEC1 / PKCS#1), NUL-terminated
 * (*pem_len excludes the NUL). The caller should wipe it before free().
 * @param type the key type
 * @param pem receives the malloc'd PEM; the caller wipes and frees it
 * @param pem_len receives its length without the NUL
 * @return MQTLS_OK, MQTLS_ERR_NO_MEMORY, or MQTLS_ERR_CRED_UNSUPPORTED when
 * mbedTLS fails (no entropy source, for instance).
 * @code
 * uint8_t *pem; size_t pem_len;
 * if (mqtls_cred_key_gen(MQTLS_CRED_EC_P256, &pem, &pem_len) == MQTLS_OK) {
 *     write_file(pem, pem_len);
 *     memset(pem, 0, pem_len); free(pem);
 * }
 * @endcode
 */
int32_t mqtls_cred_key_gen(mqtls_cred_key_type_t type, uint8_t **pem, size_t *pem_len);

/** Subject and extensions of a CSR or certificate to issue. */
typedef struct {
    const char *cn;   /**< at most 64 bytes, no backslash; commas are escaped */
    const char *org;  /**< may be NULL; same rules as cn */
    const char *san;  /**< "DNS:a,DNS:b,IP:1.2.3.4", may be NULL */
} mqtls_cred_name_t;

/**
 * A PKCS#10 CSR (PEM, SHA-256) signed by key (any form `mqtls_cred_inspect_key`
 * reads), subject "CN=cn[, O=org]", SANs in an extensionRequest.
 * @param key the private key
 * @param key_len bytes in key
 * @param password decrypts an encrypted key; NULL: none
 * @param name the subject and SANs
 * @param pem receives the malloc'd PEM CSR (NUL-terminated), free() it
 * @param pem_len receives its length without the NUL
 * @param why receives a sentence naming what is wrong (may be NULL)
 * @param why_len bytes in why
 * @return MQTLS_OK; MQTLS_ERR_INVALID_ARG for a bad name or SAN (why says
 * which); the key's MQTLS_ERR_CRED_* otherwise.
 * @code
 * mqtls_cred_name_t nm = { .cn = "device-42", .san = "DNS:device-42.local" };
 * rc = mqtls_cred_csr(key, key_len, NULL, &nm, &csr, &csr_len, why, sizeof why);
 * @endcode
 */
int32_t mqtls_cred_csr(const uint8_t *key, size_t key_len, const char *password, const mqtls_cred_name_t *name,
                       uint8_t **pem, size_t *pem_len, char *why, size_t why_len);

/** What mqtls_cred_issue() issues. */
typedef enum {
    MQTLS_CRED_ISSUE_CA = 0,     /**< self-signed root: CA:TRUE, keyCertSign, cRLSign */
    MQTLS_CRED_ISSUE_SERVER = 1, /**< CA:FALSE, digitalSignature(+keyEncipherment RSA), serverAuth */
    MQTLS_CRED_ISSUE_CLIENT = 2  /**< CA:FALSE, digitalSignature, clientAuth */
} mqtls_cred_issue_kind_t;

/**
 * Issue a certificate (PEM) for subject_key's public key. For
 * MQTLS_CRED_ISSUE_CA the certificate is self-signed with subject_key and
 * ca_cert/ca_key are ignored; otherwise it is signed by ca_key under
 * ca_cert. Random 128-bit serial, validity from now-1h for `days` days,
 * SKI/AKI, SANs from name->san. For a leaf, subject_key may be a private
 * or a public key; the issuer name is copied from ca_cert's subject, which
 * must be a CA (MQTLS_ERR_CRED_NOT_CA), and ca_key must belong to it
 * (MQTLS_ERR_CRED_KEY_MISMATCH). A failure about a CA input ends `why`
 * with "(the CA certificate)" or "(the CA key)". A bad name or SAN, or a
 * validity past the year 9999, is MQTLS_ERR_INVALID_ARG.
 * @param kind CA, server or client
 * @param subject_key the key the certificate is for
 * @param subject_key_len bytes in subject_key
 * @param name the subject and SANs
 * @param days validity in days
 * @param ca_cert the issuing CA's certificate (ignored for a CA)
 * @param ca_cert_len bytes in ca_cert
 * @param ca_key the issuing CA's private key (ignored for a CA)
 * @param ca_key_len bytes in ca_key
 * @param pem receives the malloc'd PEM certificate, free() it
 * @param pem_len receives its length without the NUL
 * @param why receives a sentence naming what is wrong (may be NULL)
 * @param why_len bytes in why
 * @return MQTLS_OK or the error (see above); why says which input is wrong.
 * @code
 * mqtls_cred_name_t nm = { .cn = "broker", .san = "DNS:localhost,IP:127.0.0.1" };
 * rc = mqtls_cred_issue(MQTLS_CRED_ISSUE_SERVER, key, key_len, &nm, 365, ca, ca_len,
 *                       ca_key, ca_key_len, &pem, &pem_len, why, sizeof why);
 * @endcode
 */
int32_t mqtls_cred_issue(mqtls_cred_issue_kind_t kind, const uint8_t *subject_key, size_t subject_key_len,
                         const mqtls_cred_name_t *name, unsigned days, const uint8_t *ca_cert, size_t ca_cert_len,
                         const uint8_t *ca_key, size_t ca_key_len, uint8_t **pem, size_t *pem_len, char *why,
                         size_t why_len);

/**
 * A C header: `const unsigned char NAME[] = {...}; const size_t NAME_len = N;`
 * with an include guard; NAME must be a C identifier. PEM input gets its
 * terminating NUL inside the array, counted in NAME_len (mbedTLS parses PEM
 * only with buf[len-1] == '\0'); DER is copied as is.
 * @param buf the file's bytes
 * @param len bytes in buf
 * @param name the C identifier of the array
 * @param out receives the malloc'd header text, free() it
 * @param out_len receives its length
 * @return MQTLS_OK, MQTLS_ERR_INVALID_ARG (name is not a C identifier) or MQTLS_ERR_NO_MEMORY.
 * @code
 * if (mqtls_cred_carray(pem, pem_len, "root_ca", &h, &h_len) == MQTLS_OK) { fwrite(h, 1, h_len, stdout); free(h); }
 * @endcode
 */
int32_t mqtls_cred_carray(const uint8_t *buf, size_t len, const char *name, uint8_t **out, size_t *out_len);

/* ---- the credential store (a directory standing for a device's flash) -------------- */

/** The role a store entry plays on the device. */
typedef enum {
    MQTLS_STORE_AUTO = 0, /**< guess from the content */
    MQTLS_STORE_KEY,      /**< the device's private key */
    MQTLS_STORE_CERT,     /**< the device's certificate */
    MQTLS_STORE_CA,       /**< the CA that verifies the server */
    MQTLS_STORE_DH        /**< Diffie-Hellman parameters */
} mqtls_store_role_t;

/**
 * Validate a file for its role, convert it to DER (keys in device form) and
 * write it atomically (temporary file, fsync, rename) as
 * `<dir>/cert/<entry>.der`, where entry is a number 1..255 or a name.
 * A CA must be exactly one CA certificate; a client certificate a leaf; a
 * key must parse and must not stay encrypted (give `password` to decrypt).
 * @param dir the store's directory
 * @param entry a number 1..255 or a name
 * @param buf the file's bytes, PEM or DER
 * @param len bytes in buf
 * @param role the role it will play, or MQTLS_STORE_AUTO
 * @param password decrypts an encrypted key; NULL: none
 * @param why receives a sentence naming what is wrong (may be NULL)
 * @param why_len bytes in why
 * @param warn optional, receives a warning that does not stop the put
 *             (e.g. "the CA is an intermediate, not a self-signed root")
 * @param warn_len bytes in warn
 * @return MQTLS_OK, or the MQTLS_ERR_CRED_* / MQTLS_ERR_STORE_* that names what is wrong (nothing was written).
 * @code
 * rc = mqtls_store_put("flash", "129", ca, ca_len, MQTLS_STORE_CA, NULL, why, sizeof why, warn, sizeof warn);
 * @endcode
 */
int32_t mqtls_store_put(const char *dir, const char *entry, const uint8_t *buf, size_t len, mqtls_store_role_t role,
                        const char *password, char *why, size_t why_len, char *warn, size_t warn_len);

/**
 * Remove an entry. @return MQTLS_OK or MQTLS_ERR_STORE_NOT_FOUND.
 * @param dir the store's directory
 * @param entry a number 1..255 or a name
 */
int32_t mqtls_store_rm(const char *dir, const char *entry);

/**
 * The path of an entry, `<dir>/cert/<entry>.der`, into buf.
 * @param dir the store's directory
 * @param entry a number 1..255 or a name
 * @param buf receives the NUL-terminated path
 * @param len bytes in buf
 * @return MQTLS_OK, MQTLS_ERR_STORE_BAD_NAME, or MQTLS_ERR_BUFFER_TOO_SMALL.
 */
int32_t mqtls_store_path(const char *dir, const char *entry, char *buf, size_t len);

/**
 * Fill a TLS configuration from store entries in SlSockSecureFiles_t order
 * (only key_file/cert_file/ca_file and their formats are set: start from
 * mqtls_tls_config_init; a missing file is MQTLS_ERR_STORE_NOT_FOUND):
 * ids[0] private key, ids[1] certificate, ids[2] CA, ids[3] DH (0 = none).
 * The file names are written into `paths` (4 × 512 bytes, owned by the
 * caller, must outlive the configuration); formats are declared DER.
 * @param dir the store's directory
 * @param ids the four entry ids (0 = none)
 * @param paths caller-owned room for the four paths
 * @param cfg the configuration to fill, from mqtls_tls_config_init()
 * @return MQTLS_OK; MQTLS_ERR_INVALID_ARG; MQTLS_ERR_STORE_NOT_FOUND (a missing
 * file); MQTLS_ERR_CRED_IO; or the error of an entry's name.
 * @code
 * static char paths[4][512];
 * const uint16_t ids[4] = { 128, 127, 129, 0 };
 * mqtls_tls_config_init(&tc);
 * rc = mqtls_store_tls_config("flash", ids, paths, &tc);
 * @endcode
 */
int32_t mqtls_store_tls_config(const char *dir, const uint16_t ids[4], char paths[4][512], mqtls_tls_config_t *cfg);

/**
 * "key", "cert", "ca", "dh" ("?" for AUTO: not recognisable).
 * @param role the role
 * @return the name (static), never NULL.
 */
const char *mqtls_store_role_name(mqtls_store_role_t role);

/** One entry of a store, as `mqtls_store_list` sees it (role detected from the content). */
typedef struct {
    char entry[128];          /**< "126" or a name such as "ca" */
    uint16_t id;              /**< 1..255, 0 for a named entry */
    mqtls_store_role_t role;  /**< from the content; AUTO when unrecognisable */
    size_t size;              /**< bytes */
    char summary[256];        /**< subject, "EC private key (SEC1), secp256r1", or what is wrong */
    char not_after[24];       /**< certificates: "2026-01-31T12:00:00Z", else empty */
    int64_t not_after_unix;   /**< not_after in Unix seconds (certificates) */
    bool ok;                  /**< a DER file a device can use for `role` */
} mqtls_store_entry_t;

/**
 * The entries of a store: numeric IDs ascending, then names in byte order.
 * Leftover temporary files (`.<entry>.tmp.<pid>`) and anything not named
 * `<entry>.der` are ignored. A store whose cert/ directory does not exist yet is empty.
 * @param dir the store's directory
 * @param entries malloc'd array (NULL when empty), free() it
 * @param n receives the number of entries
 * @return MQTLS_OK, MQTLS_ERR_STORE_NOT_FOUND (no such directory), MQTLS_ERR_CRED_IO, MQTLS_ERR_NO_MEMORY
 * @code
 * mqtls_store_entry_t *e; size_t n;
 * if (mqtls_store_list("flash", &e, &n) == MQTLS_OK) {
 *     for (size_t i = 0; i < n; i++) printf("%s %s\n", e[i].entry, e[i].summary);
 *     free(e);
 * }
 * @endcode
 */
int32_t mqtls_store_list(const char *dir, mqtls_store_entry_t **entries, size_t *n);

/**
 * An entry's bytes: the stored DER, or PEM when `pem` is set (certificates,
 * keys in device form, DH parameters as "DH PARAMETERS").
 * @param dir the store's directory
 * @param entry a number 1..255 or a name
 * @param pem true: PEM; false: the stored DER
 * @param out malloc'd (PEM NUL-terminated, *out_len excludes the NUL)
 * @param out_len receives the length of *out
 * @param why receives a sentence naming what is wrong (may be NULL)
 * @param why_len bytes in why
 * @return MQTLS_OK, MQTLS_ERR_STORE_BAD_NAME, MQTLS_ERR_STORE_NOT_FOUND, or a
 * MQTLS_ERR_CRED_* with a sentence in why when the stored file cannot be converted.
 */
int32_t mqtls_store_export(const char *dir, const char *entry, bool pem, uint8_t **out, size_t *out_len, char *why,
                           size_t why_len);

/** Most problems mqtls_store_check_t keeps. */
#define MQTLS_STORE_MAX_PROBLEMS 12

/** One slot of a checked set, in SlSockSecureFiles_t order. */
typedef struct {
    const char *slot;   /**< "key", "cert", "ca", "dh" */
    uint16_t id;        /**< 0: the slot is empty */
    char path[512];     /**< empty when id is 0 */
    bool ok;            /**< the file is fine for its slot */
    char problem[1024]; /**< empty when ok; several problems are joined with "; " */
} mqtls_store_check_file_t;

/** The result of checking a set of files together. */
typedef struct {
    bool ok;                           /**< no problem found */
    mqtls_store_check_file_t files[4]; /**< key, cert, ca, dh */
    size_t n_problems;  /**< may exceed MQTLS_STORE_MAX_PROBLEMS; only that many are kept */
    char problems[MQTLS_STORE_MAX_PROBLEMS][600]; /**< one sentence each */
    /** Findings that do not fail the set, e.g. a client certificate not issued
     * by the CA file's CA: normal when the broker's CA is not the one that
     * signs devices (AWS IoT), but worth knowing. */
    size_t n_notes;     /**< entries in notes */
    char notes[4][600]; /**< one sentence each */
} mqtls_store_check_t;

/**
 * Check the set a device would load with secureFiles = ids (0 = none): each
 * file for its slot (DER, one certificate, CA or leaf, key unencrypted, DH
 * parameters), the key against the certificate, the certificate against the
 * CA, and each certificate's validity at `at` (the device's clock;
 * MQTLS_CRED_NOW: now). Every problem is named, with the SimpleLink error
 * the device would report where there is one.
 * @param dir the store's directory
 * @param ids the four entry ids (0 = none)
 * @param at the device's clock in Unix seconds, or MQTLS_CRED_NOW
 * @param out receives every problem and note (caller-owned)
 * @return MQTLS_OK when the set is fine; otherwise the code of the first
 * problem (out holds all of them); MQTLS_ERR_STORE_BAD_NAME for an ID above 255.
 * @code
 * mqtls_store_check_t chk;
 * if (mqtls_store_check("flash", ids, MQTLS_CRED_NOW, &chk) != MQTLS_OK)
 *     for (size_t i = 0; i < chk.n_problems && i < MQTLS_STORE_MAX_PROBLEMS; i++) puts(chk.problems[i]);
 * @endcode
 */
int32_t mqtls_store_check(const char *dir, const uint16_t ids[4], int64_t at, mqtls_store_check_t *out);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_CRED_H */
