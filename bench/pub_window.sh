#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions per message of `mqtls pub -l` against the in-flight window
# (issue 14: the cost must not grow with -M). callgrind counts instructions,
# which do not move between runs the way times do on a shared machine.
#
# For each window, COUNT messages of SIZE bytes at QoS QOS go to a private
# mosquitto (tests/integration/lib.sh: free port, stopped by PID); the same
# command with one message is the startup, subtracted. mosquitto_pub (its
# own -M) is measured the same way in the same run as the peer.
#
# Usage: bench/pub_window.sh [-n COUNT] [-s SIZE] [-q QOS] [-w "20 256 1024"]
# Environment: MQTLS, the mqtls binary (default: build/mqtls or build-*/mqtls;
# use a Release build: ASan inflates every count).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
COUNT=20000
SIZE=64
QOS=1
WINDOWS="20 256 1024"
while getopts "n:s:q:w:h" opt; do
    case $opt in
    n) COUNT=$OPTARG ;;
    s) SIZE=$OPTARG ;;
    q) QOS=$OPTARG ;;
    w) WINDOWS=$OPTARG ;;
    *) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 1 ;;
    esac
done
((COUNT >= 2 && COUNT < 65535)) || { echo "COUNT must be 2..65534 (mosquitto_pub wraps at 65535)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is needed (scripts/deps.sh)" >&2; exit 1; }
if [[ -z ${MQTLS:-} ]]; then
    for m in "$ROOT"/build/mqtls "$ROOT"/build*/mqtls; do
        [[ -x $m ]] && { MQTLS=$m; break; }
    done
fi
[[ -n ${MQTLS:-} ]] || { echo "build mqtls first or set MQTLS" >&2; exit 1; }

# shellcheck source=tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"
start_broker
D=$TEST_DIR
awk -v n="$COUNT" -v size="$SIZE" 'BEGIN {
    pad = sprintf("%" (size - 8) "s", ""); gsub(/ /, "x", pad)
    for (i = 1; i <= n; i++) printf "%08d%s\n", i, pad
}' >"$D/lines"
head -n 1 "$D/lines" >"$D/one"

# Instructions of one run of "$@" < $INPUT.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$D/cg.out" "$@" <"$INPUT" 2>&1 |
        awk '/Collected :/ { print $NF }'
}
per_message() {
    local all one
    INPUT=$D/lines all=$(count "$@")
    INPUT=$D/one one=$(count "$@")
    echo $(((all - one) / (COUNT - 1)))
}

echo "instructions per message, $COUNT x $SIZE-byte messages, QoS $QOS, MQTT 3.1.1 (callgrind, startup subtracted)"
printf "%-8s %12s %14s %8s\n" window "mqtls pub" "mosquitto_pub" ratio
for w in $WINDOWS; do
    m=$(per_message "$MQTLS" pub -p "$BROKER_PORT" -t bench/w -q "$QOS" -M "$w" -l)
    p=$(per_message mosquitto_pub -p "$BROKER_PORT" -t bench/w -q "$QOS" -M "$w" -l)
    printf "%-8s %12d %14d %8s\n" "$w" "$m" "$p" "$(awk -v a="$m" -v b="$p" 'BEGIN { printf "%.2f", a / b }')"
done
