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

/* see diag_priv.h: the one string builder of the doctor's and explain's JSON. */

void mqtls__json_put(mqtls__json_t *s, const char *p, size_t n)
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

void mqtls__json_raw(mqtls__json_t *s, const char *p)
{
    mqtls__json_put(s, p, strlen(p));
}

void mqtls__json_str(mqtls__json_t *s, const char *p)
{
    mqtls__json_raw(s, "\"");
    for (; p != NULL && *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            mqtls__json_put(s, esc, 2);
        } else if (c == '\n') {
            mqtls__json_raw(s, "\\n");
        } else if (c < 0x20 || c == 0x7F) {
            snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c);
            mqtls__json_raw(s, esc);
        } else if (c < 0x80) {
            mqtls__json_put(s, (const char *)p, 1);
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
                mqtls__json_put(s, (const char *)p, n);
                p += n - 1u;
            } else {
                mqtls__json_raw(s, "\\ufffd");
            }
        }
    }
    mqtls__json_raw(s, "\"");
}

void mqtls__json_num(mqtls__json_t *s, long v)
{
    char b[24];
    snprintf(b, sizeof b, "%ld", v);
    mqtls__json_raw(s, b);
}

int32_t mqtls__json_end(mqtls__json_t *s, char **out)
{
    if (s->oom) {
        free(s->buf);
        return MQTLS_ERR_NO_MEMORY;
    }
    *out = s->buf;
    return MQTLS_OK;
}

/* `,\n "key": {"code": N, "name": "SL_..."` of a SimpleLink code; the caller closes it. */
static void sl_code(mqtls__json_t *s, const char *key, int32_t code)
{
    mqtls__json_raw(s, ",\n \"");
    mqtls__json_raw(s, key);
    mqtls__json_raw(s, "\": {\"code\": ");
    mqtls__json_num(s, (long)code);
    mqtls__json_raw(s, ", \"name\": ");
    mqtls__json_str(s, mqtls_sl_code_name(code));
}

int32_t mqtls_diag_to_json(const mqtls_diag_report_t *r, char **out)
{
    if (r == NULL || out == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    mqtls__json_t s = {NULL, 0, 0, false};
    mqtls__json_raw(&s, "{\"ok\": ");
    mqtls__json_raw(&s, r->ok ? "true" : "false");
    mqtls__json_raw(&s, ", \"steps\": [");
    for (size_t i = 0; i < r->n_steps; i++) {
        const mqtls_diag_step_t *st = &r->steps[i];
        mqtls__json_raw(&s, i == 0 ? "\n  {\"name\": " : ",\n  {\"name\": ");
        mqtls__json_str(&s, st->name);
        mqtls__json_raw(&s, ", \"status\": ");
        mqtls__json_str(&s, mqtls_diag_status_name(st->status));
        mqtls__json_raw(&s, ", \"detail\": ");
        mqtls__json_str(&s, st->detail);
        mqtls__json_raw(&s, "}");
    }
    mqtls__json_raw(&s, "],\n \"cause\": ");
    if (r->cause == NULL) {
        mqtls__json_raw(&s, "null");
    } else {
        mqtls__json_raw(&s, "{\"id\": ");
        mqtls__json_str(&s, r->cause->id);
        mqtls__json_raw(&s, ", \"title\": ");
        mqtls__json_str(&s, r->cause->title);
        mqtls__json_raw(&s, ", \"explanation\": ");
        mqtls__json_str(&s, r->cause->explanation);
        mqtls__json_raw(&s, ", \"fix\": ");
        mqtls__json_str(&s, r->cause->fix);
        mqtls__json_raw(&s, ", \"hint\": ");
        mqtls__json_str(&s, r->hint);
        mqtls__json_raw(&s, "}");
    }
    mqtls__json_raw(&s, ",\n \"error\": ");
    if (r->error < 0) {
        mqtls__json_raw(&s, "{\"code\": ");
        mqtls__json_num(&s, (long)r->error);
        mqtls__json_raw(&s, ", \"name\": ");
        mqtls__json_str(&s, mqtls_errname(r->error));
        mqtls__json_raw(&s, "}");
    } else {
        mqtls__json_raw(&s, "null");
    }
    if (r->has_sl) {
        sl_code(&s, "simplelink", r->sl_code);
        mqtls__json_raw(&s, ", \"text\": ");
        mqtls__json_str(&s, mqtls_sl_code_text(r->sl_code));
        mqtls__json_raw(&s, "}");
    }
    if (r->has_board) {
        sl_code(&s, "board", r->board_said);
        mqtls__json_raw(&s, r->board_agrees ? ", \"agrees\": true" : ", \"agrees\": false");
        mqtls__json_raw(&s, ", \"meaning\": ");
        mqtls__json_str(&s, r->board_meaning);
        mqtls__json_raw(&s, "}");
    }
    mqtls__json_raw(&s, "}\n");
    return mqtls__json_end(&s, out);
}
