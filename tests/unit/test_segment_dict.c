/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the segment codec's zstd dictionaries: loading, choosing, round trips, refusals. */
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>
#include <zdict.h>

#include "../data/golden.h"
#include "flush/segment.h"
#include "proto/otlp_walk.h"

static uint8_t *gold[SL_SIGNAL_MAX];
static size_t gold_len[SL_SIGNAL_MAX];
static char dir[64];

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

/*
 * Trains a dictionary for sig from its golden's Resource entries, each
 * varied by one byte per copy (as the CLI samples them), so zstd has enough
 * samples; salt makes a different dictionary (another id). Returns its size.
 */
static size_t
train(enum sl_signal sig, uint8_t salt, uint8_t *dict, size_t cap)
{
	struct sl_otlp_entry ents[16];
	struct sl_otlp_walk_result res = {.entries = ents, .max_entries = 16};
	static uint8_t cat[1 << 20];
	size_t sizes[256], total = 0, got;
	unsigned int n = 0, i, k;

	assert_int_equal(sl_otlp_walk_buf(sig, gold[sig], (uint32_t)gold_len[sig], NULL, &res), 0);
	for (k = 0; k < 40; k++) {
		for (i = 0; i < res.n_entries && n < 256; i++, n++) {
			memcpy(cat + total, gold[sig] + ents[i].off, ents[i].len);
			cat[total + ents[i].len - 1] ^= (uint8_t)(k + salt);
			sizes[n] = ents[i].len;
			total += ents[i].len;
		}
	}
	got = ZDICT_trainFromBuffer(dict, cap, cat, sizes, n);
	assert_false(ZDICT_isError(got));
	return got;
}

/* Writes dict as dir/<sig>-<id>.zdict with the given mtime; returns the id. */
static uint32_t
put_dict(const char *d, enum sl_signal sig, const uint8_t *dict, size_t len, time_t mtime)
{
	uint32_t id = ZDICT_getDictID(dict, len);
	struct timespec ts[2] = {{mtime, 0}, {mtime, 0}};
	char path[128];
	FILE *f;

	assert_int_not_equal(id, 0);
	snprintf(path, sizeof(path), "%s/%s-%u.zdict", d, sl_signal_name(sig), id);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(dict, 1, len, f), len);
	fclose(f);
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	return id;
}

static int
setup(void **state)
{
	const char *src = getenv("SLUICE_SRC");
	char path[4200];
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		snprintf(path, sizeof(path), "%s/tests/data/%s", src ? src : ".",
		         sl_golden_name((enum sl_signal)s));
		gold[s] = sl_golden_read_file(path, &gold_len[s]);
		if (gold[s] == NULL)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		free(gold[s]);
	return 0;
}

static int
mkdir_each(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/sluice-test-dict-%d", (int)getpid());
	return mkdir(dir, 0700);
}

static int
rmdir_each(void **state)
{
	(void)state;
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
	return 0;
}

/* Compresses sig's golden with c; fills rec as the writer would. */
static void
pack(struct sl_seg_codec *c, enum sl_signal sig, uint8_t *z, size_t cap, struct sl_seg_rec *rec)
{
	struct iovec v[2] = {{gold[sig], 100}, {gold[sig] + 100, gold_len[sig] - 100}};

	memset(rec, 0, sizeof(*rec));
	rec->signal = sig;
	assert_int_equal(
	    sl_seg_compress(c, sig, v, 2, z, cap, &rec->comp_len, &rec->raw_len, &rec->dict_id), 0);
	assert_int_equal(rec->raw_len, gold_len[sig]);
}

static void
round_trip_with_and_without(void **state)
{
	static uint8_t dict[8192], z[1 << 16], out[1 << 16];
	struct sl_seg_codec *c = sl_seg_codec_create(3), *plain = sl_seg_codec_create(3);
	struct sl_seg_rec rec, rec0;
	char missing[128];
	uint32_t id;

	(void)state;
	assert_non_null(c);
	assert_non_null(plain);
	/* A missing directory is no dictionaries, not an error. */
	snprintf(missing, sizeof(missing), "%s/none", dir);
	assert_int_equal(sl_seg_codec_load_dicts(c, missing), 0);
	pack(c, SL_SIGNAL_TRACES, z, sizeof(z), &rec0);
	assert_int_equal(rec0.dict_id, 0);

	id = put_dict(dir, SL_SIGNAL_TRACES, dict, train(SL_SIGNAL_TRACES, 0, dict, sizeof(dict)),
	              1000);
	assert_int_equal(sl_seg_codec_load_dicts(c, dir), 1);
	assert_int_equal(sl_seg_codec_load_dicts(c, dir), 0); /* already loaded */
	assert_int_equal(sl_seg_codec_dict(c, SL_SIGNAL_TRACES), id);
	assert_int_equal(sl_seg_codec_dict(c, SL_SIGNAL_LOGS), 0);
	pack(c, SL_SIGNAL_TRACES, z, sizeof(z), &rec);
	assert_int_equal(rec.dict_id, id);
	assert_true(rec.comp_len < rec0.comp_len); /* the dictionary holds most of the golden */
	assert_int_equal(sl_seg_decompress(c, &rec, z, out, sizeof(out)), 0);
	assert_memory_equal(out, gold[SL_SIGNAL_TRACES], rec.raw_len);
	/* Without the dictionary: refused by id. A wrong id: refused too. */
	assert_int_equal(sl_seg_decompress(plain, &rec, z, out, sizeof(out)), -ENOTSUP);
	rec.dict_id = id + 1;
	assert_int_equal(sl_seg_decompress(c, &rec, z, out, sizeof(out)), -ENOTSUP);
	/* A header that drops the id: zstd sees the frame's own id and refuses. */
	rec.dict_id = 0;
	assert_int_equal(sl_seg_decompress(c, &rec, z, out, sizeof(out)), -EBADMSG);
	rec.dict_id = id;
	assert_int_equal(sl_seg_decompress(c, &rec, z, out, rec.raw_len - 1), -ENOBUFS);
	/* Other signals compress without; dictionary-less records still read with c. */
	pack(c, SL_SIGNAL_LOGS, z, sizeof(z), &rec);
	assert_int_equal(rec.dict_id, 0);
	assert_int_equal(sl_seg_decompress(c, &rec, z, out, sizeof(out)), 0);
	assert_memory_equal(out, gold[SL_SIGNAL_LOGS], rec.raw_len);
	/* Alternating signals keeps working (the context switches dictionaries per call). */
	pack(c, SL_SIGNAL_TRACES, z, sizeof(z), &rec);
	assert_int_equal(sl_seg_decompress(plain, &rec0, z, out, sizeof(out)), -EBADMSG);
	assert_int_equal(sl_seg_decompress(c, &rec, z, out, sizeof(out)), 0);
	assert_int_equal(sl_seg_compress(c, SL_SIGNAL_MAX, NULL, 0, z, sizeof(z), &rec.comp_len,
	                                 &rec.raw_len, &rec.dict_id),
	                 -EINVAL);
	sl_seg_codec_free(c);
	sl_seg_codec_free(plain);
}

static void
newest_dictionary_compresses(void **state)
{
	static uint8_t a[8192], b[8192], z[1 << 16], out[1 << 16];
	struct sl_seg_codec *c = sl_seg_codec_create(1);
	size_t la = train(SL_SIGNAL_METRICS, 0, a, sizeof(a));
	size_t lb = train(SL_SIGNAL_METRICS, 77, b, sizeof(b));
	struct sl_seg_rec rec;
	uint32_t ia, ib;

	(void)state;
	ia = put_dict(dir, SL_SIGNAL_METRICS, a, la, 2000);
	ib = put_dict(dir, SL_SIGNAL_METRICS, b, lb, 1000);
	assert_int_not_equal(ia, ib);
	assert_int_equal(sl_seg_codec_load_dicts(c, dir), 2);
	assert_int_equal(sl_seg_codec_dict(c, SL_SIGNAL_METRICS), ia); /* newer mtime */
	/* Records of either still decompress. */
	pack(c, SL_SIGNAL_METRICS, z, sizeof(z), &rec);
	assert_int_equal(rec.dict_id, ia);
	assert_int_equal(sl_seg_decompress(c, &rec, z, out, sizeof(out)), 0);
	sl_seg_codec_free(c);
	/* Same mtime: the higher id wins. */
	put_dict(dir, SL_SIGNAL_METRICS, b, lb, 2000);
	c = sl_seg_codec_create(1);
	assert_int_equal(sl_seg_codec_load_dicts(c, dir), 2);
	assert_int_equal(sl_seg_codec_dict(c, SL_SIGNAL_METRICS), ia > ib ? ia : ib);
	sl_seg_codec_free(c);
}

static void
bad_dictionary_files(void **state)
{
	static uint8_t d[8192];
	size_t len = train(SL_SIGNAL_LOGS, 0, d, sizeof(d));
	struct sl_seg_codec *c = sl_seg_codec_create(3);
	char path[128], sub[96];
	uint32_t id;
	FILE *f;

	(void)state;
	/* Named for another id than its content's. */
	snprintf(sub, sizeof(sub), "%s/a", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	id = ZDICT_getDictID(d, len);
	snprintf(path, sizeof(path), "%s/logs-%u.zdict", sub, id + 1);
	f = fopen(path, "w");
	assert_int_equal(fwrite(d, 1, len, f), len);
	fclose(f);
	assert_int_equal(sl_seg_codec_load_dicts(c, sub), -EINVAL);
	/* Not named <signal>-<id>.zdict. */
	snprintf(sub, sizeof(sub), "%s/b", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/spans-%u.zdict", sub, id);
	f = fopen(path, "w");
	assert_int_equal(fwrite(d, 1, len, f), len);
	fclose(f);
	assert_int_equal(sl_seg_codec_load_dicts(c, sub), -EINVAL);
	/* Raw content (no zstd dictionary header): id 0, refused. */
	snprintf(sub, sizeof(sub), "%s/c", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/logs-0.zdict", sub);
	f = fopen(path, "w");
	assert_int_equal(fwrite("just some bytes", 1, 15, f), 15);
	fclose(f);
	assert_int_equal(sl_seg_codec_load_dicts(c, sub), -EINVAL);
	/* Other files are ignored. */
	snprintf(sub, sizeof(sub), "%s/d", dir);
	assert_int_equal(mkdir(sub, 0700), 0);
	snprintf(path, sizeof(path), "%s/README", sub);
	f = fopen(path, "w");
	fclose(f);
	assert_int_equal(sl_seg_codec_load_dicts(c, sub), 0);
	assert_int_equal(sl_seg_codec_dict(c, SL_SIGNAL_LOGS), 0);
	sl_seg_codec_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(round_trip_with_and_without, mkdir_each, rmdir_each),
	    cmocka_unit_test_setup_teardown(newest_dictionary_compresses, mkdir_each, rmdir_each),
	    cmocka_unit_test_setup_teardown(bad_dictionary_files, mkdir_each, rmdir_each),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
