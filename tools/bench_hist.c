/* SPDX-License-Identifier: MIT
 * mqtls bench: latency histograms (see bench_hist.h). */
#include "bench_hist.h"

#include <string.h>

void bh_init(bench_hist_t *h)
{
    memset(h, 0, sizeof *h);
}

/* Values below BH_SUB are their own bucket (exponent 0); above, the
 * exponent is the position of the top bit past the sub-bucket bits and the
 * sub-bucket the next BH_SUB_BITS bits below it. */
uint32_t bh_index(uint64_t us)
{
    if (us < BH_SUB)
        return (uint32_t)us;
    uint32_t top = 63u - (uint32_t)__builtin_clzll(us); /* >= BH_SUB_BITS */
    uint32_t e = top - BH_SUB_BITS + 1u;
    if (e >= BH_EXP)
        return BH_BUCKETS - 1u;
    uint32_t sub = (uint32_t)(us >> (top - BH_SUB_BITS)) & (BH_SUB - 1u);
    return e * BH_SUB + sub;
}

uint64_t bh_upper(uint32_t i)
{
    uint32_t e = i / BH_SUB, sub = i % BH_SUB;
    if (e == 0)
        return sub;
    uint32_t shift = e - 1u;
    return (((uint64_t)(BH_SUB + sub) + 1u) << shift) - 1u;
}

void bh_add(bench_hist_t *h, uint64_t us)
{
    if (h->count == 0 || us < h->min_us)
        h->min_us = us;
    if (us > h->max_us)
        h->max_us = us;
    h->count++;
    h->sum_us += us;
    h->b[bh_index(us)]++;
}

void bh_add_bucket(bench_hist_t *h, uint32_t i, uint64_t n)
{
    if (i < BH_BUCKETS)
        h->b[i] += n;
}

void bh_merge(bench_hist_t *into, const bench_hist_t *from)
{
    if (from->count == 0)
        return;
    if (into->count == 0 || from->min_us < into->min_us)
        into->min_us = from->min_us;
    if (from->max_us > into->max_us)
        into->max_us = from->max_us;
    into->count += from->count;
    into->sum_us += from->sum_us;
    for (uint32_t i = 0; i < BH_BUCKETS; i++)
        into->b[i] += from->b[i];
}

uint64_t bh_percentile(const bench_hist_t *h, double p)
{
    if (h->count == 0)
        return 0;
    uint64_t want = (uint64_t)((p / 100.0) * (double)h->count + 0.999999);
    if (want < 1)
        want = 1;
    uint64_t seen = 0;
    for (uint32_t i = 0; i < BH_BUCKETS; i++) {
        seen += h->b[i];
        if (seen >= want) {
            uint64_t v = bh_upper(i);
            return v > h->max_us ? h->max_us : v;
        }
    }
    return h->max_us;
}

void bh_json(const bench_hist_t *h, FILE *out)
{
    fprintf(out, "{\"count\":%llu,\"min_us\":%llu,\"max_us\":%llu,\"mean_us\":%llu,", (unsigned long long)h->count,
            (unsigned long long)h->min_us, (unsigned long long)h->max_us,
            (unsigned long long)(h->count ? h->sum_us / h->count : 0));
    fprintf(out, "\"sum_us\":%llu,\"p50_us\":%llu,\"p90_us\":%llu,\"p99_us\":%llu,\"p999_us\":%llu,\"buckets\":[",
            (unsigned long long)h->sum_us, (unsigned long long)bh_percentile(h, 50),
            (unsigned long long)bh_percentile(h, 90), (unsigned long long)bh_percentile(h, 99),
            (unsigned long long)bh_percentile(h, 99.9));
    int first = 1;
    for (uint32_t i = 0; i < BH_BUCKETS; i++) {
        if (h->b[i] == 0)
            continue;
        fprintf(out, "%s[%u,%llu]", first ? "" : ",", i, (unsigned long long)h->b[i]);
        first = 0;
    }
    fputs("]}", out);
}
