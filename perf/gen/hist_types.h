/* SPDX-License-Identifier: BSD-3-Clause */
/* Layout and bounds of the generator's log-linear latency histogram (see hist.h). */
#ifndef SL_HIST_TYPES_H
#define SL_HIST_TYPES_H

#include <stdint.h>

/*
 * Sub-buckets per power of two, as a power of two. Bucket width is at most
 * 1/2^SL_HIST_SUB_BITS of the values it holds, and a percentile reports the
 * bucket's midpoint: 7 bits give a relative error of at most 1/256 (0.39%),
 * well inside the 1% the reports promise. 6 bits would halve the memory and
 * still hold 1%; 8 would double it for nothing a human reads.
 */
#define SL_HIST_SUB_BITS 7
#define SL_HIST_SUB      (1u << SL_HIST_SUB_BITS)
/*
 * Largest value kept apart, in ns: 2^36 - 1 (68.7 s), the first power of two
 * above the 60 s a request may take. Larger values land in the top bucket and
 * are counted in `overflow`; `max` stays exact.
 */
#define SL_HIST_MAX_BITS 36
#define SL_HIST_MAX_NS   ((UINT64_C(1) << SL_HIST_MAX_BITS) - 1)
/*
 * Values below 2 * SL_HIST_SUB ns have a bucket each (exact); every further
 * power of two up to 2^SL_HIST_MAX_BITS adds SL_HIST_SUB buckets:
 * 2*128 + (36 - 8) * 128 = 3840 buckets, 30 KiB of counts.
 */
#define SL_HIST_BUCKETS (2 * SL_HIST_SUB + (SL_HIST_MAX_BITS - SL_HIST_SUB_BITS - 1) * SL_HIST_SUB)

/*
 * One histogram: fixed size, no pointers, so it can live in a per-thread (or
 * per-lcore) struct, be copied, and be merged by adding counts. One writer;
 * readers merge after the writer stopped (or accept a torn read).
 */
struct sl_hist {
	uint64_t count;    /* values recorded */
	uint64_t sum;      /* their sum in ns (mean); wraps after 584 years of latency */
	uint64_t min;      /* exact; UINT64_MAX when empty */
	uint64_t max;      /* exact; 0 when empty */
	uint64_t overflow; /* values above SL_HIST_MAX_NS (kept in the top bucket) */
	uint64_t b[SL_HIST_BUCKETS];
};

#endif /* SL_HIST_TYPES_H */
