/* SPDX-License-Identifier: BSD-3-Clause */
/* The test-only impairment shim: seeded loss, duplication, reordering and bit flips. */
#include <string.h>

#include <rte_ether.h>

#include "impair.h"
#include "stats_shm.h"

/* splitmix64: a tiny, well-mixed generator; quality is plenty for fault injection. */
static inline uint64_t
next64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline bool
chance(uint64_t *s, uint32_t threshold)
{
	return threshold != 0 && (uint32_t)next64(s) < threshold;
}

static uint32_t
threshold(double p)
{
	if (p <= 0)
		return 0;
	if (p >= 1)
		return UINT32_MAX;
	return (uint32_t)(p * 4294967296.0);
}

void
sl_impair_init(struct sl_impair *im, const struct sl_impair_conf *conf, uint32_t core_idx,
               struct rte_mempool *pool, uint64_t tsc_hz)
{
	const struct sl_impair_dir_conf *dc[2] = {&conf->rx, &conf->tx};
	int i;

	memset(im, 0, sizeof(*im));
	im->rng = conf->seed ^ (0x5bd1e995ull * (core_idx + 1));
	im->pool = pool;
	im->hold_tsc = tsc_hz / 1000; /* 1 ms */
	for (i = 0; i < 2; i++) {
		im->dir[i].loss = threshold(dc[i]->loss);
		im->dir[i].dup = threshold(dc[i]->dup);
		im->dir[i].reorder = threshold(dc[i]->reorder);
		im->dir[i].corrupt = threshold(dc[i]->corrupt);
	}
}

static void
flip_bit(uint64_t *rng, struct rte_mbuf *m)
{
	uint32_t len = rte_pktmbuf_data_len(m), pos;
	uint8_t *p = rte_pktmbuf_mtod(m, uint8_t *);

	if (len <= sizeof(struct rte_ether_hdr))
		return;
	pos = sizeof(struct rte_ether_hdr) +
	      (uint32_t)(next64(rng) % (len - sizeof(struct rte_ether_hdr)));
	p[pos] ^= (uint8_t)(1u << (next64(rng) & 7));
}

uint16_t
sl_impair_burst(struct sl_impair *im, enum sl_impair_way way, struct rte_mbuf **pkts, uint16_t n,
                uint16_t cap, uint64_t *ctr, uint64_t now_tsc)
{
	struct sl_impair_dir *d = &im->dir[way];
	struct rte_mbuf *out[2 * 64];
	uint16_t i, k = 0;
	int base = way == SL_IMPAIR_RX ? SL_CTR_IMPAIR_RX_DROPPED : SL_CTR_IMPAIR_TX_DROPPED;

	if (cap > RTE_DIM(out))
		cap = RTE_DIM(out);
	/* A held packet waits for the next one, or at most hold_tsc when traffic stops. */
	if (n == 0) {
		if (d->held != NULL && now_tsc - d->held_tsc >= im->hold_tsc && cap > 0) {
			pkts[0] = d->held;
			d->held = NULL;
			return 1;
		}
		return 0;
	}
	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (chance(&im->rng, d->loss)) {
			ctr[base + 0]++;
			rte_pktmbuf_free(m);
			continue;
		}
		if (chance(&im->rng, d->corrupt)) {
			ctr[base + 3]++;
			flip_bit(&im->rng, m);
		}
		if (d->held == NULL && chance(&im->rng, d->reorder)) {
			ctr[base + 2]++;
			d->held = m;
			d->held_tsc = now_tsc;
			continue;
		}
		if (k < cap)
			out[k++] = m;
		else
			rte_pktmbuf_free(m);
		if (d->held != NULL && k < cap) {
			out[k++] = d->held; /* after the packet that overtook it */
			d->held = NULL;
		}
		if (chance(&im->rng, d->dup) && k < cap) {
			struct rte_mbuf *c = rte_pktmbuf_copy(m, im->pool, 0, UINT32_MAX);

			if (c != NULL) {
				ctr[base + 1]++;
				out[k++] = c;
			}
		}
	}
	memcpy(pkts, out, sizeof(*out) * k);
	return k;
}

void
sl_impair_fini(struct sl_impair *im)
{
	int i;

	for (i = 0; i < 2; i++) {
		rte_pktmbuf_free(im->dir[i].held);
		im->dir[i].held = NULL;
	}
}
