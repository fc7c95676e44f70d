/* SPDX-License-Identifier: MIT
 * mqtls bench: a fleet of MQTT devices, mutual TLS each, from one process. */
/*
 * What emqtt-bench is used for, with the side nobody's bench has: every
 * simulated device can have its own key and certificate, issued on the fly
 * by a development CA (--ca-cert/--ca-key) or read from per-device files
 * (--cert 'dev%i.crt'), so a broker's per-device authentication is
 * exercised as a real fleet would exercise it.
 *
 * It uses the public API only -- one mqtls_client_t, one TCP socket and one
 * TLS session per device, each with its own buffers -- so its figures are
 * what a user's gateway would see, and the memory it reports per session is
 * what such a gateway pays.
 *
 * Shape: up to --connect-concurrency devices connect at a time (TCP,
 * TLS handshake, CONNACK: each step timed), optionally paced by
 * --connrate; then every connected device lives on one epoll loop, no
 * thread per device. The connects proceed together on an epoll set of
 * their own, each a small state machine (PH_TCP, PH_TLS, PH_MQTT) stepped
 * on readiness with the library's own steps: mqtls_tcp_connect_start()/
 * _step(), mqtls_tls_handshake_start()/_step(), and
 * mqtls_client_connect_start() with mqtls_client_loop() for the CONNACK,
 * so no device's wait holds up another's work and the broker's share of one
 * connect overlaps ours of another. (Until the TCP connect and the CONNACK
 * were steps too, one device waiting for its CONNACK stopped every
 * handshake, and K did not raise the rate: bench/README.md.) The
 * subscription of sub / -S stays the blocking call, after the CONNACK.
 * Rejected: a thread per device (the thing this tool exists to avoid) and
 * a home-made asynchronous handshake or CONNECT beside the library's (it
 * would measure code users never run).
 *
 * Latencies go into log-linear histograms (bench_hist.h) that add exactly
 * across runs: `mqtls bench merge a.json b.json` combines several instances
 * run with disjoint --start ranges, which is how a fleet larger than one
 * machine is simulated.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench_hist.h"
#include "common.h"
#include "mqtls/cred.h"
#include "mqtls/mqtls.h"
#include "mqtls/tcp.h"
#include "mqtls/tls.h"

enum { MODE_CONN, MODE_PUB, MODE_SUB };
enum { PH_NONE, PH_TCP, PH_TLS, PH_MQTT }; /* a device's connect: the step it is in */
enum { H_TCP, H_HANDSHAKE, H_CONNACK, H_CONNECT, H_PUBACK, H_RECV, H_HS_FULL, H_HS_RESUMED, H_N };
static const char *const hist_names[H_N] = {"tcp",     "handshake", "connack",        "connect",
                                            "pub_ack", "pub_recv",  "handshake_full", "handshake_resumed"};

#define MAX_WINDOW 256u
#define MAX_CAUSES 64u
#define PAYLOAD_MAGIC "MQB1"
#define PAYLOAD_HDR 12u /* magic + 8-byte CLOCK_REALTIME microseconds */

typedef struct {
    int mode;
    const char *host;
    uint16_t port;
    bool port_set;
    unsigned clients;
    unsigned start;
    const char *id_tmpl;
    const char *topic_tmpl;
    int qos;
    size_t size;
    double rate;      /* messages per second per device; 0: as fast as the window allows */
    unsigned count;   /* messages per device; 0: until the duration ends */
    double duration;  /* seconds; 0: pub until count, conn: connect and leave */
    unsigned window;
    uint8_t version;
    double connrate;  /* connections per second; 0: as fast as they go */
    unsigned concurrency; /* connects (TCP, TLS, CONNACK) in progress at once */
    uint32_t timeout_ms;
    uint16_t keepalive;
    bool self_sub;    /* pub: every device subscribes to its own topic */
    bool tls;
    mqtls_tls_engine_t engine;
    const char *cafile;
    const char *cert_tmpl;
    const char *key_tmpl;
    const char *ca_cert;
    const char *ca_key;
    mqtls_cred_key_type_t key_type;
    bool insecure;
    bool json;
    bool quiet;
    unsigned reconnect; /* conn: disconnect and reconnect every device this many times */
} bopts_t;

typedef struct {
    uint16_t id;
    uint64_t t_us;
} pend_t;

typedef struct bench bench_t;

typedef struct {
    bench_t *b;
    unsigned idx;
    char id[64];
    char topic[160];
    mqtls_tcp_t tcp;
    mqtls_tls_t *tls;
    mqtls_tls_session_t *sess; /* saved at the last disconnect, offered at the next handshake */
    mqtls_transport_t tr;
    mqtls_client_t c;
    uint8_t *mem; /* tx, rx and the store arena in one allocation */
    mqtls_inflight_t out[MAX_WINDOW];
    uint16_t in_ids[MAX_WINDOW]; /* incoming QoS 2 awaiting PUBREL (-S at QoS 2) */
    mqtls_memstore_t ms;
    mqtls_msgstore_t store;
    uint8_t *key_pem, *cert_pem;
    size_t key_len, cert_len;
    bool up;
    /* connect phase: the step under way (PH_NONE outside it), whether its
     * socket is on the phase's epoll set, the steps' start times */
    uint8_t phase;
    bool watched;
    uint64_t t_tcp_us, t_tls_us, t_mqtt_us, deadline_us;
    uint64_t sent, acked, recvd;
    uint64_t next_pub_us;
    pend_t pend[MAX_WINDOW];
    unsigned npend;
} device_t;

typedef struct {
    char name[48];
    int32_t err; /* 0 when read back from JSON (merge) */
    uint64_t n;
} cause_t;

struct bench {
    bopts_t o;
    device_t *dev;
    bench_hist_t h[H_N];
    cause_t causes[MAX_CAUSES];
    unsigned ncauses;
    uint64_t connected, failed, lost;
    unsigned connack_waits, connack_waits_max; /* devices between CONNECT and CONNACK: now, the most at once */
    uint64_t reconnected, resumed;             /* --reconnect: connections after the first, resumed handshakes */
    uint64_t sent, acked, recvd;
    uint64_t t_start_us, t_conn_done_us, t_end_us;
    long rss_before_kb, rss_after_kb;
    uint8_t *ca_cert_buf, *ca_key_buf;
    size_t ca_cert_len, ca_key_len;
    int ep;
    uint8_t *payload;
};

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t real_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f == NULL)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

/* One count per device and cause: the errors table of the summary. */
static void add_cause(bench_t *b, const char *name, int32_t err, uint64_t n)
{
    for (unsigned i = 0; i < b->ncauses; i++) {
        if (strcmp(b->causes[i].name, name) == 0) {
            b->causes[i].n += n;
            return;
        }
    }
    if (b->ncauses < MAX_CAUSES) {
        cause_t *c = &b->causes[b->ncauses++];
        snprintf(c->name, sizeof c->name, "%s", name);
        c->err = err;
        c->n = n;
    }
}

static void count_cause(bench_t *b, int32_t err)
{
    add_cause(b, mqtls_errname(err), err, 1);
}

/* Reported by mqtls_client_loop() with the connection still up. */
static bool nonfatal(int32_t rc)
{
    return rc == MQTLS_ERR_MESSAGE_TOO_LARGE || rc == MQTLS_ERR_PUBLISH_REFUSED || rc == MQTLS_ERR_QOS_NOT_SUPPORTED ||
           rc == MQTLS_ERR_RETAIN_NOT_SUPPORTED || rc == MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER;
}

/* "%i" in a template becomes the device number; "%%" a percent sign. */
static bool expand(const char *tmpl, unsigned n, char *out, size_t len)
{
    size_t o = 0;
    for (const char *p = tmpl; *p != '\0'; p++) {
        char num[16];
        const char *piece = p;
        size_t plen = 1;
        if (p[0] == '%' && p[1] == 'i') {
            snprintf(num, sizeof num, "%u", n);
            piece = num;
            plen = strlen(num);
            p++;
        } else if (p[0] == '%' && p[1] == '%') {
            p++;
        }
        if (o + plen >= len)
            return false;
        memcpy(out + o, piece, plen);
        o += plen;
    }
    out[o] = '\0';
    return true;
}

/* ---- the per-device client ------------------------------------------------------ */

static size_t rx_len(const bopts_t *o)
{
    size_t n = o->size + 256u + 32u;
    return n < 1024u ? 1024u : n;
}

static void on_message(void *user, const mqtls_message_t *msg)
{
    device_t *d = user;
    d->recvd++;
    d->b->recvd++;
    if (msg->payload_len >= PAYLOAD_HDR && memcmp(msg->payload, PAYLOAD_MAGIC, 4) == 0) {
        uint64_t t = 0;
        for (unsigned i = 0; i < 8; i++)
            t = (t << 8) | msg->payload[4 + i];
        uint64_t now = real_us();
        bh_add(&d->b->h[H_RECV], now > t ? now - t : 0);
    }
}

static int32_t dev_init_client(device_t *d)
{
    const bopts_t *o = &d->b->o;
    size_t rl = rx_len(o), tl = rl, al = (size_t)o->window * (rl + 8u) + 64u;
    d->mem = malloc(rl + tl + al);
    if (d->mem == NULL)
        return MQTLS_ERR_NO_MEMORY;
    int32_t rc = mqtls_memstore_init(&d->ms, d->mem + rl + tl, al, &d->store);
    if (rc != MQTLS_OK)
        return rc;
    mqtls_client_config_t cfg = {
        .tx_buf = d->mem, .tx_len = tl, .rx_buf = d->mem + tl, .rx_len = rl,
        .outbound = d->out, .outbound_count = o->window, .store = &d->store,
        .inbound_ids = d->in_ids, .inbound_count = MAX_WINDOW,
        .now_ms = mqtls_posix_now_ms, .on_message = on_message, .user = d,
    };
    return mqtls_client_init(&d->c, &cfg);
}

static void dev_close(device_t *d)
{
    mqtls_tcp_close(&d->tcp);
    mqtls_tls_free(d->tls);
    d->tls = NULL;
    d->up = false;
}

static int32_t dev_tls_setup(device_t *d)
{
    const bopts_t *o = &d->b->o;
    mqtls_tls_config_t cfg;
    char certf[512], keyf[512];
    mqtls_tls_config_init(&cfg);
    cfg.ca_file = o->cafile;
    cfg.insecure = o->insecure;
    cfg.resume = d->sess;
    if (d->cert_pem != NULL) {
        cfg.cert_data = d->cert_pem;
        cfg.cert_len = d->cert_len + 1u; /* PEM with its NUL, as mbedTLS parses it */
        cfg.key_data = d->key_pem;
        cfg.key_len = d->key_len + 1u;
    } else if (o->cert_tmpl != NULL) {
        if (!expand(o->cert_tmpl, d->idx, certf, sizeof certf) || !expand(o->key_tmpl, d->idx, keyf, sizeof keyf))
            return MQTLS_ERR_INVALID_ARG;
        cfg.cert_file = certf;
        cfg.key_file = keyf;
    }
    return mqtls_tls_new(&d->tls, o->engine, &cfg, NULL);
}

/* A handshake's latency: a full one, or one that resumed the session saved
 * at the last disconnect (--reconnect), also apart. */
static void note_handshake(device_t *d, uint64_t us)
{
    bool resumed = mqtls_tls_get_report(d->tls)->resumed;
    bh_add(&d->b->h[H_HANDSHAKE], us);
    bh_add(&d->b->h[resumed ? H_HS_RESUMED : H_HS_FULL], us);
    d->b->resumed += resumed;
}

/* The CONNACK is in: the steps' times, the subscription; the device is up. */
static int32_t dev_up(device_t *d)
{
    bench_t *b = d->b;
    const bopts_t *o = &b->o;
    uint64_t t3 = mono_us();
    bh_add(&b->h[H_TCP], d->t_tls_us - d->t_tcp_us);
    if (o->tls)
        note_handshake(d, d->t_mqtt_us - d->t_tls_us);
    bh_add(&b->h[H_CONNACK], t3 - d->t_mqtt_us);
    bh_add(&b->h[H_CONNECT], t3 - d->t_tcp_us);
    if (o->mode == MODE_SUB || o->self_sub) {
        mqtls_subscription_t s = { .filter = d->topic, .filter_len = strlen(d->topic), .qos = (uint8_t)o->qos };
        int32_t rc = mqtls_client_subscribe(&d->c, &s, 1, NULL, NULL, o->timeout_ms);
        if (rc != MQTLS_OK)
            return rc;
    }
    d->up = true;
    return MQTLS_OK;
}

/* CONNECT over d->tr; the CONNACK comes to dev_step(). */
static int32_t dev_mqtt_start(device_t *d)
{
    const bopts_t *o = &d->b->o;
    mqtls_connect_t m = {.protocol_version = o->version,
                         .clean_session = true,
                         .keepalive_s = o->keepalive,
                         .client_id = d->id,
                         .client_id_len = strlen(d->id)};
    d->t_mqtt_us = mono_us();
    int32_t rc = mqtls_client_connect_start(&d->c, &d->tr, &m, o->timeout_ms);
    if (rc != MQTLS_OK)
        return rc;
    d->phase = PH_MQTT;
    if (++d->b->connack_waits > d->b->connack_waits_max)
        d->b->connack_waits_max = d->b->connack_waits;
    return MQTLS_ERR_WANT_READ;
}

static int32_t dev_step(device_t *d);

static bool wants(int32_t rc)
{
    return rc == MQTLS_ERR_WANT_READ || rc == MQTLS_ERR_WANT_WRITE;
}

/* TCP is up: the handshake's first step, or without TLS the CONNECT. */
static int32_t dev_tls_start(device_t *d)
{
    const bopts_t *o = &d->b->o;
    d->t_tls_us = mono_us();
    mqtls_tcp_transport(&d->tcp, &d->tr);
    if (!o->tls)
        return dev_mqtt_start(d);
    d->phase = PH_TLS;
    d->deadline_us = d->t_tls_us + (uint64_t)o->timeout_ms * 1000u;
    int32_t rc = mqtls_tls_handshake_start(d->tls, &d->tr, o->host);
    return rc != MQTLS_OK ? rc : dev_step(d);
}

/* One step of the device's connect (TCP, TLS handshake or CONNACK), going
 * on to the next as each ends. MQTLS_ERR_WANT_READ/WRITE: it waits for its
 * socket; MQTLS_OK: up. */
static int32_t dev_step(device_t *d)
{
    int32_t rc;
    if (d->phase == PH_TCP) {
        rc = mqtls_tcp_connect_step(&d->tcp);
        return rc == MQTLS_OK ? dev_tls_start(d) : rc;
    }
    if (d->phase == PH_TLS) {
        rc = mqtls_tls_handshake_step(d->tls);
        if (rc == MQTLS_OK) {
            mqtls_tls_transport(d->tls, &d->tr);
            return dev_mqtt_start(d);
        }
        if (wants(rc) && mono_us() >= d->deadline_us)
            return MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT;
        return rc;
    }
    rc = mqtls_client_loop(&d->c, 0); /* PH_MQTT: the client keeps the CONNACK's deadline */
    if (rc != MQTLS_OK)
        return rc;
    return mqtls_client_is_connected(&d->c) ? dev_up(d) : MQTLS_ERR_WANT_READ;
}

/* Start the device's connect with a non-blocking TCP connect
 * (MQTLS_ERR_WANT_*: it goes on in dev_step()). */
static int32_t dev_begin(device_t *d)
{
    const bopts_t *o = &d->b->o;
    int32_t rc = dev_init_client(d);
    if (rc != MQTLS_OK)
        return rc;
    mqtls_tcp_init(&d->tcp);
    if (o->tls && (rc = dev_tls_setup(d)) != MQTLS_OK)
        return rc;
    d->t_tcp_us = mono_us();
    d->phase = PH_TCP;
    rc = mqtls_tcp_connect_start(&d->tcp, o->host, o->port, o->timeout_ms);
    return rc == MQTLS_OK ? dev_tls_start(d) : rc;
}

/* A device whose connection failed or was lost: counted once by cause. */
static void dev_fail(device_t *d, int32_t err, bool lost)
{
    if (lost) {
        d->b->lost++;
        epoll_ctl(d->b->ep, EPOLL_CTL_DEL, mqtls_tcp_fd(&d->tcp), NULL);
    } else {
        d->b->failed++;
    }
    count_cause(d->b, err);
    dev_close(d);
}

/* Acknowledged since the last look: the window entries no longer in flight. */
static void dev_reap(device_t *d)
{
    uint64_t now = 0;
    unsigned k = 0;
    for (unsigned i = 0; i < d->npend; i++) {
        if (mqtls_client_in_flight(&d->c, d->pend[i].id)) {
            d->pend[k++] = d->pend[i];
            continue;
        }
        if (now == 0)
            now = mono_us();
        bh_add(&d->b->h[H_PUBACK], now - d->pend[i].t_us);
        d->acked++;
        d->b->acked++;
    }
    d->npend = k;
}

static int32_t dev_loop(device_t *d)
{
    int32_t rc = mqtls_client_loop(&d->c, 0);
    if (nonfatal(rc))
        rc = MQTLS_OK;
    if (rc == MQTLS_OK && d->npend > 0)
        dev_reap(d);
    return rc;
}

/* Publish what is due: by the rate, or while the window has room. */
static int32_t dev_publish(device_t *d, uint64_t now)
{
    bench_t *b = d->b;
    const bopts_t *o = &b->o;
    while (o->count == 0 || d->sent < o->count) {
        if (o->rate > 0 && now < d->next_pub_us)
            return MQTLS_OK;
        if (o->qos > 0 && d->npend >= o->window)
            return MQTLS_OK;
        if (o->size >= PAYLOAD_HDR) {
            uint64_t t = real_us();
            memcpy(b->payload, PAYLOAD_MAGIC, 4);
            for (unsigned i = 0; i < 8; i++)
                b->payload[4 + i] = (uint8_t)(t >> (56 - 8 * i));
        }
        mqtls_publish_t m = { .topic = d->topic, .topic_len = strlen(d->topic), .payload = b->payload,
                              .payload_len = o->size, .qos = (uint8_t)o->qos };
        uint16_t id = 0;
        uint64_t t0 = mono_us();
        int32_t rc = mqtls_client_publish(&d->c, &m, &id);
        if (rc == MQTLS_ERR_WANT_WRITE || rc == MQTLS_ERR_INFLIGHT_FULL || rc == MQTLS_ERR_STORE_FULL)
            return MQTLS_OK; /* the window or the socket is full: later */
        if (rc != MQTLS_OK)
            return rc;
        d->sent++;
        b->sent++;
        if (o->qos > 0)
            d->pend[d->npend++] = (pend_t){ id, t0 };
        if (o->rate > 0) {
            uint64_t step = (uint64_t)(1e6 / o->rate);
            d->next_pub_us = d->next_pub_us + step < now ? now + step : d->next_pub_us + step;
        }
    }
    return MQTLS_OK;
}

/* ---- identities --------------------------------------------------------------- */

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    if (cli_read_all(path, buf, len) != 0) {
        fprintf(stderr, "mqtls bench: cannot read %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* A key and a certificate (CN = the device's id) for every device. */
static int issue_identities(bench_t *b)
{
#if !MQTLS_WITH_CRED
    (void)b;
    fprintf(stderr, "mqtls bench: --ca-cert/--ca-key need the credentials toolkit (MQTLS_WITH_CRED=ON)\n");
    return CLI_EXIT_USAGE;
#else
    if (read_file(b->o.ca_cert, &b->ca_cert_buf, &b->ca_cert_len) != 0 ||
        read_file(b->o.ca_key, &b->ca_key_buf, &b->ca_key_len) != 0)
        return CLI_EXIT_USAGE;
    for (unsigned i = 0; i < b->o.clients && !g_stop; i++) {
        device_t *d = &b->dev[i];
        char why[256] = "";
        int32_t rc = mqtls_cred_key_gen(b->o.key_type, &d->key_pem, &d->key_len);
        mqtls_cred_name_t name = { .cn = d->id, .org = NULL, .san = NULL };
        if (rc == MQTLS_OK)
            rc = mqtls_cred_issue(MQTLS_CRED_ISSUE_CLIENT, d->key_pem, d->key_len + 1u, &name, 2, b->ca_cert_buf,
                                  b->ca_cert_len, b->ca_key_buf, b->ca_key_len, &d->cert_pem, &d->cert_len, why,
                                  sizeof why);
        if (rc != MQTLS_OK) {
            fprintf(stderr, "mqtls bench: cannot issue a certificate for %s: %s%s%s\n", d->id, mqtls_strerror(rc),
                    why[0] ? ": " : "", why);
            return CLI_EXIT_USAGE;
        }
    }
    return CLI_EXIT_OK;
#endif
}

/* ---- the run ------------------------------------------------------------------- */

static void progress(const bench_t *b, uint64_t now, bool final)
{
    if (b->o.quiet || b->o.json || !isatty(2))
        return;
    double s = (double)(now - b->t_start_us) / 1e6;
    fprintf(stderr, "\r%7.1f s  connected %" PRIu64 "/%u  failed %" PRIu64 "  lost %" PRIu64 "  sent %" PRIu64
                    "  acked %" PRIu64 "  received %" PRIu64 "   ",
            s, b->connected, b->o.clients, b->failed, b->lost, b->sent, b->acked, b->recvd);
    if (final)
        fputc('\n', stderr);
}

/* A device's connect waits on the connect phase's epoll set for what its
 * last step asked. The socket may be a new one (TCP went on to the next
 * address, the old socket closed and so off the set): then it is added. */
static int hs_watch(int hs, device_t *d, int32_t want)
{
    struct epoll_event ev = {.events = want == MQTLS_ERR_WANT_WRITE ? EPOLLOUT : EPOLLIN, .data.ptr = d};
    int fd = mqtls_tcp_fd(&d->tcp);
    if (d->watched && epoll_ctl(hs, EPOLL_CTL_MOD, fd, &ev) == 0)
        return 0;
    d->watched = true;
    return epoll_ctl(hs, EPOLL_CTL_ADD, fd, &ev);
}

/* The end of a device's connect: up and on the run loop's set, or failed. */
static void connect_done(bench_t *b, device_t *d, int32_t rc)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = d};
    if (rc == MQTLS_OK && epoll_ctl(b->ep, EPOLL_CTL_ADD, mqtls_tcp_fd(&d->tcp), &ev) != 0)
        rc = MQTLS_ERR_SOCKET;
    if (rc != MQTLS_OK) {
        d->up = false;
        dev_fail(d, rc, false);
        return;
    }
    b->connected++;
}

/* The result of a device's connect step: still waiting (watched), or the
 * end of its connect; returns whether it ended. */
static bool hs_result(bench_t *b, int hs, device_t *d, int32_t rc)
{
    if (wants(rc) && hs_watch(hs, d, rc) == 0)
        return false;
    if (d->watched)
        epoll_ctl(hs, EPOLL_CTL_DEL, mqtls_tcp_fd(&d->tcp), NULL);
    d->watched = false;
    if (d->phase == PH_MQTT)
        b->connack_waits--;
    d->phase = PH_NONE;
    connect_done(b, d, wants(rc) ? MQTLS_ERR_SOCKET : rc);
    return true;
}

static int connect_all(bench_t *b)
{
    const bopts_t *o = &b->o;
    uint64_t next = mono_us(), last_print = 0, last_sweep = mono_us();
    unsigned i = 0, active = 0;
    int hs = epoll_create1(EPOLL_CLOEXEC);
    if (hs < 0)
        return CLI_EXIT_CONNECT;
    while (!g_stop && (i < o->clients || active > 0)) {
        uint64_t now = mono_us();
        while (i < o->clients && active < o->concurrency && (o->connrate <= 0 || now >= next)) {
            device_t *d = &b->dev[i++];
            if (o->connrate > 0)
                next += (uint64_t)(1e6 / o->connrate);
            if (!hs_result(b, hs, d, dev_begin(d)))
                active++;
            now = mono_us();
        }
        struct epoll_event evs[64];
        int wait_ms = i < o->clients && o->connrate > 0 && next > now ? (int)((next - now) / 1000u) : 5;
        int n = epoll_wait(hs, evs, 64, wait_ms < 5 ? wait_ms : 5);
        for (int k = 0; k < n; k++) {
            device_t *d = evs[k].data.ptr;
            if (hs_result(b, hs, d, dev_step(d)))
                active--;
        }
        /* Every 10 ms every connect under way is stepped once: its
         * deadline, and bytes an engine holds that epoll cannot see. */
        now = mono_us();
        if (now - last_sweep > 10000u) {
            for (unsigned j = 0; j < i; j++)
                if (b->dev[j].phase != PH_NONE && hs_result(b, hs, &b->dev[j], dev_step(&b->dev[j])))
                    active--;
            last_sweep = now;
        }
        if (now - last_print > 200000u) {
            progress(b, now, false);
            last_print = now;
        }
    }
    for (unsigned j = 0; j < i; j++) /* interrupted: what is half-way is closed */
        if (b->dev[j].phase != PH_NONE) {
            b->dev[j].phase = PH_NONE;
            dev_close(&b->dev[j]);
        }
    close(hs);
    return CLI_EXIT_OK;
}

/*
 * --reconnect N: every device that is up saves its TLS session (the CONNACK
 * has been read, so TLS 1.3 tickets are in), disconnects, and the fleet
 * connects again as it did the first time, offering the saved sessions.
 * A device that failed tries again, with a full handshake. The first
 * connect's counts and rate stay those of the summary; these rounds add
 * `reconnects` and `resumed`, and the handshake latencies split into
 * handshake_full and handshake_resumed.
 */
static void reconnect_all(bench_t *b)
{
    for (unsigned r = 0; r < b->o.reconnect && !g_stop; r++) {
        for (unsigned i = 0; i < b->o.clients; i++) {
            device_t *d = &b->dev[i];
            mqtls_tls_session_free(d->sess);
            d->sess = NULL;
            if (d->up && d->tls != NULL)
                (void)mqtls_tls_session_save(d->tls, &d->sess); /* none: a full handshake next */
            if (d->up) {
                (void)mqtls_client_disconnect(&d->c, NULL);
                dev_close(d);
            }
            free(d->mem); /* dev_begin() makes the client again */
            d->mem = NULL;
        }
        uint64_t first = b->connected;
        b->connected = 0;
        connect_all(b);
        b->reconnected += b->connected;
        b->connected = first;
    }
}

static bool run_done(const bench_t *b, uint64_t now, uint64_t t_run)
{
    const bopts_t *o = &b->o;
    if (g_stop)
        return true;
    if (o->duration > 0)
        return now - t_run >= (uint64_t)(o->duration * 1e6);
    if (o->mode != MODE_PUB)
        return true; /* conn / sub without a duration: connect and leave */
    for (unsigned i = 0; i < o->clients; i++) {
        const device_t *d = &b->dev[i];
        if (d->up && (d->sent < o->count || d->npend > 0))
            return false;
    }
    return true;
}

static void service(bench_t *b, device_t *d, uint64_t now)
{
    int32_t rc = dev_loop(d);
    if (rc == MQTLS_OK && b->o.mode == MODE_PUB)
        rc = dev_publish(d, now);
    if (rc != MQTLS_OK)
        dev_fail(d, rc, true);
}

static void run_loop(bench_t *b)
{
    struct epoll_event evs[256];
    uint64_t t_run = mono_us(), last_sweep = 0, last_print = 0;
    for (;;) {
        uint64_t now = mono_us();
        if (run_done(b, now, t_run))
            break;
        /* Every device is looked at every 10 ms: publishes that are due,
         * keepalive, and bytes a TLS engine holds decrypted but epoll
         * cannot see. Between sweeps only readable sockets are served. */
        if (now - last_sweep >= 10000u) {
            for (unsigned i = 0; i < b->o.clients; i++)
                if (b->dev[i].up)
                    service(b, &b->dev[i], now);
            last_sweep = now;
        }
        int n = epoll_wait(b->ep, evs, 256, 5);
        now = mono_us();
        for (int k = 0; k < n; k++) {
            device_t *d = evs[k].data.ptr;
            if (d->up)
                service(b, d, now);
        }
        if (now - last_print > 500000u) {
            progress(b, now, false);
            last_print = now;
        }
    }
}

static void disconnect_all(bench_t *b)
{
    for (unsigned i = 0; i < b->o.clients; i++) {
        device_t *d = &b->dev[i];
        if (d->up) {
            (void)mqtls_client_disconnect(&d->c, NULL);
            dev_close(d);
        }
        free(d->mem);
        mqtls_tls_session_free(d->sess);
        free(d->key_pem);
        free(d->cert_pem);
    }
}

/* ---- output -------------------------------------------------------------------- */

static const char *mode_name(int m)
{
    return m == MODE_CONN ? "conn" : m == MODE_PUB ? "pub" : "sub";
}

static double rate(uint64_t n, uint64_t us)
{
    return us > 0 ? (double)n * 1e6 / (double)us : 0.0;
}

/* The totals a summary reports: one run's, or several runs' added up by
 * `bench merge`. Both print through write_json(), so the two outputs cannot
 * drift apart (merge reads back what a run wrote). */
typedef struct {
    uint64_t clients;
    double connect_s, run_s, conn_per_s, pub_per_s, recv_per_s;
    long rss_per_session; /* < 0: not reported (merge) */
} totals_t;

/* head: the fields that tell a run from a merge, already formatted, each
 * followed by a comma. */
static void write_json(const bench_t *b, const char *head, const totals_t *t, FILE *out)
{
    fprintf(out,
            "{\"mqtls_bench\":1,%s\"clients\":%" PRIu64 ",\"connected\":%" PRIu64 ",\"failed\":%" PRIu64
            ",\"lost\":%" PRIu64 ",\"reconnects\":%" PRIu64 ",\"resumed\":%" PRIu64 ",\"sent\":%" PRIu64
            ",\"acked\":%" PRIu64 ",\"received\":%" PRIu64
            ",\"connect_s\":%.3f,\"run_s\":%.3f,\"conn_per_s\":%.1f,\"pub_per_s\":%.1f,\"recv_per_s\":%.1f,",
            head, t->clients, b->connected, b->failed, b->lost, b->reconnected, b->resumed, b->sent, b->acked, b->recvd,
            t->connect_s, t->run_s, t->conn_per_s, t->pub_per_s, t->recv_per_s);
    if (t->rss_per_session >= 0)
        fprintf(out, "\"rss_per_session_bytes\":%ld,", t->rss_per_session);
    fputs("\"errors\":{", out);
    for (unsigned i = 0; i < b->ncauses; i++)
        fprintf(out, "%s\"%s\":%" PRIu64, i ? "," : "", b->causes[i].name, b->causes[i].n);
    fputs("},\"latency\":{", out);
    for (unsigned i = 0; i < H_N; i++) {
        fprintf(out, "%s\"%s\":", i ? "," : "", hist_names[i]);
        bh_json(&b->h[i], out);
    }
    fputs("}}\n", out);
}

static void print_json(const bench_t *b, FILE *out)
{
    const bopts_t *o = &b->o;
    uint64_t conn_us = b->t_conn_done_us - b->t_start_us, run_us = b->t_end_us - b->t_conn_done_us;
    char head[256];
    snprintf(head, sizeof head,
             "\"mode\":\"%s\",\"start\":%u,\"connect_concurrency\":%u,\"connack_waits_max\":%u,\"qos\":%d,"
             "\"size\":%zu,\"tls\":%s,\"engine\":\"%s\",",
             mode_name(o->mode), o->start, o->concurrency, b->connack_waits_max, o->qos, o->size,
             o->tls ? "true" : "false", o->tls ? mqtls_tls_engine_name(o->engine) : "");
    totals_t t = {o->clients,
                  (double)conn_us / 1e6,
                  (double)run_us / 1e6,
                  rate(b->connected, conn_us),
                  rate(b->sent, run_us),
                  rate(b->recvd, run_us),
                  0};
    if (b->connected > 0 && b->rss_after_kb > b->rss_before_kb)
        t.rss_per_session = (b->rss_after_kb - b->rss_before_kb) * 1024L / (long)b->connected;
    write_json(b, head, &t, out);
}

static void print_hist_line(const char *label, const bench_hist_t *h)
{
    if (h->count == 0)
        return;
    printf("  %-17s %8" PRIu64 "  p50 %8.3f  p90 %8.3f  p99 %8.3f  p99.9 %8.3f  max %8.3f ms\n", label, h->count,
           (double)bh_percentile(h, 50) / 1e3, (double)bh_percentile(h, 90) / 1e3, (double)bh_percentile(h, 99) / 1e3,
           (double)bh_percentile(h, 99.9) / 1e3, (double)h->max_us / 1e3);
}

static void print_text(const bench_t *b)
{
    const bopts_t *o = &b->o;
    uint64_t conn_us = b->t_conn_done_us - b->t_start_us, run_us = b->t_end_us - b->t_conn_done_us;
    printf("mqtls bench %s: %u devices%s, MQTT %s, QoS %d, %zu-byte payloads\n", mode_name(o->mode), o->clients,
           o->tls ? (o->ca_key || o->cert_tmpl ? ", mutual TLS (one certificate each)" : ", TLS") : "",
           o->version == MQTLS_PROTO_V5 ? "5.0" : "3.1.1", o->qos, o->size);
    printf("  connected  %" PRIu64 " in %.2f s (%.1f/s), failed %" PRIu64 ", lost later %" PRIu64 "\n", b->connected,
           (double)conn_us / 1e6, rate(b->connected, conn_us), b->failed, b->lost);
    if (o->mode != MODE_CONN)
        printf("  messages   sent %" PRIu64 " (%.0f/s), acknowledged %" PRIu64 ", received %" PRIu64
               " (%.0f/s) in %.2f s\n",
               b->sent, rate(b->sent, run_us), b->acked, b->recvd, rate(b->recvd, run_us), (double)run_us / 1e6);
    if (o->reconnect > 0)
        printf("  reconnects %" PRIu64 " (%u rounds), TLS sessions resumed %" PRIu64 " of %" PRIu64 " handshakes\n",
               b->reconnected, o->reconnect, b->resumed, b->h[H_HANDSHAKE].count);
    if (b->connected > 0 && b->rss_after_kb > b->rss_before_kb)
        printf("  memory     %ld bytes resident per session\n",
               (b->rss_after_kb - b->rss_before_kb) * 1024L / (long)b->connected);
    printf("latency (ms)\n");
    for (unsigned i = 0; i < H_N; i++)
        print_hist_line(hist_names[i], &b->h[i]);
    if (b->ncauses > 0) {
        printf("errors by cause\n");
        for (unsigned i = 0; i < b->ncauses; i++)
            printf("  %-32s %8" PRIu64 "  %s\n", b->causes[i].name, b->causes[i].n,
                   b->causes[i].err != 0 ? mqtls_strerror(b->causes[i].err) : "");
    }
}

/* ---- merge: add the JSON results of several runs --------------------------------- */

/* Just enough JSON for our own output: objects, arrays, numbers, strings
 * without escapes, true/false. A tree of nodes; keys point into the text. */
typedef struct jnode {
    char type; /* o a n s b */
    const char *key;
    size_t key_len;
    double num;
    const char *str;
    size_t str_len;
    struct jnode *kid, *next;
} jnode_t;

typedef struct {
    const char *p, *end;
    bool bad;
} jparse_t;

static void jws(jparse_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

static bool jstr(jparse_t *j, const char **s, size_t *len)
{
    if (j->p >= j->end || *j->p != '"')
        return false;
    const char *q = ++j->p;
    while (j->p < j->end && *j->p != '"') {
        if (*j->p == '\\')
            return false;
        j->p++;
    }
    if (j->p >= j->end)
        return false;
    *s = q;
    *len = (size_t)(j->p - q);
    j->p++;
    return true;
}

static jnode_t *jvalue(jparse_t *j, int depth);

static jnode_t *jlist(jparse_t *j, int depth, char close, bool keyed)
{
    jnode_t *first = NULL, **tail = &first;
    j->p++;
    jws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        return first;
    }
    for (;;) {
        const char *k = NULL;
        size_t kl = 0;
        jws(j);
        if (keyed) {
            if (!jstr(j, &k, &kl))
                break;
            jws(j);
            if (j->p >= j->end || *j->p != ':')
                break;
            j->p++;
        }
        jnode_t *v = jvalue(j, depth + 1);
        if (v == NULL)
            break;
        v->key = k;
        v->key_len = kl;
        *tail = v;
        tail = &v->next;
        jws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return first;
        }
        break;
    }
    j->bad = true;
    return first;
}

static jnode_t *jvalue(jparse_t *j, int depth)
{
    jws(j);
    if (j->p >= j->end || depth > 16) {
        j->bad = true;
        return NULL;
    }
    jnode_t *n = calloc(1, sizeof *n);
    if (n == NULL) {
        j->bad = true;
        return NULL;
    }
    char c = *j->p;
    if (c == '{' || c == '[') {
        n->type = c == '{' ? 'o' : 'a';
        n->kid = jlist(j, depth, c == '{' ? '}' : ']', c == '{');
    } else if (c == '"') {
        n->type = 's';
        if (!jstr(j, &n->str, &n->str_len))
            j->bad = true;
    } else if (strncmp(j->p, "true", 4) == 0 || strncmp(j->p, "false", 5) == 0) {
        n->type = 'b';
        n->num = c == 't';
        j->p += c == 't' ? 4 : 5;
    } else {
        char *e;
        n->type = 'n';
        n->num = strtod(j->p, &e);
        if (e == j->p)
            j->bad = true;
        j->p = e;
    }
    return n;
}

static void jfree(jnode_t *n)
{
    while (n != NULL) {
        jnode_t *next = n->next;
        jfree(n->kid);
        free(n);
        n = next;
    }
}

static const jnode_t *jget(const jnode_t *obj, const char *key)
{
    if (obj == NULL || obj->type != 'o')
        return NULL;
    for (const jnode_t *k = obj->kid; k != NULL; k = k->next)
        if (k->key_len == strlen(key) && memcmp(k->key, key, k->key_len) == 0)
            return k;
    return NULL;
}

static uint64_t jnum(const jnode_t *obj, const char *key)
{
    const jnode_t *n = jget(obj, key);
    return n != NULL && n->type == 'n' && n->num > 0 ? (uint64_t)n->num : 0;
}

static double jdbl(const jnode_t *obj, const char *key)
{
    const jnode_t *n = jget(obj, key);
    return n != NULL && n->type == 'n' ? n->num : 0.0;
}

static void merge_hist(bench_hist_t *into, const jnode_t *h)
{
    bench_hist_t t;
    bh_init(&t);
    t.count = jnum(h, "count");
    t.sum_us = jnum(h, "sum_us");
    t.min_us = jnum(h, "min_us");
    t.max_us = jnum(h, "max_us");
    const jnode_t *bk = jget(h, "buckets");
    for (const jnode_t *e = bk != NULL ? bk->kid : NULL; e != NULL; e = e->next)
        if (e->type == 'a' && e->kid != NULL && e->kid->next != NULL)
            bh_add_bucket(&t, (uint32_t)e->kid->num, (uint64_t)e->kid->next->num);
    bh_merge(into, &t);
}

/* Instances run side by side: counts and rates add up, times are the
 * longest, histograms add bucket by bucket. */
static int cmd_merge(int argc, char **argv, bool json)
{
    bench_t *b = calloc(1, sizeof *b);
    double conn_rate = 0, pub_rate = 0, recv_rate = 0, conn_s = 0, run_s = 0;
    uint64_t clients = 0;
    int rc = CLI_EXIT_OK;
    if (b == NULL)
        return CLI_EXIT_CONNECT;
    for (unsigned i = 0; i < H_N; i++)
        bh_init(&b->h[i]);
    for (int a = 0; a < argc; a++) {
        uint8_t *text;
        size_t len;
        if (read_file(argv[a], &text, &len) != 0) {
            rc = CLI_EXIT_USAGE;
            break;
        }
        jparse_t j = { (const char *)text, (const char *)text + len, false };
        jnode_t *root = jvalue(&j, 0);
        if (j.bad || jget(root, "mqtls_bench") == NULL) {
            fprintf(stderr, "mqtls bench merge: %s is not the --json output of mqtls bench\n", argv[a]);
            jfree(root);
            free(text);
            rc = CLI_EXIT_USAGE;
            break;
        }
        clients += jnum(root, "clients");
        b->connected += jnum(root, "connected");
        b->failed += jnum(root, "failed");
        b->lost += jnum(root, "lost");
        b->reconnected += jnum(root, "reconnects");
        b->resumed += jnum(root, "resumed");
        b->sent += jnum(root, "sent");
        b->acked += jnum(root, "acked");
        b->recvd += jnum(root, "received");
        conn_rate += jdbl(root, "conn_per_s");
        pub_rate += jdbl(root, "pub_per_s");
        recv_rate += jdbl(root, "recv_per_s");
        conn_s = jdbl(root, "connect_s") > conn_s ? jdbl(root, "connect_s") : conn_s;
        run_s = jdbl(root, "run_s") > run_s ? jdbl(root, "run_s") : run_s;
        const jnode_t *errs = jget(root, "errors");
        for (const jnode_t *e = errs != NULL ? errs->kid : NULL; e != NULL; e = e->next) {
            char name[48];
            snprintf(name, sizeof name, "%.*s", (int)(e->key_len < 47 ? e->key_len : 47), e->key);
            add_cause(b, name, 0, (uint64_t)e->num);
        }
        const jnode_t *lat = jget(root, "latency");
        for (unsigned i = 0; i < H_N; i++)
            merge_hist(&b->h[i], jget(lat, hist_names[i]));
        jfree(root);
        free(text);
    }
    if (rc == CLI_EXIT_OK && json) {
        char head[48];
        snprintf(head, sizeof head, "\"mode\":\"merge\",\"runs\":%d,", argc);
        totals_t t = {clients, conn_s, run_s, conn_rate, pub_rate, recv_rate, -1};
        write_json(b, head, &t, stdout);
    } else if (rc == CLI_EXIT_OK) {
        printf("mqtls bench merge: %d runs, %" PRIu64 " devices\n", argc, clients);
        printf("  connected  %" PRIu64 " (%.1f/s together), failed %" PRIu64 ", lost later %" PRIu64 "\n",
               b->connected, conn_rate, b->failed, b->lost);
        printf("  messages   sent %" PRIu64 " (%.0f/s), acknowledged %" PRIu64 ", received %" PRIu64 " (%.0f/s)\n",
               b->sent, pub_rate, b->acked, b->recvd, recv_rate);
        printf("latency (ms)\n");
        for (unsigned i = 0; i < H_N; i++)
            print_hist_line(hist_names[i], &b->h[i]);
        if (b->ncauses > 0) {
            printf("errors by cause\n");
            for (unsigned i = 0; i < b->ncauses; i++)
                printf("  %-32s %8" PRIu64 "\n", b->causes[i].name, b->causes[i].n);
        }
    }
    free(b);
    return rc;
}

/* ---- options ------------------------------------------------------------------- */

static void bench_help(void)
{
    fputs("Usage: mqtls bench conn|pub|sub [options]\n"
          "       mqtls bench merge [--json] RUN.json...\n"
          "\n"
          "A fleet of N MQTT devices from one process on one epoll loop: each device is its own\n"
          "mqtls client with its own TCP connection and TLS session (and, with --ca-cert/--ca-key,\n"
          "its own key and certificate). They connect K at a time, then run together.\n"
          "  conn   connect every device (timed: TCP, TLS handshake, CONNACK), hold -D s, disconnect\n"
          "  pub    every device publishes -n messages (or for -D s) to its topic\n"
          "  sub    every device subscribes to its topic and counts what arrives for -D s\n"
          "  merge  add the --json results of several runs (e.g. disjoint --start ranges)\n"
          "\n"
          "Fleet:\n"
          "  -c, --clients N        devices (default 10)\n"
          "      --start K          number of the first device, for %i (default 1)\n"
          "  -i, --id TEMPLATE      client id, %i = device number (default mqtls-bench-%i)\n"
          "  -t, --topic TEMPLATE   topic, %i = device number (default bench/%i)\n"
          "  -R, --connrate R       at most R connections per second (default: as fast as possible)\n"
          "      --connect-concurrency K  connects (TCP, TLS, CONNACK) in progress at once (default 4;\n"
          "                         1: one at a time)\n"
          "      --reconnect N      conn: then disconnect and reconnect every device N times, offering its\n"
          "                         saved TLS session (resumed handshakes counted, timed apart)\n"
          "Broker:\n"
          "  -h, --host HOST        (default 127.0.0.1)   -p, --port PORT (1883, 8883 with TLS)\n"
          "  -V, --protocol-version 311|5 (default 311)    -k, --keepalive S (default 60)\n"
          "      --timeout S        per connection step (default 10)\n"
          "Messages (pub):\n"
          "  -q, --qos 0|1|2        (default 0)           -s, --size BYTES (default 64)\n"
          "  -n, --count N          per device (default 100; 0 with -D: until the time is up)\n"
          "  -r, --rate R           messages per second per device (default: as fast as the window allows)\n"
          "  -M, --window N         QoS 1/2 messages in flight per device (default 16, at most 256)\n"
          "  -S, --self-subscribe   every device subscribes to its own topic: publish-to-receive latency\n"
          "  -D, --duration S       run time after connecting\n"
          "TLS:\n"
          "      --cafile FILE      the broker's CA (turns TLS on)\n"
          "      --cert TEMPLATE --key TEMPLATE   per-device files, %i = device number\n"
          "      --ca-cert FILE --ca-key FILE     a development CA (mqtls ca) issues every device\n"
          "                         its own key and certificate (CN = its client id) before the run\n"
          "      --key-type T       ec-p256 (default), ec-p384, rsa-2048, rsa-3072\n"
          "      --tls-engine E     mbedtls (default) or openssl      --insecure  skip the hostname check\n"
          "Output:\n"
          "      --json             the summary as JSON (for bench merge and programs)\n"
          "      --quiet            no progress line\n"
          "\n"
          "Latencies are in log-linear histograms (3 % buckets): p50/p90/p99/p99.9 for tcp, handshake,\n"
          "connack, connect (all three), pub_ack (publish to PUBACK/PUBCOMP) and pub_recv (publish to\n"
          "delivery, from a timestamp in the payload; needs -s 12 or more). Errors are counted once per\n"
          "device, grouped by mqtls error name. Exit: 0 when every device connected and nothing was lost,\n"
          "2 when some failed or were lost, 1 on a usage error.\n",
          stdout);
}

enum {
    OPT_START = 256,
    OPT_TIMEOUT,
    OPT_CAFILE,
    OPT_CERT,
    OPT_KEY,
    OPT_CA_CERT,
    OPT_CA_KEY,
    OPT_KEY_TYPE,
    OPT_ENGINE,
    OPT_INSECURE,
    OPT_JSON,
    OPT_QUIET,
    OPT_HELP,
    OPT_CONCURRENCY,
    OPT_RECONNECT
};

static bool num_arg(const char *s, double min, double max, double *out)
{
    char *e;
    errno = 0;
    double v = strtod(s, &e);
    if (errno != 0 || e == s || *e != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

static int parse_opts(int argc, char **argv, bopts_t *o, bool *done)
{
    static const struct option longs[] = {{"clients", required_argument, NULL, 'c'},
                                          {"start", required_argument, NULL, OPT_START},
                                          {"id", required_argument, NULL, 'i'},
                                          {"topic", required_argument, NULL, 't'},
                                          {"connrate", required_argument, NULL, 'R'},
                                          {"host", required_argument, NULL, 'h'},
                                          {"port", required_argument, NULL, 'p'},
                                          {"protocol-version", required_argument, NULL, 'V'},
                                          {"keepalive", required_argument, NULL, 'k'},
                                          {"timeout", required_argument, NULL, OPT_TIMEOUT},
                                          {"qos", required_argument, NULL, 'q'},
                                          {"size", required_argument, NULL, 's'},
                                          {"count", required_argument, NULL, 'n'},
                                          {"rate", required_argument, NULL, 'r'},
                                          {"window", required_argument, NULL, 'M'},
                                          {"self-subscribe", no_argument, NULL, 'S'},
                                          {"duration", required_argument, NULL, 'D'},
                                          {"cafile", required_argument, NULL, OPT_CAFILE},
                                          {"cert", required_argument, NULL, OPT_CERT},
                                          {"key", required_argument, NULL, OPT_KEY},
                                          {"ca-cert", required_argument, NULL, OPT_CA_CERT},
                                          {"ca-key", required_argument, NULL, OPT_CA_KEY},
                                          {"key-type", required_argument, NULL, OPT_KEY_TYPE},
                                          {"tls-engine", required_argument, NULL, OPT_ENGINE},
                                          {"insecure", no_argument, NULL, OPT_INSECURE},
                                          {"json", no_argument, NULL, OPT_JSON},
                                          {"quiet", no_argument, NULL, OPT_QUIET},
                                          {"help", no_argument, NULL, OPT_HELP},
                                          {"connect-concurrency", required_argument, NULL, OPT_CONCURRENCY},
                                          {"reconnect", required_argument, NULL, OPT_RECONNECT},
                                          {NULL, 0, NULL, 0}};
    int ch;
    double v;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":c:i:t:R:h:p:V:k:q:s:n:r:M:SD:", longs, NULL)) != -1) {
        const char *a = optarg;
        switch (ch) {
        case 'c':
            if (!num_arg(a, 1, 1000000, &v))
                return cli_usage_error("bench", "-c needs a number of devices from 1 to 1000000");
            o->clients = (unsigned)v;
            break;
        case OPT_START:
            if (!num_arg(a, 0, 4000000000.0, &v))
                return cli_usage_error("bench", "--start needs a device number");
            o->start = (unsigned)v;
            break;
        case 'i': o->id_tmpl = a; break;
        case 't': o->topic_tmpl = a; break;
        case 'R':
            if (!num_arg(a, 0, 1e7, &v))
                return cli_usage_error("bench", "--connrate needs connections per second");
            o->connrate = v;
            break;
        case OPT_CONCURRENCY:
            if (!num_arg(a, 1, 100000, &v))
                return cli_usage_error("bench", "--connect-concurrency needs a number of connects, 1 or more");
            o->concurrency = (unsigned)v;
            break;
        case OPT_RECONNECT:
            if (!num_arg(a, 0, 1000000, &v))
                return cli_usage_error("bench", "--reconnect needs a number of reconnections per device");
            o->reconnect = (unsigned)v;
            break;
        case 'h': o->host = a; break;
        case 'p':
            if (!num_arg(a, 1, 65535, &v))
                return cli_usage_error("bench", "-p needs a port from 1 to 65535");
            o->port = (uint16_t)v;
            o->port_set = true;
            break;
        case 'V':
            if (strcmp(a, "5") == 0 || strcmp(a, "mqttv5") == 0)
                o->version = MQTLS_PROTO_V5;
            else if (strcmp(a, "311") == 0 || strcmp(a, "mqttv311") == 0)
                o->version = MQTLS_PROTO_V311;
            else
                return cli_usage_error("bench", "-V takes 311 or 5");
            break;
        case 'k':
            if (!num_arg(a, 0, 65535, &v))
                return cli_usage_error("bench", "-k needs seconds from 0 to 65535");
            o->keepalive = (uint16_t)v;
            break;
        case OPT_TIMEOUT:
            if (!num_arg(a, 0.001, 3600, &v))
                return cli_usage_error("bench", "--timeout needs seconds");
            o->timeout_ms = (uint32_t)(v * 1000);
            break;
        case 'q':
            if (!num_arg(a, 0, 2, &v))
                return cli_usage_error("bench", "-q takes 0, 1 or 2");
            o->qos = (int)v;
            break;
        case 's':
            if (!num_arg(a, 0, 1 << 20, &v))
                return cli_usage_error("bench", "-s needs a size from 0 to 1048576 bytes");
            o->size = (size_t)v;
            break;
        case 'n':
            if (!num_arg(a, 0, 4000000000.0, &v))
                return cli_usage_error("bench", "-n needs a message count");
            o->count = (unsigned)v;
            break;
        case 'r':
            if (!num_arg(a, 0, 1e7, &v))
                return cli_usage_error("bench", "-r needs messages per second");
            o->rate = v;
            break;
        case 'M':
            if (!num_arg(a, 1, MAX_WINDOW, &v))
                return cli_usage_error("bench", "-M needs a window from 1 to %u", MAX_WINDOW);
            o->window = (unsigned)v;
            break;
        case 'S': o->self_sub = true; break;
        case 'D':
            if (!num_arg(a, 0, 1e6, &v))
                return cli_usage_error("bench", "-D needs seconds");
            o->duration = v;
            break;
        case OPT_CAFILE: o->cafile = a; o->tls = true; break;
        case OPT_CERT: o->cert_tmpl = a; o->tls = true; break;
        case OPT_KEY: o->key_tmpl = a; o->tls = true; break;
        case OPT_CA_CERT: o->ca_cert = a; o->tls = true; break;
        case OPT_CA_KEY: o->ca_key = a; o->tls = true; break;
        case OPT_KEY_TYPE:
#if MQTLS_WITH_CRED
            if (mqtls_cred_key_type_parse(a, &o->key_type) != MQTLS_OK)
#else
            if (true)
#endif
                return cli_usage_error("bench", "--key-type takes ec-p256, ec-p384, rsa-2048 or rsa-3072");
            break;
        case OPT_ENGINE:
            if (mqtls_tls_engine_parse(a, &o->engine) != MQTLS_OK || !mqtls_tls_engine_available(o->engine))
                return cli_usage_error("bench", "--tls-engine '%s' is not built in", a);
            o->tls = true;
            break;
        case OPT_INSECURE: o->insecure = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_QUIET: o->quiet = true; break;
        case OPT_HELP:
            bench_help();
            *done = true;
            return CLI_EXIT_OK;
        case ':': return cli_usage_error("bench", "option %s needs a value", argv[optind - 1]);
        default: return cli_usage_error("bench", "unknown option %s (see mqtls bench --help)", argv[optind - 1]);
        }
    }
    if (optind != argc)
        return cli_usage_error("bench", "unexpected argument '%s'", argv[optind]);
    if ((o->cert_tmpl == NULL) != (o->key_tmpl == NULL))
        return cli_usage_error("bench", "--cert and --key go together");
    if ((o->ca_cert == NULL) != (o->ca_key == NULL))
        return cli_usage_error("bench", "--ca-cert and --ca-key go together");
    if (o->ca_cert != NULL && o->cert_tmpl != NULL)
        return cli_usage_error("bench", "either --cert/--key or --ca-cert/--ca-key, not both");
    if (o->tls && o->cafile == NULL)
        return cli_usage_error("bench", "TLS needs --cafile (the broker's CA): the bench never runs unverified");
    if (o->reconnect > 0 && o->mode != MODE_CONN)
        return cli_usage_error("bench", "--reconnect is for bench conn");
    if (o->mode == MODE_PUB && o->count == 0 && o->duration == 0)
        return cli_usage_error("bench", "-n 0 needs -D (how long to publish)");
    if (!o->port_set)
        o->port = o->tls ? 8883 : 1883;
    return CLI_EXIT_OK;
}

/* File descriptors: one socket per device, plus a few. */
static void raise_fd_limit(unsigned clients)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t want = (rlim_t)clients + 64u;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &rl);
}

int cmd_bench(int argc, char **argv)
{
    if (argc < 2) {
        bench_help();
        return CLI_EXIT_USAGE;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        bench_help();
        return CLI_EXIT_OK;
    }
    if (strcmp(sub, "merge") == 0) {
        bool json = argc > 2 && strcmp(argv[2], "--json") == 0;
        int first = json ? 3 : 2;
        if (argc <= first)
            return cli_usage_error("bench", "merge needs the JSON files of the runs");
        return cmd_merge(argc - first, argv + first, json);
    }
    bench_t *b = calloc(1, sizeof *b);
    if (b == NULL)
        return CLI_EXIT_CONNECT;
    bopts_t *o = &b->o;
    *o = (bopts_t){.host = "127.0.0.1",
                   .clients = 10,
                   .start = 1,
                   .id_tmpl = "mqtls-bench-%i",
                   .topic_tmpl = "bench/%i",
                   .size = 64,
                   .count = 100,
                   .window = 16,
                   .version = MQTLS_PROTO_V311,
                   .timeout_ms = 10000,
                   .keepalive = 60,
                   .engine = mqtls_tls_engine_default(),
                   .key_type = MQTLS_CRED_EC_P256};
    o->concurrency = 4;
    if (strcmp(sub, "conn") == 0)
        o->mode = MODE_CONN;
    else if (strcmp(sub, "pub") == 0)
        o->mode = MODE_PUB;
    else if (strcmp(sub, "sub") == 0)
        o->mode = MODE_SUB;
    else {
        free(b);
        return cli_usage_error("bench", "the first word is conn, pub, sub or merge, not '%s'", sub);
    }
    bool done = false;
    int rc = parse_opts(argc - 1, argv + 1, o, &done);
    if (rc != CLI_EXIT_OK || done) {
        free(b);
        return rc;
    }
    b->dev = calloc(o->clients, sizeof *b->dev);
    b->payload = calloc(1, o->size + 1);
    b->ep = epoll_create1(EPOLL_CLOEXEC);
    if (b->dev == NULL || b->payload == NULL || b->ep < 0) {
        fprintf(stderr, "mqtls bench: out of memory for %u devices\n", o->clients);
        free(b->dev);
        free(b->payload);
        free(b);
        return CLI_EXIT_CONNECT;
    }
    for (unsigned i = 0; i < H_N; i++)
        bh_init(&b->h[i]);
    memset(b->payload, 'x', o->size);
    for (unsigned i = 0; i < o->clients; i++) {
        device_t *d = &b->dev[i];
        d->b = b;
        d->idx = o->start + i;
        mqtls_tcp_init(&d->tcp);
        if (!expand(o->id_tmpl, d->idx, d->id, sizeof d->id) ||
            !expand(o->topic_tmpl, d->idx, d->topic, sizeof d->topic)) {
            unsigned bad = d->idx;
            free(b->dev);
            free(b->payload);
            close(b->ep);
            free(b);
            return cli_usage_error("bench", "the client id or topic of device %u is too long", bad);
        }
    }
    raise_fd_limit(o->clients);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    rc = o->ca_cert != NULL ? issue_identities(b) : CLI_EXIT_OK;
    if (rc == CLI_EXIT_OK) {
        b->rss_before_kb = rss_kb();
        b->t_start_us = mono_us();
        connect_all(b);
        b->t_conn_done_us = mono_us();
        b->rss_after_kb = rss_kb();
        reconnect_all(b);
        if (b->connected > 0)
            run_loop(b);
        b->t_end_us = mono_us();
        progress(b, b->t_end_us, true);
        if (o->json)
            print_json(b, stdout);
        else
            print_text(b);
        rc = b->failed > 0 || b->lost > 0 || b->connected < o->clients ? CLI_EXIT_CONNECT : CLI_EXIT_OK;
    }
    disconnect_all(b);
    close(b->ep);
    free(b->ca_cert_buf);
    free(b->ca_key_buf);
    free(b->dev);
    free(b->payload);
    free(b);
    return rc;
}
