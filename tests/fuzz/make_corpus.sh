#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Write the seed corpus of fuzz_decode: a few dozen small packets a broker
# could send, valid ones of every type and malformed ones for every rule the
# decoder enforces (see tests/unit/test_codec.c for the same cases with their
# expected error codes). Bytes are written out as in the specification's
# layouts. Re-running it rewrites the same files.
#
# It also writes the seeds of fuzz_client (CLIENT_DIR): byte 0 picks the
# connection (bit 0 MQTT 5.0, bit 1 clean session, bits 2-4 recv chunk), the
# rest is the broker's stream after the CONNACK, in the order fuzz_client's
# calls use packet ids (QoS 1 publish id 1, SUBSCRIBE id 2, QoS 2 publish id 3).
#
#   tests/fuzz/make_corpus.sh [DIR [CLIENT_DIR]]
#       (default: tests/fuzz/corpus/decode, tests/fuzz/corpus/fuzz_client)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DIR=${1:-"$HERE/corpus/decode"}
CLIENT_DIR=${2:-"$HERE/corpus/fuzz_client"}
mkdir -p "$DIR" "$CLIENT_DIR"

# seed NAME HEX...   e.g. seed connack-accepted 20 02 00 00
seed() {
  local name=$1 out="" b
  shift
  for b in "$@"; do
    out+="\\x$b"
  done
  printf "$out" >"$DIR/$name.bin"
}

# valid packets a client receives
seed connack-accepted 20 02 00 00
seed connack-session-present 20 02 01 00
seed connack-refused-not-authorized 20 02 00 05
seed publish-qos0 30 07 00 03 61 2f 62 68 69
seed publish-qos1-retain 33 08 00 03 61 2f 62 00 0a 78
seed publish-qos2-dup-empty-payload 3c 05 00 01 74 be ef
seed publish-qos2-dup-retain 3d 07 00 01 74 00 01 00 ff
seed publish-qos0-sys-topic 31 08 00 06 24 53 59 53 2f 78
seed publish-qos1-utf8-topic 32 06 00 02 c3 bc 01 00
seed publish-non-minimal-length 30 83 00 00 01 74
seed publish-two-byte-length 30 80 01 00 03 62 69 67 $(printf '70 %.0s' $(seq 123))
seed puback 40 02 12 34
seed pubrec 50 02 12 34
seed pubrel 62 02 12 34
seed pubcomp 70 02 12 34
seed unsuback b0 02 ff ff
seed suback-spec-example 90 05 00 0a 00 02 80
seed suback-one-code 90 03 ab cd 01
seed pingresp d0 00
# packets only a client sends
seed connect 10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61
seed subscribe 82 0e 00 0a 00 03 61 2f 62 01 00 03 63 2f 64 02
seed unsubscribe a2 0c 00 0a 00 03 61 2f 62 00 03 63 2f 64
seed pingreq c0 00
seed disconnect e0 00
# framing
seed two-packets 40 02 00 01 d0 00
seed truncated-publish 32 0a 00 03 61 2f 62
seed five-byte-length 30 ff ff ff ff 7f
seed max-length-header 30 ff ff ff 7f 00 01 74
seed type-0 00 00
seed type-15 f0 00
# malformed CONNACK
seed connack-long 20 03 00 00 00
seed connack-reserved-flags 21 02 00 00
seed connack-ack-flags 20 02 02 00
seed connack-code-6 20 02 00 06
seed connack-session-present-refused 20 02 01 05
# malformed PUBLISH
seed publish-qos3 36 05 00 01 61 00 01
seed publish-dup-qos0 38 03 00 01 61
seed publish-topic-past-end 30 03 00 05 61
seed publish-empty-topic 30 02 00 00
seed publish-wildcard-topic 30 04 00 02 61 2b
seed publish-overlong-utf8 30 04 00 02 c0 80
seed publish-surrogate 30 05 00 03 ed a0 80
seed publish-null-char 30 04 00 02 61 00
seed publish-missing-id 32 03 00 01 61
seed publish-id-0 34 05 00 01 61 00 00
# malformed acks, SUBACK, PINGRESP
seed puback-flags 41 02 00 01
seed pubrel-flags-0 60 02 00 01
seed puback-id-0 40 02 00 00
seed puback-long 40 03 00 01 00
seed suback-no-codes 90 02 00 01
seed suback-code-3 90 03 00 01 03
seed suback-id-0 90 03 00 00 00
seed pingresp-long d0 01 00
# MQTT 5.0 (the harness decodes every seed as 3.1.1 and as 5.0; these are
# the cases of tests/unit/test_codec5.c)
seed v5-connack-props 20 13 01 00 10 12 00 02 69 64 13 00 1e 21 00 05 22 00 04 24 01
seed v5-connack-refused 20 03 00 87 00
seed v5-connack-sp-refused 20 03 01 87 00
seed v5-connack-duplicate 20 09 00 00 06 21 00 01 21 00 02
seed v5-connack-recvmax-0 20 06 00 00 03 21 00 00
seed v5-publish-alias 32 0b 00 01 74 00 0a 03 23 00 03 68 69
seed v5-publish-empty-topic-alias 30 07 00 00 03 23 00 07 78
seed v5-publish-empty-topic-no-alias 30 04 00 00 00 78
seed v5-publish-subids-users 30 18 00 01 74 13 0b 01 0b 80 01 26 00 01 61 00 01 62 26 00 01 63 00 01 64 70
seed v5-publish-every-type 30 23 00 01 74 1f 01 01 02 00 00 01 00 23 00 07 0b 80 01 03 00 01 74 09 00 01 ab 26 00 02 6b 31 00 03 76 61 6c
seed v5-publish-alias-0 30 08 00 01 74 03 23 00 00 78
seed v5-publish-props-past-end 30 05 00 01 74 09 01
seed v5-publish-bad-utf8-user 30 0b 00 01 74 07 26 00 01 6b 00 01 fe
seed v5-puback-short 40 02 00 01
seed v5-puback-reason 40 03 00 01 10
seed v5-puback-reason-string 40 09 00 01 87 05 1f 00 02 6e 6f
seed v5-pubrec-user 50 0b 00 01 00 07 26 00 01 6b 00 01 76
seed v5-pubrel-not-found 62 03 00 01 92
seed v5-pubcomp-long-empty 70 04 00 03 00 00
seed v5-puback-varint-5 40 08 00 01 00 80 80 80 80 01
seed v5-puback-props-past-end 40 05 00 01 00 03 1f
seed v5-puback-topic-alias 40 07 00 01 00 03 23 00 01
seed v5-suback 90 07 00 01 00 00 01 02 80
seed v5-suback-reason-string 90 09 00 01 05 1f 00 02 6e 6f 87
seed v5-unsuback b0 05 00 09 00 00 11
seed v5-disconnect-normal e0 00
seed v5-disconnect-reason e0 01 04
seed v5-disconnect-server-moved e0 08 8b 06 1c 00 03 73 72 76
seed v5-disconnect-session-expiry e0 07 00 05 11 00 00 00 0a
seed v5-auth-empty f0 00
seed v5-auth-continue f0 0b 19 09 15 00 01 4d 16 00 02 00 ff
seed v5-auth-data-no-method f0 06 18 04 16 00 01 78

# ---- fuzz_client: 1e = 3.1.1, clean, 32-byte chunks; 1f = the same on 5.0;
# 02 = 3.1.1, clean, 4-byte chunks; 01 = 5.0, resumed session, 4-byte chunks
cseed() { DIR=$CLIENT_DIR seed "$@"; }
cseed v311-all-acks 1e 40 02 00 01 90 03 00 02 01 50 02 00 03 70 02 00 03
cseed v311-small-chunks 02 40 02 00 01 90 03 00 02 01 50 02 00 03 70 02 00 03
cseed v311-incoming-qos 1e 30 04 00 01 74 78 32 06 00 01 74 00 09 78 34 06 00 01 74 00 0a 78 62 02 00 0a d0 00
cseed v311-resume 1c 40 02 00 01 90 03 00 02 01
cseed v311-oversized 1e 30 83 02 00 01 74 $(printf '78 %.0s' $(seq 256)) 40 02 00 01
cseed v311-unknown-acks 1e 40 02 12 34 50 02 12 35 70 02 12 36 62 02 12 37
cseed v311-garbage 1e ff ff ff ff 7f
cseed v5-all-acks 1f 40 02 00 01 90 04 00 02 00 01 50 02 00 03 70 02 00 03
cseed v5-acks-reasons 1f 40 03 00 01 10 90 04 00 02 00 80 50 03 00 03 80 70 03 00 03 92
cseed v5-alias 1f 30 08 00 01 74 03 23 00 02 78 30 07 00 00 03 23 00 02 78
cseed v5-server-disconnect 1f 40 02 00 01 e0 08 8b 06 1c 00 03 73 72 76
cseed v5-auth 1f f0 0b 19 09 15 00 01 4d 16 00 02 00 ff
cseed v5-resume-small 01 40 02 00 01 90 04 00 02 00 01 50 02 00 03 70 02 00 03
cseed v5-publish-props 1f 30 23 00 01 74 1f 01 01 02 00 00 01 00 23 00 01 0b 80 01 03 00 01 74 09 00 01 ab 26 00 02 6b 31 00 03 76 61 6c

echo "make_corpus: $(find "$DIR" -name '*.bin' | wc -l) seeds in $DIR, $(find "$CLIENT_DIR" -name '*.bin' | wc -l) in $CLIENT_DIR"
