/* SPDX-License-Identifier: MIT
 * mqtls tests: text from the network is escaped before it reaches a terminal (tools/term.c). */
/*
 * The attack of issue 11: a reason string "ESC[2J CR mqtls: connected OK"
 * must print as visible \x1b... text. Printable ASCII and UTF-8 pass
 * unchanged; C0, DEL, C1 (U+0080..U+009F) and bytes that are not UTF-8
 * (overlong, surrogates, truncated) become \xNN; a buffer that is too small
 * never ends in half an escape.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "term.h"

static const char *esc(const char *in, size_t len)
{
    static char out[256];
    return term_escape(in, len, out, sizeof out);
}
#define ESC(lit) esc(lit, sizeof(lit) - 1u)

static void printable_text_is_unchanged(void **state)
{
    (void)state;
    assert_string_equal(ESC("mqtls: not authorised, see policy 42"), "mqtls: not authorised, see policy 42");
    assert_string_equal(ESC("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x92");
    assert_string_equal(ESC(""), "");
}

static void the_clear_screen_attack_is_visible(void **state)
{
    (void)state;
    assert_string_equal(ESC("\x1b[2J\rmqtls: connected OK\n"), "\\x1b[2J\\x0dmqtls: connected OK\\x0a");
    assert_string_equal(ESC("a\x7f" "b\x00" "c"), "a\\x7fb\\x00c");
}

static void c1_and_invalid_utf8_are_escaped(void **state)
{
    (void)state;
    assert_string_equal(ESC("\xc2\x9b" "2J"), "\\xc2\\x9b2J");  /* C1 CSI */
    assert_string_equal(ESC("\xc0\xaf"), "\\xc0\\xaf");         /* overlong '/' */
    assert_string_equal(ESC("\xed\xa0\x80"), "\\xed\\xa0\\x80"); /* a surrogate */
    assert_string_equal(ESC("\xe2\x82"), "\\xe2\\x82");         /* truncated */
    assert_string_equal(ESC("\xff"), "\\xff");
}

static void a_small_buffer_never_ends_in_half_an_escape(void **state)
{
    (void)state;
    char out[6];
    term_escape("ab\x1b" "cd", 5, out, sizeof out);
    assert_string_equal(out, "ab"); /* the escape of ESC needs 4 more bytes, the NUL one */
    char one[1];
    term_escape("x", 1, one, sizeof one);
    assert_string_equal(one, "");
}

static void the_stream_version_writes_the_same(void **state)
{
    (void)state;
    char buf[128] = "";
    FILE *f = fmemopen(buf, sizeof buf, "w");
    assert_non_null(f);
    term_write(f, "k\x1b:v\xc2\x85", 6);
    fclose(f);
    assert_string_equal(buf, "k\\x1b:v\\xc2\\x85");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(printable_text_is_unchanged),
        cmocka_unit_test(the_clear_screen_attack_is_visible),
        cmocka_unit_test(c1_and_invalid_utf8_are_escaped),
        cmocka_unit_test(a_small_buffer_never_ends_in_half_an_escape),
        cmocka_unit_test(the_stream_version_writes_the_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
