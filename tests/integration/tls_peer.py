#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
# A scripted TLS server that misbehaves on purpose, for the TLS error tests.
#
# No real broker sends these; each mode is one way a TLS peer can go wrong
# (or be unusual but valid), written with raw records (RFC 5246 §6.2) so the
# bytes are exactly the ones the test names:
#
#   garbage          read the ClientHello, answer a well-formed TLS 1.2
#                    ServerHello with a suite the client offered, then bytes
#                    that are not a record
#   oversized LEN    answer a record header 16 03 03 with length LEN (more
#                    than the 16384 TLS allows) and LEN bytes
#   split N PORT     a proxy to 127.0.0.1:PORT (a real broker) that cuts the
#                    server's handshake records into records of N bytes until
#                    its ChangeCipherSpec: valid TLS 1.2 fragmentation
#                    (§6.2.1), which a client must reassemble
#
#   tls_peer.py PORTFILE MODE [ARGS]
#
# It listens on a port the kernel picks on 127.0.0.1, writes it to PORTFILE,
# and serves connections until killed. Python standard library only.
import os
import socket
import struct
import sys
import threading


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def read_record(s):
    hdr = recv_exact(s, 5)
    return hdr, recv_exact(s, struct.unpack(">H", hdr[3:5])[0])


def offered_suite(hello):
    """A TLS 1.2 suite from the ClientHello body (after the 4-byte header)."""
    p = 2 + 32
    p += 1 + hello[p]
    n = struct.unpack(">H", hello[p:p + 2])[0]
    suites = [hello[p + 2 + i:p + 4 + i] for i in range(0, n, 2)]
    for s in suites:  # not TLS 1.3 (0x13xx), not a signalling value
        if s[0] != 0x13 and s not in (b"\x00\xff", b"\x56\x00"):
            return s
    return suites[0]


def server_hello(suite):
    # One extension: an empty renegotiation_info (RFC 5746 §3.6), without
    # which OpenSSL refuses the hello as "unsafe legacy renegotiation".
    ext = b"\xff\x01\x00\x01\x00"
    body = b"\x03\x03" + os.urandom(32) + b"\x00" + suite + b"\x00" + struct.pack(">H", len(ext)) + ext
    msg = b"\x02" + struct.pack(">I", len(body))[1:] + body
    return b"\x16\x03\x03" + struct.pack(">H", len(msg)) + msg


def serve_garbage(c):
    _, body = read_record(c)
    c.sendall(server_hello(offered_suite(body[4:])) + b"\xde\xad\xbe\xef" * 64)


def serve_oversized(c, length):
    read_record(c)
    c.sendall(b"\x16\x03\x03" + struct.pack(">H", length) + b"\x00" * length)


def pump_client_to_server(c, u):
    try:
        while True:
            data = c.recv(65536)
            if not data:
                break
            u.sendall(data)
    except OSError:
        pass
    finally:
        try:
            u.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def serve_split(c, n, port):
    u = socket.create_connection(("127.0.0.1", port))
    t = threading.Thread(target=pump_client_to_server, args=(c, u), daemon=True)
    t.start()
    splitting = True
    try:
        while True:
            hdr, body = read_record(u)
            if splitting and hdr[0] == 22:
                for i in range(0, len(body), n):
                    part = body[i:i + n]
                    c.sendall(hdr[:3] + struct.pack(">H", len(part)) + part)
                continue
            if hdr[0] == 20:
                splitting = False  # encrypted from here on: records pass as they are
            c.sendall(hdr + body)
    except (EOFError, OSError):
        pass
    finally:
        u.close()


def main():
    portfile, mode, args = sys.argv[1], sys.argv[2], sys.argv[3:]
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    with open(portfile + ".tmp", "w") as f:
        f.write("%d\n" % srv.getsockname()[1])
    os.rename(portfile + ".tmp", portfile)
    while True:
        c, _ = srv.accept()
        try:
            if mode == "garbage":
                serve_garbage(c)
            elif mode == "oversized":
                serve_oversized(c, int(args[0]))
            elif mode == "split":
                threading.Thread(target=serve_split, args=(c, int(args[0]), int(args[1])), daemon=True).start()
                continue
            else:
                sys.exit("tls_peer.py: unknown mode " + mode)
        except (EOFError, OSError):
            pass
        try:
            c.shutdown(socket.SHUT_WR)
            c.recv(65536)  # let the client read all of it before the close
        except OSError:
            pass
        c.close()


if __name__ == "__main__":
    main()
