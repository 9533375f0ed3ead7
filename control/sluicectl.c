/* SPDX-License-Identifier: BSD-3-Clause */
/* sluicectl: the operator's command line (stats, status, ports, config) for a sluice instance. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "ctl_cli.h"
#include "segments_cli.h"
#include "stats_map.h"

#define PROG "sluicectl"

/* A heartbeat older than this means the dataplane is stuck or gone. */
#define HEARTBEAT_MAX_AGE_MS 3000

/* Exit codes: scripts rely on them (./sluice, tests). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_RUNNING = 3,
};

static bool json;
static const char *instance;
static const char *config_path;

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: " PROG " [--instance NAME] [--config FILE] [--json] COMMAND [ARGS]\n"
	    "\n"
	    "commands:\n"
	    "  status                 is the dataplane running (exit 0) or not (exit 3)\n"
	    "  stats [--watch [S]]    counters per core and in total, drops by reason, busy %%,\n"
	    "                         route/fault/tenant counters, request latency\n"
	    "  ports                  ports with addresses and device counters\n"
	    "  config get KEY         one configuration value (e.g. demo.netns, ports.0.ipv4)\n"
	    "  config check           validate the configuration file\n"
	    "  config doc             the configuration key reference (markdown)\n");
	sl_ctl_cli_usage(f);
	sl_segments_cli_usage(f);
	fprintf(
	    f, "\n"
	       "options:\n"
	       "  --instance NAME  which dataplane (default: the config's dataplane.instance,\n"
	       "                   else $SLUICE_INSTANCE, else 'sluice')\n"
	       "  --config FILE    configuration file (default: conf/sluice.yaml if present)\n"
	       "  --json           machine-readable output\n");
}

/* "sluice_rx_packets_total" -> "rx_packets": the JSON and table use the short form. */
static void
short_name(const char *full, char *out, size_t len)
{
	size_t n;

	if (strncmp(full, "sluice_", 7) == 0)
		full += 7;
	snprintf(out, len, "%s", full);
	n = strlen(out);
	if (n > 6 && strcmp(out + n - 6, "_total") == 0)
		out[n - 6] = '\0';
}

static int
load_config(struct sl_config *cfg, bool required)
{
	char err[SL_CONF_ERR_LEN];
	const char *path = config_path;
	int rc;

	if (path == NULL) {
		if (access("conf/sluice.yaml", R_OK) != 0) {
			if (!required)
				return -ENOENT;
			fprintf(stderr, PROG ": no --config given and no conf/sluice.yaml here\n");
			return -ENOENT;
		}
		path = "conf/sluice.yaml";
	}
	rc = sl_config_load(path, cfg, err, sizeof(err));
	if (rc < 0)
		fprintf(stderr, PROG ": %s\n", err);
	return rc;
}

static const char *
resolve_instance(void)
{
	static struct sl_config cfg;
	const char *env;

	if (instance != NULL)
		return instance;
	if (config_path != NULL && load_config(&cfg, true) == 0)
		return cfg.dataplane.instance;
	env = getenv("SLUICE_INSTANCE");
	if (env != NULL && env[0] != '\0')
		return env;
	if (load_config(&cfg, false) == 0)
		return cfg.dataplane.instance;
	return "sluice";
}

static int
open_stats(struct sl_stats_map *m, bool quiet)
{
	const char *inst = resolve_instance();
	int rc = sl_stats_open(m, inst);

	if (rc == 0)
		return 0;
	if (!quiet) {
		if (rc == -ENOENT)
			fprintf(stderr, PROG ": instance '%s' is not running (no %s)\n", inst,
			        m->path);
		else if (rc == -EPROTO)
			fprintf(stderr,
			        PROG ": %s has a layout this sluicectl does not read "
			             "(rebuild sluicectl with the dataplane)\n",
			        m->path);
		else
			fprintf(stderr, PROG ": cannot open %s: %s\n", m->path, strerror(-rc));
	}
	return rc;
}

static const char *
state_name(const struct sl_stats_map *m)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);

	if (!sl_stats_alive(m, HEARTBEAT_MAX_AGE_MS))
		return (h->pid > 0 && kill(h->pid, 0) == 0) ? "stalled" : "dead";
	switch (h->state) {
	case SL_STATS_STARTING:
		return "starting";
	case SL_STATS_RUNNING:
		return "running";
	case SL_STATS_STOPPING:
		return "stopping";
	default:
		return "unknown";
	}
}

static int
cmd_status(void)
{
	struct sl_stats_map m;
	const struct sl_stats_hdr *h;
	const char *state;
	double up;
	int rc;

	rc = open_stats(&m, json);
	if (rc < 0) {
		if (json)
			printf("{\"instance\":\"%s\",\"state\":\"stopped\"}\n", resolve_instance());
		return rc == -ENOENT ? EXIT_NOT_RUNNING : EXIT_FAIL;
	}
	h = sl_stats_hdr(&m);
	state = state_name(&m);
	up = (double)(sl_stats_now_ns() - h->start_unix_ns) / 1e9;
	if (json)
		printf("{\"instance\":\"%s\",\"state\":\"%s\",\"pid\":%d,\"uptime_s\":%.1f,"
		       "\"cores\":%u,\"flush_workers\":%u,\"ports\":%u,\"huge\":%s}\n",
		       h->instance, state, h->pid, up, h->n_cores - h->n_flush, h->n_flush, h->n_ports,
		       h->huge ? "true" : "false");
	else
		printf("instance %s: %s (pid %d, up %.0f s, %u poll core(s), %u flush worker(s), "
		       "%u port(s), %s)\n",
		       h->instance, state, h->pid, up, h->n_cores - h->n_flush, h->n_flush, h->n_ports,
		       h->huge ? "hugepages" : "no hugepages");
	rc = strcmp(state, "running") == 0 ? EXIT_OK : EXIT_NOT_RUNNING;
	sl_stats_close(&m, false);
	return rc;
}

struct totals {
	uint32_t n_cores;
	uint32_t n_flush; /* the last n_flush blocks are flush workers */
	struct sl_stats_core_snap core[SL_MAX_POLL + SL_MAX_FLUSH];
	struct sl_stats_core_snap sum; /* ext.hist summed; ext.named unused (see named) */
	uint32_t n_named;
	struct sl_stats_named named[(SL_MAX_POLL + SL_MAX_FLUSH) * SL_STATS_NAMED_MAX];
};

static int
read_totals(const struct sl_stats_map *m, struct totals *t)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);
	uint32_t i, k;

	memset(t, 0, sizeof(*t));
	t->n_cores = h->n_cores < SL_MAX_POLL + SL_MAX_FLUSH ? h->n_cores
	                                                     : SL_MAX_POLL + SL_MAX_FLUSH;
	t->n_flush = h->n_flush < t->n_cores ? h->n_flush : t->n_cores;
	for (i = 0; i < t->n_cores; i++) {
		if (sl_stats_core_read(m, i, &t->core[i]) < 0)
			return -EAGAIN;
		for (k = 0; k < h->n_counters; k++)
			t->sum.counters[k] += t->core[i].counters[k];
		for (k = 0; k < h->n_drops; k++)
			t->sum.drops[k] += t->core[i].drops[k];
		for (k = 0; k < SL_STATS_HIST_MAX; k++) {
			const struct sl_stats_hist *src = &t->core[i].ext.hist[k];
			struct sl_stats_hist *dst = &t->sum.ext.hist[k];

			for (uint32_t b = 0; b < SL_STATS_HIST_BUCKETS; b++)
				dst->bucket[b] += src->bucket[b];
			dst->count += src->count;
			dst->sum_ns += src->sum_ns;
		}
	}
	t->n_named = sl_stats_named_merge(t->core, t->n_cores, t->named,
	                                  sizeof(t->named) / sizeof(t->named[0]));
	return 0;
}

/* s as a JSON string body: quote, backslash and control characters escaped. */
static void
json_str(const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", (unsigned char)*s);
		else
			putchar(*s);
	}
}

/* Is the q-quantile past the last finite bound? Then it is only "more than 10 s". */
static bool
quantile_past_bounds(const struct sl_stats_hist *hs, double q)
{
	uint64_t total = 0, inf = hs->bucket[SL_STATS_HIST_BUCKETS - 1];

	for (uint32_t b = 0; b < SL_STATS_HIST_BUCKETS; b++)
		total += hs->bucket[b];
	return total != 0 && (double)(total - inf) < q * (double)total;
}

static void
json_named_hists(const struct totals *t)
{
	uint32_t e, v, id, b;

	printf(",\"named\":[");
	for (e = 0; e < t->n_named; e++) {
		const struct sl_stats_named *x = &t->named[e];
		const struct sl_stats_named_desc *d = sl_stats_named_desc(x->kind);

		printf("%s{\"kind\":\"%s\",\"name\":\"", e ? "," : "", d->kind);
		json_str(x->name);
		printf("\",\"id\":%" PRIu32, x->id);
		for (v = 0; v < SL_NAMED_V; v++)
			if (d->v[v] != NULL)
				printf(",\"%s\":%" PRIu64, d->v[v], x->v[v]);
		printf("}");
	}
	printf("],\"histograms\":[");
	for (id = 0; id < SL_STATS_HIST_MAX; id++) {
		const struct sl_stats_hist *hs = &t->sum.ext.hist[id];
		char name[SL_STATS_NAME_LEN];
		double p50 = sl_stats_hist_quantile(hs, 0.5),
		       p99 = sl_stats_hist_quantile(hs, 0.99);

		short_name(sl_stats_hist_name(id), name, sizeof(name));
		printf("%s{\"name\":\"%s\",\"count\":%" PRIu64 ",\"sum_seconds\":%.9f",
		       id ? "," : "", name, hs->count, (double)hs->sum_ns / 1e9);
		if (p50 < 0)
			printf(",\"p50_seconds\":null,\"p99_seconds\":null");
		else
			printf(",\"p50_seconds\":%.9g,\"p99_seconds\":%.9g", p50, p99);
		printf(",\"bounds_seconds\":[");
		for (b = 0; b < SL_STATS_HIST_BUCKETS - 1; b++)
			printf("%s%g", b ? "," : "", sl_stats_hist_bound_s(b));
		printf("],\"buckets\":[");
		for (b = 0; b < SL_STATS_HIST_BUCKETS; b++)
			printf("%s%" PRIu64, b ? "," : "", hs->bucket[b]);
		printf("]}");
	}
	printf("]");
}

static double
busy_pct(const struct sl_stats_core_snap *s)
{
	uint64_t b = s->counters[SL_CTR_BUSY_CYCLES], i = s->counters[SL_CTR_IDLE_CYCLES];

	return b + i == 0 ? 0.0 : 100.0 * (double)b / (double)(b + i);
}

static void
json_block(const struct sl_stats_map *m, const struct sl_stats_core_snap *s)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);
	char name[SL_STATS_NAME_LEN];
	uint64_t drops = 0;
	uint32_t k;

	printf("\"counters\":{");
	for (k = 0; k < h->n_counters; k++) {
		short_name(sl_stats_counter_name(m, k), name, sizeof(name));
		printf("%s\"%s\":%" PRIu64, k ? "," : "", name, s->counters[k]);
	}
	printf("},\"drops\":{");
	for (k = 0; k < h->n_drops; k++) {
		printf("%s\"%s\":%" PRIu64, k ? "," : "", sl_stats_drop_name(m, k), s->drops[k]);
		drops += s->drops[k];
	}
	printf("},\"dropped_total\":%" PRIu64 ",\"busy_pct\":%.2f", drops, busy_pct(s));
}

static void
format_ipv4(uint32_t be, uint8_t prefix, char *out, size_t len)
{
	const uint8_t *a = (const uint8_t *)&be;

	snprintf(out, len, "%u.%u.%u.%u/%u", a[0], a[1], a[2], a[3], prefix);
}

static void
print_stats_json(const struct sl_stats_map *m, const struct totals *t)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);
	char ip[32];
	uint32_t i;

	printf("{\"instance\":\"%s\",\"pid\":%d,\"state\":\"%s\",\"huge\":%s,\"tsc_hz\":%" PRIu64
	       ",\"mbufs_total\":%" PRIu64 ",\"mbufs_in_use\":%" PRIu64 ",\"total\":{",
	       h->instance, h->pid, state_name(m), h->huge ? "true" : "false", h->tsc_hz,
	       h->mbufs_total, h->mbufs_in_use);
	json_block(m, &t->sum);
	printf("}");
	json_named_hists(t);
	printf(",\"cores\":[");
	for (i = 0; i < t->n_cores; i++) {
		printf("%s{\"core\":%u,\"lcore\":%u,\"kind\":\"%s\",", i ? "," : "",
		       t->core[i].core_idx, t->core[i].lcore_id,
		       i >= t->n_cores - t->n_flush ? "flush" : "poll");
		json_block(m, &t->core[i]);
		printf("}");
	}
	printf("],\"ports\":[");
	for (i = 0; i < h->n_ports; i++) {
		const struct sl_stats_port *p = sl_stats_port_at(m, i);

		format_ipv4(p->ipv4, p->ipv4_prefix, ip, sizeof(ip));
		printf(
		    "%s{\"name\":\"%s\",\"kind\":\"%s\",\"mac\":\"%02x:%02x:%02x:%02x:%02x:%02x\","
		    "\"ipv4\":\"%s\",\"queues\":%u,\"link_up\":%s,\"ipackets\":%" PRIu64
		    ",\"opackets\":%" PRIu64 ",\"ibytes\":%" PRIu64 ",\"obytes\":%" PRIu64
		    ",\"imissed\":%" PRIu64 ",\"ierrors\":%" PRIu64 ",\"oerrors\":%" PRIu64
		    ",\"rx_nombuf\":%" PRIu64 "}",
		    i ? "," : "", p->name, p->kind, p->mac[0], p->mac[1], p->mac[2], p->mac[3],
		    p->mac[4], p->mac[5], ip, p->n_queues, p->link_up ? "true" : "false",
		    p->ipackets, p->opackets, p->ibytes, p->obytes, p->imissed, p->ierrors,
		    p->oerrors, p->rx_nombuf);
	}
	printf("]}\n");
}

/* A duration in seconds, readable: "850 us", "12.3 ms", "1.25 s". */
static void
fmt_duration(char *out, size_t len, double s)
{
	if (s < 1e-3)
		snprintf(out, len, "%.1f us", s * 1e6);
	else if (s < 1.0)
		snprintf(out, len, "%.1f ms", s * 1e3);
	else
		snprintf(out, len, "%.2f s", s);
}

/* Named counters per kind (summed over cores), then each histogram's count and quantiles. */
static void
print_named_hists(const struct totals *t)
{
	uint32_t kind, e, v, id;

	for (kind = SL_NAMED_FREE + 1; sl_stats_named_desc(kind) != NULL; kind++) {
		const struct sl_stats_named_desc *d = sl_stats_named_desc(kind);
		bool head = false;

		for (e = 0; e < t->n_named; e++) {
			if (t->named[e].kind != kind)
				continue;
			if (!head) {
				printf("%ss (summed over cores):\n  %-36s", d->kind, "name");
				for (v = 0; v < SL_NAMED_V; v++)
					if (d->v[v] != NULL)
						printf(" %17s", d->v[v]);
				printf("\n");
				head = true;
			}
			printf("  %-36s", t->named[e].name);
			for (v = 0; v < SL_NAMED_V; v++)
				if (d->v[v] != NULL)
					printf(" %17" PRIu64, t->named[e].v[v]);
			printf("\n");
		}
	}
	printf("latency (all cores; quantiles interpolated in buckets):\n");
	for (id = 0; id < SL_STATS_HIST_MAX; id++) {
		const struct sl_stats_hist *hs = &t->sum.ext.hist[id];
		const double qs[2] = {0.5, 0.99};
		char name[SL_STATS_NAME_LEN], q[2][32];

		short_name(sl_stats_hist_name(id), name, sizeof(name));
		for (int i = 0; i < 2; i++) {
			if (hs->count == 0)
				snprintf(q[i], sizeof(q[i]), "-");
			else if (quantile_past_bounds(hs, qs[i]))
				snprintf(q[i], sizeof(q[i]), "> %g s",
				         sl_stats_hist_bound_s(SL_STATS_HIST_BUCKETS - 2));
			else
				fmt_duration(q[i], sizeof(q[i]), sl_stats_hist_quantile(hs, qs[i]));
		}
		printf("  %-36s %16" PRIu64 "   p50 %-10s p99 %s\n", name, hs->count, q[0], q[1]);
	}
}

static void
print_stats_table(const struct sl_stats_map *m, const struct totals *t, const struct totals *prev,
                  double dt)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);
	char name[SL_STATS_NAME_LEN];
	uint32_t i, k;

	printf("instance %s (pid %d, %s)\n", h->instance, h->pid, state_name(m));
	printf("%-38s %16s", "counter", "total");
	for (i = 0; i < t->n_cores; i++)
		printf(" %14s%-2u", i >= t->n_cores - t->n_flush ? "flush" : "core",
		       i >= t->n_cores - t->n_flush ? i - (t->n_cores - t->n_flush) : i);
	if (prev != NULL)
		printf(" %14s", "rate/s");
	printf("\n");
	for (k = 0; k < h->n_counters; k++) {
		if (k == SL_CTR_BUSY_CYCLES || k == SL_CTR_IDLE_CYCLES)
			continue;
		short_name(sl_stats_counter_name(m, k), name, sizeof(name));
		printf("%-38s %16" PRIu64, name, t->sum.counters[k]);
		for (i = 0; i < t->n_cores; i++)
			printf(" %16" PRIu64, t->core[i].counters[k]);
		if (prev != NULL)
			printf(" %14.0f",
			       (double)(t->sum.counters[k] - prev->sum.counters[k]) / dt);
		printf("\n");
	}
	printf("%-38s %15.1f%%", "busy", busy_pct(&t->sum));
	for (i = 0; i < t->n_cores; i++)
		printf(" %15.1f%%", busy_pct(&t->core[i]));
	printf("\n");
	if (t->sum.counters[SL_CTR_RX_PACKETS] != 0)
		printf("%-38s %16.0f\n", "busy cycles/rx packet",
		       (double)t->sum.counters[SL_CTR_BUSY_CYCLES] /
		           (double)t->sum.counters[SL_CTR_RX_PACKETS]);
	printf("%-38s %16" PRIu64 " of %" PRIu64 "\n", "mbufs in use", h->mbufs_in_use,
	       h->mbufs_total);
	printf("drops by reason:\n");
	for (k = 0; k < h->n_drops; k++) {
		if (t->sum.drops[k] == 0)
			continue;
		printf("  %-36s %16" PRIu64 "\n", sl_stats_drop_name(m, k), t->sum.drops[k]);
	}
	print_named_hists(t);
}

static volatile bool stop;

static void
on_sigint(int sig)
{
	(void)sig;
	stop = true;
}

static int
cmd_stats(int argc, char **argv)
{
	static struct totals cur, prev;
	struct sl_stats_map m;
	double watch = 0;
	int i, rc;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--watch") == 0) {
			watch = 1.0;
			if (i + 1 < argc && argv[i + 1][0] != '-') {
				char *end;

				watch = strtod(argv[++i], &end);
				if (*end != '\0' || watch < 0.1 || watch > 3600) {
					fprintf(stderr,
					        PROG ": stats --watch: '%s' is not a "
					             "number of seconds in 0.1..3600\n",
					        argv[i]);
					return EXIT_USAGE;
				}
			}
		} else {
			fprintf(stderr, PROG ": stats: unknown argument '%s'\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	rc = open_stats(&m, false);
	if (rc < 0)
		return rc == -ENOENT ? EXIT_NOT_RUNNING : EXIT_FAIL;
	if (read_totals(&m, &cur) < 0) {
		fprintf(stderr, PROG ": stats region never settled (writer stuck mid-update?)\n");
		sl_stats_close(&m, false);
		return EXIT_FAIL;
	}
	if (watch == 0) {
		if (json)
			print_stats_json(&m, &cur);
		else
			print_stats_table(&m, &cur, NULL, 0);
		sl_stats_close(&m, false);
		return EXIT_OK;
	}
	signal(SIGINT, on_sigint);
	while (!stop) {
		struct timespec ts = {.tv_sec = (time_t)watch,
		                      .tv_nsec = (long)((watch - (double)(time_t)watch) * 1e9)};

		prev = cur;
		nanosleep(&ts, NULL);
		if (stop || read_totals(&m, &cur) < 0)
			break;
		if (json) {
			print_stats_json(&m, &cur);
		} else {
			printf("\033[H\033[2J");
			print_stats_table(&m, &cur, &prev, watch);
		}
		fflush(stdout);
	}
	sl_stats_close(&m, false);
	return EXIT_OK;
}

static int
cmd_ports(void)
{
	struct sl_stats_map m;
	const struct sl_stats_hdr *h;
	char ip[32];
	uint32_t i;
	int rc;

	rc = open_stats(&m, false);
	if (rc < 0)
		return rc == -ENOENT ? EXIT_NOT_RUNNING : EXIT_FAIL;
	h = sl_stats_hdr(&m);
	if (json) {
		struct totals t;

		if (read_totals(&m, &t) < 0) {
			sl_stats_close(&m, false);
			return EXIT_FAIL;
		}
		print_stats_json(&m, &t);
		sl_stats_close(&m, false);
		return EXIT_OK;
	}
	printf("%-12s %-10s %-18s %-19s %6s %5s %12s %12s %10s %10s\n", "port", "kind", "ipv4",
	       "mac", "queues", "link", "rx packets", "tx packets", "rx missed", "rx nombuf");
	for (i = 0; i < h->n_ports; i++) {
		const struct sl_stats_port *p = sl_stats_port_at(&m, i);

		format_ipv4(p->ipv4, p->ipv4_prefix, ip, sizeof(ip));
		printf("%-12s %-10s %-18s %02x:%02x:%02x:%02x:%02x:%02x  %6u %5s %12" PRIu64
		       " %12" PRIu64 " %10" PRIu64 " %10" PRIu64 "\n",
		       p->name, p->kind, ip, p->mac[0], p->mac[1], p->mac[2], p->mac[3], p->mac[4],
		       p->mac[5], p->n_queues, p->link_up ? "up" : "down", p->ipackets, p->opackets,
		       p->imissed, p->rx_nombuf);
	}
	sl_stats_close(&m, false);
	return EXIT_OK;
}

static int
cmd_config(int argc, char **argv)
{
	static struct sl_config cfg;
	char out[SL_PATH_LEN + 64];
	int rc;

	if (argc < 1) {
		fprintf(stderr, PROG ": config: expected get KEY, check or doc\n");
		return EXIT_USAGE;
	}
	if (strcmp(argv[0], "doc") == 0 && argc == 1) {
		sl_config_doc(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[0], "check") == 0 && argc == 1) {
		if (load_config(&cfg, true) < 0)
			return EXIT_FAIL;
		printf("%s: ok\n", config_path ? config_path : "conf/sluice.yaml");
		return EXIT_OK;
	}
	if (strcmp(argv[0], "get") == 0 && argc == 2) {
		if (load_config(&cfg, true) < 0)
			return EXIT_FAIL;
		rc = sl_config_get(&cfg, argv[1], out, sizeof(out));
		if (rc < 0) {
			fprintf(stderr, PROG ": config get: %s: %s\n", argv[1],
			        rc == -ENOENT ? "no such key" : strerror(-rc));
			return EXIT_FAIL;
		}
		printf("%s\n", out);
		return EXIT_OK;
	}
	fprintf(stderr, PROG ": config: expected get KEY, check or doc\n");
	return EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"instance", required_argument, NULL, 'i'},
	    {"config", required_argument, NULL, 'c'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *cmd;
	int opt;

	/* '+': stop at the command, so its own options are left for it. */
	while ((opt = getopt_long(argc, argv, "+i:c:jh", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			instance = optarg;
			break;
		case 'c':
			config_path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[optind++];
	argc -= optind;
	argv += optind;
	/* --json may also follow the command. */
	if (argc > 0 && strcmp(argv[argc - 1], "--json") == 0 && strcmp(cmd, "stats") != 0) {
		json = true;
		argc--;
	}
	if (strcmp(cmd, "status") == 0 && argc == 0)
		return cmd_status();
	if (strcmp(cmd, "stats") == 0)
		return cmd_stats(argc, argv);
	if (strcmp(cmd, "ports") == 0 && argc == 0)
		return cmd_ports();
	/* Control-plane commands (ctl_cli.c): through sluice-control, or local reads. */
	if (strcmp(cmd, "cores") == 0 && argc == 0)
		return sl_ctl_cli_cores(resolve_instance(), json);
	if (strcmp(cmd, "routes") == 0 && argc >= 1 && strcmp(argv[0], "test") == 0)
		return sl_ctl_cli_routes_test(argc - 1, argv + 1, resolve_instance(),
		                              config_path ? config_path
		                              : access("conf/sluice.yaml", R_OK) == 0 ? "conf/sluice.yaml"
		                                                                      : NULL,
		                              json);
	if (strcmp(cmd, "routes") == 0 || strcmp(cmd, "faults") == 0 ||
	    strcmp(cmd, "control") == 0 ||
	    (strcmp(cmd, "config") == 0 && argc >= 1 &&
	     (strcmp(argv[0], "show") == 0 || strcmp(argv[0], "diff") == 0 ||
	      strcmp(argv[0], "reload") == 0 || strcmp(argv[0], "rollback") == 0 ||
	      strcmp(argv[0], "history") == 0))) {
		argv--; /* the command word travels too */
		argc++;
		if (strcmp(cmd, "control") == 0)
			argv[0] = "control-status";
		return sl_ctl_cli_remote(argc, argv, getenv("SLUICE_CONTROL_SOCKET"),
		                         resolve_instance(), config_path, json);
	}
	if (strcmp(cmd, "config") == 0)
		return cmd_config(argc, argv);
	if (strcmp(cmd, "segments") == 0)
		return sl_segments_cli_run(argc, argv, config_path, json);
	if (strcmp(cmd, "dict") == 0)
		return sl_segments_cli_dict(argc, argv, config_path, json);
	if (strcmp(cmd, "help") == 0) {
		usage(stdout);
		return EXIT_OK;
	}
	fprintf(stderr, PROG ": unknown command or arguments: '%s' (see " PROG " --help)\n", cmd);
	return EXIT_USAGE;
}
