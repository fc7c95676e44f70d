/* SPDX-License-Identifier: MIT
 * mqtls tests: MQTT 5 "no local" needs one connection that subscribes and
 * publishes, which neither CLI command is; run by test_v5_subopts.sh. */
/*
 * Usage: v5_nolocal PORT
 * Connects with MQTT 5, subscribes to nl/own with no local and to nl/echo
 * without it, publishes one QoS 1 message to each, runs the loop for a
 * second and prints the topics it received, one per line: "nl/echo" only,
 * if the broker honours no local [MQTT-3.8.3-3].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/client.h"
#include "mqtls/tcp.h"

static void on_msg(void *user, const mqtls_message_t *m)
{
    (void)user;
    printf("%.*s\n", (int)m->topic_len, m->topic);
}

int main(int argc, char **argv)
{
    static uint8_t tx[512], rx[512], arena[2048];
    static mqtls_inflight_t out[4];
    static uint16_t in_ids[4];
    mqtls_client_t c;
    mqtls_memstore_t ms;
    mqtls_msgstore_t store;
    mqtls_tcp_t tcp;
    mqtls_transport_t t;
    if (argc != 2)
        return 2;
    mqtls_memstore_init(&ms, arena, sizeof arena, &store);
    mqtls_client_config_t cfg = { .tx_buf = tx, .tx_len = sizeof tx, .rx_buf = rx, .rx_len = sizeof rx,
                                  .outbound = out, .outbound_count = 4, .inbound_ids = in_ids, .inbound_count = 4,
                                  .store = &store, .now_ms = mqtls_posix_now_ms, .on_message = on_msg };
    mqtls_client_init(&c, &cfg);
    mqtls_tcp_init(&tcp);
    int32_t rc = mqtls_tcp_connect(&tcp, "127.0.0.1", (uint16_t)atoi(argv[1]), 5000);
    if (rc == MQTLS_OK) {
        mqtls_tcp_transport(&tcp, &t);
        mqtls_connect_t conn = { .protocol_version = MQTLS_PROTO_V5, .clean_session = true, .keepalive_s = 30,
                                 .client_id = "v5-nolocal", .client_id_len = 10 };
        rc = mqtls_client_connect(&c, &t, &conn, NULL, 5000);
    }
    mqtls_subscription_t subs[2] = { { .filter = "nl/own", .filter_len = 6, .qos = 1, .no_local = true },
                                     { .filter = "nl/echo", .filter_len = 7, .qos = 1 } };
    if (rc == MQTLS_OK)
        rc = mqtls_client_subscribe(&c, subs, 2, NULL, NULL, 5000);
    for (int i = 0; i < 2 && rc == MQTLS_OK; i++) {
        mqtls_publish_t m = { .topic = subs[i].filter, .topic_len = subs[i].filter_len,
                              .payload = (const uint8_t *)"x", .payload_len = 1, .qos = 1 };
        rc = mqtls_client_publish(&c, &m, NULL);
    }
    uint32_t start = mqtls_posix_now_ms(NULL);
    while (rc == MQTLS_OK && mqtls_posix_now_ms(NULL) - start < 1000u)
        rc = mqtls_client_loop(&c, 100);
    if (rc == MQTLS_OK)
        rc = mqtls_client_disconnect(&c, NULL);
    mqtls_tcp_close(&tcp);
    if (rc != MQTLS_OK) {
        fprintf(stderr, "v5_nolocal: %s\n", mqtls_strerror(rc));
        return 1;
    }
    return 0;
}
