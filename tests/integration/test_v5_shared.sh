#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MQTT 5 shared subscriptions: two subscribers in group "g" on
# $share/g/shared/t share 20 QoS 1 messages: each gets some, none is lost,
# none is delivered twice.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_broker
P=$BROKER_PORT
D=$TEST_DIR
N=20

start_bg "$D/a.out" "$MQTLS" sub -V 5 -h 127.0.0.1 -p "$P" -i v5-share-a -t '$share/g/shared/t' -q 1 -W 20
a=$BG_PID
start_bg "$D/b.out" "$MQTLS" sub -V 5 -h 127.0.0.1 -p "$P" -i v5-share-b -t '$share/g/shared/t' -q 1 -W 20
b=$BG_PID
wait_subscribed v5-share-a '$share/g/shared/t'
wait_subscribed v5-share-b '$share/g/shared/t'
seq 1 "$N" >"$D/sent"
"$MQTLS" pub -V 5 -h 127.0.0.1 -p "$P" -t shared/t -q 1 -l <"$D/sent" || fail "publishing $N messages"
for ((i = 0; i < 500; i++)); do
    (($(cat "$D/a.out" "$D/b.out" | wc -l) >= N)) && break
    sleep 0.02
done
kill -TERM "$a" "$b"
wait_bg "$a" "subscriber a" 5
wait_bg "$b" "subscriber b" 5
na=$(wc -l <"$D/a.out")
nb=$(wc -l <"$D/b.out")
((na > 0 && nb > 0)) || fail "both subscribers should get a share: a=$na b=$nb"
sort -n "$D/a.out" "$D/b.out" >"$D/got"
assert_file_eq "every message exactly once across the group" "$D/sent" "$D/got"
note "shared subscription: a got $na, b got $nb of $N"
