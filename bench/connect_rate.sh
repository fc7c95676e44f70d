#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Connect rate of `mqtls bench conn` against mosquitto over mutual TLS,
# EC P-256, every device with its own certificate (issued by the test CA
# before the run, not timed), at several --connect-concurrency values, on
# both engines, in one run. A private mosquitto (require_certificate,
# use_identity_as_username) on 127.0.0.1 from tests/integration/lib.sh.
# Prints connections per second and the handshake p50 per row; the script
# fails if a device fails. K=1 is the sequential connect of before.
#
# Usage: bench/connect_rate.sh [-n DEVICES] [-k "1 4 16 64"] [-e "openssl mbedtls"]
# Environment: MQTLS, a Release mqtls (default build/gcc/mqtls).

set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=500
KS="1 4 16 64"
ENGINES="openssl mbedtls"
while getopts "n:k:e:h" opt; do
    case $opt in
    n) N=$OPTARG ;;
    k) KS=$OPTARG ;;
    e) ENGINES=$OPTARG ;;
    *) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 1 ;;
    esac
done
export MQTLS=${MQTLS:-$ROOT/build/gcc/mqtls}
# shellcheck source=tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"
ulimit -n $((N * 2 + 256)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
tls_make_pki
tls_listener main server "max_connections -1"
start_listeners
echo "mqtls bench conn -c $N, mutual TLS EC P-256, one certificate per device; $("$MOSQUITTO" -h | head -n 1)"
printf "%-8s %6s %10s %16s\n" engine K "conn/s" "handshake p50 ms"
for e in $ENGINES; do
    for k in $KS; do
        # shellcheck disable=SC2154 # PORT_main comes from start_listeners
        "$MQTLS" bench conn -c "$N" --connect-concurrency "$k" -i "r$e$k-%i" -p "$PORT_main" --cafile "$PKI/ca.pem" \
            --ca-cert "$PKI/ca.pem" --ca-key "$PKI/ca.key" --tls-engine "$e" --json --quiet >"$TEST_DIR/r.json" ||
            fail "$e K=$k: $(jq -c '{connected, failed, errors}' "$TEST_DIR/r.json")"
        jq -r --arg e "$e" --arg k "$k" '"\($e) \($k) \(.conn_per_s) \(.latency.handshake.p50_us / 1000)"' \
            "$TEST_DIR/r.json" | awk '{ printf "%-8s %6s %10.1f %16.2f\n", $1, $2, $3, $4 }'
    done
done
