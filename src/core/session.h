/* SPDX-License-Identifier: MIT
 * mqtls: session state -- the QoS 1/2 bookkeeping behind the client (private). */
/*
 * What the client keeps about a session between packets, as coreMQTT keeps
 * it in core_mqtt_state.c apart from the API: outgoing records (a PUBLISH
 * waiting for PUBACK / PUBREC, a PUBREL waiting for PUBCOMP) in the caller's
 * mqtls_inflight_t array, and the incoming QoS 2 ids waiting for PUBREL.
 * Nothing here does I/O or touches the message store: client.c decides
 * what to send and what to store, this module only answers "which record",
 * "which id", "what next", each in constant time. The struct lives inside
 * mqtls_client_t (mqtls_session_t in mqtls/client.h).
 */
#ifndef MQTLS_SESSION_H
#define MQTLS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/client.h"

/* Record states (mqtls_inflight_t.state, low bits). */
enum {
    MQTLS__REC_FREE = 0,
    MQTLS__REC_WAIT_PUBACK,  /* QoS 1 PUBLISH sent */
    MQTLS__REC_WAIT_PUBREC,  /* QoS 2 PUBLISH sent */
    MQTLS__REC_WAIT_PUBCOMP, /* QoS 2 PUBREL sent */
    MQTLS__REC_WAIT_ACK      /* restored PUBLISH: its QoS is read from the packet at resend */
};
/* Flag in mqtls_inflight_t.state: still to be resent on this connection. */
#define MQTLS__REC_RESEND 0x80u
#define MQTLS__REC_STATE(r) ((uint8_t)((r)->state & ~MQTLS__REC_RESEND))

void mqtls__sess_init(mqtls_session_t *s, mqtls_inflight_t *rec, size_t count, uint16_t *in_ids, size_t in_count,
                      uint8_t *in_bitmap);
/* Forget every record and every inbound id. */
void mqtls__sess_clear(mqtls_session_t *s);

/* ---- outgoing records ---- */
mqtls_inflight_t *mqtls__sess_find(const mqtls_session_t *s, uint16_t id);
/* A fresh id for a PUBLISH (its record slot free) or, with `record` false,
 * for a SUBSCRIBE/UNSUBSCRIBE; never `avoid` or an id in use. 0: no record free. */
uint16_t mqtls__sess_alloc_id(mqtls_session_t *s, bool record, uint16_t avoid);
/* Take the record for `id` (from alloc_id, or restored: any free slot) and
 * append it to the send order. NULL when every record is in use. */
mqtls_inflight_t *mqtls__sess_add(mqtls_session_t *s, uint16_t id, uint8_t state, uint8_t qos, uint32_t now);
void mqtls__sess_set_state(mqtls_session_t *s, mqtls_inflight_t *r, uint8_t state);
void mqtls__sess_release(mqtls_session_t *s, mqtls_inflight_t *r);
/* The oldest record in send order, NULL when none. (The one-line queries
 * are inline: a call costs more bytes than their bodies.) */
static inline mqtls_inflight_t *mqtls__sess_oldest(const mqtls_session_t *s)
{
    return s->head == 0u ? NULL : &s->rec[s->head - 1u];
}
/* Records in use; and those the broker counts against its receive maximum. */
static inline size_t mqtls__sess_used(const mqtls_session_t *s)
{
    return s->used;
}
static inline size_t mqtls__sess_in_flight(const mqtls_session_t *s)
{
    return (size_t)s->used - s->marked_pub;
}
/* Continue packet ids after this one (restore). */
void mqtls__sess_ids_after(mqtls_session_t *s, uint16_t id);

/* ---- resend after a reconnect ---- */
/* Mark every record to be resent (stamped `now`); false when there is none. */
bool mqtls__sess_mark_all(mqtls_session_t *s, uint32_t now);
/* Unmark every record: a resend cut short by a lost connection. */
void mqtls__sess_unmark_all(mqtls_session_t *s);
static inline bool mqtls__sess_resend_pending(const mqtls_session_t *s)
{
    return s->marked_pub > 0u || s->marked_rel > 0u;
}
/* The oldest marked record that may go: a PUBREL always, a PUBLISH only
 * with `room`; NULL when none. The caller sends it and calls set_state or
 * release (which unmark it). */
mqtls_inflight_t *mqtls__sess_next_resend(mqtls_session_t *s, bool room);

/* ---- incoming QoS 2 ids ---- */
bool mqtls__sess_inbound_has(const mqtls_session_t *s, uint16_t id);
bool mqtls__sess_inbound_add(mqtls_session_t *s, uint16_t id);
void mqtls__sess_inbound_remove(mqtls_session_t *s, uint16_t id);
void mqtls__sess_inbound_clear(mqtls_session_t *s);

#endif /* MQTLS_SESSION_H */
