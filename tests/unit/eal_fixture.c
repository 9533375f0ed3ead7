/* SPDX-License-Identifier: BSD-3-Clause */
/* Test fixture: a small --no-huge EAL, a packet pool and a fake core for driving stages directly.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>

#include "eal_fixture.h"

static struct rte_mempool *pool;
static volatile bool never;

/* EAL leaves its (empty) runtime directory behind even with --no-shconf. */
static char runtime_dir[256];

static void
cleanup_eal(void)
{
	rte_mempool_free(pool);
	pool = NULL;
	rte_eal_cleanup();
	if (runtime_dir[0] != '\0')
		rmdir(runtime_dir);
}

int
sl_test_eal_init(void)
{
	static char prefix[64];
	char *argv[] = {
	    "sluice-test", "--no-huge", "--no-pci", "--no-shconf",       "--no-telemetry", "-m",
	    "128",         "-l",        "0",        "--log-level=error", "--file-prefix",  prefix,
	    NULL};

	if (pool != NULL)
		return 0;
	snprintf(prefix, sizeof(prefix), "sltest%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0)
		return -1;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(cleanup_eal);
	pool = rte_pktmbuf_pool_create("sl_test", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	return pool == NULL ? -1 : 0;
}

struct rte_mempool *
sl_test_pool(void)
{
	return pool;
}

struct rte_mbuf *
sl_test_mbuf(const void *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	char *p;

	if (m == NULL)
		return NULL;
	p = rte_pktmbuf_append(m, (uint16_t)len);
	if (p == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(p, data, len);
	return m;
}

struct sl_core *
sl_test_core(struct sl_port *port)
{
	struct sl_core *c = rte_zmalloc("sl_test_core", sizeof(*c), RTE_CACHE_LINE_SIZE);

	if (c == NULL)
		return NULL;
	c->burst = SL_MAX_BURST;
	c->pool = pool;
	c->quit = &never;
	c->now = rte_rdtsc();
	if (sl_arp_cache_init(&c->arp, 64, rte_get_tsc_hz() * 300, 0) < 0) {
		rte_free(c);
		return NULL;
	}
	c->n_ports = 1;
	c->ports[0].port = port;
	c->ports[0].port_id = port->port_id;
	return c;
}

void
sl_test_core_reset(struct sl_core *core)
{
	uint16_t i;

	for (i = 0; i < core->ports[0].tx_n; i++)
		rte_pktmbuf_free(core->ports[0].tx_buf[i]);
	core->ports[0].tx_n = 0;
	memset(core->ctr, 0, sizeof(core->ctr));
	memset(core->drop, 0, sizeof(core->drop));
}

void
sl_test_core_free(struct sl_core *core)
{
	if (core == NULL)
		return;
	sl_test_core_reset(core);
	sl_arp_cache_free(&core->arp);
	rte_free(core);
}

unsigned int
sl_test_pool_in_use(void)
{
	return rte_mempool_in_use_count(pool);
}
