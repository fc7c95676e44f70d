/* SPDX-License-Identifier: MIT
 * mqtls: TEST-ONLY entropy for QEMU -- the host's /dev/urandom via semihosting. */
/*
 * QEMU's mps2-an386 has no random number generator, and a TLS client
 * cannot run without one. Under QEMU, with `-semihosting-config
 * enable=on,target=native`, the firmware can open host files, so this hook
 * reads the host's /dev/urandom. It is TEST-ONLY: it trusts whoever sits on
 * the debug channel, it does not exist on a real board (a semihosting call
 * without a debugger attached is a HardFault), and it must never be a
 * production entropy source -- a real port feeds mbedTLS from the chip's
 * TRNG. The name says so: mqtls_mps2_test_entropy.
 */
#include <string.h>

#include "mps2.h"

#define SYS_OPEN 0x01u
#define SYS_CLOSE 0x02u
#define SYS_READ 0x06u
#define OPEN_MODE_RB 1u /* "rb" */

/* see mps2.h */
int mqtls_mps2_test_entropy(void *user, unsigned char *out, size_t len)
{
    static const char path[] = "/dev/urandom";
    static int32_t fd = -1;
    (void)user;
    if (fd < 0) {
        const uint32_t open_args[3] = {(uint32_t)(uintptr_t)path, OPEN_MODE_RB, (uint32_t)strlen(path)};
        fd = mqtls_mps2_semihost(SYS_OPEN, open_args);
        if (fd < 0) {
            return -1;
        }
    }
    while (len > 0u) {
        const uint32_t read_args[3] = {(uint32_t)fd, (uint32_t)(uintptr_t)out, (uint32_t)len};
        /* SYS_READ answers the number of bytes NOT read. */
        int32_t left = mqtls_mps2_semihost(SYS_READ, read_args);
        if (left < 0 || (size_t)left >= len) {
            return -1;
        }
        out += len - (size_t)left;
        len = (size_t)left;
    }
    return 0;
}
