/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounded decompression of request bodies: gzip/deflate via libdeflate, zstd via libzstd. */

/*
 * Design
 * ------
 * One struct sl_decomp per poll core, made at start, reused for every
 * compressed request, freed at exit. A request body arrives as fragments
 * (struct sl_iov, slices of the receive mbufs); it is inflated once into the
 * caller's per-core output buffer (DESIGN rule 4), which the server then
 * wraps as an external-buffer mbuf so everything downstream sees slices.
 *
 *   gzip / deflate          zstd
 *   frags --memcpy--> in[]  frags ------------------------------+
 *          (skipped when    (streamed, no gather)               |
 *           one fragment)                                       v
 *   in[] --libdeflate--> out[0..out_cap)  <--ZSTD_decompressStream
 *
 * Memory is fixed at create: libdeflate's decompressor (11 KiB), a static
 * zstd context (ZSTD_initStaticDCtx, 222 KiB: the context plus one 128 KiB
 * block of input staging) and the gather buffer in[in_cap]. Nothing on the
 * request path allocates: libdeflate never does while decompressing, and a
 * static zstd context cannot (it fails with memory_allocation instead).
 *
 * The copy of the compressed body into in[] is accepted by the design:
 * libdeflate only decompresses whole buffers. It costs a memcpy of the
 * compressed bytes (a third of the output for OTLP traces with random ids),
 * is skipped when the body is one fragment, and buys libdeflate's speed
 * (docs/compression.md has the measured comparison with zlib and ISA-L).
 *
 * zstd decodes with ZSTD_d_stableOutBuffer: it writes straight into out[]
 * and uses it as its window, so it keeps no window buffer of its own. The
 * window limit (default 2^27, as in stock zstd) therefore costs no memory;
 * it only refuses frames a stock decoder would refuse. It is checked on
 * every frame header here (zstd_frame_check) as well as set as
 * ZSTD_d_windowLogMax, because libzstd alone enforces it only on some paths.
 *
 * Bounds: out_cap is a hard limit for every codec (libdeflate stops with
 * INSUFFICIENT_SPACE, zstd with dstSize_tooSmall as the first byte past it
 * would be written), so a bomb costs at most out_cap bytes of work, a few
 * milliseconds. A zstd frame that declares a content size over the room left
 * is refused before it is decoded. All these answers are -EFBIG (413).
 *
 * Accepted inputs: gzip = one or more concatenated RFC 1952 members, nothing
 * after the last; deflate = an RFC 1950 zlib stream, or, when the first two
 * bytes are not a valid zlib header or the zlib decode fails, a raw RFC 1951
 * stream (some clients send raw deflate for "deflate"); zstd = one or more
 * RFC 8878 frames, skippable frames anywhere, checksums verified (frames of
 * the pre-1.0 formats libzstd can still read are refused: they need memory
 * allocated while decoding).
 *
 * Rejected alternatives: zlib or ISA-L streaming inflate would avoid the
 * gather copy, but on OTLP trace bodies gather + libdeflate is 18-28% faster
 * than ISA-L streamed and 1.4-2.2x faster than zlib (perf/decompress_bench,
 * numbers and command in docs/compression.md); a dynamic zstd context
 * reallocates its buffers when frames change size (and shrinks them after
 * 128 oversized uses): an allocation on a poll core.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <libdeflate.h>
#define ZSTD_STATIC_LINKING_ONLY /* static context, stable output: pinned to Debian's 1.5.4 */
#include <zstd.h>
#include <zstd_errors.h>

#include "proto/decompress.h"

struct sl_decomp {
	struct libdeflate_decompressor *ld;
	ZSTD_DCtx *zd; /* lives in zws */
	void *zws;
	uint8_t *in;
	size_t in_cap;
	uint64_t zstd_window_max;
	const char *reason;
};

static inline uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

static int
name_is(const char *v, size_t len, const char *name)
{
	size_t i;

	if (strlen(name) != len)
		return 0;
	for (i = 0; i < len; i++)
		if (lower((uint8_t)v[i]) != (uint8_t)name[i])
			return 0;
	return 1;
}

int
sl_decomp_codec_parse(const char *value, size_t len)
{
	if (len == 0 || name_is(value, len, "identity"))
		return SL_DECOMP_IDENTITY;
	if (name_is(value, len, "gzip") || name_is(value, len, "x-gzip"))
		return SL_DECOMP_GZIP;
	if (name_is(value, len, "deflate"))
		return SL_DECOMP_DEFLATE;
	if (name_is(value, len, "zstd"))
		return SL_DECOMP_ZSTD;
	return -ENOTSUP;
}

void
sl_decomp_free(struct sl_decomp *d)
{
	if (d == NULL)
		return;
	libdeflate_free_decompressor(d->ld);
	free(d->zws);
	free(d->in);
	free(d);
}

struct sl_decomp *
sl_decomp_create(const struct sl_decomp_config *cfg)
{
	struct sl_decomp *d;
	size_t in_cap = cfg && cfg->in_cap ? cfg->in_cap : SL_DECOMP_IN_CAP_DEFAULT;
	unsigned wlog = cfg && cfg->zstd_window_log_max ? cfg->zstd_window_log_max
							: SL_DECOMP_ZSTD_WLOG_DEFAULT;
	/*
	 * The context plus the input staging zstd sizes for a frame in stable
	 * output mode: max(block size, 4), and a block is at most 128 KiB.
	 */
	size_t zws_size = (ZSTD_estimateDCtxSize() + ZSTD_BLOCKSIZE_MAX + 63) & ~(size_t)63;

	if (wlog < ZSTD_WINDOWLOG_MIN || wlog > ZSTD_WINDOWLOG_MAX) {
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		goto nomem;
	d->reason = "";
	d->in_cap = in_cap;
	d->zstd_window_max = 1ull << wlog;
	d->ld = libdeflate_alloc_decompressor();
	d->zws = aligned_alloc(64, zws_size);
	d->in = malloc(in_cap);
	if (d->ld == NULL || d->zws == NULL || d->in == NULL)
		goto nomem;
	d->zd = ZSTD_initStaticDCtx(d->zws, zws_size);
	if (d->zd == NULL)
		goto nomem;
	if (ZSTD_isError(ZSTD_DCtx_setParameter(d->zd, ZSTD_d_windowLogMax, (int)wlog)) ||
	    ZSTD_isError(ZSTD_DCtx_setParameter(d->zd, ZSTD_d_stableOutBuffer, 1))) {
		sl_decomp_free(d);
		errno = EINVAL;
		return NULL;
	}
	return d;
nomem:
	sl_decomp_free(d);
	errno = ENOMEM;
	return NULL;
}

const char *
sl_decomp_reason(const struct sl_decomp *d)
{
	return d->reason;
}

static const char too_big[] = "decompressed body larger than the limit";

static int
fail(struct sl_decomp *d, int err, const char *reason)
{
	d->reason = reason;
	return err;
}

/* Makes the compressed body contiguous: the fragment itself if it is alone, else in[]. */
static int
gather(struct sl_decomp *d, const struct sl_iov *frags, unsigned n, size_t total,
       const uint8_t **in)
{
	unsigned i, nonempty = 0, last = 0;
	size_t at = 0;

	for (i = 0; i < n; i++) {
		if (frags[i].len > 0) {
			nonempty++;
			last = i;
		}
	}
	if (nonempty == 1) {
		*in = frags[last].base;
		return 0;
	}
	if (total > d->in_cap)
		return fail(d, -EFBIG, "compressed body larger than the gather buffer");
	for (i = 0; i < n; i++) {
		memcpy(d->in + at, frags[i].base, frags[i].len);
		at += frags[i].len;
	}
	*in = d->in;
	return 0;
}

static int
run_gzip(struct sl_decomp *d, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
	 size_t *out_len)
{
	size_t pos = 0, got = 0, used_in, used_out;
	enum libdeflate_result r;

	/* RFC 1952 2.2: a gzip file is a series of members; decode each in turn. */
	while (pos < in_len) {
		r = libdeflate_gzip_decompress_ex(d->ld, in + pos, in_len - pos, out + got,
						  out_cap - got, &used_in, &used_out);
		if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
			return fail(d, -EFBIG, too_big);
		if (r != LIBDEFLATE_SUCCESS)
			return fail(d, -EBADMSG,
				    pos == 0 ? "corrupt or truncated gzip"
					     : "corrupt gzip member or data after the last");
		pos += used_in;
		got += used_out;
	}
	*out_len = got;
	return 0;
}

/* RFC 1950 2.2: CM = 8, CINFO <= 7, header check bits make CMF*256+FLG a multiple of 31. */
static int
zlib_header_ok(const uint8_t *b, size_t n)
{
	return n >= 2 && (b[0] & 0x0f) == 8 && (b[0] >> 4) <= 7 && ((b[0] << 8) | b[1]) % 31 == 0;
}

static int
run_deflate(struct sl_decomp *d, const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
	    size_t *out_len)
{
	size_t used_in = 0, used_out = 0;
	enum libdeflate_result r;

	if (zlib_header_ok(in, in_len)) {
		r = libdeflate_zlib_decompress_ex(d->ld, in, in_len, out, out_cap, &used_in,
						  &used_out);
		if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
			return fail(d, -EFBIG, too_big);
		if (r == LIBDEFLATE_SUCCESS) {
			if (used_in != in_len)
				return fail(d, -EBADMSG, "data after the zlib stream");
			*out_len = used_out;
			return 0;
		}
		/* A raw stream can start with bytes that pass the zlib check: try it as raw. */
	}
	r = libdeflate_deflate_decompress_ex(d->ld, in, in_len, out, out_cap, &used_in, &used_out);
	if (r == LIBDEFLATE_INSUFFICIENT_SPACE)
		return fail(d, -EFBIG, too_big);
	if (r != LIBDEFLATE_SUCCESS)
		return fail(d, -EBADMSG, "corrupt or truncated deflate");
	if (used_in != in_len)
		return fail(d, -EBADMSG, "data after the deflate stream");
	*out_len = used_out;
	return 0;
}

static int
zstd_error(struct sl_decomp *d, size_t r)
{
	switch (ZSTD_getErrorCode(r)) {
	case ZSTD_error_dstSize_tooSmall:
		return fail(d, -EFBIG, too_big);
	case ZSTD_error_frameParameter_windowTooLarge:
		return fail(d, -EFBIG, "zstd window larger than the limit");
	case ZSTD_error_memory_allocation:
		/*
		 * The static context is sized for any RFC 8878 frame (zstd's own
		 * formula, exercised with 128 KiB blocks by the tests); only the
		 * pre-1.0 "legacy" frames libzstd still recognises need a context
		 * allocated on the fly, which a static one refuses.
		 */
		return fail(d, -EBADMSG, "legacy (pre-1.0) zstd frame");
	default:
		return fail(d, -EBADMSG, ZSTD_getErrorName(r));
	}
}

/*
 * Checks the header of the frame starting at frags[i] + pos against the
 * limits before zstd sees it: a declared content size over the room left
 * and a window over the limit are -EFBIG. Doing it here for every frame
 * keeps the answer independent of how the body was cut: libzstd skips its
 * own window check when a whole frame with a declared size sits in one
 * input buffer (it then decodes in a single pass), and checks it otherwise.
 * A header that does not parse is reported here too: once it straddles two
 * fragments, libzstd 1.5.4 looks for a legacy magic in the second one and
 * may answer with a different error than for the same bytes in one piece.
 */
static int
zstd_frame_check(struct sl_decomp *d, const struct sl_iov *frags, unsigned n, unsigned i,
		 size_t pos, size_t room)
{
	uint8_t head[ZSTD_FRAMEHEADERSIZE_MAX];
	ZSTD_frameHeader fh;
	size_t k = 0, c, r;

	for (; i < n && k < sizeof(head); i++, pos = 0) {
		c = frags[i].len - pos;
		if (c > sizeof(head) - k)
			c = sizeof(head) - k;
		memcpy(head + k, frags[i].base + pos, c);
		k += c;
	}
	r = ZSTD_getFrameHeader(&fh, head, k);
	if (ZSTD_isError(r))
		return zstd_error(d, r);
	if (r != 0 || fh.frameType != ZSTD_frame)
		return 0; /* header cut short by the end of the body: zstd says truncated */
	if (fh.windowSize > d->zstd_window_max)
		return fail(d, -EFBIG, "zstd window larger than the limit");
	if (fh.frameContentSize != ZSTD_CONTENTSIZE_UNKNOWN && fh.frameContentSize > room)
		return fail(d, -EFBIG, "zstd frame declares more than the limit");
	return 0;
}

static int
run_zstd(struct sl_decomp *d, const struct sl_iov *frags, unsigned n, uint8_t *out,
	 size_t out_cap, size_t *out_len)
{
	ZSTD_outBuffer ob = {out, out_cap, 0};
	size_t r = 1;
	unsigned i;
	int rc, frame_start = 1;

	ZSTD_DCtx_reset(d->zd, ZSTD_reset_session_only);
	for (i = 0; i < n; i++) {
		ZSTD_inBuffer ib = {frags[i].base, frags[i].len, 0};

		while (ib.pos < ib.size) {
			size_t in0 = ib.pos, out0 = ob.pos;
			ZSTD_inBuffer feed = ib;

			if (frame_start) {
				rc = zstd_frame_check(d, frags, n, i, ib.pos, out_cap - ob.pos);
				if (rc < 0)
					return rc;
				/*
				 * A frame's first byte goes in alone. Given a whole frame
				 * with a declared size in one buffer, libzstd takes a
				 * single-pass path that checks less (an RLE block larger
				 * than the window decodes there, and is corrupt when
				 * streamed): one byte first keeps every frame on the
				 * streaming path, so how the body was cut never changes
				 * the answer. It costs one call per frame.
				 */
				feed.size = ib.pos + 1;
				frame_start = 0;
			}
			r = ZSTD_decompressStream(d->zd, &ob, &feed);
			ib.pos = feed.pos;
			if (ZSTD_isError(r))
				return zstd_error(d, r);
			/* 0: a frame (or skippable frame) ended; a call never runs past one */
			if (r == 0)
				frame_start = 1;
			if (ib.pos == in0 && ob.pos == out0) {
				/* stable output: no progress only when it is full */
				if (ob.pos == ob.size)
					return fail(d, -EFBIG, too_big);
				return fail(d, -EBADMSG, "zstd decoder made no progress");
			}
		}
	}
	if (r != 0)
		return fail(d, -EBADMSG, "truncated zstd frame");
	*out_len = ob.pos;
	return 0;
}

int
sl_decomp_run(struct sl_decomp *d, enum sl_decomp_codec codec, const struct sl_iov *frags,
	      unsigned n, uint8_t *out, size_t out_cap, size_t *out_len)
{
	const uint8_t *in = NULL;
	size_t total = 0;
	unsigned i;
	int rc;

	*out_len = 0;
	d->reason = "";
	for (i = 0; i < n; i++)
		total += frags[i].len;
	if (codec != SL_DECOMP_GZIP && codec != SL_DECOMP_DEFLATE && codec != SL_DECOMP_ZSTD)
		return fail(d, -EINVAL, "not a compressed coding");
	if (total == 0)
		return fail(d, -EBADMSG, "empty compressed body");
	if (codec == SL_DECOMP_ZSTD)
		return run_zstd(d, frags, n, out, out_cap, out_len);
	rc = gather(d, frags, n, total, &in);
	if (rc < 0)
		return rc;
	if (codec == SL_DECOMP_GZIP)
		return run_gzip(d, in, total, out, out_cap, out_len);
	return run_deflate(d, in, total, out, out_cap, out_len);
}
