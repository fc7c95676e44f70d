#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `mqtls doctor` names each cause, against a real mosquitto: one broker with
# a listener per broken setup (PKI made for this run), then one doctor run
# per cause, asserting the cause id from --json, the fix printed, and the
# finding that only this run can give (the root needed, the version the
# server accepts, the alert, ...). A healthy setup passes every step.
#
# Causes here: ca-mismatch, ca-legacy-root (with the root found in a
# trust directory given with --system-cafile-dir, and by name in the
# default /etc/ssl/certs), ca-not-single (warning, exit 3), ca-file-bad,
# ca-missing, server-cert-invalid (a broken signature), server-cert-expired, server-cert-not-yet-valid (the server's
# certificate, and the device's clock unset), hostname-mismatch,
# sni-mismatch, client-cert-required and client-cert-rejected (TLS 1.2 in
# the handshake on mbedtls; TLS 1.3 after it, on openssl), key-mismatch,
# no-common-version, no-common-cipher, tls-to-plain-port,
# plain-to-tls-port, not-tls (an HTTP server), tls-timeout (a port that
# never answers), connack-refused (not authorised, bad credentials, identifier rejected, a 5.0 reason), closed-after-connect, roundtrip-failed, dns-failure, tcp-refused, cert-file-bad, cipher-unknown;
# and the port-443 ALPN warning printed first (where 443 is free). The store cases are in test_doctor_store.sh.
# shellcheck source=tests/integration/lib.sh disable=SC2154 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/doctor_lib.sh
. "$(dirname "$0")/doctor_lib.sh"

D=$TEST_DIR
T0=$SECONDS
tls_make_pki
K=$PKI

# An AWS-like setup: the server chains to "Amazon Root CA 1", and a device
# holds the legacy "VeriSign Class 3 ... G5" root (the seed question).
# Both roots come from `mqtls ca init`, as pki.sh makes its roots.
"$MQTLS" ca init "$D/amazon" --cn "Amazon Root CA 1" --org Amazon --days 30 >/dev/null
"$MQTLS" ca init "$D/verisign" --cn "VeriSign Class 3 Public Primary Certification Authority - G5" \
    --org "VeriSign, Inc." --days 30 >/dev/null
"$MQTLS" ca issue "$D/amazon" --server --cn localhost --san DNS:localhost,IP:127.0.0.1 --days 30 \
    -o "$K/aws-server" >/dev/null
chmod 644 "$K/aws-server.key"
mkdir -p "$D/sysca"
cp "$D/amazon/ca.pem" "$D/sysca/Amazon_Root_CA_1.pem"
cp "$K/other-ca.pem" "$D/sysca/unrelated.pem"

# The default trust directory (/etc/ssl/certs, from ca-certificates): a
# throwaway root with the real "Amazon Root CA 1" name (made by openssl; its
# key is not Amazon's) signs the server. The doctor must name the system's
# file of that name.
if [[ -f /etc/ssl/certs/Amazon_Root_CA_1.pem ]]; then
    (
        cd "$D"
        export OPENSSL_CONF=/dev/null
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout fake-amazon.key \
            -out fake-amazon.pem -subj "/C=US/O=Amazon/CN=Amazon Root CA 1" -days 30 \
            -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
        openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$K/fake-aws.key" \
            -subj "/CN=localhost" -out fake-aws.csr
        printf '%s\n' "basicConstraints=critical,CA:FALSE" "extendedKeyUsage=serverAuth" \
            "subjectAltName=DNS:localhost,IP:127.0.0.1" >fake-aws.ext
        openssl x509 -req -in fake-aws.csr -CA fake-amazon.pem -CAkey fake-amazon.key -set_serial 7 -days 30 \
            -extfile fake-aws.ext -out "$K/fake-aws.pem"
        chmod 644 "$K/fake-aws.key"
    ) >"$D/openssl.log" 2>&1 || fail "openssl could not make the fake Amazon PKI: $(cat "$D/openssl.log")"
    SYSTEM_CASE=1
fi

tls_listener main server
tls_listener other server-other
tls_listener expired server-expired
tls_listener future server-future
tls_listener badsig server-badsig:server
tls_listener v13 server "tls_version tlsv1.3"
tls_listener onecipher server "ciphers ECDHE-ECDSA-AES256-GCM-SHA384"
tls_listener aws aws-server
if [[ ${SYSTEM_CASE:-0} == 1 ]]; then tls_listener fakeaws fake-aws; fi
plain_listener plain
# closed-after-connect: mosquitto 2.0.11 accepts a connection over a
# listener's max_connections and closes it at once ("denied:
# max_connections exceeded" in its log), before reading CONNECT. One
# connection is held open below, so the doctor's CONNECT meets a close.
# (lib.sh's plain_listener takes no options: declared by hand.)
LISTENER_NAMES+=(full)
LISTENER_CONF[full]="max_connections 1"
start_listeners

EC=(--cafile "$K/ca.pem" --cert "$K/client.pem" --key "$K/client.key")
H=(-h 127.0.0.1 -i doctor-test)

# ---- healthy: every step passes, on both engines
for engine in mbedtls openssl; do
    doctor_expect "healthy-$engine" null 0 "${H[@]}" -p "$PORT_main" "${EC[@]}" --tls-engine "$engine"
    doctor_all_pass "healthy-$engine"
    doctor_step "healthy-$engine" roundtrip pass "received it back"
done
doctor_step healthy-openssl tls pass "TLSv1.3"
doctor_expect healthy-plain null 0 "${H[@]}" -p "$PORT_plain"
doctor_step healthy-plain mqtt pass "CONNACK 0"
doctor_step healthy-plain roundtrip pass
note "healthy setups pass every step ($((SECONDS - T0)) s)"

# ---- the CA file
for engine in mbedtls openssl; do
    doctor_expect "ca-mismatch-$engine" ca-mismatch 2 "${H[@]}" -p "$PORT_main" --cafile "$K/other-ca.pem" \
        --cert "$K/client.pem" --key "$K/client.key" --system-cafile-dir "$D/sysca" --tls-engine "$engine"
    doctor_step "ca-mismatch-$engine" chain pass "CN=localhost"
    doctor_step "ca-mismatch-$engine" ca fail "CN=mqtls unrelated CA"
    doctor_hint "ca-mismatch-$engine" "mqtls test CA"
done
cp "$K/ca.pem" "$D/sysca/test-ca.pem"
doctor_expect ca-mismatch-found ca-mismatch 2 "${H[@]}" -p "$PORT_main" --cafile "$K/other-ca.pem" \
    --cert "$K/client.pem" --key "$K/client.key" --system-cafile-dir "$D/sysca"
doctor_hint ca-mismatch-found "$D/sysca/test-ca.pem"
rm "$D/sysca/test-ca.pem"

doctor_expect legacy-root ca-legacy-root 2 "${H[@]}" -p "$PORT_aws" --cafile "$D/verisign/ca.pem" \
    --cert "$K/client.pem" --key "$K/client.key" --system-cafile-dir "$D/sysca"
doctor_step legacy-root ca fail "VeriSign Class 3 Public Primary Certification Authority - G5"
doctor_hint legacy-root "Amazon Root CA 1"
doctor_hint legacy-root "$D/sysca/Amazon_Root_CA_1.pem"
# The control: the root the doctor named works.
doctor_expect legacy-root-fixed null 0 "${H[@]}" -p "$PORT_aws" --cafile "$D/sysca/Amazon_Root_CA_1.pem" \
    --cert "$K/client.pem" --key "$K/client.key"

if [[ ${SYSTEM_CASE:-0} == 1 ]]; then
    doctor_expect legacy-system ca-legacy-root 2 "${H[@]}" -p "$PORT_fakeaws" --cafile "$D/verisign/ca.pem" \
        --cert "$K/client.pem" --key "$K/client.key"
    doctor_hint legacy-system "/etc/ssl/certs/Amazon_Root_CA_1.pem"
    doctor_step legacy-system ca fail "C=US, O=Amazon, CN=Amazon Root CA 1"
else
    note "no /etc/ssl/certs/Amazon_Root_CA_1.pem (ca-certificates): the default trust directory is not tried"
fi

doctor_expect ca-bundle ca-not-single 3 "${H[@]}" -p "$PORT_main" --cafile "$K/ca-bundle.pem" \
    --cert "$K/client.pem" --key "$K/client.key"
doctor_step ca-bundle files warn "holds 2 certificates"
doctor_step ca-bundle roundtrip pass
doctor_expect ca-garbage ca-file-bad 2 "${H[@]}" -p "$PORT_main" --cafile "$K/garbage.pem" \
    --cert "$K/client.pem" --key "$K/client.key"
doctor_expect cert-garbage cert-file-bad 2 "${H[@]}" -p "$PORT_main" --cafile "$K/ca.pem" \
    --cert "$K/garbage.pem" --key "$K/client.key"
doctor_expect cipher-name cipher-unknown 2 "${H[@]}" -p "$PORT_main" "${EC[@]}" --ciphers TLS_NO_SUCH_SUITE
doctor_expect ca-none ca-missing 2 "${H[@]}" -p "$PORT_main" --cert "$K/client.pem" --key "$K/client.key"
note "CA file: mismatch, legacy root, bundle, garbage, none ok ($((SECONDS - T0)) s)"

# ---- the server's certificate: dates and names
for engine in mbedtls openssl; do
    doctor_expect "expired-$engine" server-cert-expired 2 "${H[@]}" -p "$PORT_expired" "${EC[@]}" --tls-engine "$engine"
    doctor_step "expired-$engine" validity fail
    doctor_step "expired-$engine" hostname pass
    doctor_expect "future-$engine" server-cert-not-yet-valid 2 "${H[@]}" -p "$PORT_future" "${EC[@]}" \
        --tls-engine "$engine"
    doctor_expect "hostname-$engine" hostname-mismatch 2 "${H[@]}" -p "$PORT_other" "${EC[@]}" --tls-engine "$engine"
    doctor_step "hostname-$engine" chain pass "CN=other.example"
done
doctor_expect clock-unset server-cert-not-yet-valid 2 "${H[@]}" -p "$PORT_main" "${EC[@]}" --device-time unset
doctor_step clock-unset validity fail "2013-01-01"
doctor_step clock-unset tls pass
doctor_hint clock-unset "clock is unset"
doctor_expect clock-late server-cert-expired 2 "${H[@]}" -p "$PORT_main" "${EC[@]}" --device-time 2099-01-01
doctor_expect hostname hostname-mismatch 2 "${H[@]}" -p "$PORT_other" "${EC[@]}"
doctor_step hostname hostname fail "127.0.0.1"
doctor_expect sni sni-mismatch 2 "${H[@]}" -p "$PORT_main" "${EC[@]}" --sni wrong.example
doctor_step sni hostname fail "wrong.example"
# A server certificate whose signature fails under the right CA's name.
# OpenSSL names it (TLS_VERIFY_FAILED: server-cert-invalid); mbedTLS 2.28
# reports any signature it cannot verify as "not trusted" (TLS_UNKNOWN_CA),
# and the ca step then says the CA file has the right name but not the key.
doctor_expect badsig-openssl server-cert-invalid 2 "${H[@]}" -p "$PORT_badsig" "${EC[@]}" --tls-engine openssl
doctor_step badsig-openssl chain pass
doctor_expect badsig-mbedtls ca-mismatch 2 "${H[@]}" -p "$PORT_badsig" "${EC[@]}" --tls-engine mbedtls
doctor_step badsig-mbedtls ca fail
note "expired, not yet valid, clock unset, hostname, SNI, bad signature ok ($((SECONDS - T0)) s)"

# ---- our certificate
for engine in mbedtls openssl; do
    doctor_expect "no-cert-$engine" client-cert-required 2 "${H[@]}" -p "$PORT_main" --cafile "$K/ca.pem" \
        --tls-engine "$engine"
    doctor_step "no-cert-$engine" client-cert fail
    doctor_expect "rejected-$engine" client-cert-rejected 2 "${H[@]}" -p "$PORT_main" --cafile "$K/ca.pem" \
        --cert "$K/client-other.pem" --key "$K/client-other.key" --tls-engine "$engine"
    doctor_step "rejected-$engine" client-cert fail
    doctor_hint "rejected-$engine" "unknown_ca"
    # what the alert means, and what mqtls knows of our certificate (issue 11)
    doctor_hint "rejected-$engine" "does not trust the CA that issued our certificate"
    doctor_hint "rejected-$engine" "Our certificate (CN=mqtls-client-other"
    doctor_hint "rejected-$engine" "issued by CN=mqtls unrelated CA"
    grep -q "see the alert in the TLS report" "$D/rejected-$engine.txt" &&
        fail "rejected-$engine: points to a TLS report nobody asked for"
done
# TLS 1.3 (openssl): the verdict comes after the handshake, on the first read.
doctor_step rejected-openssl tls pass "TLSv1.3"
if engine_has_tls13 mbedtls; then
    doctor_step rejected-mbedtls tls pass "TLSv1.3"
else
    doctor_step rejected-mbedtls tls pass
fi
doctor_expect key-mismatch key-mismatch 2 "${H[@]}" -p "$PORT_main" --cafile "$K/ca.pem" \
    --cert "$K/client.pem" --key "$K/client-other.key"
doctor_step key-mismatch files fail "does not belong"
note "client certificate required, rejected (both engines), key mismatch ok ($((SECONDS - T0)) s)"

# ---- negotiation
doctor_expect version no-common-version 2 "${H[@]}" -p "$PORT_v13" "${EC[@]}" --tls-version tlsv1.2
doctor_hint version "TLSv1.3"
if engine_has_tls13 mbedtls; then
    doctor_expect version-mbedtls13 null 0 "${H[@]}" -p "$PORT_v13" "${EC[@]}" --tls-engine mbedtls
    doctor_step version-mbedtls13 tls pass "TLSv1.3"
else
    doctor_expect version-mbedtls no-common-version 2 "${H[@]}" -p "$PORT_v13" "${EC[@]}"
    doctor_hint version-mbedtls "--tls-engine openssl"
fi
doctor_expect cipher no-common-cipher 2 "${H[@]}" -p "$PORT_onecipher" "${EC[@]}" \
    --ciphers TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
doctor_hint cipher "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"
doctor_expect cipher-ok null 0 "${H[@]}" -p "$PORT_onecipher" "${EC[@]}" \
    --ciphers TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
note "no common version, no common cipher ok ($((SECONDS - T0)) s)"

# ---- the wrong port, and MQTT's verdict
doctor_expect tls-to-plain tls-to-plain-port 2 "${H[@]}" -p "$PORT_plain" "${EC[@]}"
doctor_step tls-to-plain tls fail "got a CONNACK"
doctor_expect plain-to-tls plain-to-tls-port 2 "${H[@]}" -p "$PORT_main"
doctor_step plain-to-tls mqtt fail "TLS answer"

start_bg "$D/holder.out" mosquitto_sub -h 127.0.0.1 -p "$PORT_full" -i holder -t hold
wait_subscribed holder hold
doctor_expect closed closed-after-connect 2 "${H[@]}" -p "$PORT_full"
doctor_hint closed "AWS IoT"
kill "$BG_PID"
wait "$BG_PID" 2>/dev/null || true
note "TLS to a plain port, plain to a TLS port, closed after CONNECT ok ($((SECONDS - T0)) s)"

# Not TLS and not MQTT (an HTTP server); a port that accepts and never answers.
start_http_answerer
doctor_expect http not-tls 2 "${H[@]}" -p "$HTTP_PORT" "${EC[@]}"
doctor_step http tls fail "got no CONNACK either"
start_silent_listener
doctor_expect silent tls-timeout 2 "${H[@]}" -p "$SILENT_PORT" "${EC[@]}" --timeout 1
doctor_step silent tcp pass

# connack-refused: a broker that takes no anonymous clients (a second broker:
# allow_anonymous is global in mosquitto without per_listener_settings).
start_broker "allow_anonymous false"
doctor_expect refused connack-refused 2 "${H[@]}" -p "$BROKER_PORT"
doctor_step refused mqtt fail
doctor_hint refused "5 (not authorised)"
doctor_hint refused "iot:Connect"
doctor_expect refused-user connack-refused 2 "${H[@]}" -p "$BROKER_PORT" -u nobody -P wrong
# MQTT 5: the broker's own reason code is named (mosquitto: 0x87 Not authorized).
doctor_expect refused-v5 connack-refused 2 "${H[@]}" -p "$BROKER_PORT" -V 5
doctor_step refused-v5 mqtt fail
doctor_hint refused-v5 "0x87 (Not authorized)"
# Identifier rejected: mosquitto answers CONNACK 2 to an empty client id
# when zero-length ids are off (clientid_prefixes gets 5, not 2, in 2.0.11).
start_broker "allow_anonymous true" "allow_zero_length_clientid false"
doctor_expect refused-id connack-refused 2 "${H[@]}" -p "$BROKER_PORT" -i ""
doctor_hint refused-id "2 (identifier rejected)"
note "CONNACK refused ok"

# roundtrip-failed: an ACL (anonymous clients: the lines before any `user`
# line) that lets the doctor read but not write its topic. Measured with
# mosquitto 2.0.11: a denied SUBSCRIBE is still granted (SUBACK 0, no 0x80),
# and a denied QoS 1 PUBLISH makes the broker close the connection. So
# subscribe-refused cannot be shown with this broker (test_diag.c covers
# its classification); the closed round trip can.
printf '%s\n' "topic readwrite allowed/#" "topic read readonly/#" >"$D/acl"
chmod 644 "$D/acl"
start_broker "acl_file $D/acl"
doctor_expect acl-ok null 0 "${H[@]}" -p "$BROKER_PORT" -t allowed/doctor
doctor_expect acl-pub roundtrip-failed 2 "${H[@]}" -p "$BROKER_PORT" -t readonly/doctor
doctor_step acl-pub mqtt pass
doctor_step acl-pub roundtrip fail "readonly/doctor"
doctor_hint acl-pub "closed the connection"
note "round trip refused by an ACL ok"

# ---- reaching the server
doctor_expect dns dns-failure 2 -h no-such-host.invalid -p 8883 "${EC[@]}"
doctor_step dns resolve fail
doctor_step dns tcp skip
doctor_expect tcp-refused tcp-refused 2 "${H[@]}" -p "$(free_port)" "${EC[@]}"
doctor_step tcp-refused tcp fail

# ---- port 443 without ALPN: a warning from the settings alone, said before
# any connection (mosquitto cannot demand ALPN; the rule itself is in
# test_diag.c). Checked where nothing listens on 127.0.0.1:443.
if ! port_in_use 443; then
    doctor_expect port443 tcp-refused 2 "${H[@]}" -p 443 "${EC[@]}"
    doctor_step port443 alpn warn "x-amzn-mqtt-ca"
    assert_eq "port443: the warning comes first" alpn "$(jq -r '.steps[0].name' "$D/port443.json")"
    doctor_expect port443-alpn tcp-refused 2 "${H[@]}" -p 443 "${EC[@]}" --alpn x-amzn-mqtt-ca
    doctor_step port443-alpn alpn pass
fi

# ---- usage errors exit 1
expect_status "--no-verify refused" 1 "$MQTLS" doctor "${H[@]}" -p "$PORT_main" "${EC[@]}" --no-verify
expect_status "--store without --files" 1 "$MQTLS" doctor "${H[@]}" -p "$PORT_main" --store "$D"
expect_status "bad --device-time" 1 "$MQTLS" doctor "${H[@]}" -p "$PORT_main" "${EC[@]}" --device-time yesterday
expect_status "-c is not a doctor flag" 1 "$MQTLS" doctor "${H[@]}" -p "$PORT_main" "${EC[@]}" -c
expect_status "--will-topic is not a doctor flag" 1 "$MQTLS" doctor "${H[@]}" -p "$PORT_main" "${EC[@]}" --will-topic w
expect_status "bad --sl-mask" 1 "$MQTLS" doctor "${H[@]}" -p "$PORT_main" --sl-mask 0x400
expect_status "bad --sl-mask name" 1 "$MQTLS" doctor "${H[@]}" -p "$PORT_main" --sl-mask "SL_SEC_MASK_TLS_NOPE | 0x10"
assert_contains "bad --sl-mask name: a sentence" "SL_SEC_MASK_* names joined by '|'" "$TEST_DIR/err"
expect_status "--sl-domain-check without a store" 1 "$MQTLS" doctor "${H[@]}" -p "$PORT_main" --sl-domain-check
expect_status "--help" 0 "$MQTLS" doctor --help
assert_contains "--help lists cause ids" "ca-legacy-root" "$D/out"
assert_contains "--help lists exit codes" "Exit status" "$D/out"
note "all doctor cases ok in $((SECONDS - T0)) s"
