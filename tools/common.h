/* SPDX-License-Identifier: MIT
 * mqtls CLI: what the commands share (options, connecting, exit codes, clock). */
/*
 * Every command that talks to a broker takes the same connection flags as
 * mosquitto_pub/mosquitto_sub (-h -p -i -I -k -u -P -c -V -d --will-*), so
 * they are parsed here once. A command hands its own option table to
 * cli_parse() together with a handler; options the command does not know
 * are offered to the shared connection options, and anything left is a
 * usage error.
 *
 * Connecting is TCP first, then CONNECT/CONNACK; a failure in either is
 * turned into exactly one sentence on stderr and an exit code (below), so
 * every command reports the same failure the same way.
 */
#ifndef MQTLS_TOOLS_COMMON_H
#define MQTLS_TOOLS_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/client.h"
#include "mqtls/conn.h"
#include "mqtls/tcp.h"
#include "mqtls/tls.h"

/*
 * Exit status of every command:
 *   0  success
 *   1  usage error (unknown flag, bad value, missing argument), or an
 *      input the command cannot use (unreadable file, line too long)
 *   2  connection failure: DNS, TCP refused/unreachable/timeout, any TLS
 *      failure (trust, name, validity, credentials, versions, ciphers, the
 *      server rejecting our certificate), or the connection was closed or reset
 *   3  the broker refused the connection (CONNACK return code 1..5, or an
 *      MQTT 5 reason code; its reason string is printed)
 *   4  protocol error or timeout: no CONNACK/SUBACK in time, keepalive
 *      timeout, every subscription refused, sub -W expiring before -C
 *      messages arrived, or the broker ended the session with an MQTT 5
 *      DISCONNECT (its reason is printed)
 *   5  pub -l interrupted (SIGINT/SIGTERM) with messages still unacknowledged
 *      after the grace period (the summary line says how many)
 */
enum {
    CLI_EXIT_OK = 0,
    CLI_EXIT_USAGE = 1,
    CLI_EXIT_CONNECT = 2,
    CLI_EXIT_REFUSED = 3,
    CLI_EXIT_PROTOCOL = 4,
    CLI_EXIT_INTERRUPTED = 5 /* pub -l stopped by SIGINT/SIGTERM with messages unacknowledged */
};

/* The system's CA bundle (Debian's ca-certificates), for --tls-use-os-certs. */
#define CLI_OS_CA_FILE "/etc/ssl/certs/ca-certificates.crt"

/* Text for --help of every broker command: the shared flags and exit codes. */
extern const char cli_conn_help[];
extern const char cli_exit_help[];

/* ---- option parsing ---------------------------------------------------- */

/* -D COMMAND PROPERTY VALUE [VALUE2]: an MQTT 5 property for one packet. */
enum {
    CLI_PROPS_CONNECT = 0,
    CLI_PROPS_PUBLISH,
    CLI_PROPS_SUBSCRIBE,
    CLI_PROPS_UNSUBSCRIBE,
    CLI_PROPS_DISCONNECT,
    CLI_PROPS_WILL,
    CLI_PROPS_AUTH,
    CLI_PROPS_N
};
#define CLI_MAX_PROPS 64 /* -D flags per command line */

typedef struct {
    uint8_t cmd;        /* CLI_PROPS_* */
    uint8_t id;         /* MQTLS_PROP_* */
    uint32_t num;       /* integer properties */
    const char *str;    /* string/binary value, or a user property's name */
    const char *value;  /* a user property's value */
} cli_prop_t;

/* One option a command accepts: -c and/or --name, with or without a value. */
typedef struct {
    char short_name; /* 0: long only */
    const char *long_name; /* NULL: short only */
    bool has_arg;
    int id; /* passed to the handler */
} cli_opt_t;

/* Handles option `id` with `arg` (NULL when it takes none).
 * @return 0 ok, or CLI_EXIT_USAGE after printing the reason. */
typedef int (*cli_opt_fn)(void *ctx, int id, const char *arg);

/* Connection options shared by every broker command. */
typedef struct {
    const char *cmd;    /* "pub" or "sub", for messages and the default id */
    const char *host;
    uint16_t port;
    const char *id;
    const char *id_prefix;
    char id_buf[64];
    uint16_t keepalive;
    const char *user;
    const char *password;
    bool clean;         /* false with -c */
    bool debug;         /* -d */
    bool no_reconnect;  /* --no-reconnect */
    bool quiet;         /* --quiet: stderr goes to /dev/null */
    bool os_certs;      /* --tls-use-os-certs */
    bool url_tls;       /* -L mqtts:// */
    const char *url_topic; /* -L's topic, NULL without -L */
    const char *tls_version_arg; /* --tls-version as given, for the doctor line */
    bool engine_set;       /* --tls-engine given */
    char url_buf[1024];    /* -L split into host, user, password, topic */
    const char *will_topic;
    const char *will_payload;
    int will_qos;       /* -1: not given */
    bool will_retain;
    uint32_t timeout_ms; /* TCP connect, TLS handshake and CONNACK */
    bool port_set;       /* -p given (else 1883, or 8883 with TLS) */
    /* TLS: any TLS flag turns it on. */
    bool tls;
    bool tls_report;     /* --tls-report: print the session report on stderr */
    mqtls_tls_engine_t engine;
    mqtls_tls_config_t tls_cfg;
    const char *alpn[2];
    /* MQTT 5 */
    uint8_t version;             /* MQTLS_PROTO_V311 (default) or MQTLS_PROTO_V5 */
    bool session_expiry_set;     /* -x given */
    uint32_t session_expiry;     /* -x */
    cli_prop_t props[CLI_MAX_PROPS];
    size_t nprops;
} cli_conn_opts_t;

/* Defaults: localhost:1883 (8883 with TLS), keepalive 60, clean session,
 * TLS engine mbedTLS (OpenSSL when mbedTLS is not compiled in). */
void cli_conn_opts_init(cli_conn_opts_t *o, const char *cmd);

/*
 * Parse argv[1..argc-1] (argv[0] is the command name). Options in `opts`
 * go to `fn`; the rest to the shared connection options. --help calls
 * `help` (which prints the command's text) and sets *help_shown.
 * @return 0, or CLI_EXIT_USAGE (the reason was printed).
 */
int cli_parse(int argc, char **argv, const cli_opt_t *opts, cli_opt_fn fn, void *ctx, cli_conn_opts_t *conn,
              void (*help)(void), bool *help_shown);

/* Checks that need every flag: -c needs -i, will flags need a topic, ... */
int cli_conn_opts_finish(cli_conn_opts_t *o);

/* Print "mqtls <cmd>: <message>" and the --help hint; return CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/*
 * A command whose part of the library this build left out: print "mqtls
 * <cmd>: this build has no <what> (configure with -D<option>=ON)" and return
 * `code` (the command's own exit status for a failed operation).
 */
int cli_not_built(const char *cmd, const char *what, const char *option, int code);

/* Strict number parsing: the whole string, within [min, max]. */
bool cli_parse_long(const char *s, long min, long max, long *out);

/*
 * The -D properties given for packet `cmd` (CLI_PROPS_*) as an mqtls_props_t.
 * User properties point into `users` (at least CLI_MAX_PROPS entries), which
 * must live as long as *out. @return true if any property was given.
 */
bool cli_props_fill(const cli_conn_opts_t *o, int cmd, mqtls_props_t *out, mqtls_user_prop_t *users);

/* Print "name (0xNN)" and, if not empty, ": reason string" for a broker's
 * MQTT 5 reason, into buf. */
const char *cli_reason_text(const mqtls_client_t *c, char *buf, size_t len);

/* ---- connection ------------------------------------------------------------ */

/* How far cli_open / the CONNECT got (for the sentence of a failure). */
enum { CLI_STAGE_TLS_SETUP = 1, CLI_STAGE_TCP, CLI_STAGE_TLS, CLI_STAGE_MQTT };

/* A live connection: TCP, TLS over it when asked, and the transport the
 * client uses (with -d a logging one on top). */
typedef struct {
    int stage;              /* CLI_STAGE_* reached */
    mqtls_tcp_t tcp;
    mqtls_tls_t *tls;       /* NULL without TLS */
    mqtls_tls_report_t report;
    mqtls_transport_t tr;   /* what the client uses */
    mqtls_transport_t raw;  /* TCP or TLS, below -d logging */
    const cli_conn_opts_t *opts;
    mqtls_client_t *client; /* for the broker's MQTT 5 reason in messages */
    struct cli_trace {
        uint8_t hdr[5];
        size_t have;
        uint32_t skip;
        bool broken;
    } sent, received;
} cli_conn_t;

/*
 * Connect TCP and send CONNECT; on failure print one sentence and return
 * the exit code (2, 3 or 4). The client must have been initialised.
 */
int cli_connect(cli_conn_t *cc, const cli_conn_opts_t *o, mqtls_client_t *c, bool *session_present);

/* TCP, then TLS when asked, then the -d trace: cc->tr is what the client
 * uses. Prints nothing on failure (cli_print_connect_error does); the
 * caller closes cc either way. @return MQTLS_OK or the error. */
int32_t cli_open(cli_conn_t *cc, const cli_conn_opts_t *o, mqtls_client_t *c);

/* The one sentence for a failure of cli_open or the CONNECT after it. */
void cli_print_connect_error(const cli_conn_t *cc, int32_t rc);

/* The CONNECT for these options (its properties live in static storage). */
void cli_fill_connect(const cli_conn_opts_t *o, mqtls_connect_t *m);

/*
 * A connection kept up by the connection manager (mqtls/conn.h): reconnect
 * with backoff (unless --no-reconnect), one line on stderr per lost
 * connection and per failed attempt naming the cause, resubscription after
 * session present 0. The first attempt is not retried (as mosquitto_sub):
 * its failure prints the usual sentence and gives its exit code.
 */
typedef struct cli_managed {
    cli_conn_t cc;
    mqtls_conn_t m;
    mqtls_connect_t connect;
    const cli_conn_opts_t *o;
    mqtls_client_t *c;
    const char *doing;      /* "waiting for messages", "publishing": for sentences */
    uint32_t rng;
    unsigned long losses;   /* connections lost */
    int exit_code;          /* set when the manager gave up */
    /* called after each CONNECT (and resubscription); may be NULL */
    void (*on_connected)(struct cli_managed *mm, const mqtls_conn_event_t *ev);
    /* called when a connection is lost, before the next attempt; may be NULL */
    void (*on_lost)(struct cli_managed *mm, int32_t err);
    void *user;
} cli_managed_t;

/* Set up (nothing is opened yet: the first cli_managed_run connects).
 * subs/granted may be NULL (no subscriptions). */
void cli_managed_init(cli_managed_t *mm, const cli_conn_opts_t *o, mqtls_client_t *c, const char *doing,
                      const mqtls_subscription_t *subs, size_t n, const mqtls_props_t *sub_props, uint8_t *granted);

/* One step of the manager (mqtls_conn_run). @return MQTLS_OK, a non-fatal
 * report, or (stopped: mm->exit_code is set, the sentence printed) the error. */
int32_t cli_managed_run(cli_managed_t *mm, uint32_t timeout_ms);

/* DISCONNECT if connected, release everything. @return an exit code. */
int cli_managed_close(cli_managed_t *mm);

/* The exit code for an error that ended a session after connecting, with
 * the sentence printed ("while publishing", ...). */
int cli_fail(const cli_conn_t *cc, const char *doing, int32_t err);

/* Bytes the CONNECT packet for these options needs (the TX buffer must hold it). */
size_t cli_connect_size(const cli_conn_opts_t *o);

/* The `mqtls doctor` command line that diagnoses a connection with these
 * options (passwords replaced by PASSWORD), into buf. */
const char *cli_doctor_command(const cli_conn_opts_t *o, char *buf, size_t len);

/* Map an mqtls error to the exit status above. */
int cli_exit_code(int32_t err);

/* Send DISCONNECT and release the connection; on failure print the
 * reason. @return an exit code. */
int cli_disconnect(cli_conn_t *cc, mqtls_client_t *c);

/* Release the connection (socket and TLS session); safe to call twice. */
void cli_close(cli_conn_t *cc);

/* ---- commands (one file each) --------------------------------------------- */

/* argv[0] is the command name; @return the exit status. */
int cmd_pub(int argc, char **argv);
int cmd_sub(int argc, char **argv);
int cmd_cert(int argc, char **argv);  /* cmd_cert.c */
int cmd_key(int argc, char **argv);   /* cmd_key.c */
int cmd_csr(int argc, char **argv);   /* cmd_csr.c */
int cmd_ca(int argc, char **argv);    /* cmd_ca.c */
int cmd_store(int argc, char **argv); /* cmd_store.c */
int cmd_doctor(int argc, char **argv); /* cmd_doctor.c */
int cmd_bench(int argc, char **argv);  /* cmd_bench.c */
int cmd_explain(int argc, char **argv); /* cmd_explain.c */

/* ---- misc ------------------------------------------------------------------ */

/* Read a whole file (path "-" is stdin) into a malloc'd buffer.
 * @return 0, or -1 with errno set. */
int cli_read_all(const char *path, uint8_t **buf, size_t *len);

/* n bytes from the network, safe for a terminal: control characters and
 * '\\' as \\xNN (cut to fit buf). */
const char *cli_printable(const char *s, size_t n, char *buf, size_t len);

/* "host:port", or "[v6]:port" for an IPv6 literal, into buf. */
const char *cli_endpoint(const cli_conn_opts_t *o, char *buf, size_t len);

#endif /* MQTLS_TOOLS_COMMON_H */
