/* SPDX-License-Identifier: BSD-3-Clause */
/* /metrics: the stats region and sluice-control's state in Prometheus text format 0.0.4. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "config_types.h"
#include "metrics.h"

#define X_HELP(e, name, help) {name, help},
static const struct {
	const char *name, *help;
} ctr_help[] = {SL_CORE_COUNTERS(X_HELP)};
#undef X_HELP

/* Liveness threshold for sluice_dataplane_up: as sluicectl status. */
#define HEARTBEAT_MAX_AGE_MS 3000

static const char *
help_of(const char *name)
{
	for (size_t i = 0; i < sizeof(ctr_help) / sizeof(ctr_help[0]); i++)
		if (strcmp(ctr_help[i].name, name) == 0)
			return ctr_help[i].help;
	return "counter published by the dataplane";
}

static bool
is_gauge(const char *name)
{
	size_t n = strlen(name);

	return n < 6 || strcmp(name + n - 6, "_total") != 0;
}

/* HELP text: backslash and newline must be escaped (exposition format). */
static void
help_line(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	for (; *help; help++) {
		if (*help == '\\')
			fputs("\\\\", f);
		else if (*help == '\n')
			fputs("\\n", f);
		else
			fputc(*help, f);
	}
	fputc('\n', f);
}

static void
family(FILE *f, const char *name, const char *type, const char *help)
{
	help_line(f, name, help);
	fprintf(f, "# TYPE %s %s\n", name, type);
}

/* A label value: backslash, double quote and newline escaped (exposition format). */
static void
label_value(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* True when the region already exports a counter called name (a newer writer's enum). */
static bool
region_has(const struct sl_stats_map *m, const char *name)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);

	for (uint32_t k = 0; k < h->n_counters; k++)
		if (strcmp(sl_stats_counter_name(m, k), name) == 0)
			return true;
	return false;
}

/*
 * Named counters, summed over cores: per kind and value one counter family
 * labelled with the kind (sluice_route_items_total{route="checkout"}). A
 * family is written even with no series so its HELP/TYPE are always there.
 */
static void
write_named(FILE *f, const struct sl_stats_map *m, const struct sl_stats_named *all, uint32_t cnt)
{
	uint32_t kind, v, e;

	for (kind = SL_NAMED_FREE + 1; sl_stats_named_desc(kind) != NULL; kind++) {
		const struct sl_stats_named_desc *d = sl_stats_named_desc(kind);

		for (v = 0; v < SL_NAMED_V; v++) {
			if (d->metric[v] == NULL || region_has(m, d->metric[v]))
				continue;
			family(f, d->metric[v], "counter", d->help[v]);
			for (e = 0; e < cnt; e++) {
				if (all[e].kind != kind)
					continue;
				fprintf(f, "%s{%s=\"", d->metric[v], d->kind);
				label_value(f, all[e].name);
				fprintf(f, "\"} %" PRIu64 "\n", all[e].v[v]);
			}
		}
	}
}

/* Microseconds as decimal seconds without trailing zeros: 25 -> "0.000025", 1000000 -> "1". */
static void
us_as_seconds(char *out, size_t len, uint64_t us)
{
	int n = snprintf(out, len, "%" PRIu64 ".%06" PRIu64, us / 1000000, us % 1000000);

	while (n > 0 && out[n - 1] == '0')
		out[--n] = '\0';
	if (n > 0 && out[n - 1] == '.')
		out[--n] = '\0';
}

static void
hist_series(FILE *f, const char *name, const char *labels, const struct sl_stats_hist *hs)
{
	static const uint32_t bounds_us[SL_STATS_HIST_BUCKETS - 1] = SL_STATS_HIST_BOUNDS_US;
	uint64_t cum = 0;
	char le[32];
	uint32_t b;

	for (b = 0; b < SL_STATS_HIST_BUCKETS - 1; b++) {
		cum += hs->bucket[b];
		us_as_seconds(le, sizeof(le), bounds_us[b]);
		fprintf(f, "%s_bucket{%s,le=\"%s\"} %" PRIu64 "\n", name, labels, le, cum);
	}
	cum += hs->bucket[b];
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n", name, labels, cum);
	fprintf(f, "%s_sum{%s} %" PRIu64 ".%09" PRIu64 "\n", name, labels, hs->sum_ns / 1000000000,
	        hs->sum_ns % 1000000000);
	/* _count equals the +Inf bucket by definition: derive it, do not trust a second field. */
	fprintf(f, "%s_count{%s} %" PRIu64 "\n", name, labels, cum);
}

/*
 * Histograms: per poll core (core="N",kind="poll"; flush workers observe no
 * requests) and core="total",kind="all", buckets made cumulative here.
 */
static void
write_hists(FILE *f, const struct sl_stats_core_snap *snap, uint32_t n, uint32_t n_flush)
{
	char labels[48];
	uint32_t id, i, b;

	for (id = 0; id < SL_STATS_HIST_MAX; id++) {
		const char *name = sl_stats_hist_name(id);
		struct sl_stats_hist sum;

		memset(&sum, 0, sizeof(sum));
		family(f, name, "histogram", sl_stats_hist_help(id));
		for (i = 0; i < n; i++) {
			const struct sl_stats_hist *hs = &snap[i].ext.hist[id];

			if (i < n - n_flush) {
				snprintf(labels, sizeof(labels), "core=\"%u\",kind=\"poll\"", i);
				hist_series(f, name, labels, hs);
			}
			for (b = 0; b < SL_STATS_HIST_BUCKETS; b++)
				sum.bucket[b] += hs->bucket[b];
			sum.count += hs->count;
			sum.sum_ns += hs->sum_ns;
		}
		hist_series(f, name, "core=\"total\",kind=\"all\"", &sum);
	}
}

int
sl_metrics_write(FILE *f, const struct sl_stats_map *m, const struct sl_metrics_control *c)
{
	struct sl_stats_core_snap *snap = NULL;
	struct sl_stats_named *named = NULL;
	const struct sl_stats_hdr *h = NULL;
	uint32_t n = 0, n_flush = 0, n_named = 0, i, k;
	bool up = false;

	if (m != NULL && m->base != NULL) {
		h = sl_stats_hdr(m);
		n = h->n_cores;
		n_flush = h->n_flush < n ? h->n_flush : n;
		snap = calloc(n ? n : 1, sizeof(*snap));
		if (snap == NULL)
			return -ENOMEM;
		for (i = 0; i < n; i++)
			if (sl_stats_core_read(m, i, &snap[i]) < 0) {
				free(snap);
				return -EAGAIN;
			}
		/* Merged before any output: a failure leaves no half-written exposition. */
		named = malloc(((size_t)n * SL_STATS_NAMED_MAX + 1) * sizeof(*named));
		if (named == NULL) {
			free(snap);
			return -ENOMEM;
		}
		n_named = sl_stats_named_merge(snap, n, named, n * SL_STATS_NAMED_MAX);
		up = sl_stats_alive(m, HEARTBEAT_MAX_AGE_MS);
	}
	if (h != NULL) {
		for (k = 0; k < h->n_counters; k++) {
			const char *name = sl_stats_counter_name(m, k);
			const char *help = help_of(name);
			bool gauge = is_gauge(name);
			uint64_t sum = 0;

			if (strncmp(help, "gauge: ", 7) == 0)
				help += 7;
			family(f, name, gauge ? "gauge" : "counter", help);
			for (i = 0; i < n; i++) {
				bool fl = i >= n - n_flush;

				fprintf(f, "%s{core=\"%u\",kind=\"%s\"} %" PRIu64 "\n", name,
				        fl ? i - (n - n_flush) : i, fl ? "flush" : "poll",
				        snap[i].counters[k]);
				sum += snap[i].counters[k];
			}
			fprintf(f, "%s{core=\"total\",kind=\"all\"} %" PRIu64 "\n", name, sum);
		}
		family(f, "sluice_dropped_packets_total", "counter",
		       "packets dropped, by reason (every drop has one)");
		for (k = 0; k < h->n_drops; k++) {
			const char *reason = sl_stats_drop_name(m, k);
			uint64_t sum = 0;

			for (i = 0; i < n; i++) {
				bool fl = i >= n - n_flush;

				if (snap[i].drops[k] != 0)
					fprintf(f,
					        "sluice_dropped_packets_total{reason=\"%s\",core=\"%u\","
					        "kind=\"%s\"} %" PRIu64 "\n",
					        reason, fl ? i - (n - n_flush) : i, fl ? "flush" : "poll",
					        snap[i].drops[k]);
				sum += snap[i].drops[k];
			}
			fprintf(f,
			        "sluice_dropped_packets_total{reason=\"%s\",core=\"total\",kind=\"all\"} "
			        "%" PRIu64 "\n",
			        reason, sum);
		}
		write_named(f, m, named, n_named);
		write_hists(f, snap, n, n_flush);
		family(f, "sluice_dataplane_start_time_seconds", "gauge",
		       "when the dataplane started (unix time)");
		fprintf(f, "sluice_dataplane_start_time_seconds %.3f\n",
		        (double)h->start_unix_ns / 1e9);
		family(f, "sluice_mbufs_in_use", "gauge", "packet buffers allocated");
		fprintf(f, "sluice_mbufs_in_use %" PRIu64 "\n", h->mbufs_in_use);
	}
	family(f, "sluice_dataplane_up", "gauge",
	       "1 when the dataplane's stats heartbeat is fresh, else 0");
	fprintf(f, "sluice_dataplane_up %d\n", up ? 1 : 0);
	free(named);
	free(snap);
	if (c == NULL)
		return 0;
	family(f, "sluice_control_up", "gauge", "1: sluice-control answers");
	fprintf(f, "sluice_control_up 1\n");
	family(f, "sluice_control_start_time_seconds", "gauge", "when sluice-control started");
	fprintf(f, "sluice_control_start_time_seconds %.3f\n", (double)c->start_unix_ns / 1e9);
	family(f, "sluice_control_config_version", "gauge",
	       "version number of the running dynamic configuration");
	fprintf(f, "sluice_control_config_version %" PRIu64 "\n", c->config_version);
	family(f, "sluice_control_tables_generation", "gauge", "generation of the published image");
	fprintf(f, "sluice_control_tables_generation %" PRIu64 "\n", c->generation);
	family(f, "sluice_control_routes", "gauge", "routes in the running configuration");
	fprintf(f, "sluice_control_routes %u\n", c->routes);
	family(f, "sluice_control_faults", "gauge", "active (unexpired) faults");
	fprintf(f, "sluice_control_faults %u\n", c->faults);
	family(f, "sluice_control_publications_total", "counter", "table images published");
	fprintf(f, "sluice_control_publications_total %" PRIu64 "\n", c->publications);
	family(f, "sluice_control_publish_failures_total", "counter",
	       "publications that found no free slot (readers behind) and were retried");
	fprintf(f, "sluice_control_publish_failures_total %" PRIu64 "\n", c->publish_failures);
	family(f, "sluice_control_faults_expired_total", "counter", "faults removed at their TTL");
	fprintf(f, "sluice_control_faults_expired_total %" PRIu64 "\n", c->faults_expired);
	family(f, "sluice_control_requests_total", "counter", "control socket requests served");
	fprintf(f, "sluice_control_requests_total %" PRIu64 "\n", c->requests);
	family(f, "sluice_control_requests_refused_total", "counter",
	       "control socket peers refused by the credential check");
	fprintf(f, "sluice_control_requests_refused_total %" PRIu64 "\n", c->requests_refused);
	family(f, "sluice_control_scrapes_total", "counter", "/metrics requests served");
	fprintf(f, "sluice_control_scrapes_total %" PRIu64 "\n", c->scrapes);
	return 0;
}
