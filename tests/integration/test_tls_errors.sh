#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Every TLS failure, for each engine: exit status 2, one line on stderr with
# the sentence of its own error code, and no message published. A
# mosquitto_sub with a valid client certificate watches err/# on each broker
# during all the failures; at the end it must have received only the end
# marker. Cases: unknown CA, hostname mismatch (other name; --sni), expired,
# not yet valid, CA file missing/empty/garbage/not a certificate, empty CA
# directory, client certificate file missing/empty/garbage, key file
# missing/empty/garbage, wrong and missing key password, key not matching the
# certificate, no common TLS version, no shared cipher suite, the broker
# rejecting our certificate (with the alert's name in --tls-report), no
# client certificate, handshake timeout, TLS to a plain MQTT port and to a
# server that answers in HTTP.
# --insecure lets the hostname mismatch through but not an unknown CA;
# --no-verify connects and warns on stderr.
# shellcheck source=tests/integration/lib.sh disable=SC2154 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"

D=$TEST_DIR
ENGINES=${MQTLS_TLS_ENGINES:-mbedtls openssl}
tls_make_pki
K=$PKI

# Broker A: TLS 1.2 minimum (1.3 negotiated when offered), every server certificate.
tls_listener main server
tls_listener other server-other
tls_listener expired server-expired
tls_listener future server-future
tls_listener v13 server "tls_version tlsv1.3"
plain_listener plain
start_listeners
LOG_A=$BROKER_LOG
watch_start A "$PORT_main" err

# Broker B: TLS 1.2 only; one listener with a single cipher suite.
tls_listener t12 server
tls_listener onecipher server "ciphers ECDHE-ECDSA-AES256-GCM-SHA384"
start_listeners --tls12-only
watch_start B "$PORT_t12" err
BROKER_LOG=$LOG_A

start_silent_listener
start_http_answerer

EC=(--cafile "$K/ca.pem" --cert "$K/client.pem" --key "$K/client.key")

# The handshake timeouts take the CLI's connect timeout (10 s) each: run them
# in the background now, check them at the end.
declare -A TIMEOUT_PID=()
for engine in $ENGINES; do
    start_bg "$D/timeout-$engine" "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 -p "$SILENT_PORT" "${EC[@]}" \
        -t "err/$engine/timeout" -m x
    TIMEOUT_PID[$engine]=$BG_PID
done
T0=$SECONDS

# fails CASE SENTENCE PORT ARGS... : `mqtls pub` with ARGS (the TLS
# flags) on PORT fails with SENTENCE, exit 2, one line.
fails() {
    local case=$1 sentence=$2 port=$3
    shift 3
    expect_tls_failure "$engine: $case" "$sentence" "$MQTLS" pub --tls-engine "$engine" -h "${HOST:-127.0.0.1}" \
        -p "$port" -q 1 -t "err/$engine/$case" -m "must not arrive" "$@"
}

for engine in $ENGINES; do
    # ---- the server's certificate
    UNKNOWN_CA="the server's certificate is not trusted"
    MISMATCH="hostname mismatch"
    fails unknown-ca "$UNKNOWN_CA" "$PORT_main" --cafile "$K/other-ca.pem" --cert "$K/client.pem" --key "$K/client.key"
    expect_tls_failure "$engine: sub, unknown CA" "$UNKNOWN_CA" "$MQTLS" sub --tls-engine "$engine" -h 127.0.0.1 \
        -p "$PORT_main" --cafile "$K/other-ca.pem" --cert "$K/client.pem" --key "$K/client.key" -t "err/$engine/#" -W 5
    fails unknown-ca-insecure "$UNKNOWN_CA" "$PORT_main" --insecure \
        --cafile "$K/other-ca.pem" --cert "$K/client.pem" --key "$K/client.key"
    fails mismatch-ip "$MISMATCH" "$PORT_other" "${EC[@]}"
    HOST=localhost fails mismatch-localhost "$MISMATCH" "$PORT_other" "${EC[@]}"
    fails mismatch-sni "$MISMATCH" "$PORT_main" "${EC[@]}" --sni wrong.example
    fails expired "has expired" "$PORT_expired" "${EC[@]}"
    fails not-yet-valid "not valid yet" "$PORT_future" "${EC[@]}"
    note "$engine: unknown CA, hostname mismatch, expired, not yet valid ok"

    # ---- our own files (checked before any byte is sent)
    BAD_CA="CA file is unreadable, empty"
    for f in "$D/no-such-ca.pem" "$K/empty.pem" "$K/garbage.pem" "$K/client.key"; do
        fails "ca-$(basename "$f")" "$BAD_CA" "$PORT_main" --cafile "$f" --cert "$K/client.pem" --key "$K/client.key"
    done
    mkdir -p "$D/empty-capath"
    fails empty-capath "CA directory is unreadable or holds no certificate" "$PORT_main" --capath "$D/empty-capath" \
        --cert "$K/client.pem" --key "$K/client.key"
    for f in "$D/no-such-cert.pem" "$K/empty.pem" "$K/garbage.pem"; do
        fails "cert-$(basename "$f")" "client certificate file" "$PORT_main" --cafile "$K/ca.pem" --cert "$f" --key "$K/client.key"
    done
    for f in "$D/no-such-key.pem" "$K/empty.pem" "$K/garbage.pem"; do
        fails "key-$(basename "$f")" "private key file" "$PORT_main" --cafile "$K/ca.pem" --cert "$K/client.pem" --key "$f"
    done
    # A wrong password on a key both engines can decrypt (PBES2 with 3DES:
    # mbedTLS 2.28 has no AES in PKCS#5); a missing one on both encryptions.
    fails wrong-password "password is missing or wrong" "$PORT_main" --cafile "$K/ca.pem" --cert "$K/client.pem" \
        --key "$K/client-enc3des.pk8.pem" --key-password wrong-password
    for f in client-enc.pk8.pem client-enc3des.pk8.pem; do
        fails "missing-password-$f" "password is missing or wrong" "$PORT_main" --cafile "$K/ca.pem" \
            --cert "$K/client.pem" --key "$K/$f"
    done
    fails mismatch-key-rsa "does not belong to the client certificate" "$PORT_main" --cafile "$K/ca.pem" \
        --cert "$K/client.pem" --key "$K/client-rsa.key"
    fails mismatch-key-ec "does not belong to the client certificate" "$PORT_main" --cafile "$K/ca.pem" \
        --cert "$K/client.pem" --key "$K/client-other.key"
    note "$engine: CA file/dir, certificate file, key file, password, key mismatch ok"

    # ---- negotiation
    if ! engine_has_tls13 "$engine"; then
        fails no-common-version "no TLS version in common" "$PORT_v13" "${EC[@]}"
    else
        fails no-common-version-1.2-on-1.3 "no TLS version in common" "$PORT_v13" "${EC[@]}" --tls-version tlsv1.2
        fails no-common-version-1.3-on-1.2 "no TLS version in common" "$PORT_t12" "${EC[@]}" --tls-version tlsv1.3
    fi
    fails no-shared-cipher "no cipher suite in common" "$PORT_onecipher" "${EC[@]}" \
        --ciphers TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
    # The control: the listener's one suite, asked for by its IANA name, works.
    expect_status "$engine: --ciphers with the listener's suite" 0 "$MQTLS" pub --tls-engine "$engine" \
        -h 127.0.0.1 -p "$PORT_onecipher" "${EC[@]}" --ciphers TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384 \
        -q 1 -t "ok/$engine/cipher" -m x --tls-report
    assert_contains "$engine: the one suite" "cipher: TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384" "$D/err"
    note "$engine: no common version, no shared cipher ok"

    # ---- the broker's verdict on us
    fails no-client-cert "requires a client certificate and none was given" "$PORT_main" --cafile "$K/ca.pem"
    fails no-client-cert-tls12 "requires a client certificate and none was given" "$PORT_t12" --cafile "$K/ca.pem"
    for port_name in main t12; do
        port_var=PORT_$port_name
        fails "rejected-$port_name" "rejected our client certificate" "${!port_var}" --cafile "$K/ca.pem" \
            --cert "$K/client-other.pem" --key "$K/client-other.key"
        expect_status "$engine: rejected ($port_name), --tls-report" 2 "$MQTLS" pub --tls-engine "$engine" \
            -h 127.0.0.1 -p "${!port_var}" -t "err/$engine/rejected" -m x --tls-report \
            --cafile "$K/ca.pem" --cert "$K/client-other.pem" --key "$K/client-other.key"
        assert_contains "$engine: rejected ($port_name): sentence" "rejected our client certificate" "$D/err"
        assert_contains "$engine: rejected ($port_name): the alert's name" "unknown_ca" "$D/err"
    done
    note "$engine: no certificate, certificate rejected (alert named) ok"

    # ---- not TLS at all: mosquitto's plain MQTT port closes on our ClientHello
    # without a byte; an HTTP server answers, in HTTP.
    fails plain-mqtt-port "closed the connection during the TLS handshake" "$PORT_plain" "${EC[@]}"
    fails http-port "did not answer in TLS" "$HTTP_PORT" "${EC[@]}"
    assert_contains "$engine: http-port, the first byte named alike" "(first byte 0x48, perhaps HTTP)" "$D/err"

    # ---- the escape hatches: --insecure (name only), --no-verify (warns)
    expect_status "$engine: --insecure with a name mismatch" 0 "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 \
        -p "$PORT_other" "${EC[@]}" --insecure -q 1 -t "ok/$engine/insecure" -m x
    expect_status "$engine: --no-verify with an unknown CA" 0 "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 \
        -p "$PORT_main" --cafile "$K/other-ca.pem" --cert "$K/client.pem" --key "$K/client.key" --no-verify \
        -q 1 -t "ok/$engine/no-verify" -m x
    assert_contains "$engine: --no-verify warns" "WARNING" "$D/err"
    assert_contains "$engine: --no-verify warning names the flag" "--no-verify" "$D/err"
    note "$engine: plain port, --insecure, --no-verify ok"
done

# ---- usage errors (1), not connection failures: unknown engine or version
expect_status "unknown --tls-engine" 1 "$MQTLS" pub --tls-engine gnutls "${EC[@]}" -t x -m y
expect_status "obsolete --tls-version" 1 "$MQTLS" pub --tls-version tlsv1.1 "${EC[@]}" -t x -m y
expect_status "unknown --tls-version" 1 "$MQTLS" pub --tls-version tls9 "${EC[@]}" -t x -m y

# ---- a TLS flag makes 8883 the default port (checked where nothing listens on it)
if ! port_in_use 8883; then
    expect_status "TLS without -p" 2 "$MQTLS" pub -h 127.0.0.1 "${EC[@]}" -t x -m y
    assert_contains "TLS without -p goes to 8883" "127.0.0.1:8883" "$D/err"
fi
note "usage errors exit 1; TLS defaults to port 8883"

# ---- the handshake timeouts started at the beginning
for engine in $ENGINES; do
    wait_bg "${TIMEOUT_PID[$engine]}" "$engine: handshake against a silent port" 30
    assert_eq "$engine: handshake timeout exit status" 2 "$BG_STATUS"
    assert_contains "$engine: handshake timeout" "did not finish in time" "$D/timeout-$engine.err"
done
note "handshake timeouts ok ($((SECONDS - T0)) s after they started)"

# ---- nothing got through to either broker
watch_nothing A
watch_nothing B
note "no message was published by any failing client"
