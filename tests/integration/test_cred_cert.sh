#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# mqtls cert (convert, inspect, verify, match, carray) against the openssl
# command, both ways, on a throwaway PKI; no broker. openssl is the
# independent judge: DER that mqtls writes must be byte-identical to
# openssl's conversion of the same input, everything mqtls writes must be
# read by openssl, every form openssl writes must be read by mqtls, and each
# bad input must get its own sentence naming what the file really is.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
tls_make_pki
W=$TEST_DIR/w
mkdir -p "$W"
PW=$PKI_PASSWORD

# ossl ARGS...: openssl, quiet, failing the test if it fails.
ossl() { openssl "$@" >/dev/null 2>&1 || fail "openssl $* failed"; }

# same_der WHAT OPENSSL_DER MQTLS_ARGS...: mqtls cert convert ... -o W/m.der == openssl's bytes.
same_der() {
    local what=$1 want=$2
    shift 2
    expect_status "$what: convert" 0 "$MQTLS" cert convert "$@" -o "$W/m.der"
    assert_file_eq "$what: byte-identical to openssl" "$want" "$W/m.der"
}

# ---- convert: byte-identical DER --------------------------------------------------
note "convert: DER identical to openssl's"
ossl x509 -in "$PKI/client.pem" -outform der -out "$W/o-cert.der"
same_der "certificate" "$W/o-cert.der" "$PKI/client.pem" --to der
ossl ec -in "$PKI/client.key" -outform der -out "$W/o-ec.der"
same_der "EC key SEC1" "$W/o-ec.der" "$PKI/client.key"
same_der "EC key from PKCS#8" "$W/o-ec.der" "$PKI/client.pk8.pem" --to der
ossl rsa -traditional -in "$PKI/client-rsa.key" -outform der -out "$W/o-rsa.der"
same_der "RSA key PKCS#1" "$W/o-rsa.der" "$PKI/client-rsa.key"
same_der "RSA key from PKCS#8" "$W/o-rsa.der" "$PKI/client-rsa.pk8.pem" --to der
ossl pkcs8 -topk8 -nocrypt -in "$PKI/client.key" -outform der -out "$W/o-ec8.der"
same_der "EC key PKCS#8" "$W/o-ec8.der" "$PKI/client.key" --pkcs8
ossl pkcs8 -topk8 -nocrypt -in "$PKI/client-rsa.key" -outform der -out "$W/o-rsa8.der"
same_der "RSA key PKCS#8" "$W/o-rsa8.der" "$PKI/client-rsa.key" --pkcs8
same_der "encrypted PKCS#8 (AES) to SEC1" "$W/o-ec.der" "$PKI/client-enc.pk8.pem" --password "$PW"
same_der "encrypted PKCS#8 (3DES) to SEC1" "$W/o-ec.der" "$PKI/client-enc3des.pk8.pem" --password "$PW"
same_der "encrypted RSA PKCS#8 to PKCS#1" "$W/o-rsa.der" "$PKI/client-rsa-enc.pk8.pem" --password "$PW"

# ---- convert: openssl reads what mqtls writes ---------------------------------------------
note "convert: openssl reads every file mqtls writes"
expect_status "DER cert to PEM" 0 "$MQTLS" cert convert "$PKI/client.der" -o "$W/c.pem"
assert_file_eq "DER cert to PEM equals openssl's PEM" "$PKI/client.pem" "$W/c.pem"
ossl x509 -in "$W/c.pem" -noout
expect_status "chain to PEM" 0 "$MQTLS" cert convert "$PKI/client-chain.pem" --to pem -o "$W/chain.pem"
assert_file_eq "chain to PEM" "$PKI/client-chain.pem" "$W/chain.pem"
for k in client.key client-rsa.key client.key.der client-rsa.key.der; do
    for form in "" --pkcs8; do
        expect_status "$k $form to PEM" 0 "$MQTLS" cert convert "$PKI/$k" --to pem $form -o "$W/k.pem"
        ossl pkey -in "$W/k.pem" -noout
        expect_status "$k $form to DER" 0 "$MQTLS" cert convert "$PKI/$k" --to der $form -o "$W/k.der"
        ossl pkey -inform der -in "$W/k.der" -noout
    done
done
[[ $(stat -c %a "$W/k.der") == 600 ]] || fail "a key is written mode 0600, not $(stat -c %a "$W/k.der")"
head -n 1 "$W/k.pem" | grep -qx -- "-----BEGIN PRIVATE KEY-----" || fail "--pkcs8 PEM label"
expect_status "SEC1 PEM label" 0 "$MQTLS" cert convert "$PKI/client.key.der" -o "$W/k.pem"
head -n 1 "$W/k.pem" | grep -qx -- "-----BEGIN EC PRIVATE KEY-----" || fail "device-form EC PEM label"

# ---- mqtls reads what openssl writes ---------------------------------------------------
note "inspect/convert: every form openssl writes"
ossl genrsa -out "$W/genrsa.pem" 2048
ossl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/genpkey-rsa.pem"
ossl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out "$W/genpkey-ec.pem"
ossl ecparam -name prime256v1 -genkey -out "$W/ecparam.pem" # EC PARAMETERS block first
ossl pkcs8 -topk8 -nocrypt -in "$W/genrsa.pem" -out "$W/p8.pem"
ossl pkcs8 -topk8 -passout "pass:$PW" -in "$W/genpkey-ec.pem" -out "$W/p8enc.pem"
ossl pkcs8 -topk8 -passout "pass:$PW" -in "$W/genrsa.pem" -outform der -out "$W/p8enc.der"
ossl ec -aes256 -passout "pass:$PW" -in "$PKI/client.key" -out "$W/legacy.pem"
check_key() { # FILE TYPE BITS [PASSWORD]
    local f=$1
    expect_status "inspect $f" 0 "$MQTLS" cert inspect --json ${4:+--password "$4"} "$W/$f"
    assert_contains "$f type" "\"key_type\": \"$2\"" "$TEST_DIR/out"
    assert_contains "$f bits" "\"key_bits\": $3" "$TEST_DIR/out"
    expect_status "convert $f" 0 "$MQTLS" cert convert "$W/$f" --to der ${4:+--password "$4"} -o "$W/x.der"
    # The same key: openssl's own device form of the input is identical.
    local ref=$W/ref.der
    if [[ $2 == RSA ]]; then
        ossl rsa -traditional ${4:+-passin "pass:$4"} -in "$W/$f" -outform der -out "$ref"
    else
        ossl ec ${4:+-passin "pass:$4"} -in "$W/$f" -outform der -out "$ref"
    fi
    assert_file_eq "$f: the key mqtls reads is the key openssl reads" "$ref" "$W/x.der"
}
check_key genrsa.pem RSA 2048
check_key genpkey-rsa.pem RSA 2048
check_key genpkey-ec.pem EC 384
check_key ecparam.pem EC 256
check_key p8.pem RSA 2048
check_key p8enc.pem EC 384 "$PW"
check_key p8enc.der RSA 2048 "$PW"
check_key legacy.pem EC 256 "$PW"
ossl req -x509 -newkey rsa:2048 -nodes -keyout "$W/self.key" -subj "/CN=self signed" -days 3 \
    -addext "subjectAltName=DNS:a.example,IP:10.1.2.3,email:x@a.example,URI:https://a.example/" -out "$W/self.pem"
expect_status "inspect req -x509" 0 "$MQTLS" cert inspect --json "$W/self.pem"
assert_contains "req -x509 self-signed" '"self_signed": true' "$TEST_DIR/out"
assert_contains "req -x509 SAN" '"san": "DNS:a.example, IP:10.1.2.3, email:x@a.example, URI:https://a.example/"' \
    "$TEST_DIR/out"
expect_status "match req -x509" 0 "$MQTLS" cert match "$W/self.pem" "$W/self.key"

# ---- inspect against what openssl prints ----------------------------------------------------
note "inspect: fields as openssl prints them"
for c in client.pem server.pem int-ca.pem ca.der server-rsa.pem; do
    expect_status "inspect $c" 0 "$MQTLS" cert inspect --json "$PKI/$c"
    J=$TEST_DIR/out
    form=pem; [[ $c == *.der ]] && form=der
    cn=$(openssl x509 -inform "$form" -in "$PKI/$c" -noout -subject -nameopt multiline | sed -n 's/^ *commonName *= //p')
    # The CN value exactly, wherever it stands in the DN (mqtls ca writes CN first).
    grep -Eq "\"subject\": \"([^\"]*, )?CN=$cn(, [^\"]*)?\"" "$J" || fail "$c subject CN: 'CN=$cn' not in: $(cat "$J")"
    serial=$(openssl x509 -inform "$form" -in "$PKI/$c" -noout -serial | sed 's/^serial=//')
    got=$(sed -n 's/.*"serial": "\([^"]*\)".*/\1/p' "$J" | tr -d :)
    assert_eq "$c serial" "$serial" "$got"
    fp=$(openssl x509 -inform "$form" -in "$PKI/$c" -noout -fingerprint -sha256 | sed 's/^.*Fingerprint=//')
    assert_contains "$c fingerprint" "\"sha256\": \"$fp\"" "$J"
    san=$(openssl x509 -inform "$form" -in "$PKI/$c" -noout -ext subjectAltName 2>/dev/null | sed -n '2p' |
          sed 's/^ *//; s/IP Address:/IP:/g')
    assert_contains "$c SAN" "\"san\": \"$san\"" "$J"
    end=$(date -u -d "$(openssl x509 -inform "$form" -in "$PKI/$c" -noout -enddate | sed 's/notAfter=//')" +%s)
    assert_contains "$c not after" "\"not_after_unix\": $end" "$J"
done
expect_status "inspect CA" 0 "$MQTLS" cert inspect --json "$PKI/ca.pem"
assert_contains "CA is_ca" '"is_ca": true, "path_len": -1' "$TEST_DIR/out"
assert_contains "CA key usage" '"key_usage": "keyCertSign, cRLSign"' "$TEST_DIR/out"
assert_contains "CA self-signed" '"self_signed": true' "$TEST_DIR/out"
assert_contains "CA curve" '"curve": "secp256r1"' "$TEST_DIR/out"
expect_status "inspect intermediate" 0 "$MQTLS" cert inspect --json "$PKI/int-ca.pem"
assert_contains "intermediate path length" '"is_ca": true, "path_len": 0' "$TEST_DIR/out"
assert_contains "intermediate not self-signed" '"self_signed": false' "$TEST_DIR/out"
expect_status "inspect server" 0 "$MQTLS" cert inspect --json "$PKI/server-rsa.pem"
assert_contains "server EKU" '"ext_key_usage": "serverAuth"' "$TEST_DIR/out"
assert_contains "server RSA" '"key_type": "RSA", "key_bits": 2048' "$TEST_DIR/out"
assert_contains "server sig" '"sig_alg": "ecdsa-with-SHA256"' "$TEST_DIR/out"
expect_status "inspect chain" 0 "$MQTLS" cert inspect --json "$PKI/client-chain.pem"
assert_eq "chain: one object per certificate" 2 "$(grep -c '"kind": "certificate"' "$TEST_DIR/out")"
command -v python3 >/dev/null && { python3 -m json.tool "$TEST_DIR/out" >/dev/null || fail "inspect --json is not JSON"; }

# ---- verify -------------------------------------------------------------------------------
note "verify: chains, trust and time"
expect_status "good chain" 0 "$MQTLS" cert verify --cafile "$PKI/ca.pem" "$PKI/server.pem"
expect_status "CA bundle" 0 "$MQTLS" cert verify --cafile "$PKI/ca-bundle.pem" "$PKI/client.pem"
expect_status "other CA" 2 "$MQTLS" cert verify --cafile "$PKI/other-ca.pem" "$PKI/server.pem"
assert_contains "untrusted reason" "does not chain to the CA" "$TEST_DIR/err"
assert_contains "untrusted code" "CRED_UNTRUSTED" "$TEST_DIR/err"
expect_status "expired now" 2 "$MQTLS" cert verify --cafile "$PKI/ca.pem" --at now "$PKI/server-expired.pem"
assert_contains "expired reason" "expired at" "$TEST_DIR/err"
assert_contains "expired code" "CRED_EXPIRED" "$TEST_DIR/err"
expect_status "not yet valid" 2 "$MQTLS" cert verify --cafile "$PKI/ca.pem" "$PKI/server-future.pem"
assert_contains "future reason" "is not valid until" "$TEST_DIR/err"
assert_contains "future code" "CRED_NOT_YET_VALID" "$TEST_DIR/err"
expect_status "intermediate missing" 2 "$MQTLS" cert verify --cafile "$PKI/ca.pem" "$PKI/server-int.pem"
expect_status "--untrusted intermediate" 0 "$MQTLS" cert verify --cafile "$PKI/ca.pem" --untrusted "$PKI/int-ca.pem" \
    "$PKI/server-int.pem"
expect_status "chain in the cert file" 0 "$MQTLS" cert verify --cafile "$PKI/ca.pem" "$PKI/server-int-chain.pem"
ossl ecparam -name prime256v1 -genkey -noout -out "$W/twin.key"
ossl req -x509 -new -key "$W/twin.key" -subj "/CN=mqtls test CA/O=mqtls tests" -days 3 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out "$W/twin-ca.pem"
expect_status "a CA of the same name, another key" 2 "$MQTLS" cert verify --cafile "$W/twin-ca.pem" "$PKI/server.pem"
assert_contains "bad signature code" "CRED_BAD_SIGNATURE" "$TEST_DIR/err"
assert_contains "bad signature reason" "does not verify with the key of the CA" "$TEST_DIR/err"
expect_status "untrusted intermediate named" 2 "$MQTLS" cert verify --cafile "$PKI/other-ca.pem" \
    --untrusted "$PKI/int-ca.pem" "$PKI/server-int.pem"
assert_contains "top of the path named" "'O=mqtls tests, CN=mqtls test intermediate CA' does not chain" "$TEST_DIR/err"
expect_status "a leaf as CA" 2 "$MQTLS" cert verify --cafile "$PKI/client.pem" "$PKI/server.pem"
assert_contains "leaf as CA named" "client.pem: a CA certificate was expected" "$TEST_DIR/err"
expect_status "bad --at" 1 "$MQTLS" cert verify --cafile "$PKI/ca.pem" --at yesterday "$PKI/server.pem"

# --at: a CA and a leaf whose validity is entirely in the past (openssl ca sets dates).
O=$W/old
mkdir -p "$O/new"
: >"$O/index.txt"
cat >"$O/cnf" <<EOF
[ca]
default_ca = d
[d]
database = $O/index.txt
new_certs_dir = $O/new
rand_serial = yes
default_md = sha256
policy = p
unique_subject = no
[p]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
[leaf]
basicConstraints = critical, CA:FALSE
EOF
utc() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
ossl ecparam -name prime256v1 -genkey -noout -out "$O/ca.key"
ossl req -config "$O/cnf" -new -key "$O/ca.key" -subj "/CN=old CA" -out "$O/ca.csr"
ossl ca -batch -config "$O/cnf" -selfsign -keyfile "$O/ca.key" -startdate "$(utc '3 years ago')" \
    -enddate "$(utc '1 day ago')" -extensions v3ca -notext -in "$O/ca.csr" -out "$O/ca.pem"
ossl ecparam -name prime256v1 -genkey -noout -out "$O/leaf.key"
ossl req -config "$O/cnf" -new -key "$O/leaf.key" -subj "/CN=old leaf" -out "$O/leaf.csr"
ossl ca -batch -config "$O/cnf" -cert "$O/ca.pem" -keyfile "$O/ca.key" -startdate "$(utc '2 years ago')" \
    -enddate "$(utc '1 year ago')" -extensions leaf -notext -in "$O/leaf.csr" -out "$O/leaf.pem"
inside=$(date -u -d '18 months ago' +%Y-%m-%dT%H:%M:%SZ)
expect_status "expired, --at now" 2 "$MQTLS" cert verify --cafile "$O/ca.pem" "$O/leaf.pem"
assert_contains "leaf and CA both expired" "'CN=old CA' expired at" "$TEST_DIR/err"
expect_status "expired, --at inside the validity" 0 "$MQTLS" cert verify --cafile "$O/ca.pem" --at "$inside" \
    "$O/leaf.pem"
expect_status "--at before the leaf" 2 "$MQTLS" cert verify --cafile "$O/ca.pem" \
    --at "$(date -u -d '30 months ago' +%Y-%m-%d)" "$O/leaf.pem"
assert_contains "before the leaf" "'CN=old leaf' is not valid until" "$TEST_DIR/err"
expect_status "--at with an offset" 0 "$MQTLS" cert verify --cafile "$O/ca.pem" \
    --at "$(date -u -d '18 months ago' +%Y-%m-%dT%H:%M:%S)+02:00" "$O/leaf.pem"

# ---- match ----------------------------------------------------------------------------------
note "match"
expect_status "match EC" 0 "$MQTLS" cert match "$PKI/client.pem" "$PKI/client.key"
expect_status "match RSA DER" 0 "$MQTLS" cert match "$PKI/client-rsa.der" "$PKI/client-rsa.key.der"
expect_status "match encrypted" 0 "$MQTLS" cert match "$PKI/client.pem" "$PKI/client-enc.pk8.pem" --password "$PW"
expect_status "no match, same type" 2 "$MQTLS" cert match "$PKI/client.pem" "$PKI/server.key"
assert_contains "mismatch sentence" "does not belong to the certificate" "$TEST_DIR/err"
expect_status "no match, other type" 2 "$MQTLS" cert match "$PKI/client.pem" "$PKI/client-rsa.key"

# ---- carray -------------------------------------------------------------------------------------
note "carray"
expect_status "carray" 0 "$MQTLS" cert carray "$PKI/ca.der" --name ca_der -o "$W/ca.h"
assert_contains "guard" "#ifndef CA_DER_H" "$W/ca.h"
assert_contains "length" "const size_t ca_der_len = $(stat -c %s "$PKI/ca.der");" "$W/ca.h"
if command -v cc >/dev/null; then
    cat >"$W/t.c" <<'EOF'
#include <stdio.h>
#include "ca.h"
#include "ca.h"
int main(void) { return fwrite(ca_der, 1, ca_der_len, stdout) == ca_der_len ? 0 : 1; }
EOF
    cc -Wall -Werror -o "$W/t" "$W/t.c" -I"$W" || fail "the carray header does not compile"
    "$W/t" >"$W/t.der"
    assert_file_eq "carray bytes" "$PKI/ca.der" "$W/t.der"
fi
expect_status "carray PEM" 0 "$MQTLS" cert carray "$PKI/client-chain.pem" --name chain -o "$W/chain.h"
assert_contains "PEM length counts the NUL" "const size_t chain_len = $(($(stat -c %s "$PKI/client-chain.pem") + 1));" \
    "$W/chain.h"
expect_status "carray bad name" 1 "$MQTLS" cert carray "$PKI/ca.der" --name 9bad

# ---- bad inputs: each its own sentence ---------------------------------------------------------
note "bad inputs"
head -c 300 "$PKI/client.der" >"$W/trunc.der"
cp "$PKI/client.pem" "$W/pem-named.der"
ossl crl2pkcs7 -nocrl -certfile "$PKI/ca.pem" -out "$W/bundle.p7b"
ossl pkcs12 -export -passout pass:x -in "$PKI/client.pem" -inkey "$PKI/client.key" -out "$W/bundle.p12"
ossl req -new -key "$PKI/client.key" -subj "/CN=req" -out "$W/req.csr"
ossl pkey -pubout -in "$PKI/client.key" -out "$W/pub.pem"
head -c 500 /dev/urandom | tr '\060' '\061' >"$W/random.bin" # no leading 0x30: never DER by chance

# bad WHAT STATUS NEEDLE CMD...: exit status STATUS and NEEDLE (and the file name) on stderr.
bad() {
    local what=$1 st=$2 needle=$3
    shift 3
    expect_status "$what" "$st" "$@"
    assert_contains "$what: sentence" "$needle" "$TEST_DIR/err"
}
bad "truncated DER" 2 "truncated DER: 300 bytes" "$MQTLS" cert inspect "$W/trunc.der"
bad "truncated DER convert" 2 "trunc.der: " "$MQTLS" cert convert "$W/trunc.der" -o "$W/x"
expect_status "PEM named .der" 0 "$MQTLS" cert inspect "$W/pem-named.der"
assert_contains "PEM named .der is PEM" "pem-named.der: a PEM certificate" "$TEST_DIR/out"
expect_status "PEM named .der converts" 0 "$MQTLS" cert convert "$W/pem-named.der" -o "$W/x.der"
assert_file_eq "PEM named .der to DER" "$PKI/client.der" "$W/x.der"
bad "chain to DER" 2 "but the file is a PEM certificate chain of 2 certificates" \
    "$MQTLS" cert convert "$PKI/client-chain.pem" --to der -o "$W/x"
bad "PKCS#7 convert" 2 "a PEM PKCS#7 bundle" "$MQTLS" cert convert "$W/bundle.p7b" -o "$W/x"
bad "PKCS#7 as CA" 2 "bundle.p7b: a certificate was expected, but the file is a PEM PKCS#7 bundle" \
    "$MQTLS" cert verify --cafile "$W/bundle.p7b" "$PKI/client.pem"
bad "PKCS#12" 2 "a DER PKCS#12 bundle" "$MQTLS" cert convert "$W/bundle.p12" -o "$W/x"
expect_status "inspect names bundles" 0 "$MQTLS" cert inspect "$W/bundle.p7b" "$W/bundle.p12"
assert_contains "inspect PKCS#12" "PKCS#12 bundle" "$TEST_DIR/out"
bad "empty file" 2 "empty.pem: the file is empty" "$MQTLS" cert inspect "$PKI/empty.pem"
bad "empty as key" 2 "but the file is empty" "$MQTLS" cert match "$PKI/client.pem" "$PKI/empty.pem"
bad "random bytes" 2 "neither PEM nor DER" "$MQTLS" cert inspect "$W/random.bin"
bad "garbage.pem" 2 "garbage.pem: " "$MQTLS" cert convert "$PKI/garbage.pem" -o "$W/x"
bad "CSR as certificate" 2 "req.csr: a certificate was expected, but the file is a PEM certificate signing request" \
    "$MQTLS" cert verify --cafile "$PKI/ca.pem" "$W/req.csr"
bad "public key as private key" 2 "pub.pem: a private key was expected, but the file is a PEM public key" \
    "$MQTLS" cert match "$PKI/client.pem" "$W/pub.pem"
bad "key as certificate" 2 "client.key: a certificate was expected, but the file is a PEM EC private key (SEC1)" \
    "$MQTLS" cert match "$PKI/client.key" "$PKI/client.pem"
bad "encrypted key, no password" 2 "client-enc.pk8.pem: the file is a PEM encrypted private key (PKCS#8): give its password" \
    "$MQTLS" cert convert "$PKI/client-enc.pk8.pem" -o "$W/x"
bad "wrong password" 2 "the password does not decrypt it" \
    "$MQTLS" cert convert "$PKI/client-enc.pk8.pem" --password wrong -o "$W/x"
bad "wrong password, legacy PEM" 2 "the password does not decrypt it" \
    "$MQTLS" cert convert "$W/legacy.pem" --password wrong -o "$W/x"
bad "missing file" 2 "nope.pem: cannot read" "$MQTLS" cert inspect "$W/nope.pem"
expect_status "inspect --json error object" 2 "$MQTLS" cert inspect --json "$W/random.bin" "$PKI/ca.pem"
assert_contains "JSON error name" '"error": "CRED_GARBAGE"' "$TEST_DIR/out"

# ---- kinds recognised but not parsed, and mixed files ------------------------------------------
note "inspect: what other files are"
ossl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048 -out "$W/dh.pem"
ossl dhparam -in "$W/dh.pem" -outform der -out "$W/dh.der"
ossl req -new -key "$PKI/client.key" -subj "/CN=req" -outform der -out "$W/req.der"
ossl pkey -pubout -in "$PKI/client.key" -outform der -out "$W/pub.der"
ossl crl2pkcs7 -nocrl -certfile "$PKI/ca.pem" -outform der -out "$W/bundle.p7b.der"
expect_status "inspect other kinds" 0 "$MQTLS" cert inspect "$W/dh.pem" "$W/dh.der" "$W/req.der" "$W/pub.der" \
    "$W/bundle.p7b.der"
assert_contains "DH PEM" "dh.pem: a PEM file of Diffie-Hellman parameters" "$TEST_DIR/out"
assert_contains "DH DER" "dh.der: a DER file of Diffie-Hellman parameters" "$TEST_DIR/out"
assert_contains "CSR DER" "req.der: a DER certificate signing request (CSR)" "$TEST_DIR/out"
assert_contains "public key DER" "pub.der: a DER public key" "$TEST_DIR/out"
assert_contains "PKCS#7 DER" "bundle.p7b.der: a DER PKCS#7 bundle" "$TEST_DIR/out"
expect_status "public key converts" 0 "$MQTLS" cert convert "$W/pub.pem" -o "$W/x.der"
assert_file_eq "public key DER identical to openssl's" "$W/pub.der" "$W/x.der"
cat "$PKI/client.pem" "$PKI/client.key" >"$W/both.pem"
cat "$PKI/client.key" "$PKI/client.pem" >"$W/both2.pem"
expect_status "certificate and key in one file" 0 "$MQTLS" cert match "$W/both.pem" "$W/both.pem"
expect_status "key and certificate in one file" 0 "$MQTLS" cert match "$W/both2.pem" "$W/both2.pem"
expect_status "inspect a mixed file" 0 "$MQTLS" cert inspect "$W/both.pem"
assert_contains "mixed file named" "a PEM certificate, and a private key in the same file" "$TEST_DIR/out"

# ---- usage ---------------------------------------------------------------------------------
for sub in convert inspect verify match carray; do
    expect_status "$sub --help" 0 "$MQTLS" cert "$sub" --help
    assert_contains "$sub --help" "Usage: mqtls cert $sub" "$TEST_DIR/out"
done
expect_status "convert without -o" 1 "$MQTLS" cert convert "$PKI/client.pem"
expect_status "unknown subcommand" 1 "$MQTLS" cert frobnicate
expect_status "bad --to" 1 "$MQTLS" cert convert "$PKI/client.pem" --to p12 -o "$W/x"
expect_status "--pkcs8 on a certificate" 1 "$MQTLS" cert convert "$PKI/client.pem" --pkcs8 -o "$W/x"
note "ok"
