/* SPDX-License-Identifier: MIT
 * mqtls tests: drive the compat layer as firmware does and print the codes. */
/*
 *   sl_driver [options] HOST PORT
 *     --files K,C,A,D   secureFiles IDs (default 126,127,128,0)
 *     --method N        SL_SO_SEC_METHOD_* (default 3, TLS 1.2)
 *     --mask 0xN        SL_SEC_MASK_* bits (default SL_SEC_MASK_SECURE_DEFAULT)
 *     --verify 0|1      TLSConnectNetwork's server_verify (default 1)
 *     --date now|unset  set the device clock from the host clock first, or leave it unset (default now)
 *     --date-retry      after -461, set the clock (sl_DevSet) and connect again
 *     --domain NAME     SL_SO_SECURE_DOMAIN_NAME_VERIFICATION (raw sl_ calls)
 *     --name SLOT=FILE  a by-name file option, SLOT 0..3 -> options 30..33 (raw sl_ calls)
 *     --raw             use sl_Socket/sl_SetSockOpt/sl_Connect directly, then
 *                       CONNECT/CONNACK over sl_Send/sl_Recv when connected
 *     --topic T         after connecting: MQTT connect, subscribe T, publish, receive it back
 *     --id ID           MQTT client id (default sl-driver)
 *     --api             after connecting, exercise the Paho API on --topic's
 *                       level (QoS 0/1/2 in and out, BUFFER_OVERFLOW,
 *                       unsubscribe, disconnect): "api=ok" or "api=FAIL <step>"
 *     --plain           ConnectNetwork (plain TCP) instead of TLSConnectNetwork
 *     --failures PID    after connecting, the Paho API when things go wrong,
 *                       with PID the broker's (stopped with SIGSTOP, then
 *                       continued): a connection the broker closed, a
 *                       SUBACK and a PUBACK that never come (command
 *                       timeout 600 ms); each time FAILURE, disconnected,
 *                       and MQTTConnect on a new socket works:
 *                       "failures=ok" or "failures=FAIL <step>"
 * Prints one "code=N" line per connect attempt (N: what TLSConnectNetwork
 * or sl_Connect returned), "detail=..." (the emulation's reason), and
 * "roundtrip=ok" / "connack=ok" when the connection carried MQTT.
 * Exit status 0 unless the program itself failed (bad arguments).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "MQTTClient.h"
#include "simplelink.h"

static int received;
static char expect[64];
static int api_count;
static int api_qos_sum;

static void on_api_message(MessageData *md)
{
    api_count++;
    api_qos_sum += (int)md->message->qos;
}

static void on_message(MessageData *md)
{
    if ((size_t)md->message->payloadlen == strlen(expect) &&
        memcmp(md->message->payload, expect, md->message->payloadlen) == 0) {
        received++;
    }
}

static int set_clock_now(void)
{
    time_t now = time(NULL);
    struct tm utc;
    gmtime_r(&now, &utc);
    SlDateTime_t dt;
    memset(&dt, 0, sizeof dt);
    dt.sl_tm_year = (_u32)utc.tm_year + 1900u;
    dt.sl_tm_mon = (_u32)utc.tm_mon + 1u;
    dt.sl_tm_day = (_u32)utc.tm_mday;
    dt.sl_tm_hour = (_u32)utc.tm_hour;
    dt.sl_tm_min = (_u32)utc.tm_min;
    dt.sl_tm_sec = (_u32)utc.tm_sec;
    return (int)sl_DevSet(SL_DEVICE_GENERAL_CONFIGURATION, SL_DEVICE_GENERAL_CONFIGURATION_DATE_TIME,
                          sizeof(SlDateTime_t), (_u8 *)&dt);
}

typedef struct {
    SlSockSecureFiles_t files;
    unsigned method;
    unsigned long mask;
    int verify;
    const char *domain;
    const char *names[4];
    const char *topic;
    const char *id;
    const char *host;
    int port;
    int api;
    int plain;
    long failures_pid; /* the broker, for --failures */
} opts_t;

static void print_detail(int sd)
{
    int32_t err = 0;
    const char *d = mqtls_sl_last_detail((_i16)sd, &err);
    printf("detail=%s\n", d != NULL ? d : "");
}

/* The raw SimpleLink calls, as firmware without Paho makes them. */
static int raw_connect(const opts_t *o)
{
    _u32 ip = 0;
    if (sl_NetAppDnsGetHostByName((_i8 *)(uintptr_t)o->host, (_u16)strlen(o->host), &ip, SL_AF_INET) < 0) {
        printf("code=dns\n");
        return 0;
    }
    SlSockAddrIn_t sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = SL_AF_INET;
    sa.sin_port = sl_Htons((_u16)o->port);
    sa.sin_addr.s_addr = sl_Htonl(ip);
    _i16 sd = sl_Socket(SL_AF_INET, SL_SOCK_STREAM, SL_SEC_SOCKET);
    SlSockSecureMethod method = { (_u8)o->method };
    SlSockSecureMask mask = { o->mask };
    sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_SECMETHOD, &method, sizeof method);
    sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_SECURE_MASK, &mask, sizeof mask);
    sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_SECURE_FILES, o->files.secureFiles, sizeof o->files);
    for (int i = 0; i < 4; i++) {
        if (o->names[i] != NULL) {
            sl_SetSockOpt(sd, SL_SOL_SOCKET, (_i16)(SL_SO_SECURE_FILES_PRIVATE_KEY_FILE_NAME + i), o->names[i],
                          (SlSocklen_t)strlen(o->names[i]));
        }
    }
    if (o->domain != NULL) {
        sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_SECURE_DOMAIN_NAME_VERIFICATION, o->domain,
                      (SlSocklen_t)strlen(o->domain));
    }
    _i16 rc = sl_Connect(sd, (SlSockAddr_t *)&sa, sizeof sa);
    printf("code=%d\n", (int)rc);
    print_detail(sd);
    if (rc == 0 || rc == SL_ESECSNOVERIFY || rc == SL_ESECDATEERROR) {
        /* Connected, as the chip is after these codes: an MQTT CONNECT goes through. */
        static const unsigned char connect[] = { 0x10, 0x12, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 30,
                                                 0, 6, 'r', 'a', 'w', '-', 's', 'l' };
        unsigned char ack[4];
        SlTimeval_t tv = { 5, 0 };
        sl_SetSockOpt(sd, SL_SOL_SOCKET, SL_SO_RCVTIMEO, &tv, sizeof tv);
        int got = 0;
        if (sl_Send(sd, connect, sizeof connect, 0) == (_i16)sizeof connect) {
            while (got < 4) {
                _i16 r = sl_Recv(sd, ack + got, (_i16)(4 - got), 0);
                if (r <= 0) {
                    break;
                }
                got += r;
            }
        }
        printf("connack=%s\n", got == 4 && ack[0] == 0x20 && ack[3] == 0 ? "ok" : "no");
    }
    sl_Close(sd);
    return 0;
}

static void roundtrip(Network *n, const opts_t *o)
{
    static unsigned char sendbuf[512], readbuf[512];
    MQTTClient c;
    MQTTClientInit(&c, n, 5000, sendbuf, sizeof sendbuf, readbuf, sizeof readbuf);
    MQTTPacket_connectData cd = MQTTPacket_connectData_initializer;
    cd.clientID.cstring = (char *)(uintptr_t)o->id;
    int rc = MQTTConnect(&c, &cd);
    if (rc == SUCCESS) {
        rc = MQTTSubscribe(&c, o->topic, QOS1, on_message);
    }
    snprintf(expect, sizeof expect, "compat %s %ld", o->id, (long)time(NULL));
    if (rc == SUCCESS) {
        MQTTMessage m;
        memset(&m, 0, sizeof m);
        m.qos = QOS1;
        m.payload = expect;
        m.payloadlen = strlen(expect);
        rc = MQTTPublish(&c, o->topic, &m);
    }
    for (int i = 0; rc == SUCCESS && received == 0 && i < 50; i++) {
        rc = MQTTYield(&c, 100);
    }
    printf("roundtrip=%s\n", received > 0 ? "ok" : "no");
    if (received == 0) {
        printf("mqtt_rc=%d mqtls_err=%d\n", rc, (int)mqtls_paho_last_error(&c));
    }
    printf("payload=%s\n", expect);
    if (MQTTIsConnected(&c)) {
        MQTTDisconnect(&c);
    }
}

#define API_CHECK(cond, step)                                                                               \
    do {                                                                                                    \
        if (!(cond)) {                                                                                      \
            printf("api=FAIL %s (mqtls_err=%d)\n", step, (int)mqtls_paho_last_error(&c));                  \
            return;                                                                                         \
        }                                                                                                   \
    } while (0)

/* Yield until `count` messages arrived, at most 5 s. */
static void yield_for(MQTTClient *c, int count)
{
    for (int i = 0; i < 50 && api_count < count; i++) {
        MQTTYield(c, 100);
    }
}

static void api(Network *n, const opts_t *o)
{
    static unsigned char sendbuf[512], readbuf[512];
    static unsigned char big[600];
    char filter[128], topic[128];
    snprintf(filter, sizeof filter, "%s/+", o->topic);
    snprintf(topic, sizeof topic, "%s/x", o->topic);
    MQTTClient c;
    MQTTClientInit(&c, n, 5000, sendbuf, sizeof sendbuf, readbuf, sizeof readbuf);
    API_CHECK(!MQTTIsConnected(&c), "not connected before MQTTConnect");
    API_CHECK(MQTTPublish(&c, topic, &(MQTTMessage){ .qos = QOS0 }) == FAILURE, "publish before connect fails");
    MQTTPacket_connectData cd = MQTTPacket_connectData_initializer;
    cd.clientID.cstring = (char *)(uintptr_t)o->id;
    cd.keepAliveInterval = 2; /* mosquitto drops a client silent for 1.5 x keepalive */
    API_CHECK(MQTTConnect(&c, &cd) == SUCCESS, "connect");
    API_CHECK(MQTTIsConnected(&c), "connected");
    API_CHECK(MQTTSubscribe(&c, filter, QOS2, on_api_message) == SUCCESS, "subscribe QoS 2");
    char payload[] = "api";
    for (int q = 0; q <= 2; q++) {
        MQTTMessage m = { .qos = (enum QoS)q, .payload = payload, .payloadlen = 3 };
        API_CHECK(MQTTPublish(&c, topic, &m) == SUCCESS, q == 0 ? "publish QoS 0" : q == 1 ? "publish QoS 1"
                                                                                           : "publish QoS 2");
        API_CHECK(q == 0 || m.id != 0, "a packet id for QoS 1/2");
    }
    yield_for(&c, 3);
    API_CHECK(api_count == 3, "three messages back");
    API_CHECK(api_qos_sum == 0 + 1 + 2, "each at its own QoS");
    MQTTMessage m = { .qos = QOS1, .payload = big, .payloadlen = sizeof big };
    API_CHECK(MQTTPublish(&c, topic, &m) == BUFFER_OVERFLOW, "600 bytes into a 512-byte send buffer");
    API_CHECK(MQTTIsConnected(&c), "still connected after BUFFER_OVERFLOW");
    API_CHECK(MQTTYield(&c, 4000) == SUCCESS && MQTTIsConnected(&c), "4 s of yield with keepalive 2 s");
    API_CHECK(MQTTUnsubscribe(&c, filter) == SUCCESS, "unsubscribe");
    m.payload = payload;
    m.payloadlen = 3;
    API_CHECK(MQTTPublish(&c, topic, &m) == SUCCESS, "publish after unsubscribe");
    MQTTYield(&c, 300);
    API_CHECK(api_count == 3, "nothing delivered after unsubscribe");
    API_CHECK(MQTTDisconnect(&c) == SUCCESS, "disconnect");
    API_CHECK(!MQTTIsConnected(&c), "not connected after MQTTDisconnect");
    API_CHECK(MQTTPublish(&c, topic, &m) == FAILURE, "publish after disconnect fails");
    printf("api=ok\n");
}

/* ConnectNetwork or TLSConnectNetwork, as the options say. */
static int open_net(Network *n, const opts_t *o)
{
    NetworkInit(n);
    return o->plain ? ConnectNetwork(n, (char *)(uintptr_t)o->host, o->port)
                    : TLSConnectNetwork(n, (char *)(uintptr_t)o->host, o->port,
                                        (SlSockSecureFiles_t *)(uintptr_t)&o->files, (unsigned char)o->method,
                                        (unsigned)o->mask, (char)o->verify);
}

static long ms_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long)t.tv_sec * 1000L + t.tv_nsec / 1000000L;
}

#define FAILURES_CHECK(cond, step)                                                                          \
    do {                                                                                                    \
        if (!(cond)) {                                                                                      \
            printf("failures=FAIL %s (mqtls_err=%d)\n", step, (int)mqtls_paho_last_error(&c));              \
            kill((pid_t)o->failures_pid, SIGCONT);                                                          \
            return;                                                                                         \
        }                                                                                                   \
    } while (0)

/* After a FAILURE, as firmware does: close the socket, open a new one, MQTTConnect. */
static int reconnect(MQTTClient *c, Network *n, const opts_t *o, MQTTPacket_connectData *cd)
{
    n->disconnect(n);
    int rc = open_net(n, o);
    return rc == 0 || (rc == SL_ESECSNOVERIFY && !o->verify) ? MQTTConnect(c, cd) : FAILURE;
}

static void failures(Network *n, const opts_t *o)
{
    static unsigned char sendbuf[512], readbuf[512], sendbuf2[512], readbuf2[512];
    char filter[128], topic[128];
    snprintf(filter, sizeof filter, "%s/+", o->topic);
    snprintf(topic, sizeof topic, "%s/x", o->topic);
    const pid_t broker = (pid_t)o->failures_pid;
    const unsigned timeout = 600;
    MQTTClient c;
    MQTTClientInit(&c, n, timeout, sendbuf, sizeof sendbuf, readbuf, sizeof readbuf);
    MQTTPacket_connectData cd = MQTTPacket_connectData_initializer;
    cd.clientID.cstring = (char *)(uintptr_t)o->id;
    FAILURES_CHECK(MQTTConnect(&c, &cd) == SUCCESS, "connect");

    /* 1. The broker closes the connection: another client takes over the id. */
    Network n2;
    MQTTClient c2;
    FAILURES_CHECK(open_net(&n2, o) == 0, "second socket");
    MQTTClientInit(&c2, &n2, 5000, sendbuf2, sizeof sendbuf2, readbuf2, sizeof readbuf2);
    FAILURES_CHECK(MQTTConnect(&c2, &cd) == SUCCESS, "a second client with the same id");
    FAILURES_CHECK(MQTTSubscribe(&c, filter, QOS1, on_api_message) == FAILURE, "subscribe on a closed connection");
    FAILURES_CHECK(mqtls_paho_last_error(&c) != MQTLS_ERR_SUBSCRIBE_REFUSED,
                   "a closed connection is not a refused subscription");
    FAILURES_CHECK(!MQTTIsConnected(&c), "disconnected after the failed subscribe");
    FAILURES_CHECK(reconnect(&c, n, o, &cd) == SUCCESS, "MQTTConnect on a new socket after the failed subscribe");
    n2.disconnect(&n2); /* the broker closed it: our client took the id back */
    FAILURES_CHECK(MQTTSubscribe(&c, filter, QOS1, on_api_message) == SUCCESS, "subscribe after the reconnect");

    /* 2. The broker stops answering: the SUBACK never comes. */
    kill(broker, SIGSTOP);
    long t0 = ms_now();
    FAILURES_CHECK(MQTTSubscribe(&c, topic, QOS1, on_api_message) == FAILURE, "subscribe to a stopped broker");
    FAILURES_CHECK(mqtls_paho_last_error(&c) == MQTLS_ERR_TIMEOUT, "the subscribe timed out");
    FAILURES_CHECK(ms_now() - t0 < (long)timeout + 400, "the subscribe gave up after the command timeout");
    FAILURES_CHECK(!MQTTIsConnected(&c), "disconnected after the subscribe timed out");
    kill(broker, SIGCONT);
    FAILURES_CHECK(reconnect(&c, n, o, &cd) == SUCCESS, "MQTTConnect on a new socket after the subscribe timeout");

    /* 3. The PUBACK never comes. */
    char payload[] = "failures";
    MQTTMessage m = { .qos = QOS1, .payload = payload, .payloadlen = sizeof payload - 1 };
    kill(broker, SIGSTOP);
    t0 = ms_now();
    FAILURES_CHECK(MQTTPublish(&c, topic, &m) == FAILURE, "QoS 1 publish to a stopped broker");
    FAILURES_CHECK(mqtls_paho_last_error(&c) == MQTLS_ERR_TIMEOUT, "the publish timed out");
    FAILURES_CHECK(ms_now() - t0 < (long)timeout + 400, "the publish gave up after the command timeout");
    FAILURES_CHECK(!MQTTIsConnected(&c), "a publish that timed out gives up the connection, as Paho's");
    t0 = ms_now();
    FAILURES_CHECK(MQTTPublish(&c, topic, &m) == FAILURE && ms_now() - t0 < 100,
                   "the next publish fails at once: it does not wait for the lost PUBACK");
    kill(broker, SIGCONT);
    FAILURES_CHECK(reconnect(&c, n, o, &cd) == SUCCESS, "MQTTConnect on a new socket after the publish timeout");
    FAILURES_CHECK(MQTTPublish(&c, topic, &m) == SUCCESS, "QoS 1 publish after the reconnect");
    m.qos = QOS2;
    FAILURES_CHECK(MQTTPublish(&c, topic, &m) == SUCCESS, "QoS 2 publish after the reconnect");
    FAILURES_CHECK(MQTTDisconnect(&c) == SUCCESS, "disconnect");
    printf("failures=ok\n");
}

static int paho_connect(const opts_t *o, int date_retry)
{
    Network n;
    int rc = open_net(&n, o);
    printf("code=%d\n", rc);
    if (rc == SL_ESECDATEERROR && date_retry) {
        if (set_clock_now() != 0) {
            printf("sl_DevSet failed\n");
            return 1;
        }
        rc = TLSConnectNetwork(&n, (char *)(uintptr_t)o->host, o->port, (SlSockSecureFiles_t *)(uintptr_t)&o->files,
                               (unsigned char)o->method, (unsigned)o->mask, (char)o->verify);
        printf("code=%d\n", rc);
    }
    if (rc == 0 || (rc == SL_ESECSNOVERIFY && !o->verify)) {
        if (o->topic != NULL && o->failures_pid > 0) {
            failures(&n, o);
        } else if (o->topic != NULL && o->api) {
            api(&n, o);
        } else if (o->topic != NULL) {
            roundtrip(&n, o);
        }
        n.disconnect(&n);
    }
    return 0;
}

int main(int argc, char **argv)
{
    opts_t o;
    memset(&o, 0, sizeof o);
    o.files.secureFiles[0] = 126;
    o.files.secureFiles[1] = 127;
    o.files.secureFiles[2] = 128;
    o.method = SL_SO_SEC_METHOD_TLSV1_2;
    o.mask = SL_SEC_MASK_SECURE_DEFAULT;
    o.verify = 1;
    o.id = "sl-driver";
    int raw = 0, date_now = 1, date_retry = 0, i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--raw") == 0) {
            raw = 1;
        } else if (strcmp(a, "--date-retry") == 0) {
            date_retry = 1;
        } else if (strcmp(a, "--api") == 0) {
            o.api = 1;
        } else if (strcmp(a, "--plain") == 0) {
            o.plain = 1;
        } else if (v == NULL) {
            fprintf(stderr, "sl_driver: %s needs a value\n", a);
            return 2;
        } else if (strcmp(a, "--files") == 0) {
            unsigned k, c, ca, d;
            if (sscanf(v, "%u,%u,%u,%u", &k, &c, &ca, &d) != 4) {
                return 2;
            }
            o.files.secureFiles[0] = (_u8)k;
            o.files.secureFiles[1] = (_u8)c;
            o.files.secureFiles[2] = (_u8)ca;
            o.files.secureFiles[3] = (_u8)d;
            i++;
        } else if (strcmp(a, "--method") == 0) {
            o.method = (unsigned)strtoul(v, NULL, 0);
            i++;
        } else if (strcmp(a, "--mask") == 0) {
            o.mask = strtoul(v, NULL, 0);
            i++;
        } else if (strcmp(a, "--verify") == 0) {
            o.verify = atoi(v);
            i++;
        } else if (strcmp(a, "--date") == 0) {
            date_now = strcmp(v, "now") == 0;
            i++;
        } else if (strcmp(a, "--name") == 0) {
            if (v[0] < '0' || v[0] > '3' || v[1] != '=') {
                return 2;
            }
            o.names[v[0] - '0'] = v + 2;
            i++;
        } else if (strcmp(a, "--domain") == 0) {
            o.domain = v;
            i++;
        } else if (strcmp(a, "--failures") == 0) {
            o.failures_pid = strtol(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--topic") == 0) {
            o.topic = v;
            i++;
        } else if (strcmp(a, "--id") == 0) {
            o.id = v;
            i++;
        } else {
            fprintf(stderr, "sl_driver: unknown option %s\n", a);
            return 2;
        }
    }
    if (argc - i != 2) {
        fprintf(stderr, "usage: sl_driver [options] HOST PORT\n");
        return 2;
    }
    o.host = argv[i];
    o.port = atoi(argv[i + 1]);
    sl_Start(NULL, NULL, NULL);
    if (date_now && set_clock_now() != 0) {
        printf("sl_DevSet failed\n");
        return 1;
    }
    int rc = raw ? raw_connect(&o) : paho_connect(&o, date_retry);
    sl_Stop(0);
    return rc;
}
