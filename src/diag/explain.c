/* SPDX-License-Identifier: MIT
 * mqtls: every known cause of a code, the check that tells them apart, the fix. */
/*
 * see mqtls/explain.h
 *
 * One table of rows (kind, code, cause, check, fix); a code has as many rows
 * as it has known causes. Codes without a row of their own still get one
 * reading, built from the tables that name them (mqtls_sl_code_text,
 * mqtls_tls_alert_name, mqtls_reason_string, mqtls_strerror and the doctor's
 * catalogue through mqtls_diag_classify), so every SimpleLink code and every
 * mqtls error has an answer: tests/unit/test_explain.c walks both tables.
 *
 * Rejected: a separate table per kind. The rows for -342, alert 42 and
 * TLS_CERT_REJECTED say the same things from three sides; one table keeps
 * them next to each other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/error.h>

#include "diag_priv.h"
#include "mqtls/codec.h"
#include "mqtls/explain.h"
#include "mqtls/slcodes.h"

typedef struct {
    mqtls_explain_kind_t kind;
    int32_t code;
    const char *cause, *check, *fix;
} row_t;

#define SL MQTLS_EXPLAIN_SIMPLELINK
#define MB MQTLS_EXPLAIN_MBEDTLS
#define AL MQTLS_EXPLAIN_TLS_ALERT
#define CA MQTLS_EXPLAIN_CONNACK
#define R5 MQTLS_EXPLAIN_REASON5
#define MQ MQTLS_EXPLAIN_MQTLS

#define STORE_CHECK "`mqtls store check DIR --files K,C,A,D` on the files you flashed"
#define DOCTOR_STORE "`mqtls doctor -h HOST --store DIR --files K,C,A,D --board-said CODE`"

static const row_t rows[] = {
    /* ---- SimpleLink: the files ---------------------------------------------------------- */
    { SL, -456, "the CA file is PEM text (-----BEGIN CERTIFICATE-----) saved under a .der name",
      "its first bytes: DER starts with 0x30 0x82, PEM with '-----'; " STORE_CHECK,
      "`mqtls store put DIR ID root.pem --as ca` writes DER; flash that file" },
    { SL, -456, "the CA file holds several certificates (a bundle, or the server's chain)",
      "`mqtls cert inspect FILE` counts them; two DER certificates back to back are one file of two",
      "flash exactly one certificate: the root that issued the last certificate the server sends" },
    { SL, -456, "no file under that name on the flash: secureFiles[2] names /cert/<ID>.der and it was flashed "
      "under another name or ID", "list the flash (Uniflash) and compare with the CA ID the firmware passes",
      "flash the CA as /cert/<ID>.der with the ID in SlSockSecureFiles_t.secureFiles[2]" },
    { SL, -456, "the file is not a CA certificate, or damaged (truncated upload, extra bytes)",
      "compare the size on the flash with the file's; `mqtls cert inspect` on a copy",
      "flash again the file `mqtls store put` wrote" },
    { SL, -457, "the certificate file is PEM, a chain, or missing under that ID",
      STORE_CHECK, "`mqtls store put DIR ID cert.pem` writes one DER certificate; flash it under the ID of secureFiles[1]" },
    { SL, -457, "the slot holds something else (the key, or the CA)", "`mqtls cert inspect` on the file",
      "put the device certificate in secureFiles[1]" },
    { SL, -458, "the key file is PEM, or missing under that ID", STORE_CHECK,
      "`mqtls store put DIR ID device.key` writes DER; flash it under the ID of secureFiles[0]" },
    { SL, -458, "the key is PKCS#8 (what OpenSSL 3's `openssl rsa -outform der` writes), where the chip reads "
      "PKCS#1 (RSA) or SEC1 (EC)", "`mqtls cert inspect KEY` says PKCS#8",
      "`mqtls store put` converts it (\"converted PKCS#8 -> PKCS#1\"), or `openssl rsa -traditional -outform der`" },
    { SL, -458, "the key is encrypted: the chip cannot decrypt it", "`mqtls cert inspect KEY` says encrypted",
      "`mqtls store put DIR ID key.pem --password PW` stores it decrypted" },
    { SL, -459, "the DH file is not DER DH parameters (or a certificate in the DH slot)", STORE_CHECK,
      "`mqtls store put DIR ID dhparam.pem --as dh`, or set secureFiles[3] to 0 (ECDHE needs no DH file)" },
    { SL, -454, "the CA file was not found", "list the flash", "flash the CA under the name the firmware gives" },
    /* ---- SimpleLink: verification --------------------------------------------------------- */
    { SL, -453, "connected, but the server was not verified: the CA ID is 0",
      "secureFiles[2] in the firmware", "give the CA ID of the root the server chains to; Paho's server_verify 0 only tolerates -453" },
    { SL, -155, "the CA file is another root than the one the server's chain leads to",
      DOCTOR_STORE " prints the chain and the root it needs",
      "flash the root that issued the last certificate the server sends" },
    { SL, -155, "a legacy root: VeriSign Class 3 G5 for an AWS IoT ATS endpoint (-ats), which chains to Amazon "
      "Root CA 1 (cross-signed by Starfield)", "the endpoint's name has -ats; the CA file's subject",
      "flash AmazonRootCA1 (or the Starfield root) as DER" },
    { SL, -155, "the CA file is an intermediate the server sends itself: the chip needs the CA that issued the "
      "last certificate sent", "`mqtls cert inspect CA` says intermediate; the doctor's chain lists it",
      "flash the root that issued it" },
    { SL, -155, "a root with the right name but another key (re-issued)", "the doctor says 'the right name, but "
      "not the key that signed the chain'", "get the current root from the broker's operator" },
    { SL, -461, "the device's clock is unset: after reset it believes it is 2013 and every certificate is "
      "'not valid yet'", "the board's date (sl_DevGet); `mqtls doctor --store ... --device-time unset` predicts -461",
      "set the date with sl_DevSet(SL_DEVICE_GENERAL_CONFIGURATION, ..DATE_TIME, ...) before connecting (SNTP)" },
    { SL, -461, "the clock is set wrong (month 0-based, a year off) or the server's certificate really is "
      "outside its validity", "`mqtls doctor -h HOST` with this computer's clock shows the server's dates",
      "fix the date given to sl_DevSet; renew the server certificate if it expired" },
    { SL, -222, "the firmware sets option 35 (SL_SO_SECURE_DOMAIN_NAME_VERIFICATION) with a name the server's "
      "certificate does not carry", "the name the firmware passes; the doctor's hostname step",
      "pass the broker's DNS name (not an IP address) to option 35" },
    { SL, -229, "the server's certificate failed verification for a reason other than its signature or dates",
      DOCTOR_STORE, "follow the doctor's cause" },
    { SL, -140, "a certificate (the server's or a flashed file) could not be parsed", STORE_CHECK,
      "flash DER written by `mqtls store put`" },
    { SL, -150, "a certificate is not valid yet at the device's date", "the device's clock",
      "set the clock with sl_DevSet" },
    { SL, -151, "a certificate has expired at the device's date", "the device's clock; the certificate's dates",
      "set the clock; renew the certificate" },
    { SL, -462, "the server did not finish the handshake in time: a silent port, a firewall, port 443 without "
      "ALPN", "`mqtls doctor -h HOST -p PORT`", "use 8883, or 443 with ALPN x-amzn-mqtt-ca" },
    { SL, -452, "the server closed the session: on AWS IoT an inactive or unregistered certificate, or a plain "
      "MQTT port", DOCTOR_STORE, "activate and register the certificate; check the port" },
    { SL, -450, "a secure-socket error without a more precise code (in the emulation: a key that does not belong "
      "to the certificate, refused before connecting)", STORE_CHECK " (key against certificate)",
      "flash the key of this certificate" },
    { SL, -290, "the secure mask leaves no cipher suite both sides have", "the mask in the firmware; the doctor's "
      "tls step lists what the server accepts", "allow a suite the server has (SL_SEC_MASK_SECURE_DEFAULT), or "
      "enable one of the CC3200's suites on the server" },
    { SL, -340, "no cipher suite in common: the server offers none of the CC3200's suites (e.g. only AES-GCM)",
      DOCTOR_STORE " --sl-mask MASK", "enable on the server one of the CC3200 suites, e.g. "
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256 or TLS_RSA_WITH_AES_256_CBC_SHA" },
    { SL, -340, "the server requires a client certificate and the firmware sends none (IDs 0)",
      "secureFiles[0] and [1]", "flash the key and certificate and give their IDs" },
    { SL, -341, "the server received no client certificate", "secureFiles[0] and [1]",
      "give the key and certificate IDs" },
    { SL, -342, "the broker does not know the device's certificate: not registered, or inactive (AWS IoT)",
      "the cloud console; `mqtls doctor` with the same files from a PC gets the same alert",
      "register and activate the certificate, attach a policy" },
    { SL, -342, "the device's certificate is outside its validity by the broker's clock",
      "`mqtls cert inspect cert.pem` shows its dates", "issue a certificate valid now" },
    { SL, -342, "the broker does not trust the CA that issued the device's certificate",
      "the certificate's issuer against the broker's CA list", "register the CA with the broker, or use a "
      "certificate it issued" },
    { SL, -344, "the device's certificate is revoked", "the cloud console", "issue and register a new certificate" },
    { SL, -345, "the broker says the device's certificate has expired", "`mqtls cert inspect` dates",
      "issue a new certificate" },
    { SL, -346, "the broker could not accept the device's certificate: often inactive or revoked on AWS IoT",
      "the cloud console", "activate the certificate" },
    { SL, -348, "the broker does not trust the CA that issued the device's certificate",
      "the issuer of the device certificate against the broker's CA file", "register the CA or use one of its certificates" },
    { SL, -349, "the broker denied access", "the broker's log and policy", "fix the policy" },
    { SL, -370, "no TLS version in common: a CC3200 speaks TLS 1.2 at most and the broker allows only TLS 1.3",
      DOCTOR_STORE, "allow TLS 1.2 on the broker (on AWS IoT: a security policy with TLS 1.2)" },
    { SL, -370, "the method is below TLS 1.2 (SSLv3, TLS 1.0, 1.1) and the broker refuses it",
      "the SL_SO_SECMETHOD value", "use SL_SO_SEC_METHOD_TLSV1_2" },
    { SL, -412, "the broker does not know the name the device sent as SNI",
      "the name given to the connection", "connect by the endpoint's DNS name" },
    { SL, -300, "the server closed the TLS session normally (close_notify)", "the broker's log",
      "look at why the broker ended the session (policy, duplicate client id)" },
    { SL, -111, "nothing listens on that port", "`mqtls doctor -h HOST -p PORT`", "check the port (8883)" },
    { SL, -110, "nothing answered on that address and port (a firewall drops it)", "`mqtls doctor`",
      "check the address, the port and the network" },
    { SL, -101, "the network is unreachable", "the access point and IP configuration", "connect the WLAN first" },
    { SL, -163, "the name does not resolve (a typo, or an endpoint of another account or region)",
      "`mqtls doctor -h HOST` resolves it from a PC", "use the endpoint name the cloud console shows" },
    { SL, -159, "the DNS server did not answer", "the device's DNS server (DHCP)", "check the network's DNS" },
    /* ---- TLS alerts ------------------------------------------------------------------------ */
    { AL, 40, "no cipher suite or version in common", "`mqtls doctor` probes which one",
      "allow a common suite/version on one side" },
    { AL, 40, "a client certificate the server demands was not sent", "was --cert given?",
      "give the client certificate and key" },
    { AL, 42, "our certificate's dates: outside its validity by the server's clock", "`mqtls cert inspect cert.pem`",
      "issue a certificate valid now" },
    { AL, 42, "our certificate is not registered or inactive (AWS IoT)", "the cloud console",
      "register and activate it, attach a policy" },
    { AL, 43, "the server cannot use our certificate's type or purpose (e.g. no clientAuth)",
      "`mqtls cert inspect cert.pem`", "issue a client certificate (clientAuth)" },
    { AL, 44, "our certificate is revoked", "the cloud console / CRL", "issue a new certificate" },
    { AL, 45, "our certificate has expired", "`mqtls cert inspect cert.pem`", "renew it" },
    { AL, 46, "the server could not accept our certificate (inactive, revoked, unknown)", "the cloud console",
      "activate or replace it" },
    { AL, 48, "the issuer of our certificate is not trusted by the server", "the certificate's issuer against "
      "the broker's CA list", "register the CA with the broker or use a certificate it issued" },
    { AL, 49, "access denied by the server's policy", "the broker's log", "fix the policy" },
    { AL, 51, "a handshake signature did not verify: our key does not belong to our certificate",
      "`mqtls cert match cert.pem key.pem`", "use the key of this certificate" },
    { AL, 70, "no TLS version in common", "`mqtls doctor` names what the server accepts",
      "allow TLS 1.2 on the broker, or use a client that speaks its version" },
    { AL, 112, "the server needs a name (SNI) and none or another was sent: an IP address was used",
      "-h is an IP address?", "connect by the endpoint's name, or give --sni" },
    { AL, 116, "the server requires a client certificate (TLS 1.3) and none was sent", "--cert given?",
      "give the client certificate and key" },
    /* ---- CONNACK 3.1.1 ------------------------------------------------------------------------ */
    { CA, 1, "the broker does not speak this MQTT version", "-V 311 or 5", "use the version the broker accepts" },
    { CA, 2, "the client id is refused: too long, bad characters, or (AWS IoT) not allowed by the policy",
      "the client id", "use an id the broker and policy accept" },
    { CA, 3, "the MQTT service is unavailable", "the broker's status", "try later; check the broker" },
    { CA, 4, "bad user name or password", "-u/-P", "give the right credentials" },
    { CA, 5, "not authorised: no ACL/policy allows this client to connect (AWS IoT: the certificate's policy, "
      "iot:Connect for this client id)", "the broker's ACL or the policy", "allow the client id" },
    /* ---- MQTT 5.0 reason codes -------------------------------------------------------------------- */
    { R5, 0x84, "the broker does not speak MQTT 5 (or this version)", "-V 311", "connect with 3.1.1" },
    { R5, 0x85, "the client id is not valid for this broker", "the client id", "use another" },
    { R5, 0x86, "bad user name or password", "-u/-P", "give the right credentials" },
    { R5, 0x87, "not authorised by the broker's ACL or policy", "the broker's ACL or policy",
      "allow the client, topic or action" },
    { R5, 0x88, "the server is unavailable", "the broker's status", "try later" },
    { R5, 0x89, "the server is busy", "the broker's status", "try later" },
    { R5, 0x8A, "banned", "the broker's configuration", "ask the broker's operator" },
    { R5, 0x8C, "bad authentication method", "--auth-method", "use a method the broker supports" },
    { R5, 0x8E, "session taken over: another client connected with the same client id", "two devices with one id?",
      "give each client its own id" },
    { R5, 0x95, "the packet is larger than the maximum packet size", "the size of the message",
      "send smaller messages, or raise the limit" },
    { R5, 0x97, "a quota was exceeded (mosquitto: too many unreleased QoS 2 messages)", "the broker's log",
      "acknowledge faster, open a smaller window" },
    { R5, 0x9C, "use another server (server reference)", "the reason string", "connect to the server named" },
    { R5, 0x9D, "the server moved (server reference)", "the reason string", "connect to the server named" },
    /* ---- mbedTLS ---------------------------------------------------------------------------------- */
    { MB, -0x2700, "the server's chain does not lead to the CA file (unknown CA)",
      "the verify flags (mqtls prints them): 'not trusted'", "use the root the doctor names" },
    { MB, -0x2700, "the server's certificate does not name the host", "verify flags 'CN mismatch'",
      "connect by a name the certificate carries" },
    { MB, -0x2700, "a certificate is expired or not valid yet by the clock", "verify flags 'expired' / 'future'",
      "set the clock; renew the certificate" },
    { MB, -0x7780, "the server sent a fatal alert", "the alert number in the TLS report",
      "`mqtls explain alert:N`" },
    { MB, -0x7880, "the server closed the session (close_notify)", "the broker's log", "see why the broker closed" },
    { MB, -0x7280, "the connection ended during the handshake", "a plain MQTT port? a server that wants SNI?",
      "`mqtls doctor`" },
    { MB, -0x6800, "the handshake or a read timed out", "the server's port", "`mqtls doctor`" },
    { MB, -0x6980, "no usable cipher suite", "--ciphers / the mask", "allow a suite the server has" },
    { MB, -0x6E80, "no TLS version in common", "--tls-version", "allow a version the server speaks" },
    { MB, -0x7200, "a record that is not valid TLS: not a TLS port, or a record larger than the buffer",
      "`mqtls doctor` probes plain MQTT", "use the TLS port" },
    { MB, -0x7080, "a feature mbedTLS was built without (or a record too large for its buffer)",
      "the engine's detail", "try --tls-engine openssl" },
    { MB, -0x2180, "a certificate file is not valid X.509", "`mqtls cert inspect FILE`", "use the right file" },
    { MB, -0x3D00, "a key file is not a valid key", "`mqtls cert inspect KEY`", "use the right file" },
    { MB, -0x3C00, "the key is encrypted and no password was given", "`mqtls cert inspect KEY`", "give --key-password" },
    { MB, -0x3B80, "the password does not decrypt the key", "the password", "give the right one" },
    { MB, -0x1080, "no PEM header: a DER file where PEM was expected, or another file", "`mqtls cert inspect`",
      "convert with `mqtls cert convert`" },
};

static const char *const kind_names[] = { "simplelink", "mbedtls", "tls-alert", "connack", "reason-5.0", "mqtls" };

const char *mqtls_explain_kind_name(mqtls_explain_kind_t kind)
{
    return (unsigned)kind < sizeof kind_names / sizeof kind_names[0] ? kind_names[kind] : "?";
}

/* ---- building one reading --------------------------------------------------------------- */

static void add_rows(mqtls_explain_t *e)
{
    for (size_t i = 0; i < sizeof rows / sizeof rows[0] && e->n_causes < MQTLS_EXPLAIN_MAX_CAUSES; i++) {
        if (rows[i].kind == e->kind && rows[i].code == e->code) {
            mqtls_explain_cause_t *c = &e->causes[e->n_causes++];
            c->cause = rows[i].cause;
            c->check = rows[i].check;
            c->fix = rows[i].fix;
        }
    }
}

static bool known_sl(int32_t code)
{
    for (size_t i = 0;; i++) {
        int32_t c;
        if (!mqtls_sl_code_at(i, &c)) {
            return false;
        }
        if (c == code) {
            return true;
        }
    }
}

/* A reading of kind/code, or false when that kind does not know the code. */
static bool reading(mqtls_explain_kind_t kind, int32_t code, mqtls_explain_t *e)
{
    memset(e, 0, sizeof *e);
    e->kind = kind;
    e->code = code;
    const char *fallback_fix = "`mqtls doctor` with the same settings names the cause";
    switch (kind) {
    case MQTLS_EXPLAIN_SIMPLELINK:
        if (!known_sl(code)) {
            return false;
        }
        snprintf(e->name, sizeof e->name, "%s", mqtls_sl_code_name(code));
        snprintf(e->meaning, sizeof e->meaning, "%s", mqtls_sl_code_text(code));
        fallback_fix = DOCTOR_STORE " predicts the code for your files and server";
        break;
    case MQTLS_EXPLAIN_TLS_ALERT:
        if (code < 0 || code > 255 || strcmp(mqtls_tls_alert_name((int)code), "unknown") == 0) {
            return false;
        }
        snprintf(e->name, sizeof e->name, "%s", mqtls_tls_alert_name((int)code));
        snprintf(e->meaning, sizeof e->meaning, "TLS alert %d (%s) from the peer; a CC3200 reports it as %d",
                 (int)code, e->name, (int)(MQTLS_SL_ESEC_ALERT_BASE - code));
        break;
    case MQTLS_EXPLAIN_CONNACK:
        if (code < 1 || code > 5) {
            return false;
        }
        snprintf(e->name, sizeof e->name, "CONNACK %d", (int)code);
        snprintf(e->meaning, sizeof e->meaning, "%s", mqtls_strerror(MQTLS_ERR_REFUSED_PROTOCOL_VERSION - (code - 1)));
        break;
    case MQTLS_EXPLAIN_REASON5: {
        if (code < 0 || code > 255) {
            return false;
        }
        const char *s = mqtls_reason_string((uint8_t)code);
        if (s == NULL || strstr(s, "unknown") != NULL || strstr(s, "Unknown") != NULL) {
            return false;
        }
        snprintf(e->name, sizeof e->name, "0x%02X", (unsigned)code);
        snprintf(e->meaning, sizeof e->meaning, "MQTT 5.0 reason code 0x%02X: %s", (unsigned)code, s);
        break;
    }
    case MQTLS_EXPLAIN_MBEDTLS: {
        char text[200];
        mbedtls_strerror((int)code, text, sizeof text);
        if (code >= 0 || strstr(text, "UNKNOWN ERROR") != NULL) {
            return false;
        }
        snprintf(e->name, sizeof e->name, "-0x%04X", (unsigned)-code);
        snprintf(e->meaning, sizeof e->meaning, "%s", text);
        break;
    }
    case MQTLS_EXPLAIN_MQTLS: {
        if (code >= 0 || strcmp(mqtls_errname(code), "UNKNOWN") == 0) {
            return false;
        }
        snprintf(e->name, sizeof e->name, "MQTLS_ERR_%s", mqtls_errname(code));
        snprintf(e->meaning, sizeof e->meaning, "%s", mqtls_strerror(code));
        const mqtls_diag_cause_t *c = mqtls_diag_classify(code, NULL, NULL);
        if (c != NULL && strcmp(c->id, "unknown") != 0) {
            e->causes[0].cause = c->explanation;
            e->causes[0].check = "`mqtls doctor` with the same settings (cause id in brackets)";
            e->causes[0].fix = c->fix;
            e->n_causes = 1;
        }
        break;
    }
    default:
        return false;
    }
    add_rows(e);
    if (e->n_causes == 0) {
        /* No row of its own: the code's sentence is the one cause known. */
        e->causes[0].cause = e->meaning;
        e->causes[0].check = "the detail printed with it";
        e->causes[0].fix = fallback_fix;
        e->n_causes = 1;
    }
    return true;
}

/* ---- parsing a query ------------------------------------------------------------------------ */

static bool parse_int(const char *s, long *v)
{
    char *end = NULL;
    if (s[0] == '\0') {
        return false;
    }
    *v = strtol(s, &end, 0);
    return *end == '\0' && end != s;
}

static bool is_hex(const char *s)
{
    if (*s == '-') {
        s++;
    }
    return s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
}

static size_t push(mqtls_explain_kind_t kind, int32_t code, mqtls_explain_t *out, size_t n, size_t max)
{
    return n < max && reading(kind, code, &out[n]) ? n + 1u : n;
}

/* A name: SimpleLink, mqtls error, TLS alert. */
static size_t by_name(const char *q, mqtls_explain_t *out, size_t max)
{
    size_t n = 0;
    int32_t code;
    if (mqtls_sl_code_parse(q, &code) == MQTLS_OK) {
        n = push(MQTLS_EXPLAIN_SIMPLELINK, code, out, n, max);
    }
    const char *bare = strncmp(q, "MQTLS_ERR_", 10) == 0 ? q + 10 : q;
    for (int32_t e = -1; e >= -400; e--) {
        if (strcmp(mqtls_errname(e), bare) == 0) {
            n = push(MQTLS_EXPLAIN_MQTLS, e, out, n, max);
        }
    }
    for (int a = 0; a < 256; a++) {
        if (strcmp(mqtls_tls_alert_name(a), q) == 0) {
            n = push(MQTLS_EXPLAIN_TLS_ALERT, a, out, n, max);
        }
    }
    return n;
}

/* A number, read in every way it can be read (or only as `only` says). */
static size_t by_number(const char *q, int only, mqtls_explain_t *out, size_t max)
{
    long v;
    if (!parse_int(q, &v) || v < -0x10000 || v > 0xFFFF) {
        return 0;
    }
    int32_t c = (int32_t)v;
    size_t n = 0;
    bool hex = is_hex(q);
    if (only >= 0) {
        return push((mqtls_explain_kind_t)only, c, out, n, max);
    }
    if (c < 0 && hex) {
        return push(MQTLS_EXPLAIN_MBEDTLS, c, out, n, max);
    }
    if (c < 0) {
        n = push(MQTLS_EXPLAIN_SIMPLELINK, c, out, n, max);
        return push(MQTLS_EXPLAIN_MQTLS, c, out, n, max);
    }
    if (!hex) {
        n = push(MQTLS_EXPLAIN_TLS_ALERT, c, out, n, max);
        n = push(MQTLS_EXPLAIN_CONNACK, c, out, n, max);
    }
    return push(MQTLS_EXPLAIN_REASON5, c, out, n, max);
}

size_t mqtls_explain(const char *query, mqtls_explain_t *out, size_t max)
{
    static const struct { const char *prefix; int kind; } pre[] = {
        { "sl:", MQTLS_EXPLAIN_SIMPLELINK }, { "simplelink:", MQTLS_EXPLAIN_SIMPLELINK },
        { "mbedtls:", MQTLS_EXPLAIN_MBEDTLS }, { "alert:", MQTLS_EXPLAIN_TLS_ALERT },
        { "connack:", MQTLS_EXPLAIN_CONNACK }, { "reason:", MQTLS_EXPLAIN_REASON5 }, { "mqtls:", MQTLS_EXPLAIN_MQTLS },
    };
    if (query == NULL || out == NULL || max == 0u) {
        return 0;
    }
    int only = -1;
    for (size_t i = 0; i < sizeof pre / sizeof pre[0]; i++) {
        size_t l = strlen(pre[i].prefix);
        if (strncmp(query, pre[i].prefix, l) == 0) {
            only = pre[i].kind;
            query += l;
            break;
        }
    }
    size_t n = by_number(query, only, out, max);
    if (n == 0u && only < 0) {
        n = by_name(query, out, max);
    }
    return n;
}

/* ---- JSON ------------------------------------------------------------------------------------- */

int32_t mqtls_explain_to_json(const mqtls_explain_t *e, size_t n, char **out)
{
    if (out == NULL || (e == NULL && n > 0u)) {
        return MQTLS_ERR_INVALID_ARG;
    }
    mqtls__json_t s = {NULL, 0, 0, false};
    mqtls__json_raw(&s, "[");
    for (size_t i = 0; i < n; i++) {
        mqtls__json_raw(&s, i > 0u ? ",{\"kind\":" : "{\"kind\":");
        mqtls__json_str(&s, mqtls_explain_kind_name(e[i].kind));
        mqtls__json_raw(&s, ",\"code\":");
        mqtls__json_num(&s, (long)e[i].code);
        mqtls__json_raw(&s, ",\"name\":");
        mqtls__json_str(&s, e[i].name);
        mqtls__json_raw(&s, ",\"meaning\":");
        mqtls__json_str(&s, e[i].meaning);
        mqtls__json_raw(&s, ",\"causes\":[");
        for (size_t k = 0; k < e[i].n_causes; k++) {
            mqtls__json_raw(&s, k > 0u ? ",{\"cause\":" : "{\"cause\":");
            mqtls__json_str(&s, e[i].causes[k].cause);
            mqtls__json_raw(&s, ",\"check\":");
            mqtls__json_str(&s, e[i].causes[k].check);
            mqtls__json_raw(&s, ",\"fix\":");
            mqtls__json_str(&s, e[i].causes[k].fix);
            mqtls__json_raw(&s, "}");
        }
        mqtls__json_raw(&s, "]}");
    }
    mqtls__json_raw(&s, "]\n");
    return mqtls__json_end(&s, out);
}

/* ---- the board's code against the prediction --------------------------------------------------- */

bool mqtls_explain_board(int32_t predicted, int32_t board, char *out, size_t len)
{
    if (out == NULL || len == 0u) {
        return predicted == board;
    }
    out[0] = '\0';
    if (predicted == board) {
        mqtls__diag_cat(out, len, "The board agrees with the prediction (%d %s): the cause above is the board's.",
                        (int)board, mqtls_sl_code_name(board));
        return true;
    }
    mqtls__diag_cat(out, len, "The board said %d %s, the prediction for the files in this store is %d %s. ",
                    (int)board, mqtls_sl_code_name(board), (int)predicted, mqtls_sl_code_name(predicted));
    static const char *const slot[4] = { "CA", "certificate", "private key", "DH" };
    if (board <= MQTLS_SL_ESECBADCAFILE && board >= MQTLS_SL_ESECBADDHFILE) {
        mqtls__diag_cat(out, len, "The board refuses its %s file while this store's is fine: the file on the "
                        "board is not the one in this store: PEM? a bundle of several certificates? %snot flashed "
                        "under that name (/cert/<ID>.der)? Flash the file from the store again and compare sizes.",
                        slot[MQTLS_SL_ESECBADCAFILE - board],
                        board == MQTLS_SL_ESECBADPRIVATEFILE ? "a PKCS#8 or encrypted key? " : "");
    } else if (board == MQTLS_SL_ESEC_ASN_SIG_CONFIRM_E) {
        mqtls__diag_cat(out, len, "The board's CA file does not verify the server's chain while this store's does: "
                        "the board holds another root than this store (re-flash it), or connects to another "
                        "endpoint (a legacy one, or another region).");
    } else if (board == MQTLS_SL_ESECDATEERROR) {
        mqtls__diag_cat(out, len, "The board's clock differs from the one this prediction used: run the doctor "
                        "again with --device-time unset (or the board's date), and set the clock with sl_DevSet.");
    } else if (board == MQTLS_SL_ESEC_DOMAIN_NAME_E) {
        mqtls__diag_cat(out, len, "The firmware sets option 35 (domain name verification): run the doctor again "
                        "with --sl-domain-check, and pass the broker's DNS name to that option.");
    } else if (board == MQTLS_SL_ESECSNOVERIFY) {
        mqtls__diag_cat(out, len, "The firmware passes CA ID 0: secureFiles[2] is not the ID given to --files.");
    } else if (board <= MQTLS_SL_ESEC_ALERT_BASE && board >= -414) {
        mqtls__diag_cat(out, len, "The server refused something the board sends and this run did not: another "
                        "secure mask (give --sl-mask as in the firmware), another key or certificate on the board, "
                        "or another server.");
    } else if (board == MQTLS_SL_NET_APP_DNS_QUERY_FAILED || board == MQTLS_SL_NET_APP_DNS_QUERY_NO_RESPONSE ||
               board == MQTLS_SL_ECONNREFUSED || board == MQTLS_SL_ETIMEDOUT || board == MQTLS_SL_ENETUNREACH) {
        mqtls__diag_cat(out, len, "The board does not reach the server this computer reaches: its network (WLAN, "
                        "DNS, firewall) or another host name in the firmware.");
    } else if (board == 0) {
        mqtls__diag_cat(out, len, "The board connects where the prediction fails: the board's files or settings "
                        "are not the ones given here (IDs, mask, method, option 35).");
    } else {
        mqtls__diag_cat(out, len, "On the board %d means: %s.", (int)board, mqtls_sl_code_text(board));
    }
    return false;
}
