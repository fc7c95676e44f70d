#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The hostile-broker suite: the client against a scripted broker that breaks
# the protocol on purpose, one scenario per connection, 3.1.1 and 5.0.
#
# A real broker never sends a 5-byte remaining length or a topic alias 0, so
# the peer is fakebroker.py (Python stdlib), one process for the whole suite:
# it plays the scenario named by the client identifier and logs what the
# client sent back. The client is hostile_client (the library's C API, an
# ASan/LSan build under ctest), which prints the mqtls error name of the
# first call that failed. Each scenario pins down:
#   - the stage (connect, subscribe, publish, loop, or done) and the exact
#     error name;
#   - the DISCONNECT the client sent: its 5.0 reason code where the
#     specification requires one (0x81 malformed packet, 0x82 protocol
#     error, 0x94 topic alias invalid, 0x95 packet too large), "none" where
#     the client must just close (3.1.1 has no reason codes; a refused or
#     timed-out connection);
#   - sometimes a count (messages delivered, outstanding, dropped) or a
#     packet the client must answer with (PUBREL, PUBCOMP, PUBACK).
# No crash, no sanitizer report (the driver's stderr must stay empty), no
# hang: every run is wrapped in timeout(1) and no client call waits more
# than 2 s. The runs go in parallel (the broker serves each connection in
# its own thread), so the suite takes about 15 s.
#
# MQTLS_HOSTILE_ONLY=REGEX runs only the matching scenarios (by hand).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"

CLIENT=${MQTLS_HOSTILE_CLIENT:?set MQTLS_HOSTILE_CLIENT to the hostile_client test program}
HERE=$(cd "$(dirname "$0")" && pwd)
D=$TEST_DIR
JOBS=8

# rep N HEX: HEX repeated N times (for packets larger than the receive buffer).
rep() {
    local i out=""
    for ((i = 0; i < $1; i++)); do out+="$2 "; done
    echo "$out"
}
P597=$(rep 597 78)   # payload of a PUBLISH of about 600 bytes (rx_buf is 512)
# The end marker: a QoS 0 PUBLISH on topic "e". With the action "marker" the
# client runs its loop until it arrives, so counts do not depend on speed.
M4="30 03 00 01 65"
M5="30 04 00 01 65 00"

# The clauses the scenarios pin, the client refusing what the broker must not send:
#   3.1.1 [MQTT-2.2.2-2] reserved flags: v4-connack-flags, v4-puback-flags, v4-pubrel-flags-0, v4-publish-dup-qos0
#   3.1.1 [MQTT-3.3.1-4] QoS 3: v4-publish-qos3; [MQTT-2.3.1-1] id 0: v4-publish-q1-id0, v4-puback-id0
#   3.1.1 [MQTT-3.2.0-1] CONNACK first: v4-suback-before-connack; [MQTT-3.2.2-1]: v4-connack-sp-clean
#   3.1.1 [MQTT-4.8.0-1] violations close: v4-second-connack, v4-server-connect; [MQTT-3.9.3-2]: v4-suback-code-3
#   3.1.1 [MQTT-4.3.3-2] PUBREL answered with PUBCOMP: v4-pubrel-unknown; [MQTT-3.1.2-23] PINGREQ: v4-no-pingresp
#   5.0 [MQTT-2.1.3-1] reserved flags: v5-pubrel-flags-0; [MQTT-3.3.1-4] QoS 3: v5-publish-qos3
#   5.0 [MQTT-3.3.2-8] alias 0: v5-alias-0; [MQTT-3.1.2-26] alias above ours: v5-alias-above-max
#   5.0 [MQTT-3.4.2-1] PUBACK reason codes: v5-puback-bad-reason; [MQTT-3.3.4-9]: v5-receive-max-exceeded
#   5.0 [MQTT-3.2.2-11] maximum QoS: v5-connack-maxqos-0; [MQTT-1.5.7-1]: v5-prop-bad-utf8-user
#   5.0 [MQTT-1.5.4-1] bad UTF-8: v5-prop-bad-utf8-reason
# NAME VER ACTION STAGE ERR DISCONNECT [CHECK...] | broker actions
#   DISCONNECT: 0xNN the 5.0 reason code the client must send, none: the
#   client must send no DISCONNECT, -: either (e.g. a normal disconnect at
#   the end of a run that went well)
#   CHECK: msgs=N, outstanding=N, dropped=N (the driver's counts), or
#   sent:TYPE[:0xRC] (the client must have sent that packet, e.g. pubrel:0x92)
SCENARIOS=$(
    cat <<EOF
# ---- remaining length and framing
v4-rl-5byte           4 connect loop    MALFORMED_REMAINING_LENGTH none | connack; send 30 ff ff ff ff 7f
v5-rl-5byte           5 connect loop    MALFORMED_REMAINING_LENGTH 0x81 | connack; send 30 ff ff ff ff 7f
v4-connack-rl-5byte   4 connect connect MALFORMED_REMAINING_LENGTH none | send 20 80 80 80 80 01
v4-connack-256mb      4 connect connect CONNACK_TOO_LARGE none | send 20 ff ff ff 7f
v5-connack-256mb      5 connect connect RX_PACKET_TOO_LARGE 0x95 | send 20 ff ff ff 7f
v4-connack-len-3      4 connect connect LENGTH_MISMATCH none | send 20 03 00 00 00
v4-puback-len-3       4 pub1    loop    LENGTH_MISMATCH none | connack; expect publish; send 40 03 ID 00
v4-pingresp-len-1     4 connect loop    LENGTH_MISMATCH none | connack; send d0 01 00
v4-publish-oversize   4 marker  done    OK - msgs=1 dropped=1 | connack; send 30 d8 04 00 01 74 $P597; send $M4
v4-publish-oversize-q1 4 marker done    OK - msgs=1 dropped=1 sent:puback | connack; send 32 da 04 00 01 74 00 09 $P597; send $M4
v5-publish-oversize   5 connect loop    RX_PACKET_TOO_LARGE 0x95 | connack; send 30 d9 04 00 01 74 00 $P597
# ---- truncation
v4-connack-cut        4 connect connect CLOSED none | send 20 02 00; close
v5-connack-cut-props  5 connect connect CLOSED none | send 20 05 00 00 02 21; close
v4-publish-cut        4 connect loop    CLOSED none | connack; send 32 0a 00 03 61 2f 62; close
v4-suback-cut         4 sub     subscribe CLOSED none | connack; expect subscribe; send 90 03 ID; close
v5-puback-cut         5 pub1    loop    CLOSED none outstanding=1 | connack; expect publish; send 40 04 ID; close
v4-header-cut         4 connect loop    CLOSED none | connack; send 30; close
v4-length-cut         4 connect loop    CLOSED none | connack; send 30 ff ff; close
v5-publish-topic-past-end 5 connect loop TRUNCATED 0x81 | connack; send 30 04 00 05 61 00
v5-connack-props-past-end 5 connect connect PROPERTY_LENGTH 0x81 | send 20 04 00 00 05 21
# ---- fixed-header flags and CONNACK fields
v4-connack-flags      4 connect connect RESERVED_FLAGS none | send 21 02 00 00
v4-puback-flags       4 pub1    loop    RESERVED_FLAGS none | connack; expect publish; send 41 02 ID
v4-pubrel-flags-0     4 connect loop    RESERVED_FLAGS none | connack; send 60 02 00 01
v5-pubrel-flags-0     5 connect loop    RESERVED_FLAGS 0x81 | connack; send 60 02 00 01
v4-publish-qos3       4 connect loop    BAD_QOS none | connack; send 36 05 00 01 74 00 01
v5-publish-qos3       5 connect loop    BAD_QOS 0x81 | connack; send 36 06 00 01 74 00 01 00
v4-publish-dup-qos0   4 connect loop    RESERVED_FLAGS none | connack; send 38 03 00 01 74
v4-connack-ackflags   4 connect connect BAD_CONNACK_FLAGS none | send 20 02 02 00
v4-connack-code-6     4 connect connect BAD_CONNACK_CODE none | send 20 02 00 06
v4-connack-sp-clean   4 connect connect SESSION_PRESENT_INVALID none | send 20 02 01 00
v4-connack-refused-5  4 connect connect REFUSED_NOT_AUTHORIZED none | send 20 02 00 05
v5-connack-refused-87 5 connect connect REFUSED_NOT_AUTHORIZED none | send 20 03 00 87 00
v5-connack-reason-5   5 connect connect BAD_REASON_CODE 0x81 | send 20 03 00 05 00
v4-type-0             4 connect loop    BAD_PACKET_TYPE none | connack; send 00 00
v4-type-15            4 connect loop    BAD_PACKET_TYPE none | connack; send f0 00
v5-type-0             5 connect loop    BAD_PACKET_TYPE 0x81 | connack; send 00 00
# ---- packet identifiers
v4-publish-q1-id0     4 connect loop    ZERO_PACKET_ID none | connack; send 32 05 00 01 74 00 00
v5-publish-q2-id0     5 connect loop    ZERO_PACKET_ID 0x81 | connack; send 34 06 00 01 74 00 00 00
v4-puback-id0         4 pub1    loop    ZERO_PACKET_ID none | connack; expect publish; send 40 02 00 00
v4-suback-id0         4 sub     subscribe ZERO_PACKET_ID none | connack; expect subscribe; send 90 03 00 00 00
v4-puback-unknown     4 pub1    done    OK - | connack; expect publish; send 40 02 7f 7f; send 40 02 ID
v5-puback-unknown     5 pub1    done    OK - | connack; expect publish; send 40 02 7f 7f; send 40 02 ID
v4-pubrec-unknown     4 marker  done    OK - sent:pubrel | connack; send 50 02 12 34; expect pubrel; send $M4
v5-pubrec-unknown     5 marker  done    OK - sent:pubrel:0x92 | connack; send 50 02 12 34; expect pubrel; send $M5
v4-pubcomp-unknown    4 marker  done    OK - msgs=1 | connack; send 70 02 12 34; send $M4
v4-pubrel-unknown     4 marker  done    OK - sent:pubcomp | connack; send 62 02 12 34; expect pubcomp; send $M4
v5-pubrel-unknown     5 marker  done    OK - sent:pubcomp:0x92 | connack; send 62 02 12 34; expect pubcomp; send $M5
v4-suback-wrong-id    4 sub     subscribe TIMEOUT none | connack; expect subscribe; send 90 03 7f 7f 00
v4-unsuback-unsolicited 4 connect done  OK - | connack; send b0 02 00 09
v4-suback-code-3      4 sub     subscribe BAD_SUBACK_CODE none | connack; expect subscribe; send 90 03 ID 03
# ---- unexpected packet types
v4-server-connect     4 connect loop    UNEXPECTED_PACKET none | connack; send 10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61
v5-server-connect     5 connect loop    UNEXPECTED_PACKET 0x82 | connack; send 10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61
v4-second-connack     4 connect loop    PROTOCOL none | connack; send 20 02 00 00
v5-second-connack     5 connect loop    PROTOCOL 0x82 | connack; send 20 03 00 00 00
v4-suback-before-connack 4 connect connect CONNACK_EXPECTED none | send 90 03 00 01 00; connack
v5-publish-before-connack 5 connect connect CONNACK_EXPECTED none | send 30 04 00 01 74 00; connack
v4-server-subscribe   4 connect loop    UNEXPECTED_PACKET none | connack; send 82 06 00 01 00 01 74 01
v4-server-pingreq     4 connect loop    UNEXPECTED_PACKET none | connack; send c0 00
v4-server-disconnect  4 connect loop    UNEXPECTED_PACKET none | connack; send e0 00
v5-server-disconnect  5 connect loop    SERVER_DISCONNECT none | connack; send e0 01 8b
# ---- silence, slowness, floods, resets
v4-silent             4 connect connect TIMEOUT none | stall 4
v5-silent             5 connect connect TIMEOUT none | stall 4
v4-no-pingresp        4 wait    loop    KEEPALIVE_TIMEOUT none | connack; expect pingreq; stall 4
v4-trickle-connack    4 connect done    OK - | trickle 100 20 02 00 00
v5-trickle-suback     5 sub     done    OK - | connack; expect subscribe; trickle 50 90 04 ID 00 01
v4-trickle-too-slow   4 connect connect TIMEOUT none | trickle 1000 20 02 00 00
v4-flood-qos0         4 marker  done    OK - msgs=5001 | connack; flood 5000 30 04 00 01 74 78; send $M4
v4-flood-qos1         4 marker  done    OK - msgs=2001 | connack; flood 2000 32 06 00 01 74 00 01 78; send $M4
v5-flood-qos2-same-id 5 marker  done    OK - msgs=2 | connack; flood 1000 34 07 00 01 74 00 07 00 78; send $M5
v4-reset-after-connack 4 connect loop   RECV none | connack; reset
v4-close-after-connack 4 connect loop   CLOSED none | connack; close
v4-reset-before-connack 4 connect connect RECV none | reset
v4-close-mid-publish  4 pub1    loop    CLOSED none outstanding=1 | connack; expect publish; close
# ---- MQTT 5.0 properties
v5-prop-duplicate     5 connect connect DUPLICATE_PROPERTY 0x82 | send 20 09 00 00 06 21 00 01 21 00 02
v5-prop-not-allowed   5 connect connect PROPERTY_NOT_ALLOWED 0x81 | send 20 05 00 00 02 01 01
v5-prop-subid-connack 5 connect connect PROPERTY_NOT_ALLOWED 0x81 | send 20 05 00 00 02 0b 01
v5-prop-unknown-id    5 connect connect BAD_PROPERTY 0x81 | send 20 05 00 00 02 7f 00
v5-prop-bad-varint    5 connect loop    BAD_VARINT 0x81 | connack; send 30 0a 00 01 74 80 80 80 80 01 00 78
v5-prop-past-end      5 connect loop    PROPERTY_LENGTH 0x81 | connack; send 30 05 00 01 74 09 01
v5-prop-bad-utf8-user 5 connect loop    BAD_UTF8 0x81 | connack; send 30 0b 00 01 74 07 26 00 01 6b 00 01 fe
v5-prop-bad-utf8-reason 5 connect connect BAD_UTF8 0x81 | send 20 08 00 00 05 1f 00 02 c0 80
v5-alias-0            5 connect loop    BAD_PROPERTY_VALUE 0x82 | connack; send 30 08 00 01 74 03 23 00 00 78
v5-alias-above-max    5 connect loop    TOPIC_ALIAS_INVALID 0x94 | connack; send 30 08 00 01 74 03 23 00 05 78
v5-alias-unknown      5 connect loop    TOPIC_ALIAS_INVALID 0x94 | connack; send 30 07 00 00 03 23 00 02 78
v5-alias-ok           5 marker  done    OK - msgs=3 | connack; send 30 08 00 01 74 03 23 00 02 78; send 30 07 00 00 03 23 00 02 78; send $M5
v5-empty-topic-no-alias 5 connect loop  TOPIC_ALIAS_NEEDED 0x82 | connack; send 30 04 00 00 00 78
v5-connack-recvmax-0  5 connect connect BAD_PROPERTY_VALUE 0x82 | send 20 06 00 00 03 21 00 00
v5-connack-maxqos-2   5 connect connect BAD_PROPERTY_VALUE 0x82 | send 20 05 00 00 02 24 02
v5-connack-maxpkt-0   5 connect connect BAD_PROPERTY_VALUE 0x82 | send 20 08 00 00 05 27 00 00 00 00
v5-publish-subid-0    5 connect loop    BAD_PROPERTY_VALUE 0x82 | connack; send 30 07 00 01 74 02 0b 00 78
v5-puback-bad-reason  5 pub1    loop    BAD_REASON_CODE 0x81 | connack; expect publish; send 40 03 ID 05
v5-puback-topic-alias 5 pub1    loop    PROPERTY_NOT_ALLOWED 0x81 | connack; expect publish; send 40 07 ID 00 03 23 00 01
v5-auth-data-no-method 5 connect loop   AUTH_DATA_WITHOUT_METHOD 0x82 | connack; send f0 06 18 04 16 00 01 78
v5-receive-max-exceeded 5 rm4   loop    RECEIVE_MAXIMUM_EXCEEDED 0x93 | connack; send 34 06 00 01 74 00 01 00 34 06 00 01 74 00 02 00 34 06 00 01 74 00 03 00 34 06 00 01 74 00 04 00 34 06 00 01 74 00 05 00
v5-receive-max-4-ok   5 rm4     done    OK - msgs=4 | connack; send 34 06 00 01 74 00 01 00 34 06 00 01 74 00 02 00 34 06 00 01 74 00 03 00 34 06 00 01 74 00 04 00
v5-alias-too-long     5 connect loop    TOPIC_ALIAS_TOO_LONG 0x83 msgs=1 | connack; send 30 2f 00 28 $(rep 40 61) 03 23 00 01 78; send 30 07 00 00 03 23 00 01 78
v5-connack-maxpkt-small 5 pub1  publish PACKET_TOO_LARGE_FOR_SERVER - | send 20 08 00 00 05 27 00 00 00 05
v5-connack-maxqos-0   5 pub1    publish QOS_NOT_SUPPORTED - | send 20 05 00 00 02 24 00
v5-puback-refused     5 pub1    loop    PUBLISH_REFUSED - outstanding=0 | connack; expect publish; send 40 03 ID 87
v5-puback-quota       5 pub1    loop    QUOTA_EXCEEDED - outstanding=0 | connack; expect publish; send 40 03 ID 97
v5-pubrec-quota       5 pub2    loop    QUOTA_EXCEEDED  - outstanding=0 | connack; expect publish; send 50 03 ID 97
# ---- resend after a reconnect (three connections, split by ||): the second
# CONNACK allows one message in flight (receive maximum 1), the connection
# dies with two records not yet resent; on the third, nothing may come
# before the CONNACK [MQTT-4.4.0-1], then all three in order
v5-resend-cut         5 resume  done    OK - outstanding=0 | connack; expect publish; expect publish; expect publish; close || send 20 06 01 00 03 21 00 01; expect publish; close || silence 0.5; send 20 03 01 00 00; expect publish; expect publish; expect publish; send 40 02 00 01 40 02 00 02 40 02 00 03
v5-resend-plain       5 resume  done    OK - outstanding=0 | connack; expect publish; expect publish; expect publish; close || silence 0.5; send 20 03 01 00 00; expect publish; expect publish; expect publish; send 40 02 00 01 40 02 00 02 40 02 00 03
# ---- bursts before the acknowledgement a blocking call waits for
v4-burst-before-suback 4 sub    done    OK - msgs=100 | connack; expect subscribe; flood 100 30 04 00 01 74 78; send 90 03 ID 01
v5-burst-before-suback 5 sub    done    OK - msgs=100 | connack; expect subscribe; flood 100 30 05 00 01 74 00 78; send 90 04 ID 00 01
v4-burst-60-before-suback 4 sub done    OK - msgs=60 | connack; expect subscribe; flood 60 30 04 00 01 74 78; send 90 03 ID 01
EOF
)

# The CLI against the same broker: NAME VER CMD EXIT [FLAGS] | broker actions.
# Its exit status (cli_exit_help), and nothing the broker said reaches the
# terminal raw: stderr holds no control byte but newline (reason strings
# with ESC sequences are scrubbed), with or without -d.
CLI_SCENARIOS=$(
    cat <<'EOF'
cli-esc-disconnect    5 sub 4 --no-reconnect | connack; expect subscribe; send 90 04 ID 00 00; send e0 0b 8b 09 1f 00 06 1b 5b 32 4a 41 0a
cli-esc-disconnect-d  5 sub 4 -d --no-reconnect | connack; expect subscribe; send 90 04 ID 00 00; send e0 0b 8b 09 1f 00 06 1b 5b 32 4a 41 0a
cli-esc-refused       5 sub 3 --no-reconnect | send 20 0a 00 87 07 1f 00 04 1b 5d 30 3b
cli-c1-refused        5 pub 3 --no-reconnect | send 20 0a 00 87 07 1f 00 04 41 c2 9b 41
cli-esc-assigned-id-d 5 sub 2 -d --no-reconnect | send 20 0b 00 00 08 12 00 05 1b 5b 33 31 6d; expect subscribe; send 90 04 ID 00 00; close
cli-refused-311       4 sub 3 --no-reconnect | send 20 02 00 05
cli-bad-suback        4 sub 4 --no-reconnect | connack; expect subscribe; send 90 03 ID 03
cli-closed            4 sub 2 --no-reconnect | connack; expect subscribe; send 90 03 ID 00; close
cli-pub-reset         4 pub 2 --no-reconnect | connack; expect publish; reset
cli-pub-malformed     5 pub 4 --no-reconnect | connack; expect publish; send 40 03 ID 05
cli-pub-no-ack        4 pub 4 -k 1 --ack-timeout 1500 --no-reconnect | connack; pingpong 15
EOF
)

# Scenarios that fail today because of a known library bug: they still run
# (no crash, no hang, no sanitizer report), but their outcome is only
# checked with MQTLS_HOSTILE_KNOWN=1. Remove an entry when the fix lands.
declare -A KNOWN=(
    # none: the issue-13 fixes (resend after a cut, the pump count, unknown
    # PUBREC/PUBREL, the ack deadline) made every scenario pass
)

# ---- the broker --------------------------------------------------------------
: >"$D/scenarios"
while IFS='|' read -r head acts; do
    [[ -z $head || $head == \#* ]] && continue
    read -r name _ <<<"$head"
    if [[ $acts == *"||"* ]]; then # one line per connection: NAME@1, NAME@2, ...
        k=1
        while [[ -n $acts ]]; do
            echo "$name@$k: ${acts%%||*}" >>"$D/scenarios"
            [[ $acts == *"||"* ]] && acts=${acts#*||} || acts=""
            k=$((k + 1))
        done
        continue
    fi
    echo "$name: $acts" >>"$D/scenarios"
done <<<"$SCENARIOS"$'\n'"$CLI_SCENARIOS"
start_bg "$D/broker.log" python3 "$HERE/fakebroker.py" "$D/scenarios" --port-file "$D/port"
for ((i = 0; i < 100; i++)); do
    [[ -s $D/port ]] && break
    sleep 0.05
done
PORT=$(cat "$D/port" 2>/dev/null) || fail "fakebroker.py did not start: $(cat "$D/broker.log.err")"
BROKER_LOG=$D/broker.log

# ---- run every scenario, JOBS at a time ------------------------------------------
run_one() {
    local name=$1 ver=$2 action=$3 rc=0
    timeout 10 "$CLIENT" "$PORT" "$ver" "$name" "$action" >"$D/$name.out" 2>"$D/$name.err" || rc=$?
    echo "$rc" >"$D/$name.rc"
}
export -f run_one
export CLIENT PORT D
n=0
while IFS='|' read -r head _; do
    [[ -z $head || $head == \#* ]] && continue
    read -r name ver action _ <<<"$head"
    [[ -n ${MQTLS_HOSTILE_ONLY:-} && ! $name =~ $MQTLS_HOSTILE_ONLY ]] && continue
    echo "$name $ver $action"
done <<<"$SCENARIOS" >"$D/runs"
xargs -P "$JOBS" -L 1 bash -c 'run_one "$@"' _ <"$D/runs"
note "ran $(wc -l <"$D/runs") scenarios"

# ---- check them -----------------------------------------------------------------
# wait_end NAME: the broker has seen the connection end (its log is complete).
wait_end() {
    local i
    for ((i = 0; i < 600; i++)); do
        grep -qxF "$1 end" "$BROKER_LOG" && return 0
        sleep 0.02
    done
    fail "$1: the broker never saw the connection end"
}

checked=0
while IFS='|' read -r head _; do
    [[ -z $head || $head == \#* ]] && continue
    read -r name ver action stage err disc checks <<<"$head"
    [[ -n ${MQTLS_HOSTILE_ONLY:-} && ! $name =~ $MQTLS_HOSTILE_ONLY ]] && continue
    rc=$(cat "$D/$name.rc")
    [[ $rc == 124 ]] && fail "$name: hung (killed by timeout after 10 s)"
    [[ $rc == 0 ]] || fail "$name: the client exited $rc: $(cat "$D/$name.err")"
    [[ -s $D/$name.err ]] && fail "$name: stderr is not empty (sanitizer?): $(cat "$D/$name.err")"
    out=$(cat "$D/$name.out")
    if [[ -n ${KNOWN[$name]:-} && ${MQTLS_HOSTILE_KNOWN:-0} != 1 ]]; then
        wait_end "$name"
        echo "KNOWN BUG: $name: ${KNOWN[$name]} (got: $out; MQTLS_HOSTILE_KNOWN=1 to check it)"
        continue
    fi
    [[ $out == "stage=$stage err=$err "* ]] || fail "$name: expected stage=$stage err=$err, got: $out"
    wait_end "$name"
    grep -qxF "$name violation" "$BROKER_LOG" &&
        fail "$name: the client sent a packet while it had to wait: $(grep -F "$name " "$BROKER_LOG" | tr '\n' ';')"
    got_disc=$(awk -v n="$name" '$1 == n && $3 == "disconnect" { print ($4 == "" ? "sent" : substr($4, 4)) }' "$BROKER_LOG")
    case $disc in
        none) [[ -z $got_disc ]] || fail "$name: the client sent a DISCONNECT ($got_disc), expected none" ;;
        -) ;;
        *) [[ $got_disc == "$disc" ]] || fail "$name: expected DISCONNECT $disc, got [${got_disc:-none}]" ;;
    esac
    for c in $checks; do
        case $c in
            sent:*)
                IFS=: read -r _ type code <<<"$c"
                awk -v n="$name" -v t="$type" -v rc="${code:+rc=$code}" \
                    '$1 == n && $2 == "<-" && $3 == t && (rc == "" || index($0, rc)) { f = 1 } END { exit !f }' \
                    "$BROKER_LOG" || fail "$name: the client never sent $type${code:+ with reason $code}"
                ;;
            *) [[ " $out " == *" $c "* ]] || fail "$name: expected $c, got: $out" ;;
        esac
    done
    checked=$((checked + 1))
done <<<"$SCENARIOS"
# ---- the CLI ---------------------------------------------------------------------
cli_one() {
    local name=$1 ver=$2 cmd=$3 rc=0
    shift 3
    local -a args=(-h 127.0.0.1 -p "$PORT" -i "$name" -t t)
    [[ $ver == 5 ]] && args+=(-V 5)
    if [[ $cmd == pub ]]; then args+=(-q 1 -m x); else args+=(-W 5); fi
    timeout 10 "$MQTLS" "$cmd" "${args[@]}" "$@" >"$D/$name.out" 2>"$D/$name.err" || rc=$?
    echo "$rc" >"$D/$name.rc"
}
export -f cli_one
export MQTLS
while IFS='|' read -r head _; do
    read -r name ver cmd _ flags <<<"$head"
    echo "$name $ver $cmd${flags:+ $flags}" # no trailing blank: xargs -L would join lines
done <<<"$CLI_SCENARIOS" >"$D/cli-runs"
xargs -P "$JOBS" -L 1 bash -c 'cli_one "$@"' _ <"$D/cli-runs"
while IFS='|' read -r head _; do
    read -r name _ _ want _ <<<"$head"
    rc=$(cat "$D/$name.rc")
    if [[ -n ${KNOWN[$name]:-} && ${MQTLS_HOSTILE_KNOWN:-0} != 1 ]]; then
        echo "KNOWN BUG: $name: ${KNOWN[$name]} (exit $rc; MQTLS_HOSTILE_KNOWN=1 to check it)"
        continue
    fi
    [[ $rc == 124 ]] && fail "$name: mqtls hung (killed by timeout after 10 s)"
    [[ $rc == "$want" ]] || fail "$name: mqtls exited $rc, expected $want: $(cat -v "$D/$name.err")"
    LC_ALL=C grep -q $'[\x01-\x09\x0b-\x1f\x7f]' "$D/$name.err" &&
        fail "$name: a control character reached stderr: $(cat -v "$D/$name.err")"
    LC_ALL=C grep -q $'\xc2[\x80-\x9f]' "$D/$name.err" &&
        fail "$name: a C1 control reached stderr: $(cat -v "$D/$name.err")"
    [[ -s $D/$name.err ]] || fail "$name: exit $rc without a word on stderr"
    checked=$((checked + 1))
done <<<"$CLI_SCENARIOS"

grep -q "broker error" "$BROKER_LOG" && fail "fakebroker.py reported an error: $(grep "broker error" "$BROKER_LOG")"
[[ -n ${MQTLS_HOSTILE_ONLY:-} ]] || ((checked >= 50)) || fail "only $checked scenarios checked"
note "$checked scenarios: each gave its own error, no crash, no hang, no leak"
