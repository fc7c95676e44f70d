/* SPDX-License-Identifier: MIT
 * mqtls: from a bare number to its causes -- `mqtls explain CODE`. */
/*
 * A board prints -456, mbedTLS says -0x2700, a broker sends alert 42 or
 * CONNACK 5: each is one number with several possible causes. This module
 * holds, for every code mqtls knows (SimpleLink sl_Connect codes, mbedTLS
 * codes, TLS alert numbers, MQTT 3.1.1 CONNACK return codes, MQTT 5.0 reason
 * codes, mqtls errors), every known cause, the check that tells the causes
 * apart, and the fix. A number can mean several things (-155 is a SimpleLink
 * code and an mqtls error; 5 is an alert-free CONNACK code and a reason code):
 * every reading is returned, SimpleLink first (the board's number).
 *
 * Memory: the answers point into static tables and into the caller's
 * mqtls_explain_t; nothing to free except the JSON string.
 *
 * Example:
 *   mqtls_explain_t e[4];
 *   size_t n = mqtls_explain("-456", e, 4);
 *   for (size_t i = 0; i < n; i++)
 *       for (size_t k = 0; k < e[i].n_causes; k++)
 *           printf("%s / check: %s / fix: %s\n", e[i].causes[k].cause, e[i].causes[k].check, e[i].causes[k].fix);
 */
#ifndef MQTLS_EXPLAIN_H
#define MQTLS_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    MQTLS_EXPLAIN_SIMPLELINK = 0, /**< a CC3200 sl_* return code (-456) */
    MQTLS_EXPLAIN_MBEDTLS = 1,    /**< an mbedTLS error (-0x2700) */
    MQTLS_EXPLAIN_TLS_ALERT = 2,  /**< a TLS alert number (42) */
    MQTLS_EXPLAIN_CONNACK = 3,    /**< an MQTT 3.1.1 CONNACK return code (1..5) */
    MQTLS_EXPLAIN_REASON5 = 4,    /**< an MQTT 5.0 reason code (0x87) */
    MQTLS_EXPLAIN_MQTLS = 5       /**< an mqtls_err_t (MQTLS_ERR_TLS_UNKNOWN_CA, -140) */
} mqtls_explain_kind_t;

/** One cause of a code: what is going on, how to tell it from the others, what to do. */
typedef struct {
    const char *cause;
    const char *check;
    const char *fix;
} mqtls_explain_cause_t;

#define MQTLS_EXPLAIN_MAX_CAUSES 6

/** One reading of a code. */
typedef struct {
    mqtls_explain_kind_t kind;
    int32_t code;
    char name[64];     /**< "SL_ESECBADCAFILE", "bad_certificate", "TLS_UNKNOWN_CA", ... */
    char meaning[300]; /**< one sentence */
    size_t n_causes;   /**< at least 1 */
    mqtls_explain_cause_t causes[MQTLS_EXPLAIN_MAX_CAUSES];
} mqtls_explain_t;

/** "simplelink", "mbedtls", "tls-alert", "connack", "reason-5.0", "mqtls". */
const char *mqtls_explain_kind_name(mqtls_explain_kind_t kind);

/**
 * Every reading of a code as a user types it: -456, SL_ESECBADCAFILE,
 * ESECBADCAFILE, -0x2700, 42, bad_certificate, 0x87, MQTLS_ERR_TLS_UNKNOWN_CA,
 * TLS_UNKNOWN_CA, or with a prefix that picks one reading: sl:-155,
 * mqtls:-155, alert:42, connack:5, reason:0x87, mbedtls:-0x2700.
 * @return the number of readings written to out (0: not a code mqtls knows)
 */
size_t mqtls_explain(const char *query, mqtls_explain_t *out, size_t max);

/** The readings as a JSON array, malloc'd. @return MQTLS_OK or MQTLS_ERR_NO_MEMORY. */
int32_t mqtls_explain_to_json(const mqtls_explain_t *e, size_t n, char **out);

/**
 * What it means when the board printed `board` where the doctor, for the
 * files in the store and this server, predicts `predicted`. One or more
 * sentences into out (NUL-terminated).
 * @return true when the two agree
 */
bool mqtls_explain_board(int32_t predicted, int32_t board, char *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_EXPLAIN_H */
