#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The will: delivered when a client's connection dies (kill -9 of an
# `mqtls sub` that set --will-*), not delivered after a clean DISCONNECT.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_broker
P=$BROKER_PORT
D=$TEST_DIR

start_bg "$D/watch.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i will-watcher -t 'will/#' -q 1 -v -C 1 -W 15
watcher=$BG_PID
wait_subscribed will-watcher 'will/#'

start_bg "$D/dying.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i will-dying -t will-dummy -W 60 \
    --will-topic will/dying --will-payload "gone without a word" --will-qos 1
dying=$BG_PID
wait_subscribed will-dying will-dummy
# (the braces keep bash's "Killed" job notice out of the test output)
{ kill -9 "$dying" && wait "$dying"; } 2>/dev/null || true

wait_bg "$watcher" "the will watcher" 15
assert_eq "watcher exit status" 0 "$BG_STATUS"
assert_eq "will delivered" "will/dying gone without a word" "$(cat "$D/watch.out")"
note "will delivered after kill -9"

# A clean DISCONNECT discards the will. mosquitto handles one event at a
# time, so a will would reach the watcher before the marker published after
# both clients left: the first message the watcher sees must be the marker.
start_bg "$D/watch2.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i will-watcher2 -t 'will/#' -v -C 1 -W 15
watcher=$BG_PID
wait_subscribed will-watcher2 'will/#'
expect_status "pub with a will" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -i will-clean -t will-dummy -m x \
    --will-topic will/clean --will-payload "must not be seen"
wait_log "Client will-clean disconnected."
expect_status "sub with a will and -W 1" 0 "$MQTLS" sub -h 127.0.0.1 -p "$P" -i will-clean-sub -t will-dummy -W 1 \
    --will-topic will/clean2 --will-payload "must not be seen either"
wait_log "Client will-clean-sub disconnected."
expect_status "marker" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t will/marker -m end
wait_bg "$watcher" "the second watcher" 15
assert_eq "second watcher exit status" 0 "$BG_STATUS"
assert_eq "no will after DISCONNECT, only the marker" "will/marker end" "$(cat "$D/watch2.out")"
note "no will after a clean disconnect"
