/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the HTTP/1.1 request parser and response writer: every case fed whole and split. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/http1.h"

/*
 * Harness: a run feeds a request stream to a fresh parser as fragments, each
 * in its own heap block of exactly its length (so ASan catches a read past
 * a fragment), and writes what came out as text, one event a line:
 *
 *   H <method> <path> 1.<minor> ka=<conn> fr=<N|L|C> cl=<n> ct=[..] ce=[..] c0=[..] c1=[..] ...
 *   B <offset> <length>      body ranges, adjacent ranges merged (a split may cut one)
 *   D                        request complete
 *   E <label>                rejected
 *   . consumed=<n> inreq=<0|1>
 *
 * The same stream cut anywhere must give the same text.
 */
#define TEXT_MAX (64 * 1024)
#define SL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static struct sl_http1_config cfg;

struct run {
	char text[TEXT_MAX];
	size_t n;
	uint64_t pend_off, pend_len; /* body range not yet written */
	uint8_t body[4096];          /* first body bytes, for content checks */
	size_t body_n;
};

static void
out(struct run *r, const char *fmt, ...)
{
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(r->text + r->n, sizeof(r->text) - r->n, fmt, ap);
	va_end(ap);
	assert_true(k >= 0 && (size_t)k < sizeof(r->text) - r->n);
	r->n += (size_t)k;
}

static void
flush_body(struct run *r)
{
	if (r->pend_len > 0)
		out(r, "B %llu %llu\n", (unsigned long long)r->pend_off,
		    (unsigned long long)r->pend_len);
	r->pend_len = 0;
}

static void
out_str(struct run *r, const struct sl_http1_parser *p, const char *key,
	const struct sl_http1_str *s)
{
	if (!s->present)
		out(r, " %s=-", key);
	else
		out(r, " %s=[%.*s]", key, (int)s->len, sl_http1_str_ptr(p, s));
}

static void
out_head(struct run *r, const struct sl_http1_parser *p)
{
	const struct sl_http1_req *q = &p->req;
	static const char fr[] = "NLC";
	unsigned k;

	out(r, "H %.*s", (int)q->method_str.len, sl_http1_str_ptr(p, &q->method_str));
	if (q->path.present)
		out(r, " %.*s%s", (int)q->path.len, sl_http1_str_ptr(p, &q->path),
		    q->path_truncated ? "+" : "");
	else
		out(r, " -");
	out(r, " 1.%u ka=%d fr=%c", q->version_minor, (int)q->keep_alive, fr[q->framing]);
	if (q->framing == SL_HTTP1_BODY_LENGTH)
		out(r, " cl=%llu", (unsigned long long)q->content_length);
	if (q->expect_continue)
		out(r, " expect");
	if (q->expect_other)
		out(r, " expect-other");
	out_str(r, p, "ct", &q->content_type);
	out_str(r, p, "ce", &q->content_encoding);
	for (k = 0; k < p->cfg->n_capture; k++) {
		char key[4] = {'c', (char)('0' + k), 0, 0};

		out_str(r, p, key, &q->capture[k]);
	}
	out(r, " nf=%u\n", q->n_fields);
}

/* Feeds in[0..n) cut at cuts[0..ncuts) (increasing, inside (0, n)). */
static void
feed(const struct sl_http1_config *c, const uint8_t *in, size_t n, const size_t *cuts,
     size_t ncuts, struct run *r)
{
	struct sl_http1_parser p;
	struct sl_http1_event ev;
	uint64_t consumed = 0;
	size_t f, start = 0;
	int dead = 0;

	memset(r, 0, sizeof(*r));
	sl_http1_init(&p, c);
	for (f = 0; f <= ncuts && !dead; f++) {
		size_t end = f < ncuts ? cuts[f] : n;
		uint32_t len = (uint32_t)(end - start), pos = 0, k;
		uint8_t *frag = malloc(len ? len : 1);

		assert_non_null(frag);
		memcpy(frag, in + start, len);
		for (;;) {
			k = sl_http1_parse(&p, frag + pos, len - pos, &ev);
			assert_true(k <= len - pos);
			pos += k;
			consumed += k;
			assert_int_equal(p.off, consumed);
			if (ev.type == SL_HTTP1_EV_NONE) {
				assert_int_equal(pos, len);
				break;
			}
			if (ev.type == SL_HTTP1_EV_BODY) {
				/* inside this call's bytes, at the stream offset it claims */
				assert_true(ev.len > 0);
				assert_int_equal(ev.off, start + (pos - k) + ev.pos);
				assert_true(ev.pos + ev.len == k);
				assert_memory_equal(frag + (pos - k) + ev.pos, in + ev.off, ev.len);
				if (r->pend_len > 0 && r->pend_off + r->pend_len != ev.off)
					flush_body(r);
				if (r->pend_len == 0)
					r->pend_off = ev.off;
				r->pend_len += ev.len;
				for (k = 0; k < ev.len && r->body_n < sizeof(r->body); k++)
					r->body[r->body_n++] = in[ev.off + k];
				continue;
			}
			flush_body(r);
			if (ev.type == SL_HTTP1_EV_HEAD) {
				out_head(r, &p);
			} else if (ev.type == SL_HTTP1_EV_DONE) {
				out(r, "D\n");
			} else {
				assert_int_equal(ev.type, SL_HTTP1_EV_ERROR);
				out(r, "E %s\n", sl_http1_err_name(ev.err));
				assert_int_equal(ev.off, consumed);
				/* dead for good: same error, nothing consumed */
				k = sl_http1_parse(&p, frag + pos, len - pos, &ev);
				assert_int_equal(k, 0);
				assert_int_equal(ev.type, SL_HTTP1_EV_ERROR);
				dead = 1;
				break;
			}
		}
		free(frag);
		start = end;
	}
	flush_body(r);
	out(r, ". consumed=%llu inreq=%d\n", (unsigned long long)consumed,
	    sl_http1_in_request(&p));
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/*
 * Runs in whole, cut at every position into two, into 1-byte pieces and into
 * random pieces; all must give the same text, which is returned in *whole.
 */
static void
run_all_c(const struct sl_http1_config *c, const uint8_t *in, size_t n, struct run *whole)
{
	static struct run other;
	static size_t cuts[70000];
	size_t k, it, step = n > 3000 ? 13 : 1;

	feed(c, in, n, NULL, 0, whole);
	for (k = 1; k < n; k += step) {
		feed(c, in, n, &k, 1, &other);
		if (strcmp(whole->text, other.text) != 0)
			fail_msg("cut at %zu:\n%s\nvs whole:\n%s", k, other.text, whole->text);
	}
	if (n > 1 && n - 1 <= SL_ARRAY_LEN(cuts)) {
		for (k = 1; k < n; k++)
			cuts[k - 1] = k;
		feed(c, in, n, cuts, n - 1, &other);
		if (strcmp(whole->text, other.text) != 0)
			fail_msg("1-byte pieces:\n%s\nvs whole:\n%s", other.text, whole->text);
	}
	for (it = 0; it < 50 && n > 1; it++) {
		size_t nc = 0, pos = 0, maxstep = 1 + rnd() % 64;

		for (;;) {
			pos += 1 + rnd() % maxstep;
			if (pos >= n || nc == SL_ARRAY_LEN(cuts))
				break;
			cuts[nc++] = pos;
		}
		feed(c, in, n, cuts, nc, &other);
		if (strcmp(whole->text, other.text) != 0)
			fail_msg("random pieces (%zu):\n%s\nvs whole:\n%s", nc, other.text,
				 whole->text);
	}
}
static struct run res;

/* Whole-and-split run of a C string; the text must equal want. */
static void
expect_c(const struct sl_http1_config *c, const char *in, const char *want)
{
	static char w[TEXT_MAX];
	const char *all = strstr(want, "consumed=ALL");

	/* "consumed=ALL" stands for the whole input */
	if (all != NULL)
		snprintf(w, sizeof(w), "%.*sconsumed=%zu%s", (int)(all - want), want, strlen(in),
			 all + 12);
	else
		snprintf(w, sizeof(w), "%s", want);
	run_all_c(c, (const uint8_t *)in, strlen(in), &res);
	if (strcmp(res.text, w) != 0)
		fail_msg("input:\n%s\ngot:\n%s\nwant:\n%s", in, res.text, w);
}

static void
expect(const char *in, const char *want)
{
	expect_c(&cfg, in, want);
}

/* The request is rejected with label and status (fed whole and split). */
static void
expect_reject_c(const struct sl_http1_config *c, const char *in, size_t n,
		enum sl_http1_err err, int status)
{
	char want[64];
	const char *line;

	run_all_c(c, (const uint8_t *)in, n, &res);
	snprintf(want, sizeof(want), "E %s\n", sl_http1_err_name(err));
	line = strstr(res.text, want);
	if (line == NULL)
		fail_msg("want %s for:\n%.*s\ngot:\n%s", want, (int)(n > 400 ? 400 : n), in,
			 res.text);
	assert_int_equal(sl_http1_err_status(err), status);
}

static void
expect_reject(const char *in, enum sl_http1_err err, int status)
{
	expect_reject_c(&cfg, in, strlen(in), err, status);
}

static int
setup(void **state)
{
	(void)state;
	sl_http1_config_default(&cfg);
	assert_int_equal(sl_http1_config_capture(&cfg, "X-Scope-OrgID"), 0);
	assert_int_equal(sl_http1_config_capture(&cfg, "authorization"), 1);
	return 0;
}

static void
content_length_body(void **state)
{
	(void)state;
	expect("POST /v1/traces HTTP/1.1\r\n"
	       "Host: sluice:4318\r\n"
	       "Content-Type: application/x-protobuf\r\n"
	       "Content-Length: 5\r\n"
	       "\r\n"
	       "hello",
	       "H POST /v1/traces 1.1 ka=1 fr=L cl=5 ct=[application/x-protobuf] ce=- c0=- c1=- "
	       "nf=3\n"
	       "B 104 5\nD\n. consumed=ALL inreq=0\n");
	assert_memory_equal(res.body, "hello", 5);
}

static void
no_body_and_methods(void **state)
{
	(void)state;
	expect("GET /metrics HTTP/1.1\r\nHost: a\r\n\r\n",
	       "H GET /metrics 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n"
	       ". consumed=ALL inreq=0\n");
	/* unknown methods still parse: the server answers 405 */
	expect("BREW /pot?milk=1 HTTP/1.1\r\nHost: a\r\n\r\n",
	       "H BREW /pot 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n"
	       ". consumed=ALL inreq=0\n");
	/* Content-Length: 0 is a length framing with an empty body */
	expect("PUT /v1/logs HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
	       "H PUT /v1/logs 1.1 ka=1 fr=L cl=0 ct=- ce=- c0=- c1=- nf=2\nD\n"
	       ". consumed=ALL inreq=0\n");
}

static void
method_enum(void **state)
{
	static const struct {
		const char *m;
		enum sl_http1_method e;
	} t[] = {
		{"GET", SL_HTTP1_M_GET},         {"HEAD", SL_HTTP1_M_HEAD},
		{"POST", SL_HTTP1_M_POST},       {"PUT", SL_HTTP1_M_PUT},
		{"DELETE", SL_HTTP1_M_DELETE},   {"CONNECT", SL_HTTP1_M_CONNECT},
		{"OPTIONS", SL_HTTP1_M_OPTIONS}, {"TRACE", SL_HTTP1_M_TRACE},
		{"PATCH", SL_HTTP1_M_PATCH},     {"post", SL_HTTP1_M_OTHER},
		{"POSTS", SL_HTTP1_M_OTHER},
	};
	struct sl_http1_parser p;
	struct sl_http1_event ev;
	char buf[128];
	unsigned i;
	int n;

	(void)state;
	for (i = 0; i < SL_ARRAY_LEN(t); i++) {
		n = snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\nHost: a\r\n\r\n", t[i].m);
		sl_http1_init(&p, &cfg);
		sl_http1_parse(&p, (const uint8_t *)buf, (uint32_t)n, &ev);
		assert_int_equal(ev.type, SL_HTTP1_EV_HEAD);
		assert_int_equal(p.req.method, t[i].e);
	}
}

static void
chunked_body(void **state)
{
	static const char in[] = "POST /v1/metrics HTTP/1.1\r\n"
				 "Host: a\r\n"
				 "Transfer-Encoding: chunked\r\n"
				 "\r\n"
				 "5\r\nhello\r\n"
				 "1A\r\nabcdefghijklmnopqrstuvwxyz\r\n"
				 "1a;name=value;q=\"quoted \\\" str\"\r\n"
				 "ABCDEFGHIJKLMNOPQRSTUVWXYZ\r\n"
				 "00000003 ; ext ; e2 = v2\r\nxyz\r\n"
				 "0\r\n"
				 "\r\n";

	(void)state;
	expect(in, "H POST /v1/metrics 1.1 ka=1 fr=C ct=- ce=- c0=- c1=- nf=2\n"
		   "B 69 5\nB 80 26\nB 141 26\nB 195 3\nD\n. consumed=ALL inreq=0\n");
	assert_memory_equal(res.body,
			    "helloabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZxyz", 60);
}

static void
chunked_trailers(void **state)
{
	(void)state;
	/* trailers are parsed and ignored; framing headers there change nothing */
	expect("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n"
	       "3\r\nabc\r\n0;last\r\nChecksum: xyz\r\nContent-Length: 99\r\n\r\n"
	       "GET /next HTTP/1.1\r\nHost: a\r\n\r\n",
	       "H POST /t 1.1 ka=1 fr=C ct=- ce=- c0=- c1=- nf=2\nB 60 3\nD\n"
	       "H GET /next 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n"
	       ". consumed=ALL inreq=0\n");
	assert_memory_equal(res.body, "abc", 3);
	/* an empty chunked body */
	expect("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
	       "H POST /t 1.1 ka=1 fr=C ct=- ce=- c0=- c1=- nf=2\nD\n"
	       ". consumed=ALL inreq=0\n");
	/* a list with an empty element is still just chunked */
	expect("POST /t HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n",
	       "H POST /t 1.1 ka=1 fr=C ct=- ce=- c0=- c1=- nf=2\nD\n"
	       ". consumed=ALL inreq=0\n");
}

static void
pipelined(void **state)
{
	(void)state;
	expect("POST /v1/traces HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
	       "POST /v1/logs HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
	       "2\r\nde\r\n0\r\n\r\n"
	       "\r\n" /* an empty line between requests is tolerated (RFC 9112 2.2) */
	       "GET /x HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
	       "H POST /v1/traces 1.1 ka=1 fr=L cl=3 ct=- ce=- c0=- c1=- nf=2\nB 56 3\nD\n"
	       "H POST /v1/logs 1.1 ka=1 fr=C ct=- ce=- c0=- c1=- nf=2\nB 125 2\nD\n"
	       "H GET /x 1.1 ka=0 fr=N ct=- ce=- c0=- c1=- nf=2\nD\n"
	       ". consumed=ALL inreq=0\n");
	assert_int_equal(res.body_n, 5);
	assert_memory_equal(res.body, "abcde", 5);
	/* a request cut short: in the middle of it when the stream ends */
	expect("POST /v1/traces HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nab",
	       "H POST /v1/traces 1.1 ka=1 fr=L cl=3 ct=- ce=- c0=- c1=- nf=2\nB 56 2\n"
	       ". consumed=58 inreq=1\n");
	expect("\r\n\r\nGET / HTTP/1.1\r\nHo", ". consumed=22 inreq=1\n");
	expect("\r\n\r\n", ". consumed=ALL inreq=0\n");
}

static void
expect_continue(void **state)
{
	(void)state;
	expect("POST /v1/traces HTTP/1.1\r\nHost: a\r\nExpect: 100-Continue\r\n"
	       "Content-Length: 2\r\n\r\nok",
	       "H POST /v1/traces 1.1 ka=1 fr=L cl=2 expect ct=- ce=- c0=- c1=- nf=3\n"
	       "B 78 2\nD\n. consumed=ALL inreq=0\n");
	/* HTTP/1.0: the expectation MUST be ignored (RFC 9110 10.1.1) */
	expect("POST /v1/traces HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 0\r\n\r\n",
		"H POST /v1/traces 1.0 ka=0 fr=L cl=0 ct=- ce=- c0=- c1=- nf=2\nD\n"
		". consumed=ALL inreq=0\n");
	expect("POST / HTTP/1.1\r\nHost: a\r\nExpect: something-else\r\n\r\n",
	       "H POST / 1.1 ka=1 fr=N expect-other ct=- ce=- c0=- c1=- nf=2\nD\n"
	       ". consumed=ALL inreq=0\n");
}

static void
keep_alive_rules(void **state)
{
	(void)state;
	expect("GET / HTTP/1.1\r\nHost: a\r\n\r\n",
	       "H GET / 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n. consumed=ALL inreq=0\n");
	expect("GET / HTTP/1.1\r\nHost: a\r\nConnection: Close\r\n\r\n",
	       "H GET / 1.1 ka=0 fr=N ct=- ce=- c0=- c1=- nf=2\nD\n. consumed=ALL inreq=0\n");
	expect("GET / HTTP/1.1\r\nHost: a\r\nConnection: TE, close\r\n\r\n",
	       "H GET / 1.1 ka=0 fr=N ct=- ce=- c0=- c1=- nf=2\nD\n. consumed=ALL inreq=0\n");
	expect("GET / HTTP/1.0\r\n\r\n",
	       "H GET / 1.0 ka=0 fr=N ct=- ce=- c0=- c1=- nf=0\nD\n. consumed=ALL inreq=0\n");
	expect("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
	       "H GET / 1.0 ka=2 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n. consumed=ALL inreq=0\n");
	expect("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n",
	       "H GET / 1.0 ka=0 fr=N ct=- ce=- c0=- c1=- nf=2\nD\n. consumed=ALL inreq=0\n");
	expect("GET / HTTP/1.0\r\nConnection: upgrade ,  keep-alive  \r\n\r\n",
	       "H GET / 1.0 ka=2 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n. consumed=ALL inreq=0\n");
	/* later 1.x minor versions are read as 1.1 (RFC 9110 6.2) */
	expect("GET / HTTP/1.7\r\nHost: a\r\n\r\n",
	       "H GET / 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n. consumed=ALL inreq=0\n");
}

static void
fields_case_and_ows(void **state)
{
	struct sl_http1_parser p;
	struct sl_http1_event ev;
	static const char in[] = "POST /v1/traces HTTP/1.1\r\n"
				 "hOsT:a\r\n"
				 "CONTENT-type: \t Application/JSON ; charset=utf-8 \t \r\n"
				 "content-ENCODING:gzip\r\n"
				 "x-scope-orgid:   tenant-1   \r\n"
				 "Authorization: Bearer abc def\r\n"
				 "X-Empty:\r\n"
				 "X-Obs-Text: caf\xc3\xa9\r\n"
				 "\r\n";

	(void)state;
	expect(in, "H POST /v1/traces 1.1 ka=1 fr=N ct=[Application/JSON ; charset=utf-8] "
		   "ce=[gzip] c0=[tenant-1] c1=[Bearer abc def] nf=7\nD\n"
		   ". consumed=ALL inreq=0\n");
	sl_http1_init(&p, &cfg);
	sl_http1_parse(&p, (const uint8_t *)in, sizeof(in) - 1, &ev);
	assert_int_equal(ev.type, SL_HTTP1_EV_HEAD);
	assert_true(sl_http1_media_type_is(&p, &p.req.content_type, "application/json"));
	assert_false(sl_http1_media_type_is(&p, &p.req.content_type, "application/x-protobuf"));
	assert_false(sl_http1_media_type_is(&p, &p.req.content_type, "application/jso"));
	assert_false(sl_http1_media_type_is(&p, &p.req.capture[1], "application/json"));
	assert_int_equal(p.req.head_bytes, sizeof(in) - 1);
	/* an empty captured value is present with length 0 */
	expect("GET / HTTP/1.1\r\nHost: a\r\nX-Scope-OrgID: \r\n\r\n",
	       "H GET / 1.1 ka=1 fr=N ct=- ce=- c0=[] c1=- nf=2\nD\n. consumed=ALL inreq=0\n");
}

static void
target_forms(void **state)
{
	char in[1024];
	char want[1024];
	char path[300];

	(void)state;
	expect("POST http://sluice:4318/v1/logs?a=b HTTP/1.1\r\nHost: x\r\n\r\n",
	       "H POST /v1/logs 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n"
	       ". consumed=ALL inreq=0\n");
	expect("GET HTTPS://sluice HTTP/1.1\r\nHost: x\r\n\r\n",
	       "H GET / 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n. consumed=ALL inreq=0\n");
	expect("GET http://sluice?q HTTP/1.1\r\nHost: x\r\n\r\n",
	       "H GET / 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n. consumed=ALL inreq=0\n");
	expect("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n",
	       "H OPTIONS - 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n. consumed=ALL inreq=0\n");
	expect("CONNECT sluice:4318 HTTP/1.1\r\nHost: x\r\n\r\n",
	       "H CONNECT - 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n. consumed=ALL inreq=0\n");
	expect("GET urn:x:y HTTP/1.1\r\nHost: x\r\n\r\n",
	       "H GET - 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n. consumed=ALL inreq=0\n");
	/* a path longer than SL_HTTP1_PATH_MAX is kept as a prefix and flagged */
	memset(path, 'p', sizeof(path));
	path[0] = '/';
	snprintf(in, sizeof(in), "GET %.*s HTTP/1.1\r\nHost: x\r\n\r\n", 257, path);
	snprintf(want, sizeof(want),
		 "H GET %.*s+ 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n"
		 ". consumed=ALL inreq=0\n",
		 SL_HTTP1_PATH_MAX, path);
	expect(in, want);
	snprintf(in, sizeof(in), "GET %.*s HTTP/1.1\r\nHost: x\r\n\r\n", SL_HTTP1_PATH_MAX, path);
	snprintf(want, sizeof(want),
		 "H GET %.*s 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=1\nD\n"
		 ". consumed=ALL inreq=0\n",
		 SL_HTTP1_PATH_MAX, path);
	expect(in, want);
}

static void
content_length_lists(void **state)
{
	(void)state;
	expect("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2 , 2,2\r\n\r\nok",
	       "H POST / 1.1 ka=1 fr=L cl=2 ct=- ce=- c0=- c1=- nf=2\nB 53 2\nD\n"
	       ". consumed=ALL inreq=0\n");
	expect("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nContent-Length: 002\r\n\r\nok",
	       "H POST / 1.1 ka=1 fr=L cl=2 ct=- ce=- c0=- c1=- nf=3\nB 68 2\nD\n"
	       ". consumed=ALL inreq=0\n");
}

static void
reject_request_line(void **state)
{
	char big[8192];

	(void)state;
	expect_reject("GE(T / HTTP/1.1\r\nHost: a\r\n\r\n", SL_HTTP1_E_BAD_METHOD, 400);
	expect_reject(" GET / HTTP/1.1\r\n\r\n", SL_HTTP1_E_BAD_METHOD, 400);
	expect_reject("GET\r\n\r\n", SL_HTTP1_E_BAD_METHOD, 400);
	expect_reject("ABCDEFGHIJKLMNOPQ / HTTP/1.1\r\n\r\n", SL_HTTP1_E_METHOD_TOO_LONG, 501);
	expect_reject("GET  / HTTP/1.1\r\n\r\n", SL_HTTP1_E_BAD_TARGET, 400);
	expect_reject("GET /a\x01 HTTP/1.1\r\n\r\n", SL_HTTP1_E_BAD_TARGET, 400);
	expect_reject("GET /caf\xc3\xa9 HTTP/1.1\r\n\r\n", SL_HTTP1_E_BAD_TARGET, 400);
	expect_reject("GET /a\tb HTTP/1.1\r\n\r\n", SL_HTTP1_E_BAD_TARGET, 400);
	expect_reject("GET / http/1.1\r\n\r\n", SL_HTTP1_E_BAD_VERSION, 400);
	expect_reject("GET / HTTP/1.10\r\n\r\n", SL_HTTP1_E_BAD_VERSION, 400);
	expect_reject("GET / HTTP/1\r\n\r\n", SL_HTTP1_E_BAD_VERSION, 400);
	expect_reject("GET / HTTP/1.1 \r\n\r\n", SL_HTTP1_E_BAD_VERSION, 400);
	expect_reject("GET /\r\n\r\n", SL_HTTP1_E_BAD_TARGET, 400);
	expect_reject("GET / HTTP/2.0\r\n\r\n", SL_HTTP1_E_VERSION, 505);
	expect_reject("GET / HTTP/0.9\r\n\r\n", SL_HTTP1_E_VERSION, 505);
	expect_reject("GET / HTTP/1.1\n\n", SL_HTTP1_E_BARE_LF, 400);
	expect_reject("GET / HTTP/1.1\rX\n", SL_HTTP1_E_BARE_CR, 400);
	expect_reject("\n", SL_HTTP1_E_BARE_LF, 400);
	expect_reject("\rGET", SL_HTTP1_E_BARE_CR, 400);
	/* request-line: exactly line_max is fine, one more is 414 */
	memset(big, 0, sizeof(big));
	memcpy(big, "GET /", 5);
	memset(big + 5, 'a', SL_HTTP1_LINE_MAX_DEFAULT - 16);
	strcat(big, " HTTP/1.1\r\nHost: a\r\n\r\n");
	assert_int_equal(strchr(big, '\n') - big + 1, SL_HTTP1_LINE_MAX_DEFAULT);
	run_all_c(&cfg, (const uint8_t *)big, strlen(big), &res);
	assert_non_null(strstr(res.text, "D\n"));
	memmove(big + 6, big + 5, strlen(big + 5) + 1);
	expect_reject_c(&cfg, big, strlen(big), SL_HTTP1_E_LINE_TOO_LONG, 414);
}

static void
reject_fields(void **state)
{
	(void)state;
	expect_reject("GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n", SL_HTTP1_E_BARE_CR, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\nX: b\r\n\r\n", SL_HTTP1_E_BARE_LF, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\r\n\n", SL_HTTP1_E_BARE_LF, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\r\n\rX", SL_HTTP1_E_BARE_CR, 400);
	expect_reject("GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", SL_HTTP1_E_BAD_HEADER_NAME, 400);
	expect_reject("GET / HTTP/1.1\r\n: a\r\n\r\n", SL_HTTP1_E_BAD_HEADER_NAME, 400);
	expect_reject("GET / HTTP/1.1\r\nHost\r\n\r\n", SL_HTTP1_E_BAD_HEADER_NAME, 400);
	expect_reject("GET / HTTP/1.1\r\nHost : a\r\n\r\n", SL_HTTP1_E_WS_BEFORE_COLON, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\x01" "b\r\n\r\n", SL_HTTP1_E_BAD_HEADER_VALUE,
		      400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\x7f\r\n\r\n", SL_HTTP1_E_BAD_HEADER_VALUE, 400);
	expect_reject_c(&cfg, "GET / HTTP/1.1\r\nHost: a\0\r\n\r\n", 29,
			SL_HTTP1_E_BAD_HEADER_VALUE, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n  c\r\n\r\n", SL_HTTP1_E_OBS_FOLD, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\r\nX: b\r\n\tc\r\n\r\n", SL_HTTP1_E_OBS_FOLD, 400);
	expect_reject("GET / HTTP/1.1\r\n Host: a\r\n\r\n", SL_HTTP1_E_OBS_FOLD, 400);
	expect_reject("GET / HTTP/1.1\r\n\r\n", SL_HTTP1_E_HOST_MISSING, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\r\nhost: b\r\n\r\n", SL_HTTP1_E_HOST_DUP, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\r\nContent-Type: a/b\r\ncontent-type: a/b\r\n\r\n",
		      SL_HTTP1_E_DUP_FIELD, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\r\nContent-Encoding: gzip\r\n"
		      "Content-Encoding: gzip\r\n\r\n",
		      SL_HTTP1_E_DUP_FIELD, 400);
	expect_reject("GET / HTTP/1.1\r\nHost: a\r\nX-Scope-OrgID: a\r\nx-scope-orgid: b\r\n\r\n",
		      SL_HTTP1_E_DUP_FIELD, 400);
}

static void
reject_framing(void **state)
{
	(void)state;
	static const char *bad_cl[] = {"abc", "-1", "+5", "", "5,", ",5", "5 5", "0x5", "5;"};
	char in[256];
	unsigned i;

	for (i = 0; i < SL_ARRAY_LEN(bad_cl); i++) {
		snprintf(in, sizeof(in), "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: %s\r\n\r\n",
			 bad_cl[i]);
		expect_reject(in, SL_HTTP1_E_CL_INVALID, 400);
	}
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 6\r\n\r\n",
		      SL_HTTP1_E_CL_CONFLICT, 400);
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
		      "Content-Length: 6\r\n\r\n",
		      SL_HTTP1_E_CL_CONFLICT, 400);
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
		      "Transfer-Encoding: chunked\r\n\r\n",
		      SL_HTTP1_E_CL_AND_TE, 400);
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		      "Content-Length: 5\r\n\r\n",
		      SL_HTTP1_E_CL_AND_TE, 400);
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
		      SL_HTTP1_E_TE_UNSUPPORTED, 501);
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		      SL_HTTP1_E_TE_UNSUPPORTED, 501);
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
		      "Transfer-Encoding: identity\r\n\r\n",
		      SL_HTTP1_E_TE_UNSUPPORTED, 501);
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked;x=1\r\n\r\n",
		      SL_HTTP1_E_TE_UNSUPPORTED, 501);
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n",
		      SL_HTTP1_E_TE_BAD, 400);
	expect_reject("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \r\n\r\n",
		      SL_HTTP1_E_TE_BAD, 400);
	expect_reject("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n",
		      SL_HTTP1_E_TE_HTTP10, 400);
}

static void
reject_chunks(void **state)
{
	static const char head[] = "POST / HTTP/1.1\r\nHost: a\r\n"
				   "Transfer-Encoding: chunked\r\n\r\n";
	static const struct {
		const char *body;
		enum sl_http1_err err;
	} t[] = {
		{"zz\r\n", SL_HTTP1_E_CHUNK_SIZE},
		{"\r\n", SL_HTTP1_E_CHUNK_SIZE},
		{" 5\r\n", SL_HTTP1_E_CHUNK_SIZE},
		{"-5\r\n", SL_HTTP1_E_CHUNK_SIZE},
		{"5\n", SL_HTTP1_E_BARE_LF},
		{"5\rx", SL_HTTP1_E_BARE_CR},
		{"10000000000000000\r\n", SL_HTTP1_E_CHUNK_OVERFLOW},
		{"5;\r\n", SL_HTTP1_E_CHUNK_EXT},
		{"5 \r\n", SL_HTTP1_E_CHUNK_EXT},
		{"5;a=\r\n", SL_HTTP1_E_CHUNK_EXT},
		{"5;a=\"b\r\n", SL_HTTP1_E_CHUNK_EXT},
		{"5;a=b \r\n", SL_HTTP1_E_CHUNK_EXT},
		{"5;a b\r\n", SL_HTTP1_E_CHUNK_EXT},
		{"5;=b\r\n", SL_HTTP1_E_CHUNK_EXT},
		{"5;a=\"\x01\"\r\n", SL_HTTP1_E_CHUNK_EXT},
		{"5\r\nhelloX\r\n", SL_HTTP1_E_CHUNK_CRLF},
		{"5\r\nhello\rX", SL_HTTP1_E_CHUNK_CRLF},
		{"5\r\nhello\r\n0\r\n x: y\r\n\r\n", SL_HTTP1_E_OBS_FOLD},
		{"5\r\nhello\r\n0\r\nx : y\r\n\r\n", SL_HTTP1_E_WS_BEFORE_COLON},
		{"5\r\nhello\r\n0\r\nx: y\n\r\n", SL_HTTP1_E_BARE_LF},
	};
	char in[512];
	unsigned i;

	(void)state;
	for (i = 0; i < SL_ARRAY_LEN(t); i++) {
		snprintf(in, sizeof(in), "%s%s", head, t[i].body);
		expect_reject(in, t[i].err, sl_http1_err_status(t[i].err));
		assert_int_equal(sl_http1_err_status(t[i].err), 400);
	}
	/* 16 hex digits fit 64 bits but not the body limit: 413, before any data */
	snprintf(in, sizeof(in), "%sFFFFFFFFFFFFFFFF\r\n", head);
	expect_reject(in, SL_HTTP1_E_BODY_TOO_LARGE, 413);
	/* leading zeros do not overflow */
	snprintf(in, sizeof(in), "%s000000000000000000000001\r\nx\r\n0\r\n\r\n", head);
	run_all_c(&cfg, (const uint8_t *)in, strlen(in), &res);
	assert_non_null(strstr(res.text, "D\n"));
}

static void
limits_header_count_and_bytes(void **state)
{
	static char in[16384];
	size_t n;
	unsigned i;

	(void)state;
	/* 64 field lines pass, 65 are 431 */
	n = (size_t)sprintf(in, "GET / HTTP/1.1\r\nHost: a\r\n");
	for (i = 1; i < SL_HTTP1_HEADER_COUNT_DEFAULT; i++)
		n += (size_t)sprintf(in + n, "X-%u: v\r\n", i);
	strcpy(in + n, "\r\n");
	run_all_c(&cfg, (const uint8_t *)in, strlen(in), &res);
	assert_non_null(strstr(res.text, "nf=64\nD\n"));
	n += (size_t)sprintf(in + n, "X-last: v\r\n");
	strcpy(in + n, "\r\n");
	expect_reject(in, SL_HTTP1_E_HEADERS_TOO_MANY, 431);

	/* field section of exactly header_bytes_max (CRLFs and the blank line counted) */
	n = (size_t)sprintf(in, "GET / HTTP/1.1\r\nHost: a\r\nX: ");
	i = SL_HTTP1_HEADER_BYTES_DEFAULT - (9 + 3 + 2 + 2);
	memset(in + n, 'v', i);
	n += i;
	strcpy(in + n, "\r\n\r\n");
	run_all_c(&cfg, (const uint8_t *)in, strlen(in), &res);
	assert_non_null(strstr(res.text, "D\n"));
	memmove(in + n + 1, in + n, 5);
	in[n] = 'v';
	expect_reject(in, SL_HTTP1_E_HEADERS_TOO_LARGE, 431);

	/* a captured value larger than the stash: 431 even within the section limit */
	n = (size_t)sprintf(in, "GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer ");
	memset(in + n, 't', SL_HTTP1_STASH);
	n += SL_HTTP1_STASH;
	strcpy(in + n, "\r\n\r\n");
	expect_reject(in, SL_HTTP1_E_FIELD_TOO_LARGE, 431);
}

static void
limits_configured(void **state)
{
	struct sl_http1_config c;
	static char in[4096];
	size_t n;
	unsigned i;

	(void)state;
	sl_http1_config_default(&c);
	c.body_max = 10;
	c.line_max = 32;
	c.header_count_max = 2;
	c.header_bytes_max = 64;
	/* declared length at the limit passes, one over is 413 without reading the body */
	expect_c(&c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123456789",
		 "H POST / 1.1 ka=1 fr=L cl=10 ct=- ce=- nf=2\nB 48 10\nD\n"
		 ". consumed=ALL inreq=0\n");
	expect_c(&c, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n",
		 "E body_too_large\n. consumed=47 inreq=1\n");
	expect_c(&c,
		 "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n",
		 "E body_too_large\n. consumed=68 inreq=1\n");
	/* chunked: the chunk that would pass the limit is refused at its size line */
	expect_c(&c,
		 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "6\r\n012345\r\n4\r\n6789\r\n0\r\n\r\n",
		 "H POST / 1.1 ka=1 fr=C ct=- ce=- nf=2\nB 59 6\nB 70 4\nD\n"
		 ". consumed=ALL inreq=0\n");
	expect_c(&c,
		 "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
		 "6\r\n012345\r\n5\r\n",
		 "H POST / 1.1 ka=1 fr=C ct=- ce=- nf=2\nB 59 6\nE body_too_large\n"
		 ". consumed=69 inreq=1\n");
	/* chunk-size line over line_max */
	n = (size_t)sprintf(in, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
				"1;e=\"");
	memset(in + n, 'x', 40);
	strcpy(in + n + 40, "\"\r\nx\r\n0\r\n\r\n");
	expect_reject_c(&c, in, strlen(in), SL_HTTP1_E_CHUNK_LINE_TOO_LONG, 400);
	/* trailers: count and bytes */
	n = (size_t)sprintf(in, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
				"0\r\n");
	for (i = 0; i < 3; i++)
		n += (size_t)sprintf(in + n, "T%u: v\r\n", i);
	strcpy(in + n, "\r\n");
	expect_reject_c(&c, in, strlen(in), SL_HTTP1_E_TRAILERS_TOO_LARGE, 431);
	n = (size_t)sprintf(in, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
				"0\r\nT: ");
	memset(in + n, 'v', 80);
	strcpy(in + n + 80, "\r\n\r\n");
	expect_reject_c(&c, in, strlen(in), SL_HTTP1_E_TRAILERS_TOO_LARGE, 431);
	/* request-line and header count with the small limits */
	expect_reject_c(&c, "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaaaa HTTP/1.1\r\n\r\n", 45,
			SL_HTTP1_E_LINE_TOO_LONG, 414);
	expect_reject_c(&c, "GET / HTTP/1.1\r\nHost: a\r\nA: b\r\nC: d\r\n\r\n", 39,
			SL_HTTP1_E_HEADERS_TOO_MANY, 431);
}

static void
error_table(void **state)
{
	unsigned e;

	(void)state;
	for (e = 1; e < SL_HTTP1_E__COUNT; e++) {
		int s = sl_http1_err_status((enum sl_http1_err)e);

		assert_true(s == 400 || s == 413 || s == 414 || s == 431 || s == 501 || s == 505);
		assert_non_null(sl_http1_reason(s));
		assert_true(strlen(sl_http1_err_reason((enum sl_http1_err)e)) > 0);
		assert_true(strlen(sl_http1_err_name((enum sl_http1_err)e)) > 0);
	}
	assert_string_equal(sl_http1_err_name(SL_HTTP1_E_OBS_FOLD), "obs_fold");
	assert_string_equal(sl_http1_err_name((enum sl_http1_err)999), "unknown");
}

static void
config_capture(void **state)
{
	struct sl_http1_config c;

	(void)state;
	sl_http1_config_default(&c);
	assert_int_equal(sl_http1_config_capture(&c, ""), -EINVAL);
	assert_int_equal(sl_http1_config_capture(&c, "bad name"), -EINVAL);
	assert_int_equal(sl_http1_config_capture(&c, "Content-Type"), -EINVAL);
	assert_int_equal(sl_http1_config_capture(&c, "abcdefghijklmnopqrstuvwxyz0123456"),
			 -ENAMETOOLONG);
	assert_int_equal(sl_http1_config_capture(&c, "host"), 0);
	assert_int_equal(sl_http1_config_capture(&c, "HOST"), -EEXIST);
	assert_int_equal(sl_http1_config_capture(&c, "a"), 1);
	assert_int_equal(sl_http1_config_capture(&c, "b"), 2);
	assert_int_equal(sl_http1_config_capture(&c, "c"), 3);
	assert_int_equal(sl_http1_config_capture(&c, "d"), -ENOSPC);
	/* Host captured and still checked for presence and repetition */
	expect_c(&c, "GET / HTTP/1.1\r\nHost:  Sluice:4318 \r\nA: 1\r\n\r\n",
		 "H GET / 1.1 ka=1 fr=N ct=- ce=- c0=[Sluice:4318] c1=[1] c2=- c3=- nf=2\nD\n"
		 ". consumed=ALL inreq=0\n");
	expect_reject_c(&c, "GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n", 35,
			SL_HTTP1_E_HOST_DUP, 400);
}

static void
long_unmatched_names(void **state)
{
	(void)state;
	/* names longer than any we match are still validated and counted */
	expect("GET / HTTP/1.1\r\nHost: a\r\n"
	       "X-A-Very-Long-Header-Name-That-Matches-Nothing-At-All: v\r\n"
	       "x-scope-orgid-but-longer: nope\r\n\r\n",
	       "H GET / 1.1 ka=1 fr=N ct=- ce=- c0=- c1=- nf=3\nD\n. consumed=ALL inreq=0\n");
}

static void
response_writer(void **state)
{
	static const int statuses[] = {100, 200, 400, 404, 405, 408, 413, 414,
				       415, 429, 431, 500, 501, 503, 505};
	char buf[512];
	int n, k;
	unsigned i;

	(void)state;
	for (i = 0; i < SL_ARRAY_LEN(statuses); i++)
		assert_non_null(sl_http1_reason(statuses[i]));
	assert_string_equal(sl_http1_reason(413), "Content Too Large");
	assert_null(sl_http1_reason(299));

	n = sl_http1_write_response(buf, sizeof(buf), 100, "x/y", NULL, 5, SL_HTTP1_CONN_CLOSE);
	assert_int_equal(n, 25);
	assert_memory_equal(buf, "HTTP/1.1 100 Continue\r\n\r\n", 25);

	n = sl_http1_write_response(buf, sizeof(buf), 200, "application/x-protobuf", NULL, 0,
				    SL_HTTP1_CONN_KEEP);
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
				 "Content-Length: 0\r\n\r\n");

	n = sl_http1_write_response(buf, sizeof(buf), 429, "application/json", "Retry-After: 5\r\n",
				    18446744073709551615ull, SL_HTTP1_CONN_CLOSE);
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 429 Too Many Requests\r\n"
				 "Content-Type: application/json\r\n"
				 "Content-Length: 18446744073709551615\r\nConnection: close\r\n"
				 "Retry-After: 5\r\n\r\n");

	n = sl_http1_write_response(buf, sizeof(buf), 200, NULL, NULL, 2,
				    SL_HTTP1_CONN_KEEP_EXPLICIT);
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n"
				 "Connection: keep-alive\r\n\r\n");

	n = sl_http1_write_response(buf, sizeof(buf), 299, NULL, NULL, 0, SL_HTTP1_CONN_KEEP);
	buf[n] = '\0';
	assert_string_equal(buf, "HTTP/1.1 299 \r\nContent-Length: 0\r\n\r\n");

	/* every capacity short of the full head is -ENOSPC and never writes past cap */
	n = sl_http1_write_response(buf, sizeof(buf), 503, "text/plain", "Retry-After: 1\r\n", 12,
				    SL_HTTP1_CONN_CLOSE);
	assert_true(n > 0);
	for (k = 0; k < n; k++) {
		memset(buf, '#', sizeof(buf));
		assert_int_equal(sl_http1_write_response(buf, (size_t)k, 503, "text/plain",
							 "Retry-After: 1\r\n", 12,
							 SL_HTTP1_CONN_CLOSE),
				 -ENOSPC);
		assert_int_equal(buf[k], '#');
	}
	assert_int_equal(sl_http1_write_response(buf, sizeof(buf), 99, NULL, NULL, 0, 0), -EINVAL);
	assert_int_equal(sl_http1_write_response(buf, sizeof(buf), 600, NULL, NULL, 0, 0), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(content_length_body, setup),
		cmocka_unit_test_setup(no_body_and_methods, setup),
		cmocka_unit_test_setup(method_enum, setup),
		cmocka_unit_test_setup(chunked_body, setup),
		cmocka_unit_test_setup(chunked_trailers, setup),
		cmocka_unit_test_setup(pipelined, setup),
		cmocka_unit_test_setup(expect_continue, setup),
		cmocka_unit_test_setup(keep_alive_rules, setup),
		cmocka_unit_test_setup(fields_case_and_ows, setup),
		cmocka_unit_test_setup(target_forms, setup),
		cmocka_unit_test_setup(content_length_lists, setup),
		cmocka_unit_test_setup(reject_request_line, setup),
		cmocka_unit_test_setup(reject_fields, setup),
		cmocka_unit_test_setup(reject_framing, setup),
		cmocka_unit_test_setup(reject_chunks, setup),
		cmocka_unit_test_setup(limits_header_count_and_bytes, setup),
		cmocka_unit_test_setup(limits_configured, setup),
		cmocka_unit_test_setup(error_table, setup),
		cmocka_unit_test_setup(config_capture, setup),
		cmocka_unit_test_setup(long_unmatched_names, setup),
		cmocka_unit_test_setup(response_writer, setup),
	};

	return cmocka_run_group_tests_name("http1", tests, NULL, NULL);
}
