#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# abi_check.sh CC INCLUDE_DIR LIBMQTLS_CORE [FLAGS...]: an application built with the
# library's MQTLS_CONFIG_MQTT5 links and runs; one built with the other value
# must fail to link, naming the configuration, instead of running with a
# mqtls_client_t of the wrong size.
set -euo pipefail
cc=$1 inc=$2 lib=$3
shift 3 # the rest: the library's instrumentation flags (sanitizers, coverage)
src=$(dirname "$0")/app.c
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
"$cc" -std=c11 "$@" -I"$inc" "$src" "$lib" -o "$out/same"
"$out/same" || { echo "abi_check: the matching build does not run" >&2; exit 1; }
if "$cc" -std=c11 "$@" -DMQTLS_CONFIG_MQTT5=0 -I"$inc" "$src" "$lib" -o "$out/other" 2>"$out/err"; then
    echo "abi_check: an application built with MQTLS_CONFIG_MQTT5=0 linked against a 5.0 library" >&2
    exit 1
fi
grep -q 'mqtls_client_init_v311_1u' "$out/err" ||
    { echo "abi_check: the link failed, but not on the configuration's name:" >&2; cat "$out/err" >&2; exit 1; }
echo "abi_check: same configuration links; MQTLS_CONFIG_MQTT5=0 against the 5.0 library fails to link, as it must"
