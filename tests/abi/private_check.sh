#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# private_check.sh CC INCLUDE_DIR: an application that reads a field the
# public headers mark MQTLS_PRIVATE() (mqtls/api.h) does not compile, for
# each struct that has them; the same code compiles with
# MQTLS_ALLOW_PRIVATE_ACCESS (what the library's own targets define), so
# the failure is the rename and nothing else. The accessors compile either way.
set -euo pipefail
cc=$1 inc=$2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=0
for expr in 'c.state' 'c.caps.receive_max' 'c.sess.next_id' 'ms.live' 'rec.packet_id' 'm.connects' 'fl.gc_runs' \
    't.fd' 'sl.sd'; do
    cat >"$out/t.c" <<C
#include "mqtls/client.h"
#include "mqtls/conn.h"
#include "mqtls/flashlog.h"
#include "mqtls/sl_transport.h"
#include "mqtls/tcp.h"
int peek(void);
int peek(void)
{
    mqtls_client_t c = {0};
    mqtls_memstore_t ms = {0};
    mqtls_inflight_t rec = {0};
    mqtls_conn_t m = {0};
    mqtls_flashlog_t fl = {0};
    mqtls_tcp_t t = {0};
    mqtls_sl_transport_t sl = {0};
    (void)c, (void)ms, (void)rec, (void)m, (void)fl, (void)t, (void)sl;
    return (int)($expr) + (int)mqtls_client_version(&c) + (int)mqtls_memstore_count(&ms) +
           (int)mqtls_conn_connects(&m) + (int)mqtls_flashlog_gc_runs(&fl);
}
C
    if "$cc" -std=c11 -fsyntax-only -I"$inc" "$out/t.c" 2>"$out/err"; then
        echo "private_check: an application compiled reading $expr, a private field" >&2
        exit 1
    fi
    grep -q 'no member named' "$out/err" ||
        { echo "private_check: $expr failed to compile, but not on the field:" >&2; cat "$out/err" >&2; exit 1; }
    "$cc" -std=c11 -fsyntax-only -DMQTLS_ALLOW_PRIVATE_ACCESS -I"$inc" "$out/t.c" ||
        { echo "private_check: $expr does not compile with MQTLS_ALLOW_PRIVATE_ACCESS either" >&2; exit 1; }
    n=$((n + 1))
done
echo "private_check: $n private fields refused to an application, allowed with MQTLS_ALLOW_PRIVATE_ACCESS"
