/* SPDX-License-Identifier: MIT
 * mqtls compat: the Paho Embedded-C MQTTClient API, on the mqtls client. */
/**
 * @file
 * @brief The Paho Embedded-C MQTTClient API, run by the mqtls client.
 *
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
 * - Lifetimes: the MQTTClient, the Network and both buffers are the
 *   caller's and are used until the client is no longer; a topic filter
 *   given to MQTTSubscribe or MQTTSetMessageHandler is kept (not copied)
 *   while its handler is set, as in Paho; everything else is read during
 *   the call only.
 *
 * @code
 * static unsigned char sendbuf[512], readbuf[512];
 * static MQTTClient c;
 * static void on_msg(MessageData *md) { handle(md->message->payload, md->message->payloadlen); }
 *
 * Network n;
 * NetworkInit(&n);
 * TLSConnectNetwork(&n, host, 8883, &files, SL_SO_SEC_METHOD_TLSV1_2, SL_SEC_MASK_SECURE_DEFAULT, 1);
 * MQTTClientInit(&c, &n, 5000, sendbuf, sizeof sendbuf, readbuf, sizeof readbuf);
 * MQTTPacket_connectData o = MQTTPacket_connectData_initializer;
 * o.clientID.cstring = "my-thing";
 * if (MQTTConnect(&c, &o) != SUCCESS) fail(mqtls_paho_last_error(&c));
 * MQTTSubscribe(&c, "cmd/my-thing", QOS1, on_msg);
 * MQTTMessage m = { .qos = QOS1, .payload = "hello", .payloadlen = 5 };
 * MQTTPublish(&c, "telemetry/my-thing", &m);
 * while (MQTTIsConnected(&c)) MQTTYield(&c, 1000);
 * @endcode
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
/** The largest packet identifier (Paho's name; the mqtls client picks the ids). */
#define MAX_PACKET_ID 65535
#endif
#ifndef MAX_MESSAGE_HANDLERS
/** How many topic filters may have a handler at once (Paho's knob). */
#define MAX_MESSAGE_HANDLERS 5
#endif
/** Incoming QoS 2 messages awaiting PUBREL at once. */
#ifndef MQTLS_PAHO_INBOUND
#define MQTLS_PAHO_INBOUND 8
#endif

/** Quality of service, and the SUBACK code of a refused subscription. */
enum QoS {
    QOS0,          /**< at most once */
    QOS1,          /**< at least once */
    QOS2,          /**< exactly once */
    SUBFAIL = 0x80 /**< SUBACK: the subscription was refused */
};

/** What the MQTT* calls return (MQTTConnect also returns CONNACK codes 1..5). */
enum returnCode {
    BUFFER_OVERFLOW = -2, /**< the packet does not fit the send buffer */
    FAILURE = -1,         /**< failed; mqtls_paho_last_error() says why */
    SUCCESS = 0           /**< done */
};

/** A string given by length (not NUL-terminated). */
typedef struct {
    int len;    /**< bytes at data */
    char *data; /**< the bytes */
} MQTTLenString;

/** A string as Paho has it: a C string, or (cstring NULL) a length and bytes. */
typedef struct {
    char *cstring;           /**< a NUL-terminated string, or NULL to use lenstring */
    MQTTLenString lenstring; /**< used when cstring is NULL */
} MQTTString;

/** An empty MQTTString. */
#define MQTTString_initializer { NULL, { 0, NULL } }

/** An application message, sent (MQTTPublish) or received (a handler). */
typedef struct MQTTMessage {
    enum QoS qos;           /**< QOS0, QOS1 or QOS2 */
    unsigned char retained; /**< the RETAIN flag */
    unsigned char dup;      /**< received: the DUP flag; ignored when sending */
    unsigned short id;      /**< the packet id: set by MQTTPublish, or of the received message */
    void *payload;          /**< the payload; received: points into the read buffer */
    size_t payloadlen;      /**< bytes of payload */
} MQTTMessage;

/** What a message handler gets; valid during the handler's call only. */
typedef struct MessageData {
    MQTTMessage *message;  /**< the message (payload in the read buffer) */
    MQTTString *topicName; /**< the topic, as a lenstring into the read buffer */
} MessageData;

/** A message handler, called from MQTTYield() (or while a call waits). */
typedef void (*messageHandler)(MessageData *);

/** The will of MQTTPacket_connectData. */
typedef struct {
    char struct_id[4];      /**< "MQTW" (not checked) */
    int struct_version;     /**< 0 (not checked) */
    MQTTString topicName;   /**< the will topic */
    MQTTString message;     /**< the will payload */
    unsigned char retained; /**< retain the will */
    char qos;               /**< the will's QoS, 0..2 */
} MQTTPacket_willOptions;

/** Defaults of MQTTPacket_willOptions: no topic, no message, QoS 0. */
#define MQTTPacket_willOptions_initializer \
    { { 'M', 'Q', 'T', 'W' }, 0, MQTTString_initializer, MQTTString_initializer, 0, 0 }

/** What MQTTConnect() sends; start from MQTTPacket_connectData_initializer. */
typedef struct {
    char struct_id[4];                /**< "MQTC" (not checked) */
    int struct_version;               /**< 0 (not checked) */
    unsigned char MQTTVersion;        /**< 4: 3.1.1 (3.1 is not supported) */
    MQTTString clientID;              /**< the client identifier */
    unsigned short keepAliveInterval; /**< seconds; 0 disables keepalive */
    unsigned char cleansession;       /**< 1: start a clean session */
    unsigned char willFlag;           /**< 1: send `will` */
    MQTTPacket_willOptions will;      /**< the will, used with willFlag */
    MQTTString username;              /**< no user name when both its strings are NULL */
    MQTTString password;              /**< no password when both its strings are NULL */
} MQTTPacket_connectData;

/** Defaults of MQTTPacket_connectData: 3.1.1, keepalive 60 s, clean
 * session, no will, no user name or password, empty client id. */
#define MQTTPacket_connectData_initializer                                                                       \
    { { 'M', 'Q', 'T', 'C' }, 0, 4, MQTTString_initializer, 60, 1, 0, MQTTPacket_willOptions_initializer,          \
      MQTTString_initializer, MQTTString_initializer }

/** The client. Allocate it (statically is fine); fields are private. */
typedef struct MQTTClient {
    unsigned int command_timeout_ms; /**< private: from MQTTClientInit() */
    /** private: the sizes of the send and read buffers */
    size_t buf_size, readbuf_size; /**< private: the sizes of the send and read buffers */
    /** private: the send and read buffers */
    unsigned char *buf, *readbuf;   /**< private: the send and read buffers */
    unsigned int keepAliveInterval; /**< private: from the last MQTTConnect() */
    int isconnected;                /**< private: read it with MQTTIsConnected() */
    /** private: a topic filter and its handler. */
    struct MessageHandlers {
        const char *topicFilter;                  /**< borrowed from the caller; NULL: a free slot */
        void (*fp)(MessageData *);                /**< the handler */
    } messageHandlers[MAX_MESSAGE_HANDLERS];      /**< private: set with MQTTSetMessageHandler() */
    void (*defaultMessageHandler)(MessageData *); /**< private: for messages no filter matches (NULL: dropped) */
    Network *ipstack;                             /**< private: from MQTTClientInit() */
    /* mqtls underneath */
    mqtls_client_t core;                      /**< private: the mqtls client */
    mqtls_transport_t transport;              /**< private: the Network as a transport */
    mqtls_msgstore_t store;                   /**< private: a message store that keeps nothing */
    mqtls_inflight_t outbound[1];             /**< private: one outgoing QoS 1/2 exchange at a time */
    uint16_t inbound_ids[MQTLS_PAHO_INBOUND]; /**< private: incoming QoS 2 ids awaiting PUBREL */
    int32_t last_error; /**< private: the mqtls_err_t behind the last FAILURE (mqtls_paho_last_error()) */
} MQTTClient;

/** Paho's older name of MQTTClient. */
typedef MQTTClient Client;

/** A zeroed MQTTClient, to initialise a static one (MQTTClientInit() is still needed). */
#define DefaultClient { 0 }

/**
 * Set up c over network with the given buffers (no heap): c is zeroed, then
 * an mqtls client is initialised in it. Bad buffers (NULL, too small) make
 * every later call fail, with the reason in mqtls_paho_last_error().
 * @param c                  the caller's client (NULL: nothing happens)
 * @param network            a Network from NetworkInit(); kept, must outlive c
 * @param command_timeout_ms how long MQTTConnect, MQTTPublish, MQTTSubscribe
 *                           and MQTTUnsubscribe wait for their acknowledgement
 * @param sendbuf            the TX buffer (the largest packet sent); kept, must outlive c
 * @param sendbuf_size       its size
 * @param readbuf            the RX buffer (the largest packet accepted); kept, must outlive c
 * @param readbuf_size       its size
 * The example at the top of this file shows the whole sequence.
 */
void MQTTClientInit(MQTTClient *c, Network *network, unsigned int command_timeout_ms, unsigned char *sendbuf,
                    size_t sendbuf_size, unsigned char *readbuf, size_t readbuf_size);
/**
 * Send CONNECT over the (connected) Network and wait for the CONNACK, at
 * most command_timeout_ms.
 * @param c       from MQTTClientInit(), not connected
 * @param options what to send (NULL: MQTTPacket_connectData_initializer);
 *                read during the call only
 * @return SUCCESS; the CONNACK code 1..5 when the broker refused; FAILURE
 * (already connected, MQTTVersion not 4, timeout, connection lost, bad
 * options: see mqtls_paho_last_error()); BUFFER_OVERFLOW.
 *
 * @code
 * MQTTPacket_connectData o = MQTTPacket_connectData_initializer;
 * o.clientID.cstring = "my-thing";
 * o.keepAliveInterval = 30;
 * int rc = MQTTConnect(&c, &o);   // 5: not authorized
 * @endcode
 */
int MQTTConnect(MQTTClient *c, MQTTPacket_connectData *options);
/**
 * Publish and, for QoS 1 and 2, wait for this message's PUBACK or PUBCOMP
 * (at most command_timeout_ms from the call). A timeout gives up the
 * connection (FAILURE, disconnected).
 * @param c         a connected client
 * @param topicName the topic name, NUL-terminated; read during the call only
 * @param message   qos, retained, payload and payloadlen are read during
 *                  the call only; id is set to the packet id used
 * @return SUCCESS, FAILURE (not connected, bad QoS or topic, timeout,
 * connection lost) or BUFFER_OVERFLOW.
 *
 * @code
 * MQTTMessage m = { .qos = QOS1, .payload = buf, .payloadlen = n };
 * if (MQTTPublish(&c, "telemetry/my-thing", &m) != SUCCESS) reconnect();
 * @endcode
 */
int MQTTPublish(MQTTClient *c, const char *topicName, MQTTMessage *message);
/**
 * Subscribe and wait for the SUBACK (at most command_timeout_ms); when
 * granted, set handler for topicFilter (as MQTTSetMessageHandler()).
 * @param c           a connected client
 * @param topicFilter the filter, NUL-terminated; kept while its handler is
 *                    set, so it must stay valid (a literal or a static)
 * @param qos         QOS0..QOS2
 * @param handler     called for messages matching the filter
 * @return SUCCESS (also when the broker refused: then no handler is set
 * and mqtls_paho_last_error() is MQTLS_ERR_SUBSCRIBE_REFUSED); FAILURE
 * (not connected, bad QoS, timeout, connection lost, or granted but all
 * MAX_MESSAGE_HANDLERS slots taken); BUFFER_OVERFLOW.
 *
 * @code
 * if (MQTTSubscribe(&c, "cmd/my-thing", QOS1, on_cmd) == SUCCESS &&
 *     mqtls_paho_last_error(&c) == MQTLS_ERR_SUBSCRIBE_REFUSED)
 *     log("broker refused cmd/my-thing");
 * @endcode
 */
int MQTTSubscribe(MQTTClient *c, const char *topicFilter, enum QoS qos, messageHandler handler);
/**
 * Unsubscribe, wait for the UNSUBACK (at most command_timeout_ms), and
 * remove the filter's handler.
 * @param c           a connected client
 * @param topicFilter the filter, NUL-terminated; read during the call only
 * @return SUCCESS, FAILURE (not connected, timeout, connection lost) or
 * BUFFER_OVERFLOW.
 *
 * @code
 * MQTTUnsubscribe(&c, "cmd/my-thing");
 * @endcode
 */
int MQTTUnsubscribe(MQTTClient *c, const char *topicFilter);
/**
 * Send DISCONNECT and mark the client disconnected; the Network stays open
 * (close it with n.disconnect(&n)).
 * @param c the client
 * @return SUCCESS, or FAILURE (c NULL, or DISCONNECT could not be sent)
 *
 * @code
 * MQTTDisconnect(&c);
 * n.disconnect(&n);
 * @endcode
 */
int MQTTDisconnect(MQTTClient *c);
/**
 * Receive and dispatch messages (handlers are called from here), answer
 * QoS flows and keep the connection alive, for timeout_ms.
 * @param c          a connected client
 * @param timeout_ms how long to run (0 or less: one pass)
 * @return SUCCESS, or FAILURE (not connected, or the connection was lost:
 * mqtls_paho_last_error() says why).
 *
 * @code
 * while (MQTTYield(&c, 1000) == SUCCESS) do_work();
 * @endcode
 */
int MQTTYield(MQTTClient *c, int timeout_ms);
/**
 * Whether the client is connected.
 * @param c the client (NULL: 0)
 * @return 1 connected, 0 not (never connected, disconnected, or lost)
 */
int MQTTIsConnected(MQTTClient *c);
/**
 * Set (or with NULL remove) the handler of a filter, without subscribing.
 * A filter already set gets the new handler; matching is by the filter's
 * exact string.
 * @param c           the client
 * @param topicFilter the filter, NUL-terminated; kept while the handler is
 *                    set, so it must stay valid
 * @param handler     the handler, or NULL to remove it
 * @return SUCCESS, or FAILURE (c or topicFilter NULL, no free slot of
 * MAX_MESSAGE_HANDLERS)
 *
 * @code
 * MQTTSetMessageHandler(&c, "cmd/#", on_cmd);   // broker-side subscription made elsewhere
 * @endcode
 */
int MQTTSetMessageHandler(MQTTClient *c, const char *topicFilter, messageHandler handler);

/**
 * Host extension: the mqtls_err_t behind the last FAILURE (0 if none);
 * right after MQTTSubscribe, MQTLS_ERR_SUBSCRIBE_REFUSED if the broker
 * refused the subscription, 0 if it granted it.
 * @param c the client (NULL: MQTLS_ERR_INVALID_ARG)
 * @return an mqtls_err_t (mqtls_strerror() explains it), or 0
 *
 * @code
 * if (MQTTPublish(&c, topic, &m) == FAILURE)
 *     printf("publish: %s\n", mqtls_strerror(mqtls_paho_last_error(&c)));
 * @endcode
 */
int32_t mqtls_paho_last_error(const MQTTClient *c);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_COMPAT_MQTTCLIENT_H */
