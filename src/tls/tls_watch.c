/* SPDX-License-Identifier: MIT
 * mqtls: the record watcher, and what it lets both engines say about a failure. */
/*
 * see tls_priv.h. Neither engine says by itself whether the peer spoke TLS
 * at all, whether a record header was broken, or which alert went by in the
 * clear; a passive watch that follows one direction of the byte stream in
 * the engine's I/O callbacks does. It reads the cleartext record and
 * handshake headers up to ChangeCipherSpec (RFC 5246 §6.2.1, §7.4), which
 * in TLS 1.2 covers the whole negotiation and in TLS 1.3 the ServerHello.
 * The sentences for "not TLS", "a broken record", "closed in the handshake"
 * and "the server's alert" are here too, so both engines word them alike.
 * Rejected: asking each library (mbedTLS has no such getter; OpenSSL's
 * reason codes tell "wrong version number" for a plain MQTT port and for a
 * TLS 1.3-only server alike).
 */
#include <string.h>

#include "tls_priv.h"

/* ---- the stream watch ---------------------------------------------------------- */

void mqtls__tls_watch_reset(mqtls__tls_watch_t *w)
{
    memset(w, 0, sizeof(*w));
    w->alert = -1;
}

/* One byte of a record header, checked as it arrives, so that four bytes
 * of an MQTT CONNACK followed by a close already count as "not TLS". */
static void watch_header_byte(mqtls__tls_watch_t *w, uint8_t b)
{
    w->hdr[w->hdr_got++] = b;
    bool ok = true;
    if (w->hdr_got == 1) {
        ok = b >= MQTLS__REC_CCS && b <= MQTLS__REC_APPDATA;
    } else if (w->hdr_got == 2) {
        ok = b == 3; /* major version of every TLS */
    } else if (w->hdr_got == 5) {
        w->rec_left = (uint16_t)((w->hdr[3] << 8) | w->hdr[4]);
        /* Handshake, alert and CCS records are in the clear while the
         * watch follows them: 2^14 at most (RFC 5246 §6.2.1); an encrypted
         * one may carry 2048 more (§6.2.3). */
        uint32_t limit = w->hdr[0] == MQTLS__REC_APPDATA ? 16384u + 2048u : 16384u;
        if (w->rec_left > limit) {
            w->oversized = w->rec_left;
            ok = false;
        }
    }
    if (!ok) {
        /* A well-formed type and version with a length beyond the limit is
         * TLS gone wrong, not another protocol. */
        w->not_tls = !w->spoke_tls && w->oversized == 0u;
        w->bad_record = !w->not_tls;
        w->stopped = true;
    } else if (w->hdr_got == 5) {
        w->spoke_tls = true;
    }
}

static void watch_handshake_byte(mqtls__tls_watch_t *w, uint8_t b)
{
    /* Handshake messages may span records: the count runs across them. */
    if (w->hs_left > 0u) {
        w->hs_left--;
        return;
    }
    w->hs_hdr[w->hs_got++] = b;
    if (w->hs_got == 4) {
        if (w->hs_hdr[0] < 32u) {
            w->hs_types |= 1u << w->hs_hdr[0];
        }
        w->hs_left = ((uint32_t)w->hs_hdr[1] << 16) | ((uint32_t)w->hs_hdr[2] << 8) | w->hs_hdr[3];
        w->hs_max = w->hs_left > w->hs_max ? w->hs_left : w->hs_max;
        w->hs_got = 0;
    }
}

static void watch_body_byte(mqtls__tls_watch_t *w, uint8_t b)
{
    if (w->hdr[0] == MQTLS__REC_HANDSHAKE) {
        watch_handshake_byte(w, b);
    } else if (w->hdr[0] == MQTLS__REC_ALERT) {
        /* struct { level; description; } Alert (RFC 5246 §7.2); only a fatal
         * one ends the handshake, a warning (unrecognized_name) does not. */
        if (w->alert_level == 0u) {
            w->alert_level = b;
            return;
        }
        if (w->alert_level == 2u) {
            w->alert = b;
        }
        w->alert_level = 0;
    }
}

static void watch_record_end(mqtls__tls_watch_t *w)
{
    w->hdr_got = 0;
    if (w->hdr[0] == MQTLS__REC_CCS) {
        w->stopped = true; /* what follows is encrypted */
    }
}

void mqtls__tls_watch_feed(mqtls__tls_watch_t *w, const uint8_t *p, size_t n)
{
    if (w->bytes == 0u && n > 0u) {
        w->first = p[0];
    }
    w->bytes += n;
    for (size_t i = 0; i < n && !w->stopped; i++) {
        if (w->hdr_got < 5u) {
            watch_header_byte(w, p[i]);
            if (w->hdr_got == 5u && w->rec_left == 0u && !w->stopped) {
                watch_record_end(w);
            }
            continue;
        }
        watch_body_byte(w, p[i]);
        if (--w->rec_left == 0u) {
            watch_record_end(w);
        }
    }
}

/* ---- what a failure looked like on the wire -------------------------------------------- */

int32_t mqtls__tls_not_tls_error(mqtls_tls_t *t, const mqtls__tls_watch_t *in)
{
    const char *what = in->first == 0x20u ? ", an MQTT CONNACK" : in->first == 'H' ? ", perhaps HTTP" : "";
    mqtls__tls_detail(t,
                      "the server answered with bytes that are not TLS (first byte 0x%02x%s); is this a plain "
                      "MQTT port?",
                      (unsigned)in->first, what);
    return MQTLS_ERR_TLS_NOT_TLS;
}

int32_t mqtls__tls_bad_record_error(mqtls_tls_t *t, const mqtls__tls_watch_t *in, const char *why)
{
    const char *after = (in->hs_types & (1u << MQTLS__HS_SERVER_HELLO)) ? "its ServerHello" : "a TLS record";
    if (in->oversized != 0u) {
        mqtls__tls_detail(t,
                          "the server sent a TLS record header (type %u) claiming %u bytes; a TLS record holds at "
                          "most 16384 (RFC 5246 §6.2)",
                          (unsigned)in->hdr[0], (unsigned)in->oversized);
    } else if (in->bad_record) {
        mqtls__tls_detail(t,
                          "after %s, the server sent bytes that are not a TLS record (0x%02x where a record type "
                          "belongs)",
                          after, (unsigned)in->hdr[0]);
    } else {
        /* Past what the watch reads in the clear: the library's verdict. */
        mqtls__tls_detail(t, "after %s, the server sent bytes that are not a valid TLS record (%s)",
                          in->bytes > 0u ? after : "the handshake began", why != NULL ? why : "no reason given");
    }
    return MQTLS_ERR_TLS_BAD_RECORD;
}

int32_t mqtls__tls_closed_error(mqtls_tls_t *t, const mqtls__tls_watch_t *in, bool reset)
{
    const char *how = reset ? "reset the connection" : "closed the connection";
    const mqtls_tls_report_t *r = t->report;
    if (in->bytes == 0u) {
        mqtls__tls_detail(t, "the server %s without a TLS answer; is this a plain MQTT port?", how);
    } else if (r->cert_requested && !r->cert_sent) {
        mqtls__tls_detail(t, "the server %s after asking for a client certificate, and none was given", how);
    } else if (r->cert_requested) {
        mqtls__tls_detail(t, "the server %s after we sent our certificate; it may have rejected it without saying why",
                          how);
    } else {
        mqtls__tls_detail(t, "the server %s during the TLS handshake, after %zu bytes", how, in->bytes);
    }
    return MQTLS_ERR_TLS_CLOSED_IN_HANDSHAKE;
}

int32_t mqtls__tls_alert_failure(mqtls_tls_t *t, int alert)
{
    int32_t rc = mqtls__tls_alert_error(t, alert);
    const char *name = mqtls_tls_alert_name(alert);
    t->report->alert_received = alert;
    switch (rc) {
    case MQTLS_ERR_TLS_CERT_REJECTED:
        mqtls__tls_detail(t, "the server rejected our certificate with the alert %s (%d)", name, alert);
        break;
    case MQTLS_ERR_TLS_CERT_REQUIRED:
        mqtls__tls_detail(t, "the server wants a client certificate and we have none: alert %s (%d)", name, alert);
        break;
    case MQTLS_ERR_TLS_NO_COMMON_VERSION:
        mqtls__tls_detail(t, "the server accepts none of the TLS versions we offer: alert %s (%d)", name, alert);
        break;
    case MQTLS_ERR_TLS_NO_SHARED_CIPHER:
        mqtls__tls_detail(t, "the server accepts none of our cipher suites: alert %s (%d)", name, alert);
        break;
    case MQTLS_ERR_CLOSED: mqtls__tls_detail(t, "the server closed the TLS session (close_notify)"); break;
    default:
        mqtls__tls_detail(t, "the server sent the alert %s (%d)%s", name, alert,
                          t->report->cert_requested ? " after asking for a client certificate" : "");
        break;
    }
    return rc;
}
