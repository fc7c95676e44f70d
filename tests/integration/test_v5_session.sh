#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MQTT 5 session and message expiry: a session with -x 2 survives a short
# absence (session present, queued message delivered) and is gone after the
# interval; a queued message with a 1 s message expiry interval is dropped by
# the broker while a 60 s one arrives with its remaining lifetime (%E).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_broker
P=$BROKER_PORT
D=$TEST_DIR
SUB=("$MQTLS" sub -V 5 -h 127.0.0.1 -p "$P" -q 1)
PUB=("$MQTLS" pub -V 5 -h 127.0.0.1 -p "$P" -q 1)

# ---- session expiry ----------------------------------------------------------------
start_bg "$D/s1.out" "${SUB[@]}" -i v5-sess -x 2 -t sess/t -C 1 -W 10
pid=$BG_PID
wait_subscribed v5-sess sess/t
expect_status "first message" 0 "${PUB[@]}" -t sess/t -m first
wait_bg "$pid" "first run" 10
assert_eq "first run" "0 first" "$BG_STATUS $(cat "$D/s1.out")"
wait_log_count "Client v5-sess disconnected" 1

expect_status "publish while away" 0 "${PUB[@]}" -t sess/t -m queued
expect_status "back within the interval" 0 "${SUB[@]}" -c -i v5-sess -x 2 -t sess/t -C 1 -W 5 -d
assert_eq "queued message" "queued" "$(cat "$D/out")"
assert_contains "session present" "session present: yes" "$D/err"
wait_log_count "Client v5-sess disconnected" 2

expect_status "publish while away again" 0 "${PUB[@]}" -t sess/t -m lost
sleep 3.5 # longer than the 2 s session expiry interval
expect_status "back after the interval" 0 "${SUB[@]}" -c -i v5-sess -x 2 -t sess/t -W 1 -d
assert_contains "session expired" "session present: no" "$D/err"
assert_eq "nothing from the expired session" "" "$(cat "$D/out")"
note "session expiry interval honoured"

# ---- message expiry ------------------------------------------------------------------
expect_status "make a session" 0 "${SUB[@]}" -c -i v5-mexp -x 60 -t mexp/t -W 1
wait_log_count "Client v5-mexp disconnected" 1
expect_status "short-lived" 0 "${PUB[@]}" -t mexp/t -m short -D publish message-expiry-interval 1
expect_status "long-lived" 0 "${PUB[@]}" -t mexp/t -m long -D publish message-expiry-interval 60
sleep 2.2
expect_status "collect" 0 "${SUB[@]}" -c -i v5-mexp -x 0 -t mexp/t -C 1 -W 5 -F '%p %E'
read -r payload left <"$D/out"
assert_eq "only the message still alive" "long" "$payload"
((left > 0 && left < 60)) || fail "remaining message expiry should be below 60 s, got '$left'"
expect_status "nothing else queued" 0 "${SUB[@]}" -c -i v5-mexp -x 0 -t mexp/t -W 1
assert_eq "expired message dropped" "" "$(cat "$D/out")"
note "message expiry interval honoured (remaining ${left}s)"
