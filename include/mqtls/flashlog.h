/* SPDX-License-Identifier: MIT
 * mqtls: a message store in NOR flash that survives a power cut at any byte. */
/**
 * @file
 * @brief A message store in NOR flash that survives a power cut at any byte.
 *
 * The flash-log store keeps a session's QoS 1/2 records (mqtls/msgstore.h)
 * in two or more sectors of the device's own NOR flash, through the
 * caller's read/program/erase driver. It is freestanding C11 like the core:
 * no heap, no stdio, no clock; its RAM is the mqtls_flashlog_t and the
 * caller's work buffer, nothing else (see MQTLS_FLASHLOG_WORK_SIZE).
 *
 * What it promises, exactly (power cut = the driver stops at any byte of
 * any program or erase call, and the next boot calls mqtls_flashlog_init):
 *  - put(), mark_pubrel(), put_inbound(), remove_inbound(), clear() and
 *    remove() are durable when they return: a record put() acknowledged with
 *    MQTLS_OK is never lost, a PUBREL mark or an inbound id is never lost,
 *    and a removed record never comes back (removal is not lazy here, which
 *    is stronger than the contract: a resurrected inbound id would make the
 *    client drop a new message with that id as a duplicate).
 *  - The operation that was running when the power went is either done
 *    completely or not at all: a record is never half there, never there
 *    twice, never misread; outgoing records keep their order.
 *  - A call that returned an error other than STORE_FULL/STORE_TOO_SMALL
 *    (a driver failure, MQTLS_ERR_STORE_IO) may or may not have taken
 *    effect, like any write whose outcome is unknown.
 * Wear: sectors are used round-robin, so every sector is erased as often
 * as every other (to within one erase); a sector is erased right before it
 * is reused, never "because it looks erased".
 *
 * Driver contract: read() at any address and length; program() is called
 * with addresses and lengths that are multiples of prog_unit, each unit at
 * most once between erases, and only clears bits; erase() sets a sector to
 * 0xFF. Each returns 0 or a negative code (kept in mqtls_flashlog_t for
 * diagnosis, and reported as MQTLS_ERR_STORE_IO).
 *
 * Capacity: a record must fit in one sector with room to spare (payload up
 * to MQTLS_FLASHLOG_MAX_PAYLOAD(sector_size, prog_unit)); one sector is
 * always kept free for compaction, so at most sector_count - 1 sectors hold
 * records. A put that does not fit after compaction is MQTLS_ERR_STORE_FULL
 * (retry after acknowledgements); the store does not compact again until a
 * record was removed, so a full store costs no erase cycles.
 *
 * Example (4 sectors of 4 KB, 64 records):
 * @code
 * static uint8_t work[MQTLS_FLASHLOG_WORK_SIZE(64)];
 * static mqtls_flashlog_t fl;
 * static const mqtls_flash_t flash = { &spi, 4096, 4, 1, nor_read, nor_prog, nor_erase };
 * mqtls_msgstore_t store;
 * int32_t rc = mqtls_flashlog_init(&fl, &flash, work, sizeof work, &store);
 * // rc == MQTLS_OK: pass &store in mqtls_client_config_t, then
 * // mqtls_client_restore() rebuilds the session it holds.
 * @endcode
 */
#ifndef MQTLS_FLASHLOG_H
#define MQTLS_FLASHLOG_H

#include <stddef.h>
#include <stdint.h>

#include "mqtls/api.h"
#include "mqtls/msgstore.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Bytes staged between the flash and the RAM index per driver call, and
 * the largest prog_unit supported (a power of two that divides it). */
#ifndef MQTLS_CONFIG_FLASHLOG_CHUNK
#define MQTLS_CONFIG_FLASHLOG_CHUNK 32u
#endif

/** RAM index cost of one record (an outgoing PUBLISH/PUBREL or an inbound
 * QoS 2 id), in bytes of the work buffer. */
#define MQTLS_FLASHLOG_ENTRY_SIZE 16u

/** Work buffer size for up to `records` records at once (outgoing and
 * inbound together); any alignment (up to 3 bytes are skipped). */
#define MQTLS_FLASHLOG_WORK_SIZE(records) ((size_t)(records) * MQTLS_FLASHLOG_ENTRY_SIZE + 3u)

#define MQTLS__FLASHLOG_ALIGN(n, u) (((n) + (u) - 1u) / (u) * (u))
/** Largest PUBLISH packet one record holds for this geometry. */
#define MQTLS_FLASHLOG_MAX_PAYLOAD(sector_size, prog_unit)                                   \
    ((sector_size) - MQTLS__FLASHLOG_ALIGN(16u, (prog_unit)) - 6u * (prog_unit) -           \
     MQTLS__FLASHLOG_ALIGN(20u, (prog_unit)) - 20u)

/** The caller's NOR flash: the store's sectors 0..sector_count-1 at
 * addresses 0..sector_size*sector_count-1 (the driver adds its own base). */
typedef struct {
    void *ctx;             /**< passed to read, program and erase; owned by the caller, must outlive the store */
    uint32_t sector_size;  /**< bytes, a multiple of prog_unit, at least 128 and 4 small records */
    uint32_t sector_count; /**< at least 2 */
    uint32_t prog_unit;    /**< program granularity: 1, 2, 4, ... MQTLS_CONFIG_FLASHLOG_CHUNK */
    int32_t (*read)(void *ctx, uint32_t addr, uint8_t *buf, size_t len);          /**< any address and length */
    int32_t (*program)(void *ctx, uint32_t addr, const uint8_t *buf, size_t len); /**< NOR: bits 1->0 only */
    int32_t (*erase)(void *ctx, uint32_t sector);                                  /**< sets the sector to 0xFF */
} mqtls_flash_t;

struct mqtls__flashlog_ent;

/** The store's state. Lives as long as the client that uses it. Do not
 * touch its fields (they are here so it can be allocated statically). */
typedef struct mqtls_flashlog {
    const mqtls_flash_t *MQTLS_PRIVATE(flash);      /**< private: the driver */
    struct mqtls__flashlog_ent *MQTLS_PRIVATE(ent); /**< private: the RAM index, in work */
    /** private: index entries (room, used) */
    /**@{*/
    uint32_t MQTLS_PRIVATE(cap), MQTLS_PRIVATE(count);
    /**@}*/
    uint32_t MQTLS_PRIVATE(head);       /**< private: sector written now, or UINT32_MAX */
    uint32_t MQTLS_PRIVATE(head_seq);   /**< private: its sequence number */
    uint32_t MQTLS_PRIVATE(live);       /**< private: sectors holding the log, head included */
    uint32_t MQTLS_PRIVATE(wp);         /**< private: next write offset in the head sector */
    uint32_t MQTLS_PRIVATE(next_seq);   /**< private: order of the next outgoing record */
    uint32_t MQTLS_PRIVATE(live_bytes); /**< private: flash bytes of the live records */
    uint32_t MQTLS_PRIVATE(gc_runs);    /**< private: compactions since init (statistics) */
    int32_t MQTLS_PRIVATE(driver_err);  /**< private: last negative code from the driver, or 0 */
    uint8_t MQTLS_PRIVATE(full);        /**< private: compaction found no room: wait for a remove */
    uint8_t MQTLS_PRIVATE(seq_seen);    /**< private: mount: an outgoing record was seen */
    uint8_t MQTLS_PRIVATE(chunk)[MQTLS_CONFIG_FLASHLOG_CHUNK]; /**< private: staging between flash and index */
} mqtls_flashlog_t;

/**
 * Mount the log: scan the sectors, finish or undo what a power cut
 * interrupted, rebuild the RAM index, and fill out with the hooks. Blank
 * flash (or flash holding no valid sector) is an empty store; sectors are
 * erased only when they are about to be written.
 * @param fl       state, lives as long as the store is used
 * @param flash    the driver; must outlive fl
 * @param work     RAM index, MQTLS_FLASHLOG_WORK_SIZE(records) bytes; must outlive fl
 * @param work_len bytes in work
 * @param out      filled with every hook of mqtls_msgstore_t (ctx = fl)
 * @return MQTLS_OK; MQTLS_ERR_INVALID_ARG (bad geometry or pointer);
 *         MQTLS_ERR_STORE_TOO_SMALL (the flash holds more records than work
 *         can index); MQTLS_ERR_STORE_CORRUPT (the sectors were written with
 *         another prog_unit or format: nothing was changed);
 *         MQTLS_ERR_STORE_IO (the driver failed; see mqtls_flashlog_driver_error).
 */
int32_t mqtls_flashlog_init(mqtls_flashlog_t *fl, const mqtls_flash_t *flash, uint8_t *work, size_t work_len,
                            mqtls_msgstore_t *out);

/**
 * The last negative code the driver returned: what a MQTLS_ERR_STORE_IO,
 * or a failed void hook (remove, clear), came from.
 * @param fl the store
 * @return the driver's code, or 0 if none.
 * @code
 * if (rc == MQTLS_ERR_STORE_IO) log_spi_error(mqtls_flashlog_driver_error(&fl));
 * @endcode
 */
int32_t mqtls_flashlog_driver_error(const mqtls_flashlog_t *fl);

/**
 * Compactions since mqtls_flashlog_init(): each moves the live records out
 * of the oldest sector and retires it, so the count tells how fast the log
 * cycles (and wears) the flash.
 * @param fl the store, may be NULL
 * @return the count; 0 for NULL.
 * @code
 * log_wear(mqtls_flashlog_gc_runs(&fl));  // sectors retired since boot
 * @endcode
 */
uint32_t mqtls_flashlog_gc_runs(const mqtls_flashlog_t *fl);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_FLASHLOG_H */
