#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mqtls bench against a real mosquitto that demands a client certificate
# (require_certificate, use_identity_as_username): a fleet of devices, each
# with its own key and certificate issued on the fly by the test CA, connect,
# publish to their own topics and receive their own messages; the counts and
# the latency histograms must add up. A wrong CA makes every device fail with
# the same named cause, counted once per device. `bench merge` adds two runs
# with disjoint --start ranges. --connect-concurrency K: the broker has
# accepted K connections when the first CONNECT arrives (1: one device at a
# time), and K CONNECTs wait for their CONNACKs at once (a stopped broker
# that never answers makes that exact). A port nothing listens on fails
# every device with CONNECT_REFUSED, as the blocking connect names it.
# MQTLS_BENCH_DEVICES (default 1000) sets the size of the mutual-TLS fleet.
# shellcheck source=tests/integration/lib.sh disable=SC2154 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"

N=${MQTLS_BENCH_DEVICES:-1000}
D=$TEST_DIR
tls_make_pki
K=$PKI
# One socket per device in the broker too.
ulimit -n $((N * 2 + 256)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
tls_listener main server "max_connections -1"
plain_listener plain
start_listeners

# jget FILE KEY: a top-level number of the bench's JSON.
jget() { jq -r ".$2" "$1"; }

note "mutual TLS, $N devices with their own certificates, QoS 1, publish-to-receive"
"$MQTLS" bench pub -c "$N" -p "$PORT_main" --cafile "$K/ca.pem" --ca-cert "$K/ca.pem" --ca-key "$K/ca.key" \
    --tls-engine openssl -q 1 -n 3 -s 32 -S --json --quiet >"$D/fleet.json" 2>"$D/fleet.err" ||
    { cat "$D/fleet.err" "$D/fleet.json"; fail "the mutual-TLS fleet did not run cleanly"; }
assert_eq "devices connected" "$N" "$(jget "$D/fleet.json" connected)"
assert_eq "devices failed" 0 "$(jget "$D/fleet.json" failed)"
assert_eq "messages sent" $((N * 3)) "$(jget "$D/fleet.json" sent)"
assert_eq "messages acknowledged" $((N * 3)) "$(jget "$D/fleet.json" acked)"
assert_eq "messages received by their devices" $((N * 3)) "$(jget "$D/fleet.json" received)"
assert_eq "one handshake timed per device" "$N" "$(jq -r '.latency.handshake.count' "$D/fleet.json")"
assert_eq "publish-to-receive samples" $((N * 3)) "$(jq -r '.latency.pub_recv.count' "$D/fleet.json")"
# Percentiles are ordered and inside [min, max].
jq -e '.latency.connect | .min_us <= .p50_us and .p50_us <= .p90_us and .p90_us <= .p99_us
    and .p99_us <= .p999_us and .p999_us <= .max_us' "$D/fleet.json" >/dev/null ||
    fail "connect latency percentiles out of order: $(jq -c '.latency.connect | del(.buckets)' "$D/fleet.json")"
# Every device authenticated as itself: the broker logged its own CN as the username.
for i in 1 $((N / 2)) "$N"; do
    grep -q "as mqtls-bench-$i (.*u'mqtls-bench-$i')" "$BROKER_LOG" ||
        fail "the broker did not see device $i authenticate with its own certificate (CN=mqtls-bench-$i)"
done

note "the same fleet on the mbedTLS engine (a smaller one: mbedTLS 2.28's handshake is slower under ASan)"
"$MQTLS" bench conn -c 20 -p "$PORT_main" --cafile "$K/ca.pem" --ca-cert "$K/ca.pem" --ca-key "$K/ca.key" \
    --tls-engine mbedtls --json --quiet >"$D/mbed.json" 2>"$D/mbed.err" ||
    { cat "$D/mbed.err"; fail "mbedTLS fleet failed"; }
assert_eq "mbedTLS devices connected" 20 "$(jget "$D/mbed.json" connected)"

# first_connect K: how many TCP connections the broker had accepted when the
# first device of a `bench conn --connect-concurrency K` sent its CONNECT.
first_connect() {
    local from
    from=$(wc -l <"$BROKER_LOG")
    "$MQTLS" bench conn -c 8 --connect-concurrency "$1" -i "cc$1-%i" -p "$PORT_main" --cafile "$K/ca.pem" \
        --ca-cert "$K/ca.pem" --ca-key "$K/ca.key" --tls-engine "$2" --json --quiet >"$D/cc$1.json" ||
        fail "--connect-concurrency $1 did not connect cleanly"
    assert_eq "--connect-concurrency $1: devices connected" 8 "$(jget "$D/cc$1.json" connected)"
    tail -n +$((from + 1)) "$BROKER_LOG" |
        awk -v id="cc$1-" '/New connection from/ { n++ } $0 ~ "New client connected .* as " id { print n; exit }'
}
note "--connect-concurrency: handshakes overlap, K at a time"
assert_eq "connections accepted before the first CONNECT, K=1" 1 "$(first_connect 1 openssl)"
# K=4: all four TCP connections and ClientHellos leave before any handshake
# is stepped, but a loaded broker may accept the later ones only after the
# first device's CONNECT; at least two overlapping is what K>1 guarantees.
for engine in openssl mbedtls; do
    got=$(first_connect 4 "$engine")
    ((got >= 2)) || fail "connections accepted before the first CONNECT, K=4 ($engine): expected 2 or more, got [$got]"
    # How many waited for a CONNACK at once depends on the broker's speed; never more than K.
    jq -e '.connack_waits_max >= 1 and .connack_waits_max <= 4' "$D/cc4.json" >/dev/null ||
        fail "K=4 ($engine): CONNACK waits at once out of [1, 4]: $(jq .connack_waits_max "$D/cc4.json")"
done
assert_eq "CONNACK waits at once, K=1" 1 "$(jget "$D/cc1.json" connack_waits_max)"

note "--connect-concurrency: K CONNECTs in flight at once (a broker that accepts and never answers)"
start_silent_listener
# waits K N: connack_waits_max of N devices, K at a time, against the silent port.
waits() {
    set +e
    "$MQTLS" bench conn -c "$2" --connect-concurrency "$1" -p "$SILENT_PORT" --timeout 0.5 --json --quiet \
        >"$D/silent$1.json"
    local rc=$?
    set -e
    assert_eq "silent broker, K=$1: exit status" 2 "$rc"
    assert_eq "silent broker, K=$1: errors by cause" "{\"TIMEOUT\":$2}" "$(jq -c .errors "$D/silent$1.json")"
    jget "$D/silent$1.json" connack_waits_max
}
assert_eq "CONNECTs waiting for their CONNACK at once, K=3" 3 "$(waits 3 6)"
assert_eq "CONNECTs waiting for their CONNACK at once, K=1" 1 "$(waits 1 2)"

note "a port nothing listens on: CONNECT_REFUSED for every device, from the non-blocking connect"
set +e
"$MQTLS" bench conn -c 4 --connect-concurrency 2 -p "$(free_port)" --json --quiet >"$D/refused.json"
rc=$?
set -e
assert_eq "refused port: exit status" 2 "$rc"
assert_eq "refused port: errors by cause" '{"CONNECT_REFUSED":4}' "$(jq -c .errors "$D/refused.json")"
expect_status "bench --connect-concurrency 0" 1 "$MQTLS" bench conn --connect-concurrency 0

note "a wrong CA: every device fails with the same named cause, once each"
set +e
"$MQTLS" bench conn -c 25 -p "$PORT_main" --cafile "$K/other-ca.pem" --ca-cert "$K/ca.pem" --ca-key "$K/ca.key" \
    --tls-engine openssl --json --quiet >"$D/wrongca.json" 2>"$D/wrongca.err"
rc=$?
set -e
assert_eq "exit status when devices fail" 2 "$rc"
assert_eq "devices connected with a wrong CA" 0 "$(jget "$D/wrongca.json" connected)"
assert_eq "devices failed with a wrong CA" 25 "$(jget "$D/wrongca.json" failed)"
assert_eq "errors by cause" '{"TLS_UNKNOWN_CA":25}' "$(jq -c .errors "$D/wrongca.json")"

note "text summary: errors by cause name the sentence"
set +e
"$MQTLS" bench conn -c 3 -p "$PORT_main" --cafile "$K/other-ca.pem" --ca-cert "$K/ca.pem" --ca-key "$K/ca.key" \
    --tls-engine openssl --quiet >"$D/wrongca.txt" 2>&1
set -e
assert_contains "text summary" "TLS_UNKNOWN_CA" "$D/wrongca.txt"
assert_contains "text summary" "failed 3" "$D/wrongca.txt"

note "two instances with disjoint --start ranges, merged"
"$MQTLS" bench pub -c 5 --start 1 -p "$PORT_plain" -q 2 -n 10 -S --json --quiet >"$D/a.json"
"$MQTLS" bench pub -c 7 --start 6 -p "$PORT_plain" -q 2 -n 10 -S --json --quiet >"$D/b.json"
"$MQTLS" bench merge --json "$D/a.json" "$D/b.json" >"$D/m.json"
assert_eq "merged devices" 12 "$(jget "$D/m.json" connected)"
assert_eq "merged messages received" 120 "$(jget "$D/m.json" received)"
assert_eq "merged publish-to-ack samples" 120 "$(jq -r '.latency.pub_ack.count' "$D/m.json")"
sum=$(jq -s '[.[].latency.pub_ack.sum_us] | add' "$D/a.json" "$D/b.json")
assert_eq "merged latency sum" "$sum" "$(jq -r '.latency.pub_ack.sum_us' "$D/m.json")"
# One writer: a merge has every field of a run but what only a run knows
# (its options and its memory), and a merge of merges still parses.
assert_eq "merge fields" \
    "$(jq -c '[keys[] | select(. != "start" and . != "connect_concurrency" and . != "connack_waits_max" and . != "qos" and . != "size" and . != "tls" and . != "engine" and . != "rss_per_session_bytes")] + ["runs"] | sort' "$D/a.json")" \
    "$(jq -c 'keys' "$D/m.json")"
"$MQTLS" bench merge --json "$D/m.json" "$D/a.json" >"$D/mm.json"
assert_eq "merge of a merge" 17 "$(jget "$D/mm.json" connected)"
"$MQTLS" bench merge "$D/a.json" "$D/b.json" >"$D/m.txt"
assert_contains "merge text" "2 runs, 12 devices" "$D/m.txt"
grep -q 'mqtls-bench-12' "$BROKER_LOG" || fail "device 12 (second range) never connected"

note "bad input"
printf '{"not":"ours"}' >"$D/bad.json"
expect_status "bench merge bad.json" 1 "$MQTLS" bench merge "$D/bad.json"
expect_status "bench pub -c 0" 1 "$MQTLS" bench pub -c 0
expect_status "bench fly" 1 "$MQTLS" bench fly
expect_status "bench pub --cert client.pem" 1 "$MQTLS" bench pub --cert "$K/client.pem"
expect_status "bench pub --ca-cert ca.pem --ca-key ca.key" 1 "$MQTLS" bench pub --ca-cert "$K/ca.pem" --ca-key "$K/ca.key"
"$MQTLS" bench --help | grep -q 'mqtls bench merge' || fail "bench --help"
note "ok"
