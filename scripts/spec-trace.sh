#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The tests as the specification's index: for MQTT 3.1.1 and 5.0, every
# normative statement that applies to a client (docs/spec/mqtt-*-client.txt,
# one "MQTT-x.y.z-n<TAB>paraphrase" a line), the tests that cite it and the
# code that cites it, then "covered N of M" per version.
#
#   scripts/spec-trace.sh            the table and the summary, on stdout
#   scripts/spec-trace.sh --check    also fail when a test cites an id that
#                                    is in neither list (a typo, or a clause
#                                    the lists lack) or a list is malformed
#
# A citation is the id anywhere in a file under tests/ (a comment above a
# test, or the test's name) or src/; which version it counts for is said at
# cites() below. The output is generated, never
# committed (docs/architecture.md, "Tests as the spec's index").
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CHECK=0
case "${1:-}" in
  --check) CHECK=1 ;;
  "") ;;
  *)
    echo "usage: scripts/spec-trace.sh [--check]" >&2
    exit 2
    ;;
esac

LISTS=(docs/spec/mqtt-3.1.1-client.txt docs/spec/mqtt-5.0-client.txt)
ID_RE='MQTT-[0-9]+\.[0-9]+\.[0-9]+-[0-9]+'

# file:line:id:version for every citation under a folder. The two versions
# share the id format (and some ids mean different things), so a citation
# counts for the version its line names ("3.1.1", "5.0"), else for its
# file's: a name with a 5 in it (test_client5.c, v5_nolocal.c,
# test_v5_limits.sh) is 5.0, any other 3.1.1. Code sites count for both.
cites() {
  grep -rnE --include='*.c' --include='*.h' --include='*.sh' --include='*.py' "$ID_RE" "$1" |
    awk -v re="$ID_RE" '{
      file = $0; sub(/:.*/, "", file)
      rest = substr($0, length(file) + 2); line = rest; sub(/:.*/, "", line)
      text = substr(rest, length(line) + 2)
      v = ""
      if (text ~ /3\.1\.1/) v = v "3.1.1,"
      if (text ~ /5\.0/) v = v "5.0,"
      if (v == "") { base = file; sub(/.*\//, "", base); v = (base ~ /5/ ? "5.0," : "3.1.1,") }
      while (match(text, re)) {
        print file ":" line ":" substr(text, RSTART, RLENGTH) ":" v
        text = substr(text, RSTART + RLENGTH)
      }
    }' | sort -u | sort -t: -k3,3 -k1,1 -k2,2n
}

tests_cites=$(cites tests || true)
code_cites=$(cites src || true)
bad=0

for list in "${LISTS[@]}"; do
  if [[ ! -f "$list" ]]; then
    echo "spec-trace: $list is missing" >&2
    exit 1
  fi
  # Each line: an id, one tab, a paraphrase; no id twice.
  if awk -F'\t' -v re="^${ID_RE}\$" 'NF != 2 || $1 !~ re || $2 == "" || seen[$1]++ {
        printf "   %s:%d: not \"MQTT-x.y.z-n<TAB>paraphrase\" or a repeated id\n", FILENAME, FNR; bad = 1 }
      END { exit bad }' "$list" >&2; then :; else bad=1; fi
done

# One version's table: id, the tests that cite it, the code that cites it;
# the summary line goes to $summary.
summary=""
table() {
  local list=$1 version=$2 out
  printf '\n== MQTT %s: the normative statements that apply to a client (%s)\n' "$version" "$list"
  out=$(awk -F'\t' -v version="$version" '
    part == 1 { split($0, a, ":"); if (index(a[4], version ",") == 0) next; t[a[3]] = t[a[3]] (t[a[3]] == "" ? "" : " ") a[1] ":" a[2]; next }
    part == 2 { split($0, a, ":"); c[a[3]] = c[a[3]] (c[a[3]] == "" ? "" : " ") a[1] ":" a[2]; next }
    {
      m++
      if ($1 in t) n++
      if ($1 in c) k++
      printf "%-14s %s\n", $1, $2
      printf "%14s tests: %s\n", "", ($1 in t ? t[$1] : "-")
      printf "%14s code:  %s\n", "", ($1 in c ? c[$1] : "-")
    }
    END { printf "MQTT %s: covered %d of %d client statements by tests (%d cited in src/)\n", version, n, m, k }
  ' part=1 <(printf '%s\n' "$tests_cites" | sed '/^$/d') part=2 <(printf '%s\n' "$code_cites" | sed '/^$/d') part=3 "$list")
  printf '%s\n' "$out" | sed '$d'
  summary+="$(printf '%s\n' "$out" | tail -n 1)"$'\n'
}

table docs/spec/mqtt-3.1.1-client.txt 3.1.1
table docs/spec/mqtt-5.0-client.txt 5.0

# Ids the tests cite that neither list has.
known=$(cut -f1 "${LISTS[@]}" | sort -u)
unknown=$(printf '%s\n' "$tests_cites" | sed '/^$/d' | awk -F: 'NR == FNR { k[$0] = 1; next } !($3 in k)' <(printf '%s\n' "$known") -)
printf '\n== cited by tests, in neither list\n%s\n' "${unknown:--}"
printf '\n%s' "$summary"
distinct=$(printf '%s\n' "$tests_cites" | sed '/^$/d' | cut -d: -f3 | sort -u | wc -l)
echo "distinct ids cited: $distinct in tests/, $(printf '%s\n' "$code_cites" | sed '/^$/d' | cut -d: -f3 | sort -u | wc -l) in src/"

if ((CHECK)); then
  if [[ -n "$unknown" ]]; then
    printf '%s\n' "$unknown" >&2
    echo "spec-trace: a test cites an id that is in neither docs/spec list (typo, or add it with a paraphrase)" >&2
    bad=1
  fi
  if ((bad)); then
    exit 1
  fi
fi
