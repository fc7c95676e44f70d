#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Reconnecting through a broker restart (the connection manager in the CLI):
#   - `mqtls sub -c -i X -q 1` stays up across a restart of a broker that
#     keeps its sessions (persistence on): one stderr line for the loss, one
#     for the reconnect (session present: yes), and every message published
#     after the restart arrives, in order;
#   - `mqtls pub -l -q 1 -c -i P` through a restart in the middle of a
#     stream: every line reaches a subscriber at least once;
#   - --no-reconnect: sub exits 2 with the old sentence;
#   - SIGINT in pub -l: the summary line, exit 0 when all was acknowledged,
#     exit 5 (and the count) when the broker stopped acknowledging.
# The broker is restarted on the same port with the same configuration and
# persistence file; every wait is bounded and driven by the logs.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_broker "persistence true" "persistence_location $TEST_DIR/" "autosave_interval 0"
P=$BROKER_PORT
D=$TEST_DIR

# restart_broker: stop mosquitto (it saves its sessions on SIGTERM) and start
# it again on the same port, configuration and persistence file.
restart_broker() {
    kill "$BROKER_PID"
    wait "$BROKER_PID" 2>/dev/null || true
    cp "$BROKER_LOG" "$BROKER_LOG.before-restart"
    local i
    for ((i = 0; i < 20; i++)); do
        launch_broker && return 0
        sleep 0.1 # the port is still held by the old process' sockets
    done
    fail "mosquitto did not start again on port $P"
}

# start_bg_stdin INFILE OUTFILE CMD... : start_bg with stdin from INFILE (a
# background command's stdin is /dev/null unless redirected on it).
start_bg_stdin() {
    local in=$1 out=$2
    shift 2
    "$@" <"$in" >"$out" 2>"$out.err" &
    BG_PID=$!
    OWNED_PIDS+=("$BG_PID")
}

# wait_grep TEXT FILE [SECONDS]
wait_grep() {
    local i
    for ((i = 0; i < ${3:-10} * 50; i++)); do
        grep -qF -- "$1" "$2" 2>/dev/null && return 0
        sleep 0.02
    done
    fail "'$1' did not appear in $2 within ${3:-10}s: $(cat "$2" 2>/dev/null)"
}

# ---- sub through a broker restart --------------------------------------------------
start_bg "$D/sub.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -c -i rc-sub -q 1 -t rc/t -C 6 -W 30
sub=$BG_PID
wait_subscribed rc-sub rc/t
expect_status "pub before" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t rc/t -q 1 -m before
wait_grep before "$D/sub.out"
restart_broker
# published as soon as the broker is back: the subscriber may still be away
for i in 1 2 3 4 5; do
    expect_status "pub away $i" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -t rc/t -q 1 -m "away $i"
done
wait_bg "$sub" "sub through the restart" 30
assert_eq "sub exit status" 0 "$BG_STATUS"
assert_eq "messages across the restart" "$(printf 'before\naway 1\naway 2\naway 3\naway 4\naway 5')" "$(cat "$D/sub.out")"
assert_contains "one line for the loss" "lost (" "$D/sub.out.err"
assert_contains "the reconnect, with the kept session" "reconnected to 127.0.0.1:$P (session present: yes)" "$D/sub.out.err"
lines=$(wc -l <"$D/sub.out.err")
[[ $lines -le 4 ]] || fail "too many stderr lines for one restart: $(cat "$D/sub.out.err")"

# ---- pub -l through a broker restart in the middle of the stream --------------------
N=2000
start_bg "$D/count.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -c -i rc-count -q 1 -t rc/lines -W 60
counter=$BG_PID
wait_subscribed rc-count rc/lines
mkfifo "$D/feed"
(
    seq -f 'line %g' 1 1000
    # the second half only once the broker has been restarted
    for ((i = 0; i < 600; i++)); do [[ -e $D/go ]] && break; sleep 0.05; done
    seq -f 'line %g' 1001 "$N"
) >"$D/feed" &
feeder=$!
OWNED_PIDS+=("$feeder")
start_bg_stdin "$D/feed" "$D/pub.out" "$MQTLS" pub -h 127.0.0.1 -p "$P" -c -i rc-pub -q 1 -t rc/lines -l
pub=$BG_PID
wait_grep "line 1000" "$D/count.out" 20
restart_broker
touch "$D/go"
wait_bg "$pub" "pub -l through the restart" 60
assert_eq "pub -l exit status" 0 "$BG_STATUS"
assert_contains "pub saw the loss" "lost (" "$D/pub.out.err"
for ((i = 0; i < 600; i++)); do
    [[ $(sort -u "$D/count.out" | wc -l) -ge $N ]] && break
    sleep 0.05
done
kill -INT "$counter"
wait "$counter" 2>/dev/null || true
missing=$(comm -23 <(seq -f 'line %g' 1 "$N" | sort) <(sort -u "$D/count.out"))
[[ -z $missing ]] || fail "lines lost through the restart: $(echo "$missing" | head -n 5) ($(echo "$missing" | wc -l) in all)"
dups=$(($(wc -l <"$D/count.out") - N))
note "pub -l -q 1 through a broker restart: $N of $N lines arrived, $dups duplicate(s)"

# ---- pub -l without -c: a reconnect drops the unacknowledged, and says how many -----------
mkfifo "$D/feedc"
(
    echo first
    for ((i = 0; i < 400; i++)); do [[ -e $D/goc ]] && break; sleep 0.05; done
    seq -f 'clean %g' 1 5
    for ((i = 0; i < 400; i++)); do [[ -e $D/goc2 ]] && break; sleep 0.05; done
) >"$D/feedc" 2>/dev/null &
OWNED_PIDS+=("$!")
start_bg_stdin "$D/feedc" "$D/cpub" "$MQTLS" pub -h 127.0.0.1 -p "$P" -i rc-clean -q 1 -t rc/clean -l -d
cpub=$BG_PID
wait_grep "received PUBACK" "$D/cpub.err" 10
kill -STOP "$BROKER_PID"
touch "$D/goc"
for ((i = 0; i < 200; i++)); do
    [[ $(grep -c "sent PUBLISH" "$D/cpub.err") -ge 6 ]] && break
    sleep 0.05
done
kill -KILL "$BROKER_PID" # a crash: the 5 messages are never acknowledged
wait "$BROKER_PID" 2>/dev/null || true
launch_broker || fail "mosquitto did not start again"
wait_grep "reconnected to" "$D/cpub.err" 20
touch "$D/goc2"
wait_bg "$cpub" "pub -l without -c through a broker crash" 20
assert_contains "the loss is counted" "warning: 5 unacknowledged message(s) are lost with the clean session" "$D/cpub.err"

# ---- --no-reconnect -------------------------------------------------------------------
start_bg "$D/nr.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i rc-nr -t rc/nr --no-reconnect
nr=$BG_PID
wait_subscribed rc-nr rc/nr
restart_broker
wait_bg "$nr" "sub --no-reconnect" 10
assert_eq "--no-reconnect exit status" 2 "$BG_STATUS"
assert_contains "--no-reconnect sentence" "lost while waiting for messages" "$D/nr.out.err"

# ---- SIGINT summary in pub -l ------------------------------------------------------------
# all acknowledged: exit 0
start_bg "$D/intsub.out" "$MQTLS" sub -h 127.0.0.1 -p "$P" -i rc-intsub -q 1 -t rc/int -C 50 -W 20
intsub=$BG_PID
wait_subscribed rc-intsub rc/int
mkfifo "$D/feed2"
(seq -f 'int %g' 1 50; sleep 30) >"$D/feed2" &
feeder2=$!
OWNED_PIDS+=("$feeder2")
start_bg_stdin "$D/feed2" "$D/int.out" "$MQTLS" pub -h 127.0.0.1 -p "$P" -i rc-int -q 1 -t rc/int -l
ipub=$BG_PID
wait_bg "$intsub" "the 50 lines at a subscriber" 20
kill -INT "$ipub"
wait_bg "$ipub" "pub after SIGINT" 10
assert_contains "summary" "interrupted: 50 message(s) sent, 50 acknowledged, 0 unacknowledged" "$D/int.out.err"
assert_eq "SIGINT exit status, all acknowledged" 0 "$BG_STATUS"
kill "$feeder2" 2>/dev/null || true

# a broker that stopped answering: the grace expires, exit 5 with the count
mkfifo "$D/feed3"
(
    for ((i = 0; i < 200; i++)); do [[ -e $D/go3 ]] && break; sleep 0.05; done
    seq -f 'stuck %g' 1 5
    sleep 30
) >"$D/feed3" &
feeder3=$!
OWNED_PIDS+=("$feeder3")
start_bg_stdin "$D/feed3" "$D/stuck.out" "$MQTLS" pub -h 127.0.0.1 -p "$P" -i rc-stuck -q 1 -t rc/stuck -l -d
spub=$BG_PID
wait_grep "received CONNACK" "$D/stuck.out.err" 10
kill -STOP "$BROKER_PID"
touch "$D/go3"
for ((i = 0; i < 200; i++)); do
    [[ $(grep -c "sent PUBLISH" "$D/stuck.out.err") -ge 5 ]] && break
    sleep 0.05
done
kill -INT "$spub"
wait_bg "$spub" "pub after SIGINT with a stopped broker" 15
kill -CONT "$BROKER_PID"
assert_eq "SIGINT exit status with unacknowledged messages" 5 "$BG_STATUS"
assert_contains "summary with unacknowledged" "5 message(s) sent, 0 acknowledged, 5 unacknowledged" "$D/stuck.out.err"
kill "$feeder3" 2>/dev/null || true
note "reconnect ok"
