/* SPDX-License-Identifier: MIT
 * mqtls: mqtls results in the TI CC3200 SimpleLink secure-socket codes, and the chip's model. */
/*
 * see mqtls/slcodes.h. Two halves: the code table (a code's SDK name and
 * sentence, and the mqtls error -> code mapping), and the model of what the
 * network processor does differently from a PC's TLS engine (the CA rule,
 * the mask as firmware writes it, the sentences the store and the doctor
 * share). Both live here so the emulation (src/compat), the doctor
 * (src/diag) and the store (src/cred) cannot disagree: none of them has a
 * rule of its own. Only C11 and snprintf/strtoul: no POSIX, no TLS engine
 * except mqtls_sl_suites_lacking(), which asks the engine itself.
 */
#include "mqtls/slcodes.h"

#include <ctype.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int32_t code;
    const char *name;
    const char *text;
} sl_code_t;

static const sl_code_t codes[] = {
    { MQTLS_SL_ENETUNREACH, "SL_ENETUNREACH", "the network is unreachable" },
    { MQTLS_SL_NET_APP_DNS_QUERY_NO_RESPONSE, "SL_NET_APP_DNS_QUERY_NO_RESPONSE",
      "sl_NetAppDnsGetHostByName got no answer from the DNS server: the device never reached sl_Connect" },
    { MQTLS_SL_NET_APP_DNS_QUERY_FAILED, "SL_NET_APP_DNS_QUERY_FAILED",
      "sl_NetAppDnsGetHostByName could not resolve the name: the device never reached sl_Connect, so there "
      "is no TLS result" },
    { -140, "SL_ESEC_ASN_PARSE_E", "a certificate could not be parsed (ASN.1 error): a file that is not DER, or damaged" },
    { MQTLS_SL_ETIMEDOUT, "SL_ETIMEDOUT", "the TCP connection timed out: nothing answered on that address and port" },
    { MQTLS_SL_ECONNREFUSED, "SL_ECONNREFUSED", "the TCP connection was refused: nothing listens on that port" },
    { -150, "SL_ESEC_ASN_BEFORE_DATE_E", "a certificate is not valid yet at the device's date" },
    { -151, "SL_ESEC_ASN_AFTER_DATE_E", "a certificate has expired at the device's date" },
    { MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E, "SL_ESEC_ASN_SIG_CONFIRM_E",
      "the server's chain is not signed by the CA file: the device holds the wrong root (flash the root "
      "that issued the last certificate the server sends)" },
    { MQTLS_SL_ESEC_DOMAIN_NAME_E, "SL_ESEC_DOMAIN_NAME_E", "the server's certificate does not name the host" },
    { -229, "SL_ESEC_VERIFY_CERT_ERROR", "the server's certificate failed verification" },
    { MQTLS_SL_ESEC_UNSUPPORTED_SUITE, "SL_ESEC_UNSUPPORTED_SUITE",
      "no cipher suite in common: the secure mask allows none the server accepts" },
    { -300, "SL_ESEC_CLOSE_NOTIFY", "the server closed the TLS session (close_notify alert)" },
    { -310, "SL_ESEC_UNEXPECTED_MESSAGE", "the server received an unexpected message (alert 10)" },
    { -320, "SL_ESEC_BAD_RECORD_MAC", "a record failed its integrity check (alert 20)" },
    { -321, "SL_ESEC_DECRYPTION_FAILED", "a record could not be decrypted (alert 21)" },
    { -322, "SL_ESEC_RECORD_OVERFLOW", "a record was too long (alert 22)" },
    { -330, "SL_ESEC_DECOMPRESSION_FAILURE", "decompression failed (alert 30)" },
    { -340, "SL_ESEC_HANDSHAKE_FAILURE",
      "the server refused the handshake (alert 40): no common cipher suite or version, or a client "
      "certificate it demands was not sent" },
    { -341, "SL_ESEC_NO_CERTIFICATE", "the server received no client certificate (alert 41)" },
    { -342, "SL_ESEC_BAD_CERTIFICATE",
      "the server rejected the device's certificate (alert 42): issued by a CA the broker does not trust, "
      "or not registered/active" },
    { -343, "SL_ESEC_UNSUPPORTED_CERTIFICATE", "the server cannot use the device's certificate type (alert 43)" },
    { -344, "SL_ESEC_CERTIFICATE_REVOKED", "the device's certificate is revoked (alert 44)" },
    { -345, "SL_ESEC_CERTIFICATE_EXPIRED", "the server says the device's certificate has expired (alert 45)" },
    { -346, "SL_ESEC_CERTIFICATE_UNKNOWN",
      "the server could not accept the device's certificate (alert 46): often an inactive or revoked "
      "certificate on AWS IoT" },
    { -347, "SL_ESEC_ILLEGAL_PARAMETER", "the server found an illegal parameter in the handshake (alert 47)" },
    { -348, "SL_ESEC_UNKNOWN_CA",
      "the server does not trust the CA that issued the device's certificate (alert 48)" },
    { -349, "SL_ESEC_ACCESS_DENIED", "the server denied access (alert 49)" },
    { -350, "SL_ESEC_DECODE_ERROR", "the server could not decode a handshake message (alert 50)" },
    { -351, "SL_ESEC_DECRYPT_ERROR",
      "a handshake signature did not verify (alert 51): often a private key that does not belong to the "
      "certificate" },
    { -360, "SL_ESEC_EXPORT_RESTRICTION", "export restriction (alert 60)" },
    { -370, "SL_ESEC_PROTOCOL_VERSION",
      "no TLS version in common (alert 70): the method allows a version the server refuses" },
    { -371, "SL_ESEC_INSUFFICIENT_SECURITY", "the server wants stronger cipher suites (alert 71)" },
    { -380, "SL_ESEC_INTERNAL_ERROR", "the server had an internal error (alert 80)" },
    { -390, "SL_ESEC_USER_CANCELLED", "the server cancelled the handshake (alert 90)" },
    { -400, "SL_ESEC_NO_RENEGOTIATION", "the server refused renegotiation (alert 100)" },
    { -410, "SL_ESEC_UNSUPPORTED_EXTENSION", "the server received an unsupported extension (alert 110)" },
    { -411, "SL_ESEC_CERTIFICATE_UNOBTAINABLE", "a certificate could not be obtained (alert 111)" },
    { -412, "SL_ESEC_UNRECOGNIZED_NAME", "the server does not know the name sent in SNI (alert 112)" },
    { -413, "SL_ESEC_BAD_CERTIFICATE_STATUS_RESPONSE", "bad certificate status response (alert 113)" },
    { -414, "SL_ESEC_BAD_CERTIFICATE_HASH_VALUE", "bad certificate hash value (alert 114)" },
    { MQTLS_SL_ESECGENERAL, "SL_ESECGENERAL", "a secure-socket error without a more precise code" },
    { MQTLS_SL_ESECDECRYPT, "SL_ESECDECRYPT", "a received record could not be decrypted" },
    { MQTLS_SL_ESECCLOSED, "SL_ESECCLOSED", "the server closed the secure session" },
    { MQTLS_SL_ESECSNOVERIFY, "SL_ESECSNOVERIFY",
      "connected, but the server was not verified (CA ID 0): anyone could be on the other end" },
    { MQTLS_SL_ESECNOCAFILE, "SL_ESECNOCAFILE", "the CA file was not found" },
    { MQTLS_SL_ESECMEMORY, "SL_ESECMEMORY", "the network processor ran out of memory" },
    { MQTLS_SL_ESECBADCAFILE, "SL_ESECBADCAFILE",
      "bad CA file: missing, not DER, or not exactly one certificate" },
    { MQTLS_SL_ESECBADCERTFILE, "SL_ESECBADCERTFILE", "bad certificate file: missing or not a DER certificate" },
    { MQTLS_SL_ESECBADPRIVATEFILE, "SL_ESECBADPRIVATEFILE",
      "bad private key file: missing, not DER, encrypted, or not a key" },
    { MQTLS_SL_ESECBADDHFILE, "SL_ESECBADDHFILE", "bad Diffie-Hellman parameters file" },
    { MQTLS_SL_ESECT00MANYSSLOPENED, "SL_ESECT00MANYSSLOPENED", "too many secure sockets are open" },
    { MQTLS_SL_ESECDATEERROR, "SL_ESECDATEERROR",
      "connected, but the server's certificate is not valid at the device's date: set the device clock "
      "(sl_DevSet) before connecting" },
    { MQTLS_SL_ESECHANDSHAKETIMEDOUT, "SL_ESECHANDSHAKETIMEDOUT", "the TLS handshake timed out" },
};

static const sl_code_t *find(int32_t code)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (codes[i].code == code) {
            return &codes[i];
        }
    }
    return NULL;
}

const char *mqtls_sl_code_name(int32_t code)
{
    const sl_code_t *c = find(code);
    return c != NULL ? c->name : (code == 0 ? "SL_OK" : "SL_ESEC_UNKNOWN");
}

const char *mqtls_sl_code_text(int32_t code)
{
    const sl_code_t *c = find(code);
    if (c != NULL) {
        return c->text;
    }
    if (code == 0) {
        return "success";
    }
    if (code <= -300 && code >= -414) {
        return "the server sent a TLS alert";
    }
    return "a code the CC3200 table in mqtls does not know";
}

int32_t mqtls_sl_code(int32_t err, const mqtls_tls_report_t *report)
{
    if (err >= 0) {
        return 0;
    }
    int alert = report != NULL ? report->alert_received : -1;
    switch (err) {
    case MQTLS_ERR_TLS_BAD_CA_FILE:
    case MQTLS_ERR_TLS_BAD_CA_PATH:
    case MQTLS_ERR_TLS_CA_FORMAT:
        return MQTLS_SL_ESECBADCAFILE;
    case MQTLS_ERR_TLS_BAD_CERT_FILE:
        return MQTLS_SL_ESECBADCERTFILE;
    case MQTLS_ERR_TLS_BAD_KEY_FILE:
    case MQTLS_ERR_TLS_KEY_PASSWORD:
        return MQTLS_SL_ESECBADPRIVATEFILE;
    case MQTLS_ERR_CRED_BAD_DH:
        return MQTLS_SL_ESECBADDHFILE;
    case MQTLS_ERR_TLS_CERT_EXPIRED:
    case MQTLS_ERR_TLS_CERT_NOT_YET_VALID:
        return MQTLS_SL_ESECDATEERROR;
    case MQTLS_ERR_TLS_UNKNOWN_CA:
    case MQTLS_ERR_TLS_VERIFY_FAILED:
        return MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E;
    case MQTLS_ERR_TLS_HOSTNAME_MISMATCH:
        return MQTLS_SL_ESEC_DOMAIN_NAME_E;
    case MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT:
        return MQTLS_SL_ESECHANDSHAKETIMEDOUT;
    case MQTLS_ERR_CONNECT_REFUSED:
        return MQTLS_SL_ECONNREFUSED;
    case MQTLS_ERR_CONNECT_TIMEOUT:
        return MQTLS_SL_ETIMEDOUT;
    case MQTLS_ERR_UNREACHABLE:
        return MQTLS_SL_ENETUNREACH;
    case MQTLS_ERR_DNS:
        return MQTLS_SL_NET_APP_DNS_QUERY_FAILED;
    default:
        break;
    }
    /* The server's alert is what the device reports, whatever our side made of it. */
    if (alert >= 0 && alert <= 114) {
        return MQTLS_SL_ESEC_ALERT_BASE - alert;
    }
    switch (err) {
    case MQTLS_ERR_TLS_NO_SHARED_CIPHER:
        return MQTLS_SL_ESEC_UNSUPPORTED_SUITE;
    case MQTLS_ERR_TLS_NO_COMMON_VERSION:
        return MQTLS_SL_ESEC_PROTOCOL_VERSION;
    case MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE:
    case MQTLS_ERR_CLOSED:
        return MQTLS_SL_ESECCLOSED;
    case MQTLS_ERR_NO_MEMORY:
        return MQTLS_SL_ESECMEMORY;
    default:
        return MQTLS_SL_ESECGENERAL;
    }
}

/* ---- the secure mask ------------------------------------------------------------------- */

static const char *const mask_suites[10] = {
    "TLS_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_RC4_128_MD5",
    "TLS_RSA_WITH_AES_256_CBC_SHA",
    "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "TLS_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_RSA_WITH_AES_256_CBC_SHA256",
    "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
};

const char *mqtls_sl_suite_name(unsigned bit)
{
    return bit < 10u ? mask_suites[bit] : NULL;
}

size_t mqtls_sl_suites(uint32_t mask, char *buf, size_t len)
{
    size_t n = 0, used = 0;
    if (buf != NULL && len > 0u) {
        buf[0] = '\0';
    }
    for (unsigned b = 0; b < 10u; b++) {
        if (!(mask & (1ul << b))) {
            continue;
        }
        n++;
        if (buf != NULL && len > 0u) {
            int w = snprintf(buf + used, len - used, "%s%s", used > 0u ? ":" : "", mask_suites[b]);
            used = w > 0 && (size_t)w < len - used ? used + (size_t)w : len - 1u;
        }
    }
    return n;
}

/* Does the engine have this suite? Asked of the engine itself, once: a
 * session configured with only that suite is refused as BAD_CIPHER. */
static bool suite_supported(mqtls_tls_engine_t e, unsigned bit)
{
    static signed char known[MQTLS_TLS_ENGINE_COUNT][10]; /* 0 not asked, 1 yes, -1 no */
    if ((size_t)e >= (size_t)MQTLS_TLS_ENGINE_COUNT) {
        return false;
    }
    signed char *k = &known[e][bit];
    if (*k == 0) {
        mqtls_tls_config_t cfg;
        mqtls_tls_config_init(&cfg);
        cfg.no_verify = true;
        cfg.max_version = MQTLS_TLS_V1_2;
        cfg.ciphers = mask_suites[bit];
        mqtls_tls_t *t = NULL;
        int32_t rc = mqtls_tls_new(&t, e, &cfg, NULL);
        mqtls_tls_free(t);
        *k = rc == MQTLS_OK ? 1 : -1;
    }
    return *k > 0;
}

uint32_t mqtls_sl_suites_lacking(mqtls_tls_engine_t engine, uint32_t mask)
{
    uint32_t out = 0;
    for (unsigned b = 0; b < 10u; b++) {
        if ((mask & (1ul << b)) && !suite_supported(engine, b)) {
            out |= 1ul << b;
        }
    }
    return out;
}

/* ---- SimpleLink code -> mqtls error (ports/simplelink) ------------------------------
 * see mqtls/slcodes.h. Kept apart from the tables above (which the doctor
 * and the emulation share): this is what the native transport needs on a
 * board, and it touches nothing but integers. */

static int32_t alert_error(int32_t code)
{
    switch (code) {
    case -300:
        return MQTLS_ERR_CLOSED;
    case -341:
        return MQTLS_ERR_TLS_CERT_REQUIRED;
    case -342: case -343: case -344: case -345: case -346: case -348: case -349:
        return MQTLS_ERR_TLS_CERT_REJECTED; /* about a certificate: ours */
    case -370:
        return MQTLS_ERR_TLS_NO_COMMON_VERSION;
    case -371:
        return MQTLS_ERR_TLS_NO_SHARED_CIPHER;
    default:
        return MQTLS_ERR_TLS_ALERT;
    }
}

static int32_t secure_error(int32_t code)
{
    switch (code) {
    case MQTLS_SL_ESECBADCAFILE:
    case MQTLS_SL_ESECNOCAFILE:
        return MQTLS_ERR_TLS_BAD_CA_FILE;
    case MQTLS_SL_ESECBADCERTFILE:
        return MQTLS_ERR_TLS_BAD_CERT_FILE;
    case MQTLS_SL_ESECBADPRIVATEFILE:
        return MQTLS_ERR_TLS_BAD_KEY_FILE;
    case MQTLS_SL_ESECBADDHFILE:
        return MQTLS_ERR_CRED_BAD_DH;
    case MQTLS_SL_ESECSNOVERIFY:
        return MQTLS_ERR_TLS_NOT_VERIFIED;
    case MQTLS_SL_ESECDATEERROR:
        return MQTLS_ERR_TLS_CERT_DATE;
    case MQTLS_SL_ESECHANDSHAKETIMEDOUT:
        return MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT;
    case MQTLS_SL_ESECCLOSED:
        return MQTLS_ERR_CLOSED;
    case MQTLS_SL_ESECDECRYPT:
        return MQTLS_ERR_TLS_IO;
    case MQTLS_SL_ESECMEMORY:
    case MQTLS_SL_ESECT00MANYSSLOPENED:
        return MQTLS_ERR_NO_MEMORY;
    default:
        return MQTLS_ERR_TLS_HANDSHAKE; /* -450 ESECGENERAL and the unnamed rest */
    }
}

static int32_t socket_error(int32_t code)
{
    switch (code) {
    case MQTLS_SL_ECONNREFUSED:
        return MQTLS_ERR_CONNECT_REFUSED;
    case MQTLS_SL_ETIMEDOUT:
        return MQTLS_ERR_CONNECT_TIMEOUT;
    case MQTLS_SL_ENETUNREACH:
        return MQTLS_ERR_UNREACHABLE;
    case -104: /* ECONNRESET */
        return MQTLS_ERR_RECV;
    case -9: /* EBADF */
        return MQTLS_ERR_NOT_CONNECTED;
    case -11: /* EAGAIN */
        return MQTLS_ERR_WANT_READ;
    case -12: /* ENOMEM */
        return MQTLS_ERR_NO_MEMORY;
    case -14: /* EFAULT */
    case -22: /* EINVAL */
        return MQTLS_ERR_INVALID_ARG;
    case -92: /* ENOPROTOOPT */
    case -95: /* EOPNOTSUPP */
    case -97: /* EAFNOSUPPORT */
        return MQTLS_ERR_NOT_SUPPORTED;
    default:
        return MQTLS_ERR_SOCKET; /* -1 SL_SOC_ERROR, -10 ENSOCK, ... */
    }
}

int32_t mqtls_sl_code_error(int32_t code)
{
    if (code >= 0) {
        return MQTLS_OK;
    }
    if (code == -150) {
        return MQTLS_ERR_TLS_CERT_NOT_YET_VALID;
    }
    if (code == -151) {
        return MQTLS_ERR_TLS_CERT_EXPIRED;
    }
    if (code == MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E) {
        return MQTLS_ERR_TLS_UNKNOWN_CA;
    }
    if (code <= -130 && code >= -159) {
        return MQTLS_ERR_TLS_VERIFY_FAILED;
    }
    if (code == MQTLS_SL_ESEC_DOMAIN_NAME_E) {
        return MQTLS_ERR_TLS_HOSTNAME_MISMATCH;
    }
    if (code == MQTLS_SL_ESEC_UNSUPPORTED_SUITE) {
        return MQTLS_ERR_TLS_NO_SHARED_CIPHER;
    }
    if (code <= -160 && code >= -299) {
        return MQTLS_ERR_TLS_HANDSHAKE;
    }
    if (code <= -300 && code >= -414) {
        return alert_error(code);
    }
    if (code <= -450 && code >= -462) {
        return secure_error(code);
    }
    return socket_error(code);
}

/* ---- the network processor's model ------------------------------------------------------ */

/* Lowercase, without spaces: "O=a b, CN=c" -> "o=ab,cn=c" (both engines' DN texts compare). */
static void squeeze(const char *in, char *out, size_t len)
{
    size_t k = 0;
    for (; *in != '\0' && k + 1u < len; in++) {
        if (*in != ' ') {
            out[k++] = (char)tolower((unsigned char)*in);
        }
    }
    out[k] = '\0';
}

/* ASCII case-insensitive comparison of n bytes (no <strings.h>: plain C11). */
static bool ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i])) {
            return false;
        }
    }
    return true;
}

static bool same_dn(const char *a, const char *b)
{
    char x[300], y[300];
    if (a == NULL || b == NULL || a[0] == '\0' || b[0] == '\0') {
        return false;
    }
    squeeze(a, x, sizeof x);
    squeeze(b, y, sizeof y);
    return strcmp(x, y) == 0;
}

int32_t mqtls_sl_ca_rule(const char *ca_subject, const mqtls_tls_report_t *chain, char *why, size_t why_len)
{
    if (why != NULL && why_len > 0u) {
        why[0] = '\0';
    }
    if (ca_subject == NULL || ca_subject[0] == '\0' || chain == NULL || chain->chain_len == 0u) {
        return 0; /* nothing to judge: no verdict */
    }
    size_t n = chain->chain_len < MQTLS_TLS_MAX_CHAIN ? chain->chain_len : MQTLS_TLS_MAX_CHAIN;
    const mqtls_tls_cert_info_t *last = &chain->chain[n - 1u];
    if (same_dn(ca_subject, last->issuer)) {
        return 0;
    }
    if (why != NULL && why_len > 0u) {
        bool sent = false;
        for (size_t i = 0; i < n; i++) {
            sent = sent || same_dn(ca_subject, chain->chain[i].subject);
        }
        snprintf(why, why_len,
                 "the CA file is %s%s; a CC3200 needs the CA that issued the last certificate the server sends: %s",
                 ca_subject, sent ? ", a certificate the server sends itself (an intermediate)" : "", last->issuer);
    }
    return MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E;
}

const char *mqtls_sl_intermediate_note(void)
{
    return "a CC3200 accepts an intermediate as its CA file only when it issued the last certificate the "
           "server sends; a server that sends this intermediate itself (most do, AWS IoT does) makes the "
           "device fail with -155 SL_ESEC_ASN_SIG_CONFIRM_E: flash the root that issued the top certificate "
           "the server sends (mqtls doctor --store names it)";
}

const char *mqtls_sl_pkcs8_note(void)
{
    return "PKCS#8: a CC3200 reads its private key as PKCS#1 (RSA) or SEC1 (EC) DER and may refuse this one "
           "(-458 SL_ESECBADPRIVATEFILE); `mqtls store put` converts it (OpenSSL 3's `openssl rsa -outform der` "
           "writes PKCS#8; add -traditional for PKCS#1)";
}

const char *mqtls_sl_own_cert_date_note(void)
{
    return "a CC3200 does not judge its own certificate's dates: it sends it, and a broker judging by its own "
           "clock refuses it with alert 42 bad_certificate (-342 SL_ESEC_BAD_CERTIFICATE on the device)";
}

static const char *const mask_names[10] = {
    "SL_SEC_MASK_SSL_RSA_WITH_RC4_128_SHA",
    "SL_SEC_MASK_SSL_RSA_WITH_RC4_128_MD5",
    "SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA",
    "SL_SEC_MASK_TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    "SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
    "SL_SEC_MASK_TLS_ECDHE_RSA_WITH_RC4_128_SHA",
    "SL_SEC_MASK_TLS_RSA_WITH_AES_128_CBC_SHA256",
    "SL_SEC_MASK_TLS_RSA_WITH_AES_256_CBC_SHA256",
    "SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
    "SL_SEC_MASK_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
};

const char *mqtls_sl_mask_name(unsigned bit)
{
    return bit < 10u ? mask_names[bit] : NULL;
}

/* Does [p, p+n) name `full`, with or without its SL_SEC_MASK_ prefix (case ignored)? */
static bool names(const char *p, size_t n, const char *full)
{
    static const char prefix[] = "SL_SEC_MASK_";
    size_t pl = sizeof prefix - 1u, fl = strlen(full);
    if (n == fl && ieq(p, full, n)) {
        return true;
    }
    return n == fl - pl && ieq(p, full + pl, n);
}

/* One term of a mask expression: a number or a name. */
static bool mask_term(const char *p, size_t n, uint32_t *bits)
{
    char num[24];
    if (n > 0u && n < sizeof num && isdigit((unsigned char)p[0])) {
        memcpy(num, p, n);
        num[n] = '\0';
        char *end = NULL;
        unsigned long v = strtoul(num, &end, 0);
        if (*end != '\0' || v > 0x3FFul) {
            return false;
        }
        *bits = (uint32_t)v;
        return true;
    }
    if (names(p, n, "SL_SEC_MASK_SECURE_DEFAULT")) {
        *bits = MQTLS_SL_MASK_DEFAULT;
        return true;
    }
    for (unsigned b = 0; b < 10u; b++) {
        if (names(p, n, mask_names[b])) {
            *bits = 1ul << b;
            return true;
        }
    }
    return false;
}

int32_t mqtls_sl_mask_parse(const char *text, uint32_t *mask)
{
    if (text == NULL || mask == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    uint32_t out = 0;
    const char *p = text;
    for (;;) {
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        size_t n = strcspn(p, "| \t");
        uint32_t bits = 0;
        if (n == 0u || !mask_term(p, n, &bits)) {
            return MQTLS_ERR_INVALID_ARG;
        }
        out |= bits;
        p += n;
        while (*p == ' ' || *p == '\t') {
            p++;
        }
        if (*p == '\0') {
            break;
        }
        if (*p != '|') {
            return MQTLS_ERR_INVALID_ARG;
        }
        p++;
    }
    if (out == 0u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    *mask = out;
    return MQTLS_OK;
}

bool mqtls_sl_code_at(size_t i, int32_t *code)
{
    if (i >= sizeof codes / sizeof codes[0]) {
        return false;
    }
    if (code != NULL) {
        *code = codes[i].code;
    }
    return true;
}

int32_t mqtls_sl_code_parse(const char *text, int32_t *code)
{
    if (text == NULL || code == NULL || text[0] == '\0') {
        return MQTLS_ERR_INVALID_ARG;
    }
    if (text[0] == '-' && isdigit((unsigned char)text[1])) {
        char *end = NULL;
        long v = strtol(text, &end, 10);
        if (*end != '\0' || v < -1000 || v > 0) {
            return MQTLS_ERR_INVALID_ARG;
        }
        *code = (int32_t)v;
        return MQTLS_OK;
    }
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        /* SL_ESECBADCAFILE, ESECBADCAFILE, sl_esecbadcafile */
        size_t tl = strlen(text), nl = strlen(codes[i].name);
        if ((tl == nl && ieq(text, codes[i].name, nl)) || (tl == nl - 3u && ieq(text, codes[i].name + 3, tl))) {
            *code = codes[i].code;
            return MQTLS_OK;
        }
    }
    return MQTLS_ERR_INVALID_ARG;
}
