/* SPDX-License-Identifier: MIT
 * mqtls: the firmware's TLS layer -- mbedTLS 3.6 over the UART transport. */
/*
 * A thin driver that pumps mbedTLS over a lower mqtls_transport_t, as the
 * library's TLS layer does: the lower transport's 0 ("would block") becomes
 * MBEDTLS_ERR_SSL_WANT_READ/WRITE, the handshake waits on the lower wait()
 * with a deadline from now_ms, and the result is again an
 * mqtls_transport_t, so app.c runs unchanged over it. One connection at a
 * time, all state static (a firmware has one broker). The failure cause is
 * named with the library's TLS error codes: the verification flags first
 * (untrusted chain, dates, name), then the handshake's own error.
 */
#include "fw_tls.h"

#include <stdio.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include "mps2.h"
#include "mqtls/error.h"

static struct {
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_x509_crt ca, cert;
    mbedtls_pk_context key;
    mqtls_transport_t lower;
} s;

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    (void)ctx;
    int32_t n = s.lower.send(s.lower.ctx, buf, len);
    return n > 0 ? (int)n : n == 0 ? MBEDTLS_ERR_SSL_WANT_WRITE : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    (void)ctx;
    int32_t n = s.lower.recv(s.lower.ctx, buf, len);
    return n > 0 ? (int)n : n == 0 ? MBEDTLS_ERR_SSL_WANT_READ : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int32_t tls_send(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    int n = mbedtls_ssl_write(&s.ssl, buf, len);
    if (n == MBEDTLS_ERR_SSL_WANT_WRITE || n == MBEDTLS_ERR_SSL_WANT_READ) {
        return 0;
    }
    return n >= 0 ? (int32_t)n : MQTLS_ERR_TLS_IO;
}

static int32_t tls_recv(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    int n = mbedtls_ssl_read(&s.ssl, buf, len);
    if (n == MBEDTLS_ERR_SSL_WANT_READ || n == MBEDTLS_ERR_SSL_WANT_WRITE) {
        return 0;
    }
    if (n == 0 || n == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
        return MQTLS_ERR_TLS_ALERT; /* the broker closed the session */
    }
    return n > 0 ? (int32_t)n : MQTLS_ERR_TLS_IO;
}

static int32_t tls_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    (void)ctx;
    if ((events & MQTLS_WAIT_READ) != 0u && mbedtls_ssl_get_bytes_avail(&s.ssl) > 0u) {
        return 1;
    }
    return s.lower.wait(s.lower.ctx, events, timeout_ms);
}

/* The verification flags name the cause better than the handshake error. */
static int32_t cause(int ret)
{
    uint32_t flags = mbedtls_ssl_get_verify_result(&s.ssl);
    if (ret == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0u && flags != (uint32_t)-1) {
        if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) {
            return MQTLS_ERR_TLS_UNKNOWN_CA;
        }
        if (flags & MBEDTLS_X509_BADCERT_FUTURE) {
            return MQTLS_ERR_TLS_CERT_NOT_YET_VALID;
        }
        if (flags & MBEDTLS_X509_BADCERT_EXPIRED) {
            return MQTLS_ERR_TLS_CERT_EXPIRED;
        }
        if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) {
            return MQTLS_ERR_TLS_HOSTNAME_MISMATCH;
        }
        return MQTLS_ERR_TLS_VERIFY_FAILED;
    }
    switch (ret) {
    case MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE:
        return MQTLS_ERR_TLS_ALERT;
    case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
    case MBEDTLS_ERR_SSL_CONN_EOF:
        return MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE;
    case MBEDTLS_ERR_SSL_ALLOC_FAILED:
        return MQTLS_ERR_NO_MEMORY;
    default:
        return MQTLS_ERR_TLS_HANDSHAKE;
    }
}

static int32_t setup(const fw_tls_creds_t *c)
{
    static const char pers[] = "mqtls-mps2";
    if (mbedtls_ctr_drbg_seed(&s.drbg, mqtls_mps2_test_entropy, NULL, (const unsigned char *)pers,
                              sizeof pers - 1u) != 0) {
        return MQTLS_ERR_TLS_BAD_CONFIG;
    }
    if (mbedtls_x509_crt_parse(&s.ca, c->ca, c->ca_len) != 0) {
        return MQTLS_ERR_TLS_BAD_CA_FILE;
    }
    if (mbedtls_x509_crt_parse(&s.cert, c->cert, c->cert_len) != 0) {
        return MQTLS_ERR_TLS_BAD_CERT_FILE;
    }
    if (mbedtls_pk_parse_key(&s.key, c->key, c->key_len, NULL, 0, mbedtls_ctr_drbg_random, &s.drbg) != 0) {
        return MQTLS_ERR_TLS_BAD_KEY_FILE;
    }
    if (mbedtls_ssl_config_defaults(&s.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        return MQTLS_ERR_TLS_BAD_CONFIG;
    }
    mbedtls_ssl_conf_authmode(&s.conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&s.conf, &s.ca, NULL);
    mbedtls_ssl_conf_rng(&s.conf, mbedtls_ctr_drbg_random, &s.drbg);
    if (mbedtls_ssl_conf_own_cert(&s.conf, &s.cert, &s.key) != 0) {
        return MQTLS_ERR_TLS_KEY_MISMATCH;
    }
    if (mbedtls_ssl_setup(&s.ssl, &s.conf) != 0 || mbedtls_ssl_set_hostname(&s.ssl, c->server_name) != 0) {
        return MQTLS_ERR_NO_MEMORY;
    }
    mbedtls_ssl_set_bio(&s.ssl, NULL, bio_send, bio_recv, NULL);
    return MQTLS_OK;
}

/* see fw_tls.h */
int32_t fw_tls_connect(const mqtls_transport_t *lower, const fw_tls_creds_t *creds, uint32_t timeout_ms,
                       mqtls_transport_t *out)
{
    mbedtls_ssl_init(&s.ssl);
    mbedtls_ssl_config_init(&s.conf);
    mbedtls_ctr_drbg_init(&s.drbg);
    mbedtls_x509_crt_init(&s.ca);
    mbedtls_x509_crt_init(&s.cert);
    mbedtls_pk_init(&s.key);
    s.lower = *lower;
    int32_t rc = setup(creds);
    if (rc != MQTLS_OK) {
        return rc;
    }
    uint32_t t0 = mqtls_mps2_now_ms(NULL);
    int ret;
    while ((ret = mbedtls_ssl_handshake(&s.ssl)) != 0) {
        if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            return cause(ret);
        }
        uint32_t spent = mqtls_mps2_now_ms(NULL) - t0;
        if (spent >= timeout_ms) {
            return MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT;
        }
        (void)s.lower.wait(s.lower.ctx, ret == MBEDTLS_ERR_SSL_WANT_READ ? MQTLS_WAIT_READ : MQTLS_WAIT_WRITE,
                           timeout_ms - spent);
    }
    printf("fw: TLS handshake done in %lu ms: %s, %s\n", (unsigned long)(mqtls_mps2_now_ms(NULL) - t0),
           mbedtls_ssl_get_version(&s.ssl), mbedtls_ssl_get_ciphersuite(&s.ssl));
    out->ctx = NULL;
    out->send = tls_send;
    out->recv = tls_recv;
    out->wait = tls_wait;
    out->close = NULL;
    return MQTLS_OK;
}

/* see fw_tls.h */
void fw_tls_close(void)
{
    (void)mbedtls_ssl_close_notify(&s.ssl);
    mbedtls_ssl_free(&s.ssl);
    mbedtls_ssl_config_free(&s.conf);
    mbedtls_x509_crt_free(&s.ca);
    mbedtls_x509_crt_free(&s.cert);
    mbedtls_pk_free(&s.key);
    mbedtls_ctr_drbg_free(&s.drbg);
}
