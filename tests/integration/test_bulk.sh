#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# 100 000 QoS 1 messages through `mqtls pub -l` (pipelined) are all
# received by `mqtls sub -q 1 -C 100000`, in order and intact.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

N=${MQTLS_BULK_COUNT:-100000}
start_broker
P=$BROKER_PORT
D=$TEST_DIR

seq 1 "$N" >"$D/in"
start_bg "$D/got" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i bulk-sub -t bulk/t -q 1 -C "$N" -W 150
sub=$BG_PID
wait_subscribed bulk-sub bulk/t

t0=$(date +%s.%N)
"$MQTLS" pub -h 127.0.0.1 -p "$P" -i bulk-pub -t bulk/t -q 1 -l <"$D/in" || fail "pub -l exited with $?"
t1=$(date +%s.%N)
wait_bg "$sub" "bulk subscriber" 150
t2=$(date +%s.%N)
assert_eq "subscriber exit status" 0 "$BG_STATUS"
[[ $(wc -l <"$D/got") == "$N" ]] || fail "received $(wc -l <"$D/got") of $N messages"
assert_file_eq "bulk messages in order" "$D/in" "$D/got"
note "$N QoS 1 messages: publisher $(awk "BEGIN { print $t1 - $t0 }") s," \
    "all received after $(awk "BEGIN { print $t2 - $t0 }") s"
