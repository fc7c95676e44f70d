#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Build mbedTLS 3.6 LTS for this host, once, and install it under a prefix
# that mqtls can be configured against (-DMQTLS_MBEDTLS_ROOT=PREFIX):
#
#   scripts/mbedtls36-host.sh [DIR]   source from scripts/mbedtls-src.sh DIR,
#                                     build in DIR/host-build, install into
#                                     DIR/host (default DIR: build/mbedtls-3.6);
#                                     prints the prefix on stdout
#
# Static libraries only (a test binary must not pick up another libmbedtls
# at run time), no programs, no tests: ~3 min on 2 cores, then a stamp file
# makes every later run free (CI caches build/).
#
# The configuration is 3.6's default (TLS 1.2 and 1.3, PSA crypto,
# renegotiation compiled in but off, handshake messages reassembled across
# records), copied next to the build and installed as the prefix's
# mbedtls_config.h, so whoever compiles against the prefix sees exactly what
# the library was built with. MBEDTLS_SSL_IN_CONTENT_LEN cannot go above
# 16384 (ssl_misc.h refuses it), so a handshake message must fit 16 KB plus
# the record overhead.
#
# Environment (bench/handshake_cost.sh's configuration variants):
# MQTLS_MBEDTLS36_SRC, an unpacked source tree to build instead of fetching
# one into DIR; MQTLS_MBEDTLS36_CONFIG_EXTRA, lines appended to the
# configuration (#define/#undef).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${1:-$ROOT/build/mbedtls-3.6}
JOBS=${MQTLS_JOBS:-2}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
PREFIX=$DIR/host
STAMP=$PREFIX/.mqtls-built

if [[ -f "$STAMP" && -f "$PREFIX/include/mbedtls/ssl.h" ]]; then
  echo "$PREFIX"
  exit 0
fi

SRC=${MQTLS_MBEDTLS36_SRC:-$("$ROOT/scripts/mbedtls-src.sh" "$DIR")}
CONF=$DIR/host-config/mbedtls_config.h
mkdir -p "$(dirname "$CONF")"
{
  cat "$SRC/include/mbedtls/mbedtls_config.h"
  [[ -z ${MQTLS_MBEDTLS36_CONFIG_EXTRA:-} ]] || printf '%s\n' "$MQTLS_MBEDTLS36_CONFIG_EXTRA"
} >"$CONF"

echo "mbedtls36-host: building $SRC into $PREFIX" >&2
rm -rf "$DIR/host-build" "$PREFIX"
cmake -S "$SRC" -B "$DIR/host-build" --log-level=WARNING \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc -DCMAKE_POSITION_INDEPENDENT_CODE=ON \
  -DCMAKE_INSTALL_PREFIX="$PREFIX" -DCMAKE_INSTALL_LIBDIR=lib \
  -DENABLE_PROGRAMS=OFF -DENABLE_TESTING=OFF -DMBEDTLS_FATAL_WARNINGS=OFF \
  -DUSE_STATIC_MBEDTLS_LIBRARY=ON -DUSE_SHARED_MBEDTLS_LIBRARY=OFF \
  -DMBEDTLS_CONFIG_FILE="$CONF" >&2
cmake --build "$DIR/host-build" -j "$JOBS" >&2
cmake --install "$DIR/host-build" >/dev/null
cp "$CONF" "$PREFIX/include/mbedtls/mbedtls_config.h"
touch "$STAMP"
echo "$PREFIX"
