#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A fleet of mutual-TLS devices: connections per second of `mqtls bench conn`
# (EC P-256 and RSA-2048 client certificates, mbedTLS and OpenSSL engines)
# against the same fleet made of `mosquitto_pub` processes, one per device,
# in the same run and against the same private mosquitto (require_certificate,
# use_identity_as_username); then the most concurrent sessions one mqtls
# process holds here, plain and TLS, with the resident memory per session.
#
# Usage: bench/fleet.sh [-n DEVICES] [-m MAX_SESSIONS] [-j PARALLEL]
#   -n  devices per connect-rate run (default 300)
#   -m  sessions for the concurrency run (default 5000; raise with care:
#       the broker needs a socket per session too)
#   -j  mosquitto_pub processes run at once (default 2, the cores here)
# Environment: MQTLS (a Release build).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
N=300
MAX=5000
PAR=2
while getopts "n:m:j:h" opt; do
    case $opt in
    n) N=$OPTARG ;;
    m) MAX=$OPTARG ;;
    j) PAR=$OPTARG ;;
    *) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 1 ;;
    esac
done
if [[ -z ${MQTLS:-} ]]; then
    for m in "$ROOT"/build/gcc/mqtls "$ROOT"/build*/mqtls; do [[ -x $m ]] && { MQTLS=$m; break; }; done
fi
[[ -n ${MQTLS:-} ]] || { echo "build mqtls first or set MQTLS" >&2; exit 1; }
export MQTLS
ulimit -n $((MAX * 2 + 512)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# shellcheck source=tests/integration/lib.sh disable=SC2154
. "$ROOT/tests/integration/lib.sh"
tls_make_pki
K=$PKI
tls_listener ec server "max_connections -1"
plain_listener plain
start_listeners
D=$TEST_DIR

# mqtls bench conn with KEY TYPE and ENGINE: connections per second.
mqtls_rate() {
    local type=$1 engine=$2 out="$D/m.$1.$2.json" cert key
    if [[ $type == ec ]]; then
        "$MQTLS" bench conn -c "$N" -p "$PORT_ec" --cafile "$K/ca.pem" --ca-cert "$K/ca.pem" --ca-key "$K/ca.key" \
            --tls-engine "$engine" --json --quiet >"$out"
    else
        cert=$K/client-rsa.pem key=$K/client-rsa.key
        "$MQTLS" bench conn -c "$N" -p "$PORT_ec" --cafile "$K/ca.pem" --cert "$cert" --key "$key" \
            --tls-engine "$engine" --json --quiet >"$out"
    fi
    jq -r '"\(.conn_per_s) \(.latency.handshake.p50_us) \(.latency.handshake.p99_us)"' "$out"
}

# The same fleet as N mosquitto_pub processes (PAR at a time), each connecting,
# publishing one QoS 0 message and disconnecting.
mosq_rate() {
    local type=$1 cert=$K/client.pem key=$K/client.key t0 t1
    [[ $type == rsa ]] && { cert=$K/client-rsa.pem key=$K/client-rsa.key; }
    t0=$(date +%s%N)
    seq 1 "$N" | xargs -P "$PAR" -I{} mosquitto_pub -h 127.0.0.1 -p "$PORT_ec" --cafile "$K/ca.pem" \
        --cert "$cert" --key "$key" -i "mosq-fleet-{}" -t fleet/{} -m x -q 0
    t1=$(date +%s%N)
    awk -v n="$N" -v ns=$((t1 - t0)) 'BEGIN { printf "%.1f", n / (ns / 1e9) }'
}

echo "mutual-TLS fleet of $N devices against mosquitto ($("$MOSQUITTO" -h 2>/dev/null | head -n 1)), 127.0.0.1"
echo "mqtls: $("$MQTLS" --version); peer: $N mosquitto_pub processes, $PAR at a time"
printf "%-8s %-8s %14s %14s %14s %16s %10s\n" key engine "mqtls conn/s" "hs p50 ms" "hs p99 ms" "mosquitto_pub/s" ratio
for type in ec rsa; do
    peer=$(mosq_rate "$type")
    for engine in mbedtls openssl; do
        read -r rate p50 p99 <<<"$(mqtls_rate "$type" "$engine")"
        printf "%-8s %-8s %14s %14s %14s %16s %9sx\n" "$type" "$engine" "$rate" \
            "$(awk -v v="$p50" 'BEGIN { printf "%.3f", v / 1000 }')" "$(awk -v v="$p99" 'BEGIN { printf "%.3f", v / 1000 }')" \
            "$peer" "$(awk -v a="$rate" -v b="$peer" 'BEGIN { printf "%.2f", a / b }')"
    done
done

echo
echo "concurrent sessions held by one mqtls bench process (connected at once, held 2 s)"
printf "%-10s %10s %12s %20s\n" transport sessions "connect s" "RSS bytes/session"
"$MQTLS" bench conn -c "$MAX" -p "$PORT_plain" -D 2 --json --quiet >"$D/max.plain.json" || true
jq -r '"plain      \(.connected|tostring|.[0:10])   \(.connect_s)   \(.rss_per_session_bytes)"' "$D/max.plain.json"
tls_n=$((MAX / 2))
"$MQTLS" bench conn -c "$tls_n" -p "$PORT_ec" --cafile "$K/ca.pem" --cert "$K/client.pem" --key "$K/client.key" \
    --tls-engine openssl -D 2 --json --quiet >"$D/max.tls.json" || true
jq -r '"tls-ossl   \(.connected)   \(.connect_s)   \(.rss_per_session_bytes)"' "$D/max.tls.json"
"$MQTLS" bench conn -c "$tls_n" -p "$PORT_ec" --cafile "$K/ca.pem" --cert "$K/client.pem" --key "$K/client.key" \
    --tls-engine mbedtls -D 2 --json --quiet >"$D/max.mbed.json" || true
jq -r '"tls-mbed   \(.connected)   \(.connect_s)   \(.rss_per_session_bytes)"' "$D/max.mbed.json"
