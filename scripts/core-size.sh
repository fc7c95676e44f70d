#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-compile the freestanding core for Cortex-M4 (cmake/arm-cortex-m4.cmake),
# print its size per object and in total, and prove it is freestanding; the
# same for the flash-log message store (src/store).
#
#   scripts/core-size.sh [BUILD_DIR]      (default: build-arm)
#
# The size is Berkeley format (`arm-none-eabi-size -B`): .text includes
# .rodata. text+data is what a firmware pays in flash and is the number
# coreMQTT publishes (3.1.1: 7.0 KB), so we print it in the same unit.
#
# The freestanding check looks at what the core objects *reference*, not at
# what the sources include: every undefined symbol must be defined by another
# core object or be on the allow-list below (the <string.h> functions the
# compiler may emit anyway, and libgcc's ARM EABI helpers). Anything else --
# malloc, free, printf, any stdio or POSIX call -- fails the build, naming the
# symbol and the object, because a CC3200 firmware may have none of them.
#
# The 3.1.1-only core (-DMQTLS_CONFIG_MQTT5=0), alone and with
# -DMQTLS_CONFIG_ERROR_STRINGS=0, is compiled from the same sources with the
# same flags, measured the same way and checked the same way.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${1:-"$ROOT/build-arm"}
JOBS=${MQTLS_JOBS:-2}
PREFIX=arm-none-eabi-

ALLOWED_EXACT=" memcpy memmove memset memcmp strlen "
ALLOWED_PREFIXES=(__aeabi_ __gnu_)

for tool in "${PREFIX}gcc" "${PREFIX}size" "${PREFIX}nm"; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "core-size: $tool not found (run scripts/deps.sh)" >&2
    exit 1
  }
done

echo "core-size: configuring $BUILD for Cortex-M4"
mkdir -p "$BUILD"
cmake -S "$ROOT" -B "$BUILD" \
  -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/arm-cortex-m4.cmake" \
  -DCMAKE_BUILD_TYPE=MinSizeRel \
  -DMQTLS_BUILD_TESTS=OFF >"$BUILD/configure.log" 2>&1 || {
  cat "$BUILD/configure.log" >&2
  echo "core-size: cmake configure failed" >&2
  exit 1
}
cmake --build "$BUILD" --target mqtls_core -j "$JOBS"

LIB=$(find "$BUILD" -name 'libmqtls_core.a' -print -quit)
[[ -n "$LIB" ]] || {
  echo "core-size: libmqtls_core.a not found under $BUILD" >&2
  exit 1
}
# The objects themselves (sorted, stable output), not the archive, so each
# line names a source file.
mapfile -t OBJS < <(find "$BUILD/CMakeFiles/mqtls_core.dir" -name '*.o' -o -name '*.obj' | LC_ALL=C sort)
((${#OBJS[@]} > 0)) || {
  echo "core-size: no object files under $BUILD/CMakeFiles/mqtls_core.dir" >&2
  exit 1
}

echo
echo "== Cortex-M4 size of src/core (arm-none-eabi-gcc -Os, Berkeley: text includes rodata) =="
# Print paths relative to the object directory: src/core/codec.c.o etc.
(cd "$BUILD/CMakeFiles/mqtls_core.dir" && "${PREFIX}size" -B -t "${OBJS[@]#"$BUILD/CMakeFiles/mqtls_core.dir/"}")
"${PREFIX}size" -B -t "${OBJS[@]}" | awk '
  $NF == "(TOTALS)" {
    printf "\ncore total: text %d + data %d = %.1f KB flash (coreMQTT 3.1.1 v2.3.1: 7.0 KB), bss %d B\n",
      $1, $2, ($1 + $2) / 1024, $3
  }'
# The flash-log message store (src/store): freestanding too, its own
# library; its RAM is the mqtls_flashlog_t plus the caller's work buffer
# (MQTLS_FLASHLOG_WORK_SIZE: 16 bytes a record), no static data.
cmake --build "$BUILD" --target mqtls_flashlog -j "$JOBS"
FLDIR="$BUILD/CMakeFiles/mqtls_flashlog.dir"
mapfile -t FLOBJS < <(find "$FLDIR" -name '*.o' -o -name '*.obj' | LC_ALL=C sort)
((${#FLOBJS[@]} > 0)) || {
  echo "core-size: no object files under $FLDIR" >&2
  exit 1
}
echo
echo "== Cortex-M4 size of the flash-log message store (src/store, mqtls/flashlog.h) =="
(cd "$FLDIR" && "${PREFIX}size" -B -t "${FLOBJS[@]#"$FLDIR/"}")
FLSIZE=$(mktemp -d)
printf '#include "mqtls/flashlog.h"\nmqtls_flashlog_t mqtls_size_probe;\n' >"$FLSIZE/probe.c"
"${PREFIX}gcc" -std=c11 -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os -fno-common \
  -I"$ROOT/include" -c "$FLSIZE/probe.c" -o "$FLSIZE/probe.o"
FL_STATE=$("${PREFIX}nm" -S "$FLSIZE/probe.o" | awk '$4 == "mqtls_size_probe" { print $2 }')
FL_STATE=$((16#${FL_STATE:-0}))
rm -rf "$FLSIZE"
"${PREFIX}size" -B -t "${FLOBJS[@]}" | awk -v state="$FL_STATE" '
  $NF == "(TOTALS)" {
    printf "\nflashlog total: text %d + data %d = %.1f KB flash, bss %d B; RAM: mqtls_flashlog_t %d B + 16 B per record (MQTLS_FLASHLOG_WORK_SIZE)\n",
      $1, $2, ($1 + $2) / 1024, $3, state
  }'

# Variants: every core source again, with the toolchain file's flags plus
# the knobs. The sources are the objects' names (src/core/codec.c.obj ->
# src/core/codec.c), so this list cannot drift from MQTLS_CORE_SOURCES.
VARIANTS=$(mktemp -d)
trap 'rm -rf "$VARIANTS"' EXIT
SRCS=()
for obj in "${OBJS[@]}"; do
  rel=${obj#"$BUILD/CMakeFiles/mqtls_core.dir/"}
  SRCS+=("${rel%.o*}")
done
# variant DIR LABEL -D...: compile into $VARIANTS/DIR, print sizes and total.
variant() {
  local dir=$VARIANTS/$1 label=$2 src
  shift 2
  mkdir -p "$dir/src/core"
  for src in "${SRCS[@]}"; do
    "${PREFIX}gcc" -std=c11 -DNDEBUG -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os \
      -ffunction-sections -fdata-sections -ffreestanding "$@" \
      -I"$ROOT/include" -c "$ROOT/$src" -o "$dir/$src.o"
  done
  echo
  echo "== $label =="
  (cd "$dir" && "${PREFIX}size" -B -t "${SRCS[@]/%/.o}")
  (cd "$dir" && "${PREFIX}size" -B -t "${SRCS[@]/%/.o}") | awk -v label="$label" '
    $NF == "(TOTALS)" {
      printf "%s: text %d + data %d = %.1f KB flash (coreMQTT 3.1.1 v2.3.1: 7.0 KB), bss %d B\n",
        label, $1, $2, ($1 + $2) / 1024, $3
    }'
}
# error.c is mostly the sentences of mqtls_strerror() (and props.c those of
# mqtls_reason_string()); coreMQTT has no such text. ERROR_STRINGS=0 keeps
# only the names: a like-for-like reading.
variant names "-DMQTLS_CONFIG_ERROR_STRINGS=0 (names instead of sentences)" -DMQTLS_CONFIG_ERROR_STRINGS=0
variant v311 "3.1.1 only, -DMQTLS_CONFIG_MQTT5=0" -DMQTLS_CONFIG_MQTT5=0
variant v311names "3.1.1 only, -DMQTLS_CONFIG_MQTT5=0 -DMQTLS_CONFIG_ERROR_STRINGS=0" \
  -DMQTLS_CONFIG_MQTT5=0 -DMQTLS_CONFIG_ERROR_STRINGS=0

echo
echo "== freestanding check: undefined symbols of the core objects =="
# check_objs BASE OBJ...: every undefined symbol is defined by another of
# the objects (calls between core files are fine) or allowed.
bad=0
declare -A USED_LIBC=()
check_objs() {
  local base=$1 obj name sym
  shift
  local -A DEFINED=()
  while read -r sym; do
    DEFINED["$sym"]=1
  done < <("${PREFIX}nm" -g --defined-only "$@" 2>/dev/null | awk 'NF == 3 { print $3 }')
  for obj in "$@"; do
    name=${obj#"$base/"}
    if [[ ! -f "$obj" ]]; then
      echo "core-size: $name: no such object" >&2
      bad=1
      continue
    fi
    while read -r sym; do
      [[ -n "$sym" ]] || continue
      [[ -n "${DEFINED[$sym]:-}" ]] && continue
      if allowed "$sym"; then
        USED_LIBC["$sym"]=1
        continue
      fi
      echo "core-size: FORBIDDEN symbol '$sym' referenced by $name" >&2
      bad=1
    done < <("${PREFIX}nm" -u "$obj" | awk '{ print $NF }')
  done
}

allowed() {
  local s=$1 p
  [[ "$ALLOWED_EXACT" == *" $s "* ]] && return 0
  for p in "${ALLOWED_PREFIXES[@]}"; do
    [[ "$s" == "$p"* ]] && return 0
  done
  return 1
}

check_objs "$BUILD/CMakeFiles/mqtls_core.dir" "${OBJS[@]}"
check_objs "$FLDIR" "${FLOBJS[@]}"
for v in v311 v311names; do
  VOBJS=("${SRCS[@]/#/$VARIANTS/$v/}")
  check_objs "$VARIANTS" "${VOBJS[@]/%/.o}"
done

if ((bad)); then
  echo "core-size: FAIL: src/core must be freestanding (allowed: memcpy memmove memset memcmp strlen __aeabi_* __gnu_*)" >&2
  exit 1
fi
if ((${#USED_LIBC[@]})); then
  echo "external symbols used (all allowed): $(printf '%s\n' "${!USED_LIBC[@]}" | LC_ALL=C sort | tr '\n' ' ')"
else
  echo "external symbols used: none"
fi
echo "core-size: OK: the core (also 3.1.1 only) and the flash log reference no heap, stdio or POSIX symbol"
