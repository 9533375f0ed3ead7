/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the OTLP protobuf walker: goldens, protobuf-c's view, hand-made bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../data/golden.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "proto/otlp_walk.h"

#define PB(x)    Opentelemetry__Proto__##x
#define MDATA(x) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##x
#define AV_CASE(x) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##x
/* The protobuf-c descriptor of Export<S>ServiceRequest, s = trace, metrics or logs. */
#define REQ_DESC(s)                                                                                \
	opentelemetry__proto__collector__##s##__v1__export_##s##_service_request__descriptor

/* Resource entries a test walk may record; the goldens have at most 4. */
#define MAX_ENTRIES 64

/* Routing keys of the tests' walks (service.name is always attrs[0]). */
static const char *const test_keys[] = {"tenant.id", "k8s.namespace.name", "host.name",
					"missing.key"};
static struct sl_otlp_walk_opts opts;

/* ---- the goldens ---- */

struct golden {
	uint8_t *b;
	size_t n;
};
static struct golden gold[SL_SIGNAL_MAX];

static int
load_goldens(void **state)
{
	const char *src = getenv("SLUICE_SRC");
	char path[4096];
	unsigned int s;

	(void)state;
	if (sl_otlp_walk_opts_init(&opts, test_keys, 4) < 0)
		return -1;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		snprintf(path, sizeof(path), "%s/tests/data/%s", src ? src : ".",
			 sl_golden_name((enum sl_signal)s));
		gold[s].b = sl_golden_read_file(path, &gold[s].n);
		if (gold[s].b == NULL) {
			fprintf(stderr, "cannot read %s (SLUICE_SRC unset?)\n", path);
			return -1;
		}
	}
	return 0;
}

static int
free_goldens(void **state)
{
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		free(gold[s].b);
	return 0;
}

/* ---- protobuf-c's view ---- */

static ProtobufCMessage *
unpack(enum sl_signal sig, const uint8_t *b, size_t n)
{
	static const ProtobufCMessageDescriptor *const desc[SL_SIGNAL_MAX] = {
		&REQ_DESC(trace), &REQ_DESC(metrics), &REQ_DESC(logs)};

	return protobuf_c_message_unpack(desc[sig], NULL, n, b);
}

/* The request's Resource* entries (field 1) as generic messages. */
static size_t
resources(enum sl_signal sig, ProtobufCMessage *m, ProtobufCMessage ***arr)
{
	switch (sig) {
	case SL_SIGNAL_TRACES: {
		PB(Collector__Trace__V1__ExportTraceServiceRequest) *r = (void *)m;

		*arr = (ProtobufCMessage **)r->resource_spans;
		return r->n_resource_spans;
	}
	case SL_SIGNAL_METRICS: {
		PB(Collector__Metrics__V1__ExportMetricsServiceRequest) *r = (void *)m;

		*arr = (ProtobufCMessage **)r->resource_metrics;
		return r->n_resource_metrics;
	}
	default: {
		PB(Collector__Logs__V1__ExportLogsServiceRequest) *r = (void *)m;

		*arr = (ProtobufCMessage **)r->resource_logs;
		return r->n_resource_logs;
	}
	}
}

/* Data points of one Metric, of whichever kind it holds. */
static size_t
metric_points(const PB(Metrics__V1__Metric) *mt)
{
	switch (mt->data_case) {
	case MDATA(GAUGE):
		return mt->gauge->n_data_points;
	case MDATA(SUM):
		return mt->sum->n_data_points;
	case MDATA(HISTOGRAM):
		return mt->histogram->n_data_points;
	case MDATA(EXPONENTIAL_HISTOGRAM):
		return mt->exponential_histogram->n_data_points;
	case MDATA(SUMMARY):
		return mt->summary->n_data_points;
	default:
		return 0;
	}
}

/* Items of one Resource* entry, walking the unpacked structs. */
static uint32_t
resource_items(enum sl_signal sig, ProtobufCMessage *m)
{
	uint32_t items = 0;
	size_t i, j;

	if (sig == SL_SIGNAL_TRACES) {
		PB(Trace__V1__ResourceSpans) *rs = (void *)m;

		for (i = 0; i < rs->n_scope_spans; i++)
			items += rs->scope_spans[i]->n_spans;
	} else if (sig == SL_SIGNAL_METRICS) {
		PB(Metrics__V1__ResourceMetrics) *rm = (void *)m;

		for (i = 0; i < rm->n_scope_metrics; i++)
			for (j = 0; j < rm->scope_metrics[i]->n_metrics; j++) {
				PB(Metrics__V1__Metric) *mt = rm->scope_metrics[i]->metrics[j];

				items += metric_points(mt);
			}
	} else {
		PB(Logs__V1__ResourceLogs) *rl = (void *)m;

		for (i = 0; i < rl->n_scope_logs; i++)
			items += rl->scope_logs[i]->n_log_records;
	}
	return items;
}

static PB(Resource__V1__Resource) *
resource_of(enum sl_signal sig, ProtobufCMessage *m)
{
	if (sig == SL_SIGNAL_TRACES)
		return ((PB(Trace__V1__ResourceSpans) *)m)->resource;
	if (sig == SL_SIGNAL_METRICS)
		return ((PB(Metrics__V1__ResourceMetrics) *)m)->resource;
	return ((PB(Logs__V1__ResourceLogs) *)m)->resource;
}

/* The walker's extracted attribute must be what protobuf-c holds for key (last one wins). */
static void
check_attr(PB(Resource__V1__Resource) *r, const char *key, uint32_t present,
	   const struct sl_otlp_attr *a)
{
	PB(Common__V1__KeyValue) *found = NULL;
	size_t i;

	for (i = 0; r != NULL && i < r->n_attributes; i++)
		if (strcmp(r->attributes[i]->key, key) == 0)
			found = r->attributes[i];
	assert_int_equal(present, found != NULL);
	if (found == NULL)
		return;
	if (found->value == NULL || found->value->value_case == AV_CASE(_NOT_SET)) {
		assert_int_equal(a->type, SL_OTLP_VAL_NONE);
	} else if (found->value->value_case == AV_CASE(STRING_VALUE)) {
		size_t len = strlen(found->value->string_value);
		size_t keep = len < SL_OTLP_VAL_MAX ? len : SL_OTLP_VAL_MAX;

		assert_int_equal(a->type, SL_OTLP_VAL_STRING);
		assert_int_equal(a->wire_len, len);
		assert_int_equal(a->len, keep);
		assert_int_equal(a->truncated, len > SL_OTLP_VAL_MAX);
		assert_memory_equal(a->val, found->value->string_value, keep);
		assert_int_equal(a->val[keep], '\0');
	} else {
		assert_int_equal(a->type, SL_OTLP_VAL_OTHER);
	}
}

/* Packs a message into a new buffer. */
static uint8_t *
pack(const ProtobufCMessage *m, size_t *n)
{
	uint8_t *b = malloc(protobuf_c_message_get_packed_size(m) + 1);

	assert_non_null(b);
	*n = protobuf_c_message_pack(m, b);
	return b;
}

/* ---- fragments ---- */

/* A body cut into fragments, each in its own exact-size allocation (ASan sees overreads). */
struct frags {
	struct sl_iov iov[64];
	uint8_t *mem[64];
	unsigned int n;
};

/* Cuts b at the ncuts sorted positions cuts[] (repeats make empty fragments). */
static void
frags_make(struct frags *f, const uint8_t *b, size_t n, const size_t *cuts, unsigned int ncuts)
{
	size_t at = 0;
	unsigned int i;

	assert_true(ncuts < 64);
	f->n = 0;
	for (i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : n;
		size_t len = end - at;

		f->mem[f->n] = malloc(len ? len : 1);
		assert_non_null(f->mem[f->n]);
		memcpy(f->mem[f->n], b + at, len);
		f->iov[f->n].base = len ? f->mem[f->n] : NULL;
		f->iov[f->n].len = (uint32_t)len;
		f->n++;
		at = end;
	}
}

static void
frags_free(struct frags *f)
{
	unsigned int i;

	for (i = 0; i < f->n; i++)
		free(f->mem[i]);
	f->n = 0;
}

/* ---- walking ---- */

struct walk {
	int rc;
	struct sl_otlp_walk_result res;
	struct sl_otlp_entry entries[MAX_ENTRIES];
};

static void
walk_iov(struct walk *w, enum sl_signal sig, const struct sl_iov *iov, unsigned int n,
	 const struct sl_otlp_walk_opts *o)
{
	memset(w, 0, sizeof(*w));
	w->res.entries = w->entries;
	w->res.max_entries = MAX_ENTRIES;
	w->rc = sl_otlp_walk(sig, iov, n, o, &w->res);
}

static void
walk_buf(struct walk *w, enum sl_signal sig, const uint8_t *b, size_t n)
{
	struct sl_iov v = {b, (uint32_t)n};

	walk_iov(w, sig, &v, 1, &opts);
}

/* Walks b in fragments of one byte: the fast path never applies, only the generic one. */
static void
walk_bytewise(struct walk *w, enum sl_signal sig, const uint8_t *b, size_t n,
	      const struct sl_otlp_walk_opts *o)
{
	struct sl_iov *v = calloc(n ? n : 1, sizeof(*v));
	size_t i;

	assert_non_null(v);
	for (i = 0; i < n; i++) {
		v[i].base = b + i;
		v[i].len = 1;
	}
	walk_iov(w, sig, v, (unsigned int)n, o);
	free(v);
}

/* Two walks must agree on everything a caller may look at. */
static void
assert_same(const struct walk *a, const struct walk *b)
{
	uint32_t i, k;

	assert_int_equal(a->rc, b->rc);
	assert_int_equal(a->res.err, b->res.err);
	if (a->rc < 0) {
		assert_int_equal(a->res.err_off, b->res.err_off);
		assert_string_equal(a->res.err_msg, b->res.err_msg);
		return;
	}
	assert_int_equal(a->res.n_entries, b->res.n_entries);
	assert_int_equal(a->res.items, b->res.items);
	assert_int_equal(a->res.flags, b->res.flags);
	for (i = 0; i < a->res.n_entries && i < MAX_ENTRIES; i++) {
		const struct sl_otlp_entry *x = &a->entries[i], *y = &b->entries[i];

		assert_int_equal(x->off, y->off);
		assert_int_equal(x->len, y->len);
		assert_int_equal(x->items, y->items);
		assert_int_equal(x->present, y->present);
		for (k = 0; k < 1 + SL_OTLP_WALK_MAX_KEYS; k++) {
			if (!(x->present & (1u << k)))
				continue;
			assert_int_equal(x->attrs[k].type, y->attrs[k].type);
			assert_int_equal(x->attrs[k].len, y->attrs[k].len);
			assert_int_equal(x->attrs[k].wire_len, y->attrs[k].wire_len);
			assert_int_equal(x->attrs[k].truncated, y->attrs[k].truncated);
			assert_memory_equal(x->attrs[k].val, y->attrs[k].val, x->attrs[k].len + 1);
		}
	}
}

/* The walk of a valid body must match protobuf-c's unpack in every respect. */
static void
assert_matches_protobuf_c(enum sl_signal sig, const uint8_t *b, size_t n, const struct walk *w)
{
	ProtobufCMessage *req = unpack(sig, b, n), **rs;
	size_t nr, i;
	uint32_t total = 0;

	assert_non_null(req);
	assert_int_equal(w->rc, 0);
	nr = resources(sig, req, &rs);
	assert_int_equal(w->res.n_entries, nr);
	for (i = 0; i < nr; i++) {
		const struct sl_otlp_entry *e = &w->entries[i];
		PB(Resource__V1__Resource) *r = resource_of(sig, rs[i]);
		ProtobufCMessage *one, **rs1;
		uint8_t *x, *y;
		size_t nx, ny;
		unsigned int k;

		assert_int_equal(e->items, resource_items(sig, rs[i]));
		total += e->items;
		check_attr(r, "service.name", e->present & 1, &e->attrs[0]);
		for (k = 0; k < opts.n_keys; k++)
			check_attr(r, test_keys[k], (e->present >> (k + 1)) & 1, &e->attrs[k + 1]);
		/* the range alone is a request holding exactly this resource */
		assert_true(e->off + e->len <= n);
		one = unpack(sig, b + e->off, e->len);
		assert_non_null(one);
		assert_int_equal(resources(sig, one, &rs1), 1);
		x = pack(rs[i], &nx);
		y = pack(rs1[0], &ny);
		assert_int_equal(nx, ny);
		assert_memory_equal(x, y, nx);
		free(x);
		free(y);
		protobuf_c_message_free_unpacked(one, NULL);
	}
	assert_int_equal(w->res.items, total);
	protobuf_c_message_free_unpacked(req, NULL);
}

/* ---- a tiny encoder for hand-made bodies ---- */

struct msg {
	uint8_t *b;
	size_t n, cap;
};

static void
m_raw(struct msg *m, const void *p, size_t n)
{
	if (n == 0)
		return; /* memcpy from NULL is undefined even for 0 bytes */
	if (m->n + n > m->cap) {
		m->cap = (m->n + n) * 2 + 64;
		m->b = realloc(m->b, m->cap);
		assert_non_null(m->b);
	}
	memcpy(m->b + m->n, p, n);
	m->n += n;
}

static void
m_varint(struct msg *m, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;

	do {
		b[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
	m_raw(m, b, n);
}

static void
m_tag(struct msg *m, uint32_t field, unsigned int wt)
{
	m_varint(m, ((uint64_t)field << 3) | wt);
}

/* field as a varint */
static void
m_int(struct msg *m, uint32_t field, uint64_t v)
{
	m_tag(m, field, 0);
	m_varint(m, v);
}

/* field as length-delimited bytes */
static void
m_bytes(struct msg *m, uint32_t field, const void *p, size_t n)
{
	m_tag(m, field, 2);
	m_varint(m, n);
	m_raw(m, p, n);
}

static void
m_str(struct msg *m, uint32_t field, const char *s)
{
	m_bytes(m, field, s, strlen(s));
}

/* field as a sub-message; frees sub */
static void
m_sub(struct msg *m, uint32_t field, struct msg *sub)
{
	m_bytes(m, field, sub->b, sub->n);
	free(sub->b);
	memset(sub, 0, sizeof(*sub));
}

static void
m_free(struct msg *m)
{
	free(m->b);
	memset(m, 0, sizeof(*m));
}

/* request { resource_spans { scope_spans { spans { <span> } } } }; frees span */
static void
wrap_span(struct msg *req, struct msg *span)
{
	struct msg ss = {0}, rs = {0};

	m_sub(&ss, 2, span);
	m_sub(&rs, 2, &ss);
	m_sub(req, 1, &rs);
}

/* the offset in req of the first occurrence of the bytes p[0..n) */
static size_t
find(const struct msg *req, const void *p, size_t n)
{
	size_t i;

	for (i = 0; i + n <= req->n; i++)
		if (memcmp(req->b + i, p, n) == 0)
			return i;
	fail_msg("pattern not found");
	return 0;
}

/* Walks m as sig, expects rc/err, and that protobuf-c agrees on validity. */
static void
expect(enum sl_signal sig, const struct msg *m, int rc, enum sl_otlp_err err, struct walk *w)
{
	ProtobufCMessage *pc = unpack(sig, m->b, m->n);

	struct walk bytes;

	walk_buf(w, sig, m->b, m->n);
	walk_bytewise(&bytes, sig, m->b, m->n, &opts);
	assert_same(w, &bytes);
	if (w->rc != rc || w->res.err != err)
		fprintf(stderr, "walk: rc %d err %s msg %s\n", w->rc, sl_otlp_err_name(w->res.err),
			w->res.err_msg);
	assert_int_equal(w->rc, rc);
	assert_int_equal(w->res.err, err);
	if (rc == 0)
		assert_non_null(pc);
	else if (rc == -EBADMSG)
		assert_null(pc);
	if (pc != NULL)
		protobuf_c_message_free_unpacked(pc, NULL);
}

/* ---- tests: goldens ---- */

static void
goldens_regenerate_byte_for_byte(void **state)
{
	char dir[] = "/tmp/sluice-golden.XXXXXX";
	char path[4096];
	unsigned int s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(sl_golden_write_all(dir), 0);
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		size_t n;
		uint8_t *b;

		snprintf(path, sizeof(path), "%s/%s", dir, sl_golden_name((enum sl_signal)s));
		b = sl_golden_read_file(path, &n);
		assert_non_null(b);
		if (n != gold[s].n || memcmp(b, gold[s].b, n) != 0)
			fail_msg("%s differs from tests/data/%s: rerun tests/data/gen_golden", path,
				 sl_golden_name((enum sl_signal)s));
		free(b);
		unlink(path);
	}
	rmdir(dir);
}

static void
goldens_match_protobuf_c(void **state)
{
	static const uint32_t want_entries[] = {4, 2, 2}, want_items[] = {12, 11, 14};
	struct walk w;
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		walk_buf(&w, (enum sl_signal)s, gold[s].b, gold[s].n);
		if (w.rc != 0)
			fail_msg("%s: %s", sl_golden_name((enum sl_signal)s), w.res.err_msg);
		assert_int_equal(w.res.n_entries, want_entries[s]);
		assert_int_equal(w.res.items, want_items[s]);
		assert_int_equal(w.res.flags, 0);
		assert_matches_protobuf_c((enum sl_signal)s, gold[s].b, gold[s].n, &w);
	}
	/* what the goldens were made to exercise */
	walk_buf(&w, SL_SIGNAL_TRACES, gold[0].b, gold[0].n);
	assert_string_equal(w.entries[0].attrs[0].val, "checkout");
	assert_int_equal(w.entries[0].present, 1u | 1u << 3); /* service.name, host.name */
	assert_int_equal(w.entries[1].attrs[0].truncated, 1);
	assert_int_equal(w.entries[1].attrs[0].len, SL_OTLP_VAL_MAX);
	assert_string_equal(w.entries[1].attrs[1].val, "acme");
	assert_int_equal(w.entries[2].attrs[0].type, SL_OTLP_VAL_OTHER);
	assert_int_equal(w.entries[3].present, 0);
	assert_int_equal(w.entries[0].items, 7);
}

/* Every cut into 2 fragments, at every byte, gives the same walk. */
static void
goldens_split_in_two_everywhere(void **state)
{
	struct walk whole, cut;
	struct frags f;
	unsigned int s;
	size_t k;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		walk_buf(&whole, (enum sl_signal)s, gold[s].b, gold[s].n);
		for (k = 0; k <= gold[s].n; k++) {
			frags_make(&f, gold[s].b, gold[s].n, &k, 1);
			walk_iov(&cut, (enum sl_signal)s, f.iov, f.n, &opts);
			assert_same(&whole, &cut);
			frags_free(&f);
		}
	}
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

static int
cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

/* The fast path and the generic one agree: goldens, whole and truncated, byte by byte. */
static void
goldens_fast_path_equals_generic(void **state)
{
	struct walk whole, bytes;
	unsigned int s;
	size_t cut;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		for (cut = 0; cut <= gold[s].n; cut += cut < 64 ? 1 : 7) {
			walk_buf(&whole, (enum sl_signal)s, gold[s].b, cut);
			walk_bytewise(&bytes, (enum sl_signal)s, gold[s].b, cut, &opts);
			assert_same(&whole, &bytes);
		}
		walk_buf(&whole, (enum sl_signal)s, gold[s].b, gold[s].n);
		walk_bytewise(&bytes, (enum sl_signal)s, gold[s].b, gold[s].n, &opts);
		assert_same(&whole, &bytes);
	}
}

/* Random cuts into 3..50 fragments (empty ones included) give the same walk. */
static void
goldens_split_at_random(void **state)
{
	struct walk whole, cut;
	struct frags f;
	size_t cuts[49];
	unsigned int s, it, i;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		walk_buf(&whole, (enum sl_signal)s, gold[s].b, gold[s].n);
		for (it = 0; it < 400; it++) {
			unsigned int ncuts = 2 + (unsigned int)(rnd() % 48);

			for (i = 0; i < ncuts; i++)
				cuts[i] = (size_t)(rnd() % (gold[s].n + 1));
			qsort(cuts, ncuts, sizeof(cuts[0]), cmp_size);
			frags_make(&f, gold[s].b, gold[s].n, cuts, ncuts);
			walk_iov(&cut, (enum sl_signal)s, f.iov, f.n, &opts);
			assert_same(&whole, &cut);
			frags_free(&f);
		}
	}
}

/* Concatenating any subset of the entries' ranges, in any order, is a request of exactly them. */
static void
goldens_ranges_concatenate(void **state)
{
	struct walk whole, sub;
	unsigned int s, mask, i;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		enum sl_signal sig = (enum sl_signal)s;
		ProtobufCMessage *req = unpack(sig, gold[s].b, gold[s].n), **rs;
		uint32_t ne;

		walk_buf(&whole, sig, gold[s].b, gold[s].n);
		ne = whole.res.n_entries;
		assert_int_equal(resources(sig, req, &rs), ne);
		for (mask = 0; mask < (1u << ne); mask++) {
			unsigned int order[8], k = 0, rev;

			for (i = 0; i < ne; i++)
				if (mask & (1u << i))
					order[k++] = i;
			for (rev = 0; rev < 2; rev++) {
				struct msg cat = {0};
				ProtobufCMessage *got, **grs;
				uint32_t items = 0;

				for (i = 0; i < k; i++) {
					const struct sl_otlp_entry *e =
						&whole.entries[order[rev ? k - 1 - i : i]];

					m_raw(&cat, gold[s].b + e->off, e->len);
					items += e->items;
				}
				got = unpack(sig, cat.b, cat.n);
				assert_non_null(got);
				assert_int_equal(resources(sig, got, &grs), k);
				for (i = 0; i < k; i++) {
					size_t nx, ny;
					uint8_t *x = pack(grs[i], &nx);
					uint8_t *y = pack(rs[order[rev ? k - 1 - i : i]], &ny);

					assert_int_equal(nx, ny);
					assert_memory_equal(x, y, nx);
					free(x);
					free(y);
				}
				walk_buf(&sub, sig, cat.b, cat.n);
				assert_int_equal(sub.rc, 0);
				assert_int_equal(sub.res.n_entries, k);
				assert_int_equal(sub.res.items, items);
				protobuf_c_message_free_unpacked(got, NULL);
				m_free(&cat);
			}
		}
		protobuf_c_message_free_unpacked(req, NULL);
	}
}

/* Every prefix is valid exactly when protobuf-c says so; errors point inside and name a path. */
static void
goldens_truncated_everywhere(void **state)
{
	struct walk w, w2;
	struct frags f;
	unsigned int s;
	size_t cut;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		enum sl_signal sig = (enum sl_signal)s;
		const char *root = sig == SL_SIGNAL_TRACES    ? "resource_spans["
				   : sig == SL_SIGNAL_METRICS ? "resource_metrics["
							      : "resource_logs[";

		for (cut = 0; cut < gold[s].n; cut++) {
			ProtobufCMessage *pc = unpack(sig, gold[s].b, cut);
			size_t half = cut / 2;

			walk_buf(&w, sig, gold[s].b, cut);
			if (pc != NULL) {
				assert_int_equal(w.rc, 0);
				assert_matches_protobuf_c(sig, gold[s].b, cut, &w);
				protobuf_c_message_free_unpacked(pc, NULL);
				continue;
			}
			if (w.rc != -EBADMSG)
				fail_msg("cut at %zu of %s: rc %d", cut,
					 sl_golden_name(sig), w.rc);
			assert_true(w.res.err == SL_OTLP_ERR_TRUNCATED ||
				    w.res.err == SL_OTLP_ERR_LENGTH);
			assert_true(w.res.err_off < cut);
			assert_non_null(strstr(w.res.err_msg, " at byte "));
			assert_ptr_equal(strstr(w.res.err_msg, root), w.res.err_msg);
			/* and the same verdict from fragments */
			frags_make(&f, gold[s].b, cut, &half, 1);
			walk_iov(&w2, sig, f.iov, f.n, &opts);
			assert_same(&w, &w2);
			frags_free(&f);
		}
	}
}

/* ---- tests: hand-made bodies ---- */

static void
bad_varint_names_the_field(void **state)
{
	static const uint8_t eleven[11] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					   0xff, 0xff, 0xff, 0xff, 0x01};
	struct msg span = {0}, req = {0};
	struct walk w;
	char want[256];
	size_t at;

	(void)state;
	m_str(&span, 5, "name");
	m_tag(&span, 6, 0);
	m_raw(&span, eleven, sizeof(eleven));
	wrap_span(&req, &span);
	at = find(&req, "\x30\xff\xff", 3);
	expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_VARINT, &w);
	assert_int_equal(w.res.err_off, at);
	snprintf(want, sizeof(want),
		 "resource_spans[0].scope_spans[0].spans[0].kind: varint longer than 10 bytes"
		 " at byte %zu",
		 at);
	assert_string_equal(w.res.err_msg, want);
	m_free(&req);

	/* 10 bytes is the limit, not an error: kind = -1 as int32 takes 10 */
	m_int(&span, 6, UINT64_MAX);
	wrap_span(&req, &span);
	expect(SL_SIGNAL_TRACES, &req, 0, SL_OTLP_ERR_OK, &w);
	assert_int_equal(w.res.items, 1);
	m_free(&req);
}

static void
length_past_end_names_the_field(void **state)
{
	struct msg span = {0}, kv = {0}, req = {0};
	struct walk w;
	char want[256];
	size_t at;

	(void)state;
	m_str(&kv, 1, "a");
	m_sub(&span, 9, &kv);
	m_tag(&span, 9, 2);
	m_varint(&span, 812); /* attributes[1]: 812 bytes that are not there */
	m_raw(&span, "xyz", 3);
	wrap_span(&req, &span);
	at = find(&req, "\x4a\xac\x06", 3);
	expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_LENGTH, &w);
	snprintf(want, sizeof(want),
		 "resource_spans[0].scope_spans[0].spans[0].attributes[1]: length 812 past end"
		 " of message at byte %zu",
		 at);
	assert_string_equal(w.res.err_msg, want);
	m_free(&req);

	/* in a nested AnyValue, and the value field of a KeyValue */
	{
		struct msg av = {0};

		m_str(&kv, 1, "k");
		m_tag(&av, 1, 2);
		m_varint(&av, 100);
		m_sub(&kv, 2, &av);
		m_sub(&span, 9, &kv);
		wrap_span(&req, &span);
		expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_LENGTH, &w);
		assert_non_null(strstr(w.res.err_msg,
				       "spans[0].attributes[0].value.string_value: length 100 past "
				       "end of message"));
		m_free(&req);
	}
}

static void
wrong_wire_type_for_known_fields(void **state)
{
	struct msg span = {0}, req = {0}, rl = {0}, sl = {0}, rec = {0};
	struct walk w;

	(void)state;
	m_int(&span, 5, 7); /* name as a varint */
	wrap_span(&req, &span);
	expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_WIRE_TYPE, &w);
	assert_non_null(strstr(w.res.err_msg, "spans[0].name: wire type varint, expected "
					      "length-delimited at byte"));
	m_free(&req);

	m_str(&span, 7, "12345678"); /* start time as bytes */
	wrap_span(&req, &span);
	expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_WIRE_TYPE, &w);
	assert_non_null(strstr(w.res.err_msg, "start_time_unix_nano: wire type length-delimited, "
					      "expected fixed64"));
	m_free(&req);

	m_tag(&span, 16, 1); /* flags as fixed64 */
	m_raw(&span, "12345678", 8);
	wrap_span(&req, &span);
	expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_WIRE_TYPE, &w);
	assert_non_null(strstr(w.res.err_msg, "spans[0].flags: wire type fixed64"));
	m_free(&req);

	m_int(&span, 9, 1); /* attributes as a varint: the index it would have had */
	wrap_span(&req, &span);
	expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_WIRE_TYPE, &w);
	assert_non_null(strstr(w.res.err_msg, "spans[0].attributes[0]: wire type varint"));
	m_free(&req);

	/* a log record's severity as fixed32 */
	m_tag(&rec, 2, 5);
	m_raw(&rec, "1234", 4);
	m_sub(&sl, 2, &rec);
	m_sub(&rl, 2, &sl);
	m_sub(&req, 1, &rl);
	expect(SL_SIGNAL_LOGS, &req, -EBADMSG, SL_OTLP_ERR_WIRE_TYPE, &w);
	assert_non_null(strstr(w.res.err_msg,
			       "resource_logs[0].scope_logs[0].log_records[0].severity_number: "
			       "wire type fixed32, expected varint"));
	m_free(&req);

	/* the top-level entry as a varint */
	m_int(&req, 1, 3);
	expect(SL_SIGNAL_METRICS, &req, -EBADMSG, SL_OTLP_ERR_WIRE_TYPE, &w);
	assert_string_equal(w.res.err_msg, "resource_metrics[0]: wire type varint, expected "
					   "length-delimited at byte 0");
	m_free(&req);
}

/* Nested kvlists (3 levels each) or arrays (2 levels each) n deep inside a log body. */
static void
nested_body(struct msg *req, unsigned int n, int arrays)
{
	struct msg av = {0}, rec = {0}, sl = {0}, rl = {0};
	unsigned int i;

	m_int(&av, 3, 1); /* innermost: int_value 1 */
	for (i = 0; i < n; i++) {
		struct msg outer = {0}, list = {0};

		if (arrays) {
			m_sub(&list, 1, &av);     /* ArrayValue.values */
			m_sub(&outer, 5, &list);  /* AnyValue.array_value */
		} else {
			struct msg kv = {0};

			m_str(&kv, 1, "k");
			m_sub(&kv, 2, &av);       /* KeyValue.value */
			m_sub(&list, 1, &kv);     /* KeyValueList.values */
			m_sub(&outer, 6, &list);  /* AnyValue.kvlist_value */
		}
		av = outer;
	}
	m_sub(&rec, 5, &av);
	m_sub(&sl, 2, &rec);
	m_sub(&rl, 2, &sl);
	m_sub(req, 1, &rl);
}

static void
depth_bombs_stop_at_the_limit(void **state)
{
	struct sl_otlp_walk_opts deep = opts;
	struct msg req = {0};
	struct walk w;
	struct sl_iov v;

	(void)state;
	nested_body(&req, 5000, 0);
	walk_buf(&w, SL_SIGNAL_LOGS, req.b, req.n);
	assert_int_equal(w.rc, -EBADMSG);
	assert_int_equal(w.res.err, SL_OTLP_ERR_DEPTH);
	assert_non_null(strstr(w.res.err_msg, "nesting deeper than 32"));
	assert_ptr_equal(strstr(w.res.err_msg, "resource_logs[0].scope_logs[0].log_records[0]."
					       "body"),
			 w.res.err_msg);
	assert_true(strlen(w.res.err_msg) < SL_OTLP_ERR_MSG_LEN);
	m_free(&req);

	nested_body(&req, 5000, 1);
	walk_buf(&w, SL_SIGNAL_LOGS, req.b, req.n);
	assert_int_equal(w.res.err, SL_OTLP_ERR_DEPTH);
	m_free(&req);

	/* request 1, resource_logs 2, scope_logs 3, record 4, body 5: +3 a kvlist level */
	nested_body(&req, 9, 0); /* innermost AnyValue at level 5 + 27 = 32: allowed */
	walk_buf(&w, SL_SIGNAL_LOGS, req.b, req.n);
	assert_int_equal(w.rc, 0);
	m_free(&req);
	nested_body(&req, 10, 0);
	walk_buf(&w, SL_SIGNAL_LOGS, req.b, req.n);
	assert_int_equal(w.res.err, SL_OTLP_ERR_DEPTH);
	/* ... unless the option allows it; long paths are elided in the middle */
	deep.max_depth = SL_OTLP_WALK_DEPTH_MAX;
	v.base = req.b;
	v.len = (uint32_t)req.n;
	walk_iov(&w, SL_SIGNAL_LOGS, &v, 1, &deep);
	assert_int_equal(w.rc, 0);
	m_free(&req);
	nested_body(&req, 30, 0);
	v.base = req.b;
	v.len = (uint32_t)req.n;
	walk_iov(&w, SL_SIGNAL_LOGS, &v, 1, &deep);
	assert_int_equal(w.res.err, SL_OTLP_ERR_DEPTH);
	assert_non_null(strstr(w.res.err_msg, "nesting deeper than 64"));
	assert_non_null(strstr(w.res.err_msg, " ... "));
	assert_true(strlen(w.res.err_msg) < SL_OTLP_ERR_MSG_LEN);
	m_free(&req);

	deep.max_depth = SL_OTLP_WALK_DEPTH_MAX + 1;
	walk_iov(&w, SL_SIGNAL_LOGS, &v, 1, &deep);
	assert_int_equal(w.rc, -EINVAL);
}

static void
huge_lengths_and_counts(void **state)
{
	struct msg dp = {0}, h = {0}, m = {0}, sm = {0}, rm = {0}, req = {0}, span = {0};
	struct walk w;
	uint32_t i;

	(void)state;
	/* packed bucket_counts claiming 4 GiB - 1 */
	m_tag(&dp, 6, 2);
	m_varint(&dp, UINT32_MAX);
	m_raw(&dp, "\0\0\0\0\0\0\0\0", 8);
	m_sub(&h, 1, &dp);
	m_sub(&m, 9, &h);
	m_sub(&sm, 2, &m);
	m_sub(&rm, 2, &sm);
	m_sub(&req, 1, &rm);
	expect(SL_SIGNAL_METRICS, &req, -EBADMSG, SL_OTLP_ERR_LENGTH, &w);
	assert_non_null(strstr(w.res.err_msg, "resource_metrics[0].scope_metrics[0].metrics[0]."
					      "histogram.data_points[0].bucket_counts: length "
					      "4294967295 past end"));
	m_free(&req);

	/* a length of 2^32 and above: refused, not wrapped */
	m_tag(&req, 1, 2);
	m_raw(&req, "\x80\x80\x80\x80\x10", 5);
	walk_buf(&w, SL_SIGNAL_TRACES, req.b, req.n);
	assert_int_equal(w.res.err, SL_OTLP_ERR_LENGTH_RANGE);
	m_free(&req);
	/* a length prefix of 6 bytes */
	m_tag(&req, 1, 2);
	m_raw(&req, "\x80\x80\x80\x80\x80\x00", 6);
	expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_LENGTH_PREFIX, &w);
	m_free(&req);

	/* 200000 empty spans are fine and counted */
	{
		struct msg ss = {0}, rs = {0};

		for (i = 0; i < 200000; i++)
			m_bytes(&ss, 2, "", 0);
		m_sub(&rs, 2, &ss);
		m_sub(&req, 1, &rs);
		expect(SL_SIGNAL_TRACES, &req, 0, SL_OTLP_ERR_OK, &w);
		assert_int_equal(w.res.items, 200000);
		assert_int_equal(w.entries[0].items, 200000);
		m_free(&req);
	}
	/* 70000 attributes on one span: the index in error paths keeps counting */
	for (i = 0; i < 70000; i++)
		m_bytes(&span, 9, "", 0);
	m_int(&span, 9, 0);
	wrap_span(&req, &span);
	expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_WIRE_TYPE, &w);
	assert_non_null(strstr(w.res.err_msg, "attributes[70000]: wire type varint"));
	m_free(&req);
}

static void
groups_and_bad_wire_types(void **state)
{
	struct msg span = {0}, req = {0};
	struct walk w;
	unsigned int wt;

	(void)state;
	for (wt = 3; wt <= 7; wt++) {
		if (wt == 5)
			continue;
		/* unknown field 99 with wire type wt */
		m_str(&span, 5, "x");
		m_tag(&span, 99, wt);
		m_raw(&span, "\0\0\0\0\0\0\0\0", 8);
		wrap_span(&req, &span);
		expect(SL_SIGNAL_TRACES, &req, -EBADMSG,
		       wt <= 4 ? SL_OTLP_ERR_GROUP : SL_OTLP_ERR_TAG, &w);
		assert_non_null(strstr(w.res.err_msg, "spans[0].<field 99>: "));
		m_free(&req);
		/* known field */
		m_tag(&span, 11, wt);
		wrap_span(&req, &span);
		expect(SL_SIGNAL_TRACES, &req, -EBADMSG,
		       wt <= 4 ? SL_OTLP_ERR_GROUP : SL_OTLP_ERR_TAG, &w);
		m_free(&req);
	}
	/* a group at the top level */
	m_tag(&req, 1, 3);
	m_tag(&req, 1, 4);
	expect(SL_SIGNAL_LOGS, &req, -EBADMSG, SL_OTLP_ERR_GROUP, &w);
	assert_string_equal(w.res.err_msg, "resource_logs: group wire type 3 (not allowed in "
					   "proto3) at byte 0");
	m_free(&req);
}

static void
field_zero_and_bad_tags(void **state)
{
	struct msg span = {0}, req = {0};
	struct walk w;
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		m_int(&req, 0, 1);
		walk_buf(&w, (enum sl_signal)s, req.b, req.n);
		assert_int_equal(w.res.err, SL_OTLP_ERR_FIELD_ZERO);
		m_free(&req);
	}
	m_str(&span, 5, "x");
	m_int(&span, 0, 0);
	wrap_span(&req, &span);
	walk_buf(&w, SL_SIGNAL_TRACES, req.b, req.n);
	assert_int_equal(w.res.err, SL_OTLP_ERR_FIELD_ZERO);
	assert_non_null(strstr(w.res.err_msg, "spans[0].<field 0>: field number 0 at byte"));
	m_free(&req);

	/* tag of 6 bytes; tag above 2^32 - 1 */
	m_raw(&req, "\x88\x80\x80\x80\x80\x00\x01", 7);
	expect(SL_SIGNAL_TRACES, &req, -EBADMSG, SL_OTLP_ERR_TAG, &w);
	assert_string_equal(w.res.err_msg, "ExportTraceServiceRequest: tag longer than 5 bytes at "
					   "byte 0");
	m_free(&req);
	m_raw(&req, "\x88\x80\x80\x80\x10\x01", 6);
	walk_buf(&w, SL_SIGNAL_TRACES, req.b, req.n);
	assert_int_equal(w.res.err, SL_OTLP_ERR_TAG_RANGE);
	m_free(&req);
	/* the largest field number is an unknown field, fine */
	m_raw(&req, "\xf8\xff\xff\xff\x0f\x01", 6);
	expect(SL_SIGNAL_TRACES, &req, 0, SL_OTLP_ERR_OK, &w);
	m_free(&req);
}

static void
unknown_fields_are_skipped(void **state)
{
	struct msg span = {0}, req = {0}, kv = {0}, av = {0};
	struct walk w;

	(void)state;
	m_int(&av, 40, 5);
	m_str(&av, 1, "v");
	m_tag(&av, 41, 1);
	m_raw(&av, "12345678", 8);
	m_str(&kv, 1, "k");
	m_sub(&kv, 2, &av);
	m_tag(&kv, 17, 5);
	m_raw(&kv, "1234", 4);
	m_sub(&span, 9, &kv);
	m_str(&span, 1000, "future field");
	m_int(&span, 17, 1);
	wrap_span(&req, &span);
	m_str(&req, 2, "unknown top-level field");
	expect(SL_SIGNAL_TRACES, &req, 0, SL_OTLP_ERR_OK, &w);
	assert_int_equal(w.res.items, 1);
	assert_int_equal(w.res.n_entries, 1);
	assert_matches_protobuf_c(SL_SIGNAL_TRACES, req.b, req.n, &w);
	m_free(&req);
}

static void
packed_and_unpacked_scalars(void **state)
{
	struct msg dp = {0}, h = {0}, m = {0}, sm = {0}, rm = {0}, req = {0}, b = {0}, e = {0};
	struct walk w;

	(void)state;
	/* bucket_counts unpacked, explicit_bounds packed, both in one point */
	m_tag(&dp, 6, 1);
	m_raw(&dp, "\1\0\0\0\0\0\0\0", 8);
	m_tag(&dp, 6, 1);
	m_raw(&dp, "\2\0\0\0\0\0\0\0", 8);
	m_bytes(&dp, 7, "\0\0\0\0\0\0\xf0\x3f", 8);
	m_sub(&h, 1, &dp);
	m_sub(&m, 9, &h);
	m_sub(&sm, 2, &m);
	m_sub(&rm, 2, &sm);
	m_sub(&req, 1, &rm);
	expect(SL_SIGNAL_METRICS, &req, 0, SL_OTLP_ERR_OK, &w);
	assert_int_equal(w.res.items, 1);
	m_free(&req);

	/* packed fixed64 not a multiple of 8 */
	m_bytes(&dp, 7, "\0\0\0\0\0\0\xf0", 7);
	m_sub(&h, 1, &dp);
	m_sub(&m, 9, &h);
	m_sub(&sm, 2, &m);
	m_sub(&rm, 2, &sm);
	m_sub(&req, 1, &rm);
	expect(SL_SIGNAL_METRICS, &req, -EBADMSG, SL_OTLP_ERR_PACKED, &w);
	assert_non_null(strstr(w.res.err_msg, "data_points[0].explicit_bounds: packed fixed64 "
					      "length 7 not a multiple of 8"));
	m_free(&req);

	/* exponential buckets: unpacked and packed uint64, then a torn packed one */
	m_int(&b, 2, 300);
	m_bytes(&b, 2, "\x01\xac\x02\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 13);
	m_sub(&e, 8, &b);
	m_sub(&h, 1, &e);
	m_sub(&m, 10, &h);
	m_sub(&sm, 2, &m);
	m_sub(&rm, 2, &sm);
	m_sub(&req, 1, &rm);
	expect(SL_SIGNAL_METRICS, &req, 0, SL_OTLP_ERR_OK, &w);
	m_free(&req);
	m_bytes(&b, 2, "\x01\xac", 2);
	m_sub(&e, 9, &b);
	m_sub(&h, 1, &e);
	m_sub(&m, 10, &h);
	m_sub(&sm, 2, &m);
	m_sub(&rm, 2, &sm);
	m_sub(&req, 1, &rm);
	expect(SL_SIGNAL_METRICS, &req, -EBADMSG, SL_OTLP_ERR_PACKED, &w);
	assert_non_null(strstr(w.res.err_msg, "exponential_histogram.data_points[0].negative."
					      "bucket_counts: packed varints"));
	m_free(&req);
	/* an 11-byte packed varint */
	m_bytes(&b, 2, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11);
	m_sub(&e, 8, &b);
	m_sub(&h, 1, &e);
	m_sub(&m, 10, &h);
	m_sub(&sm, 2, &m);
	m_sub(&rm, 2, &sm);
	m_sub(&req, 1, &rm);
	expect(SL_SIGNAL_METRICS, &req, -EBADMSG, SL_OTLP_ERR_PACKED, &w);
	m_free(&req);
}

/* A Metric with two data arms: the last wins (protobuf oneof); the same arm twice merges. */
static void
metric_data_oneof(void **state)
{
	struct msg g = {0}, s = {0}, m = {0}, sm = {0}, rm = {0}, req = {0};
	struct walk w;

	(void)state;
	m_bytes(&g, 1, "", 0);
	m_bytes(&g, 1, "", 0);
	m_sub(&m, 5, &g); /* gauge, 2 points */
	m_bytes(&s, 1, "", 0);
	m_sub(&m, 7, &s); /* then sum, 1 point */
	m_sub(&sm, 2, &m);
	m_bytes(&g, 1, "", 0);
	m_sub(&m, 5, &g); /* another metric: gauge, 1 point */
	m_sub(&sm, 2, &m);
	m_sub(&rm, 2, &sm);
	m_sub(&req, 1, &rm);
	expect(SL_SIGNAL_METRICS, &req, 0, SL_OTLP_ERR_OK, &w);
	assert_int_equal(w.res.items, 2);
	assert_int_equal(w.res.flags, 0);
	assert_matches_protobuf_c(SL_SIGNAL_METRICS, req.b, req.n, &w);
	m_free(&req);

	m_bytes(&g, 1, "", 0);
	m_sub(&m, 5, &g);
	m_bytes(&g, 1, "", 0);
	m_bytes(&g, 1, "", 0);
	m_sub(&m, 5, &g); /* gauge again: merged, 3 points (protobuf-c keeps 2) */
	m_sub(&sm, 2, &m);
	m_sub(&rm, 2, &sm);
	m_sub(&req, 1, &rm);
	expect(SL_SIGNAL_METRICS, &req, 0, SL_OTLP_ERR_OK, &w);
	assert_int_equal(w.res.items, 3);
	assert_int_equal(w.entries[0].items, 3);
	assert_int_equal(w.res.flags, SL_OTLP_WALK_F_METRIC_MERGED);
	m_free(&req);
}

static void
resource_attributes_any_order(void **state)
{
	struct msg res = {0}, kv = {0}, av = {0}, rs = {0}, req = {0};
	struct walk w;
	struct frags f;
	size_t cut;

	(void)state;
	/* value before key */
	m_str(&av, 1, "billing");
	m_sub(&kv, 2, &av);
	m_str(&kv, 1, "service.name");
	m_sub(&res, 1, &kv);
	/* a routing key set twice: the last one wins */
	m_str(&kv, 1, "tenant.id");
	m_str(&av, 1, "first");
	m_sub(&kv, 2, &av);
	m_sub(&res, 1, &kv);
	m_str(&kv, 1, "tenant.id");
	m_str(&av, 1, "second");
	m_sub(&kv, 2, &av);
	m_sub(&res, 1, &kv);
	/* a value that switches arms: the last arm wins */
	m_str(&kv, 1, "host.name");
	m_str(&av, 1, "h");
	m_int(&av, 3, 5);
	m_sub(&kv, 2, &av);
	m_sub(&res, 1, &kv);
	/* a key without a value */
	m_str(&kv, 1, "k8s.namespace.name");
	m_sub(&res, 1, &kv);
	/* a key that merely starts like one */
	m_str(&kv, 1, "service.names");
	m_str(&av, 1, "no");
	m_sub(&kv, 2, &av);
	m_sub(&res, 1, &kv);
	m_sub(&rs, 1, &res);
	m_sub(&req, 1, &rs);

	walk_buf(&w, SL_SIGNAL_TRACES, req.b, req.n);
	assert_int_equal(w.rc, 0);
	assert_int_equal(w.entries[0].present, 1u | 1u << 1 | 1u << 2 | 1u << 3);
	assert_string_equal(w.entries[0].attrs[0].val, "billing");
	assert_string_equal(w.entries[0].attrs[1].val, "second");
	assert_int_equal(w.entries[0].attrs[2].type, SL_OTLP_VAL_NONE);
	assert_int_equal(w.entries[0].attrs[3].type, SL_OTLP_VAL_OTHER);
	assert_matches_protobuf_c(SL_SIGNAL_TRACES, req.b, req.n, &w);
	/* keys and values straddling every possible cut */
	for (cut = 0; cut <= req.n; cut++) {
		struct walk w2;

		frags_make(&f, req.b, req.n, &cut, 1);
		walk_iov(&w2, SL_SIGNAL_TRACES, f.iov, f.n, &opts);
		assert_same(&w, &w2);
		frags_free(&f);
	}
	/* without options only service.name is extracted */
	{
		struct sl_iov v = {req.b, (uint32_t)req.n};

		walk_iov(&w, SL_SIGNAL_TRACES, &v, 1, NULL);
		assert_int_equal(w.entries[0].present, 1);
	}
	m_free(&req);
}

/* A singular sub-message twice is merged (protobuf), flagged, and extracted as merged. */
static void
merged_singular_messages(void **state)
{
	struct msg span = {0}, st = {0}, kv = {0}, av = {0}, res = {0}, rs = {0}, req = {0};
	struct walk w, bytes;

	(void)state;
	m_str(&span, 5, "s");
	m_int(&st, 3, 2);
	m_sub(&span, 15, &st);
	m_str(&st, 2, "again");
	m_sub(&span, 15, &st); /* status twice */
	wrap_span(&req, &span);
	walk_buf(&w, SL_SIGNAL_TRACES, req.b, req.n);
	assert_int_equal(w.rc, 0);
	assert_int_equal(w.res.flags, SL_OTLP_WALK_F_MERGED);
	walk_bytewise(&bytes, SL_SIGNAL_TRACES, req.b, req.n, &opts);
	assert_same(&w, &bytes);
	m_free(&req);

	/* service.name = "a", then an empty value: the merge keeps "a" */
	m_str(&kv, 1, "service.name");
	m_str(&av, 1, "a");
	m_sub(&kv, 2, &av);
	m_sub(&kv, 2, &av);
	m_sub(&res, 1, &kv);
	m_sub(&rs, 1, &res);
	m_sub(&req, 1, &rs);
	walk_buf(&w, SL_SIGNAL_TRACES, req.b, req.n);
	assert_int_equal(w.rc, 0);
	assert_int_equal(w.res.flags, SL_OTLP_WALK_F_MERGED);
	assert_int_equal(w.entries[0].attrs[0].type, SL_OTLP_VAL_STRING);
	assert_string_equal(w.entries[0].attrs[0].val, "a");
	walk_bytewise(&bytes, SL_SIGNAL_TRACES, req.b, req.n, &opts);
	assert_same(&w, &bytes);
	m_free(&req);

	/* and a span attribute's value twice */
	m_str(&kv, 1, "k");
	m_str(&av, 1, "a");
	m_sub(&kv, 2, &av);
	m_int(&av, 3, 1);
	m_sub(&kv, 2, &av);
	m_sub(&span, 9, &kv);
	wrap_span(&req, &span);
	walk_buf(&w, SL_SIGNAL_TRACES, req.b, req.n);
	assert_int_equal(w.rc, 0);
	assert_int_equal(w.res.flags, SL_OTLP_WALK_F_MERGED);
	m_free(&req);
}

static void
entries_limit_and_no_entries(void **state)
{
	struct sl_otlp_walk_result res;
	struct sl_otlp_entry two[2];
	struct sl_iov v = {gold[0].b, (uint32_t)gold[0].n};
	int rc;

	(void)state;
	memset(&res, 0, sizeof(res));
	res.entries = two;
	res.max_entries = 2;
	rc = sl_otlp_walk(SL_SIGNAL_TRACES, &v, 1, &opts, &res);
	assert_int_equal(rc, -E2BIG);
	assert_int_equal(res.err, SL_OTLP_ERR_TOO_MANY);
	assert_int_equal(res.err_off, two[1].off + two[1].len);
	assert_ptr_equal(strstr(res.err_msg, "resource_spans[2]: more than 2 entries"),
			 res.err_msg);

	memset(&res, 0, sizeof(res));
	rc = sl_otlp_walk(SL_SIGNAL_TRACES, &v, 1, &opts, &res);
	assert_int_equal(rc, 0);
	assert_int_equal(res.n_entries, 4);
	assert_int_equal(res.items, 12);

	/* empty bodies are empty requests; no fragments at all too */
	assert_int_equal(sl_otlp_walk(SL_SIGNAL_LOGS, NULL, 0, NULL, &res), 0);
	assert_int_equal(res.n_entries, 0);
	v.len = 0;
	assert_int_equal(sl_otlp_walk(SL_SIGNAL_LOGS, &v, 1, NULL, &res), 0);

	/* arguments */
	assert_int_equal(sl_otlp_walk(SL_SIGNAL_MAX, &v, 1, NULL, &res), -EINVAL);
	assert_int_equal(sl_otlp_walk(SL_SIGNAL_LOGS, &v, 1, NULL, NULL), -EINVAL);
}

static void
options_are_checked(void **state)
{
	static const char *const nine[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i"};
	static const char *const empty[] = {""};
	struct sl_otlp_walk_opts o;

	(void)state;
	assert_int_equal(sl_otlp_walk_opts_init(&o, nine, 9), -E2BIG);
	assert_int_equal(sl_otlp_walk_opts_init(&o, empty, 1), -EINVAL);
	assert_int_equal(sl_otlp_walk_opts_init(&o, nine, 8), 0);
	assert_int_equal(o.n_keys, 8);
	assert_int_equal(o.max_depth, SL_OTLP_WALK_DEPTH_DEFAULT);
	assert_string_equal(sl_otlp_err_name(SL_OTLP_ERR_DEPTH), "depth");
	assert_string_equal(sl_otlp_err_name(SL_OTLP_ERR_MAX), "unknown");
	assert_string_equal(sl_signal_name(SL_SIGNAL_METRICS), "metrics");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(goldens_regenerate_byte_for_byte),
		cmocka_unit_test(goldens_match_protobuf_c),
		cmocka_unit_test(goldens_split_in_two_everywhere),
		cmocka_unit_test(goldens_split_at_random),
		cmocka_unit_test(goldens_fast_path_equals_generic),
		cmocka_unit_test(goldens_ranges_concatenate),
		cmocka_unit_test(goldens_truncated_everywhere),
		cmocka_unit_test(bad_varint_names_the_field),
		cmocka_unit_test(length_past_end_names_the_field),
		cmocka_unit_test(wrong_wire_type_for_known_fields),
		cmocka_unit_test(depth_bombs_stop_at_the_limit),
		cmocka_unit_test(huge_lengths_and_counts),
		cmocka_unit_test(groups_and_bad_wire_types),
		cmocka_unit_test(field_zero_and_bad_tags),
		cmocka_unit_test(unknown_fields_are_skipped),
		cmocka_unit_test(packed_and_unpacked_scalars),
		cmocka_unit_test(metric_data_oneof),
		cmocka_unit_test(resource_attributes_any_order),
		cmocka_unit_test(merged_singular_messages),
		cmocka_unit_test(entries_limit_and_no_entries),
		cmocka_unit_test(options_are_checked),
	};

	return cmocka_run_group_tests_name("otlp_walk", tests, load_goldens, free_goldens);
}
