/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear latency histogram of sluice-gen: percentiles, merge, reset. */

/*
 * Layout (SL_HIST_SUB_BITS = 7, SUB = 128):
 *
 *   index   0 .. 255    one bucket per ns value (exact)
 *   index 256 .. 383    [256, 512)   width 2
 *   index 384 .. 511    [512, 1024)  width 4
 *   ...                 [2^e, 2^(e+1)) width 2^(e-7), 128 buckets
 *   index 3712 .. 3839  [2^35, 2^36) width 2^28 (~0.27 s)
 *
 * A bucket is never wider than 1/128 of its lowest value, and percentiles
 * answer with the bucket's midpoint, hence an error of at most 1/256 of the
 * value. Recording is an index computation (one clz, one shift) and three
 * stores; reading walks the 3840 counts once. HdrHistogram's "significant
 * digits" become SUB_BITS here; its unit-magnitude trick (not resolving
 * below 1 us) was rejected: the exact low range costs 2 KiB and makes
 * sub-microsecond loopback and memif figures readable too.
 */
#include <string.h>

#include "hist.h"

void
sl_hist_reset(struct sl_hist *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

void
sl_hist_record_n(struct sl_hist *h, uint64_t v, uint64_t n)
{
	if (n == 0)
		return;
	h->b[sl_hist_index(v)] += n;
	h->count += n;
	h->sum += v * n;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (v > SL_HIST_MAX_NS)
		h->overflow += n;
}

void
sl_hist_merge(struct sl_hist *dst, const struct sl_hist *src)
{
	uint32_t i;

	if (src->count == 0)
		return;
	for (i = 0; i < SL_HIST_BUCKETS; i++)
		dst->b[i] += src->b[i];
	dst->count += src->count;
	dst->sum += src->sum;
	dst->overflow += src->overflow;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t
sl_hist_bucket_lo(uint32_t i)
{
	uint32_t shift;

	if (i < 2 * SL_HIST_SUB)
		return i;
	shift = i / SL_HIST_SUB - 1;
	return (uint64_t)(i - shift * SL_HIST_SUB) << shift;
}

uint64_t
sl_hist_bucket_hi(uint32_t i)
{
	uint32_t shift;

	if (i < 2 * SL_HIST_SUB)
		return i;
	shift = i / SL_HIST_SUB - 1;
	return sl_hist_bucket_lo(i) + (UINT64_C(1) << shift) - 1;
}

uint64_t
sl_hist_percentile(const struct sl_hist *h, double p)
{
	uint64_t rank, seen = 0, v;
	uint32_t i;

	if (h->count == 0)
		return 0;
	if (p <= 0)
		return h->min;
	if (p >= 100)
		return h->max;
	/* The rank-th smallest value (1-based) has p% of the values at or below it. */
	rank = (uint64_t)((p / 100.0) * (double)h->count + 0.999999999);
	if (rank < 1)
		rank = 1;
	if (rank > h->count)
		rank = h->count;
	for (i = 0; i < SL_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= rank)
			break;
	}
	if (i == SL_HIST_BUCKETS)
		return h->max;
	v = sl_hist_bucket_lo(i) + (sl_hist_bucket_hi(i) - sl_hist_bucket_lo(i) + 1) / 2;
	if (v < h->min)
		v = h->min;
	if (v > h->max)
		v = h->max;
	return v;
}

double
sl_hist_mean(const struct sl_hist *h)
{
	return h->count ? (double)h->sum / (double)h->count : 0.0;
}
