#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The source of mbedTLS 3.6 LTS from Debian 13 "trixie"'s source package,
# fetched through a private apt configuration (scripts/debian-src.sh): the
# system's sources are never touched, nothing is vendored.
#
#   scripts/mbedtls-src.sh [DIR]    unpack into DIR (default build/mbedtls-3.6),
#                                   print the source tree's path on stdout
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
exec "$ROOT/scripts/debian-src.sh" mbedtls "${MQTLS_MBEDTLS36_VERSION:-3.6.6-0.1~deb13u1}" trixie \
  "${1:-$ROOT/build/mbedtls-3.6}" include/mbedtls/build_info.h
