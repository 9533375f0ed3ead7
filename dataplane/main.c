/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-dataplane: EAL, ports and poll lcores from conf/sluice.yaml; runs until SIGINT/SIGTERM. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "classify.h"
#include "config.h"
#include "core.h"
#include "flush/worker.h"
#include "huge.h"
#include "impair.h"
#include "log.h"
#include "net/tcp.h"
#include "net/tcp_testapp.h"
#include "pipeline/batch.h"
#include "proto/otlp_grpc.h"
#include "proto/otlp_http.h"
#include "port.h"
#include "stats_map.h"

#define PROG              "sluice-dataplane"
#define EAL_ARGS_MAX      64

static volatile bool quit;
static struct sl_config cfg;
static struct sl_port ports[SL_MAX_PORTS];
static struct sl_core *cores[SL_MAX_POLL];
/* Per poll core, allocated on its socket beside the core: TCP, test apps, impairment shim. */
static struct sl_tcp_core *tcps[SL_MAX_POLL];
static struct sl_testapp *testapps[SL_MAX_POLL];
static struct sl_http_core *https[SL_MAX_POLL];
static struct sl_grpc_core *grpcs[SL_MAX_POLL];
static struct sl_cls *clss[SL_MAX_POLL];
static struct sl_impair *impairs[SL_MAX_POLL];
static struct sl_pipe_core *pipes[SL_MAX_POLL];
static struct sl_flush *flush;
static struct sl_tables tables = {.fd = -1};
static struct sl_tcp_syncookie_key cookie_key;
static struct sl_stats_map stats;
static struct rte_mempool *pool;
static bool use_huge;

static void
on_signal(int sig)
{
	(void)sig;
	quit = true;
}

static void
usage(FILE *f)
{
	fprintf(f, "usage: " PROG " [--config FILE] [--check]\n"
	           "  --config FILE  configuration (default conf/sluice.yaml)\n"
	           "  --check        validate the configuration and exit\n"
	           "Runs in the foreground until SIGINT or SIGTERM. See docs/operations.md.\n");
}

/* Decide hugepages or --no-huge; returns 0 or -1 after printing why we refuse. */
static int
choose_memory(void)
{
	long need = (long)(cfg.dataplane.memory_mb / 2), have = sl_huge_free_2m();

	if (cfg.dataplane.huge == SL_HUGE_OFF) {
		use_huge = false;
		return 0;
	}
	if (have >= need) {
		use_huge = true;
		return 0;
	}
	if (cfg.dataplane.huge == SL_HUGE_ON) {
		fprintf(stderr,
		        PROG ": %ld free 2 MiB hugepages, %ld needed for dataplane.memory_mb %u "
		             "(reserve them: echo N > /sys/kernel/mm/hugepages/hugepages-2048kB/"
		             "nr_hugepages, or set dataplane.huge: auto)\n",
		        have < 0 ? 0 : have, need, cfg.dataplane.memory_mb);
		return -1;
	}
	fprintf(stderr,
	        PROG ": warning: %ld free 2 MiB hugepages, %ld needed; running with --no-huge "
	             "(slower, see docs/operations.md)\n",
	        have < 0 ? 0 : have, need);
	use_huge = false;
	return 0;
}

static bool
needs_root(void)
{
	uint16_t i;

	if (use_huge)
		return true;
	for (i = 0; i < cfg.n_ports; i++)
		switch (cfg.ports[i].kind) {
		case SL_PORT_PCI:
		case SL_PORT_AF_XDP:
		case SL_PORT_AF_PACKET:
		case SL_PORT_TAP:
			return true;
		default:
			break;
		}
	return false;
}

static int
build_eal_args(char **argv, unsigned int *argc, char (*slots)[SL_DEVARGS_LEN + 64])
{
	static char lcores[256], main_lcore[16], mem[16], prefix[64], loglvl[64], loglvl2[64];
	bool any_pci = false;
	unsigned int n = 0, i, s = 0;
	int off, rc;

	off = snprintf(lcores, sizeof(lcores), "%u", cfg.dataplane.main_lcore);
	for (i = 0; i < cfg.dataplane.n_poll; i++)
		if (cfg.dataplane.poll_lcores[i] != cfg.dataplane.main_lcore)
			off += snprintf(lcores + off, sizeof(lcores) - (size_t)off, ",%u",
			                cfg.dataplane.poll_lcores[i]);
	snprintf(main_lcore, sizeof(main_lcore), "%u", cfg.dataplane.main_lcore);
	snprintf(mem, sizeof(mem), "%u", cfg.dataplane.memory_mb);
	snprintf(prefix, sizeof(prefix), "%s", cfg.dataplane.instance);
	snprintf(loglvl, sizeof(loglvl), "--log-level=%s", cfg.dataplane.log_level);
	snprintf(loglvl2, sizeof(loglvl2), "--log-level=sluice:%s", cfg.dataplane.log_level);

	argv[n++] = PROG;
	argv[n++] = "-l";
	argv[n++] = lcores;
	argv[n++] = "--main-lcore";
	argv[n++] = main_lcore;
	argv[n++] = "--file-prefix";
	argv[n++] = prefix;
	argv[n++] = "--no-telemetry";
	argv[n++] = loglvl;
	argv[n++] = loglvl2;
	argv[n++] = "-m";
	argv[n++] = mem;
	/*
	 * --in-memory: no runtime files and no hugepage files left behind, even
	 * after kill -9; sluice needs no DPDK multi-process (other processes
	 * read our own shared-memory regions). --file-prefix still names the
	 * instance so two can coexist. EAL refuses --in-memory with --no-huge
	 * (which implies legacy memory); --no-shconf gives the same "no files".
	 */
	if (!use_huge) {
		argv[n++] = "--no-huge";
		argv[n++] = "--no-shconf";
	} else {
		argv[n++] = "--in-memory";
		if (sl_huge_is_hugetlbfs(cfg.dataplane.huge_dir)) {
			argv[n++] = "--huge-dir";
			argv[n++] = cfg.dataplane.huge_dir;
		}
	}
	for (i = 0; i < cfg.n_ports; i++) {
		if (cfg.ports[i].kind == SL_PORT_PCI)
			any_pci = true;
		rc = sl_port_eal_args(&cfg.ports[i], &slots[s], SL_MAX_PORTS - s, argv,
		                      EAL_ARGS_MAX - 1, &n);
		if (rc < 0)
			return rc;
		s++;
	}
	if (!any_pci)
		argv[n++] = "--no-pci";
	argv[n] = NULL;
	*argc = n;
	return 0;
}

/* Main lcore housekeeping: heartbeat and ethdev stats into the shared region. */
static void
housekeeping(uint64_t now_tsc)
{
	struct sl_stats_hdr *h = sl_stats_hdr(&stats);
	struct rte_eth_stats es;
	uint16_t i;

	(void)now_tsc;
	for (i = 0; i < cfg.n_ports; i++) {
		struct sl_stats_port *sp = sl_stats_port_at(&stats, i);

		if (rte_eth_stats_get(ports[i].port_id, &es) != 0)
			continue;
		sp->ipackets = es.ipackets;
		sp->opackets = es.opackets;
		sp->ibytes = es.ibytes;
		sp->obytes = es.obytes;
		sp->imissed = es.imissed;
		sp->ierrors = es.ierrors;
		sp->oerrors = es.oerrors;
		sp->rx_nombuf = es.rx_nombuf;
	}
	if (pool != NULL) {
		h->mbufs_total = pool->size;
		h->mbufs_in_use = rte_mempool_in_use_count(pool);
	}
	__atomic_store_n(&h->heartbeat_ns, sl_stats_now_ns(), __ATOMIC_RELAXED);
	sl_tables_housekeeping(&tables, cfg.dataplane.instance, sl_stats_now_ns());
}

/* Longest a stopping dataplane waits for flush workers to write what it accepted. */
#define SHUTDOWN_DRAIN_MS 10000u

/* A flush worker on a polling CPU takes its time from the poll loop. */
static bool
flush_cpu_ok(unsigned cpu)
{
	uint16_t i;

	for (i = 0; i < cfg.dataplane.n_poll; i++)
		if (cfg.dataplane.poll_lcores[i] == cpu)
			return false;
	return true;
}

static int
setup_cores(void)
{
	tables.n_readers = cfg.dataplane.n_poll;
	uint64_t hz = rte_get_tsc_hz();
	uint32_t i;
	uint16_t p;
	int rc;

	for (i = 0; i < cfg.dataplane.n_poll; i++) {
		unsigned int lcore = cfg.dataplane.poll_lcores[i];
		int socket = (int)rte_lcore_to_socket_id(lcore);
		struct sl_core *c;

		c = rte_zmalloc_socket("sl_core", sizeof(*c), RTE_CACHE_LINE_SIZE, socket);
		if (c == NULL)
			return -ENOMEM;
		cores[i] = c;
		c->idx = i;
		c->lcore_id = lcore;
		c->burst = cfg.dataplane.burst;
		c->is_main = lcore == cfg.dataplane.main_lcore;
		c->pool = pool;
		c->quit = &quit;
		c->tx_drain_tsc = hz * cfg.dataplane.tx_drain_us / 1000000u;
		c->publish_interval_tsc = hz * cfg.dataplane.stats_interval_ms / 1000u;
		c->stats = sl_stats_core_at(&stats, i);
		c->tables = &tables;
		c->tbl_rd.id = i;
		c->stats->lcore_id = lcore;
		c->stats->core_idx = i;
		rc = sl_arp_cache_init(&c->arp, cfg.dataplane.arp_entries,
		                       hz * cfg.dataplane.arp_timeout_s, socket);
		if (rc < 0)
			return rc;
		c->n_ports = cfg.n_ports;
		for (p = 0; p < cfg.n_ports; p++) {
			c->ports[p].port = &ports[p];
			c->ports[p].port_id = ports[p].port_id;
			c->ports[p].queue = (uint16_t)i;
		}
		c->now = rte_rdtsc();
		tcps[i] = rte_zmalloc_socket("sl_tcp_core", sizeof(*tcps[i]), RTE_CACHE_LINE_SIZE,
		                             socket);
		if (tcps[i] == NULL)
			return -ENOMEM;
		rc = sl_tcp_core_init(tcps[i], c, &cfg.tcp, &cookie_key, socket);
		if (rc < 0)
			return rc;
		c->tcp = tcps[i];
		https[i] = rte_zmalloc_socket("sl_http_core", sizeof(*https[i]),
		                              RTE_CACHE_LINE_SIZE, socket);
		if (https[i] == NULL)
			return -ENOMEM;
		pipes[i] = rte_zmalloc_socket("sl_pipe_core", sizeof(*pipes[i]),
		                              RTE_CACHE_LINE_SIZE, socket);
		if (pipes[i] == NULL)
			return -ENOMEM;
		rc = sl_pipe_core_init(pipes[i], c, &cfg.pipeline,
		                       RTE_MAX(cfg.http.max_body_bytes, cfg.grpc.max_message_bytes), flush,
		                       socket);
		if (rc < 0)
			return rc;
		c->pipe = pipes[i];
		rc = sl_http_core_init(https[i], tcps[i], &cfg.http, cfg.test.http_pressure, socket,
		                       pipes[i], cfg.pipeline.durability);
		if (rc < 0)
			return rc;
		c->http = https[i];
		grpcs[i] = rte_zmalloc_socket("sl_grpc_core", sizeof(*grpcs[i]),
		                              RTE_CACHE_LINE_SIZE, socket);
		if (grpcs[i] == NULL)
			return -ENOMEM;
		rc = sl_grpc_core_init(grpcs[i], &cfg.grpc, c->ctr, &tcps[i]->wheel, &c->now,
		                       cfg.tcp.max_conns, cfg.http.max_resources,
		                       cfg.test.http_pressure, pipes[i], cfg.pipeline.durability);
		if (rc < 0)
			return rc;
		rc = sl_grpc_listen(grpcs[i], tcps[i]);
		if (rc < 0)
			return rc;
		c->grpc = grpcs[i];
		clss[i] = rte_zmalloc_socket("sl_cls", sizeof(*clss[i]), RTE_CACHE_LINE_SIZE, socket);
		if (clss[i] == NULL)
			return -ENOMEM;
		rc = sl_cls_init(clss[i], c, cfg.dataplane.n_poll, cfg.pipeline.durability,
		                 cfg.http.max_resources,
		                 RTE_MAX(cfg.http.max_body_bytes, cfg.grpc.max_message_bytes), &c->ext);
		if (rc < 0)
			return rc;
		c->cls = clss[i];
		https[i]->cls = clss[i];
		grpcs[i]->cls = clss[i];
		grpcs[i]->hist = &c->ext.hist[SL_STATS_HIST_REQUEST];
		/* A quarter of this core's share of the packet pool for gRPC bodies in flight. */
		grpcs[i]->hold_limit = (uint64_t)cfg.dataplane.mbufs * RTE_MBUF_DEFAULT_BUF_SIZE /
		                       cfg.dataplane.n_poll / 4;
		if (cfg.test.tcp_echo_port != 0 || cfg.test.tcp_discard_port != 0) {
			testapps[i] = rte_zmalloc_socket("sl_testapp", sizeof(*testapps[i]),
			                                 RTE_CACHE_LINE_SIZE, socket);
			if (testapps[i] == NULL)
				return -ENOMEM;
			rc = sl_testapp_init(testapps[i], tcps[i], cfg.test.tcp_echo_port,
			                     cfg.test.tcp_discard_port, socket);
			if (rc < 0)
				return rc;
		}
		if (cfg.impair.enabled) {
			impairs[i] = rte_zmalloc_socket("sl_impair", sizeof(*impairs[i]),
			                                RTE_CACHE_LINE_SIZE, socket);
			if (impairs[i] == NULL)
				return -ENOMEM;
			sl_impair_init(impairs[i], &cfg.impair, i, pool, hz);
			c->impair = impairs[i];
		}
	}
	return 0;
}

static void
publish_ports(void)
{
	uint16_t i;

	for (i = 0; i < cfg.n_ports; i++) {
		struct sl_stats_port *sp = sl_stats_port_at(&stats, i);
		struct rte_eth_link link;

		snprintf(sp->name, sizeof(sp->name), "%s", ports[i].name);
		snprintf(sp->kind, sizeof(sp->kind), "%s", sl_port_kind_name(ports[i].kind));
		memcpy(sp->mac, ports[i].mac.addr_bytes, sizeof(sp->mac));
		sp->ipv4 = ports[i].ipv4;
		sp->ipv4_prefix = ports[i].ipv4_prefix;
		sp->port_id = ports[i].port_id;
		sp->n_queues = ports[i].n_queues;
		if (rte_eth_link_get_nowait(ports[i].port_id, &link) == 0) {
			sp->link_up = link.link_status;
			sp->link_speed_mbps = link.link_speed;
		}
	}
}

static void
teardown(void)
{
	uint32_t i;
	uint16_t p;

	if (stats.base != NULL)
		sl_stats_hdr(&stats)->state = SL_STATS_STOPPING;
	/* The poll loops have ended: no core reads an image any more. */
	sl_tables_detach(&tables);
	/*
	 * Seal what the batches hold and wait for the flush workers, so requests
	 * answered "received" are written and those waiting for "persisted" get
	 * their answer, while TCP can still send it.
	 */
	for (i = 0; i < SL_MAX_POLL; i++) {
		if (cores[i] == NULL || pipes[i] == NULL || pipes[i]->core == NULL)
			continue;
		cores[i]->impair = NULL;
		/* GOAWAY first: clients stop opening streams, those in flight get answers below. */
		sl_grpc_shutdown(grpcs[i]);
		if (sl_pipe_drain(pipes[i], SHUTDOWN_DRAIN_MS) < 0)
			SL_LOG(ERR, "core %u: batches still being flushed after %u ms", i,
			       SHUTDOWN_DRAIN_MS);
		for (p = 0; p < cores[i]->n_ports; p++)
			sl_core_tx_flush(cores[i], &cores[i]->ports[p]);
	}
	/* Reset what is still connected (the RSTs go out before the ports stop). */
	for (i = 0; i < SL_MAX_POLL; i++) {
		if (cores[i] == NULL)
			continue;
		cores[i]->now = rte_rdtsc();
		cores[i]->impair = NULL;
		sl_tcp_core_fini(tcps[i]);
		for (p = 0; p < cores[i]->n_ports; p++)
			sl_core_tx_flush(cores[i], &cores[i]->ports[p]);
		if (cores[i]->stats != NULL)
			sl_core_publish(cores[i]);
	}
	for (p = 0; p < cfg.n_ports; p++)
		sl_port_teardown(&ports[p]);
	sl_flush_stop(flush);
	for (i = 0; i < SL_MAX_POLL; i++) {
		sl_pipe_core_fini(pipes[i]);
		rte_free(pipes[i]);
		pipes[i] = NULL;
		sl_http_core_fini(https[i]);
		rte_free(https[i]);
		https[i] = NULL;
		sl_grpc_core_fini(grpcs[i]);
		rte_free(grpcs[i]);
		grpcs[i] = NULL;
		if (clss[i] != NULL)
			sl_cls_fini(clss[i]);
		rte_free(clss[i]);
		clss[i] = NULL;
		sl_testapp_fini(testapps[i]);
		rte_free(testapps[i]);
		testapps[i] = NULL;
		if (impairs[i] != NULL)
			sl_impair_fini(impairs[i]);
		rte_free(impairs[i]);
		impairs[i] = NULL;
		rte_free(tcps[i]);
		tcps[i] = NULL;
		if (cores[i] == NULL)
			continue;
		sl_arp_cache_free(&cores[i]->arp);
		rte_free(cores[i]);
		cores[i] = NULL;
	}
	sl_flush_free(flush);
	flush = NULL;
	rte_mempool_free(pool);
	pool = NULL;
	sl_stats_close(&stats, true);
}

int
main(int argc, char **argv)
{
	static char eal_slots[SL_MAX_PORTS][SL_DEVARGS_LEN + 64];
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"check", no_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *config_path = "conf/sluice.yaml";
	char *eal_argv[EAL_ARGS_MAX + 1];
	unsigned int eal_argc = 0, i;
	char err[SL_CONF_ERR_LEN], runtime_dir[256];
	bool check_only = false;
	int opt, rc;

	stats.fd = -1;
	while ((opt = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			config_path = optarg;
			break;
		case 'k':
			check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	rc = sl_config_load(config_path, &cfg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, PROG ": %s\n", err);
		return 1;
	}
	if (check_only) {
		printf("%s: ok\n", config_path);
		return 0;
	}
	if (choose_memory() < 0)
		return 1;
	if (needs_root() && geteuid() != 0) {
		fprintf(stderr, PROG ": must run as root (hugepages and raw packet I/O need it)\n");
		return 1;
	}
	rc = build_eal_args(eal_argv, &eal_argc, eal_slots);
	if (rc < 0) {
		fprintf(stderr, PROG ": cannot build EAL arguments: %s\n", strerror(-rc));
		return 1;
	}
	rc = sl_log_level_parse(cfg.dataplane.log_level);
	if (rc > 0)
		rte_log_set_level(sl_logtype, (uint32_t)rc);
	if (rte_eal_init((int)eal_argc, eal_argv) < 0) {
		fprintf(stderr, PROG ": EAL initialisation failed: %s (EAL arguments:",
		        rte_strerror(rte_errno));
		for (i = 1; i < eal_argc; i++)
			fprintf(stderr, " %s", eal_argv[i]);
		fprintf(stderr, ")\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	pool = rte_pktmbuf_pool_create("sl_pkt", cfg.dataplane.mbufs, cfg.dataplane.mbuf_cache, 0,
	                               RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (pool == NULL) {
		fprintf(stderr, PROG ": cannot allocate %u mbufs: %s (raise dataplane.memory_mb)\n",
		        cfg.dataplane.mbufs, rte_strerror(rte_errno));
		rc = 1;
		goto out;
	}
	/*
	 * Batches hold request mbufs by reference (zero copy): a pipeline bound
	 * larger than the pool lets stored data starve RX. Say so at start.
	 */
	if (cfg.pipeline.max_inflight_bytes * cfg.dataplane.n_poll >
	    (uint64_t)cfg.dataplane.mbufs * RTE_MBUF_DEFAULT_BUF_SIZE / 2)
		SL_LOG(WARNING,
		       "pipeline.max_inflight_bytes x %u poll core(s) is more than half the packet "
		       "pool (%u mbufs, %llu bytes): raise dataplane.mbufs or lower the bound",
		       cfg.dataplane.n_poll, cfg.dataplane.mbufs,
		       (unsigned long long)cfg.dataplane.mbufs * RTE_MBUF_DEFAULT_BUF_SIZE);
	for (i = 0; i < cfg.n_ports; i++) {
		rc = sl_port_setup(&ports[i], &cfg.ports[i], cfg.dataplane.n_poll, pool, err,
		                   sizeof(err));
		if (rc < 0) {
			fprintf(stderr, PROG ": %s\n", err);
			rc = 1;
			goto out;
		}
	}
	rc = sl_stats_create(&stats, cfg.dataplane.instance,
	                     cfg.dataplane.n_poll + cfg.pipeline.n_flush, cfg.n_ports);
	if (rc < 0) {
		fprintf(stderr, PROG ": cannot create the stats region %s: %s\n", stats.path,
		        strerror(-rc));
		rc = 1;
		goto out;
	}
	sl_stats_hdr(&stats)->n_flush = cfg.pipeline.n_flush;
	{
		struct sl_stats_core *wstats[SL_MAX_FLUSH];

		for (i = 0; i < cfg.pipeline.n_flush; i++) {
			wstats[i] = sl_stats_core_at(&stats, cfg.dataplane.n_poll + i);
			wstats[i]->lcore_id = cfg.pipeline.flush_lcores[i];
			wstats[i]->core_idx = cfg.dataplane.n_poll + i;
		}
		flush = sl_flush_create(&cfg, wstats, err, sizeof(err));
		if (flush == NULL) {
			fprintf(stderr, PROG ": %s\n", err);
			rc = 1;
			goto out;
		}
		for (i = 0; i < cfg.pipeline.n_flush; i++)
			if (!flush_cpu_ok(cfg.pipeline.flush_lcores[i]))
				SL_LOG(WARNING,
				       "flush worker %u shares CPU %u with a poll core: both slow down",
				       i, cfg.pipeline.flush_lcores[i]);
	}
	sl_stats_hdr(&stats)->tsc_hz = rte_get_tsc_hz();
	sl_stats_hdr(&stats)->huge = use_huge;
	publish_ports();
	rc = sl_tcp_syncookie_key_init(&cookie_key);
	if (rc < 0) {
		fprintf(stderr, PROG ": cannot read a random SYN-cookie secret: %s\n",
		        strerror(-rc));
		rc = 1;
		goto out;
	}
	rc = setup_cores();
	if (rc < 0) {
		fprintf(stderr, PROG ": cannot set up poll cores: %s\n", strerror(-rc));
		rc = 1;
		goto out;
	}
	/* Announce ourselves before any core polls: queue 0 is still ours to use here. */
	cores[0]->now = rte_rdtsc();
	for (i = 0; i < cfg.n_ports; i++) {
		sl_arp_send_gratuitous(cores[0], &cores[0]->ports[i]);
		sl_core_tx_flush(cores[0], &cores[0]->ports[i]);
	}
	rc = sl_flush_start(flush);
	if (rc < 0) {
		fprintf(stderr, PROG ": cannot start flush workers: %s\n", strerror(-rc));
		rc = 1;
		goto out;
	}
	sl_core_housekeeping = housekeeping;
	housekeeping(0);
	sl_stats_hdr(&stats)->state = SL_STATS_RUNNING;
	for (i = 0; i < cfg.n_ports; i++) {
		char ip[INET_ADDRSTRLEN + 4];
		uint8_t *a = (uint8_t *)&ports[i].ipv4;

		snprintf(ip, sizeof(ip), "%u.%u.%u.%u", a[0], a[1], a[2], a[3]);
		SL_LOG(NOTICE,
		       "port %s (%s %s) up: %s/%u mac " RTE_ETHER_ADDR_PRT_FMT ", %u queue(s)%s",
		       ports[i].name, sl_port_kind_name(ports[i].kind),
		       cfg.ports[i].kind == SL_PORT_PCI ? cfg.ports[i].pci : cfg.ports[i].iface, ip,
		       ports[i].ipv4_prefix, RTE_ETHER_ADDR_BYTES(&ports[i].mac), ports[i].n_queues,
		       ports[i].rx_ip_cksum ? ", rx ip checksum offload" : "");
	}
	SL_LOG(NOTICE, "instance %s running: %u poll core(s), main lcore %u%s, %s",
	       cfg.dataplane.instance, cfg.dataplane.n_poll, cfg.dataplane.main_lcore,
	       cores[0]->is_main ? " (polls too)" : "", use_huge ? "hugepages" : "no hugepages");

	{
		struct sl_core *main_core = NULL;

		for (i = 0; i < cfg.dataplane.n_poll; i++) {
			if (cores[i]->is_main) {
				main_core = cores[i];
				continue;
			}
			rc = rte_eal_remote_launch(sl_core_loop, cores[i], cores[i]->lcore_id);
			if (rc < 0) {
				fprintf(stderr, PROG ": cannot launch lcore %u: %s\n",
				        cores[i]->lcore_id, rte_strerror(-rc));
				quit = true;
				break;
			}
		}
		if (main_core != NULL) {
			sl_core_loop(main_core);
		} else {
			/* A main lcore that does not poll only keeps house; sleeping is fine here.
			 */
			while (!quit) {
				housekeeping(rte_rdtsc());
				usleep(cfg.dataplane.stats_interval_ms * 1000u);
			}
		}
		rte_eal_mp_wait_lcore();
	}
	SL_LOG(NOTICE, "instance %s stopping", cfg.dataplane.instance);
	rc = 0;
out:
	teardown();
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	/* EAL creates its runtime directory even in --in-memory mode and never removes it. */
	rmdir(runtime_dir);
	return rc;
}
