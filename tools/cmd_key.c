/* SPDX-License-Identifier: MIT
 * mqtls key gen: a new private key in the form a device expects. */
/*
 * The key is made by mqtls_cred_key_gen() (mbedTLS) and written as PEM in
 * the device form: EC keys as SEC1 "EC PRIVATE KEY", RSA keys as PKCS#1
 * "RSA PRIVATE KEY". The file is created with mode 0600, and an existing
 * file is chmod'ed to 0600 before the key goes into it, so a key is never
 * readable by others, not even for a moment.
 *
 * These commands take no broker flags, so they parse with getopt_long
 * rather than cli_parse() (which offers every unknown flag to the
 * connection options): a stray -h or -p is a usage error here.
 * Exit status: 0 done, 1 usage, 2 the key could not be made or written.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common.h"
#if MQTLS_WITH_CRED
#include "mqtls/cred.h"
#endif

#define KEY_EXIT_FAIL 2 /* a file or an operation failed (issue 4's CLI contract) */

static const char key_help[] =
    "Usage: mqtls key gen [--type TYPE] -o OUT\n"
    "Generate a private key and write it as PEM in the form a device expects\n"
    "(EC: SEC1 \"EC PRIVATE KEY\"; RSA: PKCS#1 \"RSA PRIVATE KEY\"), mode 0600.\n"
    "\n"
    "  -t, --type TYPE   ec-p256 (default), ec-p384, rsa-2048 or rsa-3072\n"
    "  -o, --out OUT     the key file to write (replaced if it exists)\n"
    "      --help        this text\n"
    "\n"
    "Exit status: 0 written, 1 usage error, 2 the key could not be made or written.\n";

#if MQTLS_WITH_CRED

/* Write a private key: mode 0600 from the first byte on. */
static int write_secret(const char *path, const uint8_t *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || fchmod(fd, 0600) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd);
}

static int key_gen(const char *type_name, const char *out)
{
    mqtls_cred_key_type_t type;
    if (mqtls_cred_key_type_parse(type_name, &type) != MQTLS_OK)
        return cli_usage_error("key", "unknown key type '%s': use ec-p256, ec-p384, rsa-2048 or rsa-3072", type_name);
    uint8_t *pem = NULL;
    size_t len = 0;
    int32_t rc = mqtls_cred_key_gen(type, &pem, &len);
    if (rc != MQTLS_OK) {
        fprintf(stderr, "mqtls key: cannot generate a %s key: %s\n", type_name, mqtls_strerror(rc));
        return KEY_EXIT_FAIL;
    }
    int code = CLI_EXIT_OK;
    if (write_secret(out, pem, len) != 0) {
        fprintf(stderr, "mqtls key: cannot write '%s': %s\n", out, strerror(errno));
        code = KEY_EXIT_FAIL;
    }
    memset(pem, 0, len);
    free(pem);
    return code;
}

#endif /* MQTLS_WITH_CRED */

int cmd_key(int argc, char **argv)
{
    static const struct option opts[] = {
        { "type", required_argument, NULL, 't' },
        { "out", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, 'H' },
        { NULL, 0, NULL, 0 },
    };
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        fputs(key_help, stdout);
        return CLI_EXIT_OK;
    }
    if (argc < 2 || strcmp(argv[1], "gen") != 0)
        return cli_usage_error("key", argc < 2 ? "a subcommand is needed: gen%s" : "unknown subcommand '%s'",
                               argc < 2 ? "" : argv[1]);
    const char *type = "ec-p256", *out = NULL;
    int c;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, ":t:o:", opts, NULL)) != -1) {
        switch (c) {
        case 't': type = optarg; break;
        case 'o': out = optarg; break;
        case 'H': fputs(key_help, stdout); return CLI_EXIT_OK;
        case ':': return cli_usage_error("key", "option '%s' needs a value", argv[optind]);
        default: return cli_usage_error("key", "unknown option '%s'", argv[optind]);
        }
    }
    if (optind < argc - 1)
        return cli_usage_error("key", "unexpected argument '%s'", argv[optind + 1]);
    if (out == NULL)
        return cli_usage_error("key", "an output file is needed: -o OUT");
#if MQTLS_WITH_CRED
    return key_gen(type, out);
#else
    (void)type;
    return cli_not_built("key", "credentials toolkit, which key generation needs", "MQTLS_WITH_CRED", KEY_EXIT_FAIL);
#endif
}
