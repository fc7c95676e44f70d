/* SPDX-License-Identifier: MIT
 * mqtls fuzz targets: what every harness shares (not a target itself). */
/*
 * Every target aborts on a broken invariant, so that libFuzzer reports the
 * input (CHECK); the two message-store targets (fuzz_flashlog,
 * fuzz_filestore) walk a store the same way and compare two walks, one
 * before and one after a fresh open (fuzz_store_walk, fuzz_store_same).
 * The helpers are static inline: each target is one translation unit and
 * uses what it needs.
 */
#ifndef MQTLS_FUZZ_HARNESS_H
#define MQTLS_FUZZ_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/error.h"
#include "mqtls/msgstore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)    \
    do {               \
        if (!(cond)) { \
            abort();   \
        }              \
    } while (0)

/* ---- message stores ------------------------------------------------------------------ */

#define FUZZ_STORE_RECORDS 256u
#define FUZZ_STORE_BYTES (1u << 17)

/* What a walk of a store saw: its records in order and the bytes of its PUBLISH records. */
typedef struct {
    size_t n;
    uint8_t kind[FUZZ_STORE_RECORDS];
    uint16_t id[FUZZ_STORE_RECORDS];
    size_t len[FUZZ_STORE_RECORDS];
    size_t used;
    uint8_t bytes[FUZZ_STORE_BYTES];
    /* the walk's arguments */
    const mqtls_msgstore_t *st;
    size_t max_records, max_len;
} fuzz_store_list_t;

static inline int32_t fuzz_store_visit(void *arg, uint8_t kind, uint16_t id, size_t len)
{
    fuzz_store_list_t *l = arg;
    CHECK(l->n < l->max_records);
    for (size_t i = 0; i < l->n; i++) {
        CHECK(!(l->id[i] == id && (l->kind[i] == MQTLS_MSG_INBOUND) == (kind == MQTLS_MSG_INBOUND)));
    }
    if (kind == MQTLS_MSG_PUBLISH) {
        CHECK(len <= l->max_len && len <= FUZZ_STORE_BYTES - l->used);
        CHECK(l->st->get(l->st->ctx, id, l->bytes + l->used, len) == (int32_t)len);
        l->used += len;
    }
    l->kind[l->n] = kind;
    l->id[l->n] = id;
    l->len[l->n] = len;
    l->n++;
    return MQTLS_OK;
}

/* Walk st into l: at most max_records records (at most FUZZ_STORE_RECORDS), no id twice
 * (outgoing and inbound apart), every PUBLISH at most max_len bytes and readable (get,
 * from inside each(), which does not change the store) at the length each() gives. */
static inline void fuzz_store_walk(const mqtls_msgstore_t *st, fuzz_store_list_t *l, size_t max_records, size_t max_len)
{
    CHECK(max_records <= FUZZ_STORE_RECORDS);
    l->n = 0;
    l->used = 0;
    l->st = st;
    l->max_records = max_records;
    l->max_len = max_len;
    CHECK(st->each(st->ctx, fuzz_store_visit, l) == MQTLS_OK);
}

/* Two walks saw the same store: the same records in the same order with the same bytes
 * (an inbound id may be listed in another order). */
static inline void fuzz_store_same(const fuzz_store_list_t *a, const fuzz_store_list_t *b)
{
    CHECK(a->n == b->n && a->used == b->used);
    for (size_t i = 0; i < a->n; i++) {
        CHECK(a->kind[i] == b->kind[i] && a->len[i] == b->len[i]);
        CHECK(a->id[i] == b->id[i] || a->kind[i] == MQTLS_MSG_INBOUND);
    }
    CHECK(memcmp(a->bytes, b->bytes, a->used) == 0);
}

#endif /* MQTLS_FUZZ_HARNESS_H */
