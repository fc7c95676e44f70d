#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# `mqtls explain CODE`: the CLI over the library's table (tests/unit/test_explain.c
# covers the table itself). Cases: the seed's -456 by number and by name, an
# ambiguous -155 (SimpleLink and mqtls readings), a prefix that picks one,
# alert 42, CONNACK 5, reason 0x87, mbedTLS -0x2700, --json, an unknown code
# (exit 2 and a sentence), no code (usage, exit 1).
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
D=$TEST_DIR

expect_status "explain -456" 0 "$MQTLS" explain -456
assert_contains "-456 named" "simplelink -456 SL_ESECBADCAFILE" "$D/out"
assert_contains "-456: PEM cause" "PEM text" "$D/out"
assert_contains "-456: check" "check:" "$D/out"
assert_contains "-456: fix" "fix:" "$D/out"
expect_status "explain by name" 0 "$MQTLS" explain ESECBADCAFILE
assert_contains "by name" "SL_ESECBADCAFILE" "$D/out"
expect_status "explain -155" 0 "$MQTLS" explain -155
assert_contains "-155 as SimpleLink" "simplelink -155 SL_ESEC_ASN_SIG_CONFIRM_E" "$D/out"
assert_contains "-155 as mqtls" "mqtls -155 MQTLS_ERR_TLS_HANDSHAKE_TIMEOUT" "$D/out"
expect_status "explain sl:-155" 0 "$MQTLS" explain sl:-155
grep -q "^mqtls " "$D/out" && fail "sl: prefix: only the SimpleLink reading expected: $(cat "$D/out")"
expect_status "explain 42 5 0x87 -0x2700" 0 "$MQTLS" explain 42 5 0x87 -0x2700
assert_contains "alert 42" "tls-alert 42 bad_certificate" "$D/out"
assert_contains "CONNACK 5" "connack 5 CONNACK 5" "$D/out"
assert_contains "reason 0x87" "reason-5.0 0x87" "$D/out"
assert_contains "mbedTLS" "mbedtls -0x2700" "$D/out"
expect_status "explain --json" 0 "$MQTLS" explain -456 TLS_UNKNOWN_CA --json
assert_eq "json: two readings" "2" "$(jq length "$D/out")"
assert_eq "json: first kind" "simplelink" "$(jq -r '.[0].kind' "$D/out")"
assert_eq "json: second" "MQTLS_ERR_TLS_UNKNOWN_CA" "$(jq -r '.[1].name' "$D/out")"
[[ $(jq '.[0].causes | length' "$D/out") -ge 3 ]] || fail "json: -456 has fewer than 3 causes"
expect_status "explain an unknown code" 2 "$MQTLS" explain -999
assert_contains "unknown code: a sentence" "is not a code mqtls knows" "$D/err"
expect_status "explain without a code" 1 "$MQTLS" explain
expect_status "explain --help" 0 "$MQTLS" explain --help
assert_contains "help" "Usage: mqtls explain" "$D/out"
note "explain: codes, ambiguity, prefixes, JSON, unknown"
