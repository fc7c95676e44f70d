/* SPDX-License-Identifier: MIT
 * mqtls tests: the native mqtls client over the SimpleLink transport
 * (ports/simplelink), through the emulated network processor, against a
 * real mosquitto; run by test_sl_native.sh. */
/*
 * Usage: sl_native [options] PORT
 *   --flash DIR          the emulated serial flash (a store directory)
 *   --files K,C,A,D      SL_SO_SECURE_FILES IDs (default 126,127,128,0)
 *   --ca-name NAME       the CA by name (option 32), e.g. /cert/ca.der
 *   --domain NAME        option 35: the name the server must carry
 *   --no-date            leave the device clock unset (as after a reset)
 *   --allow-unverified   tolerate -453 (CA ID 0)
 *   --v311               MQTT 3.1.1 (default: 5.0)
 *   --connect-only       open the transport, report, close
 *   --host HOST          default 127.0.0.1
 *
 * It prints "open rc=<mqtls error name> sl=<code> <SimpleLink name>
 * verified=<0|1>", and on failure the sentence (mqtls_strerror), then exits
 * 3. Otherwise, on one client: connect with a session that outlives the
 * connection, subscribe to sln/<id>/# at QoS 2, publish QoS 0, 1 and 2 and
 * receive all three ("got TOPIC PAYLOAD qos=Q"); publish a QoS 2 message and
 * drop the connection before its PUBREC can be read (mqtls_client_abort),
 * reopen the transport, connect again without a clean start, and wait until
 * the client's resend completed (nothing outstanding) and the message
 * arrived; an end marker published after it proves no second copy was on
 * its way ("resend copies=1 outstanding=0"). Exit 0 only if all of that
 * happened. Waits are bounded by a generous limit (a hang guard, not a
 * timed assertion).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mqtls/client.h"
#include "mqtls/posix_clock.h"
#include "mqtls/sl_transport.h"
#include "mqtls/slcodes.h"
#include "simplelink.h"

#define LIMIT_MS 15000u

typedef struct {
    char prefix[64];
    int got[3];      /* q0 q1 q2 received */
    int resend;      /* copies of the resent message */
    int end;         /* end marker received */
} app_t;

static void on_msg(void *user, const mqtls_message_t *m)
{
    app_t *a = user;
    size_t pl = strlen(a->prefix);
    printf("got %.*s %.*s qos=%u\n", (int)m->topic_len, m->topic, (int)m->payload_len,
           (const char *)m->payload, (unsigned)m->qos);
    if (m->topic_len <= pl + 1u || memcmp(m->topic, a->prefix, pl) != 0) {
        return;
    }
    const char *leaf = m->topic + pl + 1u;
    size_t ll = m->topic_len - pl - 1u;
    if (ll == 2u && leaf[0] == 'q' && leaf[1] >= '0' && leaf[1] <= '2' && m->qos == (uint8_t)(leaf[1] - '0')) {
        a->got[leaf[1] - '0']++;
    } else if (ll == 6u && memcmp(leaf, "resend", 6) == 0) {
        a->resend++;
    } else if (ll == 3u && memcmp(leaf, "end", 3) == 0) {
        a->end++;
    }
}

static void host_sleep(void *user, uint32_t ms)
{
    (void)user;
    struct timespec ts = { (time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L };
    nanosleep(&ts, NULL);
}

static int set_device_date(void)
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    SlDateTime_t dt;
    memset(&dt, 0, sizeof dt);
    dt.sl_tm_year = (_u32)tm.tm_year + 1900u;
    dt.sl_tm_mon = (_u32)tm.tm_mon + 1u;
    dt.sl_tm_day = (_u32)tm.tm_mday;
    dt.sl_tm_hour = (_u32)tm.tm_hour;
    dt.sl_tm_min = (_u32)tm.tm_min;
    dt.sl_tm_sec = (_u32)tm.tm_sec;
    return (int)sl_DevSet(SL_DEVICE_GENERAL_CONFIGURATION, SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME,
                          sizeof dt, (const _u8 *)&dt);
}

static int open_transport(mqtls_sl_transport_t *sl, const mqtls_sl_transport_config_t *cfg)
{
    int32_t rc = mqtls_sl_transport_open(sl, cfg);
    int32_t code = mqtls_sl_transport_last_code(sl);
    printf("open rc=%s sl=%d %s verified=%d\n", mqtls_errname(rc), (int)code, mqtls_sl_code_name(code),
           mqtls_sl_transport_verified(sl) ? 1 : 0);
    if (rc != MQTLS_OK) {
        printf("sentence: %s\n", mqtls_strerror(rc));
        printf("device: %s\n", mqtls_sl_code_text(code));
    }
    fflush(stdout);
    return rc == MQTLS_OK ? 0 : -1;
}

/* Loop until *flag reaches want and nothing is outstanding. */
static int32_t loop_until(mqtls_client_t *c, const int *flag, int want)
{
    uint32_t start = mqtls_posix_now_ms(NULL);
    int32_t rc = MQTLS_OK;
    while (rc == MQTLS_OK && (*flag < want || mqtls_client_outstanding(c) != 0u)) {
        if (mqtls_posix_now_ms(NULL) - start > LIMIT_MS) {
            return MQTLS_ERR_TIMEOUT;
        }
        rc = mqtls_client_loop(c, 50);
    }
    return rc;
}

static int32_t publish(mqtls_client_t *c, const app_t *a, const char *leaf, const char *payload, uint8_t qos)
{
    char topic[96];
    snprintf(topic, sizeof topic, "%s/%s", a->prefix, leaf);
    mqtls_publish_t m = { .topic = topic, .topic_len = strlen(topic), .payload = (const uint8_t *)payload,
                          .payload_len = strlen(payload), .qos = qos };
    return mqtls_client_publish(c, &m, NULL);
}

static int32_t session(mqtls_client_t *c, mqtls_sl_transport_t *sl, const mqtls_sl_transport_config_t *scfg,
                       mqtls_connect_t *conn, app_t *a)
{
    mqtls_transport_t t;
    bool sp = false;
    mqtls_sl_transport(sl, &t);
    int32_t rc = mqtls_client_connect(c, &t, conn, &sp, 5000);
    char filter[80];
    snprintf(filter, sizeof filter, "%s/#", a->prefix);
    mqtls_subscription_t sub = { .filter = filter, .filter_len = strlen(filter), .qos = 2 };
    if (rc == MQTLS_OK) {
        rc = mqtls_client_subscribe(c, &sub, 1, NULL, NULL, 5000);
    }
    for (uint8_t q = 0; q < 3u && rc == MQTLS_OK; q++) {
        char leaf[3] = { 'q', (char)('0' + q), '\0' }, payload[3] = { 'm', (char)('0' + q), '\0' };
        rc = publish(c, a, leaf, payload, q);
    }
    for (int q = 0; q < 3 && rc == MQTLS_OK; q++) {
        rc = loop_until(c, &a->got[q], 1);
    }
    /* The resend: a QoS 2 message whose PUBREC this connection never reads. */
    if (rc == MQTLS_OK) {
        rc = publish(c, a, "resend", "r", 2);
    }
    if (rc != MQTLS_OK) {
        return rc;
    }
    mqtls_client_abort(c); /* closes the transport: sl_Close */
    printf("aborted outstanding=%u\n", (unsigned)mqtls_client_outstanding(c));
    if (mqtls_client_outstanding(c) != 1u || open_transport(sl, scfg) != 0) {
        return MQTLS_ERR_INTERNAL;
    }
    conn->clean_session = false;
    mqtls_sl_transport(sl, &t);
    rc = mqtls_client_connect(c, &t, conn, &sp, 5000);
    printf("reconnect rc=%s session_present=%d\n", mqtls_errname(rc), sp ? 1 : 0);
    if (rc == MQTLS_OK && !sp) {
        return MQTLS_ERR_INTERNAL;
    }
    if (rc == MQTLS_OK) {
        rc = loop_until(c, &a->resend, 1);
    }
    if (rc == MQTLS_OK) {
        rc = publish(c, a, "end", "e", 1);
    }
    if (rc == MQTLS_OK) {
        rc = loop_until(c, &a->end, 1);
    }
    printf("resend copies=%d outstanding=%u\n", a->resend, (unsigned)mqtls_client_outstanding(c));
    if (rc == MQTLS_OK) {
        rc = mqtls_client_disconnect(c, NULL);
    }
    return rc;
}

static int parse_files(const char *s, uint8_t ids[4])
{
    unsigned v[4];
    if (sscanf(s, "%u,%u,%u,%u", &v[0], &v[1], &v[2], &v[3]) != 4) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        if (v[i] > 255u) {
            return -1;
        }
        ids[i] = (uint8_t)v[i];
    }
    return 0;
}

int main(int argc, char **argv)
{
    static uint8_t tx[1024], rx[1024], arena[4096];
    static mqtls_inflight_t out[8];
    static uint16_t in_ids[8];
    const char *flash = NULL;
    bool no_date = false, connect_only = false;
    uint8_t version = MQTLS_PROTO_V5;
    mqtls_sl_transport_config_t scfg;
    mqtls_sl_transport_config_init(&scfg);
    scfg.host = "127.0.0.1";
    scfg.file_ids[0] = 126;
    scfg.file_ids[1] = 127;
    scfg.file_ids[2] = 128;
    scfg.now_ms = mqtls_posix_now_ms;
    scfg.sleep_ms = host_sleep;
    scfg.poll_ms = 5;
    int i = 1;
    for (; i < argc - 1; i++) {
        if (strcmp(argv[i], "--flash") == 0 && i + 1 < argc - 1) {
            flash = argv[++i];
        } else if (strcmp(argv[i], "--files") == 0 && i + 1 < argc - 1) {
            if (parse_files(argv[++i], scfg.file_ids) != 0) {
                return 2;
            }
        } else if (strcmp(argv[i], "--ca-name") == 0 && i + 1 < argc - 1) {
            scfg.file_names[2] = argv[++i];
        } else if (strcmp(argv[i], "--domain") == 0 && i + 1 < argc - 1) {
            scfg.domain_name = argv[++i];
        } else if (strcmp(argv[i], "--host") == 0 && i + 1 < argc - 1) {
            scfg.host = argv[++i];
        } else if (strcmp(argv[i], "--no-date") == 0) {
            no_date = true;
        } else if (strcmp(argv[i], "--allow-unverified") == 0) {
            scfg.allow_unverified = true;
        } else if (strcmp(argv[i], "--v311") == 0) {
            version = MQTLS_PROTO_V311;
        } else if (strcmp(argv[i], "--connect-only") == 0) {
            connect_only = true;
        } else {
            fprintf(stderr, "sl_native: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (i != argc - 1 || flash == NULL) {
        fprintf(stderr, "usage: sl_native --flash DIR [options] PORT\n");
        return 2;
    }
    scfg.port = (uint16_t)atoi(argv[i]);

    mqtls_sl_init(flash);
    sl_Start(NULL, NULL, NULL);
    if (!no_date && set_device_date() != 0) {
        fprintf(stderr, "sl_native: sl_DevSet failed\n");
        return 2;
    }
    mqtls_sl_transport_t sl;
    if (open_transport(&sl, &scfg) != 0) {
        return 3;
    }
    if (connect_only) {
        mqtls_sl_transport_close(&sl);
        mqtls_sl_transport_close(&sl); /* safe twice */
        return 0;
    }

    app_t a;
    memset(&a, 0, sizeof a);
    char id[32];
    snprintf(id, sizeof id, "sln-%s-%ld", version == MQTLS_PROTO_V5 ? "v5" : "v311", (long)getpid());
    snprintf(a.prefix, sizeof a.prefix, "sln/%s", id);
    mqtls_client_t c;
    mqtls_memstore_t ms;
    mqtls_store_t store;
    mqtls_memstore_init(&ms, arena, sizeof arena, &store);
    mqtls_client_config_t cfg = { .tx_buf = tx, .tx_len = sizeof tx, .rx_buf = rx, .rx_len = sizeof rx,
                                  .outbound = out, .outbound_count = 8, .inbound_ids = in_ids, .inbound_count = 8,
                                  .store = &store, .now_ms = mqtls_posix_now_ms, .on_message = on_msg, .user = &a };
    int32_t rc = mqtls_client_init(&c, &cfg);
    mqtls_props_t cp = { .present = MQTLS_PROP_BIT(MQTLS_PROP_SESSION_EXPIRY), .session_expiry = 300 };
    mqtls_connect_t conn = { .protocol_version = version, .clean_session = true, .keepalive_s = 30,
                             .client_id = id, .client_id_len = strlen(id) };
    if (version == MQTLS_PROTO_V5) {
        conn.props = &cp; /* clean start, and a session that outlives the connection */
    } else {
        conn.clean_session = false; /* 3.1.1: the session must survive the abort */
    }
    if (rc == MQTLS_OK) {
        rc = session(&c, &sl, &scfg, &conn, &a);
    }
    mqtls_sl_transport_close(&sl);
    sl_Stop(0);
    if (rc != MQTLS_OK || a.resend != 1 || a.end != 1) {
        fprintf(stderr, "sl_native: %s (%s); sl=%d %s\n", mqtls_errname(rc), mqtls_strerror(rc),
                (int)mqtls_sl_transport_last_code(&sl), mqtls_sl_code_name(mqtls_sl_transport_last_code(&sl)));
        return 1;
    }
    printf("done\n");
    return 0;
}
