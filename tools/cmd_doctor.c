/* SPDX-License-Identifier: MIT
 * mqtls doctor: why does this device not connect to that broker? */
/*
 * The probes and the causes live in the library (mqtls/diag.h), so firmware
 * tools get the same diagnosis; this file parses the flags (the shared
 * connection and TLS flags of pub/sub plus the doctor's own), runs
 * mqtls_diag_run() and prints the report: one line per step, then Cause and
 * Fix, or the JSON with --json. Colour only when stdout is a terminal (and
 * NO_COLOR is not set).
 *
 * Exit status (the doctor's own; see --help):
 *   0 every step passed, 1 usage error, 2 a step failed (the cause is named),
 *   3 no step failed but at least one warned (e.g. port 443 without ALPN).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "term.h"

#if MQTLS_WITH_DIAG

#include "mqtls/codec.h"
#include "mqtls/cred.h"
#include "mqtls/diag.h"
#include "mqtls/slcodes.h"
#include "mqtls/topic.h"

enum { DOC_EXIT_OK = 0, DOC_EXIT_USAGE = 1, DOC_EXIT_FAILED = 2, DOC_EXIT_WARNED = 3 };

enum { OPT_STORE = 1, OPT_FILES, OPT_DEVICE_TIME, OPT_JSON, OPT_SYSTEM_CA, OPT_TOPIC, OPT_TIMEOUT, OPT_PROTO, OPT_SL_MASK,
       OPT_SL_DOMAIN, OPT_BOARD_SAID };

static const cli_opt_t doctor_opts[] = {
    { 0, "store", true, OPT_STORE },
    { 0, "files", true, OPT_FILES },
    { 0, "device-time", true, OPT_DEVICE_TIME },
    { 0, "json", false, OPT_JSON },
    { 0, "system-cafile-dir", true, OPT_SYSTEM_CA },
    { 't', "topic", true, OPT_TOPIC },
    { 0, "timeout", true, OPT_TIMEOUT },
    { 'V', "protocol-version", true, OPT_PROTO },
    { 0, "sl-mask", true, OPT_SL_MASK },
    { 0, "sl-domain-check", false, OPT_SL_DOMAIN },
    { 0, "board-said", true, OPT_BOARD_SAID },
    { 0, NULL, false, 0 }
};

typedef struct {
    const char *store;
    const char *files;
    uint16_t ids[4];
    const char *device_time;
    bool json;
    const char *system_ca;
    const char *topic;
    long timeout_s;
    uint8_t proto;
    uint32_t sl_mask;
    bool sl_domain_check;
    bool board_said_set;
    int32_t board_said;
} doctor_opts_t;

static void help(void)
{
    size_t n = 0;
    const mqtls_diag_cause_t *cat = mqtls_diag_catalogue(&n);
    fputs("Usage: mqtls doctor -h HOST [-p PORT] [TLS flags] [--store DIR --files K,C,A,D] [options]\n"
          "\n"
          "Probe a broker the way a device connects, step by step, stop at the first\n"
          "failure and say why in plain words: alpn, resolve, tcp, files, tls, chain,\n"
          "ca, hostname, validity, client-cert, mqtt, roundtrip.\n"
          "\n"
          "Doctor options:\n"
          "      --store DIR        a credential store (a device's /cert flash, see mqtls store)\n"
          "      --files K,C,A,D    store IDs in SlSockSecureFiles_t order: key, certificate,\n"
          "                         CA, DH (0 = none); also prints the SimpleLink code a\n"
          "                         CC3200 would return\n"
          "      --sl-mask MASK     with --store: the device's secure mask, as firmware writes it:\n"
          "                         0x10, or SL_SEC_MASK_* names joined by '|' (the prefix may\n"
          "                         be left out); default SL_SEC_MASK_SECURE_DEFAULT (0x3FF).\n"
          "                         Its suites are offered at TLS 1.2, as a CC3200 does\n"
          "                         (--ciphers/--tls-version override)\n"
          "      --sl-domain-check  with --store: the firmware sets option 35\n"
          "                         (SL_SO_SECURE_DOMAIN_NAME_VERIFICATION); without it a\n"
          "                         CC3200 does not check the server's name\n"
          "      --board-said CODE  with --store: the code the board printed (-456 or\n"
          "                         SL_ESECBADCAFILE); says what a difference from the\n"
          "                         prediction means\n"
          "      --device-time T    the device's clock: unset (its reset date, 2013-01-01),\n"
          "                         now (default), or ISO 8601 (2026-01-31T12:00:00Z)\n"
          "      --system-cafile-dir DIR\n"
          "                         where to look for the root a server needs\n"
          "                         (default: /etc/ssl/certs)\n"
          "  -t, --topic TOPIC      round-trip topic (default: mqtls/doctor/<client id>)\n"
          "      --timeout SECS     per network step (default: 5)\n"
          "  -V, --protocol-version 311|5\n"
          "                         MQTT version (default 311)\n"
          "      --json             print the report as JSON\n"
          "\n",
          stdout);
    fputs(cli_conn_help, stdout);
    fputs("  (--insecure and --no-verify are refused: the doctor verifies and explains.)\n\nCause ids:\n", stdout);
    for (size_t i = 0; i < n; i++) {
        printf("  %-26s %s\n", cat[i].id, cat[i].title);
    }
    fputs("\nExit status:\n"
          "  0  every step passed\n"
          "  1  usage error\n"
          "  2  a step failed; the cause is named\n"
          "  3  no step failed, but at least one warned (e.g. port 443 without ALPN)\n",
          stdout);
}

static int parse_files(doctor_opts_t *o, const char *arg)
{
    const char *p = arg;
    for (int i = 0; i < 4; i++) {
        char *end = NULL;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || v > 255 || (i < 3 && *end != ',') || (i == 3 && *end != '\0'))
            return cli_usage_error("doctor", "--files needs four IDs 0-255, e.g. 126,127,128,0, not '%s'", arg);
        o->ids[i] = (uint16_t)v;
        p = end + 1;
    }
    o->files = arg;
    return 0;
}

static int parse_proto(doctor_opts_t *o, const char *arg)
{
    if (strcmp(arg, "311") == 0 || strcmp(arg, "mqttv311") == 0) {
        o->proto = MQTLS_PROTO_V311;
        return 0;
    }
    if (strcmp(arg, "5") == 0 || strcmp(arg, "mqttv5") == 0) {
        o->proto = MQTLS_PROTO_V5;
        return 0;
    }
    return cli_usage_error("doctor", "unknown protocol version '%s' for -V; use 311 or 5", arg);
}

static int doctor_opt(void *ctx, int id, const char *arg)
{
    doctor_opts_t *o = ctx;
    long v = 0;
    switch (id) {
    case OPT_STORE: o->store = arg; return 0;
    case OPT_FILES: return parse_files(o, arg);
    case OPT_DEVICE_TIME: o->device_time = arg; return 0;
    case OPT_JSON: o->json = true; return 0;
    case OPT_SYSTEM_CA: o->system_ca = arg; return 0;
    case OPT_TOPIC: o->topic = arg; return 0;
    case OPT_TIMEOUT:
        if (!cli_parse_long(arg, 1, 600, &v))
            return cli_usage_error("doctor", "--timeout needs a number of seconds from 1 to 600, not '%s'", arg);
        o->timeout_s = v;
        return 0;
    case OPT_PROTO: return parse_proto(o, arg);
    case OPT_SL_MASK:
        if (mqtls_sl_mask_parse(arg, &o->sl_mask) != MQTLS_OK)
            return cli_usage_error("doctor", "--sl-mask needs bits from 0x1 to 0x3FF or SL_SEC_MASK_* names joined "
                                             "by '|' (e.g. SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA), not '%s'", arg);
        return 0;
    case OPT_SL_DOMAIN: o->sl_domain_check = true; return 0;
    case OPT_BOARD_SAID:
        if (mqtls_sl_code_parse(arg, &o->board_said) != MQTLS_OK)
            return cli_usage_error("doctor", "--board-said needs a SimpleLink code: a negative number (-456) or a "
                                             "name (SL_ESECBADCAFILE), not '%s'", arg);
        o->board_said_set = true;
        return 0;
    default: return CLI_EXIT_USAGE;
    }
}

/* ---- printing ------------------------------------------------------------------------ */

static void print_human(const mqtls_diag_report_t *r, const cli_conn_opts_t *c, bool tls, bool color)
{
    char ep[300];
    const char *green = color ? "\033[32m" : "", *red = color ? "\033[31m" : "", *yellow = color ? "\033[33m" : "",
               *dim = color ? "\033[2m" : "", *bold = color ? "\033[1m" : "", *off = color ? "\033[0m" : "";
    if (tls)
        printf("mqtls doctor: %s, TLS (%s engine)\n", cli_endpoint(c, ep, sizeof ep), mqtls_tls_engine_name(c->engine));
    else
        printf("mqtls doctor: %s, plain MQTT\n", cli_endpoint(c, ep, sizeof ep));
    for (size_t i = 0; i < r->n_steps; i++) {
        const mqtls_diag_step_t *s = &r->steps[i];
        const char *mark = "-", *col = dim;
        switch (s->status) {
        case MQTLS_DIAG_PASS: mark = "\u2713"; col = green; break;
        case MQTLS_DIAG_FAIL: mark = "\u2717"; col = red; break;
        case MQTLS_DIAG_WARN: mark = "!"; col = yellow; break;
        default: break;
        }
        printf("%s%s %-11s%s ", col, mark, s->name, off);
        for (const char *p = s->detail; *p != '\0';) {
            size_t n = strcspn(p, "\n");
            term_write(stdout, p, n); /* details quote the broker (a 5.0 reason string, the chain's names) */
            putchar('\n');
            p += n;
            if (*p == '\n') {
                p++;
                printf("              ");
            }
        }
        if (s->detail[0] == '\0')
            printf("\n");
    }
    if (r->cause != NULL) {
        printf("\n%sCause:%s %s [%s]\n  %s\n", bold, off, r->cause->title, r->cause->id, r->cause->explanation);
        printf("%sFix:%s %s\n", bold, off, r->cause->fix);
        if (r->hint[0] != '\0') {
            fputs("  ", stdout);
            term_write(stdout, r->hint, strlen(r->hint));
            putchar('\n');
        }
    } else if (r->ok) {
        printf("\n%sEverything works.%s\n", green, off);
    }
    if (r->has_sl)
        printf("SimpleLink: a CC3200 with these files and this server would get %d %s from sl_Connect: %s\n",
               (int)r->sl_code, mqtls_sl_code_name(r->sl_code), mqtls_sl_code_text(r->sl_code));
    if (r->has_board)
        printf("%sBoard:%s %s\n", bold, off, r->board_meaning);
}

/* ---- the command ---------------------------------------------------------------------- */

int cmd_doctor(int argc, char **argv)
{
    cli_conn_opts_t conn;
    doctor_opts_t o;
    bool help_shown = false;
    memset(&o, 0, sizeof o);
    o.timeout_s = 5;
    o.proto = MQTLS_PROTO_V311;
    cli_conn_opts_init(&conn, "doctor");
    int rc = cli_parse(argc, argv, doctor_opts, doctor_opt, &o, &conn, help, &help_shown);
    if (rc != 0 || help_shown)
        return rc;
    if (conn.tls_cfg.no_verify || conn.tls_cfg.insecure)
        return cli_usage_error("doctor", "--insecure and --no-verify are not for the doctor: it verifies everything "
                                         "and tells you what fails");
    if (!conn.clean || conn.debug || conn.will_topic != NULL || conn.will_payload != NULL || conn.will_qos >= 0 ||
        conn.will_retain)
        return cli_usage_error("doctor", "-c, -d and --will-* are not doctor flags: the doctor always connects with "
                                         "a clean session and no will, and prints every step itself");
    if ((o.store != NULL) != (o.files != NULL))
        return cli_usage_error("doctor", "--store and --files go together");
    if (o.store != NULL && (conn.tls_cfg.ca_file != NULL || conn.tls_cfg.cert_file != NULL ||
                            conn.tls_cfg.key_file != NULL || conn.tls_cfg.ca_path != NULL))
        return cli_usage_error("doctor", "--store takes the CA, certificate and key from --files; drop --cafile, "
                                         "--capath, --cert and --key");
    if (o.store != NULL)
        conn.tls = true;
    if (cli_conn_opts_finish(&conn) != 0)
        return CLI_EXIT_USAGE;

    mqtls_diag_config_t cfg;
    mqtls_diag_config_init(&cfg);
    cfg.host = conn.host;
    cfg.port = conn.port;
    cfg.tls = conn.tls;
    cfg.engine = conn.engine;
    cfg.tls_cfg = conn.tls_cfg;
    cfg.store_dir = o.store;
    memcpy(cfg.store_ids, o.ids, sizeof o.ids);
    cfg.sl_mask = o.sl_mask;
    cfg.sl_domain_check = o.sl_domain_check;
    cfg.board_said_set = o.board_said_set;
    cfg.board_said = o.board_said;
    if ((o.sl_domain_check || o.board_said_set) && o.store == NULL)
        return cli_usage_error("doctor", "--sl-domain-check and --board-said describe a device: they need --store and "
                                         "--files");
    cfg.client_id = conn.id;
    cfg.username = conn.user;
    cfg.password = conn.password;
    cfg.protocol_version = o.proto;
    cfg.keepalive_s = conn.keepalive;
    cfg.topic = o.topic;
    cfg.system_ca_dir = o.system_ca;
    cfg.timeout_ms = (uint32_t)o.timeout_s * 1000u;
    if (o.device_time != NULL) {
        if (strcmp(o.device_time, "unset") == 0) {
            cfg.device_time = MQTLS_SL_RESET_TIME;
            cfg.device_time_unset = true;
        } else if (mqtls_cred_parse_time(o.device_time, &cfg.device_time) != MQTLS_OK) {
            return cli_usage_error("doctor", "--device-time needs 'unset', 'now' or an ISO 8601 date, not '%s'",
                                   o.device_time);
        }
    }
    if (o.topic != NULL && mqtls_topic_validate_name(o.topic, strlen(o.topic)) != MQTLS_OK)
        return cli_usage_error("doctor", "bad --topic '%s': a topic name without wildcards", o.topic);

    mqtls_diag_report_t *r = malloc(sizeof *r);
    if (r == NULL) {
        fprintf(stderr, "mqtls doctor: out of memory\n");
        return DOC_EXIT_FAILED;
    }
    int32_t drc = mqtls_diag_run(&cfg, r);
    if (drc != MQTLS_OK) {
        free(r);
        fprintf(stderr, "mqtls doctor: %s\n", mqtls_strerror(drc));
        return drc == MQTLS_ERR_INVALID_ARG ? DOC_EXIT_USAGE : DOC_EXIT_FAILED;
    }
    if (o.json) {
        char *js = NULL;
        if (mqtls_diag_to_json(r, &js) == MQTLS_OK) {
            fputs(js, stdout);
            free(js);
        }
    } else {
        const char *nc = getenv("NO_COLOR");
        print_human(r, &conn, cfg.tls, isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0'));
    }
    int code = r->ok ? DOC_EXIT_OK : r->failed ? DOC_EXIT_FAILED : DOC_EXIT_WARNED;
    free(r);
    return code;
}

#else /* !MQTLS_WITH_DIAG */

int cmd_doctor(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_built("doctor", "diagnosis", "MQTLS_WITH_DIAG", CLI_EXIT_USAGE);
}

#endif
