/* SPDX-License-Identifier: BSD-3-Clause */
/* Out-of-order receive queue: sorted slice array with overlap trimming and SACK generation. */

/*
 * Design
 * ------
 * Layout: a sorted array of slices, one per kept segment, in storage the
 * caller gives (the connection embeds it or borrows it from a per-core pool):
 *
 *   rcv_nxt
 *      |   hole    seg[0]       seg[1] seg[2]    hole     seg[3]
 *   ---+---------[=========]---[=====][======]---------[=======]---> seq
 *                 m0,off0,len0  m1..   m2..              m3..
 *                 \___ SACK block ___/\_____/             \_____/
 *                  (seg[1] and seg[2] touch: one block)
 *
 * Invariants (after every call, relative to the rcv_nxt it was given):
 *  - seq ascending, no two slices share a byte, every len > 0;
 *  - every queued byte is at or after rcv_nxt and was inside the window when
 *    it arrived (the window may have been bigger then; it is never cut);
 *  - each slice holds exactly one mbuf reference; n, bytes and the core
 *    budget's used count agree with the array.
 * Because all queued bytes sit less than 2^30 after rcv_nxt, the code works
 * on offsets from rcv_nxt (plain unsigned compares) instead of modular ones.
 *
 * Insert, for new bytes [s, e) after window trimming, with old data winning
 * where it is partly overlapped and new data winning where it covers:
 *
 *   left neighbour overlaps s     -> cut the new front to its end
 *   right neighbour overlaps e    -> cut the new back to its start
 *   nothing left, or touching old
 *   slices hold all that is left  -> duplicate, free the new mbuf
 *   old slices inside [s, e)      -> freed, the new slice takes their place
 *
 * So an insert never splits anything and never needs a second reference on
 * an mbuf: the count changes by 1 - (slices covered), and every check that
 * can fail (queue full, core budget) runs before anything is freed or moved.
 * Adjacent slices are not merged: merging would need a copy or a chain, and
 * the consumer takes slices anyway.
 *
 * Ownership: one connection, one core. The budget is that core's, a plain
 * counter. The mbuf reference travels: caller -> queue on STORED, -> freed on
 * DUP or when covered or stale, -> caller on pop; errors leave it with the
 * caller.
 *
 * Cost: insert is a binary search plus one memmove of the slices after the
 * insertion point (24 bytes each: 1.5 KiB at worst with 64 slots, and
 * usually nothing, since segments after a hole mostly arrive in order and
 * land at the end). Pop removes its run with one memmove. Not measured yet.
 *
 * Rejected:
 *  - A list or tree linked through the mbufs (Linux's rbtree of skbs): an
 *    mbuf has no link of its own to spare (next chains one packet's
 *    segments), a slice needs its own off/len anyway, and the segments
 *    queued behind a hole are few, so a contiguous array beats pointer
 *    chasing; a tree pays off only for thousands of slices.
 *  - Trimming the old slice instead of the new one ("last data wins"): a new
 *    segment strictly inside an old one would split it into two slices of one
 *    mbuf, costing a refcount update and a slot exactly when the queue is
 *    under attack by overlapping garbage.
 *  - A bitmap of received bytes with copy into a ring: a copy per byte, the
 *    thing the zero-copy path exists to avoid.
 */
#include <errno.h>
#include <string.h>

#include <rte_mbuf.h>

#include "tcp_ooo.h"
#include "tcp_seq.h"

/* RFC 7323 2.3: the largest window is 65535 << 14 < 2^30; larger is a caller bug. */
#define WND_MAX (UINT32_C(1) << 30)

static inline uint32_t
rel(const struct sl_tcp_ooo_seg *g, uint32_t rcv_nxt)
{
	return g->seq - rcv_nxt;
}

static inline void
budget_add(struct sl_tcp_ooo *q, int delta)
{
	if (q->budget != NULL)
		q->budget->used = (uint32_t)((int64_t)q->budget->used + delta);
}

/* Remove seg[0..k) from the array (their references already dealt with). */
static void
remove_front(struct sl_tcp_ooo *q, unsigned k)
{
	if (k == 0)
		return;
	memmove(&q->seg[0], &q->seg[k], (q->n - k) * sizeof(q->seg[0]));
	q->n = (uint16_t)(q->n - k);
	budget_add(q, -(int)k);
}

/* Drop or cut the queued bytes before rcv_nxt. */
static void
drop_stale(struct sl_tcp_ooo *q, uint32_t rcv_nxt)
{
	unsigned i = 0;

	while (i < q->n && sl_tcp_seq_lt(q->seg[i].seq, rcv_nxt)) {
		struct sl_tcp_ooo_seg *g = &q->seg[i];
		uint32_t d = rcv_nxt - g->seq;

		if (d >= g->slice.len) {
			q->bytes -= g->slice.len;
			rte_pktmbuf_free(g->slice.m);
			i++;
			continue;
		}
		g->slice.off += d;
		g->slice.len -= d;
		g->seq = rcv_nxt;
		q->bytes -= d;
		break;
	}
	remove_front(q, i);
}

/* First index whose end is after offset s (n if none). Ends ascend like starts. */
static unsigned
first_end_after(const struct sl_tcp_ooo *q, uint32_t rcv_nxt, uint32_t s)
{
	unsigned lo = 0, hi = q->n;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct sl_tcp_ooo_seg *g = &q->seg[mid];

		if (rel(g, rcv_nxt) + g->slice.len > s)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void
sl_tcp_ooo_init(struct sl_tcp_ooo *q, struct sl_tcp_ooo_seg *storage, uint16_t cap,
                struct sl_tcp_ooo_budget *budget)
{
	q->seg = storage;
	q->budget = budget;
	q->bytes = 0;
	q->stamp = 0;
	q->n = 0;
	q->cap = storage != NULL ? cap : 0;
}

int
sl_tcp_ooo_insert(struct sl_tcp_ooo *q, struct rte_mbuf *m, uint32_t off, uint32_t len,
                  uint32_t seq, uint32_t rcv_nxt, uint32_t rcv_wnd)
{
	uint32_t s = seq - rcv_nxt, e, reach;
	unsigned lo, hi, i, removed;
	bool gapless;

	if (m == NULL || len == 0)
		return -EINVAL;
	if (rcv_wnd > WND_MAX)
		rcv_wnd = WND_MAX;
	/* Window: cut what was already delivered, refuse what starts past the edge. */
	if (sl_tcp_seq_lt(seq, rcv_nxt)) {
		uint32_t d = rcv_nxt - seq;

		if (d >= len)
			goto dup_old;
		off += d;
		len -= d;
		s = 0;
	}
	if (s >= rcv_wnd)
		return -ERANGE;
	if (len > rcv_wnd - s)
		len = rcv_wnd - s;
	e = s + len;

	drop_stale(q, rcv_nxt);

	lo = first_end_after(q, rcv_nxt, s);
	if (lo < q->n && rel(&q->seg[lo], rcv_nxt) <= s) {
		/* The left neighbour holds our first byte. */
		uint32_t le = rel(&q->seg[lo], rcv_nxt) + q->seg[lo].slice.len;

		if (le >= e)
			goto dup_held;
		off += le - s;
		len -= le - s;
		s = le;
		lo++;
	}
	/* Slices inside [s, e); gapless says whether they already hold all of it. */
	hi = lo;
	reach = s;
	gapless = true;
	while (hi < q->n && rel(&q->seg[hi], rcv_nxt) + q->seg[hi].slice.len <= e) {
		gapless = gapless && rel(&q->seg[hi], rcv_nxt) == reach;
		reach = rel(&q->seg[hi], rcv_nxt) + q->seg[hi].slice.len;
		hi++;
	}
	if (hi < q->n && rel(&q->seg[hi], rcv_nxt) < e) {
		/* The right neighbour holds our last byte. */
		uint32_t rs = rel(&q->seg[hi], rcv_nxt);

		if (rs <= s) {
			lo = hi;
			goto dup_held;
		}
		len = rs - s;
		e = rs;
	}
	removed = hi - lo;
	if (removed > 0 && gapless && reach == e)
		goto dup_held; /* touching slices already hold every byte: keep them */
	if (removed == 0) {
		if (q->n >= q->cap)
			return -ENOSPC;
		if (q->budget != NULL && q->budget->used >= q->budget->limit)
			return -ENOBUFS;
	}

	/* Commit: nothing can fail from here on. */
	for (i = lo; i < hi; i++) {
		q->bytes -= q->seg[i].slice.len;
		rte_pktmbuf_free(q->seg[i].slice.m);
	}
	if (hi != lo + 1)
		memmove(&q->seg[lo + 1], &q->seg[hi], (q->n - hi) * sizeof(q->seg[0]));
	q->seg[lo] = (struct sl_tcp_ooo_seg){
	    .slice = {.m = m, .off = off, .len = len},
	    .seq = rcv_nxt + s,
	    .stamp = ++q->stamp,
	};
	q->n = (uint16_t)(q->n + 1 - removed);
	q->bytes += len;
	budget_add(q, 1 - (int)removed);
	return SL_TCP_OOO_STORED;

dup_held:
	/* RFC 2018: the block holding the segment that triggered the ACK goes first. */
	q->seg[lo].stamp = ++q->stamp;
dup_old:
	rte_pktmbuf_free(m);
	return SL_TCP_OOO_DUP;
}

unsigned
sl_tcp_ooo_pop(struct sl_tcp_ooo *q, uint32_t *rcv_nxt, struct sl_slice *out, unsigned max)
{
	uint32_t nxt = *rcv_nxt;
	unsigned k = 0;

	drop_stale(q, nxt);
	while (k < q->n && k < max && q->seg[k].seq == nxt) {
		out[k] = q->seg[k].slice;
		nxt += q->seg[k].slice.len;
		q->bytes -= q->seg[k].slice.len;
		k++;
	}
	remove_front(q, k);
	*rcv_nxt = nxt;
	return k;
}

unsigned
sl_tcp_ooo_sack(const struct sl_tcp_ooo *q, struct sl_tcp_sack_block *out, unsigned max)
{
	uint32_t age[SL_TCP_SACK_MAX_BLOCKS];
	unsigned nb = 0, i = 0;

	if (max > SL_TCP_SACK_MAX_BLOCKS)
		max = SL_TCP_SACK_MAX_BLOCKS;
	if (max == 0)
		return 0;
	while (i < q->n) {
		uint32_t start = q->seg[i].seq, end = start + q->seg[i].slice.len;
		uint32_t young = q->stamp - q->seg[i].stamp; /* wraps safely: ages are small */
		unsigned j;

		for (i++; i < q->n && q->seg[i].seq == end; i++) {
			uint32_t a = q->stamp - q->seg[i].stamp;

			end += q->seg[i].slice.len;
			if (a < young)
				young = a;
		}
		/* Keep the max youngest blocks, youngest first (insertion into a tiny array). */
		if (nb == max && young >= age[nb - 1])
			continue;
		j = nb < max ? nb++ : nb - 1;
		while (j > 0 && age[j - 1] > young) {
			age[j] = age[j - 1];
			out[j] = out[j - 1];
			j--;
		}
		age[j] = young;
		out[j] = (struct sl_tcp_sack_block){.start = start, .end = end};
	}
	return nb;
}

void
sl_tcp_ooo_purge(struct sl_tcp_ooo *q)
{
	unsigned i;

	for (i = 0; i < q->n; i++)
		rte_pktmbuf_free(q->seg[i].slice.m);
	budget_add(q, -(int)q->n);
	q->n = 0;
	q->bytes = 0;
}
