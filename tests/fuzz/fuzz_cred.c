/* SPDX-License-Identifier: MIT
 * mqtls fuzz target: the credentials parser (detect, inspect, convert). */
/*
 * The input is a file a user hands to `mqtls cert` or the store: anything.
 * It goes to mqtls_cred_detect() (which must never fail on content and must
 * give a sentence), then to every reader that takes a whole file:
 * mqtls_cred_inspect(), mqtls_cred_inspect_key() and mqtls_cred_convert() to
 * both encodings and both key forms, and mqtls_cred_carray(). Invariants
 * checked here: detect's kind is in range and its sentence is non-empty; a
 * conversion that succeeds converts back (PEM <-> DER) to a file detect
 * calls the same kind family.
 *
 * No password is given: with one, an encrypted key's PBKDF2 iteration
 * count comes from the input and a single run could take minutes, which is
 * a timeout report, not a finding. The decryption paths are covered by
 * tests/integration/test_cred_cert.sh instead.
 *
 * Run:  build-fuzz/tests/fuzz/fuzz_cred -runs=100000 CORPUS-RUN tests/fuzz/corpus/cred
 */

#include "fuzz_harness.h"
#include "mqtls/cred.h"

static bool is_key(mqtls_cred_kind_t k)
{
    return k == MQTLS_CRED_KEY_PKCS1 || k == MQTLS_CRED_KEY_SEC1 || k == MQTLS_CRED_KEY_PKCS8;
}

/* What comes out of convert must read back as the same family. */
static void check_round_trip(const mqtls_cred_info_t *in, const uint8_t *out, size_t out_len)
{
    mqtls_cred_info_t back;
    CHECK(mqtls_cred_detect(out, out_len, &back) == MQTLS_OK);
    if (in->kind == MQTLS_CRED_CERT || in->kind == MQTLS_CRED_CERT_CHAIN) {
        CHECK(back.kind == MQTLS_CRED_CERT || back.kind == MQTLS_CRED_CERT_CHAIN);
    } else if (is_key(in->kind)) {
        CHECK(is_key(back.kind));
    }
}

static void convert_all(const uint8_t *buf, size_t len, const mqtls_cred_info_t *info)
{
    static const mqtls_tls_format_t to[] = { MQTLS_TLS_FORMAT_DER, MQTLS_TLS_FORMAT_PEM };
    for (size_t i = 0; i < 2u; i++) {
        for (int form = 0; form < 2; form++) {
            uint8_t *out = NULL;
            size_t out_len = 0;
            char why[256];
            int32_t rc = mqtls_cred_convert(buf, len, to[i], (mqtls_cred_key_form_t)form, NULL, &out, &out_len,
                                            why, sizeof why);
            if (rc == MQTLS_OK) {
                CHECK(out != NULL);
                check_round_trip(info, out, out_len);
            } else {
                CHECK(out == NULL && rc < 0 && why[0] != '\0');
            }
            free(out);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* An exactly-sized copy, so a read past the end is seen by ASan. */
    uint8_t *buf = malloc(size > 0u ? size : 1u);
    if (buf == NULL) {
        return 0;
    }
    if (size > 0u) {
        memcpy(buf, data, size);
    }
    mqtls_cred_info_t info;
    CHECK(mqtls_cred_detect(buf, size, &info) == MQTLS_OK);
    CHECK(info.kind <= MQTLS_CRED_TRUNCATED && info.what[0] != '\0');
    CHECK(strlen(info.what) < sizeof info.what);

    static mqtls_cred_cert_t certs[4];
    size_t n = 0;
    char why[256];
    (void)mqtls_cred_inspect(buf, size, certs, 4, &n, why, sizeof why);
    mqtls_cred_cert_t key;
    (void)mqtls_cred_inspect_key(buf, size, NULL, &key, why, sizeof why);
    convert_all(buf, size, &info);

    uint8_t *h = NULL;
    size_t h_len = 0;
    if (mqtls_cred_carray(buf, size, "fuzz", &h, &h_len) == MQTLS_OK) {
        CHECK(h != NULL && h_len == strlen((const char *)h));
    }
    free(h);
    free(buf);
    return 0;
}
