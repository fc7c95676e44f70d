/* SPDX-License-Identifier: MIT
 * mqtls tests: the one client fixture of the client suites. */
/*
 * test_client, test_client5 and test_v311only drive a real mqtls_client_t
 * over script_transport. This is their common setup: the caller-owned
 * buffers, the in-flight tables, a RAM message store, the alias tables,
 * the config, the callbacks that record what the client delivered, and
 * the connect helper. A suite picks what it needs with fx_setup_t (the
 * 3.1.1 suite has no alias tables, test_v311only no store at all), so the
 * buffers every suite sees are the ones it had before the fixture was
 * shared.
 */
#ifndef MQTLS_TEST_CLIENT_FIXTURE_H
#define MQTLS_TEST_CLIENT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/client.h"
#include "script_transport.h"

#define FX_MAX_SEEN 16
#define FX_TOPIC_MAX 16 /* longest topic an alias slot holds */

/* One message the client delivered to on_message. */
typedef struct {
    char topic[64];
    char payload[256];
    size_t payload_len;
    uint8_t qos;
    bool retain, dup;
    char text[64]; /* "topic payload", for one-line comparisons */
} seen_t;

typedef struct {
    size_t buf_len;   /* tx and rx bytes (at most 512) */
    size_t arena_len; /* message store arena (at most 2048); 0: no store, no in-flight tables */
    bool aliases;     /* MQTT 5.0 topic alias tables (4 in, 2 out) */
    bool auth;        /* the on_auth callback */
} fx_setup_t;

typedef struct {
    mqtls_client_t c;
    script_t s;
    mqtls_transport_t t;
    uint8_t tx[512], rx[512], arena[2048];
    mqtls_inflight_t out[8];
    uint16_t in_ids[4];
    uint8_t alias_in[4 * MQTLS_ALIAS_IN_SLOT(FX_TOPIC_MAX)];
    uint8_t alias_out[2 * MQTLS_ALIAS_OUT_SLOT(FX_TOPIC_MAX)];
    mqtls_memstore_t ms;
    mqtls_msgstore_t store;
    mqtls_client_config_t cfg;
    seen_t seen[FX_MAX_SEEN];
    size_t nseen;
    /* what on_message should do (for callback tests) */
    bool cb_publish;
    int32_t cb_rc;
    /* on_auth record and script */
    uint8_t auth_reason[4];
    char auth_data[4][16];
    size_t nauth;
    const char *auth_answer;
    int32_t auth_rc;
} fx_t;

/* A fresh fixture with an initialised client; fx_free releases it. */
fx_t *fx_open(const fx_setup_t *setup);
void fx_free(fx_t *f);

/* CONNECT options for client "dev1". */
mqtls_connect_t fx_conn_opts(uint8_t version, bool clean, uint16_t keepalive);

/* Connect with `o` (the test has pushed the broker's answer) and consume
 * the CONNECT the client sent. */
void fx_connect_with(fx_t *f, const mqtls_connect_t *o);

/* A fresh script for the next connection (the old one is gone). */
void fx_new_script(fx_t *f);

/* The client sent nothing since the last script_next. */
void expect_nothing_sent(fx_t *f);

#endif
