#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Mutual-TLS connection cost: N sequential connect + publish + disconnect
# cycles, each a new process, for `mqtls pub --tls-engine mbedtls`,
# `mqtls pub --tls-engine openssl` and `mosquitto_pub`, same PKI, same
# broker, same run.
#
# A private mosquitto (require_certificate, use_identity_as_username) on
# 127.0.0.1 with a fresh PKI from tests/integration/pki.sh: EC P-256 CA,
# server and client certificates. Each cycle publishes one 5-byte message at
# QoS 0 with --cafile/--cert/--key; a mosquitto_sub counts what arrives and
# the script fails if any cycle failed or any message is missing.
#
# Rounds, each with RUNS runs alternating the clients (median kept):
#   negotiated   a broker at mosquitto's defaults (TLS 1.2 minimum): each
#                client uses its best version (mbedTLS 2.28: 1.2; OpenSSL and
#                mosquitto_pub: 1.3)
#   tls1.2       a broker that stops at TLS 1.2: every client on TLS 1.2
#   plain        (not run by default) the same cycles without TLS: what a
#                process start, TCP and MQTT cost, for scale
# The ratio is mqtls time / mosquitto_pub time: below 1, mqtls is faster.
#
# Usage: bench/tls_connect.sh [-n CYCLES] [-r RUNS] [-R "negotiated tls1.2 plain"]
# Environment: MQTLS, the mqtls binary (default: build-rel/mqtls, build/mqtls,
# then build*/mqtls with TLS). Build it Release: a sanitizer build measures
# the sanitizer.

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
CYCLES=100
RUNS=3
ROUNDS="negotiated tls1.2"

while getopts "n:r:R:h" opt; do
    case $opt in
    n) CYCLES=$OPTARG ;;
    r) RUNS=$OPTARG ;;
    R) ROUNDS=$OPTARG ;;
    *) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 1 ;;
    esac
done

has_tls() { [[ -x $1 ]] && "$1" pub --help 2>/dev/null | grep -q -- --tls-engine; }
if [[ -z ${MQTLS:-} ]]; then
    for m in "$ROOT"/build-rel/mqtls "$ROOT"/build/mqtls "$ROOT"/build*/mqtls; do
        has_tls "$m" && { MQTLS=$m; break; }
    done
fi
[[ -n ${MQTLS:-} ]] || { echo "build mqtls with TLS first or set MQTLS" >&2; exit 1; }
has_tls "$MQTLS" || { echo "$MQTLS has no TLS flags" >&2; exit 1; }
export MQTLS

# The integration helpers: PKI, private broker on free ports, cleanup by PID.
# shellcheck source=tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"

now_ns() { date +%s%N; }
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

tls_make_pki
MQTLS_ARGS=(--cafile "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key")

TLS_CLIENTS=()
for e in mbedtls openssl; do
    # An engine not compiled in is refused as a usage error: skip it.
    if "$MQTLS" pub --tls-engine "$e" --help >/dev/null 2>&1; then
        TLS_CLIENTS+=("mqtls-$e")
    else
        echo "(skipping $e: $("$MQTLS" pub --tls-engine "$e" --help 2>&1 | head -n 1))"
    fi
done
TLS_CLIENTS+=(mosquitto_pub)

# one_cycle CLIENT PORT TOPIC (mqtls-plain and mosquitto_pub-plain: no TLS)
one_cycle() {
    case $1 in
    mqtls-plain) "$MQTLS" pub -h 127.0.0.1 -p "$2" -q 0 -t "$3" -m hello ;;
    mosquitto_pub-plain) mosquitto_pub -h 127.0.0.1 -p "$2" -q 0 -t "$3" -m hello ;;
    mqtls-*) "$MQTLS" pub --tls-engine "${1#mqtls-}" -h 127.0.0.1 -p "$2" "${MQTLS_ARGS[@]}" -q 0 -t "$3" -m hello ;;
    mosquitto_pub) mosquitto_pub -h 127.0.0.1 -p "$2" "${MOSQ_TLS[@]}" -q 0 -t "$3" -m hello ;;
    esac
}

# cycles CLIENT PORT TOPIC: CYCLES cycles; prints the elapsed nanoseconds.
cycles() {
    local i t0 t1
    t0=$(now_ns)
    for ((i = 0; i < CYCLES; i++)); do
        one_cycle "$1" "$2" "$3" >/dev/null 2>"$TEST_DIR/cycle.err" ||
            fail "$1: cycle $i failed: $(cat "$TEST_DIR/cycle.err")"
    done
    t1=$(now_ns)
    echo $((t1 - t0))
}

# version CLIENT PORT: the TLS version the client negotiates.
version() {
    case $1 in
    *-plain) echo none ;;
    mqtls-*)
        "$MQTLS" pub --tls-engine "${1#mqtls-}" -h 127.0.0.1 -p "$2" "${MQTLS_ARGS[@]}" -t bench/v -m v --tls-report 2>&1 |
            awk '$1 == "version:" { print $2; exit }' ;;
    mosquitto_pub)
        # mosquitto_pub is built on OpenSSL: ask openssl s_client with the same defaults.
        echo | openssl s_client -connect "127.0.0.1:$2" -CAfile "$PKI/ca.pem" -cert "$PKI/client.pem" \
            -key "$PKI/client.key" 2>/dev/null | awk '/^New, / { sub(",", "", $2); print $2; exit }' ;;
    esac
}

echo "mutual-TLS connect + publish (QoS 0, 5 bytes) + disconnect: $CYCLES sequential cycles per client, median of $RUNS runs"
echo "broker: $("$MOSQUITTO" -h 2>/dev/null | head -n 1), require_certificate, EC P-256 CA/server/client certificates"
echo "mqtls: $MQTLS ($("$MQTLS" --version)); $(mosquitto_pub --help 2>/dev/null | grep -m 1 version)"

for round in $ROUNDS; do
    CLIENTS=("${TLS_CLIENTS[@]}")
    SUB_TLS=("${MOSQ_TLS[@]}")
    case $round in
    negotiated) tls_listener bench server; start_listeners ;;
    tls1.2) tls_listener bench server; start_listeners --tls12-only ;;
    plain)
        plain_listener bench
        start_listeners
        CLIENTS=(mqtls-plain mosquitto_pub-plain)
        SUB_TLS=()
        ;;
    *) fail "unknown round '$round' (negotiated, tls1.2, plain)" ;;
    esac
    # shellcheck disable=SC2154 # set by start_listeners
    port=$PORT_bench
    start_bg "$TEST_DIR/sub-$round.out" mosquitto_sub -h 127.0.0.1 -p "$port" ${SUB_TLS[@]+"${SUB_TLS[@]}"} \
        -i "bench-count-$round" -t "bench/$round/#" -v
    sub_pid=$BG_PID
    wait_subscribed "bench-count-$round" "bench/$round/#"

    echo
    echo "round: $round"
    printf "%-22s %-8s %9s %12s %20s\n" client TLS "total s" "ms/cycle" "ratio to mosquitto_pub"
    declare -A ns=()
    for ((r = 0; r < RUNS; r++)); do
        for c in "${CLIENTS[@]}"; do
            ns[$c]+="$(cycles "$c" "$port" "bench/$round/$c") "
        done
    done
    # Every message must have arrived: RUNS * CYCLES per client.
    mosquitto_pub -h 127.0.0.1 -p "$port" ${SUB_TLS[@]+"${SUB_TLS[@]}"} -q 1 -t "bench/$round/end" -m end
    for ((i = 0; i < 500; i++)); do
        grep -q "^bench/$round/end end$" "$TEST_DIR/sub-$round.out" && break
        sleep 0.02
    done
    for c in "${CLIENTS[@]}"; do
        got=$(grep -c "^bench/$round/$c hello$" "$TEST_DIR/sub-$round.out" || true)
        [[ $got == $((RUNS * CYCLES)) ]] || fail "$round: $c: $got of $((RUNS * CYCLES)) messages arrived"
    done
    kill "$sub_pid"
    base=$(echo "${ns[${CLIENTS[-1]}]}" | median)
    for c in "${CLIENTS[@]}"; do
        m=$(echo "${ns[$c]}" | median)
        name=$c
        [[ $c == mqtls-* ]] && name="mqtls pub (${c#mqtls-})"
        [[ $c == mosquitto_pub-plain ]] && name="mosquitto_pub (plain)"
        awk -v n="$name" -v v="$(version "$c" "$port")" -v ns="$m" -v base="$base" -v cyc="$CYCLES" \
            'BEGIN { printf "%-22s %-8s %9.3f %12.2f %20.2f\n", n, v, ns / 1e9, ns / 1e6 / cyc, ns / base }'
    done
    unset ns
done
