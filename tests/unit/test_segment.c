/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the segment store: round trips, rotation, retention, torn tails, bit flips. */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "flush/segment.h"
#include "log.h"

#define NREC 5 /* records per signal in the round trip */

struct golden {
	uint8_t *raw, *z; /* the .pb, and it compressed */
	size_t raw_len;
	uint32_t z_len;
};

static struct golden gold[SL_SIGNAL_MAX];
static struct sl_seg_codec *codec;
static char dir[64];
static uint64_t fake_now; /* injected clock; 0: tests use the real one */

static uint64_t
clock_fake(void)
{
	return fake_now;
}

static uint8_t *
read_all(const char *path, size_t *len)
{
	struct stat sb;
	uint8_t *b;
	int fd = open(path, O_RDONLY);

	if (fd < 0 || fstat(fd, &sb) != 0)
		return NULL;
	b = malloc((size_t)sb.st_size + 1);
	if (b == NULL || read(fd, b, (size_t)sb.st_size) != sb.st_size) {
		free(b);
		close(fd);
		return NULL;
	}
	close(fd);
	*len = (size_t)sb.st_size;
	return b;
}

/*
 * Replaces a file's bytes. Not O_TRUNC: ext4 flushes a file truncated to 0
 * at close (auto_da_alloc), which makes thousands of rewrites take seconds.
 */
static void
write_all(const char *path, const uint8_t *b, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT, 0644);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, b, len, 0), (ssize_t)len);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	close(fd);
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static void
rm_rf(const char *p)
{
	nftw(p, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int
setup(void **state)
{
	const char *src = getenv("SLUICE_SRC");
	char path[4096];
	unsigned int s;

	(void)state;
	/* Recovery logs each cut once; the torn-tail test makes a thousand of them. */
	rte_log_set_level(sl_logtype, RTE_LOG_ERR);
	codec = sl_seg_codec_create(3);
	if (codec == NULL)
		return -1;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		struct golden *g = &gold[s];
		struct iovec v;
		uint32_t raw, did;

		snprintf(path, sizeof(path), "%s/tests/data/%s.pb", src ? src : ".",
		         sl_signal_name((enum sl_signal)s));
		g->raw = read_all(path, &g->raw_len);
		if (g->raw == NULL) {
			fprintf(stderr, "cannot read %s (SLUICE_SRC unset?)\n", path);
			return -1;
		}
		g->z = malloc(sl_seg_compress_bound(g->raw_len));
		v.iov_base = g->raw;
		v.iov_len = g->raw_len;
		if (g->z == NULL ||
		    sl_seg_compress(codec, (enum sl_signal)s, &v, 1, g->z,
		                    sl_seg_compress_bound(g->raw_len), &g->z_len, &raw, &did) != 0 ||
		    raw != g->raw_len || did != 0)
			return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		free(gold[s].raw);
		free(gold[s].z);
	}
	sl_seg_codec_free(codec);
	return 0;
}

/* A fresh empty store directory per test. */
static int
dir_new(void **state)
{
	(void)state;
	fake_now = 0;
	snprintf(dir, sizeof(dir), "/tmp/sluice-seg-XXXXXX");
	return mkdtemp(dir) == NULL ? -1 : 0;
}

static int
dir_free(void **state)
{
	(void)state;
	rm_rf(dir);
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The store's file names, sorted (== by position); returns the count. */
static int
list_files(char names[][32], int max)
{
	char *p[256];
	char tmp[256][32];
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0, i;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL && n < 256)
		if (strstr(de->d_name, ".seg") != NULL && strlen(de->d_name) < sizeof(tmp[n])) {
			memcpy(tmp[n], de->d_name, strlen(de->d_name) + 1);
			p[n] = tmp[n];
			n++;
		}
	closedir(d);
	qsort(p, (size_t)n, sizeof(p[0]), cmp_str);
	for (i = 0; i < n && i < max; i++)
		memcpy(names[i], p[i], strlen(p[i]) + 1);
	return n;
}

static void
file_path(char *buf, size_t len, const char *name)
{
	assert_true(strlen(dir) + 1 + strlen(name) < len);
	strcpy(buf, dir);
	strcat(buf, "/");
	strcat(buf, name);
}

static struct sl_seg_rec_info
info_of(enum sl_signal sig, uint32_t route)
{
	struct sl_seg_rec_info in = {
	    .signal = sig,
	    .route_id = route,
	    .item_count = route + 1,
	    .raw_len = (uint32_t)gold[sig].raw_len,
	    .dict_id = 0,
	    .first_recv_ns = 1000ull * route,
	    .last_recv_ns = 1000ull * route + 999,
	};

	return in;
}

/* Appends the golden of sig as route, payload cut into 3 iovecs to exercise writev. */
static void
append_golden(struct sl_seg_writer *w, enum sl_signal sig, uint32_t route, uint64_t *end)
{
	struct sl_seg_rec_info in = info_of(sig, route);
	struct golden *g = &gold[sig];
	struct iovec v[3] = {
	    {g->z, 7},
	    {g->z + 7, 0},
	    {g->z + 7, g->z_len - 7},
	};

	assert_int_equal(sl_seg_append(w, &in, v, 3, end), 0);
}

/* Reads every record of one file and checks it against the goldens; returns the count. */
static int
read_check(const char *name, uint32_t *route_next)
{
	static uint8_t pay[1 << 16], raw[1 << 16];
	struct sl_seg_damage dmg;
	struct sl_seg_reader *r;
	struct sl_seg_rec rec;
	char path[256];
	int n = 0, rc;

	file_path(path, sizeof(path), name);
	r = sl_seg_reader_open(path);
	assert_non_null(r);
	assert_non_null(sl_seg_reader_file_hdr(r));
	while ((rc = sl_seg_next(r, &rec, pay, sizeof(pay), &dmg)) == 0) {
		struct golden *g = &gold[rec.signal];

		assert_true(rec.signal < SL_SIGNAL_MAX);
		if (route_next != NULL)
			assert_int_equal(rec.route_id, (*route_next)++);
		assert_int_equal(rec.item_count, rec.route_id + 1);
		assert_int_equal(rec.first_recv_ns, 1000ull * rec.route_id);
		assert_int_equal(rec.last_recv_ns, 1000ull * rec.route_id + 999);
		assert_int_equal(rec.pos, sl_seg_reader_file_hdr(r)->base + rec.file_off);
		assert_int_equal(rec.comp_len, g->z_len);
		assert_int_equal(rec.raw_len, g->raw_len);
		assert_int_equal(sl_seg_decompress(codec, &rec, pay, raw, sizeof(raw)), 0);
		assert_memory_equal(raw, g->raw, g->raw_len);
		n++;
	}
	assert_int_equal(rc, SL_SEG_EOF);
	sl_seg_reader_close(r);
	return n;
}

static void
crc32c_known_answers(void **state)
{
	static const char nine[] = "123456789";
	uint8_t buf[300];
	uint32_t whole;
	unsigned int i, a;

	(void)state;
	assert_int_equal(sl_crc32c(0, nine, 9), 0xe3069283u);
	assert_int_equal(sl_crc32c(0, "", 0), 0);
	/* 32 zero bytes: RFC 3720 B.4 test vector. */
	memset(buf, 0, 32);
	assert_int_equal(sl_crc32c(0, buf, 32), 0x8a9136aau);
	memset(buf, 0xff, 32);
	assert_int_equal(sl_crc32c(0, buf, 32), 0x62a8ab43u);
	for (i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 7 + 3);
	whole = sl_crc32c(0, buf, 257);
	/* Any split and any alignment give the same CRC. */
	for (a = 0; a < 9; a++) {
		memmove(buf + a, buf, 257);
		for (i = 0; i <= 257; i += 13)
			assert_int_equal(sl_crc32c(sl_crc32c(0, buf + a, i), buf + a + i, 257 - i),
			                 whole);
		memmove(buf, buf + a, 257);
	}
}

static void
round_trip_every_signal(void **state)
{
	struct sl_seg_writer_opts o = {.fsync = SL_SEG_FSYNC_BATCH};
	const struct sl_seg_stats *st;
	struct sl_seg_writer *w;
	struct sl_seg_damage dmg;
	uint64_t end = 0, prev = 0, durable = 0;
	uint32_t route = 0, next = 0;
	char names[4][32], path[256];
	unsigned int s, i;

	(void)state;
	w = sl_seg_writer_open(dir, &o);
	assert_non_null(w);
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		for (i = 0; i < NREC; i++) {
			append_golden(w, (enum sl_signal)s, route++, &end);
			assert_true(end > prev);
			assert_true(end % SL_SEG_ALIGN == 0);
			prev = end;
		}
	assert_int_equal(sl_seg_sync(w, &durable), 0);
	assert_int_equal(durable, end);
	st = sl_seg_writer_stats(w);
	assert_int_equal(st->records, SL_SIGNAL_MAX * NREC);
	assert_int_equal(st->syncs,
	                 1); /* the group commit (a new file's header sync is not counted) */
	assert_int_equal(sl_seg_writer_close(w), 0);

	/* A clean file is continued, not replaced. */
	w = sl_seg_writer_open(dir, &o);
	assert_non_null(w);
	assert_int_equal(sl_seg_writer_pos(w), end);
	assert_int_equal(sl_seg_writer_stats(w)->torn_tails, 0);
	append_golden(w, SL_SIGNAL_LOGS, route++, &end);
	assert_int_equal(sl_seg_writer_close(w), 0);

	assert_int_equal(list_files(names, 4), 1);
	assert_string_equal(names[0], "00000000000000000000.seg");
	assert_int_equal(read_check(names[0], &next), SL_SIGNAL_MAX * NREC + 1);
	file_path(path, sizeof(path), names[0]);
	assert_int_equal(sl_seg_verify_file(path, NULL, NULL, &dmg), SL_SIGNAL_MAX * NREC + 1);
	assert_int_equal(dmg.kind, SL_SEG_ERR_NONE);
}

static void
reader_enobufs_then_retry(void **state)
{
	struct sl_seg_writer *w;
	struct sl_seg_reader *r;
	struct sl_seg_rec rec;
	uint8_t small[8], *big;
	char names[2][32], path[256];

	(void)state;
	w = sl_seg_writer_open(dir, NULL);
	assert_non_null(w);
	append_golden(w, SL_SIGNAL_TRACES, 0, NULL);
	sl_seg_writer_close(w);
	assert_int_equal(list_files(names, 2), 1);
	file_path(path, sizeof(path), names[0]);
	r = sl_seg_reader_open(path);
	assert_non_null(r);
	assert_int_equal(sl_seg_next(r, &rec, small, sizeof(small), NULL), -ENOBUFS);
	big = malloc(rec.comp_len);
	assert_int_equal(sl_seg_next(r, &rec, big, rec.comp_len, NULL), 0);
	assert_memory_equal(big, gold[SL_SIGNAL_TRACES].z, rec.comp_len);
	assert_int_equal(sl_seg_next(r, &rec, big, rec.comp_len, NULL), SL_SEG_EOF);
	free(big);
	sl_seg_reader_close(r);
}

static void
rotation_by_size_keeps_order(void **state)
{
	struct sl_seg_writer_opts o = {.file_max_bytes = 4096};
	char names[64][32], path[256];
	struct sl_seg_writer *w;
	uint64_t expect_base = 0;
	uint32_t next = 0;
	int n, i, total = 0;
	unsigned int k;

	(void)state;
	w = sl_seg_writer_open(dir, &o);
	assert_non_null(w);
	for (k = 0; k < 30; k++)
		append_golden(w, (enum sl_signal)(k % SL_SIGNAL_MAX), k, NULL);
	n = list_files(names, 64);
	assert_true(n >= 5);
	assert_int_equal(sl_seg_writer_stats(w)->rotations, (uint64_t)n - 1);
	sl_seg_writer_close(w);
	for (i = 0; i < n; i++) {
		struct stat sb;
		uint64_t base;

		file_path(path, sizeof(path), names[i]);
		assert_int_equal(stat(path, &sb), 0);
		base = strtoull(names[i], NULL, 10);
		/* Contiguous positions; no file but the last passes the limit... */
		assert_int_equal(base, expect_base);
		expect_base = base + (uint64_t)sb.st_size;
		assert_true(sb.st_size <= 4096 || i == n - 1);
		/* ...and every file holds at least one record. */
		total += read_check(names[i], &next);
	}
	assert_int_equal(total, 30);
}

static void
retention_deletes_oldest(void **state)
{
	struct sl_seg_writer_opts o = {.file_max_bytes = 4096, .retain_bytes = 12000};
	char names[64][32], first[32], path[256];
	struct sl_seg_writer *w;
	struct timespec ts[2];
	unsigned int k;
	int n;

	(void)state;
	w = sl_seg_writer_open(dir, &o);
	assert_non_null(w);
	for (k = 0; k < 40; k++)
		append_golden(w, SL_SIGNAL_TRACES, k, NULL);
	n = list_files(names, 64);
	assert_true(n >= 3 && n <= 4);
	assert_true(sl_seg_writer_stats(w)->retention_files > 0);
	assert_string_not_equal(names[0], "00000000000000000000.seg");
	sl_seg_writer_close(w);

	/* Age: every closed file's mtime pushed into the past; the current one stays. */
	fake_now = 1000ull * 1000000000ull;
	o.retain_bytes = 0;
	o.retain_age_ns = 60ull * 1000000000ull;
	o.now_ns = clock_fake;
	snprintf(first, sizeof(first), "%s", names[0]);
	for (k = 0; k < (unsigned int)n; k++) {
		file_path(path, sizeof(path), names[k]);
		ts[0].tv_sec = ts[1].tv_sec = 100; /* 900 s before fake_now */
		ts[0].tv_nsec = ts[1].tv_nsec = 0;
		assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	}
	w = sl_seg_writer_open(dir, &o); /* continues the newest file, retains at open */
	assert_non_null(w);
	assert_int_equal(sl_seg_writer_stats(w)->retention_files, (uint64_t)n - 1);
	assert_int_equal(list_files(names, 64), 1);
	assert_string_not_equal(names[0], first);
	assert_int_equal(sl_seg_retain(w), 0);
	sl_seg_writer_close(w);
}

/* One file of three records; gives the offset and length of the last one. */
static uint8_t *
three_records(char *name, uint64_t *last_off, uint64_t *last_len, size_t *size)
{
	char names[2][32], path[256];
	struct sl_seg_writer *w;
	uint64_t e1 = 0, e2 = 0;
	uint8_t *b;

	w = sl_seg_writer_open(dir, NULL);
	assert_non_null(w);
	append_golden(w, SL_SIGNAL_TRACES, 0, NULL);
	append_golden(w, SL_SIGNAL_METRICS, 1, &e1);
	append_golden(w, SL_SIGNAL_LOGS, 2, &e2);
	sl_seg_writer_close(w);
	assert_int_equal(list_files(names, 2), 1);
	strcpy(name, names[0]);
	file_path(path, sizeof(path), name);
	b = read_all(path, size);
	assert_non_null(b);
	*last_off = e1; /* the file's base is 0 */
	*last_len = e2 - e1;
	assert_int_equal(e2, *size);
	return b;
}

static void
torn_tail_cut_at_every_offset(void **state)
{
	char name[32], names[4][32], path[256], npath[256];
	uint64_t off, len, k, max_seen = 0;
	struct sl_seg_writer *w;
	size_t size;
	uint8_t *b;
	uint32_t next;

	(void)state;
	b = three_records(name, &off, &len, &size);
	file_path(path, sizeof(path), name);
	for (k = 0; k < len; k++) {
		const struct sl_seg_stats *st;
		uint64_t end;

		write_all(path, b, off + k);
		w = sl_seg_writer_open(dir, NULL);
		assert_non_null(w);
		st = sl_seg_writer_stats(w);
		assert_int_equal(st->torn_tails, k == 0 ? 0 : 1);
		assert_int_equal(st->torn_bytes, k);
		/* After a cut the next record goes after every byte seen, never on the cut. */
		assert_int_equal(sl_seg_writer_pos(w), off + k + (k ? SL_SEG_FILE_HDR_LEN : 0));
		append_golden(w, SL_SIGNAL_LOGS, 2, &end);
		assert_true(end > off + k);
		assert_true(end - len >= off + k);
		if (end > max_seen)
			max_seen = end;
		sl_seg_writer_close(w);
		assert_int_equal(list_files(names, 4), k == 0 ? 1 : 2);
		next = 0;
		assert_int_equal(read_check(names[0], &next), k == 0 ? 3 : 2);
		if (k != 0) {
			assert_int_equal(read_check(names[1], &next), 1);
			assert_int_equal(strtoull(names[1], NULL, 10), off + k);
			file_path(npath, sizeof(npath), names[1]);
			unlink(npath);
		}
	}
	assert_true(max_seen > 0);

	/* Garbage after the last record, longer and shorter than a header. */
	for (k = 1; k < 200; k += 37) {
		uint8_t *g = malloc(size + k);

		memcpy(g, b, size);
		memset(g + size, 0x5a, k);
		write_all(path, g, size + k);
		free(g);
		w = sl_seg_writer_open(dir, NULL);
		assert_non_null(w);
		assert_int_equal(sl_seg_writer_stats(w)->torn_tails, 1);
		assert_int_equal(sl_seg_writer_stats(w)->torn_bytes, k);
		assert_int_equal(sl_seg_writer_pos(w), size + k + SL_SEG_FILE_HDR_LEN);
		sl_seg_writer_close(w);
		assert_int_equal(list_files(names, 4), 2);
		next = 0;
		assert_int_equal(read_check(names[0], &next), 3);
		file_path(npath, sizeof(npath), names[1]);
		unlink(npath);
	}

	/* A newest file that never got its header is removed, its bytes still skipped. */
	write_all(path, b, 10);
	w = sl_seg_writer_open(dir, NULL);
	assert_non_null(w);
	assert_int_equal(sl_seg_writer_stats(w)->torn_tails, 1);
	assert_int_equal(sl_seg_writer_pos(w), 10 + SL_SEG_FILE_HDR_LEN);
	sl_seg_writer_close(w);
	assert_int_equal(list_files(names, 4), 1);
	assert_string_equal(names[0], "00000000000000000010.seg");
	free(b);
}

static void
bit_flip_anywhere_is_found(void **state)
{
	char name[32], path[256];
	uint64_t off, len, recs[3];
	struct sl_seg_damage dmg;
	size_t size, i;
	uint8_t *b;
	int rc;

	(void)state;
	b = three_records(name, &off, &len, &size);
	file_path(path, sizeof(path), name);
	/* Record offsets: the first follows the file header, the second ends at off. */
	recs[0] = SL_SEG_FILE_HDR_LEN;
	recs[2] = off;
	recs[1] = SL_SEG_FILE_HDR_LEN + SL_SEG_REC_HDR_LEN + gold[SL_SIGNAL_TRACES].z_len;
	recs[1] += (SL_SEG_ALIGN - recs[1] % SL_SEG_ALIGN) % SL_SEG_ALIGN;
	for (i = 0; i < size; i++) {
		uint64_t want = i < recs[0]   ? 0
		                : i < recs[1] ? recs[0]
		                : i < recs[2] ? recs[1]
		                              : recs[2];

		b[i] ^= (uint8_t)(1u << (i % 8));
		write_all(path, b, size);
		rc = sl_seg_verify_file(path, NULL, NULL, &dmg);
		b[i] ^= (uint8_t)(1u << (i % 8));
		if (rc >= 0 || dmg.offset != want)
			fail_msg("flip at byte %zu: rc %d, %s at %" PRIu64 ", want offset %" PRIu64,
			         i, rc, sl_seg_err_str(dmg.kind), dmg.offset, want);
	}
	/* And the precise kinds for the obvious places. */
	b[recs[1]] ^= 1;
	write_all(path, b, size);
	assert_int_equal(sl_seg_verify_file(path, NULL, NULL, &dmg), -EBADMSG);
	assert_int_equal(dmg.kind, SL_SEG_ERR_MAGIC);
	b[recs[1]] ^= 1;
	b[recs[1] + 4] = 2; /* version 2 */
	write_all(path, b, size);
	assert_int_equal(sl_seg_verify_file(path, NULL, NULL, &dmg), -EPROTONOSUPPORT);
	assert_int_equal(dmg.kind, SL_SEG_ERR_VERSION);
	b[recs[1] + 4] = 1;
	b[recs[1] + SL_SEG_REC_HDR_LEN + 3] ^= 0x10;
	write_all(path, b, size);
	assert_int_equal(sl_seg_verify_file(path, NULL, NULL, &dmg), -EBADMSG);
	assert_int_equal(dmg.kind, SL_SEG_ERR_CRC);
	assert_int_equal(dmg.offset, recs[1]);
	b[recs[1] + SL_SEG_REC_HDR_LEN + 3] ^= 0x10;
	write_all(path, b, size - 1);
	assert_int_equal(sl_seg_verify_file(path, NULL, NULL, &dmg), -EBADMSG);
	assert_int_equal(dmg.kind, SL_SEG_ERR_TRUNCATED);
	assert_int_equal(dmg.offset, recs[2]);
	free(b);
}

static void
codec_levels_and_bounds(void **state)
{
	static const int levels[] = {-5, -1, 1, 3, 19};
	struct golden *g = &gold[SL_SIGNAL_TRACES];
	size_t cap = sl_seg_compress_bound(g->raw_len);
	uint8_t *z = malloc(cap), *out = malloc(g->raw_len + 16);
	struct iovec v[4];
	struct sl_seg_rec rec;
	struct sl_seg_codec *c;
	uint32_t zl, rl, did;
	unsigned int i;

	(void)state;
	v[0] = (struct iovec){g->raw, 1};
	v[1] = (struct iovec){g->raw + 1, 100};
	v[2] = (struct iovec){g->raw + 101, 0};
	v[3] = (struct iovec){g->raw + 101, g->raw_len - 101};
	for (i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		c = sl_seg_codec_create(levels[i]);
		assert_non_null(c);
		assert_int_equal(sl_seg_compress(c, SL_SIGNAL_TRACES, v, 4, z, cap, &zl, &rl, &did), 0);
		assert_int_equal(rl, g->raw_len);
		memset(&rec, 0, sizeof(rec));
		rec.comp_len = zl;
		rec.raw_len = rl;
		assert_int_equal(sl_seg_decompress(c, &rec, z, out, g->raw_len + 16), 0);
		assert_memory_equal(out, g->raw, g->raw_len);
		/* The raw length bounds the output: one byte less or more is corrupt. */
		rec.raw_len = rl - 1;
		assert_int_equal(sl_seg_decompress(c, &rec, z, out, g->raw_len + 16), -EBADMSG);
		rec.raw_len = rl + 1;
		assert_int_equal(sl_seg_decompress(c, &rec, z, out, g->raw_len + 16), -EBADMSG);
		rec.raw_len = rl;
		assert_int_equal(sl_seg_decompress(c, &rec, z, out, rl - 1), -ENOBUFS);
		rec.comp_len = zl - 1;
		assert_int_equal(sl_seg_decompress(c, &rec, z, out, rl), -EBADMSG);
		rec.comp_len = zl;
		rec.dict_id = 7;
		assert_int_equal(sl_seg_decompress(c, &rec, z, out, rl), -ENOTSUP);
		/* Output too small, then the context is still good. */
		assert_int_equal(sl_seg_compress(c, SL_SIGNAL_TRACES, v, 4, z, 16, &zl, &rl, &did), -EFBIG);
		assert_int_equal(sl_seg_compress(c, SL_SIGNAL_TRACES, v, 4, z, cap, &zl, &rl, &did), 0);
		sl_seg_codec_free(c);
	}
	assert_null(sl_seg_codec_create(1000));
	assert_int_equal(errno, EINVAL);
	free(z);
	free(out);
}

/*
 * The fuzz seeds were written from docs/segment-format.md alone by a small
 * independent writer (Python, zstd CLI): the reader must take them as they are.
 */
static void
independent_writer_files_read(void **state)
{
	static uint8_t pay[1 << 16], out[1 << 16];
	const char *src = getenv("SLUICE_SRC");
	struct sl_seg_damage dmg;
	struct sl_seg_reader *r;
	struct sl_seg_rec rec;
	char path[4096];
	unsigned int n = 0;

	(void)state;
	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/segment/three_signals.seg",
	         src ? src : ".");
	assert_int_equal(sl_seg_verify_file(path, NULL, NULL, &dmg), 3);
	r = sl_seg_reader_open(path);
	assert_non_null(r);
	while (sl_seg_next(r, &rec, pay, sizeof(pay), NULL) == 0) {
		assert_int_equal(rec.signal, n);
		assert_int_equal(rec.raw_len, gold[n].raw_len);
		assert_int_equal(sl_seg_decompress(codec, &rec, pay, out, sizeof(out)), 0);
		assert_memory_equal(out, gold[n].raw, gold[n].raw_len);
		n++;
	}
	assert_int_equal(n, 3);
	sl_seg_reader_close(r);
	snprintf(path, sizeof(path), "%s/tests/fuzz/corpus/segment/one_log_base4096.seg",
	         src ? src : ".");
	assert_int_equal(sl_seg_verify_file(path, NULL, NULL, &dmg), 1);
}

static void
writer_rejects_bad_input(void **state)
{
	struct sl_seg_writer_opts o = {.file_max_bytes = 10};
	struct sl_seg_rec_info in = info_of(SL_SIGNAL_TRACES, 0);
	struct iovec v = {gold[0].z, 0};
	struct sl_seg_writer *w;

	(void)state;
	assert_null(sl_seg_writer_open(dir, &o));
	assert_int_equal(errno, EINVAL);
	w = sl_seg_writer_open(dir, NULL);
	assert_non_null(w);
	assert_int_equal(sl_seg_append(w, &in, &v, 1, NULL), -EINVAL);
	v.iov_len = gold[0].z_len;
	in.signal = SL_SIGNAL_MAX;
	assert_int_equal(sl_seg_append(w, &in, &v, 1, NULL), -EINVAL);
	in.signal = SL_SIGNAL_TRACES;
	assert_int_equal(sl_seg_append(w, &in, &v, 0, NULL), -EINVAL);
	assert_int_equal(sl_seg_append(w, &in, &v, SL_SEG_IOV_MAX + 1, NULL), -EINVAL);
	assert_int_equal(sl_seg_append(w, &in, &v, 1, NULL), 0);
	sl_seg_writer_close(w);

	/* Another store's id is refused. */
	memset(o.store_id, 0xab, sizeof(o.store_id));
	o.file_max_bytes = 0;
	assert_null(sl_seg_writer_open(dir, &o));
	assert_int_equal(errno, EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crc32c_known_answers),
	    cmocka_unit_test_setup_teardown(round_trip_every_signal, dir_new, dir_free),
	    cmocka_unit_test_setup_teardown(reader_enobufs_then_retry, dir_new, dir_free),
	    cmocka_unit_test_setup_teardown(rotation_by_size_keeps_order, dir_new, dir_free),
	    cmocka_unit_test_setup_teardown(retention_deletes_oldest, dir_new, dir_free),
	    cmocka_unit_test_setup_teardown(torn_tail_cut_at_every_offset, dir_new, dir_free),
	    cmocka_unit_test_setup_teardown(bit_flip_anywhere_is_found, dir_new, dir_free),
	    cmocka_unit_test(codec_levels_and_bounds),
	    cmocka_unit_test(independent_writer_files_read),
	    cmocka_unit_test_setup_teardown(writer_rejects_bad_input, dir_new, dir_free),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
