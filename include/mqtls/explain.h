/* SPDX-License-Identifier: MIT
 * mqtls: from a bare number to its causes -- `mqtls explain CODE`. */
/**
 * @file
 * @brief From a bare number to its causes: `mqtls explain CODE`.
 *
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
 * @code
 * mqtls_explain_t e[4];
 * size_t n = mqtls_explain("-456", e, 4);
 * for (size_t i = 0; i < n; i++)
 *     for (size_t k = 0; k < e[i].n_causes; k++)
 *         printf("%s / check: %s / fix: %s\n", e[i].causes[k].cause, e[i].causes[k].check, e[i].causes[k].fix);
 * @endcode
 */
#ifndef MQTLS_EXPLAIN_H
#define MQTLS_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Which numbering a reading belongs to. */
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
    const char *cause; /**< what is going on (static) */
    const char *check; /**< how to tell it from the other causes (static) */
    const char *fix;   /**< what to do (static) */
} mqtls_explain_cause_t;

/** Most causes one reading has (mqtls_explain_t.causes). */
#define MQTLS_EXPLAIN_MAX_CAUSES 6

/** One reading of a code. */
typedef struct {
    mqtls_explain_kind_t kind; /**< the numbering */
    int32_t code;              /**< the number in it */
    char name[64];     /**< "SL_ESECBADCAFILE", "bad_certificate", "TLS_UNKNOWN_CA", ... */
    char meaning[300]; /**< one sentence */
    size_t n_causes;   /**< at least 1 */
    mqtls_explain_cause_t causes[MQTLS_EXPLAIN_MAX_CAUSES]; /**< the first n_causes are set */
} mqtls_explain_t;

/**
 * The name of a numbering, as `mqtls explain --json` prints it.
 * @param kind the numbering
 * @return "simplelink", "mbedtls", "tls-alert", "connack", "reason-5.0" or "mqtls" (static).
 */
const char *mqtls_explain_kind_name(mqtls_explain_kind_t kind);

/**
 * Every reading of a code as a user types it: -456, SL_ESECBADCAFILE,
 * ESECBADCAFILE, -0x2700, 42, bad_certificate, 0x87, MQTLS_ERR_TLS_UNKNOWN_CA,
 * TLS_UNKNOWN_CA, or with a prefix that picks one reading: sl:-155,
 * mqtls:-155, alert:42, connack:5, reason:0x87, mbedtls:-0x2700.
 * @param query the code as typed (NUL-terminated), borrowed for the call
 * @param out   receives the readings (caller-owned; their cause strings are static)
 * @param max   entries in out
 * @return the number of readings written to out (0: not a code mqtls knows)
 */
size_t mqtls_explain(const char *query, mqtls_explain_t *out, size_t max);

/**
 * The readings as a JSON array.
 * @param e   readings from mqtls_explain() (may be NULL when n is 0)
 * @param n   how many
 * @param out receives the NUL-terminated JSON, malloc'd: the caller frees it with free()
 * @return MQTLS_OK, MQTLS_ERR_INVALID_ARG (out NULL, or e NULL with n > 0) or MQTLS_ERR_NO_MEMORY.
 * @code
 * char *json;
 * if (mqtls_explain_to_json(e, n, &json) == MQTLS_OK) { puts(json); free(json); }
 * @endcode
 */
int32_t mqtls_explain_to_json(const mqtls_explain_t *e, size_t n, char **out);

/**
 * What it means when the board printed `board` where the doctor, for the
 * files in the store and this server, predicts `predicted`. One or more
 * sentences into out (NUL-terminated).
 * @param predicted the SimpleLink code the doctor predicts
 * @param board     the SimpleLink code the board printed
 * @param out       receives the sentences
 * @param len       bytes in out
 * @return true when the two agree
 * @code
 * char why[512];
 * if (!mqtls_explain_board(predicted, -456, why, sizeof why)) puts(why);
 * @endcode
 */
bool mqtls_explain_board(int32_t predicted, int32_t board, char *out, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_EXPLAIN_H */
