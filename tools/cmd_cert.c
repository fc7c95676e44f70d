/* SPDX-License-Identifier: MIT
 * mqtls cert: convert, inspect, verify and match certificates and keys; C arrays. */
/*
 * A thin shell over mqtls/cred.h. Each subcommand reads its files whole,
 * asks the library, and turns the answer into one line on stdout (or JSON)
 * or one sentence on stderr that starts with the file's name: the library
 * works on bytes and never knows names, so inputs are checked one by one
 * here before a function that takes several (verify, match) runs, and every
 * complaint can say which file it is about.
 *
 * The subcommands take positional files, so the broker commands' parser
 * (cli_parse) does not fit; a small one of its own lives here.
 *
 * Exit status: 0 the answer is yes / valid, 1 usage, 2 a file is unreadable,
 * is not what it should be, or the check fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "mqtls/slcodes.h"

#if MQTLS_WITH_CRED
#include "mqtls/cred.h"

enum { CERT_EXIT_FAIL = 2 };
#define CERT_MAX_SHOWN 64u /* certificates of one file described by inspect */
#define CERT_MAX_POS 32u

enum { O_OUT = 1u, O_TO = 2u, O_PKCS8 = 4u, O_PASSWORD = 8u, O_JSON = 16u, O_CAFILE = 32u, O_UNTRUSTED = 64u,
       O_AT = 128u, O_NAME = 256u };

static const struct {
    char short_name;
    const char *long_name;
    unsigned id;
    bool has_arg;
} cert_opts[] = {
    { 'o', "--out", O_OUT, true },           { 0, "--to", O_TO, true },
    { 0, "--pkcs8", O_PKCS8, false },        { 0, "--password", O_PASSWORD, true },
    { 0, "--json", O_JSON, false },          { 0, "--cafile", O_CAFILE, true },
    { 0, "--untrusted", O_UNTRUSTED, true }, { 0, "--at", O_AT, true },
    { 0, "--name", O_NAME, true },
};

typedef struct {
    const char *pos[CERT_MAX_POS];
    size_t npos;
    const char *out, *to, *password, *cafile, *untrusted, *at, *name;
    bool pkcs8, json;
} cert_args_t;

/* ---- help --------------------------------------------------------------------- */

static const char help_main[] =
    "Usage: mqtls cert SUBCOMMAND [options]\n"
    "Certificates and keys, judged from their content (PEM or DER), never their names.\n"
    "\n"
    "  convert IN -o OUT [--to der|pem] [--pkcs8] [--password P]\n"
    "  inspect FILE... [--json] [--password P]\n"
    "  verify --cafile CA [--untrusted CHAIN] [--at ISO-8601] CERT\n"
    "  match CERT KEY [--password P]\n"
    "  carray FILE --name NAME [-o OUT.h]\n"
    "\n"
    "'mqtls cert SUBCOMMAND --help' describes each.\n"
    "Exit status: 0 yes / valid, 1 usage error, 2 a file is unreadable or not what it\n"
    "should be, or the check failed (the reason, naming the file, is on stderr).\n";

static const char help_convert[] =
    "Usage: mqtls cert convert IN -o OUT [--to der|pem] [--pkcs8] [--password P]\n"
    "Convert a certificate, a private key or a public key between PEM and DER.\n"
    "\n"
    "  -o, --out OUT     where to write ('-': stdout); keys are written mode 0600\n"
    "  --to der|pem      the output encoding; default: from OUT's name (.der/.cer DER,\n"
    "                    .pem PEM), else the other one than IN's. PEM is never\n"
    "                    written to a .der name.\n"
    "  --pkcs8           write a private key as PKCS#8 (\"PRIVATE KEY\") instead of the\n"
    "                    device form: RSA as PKCS#1, EC as SEC1 (what `openssl rsa\n"
    "                    -traditional -outform der` and `openssl ec -outform der` write).\n"
    "                    Note: OpenSSL 3's plain `openssl rsa -outform der` writes PKCS#8.\n"
    "  --password P      the password of an encrypted input key (PKCS#8 with AES or\n"
    "                    3DES, or legacy PEM encryption); keys are always written\n"
    "                    unencrypted\n"
    "\n"
    "A DER file holds one certificate: a chain converts to PEM only.\n"
    "DER output is byte-identical to openssl's: `openssl x509 -outform der`, and for\n"
    "keys the commands above or `openssl pkcs8 -topk8 -nocrypt -outform der`.\n";

static const char help_inspect[] =
    "Usage: mqtls cert inspect FILE... [--json] [--password P]\n"
    "Say what each file is; describe its certificates and keys.\n"
    "\n"
    "  --json            one JSON array, an object per certificate, key or other file\n"
    "  --password P      to describe an encrypted private key\n"
    "\n"
    "JSON fields (stable):\n"
    "  every object: file, kind (certificate | private key | public key | csr |\n"
    "    pkcs7 | pkcs12 | dh params | encrypted private key | error), encoding\n"
    "    (PEM | DER), what (a sentence)\n"
    "  certificate: index (0 = first in the file), subject, issuer, serial\n"
    "    (colon-separated hex), not_before, not_after (ISO-8601 UTC),\n"
    "    not_before_unix, not_after_unix, key_type (RSA | EC), key_bits, curve,\n"
    "    sig_alg, is_ca, path_len (-1: none or no limit), key_usage,\n"
    "    ext_key_usage, san (\"DNS:x, IP:y, email:z, URI:u\"), sha256\n"
    "    (fingerprint of the DER), self_signed\n"
    "  private key: key_type, key_bits, curve\n"
    "  error: error (the mqtls error name, e.g. CRED_GARBAGE)\n";

static const char help_verify[] =
    "Usage: mqtls cert verify --cafile CA [--untrusted CHAIN] [--at ISO-8601] CERT\n"
    "Does CERT (the first certificate of the file; the others count as\n"
    "intermediates) chain to a certificate in CA, and is every certificate of that\n"
    "path valid at the given time?\n"
    "\n"
    "  --cafile CA         one or more CA certificates (PEM or DER)\n"
    "  --untrusted CHAIN   intermediate certificates that may complete the path\n"
    "  --at TIME           check validity at TIME instead of now: 2026-01-31T12:00:00Z,\n"
    "                      2026-01-31T14:00:00+02:00, 2026-01-31, @UNIX-SECONDS or now\n"
    "                      (a device's clock is often wrong or unset)\n"
    "\n"
    "mbedTLS checks validity against the system clock only: the chain is built and\n"
    "its signatures checked by mbedTLS, then the validity of every certificate of\n"
    "the path is computed against TIME here. Every failure is named on stderr.\n";

static const char help_match[] =
    "Usage: mqtls cert match CERT KEY [--password P]\n"
    "Does the private key KEY belong to the (first) certificate in CERT?\n"
    "Exit 0 when it does, 2 when it does not or a file is wrong.\n";

static const char help_carray[] =
    "Usage: mqtls cert carray FILE --name NAME [-o OUT.h]\n"
    "Write FILE's bytes as a C header for firmware that embeds its credentials:\n"
    "  const unsigned char NAME[] = {...}; const size_t NAME_len = N;\n"
    "inside an include guard. NAME must be a C identifier. A PEM file gets its\n"
    "terminating NUL inside the array (counted in NAME_len), as mbedTLS's parsers\n"
    "need. -o OUT.h: where to write (default: stdout).\n";

/* ---- arguments ------------------------------------------------------------------ */

static void set_opt(cert_args_t *a, unsigned id, const char *v)
{
    switch (id) {
    case O_OUT: a->out = v; break;
    case O_TO: a->to = v; break;
    case O_PKCS8: a->pkcs8 = true; break;
    case O_PASSWORD: a->password = v; break;
    case O_JSON: a->json = true; break;
    case O_CAFILE: a->cafile = v; break;
    case O_UNTRUSTED: a->untrusted = v; break;
    case O_AT: a->at = v; break;
    default: a->name = v; break;
    }
}

static int find_opt(const char *arg, size_t len)
{
    for (size_t i = 0; i < sizeof cert_opts / sizeof cert_opts[0]; i++) {
        if ((len == 2u && arg[0] == '-' && arg[1] == cert_opts[i].short_name && cert_opts[i].short_name != 0) ||
            (strlen(cert_opts[i].long_name) == len && strncmp(arg, cert_opts[i].long_name, len) == 0)) {
            return (int)i;
        }
    }
    return -1;
}

/* @return -1 to go on, or an exit status (0 after --help). */
static int parse_args(const char *sub, int argc, char **argv, unsigned allowed, const char *help, cert_args_t *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            fputs(help, stdout);
            return 0;
        }
        if (s[0] != '-' || s[1] == '\0') {
            if (a->npos == CERT_MAX_POS) {
                return cli_usage_error("cert", "%s: too many files", sub);
            }
            a->pos[a->npos++] = s;
            continue;
        }
        const char *eq = s[1] == '-' ? strchr(s, '=') : NULL;
        size_t n = eq != NULL ? (size_t)(eq - s) : strlen(s);
        int k = find_opt(s, n);
        if (k < 0 || (cert_opts[k].id & allowed) == 0u) {
            return cli_usage_error("cert", "%s: unknown option '%.*s'", sub, (int)n, s);
        }
        const char *v = NULL;
        if (cert_opts[k].has_arg) {
            if (eq == NULL && i + 1 >= argc) {
                return cli_usage_error("cert", "%s: option '%s' needs a value", sub, s);
            }
            v = eq != NULL ? eq + 1 : argv[++i];
        } else if (eq != NULL) {
            return cli_usage_error("cert", "%s: option '%.*s' takes no value", sub, (int)n, s);
        }
        set_opt(a, cert_opts[k].id, v);
    }
    return -1;
}

/* ---- files ------------------------------------------------------------------------ */

static int file_fail(const char *file, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* "mqtls cert: FILE: ..." on stderr; @return 2. */
static int file_fail(const char *file, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "mqtls cert: %s: ", file);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CERT_EXIT_FAIL;
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
    if (cli_read_all(path, buf, len) != 0) {
        return file_fail(path, "cannot read: %s", strerror(errno));
    }
    return 0;
}

static int write_file(const char *path, const uint8_t *buf, size_t len, bool secret)
{
    int fd = strcmp(path, "-") == 0 ? STDOUT_FILENO : open(path, O_WRONLY | O_CREAT | O_TRUNC, secret ? 0600 : 0644);
    if (fd < 0) {
        return file_fail(path, "cannot write: %s", strerror(errno));
    }
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, buf + done, len - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            int e = errno;
            if (fd != STDOUT_FILENO) {
                close(fd);
            }
            return file_fail(path, "cannot write: %s", strerror(e));
        }
        done += (size_t)w;
    }
    if (fd != STDOUT_FILENO && close(fd) != 0) {
        return file_fail(path, "cannot write: %s", strerror(errno));
    }
    return 0;
}

static bool private_kind(mqtls_cred_kind_t k)
{
    return k == MQTLS_CRED_KEY_PKCS1 || k == MQTLS_CRED_KEY_SEC1 || k == MQTLS_CRED_KEY_PKCS8 ||
           k == MQTLS_CRED_KEY_ENCRYPTED;
}

/* ---- convert ------------------------------------------------------------------------ */

/* The encoding an output name asks for: .der/.cer -> DER, .pem -> PEM, else AUTO. */
static mqtls_tls_format_t ext_format(const char *name)
{
    const char *dot = name != NULL ? strrchr(name, '.') : NULL;
    if (dot == NULL || strchr(dot, '/') != NULL) {
        return MQTLS_TLS_FORMAT_AUTO;
    }
    char ext[8];
    size_t n = strlen(dot + 1);
    if (n == 0u || n >= sizeof ext) {
        return MQTLS_TLS_FORMAT_AUTO;
    }
    for (size_t i = 0; i <= n; i++) {
        char c = dot[1 + i];
        ext[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
    }
    if (strcmp(ext, "der") == 0 || strcmp(ext, "cer") == 0) {
        return MQTLS_TLS_FORMAT_DER;
    }
    return strcmp(ext, "pem") == 0 ? MQTLS_TLS_FORMAT_PEM : MQTLS_TLS_FORMAT_AUTO;
}

static int do_convert(const cert_args_t *a, const uint8_t *in, size_t in_len)
{
    mqtls_tls_format_t to = MQTLS_TLS_FORMAT_AUTO;
    if (a->to != NULL && strcmp(a->to, "der") != 0 && strcmp(a->to, "pem") != 0) {
        return cli_usage_error("cert", "convert: --to takes der or pem, not '%s'", a->to);
    }
    if (a->to != NULL) {
        to = a->to[0] == 'd' ? MQTLS_TLS_FORMAT_DER : MQTLS_TLS_FORMAT_PEM;
    }
    /* The output's name decides unless --to does; a PEM body never goes into a .der name. */
    mqtls_tls_format_t by_name = ext_format(a->out);
    if (to == MQTLS_TLS_FORMAT_PEM && by_name == MQTLS_TLS_FORMAT_DER) {
        return cli_usage_error("cert", "convert: --to pem would write PEM text into '%s', a .der name that devices "
                                       "and tools read as binary DER; name it .pem, or drop --to", a->out);
    }
    if (to == MQTLS_TLS_FORMAT_AUTO) {
        to = by_name;
    }
    mqtls_cred_info_t info;
    mqtls_cred_detect(in, in_len, &info);
    if (a->pkcs8 && !private_kind(info.kind)) {
        return cli_usage_error("cert", "convert: --pkcs8 is for private keys, but %s is %s", a->pos[0], info.what);
    }
    uint8_t *out = NULL;
    size_t out_len = 0;
    char why[512] = "";
    int32_t rc = mqtls_cred_convert(in, in_len, to, a->pkcs8 ? MQTLS_CRED_KEY_AS_PKCS8 : MQTLS_CRED_KEY_DEVICE,
                                    a->password, &out, &out_len, why, sizeof why);
    if (rc != MQTLS_OK) {
        return file_fail(a->pos[0], "%s", why[0] != '\0' ? why : mqtls_strerror(rc));
    }
    int st = write_file(a->out, out, out_len, private_kind(info.kind));
    bool pem = out_len > 0u && out[0] == '-';
    free(out);
    if (st == 0 && strcmp(a->out, "-") != 0) {
        printf("%s: %s, written as %s (%zu bytes)\n", a->out, info.what, pem ? "PEM" : "DER", out_len);
    }
    return st;
}

static int cmd_convert(int argc, char **argv)
{
    cert_args_t a;
    int st = parse_args("convert", argc, argv, O_OUT | O_TO | O_PKCS8 | O_PASSWORD, help_convert, &a);
    if (st >= 0) {
        return st;
    }
    if (a.npos != 1u) {
        return cli_usage_error("cert", "convert takes one input file");
    }
    if (a.out == NULL) {
        return cli_usage_error("cert", "convert: where to? -o OUT");
    }
    uint8_t *in;
    size_t in_len;
    if ((st = read_file(a.pos[0], &in, &in_len)) != 0) {
        return st;
    }
    st = do_convert(&a, in, in_len);
    free(in);
    return st;
}

/* ---- inspect: printing ------------------------------------------------------------------ */

static void json_str(const char *key, const char *s, bool more)
{
    printf("\"%s\": \"", key);
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\') {
            printf("\\%c", *p);
        } else if (*p < 0x20u) {
            printf("\\u%04x", *p);
        } else {
            putchar(*p);
        }
    }
    printf("\"%s", more ? ", " : "");
}

static const char *enc_name(mqtls_tls_format_t e)
{
    return e == MQTLS_TLS_FORMAT_PEM ? "PEM" : e == MQTLS_TLS_FORMAT_DER ? "DER" : "";
}

static void json_head(bool *first, const char *file, const char *kind, const mqtls_cred_info_t *info)
{
    printf("%s\n  {", *first ? "" : ",");
    *first = false;
    json_str("file", file, true);
    json_str("kind", kind, true);
    json_str("encoding", enc_name(info->encoding), true);
    json_str("what", info->what, false);
}

static void json_cert(const mqtls_cred_cert_t *c, size_t index)
{
    printf(", \"index\": %zu, ", index);
    json_str("subject", c->subject, true);
    json_str("issuer", c->issuer, true);
    json_str("serial", c->serial, true);
    json_str("not_before", c->not_before, true);
    json_str("not_after", c->not_after, true);
    printf("\"not_before_unix\": %lld, \"not_after_unix\": %lld, ", (long long)c->not_before_unix,
           (long long)c->not_after_unix);
    json_str("key_type", c->key_type, true);
    printf("\"key_bits\": %u, ", (unsigned)c->key_bits);
    json_str("curve", c->curve, true);
    json_str("sig_alg", c->sig_alg, true);
    printf("\"is_ca\": %s, \"path_len\": %d, ", c->is_ca ? "true" : "false", c->path_len);
    json_str("key_usage", c->key_usage, true);
    json_str("ext_key_usage", c->ext_key_usage, true);
    json_str("san", c->san, true);
    json_str("sha256", c->sha256, true);
    printf("\"self_signed\": %s}", c->self_signed ? "true" : "false");
}

static void text_cert(const mqtls_cred_cert_t *c)
{
    printf("  subject:        %s\n  issuer:         %s\n  serial:         %s\n", c->subject, c->issuer, c->serial);
    printf("  not before:     %s\n  not after:      %s\n", c->not_before, c->not_after);
    printf("  key:            %s %u bits%s%s\n", c->key_type, (unsigned)c->key_bits, c->curve[0] ? ", " : "",
           c->curve);
    printf("  signature:      %s\n", c->sig_alg);
    if (!c->is_ca) {
        printf("  CA:             no\n");
    } else if (c->path_len < 0) {
        printf("  CA:             yes (path length: no limit)\n");
    } else {
        printf("  CA:             yes (path length: %d)\n", c->path_len);
    }
    printf("  key usage:      %s\n", c->key_usage[0] ? c->key_usage : "(none)");
    printf("  ext key usage:  %s\n", c->ext_key_usage[0] ? c->ext_key_usage : "(none)");
    printf("  SAN:            %s\n", c->san[0] ? c->san : "(none)");
    printf("  SHA-256:        %s\n  self-signed:    %s\n", c->sha256, c->self_signed ? "yes" : "no");
}

/* ---- inspect ------------------------------------------------------------------------------ */

static int inspect_error(const cert_args_t *a, bool *first, const char *file, const mqtls_cred_info_t *info,
                         int32_t rc, const char *why)
{
    if (a->json) {
        json_head(first, file, "error", info);
        printf(", ");
        json_str("error", mqtls_errname(rc), false);
        printf("}");
    }
    return file_fail(file, "%s", why);
}

static int inspect_certs(const cert_args_t *a, bool *first, const char *file, const uint8_t *buf, size_t len,
                         const mqtls_cred_info_t *info)
{
    static mqtls_cred_cert_t certs[CERT_MAX_SHOWN];
    size_t n = 0;
    char why[512] = "";
    int32_t rc = mqtls_cred_inspect(buf, len, certs, CERT_MAX_SHOWN, &n, why, sizeof why);
    if (rc != MQTLS_OK) {
        return inspect_error(a, first, file, info, rc, why);
    }
    if (!a->json) {
        printf("%s: %s\n", file, info->what);
    }
    for (size_t i = 0; i < n && i < CERT_MAX_SHOWN; i++) {
        if (a->json) {
            json_head(first, file, "certificate", info);
            json_cert(&certs[i], i);
        } else {
            if (n > 1u) {
                printf(" certificate %zu of %zu:\n", i + 1u, n);
            }
            text_cert(&certs[i]);
        }
    }
    return 0;
}

static int inspect_key(const cert_args_t *a, bool *first, const char *file, const uint8_t *buf, size_t len,
                       const mqtls_cred_info_t *info)
{
    if (info->kind == MQTLS_CRED_KEY_ENCRYPTED && (a->password == NULL || a->password[0] == '\0')) {
        if (a->json) {
            json_head(first, file, "encrypted private key", info);
            printf("}");
        } else {
            printf("%s: %s (give --password to describe the key)\n", file, info->what);
        }
        return 0;
    }
    mqtls_cred_cert_t k;
    char why[512] = "";
    int32_t rc = mqtls_cred_inspect_key(buf, len, a->password, &k, why, sizeof why);
    if (rc != MQTLS_OK) {
        return inspect_error(a, first, file, info, rc, why);
    }
    if (a->json) {
        json_head(first, file, "private key", info);
        printf(", ");
        json_str("key_type", k.key_type, true);
        printf("\"key_bits\": %u, ", (unsigned)k.key_bits);
        json_str("curve", k.curve, info->kind != MQTLS_CRED_KEY_PKCS8);
        if (info->kind == MQTLS_CRED_KEY_PKCS8)
            json_str("device_warning", mqtls_sl_pkcs8_note(), false);
        printf("}");
    } else {
        printf("%s: %s\n  key:            %s %u bits%s%s\n", file, info->what, k.key_type, (unsigned)k.key_bits,
               k.curve[0] ? ", " : "", k.curve);
        if (info->kind == MQTLS_CRED_KEY_PKCS8)
            printf("  warning:        %s\n", mqtls_sl_pkcs8_note());
    }
    return 0;
}

/* Kinds recognised but not parsed: say what they are. */
static const char *other_kind(mqtls_cred_kind_t k)
{
    switch (k) {
    case MQTLS_CRED_PUBLIC_KEY: return "public key";
    case MQTLS_CRED_CSR: return "csr";
    case MQTLS_CRED_PKCS7: return "pkcs7";
    case MQTLS_CRED_PKCS12: return "pkcs12";
    case MQTLS_CRED_DH_PARAMS: return "dh params";
    default: return NULL;
    }
}

static int inspect_one(const cert_args_t *a, bool *first, const char *file)
{
    uint8_t *buf;
    size_t len;
    mqtls_cred_info_t info;
    int st = read_file(file, &buf, &len);
    if (st != 0) {
        if (a->json) { /* the array still says what became of every file */
            memset(&info, 0, sizeof info);
            snprintf(info.what, sizeof info.what, "cannot read: %s", strerror(errno));
            json_head(first, file, "error", &info);
            printf(", ");
            json_str("error", mqtls_errname(MQTLS_ERR_CRED_IO), false);
            printf("}");
        }
        return st;
    }
    mqtls_cred_detect(buf, len, &info);
    const char *other = other_kind(info.kind);
    if (info.kind == MQTLS_CRED_CERT || info.kind == MQTLS_CRED_CERT_CHAIN) {
        st = inspect_certs(a, first, file, buf, len, &info);
    } else if (private_kind(info.kind)) {
        st = inspect_key(a, first, file, buf, len, &info);
    } else if (other != NULL && a->json) {
        json_head(first, file, other, &info);
        printf("}");
    } else if (other != NULL) {
        printf("%s: %s\n", file, info.what);
    } else {
        int32_t rc = info.kind == MQTLS_CRED_EMPTY     ? MQTLS_ERR_CRED_EMPTY
                     : info.kind == MQTLS_CRED_TRUNCATED ? MQTLS_ERR_CRED_TRUNCATED
                                                         : MQTLS_ERR_CRED_GARBAGE;
        char why[256];
        snprintf(why, sizeof why, "the file is %s", info.what);
        st = inspect_error(a, first, file, &info, rc, why);
    }
    free(buf);
    return st;
}

static int cmd_inspect(int argc, char **argv)
{
    cert_args_t a;
    int st = parse_args("inspect", argc, argv, O_JSON | O_PASSWORD, help_inspect, &a);
    if (st >= 0) {
        return st;
    }
    if (a.npos == 0u) {
        return cli_usage_error("cert", "inspect: which file(s)?");
    }
    bool first = true;
    if (a.json) {
        printf("[");
    }
    for (size_t i = 0; i < a.npos; i++) {
        if (inspect_one(&a, &first, a.pos[i]) != 0) {
            st = CERT_EXIT_FAIL;
        }
    }
    if (a.json) {
        printf("\n]\n");
    }
    return st < 0 ? 0 : st;
}

/* ---- verify ---------------------------------------------------------------------------------- */

/* Each input alone first, so a wrong file is named. */
static int check_certs(const char *file, const uint8_t *buf, size_t len, bool need_ca)
{
    static mqtls_cred_cert_t certs[CERT_MAX_SHOWN];
    size_t n = 0;
    char why[512] = "";
    int32_t rc = mqtls_cred_inspect(buf, len, certs, CERT_MAX_SHOWN, &n, why, sizeof why);
    if (rc != MQTLS_OK) {
        return file_fail(file, "%s", why);
    }
    for (size_t i = 0; need_ca && i < n && i < CERT_MAX_SHOWN; i++) {
        if (certs[i].is_ca) {
            return 0;
        }
    }
    if (need_ca) {
        return file_fail(file, "a CA certificate was expected, but %s ('%s') is not a CA (basicConstraints "
                         "CA:FALSE or absent)", n > 1u ? "no certificate of the file" : "the certificate",
                         certs[0].subject);
    }
    return 0;
}

typedef struct {
    uint8_t *buf;
    size_t len;
} blob_t;

static int load_checked(const char *file, bool need_ca, blob_t *b)
{
    int st = read_file(file, &b->buf, &b->len);
    if (st == 0 && (st = check_certs(file, b->buf, b->len, need_ca)) != 0) {
        free(b->buf);
        b->buf = NULL;
    }
    return st;
}

static int run_verify(const cert_args_t *a, const blob_t *cert, const blob_t *ca, const blob_t *inter, int64_t at)
{
    uint32_t flags = 0;
    char why[1024] = "";
    int32_t rc = mqtls_cred_verify(cert->buf, cert->len, ca->buf, ca->len, inter->buf, inter->len, at, &flags, why,
                                   sizeof why);
    if (rc != MQTLS_OK) {
        return file_fail(a->pos[0], "not valid (%s): %s", mqtls_errname(rc), why[0] ? why : mqtls_strerror(rc));
    }
    mqtls_cred_cert_t c;
    size_t n = 0;
    mqtls_cred_inspect(cert->buf, cert->len, &c, 1, &n, NULL, 0);
    printf("%s: valid%s%s: '%s' chains to a CA in %s\n", a->pos[0], a->at != NULL ? " at " : "",
           a->at != NULL ? a->at : "", c.subject, a->cafile);
    return 0;
}

static int cmd_verify(int argc, char **argv)
{
    cert_args_t a;
    int st = parse_args("verify", argc, argv, O_CAFILE | O_UNTRUSTED | O_AT, help_verify, &a);
    if (st >= 0) {
        return st;
    }
    int64_t at = MQTLS_CRED_NOW;
    if (a.npos != 1u) {
        return cli_usage_error("cert", "verify takes one certificate file");
    }
    if (a.cafile == NULL) {
        return cli_usage_error("cert", "verify: the CA is needed: --cafile CA");
    }
    if (a.at != NULL && mqtls_cred_parse_time(a.at, &at) != MQTLS_OK) {
        return cli_usage_error("cert", "verify: --at takes a time like 2026-01-31T12:00:00Z, not '%s'", a.at);
    }
    blob_t cert = { NULL, 0 }, ca = { NULL, 0 }, inter = { NULL, 0 };
    st = load_checked(a.pos[0], false, &cert);
    if (st == 0) {
        st = load_checked(a.cafile, true, &ca);
    }
    if (st == 0 && a.untrusted != NULL) {
        st = load_checked(a.untrusted, false, &inter);
    }
    if (st == 0) {
        st = run_verify(&a, &cert, &ca, &inter, at);
    }
    free(cert.buf);
    free(ca.buf);
    free(inter.buf);
    return st;
}

/* ---- match -------------------------------------------------------------------------------------- */

static int run_match(const cert_args_t *a, const blob_t *cert, const blob_t *key)
{
    mqtls_cred_cert_t k;
    char why[512] = "";
    int32_t rc = mqtls_cred_inspect_key(key->buf, key->len, a->password, &k, why, sizeof why);
    if (rc != MQTLS_OK) {
        return file_fail(a->pos[1], "%s", why);
    }
    rc = mqtls_cred_match(cert->buf, cert->len, key->buf, key->len, a->password, why, sizeof why);
    if (rc != MQTLS_OK) {
        return file_fail(a->pos[1], "%s", why);
    }
    printf("%s and %s match (%s %u bits%s%s)\n", a->pos[0], a->pos[1], k.key_type, (unsigned)k.key_bits,
           k.curve[0] ? ", " : "", k.curve);
    return 0;
}

static int cmd_match(int argc, char **argv)
{
    cert_args_t a;
    int st = parse_args("match", argc, argv, O_PASSWORD, help_match, &a);
    if (st >= 0) {
        return st;
    }
    if (a.npos != 2u) {
        return cli_usage_error("cert", "match takes a certificate file and a key file");
    }
    blob_t cert = { NULL, 0 }, key = { NULL, 0 };
    st = load_checked(a.pos[0], false, &cert);
    if (st == 0) {
        st = read_file(a.pos[1], &key.buf, &key.len);
    }
    if (st == 0) {
        st = run_match(&a, &cert, &key);
    }
    free(cert.buf);
    free(key.buf);
    return st;
}

/* ---- carray ---------------------------------------------------------------------------------------- */

static int cmd_carray(int argc, char **argv)
{
    cert_args_t a;
    int st = parse_args("carray", argc, argv, O_NAME | O_OUT, help_carray, &a);
    if (st >= 0) {
        return st;
    }
    if (a.npos != 1u || a.name == NULL) {
        return cli_usage_error("cert", "carray takes one file and --name NAME");
    }
    uint8_t *in, *out = NULL;
    size_t in_len, out_len = 0;
    if ((st = read_file(a.pos[0], &in, &in_len)) != 0) {
        return st;
    }
    if (mqtls_cred_carray(in, in_len, a.name, &out, &out_len) != MQTLS_OK) {
        free(in);
        return cli_usage_error("cert", "carray: --name must be a C identifier (letters, digits, '_'; not first a "
                               "digit), not '%s'", a.name);
    }
    st = write_file(a.out != NULL ? a.out : "-", out, out_len, false);
    free(in);
    free(out);
    return st;
}

int cmd_cert(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } subs[] = {
        { "convert", cmd_convert }, { "inspect", cmd_inspect }, { "verify", cmd_verify },
        { "match", cmd_match },     { "carray", cmd_carray },
    };
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(help_main, argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_EXIT_USAGE : CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) == 0) {
            return subs[i].fn(argc - 1, argv + 1);
        }
    }
    return cli_usage_error("cert", "unknown subcommand '%s'; use convert, inspect, verify, match or carray", argv[1]);
}

#else /* !MQTLS_WITH_CRED */

int cmd_cert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_built("cert", "credentials toolkit", "MQTLS_WITH_CRED", CLI_EXIT_USAGE);
}

#endif
