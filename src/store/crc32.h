/* SPDX-License-Identifier: MIT
 * mqtls: CRC-32 (IEEE 802.3, reflected, as zlib and PNG), shared by the stores. */
/*
 * One small routine for both message stores (flash log, file store) so that
 * neither carries a copy and the file store needs no zlib. Nibble-table
 * driven: 64 bytes of table, a few cycles a bit; a store checksums a record
 * once when it writes it and once when it mounts, so speed matters less
 * than flash on a device.
 */
#ifndef MQTLS_STORE_CRC32_H
#define MQTLS_STORE_CRC32_H

#include <stddef.h>
#include <stdint.h>

/** Continue a CRC-32: start with crc 0; mqtls__crc32(0, "123456789", 9) is
 * 0xCBF43926. */
uint32_t mqtls__crc32(uint32_t crc, const uint8_t *p, size_t n);

#endif /* MQTLS_STORE_CRC32_H */
