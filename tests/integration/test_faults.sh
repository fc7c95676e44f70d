#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Nothing lost under faults: a QoS 1/2 stream through a proxy that cuts the
# connection hundreds of times, to a real mosquitto, and a subscriber
# (`mqtls sub`, connected directly, no faults) that must see every message.
#
#   fault_stream (library, reconnects with clean session 0, republishes
#   nothing itself)  ->  faultproxy.py  ->  mosquitto  ->  mqtls sub
#
# Runs (cuts: "down" = after 8..24 bytes from the broker, i.e. the CONNACK
# and a few acknowledgements, often in the middle of one, while the client's
# resends and new PUBLISHes are cut wherever they happen to be; this bounds
# each connection's progress, so the count of cuts is predictable):
#   q1-cut    3.1.1 QoS 1, 2000 messages, "down" cuts with FIN, >= 200 cuts:
#             every message at least once; duplicates counted and printed
#   q2-reset  5.0 QoS 2, 500 messages, "down" cuts with RST, >= 200 cuts:
#             every message exactly once
#   q1-any    5.0 QoS 1, 1000 messages, a cut after 150..450 bytes counted
#             both ways (FIN): every message at least once
#   q1-timed  5.0 QoS 1, 1000 messages, a cut every 100 ms and 5 ms delay per
#             chunk: every message at least once
#   q2-split  3.1.1 QoS 2, 100 messages relayed one byte per write: no
#             reconnect at all, every message exactly once, in order
# Ordering [MQTT-4.6.0-*]: per topic, for one QoS, the first arrival of each
# message comes after the first arrival of every earlier one (a QoS 1 resend
# after a reconnect may repeat what was already delivered; QoS 2 never
# repeats). Issue 13's resend bug (records not yet resent went out right
# after CONNECT, before the CONNACK, then all again from the oldest) broke
# that; since its fix the order is enforced in every run (MQTLS_STRICT_ORDER=0
# turns it back into a printed warning, for bisecting).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

STREAM=${MQTLS_FAULT_STREAM:?set MQTLS_FAULT_STREAM to the fault_stream test program}
HERE=$(cd "$(dirname "$0")" && pwd)
D=$TEST_DIR
start_broker
PROXY_N=0

# start_proxy ARGS... : a faultproxy.py in front of the broker; PROXY_PORT, PROXY_LOG.
start_proxy() {
    local i
    PROXY_N=$((PROXY_N + 1))
    PROXY_LOG=$D/proxy$PROXY_N.log
    start_bg "$PROXY_LOG" python3 "$HERE/faultproxy.py" "$BROKER_PORT" --port-file "$D/proxy$PROXY_N.port" "$@"
    for ((i = 0; i < 100; i++)); do
        [[ -s $D/proxy$PROXY_N.port ]] && break
        sleep 0.05
    done
    PROXY_PORT=$(cat "$D/proxy$PROXY_N.port" 2>/dev/null) || fail "faultproxy.py did not start: $(cat "$PROXY_LOG.err")"
}

# check_stream NAME FILE COUNT QOS STRICT: the subscriber's lines against m000000..COUNT-1.
# STRICT=1: order is always enforced (no faults that could trigger the known bug).
check_stream() {
    local name=$1 file=$2 count=$3 qos=$4 strict=$5 report missing dups order
    report=$(grep -v '^end$' "$file" | awk -v n="$count" '
        { if (!($0 in seen)) { seen[$0] = 1; k = substr($0, 2) + 0
                               if (k < last) bad++; last = k; uniq++ } else dups++ }
        END { miss = 0; for (i = 0; i < n; i++) if (!(sprintf("m%06d", i) in seen)) miss++
              printf "%d %d %d %d\n", miss, dups + 0, bad + 0, uniq + 0 }')
    read -r missing dups order uniq <<<"$report"
    note "$name: $uniq distinct of $count, $missing missing, $dups duplicates, $order out of order"
    ((missing == 0)) || fail "$name: $missing messages lost"
    ((uniq == count)) || fail "$name: $uniq distinct messages, expected $count (unexpected payloads?)"
    if ((qos == 2)); then
        ((dups == 0)) || fail "$name: QoS 2 delivered $dups duplicates"
    fi
    if ((order > 0)); then
        if ((strict == 1)) || [[ ${MQTLS_STRICT_ORDER:-1} == 1 ]]; then
            fail "$name: $order messages arrived before an earlier one [MQTT-4.6.0]"
        fi
        echo "WARNING: $name: $order messages out of order (MQTLS_STRICT_ORDER=0)"
    fi
}

# run NAME VERSION QOS COUNT MIN_CUTS STRICT PROXY-ARGS...
run() {
    local name=$1 ver=$2 qos=$3 count=$4 min_cuts=$5 strict=$6 i sub cuts
    shift 6
    start_proxy "$@"
    start_bg "$D/$name.sub" "$MQTLS" sub -V "$([[ $ver == 5 ]] && echo 5 || echo 311)" -h 127.0.0.1 -p "$BROKER_PORT" -i "sub-$name" \
        -t "fault/$name" -q "$qos"
    sub=$BG_PID
    wait_subscribed "sub-$name" "fault/$name"
    timeout 200 "$STREAM" "$PROXY_PORT" "$ver" "$qos" "$count" "pub-$name" "fault/$name" \
        >"$D/$name.pub" 2>"$D/$name.pub.err" || fail "$name: fault_stream failed: $(cat "$D/$name.pub.err")"
    [[ -s $D/$name.pub.err ]] && fail "$name: fault_stream wrote to stderr: $(cat "$D/$name.pub.err")"
    # Every message was acknowledged by the broker; the end marker goes behind them.
    mosquitto_pub -h 127.0.0.1 -p "$BROKER_PORT" -t "fault/$name" -q "$qos" -m end ||
        fail "$name: mosquitto_pub of the end marker failed"
    for ((i = 0; i < 1500; i++)); do
        grep -qx end "$D/$name.sub" && break
        kill -0 "$sub" 2>/dev/null || fail "$name: the subscriber died: $(cat "$D/$name.sub.err")"
        sleep 0.02
    done
    grep -qx end "$D/$name.sub" || fail "$name: the subscriber never got the end marker"
    kill "$sub"
    wait_bg "$sub" "$name subscriber" 10
    assert_eq "$name: subscriber exit status after SIGTERM" 0 "$BG_STATUS"
    cuts=$(grep -c '^cut ' "$PROXY_LOG" || true)
    note "$name: $(cat "$D/$name.pub"), $cuts forced disconnects"
    ((cuts >= min_cuts)) || fail "$name: only $cuts forced disconnects, expected at least $min_cuts"
    check_stream "$name" "$D/$name.sub" "$count" "$qos" "$strict"
}

run q1-cut 4 1 2000 200 0 --cut-bytes 16 --count down --seed 1
run q2-reset 5 2 500 200 0 --cut-bytes 16 --count down --reset --seed 2
run q1-any 5 1 1000 20 0 --cut-bytes 300 --count both --seed 3
run q1-timed 5 1 1000 5 0 --cut-ms 100 --delay 5 --seed 4
run q2-split 4 2 100 0 1 --split
grep -q 'connects=1 ' "$D/q2-split.pub" || fail "q2-split: the proxy cut nothing, yet the client reconnected: $(cat "$D/q2-split.pub")"
note "every message arrived through the faults"
