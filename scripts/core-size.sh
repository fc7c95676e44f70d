#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Cross-compile the freestanding core for Cortex-M4 (cmake/arm-cortex-m4.cmake),
# print its size per object, the LINKED size of a small application in four
# configurations, its RAM, and prove the core is freestanding; the same for
# the flash-log message store (src/store).
#
#   scripts/core-size.sh [BUILD_DIR]      (default: build-arm)
#   MQTLS_SIZE_FUNCS=1 scripts/core-size.sh   (also every kept function)
#
# Per object: Berkeley format (`arm-none-eabi-size -B`, .text includes
# .rodata), everything the object holds.
#
# Linked: what a firmware pays. scripts/size-app.c (connect, subscribe,
# publish QoS 1, loop, disconnect, mqtls_strerror on failure) is compiled
# with the flags coreMQTT publishes with plus -ffunction-sections
# -fdata-sections, linked with --gc-sections --specs=nano.specs, and the
# bytes of libmqtls_core's input sections that the link kept are counted
# from the map file (the app's own code, libc and libgcc are not). The four
# configurations: 3.1.1 only (-DMQTLS_CONFIG_MQTT5=0) and 5.0, each without
# error text, with names (-DMQTLS_CONFIG_ERROR_STRINGS=0) and with
# sentences ("+text"); see below.
# RAM: sizeof(mqtls_client_t), and the app's static RAM (.data + .bss: the
# client, its buffers, in-flight records and a 1 KB message store).
# Beside 3.1.1 and 5.0 the table prints the same link without the RAM store
# (column no_RAM_store: the app brings its own mqtls_msgstore_t,
# -DSIZE_APP_STORE=0), the like-for-like reading of coreMQTT's figure,
# whose application keeps its own copies of the messages; the RAM store
# stays a feature of the core, only this app does not link it.
#
# The freestanding check looks at what the core objects *reference*, not at
# what the sources include: every undefined symbol must be defined by another
# core object or be on the allow-list below (the <string.h> functions the
# compiler may emit anyway, and libgcc's ARM EABI helpers). Anything else --
# malloc, free, printf, any stdio or POSIX call -- fails the build, naming the
# symbol and the object, because a CC3200 firmware may have none of them.
# It runs on the CMake build and on every configuration.
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

# The four configurations, every core source again with the toolchain
# file's flags plus the knobs. The sources are the objects' names
# (src/core/codec.c.obj -> src/core/codec.c), so this list cannot drift from
# MQTLS_CORE_SOURCES.
VARIANTS=$(mktemp -d)
trap 'rm -rf "$VARIANTS"' EXIT
SRCS=()
for obj in "${OBJS[@]}"; do
  rel=${obj#"$BUILD/CMakeFiles/mqtls_core.dir/"}
  SRCS+=("${rel%.o*}")
done
CFLAGS=(-std=c11 -DNDEBUG -mcpu=cortex-m4 -mthumb -mfloat-abi=hard -mfpu=fpv4-sp-d16 -Os
  -ffunction-sections -fdata-sections)

# mapsum LIB MAP [funcs]: bytes of LIB's input sections the link kept, per
# object (text, rodata, data, bss) and in total; with "funcs", one line per
# kept section (a function or a constant) instead, largest first.
mapsum() {
  awk -v lib="$1" -v funcs="${3:-}" '
    function hex(h,  i, v) {
      v = 0; h = tolower(h); sub(/^0x/, "", h)
      for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
      return v
    }
    /^Linker script and memory map/ { on = 1; next }
    !on { next }
    {
      if ($0 ~ /^ [.A-Za-z_]/ && NF == 1) { sec = $1; next }
      if ($0 ~ /^ [.A-Za-z_]/ && NF >= 4 && $2 ~ /^0x/) { s = $1; size = $3; file = $4 }
      else if (sec != "" && $1 ~ /^0x/ && NF >= 3) { s = sec; size = $2; file = $3 }
      else { sec = ""; next }
      sec = ""
      if (index(file, lib "(") == 0 || s ~ /^\.(ARM|comment|debug)/) next
      n = hex(size); if (n == 0) next
      obj = file; sub(/.*\(/, "", obj); sub(/\)$/, "", obj); sub(/\.o(bj)?$/, "", obj)
      kind = s ~ /^\.text/ ? "text" : s ~ /^\.rodata/ ? "rodata" : s ~ /^\.data/ ? "data" : "bss"
      T[obj, kind] += n; O[obj] = 1
      fn = s; sub(/^\.(text|rodata|data|bss)\.?/, "", fn); if (fn == "") fn = "(" kind ")"
      F[obj ": " fn] += n
    }
    END {
      if (funcs != "") { for (f in F) printf "%7d  %s\n", F[f], f; exit }
      for (o in O) {
        printf "  %-10s text %5d  rodata %5d  data %4d  bss %4d\n", o, T[o, "text"], T[o, "rodata"], T[o, "data"], T[o, "bss"]
        t += T[o, "text"]; r += T[o, "rodata"]; d += T[o, "data"]; b += T[o, "bss"]
      }
      printf "TOTAL %d %d %d %d\n", t + r + d, t + r, d, b
    }' "$2"
}

# configuration NAME -D...: compile the core into $VARIANTS/NAME, print its
# per-object sizes, link scripts/size-app.c against it and record the
# linked figures in ROWS.
ROWS=()
configuration() {
  local name=$1 dir=$VARIANTS/$1 src v5=0
  shift
  [[ " $* " == *" -DMQTLS_CONFIG_MQTT5=0 "* ]] || v5=1
  mkdir -p "$dir/src/core"
  for src in "${SRCS[@]}"; do
    # the library's own sources: they may touch MQTLS_PRIVATE() fields (the app may not)
    "${PREFIX}gcc" "${CFLAGS[@]}" -ffreestanding -DMQTLS_ALLOW_PRIVATE_ACCESS "$@" -I"$ROOT/include" \
      -c "$ROOT/$src" -o "$dir/$src.o"
  done
  local objs=("${SRCS[@]/#/$dir/}")
  "${PREFIX}ar" rcs "$dir/libmqtls_core.a" "${objs[@]/%/.o}"
  # (the archive members are the .c.o files; ar names them codec.c.o ...)
  "${PREFIX}gcc" "${CFLAGS[@]}" "$@" -DSIZE_APP_V5=$v5 -Wall -Wextra -Werror -I"$ROOT/include" \
    -c "$ROOT/scripts/size-app.c" -o "$dir/app.o"
  "${PREFIX}gcc" "${CFLAGS[@]}" --specs=nano.specs --specs=nosys.specs -Wl,--gc-sections \
    -Wl,-Map="$dir/app.map" -o "$dir/app.elf" "$dir/app.o" "$dir/libmqtls_core.a"
  # The app uses mqtls_memstore_init(), not the indexed store: the index
  # (memstore_index.c, with its own build of the hooks) must not be linked.
  if "${PREFIX}nm" "$dir/app.elf" | awk '$NF == "mqtls__msix_probe" && $(NF - 1) ~ /^[Tt]$/ { f = 1 } END { exit !f }'; then
    echo "core-size: $name: the app links the memstore index (memstore_index.c), which only mqtls_memstore_init_indexed() may pull in" >&2
    exit 1
  fi
  # An app with its own store must link none of the RAM store.
  if [[ " $* " == *" -DSIZE_APP_STORE=0 "* ]] && "${PREFIX}nm" "$dir/app.elf" | awk '$NF == "mqtls_memstore_init" { f = 1 } END { exit !f }'; then
    echo "core-size: $name: the app brings its own store but links the RAM store (memstore.c)" >&2
    exit 1
  fi
  # sizeof(mqtls_client_t) in this configuration, read back from a symbol.
  printf '#include "mqtls/client.h"\nchar mqtls_size_probe[sizeof(mqtls_client_t)];\n' |
    "${PREFIX}gcc" "${CFLAGS[@]}" "$@" -I"$ROOT/include" -x c -c - -o "$dir/probe.o"
  local client ram linked
  client=$(printf '%d' "0x$("${PREFIX}nm" -S "$dir/probe.o" | awk '$NF == "mqtls_size_probe" { print $2 }')")
  ram=$("${PREFIX}size" -B "$dir/app.elf" | awk 'NR == 2 { print $2 + $3 }')
  echo
  echo "== $name ($*): objects, and what the app's link keeps of them =="
  (cd "$dir" && "${PREFIX}size" -B -t "${SRCS[@]/%/.o}")
  mapsum libmqtls_core.a "$dir/app.map" | grep -v '^TOTAL' | LC_ALL=C sort
  linked=$(mapsum libmqtls_core.a "$dir/app.map" | awk '$1 == "TOTAL" { print $2, $3, $4, $5 }')
  ROWS+=("$name $linked $client $ram")
  if [[ -n "${MQTLS_SIZE_FUNCS:-}" ]]; then
    echo "-- kept sections, largest first --"
    mapsum libmqtls_core.a "$dir/app.map" funcs | sort -rn
  fi
}
# "3.1.1" and "5.0" report a failure by its number (SIZE_APP_TEXT 0), the
# like-for-like reading of coreMQTT's figures; "+names" call mqtls_strerror()
# built with MQTLS_CONFIG_ERROR_STRINGS 0 (it gives the name, as coreMQTT's
# MQTT_Status_strerror() does); "+text" with the sentences (and, in 5.0,
# props.c's reason sentences).
configuration "3.1.1" -DMQTLS_CONFIG_MQTT5=0 -DMQTLS_CONFIG_ERROR_STRINGS=0 -DSIZE_APP_TEXT=0
configuration "3.1.1+names" -DMQTLS_CONFIG_MQTT5=0 -DMQTLS_CONFIG_ERROR_STRINGS=0
configuration "3.1.1+text" -DMQTLS_CONFIG_MQTT5=0
configuration "5.0" -DMQTLS_CONFIG_ERROR_STRINGS=0 -DSIZE_APP_TEXT=0
configuration "5.0+names" -DMQTLS_CONFIG_ERROR_STRINGS=0
configuration "5.0+text"
# The same as "3.1.1" and "5.0" with the app's own store (column no_RAM_store).
configuration "3.1.1-appstore" -DMQTLS_CONFIG_MQTT5=0 -DMQTLS_CONFIG_ERROR_STRINGS=0 -DSIZE_APP_TEXT=0 -DSIZE_APP_STORE=0
configuration "5.0-appstore" -DMQTLS_CONFIG_ERROR_STRINGS=0 -DSIZE_APP_TEXT=0 -DSIZE_APP_STORE=0

echo
echo "== linked: scripts/size-app.c (connect, subscribe, publish QoS 1, loop, disconnect) =="
echo "   -Os -ffunction-sections -fdata-sections, --gc-sections --specs=nano.specs;"
echo "   bytes of libmqtls_core's kept input sections (map file); RAM: the app's .data+.bss"
declare -A NOSTORE=()
for r in "${ROWS[@]}"; do
  read -r n fl _ <<<"$r"
  [[ "$n" == *-appstore ]] && NOSTORE["${n%-appstore}"]=$fl
done
printf '%-12s %8s %12s %8s %6s %6s %10s %14s\n' config flash no_RAM_store text+ro data bss client_t app_static_RAM
for r in "${ROWS[@]}"; do
  read -r n fl tr d b cl ram <<<"$r"
  [[ "$n" == *-appstore ]] && continue
  printf '%-12s %8d %12s %8d %6d %6d %10d %14d\n' "$n" "$fl" "${NOSTORE[$n]:--}" "$tr" "$d" "$b" "$cl" "$ram"
done
echo "(coreMQTT, same app and flags: v2.3.1 3.1.1 5 009 B, v5.0.2 13 601 B; its app keeps its own"
echo " copies of the messages, so it compares with no_RAM_store: the app's own mqtls_msgstore_t)"

echo
echo "== freestanding check: undefined symbols of the core objects =="
# check_objs BASE OBJ...: every undefined symbol is defined by another of
# the objects (calls between core files are fine) or allowed. Weak
# references need no definition (the layers' error tables, error.c).
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
    done < <("${PREFIX}nm" -u "$obj" | awk '$1 != "w" && $1 != "v" { print $NF }')
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
for v in 3.1.1 3.1.1+names 3.1.1+text 5.0 5.0+names 5.0+text 3.1.1-appstore 5.0-appstore; do
  VOBJS=("${SRCS[@]/#/$VARIANTS/$v/}")
  check_objs "$VARIANTS" "${VOBJS[@]/%/.o}"
done

# A 3.1.1-only core leaves the MQTLS_ERRORS_PROPS rows out of its error
# table (src/core/error.c): true only while no core source built with
# MQTLS_CONFIG_MQTT5 0 can return one of them. The preprocessed sources tell
# (the enum's own definitions are taken out first).
mapfile -t PROPS_CODES < <(printf '#include "mqtls/error.h"\n#define N(n, v, c, t) PROPROW_##n\nMQTLS_ERRORS_PROPS(N)\n' |
  "${PREFIX}gcc" -E -P -I"$ROOT/include" -x c - | grep -o 'PROPROW_[A-Z0-9_]*' | sed 's/^PROPROW_/MQTLS_ERR_/')
((${#PROPS_CODES[@]} > 0)) || { echo "core-size: no MQTLS_ERRORS_PROPS rows found" >&2; bad=1; }
for src in "${SRCS[@]}"; do
  [[ "$src" == */error.c ]] && continue
  used=$("${PREFIX}gcc" -std=c11 -E -P -DMQTLS_CONFIG_MQTT5=0 -I"$ROOT/include" -I"$ROOT/src/core" "$ROOT/$src" |
    sed -E 's/MQTLS_ERR_[A-Z0-9_]+ = \([-0-9]+\),?//g' | { grep -o 'MQTLS_ERR_[A-Z0-9_]*' || true; } | LC_ALL=C sort -u)
  for code in "${PROPS_CODES[@]}"; do
    if grep -qx "$code" <<<"$used"; then
      echo "core-size: $src (3.1.1 only) uses $code, which MQTLS_ERRORS_PROPS leaves out of the 3.1.1 table" >&2
      bad=1
    fi
  done
done
((bad)) || echo "3.1.1-only core: none of the ${#PROPS_CODES[@]} MQTLS_ERRORS_PROPS codes is used"

if ((bad)); then
  echo "core-size: FAIL: see above (src/core must be freestanding: allowed memcpy memmove memset memcmp strlen __aeabi_* __gnu_*; a 3.1.1-only core must not use an MQTLS_ERRORS_PROPS code)" >&2
  exit 1
fi
if ((${#USED_LIBC[@]})); then
  echo "external symbols used (all allowed): $(printf '%s\n' "${!USED_LIBC[@]}" | LC_ALL=C sort | tr '\n' ' ')"
else
  echo "external symbols used: none"
fi
echo "core-size: OK: the core (in every configuration) and the flash log reference no heap, stdio or POSIX symbol"
