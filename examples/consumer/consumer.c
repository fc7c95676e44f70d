/* SPDX-License-Identifier: MIT
 * Install test: a program built only against an installed mqtls. */
/*
 * scripts/test.sh installs mqtls into a temporary prefix and builds this file
 * twice, once through find_package(mqtls) and once through pkg-config, so a
 * broken header layout, a missing library or a wrong link order shows up
 * before a user meets it. It touches both libraries: the core (codec, error
 * table) and the full library (the POSIX TCP transport).
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <mqtls/mqtls.h>
#include <mqtls/tcp.h>

int main(void)
{
    uint8_t buf[8];
    int32_t n;
    mqtls_tcp_t tcp;

    /* PINGREQ is two bytes: type 12 in the high nibble, remaining length 0
     * [MQTT-3.12]. Size query first, then write. */
    n = mqtls_encode_empty(NULL, 0, MQTLS_PROTO_V311, MQTLS_PKT_PINGREQ);
    if (n != 2) {
        fprintf(stderr, "consumer: PINGREQ size query gave %ld, want 2\n", (long)n);
        return 1;
    }
    n = mqtls_encode_empty(buf, sizeof buf, MQTLS_PROTO_V311, MQTLS_PKT_PINGREQ);
    if (n != 2 || buf[0] != 0xC0 || buf[1] != 0x00) {
        fprintf(stderr, "consumer: PINGREQ encoded wrong (%ld bytes)\n", (long)n);
        return 1;
    }

    if (strcmp(mqtls_errname(MQTLS_ERR_CONNECT_REFUSED), "CONNECT_REFUSED") != 0 ||
        strlen(mqtls_strerror(MQTLS_ERR_CONNECT_REFUSED)) == 0) {
        fprintf(stderr, "consumer: error table is wrong\n");
        return 1;
    }

    mqtls_tcp_init(&tcp);
    mqtls_tcp_close(&tcp); /* closing a closed transport is allowed */

    printf("consumer: mqtls %s OK: PINGREQ = C0 00, %s: %s\n", MQTLS_VERSION_STRING,
           mqtls_errname(MQTLS_ERR_CONNECT_REFUSED), mqtls_strerror(MQTLS_ERR_CONNECT_REFUSED));
    return 0;
}
