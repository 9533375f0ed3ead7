/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core hierarchical timer wheel driven by the TSC: arm, re-arm and cancel in O(1). */
#ifndef SL_TIMER_H
#define SL_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timer_types.h"

/*
 * Use (one wheel per poll core, never shared):
 *
 *	sl_timer_wheel_init(&core->wheel, &(struct sl_timer_wheel_conf){
 *		.tsc_hz = rte_get_tsc_hz(), .tick_us = 1000 }, rte_rdtsc());
 *	sl_timer_init(&conn->rtx_timer, tcp_rtx_expired, conn);
 *	sl_timer_arm_us(&core->wheel, &conn->rtx_timer, now, rto_us);
 *	...top of every poll loop: sl_timer_wheel_run(&core->wheel, now);
 *
 * Resolution: one tick is the largest power of two of TSC cycles not above
 * tick_us (1000 us at 2.5 GHz gives 2^21 cycles = 0.84 ms). A timer never
 * fires before its expiry TSC; it fires in the first sl_timer_wheel_run()
 * whose now has reached its expiry rounded up to a whole tick, so it is late
 * by less than one tick plus the gap between two calls (plus any wait for
 * run_budget under overload).
 *
 * Limits: any expiry up to 2^64 cycles works. A timer starts on the level of
 * the highest bit where its expiry and now differ, about log64 of its delay in
 * ticks (2 hours at 1 ms ticks: level 3), and is moved down a level at most
 * that many times before it fires; never more than 10. Timers
 * that expire on the same tick fire in the order they were armed, except that
 * ones brought down from a higher level come after those armed directly on
 * the tick's slot. A callback that arms a timer at or before the wheel's
 * current time gets it called on the next sl_timer_wheel_run(), not this one,
 * so a callback re-arming itself with no delay cannot spin.
 */

/* Set a timer's callback; leaves it idle. Do not call on a pending timer. */
static inline void
sl_timer_init(struct sl_timer *t, sl_timer_cb_t cb, void *arg)
{
	t->link.next = NULL;
	t->link.prev = NULL;
	t->expire = 0;
	t->cb = cb;
	t->arg = arg;
	t->where = 0;
}

/* True while armed and not yet fired or cancelled. */
static inline bool
sl_timer_pending(const struct sl_timer *t)
{
	return t->where != 0;
}

/*
 * Prepare a wheel at time now_tsc. Returns 0, or -EINVAL when tsc_hz is below
 * 1 MHz or above 1 THz, or tick_us is 0 or shorter than one cycle.
 */
int sl_timer_wheel_init(struct sl_timer_wheel *w, const struct sl_timer_wheel_conf *conf,
                        uint64_t now_tsc);

/*
 * Arm t to fire once TSC reaches expire_tsc; a pending t is moved (re-arm).
 * An expiry already in the past fires on the next sl_timer_wheel_run(). O(1).
 */
void sl_timer_arm(struct sl_timer_wheel *w, struct sl_timer *t, uint64_t expire_tsc);

/* Disarm t if pending; no-op on an idle timer. O(1). */
void sl_timer_cancel(struct sl_timer_wheel *w, struct sl_timer *t);

/*
 * Call, in expiry order, the callback of every timer whose expiry is at or
 * before now_tsc, up to the wheel's run_budget callbacks; what is left waits
 * for the next call. Returns how many callbacks ran. Work is bounded by the
 * timers fired and moved, not by how much time passed since the last call.
 */
unsigned sl_timer_wheel_run(struct sl_timer_wheel *w, uint64_t now_tsc);

/*
 * Earliest TSC at which sl_timer_wheel_run() may have something to do, or
 * UINT64_MAX when nothing is armed. A lower bound: for a far timer it is the
 * start of its slot's span, where it is moved down a level, not its expiry.
 */
uint64_t sl_timer_wheel_next_tsc(const struct sl_timer_wheel *w);

/* Microseconds to TSC cycles at this wheel's frequency; saturates at UINT64_MAX. */
static inline uint64_t
sl_timer_us_to_tsc(const struct sl_timer_wheel *w, uint64_t us)
{
	if (us > w->us_max)
		return UINT64_MAX;
	return (us >> 20) * w->us_mult + (((us & 0xfffff) * w->us_mult) >> 20);
}

/* Arm t to fire delay_us after now_tsc (saturating). */
static inline void
sl_timer_arm_us(struct sl_timer_wheel *w, struct sl_timer *t, uint64_t now_tsc, uint64_t delay_us)
{
	uint64_t d = sl_timer_us_to_tsc(w, delay_us);

	sl_timer_arm(w, t, d > UINT64_MAX - now_tsc ? UINT64_MAX : now_tsc + d);
}

/* The TSC cycles in one tick (the wheel's resolution). */
static inline uint64_t
sl_timer_wheel_tick_cycles(const struct sl_timer_wheel *w)
{
	return w->tick_mask + 1;
}

/* The wheel's time: the start of the last tick it has processed, in TSC cycles. */
static inline uint64_t
sl_timer_wheel_now_tsc(const struct sl_timer_wheel *w)
{
	return w->now << w->tick_shift;
}

/* Timers armed and not yet fired or cancelled. */
static inline uint64_t
sl_timer_wheel_pending(const struct sl_timer_wheel *w)
{
	return w->pending;
}

#endif /* SL_TIMER_H */
