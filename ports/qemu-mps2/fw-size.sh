#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# fw-size.sh ELF [MAP]: the memory figures of a firmware image.
#   flash       what the image stores: .text (code and read-only data), the
#               unwind index and the initial values of .data
#   static RAM  .data + .bss (every static buffer, the mbedTLS arena
#               included), without the stack and libc heap regions, which
#               are sized by the linker script and printed on their own
# With MAP (the linker's map file) also the flash taken by each archive or
# object, from the input sections the link kept (--gc-sections).
set -euo pipefail
ELF=${1:?usage: fw-size.sh ELF [MAP]}
MAP=${2:-}
arm-none-eabi-size -A "$ELF" | awk '
    $1 == ".text" || $1 == ".ARM.exidx" { flash += $2 }
    $1 == ".data" { flash += $2; ram += $2 }
    $1 == ".bss" { ram += $2 }
    $1 == ".stack" { stack = $2 }
    $1 == ".heap" { heap = $2 }
    END { printf "flash %d\nstatic_ram %d\nstack_region %d\nlibc_heap_region %d\n", flash, ram, stack, heap }'
[[ -n $MAP ]] || exit 0
# Kept input sections: " .text.f  0xADDR 0xSIZE lib.a(obj)", possibly with
# the name alone on its line and the numbers on the next.
awk '
    function hex(s,   i, v) { v = 0; s = tolower(substr(s, 3))
        for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
        return v }
    function add(sz, file,   lib) { if (hex(sz) == 0) return; lib = file; sub(/\(.*$/, "", lib); sub(/.*\//, "", lib)
        tot[lib] += hex(sz) }
    /^Discarded input sections/ { skip = 1 } /^Memory Configuration/ { skip = 0 }
    skip { next }
    /^ \.(text|rodata|data)[^ ]*$/ { pending = 1; next }
    pending && /^ +0x[0-9a-f]+ +0x[0-9a-f]+ / { add($2, $3); pending = 0; next }
    /^ \.(text|rodata|data)[^ ]* +0x[0-9a-f]+ +0x[0-9a-f]+ / { add($3, $4); pending = 0; next }
    { pending = 0 }
    END { for (l in tot) printf "flash_of %s %d\n", l, tot[l] }' "$MAP" | sort -k3,3nr
