#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# An encrypted PKCS#8 key is judged by its PBKDF2 iteration count before any
# iteration runs (issue 11, part 5): a claimed 2^31 - 1 is refused with a
# sentence at once (it ran for about half an hour before), a count of 0, a
# negative one or one wider than 32 bits is "malformed", not "wrong password";
# through `cert inspect`, `store put` and a TLS connection (`pub --key-password`,
# both engines). The keys are openssl's, with the count re-encoded by a few
# lines of Python (the encrypted bytes need not change: nothing decrypts them).
# `timeout` only keeps a regression from hanging CI; nothing here is timed.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
D=$TEST_DIR

openssl ecparam -name prime256v1 -genkey -noout -out "$D/k.pem" 2>/dev/null
openssl pkcs8 -topk8 -in "$D/k.pem" -passout pass:pw -v2 aes-256-cbc -iter 2048 -outform der -out "$D/k.der"

# with_count OUT HEXBYTES: k.der with the PBKDF2 iteration INTEGER's content replaced.
with_count() {
    python3 - "$D/k.der" "$1" "$2" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
value = bytes.fromhex(sys.argv[3])
def tlv(b, i):
    tag = b[i]; n = b[i + 1]; i += 2
    if n & 0x80:
        k = n & 0x7F; n = int.from_bytes(b[i:i + k], 'big'); i += k
    return tag, i, n
def enc(tag, body):
    n = len(body)
    if n < 0x80: return bytes([tag, n]) + body
    l = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([tag, 0x80 | len(l)]) + l + body
def rewrite(b, depth):
    # the count is the first INTEGER after the salt, 5 levels down (openssl's layout)
    out = b''; i = 0; done = False
    while i < len(b):
        tag, s, n = tlv(b, i)
        body = b[s:s + n]
        if tag & 0x20 and not done:
            nb, done = rewrite(body, depth + 1)
            out += enc(tag, nb)
        elif tag == 0x02 and depth == 5 and not done:
            out += enc(0x02, value); done = True
        else:
            out += b[i:s + n]
        i = s + n
    return out, done
new, done = rewrite(data, 0)
assert done
open(sys.argv[2], 'wb').write(new)
PY
}
with_count "$D/huge.der" 7fffffff     # 2^31 - 1
with_count "$D/zero.der" 00
with_count "$D/neg.der" ff00
with_count "$D/wide.der" 0100000000   # 2^32: wider than 32 bits
openssl pkcs8 -inform der -in "$D/huge.der" -passin pass:pw -nocrypt -out /dev/null 2>/dev/null &&
    fail "openssl decrypted the patched key: the count was not patched"

expect_status "inspect: 2^31-1 iterations refused" 2 timeout 60 "$MQTLS" cert inspect "$D/huge.der" --password pw
assert_contains "the cap is said" "2147483647 PBKDF2 iterations; mqtls runs at most 10000000" "$D/err"
for c in zero neg wide; do
    expect_status "inspect: count $c" 2 timeout 60 "$MQTLS" cert inspect "$D/$c.der" --password pw
    assert_contains "count $c: malformed" "malformed key" "$D/err"
    grep -qi "password does not decrypt" "$D/err" && fail "count $c is called a wrong password: $(cat "$D/err")"
done
expect_status "store put: refused" 2 timeout 60 "$MQTLS" store put "$D/flash" 126 "$D/huge.der" --password pw
assert_contains "store put: the cap" "mqtls runs at most 10000000" "$D/err"
expect_status "store put: malformed" 2 timeout 60 "$MQTLS" store put "$D/flash" 126 "$D/zero.der" --password pw
assert_contains "store put: malformed" "malformed key" "$D/err"
# The real key still works.
expect_status "inspect: the real key" 0 timeout 60 "$MQTLS" cert inspect "$D/k.der" --password pw

# The TLS engines load keys themselves: same answers, before connecting anywhere.
tls_make_pki
for engine in mbedtls openssl; do
    expect_status "pub --key-password ($engine)" 2 timeout 60 "$MQTLS" pub -h 127.0.0.1 -p 1 --tls-engine "$engine" \
        --cafile "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$D/huge.der" --key-password pw -t t -m x
    assert_contains "pub ($engine): the cap" "10 million" "$D/err"
    expect_status "pub, malformed count ($engine)" 2 timeout 60 "$MQTLS" pub -h 127.0.0.1 -p 1 --tls-engine "$engine" \
        --cafile "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$D/neg.der" --key-password pw -t t -m x
    assert_contains "pub, malformed ($engine)" "malformed" "$D/err"
done
note "PBKDF2 iteration counts: cap, 0, negative, >32 bits; inspect, store put, pub"
