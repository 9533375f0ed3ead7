/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the OTLP item filter: goldens against protobuf-c's view, hand-made edge cases. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../data/golden.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "pipeline/item_filter.h"
#include "proto/otlp_walk.h"

#define PB(x)    Opentelemetry__Proto__##x
#define MDATA(x) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##x
/* The protobuf-c descriptor of Export<S>ServiceRequest, s = trace, metrics or logs. */
#define REQ_DESC(s)                                                                                \
	opentelemetry__proto__collector__##s##__v1__export_##s##_service_request__descriptor

/* Entries of a golden (at most 4) and items of a test entry (goldens: at most 14). */
#define MAX_ENTRIES 16
#define MAX_ITEMS   1024

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

typedef PB(Collector__Trace__V1__ExportTraceServiceRequest) trace_req;
typedef PB(Collector__Metrics__V1__ExportMetricsServiceRequest) metrics_req;
typedef PB(Collector__Logs__V1__ExportLogsServiceRequest) logs_req;

/* ---- the goldens, cut into entries ---- */

struct golden {
	uint8_t *b;
	size_t n;
	uint32_t n_entries;
	struct sl_otlp_entry e[MAX_ENTRIES];
};
static struct golden gold[SL_SIGNAL_MAX];

static int
load_goldens(void **state)
{
	const char *src = getenv("SLUICE_SRC");
	struct sl_otlp_walk_result res;
	char path[4096];
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		snprintf(path, sizeof(path), "%s/tests/data/%s", src ? src : ".",
		         sl_golden_name((enum sl_signal)s));
		gold[s].b = sl_golden_read_file(path, &gold[s].n);
		if (gold[s].b == NULL) {
			fprintf(stderr, "cannot read %s (SLUICE_SRC unset?)\n", path);
			return -1;
		}
		res.entries = gold[s].e;
		res.max_entries = MAX_ENTRIES;
		if (sl_otlp_walk_buf((enum sl_signal)s, gold[s].b, (uint32_t)gold[s].n, NULL,
		                     &res) != 0)
			return -1;
		gold[s].n_entries = res.n_entries;
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

/* ---- keep functions that record what they were asked ---- */

enum mode {
	KEEP_ALL,
	KEEP_NONE,
	KEEP_MASK,  /* mask[idx] */
	KEEP_TRACE, /* trace ids whose first byte is even, and items without one (as classify.c) */
	KEEP_RAND,  /* a hash of idx and seed */
};

struct rec {
	enum mode mode;
	const bool *mask;
	uint32_t seed;
	uint32_t n;    /* calls */
	bool in_order; /* every idx was the previous one + 1 */
	bool dec[MAX_ITEMS];
	bool has_tid[MAX_ITEMS];
	uint8_t tid[MAX_ITEMS][16];
};

static void
rec_init(struct rec *r, enum mode mode, const bool *mask, uint32_t seed)
{
	memset(r, 0, sizeof(*r));
	r->mode = mode;
	r->mask = mask;
	r->seed = seed;
	r->in_order = true;
}

static bool
keep_rec(void *arg, uint32_t idx, const uint8_t *trace_id)
{
	struct rec *r = arg;
	bool k;

	if (idx != r->n || idx >= MAX_ITEMS) {
		r->in_order = false;
		return true;
	}
	r->n++;
	switch (r->mode) {
	case KEEP_ALL:
		k = true;
		break;
	case KEEP_NONE:
		k = false;
		break;
	case KEEP_MASK:
		k = r->mask[idx];
		break;
	case KEEP_TRACE:
		k = trace_id == NULL || trace_id[0] % 2 == 0;
		break;
	default:
		k = ((idx + 1) * 2654435761u ^ r->seed) >> 13 & 1;
		break;
	}
	r->dec[idx] = k;
	r->has_tid[idx] = trace_id != NULL;
	if (trace_id != NULL)
		memcpy(r->tid[idx], trace_id, 16);
	return k;
}

/* ---- protobuf-c's view: the expected output ---- */

static ProtobufCMessage *
unpack(enum sl_signal sig, const uint8_t *b, size_t n)
{
	static const ProtobufCMessageDescriptor *const desc[SL_SIGNAL_MAX] = {
	    &REQ_DESC(trace), &REQ_DESC(metrics), &REQ_DESC(logs)};

	return protobuf_c_message_unpack(desc[sig], NULL, n, b);
}

/* The data points of a Metric's arm: where their count and array are, for editing in place. */
struct pts {
	size_t *n; /* NULL: no data arm */
	void ***a;
};

static struct pts
points_ref(PB(Metrics__V1__Metric) * mt)
{
	struct pts p = {NULL, NULL};

	switch (mt->data_case) {
	case MDATA(GAUGE):
		p.n = &mt->gauge->n_data_points;
		p.a = (void ***)&mt->gauge->data_points;
		break;
	case MDATA(SUM):
		p.n = &mt->sum->n_data_points;
		p.a = (void ***)&mt->sum->data_points;
		break;
	case MDATA(HISTOGRAM):
		p.n = &mt->histogram->n_data_points;
		p.a = (void ***)&mt->histogram->data_points;
		break;
	case MDATA(EXPONENTIAL_HISTOGRAM):
		p.n = &mt->exponential_histogram->n_data_points;
		p.a = (void ***)&mt->exponential_histogram->data_points;
		break;
	case MDATA(SUMMARY):
		p.n = &mt->summary->n_data_points;
		p.a = (void ***)&mt->summary->data_points;
		break;
	default:
		break;
	}
	return p;
}

/* Every edit of an unpacked message, undone before it is freed. */
#define MAX_EDITS 4096
struct edits {
	unsigned int n;
	struct {
		size_t *np;
		void ***ap;
		size_t n;
		void **a;
	} e[MAX_EDITS];
};

/* Replace (*np, *ap) by the elements of *ap whose keep[] is set; returns how many. */
static size_t
edit(struct edits *ed, size_t *np, void ***ap, const bool *keep)
{
	void **a = calloc(*np ? *np : 1, sizeof(*a));
	size_t i, k = 0;

	assert_non_null(a);
	assert_true(ed->n < MAX_EDITS);
	for (i = 0; i < *np; i++)
		if (keep[i])
			a[k++] = (*ap)[i];
	ed->e[ed->n].np = np;
	ed->e[ed->n].ap = ap;
	ed->e[ed->n].n = *np;
	ed->e[ed->n].a = *ap;
	ed->n++;
	*np = k;
	*ap = a;
	return k;
}

static void
undo(struct edits *ed)
{
	while (ed->n > 0) {
		ed->n--;
		free(*ed->e[ed->n].ap);
		*ed->e[ed->n].np = ed->e[ed->n].n;
		*ed->e[ed->n].ap = ed->e[ed->n].a;
	}
}

/*
 * The request holding one entry, cut down to the items dec[] keeps, with
 * the containers that held items but keep none removed. Checks on the way
 * that the recorded trace ids are the items' own. Returns the packed
 * expected entry (malloc'd) and its length in *n, or NULL when nothing is
 * kept.
 */
static uint8_t *
expect(enum sl_signal sig, const uint8_t *in, size_t len, const struct rec *r, size_t *n)
{
	ProtobufCMessage *m = unpack(sig, in, len);
	struct edits *ed = calloc(1, sizeof(*ed));
	bool *ks = calloc(MAX_ITEMS, sizeof(*ks)), *kc = calloc(MAX_ITEMS, sizeof(*kc));
	uint32_t idx = 0, total = 0;
	uint8_t *buf = NULL;
	size_t i, j;

	assert_non_null(m);
	assert_non_null(ed);
	if (sig == SL_SIGNAL_TRACES) {
		PB(Trace__V1__ResourceSpans) *rs = ((trace_req *)m)->resource_spans[0];

		for (i = 0; i < rs->n_scope_spans; i++) {
			PB(Trace__V1__ScopeSpans) *ss = rs->scope_spans[i];
			size_t had = ss->n_spans, k;

			for (j = 0; j < ss->n_spans; j++, idx++) {
				ProtobufCBinaryData *t = &ss->spans[j]->trace_id;

				assert_int_equal(r->has_tid[idx], t->len == 16);
				if (t->len == 16)
					assert_memory_equal(r->tid[idx], t->data, 16);
				ks[j] = r->dec[idx];
			}
			k = edit(ed, &ss->n_spans, (void ***)&ss->spans, ks);
			kc[i] = had == 0 || k > 0;
			total += (uint32_t)k;
		}
		edit(ed, &rs->n_scope_spans, (void ***)&rs->scope_spans, kc);
	} else if (sig == SL_SIGNAL_LOGS) {
		PB(Logs__V1__ResourceLogs) *rl = ((logs_req *)m)->resource_logs[0];

		for (i = 0; i < rl->n_scope_logs; i++) {
			PB(Logs__V1__ScopeLogs) *sl = rl->scope_logs[i];
			size_t had = sl->n_log_records, k;

			for (j = 0; j < sl->n_log_records; j++, idx++) {
				ProtobufCBinaryData *t = &sl->log_records[j]->trace_id;

				assert_int_equal(r->has_tid[idx], t->len == 16);
				if (t->len == 16)
					assert_memory_equal(r->tid[idx], t->data, 16);
				ks[j] = r->dec[idx];
			}
			k = edit(ed, &sl->n_log_records, (void ***)&sl->log_records, ks);
			kc[i] = had == 0 || k > 0;
			total += (uint32_t)k;
		}
		edit(ed, &rl->n_scope_logs, (void ***)&rl->scope_logs, kc);
	} else {
		PB(Metrics__V1__ResourceMetrics) *rm = ((metrics_req *)m)->resource_metrics[0];
		bool *km = calloc(MAX_ITEMS, sizeof(*km));

		for (i = 0; i < rm->n_scope_metrics; i++) {
			PB(Metrics__V1__ScopeMetrics) *sm = rm->scope_metrics[i];
			size_t held = 0, kept = 0;

			for (j = 0; j < sm->n_metrics; j++) {
				struct pts pt = points_ref(sm->metrics[j]);
				size_t had, k, p;

				km[j] = true;
				if (pt.n == NULL)
					continue;
				had = *pt.n;
				for (p = 0; p < had; p++, idx++) {
					assert_false(r->has_tid[idx]);
					ks[p] = r->dec[idx];
				}
				k = edit(ed, pt.n, pt.a, ks);
				km[j] = had == 0 || k > 0;
				held += had;
				kept += k;
			}
			edit(ed, &sm->n_metrics, (void ***)&sm->metrics, km);
			kc[i] = held == 0 || kept > 0;
			total += (uint32_t)kept;
		}
		edit(ed, &rm->n_scope_metrics, (void ***)&rm->scope_metrics, kc);
		free(km);
	}
	assert_int_equal(idx, r->n);
	if (total > 0) {
		*n = protobuf_c_message_get_packed_size(m);
		buf = malloc(*n ? *n : 1);
		assert_non_null(buf);
		assert_int_equal(protobuf_c_message_pack(m, buf), *n);
	} else {
		*n = 0;
	}
	undo(ed);
	protobuf_c_message_free_unpacked(m, NULL);
	free(ed);
	free(ks);
	free(kc);
	return buf;
}

/* The output walks clean as a request of one entry with exactly kept items. */
static void
check_walks(enum sl_signal sig, const uint8_t *out, uint32_t n, uint32_t kept)
{
	struct sl_otlp_walk_result res = {0};

	assert_int_equal(sl_otlp_walk_buf(sig, out, n, NULL, &res), 0);
	assert_int_equal(res.n_entries, 1);
	assert_int_equal(res.items, kept);
}

/*
 * Filters in with r's keep rule and checks everything: the calls (each item
 * once, in order, with its own trace id), the counts, the bytes against
 * protobuf-c's packing of the expected subset (the goldens are protobuf-c
 * packed, so the filtered entry must be exactly that), the output's walk.
 */
static struct sl_item_filter_res
run(enum sl_signal sig, const uint8_t *in, uint32_t len, struct rec *r, uint32_t walk_items)
{
	struct sl_item_filter_res res;
	uint8_t *out = malloc(len), *want;
	size_t want_n;
	ProtobufCMessage *m;

	assert_non_null(out);
	assert_int_equal(sl_item_filter(sig, in, len, keep_rec, r, out, len, &res), 0);
	assert_true(r->in_order);
	assert_int_equal(r->n, walk_items);
	assert_int_equal(res.kept + res.dropped, walk_items);
	assert_true(res.out_len <= len);
	want = expect(sig, in, len, r, &want_n);
	if (res.kept == 0) {
		assert_int_equal(res.out_len, 0);
		assert_null(want);
	} else {
		assert_non_null(want);
		assert_int_equal(res.out_len, want_n);
		assert_memory_equal(out, want, want_n);
		m = unpack(sig, out, res.out_len);
		assert_non_null(m);
		protobuf_c_message_free_unpacked(m, NULL);
		check_walks(sig, out, res.out_len, res.kept);
	}
	free(want);
	/* Trusting the caller's walk (classify.c's path) gives the same bytes and counts. */
	{
		struct rec *r2 = malloc(sizeof(*r2));
		uint8_t *out2 = malloc(len);
		struct sl_item_filter_res res2;

		assert_non_null(r2);
		assert_non_null(out2);
		rec_init(r2, r->mode, r->mask, r->seed);
		assert_int_equal(sl_item_filter_walked(sig, in, len, walk_items, keep_rec, r2, out2,
		                                       len, &res2),
		                 0);
		assert_int_equal(res2.out_len, res.out_len);
		assert_int_equal(res2.kept, res.kept);
		assert_int_equal(res2.dropped, res.dropped);
		assert_memory_equal(out2, out, res.out_len);
		free(out2);
		free(r2);
	}
	free(out);
	return res;
}

/* ---- goldens ---- */

static void
test_keep_all_identical(void **state)
{
	unsigned int s, i;
	struct rec *r = malloc(sizeof(*r));

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		for (i = 0; i < gold[s].n_entries; i++) {
			const struct sl_otlp_entry *e = &gold[s].e[i];
			uint8_t *out = malloc(e->len);
			struct sl_item_filter_res res;

			rec_init(r, KEEP_ALL, NULL, 0);
			assert_int_equal(sl_item_filter((enum sl_signal)s, gold[s].b + e->off,
			                                e->len, keep_rec, r, out, e->len, &res),
			                 0);
			assert_int_equal(res.kept, e->items);
			assert_int_equal(res.dropped, 0);
			if (e->items > 0) {
				assert_int_equal(res.out_len, e->len);
				assert_memory_equal(out, gold[s].b + e->off, e->len);
			} else {
				assert_int_equal(res.out_len, 0);
			}
			free(out);
		}
	free(r);
}

static void
test_keep_none_vanishes(void **state)
{
	unsigned int s, i;
	struct rec *r = malloc(sizeof(*r));

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		for (i = 0; i < gold[s].n_entries; i++) {
			const struct sl_otlp_entry *e = &gold[s].e[i];
			struct sl_item_filter_res res;

			rec_init(r, KEEP_NONE, NULL, 0);
			res = run((enum sl_signal)s, gold[s].b + e->off, e->len, r, e->items);
			assert_int_equal(res.out_len, 0);
			assert_int_equal(res.kept, 0);
			assert_int_equal(res.dropped, e->items);
		}
	free(r);
}

/* Every golden entry with masks: even, odd, each single item, each single item left out. */
static void
by_index(enum sl_signal sig)
{
	struct rec *r = malloc(sizeof(*r));
	bool mask[MAX_ITEMS];
	unsigned int i, k, v;

	for (i = 0; i < gold[sig].n_entries; i++) {
		const struct sl_otlp_entry *e = &gold[sig].e[i];
		const uint8_t *in = gold[sig].b + e->off;

		for (v = 0; v < 2 + 2 * e->items; v++) {
			for (k = 0; k < e->items; k++)
				mask[k] = v == 0             ? k % 2 == 0
				          : v == 1           ? k % 2 == 1
				          : v < 2 + e->items ? k == v - 2
				                             : k != v - 2 - e->items;
			rec_init(r, KEEP_MASK, mask, 0);
			run(sig, in, e->len, r, e->items);
		}
		for (v = 0; v < 64; v++) {
			rec_init(r, KEEP_RAND, NULL, v * 0x9e3779b9u);
			run(sig, in, e->len, r, e->items);
		}
	}
	free(r);
}

static void
test_traces_by_index(void **state)
{
	(void)state;
	by_index(SL_SIGNAL_TRACES);
}

static void
test_logs_by_index(void **state)
{
	(void)state;
	by_index(SL_SIGNAL_LOGS);
}

static void
test_metrics_by_index(void **state)
{
	(void)state;
	by_index(SL_SIGNAL_METRICS);
}

/* Keep by trace id: items are decided on the id the filter hands over (checked in expect). */
static void
by_trace(enum sl_signal sig, uint32_t *with_tid, uint32_t *kept)
{
	struct rec *r = malloc(sizeof(*r));
	unsigned int i, k;

	for (i = 0; i < gold[sig].n_entries; i++) {
		const struct sl_otlp_entry *e = &gold[sig].e[i];
		struct sl_item_filter_res res;

		rec_init(r, KEEP_TRACE, NULL, 0);
		res = run(sig, gold[sig].b + e->off, e->len, r, e->items);
		for (k = 0; k < r->n; k++)
			*with_tid += r->has_tid[k];
		*kept += res.kept;
	}
	free(r);
}

static void
test_traces_by_trace_id(void **state)
{
	uint32_t with_tid = 0, kept = 0;

	(void)state;
	by_trace(SL_SIGNAL_TRACES, &with_tid, &kept);
	/* the golden's spans all carry 16-byte trace ids; a third start 0a (even) */
	assert_int_equal(with_tid, 12);
	assert_int_equal(kept, 4);
}

static void
test_logs_by_trace_id(void **state)
{
	uint32_t with_tid = 0, kept = 0;

	(void)state;
	by_trace(SL_SIGNAL_LOGS, &with_tid, &kept);
	/* one log record has a trace id (4b..., odd: dropped); the others have none (kept) */
	assert_int_equal(with_tid, 1);
	assert_int_equal(kept, 13);
}

/* Each of the five point kinds is filtered: keep one point at a time and see its kind survive. */
static void
test_metrics_every_kind(void **state)
{
	struct rec *r = malloc(sizeof(*r));
	bool mask[MAX_ITEMS];
	unsigned int seen = 0, i, j, k, n, v;

	(void)state;
	for (i = 0; i < gold[SL_SIGNAL_METRICS].n_entries; i++) {
		const struct sl_otlp_entry *e = &gold[SL_SIGNAL_METRICS].e[i];
		const uint8_t *in = gold[SL_SIGNAL_METRICS].b + e->off;

		for (v = 0; v < e->items; v++) {
			uint8_t *out = malloc(e->len);
			struct sl_item_filter_res res;
			metrics_req *m;
			PB(Metrics__V1__ScopeMetrics) * sm;
			for (k = 0; k < e->items; k++)
				mask[k] = k == v;
			rec_init(r, KEEP_MASK, mask, 0);
			assert_int_equal(sl_item_filter(SL_SIGNAL_METRICS, in, e->len, keep_rec, r,
			                                out, e->len, &res),
			                 0);
			assert_int_equal(res.kept, 1);
			m = (metrics_req *)unpack(SL_SIGNAL_METRICS, out, res.out_len);
			assert_non_null(m);
			assert_int_equal(m->n_resource_metrics, 1);
			/* one metric with the point; others (and scopes) that never had any */
			for (j = 0, n = 0; j < m->resource_metrics[0]->n_scope_metrics; j++) {
				sm = m->resource_metrics[0]->scope_metrics[j];
				for (k = 0; k < sm->n_metrics; k++) {
					struct pts pt = points_ref(sm->metrics[k]);

					if (pt.n != NULL && *pt.n > 0) {
						assert_int_equal(*pt.n, 1);
						seen |= 1u << sm->metrics[k]->data_case;
						n++;
					}
				}
			}
			assert_int_equal(n, 1);
			protobuf_c_message_free_unpacked(&m->base, NULL);
			free(out);
		}
	}
	assert_int_equal(seen, 1u << MDATA(GAUGE) | 1u << MDATA(SUM) | 1u << MDATA(HISTOGRAM) |
	                           1u << MDATA(EXPONENTIAL_HISTOGRAM) | 1u << MDATA(SUMMARY));
	free(r);
}

/* Scopes emptied by the filter go; the others stay. */
static void
test_empty_scope_dropped(void **state)
{
	const struct sl_otlp_entry *e = &gold[SL_SIGNAL_TRACES].e[0];
	struct rec *r = malloc(sizeof(*r));
	bool mask[MAX_ITEMS] = {0};
	uint8_t *out = malloc(e->len);
	struct sl_item_filter_res res;
	trace_req *in, *m;
	size_t n0;

	(void)state;
	in = (trace_req *)unpack(SL_SIGNAL_TRACES, gold[SL_SIGNAL_TRACES].b + e->off, e->len);
	assert_non_null(in);
	assert_int_equal(in->resource_spans[0]->n_scope_spans, 2);
	n0 = in->resource_spans[0]->scope_spans[0]->n_spans;
	assert_true(n0 > 0 && n0 < e->items);
	mask[n0] = true; /* the first span of the second scope */
	rec_init(r, KEEP_MASK, mask, 0);
	assert_int_equal(sl_item_filter(SL_SIGNAL_TRACES, gold[SL_SIGNAL_TRACES].b + e->off, e->len,
	                                keep_rec, r, out, e->len, &res),
	                 0);
	m = (trace_req *)unpack(SL_SIGNAL_TRACES, out, res.out_len);
	assert_non_null(m);
	assert_int_equal(m->resource_spans[0]->n_scope_spans, 1);
	assert_int_equal(m->resource_spans[0]->scope_spans[0]->n_spans, 1);
	assert_string_equal(m->resource_spans[0]->scope_spans[0]->scope->name,
	                    in->resource_spans[0]->scope_spans[1]->scope->name);
	assert_string_equal(m->resource_spans[0]->scope_spans[0]->spans[0]->name,
	                    in->resource_spans[0]->scope_spans[1]->spans[0]->name);
	/* the resource is kept as it was */
	assert_int_equal(m->resource_spans[0]->resource->n_attributes,
	                 in->resource_spans[0]->resource->n_attributes);
	protobuf_c_message_free_unpacked(&m->base, NULL);
	protobuf_c_message_free_unpacked(&in->base, NULL);
	free(out);
	free(r);
}

/* ---- hand-made entries ---- */

struct pb {
	uint8_t b[2048];
	size_t n;
};

static void
put_varint(struct pb *p, uint64_t v)
{
	do {
		assert_true(p->n < sizeof(p->b));
		p->b[p->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v != 0);
}

static void
put_tag(struct pb *p, uint32_t f, uint32_t wt)
{
	put_varint(p, (uint64_t)f << 3 | wt);
}

static void
put_bytes(struct pb *p, uint32_t f, const void *v, size_t n)
{
	put_tag(p, f, 2);
	put_varint(p, n);
	assert_true(p->n + n <= sizeof(p->b));
	memcpy(p->b + p->n, v, n);
	p->n += n;
}

static void
put_msg(struct pb *p, uint32_t f, const struct pb *sub)
{
	put_bytes(p, f, sub->b, sub->n);
}

static void
put_str(struct pb *p, uint32_t f, const char *s)
{
	put_bytes(p, f, s, strlen(s));
}

static void
put_fixed(struct pb *p, uint32_t f, uint32_t wt, uint64_t v)
{
	unsigned int i, n = wt == 1 ? 8 : 4;

	put_tag(p, f, wt);
	for (i = 0; i < n; i++)
		p->b[p->n++] = (uint8_t)(v >> (8 * i));
}

static void
put_vfield(struct pb *p, uint32_t f, uint64_t v)
{
	put_tag(p, f, 0);
	put_varint(p, v);
}

static void
tid(uint8_t *t, uint8_t x)
{
	memset(t, x, 16);
}

/* A span with unknown fields around its trace id. */
static void
span(struct pb *p, uint8_t x)
{
	uint8_t t[16];
	char name[8];

	tid(t, x);
	snprintf(name, sizeof(name), "s%u", x);
	memset(p, 0, sizeof(*p));
	put_vfield(p, 100, 7);
	put_bytes(p, 1, t, 16);
	put_str(p, 5, name);
	put_fixed(p, 77, 5, 0xdeadbeef);
}

/*
 * ResourceSpans { ?99, resource, ScopeSpans A {scope, ?50, span0, span1,
 * schema_url, ?60}, [ScopeSpans B {span2}], schema_url, ?98 }, with the spans
 * in want[] only (want NULL: all), as an entry.
 */
static void
hand_traces(struct pb *entry, const bool *want)
{
	struct pb sp, a, b, rs, res, sc;

	memset(&rs, 0, sizeof(rs));
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	memset(&res, 0, sizeof(res));
	memset(&sc, 0, sizeof(sc));
	memset(entry, 0, sizeof(*entry));
	put_str(&sc, 1, "lib");
	put_msg(&a, 1, &sc);
	put_str(&a, 50, "x");
	if (want == NULL || want[0]) {
		span(&sp, 0);
		put_msg(&a, 2, &sp);
	}
	if (want == NULL || want[1]) {
		span(&sp, 1);
		put_msg(&a, 2, &sp);
	}
	put_str(&a, 3, "https://schema/a");
	put_vfield(&a, 60, 1);
	if (want == NULL || want[2]) {
		span(&sp, 2);
		put_msg(&b, 2, &sp);
	}
	put_vfield(&rs, 99, 5);
	put_msg(&rs, 1, &res);
	if (want == NULL || want[0] || want[1]) /* A emptied: dropped with its unknown fields */
		put_msg(&rs, 2, &a);
	if (b.n > 0)
		put_msg(&rs, 2, &b);
	put_str(&rs, 3, "https://schema/r");
	put_fixed(&rs, 98, 1, 42);
	put_msg(entry, 1, &rs);
}

static void
test_unknown_fields_kept(void **state)
{
	static const bool masks[][3] = {{0, 1, 0}, {1, 0, 1}, {1, 1, 0}, {0, 0, 1}};
	struct rec *r = malloc(sizeof(*r));
	struct pb in, want;
	uint8_t out[sizeof(in.b)];
	struct sl_item_filter_res res;
	unsigned int i;

	(void)state;
	hand_traces(&in, NULL);
	for (i = 0; i < ARRAY_SIZE(masks); i++) {
		rec_init(r, KEEP_MASK, masks[i], 0);
		assert_int_equal(sl_item_filter(SL_SIGNAL_TRACES, in.b, (uint32_t)in.n, keep_rec, r,
		                                out, sizeof(out), &res),
		                 0);
		assert_int_equal(r->n, 3);
		/* span i's trace id is i repeated */
		assert_true(r->has_tid[0] && r->tid[0][0] == 0 && r->tid[1][7] == 1 &&
		            r->tid[2][15] == 2);
		hand_traces(&want, masks[i]);
		assert_int_equal(res.out_len, want.n);
		assert_memory_equal(out, want.b, want.n);
		check_walks(SL_SIGNAL_TRACES, out, res.out_len, res.kept);
	}
	free(r);
}

/* The last trace_id of a span or log record wins; a non-16-byte last one means none. */
static void
test_trace_id_last_wins(void **state)
{
	struct rec *r = malloc(sizeof(*r));
	struct pb s[4], sc, rs, entry;
	uint8_t a[16], b[16], out[sizeof(entry.b)];
	struct sl_item_filter_res res;
	unsigned int i, sig;

	(void)state;
	tid(a, 0xaa);
	tid(b, 0xbb);
	for (sig = SL_SIGNAL_TRACES; sig <= SL_SIGNAL_LOGS; sig += 2) {
		uint32_t f = sig == SL_SIGNAL_TRACES ? 1 : 9;

		uint32_t t64 = sig == SL_SIGNAL_TRACES ? 7 : 11; /* a fixed64 field */

		memset(s, 0, sizeof(s));
		/* 0: a, another field, then b */
		put_bytes(&s[0], f, a, 16);
		put_fixed(&s[0], t64, 1, 5);
		put_bytes(&s[0], f, b, 16);
		/* 1: b, then 8 bytes */
		put_bytes(&s[1], f, b, 16);
		put_bytes(&s[1], f, b, 8);
		/* 2: none at all */
		put_fixed(&s[2], t64, 1, 9);
		/* 3: 8 bytes, then a, last of the record */
		put_fixed(&s[3], t64, 1, 9);
		put_bytes(&s[3], f, b, 8);
		put_bytes(&s[3], f, a, 16);
		memset(&sc, 0, sizeof(sc));
		memset(&rs, 0, sizeof(rs));
		memset(&entry, 0, sizeof(entry));
		for (i = 0; i < 4; i++)
			put_msg(&sc, 2, &s[i]);
		put_msg(&rs, 2, &sc);
		put_msg(&entry, 1, &rs);

		rec_init(r, KEEP_ALL, NULL, 0);
		assert_int_equal(sl_item_filter((enum sl_signal)sig, entry.b, (uint32_t)entry.n,
		                                keep_rec, r, out, sizeof(out), &res),
		                 0);
		assert_int_equal(r->n, 4);
		assert_true(r->has_tid[0] && r->tid[0][0] == 0xbb);
		assert_false(r->has_tid[1]);
		assert_false(r->has_tid[2]);
		assert_true(r->has_tid[3] && r->tid[3][15] == 0xaa);
		assert_int_equal(res.out_len, entry.n);
		assert_memory_equal(out, entry.b, entry.n);

		/* by trace id: record 0 (last id b = 0xbb, odd) goes, the others stay */
		rec_init(r, KEEP_TRACE, NULL, 0);
		assert_int_equal(sl_item_filter((enum sl_signal)sig, entry.b, (uint32_t)entry.n,
		                                keep_rec, r, out, sizeof(out), &res),
		                 0);
		assert_int_equal(res.kept, 3);
		assert_int_equal(res.dropped, 1);
		memset(&sc, 0, sizeof(sc));
		memset(&rs, 0, sizeof(rs));
		memset(&entry, 0, sizeof(entry));
		for (i = 1; i < 4; i++)
			put_msg(&sc, 2, &s[i]);
		put_msg(&rs, 2, &sc);
		put_msg(&entry, 1, &rs);
		assert_int_equal(res.out_len, entry.n);
		assert_memory_equal(out, entry.b, entry.n);
		check_walks((enum sl_signal)sig, out, res.out_len, 3);
	}
	free(r);
}

/* A NumberDataPoint with time v (field 3) and as_int v (field 6). */
static void
point(struct pb *p, uint64_t v)
{
	memset(p, 0, sizeof(*p));
	put_fixed(p, 3, 1, v);
	put_fixed(p, 6, 1, v);
}

/* An arm message holding the points pts[0..n) whose want[] is set, then more bytes. */
static void
arm(struct pb *p, const uint64_t *pts, unsigned int n, const bool *want, bool temporality)
{
	struct pb dp;
	unsigned int i;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < n; i++)
		if (want == NULL || want[i]) {
			point(&dp, pts[i]);
			put_msg(p, 1, &dp);
		}
	if (temporality)
		put_vfield(p, 2, 2);
}

/*
 * Metric m1 {name, gauge{a, b}, gauge{c}}: merged, 3 points.
 * Metric m2 {name, gauge{d}, sum{e, f, temporality}}: the sum wins, 2 points
 *   (the gauge is dead: copied, not counted).
 * Metric m3 {gauge{g}, sum{h}}: 1 point (h).
 * Metric m4 {name only}: no points.
 * keep[] over the 6 live points a b c e f h; the expected entry applies it.
 */
static void
hand_metrics(struct pb *entry, const bool *keep, bool expected)
{
	static const uint64_t ab[] = {1, 2}, c[] = {3}, d[] = {4}, ef[] = {5, 6}, g[] = {7},
	                      h[] = {8};
	const bool all[6] = {1, 1, 1, 1, 1, 1};
	struct pb m, x, sm, rm;

	if (!expected)
		keep = all;
	memset(&sm, 0, sizeof(sm));
	memset(&rm, 0, sizeof(rm));
	memset(entry, 0, sizeof(*entry));
	put_str(&sm, 3, "https://schema/s");

	memset(&m, 0, sizeof(m));
	put_str(&m, 1, "m1");
	arm(&x, ab, 2, keep, false);
	put_msg(&m, 5, &x);
	arm(&x, c, 1, keep + 2, false);
	put_msg(&m, 5, &x);
	if (keep[0] || keep[1] || keep[2])
		put_msg(&sm, 2, &m);

	memset(&m, 0, sizeof(m));
	put_str(&m, 1, "m2");
	arm(&x, d, 1, NULL, false);
	put_msg(&m, 5, &x);
	arm(&x, ef, 2, keep + 3, true);
	put_msg(&m, 7, &x);
	if (keep[3] || keep[4])
		put_msg(&sm, 2, &m);

	memset(&m, 0, sizeof(m));
	arm(&x, g, 1, NULL, false);
	put_msg(&m, 5, &x);
	arm(&x, h, 1, keep + 5, true);
	put_msg(&m, 7, &x);
	if (keep[5])
		put_msg(&sm, 2, &m);

	memset(&m, 0, sizeof(m));
	put_str(&m, 1, "m4");
	put_msg(&sm, 2, &m);

	put_msg(&rm, 2, &sm);
	put_msg(entry, 1, &rm);
}

static void
test_metric_arms(void **state)
{
	struct rec *r = malloc(sizeof(*r));
	struct sl_otlp_walk_result wr = {0};
	struct pb in, want;
	uint8_t out[sizeof(in.b)];
	struct sl_item_filter_res res;
	bool mask[6];
	unsigned int v, k;

	(void)state;
	hand_metrics(&in, NULL, false);
	assert_int_equal(sl_otlp_walk_buf(SL_SIGNAL_METRICS, in.b, (uint32_t)in.n, NULL, &wr), 0);
	assert_int_equal(wr.items, 6);
	assert_true(wr.flags & SL_OTLP_WALK_F_METRIC_MERGED);
	for (v = 0; v < 64; v++) {
		for (k = 0; k < 6; k++)
			mask[k] = v >> k & 1;
		rec_init(r, KEEP_MASK, mask, 0);
		assert_int_equal(sl_item_filter(SL_SIGNAL_METRICS, in.b, (uint32_t)in.n, keep_rec,
		                                r, out, sizeof(out), &res),
		                 0);
		assert_int_equal(r->n, 6);
		assert_int_equal(res.kept, __builtin_popcount(v));
		if (v == 0) {
			assert_int_equal(res.out_len, 0);
			continue;
		}
		hand_metrics(&want, mask, true);
		assert_int_equal(res.out_len, want.n);
		assert_memory_equal(out, want.b, want.n);
		check_walks(SL_SIGNAL_METRICS, out, res.out_len, res.kept);
	}
	free(r);
}

/* A length prefix that gets narrower: the body moves down, the output stays minimal. */
static void
test_prefix_shrinks(void **state)
{
	struct rec *r = malloc(sizeof(*r));
	struct pb s0, s1, sc, rs, entry, want;
	uint8_t out[sizeof(entry.b)], big[150];
	struct sl_item_filter_res res;
	static const bool mask[2] = {false, true};

	(void)state;
	memset(big, 'n', sizeof(big));
	memset(&s0, 0, sizeof(s0));
	memset(&s1, 0, sizeof(s1));
	put_bytes(&s0, 5, big, sizeof(big)); /* 150-byte name: the scope passes 128 */
	put_str(&s1, 5, "small");
	memset(&sc, 0, sizeof(sc));
	memset(&rs, 0, sizeof(rs));
	memset(&entry, 0, sizeof(entry));
	put_msg(&sc, 2, &s0);
	put_msg(&sc, 2, &s1);
	put_msg(&rs, 2, &sc);
	put_msg(&entry, 1, &rs);
	assert_int_equal(entry.b[1] & 0x80, 0x80);

	rec_init(r, KEEP_MASK, mask, 0);
	assert_int_equal(sl_item_filter(SL_SIGNAL_TRACES, entry.b, (uint32_t)entry.n, keep_rec, r,
	                                out, sizeof(out), &res),
	                 0);
	memset(&sc, 0, sizeof(sc));
	memset(&rs, 0, sizeof(rs));
	memset(&want, 0, sizeof(want));
	put_msg(&sc, 2, &s1);
	put_msg(&rs, 2, &sc);
	put_msg(&want, 1, &rs);
	assert_int_equal(res.out_len, want.n);
	assert_memory_equal(out, want.b, want.n);
	free(r);
}

/* A non-minimal length prefix of an unchanged message is copied as it was. */
static void
test_nonminimal_prefix_kept(void **state)
{
	/* entry { ResourceSpans { ScopeSpans { Span{name "a"} } } } with 2-byte prefixes */
	static const uint8_t in[] = {0x0a, 0x89, 0x00, 0x12, 0x86, 0x00,
	                             0x12, 0x83, 0x00, 0x2a, 0x01, 'a'};
	struct rec *r = malloc(sizeof(*r));
	uint8_t out[sizeof(in)];
	struct sl_item_filter_res res;

	(void)state;
	rec_init(r, KEEP_ALL, NULL, 0);
	assert_int_equal(
	    sl_item_filter(SL_SIGNAL_TRACES, in, sizeof(in), keep_rec, r, out, sizeof(out), &res),
	    0);
	assert_int_equal(res.kept, 1);
	assert_int_equal(res.out_len, sizeof(in));
	assert_memory_equal(out, in, sizeof(in));
	free(r);
}

static void
test_enospc(void **state)
{
	const struct sl_otlp_entry *e = &gold[SL_SIGNAL_TRACES].e[0];
	const uint8_t *in = gold[SL_SIGNAL_TRACES].b + e->off;
	struct rec *r = malloc(sizeof(*r));
	uint8_t *out = malloc(e->len);
	struct sl_item_filter_res res;
	uint32_t caps[] = {0, 1, 3, 64, e->len / 2, e->len - 1};
	unsigned int i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		rec_init(r, KEEP_ALL, NULL, 0);
		memset(out, 0x5a, e->len);
		assert_int_equal(sl_item_filter(SL_SIGNAL_TRACES, in, e->len, keep_rec, r,
		                                caps[i] ? out : NULL, caps[i], &res),
		                 -ENOSPC);
		assert_int_equal(res.out_len, 0);
		/* nothing written past cap */
		if (caps[i] < e->len)
			assert_int_equal(out[caps[i]], 0x5a);
	}
	/* exactly enough room */
	rec_init(r, KEEP_ALL, NULL, 0);
	assert_int_equal(
	    sl_item_filter(SL_SIGNAL_TRACES, in, e->len, keep_rec, r, out, e->len, &res), 0);
	assert_int_equal(res.out_len, e->len);
	/* keep-none below len: room is claimed as the entry is written, before any decision */
	rec_init(r, KEEP_NONE, NULL, 0);
	assert_int_equal(sl_item_filter(SL_SIGNAL_TRACES, in, e->len, keep_rec, r, out, 2, &res),
	                 -ENOSPC);
	free(out);
	free(r);
}

static void
test_ebadmsg(void **state)
{
	struct rec *r = malloc(sizeof(*r));
	struct sl_item_filter_res res;
	unsigned int s, i;
	uint32_t cut;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		for (i = 0; i < gold[s].n_entries; i++) {
			const struct sl_otlp_entry *e = &gold[s].e[i];
			uint8_t *in = malloc(e->len), *out = malloc(e->len);

			/* every truncation */
			for (cut = 0; cut < e->len; cut++) {
				memcpy(in, gold[s].b + e->off, cut);
				rec_init(r, KEEP_ALL, NULL, 0);
				assert_int_equal(sl_item_filter((enum sl_signal)s, in, cut,
				                                keep_rec, r, out, e->len, &res),
				                 -EBADMSG);
				assert_int_equal(r->n, 0); /* keep() never asked */
			}
			/* an entry of field 2 */
			memcpy(in, gold[s].b + e->off, e->len);
			in[0] = 0x12;
			assert_int_equal(sl_item_filter((enum sl_signal)s, in, e->len, keep_rec, r,
			                                out, e->len, &res),
			                 -EBADMSG);
			free(in);
			free(out);
		}
	/* an entry followed by more bytes */
	{
		const struct sl_otlp_entry *e = &gold[SL_SIGNAL_LOGS].e[0];
		uint8_t *in = malloc(e->len + 2), *out = malloc(e->len + 2);

		memcpy(in, gold[SL_SIGNAL_LOGS].b + e->off, e->len);
		in[e->len] = 0x10; /* field 2 varint: unknown in the request, valid */
		in[e->len + 1] = 0x01;
		assert_int_equal(sl_item_filter(SL_SIGNAL_LOGS, in, e->len + 2, keep_rec, r, out,
		                                e->len + 2, &res),
		                 -EBADMSG);
		free(in);
		free(out);
	}
	/* a span whose inside the walker refuses (field 0), the outside well formed */
	{
		static const uint8_t in[] = {0x0a, 0x06, 0x12, 0x04, 0x12, 0x02, 0x00, 0x00};
		uint8_t out[sizeof(in)];

		rec_init(r, KEEP_ALL, NULL, 0);
		assert_int_equal(sl_item_filter(SL_SIGNAL_TRACES, in, sizeof(in), keep_rec, r, out,
		                                sizeof(out), &res),
		                 -EBADMSG);
		assert_int_equal(r->n, 0);
	}
	free(r);
}

static void
test_einval(void **state)
{
	const struct sl_otlp_entry *e = &gold[SL_SIGNAL_TRACES].e[0];
	const uint8_t *in = gold[SL_SIGNAL_TRACES].b + e->off;
	struct rec *r = malloc(sizeof(*r));
	uint8_t *out = malloc(e->len);
	struct sl_item_filter_res res;

	(void)state;
	rec_init(r, KEEP_ALL, NULL, 0);
	assert_int_equal(
	    sl_item_filter(SL_SIGNAL_TRACES, in, e->len, keep_rec, r, out, e->len, NULL), -EINVAL);
	assert_int_equal(sl_item_filter(SL_SIGNAL_TRACES, in, e->len, NULL, r, out, e->len, &res),
	                 -EINVAL);
	assert_int_equal(sl_item_filter(SL_SIGNAL_MAX, in, e->len, keep_rec, r, out, e->len, &res),
	                 -EINVAL);
	assert_int_equal(
	    sl_item_filter(SL_SIGNAL_TRACES, NULL, e->len, keep_rec, r, out, e->len, &res),
	    -EINVAL);
	assert_int_equal(
	    sl_item_filter(SL_SIGNAL_TRACES, in, e->len, keep_rec, r, NULL, e->len, &res), -EINVAL);
	assert_int_equal(r->n, 0);
	free(out);
	free(r);
}

/* Entries of other signals are not well formed as this one (wrong wire types somewhere). */
static void
test_signal_mismatch(void **state)
{
	const struct sl_otlp_entry *e = &gold[SL_SIGNAL_METRICS].e[0];
	struct rec *r = malloc(sizeof(*r));
	uint8_t *out = malloc(e->len);
	struct sl_item_filter_res res;
	int rc;

	(void)state;
	rec_init(r, KEEP_ALL, NULL, 0);
	rc = sl_item_filter(SL_SIGNAL_TRACES, gold[SL_SIGNAL_METRICS].b + e->off, e->len, keep_rec,
	                    r, out, e->len, &res);
	/* whatever the verdict, it is the walker's: valid output or -EBADMSG */
	if (rc == 0 && res.kept > 0)
		check_walks(SL_SIGNAL_TRACES, out, res.out_len, res.kept);
	else
		assert_true(rc == 0 || rc == -EBADMSG);
	free(out);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_keep_all_identical),
	    cmocka_unit_test(test_keep_none_vanishes),
	    cmocka_unit_test(test_traces_by_index),
	    cmocka_unit_test(test_logs_by_index),
	    cmocka_unit_test(test_metrics_by_index),
	    cmocka_unit_test(test_traces_by_trace_id),
	    cmocka_unit_test(test_logs_by_trace_id),
	    cmocka_unit_test(test_metrics_every_kind),
	    cmocka_unit_test(test_empty_scope_dropped),
	    cmocka_unit_test(test_unknown_fields_kept),
	    cmocka_unit_test(test_trace_id_last_wins),
	    cmocka_unit_test(test_metric_arms),
	    cmocka_unit_test(test_prefix_shrinks),
	    cmocka_unit_test(test_nonminimal_prefix_kept),
	    cmocka_unit_test(test_enospc),
	    cmocka_unit_test(test_ebadmsg),
	    cmocka_unit_test(test_einval),
	    cmocka_unit_test(test_signal_mismatch),
	};

	return cmocka_run_group_tests(tests, load_goldens, free_goldens);
}
