/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: body decompression stays bounded, agrees whole vs cut and with compressors. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#include <zstd.h>

#include "proto/decompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: byte 0 picks the codec (low 2 bits) and the mode (bit 7: round
 * trip), byte 1 seeds the fragment cuts, the rest is the payload.
 *   decode mode: the payload is fed as a compressed body, whole and cut;
 *     both must give the same answer, only 0, -EFBIG or -EBADMSG, and the
 *     same bytes; nothing is written past the cap (a guard zone checks).
 *   round trip: the payload is compressed with libdeflate or zstd, then
 *     decoded cut: it must come back exactly with cap = its size, and be
 *     -EFBIG with one byte less.
 */
#define CAP   (1u << 20)
#define GUARD 64

static struct sl_decomp *dc;
static struct libdeflate_compressor *lc;
static ZSTD_CCtx *zc;
static uint8_t out_a[CAP + GUARD], out_b[CAP + GUARD], zbuf[2 * CAP];

static int
decode(enum sl_decomp_codec codec, const uint8_t *in, size_t n, uint8_t seed, int cut,
       uint8_t *out, size_t cap, size_t *got)
{
	struct sl_iov fr[64];
	uint64_t x = seed * 0x9e3779b97f4a7c15ull + 1;
	unsigned nf = 0, i;
	size_t start = 0;
	int rc;

	while (start < n || nf == 0) {
		size_t flen = n - start;
		uint8_t *p;

		if (cut && nf < 63) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			flen = x % (seed & 1 ? 8 : 200); /* empty fragments too */
			if (flen > n - start)
				flen = n - start;
		}
		p = malloc(flen ? flen : 1);
		if (p == NULL)
			abort();
		memcpy(p, in + start, flen);
		fr[nf].base = p;
		fr[nf].len = (uint32_t)flen;
		nf++;
		start += flen;
	}
	memset(out + cap, 0xa5, GUARD);
	rc = sl_decomp_run(dc, codec, fr, nf, out, cap, got);
	for (i = 0; i < GUARD; i++)
		if (out[cap + i] != 0xa5)
			abort();
	for (i = 0; i < nf; i++)
		free((void *)fr[i].base);
	if (rc != 0 && rc != -EFBIG && rc != -EBADMSG)
		abort();
	if (rc == 0 && *got > cap)
		abort();
	return rc;
}

static size_t
compress(enum sl_decomp_codec codec, const uint8_t *in, size_t n, int level)
{
	switch (codec) {
	case SL_DECOMP_GZIP:
		return libdeflate_gzip_compress(lc, in, n, zbuf, sizeof(zbuf));
	case SL_DECOMP_DEFLATE:
		return (level & 1) ? libdeflate_zlib_compress(lc, in, n, zbuf, sizeof(zbuf))
				   : libdeflate_deflate_compress(lc, in, n, zbuf, sizeof(zbuf));
	default: {
		size_t r = ZSTD_compressCCtx(zc, zbuf, sizeof(zbuf), in, n, 1 + level % 5);

		return ZSTD_isError(r) ? 0 : r;
	}
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum sl_decomp_codec codec;
	const uint8_t *in = data + 2;
	size_t n, ga = 0, gb = 0, zn;
	int ra, rb;

	if (dc == NULL) {
		dc = sl_decomp_create(NULL);
		lc = libdeflate_alloc_compressor(6);
		zc = ZSTD_createCCtx();
		if (dc == NULL || lc == NULL || zc == NULL)
			abort();
	}
	if (size < 2)
		return 0;
	n = size - 2;
	codec = (enum sl_decomp_codec)(1 + (data[0] & 3) % 3);
	if (data[0] & 0x80) {
		if (n == 0 || n > CAP)
			return 0;
		zn = compress(codec, in, n, data[0] >> 2);
		if (zn == 0)
			abort();
		if (decode(codec, zbuf, zn, data[1], 1, out_a, n, &ga) != 0 || ga != n ||
		    memcmp(out_a, in, n) != 0)
			abort();
		if (decode(codec, zbuf, zn, data[1], 1, out_a, n - 1, &ga) != -EFBIG)
			abort();
		return 0;
	}
	ra = decode(codec, in, n, data[1], 0, out_a, CAP, &ga);
	rb = decode(codec, in, n, data[1], 1, out_b, CAP, &gb);
	if (ra != rb || ga != gb || (ra == 0 && memcmp(out_a, out_b, ga) != 0))
		abort();
	return 0;
}
