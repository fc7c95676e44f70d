#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# mqtls tests: a fault-injecting TCP proxy (Python stdlib only).
"""
Sits between a client and a real broker and breaks the connection on
purpose, so the client's reconnect and resend can be checked against a
broker that behaves (test_faults.sh). It listens on 127.0.0.1 (port 0: the
port is printed on the first line of stdout and, with --port-file, written
to a file) and relays every accepted connection to TARGET-PORT on
127.0.0.1, one thread per connection.

  --cut-bytes N   cut each connection after a random number of relayed bytes
                  between N/2 and 3N/2, so the cuts land everywhere: inside a
                  CONNECT, a PUBLISH, a resend
  --count up|down|both
                  which bytes count towards --cut-bytes (default both). "down"
                  (broker to client: CONNACK, acknowledgements) bounds the
                  progress of each connection whatever the client resends, so
                  a stream of M messages sees a predictable number of cuts
  --cut-ms T      cut each connection T ms after it was accepted
  --reset         cut with a TCP RST (SO_LINGER 0) on both sides, not a FIN
  --delay MS      hold every chunk MS ms before relaying it
  --split         relay one byte per write (TCP_NODELAY), so every packet
                  arrives in pieces
  --seed S        seed of the cut points (default 1: runs are repeatable)

Every cut is logged as a line `cut BYTES` on stdout, so a test can count
the forced disconnects. Payloads are never printed.

  faultproxy.py TARGET-PORT [options] [--port-file FILE]
"""
import argparse
import os
import random
import socket
import struct
import sys
import threading
import time

LOCK = threading.Lock()


def log(line):
    with LOCK:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


class Link:
    """One relayed connection: client socket, broker socket, a shared budget."""

    def __init__(self, opts, client, rng):
        self.opts = opts
        self.client = client
        self.broker = socket.create_connection(("127.0.0.1", opts.target), timeout=5)
        self.broker.settimeout(None)
        for s in (self.client, self.broker):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with LOCK:
            self.budget = (rng.randint(opts.cut_bytes // 2, opts.cut_bytes * 3 // 2)
                           if opts.cut_bytes else None)
        self.deadline = time.monotonic() + opts.cut_ms / 1000.0 if opts.cut_ms else None
        self.moved = 0    # bytes relayed, both ways
        self.counted = 0  # of those, the ones --count counts
        self.done = False
        self.lock = threading.Lock()

    def cut(self, why):
        with self.lock:
            if self.done:
                return
            self.done = True
        if why:
            log("cut %d" % self.moved)
        for s in (self.client, self.broker):
            try:
                if self.opts.reset and why:
                    # SO_LINGER 0 makes the close an RST. SHUT_RD (no FIN)
                    # wakes the other thread's recv(): the kernel releases
                    # the socket, and sends the RST, only once it returns.
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    s.shutdown(socket.SHUT_RD)
                else:
                    s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                s.close()
            except OSError:
                pass

    def take(self, n, down):
        """How many of n bytes may pass before the cut (0: cut now)."""
        with self.lock:
            counted = self.opts.count == "both" or (self.opts.count == "down") == down
            if self.budget is None or not counted:
                self.moved += n
                return n
            allowed = max(min(n, self.budget - self.counted), 0)
            self.counted += allowed
            self.moved += allowed
            return allowed

    def pump(self, src, dst):
        down = src is self.broker
        try:
            while not self.done:
                if self.deadline is not None:
                    left = self.deadline - time.monotonic()
                    if left <= 0:
                        self.cut("time")
                        return
                    src.settimeout(left)
                try:
                    data = src.recv(65536)
                except socket.timeout:
                    continue
                if not data:
                    break
                if self.opts.delay:
                    time.sleep(self.opts.delay / 1000.0)
                n = self.take(len(data), down)
                chunk = data[:n]
                if self.opts.split:
                    for i in range(len(chunk)):
                        dst.sendall(chunk[i:i + 1])
                elif chunk:
                    dst.sendall(chunk)
                if n < len(data):
                    self.cut("bytes")
                    return
        except OSError:
            pass
        self.cut(None)


def serve(opts, client, rng):
    try:
        link = Link(opts, client, rng)
    except OSError:
        client.close()
        return
    a = threading.Thread(target=link.pump, args=(link.client, link.broker), daemon=True)
    b = threading.Thread(target=link.pump, args=(link.broker, link.client), daemon=True)
    a.start()
    b.start()


def main():
    p = argparse.ArgumentParser(description="fault-injecting TCP proxy for the mqtls tests")
    p.add_argument("target", type=int)
    p.add_argument("--cut-bytes", type=int, default=0)
    p.add_argument("--cut-ms", type=int, default=0)
    p.add_argument("--count", choices=("up", "down", "both"), default="both")
    p.add_argument("--reset", action="store_true")
    p.add_argument("--delay", type=int, default=0)
    p.add_argument("--split", action="store_true")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--port-file")
    opts = p.parse_args()
    rng = random.Random(opts.seed)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    port = srv.getsockname()[1]
    log(str(port))
    if opts.port_file:
        with open(opts.port_file + ".tmp", "w") as f:
            f.write("%d\n" % port)
        os.rename(opts.port_file + ".tmp", opts.port_file)
    while True:
        client, _ = srv.accept()
        serve(opts, client, rng)


if __name__ == "__main__":
    sys.exit(main())
