/* SPDX-License-Identifier: MIT
 * mqtls: reset, vector table, semihosting and memory figures for mps2-an386. */
/*
 * The smallest start a Cortex-M4 needs, written out instead of borrowed from
 * newlib's rdimon crt0: that crt0 asks the host (SYS_HEAPINFO) where the
 * stack and heap go and moves SP there, which would put the stack wherever
 * QEMU thinks RAM ends and make the painted-stack figure meaningless. Here
 * the linker script (mps2.ld) sizes both, and Reset_Handler:
 *   1. enables the FPU (CPACR CP10/CP11 full access) before any code that
 *      the hard-float ABI may compile to VFP instructions, and makes integer
 *      division by zero trap (CCR.DIV_0_TRP),
 *   2. copies .data from flash, zeroes .bss,
 *   3. paints the unused stack with a pattern (mqtls_mps2_stack_peak()),
 *   4. opens the semihosting console (librdimon's initialise_monitor_handles),
 *      runs constructors, calls main() and exits with its value.
 * Faults print their name and the stacked PC and leave QEMU with status 70,
 * so a crash in CI is a failing test with a line to read, never a hang.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mps2.h"

extern uint32_t __data_start__[], __data_end__[], __data_load__[];
extern uint32_t __bss_start__[], __bss_end__[];
extern uint32_t __stack_limit__[], __stack_top__[];
extern char __heap_start__[], __heap_end__[];

int main(void);
void initialise_monitor_handles(void);
void __libc_init_array(void);
void Reset_Handler(void);
void SysTick_Handler(void);
void mqtls_mps2_fault(uint32_t *frame, uint32_t which);
void *_sbrk(ptrdiff_t incr);

#define STACK_PAINT 0xA5C3E187u
#define SYS_WRITE0 0x04u
#define SYS_GET_CMDLINE 0x15u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

/* ---- semihosting ---------------------------------------------------------- */

/* see mps2.h */
int32_t mqtls_mps2_semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return (int32_t)r0;
}

/* see mps2.h */
void mqtls_mps2_exit(int code)
{
    const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
    for (;;) {
        (void)mqtls_mps2_semihost(SYS_EXIT_EXTENDED, block);
    }
}

/* see mps2.h */
int32_t mqtls_mps2_cmdline(char *buf, size_t len)
{
    uint32_t block[2] = {(uint32_t)(uintptr_t)buf, (uint32_t)len};
    if (buf == NULL || len == 0u) {
        return -1;
    }
    buf[0] = '\0';
    if (mqtls_mps2_semihost(SYS_GET_CMDLINE, block) != 0) {
        return -1;
    }
    buf[len - 1u] = '\0';
    return (int32_t)strlen(buf);
}

/* ---- stack figures -------------------------------------------------------- */

/* see mps2.h */
size_t mqtls_mps2_stack_peak(void)
{
    const uint32_t *p = __stack_limit__;
    while (p < __stack_top__ && *p == STACK_PAINT) {
        p++;
    }
    return (size_t)((uintptr_t)__stack_top__ - (uintptr_t)p);
}

/* see mps2.h */
size_t mqtls_mps2_stack_size(void)
{
    return (size_t)((uintptr_t)__stack_top__ - (uintptr_t)__stack_limit__);
}

/* The stack is painted from its limit up to a little below the current SP
 * (this function's own frame must not be overwritten while it runs). */
static void paint_stack(void)
{
    uint32_t here;
    uint32_t *stop = (uint32_t *)((uintptr_t)&here & ~(uintptr_t)3u) - 16;
    for (uint32_t *p = __stack_limit__; p < stop; p++) {
        *p = STACK_PAINT;
    }
}

/* ---- libc heap: an explicit region, not "up to the stack" ------------------ */

/* newlib's malloc (stdio buffers) grows through _sbrk: give it exactly the
 * linker script's .heap, and fail cleanly (ENOMEM-style) beyond it. */
static char *brk = __heap_start__;

void *_sbrk(ptrdiff_t incr)
{
    if (incr < 0 || (size_t)incr > (size_t)(__heap_end__ - brk)) {
        return (void *)-1;
    }
    char *prev = brk;
    brk += incr;
    return prev;
}

/* see mps2.h */
size_t mqtls_mps2_libc_heap_used(void)
{
    return (size_t)(brk - __heap_start__);
}

/* ---- reset ------------------------------------------------------------------ */

/* -nostartfiles drops crti/crtn, whose _init/_fini __libc_init_array still
 * calls; constructors run from .init_array (mps2.ld), so these stay empty. */
void _init(void);
void _fini(void);
void _init(void)
{
}
void _fini(void)
{
}

#define SCB_CPACR (*(volatile uint32_t *)0xE000ED88u)
#define SCB_CCR (*(volatile uint32_t *)0xE000ED14u)
#define CCR_DIV_0_TRP (1u << 4)
#define SCB_SHCSR (*(volatile uint32_t *)0xE000ED24u)
#define SHCSR_FAULTS_ENABLE (7u << 16) /* MemManage, BusFault, UsageFault: their own names */

void Reset_Handler(void)
{
    SCB_CPACR |= (0xFu << 20); /* CP10, CP11: full access */
    /* A division by zero is a UsageFault, not a silent 0 (the M4's default):
     * on the target, such a bug in the code under test must crash loudly. */
    SCB_CCR |= CCR_DIV_0_TRP;
    SCB_SHCSR |= SHCSR_FAULTS_ENABLE;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
    for (uint32_t *s = __data_load__, *d = __data_start__; d < __data_end__;) {
        *d++ = *s++;
    }
    for (uint32_t *d = __bss_start__; d < __bss_end__;) {
        *d++ = 0u;
    }
    paint_stack();
    initialise_monitor_handles();
    __libc_init_array();
    exit(main());
}

/* ---- faults ------------------------------------------------------------------ */

static const char *const fault_names[] = {"NMI", "HardFault", "MemManage", "BusFault", "UsageFault", "IRQ"};

/* Called from the naked handlers below with the exception frame. */
void mqtls_mps2_fault(uint32_t *frame, uint32_t which)
{
    char line[96];
    volatile uint32_t *cfsr = (volatile uint32_t *)0xE000ED28u;
    (void)snprintf(line, sizeof line, "mps2: %s at pc=0x%08lx lr=0x%08lx cfsr=0x%08lx\n",
                   fault_names[which < 6u ? which : 5u], (unsigned long)frame[6], (unsigned long)frame[5],
                   (unsigned long)*cfsr);
    (void)mqtls_mps2_semihost(SYS_WRITE0, line);
    mqtls_mps2_exit(70);
}

/* Each handler passes the stack the frame was pushed on (MSP or PSP). */
#define FAULT_HANDLER(name, n)                      \
    __attribute__((naked)) void name(void);         \
    __attribute__((naked)) void name(void)          \
    {                                               \
        __asm__ volatile("tst lr, #4\n\t"           \
                         "ite eq\n\t"               \
                         "mrseq r0, msp\n\t"        \
                         "mrsne r0, psp\n\t"        \
                         "movs r1, #" #n "\n\t"     \
                         "b mqtls_mps2_fault\n\t"); \
    }
FAULT_HANDLER(NMI_Handler, 0)
FAULT_HANDLER(HardFault_Handler, 1)
FAULT_HANDLER(MemManage_Handler, 2)
FAULT_HANDLER(BusFault_Handler, 3)
FAULT_HANDLER(UsageFault_Handler, 4)
FAULT_HANDLER(Default_Handler, 5)

/* ---- vector table ------------------------------------------------------------ */

typedef void (*vector_t)(void);

/* 16 system exceptions, then the CMSDK's 32 interrupt lines (all unused
 * here: an unexpected one is reported, not silently ignored). */
__attribute__((section(".vectors"), used)) static const vector_t vectors[16 + 32] = {
    [0] = (vector_t)(uintptr_t)__stack_top__,
    [1] = Reset_Handler,
    [2] = NMI_Handler,
    [3] = HardFault_Handler,
    [4] = MemManage_Handler,
    [5] = BusFault_Handler,
    [6] = UsageFault_Handler,
    [11] = Default_Handler, /* SVCall */
    [12] = Default_Handler, /* DebugMon */
    [14] = Default_Handler, /* PendSV */
    [15] = SysTick_Handler,
    [16 ... 47] = Default_Handler,
};
