#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Generated credentials: `mqtls key gen`, `mqtls csr`, `mqtls ca init` and
# `mqtls ca issue`, each output read back by the openssl command as an
# independent check (key type and size, CSR self-signature, subject and
# SANs, CA:TRUE/FALSE, key usage, EKU, SKI/AKI, validity, chain and purpose
# verification), key files mode 600, the CLI contract (refusals, usage
# errors exit 1, file failures exit 2 naming the file), and the point of
# it all: a PKI made entirely by mqtls (an EC CA and an RSA-2048 CA) carries
# mutual-TLS round trips through a real mosquitto for both TLS engines.
#
# RSA-3072 is generated once (mbedTLS itself is not instrumented, so it is
# quick even in a sanitizer build); every other RSA key is 2048 bits.
# shellcheck source=tests/integration/lib.sh disable=SC2154 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"

D=$TEST_DIR
ENGINES=${MQTLS_TLS_ENGINES:-mbedtls openssl}

# text_has WHAT FILE NEEDLE... : each NEEDLE is in FILE.
text_has() {
    local what=$1 file=$2 n
    shift 2
    for n in "$@"; do assert_contains "$what" "$n" "$file"; done
}

mode_is_600() {
    assert_eq "mode of $1" 600 "$(stat -c %a "$1")"
}

# ---- usage and --help ---------------------------------------------------------------
for cmd in "key" "key gen" "csr" "ca" "ca init" "ca issue"; do
    # shellcheck disable=SC2086 # word splitting intended: "key gen" is two words
    expect_status "mqtls $cmd --help" 0 "$MQTLS" $cmd --help
    assert_contains "mqtls $cmd --help" "Usage: mqtls ${cmd%% *}" "$D/out"
done
expect_status "key without a subcommand" 1 "$MQTLS" key
expect_status "key with an unknown subcommand" 1 "$MQTLS" key make -o "$D/x"
expect_status "key gen without -o" 1 "$MQTLS" key gen --type ec-p256
expect_status "key gen with an unknown type" 1 "$MQTLS" key gen --type dsa-1024 -o "$D/x"
assert_contains "key gen unknown type message" "dsa-1024" "$D/err"
expect_status "key gen with a broker flag" 1 "$MQTLS" key gen -o "$D/x" -h localhost
expect_status "key gen -o without a value" 1 "$MQTLS" key gen -o
[[ -e $D/x ]] && fail "a refused key gen wrote a file"
expect_status "key gen into a missing directory" 2 "$MQTLS" key gen -o "$D/no/such/dir/k.pem"
assert_contains "key gen write failure names the file" "$D/no/such/dir/k.pem" "$D/err"
note "usage errors exit 1, --help everywhere, an unwritable output exits 2"

# ---- keys ---------------------------------------------------------------------------------
# gen_key TYPE FILE HEADER TEXT... : generate, check the PEM header, mode, and openssl's view.
gen_key() {
    local type=$1 f=$2 header=$3
    shift 3
    expect_status "key gen $type" 0 "$MQTLS" key gen --type "$type" -o "$f"
    [[ $(head -n 1 "$f") == "-----BEGIN $header-----" ]] ||
        fail "$type key: first line $(head -n 1 "$f"), expected $header"
    mode_is_600 "$f"
    openssl pkey -in "$f" -noout 2>"$D/err" || fail "openssl cannot read the $type key: $(cat "$D/err")"
    openssl pkey -in "$f" -noout -text >"$D/pkey.txt" 2>&1
    text_has "openssl pkey -text of the $type key" "$D/pkey.txt" "$@"
}
gen_key ec-p256 "$D/ec256.key" "EC PRIVATE KEY" "Private-Key: (256 bit" "prime256v1"
gen_key ec-p384 "$D/ec384.key" "EC PRIVATE KEY" "Private-Key: (384 bit" "secp384r1"
gen_key rsa-2048 "$D/rsa2048.key" "RSA PRIVATE KEY" "Private-Key: (2048 bit"
gen_key rsa-3072 "$D/rsa3072.key" "RSA PRIVATE KEY" "Private-Key: (3072 bit"
expect_status "key gen default type" 0 "$MQTLS" key gen -o "$D/default.key"
openssl pkey -in "$D/default.key" -noout -text | grep -q prime256v1 || fail "the default key type is not ec-p256"
# An existing world-readable file is narrowed to 600 before the key goes in.
: >"$D/loose.key"
chmod 644 "$D/loose.key"
expect_status "key gen over a 644 file" 0 "$MQTLS" key gen -o "$D/loose.key"
mode_is_600 "$D/loose.key"
cmp -s "$D/ec256.key" "$D/default.key" && fail "two generated keys are identical"
note "keys: EC P-256/P-384 (SEC1), RSA 2048/3072 (PKCS#1), mode 600, read by openssl"

# ---- CSRs -----------------------------------------------------------------------------------
# check_csr WHAT FILE TEXT... : openssl verifies the self-signature and sees each TEXT.
check_csr() {
    local what=$1 f=$2
    shift 2
    openssl req -verify -in "$f" -noout 2>"$D/err" || fail "$what: openssl req -verify failed: $(cat "$D/err")"
    openssl req -in "$f" -noout -text >"$D/req.txt" 2>&1
    text_has "$what: openssl req -text" "$D/req.txt" "$@"
}
expect_status "csr EC" 0 "$MQTLS" csr -k "$D/ec256.key" --cn device-17 --org "Acme Devices" \
    --san DNS:device-17.local,DNS:localhost,IP:192.0.2.7,IP:2001:db8::1 -o "$D/ec.csr"
check_csr "EC CSR" "$D/ec.csr" "CN = device-17, O = Acme Devices" "ecdsa-with-SHA256" \
    "DNS:device-17.local, DNS:localhost, IP Address:192.0.2.7, IP Address:2001:DB8:0:0:0:0:0:1" \
    "Requested Extensions"
expect_status "csr RSA" 0 "$MQTLS" csr -k "$D/rsa2048.key" --cn rsa-device -o "$D/rsa.csr"
check_csr "RSA CSR" "$D/rsa.csr" "CN = rsa-device" "sha256WithRSAEncryption" "Public-Key: (2048 bit)"
grep -q "Subject Alternative Name" "$D/req.txt" && fail "a CSR without --san has a subjectAltName"
expect_status "csr with a comma in the CN" 0 "$MQTLS" csr -k "$D/ec384.key" --cn "Lab, bench 3" -o "$D/comma.csr"
check_csr "CSR with a comma" "$D/comma.csr" 'CN = "Lab, bench 3"' "secp384r1"

# Every key form openssl writes: PKCS#8, DER, encrypted (3DES) with --password.
openssl pkcs8 -topk8 -nocrypt -in "$D/ec256.key" -out "$D/ec256.pk8.pem"
openssl pkey -in "$D/rsa2048.key" -outform der -out "$D/rsa2048.pk8.der"
openssl pkcs8 -topk8 -v2 des3 -passout pass:s3cret -in "$D/ec256.key" -out "$D/ec256-3des.pk8.pem"
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:s3cret -in "$D/ec256.key" -out "$D/ec256-aes.pk8.pem"
expect_status "csr from PKCS#8 PEM" 0 "$MQTLS" csr -k "$D/ec256.pk8.pem" --cn p8 -o "$D/p8.csr"
check_csr "CSR from PKCS#8" "$D/p8.csr" "CN = p8"
expect_status "csr from DER" 0 "$MQTLS" csr -k "$D/rsa2048.pk8.der" --cn der -o "$D/der.csr"
check_csr "CSR from DER" "$D/der.csr" "CN = der" "2048 bit"
expect_status "csr from an encrypted key" 0 "$MQTLS" csr -k "$D/ec256-3des.pk8.pem" --password s3cret --cn enc \
    -o "$D/enc.csr"
check_csr "CSR from an encrypted key" "$D/enc.csr" "CN = enc"
# Each CSR is signed by the key it was made from: same public key.
[[ $(openssl req -in "$D/enc.csr" -noout -pubkey) == $(openssl pkey -in "$D/ec256.key" -pubout) ]] ||
    fail "the CSR's public key is not the key's"

# Refusals: exit 2 naming the file and the cause; bad names are usage errors.
expect_status "csr, encrypted key without a password" 2 "$MQTLS" csr -k "$D/ec256-3des.pk8.pem" --cn x -o "$D/x.csr"
text_has "csr without a password" "$D/err" "$D/ec256-3des.pk8.pem" "encrypted"
expect_status "csr, wrong password" 2 "$MQTLS" csr -k "$D/ec256-3des.pk8.pem" --password wrong --cn x -o "$D/x.csr"
text_has "csr with a wrong password" "$D/err" "$D/ec256-3des.pk8.pem" "password"
expect_status "csr, wrong password (AES)" 2 "$MQTLS" csr -k "$D/ec256-aes.pk8.pem" --password wrong --cn x \
    -o "$D/x.csr"
text_has "csr with a wrong password (AES)" "$D/err" "$D/ec256-aes.pk8.pem" "password"
# openssl's default encryption (PBES2 with AES), which mbedTLS 2.28 alone cannot decrypt.
expect_status "csr from an AES-encrypted key" 0 "$MQTLS" csr -k "$D/ec256-aes.pk8.pem" --password s3cret \
    --cn aes -o "$D/aes.csr"
check_csr "CSR from an AES-encrypted key" "$D/aes.csr" "CN = aes"
[[ $(openssl req -in "$D/aes.csr" -noout -pubkey) == $(openssl pkey -in "$D/ec256.key" -pubout) ]] ||
    fail "the CSR from the AES-encrypted key does not hold that key"
openssl pkey -in "$D/ec256.key" -pubout -out "$D/ec256.pub"
expect_status "csr from a public key" 2 "$MQTLS" csr -k "$D/ec256.pub" --cn x -o "$D/x.csr"
text_has "csr from a public key" "$D/err" "$D/ec256.pub" "public key"
expect_status "csr from a CSR" 2 "$MQTLS" csr -k "$D/ec.csr" --cn x -o "$D/x.csr"
assert_contains "csr from a CSR" "$D/ec.csr" "$D/err"
expect_status "csr, missing key file" 2 "$MQTLS" csr -k "$D/missing.key" --cn x -o "$D/x.csr"
text_has "csr with a missing key" "$D/err" "$D/missing.key" "No such file"
[[ -e $D/x.csr ]] && fail "a refused csr wrote a file"
expect_status "csr without --cn" 1 "$MQTLS" csr -k "$D/ec256.key" -o "$D/x.csr"
expect_status "csr without -k" 1 "$MQTLS" csr --cn x -o "$D/x.csr"
expect_status "csr with a bad SAN type" 1 "$MQTLS" csr -k "$D/ec256.key" --cn x --san URI:http://x -o "$D/x.csr"
assert_contains "csr bad SAN" "URI:http://x" "$D/err"
expect_status "csr with a bad IP" 1 "$MQTLS" csr -k "$D/ec256.key" --cn x --san IP:300.1.1.1 -o "$D/x.csr"
expect_status "csr with a backslash in the CN" 1 "$MQTLS" csr -k "$D/ec256.key" --cn 'a\b' -o "$D/x.csr"
note "CSRs: EC and RSA, subject and SANs, PKCS#8/DER/encrypted keys, each refusal named"

# ---- the CA -------------------------------------------------------------------------------------
# check_cert WHAT FILE TEXT... : openssl reads it and shows each TEXT.
check_cert() {
    local what=$1 f=$2
    shift 2
    openssl x509 -in "$f" -noout -text >"$D/x509.txt" 2>&1 ||
        fail "$what: openssl x509 cannot read $f: $(cat "$D/x509.txt")"
    text_has "$what: openssl x509 -text" "$D/x509.txt" "$@"
}
# ski FILE / aki FILE: the key identifiers as openssl prints them.
ski() { openssl x509 -in "$1" -noout -ext subjectKeyIdentifier | sed -n 2p | tr -d ' '; }
aki() { openssl x509 -in "$1" -noout -ext authorityKeyIdentifier | sed -n 2p | tr -d ' ' | sed 's/^keyid://'; }

CA=$D/ca
expect_status "ca init" 0 "$MQTLS" ca init "$CA"
mode_is_600 "$CA/ca.key"
head -n 1 "$CA/ca.key" | grep -qx -- "-----BEGIN EC PRIVATE KEY-----" || fail "the CA key is not SEC1 PEM"
check_cert "CA" "$CA/ca.pem" "Version: 3" "Issuer: CN = mqtls development CA" "Subject: CN = mqtls development CA" \
    "CA:TRUE" "Certificate Sign, CRL Sign" "ecdsa-with-SHA256" "prime256v1"
grep "Basic Constraints" "$D/x509.txt" | grep -q critical || fail "the CA's basicConstraints is not critical"
openssl verify -CAfile "$CA/ca.pem" "$CA/ca.pem" >/dev/null 2>&1 || fail "the CA does not verify as self-signed"
assert_eq "CA AKI = SKI" "$(ski "$CA/ca.pem")" "$(aki "$CA/ca.pem")"
days_left=$((($(date -d "$(openssl x509 -in "$CA/ca.pem" -noout -enddate | cut -d= -f2)" +%s) - $(date +%s)) / 86400))
[[ $days_left -ge 3649 && $days_left -le 3650 ]] || fail "the CA is valid for $days_left days, expected 3650"
nb=$(date -d "$(openssl x509 -in "$CA/ca.pem" -noout -startdate | cut -d= -f2)" +%s)
((nb <= $(date +%s) - 3500)) || fail "the CA's notBefore is not an hour back"
serial=$(openssl x509 -in "$CA/ca.pem" -noout -serial | cut -d= -f2)
[[ ${#serial} == 32 && $serial =~ ^[4-7] ]] || fail "serial $serial is not a positive 128-bit number"

sum=$(cat "$CA/ca.pem" "$CA/ca.key" | sha256sum)
expect_status "ca init twice" 2 "$MQTLS" ca init "$CA"
text_has "ca init twice" "$D/err" "$CA/ca.pem" "refusing to overwrite"
assert_eq "the CA after a refused init" "$sum" "$(cat "$CA/ca.pem" "$CA/ca.key" | sha256sum)"
mkdir "$D/halfca" && echo x >"$D/halfca/ca.key"
expect_status "ca init over a lone ca.key" 2 "$MQTLS" ca init "$D/halfca"
assert_contains "ca init over a lone ca.key" "$D/halfca/ca.key" "$D/err"
[[ -e $D/halfca/ca.pem ]] && fail "a refused ca init wrote ca.pem"
expect_status "ca init with a name, org and days" 0 "$MQTLS" ca init "$D/ca2" --cn "Lab CA" --org "Acme" --days 400
check_cert "CA with a name" "$D/ca2/ca.pem" "Subject: CN = Lab CA, O = Acme"
expect_status "ca without a subcommand" 1 "$MQTLS" ca
expect_status "ca init without DIR" 1 "$MQTLS" ca init
expect_status "ca init with --san" 1 "$MQTLS" ca init "$D/ca3" --san DNS:x
expect_status "ca init with a bad type" 1 "$MQTLS" ca init "$D/ca3" --type ed25519
[[ -e $D/ca3 ]] && fail "a refused ca init created its directory"
note "ca init: self-signed CA:TRUE (critical), keyCertSign/cRLSign, SKI=AKI, 3650 days, refuses to overwrite"

# ---- issuing ---------------------------------------------------------------------------------------
expect_status "ca issue --server" 0 "$MQTLS" ca issue "$CA" --server --cn localhost \
    --san DNS:localhost,IP:127.0.0.1,IP:::1 -o "$D/server"
mode_is_600 "$D/server.key"
openssl pkey -in "$D/server.key" -noout || fail "openssl cannot read server.key"
check_cert "server" "$D/server.pem" "Subject: CN = localhost" "Issuer: CN = mqtls development CA" "CA:FALSE" \
    "Digital Signature" "TLS Web Server Authentication" \
    "DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1"
grep -q "Key Encipherment" "$D/x509.txt" && fail "an EC server certificate has keyEncipherment"
grep -q "Client Authentication" "$D/x509.txt" && fail "a server certificate has clientAuth"
assert_eq "server AKI = CA SKI" "$(ski "$CA/ca.pem")" "$(aki "$D/server.pem")"
[[ $(openssl x509 -in "$D/server.pem" -noout -pubkey) == $(openssl pkey -in "$D/server.key" -pubout) ]] ||
    fail "server.pem does not certify server.key"
expect_status "ca issue --client" 0 "$MQTLS" ca issue "$CA" --client --cn device-17 --days 30 -o "$D/client"
mode_is_600 "$D/client.key"
check_cert "client" "$D/client.pem" "Subject: CN = device-17" "CA:FALSE" "Digital Signature" \
    "TLS Web Client Authentication"
grep -q "Subject Alternative Name" "$D/x509.txt" && fail "a client certificate without --san has SANs"
openssl x509 -in "$D/client.pem" -noout -checkend $((29 * 86400)) >/dev/null || fail "--days 30: expires within 29 days"
openssl x509 -in "$D/client.pem" -noout -checkend $((31 * 86400)) >/dev/null && fail "--days 30: valid beyond 31 days"
[[ $(openssl x509 -in "$D/server.pem" -noout -serial) != "$(openssl x509 -in "$D/client.pem" -noout -serial)" ]] ||
    fail "two certificates share a serial"

for v in server:sslserver client:sslclient; do
    who=${v%%:*} purpose=${v##*:}
    openssl verify -CAfile "$CA/ca.pem" "$D/$who.pem" >"$D/v.out" 2>&1 || fail "openssl verify $who: $(cat "$D/v.out")"
    openssl verify -CAfile "$CA/ca.pem" -purpose "$purpose" "$D/$who.pem" >"$D/v.out" 2>&1 ||
        fail "openssl verify -purpose $purpose $who: $(cat "$D/v.out")"
done
openssl verify -CAfile "$CA/ca.pem" -purpose sslserver "$D/client.pem" >/dev/null 2>&1 &&
    fail "a client certificate passes as a server"
openssl verify -CAfile "$D/ca2/ca.pem" "$D/server.pem" >/dev/null 2>&1 && fail "server.pem verifies under another CA"

expect_status "ca issue without a role" 1 "$MQTLS" ca issue "$CA" --cn x -o "$D/x"
expect_status "ca issue with both roles" 1 "$MQTLS" ca issue "$CA" --server --client --cn x -o "$D/x"
expect_status "ca issue without --cn" 1 "$MQTLS" ca issue "$CA" --server -o "$D/x"
expect_status "ca issue without -o" 1 "$MQTLS" ca issue "$CA" --server --cn x
expect_status "ca issue --days 0" 1 "$MQTLS" ca issue "$CA" --server --cn x --days 0 -o "$D/x"
expect_status "ca issue --days abc" 1 "$MQTLS" ca issue "$CA" --server --cn x --days abc -o "$D/x"
expect_status "ca issue with a bad SAN" 1 "$MQTLS" ca issue "$CA" --server --cn x --san DNS:bad/name -o "$D/x"
expect_status "ca issue from a missing CA" 2 "$MQTLS" ca issue "$D/nowhere" --server --cn x -o "$D/x"
assert_contains "ca issue from a missing CA" "$D/nowhere/ca.pem" "$D/err"
mkdir "$D/leafca" && cp "$D/client.pem" "$D/leafca/ca.pem" && cp "$D/client.key" "$D/leafca/ca.key"
expect_status "ca issue from a leaf as CA" 2 "$MQTLS" ca issue "$D/leafca" --server --cn x -o "$D/x"
text_has "ca issue from a leaf" "$D/err" "$D/leafca/ca.pem" "not a CA"
mkdir "$D/mixca" && cp "$CA/ca.pem" "$D/mixca/ca.pem" && cp "$D/ca2/ca.key" "$D/mixca/ca.key"
expect_status "ca issue with a CA key of another CA" 2 "$MQTLS" ca issue "$D/mixca" --server --cn x -o "$D/x"
text_has "ca issue with a mismatched key" "$D/err" "$D/mixca/ca.key" "does not belong"
mkdir "$D/csrca" && cp "$D/ec.csr" "$D/csrca/ca.pem" && cp "$CA/ca.key" "$D/csrca/ca.key"
expect_status "ca issue with a CSR as the CA certificate" 2 "$MQTLS" ca issue "$D/csrca" --client --cn x -o "$D/x"
text_has "ca issue with a CSR as CA" "$D/err" "$D/csrca/ca.pem" "certificate signing request"
[[ -e $D/x.pem || -e $D/x.key ]] && fail "a refused ca issue wrote a file"

# A CA made by openssl (PKCS#8 key, PrintableString C, a comma, two OUs):
# the leaf's issuer must be its subject exactly, or chains do not build.
mkdir "$D/osslca"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$D/osslca/ca.key" \
    -out "$D/osslca/ca.pem" -subj "/C=US/O=Test, Inc./OU=A/OU=B/CN=openssl CA" -days 10 2>/dev/null ||
    fail "openssl could not make a CA"
expect_status "ca issue from an openssl CA" 0 "$MQTLS" ca issue "$D/osslca" --client --cn from-openssl -o "$D/ossl-leaf"
assert_eq "issuer of the leaf = subject of the openssl CA" \
    "$(openssl x509 -in "$D/osslca/ca.pem" -noout -subject -nameopt RFC2253 | sed 's/^subject=//')" \
    "$(openssl x509 -in "$D/ossl-leaf.pem" -noout -issuer -nameopt RFC2253 | sed 's/^issuer=//')"
openssl verify -CAfile "$D/osslca/ca.pem" -purpose sslclient "$D/ossl-leaf.pem" >"$D/v.out" 2>&1 ||
    fail "a leaf of the openssl CA does not verify: $(cat "$D/v.out")"
note "ca issue: server/client extensions, SANs, AKI, --days, openssl verify -purpose, refusals, an openssl CA"

# ---- RSA-2048: a CA, a server and a client ----------------------------------------------------------
RCA=$D/rsaca
expect_status "ca init --type rsa-2048" 0 "$MQTLS" ca init "$RCA" --type rsa-2048 --cn "mqtls RSA CA"
head -n 1 "$RCA/ca.key" | grep -qx -- "-----BEGIN RSA PRIVATE KEY-----" || fail "the RSA CA key is not PKCS#1 PEM"
check_cert "RSA CA" "$RCA/ca.pem" "CA:TRUE" "sha256WithRSAEncryption" "Public-Key: (2048 bit)"
expect_status "RSA server" 0 "$MQTLS" ca issue "$RCA" --server --type rsa-2048 --cn localhost \
    --san DNS:localhost,IP:127.0.0.1 -o "$D/rsa-server"
check_cert "RSA server" "$D/rsa-server.pem" "sha256WithRSAEncryption" "Digital Signature, Key Encipherment" \
    "TLS Web Server Authentication" "Public-Key: (2048 bit)"
expect_status "RSA client" 0 "$MQTLS" ca issue "$RCA" --client --type rsa-2048 --cn rsa-device -o "$D/rsa-client"
head -n 1 "$D/rsa-client.key" | grep -qx -- "-----BEGIN RSA PRIVATE KEY-----" || fail "rsa-client.key is not PKCS#1 PEM"
mode_is_600 "$D/rsa-client.key"
expect_status "EC client under the RSA CA" 0 "$MQTLS" ca issue "$RCA" --client --cn ec-under-rsa -o "$D/ec-under-rsa"
check_cert "EC client under the RSA CA" "$D/ec-under-rsa.pem" "sha256WithRSAEncryption" "prime256v1"
for c in rsa-server rsa-client ec-under-rsa; do
    openssl verify -CAfile "$RCA/ca.pem" "$D/$c.pem" >"$D/v.out" 2>&1 || fail "openssl verify $c: $(cat "$D/v.out")"
done
note "RSA-2048 CA, server (keyEncipherment) and client verified by openssl"

# ---- mutual TLS through mosquitto, with a PKI made by mqtls only ---------------------------------------
# tls_listener reads $PKI/ca.pem, $PKI/<name>.pem and $PKI/<name>.key: the CA
# directories made above are such PKIs once the server certificates sit in them.
cp "$D/server.pem" "$D/server.key" "$CA/"
cp "$D/rsa-server.pem" "$D/rsa-server.key" "$RCA/"
PKI=$CA
tls_listener ec server
# shellcheck disable=SC2034 # read by tls_listener
PKI=$RCA
tls_listener rsa rsa-server
# shellcheck disable=SC2119 # no arguments: a broker with TLS 1.2 and 1.3
start_listeners

EC_CRED=(--cafile "$CA/ca.pem" --cert "$D/client.pem" --key "$D/client.key")
RSA_CRED=(--cafile "$RCA/ca.pem" --cert "$D/rsa-client.pem" --key "$D/rsa-client.key")
n=0
for engine in $ENGINES; do n=$((n + 3)); done
start_bg "$D/sub.out" mosquitto_sub -h 127.0.0.1 -p "$PORT_ec" "${EC_CRED[@]}" -i gen-sub -t "gen/#" -q 1 -v \
    -C "$n" -W 30
sub_pid=$BG_PID
wait_subscribed gen-sub "gen/#"
: >"$D/want"
for engine in $ENGINES; do
    expect_status "$engine: pub over the EC PKI (by IP)" 0 "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 \
        -p "$PORT_ec" "${EC_CRED[@]}" -q 1 -t "gen/$engine/ec-ip" -m ec-ip
    expect_status "$engine: pub over the EC PKI (by name)" 0 "$MQTLS" pub --tls-engine "$engine" -h localhost \
        -p "$PORT_ec" "${EC_CRED[@]}" -q 1 -t "gen/$engine/ec-name" -m ec-name
    expect_status "$engine: pub over the RSA PKI" 0 "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 \
        -p "$PORT_rsa" "${RSA_CRED[@]}" -q 1 -t "gen/$engine/rsa" -m rsa --tls-report
    assert_contains "$engine: the RSA broker" "RSA 2048 bits" "$D/err"
    printf 'gen/%s/ec-ip ec-ip\ngen/%s/ec-name ec-name\ngen/%s/rsa rsa\n' "$engine" "$engine" "$engine" >>"$D/want"
    # The broker checks our certificates: one from the other CA is refused.
    expect_status "$engine: a client certificate of another CA" 2 "$MQTLS" pub --tls-engine "$engine" \
        -h 127.0.0.1 -p "$PORT_ec" --cafile "$CA/ca.pem" --cert "$D/rsa-client.pem" --key "$D/rsa-client.key" \
        -q 1 -t "gen/$engine/refused" -m "must not arrive"
    # And we check the broker's: the RSA broker is not trusted under the EC CA.
    expect_status "$engine: a server of another CA" 2 "$MQTLS" pub --tls-engine "$engine" -h 127.0.0.1 \
        -p "$PORT_rsa" --cafile "$CA/ca.pem" --cert "$D/rsa-client.pem" --key "$D/rsa-client.key" \
        -q 1 -t "gen/$engine/refused" -m "must not arrive"
done
wait_bg "$sub_pid" mosquitto_sub 35
assert_eq "mosquitto_sub exit status" 0 "$BG_STATUS"
sort "$D/want" >"$D/want.sorted"
sort "$D/sub.out" >"$D/got.sorted"
assert_file_eq "messages received by mosquitto_sub" "$D/want.sorted" "$D/got.sorted"
note "mutual TLS with an mqtls-made PKI (EC and RSA-2048) through mosquitto: $ENGINES ok"
