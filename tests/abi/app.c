/* SPDX-License-Identifier: MIT
 * tests/abi/app.c: the smallest application of the client, linked by
 * tests/abi/abi_check.sh against libmqtls_core built with the default
 * MQTLS_CONFIG_MQTT5=1, once with the same configuration (must link) and
 * once with MQTLS_CONFIG_MQTT5=0 (must not: its mqtls_client_t is another
 * size). */
#include "mqtls/client.h"

static uint32_t clock_ms(void *user)
{
    (void)user;
    return 0;
}

int main(void)
{
    static uint8_t tx[64], rx[64];
    mqtls_client_t c;
    mqtls_client_config_t cfg = { .tx_buf = tx, .tx_len = sizeof tx, .rx_buf = rx, .rx_len = sizeof rx,
                                  .now_ms = clock_ms };
    return mqtls_client_init(&c, &cfg) == MQTLS_OK ? 0 : 1;
}
