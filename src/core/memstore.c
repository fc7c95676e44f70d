/* SPDX-License-Identifier: MIT
 * mqtls: a RAM message store -- a session's QoS 1/2 records in a caller's arena. */
/*
 * see mqtls/client.h and mqtls/msgstore.h. Records are appended to the
 * arena as [packet id: 2][kind: 2 bits | length: 30 bits][packet bytes],
 * oldest first, which is also the order outgoing ones must be resent in.
 * Kinds: PUBLISH (bytes kept), PUBREL (mark_pubrel(): the kind changes in
 * place, so the record keeps its position; its bytes are dropped at the
 * next compaction) and INBOUND (an incoming QoS 2 id, no bytes). remove()
 * marks a record dead (id 0; MQTT never uses id 0) and advances `head` over
 * dead records at the front instead of moving memory on every
 * acknowledgement; put() compacts the arena only when the tail has no room.
 * That keeps a pipelined publisher at amortised O(1) copying per message.
 *
 * Finding a record by id: with mqtls_memstore_init_indexed() an open-
 * addressing table at the front of the arena (4 bytes a slot, two slots per
 * record, linear probing, backward-shift deletion) maps id to offset, so
 * every operation is O(1) whatever the order of acknowledgements. Without
 * it, the record at the head is tried first (acknowledgements mostly come
 * in order, so that is O(1) too) and only an out-of-order one scans; put()
 * then trusts the client never to store an id twice (it does not) instead
 * of searching for an older copy on every message, the scan issue 14
 * measured at 2 460 instructions per message with a window of 256.
 * Rejected: fixed-size slots, which waste RAM on small devices whose
 * messages vary in size.
 *
 * The records and hooks are in memstore_ops.h, compiled here without the
 * index and in memstore_index.c with it (mqtls_memstore_init_indexed()):
 * a firmware that calls only mqtls_memstore_init() links none of the index
 * and tests none of its branches.
 */
#define MS_INDEXED 0
#include "memstore_ops.h"

/* Both inits: index_len bytes of buf hold an index of `slots` slots (none when 0). */
int32_t mqtls__memstore_setup(mqtls_memstore_t *ms, uint8_t *buf, size_t len, size_t index_len, size_t slots,
                              const mqtls_msgstore_t *hooks, mqtls_msgstore_t *out)
{
    if (ms == NULL || buf == NULL || out == NULL || len <= index_len || len - index_len <= REC_HDR) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memset(ms, 0, sizeof *ms);
    ms->index = slots > 0u ? buf : NULL;
    ms->slots = slots;
    ms->buf = buf + index_len;
    ms->cap = len - index_len;
    *out = *hooks;
    out->ctx = ms;
    out->clear(ms);
    return MQTLS_OK;
}

int32_t mqtls_memstore_init(mqtls_memstore_t *ms, uint8_t *buf, size_t len, mqtls_msgstore_t *out)
{
    return mqtls__memstore_setup(ms, buf, len, 0, 0, &ms_hooks, out);
}

size_t mqtls_memstore_count(const mqtls_memstore_t *ms)
{
    return ms == NULL ? 0u : ms->live;
}
