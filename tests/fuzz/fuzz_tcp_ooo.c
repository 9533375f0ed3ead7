/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: arbitrary insert/pop/SACK sequences on two OOO queues, checked by a model. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "eal_fixture.h"
#include "net/tcp_ooo.h"
#include "net/tcp_seq.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: 4 bytes initial rcv_nxt, 1 byte queue capacity, 1 byte core budget,
 * then ops of 6 bytes: op, then 5 argument bytes. Each op acts on one of two
 * queues sharing the budget, each with its own stream and byte model.
 */
#define WND    8192u /* largest window any insert uses */
#define RING   (2 * WND)
#define MAXCAP 32
#define PAD    5 /* bytes before the payload, like a header */
#define MAXLEN 1900

struct stream {
	struct sl_tcp_ooo q;
	struct sl_tcp_ooo_seg st[MAXCAP];
	uint32_t nxt;
	uint8_t held[RING]; /* byte seq is held <=> held[seq % RING]; only [nxt, nxt + WND) set */
};

static struct stream str[2];
static struct sl_tcp_ooo_budget budget;
static struct rte_mempool *pool;
static unsigned pool_base;

#define CHECK(c)                                                                                   \
	do {                                                                                       \
		if (!(c)) {                                                                        \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);      \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static uint8_t
pat(uint32_t seq)
{
	return (uint8_t)((seq * 2654435761u) >> 24);
}

static bool
model_held(const struct stream *s, uint32_t seq)
{
	return s->held[seq % RING] != 0;
}

static void
check_bytes(const struct sl_slice *sl, uint32_t seq)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(sl->m, const uint8_t *, sl->off);
	uint32_t i;

	CHECK(sl->len > 0 && sl->off + sl->len <= rte_pktmbuf_data_len(sl->m));
	CHECK(rte_mbuf_refcnt_read(sl->m) == 1);
	for (i = 0; i < sl->len; i++)
		CHECK(p[i] == pat(seq + i));
}

/* Sorted, disjoint, inside [nxt, nxt + WND), counters right, bytes intact, model equal. */
static void
check_queue(const struct stream *s)
{
	const struct sl_tcp_ooo *q = &s->q;
	uint32_t bytes = 0, o;
	unsigned i, bi = 0;

	CHECK(q->n <= q->cap);
	for (i = 0; i < q->n; i++) {
		const struct sl_tcp_ooo_seg *g = &q->seg[i];

		CHECK(sl_tcp_seq_in(g->seq, s->nxt, WND));
		CHECK(g->slice.len <= WND - (g->seq - s->nxt));
		if (i > 0)
			CHECK(sl_tcp_seq_le(q->seg[i - 1].seq + q->seg[i - 1].slice.len, g->seq));
		check_bytes(&g->slice, g->seq);
		bytes += g->slice.len;
	}
	CHECK(bytes == q->bytes);
	for (o = 0; o < WND; o++) {
		uint32_t seq = s->nxt + o;
		bool in = false;

		while (bi < q->n && sl_tcp_seq_le(q->seg[bi].seq + q->seg[bi].slice.len, seq))
			bi++;
		if (bi < q->n && sl_tcp_seq_ge(seq, q->seg[bi].seq))
			in = true;
		CHECK(in == model_held(s, seq));
	}
}

static void
check_all(void)
{
	check_queue(&str[0]);
	check_queue(&str[1]);
	CHECK(budget.used == (uint32_t)str[0].q.n + str[1].q.n);
	CHECK(rte_mempool_in_use_count(pool) == pool_base + str[0].q.n + str[1].q.n);
}

static struct rte_mbuf *
mk(uint32_t seq, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *p;
	uint32_t i;

	CHECK(m != NULL);
	p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(PAD + len));
	CHECK(p != NULL);
	memset(p, 0xee, PAD);
	for (i = 0; i < len; i++)
		p[PAD + i] = pat(seq + i);
	return m;
}

static void
op_insert(struct stream *s, const uint8_t *a)
{
	/* Start from 256 bytes before nxt to a bit past the widest window. */
	uint32_t seq = s->nxt - 256 + ((uint32_t)a[0] << 8 | a[1]) % (WND + 512);
	uint32_t len = ((uint32_t)a[2] << 8 | a[3]) % (MAXLEN + 1);
	uint32_t wnd = a[4] == 0 ? 0 : a[4] == 255 ? WND : (uint32_t)a[4] * 32;
	uint32_t lo = 0, hi = 0, i, fresh = 0;
	unsigned n_before = s->q.n, used_before = budget.used;
	struct rte_mbuf *m = mk(seq, len ? len : 1);
	struct sl_tcp_sack_block sb[SL_TCP_SACK_MAX_BLOCKS];
	int rc = sl_tcp_ooo_insert(&s->q, m, PAD, len, seq, s->nxt, wnd);

	/* The part of [seq, seq + len) the queue may keep: [lo, hi) as offsets from nxt. */
	if (len > 0) {
		uint32_t d = seq - s->nxt;

		if (sl_tcp_seq_lt(seq, s->nxt))
			lo = 0, hi = (s->nxt - seq) >= len ? 0 : len - (s->nxt - seq);
		else
			lo = d, hi = d + len;
		if (hi > wnd)
			hi = wnd;
		for (i = lo; i < hi; i++)
			fresh += !model_held(s, s->nxt + i);
	}
	if (rc < 0) {
		CHECK(rte_mbuf_refcnt_read(m) == 1);
		rte_pktmbuf_free(m);
		CHECK(s->q.n == n_before);
		if (rc == -EINVAL) {
			CHECK(len == 0);
		} else if (rc == -ERANGE) {
			CHECK(lo >= hi && !(len > 0 && sl_tcp_seq_lt(seq, s->nxt) &&
			                    sl_tcp_seq_le(seq + len, s->nxt)));
		} else {
			/* Refused only when new bytes needed a slot that was not there. */
			CHECK(fresh > 0);
			CHECK(rc == -ENOSPC ? n_before == s->q.cap : used_before >= budget.limit);
		}
		return;
	}
	CHECK(len > 0);
	if (rc == SL_TCP_OOO_DUP) {
		CHECK(fresh == 0);
	} else {
		CHECK(rc == SL_TCP_OOO_STORED);
		CHECK(fresh > 0);
	}
	for (i = lo; i < hi; i++)
		s->held[(s->nxt + i) % RING] = 1;
	/* RFC 2018: the first SACK block holds bytes of the segment just received. */
	if (lo < hi) {
		unsigned nb = sl_tcp_ooo_sack(&s->q, sb, SL_TCP_SACK_MAX_BLOCKS);

		CHECK(nb >= 1);
		CHECK(sl_tcp_seq_lt(sb[0].start, s->nxt + hi) &&
		      sl_tcp_seq_gt(sb[0].end, s->nxt + lo));
	}
}

static void
op_pop(struct stream *s, const uint8_t *a)
{
	/* The caller first delivers up to 2047 fresh in-order bytes of its own. */
	uint32_t adv = ((uint32_t)a[0] << 8 | a[1]) % 2048, i, seq;
	unsigned max = a[2] % (MAXCAP + 1), k;
	struct sl_slice out[MAXCAP];

	if (a[3] & 1)
		adv = 0;
	for (i = 0; i < adv; i++)
		s->held[(s->nxt + i) % RING] = 0;
	s->nxt += adv;
	seq = s->nxt;
	k = sl_tcp_ooo_pop(&s->q, &s->nxt, out, max);
	CHECK(k <= max);
	for (i = 0; i < k; i++) {
		uint32_t b;

		check_bytes(&out[i], seq);
		for (b = 0; b < out[i].len; b++) {
			CHECK(model_held(s, seq + b));
			s->held[(seq + b) % RING] = 0;
		}
		seq += out[i].len;
		rte_pktmbuf_free(out[i].m);
	}
	CHECK(seq == s->nxt);
	/* Stopped by a hole, or by max. */
	CHECK(k == max || !model_held(s, s->nxt));
}

static void
op_sack(const struct stream *s, const uint8_t *a)
{
	struct sl_tcp_sack_block sb[SL_TCP_SACK_MAX_BLOCKS + 2];
	unsigned max = a[0] % (SL_TCP_SACK_MAX_BLOCKS + 3), nb, i, j;

	nb = sl_tcp_ooo_sack(&s->q, sb, max);
	CHECK(nb <= max && nb <= SL_TCP_SACK_MAX_BLOCKS && nb <= s->q.n);
	for (i = 0; i < nb; i++) {
		uint32_t b;

		/* Held, maximal, disjoint from the others. */
		CHECK(sl_tcp_seq_lt(sb[i].start, sb[i].end));
		for (b = sb[i].start; b != sb[i].end; b++)
			CHECK(model_held(s, b));
		CHECK(!model_held(s, sb[i].end));
		CHECK(sb[i].start == s->nxt || !model_held(s, sb[i].start - 1));
		for (j = 0; j < i; j++)
			CHECK(sb[i].start != sb[j].start);
	}
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (sl_test_eal_init() < 0)
		abort();
	pool = sl_test_pool();
	pool_base = rte_mempool_in_use_count(pool);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t p = 6;
	unsigned s, ops = 0;
	uint16_t cap;

	if (size < 6)
		return 0;
	cap = (uint16_t)(data[4] % (MAXCAP + 1));
	budget.used = 0;
	budget.limit = data[5] % 48;
	for (s = 0; s < 2; s++) {
		memset(str[s].held, 0, sizeof(str[s].held));
		str[s].nxt = ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
		              (uint32_t)data[2] << 8 | data[3]) +
		             s * 0x80000000u;
		sl_tcp_ooo_init(&str[s].q, str[s].st, cap, &budget);
	}
	while (p + 6 <= size && ops++ < 4000) {
		const uint8_t *a = data + p + 1;
		struct stream *st = &str[data[p] >> 7];

		switch (data[p] & 7) {
		case 0:
		case 1:
		case 2:
		case 3:
			op_insert(st, a);
			break;
		case 4:
		case 5:
			op_pop(st, a);
			break;
		case 6:
			op_sack(st, a);
			break;
		default:
			if (a[0] == 0xff) { /* connection reset */
				sl_tcp_ooo_purge(&st->q);
				memset(st->held, 0, sizeof(st->held));
			}
			break;
		}
		check_all();
		p += 6;
	}
	sl_tcp_ooo_purge(&str[0].q);
	sl_tcp_ooo_purge(&str[1].q);
	CHECK(budget.used == 0);
	CHECK(rte_mempool_in_use_count(pool) == pool_base);
	return 0;
}
