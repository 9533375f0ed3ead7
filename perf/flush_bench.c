/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark: a flush worker's cost per batch (zstd from slices + segment append), per level. */

/*
 * What one flush core can take: batches of ~1 MiB of raw OTLP (ExportTrace
 * requests of 100 spans from sluice-gen's profile: 5 attributes of 10-byte
 * values, fresh random ids, 50 services, 20 hosts), cut into 1448-byte
 * slices as TCP segments deliver them, compressed with sl_seg_compress
 * (zstd streaming over the slices, as dataplane/flush/worker.c does) and
 * appended to a segment store with sl_seg_append, at zstd levels -5, 1
 * and 3, with store.fsync none (page cache) and batch (one fdatasync per
 * batch: the persisted worst case, a group of one).
 *
 * Prints per configuration: raw MB/s of one core, TSC cycles per raw byte
 * and per span, compression ratio. The raw MB/s with fsync none is the
 * figure issue 5 sets a goal for (400 MB/s of raw OTLP per flush core at
 * level 1); fsync batch adds the disk's flush latency, which depends on the
 * device, not on sluice.
 *
 *   ninja -C build perf/flush_bench && taskset -c 1 build/perf/flush_bench [DIR]
 *
 * DIR (default /var/tmp) is where the temporary store goes: use the disk
 * the store would live on.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "bench_clock.h"

#include "flush/segment.h"
#include "gen/profile.h"

#define MSS          1448
#define BATCH_BYTES  (1u << 20)
#define N_BATCHES    40 /* distinct batches (fresh ids in each) */
#define ROUNDS       3  /* passes over them; the best is kept */

struct batch {
	struct iovec *iov;
	int n;
	uint32_t raw;
	uint32_t spans;
};

/* A batch: whole requests back to back up to ~1 MiB, cut into MSS-sized slices. */
static int
make_batch(struct sl_gen_render *r, const struct sl_gen_profile *p, struct batch *b)
{
	uint8_t *mem = malloc(BATCH_BYTES + p->wire_cap), *tmp = malloc(p->wire_cap);
	bool primed = false;
	uint32_t off = 0, i;

	if (mem == NULL || tmp == NULL)
		return -ENOMEM;
	b->spans = 0;
	while (off + p->len <= BATCH_BYTES) {
		const uint8_t *body;
		size_t len;

		if (sl_gen_render_next(r, tmp, p->wire_cap, &primed, &body, &len) < 0)
			return -ENOSPC;
		memcpy(mem + off, body, len);
		off += (uint32_t)len;
		b->spans += sl_gen_profile_items(p);
	}
	free(tmp);
	b->raw = off;
	b->n = (int)((off + MSS - 1) / MSS);
	b->iov = calloc((size_t)b->n, sizeof(*b->iov));
	if (b->iov == NULL)
		return -ENOMEM;
	for (i = 0; i < (uint32_t)b->n; i++) {
		b->iov[i].iov_base = mem + (size_t)i * MSS;
		b->iov[i].iov_len = RTE_MIN((uint32_t)MSS, off - i * MSS);
	}
	return 0;
}

/* Gather slices in groups the compressor takes (it accepts any count; the writer 64). */
static int
run(const char *dir, struct batch *bs, int level, enum sl_seg_fsync fsync, double hz)
{
	struct sl_seg_writer_opts o = {.fsync = fsync};
	struct sl_seg_codec *c = sl_seg_codec_create(level);
	size_t cap = sl_seg_compress_bound(BATCH_BYTES + MSS);
	uint8_t *out = malloc(cap);
	char path[512];
	double best = 1e300, comp_best = 1e300;
	uint64_t raw = 0, comp = 0, spans = 0;
	int round, i, rc = 0;

	if (c == NULL || out == NULL)
		return -ENOMEM;
	for (round = 0; round < ROUNDS; round++) {
		struct sl_seg_writer *w;
		uint64_t t0, tc = 0, durable;

		snprintf(path, sizeof(path), "%s/sluice-flush-bench.%d.%d", dir, (int)getpid(),
		         round);
		w = sl_seg_writer_open(path, &o);
		if (w == NULL) {
			fprintf(stderr, "flush_bench: cannot open a store in %s: %s\n", path,
			        strerror(errno));
			return -errno;
		}
		raw = comp = spans = 0;
		t0 = rte_rdtsc();
		for (i = 0; i < N_BATCHES; i++) {
			struct sl_seg_rec_info info = {.signal = SL_SIGNAL_TRACES,
			                               .item_count = bs[i].spans};
			uint32_t comp_len, raw_len, dict_id;
			struct iovec pl;
			uint64_t c0 = rte_rdtsc();

			rc = sl_seg_compress(c, SL_SIGNAL_TRACES, bs[i].iov, bs[i].n, out, cap,
			                     &comp_len, &raw_len, &dict_id);
			tc += rte_rdtsc() - c0;
			if (rc < 0)
				break;
			info.raw_len = raw_len;
			info.dict_id = dict_id;
			pl.iov_base = out;
			pl.iov_len = comp_len;
			rc = sl_seg_append(w, &info, &pl, 1, NULL);
			if (rc == 0 && fsync == SL_SEG_FSYNC_BATCH)
				rc = sl_seg_sync(w, &durable);
			if (rc < 0)
				break;
			raw += raw_len;
			comp += comp_len;
			spans += bs[i].spans;
		}
		if ((double)(rte_rdtsc() - t0) < best)
			best = (double)(rte_rdtsc() - t0);
		if ((double)tc < comp_best)
			comp_best = (double)tc;
		sl_seg_writer_close(w);
		/* Remove the store: files first, then the directory. */
		{
			char cmd[600];

			snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
			if (system(cmd) != 0)
				fprintf(stderr, "flush_bench: could not remove %s\n", path);
		}
		if (rc < 0) {
			fprintf(stderr, "flush_bench: level %d: %s\n", level, strerror(-rc));
			break;
		}
	}
	printf("| %3d | %-5s | %8.0f | %6.2f | %7.0f | %8.0f | %5.2f |\n", level,
	       fsync == SL_SEG_FSYNC_NONE ? "none" : "batch", (double)raw / (best / hz) / 1e6,
	       best / (double)raw, best / (double)spans, (double)raw / (comp_best / hz) / 1e6,
	       (double)raw / (double)comp);
	sl_seg_codec_free(c);
	free(out);
	return rc;
}

int
main(int argc, char **argv)
{
	static const int levels[] = {-5, 1, 3};
	struct sl_gen_profile_conf pc = {.signal = SL_SIGNAL_TRACES, .items = 100, .attrs = 5,
	                                 .services = 50, .hosts = 20};
	const char *dir = argc > 1 ? argv[1] : "/var/tmp";
	struct batch bs[N_BATCHES];
	struct sl_gen_profile *p;
	struct sl_gen_render r;
	char err[256];
	double hz;
	unsigned i, f;

	p = sl_gen_profile_new(&pc, err, sizeof(err));
	if (p == NULL || sl_gen_render_init(&r, p, 42, 0) < 0) {
		fprintf(stderr, "flush_bench: %s\n", p == NULL ? err : "renderer");
		return 1;
	}
	for (i = 0; i < N_BATCHES; i++)
		if (make_batch(&r, p, &bs[i]) < 0) {
			fprintf(stderr, "flush_bench: out of memory\n");
			return 1;
		}
	hz = sl_bench_tsc_hz();
	printf("%d batches of %u raw bytes (%u spans of ~%zu B), %d-byte slices, store in %s, "
	       "TSC %.2f GHz\n\n",
	       N_BATCHES, bs[0].raw, bs[0].spans, p->len / sl_gen_profile_items(p), MSS, dir,
	       hz / 1e9);
	printf("| level | fsync | raw MB/s per core | cycles/byte | cycles/span | zstd-only MB/s "
	       "| ratio |\n|---|---|---|---|---|---|---|\n");
	for (f = 0; f < 2; f++)
		for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
			if (run(dir, bs, levels[i], f ? SL_SEG_FSYNC_BATCH : SL_SEG_FSYNC_NONE,
			        hz) < 0)
				return 1;
	sl_gen_render_fini(&r);
	sl_gen_profile_free(p);
	return 0;
}
