/* SPDX-License-Identifier: MIT
 * mqtls: the mps2-an386 port of the TLS layer (clock, wall clock, entropy). */
/*
 * see mqtls/tls.h (mqtls_tls_hooks_t, mqtls_tls_port_hooks). src/tls asks
 * the port for what a configuration leaves NULL; here that is SysTick for
 * the handshake deadline, semihosting SYS_TIME for certificate dates (0
 * while the clock is unset: the engine then judges the dates with
 * mbedTLS's own clock, which mbedtls_port.c wires to the same source, so an
 * unset clock means 1970 and a certificate "not yet valid"), and the
 * TEST-ONLY semihosting entropy of entropy.c. No `load`: a firmware has no
 * files, so credential file names are refused and bytes are given instead.
 */
#include "mps2.h"
#include "mqtls/tls.h"

static int64_t wall(void *user)
{
    (void)user;
    return mqtls_mps2_wall_time();
}

static int32_t entropy(void *user, uint8_t *buf, size_t len)
{
    return mqtls_mps2_test_entropy(user, buf, len) == 0 ? MQTLS_OK : MQTLS_ERR_TLS_BAD_CONFIG;
}

/* see mqtls/tls.h */
const mqtls_tls_hooks_t *mqtls_tls_port_hooks(void)
{
    static const mqtls_tls_hooks_t hooks = {
        .now_ms = mqtls_mps2_now_ms, .unix_time = wall, .entropy = entropy, .load = NULL, .user = NULL};
    return &hooks;
}
