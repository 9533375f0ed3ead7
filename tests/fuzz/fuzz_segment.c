/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: any bytes as a segment file never crash the reader, verify or recovery. */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "flush/segment.h"
#include "log.h"
#include "proto/otlp_walk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * The input is the whole file. Checked:
 *  - verify and a reader with a payload buffer agree on every record and on
 *    the damage; records are contiguous from offset 64, and the damage is
 *    exactly where the last good record ends (or at 0 for a bad header);
 *  - each good record's payload decompresses or is refused, within raw_len,
 *    and what decompresses is walked as its signal's request, as sluicectl
 *    segments verify does (a record with a dictionary id is refused by id:
 *    no dictionary is loaded);
 *  - the writer's recovery, given the file as the newest of a store, keeps
 *    exactly the good records (cut at the damage, counted) and appends after
 *    every byte it saw.
 * The file lives in a memfd for reading and in a directory under /dev/shm
 * (tmpfs, no disk writes) for recovery.
 */
#define RAW_MAX (1u << 20) /* decompress only records that claim at most this */

static struct sl_seg_codec *codec;
static uint8_t *pay, *raw;
static char dir[64];

static void
cleanup(void)
{
	rmdir(dir);
}

static void
ensure_init(void)
{
	if (codec != NULL)
		return;
	rte_log_set_level(sl_logtype, RTE_LOG_EMERG); /* recovery logs every cut */
	codec = sl_seg_codec_create(1);
	pay = malloc(SL_SEG_PAYLOAD_MAX);
	raw = malloc(RAW_MAX);
	snprintf(dir, sizeof(dir), "/dev/shm/sluice-fuzz-seg-%d", (int)getpid());
	if (codec == NULL || pay == NULL || raw == NULL ||
	    (mkdir(dir, 0700) != 0 && errno != EEXIST))
		abort();
	atexit(cleanup);
}

static int
rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	if (ftw->level > 0)
		remove(p);
	return 0;
}

static void
write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	close(fd);
}

struct seen {
	uint64_t next_off; /* where the next record must start */
	uint64_t records;
	int header_bad;
};

static void
on_verify(void *arg, const struct sl_seg_rec *rec, const struct sl_seg_damage *dmg)
{
	struct seen *s = arg;

	if ((rec == NULL) == (dmg == NULL))
		abort();
	if (rec != NULL) {
		if (rec->file_off != s->next_off || rec->comp_len == 0)
			abort();
		s->next_off += SL_SEG_REC_HDR_LEN + rec->comp_len +
		               (SL_SEG_ALIGN - rec->comp_len % SL_SEG_ALIGN) % SL_SEG_ALIGN;
		s->records++;
	} else if (dmg->offset !=
	           (s->records == 0 && dmg->kind <= SL_SEG_ERR_FILE_HEADER ? 0 : s->next_off)) {
		abort(); /* the damage must be named where the good data ends */
	}
}

/* Reads with a payload buffer; must match what verify saw, record for record. */
static void
read_all(const char *path, const struct seen *v, const struct sl_seg_damage *vd, int vrc)
{
	struct sl_seg_reader *r = sl_seg_reader_open(path);
	struct sl_seg_damage d = {SL_SEG_ERR_NONE, 0};
	struct sl_seg_rec rec;
	uint64_t n = 0;
	int rc;

	if (r == NULL)
		abort();
	while ((rc = sl_seg_next(r, &rec, pay, SL_SEG_PAYLOAD_MAX, &d)) == 0) {
		n++;
		if (rec.raw_len <= RAW_MAX) {
			struct sl_otlp_walk_result res = {0};

			rc = sl_seg_decompress(codec, &rec, pay, raw, RAW_MAX);
			if (rec.dict_id != 0 ? rc != -ENOTSUP : (rc != 0 && rc != -EBADMSG))
				abort();
			if (rc == 0) {
				rc = sl_otlp_walk_buf(rec.signal, raw, rec.raw_len, NULL, &res);
				if (rc != 0 && (rc != -EBADMSG || res.err_off > rec.raw_len))
					abort();
			}
		}
	}
	sl_seg_reader_close(r);
	if (n != v->records || (rc == SL_SEG_EOF) != (vrc >= 0))
		abort();
	if (rc != SL_SEG_EOF && (rc != vrc || d.kind != vd->kind || d.offset != vd->offset))
		abort();
}

/* The file as the newest of a store: recovery must keep exactly the good records. */
static void
recover(const uint8_t *data, size_t size, const struct seen *v, const struct sl_seg_damage *vd)
{
	char name[SL_SEG_NAME_LEN + 1], path[128];
	struct sl_seg_writer_opts o = {.fsync = SL_SEG_FSYNC_NONE};
	const struct sl_seg_stats *st;
	struct sl_seg_damage d;
	struct sl_seg_writer *w;
	uint64_t base = 0;
	unsigned int i;
	int rc;

	/* Named after the base its header claims, so only the damage found above matters. */
	for (i = 0; i < 8 && size >= 24; i++)
		base |= (uint64_t)data[16 + i] << (8 * i);
	if (base > UINT64_MAX / 2)
		base = 0;
	snprintf(name, sizeof(name), "%020" PRIu64 ".seg", base);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	write_file(path, data, size);
	rc = sl_seg_verify_file(path, NULL, NULL, &d);
	if (vd->kind == SL_SEG_ERR_FILE_HEADER || d.kind == SL_SEG_ERR_FILE_HEADER)
		goto out; /* the name check may differ from the memfd's; skip */
	w = sl_seg_writer_open(dir, &o);
	if (w == NULL)
		abort();
	st = sl_seg_writer_stats(w);
	if (rc >= 0) {
		if (st->torn_tails != 0 || sl_seg_writer_pos(w) != base + size)
			abort();
	} else {
		if (st->torn_tails != 1 || st->torn_bytes != size - d.offset)
			abort();
		if (sl_seg_writer_pos(w) != base + size + SL_SEG_FILE_HDR_LEN)
			abort();
		if (d.offset != 0 &&
		    (sl_seg_verify_file(path, NULL, NULL, NULL) != (int)v->records))
			abort();
	}
	sl_seg_writer_close(w);
out:
	nftw(dir, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_seg_damage d;
	struct seen v = {SL_SEG_FILE_HDR_LEN, 0, 0};
	char path[64];
	int fd, rc;

	ensure_init();
	fd = memfd_create("seg", MFD_CLOEXEC);
	if (fd < 0 || (size > 0 && write(fd, data, size) != (ssize_t)size))
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	rc = sl_seg_verify_file(path, on_verify, &v, &d);
	if (rc >= 0 ? (d.kind != SL_SEG_ERR_NONE || (uint64_t)rc != v.records || v.next_off != size)
	            : (d.kind == SL_SEG_ERR_NONE || d.offset > size))
		abort();
	read_all(path, &v, &d, rc);
	close(fd);
	recover(data, size, &v, &d);
	return 0;
}
