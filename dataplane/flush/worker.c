/* SPDX-License-Identifier: BSD-3-Clause */
/* Flush workers: threads off the poll cores that compress sealed batches into the segment store. */

/*
 * Design
 * ------
 * A flush worker is a thread pinned to a CPU that does not poll (syscalls
 * and sleeping are fine here, never on a poll core). It owns one store,
 * <store.dir>/worker-<i>/, so appends need no lock and one fdatasync
 * commits everything it wrote since the last one (group commit across
 * requests and poll cores):
 *
 *   ring (MP/SC) --burst--> for each batch: slices -> zstd frame -> pwritev
 *                           fdatasync once (store.fsync: batch)
 *                           for each batch: free the slices' mbuf references,
 *                           status -> completion ring of the owning core
 *
 * Routes and fan-out: a batch carries its route's stable id (written into
 * the record) and up to SL_ROUTE_SINKS_MAX sink numbers of its core's sink
 * registry (sl_flush_sink_number: number 0 is store.dir). Each worker writes
 * <sink>/worker-<i>/ for each, opening a directory's store the first time a
 * batch names it (store.dir's at start) and keeping it open: one writer per
 * directory whichever cores and routes name it. The frame is compressed once
 * and appended to every sink; the batch is durable when every one of them
 * is synced. Workers never read the control plane's table images: routes
 * may change every millisecond while batches are in the rings.
 *
 * zstd reads the slices in place (one frame per batch, streaming over the
 * iovecs), so the only copy of the OTLP bytes is the compressed output.
 * The frame buffer is sized once for the largest batch a core can seal
 * (max(seal_bytes, http.max_body_bytes)), so a batch never fails for size.
 *
 * A failed write or compression marks the batch's status; the core answers
 * its waiting requests 503, so nothing acknowledged in persisted mode is
 * lost. After a failed fdatasync the writer refuses every later write
 * (see segment.c): the worker keeps taking batches and failing them, which
 * keeps the poll cores' memory bounded and their clients informed.
 *
 * Measured (`taskset -c 1 build/perf/flush_bench`, 1 MiB batches of 1448-byte slices):
 * 1,495 MB/s of raw OTLP per flush core at zstd level 1 (1.74 cycles per byte, ratio 6.7 on
 * generated spans), 2,685 at level -5, 683 at level 3; an fdatasync after every batch brings
 * level 1 to 1,002 MB/s on this machine's virtio disk.
 *
 * Idle workers sleep with an exponential backoff from 20 us to 500 us:
 * at most half a millisecond added to a persisted response, no CPU burnt
 * on a core the main lcore may share. Rejected: one ring per (core,
 * worker) pair (SP/SC, cheaper enqueue): a core would have to search
 * n_flush rings for room, and MP enqueue costs one CAS per batch, not per
 * request.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "flush/segment.h"
#include "flush/worker.h"
#include "log.h"
#include "pipeline/batch_types.h"
#include "stats_map.h"

#define FLUSH_BURST       16
#define IDLE_SLEEP_MIN_NS 20000u
#define IDLE_SLEEP_MAX_NS 500000u
#define RETAIN_EVERY_S    10

/* What one batch of a burst went to: the writers and the position past its record in each. */
struct batch_sinks {
	uint8_t n;
	uint8_t wi[SL_ROUTE_SINKS_MAX]; /* indices into the burst's touched writers */
	uint64_t end[SL_ROUTE_SINKS_MAX];
};

/* Writers a worker keeps open: distinct sink directories over its lifetime. */
#define WORKER_STORES_MAX 256

struct store {
	struct sl_seg_writer *w;
	bool failed; /* open failed: logged once, batches naming it fail */
	char dir[SL_PATH_LEN];
};

struct worker {
	struct sl_flush *fl;
	uint32_t idx;
	uint16_t cpu;
	pthread_t thr;
	bool started;
	struct rte_ring *ring;
	/* st[0] is <store.dir>/worker-<idx>, opened at start; others on first use */
	struct store st[WORKER_STORES_MAX];
	uint32_t n_st;
	/* [core][sink number]: index + 1 into st[]; 0 until first resolved */
	uint16_t map[SL_MAX_POLL][SL_FLUSH_SINKS_MAX];
	/* writers appended to in the current burst, and their group commit's outcome */
	struct sl_seg_writer *touched[FLUSH_BURST * SL_ROUTE_SINKS_MAX];
	int touched_rc[FLUSH_BURST * SL_ROUTE_SINKS_MAX];
	uint64_t touched_durable[FLUSH_BURST * SL_ROUTE_SINKS_MAX];
	uint32_t n_touched;
	struct batch_sinks bs[FLUSH_BURST];
	struct sl_seg_writer_opts wopts;
	struct sl_seg_codec *codec;
	uint8_t *out;
	size_t out_cap;
	struct iovec *iov;
	uint32_t iov_cap;
	struct sl_stats_core *stats;
	uint64_t ctr[SL_CTR_MAX];
	uint64_t drop[SL_DROP_MAX];
	char dir[SL_PATH_LEN + 32]; /* <store.dir>/worker-<idx> */
};

/* One poll core's sink registry: written by the core only. */
struct sink_reg {
	uint32_t n; /* entries in use: stored with release after the entry */
	uint32_t hash[SL_FLUSH_SINKS_MAX];
	char dir[SL_FLUSH_SINKS_MAX][SL_PATH_LEN];
};

struct sl_flush {
	const struct sl_config *cfg;
	uint32_t n;
	bool started;
	struct sink_reg reg[SL_MAX_POLL];
	struct worker w[SL_MAX_FLUSH];
	struct rte_ring *done[SL_MAX_POLL];
	volatile int quit;
};

static int
mkdir_p(const char *path)
{
	char buf[SL_PATH_LEN + 32];
	size_t i;

	snprintf(buf, sizeof(buf), "%s", path);
	for (i = 1; buf[i] != '\0'; i++) {
		if (buf[i] != '/')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0750) < 0 && errno != EEXIST)
			return -errno;
		buf[i] = '/';
	}
	if (mkdir(buf, 0750) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

static void
stats_from_store(struct worker *wk)
{
	uint64_t torn = 0, torn_bytes = 0, rot = 0, ret = 0, syncs = 0;
	uint32_t i;

	for (i = 0; i < wk->n_st; i++) {
		const struct sl_seg_stats *st;

		if (wk->st[i].w == NULL)
			continue;
		st = sl_seg_writer_stats(wk->st[i].w);
		torn += st->torn_tails;
		torn_bytes += st->torn_bytes;
		rot += st->rotations;
		ret += st->retention_files;
		syncs += st->syncs;
	}
	wk->ctr[SL_CTR_FLUSH_TORN_TAILS] = torn;
	wk->ctr[SL_CTR_FLUSH_TORN_BYTES] = torn_bytes;
	wk->ctr[SL_CTR_FLUSH_ROTATIONS] = rot;
	wk->ctr[SL_CTR_FLUSH_RETAIN_FILES] = ret;
	wk->ctr[SL_CTR_FLUSH_SYNCS] = syncs;
}

/*
 * The store of sink number num of poll core core for this worker, opened
 * the first time a batch names its directory (<dir>/worker-<idx>/, torn
 * tail cut). NULL if it cannot be opened (logged once per directory).
 */
static struct sl_seg_writer *
writer_of(struct worker *wk, uint32_t core, uint32_t num)
{
	char dir[SL_PATH_LEN + 32];
	const char *sink;
	struct store *st;
	uint32_t i;
	int rc = 0;

	if (core >= SL_MAX_POLL || num >= SL_FLUSH_SINKS_MAX)
		return NULL;
	if (wk->map[core][num] != 0)
		return wk->st[wk->map[core][num] - 1].w;
	sink = sl_flush_sink_dir(wk->fl, core, num);
	if (sink == NULL)
		return NULL;
	for (i = 0; i < wk->n_st; i++)
		if (strcmp(wk->st[i].dir, sink) == 0)
			break;
	if (i == wk->n_st) {
		if (wk->n_st == WORKER_STORES_MAX) {
			SL_LOG(ERR, "flush worker %u: more than %u sink directories; %s goes to %s",
			       wk->idx, WORKER_STORES_MAX, sink, wk->dir);
			i = 0;
			goto found;
		}
		st = &wk->st[wk->n_st++];
		snprintf(st->dir, sizeof(st->dir), "%s", sink);
		snprintf(dir, sizeof(dir), "%s/worker-%u", sink, wk->idx);
		rc = mkdir_p(dir);
		if (rc == 0) {
			st->w = sl_seg_writer_open(dir, &wk->wopts);
			rc = st->w == NULL ? -errno : 0;
		}
		if (rc < 0) {
			st->failed = true;
			SL_LOG(ERR, "flush worker %u: cannot open the segment store %s: %s", wk->idx,
			       dir, strerror(-rc));
		}
	}
found:
	wk->map[core][num] = (uint16_t)(i + 1);
	return wk->st[i].w;
}

static uint32_t
fnv1a(const char *p, size_t len)
{
	uint32_t h = 2166136261u;

	while (len--)
		h = (h ^ (uint8_t)*p++) * 16777619u;
	return h;
}

int
sl_flush_sink_number(struct sl_flush *fl, uint32_t core_idx, const char *dir, size_t len)
{
	struct sink_reg *r;
	uint32_t h, i, n;

	if (fl == NULL || core_idx >= SL_MAX_POLL || dir == NULL || len == 0)
		return -EINVAL;
	if (len >= SL_PATH_LEN)
		return -ENAMETOOLONG;
	r = &fl->reg[core_idx];
	h = fnv1a(dir, len);
	n = r->n; /* the core is the only writer */
	for (i = 0; i < n; i++)
		if (r->hash[i] == h && strncmp(r->dir[i], dir, len) == 0 && r->dir[i][len] == '\0')
			return (int)i;
	if (n == SL_FLUSH_SINKS_MAX)
		return -ENOSPC;
	memcpy(r->dir[n], dir, len);
	r->dir[n][len] = '\0';
	r->hash[n] = h;
	/* Release: a worker that sees a batch naming n sees its bytes (the ring orders it too). */
	__atomic_store_n(&r->n, n + 1, __ATOMIC_RELEASE);
	return (int)n;
}

const char *
sl_flush_sink_dir(const struct sl_flush *fl, uint32_t core_idx, uint32_t num)
{
	if (fl == NULL || core_idx >= SL_MAX_POLL ||
	    num >= __atomic_load_n(&fl->reg[core_idx].n, __ATOMIC_ACQUIRE))
		return NULL;
	return fl->reg[core_idx].dir[num];
}

static void
publish(struct worker *wk)
{
	if (wk->stats == NULL)
		return;
	stats_from_store(wk);
	sl_stats_core_publish(wk->stats, wk->ctr, wk->drop, NULL, rte_rdtsc());
}

struct sl_flush *
sl_flush_create(const struct sl_config *cfg, struct sl_stats_core **stats, char *err,
                size_t errlen)
{
	static const enum sl_seg_fsync fsync_map[] = {
	    [SL_STORE_FSYNC_NONE] = SL_SEG_FSYNC_NONE,
	    [SL_STORE_FSYNC_INTERVAL] = SL_SEG_FSYNC_INTERVAL,
	    [SL_STORE_FSYNC_BATCH] = SL_SEG_FSYNC_BATCH,
	};
	struct sl_seg_writer_opts o = {0};
	struct sl_flush *fl;
	char dicts[SL_PATH_LEN + 16], name[RTE_RING_NAMESIZE];
	size_t biggest;
	uint32_t i;
	int rc;

	fl = calloc(1, sizeof(*fl));
	if (fl == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	fl->cfg = cfg;
	fl->n = cfg->pipeline.n_flush;
	o.file_max_bytes = cfg->store.file_max_bytes;
	o.file_max_age_ns = (uint64_t)cfg->store.file_max_age_s * 1000000000u;
	o.retain_bytes = cfg->store.retain_bytes;
	o.retain_age_ns = (uint64_t)cfg->store.retain_age_s * 1000000000u;
	o.fsync = fsync_map[cfg->store.fsync];
	o.fsync_interval_ns = (uint64_t)cfg->store.fsync_interval_ms * 1000000u;
	biggest = RTE_MAX(cfg->pipeline.seal_bytes, cfg->http.max_body_bytes);
	for (i = 0; i < SL_MAX_POLL; i++)
		if (sl_flush_sink_number(fl, i, cfg->store.dir, strlen(cfg->store.dir)) != 0) {
			snprintf(err, errlen, "store.dir is too long");
			goto fail;
		}
	snprintf(dicts, sizeof(dicts), "%s/dicts", cfg->store.dir);
	for (i = 0; i < fl->n; i++) {
		struct worker *wk = &fl->w[i];

		wk->fl = fl;
		wk->idx = i;
		wk->cpu = cfg->pipeline.flush_lcores[i];
		wk->stats = stats != NULL ? stats[i] : NULL;
		snprintf(wk->dir, sizeof(wk->dir), "%s/worker-%u", cfg->store.dir, i);
		rc = mkdir_p(wk->dir);
		if (rc < 0) {
			snprintf(err, errlen, "cannot create store directory %s: %s", wk->dir,
			         strerror(-rc));
			goto fail;
		}
		wk->wopts = o;
		snprintf(wk->st[0].dir, sizeof(wk->st[0].dir), "%s", cfg->store.dir);
		wk->n_st = 1;
		wk->st[0].w = sl_seg_writer_open(wk->dir, &o);
		if (wk->st[0].w == NULL) {
			snprintf(err, errlen, "cannot open the segment store %s: %s", wk->dir,
			         strerror(errno));
			goto fail;
		}
		wk->codec = sl_seg_codec_create(cfg->pipeline.zstd_level);
		if (wk->codec == NULL) {
			snprintf(err, errlen, "cannot create a zstd context at level %d: %s",
			         cfg->pipeline.zstd_level, strerror(errno));
			goto fail;
		}
		if (cfg->store.dictionaries) {
			rc = sl_seg_codec_load_dicts(wk->codec, dicts);
			if (rc < 0) {
				snprintf(err, errlen, "cannot load dictionaries from %s: %s",
				         dicts, strerror(-rc));
				goto fail;
			}
			if (i == 0)
				SL_LOG(NOTICE, "store: %d dictionar%s loaded from %s", rc,
				       rc == 1 ? "y" : "ies", dicts);
		}
		wk->out_cap = sl_seg_compress_bound(biggest);
		wk->out = malloc(wk->out_cap);
		wk->iov_cap = cfg->pipeline.batch_slices;
		wk->iov = calloc(wk->iov_cap, sizeof(*wk->iov));
		snprintf(name, sizeof(name), "sl_flush_%u", i);
		wk->ring = rte_ring_create(name, cfg->pipeline.ring_size, SOCKET_ID_ANY,
		                           RING_F_SC_DEQ);
		if (wk->out == NULL || wk->iov == NULL || wk->ring == NULL) {
			snprintf(err, errlen, "out of memory for flush worker %u", i);
			goto fail;
		}
		stats_from_store(wk);
		wk->ctr[SL_CTR_FLUSH_DURABLE_POS] = sl_seg_writer_pos(wk->st[0].w);
		if (wk->ctr[SL_CTR_FLUSH_TORN_TAILS] != 0)
			SL_LOG(WARNING, "store %s: cut %" PRIu64 " torn record(s), %" PRIu64
			       " bytes, at start", wk->dir, wk->ctr[SL_CTR_FLUSH_TORN_TAILS],
			       wk->ctr[SL_CTR_FLUSH_TORN_BYTES]);
		publish(wk);
	}
	return fl;
fail:
	sl_flush_free(fl);
	return NULL;
}

int
sl_flush_attach(struct sl_flush *fl, uint32_t core_idx, struct rte_ring *done)
{
	if (fl == NULL || core_idx >= SL_MAX_POLL)
		return -EINVAL;
	fl->done[core_idx] = done;
	return 0;
}

int
sl_flush_enqueue(struct sl_flush *fl, uint32_t *rr, struct sl_batch *b)
{
	uint32_t i, k;

	for (i = 0; i < fl->n; i++) {
		k = (*rr + i) % fl->n;
		if (rte_ring_mp_enqueue(fl->w[k].ring, b) == 0) {
			*rr = k + 1;
			return 0;
		}
	}
	return -ENOBUFS;
}

/* Index of w among the burst's touched writers, adding it. */
static uint8_t
touch(struct worker *wk, struct sl_seg_writer *w)
{
	uint32_t i;

	for (i = 0; i < wk->n_touched; i++)
		if (wk->touched[i] == w)
			return (uint8_t)i;
	wk->touched[wk->n_touched] = w;
	return (uint8_t)wk->n_touched++;
}

/*
 * Compress batch b once and append the record to every sink of its route;
 * sets b->status (0, or the first error) and *bs (where it went).
 */
static void
write_batch(struct worker *wk, struct sl_batch *b, struct batch_sinks *bs)
{
	struct sl_seg_rec_info info = {0};
	struct iovec payload;
	uint32_t comp_len = 0, raw_len = 0, dict_id = 0, i, k;
	uint64_t t0, t1, end = 0;
	int rc;

	bs->n = 0;
	if (b->n > wk->iov_cap || b->bind.n_sinks == 0 || b->bind.n_sinks > SL_ROUTE_SINKS_MAX) {
		b->status = -E2BIG;
		return;
	}
	for (i = 0; i < b->n; i++) {
		wk->iov[i].iov_base = rte_pktmbuf_mtod_offset(b->s[i].m, void *, b->s[i].off);
		wk->iov[i].iov_len = b->s[i].len;
	}
	t0 = rte_rdtsc();
	rc = sl_seg_compress(wk->codec, (enum sl_signal)b->signal, wk->iov, (int)b->n, wk->out,
	                     wk->out_cap, &comp_len, &raw_len, &dict_id);
	t1 = rte_rdtsc();
	wk->ctr[SL_CTR_FLUSH_COMPRESS_CYCLES] += t1 - t0;
	if (rc < 0) {
		b->status = rc;
		return;
	}
	info.signal = (enum sl_signal)b->signal;
	info.route_id = b->bind.id;
	info.item_count = b->items;
	info.raw_len = raw_len;
	info.dict_id = dict_id;
	info.first_recv_ns = b->first_ns;
	info.last_recv_ns = b->last_ns;
	payload.iov_base = wk->out;
	payload.iov_len = comp_len;
	b->status = 0;
	for (k = 0; k < b->bind.n_sinks; k++) {
		struct sl_seg_writer *w = writer_of(wk, b->core, b->bind.sink[k]);

		rc = w != NULL ? sl_seg_append(w, &info, &payload, 1, &end) : -EIO;
		if (rc < 0) {
			if (b->status == 0)
				b->status = rc;
			continue;
		}
		bs->wi[bs->n] = touch(wk, w);
		bs->end[bs->n++] = end;
		wk->ctr[SL_CTR_FLUSH_RECORDS]++;
		wk->ctr[SL_CTR_FLUSH_COMP_BYTES] += comp_len;
	}
	wk->ctr[SL_CTR_FLUSH_WRITE_CYCLES] += rte_rdtsc() - t1;
	if (b->status == 0) {
		wk->ctr[SL_CTR_FLUSH_ITEMS] += b->items;
		wk->ctr[SL_CTR_FLUSH_RAW_BYTES] += raw_len;
	}
}

/* Every store of every route this worker opened, for retention by age. */
static void
retain_all(struct worker *wk)
{
	uint32_t i;

	for (i = 0; i < wk->n_st; i++)
		if (wk->st[i].w != NULL)
			sl_seg_retain(wk->st[i].w);
}

static void
sleep_ns(uint64_t ns)
{
	struct timespec ts = {.tv_sec = (time_t)(ns / 1000000000u),
	                      .tv_nsec = (long)(ns % 1000000000u)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void *
worker_main(void *arg)
{
	struct worker *wk = arg;
	struct sl_flush *fl = wk->fl;
	const struct sl_config *cfg = fl->cfg;
	uint64_t hz = rte_get_tsc_hz();
	uint64_t publish_every = hz / 1000 * cfg->dataplane.stats_interval_ms;
	uint64_t next_publish = 0, next_retain = rte_rdtsc() + hz * RETAIN_EVERY_S;
	uint64_t delay_ns = (uint64_t)cfg->test.flush_delay_ms * 1000000u;
	uint64_t idle_ns = IDLE_SLEEP_MIN_NS, t0, now;
	struct sl_batch *b[FLUSH_BURST];
	char tname[16];
	unsigned n, i, k;
	int rc;

	snprintf(tname, sizeof(tname), "sl-flush-%u", wk->idx);
	pthread_setname_np(pthread_self(), tname);
	/* A registered thread gets an lcore id, hence mempool caches for the frees below. */
	rte_thread_register();
	for (;;) {
		n = rte_ring_sc_dequeue_burst(wk->ring, (void **)b, FLUSH_BURST, NULL);
		now = rte_rdtsc();
		if (now >= next_publish) {
			next_publish = now + publish_every;
			publish(wk);
		}
		if (n == 0) {
			if (__atomic_load_n(&fl->quit, __ATOMIC_ACQUIRE))
				break;
			if (now >= next_retain) {
				next_retain = now + hz * RETAIN_EVERY_S;
				retain_all(wk);
			}
			sleep_ns(idle_ns);
			idle_ns = RTE_MIN(idle_ns * 2, (uint64_t)IDLE_SLEEP_MAX_NS);
			continue;
		}
		idle_ns = IDLE_SLEEP_MIN_NS;
		wk->ctr[SL_CTR_FLUSH_BATCHES] += n;
		wk->n_touched = 0;
		for (i = 0; i < n; i++) {
			if (delay_ns != 0) {
				t0 = rte_rdtsc();
				sleep_ns(delay_ns);
				wk->ctr[SL_CTR_FLUSH_DELAY_CYCLES] += rte_rdtsc() - t0;
			}
			write_batch(wk, b[i], &wk->bs[i]);
		}
		/*
		 * Group commit: one fdatasync per store written in this burst. In the
		 * other modes nobody waits for it (persisted needs batch): interval
		 * syncs inside append.
		 */
		for (k = 0; k < wk->n_touched; k++) {
			wk->touched_rc[k] = 0;
			wk->touched_durable[k] = UINT64_MAX;
			if (cfg->store.fsync != SL_STORE_FSYNC_BATCH)
				continue;
			t0 = rte_rdtsc();
			wk->touched_rc[k] = sl_seg_sync(wk->touched[k], &wk->touched_durable[k]);
			wk->ctr[SL_CTR_FLUSH_SYNC_CYCLES] += rte_rdtsc() - t0;
			if (wk->touched_rc[k] == 0 && wk->touched[k] == wk->st[0].w)
				wk->ctr[SL_CTR_FLUSH_DURABLE_POS] = wk->touched_durable[k];
		}
		for (i = 0; i < n; i++) {
			const struct batch_sinks *bs = &wk->bs[i];

			for (k = 0; k < bs->n && b[i]->status == 0; k++) {
				rc = wk->touched_rc[bs->wi[k]];
				if (rc < 0 || bs->end[k] > wk->touched_durable[bs->wi[k]])
					b[i]->status = rc < 0 ? rc : -EIO;
			}
			if (b[i]->status != 0)
				wk->ctr[SL_CTR_FLUSH_ERRORS]++;
			for (k = 0; k < b[i]->n; k++)
				rte_pktmbuf_free(b[i]->s[k].m);
			b[i]->n = 0;
			/* The ring holds every descriptor of the core: it cannot be full. */
			while (rte_ring_mp_enqueue(fl->done[b[i]->core], b[i]) != 0)
				sleep_ns(IDLE_SLEEP_MIN_NS);
		}
	}
	publish(wk);
	rte_thread_unregister();
	return NULL;
}

int
sl_flush_start(struct sl_flush *fl)
{
	uint32_t i;
	int rc;

	fl->started = true;
	for (i = 0; i < fl->n; i++) {
		struct worker *wk = &fl->w[i];
		cpu_set_t set;

		rc = pthread_create(&wk->thr, NULL, worker_main, wk);
		if (rc != 0)
			return -rc;
		wk->started = true;
		CPU_ZERO(&set);
		CPU_SET(wk->cpu, &set);
		rc = pthread_setaffinity_np(wk->thr, sizeof(set), &set);
		if (rc != 0)
			SL_LOG(WARNING, "flush worker %u: cannot pin to CPU %u: %s", i, wk->cpu,
			       strerror(rc));
	}
	return 0;
}

void
sl_flush_stop(struct sl_flush *fl)
{
	uint32_t i;

	if (fl == NULL)
		return;
	__atomic_store_n(&fl->quit, 1, __ATOMIC_RELEASE);
	for (i = 0; i < fl->n; i++) {
		if (!fl->w[i].started)
			continue;
		pthread_join(fl->w[i].thr, NULL);
		fl->w[i].started = false;
	}
}

void
sl_flush_free(struct sl_flush *fl)
{
	uint32_t i, k;

	if (fl == NULL)
		return;
	for (i = 0; i < SL_MAX_FLUSH; i++) {
		struct worker *wk = &fl->w[i];

		if (wk->started)
			continue; /* never stopped: leave it its memory */
		for (k = 0; k < wk->n_st; k++) {
			int rc;

			if (wk->st[k].w == NULL)
				continue;
			rc = sl_seg_writer_close(wk->st[k].w);
			if (rc < 0)
				SL_LOG(ERR, "sink %s: final sync failed: %s", wk->st[k].dir,
				       strerror(-rc));
		}
		sl_seg_codec_free(wk->codec);
		rte_ring_free(wk->ring);
		free(wk->out);
		free(wk->iov);
	}
	free(fl);
}
