#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# DER that is DER, and files that say what they are (issue 11, part 3):
# `cert convert x -o y.der` writes DER (the name decides unless --to does; a
# PEM body never goes into a .der name); a certificate with non-minimal
# (BER) outer lengths becomes the DER openssl writes, through `cert convert`
# and `store put`; BER inside the signed part is refused with a sentence;
# two DER certificates back to back, trailing bytes, padding and 1 MB of NUL
# bytes are each named for what they are; extra base64 in a PEM block is
# reported, not dropped.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
D=$TEST_DIR

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$D/c.key" -subj /CN=der-test \
    -days 2 -addext basicConstraints=critical,CA:TRUE -outform der -out "$D/c.der" 2>/dev/null
openssl x509 -inform der -in "$D/c.der" -out "$D/c.pem"
# The same certificate with BER lengths: the outer SEQUENCE (not signed), then the tbsCertificate's (signed).
python3 - "$D" <<'PY'
import sys
d = sys.argv[1]
c = open(d + '/c.der', 'rb').read()
assert c[0] == 0x30 and c[1] == 0x82
n = int.from_bytes(c[2:4], 'big')
open(d + '/ber-outer.der', 'wb').write(b'\x30\x84\x00\x00' + c[2:])
t = c[4:]
assert t[0] == 0x30 and t[1] == 0x82
open(d + '/ber-tbs.der', 'wb').write(b'\x30\x82' + (n + 2).to_bytes(2, 'big') + b'\x30\x84\x00\x00' + t[2:])
PY
der_first_byte() { head -c 1 "$1" | od -An -tx1 | tr -d ' '; }

# ---- the output name decides
expect_status "convert DER -o .der" 0 "$MQTLS" cert convert "$D/c.der" -o "$D/out1.der"
assert_eq "DER into a .der name" "30" "$(der_first_byte "$D/out1.der")"
expect_status "convert PEM -o .der" 0 "$MQTLS" cert convert "$D/c.pem" -o "$D/out2.der"
cmp -s "$D/out2.der" "$D/c.der" || fail "PEM -> .der is not openssl's DER"
expect_status "convert DER -o .pem" 0 "$MQTLS" cert convert "$D/c.der" -o "$D/out3.pem"
assert_contains "DER -> .pem" "-----BEGIN CERTIFICATE-----" "$D/out3.pem"
expect_status "--to pem into a .der name" 1 "$MQTLS" cert convert "$D/c.der" -o "$D/out4.der" --to pem
assert_contains "--to pem into .der: a sentence" "a .der name" "$D/err"
[[ ! -e $D/out4.der ]] || fail "PEM was written into out4.der"
expect_status "--to says otherwise for other names" 0 "$MQTLS" cert convert "$D/c.der" -o "$D/out5.crt" --to pem
assert_contains ".crt with --to pem" "-----BEGIN CERTIFICATE-----" "$D/out5.crt"

# ---- BER in, DER out
openssl x509 -inform der -in "$D/ber-outer.der" -outform der -out "$D/ossl.der"
expect_status "convert BER (outer)" 0 "$MQTLS" cert convert "$D/ber-outer.der" -o "$D/out6.der"
assert_eq "BER -> DER: openssl's size" "$(wc -c <"$D/ossl.der")" "$(wc -c <"$D/out6.der")"
cmp -s "$D/out6.der" "$D/ossl.der" || fail "BER -> DER differs from openssl's DER"
expect_status "convert BER (outer) to PEM" 0 "$MQTLS" cert convert "$D/ber-outer.der" -o "$D/out7.pem"
openssl x509 -in "$D/out7.pem" -outform der | cmp -s - "$D/ossl.der" || fail "the PEM body is not DER"
expect_status "store put BER (outer)" 0 "$MQTLS" store put "$D/flash" 128 "$D/ber-outer.der" --as ca
cmp -s "$D/flash/cert/128.der" "$D/ossl.der" || fail "store put kept the BER lengths"
expect_status "convert BER inside the signed part" 2 "$MQTLS" cert convert "$D/ber-tbs.der" -o "$D/out8.der"
assert_contains "BER in tbsCertificate: a sentence" "would break its signature" "$D/err"

# ---- what a file is
cat "$D/c.der" "$D/c.der" >"$D/two.der"
expect_status "two DER certificates" 2 "$MQTLS" cert inspect "$D/two.der"
assert_contains "two DER certificates: named" "2 DER certificates concatenated" "$D/err"
{ cat "$D/c.der"; printf 'hello'; } >"$D/trail.der"
expect_status "trailing bytes" 2 "$MQTLS" cert inspect "$D/trail.der"
assert_contains "trailing bytes: named" "followed by 5 bytes that are not part of it" "$D/err"
{ cat "$D/c.der"; printf '\n\0\0'; } >"$D/pad.der"
expect_status "padding" 0 "$MQTLS" cert inspect "$D/pad.der"
assert_contains "padding: said" "followed by 3 bytes of padding" "$D/out"
{ echo "-----BEGIN CERTIFICATE-----"; { cat "$D/c.der"; printf 'xyz'; } | base64; echo "-----END CERTIFICATE-----"; } \
    >"$D/extra.pem"
expect_status "extra base64 in a PEM block" 2 "$MQTLS" cert convert "$D/extra.pem" -o "$D/extra.der"
assert_contains "extra base64: reported" "decodes to 3 bytes more than the certificate" "$D/err"
head -c 1048576 /dev/zero >"$D/nul.bin"
expect_status "1 MB of NUL bytes" 2 "$MQTLS" cert inspect "$D/nul.bin"
assert_contains "NUL bytes: named" "1048576 NUL bytes" "$D/err"
grep -q "only whitespace" "$D/err" && fail "NUL bytes called whitespace: $(cat "$D/err")"
note "convert by name, BER -> DER, concatenated, trailing, padding, NUL"
