/* SPDX-License-Identifier: BSD-3-Clause */
/* The run-to-completion poll loop each poll core runs: RX burst, stages, TX drain, stats. */
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>

#include "classify.h"
#include "core.h"
#include "net/eth.h"
#include "net/tcp.h"
#include "pipeline/batch.h"
#include "proto/otlp_grpc.h"
#include "proto/otlp_http.h"
#include "stats_map.h"

/*
 * Loop shape (DPDK l3fwd style): for each port this core polls, receive up to
 * `burst` frames, prefetch frame i+1's header while frame i runs through the
 * stages (which either queue it for TX on the same core or free it with a
 * drop reason), then drain TX buffers older than tx_drain_us. Cycles spent in
 * an iteration that received anything count as busy, the rest as idle, so
 * busy % and cycles per packet can be computed from the published counters.
 */

sl_housekeeping_fn sl_core_housekeeping;

void
sl_core_publish(struct sl_core *core)
{
	/* Gauges are sampled at publication, not counted. */
	if (core->tcp != NULL) {
		core->ctr[SL_CTR_TCP_CONNS] = core->tcp->n_conns;
		core->ctr[SL_CTR_TCP_OOO_HELD] = core->tcp->ooo_budget.used;
		core->ctr[SL_CTR_TIMERS] = core->tcp->wheel.pending;
	}
	sl_stats_core_publish(core->stats, core->ctr, core->drop, &core->ext, core->now);
	core->next_publish_tsc = core->now + core->publish_interval_tsc;
}

static inline uint16_t
poll_port(struct sl_core *core, struct sl_core_port *cp)
{
	struct rte_mbuf *pkts[2 * SL_MAX_BURST]; /* room for the shim's duplicates */
	uint16_t n, i;

	n = rte_eth_rx_burst(cp->port_id, cp->queue, pkts, core->burst);
	if (unlikely(core->impair != NULL))
		n = sl_impair_burst(core->impair, SL_IMPAIR_RX, pkts, n, RTE_DIM(pkts), core->ctr,
		                    core->now);
	if (n == 0)
		return 0;
	core->ctr[SL_CTR_RX_BURSTS]++;
	core->ctr[SL_CTR_RX_PACKETS] += n;
	rte_prefetch0(rte_pktmbuf_mtod(pkts[0], void *));
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		core->ctr[SL_CTR_RX_BYTES] += rte_pktmbuf_pkt_len(pkts[i]);
		sl_eth_input(core, cp, pkts[i]);
	}
	return n;
}

/*
 * The quiescent point at the top of an iteration: take the current table
 * image and, when its generation changed, bind the classifier and the
 * pipeline's route slots to it (no syscall or allocation).
 */
static inline void
tables_enter(struct sl_core *core)
{
	const struct sl_tbl_hdr *img = sl_tables_enter(core->tables, &core->tbl_rd);
	uint64_t g = img != NULL ? img->generation : 0;

	core->tbl = img;
	if (likely(g == core->tbl_gen))
		return;
	core->tbl_gen = g;
	core->ctr[SL_CTR_TBL_SWITCHES]++;
	if (core->cls != NULL)
		sl_cls_bind(core->cls, img, g);
	if (core->pipe != NULL)
		sl_pipe_bind(core->pipe, img);
}

int
sl_core_loop(void *arg)
{
	struct sl_core *core = arg;
	uint64_t start, end;
	uint32_t rx, work;
	uint16_t p;

	core->now = rte_rdtsc();
	core->next_publish_tsc = core->now;
	while (!*core->quit) {
		start = rte_rdtsc();
		core->now = start;
		/* A quiescent point: requests of this iteration see exactly one table generation. */
		if (core->tables != NULL)
			tables_enter(core);
		rx = 0;
		for (p = 0; p < core->n_ports; p++)
			rx += poll_port(core, &core->ports[p]);
		if (core->tcp != NULL)
			sl_tcp_timers(core->tcp, core->now);
		/* Completions and seals; then input held for them may be parsed (responses to send). */
		work = rx;
		if (core->pipe != NULL)
			work += sl_pipe_poll(core->pipe, rx == 0);
		if (core->http != NULL)
			sl_http_poll(core->http);
		if (core->grpc != NULL)
			sl_grpc_poll(core->grpc);
		/* TX drain: flush a partial burst once it is old or the core went idle. */
		for (p = 0; p < core->n_ports; p++) {
			struct sl_core_port *cp = &core->ports[p];

			if (cp->tx_n != 0 &&
			    (rx == 0 || core->now - cp->tx_first_tsc >= core->tx_drain_tsc))
				sl_core_tx_flush(core, cp);
		}
		end = rte_rdtsc();
		core->ctr[SL_CTR_LOOPS]++;
		if (work != 0)
			core->ctr[SL_CTR_BUSY_CYCLES] += end - start;
		else
			core->ctr[SL_CTR_IDLE_CYCLES] += end - start;
		if (unlikely(end >= core->next_publish_tsc)) {
			core->now = end;
			sl_core_publish(core);
			if (core->is_main && sl_core_housekeeping != NULL)
				sl_core_housekeeping(end);
		}
	}
	for (p = 0; p < core->n_ports; p++)
		sl_core_tx_flush(core, &core->ports[p]);
	if (core->tables != NULL)
		sl_tables_leave(core->tables, &core->tbl_rd);
	core->tbl = NULL;
	core->now = rte_rdtsc();
	sl_core_publish(core);
	return 0;
}
