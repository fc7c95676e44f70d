/* SPDX-License-Identifier: MIT
 * mqtls: the doctor's catalogue of causes, and the first-guess classifier. */
/*
 * see mqtls/diag.h
 *
 * One table holds every cause the doctor can name: the CLI's --help, the
 * JSON output, the README table and the unit test all walk it, so an id
 * can neither be printed without a fix nor documented without existing.
 * Ids are stable (scripts match on them); titles and texts may be improved.
 *
 * mqtls_diag_classify() is the part of the diagnosis that needs no network:
 * from an error code and the TLS report it picks the cause a human would
 * start from. mqtls_diag_run() refines it by probing (e.g. a closed
 * handshake becomes "tls-to-plain-port" once a plain CONNECT gets a CONNACK).
 */
#include <stddef.h>
#include <string.h>

#include "mqtls/diag.h"

static const mqtls_diag_cause_t catalogue[] = {
    /* ---- reaching the server */
    { "dns-failure", "The broker's host name does not resolve",
      "The name could not be turned into an address: a typo, a missing DNS server on this network, or an "
      "endpoint that does not exist (AWS IoT endpoints are per account and region).",
      "Check the spelling of -h; compare it with the endpoint your cloud console shows (for AWS IoT: "
      "`aws iot describe-endpoint --endpoint-type iot:Data-ATS`); check the network's DNS." },
    { "tcp-refused", "Nothing listens on that port",
      "The host answered, but refused the TCP connection: no broker listens on this port, or a firewall "
      "rejects it.",
      "Check -p (MQTT over TLS is usually 8883, plain MQTT 1883, AWS IoT also 443 with ALPN); check that "
      "the broker runs and listens on this address." },
    { "tcp-timeout", "The TCP connection timed out",
      "Nothing answered: a firewall drops the packets, the address is wrong, or the network has no route "
      "out on this port (many corporate networks block 8883).",
      "Check the address and port; try another network, or port 443 with ALPN x-amzn-mqtt-ca on AWS IoT." },
    { "tcp-unreachable", "The network or host is unreachable",
      "There is no route to the broker's address from here.",
      "Check the network connection and the address (IPv4 vs IPv6)." },
    { "alpn-missing-443", "Port 443 without ALPN x-amzn-mqtt-ca",
      "On port 443 AWS IoT serves MQTT only to clients that offer the ALPN protocol x-amzn-mqtt-ca; "
      "without it the connection is treated as HTTPS and refused or closed.",
      "Add --alpn x-amzn-mqtt-ca (in firmware: set the ALPN list of the TLS configuration), or use port "
      "8883." },
    /* ---- our files */
    { "ca-missing", "No CA file: the broker cannot be verified",
      "Without a CA certificate the broker's identity cannot be checked; mqtls refuses to connect "
      "unverified, and a CC3200 with CA ID 0 connects unverified and returns -453 SL_ESECSNOVERIFY.",
      "Give the root CA that anchors the broker's chain (--cafile, or a CA ID in --files); the doctor "
      "names the root the server needs." },
    { "ca-file-bad", "The CA file is unusable",
      "The CA file is missing, empty, unreadable, not a certificate, or a leaf certificate instead of a CA.",
      "Download the broker's root CA again (for AWS IoT: AmazonRootCA1.pem) and check it with "
      "`mqtls cert inspect FILE`." },
    { "ca-not-der", "The CA file is PEM, the device needs DER",
      "A device such as the CC3200 reads its CA file as one DER certificate; a PEM file (text starting "
      "with -----BEGIN CERTIFICATE-----) renamed to .der is rejected with -456 SL_ESECBADCAFILE.",
      "Convert it: `mqtls store put DIR ID root.pem --as ca` (or `openssl x509 -in root.pem -outform der "
      "-out ID.der`) and flash the result." },
    { "ca-not-single", "The CA file holds several certificates",
      "The CA file is a chain or a bundle. A PC library takes several CAs, but a device such as the "
      "CC3200 needs exactly one DER certificate in its CA file (-456 SL_ESECBADCAFILE otherwise).",
      "Keep only the root that anchors the broker's chain (the doctor names it) in the CA file." },
    { "ca-not-root", "The CA file is an intermediate, not the root the device needs",
      "The CA file is an intermediate certificate that the server itself sends. A device such as the "
      "CC3200 needs the CA that issued the last certificate the server sends (the root), and fails with "
      "-155 otherwise, even where a PC library accepts the intermediate as an anchor.",
      "Replace the CA file with the root that issued the top of the server's chain (named below)." },
    { "ca-mismatch", "The CA file does not anchor the server's chain",
      "The server's certificates do not lead to the CA in the CA file: it is the wrong root (another "
      "broker's, another region's, or a test CA). A CC3200 returns -155 (signature confirm error).",
      "Use the root that issued the top certificate of the server's chain (named below, with a match in "
      "the system trust store when there is one)." },
    { "ca-legacy-root", "The CA file is a legacy root the endpoint no longer chains to",
      "The CA file is an old root such as VeriSign Class 3 Public Primary Certification Authority - G5, "
      "which served AWS IoT's legacy (non-ATS) endpoints. ATS endpoints chain to Amazon Root CA 1-4 "
      "(cross-signed by Starfield), so the old root cannot verify them.",
      "Use the root the server's chain needs (named below; for AWS IoT ATS endpoints AmazonRootCA1.pem "
      "from https://www.amazontrust.com/repository/), and the -ats endpoint." },
    { "cert-file-bad", "Our certificate file is unusable",
      "The client certificate file is missing, empty, unreadable, not DER where the device needs DER, or "
      "not a single device certificate.",
      "Check it with `mqtls cert inspect FILE`; store it with `mqtls store put DIR ID cert.pem`." },
    { "key-file-bad", "Our private key file is unusable",
      "The private key file is missing, empty, not a key, encrypted without its password, or PEM where "
      "the device needs DER.",
      "Check it with `mqtls cert inspect FILE`; give --key-password for an encrypted key; store it "
      "decrypted with `mqtls store put DIR ID device.key`." },
    { "key-pkcs8", "The device's private key is PKCS#8, the chip reads PKCS#1 or SEC1",
      "A CC3200 reads its private key as PKCS#1 (RSA) or SEC1 (EC) DER and may refuse a PKCS#8 key with -458 "
      "SL_ESECBADPRIVATEFILE. OpenSSL 3's `openssl rsa -outform der` writes PKCS#8 (older versions wrote "
      "PKCS#1), so following old instructions now gives this file.",
      "Store the key with `mqtls store put DIR ID device.key` (it converts: \"converted PKCS#8 -> PKCS#1\"), "
      "or convert with `openssl rsa -in device.key -traditional -outform der`." },
    { "dh-file-bad", "The Diffie-Hellman parameters file is unusable",
      "The DH slot names a file that is missing, not DER, or not Diffie-Hellman parameters; a CC3200 returns "
      "-459 SL_ESECBADDHFILE.",
      "Store DH parameters with `mqtls store put DIR ID dhparam.pem --as dh`, or set the DH ID to 0 (ECDHE "
      "suites need none)." },
    { "key-mismatch", "Our private key does not belong to our certificate",
      "The key and the certificate are from different pairs, so the server cannot verify our handshake "
      "signature and would reject us.",
      "Use the key the certificate was issued for (`mqtls cert match cert.pem key.pem` tells), or issue a "
      "new certificate for this key." },
    { "cipher-unknown", "A cipher suite name is not known",
      "The --ciphers list names a suite this TLS engine does not know.",
      "Use IANA names such as TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, or drop --ciphers." },
    { "tls-config", "The TLS settings are incomplete",
      "The TLS settings contradict each other, e.g. a certificate without its key.",
      "Give both --cert and --key (or both IDs in --files), and a CA." },
    /* ---- TLS negotiation */
    { "tls-to-plain-port", "TLS spoken to a plain MQTT port",
      "This port speaks plain MQTT (a CONNECT without TLS got a CONNACK), so the TLS handshake was closed "
      "unanswered.",
      "Use the broker's TLS port (usually 8883), or connect without TLS flags if plain MQTT is intended." },
    { "plain-to-tls-port", "Plain MQTT spoken to a TLS port",
      "This port expects TLS (a TLS handshake gets an answer), so a plain MQTT CONNECT is not understood.",
      "Add the TLS flags (--cafile, --cert, --key), or use the broker's plain port (usually 1883)." },
    { "not-tls", "The server does not answer in TLS",
      "Something answered on this port, but neither in TLS nor in MQTT (an HTTP server or a proxy?).",
      "Check the port: MQTT over TLS is usually 8883 (443 with ALPN on AWS IoT)." },
    { "tls-closed", "The server closed the connection during the TLS handshake",
      "The server ended the connection before the handshake finished, without saying why (no alert).",
      "Check the port and the broker's log; on port 443 offer ALPN x-amzn-mqtt-ca." },
    { "tls-timeout", "The TLS handshake timed out",
      "The TCP connection was accepted but the server did not complete the handshake in time.",
      "Check that this port serves TLS; check for a proxy or firewall that holds the connection." },
    { "tls-alert", "The server refused the handshake with an alert",
      "The server sent a TLS alert that names no more precise cause.",
      "See the alert named below and the broker's log." },
    { "tls-failed", "The TLS handshake failed",
      "The handshake failed for a reason the doctor cannot narrow down further.",
      "See the engine's detail below; try --tls-engine openssl for a second opinion." },
    { "no-common-version", "No TLS version in common",
      "The client offers TLS versions the server does not accept (e.g. a TLS 1.2-only client and a TLS "
      "1.3-only server).",
      "Allow the version the server accepts (named below): --tls-version, the device's security method, "
      "or --tls-engine openssl for TLS 1.3." },
    { "no-common-cipher", "No cipher suite in common",
      "The client's cipher suites and the server's have nothing in common (a --ciphers list or a device's "
      "secure mask that excludes every suite the server allows).",
      "Allow a suite the server accepts (named below when the doctor could find one): widen --ciphers or "
      "the device's SL_SO_SECURE_MASK." },
    /* ---- the server's certificate */
    { "server-cert-expired", "The server's certificate has expired",
      "A certificate of the server's chain is past its validity at the device's clock: either it really "
      "expired, or the device's clock is wrong.",
      "If the device's clock is right, the broker must renew its certificate; otherwise set the clock "
      "(SNTP, sl_DevSet) before connecting." },
    { "server-cert-not-yet-valid", "The server's certificate is not valid yet for the device's clock",
      "A certificate of the server's chain starts after the device's date. Usually the device's clock is "
      "unset or wrong (a CC3200 starts at its reset date and returns -461 SL_ESECDATEERROR), more rarely "
      "the certificate was issued for the future.",
      "Set the device's clock before connecting (SNTP, or sl_DevSet with "
      "SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME); if the clock is right, the broker's certificate is "
      "wrong." },
    { "server-cert-invalid", "The server's certificate failed verification",
      "A signature of the server's chain does not verify, or a certificate is unusable for a server.",
      "See the detail; the broker's certificate or chain is broken." },
    { "hostname-mismatch", "The server's certificate does not name the host",
      "The certificate is valid but issued for other names than the one connected to (an IP address "
      "where the certificate names a DNS name, a load balancer, or the wrong endpoint).",
      "Connect with a name the certificate lists (shown below), or give --sni with that name." },
    { "sni-mismatch", "The server name sent (SNI) is not one the certificate names",
      "The name given with --sni is sent in the handshake and checked against the certificate, and the "
      "certificate does not list it.",
      "Give --sni the broker's real name (or leave it out to use -h)." },
    { "sni-missing", "The server wants a name (SNI) and none was sent",
      "No server name was sent in the handshake (the host is an IP address, or SNI is off), and the server "
      "answered unrecognized_name: it picks its certificate by name, as AWS IoT and most cloud endpoints do.",
      "Connect with the endpoint's DNS name, or give --sni with it (in firmware: set the server name "
      "before the handshake)." },
    /* ---- the server's verdict on us */
    { "client-cert-required", "The broker requires a client certificate and none was given",
      "The broker asked for a client certificate (mutual TLS) and the client had none to send.",
      "Give --cert and --key (or the key and certificate IDs in --files)." },
    { "client-cert-rejected", "The broker rejected our client certificate",
      "The broker did not accept our certificate: issued by a CA it does not trust, revoked, expired, or "
      "on AWS IoT not registered or INACTIVE.",
      "Use a certificate issued by the CA the broker trusts for devices; on AWS IoT check that it is "
      "registered and ACTIVE (`aws iot describe-certificate`)." },
    /* ---- MQTT */
    { "connack-refused", "The broker refused the MQTT connection (CONNACK)",
      "The broker answered CONNECT with a refusal: not authorised, bad user name or password, identifier "
      "rejected, or protocol version. On AWS IoT a refusal or a close usually means the certificate is "
      "inactive or has no policy that allows iot:Connect for this client id.",
      "See the return code below; check user name and password, the client id, and the broker's ACLs; "
      "on AWS IoT attach a policy allowing iot:Connect on this client id and activate the certificate." },
    { "closed-after-connect", "The broker closed the connection right after CONNECT",
      "The transport was fine, but the broker dropped the connection instead of sending a CONNACK. "
      "Brokers do this when a limit is reached or the client is not allowed; AWS IoT does it when the "
      "certificate has no policy attached or the policy does not allow this client id.",
      "Check the broker's log (connection limits, ACLs); on AWS IoT attach a policy allowing iot:Connect "
      "for this client id and make sure the certificate is ACTIVE." },
    { "connack-timeout", "No CONNACK in time",
      "CONNECT was sent but the broker did not answer within the timeout.",
      "Check that this port serves MQTT; check the broker's load and log." },
    { "not-mqtt", "The server does not answer in MQTT",
      "The answer to CONNECT was not an MQTT CONNACK: another protocol listens on this port.",
      "Check the port (MQTT: 1883 plain, 8883 TLS)." },
    { "subscribe-refused", "The broker refused the test subscription",
      "The connection works, but the broker refused to subscribe to the test topic (ACL or policy).",
      "Allow subscribe/receive on the topic (on AWS IoT: iot:Subscribe and iot:Receive in the policy), or "
      "give another topic with -t." },
    { "roundtrip-failed", "The test message did not come back",
      "Subscribe and publish were accepted, but the message did not arrive, or the broker closed the "
      "connection (on AWS IoT: the policy does not allow publishing or receiving on the topic).",
      "Check the broker's ACLs or policy for the test topic (iot:Publish, iot:Receive)." },
    { "unknown", "The connection failed for a reason the doctor does not know",
      "The failure did not fit any cause in the catalogue.",
      "See the step's detail; please report it so the doctor can learn it." },
};

const mqtls_diag_cause_t *mqtls_diag_catalogue(size_t *n)
{
    if (n != NULL) {
        *n = sizeof catalogue / sizeof catalogue[0];
    }
    return catalogue;
}

const mqtls_diag_cause_t *mqtls_diag_cause(const char *id)
{
    if (id == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < sizeof catalogue / sizeof catalogue[0]; i++) {
        if (strcmp(catalogue[i].id, id) == 0) {
            return &catalogue[i];
        }
    }
    return NULL;
}

const char *mqtls_diag_status_name(mqtls_diag_status_t s)
{
    switch (s) {
    case MQTLS_DIAG_PASS: return "pass";
    case MQTLS_DIAG_FAIL: return "fail";
    case MQTLS_DIAG_WARN: return "warn";
    default: return "skip";
    }
}

bool mqtls_diag_alpn_missing(uint16_t port, const char *const *alpn)
{
    return port == 443 && (alpn == NULL || alpn[0] == NULL || alpn[0][0] == '\0');
}

bool mqtls_diag_is_legacy_root(const char *subject)
{
    static const char *const legacy[] = {
        "VeriSign Class 3 Public Primary Certification Authority - G5",
        "VeriSign Class 3 Public Primary Certification Authority - G3",
        "Symantec Class 3 Public Primary Certification Authority",
        "Symantec Class 3 Secure Server CA",
    };
    if (subject == NULL) {
        return false;
    }
    for (size_t i = 0; i < sizeof legacy / sizeof legacy[0]; i++) {
        if (strstr(subject, legacy[i]) != NULL) {
            return true;
        }
    }
    return false;
}

#define CAUSE(id) mqtls_diag_cause(id)

/* Failures that a missing ALPN explains on port 443: the server does not
 * take the connection for MQTT, so it closes, alerts or says nothing. */
static bool alpn_explains(int32_t err)
{
    return err == MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE || err == MQTLS_ERR_TLS_NOT_TLS || err == MQTLS_ERR_TLS_ALERT ||
           err == MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT || err == MQTLS_ERR_TLS_HANDSHAKE;
}

static const mqtls_diag_cause_t *classify_tls(int32_t err, const mqtls_tls_report_t *r, const mqtls_diag_hints_t *h)
{
    uint32_t flags = r != NULL ? r->verify_flags : 0u;
    switch (err) {
    case MQTLS_ERR_TLS_UNKNOWN_CA:
        return CAUSE(h->ca_legacy ? "ca-legacy-root" : "ca-mismatch");
    case MQTLS_ERR_TLS_VERIFY_FAILED:
        if (flags & MQTLS_TLS_VERIFY_NOT_TRUSTED) {
            return CAUSE(h->ca_legacy ? "ca-legacy-root" : "ca-mismatch");
        }
        return CAUSE("server-cert-invalid");
    case MQTLS_ERR_TLS_HOSTNAME_MISMATCH: return CAUSE(h->sni_set ? "sni-mismatch" : "hostname-mismatch");
    case MQTLS_ERR_TLS_CERT_EXPIRED: return CAUSE("server-cert-expired");
    case MQTLS_ERR_TLS_CERT_NOT_YET_VALID: return CAUSE("server-cert-not-yet-valid");
    case MQTLS_ERR_TLS_BAD_CA_FILE:
    case MQTLS_ERR_TLS_BAD_CA_PATH: return CAUSE("ca-file-bad");
    case MQTLS_ERR_TLS_CA_FORMAT: return CAUSE("ca-not-der");
    case MQTLS_ERR_TLS_BAD_CERT_FILE: return CAUSE("cert-file-bad");
    case MQTLS_ERR_TLS_BAD_KEY_FILE:
    case MQTLS_ERR_TLS_KEY_PASSWORD: return CAUSE("key-file-bad");
    case MQTLS_ERR_TLS_KEY_MISMATCH: return CAUSE("key-mismatch");
    case MQTLS_ERR_TLS_BAD_CIPHER: return CAUSE("cipher-unknown");
    case MQTLS_ERR_TLS_BAD_CONFIG: return CAUSE("tls-config");
    case MQTLS_ERR_TLS_NO_COMMON_VERSION: return CAUSE("no-common-version");
    case MQTLS_ERR_TLS_NO_SHARED_CIPHER: return CAUSE("no-common-cipher");
    case MQTLS_ERR_TLS_CERT_REQUIRED: return CAUSE("client-cert-required");
    case MQTLS_ERR_TLS_CERT_REJECTED: return CAUSE("client-cert-rejected");
    case MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT: return CAUSE("tls-timeout");
    case MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE:
        /* A TLS 1.2 server that asked for a certificate and got none may just close. */
        if (r != NULL && r->cert_requested && !r->cert_sent) {
            return CAUSE("client-cert-required");
        }
        return CAUSE("tls-closed");
    case MQTLS_ERR_TLS_NOT_TLS: return CAUSE("not-tls");
    case MQTLS_ERR_TLS_ALERT:
        /* unrecognized_name (RFC 6066 §3): the server needed the SNI we did not send. */
        if (r != NULL && r->alert_received == 112 && !h->sni_set) {
            return CAUSE("sni-missing");
        }
        return CAUSE("tls-alert");
    default: return CAUSE("tls-failed");
    }
}

const mqtls_diag_cause_t *mqtls_diag_classify(int32_t err, const mqtls_tls_report_t *r, const mqtls_diag_hints_t *hints)
{
    static const mqtls_diag_hints_t none = { 0, false, false, false };
    const mqtls_diag_hints_t *h = hints != NULL ? hints : &none;
    if (err >= 0) {
        return NULL;
    }
    if (h->port == 443 && !h->alpn_set && alpn_explains(err)) {
        return CAUSE("alpn-missing-443");
    }
    if (err <= MQTLS_ERR_TLS_UNKNOWN_CA && err > -200) {
        return classify_tls(err, r, h);
    }
    switch (err) {
    case MQTLS_ERR_DNS: return CAUSE("dns-failure");
    case MQTLS_ERR_CONNECT_REFUSED: return CAUSE("tcp-refused");
    case MQTLS_ERR_CONNECT_TIMEOUT: return CAUSE("tcp-timeout");
    case MQTLS_ERR_UNREACHABLE: return CAUSE("tcp-unreachable");
    case MQTLS_ERR_REFUSED_PROTOCOL_VERSION:
    case MQTLS_ERR_REFUSED_IDENTIFIER:
    case MQTLS_ERR_REFUSED_SERVER_UNAVAILABLE:
    case MQTLS_ERR_REFUSED_BAD_CREDENTIALS:
    case MQTLS_ERR_REFUSED_NOT_AUTHORIZED:
    case MQTLS_ERR_REFUSED_V5: return CAUSE("connack-refused");
    case MQTLS_ERR_CLOSED:
    case MQTLS_ERR_SEND:
    case MQTLS_ERR_RECV:
        /* TLS 1.3: a server that wanted a certificate it did not get closes
         * after the handshake, when our CONNECT arrives. */
        if (r != NULL && r->cert_requested && !r->cert_sent) {
            return CAUSE("client-cert-required");
        }
        return CAUSE("closed-after-connect");
    case MQTLS_ERR_TIMEOUT: return CAUSE("connack-timeout");
    case MQTLS_ERR_CONNACK_EXPECTED:
    case MQTLS_ERR_CONNACK_TOO_LARGE: return CAUSE("not-mqtt");
    case MQTLS_ERR_SUBSCRIBE_REFUSED: return CAUSE("subscribe-refused");
    default:
        if (err <= MQTLS_ERR_MALFORMED_REMAINING_LENGTH && err > -60) {
            return CAUSE("not-mqtt");
        }
        return CAUSE("unknown");
    }
}
