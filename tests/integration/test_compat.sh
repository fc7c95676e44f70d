#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The CC3200 compatibility layer against a real mosquitto, one case per row
# of the SimpleLink error table (DESIGN.md), for each engine. The flash is a
# store directory made by `mqtls store put` (or, for the files a device
# must refuse, written directly); the program is tests/compat/sl_driver.c,
# which calls TLSConnectNetwork() (or the raw sl_ calls) as firmware does
# and prints the code it got. Cases:
#   correct set: 0 and a message round trip (seen by a mosquitto_sub too);
#   the Paho API over it (QoS 0/1/2, BUFFER_OVERFLOW, keepalive,
#   unsubscribe, disconnect), and over ConnectNetwork (plain TCP);
#   the Paho API when the broker closes the connection or stops answering
#   (sl_driver --failures): FAILURE, disconnected, MQTTConnect again works;
#   the example program (examples/cc3200_aws_iot) does the same;
#   CA missing, CA flashed as PEM, CA file holding a chain: -456;
#   wrong root: -155; an intermediate the server sends as CA: -155 (both
#   engines, the NWP's rule); another name without option 35: 0; CA ID 0: -453, tolerated with server_verify 0 (works),
#   fatal with 1; clock unset against a certificate valid from today: -461
#   (raw: connected and flagged), then 0 after sl_DevSet; bad key file
#   -458; bad certificate file -457; bad DH file -459; TLS 1.2 against a
#   TLS 1.3-only listener: -370; TLS 1.1 method: -370 (refused by mqtls);
#   a mask with no suite the broker accepts: -340 (alert handshake_failure);
#   RC4 bits: dropped with one warning by the OpenSSL engine (-290 when
#   nothing is left), offered by mbedTLS and refused by the broker (-340);
#   a client certificate the broker does not trust: -348 (alert unknown_ca);
#   no client certificate: -340 (alert handshake_failure); a key that does not
#   belong to the certificate: -450 (refused before connecting);
#   handshake timeout: -462; files by name (options 30-33): a CA by name
#   connects, a missing one -456, a certificate as key -458; domain-name option: -222 for a wrong name, 0
#   for the right one.
# For each broken case `mqtls doctor --store` must name the same code
# (doctor_agrees).
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2119 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"

DRIVER=${MQTLS_SL_DRIVER:-}
EXAMPLE=${MQTLS_CC3200_EXAMPLE:-}
[[ -x $DRIVER ]] || fail "MQTLS_SL_DRIVER is not set to the sl_driver test program"
[[ -x $EXAMPLE ]] || fail "MQTLS_CC3200_EXAMPLE is not set to the cc3200_aws_iot example"
ENGINES=${MQTLS_TLS_ENGINES:-mbedtls openssl}
D=$TEST_DIR
tls_make_pki
K=$PKI

# A listener with its own lines (the trust of tls_listener is fixed to ca.pem).
raw_listener() {
    LISTENER_NAMES+=("$1")
    LISTENER_CONF[$1]=$2
}

tls_listener rsa server-rsa
tls_listener ec server
tls_listener v13 server-rsa "tls_version tlsv1.3"
# Only suites a CC3200 never offers (AEAD).
tls_listener aead server-rsa "ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"
raw_listener distrust "cafile $K/other-ca.pem
certfile $K/server-rsa.pem
keyfile $K/server-rsa.key
require_certificate true
use_identity_as_username true"
tls_listener intchain server-int-chain:server-int   # sends its certificate and the intermediate
tls_listener other server-other                   # names only other.example
plain_listener plain
start_listeners
start_silent_listener
export MQTLS_SL_HANDSHAKE_TIMEOUT_MS=1500

# A watcher with a valid certificate sees what the compat clients publish.
start_bg "$D/watch.out" mosquitto_sub -h 127.0.0.1 -p "$PORT_rsa" "${MOSQ_TLS[@]}" -i watch-compat -t 'compat/#' -q 1 -v
COMPAT_WATCH=$BG_PID
wait_subscribed watch-compat 'compat/#'

# ---- flash directories ------------------------------------------------------------
# flash NAME KEY CERT CA: a store with 126 KEY, 127 CERT, 128 CA (PKI names; "-" = none)
flash() {
    local dir=$D/flash-$1
    mkdir -p "$dir"
    [[ $2 == - ]] || "$MQTLS" store put "$dir" 126 "$K/$2" >/dev/null || fail "store put $2"
    [[ $3 == - ]] || "$MQTLS" store put "$dir" 127 "$K/$3" >/dev/null || fail "store put $3"
    [[ $4 == - ]] || "$MQTLS" store put "$dir" 128 "$K/$4" --as ca >/dev/null || fail "store put $4"
    echo "$dir"
}
GOOD=$(flash good client-rsa.key client-rsa.pem ca.pem)
GOOD_EC=$(flash good-ec client.key client.pem ca.pem)
NOCA=$(flash noca client-rsa.key client-rsa.pem -)
"$MQTLS" store put "$NOCA" ca-by-name "$K/ca.pem" --as ca >/dev/null || fail "store put ca-by-name"
PEMCA=$(flash pemca client-rsa.key client-rsa.pem -)
cp "$K/ca.pem" "$PEMCA/cert/128.der"     # PEM bytes where the chip reads DER
CHAINCA=$(flash chainca client-rsa.key client-rsa.pem -)
openssl x509 -in "$K/other-ca.pem" -outform DER -out "$D/other-ca.der"
cat "$K/ca.der" "$D/other-ca.der" >"$CHAINCA/cert/128.der"  # two DER certificates
WRONGCA=$(flash wrongca client-rsa.key client-rsa.pem other-ca.pem)
INTCA=$(flash intca client-rsa.key client-rsa.pem int-ca.pem)
BADKEY=$(flash badkey - client-rsa.pem ca.pem)
cp "$K/client-rsa.der" "$BADKEY/cert/126.der"  # a certificate where the key belongs
BADCERT=$(flash badcert client-rsa.key - ca.pem)
cp "$K/client-rsa.key.der" "$BADCERT/cert/127.der"  # a key where the certificate belongs
BADDH=$(flash baddh client-rsa.key client-rsa.pem ca.pem)
cp "$K/garbage.pem" "$BADDH/cert/129.der"
UNTRUSTED=$(flash untrusted client-other.key client-other.pem ca.pem)
MISMATCH=$(flash mismatch client.key client-rsa.pem ca.pem)

# ---- helpers ---------------------------------------------------------------------------
# drive ENGINE FLASH ARGS... : run the driver; its output in $D/drv.out
drive() {
    local engine=$1 dir=$2
    shift 2
    MQTLS_SL_ENGINE=$engine MQTLS_SL_FLASH=$dir timeout 60 "$DRIVER" "$@" >"$D/drv.out" 2>"$D/drv.err" ||
        fail "sl_driver $* exited $? ($(cat "$D/drv.out" "$D/drv.err"))"
    [[ ${MQTLS_TEST_VERBOSE:-0} == 1 ]] && note "$engine $*: $(tr '\n' ' ' <"$D/drv.out")"
    return 0
}

# codes: the code= lines of the last run, space-separated
codes() { sed -n 's/^code=//p' "$D/drv.out" | tr '\n' ' ' | sed 's/ $//'; }

# expect_code WHAT CODES ENGINE FLASH ARGS...
expect_code() {
    local what=$1 want=$2
    shift 2
    drive "$@"
    assert_eq "$what (engine $1)" "$want" "$(codes)"
}

# doctor_agrees WHAT CODE PORT FLASH FILES [DOCTOR ARGS...]: the doctor names the same code.
doctor_agrees() {
    local what=$1 code=$2 port=$3 dir=$4 files=$5 got
    shift 5
    got=$("$MQTLS" doctor -h 127.0.0.1 -p "$port" --store "$dir" --files "$files" --json "$@" 2>/dev/null |
        jq -r '.simplelink.code') || true
    assert_eq "$what: the doctor's SimpleLink code" "$code" "$got"
}

# roundtrip_seen PAYLOAD: the watcher received it
roundtrip_seen() {
    local i
    for ((i = 0; i < 250; i++)); do
        grep -qF -- "$1" "$D/watch.out" && return 0
        sleep 0.02
    done
    fail "the watcher never received '$1' ($(cat "$D/watch.out"))"
}

expect_roundtrip() {
    assert_contains "$1: message back through the broker" "roundtrip=ok" "$D/drv.out"
    roundtrip_seen "$(sed -n 's/^payload=//p' "$D/drv.out")"
}

SEED_MASK=0x10 # SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA
FILES=126,127,128,0

for engine in $ENGINES; do
    # ---- the correct set
    expect_code "correct set, the seed's mask" "0" "$engine" "$GOOD" --mask $SEED_MASK --id "drv-$engine-1" \
        --topic "compat/$engine/seed" 127.0.0.1 "$PORT_rsa"
    expect_roundtrip "$engine: correct set"
    expect_code "EC client, default mask, EC server" "0" "$engine" "$GOOD_EC" --id "drv-$engine-2" \
        --topic "compat/$engine/ec" 127.0.0.1 "$PORT_ec"
    expect_roundtrip "$engine: EC"
    # The Paho API on the same connection: QoS 0/1/2 both ways, BUFFER_OVERFLOW,
    # keepalive across a 4 s yield (keepalive 2 s), unsubscribe, disconnect.
    expect_code "Paho API" "0" "$engine" "$GOOD" --api --id "drv-$engine-api" --topic "compat/$engine/api" \
        127.0.0.1 "$PORT_rsa"
    assert_contains "$engine: Paho API" "api=ok" "$D/drv.out"
    # The Paho API when things go wrong: the broker closes the connection, then
    # (the broker stopped for a moment) a SUBACK and a PUBACK never come. Each
    # time FAILURE, disconnected as Paho's, MQTTConnect on a new socket works.
    expect_code "Paho API failures" "0" "$engine" "$GOOD" --failures "$BROKER_PID" --id "drv-$engine-fail" \
        --topic "compat/$engine/fail" 127.0.0.1 "$PORT_rsa"
    assert_contains "$engine: Paho API failures" "failures=ok" "$D/drv.out"
    expect_code "method SSLv3..TLS 1.2 (gives 1.2)" "0" "$engine" "$GOOD" --method 4 127.0.0.1 "$PORT_rsa"

    # ---- the CA file
    expect_code "CA file missing" "-456" "$engine" "$NOCA" 127.0.0.1 "$PORT_rsa"
    doctor_agrees "CA file missing" -456 "$PORT_rsa" "$NOCA" $FILES
    expect_code "CA flashed as PEM" "-456" "$engine" "$PEMCA" 127.0.0.1 "$PORT_rsa"
    doctor_agrees "CA flashed as PEM" -456 "$PORT_rsa" "$PEMCA" $FILES
    expect_code "CA file holding a chain" "-456" "$engine" "$CHAINCA" 127.0.0.1 "$PORT_rsa"
    doctor_agrees "CA file holding a chain" -456 "$PORT_rsa" "$CHAINCA" $FILES
    expect_code "wrong root" "-155" "$engine" "$WRONGCA" 127.0.0.1 "$PORT_rsa"
    doctor_agrees "wrong root" -155 "$PORT_rsa" "$WRONGCA" $FILES
    # The NWP needs the CA that issued the last certificate sent (mqtls/slcodes.h):
    # an intermediate the server sends is no anchor, on either engine.
    expect_code "intermediate as CA, server sends it" "-155" "$engine" "$INTCA" 127.0.0.1 "$PORT_intchain"
    doctor_agrees "intermediate as CA" -155 "$PORT_intchain" "$INTCA" $FILES --tls-engine "$engine"
    # The name is checked only with option 35: an IP host and another name connect without it.
    expect_code "another name, no option 35" "0" "$engine" "$GOOD" --raw 127.0.0.1 "$PORT_other"
    doctor_agrees "another name, no option 35" 0 "$PORT_other" "$GOOD" $FILES --tls-engine "$engine"
    doctor_agrees "another name, option 35" -222 "$PORT_other" "$GOOD" $FILES --tls-engine "$engine" --sl-domain-check

    # ---- CA ID 0: connected, not verified
    expect_code "CA ID 0, server_verify 0" "-453" "$engine" "$GOOD" --files 126,127,0,0 --verify 0 \
        --id "drv-$engine-3" --topic "compat/$engine/noverify" 127.0.0.1 "$PORT_rsa"
    expect_roundtrip "$engine: CA ID 0 tolerated"
    expect_code "CA ID 0, server_verify 1" "-453" "$engine" "$GOOD" --files 126,127,0,0 --verify 1 \
        --topic "compat/$engine/never" 127.0.0.1 "$PORT_rsa"
    assert_contains "CA ID 0, verify 1: no session" "code=-453" "$D/drv.out"
    grep -q roundtrip "$D/drv.out" && fail "$engine: CA ID 0 with server_verify 1 must not carry MQTT"
    doctor_agrees "CA ID 0" -453 "$PORT_rsa" "$GOOD" 126,127,0,0

    # ---- the device clock
    expect_code "clock unset, then sl_DevSet" "-461 0" "$engine" "$GOOD" --date unset --date-retry \
        --id "drv-$engine-4" --topic "compat/$engine/date" 127.0.0.1 "$PORT_rsa"
    expect_roundtrip "$engine: after sl_DevSet"
    expect_code "clock unset, raw sl_Connect" "-461" "$engine" "$GOOD" --raw --date unset 127.0.0.1 "$PORT_rsa"
    assert_contains "clock unset: connected and flagged, as on the chip" "connack=ok" "$D/drv.out"
    doctor_agrees "clock unset" -461 "$PORT_rsa" "$GOOD" $FILES --device-time unset

    # ---- our own files
    expect_code "bad key file" "-458" "$engine" "$BADKEY" 127.0.0.1 "$PORT_rsa"
    doctor_agrees "bad key file" -458 "$PORT_rsa" "$BADKEY" $FILES
    expect_code "bad certificate file" "-457" "$engine" "$BADCERT" 127.0.0.1 "$PORT_rsa"
    doctor_agrees "bad certificate file" -457 "$PORT_rsa" "$BADCERT" $FILES
    expect_code "bad DH file" "-459" "$engine" "$BADDH" --files 126,127,128,129 127.0.0.1 "$PORT_rsa"
    doctor_agrees "bad DH file" -459 "$PORT_rsa" "$BADDH" 126,127,128,129

    # ---- what the server refuses
    expect_code "TLS 1.2 against a TLS 1.3-only listener" "-370" "$engine" "$GOOD" 127.0.0.1 "$PORT_v13"
    doctor_agrees "TLS 1.3-only listener" -370 "$PORT_v13" "$GOOD" $FILES
    expect_code "method TLS 1.1 (refused by mqtls)" "-370" "$engine" "$GOOD" --method 2 127.0.0.1 "$PORT_rsa"
    expect_code "mask with no suite the broker accepts" "-340" "$engine" "$GOOD" --mask $SEED_MASK \
        127.0.0.1 "$PORT_aead"
    doctor_agrees "no common suite" -340 "$PORT_aead" "$GOOD" $FILES --sl-mask "$SEED_MASK"
    # the same mask as the firmware writes it
    doctor_agrees "no common suite (mask by name)" -340 "$PORT_aead" "$GOOD" $FILES \
        --sl-mask "SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
    expect_code "ECDSA-only mask against an RSA server" "-340" "$engine" "$GOOD" --mask 0x200 \
        127.0.0.1 "$PORT_rsa"
    # RC4: mbedTLS 2.28 still offers it when asked, the broker's OpenSSL 3 has none;
    # the OpenSSL engine has none either and says so on stderr, not silently.
    # mbedTLS 3.x has no RC4 either.
    if [[ $engine == openssl ]] || ! mbedtls_is_2x; then
        expect_code "RC4 + the seed's suite: RC4 dropped with a warning" "0" "$engine" "$GOOD" --mask 0x11 \
            127.0.0.1 "$PORT_rsa"
        assert_contains "the dropped suite is named" "warning: mask 0x011: the $engine engine lacks TLS_RSA_WITH_RC4_128_SHA" \
            "$D/drv.err"
        [[ $(wc -l <"$D/drv.err") == 1 ]] || fail "one warning line expected: $(cat "$D/drv.err")"
        expect_code "RC4 only: nothing left to offer" "-290" "$engine" "$GOOD" --mask 0x1 127.0.0.1 "$PORT_rsa"
    else
        expect_code "RC4 only, refused by the broker" "-340" "$engine" "$GOOD" --mask 0x1 127.0.0.1 "$PORT_rsa"
        [[ ! -s $D/drv.err ]] || fail "mbedtls has RC4: no warning expected: $(cat "$D/drv.err")"
    fi
    expect_code "client certificate the broker does not trust" "-348" "$engine" "$UNTRUSTED" \
        127.0.0.1 "$PORT_rsa"
    doctor_agrees "client certificate rejected" -348 "$PORT_rsa" "$UNTRUSTED" $FILES
    expect_code "broker trusting another CA" "-348" "$engine" "$GOOD" 127.0.0.1 "$PORT_distrust"
    expect_code "no client certificate (IDs 0,0)" "-340" "$engine" "$GOOD" --files 0,0,128,0 127.0.0.1 "$PORT_rsa"
    doctor_agrees "no client certificate" -340 "$PORT_rsa" "$GOOD" 0,0,128,0
    # The chip would send it and get alert decrypt_error (-351); mqtls refuses
    # the pair before connecting: the general code.
    expect_code "key of another certificate" "-450" "$engine" "$MISMATCH" 127.0.0.1 "$PORT_rsa"
    expect_code "handshake timeout" "-462" "$engine" "$GOOD" 127.0.0.1 "$SILENT_PORT"

    # ---- files by name (options 30..33) instead of IDs
    expect_code "CA by name" "0" "$engine" "$NOCA" --raw --name "2=/cert/ca-by-name.der" 127.0.0.1 "$PORT_rsa"
    expect_code "CA by a name not in the flash" "-456" "$engine" "$GOOD" --raw --name "2=/cert/nope.der" \
        127.0.0.1 "$PORT_rsa"
    expect_code "key by name: a certificate" "-458" "$engine" "$GOOD" --raw --name "0=/cert/127.der" \
        127.0.0.1 "$PORT_rsa"

    # ---- the name check, only when the firmware asks for it
    expect_code "domain option, wrong name" "-222" "$engine" "$GOOD" --raw --domain wrong.example \
        127.0.0.1 "$PORT_rsa"
    expect_code "domain option, right name" "0" "$engine" "$GOOD" --raw --domain localhost 127.0.0.1 "$PORT_rsa"
    assert_contains "domain option: the connection carries MQTT" "connack=ok" "$D/drv.out"
done

# ---- ConnectNetwork: the same client over plain TCP
expect_code "Paho API over plain TCP" "0" mbedtls "$GOOD" --plain --api --id drv-plain-api --topic compat/plain/api \
    127.0.0.1 "$PORT_plain"
assert_contains "plain: Paho API" "api=ok" "$D/drv.out"

# ---- the example, as the seed's firmware (secureFiles 126/127/128, TLS 1.2, the seed's mask)
for engine in $ENGINES; do
    MQTLS_SL_ENGINE=$engine MQTLS_SL_FLASH=$GOOD expect_status "example ($engine)" 0 \
        timeout 60 "$EXAMPLE" 127.0.0.1 "$PORT_rsa" "compat/example/$engine"
    assert_contains "example ($engine): connected" "TLSConnectNetwork: 0" "$TEST_DIR/out"
    roundtrip_seen "compat/example/$engine hello from the CC3200"
done
# The example with the device's PEM root: the seed's "Bad CA file".
MQTLS_SL_FLASH=$PEMCA expect_status "example with a PEM root" 1 timeout 60 "$EXAMPLE" 127.0.0.1 "$PORT_rsa" compat/x
assert_contains "example with a PEM root" "TLSConnectNetwork: -456" "$TEST_DIR/out"
kill -0 "$COMPAT_WATCH" 2>/dev/null || fail "the watcher died: $(cat "$D/watch.out.err")"
note "all compat cases passed"
