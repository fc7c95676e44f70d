/* SPDX-License-Identifier: MIT
 * mqtls fuzz target: the file store opening a hostile msgstore.log. */
/*
 * The input (after one flags byte) becomes DIR/msgstore.log, behind a
 * valid file header when the flags byte's top bit is clear, so that the
 * mutations go to the records. Opening it must give MQTLS_OK or
 * MQTLS_ERR_STORE_CORRUPT, never a crash or a read past the file (ASan).
 * When it opens, every record must be readable at the length each() gives,
 * no id may be listed twice, a few more operations must work, and reopening
 * must give exactly what the store showed before it was closed.
 */
#include <stdio.h>
#include <unistd.h>

#include "fuzz_harness.h"
#include "mqtls/filestore.h"

static char tmpdir[64];

static void remove_dir(void)
{
    static const char *names[] = {"msgstore.log", "msgstore.tmp", "msgstore.lock"};
    char p[128];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        (void)unlink(p);
    }
    (void)rmdir(tmpdir);
}

static const char *dir(void)
{
    if (tmpdir[0] == '\0') {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/mqtls-fuzz-fs-XXXXXX");
        CHECK(mkdtemp(tmpdir) != NULL);
        atexit(remove_dir);
    }
    return tmpdir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t hdr[16] = {'M', 'Q', 'T', 'L', 'S', 'M', 'S', 'G', 0, 0, 0, 1, 0x0D, 0xCB, 0x8A, 0xBE};
    static fuzz_store_list_t l1, l2;
    char path[128];
    if (size < 1u || size > 65536u) {
        return 0;
    }
    snprintf(path, sizeof path, "%s/msgstore.log", dir());
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if ((data[0] & 0x80u) == 0u) {
        CHECK(fwrite(hdr, 1, sizeof hdr, f) == sizeof hdr);
    }
    CHECK(fwrite(data + 1, 1, size - 1u, f) == size - 1u);
    CHECK(fclose(f) == 0);

    uint32_t flags = (data[0] & 1u) != 0u ? MQTLS_FILESTORE_SALVAGE : 0u;
    mqtls_filestore_t *fs = NULL;
    mqtls_msgstore_t st;
    int32_t rc = mqtls_filestore_open(&fs, dir(), flags, &st);
    CHECK(rc == MQTLS_OK || rc == MQTLS_ERR_STORE_CORRUPT);
    if (rc != MQTLS_OK) {
        CHECK(fs == NULL);
        return 0;
    }
    fuzz_store_walk(&st, &l1, FUZZ_STORE_RECORDS, 1u << 16);
    uint8_t pkt[64];
    memset(pkt, 0x32, sizeof pkt);
    CHECK(st.put(st.ctx, 1, pkt, sizeof pkt) == MQTLS_OK);
    (void)st.mark_pubrel(st.ctx, 2);
    st.remove(st.ctx, 3);
    CHECK(st.put_inbound(st.ctx, 4) == MQTLS_OK);
    st.remove_inbound(st.ctx, 5);
    fuzz_store_walk(&st, &l1, FUZZ_STORE_RECORDS, 1u << 16);
    mqtls_filestore_close(fs);
    CHECK(mqtls_filestore_open(&fs, dir(), 0, &st) == MQTLS_OK);
    fuzz_store_walk(&st, &l2, FUZZ_STORE_RECORDS, 1u << 16);
    mqtls_filestore_close(fs);
    fuzz_store_same(&l1, &l2);
    return 0;
}
