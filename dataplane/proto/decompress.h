/* SPDX-License-Identifier: BSD-3-Clause */
/* Bounded decompression of a request body (gzip, deflate, zstd) from fragments into a buffer. */
#ifndef SL_DECOMPRESS_H
#define SL_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "slice.h"

/* Content-Encoding values sluice decodes. */
enum sl_decomp_codec {
	SL_DECOMP_IDENTITY = 0, /* no Content-Encoding, or "identity": nothing to do */
	SL_DECOMP_GZIP,         /* "gzip", "x-gzip": RFC 1952, members may be concatenated */
	SL_DECOMP_DEFLATE,      /* "deflate": RFC 1950 zlib; raw RFC 1951 also accepted */
	SL_DECOMP_ZSTD,         /* "zstd": RFC 8878 frames, skippable frames allowed */
};

/*
 * Decompressed bytes a request may grow to: the size of the per-core output
 * buffer the server passes in. 20 MiB matches the OpenTelemetry Collector's
 * default max_request_body_size, so a client that works there works here.
 */
#define SL_DECOMP_OUT_CAP_DEFAULT (20u << 20)

/*
 * Compressed bytes gathered for libdeflate, which needs its input contiguous.
 * Must be at least the HTTP body limit (sl_http1_config.body_max), or
 * compressed bodies between the two get -EFBIG.
 */
#define SL_DECOMP_IN_CAP_DEFAULT (20u << 20)

/*
 * Largest zstd window accepted (log2). 27 (128 MiB) is zstd's own default
 * limit, so every frame the stock zstd tool decodes without --memory decodes
 * here. It costs no memory: the window is the output buffer (see decompress.c).
 */
#define SL_DECOMP_ZSTD_WLOG_DEFAULT 27

struct sl_decomp_config {
	size_t in_cap;                /* 0: SL_DECOMP_IN_CAP_DEFAULT */
	unsigned zstd_window_log_max; /* 0: SL_DECOMP_ZSTD_WLOG_DEFAULT; 10..31 */
};

/* A per-core decompressor; opaque. */
struct sl_decomp;

/*
 * Maps a Content-Encoding value (OWS-trimmed, case-insensitive) to a codec.
 * Returns the codec, or -ENOTSUP for anything else, including lists of
 * codings ("gzip, zstd"): the server answers 415.
 */
int sl_decomp_codec_parse(const char *value, size_t len);

/*
 * Allocates a decompressor for one core: the libdeflate decompressor, a
 * static zstd context, and the in_cap gather buffer. Slow path: call at
 * start, on (or for) the core that will use it. Returns NULL with errno set
 * (EINVAL for a bad config, ENOMEM).
 */
struct sl_decomp *sl_decomp_create(const struct sl_decomp_config *cfg);

/* Frees it; NULL is fine. */
void sl_decomp_free(struct sl_decomp *d);

/*
 * Decompresses the body frags[0..n) (in stream order, any cut) with codec
 * into out[0..out_cap); *out_len gets the decompressed size. Never
 * allocates, never writes past out_cap, and stops as soon as the output
 * would pass out_cap, so a zip bomb costs at most out_cap bytes of work.
 *
 * Returns 0, or:
 *   -EFBIG    output would exceed out_cap, compressed input exceeds in_cap,
 *             a zstd frame declares a larger size, or its window exceeds
 *             the limit (the server answers 413);
 *   -EBADMSG  corrupt, truncated or trailing data, empty body (400);
 *   -EINVAL   codec is IDENTITY or unknown (a server bug).
 * sl_decomp_reason() says which, in a few words.
 */
int sl_decomp_run(struct sl_decomp *d, enum sl_decomp_codec codec, const struct sl_iov *frags,
		  unsigned n, uint8_t *out, size_t out_cap, size_t *out_len);

/* Why the last sl_decomp_run() failed ("corrupt gzip member", ...); "" after success. */
const char *sl_decomp_reason(const struct sl_decomp *d);

#endif /* SL_DECOMPRESS_H */
