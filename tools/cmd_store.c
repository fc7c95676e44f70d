/* SPDX-License-Identifier: MIT
 * mqtls store: a credential store like a device's /cert flash: put, list, check, rm, export. */
/*
 * A thin layer over mqtls_store_*: parse the subcommand's arguments, read
 * the input file, print the result. The library says what is wrong with
 * the bytes; this file puts the file name in front, so every message reads
 * "mqtls store: FILE: what is wrong".
 *
 * Exit status: 0 when the answer is yes / valid; 1 for usage errors,
 * including a malformed ID or name on the command line (0, 256, "../x":
 * the command line is wrong, not a file); 2 when a file or a check fails
 * (unreadable or invalid input, no such entry, a set that does not check).
 *
 * These commands take no connection flags, so they parse their own
 * arguments instead of going through cli_parse().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#if !MQTLS_WITH_CRED
/* The store validates files with the credentials toolkit, which is built
 * on mbedTLS: without it the command exists but says what it needs. */
int cmd_store(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return cli_not_built("store", "credentials toolkit, which the credential store needs", "MQTLS_WITH_CRED", 2);
}
#else
#include "mqtls/cred.h"

#define STORE_EXIT_FAIL 2

static const char store_help[] =
    "Usage: mqtls store put STORE ID|NAME FILE [--as key|cert|ca|dh] [--password P]\n"
    "       mqtls store list STORE [--json]\n"
    "       mqtls store check STORE --files K,C,A,D [--at ISO-8601] [--json]\n"
    "       mqtls store rm STORE ID|NAME\n"
    "       mqtls store export STORE ID|NAME -o OUT [--pem]\n"
    "\n"
    "A store is a directory that stands for a device's certificate flash: ID N\n"
    "(1..255) is STORE/cert/N.der, as a CC3200 maps secureFiles IDs to /cert/N.der;\n"
    "named entries (letters, digits, '-', '_', '.') are STORE/cert/NAME.der.\n"
    "\n"
    "  put     check FILE for its role (guessed when --as is omitted), convert it to\n"
    "          DER (keys as PKCS#1 / SEC1) and write it atomically\n"
    "  list    every entry: ID or name, role, size, not-after, subject or key\n"
    "  check   the set a device would load, in SlSockSecureFiles_t order\n"
    "          (key, certificate, CA, DH; 0 = none): each file, key vs certificate,\n"
    "          certificate vs CA, validity at --at (default: now); names every problem\n"
    "  rm      remove an entry\n"
    "  export  write an entry out as DER (or PEM with --pem)\n"
    "\n"
    "Exit status: 0 yes / valid, 1 usage error (also a malformed ID or name),\n"
    "2 a file or a check failed.\n";

static void store_usage_help(void)
{
    fputs(store_help, stdout);
}

static int usage(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;

/* A usage error: the sentence, the --help hint, exit status 1. */
static int usage(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return cli_usage_error("store", "%s", msg);
}

/* ---- arguments ----------------------------------------------------------------- */

typedef struct {
    const char *pos[4];
    size_t npos;
    const char *as, *password, *files, *at, *out;
    bool json, pem, help;
} store_args_t;

/* Options with a value; --opt=value works too. */
static const char *const valued[] = { "--as", "--password", "--files", "--at", "-o", "--out", NULL };

static const char **slot_of(store_args_t *a, const char *name)
{
    if (strcmp(name, "--as") == 0) return &a->as;
    if (strcmp(name, "--password") == 0) return &a->password;
    if (strcmp(name, "--files") == 0) return &a->files;
    if (strcmp(name, "--at") == 0) return &a->at;
    return &a->out;
}

static int take_opt(store_args_t *a, const char *opt, const char *val)
{
    for (size_t i = 0; valued[i] != NULL; i++) {
        if (strcmp(opt, valued[i]) == 0) {
            if (val == NULL)
                return usage("%s needs a value", opt);
            *slot_of(a, opt) = val;
            return 0;
        }
    }
    if (val != NULL)
        return usage("%s takes no value", opt);
    if (strcmp(opt, "--json") == 0)
        a->json = true;
    else if (strcmp(opt, "--pem") == 0)
        a->pem = true;
    else if (strcmp(opt, "--help") == 0 || strcmp(opt, "-h") == 0)
        a->help = true;
    else
        return usage("unknown option '%s'", opt);
    return 0;
}

static bool takes_value(const char *opt)
{
    for (size_t i = 0; valued[i] != NULL; i++)
        if (strcmp(opt, valued[i]) == 0)
            return true;
    return false;
}

static int parse_args(int argc, char **argv, store_args_t *a)
{
    memset(a, 0, sizeof *a);
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (s[0] != '-' || strcmp(s, "-") == 0) {
            if (a->npos == sizeof a->pos / sizeof a->pos[0])
                return usage("unexpected argument '%s'", s);
            a->pos[a->npos++] = s;
            continue;
        }
        char opt[32];
        const char *eq = strchr(s, '=');
        const char *val = NULL;
        if (eq != NULL && strncmp(s, "--", 2) == 0 && (size_t)(eq - s) < sizeof opt) {
            memcpy(opt, s, (size_t)(eq - s));
            opt[eq - s] = '\0';
            val = eq + 1;
        } else {
            snprintf(opt, sizeof opt, "%s", s);
            if (takes_value(opt) && i + 1 < argc)
                val = argv[++i];
        }
        int rc = take_opt(a, opt, val);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* Positional count and the options a subcommand allows. */
static int expect(const store_args_t *a, const char *sub, size_t npos, const char *allowed)
{
    if (a->npos != npos)
        return cli_usage_error("store", "'store %s' takes %zu argument%s, not %zu", sub, npos,
                               npos == 1 ? "" : "s", a->npos);
    struct {
        const void *set;
        const char *name;
    } opts[] = { { a->as, "--as" }, { a->password, "--password" }, { a->files, "--files" }, { a->at, "--at" },
                 { a->out, "-o" }, { a->json ? "" : NULL, "--json" }, { a->pem ? "" : NULL, "--pem" } };
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (opts[i].set != NULL && strstr(allowed, opts[i].name) == NULL)
            return cli_usage_error("store", "'store %s' does not take %s", sub, opts[i].name);
    return 0;
}

/* An entry on the command line: a malformed one is a usage error. */
static int entry_arg(const char *dir, const char *entry)
{
    char path[8];
    int32_t rc = mqtls_store_path(dir, entry, path, sizeof path);
    if (rc == MQTLS_ERR_STORE_BAD_NAME)
        return cli_usage_error("store", "'%s' is not a valid entry: %s", entry, mqtls_strerror(rc));
    return 0;
}

/* ---- JSON ------------------------------------------------------------------------- */

static void json_str(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

/* ---- put ------------------------------------------------------------------------------ */

static int parse_role(const char *s, mqtls_store_role_t *role)
{
    static const char *const names[] = { "key", "cert", "ca", "dh" };
    static const mqtls_store_role_t roles[] = { MQTLS_STORE_KEY, MQTLS_STORE_CERT, MQTLS_STORE_CA, MQTLS_STORE_DH };
    *role = MQTLS_STORE_AUTO;
    if (s == NULL)
        return 0;
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(s, names[i]) == 0) {
            *role = roles[i];
            return 0;
        }
    }
    return usage("--as must be key, cert, ca or dh, not '%s'", s);
}

static int do_put(const store_args_t *a)
{
    mqtls_store_role_t role;
    int rc = expect(a, "put", 3, "--as --password");
    if (rc == 0)
        rc = parse_role(a->as, &role);
    if (rc == 0)
        rc = entry_arg(a->pos[0], a->pos[1]);
    if (rc != 0)
        return rc;
    const char *file = a->pos[2];
    uint8_t *buf = NULL;
    size_t len = 0;
    if (cli_read_all(file, &buf, &len) != 0) {
        fprintf(stderr, "mqtls store: %s: cannot read: %s\n", file, strerror(errno));
        return STORE_EXIT_FAIL;
    }
    char why[512], warn[512], path[600];
    int32_t err = mqtls_store_put(a->pos[0], a->pos[1], buf, len, role, a->password, why, sizeof why, warn,
                                  sizeof warn);
    free(buf);
    if (err != MQTLS_OK) {
        fprintf(stderr, "mqtls store: %s: %s\n", file, why[0] != '\0' ? why : mqtls_strerror(err));
        return STORE_EXIT_FAIL;
    }
    if (warn[0] != '\0')
        fprintf(stderr, "mqtls store: warning: %s: %s\n", file, warn);
    mqtls_store_path(a->pos[0], a->pos[1], path, sizeof path);
    printf("%s -> %s (%s)\n", file, path, why);
    return CLI_EXIT_OK;
}

/* ---- list ------------------------------------------------------------------------------ */

static void list_json(const mqtls_store_entry_t *e, size_t n, const char *dir)
{
    char path[600];
    putchar('[');
    for (size_t i = 0; i < n; i++) {
        mqtls_store_path(dir, e[i].entry, path, sizeof path);
        printf("%s{\"entry\":", i > 0 ? "," : "");
        json_str(e[i].entry);
        if (e[i].id != 0)
            printf(",\"id\":%u", (unsigned)e[i].id);
        else
            printf(",\"id\":null");
        printf(",\"role\":");
        json_str(e[i].role == MQTLS_STORE_AUTO ? "unknown" : mqtls_store_role_name(e[i].role));
        printf(",\"size\":%zu,\"ok\":%s,\"summary\":", e[i].size, e[i].ok ? "true" : "false");
        json_str(e[i].summary);
        printf(",\"not_after\":");
        if (e[i].not_after[0] != '\0')
            json_str(e[i].not_after);
        else
            printf("null");
        printf(",\"path\":");
        json_str(path);
        putchar('}');
    }
    puts("]");
}

static void list_text(const mqtls_store_entry_t *e, size_t n)
{
    printf("%-12s %-5s %6s  %-20s  %s\n", "ID/NAME", "ROLE", "SIZE", "NOT AFTER", "SUBJECT / KEY");
    for (size_t i = 0; i < n; i++)
        printf("%-12s %-5s %6zu  %-20s  %s%s\n", e[i].entry, mqtls_store_role_name(e[i].role), e[i].size,
               e[i].not_after[0] != '\0' ? e[i].not_after : "-", e[i].ok ? "" : "BAD: ", e[i].summary);
}

static int do_list(const store_args_t *a)
{
    int rc = expect(a, "list", 1, "--json");
    if (rc != 0)
        return rc;
    mqtls_store_entry_t *e = NULL;
    size_t n = 0;
    int32_t err = mqtls_store_list(a->pos[0], &e, &n);
    if (err != MQTLS_OK) {
        fprintf(stderr, "mqtls store: %s: %s\n", a->pos[0],
                err == MQTLS_ERR_STORE_NOT_FOUND ? "no such store directory" : mqtls_strerror(err));
        return STORE_EXIT_FAIL;
    }
    if (a->json)
        list_json(e, n, a->pos[0]);
    else
        list_text(e, n);
    free(e);
    return CLI_EXIT_OK;
}

/* ---- check ------------------------------------------------------------------------------- */

/* "126,127,128,0": four IDs from 0 to 255. */
static int parse_files(const char *s, uint16_t ids[4])
{
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        char *end = NULL;
        if (*p < '0' || *p > '9')
            return usage("--files needs four IDs K,C,A,D from 0 to 255 (0 = none), not '%s'", s);
        errno = 0;
        long v = strtol(p, &end, 10);
        if (errno != 0 || v > 255 || (i < 3 && *end != ',') || (i == 3 && *end != '\0'))
            return usage("--files needs four IDs K,C,A,D from 0 to 255 (0 = none), not '%s'", s);
        ids[i] = (uint16_t)v;
        p = end + 1;
    }
    return 0;
}

static void check_json(const mqtls_store_check_t *r)
{
    printf("{\"ok\":%s,\"files\":[", r->ok ? "true" : "false");
    for (int i = 0; i < 4; i++) {
        const mqtls_store_check_file_t *f = &r->files[i];
        printf("%s{\"slot\":\"%s\",\"id\":%u,\"path\":", i > 0 ? "," : "", f->slot, (unsigned)f->id);
        if (f->id != 0)
            json_str(f->path);
        else
            printf("null");
        printf(",\"ok\":%s,\"problem\":", f->ok ? "true" : "false");
        if (f->problem[0] != '\0')
            json_str(f->problem);
        else
            printf("null");
        putchar('}');
    }
    printf("],\"problems\":[");
    size_t n = r->n_problems < MQTLS_STORE_MAX_PROBLEMS ? r->n_problems : MQTLS_STORE_MAX_PROBLEMS;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            putchar(',');
        json_str(r->problems[i]);
    }
    printf("],\"notes\":[");
    for (size_t i = 0; i < r->n_notes; i++) {
        if (i > 0)
            putchar(',');
        json_str(r->notes[i]);
    }
    puts("]}");
}

static void check_text(const mqtls_store_check_t *r, const char *dir)
{
    for (int i = 0; i < 4; i++) {
        const mqtls_store_check_file_t *f = &r->files[i];
        if (f->id == 0)
            printf("  %-4s   -   (none)\n", f->slot);
        else
            printf("%s %-4s %3u %s\n", f->ok ? "ok" : "!!", f->slot, (unsigned)f->id, f->path);
    }
    size_t n = r->n_problems < MQTLS_STORE_MAX_PROBLEMS ? r->n_problems : MQTLS_STORE_MAX_PROBLEMS;
    for (size_t i = 0; i < n; i++)
        fprintf(stderr, "mqtls store: %s: %s\n", dir, r->problems[i]);
    if (r->n_problems > n)
        fprintf(stderr, "mqtls store: %s: ... and %zu more problems\n", dir, r->n_problems - n);
    for (size_t i = 0; i < r->n_notes; i++)
        fprintf(stderr, "mqtls store: %s: note: %s\n", dir, r->notes[i]);
    if (r->ok)
        printf("the set is fine\n");
}

static int do_check(const store_args_t *a)
{
    uint16_t ids[4];
    int64_t at = MQTLS_CRED_NOW;
    int rc = expect(a, "check", 1, "--files --at --json");
    if (rc == 0 && a->files == NULL)
        rc = usage("%s needs --files K,C,A,D", "check");
    if (rc == 0)
        rc = parse_files(a->files, ids);
    if (rc == 0 && a->at != NULL && mqtls_cred_parse_time(a->at, &at) != MQTLS_OK)
        rc = usage("--at needs an ISO-8601 time such as 2026-01-31T12:00:00Z, not '%s'", a->at);
    if (rc != 0)
        return rc;
    mqtls_store_check_t *r = malloc(sizeof *r);
    if (r == NULL)
        return STORE_EXIT_FAIL;
    int32_t err = mqtls_store_check(a->pos[0], ids, at, r);
    if (err == MQTLS_ERR_INVALID_ARG || err == MQTLS_ERR_NO_MEMORY || err == MQTLS_ERR_STORE_BAD_NAME) {
        fprintf(stderr, "mqtls store: %s: %s\n", a->pos[0], mqtls_strerror(err));
        free(r);
        return STORE_EXIT_FAIL;
    }
    if (a->json)
        check_json(r);
    else
        check_text(r, a->pos[0]);
    rc = r->ok ? CLI_EXIT_OK : STORE_EXIT_FAIL;
    free(r);
    return rc;
}

/* ---- rm / export ---------------------------------------------------------------------------- */

static int do_rm(const store_args_t *a)
{
    int rc = expect(a, "rm", 2, "");
    if (rc == 0)
        rc = entry_arg(a->pos[0], a->pos[1]);
    if (rc != 0)
        return rc;
    char path[600];
    mqtls_store_path(a->pos[0], a->pos[1], path, sizeof path);
    int32_t err = mqtls_store_rm(a->pos[0], a->pos[1]);
    if (err != MQTLS_OK) {
        fprintf(stderr, "mqtls store: %s: %s\n", path,
                err == MQTLS_ERR_STORE_NOT_FOUND ? "no such entry in the store" : mqtls_strerror(err));
        return STORE_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int write_out(const char *out, const uint8_t *buf, size_t len, bool secret)
{
    FILE *f = stdout;
    if (strcmp(out, "-") != 0) {
        int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, secret ? 0600 : 0644);
        f = fd >= 0 ? fdopen(fd, "wb") : NULL;
        if (f == NULL) {
            if (fd >= 0)
                close(fd);
            fprintf(stderr, "mqtls store: %s: cannot write: %s\n", out, strerror(errno));
            return STORE_EXIT_FAIL;
        }
    }
    bool ok = fwrite(buf, 1, len, f) == len;
    if (f != stdout)
        ok = (fclose(f) == 0) && ok;
    else
        ok = (fflush(f) == 0) && ok;
    if (!ok) {
        fprintf(stderr, "mqtls store: %s: cannot write: %s\n", out, strerror(errno));
        return STORE_EXIT_FAIL;
    }
    return CLI_EXIT_OK;
}

static int do_export(const store_args_t *a)
{
    int rc = expect(a, "export", 2, "-o --pem");
    if (rc == 0 && a->out == NULL)
        rc = usage("%s needs -o OUT", "export");
    if (rc == 0)
        rc = entry_arg(a->pos[0], a->pos[1]);
    if (rc != 0)
        return rc;
    char path[600], why[256] = "";
    uint8_t *buf = NULL;
    size_t len = 0;
    mqtls_store_path(a->pos[0], a->pos[1], path, sizeof path);
    int32_t err = mqtls_store_export(a->pos[0], a->pos[1], a->pem, &buf, &len, why, sizeof why);
    if (err != MQTLS_OK) {
        fprintf(stderr, "mqtls store: %s: %s\n", path,
                err == MQTLS_ERR_STORE_NOT_FOUND ? "no such entry in the store"
                : why[0] != '\0'                 ? why
                                                 : mqtls_strerror(err));
        return STORE_EXIT_FAIL;
    }
    /* Only certificates are public: anything else is written owner-only. */
    mqtls_cred_info_t info;
    bool secret = mqtls_cred_detect(buf, len, &info) != MQTLS_OK || info.kind != MQTLS_CRED_CERT;
    rc = write_out(a->out, buf, len, secret);
    free(buf);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------------------------- */

int cmd_store(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(const store_args_t *);
    } subs[] = { { "put", do_put }, { "list", do_list }, { "check", do_check }, { "rm", do_rm },
                 { "export", do_export } };
    if (argc < 2) {
        fputs(store_help, stderr);
        return CLI_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
        store_usage_help();
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        store_args_t a;
        int rc = parse_args(argc - 2, argv + 2, &a);
        if (rc != 0)
            return rc;
        if (a.help) {
            store_usage_help();
            return CLI_EXIT_OK;
        }
        return subs[i].run(&a);
    }
    return usage("unknown subcommand '%s'; use put, list, check, rm or export", argv[1]);
}
#endif /* MQTLS_WITH_CRED */
