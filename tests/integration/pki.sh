#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# pki.sh DIR: make a complete, throwaway PKI for the TLS tests, the TLS
# benchmark and the demo, with the openssl command (an independent tool: the
# certificates mqtls is tested with are not made by mqtls). Prints nothing on
# success; takes well under a second on EC keys (the two RSA-2048 keys are
# the slowest part).
#
# Everything is made fresh for each run, so nothing expires in the tree and
# no private key is ever committed. EC P-256 everywhere, RSA-2048 where a test
# needs RSA. All files are mode 644: mosquitto started as root drops to user
# 'mosquitto' before it reads its keyfile (these keys protect nothing).
#
# What DIR holds afterwards (PEM unless named .der):
#   ca.pem ca.key ca.der          the CA (EC), self-signed
#   ca-bundle.pem                 other-ca.pem then ca.pem: a CA file with several roots
#   other-ca.pem other-ca.key     a second, unrelated CA (EC)
#   int-ca.pem int-ca.key         an intermediate CA signed by the CA
#   capath/                       ca.pem with its OpenSSL hash link (for --capath)
#   server.pem/.key               EC, DNS:localhost IP:127.0.0.1, signed by the CA
#   server-rsa.pem/.key           the same names, RSA-2048
#   server-other.pem/.key         EC, DNS:other.example only
#   server-expired.pem/.key       EC, localhost/127.0.0.1, validity ended a year ago
#   server-future.pem/.key        EC, localhost/127.0.0.1, valid only from 5 years on
#   server-int.pem/.key           EC, localhost/127.0.0.1, signed by the intermediate
#   client-future.pem/.key        EC client certificate from the CA, valid only from 5 years on
#   server-int-chain.pem          server-int.pem then int-ca.pem (a certfile with a chain)
#   server-badsig.pem             server.pem with the last byte of its signature flipped
#                                 (key: server.key): the CA's name, a signature that fails
#   client.pem                    EC client certificate, CN=mqtls-client-ec, from the CA
#   client.key                    its key, SEC1 ("EC PRIVATE KEY")
#   client.pk8.pem                the same key, PKCS#8 ("PRIVATE KEY")
#   client-enc.pk8.pem            the same key, encrypted PKCS#8 (AES-256-CBC, PBKDF2; what
#                                 `openssl pkcs8 -topk8` writes by default)
#   client-enc3des.pk8.pem        the same key, encrypted PKCS#8 with 3DES (older tools)
#   client.der client.key.der     the certificate and key (SEC1) in DER
#   client.pk8.der                the key as PKCS#8 DER
#   client-chain.pem              client.pem then ca.pem (a certificate file with a chain)
#   client-rsa.pem                RSA-2048 client certificate, CN=mqtls-client-rsa, from the CA
#   client-rsa.key                its key, PKCS#1 ("RSA PRIVATE KEY", -traditional)
#   client-rsa.pk8.pem            PKCS#8;  client-rsa-enc.pk8.pem  encrypted PKCS#8
#   client-rsa.der client-rsa.key.der   DER (the key PKCS#1)
#   client-int.pem/.key           EC, CN=mqtls-client-int, signed by the intermediate
#   client-int-chain.pem          client-int.pem then int-ca.pem
#   client-other.pem/.key         EC, CN=mqtls-client-other, from the other CA
#   garbage.pem                   random bytes;  empty.pem  an empty file
#   password.txt                  the password of the encrypted keys (no newline)
#
# The password is fixed ("mqtls-test-pw"); lib.sh's tls_make_pki reads it
# from password.txt into PKI_PASSWORD.
#
# Who makes what: mqtls makes the two roots and the everyday server and
# client certificates (`mqtls ca init` / `mqtls ca issue`: the suites run on
# mqtls's own CA), and `openssl verify` checks them independently. openssl
# makes what mqtls does not: the intermediate CA and what it signs, the
# expired and not-yet-valid certificates, and the other encodings of the keys.
# MQTLS must name the mqtls binary (ctest and the bench set it).
#
# Dates: the expired and the not-yet-valid certificates need chosen start and
# end dates, which OpenSSL 3.0's `x509 -req` cannot set; `openssl ca` can,
# with a minimal configuration of its own (written here), so no faketime.

set -euo pipefail

DIR=${1:?usage: pki.sh DIR}
MQTLS_BIN=${MQTLS:-}
[[ -x $MQTLS_BIN ]] || { echo "pki.sh: set MQTLS to the mqtls binary (it makes the CAs)" >&2; exit 1; }
PASSWORD=mqtls-test-pw
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
W=$DIR/.work
rm -rf "$W"
mkdir -p "$W/newcerts"
: >"$W/index.txt"

# Our own configuration: the tests must not depend on /etc/ssl/openssl.cnf.
# subjectAltName comes from $SAN so one section serves every server cert.
CNF=$W/openssl.cnf
cat >"$CNF" <<EOF
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[int_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[server_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = \$ENV::SAN
[client_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[ca]
default_ca = dated
[dated]
database = $W/index.txt
new_certs_dir = $W/newcerts
rand_serial = yes
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
EOF
export OPENSSL_CONF=$CNF SAN=DNS:unused

ossl() {
    local out
    if ! out=$(openssl "$@" 2>&1); then
        echo "pki.sh: openssl $* failed:" >&2
        echo "$out" >&2
        exit 1
    fi
}

mq() {
    local out
    if ! out=$("$MQTLS_BIN" "$@" 2>&1); then
        echo "pki.sh: mqtls $* failed:" >&2
        echo "$out" >&2
        exit 1
    fi
}

# root NAME CN: a self-signed root CA from `mqtls ca init`, as DIR/NAME.pem/.key
root() {
    mq ca init "$W/$1" --cn "$2" --org "mqtls tests" --days 30
    cp "$W/$1/ca.pem" "$DIR/$1.pem"
    cp "$W/$1/ca.key" "$DIR/$1.key"
}

# leaf NAME CN ROOT --server|--client [SAN] [TYPE]: from `mqtls ca issue` by ROOT
leaf() {
    local name=$1 cn=$2 issuer=$3 kind=$4 san=${5:-} type=${6:-ec-p256}
    mq ca issue "$W/$issuer" "$kind" --cn "$cn" --org "mqtls tests" ${san:+--san "$san"} --days 30 \
        --type "$type" -o "$DIR/$name"
}

eckey() { ossl ecparam -name prime256v1 -genkey -noout -out "$1"; }  # SEC1

# issue NAME CN ISSUER EXT [SAN]: a certificate for DIR/NAME.key signed by ISSUER, valid now.
issue() {
    local name=$1 cn=$2 issuer=$3 ext=$4
    SAN=${5:-DNS:unused} ossl req -new -key "$DIR/$name.key" -subj "/O=mqtls tests/CN=$cn" \
        -out "$W/$name.csr"
    SAN=${5:-DNS:unused} ossl x509 -req -in "$W/$name.csr" -CA "$DIR/$issuer.pem" \
        -CAkey "$DIR/$issuer.key" -set_serial "0x$(openssl rand -hex 12)" -days 30 -sha256 \
        -extfile "$CNF" -extensions "$ext" -out "$DIR/$name.pem"
}

# issue_dated NAME CN START END SAN [EXT]: a certificate (EXT, default server_ext)
# from the CA with a chosen validity (YYYYMMDDHHMMSSZ), through `openssl ca`.
issue_dated() {
    local name=$1 cn=$2 start=$3 end=$4 ext=${6:-server_ext}
    SAN=$5 ossl req -new -key "$DIR/$name.key" -subj "/O=mqtls tests/CN=$cn" -out "$W/$name.csr"
    SAN=$5 ossl ca -batch -config "$CNF" -cert "$DIR/ca.pem" -keyfile "$DIR/ca.key" \
        -startdate "$start" -enddate "$end" -extensions "$ext" -notext \
        -in "$W/$name.csr" -out "$DIR/$name.pem"
}

LOCAL=DNS:localhost,IP:127.0.0.1

# ---- CAs (roots by mqtls, the intermediate by openssl)
root ca "mqtls test CA"
root other-ca "mqtls unrelated CA"
eckey "$DIR/int-ca.key"
issue int-ca "mqtls test intermediate CA" ca int_ext

# ---- servers
leaf server localhost ca --server "$LOCAL"
leaf server-rsa localhost ca --server "$LOCAL" rsa-2048
leaf server-other other.example ca --server DNS:other.example
for s in server-expired server-future server-int; do eckey "$DIR/$s.key"; done
issue server-int localhost int-ca server_ext "$LOCAL"
utc() { date -u -d "$1" +%Y%m%d%H%M%SZ; }
issue_dated server-expired localhost "$(utc '2 years ago')" "$(utc '1 year ago')" "$LOCAL"
issue_dated server-future localhost "$(utc '5 years')" "$(utc '6 years')" "$LOCAL"
eckey "$DIR/client-future.key"
issue_dated client-future mqtls-client-future "$(utc '5 years')" "$(utc '6 years')" DNS:unused client_ext

# A server certificate whose signature does not verify: flip the last
# byte of the signature value (the end of the DER), which keeps the DER
# valid. perl-base is Essential in Debian.
ossl x509 -in "$DIR/server.pem" -outform der -out "$DIR/server-badsig.der"
perl -0777 -pi -e 'substr($_, -1, 1) = chr(ord(substr($_, -1, 1)) ^ 1)' "$DIR/server-badsig.der"
ossl x509 -inform der -in "$DIR/server-badsig.der" -out "$DIR/server-badsig.pem"
rm -f "$DIR/server-badsig.der"

# ---- clients (CN = the MQTT client id: use_identity_as_username maps it)
leaf client mqtls-client-ec ca --client
leaf client-rsa mqtls-client-rsa ca --client "" rsa-2048
leaf client-other mqtls-client-other other-ca --client
eckey "$DIR/client-int.key"
issue client-int mqtls-client-int int-ca client_ext

# ---- openssl, independently: mqtls's certificates verify for their purpose
ossl verify -CAfile "$DIR/ca.pem" -purpose sslserver "$DIR/server.pem" "$DIR/server-rsa.pem" "$DIR/server-other.pem"
ossl verify -CAfile "$DIR/ca.pem" -purpose sslclient "$DIR/client.pem" "$DIR/client-rsa.pem"
ossl verify -CAfile "$DIR/other-ca.pem" -purpose sslclient "$DIR/client-other.pem"

# ---- other encodings of the same keys and certificates
ossl x509 -in "$DIR/ca.pem" -outform DER -out "$DIR/ca.der"
for c in client client-rsa; do
    ossl x509 -in "$DIR/$c.pem" -outform DER -out "$DIR/$c.der"
    ossl pkcs8 -topk8 -nocrypt -in "$DIR/$c.key" -out "$DIR/$c.pk8.pem"
    ossl pkcs8 -topk8 -v2 aes-256-cbc -v2prf hmacWithSHA256 -passout "pass:$PASSWORD" \
        -in "$DIR/$c.key" -out "$DIR/$c-enc.pk8.pem"
done
ossl pkcs8 -topk8 -v2 des3 -passout "pass:$PASSWORD" -in "$DIR/client.key" -out "$DIR/client-enc3des.pk8.pem"
ossl pkey -in "$DIR/client.key" -traditional -outform DER -out "$DIR/client.key.der"  # SEC1 DER
ossl pkcs8 -topk8 -nocrypt -in "$DIR/client.key" -outform DER -out "$DIR/client.pk8.der"
ossl pkey -in "$DIR/client-rsa.key" -traditional -outform DER -out "$DIR/client-rsa.key.der"  # PKCS#1 DER

# ---- bundles and chains
cat "$DIR/other-ca.pem" "$DIR/ca.pem" >"$DIR/ca-bundle.pem"
cat "$DIR/client.pem" "$DIR/ca.pem" >"$DIR/client-chain.pem"
cat "$DIR/client-int.pem" "$DIR/int-ca.pem" >"$DIR/client-int-chain.pem"
cat "$DIR/server-int.pem" "$DIR/int-ca.pem" >"$DIR/server-int-chain.pem"
mkdir -p "$DIR/capath"
cp "$DIR/ca.pem" "$DIR/capath/ca.pem"
ossl rehash "$DIR/capath"

# ---- broken inputs
head -c 700 /dev/urandom >"$DIR/garbage.pem"
: >"$DIR/empty.pem"
printf '%s' "$PASSWORD" >"$DIR/password.txt"

rm -rf "$W"
chmod 755 "$DIR" "$DIR/capath"
find "$DIR" -type f -exec chmod 644 {} +
