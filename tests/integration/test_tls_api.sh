#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The TLS API's checks that need no broker, for both engines: declared
# formats (PEM where DER was declared and the reverse), credentials as bytes,
# configuration errors, cipher names. The program is tests/integration/tls_api.c.
# shellcheck source=tests/integration/lib.sh
. "$(dirname "$0")/lib.sh"
tls_make_pki
[[ -x ${MQTLS_TLS_API:-} ]] || fail "MQTLS_TLS_API is not set to the tls_api test program"
"$MQTLS_TLS_API" "$PKI" || fail "tls_api checks failed"
