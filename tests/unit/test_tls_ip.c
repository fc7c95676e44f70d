/* SPDX-License-Identifier: MIT
 * mqtls: the TLS layer's own IP-literal parser agrees with inet_pton(). */
/*
 * src/tls is freestanding, so it recognises an IP host (no SNI, the
 * iPAddress name check) with its own parser instead of inet_pton(). On a
 * host inet_pton() is the oracle: same verdict, same bytes, for the forms
 * RFC 4291 §2.2 allows and the near misses around them.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "tls/tls_priv.h"

static void agrees(const char *s)
{
    uint8_t ours[16], theirs[16];
    size_t n = mqtls__tls_parse_ip(s, ours);
    size_t m = inet_pton(AF_INET, s, theirs) == 1 ? 4u : inet_pton(AF_INET6, s, theirs) == 1 ? 16u : 0u;
    if (n != m || (n != 0u && memcmp(ours, theirs, n) != 0)) {
        fail_msg("'%s': ours %zu bytes, inet_pton %zu", s, n, m);
    }
}

static void test_ipv4_forms_and_near_misses(void **state)
{
    (void)state;
    static const char *const cases[] = { "127.0.0.1", "0.0.0.0", "255.255.255.255", "10.1.2.3", "256.1.1.1",
                                         "1.2.3", "1.2.3.4.5", "01.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1..2.3",
                                         "1.2.3.", "", "localhost", "1.2.3.4a" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        agrees(cases[i]);
    }
}

static void test_ipv6_forms_and_near_misses(void **state)
{
    (void)state;
    static const char *const cases[] = { "::1", "::", "1::", "fe80::1:2", "2001:db8::8:800:200c:417a",
                                         "::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:8",
                                         "1:2:3:4:5:6:7:8:9", ":1", "1:", "1:::2", "1::2::3", "12345::", "g::1",
                                         "1:2:3:4:5:6:7::", "::1:2:3:4:5:6:7", "FE80::A", "1:2:3:4:5:6:7:1.2.3.4",
                                         "::ffff:1.2.3", "2001:db8:0:0:0:0:2:1" };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        agrees(cases[i]);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_forms_and_near_misses),
        cmocka_unit_test(test_ipv6_forms_and_near_misses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
