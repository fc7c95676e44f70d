#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# TLS peers that misbehave, or are unusual but valid, and the cause each
# engine must name (issue 11 part 4; every engine of this build, so with the
# 3.6 build this is mbedtls-3.6 and openssl, with the default one
# mbedtls-2.28 and openssl). A scripted peer (tls_peer.py) writes the raw
# records; the valid cases go through it to a real mosquitto:
#   garbage after the ServerHello     -> "not a valid TLS record", not "no TLS version in common"
#   a record claiming 18433 or 65535  -> the same, not "a plain MQTT port?" nor "Bad input parameters"
#   handshake records of 64 bytes      -> connects (mbedTLS 2.28: records joined; 3.6 and OpenSSL reassemble)
#   a renegotiation request (openssl s_server's "R" after our CONNECT)
#                                     -> refused with no_renegotiation, and named when the server
#                                        ends the session, not "the server rejected our client certificate"
#   a Certificate message over two records (16.7 KB) -> connects (TLS 1.2 and 1.3; 2.28: the input
#                                        buffer's limit named, as 2.28 cannot hold such a message)
# shellcheck source=tests/integration/lib.sh disable=SC2154 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"

D=$TEST_DIR
ENGINES=${MQTLS_TLS_ENGINES:-mbedtls openssl}
PEER=$(dirname "$0")/tls_peer.py
tls_make_pki
K=$PKI
EC=(--cafile "$K/ca.pem" --cert "$K/client.pem" --key "$K/client.key")

# A server certificate padded with an opaque extension, so that the broker's
# Certificate message (leaf + CA) is ~16.7 KB: more than one record (16384)
# and less than what mbedTLS 3.6's input buffer holds.
(
    cd "$D"
    export OPENSSL_CONF=/dev/null
    pad=$(head -c 15800 /dev/zero | od -An -tx1 -v | tr -d ' \n')
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/server-big.key" \
        -subj "/CN=localhost" -out big.csr
    # An OCTET STRING of 15800 zero bytes (04 82 3d b8 ...) as an opaque, non-critical extension.
    printf '%s\n' "basicConstraints=critical,CA:FALSE" "subjectAltName=DNS:localhost,IP:127.0.0.1" \
        "1.3.6.1.4.1.55555.1=DER:04823db8$pad" >big.ext
    openssl x509 -req -in big.csr -CA "$K/ca.pem" -CAkey "$K/ca.key" -set_serial 99 -days 30 -extfile big.ext \
        -out "$K/server-big.pem"
    chmod 644 "$K/server-big.key"
) >"$D/openssl.log" 2>&1 || fail "openssl could not make the big server certificate: $(cat "$D/openssl.log")"

tls_listener main server
tls_listener t12 server
tls_listener big server-big
start_listeners
tls_listener big12 server-big
start_listeners --tls12-only
BIG12=$PORT_big12

# start_peer VAR MODE ARGS...: a tls_peer.py, its port in VAR.
start_peer() {
    local var=$1 i
    shift
    rm -f "$D/peer-$var"
    start_bg "$D/peer-$var.log" python3 "$PEER" "$D/peer-$var" "$@"
    for ((i = 0; i < 100; i++)); do
        [[ -s $D/peer-$var ]] && break
        sleep 0.05
    done
    printf -v "$var" '%s' "$(cat "$D/peer-$var" 2>/dev/null)" || fail "tls_peer.py $* did not start"
}
start_peer GARBAGE garbage
start_peer OVER18433 oversized 18433
start_peer OVER65535 oversized 65535
start_peer SPLIT split 64 "$PORT_main"

# renegotiate ENGINE: a TLS 1.2 openssl s_server that asks for a client
# certificate; once our CONNECT has arrived, "R" on its stdin makes it send
# a HelloRequest (renegotiate, asking for the certificate again).
renegotiate() {
    local engine=$1 port pid i rc=0
    port=$(free_port)
    rm -f "$D/reneg.ctl"
    mkfifo "$D/reneg.ctl"
    OPENSSL_CONF=/dev/null openssl s_server -accept "127.0.0.1:$port" -tls1_2 -cert "$K/server.pem" \
        -key "$K/server.key" -CAfile "$K/ca.pem" -Verify 1 <"$D/reneg.ctl" >"$D/reneg.out" 2>&1 &
    OWNED_PIDS+=("$!")
    exec 3>"$D/reneg.ctl"
    for ((i = 0; i < 100; i++)); do grep -q ACCEPT "$D/reneg.out" && break; sleep 0.05; done
    "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 -p "$port" "${EC[@]}" -t "hostile/$engine/reneg" -m x \
        >"$D/out" 2>"$D/err" &
    pid=$!
    for ((i = 0; i < 200; i++)); do grep -q MQTT "$D/reneg.out" && break; sleep 0.05; done
    echo R >&3
    wait "$pid" || rc=$?
    exec 3>&-
    assert_eq "$engine: renegotiation, exit status" 2 "$rc"
    assert_contains "$engine: renegotiation, the cause" "asked to renegotiate the TLS session" "$D/err"
    if grep -q "rejected our client certificate" "$D/err"; then
        fail "$engine: renegotiation blamed on our certificate: $(cat "$D/err")"
    fi
}

# fails_with ENGINE WHAT PORT SENTENCE [NOT]: one line, the sentence, never NOT.
fails_with() {
    local engine=$1 what=$2 port=$3 sentence=$4 not=${5:-}
    expect_tls_failure "$engine: $what" "$sentence" "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 -p "$port" \
        "${EC[@]}" -t "hostile/$engine" -m x
    if [[ -n $not ]] && grep -qF -- "$not" "$D/err"; then
        fail "$engine: $what: '$not' is not the cause: $(cat "$D/err")"
    fi
}

for engine in $ENGINES; do
    fails_with "$engine" "garbage after the ServerHello" "$GARBAGE" "not a valid TLS record" "no TLS version"
    fails_with "$engine" "a record of 18433 bytes" "$OVER18433" "not a valid TLS record" "plain MQTT port"
    # the record watcher (tls_watch.c) words it, the same on every engine
    assert_contains "$engine: the claimed length named" "claiming 18433 bytes; a TLS record holds at most 16384" "$D/err"
    fails_with "$engine" "a record of 65535 bytes" "$OVER65535" "not a valid TLS record" "Bad input"
    note "$engine: garbage after the ServerHello, oversized records named"

    expect_status "$engine: handshake in 64-byte records" 0 "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 \
        -p "$SPLIT" "${EC[@]}" -t "hostile/$engine/split" -m x -q 1 --tls-version tlsv1.2 --tls-report
    assert_contains "$engine: split, TLS 1.2" "version: TLSv1.2" "$D/err"
    note "$engine: a handshake fragmented into 64-byte records connects"

    renegotiate "$engine"
    note "$engine: a renegotiation request refused and named"

    if [[ $engine == mbedtls ]] && mbedtls_is_2x; then
        fails_with "$engine" "a 16.7 KB Certificate message (TLS 1.2)" "$BIG12" "larger than this TLS engine's input buffer"
    else
        for port in "$PORT_big" "$BIG12"; do
            expect_status "$engine: a 16.7 KB Certificate message (port $port)" 0 "$MQTLS" pub --tls-engine "$engine" \
                -h 127.0.0.1 -p "$port" "${EC[@]}" -t "hostile/$engine/big" -m x -q 1 --tls-report
            assert_contains "$engine: the big leaf" "broker's chain: 2 certificate" "$D/err"
        done
    fi
    note "$engine: a Certificate message over two records ok"
done
note "all hostile-peer cases ok"
