/* SPDX-License-Identifier: MIT
 * mqtls compat: the Paho Embedded-C MQTTClient API, on the mqtls client. */
/*
 * Firmware written for Paho's MQTTClient-C builds unchanged against this
 * header: same types, names, return codes and blocking behaviour. Under it
 * runs mqtls's own client (include/mqtls/client.h), not Paho's code; bytes
 * go through the Network's mqttread/mqttwrite.
 *
 * - MQTTClientInit's send and read buffers are the client's TX and RX
 *   buffers (the largest packet sent / accepted). No heap: the client's
 *   state, in-flight records and handlers live in the MQTTClient.
 * - MQTTConnect, MQTTSubscribe, MQTTUnsubscribe wait for their
 *   acknowledgement, MQTTPublish for its own PUBACK (QoS 1) or PUBCOMP
 *   (QoS 2), each at most command_timeout_ms. MQTTYield receives,
 *   dispatches and keeps the connection alive (PINGREQ) for timeout_ms.
 * - Returns: SUCCESS, FAILURE, BUFFER_OVERFLOW (the packet does not fit the
 *   send buffer); MQTTConnect returns the CONNACK code (1..5) when refused,
 *   as Paho does.
 * - A FAILURE because the connection is lost (closed by the broker, a
 *   SUBACK, UNSUBACK, PUBACK or PUBCOMP not within command_timeout_ms,
 *   keepalive) leaves the client disconnected, as Paho's MQTTCloseSession
 *   does (no DISCONNECT is sent; the socket stays the firmware's to close):
 *   MQTTIsConnected() is 0 and MQTTPublish, MQTTSubscribe, MQTTUnsubscribe,
 *   MQTTYield fail at once; close the Network, connect it again and call
 *   MQTTConnect. mqtls_paho_last_error() says why (MQTLS_ERR_TIMEOUT,
 *   MQTLS_ERR_CLOSED, ...).
 * - MQTTSubscribe refused by the broker (SUBACK 0x80) returns SUCCESS, as
 *   Paho 1.1's does (its MQTTSubscribeWithResults is what shows the 0x80):
 *   no handler is set and the client stays connected. The host extension
 *   mqtls_paho_last_error() is then MQTLS_ERR_SUBSCRIBE_REFUSED.
 * - Handlers are called from MQTTYield (or while a call waits for its
 *   acknowledgement) and must not call the client; the message and topic
 *   point into the read buffer and are valid during the call only.
 * - QoS 1/2 messages are not kept for a resend across reconnects (Paho's
 *   client does not keep them either): MQTTPublish waits for the
 *   acknowledgement instead. One that timed out (FAILURE, disconnected) is
 *   not sent again by the next MQTTConnect; the broker may or may not have
 *   it, so publish it again if it must arrive.
 */
#ifndef MQTLS_COMPAT_MQTTCLIENT_H
#define MQTLS_COMPAT_MQTTCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "MQTTCC3200.h"
#include "mqtls/client.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef MAX_PACKET_ID
#define MAX_PACKET_ID 65535
#endif
#ifndef MAX_MESSAGE_HANDLERS
#define MAX_MESSAGE_HANDLERS 5
#endif
/** Incoming QoS 2 messages awaiting PUBREL at once. */
#ifndef MQTLS_PAHO_INBOUND
#define MQTLS_PAHO_INBOUND 8
#endif

enum QoS { QOS0, QOS1, QOS2, SUBFAIL = 0x80 };

enum returnCode { BUFFER_OVERFLOW = -2, FAILURE = -1, SUCCESS = 0 };

typedef struct {
    int len;
    char *data;
} MQTTLenString;

/** A string as Paho has it: a C string, or (cstring NULL) a length and bytes. */
typedef struct {
    char *cstring;
    MQTTLenString lenstring;
} MQTTString;

#define MQTTString_initializer { NULL, { 0, NULL } }

typedef struct MQTTMessage {
    enum QoS qos;
    unsigned char retained;
    unsigned char dup;
    unsigned short id;
    void *payload;
    size_t payloadlen;
} MQTTMessage;

typedef struct MessageData {
    MQTTMessage *message;
    MQTTString *topicName;
} MessageData;

typedef void (*messageHandler)(MessageData *);

typedef struct {
    char struct_id[4]; /* "MQTW" */
    int struct_version;
    MQTTString topicName;
    MQTTString message;
    unsigned char retained;
    char qos;
} MQTTPacket_willOptions;

#define MQTTPacket_willOptions_initializer \
    { { 'M', 'Q', 'T', 'W' }, 0, MQTTString_initializer, MQTTString_initializer, 0, 0 }

typedef struct {
    char struct_id[4]; /* "MQTC" */
    int struct_version;
    unsigned char MQTTVersion; /* 4: 3.1.1 (3.1 is not supported) */
    MQTTString clientID;
    unsigned short keepAliveInterval;
    unsigned char cleansession;
    unsigned char willFlag;
    MQTTPacket_willOptions will;
    MQTTString username;
    MQTTString password;
} MQTTPacket_connectData;

#define MQTTPacket_connectData_initializer                                                                       \
    { { 'M', 'Q', 'T', 'C' }, 0, 4, MQTTString_initializer, 60, 1, 0, MQTTPacket_willOptions_initializer,          \
      MQTTString_initializer, MQTTString_initializer }

/** The client. Allocate it (statically is fine); fields are private. */
typedef struct MQTTClient {
    unsigned int command_timeout_ms;
    size_t buf_size, readbuf_size;
    unsigned char *buf, *readbuf;
    unsigned int keepAliveInterval;
    int isconnected;
    struct MessageHandlers {
        const char *topicFilter;
        void (*fp)(MessageData *);
    } messageHandlers[MAX_MESSAGE_HANDLERS];
    void (*defaultMessageHandler)(MessageData *);
    Network *ipstack;
    /* mqtls underneath */
    mqtls_client_t core;
    mqtls_transport_t transport;
    mqtls_msgstore_t store;
    mqtls_inflight_t outbound[1];
    uint16_t inbound_ids[MQTLS_PAHO_INBOUND];
    int32_t last_error; /* the mqtls_err_t behind the last FAILURE */
} MQTTClient;

typedef MQTTClient Client;

#define DefaultClient { 0 }

void MQTTClientInit(MQTTClient *c, Network *network, unsigned int command_timeout_ms, unsigned char *sendbuf,
                    size_t sendbuf_size, unsigned char *readbuf, size_t readbuf_size);
int MQTTConnect(MQTTClient *c, MQTTPacket_connectData *options);
int MQTTPublish(MQTTClient *c, const char *topicName, MQTTMessage *message);
int MQTTSubscribe(MQTTClient *c, const char *topicFilter, enum QoS qos, messageHandler handler);
int MQTTUnsubscribe(MQTTClient *c, const char *topicFilter);
int MQTTDisconnect(MQTTClient *c);
int MQTTYield(MQTTClient *c, int timeout_ms);
int MQTTIsConnected(MQTTClient *c);
/** Set (or with NULL remove) the handler of a filter, without subscribing. */
int MQTTSetMessageHandler(MQTTClient *c, const char *topicFilter, messageHandler handler);

/** Host extension: the mqtls_err_t behind the last FAILURE (0 if none);
 * right after MQTTSubscribe, MQTLS_ERR_SUBSCRIBE_REFUSED if the broker
 * refused the subscription, 0 if it granted it. */
int32_t mqtls_paho_last_error(const MQTTClient *c);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_COMPAT_MQTTCLIENT_H */
