/* SPDX-License-Identifier: MIT
 * mqtls: firmware milestone -- MQTT 3.1.1 in the clear over UART0. */
/*
 * The first thing a port proves: the core, the clock and the UART transport
 * work together against a real broker, before TLS adds its own failure
 * modes. QEMU's `-serial tcp:127.0.0.1:PORT` makes UART0 a TCP connection to
 * a mosquitto plain listener; the session is app.c's. Exit status: 0, or 1
 * with the mqtls error name printed.
 */
#include <stdio.h>

#include "app.h"
#include "mps2.h"
#include "mqtls/error.h"

int main(void)
{
    static mqtls_mps2_uart_t uart;
    mqtls_transport_t t;
    mqtls_mps2_clock_init();
    mqtls_mps2_uart_transport(&uart, MQTLS_MPS2_UART0, &t);
    int32_t rc = mqtls_fw_session(&t, "mqtls-fw-plain", "mqtls/fw/plain");
    printf("fw: result %s, peak stack %u of %u bytes\n", rc == MQTLS_OK ? "OK" : mqtls_errname(rc),
           (unsigned)mqtls_mps2_stack_peak(), (unsigned)mqtls_mps2_stack_size());
    return rc == MQTLS_OK ? 0 : 1;
}
