#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Issue 13: a persistent session that resumes with a backlog keeps its
# subscription. 100 000 QoS 0 messages wait on the broker (queue_qos0_messages)
# for an offline `mqtls sub -c`; when it comes back, the broker sends them
# right after the CONNACK, before the SUBACK of its re-subscription. The
# client must go on parsing to the SUBACK (it used to stop after 64 packets
# and fail "while subscribing" with a timeout) and print every message, in
# order.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

N=100000
start_broker "queue_qos0_messages true"
P=$BROKER_PORT
D=$TEST_DIR

start_bg "$D/first.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -c -i backlog-sub -q 1 -t backlog/t -C 1 -W 10
pid=$BG_PID
wait_subscribed backlog-sub backlog/t
expect_status "first pub" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t backlog/t -q 1 -m first
wait_bg "$pid" "first session run" 15
assert_eq "first run exit status" 0 "$BG_STATUS"
wait_log "Client backlog-sub disconnected."

seq -f "%06g" 1 "$N" >"$D/lines"
expect_status "publishing the backlog" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t backlog/t -q 0 -l <"$D/lines"

expect_status "resuming with $N queued messages" 0 \
    "$MQTLS" sub -h 127.0.0.1 -p "$P" -c -i backlog-sub -q 1 -t backlog/t -C "$N" -W 120
got=$(wc -l <"$D/out")
assert_eq "messages received" "$N" "$got"
cmp -s "$D/lines" "$D/out" || fail "the backlog arrived out of order or altered"
note "$N queued messages after the CONNACK, then the SUBACK: all received in order"
