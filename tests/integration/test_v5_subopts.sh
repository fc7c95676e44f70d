#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MQTT 5 subscription options and identifiers against mosquitto: no local
# (a library program that subscribes and publishes on one connection),
# retain as published, retain handling 0/1/2, subscription identifiers.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

NOLOCAL=${MQTLS_V5_NOLOCAL:?set MQTLS_V5_NOLOCAL to the v5_nolocal test program}
start_broker
P=$BROKER_PORT
D=$TEST_DIR
SUB=("$MQTLS" sub -V 5 -h 127.0.0.1 -p "$P")
PUB=("$MQTLS" pub -V 5 -h 127.0.0.1 -p "$P")

# ---- no local --------------------------------------------------------------------
expect_status "no local" 0 "$NOLOCAL" "$P"
assert_eq "own message not echoed on the no-local subscription" "nl/echo" "$(cat "$D/out")"
note "no local"

# ---- retain as published ------------------------------------------------------------
start_bg "$D/rap.out" "${SUB[@]}" -i v5-rap -t rap/t --retain-as-published -C 1 -W 10 -F '%r %p'
rap=$BG_PID
start_bg "$D/norap.out" "${SUB[@]}" -i v5-norap -t rap/t -C 1 -W 10 -F '%r %p'
norap=$BG_PID
wait_subscribed v5-rap rap/t
wait_subscribed v5-norap rap/t
expect_status "retained publish" 0 "${PUB[@]}" -t rap/t -r -m live
wait_bg "$rap" "retain-as-published subscriber" 10
wait_bg "$norap" "plain subscriber" 10
assert_eq "retain flag kept" "1 live" "$(cat "$D/rap.out")"
assert_eq "retain flag cleared for a live message" "0 live" "$(cat "$D/norap.out")"
note "retain as published"

# ---- retain handling -----------------------------------------------------------------
expect_status "retained message" 0 "${PUB[@]}" -t rh/t -r -q 1 -m kept
expect_status "retain handling 0" 0 "${SUB[@]}" -t rh/t --retain-handling 0 -C 1 -W 5
assert_eq "rh 0 sends retained" "kept" "$(cat "$D/out")"
expect_status "retain handling 2" 0 "${SUB[@]}" -t rh/t --retain-handling 2 -W 1
assert_eq "rh 2 never sends retained" "" "$(cat "$D/out")"
expect_status "retain handling 1, new subscription" 0 "${SUB[@]}" -c -x 60 -i v5-rh1 -t rh/t --retain-handling 1 -C 1 -W 5
assert_eq "rh 1 sends retained to a new subscription" "kept" "$(cat "$D/out")"
wait_log_count "Client v5-rh1 disconnected" 1
expect_status "retain handling 1, existing subscription" 0 "${SUB[@]}" -c -x 60 -i v5-rh1 -t rh/t --retain-handling 1 -W 1
assert_eq "rh 1 does not resend to an existing subscription" "" "$(cat "$D/out")"
note "retain handling 0, 1, 2"

# ---- subscription identifiers ---------------------------------------------------------
start_bg "$D/sid.out" "${SUB[@]}" -i v5-sid -t 'sid/#' -D subscribe subscription-identifier 42 -C 1 -W 10 -F '%S %t %p'
sid=$BG_PID
wait_subscribed v5-sid 'sid/#'
expect_status "publish to sid" 0 "${PUB[@]}" -t sid/a -m tagged
wait_bg "$sid" "subscription id subscriber" 10
assert_eq "subscription identifier delivered" "42 sid/a tagged" "$(cat "$D/sid.out")"
note "subscription identifiers"

# The options are MQTT 5 only.
expect_status "--nl with 3.1.1" 1 "$MQTLS" sub -h 127.0.0.1 -p "$P" -t x --nl
assert_contains "--nl needs -V 5" "-V 5" "$D/err"
