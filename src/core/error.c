/* SPDX-License-Identifier: MIT
 * mqtls: error names, sentences and classes: the core's rows, and the lookup
 * for every linked layer. */
/*
 * see mqtls/error.h and error_priv.h. The core owns only its own rows
 * (MQTLS_ERRORS_CORE); the transport/TLS and credential rows live in their
 * layers and are reached through weak references, so a firmware that links
 * only the core carries none of their text, and a program that links
 * libmqtls gets every code. A lookup walks at most three small tables: a
 * byte compare per row, then a skip over NUL-separated strings; there is
 * nothing to initialise and nothing in RAM. With MQTLS_CONFIG_ERROR_STRINGS 0
 * the sentences are not compiled and mqtls_strerror() gives the name.
 */
#include <stddef.h>
#include <stdint.h>

#include "error_priv.h"

#if MQTLS_CONFIG_MQTT5
MQTLS__ERRTAB_DEFINE(mqtls__errtab_core, MQTLS_ERRORS_CORE);
#else
/* Without 5.0 no property is ever parsed: the property rows stay out. */
#define MQTLS__CORE311_ROWS(X) MQTLS__ERRORS_BASE(X) MQTLS__ERRORS_CLIENT(X)
MQTLS__ERRTAB_DEFINE(mqtls__errtab_core, MQTLS__CORE311_ROWS);
#endif

/* GCC and Clang on ELF: an undefined weak reference is NULL. Other
 * toolchains see the core's rows only. */
#if defined(__GNUC__)
extern const mqtls__errtab_t mqtls__errtab_tls __attribute__((weak));
extern const mqtls__errtab_t mqtls__errtab_cred __attribute__((weak));
#define MQTLS__LAYER_TLS (&mqtls__errtab_tls)
#define MQTLS__LAYER_CRED (&mqtls__errtab_cred)
#else
#define MQTLS__LAYER_TLS NULL
#define MQTLS__LAYER_CRED NULL
#endif

/* The table and row of err, or NULL if no linked layer defines it. */
static const mqtls__errtab_t *find(int32_t err, size_t *row)
{
    const mqtls__errtab_t *const tabs[] = {&mqtls__errtab_core, MQTLS__LAYER_TLS, MQTLS__LAYER_CRED};
    if (err >= 0 || err < -255) {
        return NULL;
    }
    for (size_t t = 0; t < sizeof tabs / sizeof tabs[0]; t++) {
        const mqtls__errtab_t *tab = tabs[t];
        for (size_t i = 0; tab != NULL && i < tab->count; i++) {
            if (tab->codes[i] == (uint8_t)-err) {
                *row = i;
                return tab;
            }
        }
    }
    return NULL;
}

/* The row-th of the NUL-separated strings s. */
static const char *nth(const char *s, size_t row)
{
    while (row != 0u) {
        if (*s++ == '\0') {
            row--;
        }
    }
    return s;
}

const char *mqtls_errname(int32_t err)
{
    size_t row = 0;
    const mqtls__errtab_t *tab = find(err, &row);
    if (tab != NULL) {
        return nth(tab->names, row);
    }
    return err == MQTLS_OK ? "OK" : "UNKNOWN";
}

const char *mqtls_strerror(int32_t err)
{
#if MQTLS_CONFIG_ERROR_STRINGS
    size_t row = 0;
    const mqtls__errtab_t *tab = find(err, &row);
    if (tab != NULL) {
        /* a layer built with MQTLS_CONFIG_ERROR_STRINGS 0 has only names */
        return nth(tab->texts != NULL ? tab->texts : tab->names, row);
    }
    return err == MQTLS_OK ? "success" : "unknown error code";
#else
    return mqtls_errname(err);
#endif
}

mqtls_errclass_t mqtls_err_class(int32_t err)
{
    size_t row = 0;
    const mqtls__errtab_t *tab = find(err, &row);
    if (err >= 0) {
        return MQTLS_ERRCLASS_OK;
    }
    if (tab == NULL) {
        return MQTLS_ERRCLASS_RECONNECT; /* a port's own code: assume it can pass */
    }
    return (mqtls_errclass_t)tab->classes[row];
}

const char *mqtls_errclass_name(mqtls_errclass_t cls)
{
    static const char names[] = "ok\0transient\0nonfatal\0reconnect\0fatal\0unknown";
    size_t i = (size_t)cls;
    return nth(names, i <= (size_t)MQTLS_ERRCLASS_FATAL ? i : (size_t)MQTLS_ERRCLASS_FATAL + 1u);
}
