/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core hierarchical timer wheel: placement by highest differing bit, bitmap-driven stepping. */

/*
 * Design
 * ------
 * Time is counted in ticks of 2^tick_shift TSC cycles. The wheel has 11
 * levels of 64 slots; level l splits time into spans of 64^l ticks, and slot s
 * of level l holds timers whose expiry, shifted right by 6*l, ends in s.
 *
 *   level 0  [0][1][2] ... [63]     one tick per slot
 *   level 1  [0][1][2] ... [63]     64 ticks per slot
 *   level 2  [0][1][2] ... [63]     4096 ticks per slot
 *   ...
 *   level 10 [0] ... [15]           2^60 ticks per slot (bits 60..63)
 *   bitmap[l]: bit s set <=> slot (l, s) not empty
 *   due:       timers already expired but not yet called
 *
 * Placement: a timer with expiry e > now goes on the level of the highest bit
 * where e and now differ, slot (e >> 6l) & 63. Above that level e and now are
 * equal, so within its level the timer's span is ahead of now's span and less
 * than a full turn ahead: a slot names exactly one span, and no timer needs a
 * round count however far away it is.
 *
 * Invariant: for every level l and every timer in it, with u = e >> 6l and
 * cu = now >> 6l, cu < u <= cu + 63. So the slot at now's own position is
 * empty, and the next busy slot of a level, found with one rotate and one
 * ctz of its bitmap, is the next span of that level that starts.
 *
 * Running to time T: repeat { find the earliest tick t at which some busy
 * slot's span starts (the minimum over levels); stop if t > T; set now = t;
 * take every slot whose span starts at t; fire the timers with e == t and put
 * the others back (relative to now = t they land on a lower level, in a span
 * after t, so the invariant holds) }. Each step fires or moves at least one
 * timer, so the cost of a run is bounded by the work done, not by T - now:
 * jumping two hours costs the same as jumping one tick. Because steps go in
 * time order, callbacks come in expiry order even across a long jump, and a
 * callback arming a timer for a later tick still inside T sees it fire in
 * the same run.
 *
 * Ownership: the wheel belongs to one core; nothing here is thread-safe and
 * nothing needs to be. Timers are embedded in their owners; the wheel only
 * links them. An owner must cancel its timers before freeing itself (a
 * callback may free its owner: the timer is unlinked before the call).
 *
 * Rejected:
 *  - A single hashed wheel with round counts (expiry mod N): every pass over
 *    a slot walks the timers that are not due yet, so 100k idle timers of two
 *    hours get walked about 1760 times each at 4096 slots of 1 ms.
 *  - A classic cascading wheel indexed by e - now (Linux before 4.8): it
 *    advances one tick at a time, so a core that stalled for a second walks
 *    a thousand slots (at 1 ms) to catch up, and it needs special cases for
 *    delays past its last level.
 *  - A non-cascading wheel that fires late by up to 1/8 of the delay (Linux
 *    since 4.8): fine for timeouts that are almost always cancelled, but RTO
 *    and delayed ACK need their expiry, not 12% after it.
 *  - A heap: O(log n) arm/cancel and a cache miss per level, for every ACK.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "timer.h"

#define WHERE_IDLE  0
#define WHERE_LIST  1 /* on the due list or a local firing list */
#define WHERE_SLOT0 2 /* WHERE_SLOT0 + level * SL_TIMER_SLOTS + slot */

_Static_assert((SL_TIMER_LEVELS) * (SL_TIMER_LEVEL_BITS) >= 64, "levels cover 64-bit ticks");
_Static_assert(SL_TIMER_SLOTS == 64, "one uint64_t bitmap per level");
_Static_assert(WHERE_SLOT0 + SL_TIMER_LEVELS * SL_TIMER_SLOTS <= UINT16_MAX, "where fits");

static inline void
list_init(struct sl_timer_link *h)
{
	h->next = h;
	h->prev = h;
}

static inline int
list_empty(const struct sl_timer_link *h)
{
	return h->next == h;
}

static inline void
list_add_tail(struct sl_timer_link *h, struct sl_timer_link *n)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void
list_del(struct sl_timer_link *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = NULL;
	n->prev = NULL;
}

/* Move all of src to the end of dst; src ends empty. */
static inline void
list_splice_tail(struct sl_timer_link *dst, struct sl_timer_link *src)
{
	if (list_empty(src))
		return;
	src->next->prev = dst->prev;
	dst->prev->next = src->next;
	src->prev->next = dst;
	dst->prev = src->prev;
	list_init(src);
}

/* Move all of src to the front of dst; src ends empty. */
static inline void
list_splice_head(struct sl_timer_link *dst, struct sl_timer_link *src)
{
	if (list_empty(src))
		return;
	src->prev->next = dst->next;
	dst->next->prev = src->prev;
	dst->next = src->next;
	src->next->prev = dst;
	list_init(src);
}

static inline struct sl_timer *
link_timer(struct sl_timer_link *l)
{
	return (struct sl_timer *)(void *)((char *)l - offsetof(struct sl_timer, link));
}

static inline uint64_t
ror64(uint64_t x, unsigned r)
{
	r &= 63;
	return (x >> r) | (x << ((64 - r) & 63));
}

/* The tick holding tsc, rounded up so a timer never fires before its TSC. */
static inline uint64_t
tsc_to_tick_ceil(const struct sl_timer_wheel *w, uint64_t tsc)
{
	return (tsc >> w->tick_shift) + ((tsc & w->tick_mask) != 0);
}

/* The first tick of the next busy span of level l (bitmap[l] must not be 0). */
static inline uint64_t
level_next_tick(const struct sl_timer_wheel *w, unsigned l)
{
	unsigned shift = l * SL_TIMER_LEVEL_BITS;
	uint64_t cu = w->now >> shift;
	unsigned p = (unsigned)(cu & (SL_TIMER_SLOTS - 1));
	/* Rotate so the slot right after now's lands on bit 0. */
	uint64_t rot = ror64(w->bitmap[l], p + 1);

	return (cu + (uint64_t)__builtin_ctzll(rot) + 1) << shift;
}

/* Link an idle timer whose expire is set: into the due list or its slot. */
static void
place(struct sl_timer_wheel *w, struct sl_timer *t)
{
	uint64_t diff;
	unsigned level, slot, idx;

	if (t->expire <= w->now) {
		list_add_tail(&w->due, &t->link);
		t->where = WHERE_LIST;
		return;
	}
	diff = t->expire ^ w->now;
	level = (unsigned)(63 - __builtin_clzll(diff)) / SL_TIMER_LEVEL_BITS;
	slot = (unsigned)(t->expire >> (level * SL_TIMER_LEVEL_BITS)) & (SL_TIMER_SLOTS - 1);
	idx = level * SL_TIMER_SLOTS + slot;
	list_add_tail(&w->slot[idx], &t->link);
	w->bitmap[level] |= UINT64_C(1) << slot;
	t->where = (uint16_t)(WHERE_SLOT0 + idx);
}

/* Unlink a pending timer and keep its slot's bitmap bit honest. */
static void
unplace(struct sl_timer_wheel *w, struct sl_timer *t)
{
	list_del(&t->link);
	if (t->where >= WHERE_SLOT0) {
		unsigned idx = t->where - WHERE_SLOT0;

		if (list_empty(&w->slot[idx]))
			w->bitmap[idx / SL_TIMER_SLOTS] &= ~(UINT64_C(1) << (idx % SL_TIMER_SLOTS));
	}
	t->where = WHERE_IDLE;
}

int
sl_timer_wheel_init(struct sl_timer_wheel *w, const struct sl_timer_wheel_conf *conf,
                    uint64_t now_tsc)
{
	uint64_t q, cycles;
	unsigned i;

	if (conf == NULL || conf->tsc_hz < 1000000 || conf->tsc_hz > (UINT64_C(1) << 40) ||
	    conf->tick_us == 0)
		return -EINVAL;
	memset(w, 0, sizeof(*w));
	/* mult < 2^61 (hz <= 2^40), and (us & 0xfffff) * mult < 2^64 needs mult < 2^44: ok. */
	w->us_mult = (conf->tsc_hz << 20) / 1000000;
	q = UINT64_MAX / w->us_mult;
	/* (us >> 20) * mult + low part (< mult) must not wrap: us >> 20 <= q - 1. */
	w->us_max = q - 1 > (UINT64_MAX >> 20) ? UINT64_MAX : ((q - 1) << 20) | 0xfffff;
	cycles = sl_timer_us_to_tsc(w, conf->tick_us);
	if (cycles == 0)
		return -EINVAL;
	w->tick_shift = (unsigned)(63 - __builtin_clzll(cycles));
	w->tick_mask = (UINT64_C(1) << w->tick_shift) - 1;
	w->run_budget = conf->run_budget;
	w->now = now_tsc >> w->tick_shift;
	list_init(&w->due);
	for (i = 0; i < SL_TIMER_LEVELS * SL_TIMER_SLOTS; i++)
		list_init(&w->slot[i]);
	return 0;
}

void
sl_timer_arm(struct sl_timer_wheel *w, struct sl_timer *t, uint64_t expire_tsc)
{
	if (t->where != WHERE_IDLE)
		unplace(w, t);
	else
		w->pending++;
	t->expire = tsc_to_tick_ceil(w, expire_tsc);
	place(w, t);
}

void
sl_timer_cancel(struct sl_timer_wheel *w, struct sl_timer *t)
{
	if (t->where == WHERE_IDLE)
		return;
	unplace(w, t);
	w->pending--;
}

/*
 * Call the timers on list, at most budget of them; the rest go back to the
 * front of the due list (they are older than anything armed meanwhile).
 */
static unsigned
fire(struct sl_timer_wheel *w, struct sl_timer_link *list, unsigned budget)
{
	unsigned n = 0;

	while (!list_empty(list)) {
		struct sl_timer *t;

		if (n == budget) {
			list_splice_head(&w->due, list);
			break;
		}
		t = link_timer(list->next);
		list_del(&t->link);
		t->where = WHERE_IDLE;
		w->pending--;
		t->cb(t, t->arg);
		n++;
	}
	return n;
}

unsigned
sl_timer_wheel_run(struct sl_timer_wheel *w, uint64_t now_tsc)
{
	uint64_t target = now_tsc >> w->tick_shift;
	unsigned budget = w->run_budget ? w->run_budget : UINT_MAX;
	unsigned fired = 0;
	struct sl_timer_link firing, moving;

	list_init(&firing);
	list_init(&moving);
	/* Leftovers first: everything on due expired at or before now. */
	if (!list_empty(&w->due)) {
		list_splice_tail(&firing, &w->due);
		fired = fire(w, &firing, budget);
	}
	while (fired < budget) {
		uint64_t cand[SL_TIMER_LEVELS];
		uint64_t t = 0;
		int found = 0;
		unsigned l;

		for (l = 0; l < SL_TIMER_LEVELS; l++) {
			if (w->bitmap[l] == 0)
				continue;
			cand[l] = level_next_tick(w, l);
			if (!found || cand[l] < t)
				t = cand[l];
			found = 1;
		}
		if (!found || t > target)
			break;
		w->now = t;
		/* Take every slot whose span starts at t, level 0 first (FIFO as armed). */
		for (l = 0; l < SL_TIMER_LEVELS; l++) {
			unsigned slot, idx;

			if (w->bitmap[l] == 0 || cand[l] != t)
				continue;
			slot = (unsigned)(t >> (l * SL_TIMER_LEVEL_BITS)) & (SL_TIMER_SLOTS - 1);
			idx = l * SL_TIMER_SLOTS + slot;
			list_splice_tail(&moving, &w->slot[idx]);
			w->bitmap[l] &= ~(UINT64_C(1) << slot);
		}
		/* No callback runs here, so nothing else touches these timers. */
		while (!list_empty(&moving)) {
			struct sl_timer *tm = link_timer(moving.next);

			list_del(&tm->link);
			if (tm->expire <= t) {
				list_add_tail(&firing, &tm->link);
				tm->where = WHERE_LIST;
			} else {
				place(w, tm);
			}
		}
		fired += fire(w, &firing, budget - fired);
	}
	if (fired < budget && target > w->now)
		w->now = target;
	return fired;
}

uint64_t
sl_timer_wheel_next_tsc(const struct sl_timer_wheel *w)
{
	uint64_t best = UINT64_MAX;
	int found = 0;
	unsigned l;

	if (!list_empty(&w->due))
		return w->now << w->tick_shift;
	for (l = 0; l < SL_TIMER_LEVELS; l++) {
		uint64_t t;

		if (w->bitmap[l] == 0)
			continue;
		t = level_next_tick(w, l);
		if (!found || t < best)
			best = t;
		found = 1;
	}
	if (!found || best > (UINT64_MAX >> w->tick_shift))
		return UINT64_MAX;
	return best << w->tick_shift;
}
