/* SPDX-License-Identifier: MIT
 * mqtls: the compact error-table format each layer gives the core's lookups. */
/**
 * @file errtab.h
 * @brief The compact error-table format of a layer's error codes.
 *
 * Each layer that owns error codes (the core, src/tls, src/cred) turns its
 * X-macro rows (mqtls/error.h) into one mqtls__errtab_t with
 * MQTLS__ERRTAB_DEFINE: a byte per code and per class, and the names (and
 * sentences) packed into one string each, separated by NULs. That is 2 bytes
 * of table per code plus the text, where a switch costs a jump-table slot, a
 * literal pool entry and code per case. The core's mqtls_strerror(),
 * mqtls_errname() and mqtls_err_class() (src/core/error.c) walk the tables
 * of the linked layers; the layers above the core are weak references.
 *
 * The format belongs to the core layer, so every layer may include this
 * header (scripts/check-layers.sh). It is internal to mqtls: applications
 * use mqtls/error.h. Freestanding: nothing but types and macros.
 */
#ifndef MQTLS_ERRTAB_H
#define MQTLS_ERRTAB_H

#include <stddef.h>
#include <stdint.h>

#include "mqtls/config.h"
#include "mqtls/error.h"

/** One layer's error rows, in the packed form the core's lookups walk. */
typedef struct {
    uint8_t count;          /**< rows */
    const uint8_t *codes;   /**< -value of each row (every code is -1..-255) */
    const uint8_t *classes; /**< mqtls_errclass_t of each row */
    const char *names;      /**< count names, each ended by a NUL */
    const char *texts;      /**< count sentences, each ended by a NUL; NULL without ERROR_STRINGS */
} mqtls__errtab_t;

/** @cond MQTLS_ERRTAB_INTERNAL */
#define MQTLS__ERRTAB_CODE(name, value, cls, text) (uint8_t)(-(value)),
#define MQTLS__ERRTAB_CLASS(name, value, cls, text) (uint8_t) MQTLS_ERRCLASS_##cls,
#define MQTLS__ERRTAB_CHECK(name, value, cls, text) \
    _Static_assert((value) < 0 && (value) >= -255, "MQTLS_ERR_" #name " must fit the table's byte");
#define MQTLS__ERRTAB_NAME(name, value, cls, text) #name "\0"
#define MQTLS__ERRTAB_TEXT(name, value, cls, text) text "\0"
#if MQTLS_CONFIG_ERROR_STRINGS
#define MQTLS__ERRTAB_TEXTS(ROWS) ROWS(MQTLS__ERRTAB_TEXT)
#else
#define MQTLS__ERRTAB_TEXTS(ROWS) NULL
#endif
/** @endcond */

/** Defines `const mqtls__errtab_t ident` from the X-macro list ROWS. */
#define MQTLS__ERRTAB_DEFINE(ident, ROWS)                                                         \
    ROWS(MQTLS__ERRTAB_CHECK)                                                                     \
    static const uint8_t ident##_codes[] = {ROWS(MQTLS__ERRTAB_CODE)};                            \
    static const uint8_t ident##_classes[] = {ROWS(MQTLS__ERRTAB_CLASS)};                         \
    _Static_assert(sizeof ident##_codes < 256u, "an error table has at most 255 rows");           \
    const mqtls__errtab_t ident = {(uint8_t)sizeof ident##_codes, ident##_codes, ident##_classes, \
                                   ROWS(MQTLS__ERRTAB_NAME), MQTLS__ERRTAB_TEXTS(ROWS)}

/** The transport and TLS rows: defined by src/tls/tls_errors.c, absent
 *  (NULL through a weak reference) from a core-only link. */
extern const mqtls__errtab_t mqtls__errtab_tls;
/** The credential rows: defined by src/cred/cred_errors.c, absent from a
 *  core-only link. */
extern const mqtls__errtab_t mqtls__errtab_cred;

#endif /* MQTLS_ERRTAB_H */
