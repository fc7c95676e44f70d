/* SPDX-License-Identifier: MIT
 * mqtls: the doctor's report as JSON, and small text helpers. */
/*
 * see mqtls/diag.h. The JSON is written by hand into a growing buffer: the
 * report is flat and small, and a JSON library would be the project's only
 * one. Strings are escaped per RFC 8259 §7 (quote, backslash, control
 * characters as \u00XX); bytes >= 0x80 pass through, the texts are UTF-8.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag_priv.h"
#include "mqtls/slcodes.h"
#include "mqtls/topic.h"

void mqtls__diag_cat(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strnlen(buf, len);
    if (used + 1 >= len) {
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* Lowercase, without spaces: "O=a b, CN=c" -> "o=ab,cn=c". */
static void squeeze(const char *in, char *out, size_t len)
{
    size_t k = 0;
    for (; *in != '\0' && k + 1 < len; in++) {
        if (*in != ' ') {
            out[k++] = (char)tolower((unsigned char)*in);
        }
    }
    out[k] = '\0';
}

bool mqtls__diag_same_dn(const char *a, const char *b)
{
    char x[300], y[300];
    if (a == NULL || b == NULL || *a == '\0' || *b == '\0') {
        return false;
    }
    squeeze(a, x, sizeof x);
    squeeze(b, y, sizeof y);
    return strcmp(x, y) == 0;
}

void mqtls__diag_cn(const char *dn, char *out, size_t len)
{
    const char *p = strstr(dn, "CN=");
    while (p != NULL && p != dn && p[-1] != ' ' && p[-1] != ',') {
        p = strstr(p + 1, "CN=");
    }
    if (p == NULL) {
        snprintf(out, len, "%s", dn);
        return;
    }
    p += 3;
    size_t n = strcspn(p, ",");
    snprintf(out, len, "%.*s", (int)n, p);
}

/* ---- JSON --------------------------------------------------------------------------- */

typedef struct {
    char *buf;
    size_t len, cap;
    bool oom;
} sb_t;

static void put(sb_t *s, const char *p, size_t n)
{
    if (s->oom) {
        return;
    }
    if (s->len + n + 1 > s->cap) {
        size_t cap = s->cap == 0 ? 4096 : s->cap;
        while (s->len + n + 1 > cap) {
            cap *= 2;
        }
        char *b = realloc(s->buf, cap);
        if (b == NULL) {
            s->oom = true;
            return;
        }
        s->buf = b;
        s->cap = cap;
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
}

static void raw(sb_t *s, const char *p) { put(s, p, strlen(p)); }

static void str(sb_t *s, const char *p)
{
    raw(s, "\"");
    for (; p != NULL && *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(s, esc, 2);
        } else if (c == '\n') {
            raw(s, "\\n");
        } else if (c < 0x20) {
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c);
            raw(s, esc);
        } else if (c < 0x80) {
            put(s, (const char *)p, 1);
        } else {
            /* Certificate names and details come from the broker, and a
             * truncated line may end inside a character: pass well-formed
             * UTF-8 through, replace anything else (RFC 8259 wants UTF-8). */
            size_t n = c >= 0xC2 && c <= 0xDF ? 2u : c >= 0xE0 && c <= 0xEF ? 3u : c >= 0xF0 && c <= 0xF4 ? 4u : 0u;
            size_t have = 1;
            while (have < n && p[have] != '\0') {
                have++;
            }
            if (n != 0u && have == n && mqtls_utf8_check((const uint8_t *)p, n) == MQTLS_OK) {
                put(s, (const char *)p, n);
                p += n - 1u;
            } else {
                raw(s, "\\ufffd");
            }
        }
    }
    raw(s, "\"");
}

static void num(sb_t *s, long v)
{
    char b[24];
    snprintf(b, sizeof b, "%ld", v);
    raw(s, b);
}

int32_t mqtls_diag_to_json(const mqtls_diag_report_t *r, char **out)
{
    if (r == NULL || out == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    sb_t s = { NULL, 0, 0, false };
    raw(&s, "{\"ok\": ");
    raw(&s, r->ok ? "true" : "false");
    raw(&s, ", \"steps\": [");
    for (size_t i = 0; i < r->n_steps; i++) {
        const mqtls_diag_step_t *st = &r->steps[i];
        raw(&s, i == 0 ? "\n  {\"name\": " : ",\n  {\"name\": ");
        str(&s, st->name);
        raw(&s, ", \"status\": ");
        str(&s, mqtls_diag_status_name(st->status));
        raw(&s, ", \"detail\": ");
        str(&s, st->detail);
        raw(&s, "}");
    }
    raw(&s, "],\n \"cause\": ");
    if (r->cause == NULL) {
        raw(&s, "null");
    } else {
        raw(&s, "{\"id\": ");
        str(&s, r->cause->id);
        raw(&s, ", \"title\": ");
        str(&s, r->cause->title);
        raw(&s, ", \"explanation\": ");
        str(&s, r->cause->explanation);
        raw(&s, ", \"fix\": ");
        str(&s, r->cause->fix);
        raw(&s, ", \"hint\": ");
        str(&s, r->hint);
        raw(&s, "}");
    }
    raw(&s, ",\n \"error\": ");
    if (r->error < 0) {
        raw(&s, "{\"code\": ");
        num(&s, (long)r->error);
        raw(&s, ", \"name\": ");
        str(&s, mqtls_errname(r->error));
        raw(&s, "}");
    } else {
        raw(&s, "null");
    }
    if (r->has_sl) {
        raw(&s, ",\n \"simplelink\": {\"code\": ");
        num(&s, (long)r->sl_code);
        raw(&s, ", \"name\": ");
        str(&s, mqtls_sl_code_name(r->sl_code));
        raw(&s, ", \"text\": ");
        str(&s, mqtls_sl_code_text(r->sl_code));
        raw(&s, "}");
    }
    if (r->has_board) {
        raw(&s, ",\n \"board\": {\"code\": ");
        num(&s, (long)r->board_said);
        raw(&s, ", \"name\": ");
        str(&s, mqtls_sl_code_name(r->board_said));
        raw(&s, r->board_agrees ? ", \"agrees\": true, \"meaning\": " : ", \"agrees\": false, \"meaning\": ");
        str(&s, r->board_meaning);
        raw(&s, "}");
    }
    raw(&s, "}\n");
    if (s.oom) {
        free(s.buf);
        return MQTLS_ERR_NO_MEMORY;
    }
    *out = s.buf;
    return MQTLS_OK;
}
