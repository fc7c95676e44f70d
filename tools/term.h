/* SPDX-License-Identifier: MIT
 * mqtls CLI: text from the network, made safe for a terminal. */
/*
 * A broker chooses the bytes of its reason strings, server references,
 * assigned client ids and user properties. Printed raw, ESC [ 2 J and a
 * carriage return turn a refusal into "mqtls: connected OK" over a cleared
 * screen. Everything the tools print that came from the network goes
 * through term_escape() (or term_write()): C0 controls, DEL, the C1 controls
 * (U+0080..U+009F, which some terminals obey) and bytes that are not UTF-8
 * become \xNN; printable text, UTF-8 included, is unchanged.
 */
#ifndef MQTLS_TOOLS_TERM_H
#define MQTLS_TOOLS_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/**
 * Escape `len` bytes of `in` into `out` (always NUL-terminated when
 * out_len > 0; cut at a whole escape when it does not fit).
 * @return out
 */
char *term_escape(const void *in, size_t len, char *out, size_t out_len);

/** Write `len` bytes of `in` to f, escaped as term_escape() does. */
void term_write(FILE *f, const void *in, size_t len);

#endif /* MQTLS_TOOLS_TERM_H */
