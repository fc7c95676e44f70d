/* SPDX-License-Identifier: MIT
 * mqtls: session state -- outgoing QoS 1/2 records and incoming QoS 2 ids. */
/*
 * see session.h. Every per-message operation is O(1) in the window size
 * (issue 14 measured the linear scans this replaces at 8 855 instructions
 * per message with a window of 256):
 *
 * - Lookup by packet id: we choose the ids, so each id has a home slot,
 *   (id - 1) % count, and alloc_id() hands out only ids whose home slot is
 *   free. find() looks at one slot. With acknowledgements in order the next
 *   id's slot is the one just freed, so alloc_id() also takes one step.
 *   Records restored from a store (ids chosen by an earlier run, maybe with
 *   another window) may sit elsewhere; `displaced` counts them, and only
 *   while it is non-zero does a lookup that misses fall back to a scan.
 *   Rejected: a free list plus a hash table (more caller memory for the
 *   same answer), an id-indexed table of 65535 entries (128 KB).
 * - Send order: a doubly linked list through the records (prev/next, index
 *   + 1), appended at publish, unlinked at completion; a PUBLISH that turns
 *   PUBREL keeps its place. The resend walks it with two cursors: `cur`
 *   (nothing marked before it) and `rel_cur` (no marked PUBREL before it),
 *   so on 5.0 PUBRELs can pass PUBLISHes held back by the receive maximum
 *   and each record is still stepped over once per reconnect.
 * - Counters: used, marked PUBLISHes, marked PUBRELs. The broker's count
 *   against its receive maximum is used - marked PUBLISHes.
 * - Incoming QoS 2 ids: the 8 KiB bitmap (one bit per id), or the caller's
 *   small array as an open-addressing table (home id % count, linear
 *   probing, backward-shift deletion: no tombstones).
 */
#include <string.h>

#include "session.h"

#define NONE 0u
#define IDX(link) ((size_t)(link) - 1u)
#define LINK(i) ((uint16_t)((i) + 1u))

static size_t home(const mqtls_session_t *s, uint16_t id)
{
    return (size_t)(id - 1u) % s->count;
}

static bool is_free(const mqtls_inflight_t *r)
{
    return r->state == MQTLS__REC_FREE;
}

static bool is_pubrel(const mqtls_inflight_t *r)
{
    return MQTLS__REC_STATE(r) == MQTLS__REC_WAIT_PUBCOMP;
}

void mqtls__sess_init(mqtls_session_t *s, mqtls_inflight_t *rec, size_t count, uint16_t *in_ids, size_t in_count,
                      uint8_t *in_bitmap)
{
    memset(s, 0, sizeof *s);
    s->rec = rec;
    s->count = (uint16_t)count;
    s->in_ids = in_ids;
    s->in_count = (uint16_t)in_count;
    s->in_bitmap = in_bitmap;
    s->next_id = 1;
    mqtls__sess_clear(s);
}

void mqtls__sess_clear(mqtls_session_t *s)
{
    if (s->rec != NULL) {
        memset(s->rec, 0, (size_t)s->count * sizeof s->rec[0]);
    }
    s->head = s->tail = s->cur = s->rel_cur = NONE;
    s->used = s->marked_pub = s->marked_rel = s->displaced = 0;
    mqtls__sess_inbound_clear(s);
}

/* ---- outgoing records ---------------------------------------------------------- */

mqtls_inflight_t *mqtls__sess_find(const mqtls_session_t *s, uint16_t id)
{
    if (s->count == 0u || id == 0u) {
        return NULL;
    }
    mqtls_inflight_t *r = &s->rec[home(s, id)];
    if (r->packet_id == id && !is_free(r)) {
        return r;
    }
    for (size_t i = 0; s->displaced > 0u && i < s->count; i++) {
        if (s->rec[i].packet_id == id && !is_free(&s->rec[i])) {
            return &s->rec[i];
        }
    }
    return NULL;
}

static uint16_t step_id(mqtls_session_t *s)
{
    uint16_t id = s->next_id;
    s->next_id = (uint16_t)(id == 65535u ? 1u : id + 1u);
    return id;
}

/* Ids 1..65535, wrapping, never one in use [MQTT-2.3.1-2]. */
uint16_t mqtls__sess_alloc_id(mqtls_session_t *s, bool record, uint16_t avoid)
{
    if (record && s->used >= s->count) {
        return 0;
    }
    for (uint32_t tries = 0; tries < 65535u; tries++) {
        uint16_t id = step_id(s);
        if (id == avoid) {
            continue;
        }
        if (record && !is_free(&s->rec[home(s, id)])) {
            continue; /* its slot is busy: with in-order acks this never happens twice */
        }
        if ((record && s->displaced == 0u) || mqtls__sess_find(s, id) == NULL) {
            return id;
        }
    }
    return 0; /* unreachable: a free slot has ids of its own */
}

static void link_tail(mqtls_session_t *s, size_t i)
{
    mqtls_inflight_t *r = &s->rec[i];
    r->prev = s->tail;
    r->next = NONE;
    if (s->tail != NONE) {
        s->rec[IDX(s->tail)].next = LINK(i);
    } else {
        s->head = LINK(i);
    }
    s->tail = LINK(i);
}

static void unlink_rec(mqtls_session_t *s, size_t i)
{
    mqtls_inflight_t *r = &s->rec[i];
    if (s->cur == LINK(i)) {
        s->cur = r->next;
    }
    if (s->rel_cur == LINK(i)) {
        s->rel_cur = r->next;
    }
    if (r->prev != NONE) {
        s->rec[IDX(r->prev)].next = r->next;
    } else {
        s->head = r->next;
    }
    if (r->next != NONE) {
        s->rec[IDX(r->next)].prev = r->prev;
    } else {
        s->tail = r->prev;
    }
    r->prev = r->next = NONE;
}

mqtls_inflight_t *mqtls__sess_add(mqtls_session_t *s, uint16_t id, uint8_t state, uint8_t qos, uint32_t now)
{
    if (s->used >= s->count || id == 0u) {
        return NULL;
    }
    size_t i = home(s, id);
    if (!is_free(&s->rec[i])) {
        for (i = 0; i < s->count && !is_free(&s->rec[i]); i++) {
            /* restored id whose home is taken: any free slot (restore only) */
        }
        s->displaced++;
    }
    mqtls_inflight_t *r = &s->rec[i];
    r->packet_id = id;
    r->state = state;
    r->qos = qos;
    r->sent_ms = now;
    link_tail(s, i);
    s->used++;
    return r;
}

static void unmark(mqtls_session_t *s, mqtls_inflight_t *r)
{
    if ((r->state & MQTLS__REC_RESEND) == 0u) {
        return;
    }
    if (is_pubrel(r)) {
        s->marked_rel--;
    } else {
        s->marked_pub--;
    }
    r->state = MQTLS__REC_STATE(r);
}

void mqtls__sess_set_state(mqtls_session_t *s, mqtls_inflight_t *r, uint8_t state)
{
    unmark(s, r);
    r->state = state;
}

void mqtls__sess_release(mqtls_session_t *s, mqtls_inflight_t *r)
{
    size_t i = (size_t)(r - s->rec);
    unmark(s, r);
    unlink_rec(s, i);
    if (i != home(s, r->packet_id)) {
        s->displaced--;
    }
    r->state = MQTLS__REC_FREE;
    r->packet_id = 0;
    s->used--;
}

void mqtls__sess_ids_after(mqtls_session_t *s, uint16_t id)
{
    s->next_id = (uint16_t)(id == 65535u ? 1u : id + 1u);
}

/* ---- resend after a reconnect ------------------------------------------------------ */

bool mqtls__sess_mark_all(mqtls_session_t *s, uint32_t now)
{
    for (uint16_t l = s->head; l != NONE; l = s->rec[IDX(l)].next) {
        mqtls_inflight_t *r = &s->rec[IDX(l)];
        if ((r->state & MQTLS__REC_RESEND) == 0u) {
            if (is_pubrel(r)) {
                s->marked_rel++;
            } else {
                s->marked_pub++;
            }
            r->state |= MQTLS__REC_RESEND; /* [MQTT-4.4.0-1] */
        }
        r->sent_ms = now; /* the ack deadline runs from this connection */
    }
    s->cur = s->rel_cur = s->head;
    return s->used > 0u;
}

void mqtls__sess_unmark_all(mqtls_session_t *s)
{
    for (uint16_t l = s->head; mqtls__sess_resend_pending(s) && l != NONE; l = s->rec[IDX(l)].next) {
        unmark(s, &s->rec[IDX(l)]);
    }
    s->cur = s->rel_cur = NONE;
}

mqtls_inflight_t *mqtls__sess_next_resend(mqtls_session_t *s, bool room)
{
    if (room && s->marked_pub > 0u) {
        /* the oldest marked record of either kind */
        while (s->cur != NONE && (s->rec[IDX(s->cur)].state & MQTLS__REC_RESEND) == 0u) {
            s->cur = s->rec[IDX(s->cur)].next;
        }
        return s->cur == NONE ? NULL : &s->rec[IDX(s->cur)];
    }
    if (s->marked_rel == 0u) {
        return NULL; /* nothing, or only PUBLISHes waiting for room */
    }
    /* PUBRELs never wait: the oldest one, past any held PUBLISH */
    while (s->rel_cur != NONE) {
        mqtls_inflight_t *r = &s->rec[IDX(s->rel_cur)];
        if ((r->state & MQTLS__REC_RESEND) != 0u && is_pubrel(r)) {
            return r;
        }
        s->rel_cur = r->next;
    }
    return NULL;
}

/* ---- incoming QoS 2 ids ------------------------------------------------------------- */

static size_t in_home(const mqtls_session_t *s, uint16_t id)
{
    return (size_t)id % s->in_count;
}

/* The slot holding id, or the free slot where it would go; in_count when full. */
static size_t in_probe(const mqtls_session_t *s, uint16_t id)
{
    size_t i = in_home(s, id);
    for (size_t n = 0; n < s->in_count; n++) {
        if (s->in_ids[i] == id || s->in_ids[i] == 0u) {
            return i;
        }
        i = i + 1u == s->in_count ? 0u : i + 1u;
    }
    return s->in_count;
}

bool mqtls__sess_inbound_has(const mqtls_session_t *s, uint16_t id)
{
    if (s->in_bitmap != NULL) {
        return (s->in_bitmap[id >> 3] >> (id & 7u)) & 1u;
    }
    if (s->in_count == 0u) {
        return false;
    }
    size_t i = in_probe(s, id);
    return i < s->in_count && s->in_ids[i] == id;
}

bool mqtls__sess_inbound_add(mqtls_session_t *s, uint16_t id)
{
    if (s->in_bitmap != NULL) {
        s->in_bitmap[id >> 3] |= (uint8_t)(1u << (id & 7u));
        return true;
    }
    if (s->in_count == 0u) {
        return false;
    }
    size_t i = in_probe(s, id);
    if (i == s->in_count) {
        return false;
    }
    s->in_ids[i] = id;
    return true;
}

/* Is `k`'s home cyclically in (gap, j]? Then it must stay where it is. */
static bool stays(size_t k, size_t gap, size_t j)
{
    return gap <= j ? (k > gap && k <= j) : (k > gap || k <= j);
}

void mqtls__sess_inbound_remove(mqtls_session_t *s, uint16_t id)
{
    if (s->in_bitmap != NULL) {
        s->in_bitmap[id >> 3] &= (uint8_t)~(1u << (id & 7u));
        return;
    }
    if (s->in_count == 0u || id == 0u) {
        return;
    }
    size_t gap = in_probe(s, id);
    if (gap == s->in_count || s->in_ids[gap] != id) {
        return;
    }
    s->in_ids[gap] = 0;
    /* Backward-shift: pull later entries of the run into the gap. */
    size_t j = gap;
    for (size_t n = 1; n < s->in_count; n++) {
        j = j + 1u == s->in_count ? 0u : j + 1u;
        if (s->in_ids[j] == 0u) {
            break;
        }
        if (!stays(in_home(s, s->in_ids[j]), gap, j)) {
            s->in_ids[gap] = s->in_ids[j];
            s->in_ids[j] = 0;
            gap = j;
        }
    }
}

void mqtls__sess_inbound_clear(mqtls_session_t *s)
{
    if (s->in_bitmap != NULL) {
        memset(s->in_bitmap, 0, MQTLS_INBOUND_BITMAP_SIZE);
    }
    if (s->in_ids != NULL) {
        memset(s->in_ids, 0, (size_t)s->in_count * sizeof s->in_ids[0]);
    }
}
