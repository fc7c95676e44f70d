/* SPDX-License-Identifier: MIT
 * mqtls tests: the checks the 3.1.1 and 5.0 codec suites share. Include
 * after <cmocka.h>. Everything is static inline, so a suite that does not
 * use a helper gets no unused-function warning. */
#ifndef MQTLS_CODEC_HARNESS_H
#define MQTLS_CODEC_HARNESS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mqtls/codec.h"

#define GUARD 16u     /* canary bytes behind every encoder buffer */
#define CANARY 0xA5u
#define NVEC(a) (sizeof(a) / sizeof((a)[0]))

#define expect_rc(got, want) expect_rc_at((got), (want), #got, __LINE__)
static inline void expect_rc_at(int32_t got, int32_t want, const char *what, int line)
{
    if (got != want) {
        fail_msg("line %d: %s = %d (%s), want %d (%s)", line, what, (int)got, mqtls_errname(got), (int)want,
                 mqtls_errname(want));
    }
}

static inline void *xmalloc(size_t n)
{
    void *p = malloc(n != 0u ? n : 1u);
    assert_non_null(p);
    return p;
}

/* No byte of [from, to) was written: the encoder stayed inside its buffer. */
static inline void expect_canary(const uint8_t *b, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++) {
        if (b[i] != CANARY) {
            fail_msg("byte %zu after a buffer of %zu was written", i, from);
        }
    }
}

/* One encoder call, whatever the suite's description of it. */
typedef int32_t (*encode_fn)(const void *call, uint8_t *buf, size_t len);

/* "Size query, then write", checked: buf NULL gives the size (len ignored);
 * an exact and a larger buffer get exactly the vector and nothing past it;
 * every shorter buffer gives BUFFER_TOO_SMALL without a byte written past
 * its end (a canary behind each heap buffer). */
static inline void expect_encoder_output(encode_fn enc, const void *call, const uint8_t *want, size_t n)
{
    expect_rc(enc(call, NULL, 0), (int32_t)n);
    expect_rc(enc(call, NULL, 4096), (int32_t)n);
    uint8_t *b = xmalloc(n + GUARD);
    memset(b, CANARY, n + GUARD);
    expect_rc(enc(call, b, n), (int32_t)n);
    assert_memory_equal(b, want, n);
    expect_canary(b, n, n + GUARD);
    memset(b, CANARY, n + GUARD);
    expect_rc(enc(call, b, n + GUARD), (int32_t)n);
    assert_memory_equal(b, want, n);
    expect_canary(b, n, n + GUARD);
    free(b);
    for (size_t len = 0; len < n; len++) {
        uint8_t *s = xmalloc(len + GUARD);
        memset(s, CANARY, len + GUARD);
        expect_rc(enc(call, s, len), MQTLS_ERR_BUFFER_TOO_SMALL);
        expect_canary(s, len, len + GUARD);
        free(s);
    }
}

/* Decode a whole packet from an exactly-sized heap copy (so AddressSanitizer
 * sees any overread). The copy is returned so that pointers in *out stay
 * valid; the caller frees it. */
static inline uint8_t *decode_copy_v(const uint8_t *pkt, size_t n, uint8_t version, mqtls_packet_t *out, int32_t want)
{
    uint8_t *b = xmalloc(n);
    memcpy(b, pkt, n);
    expect_rc(mqtls_decode_packet(b, n, version, out), want);
    return b;
}

/* Every truncation of a whole packet is refused, reading only what it is
 * given (the fixed header alone asks for more or decodes); one byte too
 * many is a length mismatch. */
static inline void expect_truncations_refused_v(const uint8_t *pkt, size_t n, uint8_t version)
{
    for (size_t k = 0; k < n; k++) {
        uint8_t *b = xmalloc(k);
        memcpy(b, pkt, k);
        mqtls_packet_t out;
        expect_rc(mqtls_decode_packet(k != 0u ? b : NULL, k, version, &out), MQTLS_ERR_TRUNCATED);
        mqtls_fixed_header_t h;
        int32_t rc = mqtls_decode_fixed_header(k != 0u ? b : NULL, k, &h);
        assert_true(rc == MQTLS_OK || rc == MQTLS_ERR_WANT_READ);
        free(b);
    }
    uint8_t *b = xmalloc(n + 1u);
    memcpy(b, pkt, n);
    b[n] = 0;
    mqtls_packet_t out;
    expect_rc(mqtls_decode_packet(b, n + 1u, version, &out), MQTLS_ERR_LENGTH_MISMATCH);
    free(b);
}

#endif /* MQTLS_CODEC_HARNESS_H */
