#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Full against resumed TLS handshakes (`mqtls bench conn --reconnect`), per
# engine and TLS version, in one run: a private mosquitto from
# tests/integration/lib.sh (require_certificate, use_identity_as_username,
# EC P-256, one certificate per device) that negotiates TLS 1.3, and one
# held to TLS 1.2 (start_listeners --tls12-only).
#
# Two figures per row. Time: p50 of the handshake, full (each device's first
# connection) and resumed (its --reconnect rounds, offering the session it
# saved at the disconnect), one device at a time (--connect-concurrency 1).
# Instructions (callgrind, collected inside mbedtls_ssl_handshake or
# SSL_connect only): one device with --reconnect 0 is one full handshake,
# with --reconnect 5 one full and five resumed, so a resumed one is the
# difference / 5. The times move with the shared machine's load, the
# instruction counts do not. The script fails when a handshake that offered
# a session was not resumed.
#
# Usage: bench/resume_cost.sh [-n DEVICES] [-r RECONNECTS] [-e "openssl mbedtls"]
# Environment: MQTLS, a Release mqtls (default build/gcc/mqtls); MQTLS36, a
# Release mqtls built against mbedTLS 3.6 (-DMQTLS_MBEDTLS_ROOT=...) for
# rows "mbedtls-3.6" (none when unset).

set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=50
R=4
ENGINES="openssl mbedtls"
while getopts "n:r:e:h" opt; do
    case $opt in
    n) N=$OPTARG ;;
    r) R=$OPTARG ;;
    e) ENGINES=$OPTARG ;;
    *) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 1 ;;
    esac
done
export MQTLS=${MQTLS:-$ROOT/build/gcc/mqtls}
command -v valgrind >/dev/null || { echo "resume_cost.sh: needs valgrind" >&2; exit 1; }
# shellcheck source=tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"
tls_make_pki
tls_listener tls13 server "max_connections -1"
start_listeners
tls_listener tls12 server "max_connections -1"
start_listeners --tls12-only

# bench BINARY ENGINE PORT DEVICES RECONNECTS [VALGRIND...]: one run, its JSON in $TEST_DIR/r.json.
bench() {
    local bin=$1 engine=$2 port=$3 n=$4 r=$5
    shift 5
    "$@" "$bin" bench conn -c "$n" --reconnect "$r" --connect-concurrency 1 -i "rc-$engine-%i" -p "$port" \
        --cafile "$PKI/ca.pem" --ca-cert "$PKI/ca.pem" --ca-key "$PKI/ca.key" --tls-engine "$engine" --json \
        --quiet >"$TEST_DIR/r.json" 2>"$TEST_DIR/r.err" || { cat "$TEST_DIR/r.err" >&2; fail "bench $engine failed"; }
    [[ $(jq .resumed "$TEST_DIR/r.json") == $((n * r)) ]] ||
        fail "$engine on $port: $(jq -c '{reconnects, resumed}' "$TEST_DIR/r.json"), every reconnection should resume"
}

# instructions BINARY ENGINE PORT RECONNECTS: inside the handshake calls of one device.
instructions() {
    local fn=mbedtls_ssl_handshake
    [[ $2 == openssl ]] && fn=SSL_connect
    bench "$1" "$2" "$3" 1 "$4" valgrind --tool=callgrind --callgrind-out-file="$TEST_DIR/cg.out" \
        --toggle-collect="$fn"
    callgrind_annotate "$TEST_DIR/cg.out" | awk '/PROGRAM TOTALS/ && !n { gsub(",", "", $1); print $1; n = 1 }'
}

row() { # LABEL BINARY ENGINE PORT TLS
    local full resumed f r
    bench "$2" "$3" "$4" "$N" "$R"
    read -r f r < <(jq -r '"\(.latency.handshake_full.p50_us) \(.latency.handshake_resumed.p50_us)"' "$TEST_DIR/r.json")
    full=$(instructions "$2" "$3" "$4" 0)
    resumed=$(instructions "$2" "$3" "$4" 5)
    awk -v l="$1" -v v="$5" -v f="$f" -v r="$r" -v a="$full" -v b="$resumed" 'BEGIN {
        res = (b - a) / 5
        printf "%-12s %-4s %9.2f %9.2f %10.1f M %9.2f M %6.1f\n", l, v, f / 1000, r / 1000, a / 1e6, res / 1e6, a / res }'
}

echo "mqtls bench conn -c $N --reconnect $R --connect-concurrency 1, mutual TLS EC P-256; $("$MOSQUITTO" -h | head -n 1)"
printf "%-12s %-4s %9s %9s %12s %11s %6s\n" engine TLS "full ms" "res. ms" "full instr" "res. instr" ratio
for e in $ENGINES; do
    # shellcheck disable=SC2154 # PORT_<listener> come from start_listeners
    [[ $e == mbedtls ]] || row "$e" "$MQTLS" "$e" "$PORT_tls13" 1.3
    row "$e" "$MQTLS" "$e" "$PORT_tls12" 1.2
    if [[ $e == mbedtls && -n ${MQTLS36:-} ]]; then
        row mbedtls-3.6 "$MQTLS36" mbedtls "$PORT_tls13" 1.3
        row mbedtls-3.6 "$MQTLS36" mbedtls "$PORT_tls12" 1.2
    fi
done
