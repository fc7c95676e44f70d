/* SPDX-License-Identifier: MIT
 * mqtls pub: publish one message, a file, or every line of stdin. */
/*
 * The flags are mosquitto_pub's. The interesting part is -l with QoS 1/2:
 * stop-and-wait would bind a batch to one round trip per message, so lines
 * are handed to mqtls_client_publish() until the in-flight window or the
 * message store is full, and only then does the loop run to take
 * acknowledgements, after which publishing resumes. The window (-M) is wide
 * enough that the link never idles waiting for an acknowledgement. At the end the
 * command waits until every message is acknowledged, then disconnects.
 *
 * stdin is read with read() into a buffer we split on '\n' ourselves (no
 * per-line stdio cost). Before each read, stdin is polled with a short
 * timeout while the client loop runs, so a slow or interactive producer
 * does not stop keepalives or acknowledgements.
 *
 * Memory: the client's buffers are sized for the message (-m, -f, -s) or
 * for the longest line accepted (PUB_LINE_MAX for -l); the store gets room
 * for many such packets.
 *
 * MQTT 5 (-V 5): the -D publish properties go on every message; the one
 * topic gets one outbound topic alias slot, so from the second message on
 * it travels as a 2-byte alias; and the broker's receive maximum bounds
 * the window (the client answers INFLIGHT_FULL at it), so the QoS 2 default
 * of 20 is no longer needed for safety but is kept for the same numbers.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "mqtls/topic.h"

/*
 * QoS 1/2 messages in flight (-M). mosquitto acknowledges QoS 1 at once, so
 * a wide window only hides the round trip. Incoming QoS 2 exchanges are
 * capped by the broker (mosquitto 2.0: max_inflight_messages, default 20),
 * and MQTT 3.1.1 has no way to announce that cap: mosquitto answers the
 * 21st with PUBREC 0x97 and drops a 3.1.1 client. So QoS 2 defaults to 20.
 */
#define PUB_WINDOW_QOS1 256u
#define PUB_WINDOW_QOS2 20u
#define PUB_LINE_MAX (256u * 1024u)   /* longest line -l accepts */
#define PUB_ARENA_MIN (4u * 1024u * 1024u)
#define PUB_RX_LEN 4096u              /* acks; a -c session may bring messages */
#define PUB_ACK_WAIT_MS 1000u
#define PUB_QOS0_LOOP_EVERY 256u      /* QoS 0 -l: service the connection this often */
#define PUB_STDIN_POLL_MS 50

enum { MODE_NONE, MODE_MESSAGE, MODE_FILE, MODE_LINES, MODE_NULL, MODE_STDIN };

enum { OPT_TOPIC = 1, OPT_MESSAGE, OPT_FILE, OPT_LINES, OPT_NULL, OPT_STDIN, OPT_QOS, OPT_RETAIN, OPT_INFLIGHT };

static const cli_opt_t pub_opts[] = {
    { 't', "topic", true, OPT_TOPIC },
    { 'm', "message", true, OPT_MESSAGE },
    { 'f', "file", true, OPT_FILE },
    { 'l', "stdin-line", false, OPT_LINES },
    { 'n', "null-message", false, OPT_NULL },
    { 's', "stdin-file", false, OPT_STDIN },
    { 'q', "qos", true, OPT_QOS },
    { 'r', "retain", false, OPT_RETAIN },
    { 'M', "max-inflight", true, OPT_INFLIGHT },
    { 0, NULL, false, 0 }
};

static const char pub_help_head[] =
    "Usage: mqtls pub -t TOPIC (-m MSG | -f FILE | -l | -n | -s) [options]\n"
    "Publish a message to an MQTT 3.1.1 or (with -V 5) MQTT 5 broker.\n"
    "\n"
    "Message:\n"
    "  -t, --topic TOPIC      topic to publish to (required)\n"
    "  -m, --message MSG      the message\n"
    "  -f, --file FILE        send the contents of FILE as one message\n"
    "  -l, --stdin-line       send each line of stdin as a message (newline stripped);\n"
    "                         QoS 1/2 messages are pipelined, many in flight at once\n"
    "  -n, --null-message     send an empty message\n"
    "  -s, --stdin-file       send all of stdin as one message\n"
    "  -q, --qos QOS          quality of service 0, 1 or 2 (default: 0)\n"
    "  -r, --retain           ask the broker to retain the message\n"
    "  -M, --max-inflight N   QoS 1/2 messages in flight at once with -l\n"
    "                         (default: 256 for QoS 1, 20 for QoS 2, mosquitto's\n"
    "                         default limit for incoming QoS 2); with -V 5 the\n"
    "                         broker's receive maximum also bounds it\n"
    "MQTT 5 (-V 5): -D publish NAME VALUE sets a property on every message; a\n"
    "repeated topic is sent as a topic alias when the broker allows aliases.\n"
    "\n";

typedef struct {
    cli_conn_opts_t conn;
    mqtls_props_t props; /* -D publish ... (MQTT 5) */
    mqtls_user_prop_t users[CLI_MAX_PROPS];
    bool has_props;
    const char *topic;
    const char *message;
    const char *file;
    int mode;
    uint8_t qos;
    bool retain;
    size_t max_inflight; /* 0: the default for the QoS */
} pub_opts_t;

typedef struct {
    mqtls_client_t client;
    cli_conn_t conn;
    mqtls_memstore_t ms;
    mqtls_msgstore_t store;
    uint8_t *tx, *rx, *arena, *alias;
    mqtls_inflight_t *out;
    size_t tx_len, arena_len;
} pub_t;

/* ---- options ---------------------------------------------------------------- */

static int set_mode(pub_opts_t *o, int mode)
{
    if (o->mode != MODE_NONE && o->mode != mode)
        return cli_usage_error("pub", "only one of -m, -f, -l, -n and -s can be given");
    o->mode = mode;
    return 0;
}

static int pub_opt(void *ctx, int id, const char *arg)
{
    pub_opts_t *o = ctx;
    long v = 0;
    switch (id) {
    case OPT_TOPIC:
        if (o->topic != NULL)
            return cli_usage_error("pub", "only one -t topic can be given");
        o->topic = arg;
        return 0;
    case OPT_MESSAGE: o->message = arg; return set_mode(o, MODE_MESSAGE);
    case OPT_FILE: o->file = arg; return set_mode(o, MODE_FILE);
    case OPT_LINES: return set_mode(o, MODE_LINES);
    case OPT_NULL: return set_mode(o, MODE_NULL);
    case OPT_STDIN: return set_mode(o, MODE_STDIN);
    case OPT_QOS:
        if (!cli_parse_long(arg, 0, 2, &v))
            return cli_usage_error("pub", "-q needs a QoS of 0, 1 or 2, not '%s'", arg);
        o->qos = (uint8_t)v;
        return 0;
    case OPT_RETAIN: o->retain = true; return 0;
    case OPT_INFLIGHT:
        if (!cli_parse_long(arg, 1, 65535, &v))
            return cli_usage_error("pub", "-M needs a number of messages from 1 to 65535, not '%s'", arg);
        o->max_inflight = (size_t)v;
        return 0;
    default: return CLI_EXIT_USAGE;
    }
}

static int pub_check(pub_opts_t *o)
{
    if (o->topic == NULL)
        return cli_usage_error("pub", "a topic is needed: -t TOPIC");
    int32_t rc = mqtls_topic_validate_name(o->topic, strlen(o->topic));
    if (rc != MQTLS_OK)
        return cli_usage_error("pub", "bad topic '%s': %s", o->topic, mqtls_strerror(rc));
    if (o->mode == MODE_NONE)
        return cli_usage_error("pub", "nothing to send: give one of -m, -f, -l, -n or -s");
    int code = cli_conn_opts_finish(&o->conn);
    if (code != 0)
        return code;
    o->has_props = cli_props_fill(&o->conn, CLI_PROPS_PUBLISH, &o->props, o->users);
    if (o->has_props) {
        int32_t prc = mqtls_props_encode(NULL, 0, MQTLS_PKT_PUBLISH, &o->props);
        if (prc < 0)
            return cli_usage_error("pub", "bad -D publish property: %s", mqtls_strerror(prc));
    }
    return 0;
}

/* ---- client setup ------------------------------------------------------------ */

/* Allocate buffers for messages of up to max_payload bytes and start the client. */
static int pub_setup(pub_t *p, const pub_opts_t *o, size_t max_payload, bool many)
{
    size_t need = max_payload + strlen(o->topic) + 16u; /* fixed header, lengths, id */
    if (o->conn.version == MQTLS_PROTO_V5) {
        int32_t pn = mqtls_props_encode(NULL, 0, MQTLS_PKT_PUBLISH, o->has_props ? &o->props : NULL);
        need += (size_t)(pn > 0 ? pn : 0) + 8u; /* + the topic alias */
    }
    size_t conn_need = cli_connect_size(&o->conn);
    p->tx_len = need > conn_need ? need : conn_need;
    size_t window = o->max_inflight != 0 ? o->max_inflight : o->qos == 2 ? PUB_WINDOW_QOS2 : PUB_WINDOW_QOS1;
    p->arena_len = many ? 2u * p->tx_len + 64u * window : p->tx_len + 64u;
    if (many && p->arena_len < PUB_ARENA_MIN)
        p->arena_len = PUB_ARENA_MIN;
    p->tx = malloc(p->tx_len);
    p->rx = malloc(PUB_RX_LEN);
    p->arena = malloc(p->arena_len);
    p->out = calloc(window, sizeof *p->out);
    p->alias = malloc(MQTLS_ALIAS_OUT_SLOT(strlen(o->topic)));
    if (p->tx == NULL || p->rx == NULL || p->arena == NULL || p->out == NULL || p->alias == NULL) {
        fprintf(stderr, "mqtls pub: out of memory for a %zu-byte message\n", max_payload);
        return CLI_EXIT_USAGE;
    }
    mqtls_memstore_init(&p->ms, p->arena, p->arena_len, &p->store);
    mqtls_client_config_t cfg = {
        .tx_buf = p->tx, .tx_len = p->tx_len, .rx_buf = p->rx, .rx_len = PUB_RX_LEN,
        .outbound = p->out, .outbound_count = window, .store = &p->store,
        .now_ms = mqtls_posix_now_ms,
        /* one topic: one alias slot (used only if the broker allows aliases) */
        .alias_out = p->alias, .alias_out_len = MQTLS_ALIAS_OUT_SLOT(strlen(o->topic)), .alias_out_count = 1,
    };
    if (mqtls_client_init(&p->client, &cfg) != MQTLS_OK) {
        fprintf(stderr, "mqtls pub: internal error: the client rejected its configuration\n");
        return CLI_EXIT_PROTOCOL;
    }
    return cli_connect(&p->conn, &o->conn, &p->client, NULL);
}

static void pub_free(pub_t *p)
{
    free(p->tx);
    free(p->rx);
    free(p->arena);
    free(p->out);
    free(p->alias);
}

/* ---- publishing ---------------------------------------------------------------- */

/* Run the loop once; incoming messages we did not ask for may be skipped. */
static int32_t service(pub_t *p, uint32_t timeout_ms)
{
    int32_t rc = mqtls_client_loop(&p->client, timeout_ms);
    return rc == MQTLS_ERR_MESSAGE_TOO_LARGE ? MQTLS_OK : rc;
}

static bool must_wait(int32_t rc)
{
    return rc == MQTLS_ERR_INFLIGHT_FULL || rc == MQTLS_ERR_STORE_FULL || rc == MQTLS_ERR_WANT_WRITE ||
           rc == MQTLS_ERR_WANT_READ;
}

/*
 * The previous packet is still partly unsent (the socket buffer is full).
 * Wait for room ourselves, then let the client flush without waiting: a
 * loop() with a timeout would also sit waiting for incoming data, which a
 * QoS 0 stream never gets.
 */
static int32_t wait_writable(pub_t *p)
{
    const mqtls_transport_t *t = &p->conn.tr;
    int32_t w = t->wait(t->ctx, MQTLS_WAIT_WRITE, PUB_ACK_WAIT_MS);
    if (w < 0)
        return w;
    return service(p, 0);
}

/* Publish, taking acknowledgements whenever the window or the store is full. */
static int32_t publish(pub_t *p, const pub_opts_t *o, const uint8_t *payload, size_t len)
{
    mqtls_publish_t m = { .topic = o->topic, .topic_len = strlen(o->topic), .payload = payload,
                          .payload_len = len, .qos = o->qos, .retain = o->retain,
                          .props = o->has_props ? &o->props : NULL };
    for (;;) {
        int32_t rc = mqtls_client_publish(&p->client, &m, NULL);
        if (!must_wait(rc))
            return rc;
        rc = rc == MQTLS_ERR_WANT_WRITE ? wait_writable(p) : service(p, PUB_ACK_WAIT_MS);
        if (rc < 0)
            return rc;
    }
}

/* Wait until the broker has acknowledged every QoS 1/2 message. */
static int32_t drain(pub_t *p)
{
    while (mqtls_client_outstanding(&p->client) > 0) {
        int32_t rc = service(p, PUB_ACK_WAIT_MS);
        if (rc < 0)
            return rc;
    }
    return MQTLS_OK;
}

static int finish(pub_t *p, int32_t rc)
{
    if (rc == MQTLS_OK)
        rc = drain(p);
    if (rc != MQTLS_OK) {
        int code = cli_fail(&p->conn, "publishing", rc);
        mqtls_client_abort(&p->client);
        cli_close(&p->conn);
        return code;
    }
    return cli_disconnect(&p->conn, &p->client);
}

/* ---- one message: -m, -f, -s, -n ------------------------------------------------ */

static int load_payload(const pub_opts_t *o, uint8_t **buf, size_t *len)
{
    *buf = NULL;
    *len = 0;
    if (o->mode == MODE_MESSAGE) {
        *len = strlen(o->message);
        *buf = malloc(*len + 1u);
        if (*buf != NULL)
            memcpy(*buf, o->message, *len + 1u);
    } else if (o->mode == MODE_FILE || o->mode == MODE_STDIN) {
        const char *path = o->mode == MODE_FILE ? o->file : "-";
        if (cli_read_all(path, buf, len) != 0) {
            if (o->mode == MODE_FILE)
                fprintf(stderr, "mqtls pub: cannot read '%s': %s\n", path, strerror(errno));
            else
                fprintf(stderr, "mqtls pub: cannot read stdin: %s\n", strerror(errno));
            return CLI_EXIT_USAGE;
        }
    } else {
        *buf = malloc(1);
    }
    if (*buf == NULL) {
        fprintf(stderr, "mqtls pub: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    /* topic length, topic, packet id: what the remaining length also covers */
    size_t overhead = 2u + strlen(o->topic) + 2u;
    if (*len > MQTLS_MAX_REMAINING_LENGTH - overhead) {
        fprintf(stderr, "mqtls pub: the message is %zu bytes; an MQTT packet carries at most %lu\n", *len,
                (unsigned long)(MQTLS_MAX_REMAINING_LENGTH - overhead));
        free(*buf);
        *buf = NULL;
        return CLI_EXIT_USAGE;
    }
    return 0;
}

static int pub_single(const pub_opts_t *o)
{
    uint8_t *payload = NULL;
    size_t len = 0;
    int code = load_payload(o, &payload, &len);
    if (code != 0)
        return code;
    pub_t p;
    memset(&p, 0, sizeof p);
    code = pub_setup(&p, o, len, false);
    if (code == CLI_EXIT_OK)
        code = finish(&p, publish(&p, o, payload, len));
    pub_free(&p);
    free(payload);
    return code;
}

/* ---- -l: every line of stdin ------------------------------------------------------ */

typedef struct {
    uint8_t *buf;
    size_t cap, start, end;
    bool eof;
    unsigned long lineno;
} line_reader_t;

enum { LR_LINE, LR_NONE, LR_EOF, LR_ERROR, LR_TOO_LONG };

/* Wait up to timeout_ms for stdin, then read what is there. */
static int reader_fill(line_reader_t *r, int timeout_ms)
{
    struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN, .revents = 0 };
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap)
        return LR_TOO_LONG;
    int n = poll(&pfd, 1, timeout_ms);
    if (n == 0 || (n < 0 && errno == EINTR))
        return LR_NONE;
    if (n < 0)
        return LR_ERROR;
    ssize_t got = read(STDIN_FILENO, r->buf + r->end, r->cap - r->end);
    if (got < 0)
        return errno == EINTR || errno == EAGAIN ? LR_NONE : LR_ERROR;
    if (got == 0)
        r->eof = true;
    r->end += (size_t)got;
    return LR_LINE;
}

/* The next line without its '\n'; LR_NONE when stdin has nothing complete yet. */
static int reader_next(line_reader_t *r, const uint8_t **line, size_t *len, int timeout_ms)
{
    for (;;) {
        const uint8_t *s = r->buf + r->start;
        const uint8_t *nl = memchr(s, '\n', r->end - r->start);
        if (nl != NULL || (r->eof && r->end > r->start)) {
            *line = s;
            *len = nl != NULL ? (size_t)(nl - s) : r->end - r->start;
            r->start += *len + (nl != NULL ? 1u : 0u);
            r->lineno++;
            return LR_LINE;
        }
        if (r->eof)
            return LR_EOF;
        int rc = reader_fill(r, timeout_ms);
        if (rc != LR_LINE)
            return rc;
        timeout_ms = 0; /* data arrived: read on while more is ready */
    }
}

static int lines_input_error(const line_reader_t *r, int rc)
{
    if (rc == LR_TOO_LONG)
        fprintf(stderr, "mqtls pub: line %lu is longer than %u bytes, the most -l accepts; "
                        "use -f or -s for large messages\n", r->lineno + 1, PUB_LINE_MAX);
    else
        fprintf(stderr, "mqtls pub: cannot read stdin: %s\n", strerror(errno));
    return CLI_EXIT_USAGE;
}

/* Publish lines until stdin ends; *input_rc gets a reader failure. */
static int32_t pump_lines(pub_t *p, const pub_opts_t *o, line_reader_t *r, int *input_rc)
{
    unsigned long sent = 0;
    for (;;) {
        const uint8_t *line = NULL;
        size_t len = 0;
        int rc = reader_next(r, &line, &len, 0);
        if (rc == LR_LINE) {
            int32_t prc = publish(p, o, line, len);
            if (prc < 0)
                return prc;
            if (o->qos == 0 && ++sent % PUB_QOS0_LOOP_EVERY == 0 && (prc = service(p, 0)) < 0)
                return prc;
            continue;
        }
        if (rc == LR_EOF)
            return MQTLS_OK;
        if (rc != LR_NONE) {
            *input_rc = lines_input_error(r, rc);
            return MQTLS_OK;
        }
        /* stdin is idle: keep the connection serviced while waiting for it. */
        int32_t lrc = service(p, 0);
        if (lrc < 0)
            return lrc;
        rc = reader_fill(r, PUB_STDIN_POLL_MS);
        if (rc == LR_ERROR || rc == LR_TOO_LONG) {
            *input_rc = lines_input_error(r, rc);
            return MQTLS_OK;
        }
    }
}

static int pub_lines(const pub_opts_t *o)
{
    line_reader_t r;
    pub_t p;
    memset(&r, 0, sizeof r);
    memset(&p, 0, sizeof p);
    r.cap = PUB_LINE_MAX + 1u;
    r.buf = malloc(r.cap);
    if (r.buf == NULL) {
        fprintf(stderr, "mqtls pub: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    int code = pub_setup(&p, o, PUB_LINE_MAX, true);
    if (code == CLI_EXIT_OK) {
        int input_rc = 0;
        int32_t rc = pump_lines(&p, o, &r, &input_rc);
        code = finish(&p, rc);
        if (code == CLI_EXIT_OK && input_rc != 0)
            code = input_rc;
    }
    pub_free(&p);
    free(r.buf);
    return code;
}

/* ---- entry point ------------------------------------------------------------------ */

static void pub_print_help(void)
{
    fputs(pub_help_head, stdout);
    fputs(cli_conn_help, stdout);
    fputs("\n", stdout);
    fputs(cli_exit_help, stdout);
}

int cmd_pub(int argc, char **argv)
{
    pub_opts_t o;
    bool help = false;
    memset(&o, 0, sizeof o);
    cli_conn_opts_init(&o.conn, "pub");
    int code = cli_parse(argc, argv, pub_opts, pub_opt, &o, &o.conn, pub_print_help, &help);
    if (code != 0 || help)
        return code;
    code = pub_check(&o);
    if (code != 0)
        return code;
    return o.mode == MODE_LINES ? pub_lines(&o) : pub_single(&o);
}
