#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Prove that the TLS layer (src/tls/tls.c, tls_cred.c, tls_watch.c, the mbedTLS engine and its
# PKCS#8 helper) is freestanding: compile it for Cortex-M4 with
# arm-none-eabi-gcc and newlib against the mbedTLS 3.6 headers and the
# firmware's configuration (ports/qemu-mps2/mbedtls_config.h: the options the
# firmware's size and RAM figures describe are the ones checked here), with
# -Werror, then
#   1. every #include of those files is a C standard header, an mbedTLS/PSA
#      header or one of ours (no <arpa/inet.h>, <unistd.h>, <sys/...>);
#   2. every symbol the objects leave undefined is mbedTLS's, PSA's, ours
#      (mqtls_*: the core and mqtls_tls_port_hooks, which the port gives),
#      a libgcc helper, or one of a short list of C library functions
#      (memory, strings, snprintf, the allocator). No file, socket, clock
#      or entropy call can hide in the engine.
#
#   scripts/tls-freestanding.sh [BUILD_DIR]   (default build/tls-freestanding)
#
# The mbedTLS source comes from scripts/mbedtls-src.sh (cached in build/).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${1:-$ROOT/build/tls-freestanding}
CC=arm-none-eabi-gcc
NM=arm-none-eabi-nm
command -v "$CC" >/dev/null || { echo "tls-freestanding: $CC not found (scripts/deps.sh)" >&2; exit 1; }
MBED=$("$ROOT/scripts/mbedtls-src.sh")
mkdir -p "$OUT"

SOURCES=(src/tls/tls.c src/tls/tls_cred.c src/tls/tls_watch.c src/tls/tls_mbedtls.c src/util/pkcs8_aes.c)
FLAGS=(-std=c11 -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -Wall -Wextra -Werror -Wshadow
  -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual -Wundef
  -DMQTLS_WITH_MBEDTLS=1 -DMQTLS_WITH_OPENSSL=0 -DMBEDTLS_CONFIG_FILE="\"$ROOT/ports/qemu-mps2/mbedtls_config.h\"" -DMQTLS_ALLOW_PRIVATE_ACCESS
  -isystem "$MBED/include" -I"$ROOT/include" -I"$ROOT/src")

# 1. the includes, as written in our files
STD=" assert.h limits.h stdarg.h stdbool.h stddef.h stdint.h stdio.h stdlib.h string.h "
bad=0
while IFS=: read -r file _ line; do
  h=$(sed -E 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]([^>"]+)[>"].*/\1/' <<<"$line")
  case $h in
    mbedtls/* | psa/* | mqtls/* | tls_priv.h | util/pkcs8_aes.h | util/mbed_compat.h | util/civil.h) ;;
    *) [[ $STD == *" $h "* ]] || { echo "tls-freestanding: $file includes <$h>, not freestanding" >&2; bad=1; } ;;
  esac
done < <(cd "$ROOT" && grep -Hn '^[[:space:]]*#[[:space:]]*include' "${SOURCES[@]}" src/tls/tls_priv.h \
  src/util/pkcs8_aes.h src/util/mbed_compat.h src/util/civil.h include/mqtls/tls.h)
((bad == 0)) || exit 1

# 2. compile, and look at what the objects need
objs=()
for s in "${SOURCES[@]}"; do
  o=$OUT/$(basename "${s%.c}").o
  "$CC" "${FLAGS[@]}" -c "$ROOT/$s" -o "$o"
  objs+=("$o")
done
LIBC=" memcpy memmove memset memcmp strlen strcpy strcmp strncmp strchr strstr strcspn snprintf vsnprintf malloc calloc realloc free "
bad=0
while read -r sym; do
  case $sym in
    mbedtls_* | psa_* | mqtls_* | mqtls__* | __aeabi_* | __gnu_*) ;;
    *) [[ $LIBC == *" $sym "* ]] || { echo "tls-freestanding: the TLS layer calls $sym" >&2; bad=1; } ;;
  esac
done < <("$NM" -u "${objs[@]}" | awk 'NF == 2 { print $2 }' | LC_ALL=C sort -u)
((bad == 0)) || exit 1
arm-none-eabi-size -B -t "${objs[@]}" | sed "s|$OUT/||"
echo "tls-freestanding: src/tls (tls.c, tls_cred.c, tls_watch.c, tls_mbedtls.c, pkcs8_aes.c) compiles for Cortex-M4 with no POSIX header or call"
