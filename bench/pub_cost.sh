#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Client cost per message, counted, not timed: callgrind instructions and
# strace system calls of `mqtls pub -l`, `mosquitto_pub -l` and Paho C
# (bench/paho_pub.c on Debian's libpaho-mqtt-dev, built here; Debian's
# paho_c_pub does not exit at the end of its input) publishing the same
# COUNT lines to one private mosquitto, in the same run. Windows: 20 QoS 1/2
# messages in flight for mosquitto_pub and Paho (their defaults), mqtls's
# default for mqtls pub, and the sweep below.
#
# Startup is subtracted: every publisher runs twice, with COUNT and with
# BASE lines, and the figure is (total(COUNT) - total(BASE)) / (COUNT - BASE).
# Instruction counts are repeatable on a shared machine (callgrind counts
# what the program executes, whatever else runs); times are not, which is
# why this script prints no time. Also measured: mqtls at windows (-M) 20,
# 256 and 1024 at QoS 1 (and QoS 2 up to 20) -- the per-message cost must
# not grow with the window. System calls per message are printed with two
# decimals: issue 14 asks for under 0.1 with a full window.
#
# Usage: bench/pub_cost.sh [-n COUNT] [-b BASE] [-s SIZE] [-q "0 1 2"] [-V 311|5] [-w "20 256 1024"]
# Environment: MQTLS (a Release build of mqtls: cmake -DCMAKE_BUILD_TYPE=Release).
# Needs valgrind, strace, mosquitto-clients, libpaho-mqtt-dev and a C compiler
# (apt-get install valgrind strace).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
COUNT=20000
BASE=1000
SIZE=64
QOS_LIST="0 1 2"
VER=311
WINDOWS="20 256 1024"
while getopts "n:b:s:q:V:w:h" opt; do
    case $opt in
    n) COUNT=$OPTARG ;;
    b) BASE=$OPTARG ;;
    s) SIZE=$OPTARG ;;
    q) QOS_LIST=$OPTARG ;;
    V) VER=$OPTARG ;;
    w) WINDOWS=$OPTARG ;;
    *) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 1 ;;
    esac
done
((COUNT > BASE && COUNT < 65535)) || { echo "need BASE < COUNT < 65535 (mosquitto_pub's id wrap)" >&2; exit 1; }
for t in valgrind strace mosquitto_pub cc; do
    command -v "$t" >/dev/null || { echo "pub_cost.sh needs $t (see the header)" >&2; exit 1; }
done
if [[ -z ${MQTLS:-} ]]; then
    for m in "$ROOT"/build/gcc/mqtls "$ROOT"/build*/mqtls; do
        [[ -x $m ]] && { MQTLS=$m; break; }
    done
fi
[[ -n ${MQTLS:-} ]] || { echo "build mqtls first or set MQTLS" >&2; exit 1; }
export MQTLS

# shellcheck source=tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"
start_broker
P=$BROKER_PORT
D=$TEST_DIR

lines() { awk -v n="$1" -v size="$SIZE" 'BEGIN {
    pad = sprintf("%" (size - 8) "s", ""); gsub(/ /, "x", pad)
    for (i = 1; i <= n; i++) printf "%08d%s\n", i, pad }'; }
cc -O2 -o "$D/paho_pub" "$HERE/paho_pub.c" -lpaho-mqtt3c -lpthread || fail "cannot build bench/paho_pub.c (libpaho-mqtt-dev)"
lines "$COUNT" >"$D/lines.$COUNT"
lines "$BASE" >"$D/lines.$BASE"

# The publisher's command line: TOOL QOS N [EXTRA...]
cmd() {
    local tool=$1 qos=$2 n=$3
    shift 3
    case $tool in
    mqtls) echo "$MQTLS" pub -V "$VER" -p "$P" -i "cost-mqtls-$n" -t "cost/$qos" -q "$qos" -l "$@" ;;
    mosquitto) echo mosquitto_pub -V "$([[ $VER == 5 ]] && echo mqttv5 || echo mqttv311)" -p "$P" \
        -i "cost-mosq-$n" -t "cost/$qos" -q "$qos" -l "$@" ;;
    paho) echo "$D/paho_pub" 127.0.0.1 "$P" "cost-paho-$n" "cost/$qos" "$qos" 20 ;;
    esac
}

# instr TOOL QOS N [EXTRA...]: instructions of the whole process tree.
instr() {
    local tool=$1 qos=$2 n=$3 out="$D/cg.$1.$2.$3"
    shift 3
    # shellcheck disable=SC2046 # cmd prints a command line
    valgrind --tool=callgrind --trace-children=yes --callgrind-out-file="$out.%p" \
        $(cmd "$tool" "$qos" "$n" "$@") <"$D/lines.$n" >/dev/null 2>"$out.log" ||
        { cat "$out.log" >&2; fail "$tool QoS $qos failed under callgrind"; }
    awk '/Collected :/ { s += $NF } END { print s }' "$out.log"
}

# calls TOOL QOS N [EXTRA...]: system calls of the whole process tree.
calls() {
    local tool=$1 qos=$2 n=$3 out="$D/st.$1.$2.$3"
    shift 3
    # shellcheck disable=SC2046
    strace -f -c -o "$out" $(cmd "$tool" "$qos" "$n" "$@") <"$D/lines.$n" >/dev/null 2>&1 ||
        fail "$tool QoS $qos failed under strace"
    # Sum the calls column of the syscall lines (the total line has no
    # usecs/call field, so its columns shift).
    awk '/^-+ / { sep++; next } sep == 1 { s += $4 } END { print s + 0 }' "$out"
}

per_msg() { awk -v a="$1" -v b="$2" -v n=$((COUNT - BASE)) 'BEGIN { printf "%.2f", (a - b) / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }

echo "per-message cost: $COUNT - $BASE messages of $SIZE bytes, MQTT $VER, mosquitto on 127.0.0.1:$P"
echo "mqtls: $("$MQTLS" --version)"
printf "%-4s %-14s %14s %12s %16s %14s\n" QoS publisher "instr/msg" "syscall/msg" "instr vs mosq" "calls vs mosq"
for qos in $QOS_LIST; do
    declare -A I=() S=()
    for tool in mqtls mosquitto paho; do
        I[$tool]=$(per_msg "$(instr "$tool" "$qos" "$COUNT")" "$(instr "$tool" "$qos" "$BASE")")
        S[$tool]=$(per_msg "$(calls "$tool" "$qos" "$COUNT")" "$(calls "$tool" "$qos" "$BASE")")
    done
    for tool in mqtls mosquitto paho; do
        printf "%-4s %-14s %14s %12s %16s %14s\n" "$qos" "$tool" "${I[$tool]}" "${S[$tool]}" \
            "$(ratio "${I[$tool]}" "${I[mosquitto]}")" "$(ratio "${S[$tool]}" "${S[mosquitto]}")"
    done
    unset I S
done
echo
echo "mqtls pub at QoS 1/2 by window (-M): the cost per message must not grow with it"
echo "(QoS 2 only up to -M 20: mosquitto resets a client with more QoS 2 messages in flight)"
printf "%-4s %-8s %14s %12s\n" QoS window "instr/msg" "syscall/msg"
for qos in $QOS_LIST; do
    for w in $WINDOWS; do
        ((qos == 1 || (qos == 2 && w <= 20))) || continue
        printf "%-4s %-8s %14s %12s\n" "$qos" "$w" \
            "$(per_msg "$(instr mqtls "$qos" "$COUNT" -M "$w")" "$(instr mqtls "$qos" "$BASE" -M "$w")")" \
            "$(per_msg "$(calls mqtls "$qos" "$COUNT" -M "$w")" "$(calls mqtls "$qos" "$BASE" -M "$w")")"
    done
done
