/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the TCP building blocks: seq arithmetic, timer wheel, RTO, SYN cookies, OOO. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "eal_fixture.h"
#include "net/tcp_ooo.h"
#include "net/tcp_rto.h"
#include "net/tcp_seq.h"
#include "net/tcp_syncookie.h"
#include "timer.h"

/* ---- fixture: the shared test EAL and its pool (no per-lcore cache: exact in-use counts) ---- */

static struct rte_mempool *pool;

/* Deterministic PRNG (xorshift64*), so failures replay. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* No libm in the unit link line: the two helpers the RTO model needs. */
static double
dabs(double x)
{
	return x < 0 ? -x : x;
}

static double
dmax(double a, double b)
{
	return a > b ? a : b;
}

/* ======================================================================== seq */

static void
test_seq_basic(void **state)
{
	(void)state;
	assert_true(sl_tcp_seq_lt(1, 2));
	assert_false(sl_tcp_seq_lt(2, 2));
	assert_true(sl_tcp_seq_le(2, 2));
	assert_true(sl_tcp_seq_gt(3, 2));
	assert_true(sl_tcp_seq_ge(3, 3));
	assert_false(sl_tcp_seq_ge(2, 3));
	assert_int_equal(sl_tcp_seq_diff(10, 3), 7);
	assert_int_equal(sl_tcp_seq_diff(3, 10), -7);
	assert_true(sl_tcp_seq_between(5, 5, 10));
	assert_true(sl_tcp_seq_between(10, 5, 10));
	assert_false(sl_tcp_seq_between(11, 5, 10));
	assert_false(sl_tcp_seq_between(4, 5, 10));
	assert_true(sl_tcp_seq_in(5, 5, 1));
	assert_false(sl_tcp_seq_in(6, 5, 1));
	assert_false(sl_tcp_seq_in(5, 5, 0));
	assert_int_equal(sl_tcp_seq_max(7, 9), 9);
	assert_int_equal(sl_tcp_seq_min(7, 9), 7);
}

static void
test_seq_wraparound(void **state)
{
	uint32_t a = 0xfffffff0u, b = 0x10u;

	(void)state;
	assert_true(sl_tcp_seq_lt(a, b));
	assert_true(sl_tcp_seq_le(a, b));
	assert_true(sl_tcp_seq_gt(b, a));
	assert_true(sl_tcp_seq_ge(b, a));
	assert_false(sl_tcp_seq_lt(b, a));
	assert_int_equal(sl_tcp_seq_diff(b, a), 0x20);
	assert_int_equal(sl_tcp_seq_diff(a, b), -0x20);
	assert_true(sl_tcp_seq_lt(0xffffffffu, 0));
	assert_int_equal(sl_tcp_seq_diff(0, 0xffffffffu), 1);
	assert_true(sl_tcp_seq_between(0xffffffffu, a, b));
	assert_true(sl_tcp_seq_between(0, a, b));
	assert_true(sl_tcp_seq_between(b, a, b));
	assert_false(sl_tcp_seq_between(b + 1, a, b));
	assert_false(sl_tcp_seq_between(a - 1, a, b));
	assert_true(sl_tcp_seq_in(5, a, 0x20));
	assert_false(sl_tcp_seq_in(b, a, 0x20));
	assert_int_equal(sl_tcp_seq_max(a, b), b);
	assert_int_equal(sl_tcp_seq_min(a, b), a);
	/* Every base, including the ones next to 2^32 and 2^31. */
	for (uint32_t base = 0xfffffff8u; base != 8; base++) {
		assert_true(sl_tcp_seq_lt(base, base + 100));
		assert_true(sl_tcp_seq_gt(base + 100, base));
		assert_int_equal(sl_tcp_seq_diff(base + 100, base), 100);
	}
	for (uint32_t base = 0x7ffffff8u; base != 0x80000008u; base++) {
		assert_true(sl_tcp_seq_lt(base, base + 100));
		assert_int_equal(sl_tcp_seq_diff(base, base + 100), -100);
	}
}

static void
test_seq_half_circle(void **state)
{
	uint32_t bases[] = {0, 1, 0x7fffffffu, 0x80000000u, 0xfffffffeu, 0x12345678u};

	(void)state;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		uint32_t a = bases[i];

		/* 2^31 - 1 apart: still ordered, both ways. */
		assert_true(sl_tcp_seq_lt(a, a + 0x7fffffffu));
		assert_false(sl_tcp_seq_lt(a + 0x7fffffffu, a));
		assert_int_equal(sl_tcp_seq_diff(a + 0x7fffffffu, a), INT32_MAX);
		assert_int_equal(sl_tcp_seq_diff(a, a + 0x7fffffffu), -INT32_MAX);
		/* Exactly 2^31: ambiguous, each is "before" the other (documented). */
		assert_true(sl_tcp_seq_lt(a, a + 0x80000000u));
		assert_true(sl_tcp_seq_lt(a + 0x80000000u, a));
		assert_int_equal(sl_tcp_seq_diff(a + 0x80000000u, a), INT32_MIN);
		/* 2^31 + 1 forward is 2^31 - 1 backward. */
		assert_true(sl_tcp_seq_gt(a, a + 0x80000001u));
		assert_int_equal(sl_tcp_seq_diff(a + 0x80000001u, a), -INT32_MAX);
		/* Ranges are exact at any span. */
		assert_true(sl_tcp_seq_between(a + 0x80000000u, a, a + 0xfffffff0u));
		assert_true(sl_tcp_seq_in(a + 0x90000000u, a, 0xa0000000u));
		assert_false(sl_tcp_seq_in(a + 0xa0000000u, a, 0xa0000000u));
	}
}

/* ====================================================================== timer */

#define MAXREC 4096
static struct {
	unsigned n;
	uintptr_t id[MAXREC];
	uint64_t at[MAXREC]; /* wheel time (tsc) when fired */
} rec;
static struct sl_timer_wheel *cur_wheel;

static void
record_cb(struct sl_timer *t, void *arg)
{
	(void)t;
	if (rec.n < MAXREC) {
		rec.id[rec.n] = (uintptr_t)arg;
		rec.at[rec.n] = sl_timer_wheel_now_tsc(cur_wheel);
	}
	rec.n++;
}

static struct sl_timer_wheel *
wheel_new(uint64_t hz, uint32_t tick_us, uint32_t budget, uint64_t now)
{
	struct sl_timer_wheel *w = malloc(sizeof(*w));
	struct sl_timer_wheel_conf c = {.tsc_hz = hz, .tick_us = tick_us, .run_budget = budget};

	assert_non_null(w);
	assert_int_equal(sl_timer_wheel_init(w, &c, now), 0);
	memset(&rec, 0, sizeof(rec));
	cur_wheel = w;
	return w;
}

static void
test_timer_init(void **state)
{
	struct sl_timer_wheel *w = malloc(sizeof(*w));
	struct sl_timer_wheel_conf c = {.tsc_hz = 1000000, .tick_us = 0};

	(void)state;
	assert_int_equal(sl_timer_wheel_init(w, &c, 0), -EINVAL);
	c.tick_us = 1;
	c.tsc_hz = 999999;
	assert_int_equal(sl_timer_wheel_init(w, &c, 0), -EINVAL);
	assert_int_equal(sl_timer_wheel_init(w, NULL, 0), -EINVAL);
	c.tsc_hz = 1000000;
	assert_int_equal(sl_timer_wheel_init(w, &c, 0), 0);
	assert_int_equal(sl_timer_wheel_tick_cycles(w), 1);
	assert_int_equal(sl_timer_us_to_tsc(w, 123456789), 123456789);
	assert_int_equal(sl_timer_wheel_next_tsc(w), UINT64_MAX);
	c.tick_us = 1000; /* 1000 cycles -> 512 */
	assert_int_equal(sl_timer_wheel_init(w, &c, 0), 0);
	assert_int_equal(sl_timer_wheel_tick_cycles(w), 512);
	c.tsc_hz = 2500000000ull; /* 2.5e6 cycles -> 2^21 */
	assert_int_equal(sl_timer_wheel_init(w, &c, 0), 0);
	assert_int_equal(sl_timer_wheel_tick_cycles(w), 1u << 21);
	assert_int_equal(sl_timer_us_to_tsc(w, 1), 2500);
	assert_int_equal(sl_timer_us_to_tsc(w, 7200000000ull), 18000000000000ull);
	assert_int_equal(sl_timer_us_to_tsc(w, UINT64_MAX), UINT64_MAX);
	/* The largest convertible count does not wrap; the next one saturates. */
	assert_true(sl_timer_us_to_tsc(w, w->us_max) != UINT64_MAX);
	assert_true(sl_timer_us_to_tsc(w, w->us_max) > sl_timer_us_to_tsc(w, w->us_max / 2));
	assert_int_equal(sl_timer_us_to_tsc(w, w->us_max + 1), UINT64_MAX);
	free(w);
}

static void
test_timer_order(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1, 0, 1000);
	struct sl_timer t[64];
	uint64_t exp[64];

	(void)state;
	/* Distinct expiries in scrambled order, several levels deep. */
	for (unsigned i = 0; i < 64; i++) {
		exp[i] = 1000 + 1 + (uint64_t)((i * 37) % 64) * 97;
		sl_timer_init(&t[i], record_cb, (void *)(uintptr_t)i);
		sl_timer_arm(w, &t[i], exp[i]);
		assert_true(sl_timer_pending(&t[i]));
	}
	assert_int_equal(sl_timer_wheel_pending(w), 64);
	for (uint64_t now = 1000; now <= 1000 + 64 * 97 + 1; now++)
		sl_timer_wheel_run(w, now);
	assert_int_equal(rec.n, 64);
	for (unsigned k = 0; k < 64; k++) {
		unsigned i = (unsigned)rec.id[k];

		/* Run every tick at tick = 1 cycle: fired exactly at expiry. */
		assert_int_equal(rec.at[k], exp[i]);
		if (k > 0)
			assert_true(rec.at[k] > rec.at[k - 1]);
		assert_false(sl_timer_pending(&t[i]));
	}
	assert_int_equal(sl_timer_wheel_pending(w), 0);
	free(w);
}

static void
test_timer_order_one_jump(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1, 0, 5);
	struct sl_timer t[200];

	(void)state;
	for (unsigned i = 0; i < 200; i++) {
		sl_timer_init(&t[i], record_cb, (void *)(uintptr_t)i);
		sl_timer_arm(w, &t[i], 5 + 1 + (uint64_t)((i * 7919) % 200) * 100003);
	}
	/* Nothing early... */
	assert_int_equal(sl_timer_wheel_run(w, 5), 0);
	/* ...then one call covering all of them fires them in expiry order. */
	assert_int_equal(sl_timer_wheel_run(w, 5 + 200 * 100003), 200);
	for (unsigned k = 1; k < 200; k++) {
		assert_true(t[rec.id[k]].expire > t[rec.id[k - 1]].expire);
		assert_true(rec.at[k] > rec.at[k - 1]);
	}
	free(w);
}

static void
test_timer_same_tick_fifo(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1, 0, 0);
	struct sl_timer t[5];

	(void)state;
	for (unsigned i = 0; i < 5; i++) {
		sl_timer_init(&t[i], record_cb, (void *)(uintptr_t)i);
		sl_timer_arm(w, &t[i], 50);
	}
	assert_int_equal(sl_timer_wheel_run(w, 50), 5);
	for (unsigned k = 0; k < 5; k++)
		assert_int_equal(rec.id[k], k);
	free(w);
}

static void
test_timer_cancel(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1, 0, 0);
	struct sl_timer t[10];

	(void)state;
	for (unsigned i = 0; i < 10; i++) {
		sl_timer_init(&t[i], record_cb, (void *)(uintptr_t)i);
		sl_timer_arm(w, &t[i], 10 + i * 1000);
	}
	for (unsigned i = 0; i < 10; i += 2)
		sl_timer_cancel(w, &t[i]);
	sl_timer_cancel(w, &t[0]); /* twice: no-op */
	assert_false(sl_timer_pending(&t[0]));
	assert_int_equal(sl_timer_wheel_pending(w), 5);
	assert_int_equal(sl_timer_wheel_run(w, 100000), 5);
	for (unsigned k = 0; k < 5; k++)
		assert_int_equal(rec.id[k] % 2, 1);
	/* Cancelling every timer of a slot clears its bit: next_tsc sees nothing. */
	sl_timer_arm(w, &t[0], 500000);
	sl_timer_cancel(w, &t[0]);
	assert_int_equal(sl_timer_wheel_next_tsc(w), UINT64_MAX);
	for (unsigned l = 0; l < SL_TIMER_LEVELS; l++)
		assert_int_equal(w->bitmap[l], 0);
	/* A zero-filled timer is idle; cancelling it does nothing. */
	struct sl_timer z;

	memset(&z, 0, sizeof(z));
	sl_timer_cancel(w, &z);
	assert_false(sl_timer_pending(&z));
	free(w);
}

static void
test_timer_rearm(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1, 0, 0);
	struct sl_timer a, b;

	(void)state;
	sl_timer_init(&a, record_cb, (void *)1);
	sl_timer_init(&b, record_cb, (void *)2);
	sl_timer_arm(w, &a, 1000000); /* far: high level */
	sl_timer_arm(w, &b, 100);
	sl_timer_arm(w, &a, 50);   /* earlier */
	sl_timer_arm(w, &b, 5000); /* later */
	assert_int_equal(sl_timer_wheel_pending(w), 2);
	assert_int_equal(sl_timer_wheel_run(w, 49), 0);
	assert_int_equal(sl_timer_wheel_run(w, 50), 1);
	assert_int_equal(rec.id[0], 1);
	assert_int_equal(sl_timer_wheel_run(w, 4999), 0);
	assert_int_equal(sl_timer_wheel_run(w, 1000000), 1);
	assert_int_equal(rec.id[1], 2);
	assert_int_equal(rec.at[1], 5000);
	/* Armed in the past: fires on the next run, even at the same time. */
	sl_timer_arm(w, &a, 10);
	assert_int_equal(sl_timer_wheel_run(w, 1000000), 1);
	assert_int_equal(sl_timer_wheel_pending(w), 0);
	free(w);
}

static void
test_timer_long(void **state)
{
	/* Real-looking setup: 2.5 GHz TSC, 1 ms ticks, TSC far from zero. */
	uint64_t hz = 2500000000ull, t0 = 0x123456789abcull;
	struct sl_timer_wheel *w = wheel_new(hz, 1000, 0, t0);
	struct sl_timer idle, far, huge;
	uint64_t two_h = sl_timer_us_to_tsc(w, 7200ull * 1000000);
	uint64_t now;

	(void)state;
	sl_timer_init(&idle, record_cb, (void *)1);
	sl_timer_init(&far, record_cb, (void *)2);
	sl_timer_init(&huge, record_cb, (void *)3);
	sl_timer_arm_us(w, &idle, t0, 7200ull * 1000000);
	sl_timer_arm_us(w, &far, t0, 30ull * 86400 * 1000000); /* 30 days */
	sl_timer_arm(w, &huge, UINT64_MAX);
	/* Poll once a second of TSC for 2 hours and a bit. */
	for (now = t0; now < t0 + two_h + 2 * hz; now += hz) {
		sl_timer_wheel_run(w, now);
		if (now < t0 + two_h)
			assert_int_equal(rec.n, 0);
	}
	assert_int_equal(rec.n, 1);
	assert_int_equal(rec.id[0], 1);
	/* It fired in the first poll at or after its expiry. */
	assert_true(rec.at[0] >= t0 + two_h - sl_timer_wheel_tick_cycles(w));
	assert_true(rec.at[0] <= t0 + two_h + hz);
	/* Jump straight to just before 30 days, then past it. */
	uint64_t d30 = t0 + sl_timer_us_to_tsc(w, 30ull * 86400 * 1000000);

	assert_int_equal(sl_timer_wheel_run(w, d30 - 1), 0);
	/* Due at the first tick boundary at or after its TSC. */
	assert_int_equal(sl_timer_wheel_run(w, d30 + sl_timer_wheel_tick_cycles(w) - 1), 1);
	assert_int_equal(rec.id[1], 2);
	assert_true(sl_timer_pending(&huge));
	sl_timer_cancel(w, &huge);
	free(w);
}

static void
test_timer_boundaries(void **state)
{
	/* Near timers whose expiry crosses a big power-of-two boundary of the tick count. */
	uint64_t bases[] = {(1ull << 36) - 3, (1ull << 60) - 1, (1ull << 63) - 2, UINT64_MAX - 200};

	(void)state;
	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		struct sl_timer_wheel *w = wheel_new(1000000, 1, 0, bases[i]);
		struct sl_timer t[3];

		for (unsigned k = 0; k < 3; k++) {
			sl_timer_init(&t[k], record_cb, (void *)(uintptr_t)k);
			sl_timer_arm(w, &t[k], bases[i] + 2 + k * 3);
		}
		for (uint64_t now = bases[i]; now <= bases[i] + 10; now++)
			sl_timer_wheel_run(w, now);
		assert_int_equal(rec.n, 3);
		for (unsigned k = 0; k < 3; k++) {
			assert_int_equal(rec.id[k], k);
			assert_int_equal(rec.at[k], bases[i] + 2 + k * 3);
		}
		free(w);
	}
}

/* Many timers, random arm/re-arm/cancel and random poll gaps, checked against a model. */
#define NMANY 20000
struct many_timer {
	struct sl_timer t;
	uint64_t want; /* expiry tsc, 0 when not armed */
	unsigned fired;
};
static struct many_timer *many;
static uint64_t many_now, many_last_fired;

static void
many_cb(struct sl_timer *t, void *arg)
{
	struct many_timer *mt = arg;

	(void)t;
	/* Never early, never later than this run, and in expiry order. */
	assert_true(mt->want != 0);
	assert_true(mt->want <= many_now);
	assert_true(mt->want >= many_last_fired);
	many_last_fired = mt->want;
	mt->fired++;
	mt->want = 0;
}

static void
test_timer_many(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1, 0, 77);
	uint64_t armed = 0, fired = 0, end;

	(void)state;
	many = calloc(NMANY, sizeof(*many));
	assert_non_null(many);
	many_now = 77;
	for (unsigned i = 0; i < NMANY; i++) {
		sl_timer_init(&many[i].t, many_cb, &many[i]);
		many[i].want = many_now + 1 + rnd() % 5000000;
		sl_timer_arm(w, &many[i].t, many[i].want);
		armed++;
	}
	end = many_now + 6000000;
	while (many_now < end) {
		/* Some churn between polls, like ACKs re-arming RTO timers. */
		for (unsigned k = 0; k < 20; k++) {
			struct many_timer *mt = &many[rnd() % NMANY];

			if (rnd() % 4 == 0) {
				if (mt->want != 0)
					sl_timer_cancel(w, &mt->t);
				mt->want = 0;
			} else {
				if (mt->want == 0)
					armed++;
				mt->want = many_now + 1 + rnd() % 300000;
				sl_timer_arm(w, &mt->t, mt->want);
			}
		}
		many_now += 1 + rnd() % 3000;
		/* Only this run's expiries; a timer still due is a miss. */
		many_last_fired = 0;
		fired += sl_timer_wheel_run(w, many_now);
		if (rnd() % 64 == 0) {
			for (unsigned i = 0; i < NMANY; i++)
				assert_true(many[i].want == 0 || many[i].want > many_now);
		}
	}
	for (unsigned i = 0; i < NMANY; i++) {
		if (many[i].want != 0)
			sl_timer_cancel(w, &many[i].t);
	}
	assert_int_equal(sl_timer_wheel_pending(w), 0);
	assert_true(fired > NMANY / 2);
	assert_true(fired <= armed);
	free(many);
	free(w);
}

/* A periodic timer re-arming itself from its callback. */
static struct sl_timer_wheel *periodic_w;
static unsigned periodic_n;
static void
periodic_cb(struct sl_timer *t, void *arg)
{
	uint64_t period = (uint64_t)(uintptr_t)arg;

	periodic_n++;
	sl_timer_arm(periodic_w, t, sl_timer_wheel_now_tsc(periodic_w) + period);
}

static unsigned zero_n;
static void
zero_cb(struct sl_timer *t, void *arg)
{
	(void)arg;
	zero_n++;
	/* Re-arm for "now": must wait for the next run, not spin in this one. */
	sl_timer_arm(periodic_w, t, sl_timer_wheel_now_tsc(periodic_w));
}

static void
test_timer_self_rearm(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1, 0, 0);
	struct sl_timer p, z;

	(void)state;
	periodic_w = w;
	periodic_n = 0;
	zero_n = 0;
	sl_timer_init(&p, periodic_cb, (void *)(uintptr_t)10);
	sl_timer_arm(w, &p, 10);
	/* One big jump: the periodic timer fires for 10, 20, ... 100000 in this call. */
	assert_int_equal(sl_timer_wheel_run(w, 100000), 10000);
	assert_int_equal(periodic_n, 10000);
	assert_int_equal(sl_timer_wheel_run(w, 100005), 0);
	assert_int_equal(sl_timer_wheel_run(w, 100010), 1);
	sl_timer_cancel(w, &p);

	sl_timer_init(&z, zero_cb, NULL);
	sl_timer_arm(w, &z, 100020);
	assert_int_equal(sl_timer_wheel_run(w, 100020), 1);
	assert_int_equal(sl_timer_wheel_run(w, 100020), 1);
	assert_int_equal(sl_timer_wheel_run(w, 100021), 1);
	assert_int_equal(zero_n, 3);
	sl_timer_cancel(w, &z);
	assert_int_equal(sl_timer_wheel_pending(w), 0);
	free(w);
}

static struct sl_timer *victim;
static void
killer_cb(struct sl_timer *t, void *arg)
{
	(void)t;
	record_cb(t, arg);
	sl_timer_cancel(cur_wheel, victim);
}

static void
test_timer_cb_cancels_other(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1, 0, 0);
	struct sl_timer k, v, later;

	(void)state;
	sl_timer_init(&k, killer_cb, (void *)1);
	sl_timer_init(&v, record_cb, (void *)2);
	sl_timer_init(&later, record_cb, (void *)3);
	victim = &v;
	sl_timer_arm(w, &k, 100);
	sl_timer_arm(w, &v, 100); /* same tick, after k */
	sl_timer_arm(w, &later, 200);
	assert_int_equal(sl_timer_wheel_run(w, 300), 2);
	assert_int_equal(rec.id[0], 1);
	assert_int_equal(rec.id[1], 3);
	assert_int_equal(sl_timer_wheel_pending(w), 0);
	free(w);
}

static void
test_timer_budget(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1, 3, 0);
	struct sl_timer t[10];

	(void)state;
	for (unsigned i = 0; i < 10; i++) {
		sl_timer_init(&t[i], record_cb, (void *)(uintptr_t)i);
		sl_timer_arm(w, &t[i], 10 + i);
	}
	assert_int_equal(sl_timer_wheel_run(w, 1000), 3);
	assert_int_equal(sl_timer_wheel_run(w, 1000), 3);
	assert_int_equal(sl_timer_wheel_run(w, 1000), 3);
	assert_int_equal(sl_timer_wheel_run(w, 1000), 1);
	assert_int_equal(sl_timer_wheel_run(w, 1000), 0);
	for (unsigned k = 0; k < 10; k++)
		assert_int_equal(rec.id[k], k);
	free(w);
}

static void
test_timer_next_tsc(void **state)
{
	struct sl_timer_wheel *w = wheel_new(1000000, 1000, 0, 0); /* 512-cycle ticks */
	struct sl_timer a;

	(void)state;
	sl_timer_init(&a, record_cb, NULL);
	sl_timer_arm(w, &a, 100000);
	assert_true(sl_timer_wheel_next_tsc(w) <= 100000);
	assert_true(sl_timer_wheel_next_tsc(w) > 0);
	/* Stepping to each reported time reaches the expiry in a few steps, never early. */
	for (unsigned steps = 0; rec.n == 0; steps++) {
		uint64_t nx = sl_timer_wheel_next_tsc(w);

		assert_true(steps < SL_TIMER_LEVELS);
		assert_true(nx != UINT64_MAX && nx < 100000 + 512);
		sl_timer_wheel_run(w, nx);
	}
	assert_true(rec.at[0] >= 100000 && rec.at[0] < 100000 + 512);
	assert_int_equal(sl_timer_wheel_next_tsc(w), UINT64_MAX);
	/* Never early at a coarse tick: expiry rounds up to the next tick. */
	memset(&rec, 0, sizeof(rec));
	sl_timer_arm(w, &a, 200001);
	sl_timer_wheel_run(w, 200000);
	assert_int_equal(rec.n, 0);
	sl_timer_wheel_run(w, 200001 + 511);
	assert_int_equal(rec.n, 1);
	free(w);
}

/* ======================================================================== rto */

static void
test_rto_initial_and_backoff(void **state)
{
	struct sl_tcp_rto r;

	(void)state;
	sl_tcp_rto_init(&r, NULL);
	assert_int_equal(sl_tcp_rto_us(&r), 1000000);
	assert_int_equal(sl_tcp_rto_srtt_us(&r), 0);
	sl_tcp_rto_backoff(&r);
	assert_int_equal(sl_tcp_rto_us(&r), 2000000);
	sl_tcp_rto_backoff(&r);
	sl_tcp_rto_backoff(&r);
	sl_tcp_rto_backoff(&r);
	sl_tcp_rto_backoff(&r);
	assert_int_equal(sl_tcp_rto_us(&r), 32000000);
	sl_tcp_rto_backoff(&r);
	assert_int_equal(sl_tcp_rto_us(&r), 60000000); /* cap */
	for (int i = 0; i < 300; i++)
		sl_tcp_rto_backoff(&r);
	assert_int_equal(sl_tcp_rto_us(&r), 60000000);
	assert_int_equal(sl_tcp_rto_backoffs(&r), 255);
	/* A sample recomputes and clears the backoff. */
	sl_tcp_rto_sample(&r, 400000);
	assert_int_equal(sl_tcp_rto_backoffs(&r), 0);
	assert_int_equal(sl_tcp_rto_us(&r), 1200000); /* 400 ms + 4 * 200 ms */
}

static void
test_rto_rfc6298_values(void **state)
{
	struct sl_tcp_rto_conf c = {
	    .initial_us = 1000000, .min_us = 1, .max_us = 60000000, .granularity_us = 1000};
	struct sl_tcp_rto r;

	(void)state;
	assert_int_equal(sl_tcp_rto_conf_check(&c), 0);
	sl_tcp_rto_init(&r, &c);
	/* 2.2: SRTT = R = 100 ms, RTTVAR = 50 ms, RTO = 100 + 4 * 50 = 300 ms. */
	sl_tcp_rto_sample(&r, 100000);
	assert_int_equal(sl_tcp_rto_srtt_us(&r), 100000);
	assert_int_equal(sl_tcp_rto_rttvar_us(&r), 50000);
	assert_int_equal(sl_tcp_rto_us(&r), 300000);
	/* 2.3 with R' = 200 ms: RTTVAR = .75*50000 + .25*100000 = 62500;
	 * SRTT = .875*100000 + .125*200000 = 112500; RTO = 112500 + 250000. */
	sl_tcp_rto_sample(&r, 200000);
	assert_int_equal(sl_tcp_rto_rttvar_us(&r), 62500);
	assert_int_equal(sl_tcp_rto_srtt_us(&r), 112500);
	assert_int_equal(sl_tcp_rto_us(&r), 362500);
	/* R' = 50 ms: RTTVAR = 46875 + 15625 = 62500; SRTT = 98437.5 + 6250 = 104687.5;
	 * RTO = 354687.5, rounded up. */
	sl_tcp_rto_sample(&r, 50000);
	assert_int_equal(sl_tcp_rto_rttvar_us(&r), 62500);
	assert_int_equal(sl_tcp_rto_srtt_us(&r), 104688); /* to the nearest us */
	assert_int_equal(sl_tcp_rto_us(&r), 354688);
	/* Backoff doubles the computed value. */
	sl_tcp_rto_backoff(&r);
	assert_int_equal(sl_tcp_rto_us(&r), 709376);
	/* Constant RTT: RTTVAR decays towards 0, so G takes over: RTO -> SRTT + G. */
	for (int i = 0; i < 400; i++)
		sl_tcp_rto_sample(&r, 10000);
	assert_int_equal(sl_tcp_rto_srtt_us(&r), 10000);
	assert_int_equal(sl_tcp_rto_us(&r), 11000);
}

static void
test_rto_reference_model(void **state)
{
	struct sl_tcp_rto_conf c = {
	    .initial_us = 1000000, .min_us = 1, .max_us = 0xffffffffu, .granularity_us = 500};
	struct sl_tcp_rto r;
	double srtt = 0, var = 0;

	(void)state;
	sl_tcp_rto_init(&r, &c);
	for (int i = 0; i < 5000; i++) {
		/* Mostly 20-60 ms with spikes to seconds. */
		uint32_t m = (uint32_t)(20000 + rnd() % 40000);
		double rto;

		if (rnd() % 50 == 0)
			m = (uint32_t)(rnd() % 3000000);
		if (i == 0) {
			srtt = m;
			var = m / 2.0;
		} else {
			var = 0.75 * var + 0.25 * dabs(srtt - m);
			srtt = 0.875 * srtt + 0.125 * m;
		}
		sl_tcp_rto_sample(&r, m);
		rto = srtt + dmax(500.0, 4 * var);
		/* Rounded up from a value a fraction of a microsecond off the real one. */
		assert_true((double)sl_tcp_rto_us(&r) >= rto - 0.5);
		assert_true((double)sl_tcp_rto_us(&r) <= rto + 1.5);
		assert_true(dabs((double)sl_tcp_rto_srtt_us(&r) - srtt) <= 0.6);
	}
}

static void
test_rto_bounds_and_syn(void **state)
{
	struct sl_tcp_rto_conf bad = SL_TCP_RTO_CONF_DEFAULT;
	struct sl_tcp_rto r;

	(void)state;
	assert_int_equal(sl_tcp_rto_conf_check(&bad), 0);
	bad.min_us = 0;
	assert_int_equal(sl_tcp_rto_conf_check(&bad), -EINVAL);
	bad.min_us = 2000000; /* above initial */
	assert_int_equal(sl_tcp_rto_conf_check(&bad), -EINVAL);
	bad.min_us = 1000;
	bad.max_us = 500000; /* below initial */
	assert_int_equal(sl_tcp_rto_conf_check(&bad), -EINVAL);
	assert_int_equal(sl_tcp_rto_conf_check(NULL), -EINVAL);

	/* Default bounds: 1 s floor, 60 s ceiling. */
	sl_tcp_rto_init(&r, NULL);
	sl_tcp_rto_sample(&r, 1000);
	assert_int_equal(sl_tcp_rto_us(&r), 1000000);
	sl_tcp_rto_init(&r, NULL);
	sl_tcp_rto_sample(&r, 100000000);
	assert_int_equal(sl_tcp_rto_us(&r), 60000000);

	/* RFC 6298 5.7: SYN-ACK lost, no sample -> 3 s once established. */
	sl_tcp_rto_init(&r, NULL);
	sl_tcp_rto_backoff(&r);
	sl_tcp_rto_syn_retransmitted(&r);
	assert_int_equal(sl_tcp_rto_us(&r), 3000000);
	assert_int_equal(sl_tcp_rto_backoffs(&r), 0);
	/* With a timestamp-dated sample the estimator wins. */
	sl_tcp_rto_init(&r, NULL);
	sl_tcp_rto_sample(&r, 300000);
	sl_tcp_rto_backoff(&r);
	sl_tcp_rto_syn_retransmitted(&r);
	assert_int_equal(sl_tcp_rto_us(&r), 1000000);
	/* A custom Linux-like floor. */
	struct sl_tcp_rto_conf lx = {
	    .initial_us = 1000000, .min_us = 200000, .max_us = 120000000, .granularity_us = 1000};

	sl_tcp_rto_init(&r, &lx);
	sl_tcp_rto_sample(&r, 100);
	assert_int_equal(sl_tcp_rto_us(&r), 200000);
	for (int i = 0; i < 20; i++)
		sl_tcp_rto_backoff(&r);
	assert_int_equal(sl_tcp_rto_us(&r), 120000000);
}

/* ================================================================= syn cookie */

static const struct sl_tcp_syncookie_key key_a = {0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
static const struct sl_tcp_syncookie_key key_b = {0x1111111111111111ull, 0x2222222222222222ull};

static void
test_siphash_vectors(void **state)
{
	uint8_t msg[64];

	(void)state;
	for (unsigned i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	/* The paper's appendix A example and the reference implementation's vectors. */
	assert_int_equal(sl_tcp_syncookie_siphash(&key_a, msg, 15), 0xa129ca6149be45e5ull);
	assert_int_equal(sl_tcp_syncookie_siphash(&key_a, msg, 0), 0x726fdb47dd0e0e31ull);
	assert_int_equal(sl_tcp_syncookie_siphash(&key_a, msg, 1), 0x74f839c593dc67fdull);
	assert_int_equal(sl_tcp_syncookie_siphash(&key_a, msg, 8), 0x93f5f5799a932462ull);
	assert_true(sl_tcp_syncookie_siphash(&key_b, msg, 15) != 0xa129ca6149be45e5ull);
}

static struct sl_tcp_cookie_flow
flow4(uint32_t s, uint32_t d, uint16_t sp, uint16_t dp)
{
	struct sl_tcp_cookie_flow f;

	memset(&f, 0, sizeof(f));
	f.saddr[0] = s;
	f.daddr[0] = d;
	f.sport = sp;
	f.dport = dp;
	return f;
}

static void
test_cookie_roundtrip_all_mss(void **state)
{
	struct sl_tcp_cookie_flow f4 = flow4(0x0a000001, 0x0acb0002, 0x3039, 0x1001);
	struct sl_tcp_cookie_flow f6 = f4;
	uint32_t slots[] = {0, 1, 7, 8, 12345, 0xfffffffeu, 0xffffffffu};

	(void)state;
	f6.v6 = 1;
	f6.saddr[1] = 0x20010db8;
	f6.saddr[3] = 7;
	f6.daddr[2] = 0xdeadbeef;
	for (unsigned c = 0; c < SL_TCP_SYNCOOKIE_MSS_CLASSES; c++) {
		uint16_t cls = sl_tcp_syncookie_mss_tab[c];
		/* The class itself and a value just above it map to the class. */
		uint16_t asks[2] = {cls, (uint16_t)(c + 1 < SL_TCP_SYNCOOKIE_MSS_CLASSES
		                                        ? sl_tcp_syncookie_mss_tab[c + 1] - 1
		                                        : 65535)};

		if (c > 0)
			assert_true(sl_tcp_syncookie_mss_tab[c] > sl_tcp_syncookie_mss_tab[c - 1]);
		for (unsigned a = 0; a < 2; a++) {
			for (size_t s = 0; s < sizeof(slots) / sizeof(slots[0]); s++) {
				for (int v6 = 0; v6 < 2; v6++) {
					const struct sl_tcp_cookie_flow *f = v6 ? &f6 : &f4;
					uint32_t isn = 0x12345678u * (c + 1) + (uint32_t)s;
					uint16_t got = 0, back = 0;
					uint32_t ck = sl_tcp_syncookie_encode(
					    &key_a, f, isn, slots[s], asks[a], &got);

					assert_int_equal(got, cls);
					/* Same slot and the next one verify. */
					assert_int_equal(sl_tcp_syncookie_verify(&key_a, f, isn, ck,
					                                         slots[s], &back),
					                 0);
					assert_int_equal(back, cls);
					back = 0;
					assert_int_equal(sl_tcp_syncookie_verify(&key_a, f, isn, ck,
					                                         slots[s] + 1,
					                                         &back),
					                 0);
					assert_int_equal(back, cls);
				}
			}
		}
	}
	/* Below the smallest class, and no MSS option at all, give 536. */
	uint16_t got = 0;

	sl_tcp_syncookie_encode(&key_a, &f4, 1, 1, 100, &got);
	assert_int_equal(got, 536);
	sl_tcp_syncookie_encode(&key_a, &f4, 1, 1, 0, &got);
	assert_int_equal(got, 536);
}

static void
test_cookie_rejects(void **state)
{
	struct sl_tcp_cookie_flow f = flow4(0x0a000001, 0x0acb0002, 0x3039, 0x1001), g;
	uint32_t isn = 0xdeadbeef, slot = 1000;
	uint16_t mss;
	uint32_t ck = sl_tcp_syncookie_encode(&key_a, &f, isn, slot, 1460, &mss);

	(void)state;
	assert_int_equal(sl_tcp_syncookie_verify(&key_a, &f, isn, ck, slot, NULL), 0);
	/* Wrong secret. */
	assert_int_equal(sl_tcp_syncookie_verify(&key_b, &f, isn, ck, slot, &mss), -EBADMSG);
	/* Wrong tuple, field by field, and the same addresses as IPv6. */
	g = f;
	g.saddr[0] ^= 1;
	assert_int_equal(sl_tcp_syncookie_verify(&key_a, &g, isn, ck, slot, &mss), -EBADMSG);
	g = f;
	g.daddr[0] ^= 0x100;
	assert_int_equal(sl_tcp_syncookie_verify(&key_a, &g, isn, ck, slot, &mss), -EBADMSG);
	g = f;
	g.sport++;
	assert_int_equal(sl_tcp_syncookie_verify(&key_a, &g, isn, ck, slot, &mss), -EBADMSG);
	g = f;
	g.dport++;
	assert_int_equal(sl_tcp_syncookie_verify(&key_a, &g, isn, ck, slot, &mss), -EBADMSG);
	g = f;
	g.v6 = 1;
	assert_int_equal(sl_tcp_syncookie_verify(&key_a, &g, isn, ck, slot, &mss), -EBADMSG);
	/* Wrong peer ISN (e.g. an ACK for another SYN). */
	assert_int_equal(sl_tcp_syncookie_verify(&key_a, &f, isn + 1, ck, slot, &mss), -EBADMSG);
	/* Stale: two or more slots later, and from the future. */
	for (uint32_t d = 2; d < 8; d++)
		assert_int_equal(sl_tcp_syncookie_verify(&key_a, &f, isn, ck, slot + d, &mss),
		                 -ETIMEDOUT);
	assert_int_equal(sl_tcp_syncookie_verify(&key_a, &f, isn, ck, slot - 1, &mss), -ETIMEDOUT);
	/* Eight slots later aliases to "current" but the full slot is hashed. */
	assert_int_equal(sl_tcp_syncookie_verify(&key_a, &f, isn, ck, slot + 8, &mss), -EBADMSG);
	/* Tampered MSS index (asking for jumbo) and tampered MAC bits. */
	for (unsigned b = 0; b < 29; b++)
		assert_int_equal(
		    sl_tcp_syncookie_verify(&key_a, &f, isn, ck ^ (1u << b), slot, &mss), -EBADMSG);
	/* Random forgeries almost never pass (2^-26 each). */
	unsigned pass = 0;

	for (unsigned i = 0; i < 100000; i++)
		pass += sl_tcp_syncookie_verify(&key_a, &f, isn, (uint32_t)rnd(), slot, NULL) == 0;
	assert_true(pass <= 1);
}

static void
test_cookie_ts_options(void **state)
{
	uint32_t nows[] = {0, 5, 63, 64, 100, 0x12345678u, 0xffffffc0u, 0xffffffffu};

	(void)state;
	for (size_t i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		for (unsigned ws = 0; ws <= 16; ws++) {
			for (int sack = 0; sack < 2; sack++) {
				uint8_t in = ws == 16 ? 200 : (uint8_t)ws, out = 99;
				uint8_t want = in == SL_TCP_WSCALE_NONE ? SL_TCP_WSCALE_NONE
				               : in > 14                ? 14
				                                        : in;
				bool s = false;
				uint32_t ts = sl_tcp_syncookie_ts_encode(nows[i], in, sack);

				/* Never ahead of our clock, at most 63 behind. */
				assert_true(sl_tcp_seq_le(ts, nows[i]));
				assert_true(sl_tcp_seq_diff(nows[i], ts) < 64);
				assert_int_equal(sl_tcp_syncookie_ts_decode(ts, nows[i], &out, &s),
				                 0);
				assert_int_equal(out, want);
				assert_int_equal(s, sack);
				/* The echo comes back later: still decodes. */
				assert_int_equal(
				    sl_tcp_syncookie_ts_decode(ts, nows[i] + 5000, &out, &s), 0);
				assert_int_equal(out, want);
			}
		}
	}
	uint8_t ws;
	bool s;

	/* Reserved bit set, or an echo of a TSval we have not sent yet. */
	assert_int_equal(sl_tcp_syncookie_ts_decode(0x20, 1000, &ws, &s), -EINVAL);
	assert_int_equal(sl_tcp_syncookie_ts_decode(2000, 1000, &ws, &s), -EINVAL);
}

static void
test_cookie_key_init(void **state)
{
	struct sl_tcp_syncookie_key a, b;

	(void)state;
	assert_int_equal(sl_tcp_syncookie_key_init(&a), 0);
	assert_int_equal(sl_tcp_syncookie_key_init(&b), 0);
	assert_true(a.k0 != b.k0 || a.k1 != b.k1);
	assert_int_equal(sl_tcp_syncookie_slot(64 * 1000 + 63), 1000);
}

/* ======================================================================== ooo */

#define PAD 7 /* bytes before the payload in each test mbuf, like a header */

static unsigned pool_base;
static struct sl_tcp_ooo_budget budget;

static uint8_t
pat(uint32_t seq)
{
	return (uint8_t)((seq * 2654435761u) >> 24);
}

/* An mbuf whose payload byte i is pat(seq + i), starting at offset PAD. */
static struct rte_mbuf *
mk(uint32_t seq, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;

	assert_non_null(m);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(PAD + len));
	assert_non_null(p);
	memset(p, 0xee, PAD);
	for (uint32_t i = 0; i < len; i++)
		p[PAD + i] = pat(seq + i);
	return m;
}

static int
ins(struct sl_tcp_ooo *q, uint32_t seq, uint32_t len, uint32_t rcv_nxt, uint32_t wnd)
{
	struct rte_mbuf *m = mk(seq, len);
	int rc = sl_tcp_ooo_insert(q, m, PAD, len, seq, rcv_nxt, wnd);

	if (rc < 0)
		rte_pktmbuf_free(m); /* errors leave it with us */
	return rc;
}

static void
check_slice(const struct sl_slice *sl, uint32_t seq)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(sl->m, const uint8_t *, sl->off);

	assert_true(sl->len > 0);
	assert_true(sl->off + sl->len <= rte_pktmbuf_data_len(sl->m));
	for (uint32_t i = 0; i < sl->len; i++)
		assert_int_equal(p[i], pat(seq + i));
}

/* Structural invariants, and the queue's content against [start,end) pairs. */
static void
expect(const struct sl_tcp_ooo *q, uint32_t rcv_nxt, const uint32_t *ranges, unsigned n)
{
	uint32_t bytes = 0;

	assert_int_equal(q->n, n);
	for (unsigned i = 0; i < n; i++) {
		const struct sl_tcp_ooo_seg *g = &q->seg[i];

		assert_int_equal(g->seq, ranges[2 * i]);
		assert_int_equal(g->seq + g->slice.len, ranges[2 * i + 1]);
		assert_true(sl_tcp_seq_ge(g->seq, rcv_nxt));
		if (i > 0)
			assert_true(
			    sl_tcp_seq_ge(g->seq, q->seg[i - 1].seq + q->seg[i - 1].slice.len));
		check_slice(&g->slice, g->seq);
		bytes += g->slice.len;
	}
	assert_int_equal(q->bytes, bytes);
	assert_int_equal(rte_mempool_in_use_count(pool), pool_base + n);
}

static int
ooo_setup(void **state)
{
	(void)state;
	pool_base = rte_mempool_in_use_count(pool);
	budget.used = 0;
	budget.limit = 1000;
	return 0;
}

/* Every ooo test ends with no mbuf leaked and the budget back at 0. */
static int
ooo_teardown(void **state)
{
	(void)state;
	if (rte_mempool_in_use_count(pool) != pool_base || budget.used != 0) {
		fprintf(stderr, "leak: in use %u (was %u), budget used %u\n",
		        rte_mempool_in_use_count(pool), pool_base, budget.used);
		return -1;
	}
	return 0;
}

static void
pop_all_check(struct sl_tcp_ooo *q, uint32_t *rcv_nxt, uint32_t want_end, unsigned want_n)
{
	struct sl_slice out[64];
	uint32_t seq = *rcv_nxt;
	unsigned k = sl_tcp_ooo_pop(q, rcv_nxt, out, 64);

	assert_int_equal(k, want_n);
	assert_int_equal(*rcv_nxt, want_end);
	/* Contiguous from the old rcv_nxt, content intact. */
	for (unsigned i = 0; i < k; i++) {
		check_slice(&out[i], seq);
		seq += out[i].len;
		rte_pktmbuf_free(out[i].m);
	}
	assert_int_equal(seq, want_end);
}

static void
test_ooo_in_order(void **state)
{
	struct sl_tcp_ooo_seg st[8];
	struct sl_tcp_ooo q;
	uint32_t nxt = 1000;
	struct sl_slice out[4];

	(void)state;
	sl_tcp_ooo_init(&q, st, 8, &budget);
	assert_int_equal(ins(&q, 1000, 100, nxt, 65535), SL_TCP_OOO_STORED);
	assert_int_equal(budget.used, 1);
	assert_int_equal(sl_tcp_ooo_pop(&q, &nxt, out, 0), 0); /* max 0 */
	assert_int_equal(sl_tcp_ooo_pop(&q, &nxt, out, 4), 1);
	assert_int_equal(nxt, 1100);
	assert_int_equal(out[0].off, PAD);
	assert_int_equal(out[0].len, 100);
	check_slice(&out[0], 1000);
	rte_pktmbuf_free(out[0].m);
	assert_true(sl_tcp_ooo_empty(&q));
	assert_int_equal(budget.used, 0);
	/* A hole: nothing pops. */
	assert_int_equal(ins(&q, 1200, 100, nxt, 65535), SL_TCP_OOO_STORED);
	assert_int_equal(sl_tcp_ooo_pop(&q, &nxt, out, 4), 0);
	assert_int_equal(nxt, 1100);
	sl_tcp_ooo_purge(&q);
	assert_int_equal(sl_tcp_ooo_count(&q), 0);
	assert_int_equal(sl_tcp_ooo_bytes(&q), 0);
}

static void
test_ooo_reversed(void **state)
{
	struct sl_tcp_ooo_seg st[16];
	struct sl_tcp_ooo q;
	struct sl_tcp_sack_block sb[4];
	uint32_t nxt = 5000;

	(void)state;
	sl_tcp_ooo_init(&q, st, 16, &budget);
	for (int i = 5; i >= 1; i--)
		assert_int_equal(ins(&q, 5000 + (uint32_t)i * 100, 100, nxt, 65535),
		                 SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){5100, 5200, 5200, 5300, 5300, 5400, 5400, 5500, 5500, 5600},
	       5);
	/* Five touching slices make one SACK block. */
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 4), 1);
	assert_int_equal(sb[0].start, 5100);
	assert_int_equal(sb[0].end, 5600);
	assert_int_equal(sl_tcp_ooo_bytes(&q), 500);
	/* The hole is filled by the caller (in-order path); pop hands out the rest. */
	nxt = 5100;
	pop_all_check(&q, &nxt, 5600, 5);
	assert_true(sl_tcp_ooo_empty(&q));
}

static void
test_ooo_overlap_front_back(void **state)
{
	struct sl_tcp_ooo_seg st[8];
	struct sl_tcp_ooo q;
	uint32_t nxt = 0;

	(void)state;
	sl_tcp_ooo_init(&q, st, 8, &budget);
	assert_int_equal(ins(&q, 100, 100, nxt, 65535), SL_TCP_OOO_STORED);
	/* New overlaps the old one's front: cut to [50, 100). */
	assert_int_equal(ins(&q, 50, 100, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){50, 100, 100, 200}, 2);
	assert_int_equal(q.seg[0].slice.off, PAD); /* its head kept, tail cut */
	/* New overlaps the old one's back: cut to [200, 250). */
	assert_int_equal(ins(&q, 150, 100, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){50, 100, 100, 200, 200, 250}, 3);
	assert_int_equal(q.seg[2].slice.off, PAD + 50);
	/* Overlapping both neighbours across a hole: [300,400) then [250..350) fills [250,300). */
	assert_int_equal(ins(&q, 300, 100, nxt, 65535), SL_TCP_OOO_STORED);
	assert_int_equal(ins(&q, 240, 110, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){50, 100, 100, 200, 200, 250, 250, 300, 300, 400}, 5);
	assert_int_equal(q.seg[3].slice.off, PAD + 10);
	nxt = 50;
	pop_all_check(&q, &nxt, 400, 5);
}

static void
test_ooo_contained_and_covering(void **state)
{
	struct sl_tcp_ooo_seg st[8];
	struct sl_tcp_ooo q;
	uint32_t nxt = 0;

	(void)state;
	sl_tcp_ooo_init(&q, st, 8, &budget);
	assert_int_equal(ins(&q, 100, 200, nxt, 65535), SL_TCP_OOO_STORED);
	/* Fully inside an old slice: duplicate, freed (expect() checks the pool count). */
	assert_int_equal(ins(&q, 150, 50, nxt, 65535), SL_TCP_OOO_DUP);
	assert_int_equal(ins(&q, 100, 200, nxt, 65535), SL_TCP_OOO_DUP);
	assert_int_equal(ins(&q, 299, 1, nxt, 65535), SL_TCP_OOO_DUP);
	expect(&q, nxt, (uint32_t[]){100, 300}, 1);
	/* Covering an old slice entirely: the old one is freed and replaced. */
	assert_int_equal(ins(&q, 50, 300, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){50, 350}, 1);
	assert_int_equal(budget.used, 1);
	/* Covering several, with partial overlaps at both ends. */
	assert_int_equal(ins(&q, 400, 50, nxt, 65535), SL_TCP_OOO_STORED);
	assert_int_equal(ins(&q, 500, 50, nxt, 65535), SL_TCP_OOO_STORED);
	assert_int_equal(ins(&q, 600, 100, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){50, 350, 400, 450, 500, 550, 600, 700}, 4);
	assert_int_equal(ins(&q, 300, 350, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){50, 350, 350, 600, 600, 700}, 3);
	assert_int_equal(budget.used, 3);
	/* Exactly spanning two touching slices: duplicate. */
	assert_int_equal(ins(&q, 340, 20, nxt, 65535), SL_TCP_OOO_DUP);
	assert_int_equal(ins(&q, 50, 650, nxt, 65535), SL_TCP_OOO_DUP);
	/* Covering everything and more: one slice left. */
	assert_int_equal(ins(&q, 10, 800, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){10, 810}, 1);
	sl_tcp_ooo_purge(&q);
}

static void
test_ooo_window(void **state)
{
	struct sl_tcp_ooo_seg st[8];
	struct sl_tcp_ooo q;
	uint32_t nxt = 1000;

	(void)state;
	sl_tcp_ooo_init(&q, st, 8, &budget);
	/* Entirely delivered already: duplicate. */
	assert_int_equal(ins(&q, 900, 100, nxt, 1000), SL_TCP_OOO_DUP);
	/* Straddling rcv_nxt: front cut. */
	assert_int_equal(ins(&q, 950, 100, nxt, 1000), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){1000, 1050}, 1);
	assert_int_equal(q.seg[0].slice.off, PAD + 50);
	/* Past the right edge (2000): refused, mbuf left with the caller. */
	unsigned before = rte_mempool_in_use_count(pool);
	struct rte_mbuf *m = mk(2000, 10);

	assert_int_equal(sl_tcp_ooo_insert(&q, m, PAD, 10, 2000, nxt, 1000), -ERANGE);
	assert_int_equal(rte_mempool_in_use_count(pool), before + 1);
	assert_int_equal(rte_mbuf_refcnt_read(m), 1);
	rte_pktmbuf_free(m);
	/* Zero window refuses everything; len 0 and NULL are invalid. */
	assert_int_equal(ins(&q, 1100, 10, nxt, 0), -ERANGE);
	m = mk(1100, 10);
	assert_int_equal(sl_tcp_ooo_insert(&q, m, PAD, 0, 1100, nxt, 1000), -EINVAL);
	assert_int_equal(sl_tcp_ooo_insert(&q, NULL, 0, 10, 1100, nxt, 1000), -EINVAL);
	rte_pktmbuf_free(m);
	/* Straddling the right edge: back cut. */
	assert_int_equal(ins(&q, 1950, 100, nxt, 1000), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){1000, 1050, 1950, 2000}, 2);
	/* A window given as larger than 2^30 is clamped, not trusted. */
	assert_int_equal(ins(&q, nxt + (1u << 30) + 5, 10, nxt, 0xffffffffu), -ERANGE);
	/* Stale data is dropped when rcv_nxt moves past it (caller delivered it). */
	nxt = 1960;
	assert_int_equal(ins(&q, 3000, 10, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt, (uint32_t[]){1960, 2000, 3000, 3010}, 2);
	assert_int_equal(q.seg[0].slice.off, PAD + 10);
	nxt = 1990;
	pop_all_check(&q, &nxt, 2000, 1);
	sl_tcp_ooo_purge(&q);
}

static void
test_ooo_wraparound(void **state)
{
	struct sl_tcp_ooo_seg st[8];
	struct sl_tcp_ooo q;
	struct sl_tcp_sack_block sb[4];
	uint32_t nxt = 0xffffff00u;

	(void)state;
	sl_tcp_ooo_init(&q, st, 8, &budget);
	assert_int_equal(ins(&q, 0xffffffc0u, 0x80, nxt, 65535), SL_TCP_OOO_STORED); /* crosses 0 */
	assert_int_equal(ins(&q, 0x100, 0x40, nxt, 65535), SL_TCP_OOO_STORED);
	assert_int_equal(ins(&q, 0x40, 0x40, nxt, 65535), SL_TCP_OOO_STORED);
	assert_int_equal(ins(&q, 0xffffff80u, 0x20, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt,
	       (uint32_t[]){0xffffff80u, 0xffffffa0u, 0xffffffc0u, 0x40, 0x40, 0x80, 0x100, 0x140},
	       4);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 4), 3);
	assert_int_equal(sb[0].start, 0xffffff80u);
	assert_int_equal(sb[0].end, 0xffffffa0u);
	assert_int_equal(sb[1].start, 0xffffffc0u);
	assert_int_equal(sb[1].end, 0x80);
	/* Overlap across the wrap: [0xffffffa0, 0x10) fills the gap, cut at 0xffffffc0. */
	assert_int_equal(ins(&q, 0xffffff90u, 0x80, nxt, 65535), SL_TCP_OOO_STORED);
	expect(&q, nxt,
	       (uint32_t[]){0xffffff80u, 0xffffffa0u, 0xffffffa0u, 0xffffffc0u, 0xffffffc0u, 0x40,
	                    0x40, 0x80, 0x100, 0x140},
	       5);
	nxt = 0xffffff80u;
	pop_all_check(&q, &nxt, 0x80, 4);
	assert_int_equal(ins(&q, 0x80, 0x80, nxt, 65535), SL_TCP_OOO_STORED);
	pop_all_check(&q, &nxt, 0x140, 2);
}

static void
test_ooo_bounds(void **state)
{
	struct sl_tcp_ooo_seg st[4], st2[4];
	struct sl_tcp_ooo q, q2;
	uint32_t nxt = 0;
	unsigned before;

	(void)state;
	sl_tcp_ooo_init(&q, st, 4, &budget);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(ins(&q, 100 + i * 100, 50, nxt, 65535), SL_TCP_OOO_STORED);
	/* Full: a new separate segment is refused, nothing freed, queue unchanged. */
	before = rte_mempool_in_use_count(pool);
	struct rte_mbuf *m = mk(1000, 10);

	assert_int_equal(sl_tcp_ooo_insert(&q, m, PAD, 10, 1000, nxt, 65535), -ENOSPC);
	assert_int_equal(rte_mempool_in_use_count(pool), before + 1);
	rte_pktmbuf_free(m);
	/* Even one that would replace a slice partially. */
	assert_int_equal(ins(&q, 140, 30, nxt, 65535), -ENOSPC);
	expect(&q, nxt, (uint32_t[]){100, 150, 200, 250, 300, 350, 400, 450}, 4);
	/* But duplicates and covering segments still work when full. */
	assert_int_equal(ins(&q, 110, 10, nxt, 65535), SL_TCP_OOO_DUP);
	assert_int_equal(ins(&q, 190, 70, nxt, 65535), SL_TCP_OOO_STORED); /* replaces [200,250) */
	expect(&q, nxt, (uint32_t[]){100, 150, 190, 260, 300, 350, 400, 450}, 4);
	assert_int_equal(budget.used, 4);

	/* The per-core budget is shared by the core's queues. */
	budget.limit = 5;
	sl_tcp_ooo_init(&q2, st2, 4, &budget);
	assert_int_equal(ins(&q2, 100, 10, nxt, 65535), SL_TCP_OOO_STORED);
	assert_int_equal(budget.used, 5);
	before = rte_mempool_in_use_count(pool);
	assert_int_equal(ins(&q2, 200, 10, nxt, 65535), -ENOBUFS);
	assert_int_equal(rte_mempool_in_use_count(pool), before);
	assert_int_equal(sl_tcp_ooo_count(&q2), 1);
	/* Freeing room in one queue lets the other grow. */
	nxt = 100;
	pop_all_check(&q, &nxt, 150, 1);
	assert_int_equal(budget.used, 4);
	assert_int_equal(ins(&q2, 200, 10, 0, 65535), SL_TCP_OOO_STORED);
	sl_tcp_ooo_purge(&q);
	sl_tcp_ooo_purge(&q2);
	assert_int_equal(budget.used, 0);
	/* No storage (lazy attach): every new segment is refused. */
	sl_tcp_ooo_init(&q, NULL, 4, NULL);
	assert_int_equal(ins(&q, 100, 10, 0, 65535), -ENOSPC);
}

static void
test_ooo_sack_order(void **state)
{
	struct sl_tcp_ooo_seg st[16];
	struct sl_tcp_ooo q;
	struct sl_tcp_sack_block sb[4];
	uint32_t nxt = 0;

	(void)state;
	sl_tcp_ooo_init(&q, st, 16, &budget);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 4), 0);
	/* Blocks A [1000,1100), B [2000,2100), C [3000,3100), arriving in that order. */
	ins(&q, 1000, 100, nxt, 65535);
	ins(&q, 2000, 100, nxt, 65535);
	ins(&q, 3000, 100, nxt, 65535);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 4), 3);
	assert_int_equal(sb[0].start, 3000);
	assert_int_equal(sb[1].start, 2000);
	assert_int_equal(sb[2].start, 1000);
	/* A grows: it is the most recent now, and reports its whole extent. */
	ins(&q, 1100, 100, nxt, 65535);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 4), 3);
	assert_int_equal(sb[0].start, 1000);
	assert_int_equal(sb[0].end, 1200);
	assert_int_equal(sb[1].start, 3000);
	assert_int_equal(sb[2].start, 2000);
	/* A duplicate inside B makes B first (it is what this ACK answers). */
	assert_int_equal(ins(&q, 2010, 10, nxt, 65535), SL_TCP_OOO_DUP);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 4), 3);
	assert_int_equal(sb[0].start, 2000);
	assert_int_equal(sb[0].end, 2100);
	/* Six blocks: only the four most recent, most recent first; max 3 with timestamps. */
	ins(&q, 4000, 100, nxt, 65535);
	ins(&q, 5000, 100, nxt, 65535);
	ins(&q, 6000, 100, nxt, 65535);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 8), 4);
	assert_int_equal(sb[0].start, 6000);
	assert_int_equal(sb[1].start, 5000);
	assert_int_equal(sb[2].start, 4000);
	assert_int_equal(sb[3].start, 2000);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 3), 3);
	assert_int_equal(sb[2].start, 4000);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 0), 0);
	/* Filling the hole between B and C-side blocks merges them into one block. */
	ins(&q, 2100, 900, nxt, 65535);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 4), 4);
	assert_int_equal(sb[0].start, 2000);
	assert_int_equal(sb[0].end, 3100);
	/* A block partly delivered reports only what is left. */
	nxt = 1150;
	struct sl_slice out[4];

	assert_int_equal(sl_tcp_ooo_pop(&q, &nxt, out, 4), 1);
	rte_pktmbuf_free(out[0].m);
	assert_int_equal(nxt, 1200);
	assert_int_equal(sl_tcp_ooo_sack(&q, sb, 4), 4);
	for (unsigned i = 0; i < 4; i++)
		assert_true(sb[i].start >= 2000);
	sl_tcp_ooo_purge(&q);
}

static void
test_ooo_chained_mbuf(void **state)
{
	struct sl_tcp_ooo_seg st[4];
	struct sl_tcp_ooo q;
	struct rte_mbuf *a = mk(100, 50), *b = mk(150, 50);

	(void)state;
	/* A two-segment chain: one slice, and freeing it returns both mbufs. */
	assert_int_equal(rte_pktmbuf_chain(a, b), 0);
	sl_tcp_ooo_init(&q, st, 4, &budget);
	assert_int_equal(sl_tcp_ooo_insert(&q, a, PAD, 50, 100, 0, 65535), SL_TCP_OOO_STORED);
	assert_int_equal(rte_mempool_in_use_count(pool), pool_base + 2);
	assert_int_equal(ins(&q, 90, 200, 0, 65535), SL_TCP_OOO_STORED); /* covers, frees chain */
	assert_int_equal(rte_mempool_in_use_count(pool), pool_base + 1);
	/* A slice whose mbuf has another holder: the queue drops only its reference. */
	struct rte_mbuf *c = mk(500, 10);

	rte_pktmbuf_refcnt_update(c, 1);
	assert_int_equal(sl_tcp_ooo_insert(&q, c, PAD, 10, 500, 0, 65535), SL_TCP_OOO_STORED);
	sl_tcp_ooo_purge(&q);
	assert_int_equal(rte_mbuf_refcnt_read(c), 1);
	rte_pktmbuf_free(c);
}

/* Randomised: model of held bytes vs the queue, content of every slice, no leak. */
static void
test_ooo_random_model(void **state)
{
	enum { WND = 4096, CAP = 24 };
	struct sl_tcp_ooo_seg st[CAP];
	struct sl_slice out[CAP];
	struct sl_tcp_ooo q;
	static uint8_t held[WND * 2];
	uint32_t nxt = 0xfffff000u, base = nxt;

	(void)state;
	budget.limit = CAP - 4;
	sl_tcp_ooo_init(&q, st, CAP, &budget);
	memset(held, 0, sizeof(held));
	for (int it = 0; it < 30000; it++) {
		unsigned op = (unsigned)(rnd() % 8);

		if (op < 6) {
			uint32_t s = nxt - 64 + (uint32_t)(rnd() % (WND + 128));
			uint32_t len = 1 + (uint32_t)(rnd() % 300);
			int rc = ins(&q, s, len, nxt, WND);

			if (rc >= 0) {
				for (uint32_t i = 0; i < len; i++) {
					uint32_t o = s + i - nxt;

					if (o < WND)
						held[(s + i - base) % (WND * 2)] = 1;
				}
			}
		} else {
			/* The caller delivers 0..200 fresh in-order bytes, then pops. */
			uint32_t adv = (uint32_t)(rnd() % 200), before = nxt;
			unsigned k;

			for (uint32_t i = 0; i < adv; i++)
				held[(nxt + i - base) % (WND * 2)] = 0;
			nxt += adv;
			uint32_t seq = nxt;

			k = sl_tcp_ooo_pop(&q, &nxt, out, CAP);
			for (unsigned i = 0; i < k; i++) {
				check_slice(&out[i], seq);
				seq += out[i].len;
				rte_pktmbuf_free(out[i].m);
			}
			assert_int_equal(seq, nxt);
			for (uint32_t s = before + adv; s != nxt; s++) {
				assert_true(held[(s - base) % (WND * 2)]);
				held[(s - base) % (WND * 2)] = 0;
			}
			/* What stops the pop is a hole. */
			assert_false(held[(nxt - base) % (WND * 2)]);
		}
		/* Model check: held bytes in [nxt, nxt + WND) match the slices exactly. */
		unsigned bi = 0;
		uint32_t total = 0;

		for (uint32_t o = 0; o < WND; o++) {
			uint32_t s = nxt + o;
			int in = 0;

			while (bi < q.n && sl_tcp_seq_le(q.seg[bi].seq + q.seg[bi].slice.len, s))
				bi++;
			if (bi < q.n && sl_tcp_seq_ge(s, q.seg[bi].seq))
				in = 1;
			assert_int_equal(in, held[(s - base) % (WND * 2)]);
		}
		for (unsigned i = 0; i < q.n; i++) {
			total += q.seg[i].slice.len;
			if (i > 0)
				assert_true(sl_tcp_seq_le(q.seg[i - 1].seq + q.seg[i - 1].slice.len,
				                          q.seg[i].seq));
			assert_true(sl_tcp_seq_ge(q.seg[i].seq, nxt));
		}
		assert_int_equal(total, q.bytes);
		assert_int_equal(budget.used, q.n);
		assert_true(q.n <= budget.limit);
		assert_int_equal(rte_mempool_in_use_count(pool), pool_base + q.n);
	}
	sl_tcp_ooo_purge(&q);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_seq_basic),
	    cmocka_unit_test(test_seq_wraparound),
	    cmocka_unit_test(test_seq_half_circle),
	    cmocka_unit_test(test_timer_init),
	    cmocka_unit_test(test_timer_order),
	    cmocka_unit_test(test_timer_order_one_jump),
	    cmocka_unit_test(test_timer_same_tick_fifo),
	    cmocka_unit_test(test_timer_cancel),
	    cmocka_unit_test(test_timer_rearm),
	    cmocka_unit_test(test_timer_long),
	    cmocka_unit_test(test_timer_boundaries),
	    cmocka_unit_test(test_timer_many),
	    cmocka_unit_test(test_timer_self_rearm),
	    cmocka_unit_test(test_timer_cb_cancels_other),
	    cmocka_unit_test(test_timer_budget),
	    cmocka_unit_test(test_timer_next_tsc),
	    cmocka_unit_test(test_rto_initial_and_backoff),
	    cmocka_unit_test(test_rto_rfc6298_values),
	    cmocka_unit_test(test_rto_reference_model),
	    cmocka_unit_test(test_rto_bounds_and_syn),
	    cmocka_unit_test(test_siphash_vectors),
	    cmocka_unit_test(test_cookie_roundtrip_all_mss),
	    cmocka_unit_test(test_cookie_rejects),
	    cmocka_unit_test(test_cookie_ts_options),
	    cmocka_unit_test(test_cookie_key_init),
	    cmocka_unit_test_setup_teardown(test_ooo_in_order, ooo_setup, ooo_teardown),
	    cmocka_unit_test_setup_teardown(test_ooo_reversed, ooo_setup, ooo_teardown),
	    cmocka_unit_test_setup_teardown(test_ooo_overlap_front_back, ooo_setup, ooo_teardown),
	    cmocka_unit_test_setup_teardown(test_ooo_contained_and_covering, ooo_setup,
	                                    ooo_teardown),
	    cmocka_unit_test_setup_teardown(test_ooo_window, ooo_setup, ooo_teardown),
	    cmocka_unit_test_setup_teardown(test_ooo_wraparound, ooo_setup, ooo_teardown),
	    cmocka_unit_test_setup_teardown(test_ooo_bounds, ooo_setup, ooo_teardown),
	    cmocka_unit_test_setup_teardown(test_ooo_sack_order, ooo_setup, ooo_teardown),
	    cmocka_unit_test_setup_teardown(test_ooo_chained_mbuf, ooo_setup, ooo_teardown),
	    cmocka_unit_test_setup_teardown(test_ooo_random_model, ooo_setup, ooo_teardown),
	};

	if (sl_test_eal_init() < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	pool = sl_test_pool();
	return cmocka_run_group_tests_name("tcp_blocks", tests, NULL, NULL);
}
