#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# ports/simplelink/sl_transport.c is written only against the SimpleLink API,
# so that it builds on a CC3200 with TI's SDK. Prove it here without the SDK:
# compile it for Cortex-M4 with arm-none-eabi-gcc -ffreestanding, with only
# mqtls's public headers and the SimpleLink headers of the emulation
# (include/mqtls/compat) on the include path, and -Werror. Then every symbol
# the object references must be a SimpleLink call (sl_*), an mqtls function
# (the SL code table) or one of the <string.h> functions the core may use:
# no malloc, no stdio, no POSIX. Fails naming the offending symbol.
#
#   tests/ports/sl_freestanding.sh [SOURCE_ROOT]
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
CC=${ARM_CC:-arm-none-eabi-gcc}
NM=${ARM_NM:-arm-none-eabi-nm}
command -v "$CC" >/dev/null || { echo "sl_freestanding: $CC not found (scripts/deps.sh)" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

"$CC" -std=c11 -ffreestanding -mcpu=cortex-m4 -mthumb -Os -Werror -Wall -Wextra -Wshadow \
    -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual -Wundef -DMQTLS_ALLOW_PRIVATE_ACCESS \
    -I "$ROOT/include" -I "$ROOT/include/mqtls/compat" \
    -c "$ROOT/ports/simplelink/sl_transport.c" -o "$OUT/sl_transport.o"

bad=0
while read -r sym; do
    case $sym in
        sl_* | mqtls_* | memcpy | memset | strlen | __aeabi_*) ;;
        *) echo "sl_freestanding: sl_transport.o references $sym: not SimpleLink, mqtls or <string.h>" >&2; bad=1 ;;
    esac
done < <("$NM" -u "$OUT/sl_transport.o" | awk '{print $NF}')
"$NM" -u "$OUT/sl_transport.o" | grep -q ' sl_Connect$' || { echo "sl_freestanding: no sl_Connect reference?" >&2; bad=1; }
((bad == 0)) || exit 1
echo "sl_freestanding: ok ($("$NM" -u "$OUT/sl_transport.o" | awk '{print $NF}' | tr '\n' ' '))"
