/* SPDX-License-Identifier: MIT
 * mqtls: the message store contract -- where a session's QoS 1/2 state waits. */
/**
 * @file
 * @brief The message store contract: where a session's QoS 1/2 state waits.
 *
 * A session's delivery state (MQTT 3.1.1 section 4.1, 5.0 section 4.1) is
 * three kinds of record, all keyed by packet id:
 *
 *   MQTLS_MSG_PUBLISH   an outgoing QoS 1/2 PUBLISH not yet acknowledged
 *                       (no PUBACK / PUBREC yet): the serialized packet,
 *                       resent with DUP set after a reconnect.
 *   MQTLS_MSG_PUBREL    an outgoing QoS 2 message whose PUBREC arrived: the
 *                       PUBLISH bytes are gone, only "PUBREL sent, waiting
 *                       for PUBCOMP" is kept; it is resent as a PUBREL.
 *   MQTLS_MSG_INBOUND   an incoming QoS 2 id whose PUBREC we sent and whose
 *                       PUBREL has not come: a second PUBLISH with this id
 *                       is a duplicate and must not be delivered again.
 *
 * The outgoing records keep the order they were put in, including across
 * mark_pubrel() (a PUBLISH turned PUBREL keeps its place): that order is the
 * resend order [MQTT-4.4.0-1] and the ordering rules of section 4.6.
 *
 * A store that outlives the process (a file, a flash log) implements the
 * optional hooks too; the client then rebuilds its in-flight records from
 * it with mqtls_client_restore() after a reboot. A store without them (NULL)
 * still works for reconnects inside one boot but cannot be restored.
 *
 * Durability: when put() / mark_pubrel() / put_inbound() return MQTLS_OK the
 * record must survive a power cut (or the store documents its weaker
 * policy, e.g. a file store with fsync off). remove() may be lazy: a record
 * that comes back after a power cut is resent with DUP (QoS 1: a duplicate
 * the protocol allows; QoS 2: it was marked PUBREL before its PUBCOMP could
 * remove it, so it comes back as a PUBREL, which the broker answers with
 * PUBCOMP). remove_inbound() and clear() must not be lazy: an inbound id
 * that came back would make the client take the broker's next QoS 2
 * message with that id for a duplicate and drop it (the broker may reuse
 * the id once it has the PUBCOMP, so the id must be gone before the PUBCOMP
 * is sent). A put() with an id that is already stored replaces that record,
 * which then goes to the end of the order.
 *
 * Ownership: the struct is copied by the client (mqtls_client_init()'s
 * config), so it may be a local; `ctx`, and whatever it points to, belongs
 * to the caller and must stay valid for as long as the client uses the
 * store. Every buffer passed to a hook is borrowed for that call only: a
 * store copies what it keeps. Implementations on main: the RAM store
 * (mqtls/client.h, memstore), the file store (mqtls/filestore.h) and the
 * flash log (mqtls/flashlog.h). A store of your own fills in the hooks:
 * @code
 * static int32_t my_put(void *ctx, uint16_t id, const uint8_t *pkt, size_t len)
 * {
 *     return my_log_append(ctx, id, pkt, len) ? MQTLS_OK : MQTLS_ERR_STORE_FULL;
 * }
 * // ... my_get, my_remove, my_clear likewise
 * mqtls_msgstore_t store = { .ctx = &log, .put = my_put, .get = my_get,
 *                            .remove = my_remove, .clear = my_clear };
 * // the optional hooks stay NULL: survives reconnects, not reboots
 * @endcode
 */
#ifndef MQTLS_MSGSTORE_H
#define MQTLS_MSGSTORE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Record kinds, as passed to mqtls_msgstore_visit_fn. */
enum {
    MQTLS_MSG_PUBLISH = 1, /**< outgoing PUBLISH awaiting PUBACK / PUBREC (bytes kept) */
    MQTLS_MSG_PUBREL = 2,  /**< outgoing QoS 2 awaiting PUBCOMP (no bytes) */
    MQTLS_MSG_INBOUND = 3  /**< incoming QoS 2 id awaiting PUBREL (no bytes) */
};

/**
 * Called by each() once per record.
 * @param arg       each()'s arg
 * @param kind      MQTLS_MSG_PUBLISH, _PUBREL or _INBOUND
 * @param packet_id 1..65535
 * @param len       bytes of a PUBLISH record (0 for the others)
 * @return MQTLS_OK to go on; a negative value stops the walk and each()
 * returns it.
 */
typedef int32_t (*mqtls_msgstore_visit_fn)(void *arg, uint8_t kind, uint16_t packet_id, size_t len);

/**
 * Persistence hooks, all called with ctx. put/get/remove/clear are required;
 * the rest are optional (NULL) and needed only to survive a reboot.
 */
typedef struct mqtls_msgstore {
    void *ctx; /**< passed back to every hook; owned by the caller, valid while the client uses the store */
    /** Store an outgoing PUBLISH (kind MQTLS_MSG_PUBLISH) after the last
     * outgoing record. @return MQTLS_OK, MQTLS_ERR_STORE_FULL (retry later)
     * or MQTLS_ERR_STORE_TOO_SMALL (can never fit). */
    int32_t (*put)(void *ctx, uint16_t packet_id, const uint8_t *pkt, size_t len);
    /** Copy a stored PUBLISH into buf. @return its length,
     * MQTLS_ERR_BUFFER_TOO_SMALL, or MQTLS_ERR_INVALID_ARG when the id is
     * not stored as a PUBLISH. */
    int32_t (*get)(void *ctx, uint16_t packet_id, uint8_t *buf, size_t len);
    /** Forget the outgoing record (PUBLISH or PUBREL); unknown ids are ignored. */
    void (*remove)(void *ctx, uint16_t packet_id);
    /** Forget everything, inbound ids included (clean session). */
    void (*clear)(void *ctx);

    /* ---- optional: reboot survival ------------------------------------- */
    /** PUBREC arrived for this QoS 2 PUBLISH: keep the record in its place
     * as MQTLS_MSG_PUBREL and drop its bytes. @return MQTLS_OK, or
     * MQTLS_ERR_INVALID_ARG when no PUBLISH has that id. */
    int32_t (*mark_pubrel)(void *ctx, uint16_t packet_id);
    /** Remember an incoming QoS 2 id (PUBREC sent). Putting an id that is
     * already there is MQTLS_OK. @return MQTLS_OK or MQTLS_ERR_STORE_FULL. */
    int32_t (*put_inbound)(void *ctx, uint16_t packet_id);
    /** PUBREL arrived: forget the incoming id; unknown ids are ignored. */
    void (*remove_inbound)(void *ctx, uint16_t packet_id);
    /** Visit every record: the outgoing ones in the order they were put,
     * then the inbound ids (any order). The store must not be changed from
     * inside fn. @return MQTLS_OK or what fn returned. */
    int32_t (*each)(void *ctx, mqtls_msgstore_visit_fn fn, void *arg);
} mqtls_msgstore_t;

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_MSGSTORE_H */
