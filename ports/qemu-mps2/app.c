/* SPDX-License-Identifier: MIT
 * mqtls: the firmware's MQTT session -- subscribe, publish QoS 0/1/2 to itself. */
/*
 * The same session runs over the plain UART (main_plain.c) and over mutual
 * TLS on the UART (main_tls.c), so the second differs from the first only
 * in its transport. Everything is static and sized here, as firmware does
 * it: the client context, 1 KB buffers each way, four in-flight records, a
 * 1 KB message store arena. The test (tests/integration/test_fw_qemu.sh)
 * reads the printed lines: each received message is printed with its QoS
 * and payload, so a lost, duplicated or corrupted message fails the test,
 * not only a missing "done".
 */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "mps2.h"
#include "mqtls/client.h"

#define SESSION_TIMEOUT_MS 20000u

typedef struct {
    unsigned received;      /* messages seen */
    unsigned seen_qos_mask; /* bit q: a message at QoS q arrived with the right payload */
    unsigned bad;           /* a message that was not one of ours */
} rx_state_t;

static const char *const payloads[3] = {"hello at qos 0", "hello at qos 1", "hello at qos 2"};

static void on_message(void *user, const mqtls_message_t *m)
{
    rx_state_t *st = user;
    st->received++;
    if (m->qos <= 2u && m->payload_len == strlen(payloads[m->qos]) &&
        memcmp(m->payload, payloads[m->qos], m->payload_len) == 0) {
        st->seen_qos_mask |= 1u << m->qos;
        printf("fw: received qos %u '%s'\n", (unsigned)m->qos, payloads[m->qos]);
    } else {
        st->bad++;
        printf("fw: received an unexpected message (qos %u, %u bytes)\n", (unsigned)m->qos, (unsigned)m->payload_len);
    }
}

static int32_t failed(const char *step, int32_t rc)
{
    printf("fw: %s failed: %s (%s)\n", step, mqtls_errname(rc), mqtls_strerror(rc));
    return rc;
}

/* see app.h */
int32_t mqtls_fw_session(const mqtls_transport_t *t, const char *client_id, const char *topic)
{
    static uint8_t tx[1024], rx[1024], arena[1024];
    static mqtls_inflight_t out[4];
    static uint16_t in_ids[4];
    static mqtls_client_t c;
    static mqtls_memstore_t ms;
    static mqtls_store_t store;
    static rx_state_t st;
    int32_t rc;

    memset(&st, 0, sizeof st);
    (void)mqtls_memstore_init(&ms, arena, sizeof arena, &store);
    mqtls_client_config_t cfg = {.tx_buf = tx,
                                 .tx_len = sizeof tx,
                                 .rx_buf = rx,
                                 .rx_len = sizeof rx,
                                 .outbound = out,
                                 .outbound_count = 4,
                                 .inbound_ids = in_ids,
                                 .inbound_count = 4,
                                 .store = &store,
                                 .now_ms = mqtls_mps2_now_ms,
                                 .on_message = on_message,
                                 .user = &st};
    if ((rc = mqtls_client_init(&c, &cfg)) != MQTLS_OK) {
        return failed("client init", rc);
    }
    mqtls_connect_t conn = {.protocol_version = MQTLS_PROTO_V311,
                            .clean_session = true,
                            .keepalive_s = 30,
                            .client_id = client_id,
                            .client_id_len = strlen(client_id)};
    if ((rc = mqtls_client_connect(&c, t, &conn, NULL, 10000u)) != MQTLS_OK) {
        return failed("connect", rc);
    }
    printf("fw: connected as %s (MQTT 3.1.1)\n", client_id);

    mqtls_subscription_t sub = {.filter = topic, .filter_len = strlen(topic), .qos = 2};
    uint8_t granted = 0x80;
    if ((rc = mqtls_client_subscribe(&c, &sub, 1, NULL, &granted, 10000u)) != MQTLS_OK) {
        return failed("subscribe", rc);
    }
    printf("fw: subscribed to %s, granted qos %u\n", topic, (unsigned)granted);

    for (uint8_t q = 0; q <= 2u; q++) {
        mqtls_publish_t msg = {.topic = topic,
                               .topic_len = strlen(topic),
                               .payload = (const uint8_t *)payloads[q],
                               .payload_len = strlen(payloads[q]),
                               .qos = q};
        while ((rc = mqtls_client_publish(&c, &msg, NULL)) == MQTLS_ERR_WANT_WRITE) {
            if ((rc = mqtls_client_loop(&c, 10u)) < 0) {
                return failed("loop", rc);
            }
        }
        if (rc != MQTLS_OK) {
            return failed("publish", rc);
        }
        printf("fw: published qos %u\n", (unsigned)q);
    }

    uint32_t t0 = mqtls_mps2_now_ms(NULL);
    while (st.seen_qos_mask != 7u || mqtls_client_outstanding(&c) != 0u) {
        if ((uint32_t)(mqtls_mps2_now_ms(NULL) - t0) > SESSION_TIMEOUT_MS) {
            return failed("waiting for the three messages", MQTLS_ERR_TIMEOUT);
        }
        if ((rc = mqtls_client_loop(&c, 50u)) < 0) {
            return failed("loop", rc);
        }
    }
    if (st.bad != 0u || st.received != 3u) {
        printf("fw: %u messages received, %u unexpected\n", st.received, st.bad);
        return MQTLS_ERR_PROTOCOL;
    }
    printf("fw: all three messages received, nothing outstanding\n");
    /* The broker's PUBREL for the QoS 2 message it sent us is usually on its
     * way: answer it (PUBCOMP) before leaving, so both QoS 2 flows finish. */
    if ((rc = mqtls_client_loop(&c, 200u)) < 0) {
        return failed("loop", rc);
    }
    if ((rc = mqtls_client_disconnect(&c, NULL)) != MQTLS_OK) {
        return failed("disconnect", rc);
    }
    printf("fw: disconnected\n");
    return MQTLS_OK;
}
