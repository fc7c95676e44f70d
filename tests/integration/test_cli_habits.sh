#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The mosquitto_pub / mosquitto_sub habits people bring, against mosquitto:
# -L URL (pub and sub; mqtts turns TLS on with the system's CA file),
# --repeat/--repeat-delay, --quiet, "did you mean" for a mistyped flag,
# sub --help printing %t (not %%t), sub -T (filter out), -E (exit once
# subscribed), -U (unsubscribe from a kept session), --retained-only,
# --remove-retained, --rx-buffer (a message above it is skipped with a
# warning naming the size), and TLS: --tls-alpn (alias of --alpn),
# --tls-use-os-certs, and every one-line TLS failure ending with the
# `mqtls doctor` command for the same flags (which the doctor accepts).
# shellcheck source=tests/integration/lib.sh disable=SC2154 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"

D=$TEST_DIR
tls_make_pki
K=$PKI
plain_listener plain
tls_listener main server
start_listeners
P=$PORT_plain
S=(-h 127.0.0.1 -p "$P")

# ---- -L ---------------------------------------------------------------------------
start_bg "$D/url.out" "$MQTLS" sub -L "mqtt://someone:secret@127.0.0.1:$P/url/t" -i url-sub -C 1 -W 10
sub=$BG_PID
wait_subscribed url-sub url/t
expect_status "pub -L" 0 "$MQTLS" pub -L "mqtt://127.0.0.1:$P/url/t" -m via-url
wait_bg "$sub" "sub -L" 10
assert_eq "sub -L exit" 0 "$BG_STATUS"
assert_eq "sub -L message" via-url "$(cat "$D/url.out")"
assert_contains "-L user name reached the broker" "u'someone'" "$BROKER_LOG"
expect_status "-L without topic" 1 "$MQTLS" pub -L "mqtt://127.0.0.1:$P" -m x
assert_contains "-L without topic sentence" "needs a topic" "$D/err"
expect_status "-L bad scheme" 1 "$MQTLS" pub -L "http://127.0.0.1/t" -m x
expect_status "-L and -t" 1 "$MQTLS" pub -L "mqtt://127.0.0.1:$P/a" -t b -m x
# mqtts: TLS with the system's CA file, which does not hold the test CA
expect_status "-L mqtts" 2 "$MQTLS" pub -L "mqtts://127.0.0.1:$PORT_main/t" -m x
assert_contains "mqtts: TLS, system CAs" "not trusted" "$D/err"
assert_contains "mqtts: doctor line" "--cafile /etc/ssl/certs/ca-certificates.crt" "$D/err"

# ---- --repeat / --repeat-delay ------------------------------------------------------------
start_bg "$D/rep.out" "$MQTLS" sub "${S[@]}" -i rep-sub -t rep/t -C 3 -W 10
sub=$BG_PID
wait_subscribed rep-sub rep/t
expect_status "pub --repeat" 0 "$MQTLS" pub "${S[@]}" -t rep/t -m again --repeat 3 --repeat-delay 0.05
wait_bg "$sub" "sub of the repeats" 10
assert_eq "three repeats" "$(printf 'again\nagain\nagain')" "$(cat "$D/rep.out")"
expect_status "--repeat with -l" 1 "$MQTLS" pub "${S[@]}" -t rep/t -l --repeat 2 </dev/null
expect_status "--repeat-delay bad" 1 "$MQTLS" pub "${S[@]}" -t rep/t -m x --repeat 2 --repeat-delay soon

# ---- --quiet, did you mean, --help --------------------------------------------------------
expect_status "--quiet still fails" 2 "$MQTLS" pub -h 127.0.0.1 -p 1 -t q -m x --quiet
assert_eq "--quiet prints nothing" "" "$(cat "$D/err")"
expect_status "mistyped flag" 1 "$MQTLS" pub "${S[@]}" -t q -m x --retian
assert_contains "did you mean" "did you mean '--retain'?" "$D/err"
expect_status "mistyped shared flag" 1 "$MQTLS" sub "${S[@]}" -t q --cafle x
assert_contains "did you mean (shared)" "did you mean '--cafile'?" "$D/err"
expect_status "sub --help" 0 "$MQTLS" sub --help
assert_contains "help shows %t" "%t topic" "$D/out"
if grep -qF '%%t' "$D/out"; then fail "sub --help prints %%t"; fi
for flag in --pretty --filter-out --unsubscribe --exit-subscribed --remove-retained --retained-only --rx-buffer \
    --no-reconnect --url --quiet --tls-alpn --tls-use-os-certs; do
    assert_contains "sub --help lists $flag" "$flag" "$D/out"
done
expect_status "pub --help" 0 "$MQTLS" pub --help
assert_contains "pub --help lists --repeat-delay" "--repeat-delay" "$D/out"

# ---- sub -T, -E ---------------------------------------------------------------------------
start_bg "$D/filt.out" "$MQTLS" sub "${S[@]}" -i filt-sub -t 'filt/#' -T filt/skip -T 'filt/noise/#' -v -C 1 -W 10
sub=$BG_PID
wait_subscribed filt-sub 'filt/#'
"$MQTLS" pub "${S[@]}" -t filt/skip -m no
"$MQTLS" pub "${S[@]}" -t filt/noise/a -m no
"$MQTLS" pub "${S[@]}" -t filt/keep -m yes
wait_bg "$sub" "sub -T" 10
assert_eq "sub -T output" "filt/keep yes" "$(cat "$D/filt.out")"
expect_status "sub -E" 0 timeout 10 "$MQTLS" sub "${S[@]}" -i e-sub -t e/t -E
wait_subscribed e-sub e/t 2
expect_status "bad -T filter" 1 "$MQTLS" sub "${S[@]}" -t a -T 'a/#/b'

# ---- sub -U removes a subscription from a kept session -------------------------------------
expect_status "subscribe in a kept session" 0 "$MQTLS" sub "${S[@]}" -c -i u-sub -q 1 -t u/gone -t u/kept -E
expect_status "sub -U alone" 0 timeout 10 "$MQTLS" sub "${S[@]}" -c -i u-sub -U u/gone
"$MQTLS" pub "${S[@]}" -t u/gone -q 1 -m should-not-arrive
"$MQTLS" pub "${S[@]}" -t u/kept -q 1 -m kept
expect_status "back in the session" 0 "$MQTLS" sub "${S[@]}" -c -i u-sub -q 1 -t u/kept -C 1 -W 10
assert_eq "only the kept subscription delivered" kept "$(cat "$D/out")"

# ---- --retained-only, --remove-retained -----------------------------------------------------
"$MQTLS" pub "${S[@]}" -t ret/a -m one -r
"$MQTLS" pub "${S[@]}" -t ret/b -m two -r
start_bg "$D/ro.out" "$MQTLS" sub "${S[@]}" -i ro-sub -t 'ret/#' --retained-only -W 10
sub=$BG_PID
wait_subscribed ro-sub 'ret/#'
for ((i = 0; i < 250; i++)); do [[ $(wc -l <"$D/ro.out") -ge 2 ]] && break; sleep 0.02; done
"$MQTLS" pub "${S[@]}" -t ret/c -m live
wait_bg "$sub" "sub --retained-only" 10
assert_eq "--retained-only exit" 0 "$BG_STATUS"
assert_eq "--retained-only output" "$(printf 'one\ntwo')" "$(sort "$D/ro.out")"
long_topic=ret/$(head -c 1000 /dev/zero | tr '\0' L)
"$MQTLS" pub "${S[@]}" -t "$long_topic" -m three -r
expect_status "--remove-retained" 0 "$MQTLS" sub "${S[@]}" -i rr-sub -t 'ret/#' --remove-retained -C 3 -W 10
if [[ -s $D/err ]]; then fail "--remove-retained warned: $(cat "$D/err")"; fi
wait_log "Client rr-sub disconnected." 5 # its clears came before its DISCONNECT on that connection
expect_status "nothing retained left" 0 "$MQTLS" sub "${S[@]}" -t 'ret/#' -W 1
assert_eq "retained messages cleared" "" "$(cat "$D/out")"

# ---- -F %j and --pretty -------------------------------------------------------------------------
printf 'quote " back \\ tab \t bin \377' >"$D/jpayload"
"$MQTLS" pub "${S[@]}" -t json/t -f "$D/jpayload" -r
expect_status "sub -F %j" 0 "$MQTLS" sub "${S[@]}" -t json/t -F %j -C 1 -W 10
assert_eq "%j is one line" 1 "$(wc -l <"$D/out")"
python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); assert m["topic"]=="json/t" and m["retain"]==1 and m["payloadlen"]==26 and m["payload"].startswith("quote \" back \\ tab \t bin "), m' "$D/out" \
    || fail "%j is not the message as JSON: $(cat "$D/out")"
expect_status "sub -F %j --pretty" 0 "$MQTLS" sub "${S[@]}" -t json/t -F %j --pretty -C 1 -W 10
[[ $(wc -l <"$D/out") -gt 5 ]] || fail "--pretty did not indent: $(cat "$D/out")"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$D/out" || fail "--pretty output is not JSON: $(cat "$D/out")"
"$MQTLS" pub "${S[@]}" -t json/t -n -r

# ---- --rx-buffer ------------------------------------------------------------------------------
start_bg "$D/rx.out" "$MQTLS" sub "${S[@]}" -i rx-sub -t rx/t --rx-buffer 1K -C 1 -W 10
sub=$BG_PID
wait_subscribed rx-sub rx/t
head -c 2000 /dev/zero | tr '\0' x >"$D/big"
"$MQTLS" pub "${S[@]}" -t rx/t -f "$D/big"
"$MQTLS" pub "${S[@]}" -t rx/t -m small
wait_bg "$sub" "sub --rx-buffer" 10
assert_eq "the small one printed" small "$(cat "$D/rx.out")"
assert_contains "the skip names the size" "larger than the 1024-byte receive buffer" "$D/rx.out.err"
expect_status "--rx-buffer too small" 1 "$MQTLS" sub "${S[@]}" -t rx/t --rx-buffer 10
expect_status "--rx-buffer junk" 1 "$MQTLS" sub "${S[@]}" -t rx/t --rx-buffer 1G

# ---- TLS: --tls-alpn, --tls-use-os-certs, the doctor line ------------------------------------
T=(-h 127.0.0.1 -p "$PORT_main")
expect_status "--tls-alpn (accepted by a broker without ALPN)" 0 "$MQTLS" pub "${T[@]}" --cafile "$K/ca.pem" \
    --cert "$K/client.pem" --key "$K/client.key" --tls-alpn mqtt -t alpn/t -m x
expect_status "unknown CA" 2 "$MQTLS" pub "${T[@]}" --cafile "$K/other-ca.pem" --cert "$K/client.pem" \
    --key "$K/client.key" --tls-alpn mqtt -t x -m x
assert_eq "one line" 1 "$(wc -l <"$D/err")"
want="; diagnose with: mqtls doctor -h 127.0.0.1 -p $PORT_main --cafile $K/other-ca.pem --cert $K/client.pem --key $K/client.key --alpn mqtt"
[[ $(cat "$D/err") == *"$want" ]] || fail "the TLS failure does not end with the doctor line: $(cat "$D/err")"
doctor_cmd=${want#; diagnose with: mqtls doctor }
# shellcheck disable=SC2086 # the printed command line is split as the shell would
expect_status "the printed doctor command runs" 2 "$MQTLS" doctor $doctor_cmd
assert_contains "the doctor names the cause" "CA" "$D/out"
expect_status "--tls-use-os-certs" 2 "$MQTLS" pub "${T[@]}" --tls-use-os-certs --cert "$K/client.pem" \
    --key "$K/client.key" -t x -m x
assert_contains "os certs: not trusted" "not trusted" "$D/err"
assert_contains "os certs in the doctor line" "--cafile /etc/ssl/certs/ca-certificates.crt" "$D/err"
expect_status "--tls-use-os-certs with --cafile" 1 "$MQTLS" pub "${T[@]}" --tls-use-os-certs --cafile "$K/ca.pem" -t x -m x
expect_status "password hidden in the doctor line" 2 "$MQTLS" pub "${T[@]}" --cafile "$K/other-ca.pem" \
    --cert "$K/client.pem" --key "$K/client-enc.pk8.pem" --key-password "$PKI_PASSWORD" -t x -m x
assert_contains "PASSWORD placeholder" "--key-password PASSWORD" "$D/err"
if grep -qF -- "$PKI_PASSWORD" "$D/err"; then fail "the key password was printed"; fi
# a TLS failure while reconnecting (the broker came back with another
# certificate): no retry, the doctor line, exit 2
start_bg "$D/tlsre.out" "$MQTLS" sub "${T[@]}" --cafile "$K/ca.pem" --cert "$K/client.pem" --key "$K/client.key" \
    -i tlsre -t tlsre/t
tlsre=$BG_PID
wait_subscribed tlsre tlsre/t
kill "$BROKER_PID"
wait "$BROKER_PID" 2>/dev/null || true
sed -i "s#certfile $K/server.pem#certfile $K/server-other.pem#; s#keyfile $K/server.key#keyfile $K/server-other.key#" \
    "$BROKER_DIR/mosquitto.conf"
launch_broker || fail "mosquitto did not start again"
wait_bg "$tlsre" "sub after the certificate changed" 30
assert_eq "reconnect refused by TLS: exit" 2 "$BG_STATUS"
assert_contains "giving up, with the cause" "giving up reconnecting to 127.0.0.1:$PORT_main" "$D/tlsre.out.err"
assert_contains "the doctor line when reconnecting" "; diagnose with: mqtls doctor -h 127.0.0.1 -p $PORT_main --cafile $K/ca.pem" "$D/tlsre.out.err"
note "mosquitto habits ok"
