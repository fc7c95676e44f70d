/* SPDX-License-Identifier: MIT
 * mqtls: a crash-safe message store in a directory (POSIX ports). */
/**
 * @file
 * @brief A crash-safe message store in a directory (POSIX ports).
 *
 * The file store keeps a session's QoS 1/2 records (mqtls/msgstore.h) in
 * DIR/msgstore.log, an append-only log of CRC-32-checked records, compacted
 * into a fresh file (written, synced, renamed over the old one) when most
 * of it is dead. It implements every hook, so mqtls_client_restore() can
 * rebuild a session from it after the process or the machine restarts.
 * This is a POSIX port, not the core: it allocates (its RAM index) and
 * does file I/O; one process at a time may hold a directory (a lock file).
 *
 * Durability (the fsync policy):
 *  - flags 0 (the default): every hook has handed its record to the kernel
 *    when it returns. That survives the process being killed (kill -9, a
 *    crash) but not the machine losing power or the kernel crashing.
 *  - MQTLS_FILESTORE_FSYNC: put(), mark_pubrel(), put_inbound(),
 *    remove_inbound() and clear() also fdatasync() the log before they
 *    return, so they survive a power cut (on storage that honours flushes).
 *    remove() is lazy, as the contract allows: it is synced by the next
 *    synced hook; a PUBLISH that comes back after a power cut is resent
 *    with DUP (QoS 1) or as its PUBREL (QoS 2, after mark_pubrel()).
 *  - Compaction always syncs the new file and the directory before and
 *    after the rename, whatever the flags: a crash leaves the old log or
 *    the new one, never a mix.
 * On open, a torn last record (a crash in the middle of a write) is
 * dropped and cut off the file; a damaged record followed by intact ones
 * (a disk error, an edit) is MQTLS_ERR_STORE_CORRUPT and nothing is
 * changed, unless MQTLS_FILESTORE_SALVAGE asks to keep the intact records
 * and rewrite the log without the damaged ones.
 *
 * Ownership: the store is allocated by mqtls_filestore_open() and freed by
 * mqtls_filestore_close(); the hooks it fills in point at it, so they are
 * valid from open to close only.
 *
 * Example:
 * @code
 * mqtls_filestore_t *fs;
 * mqtls_msgstore_t store;
 * int32_t rc = mqtls_filestore_open(&fs, "/var/lib/app/session", MQTLS_FILESTORE_FSYNC, &store);
 * if (rc != MQTLS_OK) { fprintf(stderr, "%s\n", mqtls_strerror(rc)); ... }
 * // ... mqtls_client_config_t.store = &store; mqtls_client_restore(...)
 * mqtls_filestore_close(fs);
 * @endcode
 */
#ifndef MQTLS_FILESTORE_H
#define MQTLS_FILESTORE_H

#include <stdint.h>

#include "mqtls/msgstore.h"

#ifdef __cplusplus
extern "C" {
#endif

/** fdatasync() after every hook that must survive a power cut (see above). */
#define MQTLS_FILESTORE_FSYNC 0x1u
/** On open, drop damaged records that intact ones follow, instead of
 * refusing with MQTLS_ERR_STORE_CORRUPT; the log is then rewritten. */
#define MQTLS_FILESTORE_SALVAGE 0x2u

/** An open file store; opaque, allocated by mqtls_filestore_open(). */
typedef struct mqtls_filestore mqtls_filestore_t;

/**
 * Open (creating dir and its parents, mode 0700, if needed) the store in
 * dir and fill out with its hooks (ctx = *fs).
 * @param fs    receives the store; NULL on failure
 * @param dir   directory path; copied
 * @param flags MQTLS_FILESTORE_FSYNC, MQTLS_FILESTORE_SALVAGE, or 0
 * @param out   receives the hooks (ctx = *fs), valid until mqtls_filestore_close()
 * @return MQTLS_OK; MQTLS_ERR_INVALID_ARG; MQTLS_ERR_STORE_LOCKED (another
 *         process has it open); MQTLS_ERR_STORE_CORRUPT (not a message
 *         store, or a damaged record: nothing changed); MQTLS_ERR_STORE_IO
 *         (a system call failed: errno is left as it set it);
 *         MQTLS_ERR_NO_MEMORY.
 */
int32_t mqtls_filestore_open(mqtls_filestore_t **fs, const char *dir, uint32_t flags, mqtls_msgstore_t *out);

/**
 * Close the files and free the store (NULL is fine). The hooks must not
 * be called afterwards. Records stay on disk.
 * @param fs the store from mqtls_filestore_open(), or NULL
 * @code
 * mqtls_filestore_close(fs);   // the next open of the directory restores it
 * @endcode
 */
void mqtls_filestore_close(mqtls_filestore_t *fs);

/**
 * The errno of the last failed system call behind a MQTLS_ERR_STORE_IO
 * (also of a void hook such as remove()).
 * @param fs the store
 * @return that errno, or 0.
 * @code
 * if (rc == MQTLS_ERR_STORE_IO) fprintf(stderr, "store: %s\n", strerror(mqtls_filestore_errno(fs)));
 * @endcode
 */
int mqtls_filestore_errno(const mqtls_filestore_t *fs);

#ifdef __cplusplus
}
#endif
#endif /* MQTLS_FILESTORE_H */
