#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Instructions of one mutual-TLS handshake, counted by callgrind, for every
# client in the same run: mqtls on mbedTLS 2.28 (Debian's), mqtls on
# mbedTLS 3.6 (scripts/mbedtls36-host.sh), mqtls on OpenSSL and
# mosquitto_pub (OpenSSL), with an EC P-256 and an RSA-2048 client
# certificate against a broker with a server certificate of the same kind.
#
# Only the handshake is counted (callgrind --toggle-collect on the function
# that drives it: mbedtls_ssl_handshake, SSL_connect), not the process
# start, the loading of keys or the MQTT exchange. Instructions, not time:
# the figure does not depend on the machine's load. "bignum" is the share of
# the counted instructions spent in multi-precision arithmetic (functions
# named *mpi*, *bignum*, from bignum*.c; OpenSSL's bn_*, BN_*, *_mont,
# ecp_nistz256_*), what the elliptic curve and RSA code run on. Debian's
# mbedTLS 2.28 library has no symbols for its static functions, so its
# share is a lower bound. The ratio is instructions / mosquitto_pub's.
#
# Rounds: negotiated (the broker's defaults: mbedTLS 2.28 stops at TLS 1.2,
# the others take 1.3) and tls1.2 (a broker that stops at TLS 1.2).
#
# --variants adds mbedTLS 3.6 builds with one configuration change each
# (ECP_NIST_OPTIM off, ECP_WINDOW_SIZE 2 and 6, ECP_FIXED_POINT_OPTIM
# 0, USE_PSA_CRYPTO, the p256-m PSA driver with USE_PSA_CRYPTO): mbedTLS and
# mqtls are built once each under build/hs/ (about 1.5 min a variant on 2
# cores) and reused by later runs.
#
# Usage: bench/handshake_cost.sh [--variants] [-R "negotiated tls1.2"]
# Environment: MQTLS_JOBS (2).

set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(dirname "$HERE")
JOBS=${MQTLS_JOBS:-2}
OUT=$ROOT/build/hs
ROUNDS="negotiated tls1.2"
VARIANTS=""
while (($#)); do
    case $1 in
    --variants) VARIANTS="no-nist-optim window2 window6 no-fixed-point use-psa p256m" ;;
    -R) ROUNDS=$2; shift ;;
    *) awk 'NR > 2 && !/^#/ { exit } NR > 2 { sub(/^# ?/, ""); print }' "$0"; exit 1 ;;
    esac
    shift
done
command -v valgrind >/dev/null || { echo "handshake_cost.sh: needs valgrind" >&2; exit 1; }
mkdir -p "$OUT"

# ---- builds (cached) ----------------------------------------------------------
# build_mqtls DIR [cmake args]: a Release mqtls CLI in DIR, once.
build_mqtls() {
    local dir=$1
    shift
    if [[ ! -x $dir/mqtls ]]; then
        echo "handshake_cost: building $dir" >&2
        cmake -S "$ROOT" -B "$dir" --log-level=WARNING -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER=gcc "$@" >&2
        cmake --build "$dir" -j "$JOBS" --target mqtls_cli >&2
    fi
}

# variant_lines NAME: what a variant appends to 3.6's default configuration.
variant_lines() {
    case $1 in
    no-nist-optim) echo "#undef MBEDTLS_ECP_NIST_OPTIM" ;;
    window2) echo "#define MBEDTLS_ECP_WINDOW_SIZE 2" ;;
    window6) echo "#define MBEDTLS_ECP_WINDOW_SIZE 6" ;;
    no-fixed-point) echo "#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0" ;;
    use-psa) echo "#define MBEDTLS_USE_PSA_CRYPTO" ;;
    p256m) printf '%s\n' "#define MBEDTLS_USE_PSA_CRYPTO" "#define MBEDTLS_PSA_P256M_DRIVER_ENABLED" ;;
    *) echo "handshake_cost.sh: unknown variant $1" >&2; exit 1 ;;
    esac
}

# build_variant NAME SRC: mbedTLS 3.6 with the variant's configuration in
# build/hs/mbedtls-NAME, then mqtls against it in build/hs/mqtls-3.6-NAME.
build_variant() {
    local prefix
    prefix=$(MQTLS_MBEDTLS36_SRC=$2 MQTLS_MBEDTLS36_CONFIG_EXTRA=$(variant_lines "$1") \
        "$ROOT/scripts/mbedtls36-host.sh" "$OUT/mbedtls-$1")
    local -a extra=()
    # The p256-m driver is a library of its own that mqtls's CMake does not know.
    [[ $1 == p256m ]] && extra=(-DCMAKE_C_STANDARD_LIBRARIES="$prefix/lib/libp256m.a")
    build_mqtls "$OUT/mqtls-3.6-$1" -DMQTLS_MBEDTLS_ROOT="$prefix" ${extra[@]+"${extra[@]}"}
}

build_mqtls "$OUT/mqtls-2.28"
P36=$("$ROOT/scripts/mbedtls36-host.sh")
build_mqtls "$OUT/mqtls-3.6" -DMQTLS_MBEDTLS_ROOT="$P36"
SRC36=$("$ROOT/scripts/mbedtls-src.sh" "$ROOT/build/mbedtls-3.6")
for v in $VARIANTS; do build_variant "$v" "$SRC36"; done

# ---- clients ------------------------------------------------------------------
# NAME=binary engine toggle-function
CLIENTS=("mqtls 2.28|$OUT/mqtls-2.28/mqtls|mbedtls|mbedtls_ssl_handshake"
    "mqtls 3.6|$OUT/mqtls-3.6/mqtls|mbedtls|mbedtls_ssl_handshake")
for v in $VARIANTS; do
    CLIENTS+=("mqtls 3.6 $v|$OUT/mqtls-3.6-$v/mqtls|mbedtls|mbedtls_ssl_handshake")
done
CLIENTS+=("mqtls openssl|$OUT/mqtls-2.28/mqtls|openssl|SSL_connect"
    "mosquitto_pub|mosquitto_pub||SSL_connect")

export MQTLS=$OUT/mqtls-2.28/mqtls
# shellcheck source=tests/integration/lib.sh
. "$ROOT/tests/integration/lib.sh"
tls_make_pki

# count CLIENT PORT KEY (ec|rsa): "instructions bignum-percent TLS-version"
count() {
    local name bin engine fn cert key out
    IFS='|' read -r name bin engine fn <<<"$1"
    cert=$PKI/client.pem key=$PKI/client.key
    [[ $3 == rsa ]] && { cert=$PKI/client-rsa.pem; key=$PKI/client-rsa.key; }
    out=$TEST_DIR/cg.$$.$RANDOM
    local -a cmd=("$bin" pub)
    [[ -n $engine ]] && cmd+=(--tls-engine "$engine")
    [[ $bin == mosquitto_pub ]] && cmd=(mosquitto_pub)
    valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect="$fn" \
        "${cmd[@]}" -h 127.0.0.1 -p "$2" --cafile "$PKI/ca.pem" --cert "$cert" --key "$key" \
        -q 0 -t bench/hs -m x >/dev/null 2>"$out.err" || {
        # One client that cannot connect does not hide the others' figures.
        echo "$name ($3): failed: $(grep -v '^==' "$out.err" | tail -n 2)" >&2
        echo "0 0 failed"
        return
    }
    local total bn
    total=$(awk '/^(summary|totals):/ { print $2; exit }' "$out")
    # Self cost per function; the 2.28 library has no debug info, so names decide.
    bn=$(callgrind_annotate --threshold=100 "$out" 2>/dev/null |
        awk -v BN='mpi|bignum|[^a-z]bn_|BN_|nistz256|_mont' '$1 ~ /^[0-9,]+$/ { n = $1; gsub(",", "", n); if ($0 ~ BN) s += n } END { print s + 0 }')
    local ver='?'
    if [[ -n $engine ]]; then
        ver=$("${cmd[@]}" -h 127.0.0.1 -p "$2" --cafile "$PKI/ca.pem" --cert "$cert" --key "$key" \
            -t bench/hs -m v --tls-report 2>&1 | awk '$1 == "version:" { print $2; exit }')
    fi
    echo "$total $bn $ver"
}

# openssl_version PORT KIND: what mosquitto_pub (OpenSSL's defaults) negotiates.
openssl_version() {
    local cert=$PKI/client.pem key=$PKI/client.key
    [[ $2 == rsa ]] && { cert=$PKI/client-rsa.pem; key=$PKI/client-rsa.key; }
    echo | openssl s_client -connect "127.0.0.1:$1" -CAfile "$PKI/ca.pem" -cert "$cert" -key "$key" 2>/dev/null |
        awk '/^New, / { sub(",", "", $2); print $2; exit }'
}

echo "one mutual-TLS handshake (client side), callgrind instructions (Ir); ratio to mosquitto_pub"
echo "broker: $("$MOSQUITTO" -h 2>/dev/null | head -n 1), require_certificate; $(mosquitto_pub --help | grep -m 1 version)"
for round in $ROUNDS; do
    tls_listener ec server
    tls_listener rsa server-rsa
    case $round in
    negotiated) start_listeners ;;
    tls1.2) start_listeners --tls12-only ;;
    *) fail "unknown round '$round' (negotiated, tls1.2)" ;;
    esac
    for kind in ec rsa; do
        port_var=PORT_$kind
        echo
        [[ $kind == ec ]] && echo "round $round, EC P-256 (server and client)" ||
            echo "round $round, RSA-2048 (server and client)"
        printf "%-28s %-8s %14s %8s %8s\n" client TLS instructions bignum ratio
        declare -A res=()
        for c in "${CLIENTS[@]}"; do res[$c]=$(count "$c" "${!port_var}" "$kind"); done
        base=${res[${CLIENTS[-1]}]%% *}
        for c in "${CLIENTS[@]}"; do
            read -r ir bn ver <<<"${res[$c]}"
            [[ ${c%%|*} == mosquitto_pub ]] && ver=$(openssl_version "${!port_var}" "$kind")
            awk -v n="${c%%|*}" -v v="$ver" -v ir="$ir" -v bn="$bn" -v base="$base" \
                'BEGIN { if (ir == 0) printf "%-28s %-8s %14s\n", n, v, "-"
                         else printf "%-28s %-8s %14d %7.0f%% %8.2f\n", n, v, ir, 100 * bn / ir, ir / base }'
        done
        unset res
    done
    kill "$BROKER_PID"
    wait "$BROKER_PID" 2>/dev/null || true
done
