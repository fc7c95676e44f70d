#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Round trips through a real mosquitto: mqtls pub -> mqtls sub at QoS 0, 1
# and 2 (exact topic and payload, -v format), interoperability with
# mosquitto_pub/mosquitto_sub in both directions, a binary -f payload
# compared byte for byte, and an empty -n message.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_broker
P=$BROKER_PORT
D=$TEST_DIR

for q in 0 1 2; do
    start_bg "$D/q$q.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i "rt-sub-q$q" -t "rt/q$q/#" -q "$q" -v -C 1 -W 10
    pid=$BG_PID
    wait_subscribed "rt-sub-q$q" "rt/q$q/#"
    expect_status "pub at QoS $q" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t "rt/q$q/x y" -q "$q" -m "hello at qos $q"
    wait_bg "$pid" "sub at QoS $q" 15
    assert_eq "sub at QoS $q exit status" 0 "$BG_STATUS"
    assert_eq "message at QoS $q" "rt/q$q/x y hello at qos $q" "$(cat "$D/q$q.out")"
done
note "QoS 0/1/2 round trips ok"

# mqtls pub -> mosquitto_sub
start_bg "$D/ms.out" mosquitto_sub -h 127.0.0.1 -p "$P" -i rt-mosq-sub -t rt/interop1 -q 2 -v -C 1 -W 10
pid=$BG_PID
wait_subscribed rt-mosq-sub rt/interop1
expect_status "mqtls pub to mosquitto_sub" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t rt/interop1 -q 2 -m "from mqtls"
wait_bg "$pid" mosquitto_sub 15
assert_eq "mosquitto_sub exit status" 0 "$BG_STATUS"
assert_eq "mosquitto_sub output" "rt/interop1 from mqtls" "$(cat "$D/ms.out")"

# mosquitto_pub -> mqtls sub
start_bg "$D/mp.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i rt-mqtls-sub -t rt/interop2 -q 2 -v -C 1 -W 10
pid=$BG_PID
wait_subscribed rt-mqtls-sub rt/interop2
expect_status "mosquitto_pub" 0 mosquitto_pub -h 127.0.0.1 -p "$P" -t rt/interop2 -q 2 -m "from mosquitto"
wait_bg "$pid" "mqtls sub" 15
assert_eq "mqtls sub exit status" 0 "$BG_STATUS"
assert_eq "mqtls sub output" "rt/interop2 from mosquitto" "$(cat "$D/mp.out")"
note "interop with mosquitto_pub/mosquitto_sub ok"

# -f: a binary file (NULs, newlines, every byte value), received with -N.
head -c 200000 /dev/urandom >"$D/blob"
printf '\000\n\r\377' >>"$D/blob"
start_bg "$D/blob.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i rt-file-sub -t rt/file -q 1 -N -C 1 -W 10
pid=$BG_PID
wait_subscribed rt-file-sub rt/file
expect_status "pub -f" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t rt/file -q 1 -f "$D/blob"
wait_bg "$pid" "sub of the file" 15
assert_eq "sub of the file exit status" 0 "$BG_STATUS"
assert_file_eq "file payload" "$D/blob" "$D/blob.out"

# -s: stdin as one message, same bytes.
start_bg "$D/stdin.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i rt-stdin-sub -t rt/stdin -N -C 1 -W 10
pid=$BG_PID
wait_subscribed rt-stdin-sub rt/stdin
expect_status "pub -s" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t rt/stdin -s <"$D/blob"
wait_bg "$pid" "sub of stdin" 15
assert_file_eq "stdin payload" "$D/blob" "$D/stdin.out"
note "binary -f and -s payloads ok"

# -n: an empty message; with -v the line is the topic and a space.
start_bg "$D/null.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i rt-null-sub -t rt/null -v -C 1 -W 10
pid=$BG_PID
wait_subscribed rt-null-sub rt/null
expect_status "pub -n" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t rt/null -n
wait_bg "$pid" "sub of the empty message" 15
assert_eq "empty message exit status" 0 "$BG_STATUS"
printf 'rt/null \n' >"$D/null.want"
assert_file_eq "empty message" "$D/null.want" "$D/null.out"

# Several -t filters in one SUBSCRIBE, and pub -l with empty lines kept.
start_bg "$D/multi.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i rt-multi-sub -t rt/a -t rt/b/+ -v -C 3 -W 10
pid=$BG_PID
wait_subscribed rt-multi-sub rt/b/+
expect_status "pub to rt/a" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t rt/a -m one
printf 'two\n\n' | "$MQTLS" pub -h 127.0.0.1 -p "$P" -t rt/b/c -l || fail "pub -l with an empty line"
wait_bg "$pid" "sub with two filters" 15
printf 'rt/a one\nrt/b/c two\nrt/b/c \n' >"$D/multi.want"
assert_file_eq "two filters" "$D/multi.want" "$D/multi.out"
note "-n, several filters and -l ok"
