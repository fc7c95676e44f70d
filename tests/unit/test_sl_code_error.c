/* SPDX-License-Identifier: MIT
 * mqtls tests: SimpleLink code -> mqtls error (mqtls_sl_code_error), the
 * table the native SimpleLink transport reports its failures with. */
/*
 * Three things are pinned down: the rows of the table in mqtls/slcodes.h;
 * that every number a chip may return becomes a real mqtls error (named,
 * with a sentence, inside mqtls's own ranges: a SimpleLink number never
 * leaks through as if it were an mqtls code); and that the two directions
 * agree: for each mqtls error the emulation turns into a precise chip code,
 * that code comes back as the same error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mqtls/error.h"
#include "mqtls/slcodes.h"

typedef struct {
    int32_t code;
    int32_t err;
} row_t;

static void every_documented_row_holds(void **state)
{
    (void)state;
    static const row_t rows[] = {
        { -456, MQTLS_ERR_TLS_BAD_CA_FILE },      { -454, MQTLS_ERR_TLS_BAD_CA_FILE },
        { -457, MQTLS_ERR_TLS_BAD_CERT_FILE },    { -458, MQTLS_ERR_TLS_BAD_KEY_FILE },
        { -459, MQTLS_ERR_CRED_BAD_DH },          { -453, MQTLS_ERR_TLS_NOT_VERIFIED },
        { -461, MQTLS_ERR_TLS_CERT_DATE },        { -150, MQTLS_ERR_TLS_CERT_NOT_YET_VALID },
        { -151, MQTLS_ERR_TLS_CERT_EXPIRED },     { -155, MQTLS_ERR_TLS_UNKNOWN_CA },
        { -140, MQTLS_ERR_TLS_VERIFY_FAILED },    { -222, MQTLS_ERR_TLS_HOSTNAME_MISMATCH },
        { -290, MQTLS_ERR_TLS_NO_SHARED_CIPHER }, { -229, MQTLS_ERR_TLS_HANDSHAKE },
        { -300, MQTLS_ERR_CLOSED },               { -452, MQTLS_ERR_CLOSED },
        { -341, MQTLS_ERR_TLS_CERT_REQUIRED },    { -342, MQTLS_ERR_TLS_CERT_REJECTED },
        { -348, MQTLS_ERR_TLS_CERT_REJECTED },    { -349, MQTLS_ERR_TLS_CERT_REJECTED },
        { -370, MQTLS_ERR_TLS_NO_COMMON_VERSION }, { -340, MQTLS_ERR_TLS_ALERT },
        { -412, MQTLS_ERR_TLS_ALERT },            { -462, MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT },
        { -451, MQTLS_ERR_TLS_IO },               { -455, MQTLS_ERR_NO_MEMORY },
        { -460, MQTLS_ERR_NO_MEMORY },            { -450, MQTLS_ERR_TLS_HANDSHAKE },
        { -111, MQTLS_ERR_CONNECT_REFUSED },      { -110, MQTLS_ERR_CONNECT_TIMEOUT },
        { -101, MQTLS_ERR_UNREACHABLE },          { -104, MQTLS_ERR_RECV },
        { -9, MQTLS_ERR_NOT_CONNECTED },          { -22, MQTLS_ERR_INVALID_ARG },
        { -92, MQTLS_ERR_NOT_SUPPORTED },         { -10, MQTLS_ERR_SOCKET },
        { -1, MQTLS_ERR_SOCKET },                 { -11, MQTLS_ERR_WANT_READ },
        { 0, MQTLS_OK },                          { 5, MQTLS_OK },
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        int32_t got = mqtls_sl_code_error(rows[i].code);
        if (got != rows[i].err) {
            fail_msg("SL code %d: expected %s, got %s", (int)rows[i].code, mqtls_errname(rows[i].err),
                     mqtls_errname(got));
        }
    }
}

static void every_chip_code_becomes_a_named_mqtls_error(void **state)
{
    (void)state;
    for (int32_t code = -1; code >= -600; code--) {
        int32_t err = mqtls_sl_code_error(code);
        assert_true(err < 0);
        assert_true(err >= -299); /* mqtls's ranges end at -299; the chip's go on */
        assert_string_not_equal(mqtls_errname(err), "UNKNOWN");
        assert_string_not_equal(mqtls_strerror(err), "unknown error code");
    }
}

static void both_directions_agree(void **state)
{
    (void)state;
    static const int32_t errs[] = {
        MQTLS_ERR_TLS_BAD_CA_FILE, MQTLS_ERR_TLS_BAD_CERT_FILE,     MQTLS_ERR_TLS_BAD_KEY_FILE,
        MQTLS_ERR_CRED_BAD_DH,     MQTLS_ERR_TLS_UNKNOWN_CA,        MQTLS_ERR_TLS_HOSTNAME_MISMATCH,
        MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT, MQTLS_ERR_CONNECT_REFUSED, MQTLS_ERR_CONNECT_TIMEOUT,
        MQTLS_ERR_UNREACHABLE,     MQTLS_ERR_TLS_NO_SHARED_CIPHER,  MQTLS_ERR_TLS_NO_COMMON_VERSION,
        MQTLS_ERR_CLOSED,          MQTLS_ERR_NO_MEMORY,
    };
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        int32_t code = mqtls_sl_code(errs[i], NULL);
        int32_t back = mqtls_sl_code_error(code);
        if (back != errs[i]) {
            fail_msg("%s -> SL %d -> %s", mqtls_errname(errs[i]), (int)code, mqtls_errname(back));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_documented_row_holds),
        cmocka_unit_test(every_chip_code_becomes_a_named_mqtls_error),
        cmocka_unit_test(both_directions_agree),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
