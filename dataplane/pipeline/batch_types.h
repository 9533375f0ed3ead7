/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the per-core batch builders, deferred responses and the flush hand-off. */
#ifndef SL_BATCH_TYPES_H
#define SL_BATCH_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "config_types.h"
#include "proto/otlp_types.h"
#include "proto/otlp_walk_types.h"
#include "slice.h"

struct rte_ring;
struct rte_mempool;
struct sl_core;
struct sl_flush;

/*
 * Data room of a copy buffer, the mbufs that hold bytes the plain path could
 * not keep in place (an inflated or transcoded body, whose per-core staging
 * buffer is reused by the next request). The largest an mbuf's uint16_t
 * buf_len allows; smaller means more slices per batch for the same bytes.
 */
#define SL_PIPE_COPY_ROOM 65535u

/*
 * Routes are numbered densely from 0 (the default route) as the pipeline
 * sees them: a route's index in the published table (control/table_image.h,
 * which allows SL_TBL_MAX_ROUTES = 256), not its stable id, which the flush
 * worker writes into records. A core keeps one open batch per (route,
 * signal): 768 pointers, 6 KiB.
 */
#define SL_PIPE_ROUTES_MAX 256
#define SL_PIPE_OPEN_MAX   (SL_PIPE_ROUTES_MAX * SL_SIGNAL_MAX)

/*
 * Sink directories one route may fan out to: the table image's bound
 * (SL_TBL_MAX_SINKS), so every published route fits.
 */
#define SL_ROUTE_SINKS_MAX 8

/*
 * What a route slot stands for in the generation a core classifies with:
 * the route's stable id (CRC32C of its name, written into records) and its
 * sinks as numbers in the core's sink registry (flush/worker.h), which the
 * flush workers resolve to directories. A batch carries a copy, so a worker
 * never reads a table image, and a batch opened under one generation is
 * sealed before a slot that changed meaning receives entries.
 */
struct sl_route_bind {
	uint32_t id;     /* stable route id; 0 with no tables (static defaults) */
	uint8_t n_sinks; /* 1..SL_ROUTE_SINKS_MAX */
	uint8_t reserved;
	uint16_t sink[SL_ROUTE_SINKS_MAX]; /* registry numbers; 0 is store.dir */
};

/*
 * Batches one deferred response may wait on: the distinct routes one
 * request's Resource entries go to. A persisted request spread over more
 * routes is refused (503): its answer could not be tracked.
 */
#define SL_PEND_LINKS 8

/*
 * A batch: Resource* entries of one (route, signal), as slices of mbufs held
 * by reference (DESIGN rules 4 and 5). Its bytes concatenated are a valid
 * Export*ServiceRequest. Owned by its poll core while open, by a flush worker
 * from sealing until it comes back on the core's completion ring.
 */
struct sl_batch {
	struct sl_batch *next;   /* free list (owner only) */
	uintptr_t waiters;       /* responses waiting for it: tagged sl_pend list (owner only) */
	uint64_t seq;            /* per core, from 1 */
	uint64_t first_tsc;      /* the oldest request, for sealing by age */
	uint64_t first_ns;       /* wall clock receive time of the oldest and newest request */
	uint64_t last_ns;
	uint64_t hold;           /* buffer bytes pinned by the slices (the in-flight bound) */
	struct sl_route_bind bind; /* route id and sinks, fixed when the batch opens */
	uint32_t route;          /* route slot: index of open[][] */
	uint32_t items;
	uint32_t raw_len;
	uint32_t n;   /* slices in s[] */
	uint32_t cap; /* room in s[] */
	uint16_t core;
	uint8_t signal;   /* enum sl_signal */
	uint8_t persist;  /* a response waits: seal as soon as the core is idle */
	uint16_t open_idx; /* its place in the core's list of open batches */
	int32_t status;   /* set by the flush worker: 0 written (and synced if asked), or -errno */
	uint64_t store_end; /* set by the flush worker: store position just past the record */
	struct sl_slice s[];
};

enum sl_pend_state {
	SL_PEND_FREE,
	SL_PEND_WAITING,  /* response not sent yet */
	SL_PEND_ANSWERED, /* sent (or the connection is gone), still linked from a batch */
};

/* Outcome handed to a deferred response's owner. */
enum sl_pend_result {
	SL_PEND_DURABLE, /* every batch holding the request was written and synced */
	SL_PEND_TIMEOUT, /* not durable within pipeline.persist_timeout_ms */
	SL_PEND_FAILED,  /* a batch holding it could not be written */
	SL_PEND_ABORTED, /* the dataplane is stopping */
};

/*
 * A response that waits for durability. The protocol layer (OTLP/HTTP now,
 * gRPC later) owns what the cookie means; the pipeline calls done() exactly
 * once per pend with the result.
 */
/*
 * A deferred response is linked from every batch holding part of its
 * request: link k of pend p is the next element of one batch's waiter list,
 * and list elements are tagged pointers, (uintptr_t)p | k (p is 8-aligned,
 * k < SL_PEND_LINKS), so a batch knows which of p's links continues its
 * list. next[0] is also the free-list link.
 */
struct sl_pend {
	uintptr_t next[SL_PEND_LINKS];
	uint64_t deadline_tsc;
	uint64_t cookie; /* the owner's: connection index and generation */
	uint16_t links;  /* batches still listing it */
	uint8_t state;   /* enum sl_pend_state */
	uint8_t failed;  /* a batch holding it failed */
	uint8_t source;  /* enum sl_pipe_source: whose done callback answers it */
};

/* How a deferred response is finished; one set per protocol. */
typedef void (*sl_pend_done_fn)(void *owner, uint64_t cookie, enum sl_pend_result res);

/* sl_pipe_req.entry_route value of an entry that is stored nowhere. */
#define SL_PIPE_ROUTE_NONE UINT16_MAX

/* Protocols that submit requests; each registers its own done callback. */
enum sl_pipe_source {
	SL_PIPE_SRC_HTTP, /* OTLP/HTTP (otlp_http.c) */
	SL_PIPE_SRC_GRPC, /* OTLP/gRPC over HTTP/2 */
	SL_PIPE_SRC_MAX,
};

/* What the caller tells sl_pipe_submit about one request. */
struct sl_pipe_req {
	enum sl_signal signal;
	uint32_t route_id; /* route slot of every entry, when entry_route is NULL */
	/*
	 * Per entry: its route id (< SL_PIPE_ROUTES_MAX), or SL_PIPE_ROUTE_NONE to
	 * leave it out (dropped or sampled out by its route). NULL: all route_id.
	 * Entries of one route go to that route's batch in their order, so a
	 * request split over routes is cut by byte ranges, never re-encoded.
	 */
	const uint16_t *entry_route;
	enum sl_durability durability;
	/*
	 * Table generation the request was classified with (0: static). Test
	 * hook: it must equal the generation of the core's route bindings, else
	 * the request is counted in sluice_tables_generation_mix_total.
	 */
	uint64_t gen;
	enum sl_pipe_source source; /* whose done callback answers a deferred response */
	uint64_t cookie; /* for the pend, when durability is persisted */
	/* The body: either mbuf slices (zero-copy) or one flat buffer (copied). */
	const struct sl_slice *slices;
	uint32_t n_slices;
	const uint8_t *flat;
	uint32_t flat_len;
	/* Resource* entries: byte ranges into the body (from the walker). */
	const struct sl_otlp_entry *entries;
	uint32_t n_entries;
};

/* A poll core's batch builders. Cache-aligned, owned by the core. */
struct sl_pipe_core {
	struct sl_core *core;
	struct sl_flush *flush;
	const struct sl_pipeline_conf *conf;
	struct rte_ring *done;      /* completions from flush workers (MP/SC) */
	struct rte_mempool *copy_pool;
	struct sl_batch *open[SL_PIPE_ROUTES_MAX][SL_SIGNAL_MAX];
	/* route slot -> id and sinks under the generation the core classifies with */
	struct sl_route_bind bind[SL_PIPE_ROUTES_MAX];
	uint32_t n_bind; /* slots bound; submitting to another is -EINVAL */
	uint64_t bind_gen; /* table generation of the bindings (0: static) */
	struct sl_batch *open_list[SL_PIPE_OPEN_MAX]; /* the non-NULL ones, for sealing by age */
	uint32_t n_open;
	struct sl_batch *free_batches;
	uint8_t *batch_mem;
	size_t batch_size;
	uint32_t n_batches;
	uint32_t free_n;
	uint64_t next_seq;
	uint64_t inflight;      /* buffer bytes held by open and sealed batches */
	uint64_t soft_limit;    /* new requests are refused beyond it */
	uint64_t hard_limit;    /* parsing stops beyond it (TCP windows close) */
	uint64_t age_tsc;
	uint64_t timeout_tsc;
	uint64_t base_tsc;      /* TSC and wall clock at start, for receive times */
	uint64_t base_ns;
	uint64_t ns_per_tsc_q32; /* wall ns per TSC tick, 32.32 fixed point */
	uint32_t flush_rr;      /* next flush worker to try */
	/* deferred responses */
	struct sl_pend *pends;
	uint32_t n_pends;
	struct sl_pend *free_pends;
	uint32_t pends_free_n;
	uint64_t next_scan_tsc; /* deferred responses are checked for timeouts this often */
	uint64_t scan_tsc;
	sl_pend_done_fn done_fn[SL_PIPE_SRC_MAX];
	void *done_owner[SL_PIPE_SRC_MAX];
	bool stopping;
};

#endif /* SL_BATCH_TYPES_H */
