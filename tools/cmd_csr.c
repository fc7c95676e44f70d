/* SPDX-License-Identifier: MIT
 * mqtls csr: a certificate signing request (PKCS#10) for a key, for a cloud to sign. */
/*
 * The request is made by mqtls_cred_csr(): SHA-256, subject "CN=..[, O=..]",
 * and subjectAltNames (DNS and IP) in an extensionRequest, which is where
 * a cloud CA looks for them. The key may be PEM or DER, PKCS#1, SEC1 or
 * PKCS#8, encrypted when --password is given. A CSR holds nothing secret:
 * it is written with the usual mode (0644 less the umask).
 *
 * Like `key`, this command takes no broker flags and parses with
 * getopt_long. Exit status: 0 written, 1 usage, 2 the key could not be
 * used or the CSR not written (the message names the file and the cause).
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#if MQTLS_WITH_CRED
#include "mqtls/cred.h"
#endif

#define CSR_EXIT_FAIL 2 /* a file or an operation failed (issue 4's CLI contract) */

static const char csr_help[] =
    "Usage: mqtls csr -k KEY --cn CN [--org O] [--san DNS:x,IP:y] [--password P] -o OUT\n"
    "Make a PKCS#10 certificate signing request (PEM, SHA-256) for KEY.\n"
    "\n"
    "  -k, --key KEY          the private key (PEM or DER; PKCS#1, SEC1 or PKCS#8)\n"
    "      --cn CN            the subject's common name (required)\n"
    "      --org O            the subject's organisation\n"
    "      --san LIST         subject alternative names, comma-separated:\n"
    "                         DNS:name and IP:address (IPv4 or IPv6)\n"
    "      --password P       the password of an encrypted KEY\n"
    "  -o, --out OUT          the CSR file to write\n"
    "      --help             this text\n"
    "\n"
    "Exit status: 0 written, 1 usage error, 2 the key or the output file failed.\n";

typedef struct {
    const char *key, *cn, *org, *san, *password, *out;
} csr_opts_t;

#if MQTLS_WITH_CRED

static int write_public(const char *path, const uint8_t *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    size_t w = fwrite(data, 1, len, f);
    int e = w == len ? 0 : errno;
    if (fclose(f) != 0 && e == 0)
        e = errno;
    errno = e;
    return e == 0 ? 0 : -1;
}

static int csr_run(const csr_opts_t *o)
{
    uint8_t *key = NULL, *pem = NULL;
    size_t key_len = 0, pem_len = 0;
    if (cli_read_all(o->key, &key, &key_len) != 0) {
        fprintf(stderr, "mqtls csr: cannot read '%s': %s\n", o->key, strerror(errno));
        return CSR_EXIT_FAIL;
    }
    char why[512] = "";
    mqtls_cred_name_t name = { .cn = o->cn, .org = o->org, .san = o->san };
    int32_t rc = mqtls_cred_csr(key, key_len, o->password, &name, &pem, &pem_len, why, sizeof why);
    memset(key, 0, key_len);
    free(key);
    int code = CLI_EXIT_OK;
    if (rc == MQTLS_ERR_INVALID_ARG) {
        code = cli_usage_error("csr", "%s", why[0] != '\0' ? why : mqtls_strerror(rc));
    } else if (rc != MQTLS_OK) {
        fprintf(stderr, "mqtls csr: '%s': %s\n", o->key, why[0] != '\0' ? why : mqtls_strerror(rc));
        code = CSR_EXIT_FAIL;
    } else if (write_public(o->out, pem, pem_len) != 0) {
        fprintf(stderr, "mqtls csr: cannot write '%s': %s\n", o->out, strerror(errno));
        code = CSR_EXIT_FAIL;
    }
    free(pem);
    return code;
}

#endif /* MQTLS_WITH_CRED */

static int csr_parse(int argc, char **argv, csr_opts_t *o)
{
    enum { OPT_CN = 256, OPT_ORG, OPT_SAN, OPT_PASSWORD, OPT_HELP };
    static const struct option opts[] = {
        { "key", required_argument, NULL, 'k' },      { "cn", required_argument, NULL, OPT_CN },
        { "org", required_argument, NULL, OPT_ORG },  { "san", required_argument, NULL, OPT_SAN },
        { "password", required_argument, NULL, OPT_PASSWORD },
        { "out", required_argument, NULL, 'o' },      { "help", no_argument, NULL, OPT_HELP },
        { NULL, 0, NULL, 0 },
    };
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":k:o:", opts, NULL)) != -1) {
        switch (c) {
        case 'k': o->key = optarg; break;
        case 'o': o->out = optarg; break;
        case OPT_CN: o->cn = optarg; break;
        case OPT_ORG: o->org = optarg; break;
        case OPT_SAN: o->san = optarg; break;
        case OPT_PASSWORD: o->password = optarg; break;
        case OPT_HELP: fputs(csr_help, stdout); return -1;
        case ':': return cli_usage_error("csr", "option '%s' needs a value", argv[optind - 1]);
        default: return cli_usage_error("csr", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("csr", "unexpected argument '%s'", argv[optind]);
    if (o->key == NULL)
        return cli_usage_error("csr", "a key is needed: -k KEY");
    if (o->cn == NULL || o->cn[0] == '\0')
        return cli_usage_error("csr", "a common name is needed: --cn CN");
    if (o->out == NULL)
        return cli_usage_error("csr", "an output file is needed: -o OUT");
    return 0;
}

int cmd_csr(int argc, char **argv)
{
    csr_opts_t o;
    memset(&o, 0, sizeof o);
    int code = csr_parse(argc, argv, &o);
    if (code != 0)
        return code < 0 ? CLI_EXIT_OK : code;
#if MQTLS_WITH_CRED
    return csr_run(&o);
#else
    return cli_not_built("csr", "credentials toolkit, which making a CSR needs", "MQTLS_WITH_CRED", CSR_EXIT_FAIL);
#endif
}
