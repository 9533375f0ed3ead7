/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core batch builders: requests in, sealed batches out to flush workers, durable acks back. */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/batch_types.h"

/*
 * Set up the builders of one poll core: batch descriptors, deferred-response
 * slots, the copy-buffer pool and the completion ring, all sized from conf
 * at start. max_body is the largest request body (http.max_body_bytes): the
 * batch geometry must hold one such request. Returns 0 or -errno.
 */
int sl_pipe_core_init(struct sl_pipe_core *pc, struct sl_core *core,
                      const struct sl_pipeline_conf *conf, uint32_t max_body, struct sl_flush *fl,
                      int socket);

/*
 * Free what init made. Every batch must be back (sl_pipe_drain returned 0),
 * or the copy pool stays allocated on purpose: a flush worker may still
 * hold its buffers. NULL-safe.
 */
void sl_pipe_core_fini(struct sl_pipe_core *pc);

/*
 * Who finishes the deferred responses of protocol src: fn(owner, cookie,
 * result) is called once per pend from sl_pipe_poll/drain.
 */
void sl_pipe_set_done(struct sl_pipe_core *pc, enum sl_pipe_source src, sl_pend_done_fn fn,
                      void *owner);

struct sl_tbl_hdr;

/*
 * The core moved to table image img (NULL: no tables, everything to route
 * slot 0, store.dir): bind every route slot to its stable id and sink
 * numbers. On the poll core, at a generation change: no syscall or
 * allocation (sink directories are registered by copy, see
 * sl_flush_sink_number). Open batches keep their old binding; the next
 * entry for a slot whose binding changed seals them first.
 */
void sl_pipe_bind(struct sl_pipe_core *pc, const struct sl_tbl_hdr *img);

/*
 * Bind one slot: stable id, n sink directories (dirs[k], lens[k] bytes; n 0:
 * store.dir). Slots above the highest bound one are invalid for submit.
 * Returns 0, or a negative errno when a sink could not be registered (it
 * then writes to store.dir, counted). For sl_pipe_bind and unit tests.
 */
int sl_pipe_bind_route(struct sl_pipe_core *pc, uint32_t slot, uint32_t id,
                       const char *const *dirs, const uint32_t *lens, uint32_t n);

/*
 * Queue one validated request: its Resource* entries go to the open batch
 * of (route, signal), as references to the body's mbufs or, for a flat body,
 * copied into copy buffers. Seals the batch when it is full.
 * Returns 0 when the request may be answered now (received mode), 1 when
 * the answer must wait (persisted mode: done() will be called), or when
 * nothing was queued: -EBUSY (bytes in flight, batch descriptors or
 * deferred-response slots exhausted, or every flush ring full) and
 * -ENOBUFS (copy buffers exhausted). The caller answers those with 503.
 */
int sl_pipe_submit(struct sl_pipe_core *pc, const struct sl_pipe_req *req);

/*
 * Once per poll loop: take completions back (release buffers, finish
 * deferred responses), seal batches by age (and, when idle is true, the
 * ones a response waits for: group commit without waiting for the age),
 * time out deferred responses. Returns the work done (0: nothing).
 */
unsigned sl_pipe_poll(struct sl_pipe_core *pc, bool idle);

/*
 * Shutdown, from the thread that ran the core after its loop ended: seal
 * everything and wait up to timeout_ms for every batch to come back,
 * finishing deferred responses (SL_PEND_ABORTED for those still waiting at
 * the end). Returns 0, or -ETIMEDOUT with batches still out.
 */
int sl_pipe_drain(struct sl_pipe_core *pc, uint32_t timeout_ms);

/* New requests should be refused (503 at the head): the core is near its bound. */
static inline bool
sl_pipe_soft_pressure(const struct sl_pipe_core *pc)
{
	return pc->inflight >= pc->soft_limit || pc->free_n == 0 || pc->pends_free_n == 0;
}

/* Stop reading requests (their bytes stay in TCP, whose window closes). */
static inline bool
sl_pipe_hard_pressure(const struct sl_pipe_core *pc)
{
	return pc->inflight >= pc->hard_limit;
}

#endif /* SL_BATCH_H */
