/* SPDX-License-Identifier: MIT
 * mqtls: the small application scripts/core-size.sh links to measure the core. */
/*
 * What a firmware that talks MQTT does, and nothing else: one client with
 * static buffers and a RAM message store, connect, subscribe, publish QoS 1,
 * run the loop, disconnect, and report a failure with mqtls_strerror(). The
 * linked size of the core is what --gc-sections keeps of it for this
 * program, measured the way coreMQTT's was (5 009 B for v2.3.1). The
 * transport and the clock are the board's (stubs here: their bytes are not
 * the library's and are not counted). It is only linked, never run.
 * SIZE_APP_V5 1 connects with MQTT 5.0; SIZE_APP_TEXT 1 reports a failure
 * with mqtls_strerror() (a sentence, or with MQTLS_CONFIG_ERROR_STRINGS 0
 * the name), 0 with the number only, as coreMQTT's demo does.
 * SIZE_APP_STORE 1 keeps the QoS 1/2 copies in the core's RAM store
 * (mqtls_memstore_init()); 0 brings the board's own mqtls_msgstore_t (a
 * flash driver, stubs here, not counted), as coreMQTT's application keeps
 * its own copies: the like-for-like reading of coreMQTT's figure.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/client.h"
#include "mqtls/error.h"

#ifndef SIZE_APP_V5
#define SIZE_APP_V5 0
#endif
#ifndef SIZE_APP_TEXT
#define SIZE_APP_TEXT 1
#endif
#ifndef SIZE_APP_STORE
#define SIZE_APP_STORE 1
#endif

/* The board: a UART or socket transport, a millisecond tick and a console
 * (stubs; never run). */
static volatile uint32_t board_reg;

static int32_t board_send(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    board_reg = buf[0];
    return (int32_t)len;
}

static int32_t board_recv(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    buf[0] = (uint8_t)board_reg;
    return len > 0u ? 1 : 0;
}

static uint32_t board_ms(void *user)
{
    (void)user;
    return board_reg;
}

#if SIZE_APP_TEXT
static void board_log(const char *text)
{
    board_reg = (uint32_t)(uintptr_t)text;
}
#endif

#if !SIZE_APP_STORE
/* The board's store: the four required hooks (mqtls/msgstore.h). */
static int32_t board_put(void *ctx, uint16_t id, const uint8_t *pkt, size_t len)
{
    (void)ctx;
    board_reg = (uint32_t)id + pkt[0];
    return len > 0u ? 0 : -1;
}

static int32_t board_get(void *ctx, uint16_t id, uint8_t *buf, size_t len)
{
    (void)ctx;
    buf[0] = (uint8_t)id;
    return len > 0u ? 1 : -1;
}

static void board_remove(void *ctx, uint16_t id)
{
    (void)ctx;
    board_reg = id;
}

static void board_clear(void *ctx)
{
    (void)ctx;
    board_reg = 0;
}
#endif

static mqtls_client_t client;
#if SIZE_APP_STORE
static mqtls_memstore_t ms;
static uint8_t arena[1024];
static mqtls_msgstore_t store;
#else
static mqtls_msgstore_t store = {NULL, board_put, board_get, board_remove, board_clear, NULL, NULL, NULL, NULL};
#endif
static uint8_t tx[256];
static uint8_t rx[256];
static mqtls_inflight_t outbound[4];
static uint16_t inbound[4];
static volatile uint32_t received;

static void on_message(void *user, const mqtls_message_t *msg)
{
    (void)user;
    received += (uint32_t)msg->payload_len;
}

static int32_t run(void)
{
    static const mqtls_transport_t t = {NULL, board_send, board_recv, NULL, NULL};
    mqtls_client_config_t cfg = {0};
    cfg.tx_buf = tx;
    cfg.tx_len = sizeof tx;
    cfg.rx_buf = rx;
    cfg.rx_len = sizeof rx;
    cfg.outbound = outbound;
    cfg.outbound_count = 4;
    cfg.inbound_ids = inbound;
    cfg.inbound_count = 4;
    cfg.store = &store;
    cfg.now_ms = board_ms;
    cfg.on_message = on_message;
#if SIZE_APP_STORE
    int32_t rc = mqtls_memstore_init(&ms, arena, sizeof arena, &store);
    if (rc == MQTLS_OK) {
        rc = mqtls_client_init(&client, &cfg);
    }
#else
    int32_t rc = mqtls_client_init(&client, &cfg);
#endif
    mqtls_connect_t conn = {0};
    conn.protocol_version = SIZE_APP_V5 ? MQTLS_PROTO_V5 : MQTLS_PROTO_V311;
    conn.clean_session = true;
    conn.keepalive_s = 60;
    conn.client_id = "dev1";
    conn.client_id_len = 4;
    if (rc == MQTLS_OK) {
        rc = mqtls_client_connect(&client, &t, &conn, NULL, 5000);
    }
    mqtls_subscription_t sub = {0};
    sub.filter = "dev1/in/#";
    sub.filter_len = 9;
    sub.qos = 1;
    uint8_t granted = 0;
    if (rc == MQTLS_OK) {
        rc = mqtls_client_subscribe(&client, &sub, 1, NULL, &granted, 5000);
    }
    mqtls_publish_t msg = {0};
    msg.topic = "dev1/out";
    msg.topic_len = 8;
    msg.payload = (const uint8_t *)"hello";
    msg.payload_len = 5;
    msg.qos = 1;
    if (rc == MQTLS_OK) {
        rc = mqtls_client_publish(&client, &msg, NULL);
    }
    for (int i = 0; rc >= 0 && i < 10; i++) {
        rc = mqtls_client_loop(&client, 100);
    }
    if (rc >= 0) {
        rc = mqtls_client_disconnect(&client, NULL);
    }
    return rc;
}

int main(void)
{
    int32_t rc = run();
    if (rc < 0) {
#if SIZE_APP_TEXT
        board_log(mqtls_strerror(rc));
#else
        board_reg = (uint32_t)-rc;
#endif
    }
    return rc < 0;
}
