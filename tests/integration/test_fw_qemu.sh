#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Cortex-M4 firmware (ports/qemu-mps2) against a real mosquitto: QEMU's
# mps2-an386 runs the image, its UART0 is a TCP connection to the broker
# (`-serial tcp:127.0.0.1:PORT`), its console and exit status come back
# through semihosting. Every qemu run is wrapped in `timeout`.
#
#   1. plain: MQTT 3.1.1 in the clear over the UART (the port's milestone):
#      subscribe, publish QoS 0/1/2 to itself, receive all three, disconnect.
#   2. tls: the same session over mutual TLS (mbedTLS 3.6 on the M4) to a
#      listener with require_certificate, with credentials made by
#      `mqtls cert carray` from this run's PKI and linked into a fresh image;
#      logs the handshake time and the memory figures (flash, static RAM,
#      peak stack, peak mbedTLS heap).
#      The same image against an RSA server certificate (ECDHE-RSA).
#   3. the same image trusting an unrelated CA -> exit 1, TLS_UNKNOWN_CA.
#   4. the same image with its wall clock unset -> exit 1,
#      TLS_CERT_NOT_YET_VALID (judged at 1970, the certificate is not valid yet).
#
# The images are cross-built by scripts/fw-build.sh into build/mps2 (cached:
# the first run builds, later runs find nothing to do). Skipped (exit 77)
# only when arm-none-eabi-gcc or qemu-system-arm is missing; CI has both.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$LIB_DIR/../.." && pwd)
FW_BUILD=${MQTLS_FW_BUILD:-$ROOT/build/mps2}
for tool in arm-none-eabi-gcc qemu-system-arm; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP [$TEST_NAME]: $tool is not installed (scripts/deps.sh installs it)"
        exit 77
    fi
done
"$ROOT/scripts/fw-build.sh" "$FW_BUILD" || fail "the Cortex-M4 build failed"

# run_fw NAME PORT ELF [APPEND]: run ELF with UART0 connected to 127.0.0.1:PORT;
# console in $TEST_DIR/NAME.out, exit status in FW_STATUS.
run_fw() {
    local name=$1 port=$2 elf=$3 append=${4:-}
    FW_STATUS=0
    timeout 120 qemu-system-arm -M mps2-an386 -nographic -monitor none \
        -semihosting-config enable=on,target=native -serial "tcp:127.0.0.1:$port" \
        ${append:+-append "$append"} -kernel "$elf" >"$TEST_DIR/$name.out" 2>&1 || FW_STATUS=$?
    sed "s/^/    [$name] /" "$TEST_DIR/$name.out"
}

# expect_session NAME CLIENT_ID: the lines of a complete session, in order.
expect_session() {
    local name=$1 id=$2 out=$TEST_DIR/$1.out
    assert_eq "$name: exit status" 0 "$FW_STATUS"
    local want=("fw: connected as $id" "fw: subscribed to" "granted qos 2" "fw: published qos 0"
        "fw: published qos 1" "fw: published qos 2" "fw: received qos 0 'hello at qos 0'"
        "fw: received qos 1 'hello at qos 1'" "fw: received qos 2 'hello at qos 2'"
        "fw: all three messages received, nothing outstanding" "fw: disconnected" "fw: result OK")
    local w
    for w in "${want[@]}"; do assert_contains "$name" "$w" "$out"; done
    [[ $(grep -c '^fw: received' "$out") == 3 ]] || fail "$name: expected exactly three messages: $(cat "$out")"
    # mosquitto 2.0 logs "Client X disconnected." (nothing after the dot)
    # only for a client that sent DISCONNECT; a dropped connection reads
    # "closed its connection" or "disconnected: <reason>".
    wait_log "Client $id disconnected." 5
    grep -qx "[0-9]*: Client $id disconnected\." "$BROKER_LOG" || fail "$name: no clean DISCONNECT from $id"
}

# ---- 1. plain MQTT over the UART -------------------------------------------------
start_broker "log_type all"
run_fw plain "$BROKER_PORT" "$FW_BUILD/fw_plain.elf"
expect_session plain mqtls-fw-plain
note "plain: a complete QoS 0/1/2 session over the UART"

# ---- 2. mutual TLS over the UART --------------------------------------------------
tls_make_pki
MQTLS=$MQTLS bash "$ROOT/ports/qemu-mps2/make-creds.sh" "$PKI" "$TEST_DIR/creds" ||
    fail "mqtls cert carray could not make the credential headers"
grep -q 'const unsigned char fw_key\[\]' "$TEST_DIR/creds/fw_key.h" || fail "fw_key.h holds no array"
"$FW_BUILD/fw-link.sh" "$TEST_DIR/creds" "$TEST_DIR/fw_tls.elf" || fail "linking the TLS firmware failed"
tls_listener tls server
tls_listener rsa server-rsa
start_listeners
run_fw tls "$PORT_tls" "$TEST_DIR/fw_tls.elf"
expect_session tls mqtls-fw-tls
assert_contains "tls: the handshake" "fw: TLS handshake done in" "$TEST_DIR/tls.out"
assert_contains "tls: TLS 1.2" "TLSv1.2" "$TEST_DIR/tls.out"
grep -q "New client connected from 127.0.0.1.* as mqtls-fw-tls .*u'mqtls-client-ec'" "$BROKER_LOG" ||
    fail "tls: the broker did not log the client certificate's identity: $(grep -i 'new client' "$BROKER_LOG")"

# The figures, for the log and README (part 5 of issue 15): flash and
# static RAM from the image (fw-size.sh says what each counts, and what
# each library takes), peak stack and peak mbedTLS heap as the firmware
# measured them itself.
"$ROOT/ports/qemu-mps2/fw-size.sh" "$TEST_DIR/fw_tls.elf" "$TEST_DIR/fw_tls.elf.map" >"$TEST_DIR/size" ||
    fail "tls: fw-size.sh failed"
sed 's/^/    [size] /' "$TEST_DIR/size"
flash=$(awk '$1 == "flash" { print $2 }' "$TEST_DIR/size")
sram=$(awk '$1 == "static_ram" { print $2 }' "$TEST_DIR/size")
((flash > 0 && sram > 0)) || fail "tls: no sizes from fw-size.sh"
grep -q '^flash_of libmbedtls_m4.a [1-9]' "$TEST_DIR/size" || fail "tls: mbedTLS is not in the image's map"
# mbedTLS allocates only from its static arena: it references no libc allocator.
libc_alloc=$(arm-none-eabi-nm -A "$FW_BUILD/libmbedtls_m4.a" | grep -E ' U (malloc|calloc|realloc|free)$' || true)
[[ -z $libc_alloc ]] || fail "tls: mbedTLS references the libc heap: $libc_alloc"
hs=$(sed -n 's/^fw: TLS handshake done in \([0-9]*\) ms.*/\1/p' "$TEST_DIR/tls.out")
mem=$(sed -n 's/^fw: memory: //p' "$TEST_DIR/tls.out")
[[ -n $hs && -n $mem ]] || fail "tls: the firmware printed no handshake time or memory figures"
stack=$(sed -n 's/.*stack peak \([0-9]*\) of.*/\1/p' <<<"$mem")
heap=$(sed -n 's/.*mbedtls heap peak \([0-9]*\) of.*/\1/p' <<<"$mem")
((stack > 0 && heap > 0)) || fail "tls: implausible memory figures: $mem"
note "tls: flash $flash B, static RAM $sram B, peak stack $stack B," \
    "peak mbedTLS heap $heap B, libc heap $(sed -n 's/.*libc heap \([0-9]*\) bytes.*/\1/p' <<<"$mem") B, handshake $hs ms (QEMU)"

# The same image against a broker with an RSA certificate: ECDHE-RSA.
run_fw rsa "$PORT_rsa" "$TEST_DIR/fw_tls.elf"
expect_session rsa mqtls-fw-tls
assert_contains "rsa: the suite" "TLS_ECDHE_RSA_WITH_" "$TEST_DIR/rsa.out"
note "rsa: the session over ECDHE-RSA"

# ---- 3. and 4. the failures name their cause -----------------------------------------
expect_tls_fw() {
    local name=$1 append=$2 err=$3
    run_fw "$name" "$PORT_tls" "$TEST_DIR/fw_tls.elf" "$append"
    assert_eq "$name: exit status" 1 "$FW_STATUS"
    assert_contains "$name: the cause" "fw: TLS handshake failed: $err" "$TEST_DIR/$name.out"
    assert_contains "$name: the result" "fw: result $err" "$TEST_DIR/$name.out"
    if grep -q "fw: connected" "$TEST_DIR/$name.out"; then fail "$name: MQTT connected anyway"; fi
}
expect_tls_fw wrong-ca "--ca other" TLS_UNKNOWN_CA
assert_contains "wrong-ca: the console" "trusting the unrelated CA" "$TEST_DIR/wrong-ca.out"
expect_tls_fw no-clock "--no-clock" TLS_CERT_NOT_YET_VALID
assert_contains "no-clock: the console" "wall clock UNSET" "$TEST_DIR/no-clock.out"
# Only the two good sessions ever reached MQTT.
[[ $(grep -c "as mqtls-fw-tls" "$BROKER_LOG") == 2 ]] || fail "a failing image reached the broker's MQTT layer"
note "wrong CA and unset clock: exit 1 with the cause named"
