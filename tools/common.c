/* SPDX-License-Identifier: MIT
 * mqtls CLI: shared option parsing, connecting, error sentences, clock. */
/*
 * see common.h
 *
 * Errors are reported once, where they are understood: the library returns
 * codes and never prints; this file turns a code plus what we were doing
 * (connecting to which host and port) into one sentence, appending the
 * operating system's own words (strerror, gai_strerror) when they add
 * something. The -d trace wraps the TCP transport and follows the byte
 * stream in each direction with a tiny fixed-header parser, so it sees
 * exactly what went over the wire without any hook in the client.
 *
 * MQTT 5 properties come from mosquitto's -D COMMAND PROPERTY VALUE, with
 * mosquitto's property names; each is checked here against the packets
 * that may carry it (a table, below), so a misplaced property is a usage
 * error naming the flag, not a codec error after connecting.
 */
#include "common.h"

#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mqtls/codec.h"
#include "mqtls/topic.h"

#define DEFAULT_TIMEOUT_MS 10000u

const char cli_conn_help[] =
    "Connection:\n"
    "  -h, --host HOST        broker host name or address (default: localhost)\n"
    "  -p, --port PORT        broker port (default: 1883)\n"
    "  -i, --id ID            client identifier (default: mqtls-<command>-<pid>)\n"
    "  -I, --id-prefix PFX    client identifier PFX followed by the process id\n"
    "  -k, --keepalive SECS   keepalive interval, 0 disables it (default: 60)\n"
    "  -u, --username USER    user name\n"
    "  -P, --pw PASSWORD      password (needs -u)\n"
    "  -c, --disable-clean-session\n"
    "                         keep the session on the broker (needs -i)\n"
    "  -V, --protocol-version V\n"
    "                         MQTT version: 311 or mqttv311 (default), 5 or mqttv5\n"
    "  -x, --session-expiry SECS\n"
    "                         MQTT 5 session expiry interval; -1 or inf: never\n"
    "                         (default: never with -c, else 0)\n"
    "  -D, --property CMD NAME VALUE\n"
    "                         an MQTT 5 property, mosquitto's names and commands:\n"
    "                         connect: session-expiry-interval receive-maximum\n"
    "                           maximum-packet-size topic-alias-maximum\n"
    "                           request-problem-information request-response-information\n"
    "                           authentication-method authentication-data\n"
    "                         publish, will: payload-format-indicator content-type\n"
    "                           message-expiry-interval response-topic correlation-data\n"
    "                           (will also: will-delay-interval)\n"
    "                         subscribe: subscription-identifier\n"
    "                         disconnect: session-expiry-interval\n"
    "                         any: user-property NAME VALUE (repeatable)\n"
    "                         Topic aliases are assigned automatically.\n"
    "  -L, --url URL          mqtt(s)://[USER[:PASS]@]HOST[:PORT]/TOPIC: host, port, user,\n"
    "                         password and topic in one; mqtts turns TLS on (with the\n"
    "                         system's CA certificates unless --cafile/--capath is given)\n"
    "      --quiet            print no error or warning messages (the exit status stays)\n"
    "  -d, --debug            print every packet sent and received on stderr\n"
    "      --no-reconnect     exit when an established connection is lost (sub, pub -l;\n"
    "                         default: reconnect with backoff, one line on stderr each)\n"
    "      --will-topic T     topic of the will the broker publishes if the\n"
    "                         connection dies without a DISCONNECT\n"
    "      --will-payload M   will message (default: empty)\n"
    "      --will-qos Q       will QoS 0, 1 or 2 (default: 0)\n"
    "      --will-retain      retain the will\n"
    "      --help             this text\n"
    "TLS (any of these turns TLS on; the port then defaults to 8883):\n"
    "      --cafile FILE      CA certificate(s) that may anchor the broker's chain (PEM or DER)\n"
    "      --capath DIR       a directory of CA certificates (PEM or DER)\n"
    "      --cert FILE        our client certificate, optionally followed by intermediates\n"
    "      --key FILE         its private key: PKCS#1, SEC1, PKCS#8 or encrypted PKCS#8; PEM or DER\n"
    "      --key-password PW  password of an encrypted key\n"
    "      --insecure         do not check the broker's host name (the chain is still verified)\n"
    "      --no-verify        DANGEROUS: do not verify the broker's certificate at all\n"
    "      --tls-version V    tlsv1.2 or tlsv1.3: use exactly this version (default: 1.2 or newer)\n"
    "      --ciphers LIST     colon-separated cipher suites (IANA names; OpenSSL names with openssl)\n"
    "      --alpn PROTO       ALPN protocol, e.g. x-amzn-mqtt-ca for AWS IoT on port 443\n"
    "      --tls-alpn PROTO   the same (mosquitto's name)\n"
    "      --tls-use-os-certs trust the system's CA certificates (" CLI_OS_CA_FILE ")\n"
    "      --sni NAME         server name for SNI and the certificate check (default: -h)\n"
    "      --tls-engine E     mbedtls (default) or openssl\n"
    "      --tls-report       print the TLS session: version, cipher, the broker's chain, alerts\n";

const char cli_exit_help[] =
    "Exit status:\n"
    "  0  success\n"
    "  1  usage error, or an input that cannot be used\n"
    "  2  connection failure (DNS, TCP refused/unreachable/timeout, any TLS failure,\n"
    "     connection lost)\n"
    "  3  the broker refused the connection (CONNACK return code 1-5)\n"
    "  4  protocol error or timeout (no CONNACK/SUBACK in time, keepalive timeout,\n"
    "     all subscriptions refused, -W expired before -C messages arrived)\n"
    "  5  pub -l stopped by SIGINT/SIGTERM with messages still unacknowledged\n";

enum {
    OPT_HOST = 1000,
    OPT_PORT,
    OPT_ID,
    OPT_ID_PREFIX,
    OPT_KEEPALIVE,
    OPT_USER,
    OPT_PASSWORD,
    OPT_NO_CLEAN,
    OPT_VERSION,
    OPT_DEBUG,
    OPT_NO_RECONNECT,
    OPT_URL,
    OPT_QUIET,
    OPT_WILL_TOPIC,
    OPT_WILL_PAYLOAD,
    OPT_WILL_QOS,
    OPT_WILL_RETAIN,
    OPT_SESSION_EXPIRY,
    OPT_PROPERTY,
    OPT_CAFILE, /* this one and all after it are TLS options (tls_opt) */
    OPT_CAPATH,
    OPT_CERT,
    OPT_KEY,
    OPT_KEY_PASSWORD,
    OPT_INSECURE,
    OPT_NO_VERIFY,
    OPT_TLS_VERSION,
    OPT_CIPHERS,
    OPT_ALPN,
    OPT_SNI,
    OPT_TLS_ENGINE,
    OPT_TLS_REPORT,
    OPT_TLS_OS_CERTS
};

static const cli_opt_t conn_opts[] = {
    { 'h', "host", true, OPT_HOST },
    { 'p', "port", true, OPT_PORT },
    { 'i', "id", true, OPT_ID },
    { 'I', "id-prefix", true, OPT_ID_PREFIX },
    { 'k', "keepalive", true, OPT_KEEPALIVE },
    { 'u', "username", true, OPT_USER },
    { 'P', "pw", true, OPT_PASSWORD },
    { 'c', "disable-clean-session", false, OPT_NO_CLEAN },
    { 'V', "protocol-version", true, OPT_VERSION },
    { 'd', "debug", false, OPT_DEBUG },
    { 0, "no-reconnect", false, OPT_NO_RECONNECT },
    { 'x', "session-expiry", true, OPT_SESSION_EXPIRY },
    { 'D', "property", true, OPT_PROPERTY },
    { 0, "will-topic", true, OPT_WILL_TOPIC },
    { 0, "will-payload", true, OPT_WILL_PAYLOAD },
    { 0, "will-qos", true, OPT_WILL_QOS },
    { 0, "will-retain", false, OPT_WILL_RETAIN },
    { 0, "cafile", true, OPT_CAFILE },
    { 0, "capath", true, OPT_CAPATH },
    { 0, "cert", true, OPT_CERT },
    { 0, "key", true, OPT_KEY },
    { 0, "key-password", true, OPT_KEY_PASSWORD },
    { 0, "insecure", false, OPT_INSECURE },
    { 0, "no-verify", false, OPT_NO_VERIFY },
    { 0, "tls-version", true, OPT_TLS_VERSION },
    { 0, "ciphers", true, OPT_CIPHERS },
    { 0, "alpn", true, OPT_ALPN },
    { 0, "sni", true, OPT_SNI },
    { 0, "tls-engine", true, OPT_TLS_ENGINE },
    { 0, "tls-report", false, OPT_TLS_REPORT },
    { 0, "tls-alpn", true, OPT_ALPN },
    { 0, "tls-use-os-certs", false, OPT_TLS_OS_CERTS },
    { 'L', "url", true, OPT_URL },
    { 0, "quiet", false, OPT_QUIET },
    { 0, NULL, false, 0 }
};

/* ---- option parsing ---------------------------------------------------- */

void cli_conn_opts_init(cli_conn_opts_t *o, const char *cmd)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->host = "localhost";
    o->port = 1883;
    o->keepalive = 60;
    o->clean = true;
    o->will_qos = -1;
    o->version = MQTLS_PROTO_V311;
    o->timeout_ms = DEFAULT_TIMEOUT_MS;
    o->engine = mqtls_tls_engine_default();
    mqtls_tls_config_init(&o->tls_cfg);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mqtls %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'mqtls %s --help')\n", cmd);
    return CLI_EXIT_USAGE;
}

int cli_not_built(const char *cmd, const char *what, const char *option, int code)
{
    fprintf(stderr, "mqtls %s: this build has no %s (configure with -D%s=ON)\n", cmd, what, option);
    return code;
}

bool cli_parse_long(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    if (s == NULL || *s == '\0')
        return false;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_version(cli_conn_opts_t *o, const char *v)
{
    if (strcmp(v, "311") == 0 || strcmp(v, "mqttv311") == 0) {
        o->version = MQTLS_PROTO_V311;
        return 0;
    }
    if (strcmp(v, "5") == 0 || strcmp(v, "mqttv5") == 0) {
        o->version = MQTLS_PROTO_V5;
        return 0;
    }
    if (strcmp(v, "31") == 0 || strcmp(v, "mqttv31") == 0)
        return cli_usage_error(o->cmd, "MQTT 3.1 is not supported; use -V 311 or -V 5");
    return cli_usage_error(o->cmd, "unknown protocol version '%s' for -V; use 311 or 5", v);
}

/* ---- -D: MQTT 5 properties ---------------------------------------------- */

enum { PK_BYTE, PK_U16, PK_U32, PK_VARINT, PK_STRING, PK_BINARY, PK_PAIR };
#define ON(cmd) (1u << (cmd))

static const struct {
    const char *name; /* mosquitto's */
    uint8_t id;
    uint8_t kind;
    uint8_t cmds; /* ON(CLI_PROPS_*) where it may appear */
} prop_table[] = {
    { "payload-format-indicator", MQTLS_PROP_PAYLOAD_FORMAT, PK_BYTE, ON(CLI_PROPS_PUBLISH) | ON(CLI_PROPS_WILL) },
    { "message-expiry-interval", MQTLS_PROP_MESSAGE_EXPIRY, PK_U32, ON(CLI_PROPS_PUBLISH) | ON(CLI_PROPS_WILL) },
    { "content-type", MQTLS_PROP_CONTENT_TYPE, PK_STRING, ON(CLI_PROPS_PUBLISH) | ON(CLI_PROPS_WILL) },
    { "response-topic", MQTLS_PROP_RESPONSE_TOPIC, PK_STRING, ON(CLI_PROPS_PUBLISH) | ON(CLI_PROPS_WILL) },
    { "correlation-data", MQTLS_PROP_CORRELATION_DATA, PK_BINARY, ON(CLI_PROPS_PUBLISH) | ON(CLI_PROPS_WILL) },
    { "subscription-identifier", MQTLS_PROP_SUBSCRIPTION_ID, PK_VARINT, ON(CLI_PROPS_SUBSCRIBE) },
    { "session-expiry-interval", MQTLS_PROP_SESSION_EXPIRY, PK_U32, ON(CLI_PROPS_CONNECT) | ON(CLI_PROPS_DISCONNECT) },
    { "authentication-method", MQTLS_PROP_AUTH_METHOD, PK_STRING, ON(CLI_PROPS_CONNECT) },
    { "authentication-data", MQTLS_PROP_AUTH_DATA, PK_BINARY, ON(CLI_PROPS_CONNECT) },
    { "request-problem-information", MQTLS_PROP_REQUEST_PROBLEM_INFO, PK_BYTE, ON(CLI_PROPS_CONNECT) },
    { "will-delay-interval", MQTLS_PROP_WILL_DELAY, PK_U32, ON(CLI_PROPS_WILL) },
    { "request-response-information", MQTLS_PROP_REQUEST_RESPONSE_INFO, PK_BYTE, ON(CLI_PROPS_CONNECT) },
    { "receive-maximum", MQTLS_PROP_RECEIVE_MAX, PK_U16, ON(CLI_PROPS_CONNECT) },
    { "topic-alias-maximum", MQTLS_PROP_TOPIC_ALIAS_MAX, PK_U16, ON(CLI_PROPS_CONNECT) },
    { "maximum-packet-size", MQTLS_PROP_MAX_PACKET_SIZE, PK_U32, ON(CLI_PROPS_CONNECT) },
    { "user-property", MQTLS_PROP_USER, PK_PAIR, 0x7Fu },
};

static const char *const prop_cmds[CLI_PROPS_N] = { "connect", "publish", "subscribe", "unsubscribe",
                                                   "disconnect", "will", "auth" };

/* -D CMD NAME VALUE [VALUE2]: argv[*i] is -D; consumes its arguments. */
static int parse_property(cli_conn_opts_t *o, int argc, char **argv, int *i)
{
    if (*i + 2 > argc - 1)
        return cli_usage_error(o->cmd, "%s needs a command, a property name and a value", argv[*i]);
    const char *cmd = argv[*i + 1], *name = argv[*i + 2];
    int c = -1;
    for (int k = 0; k < CLI_PROPS_N; k++)
        if (strcmp(cmd, prop_cmds[k]) == 0)
            c = k;
    if (c < 0)
        return cli_usage_error(o->cmd, "-D: unknown command '%s' (connect, publish, subscribe, unsubscribe, "
                               "disconnect, will, auth)", cmd);
    if (strcmp(name, "topic-alias") == 0)
        return cli_usage_error(o->cmd, "-D: topic aliases are assigned automatically by mqtls");
    size_t t;
    for (t = 0; t < sizeof prop_table / sizeof prop_table[0]; t++)
        if (strcmp(name, prop_table[t].name) == 0)
            break;
    if (t == sizeof prop_table / sizeof prop_table[0])
        return cli_usage_error(o->cmd, "-D: unknown property '%s'", name);
    if ((prop_table[t].cmds & ON(c)) == 0)
        return cli_usage_error(o->cmd, "-D: property '%s' is not allowed in %s", name, cmd);
    int need = prop_table[t].kind == PK_PAIR ? 4 : 3;
    if (*i + need > argc - 1)
        return cli_usage_error(o->cmd, "-D %s %s needs %s", cmd, name,
                               need == 4 ? "a name and a value" : "a value");
    if (o->nprops == CLI_MAX_PROPS)
        return cli_usage_error(o->cmd, "too many -D properties (at most %d)", CLI_MAX_PROPS);
    cli_prop_t *p = &o->props[o->nprops];
    memset(p, 0, sizeof *p);
    p->cmd = (uint8_t)c;
    p->id = prop_table[t].id;
    p->str = argv[*i + 3];
    if (need == 4)
        p->value = argv[*i + 4];
    static const long max[] = { 255, 65535, 4294967295L, 268435455L };
    if (prop_table[t].kind <= PK_VARINT) {
        long v = 0;
        long lo = prop_table[t].kind == PK_VARINT ? 1 : 0;
        if (!cli_parse_long(p->str, lo, max[prop_table[t].kind], &v))
            return cli_usage_error(o->cmd, "-D %s %s needs a number from %ld to %ld, not '%s'", cmd, name, lo,
                                   max[prop_table[t].kind], p->str);
        p->num = (uint32_t)v;
        p->str = NULL;
    }
    for (size_t k = 0; k < o->nprops; k++)
        if (o->props[k].cmd == c && o->props[k].id == p->id && p->id != MQTLS_PROP_USER)
            return cli_usage_error(o->cmd, "-D %s %s given twice", cmd, name);
    o->nprops++;
    *i += need;
    return 0;
}

bool cli_props_fill(const cli_conn_opts_t *o, int cmd, mqtls_props_t *out, mqtls_user_prop_t *users)
{
    bool any = false;
    memset(out, 0, sizeof *out);
    for (size_t k = 0; k < o->nprops; k++) {
        const cli_prop_t *p = &o->props[k];
        if (p->cmd != cmd)
            continue;
        any = true;
        mqtls_bytes_t b = { (const uint8_t *)p->str, p->str != NULL ? strlen(p->str) : 0 };
        out->present |= MQTLS_PROP_BIT(p->id);
        switch (p->id) {
        case MQTLS_PROP_PAYLOAD_FORMAT: out->payload_format = (uint8_t)p->num; break;
        case MQTLS_PROP_MESSAGE_EXPIRY: out->message_expiry = p->num; break;
        case MQTLS_PROP_CONTENT_TYPE: out->content_type = b; break;
        case MQTLS_PROP_RESPONSE_TOPIC: out->response_topic = b; break;
        case MQTLS_PROP_CORRELATION_DATA: out->correlation_data = b; break;
        case MQTLS_PROP_SUBSCRIPTION_ID: out->subscription_id = p->num; break;
        case MQTLS_PROP_SESSION_EXPIRY: out->session_expiry = p->num; break;
        case MQTLS_PROP_AUTH_METHOD: out->auth_method = b; break;
        case MQTLS_PROP_AUTH_DATA: out->auth_data = b; break;
        case MQTLS_PROP_REQUEST_PROBLEM_INFO: out->request_problem_info = (uint8_t)p->num; break;
        case MQTLS_PROP_WILL_DELAY: out->will_delay = p->num; break;
        case MQTLS_PROP_REQUEST_RESPONSE_INFO: out->request_response_info = (uint8_t)p->num; break;
        case MQTLS_PROP_RECEIVE_MAX: out->receive_max = (uint16_t)p->num; break;
        case MQTLS_PROP_TOPIC_ALIAS_MAX: out->topic_alias_max = (uint16_t)p->num; break;
        case MQTLS_PROP_MAX_PACKET_SIZE: out->max_packet_size = p->num; break;
        case MQTLS_PROP_USER:
            users[out->user_n].key = b;
            users[out->user_n].value.data = (const uint8_t *)p->value;
            users[out->user_n].value.len = strlen(p->value);
            out->user_n++;
            out->user = users;
            break;
        default: break;
        }
    }
    return any;
}

/* Strings from the broker go to a terminal: no control characters (C0, DEL,
 * and C1 as UTF-8, U+0080..U+009F) may reach it raw, or a hostile broker
 * could clear the screen or forge lines. Each becomes '?'; the rest of the
 * UTF-8 (checked by the client) is kept. */
static void scrub_controls(char *s)
{
    for (unsigned char *p = (unsigned char *)s; *p != '\0'; p++) {
        if (*p < 0x20u || *p == 0x7Fu)
            *p = '?';
        else if (*p == 0xC2u && p[1] >= 0x80u && p[1] <= 0x9Fu)
            p[0] = '?', p[1] = '?';
    }
}

const char *cli_reason_text(const mqtls_client_t *c, char *buf, size_t len)
{
    const char *why = "", *ref = "";
    uint8_t code = mqtls_client_reason(c, &why, &ref);
    int n = snprintf(buf, len, "%s (0x%02X)", mqtls_reason_string(code), (unsigned)code);
    if (why[0] != '\0' && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, ": %s", why);
    if (ref[0] != '\0' && n >= 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " [server reference: %s]", ref);
    scrub_controls(buf);
    return buf;
}

static int number_opt(cli_conn_opts_t *o, const char *flag, const char *arg, long min, long max, long *out)
{
    if (cli_parse_long(arg, min, max, out))
        return 0;
    return cli_usage_error(o->cmd, "%s needs a number from %ld to %ld, not '%s'", flag, min, max, arg);
}

static int tls_version_opt(cli_conn_opts_t *o, const char *arg)
{
    uint16_t v;
    if (strcmp(arg, "tlsv1.2") == 0)
        v = MQTLS_TLS_V1_2;
    else if (strcmp(arg, "tlsv1.3") == 0)
        v = MQTLS_TLS_V1_3;
    else if (strcmp(arg, "tlsv1.1") == 0 || strcmp(arg, "tlsv1") == 0)
        return cli_usage_error(o->cmd, "%s is obsolete and not supported; use tlsv1.2 or tlsv1.3", arg);
    else
        return cli_usage_error(o->cmd, "unknown --tls-version '%s'; use tlsv1.2 or tlsv1.3", arg);
    o->tls_cfg.min_version = v;
    o->tls_cfg.max_version = v;
    o->tls_version_arg = arg;
    return 0;
}

static int tls_engine_opt(cli_conn_opts_t *o, const char *arg)
{
    if (mqtls_tls_engine_parse(arg, &o->engine) != MQTLS_OK)
        return cli_usage_error(o->cmd, "unknown --tls-engine '%s'; use mbedtls or openssl", arg);
    if (!mqtls_tls_engine_available(o->engine))
        return cli_usage_error(o->cmd, "this build of mqtls has no %s engine", arg);
    o->engine_set = true;
    return 0;
}

static int parse_url(cli_conn_opts_t *o, const char *url);

/* TLS flags; every one of them turns TLS on. */
static int tls_opt(cli_conn_opts_t *o, int id, const char *arg)
{
    mqtls_tls_config_t *t = &o->tls_cfg;
    o->tls = true;
    switch (id) {
    case OPT_CAFILE: t->ca_file = arg; return 0;
    case OPT_CAPATH: t->ca_path = arg; return 0;
    case OPT_CERT: t->cert_file = arg; return 0;
    case OPT_KEY: t->key_file = arg; return 0;
    case OPT_KEY_PASSWORD: t->key_password = arg; return 0;
    case OPT_INSECURE: t->insecure = true; return 0;
    case OPT_NO_VERIFY: t->no_verify = true; return 0;
    case OPT_TLS_VERSION: return tls_version_opt(o, arg);
    case OPT_CIPHERS: t->ciphers = arg; return 0;
    case OPT_ALPN:
        o->alpn[0] = arg;
        o->alpn[1] = NULL;
        t->alpn = o->alpn;
        return 0;
    case OPT_SNI: t->server_name = arg; return 0;
    case OPT_TLS_ENGINE: return tls_engine_opt(o, arg);
    case OPT_TLS_REPORT: o->tls_report = true; return 0;
    case OPT_TLS_OS_CERTS: o->os_certs = true; return 0;
    default: return CLI_EXIT_USAGE;
    }
}

static int conn_opt(cli_conn_opts_t *o, int id, const char *arg)
{
    long v = 0;
    if (id >= OPT_CAFILE)
        return tls_opt(o, id, arg);
    switch (id) {
    case OPT_HOST: o->host = arg; return 0;
    case OPT_PORT:
        if (number_opt(o, "-p", arg, 1, 65535, &v) != 0)
            return CLI_EXIT_USAGE;
        o->port = (uint16_t)v;
        o->port_set = true;
        return 0;
    case OPT_ID: o->id = arg; return 0;
    case OPT_ID_PREFIX: o->id_prefix = arg; return 0;
    case OPT_KEEPALIVE:
        if (number_opt(o, "-k", arg, 0, 65535, &v) != 0)
            return CLI_EXIT_USAGE;
        o->keepalive = (uint16_t)v;
        return 0;
    case OPT_USER: o->user = arg; return 0;
    case OPT_PASSWORD: o->password = arg; return 0;
    case OPT_NO_CLEAN: o->clean = false; return 0;
    case OPT_VERSION: return parse_version(o, arg);
    case OPT_DEBUG: o->debug = true; return 0;
    case OPT_NO_RECONNECT: o->no_reconnect = true; return 0;
    case OPT_URL: return parse_url(o, arg);
    case OPT_QUIET: o->quiet = true; return 0;
    case OPT_WILL_TOPIC: o->will_topic = arg; return 0;
    case OPT_WILL_PAYLOAD: o->will_payload = arg; return 0;
    case OPT_WILL_QOS:
        if (number_opt(o, "--will-qos", arg, 0, 2, &v) != 0)
            return CLI_EXIT_USAGE;
        o->will_qos = (int)v;
        return 0;
    case OPT_WILL_RETAIN: o->will_retain = true; return 0;
    case OPT_SESSION_EXPIRY:
        if (strcmp(arg, "-1") == 0 || strcmp(arg, "inf") == 0 || strcmp(arg, "\u221e") == 0) {
            o->session_expiry = UINT32_MAX;
        } else {
            if (number_opt(o, "-x", arg, 0, 4294967295L, &v) != 0)
                return CLI_EXIT_USAGE;
            o->session_expiry = (uint32_t)v;
        }
        o->session_expiry_set = true;
        return 0;
    default: return CLI_EXIT_USAGE;
    }
}

/* -L mqtt(s)://[user[:pass]@]host[:port]/topic, as mosquitto_pub/sub read it. */
static int parse_url(cli_conn_opts_t *o, const char *url)
{
    const char *p;
    if (strncmp(url, "mqtt://", 7) == 0) {
        p = url + 7;
    } else if (strncmp(url, "mqtts://", 8) == 0) {
        p = url + 8;
        o->tls = true;
        o->url_tls = true;
    } else {
        return cli_usage_error(o->cmd, "-L needs a URL mqtt://... or mqtts://..., not '%s'", url);
    }
    size_t n = strlen(p);
    if (n >= sizeof o->url_buf)
        return cli_usage_error(o->cmd, "the -L URL is too long");
    memcpy(o->url_buf, p, n + 1);
    char *h = o->url_buf;
    char *slash = strchr(h, '/');
    if (slash == NULL || slash[1] == '\0')
        return cli_usage_error(o->cmd, "the -L URL needs a topic: mqtt://HOST[:PORT]/TOPIC");
    *slash = '\0';
    o->url_topic = slash + 1;
    char *at = strrchr(h, '@');
    if (at != NULL) {
        *at = '\0';
        char *colon = strchr(h, ':');
        if (colon != NULL) {
            *colon = '\0';
            o->password = colon + 1;
        }
        o->user = h;
        h = at + 1;
    }
    char *port = NULL;
    if (h[0] == '[') { /* [v6]:port */
        char *end = strchr(h, ']');
        if (end == NULL)
            return cli_usage_error(o->cmd, "bad -L host '%s': no closing ']'", h);
        *end = '\0';
        port = end[1] == ':' ? end + 2 : NULL;
        h++;
    } else if ((port = strrchr(h, ':')) != NULL) {
        *port++ = '\0';
    }
    if (h[0] == '\0')
        return cli_usage_error(o->cmd, "the -L URL needs a host");
    o->host = h;
    if (port != NULL) {
        long v = 0;
        if (!cli_parse_long(port, 1, 65535, &v))
            return cli_usage_error(o->cmd, "bad -L port '%s': a number from 1 to 65535", port);
        o->port = (uint16_t)v;
        o->port_set = true;
    }
    return 0;
}

/* Edit distance, for "did you mean" (short strings only). */
static size_t distance(const char *a, size_t na, const char *b)
{
    size_t nb = strlen(b), row[64];
    if (na >= 63 || nb >= 63)
        return 99;
    for (size_t j = 0; j <= nb; j++)
        row[j] = j;
    for (size_t i = 1; i <= na; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] == b[j - 1] ? 0u : 1u);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[nb];
}

/* The closest long option of both tables to "--name" (NULL if none is close). */
static const char *did_you_mean(const cli_opt_t *own, const cli_opt_t *conn, const char *a, size_t len)
{
    const char *best = NULL;
    size_t best_d = 3; /* at most 2 edits */
    if (len < 3 || a[0] != '-' || a[1] != '-')
        return NULL;
    const cli_opt_t *tables[2] = { own, conn };
    for (int t = 0; t < 2; t++) {
        for (const cli_opt_t *o = tables[t]; o->id != 0; o++) {
            if (o->long_name == NULL)
                continue;
            size_t d = distance(a + 2, len - 2, o->long_name);
            bool prefix = len - 2 >= 3 && strncmp(o->long_name, a + 2, len - 2) == 0;
            if (prefix)
                d = 1;
            if (d < best_d) {
                best_d = d;
                best = o->long_name;
            }
        }
    }
    return best;
}

/* Find the option named by `a` ("-x" or "--name", value already split off). */
static const cli_opt_t *find_opt(const cli_opt_t *table, const char *a, size_t name_len)
{
    for (; table->id != 0; table++) {
        if (a[1] == '-') {
            if (table->long_name != NULL && strlen(table->long_name) == name_len - 2 &&
                strncmp(table->long_name, a + 2, name_len - 2) == 0)
                return table;
        } else if (table->short_name != 0 && name_len == 2 && table->short_name == a[1]) {
            return table;
        }
    }
    return NULL;
}

int cli_parse(int argc, char **argv, const cli_opt_t *opts, cli_opt_fn fn, void *ctx, cli_conn_opts_t *conn,
              void (*help)(void), bool *help_shown)
{
    *help_shown = false;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            help();
            *help_shown = true;
            return 0;
        }
        if (a[0] != '-' || a[1] == '\0')
            return cli_usage_error(conn->cmd, "unexpected argument '%s'", a);
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        size_t name_len = eq != NULL ? (size_t)(eq - a) : strlen(a);
        bool own = true;
        const cli_opt_t *o = find_opt(opts, a, name_len);
        if (o == NULL) {
            own = false;
            o = find_opt(conn_opts, a, name_len);
        }
        if (o == NULL) {
            const char *near = did_you_mean(opts, conn_opts, a, name_len);
            if (near != NULL)
                return cli_usage_error(conn->cmd, "unknown option '%.*s'; did you mean '--%s'?", (int)name_len, a,
                                       near);
            return cli_usage_error(conn->cmd, "unknown option '%.*s'", (int)name_len, a);
        }
        if (!own && o->id == OPT_PROPERTY) {
            if (eq != NULL)
                return cli_usage_error(conn->cmd, "-D takes its values as separate arguments");
            int prc = parse_property(conn, argc, argv, &i);
            if (prc != 0)
                return prc;
            continue;
        }
        const char *arg = NULL;
        if (o->has_arg) {
            if (eq != NULL)
                arg = eq + 1;
            else if (i + 1 < argc)
                arg = argv[++i];
            else
                return cli_usage_error(conn->cmd, "option '%s' needs a value", a);
        } else if (eq != NULL) {
            return cli_usage_error(conn->cmd, "option '%.*s' takes no value", (int)name_len, a);
        }
        int rc = own ? fn(ctx, o->id, arg) : conn_opt(conn, o->id, arg);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int check_will(cli_conn_opts_t *o)
{
    if (o->will_topic == NULL) {
        if (o->will_payload != NULL || o->will_qos >= 0 || o->will_retain)
            return cli_usage_error(o->cmd, "--will-payload, --will-qos and --will-retain need --will-topic");
        return 0;
    }
    int32_t rc = mqtls_topic_validate_name(o->will_topic, strlen(o->will_topic));
    if (rc != MQTLS_OK)
        return cli_usage_error(o->cmd, "bad --will-topic '%s': %s", o->will_topic, mqtls_strerror(rc));
    return 0;
}

int cli_conn_opts_finish(cli_conn_opts_t *o)
{
    if (o->id != NULL && o->id_prefix != NULL)
        return cli_usage_error(o->cmd, "-i and -I cannot be used together");
    if (!o->clean && o->id == NULL)
        return cli_usage_error(o->cmd, "-c (keep the session) needs a client identifier given with -i");
    if (o->password != NULL && o->user == NULL && o->version != MQTLS_PROTO_V5)
        return cli_usage_error(o->cmd, "-P needs -u: MQTT 3.1.1 allows a password only with a user name");
    if (o->version != MQTLS_PROTO_V5 && (o->nprops > 0 || o->session_expiry_set))
        return cli_usage_error(o->cmd, "-D and -x are MQTT 5 features: add -V 5");
    if (o->version == MQTLS_PROTO_V5 && !o->session_expiry_set && !o->clean) {
        o->session_expiry = UINT32_MAX; /* -c: the session never expires, as with mosquitto */
        o->session_expiry_set = true;
    }
    if (o->session_expiry_set && o->session_expiry == UINT32_MAX && o->id == NULL)
        return cli_usage_error(o->cmd, "a session that never expires (-c or -x -1) needs a client identifier given with -i");
    if (check_will(o) != 0)
        return CLI_EXIT_USAGE;
    if (o->os_certs || (o->url_tls && o->tls_cfg.ca_file == NULL && o->tls_cfg.ca_path == NULL)) {
        if (o->tls_cfg.ca_file != NULL)
            return cli_usage_error(o->cmd, "--tls-use-os-certs and --cafile cannot be used together");
        o->tls = true;
        o->tls_cfg.ca_file = CLI_OS_CA_FILE;
    }
    if (o->quiet && freopen("/dev/null", "w", stderr) == NULL)
        return CLI_EXIT_USAGE;
    if (o->tls && !o->port_set)
        o->port = 8883;
    if (o->tls && o->tls_cfg.no_verify)
        fprintf(stderr, "mqtls %s: WARNING: --no-verify: the broker's certificate is NOT verified; "
                        "anyone on the path can impersonate it\n", o->cmd);
    if (o->id == NULL) {
        int n = o->id_prefix != NULL
                    ? snprintf(o->id_buf, sizeof o->id_buf, "%s%ld", o->id_prefix, (long)getpid())
                    : snprintf(o->id_buf, sizeof o->id_buf, "mqtls-%s-%ld", o->cmd, (long)getpid());
        if (n < 0 || (size_t)n >= sizeof o->id_buf)
            return cli_usage_error(o->cmd, "the -I prefix is too long");
        o->id = o->id_buf;
    }
    return 0;
}

/* ---- -d: trace packets on the wire -------------------------------------- */

static const char *packet_name(uint8_t type)
{
    static const char *const names[16] = { "RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK",
                                           "PUBREC", "PUBREL", "PUBCOMP", "SUBSCRIBE", "SUBACK",
                                           "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP",
                                           "DISCONNECT", "AUTH" };
    return names[type & 15u];
}

static void trace_header(const char *dir, const mqtls_fixed_header_t *h)
{
    unsigned long total = (unsigned long)h->header_len + h->remaining_length;
    if (h->type == MQTLS_PKT_PUBLISH)
        fprintf(stderr, "mqtls: %s PUBLISH (d%u, q%u, r%u, %lu bytes)\n", dir, (h->flags >> 3) & 1u,
                (h->flags >> 1) & 3u, h->flags & 1u, total);
    else
        fprintf(stderr, "mqtls: %s %s (%lu bytes)\n", dir, packet_name(h->type), total);
}

/* Follow one direction of the stream: print each fixed header once it is whole. */
static void trace_bytes(struct cli_trace *t, const char *dir, const uint8_t *p, size_t n)
{
    while (n > 0 && !t->broken) {
        if (t->skip > 0) {
            size_t k = n < t->skip ? n : t->skip;
            t->skip -= (uint32_t)k;
            p += k;
            n -= k;
            continue;
        }
        t->hdr[t->have++] = *p++;
        n--;
        mqtls_fixed_header_t h;
        int32_t rc = mqtls_decode_fixed_header(t->hdr, t->have, &h);
        if (rc == MQTLS_ERR_WANT_READ && t->have < sizeof t->hdr)
            continue;
        if (rc != MQTLS_OK) {
            fprintf(stderr, "mqtls: %s bytes that are not an MQTT packet; trace stopped\n", dir);
            t->broken = true;
            return;
        }
        trace_header(dir, &h);
        t->skip = h.remaining_length;
        t->have = 0;
    }
}

static int32_t trace_send(void *ctx, const uint8_t *buf, size_t len)
{
    cli_conn_t *cc = ctx;
    int32_t n = cc->raw.send(cc->raw.ctx, buf, len);
    if (n > 0)
        trace_bytes(&cc->sent, "sent", buf, (size_t)n);
    return n;
}

static int32_t trace_recv(void *ctx, uint8_t *buf, size_t len)
{
    cli_conn_t *cc = ctx;
    int32_t n = cc->raw.recv(cc->raw.ctx, buf, len);
    if (n > 0)
        trace_bytes(&cc->received, "received", buf, (size_t)n);
    return n;
}

static int32_t trace_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    cli_conn_t *cc = ctx;
    return cc->raw.wait(cc->raw.ctx, events, timeout_ms);
}

static void trace_close(void *ctx)
{
    cli_conn_t *cc = ctx;
    cc->raw.close(cc->raw.ctx);
}

/* ---- connecting ------------------------------------------------------------ */

const char *cli_endpoint(const cli_conn_opts_t *o, char *buf, size_t len)
{
    bool v6 = strchr(o->host, ':') != NULL;
    snprintf(buf, len, v6 ? "[%s]:%u" : "%s:%u", o->host, (unsigned)o->port);
    return buf;
}

static bool is_transport_error(int32_t err)
{
    return err <= MQTLS_ERR_CLOSED && err > -140;
}

int cli_exit_code(int32_t err)
{
    if (err == MQTLS_OK)
        return CLI_EXIT_OK;
    if (err <= MQTLS_ERR_CLOSED && err > -200) /* transport and (later) TLS */
        return CLI_EXIT_CONNECT;
    if ((err <= MQTLS_ERR_REFUSED_PROTOCOL_VERSION && err >= MQTLS_ERR_REFUSED_NOT_AUTHORIZED) ||
        err == MQTLS_ERR_REFUSED_V5)
        return CLI_EXIT_REFUSED;
    return CLI_EXIT_PROTOCOL;
}

static bool is_refusal(int32_t err)
{
    return cli_exit_code(err) == CLI_EXIT_REFUSED;
}

/* " (errno: ...)" when the OS has something to add, else "". */
static const char *os_detail(const cli_conn_t *cc, int32_t err, char *buf, size_t len)
{
    buf[0] = '\0';
    int gai = mqtls_tcp_gai_error(&cc->tcp);
    if (err == MQTLS_ERR_DNS && gai != 0) {
        const char *why = gai == EAI_SYSTEM ? strerror(mqtls_tcp_last_errno(&cc->tcp)) : gai_strerror(gai);
        snprintf(buf, len, " (%s)", why);
    } else if (is_transport_error(err) && mqtls_tcp_last_errno(&cc->tcp) != 0) {
        snprintf(buf, len, " (errno: %s)", strerror(mqtls_tcp_last_errno(&cc->tcp)));
    }
    return buf;
}

/* CONNECT and will properties of one connect call, with their user properties. */
typedef struct {
    mqtls_props_t props, will_props;
    mqtls_user_prop_t users[CLI_MAX_PROPS], will_users[CLI_MAX_PROPS];
} connect_props_t;

static void fill_connect(const cli_conn_opts_t *o, mqtls_connect_t *m, connect_props_t *cp)
{
    memset(m, 0, sizeof *m);
    m->protocol_version = o->version;
    if (o->version == MQTLS_PROTO_V5) {
        cli_props_fill(o, CLI_PROPS_CONNECT, &cp->props, cp->users);
        if (o->session_expiry_set) {
            cp->props.present |= MQTLS_PROP_BIT(MQTLS_PROP_SESSION_EXPIRY);
            cp->props.session_expiry = o->session_expiry;
        }
        m->props = &cp->props;
        if (o->will_topic != NULL && cli_props_fill(o, CLI_PROPS_WILL, &cp->will_props, cp->will_users))
            m->will_props = &cp->will_props;
    }
    m->clean_session = o->clean;
    m->keepalive_s = o->keepalive;
    m->client_id = o->id;
    m->client_id_len = strlen(o->id);
    if (o->user != NULL) {
        m->username = o->user;
        m->username_len = strlen(o->user);
    }
    if (o->password != NULL) {
        m->password = (const uint8_t *)o->password;
        m->password_len = strlen(o->password);
    }
    if (o->will_topic != NULL) {
        m->will = true;
        m->will_topic = o->will_topic;
        m->will_topic_len = strlen(o->will_topic);
        m->will_payload = (const uint8_t *)(o->will_payload != NULL ? o->will_payload : "");
        m->will_payload_len = o->will_payload != NULL ? strlen(o->will_payload) : 0;
        m->will_qos = (uint8_t)(o->will_qos < 0 ? 0 : o->will_qos);
        m->will_retain = o->will_retain;
    }
}

size_t cli_connect_size(const cli_conn_opts_t *o)
{
    mqtls_connect_t m;
    static connect_props_t cp;
    fill_connect(o, &m, &cp);
    int32_t n = mqtls_encode_connect(NULL, 0, &m);
    /* + what the client adds: receive maximum, maximum packet size, topic alias maximum */
    return n > 0 ? (size_t)n + (o->version == MQTLS_PROTO_V5 ? 16u : 0u) : 0;
}

/* -d logging goes on top of whatever carries the bytes (TCP or TLS). */
static void setup_trace(cli_conn_t *cc, const cli_conn_opts_t *o)
{
    cc->tr = cc->raw;
    if (o->debug) {
        cc->tr.ctx = cc;
        cc->tr.send = trace_send;
        cc->tr.recv = trace_recv;
        cc->tr.wait = trace_wait;
        cc->tr.close = trace_close;
    }
}

static bool is_tls_error(int32_t err)
{
    return err <= MQTLS_ERR_TLS_UNKNOWN_CA && err > -200;
}

/* Append " WORD" (single-quoted when the shell would split or expand it). */
static void append_arg(char *buf, size_t len, const char *word)
{
    size_t n = strlen(buf);
    bool plain = word[0] != '\0' && strspn(word, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                                  "-_./:=@+,%") == strlen(word);
    if (n + 1 >= len)
        return;
    buf[n++] = ' ';
    if (plain) {
        snprintf(buf + n, len - n, "%s", word);
        return;
    }
    if (n < len)
        buf[n++] = '\'';
    for (const char *w = word; *w != '\0' && n + 5 < len; w++) {
        if (*w == '\'') {
            memcpy(buf + n, "'\\''", 4); /* close, escaped quote, reopen */
            n += 4;
        } else {
            buf[n++] = *w;
        }
    }
    if (n + 2 <= len) {
        buf[n++] = '\'';
        buf[n] = '\0';
    } else {
        buf[len - 1] = '\0';
    }
}

static void append_opt(char *buf, size_t len, const char *flag, const char *value)
{
    if (value == NULL)
        return;
    append_arg(buf, len, flag);
    append_arg(buf, len, value);
}

const char *cli_doctor_command(const cli_conn_opts_t *o, char *buf, size_t len)
{
    const mqtls_tls_config_t *t = &o->tls_cfg;
    char port[8];
    snprintf(buf, len, "mqtls doctor");
    snprintf(port, sizeof port, "%u", (unsigned)o->port);
    append_opt(buf, len, "-h", o->host);
    append_opt(buf, len, "-p", port);
    append_opt(buf, len, "--cafile", t->ca_file);
    append_opt(buf, len, "--capath", t->ca_path);
    append_opt(buf, len, "--cert", t->cert_file);
    append_opt(buf, len, "--key", t->key_file);
    if (t->key_password != NULL)
        append_opt(buf, len, "--key-password", "PASSWORD");
    append_opt(buf, len, "--tls-version", o->tls_version_arg);
    append_opt(buf, len, "--ciphers", t->ciphers);
    append_opt(buf, len, "--alpn", o->alpn[0]);
    append_opt(buf, len, "--sni", t->server_name);
    if (o->engine_set)
        append_opt(buf, len, "--tls-engine", mqtls_tls_engine_name(o->engine));
    append_opt(buf, len, "-u", o->user);
    if (o->password != NULL)
        append_opt(buf, len, "-P", "PASSWORD");
    if (o->version == MQTLS_PROTO_V5)
        append_opt(buf, len, "-V", "5");
    return buf;
}

/* "; diagnose: mqtls doctor ..." for the end of a TLS failure's line. */
static const char *doctor_hint(const cli_conn_opts_t *o, char *buf, size_t len)
{
    char cmd[1500];
    snprintf(buf, len, "; diagnose with: %s", cli_doctor_command(o, cmd, sizeof cmd));
    return buf;
}

/* " (detail) [alert from the broker: name (n)]" from the TLS report. */
static const char *tls_detail(const cli_conn_t *cc, char *buf, size_t len)
{
    const mqtls_tls_report_t *r = &cc->report;
    size_t n = 0;
    buf[0] = '\0';
    if (r->detail[0] != '\0')
        n = (size_t)snprintf(buf, len, " (%s)", r->detail);
    if (r->alert_received >= 0 && n < len)
        snprintf(buf + n, len - n, " [alert from the broker: %s (%d)]", mqtls_tls_alert_name(r->alert_received),
                 r->alert_received);
    return buf;
}

static void print_tls_report(const cli_conn_t *cc)
{
    const mqtls_tls_report_t *r = &cc->report;
    fprintf(stderr, "TLS report (%s engine):\n", r->engine != NULL ? r->engine : "?");
    fprintf(stderr, "  version: %s\n  cipher: %s\n", r->version[0] ? r->version : "(none negotiated)",
            r->cipher[0] ? r->cipher : "(none)");
    if (r->alpn[0] != '\0')
        fprintf(stderr, "  alpn: %s\n", r->alpn);
    fprintf(stderr, "  client certificate: %s%s\n", r->cert_sent ? "sent" : "none",
            r->cert_requested ? " (the broker asked for one)" : "");
    if (r->verify_flags != 0u)
        fprintf(stderr, "  verification: flags 0x%02x%s%s%s%s%s\n", (unsigned)r->verify_flags,
                r->verify_flags & MQTLS_TLS_VERIFY_NOT_TRUSTED ? " not-trusted" : "",
                r->verify_flags & MQTLS_TLS_VERIFY_EXPIRED ? " expired" : "",
                r->verify_flags & MQTLS_TLS_VERIFY_NOT_YET_VALID ? " not-yet-valid" : "",
                r->verify_flags & MQTLS_TLS_VERIFY_NAME_MISMATCH ? " name-mismatch" : "",
                r->verify_flags & MQTLS_TLS_VERIFY_BAD_SIGNATURE ? " bad-signature" : "");
    if (r->alert_received >= 0)
        fprintf(stderr, "  alert received: %s (%d)\n", mqtls_tls_alert_name(r->alert_received), r->alert_received);
    if (r->alert_sent >= 0)
        fprintf(stderr, "  alert sent: %s (%d)\n", mqtls_tls_alert_name(r->alert_sent), r->alert_sent);
    size_t kept = r->chain_len < MQTLS_TLS_MAX_CHAIN ? r->chain_len : MQTLS_TLS_MAX_CHAIN;
    fprintf(stderr, "  broker's chain: %zu certificate(s)\n", r->chain_len);
    for (size_t i = 0; i < kept; i++) {
        const mqtls_tls_cert_info_t *c = &r->chain[i];
        fprintf(stderr, "   %zu subject: %s\n     issuer:  %s\n     valid:   %s .. %s\n     key:     %s %u bits, "
                        "signed with %s\n",
                i, c->subject, c->issuer, c->not_before, c->not_after, c->key_type, (unsigned)c->key_bits,
                c->sig_alg);
    }
    if (r->detail[0] != '\0')
        fprintf(stderr, "  detail: %s\n", r->detail);
}

/* -d: what the broker's MQTT 5 CONNACK allowed. */
static void print_caps(const mqtls_client_t *c)
{
    const mqtls_server_caps_t *k = mqtls_client_server_caps(c);
    fprintf(stderr, "mqtls: broker limits: receive maximum %u, maximum QoS %u, retain %s, maximum packet size ",
            (unsigned)k->receive_max, (unsigned)k->max_qos, k->retain_available ? "yes" : "no");
    if (k->max_packet_size != 0u)
        fprintf(stderr, "%lu", (unsigned long)k->max_packet_size);
    else
        fprintf(stderr, "none");
    fprintf(stderr, ", topic aliases %u, keepalive %u s, wildcards %s, subscription ids %s, shared %s\n",
            (unsigned)k->topic_alias_max, (unsigned)k->keepalive_s, k->wildcard_available ? "yes" : "no",
            k->sub_id_available ? "yes" : "no", k->shared_available ? "yes" : "no");
    if (mqtls_client_assigned_id(c) != NULL) {
        char id[MQTLS_CONFIG_V5_STRING_MAX];
        snprintf(id, sizeof id, "%s", mqtls_client_assigned_id(c));
        scrub_controls(id);
        fprintf(stderr, "mqtls: assigned client identifier '%s'\n", id);
    }
}

/* TLS setup and handshake over the TCP connection in cc->tcp. */
static int32_t start_tls(cli_conn_t *cc, const cli_conn_opts_t *o)
{
    mqtls_transport_t tcp;
    mqtls_tcp_transport(&cc->tcp, &tcp);
    int32_t rc = mqtls_tls_handshake(cc->tls, &tcp, o->host, o->timeout_ms);
    if (o->tls_report)
        print_tls_report(cc);
    if (rc == MQTLS_OK) {
        mqtls_tls_transport(cc->tls, &cc->raw);
        if (o->debug)
            fprintf(stderr, "mqtls: TLS %s, %s\n", cc->report.version, cc->report.cipher);
    }
    return rc;
}

/* A CONNECT answered with bytes that do not parse as a CONNACK: a TLS or
 * HTTP server, or a proxy, rather than an MQTT broker. */
static bool answer_not_mqtt(int32_t err)
{
    return (err <= MQTLS_ERR_MALFORMED_REMAINING_LENGTH && err > -60) || err == MQTLS_ERR_CONNACK_EXPECTED;
}

static void print_connect_error(const cli_conn_t *cc, const char *ep, int32_t rc)
{
    char detail[600], hint[1600];
    const cli_conn_opts_t *o = cc->opts;
    if (o->version == MQTLS_PROTO_V5 && is_refusal(rc))
        fprintf(stderr, "mqtls: connecting to %s failed: the broker refused the connection: %s\n", ep,
                cli_reason_text(cc->client, detail, sizeof detail));
    else if (rc == MQTLS_ERR_TIMEOUT)
        fprintf(stderr, "mqtls: connecting to %s failed: the broker sent no CONNACK within %u s\n", ep,
                (unsigned)(o->timeout_ms / 1000u));
    else if (answer_not_mqtt(rc))
        fprintf(stderr, "mqtls: connecting to %s failed: the answer is not MQTT (%s); is a %s listening on that "
                        "port?\n",
                ep, mqtls_strerror(rc), o->tls ? "TLS MQTT broker" : "plain MQTT broker (not TLS, not HTTP)");
    else if (is_tls_error(rc))
        fprintf(stderr, "mqtls: TLS with %s failed: %s%s%s\n", ep, mqtls_strerror(rc),
                tls_detail(cc, detail, sizeof detail), doctor_hint(o, hint, sizeof hint));
    else if (rc == MQTLS_ERR_CLOSED && o->tls)
        fprintf(stderr, "mqtls: connecting to %s failed: %s (over TLS: the broker may have rejected our "
                        "certificate or identity after the handshake)\n",
                ep, mqtls_strerror(rc));
    else
        fprintf(stderr, "mqtls: connecting to %s failed: %s%s\n", ep, mqtls_strerror(rc),
                os_detail(cc, rc, detail, sizeof detail));
}

int32_t cli_open(cli_conn_t *cc, const cli_conn_opts_t *o, mqtls_client_t *c)
{
    char ep[300];
    memset(cc, 0, sizeof *cc);
    cc->opts = o;
    cc->client = c;
    mqtls_tcp_init(&cc->tcp);
    int32_t rc;
    if (o->tls) {
        /* Credentials are loaded and checked before a single byte is sent. */
        cc->stage = CLI_STAGE_TLS_SETUP;
        rc = mqtls_tls_new(&cc->tls, o->engine, &o->tls_cfg, &cc->report);
        if (rc != MQTLS_OK)
            return rc;
    }
    cc->stage = CLI_STAGE_TCP;
    rc = mqtls_tcp_connect(&cc->tcp, o->host, o->port, o->timeout_ms);
    if (rc != MQTLS_OK)
        return rc;
    if (o->debug)
        fprintf(stderr, "mqtls: TCP connected to %s, client id '%s'\n", cli_endpoint(o, ep, sizeof ep), o->id);
    mqtls_tcp_transport(&cc->tcp, &cc->raw);
    if (o->tls) {
        cc->stage = CLI_STAGE_TLS;
        rc = start_tls(cc, o);
        if (rc != MQTLS_OK)
            return rc;
    }
    setup_trace(cc, o);
    cc->stage = CLI_STAGE_MQTT;
    return MQTLS_OK;
}

void cli_print_connect_error(const cli_conn_t *cc, int32_t rc)
{
    char ep[300], detail[600], hint[1600];
    const cli_conn_opts_t *o = cc->opts;
    cli_endpoint(o, ep, sizeof ep);
    if (cc->stage == CLI_STAGE_TLS_SETUP)
        fprintf(stderr, "mqtls: cannot set up TLS (%s engine): %s%s%s\n",
                mqtls_tls_engine_name(o->engine), mqtls_strerror(rc),
                tls_detail(cc, detail, sizeof detail), doctor_hint(o, hint, sizeof hint));
    else if (cc->stage == CLI_STAGE_TCP)
        fprintf(stderr, "mqtls: cannot connect to %s: %s%s\n", ep, mqtls_strerror(rc),
                os_detail(cc, rc, detail, sizeof detail));
    else
        print_connect_error(cc, ep, rc);
}

void cli_fill_connect(const cli_conn_opts_t *o, mqtls_connect_t *m)
{
    static connect_props_t cp; /* lives as long as the process: the CONNECT of every attempt */
    fill_connect(o, m, &cp);
}

int cli_connect(cli_conn_t *cc, const cli_conn_opts_t *o, mqtls_client_t *c, bool *session_present)
{
    int32_t rc = cli_open(cc, o, c);
    if (rc == MQTLS_OK) {
        mqtls_connect_t m;
        cli_fill_connect(o, &m);
        rc = mqtls_client_connect(c, &cc->tr, &m, session_present, o->timeout_ms);
        if (rc == MQTLS_OK) {
            if (o->debug && o->version == MQTLS_PROTO_V5)
                print_caps(c);
            return CLI_EXIT_OK;
        }
    }
    cli_print_connect_error(cc, rc);
    cli_close(cc);
    return cc->stage == CLI_STAGE_TCP ? CLI_EXIT_CONNECT : cli_exit_code(rc);
}

void cli_close(cli_conn_t *cc)
{
    mqtls_tcp_close(&cc->tcp);
    mqtls_tls_free(cc->tls);
    cc->tls = NULL;
}

int cli_fail(const cli_conn_t *cc, const char *doing, int32_t err)
{
    char ep[300], detail[600], hint[1600];
    cli_endpoint(cc->opts, ep, sizeof ep);
    if (err == MQTLS_ERR_SERVER_DISCONNECT && cc->client != NULL)
        fprintf(stderr, "mqtls: the broker at %s ended the connection while %s: %s\n", ep, doing,
                cli_reason_text(cc->client, detail, sizeof detail));
    else if (is_tls_error(err))
        fprintf(stderr, "mqtls: TLS connection to %s failed while %s: %s%s%s\n", ep, doing, mqtls_strerror(err),
                tls_detail(cc, detail, sizeof detail), doctor_hint(cc->opts, hint, sizeof hint));
    else if (is_transport_error(err))
        fprintf(stderr, "mqtls: connection to %s lost while %s: %s%s\n", ep, doing, mqtls_strerror(err),
                os_detail(cc, err, detail, sizeof detail));
    else
        fprintf(stderr, "mqtls: error while %s (%s): %s\n", doing, ep, mqtls_strerror(err));
    return cli_exit_code(err);
}

int cli_disconnect(cli_conn_t *cc, mqtls_client_t *c)
{
    mqtls_props_t props;
    mqtls_user_prop_t users[CLI_MAX_PROPS];
    bool any = cli_props_fill(cc->opts, CLI_PROPS_DISCONNECT, &props, users);
    const mqtls_disconnect_opts_t opts = {.props = any ? &props : NULL};
    int32_t rc = mqtls_client_disconnect(c, &opts);
    int code = rc != MQTLS_OK ? cli_fail(cc, "disconnecting", rc) : CLI_EXIT_OK;
    cli_close(cc);
    if (code != CLI_EXIT_OK)
        return code;
    if (cc->opts->debug)
        fprintf(stderr, "mqtls: disconnected\n");
    return CLI_EXIT_OK;
}

/* ---- managed connection (reconnect) ------------------------------------------ */

#define CLI_BACKOFF_BASE_MS 500u
#define CLI_BACKOFF_MAX_MS 30000u
#define CLI_BACKOFF_STABLE_MS 10000u

static int32_t managed_open(void *user, mqtls_transport_t *out, uint32_t timeout_ms)
{
    cli_managed_t *mm = user;
    (void)timeout_ms; /* the options' -timeout is used by cli_open */
    cli_close(&mm->cc);
    int32_t rc = cli_open(&mm->cc, mm->o, mm->c);
    if (rc == MQTLS_OK)
        *out = mm->cc.tr;
    return rc;
}

static uint32_t managed_now(void *user)
{
    (void)user;
    return mqtls_posix_now_ms(NULL);
}

/* xorshift32: jitter needs spread, not secrecy. */
static uint32_t managed_random(void *user)
{
    cli_managed_t *mm = user;
    uint32_t x = mm->rng;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    mm->rng = x;
    return x;
}

/* A signal interrupts the sleep (no SA_RESTART), so SIGINT is seen at once. */
static void managed_sleep(void *user, uint32_t ms)
{
    (void)user;
    struct timespec ts = { .tv_sec = (time_t)(ms / 1000u), .tv_nsec = (long)(ms % 1000u) * 1000000L };
    nanosleep(&ts, NULL);
}

/* The cause of a lost connection or failed attempt, as a short clause. */
static const char *cause_text(const cli_managed_t *mm, int32_t err, char *buf, size_t len)
{
    char detail[600];
    if (err == MQTLS_ERR_SERVER_DISCONNECT || (err == MQTLS_ERR_REFUSED_V5 && mm->o->version == MQTLS_PROTO_V5))
        snprintf(buf, len, "%s: %s", mqtls_strerror(err), cli_reason_text(mm->c, detail, sizeof detail));
    else if (is_tls_error(err))
        snprintf(buf, len, "%s%s", mqtls_strerror(err), tls_detail(&mm->cc, detail, sizeof detail));
    else
        snprintf(buf, len, "%s%s", mqtls_strerror(err), os_detail(&mm->cc, err, detail, sizeof detail));
    return buf;
}

static void managed_gave_up(cli_managed_t *mm, const mqtls_conn_event_t *ev)
{
    char ep[300], why[1400], hint[1600];
    cli_endpoint(mm->o, ep, sizeof ep);
    if (ev->stage == MQTLS_CONN_STAGE_CONNECTED) {
        mm->exit_code = cli_fail(&mm->cc, mm->doing, ev->err); /* --no-reconnect */
    } else if (ev->stage == MQTLS_CONN_STAGE_SUBSCRIBE) {
        mm->exit_code = cli_fail(&mm->cc, "subscribing", ev->err);
    } else if (mqtls_conn_connects(&mm->m) == 0) {
        cli_print_connect_error(&mm->cc, ev->err); /* the first attempt: the usual sentence */
        mm->exit_code = mm->cc.stage == CLI_STAGE_TCP ? CLI_EXIT_CONNECT : cli_exit_code(ev->err);
    } else {
        fprintf(stderr, "mqtls: giving up reconnecting to %s: %s%s\n", ep, cause_text(mm, ev->err, why, sizeof why),
                is_tls_error(ev->err) ? doctor_hint(mm->o, hint, sizeof hint) : "");
        mm->exit_code = mm->cc.stage == CLI_STAGE_TCP ? CLI_EXIT_CONNECT : cli_exit_code(ev->err);
    }
}

static void managed_event(void *user, const mqtls_conn_event_t *ev)
{
    cli_managed_t *mm = user;
    char ep[300], why[1400], hint[1600];
    cli_endpoint(mm->o, ep, sizeof ep);
    switch (ev->type) {
    case MQTLS_CONN_EV_CONNECTED:
        if (mqtls_conn_connects(&mm->m) > 1)
            fprintf(stderr, "mqtls: reconnected to %s (session present: %s%s)\n", ep,
                    ev->session_present ? "yes" : "no", ev->resubscribed ? ", subscribed again" : "");
        else if (mm->o->debug)
            fprintf(stderr, "mqtls: connected, session present: %s\n", ev->session_present ? "yes" : "no");
        if (mm->o->debug && mm->o->version == MQTLS_PROTO_V5)
            print_caps(mm->c);
        if (mm->on_connected != NULL)
            mm->on_connected(mm, ev);
        break;
    case MQTLS_CONN_EV_DISCONNECTED:
        mm->losses++;
        if (mm->on_lost != NULL)
            mm->on_lost(mm, ev->err);
        break;
    case MQTLS_CONN_EV_RECONNECTING:
        if (ev->stage == MQTLS_CONN_STAGE_CONNECTED)
            fprintf(stderr, "mqtls: connection to %s lost (%s); reconnecting in %.1f s%s\n", ep,
                    cause_text(mm, ev->err, why, sizeof why), ev->delay_ms / 1000.0,
                    is_tls_error(ev->err) ? doctor_hint(mm->o, hint, sizeof hint) : "");
        else
            fprintf(stderr, "mqtls: reconnecting to %s failed (%s); next attempt in %.1f s%s\n", ep,
                    cause_text(mm, ev->err, why, sizeof why), ev->delay_ms / 1000.0,
                    is_tls_error(ev->err) ? doctor_hint(mm->o, hint, sizeof hint) : "");
        break;
    case MQTLS_CONN_EV_GAVE_UP:
        managed_gave_up(mm, ev);
        break;
    default:
        break;
    }
}

void cli_managed_init(cli_managed_t *mm, const cli_conn_opts_t *o, mqtls_client_t *c, const char *doing,
                      const mqtls_subscription_t *subs, size_t n, const mqtls_props_t *sub_props, uint8_t *granted)
{
    memset(mm, 0, sizeof *mm);
    mm->o = o;
    mm->c = c;
    mm->doing = doing;
    mm->cc.opts = o;
    mm->cc.client = c;
    mqtls_tcp_init(&mm->cc.tcp);
    mm->rng = (uint32_t)getpid() * 2654435761u ^ mqtls_posix_now_ms(NULL);
    if (mm->rng == 0)
        mm->rng = 1;
    cli_fill_connect(o, &mm->connect);
    mqtls_conn_config_t mc = {
        .client = c, .connect = &mm->connect, .subs = subs, .subs_n = n, .sub_props = sub_props,
        .granted = granted,
        .backoff = { .base_ms = CLI_BACKOFF_BASE_MS, .max_ms = CLI_BACKOFF_MAX_MS,
                     .stable_ms = CLI_BACKOFF_STABLE_MS },
        .on_fatal = MQTLS_CONN_FATAL_STOP, .retry_first = false, .no_reconnect = o->no_reconnect,
        .subscribe_first = true, /* the -t filters may be new to a kept session */
        .open = managed_open, .now_ms = managed_now, .random = managed_random, .sleep_ms = managed_sleep,
        .on_event = managed_event, .user = mm, .timeout_ms = o->timeout_ms,
    };
    (void)mqtls_conn_init(&mm->m, &mc); /* cannot fail: every required hook is set */
}

int32_t cli_managed_run(cli_managed_t *mm, uint32_t timeout_ms)
{
    return mqtls_conn_run(&mm->m, timeout_ms);
}

int cli_managed_close(cli_managed_t *mm)
{
    int code = CLI_EXIT_OK;
    if (mqtls_conn_connected(&mm->m)) {
        code = cli_disconnect(&mm->cc, mm->c);
    } else {
        mqtls_client_abort(mm->c);
    }
    (void)mqtls_conn_stop(&mm->m);
    cli_close(&mm->cc);
    return code;
}

/* ---- misc ------------------------------------------------------------------ */

const char *cli_printable(const char *s, size_t n, char *buf, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20u || ch == 0x7Fu || ch == '\\')
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", (unsigned)ch);
        else
            buf[o++] = (char)ch;
    }
    buf[o < len ? o : len - 1] = '\0';
    return buf;
}

int cli_read_all(const char *path, uint8_t **buf, size_t *len)
{
    bool use_stdin = path == NULL || strcmp(path, "-") == 0;
    FILE *f = use_stdin ? stdin : fopen(path, "rb");
    size_t cap = 0, n = 0;
    uint8_t *b = NULL;
    int err = 0;
    if (f == NULL)
        return -1;
    for (;;) {
        if (n == cap) {
            size_t ncap = cap == 0 ? 65536 : cap * 2;
            uint8_t *nb = realloc(b, ncap);
            if (nb == NULL) {
                err = ENOMEM;
                break;
            }
            b = nb;
            cap = ncap;
        }
        size_t r = fread(b + n, 1, cap - n, f);
        n += r;
        if (r == 0) {
            if (ferror(f))
                err = errno != 0 ? errno : EIO;
            break;
        }
    }
    if (!use_stdin)
        fclose(f);
    if (err != 0) {
        free(b);
        errno = err;
        return -1;
    }
    *buf = b;
    *len = n;
    return 0;
}
