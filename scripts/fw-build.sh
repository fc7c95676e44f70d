#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-build everything that runs on QEMU's mps2-an386 (Cortex-M4) into
# build/mps2: the board port, the core's unit tests as firmware images (with
# cmocka from Debian's source, scripts/cmocka-src.sh), mbedTLS 3.6 from
# Debian's source (scripts/mbedtls-src.sh) and the MQTT firmware.
#
#   scripts/fw-build.sh [BUILD_DIR]     default build/mps2; prints nothing new
#                                       when everything is up to date
#
# The sources are fetched once and cached under build/; a second run is a
# make that finds nothing to do. ctest --test-dir build/mps2 -L m4-unit runs
# the unit-test images under qemu-system-arm.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-$ROOT/build/mps2}
JOBS=${MQTLS_JOBS:-2}

for tool in arm-none-eabi-gcc qemu-system-arm; do
  command -v "$tool" >/dev/null || { echo "fw-build: $tool is missing (scripts/deps.sh installs it)" >&2; exit 1; }
done
cmocka=$("$ROOT/scripts/cmocka-src.sh")
mbedtls=$("$ROOT/scripts/mbedtls-src.sh")

mkdir -p "$BUILD"
# Configured every time (a second time costs a second): a tree configured
# by hand without one of the sources gets it now.
cmake -S "$ROOT/ports/qemu-mps2" -B "$BUILD" --log-level=WARNING \
  -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/arm-cortex-m4.cmake" -DCMAKE_BUILD_TYPE=MinSizeRel \
  -DMQTLS_CMOCKA_SRC="$cmocka" -DMQTLS_MBEDTLS_SRC="$mbedtls" >"$BUILD/configure.log" 2>&1 || {
  cat "$BUILD/configure.log" >&2
  echo "fw-build: configuring $BUILD failed" >&2
  exit 1
}
cmake --build "$BUILD" -j "$JOBS" -- --no-print-directory >"$BUILD/build.log" 2>&1 || {
  tail -n 40 "$BUILD/build.log" >&2
  echo "fw-build: the Cortex-M4 build failed (log: $BUILD/build.log)" >&2
  exit 1
}
