/* SPDX-License-Identifier: BSD-3-Clause */
/* Prometheus text exposition (format 0.0.4) of the stats region and of sluice-control itself. */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "stats_map.h"

/* sluice-control's own numbers, exported beside the dataplane's. */
struct sl_metrics_control {
	uint64_t config_version;
	uint64_t generation;
	uint32_t routes;
	uint32_t faults;
	uint64_t publications;
	uint64_t publish_failures;
	uint64_t faults_expired;
	uint64_t requests;         /* control socket requests served */
	uint64_t requests_refused; /* peer credential refusals */
	uint64_t scrapes;
	uint64_t start_unix_ns;
};

/*
 * Write the exposition to f: for every counter of the region (m may be NULL
 * when no dataplane runs) one family with HELP and TYPE, a series per core
 * (labels core="<index>", kind="poll"|"flush") and core="total"; names
 * without _total are gauges. Drop reasons as sluice_dropped_packets_total
 * {reason=...}. The named counters summed over cores, one counter family per
 * kind and value labelled with the kind (sluice_route_items_total{route=...},
 * names in sl_stats_named_desc()). The histograms (sluice_request_duration_seconds)
 * per poll core and core="total": cumulative _bucket{le=...} in seconds, +Inf,
 * _sum in seconds, _count. Then sluice_dataplane_up and the sluice_control_* families.
 * Returns 0, or before writing anything -EAGAIN (a core block never settled) or -ENOMEM.
 */
int sl_metrics_write(FILE *f, const struct sl_stats_map *m, const struct sl_metrics_control *c);

#endif /* SL_METRICS_H */
