#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# A SUBACK that never comes is named (issue 11, part 5): the doctor's
# roundtrip step says "no SUBACK came in time", not the generic timeout. No
# real broker does this, so the peer is a few lines of Python: it accepts
# connections, answers CONNECT with CONNACK 0 and then reads and ignores
# everything. The kernel picks its port (no race); it is stopped by PID.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
D=$TEST_DIR

python3 - "$D/port" <<'PY' &
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
        c.sendall(b"\x20\x02\x00\x00")  # CONNACK, accepted
        while c.recv(4096):         # SUBSCRIBE, PINGREQ...: never answered
            pass
    except OSError:
        pass
    c.close()
PY
PEER=$!
for ((i = 0; i < 250; i++)); do [[ -s $D/port ]] && break; sleep 0.02; done
[[ -s $D/port ]] || fail "the silent peer did not start"
PORT=$(cat "$D/port")

expect_status "doctor against a broker that never sends SUBACK" 2 "$MQTLS" doctor -h 127.0.0.1 -p "$PORT" -i suback \
    --timeout 1 --json
assert_eq "roundtrip fails" "fail" "$(jq -r '[.steps[] | select(.name == "roundtrip")][0].status' "$D/out")"
assert_contains "the timeout is named" "no SUBACK came in time" "$D/out"
assert_eq "the error is named" "SUBACK_TIMEOUT" "$(jq -r .error.name "$D/out")"
kill "$PEER" 2>/dev/null || true
wait "$PEER" 2>/dev/null || true
note "a SUBACK that never comes: named"
