#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A persistent session (-c): a QoS 1 subscriber leaves, messages published
# while it is offline wait on the broker, and it receives them in order when
# it comes back with the same client id (session present).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_broker
P=$BROKER_PORT
D=$TEST_DIR

start_bg "$D/first.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -c -i sess-fixed -q 1 -t sess/t -C 1 -W 10
pid=$BG_PID
wait_subscribed sess-fixed sess/t
expect_status "first pub" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t sess/t -q 1 -m first
wait_bg "$pid" "first session run" 15
assert_eq "first run exit status" 0 "$BG_STATUS"
assert_eq "first run output" "first" "$(cat "$D/first.out")"
wait_log "Client sess-fixed disconnected."

printf 'offline 1\noffline 2\noffline 3\n' >"$D/offline"
"$MQTLS" pub -h 127.0.0.1 -p "$P" -t sess/t -q 1 -l <"$D/offline" || fail "publishing while offline"
expect_status "second pub (QoS 2 publisher)" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t sess/t -q 2 -m "offline 4"
printf 'offline 4\n' >>"$D/offline"

expect_status "reconnect" 0 "$MQTLS" sub -h 127.0.0.1 -p "$P" -c -i sess-fixed -q 1 -t sess/t -C 4 -W 10 -d
assert_file_eq "queued messages" "$D/offline" "$D/out"
assert_contains "session present" "session present: yes" "$D/err"

# -c without -i is a usage error (a session needs a stable identifier).
expect_status "-c without -i" 1 "$MQTLS" sub -h 127.0.0.1 -p "$P" -c -t sess/t -W 1
note "persistent session ok"
