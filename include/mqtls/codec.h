/* SPDX-License-Identifier: MIT
 * mqtls: MQTT packet encoder and decoder, no I/O and no state. */
/*
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
 * Protocol versions: every function takes the protocol level
 * (MQTLS_PROTO_V311 = 4); mqtls_encode_connect() reads it from
 * protocol_version, and the fixed header, the same in every version, needs
 * none. MQTT 5.0 (level 5: properties, reason codes) is planned; until then
 * level 5, like any level other than 4, gives MQTLS_ERR_NOT_SUPPORTED.
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
#define MQTLS_PROTO_V5 5u   /**< MQTT 5.0, protocol level 5 (not yet supported) */

/** Largest remaining length MQTT can express (4-byte varint). */
#define MQTLS_MAX_REMAINING_LENGTH 268435455u
/** A fixed header is at most 5 bytes. */
#define MQTLS_FIXED_HEADER_MAX 5u

typedef enum {
    MQTLS_PKT_CONNECT = 1,
    MQTLS_PKT_CONNACK = 2,
    MQTLS_PKT_PUBLISH = 3,
    MQTLS_PKT_PUBACK = 4,
    MQTLS_PKT_PUBREC = 5,
    MQTLS_PKT_PUBREL = 6,
    MQTLS_PKT_PUBCOMP = 7,
    MQTLS_PKT_SUBSCRIBE = 8,
    MQTLS_PKT_SUBACK = 9,
    MQTLS_PKT_UNSUBSCRIBE = 10,
    MQTLS_PKT_UNSUBACK = 11,
    MQTLS_PKT_PINGREQ = 12,
    MQTLS_PKT_PINGRESP = 13,
    MQTLS_PKT_DISCONNECT = 14,
    MQTLS_PKT_AUTH = 15 /**< MQTT 5.0 only */
} mqtls_packet_type_t;

/** CONNECT contents. Pointers are borrowed for the duration of the call. */
typedef struct {
    uint8_t protocol_version; /**< MQTLS_PROTO_V311 */
    bool clean_session;
    uint16_t keepalive_s; /**< 0 disables keepalive */
    const char *client_id; /**< may be empty (then clean_session must be set) */
    size_t client_id_len;
    const char *username; /**< NULL: no user name field */
    size_t username_len;
    const uint8_t *password; /**< NULL: no password field; needs a user name in 3.1.1 */
    size_t password_len;
    bool will;                /**< true: the will fields below are sent */
    const char *will_topic;   /**< a valid topic name */
    size_t will_topic_len;
    const uint8_t *will_payload;
    size_t will_payload_len;
    uint8_t will_qos;
    bool will_retain;
} mqtls_connect_t;

/** PUBLISH contents, for encoding and as the result of decoding. */
typedef struct {
    const char *topic;
    size_t topic_len;
    const uint8_t *payload;
    size_t payload_len;
    uint8_t qos;
    bool retain;
    bool dup;
    uint16_t packet_id; /**< ignored for QoS 0, non-zero for QoS 1 and 2 */
} mqtls_publish_t;

/** One SUBSCRIBE or UNSUBSCRIBE entry (qos is ignored for UNSUBSCRIBE). */
typedef struct {
    const char *filter;
    size_t filter_len;
    uint8_t qos;
} mqtls_subscription_t;

/** The fixed header of a packet. */
typedef struct {
    uint8_t type;              /**< mqtls_packet_type_t */
    uint8_t flags;             /**< low nibble of byte 0 */
    uint8_t header_len;        /**< 2..5 bytes: byte 0 plus the varint */
    uint32_t remaining_length; /**< bytes after the fixed header */
} mqtls_fixed_header_t;

/** A decoded packet that a client can receive. */
typedef struct {
    uint8_t type; /**< mqtls_packet_type_t */
    union {
        struct {
            bool session_present;
            uint8_t return_code; /**< 0 accepted, 1..5 refused */
        } connack;
        mqtls_publish_t publish; /**< topic and payload point into the buffer */
        struct {
            uint16_t packet_id;
        } ack; /**< PUBACK, PUBREC, PUBREL, PUBCOMP, UNSUBACK */
        struct {
            uint16_t packet_id;
            const uint8_t *return_codes; /**< points into the buffer */
            size_t count;
        } suback;
    } u;
} mqtls_packet_t;

/* ---- encoders (buf == NULL: return the size only) ---------------------- */

int32_t mqtls_encode_connect(uint8_t *buf, size_t len, const mqtls_connect_t *c);

/**
 * PUBLISH. Checks topic (valid name, no wildcards), QoS and packet id; DUP
 * with QoS 0 gives MQTLS_ERR_RESERVED_FLAGS [MQTT-3.3.1-2].
 */
int32_t mqtls_encode_publish(uint8_t *buf, size_t len, uint8_t version, const mqtls_publish_t *p);

/** SUBSCRIBE with n >= 1 filters, each validated. */
int32_t mqtls_encode_subscribe(uint8_t *buf, size_t len, uint8_t version, uint16_t packet_id,
                               const mqtls_subscription_t *subs, size_t n);

/** UNSUBSCRIBE with n >= 1 filters (their qos is ignored). */
int32_t mqtls_encode_unsubscribe(uint8_t *buf, size_t len, uint8_t version, uint16_t packet_id,
                                 const mqtls_subscription_t *subs, size_t n);

/**
 * A 4-byte packet that carries only a packet id: PUBACK, PUBREC, PUBREL
 * (flags 0010 as required by [MQTT-3.6.1-1]), PUBCOMP, UNSUBACK.
 */
int32_t mqtls_encode_ack(uint8_t *buf, size_t len, uint8_t version, uint8_t type, uint16_t packet_id);

/** A 2-byte packet: PINGREQ, PINGRESP or DISCONNECT. */
int32_t mqtls_encode_empty(uint8_t *buf, size_t len, uint8_t version, uint8_t type);

/*
 * Server-side encoders: a client never sends these; tests and test peers do.
 * CONNACK checks only the return code (<= 5): session_present with a
 * refusal is allowed so that a test peer can send that [MQTT-3.2.2-4]
 * violation. SUBACK needs n >= 1 codes, each 0, 1, 2 or 0x80.
 */
int32_t mqtls_encode_connack(uint8_t *buf, size_t len, uint8_t version, bool session_present,
                             uint8_t return_code);
int32_t mqtls_encode_suback(uint8_t *buf, size_t len, uint8_t version, uint16_t packet_id,
                            const uint8_t *return_codes, size_t n);

/* ---- decoders ----------------------------------------------------------- */

/**
 * Parse the fixed header at the start of buf.
 * @return MQTLS_OK with *hdr filled; MQTLS_ERR_WANT_READ when buf does not
 * yet hold the whole fixed header (not an error); MQTLS_ERR_BAD_PACKET_TYPE
 * for type 0; MQTLS_ERR_MALFORMED_REMAINING_LENGTH when the varint has a
 * fifth byte. Flags are not checked here, and type 15 is accepted: framing is
 * the same in 3.1.1 and 5.0 (AUTH), so mqtls_decode_packet() refuses it for
 * 3.1.1 with MQTLS_ERR_BAD_PACKET_TYPE.
 */
int32_t mqtls_decode_fixed_header(const uint8_t *buf, size_t len, mqtls_fixed_header_t *hdr);

/**
 * Decode one complete packet received by a client. len must be exactly
 * header_len + remaining_length (MQTLS_ERR_TRUNCATED if less,
 * MQTLS_ERR_LENGTH_MISMATCH if more). Packets only a client sends give
 * MQTLS_ERR_UNEXPECTED_PACKET (PUBLISH and the acks are accepted from both
 * sides, so tests can decode what the client wrote).
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
 */
int32_t mqtls_decode_publish_head(const uint8_t *buf, size_t avail, const mqtls_fixed_header_t *hdr,
                                  uint8_t version, mqtls_publish_t *out);

/**
 * Write the varint for a remaining length.
 * @return bytes written (1..4), or MQTLS_ERR_PACKET_TOO_LARGE /
 * MQTLS_ERR_BUFFER_TOO_SMALL. buf == NULL returns the size only.
 */
int32_t mqtls_encode_remaining_length(uint8_t *buf, size_t len, uint32_t value);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_CODEC_H */
