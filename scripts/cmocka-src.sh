#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The source of cmocka from Debian 12's own archive (the "bookworm" source
# package libcmocka-dev is built from), for the Cortex-M4 unit tests: Debian
# ships no cmocka for arm-none-eabi, so scripts/fw-build.sh cross-compiles
# this source. Fetched through a private apt configuration
# (scripts/debian-src.sh): the system's sources are never touched.
#
#   scripts/cmocka-src.sh [DIR]    unpack into DIR (default build/cmocka-src),
#                                  print the source tree's path on stdout
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec "$ROOT/scripts/debian-src.sh" cmocka "${MQTLS_CMOCKA_VERSION:-1.1.5-2.1}" bookworm \
  "${1:-$ROOT/build/cmocka-src}" include/cmocka.h
