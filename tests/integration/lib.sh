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
TEST_FAILED=0

cleanup() {
    local pid
    local i
    for pid in "${OWNED_PIDS[@]}"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            kill -CONT "$pid" 2>/dev/null || true # a stopped process (start_silent_listener)
            # Bounded: a process that ignores SIGTERM gets SIGKILL after 3 s
            # instead of holding the test (and ctest) until its timeout.
            for ((i = 0; i < 30; i++)); do
                kill -0 "$pid" 2>/dev/null || break
                sleep 0.1
            done
            kill -KILL "$pid" 2>/dev/null || true
            wait "$pid" 2>/dev/null || true
        fi
    done
    # Any other child still alive (a client started with &) would keep
    # ctest's output pipe open after the test ended.
    pkill -KILL -P $$ 2>/dev/null || true
    rm -rf "$TEST_DIR"
    if [[ $TEST_FAILED == 1 ]]; then exit 1; fi
}
trap cleanup EXIT

# ---- assertions -------------------------------------------------------------

# MQTLS_TEST_KEEP_GOING=1 (by hand, when triaging): report each failure and
# go on, to see every failing case of a test in one run; the test still
# exits 1 at the end. Later checks may then fail as a consequence.
fail() {
    echo "FAIL [$TEST_NAME]: $*" >&2
    if [[ ${MQTLS_TEST_KEEP_GOING:-0} == 1 ]]; then
        TEST_FAILED=1
        return 0
    fi
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
    local attempt
    broker_dir
    for ((attempt = 0; attempt < 10; attempt++)); do
        BROKER_PORT=$(free_port)
        {
            echo "listener $BROKER_PORT 127.0.0.1"
            broker_common_conf
            local line
            for line in "$@"; do echo "$line"; done
        } >"$BROKER_DIR/mosquitto.conf"
        launch_broker && return 0
    done
    cat "$BROKER_DIR/stdout" "$BROKER_LOG" >&2 || true
    fail "mosquitto did not start (see above)"
}

# broker_dir: a fresh directory for the next broker (BROKER_DIR, BROKER_LOG).
broker_dir() {
    local n=${BROKER_COUNT:-0}
    BROKER_COUNT=$((n + 1))
    BROKER_DIR=$TEST_DIR/broker$n
    mkdir -p "$BROKER_DIR"
    chmod 777 "$BROKER_DIR"
    BROKER_LOG=$BROKER_DIR/mosquitto.log
}

# The global lines every test broker has.
broker_common_conf() {
    echo "allow_anonymous true"
    echo "persistence false"
    echo "max_queued_messages 0"
    echo "set_tcp_nodelay true"
    # Stay root when started as root: the files here are ours.
    if [[ $(id -u) == 0 ]]; then echo "user root"; fi
    echo "log_dest file $BROKER_LOG"
    local t
    for t in error warning notice information subscribe unsubscribe; do echo "log_type $t"; done
}

# launch_broker: start mosquitto on $BROKER_DIR/mosquitto.conf (with the
# environment assignments in BROKER_ENV, if any) and wait until it runs.
# Sets BROKER_PID. Returns 1 if it exited or did not start within 5 s
# (typically: a port was taken meanwhile); the caller retries.
launch_broker() {
    local i
    : >"$BROKER_LOG"
    chmod 666 "$BROKER_LOG"
    env ${BROKER_ENV[@]+"${BROKER_ENV[@]}"} "$MOSQUITTO" -c "$BROKER_DIR/mosquitto.conf" >"$BROKER_DIR/stdout" 2>&1 &
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
    return 1
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

# ---- TLS: a PKI per test, brokers with several listeners ----------------------
#
#   tls_make_pki                  run pki.sh into $TEST_DIR/pki; sets PKI, PKI_PASSWORD,
#                                 and MOSQ_TLS (mosquitto_pub/sub flags for a valid client)
#   tls_listener NAME SERVER[:KEY] [LINE...]
#                                 declare a TLS listener: CA $PKI/ca.pem, server
#                                 certificate $PKI/SERVER.pem and key $PKI/SERVER.key
#                                 (or $PKI/KEY.key),
#                                 require_certificate true, use_identity_as_username true,
#                                 then the extra LINEs (tls_version, ciphers, ...)
#   plain_listener NAME           declare a plain MQTT listener
#   start_listeners [--tls12-only]
#                                 start one mosquitto with every declared listener, each on
#                                 its own free port in PORT_<NAME>; the declarations are
#                                 then cleared for the next broker. Sets BROKER_* as
#                                 start_broker does (BROKER_PORT = the first listener).
#   start_silent_listener         a TCP port that accepts connections and never answers
#                                 (SILENT_PORT), for handshake timeouts
#   start_http_answerer           a TCP port that answers in HTTP, not TLS (HTTP_PORT)
#
# mosquitto 2.0.11's `tls_version tlsv1.2` is a minimum: TLS 1.3 is still
# negotiated. --tls12-only makes a broker that stops at TLS 1.2 on every
# listener, through an OpenSSL configuration in its environment
# (MaxProtocol = TLSv1.2 as the system default); `tls_version tlsv1.3` gives
# a TLS-1.3-only listener on any broker.

LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LISTENER_NAMES=()
declare -A LISTENER_CONF=()

tls_make_pki() {
    PKI=$TEST_DIR/pki
    bash "$LIB_DIR/pki.sh" "$PKI" || fail "pki.sh could not make the test PKI"
    # shellcheck disable=SC2034 # used by the tests
    PKI_PASSWORD=$(cat "$PKI/password.txt")
    # shellcheck disable=SC2034 # used by the tests
    MOSQ_TLS=(--cafile "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key")
}

tls_listener() {
    local name=$1 cert=${2%%:*} key=${2##*:} line conf
    shift 2
    [[ -n ${PKI:-} ]] || fail "tls_listener before tls_make_pki"
    conf="cafile $PKI/ca.pem"$'\n'"certfile $PKI/$cert.pem"$'\n'"keyfile $PKI/$key.key"
    conf+=$'\n'"require_certificate true"$'\n'"use_identity_as_username true"
    for line in "$@"; do conf+=$'\n'"$line"; done
    LISTENER_NAMES+=("$name")
    LISTENER_CONF[$name]=$conf
}

plain_listener() {
    LISTENER_NAMES+=("$1")
    LISTENER_CONF[$1]=""
}

start_listeners() {
    local attempt name port first
    local -a env=()
    if [[ ${1:-} == --tls12-only ]]; then
        printf '%s\n' "openssl_conf = mqtls_test" "[mqtls_test]" "ssl_conf = mqtls_ssl" \
            "[mqtls_ssl]" "system_default = mqtls_tls12" "[mqtls_tls12]" "MaxProtocol = TLSv1.2" \
            >"$TEST_DIR/openssl-tls12.cnf"
        env=("OPENSSL_CONF=$TEST_DIR/openssl-tls12.cnf")
    fi
    ((${#LISTENER_NAMES[@]} > 0)) || fail "start_listeners without listeners"
    broker_dir
    for ((attempt = 0; attempt < 10; attempt++)); do
        first=""
        {
            # Listener options follow their `listener` line; globals go first.
            broker_common_conf
            for name in "${LISTENER_NAMES[@]}"; do
                # Distinct ports: one free now, and not given to another listener here.
                while :; do
                    port=$(free_port)
                    [[ " ${first} " != *" $port "* ]] && break
                done
                first+=" $port"
                printf -v "PORT_$name" '%s' "$port"
                echo "listener $port 127.0.0.1"
                if [[ -n ${LISTENER_CONF[$name]} ]]; then echo "${LISTENER_CONF[$name]}"; fi
            done
        } >"$BROKER_DIR/mosquitto.conf"
        chmod 644 "$BROKER_DIR/mosquitto.conf"
        BROKER_ENV=(${env[@]+"${env[@]}"})
        if launch_broker; then
            BROKER_ENV=()
            read -r BROKER_PORT _ <<<"$first"
            LISTENER_NAMES=()
            LISTENER_CONF=()
            return 0
        fi
    done
    cat "$BROKER_DIR/stdout" "$BROKER_LOG" >&2 || true
    fail "mosquitto with TLS listeners did not start (see above; config: $BROKER_DIR/mosquitto.conf)"
}

# A mosquitto that listens and is then stopped (SIGSTOP): the kernel still
# completes TCP connections into its backlog, but nothing ever answers, so a
# TLS client's ClientHello goes unanswered. No netcat needed. cleanup()
# sends SIGCONT after SIGTERM so it can end.
start_silent_listener() {
    local attempt keep_dir=${BROKER_DIR:-} keep_log=${BROKER_LOG:-} keep_pid=${BROKER_PID:-} keep_port=${BROKER_PORT:-}
    broker_dir
    for ((attempt = 0; attempt < 10; attempt++)); do
        SILENT_PORT=$(free_port)
        { echo "listener $SILENT_PORT 127.0.0.1"; broker_common_conf; } >"$BROKER_DIR/mosquitto.conf"
        if launch_broker; then
            kill -STOP "$BROKER_PID"
            # shellcheck disable=SC2034 # for the tests
            SILENT_PID=$BROKER_PID
            BROKER_DIR=$keep_dir BROKER_LOG=$keep_log BROKER_PID=$keep_pid BROKER_PORT=$keep_port
            return 0
        fi
    done
    fail "could not start the silent listener"
}

# A TCP server that answers whatever it receives with an HTTP error, like a
# web server or a proxy on the port a TLS client was given (HTTP_PORT).
# perl-base is Essential in Debian, so this needs no package of its own; the
# kernel picks the port, so there is no race for it.
start_http_answerer() {
    local i
    # shellcheck disable=SC2016 # perl code, expanded by perl
    start_bg "$TEST_DIR/http-answerer" perl -MIO::Socket::INET -e '
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 16, ReuseAddr => 1)
            or die "listen: $!";
        open(my $f, ">", $ARGV[0]) or die; print $f $s->sockport, "\n"; close($f);
        while (my $c = $s->accept) {
            my $buf; sysread($c, $buf, 4096);
            print $c "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
            close($c);
        }' "$TEST_DIR/http-port"
    for ((i = 0; i < 100; i++)); do
        [[ -s $TEST_DIR/http-port ]] && break
        sleep 0.05
    done
    # shellcheck disable=SC2034 # for the tests
    HTTP_PORT=$(cat "$TEST_DIR/http-port" 2>/dev/null) || fail "the HTTP answerer did not start: $(cat "$TEST_DIR/http-answerer.err")"
}

# engine_has_tls13 ENGINE: does this build's ENGINE speak TLS 1.3? OpenSSL
# does; mbedTLS from 3.x on (CMake passes the version it built against in
# MQTLS_MBEDTLS_VERSION). mbedtls_is_2x: the 2.28 line (TLS 1.2, has RC4).
mbedtls_is_2x() { [[ ${MQTLS_MBEDTLS_VERSION:-2.28} == 2.* ]]; }
engine_has_tls13() { [[ $1 == openssl ]] || ! mbedtls_is_2x; }

# expect_tls_failure WHAT SENTENCE CMD... : CMD exits 2 and its stderr has
# exactly one line, the one naming the cause with SENTENCE in it (the text
# of mqtls_strerror). Output in $TEST_DIR/out and $TEST_DIR/err.
expect_tls_failure() {
    local what=$1 sentence=$2
    shift 2
    expect_status "$what" 2 "$@"
    assert_contains "$what: the cause" "$sentence" "$TEST_DIR/err"
    [[ $(wc -l <"$TEST_DIR/err") == 1 ]] || fail "$what: expected one line on stderr, got: $(cat "$TEST_DIR/err")"
    # MQTLS_TEST_VERBOSE=1: show each message, to read them all in one go.
    if [[ ${MQTLS_TEST_VERBOSE:-0} == 1 ]]; then note "$what -> $(cat "$TEST_DIR/err")"; fi
}

# ---- watching that nothing gets through ------------------------------------------
# watch_start NAME PORT PREFIX: a mosquitto_sub with a valid client
# certificate on PREFIX/# of the broker whose log is BROKER_LOG.
# watch_nothing NAME : publish PREFIX/end with mosquitto_pub, wait until the
# watcher has it, and fail if it received anything else.
declare -A WATCH_PID=() WATCH_PORT=() WATCH_PREFIX=()
watch_start() {
    local name=$1 port=$2 prefix=$3
    start_bg "$TEST_DIR/watch-$name.out" mosquitto_sub -h 127.0.0.1 -p "$port" "${MOSQ_TLS[@]}" \
        -i "watch-$name" -t "$prefix/#" -q 1 -v
    WATCH_PID[$name]=$BG_PID
    WATCH_PORT[$name]=$port
    WATCH_PREFIX[$name]=$prefix
    wait_subscribed "watch-$name" "$prefix/#"
}

watch_nothing() {
    local name=$1 i out=$TEST_DIR/watch-$1.out
    mosquitto_pub -h 127.0.0.1 -p "${WATCH_PORT[$name]}" "${MOSQ_TLS[@]}" -q 1 \
        -t "${WATCH_PREFIX[$name]}/end" -m end || fail "mosquitto_pub of the end marker failed"
    for ((i = 0; i < 500; i++)); do
        grep -qxF "${WATCH_PREFIX[$name]}/end end" "$out" && break
        kill -0 "${WATCH_PID[$name]}" 2>/dev/null || fail "watcher $name died: $(cat "$out.err")"
        sleep 0.02
    done
    grep -qxF "${WATCH_PREFIX[$name]}/end end" "$out" || fail "watcher $name never got the end marker"
    [[ $(wc -l <"$out") == 1 ]] || fail "messages got through to watcher $name: $(grep -vxF "${WATCH_PREFIX[$name]}/end end" "$out")"
}

# ---- MQTT 5 helpers (test_v5_*.sh) -------------------------------------------------

# wait_log_count TEXT N [SECONDS] : wait until the broker log has TEXT on at
# least N lines (e.g. the second "Client X disconnected.").
wait_log_count() {
    local text=$1 n=$2 limit=${3:-10} i
    for ((i = 0; i < limit * 50; i++)); do
        (($(grep -cF -- "$text" "$BROKER_LOG") >= n)) && return 0
        sleep 0.02
    done
    fail "the broker logged '$text' fewer than $n times within ${limit}s"
}

# start_limit_hider BROKER_PORT : a TCP relay to the broker (HIDER_PORT) that
# raises the Maximum Packet Size (0x27) and Receive Maximum (0x21) properties
# of the broker's MQTT 5 CONNACK in place (to 1 MiB and 65535), and relays
# everything else untouched. The client then believes the broker takes
# large packets and many messages in flight, and the broker's own reaction
# to a violation (DISCONNECT 0x95, 0x93) reaches it. One connection at a time.
start_limit_hider() {
    local i
    # shellcheck disable=SC2016 # perl code, expanded by perl
    start_bg "$TEST_DIR/limit-hider" perl -MIO::Socket::INET -MIO::Select -e '
        my ($target, $portfile) = @ARGV;
        $SIG{PIPE} = "IGNORE"; # a side that closed first ends this connection, not the relay
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 4, ReuseAddr => 1)
            or die "listen: $!";
        open(my $f, ">", $portfile) or die; print $f $s->sockport, "\n"; close($f);
        while (my $c = $s->accept) {
            my $b = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $target) or die "connect: $!";
            my $sel = IO::Select->new($c, $b);
            my $first = 1;
            LOOP: while (1) {
                for my $h ($sel->can_read) {
                    my $buf;
                    my $n = sysread($h, $buf, 65536);
                    last LOOP if !$n;
                    if ($h == $b && $first) {
                        $first = 0;
                        # CONNACK: type, 1-byte remaining length, flags, reason, 1-byte props length
                        my $end = 5 + ord(substr($buf, 4, 1));
                        my $p = 5;
                        my %fixed = (0x11,4, 0x13,2, 0x21,2, 0x22,2, 0x24,1, 0x25,1, 0x27,4, 0x28,1, 0x29,1, 0x2A,1);
                        while ($p < $end) {
                            my $id = ord(substr($buf, $p, 1));
                            if ($id == 0x27) { substr($buf, $p + 1, 4) = pack("N", 1048576); }
                            if ($id == 0x21) { substr($buf, $p + 1, 2) = pack("n", 65535); }
                            if (exists $fixed{$id}) { $p += 1 + $fixed{$id}; next; }
                            my $l = unpack("n", substr($buf, $p + 1, 2));
                            $p += 3 + $l;
                            $p += 2 + unpack("n", substr($buf, $p, 2)) if $id == 0x26;
                        }
                    }
                    syswrite($h == $c ? $b : $c, $buf) or last LOOP;
                }
            }
            close($b); close($c);
        }' "$1" "$TEST_DIR/hider-port"
    for ((i = 0; i < 100; i++)); do
        [[ -s $TEST_DIR/hider-port ]] && break
        sleep 0.05
    done
    # shellcheck disable=SC2034 # for the tests
    HIDER_PORT=$(cat "$TEST_DIR/hider-port" 2>/dev/null) || fail "the relay did not start: $(cat "$TEST_DIR/limit-hider.err")"
}
