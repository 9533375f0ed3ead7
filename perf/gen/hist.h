/* SPDX-License-Identifier: BSD-3-Clause */
/* Log-linear (HDR-style) latency histogram: record ns values, merge, read percentiles. */
#ifndef SL_HIST_H
#define SL_HIST_H

#include <stdint.h>

#include "hist_types.h"

/*
 * Bucket index of v (ns). Below 2 * SL_HIST_SUB the index is v itself; above,
 * with e the position of v's top bit, the index is (e - SUB_BITS) * SUB plus
 * v's top SUB_BITS + 1 bits (which lie in [SUB, 2 * SUB)), so each power of
 * two gets SUB buckets of equal width and indices run on without a gap.
 */
static inline uint32_t
sl_hist_index(uint64_t v)
{
	unsigned int shift;

	if (v < 2 * SL_HIST_SUB)
		return (uint32_t)v;
	if (v > SL_HIST_MAX_NS)
		v = SL_HIST_MAX_NS;
	shift = (unsigned int)(63 - __builtin_clzll(v)) - SL_HIST_SUB_BITS;
	return (uint32_t)(shift * SL_HIST_SUB + (v >> shift));
}

/* Record one value of v ns. Inline: the generator's per-response path; no branch on data but the
 * clamp. */
static inline void
sl_hist_record(struct sl_hist *h, uint64_t v)
{
	h->b[sl_hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
	if (v > SL_HIST_MAX_NS)
		h->overflow++;
}

/* Empty h (also the initialiser: a zeroed struct is not empty, min must be UINT64_MAX). */
void sl_hist_reset(struct sl_hist *h);

/* Record n values of v ns at once. */
void sl_hist_record_n(struct sl_hist *h, uint64_t v, uint64_t n);

/* Add src's values to dst. */
void sl_hist_merge(struct sl_hist *dst, const struct sl_hist *src);

/*
 * The value at percentile p (0..100) in ns: the smallest recorded value with
 * at least p% of the values at or below it, as the midpoint of its bucket
 * (clamped to the exact min and max), so within 1/256 of the exact order
 * statistic for values up to SL_HIST_MAX_NS. p <= 0 gives min, p >= 100 max.
 * 0 for an empty histogram.
 */
uint64_t sl_hist_percentile(const struct sl_hist *h, double p);

/* Mean in ns; 0 when empty. */
double sl_hist_mean(const struct sl_hist *h);

/* Lowest and highest value bucket i holds (for tests and dumps). */
uint64_t sl_hist_bucket_lo(uint32_t i);
uint64_t sl_hist_bucket_hi(uint32_t i);

#endif /* SL_HIST_H */
