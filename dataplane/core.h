/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core poll loop state and the inline helpers every stage uses to transmit or drop. */
#ifndef SL_CORE_H
#define SL_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "impair.h"
#include "net/arp.h"
#include "port.h"
#include "sl_common.h"
#include "stats_shm.h"
#include "tables.h"

struct sl_cls;

/* This core's queue pair on one port, and the packets it has yet to transmit there. */
struct sl_core_port {
	const struct sl_port *port;
	uint16_t port_id;
	uint16_t queue;
	uint16_t tx_n;
	uint64_t tx_first_tsc; /* when the oldest buffered packet was queued */
	struct rte_mbuf *tx_buf[SL_TX_BUF];
};

/*
 * Everything one poll core owns. Allocated on the core's NUMA socket,
 * cache-aligned, touched by no other thread except:
 *   - stats: written by this core, read by other processes (seqlock);
 *   - quit:  written by the main thread on a signal, read here.
 */
struct sl_tcp_core;
struct sl_pipe_core;
struct sl_http_core;
struct sl_grpc_core;

struct sl_core {
	uint64_t ctr[SL_CTR_MAX]; /* hot counters, private: published to stats */
	uint64_t now;             /* TSC at the top of this loop iteration */
	uint64_t drop[SL_DROP_MAX];
	uint32_t idx; /* 0..n_poll-1; also the queue index on every port */
	uint32_t lcore_id;
	uint16_t burst;
	uint16_t n_ports;
	bool is_main; /* also runs the main lcore's housekeeping */
	struct rte_mempool *pool;
	struct sl_arp_cache arp;
	uint64_t tx_drain_tsc;
	uint64_t publish_interval_tsc;
	uint64_t next_publish_tsc;
	struct sl_stats_core *stats;
	struct sl_tcp_core *tcp;  /* this core's TCP (NULL in unit tests of lower layers) */
	struct sl_pipe_core *pipe; /* batch builders (NULL: no pipeline) */
	struct sl_http_core *http; /* OTLP/HTTP server, for held input (NULL: none) */
	struct sl_tables *tables;  /* route/fault tables (NULL in unit tests) */
	struct sl_tables_reader tbl_rd;
	const struct sl_tbl_hdr *tbl; /* this iteration's image; NULL: static defaults */
	uint64_t tbl_gen;             /* its generation (0: none); classifier and pipeline bound to it */
	struct sl_cls *cls;           /* per-request classification (NULL: static defaults) */
	struct sl_grpc_core *grpc; /* OTLP/gRPC server (NULL: none) */
	struct sl_impair *impair; /* test-only shim; NULL when off */
	const volatile bool *quit;
	struct sl_core_port ports[SL_MAX_PORTS];
	struct sl_stats_ext ext; /* named counters and histograms, published with ctr */
} __rte_cache_aligned;

/*
 * Count the time since TSC *t0 in histogram h (NULL: not kept) and clear
 * *t0; nothing when *t0 is 0 (no start recorded, or observed already).
 */
static inline void
sl_core_hist_since(struct sl_stats_hist *h, uint64_t *t0)
{
	if (*t0 == 0)
		return;
	if (h != NULL)
		sl_stats_hist_observe(h, (rte_rdtsc() - *t0) * 1000000u / (rte_get_tsc_hz() / 1000u));
	*t0 = 0;
}

/* Free m and count why. Every dropped packet goes through here. */
static inline void
sl_core_drop(struct sl_core *core, struct rte_mbuf *m, enum sl_drop reason)
{
	core->drop[reason]++;
	rte_pktmbuf_free(m);
}

/* Transmit whatever cp has buffered; what the queue refuses is freed and counted. */
static inline void
sl_core_tx_flush(struct sl_core *core, struct sl_core_port *cp)
{
	uint16_t sent, i;

	if (cp->tx_n == 0)
		return;
	if (unlikely(core->impair != NULL)) {
		uint16_t i0;

		for (i0 = 0; i0 < cp->tx_n; i0++)
			core->ctr[SL_CTR_TX_BYTES] -= rte_pktmbuf_pkt_len(cp->tx_buf[i0]);
		cp->tx_n = sl_impair_burst(core->impair, SL_IMPAIR_TX, cp->tx_buf, cp->tx_n,
		                           SL_TX_BUF, core->ctr, core->now);
		for (i0 = 0; i0 < cp->tx_n; i0++)
			core->ctr[SL_CTR_TX_BYTES] += rte_pktmbuf_pkt_len(cp->tx_buf[i0]);
		if (cp->tx_n == 0)
			return;
	}
	sent = rte_eth_tx_burst(cp->port_id, cp->queue, cp->tx_buf, cp->tx_n);
	core->ctr[SL_CTR_TX_PACKETS] += sent;
	for (i = sent; i < cp->tx_n; i++) {
		core->ctr[SL_CTR_TX_BYTES] -= rte_pktmbuf_pkt_len(cp->tx_buf[i]);
		sl_core_drop(core, cp->tx_buf[i], SL_DROP_TX_FULL);
	}
	cp->tx_n = 0;
}

/* Queue m for transmission on cp; flushes when the buffer holds a full burst. */
static inline void
sl_core_tx(struct sl_core *core, struct sl_core_port *cp, struct rte_mbuf *m)
{
	if (cp->tx_n == 0)
		cp->tx_first_tsc = core->now;
	core->ctr[SL_CTR_TX_BYTES] += rte_pktmbuf_pkt_len(m);
	cp->tx_buf[cp->tx_n++] = m;
	if (cp->tx_n >= core->burst)
		sl_core_tx_flush(core, cp);
}

/*
 * Run one core's poll loop until *quit. Returns 0. The lcore entry point
 * passes the struct sl_core as arg.
 */
int sl_core_loop(void *arg);

/* Publish this core's counters into its stats block now. */
void sl_core_publish(struct sl_core *core);

/* Housekeeping hook the main lcore runs between bursts (set by main.c; may be NULL). */
typedef void (*sl_housekeeping_fn)(uint64_t now_tsc);
extern sl_housekeeping_fn sl_core_housekeeping;

#endif /* SL_CORE_H */
