/* SPDX-License-Identifier: MIT
 * mqtls: names, sentences and classes of the transport and TLS error codes. */
/*
 * These rows belong to the layers that produce them (ports' transports, the
 * TLS engines, a network processor's TLS), not to the core: a firmware that
 * links only the core does not carry them. The core's mqtls_strerror(),
 * mqtls_errname() and mqtls_err_class() find this table through a weak
 * reference (src/core/error.c); freestanding, nothing but constants.
 */
#include "mqtls/errtab.h"

#define MQTLS__TLS_ROWS(X) MQTLS_ERRORS_TRANSPORT(X) MQTLS_ERRORS_TLS(X) MQTLS_ERRORS_CONN(X)

MQTLS__ERRTAB_DEFINE(mqtls__errtab_tls, MQTLS__TLS_ROWS);
