/* SPDX-License-Identifier: MIT
 * mqtls tests: one contract test body (mqtls/msgstore.h) for every store. */
/*
 * Each store's test file fills a conf_store_t (how to open a fresh store,
 * how to "reboot" it over the same medium, how to close it) and adds
 * CONFORMANCE_TESTS(&its_store) to its cmocka table: the same assertions
 * then run against the flash log, the file store, and any store a user
 * writes. The reopen tests are where a persistent store differs from RAM.
 */
#ifndef MQTLS_TEST_STORE_CONFORMANCE_H
#define MQTLS_TEST_STORE_CONFORMANCE_H

#include <stddef.h>
#include <stdint.h>

#include "mqtls/msgstore.h"

typedef struct conf_store {
    const char *name;
    void *ctx;
    /* a fresh, empty store over a blank medium */
    void (*open)(struct conf_store *cs, mqtls_msgstore_t *out);
    /* drop the store's RAM state and open it again over the same medium */
    void (*reopen)(struct conf_store *cs, mqtls_msgstore_t *out);
    void (*close)(struct conf_store *cs);
    size_t max_len; /* the largest packet it takes; 0: no limit to test */
} conf_store_t;

void conf_put_get_roundtrip(void **state);
void conf_get_errors(void **state);
void conf_bad_arguments(void **state);
void conf_order_kept(void **state);
void conf_remove(void **state);
void conf_mark_pubrel_keeps_place(void **state);
void conf_inbound_ids(void **state);
void conf_clear_forgets_everything(void **state);
void conf_put_same_id_replaces(void **state);
void conf_each_stops_on_error(void **state);
void conf_size_limit(void **state);
void conf_reopen_keeps_everything(void **state);
void conf_reopen_after_removals(void **state);

#define CONFORMANCE_TESTS(cs)                                               \
    cmocka_unit_test_prestate(conf_put_get_roundtrip, (cs)),                \
        cmocka_unit_test_prestate(conf_get_errors, (cs)),                   \
        cmocka_unit_test_prestate(conf_bad_arguments, (cs)),                \
        cmocka_unit_test_prestate(conf_order_kept, (cs)),                   \
        cmocka_unit_test_prestate(conf_remove, (cs)),                       \
        cmocka_unit_test_prestate(conf_mark_pubrel_keeps_place, (cs)),      \
        cmocka_unit_test_prestate(conf_inbound_ids, (cs)),                  \
        cmocka_unit_test_prestate(conf_clear_forgets_everything, (cs)),     \
        cmocka_unit_test_prestate(conf_put_same_id_replaces, (cs)),         \
        cmocka_unit_test_prestate(conf_each_stops_on_error, (cs)),          \
        cmocka_unit_test_prestate(conf_size_limit, (cs)),                   \
        cmocka_unit_test_prestate(conf_reopen_keeps_everything, (cs)),      \
        cmocka_unit_test_prestate(conf_reopen_after_removals, (cs))

/* What each() reported, in order. */
typedef struct {
    size_t n;
    uint8_t kind[512];
    uint16_t id[512];
    size_t len[512];
} conf_list_t;

void conf_list(const mqtls_msgstore_t *st, conf_list_t *out);
/* A deterministic packet body for (id, len), for checking get(). */
void conf_fill(uint8_t *buf, size_t len, uint16_t id, uint32_t salt);

#endif
