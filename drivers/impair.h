/* SPDX-License-Identifier: BSD-3-Clause */
/* The test-only impairment shim: seeded loss, duplication, reordering and bit flips. */
#ifndef SL_IMPAIR_H
#define SL_IMPAIR_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "config_types.h"

/*
 * tc netem is not available everywhere sluice is tested, and it would only
 * impair the kernel's side. The shim sits between the port and the stages of
 * one poll core: packets from rx_burst pass through sl_impair_rx() before
 * Ethernet input, packets for tx_burst through sl_impair_tx(). Each core has
 * its own generator, seeded from impair.seed and the core index, so a run
 * is repeatable for a given packet order. Off (the default) costs one
 * predictable branch per burst.
 */

enum sl_impair_way {
	SL_IMPAIR_RX = 0,
	SL_IMPAIR_TX = 1,
};

struct sl_impair_dir {
	uint32_t loss; /* thresholds out of 2^32 */
	uint32_t dup;
	uint32_t reorder;
	uint32_t corrupt;
	struct rte_mbuf *held; /* reordered packet waiting for the next one */
	uint64_t held_tsc;
};

struct sl_impair {
	uint64_t rng;
	uint64_t hold_tsc;        /* longest a held packet waits when traffic stops */
	struct rte_mempool *pool; /* for duplicates */
	struct sl_impair_dir dir[2];
};

/* Prepare a core's shim (seed mixed with core_idx). */
void sl_impair_init(struct sl_impair *im, const struct sl_impair_conf *conf, uint32_t core_idx,
                    struct rte_mempool *pool, uint64_t tsc_hz);

/*
 * Impair pkts[0..n) in place for one direction; the array has room for cap
 * entries (duplicates need it). Counters indexed by enum sl_ctr are bumped
 * in ctr. Returns the new count. Frees what it drops.
 */
uint16_t sl_impair_burst(struct sl_impair *im, enum sl_impair_way way, struct rte_mbuf **pkts,
                         uint16_t n, uint16_t cap, uint64_t *ctr, uint64_t now_tsc);

/* Free a held packet (shutdown). */
void sl_impair_fini(struct sl_impair *im);

#endif /* SL_IMPAIR_H */
