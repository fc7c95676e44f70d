#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The native mqtls client over the SimpleLink transport (ports/simplelink,
# mqtls/sl_transport.h), through the emulated CC3200 network processor,
# against a real mosquitto that demands a client certificate. The program is
# tests/integration/sl_native.c. Cases:
#   mutual TLS with files 126,127,128: connected and verified; then on MQTT
#   5.0 and on 3.1.1: QoS 0/1/2 round trip, a QoS 2 message resent after the
#   connection was dropped, delivered exactly once (both engines on 5.0);
#   a mosquitto_sub watcher with its own certificate sees the messages;
#   the CA by name (option 32) and the domain-name check (option 35, right
#   name) connect; a wrong name: -222 HOSTNAME_MISMATCH;
#   the CC3200 failure cases, each with its named mqtls error and the chip's
#   code: CA file missing -456 TLS_BAD_CA_FILE; bad key file -458
#   TLS_BAD_KEY_FILE; wrong CA -155 TLS_UNKNOWN_CA; device date unset -461
#   TLS_CERT_DATE; CA ID 0 -453 TLS_NOT_VERIFIED, and connected (verified=0)
#   only with --allow-unverified; handshake timeout -462
#   TLS_HANDSHAKE_TIMEOUT (a listener that never answers); nothing listening
#   -111 CONNECT_REFUSED.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2119 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"

NATIVE=${MQTLS_SL_NATIVE:-}
[[ -x $NATIVE ]] || fail "MQTLS_SL_NATIVE is not set to the sl_native test program"
D=$TEST_DIR
tls_make_pki
K=$PKI

tls_listener ec server
start_listeners
start_silent_listener
export MQTLS_SL_HANDSHAKE_TIMEOUT_MS=800

start_bg "$D/watch.out" mosquitto_sub -h 127.0.0.1 -p "$PORT_ec" "${MOSQ_TLS[@]}" -i watch-sln -t 'sln/#' -q 2 -v
wait_subscribed watch-sln 'sln/#'

# flash NAME KEY CERT CA: a store with 126 KEY, 127 CERT, 128 CA (PKI names; "-" = none)
flash() {
    local dir=$D/flash-$1
    mkdir -p "$dir"
    [[ $2 == - ]] || "$MQTLS" store put "$dir" 126 "$K/$2" >/dev/null || fail "store put $2"
    [[ $3 == - ]] || "$MQTLS" store put "$dir" 127 "$K/$3" >/dev/null || fail "store put $3"
    [[ $4 == - ]] || "$MQTLS" store put "$dir" 128 "$K/$4" --as ca >/dev/null || fail "store put $4"
    echo "$dir"
}
GOOD=$(flash good client.key client.pem ca.pem)
"$MQTLS" store put "$GOOD" ca-by-name "$K/ca.pem" --as ca >/dev/null || fail "store put ca-by-name"
NOCA=$(flash noca client.key client.pem -)
WRONGCA=$(flash wrongca client.key client.pem other-ca.pem)
BADKEY=$(flash badkey - client.pem ca.pem)
cp "$K/client.der" "$BADKEY/cert/126.der" # a certificate where the key belongs

# native WHAT STATUS FLASH ARGS... : run sl_native (port last), expect STATUS;
# its output in $D/out.
native() {
    local what=$1 want=$2 dir=$3 got=0
    shift 3
    timeout 60 "$NATIVE" --flash "$dir" "$@" >"$D/out" 2>"$D/err" || got=$?
    [[ ${MQTLS_TEST_VERBOSE:-0} == 1 ]] && note "$what: $(tr '\n' ' ' <"$D/out")"
    [[ $got == "$want" ]] || fail "$what: exit status $got, expected $want ($(cat "$D/out" "$D/err"))"
}

# expect_open WHAT "rc=NAME sl=CODE" FLASH ARGS... : the transport refuses with that error and code.
expect_open() {
    local what=$1 want=$2 dir=$3
    shift 3
    native "$what" 3 "$dir" --connect-only "$@"
    assert_eq "$what" "open $want" "$(sed -n 's/^\(open rc=[A-Z_0-9]* sl=-\{0,1\}[0-9]*\).*/\1/p' "$D/out")"
    grep -q '^sentence: .\{20,\}' "$D/out" || fail "$what: no sentence: $(cat "$D/out")"
}

# ---- mutual TLS and the round trips ------------------------------------------------
native "connect" 0 "$GOOD" --connect-only "$PORT_ec"
assert_contains "connect" "open rc=OK sl=0 SL_OK verified=1" "$D/out"

for engine in mbedtls openssl; do
    MQTLS_SL_ENGINE=$engine native "MQTT 5 round trip ($engine)" 0 "$GOOD" "$PORT_ec"
    for q in 0 1 2; do
        assert_eq "MQTT 5 QoS $q ($engine)" 1 "$(grep -c "^got sln/sln-v5-[0-9]*/q$q m$q qos=$q\$" "$D/out")"
    done
    assert_contains "MQTT 5 abort ($engine)" "aborted outstanding=1" "$D/out"
    assert_contains "MQTT 5 reconnect ($engine)" "reconnect rc=OK session_present=1" "$D/out"
    assert_contains "MQTT 5 resend ($engine)" "resend copies=1 outstanding=0" "$D/out"
done
native "MQTT 3.1.1 round trip" 0 "$GOOD" --v311 "$PORT_ec"
for q in 0 1 2; do
    assert_eq "MQTT 3.1.1 QoS $q" 1 "$(grep -c "^got sln/sln-v311-[0-9]*/q$q m$q qos=$q\$" "$D/out")"
done
assert_contains "MQTT 3.1.1 reconnect" "reconnect rc=OK session_present=1" "$D/out"
assert_contains "MQTT 3.1.1 resend" "resend copies=1 outstanding=0" "$D/out"

# The broker really carried them: the watcher got each resent message once.
for i in $(seq 100); do
    (($(grep -c '/end e$' "$D/watch.out") >= 3)) && break
    sleep 0.05
done
assert_eq "watcher: resent messages" 3 "$(grep -c '/resend r$' "$D/watch.out")"
assert_eq "watcher: QoS 2 messages" 3 "$(grep -c '/q2 m2$' "$D/watch.out")"

# ---- options 32 and 35 ------------------------------------------------------------
native "CA by name" 0 "$GOOD" --connect-only --files 126,127,0,0 --ca-name /cert/ca-by-name.der "$PORT_ec"
assert_contains "CA by name" "open rc=OK sl=0 SL_OK verified=1" "$D/out"
native "domain name" 0 "$GOOD" --connect-only --domain localhost "$PORT_ec"
assert_contains "domain name" "open rc=OK sl=0 SL_OK verified=1" "$D/out"
expect_open "wrong domain name" "rc=TLS_HOSTNAME_MISMATCH sl=-222" "$GOOD" --domain other.example "$PORT_ec"

# ---- the CC3200 failure cases --------------------------------------------------------
expect_open "CA file missing" "rc=TLS_BAD_CA_FILE sl=-456" "$NOCA" "$PORT_ec"
expect_open "bad key file" "rc=TLS_BAD_KEY_FILE sl=-458" "$BADKEY" "$PORT_ec"
expect_open "wrong CA" "rc=TLS_UNKNOWN_CA sl=-155" "$WRONGCA" "$PORT_ec"
expect_open "device date unset" "rc=TLS_CERT_DATE sl=-461" "$GOOD" --no-date "$PORT_ec"
assert_contains "device date unset: the advice" "device clock is unset" "$D/out"
expect_open "CA ID 0" "rc=TLS_NOT_VERIFIED sl=-453" "$GOOD" --files 126,127,0,0 "$PORT_ec"
native "CA ID 0, allowed" 0 "$GOOD" --connect-only --files 126,127,0,0 --allow-unverified "$PORT_ec"
assert_contains "CA ID 0, allowed" "open rc=OK sl=-453 SL_ESECSNOVERIFY verified=0" "$D/out"
expect_open "handshake timeout" "rc=TLS_HANDSHAKE_TIMEOUT sl=-462" "$GOOD" "$SILENT_PORT"
expect_open "nothing listening" "rc=CONNECT_REFUSED sl=-111" "$GOOD" "$(free_port)"

note "ok"
