/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen payload profiles: OTLP request bodies built once, re-rendered with fresh ids. */
#ifndef SL_GEN_PROFILE_H
#define SL_GEN_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile_types.h"

/*
 * Build the profile conf describes (defaults filled in, see
 * struct sl_gen_profile_conf): packs the request with protobuf-c, renders
 * it as OTLP/JSON when conf->json, and records where ids and resource
 * attribute digits sit. Slow path (allocates, ~1 us per item).
 * Returns the profile, or NULL with errno EINVAL (conf out of bounds; a
 * message in err[0..errlen) when err is not NULL), ENOMEM or EPROTO (the
 * encoded body did not hold the expected ids: a bug).
 */
struct sl_gen_profile *sl_gen_profile_new(const struct sl_gen_profile_conf *conf, char *err,
                                          size_t errlen);

/* Free a profile (NULL is fine). No renderer may use it any more. */
void sl_gen_profile_free(struct sl_gen_profile *p);

/* Items (spans, points, records) per request. */
static inline uint32_t
sl_gen_profile_items(const struct sl_gen_profile *p)
{
	return p->conf.items;
}

/*
 * Set up a thread's renderer for p: seed its id generator (threads need
 * different seeds), allocate its compressor and scratch (gzip), and when
 * variants > 0 pre-render that many bodies which sl_gen_render_next() then
 * hands out in turn, ids and all repeating every `variants` requests (for
 * when compressing every request would make the generator the bottleneck).
 * Returns 0, -ENOMEM or -EINVAL.
 */
int sl_gen_render_init(struct sl_gen_render *r, const struct sl_gen_profile *p, uint64_t seed,
                       uint32_t variants);

/* Free what sl_gen_render_init allocated; a zeroed renderer is fine. */
void sl_gen_render_fini(struct sl_gen_render *r);

/*
 * The body of the next request. Without variants it is rendered into
 * buf[0..cap) (cap at least p->wire_cap): fresh random trace and span ids,
 * a service.name and host.name drawn uniformly from their cardinalities,
 * then gzip when the profile says so. *primed tells whether buf already
 * holds an uncompressed render of this profile (then only the patched bytes
 * are written: a few hundred bytes for 100 spans instead of 25 KB); it is set
 * on return. With variants, *body points into the pool and buf is unused.
 * No allocation, lock or syscall. Returns 0, or -ENOSPC if cap is too small
 * or the compressor fails.
 */
int sl_gen_render_next(struct sl_gen_render *r, uint8_t *buf, size_t cap, bool *primed,
                       const uint8_t **body, size_t *len);

/*
 * The request head up to and including "Content-Length: " into out[0..cap):
 * POST <path> HTTP/1.1, Host, User-Agent, Content-Type and, for gzip,
 * Content-Encoding. Built once per connection; sl_gen_head_finish() appends
 * the length. Returns its length, or -ENOSPC.
 */
int sl_gen_head_prefix(const struct sl_gen_profile *p, const char *host, char *out, size_t cap);

/* Room sl_gen_head_finish() needs after the prefix: 20 digits and CRLF CRLF. */
#define SL_GEN_HEAD_TAIL 24

/* Append "<len>\r\n\r\n" at out (SL_GEN_HEAD_TAIL bytes of room); returns the bytes written. */
static inline size_t
sl_gen_head_finish(char *out, uint64_t len)
{
	char d[20];
	size_t n = 0, k = 0;

	do {
		d[n++] = (char)('0' + len % 10);
		len /= 10;
	} while (len);
	while (n)
		out[k++] = d[--n];
	out[k++] = '\r';
	out[k++] = '\n';
	out[k++] = '\r';
	out[k++] = '\n';
	return k;
}

/* Parse a signal name (traces, metrics, logs); -EINVAL if unknown. */
int sl_gen_signal_parse(const char *s, enum sl_signal *out);

/* The OTLP/gRPC Export method's path for sig (NULL for a value out of range). */
const char *sl_gen_grpc_path(enum sl_signal sig);

#endif /* SL_GEN_PROFILE_H */
