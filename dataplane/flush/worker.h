/* SPDX-License-Identifier: BSD-3-Clause */
/* Flush workers: threads off the poll cores that compress sealed batches into the segment store. */
#ifndef SL_FLUSH_WORKER_H
#define SL_FLUSH_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "config_types.h"
#include "pipeline/batch_types.h"

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
 * Sink registry: each poll core numbers the sink directories its routes
 * name, from 0 (store.dir, registered at create) up; a number never changes
 * meaning for the life of the process, so a batch can name its sinks with
 * numbers while table generations come and go. Only the core writes its
 * registry; flush workers read an entry after the batch naming it came
 * through a ring (the ring orders the path's bytes before the batch).
 */
#define SL_FLUSH_SINKS_MAX 256 /* per poll core, for the life of the process */

/*
 * From poll core core_idx (no syscall or allocation): the number of sink
 * directory dir (len bytes, not NUL-terminated), registering it the first
 * time. -ENOSPC when the core's registry is full, -ENAMETOOLONG, -EINVAL.
 */
int sl_flush_sink_number(struct sl_flush *fl, uint32_t core_idx, const char *dir, size_t len);

/* The directory of sink number num of core core_idx, or NULL. */
const char *sl_flush_sink_dir(const struct sl_flush *fl, uint32_t core_idx, uint32_t num);

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
