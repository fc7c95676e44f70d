/* SPDX-License-Identifier: MIT
 * mqtls fuzz target: the TLS layer's own readers of hostile bytes. */
/*
 * Before an engine sees a credential, src/tls/tls_cred.c splits it (PEM
 * CERTIFICATE blocks, DER certificates back to back) and judges a key
 * (encrypted or not, PBKDF2 count); src/tls/tls_watch.c follows the
 * server's cleartext records. All of it reads bytes a file or a peer
 * chose. The input goes to each: every certificate handed on must be one
 * whole DER SEQUENCE and is read to its last byte (ASan flags a byte past
 * the decoded buffer), the count returned is the count handed on, and
 * every sentence fits the report. A fake engine callback refuses some
 * certificates, so the refusal paths run too.
 */
#include <stdio.h>

#include "fuzz_harness.h"
#include "tls/tls_priv.h"

typedef struct {
    int offered;
    int taken;
} take_t;

static int32_t take(mqtls_tls_t *t, void *ctx, const uint8_t *der, size_t len, char *why, size_t why_len)
{
    (void)t;
    take_t *k = ctx;
    CHECK(len > 0u && mqtls__tls_der_seq_len(der, len) == len);
    uint8_t x = 0;
    for (size_t i = 0; i < len; i++) {
        x ^= der[i];
    }
    k->offered++;
    if ((x & 3u) == 0u) {
        snprintf(why, why_len, "refused by the fuzz engine");
        return MQTLS_ERR_TLS_BAD_CA_FILE;
    }
    k->taken++;
    return MQTLS_OK;
}

static void detail_fits(const mqtls_tls_t *t)
{
    CHECK(memchr(t->report->detail, '\0', sizeof t->report->detail) != NULL);
}

static void certs(mqtls_tls_t *t, const uint8_t *data, size_t size, bool all_or_none)
{
    take_t k = {0, 0};
    int32_t rc = mqtls__tls_add_certs(t, "fuzz", data, size, MQTLS_ERR_TLS_BAD_CA_FILE, all_or_none, take, &k);
    CHECK(rc == MQTLS_ERR_TLS_BAD_CA_FILE || rc == MQTLS_ERR_NO_MEMORY || (rc > 0 && rc == k.taken));
    CHECK(rc <= 0 || !all_or_none || k.taken == k.offered);
    detail_fits(t);
}

static void key(mqtls_tls_t *t, const uint8_t *data, size_t size)
{
    /* As mqtls__tls_cred_get() leaves it: a copy with a NUL after it. */
    mqtls__tls_cred_t cr = {"fuzz key", malloc(size + 1u), size};
    if (cr.buf == NULL) {
        return;
    }
    memcpy(cr.buf, data, size);
    cr.buf[size] = 0;
    bool encrypted = true;
    int32_t rc = mqtls__tls_key_check(t, &cr, MQTLS_TLS_FORMAT_AUTO, &encrypted);
    CHECK(rc == MQTLS_OK || rc == MQTLS_ERR_TLS_BAD_KEY_FILE);
    CHECK(encrypted == mqtls__tls_key_is_encrypted(data, size) || (rc != MQTLS_OK && !encrypted));
    detail_fits(t);
    mqtls__tls_cred_free(&cr);
    CHECK(cr.buf == NULL);
}

/* The stream in pieces whose sizes the input's first byte sets. */
static void watch(mqtls_tls_t *t, const uint8_t *data, size_t size)
{
    mqtls__tls_watch_t w;
    mqtls__tls_watch_reset(&w);
    size_t step = size > 0u ? (size_t)data[0] % 7u + 1u : 1u;
    for (size_t at = 0; at < size; at += step) {
        mqtls__tls_watch_feed(&w, data + at, size - at < step ? size - at : step);
    }
    CHECK(w.bytes == size && w.hdr_got <= 5u && w.hs_got < 4u);
    CHECK(!(w.not_tls && w.bad_record));
    (void)mqtls__tls_not_tls_error(t, &w);
    detail_fits(t);
    (void)mqtls__tls_bad_record_error(t, &w, NULL);
    detail_fits(t);
    (void)mqtls__tls_closed_error(t, &w, size > 0u && (data[0] & 1u) != 0u);
    detail_fits(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mqtls_tls_t t;
    memset(&t, 0, sizeof t);
    t.report = &t.own_report;
    certs(&t, data, size, false);
    certs(&t, data, size, true);
    key(&t, data, size);
    watch(&t, data, size);
    return 0;
}
