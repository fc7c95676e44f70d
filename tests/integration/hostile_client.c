/* SPDX-License-Identifier: MIT
 * mqtls tests: one client run against a scripted broker, for test_hostile_broker.sh. */
/*
 * Usage: hostile_client PORT VERSION SCENARIO ACTION
 *   VERSION  4 (MQTT 3.1.1) or 5
 *   SCENARIO the client identifier: fakebroker.py plays the scenario of that name
 *   ACTION   connect  connect, then run the loop for a second
 *            sub      connect, subscribe to "t" at QoS 2, then the loop
 *            pub1     connect, publish one QoS 1 message, loop until acknowledged
 *            pub2     the same at QoS 2
 *            wait     connect, then run the loop for 4 s (keep alive 1 s)
 *            rm4      as connect, with room for only 4 incoming QoS 2 ids (receive
 *                     maximum 4) instead of the bitmap
 *            marker   connect, then run the loop until a message on topic "e"
 *                     arrives (TIMEOUT after 5 s): the counts are then exact
 *            resume   connect, publish 3 QoS 1 messages, run the loop until the
 *                     connection fails; reconnect with clean session 0 (5.0:
 *                     session expiry 60 s) up to twice more, until all three
 *                     are acknowledged
 *
 * Prints one line, `stage=S err=NAME msgs=N dropped=D outstanding=O`: the
 * first call that failed (connect, subscribe, publish, loop) or "done", its
 * mqtls_errname(), and the counts; the exit status is 0 whatever happened
 * (the script checks the line). The CLI is not used because it turns error
 * codes into sentences and its flags are changing; the C API gives the
 * code itself. Buffers are small on purpose (rx 512 bytes) so that
 * "bigger than the receive buffer" is cheap to script. No call waits more
 * than 2 s; the script wraps each run in timeout(1) as well.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/client.h"
#include "mqtls/tcp.h"

#define RX_LEN 512u
#define STEP_MS 2000u

static unsigned long msgs;
static bool marker_seen;

static void on_msg(void *user, const mqtls_message_t *m)
{
    (void)user;
    msgs++;
    if (m->topic_len == 1 && m->topic[0] == 'e')
        marker_seen = true;
}

enum { UNTIL_TIME, UNTIL_ACKED, UNTIL_MARKER };

static int32_t loop_for(mqtls_client_t *c, uint32_t ms, int until)
{
    uint32_t start = mqtls_posix_now_ms(NULL);
    int32_t rc = MQTLS_OK;
    while (mqtls_posix_now_ms(NULL) - start < ms) {
        rc = mqtls_client_loop(c, 50);
        if (rc != MQTLS_OK && rc != MQTLS_ERR_MESSAGE_TOO_LARGE)
            return rc;
        if ((until == UNTIL_ACKED && mqtls_client_outstanding(c) == 0) || (until == UNTIL_MARKER && marker_seen))
            return MQTLS_OK;
    }
    return until == UNTIL_TIME ? MQTLS_OK : MQTLS_ERR_TIMEOUT;
}

static int32_t run(mqtls_client_t *c, const char *action, const char **stage);

/* resume: see the usage. The loop ends at the first error of a connection. */
static int32_t resume(mqtls_client_t *c, mqtls_tcp_t *tcp, uint16_t port, mqtls_connect_t *conn,
                      const char **stage)
{
    int32_t rc = MQTLS_OK;
    for (int i = 0; i < 3 && rc == MQTLS_OK; i++) {
        mqtls_publish_t m = { .topic = "t", .topic_len = 1, .payload = (const uint8_t *)"x",
                              .payload_len = 1, .qos = 1 };
        *stage = "publish";
        rc = mqtls_client_publish(c, &m, NULL);
    }
    for (int attempt = 0; attempt < 3; attempt++) {
        if (attempt > 0) {
            mqtls_transport_t t;
            mqtls_tcp_close(tcp);
            mqtls_tcp_init(tcp);
            *stage = "tcp";
            rc = mqtls_tcp_connect(tcp, "127.0.0.1", port, STEP_MS);
            if (rc != MQTLS_OK)
                return rc;
            mqtls_tcp_transport(tcp, &t);
            conn->clean_session = false;
            *stage = "connect";
            rc = mqtls_client_connect(c, &t, conn, NULL, STEP_MS);
        }
        *stage = "loop";
        if (rc == MQTLS_OK)
            rc = loop_for(c, STEP_MS, UNTIL_ACKED);
        if (rc == MQTLS_OK)
            return rc;
    }
    return rc;
}

static int32_t run(mqtls_client_t *c, const char *action, const char **stage)
{
    if (strcmp(action, "sub") == 0) {
        mqtls_subscription_t s = { .filter = "t", .filter_len = 1, .qos = 2 };
        uint8_t granted = 0;
        *stage = "subscribe";
        int32_t rc = mqtls_client_subscribe(c, &s, 1, NULL, &granted, STEP_MS);
        if (rc != MQTLS_OK)
            return rc;
        *stage = "loop";
        return loop_for(c, 1000, UNTIL_TIME);
    }
    if (strcmp(action, "pub1") == 0 || strcmp(action, "pub2") == 0) {
        mqtls_publish_t m = { .topic = "t", .topic_len = 1, .payload = (const uint8_t *)"x",
                              .payload_len = 1, .qos = (uint8_t)(action[3] - '0') };
        *stage = "publish";
        int32_t rc = mqtls_client_publish(c, &m, NULL);
        if (rc != MQTLS_OK)
            return rc;
        *stage = "loop";
        return loop_for(c, STEP_MS, UNTIL_ACKED);
    }
    *stage = "loop";
    if (strcmp(action, "marker") == 0)
        return loop_for(c, 5000, UNTIL_MARKER);
    return loop_for(c, strcmp(action, "wait") == 0 ? 4000 : 1000, UNTIL_TIME);
}

int main(int argc, char **argv)
{
    static uint8_t tx[512], rx[RX_LEN], arena[4096], bitmap[MQTLS_INBOUND_BITMAP_SIZE];
    static uint8_t al_in[4 * MQTLS_ALIAS_IN_SLOT(32)];
    static mqtls_inflight_t out[4];
    static uint16_t in_ids[4];
    mqtls_client_t c;
    mqtls_memstore_t ms;
    mqtls_store_t store;
    mqtls_tcp_t tcp;
    mqtls_transport_t t;
    if (argc != 5) {
        fprintf(stderr, "usage: hostile_client PORT VERSION SCENARIO ACTION\n");
        return 2;
    }
    mqtls_memstore_init(&ms, arena, sizeof arena, &store);
    mqtls_client_config_t cfg = { .tx_buf = tx, .tx_len = sizeof tx, .rx_buf = rx, .rx_len = sizeof rx,
                                  .outbound = out, .outbound_count = 4, .inbound_bitmap = bitmap,
                                  .store = &store, .now_ms = mqtls_posix_now_ms, .on_message = on_msg,
                                  .ping_timeout_ms = 1000, .alias_in = al_in, .alias_in_len = sizeof al_in,
                                  .alias_in_count = 4 };
    if (strcmp(argv[4], "rm4") == 0) {
        cfg.inbound_bitmap = NULL;
        cfg.inbound_ids = in_ids;
        cfg.inbound_count = 4;
    }
    if (mqtls_client_init(&c, &cfg) != MQTLS_OK)
        return 2;
    mqtls_tcp_init(&tcp);
    const char *stage = "tcp";
    int32_t rc = mqtls_tcp_connect(&tcp, "127.0.0.1", (uint16_t)atoi(argv[1]), STEP_MS);
    if (rc == MQTLS_OK) {
        mqtls_tcp_transport(&tcp, &t);
        mqtls_connect_t conn = { .protocol_version = (uint8_t)atoi(argv[2]), .clean_session = true,
                                 .keepalive_s = strcmp(argv[4], "wait") == 0 ? 1 : 30,
                                 .client_id = argv[3], .client_id_len = strlen(argv[3]) };
        mqtls_props_t cp = { .present = MQTLS_PROP_BIT(MQTLS_PROP_SESSION_EXPIRY), .session_expiry = 60 };
        if (conn.protocol_version == MQTLS_PROTO_V5 && strcmp(argv[4], "resume") == 0)
            conn.props = &cp;
        stage = "connect";
        rc = mqtls_client_connect(&c, &t, &conn, NULL, STEP_MS);
        if (rc == MQTLS_OK) {
            if (strcmp(argv[4], "resume") == 0)
                rc = resume(&c, &tcp, (uint16_t)atoi(argv[1]), &conn, &stage);
            else
                rc = run(&c, argv[4], &stage);
            if (rc == MQTLS_OK)
                stage = "done";
        }
    }
    printf("stage=%s err=%s msgs=%lu dropped=%lu outstanding=%zu\n", stage, mqtls_errname(rc), msgs,
           (unsigned long)mqtls_client_dropped(&c), mqtls_client_outstanding(&c));
    if (mqtls_client_is_connected(&c))
        mqtls_client_disconnect(&c, NULL);
    mqtls_tcp_close(&tcp);
    return 0;
}
