/* SPDX-License-Identifier: MIT
 * mqtls: the RAM message store's record format, shared by memstore.c and memstore_index.c. */
/*
 * A record is [packet id: 2][kind: 2 bits | length: 30 bits][packet bytes]
 * (see memstore.c). The hooks (memstore_ops.h, compiled by memstore.c
 * without the index and by memstore_index.c with it) and the index read a
 * record's key through these.
 */
#ifndef MQTLS_MEMSTORE_PRIV_H
#define MQTLS_MEMSTORE_PRIV_H

#include "mqtls/client.h"

#define REC_HDR 6u
#define KIND_SHIFT 30u
enum { K_PUBLISH = 0, K_PUBREL = 1, K_INBOUND = 2 };
/* each() reports kind K_x as MQTLS_MSG_x, K_x + 1. */
_Static_assert(MQTLS_MSG_PUBLISH == K_PUBLISH + 1 && MQTLS_MSG_PUBREL == K_PUBREL + 1 &&
                   MQTLS_MSG_INBOUND == K_INBOUND + 1,
               "record kinds and MQTLS_MSG_* differ by one");

static inline uint16_t rec_id(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

static inline void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline unsigned rec_kind(const uint8_t *p)
{
    return (unsigned)(get32(p + 2) >> KIND_SHIFT);
}

/* Index key: outgoing records and inbound ids live in separate id spaces. */
static inline uint32_t key_of(uint16_t id, bool inbound)
{
    return (uint32_t)id | (inbound ? 0x10000u : 0u);
}

static inline uint32_t rec_key(const uint8_t *p)
{
    return key_of(rec_id(p), rec_kind(p) == K_INBOUND);
}

/* Both inits (memstore.c): index_len bytes at the front of buf hold an
 * index of `slots` slots, none when 0; out gets `hooks` (ms_hooks of the
 * caller's file) with ctx ms. */
int32_t mqtls__memstore_setup(mqtls_memstore_t *ms, uint8_t *buf, size_t len, size_t index_len, size_t slots,
                              const mqtls_msgstore_t *hooks, mqtls_msgstore_t *out);

/* The index (memstore_index.c), only called by its own hooks: the slot
 * holding key, or the empty slot that ends its run; remove key. */
size_t mqtls__msix_probe(const mqtls_memstore_t *ms, uint32_t key);
void mqtls__msix_del(mqtls_memstore_t *ms, uint32_t key);

#endif
