/* SPDX-License-Identifier: MIT
 * mqtls tests: an in-memory scripted peer with a fake clock. */
/* see script_transport.h */
#include "script_transport.h"

#include <stdlib.h>
#include <string.h>

#include "mqtls/error.h"

static int32_t s_send(void *ctx, const uint8_t *buf, size_t len)
{
    script_t *s = ctx;
    if (s->send_error != 0) {
        return s->send_error;
    }
    if (s->stall_at != 0u && s->out_len >= s->stall_at) {
        s->stall_at = 0;
        s->send_stalls = s->stall_count;
    }
    if (s->send_stalls > 0u) {
        s->send_stalls--;
        return 0;
    }
    size_t n = len;
    if (s->send_chunk != 0u && n > s->send_chunk) {
        n = s->send_chunk;
    }
    if (s->out_len + n > SCRIPT_CAP) {
        abort();
    }
    memcpy(s->out + s->out_len, buf, n);
    s->out_len += n;
    s->sends++;
    if (s->auto_pingresp && n == 2 && buf[0] == 0xC0 && buf[1] == 0x00) {
        static const uint8_t resp[2] = {0xD0, 0x00};
        script_push(s, resp, 2);
    }
    return (int32_t)n;
}

static int32_t s_recv(void *ctx, uint8_t *buf, size_t len)
{
    script_t *s = ctx;
    size_t avail = s->in_len - s->in_pos;
    if (avail == 0u) {
        return s->recv_error;
    }
    size_t n = len < avail ? len : avail;
    if (s->recv_chunk != 0u && n > s->recv_chunk) {
        n = s->recv_chunk;
    }
    memcpy(buf, s->in + s->in_pos, n);
    s->in_pos += n;
    return (int32_t)n;
}

static int32_t s_wait(void *ctx, uint32_t events, uint32_t timeout_ms)
{
    script_t *s = ctx;
    if ((events & MQTLS_WAIT_READ) && (s->in_pos < s->in_len || s->recv_error != 0)) {
        return 1;
    }
    if ((events & MQTLS_WAIT_WRITE) && s->send_stalls == 0u) {
        return 1;
    }
    /* Nothing will ever happen by itself: time passes. A stalled writer
     * becomes writable after 1 ms of waiting per stall. */
    uint32_t step = (events & MQTLS_WAIT_WRITE) ? 1u : timeout_ms;
    s->clock += step;
    s->waited_ms += step;
    return 0;
}

static void s_close(void *ctx)
{
    script_t *s = ctx;
    s->closes++;
}

void script_init(script_t *s)
{
    memset(s, 0, sizeof(*s));
    s->in = calloc(1, SCRIPT_CAP);
    s->out = calloc(1, SCRIPT_CAP);
    if (s->in == NULL || s->out == NULL) {
        abort();
    }
    s->clock = 1000;
}

void script_free(script_t *s)
{
    free(s->in);
    free(s->out);
    s->in = s->out = NULL;
}

void script_transport(script_t *s, mqtls_transport_t *t)
{
    t->ctx = s;
    t->send = s_send;
    t->recv = s_recv;
    t->wait = s_wait;
    t->close = s_close;
}

uint32_t script_now(void *user)
{
    return ((script_t *)user)->clock;
}

void script_push(script_t *s, const uint8_t *bytes, size_t n)
{
    if (s->in_len + n > SCRIPT_CAP) {
        abort();
    }
    memcpy(s->in + s->in_len, bytes, n);
    s->in_len += n;
}

static void push_encoded(script_t *s, int32_t n, const uint8_t *buf)
{
    if (n <= 0) {
        abort();
    }
    script_push(s, buf, (size_t)n);
}

void script_push_connack(script_t *s, bool sp, uint8_t rc)
{
    uint8_t b[4];
    push_encoded(s, mqtls_encode_connack(b, sizeof b, MQTLS_PROTO_V311, sp, rc), b);
}

void script_push_ack(script_t *s, uint8_t type, uint16_t id)
{
    uint8_t b[4];
    push_encoded(s, mqtls_encode_ack(b, sizeof b, MQTLS_PROTO_V311, type, id), b);
}

void script_push_publish(script_t *s, const char *topic, const char *payload, uint8_t qos, uint16_t id,
                         bool dup)
{
    static uint8_t b[70000];
    mqtls_publish_t p = {.topic = topic,
                         .topic_len = strlen(topic),
                         .payload = (const uint8_t *)payload,
                         .payload_len = strlen(payload),
                         .qos = qos,
                         .dup = dup,
                         .packet_id = id};
    push_encoded(s, mqtls_encode_publish(b, sizeof b, MQTLS_PROTO_V311, &p), b);
}

void script_push_suback(script_t *s, uint16_t id, const uint8_t *codes, size_t n)
{
    uint8_t b[64];
    push_encoded(s, mqtls_encode_suback(b, sizeof b, MQTLS_PROTO_V311, id, codes, n), b);
}

uint8_t script_next(script_t *s, const uint8_t **pkt, size_t *len)
{
    mqtls_fixed_header_t h;
    if (s->out_pos >= s->out_len ||
        mqtls_decode_fixed_header(s->out + s->out_pos, s->out_len - s->out_pos, &h) != MQTLS_OK) {
        return 0;
    }
    size_t total = (size_t)h.header_len + h.remaining_length;
    if (total > s->out_len - s->out_pos) {
        return 0;
    }
    *pkt = s->out + s->out_pos;
    *len = total;
    s->out_pos += total;
    return h.type;
}

void script_drain(script_t *s)
{
    s->out_pos = s->out_len;
}
