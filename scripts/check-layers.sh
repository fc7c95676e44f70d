#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The folders are the architecture: check that they and docs/architecture.md
# agree, and that no source file reaches up or sideways into another layer.
#
#   scripts/check-layers.sh          (run by scripts/test.sh, section docs)
#
# It fails when
#   1. a folder under src/ or ports/ is missing from the layer table of
#      docs/architecture.md,
#   2. the table names a folder that does not exist (rows marked
#      "(planned)" are allowed to be missing),
#   3. a public header include/mqtls/*.h is missing from HEADER_LAYER below
#      (a new header needs its layer written down here),
#   4. a file in src/, ports/ or tools/ includes a public header of a layer
#      its own layer may not use (LAYER_USES below, the table's "may use"
#      column), or a private header of another folder,
#   5. an entry of ALLOWED_EXCEPTIONS no longer happens (delete it: the
#      list only ever shrinks).
#
# Rejected: deriving the allowed uses from the table's prose ("everything
# below") -- the check would then be only as exact as a sentence. The table
# stays the documentation and this script its executable copy; rule 1 and 2
# keep the two from drifting apart on folders.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DOC=docs/architecture.md

# ---- the tables ----------------------------------------------------------------

# Each public header and the layer that owns it.
declare -A HEADER_LAYER=(
  [api.h]=core [client.h]=core [codec.h]=core [config.h]=core [error.h]=core [errtab.h]=core [mqtls.h]=core
  [msgstore.h]=core [topic.h]=core [transport.h]=core
  [flashlog.h]=store
  [conn.h]=conn
  [slcodes.h]=sl
  [tls.h]=tls
  [cred.h]=cred
  [diag.h]=diag [explain.h]=diag
  [tcp.h]=ports [posix_clock.h]=ports [filestore.h]=ports [sl_transport.h]=ports
  [compat/*]=compat
)

# Which layers each layer may include public headers of (its own always).
declare -A LAYER_USES=(
  [core]=""
  [util]="core"
  [store]="core"
  [conn]="core"
  [sl]="core"
  [ports]="core util store conn sl tls"
  [tls]="core util sl"
  [cred]="core util sl tls"
  [diag]="core util store conn sl ports tls cred"
  [compat]="core util store conn sl ports tls cred diag"
  [tools]="core util store conn sl ports tls cred diag compat"
)

# Known breaks of rule 4, visible until the files move (issue 12: shared
# helpers get a lower home, src/util/ and src/sl/). One per line:
#   <file> <included header as written> <reason>
ALLOWED_EXCEPTIONS="
ports/posix/tls_posix.c tls/tls_priv.h file loading moved out of src/tls still fills the engine's private state
ports/posix/filestore.c store/crc32.h the file store reuses the flash log's CRC-32; to src/util/
ports/simplelink/sl_transport.c simplelink.h the SimpleLink SDK's API: TI's header on a board, the compat emulation on a host
ports/simplelink/sl_transport.c socket.h the SimpleLink SDK's API, as above
ports/simplelink/sl_transport.c netapp.h the SimpleLink SDK's API, as above
"

# ---- helpers -------------------------------------------------------------------
ERRORS=0
fail() {
  echo "check-layers: $*" >&2
  ERRORS=$((ERRORS + 1))
}

# The layer of a folder (src/tls -> tls, ports/posix -> ports, tools -> tools).
folder_layer() {
  case $1 in
    src/*) echo "${1#src/}" ;;
    ports/*) echo ports ;;
    tools) echo tools ;;
    *) echo "" ;;
  esac
}

# The folder a path lies in: src/X, ports/X, tools, or include/mqtls/compat.
folder_of() {
  case $1 in
    src/*/* | ports/*/*) echo "$1" | cut -d/ -f1-2 ;;
    tools/*) echo tools ;;
    include/mqtls/compat/*) echo include/mqtls/compat ;;
    *) echo "" ;;
  esac
}

header_layer() {
  case $1 in
    compat/*) echo "${HEADER_LAYER[compat/*]}" ;;
    *) echo "${HEADER_LAYER[$1]:-}" ;;
  esac
}

# Resolve a quoted include the way the build's include paths do: next to the
# file, then under src/ and ports/ (e.g. "tls/civil.h"), then by name in a
# source folder or the compat headers (folders on the include path). Prints
# the path, or nothing for a header outside the tree (generated, system).
resolve() {
  local from=$1 inc=$2 dir cand
  dir=$(dirname "$from")
  for cand in "$dir/$inc" "src/$inc" "ports/$inc"; do
    [[ -f "$cand" ]] && { echo "${cand#./}"; return; }
  done
  for cand in src/*/"$inc" ports/*/"$inc" include/mqtls/compat/"$inc"; do
    [[ -f "$cand" ]] && { echo "$cand"; return; }
  done
  return 0
}

excepted() {
  grep -qxF -- "$1 $2" < <(awk 'NF >= 2 { print $1 " " $2 }' <<<"$ALLOWED_EXCEPTIONS")
}

# ---- 1 and 2: folders against the table ----------------------------------------
# Table rows look like: | `src/tls/` | what it is | may use | freestanding |
declare -A IN_TABLE=() PLANNED=()
while IFS= read -r row; do
  folder=$(sed -n 's/^| *`\(\(src\|ports\)\/[^`]*\)`.*/\1/p' <<<"$row")
  folder=${folder%/}
  [[ -n "$folder" ]] || continue
  IN_TABLE[$folder]=1
  [[ "$row" == *"(planned)"* ]] && PLANNED[$folder]=1
done <"$DOC"
((${#IN_TABLE[@]} > 0)) || fail "$DOC: no layer table rows (| \`src/...\` | ...) found"

for d in src/*/ ports/*/; do
  d=${d%/}
  [[ -n "${IN_TABLE[$d]:-}" ]] || fail "$d/ exists but is not in the layer table of $DOC"
  [[ -n "${PLANNED[$d]:-}" ]] && fail "$d/ exists but $DOC still marks it (planned)"
done
for d in "${!IN_TABLE[@]}"; do
  [[ -d "$d" || -n "${PLANNED[$d]:-}" ]] || fail "$DOC names $d/, which does not exist (mark it (planned)?)"
done

# ---- 3: every public header has a layer ----------------------------------------
for h in include/mqtls/*.h; do
  h=${h#include/mqtls/}
  [[ -n "$(header_layer "$h")" ]] || fail "include/mqtls/$h has no layer in HEADER_LAYER (scripts/check-layers.sh)"
done

# ---- 4: includes ------------------------------------------------------------------
declare -A USED_EXCEPTION=()
n_files=0
while IFS= read -r -d '' f; do
  n_files=$((n_files + 1))
  own_folder=$(folder_of "$f")
  own=$(folder_layer "$own_folder")
  [[ -n "${LAYER_USES[$own]+x}" ]] || { fail "$f: folder $own_folder has no entry in LAYER_USES"; continue; }
  while IFS= read -r inc; do
    [[ -n "$inc" ]] || continue
    quoted=0
    [[ "$inc" == '"'* ]] && quoted=1
    inc=${inc:1}
    if [[ "$inc" == mqtls/* ]]; then
      target=$(header_layer "${inc#mqtls/}")
      [[ -n "$target" ]] || continue # not a header of ours (rule 3 covers ours)
      why="public header $inc of layer $target"
    elif ((quoted == 0)); then
      continue # <system.h>
    else
      path=$(resolve "$f" "$inc")
      [[ -n "$path" ]] || continue # generated or outside the tree
      tf=$(folder_of "$path")
      if [[ "$tf" == include/mqtls/compat ]]; then
        target=compat
        why="public header $inc of layer compat"
      elif [[ "$tf" == "$own_folder" ]]; then
        continue # a private header of its own folder
      elif [[ "$tf" == src/util ]]; then
        # src/util/ holds the private helpers shared across layers: any
        # layer that may use util includes them.
        target=util
        why="shared helper $inc of src/util/"
      else
        if excepted "$f" "$inc"; then
          USED_EXCEPTION["$f $inc"]=1
        else
          fail "$f includes $inc, a private header of $tf/"
        fi
        continue
      fi
    fi
    [[ "$target" == "$own" || " ${LAYER_USES[$own]} " == *" $target "* ]] && continue
    if excepted "$f" "$inc"; then
      USED_EXCEPTION["$f $inc"]=1
    else
      fail "$f (layer $own) includes the $why, which $own may not use"
    fi
  done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*\)[>"].*/\1/p' "$f")
done < <(find src ports tools -type f \( -name '*.c' -o -name '*.h' \) -print0 | LC_ALL=C sort -z)

# ---- 5: stale exceptions -------------------------------------------------------------
n_exc=0
while read -r file inc _; do
  [[ -n "${file:-}" ]] || continue
  n_exc=$((n_exc + 1))
  [[ -n "${USED_EXCEPTION["$file $inc"]:-}" ]] ||
    fail "ALLOWED_EXCEPTIONS: '$file $inc' no longer happens: delete the line"
done <<<"$ALLOWED_EXCEPTIONS"

if ((ERRORS > 0)); then
  echo "check-layers: $ERRORS problem(s); the layers are in $DOC" >&2
  exit 1
fi
echo "   layers: ${#IN_TABLE[@]} table rows, $n_files files, ${#HEADER_LAYER[@]} header entries, $n_exc allowed exceptions"
