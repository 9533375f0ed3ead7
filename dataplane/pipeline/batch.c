/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core batch builders: requests in, sealed batches out to flush workers, durable acks back. */

/*
 * Design
 * ------
 * Each poll core owns its builders (DESIGN rule 1). A validated request's
 * Resource* entries are appended to the open batch of its (route, signal)
 * as slices: references to the mbufs the body arrived in, nothing copied.
 * A flat body (inflated or transcoded from JSON into a per-core staging
 * buffer the next request reuses) is copied once into 64 KiB copy buffers,
 * mbufs of a per-core pool, so a batch is always a list of mbuf slices.
 * Concatenated, a batch's slices are a valid Export*ServiceRequest (rule 5).
 *
 *   request --submit--> open[route][signal] --seal--> flush ring (MP/SC) --> worker
 *      |                                                                |
 *      +-- pend (persisted) linked from the batch                       |
 *                                                                       v
 *   response <--done()-- sl_pipe_poll <-- completion ring (MP/SC) <-- record synced
 *
 * A batch is sealed when its raw bytes would pass seal_bytes, its items
 * reach seal_items, its slice room runs out, its oldest request reaches
 * seal_age_ms, or (group commit) the core is idle and a response waits.
 * A request never straddles two batches of one route, so a deferred
 * response waits on exactly one batch per route it went to (`links`).
 *
 * Bounds (rule 2): descriptors, pends and copy buffers are preallocated;
 * `inflight` counts the buffer bytes batches pin (buf_len of each mbuf per
 * reference: an overestimate when small slices share an mbuf, never an
 * under-count). Beyond 3/4 of pipeline.max_inflight_bytes new requests are
 * refused at their head (503); at the bound the protocol layer stops
 * parsing, so TCP windows close (rule 6). A request is admitted while the
 * core is below the bound, so the worst case is the bound plus one body.
 *
 * Ownership: an open batch and every pend belong to the core. From sealing
 * until the batch is back on the completion ring, the worker owns the batch
 * (it frees the slices' references and sets status); `waiters` is not
 * touched by the worker. The core frees a pend once it is answered and no
 * batch lists it any more.
 *
 * Measured (docs/benchmarks.md, `sudo perf/gen_bench.sh otlp latency e2e`, memif, one
 * poll core): 462-514 busy cycles per span at 100 spans per request in open loop, and 712
 * closed loop, from the NIC queue to the sealed batch (this module included); a copied
 * (gzip) body costs ~130 cycles per span more.
 *
 * Rejected
 *  - A contiguous durable watermark per core: one slow, rarely sealed
 *    signal's batch would hold back every other signal's acks.
 *  - Splitting a request over two batches when it crosses seal_bytes: a
 *    pend would wait on two, and a record would hold half a request, which
 *    a crash could leave without the other half.
 *  - Answering persisted requests from the flush worker: responses are
 *    TCP sends on the connection's core only.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "core.h"
#include "flush/worker.h"
#include "pipeline/batch.h"
#include "table_image.h"

/* How often deferred responses are checked for their timeout. */
#define PEND_SCAN_MS 5

/* Slices a flat body needs, plus the entries that may start a slice each. */
static inline uint32_t
copy_slices(uint32_t bytes)
{
	uint32_t room = SL_PIPE_COPY_ROOM - RTE_PKTMBUF_HEADROOM;

	return (bytes + room - 1) / room + 1;
}

static uint64_t
now_ns(const struct sl_pipe_core *pc, uint64_t tsc)
{
	return pc->base_ns + (uint64_t)(((__uint128_t)(tsc - pc->base_tsc) * pc->ns_per_tsc_q32) >> 32);
}

static void
gauges(struct sl_pipe_core *pc)
{
	uint64_t *ctr = pc->core->ctr;

	ctr[SL_CTR_PIPE_INFLIGHT_BYTES] = pc->inflight;
	if (pc->inflight > ctr[SL_CTR_PIPE_INFLIGHT_PEAK])
		ctr[SL_CTR_PIPE_INFLIGHT_PEAK] = pc->inflight;
	ctr[SL_CTR_PIPE_INFLIGHT_BATCHES] = pc->n_batches - pc->free_n;
	ctr[SL_CTR_PIPE_PENDING] = pc->n_pends - pc->pends_free_n;
}

int
sl_pipe_core_init(struct sl_pipe_core *pc, struct sl_core *core,
                  const struct sl_pipeline_conf *conf, uint32_t max_body, struct sl_flush *fl,
                  int socket)
{
	char name[RTE_RING_NAMESIZE];
	uint64_t hz = rte_get_tsc_hz();
	struct timespec ts;
	uint32_t i;

	memset(pc, 0, sizeof(*pc));
	pc->core = core;
	pc->flush = fl;
	pc->conf = conf;
	sl_pipe_bind(pc, NULL);
	/* One body of the largest size must fit one batch, copied or not. */
	if (conf->batch_slices < copy_slices(max_body) + 1)
		return -EINVAL;
	pc->batch_size = RTE_ALIGN_CEIL(sizeof(struct sl_batch) +
	                                    (size_t)conf->batch_slices * sizeof(struct sl_slice),
	                                RTE_CACHE_LINE_SIZE);
	pc->n_batches = conf->batches;
	pc->batch_mem = rte_zmalloc_socket("sl_batches", pc->batch_size * pc->n_batches,
	                                   RTE_CACHE_LINE_SIZE, socket);
	pc->n_pends = conf->pending;
	pc->pends = rte_zmalloc_socket("sl_pends", sizeof(*pc->pends) * pc->n_pends,
	                               RTE_CACHE_LINE_SIZE, socket);
	snprintf(name, sizeof(name), "sl_done_%u", core->idx);
	/* Room for every descriptor: a worker never finds it full. */
	pc->done = rte_ring_create(name, rte_align32pow2(pc->n_batches + 1), socket,
	                           RING_F_SC_DEQ);
	snprintf(name, sizeof(name), "sl_copy_%u", core->idx);
	pc->copy_pool = rte_pktmbuf_pool_create(name, conf->copy_bufs, 0, 0, SL_PIPE_COPY_ROOM,
	                                        socket);
	if (pc->batch_mem == NULL || pc->pends == NULL || pc->done == NULL ||
	    pc->copy_pool == NULL) {
		sl_pipe_core_fini(pc);
		return -ENOMEM;
	}
	for (i = pc->n_batches; i-- > 0;) {
		struct sl_batch *b = (struct sl_batch *)(pc->batch_mem + pc->batch_size * i);

		b->cap = conf->batch_slices;
		b->core = (uint16_t)core->idx;
		b->next = pc->free_batches;
		pc->free_batches = b;
	}
	pc->free_n = pc->n_batches;
	for (i = pc->n_pends; i-- > 0;) {
		pc->pends[i].next[0] = (uintptr_t)pc->free_pends;
		pc->free_pends = &pc->pends[i];
	}
	pc->pends_free_n = pc->n_pends;
	pc->next_seq = 1;
	pc->hard_limit = conf->max_inflight_bytes;
	pc->soft_limit = conf->max_inflight_bytes / 4 * 3;
	pc->age_tsc = hz / 1000 * conf->seal_age_ms;
	pc->timeout_tsc = hz / 1000 * conf->persist_timeout_ms;
	pc->scan_tsc = hz / 1000 * PEND_SCAN_MS;
	clock_gettime(CLOCK_REALTIME, &ts);
	pc->base_tsc = rte_rdtsc();
	pc->base_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	pc->ns_per_tsc_q32 = (uint64_t)(((__uint128_t)1000000000u << 32) / hz);
	return sl_flush_attach(fl, core->idx, pc->done);
}

void
sl_pipe_core_fini(struct sl_pipe_core *pc)
{
	if (pc == NULL)
		return;
	/* A batch still out holds copy buffers: leak the pool rather than free under a worker. */
	if (pc->free_n == pc->n_batches)
		rte_mempool_free(pc->copy_pool);
	rte_ring_free(pc->done);
	rte_free(pc->batch_mem);
	rte_free(pc->pends);
	memset(pc, 0, sizeof(*pc));
}

void
sl_pipe_set_done(struct sl_pipe_core *pc, enum sl_pipe_source src, sl_pend_done_fn fn,
                 void *owner)
{
	if ((unsigned)src >= SL_PIPE_SRC_MAX)
		return;
	pc->done_fn[src] = fn;
	pc->done_owner[src] = owner;
}

/* ------------------------------------------------------------------ */
/* Route bindings                                                      */

int
sl_pipe_bind_route(struct sl_pipe_core *pc, uint32_t slot, uint32_t id, const char *const *dirs,
                   const uint32_t *lens, uint32_t n)
{
	struct sl_route_bind *b;
	uint32_t k, j;
	int num, rc = 0;

	if (slot >= SL_PIPE_ROUTES_MAX)
		return -EINVAL;
	b = &pc->bind[slot];
	memset(b, 0, sizeof(*b));
	b->id = id;
	for (k = 0; k < n && b->n_sinks < SL_ROUTE_SINKS_MAX; k++) {
		num = pc->flush != NULL
		          ? sl_flush_sink_number(pc->flush, pc->core->idx, dirs[k], lens[k])
		          : 0;
		if (num < 0) {
			/* Registry full or path too long: store.dir keeps the data. */
			pc->core->ctr[SL_CTR_ROUTE_SINKS_FULL]++;
			rc = num;
			num = 0;
		}
		for (j = 0; j < b->n_sinks && b->sink[j] != num; j++)
			;
		if (j == b->n_sinks)
			b->sink[b->n_sinks++] = (uint16_t)num;
	}
	if (b->n_sinks == 0)
		b->n_sinks = 1; /* sink 0: store.dir */
	/* Slots skipped on the way up go to store.dir. */
	for (j = pc->n_bind; j < slot; j++) {
		memset(&pc->bind[j], 0, sizeof(pc->bind[j]));
		pc->bind[j].n_sinks = 1;
	}
	if (slot >= pc->n_bind)
		pc->n_bind = slot + 1;
	return rc;
}

void
sl_pipe_bind(struct sl_pipe_core *pc, const struct sl_tbl_hdr *img)
{
	const char *dirs[SL_ROUTE_SINKS_MAX];
	uint32_t lens[SL_ROUTE_SINKS_MAX];
	const struct sl_tbl_route *r;
	uint32_t i, k, n;

	pc->n_bind = 0;
	pc->bind_gen = img != NULL ? img->generation : 0;
	if (img == NULL) {
		sl_pipe_bind_route(pc, 0, 0, NULL, NULL, 0);
		return;
	}
	r = sl_tbl_routes(img);
	for (i = 0; i < img->n_routes && i < SL_PIPE_ROUTES_MAX; i++) {
		const struct sl_tbl_sink *sk = sl_tbl_sinks(img) + r[i].first_sink;

		n = 0;
		for (k = 0; k < r[i].n_sinks && n < SL_ROUTE_SINKS_MAX; k++, sk++) {
			if (sk->kind != SL_TBL_SINK_STORE)
				continue; /* upstream and Kafka sinks come later */
			dirs[n] = sl_tbl_str(img, sk->str_off);
			lens[n++] = sk->str_len;
		}
		sl_pipe_bind_route(pc, i, r[i].id, dirs, lens, n);
	}
}

/* ------------------------------------------------------------------ */
/* Batches                                                             */

static struct sl_batch *
batch_get(struct sl_pipe_core *pc, enum sl_signal sig, uint32_t route)
{
	struct sl_batch *b = pc->free_batches;

	if (b == NULL)
		return NULL;
	pc->free_batches = b->next;
	pc->free_n--;
	b->next = NULL;
	b->waiters = 0;
	b->seq = pc->next_seq++;
	b->first_tsc = 0;
	b->first_ns = b->last_ns = 0;
	b->hold = 0;
	b->route = route;
	b->bind = pc->bind[route];
	b->items = 0;
	b->raw_len = 0;
	b->n = 0;
	b->signal = (uint8_t)sig;
	b->persist = 0;
	b->status = 0;
	b->store_end = 0;
	return b;
}

static void
batch_put(struct sl_pipe_core *pc, struct sl_batch *b)
{
	b->next = pc->free_batches;
	pc->free_batches = b;
	pc->free_n++;
}

/* Make b the open batch of (route, signal). */
static void
open_add(struct sl_pipe_core *pc, struct sl_batch *b)
{
	pc->open[b->route][b->signal] = b;
	b->open_idx = (uint16_t)pc->n_open;
	pc->open_list[pc->n_open++] = b;
}

/* (route, signal) has no open batch any more. */
static void
open_del(struct sl_pipe_core *pc, struct sl_batch *b)
{
	struct sl_batch *last = pc->open_list[--pc->n_open];

	pc->open[b->route][b->signal] = NULL;
	pc->open_list[b->open_idx] = last;
	last->open_idx = b->open_idx;
}

/* Hand open batch b to a flush worker. False when every ring is full (b stays open). */
static bool
seal(struct sl_pipe_core *pc, struct sl_batch *b, enum sl_ctr why)
{
	if (b->n == 0)
		return true;
	if (sl_flush_enqueue(pc->flush, &pc->flush_rr, b) < 0) {
		pc->core->ctr[SL_CTR_PIPE_RING_FULL]++;
		return false;
	}
	open_del(pc, b);
	pc->core->ctr[SL_CTR_PIPE_SEALED]++;
	pc->core->ctr[why]++;
	return true;
}

/* An entry of req goes to route r. */
static inline bool
in_route(const struct sl_pipe_req *req, uint32_t i, uint32_t r)
{
	return req->entry_route == NULL ? r == req->route_id : req->entry_route[i] == r;
}

/* Append bytes [off, off + len) of the body slices to b, from cursor (*si, *sbase). */
static void
append_range(struct sl_batch *b, const struct sl_slice *sl, uint32_t n, uint32_t *si,
             uint64_t *sbase, uint64_t off, uint64_t len)
{
	while (len > 0 && *si < n) {
		const struct sl_slice *s = &sl[*si];
		uint64_t in, take;

		if (off >= *sbase + s->len) {
			*sbase += s->len;
			(*si)++;
			continue;
		}
		in = off - *sbase;
		take = RTE_MIN(len, (uint64_t)s->len - in);
		rte_mbuf_refcnt_update(s->m, 1);
		b->s[b->n].m = s->m;
		b->s[b->n].off = s->off + (uint32_t)in;
		b->s[b->n].len = (uint32_t)take;
		b->n++;
		b->hold += s->m->buf_len;
		off += take;
		len -= take;
	}
}

/*
 * Copying into copy buffers: each buffer is filled before the next is
 * taken, one slice per buffer, so a body of B bytes takes copy_slices(B).
 */
struct copier {
	struct sl_batch *b;
	uint32_t n0;       /* b->n before: what an undo returns to */
	uint32_t len0;     /* length of the reused last buffer before */
	uint64_t hold0;
	struct sl_slice *cur;
};

static bool
copy_put(struct sl_pipe_core *pc, struct copier *cp, const uint8_t *src, uint32_t len)
{
	const uint32_t room = SL_PIPE_COPY_ROOM - RTE_PKTMBUF_HEADROOM;
	struct sl_batch *b = cp->b;

	while (len > 0) {
		uint32_t take;

		if (cp->cur == NULL || cp->cur->len == room) {
			struct rte_mbuf *m = rte_pktmbuf_alloc(pc->copy_pool);

			if (m == NULL || b->n == b->cap) {
				rte_pktmbuf_free(m);
				return false;
			}
			cp->cur = &b->s[b->n++];
			cp->cur->m = m;
			cp->cur->off = 0;
			cp->cur->len = 0;
			b->hold += m->buf_len;
		}
		take = RTE_MIN(len, room - cp->cur->len);
		memcpy(rte_pktmbuf_mtod_offset(cp->cur->m, uint8_t *, cp->cur->len), src, take);
		cp->cur->len += take;
		src += take;
		len -= take;
	}
	return true;
}

static void
copy_undo(struct copier *cp)
{
	while (cp->b->n > cp->n0)
		rte_pktmbuf_free(cp->b->s[--cp->b->n].m);
	if (cp->len0 != 0) /* a reused copy buffer (never empty); 0: s[n0 - 1] is not ours */
		cp->b->s[cp->n0 - 1].len = cp->len0;
	cp->b->hold = cp->hold0;
}

/* Copy route r's entries of req (flat or slices) into b. False when buffers ran out. */
static bool
append_copy(struct sl_pipe_core *pc, struct sl_batch *b, const struct sl_pipe_req *req,
            uint32_t r)
{
	struct copier cp = {.b = b, .n0 = b->n, .hold0 = b->hold, .cur = NULL};
	uint64_t sbase = 0;
	uint32_t i, si = 0;

	/*
	 * Go on filling the batch's last copy buffer: it is the batch's alone, and
	 * small compressed requests would otherwise pin 64 KiB each.
	 */
	if (b->n > 0 && b->s[b->n - 1].m->pool == pc->copy_pool) {
		cp.cur = &b->s[b->n - 1];
		cp.len0 = cp.cur->len;
	}

	for (i = 0; i < req->n_entries; i++) {
		uint64_t o = req->entries[i].off, l = req->entries[i].len;

		if (!in_route(req, i, r))
			continue;
		if (req->flat != NULL) {
			if (!copy_put(pc, &cp, req->flat + o, (uint32_t)l))
				goto undo;
			continue;
		}
		while (l > 0 && si < req->n_slices) {
			const struct sl_slice *s = &req->slices[si];
			uint32_t in, take;

			if (o >= sbase + s->len) {
				sbase += s->len;
				si++;
				continue;
			}
			in = (uint32_t)(o - sbase);
			take = (uint32_t)RTE_MIN(l, (uint64_t)s->len - in);
			if (!copy_put(pc, &cp,
			              rte_pktmbuf_mtod_offset(s->m, const uint8_t *, s->off + in),
			              take))
				goto undo;
			o += take;
			l -= take;
		}
	}
	for (i = 0; i < req->n_entries; i++)
		if (in_route(req, i, r))
			pc->core->ctr[SL_CTR_PIPE_COPIED_BYTES] += req->entries[i].len;
	return true;
undo:
	copy_undo(&cp);
	return false;
}

static struct sl_pend *
pend_get(struct sl_pipe_core *pc)
{
	struct sl_pend *p = pc->free_pends;

	if (p == NULL)
		return NULL;
	pc->free_pends = (struct sl_pend *)p->next[0];
	pc->pends_free_n--;
	memset(p->next, 0, sizeof(p->next));
	p->links = 0;
	return p;
}

static void
pend_put(struct sl_pipe_core *pc, struct sl_pend *p)
{
	p->state = SL_PEND_FREE;
	p->next[0] = (uintptr_t)pc->free_pends;
	pc->free_pends = p;
	pc->pends_free_n++;
}

/*
 * Append route r's entries of req (raw bytes, items) to the open batch of
 * (r, signal), sealing or opening batches as needed; link p (may be NULL)
 * from it. Returns 0, or -EBUSY / -ENOBUFS with nothing of this route
 * appended.
 */
static int
submit_route(struct sl_pipe_core *pc, const struct sl_pipe_req *req, uint32_t r, uint32_t raw,
             uint32_t items, uint32_t n_e, bool copy, struct sl_pend *p)
{
	const struct sl_pipeline_conf *conf = pc->conf;
	enum sl_signal sig = req->signal;
	struct sl_core *core = pc->core;
	struct sl_batch *b = pc->open[r][sig];
	uint32_t need, i, si = 0;
	uint64_t sbase = 0, hold0;
	enum sl_ctr why = SL_CTR_PIPE_SEAL_SIZE;

	need = copy ? copy_slices(raw) : req->n_slices + n_e;
	/* The slot changed meaning with the tables since b opened: b goes as it is. */
	if (b != NULL && memcmp(&b->bind, &pc->bind[r], sizeof(b->bind)) != 0) {
		if (b->n == 0) {
			b->bind = pc->bind[r];
		} else {
			if (!seal(pc, b, SL_CTR_ROUTE_REBIND_SEALS)) {
				core->ctr[SL_CTR_PIPE_REFUSED_BATCHES]++;
				return -EBUSY;
			}
			b = NULL;
		}
	}
	if (b != NULL && b->n > 0 &&
	    ((uint64_t)b->raw_len + raw > conf->seal_bytes || b->n + need > b->cap ||
	     b->items >= conf->seal_items)) {
		if (!seal(pc, b,
		          b->n + need > b->cap           ? SL_CTR_PIPE_SEAL_SLICES
		          : b->items >= conf->seal_items ? SL_CTR_PIPE_SEAL_ITEMS
		                                         : SL_CTR_PIPE_SEAL_SIZE)) {
			core->ctr[SL_CTR_PIPE_REFUSED_BATCHES]++;
			return -EBUSY;
		}
		b = NULL;
	}
	if (b == NULL) {
		b = batch_get(pc, sig, r);
		if (b == NULL) {
			core->ctr[SL_CTR_PIPE_REFUSED_BATCHES]++;
			return -EBUSY;
		}
		open_add(pc, b);
	}
	hold0 = b->hold;
	if (copy) {
		if (!append_copy(pc, b, req, r)) {
			core->ctr[SL_CTR_PIPE_REFUSED_COPYBUF]++;
			return -ENOBUFS;
		}
	} else {
		for (i = 0; i < req->n_entries; i++)
			if (in_route(req, i, r))
				append_range(b, req->slices, req->n_slices, &si, &sbase,
				             req->entries[i].off, req->entries[i].len);
	}
	pc->inflight += b->hold - hold0;
	if (b->first_tsc == 0) {
		b->first_tsc = core->now;
		b->first_ns = now_ns(pc, core->now);
	}
	b->last_ns = now_ns(pc, core->now);
	b->raw_len += raw;
	b->items += items;
	if (p != NULL) {
		uint32_t k = p->links++;

		p->next[k] = b->waiters;
		b->waiters = (uintptr_t)p | k;
		b->persist = 1;
	}
	/*
	 * Many small requests pin a 2 KiB mbuf each for a few hundred bytes: seal on
	 * the memory held too, or the bound would stall input until the age seal.
	 */
	if (b->items >= conf->seal_items)
		why = SL_CTR_PIPE_SEAL_ITEMS;
	else if (b->raw_len < conf->seal_bytes && b->hold < pc->soft_limit / 2)
		why = SL_CTR_MAX;
	/* A failed seal here is retried by sl_pipe_poll: the entries are in. */
	if (why != SL_CTR_MAX)
		seal(pc, b, why);
	return 0;
}

int
sl_pipe_submit(struct sl_pipe_core *pc, const struct sl_pipe_req *req)
{
	uint32_t raw[SL_PIPE_ROUTES_MAX], items[SL_PIPE_ROUTES_MAX], n_e[SL_PIPE_ROUTES_MAX];
	uint16_t order[SL_PIPE_ROUTES_MAX];
	uint64_t seen[SL_PIPE_ROUTES_MAX / 64] = {0};
	uint32_t i, k, n_routes = 0, raw_all = 0, items_all = 0, slices_all;
	struct sl_core *core = pc->core;
	struct sl_pend *p = NULL;
	bool copy = req->flat != NULL;
	int rc = 0;

	if (unlikely(req->gen != pc->bind_gen))
		core->ctr[SL_CTR_TBL_GEN_MIX]++;
	/* Group the entries by route, routes in order of first appearance. */
	for (i = 0; i < req->n_entries; i++) {
		uint32_t r = req->entry_route != NULL ? req->entry_route[i] : req->route_id;

		if (r == SL_PIPE_ROUTE_NONE || req->entries[i].len == 0)
			continue;
		if (r >= pc->n_bind)
			return -EINVAL;
		if (!(seen[r / 64] & (UINT64_C(1) << (r % 64)))) {
			seen[r / 64] |= UINT64_C(1) << (r % 64);
			order[n_routes++] = (uint16_t)r;
			raw[r] = items[r] = n_e[r] = 0;
		}
		raw[r] += req->entries[i].len;
		items[r] += req->entries[i].items;
		n_e[r]++;
		raw_all += req->entries[i].len;
		items_all += req->entries[i].items;
	}
	/* Nothing to store (empty, or every entry dropped): nothing to wait for. */
	if (n_routes == 0)
		return 0;
	if (pc->stopping || pc->inflight >= pc->hard_limit) {
		core->ctr[SL_CTR_PIPE_REFUSED_INFLIGHT]++;
		return -EBUSY;
	}
	if (req->durability == SL_DURABILITY_PERSISTED &&
	    (pc->free_pends == NULL || n_routes > SL_PEND_LINKS)) {
		core->ctr[SL_CTR_PIPE_REFUSED_PENDING]++;
		return -EBUSY;
	}
	/* Fragmented bodies (many tiny segments) are copied rather than overflow a batch. */
	slices_all = req->n_slices + req->n_entries;
	if (!copy && slices_all > pc->conf->batch_slices / 2)
		copy = true;
	if (req->durability == SL_DURABILITY_PERSISTED) {
		p = pend_get(pc);
		p->cookie = req->cookie;
		p->source = (unsigned)req->source < SL_PIPE_SRC_MAX ? (uint8_t)req->source : 0;
		p->deadline_tsc = core->now + pc->timeout_tsc;
		p->failed = 0;
		p->state = SL_PEND_WAITING;
	}
	for (k = 0; k < n_routes; k++) {
		uint32_t r = order[k];

		rc = submit_route(pc, req, r, raw[r], items[r], n_e[r], copy, p);
		if (rc < 0)
			break;
	}
	gauges(pc);
	if (rc < 0) {
		/*
		 * Routes before k keep their entries (a retry stores them twice: OTLP is
		 * at least once); the request is not acknowledged. Its pend stays linked
		 * from those batches, answered already, freed when the last comes back.
		 */
		if (p != NULL) {
			p->state = SL_PEND_ANSWERED;
			if (p->links == 0)
				pend_put(pc, p);
		}
		return rc;
	}
	core->ctr[SL_CTR_PIPE_REQUESTS]++;
	core->ctr[SL_CTR_PIPE_ITEMS] += items_all;
	core->ctr[SL_CTR_PIPE_BYTES] += raw_all;
	if (p != NULL)
		return 1;
	core->ctr[SL_CTR_PIPE_ACK_RECEIVED]++;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Completions and timeouts                                            */

static void
finish(struct sl_pipe_core *pc, struct sl_pend *p, enum sl_pend_result res)
{
	static const enum sl_ctr ctr[] = {
	    [SL_PEND_DURABLE] = SL_CTR_PIPE_ACK_PERSISTED,
	    [SL_PEND_TIMEOUT] = SL_CTR_PIPE_PERSIST_TIMEOUT,
	    [SL_PEND_FAILED] = SL_CTR_PIPE_PERSIST_FAILED,
	    [SL_PEND_ABORTED] = SL_CTR_PIPE_PERSIST_FAILED,
	};

	p->state = SL_PEND_ANSWERED;
	pc->core->ctr[ctr[res]]++;
	if (pc->done_fn[p->source] != NULL)
		pc->done_fn[p->source](pc->done_owner[p->source], p->cookie, res);
}

static void
complete(struct sl_pipe_core *pc, struct sl_batch *b)
{
	uintptr_t w = b->waiters;

	pc->inflight -= b->hold;
	pc->core->ctr[b->status == 0 ? SL_CTR_PIPE_DONE : SL_CTR_PIPE_FAILED]++;
	while (w != 0) {
		struct sl_pend *p = (struct sl_pend *)(w & ~(uintptr_t)(SL_PEND_LINKS - 1));

		w = p->next[w & (SL_PEND_LINKS - 1)];
		if (b->status != 0)
			p->failed = 1;
		if (--p->links != 0)
			continue;
		if (p->state == SL_PEND_WAITING)
			finish(pc, p, p->failed ? SL_PEND_FAILED : SL_PEND_DURABLE);
		pend_put(pc, p);
	}
	batch_put(pc, b);
}

static unsigned
take_completions(struct sl_pipe_core *pc)
{
	void *v[SL_MAX_BURST];
	unsigned n, i;

	n = rte_ring_sc_dequeue_burst(pc->done, v, RTE_DIM(v), NULL);
	for (i = 0; i < n; i++)
		complete(pc, v[i]);
	return n;
}

static void
scan_timeouts(struct sl_pipe_core *pc, uint64_t now)
{
	uint32_t i;

	if (pc->pends_free_n == pc->n_pends)
		return;
	for (i = 0; i < pc->n_pends; i++) {
		struct sl_pend *p = &pc->pends[i];

		/* Still linked from its batch: freed when the batch comes back. */
		if (p->state == SL_PEND_WAITING && now >= p->deadline_tsc)
			finish(pc, p, SL_PEND_TIMEOUT);
	}
}

unsigned
sl_pipe_poll(struct sl_pipe_core *pc, bool idle)
{
	struct sl_batch *ob[SL_PIPE_OPEN_MAX];
	uint64_t now = pc->core->now;
	uint32_t i, n = pc->n_open;
	unsigned work;

	work = take_completions(pc);
	/* Oldest first, over a copy: a seal moves the last open batch into its place. */
	memcpy(ob, pc->open_list, sizeof(ob[0]) * n);
	for (i = 0; i < n; i++) {
		struct sl_batch *b = ob[i];

		if (b->n == 0)
			continue;
		if (now - b->first_tsc >= pc->age_tsc)
			work += seal(pc, b, SL_CTR_PIPE_SEAL_AGE);
		else if (b->raw_len >= pc->conf->seal_bytes || b->items >= pc->conf->seal_items)
			work += seal(pc, b, SL_CTR_PIPE_SEAL_SIZE); /* full; a ring refused it */
		else if (idle && b->persist)
			work += seal(pc, b, SL_CTR_PIPE_SEAL_IDLE);
	}
	if (now >= pc->next_scan_tsc) {
		pc->next_scan_tsc = now + pc->scan_tsc;
		scan_timeouts(pc, now);
	}
	if (work != 0)
		gauges(pc);
	return work;
}

int
sl_pipe_drain(struct sl_pipe_core *pc, uint32_t timeout_ms)
{
	uint64_t end = rte_rdtsc() + rte_get_tsc_hz() / 1000 * timeout_ms;
	uint32_t i;

	pc->stopping = true;
	while (pc->free_n < pc->n_batches) {
		struct sl_batch *ob[SL_PIPE_OPEN_MAX];
		uint32_t n = pc->n_open;

		pc->core->now = rte_rdtsc();
		/* Oldest first (a seal reorders open_list). */
		memcpy(ob, pc->open_list, sizeof(ob[0]) * n);
		for (i = 0; i < n; i++) {
			struct sl_batch *b = ob[i];

			if (b->n == 0) {
				open_del(pc, b);
				batch_put(pc, b);
			} else {
				seal(pc, b, SL_CTR_PIPE_SEAL_IDLE);
			}
		}
		take_completions(pc);
		if (pc->core->now >= end)
			break;
		rte_pause();
	}
	for (i = 0; i < pc->n_pends; i++)
		if (pc->pends[i].state == SL_PEND_WAITING)
			finish(pc, &pc->pends[i], SL_PEND_ABORTED);
	gauges(pc);
	return pc->free_n == pc->n_batches ? 0 : -ETIMEDOUT;
}
