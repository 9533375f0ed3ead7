/* SPDX-License-Identifier: BSD-3-Clause */
/* TCP sequence-number arithmetic modulo 2^32 (RFC 9293 section 3.4), inline for the fast path. */
#ifndef SL_NET_TCP_SEQ_H
#define SL_NET_TCP_SEQ_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Sequence numbers live on a circle of 2^32. "a before b" means b is reached
 * from a by going forward less than half the circle, so every comparison here
 * is exact only while the two numbers are less than 2^31 apart. TCP keeps
 * them far closer than that: the largest window (RFC 7323: 65535 << 14) is
 * under 2^30. At exactly 2^31 apart the order is undefined; these helpers say
 * each number is before the other (both sl_tcp_seq_lt(a, b) and
 * sl_tcp_seq_lt(b, a) hold) and the unit tests pin that down.
 *
 * Ranges: sl_tcp_seq_in() is half-open [start, start + len) and is exact for
 * any len (it compares offsets, not orders); sl_tcp_seq_between() is the
 * closed range [lo, hi] read forward from lo, also exact for any span.
 */

/*
 * Signed distance a - b in [-2^31, 2^31); exactly 2^31 apart gives -2^31.
 * Written without the implementation-defined unsigned-to-signed conversion;
 * compilers reduce it to a plain subtraction.
 */
static inline int32_t
sl_tcp_seq_diff(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;

	if (d <= (uint32_t)INT32_MAX)
		return (int32_t)d;
	return -(int32_t)(~d) - 1;
}

/* a strictly before b. */
static inline bool
sl_tcp_seq_lt(uint32_t a, uint32_t b)
{
	return sl_tcp_seq_diff(a, b) < 0;
}

/* a before or equal to b. */
static inline bool
sl_tcp_seq_le(uint32_t a, uint32_t b)
{
	return sl_tcp_seq_diff(a, b) <= 0;
}

/* a strictly after b. */
static inline bool
sl_tcp_seq_gt(uint32_t a, uint32_t b)
{
	return sl_tcp_seq_diff(a, b) > 0;
}

/* a after or equal to b. */
static inline bool
sl_tcp_seq_ge(uint32_t a, uint32_t b)
{
	return sl_tcp_seq_diff(a, b) >= 0;
}

/* lo <= s <= hi, walking forward from lo (hi - lo is the span, any size). */
static inline bool
sl_tcp_seq_between(uint32_t s, uint32_t lo, uint32_t hi)
{
	return (uint32_t)(s - lo) <= (uint32_t)(hi - lo);
}

/* start <= s < start + len: the receive-window test of RFC 9293 3.10.7.4. */
static inline bool
sl_tcp_seq_in(uint32_t s, uint32_t start, uint32_t len)
{
	return (uint32_t)(s - start) < len;
}

/* The later of a and b. */
static inline uint32_t
sl_tcp_seq_max(uint32_t a, uint32_t b)
{
	return sl_tcp_seq_lt(a, b) ? b : a;
}

/* The earlier of a and b. */
static inline uint32_t
sl_tcp_seq_min(uint32_t a, uint32_t b)
{
	return sl_tcp_seq_lt(a, b) ? a : b;
}

#endif /* SL_NET_TCP_SEQ_H */
