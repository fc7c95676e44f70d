#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# MQTT 5 PUBLISH properties end to end, checked by the other side:
# mqtls pub -D ... is read by mosquitto_sub -V 5 -F, mosquitto_pub -D ... is
# printed by mqtls sub -F with the same format; and a request/response round
# (response topic + correlation data) between three processes.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

start_broker
P=$BROKER_PORT
D=$TEST_DIR
FMT='%t|%p|P=%P|C=%C|R=%R|D=%D|F=%F|E=%E'
PROPS=(-D publish user-property site north -D publish user-property unit °C -D publish content-type text/plain
    -D publish response-topic reply/here -D publish correlation-data req-17 -D publish payload-format-indicator 1
    -D publish message-expiry-interval 300)
WANT='props/t|21.5|P=site:north unit:°C|C=text/plain|R=reply/here|D=req-17|F=1|E=300'

# mqtls -> mosquitto_sub
start_bg "$D/mosq.out" mosquitto_sub -V 5 -h 127.0.0.1 -p "$P" -i v5-mosq-sub -t props/t -q 1 -C 1 -W 10 -F "$FMT"
pid=$BG_PID
wait_subscribed v5-mosq-sub props/t
expect_status "mqtls pub with properties" 0 "$MQTLS" pub -V 5 -h 127.0.0.1 -p "$P" -t props/t -q 1 -m 21.5 "${PROPS[@]}"
wait_bg "$pid" "mosquitto_sub" 10
assert_eq "mosquitto_sub sees mqtls's properties" "$WANT" "$(cat "$D/mosq.out")"

# mosquitto_pub -> mqtls
start_bg "$D/mqtls.out" "$MQTLS" sub -V 5 -h 127.0.0.1 -p "$P" -i v5-mqtls-sub -t props/t -q 1 -C 1 -W 10 -F "$FMT"
pid=$BG_PID
wait_subscribed v5-mqtls-sub props/t
mosquitto_pub -V 5 -h 127.0.0.1 -p "$P" -t props/t -q 1 -m 21.5 "${PROPS[@]}" || fail "mosquitto_pub"
wait_bg "$pid" "mqtls sub" 10
assert_eq "mqtls sub prints mosquitto_pub's properties" "$WANT" "$(cat "$D/mqtls.out")"

# A message without properties prints empty fields, as mosquitto_sub does.
start_bg "$D/plain.out" "$MQTLS" sub -V 5 -h 127.0.0.1 -p "$P" -i v5-plain -t plain/t -C 1 -W 10 -F "$FMT"
pid=$BG_PID
wait_subscribed v5-plain plain/t
"$MQTLS" pub -h 127.0.0.1 -p "$P" -t plain/t -m x || fail "3.1.1 publisher"
wait_bg "$pid" "mqtls sub (plain)" 10
assert_eq "no properties" "plain/t|x|P=|C=|R=|D=|F=|E=" "$(cat "$D/plain.out")"
note "properties survive both ways"

# ---- request / response ------------------------------------------------------------
# The responder prints where to answer and the correlation data; the script
# answers there with the same correlation data, and the requester, waiting
# on its own response topic, checks it is the answer to its request.
start_bg "$D/requester.out" "$MQTLS" sub -V 5 -h 127.0.0.1 -p "$P" -i v5-requester -t 'resp/v5-requester' -C 1 \
    -W 10 -F '%D %p'
requester=$BG_PID
wait_subscribed v5-requester resp/v5-requester
start_bg "$D/responder.out" "$MQTLS" sub -V 5 -h 127.0.0.1 -p "$P" -i v5-responder -t 'svc/time' -q 1 -C 1 -W 10 \
    -F '%R %D %p'
responder=$BG_PID
wait_subscribed v5-responder svc/time
expect_status "request" 0 "$MQTLS" pub -V 5 -h 127.0.0.1 -p "$P" -t svc/time -q 1 -m "what time?" \
    -D publish response-topic resp/v5-requester -D publish correlation-data "id-42"
wait_bg "$responder" "responder" 10
read -r rtopic corr _ <"$D/responder.out"
assert_eq "request as seen by the responder" "resp/v5-requester id-42" "$rtopic $corr"
expect_status "response" 0 "$MQTLS" pub -V 5 -h 127.0.0.1 -p "$P" -t "$rtopic" -q 1 -m "noon" \
    -D publish correlation-data "$corr"
wait_bg "$requester" "requester" 10
assert_eq "response matched by correlation data" "id-42 noon" "$(cat "$D/requester.out")"
note "request/response with response topic and correlation data"

# ---- will properties ------------------------------------------------------------------
start_bg "$D/will.out" mosquitto_sub -V 5 -h 127.0.0.1 -p "$P" -i v5-will-watch -t will/v5 -C 1 -W 10 -F '%t|%p|P=%P|C=%C'
watcher=$BG_PID
wait_subscribed v5-will-watch will/v5
start_bg "$D/dying.out" "$MQTLS" sub -V 5 -h 127.0.0.1 -p "$P" -i v5-dying -t v5-dummy -W 30 \
    --will-topic will/v5 --will-payload bye -D will user-property why crash -D will content-type text/plain
dying=$BG_PID
wait_subscribed v5-dying v5-dummy
# (the braces keep bash's "Killed" job notice out of the test output)
{ kill -9 "$dying" && wait "$dying"; } 2>/dev/null || true
wait_bg "$watcher" "will watcher" 10
assert_eq "will with its properties" "will/v5|bye|P=why:crash|C=text/plain" "$(cat "$D/will.out")"
note "will properties"
