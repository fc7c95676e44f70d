#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Quick-start demo: install what is missing, build mqtls, make a throwaway
# PKI, start a private mosquitto on 127.0.0.1 that demands a client
# certificate, and send three messages (QoS 0, 1, 2) from `mqtls pub` to
# `mqtls sub` over mutual TLS. Exits 0 only if all three arrive.
#
#   scripts/demo.sh            (MQTLS_DEMO_KEEP=1 keeps the temp dir and logs)
#
# The broker is ours alone: a free port picked at run time (never 1883, where
# Debian's own mosquitto service may listen), a config in a temp dir, stopped
# by its PID when the script ends, however it ends.
#
# Security is set up in one place, the "transport security" section below:
# mutual TLS with a CA, a server and a client certificate made on the spot by
# mqtls itself (`mqtls ca init` / `mqtls ca issue`; nothing is kept). Emptying
# BROKER_LISTENER_CONF and CLIENT_SECURITY_ARGS there gives plain TCP again.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
JOBS=${MQTLS_JOBS:-2}
HOST=127.0.0.1

banner() {
  echo
  echo "== $*"
}

banner "dependencies"
"$ROOT/scripts/deps.sh"

banner "build (build/gcc, Release)"
# Same options as scripts/test.sh's gcc section, so the two share one tree.
cmake -S "$ROOT" -B build/gcc --log-level=WARNING -DCMAKE_C_COMPILER=gcc \
  -DCMAKE_BUILD_TYPE=Release -DMQTLS_WERROR=ON
cmake --build build/gcc --target mqtls_cli -j "$JOBS"
MQTLS=$ROOT/build/gcc/mqtls
echo "built $MQTLS"

MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[[ -x "$MOSQUITTO" ]] || { echo "demo: mosquitto not found" >&2; exit 1; }

# ---- temp dir and cleanup ------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mqtls-demo.XXXXXX")
# mosquitto started as root drops to user 'mosquitto' before it reads
# certificate files: everything in here must be readable by others.
chmod 755 "$WORK"
BROKER_PID=""
SUB_PID=""

cleanup() {
  local rc=$?
  if [[ -n "$SUB_PID" ]] && kill -0 "$SUB_PID" 2>/dev/null; then
    kill "$SUB_PID" 2>/dev/null || true
    wait "$SUB_PID" 2>/dev/null || true
  fi
  if [[ -n "$BROKER_PID" ]] && kill -0 "$BROKER_PID" 2>/dev/null; then
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
  fi
  if [[ "${MQTLS_DEMO_KEEP:-0}" == 1 || $rc -ne 0 ]]; then
    echo "demo: logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- transport security (the one place to change for mutual TLS) --------------
# Lines added under the broker's listener, and arguments added to every
# mqtls command. `mqtls ca` makes a development CA (EC P-256), a server
# certificate for localhost and 127.0.0.1 and a client certificate with CN
# mqtls-demo-client. The keys are made mode 644 here because mosquitto reads
# its key after dropping root (these throwaway keys protect nothing). The
# broker verifies our certificate against the same CA (require_certificate)
# and takes its CN as the user name; we verify the broker's chain and name.
banner "PKI: a throwaway CA, server and client certificate (mqtls ca)"
PKI=$WORK/pki
"$MQTLS" ca init "$PKI" --cn "mqtls demo CA" >/dev/null
"$MQTLS" ca issue "$PKI" --server --cn localhost --san DNS:localhost,IP:127.0.0.1 -o "$PKI/server" >/dev/null
"$MQTLS" ca issue "$PKI" --client --cn mqtls-demo-client -o "$PKI/client" >/dev/null
chmod 644 "$PKI"/*.key
"$MQTLS" cert verify --cafile "$PKI/ca.pem" "$PKI/client.pem" >/dev/null
echo "client certificate: CN=mqtls-demo-client, issued by CN=mqtls demo CA (checked with mqtls cert verify)"
SECURITY="mutual TLS"
BROKER_LISTENER_CONF=("cafile $PKI/ca.pem" "certfile $PKI/server.pem" "keyfile $PKI/server.key"
  "require_certificate true" "use_identity_as_username true")
CLIENT_SECURITY_ARGS=(--cafile "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key")

# ---- broker --------------------------------------------------------------------
# A port in 20000-59999 that nothing uses now. Another program may still take
# it before mosquitto binds it; start_broker then tries another one.
pick_port() {
  local port
  while :; do
    port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
    if [[ -z "$(ss -Htan "sport = :$port" 2>/dev/null)" ]]; then
      echo "$port"
      return 0
    fi
  done
}

start_broker() {
  local attempt line
  for attempt in 1 2 3 4 5; do
    PORT=$(pick_port)
    {
      echo "listener $PORT $HOST"
      for line in "${BROKER_LISTENER_CONF[@]}"; do echo "$line"; done
      echo "allow_anonymous true"
      echo "persistence false"
      # 'all' includes the debug lines we wait for ("Sending SUBACK to ...").
      echo "log_dest stderr"
      echo "log_type all"
      echo "set_tcp_nodelay true"
    } >"$WORK/mosquitto.conf"
    chmod 644 "$WORK/mosquitto.conf"
    # The shell opens the log, so it is writable whatever user mosquitto
    # becomes after dropping root.
    "$MOSQUITTO" -c "$WORK/mosquitto.conf" >"$WORK/mosquitto.log" 2>&1 &
    BROKER_PID=$!
    for _ in $(seq 50); do
      if ! kill -0 "$BROKER_PID" 2>/dev/null; then
        break # exited: port taken, or a bad config (shown below)
      fi
      if [[ -n "$(ss -Hltn "sport = :$PORT" 2>/dev/null)" ]]; then
        return 0
      fi
      sleep 0.1
    done
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
    BROKER_PID=""
    echo "demo: mosquitto did not start on port $PORT (attempt $attempt):" >&2
    tail -n 5 "$WORK/mosquitto.log" >&2
  done
  echo "demo: could not start mosquitto" >&2
  return 1
}

banner "broker: mosquitto on $HOST, $SECURITY"
start_broker
echo "mosquitto pid $BROKER_PID listening on $HOST:$PORT (config and log in $WORK)"
if ((${#CLIENT_SECURITY_ARGS[@]} > 0)); then
  echo "every mqtls command below also gets: ${CLIENT_SECURITY_ARGS[*]}"
fi

COMMON=(-h "$HOST" -p "$PORT" "${CLIENT_SECURITY_ARGS[@]}")

# ---- subscriber ----------------------------------------------------------------
banner "subscribe: mqtls sub -t 'demo/#' -q 2 -v -C 3 -W 10"
SUB_ID=mqtls-demo-sub-$$
# timeout(1) is a second fence: -W 10 already bounds the subscriber itself.
timeout 30 "$MQTLS" sub "${COMMON[@]}" -i "$SUB_ID" -t 'demo/#' -q 2 -v -C 3 -W 10 \
  >"$WORK/sub.out" 2>"$WORK/sub.err" &
SUB_PID=$!

# Subscribed means the broker has sent the SUBACK: from then on it routes
# demo/# to us. Its log says so; the subscriber's own output may not.
subscribed=0
for _ in $(seq 100); do
  if grep -q "Sending SUBACK to $SUB_ID" "$WORK/mosquitto.log"; then
    subscribed=1
    break
  fi
  kill -0 "$SUB_PID" 2>/dev/null || break
  sleep 0.1
done
if ((!subscribed)); then
  echo "demo: the subscriber did not subscribe within 10 s" >&2
  cat "$WORK/sub.err" >&2
  tail -n 20 "$WORK/mosquitto.log" >&2
  exit 1
fi
echo "subscribed ($SUB_ID)"

# ---- publisher -----------------------------------------------------------------
banner "publish: three messages with mqtls pub"
for qos in 0 1 2; do
  msg="hello from mqtls at QoS $qos"
  echo "mqtls pub -t demo/qos$qos -q $qos -m '$msg'"
  # The first one also prints its TLS report (on stderr), kept for below.
  report=()
  [[ $qos == 0 && ${#CLIENT_SECURITY_ARGS[@]} -gt 0 ]] && report=(--tls-report)
  "$MQTLS" pub "${COMMON[@]}" -i "mqtls-demo-pub-$$" -t "demo/qos$qos" -q "$qos" -m "$msg" \
    "${report[@]}" 2>"$WORK/pub$qos.err" || { cat "$WORK/pub$qos.err" >&2; exit 1; }
done
if [[ ${#CLIENT_SECURITY_ARGS[@]} -gt 0 ]]; then
  # What the broker's log says about our identity: use_identity_as_username
  # turned the certificate's CN into the user name (u'...').
  user=$(grep -o "as mqtls-demo-pub-$$ ([^)]*u'[^']*')" "$WORK/mosquitto.log" | head -n 1 |
    sed "s/.*u'\([^']*\)'.*/\1/")
  tls=$(awk '$1 == "version:" { v = $2 } $1 == "cipher:" { c = $2 } END { print v, c }' "$WORK/pub0.err")
  echo "mutually authenticated: $tls; the broker's certificate verified against the demo CA," \
    "ours accepted by the broker as user '${user:-?}'"
fi

# ---- result --------------------------------------------------------------------
sub_rc=0
wait "$SUB_PID" || sub_rc=$?
SUB_PID=""

banner "received by mqtls sub (exit status $sub_rc)"
sed 's/^/  /' "$WORK/sub.out"

missing=0
for qos in 0 1 2; do
  if ! grep -qxF "demo/qos$qos hello from mqtls at QoS $qos" "$WORK/sub.out"; then
    echo "demo: MISSING: demo/qos$qos" >&2
    missing=1
  fi
done
if ((missing || sub_rc != 0)); then
  echo "demo: FAILED (subscriber stderr and broker log follow)" >&2
  cat "$WORK/sub.err" >&2
  tail -n 30 "$WORK/mosquitto.log" >&2
  exit 1
fi

# The same broker through mqtls doctor: every step of the connection, checked
# and printed (it exits 0 only when all of them pass).
if [[ ${#CLIENT_SECURITY_ARGS[@]} -gt 0 ]]; then
  banner "mqtls doctor ${COMMON[*]}"
  "$MQTLS" doctor "${COMMON[@]}" -i "mqtls-demo-doctor-$$" | sed 's/^/  /'
  [[ ${PIPESTATUS[0]} == 0 ]] || { echo "demo: FAILED: mqtls doctor found a problem" >&2; exit 1; }
fi
echo
echo "demo: OK: all three messages (QoS 0, 1, 2) went from mqtls pub through mosquitto to mqtls sub ($SECURITY)"
