/* SPDX-License-Identifier: MIT
 * mqtls: names, sentences and classes of the credential error codes. */
/*
 * The credentials toolkit and the credential store own these rows; the
 * core's lookups find them through a weak reference (src/core/error.c), so
 * a firmware that links only the core does not carry them. Compiled even
 * without mbedTLS, so that every code of the enum keeps its sentence.
 */
#include "mqtls/errtab.h"

MQTLS__ERRTAB_DEFINE(mqtls__errtab_cred, MQTLS_ERRORS_CRED);
