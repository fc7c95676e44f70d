# shellcheck shell=bash
# SPDX-License-Identifier: MIT
# mqtls integration tests: a private mosquitto per test, and assertion helpers.
#
# Each test_*.sh sources this file. It gets a temporary directory, starts
# its own mosquitto on 127.0.0.1 on a free port (config, log and all in that
# directory), and an EXIT trap stops exactly the processes the test started
# (by PID, never by name) and removes the directory. Nothing is shared
# between tests, so ctest may run them in parallel.
#
# Waiting is always bounded and driven by the broker's log (log_type
# subscribe prints "<time>: <client id> <qos> <filter>" when a SUBSCRIBE is
# processed, before the SUBACK), not by sleeps: a publisher starts only once
# the subscriber is known to be subscribed.
#
# Environment: MQTLS (required) is the mqtls binary under test;
# MOSQUITTO (optional) the broker binary, default: mosquitto from PATH.

set -euo pipefail

MQTLS=${MQTLS:?set MQTLS to the mqtls binary}
MOSQUITTO=${MOSQUITTO:-$(command -v mosquitto || echo /usr/sbin/mosquitto)}
TEST_NAME=$(basename "$0" .sh)
TEST_DIR=$(mktemp -d "${TMPDIR:-/tmp}/mqtls-$TEST_NAME.XXXXXX")
chmod 755 "$TEST_DIR"
OWNED_PIDS=()

cleanup() {
    local pid
    for pid in "${OWNED_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$TEST_DIR"
}
trap cleanup EXIT

# ---- assertions -------------------------------------------------------------

fail() {
    echo "FAIL [$TEST_NAME]: $*" >&2
    if [[ -n ${BROKER_LOG:-} && -f $BROKER_LOG ]]; then
        echo "--- last lines of the broker log ($BROKER_LOG):" >&2
        tail -n 20 "$BROKER_LOG" >&2
    fi
    exit 1
}

note() { echo "[$TEST_NAME] $*"; }

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
    [[ $2 == "$3" ]] || fail "$1: expected [$2], got [$3]"
}

# assert_file_eq WHAT EXPECTED_FILE ACTUAL_FILE (byte for byte)
assert_file_eq() {
    cmp -s "$2" "$3" || fail "$1: $3 differs from $2 ($(cmp "$2" "$3" 2>&1 | head -n 1))"
}

# assert_contains WHAT NEEDLE FILE
assert_contains() {
    grep -qiF -- "$2" "$3" || fail "$1: '$2' not found in: $(cat "$3")"
}

# expect_status WHAT EXPECTED CMD... : run CMD, check its exit status.
# stdout and stderr go to $TEST_DIR/out and $TEST_DIR/err.
expect_status() {
    local what=$1 want=$2 got=0
    shift 2
    "$@" >"$TEST_DIR/out" 2>"$TEST_DIR/err" || got=$?
    [[ $got == "$want" ]] || fail "$what: exit status $got, expected $want (stderr: $(cat "$TEST_DIR/err"))"
}

# ---- processes ----------------------------------------------------------------

# start_bg OUTFILE CMD... : run CMD in the background (stdout to OUTFILE,
# stderr to OUTFILE.err); BG_PID is its PID, stopped at exit if still alive.
start_bg() {
    local out=$1
    shift
    "$@" >"$out" 2>"$out.err" &
    BG_PID=$!
    OWNED_PIDS+=("$BG_PID")
}

# wait_bg PID WHAT SECONDS : wait for a background command; its exit status
# is left in BG_STATUS. Fails the test if it runs longer than SECONDS.
# shellcheck disable=SC2034 # BG_STATUS is read by the tests
wait_bg() {
    local pid=$1 what=$2 limit=$3 i
    for ((i = 0; i < limit * 20; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && fail "$what still running after ${limit}s"
    BG_STATUS=0
    wait "$pid" || BG_STATUS=$?
}

# ---- ports and the broker -------------------------------------------------------

port_in_use() {
    [[ -n $(ss -Htln "sport = :$1" 2>/dev/null) ]]
}

# free_port: print a TCP port on 127.0.0.1 that nothing listens on (now).
free_port() {
    local p i
    for ((i = 0; i < 100; i++)); do
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
        port_in_use "$p" || { echo "$p"; return 0; }
    done
    fail "no free TCP port found"
}

# shellcheck disable=SC2120 # the extra lines are optional
# start_broker [CONFIG LINE...] : start a private mosquitto. Extra lines are
# appended to the configuration. Sets BROKER_PORT, BROKER_PID, BROKER_LOG,
# BROKER_DIR. A port grabbed by someone else between the check and the bind
# is retried on another port.
start_broker() {
    local attempt i n
    n=${BROKER_COUNT:-0}
    BROKER_COUNT=$((n + 1))
    BROKER_DIR=$TEST_DIR/broker$n
    mkdir -p "$BROKER_DIR"
    chmod 777 "$BROKER_DIR"
    BROKER_LOG=$BROKER_DIR/mosquitto.log
    for ((attempt = 0; attempt < 10; attempt++)); do
        BROKER_PORT=$(free_port)
        {
            echo "listener $BROKER_PORT 127.0.0.1"
            echo "allow_anonymous true"
            echo "persistence false"
            echo "max_queued_messages 0"
            echo "set_tcp_nodelay true"
            # Stay root when started as root: the files here are ours.
            if [[ $(id -u) == 0 ]]; then echo "user root"; fi
            echo "log_dest file $BROKER_LOG"
            for t in error warning notice information subscribe unsubscribe; do echo "log_type $t"; done
            local line
            for line in "$@"; do echo "$line"; done
        } >"$BROKER_DIR/mosquitto.conf"
        : >"$BROKER_LOG"
        chmod 666 "$BROKER_LOG"
        "$MOSQUITTO" -c "$BROKER_DIR/mosquitto.conf" >"$BROKER_DIR/stdout" 2>&1 &
        BROKER_PID=$!
        OWNED_PIDS+=("$BROKER_PID")
        for ((i = 0; i < 100; i++)); do
            if ! kill -0 "$BROKER_PID" 2>/dev/null; then
                break
            fi
            if grep -q "mosquitto version .* running" "$BROKER_LOG"; then
                return 0
            fi
            sleep 0.05
        done
        kill "$BROKER_PID" 2>/dev/null || true
        wait "$BROKER_PID" 2>/dev/null || true
    done
    cat "$BROKER_DIR/stdout" "$BROKER_LOG" >&2 || true
    fail "mosquitto did not start (see above)"
}

# wait_subscribed CLIENT_ID FILTER [SECONDS] : wait until the broker has
# processed CLIENT_ID's SUBSCRIBE to FILTER.
wait_subscribed() {
    local id=$1 filter=$2 limit=${3:-10} i
    for ((i = 0; i < limit * 50; i++)); do
        if awk -v id="$id" -v f="$filter" '$2 == id && $3 ~ /^[012]$/ && $4 == f { found = 1 }
            END { exit !found }' "$BROKER_LOG"; then
            return 0
        fi
        sleep 0.02
    done
    fail "$id did not subscribe to $filter within ${limit}s"
}

# wait_log TEXT [SECONDS] : wait until the broker log contains TEXT.
wait_log() {
    local text=$1 limit=${2:-10} i
    for ((i = 0; i < limit * 50; i++)); do
        grep -qF -- "$text" "$BROKER_LOG" && return 0
        sleep 0.02
    done
    fail "the broker never logged '$text' within ${limit}s"
}

[[ -x $MQTLS ]] || fail "MQTLS=$MQTLS is not an executable"
command -v ss >/dev/null || fail "ss (iproute2) is needed to find a free port"
