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

#endif /* MQTLS_DIAG_PRIV_H */
