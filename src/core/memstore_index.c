/* SPDX-License-Identifier: MIT
 * mqtls: the RAM message store's optional index (mqtls_memstore_init_indexed). */
/*
 * see mqtls/client.h and memstore.c. An open-addressing table at the front
 * of the arena, 4 bytes a slot (offset + 1 of the record, 0: empty), two
 * slots per record, linear probing, backward-shift deletion. Its own file
 * so that a firmware using mqtls_memstore_init() does not link it: the
 * hooks that use it are memstore_ops.h compiled here with MS_INDEXED 1.
 */
#include "memstore_priv.h"

static size_t slot_home(const mqtls_memstore_t *ms, uint32_t key)
{
    return (size_t)(key % ms->slots);
}

static size_t slot_next(const mqtls_memstore_t *ms, size_t i)
{
    return i + 1u == ms->slots ? 0u : i + 1u;
}

/* Offset + 1 in slot i, 0: empty. */
static uint32_t slot_val(const mqtls_memstore_t *ms, size_t i)
{
    return get32(ms->index + 4u * i);
}

size_t mqtls__msix_probe(const mqtls_memstore_t *ms, uint32_t key)
{
    size_t i = slot_home(ms, key);
    while (slot_val(ms, i) != 0u && rec_key(ms->buf + slot_val(ms, i) - 1u) != key) {
        i = slot_next(ms, i); /* terminates: at most half the slots are in use */
    }
    return i;
}

/* Is h cyclically in (gap, j]? Then the entry at j must stay. */
static bool stays(size_t h, size_t gap, size_t j)
{
    return gap <= j ? (h > gap && h <= j) : (h > gap || h <= j);
}

void mqtls__msix_del(mqtls_memstore_t *ms, uint32_t key)
{
    size_t gap = mqtls__msix_probe(ms, key);
    if (slot_val(ms, gap) == 0u) {
        return;
    }
    put32(ms->index + 4u * gap, 0);
    for (size_t j = slot_next(ms, gap); slot_val(ms, j) != 0u; j = slot_next(ms, j)) {
        uint32_t v = slot_val(ms, j);
        if (!stays(slot_home(ms, rec_key(ms->buf + v - 1u)), gap, j)) {
            put32(ms->index + 4u * gap, v);
            put32(ms->index + 4u * j, 0);
            gap = j;
        }
    }
}

#define MS_INDEXED 1
#include "memstore_ops.h"

/* see mqtls/client.h */
int32_t mqtls_memstore_init_indexed(mqtls_memstore_t *ms, uint8_t *buf, size_t len, size_t max_records,
                                    mqtls_msgstore_t *out)
{
    if (max_records > 65535u * 2u) {
        return MQTLS_ERR_INVALID_ARG;
    }
    return mqtls__memstore_setup(ms, buf, len, MQTLS_MEMSTORE_INDEX_SIZE(max_records), 2u * max_records, &ms_hooks,
                                 out);
}
