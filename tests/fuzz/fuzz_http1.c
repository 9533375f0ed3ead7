/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: HTTP/1.1 request streams fed whole and cut at input-derived places agree. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/http1.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Input: byte 0 picks the limits (default, or tiny ones that every input
 * reaches), byte 1 seeds where the stream is cut, the rest is the stream.
 * Each run of the parser is reduced to a list of numbers (events, merged
 * body ranges, a digest of each head) and the two lists must be equal.
 * Invariants checked on the way: nothing consumed past the input, every
 * body range inside the call's bytes and after the previous one.
 */
#define MAX_REC 65536

struct rec {
	uint64_t v[MAX_REC];
	size_t n;
	uint64_t pend_off, pend_len;
};

static struct rec whole, split;
static struct sl_http1_config cfg_default, cfg_tiny;

static void
put(struct rec *r, uint64_t x)
{
	if (r->n < MAX_REC)
		r->v[r->n++] = x;
}

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t
digest(const struct sl_http1_parser *p)
{
	const struct sl_http1_req *q = &p->req;
	const struct sl_http1_str *s[4 + SL_HTTP1_CAPTURE_MAX] = {
		&q->method_str, &q->path, &q->content_type, &q->content_encoding};
	uint64_t h = 0xcbf29ce484222325ull, f[10];
	unsigned i;

	for (i = 0; i < SL_HTTP1_CAPTURE_MAX; i++)
		s[4 + i] = &q->capture[i];
	for (i = 0; i < 4 + SL_HTTP1_CAPTURE_MAX; i++) {
		h = mix(h, &s[i]->present, 1);
		h = mix(h, &s[i]->len, sizeof(s[i]->len));
		if (s[i]->off + s[i]->len > SL_HTTP1_STASH)
			abort();
		h = mix(h, sl_http1_str_ptr(p, s[i]), s[i]->len);
	}
	f[0] = q->method;
	f[1] = q->keep_alive;
	f[2] = q->framing;
	f[3] = q->version_minor;
	f[4] = q->expect_continue;
	f[5] = q->expect_other;
	f[6] = q->path_truncated;
	f[7] = q->n_fields;
	f[8] = q->head_bytes;
	f[9] = q->content_length;
	return mix(h, f, sizeof(f));
}

static void
flush(struct rec *r)
{
	if (r->pend_len > 0) {
		put(r, 2);
		put(r, r->pend_off);
		put(r, r->pend_len);
	}
	r->pend_len = 0;
}

static void
run(const struct sl_http1_config *cfg, const uint8_t *in, size_t n, uint8_t seed, int cut,
    struct rec *r)
{
	struct sl_http1_parser p;
	struct sl_http1_event ev;
	uint64_t consumed = 0, body_end = 0, x = seed * 0x9e3779b97f4a7c15ull + 1;
	size_t start = 0;
	int dead = 0;

	r->n = 0;
	r->pend_len = 0;
	sl_http1_init(&p, cfg);
	while (start < n && !dead) {
		size_t flen = n - start;
		uint32_t pos = 0, k;
		uint8_t *frag;

		if (cut) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			flen = 1 + x % (seed % 4 == 0 ? 3 : seed % 4 == 1 ? 16 : 300);
			if (flen > n - start)
				flen = n - start;
		}
		frag = malloc(flen);
		if (frag == NULL)
			abort();
		memcpy(frag, in + start, flen);
		for (;;) {
			k = sl_http1_parse(&p, frag + pos, (uint32_t)flen - pos, &ev);
			if (k > flen - pos)
				abort();
			pos += k;
			consumed += k;
			if (p.off != consumed || consumed > n)
				abort();
			if (ev.type == SL_HTTP1_EV_NONE) {
				if (pos != flen)
					abort();
				break;
			}
			if (ev.type == SL_HTTP1_EV_BODY) {
				if (ev.len == 0 || ev.pos + ev.len != k ||
				    ev.off != start + (pos - k) + ev.pos || ev.off < body_end ||
				    ev.off + ev.len > n)
					abort();
				body_end = ev.off + ev.len;
				if (r->pend_len > 0 && r->pend_off + r->pend_len != ev.off)
					flush(r);
				if (r->pend_len == 0)
					r->pend_off = ev.off;
				r->pend_len += ev.len;
				continue;
			}
			flush(r);
			put(r, ev.type);
			if (ev.type == SL_HTTP1_EV_HEAD)
				put(r, digest(&p));
			if (ev.type == SL_HTTP1_EV_ERROR) {
				put(r, ev.err);
				put(r, ev.off);
				if (sl_http1_err_status(ev.err) < 400)
					abort();
				dead = 1;
				break;
			}
		}
		free(frag);
		start += flen;
	}
	flush(r);
	put(r, 9);
	put(r, consumed);
	put(r, (uint64_t)sl_http1_in_request(&p));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sl_http1_config *cfg;

	if (cfg_default.line_max == 0) {
		sl_http1_config_default(&cfg_default);
		sl_http1_config_capture(&cfg_default, "x-scope-orgid");
		sl_http1_config_capture(&cfg_default, "authorization");
		sl_http1_config_default(&cfg_tiny);
		cfg_tiny.line_max = 24;
		cfg_tiny.header_bytes_max = 48;
		cfg_tiny.header_count_max = 3;
		cfg_tiny.body_max = 16;
		sl_http1_config_capture(&cfg_tiny, "a");
	}
	if (size < 2)
		return 0;
	cfg = (data[0] & 1) ? &cfg_tiny : &cfg_default;
	run(cfg, data + 2, size - 2, data[1], 0, &whole);
	run(cfg, data + 2, size - 2, data[1], 1, &split);
	if (whole.n != split.n || memcmp(whole.v, split.v, whole.n * sizeof(whole.v[0])) != 0)
		abort();
	return 0;
}
