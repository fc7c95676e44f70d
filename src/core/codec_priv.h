/* SPDX-License-Identifier: MIT
 * mqtls: what codec.c and props.c share, not part of the public API. */
/*
 * props.c owns everything about MQTT 5.0 properties and reason codes;
 * codec.c lays out the packets around them. These are the seams: a size
 * pass and a write pass over the same mqtls_props_t (so they cannot
 * disagree), and a reader of a property block inside a packet that knows
 * the difference between "not in the buffer yet" and "not in the packet".
 */
#ifndef MQTLS_CODEC_PRIV_H
#define MQTLS_CODEC_PRIV_H

#include "mqtls/codec.h"
#include "mqtls/config.h"

/* Bytes of the variable byte integer for v (v <= MQTLS_MAX_REMAINING_LENGTH). */
size_t mqtls__varint_size(size_t v);
/* Write v (<= MQTLS_MAX_REMAINING_LENGTH) as a variable byte integer;
 * returns the byte after it. The caller has checked the room. */
uint8_t *mqtls__varint_put(uint8_t *p, size_t v);

/*
 * The packets the client answers with, unchecked: PUBACK, PUBREC, PUBREL,
 * PUBCOMP (3.1.1, or 5.0 with reason 0x00: the short form) with packet_id
 * (not 0), or PINGREQ. Writes them at p (room for 4 bytes) and returns
 * their length, as mqtls_encode_ack() / mqtls_encode_empty() would.
 */
size_t mqtls__put_short(uint8_t *p, uint8_t type, uint16_t packet_id);

/*
 * mqtls_decode_packet() for a caller that has already decoded the fixed
 * header of buf with mqtls_decode_fixed_header() and holds all of its
 * header_len + remaining_length bytes, at a protocol version it has checked
 * (the client): the rest of the checks, without framing it all again.
 */
int32_t mqtls__decode_framed(const uint8_t *buf, const mqtls_fixed_header_t *hdr, uint8_t version, mqtls_packet_t *out);

#if MQTLS_CONFIG_MQTT5
/*
 * Check props (NULL: none) for a packet of `type` (MQTLS_PROPS_WILL for
 * the will) and return the size of the property block without its length
 * varint, or an error.
 */
int32_t mqtls__props_size(uint8_t type, const mqtls_props_t *props);

/* Write the length varint and the block whose size mqtls__props_size()
 * returned; returns the byte after it. The caller has checked the room. */
uint8_t *mqtls__props_put(uint8_t *p, uint8_t type, const mqtls_props_t *props, size_t block_len);

/*
 * Read the property block at p (length varint first) of a packet of
 * `type`: `avail` bytes of it are in the buffer, `left` bytes remain in
 * the packet (avail <= left). Returns the bytes consumed, MQTLS_ERR_WANT_READ
 * when the block lies in the packet but not yet in the buffer, or a
 * decoding error. *out is zeroed first.
 */
int32_t mqtls__props_get(const uint8_t *p, size_t avail, size_t left, uint8_t type, mqtls_props_t *out);
#else
/* 3.1.1 only: codec.c never reaches these (its 5.0 branches are constant
 * false), they only keep those branches compiling without props.c. */
static inline int32_t mqtls__props_size(uint8_t type, const mqtls_props_t *props)
{
    (void)type;
    (void)props;
    return MQTLS_ERR_NOT_SUPPORTED;
}
static inline uint8_t *mqtls__props_put(uint8_t *p, uint8_t type, const mqtls_props_t *props, size_t block_len)
{
    (void)type;
    (void)props;
    (void)block_len;
    return p;
}
static inline int32_t mqtls__props_get(const uint8_t *p, size_t avail, size_t left, uint8_t type,
                                       mqtls_props_t *out)
{
    (void)p;
    (void)avail;
    (void)left;
    (void)type;
    (void)out;
    return MQTLS_ERR_NOT_SUPPORTED;
}
#endif

#endif /* MQTLS_CODEC_PRIV_H */
