/* SPDX-License-Identifier: BSD-3-Clause */
/* Zero-copy byte ranges: mbuf slices (what TCP hands up) and fragments (what parsers walk). */
#ifndef SL_SLICE_H
#define SL_SLICE_H

#include <stdint.h>

#include <rte_mbuf.h>

/*
 * A request body is never copied on the plain path (DESIGN rule 4): TCP
 * hands up in-order payload as slices of the segments' mbufs, HTTP cuts the
 * body out of them, the walker validates it in place and the batch keeps the
 * slices. Whoever holds a slice holds one reference on its mbuf.
 *
 * m is a single-segment mbuf; the bytes are rte_pktmbuf_mtod(m) + off .. + len.
 */
struct sl_slice {
	struct rte_mbuf *m;
	uint32_t off;
	uint32_t len;
};

/*
 * A fragment of a byte stream, for parsers that need not know about mbufs
 * (HTTP, the protobuf walker, JSON): a body is an array of fragments, and a
 * position in it is an absolute offset from the body's first byte.
 */
struct sl_iov {
	const uint8_t *base;
	uint32_t len;
};

static inline struct sl_iov
sl_slice_iov(const struct sl_slice *s)
{
	struct sl_iov v = {rte_pktmbuf_mtod_offset(s->m, const uint8_t *, s->off), s->len};

	return v;
}

#endif /* SL_SLICE_H */
