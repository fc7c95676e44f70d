/* SPDX-License-Identifier: MIT
 * mqtls: the credential store, a directory that stands for a device's /cert flash. */
/*
 * A CC3200 names its TLS files by number: secureFiles[i] = N means the
 * flash file /cert/N.der. A store mirrors that on a host: <dir>/cert/N.der
 * for N in 1..255, plus named entries (<dir>/cert/ca.der). The point of the
 * store is that a bad file is refused when it is put, on the developer's
 * machine, not discovered as -456 on the device: every put classifies the
 * input (mqtls_cred_detect), checks it for the role it will play, and
 * writes the DER a device expects (keys in PKCS#1 / SEC1).
 *
 * Writes are atomic: the DER goes to <dir>/cert/.<entry>.tmp.<pid>, is
 * fsync'ed, renamed over the target and the directory is fsync'ed, so a
 * crash leaves either the old file or the new one under the real name,
 * never half of one. Names starting with '.' are not entries, so list never
 * shows a leftover temporary file.
 *
 * This module only uses the public cred API (detect, convert, inspect,
 * match, verify) plus mbedTLS's DHM and PEM modules for DH parameters,
 * which the rest of the toolkit does not handle.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mbedtls/dhm.h>
#include <mbedtls/pem.h>

#include "mqtls/cred.h"
#include "mqtls/slcodes.h"
#include "cred_priv.h"
#include "tls/mbed_compat.h"

#define STORE_NAME_MAX 100
#define STORE_MAX_FILE (1024u * 1024u) /* far above any device's credential file */

static const char dh_pem_begin[] = "-----BEGIN DH PARAMETERS-----";
static const char dh_pem_end[] = "-----END DH PARAMETERS-----";

/* ---- small helpers ------------------------------------------------------------- */


const char *mqtls_store_role_name(mqtls_store_role_t role)
{
    switch (role) {
    case MQTLS_STORE_KEY: return "key";
    case MQTLS_STORE_CERT: return "cert";
    case MQTLS_STORE_CA: return "ca";
    case MQTLS_STORE_DH: return "dh";
    default: return "?";
    }
}

/* A numeric entry: decimal digits only. Canonical 1..255 gives the ID, else 0
 * (so "0", "256" and "0126" are refused rather than mapped to another file). */
static int entry_id(const char *entry)
{
    size_t n = strlen(entry);
    if (n == 0 || n > 3 || entry[0] == '0')
        return 0;
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (entry[i] - '0');
    return v <= 255 ? v : 0;
}

static bool all_digits(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

/* Letters, digits, '-', '_', '.'; not starting with '.' (temporary files
 * do) so neither "..", "." nor a hidden name can be an entry. */
static bool entry_ok(const char *entry)
{
    if (entry == NULL || entry[0] == '\0' || strlen(entry) > STORE_NAME_MAX)
        return false;
    if (all_digits(entry))
        return entry_id(entry) != 0;
    if (entry[0] == '.' || strstr(entry, "..") != NULL)
        return false;
    for (const char *p = entry; *p != '\0'; p++) {
        char c = *p;
        bool good = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                    c == '_' || c == '.';
        if (!good)
            return false;
    }
    return true;
}

int32_t mqtls_store_path(const char *dir, const char *entry, char *buf, size_t len)
{
    if (dir == NULL || buf == NULL || len == 0)
        return MQTLS_ERR_INVALID_ARG;
    if (!entry_ok(entry))
        return MQTLS_ERR_STORE_BAD_NAME;
    int n = snprintf(buf, len, "%s/cert/%s.der", dir, entry);
    return (n < 0 || (size_t)n >= len) ? MQTLS_ERR_BUFFER_TOO_SMALL : MQTLS_OK;
}

/* The whole of a file into a malloc'd buffer (one spare NUL byte after it). */
static int32_t read_file(const char *path, uint8_t **out, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return errno == ENOENT ? MQTLS_ERR_STORE_NOT_FOUND : MQTLS_ERR_CRED_IO;
    uint8_t *buf = malloc(STORE_MAX_FILE + 1);
    if (buf == NULL) {
        fclose(f);
        return MQTLS_ERR_NO_MEMORY;
    }
    size_t n = fread(buf, 1, STORE_MAX_FILE + 1, f);
    bool bad = ferror(f) != 0 || n > STORE_MAX_FILE;
    fclose(f);
    if (bad) {
        free(buf);
        return MQTLS_ERR_CRED_IO;
    }
    buf[n] = 0;
    *out = buf;
    *out_len = n;
    return MQTLS_OK;
}

/* ---- DH parameters (PKCS#3), PEM or DER, to DER ----------------------------------- */

static int32_t dh_to_der(const uint8_t *buf, size_t len, uint8_t **der, size_t *der_len, char *why, size_t why_len)
{
    const uint8_t *raw = buf;
    size_t raw_len = len;
    mbedtls_pem_context pem;
    mbedtls_pem_init(&pem);
    uint8_t *z = NULL;
    if (len > 0 && memchr(buf, '-', len) != NULL && buf[0] != 0x30) {
        z = malloc(len + 1); /* the PEM reader needs a NUL-terminated string */
        if (z == NULL)
            return MQTLS_ERR_NO_MEMORY;
        memcpy(z, buf, len);
        z[len] = 0;
        size_t used = 0;
        if (mbedtls_pem_read_buffer(&pem, dh_pem_begin, dh_pem_end, z, NULL, 0, &used) != 0) {
            free(z);
            mbedtls_pem_free(&pem);
            mqtls__cred_say(why, why_len, "DH parameters were expected, but this is not a PEM \"DH PARAMETERS\" block");
            return MQTLS_ERR_CRED_BAD_DH;
        }
        raw = mqtls__mbed_pem_bytes(&pem, &raw_len);
    }
    mbedtls_dhm_context dhm;
    mbedtls_dhm_init(&dhm);
    int rc = mbedtls_dhm_parse_dhm(&dhm, raw, raw_len);
    size_t bits = rc == 0 ? mqtls__mbed_dhm_bits(&dhm) : 0;
    mbedtls_dhm_free(&dhm);
    int32_t ret = MQTLS_OK;
    if (rc != 0) {
        mqtls__cred_say(why, why_len, "DH parameters were expected, but this is not a PKCS#3 DHParameter structure");
        ret = MQTLS_ERR_CRED_BAD_DH;
    } else if ((*der = malloc(raw_len)) == NULL) {
        ret = MQTLS_ERR_NO_MEMORY;
    } else {
        memcpy(*der, raw, raw_len);
        *der_len = raw_len;
        mqtls__cred_say(why, why_len, "%zu-bit DH parameters", bits);
    }
    mbedtls_pem_free(&pem);
    free(z);
    return ret;
}

/* ---- validation for a role ---------------------------------------------------------- */

/* What a role needs, for sentences. */
static const char *role_desc(mqtls_store_role_t role)
{
    switch (role) {
    case MQTLS_STORE_KEY: return "a private key";
    case MQTLS_STORE_CERT: return "a certificate";
    case MQTLS_STORE_CA: return "a CA certificate";
    case MQTLS_STORE_DH: return "DH parameters";
    default: return "a private key, a certificate or DH parameters";
    }
}

/* The error for a kind that is not what the role needs. */
static int32_t wrong_kind(const mqtls_cred_info_t *info, mqtls_store_role_t role, char *why, size_t why_len)
{
    if (role == MQTLS_STORE_AUTO)
        mqtls__cred_say(why, why_len, "not a private key, a certificate or DH parameters: this is %s", info->what);
    else
        mqtls__cred_say(why, why_len, "%s %s expected, but this is %s", role_desc(role),
            role == MQTLS_STORE_DH ? "were" : "was", info->what);
    switch (info->kind) {
    case MQTLS_CRED_EMPTY: return MQTLS_ERR_CRED_EMPTY;
    case MQTLS_CRED_GARBAGE: return MQTLS_ERR_CRED_GARBAGE;
    case MQTLS_CRED_TRUNCATED: return MQTLS_ERR_CRED_TRUNCATED;
    case MQTLS_CRED_CSR: return MQTLS_ERR_CRED_CSR;
    case MQTLS_CRED_PKCS7:
    case MQTLS_CRED_PKCS12: return MQTLS_ERR_CRED_BUNDLE;
    case MQTLS_CRED_PUBLIC_KEY:
        return role == MQTLS_STORE_KEY ? MQTLS_ERR_CRED_PUBLIC_KEY : MQTLS_ERR_CRED_NOT_CERT;
    default: break;
    }
    if (role == MQTLS_STORE_KEY)
        return MQTLS_ERR_CRED_NOT_PRIVATE_KEY;
    if (role == MQTLS_STORE_DH)
        return MQTLS_ERR_CRED_BAD_DH;
    return MQTLS_ERR_CRED_NOT_CERT;
}



/* The role a file would be stored for, from its content. */
static mqtls_store_role_t guess_role(const mqtls_cred_info_t *info, const mqtls_cred_cert_t *first, size_t n)
{
    if (mqtls__cred_is_private_key(info->kind))
        return MQTLS_STORE_KEY;
    if (info->kind == MQTLS_CRED_DH_PARAMS)
        return MQTLS_STORE_DH;
    if (mqtls__cred_is_cert(info->kind) && n > 0)
        return first->is_ca ? MQTLS_STORE_CA : MQTLS_STORE_CERT;
    return MQTLS_STORE_AUTO;
}

/* A certificate for the CA or the client slot: exactly one, of the right kind. */
static int32_t check_cert(const mqtls_cred_info_t *info, const mqtls_cred_cert_t *c, size_t n,
                          mqtls_store_role_t role, char *why, size_t why_len, char *warn, size_t warn_len)
{
    bool ca = role == MQTLS_STORE_CA;
    if (n != 1) {
        mqtls__cred_say(why, why_len, "%s must hold exactly one certificate, but this is %s",
            ca ? "a CA file" : "a device certificate file", info->what);
        return MQTLS_ERR_CRED_NOT_SINGLE;
    }
    if (ca && !c->is_ca) {
        mqtls__cred_say(why, why_len, "a CA certificate was expected, but this is a leaf certificate (CA:FALSE) for %s, "
            "issued by %s", c->subject, c->issuer);
        return MQTLS_ERR_CRED_NOT_CA;
    }
    if (!ca && c->is_ca) {
        mqtls__cred_say(why, why_len, "a device certificate was expected, but this is a CA certificate (CA:TRUE) for %s",
            c->subject);
        return MQTLS_ERR_CRED_NOT_LEAF;
    }
    if (ca && !c->self_signed)
        mqtls__cred_say(warn, warn_len, "the CA is an intermediate (%s, issued by %s), not a self-signed root: %s",
            c->subject, c->issuer, mqtls_sl_intermediate_note());
    mqtls__cred_say(why, why_len, "%s", c->subject);
    return MQTLS_OK;
}

/* Classify and check buf for role (guessing it when AUTO); *role is set. */
static int32_t validate(const uint8_t *buf, size_t len, mqtls_store_role_t *role, const char *password, char *why,
                        size_t why_len, char *warn, size_t warn_len)
{
    mqtls_cred_info_t info;
    int32_t rc = mqtls_cred_detect(buf, len, &info);
    if (rc != MQTLS_OK)
        return rc;
    mqtls_cred_cert_t *certs = calloc(2, sizeof *certs);
    if (certs == NULL)
        return MQTLS_ERR_NO_MEMORY;
    size_t n = 0;
    if (mqtls__cred_is_cert(info.kind)) {
        rc = mqtls_cred_inspect(buf, len, certs, 2, &n, why, why_len);
        if (rc != MQTLS_OK) {
            free(certs);
            return rc;
        }
    }
    if (*role == MQTLS_STORE_AUTO)
        *role = guess_role(&info, &certs[0], n);
    switch (*role) {
    case MQTLS_STORE_KEY:
        if (!mqtls__cred_is_private_key(info.kind))
            rc = wrong_kind(&info, *role, why, why_len);
        else if (info.kind == MQTLS_CRED_KEY_ENCRYPTED && (password == NULL || *password == '\0')) {
            mqtls__cred_say(why, why_len, "the private key is encrypted (%s) and a device cannot decrypt it: give its "
                "password (--password) to store it decrypted", info.what);
            rc = MQTLS_ERR_CRED_ENCRYPTED;
        }
        break;
    case MQTLS_STORE_CA:
    case MQTLS_STORE_CERT:
        rc = mqtls__cred_is_cert(info.kind) ? check_cert(&info, &certs[0], n, *role, why, why_len, warn, warn_len)
                                     : wrong_kind(&info, *role, why, why_len);
        break;
    case MQTLS_STORE_DH: break; /* dh_to_der parses it */
    default: rc = wrong_kind(&info, MQTLS_STORE_AUTO, why, why_len); break;
    }
    free(certs);
    return rc;
}

/* ---- atomic write -------------------------------------------------------------------- */

static int32_t fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return MQTLS_ERR_CRED_IO;
    int rc = fsync(fd);
    close(fd);
    return rc == 0 ? MQTLS_OK : MQTLS_ERR_CRED_IO;
}

static int32_t make_dirs(const char *dir, char *certdir, size_t len)
{
    int n = snprintf(certdir, len, "%s/cert", dir);
    if (n < 0 || (size_t)n >= len)
        return MQTLS_ERR_BUFFER_TOO_SMALL;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return MQTLS_ERR_CRED_IO;
    if (mkdir(certdir, 0755) != 0 && errno != EEXIST)
        return MQTLS_ERR_CRED_IO;
    return MQTLS_OK;
}

static int32_t write_fd(int fd, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, buf, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return MQTLS_ERR_CRED_IO;
        buf += w;
        len -= (size_t)w;
    }
    return fsync(fd) == 0 ? MQTLS_OK : MQTLS_ERR_CRED_IO;
}

/*
 * Test hook: MQTLS_STORE_TEST_CRASH=after-write makes a put abort() once the
 * temporary file is written and fsync'ed but before the rename, the worst
 * moment for a crash. tests/integration/test_cred_store.sh uses it to show
 * the previous file survives intact. Never set it outside tests.
 */
static void crash_hook(void)
{
    const char *c = getenv("MQTLS_STORE_TEST_CRASH");
    if (c != NULL && strcmp(c, "after-write") == 0)
        abort();
}

static int32_t write_atomic(const char *dir, const char *entry, const uint8_t *buf, size_t len, mode_t mode,
                            char *why, size_t why_len)
{
    char certdir[600], tmp[720], path[720];
    int32_t rc = make_dirs(dir, certdir, sizeof certdir);
    if (rc == MQTLS_OK)
        rc = mqtls_store_path(dir, entry, path, sizeof path);
    if (rc != MQTLS_OK) {
        mqtls__cred_say(why, why_len, "cannot create the store directory %s/cert: %s", dir, strerror(errno));
        return rc;
    }
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld", certdir, entry, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        mqtls__cred_say(why, why_len, "cannot create %s: %s", tmp, strerror(errno));
        return MQTLS_ERR_CRED_IO;
    }
    rc = write_fd(fd, buf, len);
    int saved = errno;
    if (close(fd) != 0 && rc == MQTLS_OK)
        rc = MQTLS_ERR_CRED_IO;
    if (rc == MQTLS_OK) {
        crash_hook();
        if (rename(tmp, path) != 0) {
            saved = errno;
            rc = MQTLS_ERR_CRED_IO;
        }
    }
    if (rc != MQTLS_OK) {
        unlink(tmp);
        mqtls__cred_say(why, why_len, "cannot write %s: %s", path, strerror(saved));
        return rc;
    }
    rc = fsync_dir(certdir);
    if (rc != MQTLS_OK)
        mqtls__cred_say(why, why_len, "cannot sync the directory %s: %s", certdir, strerror(errno));
    return rc;
}

/* ---- describing a stored file (list and check share it) --------------------------------- */

typedef struct {
    mqtls_store_role_t role;      /* detected; AUTO if unusable */
    int32_t err;                  /* why it is unusable as a device file */
    char summary[256];
    mqtls_cred_cert_t cert;       /* certificates only */
    bool has_cert;
    bool pkcs8;                   /* a key in PKCS#8, where the chip reads PKCS#1/SEC1 */
} described_t;

static void describe_key(const uint8_t *buf, size_t len, const mqtls_cred_info_t *info, described_t *d)
{
    mqtls_cred_cert_t *k = calloc(1, sizeof *k);
    char why[200] = "";
    if (k == NULL) {
        d->err = MQTLS_ERR_NO_MEMORY;
        return;
    }
    d->role = MQTLS_STORE_KEY;
    if (info->kind == MQTLS_CRED_KEY_ENCRYPTED) {
        d->err = MQTLS_ERR_CRED_ENCRYPTED;
        mqtls__cred_say(d->summary, sizeof d->summary, "an encrypted private key: a device cannot decrypt it");
    } else if ((d->err = mqtls_cred_inspect_key(buf, len, NULL, k, why, sizeof why)) != MQTLS_OK) {
        mqtls__cred_say(d->summary, sizeof d->summary, "%s", why);
    } else if (k->curve[0] != '\0') {
        mqtls__cred_say(d->summary, sizeof d->summary, "%s, %s", mqtls_cred_kind_name(info->kind), k->curve);
    } else {
        mqtls__cred_say(d->summary, sizeof d->summary, "%s, %u bits", mqtls_cred_kind_name(info->kind), (unsigned)k->key_bits);
    }
    if (d->err == MQTLS_OK && info->kind == MQTLS_CRED_KEY_PKCS8) {
        size_t used = strlen(d->summary);
        mqtls__cred_say(d->summary + used, sizeof d->summary - used, " -- warning: %s", mqtls_sl_pkcs8_note());
        d->pkcs8 = true;
    }
    free(k);
}

static void describe_cert(const uint8_t *buf, size_t len, const mqtls_cred_info_t *info, described_t *d)
{
    size_t n = 0;
    char why[200] = "";
    d->err = mqtls_cred_inspect(buf, len, &d->cert, 1, &n, why, sizeof why);
    if (d->err != MQTLS_OK) {
        mqtls__cred_say(d->summary, sizeof d->summary, "%s", why);
        return;
    }
    d->has_cert = true;
    d->role = d->cert.is_ca ? MQTLS_STORE_CA : MQTLS_STORE_CERT;
    if (n != 1) {
        d->err = MQTLS_ERR_CRED_NOT_SINGLE;
        mqtls__cred_say(d->summary, sizeof d->summary, "%s, not one certificate", info->what);
        return;
    }
    mqtls__cred_say(d->summary, sizeof d->summary, "%s", d->cert.subject);
}

/* What a stored file is, judged as a device would: DER only. */
static void describe(const uint8_t *buf, size_t len, described_t *d)
{
    memset(d, 0, sizeof *d);
    mqtls_cred_info_t info;
    if ((d->err = mqtls_cred_detect(buf, len, &info)) != MQTLS_OK)
        return;
    uint8_t *dh = NULL;
    size_t dh_len = 0;
    if (mqtls__cred_is_private_key(info.kind))
        describe_key(buf, len, &info, d);
    else if (mqtls__cred_is_cert(info.kind))
        describe_cert(buf, len, &info, d);
    else if (dh_to_der(buf, len, &dh, &dh_len, d->summary, sizeof d->summary) == MQTLS_OK)
        d->role = MQTLS_STORE_DH;
    else {
        d->err = wrong_kind(&info, MQTLS_STORE_CERT, NULL, 0);
        mqtls__cred_say(d->summary, sizeof d->summary, "not a device credential: %s", info.what);
    }
    free(dh);
    if (d->err == MQTLS_OK && info.encoding == MQTLS_TLS_FORMAT_PEM) {
        d->err = MQTLS_ERR_TLS_CA_FORMAT;
        mqtls__cred_say(d->summary, sizeof d->summary, "PEM, but a device needs DER: %s", info.what);
    }
}

/* ---- put / rm / tls_config -------------------------------------------------------------- */

static int32_t to_der(const uint8_t *buf, size_t len, mqtls_store_role_t role, const char *password, uint8_t **der,
                      size_t *der_len, char *why, size_t why_len)
{
    if (role == MQTLS_STORE_DH)
        return dh_to_der(buf, len, der, der_len, why, why_len);
    char sub[256];
    mqtls__cred_say(sub, sizeof sub, "%s", why != NULL ? why : "");
    int32_t rc = mqtls_cred_convert(buf, len, MQTLS_TLS_FORMAT_DER, MQTLS_CRED_KEY_DEVICE, password, der, der_len, why,
                                    why_len);
    if (rc == MQTLS_OK)
        mqtls__cred_say(why, why_len, "%s", sub); /* keep the summary validate() left */
    return rc;
}

/* A key stored in another form than it came in: say so ("converted PKCS#8 -> PKCS#1"). */
static void say_key_conversion(const uint8_t *in, size_t in_len, const uint8_t *der, size_t der_len, char *warn,
                               size_t warn_len)
{
    mqtls_cred_info_t a, b;
    if (mqtls_cred_detect(in, in_len, &a) != MQTLS_OK || mqtls_cred_detect(der, der_len, &b) != MQTLS_OK)
        return;
    bool from8 = a.kind == MQTLS_CRED_KEY_PKCS8 || a.kind == MQTLS_CRED_KEY_ENCRYPTED;
    if (!from8 || a.kind == b.kind || warn == NULL)
        return;
    size_t used = strlen(warn);
    mqtls__cred_say(warn + used, warn_len - used, "%sconverted %sPKCS#8 \u2192 %s, the form a CC3200 reads",
        used > 0 ? "; " : "", a.kind == MQTLS_CRED_KEY_ENCRYPTED ? "encrypted " : "",
        b.kind == MQTLS_CRED_KEY_PKCS1 ? "PKCS#1" : "SEC1");
}

/* "ca: O=Example, CN=Root" for the caller to show what was stored. */
static void summarize(const uint8_t *der, size_t len, mqtls_store_role_t role, char *why, size_t why_len)
{
    described_t *d = malloc(sizeof *d);
    if (d == NULL)
        return;
    describe(der, len, d);
    mqtls__cred_say(why, why_len, "%s: %s", mqtls_store_role_name(role), d->summary);
    free(d);
}

int32_t mqtls_store_put(const char *dir, const char *entry, const uint8_t *buf, size_t len, mqtls_store_role_t role,
                        const char *password, char *why, size_t why_len, char *warn, size_t warn_len)
{
    mqtls__cred_say(why, why_len, "%s", "");
    mqtls__cred_say(warn, warn_len, "%s", "");
    if (dir == NULL || (buf == NULL && len > 0))
        return MQTLS_ERR_INVALID_ARG;
    if (!entry_ok(entry)) {
        mqtls__cred_say(why, why_len, "'%s' is not a store entry: %s", entry != NULL ? entry : "(null)",
            mqtls_strerror(MQTLS_ERR_STORE_BAD_NAME));
        return MQTLS_ERR_STORE_BAD_NAME;
    }
    if (buf == NULL)
        buf = (const uint8_t *)"";
    int32_t rc = validate(buf, len, &role, password, why, why_len, warn, warn_len);
    uint8_t *der = NULL;
    size_t der_len = 0;
    if (rc == MQTLS_OK)
        rc = to_der(buf, len, role, password, &der, &der_len, why, why_len);
    if (rc == MQTLS_OK && role == MQTLS_STORE_KEY)
        say_key_conversion(buf, len, der, der_len, warn, warn_len);
    if (rc == MQTLS_OK)
        rc = write_atomic(dir, entry, der, der_len, role == MQTLS_STORE_KEY ? 0600 : 0644, why, why_len);
    if (rc == MQTLS_OK)
        summarize(der, der_len, role, why, why_len);
    free(der);
    return rc;
}

int32_t mqtls_store_rm(const char *dir, const char *entry)
{
    char path[720], certdir[600];
    int32_t rc = mqtls_store_path(dir, entry, path, sizeof path);
    if (rc != MQTLS_OK)
        return rc;
    if (unlink(path) != 0)
        return errno == ENOENT ? MQTLS_ERR_STORE_NOT_FOUND : MQTLS_ERR_CRED_IO;
    snprintf(certdir, sizeof certdir, "%s/cert", dir);
    return fsync_dir(certdir);
}

static int32_t id_path(const char *dir, uint16_t id, char *buf, size_t len)
{
    char entry[8];
    if (id == 0 || id > 255)
        return MQTLS_ERR_STORE_BAD_NAME;
    snprintf(entry, sizeof entry, "%u", (unsigned)id);
    return mqtls_store_path(dir, entry, buf, len);
}

int32_t mqtls_store_tls_config(const char *dir, const uint16_t ids[4], char paths[4][512], mqtls_tls_config_t *cfg)
{
    if (dir == NULL || ids == NULL || paths == NULL || cfg == NULL)
        return MQTLS_ERR_INVALID_ARG;
    for (int i = 0; i < 4; i++) {
        paths[i][0] = '\0';
        if (ids[i] == 0)
            continue;
        int32_t rc = id_path(dir, ids[i], paths[i], 512);
        if (rc != MQTLS_OK)
            return rc;
        if (access(paths[i], R_OK) != 0)
            return errno == ENOENT ? MQTLS_ERR_STORE_NOT_FOUND : MQTLS_ERR_CRED_IO;
    }
    /* DH (ids[3]) has no place in a client configuration: checked, not used. */
    cfg->key_file = ids[0] != 0 ? paths[0] : NULL;
    cfg->key_format = MQTLS_TLS_FORMAT_DER;
    cfg->cert_file = ids[1] != 0 ? paths[1] : NULL;
    cfg->cert_format = MQTLS_TLS_FORMAT_DER;
    cfg->ca_file = ids[2] != 0 ? paths[2] : NULL;
    cfg->ca_format = MQTLS_TLS_FORMAT_DER;
    return MQTLS_OK;
}

/* ---- export ------------------------------------------------------------------------------ */

static int32_t dh_to_pem(const uint8_t *der, size_t len, uint8_t **out, size_t *out_len)
{
    size_t cap = len * 2 + 128, olen = 0; /* base64 with line breaks, plus the armour */
    uint8_t *buf = malloc(cap);
    if (buf == NULL)
        return MQTLS_ERR_NO_MEMORY;
    char begin[48], end[48];
    snprintf(begin, sizeof begin, "%s\n", dh_pem_begin);
    snprintf(end, sizeof end, "%s\n", dh_pem_end);
    if (mbedtls_pem_write_buffer(begin, end, der, len, buf, cap, &olen) != 0) {
        free(buf);
        return MQTLS_ERR_INTERNAL;
    }
    *out = buf;
    *out_len = olen > 0 ? olen - 1 : 0; /* olen counts the NUL */
    return MQTLS_OK;
}

int32_t mqtls_store_export(const char *dir, const char *entry, bool pem, uint8_t **out, size_t *out_len, char *why,
                           size_t why_len)
{
    char path[720];
    uint8_t *buf = NULL;
    size_t len = 0;
    mqtls__cred_say(why, why_len, "%s", "");
    if (out == NULL || out_len == NULL)
        return MQTLS_ERR_INVALID_ARG;
    int32_t rc = mqtls_store_path(dir, entry, path, sizeof path);
    if (rc == MQTLS_OK)
        rc = read_file(path, &buf, &len);
    if (rc != MQTLS_OK || !pem) {
        *out = buf;
        *out_len = len;
        return rc;
    }
    described_t *d = malloc(sizeof *d);
    if (d == NULL) {
        free(buf);
        return MQTLS_ERR_NO_MEMORY;
    }
    describe(buf, len, d);
    if (d->role == MQTLS_STORE_DH && d->err == MQTLS_OK)
        rc = dh_to_pem(buf, len, out, out_len);
    else
        rc = mqtls_cred_convert(buf, len, MQTLS_TLS_FORMAT_PEM, MQTLS_CRED_KEY_DEVICE, NULL, out, out_len, why,
                                why_len);
    free(d);
    free(buf);
    return rc;
}

/* ---- list --------------------------------------------------------------------------------- */

static int entry_cmp(const void *a, const void *b)
{
    const mqtls_store_entry_t *x = a, *y = b;
    if (x->id != 0 || y->id != 0) {
        if (x->id == 0)
            return 1;
        if (y->id == 0)
            return -1;
        return (int)x->id - (int)y->id;
    }
    return strcmp(x->entry, y->entry);
}

/* "<entry>.der" with a valid entry: copies the entry; false for anything else. */
static bool entry_of(const char *fname, char *entry, size_t len)
{
    size_t n = strlen(fname);
    if (n <= 4 || n - 4 >= len || strcmp(fname + n - 4, ".der") != 0)
        return false;
    memcpy(entry, fname, n - 4);
    entry[n - 4] = '\0';
    return entry_ok(entry);
}

static void fill_entry(const char *dir, mqtls_store_entry_t *e)
{
    char path[720];
    uint8_t *buf = NULL;
    size_t len = 0;
    e->id = (uint16_t)(all_digits(e->entry) ? entry_id(e->entry) : 0);
    if (mqtls_store_path(dir, e->entry, path, sizeof path) != MQTLS_OK ||
        read_file(path, &buf, &len) != MQTLS_OK) {
        mqtls__cred_say(e->summary, sizeof e->summary, "unreadable");
        return;
    }
    described_t *d = malloc(sizeof *d);
    if (d != NULL) {
        describe(buf, len, d);
        e->size = len;
        e->role = d->role;
        e->ok = d->err == MQTLS_OK;
        mqtls__cred_say(e->summary, sizeof e->summary, "%s", d->summary[0] != '\0' ? d->summary : mqtls_strerror(d->err));
        if (d->has_cert) {
            mqtls__cred_say(e->not_after, sizeof e->not_after, "%s", d->cert.not_after);
            e->not_after_unix = d->cert.not_after_unix;
        }
    }
    free(d);
    free(buf);
}

static int32_t grow(mqtls_store_entry_t **v, size_t *cap, size_t n)
{
    if (n < *cap)
        return MQTLS_OK;
    size_t ncap = *cap == 0 ? 16 : *cap * 2;
    mqtls_store_entry_t *nv = realloc(*v, ncap * sizeof *nv);
    if (nv == NULL)
        return MQTLS_ERR_NO_MEMORY;
    *v = nv;
    *cap = ncap;
    return MQTLS_OK;
}

int32_t mqtls_store_list(const char *dir, mqtls_store_entry_t **entries, size_t *n)
{
    if (dir == NULL || entries == NULL || n == NULL)
        return MQTLS_ERR_INVALID_ARG;
    *entries = NULL;
    *n = 0;
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return MQTLS_ERR_STORE_NOT_FOUND;
    char certdir[600];
    snprintf(certdir, sizeof certdir, "%s/cert", dir);
    DIR *dp = opendir(certdir);
    if (dp == NULL)
        return errno == ENOENT ? MQTLS_OK : MQTLS_ERR_CRED_IO;
    size_t cap = 0;
    int32_t rc = MQTLS_OK;
    for (struct dirent *de; rc == MQTLS_OK && (de = readdir(dp)) != NULL;) {
        char entry[128];
        if (!entry_of(de->d_name, entry, sizeof entry))
            continue; /* ".x.tmp.123", "README", ... */
        if ((rc = grow(entries, &cap, *n)) != MQTLS_OK)
            break;
        mqtls_store_entry_t *e = &(*entries)[*n];
        memset(e, 0, sizeof *e);
        mqtls__cred_say(e->entry, sizeof e->entry, "%s", entry);
        fill_entry(dir, e);
        (*n)++;
    }
    closedir(dp);
    if (rc != MQTLS_OK) {
        free(*entries);
        *entries = NULL;
        *n = 0;
        return rc;
    }
    if (*n > 1)
        qsort(*entries, *n, sizeof **entries, entry_cmp);
    return MQTLS_OK;
}

/* ---- check ---------------------------------------------------------------------------------- */

enum { SLOT_KEY = 0, SLOT_CERT = 1, SLOT_CA = 2, SLOT_DH = 3 };

static const char *const slot_names[4] = { "key", "cert", "ca", "dh" };
static const mqtls_store_role_t slot_roles[4] = { MQTLS_STORE_KEY, MQTLS_STORE_CERT, MQTLS_STORE_CA, MQTLS_STORE_DH };
/* What a CC3200 reports when the file of each slot is bad. */
static const char *const slot_sl_error[4] = { "-458 SL_ESECBADPRIVATEFILE", "-457 SL_ESECBADCERTFILE",
                                              "-456 SL_ESECBADCAFILE", "-459 SL_ESECBADDHFILE" };

typedef struct {
    mqtls_store_check_t *out;
    int32_t first_err;
    uint8_t *buf[4];
    size_t len[4];
    described_t d[4];
    bool usable[4];
} check_ctx_t;

static void problem(check_ctx_t *c, int slot, int32_t err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Record a problem: for the set, and on the slot's file when it has one. */
static void problem(check_ctx_t *c, int slot, int32_t err, const char *fmt, ...)
{
    char text[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    mqtls_store_check_t *o = c->out;
    o->ok = false;
    if (c->first_err == MQTLS_OK)
        c->first_err = err;
    if (o->n_problems < MQTLS_STORE_MAX_PROBLEMS)
        mqtls__cred_say(o->problems[o->n_problems], sizeof o->problems[0], "%s", text);
    o->n_problems++;
    if (slot < 0)
        return;
    mqtls_store_check_file_t *f = &o->files[slot];
    f->ok = false;
    size_t used = strlen(f->problem);
    mqtls__cred_say(f->problem + used, sizeof f->problem - used, "%s%s", used > 0 ? "; " : "", text);
}

static void check_one(check_ctx_t *c, int slot, const char *dir)
{
    mqtls_store_check_file_t *f = &c->out->files[slot];
    int32_t rc = id_path(dir, f->id, f->path, sizeof f->path);
    if (rc == MQTLS_OK)
        rc = read_file(f->path, &c->buf[slot], &c->len[slot]);
    if (rc != MQTLS_OK) {
        problem(c, slot, rc, "%s %u: %s: %s (the device would report %s)", slot_names[slot], (unsigned)f->id,
                f->path, rc == MQTLS_ERR_STORE_NOT_FOUND ? "no such file" : mqtls_strerror(rc), slot_sl_error[slot]);
        return;
    }
    described_t *d = &c->d[slot];
    describe(c->buf[slot], c->len[slot], d);
    if (d->err != MQTLS_OK) {
        problem(c, slot, d->err, "%s %u: %s (the device would report %s)", slot_names[slot], (unsigned)f->id,
                d->summary, slot_sl_error[slot]);
    } else if (d->role != slot_roles[slot]) {
        problem(c, slot, MQTLS_ERR_STORE_ROLE, "%s %u: holds %s (%s), not %s (the device would report %s)",
                slot_names[slot], (unsigned)f->id, role_desc(d->role), d->summary, role_desc(slot_roles[slot]),
                slot_sl_error[slot]);
    } else {
        c->usable[slot] = true;
    }
}

static void check_validity(check_ctx_t *c, int slot, int64_t at)
{
    if (!c->usable[slot] || !c->d[slot].has_cert)
        return;
    const mqtls_cred_cert_t *k = &c->d[slot].cert;
    unsigned id = c->out->files[slot].id;
    bool own = slot == SLOT_CERT;
    if (at < k->not_before_unix)
        problem(c, slot, MQTLS_ERR_CRED_NOT_YET_VALID, "%s %u: not valid yet at the device time: valid from %s (%s)",
                slot_names[slot], id, k->not_before, own ? mqtls_sl_own_cert_date_note()
                : "the device would report -461 SL_ESECDATEERROR for a server chain that ends at it");
    else if (at > k->not_after_unix)
        problem(c, slot, MQTLS_ERR_CRED_EXPIRED, "%s %u: expired at the device time: valid until %s%s%s%s",
                slot_names[slot], id, k->not_after, own ? " (" : "", own ? mqtls_sl_own_cert_date_note() : "",
                own ? ")" : "");
}

static void check_pairs(check_ctx_t *c, int64_t at)
{
    char why[256] = "";
    unsigned kid = c->out->files[SLOT_KEY].id, cid = c->out->files[SLOT_CERT].id, aid = c->out->files[SLOT_CA].id;
    if (c->usable[SLOT_KEY] && c->usable[SLOT_CERT]) {
        int32_t rc = mqtls_cred_match(c->buf[SLOT_CERT], c->len[SLOT_CERT], c->buf[SLOT_KEY], c->len[SLOT_KEY], NULL,
                                      why, sizeof why);
        if (rc != MQTLS_OK)
            problem(c, SLOT_KEY, rc, "key %u does not belong to certificate %u (%s)", kid, cid,
                    why[0] != '\0' ? why : mqtls_strerror(rc));
    }
    if (c->usable[SLOT_CERT] && c->usable[SLOT_CA]) {
        uint32_t flags = 0;
        why[0] = '\0';
        int32_t rc = mqtls_cred_verify(c->buf[SLOT_CERT], c->len[SLOT_CERT], c->buf[SLOT_CA], c->len[SLOT_CA], NULL,
                                       0, at, &flags, why, sizeof why);
        /* Validity is reported per certificate by check_validity. */
        bool time_only = rc == MQTLS_ERR_CRED_EXPIRED || rc == MQTLS_ERR_CRED_NOT_YET_VALID;
        /* The CA slot verifies the *server*; the device's own certificate may
         * well come from another CA (AWS IoT signs devices with its own CA).
         * So this is a note, not a failure. */
        if (rc != MQTLS_OK && (!time_only || (flags & (MQTLS_TLS_VERIFY_NOT_TRUSTED | MQTLS_TLS_VERIFY_BAD_SIGNATURE))) &&
            c->out->n_notes < sizeof c->out->notes / sizeof c->out->notes[0])
            mqtls__cred_say(c->out->notes[c->out->n_notes++], sizeof c->out->notes[0],
                "cert %u does not chain to CA %u: it was issued by %s, the CA is %s (fine if the broker trusts "
                "another CA for devices, as AWS IoT does; a broker that trusts only CA %u will reject it)",
                cid, aid, c->d[SLOT_CERT].cert.issuer, c->d[SLOT_CA].cert.subject, aid);
    }
}

/* The NWP's rule (mqtls/slcodes.h): an intermediate CA file works only for a
 * server that does not send it; said as a note, the server is not known here. */
static void check_intermediate(check_ctx_t *c)
{
    mqtls_store_check_t *o = c->out;
    const mqtls_cred_cert_t *k = &c->d[SLOT_CA].cert;
    if (!c->usable[SLOT_CA] || !c->d[SLOT_CA].has_cert || k->self_signed ||
        o->n_notes >= sizeof o->notes / sizeof o->notes[0])
        return;
    mqtls__cred_say(o->notes[o->n_notes++], sizeof o->notes[0], "ca %u is an intermediate (%s, issued by %s): %s",
        (unsigned)o->files[SLOT_CA].id, k->subject, k->issuer, mqtls_sl_intermediate_note());
}

static void check_slots_present(check_ctx_t *c)
{
    const mqtls_store_check_file_t *f = c->out->files;
    if (f[SLOT_KEY].id != 0 && f[SLOT_CERT].id == 0)
        problem(c, -1, MQTLS_ERR_TLS_BAD_CONFIG, "a private key (%u) without a certificate: the device cannot "
                "authenticate itself", (unsigned)f[SLOT_KEY].id);
    if (f[SLOT_CERT].id != 0 && f[SLOT_KEY].id == 0)
        problem(c, -1, MQTLS_ERR_TLS_BAD_CONFIG, "a certificate (%u) without a private key: the device cannot "
                "authenticate itself", (unsigned)f[SLOT_CERT].id);
    if (f[SLOT_CA].id == 0)
        problem(c, -1, MQTLS_ERR_TLS_BAD_CONFIG, "no CA file (ID 0): the device would connect without verifying "
                "the server (-453 SL_ESECSNOVERIFY)");
}

int32_t mqtls_store_check(const char *dir, const uint16_t ids[4], int64_t at, mqtls_store_check_t *out)
{
    if (dir == NULL || ids == NULL || out == NULL)
        return MQTLS_ERR_INVALID_ARG;
    for (int i = 0; i < 4; i++)
        if (ids[i] > 255)
            return MQTLS_ERR_STORE_BAD_NAME;
    if (at == MQTLS_CRED_NOW)
        at = (int64_t)time(NULL);
    memset(out, 0, sizeof *out);
    out->ok = true;
    check_ctx_t *c = calloc(1, sizeof *c);
    if (c == NULL)
        return MQTLS_ERR_NO_MEMORY;
    c->out = out;
    for (int i = 0; i < 4; i++) {
        out->files[i].slot = slot_names[i];
        out->files[i].id = ids[i];
        out->files[i].ok = true;
        if (ids[i] != 0)
            check_one(c, i, dir);
    }
    check_slots_present(c);
    check_pairs(c, at);
    check_validity(c, SLOT_CERT, at);
    check_validity(c, SLOT_CA, at);
    check_intermediate(c);
    if (c->usable[SLOT_KEY] && c->d[SLOT_KEY].pkcs8 && out->n_notes < sizeof out->notes / sizeof out->notes[0])
        mqtls__cred_say(out->notes[out->n_notes++], sizeof out->notes[0], "key %u is %s", (unsigned)ids[SLOT_KEY],
            mqtls_sl_pkcs8_note());
    int32_t rc = c->first_err;
    for (int i = 0; i < 4; i++)
        free(c->buf[i]);
    free(c);
    return rc;
}
