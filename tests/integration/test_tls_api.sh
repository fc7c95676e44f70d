#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The TLS API's checks that need no broker, for both engines: declared
# formats (PEM where DER was declared and the reverse), credentials as bytes,
# configuration errors, cipher names. Then, against one mosquitto with a
# listener per server certificate (valid, not yet valid, expired, other
# name), the verifier's clock (verify_time) and tolerance (verify_tolerate).
# Session resumption (cfg.resume), TLS 1.2 and 1.3: resumed on the same
# listener and name, not on a second listener with the same certificate
# ("twin": another broker), not for another name, and never instead of
# verifying.
# The program is tests/integration/tls_api.c.
# shellcheck source=tests/integration/lib.sh disable=SC2154,SC2119 # PORT_<listener> come from start_listeners
. "$(dirname "$0")/lib.sh"
tls_make_pki
[[ -x ${MQTLS_TLS_API:-} ]] || fail "MQTLS_TLS_API is not set to the tls_api test program"
tls_listener main server
tls_listener future server-future
tls_listener expired server-expired
tls_listener other server-other
tls_listener twin server
start_listeners
"$MQTLS_TLS_API" "$PKI" "$PORT_main" "$PORT_future" "$PORT_expired" "$PORT_other" "$PORT_twin" ||
    fail "tls_api checks failed"
