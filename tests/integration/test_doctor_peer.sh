#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# What no real broker does, from a scripted peer (issue 11, part 5): a
# SUBACK that never comes is named in the doctor's roundtrip step ("no SUBACK
# came in time", SUBACK_TIMEOUT), not the generic timeout; a 5.0 CONNACK whose
# reason string is terminal control sequences ("clear screen, mqtls:
# connected OK") reaches the terminal escaped; a CONNACK claiming 256 MB is
# CONNACK_TOO_LARGE, not "the receive buffer". The peer is a few lines of
# Python: it accepts connections, answers CONNECT, then reads and ignores
# everything. The kernel picks its port (no race); it is stopped by PID.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
D=$TEST_DIR

# peer PORTFILE MODE: "silent" (CONNACK 0, then nothing) or "evil" (a 5.0 CONNACK
# refusing with a reason string that would clear the screen and fake a success)
peer() {
python3 - "$1" "$2" <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]) + "\n")
s.settimeout(60)
while True:                         # the doctor's tcp step connects and closes first
    c, _ = s.accept()
    c.settimeout(60)
    try:
        if not c.recv(4096):        # CONNECT (or nothing: the tcp probe)
            c.close()
            continue
        if sys.argv[2] == "huge":
            c.sendall(b"\x20\xff\xff\xff\x7f\x00\x00")  # a CONNACK claiming 256 MB
            continue
        if sys.argv[2] == "evil":
            why = b"\x1b[2J\rmqtls: connected OK"
            props = b"\x1f" + len(why).to_bytes(2, "big") + why
            body = b"\x00\x87" + bytes([len(props)]) + props
            c.sendall(b"\x20" + bytes([len(body)]) + body)
            continue
        c.sendall(b"\x20\x02\x00\x00")  # CONNACK, accepted
        while c.recv(4096):         # SUBSCRIBE, PINGREQ...: never answered
            pass
    except OSError:
        pass
    c.close()
PY
PEER=$!
for ((i = 0; i < 250; i++)); do [[ -s $1 ]] && break; sleep 0.02; done
[[ -s $1 ]] || fail "the $2 peer did not start"
PORT=$(cat "$1")
}
peer "$D/port" silent

expect_status "doctor against a broker that never sends SUBACK" 2 "$MQTLS" doctor -h 127.0.0.1 -p "$PORT" -i suback \
    --timeout 1 --json
assert_eq "roundtrip fails" "fail" "$(jq -r '[.steps[] | select(.name == "roundtrip")][0].status' "$D/out")"
assert_contains "the timeout is named" "no SUBACK came in time" "$D/out"
assert_eq "the error is named" "SUBACK_TIMEOUT" "$(jq -r .error.name "$D/out")"
kill "$PEER" 2>/dev/null || true
wait "$PEER" 2>/dev/null || true

# The broker's reason string reaches the terminal escaped, never raw.
peer "$D/port2" evil
expect_status "doctor against a hostile reason string" 2 "$MQTLS" doctor -h 127.0.0.1 -p "$PORT" -i evil -V 5 --timeout 2
assert_contains "the reason string is shown escaped" '\x1b[2J\x0dmqtls: connected OK' "$D/out"
if grep -q $'\x1b' "$D/out"; then fail "an ESC byte from the broker reached the output: $(od -c "$D/out" | head)"; fi
kill "$PEER" 2>/dev/null || true
wait "$PEER" 2>/dev/null || true

# A CONNACK that claims 256 MB is not blamed on the receive buffer.
peer "$D/port3" huge
expect_status "doctor against a 256 MB CONNACK" 2 "$MQTLS" doctor -h 127.0.0.1 -p "$PORT" -i huge --timeout 2 --json
assert_eq "256 MB CONNACK: named" "CONNACK_TOO_LARGE" "$(jq -r .error.name "$D/out")"
assert_eq "256 MB CONNACK: not an MQTT answer" "not-mqtt" "$(jq -r .cause.id "$D/out")"
grep -q "receive buffer cannot" "$D/out" && fail "256 MB CONNACK blamed on the receive buffer: $(cat "$D/out")"
kill "$PEER" 2>/dev/null || true
wait "$PEER" 2>/dev/null || true
note "a SUBACK that never comes: named; a hostile reason string: escaped; a 256 MB CONNACK: named"
