#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Exit statuses and messages: 1 usage, 2 connection failure (refused port,
# unresolvable host), 3 refused by the broker (bad password, anonymous),
# 4 timeout (sub -W with -C not reached).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

D=$TEST_DIR

# ---- usage: 1
expect_status "unknown flag" 1 "$MQTLS" pub -t x -m y --no-such-flag
assert_contains "unknown flag message" "unknown option" "$D/err"
expect_status "missing -t" 1 "$MQTLS" pub -m y
assert_contains "missing -t message" "-t" "$D/err"
expect_status "sub without -t" 1 "$MQTLS" sub
expect_status "-q 3" 1 "$MQTLS" pub -t x -m y -q 3
expect_status "sub -q 3" 1 "$MQTLS" sub -t x -q 3
expect_status "-c without -i" 1 "$MQTLS" pub -t x -m y -c
expect_status "-m and -l together" 1 "$MQTLS" pub -t x -m y -l
expect_status "wildcard in a publish topic" 1 "$MQTLS" pub -t 'a/#' -m y
expect_status "bad filter" 1 "$MQTLS" sub -t 'a/#/b'
expect_status "missing value" 1 "$MQTLS" pub -t
expect_status "-V 31" 1 "$MQTLS" pub -t x -m y -V 31
assert_contains "-V 31 message" "MQTT 3.1 is not supported" "$D/err"
expect_status "-D without -V 5" 1 "$MQTLS" pub -t x -m y -D publish content-type text/plain
assert_contains "-D needs -V 5" "add -V 5" "$D/err"
expect_status "-D property in the wrong packet" 1 "$MQTLS" pub -V 5 -t x -m y -D publish receive-maximum 5
assert_contains "-D wrong packet message" "not allowed in publish" "$D/err"
expect_status "unknown command" 1 "$MQTLS" frobnicate
expect_status "no command" 1 "$MQTLS"
expect_status "pub --help" 0 "$MQTLS" pub --help
assert_contains "pub --help lists exit codes" "Exit status" "$D/out"
expect_status "sub --help" 0 "$MQTLS" sub --help
assert_contains "sub --help lists -W" "-W" "$D/out"
expect_status "--version" 0 "$MQTLS" --version
note "usage errors exit 1"

# ---- connection failures: 2
port=$(free_port)
expect_status "nothing listening" 2 "$MQTLS" pub -h 127.0.0.1 -p "$port" -t x -m y
assert_contains "refused message" "refused" "$D/err"
assert_contains "refused message names the endpoint" "127.0.0.1:$port" "$D/err"
[[ $(wc -l <"$D/err") == 1 ]] || fail "the refusal should be one line: $(cat "$D/err")"
expect_status "unresolvable host" 2 "$MQTLS" sub -h host.invalid -t x -W 1
assert_contains "DNS message" "could not be resolved" "$D/err"
note "connection failures exit 2"

# ---- broker refusals: 3
mosquitto_passwd -c -b "$D/passwd" alice secret >/dev/null 2>&1 || fail "mosquitto_passwd failed"
chmod 644 "$D/passwd"
start_broker "password_file $D/passwd" "allow_anonymous false"
P=$BROKER_PORT
expect_status "wrong password" 3 "$MQTLS" pub -h 127.0.0.1 -p "$P" -u alice -P wrong -t x -m y
grep -qiE "bad user name or password|not authorized" "$D/err" || fail "wrong password message: $(cat "$D/err")"
expect_status "anonymous" 3 "$MQTLS" sub -h 127.0.0.1 -p "$P" -t x -W 1
grep -qiE "bad user name or password|not authorized" "$D/err" || fail "anonymous message: $(cat "$D/err")"
expect_status "right password" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -u alice -P secret -t x -m y
note "broker refusals exit 3"

# ---- timeouts: 4 (and 0 without -C)
start_broker
P=$BROKER_PORT
expect_status "sub -W 1 -C 1 with nothing published" 4 "$MQTLS" sub -h 127.0.0.1 -p "$P" -t quiet -W 1 -C 1
assert_contains "timeout message" "timed out" "$D/err"
expect_status "sub -W 1 without -C" 0 "$MQTLS" sub -h 127.0.0.1 -p "$P" -t quiet -W 1
note "timeouts exit 4"
