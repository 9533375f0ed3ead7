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

/* usage: control_fakestats INSTANCE — 2 poll cores + 1 flush worker:
 * rx_packets 1234 / 766 / 0, http_requests 10 / 20 / 0, drop eth_not_for_us 5 on core 1. */
int
main(int argc, char **argv)
{
	static uint64_t ctr[3][SL_CTR_MAX], drops[3][SL_DROP_MAX];
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
	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	for (uint32_t i = 0; i < 3; i++) {
		sl_stats_core_at(&m, i)->core_idx = i;
		sl_stats_core_at(&m, i)->lcore_id = i;
		sl_stats_core_publish(sl_stats_core_at(&m, i), ctr[i], drops[i], 0);
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
