/* SPDX-License-Identifier: MIT
 * mqtls: credentials for the TLS engines, from bytes (read, detect, split). */
/*
 * see tls_priv.h. Everything about a credential that is not the engine's
 * own parsing lives here once: where the bytes come from (a file through
 * hooks.load, or the caller's buffer), what format they are in, where one
 * DER certificate ends, whether a key is encrypted, and the sentence that
 * says what is wrong with a file. An engine gets the bytes, hands them to
 * its library and maps the library's verdict; both engines therefore read
 * the same files the same way and say the same thing about a bad one.
 *
 * Freestanding like tls.c (arm-none-eabi, scripts/tls-freestanding.sh):
 * files and directories are read by the port's hooks.load, never here.
 */
#include <stdlib.h>
#include <string.h>

#include "tls_priv.h"

/* ---- the bytes of a credential ----------------------------------------------------- */

void mqtls__tls_wipe(void *buf, size_t len)
{
    /* volatile: a memset before free() may be optimised away */
    volatile uint8_t *v = buf;
    for (size_t i = 0; v != NULL && i < len; i++) {
        v[i] = 0;
    }
}

static int32_t cred_copy(mqtls__tls_cred_t *cr, const uint8_t *data, size_t len)
{
    cr->buf = malloc(len + 1u);
    if (cr->buf == NULL) {
        return MQTLS_ERR_NO_MEMORY;
    }
    if (len > 0u) {
        memcpy(cr->buf, data, len);
    }
    cr->buf[len] = 0;
    cr->len = len;
    return MQTLS_OK;
}

static int32_t keep_file(void *ctx, const char *name, const uint8_t *buf, size_t len)
{
    (void)name;
    return cred_copy(ctx, buf, len);
}

int32_t mqtls__tls_cred_get(mqtls_tls_t *t, mqtls__tls_cred_t *cr, const char *file, const uint8_t *data, size_t len,
                            const char *what)
{
    cr->buf = NULL;
    cr->len = 0;
    cr->what = file != NULL ? file : what;
    return file != NULL ? mqtls__tls_load(t, file, false, keep_file, cr) : cred_copy(cr, data, len);
}

void mqtls__tls_cred_free(mqtls__tls_cred_t *cr)
{
    if (cr->buf != NULL) {
        mqtls__tls_wipe(cr->buf, cr->len); /* it may be a private key */
        free(cr->buf);
        cr->buf = NULL;
    }
}
