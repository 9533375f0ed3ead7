/* SPDX-License-Identifier: BSD-3-Clause */
/* The segment store: record files written by a flush worker, read by sluicectl and recovery. */

/*
 * Design
 * ------
 * A store is one directory of append-only files, written by one flush
 * worker. The store is a single stream of bytes addressed by a 64-bit
 * position; each file holds a contiguous piece of it and is named for the
 * position of its byte 0 (docs/segment-format.md is the byte-level spec):
 *
 *   <dir>/00000000000000000000.seg  00000000000000262208.seg  ...
 *
 *   file:   | file header 64 | record | record | ... | record |
 *   record: | header 64 | payload: zstd frame, comp_len | 0..7 zero pad |
 *
 *   file header (little-endian)          record header (little-endian)
 *    0  magic "\x89SLSEG\r\n"             0  magic "SLrc"
 *    8  u16 version = 1                   4  u16 version = 1
 *   10  u16 header length = 64            6  u16 header length = 64
 *   12  u32 flags = 0                     8  u8 signal  9 u8 flags = 0  10 u16 0
 *   16  u64 base position (= name)       12  u32 route id
 *   24  u64 created, wall clock ns       16  u32 item count
 *   32  u8[16] store id                  20  u32 dictionary id (0: none)
 *   48  u8[12] zero                      24  u32 raw length   28 u32 compressed length
 *   60  u32 CRC32C of bytes 0..59        32  u64 first receive ns  40 u64 last receive ns
 *                                        48  u64 position of this record
 *                                        56  u32 zero
 *                                        60  u32 CRC32C of header 0..59, payload, pad
 *
 * Invariants
 *  - A record's position is base + its file offset, and is stored in it: a
 *    record copied elsewhere, or a file renamed, is detected.
 *  - Positions are never reused. A rotation starts the next file at
 *    base + size; a torn tail cut at open is not written over: the next
 *    file starts after the bytes that were cut, so the store can have gaps.
 *  - The writer never leaves a torn record it knows of: a failed pwritev is
 *    undone with ftruncate, or the writer refuses all later writes.
 *  - sl_seg_sync's durable position only grows; an older file is synced
 *    before the writer rotates away from it (unless fsync is NONE).
 *
 * Ownership: a writer belongs to one thread (a flush worker, where syscalls
 * are allowed); it takes no lock. Readers are independent and may read a
 * file while it is written (they see a truncated tail) or deleted by
 * retention (the open descriptor keeps it readable). An append does no
 * malloc: the header is built on the stack and written with the payload's
 * iovecs in one pwritev; the file list grows only at rotation.
 *
 * CRC32C is DPDK's rte_hash_crc (rte_hash_crc.h): the SSE4.2 crc32q
 * instruction (ARMv8 crc32cx on arm64) picked by a constructor from cpuid,
 * a slice-by-8 table otherwise. It needs no EAL, only the rte_eal library
 * for rte_cpu_get_flag_enabled. It computes the raw CRC without the
 * pre/post inversion, which sl_crc32c adds, and reads 8 bytes at a time
 * through a uint64_t pointer, so sl_crc32c feeds it 8-aligned spans.
 * (Its x86 constructor assumes SSE4.2 without checking; Debian's DPDK is
 * built for -march=corei7, which has it, so every host DPDK runs on does.)
 *
 * Dictionaries: a codec loads <signal>-<id>.zdict files (sluicectl dict
 * train writes them) once, at set-up: every one as a ZSTD_DDict for reading
 * by id, and the newest per signal as a ZSTD_CDict at the codec's level for
 * writing. A compress or decompress call only references one of them
 * (ZSTD_CCtx_refCDict / ZSTD_DCtx_refDDict store a pointer), so the
 * per-call path allocates nothing. The frame carries the dictionary id too
 * (zstd's default), so a record whose header names another dictionary fails
 * to decompress instead of yielding garbage. Raw-content dictionaries (id 0)
 * are refused: a reader could not tell which one a record needs.
 *
 * Rejected
 *  - One file per route and signal: a group commit would need one
 *    fdatasync per open file instead of one per worker, and a store with
 *    hundreds of routes would hold hundreds of descriptors. The signal and
 *    route id are in each record; sluicectl filters on them.
 *  - Record sequence numbers instead of byte positions: a cut torn record's
 *    number cannot be known from its damaged header, so "never reuse" would
 *    need a side file; a position is known from the file size.
 *  - Appending after a cut tail: the next record would take the position of
 *    the bytes cut, which some reader may already have seen.
 *  - O_DIRECT and preallocation (fallocate): the flush worker writes whole
 *    batches of hundreds of KiB; the page cache plus fdatasync per group
 *    commit costs one flush per batch, and preallocation would make a torn
 *    tail of zeros the normal case instead of the rare one.
 *  - mmap for reading: a file truncated underneath would SIGBUS the reader;
 *    pread reports a short read instead.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_hash_crc.h>
#include <zdict.h>
#include <zstd.h>

#include "flush/segment.h"
#include "log.h"

/* Payload bytes the reader checks per pread when the caller gives no buffer. */
#define SCRATCH_LEN (64u << 10)

/* rte_hash_crc takes a u32 length; chunks stay multiples of 8 to keep the alignment. */
#define CRC_CHUNK (1u << 30)

/* Fewest bytes a file may be allowed to grow to: one header and one minimal record. */
#define FILE_MAX_MIN (SL_SEG_FILE_HDR_LEN + SL_SEG_REC_HDR_LEN + SL_SEG_ALIGN)

struct seg_file {
	uint64_t base;
	uint64_t size;
};

struct sl_seg_writer {
	struct sl_seg_writer_opts o;
	char *dir;
	int dirfd;
	int fd;              /* the file being written: files[nfiles - 1] */
	int failed;          /* a write could not be undone or a sync failed */
	uint64_t created_ns; /* of the current file, for rotation by age */
	uint64_t synced;     /* store position up to which everything is durable */
	uint64_t last_sync_ns;
	struct seg_file *files; /* ascending base; the last is the current file */
	unsigned int nfiles, cap;
	uint8_t store_id[SL_SEG_STORE_ID_LEN];
	struct sl_seg_stats st;
};

struct sl_seg_reader {
	int fd;
	uint64_t size; /* at open: a growing file reads as truncated at that size */
	uint64_t off;  /* of the next record */
	int hdr_ok;
	struct sl_seg_file_hdr fh;
	struct sl_seg_damage dmg; /* sticky once set */
	uint8_t scratch[SCRATCH_LEN];
};

/* A loaded dictionary; the content stays for building a CDict when it becomes the newest. */
struct seg_dict {
	uint32_t id;
	enum sl_signal sig;
	uint64_t mtime_ns;
	void *buf;
	size_t len;
	ZSTD_DDict *dd;
};

struct sl_seg_codec {
	ZSTD_CCtx *cc;
	ZSTD_DCtx *dc;
	int level;
	struct seg_dict *dicts; /* every loaded dictionary, in load order (ids unique) */
	unsigned int ndicts, dcap;
	/* Per signal, the dictionary compression uses (newest), or NULL and 0. */
	ZSTD_CDict *cdict[SL_SIGNAL_MAX];
	uint32_t cdict_id[SL_SIGNAL_MAX];
};

#define SL_SEG_ERR_TEXT(name, text) text,
static const char *const err_text[] = {SL_SEG_ERRS(SL_SEG_ERR_TEXT)};
#undef SL_SEG_ERR_TEXT

const char *
sl_seg_err_str(enum sl_seg_err kind)
{
	return (unsigned int)kind < SL_SEG_ERR_MAX ? err_text[kind] : "unknown";
}

uint32_t
sl_crc32c(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t c = ~crc;

	while (len > 0 && ((uintptr_t)p & 7) != 0) {
		c = rte_hash_crc_1byte(*p++, c);
		len--;
	}
	while (len > 0) {
		uint32_t k = len > CRC_CHUNK ? CRC_CHUNK : (uint32_t)len;

		c = rte_hash_crc(p, k, c);
		p += k;
		len -= k;
	}
	return ~c;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void
put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t
get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static uint64_t
pad_of(uint64_t len)
{
	return (SL_SEG_ALIGN - len % SL_SEG_ALIGN) % SL_SEG_ALIGN;
}

static int
all_zero(const uint8_t *p, size_t n)
{
	while (n > 0)
		if (p[--n] != 0)
			return 0;
	return 1;
}

static uint64_t
wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Parses "<20 digits>.seg" into *base; -EINVAL for any other name. */
static int
parse_name(const char *name, uint64_t *base)
{
	uint64_t v = 0;
	int i;

	if (strlen(name) != SL_SEG_NAME_LEN ||
	    strcmp(name + SL_SEG_NAME_DIGITS, SL_SEG_SUFFIX) != 0)
		return -EINVAL;
	for (i = 0; i < SL_SEG_NAME_DIGITS; i++) {
		unsigned int d = (unsigned int)(name[i] - '0');

		if (d > 9 || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*base = v;
	return 0;
}

/* pread until len bytes, EOF or an error: the count read, or -errno. */
static ssize_t
pread_full(int fd, void *buf, size_t len, uint64_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t k = pread(fd, (uint8_t *)buf + got, len - got, (off_t)(off + got));

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			break;
		got += (size_t)k;
	}
	return (ssize_t)got;
}

static void
file_hdr_build(uint8_t h[SL_SEG_FILE_HDR_LEN], uint64_t base, uint64_t created,
               const uint8_t id[SL_SEG_STORE_ID_LEN])
{
	memset(h, 0, SL_SEG_FILE_HDR_LEN);
	memcpy(h, SL_SEG_FILE_MAGIC, 8);
	put16(h + 8, SL_SEG_VERSION);
	put16(h + 10, SL_SEG_FILE_HDR_LEN);
	put64(h + 16, base);
	put64(h + 24, created);
	memcpy(h + 32, id, SL_SEG_STORE_ID_LEN);
	put32(h + 60, sl_crc32c(0, h, 60));
}

static enum sl_seg_err
file_hdr_parse(const uint8_t h[SL_SEG_FILE_HDR_LEN], struct sl_seg_file_hdr *fh)
{
	if (memcmp(h, SL_SEG_FILE_MAGIC, 8) != 0)
		return SL_SEG_ERR_FILE_MAGIC;
	if (get16(h + 8) != SL_SEG_VERSION)
		return SL_SEG_ERR_FILE_VERSION;
	if (get16(h + 10) != SL_SEG_FILE_HDR_LEN || get32(h + 12) != 0 || !all_zero(h + 48, 12) ||
	    get32(h + 60) != sl_crc32c(0, h, 60))
		return SL_SEG_ERR_FILE_HEADER;
	fh->version = get16(h + 8);
	fh->base = get64(h + 16);
	fh->created_ns = get64(h + 24);
	memcpy(fh->store_id, h + 32, SL_SEG_STORE_ID_LEN);
	return SL_SEG_ERR_NONE;
}

static int
err_errno(enum sl_seg_err kind)
{
	switch (kind) {
	case SL_SEG_ERR_FILE_VERSION:
	case SL_SEG_ERR_VERSION:
		return -EPROTONOSUPPORT;
	case SL_SEG_ERR_IO:
		return -EIO;
	default:
		return -EBADMSG;
	}
}

/* ---- reader ---- */

struct sl_seg_reader *
sl_seg_reader_open(const char *path)
{
	uint8_t h[SL_SEG_FILE_HDR_LEN];
	struct sl_seg_reader *r;
	const char *slash;
	struct stat sb;
	uint64_t named;
	ssize_t k;
	int e;

	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return NULL;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0 || fstat(r->fd, &sb) != 0) {
		e = errno;
		sl_seg_reader_close(r);
		errno = e;
		return NULL;
	}
	r->size = (uint64_t)sb.st_size;
	r->off = SL_SEG_FILE_HDR_LEN;
	k = pread_full(r->fd, h, sizeof(h), 0);
	if (k < 0)
		r->dmg.kind = SL_SEG_ERR_IO;
	else if ((size_t)k < sizeof(h))
		r->dmg.kind = SL_SEG_ERR_FILE_SHORT;
	else
		r->dmg.kind = file_hdr_parse(h, &r->fh);
	/* A file named like a segment must hold the piece of the store its name says. */
	slash = strrchr(path, '/');
	if (r->dmg.kind == SL_SEG_ERR_NONE && parse_name(slash ? slash + 1 : path, &named) == 0 &&
	    named != r->fh.base)
		r->dmg.kind = SL_SEG_ERR_FILE_HEADER;
	r->hdr_ok = r->dmg.kind == SL_SEG_ERR_NONE;
	return r;
}

void
sl_seg_reader_close(struct sl_seg_reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

const struct sl_seg_file_hdr *
sl_seg_reader_file_hdr(const struct sl_seg_reader *r)
{
	return r->hdr_ok ? &r->fh : NULL;
}

/* CRC of payload + pad read through the scratch buffer (or into buf when given). */
static enum sl_seg_err
payload_crc(struct sl_seg_reader *r, uint64_t off, uint64_t len, void *buf, uint32_t *crc)
{
	uint64_t done = 0;

	while (done < len) {
		uint8_t *dst = buf ? (uint8_t *)buf + done : r->scratch;
		size_t want = buf ? (size_t)(len - done)
		                  : (size_t)(len - done < SCRATCH_LEN ? len - done : SCRATCH_LEN);
		ssize_t k = pread_full(r->fd, dst, want, off + done);

		if (k < 0)
			return SL_SEG_ERR_IO;
		if ((size_t)k < want)
			return SL_SEG_ERR_TRUNCATED; /* shrank since open */
		*crc = sl_crc32c(*crc, dst, want);
		done += want;
	}
	return SL_SEG_ERR_NONE;
}

static enum sl_seg_err
read_record(struct sl_seg_reader *r, struct sl_seg_rec *rec, void *buf, size_t cap, int *nobufs)
{
	uint8_t h[SL_SEG_REC_HDR_LEN], pad[SL_SEG_ALIGN];
	uint64_t off = r->off, plen;
	enum sl_seg_err e;
	uint32_t crc;
	ssize_t k;

	if (r->size - off < SL_SEG_REC_HDR_LEN)
		return SL_SEG_ERR_TRUNCATED;
	k = pread_full(r->fd, h, sizeof(h), off);
	if (k < 0)
		return SL_SEG_ERR_IO;
	if ((size_t)k < sizeof(h))
		return SL_SEG_ERR_TRUNCATED;
	if (memcmp(h, SL_SEG_REC_MAGIC, 4) != 0)
		return SL_SEG_ERR_MAGIC;
	if (get16(h + 4) != SL_SEG_VERSION)
		return SL_SEG_ERR_VERSION;
	rec->raw_len = get32(h + 24);
	rec->comp_len = get32(h + 28);
	if (get16(h + 6) != SL_SEG_REC_HDR_LEN || rec->comp_len == 0 ||
	    rec->comp_len > SL_SEG_PAYLOAD_MAX || rec->raw_len > SL_SEG_PAYLOAD_MAX)
		return SL_SEG_ERR_HEADER;
	plen = rec->comp_len + pad_of(rec->comp_len);
	if (r->size - off - SL_SEG_REC_HDR_LEN < plen)
		return SL_SEG_ERR_TRUNCATED;
	rec->signal = (enum sl_signal)h[8];
	rec->route_id = get32(h + 12);
	rec->item_count = get32(h + 16);
	rec->dict_id = get32(h + 20);
	rec->first_recv_ns = get64(h + 32);
	rec->last_recv_ns = get64(h + 40);
	rec->pos = get64(h + 48);
	rec->crc = get32(h + 60);
	rec->file_off = off;
	if (buf != NULL && cap < rec->comp_len) {
		*nobufs = 1;
		return SL_SEG_ERR_NONE;
	}
	crc = sl_crc32c(0, h, 60);
	e = payload_crc(r, off + SL_SEG_REC_HDR_LEN, rec->comp_len, buf, &crc);
	if (e == SL_SEG_ERR_NONE && plen > rec->comp_len) {
		e = payload_crc(r, off + SL_SEG_REC_HDR_LEN + rec->comp_len, plen - rec->comp_len,
		                pad, &crc);
	}
	if (e != SL_SEG_ERR_NONE)
		return e;
	if (crc != rec->crc)
		return SL_SEG_ERR_CRC;
	/* Covered by the CRC, so only a writer bug or another tool's file gets here. */
	if (h[8] >= SL_SIGNAL_MAX || h[9] != 0 || get16(h + 10) != 0 || get32(h + 56) != 0 ||
	    rec->pos != r->fh.base + off)
		return SL_SEG_ERR_HEADER;
	r->off = off + SL_SEG_REC_HDR_LEN + plen;
	return SL_SEG_ERR_NONE;
}

int
sl_seg_next(struct sl_seg_reader *r, struct sl_seg_rec *rec, void *buf, size_t cap,
            struct sl_seg_damage *dmg)
{
	enum sl_seg_err e;
	int nobufs = 0;

	if (r->dmg.kind == SL_SEG_ERR_NONE) {
		if (r->off == r->size)
			return SL_SEG_EOF;
		e = read_record(r, rec, buf, cap, &nobufs);
		if (nobufs)
			return -ENOBUFS;
		if (e == SL_SEG_ERR_NONE)
			return 0;
		r->dmg.kind = e;
		r->dmg.offset = r->off;
	}
	if (dmg != NULL)
		*dmg = r->dmg;
	return err_errno(r->dmg.kind);
}

int
sl_seg_verify_file(const char *path, sl_seg_verify_fn cb, void *arg, struct sl_seg_damage *dmg)
{
	struct sl_seg_damage d = {SL_SEG_ERR_NONE, 0};
	struct sl_seg_reader *r;
	struct sl_seg_rec rec;
	int rc, n = 0;

	if (dmg != NULL)
		*dmg = d;
	r = sl_seg_reader_open(path);
	if (r == NULL)
		return -errno;
	while ((rc = sl_seg_next(r, &rec, NULL, 0, &d)) == 0) {
		if (cb != NULL)
			cb(arg, &rec, NULL);
		if (n < INT_MAX)
			n++;
	}
	sl_seg_reader_close(r);
	if (rc == SL_SEG_EOF)
		return n;
	if (cb != NULL)
		cb(arg, NULL, &d);
	if (dmg != NULL)
		*dmg = d;
	return rc;
}

/* ---- writer ---- */

static uint64_t
now_ns(const struct sl_seg_writer *w)
{
	return w->o.now_ns != NULL ? w->o.now_ns() : wall_ns();
}

static struct seg_file *
cur(struct sl_seg_writer *w)
{
	return &w->files[w->nfiles - 1];
}

static uint64_t
write_pos(const struct sl_seg_writer *w)
{
	const struct seg_file *f = &w->files[w->nfiles - 1];

	return f->base + f->size;
}

static int
files_push(struct sl_seg_writer *w, uint64_t base, uint64_t size)
{
	if (w->nfiles == w->cap) {
		unsigned int ncap = w->cap ? 2 * w->cap : 16;
		struct seg_file *f = realloc(w->files, ncap * sizeof(*f));

		if (f == NULL)
			return -ENOMEM;
		w->files = f;
		w->cap = ncap;
	}
	w->files[w->nfiles].base = base;
	w->files[w->nfiles].size = size;
	w->nfiles++;
	return 0;
}

static void
files_drop(struct sl_seg_writer *w, unsigned int i)
{
	memmove(&w->files[i], &w->files[i + 1], (w->nfiles - i - 1) * sizeof(w->files[0]));
	w->nfiles--;
}

static void
seg_name(char *buf, size_t len, uint64_t base)
{
	snprintf(buf, len, "%020" PRIu64 SL_SEG_SUFFIX, base);
}

static int
cmp_file(const void *a, const void *b)
{
	const struct seg_file *x = a, *y = b;

	return x->base < y->base ? -1 : x->base > y->base;
}

/* Lists the directory's segment files into w->files, ascending. */
static int
scan_dir(struct sl_seg_writer *w)
{
	struct dirent *de;
	struct stat sb;
	uint64_t base;
	DIR *d;
	int fd, rc = 0;

	fd = dup(w->dirfd);
	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		rc = -errno;
		if (fd >= 0)
			close(fd);
		SL_LOG(ERR, "segment store %s: cannot list: %s", w->dir, strerror(-rc));
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		if (parse_name(de->d_name, &base) != 0)
			continue;
		if (fstatat(w->dirfd, de->d_name, &sb, AT_SYMLINK_NOFOLLOW) != 0 ||
		    !S_ISREG(sb.st_mode))
			continue;
		rc = files_push(w, base, (uint64_t)sb.st_size);
		if (rc != 0)
			break;
	}
	closedir(d);
	if (rc == 0 && w->nfiles > 1)
		qsort(w->files, w->nfiles, sizeof(w->files[0]), cmp_file);
	return rc;
}

static int
sync_dir(struct sl_seg_writer *w)
{
	if (w->o.fsync == SL_SEG_FSYNC_NONE || fsync(w->dirfd) == 0)
		return 0;
	SL_LOG(ERR, "segment store %s: fsync of directory: %s", w->dir, strerror(errno));
	return -errno;
}

/* Creates the file starting at base and makes it the current one. */
static int
create_file(struct sl_seg_writer *w, uint64_t base)
{
	uint8_t h[SL_SEG_FILE_HDR_LEN];
	char name[SL_SEG_NAME_LEN + 1];
	ssize_t k;
	int fd, rc;

	seg_name(name, sizeof(name), base);
	w->created_ns = now_ns(w);
	file_hdr_build(h, base, w->created_ns, w->store_id);
	fd = openat(w->dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		rc = -errno;
		SL_LOG(ERR, "segment store %s: cannot create %s: %s", w->dir, name, strerror(-rc));
		return rc;
	}
	do {
		k = pwrite(fd, h, sizeof(h), 0);
	} while (k < 0 && errno == EINTR);
	rc = k < 0 ? -errno : (size_t)k < sizeof(h) ? -ENOSPC : 0;
	if (rc == 0 && w->o.fsync != SL_SEG_FSYNC_NONE && fdatasync(fd) != 0)
		rc = -errno;
	if (rc == 0)
		rc = sync_dir(w);
	if (rc == 0)
		rc = files_push(w, base, SL_SEG_FILE_HDR_LEN);
	if (rc != 0) {
		SL_LOG(ERR, "segment store %s: cannot start %s: %s", w->dir, name, strerror(-rc));
		close(fd);
		unlinkat(w->dirfd, name, 0);
		return rc;
	}
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	return 0;
}

static int
do_sync(struct sl_seg_writer *w)
{
	uint64_t pos = write_pos(w);

	if (w->synced >= pos)
		return 0;
	if (fdatasync(w->fd) != 0) {
		int rc = -errno;

		/* The kernel may have dropped the dirty pages: nothing after this is trustworthy.
		 */
		w->failed = 1;
		w->st.write_errors++;
		SL_LOG(ERR, "segment store %s: fdatasync: %s; writer stopped", w->dir,
		       strerror(-rc));
		return rc;
	}
	w->synced = pos;
	w->last_sync_ns = now_ns(w);
	w->st.syncs++;
	return 0;
}

int
sl_seg_retain(struct sl_seg_writer *w)
{
	char name[SL_SEG_NAME_LEN + 1];
	uint64_t total = 0, now = now_ns(w);
	unsigned int i;
	struct stat sb;
	int n = 0;

	for (i = 0; i < w->nfiles; i++)
		total += w->files[i].size;
	while (w->nfiles > 1) {
		struct seg_file *f = &w->files[0];
		int del = w->o.retain_bytes != 0 && total > w->o.retain_bytes;

		seg_name(name, sizeof(name), f->base);
		if (!del && w->o.retain_age_ns != 0) {
			uint64_t mt;

			if (fstatat(w->dirfd, name, &sb, 0) != 0) {
				del = errno == ENOENT; /* removed by hand: forget it */
			} else {
				mt = (uint64_t)sb.st_mtim.tv_sec * 1000000000ull +
				     (uint64_t)sb.st_mtim.tv_nsec;
				del = now > mt && now - mt > w->o.retain_age_ns;
			}
		}
		if (!del)
			break;
		if (unlinkat(w->dirfd, name, 0) != 0 && errno != ENOENT) {
			int rc = -errno;

			SL_LOG(ERR, "segment store %s: retention cannot delete %s: %s", w->dir,
			       name, strerror(-rc));
			return rc;
		}
		total -= f->size;
		w->st.retention_files++;
		w->st.retention_bytes += f->size;
		files_drop(w, 0);
		n++;
	}
	return n;
}

static int
rotate(struct sl_seg_writer *w)
{
	int rc;

	if (w->o.fsync != SL_SEG_FSYNC_NONE) {
		rc = do_sync(w);
		if (rc != 0)
			return rc;
	}
	rc = create_file(w, write_pos(w));
	if (rc != 0)
		return rc;
	if (w->o.fsync == SL_SEG_FSYNC_NONE)
		w->synced = write_pos(w);
	w->st.rotations++;
	rc = sl_seg_retain(w);
	return rc < 0 ? rc : 0;
}

/*
 * Checks the newest file record by record. A clean file becomes the current
 * one; a damaged one is cut (or removed if even its header is bad) and
 * *next gets the position after every byte it ever held.
 */
static int
recover_newest(struct sl_seg_writer *w, int *clean, uint64_t *next)
{
	struct seg_file *f = cur(w);
	char name[SL_SEG_NAME_LEN + 1], path[PATH_MAX];
	struct sl_seg_damage d = {SL_SEG_ERR_NONE, 0};
	const struct sl_seg_file_hdr *fh;
	struct sl_seg_reader *r;
	struct sl_seg_rec rec;
	int rc, fd;

	seg_name(name, sizeof(name), f->base);
	snprintf(path, sizeof(path), "%s/%s", w->dir, name);
	r = sl_seg_reader_open(path);
	if (r == NULL) {
		rc = -errno;
		SL_LOG(ERR, "segment store %s: cannot open %s: %s", w->dir, name, strerror(-rc));
		return rc;
	}
	while ((rc = sl_seg_next(r, &rec, NULL, 0, &d)) == 0)
		;
	fh = sl_seg_reader_file_hdr(r);
	if (fh != NULL)
		memcpy(w->store_id, fh->store_id, SL_SEG_STORE_ID_LEN);
	if (fh != NULL && rc == SL_SEG_EOF)
		w->created_ns = fh->created_ns;
	f->size = r->size;
	sl_seg_reader_close(r);
	*next = f->base + f->size;
	*clean = rc == SL_SEG_EOF;
	if (rc == SL_SEG_EOF)
		return 0;
	if (d.kind == SL_SEG_ERR_IO) {
		SL_LOG(ERR, "segment store %s: read error in %s; not cutting", w->dir, name);
		return -EIO;
	}
	SL_LOG(WARNING, "segment store %s: %s: %s at offset %" PRIu64 ", cutting %" PRIu64 " bytes",
	       w->dir, name, sl_seg_err_str(d.kind), d.offset, f->size - d.offset);
	w->st.torn_tails++;
	w->st.torn_bytes += f->size - d.offset;
	if (d.offset == 0) {
		/* Not even a header (a crash right after create): nothing in it to keep. */
		if (unlinkat(w->dirfd, name, 0) != 0) {
			rc = -errno;
			SL_LOG(ERR, "segment store %s: cannot remove %s: %s", w->dir, name,
			       strerror(-rc));
			return rc;
		}
		files_drop(w, w->nfiles - 1);
		return 0;
	}
	fd = openat(w->dirfd, name, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)d.offset) != 0 ||
	    (w->o.fsync != SL_SEG_FSYNC_NONE && fdatasync(fd) != 0)) {
		rc = -errno;
		SL_LOG(ERR, "segment store %s: cannot cut %s: %s", w->dir, name, strerror(-rc));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	close(fd);
	f->size = d.offset;
	return 0;
}

/* Takes the store id from the newest file with a good header, if the newest had none. */
static void
store_id_from_older(struct sl_seg_writer *w)
{
	char path[PATH_MAX], name[SL_SEG_NAME_LEN + 1];
	const struct sl_seg_file_hdr *fh;
	struct sl_seg_reader *r;
	unsigned int i;

	for (i = w->nfiles; i-- > 0 && all_zero(w->store_id, SL_SEG_STORE_ID_LEN);) {
		seg_name(name, sizeof(name), w->files[i].base);
		snprintf(path, sizeof(path), "%s/%s", w->dir, name);
		r = sl_seg_reader_open(path);
		if (r != NULL && (fh = sl_seg_reader_file_hdr(r)) != NULL)
			memcpy(w->store_id, fh->store_id, SL_SEG_STORE_ID_LEN);
		sl_seg_reader_close(r);
	}
}

static int
opts_apply(struct sl_seg_writer_opts *o, const struct sl_seg_writer_opts *in)
{
	if (in != NULL)
		*o = *in;
	if (o->file_max_bytes == 0)
		o->file_max_bytes = SL_SEG_FILE_MAX_DEFAULT;
	if (o->fsync_interval_ns == 0)
		o->fsync_interval_ns = SL_SEG_FSYNC_INTERVAL_DEFAULT;
	if (o->file_max_bytes < FILE_MAX_MIN || (unsigned int)o->fsync > SL_SEG_FSYNC_BATCH)
		return -EINVAL;
	return 0;
}

struct sl_seg_writer *
sl_seg_writer_open(const char *dir, const struct sl_seg_writer_opts *opts)
{
	struct sl_seg_writer *w;
	uint64_t next = 0;
	int rc, clean = 0;

	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return NULL;
	w->fd = -1;
	w->dirfd = -1;
	rc = opts_apply(&w->o, opts);
	if (rc != 0) {
		SL_LOG(ERR, "segment store %s: bad options", dir);
		goto err;
	}
	w->dir = strdup(dir);
	if (w->dir == NULL) {
		rc = -ENOMEM;
		goto err;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST) {
		rc = -errno;
		SL_LOG(ERR, "segment store %s: cannot create: %s", dir, strerror(-rc));
		goto err;
	}
	w->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w->dirfd < 0) {
		rc = -errno;
		SL_LOG(ERR, "segment store %s: cannot open: %s", dir, strerror(-rc));
		goto err;
	}
	rc = scan_dir(w);
	if (rc == 0 && w->nfiles > 0)
		rc = recover_newest(w, &clean, &next);
	if (rc != 0)
		goto err;
	store_id_from_older(w);
	if (!all_zero(w->o.store_id, SL_SEG_STORE_ID_LEN)) {
		if (w->nfiles > 0 && !all_zero(w->store_id, SL_SEG_STORE_ID_LEN) &&
		    memcmp(w->store_id, w->o.store_id, SL_SEG_STORE_ID_LEN) != 0) {
			rc = -EINVAL;
			SL_LOG(ERR, "segment store %s: files belong to another store", dir);
			goto err;
		}
		memcpy(w->store_id, w->o.store_id, SL_SEG_STORE_ID_LEN);
	} else if (all_zero(w->store_id, SL_SEG_STORE_ID_LEN) &&
	           getrandom(w->store_id, SL_SEG_STORE_ID_LEN, 0) != SL_SEG_STORE_ID_LEN) {
		rc = errno ? -errno : -EIO;
		SL_LOG(ERR, "segment store %s: getrandom: %s", dir, strerror(-rc));
		goto err;
	}
	if (clean) {
		char name[SL_SEG_NAME_LEN + 1];

		seg_name(name, sizeof(name), cur(w)->base);
		w->fd = openat(w->dirfd, name, O_WRONLY | O_CLOEXEC);
		if (w->fd < 0) {
			rc = -errno;
			SL_LOG(ERR, "segment store %s: cannot reopen %s: %s", dir, name,
			       strerror(-rc));
			goto err;
		}
	} else {
		rc = create_file(w, next);
		if (rc != 0)
			goto err;
	}
	w->synced = write_pos(w);
	w->last_sync_ns = now_ns(w);
	rc = sl_seg_retain(w);
	if (rc < 0)
		goto err;
	return w;
err:
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w->files);
	free(w->dir);
	free(w);
	errno = -rc;
	return NULL;
}

/* Undoes a failed or short write so the file ends on a whole record again. */
static int
write_failed(struct sl_seg_writer *w, int rc)
{
	w->st.write_errors++;
	if (ftruncate(w->fd, (off_t)cur(w)->size) != 0) {
		w->failed = 1;
		SL_LOG(ERR, "segment store %s: write: %s, and cannot undo it: %s; writer stopped",
		       w->dir, strerror(-rc), strerror(errno));
		return -EIO;
	}
	SL_LOG(ERR, "segment store %s: write: %s", w->dir, strerror(-rc));
	return rc;
}

int
sl_seg_append(struct sl_seg_writer *w, const struct sl_seg_rec_info *info,
              const struct iovec *payload, int n, uint64_t *end)
{
	static const uint8_t zeros[SL_SEG_ALIGN];
	struct iovec v[SL_SEG_IOV_MAX + 2];
	uint8_t h[SL_SEG_REC_HDR_LEN];
	uint64_t comp = 0, pad, rec_len, off, now;
	int i, cnt = 0, rc;
	uint32_t crc;

	if (w->failed)
		return -EIO;
	if ((unsigned int)info->signal >= SL_SIGNAL_MAX || n < 1 || n > SL_SEG_IOV_MAX ||
	    info->raw_len > SL_SEG_PAYLOAD_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		comp += payload[i].iov_len;
	if (comp == 0)
		return -EINVAL;
	if (comp > SL_SEG_PAYLOAD_MAX)
		return -EFBIG;
	pad = pad_of(comp);
	rec_len = SL_SEG_REC_HDR_LEN + comp + pad;
	now = now_ns(w);
	if (cur(w)->size > SL_SEG_FILE_HDR_LEN &&
	    (cur(w)->size + rec_len > w->o.file_max_bytes ||
	     (w->o.file_max_age_ns != 0 && now >= w->created_ns &&
	      now - w->created_ns >= w->o.file_max_age_ns))) {
		rc = rotate(w);
		if (rc != 0)
			return rc;
	}
	off = cur(w)->size;

	memset(h, 0, sizeof(h));
	memcpy(h, SL_SEG_REC_MAGIC, 4);
	put16(h + 4, SL_SEG_VERSION);
	put16(h + 6, SL_SEG_REC_HDR_LEN);
	h[8] = (uint8_t)info->signal;
	put32(h + 12, info->route_id);
	put32(h + 16, info->item_count);
	put32(h + 20, info->dict_id);
	put32(h + 24, info->raw_len);
	put32(h + 28, (uint32_t)comp);
	put64(h + 32, info->first_recv_ns);
	put64(h + 40, info->last_recv_ns);
	put64(h + 48, cur(w)->base + off);
	crc = sl_crc32c(0, h, 60);
	v[cnt].iov_base = h;
	v[cnt++].iov_len = sizeof(h);
	for (i = 0; i < n; i++) {
		crc = sl_crc32c(crc, payload[i].iov_base, payload[i].iov_len);
		if (payload[i].iov_len > 0)
			v[cnt++] = payload[i];
	}
	if (pad > 0) {
		crc = sl_crc32c(crc, zeros, pad);
		v[cnt].iov_base = (void *)(uintptr_t)zeros;
		v[cnt++].iov_len = pad;
	}
	put32(h + 60, crc);

	for (i = 0; i < cnt;) {
		ssize_t k = pwritev(w->fd, v + i, cnt - i, (off_t)off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return write_failed(w, k < 0 ? -errno : -ENOSPC);
		off += (uint64_t)k;
		while (i < cnt && (size_t)k >= v[i].iov_len)
			k -= (ssize_t)v[i++].iov_len;
		if (i < cnt) {
			v[i].iov_base = (uint8_t *)v[i].iov_base + k;
			v[i].iov_len -= (size_t)k;
		}
	}
	cur(w)->size = off;
	w->st.records++;
	w->st.bytes += rec_len;
	if (w->o.fsync == SL_SEG_FSYNC_NONE)
		w->synced = write_pos(w);
	else if (w->o.fsync == SL_SEG_FSYNC_INTERVAL &&
	         now - w->last_sync_ns >= w->o.fsync_interval_ns)
		(void)do_sync(w); /* a failure stops the writer; the next call reports it */
	if (end != NULL)
		*end = write_pos(w);
	return 0;
}

int
sl_seg_sync(struct sl_seg_writer *w, uint64_t *durable)
{
	int rc = 0;

	if (w->failed)
		return -EIO;
	if (w->o.fsync != SL_SEG_FSYNC_NONE)
		rc = do_sync(w);
	if (rc == 0 && durable != NULL)
		*durable = w->synced;
	return rc;
}

const struct sl_seg_stats *
sl_seg_writer_stats(const struct sl_seg_writer *w)
{
	return &w->st;
}

uint64_t
sl_seg_writer_pos(const struct sl_seg_writer *w)
{
	return write_pos(w);
}

int
sl_seg_writer_close(struct sl_seg_writer *w)
{
	int rc = 0;

	if (w == NULL)
		return 0;
	if (!w->failed && w->o.fsync != SL_SEG_FSYNC_NONE)
		rc = do_sync(w);
	if (w->fd >= 0)
		close(w->fd);
	if (w->dirfd >= 0)
		close(w->dirfd);
	free(w->files);
	free(w->dir);
	free(w);
	return rc;
}

/* ---- zstd ---- */

struct sl_seg_codec *
sl_seg_codec_create(int level)
{
	struct sl_seg_codec *c;

	if (level < ZSTD_minCLevel() || level > ZSTD_maxCLevel()) {
		SL_LOG(ERR, "segment zstd level %d outside %d..%d", level, ZSTD_minCLevel(),
		       ZSTD_maxCLevel());
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->level = level;
	c->cc = ZSTD_createCCtx();
	c->dc = ZSTD_createDCtx();
	if (c->cc == NULL || c->dc == NULL ||
	    ZSTD_isError(ZSTD_CCtx_setParameter(c->cc, ZSTD_c_compressionLevel, level))) {
		sl_seg_codec_free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void
sl_seg_codec_free(struct sl_seg_codec *c)
{
	unsigned int i;

	if (c == NULL)
		return;
	ZSTD_freeCCtx(c->cc);
	ZSTD_freeDCtx(c->dc);
	for (i = 0; i < SL_SIGNAL_MAX; i++)
		ZSTD_freeCDict(c->cdict[i]);
	for (i = 0; i < c->ndicts; i++) {
		ZSTD_freeDDict(c->dicts[i].dd);
		free(c->dicts[i].buf);
	}
	free(c->dicts);
	free(c);
}

/* Parses "<signal>-<decimal id>.zdict"; -EINVAL for any other name. */
static int
parse_dict_name(const char *name, enum sl_signal *sig, uint32_t *id)
{
	size_t n = strlen(name), sfx = sizeof(SL_SEG_DICT_SUFFIX) - 1;
	const char *dash = strchr(name, '-'), *p;
	uint64_t v = 0;
	unsigned int s;

	if (dash == NULL || n <= sfx || strcmp(name + n - sfx, SL_SEG_DICT_SUFFIX) != 0)
		return -EINVAL;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		const char *sn = sl_signal_name((enum sl_signal)s);

		if (strlen(sn) == (size_t)(dash - name) && strncmp(name, sn, strlen(sn)) == 0)
			break;
	}
	if (s == SL_SIGNAL_MAX || dash + 1 == name + n - sfx)
		return -EINVAL;
	for (p = dash + 1; p < name + n - sfx; p++) {
		if (*p < '0' || *p > '9' || (v = v * 10 + (uint64_t)(*p - '0')) > UINT32_MAX)
			return -EINVAL;
	}
	*sig = (enum sl_signal)s;
	*id = (uint32_t)v;
	return 0;
}

static struct seg_dict *
dict_find(struct sl_seg_codec *c, uint32_t id)
{
	unsigned int i;

	for (i = 0; i < c->ndicts; i++)
		if (c->dicts[i].id == id)
			return &c->dicts[i];
	return NULL;
}

/* Reads and checks one dictionary file; 1 if added, 0 if its id was loaded already. */
static int
dict_load_one(struct sl_seg_codec *c, int dirfd, const char *dir, const char *name)
{
	struct seg_dict d = {0};
	struct stat sb;
	uint32_t id;
	ssize_t k;
	int fd, rc;

	if (parse_dict_name(name, &d.sig, &d.id) != 0 || d.id == 0) {
		SL_LOG(ERR, "dictionary %s/%s: name is not <traces|metrics|logs>-<id>.zdict", dir,
		       name);
		return -EINVAL;
	}
	if (dict_find(c, d.id) != NULL)
		return 0; /* nearer directories are loaded first and win */
	if (c->ndicts == SL_SEG_DICTS_MAX) {
		SL_LOG(ERR, "dictionary %s/%s: more than %u dictionaries", dir, name,
		       SL_SEG_DICTS_MAX);
		return -E2BIG;
	}
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		rc = -errno;
		goto fail;
	}
	rc = -EINVAL;
	if (!S_ISREG(sb.st_mode) || sb.st_size < 8 || (uint64_t)sb.st_size > SL_SEG_DICT_MAX)
		goto fail;
	d.len = (size_t)sb.st_size;
	d.mtime_ns = (uint64_t)sb.st_mtim.tv_sec * 1000000000ull + (uint64_t)sb.st_mtim.tv_nsec;
	d.buf = malloc(d.len);
	if (d.buf == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	k = pread_full(fd, d.buf, d.len, 0);
	if (k < 0 || (size_t)k != d.len) {
		rc = k < 0 ? (int)k : -EIO;
		goto fail;
	}
	/* The name must say what the content is: a reader looks dictionaries up by the name. */
	id = (uint32_t)ZDICT_getDictID(d.buf, d.len);
	if (id != d.id) {
		SL_LOG(ERR, "dictionary %s/%s: content has id %u, not the id in its name", dir,
		       name, id);
		rc = -EINVAL;
		goto out;
	}
	d.dd = ZSTD_createDDict(d.buf, d.len);
	if (d.dd == NULL) {
		rc = -EINVAL;
		goto fail;
	}
	if (c->ndicts == c->dcap) {
		unsigned int ncap = c->dcap ? 2 * c->dcap : 8;
		struct seg_dict *nd = realloc(c->dicts, ncap * sizeof(*nd));

		if (nd == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
		c->dicts = nd;
		c->dcap = ncap;
	}
	c->dicts[c->ndicts++] = d;
	close(fd);
	return 1;
fail:
	SL_LOG(ERR, "dictionary %s/%s: %s", dir, name,
	       rc == -EINVAL ? "not a zstd dictionary, or too large" : strerror(-rc));
out:
	if (fd >= 0)
		close(fd);
	ZSTD_freeDDict(d.dd);
	free(d.buf);
	return rc;
}

/* Makes the CDict of each signal's newest dictionary (highest mtime, then highest id). */
static int
dicts_pick(struct sl_seg_codec *c)
{
	unsigned int s, i;

	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		const struct seg_dict *best = NULL;

		for (i = 0; i < c->ndicts; i++) {
			const struct seg_dict *d = &c->dicts[i];

			if (d->sig == s && (best == NULL || d->mtime_ns > best->mtime_ns ||
			                    (d->mtime_ns == best->mtime_ns && d->id > best->id)))
				best = d;
		}
		if (best == NULL || best->id == c->cdict_id[s])
			continue;
		ZSTD_freeCDict(c->cdict[s]);
		c->cdict_id[s] = 0;
		c->cdict[s] = ZSTD_createCDict(best->buf, best->len, c->level);
		if (c->cdict[s] == NULL)
			return -ENOMEM;
		c->cdict_id[s] = best->id;
	}
	return 0;
}

int
sl_seg_codec_load_dicts(struct sl_seg_codec *c, const char *dir)
{
	struct dirent *de;
	int fd, dfd, rc = 0, n = 0;
	DIR *d;

	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	dfd = dup(fd);
	if (dfd < 0 || (d = fdopendir(dfd)) == NULL) {
		rc = -errno;
		if (dfd >= 0)
			close(dfd);
		close(fd);
		return rc;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name), sfx = sizeof(SL_SEG_DICT_SUFFIX) - 1;

		if (len <= sfx || strcmp(de->d_name + len - sfx, SL_SEG_DICT_SUFFIX) != 0)
			continue;
		rc = dict_load_one(c, fd, dir, de->d_name);
		if (rc < 0)
			break;
		n += rc;
		rc = 0;
	}
	closedir(d);
	close(fd);
	if (rc == 0)
		rc = dicts_pick(c);
	return rc < 0 ? rc : n;
}

uint32_t
sl_seg_codec_dict(const struct sl_seg_codec *c, enum sl_signal sig)
{
	return (unsigned int)sig < SL_SIGNAL_MAX ? c->cdict_id[sig] : 0;
}

size_t
sl_seg_compress_bound(size_t raw_len)
{
	return ZSTD_compressBound(raw_len);
}

int
sl_seg_compress(struct sl_seg_codec *c, enum sl_signal sig, const struct iovec *src, int n,
                void *dst, size_t cap, uint32_t *comp_len, uint32_t *raw_len, uint32_t *dict_id)
{
	ZSTD_outBuffer out = {dst, cap, 0};
	uint64_t raw = 0;
	size_t left;
	int i;

	if ((unsigned int)sig >= SL_SIGNAL_MAX)
		return -EINVAL;
	for (i = 0; i < n; i++)
		raw += src[i].iov_len;
	if (raw > SL_SEG_PAYLOAD_MAX)
		return -EFBIG;
	ZSTD_CCtx_reset(c->cc, ZSTD_reset_session_only);
	/*
	 * refCDict only stores the pointer (NULL clears it); the context keeps its
	 * tables sized for the largest setup seen, so alternating signals does not
	 * allocate once each has been compressed once.
	 */
	if (ZSTD_isError(ZSTD_CCtx_refCDict(c->cc, c->cdict[sig])))
		return -EIO;
	/* The frame then declares its content size, which readers check against raw_len. */
	if (ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(c->cc, raw)))
		return -EIO;
	for (i = 0; i < n; i++) {
		ZSTD_inBuffer in = {src[i].iov_base, src[i].iov_len, 0};

		while (in.pos < in.size) {
			size_t before = in.pos;

			left = ZSTD_compressStream2(c->cc, &out, &in, ZSTD_e_continue);
			if (ZSTD_isError(left))
				goto zerr;
			if (in.pos == before && out.pos == out.size)
				goto full;
		}
	}
	do {
		ZSTD_inBuffer none = {NULL, 0, 0};

		left = ZSTD_compressStream2(c->cc, &out, &none, ZSTD_e_end);
		if (ZSTD_isError(left))
			goto zerr;
		if (left != 0 && out.pos == out.size)
			goto full;
	} while (left != 0);
	if (out.pos > SL_SEG_PAYLOAD_MAX)
		goto full;
	*comp_len = (uint32_t)out.pos;
	*raw_len = (uint32_t)raw;
	*dict_id = c->cdict_id[sig];
	return 0;
full:
	ZSTD_CCtx_reset(c->cc, ZSTD_reset_session_only);
	return -EFBIG;
zerr:
	SL_LOG(ERR, "segment zstd compress: %s", ZSTD_getErrorName(left));
	ZSTD_CCtx_reset(c->cc, ZSTD_reset_session_only);
	return -EIO;
}

int
sl_seg_decompress(struct sl_seg_codec *c, const struct sl_seg_rec *rec, const void *payload,
                  void *dst, size_t cap)
{
	ZSTD_inBuffer in = {payload, rec->comp_len, 0};
	ZSTD_outBuffer out = {dst, rec->raw_len, 0};
	const struct seg_dict *d = NULL;
	size_t left;

	if (rec->dict_id != 0) {
		d = dict_find(c, rec->dict_id);
		if (d == NULL)
			return -ENOTSUP; /* not logged: the caller names rec->dict_id with its file */
	}
	if (cap < rec->raw_len)
		return -ENOBUFS;
	ZSTD_DCtx_reset(c->dc, ZSTD_reset_session_only);
	/* Only a pointer: the DDict was digested at load. The frame's own dict id must match. */
	if (ZSTD_isError(ZSTD_DCtx_refDDict(c->dc, d != NULL ? d->dd : NULL)))
		return -EIO;
	for (;;) {
		size_t ip = in.pos, op = out.pos;

		left = ZSTD_decompressStream(c->dc, &out, &in);
		if (ZSTD_isError(left))
			return -EBADMSG;
		if (left == 0)
			break;
		if (in.pos == ip && out.pos == op)
			return -EBADMSG; /* needs more input than the record has, or more room */
	}
	if (in.pos != in.size || out.pos != rec->raw_len)
		return -EBADMSG;
	return 0;
}
