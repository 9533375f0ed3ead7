/* SPDX-License-Identifier: BSD-3-Clause */
/* Creating, opening and reading the shared-memory stats region (layout in stats_shm.h). */
#ifndef SL_STATS_MAP_H
#define SL_STATS_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats_shm.h"

struct sl_stats_map {
	int fd;
	void *base;
	size_t size;
	bool writer;
	char path[128];
};

/* A consistent copy of one core's block, taken under its sequence count. */
struct sl_stats_core_snap {
	uint32_t lcore_id;
	uint32_t core_idx;
	uint64_t counters[SL_CTR_MAX];
	uint64_t drops[SL_DROP_MAX];
	struct sl_stats_ext ext; /* named counters (names NUL-terminated) and histograms */
};

/*
 * How the four values of a named counter kind are called: the kind's name
 * (JSON "kind" and the Prometheus label, e.g. route="checkout"), per value a
 * short name (JSON key, sluicectl column; NULL: the value is unused), a
 * Prometheus family and its help. The families must not collide with the
 * enum counters' names (test_stats checks): where an enum counter already
 * holds the all-names total per core (sluice_route_dropped_items_total), the
 * per-name family puts the noun first (sluice_route_items_dropped_total).
 */
struct sl_stats_named_desc {
	const char *kind;
	const char *v[SL_NAMED_V];
	const char *metric[SL_NAMED_V];
	const char *help[SL_NAMED_V];
};

/* The description of kind, or NULL for SL_NAMED_FREE and kinds this reader does not know. */
const struct sl_stats_named_desc *sl_stats_named_desc(unsigned kind);

/*
 * Merge the named counters of n snapshots: one entry per (kind, id, name),
 * values summed, sorted by kind then name. Writes at most max entries to out
 * and returns how many (max = n * SL_STATS_NAMED_MAX always suffices).
 */
uint32_t sl_stats_named_merge(const struct sl_stats_core_snap *snaps, uint32_t n,
                              struct sl_stats_named *out, uint32_t max);

/* Upper bound of histogram bucket b in seconds; b = SL_STATS_HIST_BUCKETS - 1 is +Inf. */
double sl_stats_hist_bound_s(uint32_t b);

/*
 * The q-quantile (0 < q < 1) of h in seconds, interpolated linearly inside its
 * bucket as Prometheus's histogram_quantile() does; a rank in the +Inf bucket
 * gives the last finite bound. Negative when h is empty.
 */
double sl_stats_hist_quantile(const struct sl_stats_hist *h, double q);

/* Names of the histograms: Prometheus base name and help, index enum sl_stats_hist_id. */
const char *sl_stats_hist_name(uint32_t i);
const char *sl_stats_hist_help(uint32_t i);

/* Path of the region for an instance: /dev/shm/sluice.<instance>.stats. */
int sl_stats_path(const char *instance, char *out, size_t outlen);

/*
 * Create (or truncate a stale) region sized for n_cores and n_ports, fill the
 * header and the name table, state STARTING. Returns 0 or a negative errno.
 */
int sl_stats_create(struct sl_stats_map *m, const char *instance, uint32_t n_cores,
                    uint32_t n_ports);

/*
 * Map an existing region read-only and check magic, version and geometry.
 * Returns 0, -ENOENT when no dataplane published one, -EPROTO on a layout
 * this reader does not understand.
 */
int sl_stats_open(struct sl_stats_map *m, const char *instance);

/* Unmap; the writer also unlinks the file when unlink_file is set. Accepts a zeroed map. */
void sl_stats_close(struct sl_stats_map *m, bool unlink_file);

static inline struct sl_stats_hdr *
sl_stats_hdr(const struct sl_stats_map *m)
{
	return (struct sl_stats_hdr *)m->base;
}

static inline struct sl_stats_core *
sl_stats_core_at(const struct sl_stats_map *m, uint32_t i)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);

	return (struct sl_stats_core *)((char *)m->base + h->cores_off +
	                                (size_t)i * h->core_stride);
}

static inline struct sl_stats_port *
sl_stats_port_at(const struct sl_stats_map *m, uint32_t i)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);

	return (struct sl_stats_port *)((char *)m->base + h->ports_off +
	                                (size_t)i * sizeof(struct sl_stats_port));
}

/* Name of counter i (i < n_counters) or drop reason i, as stored in the region. */
const char *sl_stats_counter_name(const struct sl_stats_map *m, uint32_t i);
const char *sl_stats_drop_name(const struct sl_stats_map *m, uint32_t i);

/*
 * Publish a core's private counters, and its named counters and histograms
 * (ext; NULL leaves the block's ext as it is: zeros for a core that never
 * has any, such as a flush worker), into its block. Single writer: the core.
 * The sequence count makes a reader retry instead of seeing a torn copy.
 */
void sl_stats_core_publish(struct sl_stats_core *dst, const uint64_t *counters,
                           const uint64_t *drops, const struct sl_stats_ext *ext, uint64_t tsc);

/* Read a consistent snapshot of core block i. Returns 0 or -EAGAIN if the writer never settled. */
int sl_stats_core_read(const struct sl_stats_map *m, uint32_t i, struct sl_stats_core_snap *out);

/* True when the header's pid is alive and its heartbeat is younger than max_age_ms. */
bool sl_stats_alive(const struct sl_stats_map *m, uint64_t max_age_ms);

uint64_t sl_stats_now_ns(void);

#endif /* SL_STATS_MAP_H */
