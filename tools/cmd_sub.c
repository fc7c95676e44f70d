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
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "mqtls/topic.h"

#define SUB_RX_LEN (1024u * 1024u)  /* largest message printed; larger ones are skipped */
/*
 * Incoming QoS 2 ids awaiting PUBREL. MQTT 3.1.1 cannot bound them, and
 * mosquitto sends new PUBLISHes ahead of the PUBRELs of earlier ones: under
 * load a subscriber was measured holding 38 282 ids at once. So the client
 * gets the 8 KiB bitmap (a bit for every possible id, so INBOUND_FULL cannot
 * happen and each check is constant time) rather than an id array.
 */
#define SUB_LOOP_MS 1000u           /* longest loop wait: signals are noticed this fast */
#define SUB_OUT_BUF (64u * 1024u)

enum { OPT_TOPIC = 1, OPT_QOS, OPT_COUNT, OPT_VERBOSE, OPT_TIMEOUT, OPT_NO_NEWLINE, OPT_NO_STALE };

static const cli_opt_t sub_opts[] = {
    { 't', "topic", true, OPT_TOPIC },
    { 'q', "qos", true, OPT_QOS },
    { 'C', "count", true, OPT_COUNT },
    { 'v', "verbose", false, OPT_VERBOSE },
    { 'W', "timeout", true, OPT_TIMEOUT },
    { 'N', "no-newline", false, OPT_NO_NEWLINE },
    { 'R', "no-stale", false, OPT_NO_STALE },
    { 0, NULL, false, 0 }
};

static const char sub_help_head[] =
    "Usage: mqtls sub -t FILTER [-t FILTER ...] [options]\n"
    "Subscribe to topic filters on an MQTT 3.1.1 broker and print the messages,\n"
    "one per line.\n"
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
    "With -c, the session (subscriptions and queued QoS 1/2 messages) survives\n"
    "between runs with the same -i. Messages larger than 1 MiB are skipped with a\n"
    "warning.\n"
    "\n";

typedef struct {
    cli_conn_opts_t conn;
    const char **topics;
    size_t ntopics;
    uint8_t qos;
    long count;     /* 0: no limit */
    long timeout_s; /* 0: none */
    bool verbose, no_newline, no_stale;
} sub_opts_t;

typedef struct {
    const sub_opts_t *o;
    long received;
    unsigned long printed;
    bool done;
    bool wrote;
} sub_state_t;

static volatile sig_atomic_t stop_requested;

/* ---- options ---------------------------------------------------------------- */

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
    default: return CLI_EXIT_USAGE;
    }
}

static int sub_check(sub_opts_t *o)
{
    if (o->ntopics == 0)
        return cli_usage_error("sub", "at least one topic filter is needed: -t FILTER");
    for (size_t i = 0; i < o->ntopics; i++) {
        int32_t rc = mqtls_topic_validate_filter(o->topics[i], strlen(o->topics[i]));
        if (rc != MQTLS_OK)
            return cli_usage_error("sub", "bad topic filter '%s': %s", o->topics[i], mqtls_strerror(rc));
    }
    return cli_conn_opts_finish(&o->conn);
}

/* ---- messages ----------------------------------------------------------------- */

static void on_message(void *user, const mqtls_message_t *m)
{
    sub_state_t *s = user;
    const sub_opts_t *o = s->o;
    if (s->done || (o->no_stale && m->retain))
        return;
    if (o->verbose) {
        fwrite(m->topic, 1, m->topic_len, stdout);
        putchar(' ');
    }
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

static int subscribe(mqtls_client_t *c, const cli_conn_t *cc, const sub_opts_t *o)
{
    mqtls_subscription_t *subs = calloc(o->ntopics, sizeof *subs);
    uint8_t *granted = calloc(o->ntopics, 1);
    int code = CLI_EXIT_OK;
    if (subs == NULL || granted == NULL) {
        fprintf(stderr, "mqtls sub: out of memory\n");
        code = CLI_EXIT_USAGE;
        goto out;
    }
    for (size_t i = 0; i < o->ntopics; i++) {
        subs[i].filter = o->topics[i];
        subs[i].filter_len = strlen(o->topics[i]);
        subs[i].qos = o->qos;
    }
    int32_t rc = mqtls_client_subscribe(c, subs, o->ntopics, granted, o->conn.timeout_ms);
    if (rc != MQTLS_OK && rc != MQTLS_ERR_SUBSCRIBE_REFUSED) {
        code = cli_fail(cc, "subscribing", rc);
        goto out;
    }
    size_t refused = 0;
    for (size_t i = 0; i < o->ntopics; i++) {
        if (granted[i] == 0x80u) {
            refused++;
            fprintf(stderr, "mqtls: warning: the broker refused the subscription to '%s'\n", o->topics[i]);
        } else if (o->conn.debug) {
            fprintf(stderr, "mqtls: subscribed to '%s' with QoS %u\n", o->topics[i], (unsigned)granted[i]);
        }
    }
    if (refused == o->ntopics) {
        fprintf(stderr, "mqtls: the broker refused every subscription; nothing to wait for\n");
        code = CLI_EXIT_PROTOCOL;
    }
out:
    free(subs);
    free(granted);
    return code;
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

/* One loop call; flushes stdout once no message is immediately available. */
static int32_t loop_once(mqtls_client_t *c, sub_state_t *s, uint32_t wait)
{
    if (!s->wrote)
        return mqtls_client_loop(c, wait);
    unsigned long before = s->printed;
    int32_t rc = mqtls_client_loop(c, 0);
    if (s->printed == before)
        flush_output(s);
    return rc;
}

/* Run until -C messages, -W seconds, a signal, or an error. */
static int receive(mqtls_client_t *c, const cli_conn_t *cc, const sub_opts_t *o, sub_state_t *s)
{
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
        int32_t rc = loop_once(c, s, wait);
        if (rc == MQTLS_ERR_MESSAGE_TOO_LARGE) {
            fprintf(stderr, "mqtls: warning: skipped a message larger than the %u-byte receive buffer\n",
                    SUB_RX_LEN);
            continue;
        }
        if (rc != MQTLS_OK)
            return cli_fail(cc, "waiting for messages", rc);
    }
    return CLI_EXIT_OK;
}

/* The client's memory: TX for CONNECT and SUBSCRIBE, RX for the largest message. */
typedef struct {
    uint8_t *tx, *rx;
    uint8_t *in_bitmap;
    size_t tx_len;
} sub_bufs_t;

static bool sub_alloc(sub_bufs_t *b, const sub_opts_t *o)
{
    size_t sub_need = 16;
    for (size_t i = 0; i < o->ntopics; i++)
        sub_need += strlen(o->topics[i]) + 3u;
    size_t conn_need = cli_connect_size(&o->conn);
    b->tx_len = 256u + (sub_need > conn_need ? sub_need : conn_need);
    b->tx = malloc(b->tx_len);
    b->rx = malloc(SUB_RX_LEN);
    b->in_bitmap = malloc(MQTLS_INBOUND_BITMAP_SIZE);
    return b->tx != NULL && b->rx != NULL && b->in_bitmap != NULL;
}

static void sub_free(sub_bufs_t *b)
{
    free(b->tx);
    free(b->rx);
    free(b->in_bitmap);
}

/* Connect, subscribe, receive, disconnect. */
static int sub_session(mqtls_client_t *c, const sub_opts_t *o, sub_state_t *s)
{
    cli_conn_t cc;
    bool sp = false;
    int code = cli_connect(&cc, &o->conn, c, &sp);
    if (code != CLI_EXIT_OK)
        return code;
    if (o->conn.debug)
        fprintf(stderr, "mqtls: connected, session present: %s\n", sp ? "yes" : "no");
    code = subscribe(c, &cc, o);
    if (code == CLI_EXIT_OK)
        code = receive(c, &cc, o, s);
    flush_output(s);
    if (code == CLI_EXIT_OK)
        code = cli_disconnect(&cc, c);
    else
        mqtls_client_abort(c);
    cli_close(&cc);
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
                                      .rx_len = SUB_RX_LEN, .inbound_bitmap = b.in_bitmap,
                                      .now_ms = mqtls_posix_now_ms,
                                      .on_message = on_message, .user = &s };
        if (mqtls_client_init(&c, &cfg) != MQTLS_OK) {
            fprintf(stderr, "mqtls sub: internal error: the client rejected its configuration\n");
            code = CLI_EXIT_PROTOCOL;
        } else {
            setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
            catch_signals();
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
    if (o.topics == NULL) {
        fprintf(stderr, "mqtls sub: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    int code = cli_parse(argc, argv, sub_opts, sub_opt, &o, &o.conn, sub_print_help, &help);
    if (code == 0 && !help)
        code = sub_check(&o);
    if (code == 0 && !help)
        code = sub_run(&o);
    free(o.topics);
    return code;
}
