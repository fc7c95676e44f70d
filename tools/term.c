/* SPDX-License-Identifier: MIT
 * mqtls CLI: text from the network, made safe for a terminal. */
/*
 * see term.h. One walk over the bytes decides, for each character, whether
 * it is printed as is or as \xNN; both entry points share it through a
 * small sink, so the buffer and the stream versions cannot drift apart.
 */
#include "term.h"

#include <stdbool.h>
#include <string.h>

typedef struct {
    FILE *f;   /* a stream, or */
    char *buf; /* a buffer of cap bytes */
    size_t cap, used;
    bool full;
} sink_t;

static void emit(sink_t *s, const char *p, size_t n)
{
    if (s->f != NULL) {
        fwrite(p, 1, n, s->f);
        return;
    }
    if (s->full || s->used + n + 1u > s->cap) {
        s->full = true; /* never half an escape */
        return;
    }
    memcpy(s->buf + s->used, p, n);
    s->used += n;
    s->buf[s->used] = '\0';
}

static void emit_hex(sink_t *s, uint8_t b)
{
    static const char hex[] = "0123456789abcdef";
    char e[4] = { '\\', 'x', hex[b >> 4], hex[b & 15u] };
    emit(s, e, 4);
}

/* The length of the well-formed UTF-8 sequence at p (2..4), 0 if it is not one. */
static size_t utf8_len(const uint8_t *p, size_t left)
{
    size_t n = p[0] >= 0xF0u ? 4u : p[0] >= 0xE0u ? 3u : p[0] >= 0xC2u ? 2u : 0u;
    if (n == 0u || p[0] > 0xF4u || n > left) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((p[i] & 0xC0u) != 0x80u) {
            return 0;
        }
    }
    if ((n == 3u && p[0] == 0xE0u && p[1] < 0xA0u) || (n == 4u && p[0] == 0xF0u && p[1] < 0x90u) ||
        (n == 4u && p[0] == 0xF4u && p[1] > 0x8Fu) || (n == 3u && p[0] == 0xEDu && p[1] > 0x9Fu)) {
        return 0; /* overlong, above U+10FFFF, or a surrogate */
    }
    return n;
}

static void walk(sink_t *s, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i < len;) {
        uint8_t b = p[i];
        if (b >= 0x20u && b < 0x7Fu) {
            emit(s, (const char *)&p[i], 1);
            i++;
            continue;
        }
        size_t n = b >= 0x80u ? utf8_len(p + i, len - i) : 0u;
        bool c1 = n == 2u && b == 0xC2u && p[i + 1] < 0xA0u; /* U+0080..U+009F */
        if (n == 0u || c1) {
            emit_hex(s, b);
            i++;
            continue;
        }
        emit(s, (const char *)&p[i], n);
        i += n;
    }
}

char *term_escape(const void *in, size_t len, char *out, size_t out_len)
{
    sink_t s = { NULL, out, out_len, 0, false };
    if (out == NULL || out_len == 0u) {
        return out;
    }
    out[0] = '\0';
    if (in != NULL) {
        walk(&s, in, len);
    }
    return out;
}

void term_write(FILE *f, const void *in, size_t len)
{
    sink_t s = { f, NULL, 0, 0, false };
    if (f != NULL && in != NULL) {
        walk(&s, in, len);
    }
}
