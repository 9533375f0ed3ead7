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

int
sl_metrics_write(FILE *f, const struct sl_stats_map *m, const struct sl_metrics_control *c)
{
	struct sl_stats_core_snap *snap = NULL;
	const struct sl_stats_hdr *h = NULL;
	uint32_t n = 0, n_flush = 0, i, k;
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
