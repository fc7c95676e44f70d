#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Mutual TLS round trips through a real mosquitto (require_certificate,
# use_identity_as_username), for each TLS engine: every credential encoding
# a user may hold (PEM and DER; EC key as SEC1, PKCS#8, encrypted PKCS#8;
# RSA key as PKCS#1, PKCS#8, encrypted PKCS#8), a CA bundle and a CA
# directory, a client certificate issued by an intermediate (sent as a
# chain), a broker that sends a chain, an RSA broker, TLS 1.2 and TLS 1.3
# (mbedTLS 2.28 has no TLS 1.3: against a 1.3-only listener it must say
# so), --tls-report, a client without a certificate being refused, and
# interop with mosquitto_pub/mosquitto_sub on the same PKI.
#
# One `mqtls sub -C N` per engine receives every message the publishers of
# that engine send; its output is compared with the list of what was sent.
# shellcheck source=tests/integration/lib.sh disable=SC2154 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"

D=$TEST_DIR
ENGINES=${MQTLS_TLS_ENGINES:-mbedtls openssl}
tls_make_pki
K=$PKI

tls_listener main server                             # TLS 1.2 minimum: 1.3 negotiated when offered
tls_listener rsa server-rsa
tls_listener chain server-int-chain:server-int  # the broker sends leaf + intermediate
tls_listener v13 server "tls_version tlsv1.3"
start_listeners
LOG_MAIN=$BROKER_LOG

tls_listener t12 server
tls_listener t12rsa server-rsa
start_listeners --tls12-only                         # every listener stops at TLS 1.2
LOG_T12=$BROKER_LOG

EC=(--cafile "$K/ca.pem" --cert "$K/client.pem" --key "$K/client.key")
EC_DER=(--cafile "$K/ca.der" --cert "$K/client.der" --key "$K/client.key.der")

# pub ENGINE LABEL PORT ARGS... : publish "LABEL" to rt/ENGINE/LABEL at QoS 1
# and remember it as expected by that engine's subscriber.
pub() {
    local engine=$1 label=$2 port=$3
    shift 3
    expect_status "$engine: pub with $label" 0 "$MQTLS" pub --tls-engine "$engine" -h "${HOST:-127.0.0.1}" -p "$port" \
        -q 1 -t "rt/$engine/$label" -m "$label" "$@"
    echo "rt/$engine/$label $label" >>"$D/want-$engine"
}

# report_has WHAT TEXT... : each TEXT is in the --tls-report output ($D/err).
report_has() {
    local what=$1 text
    shift
    for text in "$@"; do assert_contains "$what: --tls-report" "$text" "$D/err"; done
}

for engine in $ENGINES; do
    : >"$D/want-$engine"

    # The subscriber of this engine, on the main listener: PEM, EC (SEC1).
    BROKER_LOG=$LOG_MAIN
    n_expected=18
    engine_has_tls13 "$engine" && n_expected=20
    start_bg "$D/sub-$engine.out" "$MQTLS" sub --tls-engine "$engine" -h 127.0.0.1 -p "$PORT_main" "${EC[@]}" \
        -i "rt-sub-$engine" -t "rt/$engine/#" -q 1 -v -C "$n_expected" -W 30
    sub_pid=$BG_PID
    wait_subscribed "rt-sub-$engine" "rt/$engine/#"

    # ---- every encoding of the credentials
    pub "$engine" pem-ec-sec1 "$PORT_main" "${EC[@]}" --tls-report
    if engine_has_tls13 "$engine"; then
        report_has "$engine pem-ec-sec1" "version: TLSv1.3"
    else
        report_has "$engine pem-ec-sec1" "version: TLSv1.2"
    fi
    # mosquitto's OpenSSL completes a lone leaf with the root from its cafile
    # (a certfile with a chain is sent as it is: leaf and intermediate).
    report_has "$engine pem-ec-sec1" "cipher: TLS" "chain: 2 certificate" "subject: CN=localhost, O=mqtls tests" \
        "issuer:  CN=mqtls test CA, O=mqtls tests" "EC 256 bits" "client certificate: sent"
    grep -q "cipher: (none)" "$D/err" && fail "$engine: no cipher in the report: $(cat "$D/err")"

    pub "$engine" pem-ec-pkcs8 "$PORT_main" --cafile "$K/ca.pem" --cert "$K/client.pem" --key "$K/client.pk8.pem"
    pub "$engine" pem-ec-pkcs8-encrypted "$PORT_main" --cafile "$K/ca.pem" --cert "$K/client.pem" \
        --key "$K/client-enc.pk8.pem" --key-password "$PKI_PASSWORD"
    pub "$engine" pem-ec-pkcs8-3des "$PORT_main" --cafile "$K/ca.pem" --cert "$K/client.pem" \
        --key "$K/client-enc3des.pk8.pem" --key-password "$PKI_PASSWORD"
    pub "$engine" der-ec-sec1 "$PORT_main" "${EC_DER[@]}"
    pub "$engine" der-ec-pkcs8 "$PORT_main" --cafile "$K/ca.der" --cert "$K/client.der" --key "$K/client.pk8.der"
    pub "$engine" pem-rsa-pkcs1 "$PORT_main" --cafile "$K/ca.pem" --cert "$K/client-rsa.pem" --key "$K/client-rsa.key"
    pub "$engine" pem-rsa-pkcs8 "$PORT_main" --cafile "$K/ca.pem" --cert "$K/client-rsa.pem" --key "$K/client-rsa.pk8.pem"
    pub "$engine" pem-rsa-pkcs8-encrypted "$PORT_main" --cafile "$K/ca.pem" --cert "$K/client-rsa.pem" \
        --key "$K/client-rsa-enc.pk8.pem" --key-password "$PKI_PASSWORD"
    pub "$engine" der-rsa-pkcs1 "$PORT_main" --cafile "$K/ca.der" --cert "$K/client-rsa.der" --key "$K/client-rsa.key.der"
    note "$engine: PEM/DER, EC (SEC1, PKCS#8, encrypted) and RSA (PKCS#1, PKCS#8, encrypted) client keys ok"

    # ---- trust and chains
    pub "$engine" ca-bundle "$PORT_main" --cafile "$K/ca-bundle.pem" --cert "$K/client.pem" --key "$K/client.key"
    pub "$engine" capath "$PORT_main" --capath "$K/capath" --cert "$K/client.pem" --key "$K/client.key"
    pub "$engine" client-chain "$PORT_main" --cafile "$K/ca.pem" --cert "$K/client-int-chain.pem" --key "$K/client-int.key"
    pub "$engine" server-chain "$PORT_chain" "${EC[@]}" --tls-report
    report_has "$engine server-chain" "chain: 2 certificate" "subject: O=mqtls tests, CN=mqtls test intermediate CA"
    pub "$engine" server-rsa "$PORT_rsa" "${EC[@]}" --tls-report
    report_has "$engine server-rsa" "RSA 2048 bits"
    HOST=localhost pub "$engine" by-name-localhost "$PORT_main" "${EC[@]}"
    # mosquitto 2.0.11 does no ALPN: offering a protocol must not get in the way.
    pub "$engine" alpn-offered "$PORT_main" "${EC[@]}" --alpn x-amzn-mqtt-ca
    note "$engine: CA bundle, CA directory, chains both ways, RSA broker, -h localhost, --alpn ok"

    # ---- versions
    if engine_has_tls13 "$engine"; then
        pub "$engine" tls13-only-listener "$PORT_v13" "${EC[@]}" --tls-report
        report_has "$engine on the 1.3-only listener" "version: TLSv1.3" "cipher: TLS_AES"
        pub "$engine" tls-version-1.2 "$PORT_main" "${EC[@]}" --tls-version tlsv1.2 --tls-report
        report_has "$engine --tls-version tlsv1.2" "version: TLSv1.2" "cipher: TLS_ECDHE_ECDSA"
    else
        expect_tls_failure "mbedtls against a TLS-1.3-only listener" "no TLS version in common" \
            "$MQTLS" pub --tls-engine mbedtls -h 127.0.0.1 -p "$PORT_v13" "${EC[@]}" -t "rt/$engine/never" -m x
    fi

    # ---- interop: mosquitto_pub -> mqtls sub, same PKI
    mosquitto_pub -h 127.0.0.1 -p "$PORT_main" "${MOSQ_TLS[@]}" -q 1 -t "rt/$engine/from-mosquitto_pub" \
        -m from-mosquitto_pub || fail "mosquitto_pub over mutual TLS failed"
    echo "rt/$engine/from-mosquitto_pub from-mosquitto_pub" >>"$D/want-$engine"

    # ---- refused without a client certificate (nothing published)
    expect_tls_failure "$engine: no client certificate" "requires a client certificate" \
        "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 -p "$PORT_main" --cafile "$K/ca.pem" \
        -q 1 -t "rt/$engine/no-certificate" -m "must not arrive"

    wait_bg "$sub_pid" "$engine subscriber" 30
    assert_eq "$engine subscriber exit status" 0 "$BG_STATUS"
    sort "$D/want-$engine" >"$D/want-$engine.sorted"
    sort "$D/sub-$engine.out" >"$D/got-$engine.sorted"
    assert_eq "$engine: messages expected" "$n_expected" "$(wc -l <"$D/want-$engine")"
    assert_file_eq "$engine: messages received" "$D/want-$engine.sorted" "$D/got-$engine.sorted"
    note "$engine: all $n_expected messages received, mosquitto_pub interop ok, no certificate refused"

    # ---- the TLS-1.2-only broker: DER on the subscriber side, version pinned by the broker
    BROKER_LOG=$LOG_T12
    start_bg "$D/sub12-$engine.out" "$MQTLS" sub --tls-engine "$engine" -h 127.0.0.1 -p "$PORT_t12" "${EC_DER[@]}" \
        -i "rt12-sub-$engine" -t "rt12/$engine" -q 1 -v -C 1 -W 20
    sub_pid=$BG_PID
    wait_subscribed "rt12-sub-$engine" "rt12/$engine"
    expect_status "$engine: pub on the TLS 1.2 broker" 0 "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 \
        -p "$PORT_t12" "${EC[@]}" -q 1 -t "rt12/$engine" -m tls12 --tls-report
    report_has "$engine on the TLS 1.2 broker" "version: TLSv1.2"
    expect_tls_failure "$engine: no client certificate, TLS 1.2" "requires a client certificate" \
        "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 -p "$PORT_t12" --cafile "$K/ca.pem" \
        -q 1 -t "rt12/$engine" -m "must not arrive"
    if [[ $engine == openssl ]]; then
        expect_tls_failure "openssl --tls-version tlsv1.3 against the TLS 1.2 broker" "no TLS version in common" \
            "$MQTLS" pub --tls-engine openssl -h 127.0.0.1 -p "$PORT_t12" "${EC[@]}" --tls-version tlsv1.3 \
            -t "rt12/$engine" -m "must not arrive"
    fi
    # An RSA broker certificate on TLS 1.2: OpenSSL signs the key exchange
    # with RSA-PSS, which mbedTLS 3.6.6's TLS 1.2 client refuses
    # (Mbed-TLS/mbedtls#10674). With TLS 1.2 the highest version offered,
    # mqtls leaves PSS out of its list: this connects on every engine.
    expect_status "$engine: TLS 1.2 only, RSA broker certificate" 0 "$MQTLS" pub --tls-engine "$engine" \
        -h 127.0.0.1 -p "$PORT_t12rsa" "${EC[@]}" --tls-version tlsv1.2 -t "rt12rsa/$engine" -m rsa
    # TLS 1.3 offered as well: connects, or (mbedTLS 3.6.6) says why not.
    rc=0
    "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 -p "$PORT_t12rsa" "${EC[@]}" -t "rt12rsa/$engine" -m rsa \
        >"$D/out" 2>"$D/err" || rc=$?
    if ((rc != 0)); then
        assert_contains "$engine: RSA TLS 1.2 broker refused with TLS 1.3 offered" "Mbed-TLS/mbedtls#10674" "$D/err"
        assert_contains "$engine: the way out is named" "--tls-version tlsv1.2" "$D/err"
    fi
    wait_bg "$sub_pid" "$engine subscriber on the TLS 1.2 broker" 25
    assert_eq "$engine TLS 1.2 subscriber exit status" 0 "$BG_STATUS"
    assert_eq "$engine TLS 1.2 round trip" "rt12/$engine tls12" "$(cat "$D/sub12-$engine.out")"
    note "$engine: TLS 1.2 broker ok (DER subscriber, refusal without certificate)"
done

# ---- the default engine is mbedTLS
expect_status "pub without --tls-engine" 0 "$MQTLS" pub -h 127.0.0.1 -p "$PORT_main" "${EC[@]}" -t rt/default \
    -m x --tls-report
assert_contains "the default engine" "TLS report (mbedtls engine)" "$D/err"

# ---- interop: mqtls pub (each engine) -> mosquitto_sub, same PKI
BROKER_LOG=$LOG_MAIN
n=0
for engine in $ENGINES; do n=$((n + 1)); done
start_bg "$D/mosq-sub.out" mosquitto_sub -h 127.0.0.1 -p "$PORT_main" "${MOSQ_TLS[@]}" -i rt-mosq-sub \
    -t rt-interop/+ -q 1 -v -C "$n" -W 20
sub_pid=$BG_PID
wait_subscribed rt-mosq-sub rt-interop/+
: >"$D/mosq-want"
for engine in $ENGINES; do
    expect_status "$engine pub to mosquitto_sub" 0 "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 \
        -p "$PORT_main" "${EC[@]}" -q 1 -t "rt-interop/$engine" -m "from mqtls $engine"
    echo "rt-interop/$engine from mqtls $engine" >>"$D/mosq-want"
done
wait_bg "$sub_pid" mosquitto_sub 25
assert_eq "mosquitto_sub exit status" 0 "$BG_STATUS"
assert_file_eq "mosquitto_sub received" "$D/mosq-want" "$D/mosq-sub.out"
note "mqtls pub -> mosquitto_sub over mutual TLS ok ($ENGINES)"
