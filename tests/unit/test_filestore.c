/* SPDX-License-Identifier: MIT
 * mqtls tests: the file store (reopen, torn tails, damage, compaction, kill -9). */
/*
 * Real files in a fresh directory per test (mkdtemp). The torn-tail test
 * cuts the log at every byte offset of its last record, for each kind of
 * record, and checks that the store opens as it was before that record.
 * The kill test forks a writer that reports each acknowledged operation
 * through a pipe, kills it with SIGKILL mid-stream, and checks that the
 * reopened store holds every acknowledged record, in order, and nothing it
 * was told to forget.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mqtls/error.h"
#include "mqtls/filestore.h"
#include "store_conformance.h"

/* ---- temporary directories --------------------------------------------------- */

static void tmp_dir(char *out, size_t n)
{
    const char *base = getenv("TMPDIR");
    snprintf(out, n, "%s/mqtls-fs-XXXXXX", base != NULL && base[0] != '\0' ? base : "/tmp");
    assert_non_null(mkdtemp(out));
}

static void rm_store(const char *dir)
{
    static const char *names[] = {"msgstore.log", "msgstore.tmp", "msgstore.lock"};
    char p[512];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        (void)unlink(p);
    }
    assert_int_equal(rmdir(dir), 0);
}

static void log_path(char *out, size_t n, const char *dir)
{
    snprintf(out, n, "%s/msgstore.log", dir);
}

static long file_size(const char *dir)
{
    char p[512];
    struct stat st;
    log_path(p, sizeof p, dir);
    assert_int_equal(stat(p, &st), 0);
    return (long)st.st_size;
}

static uint8_t *read_log(const char *dir, long *len)
{
    char p[512];
    log_path(p, sizeof p, dir);
    FILE *f = fopen(p, "rb");
    assert_non_null(f);
    *len = file_size(dir);
    uint8_t *b = malloc((size_t)*len + 1u);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)*len, f), (size_t)*len);
    fclose(f);
    return b;
}

static void write_log(const char *dir, const uint8_t *b, long len)
{
    char p[512];
    log_path(p, sizeof p, dir);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
}

/* ---- conformance ---------------------------------------------------------------- */

typedef struct {
    char dir[256];
    uint32_t flags;
    mqtls_filestore_t *fs;
} fs_ctx_t;

static void fs_open(conf_store_t *cs, mqtls_msgstore_t *out)
{
    fs_ctx_t *c = cs->ctx;
    tmp_dir(c->dir, sizeof c->dir);
    assert_int_equal(mqtls_filestore_open(&c->fs, c->dir, c->flags, out), MQTLS_OK);
}

static void fs_reopen(conf_store_t *cs, mqtls_msgstore_t *out)
{
    fs_ctx_t *c = cs->ctx;
    mqtls_filestore_close(c->fs);
    assert_int_equal(mqtls_filestore_open(&c->fs, c->dir, c->flags, out), MQTLS_OK);
}

static void fs_close(conf_store_t *cs)
{
    fs_ctx_t *c = cs->ctx;
    mqtls_filestore_close(c->fs);
    c->fs = NULL;
    rm_store(c->dir);
}

static fs_ctx_t ctx_plain = {"", 0, NULL};
static fs_ctx_t ctx_sync = {"", MQTLS_FILESTORE_FSYNC, NULL};
static conf_store_t conf_file = {"filestore", &ctx_plain, fs_open, fs_reopen, fs_close, 0};
static conf_store_t conf_file_sync = {"filestore+fsync", &ctx_sync, fs_open, fs_reopen, fs_close, 0};

/* ---- helpers -------------------------------------------------------------------- */

static void put_n(const mqtls_msgstore_t *st, uint16_t id, size_t len)
{
    uint8_t b[2048];
    assert_true(len <= sizeof b);
    conf_fill(b, len, id, 77);
    assert_int_equal(st->put(st->ctx, id, b, len), MQTLS_OK);
}

static void check_bytes(const mqtls_msgstore_t *st, uint16_t id, size_t len)
{
    uint8_t want[2048], got[2048];
    conf_fill(want, len, id, 77);
    assert_int_equal(st->get(st->ctx, id, got, sizeof got), (int32_t)len);
    assert_memory_equal(got, want, len);
}

static void list_str(const mqtls_msgstore_t *st, char *out, size_t n)
{
    conf_list_t l;
    conf_list(st, &l);
    out[0] = '\0';
    for (size_t i = 0; i < l.n; i++) {
        char one[16];
        char k = l.kind[i] == MQTLS_MSG_PUBLISH ? 'P' : l.kind[i] == MQTLS_MSG_PUBREL ? 'R' : 'I';
        snprintf(one, sizeof one, "%s%c%u", i ? " " : "", k, l.id[i]);
        strncat(out, one, n - strlen(out) - 1u);
    }
}

/* ---- tests ---------------------------------------------------------------------- */

static void open_creates_nested_directory_and_rejects_bad_args(void **state)
{
    (void)state;
    char base[256], dir[300];
    mqtls_filestore_t *fs = (void *)1;
    mqtls_msgstore_t st;
    tmp_dir(base, sizeof base);
    snprintf(dir, sizeof dir, "%s/a/b", base);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    put_n(&st, 1, 10);
    mqtls_filestore_close(fs);
    assert_int_equal(mqtls_filestore_open(&fs, NULL, 0, &st), MQTLS_ERR_INVALID_ARG);
    assert_null(fs);
    assert_int_equal(mqtls_filestore_open(&fs, "", 0, &st), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0x80, &st), MQTLS_ERR_INVALID_ARG);
    assert_int_equal(mqtls_filestore_open(NULL, dir, 0, &st), MQTLS_ERR_INVALID_ARG);
    /* a path through a regular file: a system error, with its errno */
    char bad[400];
    snprintf(bad, sizeof bad, "%s/msgstore.log/x", dir);
    errno = 0;
    assert_int_equal(mqtls_filestore_open(&fs, bad, 0, &st), MQTLS_ERR_STORE_IO);
    assert_int_equal(errno, ENOTDIR);
    mqtls_filestore_close(NULL);
    rm_store(dir);
    snprintf(dir, sizeof dir, "%s/a", base);
    assert_int_equal(rmdir(dir), 0);
    assert_int_equal(rmdir(base), 0);
}

static void reopen_keeps_many_records_in_order(void **state)
{
    (void)state;
    char dir[256], before[8192], after[8192];
    mqtls_filestore_t *fs;
    mqtls_msgstore_t st;
    tmp_dir(dir, sizeof dir);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    for (uint16_t id = 1; id <= 300; id++) {
        put_n(&st, (uint16_t)(id * 211u), (size_t)(1u + id % 700u));
        if (id % 3u == 0u) {
            assert_int_equal(st.mark_pubrel(st.ctx, (uint16_t)(id * 211u)), MQTLS_OK);
        }
        if (id % 7u == 0u) {
            st.remove(st.ctx, (uint16_t)((id - 5u) * 211u));
        }
        if (id % 11u == 0u) {
            assert_int_equal(st.put_inbound(st.ctx, id), MQTLS_OK);
        }
    }
    list_str(&st, before, sizeof before);
    mqtls_filestore_close(fs);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    list_str(&st, after, sizeof after);
    assert_string_equal(before, after);
    for (uint16_t id = 1; id <= 300; id++) {
        if (id % 3u != 0u && (id + 5u) % 7u != 0u) {
            check_bytes(&st, (uint16_t)(id * 211u), (size_t)(1u + id % 700u));
        }
    }
    mqtls_filestore_close(fs);
    rm_store(dir);
}

/* The last operation of each kind, its record cut at every byte. */
static void torn_tail_at_every_byte_is_ignored(void **state)
{
    (void)state;
    for (int kind = 0; kind < 6; kind++) {
        char dir[256], want[512], got[512];
        mqtls_filestore_t *fs;
        mqtls_msgstore_t st;
        tmp_dir(dir, sizeof dir);
        assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
        put_n(&st, 1, 30);
        put_n(&st, 2, 31);
        put_n(&st, 3, 32);
        assert_int_equal(st.put_inbound(st.ctx, 9), MQTLS_OK);
        list_str(&st, want, sizeof want);
        long s0 = file_size(dir);
        switch (kind) {
        case 0: put_n(&st, 4, 50); break;
        case 1: assert_int_equal(st.mark_pubrel(st.ctx, 2), MQTLS_OK); break;
        case 2: st.remove(st.ctx, 1); break;
        case 3: assert_int_equal(st.put_inbound(st.ctx, 10), MQTLS_OK); break;
        case 4: st.remove_inbound(st.ctx, 9); break;
        default: st.clear(st.ctx); break;
        }
        mqtls_filestore_close(fs);
        long s1 = 0;
        uint8_t *full = read_log(dir, &s1);
        assert_true(s1 > s0);
        for (long t = s0; t < s1; t++) {
            write_log(dir, full, t);
            assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
            list_str(&st, got, sizeof got);
            if (strcmp(got, want) != 0) {
                fail_msg("kind %d cut at %ld of %ld..%ld: \"%s\", want \"%s\"", kind, t, s0, s1, got, want);
            }
            assert_int_equal(file_size(dir), s0); /* the torn bytes are gone */
            put_n(&st, 100, 20);                  /* and what comes next is readable */
            mqtls_filestore_close(fs);
            assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
            check_bytes(&st, 100, 20);
            check_bytes(&st, 3, 32);
            mqtls_filestore_close(fs);
        }
        /* zeros after the last record (a crash that extended the file) */
        uint8_t *z = calloc(1, (size_t)s1 + 200u);
        assert_non_null(z);
        memcpy(z, full, (size_t)s1);
        write_log(dir, z, s1 + 200);
        assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
        assert_int_equal(file_size(dir), s1);
        mqtls_filestore_close(fs);
        free(z);
        free(full);
        rm_store(dir);
    }
}

static void damaged_record_in_the_middle_is_refused_or_salvaged(void **state)
{
    (void)state;
    for (int where = 0; where < 3; where++) {
        char dir[256], got[512];
        mqtls_filestore_t *fs;
        mqtls_msgstore_t st;
        tmp_dir(dir, sizeof dir);
        assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
        put_n(&st, 1, 40);
        long r2 = file_size(dir);
        put_n(&st, 2, 40);
        put_n(&st, 3, 40);
        put_n(&st, 4, 40);
        mqtls_filestore_close(fs);
        long len = 0;
        uint8_t *b = read_log(dir, &len);
        /* record 2: its payload, its length field, its magic byte */
        long at = where == 0 ? r2 + 12 + 7 : where == 1 ? r2 + 6 : r2;
        b[at] ^= 0x40u;
        write_log(dir, b, len);
        assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_ERR_STORE_CORRUPT);
        assert_null(fs);
        long len2 = 0;
        uint8_t *b2 = read_log(dir, &len2);
        assert_int_equal(len2, len); /* nothing was changed */
        assert_memory_equal(b2, b, (size_t)len);
        free(b2);
        assert_int_equal(mqtls_filestore_open(&fs, dir, MQTLS_FILESTORE_SALVAGE, &st), MQTLS_OK);
        list_str(&st, got, sizeof got);
        assert_string_equal(got, "P1 P3 P4");
        check_bytes(&st, 4, 40);
        mqtls_filestore_close(fs);
        /* rewritten: opens without salvage now */
        assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
        list_str(&st, got, sizeof got);
        assert_string_equal(got, "P1 P3 P4");
        mqtls_filestore_close(fs);
        free(b);
        rm_store(dir);
    }
}

static void not_a_store_is_refused(void **state)
{
    (void)state;
    char dir[256];
    mqtls_filestore_t *fs;
    mqtls_msgstore_t st;
    tmp_dir(dir, sizeof dir);
    static const uint8_t junk[] = "this is not a message store, just text\n";
    write_log(dir, junk, (long)sizeof junk - 1);
    assert_int_equal(mqtls_filestore_open(&fs, dir, MQTLS_FILESTORE_SALVAGE, &st), MQTLS_ERR_STORE_CORRUPT);
    write_log(dir, junk, 5);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_ERR_STORE_CORRUPT);
    long len = 0;
    uint8_t *b = read_log(dir, &len);
    assert_int_equal(len, 5);
    assert_memory_equal(b, junk, 5);
    free(b);
    rm_store(dir);
}

static void compaction_keeps_the_log_small(void **state)
{
    (void)state;
    char dir[256], got[512];
    mqtls_filestore_t *fs;
    mqtls_msgstore_t st;
    tmp_dir(dir, sizeof dir);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    assert_int_equal(st.put_inbound(st.ctx, 5), MQTLS_OK);
    long biggest = 0;
    for (uint32_t i = 1; i <= 5000; i++) {
        put_n(&st, (uint16_t)i, 100);
        if (i % 2u == 0u) {
            assert_int_equal(st.mark_pubrel(st.ctx, (uint16_t)i), MQTLS_OK);
        }
        if (i > 4u) {
            st.remove(st.ctx, (uint16_t)(i - 4u));
        }
        long sz = file_size(dir);
        biggest = sz > biggest ? sz : biggest;
    }
    /* 5000 x 116 bytes were appended, plus marks and removes */
    assert_true(biggest < 80 * 1024);
    assert_true(file_size(dir) < 80 * 1024);
    list_str(&st, got, sizeof got);
    assert_string_equal(got, "P4997 R4998 P4999 R5000 I5");
    mqtls_filestore_close(fs);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    list_str(&st, got, sizeof got);
    assert_string_equal(got, "P4997 R4998 P4999 R5000 I5");
    check_bytes(&st, 4999, 100);
    st.remove(st.ctx, 4997);
    st.remove(st.ctx, 4998);
    st.remove(st.ctx, 4999);
    st.remove(st.ctx, 5000);
    mqtls_filestore_close(fs);
    char tmp[512];
    snprintf(tmp, sizeof tmp, "%s/msgstore.tmp", dir);
    assert_int_equal(access(tmp, F_OK), -1);
    rm_store(dir);
}

/* A crash in the middle of a compaction leaves msgstore.tmp beside the
 * intact log: open throws the half-written copy away. */
static void an_unfinished_compaction_is_discarded(void **state)
{
    (void)state;
    char dir[256], tmp[512], got[256];
    mqtls_filestore_t *fs;
    mqtls_msgstore_t st;
    tmp_dir(dir, sizeof dir);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    put_n(&st, 1, 40);
    put_n(&st, 2, 41);
    mqtls_filestore_close(fs);
    long len = 0;
    uint8_t *b = read_log(dir, &len);
    snprintf(tmp, sizeof tmp, "%s/msgstore.tmp", dir);
    FILE *f = fopen(tmp, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, (size_t)len - 10u, f), (size_t)len - 10u); /* a torn copy */
    fclose(f);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    assert_int_equal(access(tmp, F_OK), -1);
    list_str(&st, got, sizeof got);
    assert_string_equal(got, "P1 P2");
    check_bytes(&st, 2, 41);
    mqtls_filestore_close(fs);
    free(b);
    rm_store(dir);
}

static void a_second_process_is_locked_out(void **state)
{
    (void)state;
    char dir[256];
    mqtls_filestore_t *fs;
    mqtls_msgstore_t st;
    tmp_dir(dir, sizeof dir);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        mqtls_filestore_t *fs2 = NULL;
        mqtls_msgstore_t st2;
        int32_t rc = mqtls_filestore_open(&fs2, dir, 0, &st2);
        _exit(rc == MQTLS_ERR_STORE_LOCKED && fs2 == NULL ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    mqtls_filestore_close(fs);
    /* released on close */
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    mqtls_filestore_close(fs);
    rm_store(dir);
}

/* A write that fails half-way (the file size limit: EFBIG after a short
 * write) is cut back off, so the next record does not follow torn bytes. */
static int failed_write_child(const char *dir)
{
    mqtls_filestore_t *fs;
    mqtls_msgstore_t st;
    uint8_t b[200];
    conf_fill(b, sizeof b, 2, 77);
    if (mqtls_filestore_open(&fs, dir, 0, &st) != MQTLS_OK) {
        return 10;
    }
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, lim;
    if (getrlimit(RLIMIT_FSIZE, &old) != 0) {
        return 11;
    }
    lim = old;
    lim.rlim_cur = (rlim_t)file_size(dir) + 50u; /* 50 of the record's 216 bytes fit */
    if (setrlimit(RLIMIT_FSIZE, &lim) != 0) {
        return 12;
    }
    if (st.put(st.ctx, 2, b, sizeof b) != MQTLS_ERR_STORE_IO || mqtls_filestore_errno(fs) != EFBIG) {
        return 13;
    }
    if (setrlimit(RLIMIT_FSIZE, &old) != 0) {
        return 14;
    }
    conf_fill(b, 30, 3, 77);
    if (st.put(st.ctx, 3, b, 30) != MQTLS_OK) {
        return 15;
    }
    mqtls_filestore_close(fs);
    return 0;
}

static void a_failed_write_is_cut_back(void **state)
{
    (void)state;
    char dir[256], got[256];
    mqtls_filestore_t *fs;
    mqtls_msgstore_t st;
    tmp_dir(dir, sizeof dir);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    put_n(&st, 1, 40);
    mqtls_filestore_close(fs);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        _exit(failed_write_child(dir));
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    list_str(&st, got, sizeof got);
    assert_string_equal(got, "P1 P3");
    check_bytes(&st, 3, 30);
    mqtls_filestore_close(fs);
    rm_store(dir);
}

/* ---- kill -9 of a writer ------------------------------------------------------------ */

typedef struct {
    uint8_t op; /* 'P' put, 'R' remove, 'M' mark_pubrel, 'I' put_inbound, 'J' remove_inbound */
    uint8_t pad;
    uint16_t id;
    uint32_t seq;
} ack_t;

static void writer(const char *dir, int fd)
{
    mqtls_filestore_t *fs;
    mqtls_msgstore_t st;
    if (mqtls_filestore_open(&fs, dir, 0, &st) != MQTLS_OK) {
        _exit(3);
    }
    for (uint32_t i = 1;; i++) {
        uint16_t id = (uint16_t)(i % 60000u + 1u);
        uint8_t b[600];
        size_t len = 20u + i % 500u;
        conf_fill(b, len, id, i);
        ack_t a[3];
        int n = 0;
        if (st.put(st.ctx, id, b, len) != MQTLS_OK) {
            _exit(4);
        }
        a[n++] = (ack_t){'P', 0, id, i};
        if (i % 3u == 0u) {
            if (st.mark_pubrel(st.ctx, id) != MQTLS_OK) {
                _exit(5);
            }
            a[n++] = (ack_t){'M', 0, id, i};
        }
        if (i > 20u) {
            uint16_t old = (uint16_t)((i - 20u) % 60000u + 1u);
            st.remove(st.ctx, old);
            a[n++] = (ack_t){'R', 0, old, i};
        }
        if (write(fd, a, (size_t)n * sizeof a[0]) != (ssize_t)((size_t)n * sizeof a[0])) {
            _exit(6);
        }
        if (i % 10u == 0u) {
            (void)st.put_inbound(st.ctx, (uint16_t)(i % 100u + 1u));
        }
        if (i % 10u == 5u) {
            st.remove_inbound(st.ctx, (uint16_t)((i - 5u) % 100u + 1u));
        }
    }
}

typedef struct {
    uint16_t id;
    uint8_t kind;
    uint32_t seq;
    size_t len;
} krec_t;

static void kill_writer_after(long acks_wanted)
{
    char dir[256];
    int p[2];
    tmp_dir(dir, sizeof dir);
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        writer(dir, p[1]);
    }
    close(p[1]);
    krec_t *m = calloc(65536, sizeof *m);
    assert_non_null(m);
    size_t n = 0;
    long got = 0;
    int killed = 0;
    ack_t a;
    for (;;) {
        ssize_t k = read(p[0], &a, sizeof a);
        if (k == 0) {
            break;
        }
        assert_int_equal(k, (ssize_t)sizeof a);
        got++;
        if (a.op == 'P') {
            for (size_t i = 0; i < n; i++) {
                assert_true(m[i].id != a.id);
            }
            m[n++] = (krec_t){a.id, MQTLS_MSG_PUBLISH, a.seq, 20u + a.seq % 500u};
        } else if (a.op == 'M') {
            for (size_t i = 0; i < n; i++) {
                if (m[i].id == a.id) {
                    m[i].kind = MQTLS_MSG_PUBREL;
                }
            }
        } else {
            for (size_t i = 0; i < n; i++) {
                if (m[i].id == a.id) {
                    memmove(&m[i], &m[i + 1], (n - i - 1u) * sizeof m[0]);
                    n--;
                    break;
                }
            }
        }
        if (!killed && got >= acks_wanted) {
            assert_int_equal(kill(pid, SIGKILL), 0);
            killed = 1; /* acknowledgements already in the pipe still count */
        }
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    close(p[0]);

    mqtls_filestore_t *fs;
    mqtls_msgstore_t st;
    assert_int_equal(mqtls_filestore_open(&fs, dir, 0, &st), MQTLS_OK);
    conf_list_t l;
    conf_list(&st, &l);
    /* Exactly the acknowledged records, in order, except what the one
     * iteration under way did: its put (one more record, last) and its
     * remove of the oldest acknowledged record. */
    size_t outgoing = 0;
    for (size_t i = 0; i < l.n; i++) {
        outgoing += l.kind[i] != MQTLS_MSG_INBOUND;
    }
    size_t start = n > 0u && outgoing > 0u && l.id[0] != m[0].id ? 1u : 0u;
    size_t expect = n - start;
    if (outgoing != expect && outgoing != expect + 1u) {
        fail_msg("after kill -9 at %ld acks: %zu outgoing records on disk, %zu acknowledged", got, outgoing, n);
    }
    for (size_t i = 0; i < expect; i++) {
        const krec_t *w = &m[start + i];
        if (l.id[i] != w->id || l.kind[i] != w->kind) {
            fail_msg("after kill -9 at %ld acks: record #%zu is %u (kind %u), acknowledged %u (kind %u)", got, i,
                     l.id[i], l.kind[i], w->id, w->kind);
        }
        if (w->kind == MQTLS_MSG_PUBLISH) {
            uint8_t want[600], b[600];
            conf_fill(want, w->len, w->id, w->seq);
            assert_int_equal(st.get(st.ctx, w->id, b, sizeof b), (int32_t)w->len);
            assert_memory_equal(b, want, w->len);
        }
    }
    if (outgoing == expect + 1u) {
        for (size_t i = 0; i < n; i++) {
            assert_true(m[i].id != l.id[expect]); /* the put under way: a new id */
        }
    }
    print_message("kill -9 after %ld acknowledged operations: %zu records acknowledged, %zu on disk, none lost\n",
                  got, n, outgoing);
    mqtls_filestore_close(fs);
    free(m);
    rm_store(dir);
}

static void kill_9_of_a_writer_loses_nothing_acknowledged(void **state)
{
    (void)state;
    kill_writer_after(300);
    kill_writer_after(5000);
    kill_writer_after(20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        CONFORMANCE_TESTS(&conf_file),
        CONFORMANCE_TESTS(&conf_file_sync),
        cmocka_unit_test(open_creates_nested_directory_and_rejects_bad_args),
        cmocka_unit_test(reopen_keeps_many_records_in_order),
        cmocka_unit_test(torn_tail_at_every_byte_is_ignored),
        cmocka_unit_test(damaged_record_in_the_middle_is_refused_or_salvaged),
        cmocka_unit_test(not_a_store_is_refused),
        cmocka_unit_test(compaction_keeps_the_log_small),
        cmocka_unit_test(an_unfinished_compaction_is_discarded),
        cmocka_unit_test(a_second_process_is_locked_out),
        cmocka_unit_test(a_failed_write_is_cut_back),
        cmocka_unit_test(kill_9_of_a_writer_loses_nothing_acknowledged),
    };
    return cmocka_run_group_tests_name("filestore", tests, NULL, NULL);
}
