/* SPDX-License-Identifier: MIT
 * mqtls: the POSIX port of the TLS layer (clock, wall clock, entropy, files). */
/*
 * see mqtls/tls.h (mqtls_tls_hooks_t). src/tls calls no POSIX function: on
 * a host these are the defaults it gets for every hook a configuration
 * leaves NULL, which is why cfg.ca_file = "root.pem" works as it always
 * has. A firmware port has no file system and gives bytes instead.
 *
 * Files are read whole into memory, with a NUL after the last byte (PEM
 * parsers want one), and wiped before they are freed: a key file's bytes
 * must not linger in the heap. Rejected: mmap (a credential is a few KB,
 * and a FIFO or /dev file would not map), and mbedtls_x509_crt_parse_path
 * (it needs MBEDTLS_FS_IO, and it would put file access back into the
 * engine).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "tls/tls_priv.h"

/* Larger than any credential; a bigger "file" is a mistake (/dev/zero). */
#define MAX_FILE (64u << 20)

static uint32_t posix_now_ms(void *unused)
{
    (void)unused;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static int64_t posix_unix_time(void *unused)
{
    (void)unused;
    time_t now = time(NULL);
    return now == (time_t)-1 ? 0 : (int64_t)now;
}

static int32_t posix_entropy(void *unused, uint8_t *buf, size_t len)
{
    (void)unused;
    while (len > 0u) {
        ssize_t n = getrandom(buf, len, 0);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return MQTLS_ERR_TLS_BAD_CONFIG;
        }
        buf += n;
        len -= (size_t)n;
    }
    return MQTLS_OK;
}

static void wipe_free(uint8_t *b, size_t len)
{
    if (b != NULL) {
        volatile uint8_t *v = b;
        for (size_t i = 0; i < len; i++) {
            v[i] = 0;
        }
        free(b);
    }
}

/* The whole file, NUL-terminated, malloc'd; NULL with errno-style text in why. */
static uint8_t *slurp(const char *path, size_t *len, char *why, size_t why_len)
{
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(why, why_len, "%s: %s", path, strerror(errno));
        return NULL;
    }
    size_t cap = 4096, n = 0;
    uint8_t *b = malloc(cap + 1);
    while (b != NULL) {
        n += fread(b + n, 1, cap - n, f);
        if (n < cap) {
            break;
        }
        uint8_t *bigger = cap > MAX_FILE ? NULL : malloc(cap * 2 + 1);
        if (bigger != NULL) {
            memcpy(bigger, b, n);
        }
        wipe_free(b, n);
        b = bigger;
        cap *= 2;
    }
    bool failed = b == NULL || ferror(f);
    fclose(f);
    if (failed) {
        wipe_free(b, n);
        snprintf(why, why_len, "%s: cannot read the file (or larger than 64 MiB)", path);
        return NULL;
    }
    b[n] = 0;
    *len = n;
    return b;
}

static int32_t load_one(const char *path, mqtls_tls_each_fn each, void *ctx, char *why, size_t why_len)
{
    size_t len;
    uint8_t *b = slurp(path, &len, why, why_len);
    if (b == NULL) {
        return MQTLS_ERR_INVALID_ARG;
    }
    int32_t rc = each(ctx, path, b, len);
    wipe_free(b, len);
    return rc;
}

static int32_t load_dir(const char *dir, mqtls_tls_each_fn each, void *ctx, char *why, size_t why_len)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        snprintf(why, why_len, "%s: %s", dir, strerror(errno));
        return MQTLS_ERR_INVALID_ARG;
    }
    int32_t rc = MQTLS_OK;
    char path[4096];
    struct dirent *e;
    while (rc == MQTLS_OK && (e = readdir(d)) != NULL) {
        struct stat st;
        int n = snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (n < 0 || (size_t)n >= sizeof path || stat(path, &st) != 0 || !S_ISREG(st.st_mode)) {
            continue; /* ".", "..", subdirectories, dangling links */
        }
        char ignored[8];
        size_t len;
        uint8_t *b = slurp(path, &len, ignored, sizeof ignored);
        if (b != NULL) { /* an unreadable file is skipped, as a bad one */
            rc = each(ctx, path, b, len);
            wipe_free(b, len);
        }
    }
    closedir(d);
    return rc;
}

static int32_t posix_load(void *unused, const char *path, bool dir, mqtls_tls_each_fn each, void *ctx, char *why,
                          size_t why_len)
{
    (void)unused;
    return dir ? load_dir(path, each, ctx, why, why_len) : load_one(path, each, ctx, why, why_len);
}

const mqtls_tls_hooks_t *mqtls_tls_port_hooks(void)
{
    static const mqtls_tls_hooks_t posix = {
        .now_ms = posix_now_ms,
        .unix_time = posix_unix_time,
        .entropy = posix_entropy,
        .load = posix_load,
        .user = NULL,
    };
    return &posix;
}
