/* SPDX-License-Identifier: MIT
 * mqtls: the connection manager -- reconnect, re-subscribe, offline queue. */
/**
 * @file
 * @brief The connection manager: reconnect with backoff, re-subscribe, offline queue.
 *
 * The client (mqtls/client.h) is sans-I/O and never retries: an error that
 * ends the connection is returned and the client waits to be connected
 * again. This module is the one place that decides what happens next. It
 * sits above the core and, like it, is freestanding C11 (no heap, no stdio,
 * no POSIX), so the same policy runs on a device and in the CLI. The
 * application gives it:
 *   - open():    make a fresh transport (TCP, TLS over TCP, a SimpleLink
 *                secure socket...) for the next attempt;
 *   - now_ms():  the clock, wrap-safe;
 *   - random():  any 32-bit random number (full jitter needs one per delay;
 *                taking it from the caller keeps the backoff a pure
 *                function, as FreeRTOS's backoffAlgorithm does);
 *   - sleep_ms() (optional): to wait out a delay inside mqtls_conn_run();
 *                without it run() returns at once and mqtls_conn_wait_ms()
 *                says how long the application may sleep.
 *
 * Policy, in order:
 *   1. An error is classified (see mqtls_conn_classify()): OK, TRANSIENT
 *      (retry the call: window or store full), NONFATAL (reported, the
 *      connection stays), RECONNECT (the connection is gone, a new one may
 *      work: TCP, timeouts, broker protocol errors, "server unavailable"),
 *      FATAL (retrying cannot help until something is changed: the broker
 *      refused our credentials or identity, our TLS files are bad, the
 *      configuration is invalid).
 *   2. RECONNECT: event DISCONNECTED (with the cause), then RECONNECTING
 *      in N ms, N = mqtls_backoff_next(policy, attempt, random()): full
 *      jitter over an exponential cap, N in [0, min(max_ms, base_ms*2^attempt)].
 *      attempt counts the failures since the last stable connection: a
 *      connection that stayed up stable_ms resets it to 0.
 *   3. FATAL: event GAVE_UP and run() returns the cause, unless
 *      on_fatal is MQTLS_CONN_FATAL_BACKOFF_MAX: then every retry waits the
 *      full max_ms (with no jitter below it) and is reported, so a refused
 *      CONNACK is never retried at full speed.
 *   4. max_attempts (non-zero): that many failed attempts in a row give up.
 *   5. After each CONNACK with session present 0 the subscriptions given
 *      in the configuration are made again; then the offline queue is sent.
 *
 * Offline queue: mqtls_conn_publish() while disconnected keeps the message
 * in the caller's queue buffer (records of MQTLS_CONN_QUEUE_RECORD(t, p)
 * bytes) and sends it, in order, right after the next connect (after the
 * client's own resends of unacknowledged messages, which come first, in
 * their original order [MQTT-4.4.0-1]). QoS 0 is queued only with
 * queue_qos0 (otherwise it is MQTLS_ERR_NOT_CONNECTED, as at-most-once
 * allows). A full queue is MQTLS_ERR_OFFLINE_FULL: nothing was kept; the
 * application decides what to drop. Queued messages carry no MQTT 5
 * properties (a publish with properties while disconnected is
 * MQTLS_ERR_NOT_SUPPORTED). While connected, publish goes straight to the
 * client; a QoS 1/2 message the client had stored before the connection
 * failed is resent by the client and is not queued twice.
 *
 * Events, in the order they happen:
 *   CONNECTED (session_present) -- after the CONNACK, the re-subscription
 *     and the start of the queue flush;
 *   DISCONNECTED (err)          -- an established connection was lost;
 *   RECONNECTING (err, delay_ms, attempt) -- the next attempt is in
 *     delay_ms; err is why the last attempt or connection ended;
 *   GAVE_UP (err)               -- the manager stopped; run() returns err.
 * The event structure is valid for the callback only.
 *
 * Ownership: the manager and its configuration belong to the caller; the
 * configuration is copied by mqtls_conn_init(), but everything it points to
 * (client, connect, subs, granted, queue, user) is borrowed and must stay
 * valid until the manager is no longer run. Nothing is allocated.
 *
 * Example (POSIX, see tools/cmd_sub.c for a complete one):
 * @code
 * mqtls_conn_t m;
 * mqtls_conn_config_t mc = { .client = &client, .connect = &conn,
 *     .subs = subs, .subs_n = 1, .granted = granted,
 *     .backoff = { .base_ms = 500, .max_ms = 30000, .stable_ms = 10000 },
 *     .open = my_open, .now_ms = my_clock, .random = my_random,
 *     .sleep_ms = my_sleep, .on_event = my_event, .user = app,
 *     .timeout_ms = 10000 };
 * mqtls_conn_init(&m, &mc);
 * for (;;) { int32_t rc = mqtls_conn_run(&m, 1000); if (mqtls_conn_stopped(&m)) break; }
 * @endcode
 */
#ifndef MQTLS_CONN_H
#define MQTLS_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtls/api.h"
#include "mqtls/client.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- backoff ----------------------------------------------------------------- */

/** Reconnect timing. */
typedef struct {
    uint32_t base_ms;      /**< cap of the first delay (0: MQTLS_CONN_DEFAULT_BASE_MS) */
    uint32_t max_ms;       /**< largest delay (0: MQTLS_CONN_DEFAULT_MAX_MS) */
    uint32_t stable_ms;    /**< up this long: the next failure starts again at attempt 0
                            * (0: MQTLS_CONN_DEFAULT_STABLE_MS) */
    uint32_t max_attempts; /**< failed attempts in a row before giving up; 0: never give up */
} mqtls_backoff_t;

/** mqtls_backoff_t.base_ms when it is 0. */
#define MQTLS_CONN_DEFAULT_BASE_MS 500u
/** mqtls_backoff_t.max_ms when it is 0. */
#define MQTLS_CONN_DEFAULT_MAX_MS 30000u
/** mqtls_backoff_t.stable_ms when it is 0. */
#define MQTLS_CONN_DEFAULT_STABLE_MS 10000u

/**
 * Delay before reconnect attempt `attempt` (0 for the first after a loss):
 * full jitter, random % (cap + 1) with cap = min(max_ms, base_ms * 2^attempt)
 * (no overflow for any attempt). A pure function: same inputs, same result.
 * @param policy  NULL or zero fields: the defaults above; borrowed for the call
 * @param attempt failures since the last stable connection (0: the first)
 * @param random  any 32-bit value, uniformly random for a uniform delay
 * @return a delay in [0, cap] milliseconds.
 * @code
 * uint32_t delay = mqtls_backoff_next(&mc.backoff, attempt, my_random(app));
 * @endcode
 */
uint32_t mqtls_backoff_next(const mqtls_backoff_t *policy, uint32_t attempt, uint32_t random);

/**
 * The cap of mqtls_backoff_next()'s delay: min(max_ms, base_ms * 2^attempt).
 * @param policy  NULL or zero fields: the defaults above; borrowed for the call
 * @param attempt failures since the last stable connection
 * @return the largest delay mqtls_backoff_next() can return, in milliseconds.
 */
uint32_t mqtls_backoff_cap(const mqtls_backoff_t *policy, uint32_t attempt);

/* ---- error classes --------------------------------------------------------------- */

/** Error classes, as mqtls_conn_classify() returns them. */
enum {
    MQTLS_CONN_CLASS_OK = 0,    /**< success */
    MQTLS_CONN_CLASS_TRANSIENT, /**< retry the same call (after mqtls_client_loop) */
    MQTLS_CONN_CLASS_NONFATAL,  /**< reported; the connection is still up */
    MQTLS_CONN_CLASS_RECONNECT, /**< the connection is gone; a new one may work */
    MQTLS_CONN_CLASS_FATAL      /**< retrying cannot help until something is changed */
};

/**
 * The class of an error as the manager uses it: mqtls_err_class() (the
 * error table's class column), except that a refused MQTT 5 CONNACK
 * (MQTLS_ERR_REFUSED_V5) is classified by its reason code: 0x88 server
 * unavailable, 0x89 server busy, 0x97 quota exceeded, 0x9C/0x9D use
 * another server / server moved, 0x9F connection rate exceeded are
 * RECONNECT, the others FATAL.
 * @param err        an mqtls_err_t (or MQTLS_OK)
 * @param v5_reason  mqtls_client_reason() after REFUSED_V5, else ignored
 * @return an MQTLS_CONN_CLASS_* value.
 * @code
 * if (mqtls_conn_classify(rc, mqtls_client_reason(&client)) == MQTLS_CONN_CLASS_FATAL)
 *     fix_config_and_stop();
 * @endcode
 */
int mqtls_conn_classify(int32_t err, uint8_t v5_reason);

/* ---- manager ----------------------------------------------------------------------- */

/** Event types (mqtls_conn_event_t.type), in the order they happen. */
enum {
    MQTLS_CONN_EV_CONNECTED = 1, /**< after the CONNACK, the re-subscription and the start of the queue flush */
    MQTLS_CONN_EV_DISCONNECTED,  /**< an established connection was lost */
    MQTLS_CONN_EV_RECONNECTING,  /**< the next attempt is in delay_ms */
    MQTLS_CONN_EV_GAVE_UP        /**< the manager stopped; run() returns err */
};

/** Where an attempt or a connection ended (mqtls_conn_event_t.stage). */
enum {
    MQTLS_CONN_STAGE_OPEN = 1,  /**< open(): TCP, TLS... */
    MQTLS_CONN_STAGE_CONNECT,   /**< CONNECT / CONNACK */
    MQTLS_CONN_STAGE_SUBSCRIBE, /**< the re-subscription */
    MQTLS_CONN_STAGE_CONNECTED  /**< an established connection was lost */
};

/** What happened, passed to on_event; valid for the callback only. */
typedef struct {
    int type;             /**< MQTLS_CONN_EV_* */
    int stage;            /**< DISCONNECTED, RECONNECTING, GAVE_UP: MQTLS_CONN_STAGE_* */
    int32_t err;          /**< the cause (DISCONNECTED, RECONNECTING, GAVE_UP), else 0 */
    uint32_t delay_ms;    /**< RECONNECTING: the next attempt is in this many ms */
    uint32_t attempt;     /**< RECONNECTING: failures since the last stable connection */
    bool session_present; /**< CONNECTED: the CONNACK's flag */
    bool resubscribed;    /**< CONNECTED: the subscriptions were made again */
    int32_t sub_rc;       /**< CONNECTED after resubscribing: MQTLS_OK or SUBSCRIBE_REFUSED
                           * (granted[] has the codes) */
} mqtls_conn_event_t;

/**
 * Open a fresh transport into *out for the next attempt (the old one was
 * closed). The transport's ctx must stay valid until the next open() or
 * until the manager is no longer run.
 * @param user       mqtls_conn_config_t.user
 * @param out        where to put the transport (copied by the client)
 * @param timeout_ms how long the attempt may take
 * @return MQTLS_OK or the error (classified like the others).
 */
typedef int32_t (*mqtls_conn_open_fn)(void *user, mqtls_transport_t *out, uint32_t timeout_ms);
/**
 * Any 32-bit random number (the backoff's jitter).
 * @param user mqtls_conn_config_t.user
 * @return a random value.
 */
typedef uint32_t (*mqtls_conn_random_fn)(void *user);
/**
 * Sleep (or wait for the application's events) up to ms milliseconds.
 * @param user mqtls_conn_config_t.user
 * @param ms   how long
 */
typedef void (*mqtls_conn_sleep_fn)(void *user, uint32_t ms);
/**
 * Report an event.
 * @param user mqtls_conn_config_t.user
 * @param ev   the event, valid for the call only
 */
typedef void (*mqtls_conn_event_fn)(void *user, const mqtls_conn_event_t *ev);

/** What a FATAL error does (mqtls_conn_config_t.on_fatal). */
enum {
    MQTLS_CONN_FATAL_STOP = 0,   /**< a FATAL error stops the manager (default) */
    MQTLS_CONN_FATAL_BACKOFF_MAX /**< ...or waits max_ms and tries again, reporting each */
};

/** Bytes a queued message takes in the offline queue. */
#define MQTLS_CONN_QUEUE_RECORD(topic_len, payload_len) (8u + (topic_len) + (payload_len))

/** Copied by mqtls_conn_init; everything it points to must outlive the manager. */
typedef struct {
    mqtls_client_t *client;            /**< initialised with mqtls_client_init */
    const mqtls_connect_t *connect;    /**< the CONNECT of every attempt */
    const mqtls_subscription_t *subs;  /**< made again after session present 0; may be NULL */
    size_t subs_n;                     /**< entries in subs */
    const mqtls_props_t *sub_props;    /**< MQTT 5 SUBSCRIBE properties, may be NULL */
    uint8_t *granted;                  /**< subs_n bytes for the SUBACK codes, may be NULL */
    mqtls_backoff_t backoff;           /**< reconnect timing */
    uint8_t on_fatal;                  /**< MQTLS_CONN_FATAL_* */
    bool retry_first;                  /**< false: a failure of the very first attempt
                                        * gives up (as mosquitto_sub does) */
    bool no_reconnect;                 /**< a lost connection gives up (GAVE_UP) */
    bool subscribe_first;              /**< the first connect subscribes even with session
                                        * present 1 (the filters may be new ones) */
    mqtls_conn_open_fn open;           /**< required */
    mqtls_now_fn now_ms;               /**< required */
    mqtls_conn_random_fn random;       /**< required */
    mqtls_conn_sleep_fn sleep_ms;      /**< optional */
    mqtls_conn_event_fn on_event;      /**< optional */
    void *user;                        /**< passed to open, now_ms, random, sleep_ms, on_event */
    uint32_t timeout_ms;               /**< open, CONNACK and SUBACK (0: 10000) */
    uint8_t *queue;                    /**< offline queue buffer, may be NULL */
    size_t queue_len;                  /**< bytes in queue */
    bool queue_qos0;                   /**< queue QoS 0 messages too */
} mqtls_conn_config_t;

/** The manager; allocate it, never access its fields. */
typedef struct {
    mqtls_conn_config_t MQTLS_PRIVATE(cfg); /**< private: the copied configuration */
    uint8_t MQTLS_PRIVATE(state);           /**< private: disconnected, waiting, connected, stopped */
    uint32_t MQTLS_PRIVATE(attempt);        /**< private: failed attempts since the last stable connection */
    uint32_t MQTLS_PRIVATE(in_a_row);       /**< private: failed attempts in a row (max_attempts) */
    uint32_t MQTLS_PRIVATE(next_at);        /**< private: WAITING: when the next attempt is due */
    uint32_t MQTLS_PRIVATE(up_since);       /**< private: CONNECTED: when the CONNACK came */
    bool MQTLS_PRIVATE(ever_connected);     /**< private: a CONNACK came at least once */
    int32_t MQTLS_PRIVATE(stop_err);        /**< private: STOPPED: why */
    int MQTLS_PRIVATE(stage);               /**< private: where the current attempt is */
    /** private: offline queue: first live record, end of the last */
    /**@{*/
    size_t MQTLS_PRIVATE(q_head), MQTLS_PRIVATE(q_used);
    /**@}*/
    uint32_t MQTLS_PRIVATE(q_count);  /**< private: records in the offline queue */
    uint32_t MQTLS_PRIVATE(connects); /**< private: successful connects */
} mqtls_conn_t;

/**
 * Check the configuration and prepare. Nothing is opened: the first attempt
 * is made by the first mqtls_conn_run().
 * @param m   the manager, caller-owned, valid while it is used
 * @param cfg the configuration, copied; what it points to is borrowed (see above)
 * @return MQTLS_OK or MQTLS_ERR_INVALID_ARG.
 * @code
 * if (mqtls_conn_init(&m, &mc) != MQTLS_OK) return -1;
 * @endcode
 */
int32_t mqtls_conn_init(mqtls_conn_t *m, const mqtls_conn_config_t *cfg);

/**
 * Do the work: connected, run mqtls_client_loop(timeout_ms) (after sending
 * what the offline queue holds) and handle a lost connection; disconnected,
 * make the attempt that is due, or wait for it (sleep_ms, at most
 * timeout_ms) or return at once without sleep_ms.
 * @param m          the manager
 * @param timeout_ms how long this call may take
 * @return MQTLS_OK; a NONFATAL report from the client (the connection is
 * up); once the manager has stopped, the error that stopped it (every later
 * call returns it again).
 */
int32_t mqtls_conn_run(mqtls_conn_t *m, uint32_t timeout_ms);

/**
 * Publish now, or queue while disconnected (see above).
 * @return MQTLS_OK; MQTLS_ERR_INFLIGHT_FULL / STORE_FULL / WANT_WRITE
 * (connected: run, then retry); MQTLS_ERR_OFFLINE_FULL; MQTLS_ERR_NOT_CONNECTED
 * (QoS 0 without queue_qos0, or no queue); MQTLS_ERR_NOT_SUPPORTED
 * (properties while disconnected); the client's validation errors; the
 * stop error once stopped. A lost connection is not an error of this call:
 * the message is kept by the client (QoS 1/2 stored) or in the queue.
 * @param m   the manager
 * @param msg the message, borrowed for the call (queued bytes are copied)
 * @code
 * mqtls_publish_t msg = { .topic = "t/1", .topic_len = 3,
 *                         .payload = buf, .payload_len = n, .qos = 1 };
 * int32_t rc = mqtls_conn_publish(&m, &msg);
 * @endcode
 */
int32_t mqtls_conn_publish(mqtls_conn_t *m, const mqtls_publish_t *msg);

/**
 * Stop: DISCONNECT when connected (session kept), no more attempts.
 * @param m the manager
 * @return MQTLS_OK or the error of the DISCONNECT.
 */
int32_t mqtls_conn_stop(mqtls_conn_t *m);

/**
 * Whether the client is connected now.
 * @param m the manager
 * @return true between a CONNECTED and a DISCONNECTED event.
 */
bool mqtls_conn_connected(const mqtls_conn_t *m);
/**
 * Whether the manager has stopped (GAVE_UP or mqtls_conn_stop()).
 * @param m the manager
 * @return true once run() returns the stop error.
 */
bool mqtls_conn_stopped(const mqtls_conn_t *m);
/**
 * How long the application may sleep before calling run() again.
 * @param m the manager
 * @return milliseconds until the next attempt (0 when due or connected).
 */
uint32_t mqtls_conn_wait_ms(const mqtls_conn_t *m);
/**
 * Messages waiting in the offline queue.
 * @param m the manager
 * @return their number.
 */
uint32_t mqtls_conn_queued(const mqtls_conn_t *m);
/**
 * Successful connects (CONNACKs) since mqtls_conn_init(): 1 in the
 * CONNECTED event of the first connection, more after reconnects.
 * @param m the manager, may be NULL
 * @return their number; 0 for NULL.
 */
uint32_t mqtls_conn_connects(const mqtls_conn_t *m);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_CONN_H */
