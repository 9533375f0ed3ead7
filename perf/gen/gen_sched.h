/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen's clock and schedule: now, open-loop due times, reconnect backoff (both modes). */
#ifndef SL_GEN_GEN_SCHED_H
#define SL_GEN_GEN_SCHED_H

#include <math.h>
#include <stdint.h>
#include <time.h>

/*
 * Offset (ns from the start) at which request k of a sender with rate r
 * (requests/s) is due: the rate climbs linearly from 0 to r over the ramp
 * (s), so the first r*ramp/2 requests fall in it, spaced by the inverse of
 * the integral; after the ramp they are 1/r apart.
 */
static inline uint64_t
sl_gen_sched_ns(double r, double ramp, uint64_t k)
{
	double n_ramp = r * ramp / 2, t;

	if ((double)k < n_ramp)
		t = sqrt(2.0 * (double)k * ramp / r);
	else
		t = ramp + ((double)k - n_ramp) / r;
	return (uint64_t)(t * 1e9);
}

/* Requests of a sender with rate r due by offset t (ns from the start). */
static inline uint64_t
sl_gen_due_by(double r, double ramp, uint64_t t)
{
	double s = (double)t / 1e9, n;

	if (s < ramp)
		n = r * s * s / (2 * ramp);
	else
		n = r * ramp / 2 + r * (s - ramp);
	return (uint64_t)n + 1; /* request 0 is due at offset 0 */
}

/* CLOCK_MONOTONIC in ns: the time base of schedules, deadlines and latency. */
static inline uint64_t
sl_gen_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Reconnect backoff after a failure: doubles from 1 ms up to max_ms. Updates
 * *backoff_ms and returns when (ns) to try again.
 */
static inline uint64_t
sl_gen_backoff(uint32_t *backoff_ms, uint32_t max_ms, uint64_t now)
{
	*backoff_ms = *backoff_ms ? *backoff_ms * 2 : 1;
	if (*backoff_ms > max_ms)
		*backoff_ms = max_ms;
	return now + (uint64_t)*backoff_ms * 1000000ull;
}

#endif /* SL_GEN_GEN_SCHED_H */
