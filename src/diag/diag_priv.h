/* SPDX-License-Identifier: MIT
 * mqtls: what the diagnosis files share (not installed). */
#ifndef MQTLS_DIAG_PRIV_H
#define MQTLS_DIAG_PRIV_H

#include <stdarg.h>
#include <stddef.h>

#include "mqtls/diag.h"

/* Append printf-style text to buf (NUL-terminated, capacity len); truncates safely. */
void mqtls__diag_cat(char *buf, size_t len, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Do two distinguished names name the same entity? ("O=x, CN=y", spacing and case ignored) */
bool mqtls__diag_same_dn(const char *a, const char *b);

/* The CN of a distinguished name into out (the whole name when it has none). */
void mqtls__diag_cn(const char *dn, char *out, size_t len);

/* ---- JSON text (json.c), for the doctor's report and explain's readings ------------------- */

/* A growing NUL-terminated buffer; start it as { NULL, 0, 0, false }. An allocation
 * failure sets oom and every later call does nothing, so a writer checks once, at the end. */
typedef struct {
    char *buf;
    size_t len, cap;
    bool oom;
} mqtls__json_t;

/* Append n bytes, or a NUL-terminated text, as they are. */
void mqtls__json_put(mqtls__json_t *s, const char *p, size_t n);
void mqtls__json_raw(mqtls__json_t *s, const char *p);

/* Append p as a JSON string (RFC 8259 §7): quote and backslash escaped, \n as \n, other
 * control characters and DEL as \u00XX, well-formed UTF-8 as it is, any other byte as
 * \ufffd. NULL is written as "". */
void mqtls__json_str(mqtls__json_t *s, const char *p);

/* Append a decimal number. */
void mqtls__json_num(mqtls__json_t *s, long v);

/* Hand the text to *out (the caller frees it) and return MQTLS_OK, or free it and return
 * MQTLS_ERR_NO_MEMORY when an append failed. */
int32_t mqtls__json_end(mqtls__json_t *s, char **out);

#endif /* MQTLS_DIAG_PRIV_H */
