/* SPDX-License-Identifier: MIT
 * mqtls fuzz target: the client state machine fed a hostile broker's byte stream. */
/*
 * fuzz_decode checks packets one at a time; the client adds what no decoder
 * sees: the receive buffer's compaction and skipping, acknowledgements for
 * ids it has or has not used, the in-flight window, topic aliases across
 * packets, the blocking calls' waits, and the resend after a reconnect.
 *
 * Input: byte 0 picks the connection (bit 0: MQTT 5.0, else 3.1.1; bit 1:
 * clean session; bits 2-4: the largest recv chunk, 1..8 << 2 bytes, so the
 * stream is cut at many places; bit 5: connect with
 * mqtls_client_connect_start() and loop(c, 0) until it is over; bit 6: no
 * valid CONNACK first, the input is the broker's answer to the CONNECT),
 * the rest is what the broker sends after a valid CONNACK. The client publishes (QoS 0, 1, 2), subscribes,
 * unsubscribes and runs its loop in turn, driven by a fake clock that
 * advances 50 ms per call (keepalive and timeouts happen, without sleeping).
 * When the connection fails, the client reconnects once with clean session
 * 0 over a CONNACK with session present 1 and the rest of the input, so the
 * resend path meets the same hostile bytes.
 *
 * Invariants (abort() on violation, reported by libFuzzer with the input):
 * - mqtls_client_outstanding() never exceeds the in-flight window;
 * - every return code is MQTLS_OK or a named error (mqtls_errname);
 * - after a fatal error the client says it is disconnected (client.h:
 *   anything but the documented retry / non-fatal codes gives up the
 *   connection);
 * - a connect started with connect_start ends (up, or an error) within
 *   its timeout of loop(c, 0) calls;
 * - a delivered message's topic and payload lie inside the receive buffer
 *   or the inbound alias table, within the lengths the client gave;
 * - the client's own bytes frame as packets a client may send, with a valid
 *   fixed header;
 * - and ASan/UBSan see no bad access or undefined behaviour.
 *
 * Run:  build/fuzz/tests/fuzz/fuzz_client -runs=200000 build/fuzz/corpus-run/fuzz_client tests/fuzz/corpus/fuzz_client
 */

#include "fuzz_harness.h"
#include "mqtls/client.h"

#define WINDOW 4u
#define RX_LEN 256u
#define STEPS 24u
#define TXLOG_LEN 4096u

typedef struct {
    const uint8_t *in;      /* the broker's bytes: prefix, then the input */
    size_t in_len, in_off;
    const uint8_t *prefix;  /* a CONNACK, fed before the input */
    size_t prefix_len, prefix_off;
    size_t chunk;           /* largest recv */
    bool closed;
    uint8_t txlog[TXLOG_LEN]; /* the client's bytes not yet framed */
    size_t txlog_len;
    uint8_t version;
} fake_net_t;

static uint8_t rx[RX_LEN], tx[512], arena[2048], bitmap[MQTLS_INBOUND_BITMAP_SIZE];
static uint8_t al_in[4 * MQTLS_ALIAS_IN_SLOT(16)], al_out[2 * MQTLS_ALIAS_OUT_SLOT(16)];
static uint32_t clock_ms;

static uint32_t fake_now(void *user)
{
    (void)user;
    clock_ms += 50u;
    return clock_ms;
}

/* Frame what the client sent: every complete packet must have a valid
 * fixed header and a type a client sends. */
static void frame_tx(fake_net_t *n)
{
    size_t off = 0;
    while (off < n->txlog_len) {
        mqtls_fixed_header_t h;
        int32_t rc = mqtls_decode_fixed_header(n->txlog + off, n->txlog_len - off, &h);
        if (rc == MQTLS_ERR_WANT_READ)
            break;
        CHECK(rc >= 0);
        CHECK(h.type == MQTLS_PKT_CONNECT || h.type == MQTLS_PKT_PUBLISH || h.type == MQTLS_PKT_PUBACK ||
              h.type == MQTLS_PKT_PUBREC || h.type == MQTLS_PKT_PUBREL || h.type == MQTLS_PKT_PUBCOMP ||
              h.type == MQTLS_PKT_SUBSCRIBE || h.type == MQTLS_PKT_UNSUBSCRIBE || h.type == MQTLS_PKT_PINGREQ ||
              h.type == MQTLS_PKT_DISCONNECT || (h.type == MQTLS_PKT_AUTH && n->version == MQTLS_PROTO_V5));
        size_t total = (size_t)h.header_len + h.remaining_length;
        if (total > n->txlog_len - off)
            break;
        off += total;
    }
    memmove(n->txlog, n->txlog + off, n->txlog_len - off);
    n->txlog_len -= off;
    CHECK(n->txlog_len < TXLOG_LEN); /* no packet of ours is this large */
}

static int32_t fake_send(void *ctx, const uint8_t *buf, size_t len)
{
    fake_net_t *n = ctx;
    if (n->closed)
        return MQTLS_ERR_SEND;
    /* Take at most 48 bytes: partial writes are part of the contract. */
    size_t take = len < 48u ? len : 48u;
    size_t room = TXLOG_LEN - n->txlog_len;
    CHECK(take <= room);
    memcpy(n->txlog + n->txlog_len, buf, take);
    n->txlog_len += take;
    frame_tx(n);
    return (int32_t)take;
}

static int32_t fake_recv(void *ctx, uint8_t *buf, size_t len)
{
    fake_net_t *n = ctx;
    if (n->closed)
        return MQTLS_ERR_RECV;
    const uint8_t *src;
    size_t avail;
    if (n->prefix_off < n->prefix_len) {
        src = n->prefix + n->prefix_off;
        avail = n->prefix_len - n->prefix_off;
    } else if (n->in_off < n->in_len) {
        src = n->in + n->in_off;
        avail = n->in_len - n->in_off;
    } else {
        return MQTLS_ERR_CLOSED; /* the broker has said everything */
    }
    size_t k = avail < len ? avail : len;
    if (k > n->chunk)
        k = n->chunk;
    memcpy(buf, src, k);
    if (n->prefix_off < n->prefix_len)
        n->prefix_off += k;
    else
        n->in_off += k;
    return (int32_t)k;
}

static void fake_close(void *ctx)
{
    ((fake_net_t *)ctx)->closed = true;
}

static void on_msg(void *user, const mqtls_message_t *m)
{
    (void)user;
    const uint8_t *t = (const uint8_t *)m->topic;
    bool in_rx = t >= rx && t + m->topic_len <= rx + sizeof rx;
    bool in_alias = t >= al_in && t + m->topic_len <= al_in + sizeof al_in;
    CHECK(m->topic_len > 0u && (in_rx || in_alias));
    CHECK(m->payload_len == 0u || (m->payload >= rx && m->payload + m->payload_len <= rx + sizeof rx));
    CHECK(m->qos <= 2u);
}

/* Codes after which the connection stays up (client.h). */
static bool non_fatal(int32_t rc)
{
    switch (rc) {
    case MQTLS_OK:
    case MQTLS_ERR_INFLIGHT_FULL:
    case MQTLS_ERR_STORE_FULL:
    case MQTLS_ERR_WANT_WRITE:
    case MQTLS_ERR_MESSAGE_TOO_LARGE:
    case MQTLS_ERR_SUBSCRIBE_REFUSED:
    case MQTLS_ERR_UNSUBSCRIBE_REFUSED:
    case MQTLS_ERR_PUBLISH_REFUSED:
    case MQTLS_ERR_QOS_NOT_SUPPORTED:
    case MQTLS_ERR_RETAIN_NOT_SUPPORTED:
    case MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER:
    case MQTLS_ERR_WILDCARD_NOT_SUPPORTED:
    case MQTLS_ERR_SUBSCRIPTION_ID_NOT_SUPPORTED:
    case MQTLS_ERR_SHARED_NOT_SUPPORTED:
    case MQTLS_ERR_NOT_CONNECTED:
        return true;
    default:
        return false;
    }
}

static void check_rc(const mqtls_client_t *c, int32_t rc)
{
    CHECK(rc == MQTLS_OK || strcmp(mqtls_errname(rc), "UNKNOWN") != 0);
    CHECK(non_fatal(rc) || !mqtls_client_is_connected(c));
    CHECK(mqtls_client_outstanding(c) <= WINDOW);
}

static int32_t step(mqtls_client_t *c, unsigned i)
{
    static const char *topics[] = { "a/b", "t", "a/b/c/d" };
    mqtls_subscription_t s = { .filter = i % 2u ? "a/#" : "t", .filter_len = i % 2u ? 3u : 1u,
                               .qos = (uint8_t)(i % 3u) };
    switch (i % 6u) {
    case 0:
    case 2:
    case 4: {
        const char *t = topics[i % 3u];
        mqtls_publish_t m = { .topic = t, .topic_len = strlen(t), .payload = (const uint8_t *)"payload",
                              .payload_len = 7, .qos = (uint8_t)((i / 2u) % 3u) };
        return mqtls_client_publish(c, &m, NULL);
    }
    case 3: return mqtls_client_subscribe(c, &s, 1, NULL, NULL, 300);
    case 5:
        if (i % 4u == 1u)
            return mqtls_client_unsubscribe(c, &s, 1, NULL, NULL, 300);
        return mqtls_client_loop(c, 100);
    default:
        return mqtls_client_loop(c, 100);
    }
}

/* The connect an event loop makes: start it, then loop(c, 0) until it is
 * over. The clock moves 50 ms a reading, so 1000 ms are over long before
 * 200 calls: a connect still under way then never ends. */
static int32_t connect_stepped(mqtls_client_t *c, const mqtls_transport_t *t, const mqtls_connect_t *conn)
{
    int32_t rc = mqtls_client_connect_start(c, t, conn, 1000);
    unsigned calls = 0;
    while (rc == MQTLS_OK && !mqtls_client_is_connected(c)) {
        CHECK(++calls < 200u);
        rc = mqtls_client_loop(c, 0);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t connack311[] = { 0x20, 0x02, 0x00, 0x00 }, resume311[] = { 0x20, 0x02, 0x01, 0x00 };
    static const uint8_t connack5[] = { 0x20, 0x03, 0x00, 0x00, 0x00 }, resume5[] = { 0x20, 0x03, 0x01, 0x00, 0x00 };
    static mqtls_inflight_t out[WINDOW];
    static fake_net_t net;
    static mqtls_client_t c;
    mqtls_memstore_t ms;
    mqtls_store_t store;
    if (size < 1)
        return 0;
    bool v5 = data[0] & 1u;
    memset(&net, 0, sizeof net);
    net.version = v5 ? MQTLS_PROTO_V5 : MQTLS_PROTO_V311;
    net.in = data + 1;
    net.in_len = size - 1;
    net.chunk = (size_t)(((data[0] >> 2) & 7u) + 1u) << 2;
    net.prefix = v5 ? connack5 : connack311;
    net.prefix_len = (data[0] & 0x40u) != 0u ? 0u : v5 ? sizeof connack5 : sizeof connack311;
    clock_ms = 0xFFFFF000u; /* wraps during the run */

    CHECK(mqtls_memstore_init(&ms, arena, sizeof arena, &store) == MQTLS_OK);
    mqtls_client_config_t cfg = { .tx_buf = tx, .tx_len = sizeof tx, .rx_buf = rx, .rx_len = sizeof rx,
                                  .outbound = out, .outbound_count = WINDOW, .inbound_bitmap = bitmap,
                                  .store = &store, .now_ms = fake_now, .on_message = on_msg,
                                  .ping_timeout_ms = 500, .alias_in = al_in, .alias_in_len = sizeof al_in,
                                  .alias_in_count = 4, .alias_out = al_out, .alias_out_len = sizeof al_out,
                                  .alias_out_count = 2 };
    CHECK(mqtls_client_init(&c, &cfg) == MQTLS_OK);
    mqtls_transport_t t = { .ctx = &net, .send = fake_send, .recv = fake_recv, .close = fake_close };
    mqtls_connect_t conn = { .protocol_version = net.version, .clean_session = (data[0] & 2u) != 0u,
                             .keepalive_s = 1, .client_id = "fuzz", .client_id_len = 4 };
    for (unsigned attempt = 0; attempt < 2u; attempt++) {
        if (attempt == 1u) {
            /* Resume: a CONNACK with session present, then what is left. */
            net.closed = false;
            net.txlog_len = 0;
            net.prefix = v5 ? resume5 : resume311;
            net.prefix_len = v5 ? sizeof resume5 : sizeof resume311;
            net.prefix_off = 0;
            conn.clean_session = false;
        }
        int32_t rc =
            (data[0] & 0x20u) != 0u ? connect_stepped(&c, &t, &conn) : mqtls_client_connect(&c, &t, &conn, NULL, 1000);
        check_rc(&c, rc);
        for (unsigned i = 0; i < STEPS && mqtls_client_is_connected(&c); i++) {
            check_rc(&c, step(&c, i));
        }
        if (mqtls_client_is_connected(&c))
            break;
    }
    if (mqtls_client_is_connected(&c))
        check_rc(&c, mqtls_client_disconnect(&c, NULL));
    return 0;
}
