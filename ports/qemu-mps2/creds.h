/* SPDX-License-Identifier: MIT
 * mqtls: the firmware's credentials, compiled in as C arrays. */
/*
 * A device has its credentials in flash; here they are C arrays made by
 * `mqtls cert carray` (make-creds.sh writes one header per file into a
 * directory, creds.c includes them, fw-link.sh compiles that one file and
 * links it into the image). So an image carries exactly one PKI -- the test
 * makes a fresh PKI per run and links a fresh image in about a second --
 * and nothing secret is ever committed. PEM arrays include their
 * terminating NUL (counted in the length), as mbedTLS's parsers want.
 *
 *   fw_ca        the CA that signed the broker's certificate
 *   fw_other_ca  an unrelated CA, for the wrong-CA case (-append "--ca other")
 *   fw_cert      the device's certificate;  fw_key  its private key
 */
#ifndef MQTLS_MPS2_CREDS_H
#define MQTLS_MPS2_CREDS_H

#include <stddef.h>

extern const unsigned char fw_ca[], fw_other_ca[], fw_cert[], fw_key[];
extern const size_t fw_ca_len, fw_other_ca_len, fw_cert_len, fw_key_len;

#endif /* MQTLS_MPS2_CREDS_H */
