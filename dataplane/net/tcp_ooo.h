/* SPDX-License-Identifier: BSD-3-Clause */
/* Out-of-order receive queue of one TCP connection: zero-copy slices, trimming, SACK. */
#ifndef SL_NET_TCP_OOO_H
#define SL_NET_TCP_OOO_H

#include <stdbool.h>
#include <stdint.h>

#include "slice.h"

/*
 * One queued segment: its payload bytes as a slice (the queue owns the
 * slice's mbuf reference, like any slice holder) and where they sit in the
 * sequence space.
 */
struct sl_tcp_ooo_seg {
	struct sl_slice slice; /* payload bytes, len never 0 */
	uint32_t seq;          /* sequence number of the slice's first byte */
	uint32_t stamp;        /* arrival order inside the queue (SACK block order) */
};

/* One SACK block in host byte order: bytes [start, end) are held (RFC 2018 section 3). */
struct sl_tcp_sack_block {
	uint32_t start;
	uint32_t end;
};

/* RFC 2018: at most 4 blocks fit in 40 option bytes (3 next to a timestamp option). */
#define SL_TCP_SACK_MAX_BLOCKS 4

/*
 * Per-core cap on segments sitting in out-of-order queues, so a few lossy
 * connections cannot hold the whole mempool. One per poll core, shared by
 * that core's queues, never touched by another core (no atomics).
 */
struct sl_tcp_ooo_budget {
	uint32_t used; /* segments queued, all queues of the core */
	uint32_t limit;
};

/*
 * The queue of one connection: up to cap segments in caller-provided storage
 * (the connection can embed it, or take an array from a per-core pool when
 * its first hole appears and give it back once the queue is empty again).
 */
struct sl_tcp_ooo {
	struct sl_tcp_ooo_seg *seg;       /* [0, n): ascending seq, no two overlap */
	struct sl_tcp_ooo_budget *budget; /* NULL: no per-core cap */
	uint32_t bytes;                   /* payload bytes queued */
	uint32_t stamp;                   /* last arrival stamp given out */
	uint16_t n;
	uint16_t cap;
};

/* sl_tcp_ooo_insert() outcomes that took the mbuf reference. */
#define SL_TCP_OOO_STORED 0 /* kept (perhaps trimmed); perhaps replaced segments it covered */
#define SL_TCP_OOO_DUP    1 /* every byte was already held or already delivered: freed */

/* Prepare an empty queue over storage[0..cap). budget may be NULL. */
void sl_tcp_ooo_init(struct sl_tcp_ooo *q, struct sl_tcp_ooo_seg *storage, uint16_t cap,
                     struct sl_tcp_ooo_budget *budget);

/*
 * Queue the payload bytes [seq, seq + len) found at (m, off) (as in struct
 * sl_slice: from rte_pktmbuf_mtod(m), single-segment m), for a receiver
 * expecting rcv_nxt with rcv_wnd bytes of window (clamped to 2^30, RFC 7323).
 * Bytes before rcv_nxt or past the window are cut off; bytes already queued
 * are cut off the new segment; queued segments the new one covers entirely
 * are freed and replaced, unless together they already hold every byte it
 * brings (then it is a duplicate). Queued data before rcv_nxt is dropped
 * first.
 *
 * On success the caller's reference on m is consumed: SL_TCP_OOO_STORED or
 * SL_TCP_OOO_DUP (m freed, but the block holding those bytes becomes the most
 * recent one for SACK). On error the queue is unchanged and m still
 * belongs to the caller: -EINVAL (len 0 or m NULL), -ERANGE (no byte inside
 * the window), -ENOSPC (queue full), -ENOBUFS (core budget spent).
 */
int sl_tcp_ooo_insert(struct sl_tcp_ooo *q, struct rte_mbuf *m, uint32_t off, uint32_t len,
                      uint32_t seq, uint32_t rcv_nxt, uint32_t rcv_wnd);

/*
 * Hand out, in order, the queued slices that continue the stream at
 * *rcv_nxt, at most max of them, and advance *rcv_nxt past them (the first
 * starts at the old *rcv_nxt, each next one where the previous ends). Queued
 * bytes before *rcv_nxt (the caller delivered them from a fresh segment) are
 * dropped first. The caller owns the returned slices. Returns how many.
 */
unsigned sl_tcp_ooo_pop(struct sl_tcp_ooo *q, uint32_t *rcv_nxt, struct sl_slice *out,
                        unsigned max);

/*
 * Fill out with up to max (at most SL_TCP_SACK_MAX_BLOCKS) SACK blocks: each
 * a maximal run of contiguous queued bytes, the one holding the most
 * recently arrived segment first, then the others by how recently they grew
 * (RFC 2018 section 4). Returns how many.
 */
unsigned sl_tcp_ooo_sack(const struct sl_tcp_ooo *q, struct sl_tcp_sack_block *out, unsigned max);

/* Free everything queued (connection closed or reset). */
void sl_tcp_ooo_purge(struct sl_tcp_ooo *q);

static inline bool
sl_tcp_ooo_empty(const struct sl_tcp_ooo *q)
{
	return q->n == 0;
}

/* Segments queued. */
static inline unsigned
sl_tcp_ooo_count(const struct sl_tcp_ooo *q)
{
	return q->n;
}

/*
 * Payload bytes queued. They lie inside the window already advertised, so
 * they must not shrink it (RFC 9293 3.8.6.2.2); count them as memory held.
 */
static inline uint32_t
sl_tcp_ooo_bytes(const struct sl_tcp_ooo *q)
{
	return q->bytes;
}

#endif /* SL_NET_TCP_OOO_H */
