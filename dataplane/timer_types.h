/* SPDX-License-Identifier: BSD-3-Clause */
/* Types and constants of the per-core timer wheel (functions are in timer.h). */
#ifndef SL_TIMER_TYPES_H
#define SL_TIMER_TYPES_H

#include <stdint.h>

/*
 * Slots per level, as a bit count. 6 gives 64 slots, so one uint64_t bitmap
 * per level says which slots hold timers and one ctz finds the next busy one.
 * Raising it makes the wheel bigger without making anything faster (the
 * bitmap trick stops working past 64); lowering it adds levels and cascades.
 */
#define SL_TIMER_LEVEL_BITS 6
#define SL_TIMER_SLOTS      (1u << SL_TIMER_LEVEL_BITS)
/*
 * Enough levels to cover every bit of a 64-bit tick count (11 * 6 >= 64), so
 * any expiry, however far, has a slot and nothing needs "rounds": the level is
 * picked by the highest bit where expiry and now differ, and that bit always
 * exists. The top level uses only its low 16 slots.
 */
#define SL_TIMER_LEVELS 11

struct sl_timer;

/*
 * Expiry callback. The timer is idle when this runs, so the callback may
 * re-arm it (that is how periodic timers work), arm or cancel any other timer,
 * or free the owner that embeds it. It runs on the wheel's core, inside
 * sl_timer_wheel_run(), under the fast-path rules.
 */
typedef void (*sl_timer_cb_t)(struct sl_timer *t, void *arg);

/* Doubly-linked, circular, with a sentinel per list: O(1) unlink, FIFO order. */
struct sl_timer_link {
	struct sl_timer_link *next;
	struct sl_timer_link *prev;
};

/*
 * One timer, embedded in its owner (a connection holds one per purpose). A
 * zero-filled timer is valid and idle; sl_timer_init() sets the callback.
 */
struct sl_timer {
	struct sl_timer_link link; /* in a slot list, or the due list, when pending */
	uint64_t expire;           /* absolute expiry, in wheel ticks */
	sl_timer_cb_t cb;
	void *arg;
	uint16_t where; /* 0 idle, 1 due/firing list, 2 + slot index when in the wheel */
};

/* What sl_timer_wheel_init() needs. */
struct sl_timer_wheel_conf {
	uint64_t tsc_hz;     /* TSC frequency, rte_get_tsc_hz() (or 1e6 for microsecond time) */
	uint32_t tick_us;    /* wanted resolution; the real one is a power of two of cycles <= it */
	uint32_t run_budget; /* most callbacks per sl_timer_wheel_run(); 0 = no limit */
};

/*
 * The wheel of one core. About 11 KiB; it holds pointers to itself (list
 * sentinels), so it must not be copied or moved after sl_timer_wheel_init().
 */
struct sl_timer_wheel {
	uint64_t now;        /* ticks: every timer with expire <= now has been handed out */
	uint64_t tick_mask;  /* (1 << tick_shift) - 1 */
	uint64_t us_mult;    /* cycles per microsecond, fixed point with 20 fraction bits */
	uint64_t us_max;     /* largest microsecond count whose cycle count fits in 64 bits */
	uint32_t tick_shift; /* one tick = 2^tick_shift TSC cycles */
	uint32_t run_budget; /* from the conf; 0 = no limit */
	uint64_t pending;    /* timers armed and not yet fired or cancelled */
	uint64_t bitmap[SL_TIMER_LEVELS]; /* bit s of level l set <=> slot (l, s) not empty */
	/* Expired, not yet called: armed in the past, or the run budget ran out. */
	struct sl_timer_link due;
	struct sl_timer_link slot[SL_TIMER_LEVELS * SL_TIMER_SLOTS];
};

#endif /* SL_TIMER_TYPES_H */
