/* SPDX-License-Identifier: MIT
 * mqtls bench: latency histograms that can be added across processes. */
/*
 * HdrHistogram's idea at its smallest: values (microseconds) fall into
 * log-linear buckets -- 32 linear sub-buckets per power of two -- so every
 * bucket is at most 1/32 (3 %) wide relative to its value, from 1 us to
 * over an hour, in 1 344 counters. Two histograms add bucket by bucket,
 * which is what `mqtls bench merge` does with the JSON of several runs:
 * percentiles of the merged run are exact to the bucket, unlike averaging
 * the runs' percentiles. Rejected: keeping every sample (a 1 000-device run
 * publishing for a minute makes millions) and fixed linear buckets (either
 * too coarse for loopback round trips or too many for handshakes).
 */
#ifndef MQTLS_BENCH_HIST_H
#define MQTLS_BENCH_HIST_H

#include <stdint.h>
#include <stdio.h>

#define BH_SUB_BITS 5u
#define BH_SUB (1u << BH_SUB_BITS)
#define BH_EXP 42u
#define BH_BUCKETS (BH_SUB * BH_EXP)

typedef struct {
    uint64_t count;
    uint64_t sum_us;
    uint64_t min_us;
    uint64_t max_us;
    uint64_t b[BH_BUCKETS];
} bench_hist_t;

void bh_init(bench_hist_t *h);
void bh_add(bench_hist_t *h, uint64_t us);
/* Add n samples of bucket index i (used when merging). */
void bh_add_bucket(bench_hist_t *h, uint32_t i, uint64_t n);
void bh_merge(bench_hist_t *into, const bench_hist_t *from);
/* The value at percentile p (0..100], as the upper bound of its bucket
 * (capped at the maximum seen); 0 when empty. */
uint64_t bh_percentile(const bench_hist_t *h, double p);
/* Bucket index of a value, and the largest value of a bucket. */
uint32_t bh_index(uint64_t us);
uint64_t bh_upper(uint32_t i);
/* JSON object: count, min, max, mean, p50..p99.9 and the sparse buckets. */
void bh_json(const bench_hist_t *h, FILE *out);

#endif
