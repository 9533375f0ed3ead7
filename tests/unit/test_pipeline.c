/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the batch builders and flush workers: requests in, records stored, acks out. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "../data/golden.h"
#include "config.h"
#include "core.h"
#include "eal_fixture.h"
#include "flush/segment.h"
#include "flush/worker.h"
#include "pipeline/batch.h"
#include "proto/otlp_walk.h"

/*
 * Each test builds a rig: a fake poll core (only ctr[], now and idx are
 * used by the pipeline), one flush worker writing to a mkdtemp store, and
 * the core's builders. Tests drive core->now by hand, so ages and timeouts
 * are exact; only waiting for the worker uses the wall clock (bounded).
 */

/* Every request goes to this route (not 0: the route id must travel). */
#define TEST_ROUTE 3
#define SEG_MAX    1448u /* a TCP segment's payload: what one mbuf of a body holds */
#define MAX_ENT    512   /* Resource* entries of one test body */
#define MAX_MB     256   /* mbufs of one test body */
#define MAX_RECS   64
#define MAX_COOKIE 64
#define WAIT_MS    5000 /* longest wall-clock wait for a flush worker */
#define JUNK       0xee /* bytes around a body inside its mbufs: must never reach a record */

/* ---- goldens ---- */

static struct {
	uint8_t *b;
	size_t n;
} gold[SL_SIGNAL_MAX];

/* ---- deferred-response log ---- */

static struct {
	unsigned n[MAX_COOKIE];              /* done() calls per cookie */
	enum sl_pend_result res[MAX_COOKIE]; /* the last result */
	unsigned total;
} dlog;

static void
done_cb(void *owner, uint64_t cookie, enum sl_pend_result res)
{
	assert_ptr_equal(owner, &dlog);
	assert_true(cookie < MAX_COOKIE);
	dlog.n[cookie]++;
	dlog.res[cookie] = res;
	dlog.total++;
}

/* ---- request bodies ---- */

struct body {
	enum sl_signal sig;
	uint8_t *buf; /* the golden of sig, reps times: still a valid request */
	uint32_t len;
	struct sl_otlp_entry *ent; /* the entries submitted (all, or a subset) */
	uint32_t n_ent;
	uint32_t raw;   /* their bytes */
	uint32_t items; /* and items */
	struct rte_mbuf *m[MAX_MB];
	struct sl_slice sl[MAX_MB];
	uint32_t n_sl;
};

static void
body_sum(struct body *b)
{
	uint32_t i;

	b->raw = b->items = 0;
	for (i = 0; i < b->n_ent; i++) {
		b->raw += b->ent[i].len;
		b->items += b->ent[i].items;
	}
}

static void
body_make(struct body *b, enum sl_signal sig, uint32_t reps)
{
	struct sl_otlp_walk_result res;
	uint32_t i;

	memset(b, 0, sizeof(*b));
	b->sig = sig;
	b->len = (uint32_t)gold[sig].n * reps;
	b->buf = malloc(b->len);
	b->ent = calloc(MAX_ENT, sizeof(*b->ent));
	assert_non_null(b->buf);
	assert_non_null(b->ent);
	for (i = 0; i < reps; i++)
		memcpy(b->buf + i * gold[sig].n, gold[sig].b, gold[sig].n);
	memset(&res, 0, sizeof(res));
	res.entries = b->ent;
	res.max_entries = MAX_ENT;
	assert_int_equal(sl_otlp_walk_buf(sig, b->buf, b->len, NULL, &res), 0);
	assert_true(res.n_entries >= reps);
	b->n_ent = res.n_entries;
	body_sum(b);
	assert_int_equal(b->items, res.items);
}

/* Keep every other entry (0, 2, 4...): a request need not hand over all its bytes. */
static void
body_keep_even(struct body *b)
{
	uint32_t i, k = 0;

	for (i = 0; i < b->n_ent; i += 2)
		b->ent[k++] = b->ent[i];
	b->n_ent = k;
	body_sum(b);
	assert_true(b->raw < b->len);
}

/*
 * Cut the body into single-segment mbufs of at most SEG_MAX bytes, at
 * awkward offsets: pieces of 1, 3 or 64 bytes, and junk before (an HTTP
 * head) or after (the next request) the body inside an mbuf. piece != 0
 * cuts it into equal pieces instead (a fragmented body).
 */
static void
body_cut(struct body *b, uint32_t piece)
{
	static const uint16_t piece_pat[] = {1411, 3, 1448, 1, 977, 1448, 64, 1200};
	static const uint16_t pre_pat[] = {37, 0, 5, 0, 0, 11, 0, 200};
	uint32_t off = 0, k;

	for (k = 0; off < b->len; k++) {
		uint32_t pre = piece != 0 ? 0 : pre_pat[k % 8];
		uint32_t take =
		    piece != 0 ? piece : RTE_MIN((uint32_t)piece_pat[k % 8], SEG_MAX - pre);
		uint32_t post;
		struct rte_mbuf *m;
		uint8_t *p;

		assert_true(k < MAX_MB);
		take = RTE_MIN(take, b->len - off);
		post = off + take == b->len ? RTE_MIN(19u, SEG_MAX - pre - take) : 0;
		m = rte_pktmbuf_alloc(sl_test_pool());
		assert_non_null(m);
		p = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(pre + take + post));
		assert_non_null(p);
		memset(p, JUNK, pre + take + post);
		memcpy(p + pre, b->buf + off, take);
		b->m[k] = m;
		b->sl[k].m = m;
		b->sl[k].off = pre;
		b->sl[k].len = take;
		off += take;
	}
	b->n_sl = k;
}

/* References the batch takes on slice k: one per submitted entry overlapping it. */
static uint32_t
body_refs(const struct body *b, uint32_t k)
{
	uint64_t base = 0, n = 0;
	uint32_t i;

	for (i = 0; i < k; i++)
		base += b->sl[i].len;
	for (i = 0; i < b->n_ent; i++)
		if (b->ent[i].off < base + b->sl[k].len && b->ent[i].off + b->ent[i].len > base)
			n++;
	return (uint32_t)n;
}

static uint32_t
body_pieces(const struct body *b)
{
	uint32_t k, n = 0;

	for (k = 0; k < b->n_sl; k++)
		n += body_refs(b, k);
	return n;
}

static void
body_free(struct body *b)
{
	uint32_t k;

	for (k = 0; k < b->n_sl; k++)
		rte_pktmbuf_free(b->m[k]);
	free(b->buf);
	free(b->ent);
	memset(b, 0, sizeof(*b));
}

static struct sl_pipe_req
body_req(const struct body *b, enum sl_durability d, uint64_t cookie, bool flat)
{
	struct sl_pipe_req q = {
	    .signal = b->sig,
	    .route_id = TEST_ROUTE,
	    .durability = d,
	    .cookie = cookie,
	    .entries = b->ent,
	    .n_entries = b->n_ent,
	};

	if (flat) {
		q.flat = b->buf;
		q.flat_len = b->len;
	} else {
		q.slices = b->sl;
		q.n_slices = b->n_sl;
	}
	return q;
}

/* ---- what a record must hold ---- */

struct expect {
	enum sl_signal sig;
	uint32_t items;
	uint32_t len;
	uint8_t *b;
};

/* Append the submitted entries' bytes of body (from the flat copy: the truth). */
static void
expect_add(struct expect *e, const struct body *b)
{
	uint32_t i;

	e->sig = b->sig;
	e->b = realloc(e->b, e->len + b->raw);
	assert_non_null(e->b);
	for (i = 0; i < b->n_ent; i++) {
		memcpy(e->b + e->len, b->buf + b->ent[i].off, b->ent[i].len);
		e->len += b->ent[i].len;
	}
	e->items += b->items;
}

static void
expect_free(struct expect *e, unsigned n)
{
	unsigned i;

	for (i = 0; i < n; i++)
		free(e[i].b);
}

/* ---- the store, read back ---- */

struct recs {
	unsigned n;
	struct sl_seg_rec rec[MAX_RECS];
	uint8_t *raw[MAX_RECS];
};

static int
seg_filter(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 4 && strcmp(d->d_name + n - 4, SL_SEG_SUFFIX) == 0;
}

/* Every record of worker 0's store, in store order, decompressed. */
static void
read_store(const char *dir, struct recs *out)
{
	struct sl_seg_codec *codec = sl_seg_codec_create(1);
	size_t cap = 8u << 20;
	uint8_t *pay = malloc(cap);
	struct dirent **names;
	char wdir[512], path[1024];
	int nf, f;

	assert_non_null(codec);
	assert_non_null(pay);
	memset(out, 0, sizeof(*out));
	assert_true(snprintf(wdir, sizeof(wdir), "%s/worker-0", dir) < (int)sizeof(wdir));
	nf = scandir(wdir, &names, seg_filter, alphasort);
	assert_true(nf >= 1);
	for (f = 0; f < nf; f++) {
		struct sl_seg_reader *r;
		struct sl_seg_damage dmg;
		struct sl_seg_rec rec;
		int rc;

		snprintf(path, sizeof(path), "%s/%s", wdir, names[f]->d_name);
		r = sl_seg_reader_open(path);
		assert_non_null(r);
		while ((rc = sl_seg_next(r, &rec, pay, cap, &dmg)) == 0) {
			assert_true(out->n < MAX_RECS);
			out->rec[out->n] = rec;
			out->raw[out->n] = malloc(rec.raw_len + 1);
			assert_non_null(out->raw[out->n]);
			assert_int_equal(
			    sl_seg_decompress(codec, &rec, pay, out->raw[out->n], rec.raw_len), 0);
			out->n++;
		}
		assert_int_equal(rc, SL_SEG_EOF);
		sl_seg_reader_close(r);
		free(names[f]);
	}
	free(names);
	free(pay);
	sl_seg_codec_free(codec);
}

static void
recs_free(struct recs *r)
{
	unsigned i;

	for (i = 0; i < r->n; i++)
		free(r->raw[i]);
	r->n = 0;
}

/* The store holds exactly the expected records, in this order. */
static void
check_store(const char *dir, const struct expect *e, unsigned n)
{
	struct timespec ts;
	struct recs rs;
	uint64_t wall;
	unsigned i;

	clock_gettime(CLOCK_REALTIME, &ts);
	wall = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	read_store(dir, &rs);
	assert_int_equal(rs.n, n);
	for (i = 0; i < n; i++) {
		const struct sl_seg_rec *r = &rs.rec[i];

		assert_int_equal(r->signal, e[i].sig);
		assert_int_equal(r->item_count, e[i].items);
		assert_int_equal(r->route_id, TEST_ROUTE);
		assert_int_equal(r->raw_len, e[i].len);
		assert_memory_equal(rs.raw[i], e[i].b, e[i].len);
		/* Receive times: from the core's TSC mapped to the wall clock at init. */
		assert_true(r->first_recv_ns <= r->last_recv_ns);
		assert_true(r->first_recv_ns + 60000000000ull > wall);
		assert_true(r->last_recv_ns < wall + 60000000000ull);
	}
	recs_free(&rs);
}

/* ---- the rig ---- */

struct rig {
	struct sl_config cfg;
	char dir[64];
	struct sl_core *core;
	struct sl_flush *fl;
	struct sl_pipe_core pc;
	unsigned base_in_use; /* test pool mbufs allocated before the test */
	bool started;
	bool live;   /* made by rig_defaults, not cleaned up yet */
	bool routes; /* route 1 -> <dir>/a, route 2 -> <dir>/b and <dir>/c (fan-out) */
};

/* The rig of the running test: global, so a failed test's teardown can still clean it up. */
static struct rig the_rig;

/* Small per-core geometry (the --no-huge EAL has 128 MiB); a test changes what it needs. */
static void
rig_defaults(struct rig *r)
{
	memset(r, 0, sizeof(*r));
	sl_config_defaults(&r->cfg);
	snprintf(r->dir, sizeof(r->dir), "/tmp/sl_pipe_test.XXXXXX");
	assert_non_null(mkdtemp(r->dir));
	snprintf(r->cfg.store.dir, sizeof(r->cfg.store.dir), "%s", r->dir);
	r->cfg.http.max_body_bytes = 1u << 20;
	r->cfg.pipeline.n_flush = 1;
	r->cfg.pipeline.flush_lcores[0] = 0;
	r->cfg.pipeline.batches = 64;
	r->cfg.pipeline.batch_slices = 256;
	r->cfg.pipeline.copy_bufs = 32;
	r->cfg.pipeline.pending = 64;
	r->cfg.pipeline.seal_age_ms = 60000;
	r->cfg.pipeline.persist_timeout_ms = 60000;
	r->cfg.store.fsync = SL_STORE_FSYNC_BATCH;
	memset(&dlog, 0, sizeof(dlog));
	r->base_in_use = sl_test_pool_in_use();
	r->live = true;
}

static void
rig_start(struct rig *r)
{
	static uint32_t next_idx;
	char err[256];

	r->core = rte_zmalloc("sl_test_pipe_core", sizeof(*r->core), RTE_CACHE_LINE_SIZE);
	assert_non_null(r->core);
	/* A fresh index per rig: ring and pool names stay unique even if one leaked. */
	r->core->idx = next_idx++ % SL_MAX_POLL;
	r->fl = sl_flush_create(&r->cfg, NULL, err, sizeof(err));
	if (r->fl == NULL)
		fail_msg("sl_flush_create: %s", err);
	assert_int_equal(sl_pipe_core_init(&r->pc, r->core, &r->cfg.pipeline,
	                                   r->cfg.http.max_body_bytes, r->fl, SOCKET_ID_ANY),
	                 0);
	assert_int_equal(sl_pipe_bind_route(&r->pc, TEST_ROUTE, TEST_ROUTE, NULL, NULL, 0), 0);
	if (r->routes) {
		char a[600], b[600], c[600];
		const char *one[] = {a}, *two[] = {b, c};
		uint32_t l1[1], l2[2];

		assert_true(snprintf(a, sizeof(a), "%s/a", r->dir) < (int)sizeof(a));
		assert_true(snprintf(b, sizeof(b), "%s/b", r->dir) < (int)sizeof(b));
		assert_true(snprintf(c, sizeof(c), "%s/c", r->dir) < (int)sizeof(c));
		l1[0] = (uint32_t)strlen(a);
		l2[0] = (uint32_t)strlen(b);
		l2[1] = (uint32_t)strlen(c);
		/* Slot r has stable id r, as the records checked below expect. */
		assert_int_equal(sl_pipe_bind_route(&r->pc, 1, 1, one, l1, 1), 0);
		assert_int_equal(sl_pipe_bind_route(&r->pc, 2, 2, two, l2, 2), 0);
		assert_int_equal(sl_pipe_bind_route(&r->pc, SL_PIPE_ROUTES_MAX, 9, one, l1, 1), -EINVAL);
	}
	sl_pipe_set_done(&r->pc, SL_PIPE_SRC_HTTP, done_cb, &dlog);
	assert_int_equal(sl_flush_start(r->fl), 0);
	r->started = true;
	/* After init: receive times map core->now from the TSC read at init. */
	r->core->now = rte_rdtsc();
}

static uint64_t
ms_tsc(uint64_t ms)
{
	return rte_get_tsc_hz() / 1000 * ms;
}

static uint64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Batches neither free nor open: sealed and not back yet. */
static uint32_t
batches_out(const struct sl_pipe_core *pc)
{
	return pc->n_batches - pc->free_n - pc->n_open;
}

/* Poll (core->now unchanged) until every sealed batch is back; false after WAIT_MS. */
static bool
poll_back(struct rig *r, bool idle)
{
	uint64_t end = mono_ms() + WAIT_MS;

	for (;;) {
		sl_pipe_poll(&r->pc, idle);
		if (batches_out(&r->pc) == 0)
			return true;
		if (mono_ms() > end)
			return false;
		usleep(200);
	}
}

/* Poll until done() was called want times in all. */
static bool
poll_done(struct rig *r, bool idle, unsigned want)
{
	uint64_t end = mono_ms() + WAIT_MS;

	for (;;) {
		sl_pipe_poll(&r->pc, idle);
		if (dlog.total >= want)
			return true;
		if (mono_ms() > end)
			return false;
		usleep(200);
	}
}

/* Everything a drained core must have given back. */
static void
check_released(struct rig *r)
{
	uint32_t s;

	assert_int_equal(r->pc.free_n, r->pc.n_batches);
	assert_int_equal(r->pc.pends_free_n, r->pc.n_pends);
	assert_int_equal(r->pc.inflight, 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_INFLIGHT_BYTES], 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_INFLIGHT_BATCHES], 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_PENDING], 0);
	assert_int_equal(rte_mempool_in_use_count(r->pc.copy_pool), 0);
	assert_false(sl_pipe_soft_pressure(&r->pc));
	assert_false(sl_pipe_hard_pressure(&r->pc));
	assert_int_equal(r->pc.n_open, 0);
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		assert_null(r->pc.open[TEST_ROUTE][s]);
}

/* Drain (must succeed), check the core gave everything back, stop the worker. */
static void
rig_finish(struct rig *r)
{
	assert_int_equal(sl_pipe_drain(&r->pc, 10000), 0);
	check_released(r);
	sl_flush_stop(r->fl);
	sl_pipe_core_fini(&r->pc);
	sl_flush_free(r->fl);
	r->fl = NULL;
	r->started = false;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void
rig_cleanup(struct rig *r)
{
	if (!r->live)
		return;
	r->live = false;
	if (r->started) {
		(void)sl_pipe_drain(&r->pc, 10000);
		sl_flush_stop(r->fl);
		sl_pipe_core_fini(&r->pc);
		sl_flush_free(r->fl);
	}
	rte_free(r->core);
	r->core = NULL;
	nftw(r->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* After every test, passed or failed: stop its worker, free its core, remove its store. */
static int
rig_teardown(void **state)
{
	(void)state;
	rig_cleanup(&the_rig);
	return 0;
}

static void
check_refcnt_one(const struct body *b)
{
	uint32_t k;

	for (k = 0; k < b->n_sl; k++)
		assert_int_equal(rte_mbuf_refcnt_read(b->m[k]), 1);
}

/* ------------------------------------------------------------------ */
/* 1. Zero-copy                                                        */

static void
test_zero_copy(void **state)
{
	struct body b[4];
	struct expect e[2] = {{0}};
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	uint64_t pieces = 0, raw = 0, items = 0;
	unsigned i;
	uint32_t k;

	(void)state;
	rig_defaults(r);
	rig_start(r);
	body_make(&b[0], SL_SIGNAL_TRACES, 3);
	body_make(&b[1], SL_SIGNAL_TRACES, 2);
	body_keep_even(&b[1]);
	body_make(&b[2], SL_SIGNAL_LOGS, 2);
	body_make(&b[3], SL_SIGNAL_TRACES, 1);
	for (i = 0; i < 4; i++) {
		body_cut(&b[i], 0);
		assert_true(b[i].n_sl >= 2);
		q = body_req(&b[i], SL_DURABILITY_RECEIVED, 0, false);
		assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
		/* The batch holds one reference per piece of an entry in a slice. */
		for (k = 0; k < b[i].n_sl; k++)
			assert_int_equal(rte_mbuf_refcnt_read(b[i].m[k]), 1 + body_refs(&b[i], k));
		pieces += body_pieces(&b[i]);
		raw += b[i].raw;
		items += b[i].items;
	}
	expect_add(&e[0], &b[0]);
	expect_add(&e[0], &b[1]);
	expect_add(&e[0], &b[3]);
	expect_add(&e[1], &b[2]);
	/* Nothing sealed yet: one open batch per signal, each reference counted at buf_len. */
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 0);
	assert_non_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_TRACES]);
	assert_non_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_LOGS]);
	assert_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_METRICS]);
	assert_int_equal(r->pc.open[TEST_ROUTE][SL_SIGNAL_TRACES]->raw_len, e[0].len);
	assert_int_equal(r->pc.inflight, pieces * b[0].m[0]->buf_len);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_INFLIGHT_BYTES], r->pc.inflight);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_INFLIGHT_BATCHES], 2);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REQUESTS], 4);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_ACK_RECEIVED], 4);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_BYTES], raw);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_ITEMS], items);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_COPIED_BYTES], 0);
	assert_int_equal(rte_mempool_in_use_count(r->pc.copy_pool), 0);

	rig_finish(r);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 2);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_DONE], 2);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_FAILED], 0);
	assert_int_equal(dlog.total, 0);
	for (i = 0; i < 4; i++)
		check_refcnt_one(&b[i]);
	check_store(r->dir, e, 2);
	for (i = 0; i < 4; i++)
		body_free(&b[i]);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	expect_free(e, 2);
	rig_cleanup(r);
}

/* ------------------------------------------------------------------ */
/* 2. Flat bodies and fragmented ones are copied                       */

static void
test_copy(void **state)
{
	struct body b[4];
	struct expect e[2] = {{0}};
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	const uint32_t room = SL_PIPE_COPY_ROOM - RTE_PKTMBUF_HEADROOM;
	uint64_t raw = 0;
	unsigned i, in_use;

	(void)state;
	rig_defaults(r);
	rig_start(r);
	body_make(&b[0], SL_SIGNAL_TRACES, 40); /* > 64 KiB: two copy buffers */
	assert_true(b[0].raw > SL_PIPE_COPY_ROOM);
	body_make(&b[1], SL_SIGNAL_TRACES, 3);
	body_make(&b[2], SL_SIGNAL_LOGS, 3);
	body_keep_even(&b[2]);
	/* More slices than half a batch's room: copied rather than referenced. */
	body_make(&b[3], SL_SIGNAL_TRACES, 1);
	body_cut(&b[3], 17);
	assert_true(b[3].n_sl + b[3].n_ent > r->cfg.pipeline.batch_slices / 2);
	for (i = 0; i < 4; i++) {
		q = body_req(&b[i], SL_DURABILITY_RECEIVED, 0, i != 3);
		assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
		raw += b[i].raw;
	}
	expect_add(&e[0], &b[0]);
	expect_add(&e[0], &b[1]);
	expect_add(&e[0], &b[3]);
	expect_add(&e[1], &b[2]);
	/* The staging buffer is reused by the next request: the batch must not care. */
	for (i = 0; i < 3; i++)
		memset(b[i].buf, 0xaa, b[i].len);
	check_refcnt_one(&b[3]);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_COPIED_BYTES], raw);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_BYTES], raw);
	/*
	 * At least what the bytes need (two batches: ceil(e/room) each), at most
	 * one buffer started per request; each buffer counted once in flight.
	 */
	in_use = rte_mempool_in_use_count(r->pc.copy_pool);
	assert_true(in_use >= (e[0].len + room - 1) / room + (e[1].len + room - 1) / room);
	assert_true(in_use <= 5);
	assert_int_equal(r->pc.inflight, (uint64_t)in_use * SL_PIPE_COPY_ROOM);

	rig_finish(r);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_DONE], 2);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_COPIED_BYTES], raw);
	check_store(r->dir, e, 2);
	for (i = 0; i < 4; i++)
		body_free(&b[i]);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	expect_free(e, 2);
	rig_cleanup(r);
}

/* ------------------------------------------------------------------ */
/* 3. Sealing                                                          */

static void
test_seal_bytes(void **state)
{
	struct body b[4];
	struct expect e[3] = {{0}};
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	uint32_t l2;
	unsigned i;

	(void)state;
	rig_defaults(r);
	l2 = (uint32_t)gold[SL_SIGNAL_TRACES].n * 2;
	r->cfg.pipeline.seal_bytes = l2 * 2 + l2 / 2; /* two of b[0..2] fit, not three */
	r->cfg.pipeline.seal_items = 1u << 20;
	rig_start(r);
	for (i = 0; i < 3; i++)
		body_make(&b[i], SL_SIGNAL_TRACES, 2);
	body_make(&b[3], SL_SIGNAL_TRACES, 6); /* bigger than seal_bytes */
	assert_true(b[3].raw > r->cfg.pipeline.seal_bytes);
	for (i = 0; i < 4; i++)
		body_cut(&b[i], 0);

	q = body_req(&b[0], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	q = body_req(&b[1], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 0);
	assert_int_equal(r->pc.open[TEST_ROUTE][SL_SIGNAL_TRACES]->raw_len, 2 * l2);
	/* The third would pass seal_bytes: the open batch is sealed, it starts a new one. */
	q = body_req(&b[2], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_SIZE], 1);
	assert_int_equal(r->pc.open[TEST_ROUTE][SL_SIGNAL_TRACES]->raw_len, l2);
	/* Bigger than seal_bytes: seals the open one, then gets a batch of its own. */
	q = body_req(&b[3], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 3);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_SIZE], 3);
	assert_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_TRACES]);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_ITEMS] + r->core->ctr[SL_CTR_PIPE_SEAL_AGE] +
	                     r->core->ctr[SL_CTR_PIPE_SEAL_IDLE] +
	                     r->core->ctr[SL_CTR_PIPE_SEAL_SLICES],
	                 0);
	expect_add(&e[0], &b[0]);
	expect_add(&e[0], &b[1]);
	expect_add(&e[1], &b[2]);
	expect_add(&e[2], &b[3]);
	assert_true(poll_back(r, false));
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_DONE], 3);
	rig_finish(r);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 3); /* drain had nothing left */
	check_store(r->dir, e, 3);
	for (i = 0; i < 4; i++)
		body_free(&b[i]);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	expect_free(e, 3);
	rig_cleanup(r);
}

static void
test_seal_items(void **state)
{
	struct body b[3];
	struct expect e[2] = {{0}};
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	unsigned i;

	(void)state;
	rig_defaults(r);
	for (i = 0; i < 3; i++) {
		body_make(&b[i], SL_SIGNAL_TRACES, 1);
		body_cut(&b[i], 0);
	}
	assert_true(b[0].items > 0);
	r->cfg.pipeline.seal_items = b[0].items * 2;
	rig_start(r);
	q = body_req(&b[0], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 0);
	q = body_req(&b[1], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_ITEMS], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_SIZE], 0);
	assert_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_TRACES]);
	q = body_req(&b[2], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 1);
	expect_add(&e[0], &b[0]);
	expect_add(&e[0], &b[1]);
	expect_add(&e[1], &b[2]);
	rig_finish(r);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_ITEMS], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_IDLE], 1); /* drain sealed the last */
	check_store(r->dir, e, 2);
	for (i = 0; i < 3; i++)
		body_free(&b[i]);
	expect_free(e, 2);
	rig_cleanup(r);
}

static void
test_seal_age(void **state)
{
	struct body b[2];
	struct expect e[1] = {{0}};
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	uint64_t t0, age;
	unsigned i;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.seal_age_ms = 50;
	rig_start(r);
	age = ms_tsc(50);
	for (i = 0; i < 2; i++) {
		body_make(&b[i], SL_SIGNAL_METRICS, 1);
		body_cut(&b[i], 0);
	}
	t0 = r->core->now;
	q = body_req(&b[0], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	/* A younger request does not make the batch younger. */
	r->core->now = t0 + age / 2;
	q = body_req(&b[1], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	r->core->now = t0 + age - 1;
	assert_int_equal(sl_pipe_poll(&r->pc, true), 0); /* idle, but nobody waits */
	assert_non_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_METRICS]);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 0);
	r->core->now = t0 + age;
	assert_true(sl_pipe_poll(&r->pc, false) > 0);
	assert_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_METRICS]);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_AGE], 1);
	expect_add(&e[0], &b[0]);
	expect_add(&e[0], &b[1]);
	assert_true(poll_back(r, false));
	rig_finish(r);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 1);
	check_store(r->dir, e, 1);
	for (i = 0; i < 2; i++)
		body_free(&b[i]);
	expect_free(e, 1);
	rig_cleanup(r);
}

static void
test_seal_idle(void **state)
{
	struct body b[2];
	struct expect e[1] = {{0}};
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	unsigned i;

	(void)state;
	rig_defaults(r);
	rig_start(r);
	for (i = 0; i < 2; i++) {
		body_make(&b[i], SL_SIGNAL_LOGS, 1);
		body_cut(&b[i], 0);
	}
	/* Received mode: an idle core does not seal, nobody waits. */
	q = body_req(&b[0], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_int_equal(sl_pipe_poll(&r->pc, true), 0);
	assert_non_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_LOGS]);
	/* A persisted waiter: sealed as soon as the core is idle, not before. */
	q = body_req(&b[1], SL_DURABILITY_PERSISTED, 7, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
	assert_int_equal(sl_pipe_poll(&r->pc, false), 0);
	assert_non_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_LOGS]);
	assert_true(sl_pipe_poll(&r->pc, true) > 0);
	assert_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_LOGS]);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_IDLE], 1);
	assert_true(poll_done(r, true, 1));
	assert_int_equal(dlog.n[7], 1);
	assert_int_equal(dlog.res[7], SL_PEND_DURABLE);
	expect_add(&e[0], &b[0]);
	expect_add(&e[0], &b[1]);
	rig_finish(r);
	assert_int_equal(dlog.total, 1);
	check_store(r->dir, e, 1);
	for (i = 0; i < 2; i++)
		body_free(&b[i]);
	expect_free(e, 1);
	rig_cleanup(r);
}

/* ------------------------------------------------------------------ */
/* 4. Persisted                                                        */

static void
test_persist_durable(void **state)
{
	struct body b[4];
	struct expect e[2] = {{0}};
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	uint64_t end;
	unsigned i;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.durability = SL_DURABILITY_PERSISTED;
	rig_start(r);
	for (i = 0; i < 4; i++) {
		body_make(&b[i], i == 2 ? SL_SIGNAL_LOGS : SL_SIGNAL_TRACES, 1);
		body_cut(&b[i], 0);
		q = body_req(&b[i], SL_DURABILITY_PERSISTED, 10 + i, false);
		assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
	}
	assert_int_equal(r->pc.pends_free_n, r->pc.n_pends - 4);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_PENDING], 4);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_ACK_RECEIVED], 0);
	sl_pipe_poll(&r->pc, false);
	assert_int_equal(dlog.total, 0);
	assert_true(sl_pipe_poll(&r->pc, true) > 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEAL_IDLE], 2);
	assert_true(poll_done(r, true, 4));
	/* Once each, and not again however long we poll. */
	end = mono_ms() + 50;
	while (mono_ms() < end)
		sl_pipe_poll(&r->pc, true);
	assert_int_equal(dlog.total, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(dlog.n[10 + i], 1);
		assert_int_equal(dlog.res[10 + i], SL_PEND_DURABLE);
	}
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_ACK_PERSISTED], 4);
	assert_int_equal(r->pc.pends_free_n, r->pc.n_pends);
	/* Answered durable: the records are in the store already. */
	expect_add(&e[0], &b[0]);
	expect_add(&e[0], &b[1]);
	expect_add(&e[0], &b[3]);
	expect_add(&e[1], &b[2]);
	check_store(r->dir, e, 2);
	rig_finish(r);
	assert_int_equal(dlog.total, 4);
	for (i = 0; i < 4; i++)
		body_free(&b[i]);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	expect_free(e, 2);
	rig_cleanup(r);
}

static void
test_persist_timeout(void **state)
{
	struct body b[3];
	struct sl_pipe_req q;
	struct sl_pend *p;
	struct rig *r = &the_rig;
	uint64_t t0, to;
	unsigned i;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.durability = SL_DURABILITY_PERSISTED;
	r->cfg.pipeline.persist_timeout_ms = 20;
	r->cfg.pipeline.pending = 1;
	r->cfg.test.flush_delay_ms = 400;
	rig_start(r);
	to = ms_tsc(20);
	for (i = 0; i < 3; i++) {
		body_make(&b[i], SL_SIGNAL_TRACES, 1);
		body_cut(&b[i], 0);
	}
	t0 = r->core->now;
	q = body_req(&b[0], SL_DURABILITY_PERSISTED, 1, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
	p = &r->pc.pends[0];
	assert_int_equal(p->state, SL_PEND_WAITING);
	assert_true(sl_pipe_poll(&r->pc, true) > 0); /* sealed: the worker sleeps 400 ms on it */
	r->core->now = t0 + to - 1;
	sl_pipe_poll(&r->pc, true);
	assert_int_equal(dlog.total, 0);
	/* Past the deadline (and past the next 5 ms scan). */
	r->core->now = t0 + to + ms_tsc(5);
	sl_pipe_poll(&r->pc, true);
	assert_int_equal(dlog.total, 1);
	assert_int_equal(dlog.n[1], 1);
	assert_int_equal(dlog.res[1], SL_PEND_TIMEOUT);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_PERSIST_TIMEOUT], 1);
	/* Answered, but its batch still lists it: the slot is not free yet. */
	assert_int_equal(p->state, SL_PEND_ANSWERED);
	assert_int_equal(r->pc.pends_free_n, 0);
	assert_true(sl_pipe_soft_pressure(&r->pc));
	q = body_req(&b[1], SL_DURABILITY_PERSISTED, 2, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), -EBUSY);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REFUSED_PENDING], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REQUESTS], 1);
	/* Still timed out only: scanning again does not answer it twice. */
	r->core->now += ms_tsc(10);
	sl_pipe_poll(&r->pc, true);
	assert_int_equal(dlog.total, 1);
	/* The batch comes back (written fine): no second answer, the slot is free. */
	assert_true(poll_back(r, true));
	assert_int_equal(dlog.total, 1);
	assert_int_equal(dlog.res[1], SL_PEND_TIMEOUT);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_ACK_PERSISTED], 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_DONE], 1);
	assert_int_equal(r->pc.pends_free_n, 1);
	assert_int_equal(p->state, SL_PEND_FREE);
	q = body_req(&b[2], SL_DURABILITY_PERSISTED, 3, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
	/* Drain seals it and waits: durable, even with the slow worker. */
	rig_finish(r);
	assert_int_equal(dlog.total, 2);
	assert_int_equal(dlog.n[3], 1);
	assert_int_equal(dlog.res[3], SL_PEND_DURABLE);
	for (i = 0; i < 3; i++)
		body_free(&b[i]);
	rig_cleanup(r);
}

/*
 * A write failure: RLIMIT_FSIZE just past the segment file's header makes
 * the worker's pwritev fail with EFBIG (SIGXFSZ ignored); the writer cuts
 * the partial record and the batch comes back failed.
 */
static void
test_persist_failed(void **state)
{
	struct body b[2];
	struct expect e[1] = {{0}};
	struct sl_pipe_req q;
	struct rlimit old, lim;
	struct rig *r = &the_rig;
	void (*old_sig)(int);
	unsigned i;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.durability = SL_DURABILITY_PERSISTED;
	rig_start(r);
	for (i = 0; i < 2; i++) {
		body_make(&b[i], SL_SIGNAL_TRACES, 1);
		body_cut(&b[i], 0);
	}
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	old_sig = signal(SIGXFSZ, SIG_IGN);
	lim = old;
	lim.rlim_cur = SL_SEG_FILE_HDR_LEN + 32;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	q = body_req(&b[0], SL_DURABILITY_PERSISTED, 5, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
	assert_true(poll_done(r, true, 1));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, old_sig);
	assert_int_equal(dlog.n[5], 1);
	assert_int_equal(dlog.res[5], SL_PEND_FAILED);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_FAILED], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_DONE], 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_PERSIST_FAILED], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_ACK_PERSISTED], 0);
	assert_int_equal(r->pc.pends_free_n, r->pc.n_pends);
	check_refcnt_one(&b[0]);
	/* The writer undid the torn record and goes on once the disk is fine again. */
	q = body_req(&b[1], SL_DURABILITY_PERSISTED, 6, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
	assert_true(poll_done(r, true, 2));
	assert_int_equal(dlog.n[6], 1);
	assert_int_equal(dlog.res[6], SL_PEND_DURABLE);
	assert_int_equal(dlog.n[5], 1);
	rig_finish(r);
	expect_add(&e[0], &b[1]);
	check_store(r->dir, e, 1);
	for (i = 0; i < 2; i++)
		body_free(&b[i]);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	expect_free(e, 1);
	rig_cleanup(r);
}

/* ------------------------------------------------------------------ */
/* 5. Bounds                                                           */

static void
test_bound_inflight(void **state)
{
	struct body b[64];
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	int first_soft = -1, first_hard = -1, refused = -1, i, n = 0, rc;
	uint64_t before = 0, adm_before = 0, adm_hold = 0;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.max_inflight_bytes = 65536;
	r->cfg.pipeline.seal_bytes = 16384;
	r->cfg.test.flush_delay_ms = 20;
	rig_start(r);
	for (i = 0; i < 64; i++) {
		body_make(&b[i], SL_SIGNAL_TRACES, 1);
		body_cut(&b[i], 0);
		n++;
		q = body_req(&b[i], SL_DURABILITY_RECEIVED, 0, false);
		before = r->pc.inflight;
		rc = sl_pipe_submit(&r->pc, &q);
		if (rc == -EBUSY) {
			refused = i;
			break;
		}
		assert_int_equal(rc, 0);
		adm_before = before;
		adm_hold = (uint64_t)body_pieces(&b[i]) * b[i].m[0]->buf_len;
		assert_int_equal(r->pc.inflight, before + adm_hold);
		assert_int_equal(r->core->ctr[SL_CTR_PIPE_INFLIGHT_BYTES], r->pc.inflight);
		if (first_soft < 0 && sl_pipe_soft_pressure(&r->pc))
			first_soft = i;
		if (first_hard < 0 && sl_pipe_hard_pressure(&r->pc))
			first_hard = i;
	}
	assert_true(refused > 0);
	assert_true(first_soft >= 0 && first_hard >= 0);
	assert_true(first_soft < first_hard);
	assert_int_equal(first_hard, refused - 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REFUSED_INFLIGHT], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REQUESTS], (uint64_t)refused);
	/* Admitted below the bound: at most one body's worth past it. */
	assert_true(r->pc.inflight >= 65536);
	assert_true(adm_before < 65536);
	assert_true(r->pc.inflight <= 65536 + adm_hold);
	assert_int_equal(r->pc.inflight, before);
	assert_true(r->core->ctr[SL_CTR_PIPE_INFLIGHT_PEAK] >= r->pc.inflight);
	/* The refused request holds nothing. */
	check_refcnt_one(&b[refused]);
	/* Completions bring it back under the bound. */
	r->core->now += ms_tsc(1);
	assert_true(poll_back(r, false));
	assert_false(sl_pipe_hard_pressure(&r->pc));
	q = body_req(&b[refused], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	rig_finish(r);
	for (i = 0; i < n; i++) {
		check_refcnt_one(&b[i]);
		body_free(&b[i]);
	}
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	rig_cleanup(r);
}

static void
test_bound_batches(void **state)
{
	struct body b[3];
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	unsigned i;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.batches = 2;
	r->cfg.pipeline.seal_items = 1; /* every request sealed at once */
	r->cfg.test.flush_delay_ms = 50;
	rig_start(r);
	for (i = 0; i < 3; i++) {
		body_make(&b[i], SL_SIGNAL_TRACES, 1);
		body_cut(&b[i], 0);
	}
	for (i = 0; i < 2; i++) {
		q = body_req(&b[i], SL_DURABILITY_RECEIVED, 0, false);
		assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	}
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 2);
	assert_int_equal(r->pc.free_n, 0);
	assert_true(sl_pipe_soft_pressure(&r->pc));
	q = body_req(&b[2], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), -EBUSY);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REFUSED_BATCHES], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REQUESTS], 2);
	check_refcnt_one(&b[2]);
	assert_true(poll_back(r, false));
	assert_false(sl_pipe_soft_pressure(&r->pc));
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	rig_finish(r);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_DONE], 3);
	for (i = 0; i < 3; i++)
		body_free(&b[i]);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	rig_cleanup(r);
}

static void
test_bound_pending(void **state)
{
	struct body b[3];
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	unsigned i;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.durability = SL_DURABILITY_PERSISTED;
	r->cfg.pipeline.pending = 2;
	rig_start(r);
	for (i = 0; i < 3; i++) {
		body_make(&b[i], SL_SIGNAL_METRICS, 1);
		body_cut(&b[i], 0);
	}
	for (i = 0; i < 2; i++) {
		q = body_req(&b[i], SL_DURABILITY_PERSISTED, i, false);
		assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
	}
	assert_true(sl_pipe_soft_pressure(&r->pc));
	q = body_req(&b[2], SL_DURABILITY_PERSISTED, 2, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), -EBUSY);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REFUSED_PENDING], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REQUESTS], 2);
	check_refcnt_one(&b[2]);
	/* Received mode needs no slot. */
	q = body_req(&b[2], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	rig_finish(r);
	assert_int_equal(dlog.total, 2);
	assert_int_equal(dlog.n[0], 1);
	assert_int_equal(dlog.n[1], 1);
	assert_int_equal(dlog.res[0], SL_PEND_DURABLE);
	assert_int_equal(dlog.res[1], SL_PEND_DURABLE);
	assert_int_equal(dlog.n[2], 0);
	for (i = 0; i < 3; i++)
		body_free(&b[i]);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	rig_cleanup(r);
}

/* Bytes a batch's slices cover: must always equal its raw_len. */
static uint64_t
batch_bytes(const struct sl_batch *b)
{
	uint64_t n = 0;
	uint32_t i;

	for (i = 0; i < b->n; i++)
		n += b->s[i].len;
	return n;
}

static void
test_bound_copy_bufs(void **state)
{
	struct body z, big, small;
	struct expect e[1] = {{0}};
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	const struct sl_batch *bt;
	uint64_t zhold;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.copy_bufs = 4;
	rig_start(r);
	body_make(&z, SL_SIGNAL_TRACES, 2);
	body_cut(&z, 0);
	body_make(&big, SL_SIGNAL_TRACES, 100); /* five copy buffers */
	assert_true(big.raw > 4 * (SL_PIPE_COPY_ROOM - RTE_PKTMBUF_HEADROOM));
	body_make(&small, SL_SIGNAL_TRACES, 40); /* two */
	/* A zero-copy request first: the batch's last slice is not a copy buffer. */
	q = body_req(&z, SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	bt = r->pc.open[TEST_ROUTE][SL_SIGNAL_TRACES];
	zhold = r->pc.inflight;
	assert_int_equal(batch_bytes(bt), z.raw);
	q = body_req(&big, SL_DURABILITY_RECEIVED, 0, true);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), -ENOBUFS);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REFUSED_COPYBUF], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REQUESTS], 1);
	/* Undone: no buffer kept, nothing more in flight, the batch as it was. */
	assert_int_equal(rte_mempool_in_use_count(r->pc.copy_pool), 0);
	assert_int_equal(r->pc.inflight, zhold);
	assert_ptr_equal(r->pc.open[TEST_ROUTE][SL_SIGNAL_TRACES], bt);
	assert_int_equal(bt->raw_len, z.raw);
	assert_int_equal(batch_bytes(bt), z.raw);
	q = body_req(&small, SL_DURABILITY_RECEIVED, 0, true);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_int_equal(rte_mempool_in_use_count(r->pc.copy_pool), 2);
	/* Two left: the big one still does not fit, and fails cleanly again. */
	q = body_req(&big, SL_DURABILITY_RECEIVED, 0, true);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), -ENOBUFS);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REFUSED_COPYBUF], 2);
	assert_int_equal(rte_mempool_in_use_count(r->pc.copy_pool), 2);
	assert_int_equal(r->pc.inflight, zhold + 2ull * SL_PIPE_COPY_ROOM);
	assert_int_equal(bt->raw_len, z.raw + small.raw);
	assert_int_equal(batch_bytes(bt), z.raw + small.raw);
	expect_add(&e[0], &z);
	expect_add(&e[0], &small);
	rig_finish(r);
	check_store(r->dir, e, 1);
	check_refcnt_one(&z);
	body_free(&z);
	body_free(&big);
	body_free(&small);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	expect_free(e, 1);
	rig_cleanup(r);
}

static void
test_empty(void **state)
{
	struct body b;
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	struct sl_otlp_entry zero = {0};

	(void)state;
	rig_defaults(r);
	rig_start(r);
	body_make(&b, SL_SIGNAL_TRACES, 1);
	body_cut(&b, 0);
	q = body_req(&b, SL_DURABILITY_PERSISTED, 1, false);
	q.n_entries = 0;
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	q = body_req(&b, SL_DURABILITY_RECEIVED, 0, true);
	q.n_entries = 0;
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	/* An entry of no bytes is nothing too. */
	q.entries = &zero;
	q.n_entries = 1;
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_null(r->pc.open[TEST_ROUTE][SL_SIGNAL_TRACES]);
	assert_int_equal(r->pc.free_n, r->pc.n_batches);
	assert_int_equal(r->pc.pends_free_n, r->pc.n_pends);
	assert_int_equal(r->pc.inflight, 0);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_REQUESTS], 0);
	check_refcnt_one(&b);
	rig_finish(r);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 0);
	assert_int_equal(dlog.total, 0);
	body_free(&b);
	rig_cleanup(r);
}

/* ------------------------------------------------------------------ */
/* 6. Drain                                                            */

/* The concatenated bytes of the entries of b whose route is r. */
static uint32_t
route_bytes(const struct body *b, const uint16_t *route, uint16_t r, uint8_t *out)
{
	uint32_t i, n = 0;

	for (i = 0; i < b->n_ent; i++)
		if (route[i] == r) {
			memcpy(out + n, b->buf + b->ent[i].off, b->ent[i].len);
			n += b->ent[i].len;
		}
	return n;
}

/* The one record of <dir>/<sub>/worker-0 holds exactly want[0..n) for route r. */
static void
check_route_store(const char *dir, const char *sub, uint32_t r, const uint8_t *want, uint32_t n)
{
	char path[600];
	struct recs rs;

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, sub) < (int)sizeof(path));
	read_store(path, &rs);
	assert_int_equal(rs.n, 1);
	assert_int_equal(rs.rec[0].route_id, r);
	assert_int_equal(rs.rec[0].raw_len, n);
	assert_memory_equal(rs.raw[0], want, n);
	recs_free(&rs);
}

/*
 * One persisted request whose Resource entries go to two routes (one entry
 * to none): cut by byte ranges into one batch per route, route 2 fanned out
 * to two stores, the answer given once, after both batches are synced.
 */
static void
test_routes_split(void **state)
{
	uint16_t route[MAX_ENT];
	uint8_t *want1, *want2;
	uint32_t i, n1, n2;
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	struct body b;

	(void)state;
	rig_defaults(r);
	r->routes = true;
	rig_start(r);
	body_make(&b, SL_SIGNAL_TRACES, 3);
	assert_true(b.n_ent >= 3);
	body_cut(&b, 0);
	for (i = 0; i < b.n_ent; i++)
		route[i] = i == 1 ? SL_PIPE_ROUTE_NONE : (i % 2 == 0 ? 1 : 2);
	route[b.n_ent - 1] = 2;
	want1 = malloc(b.len);
	want2 = malloc(b.len);
	assert_non_null(want1);
	assert_non_null(want2);
	n1 = route_bytes(&b, route, 1, want1);
	n2 = route_bytes(&b, route, 2, want2);
	assert_true(n1 > 0 && n2 > 0 && n1 + n2 < b.raw);
	q = body_req(&b, SL_DURABILITY_PERSISTED, 7, false);
	q.entry_route = route;
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
	assert_int_equal(r->pc.n_open, 2);
	assert_non_null(r->pc.open[1][SL_SIGNAL_TRACES]);
	assert_non_null(r->pc.open[2][SL_SIGNAL_TRACES]);
	assert_int_equal(r->pc.open[1][SL_SIGNAL_TRACES]->raw_len, n1);
	assert_int_equal(r->pc.open[2][SL_SIGNAL_TRACES]->raw_len, n2);
	assert_true(poll_done(r, true, 1));
	assert_int_equal(dlog.n[7], 1);
	assert_int_equal(dlog.res[7], SL_PEND_DURABLE);
	assert_int_equal(r->pc.pends_free_n, r->pc.n_pends);
	check_route_store(r->dir, "a", 1, want1, n1);
	check_route_store(r->dir, "b", 2, want2, n2);
	check_route_store(r->dir, "c", 2, want2, n2);
	/* A route id past the table is a caller's bug: refused, nothing queued. */
	route[0] = SL_PIPE_ROUTES_MAX;
	q = body_req(&b, SL_DURABILITY_RECEIVED, 8, false);
	q.entry_route = route;
	assert_int_equal(sl_pipe_submit(&r->pc, &q), -EINVAL);
	assert_int_equal(r->pc.n_open, 0);
	/* Every entry dropped: nothing to store, answered at once. */
	for (i = 0; i < b.n_ent; i++)
		route[i] = SL_PIPE_ROUTE_NONE;
	assert_int_equal(sl_pipe_submit(&r->pc, &q), 0);
	assert_int_equal(r->pc.n_open, 0);
	rig_finish(r);
	body_free(&b);
	free(want1);
	free(want2);
	rig_cleanup(r);
}

static void
test_drain_waiters(void **state)
{
	struct body b[6];
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	unsigned i;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.durability = SL_DURABILITY_PERSISTED;
	r->cfg.test.flush_delay_ms = 30;
	rig_start(r);
	for (i = 0; i < 6; i++) {
		body_make(&b[i], (enum sl_signal)(i % SL_SIGNAL_MAX), 1);
		body_cut(&b[i], 0);
		q = body_req(&b[i], SL_DURABILITY_PERSISTED, i, false);
		assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
		if (i == 2)
			sl_pipe_poll(&r->pc, true); /* three sealed, three left open */
	}
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 3);
	assert_int_equal(sl_pipe_drain(&r->pc, 10000), 0);
	assert_int_equal(dlog.total, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(dlog.n[i], 1);
		assert_int_equal(dlog.res[i], SL_PEND_DURABLE);
	}
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_SEALED], 6);
	check_released(r);
	/* Draining again answers nobody twice. */
	assert_int_equal(sl_pipe_drain(&r->pc, 100), 0);
	assert_int_equal(dlog.total, 6);
	rig_finish(r);
	for (i = 0; i < 6; i++)
		body_free(&b[i]);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	rig_cleanup(r);
}

static void
test_drain_abort(void **state)
{
	struct body b[4];
	struct sl_pipe_req q;
	struct rig *r = &the_rig;
	uint64_t t0;
	unsigned i;

	(void)state;
	rig_defaults(r);
	r->cfg.pipeline.durability = SL_DURABILITY_PERSISTED;
	r->cfg.pipeline.persist_timeout_ms = 20;
	r->cfg.test.flush_delay_ms = 300;
	rig_start(r);
	t0 = r->core->now;
	for (i = 0; i < 4; i++) {
		body_make(&b[i], (enum sl_signal)(i % SL_SIGNAL_MAX), 1);
		body_cut(&b[i], 0);
		q = body_req(&b[i], SL_DURABILITY_PERSISTED, i, false);
		assert_int_equal(sl_pipe_submit(&r->pc, &q), 1);
		if (i == 0) {
			/* Request 0 is sealed and times out before the drain. */
			sl_pipe_poll(&r->pc, true);
			r->core->now = t0 + ms_tsc(30);
			sl_pipe_poll(&r->pc, false);
			assert_int_equal(dlog.res[0], SL_PEND_TIMEOUT);
			r->core->now = t0;
		}
	}
	/* The worker needs 300 ms per batch: the drain gives up, the waiters are aborted. */
	assert_int_equal(sl_pipe_drain(&r->pc, 10), -ETIMEDOUT);
	assert_int_equal(dlog.total, 4);
	for (i = 1; i < 4; i++) {
		assert_int_equal(dlog.n[i], 1);
		assert_int_equal(dlog.res[i], SL_PEND_ABORTED);
	}
	assert_int_equal(dlog.n[0], 1);
	assert_int_equal(dlog.res[0], SL_PEND_TIMEOUT);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_PERSIST_FAILED], 3);
	/* A stopping core takes nothing new. */
	q = body_req(&b[0], SL_DURABILITY_RECEIVED, 0, false);
	assert_int_equal(sl_pipe_submit(&r->pc, &q), -EBUSY);
	/* The batches come back later: still exactly one answer each. */
	rig_finish(r);
	assert_int_equal(dlog.total, 4);
	for (i = 0; i < 4; i++)
		assert_int_equal(dlog.n[i], 1);
	assert_int_equal(r->core->ctr[SL_CTR_PIPE_DONE], 4);
	for (i = 0; i < 4; i++)
		body_free(&b[i]);
	assert_int_equal(sl_test_pool_in_use(), r->base_in_use);
	rig_cleanup(r);
}

/* ------------------------------------------------------------------ */

static int
setup(void **state)
{
	const char *src = getenv("SLUICE_SRC");
	char path[4096];
	unsigned s;

	(void)state;
	if (sl_test_eal_init() < 0) {
		fprintf(stderr, "cannot start the EAL\n");
		return -1;
	}
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		snprintf(path, sizeof(path), "%s/tests/data/%s", src ? src : ".",
		         sl_golden_name((enum sl_signal)s));
		gold[s].b = sl_golden_read_file(path, &gold[s].n);
		if (gold[s].b == NULL) {
			fprintf(stderr, "cannot read %s (SLUICE_SRC unset?)\n", path);
			return -1;
		}
	}
	return 0;
}

static int
teardown(void **state)
{
	unsigned s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		free(gold[s].b);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_zero_copy, rig_teardown),
	    cmocka_unit_test_teardown(test_copy, rig_teardown),
	    cmocka_unit_test_teardown(test_seal_bytes, rig_teardown),
	    cmocka_unit_test_teardown(test_seal_items, rig_teardown),
	    cmocka_unit_test_teardown(test_seal_age, rig_teardown),
	    cmocka_unit_test_teardown(test_seal_idle, rig_teardown),
	    cmocka_unit_test_teardown(test_persist_durable, rig_teardown),
	    cmocka_unit_test_teardown(test_persist_timeout, rig_teardown),
	    cmocka_unit_test_teardown(test_persist_failed, rig_teardown),
	    cmocka_unit_test_teardown(test_bound_inflight, rig_teardown),
	    cmocka_unit_test_teardown(test_bound_batches, rig_teardown),
	    cmocka_unit_test_teardown(test_bound_pending, rig_teardown),
	    cmocka_unit_test_teardown(test_bound_copy_bufs, rig_teardown),
	    cmocka_unit_test_teardown(test_empty, rig_teardown),
	    cmocka_unit_test_teardown(test_routes_split, rig_teardown),
	    cmocka_unit_test_teardown(test_drain_waiters, rig_teardown),
	    cmocka_unit_test_teardown(test_drain_abort, rig_teardown),
	};

	return cmocka_run_group_tests_name("pipeline", tests, setup, teardown);
}
