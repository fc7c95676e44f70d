#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `mqtls doctor --store DIR --files K,C,A,D`: the files a device would load,
# judged as a CC3200 judges them, and the SimpleLink code it would return,
# against a real mosquitto. Cases: a healthy store (code 0), the CA file PEM
# renamed to .der (ca-not-der, -456), a PEM chain as CA file (ca-not-single,
# -456), an intermediate as CA file while the server sends it (ca-not-root,
# -155), the wrong root (ca-mismatch, -155), the seed question's legacy
# VeriSign G5 root against an "Amazon Root CA 1" server (ca-legacy-root,
# -155), the device's clock unset (server-cert-not-yet-valid, -461), a key
# that is not the certificate's (key-mismatch), CA ID 0 (ca-missing, -453)
# a missing key file (key-file-bad, -458) and a certificate in the DH slot
# (dh-file-bad, -459).
# shellcheck source=tests/integration/lib.sh disable=SC2154 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/integration/doctor_lib.sh
. "$(dirname "$0")/doctor_lib.sh"

D=$TEST_DIR
T0=$SECONDS
tls_make_pki
K=$PKI
S=$D/flash

"$MQTLS" ca init "$D/amazon" --cn "Amazon Root CA 1" --org Amazon --days 30 >/dev/null
"$MQTLS" ca init "$D/verisign" --cn "VeriSign Class 3 Public Primary Certification Authority - G5" \
    --org "VeriSign, Inc." --days 30 >/dev/null
"$MQTLS" ca issue "$D/amazon" --server --cn localhost --san DNS:localhost,IP:127.0.0.1 --days 30 \
    -o "$K/aws-server" >/dev/null
chmod 644 "$K/aws-server.key"
mkdir -p "$D/sysca"
cp "$D/amazon/ca.pem" "$D/sysca/AmazonRootCA1.pem"

tls_listener main server
tls_listener intchain server-int-chain:server-int
tls_listener aws aws-server
tls_listener other server-other   # names only other.example
tls_listener v13 server "tls_version tlsv1.3"
tls_listener aead server-rsa "ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES256-GCM-SHA384"
start_listeners

# The flash: what `mqtls store put` validates and converts (IDs as in the seed question) ...
put() { "$MQTLS" store put "$S" "$@" >/dev/null 2>&1 || fail "store put $*"; }
put 126 "$K/client.key"
put 127 "$K/client.pem"
put 128 "$K/ca.pem" --as ca
put 129 "$K/int-ca.pem" --as ca      # accepted with a warning: an intermediate
put 130 "$K/other-ca.pem" --as ca
put 131 "$D/verisign/ca.pem" --as ca
put 132 "$K/client-other.key"
# ... and what a hand-made flash gets wrong: a PEM file renamed .der, a PEM chain.
cp "$K/ca.pem" "$S/cert/140.der"
cp "$K/ca-bundle.pem" "$S/cert/141.der"

H=(-h 127.0.0.1 -i doctor-store --store "$S")

doctor_expect store-ok null 0 "${H[@]}" -p "$PORT_main" --files 126,127,128,0
doctor_all_pass store-ok
doctor_sl store-ok 0 SL_OK
doctor_step store-ok files pass "every file is DER"

doctor_expect pem ca-not-der 2 "${H[@]}" -p "$PORT_main" --files 126,127,140,0
doctor_sl pem -456 SL_ESECBADCAFILE
doctor_step pem files fail "PEM"
doctor_step pem tls skip

doctor_expect chain ca-not-single 2 "${H[@]}" -p "$PORT_main" --files 126,127,141,0
doctor_sl chain -456 SL_ESECBADCAFILE
# Two DER certificates back to back: the same cause, named as what they are.
openssl x509 -in "$K/other-ca.pem" -outform der -out "$D/other-ca.der"
cat "$K/ca.der" "$D/other-ca.der" >"$S/cert/142.der"
doctor_expect concat ca-not-single 2 "${H[@]}" -p "$PORT_main" --files 126,127,142,0
doctor_sl concat -456 SL_ESECBADCAFILE
doctor_step concat files fail "2 DER certificates concatenated"

# The server sends its certificate and the intermediate; the flash holds the
# intermediate. mbedTLS on this computer accepts it as an anchor, a CC3200
# needs the root that issued the last certificate sent.
doctor_expect intermediate ca-not-root 2 "${H[@]}" -p "$PORT_intchain" --files 126,127,129,0
doctor_sl intermediate -155 SL_ESEC_ASN_SIG_CONFIRM_E
doctor_step intermediate tls pass
doctor_step intermediate ca fail "intermediate"
doctor_hint intermediate "mqtls test CA"
# Without a store the same CA file works here: a warning, not a failure (exit 3).
doctor_expect intermediate-pc ca-not-root 3 -h 127.0.0.1 -i doctor-store -p "$PORT_intchain" \
    --cafile "$K/int-ca.pem" --cert "$K/client.pem" --key "$K/client.key"
doctor_step intermediate-pc ca warn
doctor_step intermediate-pc roundtrip pass

doctor_expect wrong-root ca-mismatch 2 "${H[@]}" -p "$PORT_main" --files 126,127,130,0
doctor_sl wrong-root -155 SL_ESEC_ASN_SIG_CONFIRM_E

# The seed question: VeriSign G5 flashed as 128-equivalent, the endpoint chains to Amazon Root CA 1.
doctor_expect seed ca-legacy-root 2 "${H[@]}" -p "$PORT_aws" --files 126,127,131,0 --system-cafile-dir "$D/sysca"
doctor_sl seed -155 SL_ESEC_ASN_SIG_CONFIRM_E
doctor_hint seed "Amazon Root CA 1"
doctor_hint seed "$D/sysca/AmazonRootCA1.pem"

doctor_expect unset-clock server-cert-not-yet-valid 2 "${H[@]}" -p "$PORT_main" --files 126,127,128,0 \
    --device-time unset
doctor_sl unset-clock -461 SL_ESECDATEERROR
doctor_step unset-clock validity fail "unset clock"

doctor_expect store-key key-mismatch 2 "${H[@]}" -p "$PORT_main" --files 132,127,128,0
doctor_step store-key files fail "does not belong"

doctor_expect no-ca ca-missing 2 "${H[@]}" -p "$PORT_main" --files 126,127,0,0
doctor_sl no-ca -453 SL_ESECSNOVERIFY

doctor_expect no-key key-file-bad 2 "${H[@]}" -p "$PORT_main" --files 99,127,128,0
doctor_sl no-key -458 SL_ESECBADPRIVATEFILE
# A DH slot that names a certificate instead of parameters.
doctor_expect dh dh-file-bad 2 "${H[@]}" -p "$PORT_main" --files 126,127,128,128
doctor_sl dh -459 SL_ESECBADDHFILE
# The seed: the board said -456, the store's files give -155: say what the difference means.
doctor_expect seed-board ca-legacy-root 2 "${H[@]}" -p "$PORT_aws" --files 126,127,131,0 --board-said SL_ESECBADCAFILE
assert_eq "board: code" "-456" "$(jq -r .board.code "$D/seed-board.json")"
assert_eq "board: agrees" "false" "$(jq -r .board.agrees "$D/seed-board.json")"
assert_contains "board: meaning" "the file on the board is not the one in this store: PEM?" "$D/seed-board.txt"
doctor_expect seed-board2 ca-legacy-root 2 "${H[@]}" -p "$PORT_aws" --files 126,127,131,0 --board-said -155
assert_eq "board agrees" "true" "$(jq -r .board.agrees "$D/seed-board2.json")"
expect_status "--board-said without a store" 1 "$MQTLS" doctor -h 127.0.0.1 -p "$PORT_main" --board-said -456
expect_status "--board-said: not a code" 1 "$MQTLS" doctor "${H[@]}" -p "$PORT_main" --files 126,127,128,0 --board-said x
# The mask as firmware writes it.
doctor_expect mask-names null 0 "${H[@]}" -p "$PORT_main" --files 126,127,128,0 \
    --sl-mask "SL_SEC_MASK_TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256 | SL_SEC_MASK_TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
doctor_step mask-names files pass "mask 0x210"

# ---- device-side facts (issue 11, part 3): a PKCS#8 key where the chip reads PKCS#1/SEC1
expect_status "cert inspect: PKCS#8 key" 0 "$MQTLS" cert inspect "$K/client.pk8.der"
assert_contains "cert inspect: PKCS#8 warning" "a CC3200 reads its private key as PKCS#1 (RSA) or SEC1 (EC)" "$TEST_DIR/out"
expect_status "cert inspect: SEC1 key" 0 "$MQTLS" cert inspect "$K/client.key.der"
grep -q "PKCS#1 (RSA) or SEC1" "$TEST_DIR/out" && fail "a SEC1 key gets the PKCS#8 warning"
expect_status "store put: PKCS#8 converted" 0 "$MQTLS" store put "$D/flash3" 126 "$K/client.pk8.pem"
assert_contains "store put: says the conversion" "converted PKCS#8 → SEC1" "$TEST_DIR/err"
expect_status "store put: RSA PKCS#8 converted" 0 "$MQTLS" store put "$D/flash3" 125 "$K/client-rsa.pk8.pem"
assert_contains "store put: says the RSA conversion" "converted PKCS#8 → PKCS#1" "$TEST_DIR/err"
cp "$K/client.pk8.der" "$S/cert/150.der"   # what `openssl ... -outform der` gives, copied by hand
expect_status "store list: PKCS#8 warned" 0 "$MQTLS" store list "$S"
assert_contains "store list: PKCS#8" "warning: PKCS#8" "$TEST_DIR/out"
"$MQTLS" store check "$S" --files 150,127,128,0 >/dev/null 2>"$D/check-pk8.err" || true
assert_contains "store check: PKCS#8 note" "key 150 is PKCS#8" "$D/check-pk8.err"
doctor_expect pk8 key-pkcs8 3 "${H[@]}" -p "$PORT_main" --files 150,127,128,0
doctor_step pk8 files warn "PKCS#8"
doctor_step pk8 roundtrip pass

# In the device view a fix must be one a device can apply.
doctor_expect v13 no-common-version 2 "${H[@]}" -p "$PORT_v13" --files 126,127,128,0
doctor_hint v13 "A CC3200 speaks TLS 1.2: allow TLS 1.2 on the broker (on AWS IoT: a security policy with TLS 1.2)"
hint=$(jq -r .cause.hint "$D/v13.json")
[[ $hint != *"--tls-engine"* ]] || fail "v13: a PC engine is offered as the device's fix: $hint"
doctor_expect aead no-common-cipher 2 "${H[@]}" -p "$PORT_aead" --files 126,127,128,0 --sl-mask 0x10
doctor_hint aead "The device offers (mask 0x010): TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"
doctor_hint aead "Enable one of these on the server"

# ---- one model of the chip (issue 11, part 1)
# The intermediate as CA file: store put and store check say what the doctor finds.
"$MQTLS" store put "$D/flash2" 129 "$K/int-ca.pem" --as ca >/dev/null 2>"$D/put-int.err" || fail "store put int-ca"
assert_contains "store put: the NWP's rule" "only when it issued the last certificate the server sends" "$D/put-int.err"
"$MQTLS" store check "$S" --files 126,127,129,0 >/dev/null 2>"$D/check-int.err" || true
assert_contains "store check: the NWP's rule" "ca 129 is an intermediate" "$D/check-int.err"
assert_contains "store check: the same sentence" "only when it issued the last certificate the server sends" \
    "$D/check-int.err"
# A name that does not resolve never predicts success.
doctor_expect dns dns-failure 2 -h no-such-host.invalid -i doctor-store --store "$S" -p 8883 --files 126,127,128,0
doctor_sl dns -163 SL_NET_APP_DNS_QUERY_FAILED
doctor_step dns resolve fail "sl_NetAppDnsGetHostByName"
# An IP host and a certificate for another name: firmware without option 35 connects.
doctor_expect ipname hostname-mismatch 3 "${H[@]}" -p "$PORT_other" --files 126,127,128,0
doctor_sl ipname 0 SL_OK
doctor_step ipname hostname warn "option 35"
doctor_step ipname roundtrip pass
doctor_expect ipname-35 hostname-mismatch 2 "${H[@]}" -p "$PORT_other" --files 126,127,128,0 --sl-domain-check
doctor_sl ipname-35 -222 SL_ESEC_DOMAIN_NAME_E
# The device's own certificate not valid yet at its date: the broker judges it (-342), not the device (-461).
"$MQTLS" store check "$S" --files 126,127,128,0 --at 2020-01-01T00:00:00Z >/dev/null 2>"$D/check-date.err" || true
assert_contains "own certificate dates: the broker's verdict" "-342 SL_ESEC_BAD_CERTIFICATE" "$D/check-date.err"
grep -q "cert 127.*-461" "$D/check-date.err" && fail "own certificate: -461 predicted: $(cat "$D/check-date.err")"
# ... and through the doctor: one answer, the broker's (-342), no -461 on the way.
put 133 "$K/client-future.key"
put 134 "$K/client-future.pem"
doctor_expect own-future client-cert-rejected 2 "${H[@]}" -p "$PORT_main" --files 133,134,128,0
doctor_sl own-future -342 SL_ESEC_BAD_CERTIFICATE
grep -q -- "-461" "$D/own-future.json" && fail "own-future: -461 predicted on the way: $(cat "$D/own-future.json")"
doctor_hint own-future "NOT valid at this computer's clock"
# A root with the right name and another key is not recommended.
"$MQTLS" ca init "$D/fake-amazon" --cn "Amazon Root CA 1" --org Amazon --days 30 >/dev/null
mkdir -p "$D/sysca-fake"
cp "$D/fake-amazon/ca.pem" "$D/sysca-fake/AmazonRootCA1.pem"
doctor_expect seed-fake ca-legacy-root 2 "${H[@]}" -p "$PORT_aws" --files 126,127,131,0 --system-cafile-dir "$D/sysca-fake"
doctor_hint seed-fake "another key"
hint=$(jq -r .cause.hint "$D/seed-fake.json")
[[ $hint != *"The system trust store has it"* ]] || fail "seed-fake: a root with another key is recommended: $hint"

note "store: ok, PEM, chain, intermediate, wrong root, legacy root, clock unset, key, no CA, no key ($((SECONDS - T0)) s)"
