/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of body decompression: split round trips, exact limits, bombs, corrupt input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <libdeflate.h>
#define ZSTD_STATIC_LINKING_ONLY
#include <zstd.h>

#include "proto/decompress.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct sl_decomp *dc;
static uint64_t rng = 0x2545f4914f6cdd1dull;
static long ld_allocs; /* libdeflate allocations since the hook was set */

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static void *
count_malloc(size_t n)
{
	ld_allocs++;
	return malloc(n);
}

/* A body that compresses like OTLP: repeated keys and names, random ids and timestamps. */
static uint8_t *
make_payload(size_t n)
{
	static const char *words[] = {"service.name", "checkout", "http.method", "POST",
				      "http.status_code", "net.peer.name", "span", "GET /cart"};
	uint8_t *b = malloc(n);
	size_t i = 0, k;

	assert_non_null(b);
	while (i < n) {
		const char *w = words[rnd() % ARRAY_LEN(words)];

		for (k = 0; w[k] != '\0' && i < n; k++)
			b[i++] = (uint8_t)w[k];
		for (k = 0; k < 1 + rnd() % 12 && i < n; k++)
			b[i++] = (uint8_t)rnd();
	}
	return b;
}

struct blob {
	uint8_t *p;
	size_t n;
};

static struct blob
gzip_of(const uint8_t *in, size_t n, int level)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(level);
	struct blob b;

	assert_non_null(c);
	b.p = malloc(libdeflate_gzip_compress_bound(c, n));
	assert_non_null(b.p);
	b.n = libdeflate_gzip_compress(c, in, n, b.p, libdeflate_gzip_compress_bound(c, n));
	assert_true(b.n > 0);
	libdeflate_free_compressor(c);
	return b;
}

static struct blob
zlib_of(const uint8_t *in, size_t n)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	struct blob b;

	b.p = malloc(libdeflate_zlib_compress_bound(c, n));
	b.n = libdeflate_zlib_compress(c, in, n, b.p, libdeflate_zlib_compress_bound(c, n));
	assert_true(b.n > 0);
	libdeflate_free_compressor(c);
	return b;
}

static struct blob
raw_of(const uint8_t *in, size_t n)
{
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(6);
	struct blob b;

	b.p = malloc(libdeflate_deflate_compress_bound(c, n));
	b.n = libdeflate_deflate_compress(c, in, n, b.p, libdeflate_deflate_compress_bound(c, n));
	assert_true(b.n > 0);
	libdeflate_free_compressor(c);
	return b;
}

static struct blob
zstd_of(const uint8_t *in, size_t n, int checksum)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	struct blob b;

	b.p = malloc(ZSTD_compressBound(n));
	ZSTD_CCtx_setParameter(c, ZSTD_c_compressionLevel, 3);
	ZSTD_CCtx_setParameter(c, ZSTD_c_checksumFlag, checksum);
	b.n = ZSTD_compress2(c, b.p, ZSTD_compressBound(n), in, n);
	assert_false(ZSTD_isError(b.n));
	ZSTD_freeCCtx(c);
	return b;
}

/* A zstd frame made by streaming: no content size in the header, window as set. */
static struct blob
zstd_stream_of(const uint8_t *in, size_t n, int wlog)
{
	ZSTD_CCtx *c = ZSTD_createCCtx();
	ZSTD_inBuffer ib = {in, n, 0};
	ZSTD_outBuffer ob;
	struct blob b;
	size_t r;

	b.p = malloc(ZSTD_compressBound(n) + 64);
	ob.dst = b.p;
	ob.size = ZSTD_compressBound(n) + 64;
	ob.pos = 0;
	ZSTD_CCtx_setParameter(c, ZSTD_c_contentSizeFlag, 0);
	if (wlog)
		ZSTD_CCtx_setParameter(c, ZSTD_c_windowLog, wlog);
	/* continue, then end: the size is never known to the compressor, so the window stays */
	r = ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_continue);
	assert_false(ZSTD_isError(r));
	assert_int_equal(ib.pos, n);
	do {
		r = ZSTD_compressStream2(c, &ob, &ib, ZSTD_e_end);
		assert_false(ZSTD_isError(r));
	} while (r != 0);
	b.n = ob.pos;
	ZSTD_freeCCtx(c);
	return b;
}

static struct blob
cat(struct blob a, struct blob b)
{
	struct blob r;

	r.n = a.n + b.n;
	r.p = malloc(r.n);
	memcpy(r.p, a.p, a.n);
	memcpy(r.p + a.n, b.p, b.n);
	free(a.p);
	free(b.p);
	return r;
}

/* A skippable frame (RFC 8878 3.1.2) with n bytes of junk. */
static struct blob
skippable(size_t n)
{
	struct blob b;

	b.n = 8 + n;
	b.p = malloc(b.n);
	b.p[0] = 0x5a; /* magic 0x184D2A5A, little-endian */
	b.p[1] = 0x2a;
	b.p[2] = 0x4d;
	b.p[3] = 0x18;
	b.p[4] = (uint8_t)n;
	b.p[5] = (uint8_t)(n >> 8);
	b.p[6] = 0;
	b.p[7] = 0;
	memset(b.p + 8, 0xee, n);
	return b;
}

/*
 * Decompresses in[0..n) cut at cuts[] into a buffer of exactly cap bytes,
 * each fragment in its own heap block (ASan sees any over-read).
 */
static int
run_cut(enum sl_decomp_codec codec, const uint8_t *in, size_t n, const size_t *cuts, size_t nc,
	uint8_t *out, size_t cap, size_t *out_len)
{
	struct sl_iov fr[512];
	size_t f, start = 0;
	int rc;

	assert_true(nc + 1 <= ARRAY_LEN(fr));
	for (f = 0; f <= nc; f++) {
		size_t end = f < nc ? cuts[f] : n;
		uint8_t *p = malloc(end - start ? end - start : 1);

		memcpy(p, in + start, end - start);
		fr[f].base = p;
		fr[f].len = (uint32_t)(end - start);
		start = end;
	}
	rc = sl_decomp_run(dc, codec, fr, (unsigned)(nc + 1), out, cap, out_len);
	for (f = 0; f <= nc; f++)
		free((void *)fr[f].base);
	return rc;
}

static int
run_whole(enum sl_decomp_codec codec, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
	  size_t *out_len)
{
	return run_cut(codec, in, n, NULL, 0, out, cap, out_len);
}

/* Round trip whole, cut at every position (or every step-th), and randomly. */
static void
round_trip(enum sl_decomp_codec codec, struct blob z, const uint8_t *plain, size_t plain_n)
{
	uint8_t *out = malloc(plain_n + 1);
	size_t cuts[64], got, k, it, step = z.n > 4000 ? z.n / 1500 : 1;

	assert_int_equal(run_whole(codec, z.p, z.n, out, plain_n + 1, &got), 0);
	assert_int_equal(got, plain_n);
	assert_memory_equal(out, plain, plain_n);
	for (k = 1; k < z.n; k += step) {
		memset(out, 0, plain_n);
		got = 0;
		if (run_cut(codec, z.p, z.n, &k, 1, out, plain_n, &got) != 0)
			fail_msg("cut at %zu: %s", k, sl_decomp_reason(dc));
		assert_int_equal(got, plain_n);
		assert_memory_equal(out, plain, plain_n);
	}
	for (it = 0; it < 100; it++) {
		size_t nc = 0, pos = 0, maxstep = 1 + rnd() % (z.n / 8 + 1);

		for (;;) {
			pos += 1 + rnd() % maxstep;
			if (pos >= z.n || nc == ARRAY_LEN(cuts))
				break;
			cuts[nc++] = pos;
		}
		assert_int_equal(run_cut(codec, z.p, z.n, cuts, nc, out, plain_n, &got), 0);
		assert_int_equal(got, plain_n);
		assert_memory_equal(out, plain, plain_n);
	}
	free(out);
}

/* The output limit is exact: plain_n - 1 bytes is -EFBIG, plain_n and plain_n + 1 fit. */
static void
limit_exact(enum sl_decomp_codec codec, struct blob z, const uint8_t *plain, size_t plain_n)
{
	uint8_t *out = malloc(plain_n + 1);
	uint8_t *small = malloc(plain_n - 1);
	size_t got;

	assert_int_equal(run_whole(codec, z.p, z.n, small, plain_n - 1, &got), -EFBIG);
	assert_int_equal(got, 0);
	assert_int_equal(run_whole(codec, z.p, z.n, out, plain_n, &got), 0);
	assert_int_equal(got, plain_n);
	assert_memory_equal(out, plain, plain_n);
	assert_int_equal(run_whole(codec, z.p, z.n, out, plain_n + 1, &got), 0);
	assert_int_equal(got, plain_n);
	free(out);
	free(small);
}

static int
setup(void **state)
{
	(void)state;
	dc = sl_decomp_create(NULL);
	return dc == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	(void)state;
	sl_decomp_free(dc);
	dc = NULL;
	return 0;
}

static void
codec_names(void **state)
{
	(void)state;
	assert_int_equal(sl_decomp_codec_parse("gzip", 4), SL_DECOMP_GZIP);
	assert_int_equal(sl_decomp_codec_parse("GZip", 4), SL_DECOMP_GZIP);
	assert_int_equal(sl_decomp_codec_parse("x-gzip", 6), SL_DECOMP_GZIP);
	assert_int_equal(sl_decomp_codec_parse("deflate", 7), SL_DECOMP_DEFLATE);
	assert_int_equal(sl_decomp_codec_parse("ZSTD", 4), SL_DECOMP_ZSTD);
	assert_int_equal(sl_decomp_codec_parse("identity", 8), SL_DECOMP_IDENTITY);
	assert_int_equal(sl_decomp_codec_parse("", 0), SL_DECOMP_IDENTITY);
	assert_int_equal(sl_decomp_codec_parse("br", 2), -ENOTSUP);
	assert_int_equal(sl_decomp_codec_parse("gzip, zstd", 10), -ENOTSUP);
	assert_int_equal(sl_decomp_codec_parse("gzi", 3), -ENOTSUP);
}

static void
create_rejects_bad_config(void **state)
{
	struct sl_decomp_config c = {0, 9};

	(void)state;
	errno = 0;
	assert_null(sl_decomp_create(&c));
	assert_int_equal(errno, EINVAL);
	c.zstd_window_log_max = 32;
	assert_null(sl_decomp_create(&c));
	sl_decomp_free(NULL);
}

static void
gzip_round_trips(void **state)
{
	uint8_t *plain = make_payload(20000);
	struct blob z = gzip_of(plain, 20000, 6);

	(void)state;
	round_trip(SL_DECOMP_GZIP, z, plain, 20000);
	limit_exact(SL_DECOMP_GZIP, z, plain, 20000);
	free(z.p);
	/* level 1 and 12 use different block types */
	z = gzip_of(plain, 20000, 1);
	round_trip(SL_DECOMP_GZIP, z, plain, 20000);
	free(z.p);
	z = gzip_of(plain, 20000, 12);
	round_trip(SL_DECOMP_GZIP, z, plain, 20000);
	free(z.p);
	/* level 0: stored blocks, output the size of the input */
	z = gzip_of(plain, 20000, 0);
	round_trip(SL_DECOMP_GZIP, z, plain, 20000);
	free(z.p);
	free(plain);
}

static void
gzip_multi_member(void **state)
{
	uint8_t *plain = make_payload(30000);
	struct blob z = cat(cat(gzip_of(plain, 10000, 6), gzip_of(plain + 10000, 1, 6)),
			    gzip_of(plain + 10001, 19999, 9));

	(void)state;
	round_trip(SL_DECOMP_GZIP, z, plain, 30000);
	limit_exact(SL_DECOMP_GZIP, z, plain, 30000);
	free(z.p);
	free(plain);
}

static void
deflate_zlib_and_raw(void **state)
{
	uint8_t *plain = make_payload(20000);
	struct blob z = zlib_of(plain, 20000);
	struct blob r = raw_of(plain, 20000);

	(void)state;
	round_trip(SL_DECOMP_DEFLATE, z, plain, 20000);
	limit_exact(SL_DECOMP_DEFLATE, z, plain, 20000);
	round_trip(SL_DECOMP_DEFLATE, r, plain, 20000);
	limit_exact(SL_DECOMP_DEFLATE, r, plain, 20000);
	free(z.p);
	free(r.p);
	free(plain);
}

/* A raw stream whose first bytes pass the zlib header check still decodes as raw. */
static void
deflate_raw_looks_like_zlib(void **state)
{
	uint8_t in[64];
	uint8_t out[64];
	size_t got, n = 0;

	(void)state;
	/*
	 * Byte 0 = 0x08: BFINAL 0, BTYPE 00 (stored), low nibble 8 as zlib's CM;
	 * byte 1 = 0x1d: (0x08 << 8 | 0x1d) % 31 == 0, so the zlib check passes.
	 * As raw: the stored block's LEN is bytes 1-2 = 0x1d, 0x00 -> 29.
	 */
	assert_int_equal(((0x08 << 8) | 0x1d) % 31, 0);
	in[n++] = 0x08;
	in[n++] = 0x1d;
	in[n++] = 0x00;
	in[n++] = 0xe2; /* NLEN = ~29 */
	in[n++] = 0xff;
	memset(in + n, 'a', 29);
	n += 29;
	/* final empty stored block */
	in[n++] = 0x01;
	in[n++] = 0x00;
	in[n++] = 0x00;
	in[n++] = 0xff;
	in[n++] = 0xff;
	assert_int_equal(run_whole(SL_DECOMP_DEFLATE, in, n, out, sizeof(out), &got), 0);
	assert_int_equal(got, 29);
	assert_int_equal(out[0], 'a');
}

static void
zstd_round_trips(void **state)
{
	uint8_t *plain = make_payload(60000);
	struct blob z = zstd_of(plain, 60000, 1);

	(void)state;
	round_trip(SL_DECOMP_ZSTD, z, plain, 60000);
	limit_exact(SL_DECOMP_ZSTD, z, plain, 60000);
	free(z.p);
	/* streamed: no content size, so nothing is refused early */
	z = zstd_stream_of(plain, 60000, 0);
	round_trip(SL_DECOMP_ZSTD, z, plain, 60000);
	limit_exact(SL_DECOMP_ZSTD, z, plain, 60000);
	free(z.p);
	free(plain);
}

static void
zstd_multi_frame_and_skippable(void **state)
{
	uint8_t *plain = make_payload(50000);
	struct blob z;

	(void)state;
	z = cat(skippable(5), zstd_of(plain, 20000, 1));
	z = cat(z, skippable(0));
	z = cat(z, zstd_stream_of(plain + 20000, 1, 0));
	z = cat(z, zstd_of(plain + 20001, 29999, 0));
	z = cat(z, skippable(300));
	round_trip(SL_DECOMP_ZSTD, z, plain, 50000);
	limit_exact(SL_DECOMP_ZSTD, z, plain, 50000);
	free(z.p);
	free(plain);
}

/* A pre-1.0 zstd frame (magic 0xFD2FB526, v0.6) is refused as corrupt, not as a server fault. */
static void
zstd_legacy_refused(void **state)
{
	static const uint8_t v06[] = {0x26, 0xb5, 0x2f, 0xfd, 0x04, 0x68, 0x0d, 0x0b,
				      0x00, 0x06, 0x9b, 0x38, 0x17, 0x90, 0xab, 0x58};
	uint8_t out[256];
	size_t got;

	(void)state;
	assert_int_equal(run_whole(SL_DECOMP_ZSTD, v06, sizeof(v06), out, sizeof(out), &got),
			 -EBADMSG);
	assert_string_equal(sl_decomp_reason(dc), "Unknown frame descriptor");
}

static void
zstd_window_limit(void **state)
{
	struct sl_decomp_config c = {0, 28};
	struct sl_decomp *big;
	uint8_t *plain = make_payload(10000);
	struct blob z = zstd_stream_of(plain, 10000, 28); /* declares a 256 MiB window */
	uint8_t *out = malloc(10000);
	size_t got;

	(void)state;
	assert_int_equal(run_whole(SL_DECOMP_ZSTD, z.p, z.n, out, 10000, &got), -EFBIG);
	assert_string_equal(sl_decomp_reason(dc), "zstd window larger than the limit");
	big = sl_decomp_create(&c);
	assert_non_null(big);
	{
		struct sl_iov fr = {z.p, (uint32_t)z.n};

		assert_int_equal(sl_decomp_run(big, SL_DECOMP_ZSTD, &fr, 1, out, 10000, &got), 0);
		assert_int_equal(got, 10000);
		assert_memory_equal(out, plain, 10000);
	}
	sl_decomp_free(big);
	free(out);
	free(z.p);
	free(plain);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* zstd RLE blocks of 128 KiB of zeros: 4 bytes of input per 128 KiB of output. */
static struct blob
zstd_rle_bomb(uint64_t claimed, int declare)
{
	uint64_t blocks = claimed / (128 * 1024);
	struct blob b;
	size_t n = 0;
	uint64_t i;

	b.p = malloc(14 + blocks * 4);
	b.p[n++] = 0x28; /* magic 0xFD2FB528 */
	b.p[n++] = 0xb5;
	b.p[n++] = 0x2f;
	b.p[n++] = 0xfd;
	if (declare) {
		b.p[n++] = 0xc0; /* FCS 8 bytes, window descriptor present */
		b.p[n++] = 0x38; /* window 2^(10+7) = 128 KiB */
		for (i = 0; i < 8; i++)
			b.p[n++] = (uint8_t)(claimed >> (8 * i));
	} else {
		b.p[n++] = 0x00; /* no FCS, no checksum */
		b.p[n++] = 0x38;
	}
	for (i = 0; i < blocks; i++) {
		/* block header: last?, type 1 (RLE), size 128 KiB; then the byte */
		uint32_t h = (uint32_t)(i + 1 == blocks) | (1u << 1) | ((128u * 1024) << 3);

		b.p[n++] = (uint8_t)h;
		b.p[n++] = (uint8_t)(h >> 8);
		b.p[n++] = (uint8_t)(h >> 16);
		b.p[n++] = 0;
	}
	b.n = n;
	return b;
}

static void
bombs_are_refused_quickly(void **state)
{
	const size_t cap = SL_DECOMP_OUT_CAP_DEFAULT;
	uint8_t *out = malloc(cap + 64);
	uint8_t *zeros = calloc(1, 1 << 20);
	struct libdeflate_compressor *c = libdeflate_alloc_compressor(12);
	struct blob z, member;
	size_t got, i;
	double t0, dt;

	(void)state;
	memset(out + cap, 0x5a, 64);

	/* zstd declaring 10 GiB: refused from the frame header */
	z = zstd_rle_bomb(10ull << 30, 1);
	t0 = now_s();
	assert_int_equal(run_whole(SL_DECOMP_ZSTD, z.p, z.n, out, cap, &got), -EFBIG);
	dt = now_s() - t0;
	print_message("# zstd 10 GiB declared (%zu bytes in): %.3f ms\n", z.n, dt * 1e3);
	assert_string_equal(sl_decomp_reason(dc), "zstd frame declares more than the limit");
	assert_true(dt < 2.0);
	free(z.p);

	/* zstd of 1 GiB zeros declaring nothing: stops at the limit */
	z = zstd_rle_bomb(1ull << 30, 0);
	t0 = now_s();
	assert_int_equal(run_whole(SL_DECOMP_ZSTD, z.p, z.n, out, cap, &got), -EFBIG);
	dt = now_s() - t0;
	print_message("# zstd 1 GiB undeclared (%zu bytes in): %.3f ms\n", z.n, dt * 1e3);
	assert_string_equal(sl_decomp_reason(dc), "decompressed body larger than the limit");
	assert_true(dt < 2.0);
	free(z.p);

	/* gzip: 1024 members of 1 MiB of zeros each (1 GiB), about 1 KiB each */
	member.p = malloc(libdeflate_gzip_compress_bound(c, 1 << 20));
	member.n = libdeflate_gzip_compress(c, zeros, 1 << 20, member.p,
					    libdeflate_gzip_compress_bound(c, 1 << 20));
	z.n = member.n * 1024;
	z.p = malloc(z.n);
	for (i = 0; i < 1024; i++)
		memcpy(z.p + i * member.n, member.p, member.n);
	ld_allocs = 0;
	t0 = now_s();
	assert_int_equal(run_whole(SL_DECOMP_GZIP, z.p, z.n, out, cap, &got), -EFBIG);
	dt = now_s() - t0;
	print_message("# gzip 1 GiB in 1024 members (%zu bytes in): %.3f ms\n", z.n, dt * 1e3);
	assert_true(dt < 2.0);
	assert_int_equal(ld_allocs, 0);
	free(z.p);
	free(member.p);

	/* one deflate stream of 64 MiB of zeros */
	{
		uint8_t *big = calloc(1, 64u << 20);

		z.p = malloc(libdeflate_zlib_compress_bound(c, 64u << 20));
		z.n = libdeflate_zlib_compress(c, big, 64u << 20, z.p,
					       libdeflate_zlib_compress_bound(c, 64u << 20));
		free(big);
	}
	t0 = now_s();
	assert_int_equal(run_whole(SL_DECOMP_DEFLATE, z.p, z.n, out, cap, &got), -EFBIG);
	dt = now_s() - t0;
	print_message("# zlib 64 MiB of zeros (%zu bytes in): %.3f ms\n", z.n, dt * 1e3);
	assert_true(dt < 2.0);
	assert_int_equal(ld_allocs, 0);
	free(z.p);

	for (i = 0; i < 64; i++)
		assert_int_equal(out[cap + i], 0x5a);
	libdeflate_free_compressor(c);
	free(zeros);
	free(out);
}

/*
 * Every strict prefix of a single stream is -EBADMSG, as are bit flips in
 * checksums. The output has room to spare: libdeflate reads missing input as
 * zero bits, and a truncated stream whose true size is within a few bytes of
 * the limit can run out of room (-EFBIG) before it runs out of input.
 */
#define ROOM (3000 + 4096)

static void
truncated_and_corrupt(void **state)
{
	uint8_t *plain = make_payload(3000);
	struct {
		enum sl_decomp_codec codec;
		struct blob z;
	} t[4];
	uint8_t *out = malloc(ROOM);
	size_t got, k;
	unsigned i;
	int rc;

	(void)state;
	t[0].codec = SL_DECOMP_GZIP;
	t[0].z = gzip_of(plain, 3000, 6);
	t[1].codec = SL_DECOMP_DEFLATE;
	t[1].z = zlib_of(plain, 3000);
	t[2].codec = SL_DECOMP_DEFLATE;
	t[2].z = raw_of(plain, 3000);
	t[3].codec = SL_DECOMP_ZSTD;
	t[3].z = zstd_of(plain, 3000, 1);
	for (i = 0; i < ARRAY_LEN(t); i++) {
		for (k = 0; k < t[i].z.n; k++) {
			rc = run_whole(t[i].codec, t[i].z.p, k, out, ROOM, &got);
			if (rc != -EBADMSG)
				fail_msg("codec %d prefix %zu of %zu: %d", t[i].codec, k, t[i].z.n,
					 rc);
		}
		/* data after the end */
		t[i].z.p = realloc(t[i].z.p, t[i].z.n + 1);
		t[i].z.p[t[i].z.n] = 0x01;
		assert_int_equal(run_whole(t[i].codec, t[i].z.p, t[i].z.n + 1, out, ROOM, &got),
				 -EBADMSG);
	}
	/* checksums: gzip CRC32 (8 bytes from the end), zlib Adler-32, zstd XXH64 */
	t[0].z.p[t[0].z.n - 8] ^= 1;
	assert_int_equal(run_whole(SL_DECOMP_GZIP, t[0].z.p, t[0].z.n, out, ROOM, &got), -EBADMSG);
	t[1].z.p[t[1].z.n - 1] ^= 1;
	assert_int_equal(run_whole(SL_DECOMP_DEFLATE, t[1].z.p, t[1].z.n, out, ROOM, &got),
			 -EBADMSG);
	t[3].z.p[t[3].z.n - 1] ^= 1;
	assert_int_equal(run_whole(SL_DECOMP_ZSTD, t[3].z.p, t[3].z.n, out, ROOM, &got),
			 -EBADMSG);
	print_message("# zstd reason: %s\n", sl_decomp_reason(dc));
	for (i = 0; i < ARRAY_LEN(t); i++)
		free(t[i].z.p);
	free(out);
	free(plain);
}

static void
garbage_empty_identity(void **state)
{
	uint8_t junk[4096], out[8192];
	size_t got;
	struct sl_iov none = {junk, 0};
	unsigned i, r;

	(void)state;
	for (r = 0; r < 200; r++) {
		for (i = 0; i < sizeof(junk); i++)
			junk[i] = (uint8_t)rnd();
		junk[0] = 0xff; /* not a zstd magic, not a gzip magic */
		assert_int_equal(run_whole(SL_DECOMP_GZIP, junk, sizeof(junk), out, sizeof(out),
					   &got),
				 -EBADMSG);
		assert_int_equal(run_whole(SL_DECOMP_ZSTD, junk, sizeof(junk), out, sizeof(out),
					   &got),
				 -EBADMSG);
		assert_true(run_whole(SL_DECOMP_DEFLATE, junk, sizeof(junk), out, sizeof(out),
				      &got) < 0);
	}
	assert_int_equal(sl_decomp_run(dc, SL_DECOMP_GZIP, &none, 1, out, sizeof(out), &got),
			 -EBADMSG);
	assert_string_equal(sl_decomp_reason(dc), "empty compressed body");
	assert_int_equal(sl_decomp_run(dc, SL_DECOMP_ZSTD, NULL, 0, out, sizeof(out), &got),
			 -EBADMSG);
	assert_int_equal(sl_decomp_run(dc, SL_DECOMP_IDENTITY, &none, 1, out, sizeof(out), &got),
			 -EINVAL);
}

static void
gather_buffer_bound(void **state)
{
	struct sl_decomp_config c = {1000, 0};
	struct sl_decomp *small = sl_decomp_create(&c);
	uint8_t *plain = make_payload(20000);
	struct blob z = gzip_of(plain, 20000, 6);
	uint8_t *out = malloc(20000);
	struct sl_iov fr[3];
	size_t got;

	(void)state;
	assert_non_null(small);
	assert_true(z.n > 1000);
	/* one fragment is used in place: no gather, no in_cap limit */
	fr[0].base = z.p;
	fr[0].len = (uint32_t)z.n;
	assert_int_equal(sl_decomp_run(small, SL_DECOMP_GZIP, fr, 1, out, 20000, &got), 0);
	assert_int_equal(got, 20000);
	/* ... also with empty fragments around it */
	fr[1] = fr[0];
	fr[0].len = 0;
	fr[2].base = z.p;
	fr[2].len = 0;
	assert_int_equal(sl_decomp_run(small, SL_DECOMP_GZIP, fr, 3, out, 20000, &got), 0);
	/* several fragments must be gathered: over in_cap is -EFBIG */
	fr[0].base = z.p;
	fr[0].len = 10;
	fr[1].base = z.p + 10;
	fr[1].len = (uint32_t)z.n - 10;
	assert_int_equal(sl_decomp_run(small, SL_DECOMP_GZIP, fr, 2, out, 20000, &got), -EFBIG);
	assert_string_equal(sl_decomp_reason(small),
			    "compressed body larger than the gather buffer");
	sl_decomp_free(small);
	free(out);
	free(z.p);
	free(plain);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(codec_names),
		cmocka_unit_test(create_rejects_bad_config),
		cmocka_unit_test_setup_teardown(gzip_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(gzip_multi_member, setup, teardown),
		cmocka_unit_test_setup_teardown(deflate_zlib_and_raw, setup, teardown),
		cmocka_unit_test_setup_teardown(deflate_raw_looks_like_zlib, setup, teardown),
		cmocka_unit_test_setup_teardown(zstd_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(zstd_multi_frame_and_skippable, setup, teardown),
		cmocka_unit_test_setup_teardown(zstd_legacy_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(zstd_window_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(bombs_are_refused_quickly, setup, teardown),
		cmocka_unit_test_setup_teardown(truncated_and_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(garbage_empty_identity, setup, teardown),
		cmocka_unit_test(gather_buffer_bound),
	};

	/* count libdeflate's allocations: the decompressor's at create, none per request */
	libdeflate_set_memory_allocator(count_malloc, free);
	return cmocka_run_group_tests_name("decompress", tests, NULL, NULL);
}
