/* SPDX-License-Identifier: MIT
 * mqtls: CMSDK APB UART0 as an mqtls_transport_t (mps2-an386). */
/*
 * The firmware's network is a serial line: QEMU's `-serial
 * tcp:127.0.0.1:PORT` connects UART0 to a TCP server on the host, so bytes
 * written to DATA reach the broker and the broker's bytes arrive in DATA.
 * The UART holds one byte each way (STATE bit 0: TX full, bit 1: RX full),
 * so send and recv move as many bytes as the hardware takes without
 * waiting and return 0 when it takes none -- exactly the transport
 * contract's "would block". Polled, no interrupt: the client loop calls
 * wait(), which spins on STATE until a byte can move or the time is up.
 * A real board with a UART modem would add an RX interrupt and a ring
 * buffer here; nothing above the transport would change.
 */
#include "mps2.h"

#define UART_DATA 0x00u
#define UART_STATE 0x04u
#define UART_CTRL 0x08u
#define UART_BAUDDIV 0x10u
#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u

static inline volatile uint32_t *reg(const mqtls_mps2_uart_t *u, uint32_t off)
{
    return (volatile uint32_t *)(u->base + off);
}

static int32_t uart_send(void *ctx, const uint8_t *buf, size_t len)
{
    const mqtls_mps2_uart_t *u = ctx;
    size_t n = 0;
    while (n < len && n < 0x7FFFFFFFu && (*reg(u, UART_STATE) & STATE_TX_FULL) == 0u) {
        *reg(u, UART_DATA) = buf[n++];
    }
    return (int32_t)n;
}

static int32_t uart_recv(void *ctx, uint8_t *buf, size_t len)
{
    const mqtls_mps2_uart_t *u = ctx;
    size_t n = 0;
    while (n < len && n < 0x7FFFFFFFu && (*reg(u, UART_STATE) & STATE_RX_FULL) != 0u) {
        buf[n++] = (uint8_t)*reg(u, UART_DATA);
    }
    return (int32_t)n;
}

static int32_t uart_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    const mqtls_mps2_uart_t *u = ctx;
    uint32_t t0 = mqtls_mps2_now_ms(NULL);
    do {
        uint32_t st = *reg(u, UART_STATE);
        if (((events & MQTLS_WAIT_READ) != 0u && (st & STATE_RX_FULL) != 0u) ||
            ((events & MQTLS_WAIT_WRITE) != 0u && (st & STATE_TX_FULL) == 0u)) {
            return 1;
        }
    } while ((uint32_t)(mqtls_mps2_now_ms(NULL) - t0) < timeout_ms);
    return 0;
}

/* see mps2.h */
void mqtls_mps2_uart_transport(mqtls_mps2_uart_t *u, uintptr_t base, mqtls_transport_t *t)
{
    u->base = base;
    *reg(u, UART_BAUDDIV) = 16u; /* the smallest divider the CMSDK UART accepts */
    *reg(u, UART_CTRL) = 0x3u;   /* TX and RX enabled, no interrupts */
    t->ctx = u;
    t->send = uart_send;
    t->recv = uart_recv;
    t->wait = uart_wait;
    t->close = NULL;
}
