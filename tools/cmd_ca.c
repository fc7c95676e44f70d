/* SPDX-License-Identifier: MIT
 * mqtls ca: a development CA in a directory: init, then issue server and client certificates. */
/*
 * A CA is two files, DIR/ca.pem and DIR/ca.key (mode 0600), made by
 * `ca init`; `ca issue` makes a new key for each certificate, so a device's
 * private key never exists anywhere but in PREFIX.key. Certificates come
 * from mqtls_cred_issue() (mbedTLS): a self-signed root with CA:TRUE and
 * keyCertSign/cRLSign, servers with serverAuth and SANs for names and IPs,
 * clients with clientAuth.
 *
 * `init` never overwrites: both files are created with O_EXCL, so a second
 * init (or two racing ones) fails instead of silently orphaning every
 * certificate the old CA issued; if writing the certificate fails, the key
 * just written is removed again. Private keys are created 0600.
 *
 * Like `key`, this command takes no broker flags and parses with
 * getopt_long. Exit status: 0 done, 1 usage, 2 a file or an operation
 * failed (the message names the file and the cause).
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

#define CA_EXIT_FAIL 2 /* a file or an operation failed (issue 4's CLI contract) */
#define CA_PATH_MAX 4096u
#define CA_DAYS_MAX 36500L

static const char ca_help[] =
    "Usage: mqtls ca init DIR [--cn NAME] [--org O] [--type TYPE] [--days N]\n"
    "       mqtls ca issue DIR --server|--client --cn CN [--org O] [--san DNS:x,IP:y]\n"
    "                      [--days N] [--type TYPE] -o PREFIX\n"
    "A development CA kept in DIR (ca.pem, and ca.key with mode 0600).\n"
    "\n"
    "init: create DIR if needed and make a self-signed root CA in it; refuses\n"
    "      to overwrite an existing ca.pem or ca.key.\n"
    "      --cn NAME       the CA's common name (default: \"mqtls development CA\")\n"
    "      --org O         the CA's organisation\n"
    "      --type TYPE     ec-p256 (default) or rsa-2048 (also: ec-p384, rsa-3072)\n"
    "      --days N        validity in days (default: 3650)\n"
    "\n"
    "issue: make a new key and a certificate for it signed by the CA in DIR;\n"
    "      writes PREFIX.pem (the certificate) and PREFIX.key (the key, device\n"
    "      form: SEC1 or PKCS#1 PEM, mode 0600).\n"
    "      --server        a server certificate (serverAuth)\n"
    "      --client        a client certificate (clientAuth)\n"
    "      --cn CN         the subject's common name (required)\n"
    "      --org O         the subject's organisation\n"
    "      --san LIST      subject alternative names, comma-separated:\n"
    "                      DNS:name and IP:address (IPv4 or IPv6)\n"
    "      --days N        validity in days (default: 825)\n"
    "      --type TYPE     the new key: ec-p256 (default), ec-p384, rsa-2048, rsa-3072\n"
    "  -o, --out PREFIX    where to write PREFIX.pem and PREFIX.key\n"
    "\n"
    "Exit status: 0 done, 1 usage error, 2 a file or an operation failed.\n";

enum { CA_INIT = 1, CA_ISSUE };

typedef struct {
    int sub;
    const char *dir, *cn, *org, *san, *type, *out;
    int role; /* 0 none, 1 server, 2 client (MQTLS_CRED_ISSUE_*) */
    long days;
} ca_opts_t;

/* ---- files ------------------------------------------------------------------------- */

#if MQTLS_WITH_CRED

/* Write a whole file with `mode`; with `excl` it must not exist yet. */
static int write_file(const char *path, const uint8_t *data, size_t len, mode_t mode, bool excl)
{
    int fd = open(path, O_WRONLY | O_CREAT | (excl ? O_EXCL : O_TRUNC), mode);
    if (fd < 0)
        return -1;
    int e = fchmod(fd, mode) == 0 ? 0 : errno; /* an existing file keeps its old mode otherwise */
    for (size_t done = 0; e == 0 && done < len;) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno != EINTR)
            e = errno;
        else if (w > 0)
            done += (size_t)w;
    }
    if (close(fd) != 0 && e == 0)
        e = errno;
    errno = e;
    return e == 0 ? 0 : -1;
}

static bool join(char *buf, const char *dir, const char *name)
{
    int n = snprintf(buf, CA_PATH_MAX, "%s/%s", dir, name);
    return n > 0 && (size_t)n < CA_PATH_MAX;
}

static void wipe_free(uint8_t *p, size_t len)
{
    if (p != NULL)
        memset(p, 0, len);
    free(p);
}

/* Generate a key of `type_name`; prints the failure. */
static int new_key(const char *type_name, uint8_t **pem, size_t *len)
{
    mqtls_cred_key_type_t type;
    if (mqtls_cred_key_type_parse(type_name, &type) != MQTLS_OK)
        return cli_usage_error("ca", "unknown key type '%s': use ec-p256, ec-p384, rsa-2048 or rsa-3072", type_name);
    int32_t rc = mqtls_cred_key_gen(type, pem, len);
    if (rc != MQTLS_OK) {
        fprintf(stderr, "mqtls ca: cannot generate a %s key: %s\n", type_name, mqtls_strerror(rc));
        return CA_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* Report a failed mqtls_cred_issue(): a bad name or SAN is a usage error. */
static int issue_error(const char *file, int32_t rc, const char *why)
{
    const char *cause = why[0] != '\0' ? why : mqtls_strerror(rc);
    if (rc == MQTLS_ERR_INVALID_ARG)
        return cli_usage_error("ca", "%s", cause);
    if (file != NULL)
        fprintf(stderr, "mqtls ca: '%s': %s\n", file, cause);
    else
        fprintf(stderr, "mqtls ca: cannot issue the certificate: %s\n", cause);
    return CA_EXIT_FAIL;
}

/* ---- init ------------------------------------------------------------------------------ */

static int ensure_dir(const char *dir)
{
    struct stat st;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "mqtls ca: cannot create the directory '%s': %s\n", dir, strerror(errno));
        return CA_EXIT_FAIL;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "mqtls ca: '%s' is not a directory\n", dir);
        return CA_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int refuse_existing(const char *cert_path, const char *key_path)
{
    const char *which = access(cert_path, F_OK) == 0 ? cert_path : access(key_path, F_OK) == 0 ? key_path : NULL;
    if (which == NULL)
        return CLI_EXIT_OK;
    fprintf(stderr, "mqtls ca: '%s' already exists: refusing to overwrite an existing CA "
                    "(every certificate it issued would lose its issuer)\n", which);
    return CA_EXIT_FAIL;
}

/* Write the key (exclusively, 0600), then the certificate; undo the key if the certificate fails. */
static int save_ca(const char *cert_path, const char *key_path, const uint8_t *key, size_t key_len,
                   const uint8_t *cert, size_t cert_len)
{
    if (write_file(key_path, key, key_len, 0600, true) != 0) {
        fprintf(stderr, "mqtls ca: cannot write '%s': %s\n", key_path, strerror(errno));
        return CA_EXIT_FAIL;
    }
    if (write_file(cert_path, cert, cert_len, 0644, true) != 0) {
        fprintf(stderr, "mqtls ca: cannot write '%s': %s\n", cert_path, strerror(errno));
        unlink(key_path);
        return CA_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int ca_init(const ca_opts_t *o)
{
    char cert_path[CA_PATH_MAX], key_path[CA_PATH_MAX];
    if (!join(cert_path, o->dir, "ca.pem") || !join(key_path, o->dir, "ca.key"))
        return cli_usage_error("ca", "the directory name is too long");
    int code = ensure_dir(o->dir);
    if (code == CLI_EXIT_OK)
        code = refuse_existing(cert_path, key_path);
    uint8_t *key = NULL, *cert = NULL;
    size_t key_len = 0, cert_len = 0;
    if (code == CLI_EXIT_OK)
        code = new_key(o->type, &key, &key_len);
    if (code == CLI_EXIT_OK) {
        char why[512] = "";
        mqtls_cred_name_t name = { .cn = o->cn, .org = o->org, .san = NULL };
        int32_t rc = mqtls_cred_issue(MQTLS_CRED_ISSUE_CA, key, key_len, &name, (unsigned)o->days, NULL, 0, NULL, 0,
                                      &cert, &cert_len, why, sizeof why);
        code = rc == MQTLS_OK ? CLI_EXIT_OK : issue_error(NULL, rc, why);
    }
    if (code == CLI_EXIT_OK)
        code = save_ca(cert_path, key_path, key, key_len, cert, cert_len);
    wipe_free(key, key_len);
    free(cert);
    return code;
}

/* ---- issue --------------------------------------------------------------------------------- */

typedef struct {
    char cert_path[CA_PATH_MAX], key_path[CA_PATH_MAX];
    uint8_t *cert, *key;
    size_t cert_len, key_len;
} ca_files_t;

static int read_ca(ca_files_t *ca, const char *dir)
{
    if (!join(ca->cert_path, dir, "ca.pem") || !join(ca->key_path, dir, "ca.key"))
        return cli_usage_error("ca", "the directory name is too long");
    if (cli_read_all(ca->cert_path, &ca->cert, &ca->cert_len) != 0) {
        fprintf(stderr, "mqtls ca: cannot read '%s': %s (run 'mqtls ca init %s' first?)\n", ca->cert_path,
                strerror(errno), dir);
        return CA_EXIT_FAIL;
    }
    if (cli_read_all(ca->key_path, &ca->key, &ca->key_len) != 0) {
        fprintf(stderr, "mqtls ca: cannot read '%s': %s\n", ca->key_path, strerror(errno));
        return CA_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

/* Which CA file a failure of mqtls_cred_issue() is about: its sentence ends
 * with "(the CA key)" or "(the CA certificate)"; a key that does not match
 * the certificate is blamed on the key (the certificate is what others trust). */
static const char *blame(const ca_files_t *ca, int32_t rc, const char *why)
{
    if (strstr(why, "(the CA key)") != NULL || rc == MQTLS_ERR_CRED_KEY_MISMATCH)
        return ca->key_path;
    if (strstr(why, "(the CA certificate)") != NULL)
        return ca->cert_path;
    return NULL;
}

static int save_leaf(const char *prefix, const uint8_t *key, size_t key_len, const uint8_t *cert, size_t cert_len)
{
    char cert_path[CA_PATH_MAX], key_path[CA_PATH_MAX];
    int a = snprintf(cert_path, sizeof cert_path, "%s.pem", prefix);
    int b = snprintf(key_path, sizeof key_path, "%s.key", prefix);
    if (a < 0 || b < 0 || (size_t)a >= sizeof cert_path || (size_t)b >= sizeof key_path)
        return cli_usage_error("ca", "the output prefix is too long");
    if (write_file(key_path, key, key_len, 0600, false) != 0) {
        fprintf(stderr, "mqtls ca: cannot write '%s': %s\n", key_path, strerror(errno));
        return CA_EXIT_FAIL;
    }
    if (write_file(cert_path, cert, cert_len, 0644, false) != 0) {
        fprintf(stderr, "mqtls ca: cannot write '%s': %s\n", cert_path, strerror(errno));
        return CA_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int ca_issue(const ca_opts_t *o)
{
    ca_files_t ca;
    memset(&ca, 0, sizeof ca);
    uint8_t *key = NULL, *cert = NULL;
    size_t key_len = 0, cert_len = 0;
    int code = read_ca(&ca, o->dir);
    if (code == CLI_EXIT_OK)
        code = new_key(o->type, &key, &key_len);
    if (code == CLI_EXIT_OK) {
        char why[512] = "";
        mqtls_cred_name_t name = { .cn = o->cn, .org = o->org, .san = o->san };
        int32_t rc = mqtls_cred_issue((mqtls_cred_issue_kind_t)o->role, key, key_len, &name, (unsigned)o->days,
                                      ca.cert, ca.cert_len, ca.key, ca.key_len, &cert, &cert_len, why, sizeof why);
        code = rc == MQTLS_OK ? CLI_EXIT_OK : issue_error(blame(&ca, rc, why), rc, why);
    }
    if (code == CLI_EXIT_OK)
        code = save_leaf(o->out, key, key_len, cert, cert_len);
    wipe_free(key, key_len);
    wipe_free(ca.key, ca.key_len);
    free(ca.cert);
    free(cert);
    return code;
}

#endif /* MQTLS_WITH_CRED */

/* ---- options -------------------------------------------------------------------------------- */

enum { OPT_CN = 256, OPT_ORG, OPT_SAN, OPT_TYPE, OPT_DAYS, OPT_SERVER, OPT_CLIENT, OPT_HELP };

static int ca_opt(ca_opts_t *o, int c, const char *arg)
{
    switch (c) {
    case 'o': o->out = arg; return 0;
    case OPT_CN: o->cn = arg; return 0;
    case OPT_ORG: o->org = arg; return 0;
    case OPT_SAN: o->san = arg; return 0;
    case OPT_TYPE: o->type = arg; return 0;
    case OPT_DAYS:
        if (!cli_parse_long(arg, 1, CA_DAYS_MAX, &o->days))
            return cli_usage_error("ca", "--days needs a number of days from 1 to %ld, not '%s'", CA_DAYS_MAX, arg);
        return 0;
    case OPT_SERVER:
    case OPT_CLIENT:
        if (o->role != 0)
            return cli_usage_error("ca", "give only one of --server and --client");
        o->role = c == OPT_SERVER ? 1 : 2;
        return 0;
    default: return CLI_EXIT_USAGE;
    }
}

/* What each subcommand needs, and the defaults that depend on it. */
static int ca_check(ca_opts_t *o)
{
    if (o->dir == NULL)
        return cli_usage_error("ca", "the CA directory is needed: mqtls ca %s DIR",
                               o->sub == CA_INIT ? "init" : "issue");
#if MQTLS_WITH_CRED
    mqtls_cred_key_type_t type;
    if (mqtls_cred_key_type_parse(o->type, &type) != MQTLS_OK)
        return cli_usage_error("ca", "unknown key type '%s': use ec-p256, ec-p384, rsa-2048 or rsa-3072", o->type);
#endif
    if (o->sub == CA_INIT) {
        if (o->san != NULL || o->role != 0 || o->out != NULL)
            return cli_usage_error("ca", "init takes only --cn, --org, --type and --days");
        o->cn = o->cn != NULL ? o->cn : "mqtls development CA";
        o->days = o->days != 0 ? o->days : 3650;
        return 0;
    }
    if (o->role == 0)
        return cli_usage_error("ca", "issue needs --server or --client");
    if (o->cn == NULL || o->cn[0] == '\0')
        return cli_usage_error("ca", "issue needs a common name: --cn CN");
    if (o->out == NULL)
        return cli_usage_error("ca", "issue needs an output prefix: -o PREFIX");
    o->days = o->days != 0 ? o->days : 825;
    return 0;
}

/* argv[0] is the subcommand; returns -1 after --help. */
static int ca_parse(int argc, char **argv, ca_opts_t *o)
{
    static const struct option opts[] = {
        { "cn", required_argument, NULL, OPT_CN },       { "org", required_argument, NULL, OPT_ORG },
        { "san", required_argument, NULL, OPT_SAN },     { "type", required_argument, NULL, OPT_TYPE },
        { "days", required_argument, NULL, OPT_DAYS },   { "server", no_argument, NULL, OPT_SERVER },
        { "client", no_argument, NULL, OPT_CLIENT },     { "out", required_argument, NULL, 'o' },
        { "help", no_argument, NULL, OPT_HELP },         { NULL, 0, NULL, 0 },
    };
    int c, rc;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
        if (c == OPT_HELP) {
            fputs(ca_help, stdout);
            return -1;
        }
        if (c == ':')
            return cli_usage_error("ca", "option '%s' needs a value", argv[optind - 1]);
        if (c == '?')
            return cli_usage_error("ca", "unknown option '%s'", argv[optind - 1]);
        if ((rc = ca_opt(o, c, optarg)) != 0)
            return rc;
    }
    if (optind < argc)
        o->dir = argv[optind++];
    if (optind < argc)
        return cli_usage_error("ca", "unexpected argument '%s'", argv[optind]);
    return ca_check(o);
}

int cmd_ca(int argc, char **argv)
{
    ca_opts_t o;
    memset(&o, 0, sizeof o);
    o.type = "ec-p256";
    if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
        fputs(ca_help, stdout);
        return CLI_EXIT_OK;
    }
    if (argc < 2)
        return cli_usage_error("ca", "a subcommand is needed: init or issue");
    o.sub = strcmp(argv[1], "init") == 0 ? CA_INIT : strcmp(argv[1], "issue") == 0 ? CA_ISSUE : 0;
    if (o.sub == 0)
        return cli_usage_error("ca", "unknown subcommand '%s': use init or issue", argv[1]);
    int code = ca_parse(argc - 1, argv + 1, &o);
    if (code != 0)
        return code < 0 ? CLI_EXIT_OK : code;
#if MQTLS_WITH_CRED
    return o.sub == CA_INIT ? ca_init(&o) : ca_issue(&o);
#else
    return cli_not_built("ca", "credentials toolkit, which the CA needs", "MQTLS_WITH_CRED", CA_EXIT_FAIL);
#endif
}
