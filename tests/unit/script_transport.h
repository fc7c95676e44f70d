/* SPDX-License-Identifier: MIT
 * mqtls tests: an in-memory scripted peer with a fake clock. */
/*
 * The "server" side of a unit test: bytes pushed with script_push() are what
 * the client will receive; everything the client sends is kept in `out`
 * and read back packet by packet with script_next(). Knobs make the peer
 * awkward on purpose: receive and send in tiny chunks, refuse to take bytes
 * for a while, fail with an error. The clock only moves when the client
 * waits (wait() advances it by the time asked for), so timeouts are exact
 * and tests never sleep.
 */
#ifndef SCRIPT_TRANSPORT_H
#define SCRIPT_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/codec.h"
#include "mqtls/transport.h"

#define SCRIPT_CAP (1u << 20)

typedef struct {
    uint8_t *in; /* server -> client */
    size_t in_len, in_pos;
    uint8_t *out; /* client -> server */
    size_t out_len, out_pos;
    size_t recv_chunk;     /* 0: unlimited */
    size_t send_chunk;     /* 0: unlimited */
    unsigned send_stalls;  /* next N sends take nothing */
    size_t stall_at;       /* when out_len reaches this (non-zero)... */
    unsigned stall_count;  /* ...the next stall_count sends take nothing */
    int32_t recv_error;    /* returned once input is exhausted (0: would block) */
    int32_t send_error;    /* returned by every send when non-zero */
    bool auto_pingresp;    /* answer each PINGREQ */
    uint32_t clock;        /* fake milliseconds */
    uint32_t waited_ms;    /* total time spent in wait() */
    unsigned closes;
    unsigned sends;        /* send calls that moved bytes */
} script_t;

void script_init(script_t *s);
void script_free(script_t *s);
void script_transport(script_t *s, mqtls_transport_t *t);
uint32_t script_now(void *user); /* user = script_t* */

void script_push(script_t *s, const uint8_t *bytes, size_t n);
void script_push_connack(script_t *s, bool sp, uint8_t rc);
void script_push_ack(script_t *s, uint8_t type, uint16_t id);
void script_push_publish(script_t *s, const char *topic, const char *payload, uint8_t qos, uint16_t id,
                         bool dup);
void script_push_suback(script_t *s, uint16_t id, const uint8_t *codes, size_t n);

/* Next packet the client sent: returns its type (0 when none left), sets
 * pkt and len to its bytes inside s->out. */
uint8_t script_next(script_t *s, const uint8_t **pkt, size_t *len);
/* Skip everything sent so far. */
void script_drain(script_t *s);

#endif
