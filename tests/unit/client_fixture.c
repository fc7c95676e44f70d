/* SPDX-License-Identifier: MIT
 * mqtls tests: the one client fixture of the client suites (see client_fixture.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client_fixture.h"

static void on_msg(void *user, const mqtls_message_t *m)
{
    fx_t *f = user;
    if (f->nseen < FX_MAX_SEEN) {
        seen_t *s = &f->seen[f->nseen];
        snprintf(s->topic, sizeof s->topic, "%.*s", (int)m->topic_len, m->topic);
        s->payload_len = m->payload_len < sizeof s->payload ? m->payload_len : sizeof s->payload;
        memcpy(s->payload, m->payload, s->payload_len);
        s->qos = m->qos;
        s->retain = m->retain;
        s->dup = m->dup;
        snprintf(s->text, sizeof s->text, "%.*s %.*s", (int)m->topic_len, m->topic, (int)m->payload_len,
                 (const char *)m->payload);
    }
    f->nseen++;
    if (f->cb_publish) {
        mqtls_publish_t p = {
            .topic = "echo", .topic_len = 4, .payload = m->payload, .payload_len = m->payload_len, .qos = 1};
        f->cb_rc = mqtls_client_publish(&f->c, &p, NULL);
        mqtls_subscription_t sub = {.filter = "x", .filter_len = 1};
        if (mqtls_client_subscribe(&f->c, &sub, 1, NULL, NULL, 10) != MQTLS_ERR_BUSY) {
            f->cb_rc = MQTLS_ERR_INTERNAL;
        }
    }
}

static int32_t on_auth(void *user, uint8_t reason, const uint8_t *data, size_t len, const uint8_t **out,
                       size_t *out_len)
{
    fx_t *f = user;
    if (f->nauth < 4) {
        f->auth_reason[f->nauth] = reason;
        snprintf(f->auth_data[f->nauth], sizeof f->auth_data[0], "%.*s", (int)len,
                 data != NULL ? (const char *)data : "");
    }
    f->nauth++;
    if (f->auth_answer != NULL) {
        *out = (const uint8_t *)f->auth_answer;
        *out_len = strlen(f->auth_answer);
    }
    return f->auth_rc;
}

fx_t *fx_open(const fx_setup_t *setup)
{
    fx_t *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    assert_true(setup->buf_len <= sizeof f->tx && setup->arena_len <= sizeof f->arena);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
    f->cfg = (mqtls_client_config_t){.tx_buf = f->tx,
                                     .tx_len = setup->buf_len,
                                     .rx_buf = f->rx,
                                     .rx_len = setup->buf_len,
                                     .now_ms = script_now,
                                     .now_user = &f->s};
    if (setup->arena_len > 0) {
        assert_int_equal(mqtls_memstore_init(&f->ms, f->arena, setup->arena_len, &f->store), MQTLS_OK);
        f->cfg.outbound = f->out;
        f->cfg.outbound_count = 8;
        f->cfg.inbound_ids = f->in_ids;
        f->cfg.inbound_count = 4;
        f->cfg.store = &f->store;
        f->cfg.on_message = on_msg;
        f->cfg.user = f;
        f->cfg.ping_timeout_ms = 3000;
    }
    if (setup->aliases) {
        f->cfg.alias_in = f->alias_in;
        f->cfg.alias_in_len = sizeof f->alias_in;
        f->cfg.alias_in_count = 4;
        f->cfg.alias_out = f->alias_out;
        f->cfg.alias_out_len = sizeof f->alias_out;
        f->cfg.alias_out_count = 2;
    }
    if (setup->auth) {
        f->cfg.on_auth = on_auth;
    }
    assert_int_equal(mqtls_client_init(&f->c, &f->cfg), MQTLS_OK);
    return f;
}

void fx_free(fx_t *f)
{
    script_free(&f->s);
    free(f);
}

mqtls_connect_t fx_conn_opts(uint8_t version, bool clean, uint16_t keepalive)
{
    return (mqtls_connect_t){.protocol_version = version,
                             .clean_session = clean,
                             .keepalive_s = keepalive,
                             .client_id = "dev1",
                             .client_id_len = 4};
}

void fx_connect_with(fx_t *f, const mqtls_connect_t *o)
{
    assert_int_equal(mqtls_client_connect(&f->c, &f->t, o, NULL, 1000), MQTLS_OK);
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), MQTLS_PKT_CONNECT);
}

void fx_new_script(fx_t *f)
{
    script_free(&f->s);
    script_init(&f->s);
    script_transport(&f->s, &f->t);
}

void expect_nothing_sent(fx_t *f)
{
    const uint8_t *p;
    size_t n;
    assert_int_equal(script_next(&f->s, &p, &n), 0);
}
