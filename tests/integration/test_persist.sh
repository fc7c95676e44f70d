#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `mqtls pub -l --persist DIR` killed with -9 in the middle of a stream and
# started again with the same -i, -c, --persist and input: nothing lost (a
# subscriber receives every line; at QoS 2 exactly once). To have messages
# in flight at the kill, the broker is stopped (SIGSTOP) after the first
# part of the stream, so the publisher fills its window with messages that
# nobody acknowledges, and stores them (its -d line says how many are in
# flight once none has been acknowledged for a second); then it is killed,
# the broker resumed, and the restart must resend the stored ones (its
# stderr says how many) and skip the input lines it had already stored.
# (the resend of unacknowledged messages on a session-present reconnect,
# [MQTT-4.4.0-1])
# Also: --persist needs -l, QoS 1/2 and -c; a DIR of another client id is
# refused; --ack-timeout: a broker that stops acknowledging costs a
# reconnect and a resend, not a hang.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_broker
P=$BROKER_PORT
D=$TEST_DIR
N=3000
seq -f 'line %g' 1 "$N" >"$D/input"

start_bg_stdin() {
    local in=$1 out=$2
    shift 2
    "$@" <"$in" >"$out" 2>"$out.err" &
    BG_PID=$!
    OWNED_PIDS+=("$BG_PID")
}

# wait_count FILE N [SECONDS] : until FILE has at least N distinct lines
wait_count() {
    local i
    for ((i = 0; i < ${3:-20} * 20; i++)); do
        [[ $(sort -u "$1" | wc -l) -ge $2 ]] && return 0
        sleep 0.05
    done
    fail "$1 has $(sort -u "$1" | wc -l) distinct lines, not $2, after ${3:-20}s"
}

# kill_and_resume QOS WINDOW
kill_and_resume() {
    local q=$1 w=$2 id=kp$1 dir=$D/persist$1
    start_bg "$D/count$q" "$MQTLS" sub -h 127.0.0.1 -p "$P" -c -i "count$q" -q "$q" -t "kp/$q" -W 120
    local counter=$BG_PID
    wait_subscribed "count$q" "kp/$q"
    mkfifo "$D/feed$q"
    (
        head -n 1000 "$D/input"
        # (the bound only ends a failed run: a loaded machine may need long
        # for the first 1000, and an early rest would never meet the stall)
        for ((i = 0; i < 2400; i++)); do [[ -e $D/go$q ]] && break; sleep 0.05; done
        tail -n +1001 "$D/input"
    ) >"$D/feed$q" 2>/dev/null &
    OWNED_PIDS+=("$!")
    start_bg_stdin "$D/feed$q" "$D/pub$q" "$MQTLS" pub -h 127.0.0.1 -p "$P" -c -i "$id" -q "$q" -M "$w" \
        -t "kp/$q" -l --persist "$dir" -d
    local pub=$BG_PID
    wait_count "$D/count$q" 1000
    kill -STOP "$BROKER_PID"
    local from=$(($(wc -l <"$D/pub$q.err") + 1))
    touch "$D/go$q"
    # The window fills with messages nobody acknowledges. At a full window
    # the publisher takes acknowledgements until half of it is free (so a
    # batch leaves in one send), so how many are in flight when the broker
    # stalls depends on when the last acknowledgements came: between w/2+1
    # and w. Its -d line says how many, once a second went by without one.
    local i inflight=""
    for ((i = 0; i < 400; i++)); do
        inflight=$(tail -n +"$from" "$D/pub$q.err" |
            sed -n 's/^mqtls pub: \([0-9]*\) message(s) in flight, none acknowledged .*/\1/p' | tail -n 1)
        [[ -n $inflight ]] && break
        sleep 0.05
    done
    [[ -n $inflight ]] || fail "QoS $q: the window did not fill ($(grep -c "sent PUBLISH" "$D/pub$q.err") PUBLISH" \
        "sent, $(grep -c "received PUB" "$D/pub$q.err") acknowledgements; publisher" \
        "$(kill -0 "$pub" 2>/dev/null && echo running || echo gone))"
    ((inflight > w / 2 && inflight <= w)) || fail "QoS $q: $inflight in flight, not $((w / 2 + 1)) to $w"
    kill -9 "$pub"
    wait "$pub" 2>/dev/null || true
    local sent acked
    sent=$(grep -c "sent PUBLISH" "$D/pub$q.err")
    acked=$(grep -c "received $([[ $q == 1 ]] && echo PUBACK || echo PUBCOMP)" "$D/pub$q.err")
    assert_eq "QoS $q: each PUBLISH sent is acknowledged or in flight" "$sent" "$((acked + inflight))"
    kill -CONT "$BROKER_PID"
    expect_status "QoS $q: restart after kill -9" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -c -i "$id" -q "$q" \
        -M "$w" -t "kp/$q" -l --persist "$dir" <"$D/input"
    assert_contains "QoS $q: the restart resends what was stored" "$inflight unacknowledged message(s) to resend" "$D/err"
    assert_contains "QoS $q: and skips what was stored" "skipping the $sent input line(s) already stored" "$D/err"
    wait_count "$D/count$q" "$N" 30
    kill -INT "$counter"
    wait "$counter" 2>/dev/null || true
    local missing
    missing=$(comm -23 <(sort "$D/input") <(sort -u "$D/count$q"))
    [[ -z $missing ]] || fail "QoS $q: lost after kill -9: $(echo "$missing" | head -n 3) ($(echo "$missing" | wc -l))"
    local dups=$(($(wc -l <"$D/count$q") - N))
    if [[ $q == 2 ]]; then assert_eq "QoS 2: duplicates after kill -9" 0 "$dups"; fi
    note "kill -9 at QoS $q with $inflight in flight (-M $w): $N of $N lines arrived, $dups duplicate(s)"
    assert_eq "QoS $q: a finished run resets the input position" 00000000000000000000 "$(cat "$dir/input-position")"
}

kill_and_resume 1 100
kill_and_resume 2 20

# ---- SIGINT with --persist: the summary says the rest is persisted ---------------------------
mkfifo "$D/feedint"
(
    for ((i = 0; i < 400; i++)); do [[ -e $D/goint ]] && break; sleep 0.05; done
    seq -f 'int %g' 1 4
    sleep 30
) >"$D/feedint" 2>/dev/null &
OWNED_PIDS+=("$!")
start_bg_stdin "$D/feedint" "$D/intpub" "$MQTLS" pub -h 127.0.0.1 -p "$P" -c -i intpub -q 1 -t int/t -l \
    --persist "$D/pint" -d
intpub=$BG_PID
for ((i = 0; i < 200; i++)); do grep -q "received CONNACK" "$D/intpub.err" && break; sleep 0.05; done
kill -STOP "$BROKER_PID"
touch "$D/goint"
for ((i = 0; i < 200; i++)); do [[ $(grep -c "sent PUBLISH" "$D/intpub.err") -ge 4 ]] && break; sleep 0.05; done
kill -INT "$intpub"
wait_bg "$intpub" "pub --persist after SIGINT" 15
kill -CONT "$BROKER_PID"
assert_eq "SIGINT with --persist: exit" 5 "$BG_STATUS"
assert_contains "SIGINT with --persist: summary" "4 unacknowledged (persisted in $D/pint: a restart with the same -i, -c and --persist resends them)" "$D/intpub.err"
expect_status "the persisted ones are resent" 0 "$MQTLS" pub -h 127.0.0.1 -p "$P" -c -i intpub -q 1 -t int/t -l \
    --persist "$D/pint" </dev/null
assert_contains "resend after SIGINT" "4 unacknowledged message(s) to resend" "$D/err"

# ---- flags ---------------------------------------------------------------------------------
expect_status "--persist without -l" 1 "$MQTLS" pub -h 127.0.0.1 -p "$P" -c -i x -q 1 -t t -m x --persist "$D/px"
expect_status "--persist at QoS 0" 1 "$MQTLS" pub -h 127.0.0.1 -p "$P" -c -i x -t t -l --persist "$D/px" </dev/null
expect_status "--persist without -c" 1 "$MQTLS" pub -h 127.0.0.1 -p "$P" -i x -q 1 -t t -l --persist "$D/px" </dev/null
expect_status "--persist of another client" 1 "$MQTLS" pub -h 127.0.0.1 -p "$P" -c -i other -q 1 -t t -l \
    --persist "$D/persist1" </dev/null
assert_contains "another client's session" "belongs to another client id" "$D/err"

# ---- --ack-timeout: a broker that stops acknowledging --------------------------------------------
start_bg "$D/acksub" "$MQTLS" sub -h 127.0.0.1 -p "$P" -c -i acksub -q 1 -t ack/t -C 3 -W 30
acksub=$BG_PID
wait_subscribed acksub ack/t
mkfifo "$D/feedack"
(
    echo one
    for ((i = 0; i < 400; i++)); do [[ -e $D/goack ]] && break; sleep 0.05; done
    printf 'two\nthree\n'
) >"$D/feedack" 2>/dev/null &
OWNED_PIDS+=("$!")
start_bg_stdin "$D/feedack" "$D/ackpub" "$MQTLS" pub -h 127.0.0.1 -p "$P" -c -i ackpub -q 1 -t ack/t -l \
    --ack-timeout 300 -d
ackpub=$BG_PID
wait_count "$D/acksub" 1
kill -STOP "$BROKER_PID"
touch "$D/goack"
for ((i = 0; i < 200; i++)); do grep -q "lost (" "$D/ackpub.err" && break; sleep 0.05; done
kill -CONT "$BROKER_PID"
wait_bg "$ackpub" "pub --ack-timeout" 30
assert_eq "pub --ack-timeout exit" 0 "$BG_STATUS"
assert_contains "the deadline named" "acknowledged within" "$D/ackpub.err"
wait_bg "$acksub" "sub of the --ack-timeout run" 30
assert_eq "every message after the deadline" "$(printf 'one\nthree\ntwo')" "$(sort -u "$D/acksub")"
note "persist ok"
