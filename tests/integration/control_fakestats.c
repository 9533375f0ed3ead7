/* SPDX-License-Identifier: BSD-3-Clause */
/* Test helper: a stand-in dataplane's stats region with known counters, heartbeating until killed. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats_map.h"

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

/* Named counter (kind, id, name) on core x gets v[0..3] added (ids are opaque to readers). */
static void
named(struct sl_stats_ext *x, enum sl_named_kind kind, uint32_t id, const char *name, uint64_t a,
      uint64_t b, uint64_t c, uint64_t d)
{
	uint64_t *v = sl_stats_named(x, kind, id, name);

	v[0] += a;
	v[1] += b;
	v[2] += c;
	v[3] += d;
}

/*
 * usage: control_fakestats INSTANCE — 2 poll cores + 1 flush worker:
 * rx_packets 1234 / 766 / 0, http_requests 10 / 20 / 0, drop eth_not_for_us 5 on core 1.
 * Named counters, summed over cores (test_control.sh checks these through Prometheus):
 *   route checkout  entries 3+2=5, items 40+60=100, dropped 0, sampled out 5+5=10
 *   route drop-all  (core 1) entries 1, items 9, dropped 9
 *   fault f-error   (core 0) matched 7, fired 2
 *   tenant acme     requests 10+20=30, items 40+60=100, limited 1+3=4
 * Request latency: core 0 observes 20 us, 25 us, 1 ms; core 1 30 us, 20 s. Total: count 5,
 * le 0.000025 -> 2, le 0.00005 -> 3, le 0.001 -> 4, +Inf 5, sum 20.001075 s, p50 37.5 us.
 */
int
main(int argc, char **argv)
{
	static uint64_t ctr[3][SL_CTR_MAX], drops[3][SL_DROP_MAX];
	static struct sl_stats_ext ext[2];
	struct sl_stats_hist *h0 = &ext[0].hist[SL_STATS_HIST_REQUEST];
	struct sl_stats_hist *h1 = &ext[1].hist[SL_STATS_HIST_REQUEST];
	struct sl_stats_map m;
	struct sl_stats_hdr *h;

	if (argc != 2) {
		fprintf(stderr, "usage: %s INSTANCE\n", argv[0]);
		return 2;
	}
	if (sl_stats_create(&m, argv[1], 3, 0) < 0) {
		perror("sl_stats_create");
		return 1;
	}
	h = sl_stats_hdr(&m);
	h->n_flush = 1;
	h->state = SL_STATS_RUNNING;
	ctr[0][SL_CTR_RX_PACKETS] = 1234;
	ctr[1][SL_CTR_RX_PACKETS] = 766;
	ctr[0][SL_CTR_HTTP_REQUESTS] = 10;
	ctr[1][SL_CTR_HTTP_REQUESTS] = 20;
	ctr[0][SL_CTR_TCP_CONNS] = 3;
	ctr[2][SL_CTR_FLUSH_BATCHES] = 7;
	drops[1][SL_DROP_ETH_NOT_FOR_US] = 5;
	named(&ext[0], SL_NAMED_ROUTE, 0xc0ffee01, "checkout", 3, 40, 0, 5);
	named(&ext[1], SL_NAMED_ROUTE, 0xc0ffee01, "checkout", 2, 60, 0, 5);
	named(&ext[1], SL_NAMED_ROUTE, 0xc0ffee02, "drop-all", 1, 9, 9, 0);
	named(&ext[0], SL_NAMED_FAULT, 0xc0ffee03, "f-error", 7, 2, 0, 0);
	named(&ext[0], SL_NAMED_TENANT, 0xc0ffee04, "acme", 10, 40, 1, 0);
	named(&ext[1], SL_NAMED_TENANT, 0xc0ffee04, "acme", 20, 60, 3, 0);
	sl_stats_hist_observe(h0, 20000);
	sl_stats_hist_observe(h0, 25000);
	sl_stats_hist_observe(h0, 1000000);
	sl_stats_hist_observe(h1, 30000);
	sl_stats_hist_observe(h1, 20000000000ull);
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (uint32_t i = 0; i < 3; i++) {
		sl_stats_core_at(&m, i)->core_idx = i;
		sl_stats_core_at(&m, i)->lcore_id = i;
		sl_stats_core_publish(sl_stats_core_at(&m, i), ctr[i], drops[i],
		                      i < 2 ? &ext[i] : NULL, 0);
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		__atomic_store_n(&h->heartbeat_ns, sl_stats_now_ns(), __ATOMIC_RELAXED);
		usleep(100000);
	}
	sl_stats_close(&m, true);
	return 0;
}
