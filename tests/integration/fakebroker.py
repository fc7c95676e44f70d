#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# mqtls tests: a scripted fake MQTT broker (plain TCP, Python stdlib only).
"""
A real broker never sends a 5-byte remaining length, a second CONNACK or a
topic alias 0, so the hostile-broker suite (test_hostile_broker.sh) needs a
peer that does exactly what it is told. This one listens on 127.0.0.1 (port
0: the kernel picks; the port is printed on the first line of stdout and,
with --port-file, written to a file), reads the client's CONNECT, then plays
the scenario named by the CONNECT's client identifier. Every connection runs
in its own thread, so one broker serves a whole suite.

Scenario file: one scenario per line, `NAME: ACTION; ACTION; ...` (# starts
a comment line). Actions:

  connack            a valid CONNACK for the CONNECT's version (3.1.1: 20 02
                     00 00; 5.0: 20 03 00 00 00)
  send HEX...        these bytes; the token `ID` stands for the two bytes of
                     the packet id of the last packet received (SUBACK,
                     PUBACK... for the client's own ids)
  expect TYPE [S]    read packets until one of TYPE (connect, publish,
                     subscribe, pubrel, pingreq, disconnect, ...) arrives;
                     give up after S seconds (default 5)
  close              close the connection (FIN)
  reset              close with SO_LINGER 0: the client sees a TCP RST
  stall S            do nothing for S seconds (connection open, not reading)
  trickle MS HEX...  send the bytes one at a time, MS milliseconds apart
  flood N HEX...     send the bytes N times in a row (one write per 64 KiB)
  pingpong S         for S seconds answer every PINGREQ with a PINGRESP and
                     nothing else (a broker that never acknowledges)
  silence S          read for S seconds: the client must send nothing now
                     (e.g. before the CONNACK); each packet that arrives is
                     logged and followed by a line `NAME violation`

A scenario may script several connections of the same client: the k-th
connection (from 1) plays `NAME@k` when the file has it, else `NAME`.

After the last action the broker drains: it reads and logs packets until the
client closes (or 10 s pass), then closes. Each packet the client sent is
logged to stdout as `NAME <- TYPE [id=N] [rc=0xNN]` (rc: the first byte after
the fixed header of a 5.0 DISCONNECT, 0x00 when absent), and `NAME end` when
the connection is over, so a test can check the DISCONNECT reason code the
client sent back. Raw network bytes are never printed, only these fields.

  fakebroker.py SCENARIO-FILE [--port-file FILE]
"""
import os
import socket
import struct
import sys
import threading
import time

TYPES = {1: "connect", 2: "connack", 3: "publish", 4: "puback", 5: "pubrec", 6: "pubrel",
         7: "pubcomp", 8: "subscribe", 9: "suback", 10: "unsubscribe", 11: "unsuback",
         12: "pingreq", 13: "pingresp", 14: "disconnect", 15: "auth"}
LOG_LOCK = threading.Lock()
COUNTS = {}  # connections seen per client identifier


def log(line):
    with LOG_LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class Closed(Exception):
    pass


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.version = 4
        self.last_id = b"\x00\x01"

    def read_exact(self, n, deadline):
        while len(self.buf) < n:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError from None
            except OSError:
                raise Closed from None
            if not chunk:
                raise Closed
            self.buf += chunk
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_packet(self, deadline):
        """One packet: (type, flags, body). Raises Closed or TimeoutError."""
        first = self.read_exact(1, deadline)[0]
        length, mult = 0, 1
        for _ in range(4):
            b = self.read_exact(1, deadline)[0]
            length += (b & 0x7F) * mult
            mult *= 128
            if not b & 0x80:
                break
        else:
            raise ValueError("the client sent a remaining length longer than 4 bytes")
        body = self.read_exact(length, deadline)
        return first >> 4, first & 0x0F, body

    def describe(self, ptype, body):
        name = TYPES.get(ptype, "type%d" % ptype)
        extra = ""
        if ptype in (4, 5, 6, 7, 8, 10) and len(body) >= 2:
            self.last_id = body[:2]
            extra = " id=%d" % struct.unpack(">H", body[:2])[0]
        if ptype in (4, 5, 6, 7) and self.version == 5:
            extra += " rc=0x%02x" % (body[2] if len(body) > 2 else 0)
        if ptype == 14 and self.version == 5:
            extra = " rc=0x%02x" % (body[0] if body else 0)
        return name + extra


def parse_hex(conn, tokens):
    out = bytearray()
    for t in tokens:
        if t == "ID":
            out += conn.last_id
        else:
            out += bytes.fromhex(t)
    return bytes(out)


def note_publish_id(conn, flags, body):
    qos = (flags >> 1) & 3
    if qos and len(body) >= 2:
        tlen = struct.unpack(">H", body[:2])[0]
        if len(body) >= 4 + tlen:
            conn.last_id = body[2 + tlen:4 + tlen]
            return " qos=%d id=%d" % (qos, struct.unpack(">H", conn.last_id)[0])
    return " qos=%d" % qos


def log_packet(name, conn, ptype, flags, body):
    line = conn.describe(ptype, body)
    if ptype == 3:
        line += note_publish_id(conn, flags, body)
    log("%s <- %s" % (name, line))


def run_actions(name, conn, actions):
    for act in actions:
        words = act.split()
        if not words:
            continue
        op, args = words[0], words[1:]
        if op == "connack":
            conn.sock.sendall(b"\x20\x03\x00\x00\x00" if conn.version == 5 else b"\x20\x02\x00\x00")
        elif op == "send":
            conn.sock.sendall(parse_hex(conn, args))
        elif op == "expect":
            want = args[0]
            deadline = time.monotonic() + (float(args[1]) if len(args) > 1 else 5.0)
            while True:
                ptype, flags, body = conn.read_packet(deadline)
                log_packet(name, conn, ptype, flags, body)
                if TYPES.get(ptype) == want:
                    break
        elif op == "pingpong":
            deadline = time.monotonic() + float(args[0])
            try:
                while True:
                    ptype, flags, body = conn.read_packet(deadline)
                    log_packet(name, conn, ptype, flags, body)
                    if ptype == 12:
                        conn.sock.sendall(b"\xd0\x00")
            except TimeoutError:
                pass
        elif op == "silence":
            deadline = time.monotonic() + float(args[0])
            try:
                while True:
                    ptype, flags, body = conn.read_packet(deadline)
                    log_packet(name, conn, ptype, flags, body)
                    log("%s violation" % name)
            except TimeoutError:
                pass
        elif op == "close":
            return "close"
        elif op == "reset":
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return "reset"
        elif op == "stall":
            time.sleep(float(args[0]))
        elif op == "trickle":
            delay = float(args[0]) / 1000.0
            for b in parse_hex(conn, args[1:]):
                conn.sock.sendall(bytes([b]))
                time.sleep(delay)
        elif op == "flood":
            pkt = parse_hex(conn, args[1:])
            count = int(args[0])
            per = max(1, 65536 // max(1, len(pkt)))
            while count > 0:
                n = min(per, count)
                conn.sock.sendall(pkt * n)
                count -= n
        else:
            raise ValueError("unknown action %r in scenario %s" % (op, name))
    return "drain"


def drain(name, conn):
    deadline = time.monotonic() + 10.0
    while True:
        ptype, flags, body = conn.read_packet(deadline)
        log_packet(name, conn, ptype, flags, body)


def serve(sock, scenarios):
    conn = Conn(sock)
    name = "?"
    try:
        ptype, _, body = conn.read_packet(time.monotonic() + 5.0)
        if ptype != 1 or len(body) < 12:
            log("? <- not a CONNECT")
            return
        plen = struct.unpack(">H", body[:2])[0]
        conn.version = body[2 + plen]
        p = 2 + plen + 4  # version, flags, keep alive
        if conn.version == 5:
            n, mult = 0, 1
            while True:
                b = body[p]
                p += 1
                n += (b & 0x7F) * mult
                mult *= 128
                if not b & 0x80:
                    break
            p += n
        idlen = struct.unpack(">H", body[p:p + 2])[0]
        name = body[p + 2:p + 2 + idlen].decode("ascii", "replace")
        with LOG_LOCK:
            COUNTS[name] = COUNTS.get(name, 0) + 1
            k = COUNTS[name]
        log("%s <- connect v%d #%d" % (name, conn.version, k))
        actions = scenarios.get("%s@%d" % (name, k), scenarios.get(name))
        if actions is None:
            log("%s unknown scenario" % name)
            return
        how = run_actions(name, conn, actions)
        if how == "drain":
            drain(name, conn)
    except (Closed, TimeoutError, ConnectionError):
        pass
    except Exception as e:  # a broken scenario must be visible, not a hang
        log("%s broker error: %s" % (name, e))
    finally:
        try:
            sock.close()
        except OSError:
            pass
        log("%s end" % name)


def load(path):
    scenarios = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, rest = line.partition(":")
            scenarios[name.strip()] = [a.strip() for a in rest.split(";")]
    return scenarios


def main():
    args = sys.argv[1:]
    if not args or args[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if args else 1
    scenarios = load(args[0])
    port_file = args[args.index("--port-file") + 1] if "--port-file" in args else None
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    port = srv.getsockname()[1]
    log(str(port))
    if port_file:
        with open(port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(port_file + ".tmp", port_file)
    while True:
        sock, _ = srv.accept()
        threading.Thread(target=serve, args=(sock, scenarios), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
