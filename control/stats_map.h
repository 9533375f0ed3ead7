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
};

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
 * Publish a core's private counters into its block (single writer: the core).
 * The sequence count makes a reader retry instead of seeing a torn copy.
 */
void sl_stats_core_publish(struct sl_stats_core *dst, const uint64_t *counters,
                           const uint64_t *drops, uint64_t tsc);

/* Read a consistent snapshot of core block i. Returns 0 or -EAGAIN if the writer never settled. */
int sl_stats_core_read(const struct sl_stats_map *m, uint32_t i, struct sl_stats_core_snap *out);

/* True when the header's pid is alive and its heartbeat is younger than max_age_ms. */
bool sl_stats_alive(const struct sl_stats_map *m, uint64_t max_age_ms);

uint64_t sl_stats_now_ns(void);

#endif /* SL_STATS_MAP_H */
