/* SPDX-License-Identifier: MIT
 * mqtls: the MQTT client (3.1.1 and 5.0): connect, publish, subscribe, loop. */
/*
 * Policy (as BearSSL puts it): no dynamic allocation, no I/O of its own, no
 * clock of its own, no global state. The caller allocates the client
 * context, both buffers, the in-flight records and the message store, and
 * owns them; nothing needs to be released. Bytes move through an
 * mqtls_transport_t, time comes from the caller's now_ms().
 *
 * Blocking: connect, subscribe and unsubscribe wait for their
 * acknowledgement (processing other packets meanwhile) for at most the
 * timeout they are given. publish returns once the packet is handed to the
 * transport; QoS 1/2 completion is driven by mqtls_client_loop(). loop never
 * blocks longer than its timeout.
 *
 * Errors: mqtls_err_class() (mqtls/error.h) says what each code means for
 * the connection. TRANSIENT (INFLIGHT_FULL, STORE_FULL, WANT_WRITE): call
 * mqtls_client_loop() and retry. NONFATAL (MESSAGE_TOO_LARGE,
 * SUBSCRIBE_REFUSED, PUBLISH_REFUSED, QUOTA_EXCEEDED...): reported, the
 * connection stays. A FATAL validation error of a call (INVALID_ARG, a bad
 * topic) sent nothing and leaves the connection as it was. Any other error
 * has given up the connection: the client is then disconnected, and the
 * application reconnects its transport and calls mqtls_client_connect()
 * again -- unless the class is FATAL (a refused CONNACK for bad credentials,
 * an untrusted server), which no retry will cure.
 *
 * Sessions: with clean_session false, unacknowledged QoS 1/2 PUBLISH
 * packets (DUP set) and PUBRELs are resent in their original order after
 * the CONNACK, each once, nothing but CONNECT before it [MQTT-4.4.0-1]; a
 * resend cut short by a lost connection starts over after the next CONNACK.
 * Incoming QoS 2 ids still waiting for PUBREL are kept, so nothing is lost
 * or delivered twice. With a store that has the optional hooks of
 * mqtls/msgstore.h this survives a reboot: mqtls_client_init() leaves the
 * store alone and mqtls_client_restore() rebuilds the records from it. A
 * PUBREC for an id we hold no QoS 2 record of (the broker kept a session of
 * an earlier run) is answered with PUBREL (reason 0x92 on 5.0) so the
 * broker releases it. cfg.ack_timeout_ms bounds how long the oldest
 * message may wait for its acknowledgement (MQTLS_ERR_ACK_TIMEOUT).
 * On MQTT 5.0 the resend obeys the new CONNACK: at most its receive maximum
 * of messages in flight (a message waiting for PUBCOMP counts; its PUBREL is
 * always resent), the rest following in order as acknowledgements arrive in
 * mqtls_client_loop(); a stored PUBLISH the new broker no longer accepts
 * (QoS above its maximum QoS, retain when retain is not available, larger
 * than its maximum packet size) is dropped from the store and its record
 * freed, and the next mqtls_client_loop() returns MQTLS_ERR_QOS_NOT_SUPPORTED,
 * MQTLS_ERR_RETAIN_NOT_SUPPORTED or MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER
 * (non-fatal; one report per loop call, the last drop's reason;
 * mqtls_client_outstanding() shows what is left).
 *
 * Oversized messages: an incoming PUBLISH larger than the receive buffer is
 * not delivered. Its payload is read and discarded (the stream stays in
 * sync), it is acknowledged as QoS requires so the broker does not resend it
 * forever, and that mqtls_client_loop() call returns
 * MQTLS_ERR_MESSAGE_TOO_LARGE; the connection stays up.
 *
 * MQTT 5.0: chosen per connection by mqtls_connect_t.protocol_version
 * (MQTLS_PROTO_V5). What the client does for you, and what it needs:
 * - CONNECT: unless the caller's props set them, the client announces a
 *   receive maximum (inbound_count, or 65535 with the bitmap), a maximum
 *   packet size (rx_len: the broker then never sends a larger packet) and a
 *   topic alias maximum (alias_in_count). A receive maximum or topic alias
 *   maximum the caller sets is capped at what the tables hold, so a broker
 *   that uses all it was granted is never refused. Without inbound storage
 *   (no inbound_ids, no bitmap) no receive maximum can say "no QoS 2" (its
 *   minimum is 1): subscribe with QoS <= 1; an incoming QoS 2 message ends
 *   the connection with MQTLS_ERR_INBOUND_FULL and DISCONNECT 0x83
 *   (implementation specific error: our limit, not a broker error).
 * - CONNACK: everything is honoured and kept (mqtls_client_server_caps()):
 *   receive maximum (never more QoS 1/2 PUBLISHes in flight: publish returns
 *   MQTLS_ERR_INFLIGHT_FULL, retry after loop), maximum QoS, retain
 *   available, maximum packet size (never send a larger packet:
 *   PACKET_TOO_LARGE_FOR_SERVER, the connection stays up), topic alias
 *   maximum, wildcard / subscription identifier / shared subscription
 *   availability, server keep alive (replaces ours), assigned client
 *   identifier (mqtls_client_assigned_id()). A refusal is
 *   MQTLS_ERR_REFUSED_* (the 3.1.1 codes where one fits) or REFUSED_V5, with
 *   the reason code, reason string and server reference kept
 *   (mqtls_client_reason()).
 * - Topic aliases, both ways, in caller-provided tables. Inbound (broker to
 *   us): resolved before on_message, so msg->topic is always the full topic;
 *   an unknown alias is a protocol error (DISCONNECT 0x94 is sent,
 *   MQTLS_ERR_TOPIC_ALIAS_INVALID); an alias set for a topic longer than
 *   our slots ends the connection at its next use with
 *   MQTLS_ERR_TOPIC_ALIAS_TOO_LONG (DISCONNECT 0x83, see alias_in). Outbound: assigned automatically, at most
 *   the broker's topic alias maximum, least recently used replaced; a topic
 *   sent before goes out as alias + empty topic. Stored QoS 1/2 packets
 *   always keep the full topic, so a resend after a reconnect (aliases are
 *   per connection) is never sent with a stale alias.
 * - Server DISCONNECT: the call in progress returns
 *   MQTLS_ERR_SERVER_DISCONNECT; mqtls_client_reason() says why.
 * - Protocol errors by the broker are answered with DISCONNECT and the
 *   matching reason code (0x81, 0x82, 0x93, 0x94, 0x95) before closing.
 * - Enhanced authentication: the authentication method goes in the CONNECT
 *   props; each AUTH challenge from the broker (during connect, or during a
 *   re-authentication started with mqtls_client_reauth()) is passed to
 *   cfg.on_auth, whose answer is sent back.
 *
 * Example:
 *   static uint8_t tx[1024], rx[1024], arena[4096];
 *   static mqtls_inflight_t out[16];
 *   static uint16_t in_ids[16];
 *   mqtls_client_t c; mqtls_memstore_t ms; mqtls_msgstore_t store;
 *   mqtls_memstore_init(&ms, arena, sizeof arena, &store);
 *   mqtls_client_config_t cfg = { .tx_buf = tx, .tx_len = sizeof tx,
 *       .rx_buf = rx, .rx_len = sizeof rx, .outbound = out, .outbound_count = 16,
 *       .inbound_ids = in_ids, .inbound_count = 16, .store = &store,
 *       .now_ms = my_clock, .on_message = on_msg, .user = app };  // POSIX: mqtls_posix_now_ms
 *   mqtls_client_init(&c, &cfg);
 *   mqtls_connect_t conn = { .protocol_version = MQTLS_PROTO_V311,
 *       .clean_session = true, .keepalive_s = 60, .client_id = "dev1", .client_id_len = 4 };
 *   int32_t rc = mqtls_client_connect(&c, &tcp_transport, &conn, NULL, 5000);
 *   ... mqtls_client_publish(&c, &msg, NULL); ... mqtls_client_loop(&c, 100);
 *
 * The same over MQTT 5.0, with topic aliases both ways and a session that
 * outlives the connection by an hour:
 *   static uint8_t al_in[8 * MQTLS_ALIAS_IN_SLOT(64)], al_out[4 * MQTLS_ALIAS_OUT_SLOT(64)];
 *   cfg.alias_in = al_in;   cfg.alias_in_len = sizeof al_in;   cfg.alias_in_count = 8;
 *   cfg.alias_out = al_out; cfg.alias_out_len = sizeof al_out; cfg.alias_out_count = 4;
 *   mqtls_props_t cp = { .present = MQTLS_PROP_BIT(MQTLS_PROP_SESSION_EXPIRY), .session_expiry = 3600 };
 *   conn.protocol_version = MQTLS_PROTO_V5; conn.props = &cp;
 *   rc = mqtls_client_connect(&c, &tcp_transport, &conn, NULL, 5000);
 *   if (rc < 0) { const char *why; uint8_t code = mqtls_client_reason(&c, &why, NULL); ... }
 *   mqtls_user_prop_t up = { { (const uint8_t *)"unit", 4 }, { (const uint8_t *)"C", 1 } };
 *   mqtls_props_t pp = { .present = MQTLS_PROP_BIT(MQTLS_PROP_MESSAGE_EXPIRY), .message_expiry = 60,
 *                        .user = &up, .user_n = 1 };
 *   msg.props = &pp;  // in on_message: msg->props, user properties via mqtls_props_begin/next
 *   rc = mqtls_client_publish(&c, &msg, NULL);  // QOS_NOT_SUPPORTED, PACKET_TOO_LARGE_FOR_SERVER...
 */
#ifndef MQTLS_CLIENT_H
#define MQTLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/codec.h"
#include "mqtls/config.h"
#include "mqtls/error.h"
#include "mqtls/msgstore.h"
#include "mqtls/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- message store: see mqtls/msgstore.h ------------------------------ */

/** Deprecated name of mqtls_msgstore_t (0.2), kept for one release: the
 * word "store" alone also names the credential store (mqtls/cred.h). */
typedef mqtls_msgstore_t mqtls_store_t;

/** A RAM store over a caller's buffer. Do not touch its fields. */
typedef struct {
    uint8_t *buf; /* records */
    size_t cap;
    size_t head;    /* first live record; removed records ahead of it are skipped */
    size_t used;    /* end of the last record */
    uint8_t *index; /* id -> offset table (indexed init), NULL: none */
    size_t slots;   /* index slots (2 per record) */
    size_t live;    /* live records */
} mqtls_memstore_t;

/** Bytes of the index mqtls_memstore_init_indexed() takes for n records. */
#define MQTLS_MEMSTORE_INDEX_SIZE(n) ((size_t)(n) * 8u)

/**
 * Make a store that keeps packets in buf (each costs its size + 6 bytes; an
 * incoming QoS 2 id or a PUBREL, 6 bytes). It has every hook of
 * mqtls_msgstore_t, the optional ones included (PUBREL marks, incoming QoS 2
 * ids, each()), so a client over it can be restored: useful in tests, and
 * on devices whose RAM survives a warm reset (a .noinit section). Finding a
 * record is O(1) when acknowledgements come in order, else a scan: see
 * mqtls_memstore_init_indexed().
 * @param ms  storage for the store's state, lives as long as the client
 * @param buf the arena, lives as long as the client
 * @param len bytes of buf, more than 6
 * @param out filled with the hooks to put in mqtls_client_config_t.store
 * @return MQTLS_OK or MQTLS_ERR_INVALID_ARG.
 */
int32_t mqtls_memstore_init(mqtls_memstore_t *ms, uint8_t *buf, size_t len, mqtls_msgstore_t *out);

/**
 * As mqtls_memstore_init(), with an index that makes every operation O(1)
 * whatever the order of acknowledgements: the first
 * MQTLS_MEMSTORE_INDEX_SIZE(max_records) bytes of buf hold it, the rest the
 * records. max_records is the most records live at once: outbound_count +
 * inbound_count of the client (a put beyond it is MQTLS_ERR_STORE_FULL);
 * 0 gives mqtls_memstore_init().
 * @return MQTLS_OK or MQTLS_ERR_INVALID_ARG (buf too small for the index).
 */
int32_t mqtls_memstore_init_indexed(mqtls_memstore_t *ms, uint8_t *buf, size_t len, size_t max_records,
                                    mqtls_msgstore_t *out);

/* ---- client -------------------------------------------------------------- */

/** Bytes of mqtls_client_config_t.inbound_bitmap: one bit for each of 65536 ids. */
#define MQTLS_INBOUND_BITMAP_SIZE 8192u

/** An outgoing QoS 1/2 exchange (12 bytes). Sized by the caller; fields are private. */
typedef struct {
    uint32_t sent_ms;   /* when it was (re)sent: the acknowledgement deadline */
    uint16_t packet_id; /* 0: free */
    uint16_t prev;      /* send order: index + 1 of the older / younger record, 0: none */
    uint16_t next;
    uint8_t state;      /* private */
    uint8_t qos;
} mqtls_inflight_t;

/** A message delivered to on_message: the decoded PUBLISH. Its pointers
 * point into the receive buffer and are valid only during the callback. */
typedef mqtls_publish_t mqtls_message_t;

typedef void (*mqtls_message_cb)(void *user, const mqtls_message_t *msg);

/**
 * Enhanced authentication step (MQTT 5.0). Called with the broker's AUTH
 * (reason 0x18 "continue authentication") or, with reason 0x00, the
 * authentication data of the final CONNACK or AUTH "success" so the
 * application can check the broker's proof. data/len borrow the receive
 * buffer for the call. For 0x18, set *out and *out_len to the data to answer
 * with (NULL/0: none); it must stay valid until the next callback or the end
 * of the connect/reauth call. @return MQTLS_OK, or any negative value to give
 * up (the call then fails with MQTLS_ERR_AUTH_FAILED).
 */
typedef int32_t (*mqtls_auth_cb)(void *user, uint8_t reason, const uint8_t *data, size_t len,
                                 const uint8_t **out, size_t *out_len);
typedef uint32_t (*mqtls_now_fn)(void *user);

/** Everything the client needs; copied by mqtls_client_init, the buffers
 * and arrays it points to must outlive the client. */
typedef struct {
    uint8_t *tx_buf; /**< holds the largest packet you send */
    size_t tx_len;
    uint8_t *rx_buf; /**< holds the largest packet you accept (>= 16 bytes) */
    size_t rx_len;
    mqtls_inflight_t *outbound; /**< QoS 1/2 publishes in flight; may be NULL for QoS 0 only */
    size_t outbound_count;
    uint16_t *inbound_ids; /**< incoming QoS 2 ids awaiting PUBREL; may be NULL (no QoS 2 in:
                            * a QoS 2 message is then MQTLS_ERR_INBOUND_FULL, fatal) */
    size_t inbound_count;
    /** Optional, instead of inbound_ids: MQTLS_INBOUND_BITMAP_SIZE bytes, one
     * bit per packet id. Constant-time duplicate checks and room for every id,
     * for gateways receiving QoS 2 at high rates (a broker may run tens of
     * thousands of ids ahead of its PUBRELs). */
    uint8_t *inbound_bitmap;
    const mqtls_msgstore_t *store; /**< needed for outgoing QoS 1/2 (see mqtls/msgstore.h) */
    mqtls_now_fn now_ms;        /**< required: a millisecond clock, may wrap */
    void *now_user;
    mqtls_message_cb on_message; /**< may be NULL: messages are acknowledged and dropped */
    void *user;                  /**< passed to on_message */
    uint32_t ping_timeout_ms;    /**< 0: MQTLS_CONFIG_PING_TIMEOUT_MS */
    /** Acknowledgement deadline, 0: none. The oldest outgoing QoS 1/2
     * message must be fully acknowledged (PUBACK, or PUBREC and PUBCOMP)
     * within this many ms of being sent (resent, after a reconnect), else
     * mqtls_client_loop() returns MQTLS_ERR_ACK_TIMEOUT and the connection
     * is given up (reconnect: the message is resent). Checked only once
     * everything that arrived has been read, so an acknowledgement waiting
     * unread (the application did not call loop for a while) is taken, not
     * a timeout. Catches a broker that answers PINGREQ but never
     * acknowledges. */
    uint32_t ack_timeout_ms;
    /** Coalesce PUBLISHes, false: each goes to the transport in its own
     * send. true: mqtls_client_publish() appends the packet to tx_buf behind
     * the bytes not yet sent and returns without a send, so a burst leaves in
     * one send (issue 14: a full window at under 0.1 system calls per
     * message; size tx_buf for a burst, e.g. 16 KiB). The bytes are handed to
     * the transport by the next mqtls_client_loop() (loop(c, 0) is the
     * explicit flush), by a publish that no longer fits behind them, by a
     * subscribe/unsubscribe and by mqtls_client_disconnect(), which sends
     * them before the DISCONNECT. A QoS 1/2 message is in the store when
     * publish returns, as always; a QoS 0 message that was still in tx_buf
     * when the connection failed or mqtls_client_abort() ran is lost. */
    bool coalesce_tx;
    /* ---- MQTT 5.0 only; all optional -------------------------------------- */
    /** Inbound topic aliases (broker -> us): alias_in_count slots of
     * alias_in_len / alias_in_count bytes each; a slot holds a topic of up to
     * that size minus 2 bytes (MQTLS_ALIAS_IN_SLOT(max_topic)). The count is
     * the topic alias maximum announced in CONNECT. An alias the broker sets
     * for a longer topic cannot be kept (that message is still delivered):
     * its later use ends the connection with MQTLS_ERR_TOPIC_ALIAS_TOO_LONG
     * and DISCONNECT 0x83 (implementation specific error: the broker did
     * nothing wrong; size the slots for your longest topic). NULL/0: no
     * inbound aliases. */
    uint8_t *alias_in;
    size_t alias_in_len;
    uint16_t alias_in_count;
    /** Outbound topic aliases (us -> broker): alias_out_count slots of
     * alias_out_len / alias_out_count bytes (MQTLS_ALIAS_OUT_SLOT(max_topic));
     * longer topics are sent without an alias. NULL/0: none. */
    uint8_t *alias_out;
    size_t alias_out_len;
    uint16_t alias_out_count;
    /** Enhanced authentication (AUTH), may be NULL; called with `user`. */
    mqtls_auth_cb on_auth;
} mqtls_client_config_t;

/** Bytes of an inbound / outbound topic alias slot for topics up to n bytes. */
#define MQTLS_ALIAS_IN_SLOT(n) ((n) + 2u)
#define MQTLS_ALIAS_OUT_SLOT(n) ((n) + 6u)

/**
 * What the broker allows on this connection, from its CONNACK (MQTT 5.0;
 * for 3.1.1 the protocol's defaults). Read it with mqtls_client_server_caps().
 */
typedef struct {
    uint32_t max_packet_size;   /**< largest packet we may send; 0: no limit. A QoS 1/2
                                 * publish is checked with its full topic too (the stored
                                 * copy a resend uses), even if an alias makes the first
                                 * copy on the wire smaller */
    uint32_t session_expiry_s;  /**< the broker's, or the one we asked for */
    uint16_t receive_max;       /**< QoS 1/2 PUBLISHes we may have in flight (65535 absent) */
    uint16_t topic_alias_max;   /**< aliases the broker accepts from us (0 absent) */
    uint16_t keepalive_s;       /**< keep alive in force (server keep alive, or ours) */
    uint8_t max_qos;            /**< 0, 1 or 2 (absent) */
    bool retain_available;
    bool wildcard_available;
    bool sub_id_available;
    bool shared_available;
} mqtls_server_caps_t;

/* Bytes of each MQTT 5.0 string the client keeps; 1 (always empty) in a
 * 3.1.1-only build (MQTLS_CONFIG_MQTT5 0). */
#if MQTLS_CONFIG_MQTT5
#define MQTLS__V5_STRING_LEN MQTLS_CONFIG_V5_STRING_MAX
#else
#define MQTLS__V5_STRING_LEN 1u
#endif

/** Session bookkeeping inside mqtls_client_t (src/core/session.c); private. */
typedef struct {
    mqtls_inflight_t *rec;
    uint16_t *in_ids;
    uint8_t *in_bitmap;
    uint16_t count, in_count;
    uint16_t head, tail;   /* send order, index + 1 */
    uint16_t cur, rel_cur; /* resend cursors */
    uint16_t used, marked_pub, marked_rel, displaced;
    uint16_t next_id;
} mqtls_session_t;

/** Client context; allocate it, never access its fields. */
typedef struct mqtls_client {
    mqtls_client_config_t cfg;
    mqtls_transport_t tr;
    uint8_t version;
    uint8_t state;
    bool in_callback;
    bool ping_outstanding;
    bool connack_sp;     /* session present flag of the last CONNACK */
    bool store_synced;   /* the records reflect the store (restored or cleared since init) */
    uint16_t keepalive_s;
    uint16_t wait_id;    /* packet id a blocking call waits for */
    uint8_t wait_type;   /* packet type a blocking call waits for */
    bool wait_done;
    int32_t wait_result;
    uint8_t *wait_codes; /* SUBACK codes out, may be NULL */
    size_t wait_codes_n;
    mqtls_session_t sess;
    uint32_t last_tx_ms;
    uint32_t ping_sent_ms;
    size_t rx_start;       /* first unprocessed byte in rx_buf */
    size_t rx_end;         /* end of received bytes in rx_buf */
    uint32_t skip_left;    /* bytes of an oversized packet still to discard */
    size_t tx_off;         /* bytes of the packet in tx_buf already sent */
    size_t tx_pend;        /* length of the packet in tx_buf, 0 when idle */
    uint8_t resp_type;     /* a response waiting for the transmitter, 0: none */
    uint16_t resp_id;
    uint8_t resp_reason;   /* 5.0 reason code of the parked ack, 0: none */
    int32_t deferred;      /* non-fatal result to report from loop */
    uint32_t dropped;      /* oversized messages skipped */
    /* MQTT 5.0 */
    mqtls_server_caps_t caps;
    uint32_t rx_max;        /* maximum packet size we announced, 0: none */
    uint32_t alias_clock;   /* LRU stamps of outbound aliases */
    uint16_t alias_in_max;  /* topic alias maximum we announced */
    uint16_t alias_out_max; /* outbound aliases usable: min(table, broker's) */
    uint8_t reason;         /* reason code of a refusal or server DISCONNECT */
    const uint8_t *auth_method; /* during connect/reauth only */
    size_t auth_method_len;     /* the CONNECT's, for the connection; 0: none */
    uint32_t auth_hash;         /* FNV-1a of the CONNECT's method, for reauth */
    const uint8_t *auth_out;    /* the answer on_auth gave, for the AUTH packet */
    size_t auth_out_len;
    char reason_str[MQTLS__V5_STRING_LEN];
    char server_ref[MQTLS__V5_STRING_LEN];
    char assigned_id[MQTLS__V5_STRING_LEN];
} mqtls_client_t;

/* mqtls_client_t's size depends on MQTLS_CONFIG_MQTT5 (and
 * MQTLS_CONFIG_V5_STRING_MAX): an application compiled with other values
 * than the library would pass the wrong size of context. The entry point
 * every application calls carries both in its link name, so such a build
 * fails to link ("undefined reference to mqtls_client_init_v5_64u") instead
 * of corrupting memory at run time. Both knobs must be plain integer
 * literals (e.g. -DMQTLS_CONFIG_V5_STRING_MAX=128). */
#define MQTLS__ABI_CAT2(a, b, c) a##b##_##c
#define MQTLS__ABI_CAT(a, b, c) MQTLS__ABI_CAT2(a, b, c)
#if MQTLS_CONFIG_MQTT5
#define mqtls_client_init MQTLS__ABI_CAT(mqtls_client_init_v, 5, MQTLS__V5_STRING_LEN)
#else
#define mqtls_client_init MQTLS__ABI_CAT(mqtls_client_init_v, 311, MQTLS__V5_STRING_LEN)
#endif

/**
 * Prepare a client. Checks the configuration (buffers present, rx_len >= 16,
 * now_ms set, count and pointer consistent, at most 65535 records) and
 * clears the records in RAM. The message store is not touched: it may hold
 * a session from before a reboot (see mqtls_client_restore()).
 * @param c    the context to prepare; its old contents are ignored
 * @param cfg  copied; what it points to must outlive the client
 * @return MQTLS_OK or MQTLS_ERR_INVALID_ARG.
 */
int32_t mqtls_client_init(mqtls_client_t *c, const mqtls_client_config_t *cfg);

/**
 * Rebuild the session from cfg.store after a reboot: the outgoing records
 * in their original order (a PUBLISH waits for PUBACK/PUBREC, a PUBREL for
 * PUBCOMP) and the incoming QoS 2 ids waiting for PUBREL, from the store's
 * each(). Call it after mqtls_client_init() and before the first
 * mqtls_client_connect() with clean_session false; that connect resends
 * them after the CONNACK (DUP set). New packet ids continue after the
 * newest restored one and never collide with a restored id. Without this
 * call, the first such connect restores by itself when the store has
 * each(), else it empties the store (what init did before 0.3).
 * @param c  an initialised client, not connected
 * @return the number of outgoing records restored (>= 0);
 * MQTLS_ERR_NOT_SUPPORTED when the store has no each() (a RAM-only store
 * that cannot survive a reboot); MQTLS_ERR_RESTORE_TOO_MANY when the store
 * holds more outgoing records than outbound_count, or more incoming ids
 * than the inbound storage (nothing restored, the store untouched: give the
 * client as many records as the last run had); MQTLS_ERR_BUSY when
 * connected; MQTLS_ERR_INVALID_ARG (no store, or a store that reported an id
 * 0, the same id twice, or an unknown kind); or what each() returned.
 */
int32_t mqtls_client_restore(mqtls_client_t *c);

/**
 * Send CONNECT over `t` (already connected, e.g. TCP or TLS) and wait for the
 * CONNACK. Calling it while connected abandons the old connection without
 * closing it. With clean_session the stored session is discarded first
 * (RAM and store); without it, unacknowledged messages are resent right
 * after the CONNACK, and the first such connect after init restores the
 * store's session if mqtls_client_restore() was not called. A CONNACK with
 * session present 0 on 5.0 discards the session (store included)
 * [MQTT-3.2.2-5].
 * @param t      copied; the transport's ctx must stay valid while connected
 * @param conn   CONNECT contents, borrowed for the call
 * @param session_present  may be NULL; set from the CONNACK
 * @param timeout_ms  for the CONNACK
 * @return MQTLS_OK; MQTLS_ERR_REFUSED_* for CONNACK codes 1..5;
 * MQTLS_ERR_TIMEOUT; transport or protocol errors; the errors of
 * mqtls_client_restore() when it restores (nothing sent then).
 */
int32_t mqtls_client_connect(mqtls_client_t *c, const mqtls_transport_t *t, const mqtls_connect_t *conn,
                             bool *session_present, uint32_t timeout_ms);

/**
 * Publish a message. QoS 0 is done when this returns (with cfg.coalesce_tx:
 * it is in tx_buf, handed to the transport as that field says). QoS 1/2: the packet is
 * stored and sent; the exchange completes in mqtls_client_loop(), and
 * mqtls_client_outstanding() tells when every message has been acknowledged.
 * The message (topic, payload) is copied: the caller may reuse it at once.
 * @param packet_id  may be NULL; receives the id used (0 for QoS 0)
 * If the transport cannot take the whole packet at once, the rest is sent by
 * the next mqtls_client_loop() (or publish) call; the call itself never waits.
 * @return MQTLS_OK; MQTLS_ERR_INFLIGHT_FULL, MQTLS_ERR_STORE_FULL or
 * MQTLS_ERR_WANT_WRITE (the transmitter is still busy with an earlier packet
 * or resends): call mqtls_client_loop() and retry; validation errors (nothing
 * sent, connection untouched);
 * transport errors (connection lost, the message stays stored for resend).
 */
int32_t mqtls_client_publish(mqtls_client_t *c, const mqtls_publish_t *msg, uint16_t *packet_id);

/**
 * Subscribe to n filters and wait for the SUBACK.
 * @param granted  may be NULL; else n bytes receive the granted QoS or 0x80
 * @return MQTLS_OK; MQTLS_ERR_SUBSCRIBE_REFUSED if any code was 0x80
 * (non-fatal); MQTLS_ERR_TIMEOUT and other errors are fatal.
 */
int32_t mqtls_client_subscribe(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                               uint8_t *granted, uint32_t timeout_ms);

/** Unsubscribe from n filters and wait for the UNSUBACK. */
int32_t mqtls_client_unsubscribe(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                 uint32_t timeout_ms);

/**
 * MQTT 5.0 SUBSCRIBE with properties (subscription identifier, user
 * properties); the subscription options are in each entry. Checked against
 * the CONNACK first, nothing sent on failure: MQTLS_ERR_WILDCARD_NOT_SUPPORTED,
 * MQTLS_ERR_SUBSCRIPTION_ID_NOT_SUPPORTED, MQTLS_ERR_SHARED_NOT_SUPPORTED,
 * MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER. On a 3.1.1 connection props must
 * be NULL (else MQTLS_ERR_NOT_SUPPORTED).
 * @param codes  may be NULL; else n bytes receive the SUBACK reason codes
 * (granted QoS 0..2, or a failure >= 0x80)
 * @return as mqtls_client_subscribe().
 */
int32_t mqtls_client_subscribe5(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                const mqtls_props_t *props, uint8_t *codes, uint32_t timeout_ms);

/**
 * MQTT 5.0 UNSUBSCRIBE with properties (user properties).
 * @param codes  may be NULL; else n bytes receive the UNSUBACK reason codes
 * (on 3.1.1, which has none, they are set to 0)
 * @return MQTLS_OK; MQTLS_ERR_UNSUBSCRIBE_REFUSED when any code is >= 0x80
 * (non-fatal); other errors are fatal.
 */
int32_t mqtls_client_unsubscribe5(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                  const mqtls_props_t *props, uint8_t *codes, uint32_t timeout_ms);

/**
 * MQTT 5.0 re-authentication [MQTT-4.12.1]: send AUTH 0x19 with the
 * connection's authentication method and `data`, run the challenge rounds
 * through cfg.on_auth, and wait for the broker's AUTH success.
 * @param method  must be the authentication method of the CONNECT
 * [MQTT-4.12.1-1]; the client does not keep a copy of it, only its length
 * and a 32-bit hash, and compares (a different method is refused locally;
 * in the unlikely event of a hash collision the broker refuses it).
 * @return MQTLS_OK; MQTLS_ERR_NOT_SUPPORTED on 3.1.1 or when the CONNECT had
 * no authentication method; MQTLS_ERR_INVALID_ARG for another method than
 * the CONNECT's (both: nothing sent, connection untouched);
 * MQTLS_ERR_AUTH_FAILED; MQTLS_ERR_SERVER_DISCONNECT when the broker
 * refused; MQTLS_ERR_TIMEOUT.
 */
int32_t mqtls_client_reauth(mqtls_client_t *c, const char *method, size_t method_len, const uint8_t *data,
                            size_t data_len, uint32_t timeout_ms);

/**
 * MQTT 5.0 DISCONNECT with a reason code (0x00 normal, 0x04 "disconnect
 * with will message", ...) and properties (session expiry, reason string,
 * user properties), then close the transport. On 3.1.1 reason and props are
 * ignored. Session state is kept as with mqtls_client_disconnect().
 * A non-zero session expiry when the session was to end at disconnection
 * (0 in CONNECT and CONNACK) is MQTLS_ERR_INVALID_ARG, nothing sent
 * [MQTT-3.14.2-2].
 */
int32_t mqtls_client_disconnect5(mqtls_client_t *c, uint8_t reason, const mqtls_props_t *props);

/**
 * Do the client's work: resend after a reconnect, receive and dispatch
 * packets (calling on_message), acknowledge, send PINGREQ when the
 * connection was idle for the keepalive, and detect a missing PINGRESP.
 * Waits for incoming data at most timeout_ms and returns after handling what
 * arrived (at most MQTLS_CONFIG_LOOP_MAX_PACKETS packets).
 * @return MQTLS_OK; non-fatal reports (the connection stays up):
 * MQTLS_ERR_MESSAGE_TOO_LARGE, MQTLS_ERR_PUBLISH_REFUSED (a PUBACK/PUBREC
 * reason code >= 0x80), MQTLS_ERR_QUOTA_EXCEEDED (reason 0x97: the broker's
 * quota, e.g. unreleased QoS 2 of an earlier session), and, after a reconnect, MQTLS_ERR_QOS_NOT_SUPPORTED,
 * MQTLS_ERR_RETAIN_NOT_SUPPORTED or MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER
 * (a stored message the new broker does not accept was dropped, see above);
 * any other error means the connection is gone, among them
 * MQTLS_ERR_KEEPALIVE_TIMEOUT and MQTLS_ERR_ACK_TIMEOUT (cfg.ack_timeout_ms).
 * @param timeout_ms  the longest it waits; 0 polls
 */
int32_t mqtls_client_loop(mqtls_client_t *c, uint32_t timeout_ms);

/** Send DISCONNECT (the will is discarded by the broker) and close the
 * transport. The session state is kept for a later clean_session=false
 * reconnect. */
int32_t mqtls_client_disconnect(mqtls_client_t *c);

/** Give up the connection without DISCONNECT (the broker will publish the
 * will) and close the transport; session state is kept. */
void mqtls_client_abort(mqtls_client_t *c);

bool mqtls_client_is_connected(const mqtls_client_t *c);

/**
 * Outgoing QoS 1/2 messages not yet fully acknowledged (records in use).
 * @param c  may be NULL
 * @return the count, O(1); 0 for NULL.
 */
size_t mqtls_client_outstanding(const mqtls_client_t *c);

/**
 * Is the QoS 1/2 message published (or restored) with this packet id still
 * waiting for its PUBACK (QoS 1) or PUBCOMP (QoS 2)?
 * @param c          may be NULL
 * @param packet_id  as mqtls_client_publish() gave it
 * @return false once it completed, was refused, or was dropped; false for
 * id 0 or NULL. O(1).
 */
bool mqtls_client_in_flight(const mqtls_client_t *c, uint16_t packet_id);

/** Number of incoming messages skipped because they exceeded the receive buffer. */
uint32_t mqtls_client_dropped(const mqtls_client_t *c);

/** What the broker allowed in its CONNACK (valid after a successful connect). */
const mqtls_server_caps_t *mqtls_client_server_caps(const mqtls_client_t *c);

/**
 * Why the broker refused the connection (CONNACK) or ended it (DISCONNECT),
 * MQTT 5.0: the reason code (0 when there is none), and, if not NULL,
 * *reason_string and *server_reference are set to NUL-terminated copies
 * (empty when absent, cut at MQTLS_CONFIG_V5_STRING_MAX - 1 bytes). Valid
 * until the next connect.
 */
uint8_t mqtls_client_reason(const mqtls_client_t *c, const char **reason_string, const char **server_reference);

/** The client identifier the broker assigned (MQTT 5.0, CONNACK), NUL-
 * terminated; NULL when it assigned none. Valid until the next connect. */
const char *mqtls_client_assigned_id(const mqtls_client_t *c);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_CLIENT_H */
