/* SPDX-License-Identifier: MIT
 * mqtls: the MQTT client (3.1.1 and 5.0): connect, publish, subscribe, loop. */
/**
 * @file
 * @brief The MQTT client (3.1.1 and 5.0): connect, publish, subscribe, loop.
 *
 * No dynamic allocation, no I/O of its own, no clock of its own, no global
 * state: the caller allocates the context, the buffers, the in-flight
 * records and the message store and owns them; nothing needs to be
 * released. Bytes move through an mqtls_transport_t, time comes from the
 * caller's now_ms(). connect, subscribe and unsubscribe wait (at most their
 * timeout), publish and connect_start never wait, loop waits at most its
 * timeout.
 * Every negative return has a class, mqtls_err_class() (mqtls/error.h):
 * TRANSIENT (call mqtls_client_loop() and retry), NONFATAL (reported, the
 * connection stays), RECONNECT (the connection is gone: reconnect), FATAL
 * (stop: no retry will help).
 *
 * The life of a connection, sessions and resends, oversized messages, what
 * MQTT 5.0 adds, and examples: docs/client-guide.md.
 */
#ifndef MQTLS_CLIENT_H
#define MQTLS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/api.h"
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

/** A RAM store over a caller's buffer; its fields are MQTLS_PRIVATE() (mqtls/api.h). */
typedef struct {
    uint8_t *MQTLS_PRIVATE(buf);   /**< private; records */
    size_t MQTLS_PRIVATE(cap);     /**< private */
    size_t MQTLS_PRIVATE(head);    /**< private; first live record; removed records ahead of it are skipped */
    size_t MQTLS_PRIVATE(used);    /**< private; end of the last record */
    uint8_t *MQTLS_PRIVATE(index); /**< private; id -> offset table (indexed init), NULL: none */
    size_t MQTLS_PRIVATE(slots);   /**< private; index slots (2 per record) */
    size_t MQTLS_PRIVATE(live);    /**< private; live records */
} mqtls_memstore_t;

/** Bytes of the index mqtls_memstore_init_indexed() takes for n records. */
#define MQTLS_MEMSTORE_INDEX_SIZE(n) ((size_t)(n)*8u)

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
 * @param ms          storage for the store's state, lives as long as the client
 * @param buf         index then arena, lives as long as the client
 * @param len         bytes of buf
 * @param max_records records the index has room for; 0: no index
 * @param out         filled with the hooks to put in mqtls_client_config_t.store
 * @return MQTLS_OK or MQTLS_ERR_INVALID_ARG (buf too small for the index).
 */
int32_t mqtls_memstore_init_indexed(mqtls_memstore_t *ms, uint8_t *buf, size_t len, size_t max_records,
                                    mqtls_msgstore_t *out);

/**
 * Records the store holds now: outgoing packets, PUBREL marks and incoming
 * QoS 2 ids, what mqtls_client_restore() would rebuild. O(1).
 * @param ms  a store made by mqtls_memstore_init(), may be NULL
 * @return the count; 0 for NULL.
 */
size_t mqtls_memstore_count(const mqtls_memstore_t *ms);

/* ---- client -------------------------------------------------------------- */

/** Bytes of mqtls_client_config_t.inbound_bitmap: one bit for each of 65536 ids. */
#define MQTLS_INBOUND_BITMAP_SIZE 8192u

/** An outgoing QoS 1/2 exchange (12 bytes). Sized by the caller; fields are MQTLS_PRIVATE(). */
typedef struct {
    uint32_t MQTLS_PRIVATE(sent_ms);   /**< private; when it was (re)sent: the acknowledgement deadline */
    uint16_t MQTLS_PRIVATE(packet_id); /**< private; 0: free */
    uint16_t MQTLS_PRIVATE(prev);      /**< private; send order: index + 1 of the older / younger record, 0: none */
    uint16_t MQTLS_PRIVATE(next);      /**< private */
    uint8_t MQTLS_PRIVATE(state);      /**< private */
    uint8_t MQTLS_PRIVATE(qos);        /**< private */
} mqtls_inflight_t;

/** A message delivered to on_message: the decoded PUBLISH. Its pointers
 * point into the receive buffer and are valid only during the callback. */
typedef mqtls_publish_t mqtls_message_t;

/** on_message: called from mqtls_client_loop() (and the blocking calls) with
 * cfg.user and each message; msg and what it points to are valid only during
 * the call. The message is acknowledged when the callback returns. */
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
typedef int32_t (*mqtls_auth_cb)(void *user, uint8_t reason, const uint8_t *data, size_t len, const uint8_t **out,
                                 size_t *out_len);
/** now_ms: a millisecond clock, called with cfg.now_user; it may wrap
 * (the client compares times wrap-safe). */
typedef uint32_t (*mqtls_now_fn)(void *user);

/** Everything the client needs; copied by mqtls_client_init, the buffers
 * and arrays it points to must outlive the client. */
typedef struct {
    uint8_t *tx_buf;            /**< holds the largest packet you send */
    size_t tx_len;              /**< bytes of tx_buf */
    uint8_t *rx_buf;            /**< holds the largest packet you accept (>= 16 bytes) */
    size_t rx_len;              /**< bytes of rx_buf; announced to a 5.0 broker as maximum packet size */
    mqtls_inflight_t *outbound; /**< QoS 1/2 publishes in flight; may be NULL for QoS 0 only */
    size_t outbound_count;      /**< records in outbound: the QoS 1/2 window, at most 65535 */
    uint16_t *inbound_ids;      /**< incoming QoS 2 ids awaiting PUBREL; may be NULL (no QoS 2 in:
                            * a QoS 2 message is then MQTLS_ERR_INBOUND_FULL, fatal) */
    size_t inbound_count;       /**< ids in inbound_ids, at most 65535 */
    /** Optional, instead of inbound_ids: MQTLS_INBOUND_BITMAP_SIZE bytes, one
     * bit per packet id. Constant-time duplicate checks and room for every id,
     * for gateways receiving QoS 2 at high rates (a broker may run tens of
     * thousands of ids ahead of its PUBRELs). */
    uint8_t *inbound_bitmap;
    const mqtls_msgstore_t *store; /**< needed for outgoing QoS 1/2 (see mqtls/msgstore.h) */
    mqtls_now_fn now_ms;           /**< required: a millisecond clock, may wrap */
    void *now_user;                /**< passed to now_ms */
    mqtls_message_cb on_message;   /**< may be NULL: messages are acknowledged and dropped */
    void *user;                    /**< passed to on_message */
    uint32_t ping_timeout_ms;      /**< 0: MQTLS_CONFIG_PING_TIMEOUT_MS */
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
    size_t alias_in_len;     /**< bytes of alias_in */
    uint16_t alias_in_count; /**< slots in alias_in: the topic alias maximum we announce */
    /** Outbound topic aliases (us -> broker): alias_out_count slots of
     * alias_out_len / alias_out_count bytes (MQTLS_ALIAS_OUT_SLOT(max_topic));
     * longer topics are sent without an alias. NULL/0: none. */
    uint8_t *alias_out;
    size_t alias_out_len;     /**< bytes of alias_out */
    uint16_t alias_out_count; /**< slots in alias_out */
    /** Enhanced authentication (AUTH), may be NULL; called with `user`. */
    mqtls_auth_cb on_auth;
} mqtls_client_config_t;

/** Bytes of an inbound topic alias slot for topics up to n bytes. */
#define MQTLS_ALIAS_IN_SLOT(n) ((n) + 2u)
/** Bytes of an outbound topic alias slot for topics up to n bytes. */
#define MQTLS_ALIAS_OUT_SLOT(n) ((n) + 6u)

/**
 * What the broker allows on this connection, from its CONNACK (MQTT 5.0;
 * for 3.1.1 the protocol's defaults). Read it with mqtls_client_server_caps().
 */
typedef struct {
    uint32_t max_packet_size;  /**< largest packet we may send; 0: no limit. A QoS 1/2
                                 * publish is checked with its full topic too (the stored
                                 * copy a resend uses), even if an alias makes the first
                                 * copy on the wire smaller */
    uint32_t session_expiry_s; /**< the broker's, or the one we asked for */
    uint16_t receive_max;      /**< QoS 1/2 PUBLISHes we may have in flight (65535 absent) */
    uint16_t topic_alias_max;  /**< aliases the broker accepts from us (0 absent) */
    uint16_t keepalive_s;      /**< keep alive in force (server keep alive, or ours) */
    uint8_t max_qos;           /**< 0, 1 or 2 (absent) */
    bool retain_available;     /**< retained messages accepted (true absent) */
    bool wildcard_available;   /**< wildcard subscriptions accepted (true absent) */
    bool sub_id_available;     /**< subscription identifiers accepted (true absent) */
    bool shared_available;     /**< shared subscriptions ($share/) accepted (true absent) */
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
    mqtls_inflight_t *MQTLS_PRIVATE(rec); /**< private */
    uint16_t *MQTLS_PRIVATE(in_ids);      /**< private */
    uint8_t *MQTLS_PRIVATE(in_bitmap);    /**< private */
    /**@{*/
    uint16_t MQTLS_PRIVATE(count), MQTLS_PRIVATE(in_count); /**< private */
    /**@}*/
    /**@{*/
    uint16_t MQTLS_PRIVATE(head), MQTLS_PRIVATE(tail); /**< private; send order, index + 1 */
    /**@}*/
    /**@{*/
    uint16_t MQTLS_PRIVATE(cur), MQTLS_PRIVATE(rel_cur); /**< private; resend cursors */
    /**@}*/
    /**@{*/
    uint16_t MQTLS_PRIVATE(used), MQTLS_PRIVATE(marked_pub), MQTLS_PRIVATE(marked_rel),
        MQTLS_PRIVATE(displaced); /**< private */
    /**@}*/
    uint16_t MQTLS_PRIVATE(next_id); /**< private */
} mqtls_session_t;

/** Client context; allocate it, never access its fields (MQTLS_PRIVATE(), mqtls/api.h): what an
 * application may know has an accessor (mqtls_client_is_connected(), mqtls_client_version(), ...). */
typedef struct mqtls_client {
    mqtls_client_config_t MQTLS_PRIVATE(cfg); /**< private */
    mqtls_transport_t MQTLS_PRIVATE(tr);      /**< private */
    uint8_t MQTLS_PRIVATE(version);           /**< private */
    uint8_t MQTLS_PRIVATE(state);             /**< private */
    bool MQTLS_PRIVATE(in_callback);          /**< private */
    bool MQTLS_PRIVATE(ping_outstanding);     /**< private */
    bool MQTLS_PRIVATE(connack_sp);           /**< private; session present flag of the last CONNACK */
    bool MQTLS_PRIVATE(store_synced);    /**< private; the records reflect the store (restored or cleared since init) */
    bool MQTLS_PRIVATE(clean_start);     /**< private; clean_session of the connect waiting for its CONNACK */
    uint16_t MQTLS_PRIVATE(keepalive_s); /**< private */
    uint16_t MQTLS_PRIVATE(wait_id);     /**< private; packet id a blocking call waits for */
    uint8_t MQTLS_PRIVATE(wait_type);    /**< private; packet type a blocking call waits for */
    bool MQTLS_PRIVATE(wait_done);       /**< private */
    bool MQTLS_PRIVATE(rx_drained);      /**< private; the last recv took less than offered: wait before the next */
    int32_t MQTLS_PRIVATE(wait_result);  /**< private */
    uint8_t *MQTLS_PRIVATE(wait_codes);  /**< private; SUBACK codes out, may be NULL */
    size_t MQTLS_PRIVATE(wait_codes_n);  /**< private */
    mqtls_session_t MQTLS_PRIVATE(sess); /**< private */
    uint32_t MQTLS_PRIVATE(last_tx_ms);  /**< private */
    uint32_t MQTLS_PRIVATE(ping_sent_ms);       /**< private */
    uint32_t MQTLS_PRIVATE(connect_ms);         /**< private; when the connect began: its timeout runs from here */
    uint32_t MQTLS_PRIVATE(connect_timeout_ms); /**< private; how long the CONNACK may take */
    size_t MQTLS_PRIVATE(rx_start);             /**< private; first unprocessed byte in rx_buf */
    size_t MQTLS_PRIVATE(rx_end);               /**< private; end of received bytes in rx_buf */
    uint32_t MQTLS_PRIVATE(skip_left);          /**< private; bytes of an oversized packet still to discard */
    size_t MQTLS_PRIVATE(tx_off);               /**< private; bytes of the packet in tx_buf already sent */
    size_t MQTLS_PRIVATE(tx_pend);              /**< private; length of the packet in tx_buf, 0 when idle */
    uint8_t MQTLS_PRIVATE(resp_type);           /**< private; a response waiting for the transmitter, 0: none */
    uint16_t MQTLS_PRIVATE(resp_id);            /**< private */
    uint8_t MQTLS_PRIVATE(resp_reason);         /**< private; 5.0 reason code of the parked ack, 0: none */
    int32_t MQTLS_PRIVATE(deferred);            /**< private; non-fatal result to report from loop */
    uint32_t MQTLS_PRIVATE(dropped);            /**< private; oversized messages skipped */
    /* MQTT 5.0 */
    mqtls_server_caps_t MQTLS_PRIVATE(caps);              /**< private */
    uint32_t MQTLS_PRIVATE(rx_max);                       /**< private; maximum packet size we announced, 0: none */
    uint32_t MQTLS_PRIVATE(alias_clock);                  /**< private; LRU stamps of outbound aliases */
    uint16_t MQTLS_PRIVATE(alias_in_max);                 /**< private; topic alias maximum we announced */
    uint16_t MQTLS_PRIVATE(alias_out_max);                /**< private; outbound aliases usable: min(table, broker's) */
    uint8_t MQTLS_PRIVATE(reason);                        /**< private; reason code of a refusal or server DISCONNECT */
    const uint8_t *MQTLS_PRIVATE(auth_method);            /**< private; during connect/reauth only */
    size_t MQTLS_PRIVATE(auth_method_len);                /**< private; the CONNECT's, for the connection; 0: none */
    uint32_t MQTLS_PRIVATE(auth_hash);                    /**< private; FNV-1a of the CONNECT's method, for reauth */
    const uint8_t *MQTLS_PRIVATE(auth_out);               /**< private; the answer on_auth gave, for the AUTH packet */
    size_t MQTLS_PRIVATE(auth_out_len);                   /**< private */
    char MQTLS_PRIVATE(reason_str)[MQTLS__V5_STRING_LEN]; /**< private */
    char MQTLS_PRIVATE(server_ref)[MQTLS__V5_STRING_LEN]; /**< private */
    char MQTLS_PRIVATE(assigned_id)[MQTLS__V5_STRING_LEN]; /**< private */
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
/** The link name of mqtls_client_init(): it carries the ABI knobs (see above). */
#define mqtls_client_init MQTLS__ABI_CAT(mqtls_client_init_v, 5, MQTLS__V5_STRING_LEN)
#else
/** The link name of mqtls_client_init(): it carries the ABI knobs (see above). */
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
 * @param c      an initialised client
 * @param t      copied; the transport's ctx must stay valid while connected
 * @param conn   CONNECT contents, borrowed for the call
 * @param session_present  may be NULL; set from the CONNACK
 * @param timeout_ms  for the CONNACK
 * It is mqtls_client_connect_start() followed by mqtls_client_loop() until
 * the connect is over.
 * @return MQTLS_OK; MQTLS_ERR_REFUSED_* for CONNACK codes 1..5 (server
 * unavailable: reconnect later; the others are FATAL: stop);
 * MQTLS_ERR_TIMEOUT, transport or protocol errors (reconnect); the errors of
 * mqtls_client_restore() when it restores (nothing sent then).
 */
int32_t mqtls_client_connect(mqtls_client_t *c, const mqtls_transport_t *t, const mqtls_connect_t *conn,
                             bool *session_present, uint32_t timeout_ms);

/**
 * Start a connect without waiting: the CONNECT goes to `t` (as much as the
 * transport takes at once) and the call returns. The connect then goes on
 * in mqtls_client_loop(), which sends the rest of the CONNECT, takes the
 * CONNACK (and on 5.0 runs the AUTH rounds through cfg.on_auth), and
 * returns MQTLS_OK while the CONNACK has not come, MQTLS_OK with
 * mqtls_client_is_connected() true once the connection is up (the session
 * present flag: mqtls_client_session_present(); packets that came behind
 * the CONNACK are handled by that same call), or the error that ended
 * the connect, the same errors mqtls_client_connect() returns; after
 * timeout_ms without a CONNACK it is MQTLS_ERR_TIMEOUT. Until then the
 * client is neither connected nor free: publish and subscribe answer
 * MQTLS_ERR_NOT_CONNECTED; mqtls_client_disconnect() or mqtls_client_abort()
 * gives the connect up (mqtls_client_session_present() is false until the CONNACK).
 * Everything else (clean session, restore, resend after the CONNACK) is as
 * for mqtls_client_connect(). For an event loop over many connections:
 * call loop(c, 0) when the transport's socket is readable, and at least
 * every few hundred ms for the timeout.
 * @param c      an initialised client
 * @param t      copied; the transport's ctx must stay valid while connected
 * @param conn   CONNECT contents, borrowed for the call only, except a 5.0
 *               authentication method (conn->props->auth_method), borrowed
 *               until the connect is over
 * @param timeout_ms  how long the CONNACK may take, from this call on
 * @return MQTLS_OK (the connect is under way); validation errors (nothing
 * sent, the client as it was); the errors of mqtls_client_restore() (nothing
 * sent; an earlier connection is given up, as by any connect, and the client
 * is disconnected); a transport error (the transport is closed).
 *
 * @code
 * rc = mqtls_client_connect_start(&c, &t, &opts, 5000);
 * while (rc == MQTLS_OK && !mqtls_client_is_connected(&c)) {
 *     // ... other work, wait for the socket ...
 *     rc = mqtls_client_loop(&c, 0);
 * }
 * @endcode
 */
int32_t mqtls_client_connect_start(mqtls_client_t *c, const mqtls_transport_t *t, const mqtls_connect_t *conn,
                                   uint32_t timeout_ms);

/**
 * Publish a message. QoS 0 is done when this returns (with cfg.coalesce_tx:
 * it is in tx_buf, handed to the transport as that field says). QoS 1/2: the packet is
 * stored and sent; the exchange completes in mqtls_client_loop(), and
 * mqtls_client_outstanding() tells when every message has been acknowledged.
 * The message (topic, payload) is copied: the caller may reuse it at once.
 * If the transport cannot take the whole packet at once, the rest is sent by
 * the next mqtls_client_loop() (or publish) call; the call itself never waits.
 * @param c          a connected client
 * @param msg        the message, borrowed for the call
 * @param packet_id  may be NULL; receives the id used (0 for QoS 0)
 * @return MQTLS_OK; MQTLS_ERR_INFLIGHT_FULL, MQTLS_ERR_STORE_FULL or
 * MQTLS_ERR_WANT_WRITE (the transmitter is still busy with an earlier packet
 * or resends): call mqtls_client_loop() and retry; validation errors (nothing
 * sent, connection untouched: fix the call);
 * transport errors (connection lost: reconnect, the message stays stored for
 * resend).
 */
int32_t mqtls_client_publish(mqtls_client_t *c, const mqtls_publish_t *msg, uint16_t *packet_id);

/**
 * What a SUBSCRIBE or UNSUBSCRIBE carries besides its filters: its MQTT 5.0
 * properties (the rule of the whole API: properties are the .props field of
 * the struct a call takes, never an extra function). Pass NULL for none,
 * which is all there is on 3.1.1. Zero-initialise it (`= {0}` or designated
 * initialisers): a field a later release adds is then 0, its default.
 *
 * @code
 * mqtls_props_t pr = { .present = MQTLS_PROP_BIT(MQTLS_PROP_SUBSCRIPTION_ID), .subscription_id = 7 };
 * mqtls_subscribe_opts_t opts = { .props = &pr };
 * rc = mqtls_client_subscribe(&client, subs, 2, &opts, codes, 5000);
 * @endcode
 */
typedef struct {
    /** MQTT 5.0 properties of the packet, NULL: none; borrowed for the call.
     * SUBSCRIBE: subscription identifier, user properties; UNSUBSCRIBE: user
     * properties. Must be NULL on a 3.1.1 connection (else
     * MQTLS_ERR_NOT_SUPPORTED, nothing sent). */
    const mqtls_props_t *props;
} mqtls_subscribe_opts_t;

/**
 * Subscribe to n filters and wait for the SUBACK. On 5.0 the subscription
 * options (no local, retain as published, retain handling) are in each
 * entry, and the call is checked against the CONNACK first, nothing sent on
 * failure: MQTLS_ERR_WILDCARD_NOT_SUPPORTED,
 * MQTLS_ERR_SUBSCRIPTION_ID_NOT_SUPPORTED, MQTLS_ERR_SHARED_NOT_SUPPORTED,
 * MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER.
 * @param c          a connected client
 * @param subs       n filters with their QoS (and 5.0 options), borrowed for the call
 * @param n          entries in subs, at least 1
 * @param opts       NULL, or the packet's properties (see mqtls_subscribe_opts_t); borrowed for the call
 * @param codes      may be NULL; else n bytes receive the SUBACK codes: the
 *                   granted QoS 0..2, or a failure >= 0x80
 * @param timeout_ms the longest it waits for the SUBACK
 * @return MQTLS_OK; MQTLS_ERR_SUBSCRIBE_REFUSED if any code was >= 0x80
 * (non-fatal: the connection stays); MQTLS_ERR_NOT_SUPPORTED for properties
 * on 3.1.1 and other validation errors (nothing sent: fix the call);
 * MQTLS_ERR_TIMEOUT and other errors: the connection is given up (reconnect).
 */
int32_t mqtls_client_subscribe(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                               const mqtls_subscribe_opts_t *opts, uint8_t *codes, uint32_t timeout_ms);

/**
 * Unsubscribe from n filters and wait for the UNSUBACK.
 * @param c          a connected client
 * @param subs       n filters (their QoS and options are ignored), borrowed for the call
 * @param n          entries in subs, at least 1
 * @param opts       NULL, or the packet's properties (see mqtls_subscribe_opts_t); borrowed for the call
 * @param codes      may be NULL; else n bytes receive the 5.0 UNSUBACK reason
 *                   codes (3.1.1 has none: they are set to 0)
 * @param timeout_ms the longest it waits for the UNSUBACK
 * @return MQTLS_OK; MQTLS_ERR_UNSUBSCRIBE_REFUSED when any code is >= 0x80
 * (non-fatal: the connection stays); validation errors (nothing sent: fix
 * the call); MQTLS_ERR_TIMEOUT and other errors: the connection is given up
 * (reconnect).
 */
int32_t mqtls_client_unsubscribe(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                 const mqtls_subscribe_opts_t *opts, uint8_t *codes, uint32_t timeout_ms);

/**
 * Deprecated in 0.3, removed in 0.4: mqtls_client_subscribe()
 * with an mqtls_subscribe_opts_t whose .props is props. In a 3.1.1-only
 * build (MQTLS_CONFIG_MQTT5 0) it answers MQTLS_ERR_NOT_SUPPORTED, as before.
 * @param c          as mqtls_client_subscribe()
 * @param subs       as mqtls_client_subscribe()
 * @param n          as mqtls_client_subscribe()
 * @param props      the opts .props of mqtls_client_subscribe(); may be NULL
 * @param codes      as mqtls_client_subscribe()
 * @param timeout_ms as mqtls_client_subscribe()
 * @return as mqtls_client_subscribe().
 * @deprecated use mqtls_client_subscribe() with mqtls_subscribe_opts_t.props.
 */
MQTLS_DEPRECATED int32_t mqtls_client_subscribe5(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                                 const mqtls_props_t *props, uint8_t *codes, uint32_t timeout_ms);

/**
 * Deprecated in 0.3, removed in 0.4: mqtls_client_unsubscribe()
 * with an mqtls_subscribe_opts_t whose .props is props. In a 3.1.1-only
 * build (MQTLS_CONFIG_MQTT5 0) it answers MQTLS_ERR_NOT_SUPPORTED, as before.
 * @param c          as mqtls_client_unsubscribe()
 * @param subs       as mqtls_client_unsubscribe()
 * @param n          as mqtls_client_unsubscribe()
 * @param props      the opts .props of mqtls_client_unsubscribe(); may be NULL
 * @param codes      as mqtls_client_unsubscribe()
 * @param timeout_ms as mqtls_client_unsubscribe()
 * @return as mqtls_client_unsubscribe().
 * @deprecated use mqtls_client_unsubscribe() with mqtls_subscribe_opts_t.props.
 */
MQTLS_DEPRECATED int32_t mqtls_client_unsubscribe5(mqtls_client_t *c, const mqtls_subscription_t *subs, size_t n,
                                                   const mqtls_props_t *props, uint8_t *codes, uint32_t timeout_ms);

/**
 * MQTT 5.0 re-authentication [MQTT-4.12.1]: send AUTH 0x19 with the
 * connection's authentication method and `data`, run the challenge rounds
 * through cfg.on_auth, and wait for the broker's AUTH success.
 * @param c       a client connected over 5.0 with an authentication method
 * @param method  must be the authentication method of the CONNECT
 * [MQTT-4.12.1-1]; the client does not keep a copy of it, only its length
 * and a 32-bit hash, and compares (a different method is refused locally;
 * in the unlikely event of a hash collision the broker refuses it).
 * Borrowed for the call.
 * @param method_len bytes of method
 * @param data       authentication data for the AUTH, may be NULL when
 *                   data_len is 0; borrowed for the call
 * @param data_len   bytes of data
 * @param timeout_ms the longest it waits for the broker's AUTH success
 * @return MQTLS_OK; MQTLS_ERR_NOT_SUPPORTED on 3.1.1 or when the CONNECT had
 * no authentication method; MQTLS_ERR_INVALID_ARG for another method than
 * the CONNECT's (both: nothing sent, connection untouched);
 * MQTLS_ERR_AUTH_FAILED; MQTLS_ERR_SERVER_DISCONNECT when the broker
 * refused; MQTLS_ERR_TIMEOUT (these end the connection: reconnect, unless
 * AUTH_FAILED, which is FATAL).
 */
int32_t mqtls_client_reauth(mqtls_client_t *c, const char *method, size_t method_len, const uint8_t *data,
                            size_t data_len, uint32_t timeout_ms);

/**
 * Do the client's work: resend after a reconnect, receive and dispatch
 * packets (calling on_message), acknowledge, send PINGREQ when the
 * connection was idle for the keepalive, and detect a missing PINGRESP.
 * Waits for incoming data at most timeout_ms and returns after handling what
 * arrived (at most MQTLS_CONFIG_LOOP_MAX_PACKETS packets). After
 * mqtls_client_connect_start() and before the CONNACK it carries the
 * connect on instead (see there).
 * @return MQTLS_OK; non-fatal reports (the connection stays up):
 * MQTLS_ERR_MESSAGE_TOO_LARGE, MQTLS_ERR_PUBLISH_REFUSED (a PUBACK/PUBREC
 * reason code >= 0x80), MQTLS_ERR_QUOTA_EXCEEDED (reason 0x97: the broker's
 * quota, e.g. unreleased QoS 2 of an earlier session), and, after a reconnect, MQTLS_ERR_QOS_NOT_SUPPORTED,
 * MQTLS_ERR_RETAIN_NOT_SUPPORTED or MQTLS_ERR_PACKET_TOO_LARGE_FOR_SERVER
 * (a stored message the new broker does not accept was dropped, see above);
 * any other error means the connection is gone, among them
 * MQTLS_ERR_KEEPALIVE_TIMEOUT and MQTLS_ERR_ACK_TIMEOUT (cfg.ack_timeout_ms).
 * @param c           a connected client, or one whose connect was started
 * @param timeout_ms  the longest it waits; 0 polls
 */
int32_t mqtls_client_loop(mqtls_client_t *c, uint32_t timeout_ms);

/**
 * What a DISCONNECT carries (MQTT 5.0): a reason code and properties. Pass
 * NULL for a normal disconnection (reason 0x00, no properties), which is
 * all there is on 3.1.1. Zero-initialise it: a field a later release adds
 * is then 0, its default.
 *
 * @code
 * mqtls_props_t pr = { .present = MQTLS_PROP_BIT(MQTLS_PROP_SESSION_EXPIRY), .session_expiry = 0 };
 * mqtls_disconnect_opts_t opts = { .reason = 0x04, .props = &pr };  // publish the will, end the session
 * rc = mqtls_client_disconnect(&client, &opts);
 * @endcode
 */
typedef struct {
    /** The DISCONNECT reason code (0x00 normal, 0x04 "disconnect with will
     * message", ...); ignored on 3.1.1. */
    uint8_t reason;
    /** DISCONNECT properties (session expiry, reason string, user
     * properties), NULL: none; borrowed for the call; ignored on 3.1.1. */
    const mqtls_props_t *props;
} mqtls_disconnect_opts_t;

/**
 * Send DISCONNECT and close the transport. The broker discards the will
 * unless a 5.0 opts.reason asks for it (0x04). The session state is kept
 * for a later clean_session=false reconnect. On 5.0 a non-zero session
 * expiry in opts.props when the session was to end at disconnection (0 in
 * CONNECT and CONNACK) is MQTLS_ERR_INVALID_ARG, nothing sent
 * [MQTT-3.14.2-2]. During a connect begun with mqtls_client_connect_start()
 * it ends the connect: DISCONNECT follows the CONNECT if that is out (the
 * broker drops the will), else the transport is just closed (no session).
 * @param c     a connected client, or one whose connect is under way
 * @param opts  NULL, or the reason code and properties (see
 *              mqtls_disconnect_opts_t); borrowed for the call
 * @return MQTLS_OK (the client is disconnected); MQTLS_ERR_INVALID_ARG
 * (nothing sent, still connected); MQTLS_ERR_NOT_CONNECTED; MQTLS_ERR_BUSY
 * from a callback; MQTLS_ERR_TIMEOUT or a transport error (the transport is
 * closed all the same, the client is disconnected).
 */
int32_t mqtls_client_disconnect(mqtls_client_t *c, const mqtls_disconnect_opts_t *opts);

/**
 * Deprecated in 0.3, removed in 0.4: mqtls_client_disconnect() with an
 * mqtls_disconnect_opts_t of reason and props. In a 3.1.1-only build
 * (MQTLS_CONFIG_MQTT5 0) it answers MQTLS_ERR_NOT_SUPPORTED, as before.
 * @param c       as mqtls_client_disconnect()
 * @param reason  the opts .reason of mqtls_client_disconnect()
 * @param props   the opts .props of mqtls_client_disconnect(); may be NULL
 * @return as mqtls_client_disconnect().
 * @deprecated use mqtls_client_disconnect() with mqtls_disconnect_opts_t.
 */
MQTLS_DEPRECATED int32_t mqtls_client_disconnect5(mqtls_client_t *c, uint8_t reason, const mqtls_props_t *props);

/**
 * Give up the connection without DISCONNECT (the broker will publish the
 * will) and close the transport; session state is kept.
 * @param c  a client, connected or not (then nothing happens)
 */
void mqtls_client_abort(mqtls_client_t *c);

/**
 * Is the connection up? After an error, false means the error gave it up;
 * after mqtls_client_connect_start(), false until the CONNACK.
 * @param c  may be NULL
 * @return true between a successful connect and an error that ends the
 * connection, disconnect or abort; false for NULL.
 */
bool mqtls_client_is_connected(const mqtls_client_t *c);

/**
 * The MQTT version of the connection: the protocol_version of the last
 * mqtls_client_connect() that sent its CONNECT (MQTLS_PROTO_V311 before
 * the first; a call refused before sending changes nothing), so an
 * application that lets the broker or a setting choose can tell which
 * rules (properties, reason codes) apply now.
 * @param c  an initialised client, may be NULL
 * @return MQTLS_PROTO_V311 or MQTLS_PROTO_V5; 0 for NULL.
 */
uint8_t mqtls_client_version(const mqtls_client_t *c);

/**
 * The session present flag of the last CONNACK: whether the broker kept
 * the session of an earlier connection (what mqtls_client_connect() gives
 * in *session_present).
 * @param c  may be NULL
 * @return the flag; meaningful once a connect succeeded; false for NULL.
 */
bool mqtls_client_session_present(const mqtls_client_t *c);

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

/**
 * Incoming messages skipped because they exceeded the receive buffer.
 * @param c  an initialised client, may be NULL
 * @return the count since mqtls_client_init(); 0 for NULL.
 */
uint32_t mqtls_client_dropped(const mqtls_client_t *c);

/**
 * What the broker allowed in its CONNACK.
 * @param c  an initialised client, may be NULL
 * @return a pointer into c, valid as long as c; its contents are meaningful
 * after a successful connect and change at the next connect. NULL for NULL.
 */
const mqtls_server_caps_t *mqtls_client_server_caps(const mqtls_client_t *c);

/**
 * Why the broker refused the connection (CONNACK) or ended it (DISCONNECT),
 * MQTT 5.0: the reason code (0 when there is none), and, if not NULL,
 * *reason_string and *server_reference are set to NUL-terminated copies
 * (empty when absent, cut at MQTLS_CONFIG_V5_STRING_MAX - 1 bytes).
 * @param c                 an initialised client
 * @param reason_string     may be NULL; set to a string inside c, valid until
 *                          the next connect
 * @param server_reference  may be NULL; set to a string inside c, valid
 *                          until the next connect
 * @return the reason code, 0 when there is none.
 */
uint8_t mqtls_client_reason(const mqtls_client_t *c, const char **reason_string, const char **server_reference);

/**
 * The client identifier the broker assigned (MQTT 5.0, CONNACK).
 * @param c  an initialised client
 * @return a NUL-terminated string inside c, valid until the next connect;
 * NULL when the broker assigned none.
 */
const char *mqtls_client_assigned_id(const mqtls_client_t *c);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_CLIENT_H */
