#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# make-creds.sh PKI_DIR OUT_DIR: the firmware's credential headers from a
# PKI directory (tests/integration/pki.sh's layout), one `mqtls cert carray`
# per file: fw_ca.h (ca.pem), fw_other_ca.h (other-ca.pem), fw_cert.h
# (client.pem), fw_key.h (client.key). MQTLS names the mqtls binary.
set -euo pipefail
PKI=${1:?usage: make-creds.sh PKI_DIR OUT_DIR}
OUT=${2:?usage: make-creds.sh PKI_DIR OUT_DIR}
MQTLS=${MQTLS:-mqtls}
mkdir -p "$OUT"
for pair in fw_ca:ca.pem fw_other_ca:other-ca.pem fw_cert:client.pem fw_key:client.key; do
  name=${pair%%:*}
  "$MQTLS" cert carray "$PKI/${pair#*:}" --name "$name" -o "$OUT/$name.h"
done
