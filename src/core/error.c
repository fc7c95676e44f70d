/* SPDX-License-Identifier: MIT
 * mqtls: error names, sentences and classes, generated from MQTLS_ERROR_TABLE. */
/* see mqtls/error.h. A switch per lookup keeps the tables in .rodata and
 * lets the compiler build a jump table; there is nothing to initialise.
 * With MQTLS_CONFIG_ERROR_STRINGS 0 only the names are linked in. */
#include "mqtls/config.h"
#include "mqtls/error.h"

#if MQTLS_CONFIG_ERROR_STRINGS
const char *mqtls_strerror(int32_t err)
{
    switch (err) {
    case MQTLS_OK:
        return "success";
#define MQTLS__ERR_TEXT(name, value, cls, text) \
    case (value):                          \
        return text;
        MQTLS_ERROR_TABLE(MQTLS__ERR_TEXT)
#undef MQTLS__ERR_TEXT
    default:
        return "unknown error code";
    }
}
#endif

const char *mqtls_errname(int32_t err)
{
    switch (err) {
    case MQTLS_OK:
        return "OK";
#define MQTLS__ERR_NAME(name, value, cls, text) \
    case (value):                          \
        return #name;
        MQTLS_ERROR_TABLE(MQTLS__ERR_NAME)
#undef MQTLS__ERR_NAME
    default:
        return "UNKNOWN";
    }
}

#if !MQTLS_CONFIG_ERROR_STRINGS
const char *mqtls_strerror(int32_t err)
{
    return mqtls_errname(err);
}
#endif

mqtls_errclass_t mqtls_err_class(int32_t err)
{
    if (err >= 0) {
        return MQTLS_ERRCLASS_OK;
    }
    switch (err) {
#define MQTLS__ERR_CLASS(name, value, cls, text) \
    case (value):                                \
        return MQTLS_ERRCLASS_##cls;
        MQTLS_ERROR_TABLE(MQTLS__ERR_CLASS)
#undef MQTLS__ERR_CLASS
    default:
        return MQTLS_ERRCLASS_RECONNECT; /* a port's own code: assume it can pass */
    }
}

const char *mqtls_errclass_name(mqtls_errclass_t cls)
{
    switch (cls) {
    case MQTLS_ERRCLASS_OK: return "ok";
    case MQTLS_ERRCLASS_TRANSIENT: return "transient";
    case MQTLS_ERRCLASS_NONFATAL: return "nonfatal";
    case MQTLS_ERRCLASS_RECONNECT: return "reconnect";
    case MQTLS_ERRCLASS_FATAL: return "fatal";
    default: return "unknown";
    }
}
