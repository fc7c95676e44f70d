/* SPDX-License-Identifier: MIT
 * mqtls tests: ports/simplelink/sl_transport.c against a scripted network
 * processor, for what the emulation never does. */
/*
 * test_sl_native.sh runs this transport through mqtls's emulation of the
 * CC3200 against a real mosquitto: that is where it is proven to work. The
 * emulation, like a blocking chip, answers sl_Connect in one call and never
 * reports a connect in progress, a full send buffer or a reset; a real chip
 * in non-blocking mode does all three. Those paths are scripted here: the
 * sl_* functions below are a chip whose answers each test sets, with a fake
 * clock, so every branch of the transport's contract is pinned down without
 * timing: SL_EALREADY until connected, the connect deadline, the order of
 * the options (non-blocking before sl_Connect), -453 tolerated only when
 * asked and only without a CA, SL_EAGAIN as 0, the send chunk limit,
 * 0 from sl_Recv as CLOSED, a reset while sending, DNS failures, and the
 * raw code kept for every failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mqtls/sl_transport.h"
#include "simplelink.h"

/* ---- the scripted chip ------------------------------------------------------------ */

static struct {
    _i16 dns_rc;
    _u32 ip;
    _i16 socket_rc;
    _i16 opt_fail_name; /* this option fails with opt_fail_rc */
    _i16 opt_fail_rc;
    _i16 opts[16];      /* option names in the order they were set */
    int nopts;
    int connects;       /* sl_Connect calls */
    int connect_busy;   /* answer SL_EALREADY this many times first */
    _i16 connect_rc;
    int connect_when_nb; /* opts index+1 of NONBLOCKING at the first sl_Connect, 0: not set */
    _i16 send_rc;       /* <= 0: answered; > 0: take min(len, send_rc) */
    _i16 last_send_len;
    _i16 recv_rc;
    int closes;
    uint32_t now;
    uint32_t slept;
    _u16 port;
    _u32 addr;
} chip;

static void chip_reset(void)
{
    memset(&chip, 0, sizeof chip);
    chip.ip = 0x7F000001u;
    chip.socket_rc = 3;
}

_i16 sl_NetAppDnsGetHostByName(_i8 *hostname, const _u16 usNameLen, _u32 *out_ip_addr, const _u8 family)
{
    assert_int_equal(family, SL_AF_INET);
    assert_int_equal(strlen((const char *)hostname), usNameLen);
    *out_ip_addr = chip.ip;
    return chip.dns_rc;
}

_i16 sl_Socket(_i16 Domain, _i16 Type, _i16 Protocol)
{
    assert_int_equal(Domain, SL_AF_INET);
    assert_int_equal(Type, SL_SOCK_STREAM);
    assert_int_equal(Protocol, SL_SEC_SOCKET);
    return chip.socket_rc;
}

_i16 sl_SetSockOpt(_i16 sd, _i16 level, _i16 optname, const void *optval, SlSocklen_t optlen)
{
    assert_int_equal(sd, chip.socket_rc);
    assert_int_equal(level, SL_SOL_SOCKET);
    assert_non_null(optval);
    assert_true(optlen > 0u);
    if (chip.nopts < 16) {
        chip.opts[chip.nopts++] = optname;
    }
    return optname == chip.opt_fail_name ? chip.opt_fail_rc : 0;
}

_i16 sl_Connect(_i16 sd, const SlSockAddr_t *addr, _i16 addrlen)
{
    assert_int_equal(sd, chip.socket_rc);
    assert_int_equal(addrlen, (_i16)sizeof(SlSockAddrIn_t));
    const SlSockAddrIn_t *in = (const SlSockAddrIn_t *)(const void *)addr;
    chip.port = in->sin_port;
    chip.addr = in->sin_addr.s_addr;
    if (chip.connects++ == 0) {
        for (int i = 0; i < chip.nopts; i++) {
            if (chip.opts[i] == SL_SO_NONBLOCKING) {
                chip.connect_when_nb = i + 1;
            }
        }
    }
    if (chip.connect_busy > 0) {
        chip.connect_busy--;
        return SL_EALREADY;
    }
    return chip.connect_rc;
}

_i16 sl_Send(_i16 sd, const void *pBuf, _i16 Len, _i16 flags)
{
    (void)pBuf;
    (void)flags;
    assert_int_equal(sd, chip.socket_rc);
    chip.last_send_len = Len;
    if (chip.send_rc <= 0) {
        return chip.send_rc;
    }
    return Len < chip.send_rc ? Len : chip.send_rc;
}

_i16 sl_Recv(_i16 sd, void *buf, _i16 Len, _i16 flags)
{
    (void)flags;
    assert_int_equal(sd, chip.socket_rc);
    if (chip.recv_rc > 0) {
        memset(buf, 'x', (size_t)(Len < chip.recv_rc ? Len : chip.recv_rc));
        return Len < chip.recv_rc ? Len : chip.recv_rc;
    }
    return chip.recv_rc;
}

_i16 sl_Close(_i16 sd)
{
    assert_int_equal(sd, chip.socket_rc);
    chip.closes++;
    return 0;
}

_u32 sl_Htonl(_u32 val)
{
    return ((val & 0xFFu) << 24) | ((val & 0xFF00u) << 8) | ((val >> 8) & 0xFF00u) | ((val >> 24) & 0xFFu);
}

_u16 sl_Htons(_u16 val)
{
    return (_u16)(((val & 0xFFu) << 8) | (val >> 8));
}

static uint32_t fake_now(void *user)
{
    (void)user;
    return chip.now++; /* time passes a little at every look */
}

static void fake_sleep(void *user, uint32_t ms)
{
    (void)user;
    chip.now += ms;
    chip.slept += ms;
}

/* ---- helpers ------------------------------------------------------------------------ */

static void base_config(mqtls_sl_transport_config_t *cfg)
{
    mqtls_sl_transport_config_init(cfg);
    cfg->host = "broker.example";
    cfg->port = 8883;
    cfg->file_ids[0] = 126;
    cfg->file_ids[1] = 127;
    cfg->file_ids[2] = 128;
    cfg->now_ms = fake_now;
    cfg->sleep_ms = fake_sleep;
}

/* ---- connect ------------------------------------------------------------------------- */

static void defaults_are_tls12_full_mask_and_verification(void **state)
{
    (void)state;
    mqtls_sl_transport_config_t cfg;
    memset(&cfg, 0xA5, sizeof cfg);
    mqtls_sl_transport_config_init(&cfg);
    assert_int_equal(cfg.method, SL_SO_SEC_METHOD_TLSV1_2);
    assert_int_equal(cfg.mask, SL_SEC_MASK_SECURE_DEFAULT);
    assert_false(cfg.allow_unverified);
    assert_null(cfg.domain_name);
    assert_null(cfg.host);
    assert_int_equal(cfg.file_ids[2], 0);
    assert_true(cfg.connect_timeout_ms > 0u);
}

static void connect_in_progress_is_polled_until_connected(void **state)
{
    (void)state;
    chip_reset();
    chip.connect_busy = 5;
    mqtls_sl_transport_config_t cfg;
    base_config(&cfg);
    cfg.poll_ms = 7;
    mqtls_sl_transport_t t;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_OK);
    assert_int_equal(chip.connects, 6);
    assert_int_equal(chip.slept, 5u * 7u);
    assert_true(mqtls_sl_transport_verified(&t));
    assert_int_equal(mqtls_sl_transport_last_code(&t), 0);
    assert_int_equal(chip.port, sl_Htons(8883));
    assert_int_equal(chip.addr, sl_Htonl(0x7F000001u));
    mqtls_sl_transport_close(&t);
    mqtls_sl_transport_close(&t);
    assert_int_equal(chip.closes, 1);
    assert_false(mqtls_sl_transport_verified(&t));
}

static void options_are_set_in_order_and_nonblocking_before_connect(void **state)
{
    (void)state;
    chip_reset();
    mqtls_sl_transport_config_t cfg;
    base_config(&cfg);
    cfg.file_names[2] = "/cert/ca.der";
    cfg.domain_name = "broker.example";
    mqtls_sl_transport_t t;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_OK);
    static const _i16 want[] = { SL_SO_SECMETHOD, SL_SO_SECURE_MASK, SL_SO_SECURE_FILES,
                                 SL_SO_SECURE_FILES_CA_FILE_NAME, SL_SO_SECURE_DOMAIN_NAME_VERIFICATION,
                                 SL_SO_NONBLOCKING };
    assert_int_equal(chip.nopts, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(chip.opts[i], want[i]);
    }
    assert_int_equal(chip.connect_when_nb, 6); /* set before the first sl_Connect */
    mqtls_sl_transport_close(&t);
}

static void no_files_no_files_option(void **state)
{
    (void)state;
    chip_reset();
    chip.connect_rc = SL_ESECSNOVERIFY;
    mqtls_sl_transport_config_t cfg;
    base_config(&cfg);
    memset(cfg.file_ids, 0, sizeof cfg.file_ids);
    cfg.allow_unverified = true;
    mqtls_sl_transport_t t;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_OK);
    for (int i = 0; i < chip.nopts; i++) {
        assert_int_not_equal(chip.opts[i], SL_SO_SECURE_FILES);
    }
    assert_false(mqtls_sl_transport_verified(&t));
    assert_int_equal(mqtls_sl_transport_last_code(&t), SL_ESECSNOVERIFY);
    mqtls_sl_transport_close(&t);
}

static void connect_deadline_gives_timeout_and_closes(void **state)
{
    (void)state;
    chip_reset();
    chip.connect_busy = 1000000;
    mqtls_sl_transport_config_t cfg;
    base_config(&cfg);
    cfg.sleep_ms = NULL; /* busy polling: the clock alone ends it */
    cfg.connect_timeout_ms = 50;
    mqtls_sl_transport_t t;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_TIMEOUT);
    assert_int_equal(mqtls_sl_transport_last_code(&t), SL_EALREADY);
    assert_int_equal(chip.closes, 1);
    assert_true(chip.connects < 100);
    mqtls_sl_transport_close(&t); /* safe after a failed open */
    assert_int_equal(chip.closes, 1);
}

static void unverified_is_refused_unless_asked_and_no_ca(void **state)
{
    (void)state;
    mqtls_sl_transport_config_t cfg;
    mqtls_sl_transport_t t;
    /* asked, but a CA was given: a -453 then is not what was allowed */
    chip_reset();
    chip.connect_rc = SL_ESECSNOVERIFY;
    base_config(&cfg);
    cfg.allow_unverified = true;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_TLS_NOT_VERIFIED);
    assert_int_equal(chip.closes, 1);
    /* no CA, not asked */
    chip_reset();
    chip.connect_rc = SL_ESECSNOVERIFY;
    base_config(&cfg);
    cfg.file_ids[2] = 0;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_TLS_NOT_VERIFIED);
    assert_int_equal(mqtls_sl_transport_last_code(&t), SL_ESECSNOVERIFY);
    assert_int_equal(chip.closes, 1);
    /* a CA given by name counts as a CA */
    chip_reset();
    chip.connect_rc = SL_ESECSNOVERIFY;
    base_config(&cfg);
    cfg.file_ids[2] = 0;
    cfg.file_names[2] = "/cert/ca.der";
    cfg.allow_unverified = true;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_TLS_NOT_VERIFIED);
}

static void chip_codes_become_mqtls_errors_and_are_kept(void **state)
{
    (void)state;
    static const struct {
        _i16 code;
        int32_t err;
    } cases[] = {
        { SL_ESECBADCAFILE, MQTLS_ERR_TLS_BAD_CA_FILE }, { SL_ESECDATEERROR, MQTLS_ERR_TLS_CERT_DATE },
        { -155, MQTLS_ERR_TLS_UNKNOWN_CA },             { SL_ECONNREFUSED, MQTLS_ERR_CONNECT_REFUSED },
        { SL_ESECHANDSHAKETIMEDOUT, MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        chip_reset();
        chip.connect_rc = cases[i].code;
        mqtls_sl_transport_config_t cfg;
        base_config(&cfg);
        mqtls_sl_transport_t t;
        assert_int_equal(mqtls_sl_transport_open(&t, &cfg), cases[i].err);
        assert_int_equal(mqtls_sl_transport_last_code(&t), cases[i].code);
        assert_int_equal(chip.closes, 1);
    }
}

static void setup_failures_close_the_socket(void **state)
{
    (void)state;
    mqtls_sl_transport_config_t cfg;
    mqtls_sl_transport_t t;
    chip_reset();
    chip.opt_fail_name = SL_SO_SECURE_DOMAIN_NAME_VERIFICATION;
    chip.opt_fail_rc = SL_EINVAL;
    base_config(&cfg);
    cfg.domain_name = "x";
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_sl_transport_last_code(&t), SL_EINVAL);
    assert_int_equal(chip.closes, 1);
    assert_int_equal(chip.connects, 0);
    chip_reset();
    chip.socket_rc = SL_ENSOCK;
    base_config(&cfg);
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_SOCKET);
    assert_int_equal(chip.closes, 0);
}

static void dns_failure_is_dns_whatever_its_number(void **state)
{
    (void)state;
    /* -159 is also a certificate code: the DNS call's failures are mapped apart */
    static const _i16 codes[] = { -159, -161, -163 };
    for (size_t i = 0; i < 3; i++) {
        chip_reset();
        chip.dns_rc = codes[i];
        mqtls_sl_transport_config_t cfg;
        base_config(&cfg);
        mqtls_sl_transport_t t;
        assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_DNS);
        assert_int_equal(mqtls_sl_transport_last_code(&t), codes[i]);
        assert_int_equal(chip.connects, 0);
    }
}

static void bad_arguments_are_refused_before_the_chip(void **state)
{
    (void)state;
    chip_reset();
    mqtls_sl_transport_config_t cfg;
    mqtls_sl_transport_t t;
    char longname[300];
    memset(longname, 'a', sizeof longname - 1u);
    longname[sizeof longname - 1u] = '\0';
    base_config(&cfg);
    assert_int_equal(mqtls_sl_transport_open(NULL, &cfg), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_sl_transport_open(&t, NULL), MQTLS_ERR_INVALID_ARG);
    cfg.port = 0;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_INVALID_ARG);
    base_config(&cfg);
    cfg.now_ms = NULL;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_INVALID_ARG);
    base_config(&cfg);
    cfg.host = "";
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_INVALID_ARG);
    cfg.host = longname;
    assert_int_equal(mqtls_sl_transport_open(&t, &cfg), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(chip.connects, 0);
    assert_int_equal(chip.nopts, 0);
}

/* ---- the transport contract -------------------------------------------------------- */

static void open_ok(mqtls_sl_transport_t *t, mqtls_transport_t *tr, bool with_sleep)
{
    chip_reset();
    mqtls_sl_transport_config_t cfg;
    base_config(&cfg);
    if (!with_sleep) {
        cfg.sleep_ms = NULL;
    }
    cfg.poll_ms = 4;
    assert_int_equal(mqtls_sl_transport_open(t, &cfg), MQTLS_OK);
    mqtls_sl_transport(t, tr);
}

static void send_takes_chunks_and_eagain_is_zero(void **state)
{
    (void)state;
    static uint8_t big[3000];
    mqtls_sl_transport_t t;
    mqtls_transport_t tr;
    open_ok(&t, &tr, true);
    chip.send_rc = 32767;
    assert_int_equal(tr.send(tr.ctx, big, sizeof big), (int32_t)MQTLS_SL_SEND_MAX);
    assert_int_equal(chip.last_send_len, (_i16)MQTLS_SL_SEND_MAX);
    chip.send_rc = 10;
    assert_int_equal(tr.send(tr.ctx, big, 100), 10); /* a short count */
    chip.send_rc = SL_EAGAIN;
    assert_int_equal(tr.send(tr.ctx, big, 100), 0);
    chip.send_rc = 0;
    assert_int_equal(tr.send(tr.ctx, big, 100), 0);
    assert_int_equal(mqtls_sl_transport_last_code(&t), 0); /* "try again" is no failure */
    chip.send_rc = -104;
    assert_int_equal(tr.send(tr.ctx, big, 100), MQTLS_ERR_SEND);
    assert_int_equal(mqtls_sl_transport_last_code(&t), -104);
    chip.send_rc = SL_ESECCLOSED;
    assert_int_equal(tr.send(tr.ctx, big, 100), MQTLS_ERR_CLOSED);
    tr.close(tr.ctx);
    assert_int_equal(tr.send(tr.ctx, big, 100), MQTLS_ERR_NOT_CONNECTED);
}

static void recv_zero_is_closed_and_eagain_is_zero(void **state)
{
    (void)state;
    uint8_t buf[64];
    mqtls_sl_transport_t t;
    mqtls_transport_t tr;
    open_ok(&t, &tr, true);
    chip.recv_rc = 20;
    assert_int_equal(tr.recv(tr.ctx, buf, sizeof buf), 20);
    chip.recv_rc = SL_EAGAIN;
    assert_int_equal(tr.recv(tr.ctx, buf, sizeof buf), 0);
    assert_int_equal(tr.recv(tr.ctx, buf, 0), 0);
    chip.recv_rc = 0;
    assert_int_equal(tr.recv(tr.ctx, buf, sizeof buf), MQTLS_ERR_CLOSED);
    chip.recv_rc = -342;
    assert_int_equal(tr.recv(tr.ctx, buf, sizeof buf), MQTLS_ERR_TLS_CERT_REJECTED);
    assert_int_equal(mqtls_sl_transport_last_code(&t), -342);
    chip.recv_rc = -104;
    assert_int_equal(tr.recv(tr.ctx, buf, sizeof buf), MQTLS_ERR_RECV);
    mqtls_sl_transport_close(&t);
    assert_int_equal(tr.recv(tr.ctx, buf, sizeof buf), MQTLS_ERR_NOT_CONNECTED);
}

static void wait_sleeps_at_most_poll_ms_and_only_with_a_sleep(void **state)
{
    (void)state;
    mqtls_sl_transport_t t;
    mqtls_transport_t tr;
    open_ok(&t, &tr, true);
    assert_non_null(tr.wait);
    chip.slept = 0;
    assert_int_equal(tr.wait(tr.ctx, MQTLS_WAIT_READ, 1000), 1);
    assert_int_equal(chip.slept, 4u);
    assert_int_equal(tr.wait(tr.ctx, MQTLS_WAIT_READ, 2), 1);
    assert_int_equal(chip.slept, 6u);
    assert_int_equal(tr.wait(tr.ctx, MQTLS_WAIT_READ, 0), 0);
    assert_int_equal(chip.slept, 6u);
    mqtls_sl_transport_close(&t);
    open_ok(&t, &tr, false);
    assert_null(tr.wait);
    mqtls_sl_transport_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_are_tls12_full_mask_and_verification),
        cmocka_unit_test(connect_in_progress_is_polled_until_connected),
        cmocka_unit_test(options_are_set_in_order_and_nonblocking_before_connect),
        cmocka_unit_test(no_files_no_files_option),
        cmocka_unit_test(connect_deadline_gives_timeout_and_closes),
        cmocka_unit_test(unverified_is_refused_unless_asked_and_no_ca),
        cmocka_unit_test(chip_codes_become_mqtls_errors_and_are_kept),
        cmocka_unit_test(setup_failures_close_the_socket),
        cmocka_unit_test(dns_failure_is_dns_whatever_its_number),
        cmocka_unit_test(bad_arguments_are_refused_before_the_chip),
        cmocka_unit_test(send_takes_chunks_and_eagain_is_zero),
        cmocka_unit_test(recv_zero_is_closed_and_eagain_is_zero),
        cmocka_unit_test(wait_sleeps_at_most_poll_ms_and_only_with_a_sleep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
