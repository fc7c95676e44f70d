/* SPDX-License-Identifier: MIT
 * mqtls: the Cortex-M4 firmware -- mutual TLS to mosquitto over UART0. */
/*
 * What a device does after reset: start its clock, give mbedTLS its static
 * arena and the wall clock, open the serial line (here QEMU turns UART0
 * into a TCP connection to the broker's TLS port), handshake with its
 * compiled-in credentials (creds.h) through the library's TLS layer
 * (src/tls, the mbedTLS engine; the port's hooks in tls_port.c), then run
 * app.c's MQTT session over the encrypted transport. It prints the handshake time and, at exit, the
 * memory figures: peak stack (painted at reset, startup.c) and peak mbedTLS
 * heap (MBEDTLS_MEMORY_DEBUG). Exit status 0, or 1 with the mqtls error
 * name on the console.
 *
 * The QEMU command line (-append) picks the failure cases the test needs
 * without another image: "--ca other" trusts the unrelated CA compiled in
 * beside the right one, "--no-clock" leaves the wall clock unset, as a
 * board without an RTC is after reset.
 */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "creds.h"
#include "mbedtls_port.h"
#include "mps2.h"
#include "mqtls/error.h"
#include "mqtls/tls.h"

#define TLS_ARENA_SIZE (64u * 1024u)

static void print_memory(void)
{
    size_t peak = 0, now = 0;
    mqtls_mps2_mbedtls_heap(&peak, &now);
    printf("fw: memory: stack peak %u of %u bytes, mbedtls heap peak %u of %u bytes (%u in use at exit), "
           "libc heap %u bytes\n",
           (unsigned)mqtls_mps2_stack_peak(), (unsigned)mqtls_mps2_stack_size(), (unsigned)peak,
           (unsigned)TLS_ARENA_SIZE, (unsigned)now, (unsigned)mqtls_mps2_libc_heap_used());
}

/* The engine's detail may quote the broker's certificate (names are
 * network bytes): only printable ASCII reaches the console. */
static void print_detail(const char *d)
{
    char line[sizeof(((mqtls_tls_report_t *)0)->detail)];
    size_t i = 0;
    for (; d[i] != '\0' && i + 1u < sizeof line; i++) {
        line[i] = (d[i] >= 0x20 && d[i] < 0x7f) ? d[i] : '?';
    }
    line[i] = '\0';
    printf("fw: TLS detail: %s\n", line);
}

static int finish(int32_t rc)
{
    print_memory();
    printf("fw: result %s\n", rc == MQTLS_OK ? "OK" : mqtls_errname(rc));
    return rc == MQTLS_OK ? 0 : 1;
}

int main(void)
{
    static unsigned char arena[TLS_ARENA_SIZE];
    static mqtls_mps2_uart_t uart;
    static char cmdline[128];
    mqtls_transport_t serial, tls;

    mqtls_mps2_clock_init();
    mqtls_mps2_mbedtls_init(arena, sizeof arena);
    (void)mqtls_mps2_cmdline(cmdline, sizeof cmdline);
    bool other_ca = strstr(cmdline, "--ca other") != NULL;
    if (strstr(cmdline, "--no-clock") != NULL) {
        mqtls_mps2_wall_clock_set(0);
    }
    printf("fw: wall clock %s, trusting %s\n", mqtls_mps2_wall_time() != 0 ? "set" : "UNSET",
           other_ca ? "the unrelated CA" : "the broker's CA");

    mqtls_mps2_uart_transport(&uart, MQTLS_MPS2_UART0, &serial);
    mqtls_tls_config_t cfg;
    mqtls_tls_config_init(&cfg);
    cfg.ca_data = other_ca ? fw_other_ca : fw_ca;
    cfg.ca_len = other_ca ? fw_other_ca_len : fw_ca_len;
    cfg.cert_data = fw_cert;
    cfg.cert_len = fw_cert_len;
    cfg.key_data = fw_key;
    cfg.key_len = fw_key_len;
    cfg.server_name = "localhost"; /* the broker's certificate names localhost and 127.0.0.1 */
    static mqtls_tls_report_t report;
    mqtls_tls_t *tls_ctx = NULL;
    uint32_t t0 = mqtls_mps2_now_ms(NULL);
    int32_t rc = mqtls_tls_new(&tls_ctx, MQTLS_TLS_MBEDTLS, &cfg, &report);
    const char *step = "setup";
    if (rc == MQTLS_OK) {
        printf("fw: credentials loaded in %lu ms\n", (unsigned long)(mqtls_mps2_now_ms(NULL) - t0));
        t0 = mqtls_mps2_now_ms(NULL);
        step = "handshake";
        rc = mqtls_tls_handshake(tls_ctx, &serial, "localhost", 30000u);
    }
    if (rc != MQTLS_OK) {
        printf("fw: TLS %s failed: %s (%s)\n", step, mqtls_errname(rc), mqtls_strerror(rc));
        if (report.detail[0] != '\0') {
            print_detail(report.detail);
        }
        mqtls_tls_free(tls_ctx);
        return finish(rc);
    }
    printf("fw: TLS handshake done in %lu ms: %s, %s\n", (unsigned long)(mqtls_mps2_now_ms(NULL) - t0), report.version,
           report.cipher);
    mqtls_tls_transport(tls_ctx, &tls);
    rc = mqtls_fw_session(&tls, "mqtls-fw-tls", "mqtls/fw/tls");
    mqtls_tls_free(tls_ctx);
    return finish(rc);
}
