/* SPDX-License-Identifier: MIT
 * mqtls: MQTT packet encoder and decoder, no I/O and no state. */
/**
 * @file
 * @brief MQTT 3.1.1 and 5.0 packet encoder and decoder: no I/O, no state.
 *
 * The codec turns structs into bytes and bytes into structs, and nothing
 * else (the coreMQTT split): it never allocates, never does I/O, keeps no
 * state, and never reads or writes outside the buffers it is given.
 *
 * Encoding is "size query, then write": every mqtls_encode_*() called with
 * buf == NULL returns the number of bytes the packet needs; called with a
 * buffer it writes the packet and returns the number of bytes written, or
 * MQTLS_ERR_BUFFER_TOO_SMALL (nothing useful written) or another error when
 * the input is invalid. Strings are (pointer, length) pairs, never
 * NUL-terminated; a NULL pointer with length 0 is an empty string.
 *
 * Decoding borrows: pointers in a decoded packet point into the caller's
 * buffer and live as long as it does. The decoder checks everything the
 * specification requires of a client receiving the packet and returns a
 * specific error; see mqtls/error.h for the codes.
 *
 * Protocol versions: every function takes the protocol level,
 * MQTLS_PROTO_V311 (4) or MQTLS_PROTO_V5 (5); mqtls_encode_connect() reads it
 * from protocol_version, and the fixed header, the same in every version,
 * needs none. Any other level gives MQTLS_ERR_NOT_SUPPORTED. Level 4 output
 * is exactly MQTT 3.1.1; the 5.0-only fields of the structs are ignored.
 * A core built with MQTLS_CONFIG_MQTT5 0 refuses level 5 too, and every
 * 5.0-only function below answers MQTLS_ERR_NOT_SUPPORTED (mqtls/config.h).
 *
 * MQTT 5.0 (level 5) adds properties and reason codes:
 * - Properties travel in an mqtls_props_t: single-valued properties are
 *   fields whose presence is a bit in `present` (MQTLS_PROP_BIT(id));
 *   user properties are an array when encoding. Decoding fills the same
 *   struct with the single-valued properties and also keeps the raw,
 *   borrowed property block; user properties (and the repeatable PUBLISH
 *   subscription identifiers) are read from it without copying, with
 *   mqtls_props_begin() / mqtls_props_next().
 * - Every property is checked against the packet that carries it
 *   [MQTT-2.2.2]: not allowed there (PROPERTY_NOT_ALLOWED), twice when it
 *   may appear once (DUPLICATE_PROPERTY), a bad variable byte integer
 *   (BAD_VARINT), a value out of range (BAD_PROPERTY_VALUE), bad UTF-8
 *   (BAD_UTF8, UTF8_NULL), unknown or cut short (BAD_PROPERTY).
 * - Reason codes are checked against the packet type (BAD_REASON_CODE);
 *   mqtls_reason_string() names any of them.
 * - The plain encoders (mqtls_encode_ack(), mqtls_encode_empty(), ...) at
 *   level 5 send the packet with success and no properties; the *5()
 *   encoders take a reason code and properties.
 *
 * Lifetimes, for every function below: input structs, strings and arrays
 * are read during the call only and nothing is kept; output structs of the
 * decoders borrow from the input buffer (they are valid while it is, and
 * until it is overwritten).
 *
 * @code
 * // Encode: ask the size, then write.
 * mqtls_publish_t pub = { .topic = "t/1", .topic_len = 3, .payload = data,
 *                         .payload_len = n, .qos = 1, .packet_id = 7 };
 * int32_t need = mqtls_encode_publish(NULL, 0, MQTLS_PROTO_V311, &pub);
 * if (need < 0 || (size_t)need > sizeof tx) return need < 0 ? need : MQTLS_ERR_BUFFER_TOO_SMALL;
 * int32_t len = mqtls_encode_publish(tx, sizeof tx, MQTLS_PROTO_V311, &pub);
 *
 * // Decode: frame with the fixed header, then decode the whole packet.
 * mqtls_fixed_header_t hdr;
 * if (mqtls_decode_fixed_header(rx, got, &hdr) == MQTLS_OK &&
 *     got >= hdr.header_len + hdr.remaining_length) {
 *     mqtls_packet_t pkt;
 *     int32_t rc = mqtls_decode_packet(rx, hdr.header_len + hdr.remaining_length,
 *                                      MQTLS_PROTO_V311, &pkt);
 *     // pkt.u.publish.topic points into rx
 * }
 * @endcode
 */
#ifndef MQTLS_CODEC_H
#define MQTLS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MQTLS_PROTO_V311 4u /**< MQTT 3.1.1, protocol level 4 */
#define MQTLS_PROTO_V5 5u   /**< MQTT 5.0, protocol level 5 */

/** Largest remaining length MQTT can express (4-byte varint). */
#define MQTLS_MAX_REMAINING_LENGTH 268435455u
/** A fixed header is at most 5 bytes. */
#define MQTLS_FIXED_HEADER_MAX 5u

/** MQTT control packet types: the high nibble of byte 0 [MQTT-2.2.1]. */
typedef enum {
    MQTLS_PKT_CONNECT = 1,      /**< client to server: connection request */
    MQTLS_PKT_CONNACK = 2,      /**< server to client: connect acknowledgement */
    MQTLS_PKT_PUBLISH = 3,      /**< both ways: an application message */
    MQTLS_PKT_PUBACK = 4,       /**< both ways: QoS 1 acknowledgement */
    MQTLS_PKT_PUBREC = 5,       /**< both ways: QoS 2, part 1 */
    MQTLS_PKT_PUBREL = 6,       /**< both ways: QoS 2, part 2 */
    MQTLS_PKT_PUBCOMP = 7,      /**< both ways: QoS 2, part 3 */
    MQTLS_PKT_SUBSCRIBE = 8,    /**< client to server: subscribe request */
    MQTLS_PKT_SUBACK = 9,       /**< server to client: subscribe acknowledgement */
    MQTLS_PKT_UNSUBSCRIBE = 10, /**< client to server: unsubscribe request */
    MQTLS_PKT_UNSUBACK = 11,    /**< server to client: unsubscribe acknowledgement */
    MQTLS_PKT_PINGREQ = 12,     /**< client to server: keepalive request */
    MQTLS_PKT_PINGRESP = 13,    /**< server to client: keepalive response */
    MQTLS_PKT_DISCONNECT = 14,  /**< client to server (5.0: both ways): disconnect */
    MQTLS_PKT_AUTH = 15         /**< MQTT 5.0 only: enhanced authentication exchange */
} mqtls_packet_type_t;

/* ---- MQTT 5.0 properties [MQTT-2.2.2] ------------------------------------ */

/** Property identifiers (MQTT 5.0 section 2.2.2.2). */
typedef enum {
    MQTLS_PROP_PAYLOAD_FORMAT = 0x01,          /**< byte 0/1: PUBLISH, will */
    MQTLS_PROP_MESSAGE_EXPIRY = 0x02,          /**< four-byte integer: PUBLISH, will */
    MQTLS_PROP_CONTENT_TYPE = 0x03,            /**< UTF-8 string: PUBLISH, will */
    MQTLS_PROP_RESPONSE_TOPIC = 0x08,          /**< UTF-8 string (a topic name): PUBLISH, will */
    MQTLS_PROP_CORRELATION_DATA = 0x09,        /**< binary data: PUBLISH, will */
    MQTLS_PROP_SUBSCRIPTION_ID = 0x0B,         /**< varint 1..268435455: PUBLISH (repeatable), SUBSCRIBE */
    MQTLS_PROP_SESSION_EXPIRY = 0x11,          /**< four-byte: CONNECT, CONNACK, DISCONNECT */
    MQTLS_PROP_ASSIGNED_CLIENT_ID = 0x12,      /**< UTF-8 string: CONNACK */
    MQTLS_PROP_SERVER_KEEP_ALIVE = 0x13,       /**< two-byte: CONNACK */
    MQTLS_PROP_AUTH_METHOD = 0x15,             /**< UTF-8 string: CONNECT, CONNACK, AUTH */
    MQTLS_PROP_AUTH_DATA = 0x16,               /**< binary data: CONNECT, CONNACK, AUTH */
    MQTLS_PROP_REQUEST_PROBLEM_INFO = 0x17,    /**< byte 0/1: CONNECT */
    MQTLS_PROP_WILL_DELAY = 0x18,              /**< four-byte: will */
    MQTLS_PROP_REQUEST_RESPONSE_INFO = 0x19,   /**< byte 0/1: CONNECT */
    MQTLS_PROP_RESPONSE_INFO = 0x1A,           /**< UTF-8 string: CONNACK */
    MQTLS_PROP_SERVER_REFERENCE = 0x1C,        /**< UTF-8 string: CONNACK, DISCONNECT */
    MQTLS_PROP_REASON_STRING = 0x1F,           /**< UTF-8 string: CONNACK, acks, SUBACK, UNSUBACK, DISCONNECT, AUTH */
    MQTLS_PROP_RECEIVE_MAX = 0x21,             /**< two-byte, not 0: CONNECT, CONNACK */
    MQTLS_PROP_TOPIC_ALIAS_MAX = 0x22,         /**< two-byte: CONNECT, CONNACK */
    MQTLS_PROP_TOPIC_ALIAS = 0x23,             /**< two-byte, not 0: PUBLISH */
    MQTLS_PROP_MAX_QOS = 0x24,                 /**< byte 0/1: CONNACK */
    MQTLS_PROP_RETAIN_AVAILABLE = 0x25,        /**< byte 0/1: CONNACK */
    MQTLS_PROP_USER = 0x26,                    /**< UTF-8 string pair, repeatable: every packet but PINGs */
    MQTLS_PROP_MAX_PACKET_SIZE = 0x27,         /**< four-byte, not 0: CONNECT, CONNACK */
    MQTLS_PROP_WILDCARD_SUB_AVAILABLE = 0x28,  /**< byte 0/1: CONNACK */
    MQTLS_PROP_SUB_ID_AVAILABLE = 0x29,        /**< byte 0/1: CONNACK */
    MQTLS_PROP_SHARED_SUB_AVAILABLE = 0x2A     /**< byte 0/1: CONNACK */
} mqtls_prop_id_t;

/** The wire type of a property value (MQTT 5.0 section 1.5). */
typedef enum {
    MQTLS_PTYPE_BYTE = 1,   /**< one byte, in mqtls_prop_t.num */
    MQTLS_PTYPE_U16 = 2,    /**< two-byte integer, in num */
    MQTLS_PTYPE_U32 = 3,    /**< four-byte integer, in num */
    MQTLS_PTYPE_VARINT = 4, /**< variable byte integer, in num */
    MQTLS_PTYPE_STRING = 5, /**< UTF-8 string, in str */
    MQTLS_PTYPE_BINARY = 6, /**< binary data, in str */
    MQTLS_PTYPE_PAIR = 7    /**< UTF-8 string pair: name in str, value in value */
} mqtls_prop_type_t;

/** The bit of mqtls_props_t.present that says property `id` is there. */
#define MQTLS_PROP_BIT(id) ((uint64_t)1u << (id))

/**
 * The "packet type" of the will properties in CONNECT, for
 * mqtls_props_encode() / mqtls_props_decode() (real packet types are 1..15).
 */
#define MQTLS_PROPS_WILL 0u

/** A borrowed run of bytes: a UTF-8 string (not NUL-terminated) or binary data. */
typedef struct {
    const uint8_t *data; /**< NULL only when len is 0 */
    size_t len;          /**< number of bytes at data */
} mqtls_bytes_t;

/** A user property: a UTF-8 name and value [MQTT-3.1.2.3.10]. */
typedef struct {
    mqtls_bytes_t key;   /**< the name, UTF-8 */
    mqtls_bytes_t value; /**< the value, UTF-8 */
} mqtls_user_prop_t;

/**
 * The properties of one packet (or of a will).
 *
 * Encoding: set MQTLS_PROP_BIT(id) in `present` for each single-valued
 * property to send and fill its field; fields without their bit are not
 * sent. User properties come from `user`/`user_n` (their bit is ignored).
 * `raw` is ignored. A zeroed struct means "no properties".
 *
 * Decoding: the decoder sets `present` for every property found (including
 * MQTLS_PROP_USER and MQTLS_PROP_SUBSCRIPTION_ID), fills the fields, counts
 * the user properties in `user_n` (with `user` NULL) and the subscription
 * identifiers in `sub_id_n` (`subscription_id` is the first), and points
 * `raw` at the property block (without its length) in the caller's buffer.
 * Strings point into that buffer too.
 */
typedef struct {
    uint64_t present;                /**< MQTLS_PROP_BIT(id) per property present */
    uint32_t session_expiry;         /**< 0x11 seconds */
    uint32_t message_expiry;         /**< 0x02 seconds */
    uint32_t will_delay;             /**< 0x18 seconds */
    uint32_t max_packet_size;        /**< 0x27 bytes, not 0 */
    uint32_t subscription_id;        /**< 0x0B 1..268435455 (first one when decoding PUBLISH) */
    uint16_t receive_max;            /**< 0x21 not 0 */
    uint16_t topic_alias_max;        /**< 0x22 */
    uint16_t topic_alias;            /**< 0x23 not 0 */
    uint16_t server_keep_alive;      /**< 0x13 seconds */
    uint8_t payload_format;          /**< 0x01 0 bytes, 1 UTF-8 */
    uint8_t request_problem_info;    /**< 0x17 0/1 */
    uint8_t request_response_info;   /**< 0x19 0/1 */
    uint8_t max_qos;                 /**< 0x24 0/1 */
    uint8_t retain_available;        /**< 0x25 0/1 */
    uint8_t wildcard_sub_available;  /**< 0x28 0/1 */
    uint8_t sub_id_available;        /**< 0x29 0/1 */
    uint8_t shared_sub_available;    /**< 0x2A 0/1 */
    mqtls_bytes_t content_type;      /**< 0x03 UTF-8 */
    mqtls_bytes_t response_topic;    /**< 0x08 UTF-8 topic name, no wildcards */
    mqtls_bytes_t correlation_data;  /**< 0x09 binary */
    mqtls_bytes_t assigned_client_id;/**< 0x12 UTF-8 */
    mqtls_bytes_t auth_method;       /**< 0x15 UTF-8 */
    mqtls_bytes_t auth_data;         /**< 0x16 binary (needs auth_method) */
    mqtls_bytes_t response_info;     /**< 0x1A UTF-8 */
    mqtls_bytes_t server_reference;  /**< 0x1C UTF-8 */
    mqtls_bytes_t reason_string;     /**< 0x1F UTF-8 */
    const mqtls_user_prop_t *user;   /**< encoding: user_n user properties; decoding: NULL */
    size_t user_n;                   /**< how many user properties */
    size_t sub_id_n;                 /**< decoding: how many subscription identifiers */
    const uint8_t *raw;              /**< decoding: the property block, borrowed */
    size_t raw_len;                  /**< its length (without the length varint) */
} mqtls_props_t;

/** One property, as mqtls_props_next() returns it. */
typedef struct {
    uint8_t id;          /**< mqtls_prop_id_t */
    uint8_t type;        /**< mqtls_prop_type_t */
    uint32_t num;        /**< BYTE, U16, U32, VARINT */
    mqtls_bytes_t str;   /**< STRING, BINARY, or the name of a PAIR */
    mqtls_bytes_t value; /**< the value of a PAIR */
} mqtls_prop_t;

/** A read position in a property block; see mqtls_props_begin(). */
typedef struct {
    const uint8_t *p; /**< next property */
    size_t left;      /**< bytes left in the block */
} mqtls_prop_cursor_t;

/** CONNECT contents. Pointers are borrowed for the duration of the call. */
typedef struct {
    uint8_t protocol_version; /**< MQTLS_PROTO_V311 or MQTLS_PROTO_V5 */
    bool clean_session;       /**< 3.1.1 clean session, 5.0 clean start */
    uint16_t keepalive_s; /**< 0 disables keepalive */
    const char *client_id; /**< may be empty (then clean_session must be set) */
    size_t client_id_len;  /**< bytes of client_id */
    const char *username; /**< NULL: no user name field */
    size_t username_len;  /**< bytes of username */
    const uint8_t *password; /**< NULL: no password field; needs a user name in 3.1.1 */
    size_t password_len;     /**< bytes of password */
    bool will;                /**< true: the will fields below are sent */
    const char *will_topic;   /**< a valid topic name */
    size_t will_topic_len;    /**< bytes of will_topic */
    const uint8_t *will_payload; /**< the will message (NULL only with length 0) */
    size_t will_payload_len;     /**< bytes of will_payload, at most 65535 */
    uint8_t will_qos;            /**< 0..2; must be 0 without a will */
    bool will_retain;            /**< retain the will; must be false without a will */
    /* MQTT 5.0 (ignored at level 4). clean_session is "clean start"; a
     * password without a user name is allowed. */
    const mqtls_props_t *props;      /**< CONNECT properties, NULL: none */
    const mqtls_props_t *will_props; /**< will properties (needs will), NULL: none */
} mqtls_connect_t;

/** PUBLISH contents, for encoding and as the result of decoding. */
typedef struct {
    const char *topic;      /**< the topic name, not NUL-terminated (no wildcards) */
    size_t topic_len;       /**< bytes of topic */
    const uint8_t *payload; /**< the message (NULL only with length 0) */
    size_t payload_len;     /**< bytes of payload */
    uint8_t qos;            /**< 0, 1 or 2 */
    bool retain;            /**< the RETAIN flag */
    bool dup;               /**< the DUP flag: a resend (QoS 1 and 2 only) */
    uint16_t packet_id; /**< ignored for QoS 0, non-zero for QoS 1 and 2 */
    /**
     * MQTT 5.0 PUBLISH properties, NULL: none (ignored at level 4). With a
     * topic alias the topic may be empty [MQTT-3.3.2-8]. A client must not
     * send a subscription identifier [MQTT-3.3.4-6]; the encoder allows one
     * for test peers. mqtls_decode_packet() points it at out->props (set it
     * again if you copy the packet struct).
     */
    const mqtls_props_t *props;
} mqtls_publish_t;

/**
 * One SUBSCRIBE or UNSUBSCRIBE entry (qos and the options are ignored for
 * UNSUBSCRIBE). The options are MQTT 5.0 (ignored at level 4): they form
 * the subscription options byte [MQTT-3.8.3.1]. At level 5 a filter
 * "$share/{name}/{filter}" is checked as a shared subscription
 * [MQTT-4.8.2-1], [MQTT-4.8.2-2], and no_local on it is refused
 * [MQTT-3.8.3-4].
 */
typedef struct {
    const char *filter;       /**< the topic filter, not NUL-terminated */
    size_t filter_len;        /**< bytes of filter */
    uint8_t qos;              /**< the maximum QoS asked for, 0..2 (SUBSCRIBE only) */
    bool no_local;            /**< 5.0: do not send my own PUBLISHes back */
    bool retain_as_published; /**< 5.0: keep the RETAIN flag as published */
    uint8_t retain_handling;  /**< 5.0: 0 send retained, 1 only if new, 2 never */
} mqtls_subscription_t;

/** The fixed header of a packet. */
typedef struct {
    uint8_t type;              /**< mqtls_packet_type_t */
    uint8_t flags;             /**< low nibble of byte 0 */
    uint8_t header_len;        /**< 2..5 bytes: byte 0 plus the varint */
    uint32_t remaining_length; /**< bytes after the fixed header */
} mqtls_fixed_header_t;

/**
 * A decoded packet that a client can receive.
 *
 * At level 5: `reason_code` holds the reason code of CONNACK, PUBACK,
 * PUBREC, PUBREL, PUBCOMP, DISCONNECT and AUTH (0x00 when the short form
 * leaves it out); SUBACK and UNSUBACK put their reason codes in u.suback
 * (UNSUBACK too, whose packet id is then also u.ack.packet_id: both
 * structs begin with it); `props` holds the properties of any packet.
 * At level 4 reason_code is 0 except for CONNACK (= the return code) and
 * props is all zero.
 */
typedef struct {
    uint8_t type; /**< mqtls_packet_type_t */
    /** The contents, by `type`; PINGRESP (and a 5.0 DISCONNECT or AUTH,
     * whose reason code and properties are outside) use none. */
    union {
        /** CONNACK. */
        struct {
            bool session_present; /**< the session present flag */
            uint8_t return_code; /**< 3.1.1: 0 accepted, 1..5 refused; 5.0: the reason code */
        } connack;
        mqtls_publish_t publish; /**< topic and payload point into the buffer */
        /** PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK. */
        struct {
            uint16_t packet_id; /**< the packet identifier acknowledged */
        } ack; /**< PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK */
        /** SUBACK; 5.0 UNSUBACK too. */
        struct {
            uint16_t packet_id;          /**< the packet identifier acknowledged */
            const uint8_t *return_codes; /**< points into the buffer (5.0: reason codes) */
            size_t count;                /**< how many codes: one per filter */
        } suback; /**< SUBACK; 5.0 UNSUBACK too */
    } u;
    uint8_t reason_code; /**< 5.0, see above */
    mqtls_props_t props; /**< 5.0 properties, borrowed from the buffer */
} mqtls_packet_t;

/* ---- encoders (buf == NULL: return the size only) ---------------------- */

/**
 * CONNECT at c->protocol_version. At level 5 the properties c->props
 * (session expiry, receive maximum, maximum packet size, topic alias
 * maximum, request response/problem information, auth method/data, user
 * properties) follow the keepalive and c->will_props (will delay, payload
 * format, message expiry, content type, response topic, correlation data,
 * user properties) precede the will topic; will_props without a will is
 * MQTLS_ERR_BAD_WILL.
 * @param buf where to write the packet, or NULL to get its size only
 * @param len bytes available at buf
 * @param c   the contents; c and everything it points to are read during
 *            the call only
 * @return the packet's size in bytes (written, or needed with buf NULL);
 * MQTLS_ERR_BUFFER_TOO_SMALL; MQTLS_ERR_INVALID_ARG (c NULL, a NULL field
 * with a length); MQTLS_ERR_NOT_SUPPORTED (level); MQTLS_ERR_EMPTY_CLIENT_ID
 * (empty id without clean_session [MQTT-3.1.3-7]);
 * MQTLS_ERR_PASSWORD_WITHOUT_USER (3.1.1); MQTLS_ERR_BAD_WILL; a string
 * error (BAD_UTF8, UTF8_NULL, STRING_TOO_LONG, TOPIC_*); a property error.
 *
 * @code
 * mqtls_connect_t c = { .protocol_version = MQTLS_PROTO_V311, .clean_session = true,
 *                       .keepalive_s = 60, .client_id = "dev-1", .client_id_len = 5 };
 * int32_t n = mqtls_encode_connect(tx, sizeof tx, &c);   // > 0: send tx[0..n)
 * @endcode
 */
int32_t mqtls_encode_connect(uint8_t *buf, size_t len, const mqtls_connect_t *c);

/**
 * PUBLISH. Checks topic (valid name, no wildcards), QoS and packet id; DUP
 * with QoS 0 gives MQTLS_ERR_RESERVED_FLAGS [MQTT-3.3.1-2].
 * @param buf     where to write the packet, or NULL to get its size only
 * @param len     bytes available at buf
 * @param version MQTLS_PROTO_V311 or MQTLS_PROTO_V5
 * @param p       the message; p, its topic, payload and props are read
 *                during the call only
 * @return the packet's size in bytes; MQTLS_ERR_BUFFER_TOO_SMALL;
 * MQTLS_ERR_INVALID_ARG; MQTLS_ERR_NOT_SUPPORTED; MQTLS_ERR_BAD_QOS;
 * MQTLS_ERR_RESERVED_FLAGS; MQTLS_ERR_ZERO_PACKET_ID; a topic error
 * (TOPIC_EMPTY, TOPIC_WILDCARD, BAD_UTF8, ...; level 5 with a topic alias
 * allows an empty topic); MQTLS_ERR_PACKET_TOO_LARGE; a property error.
 *
 * @code
 * mqtls_publish_t p = { .topic = "a/b", .topic_len = 3, .payload = (const uint8_t *)"hi",
 *                       .payload_len = 2, .qos = 0 };
 * int32_t n = mqtls_encode_publish(tx, sizeof tx, MQTLS_PROTO_V311, &p);
 * @endcode
 */
int32_t mqtls_encode_publish(uint8_t *buf, size_t len, uint8_t version, const mqtls_publish_t *p);

/**
 * SUBSCRIBE with n >= 1 filters, each validated (and, at level 5, each
 * entry's options and shared-subscription syntax; no properties: see
 * mqtls_encode_subscribe5()).
 * @param buf       where to write the packet, or NULL to get its size only
 * @param len       bytes available at buf
 * @param version   MQTLS_PROTO_V311 or MQTLS_PROTO_V5
 * @param packet_id non-zero
 * @param subs      n entries, read during the call only
 * @param n         how many entries, at least 1
 * @return the packet's size in bytes; MQTLS_ERR_BUFFER_TOO_SMALL;
 * MQTLS_ERR_NO_TOPICS (n 0); MQTLS_ERR_INVALID_ARG (subs NULL);
 * MQTLS_ERR_ZERO_PACKET_ID; MQTLS_ERR_NOT_SUPPORTED; a filter error
 * (TOPIC_EMPTY, BAD_FILTER, BAD_UTF8, ...); MQTLS_ERR_BAD_QOS; at level 5
 * MQTLS_ERR_BAD_SUB_OPTIONS, MQTLS_ERR_BAD_SHARED_FILTER,
 * MQTLS_ERR_SHARED_NO_LOCAL; MQTLS_ERR_PACKET_TOO_LARGE.
 *
 * @code
 * mqtls_subscription_t s[2] = { { .filter = "cmd/#", .filter_len = 5, .qos = 1 },
 *                               { .filter = "cfg", .filter_len = 3, .qos = 0 } };
 * int32_t n = mqtls_encode_subscribe(tx, sizeof tx, MQTLS_PROTO_V311, 1, s, 2);
 * @endcode
 */
int32_t mqtls_encode_subscribe(uint8_t *buf, size_t len, uint8_t version, uint16_t packet_id,
                               const mqtls_subscription_t *subs, size_t n);

/**
 * UNSUBSCRIBE with n >= 1 filters (their qos and options are ignored).
 * @param buf       where to write the packet, or NULL to get its size only
 * @param len       bytes available at buf
 * @param version   MQTLS_PROTO_V311 or MQTLS_PROTO_V5
 * @param packet_id non-zero
 * @param subs      n entries (only filter and filter_len are read), read
 *                  during the call only
 * @param n         how many entries, at least 1
 * @return the packet's size in bytes, or the errors of
 * mqtls_encode_subscribe() that concern filters.
 *
 * @code
 * mqtls_subscription_t s = { .filter = "cmd/#", .filter_len = 5 };
 * int32_t n = mqtls_encode_unsubscribe(tx, sizeof tx, MQTLS_PROTO_V311, 2, &s, 1);
 * @endcode
 */
int32_t mqtls_encode_unsubscribe(uint8_t *buf, size_t len, uint8_t version, uint16_t packet_id,
                                 const mqtls_subscription_t *subs, size_t n);

/**
 * A 4-byte packet that carries only a packet id: PUBACK, PUBREC, PUBREL
 * (flags 0010 as required by [MQTT-3.6.1-1]), PUBCOMP, UNSUBACK. At level 5
 * the acks are sent in their short success form; a 5.0 UNSUBACK carries
 * reason codes and is refused here (use mqtls_encode_suback5()).
 * @param buf       where to write the packet, or NULL to get its size only
 * @param len       bytes available at buf
 * @param version   MQTLS_PROTO_V311 or MQTLS_PROTO_V5
 * @param type      MQTLS_PKT_PUBACK, PUBREC, PUBREL, PUBCOMP, or (3.1.1
 *                  only) UNSUBACK
 * @param packet_id non-zero
 * @return 4; MQTLS_ERR_BUFFER_TOO_SMALL; MQTLS_ERR_INVALID_ARG (another
 * type); MQTLS_ERR_ZERO_PACKET_ID; MQTLS_ERR_NOT_SUPPORTED (level).
 *
 * @code
 * int32_t n = mqtls_encode_ack(tx, sizeof tx, MQTLS_PROTO_V311, MQTLS_PKT_PUBACK, pkt.u.publish.packet_id);
 * @endcode
 */
int32_t mqtls_encode_ack(uint8_t *buf, size_t len, uint8_t version, uint8_t type, uint16_t packet_id);

/**
 * A 2-byte packet: PINGREQ, PINGRESP or DISCONNECT (at level 5: normal disconnection).
 * @param buf     where to write the packet, or NULL to get its size only
 * @param len     bytes available at buf
 * @param version MQTLS_PROTO_V311 or MQTLS_PROTO_V5
 * @param type    MQTLS_PKT_PINGREQ, MQTLS_PKT_PINGRESP or MQTLS_PKT_DISCONNECT
 * @return 2; MQTLS_ERR_BUFFER_TOO_SMALL; MQTLS_ERR_INVALID_ARG (another
 * type); MQTLS_ERR_NOT_SUPPORTED (level).
 *
 * @code
 * int32_t n = mqtls_encode_empty(tx, sizeof tx, MQTLS_PROTO_V311, MQTLS_PKT_PINGREQ);
 * @endcode
 */
int32_t mqtls_encode_empty(uint8_t *buf, size_t len, uint8_t version, uint8_t type);

/*
 * Server-side encoders: a client never sends these; tests and test peers do.
 * At level 5 they send no properties and the codes are 5.0 reason codes,
 * checked per packet (mqtls_reason_allowed()).
 * CONNACK checks only the return code (<= 5): session_present with a
 * refusal is allowed so that a test peer can send that [MQTT-3.2.2-4]
 * violation. SUBACK needs n >= 1 codes, each 0, 1, 2 or 0x80.
 */
/**
 * Server side: CONNACK. At level 5 it is mqtls_encode_connack5() without
 * properties, and return_code is a 5.0 reason code.
 * @param buf             where to write the packet, or NULL to get its size only
 * @param len             bytes available at buf
 * @param version         MQTLS_PROTO_V311 or MQTLS_PROTO_V5
 * @param session_present the session present flag (allowed with a refusal)
 * @param return_code     3.1.1: 0 accepted, 1..5 refused; 5.0: a CONNACK reason code
 * @return the packet's size in bytes (4 at level 4);
 * MQTLS_ERR_BUFFER_TOO_SMALL; MQTLS_ERR_BAD_CONNACK_CODE (3.1.1, code > 5);
 * MQTLS_ERR_BAD_REASON_CODE (5.0); MQTLS_ERR_NOT_SUPPORTED (level).
 *
 * @code
 * int32_t n = mqtls_encode_connack(tx, sizeof tx, MQTLS_PROTO_V311, false, 0);  // accepted
 * @endcode
 */
int32_t mqtls_encode_connack(uint8_t *buf, size_t len, uint8_t version, bool session_present,
                             uint8_t return_code);
/**
 * Server side: SUBACK with one return code per filter. At level 5 it is
 * mqtls_encode_suback5() without properties.
 * @param buf          where to write the packet, or NULL to get its size only
 * @param len          bytes available at buf
 * @param version      MQTLS_PROTO_V311 or MQTLS_PROTO_V5
 * @param packet_id    the SUBSCRIBE's packet id, non-zero
 * @param return_codes n codes (3.1.1: 0, 1, 2 or 0x80; 5.0: SUBACK reason
 *                     codes), read during the call only
 * @param n            how many, at least 1
 * @return the packet's size in bytes; MQTLS_ERR_BUFFER_TOO_SMALL;
 * MQTLS_ERR_INVALID_ARG (n 0, return_codes NULL); MQTLS_ERR_ZERO_PACKET_ID;
 * MQTLS_ERR_BAD_SUBACK_CODE (3.1.1) or MQTLS_ERR_BAD_REASON_CODE (5.0);
 * MQTLS_ERR_PACKET_TOO_LARGE; MQTLS_ERR_NOT_SUPPORTED (level).
 *
 * @code
 * const uint8_t granted[1] = { 1 };
 * int32_t n = mqtls_encode_suback(tx, sizeof tx, MQTLS_PROTO_V311, sub_id, granted, 1);
 * @endcode
 */
int32_t mqtls_encode_suback(uint8_t *buf, size_t len, uint8_t version, uint16_t packet_id,
                            const uint8_t *return_codes, size_t n);

/* ---- decoders ----------------------------------------------------------- */

/**
 * Parse the fixed header at the start of buf.
 * @param buf the bytes received so far, read during the call only
 * @param len how many (may be fewer than a whole header)
 * @param[out] hdr filled on MQTLS_OK; holds no pointer
 * @return MQTLS_OK with *hdr filled; MQTLS_ERR_WANT_READ when buf does not
 * yet hold the whole fixed header (not an error); MQTLS_ERR_BAD_PACKET_TYPE
 * for type 0; MQTLS_ERR_MALFORMED_REMAINING_LENGTH when the varint has a
 * fifth byte; MQTLS_ERR_INVALID_ARG for NULL. Flags are not checked here,
 * and type 15 is accepted: framing is the same in 3.1.1 and 5.0 (AUTH), so
 * mqtls_decode_packet() refuses it for 3.1.1 with MQTLS_ERR_BAD_PACKET_TYPE.
 *
 * @code
 * mqtls_fixed_header_t h;
 * int32_t rc = mqtls_decode_fixed_header(rx, got, &h);
 * if (rc == MQTLS_ERR_WANT_READ) { ... read more ... }
 * else if (rc == MQTLS_OK) need = h.header_len + h.remaining_length;
 * @endcode
 */
int32_t mqtls_decode_fixed_header(const uint8_t *buf, size_t len, mqtls_fixed_header_t *hdr);

/**
 * Decode one complete packet received by a client. len must be exactly
 * header_len + remaining_length (MQTLS_ERR_TRUNCATED if less,
 * MQTLS_ERR_LENGTH_MISMATCH if more). Packets only a client sends give
 * MQTLS_ERR_UNEXPECTED_PACKET (PUBLISH and the acks are accepted from both
 * sides, so tests can decode what the client wrote). At level 5 also
 * DISCONNECT and AUTH are accepted, and reason codes and properties are
 * decoded into out->reason_code and out->props (see mqtls_packet_t).
 * @param buf     one whole packet; out borrows from it (topic, payload,
 *                return codes, properties), so keep it unchanged while out
 *                is used
 * @param len     its exact length
 * @param version MQTLS_PROTO_V311 or MQTLS_PROTO_V5
 * @param[out] out the decoded packet
 * @return MQTLS_OK; MQTLS_ERR_INVALID_ARG; MQTLS_ERR_NOT_SUPPORTED;
 * MQTLS_ERR_TRUNCATED; MQTLS_ERR_LENGTH_MISMATCH;
 * MQTLS_ERR_UNEXPECTED_PACKET; MQTLS_ERR_BAD_PACKET_TYPE;
 * MQTLS_ERR_RESERVED_FLAGS; or the specific error of what is wrong inside
 * (BAD_QOS, ZERO_PACKET_ID, BAD_CONNACK_FLAGS, BAD_CONNACK_CODE,
 * SESSION_PRESENT_INVALID, BAD_SUBACK_CODE, BAD_REASON_CODE, a topic or
 * property error, ...).
 *
 * @code
 * mqtls_packet_t pkt;
 * if (mqtls_decode_packet(rx, need, MQTLS_PROTO_V311, &pkt) == MQTLS_OK && pkt.type == MQTLS_PKT_PUBLISH)
 *     handle(pkt.u.publish.topic, pkt.u.publish.topic_len, pkt.u.publish.payload, pkt.u.publish.payload_len);
 * @endcode
 */
int32_t mqtls_decode_packet(const uint8_t *buf, size_t len, uint8_t version, mqtls_packet_t *out);

/**
 * Decode the beginning of a PUBLISH whose payload may not be in buf yet:
 * buf holds the first `avail` bytes of the packet (fixed header included),
 * hdr is its parsed fixed header. On MQTLS_OK, out->topic and
 * out->packet_id are set, out->payload points at the first payload byte
 * (which may lie beyond avail) and out->payload_len is the full payload
 * length. MQTLS_ERR_WANT_READ when the topic and packet id are not all in
 * buf yet. Used to skip a message too large for the receive buffer.
 * At level 5 the properties are checked but not returned (see
 * mqtls_decode_publish_head5()); out->props is NULL.
 * @param buf     the start of the packet; out->topic points into it
 * @param avail   bytes of the packet in buf so far
 * @param hdr     its fixed header (from mqtls_decode_fixed_header()), read
 *                during the call only
 * @param version MQTLS_PROTO_V311 or MQTLS_PROTO_V5
 * @param[out] out topic, packet id, qos, flags and payload length
 * @return MQTLS_OK; MQTLS_ERR_WANT_READ; MQTLS_ERR_INVALID_ARG (NULL, or
 * hdr not a PUBLISH); MQTLS_ERR_NOT_SUPPORTED; the errors of a bad PUBLISH
 * head (BAD_QOS, RESERVED_FLAGS, ZERO_PACKET_ID, a topic or property
 * error, LENGTH_MISMATCH).
 *
 * @code
 * if (mqtls_decode_publish_head(rx, got, &h, MQTLS_PROTO_V311, &p) == MQTLS_OK &&
 *     h.header_len + h.remaining_length > sizeof rx)
 *     skip_bytes(h.header_len + h.remaining_length - got);   // too large: drop, ack by p.packet_id
 * @endcode
 */
int32_t mqtls_decode_publish_head(const uint8_t *buf, size_t avail, const mqtls_fixed_header_t *hdr,
                                  uint8_t version, mqtls_publish_t *out);

/**
 * mqtls_decode_publish_head() at level 5 that also returns the properties
 * (which must all be in buf: MQTLS_ERR_WANT_READ otherwise) in *props, and
 * sets out->props = props (props NULL: MQTLS_ERR_INVALID_ARG).
 * mqtls_decode_publish_head() at level 5 checks them and leaves out->props
 * NULL. An empty topic without a topic alias: MQTLS_ERR_TOPIC_ALIAS_NEEDED.
 * @param buf   the start of the packet; out and *props borrow from it
 * @param avail bytes of the packet in buf so far
 * @param hdr   its fixed header, read during the call only
 * @param[out] out   as mqtls_decode_publish_head(), with out->props = props
 * @param[out] props the PUBLISH properties; must outlive out's use
 * @return as mqtls_decode_publish_head() at level 5, and
 * MQTLS_ERR_TOPIC_ALIAS_NEEDED; MQTLS_ERR_NOT_SUPPORTED in a 3.1.1-only build.
 *
 * @code
 * mqtls_props_t props;
 * if (mqtls_decode_publish_head5(rx, got, &h, &p, &props) == MQTLS_OK &&
 *     (props.present & MQTLS_PROP_BIT(MQTLS_PROP_TOPIC_ALIAS)))
 *     alias = props.topic_alias;
 * @endcode
 */
int32_t mqtls_decode_publish_head5(const uint8_t *buf, size_t avail, const mqtls_fixed_header_t *hdr,
                                   mqtls_publish_t *out, mqtls_props_t *props);

/* ---- MQTT 5.0 encoders (level 5 only; buf == NULL: return the size) ---- */

/**
 * SUBSCRIBE or UNSUBSCRIBE with properties. SUBSCRIBE allows one
 * subscription identifier and user properties, UNSUBSCRIBE user properties
 * only. Each SUBSCRIBE entry's options are checked (QoS <= 2:
 * MQTLS_ERR_BAD_QOS; retain handling <= 2: MQTLS_ERR_BAD_SUB_OPTIONS; no_local on a shared filter:
 * MQTLS_ERR_SHARED_NO_LOCAL). props NULL: none.
 * @param buf       where to write the packet, or NULL to get its size only
 * @param len       bytes available at buf
 * @param packet_id non-zero
 * @param subs      n entries, read during the call only
 * @param n         how many, at least 1
 * @param props     the SUBSCRIBE properties, read during the call only; NULL: none
 * @return the packet's size in bytes, or the errors of
 * mqtls_encode_subscribe() at level 5 (QoS 3 is MQTLS_ERR_BAD_QOS), or a
 * property error; MQTLS_ERR_NOT_SUPPORTED in a 3.1.1-only build.
 *
 * @code
 * mqtls_props_t pr = { .present = MQTLS_PROP_BIT(MQTLS_PROP_SUBSCRIPTION_ID), .subscription_id = 9 };
 * mqtls_subscription_t s = { .filter = "cmd/#", .filter_len = 5, .qos = 1, .no_local = true };
 * int32_t n = mqtls_encode_subscribe5(tx, sizeof tx, 3, &s, 1, &pr);
 * @endcode
 */
int32_t mqtls_encode_subscribe5(uint8_t *buf, size_t len, uint16_t packet_id, const mqtls_subscription_t *subs,
                                size_t n, const mqtls_props_t *props);
/**
 * UNSUBSCRIBE with properties (user properties only).
 * @param buf       where to write the packet, or NULL to get its size only
 * @param len       bytes available at buf
 * @param packet_id non-zero
 * @param subs      n entries (filter and filter_len are read), read during the call only
 * @param n         how many, at least 1
 * @param props     the UNSUBSCRIBE properties, read during the call only; NULL: none
 * @return the packet's size in bytes, or the errors of
 * mqtls_encode_unsubscribe() at level 5, or a property error;
 * MQTLS_ERR_NOT_SUPPORTED in a 3.1.1-only build.
 *
 * @code
 * mqtls_subscription_t s = { .filter = "cmd/#", .filter_len = 5 };
 * int32_t n = mqtls_encode_unsubscribe5(tx, sizeof tx, 4, &s, 1, NULL);
 * @endcode
 */
int32_t mqtls_encode_unsubscribe5(uint8_t *buf, size_t len, uint16_t packet_id, const mqtls_subscription_t *subs,
                                  size_t n, const mqtls_props_t *props);

/**
 * PUBACK, PUBREC, PUBREL or PUBCOMP with a reason code (checked against the
 * packet type: MQTLS_ERR_BAD_REASON_CODE) and properties (reason string,
 * user properties). The shortest form is chosen: remaining length 2 for
 * success without properties, 3 for a reason code without properties
 * [MQTT-3.4.2.1].
 * @param buf       where to write the packet, or NULL to get its size only
 * @param len       bytes available at buf
 * @param type      MQTLS_PKT_PUBACK, PUBREC, PUBREL or PUBCOMP
 * @param packet_id non-zero
 * @param reason    a reason code allowed in that packet
 * @param props     read during the call only; NULL: none
 * @return the packet's size in bytes; MQTLS_ERR_BUFFER_TOO_SMALL;
 * MQTLS_ERR_INVALID_ARG (type); MQTLS_ERR_ZERO_PACKET_ID;
 * MQTLS_ERR_BAD_REASON_CODE; a property error; MQTLS_ERR_NOT_SUPPORTED in
 * a 3.1.1-only build.
 *
 * @code
 * // refuse a QoS 1 message: PUBACK 0x87 "Not authorized"
 * int32_t n = mqtls_encode_ack5(tx, sizeof tx, MQTLS_PKT_PUBACK, id, 0x87, NULL);
 * @endcode
 */
int32_t mqtls_encode_ack5(uint8_t *buf, size_t len, uint8_t type, uint16_t packet_id, uint8_t reason,
                          const mqtls_props_t *props);

/**
 * DISCONNECT (either direction) with a reason code and properties (session
 * expiry, reason string, server reference, user properties). Remaining
 * length 0 for 0x00 without properties, 1 for a reason code alone.
 * @param buf    where to write the packet, or NULL to get its size only
 * @param len    bytes available at buf
 * @param reason a DISCONNECT reason code (0x00 normal, 0x04 with will, ...)
 * @param props  read during the call only; NULL: none
 * @return the packet's size in bytes; MQTLS_ERR_BUFFER_TOO_SMALL;
 * MQTLS_ERR_BAD_REASON_CODE; a property error; MQTLS_ERR_NOT_SUPPORTED in
 * a 3.1.1-only build.
 *
 * @code
 * mqtls_props_t pr = { .present = MQTLS_PROP_BIT(MQTLS_PROP_SESSION_EXPIRY), .session_expiry = 0 };
 * int32_t n = mqtls_encode_disconnect5(tx, sizeof tx, 0x04, &pr);   // send the will, end the session
 * @endcode
 */
int32_t mqtls_encode_disconnect5(uint8_t *buf, size_t len, uint8_t reason, const mqtls_props_t *props);

/**
 * AUTH: reason 0x00, 0x18 (continue) or 0x19 (re-authenticate), properties
 * auth method/data, reason string, user properties. Remaining length 0 for
 * 0x00 without properties [MQTT-3.15.2-1].
 * @param buf    where to write the packet, or NULL to get its size only
 * @param len    bytes available at buf
 * @param reason 0x00, 0x18 or 0x19
 * @param props  read during the call only; NULL: none
 * @return the packet's size in bytes; MQTLS_ERR_BUFFER_TOO_SMALL;
 * MQTLS_ERR_BAD_REASON_CODE; a property error (auth data without a method:
 * MQTLS_ERR_AUTH_DATA_WITHOUT_METHOD); MQTLS_ERR_NOT_SUPPORTED in a
 * 3.1.1-only build.
 *
 * @code
 * mqtls_props_t pr = { .present = MQTLS_PROP_BIT(MQTLS_PROP_AUTH_METHOD) | MQTLS_PROP_BIT(MQTLS_PROP_AUTH_DATA),
 *                      .auth_method = { (const uint8_t *)"SCRAM-SHA-1", 11 }, .auth_data = { step, step_len } };
 * int32_t n = mqtls_encode_auth(tx, sizeof tx, 0x18, &pr);
 * @endcode
 */
int32_t mqtls_encode_auth(uint8_t *buf, size_t len, uint8_t reason, const mqtls_props_t *props);

/**
 * Server side (tests and test peers): CONNACK with a 5.0 reason code and
 * properties; SUBACK or UNSUBACK (type) with n >= 1 reason codes, each
 * checked against the type, and properties.
 * @param buf             where to write the packet, or NULL to get its size only
 * @param len             bytes available at buf
 * @param session_present the session present flag (allowed with a refusal,
 *                        for test peers; the decoder refuses it [MQTT-3.2.2-6])
 * @param reason          a CONNACK reason code
 * @param props           read during the call only; NULL: none
 * @return the packet's size in bytes; MQTLS_ERR_BUFFER_TOO_SMALL;
 * MQTLS_ERR_BAD_REASON_CODE; a property error; MQTLS_ERR_NOT_SUPPORTED in
 * a 3.1.1-only build.
 *
 * @code
 * mqtls_props_t pr = { .present = MQTLS_PROP_BIT(MQTLS_PROP_RECEIVE_MAX), .receive_max = 10 };
 * int32_t n = mqtls_encode_connack5(tx, sizeof tx, false, 0x00, &pr);
 * @endcode
 */
int32_t mqtls_encode_connack5(uint8_t *buf, size_t len, bool session_present, uint8_t reason,
                              const mqtls_props_t *props);
/**
 * Server side: SUBACK or UNSUBACK with n >= 1 reason codes, each checked
 * against the type, and properties (reason string, user properties).
 * @param buf       where to write the packet, or NULL to get its size only
 * @param len       bytes available at buf
 * @param type      MQTLS_PKT_SUBACK or MQTLS_PKT_UNSUBACK
 * @param packet_id the request's packet id, non-zero
 * @param reasons   n reason codes, one per filter, read during the call only
 * @param n         how many, at least 1
 * @param props     read during the call only; NULL: none
 * @return the packet's size in bytes; MQTLS_ERR_BUFFER_TOO_SMALL;
 * MQTLS_ERR_INVALID_ARG (type, n 0, reasons NULL); MQTLS_ERR_ZERO_PACKET_ID;
 * MQTLS_ERR_BAD_REASON_CODE; MQTLS_ERR_PACKET_TOO_LARGE; a property error;
 * MQTLS_ERR_NOT_SUPPORTED in a 3.1.1-only build.
 *
 * @code
 * const uint8_t rc[2] = { 0x01, 0x87 };   // granted QoS 1; not authorized
 * int32_t n = mqtls_encode_suback5(tx, sizeof tx, MQTLS_PKT_SUBACK, id, rc, 2, NULL);
 * @endcode
 */
int32_t mqtls_encode_suback5(uint8_t *buf, size_t len, uint8_t type, uint16_t packet_id, const uint8_t *reasons,
                             size_t n, const mqtls_props_t *props);

/**
 * Read a 5.0 subscription options byte into sub->qos, no_local,
 * retain_as_published and retain_handling (for test peers and servers).
 * sub->filter is not touched.
 * @param options the byte after a filter in a 5.0 SUBSCRIBE
 * @param[out] sub its option fields are set
 *
 * @code
 * mqtls_subscription_t s;
 * if (mqtls_sub_options_parse(0x15, &s) == MQTLS_OK)   // QoS 1, no local, retain handling 1
 *     grant(s.qos);
 * @endcode
 * @return MQTLS_OK, MQTLS_ERR_BAD_QOS (QoS 3), or MQTLS_ERR_BAD_SUB_OPTIONS
 * (reserved bits 6-7 set [MQTT-3.8.3-5], retain handling 3).
 */
int32_t mqtls_sub_options_parse(uint8_t options, mqtls_subscription_t *sub);

/* ---- MQTT 5.0 properties -------------------------------------------------- */

/**
 * Encode a property block, its length varint first, for packet_type (1..15,
 * or MQTLS_PROPS_WILL). props NULL is an empty block (one byte, 0).
 * Properties are written in ascending identifier order, user properties
 * in array order.
 * @param buf         where to write the block, or NULL to get its size only
 * @param len         bytes available at buf
 * @param packet_type the carrying packet's type (1..15), or MQTLS_PROPS_WILL
 * @param props       read during the call only (with its user array); NULL: none
 * @return bytes written (or needed, with buf NULL); MQTLS_ERR_PROPERTY_NOT_ALLOWED,
 * MQTLS_ERR_BAD_PROPERTY_VALUE, MQTLS_ERR_BAD_UTF8, MQTLS_ERR_UTF8_NULL,
 * MQTLS_ERR_STRING_TOO_LONG, MQTLS_ERR_INVALID_ARG, MQTLS_ERR_BUFFER_TOO_SMALL.
 * The encoders above call this; it is public for tests and extensions.
 *
 * @code
 * mqtls_user_prop_t up = { { (const uint8_t *)"fw", 2 }, { (const uint8_t *)"1.4", 3 } };
 * mqtls_props_t pr = { .user = &up, .user_n = 1 };
 * int32_t n = mqtls_props_encode(buf, sizeof buf, MQTLS_PKT_PUBLISH, &pr);
 * @endcode
 */
int32_t mqtls_props_encode(uint8_t *buf, size_t len, uint8_t packet_type, const mqtls_props_t *props);

/**
 * Decode the property block at the start of buf (length varint, then the
 * properties) as carried by packet_type, checking every property; out
 * borrows from buf.
 * @param buf         the block; out's strings and raw point into it
 * @param len         bytes available at buf (the block may be shorter)
 * @param packet_type the carrying packet's type (1..15), or MQTLS_PROPS_WILL
 * @param[out] out    the properties found
 *
 * @code
 * mqtls_props_t pr;
 * int32_t used = mqtls_props_decode(p, left, MQTLS_PKT_CONNACK, &pr);
 * if (used > 0 && (pr.present & MQTLS_PROP_BIT(MQTLS_PROP_RECEIVE_MAX)))
 *     window = pr.receive_max;
 * @endcode
 * @return bytes consumed (>= 1), or MQTLS_ERR_BAD_VARINT (length or a
 * varint value longer than 4 bytes), MQTLS_ERR_TRUNCATED (the length
 * varint itself is cut by len), MQTLS_ERR_PROPERTY_LENGTH (the block runs
 * past len), MQTLS_ERR_BAD_PROPERTY (unknown identifier, or a value running
 * past the block), MQTLS_ERR_AUTH_DATA_WITHOUT_METHOD, MQTLS_ERR_PROPERTY_NOT_ALLOWED, MQTLS_ERR_DUPLICATE_PROPERTY,
 * MQTLS_ERR_BAD_PROPERTY_VALUE, MQTLS_ERR_BAD_UTF8, MQTLS_ERR_UTF8_NULL.
 */
int32_t mqtls_props_decode(const uint8_t *buf, size_t len, uint8_t packet_type, mqtls_props_t *out);

/**
 * Start iterating over a decoded property block (props->raw).
 * Example, the user properties of a PUBLISH:
 *
 * @code
 * mqtls_prop_cursor_t cur; mqtls_prop_t pr;
 * mqtls_props_begin(&cur, &pkt.props);
 * while (mqtls_props_next(&cur, &pr) > 0)
 *     if (pr.id == MQTLS_PROP_USER) use(pr.str, pr.value);
 * @endcode
 * @param[out] cur set to the start of the block; it borrows props->raw
 *                 (the receive buffer), not props itself
 * @param props    a decoded property set (NULL, or no block: an empty cursor)
 */
void mqtls_props_begin(mqtls_prop_cursor_t *cur, const mqtls_props_t *props);

/**
 * The next property of the block, borrowed from it.
 * @param cur       the cursor, advanced past the property
 * @param[out] prop the property; its strings point into the block
 * @return 1 with *prop filled, 0 at the end, or MQTLS_ERR_BAD_PROPERTY /
 * MQTLS_ERR_BAD_VARINT for a block that is malformed (never for one that
 * mqtls_props_decode() or mqtls_decode_packet() accepted);
 * MQTLS_ERR_INVALID_ARG for NULL. Reads only
 * inside the block; values are not checked here (the decoder does that).
 */
int32_t mqtls_props_next(mqtls_prop_cursor_t *cur, mqtls_prop_t *prop);

/* ---- MQTT 5.0 reason codes ------------------------------------------------ */

/**
 * The specification's name of a reason code, a short sentence such as
 * "Not authorized" (0x87); 0x00 is "Success". Unknown codes give
 * "Unknown reason code". Never NULL.
 * @param code a 5.0 reason code
 * @return a static string, valid for the life of the program
 *
 * @code
 * printf("refused: %s\n", mqtls_reason_string(pkt.reason_code));
 * @endcode
 */
const char *mqtls_reason_string(uint8_t code);

/**
 * Whether `code` is a valid reason code in a packet of `type` (CONNACK,
 * PUBACK, PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH),
 * per the table of MQTT 5.0 section 2.4. Other types: false.
 * @param type a packet type (mqtls_packet_type_t)
 * @param code the reason code
 * @return true when the code may appear in that packet
 *
 * @code
 * mqtls_reason_allowed(MQTLS_PKT_PUBACK, 0x10);   // true: "No matching subscribers"
 * mqtls_reason_allowed(MQTLS_PKT_PUBREL, 0x10);   // false
 * @endcode
 */
bool mqtls_reason_allowed(uint8_t type, uint8_t code);

/**
 * Write the varint for a remaining length.
 * @param buf   where to write, or NULL to get the size only
 * @param len   bytes available at buf
 * @param value 0..MQTLS_MAX_REMAINING_LENGTH
 * @return bytes written (1..4), or MQTLS_ERR_PACKET_TOO_LARGE /
 * MQTLS_ERR_BUFFER_TOO_SMALL. buf == NULL returns the size only.
 *
 * @code
 * uint8_t v[4];
 * int32_t n = mqtls_encode_remaining_length(v, sizeof v, 321);   // 2: 0xC1 0x02
 * @endcode
 */
int32_t mqtls_encode_remaining_length(uint8_t *buf, size_t len, uint32_t value);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_CODEC_H */
