/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark: request-body inflate (libdeflate, zlib, ISA-L) and zstd on OTLP-shaped bodies. */

/*
 * Usage: decompress_bench [seconds-per-case]   (default 0.5)
 *
 * Builds OTLP ExportTraceServiceRequest protobufs (real field layout: random
 * trace and span ids, increasing timestamps, a handful of semantic-convention
 * attributes per span), compresses each with gzip (libdeflate level 6, what
 * a Go or Java client's default level gives within a few percent) and zstd
 * level 3, then times one core decompressing the same body again and again.
 * The body is cut into 1448-byte fragments, as TCP hands it up, for the
 * decoders that stream (zlib, ISA-L, zstd, and sluice's own path, which
 * gathers the fragments for libdeflate); zlib and ISA-L are also timed on
 * the whole body. Prints the best and median MB/s of decompressed output
 * over 5 rounds and the best microseconds per request. Numbers go to
 * docs/compression.md with the command line and the CPU.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libdeflate.h>
#include <zstd.h>
#ifdef HAVE_ZLIB
#include <zlib.h>
#endif
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "proto/decompress.h"

#define MSS 1448

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Minimal protobuf writer into a growing buffer. */
struct pb {
	uint8_t *p;
	size_t n, cap;
};

static void
pb_raw(struct pb *b, const void *s, size_t n)
{
	if (b->n + n > b->cap) {
		b->cap = (b->n + n) * 2;
		b->p = realloc(b->p, b->cap);
		if (b->p == NULL)
			abort();
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void
pb_varint(struct pb *b, uint64_t v)
{
	uint8_t t[10];
	size_t n = 0;

	do {
		t[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	pb_raw(b, t, n);
}

static void
pb_bytes(struct pb *b, unsigned field, const void *s, size_t n)
{
	pb_varint(b, (uint64_t)field << 3 | 2);
	pb_varint(b, n);
	pb_raw(b, s, n);
}

static void
pb_str(struct pb *b, unsigned field, const char *s)
{
	pb_bytes(b, field, s, strlen(s));
}

static void
pb_fixed64(struct pb *b, unsigned field, uint64_t v)
{
	pb_varint(b, (uint64_t)field << 3 | 1);
	pb_raw(b, &v, 8);
}

static void
pb_msg(struct pb *b, unsigned field, struct pb *m)
{
	pb_bytes(b, field, m->p, m->n);
	m->n = 0;
}

/* KeyValue{key=1, value=AnyValue{string_value=1 | int_value=3}} */
static void
kv_str(struct pb *b, unsigned field, const char *k, const char *v)
{
	struct pb any = {0}, kv = {0};

	pb_str(&any, 1, v);
	pb_str(&kv, 1, k);
	pb_msg(&kv, 2, &any);
	pb_msg(b, field, &kv);
	free(any.p);
	free(kv.p);
}

static void
kv_int(struct pb *b, unsigned field, const char *k, uint64_t v)
{
	struct pb any = {0}, kv = {0};

	pb_varint(&any, 3 << 3);
	pb_varint(&any, v);
	pb_str(&kv, 1, k);
	pb_msg(&kv, 2, &any);
	pb_msg(b, field, &kv);
	free(any.p);
	free(kv.p);
}

/* An ExportTraceServiceRequest of about `bytes` bytes, 64 spans per ResourceSpans. */
static struct pb
make_otlp(size_t bytes)
{
	static const char *names[] = {"GET /api/cart", "POST /api/checkout", "SELECT orders",
				      "redis GET", "grpc.oteldemo.CartService/GetCart"};
	static const char *routes[] = {"/api/cart", "/api/checkout", "/api/products/{id}"};
	struct pb req = {0}, rs = {0}, res = {0}, ss = {0}, scope = {0}, span = {0};
	uint64_t t = 1700000000000000000ull;
	char buf[64];
	unsigned k;

	while (req.n < bytes) {
		snprintf(buf, sizeof(buf), "pod-%04u", (unsigned)(rnd() % 50));
		kv_str(&res, 1, "service.name", "checkoutservice");
		kv_str(&res, 1, "service.version", "1.8.2");
		kv_str(&res, 1, "k8s.pod.name", buf);
		kv_str(&res, 1, "telemetry.sdk.language", "go");
		pb_msg(&rs, 1, &res);
		pb_str(&scope, 1, "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp");
		pb_str(&scope, 2, "0.46.1");
		pb_msg(&ss, 1, &scope);
		for (k = 0; k < 64; k++) {
			uint64_t id[2] = {rnd(), rnd()}, sid = rnd(), psid = rnd();

			pb_bytes(&span, 1, id, 16);
			pb_bytes(&span, 2, &sid, 8);
			pb_bytes(&span, 4, &psid, 8);
			pb_str(&span, 5, names[rnd() % 5]);
			pb_varint(&span, 6 << 3);
			pb_varint(&span, 1 + rnd() % 3);
			t += rnd() % 1000000;
			pb_fixed64(&span, 7, t);
			pb_fixed64(&span, 8, t + rnd() % 50000000);
			kv_str(&span, 9, "http.method", k & 1 ? "GET" : "POST");
			kv_str(&span, 9, "http.route", routes[rnd() % 3]);
			kv_int(&span, 9, "http.status_code", rnd() % 10 ? 200 : 503);
			snprintf(buf, sizeof(buf), "10.%u.%u.%u", (unsigned)(rnd() % 256),
				 (unsigned)(rnd() % 256), (unsigned)(rnd() % 256));
			kv_str(&span, 9, "net.peer.ip", buf);
			pb_msg(&ss, 2, &span);
		}
		pb_msg(&rs, 2, &ss);
		pb_msg(&req, 1, &rs);
	}
	free(rs.p);
	free(res.p);
	free(ss.p);
	free(scope.p);
	free(span.p);
	return req;
}

/*
 * Thread CPU time, not wall time: on a shared build machine the wall clock
 * also counts the time other jobs hold the core, which is not ours to count.
 */
static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct body {
	const uint8_t *z;
	size_t zn;
	struct sl_iov frags[16384];
	unsigned nf;
	size_t plain_n;
	uint8_t *out;
	size_t cap;
};

typedef int (*decode_fn)(struct body *b);

static struct libdeflate_decompressor *ld;
static struct sl_decomp *sd;
static ZSTD_DCtx *zd;

static int
d_libdeflate(struct body *b)
{
	size_t got;

	if (libdeflate_gzip_decompress(ld, b->z, b->zn, b->out, b->cap, &got) != 0)
		return -1;
	return got == b->plain_n ? 0 : -1;
}

static int
d_sluice_gzip(struct body *b)
{
	size_t got;

	return sl_decomp_run(sd, SL_DECOMP_GZIP, b->frags, b->nf, b->out, b->cap, &got);
}

static int
d_sluice_zstd(struct body *b)
{
	size_t got;

	return sl_decomp_run(sd, SL_DECOMP_ZSTD, b->frags, b->nf, b->out, b->cap, &got);
}

static int
d_zstd_whole(struct body *b)
{
	size_t r = ZSTD_decompressDCtx(zd, b->out, b->cap, b->z, b->zn);

	return ZSTD_isError(r) || r != b->plain_n ? -1 : 0;
}

#ifdef HAVE_ZLIB
static z_stream zs;

static int
d_zlib(struct body *b)
{
	unsigned i;
	int rc = Z_OK;

	inflateReset(&zs);
	zs.next_out = b->out;
	zs.avail_out = (uInt)b->cap;
	for (i = 0; i < b->nf && rc != Z_STREAM_END; i++) {
		zs.next_in = (Bytef *)b->frags[i].base;
		zs.avail_in = b->frags[i].len;
		rc = inflate(&zs, Z_NO_FLUSH);
		if (rc != Z_OK && rc != Z_STREAM_END)
			return -1;
	}
	return rc == Z_STREAM_END && zs.total_out == b->plain_n ? 0 : -1;
}
#endif

#ifdef HAVE_ISAL
static struct inflate_state is;

static int
d_isal(struct body *b)
{
	unsigned i;

	isal_inflate_reset(&is);
	is.crc_flag = ISAL_GZIP;
	is.next_out = b->out;
	is.avail_out = (uint32_t)b->cap;
	for (i = 0; i < b->nf; i++) {
		is.next_in = (uint8_t *)b->frags[i].base;
		is.avail_in = b->frags[i].len;
		if (isal_inflate(&is) != ISAL_DECOMP_OK)
			return -1;
	}
	return is.block_state == ISAL_BLOCK_FINISH && is.total_out == b->plain_n ? 0 : -1;
}
#endif

static void
cut(struct body *b)
{
	size_t at = 0;

	b->nf = 0;
	while (at < b->zn) {
		size_t n = b->zn - at < MSS ? b->zn - at : MSS;

		b->frags[b->nf].base = b->z + at;
		b->frags[b->nf].len = (uint32_t)n;
		b->nf++;
		at += n;
	}
}

/* Best and median of ROUNDS timed rounds: the best is what the code does, the median the noise. */
#define ROUNDS 5

static int
cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
bench(const char *name, decode_fn fn, struct body *b, double secs)
{
	double rate[ROUNDS], best_us = 1e30;
	unsigned r;

	if (fn(b) != 0) {
		printf("  %-30s FAILED\n", name);
		return;
	}
	for (r = 0; r < ROUNDS; r++) {
		unsigned long iters = 0, batch = 1, i;
		double t0 = now(), dt;

		do {
			for (i = 0; i < batch; i++)
				if (fn(b) != 0)
					abort();
			iters += batch;
			batch *= 2;
			dt = now() - t0;
		} while (dt < secs / ROUNDS);
		rate[r] = (double)b->plain_n * (double)iters / dt / 1e6;
		if (dt / (double)iters * 1e6 < best_us)
			best_us = dt / (double)iters * 1e6;
	}
	qsort(rate, ROUNDS, sizeof(rate[0]), cmp_dbl);
	printf("  %-30s %6.0f MB/s (median %6.0f) %9.1f us/request\n", name, rate[ROUNDS - 1],
	       rate[ROUNDS / 2], best_us);
}

/* Runs fn over the body in one fragment: what a decoder does with contiguous input. */
static void
bench_whole(const char *name, decode_fn fn, struct body *b, double secs)
{
	unsigned nf = b->nf;
	struct sl_iov first = b->frags[0];

	b->frags[0].base = b->z;
	b->frags[0].len = (uint32_t)b->zn;
	b->nf = 1;
	bench(name, fn, b, secs);
	b->frags[0] = first;
	b->nf = nf;
}

int
main(int argc, char **argv)
{
	static const size_t sizes[] = {4096, 65536, 1 << 20, 8 << 20};
	double secs = argc > 1 ? atof(argv[1]) : 0.5;
	struct libdeflate_compressor *lc = libdeflate_alloc_compressor(6);
	static struct body b;
	unsigned s;

	ld = libdeflate_alloc_decompressor();
	sd = sl_decomp_create(NULL);
	zd = ZSTD_createDCtx();
	if (lc == NULL || ld == NULL || sd == NULL || zd == NULL)
		return 1;
#ifdef HAVE_ZLIB
	if (inflateInit2(&zs, 15 + 16) != Z_OK)
		return 1;
#endif
#ifdef HAVE_ISAL
	isal_inflate_init(&is);
#endif
	printf("libdeflate %s, zstd %s", LIBDEFLATE_VERSION_STRING, ZSTD_versionString());
#ifdef HAVE_ZLIB
	printf(", zlib %s", zlibVersion());
#endif
#ifdef HAVE_ISAL
	printf(", ISA-L");
#endif
	printf("; %.2f s per case, %u-byte fragments\n", secs, MSS);
	printf("  %-30s %6s best (median) %9s\n", "decoder", "MB/s", "best us");

	for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		struct pb req = make_otlp(sizes[s]);
		size_t gcap = libdeflate_gzip_compress_bound(lc, req.n);
		uint8_t *gz = malloc(gcap), *zz = malloc(ZSTD_compressBound(req.n));
		size_t gn = libdeflate_gzip_compress(lc, req.p, req.n, gz, gcap);
		size_t zn = ZSTD_compress(zz, ZSTD_compressBound(req.n), req.p, req.n, 3);

		b.plain_n = req.n;
		b.cap = SL_DECOMP_OUT_CAP_DEFAULT;
		b.out = malloc(b.cap);
		printf("\nOTLP traces request, %zu bytes: gzip-6 %zu bytes (%.1fx), zstd-3 %zu "
		       "bytes (%.1fx)\n",
		       req.n, gn, (double)req.n / (double)gn, zn, (double)req.n / (double)zn);
		b.z = gz;
		b.zn = gn;
		cut(&b);
		bench("gzip libdeflate, whole", d_libdeflate, &b, secs);
		bench("gzip sluice, gather+libdeflate", d_sluice_gzip, &b, secs);
#ifdef HAVE_ZLIB
		bench_whole("gzip zlib, whole", d_zlib, &b, secs);
		bench("gzip zlib, streamed", d_zlib, &b, secs);
#endif
#ifdef HAVE_ISAL
		bench_whole("gzip ISA-L, whole", d_isal, &b, secs);
		bench("gzip ISA-L, streamed", d_isal, &b, secs);
#endif
		b.z = zz;
		b.zn = zn;
		cut(&b);
		bench("zstd one-shot, whole", d_zstd_whole, &b, secs);
		bench("zstd sluice, streamed", d_sluice_zstd, &b, secs);
		free(b.out);
		free(gz);
		free(zz);
		free(req.p);
	}
	libdeflate_free_compressor(lc);
	libdeflate_free_decompressor(ld);
	sl_decomp_free(sd);
	ZSTD_freeDCtx(zd);
	return 0;
}
