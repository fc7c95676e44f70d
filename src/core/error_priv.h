/* SPDX-License-Identifier: MIT
 * mqtls: the core's private view of the layer error tables. */
/*
 * The table format and the layer tables' declarations are in mqtls/errtab.h,
 * which every layer may include; this header stays for the core's own files
 * (src/core/error.c, tests/unit/test_error_core.c).
 */
#ifndef MQTLS_ERROR_PRIV_H
#define MQTLS_ERROR_PRIV_H

#include "mqtls/errtab.h"

#endif /* MQTLS_ERROR_PRIV_H */
