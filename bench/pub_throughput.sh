#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Publish throughput: `mqtls pub -l` against `mosquitto_pub -l`, same broker, same run.
#
# For each QoS, COUNT messages of SIZE bytes go through a private mosquitto
# (set_tcp_nodelay, max_queued_messages 0, so nothing is dropped or stalled
# by Nagle) to one `mosquitto_sub -C COUNT` subscriber. The subscriber is the
# same program for both publishers, so only the publisher differs. Measured:
#   pub   wall time of the publisher process(es), from start to exit
#   e2e   from the publisher's start until the subscriber has all messages
# mosquitto_pub -l stops at the packet-id wrap with QoS >= 1 (65 535
# messages) and still exits 0, so it is fed in chunks of CHUNK lines, one
# process per chunk; mqtls pub reads everything in one process.
# Each measurement runs RUNS times, alternating the publishers; the median
# is printed.
#
# mosquitto_pub keeps at most 20 QoS 1/2 messages in flight by default (its
# -M), mqtls pub 256 at QoS 1; -a "-M 256" gives mosquitto_pub the same window.
#
# -V 5 runs every client (both publishers and the subscriber) with MQTT 5.0:
# mqtls pub then sends the repeated topic as a 2-byte topic alias.
#
# Usage: bench/pub_throughput.sh [-n COUNT] [-s SIZE] [-q "0 1"] [-r RUNS] [-c CHUNK] [-a MOSQ_PUB_ARGS] [-V 311|5]
# Environment: MQTLS, the mqtls binary (default: build/mqtls or build-*/mqtls).

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
COUNT=100000
SIZE=64
QOS_LIST="0 1"
RUNS=3
CHUNK=25000
MOSQ_ARGS=""
VER=311

while getopts "n:s:q:r:c:a:V:h" opt; do
    case $opt in
    n) COUNT=$OPTARG ;;
    s) SIZE=$OPTARG ;;
    q) QOS_LIST=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    c) CHUNK=$OPTARG ;;
    a) MOSQ_ARGS=$OPTARG ;;
    V) VER=$OPTARG ;;
    *) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 1 ;;
    esac
done
((SIZE >= 9)) || { echo "SIZE must be at least 9 (an 8-digit sequence number + padding)" >&2; exit 1; }
((CHUNK < 65535)) || { echo "CHUNK must stay below 65535 (mosquitto_pub's packet-id wrap)" >&2; exit 1; }

if [[ -z ${MQTLS:-} ]]; then
    for m in "$ROOT"/build/mqtls "$ROOT"/build*/mqtls; do
        [[ -x $m ]] && { MQTLS=$m; break; }
    done
fi
[[ -n ${MQTLS:-} ]] || { echo "build mqtls first or set MQTLS" >&2; exit 1; }
export MQTLS

# The integration helpers: private broker on a free port, cleanup by PID.
# shellcheck source=tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"

now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }
rate() { awk -v n="$COUNT" -v ns="$1" 'BEGIN { printf "%.0f", n / (ns / 1e9) }'; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

start_broker
P=$BROKER_PORT
D=$TEST_DIR

awk -v n="$COUNT" -v size="$SIZE" 'BEGIN {
    pad = sprintf("%" (size - 8) "s", ""); gsub(/ /, "x", pad)
    for (i = 1; i <= n; i++) printf "%08d%s\n", i, pad
}' >"$D/lines"
split -l "$CHUNK" -d -a 3 "$D/lines" "$D/chunk."

publish_mqtls() { "$MQTLS" pub -V "$VER" -p "$P" -i bench-mqtls -t "$1" -q "$2" -l <"$D/lines"; }
publish_mosquitto() {
    local c
    # A distinct id per chunk: reusing one would make the broker drop the
    # previous connection, and with it messages it had not read yet.
    for c in "$D"/chunk.*; do
        # shellcheck disable=SC2086 # MOSQ_ARGS is a list of flags
        mosquitto_pub -V "$VER" -p "$P" -i "bench-mosq-${c##*.}" -t "$1" -q "$2" $MOSQ_ARGS -l <"$c"
    done
}

# measure TOOL QOS RUN: sets PUB_NS and E2E_NS.
measure() {
    local tool=$1 qos=$2 topic="bench/$1/q$2/r$3" id="bench-sub-$1-$2-$3" got t0 t1 t2
    start_bg "$D/sub.out" mosquitto_sub -V "$VER" -p "$P" -i "$id" -t "$topic" -q "$qos" -C "$COUNT" -W 120
    local sub=$BG_PID
    wait_subscribed "$id" "$topic"
    t0=$(now_ns)
    "publish_$tool" "$topic" "$qos" || fail "$tool publisher failed"
    t1=$(now_ns)
    wait_bg "$sub" "subscriber for $tool QoS $qos" 130
    t2=$(now_ns)
    got=$(wc -l <"$D/sub.out")
    [[ $got == "$COUNT" ]] || fail "$tool QoS $qos: the subscriber received $got of $COUNT messages"
    PUB_NS=$((t1 - t0))
    E2E_NS=$((t2 - t0))
}

echo "mqtls pub -l vs mosquitto_pub -l: $COUNT x $SIZE-byte messages, MQTT $VER, median of $RUNS runs"
echo "broker: $("$MOSQUITTO" -h 2>/dev/null | head -n 1) on 127.0.0.1:$P; subscriber: mosquitto_sub -C $COUNT"
echo "mqtls: $MQTLS ($("$MQTLS" --version)); mosquitto_pub chunks of $CHUNK lines${MOSQ_ARGS:+, extra flags: $MOSQ_ARGS}"
echo
printf "%-4s %-16s %10s %12s %10s %12s\n" QoS publisher "pub s" "pub msg/s" "e2e s" "e2e msg/s"
for qos in $QOS_LIST; do
    declare -A pub=() e2e=()
    for ((r = 0; r < RUNS; r++)); do
        for tool in mqtls mosquitto; do
            measure "$tool" "$qos" "$r"
            pub[$tool]+="$PUB_NS "
            e2e[$tool]+="$E2E_NS "
        done
    done
    for tool in mqtls mosquitto; do
        p=$(echo "${pub[$tool]}" | median)
        e=$(echo "${e2e[$tool]}" | median)
        eval "pub_$tool=$p e2e_$tool=$e"
        name=$([[ $tool == mqtls ]] && echo "mqtls pub" || echo "mosquitto_pub")
        printf "%-4s %-16s %10s %12s %10s %12s\n" "$qos" "$name" "$(secs "$p")" "$(rate "$p")" "$(secs "$e")" "$(rate "$e")"
    done
    # shellcheck disable=SC2154 # set by eval above
    printf "%-4s %-16s %10s %12s %10s %12s\n" "$qos" "ratio mqtls/mosq" "" \
        "$(awk -v a="$pub_mosquitto" -v b="$pub_mqtls" 'BEGIN { printf "%.2fx", a / b }')" "" \
        "$(awk -v a="$e2e_mosquitto" -v b="$e2e_mqtls" 'BEGIN { printf "%.2fx", a / b }')"
    unset pub e2e
done
