/* SPDX-License-Identifier: MIT
 * mqtls SimpleLink port: mqtls_transport_t over the network processor's
 * secure sockets. */
/*
 * see mqtls/sl_transport.h
 *
 * Only SimpleLink calls and <string.h>: the same file builds against TI's
 * SDK on a CC3200 and against mqtls's emulation on a host (the test), and
 * scripts check that it compiles for arm-none-eabi with -ffreestanding and
 * references no symbol outside sl_*, mqtls_* and memcpy/strlen
 * (tests/ports/sl_freestanding.sh).
 *
 * Order of the calls, as TI's secure-socket examples make them: resolve,
 * sl_Socket(SL_SEC_SOCKET), method, mask, files (IDs, then names), domain
 * name, non-blocking, sl_Connect until it stops saying SL_EALREADY. The
 * chip's answer decides: 0 is connected; -453 (CA ID 0) is connected but
 * unverified and tolerated only when asked for; everything else, including
 * -461 (connected against a bad date), closes the socket and is returned
 * as the mqtls error that says the same (mqtls_sl_code_error).
 *
 * Rejected: a blocking connect followed by SL_SO_NONBLOCKING. It is what
 * most CC3200 samples do, but a blocking secure connect can hold the caller
 * for the chip's own handshake timeout and longer, and the client's rule is
 * that no call blocks beyond the time it was given. Also rejected: sl_Select
 * for wait(); the emulation has none, and on a chip a short sleep between
 * non-blocking reads (the board's sleep_ms) costs nothing that matters for
 * MQTT while keeping the port to the calls every SDK version has.
 */
#include "mqtls/sl_transport.h"

#include <string.h>

#include "mqtls/slcodes.h"
#include "netapp.h"
#include "simplelink.h"
#include "socket.h"

#define DEFAULT_METHOD 3u        /* SL_SO_SEC_METHOD_TLSV1_2 */
#define DEFAULT_MASK 0x3FFu      /* SL_SEC_MASK_SECURE_DEFAULT */
#define DEFAULT_CONNECT_MS 15000u
#define DEFAULT_POLL_MS 10u
#define HOST_MAX 253u            /* a DNS name */
#define RECV_MAX 16000           /* sl_Recv takes an _i16 length; the chip's limit */
#define CONN_RESET (-104)        /* BSD ECONNRESET, by number: not every SDK names it */

/* ---- setup ------------------------------------------------------------------ */

/* see mqtls/sl_transport.h */
void mqtls_sl_transport_config_init(mqtls_sl_transport_config_t *cfg)
{
    if (cfg == NULL) {
        return;
    }
    memset(cfg, 0, sizeof *cfg);
    cfg->method = DEFAULT_METHOD;
    cfg->mask = DEFAULT_MASK;
    cfg->connect_timeout_ms = DEFAULT_CONNECT_MS;
    cfg->poll_ms = DEFAULT_POLL_MS;
}

/* Remember the chip's code and give the mqtls error for it. */
static int32_t fail(mqtls_sl_transport_t *t, int32_t code, int32_t err)
{
    t->last_code = (int16_t)code;
    if (t->sd >= 0) {
        sl_Close(t->sd);
        t->sd = -1;
    }
    return err;
}

static int32_t fail_code(mqtls_sl_transport_t *t, int32_t code)
{
    return fail(t, code, mqtls_sl_code_error(code));
}

static int32_t resolve(mqtls_sl_transport_t *t, const char *host, _u32 *ip)
{
    _i8 name[HOST_MAX + 1u];
    size_t n = strlen(host);
    if (n == 0u || n > HOST_MAX) {
        return MQTLS_ERR_INVALID_ARG;
    }
    memcpy(name, host, n + 1u); /* the SDK's prototype takes a non-const name */
    _i16 rc = sl_NetAppDnsGetHostByName(name, (_u16)n, ip, SL_AF_INET);
    if (rc < 0) {
        /* The DNS client's codes overlap the certificate range: map them here. */
        return fail(t, rc, MQTLS_ERR_DNS);
    }
    return MQTLS_OK;
}

static _i16 set_opt(_i16 sd, _i16 opt, const void *val, size_t len)
{
    return sl_SetSockOpt(sd, SL_SOL_SOCKET, opt, val, (SlSocklen_t)len);
}

static bool ca_slot_empty(const mqtls_sl_transport_config_t *cfg)
{
    return cfg->file_ids[2] == 0u && cfg->file_names[2] == NULL;
}

/* Method, mask, files, name check, non-blocking. @return 0 or the chip's code. */
static _i16 configure(_i16 sd, const mqtls_sl_transport_config_t *cfg)
{
    static const _i16 by_name[4] = { SL_SO_SECURE_FILES_PRIVATE_KEY_FILE_NAME,
                                     SL_SO_SECURE_FILES_CERTIFICATE_FILE_NAME, SL_SO_SECURE_FILES_CA_FILE_NAME,
                                     SL_SO_SECURE_FILES_DH_KEY_FILE_NAME };
    SlSockSecureMethod method;
    SlSockSecureMask mask;
    SlSockSecureFiles_t files;
    SlSockNonblocking_t nb;
    _i16 rc;
    method.secureMethod = cfg->method;
    mask.secureMask = cfg->mask;
    memcpy(files.secureFiles, cfg->file_ids, sizeof files.secureFiles);
    nb.NonblockingEnabled = 1;
    if ((rc = set_opt(sd, SL_SO_SECMETHOD, &method, sizeof method)) < 0 ||
        (rc = set_opt(sd, SL_SO_SECURE_MASK, &mask, sizeof mask)) < 0) {
        return rc;
    }
    if ((cfg->file_ids[0] | cfg->file_ids[1] | cfg->file_ids[2] | cfg->file_ids[3]) != 0u &&
        (rc = set_opt(sd, SL_SO_SECURE_FILES, &files, sizeof files)) < 0) {
        return rc;
    }
    for (int i = 0; i < 4; i++) {
        const char *name = cfg->file_names[i];
        if (name != NULL && (rc = set_opt(sd, by_name[i], name, strlen(name))) < 0) {
            return rc;
        }
    }
    if (cfg->domain_name != NULL &&
        (rc = set_opt(sd, SL_SO_SECURE_DOMAIN_NAME_VERIFICATION, cfg->domain_name, strlen(cfg->domain_name))) < 0) {
        return rc;
    }
    return set_opt(sd, SL_SO_NONBLOCKING, &nb, sizeof nb);
}

/* sl_Connect until it is no longer in progress, within the timeout. */
static _i16 connect_until(mqtls_sl_transport_t *t, const mqtls_sl_transport_config_t *cfg,
                          const SlSockAddrIn_t *addr, bool *timed_out)
{
    uint32_t start = cfg->now_ms(cfg->now_user);
    for (;;) {
        _i16 rc = sl_Connect(t->sd, (const SlSockAddr_t *)(const void *)addr, (_i16)sizeof *addr);
        if (rc != SL_EALREADY) {
            return rc;
        }
        if ((uint32_t)(cfg->now_ms(cfg->now_user) - start) >= cfg->connect_timeout_ms) {
            *timed_out = true;
            return rc;
        }
        if (cfg->sleep_ms != NULL) {
            cfg->sleep_ms(cfg->sleep_user, cfg->poll_ms != 0u ? cfg->poll_ms : DEFAULT_POLL_MS);
        }
    }
}

/* see mqtls/sl_transport.h */
int32_t mqtls_sl_transport_open(mqtls_sl_transport_t *t, const mqtls_sl_transport_config_t *cfg)
{
    if (t == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    t->sd = -1;
    t->last_code = 0;
    t->verified = false;
    if (cfg == NULL || cfg->host == NULL || cfg->port == 0u || cfg->now_ms == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    t->sleep_ms = cfg->sleep_ms;
    t->sleep_user = cfg->sleep_user;
    t->poll_ms = cfg->poll_ms != 0u ? cfg->poll_ms : DEFAULT_POLL_MS;

    _u32 ip = 0;
    int32_t err = resolve(t, cfg->host, &ip);
    if (err != MQTLS_OK) {
        return err;
    }
    _i16 sd = sl_Socket(SL_AF_INET, SL_SOCK_STREAM, SL_SEC_SOCKET);
    if (sd < 0) {
        return fail_code(t, sd);
    }
    t->sd = sd;
    _i16 rc = configure(sd, cfg);
    if (rc < 0) {
        return fail_code(t, rc);
    }
    SlSockAddrIn_t addr;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = SL_AF_INET;
    addr.sin_port = sl_Htons(cfg->port);
    addr.sin_addr.s_addr = sl_Htonl(ip);
    bool timed_out = false;
    rc = connect_until(t, cfg, &addr, &timed_out);
    if (timed_out) {
        return fail(t, rc, MQTLS_ERR_TIMEOUT);
    }
    if (rc == SL_ESECSNOVERIFY) {
        /* Connected, but nobody checked the server: only on explicit request. */
        if (!cfg->allow_unverified || !ca_slot_empty(cfg)) {
            return fail(t, rc, MQTLS_ERR_TLS_NOT_VERIFIED);
        }
        t->last_code = rc;
        return MQTLS_OK;
    }
    if (rc < 0) {
        return fail_code(t, rc); /* -461 included: connected against a bad date */
    }
    t->verified = true;
    return MQTLS_OK;
}

/* ---- the transport contract ---------------------------------------------------- */

static int32_t sl_send_cb(void *ctx, const uint8_t *buf, size_t len)
{
    mqtls_sl_transport_t *t = ctx;
    if (t->sd < 0) {
        return MQTLS_ERR_NOT_CONNECTED;
    }
    if (len == 0u) {
        return 0;
    }
    _i16 n = sl_Send(t->sd, buf, (_i16)(len < MQTLS_SL_SEND_MAX ? len : MQTLS_SL_SEND_MAX), 0);
    if (n >= 0) {
        return n; /* 0: nothing taken now, call again */
    }
    if (n == SL_EAGAIN) {
        return 0;
    }
    t->last_code = n;
    return n == CONN_RESET ? MQTLS_ERR_SEND : mqtls_sl_code_error(n);
}

static int32_t sl_recv_cb(void *ctx, uint8_t *buf, size_t len)
{
    mqtls_sl_transport_t *t = ctx;
    if (t->sd < 0) {
        return MQTLS_ERR_NOT_CONNECTED;
    }
    if (len == 0u) {
        return 0; /* sl_Recv would answer 0, which means "closed" */
    }
    _i16 n = sl_Recv(t->sd, buf, (_i16)(len < (size_t)RECV_MAX ? len : (size_t)RECV_MAX), 0);
    if (n > 0) {
        return n;
    }
    if (n == 0) {
        t->last_code = 0;
        return MQTLS_ERR_CLOSED;
    }
    if (n == SL_EAGAIN) {
        return 0;
    }
    t->last_code = n;
    return mqtls_sl_code_error(n);
}

/* No select: sleep a little and say "try now"; a spurious ready is allowed. */
static int32_t sl_wait_cb(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    mqtls_sl_transport_t *t = ctx;
    (void)events;
    if (t->sd < 0) {
        return MQTLS_ERR_NOT_CONNECTED;
    }
    if (timeout_ms == 0u) {
        return 0;
    }
    t->sleep_ms(t->sleep_user, timeout_ms < t->poll_ms ? timeout_ms : t->poll_ms);
    return 1;
}

static void sl_close_cb(void *ctx)
{
    mqtls_sl_transport_close(ctx);
}

/* see mqtls/sl_transport.h */
void mqtls_sl_transport(mqtls_sl_transport_t *t, mqtls_transport_t *out)
{
    if (out == NULL) {
        return;
    }
    out->ctx = t;
    out->send = sl_send_cb;
    out->recv = sl_recv_cb;
    out->wait = t != NULL && t->sleep_ms != NULL ? sl_wait_cb : NULL;
    out->close = sl_close_cb;
}

/* see mqtls/sl_transport.h */
void mqtls_sl_transport_close(mqtls_sl_transport_t *t)
{
    if (t == NULL || t->sd < 0) {
        return;
    }
    sl_Close(t->sd);
    t->sd = -1;
}

/* see mqtls/sl_transport.h */
int32_t mqtls_sl_transport_last_code(const mqtls_sl_transport_t *t)
{
    return t == NULL ? 0 : t->last_code;
}

/* see mqtls/sl_transport.h */
bool mqtls_sl_transport_verified(const mqtls_sl_transport_t *t)
{
    return t != NULL && t->sd >= 0 && t->verified;
}
