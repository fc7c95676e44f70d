#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Retained messages: a later subscriber receives the retained message with
# the retain flag; -R hides stale retained messages but not live ones; an
# empty retained message (-r -n) clears it.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_broker
P=$BROKER_PORT
D=$TEST_DIR

expect_status "retained pub" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t ret/a -q 1 -r -m kept

expect_status "late subscriber" 0 "$MQTLS" sub -h 127.0.0.1 -p "$P" -t 'ret/#' -v -C 1 -W 10
assert_eq "retained message" "ret/a kept" "$(cat "$D/out")"

# -R: the stale retained message is not printed, a live one is.
start_bg "$D/r.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i ret-no-stale -t 'ret/#' -v -R -C 1 -W 10
pid=$BG_PID
wait_subscribed ret-no-stale 'ret/#'
expect_status "live pub" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t ret/b -m live
wait_bg "$pid" "sub -R" 15
assert_eq "sub -R exit status" 0 "$BG_STATUS"
assert_eq "sub -R output" "ret/b live" "$(cat "$D/r.out")"

# Clearing: -r -n removes the retained message; nothing arrives in 1 s.
expect_status "clear retained" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t ret/a -r -n
expect_status "subscriber after clearing" 0 "$MQTLS" sub -h 127.0.0.1 -p "$P" -t ret/a -v -W 1
assert_eq "nothing retained after clearing" "" "$(cat "$D/out")"
note "retained, -R and clearing ok"
