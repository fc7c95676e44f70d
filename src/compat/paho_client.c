/* SPDX-License-Identifier: MIT
 * mqtls compat: the Paho Embedded-C MQTTClient API on the mqtls client. */
/*
 * see mqtls/compat/MQTTClient.h. Each Paho call is one or two mqtls client
 * calls; the Network becomes an mqtls_transport_t (its mqttread with a 0
 * timeout is "what is there now", its socket's wait is the transport's
 * wait). MQTTPublish blocks as Paho's does, by running the client's loop
 * until the message is acknowledged. The message store keeps nothing:
 * a blocking publish never needs a resend from it, and a reconnect with a
 * session finds nothing to resend, as with Paho.
 */
#include <string.h>

#include "MQTTClient.h"
#include "mqtls/tcp.h"
#include "mqtls/topic.h"
#include "sl_priv.h"

/* ---- the Network as a transport ---------------------------------------------------- */

static int32_t net_send(void *ctx, const uint8_t *buf, size_t len)
{
    Network *n = ctx;
    int chunk = len > 16384u ? 16384 : (int)len;
    int r = n->mqttwrite(n, (unsigned char *)(uintptr_t)buf, chunk, 0);
    if (r < 0) {
        return r == SL_ESECCLOSED ? MQTLS_ERR_CLOSED : MQTLS_ERR_SEND;
    }
    return r;
}

static int32_t net_recv(void *ctx, uint8_t *buf, size_t len)
{
    Network *n = ctx;
    int r = n->mqttread(n, buf, len > 16384u ? 16384 : (int)len, 0);
    if (r < 0) {
        return r == SL_ESECCLOSED || r == SL_ECONNRESET ? MQTLS_ERR_CLOSED : MQTLS_ERR_RECV;
    }
    return r;
}

static int32_t net_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    Network *n = ctx;
    int32_t w = mqtls__sl_wait((_i16)n->my_socket, events, timeout_ms);
    /* A Network that is not one of our sockets cannot be waited on: poll. */
    return w == SL_EBADF ? 1 : (w < 0 ? MQTLS_ERR_RECV : w);
}

static void net_close(void *ctx)
{
    (void)ctx; /* Paho leaves the socket to the firmware (n.disconnect) */
}

/* ---- a store that keeps nothing ------------------------------------------------------ */

static int32_t store_put(void *ctx, uint16_t id, const uint8_t *pkt, size_t len)
{
    (void)ctx;
    (void)id;
    (void)pkt;
    (void)len;
    return MQTLS_OK;
}

static int32_t store_get(void *ctx, uint16_t id, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)id;
    (void)buf;
    (void)len;
    return MQTLS_ERR_INVALID_ARG; /* not kept: the client then drops the record */
}

static void store_remove(void *ctx, uint16_t id)
{
    (void)ctx;
    (void)id;
}

static void store_clear(void *ctx)
{
    (void)ctx;
}

/* ---- delivery ------------------------------------------------------------------------ */

static void deliver(void *user, const mqtls_message_t *msg)
{
    MQTTClient *c = user;
    MQTTMessage m;
    m.qos = (enum QoS)msg->qos;
    m.retained = msg->retain ? 1u : 0u;
    m.dup = msg->dup ? 1u : 0u;
    m.id = msg->packet_id;
    m.payload = (void *)(uintptr_t)msg->payload;
    m.payloadlen = msg->payload_len;
    MQTTString topic = MQTTString_initializer;
    topic.lenstring.len = (int)msg->topic_len;
    topic.lenstring.data = (char *)(uintptr_t)msg->topic;
    MessageData md = { &m, &topic };
    bool handled = false;
    for (int i = 0; i < MAX_MESSAGE_HANDLERS; i++) {
        const char *f = c->messageHandlers[i].topicFilter;
        if (f != NULL && c->messageHandlers[i].fp != NULL &&
            mqtls_topic_matches(f, strlen(f), msg->topic, msg->topic_len)) {
            c->messageHandlers[i].fp(&md);
            handled = true;
        }
    }
    if (!handled && c->defaultMessageHandler != NULL) {
        c->defaultMessageHandler(&md);
    }
}

/* ---- the API -------------------------------------------------------------------------- */

static int failure(MQTTClient *c, int32_t err)
{
    c->last_error = err;
    if (!mqtls_client_is_connected(&c->core)) {
        c->isconnected = 0;
    }
    return err == MQTLS_ERR_TX_BUFFER_TOO_SMALL || err == MQTLS_ERR_BUFFER_TOO_SMALL ? BUFFER_OVERFLOW : FAILURE;
}

void MQTTClientInit(MQTTClient *c, Network *network, unsigned int command_timeout_ms, unsigned char *sendbuf,
                    size_t sendbuf_size, unsigned char *readbuf, size_t readbuf_size)
{
    if (c == NULL) {
        return;
    }
    memset(c, 0, sizeof *c);
    c->ipstack = network;
    c->command_timeout_ms = command_timeout_ms;
    c->buf = sendbuf;
    c->buf_size = sendbuf_size;
    c->readbuf = readbuf;
    c->readbuf_size = readbuf_size;
    c->store.ctx = c;
    c->store.put = store_put;
    c->store.get = store_get;
    c->store.remove = store_remove;
    c->store.clear = store_clear;
    c->transport.ctx = network;
    c->transport.send = net_send;
    c->transport.recv = net_recv;
    c->transport.wait = net_wait;
    c->transport.close = net_close;
    mqtls_client_config_t cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tx_buf = sendbuf;
    cfg.tx_len = sendbuf_size;
    cfg.rx_buf = readbuf;
    cfg.rx_len = readbuf_size;
    cfg.outbound = c->outbound;
    cfg.outbound_count = sizeof c->outbound / sizeof c->outbound[0];
    cfg.inbound_ids = c->inbound_ids;
    cfg.inbound_count = MQTLS_PAHO_INBOUND;
    cfg.store = &c->store;
    cfg.now_ms = mqtls_posix_now_ms;
    cfg.on_message = deliver;
    cfg.user = c;
    c->last_error = mqtls_client_init(&c->core, &cfg); /* bad buffers: every later call fails */
}

static size_t mqtt_len(const MQTTString *s)
{
    return s->cstring != NULL ? strlen(s->cstring) : (s->lenstring.len > 0 ? (size_t)s->lenstring.len : 0u);
}

static const char *mqtt_str(const MQTTString *s)
{
    return s->cstring != NULL ? s->cstring : s->lenstring.data;
}

int MQTTConnect(MQTTClient *c, MQTTPacket_connectData *o)
{
    if (c == NULL || c->ipstack == NULL) {
        return FAILURE;
    }
    if (c->isconnected) {
        return FAILURE; /* as Paho: connect once */
    }
    MQTTPacket_connectData dflt = MQTTPacket_connectData_initializer;
    if (o == NULL) {
        o = &dflt;
    }
    if (o->MQTTVersion != 4) {
        return failure(c, MQTLS_ERR_NOT_SUPPORTED); /* MQTT 3.1 (version 3) is not spoken */
    }
    mqtls_connect_t conn;
    memset(&conn, 0, sizeof conn);
    conn.protocol_version = MQTLS_PROTO_V311;
    conn.clean_session = o->cleansession != 0u;
    conn.keepalive_s = o->keepAliveInterval;
    conn.client_id = mqtt_str(&o->clientID) != NULL ? mqtt_str(&o->clientID) : "";
    conn.client_id_len = mqtt_len(&o->clientID);
    if (mqtt_str(&o->username) != NULL) {
        conn.username = mqtt_str(&o->username);
        conn.username_len = mqtt_len(&o->username);
    }
    if (mqtt_str(&o->password) != NULL) {
        conn.password = (const uint8_t *)mqtt_str(&o->password);
        conn.password_len = mqtt_len(&o->password);
    }
    if (o->willFlag) {
        conn.will = true;
        conn.will_topic = mqtt_str(&o->will.topicName);
        conn.will_topic_len = mqtt_len(&o->will.topicName);
        conn.will_payload = (const uint8_t *)mqtt_str(&o->will.message);
        conn.will_payload_len = mqtt_len(&o->will.message);
        conn.will_qos = (uint8_t)o->will.qos;
        conn.will_retain = o->will.retained != 0u;
    }
    c->keepAliveInterval = o->keepAliveInterval;
    int32_t rc = mqtls_client_connect(&c->core, &c->transport, &conn, NULL, c->command_timeout_ms);
    if (rc >= MQTLS_ERR_REFUSED_NOT_AUTHORIZED && rc <= MQTLS_ERR_REFUSED_PROTOCOL_VERSION) {
        c->last_error = rc;
        return MQTLS_ERR_REFUSED_PROTOCOL_VERSION - rc + 1; /* the CONNACK code, 1..5, as Paho returns it */
    }
    if (rc != MQTLS_OK) {
        return failure(c, rc);
    }
    c->isconnected = 1;
    c->last_error = 0;
    return SUCCESS;
}

int MQTTSetMessageHandler(MQTTClient *c, const char *topicFilter, messageHandler handler)
{
    if (c == NULL || topicFilter == NULL) {
        return FAILURE;
    }
    int free_slot = -1;
    for (int i = 0; i < MAX_MESSAGE_HANDLERS; i++) {
        const char *f = c->messageHandlers[i].topicFilter;
        if (f != NULL && strcmp(f, topicFilter) == 0) {
            c->messageHandlers[i].fp = handler;
            if (handler == NULL) {
                c->messageHandlers[i].topicFilter = NULL;
            }
            return SUCCESS;
        }
        if (f == NULL && free_slot < 0) {
            free_slot = i;
        }
    }
    if (handler == NULL) {
        return SUCCESS;
    }
    if (free_slot < 0) {
        return FAILURE;
    }
    /* Borrowed, as in Paho: the filter string must outlive the subscription. */
    c->messageHandlers[free_slot].topicFilter = topicFilter;
    c->messageHandlers[free_slot].fp = handler;
    return SUCCESS;
}

int MQTTSubscribe(MQTTClient *c, const char *topicFilter, enum QoS qos, messageHandler handler)
{
    if (c == NULL || topicFilter == NULL || !c->isconnected || (unsigned)qos > 2u) {
        return FAILURE;
    }
    mqtls_subscription_t sub = { .filter = topicFilter, .filter_len = strlen(topicFilter), .qos = (uint8_t)qos };
    uint8_t granted = SUBFAIL;
    int32_t rc = mqtls_client_subscribe(&c->core, &sub, 1, NULL, &granted, c->command_timeout_ms);
    if (rc != MQTLS_OK && rc != MQTLS_ERR_SUBSCRIBE_REFUSED) {
        return failure(c, rc); /* timeout, connection lost: the client is disconnected */
    }
    if (rc == MQTLS_ERR_SUBSCRIBE_REFUSED || granted == SUBFAIL) {
        /* As Paho 1.1's MQTTSubscribe: SUCCESS, no handler, still connected. */
        c->last_error = MQTLS_ERR_SUBSCRIBE_REFUSED;
        return SUCCESS;
    }
    c->last_error = 0;
    return MQTTSetMessageHandler(c, topicFilter, handler);
}

int MQTTUnsubscribe(MQTTClient *c, const char *topicFilter)
{
    if (c == NULL || topicFilter == NULL || !c->isconnected) {
        return FAILURE;
    }
    mqtls_subscription_t sub = { .filter = topicFilter, .filter_len = strlen(topicFilter) };
    int32_t rc = mqtls_client_unsubscribe(&c->core, &sub, 1, NULL, NULL, c->command_timeout_ms);
    if (rc != MQTLS_OK) {
        return failure(c, rc);
    }
    return MQTTSetMessageHandler(c, topicFilter, NULL);
}

/*
 * Is the exchange of packet id `id` still going on? The in-flight records are
 * this layer's own array (cfg.outbound = c->outbound), and a released record
 * has packet_id 0 (mqtls_inflight_t): the record of `id` goes at its PUBACK
 * (QoS 1) or PUBCOMP (QoS 2).
 */
/* A command that timed out gives up the connection, as Paho's MQTTCloseSession. */
static int timed_out(MQTTClient *c)
{
    mqtls_client_abort(&c->core);
    return failure(c, MQTLS_ERR_TIMEOUT);
}

int MQTTPublish(MQTTClient *c, const char *topicName, MQTTMessage *message)
{
    if (c == NULL || topicName == NULL || message == NULL || !c->isconnected || (unsigned)message->qos > 2u) {
        return FAILURE;
    }
    mqtls_publish_t p;
    memset(&p, 0, sizeof p);
    p.topic = topicName;
    p.topic_len = strlen(topicName);
    p.payload = message->payload;
    p.payload_len = message->payloadlen;
    p.qos = (uint8_t)message->qos;
    p.retain = message->retained != 0u;
    uint16_t id = 0;
    int32_t rc;
    uint32_t start = mqtls_posix_now_ms(NULL);
    /* The transmitter may still hold an earlier packet: let the loop drain it. */
    while ((rc = mqtls_client_publish(&c->core, &p, &id)) == MQTLS_ERR_WANT_WRITE ||
           rc == MQTLS_ERR_INFLIGHT_FULL) {
        if (mqtls_posix_now_ms(NULL) - start >= c->command_timeout_ms) {
            return timed_out(c);
        }
        int32_t l = mqtls_client_loop(&c->core, 10);
        if (l != MQTLS_OK && l != MQTLS_ERR_MESSAGE_TOO_LARGE) {
            return failure(c, l);
        }
    }
    if (rc != MQTLS_OK) {
        return failure(c, rc);
    }
    message->id = id;
    /* Wait for this message's own PUBACK / PUBCOMP, not for any other. */
    while (p.qos > 0u && mqtls_client_in_flight(&c->core, id)) {
        uint32_t spent = mqtls_posix_now_ms(NULL) - start;
        if (spent >= c->command_timeout_ms) {
            return timed_out(c);
        }
        uint32_t left = c->command_timeout_ms - spent;
        rc = mqtls_client_loop(&c->core, left < 50u ? left : 50u);
        if (rc != MQTLS_OK && rc != MQTLS_ERR_MESSAGE_TOO_LARGE) {
            return failure(c, rc);
        }
    }
    return SUCCESS;
}

int MQTTYield(MQTTClient *c, int timeout_ms)
{
    if (c == NULL || !c->isconnected) {
        return FAILURE;
    }
    uint32_t limit = timeout_ms > 0 ? (uint32_t)timeout_ms : 0u;
    uint32_t start = mqtls_posix_now_ms(NULL);
    do {
        uint32_t spent = mqtls_posix_now_ms(NULL) - start;
        uint32_t left = limit > spent ? limit - spent : 0u;
        int32_t rc = mqtls_client_loop(&c->core, left);
        if (rc != MQTLS_OK && rc != MQTLS_ERR_MESSAGE_TOO_LARGE) {
            return failure(c, rc);
        }
    } while (mqtls_posix_now_ms(NULL) - start < limit);
    return SUCCESS;
}

int MQTTDisconnect(MQTTClient *c)
{
    if (c == NULL) {
        return FAILURE;
    }
    int32_t rc = mqtls_client_disconnect(&c->core, NULL);
    c->isconnected = 0;
    return rc == MQTLS_OK ? SUCCESS : failure(c, rc);
}

int MQTTIsConnected(MQTTClient *c)
{
    return c != NULL && c->isconnected && mqtls_client_is_connected(&c->core) ? 1 : 0;
}

int32_t mqtls_paho_last_error(const MQTTClient *c)
{
    return c != NULL ? c->last_error : MQTLS_ERR_INVALID_ARG;
}
