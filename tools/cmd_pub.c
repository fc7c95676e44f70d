/* SPDX-License-Identifier: MIT
 * mqtls pub: publish one message, a file, or every line of stdin. */
/*
 * The flags are mosquitto_pub's. The interesting part is -l with QoS 1/2:
 * stop-and-wait would bind a batch to one round trip per message, so lines
 * are handed to mqtls_client_publish() until the in-flight window or the
 * message store is full, and only then does the loop run to take
 * acknowledgements, after which publishing resumes. The window (-M) is wide
 * enough that the link never idles waiting for an acknowledgement. The
 * PUBLISHes queue in a PUB_TX_BATCH buffer (cfg.coalesce_tx) and leave
 * together when the loop runs; at a full window the loop takes
 * acknowledgements until half of it is free, so that a batch is one send,
 * not one per acknowledgement (issue 14). At the end the
 * command waits until every message is acknowledged, then disconnects.
 *
 * -l keeps its connection through the connection manager: when it is lost,
 * stdin is simply not read until the manager has reconnected (the pipe holds
 * the producer back, nothing is dropped), and the client resends the
 * unacknowledged QoS 1/2 messages after the CONNACK. Rejected: queueing
 * lines in the manager's offline queue while disconnected -- it would only
 * move the backlog from the pipe into our memory and bound it twice.
 * SIGINT/SIGTERM stop the reading, give the window PUB_GRACE_MS to be
 * acknowledged, then disconnect and print what happened to each message.
 * --persist DIR puts the session in a file store and keeps, beside it, how
 * many input lines were handed to the store (see "--persist DIR" below for
 * the contract); rejected: keeping the lines themselves (the store already
 * has the unacknowledged ones, and the input can be read again).
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
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "mqtls/filestore.h"
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
#define PUB_TX_BATCH (32u * 1024u)    /* -l: tx_buf for coalesced PUBLISHes */
#define PUB_ACK_WAIT_MS 1000u
#define PUB_QOS0_LOOP_EVERY 256u      /* QoS 0 -l: service the connection this often */
#define PUB_STDIN_POLL_MS 50
#define PUB_GRACE_MS 2000u            /* SIGINT/SIGTERM: how long to wait for the window */

enum { MODE_NONE, MODE_MESSAGE, MODE_FILE, MODE_LINES, MODE_NULL, MODE_STDIN };

enum { OPT_TOPIC = 1, OPT_MESSAGE, OPT_FILE, OPT_LINES, OPT_NULL, OPT_STDIN, OPT_QOS, OPT_RETAIN, OPT_INFLIGHT,
       OPT_REPEAT, OPT_REPEAT_DELAY, OPT_PERSIST, OPT_ACK_TIMEOUT };

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
    { 0, "repeat", true, OPT_REPEAT },
    { 0, "repeat-delay", true, OPT_REPEAT_DELAY },
    { 0, "persist", true, OPT_PERSIST },
    { 0, "ack-timeout", true, OPT_ACK_TIMEOUT },
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
    "      --repeat N         send the message (-m, -f, -n, -s) N times (default: 1)\n"
    "      --repeat-delay SECS\n"
    "                         wait SECS (decimals allowed) between the repeats\n"
    "With -l a lost connection is re-established with backoff and the messages not\n"
    "yet acknowledged are resent (with -c -i ID nothing is lost; without -c the clean\n"
    "session drops them and a warning says how many); --no-reconnect exits instead.\n"
    "      --persist DIR      -l with -c -i ID, QoS 1/2: keep the session in a file store\n"
    "                         in DIR, and the input position beside it: a publisher\n"
    "                         killed (even with -9) and started again with the same -i,\n"
    "                         -c, --persist and input resends what was not acknowledged\n"
    "                         and goes on after the last line it had stored\n"
    "      --ack-timeout MS   a QoS 1/2 message not acknowledged within MS ms counts as a\n"
    "                         lost connection (reconnect and resend; default: no limit)\n"
    "SIGINT/SIGTERM with -l: stop reading, wait up to 2 s for the acknowledgements,\n"
    "disconnect and print how many messages were sent, acknowledged, unacknowledged.\n"
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
    long repeat;         /* --repeat, 0: once */
    const char *persist; /* --persist DIR */
    uint32_t ack_timeout_ms;
    uint32_t repeat_delay_ms;
} pub_opts_t;

typedef struct {
    mqtls_client_t client;
    cli_conn_t conn;          /* -m -f -s -n: one connection */
    cli_managed_t mm;         /* -l: kept up by the connection manager */
    bool managed;
    const pub_opts_t *o;
    unsigned long sent;       /* messages handed to the client */
    unsigned long lost;       /* unacknowledged ones a clean session dropped on a reconnect */
    /* --persist DIR */
    mqtls_filestore_t *fs;
    int pos_fd;               /* DIR/input-position: input lines handed to the store */
    unsigned long stored_lines;
    size_t restored;          /* records the last run left */
    mqtls_memstore_t ms;
    mqtls_msgstore_t store;
    uint8_t *tx, *rx, *arena, *alias;
    mqtls_inflight_t *out;
    size_t tx_len, arena_len, window;
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
    case OPT_REPEAT:
        if (!cli_parse_long(arg, 1, 2147483647L, &o->repeat))
            return cli_usage_error("pub", "--repeat needs a positive count, not '%s'", arg);
        return 0;
    case OPT_PERSIST: o->persist = arg; return 0;
    case OPT_ACK_TIMEOUT:
        if (!cli_parse_long(arg, 1, 86400000L, &v))
            return cli_usage_error("pub", "--ack-timeout needs milliseconds from 1 to 86400000, not '%s'", arg);
        o->ack_timeout_ms = (uint32_t)v;
        return 0;
    case OPT_REPEAT_DELAY: {
        char *end = NULL;
        double d = strtod(arg, &end);
        if (end == arg || *end != '\0' || !(d >= 0.0) || d > 86400.0)
            return cli_usage_error("pub", "--repeat-delay needs seconds from 0 to 86400, not '%s'", arg);
        o->repeat_delay_ms = (uint32_t)(d * 1000.0 + 0.5);
        return 0;
    }
    default: return CLI_EXIT_USAGE;
    }
}

static int pub_check(pub_opts_t *o)
{
    if (o->conn.url_topic != NULL) {
        if (o->topic != NULL)
            return cli_usage_error("pub", "-L already gives the topic; drop -t");
        o->topic = o->conn.url_topic;
    }
    if (o->persist != NULL && (o->mode != MODE_LINES || o->qos == 0 || o->conn.clean))
        return cli_usage_error("pub", "--persist is for -l at QoS 1 or 2 with a kept session (-c -i ID)");
    if ((o->repeat > 0 || o->repeat_delay_ms > 0) && o->mode == MODE_LINES)
        return cli_usage_error("pub", "--repeat and --repeat-delay are for one message (-m, -f, -n, -s), not -l");
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

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void catch_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll and sleeps return at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

/* A lost connection: with a clean session the unacknowledged messages go
 * with it (the next CONNECT discards them [MQTT-3.1.2-6]); say so. */
static void on_lost(cli_managed_t *mm, int32_t err)
{
    pub_t *p = mm->user;
    size_t n = mqtls_client_outstanding(&p->client);
    (void)err;
    if (p->o->conn.clean && n > 0 && !p->o->conn.no_reconnect) {
        fprintf(stderr, "mqtls pub: warning: %zu unacknowledged message(s) are lost with the clean session "
                        "(use -c -i ID to have them resent)\n", n);
        p->lost += n;
    }
}

/* ---- --persist DIR ------------------------------------------------------------------
 * DIR/session         the file store (mqtls/filestore.h): the QoS 1/2 records
 * DIR/client-id       whose session it is (another -i is refused)
 * DIR/input-position  how many input lines were handed to the store (one
 *                     fixed-width number, rewritten after each line)
 * Contract: a line counted in input-position is in the store (or already
 * acknowledged); a restart skips that many lines of its input and the
 * restored records are resent, so nothing read before the kill is lost or
 * sent as a new message. Lines read but not yet stored when the process died
 * were not counted: the restart reads them again. kill -9 safe (the kernel
 * has every write); a power cut is not (no fsync).
 */
static int persist_error(const char *dir, const char *what, const char *why)
{
    fprintf(stderr, "mqtls pub: --persist %s: %s: %s\n", dir, what, why);
    return CLI_EXIT_USAGE;
}

static int persist_client_id(const char *dir, const char *id)
{
    char path[4096], have[256];
    snprintf(path, sizeof path, "%s/client-id", dir);
    FILE *f = fopen(path, "r");
    if (f != NULL) {
        size_t n = fread(have, 1, sizeof have - 1, f);
        fclose(f);
        have[n] = '\0';
        if (strcmp(have, id) != 0)
            return persist_error(dir, "the session there belongs to another client id", have);
        return 0;
    }
    f = fopen(path, "w");
    if (f == NULL || fputs(id, f) < 0 || fclose(f) != 0)
        return persist_error(dir, "cannot write client-id", strerror(errno));
    return 0;
}

static void persist_write_position(pub_t *p)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%020lu\n", p->stored_lines);
    if (pwrite(p->pos_fd, buf, 21, 0) != 21)
        fprintf(stderr, "mqtls pub: warning: cannot record the input position: %s\n", strerror(errno));
}

static int persist_open(pub_t *p, const pub_opts_t *o)
{
    char path[4096], buf[32];
    snprintf(path, sizeof path, "%s/session", o->persist);
    int32_t rc = mqtls_filestore_open(&p->fs, path, 0, &p->store);
    if (rc != MQTLS_OK)
        return persist_error(o->persist, "cannot open the message store", mqtls_strerror(rc));
    if (persist_client_id(o->persist, o->conn.id) != 0)
        return CLI_EXIT_USAGE;
    snprintf(path, sizeof path, "%s/input-position", o->persist);
    p->pos_fd = open(path, O_RDWR | O_CREAT, 0600);
    if (p->pos_fd < 0)
        return persist_error(o->persist, "cannot open input-position", strerror(errno));
    ssize_t n = pread(p->pos_fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    p->stored_lines = strtoul(buf, NULL, 10);
    return 0;
}

static void persist_close(pub_t *p)
{
    if (p->pos_fd > 0)
        close(p->pos_fd);
    mqtls_filestore_close(p->fs);
    p->fs = NULL;
}

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
    if (many && p->tx_len < PUB_TX_BATCH)
        p->tx_len = PUB_TX_BATCH; /* -l: a window's PUBLISHes leave in few sends (coalesce_tx) */
    size_t window = o->max_inflight != 0 ? o->max_inflight : o->qos == 2 ? PUB_WINDOW_QOS2 : PUB_WINDOW_QOS1;
    p->window = window;
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
    if (o->persist != NULL) {
        int pc = persist_open(p, o);
        if (pc != 0)
            return pc;
    } else {
        mqtls_memstore_init(&p->ms, p->arena, p->arena_len, &p->store);
    }
    mqtls_client_config_t cfg = {
        .tx_buf = p->tx, .tx_len = p->tx_len, .rx_buf = p->rx, .rx_len = PUB_RX_LEN,
        .outbound = p->out, .outbound_count = window, .store = &p->store,
        .now_ms = mqtls_posix_now_ms,
        /* one topic: one alias slot (used only if the broker allows aliases) */
        .alias_out = p->alias, .alias_out_len = MQTLS_ALIAS_OUT_SLOT(strlen(o->topic)), .alias_out_count = 1,
        .ack_timeout_ms = o->ack_timeout_ms,
    };
    cfg.coalesce_tx = many; /* -l: sent by the loop the full window runs, or by the next that does not fit */
    if (mqtls_client_init(&p->client, &cfg) != MQTLS_OK) {
        fprintf(stderr, "mqtls pub: internal error: the client rejected its configuration\n");
        return CLI_EXIT_PROTOCOL;
    }
    p->o = o;
    if (o->persist != NULL) {
        int32_t rr = mqtls_client_restore(&p->client);
        if (rr < 0) {
            fprintf(stderr, "mqtls pub: --persist %s: cannot restore the session: %s\n", o->persist,
                    mqtls_strerror(rr));
            return CLI_EXIT_USAGE;
        }
        p->restored = mqtls_client_outstanding(&p->client);
        if (p->restored > 0 || p->stored_lines > 0)
            fprintf(stderr, "mqtls pub: resuming the session in %s: %zu unacknowledged message(s) to resend, "
                            "skipping the %lu input line(s) already stored\n", o->persist, p->restored,
                    p->stored_lines);
    }
    if (!many)
        return cli_connect(&p->conn, &o->conn, &p->client, NULL);
    p->managed = true;
    cli_managed_init(&p->mm, &o->conn, &p->client, "publishing", NULL, 0, NULL, NULL);
    p->mm.on_lost = on_lost;
    p->mm.user = p;
    return CLI_EXIT_OK;
}

static void pub_free(pub_t *p)
{
    persist_close(p);
    free(p->tx);
    free(p->rx);
    free(p->arena);
    free(p->out);
    free(p->alias);
}

/* ---- publishing ---------------------------------------------------------------- */

/* Run the loop once (-l: the manager, which reconnects); incoming messages
 * we did not ask for may be skipped. -l returns an error only once the
 * manager has given up (it printed why). */
static int32_t service(pub_t *p, uint32_t timeout_ms)
{
    int32_t rc = p->managed ? cli_managed_run(&p->mm, timeout_ms) : mqtls_client_loop(&p->client, timeout_ms);
    return rc == MQTLS_ERR_MESSAGE_TOO_LARGE ? MQTLS_OK : rc;
}

static const mqtls_transport_t *pub_transport(const pub_t *p)
{
    return p->managed ? &p->mm.cc.tr : &p->conn.tr;
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
    const mqtls_transport_t *t = pub_transport(p);
    int32_t w = t->wait(t->ctx, MQTLS_WAIT_WRITE, PUB_ACK_WAIT_MS);
    if (w < 0)
        return w;
    return service(p, 0);
}

/* A full window: wait for acknowledgements. With -d, a second without any
 * says how many are in flight (a stalled broker; tests read it too). */
static int32_t take_acks(pub_t *p)
{
    size_t before = mqtls_client_outstanding(&p->client);
    uint32_t start = mqtls_posix_now_ms(NULL);
    int32_t rc = service(p, PUB_ACK_WAIT_MS);
    if (rc >= 0 && p->o->conn.debug && mqtls_client_outstanding(&p->client) == before &&
        mqtls_posix_now_ms(NULL) - start >= PUB_ACK_WAIT_MS)
        fprintf(stderr, "mqtls pub: %zu message(s) in flight, none acknowledged for %u ms\n", before, PUB_ACK_WAIT_MS);
    return rc;
}

/* Publish, taking acknowledgements whenever the window or the store is full. */
static int32_t publish(pub_t *p, const pub_opts_t *o, const uint8_t *payload, size_t len)
{
    mqtls_publish_t m = { .topic = o->topic, .topic_len = strlen(o->topic), .payload = payload,
                          .payload_len = len, .qos = o->qos, .retain = o->retain,
                          .props = o->has_props ? &o->props : NULL };
    for (;;) {
        if (p->managed && !mqtls_conn_connected(&p->mm.m)) {
            /* (re)connecting: stdin is not read meanwhile, so nothing is lost */
            int32_t rc = service(p, PUB_ACK_WAIT_MS);
            if (rc < 0 || mqtls_conn_stopped(&p->mm.m))
                return rc < 0 ? rc : MQTLS_ERR_NOT_CONNECTED;
            if (stop_requested)
                return MQTLS_ERR_NOT_CONNECTED;
            continue;
        }
        int32_t rc = p->managed ? mqtls_conn_publish(&p->mm.m, &m) : mqtls_client_publish(&p->client, &m, NULL);
        if (rc == MQTLS_OK)
            p->sent++;
        if (p->managed && rc == MQTLS_ERR_NOT_CONNECTED && !mqtls_conn_stopped(&p->mm.m))
            continue; /* lost before the client took it: again after the reconnect */
        if (!must_wait(rc))
            return rc;
        bool full = rc == MQTLS_ERR_INFLIGHT_FULL;
        rc = rc == MQTLS_ERR_WANT_WRITE && (!p->managed || mqtls_conn_connected(&p->mm.m)) ? wait_writable(p)
                                                                                           : service(p, PUB_ACK_WAIT_MS);
        /* A full window: take acknowledgements until half of it is free, so
         * that the next batch of PUBLISHes leaves in one send (issue 14). */
        while (rc >= 0 && full && !stop_requested && mqtls_client_outstanding(&p->client) > p->window / 2u &&
               (!p->managed || mqtls_conn_connected(&p->mm.m)))
            rc = take_acks(p);
        if (rc < 0)
            return rc;
    }
}

/* Wait until the broker has acknowledged every QoS 1/2 message (after a
 * signal: for at most PUB_GRACE_MS). */
static int32_t drain(pub_t *p)
{
    uint32_t start = mqtls_posix_now_ms(NULL);
    while (mqtls_client_outstanding(&p->client) > 0) {
        if (stop_requested && mqtls_posix_now_ms(NULL) - start >= PUB_GRACE_MS)
            break;
        int32_t rc = service(p, stop_requested ? 100u : PUB_ACK_WAIT_MS);
        if (rc < 0)
            return rc;
    }
    return MQTLS_OK;
}

/* SIGINT/SIGTERM with -l: what became of the messages read so far. */
static int interrupted_summary(const pub_t *p, int code)
{
    size_t left = mqtls_client_outstanding(&p->client);
    if (p->o->qos == 0) {
        fprintf(stderr, "mqtls pub: interrupted: %lu message(s) sent (QoS 0: no acknowledgements)\n", p->sent);
        return code;
    }
    unsigned long acked = p->sent - p->lost - (unsigned long)left;
    fprintf(stderr, "mqtls pub: interrupted: %lu message(s) sent, %lu acknowledged, %zu unacknowledged%s%s%s",
            p->sent + p->restored, acked + p->restored, left, left == 0 ? "" :
            p->fs != NULL ? " (persisted in " : " (not persisted: lost with this process)",
            left > 0 && p->fs != NULL ? p->o->persist : "", left > 0 && p->fs != NULL ? ": a restart with the same "
            "-i, -c and --persist resends them)" : "");
    if (p->lost > 0)
        fprintf(stderr, ", %lu lost with a clean session", p->lost);
    fputc('\n', stderr);
    return code == CLI_EXIT_OK && (left > 0 || p->lost > 0) ? CLI_EXIT_INTERRUPTED : code;
}

static int finish_managed(pub_t *p, int32_t rc)
{
    if (rc == MQTLS_OK)
        rc = drain(p);
    int code;
    if (mqtls_conn_stopped(&p->mm.m)) {
        code = p->mm.exit_code != 0 ? p->mm.exit_code : cli_exit_code(rc); /* the manager said why */
        (void)cli_managed_close(&p->mm);
    } else if (rc != MQTLS_OK && !(stop_requested && rc == MQTLS_ERR_NOT_CONNECTED)) {
        code = cli_fail(&p->mm.cc, "publishing", rc);
        (void)cli_managed_close(&p->mm);
    } else {
        code = cli_managed_close(&p->mm);
    }
    return stop_requested ? interrupted_summary(p, code) : code;
}

static int finish(pub_t *p, int32_t rc)
{
    if (p->managed)
        return finish_managed(p, rc);
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

/* --repeat-delay: keep the connection serviced while waiting. */
static int32_t repeat_wait(pub_t *p, uint32_t ms)
{
    uint32_t start = mqtls_posix_now_ms(NULL);
    for (;;) {
        uint32_t spent = mqtls_posix_now_ms(NULL) - start;
        if (spent >= ms)
            return MQTLS_OK;
        int32_t rc = service(p, ms - spent);
        if (rc < 0)
            return rc;
    }
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
    if (code == CLI_EXIT_OK) {
        int32_t rc = publish(&p, o, payload, len);
        for (long i = 1; rc == MQTLS_OK && i < o->repeat; i++) {
            rc = repeat_wait(&p, o->repeat_delay_ms);
            if (rc == MQTLS_OK)
                rc = publish(&p, o, payload, len);
        }
        code = finish(&p, rc);
    }
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
    while (!stop_requested) {
        const uint8_t *line = NULL;
        size_t len = 0;
        int rc = reader_next(r, &line, &len, 0);
        if (rc == LR_LINE) {
            int32_t prc = publish(p, o, line, len);
            if (prc < 0)
                return prc;
            if (p->fs != NULL) {
                p->stored_lines++; /* in the store now: a restart must not read it again */
                persist_write_position(p);
            }
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
    return MQTLS_OK; /* a signal: stop reading */
}

/* --persist: the lines a previous run stored are not read again. */
static int skip_stored_lines(pub_t *p, line_reader_t *r)
{
    for (unsigned long i = 0; p->fs != NULL && i < p->stored_lines && !stop_requested;) {
        const uint8_t *line;
        size_t len;
        int rc = reader_next(r, &line, &len, PUB_STDIN_POLL_MS);
        if (rc == LR_LINE) {
            i++;
        } else if (rc == LR_EOF) {
            fprintf(stderr, "mqtls pub: warning: the input has only %lu line(s), fewer than the %lu the session "
                            "in %s had stored: is it the same input?\n", i, p->stored_lines, p->o->persist);
            p->stored_lines = i;
            return CLI_EXIT_OK;
        } else if (rc != LR_NONE) {
            return lines_input_error(r, rc);
        } else if (service(p, 0) < 0 && mqtls_conn_stopped(&p->mm.m)) {
            return p->mm.exit_code;
        }
    }
    return CLI_EXIT_OK;
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
    catch_signals();
    int code = pub_setup(&p, o, PUB_LINE_MAX, true);
    while (code == CLI_EXIT_OK && !mqtls_conn_connected(&p.mm.m) && !mqtls_conn_stopped(&p.mm.m) &&
           !stop_requested)
        (void)service(&p, PUB_ACK_WAIT_MS); /* connect before reading: a failure is reported at once */
    if (code == CLI_EXIT_OK && mqtls_conn_stopped(&p.mm.m)) {
        code = p.mm.exit_code;
        (void)cli_managed_close(&p.mm);
    } else if (code == CLI_EXIT_OK && (code = skip_stored_lines(&p, &r)) == CLI_EXIT_OK) {
        int input_rc = 0;
        int32_t rc = pump_lines(&p, o, &r, &input_rc);
        if (rc == MQTLS_OK && input_rc == 0 && !stop_requested && p.fs != NULL && r.eof) {
            int32_t dr = drain(&p);
            if (dr == MQTLS_OK && mqtls_client_outstanding(&p.client) == 0) {
                p.stored_lines = 0; /* the whole input is done: a new run starts afresh */
                persist_write_position(&p);
            }
            rc = dr;
        }
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
