/* SPDX-License-Identifier: MIT
 * mqtls tests: a QoS 1/2 publisher that survives forced disconnects, for test_faults.sh. */
/*
 * Usage: fault_stream PORT VERSION QOS COUNT CLIENT_ID TOPIC
 *
 * Publishes COUNT messages "m000000", "m000001", ... to TOPIC at QoS 1 or 2
 * through whatever listens on 127.0.0.1:PORT (faultproxy.py in front of a
 * real mosquitto). Every time the connection dies it reconnects at once,
 * with clean session 0 (5.0: clean start 0 and a session expiry of 300 s),
 * and republishes nothing itself: resending what the broker has not
 * acknowledged is the library's job [MQTT-4.4.0-1]. That is the point of
 * the test. Only the first connection starts a clean session.
 *
 * A publish that failed with a transport error has still stored its message
 * (client.h); the program tells by mqtls_client_outstanding() going up, so it
 * never counts on the error class. It stops when all COUNT messages were
 * published and acknowledged, then disconnects and prints one line:
 * `published=N connects=C errors=E` (C-1 reconnects). Exit 0 on success, 1
 * if the whole run took longer than 180 s (a stuck resend must not hang the
 * suite), 2 on bad usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/client.h"
#include "mqtls/tcp.h"

#define WINDOW 10u
#define DEADLINE_MS 180000u

typedef struct {
    mqtls_client_t c;
    mqtls_tcp_t tcp;
    mqtls_transport_t t;
    mqtls_connect_t conn;
    mqtls_props_t props;
    uint16_t port;
    unsigned long connects, errors;
    bool connected;
} stream_t;

static bool try_connect(stream_t *s)
{
    mqtls_tcp_close(&s->tcp);
    mqtls_tcp_init(&s->tcp);
    if (mqtls_tcp_connect(&s->tcp, "127.0.0.1", s->port, 2000) != MQTLS_OK)
        return false;
    mqtls_tcp_transport(&s->tcp, &s->t);
    int32_t rc = mqtls_client_connect(&s->c, &s->t, &s->conn, NULL, 2000);
    if (rc != MQTLS_OK) {
        s->errors++;
        return false;
    }
    s->connects++;
    s->conn.clean_session = false; /* from now on: resume the session */
    s->connected = true;
    return true;
}

/* A fatal error: the connection is gone, reconnect on the next step. */
static void lost(stream_t *s)
{
    s->errors++;
    s->connected = false;
    mqtls_tcp_close(&s->tcp);
}

int main(int argc, char **argv)
{
    static uint8_t tx[1024], rx[1024], arena[8192], bitmap[MQTLS_INBOUND_BITMAP_SIZE];
    static mqtls_inflight_t out[WINDOW];
    static stream_t s;
    mqtls_memstore_t ms;
    mqtls_store_t store;
    if (argc != 7) {
        fprintf(stderr, "usage: fault_stream PORT VERSION QOS COUNT CLIENT_ID TOPIC\n");
        return 2;
    }
    s.port = (uint16_t)atoi(argv[1]);
    uint8_t qos = (uint8_t)atoi(argv[3]);
    long count = atol(argv[4]);
    const char *topic = argv[6];
    mqtls_memstore_init(&ms, arena, sizeof arena, &store);
    mqtls_client_config_t cfg = { .tx_buf = tx, .tx_len = sizeof tx, .rx_buf = rx, .rx_len = sizeof rx,
                                  .outbound = out, .outbound_count = WINDOW, .inbound_bitmap = bitmap,
                                  .store = &store, .now_ms = mqtls_posix_now_ms };
    if (mqtls_client_init(&s.c, &cfg) != MQTLS_OK)
        return 2;
    mqtls_tcp_init(&s.tcp);
    s.props.present = MQTLS_PROP_BIT(MQTLS_PROP_SESSION_EXPIRY);
    s.props.session_expiry = 300;
    s.conn = (mqtls_connect_t){ .protocol_version = (uint8_t)atoi(argv[2]), .clean_session = true,
                                .keepalive_s = 30, .client_id = argv[5], .client_id_len = strlen(argv[5]) };
    if (s.conn.protocol_version == MQTLS_PROTO_V5)
        s.conn.props = &s.props;

    uint32_t start = mqtls_posix_now_ms(NULL);
    long next = 0;
    while (next < count || mqtls_client_outstanding(&s.c) > 0) {
        if (mqtls_posix_now_ms(NULL) - start > DEADLINE_MS) {
            fprintf(stderr, "fault_stream: not done after %u s: published %ld, outstanding %zu\n",
                    DEADLINE_MS / 1000u, next, mqtls_client_outstanding(&s.c));
            return 1;
        }
        if (!s.connected && !try_connect(&s))
            continue;
        if (next < count) {
            char payload[16];
            int n = snprintf(payload, sizeof payload, "m%06ld", next);
            mqtls_publish_t m = { .topic = topic, .topic_len = strlen(topic), .payload = (const uint8_t *)payload,
                                  .payload_len = (size_t)n, .qos = qos };
            size_t before = mqtls_client_outstanding(&s.c);
            int32_t rc = mqtls_client_publish(&s.c, &m, NULL);
            if (rc == MQTLS_OK) {
                next++;
                continue;
            }
            if (mqtls_client_outstanding(&s.c) > before)
                next++; /* stored: the library resends it */
            if (rc != MQTLS_ERR_INFLIGHT_FULL && rc != MQTLS_ERR_STORE_FULL && rc != MQTLS_ERR_WANT_WRITE) {
                lost(&s);
                continue;
            }
        }
        int32_t rc = mqtls_client_loop(&s.c, 20);
        if (rc != MQTLS_OK)
            lost(&s);
    }
    if (s.connected)
        mqtls_client_disconnect(&s.c, NULL);
    mqtls_tcp_close(&s.tcp);
    printf("published=%ld connects=%lu errors=%lu\n", next, s.connects, s.errors);
    return 0;
}
