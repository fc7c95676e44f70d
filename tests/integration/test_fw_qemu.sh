#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The Cortex-M4 firmware (ports/qemu-mps2) against a real mosquitto: QEMU's
# mps2-an386 runs the image, its UART0 is a TCP connection to the broker
# (`-serial tcp:127.0.0.1:PORT`), its console and exit status come back
# through semihosting. Every qemu run is wrapped in `timeout`.
#
#   1. plain: MQTT 3.1.1 in the clear over the UART (the port's milestone):
#      subscribe, publish QoS 0/1/2 to itself, receive all three, disconnect.
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
    wait_log "Client $id disconnected." 5
    grep -q "Received DISCONNECT from $id" "$BROKER_LOG" || fail "$name: the broker saw no DISCONNECT from $id"
}

# ---- 1. plain MQTT over the UART -------------------------------------------------
start_broker "log_type all"
run_fw plain "$BROKER_PORT" "$FW_BUILD/fw_plain.elf"
expect_session plain mqtls-fw-plain
note "plain: a complete QoS 0/1/2 session over the UART"
