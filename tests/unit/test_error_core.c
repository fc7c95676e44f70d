/* SPDX-License-Identifier: MIT
 * mqtls tests: the core alone carries only the core's error rows. */
/*
 * Linked against mqtls_core only (no libmqtls): every row of
 * MQTLS_ERRORS_CORE still has its name, sentence and class, and the codes of
 * the layers above (transport, TLS, credentials), whose tables are not
 * linked, read as unknown -- which is what a firmware that links only the
 * core pays for them: nothing. test_error checks every code against the
 * full library.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "core/error_priv.h"
#include "mqtls/error.h"

/*
 * A stand-in for a layer table (the credentials slot), as a layer built with
 * MQTLS_CONFIG_ERROR_STRINGS 0 would give it: one row, no sentences. It
 * shows the core's weak reference finding a linked table, and the code's
 * name standing in for its missing sentence. -250 is unused in the enum.
 */
static const uint8_t test_codes[] = {250};
static const uint8_t test_classes[] = {MQTLS_ERRCLASS_NONFATAL};
const mqtls__errtab_t mqtls__errtab_cred = {1, test_codes, test_classes, "TEST_ROW\0", NULL};

typedef struct {
    const char *name;
    int32_t value;
    mqtls_errclass_t cls;
    const char *text;
} code_t;

#define AS_ENTRY(name, value, cls, text) {#name, (value), MQTLS_ERRCLASS_##cls, (text)},
static const code_t CORE[] = {MQTLS_ERRORS_CORE(AS_ENTRY)};
static const code_t ABOVE[] = {MQTLS_ERRORS_TRANSPORT(AS_ENTRY) MQTLS_ERRORS_TLS(AS_ENTRY) MQTLS_ERRORS_CRED(AS_ENTRY)};
#undef AS_ENTRY

static void core_rows_keep_names_sentences_and_classes(void **state)
{
    (void)state;
    assert_true(sizeof CORE / sizeof CORE[0] > 50u);
    for (size_t i = 0; i < sizeof CORE / sizeof CORE[0]; i++) {
        assert_string_equal(mqtls_errname(CORE[i].value), CORE[i].name);
        assert_string_equal(mqtls_strerror(CORE[i].value), CORE[i].text);
        assert_int_equal(mqtls_err_class(CORE[i].value), CORE[i].cls);
    }
    assert_string_equal(mqtls_errname(MQTLS_OK), "OK");
    assert_string_equal(mqtls_strerror(MQTLS_OK), "success");
}

static void rows_of_unlinked_layers_read_as_unknown(void **state)
{
    (void)state;
    assert_true(sizeof ABOVE / sizeof ABOVE[0] > 40u);
    for (size_t i = 0; i < sizeof ABOVE / sizeof ABOVE[0]; i++) {
        assert_string_equal(mqtls_errname(ABOVE[i].value), "UNKNOWN");
        assert_string_equal(mqtls_strerror(ABOVE[i].value), "unknown error code");
        assert_int_equal(mqtls_err_class(ABOVE[i].value), MQTLS_ERRCLASS_RECONNECT);
    }
}

static void a_linked_layer_table_is_found(void **state)
{
    (void)state;
    assert_string_equal(mqtls_errname(-250), "TEST_ROW");
    assert_string_equal(mqtls_strerror(-250), "TEST_ROW"); /* no sentences: the name */
    assert_int_equal(mqtls_err_class(-250), MQTLS_ERRCLASS_NONFATAL);
    assert_string_equal(mqtls_errname(-251), "UNKNOWN");
}

static void out_of_table_values(void **state)
{
    (void)state;
    static const int32_t v[] = {-9, -19, -55, -97, -256, -300, -12345, INT32_MIN, 1, INT32_MAX};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        assert_string_equal(mqtls_errname(v[i]), "UNKNOWN");
        assert_int_equal(mqtls_err_class(v[i]), v[i] > 0 ? MQTLS_ERRCLASS_OK : MQTLS_ERRCLASS_RECONNECT);
    }
    assert_string_equal(mqtls_errclass_name(MQTLS_ERRCLASS_TRANSIENT), "transient");
    assert_string_equal(mqtls_errclass_name(MQTLS_ERRCLASS_NONFATAL), "nonfatal");
    assert_string_equal(mqtls_errclass_name(MQTLS_ERRCLASS_RECONNECT), "reconnect");
    assert_string_equal(mqtls_errclass_name((mqtls_errclass_t)5), "unknown");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(core_rows_keep_names_sentences_and_classes),
        cmocka_unit_test(rows_of_unlinked_layers_read_as_unknown),
        cmocka_unit_test(a_linked_layer_table_is_found),
        cmocka_unit_test(out_of_table_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
