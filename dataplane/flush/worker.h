/* SPDX-License-Identifier: BSD-3-Clause */
/* Flush workers: threads off the poll cores that compress sealed batches into the segment store. */
#ifndef SL_FLUSH_WORKER_H
#define SL_FLUSH_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "config_types.h"

/* Sink directories one route may fan out to. */
#define SL_ROUTE_SINKS_MAX 4

struct rte_ring;
struct sl_batch;
struct sl_flush;
struct sl_stats_core;

/*
 * Open every worker's store (<store.dir>/worker-<i>/: torn tails are cut
 * here) and make the rings; threads start with sl_flush_start. stats[i]
 * is worker i's block in the stats region (may be NULL). Returns NULL with
 * a message in err on failure.
 */
struct sl_flush *sl_flush_create(const struct sl_config *cfg, struct sl_stats_core **stats,
                                 char *err, size_t errlen);

/* Tell the workers where poll core core_idx takes its completions. 0 or -EINVAL. */
int sl_flush_attach(struct sl_flush *fl, uint32_t core_idx, struct rte_ring *done);

/* Start the threads, pinned to pipeline.flush_lcores. 0 or -errno. */
int sl_flush_start(struct sl_flush *fl);

/*
 * The sink directories of route route_id (< SL_PIPE_ROUTES_MAX; n in
 * 1..SL_ROUTE_SINKS_MAX): each worker writes <dir>/worker-<i>/ for each,
 * opened when the route's first batch comes. Route 0 is the default route,
 * whose first sink is store.dir. Before sl_flush_start only: -EBUSY after
 * (changing routes while running comes with the control plane's tables).
 * 0, -EINVAL, -EBUSY or -ENAMETOOLONG.
 */
int sl_flush_route_sinks(struct sl_flush *fl, uint32_t route_id, const char *const *dirs,
                         unsigned n);

/*
 * From a poll core: give a sealed batch to a worker, round robin from *rr
 * (the core's own cursor), skipping full rings. 0, or -ENOBUFS when every
 * ring is full (the caller keeps the batch and tries again later).
 */
int sl_flush_enqueue(struct sl_flush *fl, uint32_t *rr, struct sl_batch *b);

/*
 * Stop: workers finish what their rings hold, sync and close their stores,
 * and exit; waits for them. Call after the poll cores drained. NULL-safe.
 */
void sl_flush_stop(struct sl_flush *fl);

/* Free (after stop). NULL-safe. */
void sl_flush_free(struct sl_flush *fl);

#endif /* SL_FLUSH_WORKER_H */
