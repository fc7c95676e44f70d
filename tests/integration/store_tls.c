/* SPDX-License-Identifier: MIT
 * mqtls tests: a TLS configuration loaded from a credential store by IDs. */
/*
 * Firmware-style code names its files by secureFiles IDs; this checks that
 * mqtls_store_tls_config turns those IDs into the store's DER files with
 * the formats declared DER, and that every TLS engine loads them (key,
 * certificate and CA; key matched to certificate) in mqtls_tls_new. No
 * broker: test_cred_store.sh fills the store (126 key, 127 certificate,
 * 128 CA, 132 another key) and runs this with the store directory as argv[1].
 */
#include <stdio.h>
#include <string.h>

#include "mqtls/cred.h"
#include "mqtls/tls.h"

static int failures;

#define CHECK(cond, ...)                                                                                    \
    do {                                                                                                    \
        if (!(cond)) {                                                                                      \
            fprintf(stderr, "store_tls: FAIL line %d: ", __LINE__);                                         \
            fprintf(stderr, __VA_ARGS__);                                                                   \
            fprintf(stderr, "\n");                                                                          \
            failures++;                                                                                     \
        }                                                                                                   \
    } while (0)

static char paths[4][512];

static int32_t load(const char *dir, uint16_t k, uint16_t c, uint16_t a, mqtls_tls_config_t *cfg)
{
    const uint16_t ids[4] = { k, c, a, 0 };
    mqtls_tls_config_init(cfg);
    return mqtls_store_tls_config(dir, ids, paths, cfg);
}

/* mqtls_tls_new on every engine compiled in must give `want`. */
static void engines(const char *what, const mqtls_tls_config_t *cfg, int32_t want)
{
    const mqtls_tls_engine_t all[] = { MQTLS_TLS_MBEDTLS, MQTLS_TLS_OPENSSL };
    for (size_t i = 0; i < 2; i++) {
        if (!mqtls_tls_engine_available(all[i]))
            continue;
        mqtls_tls_report_t report;
        mqtls_tls_t *t = NULL;
        int32_t rc = mqtls_tls_new(&t, all[i], cfg, &report);
        CHECK(rc == want, "%s, engine %d: %s (%s), expected %s", what, (int)all[i], mqtls_errname(rc),
              report.detail, mqtls_errname(want));
        mqtls_tls_free(t);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: store_tls STORE\n");
        return 2;
    }
    const char *dir = argv[1];
    char want[600];
    mqtls_tls_config_t cfg;

    CHECK(load(dir, 126, 127, 128, &cfg) == MQTLS_OK, "126,127,128 did not load");
    snprintf(want, sizeof want, "%s/cert/126.der", dir);
    CHECK(cfg.key_file != NULL && strcmp(cfg.key_file, want) == 0, "key_file %s", cfg.key_file);
    snprintf(want, sizeof want, "%s/cert/128.der", dir);
    CHECK(cfg.ca_file != NULL && strcmp(cfg.ca_file, want) == 0, "ca_file %s", cfg.ca_file);
    CHECK(cfg.ca_format == MQTLS_TLS_FORMAT_DER && cfg.cert_format == MQTLS_TLS_FORMAT_DER &&
              cfg.key_format == MQTLS_TLS_FORMAT_DER, "formats not DER");
    engines("the seed's set", &cfg, MQTLS_OK);

    CHECK(load(dir, 132, 127, 128, &cfg) == MQTLS_OK, "132,127,128 did not load");
    engines("a key of another certificate", &cfg, MQTLS_ERR_TLS_KEY_MISMATCH);

    CHECK(load(dir, 0, 0, 128, &cfg) == MQTLS_OK, "0,0,128 did not load");
    CHECK(cfg.key_file == NULL && cfg.cert_file == NULL && paths[0][0] == '\0', "ID 0 filled a slot");
    engines("CA only", &cfg, MQTLS_OK);

    CHECK(load(dir, 126, 127, 199, &cfg) == MQTLS_ERR_STORE_NOT_FOUND, "a missing CA file was accepted");
    CHECK(load(dir, 126, 127, 256, &cfg) == MQTLS_ERR_STORE_BAD_NAME, "ID 256 was accepted");

    if (failures == 0)
        printf("store_tls: all checks passed\n");
    return failures == 0 ? 0 : 1;
}
