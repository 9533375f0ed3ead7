/* SPDX-License-Identifier: BSD-3-Clause */
/* The benchmarks' clocks: monotonic seconds, and the TSC rate measured against them. */
#ifndef SL_BENCH_CLOCK_H
#define SL_BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

#include <rte_cycles.h>

static inline double
sl_bench_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * TSC ticks per second, measured against the monotonic clock over 200 ms:
 * no EAL needed (rte_get_tsc_hz wants rte_eal_init).
 */
static inline double
sl_bench_tsc_hz(void)
{
	double t0 = sl_bench_now_s(), t1;
	uint64_t c0 = rte_rdtsc();

	do {
		t1 = sl_bench_now_s();
	} while (t1 - t0 < 0.2);
	return (double)(rte_rdtsc() - c0) / (t1 - t0);
}

#endif /* SL_BENCH_CLOCK_H */
