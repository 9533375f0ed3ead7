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

struct worker {
	struct sl_flush *fl;
	uint32_t idx;
	uint16_t cpu;
	pthread_t thr;
	bool started;
	struct rte_ring *ring;
	struct sl_seg_writer *w;
	struct sl_seg_codec *codec;
	uint8_t *out;
	size_t out_cap;
	struct iovec *iov;
	uint32_t iov_cap;
	struct sl_stats_core *stats;
	uint64_t ctr[SL_CTR_MAX];
	uint64_t drop[SL_DROP_MAX];
	char dir[SL_PATH_LEN + 32];
};

struct sl_flush {
	const struct sl_config *cfg;
	uint32_t n;
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
	const struct sl_seg_stats *st = sl_seg_writer_stats(wk->w);

	wk->ctr[SL_CTR_FLUSH_TORN_TAILS] = st->torn_tails;
	wk->ctr[SL_CTR_FLUSH_TORN_BYTES] = st->torn_bytes;
	wk->ctr[SL_CTR_FLUSH_ROTATIONS] = st->rotations;
	wk->ctr[SL_CTR_FLUSH_RETAIN_FILES] = st->retention_files;
	wk->ctr[SL_CTR_FLUSH_SYNCS] = st->syncs;
}

static void
publish(struct worker *wk)
{
	if (wk->stats == NULL)
		return;
	stats_from_store(wk);
	sl_stats_core_publish(wk->stats, wk->ctr, wk->drop, rte_rdtsc());
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
		wk->w = sl_seg_writer_open(wk->dir, &o);
		if (wk->w == NULL) {
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
		wk->ctr[SL_CTR_FLUSH_DURABLE_POS] = sl_seg_writer_pos(wk->w);
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

/* Compress and append one batch; sets b->status and b->store_end. */
static void
write_batch(struct worker *wk, struct sl_batch *b)
{
	struct sl_seg_rec_info info = {0};
	struct iovec payload;
	uint32_t comp_len = 0, raw_len = 0, dict_id = 0, i;
	uint64_t t0, t1, end = 0;
	int rc;

	if (b->n > wk->iov_cap) {
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
	info.route_id = b->route_id;
	info.item_count = b->items;
	info.raw_len = raw_len;
	info.dict_id = dict_id;
	info.first_recv_ns = b->first_ns;
	info.last_recv_ns = b->last_ns;
	payload.iov_base = wk->out;
	payload.iov_len = comp_len;
	rc = sl_seg_append(wk->w, &info, &payload, 1, &end);
	wk->ctr[SL_CTR_FLUSH_WRITE_CYCLES] += rte_rdtsc() - t1;
	if (rc < 0) {
		b->status = rc;
		return;
	}
	b->status = 0;
	b->store_end = end;
	wk->ctr[SL_CTR_FLUSH_RECORDS]++;
	wk->ctr[SL_CTR_FLUSH_ITEMS] += b->items;
	wk->ctr[SL_CTR_FLUSH_RAW_BYTES] += raw_len;
	wk->ctr[SL_CTR_FLUSH_COMP_BYTES] += comp_len;
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
	uint64_t idle_ns = IDLE_SLEEP_MIN_NS, durable, t0, now;
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
				sl_seg_retain(wk->w);
			}
			sleep_ns(idle_ns);
			idle_ns = RTE_MIN(idle_ns * 2, (uint64_t)IDLE_SLEEP_MAX_NS);
			continue;
		}
		idle_ns = IDLE_SLEEP_MIN_NS;
		wk->ctr[SL_CTR_FLUSH_BATCHES] += n;
		for (i = 0; i < n; i++) {
			if (delay_ns != 0) {
				t0 = rte_rdtsc();
				sleep_ns(delay_ns);
				wk->ctr[SL_CTR_FLUSH_DELAY_CYCLES] += rte_rdtsc() - t0;
			}
			write_batch(wk, b[i]);
		}
		/*
		 * Group commit: one fdatasync for the burst. In the other modes nobody
		 * waits for it (persisted needs batch): interval syncs inside append.
		 */
		rc = 0;
		durable = UINT64_MAX;
		if (cfg->store.fsync == SL_STORE_FSYNC_BATCH) {
			t0 = rte_rdtsc();
			rc = sl_seg_sync(wk->w, &durable);
			wk->ctr[SL_CTR_FLUSH_SYNC_CYCLES] += rte_rdtsc() - t0;
			if (rc == 0)
				wk->ctr[SL_CTR_FLUSH_DURABLE_POS] = durable;
		}
		for (i = 0; i < n; i++) {
			if (b[i]->status == 0 && (rc < 0 || b[i]->store_end > durable))
				b[i]->status = rc < 0 ? rc : -EIO;
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
	uint32_t i;

	if (fl == NULL)
		return;
	for (i = 0; i < SL_MAX_FLUSH; i++) {
		struct worker *wk = &fl->w[i];

		if (wk->started)
			continue; /* never stopped: leave it its memory */
		if (wk->w != NULL) {
			int rc = sl_seg_writer_close(wk->w);

			if (rc < 0)
				SL_LOG(ERR, "store %s: final sync failed: %s", wk->dir,
				       strerror(-rc));
		}
		sl_seg_codec_free(wk->codec);
		rte_ring_free(wk->ring);
		free(wk->out);
		free(wk->iov);
	}
	free(fl);
}
