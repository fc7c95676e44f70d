#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# docs/porting.md promises "the smallest complete port": its first C block
# must compile, for Cortex-M4 (-ffreestanding, -Werror, the project's
# warnings) and on the host, against the public headers alone, and must need
# nothing but the mqtls client (and what the compiler emits for a struct
# initialiser). A doc that drifts from the API fails here.
#
#   tests/ports/porting_example.sh [SOURCE_ROOT]
set -euo pipefail

ROOT=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
WARN=(-std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wcast-qual -Wundef)

awk '/^```c$/ { n++; if (n == 1) { f = 1; next } } /^```$/ { f = 0 } f' "$ROOT/docs/porting.md" >"$OUT/example.c"
lines=$(wc -l <"$OUT/example.c")
((lines > 10)) || { echo "porting_example: no C example found in docs/porting.md" >&2; exit 1; }
cc "${WARN[@]}" -I "$ROOT/include" -c "$OUT/example.c" -o "$OUT/host.o"
if command -v arm-none-eabi-gcc >/dev/null; then
    arm-none-eabi-gcc "${WARN[@]}" -ffreestanding -mcpu=cortex-m4 -mthumb -Os -I "$ROOT/include" \
        -c "$OUT/example.c" -o "$OUT/arm.o"
    while read -r sym; do
        case $sym in
            mqtls_client_* | memset | memcpy | __aeabi_*) ;;
            *) echo "porting_example: the example needs $sym" >&2; exit 1 ;;
        esac
    done < <(arm-none-eabi-nm -u "$OUT/arm.o" | awk '{print $NF}')
fi
echo "porting_example: ok ($lines lines)"
