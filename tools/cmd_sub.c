/* SPDX-License-Identifier: MIT
 * mqtls sub: subscribe to topic filters and print the messages. */
/*
 * The flags are mosquitto_sub's: one message per line on stdout, "topic
 * payload" with -v, stop after -C messages or -W seconds.
 *
 * Output is fully buffered and flushed as soon as the connection goes idle:
 * while something is unflushed, the loop is run with a zero timeout, and
 * the first call that delivers nothing flushes. A pipe consumer sees every
 * message as soon as no further one is immediately available, and a flood
 * costs one write per buffer instead of one per message.
 *
 * -C stops printing at the count even if more messages arrived in the same
 * burst; they are acknowledged and dropped, as mosquitto_sub does.
 * A refused subscription (SUBACK 0x80) is a warning while at least one
 * filter was granted, as in mosquitto_sub; when all are refused the command
 * exits 4. SIGINT and SIGTERM disconnect cleanly and exit 0.
 *
 * The connection is kept by the connection manager (mqtls/conn.h, through
 * cli_managed_*): a lost connection is re-established with backoff and the
 * filters subscribed again when the broker lost the session, so a broker
 * restart costs a line on stderr, not the subscriber. The first attempt is
 * not retried (a typo in -h fails at once, as with mosquitto_sub);
 * --no-reconnect makes a loss end the command with exit 2, as before.
 *
 * -F prints each message through a format string, mosquitto_sub's
 * sequences (a subset: no field widths, no JSON), including the MQTT 5
 * properties (%A %C %D %E %F %P %R %S), so scripts written for
 * mosquitto_sub -F keep working. MQTT 5 subscription options (--nl,
 * --retain-as-published, --retain-handling) apply to every -t filter.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "common.h"
#include "term.h"
#include "mqtls/topic.h"

#define SUB_RX_LEN (1024u * 1024u)  /* default --rx-buffer: larger messages are skipped */
#define SUB_RX_MIN 64u
#define SUB_RX_MAX (268435455u + 5u) /* the largest MQTT packet */
/*
 * Incoming QoS 2 ids awaiting PUBREL. MQTT 3.1.1 cannot bound them, and
 * mosquitto sends new PUBLISHes ahead of the PUBRELs of earlier ones: under
 * load a subscriber was measured holding 38 282 ids at once. So the client
 * gets the 8 KiB bitmap (a bit for every possible id, so INBOUND_FULL cannot
 * happen and each check is constant time) rather than an id array.
 */
#define SUB_LOOP_MS 1000u           /* longest loop wait: signals are noticed this fast */
#define SUB_OUT_BUF (64u * 1024u)

enum {
    OPT_TOPIC = 1, OPT_QOS, OPT_COUNT, OPT_VERBOSE, OPT_TIMEOUT, OPT_NO_NEWLINE, OPT_NO_STALE, OPT_FORMAT,
    OPT_NO_LOCAL, OPT_RAP, OPT_RETAIN_HANDLING, OPT_FILTER_OUT, OPT_UNSUBSCRIBE, OPT_EXIT_SUBSCRIBED,
    OPT_REMOVE_RETAINED, OPT_RETAINED_ONLY, OPT_RX_BUFFER, OPT_PRETTY
};

#define SUB_ALIASES 16u        /* inbound topic aliases we accept (MQTT 5) */
#define SUB_ALIAS_TOPIC 512u   /* longest topic an alias can stand for */

static const cli_opt_t sub_opts[] = {
    { 't', "topic", true, OPT_TOPIC },
    { 'q', "qos", true, OPT_QOS },
    { 'C', "count", true, OPT_COUNT },
    { 'v', "verbose", false, OPT_VERBOSE },
    { 'W', "timeout", true, OPT_TIMEOUT },
    { 'N', "no-newline", false, OPT_NO_NEWLINE },
    { 'R', "no-stale", false, OPT_NO_STALE },
    { 'F', "format", true, OPT_FORMAT },
    { 0, "nl", false, OPT_NO_LOCAL },
    { 0, "no-local", false, OPT_NO_LOCAL },
    { 0, "retain-as-published", false, OPT_RAP },
    { 0, "retain-handling", true, OPT_RETAIN_HANDLING },
    { 'T', "filter-out", true, OPT_FILTER_OUT },
    { 'U', "unsubscribe", true, OPT_UNSUBSCRIBE },
    { 'E', "exit-subscribed", false, OPT_EXIT_SUBSCRIBED },
    { 0, "remove-retained", false, OPT_REMOVE_RETAINED },
    { 0, "retained-only", false, OPT_RETAINED_ONLY },
    { 0, "rx-buffer", true, OPT_RX_BUFFER },
    { 0, "pretty", false, OPT_PRETTY },
    { 0, NULL, false, 0 }
};

static const char sub_help_head[] =
    "Usage: mqtls sub -t FILTER [-t FILTER ...] [options]\n"
    "Subscribe to topic filters on an MQTT 3.1.1 or (with -V 5) MQTT 5 broker and\n"
    "print the messages, one per line.\n"
    "\n"
    "Subscription and output:\n"
    "  -t, --topic FILTER     topic filter to subscribe to (repeatable, at least one)\n"
    "  -q, --qos QOS          maximum QoS to subscribe with: 0, 1 or 2 (default: 0)\n"
    "  -C, --count N          exit after receiving N messages\n"
    "  -W, --timeout SECS     exit after SECS seconds (exit 4 if -C was given and\n"
    "                         fewer than N messages arrived, else 0)\n"
    "  -v, --verbose          print 'topic payload' instead of the payload only\n"
    "  -N, --no-newline       do not print a newline after each payload\n"
    "  -R, --no-stale         do not print stale retained messages (retain flag set)\n"
    "  -T, --filter-out FILTER  do not print messages whose topic matches FILTER\n"
    "                         (repeatable)\n"
    "  -U, --unsubscribe FILTER unsubscribe from FILTER after connecting (repeatable;\n"
    "                         with -c it removes it from the kept session; without -t,\n"
    "                         exit once done)\n"
    "  -E, --exit-subscribed  exit once the subscriptions are acknowledged\n"
    "      --remove-retained  clear every retained message received (publish an empty\n"
    "                         retained message to its topic)\n"
    "      --retained-only    print only retained messages; exit at the first that is not\n"
    "      --pretty           %j prints indented JSON over several lines\n"
    "      --rx-buffer SIZE   receive buffer: larger messages are skipped with a warning\n"
    "                         (bytes, or with K or M; default: 1M)\n"
    "  -F, --format FMT       print each message as FMT (mosquitto_sub's -F):\n"
    "                         %t topic  %p payload  %l length  %q QoS  %r retain\n"
    "                         %m packet id  %x/%X payload in hex  %I ISO-8601 time\n"
    "                         %U Unix time; MQTT 5: %A topic alias  %C content type\n"
    "                         %D correlation data  %E message expiry  %F payload format\n"
    "                         %P user properties (name:value ...)  %R response topic\n"
    "                         %S subscription identifiers; %j the message as JSON\n"
    "                         (tst, topic, qos, retain, payloadlen, mid, payload);\n"
    "                         %% a '%'; @X strftime %X;\n"
    "                         \\n \\t \\\\ \\0 ... escapes. No field widths.\n"
    "MQTT 5 (-V 5) subscription options, for every -t:\n"
    "      --nl, --no-local   do not receive messages this client id published\n"
    "      --retain-as-published\n"
    "                         keep the retain flag as the publisher set it\n"
    "      --retain-handling N\n"
    "                         0 send retained messages (default), 1 only for a new\n"
    "                         subscription, 2 never\n"
    "  -D subscribe subscription-identifier N   tag the messages (print with %S)\n"
    "With -c, the session (subscriptions and queued QoS 1/2 messages) survives\n"
    "between runs with the same -i. Messages larger than --rx-buffer are skipped\n"
    "with a warning. A lost connection is re-established with backoff (one line on\n"
    "stderr each time; subscribed again if the broker lost the session) unless\n"
    "--no-reconnect is given.\n"
    "\n";

typedef struct {
    cli_conn_opts_t conn;
    const char **topics;
    size_t ntopics;
    uint8_t qos;
    long count;     /* 0: no limit */
    long timeout_s; /* 0: none */
    bool verbose, no_newline, no_stale;
    const char *format; /* -F */
    bool no_local, rap;
    uint8_t retain_handling;
    const char **filter_out; /* -T */
    size_t nfilter_out;
    const char **unsubs;     /* -U */
    size_t nunsubs;
    bool exit_subscribed, remove_retained, retained_only, pretty;
    size_t rx_len;           /* --rx-buffer */
} sub_opts_t;

typedef struct {
    const sub_opts_t *o;
    mqtls_client_t *c;      /* --remove-retained publishes from on_message */
    long received;
    unsigned long printed;
    bool done;
    bool wrote;
} sub_state_t;

static volatile sig_atomic_t stop_requested;

/* ---- options ---------------------------------------------------------------- */

/* --rx-buffer 65536, 64K, 16M */
static int rx_buffer_opt(sub_opts_t *o, const char *arg)
{
    char num[32];
    size_t n = strlen(arg), mult = 1;
    if (n > 0 && n < sizeof num && (arg[n - 1] == 'K' || arg[n - 1] == 'k' || arg[n - 1] == 'M' || arg[n - 1] == 'm')) {
        mult = arg[n - 1] == 'K' || arg[n - 1] == 'k' ? 1024u : 1024u * 1024u;
        n--;
    }
    long v = 0;
    if (n == 0 || n >= sizeof num)
        return cli_usage_error("sub", "--rx-buffer needs a size in bytes (or with K or M), not '%s'", arg);
    memcpy(num, arg, n);
    num[n] = '\0';
    if (!cli_parse_long(num, 1, (long)(SUB_RX_MAX / mult), &v) || (size_t)v * mult < SUB_RX_MIN)
        return cli_usage_error("sub", "--rx-buffer needs a size from %u bytes to 256M, not '%s'", SUB_RX_MIN, arg);
    o->rx_len = (size_t)v * mult;
    return 0;
}

static int sub_opt(void *ctx, int id, const char *arg)
{
    sub_opts_t *o = ctx;
    long v = 0;
    switch (id) {
    case OPT_TOPIC: o->topics[o->ntopics++] = arg; return 0;
    case OPT_QOS:
        if (!cli_parse_long(arg, 0, 2, &v))
            return cli_usage_error("sub", "-q needs a QoS of 0, 1 or 2, not '%s'", arg);
        o->qos = (uint8_t)v;
        return 0;
    case OPT_COUNT:
        if (!cli_parse_long(arg, 1, 2147483647L, &o->count))
            return cli_usage_error("sub", "-C needs a positive number of messages, not '%s'", arg);
        return 0;
    case OPT_TIMEOUT:
        if (!cli_parse_long(arg, 1, 2000000L, &o->timeout_s))
            return cli_usage_error("sub", "-W needs a positive number of seconds, not '%s'", arg);
        return 0;
    case OPT_VERBOSE: o->verbose = true; return 0;
    case OPT_NO_NEWLINE: o->no_newline = true; return 0;
    case OPT_NO_STALE: o->no_stale = true; return 0;
    case OPT_FORMAT: o->format = arg; return 0;
    case OPT_NO_LOCAL: o->no_local = true; return 0;
    case OPT_RAP: o->rap = true; return 0;
    case OPT_FILTER_OUT: o->filter_out[o->nfilter_out++] = arg; return 0;
    case OPT_UNSUBSCRIBE: o->unsubs[o->nunsubs++] = arg; return 0;
    case OPT_EXIT_SUBSCRIBED: o->exit_subscribed = true; return 0;
    case OPT_REMOVE_RETAINED: o->remove_retained = true; return 0;
    case OPT_RETAINED_ONLY: o->retained_only = true; return 0;
    case OPT_PRETTY: o->pretty = true; return 0;
    case OPT_RX_BUFFER: return rx_buffer_opt(o, arg);
    case OPT_RETAIN_HANDLING:
        if (!cli_parse_long(arg, 0, 2, &v))
            return cli_usage_error("sub", "--retain-handling needs 0, 1 or 2, not '%s'", arg);
        o->retain_handling = (uint8_t)v;
        return 0;
    default: return CLI_EXIT_USAGE;
    }
}

static int check_filters(const char *flag, const char **f, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int32_t rc = mqtls_topic_validate_filter(f[i], strlen(f[i]));
        if (rc != MQTLS_OK)
            return cli_usage_error("sub", "bad %s filter '%s': %s", flag, f[i], mqtls_strerror(rc));
    }
    return 0;
}

static int sub_check(sub_opts_t *o)
{
    if (o->conn.url_topic != NULL)
        o->topics[o->ntopics++] = o->conn.url_topic; /* -L ...://host/TOPIC */
    if (o->ntopics == 0 && o->nunsubs == 0)
        return cli_usage_error("sub", "at least one topic filter is needed: -t FILTER");
    if (o->rx_len == 0)
        o->rx_len = SUB_RX_LEN;
    if (check_filters("-T", o->filter_out, o->nfilter_out) != 0 || check_filters("-U", o->unsubs, o->nunsubs) != 0)
        return CLI_EXIT_USAGE;
    if ((o->no_local || o->rap || o->retain_handling != 0) && o->conn.version != MQTLS_PROTO_V5)
        return cli_usage_error("sub", "--nl, --retain-as-published and --retain-handling are MQTT 5 options: "
                               "add -V 5");
    for (size_t i = 0; i < o->ntopics; i++) {
        int32_t rc = mqtls_topic_validate_filter(o->topics[i], strlen(o->topics[i]));
        if (rc != MQTLS_OK)
            return cli_usage_error("sub", "bad topic filter '%s': %s", o->topics[i], mqtls_strerror(rc));
    }
    return cli_conn_opts_finish(&o->conn);
}

/* ---- messages ----------------------------------------------------------------- */

/* ---- -F: formatted output ------------------------------------------------------- */

static void put_hex(const uint8_t *p, size_t n, bool upper)
{
    for (size_t i = 0; i < n; i++)
        printf(upper ? "%02X" : "%02x", (unsigned)p[i]);
}

static void put_bytes(const mqtls_props_t *pr, int id, const mqtls_bytes_t *b)
{
    if (pr != NULL && (pr->present & MQTLS_PROP_BIT(id)) != 0u)
        fwrite(b->data, 1, b->len, stdout);
}

static void put_num(const mqtls_props_t *pr, int id, unsigned long v)
{
    if (pr != NULL && (pr->present & MQTLS_PROP_BIT(id)) != 0u)
        printf("%lu", v);
}

/* Every property `id` of the message, as name:value (user) or the number (ids). */
static void put_repeated(const mqtls_props_t *pr, int id)
{
    mqtls_prop_cursor_t cur;
    mqtls_prop_t p;
    bool first = true;
    if (pr == NULL)
        return;
    mqtls_props_begin(&cur, pr);
    while (mqtls_props_next(&cur, &p) > 0) {
        if (p.id != id)
            continue;
        if (!first)
            putchar(id == MQTLS_PROP_USER ? ' ' : ',');
        first = false;
        if (id == MQTLS_PROP_USER) {
            term_write(stdout, p.str.data, p.str.len);
            putchar(':');
            term_write(stdout, p.value.data, p.value.len);
        } else {
            printf("%lu", (unsigned long)p.num);
        }
    }
}

static void put_time(char conv)
{
    struct timeval tv;
    struct tm tm;
    char buf[128], fmt[3] = { '%', conv, '\0' };
    gettimeofday(&tv, NULL);
    localtime_r(&tv.tv_sec, &tm);
    if (conv == 'N') {
        printf("%09ld", (long)tv.tv_usec * 1000L);
        return;
    }
    /* @X is strftime's %X, whatever X the user wrote: the format cannot be a literal. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    size_t n = strftime(buf, sizeof buf, conv == 'I' ? "%Y-%m-%dT%H:%M:%S%z" : fmt, &tm);
#pragma GCC diagnostic pop
    fwrite(buf, 1, n, stdout);
}

static void put_escape(char e)
{
    static const char from[] = "\\0aenrtv", to[] = "\\\0\a\033\n\r\t\v";
    const char *k = e != '\0' ? strchr(from, e) : NULL;
    if (k != NULL) {
        putchar(to[k - from]);
    } else {
        putchar('\\');
        if (e != '\0')
            putchar(e);
    }
}

/* A JSON string: quotes, backslash and control characters escaped; bytes of
 * a payload that is not UTF-8 as \u00XX, so the output is always JSON. */
static void put_json_string(const uint8_t *p, size_t n)
{
    bool utf8 = mqtls_utf8_check(p, n) == MQTLS_OK;
    putchar('"');
    for (size_t i = 0; i < n; i++) {
        uint8_t ch = p[i];
        if (ch == '"' || ch == '\\')
            printf("\\%c", ch);
        else if (ch < 0x20u || ch == 0x7Fu || (!utf8 && ch >= 0x80u))
            printf("\\u%04x", (unsigned)ch);
        else
            putchar(ch);
    }
    putchar('"');
}

/* %j: mosquitto_sub's JSON object (with --pretty, indented). */
static void put_json(const mqtls_message_t *m, bool pretty)
{
    const char *sep = pretty ? ",\n  " : ",";
    struct timeval tv;
    struct tm tm;
    char t[64];
    gettimeofday(&tv, NULL);
    gmtime_r(&tv.tv_sec, &tm);
    strftime(t, sizeof t, "%Y-%m-%dT%H:%M:%S", &tm);
    printf(pretty ? "{\n  \"tst\": \"%s.%06ldZ\"" : "{\"tst\":\"%s.%06ldZ\"", t, (long)tv.tv_usec);
    printf("%s\"topic\":%s", sep, pretty ? " " : "");
    put_json_string((const uint8_t *)m->topic, m->topic_len);
    printf("%s\"qos\":%s%u%s\"retain\":%s%d", sep, pretty ? " " : "", (unsigned)m->qos, sep, pretty ? " " : "",
           m->retain ? 1 : 0);
    printf("%s\"payloadlen\":%s%zu", sep, pretty ? " " : "", m->payload_len);
    if (m->qos > 0)
        printf("%s\"mid\":%s%u", sep, pretty ? " " : "", (unsigned)m->packet_id);
    printf("%s\"payload\":%s", sep, pretty ? " " : "");
    put_json_string(m->payload, m->payload_len);
    fputs(pretty ? "\n}" : "}", stdout);
}

static void print_formatted(const char *f, const mqtls_message_t *m, bool pretty)
{
    const mqtls_props_t *pr = m->props;
    for (; *f != '\0'; f++) {
        if (*f == '\\') {
            put_escape(f[1]);
            if (f[1] != '\0')
                f++;
            continue;
        }
        if (*f == '@' && f[1] != '\0') {
            if (f[1] == '@')
                putchar('@');
            else
                put_time(f[1]);
            f++;
            continue;
        }
        if (*f != '%' || f[1] == '\0') {
            putchar(*f);
            continue;
        }
        switch (*++f) {
        case '%': putchar('%'); break;
        case 't': fwrite(m->topic, 1, m->topic_len, stdout); break;
        case 'p': fwrite(m->payload, 1, m->payload_len, stdout); break;
        case 'x': put_hex(m->payload, m->payload_len, false); break;
        case 'X': put_hex(m->payload, m->payload_len, true); break;
        case 'l': printf("%zu", m->payload_len); break;
        case 'q': printf("%u", (unsigned)m->qos); break;
        case 'r': putchar(m->retain ? '1' : '0'); break;
        case 'm': printf("%u", (unsigned)m->packet_id); break;
        case 'I': put_time('I'); break;
        case 'j': put_json(m, pretty); break;
        case 'U': {
            struct timeval tv;
            gettimeofday(&tv, NULL);
            printf("%ld.%09ld", (long)tv.tv_sec, (long)tv.tv_usec * 1000L);
            break;
        }
        case 'A': put_num(pr, MQTLS_PROP_TOPIC_ALIAS, pr != NULL ? pr->topic_alias : 0); break;
        case 'C': put_bytes(pr, MQTLS_PROP_CONTENT_TYPE, pr != NULL ? &pr->content_type : NULL); break;
        case 'D': put_bytes(pr, MQTLS_PROP_CORRELATION_DATA, pr != NULL ? &pr->correlation_data : NULL); break;
        case 'E': put_num(pr, MQTLS_PROP_MESSAGE_EXPIRY, pr != NULL ? pr->message_expiry : 0); break;
        case 'F': put_num(pr, MQTLS_PROP_PAYLOAD_FORMAT, pr != NULL ? pr->payload_format : 0); break;
        case 'P': put_repeated(pr, MQTLS_PROP_USER); break;
        case 'R': put_bytes(pr, MQTLS_PROP_RESPONSE_TOPIC, pr != NULL ? &pr->response_topic : NULL); break;
        case 'S': put_repeated(pr, MQTLS_PROP_SUBSCRIPTION_ID); break;
        default: putchar('%'); putchar(*f); break; /* unknown: printed as is */
        }
    }
}

static void on_message(void *user, const mqtls_message_t *m)
{
    sub_state_t *s = user;
    const sub_opts_t *o = s->o;
    if (s->done || (o->no_stale && m->retain))
        return;
    if (o->retained_only && !m->retain) {
        s->done = true; /* mosquitto_sub: the first message that is not retained ends the run */
        return;
    }
    if (o->remove_retained && m->retain && m->payload_len > 0) {
        mqtls_publish_t clear = { .topic = m->topic, .topic_len = m->topic_len, .retain = true };
        int32_t rc = mqtls_client_publish(s->c, &clear, NULL);
        if (rc != MQTLS_OK) {
            char t[512];
            fprintf(stderr, "mqtls: warning: could not clear the retained message of '%s': %s\n",
                    cli_printable(m->topic, m->topic_len, t, sizeof t), mqtls_strerror(rc));
        }
    }
    for (size_t i = 0; i < o->nfilter_out; i++)
        if (mqtls_topic_matches(o->filter_out[i], strlen(o->filter_out[i]), m->topic, m->topic_len))
            return;
    if (o->format != NULL) {
        print_formatted(o->format, m, o->pretty);
    } else if (o->verbose) {
        fwrite(m->topic, 1, m->topic_len, stdout);
        putchar(' ');
    }
    if (o->format == NULL)
        fwrite(m->payload, 1, m->payload_len, stdout);
    if (!o->no_newline)
        putchar('\n');
    s->wrote = true;
    s->printed++;
    if (o->count > 0 && ++s->received >= o->count)
        s->done = true;
}

static void flush_output(sub_state_t *s)
{
    if (s->wrote) {
        fflush(stdout);
        s->wrote = false;
    }
}

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* ---- subscribing ------------------------------------------------------------------ */

/* The manager's run: options, state, the subscriptions it makes again. */
typedef struct {
    cli_managed_t mm;
    const sub_opts_t *o;
    sub_state_t *s;
    mqtls_subscription_t *subs;
    uint8_t *granted;
    mqtls_props_t props;
    mqtls_user_prop_t users[CLI_MAX_PROPS];
    bool all_refused;
} sub_run_t;

static bool subs_build(sub_run_t *r)
{
    const sub_opts_t *o = r->o;
    r->subs = calloc(o->ntopics + 1u, sizeof *r->subs); /* -U alone: none */
    r->granted = calloc(o->ntopics + 1u, 1);
    if (r->subs == NULL || r->granted == NULL)
        return false;
    for (size_t i = 0; i < o->ntopics; i++) {
        r->subs[i].filter = o->topics[i];
        r->subs[i].filter_len = strlen(o->topics[i]);
        r->subs[i].qos = o->qos;
        r->subs[i].no_local = o->no_local;
        r->subs[i].retain_as_published = o->rap;
        r->subs[i].retain_handling = o->retain_handling;
    }
    return true;
}

/* -U: once, after the first connect. */
static void unsubscribe(sub_run_t *r)
{
    const sub_opts_t *o = r->o;
    mqtls_subscription_t *u = calloc(o->nunsubs, sizeof *u);
    if (u == NULL)
        return;
    for (size_t i = 0; i < o->nunsubs; i++) {
        u[i].filter = o->unsubs[i];
        u[i].filter_len = strlen(o->unsubs[i]);
    }
    int32_t rc = mqtls_client_unsubscribe(r->mm.c, u, o->nunsubs, NULL, NULL, o->conn.timeout_ms);
    if (rc != MQTLS_OK)
        fprintf(stderr, "mqtls: warning: unsubscribing failed: %s\n", mqtls_strerror(rc));
    else if (o->conn.debug)
        fprintf(stderr, "mqtls: unsubscribed from %zu filter(s)\n", o->nunsubs);
    free(u);
}

/* After each SUBACK: warn about refused filters; all refused ends the run. */
static void on_connected(cli_managed_t *mm, const mqtls_conn_event_t *ev)
{
    sub_run_t *r = mm->user;
    const sub_opts_t *o = r->o;
    if (o->nunsubs > 0 && mqtls_conn_connects(&mm->m) == 1)
        unsubscribe(r);
    if (o->ntopics == 0 || (o->exit_subscribed && ev->resubscribed))
        r->s->done = true; /* -U only, or -E: done once acknowledged */
    if (!ev->resubscribed)
        return;
    size_t refused = 0;
    for (size_t i = 0; i < o->ntopics; i++) {
        uint8_t g = r->granted[i];
        if (g >= 0x80u) {
            refused++;
            if (o->conn.version == MQTLS_PROTO_V5)
                fprintf(stderr, "mqtls: warning: the broker refused the subscription to '%s': %s (0x%02X)\n",
                        o->topics[i], mqtls_reason_string(g), (unsigned)g);
            else
                fprintf(stderr, "mqtls: warning: the broker refused the subscription to '%s'\n", o->topics[i]);
        } else if (o->conn.debug) {
            fprintf(stderr, "mqtls: subscribed to '%s' with QoS %u\n", o->topics[i], (unsigned)g);
        }
    }
    if (refused == o->ntopics) {
        fprintf(stderr, "mqtls: the broker refused every subscription; nothing to wait for\n");
        r->all_refused = true;
    }
}

/* ---- the receive loop ------------------------------------------------------------- */

static int timed_out(const sub_opts_t *o, const sub_state_t *s)
{
    if (o->count > 0 && s->received < o->count) {
        fprintf(stderr, "mqtls: timed out after %ld s: received %ld of %ld messages\n", o->timeout_s,
                s->received, o->count);
        return CLI_EXIT_PROTOCOL;
    }
    return CLI_EXIT_OK;
}

/* One manager step; flushes stdout once no message is immediately available. */
static int32_t loop_once(sub_run_t *r, uint32_t wait)
{
    sub_state_t *s = r->s;
    if (!s->wrote)
        return cli_managed_run(&r->mm, wait);
    unsigned long before = s->printed;
    int32_t rc = cli_managed_run(&r->mm, 0);
    if (s->printed == before)
        flush_output(s);
    return rc;
}

/* Run until -C messages, -W seconds, a signal, or the manager gives up. */
static int receive(sub_run_t *r)
{
    const sub_opts_t *o = r->o;
    sub_state_t *s = r->s;
    uint32_t start = mqtls_posix_now_ms(NULL);
    uint32_t limit = (uint32_t)o->timeout_s * 1000u;
    while (!s->done && !stop_requested) {
        uint32_t wait = SUB_LOOP_MS;
        if (o->timeout_s > 0) {
            uint32_t spent = mqtls_posix_now_ms(NULL) - start;
            if (spent >= limit)
                return timed_out(o, s);
            if (limit - spent < wait)
                wait = limit - spent;
        }
        int32_t rc = loop_once(r, wait);
        if (mqtls_conn_stopped(&r->mm.m))
            return r->mm.exit_code;
        if (r->all_refused)
            return CLI_EXIT_PROTOCOL;
        if (rc == MQTLS_ERR_MESSAGE_TOO_LARGE)
            fprintf(stderr, "mqtls: warning: skipped a message larger than the %zu-byte receive buffer "
                            "(--rx-buffer)\n", o->rx_len);
    }
    return CLI_EXIT_OK;
}

/* The client's memory: TX for CONNECT and SUBSCRIBE, RX for the largest message. */
typedef struct {
    uint8_t *tx, *rx;
    uint8_t *in_bitmap;
    uint8_t *alias;
    size_t tx_len;
} sub_bufs_t;

static bool sub_alloc(sub_bufs_t *b, const sub_opts_t *o)
{
    size_t sub_need = 16;
    for (size_t i = 0; i < o->ntopics; i++)
        sub_need += strlen(o->topics[i]) + 3u;
    if (o->conn.version == MQTLS_PROTO_V5) {
        mqtls_props_t props;
        mqtls_user_prop_t users[CLI_MAX_PROPS];
        bool any = cli_props_fill(&o->conn, CLI_PROPS_SUBSCRIBE, &props, users);
        int32_t pn = mqtls_props_encode(NULL, 0, MQTLS_PKT_SUBSCRIBE, any ? &props : NULL);
        sub_need += pn > 0 ? (size_t)pn : 0u;
    }
    size_t conn_need = cli_connect_size(&o->conn);
    b->tx_len = 256u + (sub_need > conn_need ? sub_need : conn_need);
    if (o->remove_retained)
        b->tx_len += 65535u + 8u; /* the empty retained PUBLISH for any topic we may receive */
    b->tx = malloc(b->tx_len);
    b->rx = malloc(o->rx_len);
    b->in_bitmap = malloc(MQTLS_INBOUND_BITMAP_SIZE);
    b->alias = malloc(SUB_ALIASES * MQTLS_ALIAS_IN_SLOT(SUB_ALIAS_TOPIC));
    return b->tx != NULL && b->rx != NULL && b->in_bitmap != NULL && b->alias != NULL;
}

static void sub_free(sub_bufs_t *b)
{
    free(b->tx);
    free(b->rx);
    free(b->in_bitmap);
    free(b->alias);
}

/* Connect, subscribe, receive (reconnecting), disconnect. */
static int sub_session(mqtls_client_t *c, const sub_opts_t *o, sub_state_t *s)
{
    sub_run_t *r = calloc(1, sizeof *r);
    if (r == NULL)
        return CLI_EXIT_USAGE;
    r->o = o;
    r->s = s;
    int code = CLI_EXIT_USAGE;
    if (!subs_build(r)) {
        fprintf(stderr, "mqtls sub: out of memory\n");
    } else {
        bool any = cli_props_fill(&o->conn, CLI_PROPS_SUBSCRIBE, &r->props, r->users);
        cli_managed_init(&r->mm, &o->conn, c, "waiting for messages", r->subs, o->ntopics, any ? &r->props : NULL,
                         r->granted);
        r->mm.on_connected = on_connected;
        r->mm.user = r;
        code = receive(r);
        flush_output(s);
        if (code == CLI_EXIT_OK && o->remove_retained && o->ntopics > 0 && mqtls_conn_connected(&r->mm.m))
            /* The broker reads our clears in order: once it acknowledges an
             * UNSUBSCRIBE sent after them, every clear was applied. Closing
             * right away could have the broker fail writing their echo back
             * to us (EPIPE) and drop the connection before reading the rest. */
            (void)mqtls_client_unsubscribe(c, r->subs, o->ntopics, NULL, NULL, o->conn.timeout_ms);
        if (code == CLI_EXIT_OK)
            code = cli_managed_close(&r->mm);
        else
            (void)cli_managed_close(&r->mm);
    }
    free(r->subs);
    free(r->granted);
    free(r);
    return code;
}

static int sub_run(const sub_opts_t *o)
{
    static char out_buf[SUB_OUT_BUF];
    sub_state_t s = { .o = o };
    sub_bufs_t b;
    mqtls_client_t c;
    int code = CLI_EXIT_USAGE;
    memset(&b, 0, sizeof b);
    if (!sub_alloc(&b, o)) {
        fprintf(stderr, "mqtls sub: out of memory\n");
    } else {
        mqtls_client_config_t cfg = { .tx_buf = b.tx, .tx_len = b.tx_len, .rx_buf = b.rx,
                                      .rx_len = o->rx_len, .inbound_bitmap = b.in_bitmap,
                                      .alias_in = b.alias,
                                      .alias_in_len = SUB_ALIASES * MQTLS_ALIAS_IN_SLOT(SUB_ALIAS_TOPIC),
                                      .alias_in_count = SUB_ALIASES,
                                      .now_ms = mqtls_posix_now_ms,
                                      .on_message = on_message, .user = &s };
        if (mqtls_client_init(&c, &cfg) != MQTLS_OK) {
            fprintf(stderr, "mqtls sub: internal error: the client rejected its configuration\n");
            code = CLI_EXIT_PROTOCOL;
        } else {
            setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
            catch_signals();
            s.c = &c;
            code = sub_session(&c, o, &s);
        }
    }
    fflush(stdout);
    sub_free(&b);
    return code;
}

/* ---- entry point ------------------------------------------------------------------ */

static void sub_print_help(void)
{
    fputs(sub_help_head, stdout);
    fputs(cli_conn_help, stdout);
    fputs("\n", stdout);
    fputs(cli_exit_help, stdout);
}

int cmd_sub(int argc, char **argv)
{
    sub_opts_t o;
    bool help = false;
    memset(&o, 0, sizeof o);
    cli_conn_opts_init(&o.conn, "sub");
    o.topics = calloc((size_t)argc, sizeof *o.topics); /* never more -t than arguments */
    o.filter_out = calloc((size_t)argc, sizeof *o.filter_out);
    o.unsubs = calloc((size_t)argc, sizeof *o.unsubs);
    if (o.topics == NULL || o.filter_out == NULL || o.unsubs == NULL) {
        fprintf(stderr, "mqtls sub: out of memory\n");
        free(o.topics);
        free(o.filter_out);
        free(o.unsubs);
        return CLI_EXIT_USAGE;
    }
    int code = cli_parse(argc, argv, sub_opts, sub_opt, &o, &o.conn, sub_print_help, &help);
    if (code == 0 && !help)
        code = sub_check(&o);
    if (code == 0 && !help)
        code = sub_run(&o);
    free(o.topics);
    free(o.filter_out);
    free(o.unsubs);
    return code;
}
