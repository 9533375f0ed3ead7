/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the per-core classifier: routes, durability, faults, tenants, limits, sampling. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <rte_cycles.h>
#include <rte_malloc.h>

#include "classify.h"
#include "core.h"
#include "eal_fixture.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "pipeline/batch_types.h"
#include "proto/otlp_walk.h"
#include "routes.h"
#include "table_compile.h"
#include "table_match.h"

#define PB(x)      Opentelemetry__Proto__##x
#define AV_CASE(x) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##x

/* Resource entries a request may hold here (sl_cls_init's max_entries and the walks'). */
#define MAX_ENTRIES 16
#define MAX_BODY    (1u << 20)
/* 2^56: the sampling threshold's scale (OpenTelemetry's consistent probability sampling). */
#define TWO56 72057594037927936.0

/* ---- OTLP bodies, built with protobuf-c ---- */

/*
 * One Resource entry of a test request: service.name (NULL: none), one more
 * resource attribute (key NULL: none; val "#n": an int value), n items. For
 * traces every span needs tid[j]; for logs tid may be NULL or hold all-zero
 * rows, which make a record without trace_id. Spans and log records are
 * split over two scopes so that the re-encoder meets empty containers.
 */
struct ent {
	const char *svc;
	const char *key, *val;
	uint32_t n;
	uint8_t (*tid)[16];
};

/* Every allocation of one build, freed together. */
struct arena {
	void *p[8192];
	unsigned n;
};

static struct arena ar;

static void *
take(size_t size)
{
	void *m = calloc(1, size ? size : 1);

	if (m == NULL || ar.n == sizeof(ar.p) / sizeof(ar.p[0]))
		abort();
	ar.p[ar.n++] = m;
	return m;
}

static void
arena_free(void)
{
	while (ar.n > 0)
		free(ar.p[--ar.n]);
}

static PB(Common__V1__KeyValue) * kv(const char *k, const char *v)
{
	PB(Common__V1__KeyValue) *p = take(sizeof(*p));
	PB(Common__V1__AnyValue) *a = take(sizeof(*a));

	opentelemetry__proto__common__v1__key_value__init(p);
	opentelemetry__proto__common__v1__any_value__init(a);
	if (v[0] == '#') {
		a->value_case = AV_CASE(INT_VALUE);
		a->int_value = atoll(v + 1);
	} else {
		a->value_case = AV_CASE(STRING_VALUE);
		a->string_value = (char *)v;
	}
	p->key = (char *)k;
	p->value = a;
	return p;
}

static PB(Resource__V1__Resource) * resource(const struct ent *e)
{
	PB(Resource__V1__Resource) *r = take(sizeof(*r));

	opentelemetry__proto__resource__v1__resource__init(r);
	r->attributes = take(2 * sizeof(*r->attributes));
	if (e->svc != NULL)
		r->attributes[r->n_attributes++] = kv("service.name", e->svc);
	if (e->key != NULL)
		r->attributes[r->n_attributes++] = kv(e->key, e->val);
	return r;
}

static bool
zero_id(const uint8_t *id)
{
	static const uint8_t z[16];

	return memcmp(id, z, 16) == 0;
}

static ProtobufCBinaryData
bin(const uint8_t *p, size_t n)
{
	ProtobufCBinaryData b = {n, (uint8_t *)p};

	return b;
}

/* Items [lo, hi) of e into one scope of the signal's kind. */
static void *
scope(enum sl_signal sig, const struct ent *e, uint32_t lo, uint32_t hi, uint32_t *seq)
{
	static const uint8_t span_id[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	static const uint8_t any_id[16] = {0xa, 0xb, 0xc, 0xd, 1, 2,  3,  4,
	                                   5,   6,   7,   8,   9, 10, 11, 12};
	uint32_t j, n = hi - lo;

	if (sig == SL_SIGNAL_TRACES) {
		PB(Trace__V1__ScopeSpans) *s = take(sizeof(*s));

		opentelemetry__proto__trace__v1__scope_spans__init(s);
		s->spans = take(n * sizeof(*s->spans));
		s->n_spans = n;
		for (j = 0; j < n; j++) {
			PB(Trace__V1__Span) *sp = take(sizeof(*sp));

			opentelemetry__proto__trace__v1__span__init(sp);
			sp->trace_id = bin(e->tid != NULL ? e->tid[lo + j] : any_id, 16);
			sp->span_id = bin(span_id, 8);
			sp->name = "op";
			sp->start_time_unix_nano = ++*seq;
			s->spans[j] = sp;
		}
		return s;
	}
	if (sig == SL_SIGNAL_LOGS) {
		PB(Logs__V1__ScopeLogs) *s = take(sizeof(*s));

		opentelemetry__proto__logs__v1__scope_logs__init(s);
		s->log_records = take(n * sizeof(*s->log_records));
		s->n_log_records = n;
		for (j = 0; j < n; j++) {
			PB(Logs__V1__LogRecord) *lr = take(sizeof(*lr));

			opentelemetry__proto__logs__v1__log_record__init(lr);
			if (e->tid != NULL && !zero_id(e->tid[lo + j])) {
				lr->trace_id = bin(e->tid[lo + j], 16);
				lr->span_id = bin(span_id, 8);
			}
			lr->time_unix_nano = ++*seq;
			s->log_records[j] = lr;
		}
		return s;
	}
	{
		PB(Metrics__V1__ScopeMetrics) *s = take(sizeof(*s));
		PB(Metrics__V1__Metric) *m = take(sizeof(*m));
		PB(Metrics__V1__Gauge) *g = take(sizeof(*g));

		opentelemetry__proto__metrics__v1__scope_metrics__init(s);
		opentelemetry__proto__metrics__v1__metric__init(m);
		opentelemetry__proto__metrics__v1__gauge__init(g);
		m->name = "g";
		m->data_case = OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_GAUGE;
		m->gauge = g;
		g->data_points = take(n * sizeof(*g->data_points));
		g->n_data_points = n;
		for (j = 0; j < n; j++) {
			PB(Metrics__V1__NumberDataPoint) *dp = take(sizeof(*dp));

			opentelemetry__proto__metrics__v1__number_data_point__init(dp);
			dp->value_case =
			    OPENTELEMETRY__PROTO__METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT;
			dp->as_int = ++*seq;
			dp->time_unix_nano = *seq;
			g->data_points[j] = dp;
		}
		s->metrics = take(sizeof(*s->metrics));
		s->metrics[0] = m;
		s->n_metrics = 1;
		return s;
	}
}

/* Export<sig>ServiceRequest of the entries, packed into a new malloc'd buffer. */
static uint8_t *
build(enum sl_signal sig, const struct ent *es, unsigned n, size_t *len)
{
	PB(Collector__Trace__V1__ExportTraceServiceRequest) tr;
	PB(Collector__Metrics__V1__ExportMetricsServiceRequest) mr;
	PB(Collector__Logs__V1__ExportLogsServiceRequest) lr;
	ProtobufCMessage *req;
	uint32_t seq = 0;
	uint8_t *b;
	unsigned i;

	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&tr);
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(&mr);
	opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(&lr);
	tr.resource_spans = take(n * sizeof(void *));
	mr.resource_metrics = take(n * sizeof(void *));
	lr.resource_logs = take(n * sizeof(void *));
	for (i = 0; i < n; i++) {
		const struct ent *e = &es[i];
		/* two scopes when there are two items or more (metrics: one gauge per scope) */
		uint32_t cut = e->n >= 2 ? e->n / 2 : e->n, ns = e->n >= 2 ? 2 : (e->n ? 1 : 0);
		void **sc = take(2 * sizeof(void *));

		if (ns >= 1)
			sc[0] = scope(sig, e, 0, cut, &seq);
		if (ns == 2)
			sc[1] = scope(sig, e, cut, e->n, &seq);
		if (sig == SL_SIGNAL_TRACES) {
			PB(Trace__V1__ResourceSpans) *r = take(sizeof(*r));

			opentelemetry__proto__trace__v1__resource_spans__init(r);
			r->resource = resource(e);
			r->scope_spans = (void *)sc;
			r->n_scope_spans = ns;
			tr.resource_spans[tr.n_resource_spans++] = r;
		} else if (sig == SL_SIGNAL_METRICS) {
			PB(Metrics__V1__ResourceMetrics) *r = take(sizeof(*r));

			opentelemetry__proto__metrics__v1__resource_metrics__init(r);
			r->resource = resource(e);
			r->scope_metrics = (void *)sc;
			r->n_scope_metrics = ns;
			mr.resource_metrics[mr.n_resource_metrics++] = r;
		} else {
			PB(Logs__V1__ResourceLogs) *r = take(sizeof(*r));

			opentelemetry__proto__logs__v1__resource_logs__init(r);
			r->resource = resource(e);
			r->scope_logs = (void *)sc;
			r->n_scope_logs = ns;
			lr.resource_logs[lr.n_resource_logs++] = r;
		}
	}
	req = sig == SL_SIGNAL_TRACES ? &tr.base : sig == SL_SIGNAL_METRICS ? &mr.base : &lr.base;
	*len = protobuf_c_message_get_packed_size(req);
	b = malloc(*len + 1);
	assert_non_null(b);
	assert_int_equal(protobuf_c_message_pack(req, b), *len);
	arena_free();
	return b;
}

/* ---- the fixture: EAL, a zeroed core, a classifier, named counters ---- */

struct fx {
	struct sl_core *core;
	struct sl_cls *cls;
	struct sl_stats_ext *ext;
	void *img[4]; /* compiled images this test made (freed at teardown) */
	/* the last request: its body, fragments, walk */
	uint8_t *body;
	size_t len;
	struct sl_iov iov[3];
	unsigned n_iov;
	struct sl_otlp_entry ent[MAX_ENTRIES];
	struct sl_otlp_walk_result res;
	/* a walk of out->flat */
	struct sl_otlp_entry fent[MAX_ENTRIES];
	struct sl_otlp_walk_result fres;
};

static uint64_t
real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int
group_setup(void **state)
{
	(void)state;
	return sl_test_eal_init();
}

static struct fx *
fx_new(uint32_t n_cores, enum sl_durability dur)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->core = rte_zmalloc("sl_test_cls_core", sizeof(*f->core), RTE_CACHE_LINE_SIZE);
	f->cls = calloc(1, sizeof(*f->cls));
	f->ext = calloc(1, sizeof(*f->ext));
	assert_non_null(f->core);
	assert_non_null(f->cls);
	assert_non_null(f->ext);
	f->core->idx = 0;
	assert_int_equal(sl_cls_init(f->cls, f->core, n_cores, dur, MAX_ENTRIES, MAX_BODY, f->ext),
	                 0);
	/* As the poll loop does: now is read after the classifier was set up. */
	f->core->now = rte_rdtsc();
	return f;
}

static void
fx_free(struct fx *f)
{
	unsigned i;

	if (f == NULL)
		return;
	sl_cls_fini(f->cls);
	for (i = 0; i < sizeof(f->img) / sizeof(f->img[0]); i++)
		free(f->img[i]);
	free(f->body);
	free(f->cls);
	free(f->ext);
	rte_free(f->core);
	free(f);
}

static int
setup(void **state)
{
	*state = fx_new(1, SL_DURABILITY_RECEIVED);
	return 0;
}

static int
setup_persisted(void **state)
{
	*state = fx_new(1, SL_DURABILITY_PERSISTED);
	return 0;
}

static int
teardown(void **state)
{
	fx_free(*state);
	return 0;
}

/* Compile YAML (dynamic config) at now_ns into a sealed, checked image; bind it (gen). */
static const struct sl_tbl_hdr *
bind_yaml(struct fx *f, const char *yaml, uint64_t now_ns, uint64_t gen)
{
	struct sl_dyn *d = sl_dyn_new();
	char err[SL_DYN_ERR_LEN];
	unsigned slot = 0;
	long n;

	while (f->img[slot] != NULL)
		slot++;
	assert_true(slot < sizeof(f->img) / sizeof(f->img[0]));
	f->img[slot] = aligned_alloc(64, SL_TBL_SLOT_SIZE);
	assert_non_null(d);
	assert_non_null(f->img[slot]);
	if (sl_dyn_load_buf(d, yaml, strlen(yaml), "t.yaml", now_ns, err, sizeof(err)) != 0)
		fail_msg("load: %s", err);
	n = sl_tbl_compile(d, 1, now_ns, f->img[slot], SL_TBL_SLOT_SIZE, err, sizeof(err));
	if (n < 0)
		fail_msg("compile: %s", err);
	free(d);
	sl_tbl_seal(f->img[slot], gen);
	assert_int_equal(sl_tbl_image_check(f->img[slot], (size_t)n), 0);
	sl_cls_bind(f->cls, f->img[slot], gen);
	return f->img[slot];
}

/* Build, fragment (three iovs: the classifier must copy across them), walk. */
static void
walk(struct fx *f, enum sl_signal sig, const struct ent *es, unsigned n)
{
	uint32_t a, b;

	free(f->body);
	f->body = build(sig, es, n, &f->len);
	a = (uint32_t)f->len / 3;
	b = (uint32_t)(2 * f->len / 3);
	f->iov[0] = (struct sl_iov){f->body, a};
	f->iov[1] = (struct sl_iov){f->body + a, b - a};
	f->iov[2] = (struct sl_iov){f->body + b, (uint32_t)f->len - b};
	f->n_iov = 3;
	memset(&f->res, 0, sizeof(f->res));
	f->res.entries = f->ent;
	f->res.max_entries = MAX_ENTRIES;
	assert_int_equal(sl_otlp_walk(sig, f->iov, f->n_iov, sl_cls_walk_opts(f->cls), &f->res), 0);
	assert_int_equal(f->res.n_entries, n);
}

static void
classify(struct fx *f, enum sl_signal sig, uint32_t tenant, const struct ent *es, unsigned n,
         struct sl_cls_out *out)
{
	struct sl_cls_in in = {
	    .signal = sig, .tenant = tenant, .raddr_be = 0x0100007f, .lport = 4318};

	walk(f, sig, es, n);
	memset(out, 0xa5, sizeof(*out)); /* the classifier must set what it reports */
	sl_cls_request(f->cls, &in, f->iov, f->n_iov, &f->res, out);
}

/* Classify the last walked request again (nothing rebuilt). */
static void
again(struct fx *f, enum sl_signal sig, uint32_t tenant, struct sl_cls_out *out)
{
	struct sl_cls_in in = {
	    .signal = sig, .tenant = tenant, .raddr_be = 0x0100007f, .lport = 4318};

	sl_cls_request(f->cls, &in, f->iov, f->n_iov, &f->res, out);
}

/*
 * Walk a re-encoded body (out->flat) and check that it is a valid request
 * whose entries are exactly out->entries (offsets into flat, lengths, items).
 */
static void
check_flat(struct fx *f, enum sl_signal sig, const struct sl_cls_out *out)
{
	uint32_t i, items = 0;

	assert_non_null(out->flat);
	memset(&f->fres, 0, sizeof(f->fres));
	f->fres.entries = f->fent;
	f->fres.max_entries = MAX_ENTRIES;
	assert_int_equal(
	    sl_otlp_walk_buf(sig, out->flat, out->flat_len, sl_cls_walk_opts(f->cls), &f->fres), 0);
	assert_int_equal(f->fres.n_entries, out->n_entries);
	for (i = 0; i < out->n_entries; i++) {
		assert_int_equal(f->fent[i].off, out->entries[i].off);
		assert_int_equal(f->fent[i].len, out->entries[i].len);
		assert_int_equal(f->fent[i].items, out->entries[i].items);
		items += out->entries[i].items;
	}
	assert_int_equal(f->fres.items, items);
	assert_int_equal(out->items_stored, items);
}

/* Index of the route named name in img. */
static uint16_t
route_idx(const struct sl_tbl_hdr *img, const char *name)
{
	uint32_t i;

	for (i = 0; i < img->n_routes; i++)
		if (strcmp(sl_tbl_routes(img)[i].name, name) == 0)
			return (uint16_t)i;
	fail_msg("no route %s", name);
	return 0;
}

/* The named counters of (kind, name), or a row of zeros when never counted. */
static const uint64_t *
named_v(const struct fx *f, enum sl_named_kind kind, const char *name)
{
	static const uint64_t zero[SL_NAMED_V];
	uint32_t i;

	for (i = 0; i < SL_STATS_NAMED_MAX; i++)
		if (f->ext->named[i].kind == (uint8_t)kind &&
		    strcmp(f->ext->named[i].name, name) == 0)
			return f->ext->named[i].v;
	return zero;
}

/* n trace ids from a fixed xorshift stream (never all-zero). */
static void
trace_ids(uint8_t (*id)[16], unsigned n, uint64_t seed)
{
	uint64_t x = seed | 1;
	unsigned i, b;

	for (i = 0; i < n; i++)
		for (b = 0; b < 16; b++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			id[i][b] = (uint8_t)(x >> 24);
		}
}

/* ---- 1. no image ---- */

static void
test_no_image(void **state)
{
	struct fx *f = *state;
	static uint8_t id[8][16];
	const struct ent es[] = {
	    {"checkout", NULL, NULL, 3, id},
	    {"junk", "k8s.namespace.name", "team-a-prod", 2, id},
	    {NULL, NULL, NULL, 1, id},
	};
	struct sl_cls_out out;
	uint32_t i, hl = 99;

	trace_ids(id, 8, 1);
	sl_cls_bind(f->cls, NULL, 0);
	assert_int_equal(sl_cls_walk_opts(f->cls)->n_keys, 0);
	assert_null(sl_cls_tenant_header(f->cls, &hl));
	assert_int_equal(hl, 0);
	assert_int_equal(sl_cls_tenant(f->cls, "acme", 4, "Bearer tok-a", 12), 0);
	classify(f, SL_SIGNAL_TRACES, 0, es, 3, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_int_equal(out.fault_kind, 0);
	assert_int_equal(out.fault_name[0], '\0');
	assert_int_equal(out.rejected, 0);
	assert_int_equal(out.durability, SL_DURABILITY_PERSISTED); /* the static one */
	assert_int_equal(out.n_entries, 3);
	assert_ptr_equal(out.entries, f->res.entries);
	assert_null(out.flat);
	assert_int_equal(out.items_stored, 6);
	assert_true(out.gen == 0);
	for (i = 0; i < 3; i++)
		assert_int_equal(out.entry_route[i], 0);
	assert_int_equal(f->core->ctr[SL_CTR_TBL_STATIC], 1);
	assert_int_equal(f->core->ctr[SL_CTR_TBL_CLASSIFIED], 0);
	for (i = 0; i < SL_STATS_NAMED_MAX; i++)
		assert_int_equal(f->ext->named[i].kind, SL_NAMED_FREE);
	classify(f, SL_SIGNAL_METRICS, 0, es, 1, &out);
	assert_int_equal(f->core->ctr[SL_CTR_TBL_STATIC], 2);
}

/* ---- 2, 3. routing and durability ---- */

static const char conf_routes[] =
    "tenants:\n"
    "  - name: acme\n"
    "    tokens: [tok-a]\n"
    "routes:\n"
    "  - name: fallback\n" /* written first, still evaluated last */
    "    default: true\n"
    "  - name: exact\n"
    "    match: {attributes: {service.name: checkout}}\n"
    "    durability: persisted\n"
    "  - name: prefix\n"
    "    match: {attributes: {service.name: {prefix: pay}}}\n"
    "    durability: received\n"
    "  - name: glob\n"
    "    match: {attributes: {service.name: {glob: \"web-?-*\"}}}\n"
    "    durability: received\n"
    "  - name: ns\n"
    "    match: {attributes: {k8s.namespace.name: {glob: \"team-*-prod\"}}}\n"
    "    durability: received\n"
    "  - name: junk\n"
    "    match: {attributes: {service.name: {prefix: junk}}}\n"
    "    drop: true\n"
    "    durability: persisted\n"
    "  - name: hosted\n"
    "    match: {attributes: {host.name: {exists: true}}}\n"
    "    durability: received\n"
    "  - name: tenanted\n"
    "    match: {tenant: acme}\n"
    "    durability: received\n"
    "  - name: urgent\n"
    "    priority: 5\n"
    "    match: {attributes: {service.name: {prefix: payments-urgent}}}\n"
    "    durability: received\n";

static void
test_routes(void **state)
{
	struct fx *f = *state;
	static uint8_t id[64][16];
	const struct ent es[] = {
	    {"checkout", NULL, NULL, 2, id},                          /* exact */
	    {"checkout-v2", NULL, NULL, 1, id},                       /* fallback: not exact */
	    {"payments", "k8s.namespace.name", "team-a-prod", 3, id}, /* prefix before ns */
	    {"billing", "k8s.namespace.name", "team-a-prod", 4, id},  /* ns: the second key */
	    {"billing", "k8s.namespace.name", "team-a-dev", 1, id},   /* fallback */
	    {"web-1-eu", NULL, NULL, 2, id},                          /* glob */
	    {"web-12-eu", NULL, NULL, 1, id},                         /* fallback */
	    {"junk-x", NULL, NULL, 5, id},                            /* drop */
	    {"other", "host.name", "#42", 2, id},                     /* exists, int value */
	    {"payments-urgent-1", NULL, NULL, 1, id},                 /* priority 5 first */
	    {NULL, NULL, NULL, 3, id},                                /* fallback */
	};
	static const char *const want[] = {"exact",    "fallback", "prefix",   "ns",
	                                   "fallback", "glob",     "fallback", "junk",
	                                   "hosted",   "urgent",   "fallback"};
	const unsigned n = sizeof(es) / sizeof(es[0]);
	const struct sl_tbl_hdr *img;
	struct sl_cls_out out;
	uint32_t i, items = 0;

	trace_ids(id, 64, 2);
	img = bind_yaml(f, conf_routes, real_ns(), 3);
	assert_int_equal(img->n_keys, 2);
	/* the image's keys reach the walker */
	assert_int_equal(sl_cls_walk_opts(f->cls)->n_keys, 2);
	assert_string_equal(sl_tbl_routes(img)[img->default_route].name, "fallback");
	assert_int_equal(img->default_route, img->n_routes - 1);
	assert_string_equal(sl_tbl_routes(img)[0].name, "urgent");

	classify(f, SL_SIGNAL_TRACES, 0, es, n, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_true(out.gen == 3);
	assert_int_equal(out.n_entries, n);
	assert_null(out.flat);
	assert_ptr_equal(out.entries, f->res.entries);
	for (i = 0; i < n; i++) {
		uint16_t r = out.entry_route[i];

		items += es[i].n;
		if (strcmp(want[i], "junk") == 0) {
			assert_int_equal(r, SL_PIPE_ROUTE_NONE);
			continue;
		}
		if (r != route_idx(img, want[i]))
			fail_msg("entry %u (%s): route %u (%s), want %s", i,
			         es[i].svc ? es[i].svc : "-", r,
			         r < img->n_routes ? sl_tbl_routes(img)[r].name : "?", want[i]);
	}
	assert_int_equal(f->core->ctr[SL_CTR_TBL_CLASSIFIED], 1);
	assert_int_equal(f->core->ctr[SL_CTR_TBL_STATIC], 0);
	assert_int_equal(f->core->ctr[SL_CTR_ROUTE_DROPPED_ITEMS], 5);
	/* named route counters: entries, items, dropped items */
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "fallback")[0], 4);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "fallback")[1], 1 + 1 + 1 + 3);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "ns")[0], 1);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "ns")[1], 4);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "exact")[1], 2);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "junk")[0], 1);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "junk")[1], 5);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "junk")[2], 5);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "fallback")[2], 0);
	{
		uint64_t e = 0, it = 0;

		for (i = 0; i < SL_STATS_NAMED_MAX; i++)
			if (f->ext->named[i].kind == SL_NAMED_ROUTE) {
				e += f->ext->named[i].v[0];
				it += f->ext->named[i].v[1];
			}
		assert_int_equal(e, n);
		assert_int_equal(it, items);
	}
	/* one entry to a persisted route (exact) makes the request persisted */
	assert_int_equal(out.durability, SL_DURABILITY_PERSISTED);
}

/*
 * out.items_stored is the items of the entries actually submitted, whether
 * or not the body was re-encoded: a drop route's entries are not in it.
 */
static void
test_items_stored_without_drops(void **state)
{
	struct fx *f = *state;
	static uint8_t id[8][16];
	const struct ent es[] = {{"checkout", NULL, NULL, 2, id}, {"junk-x", NULL, NULL, 5, id}};
	struct sl_cls_out out;

	trace_ids(id, 8, 40);
	bind_yaml(f, conf_routes, real_ns(), 40);
	classify(f, SL_SIGNAL_TRACES, 0, es, 2, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_null(out.flat);
	assert_int_equal(out.entry_route[1], SL_PIPE_ROUTE_NONE);
	assert_int_equal(out.items_stored, 2);
}

static void
test_route_tenant_and_rebind(void **state)
{
	struct fx *f = *state;
	static uint8_t id[4][16];
	const struct ent es[] = {{"zzz", NULL, NULL, 2, id}, {"checkout", NULL, NULL, 1, id}};
	const struct sl_tbl_hdr *img;
	struct sl_cls_out out;
	uint32_t acme;

	trace_ids(id, 4, 3);
	img = bind_yaml(f, conf_routes, real_ns(), 4);
	acme = sl_tbl_tenant_by_name(img, "acme", 4);
	assert_int_not_equal(acme, 0);
	classify(f, SL_SIGNAL_LOGS, acme, es, 2, &out);
	assert_int_equal(out.entry_route[0], route_idx(img, "tenanted"));
	assert_int_equal(out.entry_route[1], route_idx(img, "exact"));
	assert_int_equal(named_v(f, SL_NAMED_TENANT, "acme")[0], 1);
	assert_int_equal(named_v(f, SL_NAMED_TENANT, "acme")[1], 3);
	classify(f, SL_SIGNAL_LOGS, 0, es, 2, &out);
	assert_int_equal(out.entry_route[0], route_idx(img, "fallback"));
	/* back to no image: the walker's keys go, the static defaults come back */
	sl_cls_bind(f->cls, NULL, 0);
	assert_int_equal(sl_cls_walk_opts(f->cls)->n_keys, 0);
	classify(f, SL_SIGNAL_LOGS, 0, es, 2, &out);
	assert_int_equal(out.entry_route[0], 0);
	assert_int_equal(out.entry_route[1], 0);
	assert_int_equal(out.durability, SL_DURABILITY_PERSISTED);
	assert_true(out.gen == 0);
}

static void
test_durability(void **state)
{
	struct fx *f = *state; /* static durability: persisted */
	static uint8_t id[4][16];
	const struct ent recv[] = {{"payments", NULL, NULL, 1, id},
	                           {"web-1-a", NULL, NULL, 1, id},
	                           {"junk", NULL, NULL, 1, id}};
	const struct ent one_p[] = {{"payments", NULL, NULL, 1, id},
	                            {"checkout", NULL, NULL, 1, id}};
	const struct ent stat[] = {{"payments", NULL, NULL, 1, id}, {"nomatch", NULL, NULL, 1, id}};
	struct sl_cls_out out;

	trace_ids(id, 4, 4);
	bind_yaml(f, conf_routes, real_ns(), 5);
	/* received routes only (the drop route's persisted does not count): received */
	classify(f, SL_SIGNAL_TRACES, 0, recv, 3, &out);
	assert_int_equal(out.durability, SL_DURABILITY_RECEIVED);
	/* every entry dropped (the drop route says persisted): answered at once */
	classify(f, SL_SIGNAL_TRACES, 0, recv + 2, 1, &out);
	assert_int_equal(out.durability, SL_DURABILITY_RECEIVED);
	/* one entry to a persisted route */
	classify(f, SL_SIGNAL_TRACES, 0, one_p, 2, &out);
	assert_int_equal(out.durability, SL_DURABILITY_PERSISTED);
	/* a route without durability takes the static one (persisted here) */
	classify(f, SL_SIGNAL_TRACES, 0, stat, 2, &out);
	assert_int_equal(out.durability, SL_DURABILITY_PERSISTED);
	classify(f, SL_SIGNAL_TRACES, 0, stat + 1, 1, &out);
	assert_int_equal(out.durability, SL_DURABILITY_PERSISTED);
}

static void
test_durability_static_received(void **state)
{
	struct fx *f = *state; /* static durability: received */
	static uint8_t id[4][16];
	const struct ent stat[] = {{"nomatch", NULL, NULL, 1, id}};
	const struct ent one_p[] = {{"nomatch", NULL, NULL, 1, id},
	                            {"checkout", NULL, NULL, 1, id}};
	struct sl_cls_out out;

	trace_ids(id, 4, 5);
	bind_yaml(f, conf_routes, real_ns(), 6);
	classify(f, SL_SIGNAL_METRICS, 0, stat, 1, &out);
	assert_int_equal(out.durability, SL_DURABILITY_RECEIVED);
	classify(f, SL_SIGNAL_METRICS, 0, one_p, 2, &out);
	assert_int_equal(out.durability, SL_DURABILITY_PERSISTED);
}

/* ---- 4. faults ---- */

static const char conf_faults[] = "routes:\n"
                                  "  - name: gone\n"
                                  "    match: {attributes: {service.name: gone}}\n"
                                  "    drop: true\n"
                                  "faults:\n"
                                  "  - name: f-err\n"
                                  "    match: {attributes: {service.name: err}}\n"
                                  "    error: 503\n"
                                  "    retry_after: 7s\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-reset\n"
                                  "    match: {attributes: {service.name: reset}}\n"
                                  "    reset: true\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-thr\n"
                                  "    match: {attributes: {service.name: thr}}\n"
                                  "    throttle: 2/s\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-delay\n"
                                  "    match: {attributes: {service.name: delay}}\n"
                                  "    delay: 100ms-300ms\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-part\n"
                                  "    match: {attributes: {service.name: {prefix: part}}}\n"
                                  "    partial: 0.5\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-bh\n"
                                  "    match: {attributes: {service.name: bh}}\n"
                                  "    blackhole: true\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-prob\n"
                                  "    match: {attributes: {service.name: prob}}\n"
                                  "    error: 500\n"
                                  "    probability: 0.3\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-ob\n"
                                  "    match: {attributes: {service.name: ord-b}}\n"
                                  "    error: 401\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-oa\n"
                                  "    match: {attributes: {service.name: ord-a}}\n"
                                  "    error: 402\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-oa2\n"
                                  "    match: {attributes: {service.name: {prefix: ord}}}\n"
                                  "    error: 403\n"
                                  "    ttl: 1h\n"
                                  "  - name: f-metrics\n"
                                  "    match: {signal: metrics, attributes: {service.name: sig}}\n"
                                  "    error: 504\n"
                                  "    ttl: 1h\n";

static void
test_fault_error_reset_order(void **state)
{
	struct fx *f = *state;
	static uint8_t id[8][16];
	const struct ent err[] = {{"ok", NULL, NULL, 1, id}, {"err", NULL, NULL, 2, id}};
	const struct ent rst[] = {{"reset", NULL, NULL, 1, id}};
	const struct ent ord[] = {
	    {"x", NULL, NULL, 1, id}, {"ord-a", NULL, NULL, 1, id}, {"ord-b", NULL, NULL, 1, id}};
	const struct ent ordb[] = {{"ord-b", NULL, NULL, 1, id}, {"ord-a", NULL, NULL, 1, id}};
	const struct ent ordc[] = {{"ord-c", NULL, NULL, 1, id}};
	const struct ent sig[] = {{"sig", NULL, NULL, 1, id}};
	struct sl_cls_out out;

	trace_ids(id, 8, 6);
	bind_yaml(f, conf_faults, real_ns(), 7);
	/* error: a later entry matches; status, Retry-After, name; nothing counted as routed */
	classify(f, SL_SIGNAL_TRACES, 0, err, 2, &out);
	assert_int_equal(out.verdict, SL_CLS_ERROR);
	assert_int_equal(out.status, 503);
	assert_int_equal(out.retry_after_s, 7);
	assert_string_equal(out.fault_name, "f-err");
	assert_int_equal(f->core->ctr[SL_CTR_FAULT_ERROR], 1);
	assert_int_equal(named_v(f, SL_NAMED_FAULT, "f-err")[0], 1);
	assert_int_equal(named_v(f, SL_NAMED_FAULT, "f-err")[1], 1);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "default")[0], 0);
	/* reset */
	classify(f, SL_SIGNAL_TRACES, 0, rst, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_RESET);
	assert_string_equal(out.fault_name, "f-reset");
	assert_int_equal(f->core->ctr[SL_CTR_FAULT_RESET], 1);
	/* table order first: f-ob comes first in the table, whichever entry it matches */
	classify(f, SL_SIGNAL_TRACES, 0, ord, 3, &out);
	assert_int_equal(out.verdict, SL_CLS_ERROR);
	assert_int_equal(out.status, 401);
	assert_string_equal(out.fault_name, "f-ob");
	classify(f, SL_SIGNAL_TRACES, 0, ordb, 2, &out);
	assert_int_equal(out.status, 401);
	/* within one entry, table order: ord-c only matches the third */
	classify(f, SL_SIGNAL_TRACES, 0, ordc, 1, &out);
	assert_int_equal(out.status, 403);
	assert_string_equal(out.fault_name, "f-oa2");
	/* the signal term */
	classify(f, SL_SIGNAL_TRACES, 0, sig, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_int_equal(out.fault_name[0], '\0');
	classify(f, SL_SIGNAL_METRICS, 0, sig, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ERROR);
	assert_int_equal(out.status, 504);
	/* no fault: accepted, default route (implicit), no fault kind */
	classify(f, SL_SIGNAL_TRACES, 0, err, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_int_equal(out.fault_kind, 0);
	assert_int_equal(out.status, 0);
	assert_true(out.delay_tsc == 0);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "default")[0], 2); /* "sig" traces, "ok" */
}

static void
test_fault_throttle(void **state)
{
	struct fx *f = *state;
	const struct ent thr[] = {{"thr", NULL, NULL, 5, NULL}};
	struct sl_cls_out out;
	struct fx *g;
	uint64_t hz = rte_get_tsc_hz();
	int i;

	bind_yaml(f, conf_faults, real_ns(), 8);
	walk(f, SL_SIGNAL_TRACES, thr, 1);
	/* 2/s, burst 2, one core: two requests (of 5 items: the bucket counts requests) */
	for (i = 0; i < 2; i++) {
		again(f, SL_SIGNAL_TRACES, 0, &out);
		assert_int_equal(out.verdict, SL_CLS_ACCEPT);
		assert_int_equal(out.fault_kind, 0);
	}
	again(f, SL_SIGNAL_TRACES, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_LIMITED);
	assert_int_equal(out.status, 429);
	assert_int_equal(out.retry_after_s, 1);
	assert_string_equal(out.fault_name, "f-thr");
	assert_int_equal(f->core->ctr[SL_CTR_FAULT_THROTTLE], 1);
	again(f, SL_SIGNAL_TRACES, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_LIMITED);
	/* half a second: one token */
	f->core->now += hz / 2 + hz / 100;
	again(f, SL_SIGNAL_TRACES, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	again(f, SL_SIGNAL_TRACES, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_LIMITED);
	/* a second refills the burst (2), not more */
	f->core->now += 10 * hz;
	for (i = 0; i < 2; i++) {
		again(f, SL_SIGNAL_TRACES, 0, &out);
		assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	}
	again(f, SL_SIGNAL_TRACES, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_LIMITED);
	assert_int_equal(named_v(f, SL_NAMED_FAULT, "f-thr")[0], 9);
	assert_int_equal(named_v(f, SL_NAMED_FAULT, "f-thr")[1], 4);
	/* a new generation of the same tables does not refill the bucket */
	bind_yaml(f, conf_faults, real_ns(), 9);
	again(f, SL_SIGNAL_TRACES, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_LIMITED);

	/* two poll cores: each gets 1/s, burst 1 */
	g = fx_new(2, SL_DURABILITY_RECEIVED);
	bind_yaml(g, conf_faults, real_ns(), 1);
	walk(g, SL_SIGNAL_TRACES, thr, 1);
	again(g, SL_SIGNAL_TRACES, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	again(g, SL_SIGNAL_TRACES, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_LIMITED);
	fx_free(g);
}

static void
test_fault_delay_blackhole(void **state)
{
	struct fx *f = *state;
	static uint8_t id[3][16];
	const struct ent dl[] = {{"delay", NULL, NULL, 3, id}};
	const struct ent bh[] = {{"bh", NULL, NULL, 3, id}};
	double hz = (double)rte_get_tsc_hz();
	uint64_t lo = (uint64_t)(0.1 * hz), hi = (uint64_t)(0.3 * hz), mn = UINT64_MAX, mx = 0;
	struct sl_cls_out out;
	int i;

	trace_ids(id, 3, 10);
	bind_yaml(f, conf_faults, real_ns(), 10);
	walk(f, SL_SIGNAL_TRACES, dl, 1);
	for (i = 0; i < 500; i++) {
		again(f, SL_SIGNAL_TRACES, 0, &out);
		assert_int_equal(out.verdict, SL_CLS_ACCEPT);
		assert_int_equal(out.fault_kind, SL_TBL_F_DELAY);
		assert_string_equal(out.fault_name, "f-delay");
		assert_int_equal(out.n_entries, 1);
		assert_int_equal(out.items_stored, 3);
		if (out.delay_tsc < lo - 1 || out.delay_tsc > hi + 1)
			fail_msg("delay_tsc %" PRIu64 " outside [%" PRIu64 ", %" PRIu64 "]",
			         out.delay_tsc, lo, hi);
		mn = out.delay_tsc < mn ? out.delay_tsc : mn;
		mx = out.delay_tsc > mx ? out.delay_tsc : mx;
	}
	/* uniform over 200 ms: 500 draws cover most of it */
	assert_true(mn < lo + (hi - lo) / 10);
	assert_true(mx > hi - (hi - lo) / 10);
	assert_int_equal(f->core->ctr[SL_CTR_FAULT_DELAY], 500);

	classify(f, SL_SIGNAL_TRACES, 0, bh, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_int_equal(out.fault_kind, SL_TBL_F_BLACKHOLE);
	assert_string_equal(out.fault_name, "f-bh");
	assert_int_equal(out.n_entries, 1); /* accepted and stored, never answered */
	assert_int_equal(out.items_stored, 3);
	assert_null(out.flat);
	assert_int_equal(f->core->ctr[SL_CTR_FAULT_BLACKHOLE], 1);
}

/* Trace ids of the spans of a packed traces request, in wire order; returns how many. */
static unsigned
span_ids(const uint8_t *b, size_t n, uint8_t (*ids)[16], unsigned max, char svc[][32])
{
	PB(Collector__Trace__V1__ExportTraceServiceRequest) *r =
	    opentelemetry__proto__collector__trace__v1__export_trace_service_request__unpack(NULL,
	                                                                                     n, b);
	unsigned k = 0;
	size_t i, j, s;

	assert_non_null(r);
	for (i = 0; i < r->n_resource_spans; i++)
		for (j = 0; j < r->resource_spans[i]->n_scope_spans; j++)
			for (s = 0; s < r->resource_spans[i]->scope_spans[j]->n_spans; s++) {
				const PB(Trace__V1__Span) *sp =
				    r->resource_spans[i]->scope_spans[j]->spans[s];

				assert_true(k < max);
				assert_int_equal(sp->trace_id.len, 16);
				memcpy(ids[k], sp->trace_id.data, 16);
				if (svc != NULL)
					snprintf(svc[k], 32, "%s",
					         r->resource_spans[i]
					             ->resource->attributes[0]
					             ->value->string_value);
				k++;
			}
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__free_unpacked(
	    r, NULL);
	return k;
}

static void
test_fault_partial(void **state)
{
	struct fx *f = *state;
	static uint8_t id[9][16], got[16][16];
	char svc[16][32];
	struct ent es[] = {{"part", NULL, NULL, 3, id},
	                   {"other", NULL, NULL, 4, id + 3},
	                   {"part2", NULL, NULL, 2, id + 7}};
	const struct ent pm[] = {{"part", NULL, NULL, 7, NULL}};
	const struct ent one[] = {{"part", NULL, NULL, 1, id}};
	const struct sl_tbl_hdr *img;
	struct sl_cls_out out;
	unsigned k;

	trace_ids(id, 9, 11);
	img = bind_yaml(f, conf_faults, real_ns(), 11);
	/* 9 spans, partial 0.5: floor(4.5) = 4 rejected, the first 5 stored */
	classify(f, SL_SIGNAL_TRACES, 0, es, 3, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_int_equal(out.fault_kind, SL_TBL_F_PARTIAL);
	assert_string_equal(out.fault_name, "f-part");
	assert_int_equal(out.rejected, 4);
	assert_int_equal(out.items_stored, 5);
	assert_int_equal(out.n_entries, 2); /* the third entry lost all its spans */
	assert_int_equal(out.entries[0].items, 3);
	assert_int_equal(out.entries[1].items, 2);
	assert_int_equal(out.entry_route[0], route_idx(img, "default"));
	assert_int_equal(out.entry_route[1], route_idx(img, "default"));
	check_flat(f, SL_SIGNAL_TRACES, &out);
	assert_string_equal(f->fent[0].attrs[0].val, "part");
	assert_string_equal(f->fent[1].attrs[0].val, "other");
	k = span_ids(out.flat, out.flat_len, got, 16, svc);
	assert_int_equal(k, 5);
	assert_memory_equal(got, id, 5 * 16);
	assert_int_equal(f->core->ctr[SL_CTR_FAULT_PARTIAL], 1);
	assert_int_equal(f->core->ctr[SL_CTR_FAULT_PARTIAL_ITEMS], 4);
	assert_true(f->core->ctr[SL_CTR_ROUTE_FILTER_BYTES] > 0);

	/* metrics: 7 points, 3 rejected, the first 4 kept */
	classify(f, SL_SIGNAL_METRICS, 0, pm, 1, &out);
	assert_int_equal(out.fault_kind, SL_TBL_F_PARTIAL);
	assert_int_equal(out.rejected, 3);
	assert_int_equal(out.items_stored, 4);
	check_flat(f, SL_SIGNAL_METRICS, &out);
	{
		PB(Collector__Metrics__V1__ExportMetricsServiceRequest) *r =
		    opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__unpack(
		        NULL, out.flat_len, out.flat);
		int64_t want = 1;
		size_t j, p;

		assert_non_null(r);
		assert_int_equal(r->n_resource_metrics, 1);
		for (j = 0; j < r->resource_metrics[0]->n_scope_metrics; j++) {
			const PB(Metrics__V1__Gauge) *g =
			    r->resource_metrics[0]->scope_metrics[j]->metrics[0]->gauge;

			for (p = 0; p < g->n_data_points; p++)
				assert_int_equal(g->data_points[p]->as_int, want++);
		}
		assert_int_equal(want, 5);
		opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__free_unpacked(
		    r, NULL);
	}

	/* one item: floor(0.5) = 0 rejected, nothing re-encoded */
	classify(f, SL_SIGNAL_LOGS, 0, one, 1, &out);
	assert_int_equal(out.fault_kind, SL_TBL_F_PARTIAL);
	assert_int_equal(out.rejected, 0);
	assert_int_equal(out.items_stored, 1);
	assert_null(out.flat);
}

static void
test_fault_probability(void **state)
{
	struct fx *f = *state;
	static uint8_t id[1][16];
	const struct ent pr[] = {{"prob", NULL, NULL, 1, id}};
	const unsigned n = 10000;
	const double p = 0.3, sigma = sqrt(n * p * (1 - p));
	struct sl_cls_out out;
	unsigned i, fired = 0;

	trace_ids(id, 1, 12);
	bind_yaml(f, conf_faults, real_ns(), 12);
	walk(f, SL_SIGNAL_TRACES, pr, 1);
	for (i = 0; i < n; i++) {
		again(f, SL_SIGNAL_TRACES, 0, &out);
		if (out.verdict == SL_CLS_ERROR) {
			assert_int_equal(out.status, 500);
			fired++;
		} else {
			assert_int_equal(out.verdict, SL_CLS_ACCEPT);
			assert_int_equal(out.fault_name[0], '\0');
		}
	}
	if (fabs((double)fired - n * p) > 5 * sigma)
		fail_msg("fired %u of %u, expected %.0f +- %.0f", fired, n, n * p, 5 * sigma);
	assert_int_equal(named_v(f, SL_NAMED_FAULT, "f-prob")[0], n);
	assert_int_equal(named_v(f, SL_NAMED_FAULT, "f-prob")[1], fired);
	assert_int_equal(f->core->ctr[SL_CTR_FAULT_ERROR], fired);
}

static void
test_fault_expired(void **state)
{
	struct fx *f = *state;
	static const char conf[] = "faults:\n"
	                           "  - name: f-old\n"
	                           "    match: {}\n"
	                           "    error: 503\n"
	                           "    ttl: 1h\n"
	                           "  - name: f-live\n"
	                           "    match: {attributes: {service.name: live}}\n"
	                           "    error: 502\n"
	                           "    ttl: 3h\n";
	static uint8_t id[2][16];
	const struct ent es[] = {{"x", NULL, NULL, 2, id}};
	const struct ent live[] = {{"live", NULL, NULL, 2, id}};
	uint64_t now = real_ns();
	const struct sl_tbl_hdr *img;
	struct sl_cls_out out;
	int i;

	trace_ids(id, 2, 13);
	/* compiled two hours ago: f-old expired an hour ago, f-live has an hour to go */
	img = bind_yaml(f, conf, now - 7200ull * 1000000000ull, 13);
	assert_int_equal(img->n_faults, 2);
	assert_true(sl_tbl_faults(img)[0].expires_unix_ns < now);
	assert_true(sl_tbl_faults(img)[1].expires_unix_ns > now);
	for (i = 0; i < 3; i++) {
		classify(f, SL_SIGNAL_TRACES, 0, es, 1, &out);
		assert_int_equal(out.verdict, SL_CLS_ACCEPT);
		assert_int_equal(out.fault_name[0], '\0');
	}
	assert_int_equal(named_v(f, SL_NAMED_FAULT, "f-old")[0], 0);
	assert_int_equal(f->core->ctr[SL_CTR_FAULT_ERROR], 0);
	/* the same match-all fault still live catches "live" after f-old: the time check works */
	classify(f, SL_SIGNAL_TRACES, 0, live, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ERROR);
	assert_int_equal(out.status, 502);
	/* and f-live expires once the core's clock passes its expiry */
	f->core->now += (uint64_t)(1.5 * 3600 * (double)rte_get_tsc_hz());
	again(f, SL_SIGNAL_TRACES, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
}

/* ---- 5. tenants and rate limits ---- */

static const char conf_tenants[] = "limits:\n"
                                   "  tenant_header: X-Scope-OrgID\n"
                                   "  retry_after: 3s\n"
                                   "tenants:\n"
                                   "  - name: acme\n"
                                   "    tokens: [tok-a, tok-a2]\n"
                                   "    rate: 10/s\n"
                                   "  - name: beta\n"
                                   "    tokens: [tok-b]\n"
                                   "  - name: gamma\n"
                                   "    tokens: [tok-g]\n"
                                   "    rate: 16/s\n"
                                   "routes:\n"
                                   "  - name: limited\n"
                                   "    match: {attributes: {service.name: lim}}\n"
                                   "    tenant_rate: 10/s\n"
                                   "  - name: beta-route\n"
                                   "    match: {tenant: beta}\n"
                                   "  - name: junk\n"
                                   "    match: {attributes: {service.name: junk}}\n"
                                   "    drop: true\n";

#define T(s) (s), (uint32_t)strlen(s)

static void
test_tenant_resolution(void **state)
{
	struct fx *f = *state;
	const struct sl_tbl_hdr *img = bind_yaml(f, conf_tenants, real_ns(), 20);
	uint32_t acme = sl_tbl_tenant_by_name(img, "acme", 4),
	         beta = sl_tbl_tenant_by_name(img, "beta", 4),
	         gamma = sl_tbl_tenant_by_name(img, "gamma", 5), hl = 0;
	const char *h = sl_cls_tenant_header(f->cls, &hl);

	assert_true(acme != 0 && beta != 0 && gamma != 0);
	assert_non_null(h);
	assert_int_equal(hl, 13);
	assert_memory_equal(h, "x-scope-orgid", 13);
	/* the tenant header's value */
	assert_int_equal(sl_cls_tenant(f->cls, T("acme"), NULL, 0), acme);
	assert_int_equal(sl_cls_tenant(f->cls, T("gamma"), NULL, 0), gamma);
	assert_int_equal(sl_cls_tenant(f->cls, T("acm"), NULL, 0), 0);
	assert_int_equal(sl_cls_tenant(f->cls, T("acmee"), NULL, 0), 0);
	assert_int_equal(sl_cls_tenant(f->cls, T("ACME"), NULL, 0), 0);
	/* bearer tokens, the scheme in any case */
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Bearer tok-a")), acme);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("bearer tok-a2")), acme);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("BEARER tok-b")), beta);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("bEaReR tok-g")), gamma);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Bearer   tok-g")), gamma);
	/* the header names the tenant; the token counts when the header does not name one */
	assert_int_equal(sl_cls_tenant(f->cls, T("beta"), T("Bearer tok-a")), beta);
	assert_int_equal(sl_cls_tenant(f->cls, T("nobody"), T("Bearer tok-b")), beta);
	/* unknown */
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Bearer tok-x")), 0);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Bearer tok-a ")), 0);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Bearer tok-")), 0);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Basic tok-a")), 0);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Bearertok-a")), 0);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Bearer ")), 0);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Bearer")), 0);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("tok-a")), 0);
	assert_int_equal(sl_cls_tenant(f->cls, T("nobody"), NULL, 0), 0);
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, NULL, 0), 0);
	/* a tenant's name is not its token, nor the reverse */
	assert_int_equal(sl_cls_tenant(f->cls, NULL, 0, T("Bearer acme")), 0);
	assert_int_equal(sl_cls_tenant(f->cls, T("tok-a"), NULL, 0), 0);
}

static void
test_tenant_rate(void **state)
{
	struct fx *f = *state;
	static uint8_t id[8][16];
	const struct ent six[] = {{"x", NULL, NULL, 6, id}};
	const struct sl_tbl_hdr *img = bind_yaml(f, conf_tenants, real_ns(), 21);
	uint32_t acme = sl_tbl_tenant_by_name(img, "acme", 4);
	uint64_t hz = rte_get_tsc_hz();
	struct sl_cls_out out;

	trace_ids(id, 8, 21);
	/* 10/s, burst 10: 6 items pass, 6 more do not */
	classify(f, SL_SIGNAL_TRACES, acme, six, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	again(f, SL_SIGNAL_TRACES, acme, &out);
	assert_int_equal(out.verdict, SL_CLS_LIMITED);
	assert_int_equal(out.status, 429);
	assert_int_equal(out.retry_after_s, 3);
	assert_int_equal(out.fault_name[0], '\0');
	assert_int_equal(f->core->ctr[SL_CTR_TENANT_LIMITED], 1);
	assert_int_equal(f->core->ctr[SL_CTR_TENANT_LIMITED_ITEMS], 6);
	assert_int_equal(named_v(f, SL_NAMED_TENANT, "acme")[2], 6);
	/*
	 * A quarter second adds 2.5 tokens: 4 + 2.5 covers 6 only if the refused
	 * request charged nothing (it would have left -2 + 2.5).
	 */
	f->core->now += hz / 4;
	again(f, SL_SIGNAL_TRACES, acme, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_int_equal(named_v(f, SL_NAMED_TENANT, "acme")[0], 2);
	assert_int_equal(named_v(f, SL_NAMED_TENANT, "acme")[1], 12);
	/* no tenant, or a tenant without a rate: unlimited */
	for (int i = 0; i < 20; i++) {
		again(f, SL_SIGNAL_TRACES, 0, &out);
		assert_int_equal(out.verdict, SL_CLS_ACCEPT);
		again(f, SL_SIGNAL_TRACES, sl_tbl_tenant_by_name(img, "beta", 4), &out);
		assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	}
}

static void
test_route_tenant_rate(void **state)
{
	struct fx *f = *state;
	static uint8_t id[8][16];
	const struct ent lim[] = {{"lim", NULL, NULL, 8, id}};
	const struct ent free8[] = {{"x", NULL, NULL, 8, id}};
	const struct sl_tbl_hdr *img = bind_yaml(f, conf_tenants, real_ns(), 22);
	uint32_t gamma = sl_tbl_tenant_by_name(img, "gamma", 5);
	uint32_t beta = sl_tbl_tenant_by_name(img, "beta", 4);
	struct sl_cls_out out;

	trace_ids(id, 8, 22);
	/* gamma: tenant 16/s, route "limited" 10/s per tenant */
	classify(f, SL_SIGNAL_LOGS, gamma, lim, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT); /* tenant 16 -> 8, route 10 -> 2 */
	assert_int_equal(out.entry_route[0], route_idx(img, "limited"));
	again(f, SL_SIGNAL_LOGS, gamma, &out);
	assert_int_equal(out.verdict, SL_CLS_LIMITED); /* the route's bucket */
	assert_int_equal(out.retry_after_s, 3);
	/* the refused request left the tenant's bucket alone: 8 items still pass elsewhere */
	classify(f, SL_SIGNAL_LOGS, gamma, free8, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	/* per tenant: beta and no tenant have buckets of their own on the route */
	classify(f, SL_SIGNAL_LOGS, beta, lim, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_int_equal(out.entry_route[0], route_idx(img, "limited"));
	again(f, SL_SIGNAL_LOGS, 0, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	/* the tenant route by tenant */
	classify(f, SL_SIGNAL_LOGS, beta, free8, 1, &out);
	assert_int_equal(out.entry_route[0], route_idx(img, "beta-route"));
}

/*
 * A request refused 429 by a rate limit adds nothing to the routes' counters
 * (its drop-route entries were not "accepted and discarded": the client
 * retries them), as a request refused by an error or throttle fault.
 */
static void
test_limited_request_counts_no_route(void **state)
{
	struct fx *f = *state;
	static uint8_t id[8][16];
	const struct ent es[] = {{"lim", NULL, NULL, 8, id}, {"junk", NULL, NULL, 3, id}};
	const struct sl_tbl_hdr *img = bind_yaml(f, conf_tenants, real_ns(), 41);
	uint32_t gamma = sl_tbl_tenant_by_name(img, "gamma", 5);
	struct sl_cls_out out;

	trace_ids(id, 8, 41);
	classify(f, SL_SIGNAL_LOGS, gamma, es, 2, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_int_equal(out.entry_route[1], SL_PIPE_ROUTE_NONE);
	assert_int_equal(f->core->ctr[SL_CTR_ROUTE_DROPPED_ITEMS], 3);
	again(f, SL_SIGNAL_LOGS, gamma, &out);
	assert_int_equal(out.verdict, SL_CLS_LIMITED);
	assert_int_equal(named_v(f, SL_NAMED_TENANT, "gamma")[1],
	                 11); /* tenants count accepted only */
	assert_int_equal(named_v(f, SL_NAMED_TENANT, "gamma")[2], 11);
	assert_int_equal(f->core->ctr[SL_CTR_ROUTE_DROPPED_ITEMS], 3);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "junk")[2], 3);
}

/* ---- 6. sampling ---- */

static const char conf_sample[] = "routes:\n"
                                  "  - name: sampled\n"
                                  "    match: {attributes: {service.name: {prefix: samp}}}\n"
                                  "    sample: 0.25\n"
                                  "  - name: keep\n"
                                  "    match: {attributes: {service.name: keep}}\n";

/* The rule, computed here: keep iff the low 56 bits of the trace id (big-endian) >= threshold. */
static bool
want_keep(const uint8_t *id, uint64_t thr)
{
	uint64_t v = 0;
	int i;

	for (i = 9; i < 16; i++)
		v = v << 8 | id[i];
	return v >= thr;
}

static void
set_low56(uint8_t *id, uint64_t v)
{
	int i;

	for (i = 15; i >= 9; i--, v >>= 8)
		id[i] = (uint8_t)v;
}

static void
test_sampling_traces(void **state)
{
	struct fx *f = *state;
	const uint64_t thr = (uint64_t)llround((1.0 - 0.25) * TWO56);
	static uint8_t pool[24][16];
	static uint8_t got[64][16];
	const struct sl_tbl_hdr *img = bind_yaml(f, conf_sample, real_ns(), 30);
	int verdict[24];
	uint64_t sampled_out = 0, stored = 0;
	unsigned r, i, k;

	assert_true(thr == 54043195528445952ull);
	trace_ids(pool, 24, 30);
	/* the edges: exactly the threshold is kept, one below is not, high bytes do not count */
	set_low56(pool[0], thr);
	set_low56(pool[1], thr - 1);
	memset(pool[1], 0xff, 9);
	set_low56(pool[2], UINT64_C(0xffffffffffffff));
	memset(pool[3], 0, 9);
	set_low56(pool[3], thr + 1);
	for (i = 0; i < 24; i++)
		verdict[i] = -1;
	for (r = 0; r < 6; r++) {
		/* 3 entries, traces drawn from the pool so each trace recurs over requests and
		 * entries */
		static uint8_t ids[3][8][16];
		uint32_t which[3][8];
		struct ent es[3] = {{"samp-a", NULL, NULL, 8, ids[0]},
		                    {"keep", NULL, NULL, 5, ids[1]},
		                    {"samp-b", NULL, NULL, 7, ids[2]}};
		struct sl_cls_out out;
		uint32_t want_n = 0;

		for (i = 0; i < 3; i++)
			for (k = 0; k < es[i].n; k++) {
				which[i][k] = (r * 7 + i * 5 + k * 3) % 24;
				memcpy(ids[i][k], pool[which[i][k]], 16);
			}
		classify(f, SL_SIGNAL_TRACES, 0, es, 3, &out);
		assert_int_equal(out.verdict, SL_CLS_ACCEPT);
		check_flat(f, SL_SIGNAL_TRACES, &out);
		/* the expected spans in order: all of "keep", the rule's on the sampled ones */
		k = span_ids(out.flat, out.flat_len, got, 64, NULL);
		for (i = 0; i < 3; i++)
			for (uint32_t j = 0; j < es[i].n; j++) {
				const uint8_t *t = pool[which[i][j]];
				bool keep = i == 1 || want_keep(t, thr);

				if (i != 1) {
					/* a trace is kept everywhere or nowhere */
					if (verdict[which[i][j]] < 0)
						verdict[which[i][j]] = keep;
					assert_int_equal(verdict[which[i][j]], keep);
				}
				if (!keep) {
					sampled_out++;
					continue;
				}
				assert_true(want_n < k);
				if (memcmp(got[want_n], t, 16) != 0)
					fail_msg("request %u entry %u span %u: wrong span kept", r,
					         i, j);
				want_n++;
			}
		assert_int_equal(k, want_n);
		stored += want_n;
		assert_int_equal(out.items_stored, want_n);
		for (i = 0; i < out.n_entries; i++)
			assert_true(out.entry_route[i] == route_idx(img, "sampled") ||
			            out.entry_route[i] == route_idx(img, "keep"));
	}
	/* the edges went the right way, and both ways occurred */
	assert_int_equal(verdict[0], 1);
	assert_int_equal(verdict[1], 0);
	assert_int_equal(verdict[2], 1);
	assert_int_equal(verdict[3], 1);
	assert_true(sampled_out > 0 && stored > 0);
	assert_true(f->core->ctr[SL_CTR_ROUTE_SAMPLED_OUT] == sampled_out);
	assert_true(named_v(f, SL_NAMED_ROUTE, "sampled")[3] == sampled_out);
	assert_int_equal(named_v(f, SL_NAMED_ROUTE, "keep")[3], 0);
	/* every span sampled out: nothing left to store */
	{
		static uint8_t lo[4][16];
		const struct ent es[] = {{"samp-z", NULL, NULL, 4, lo}};
		struct sl_cls_out out;

		for (i = 0; i < 4; i++)
			set_low56(lo[i], thr / 2 + i);
		classify(f, SL_SIGNAL_TRACES, 0, es, 1, &out);
		assert_int_equal(out.verdict, SL_CLS_ACCEPT);
		assert_int_equal(out.n_entries, 0);
		assert_int_equal(out.items_stored, 0);
		assert_int_equal(out.rejected, 0); /* sampling is silent */
	}
}

static void
test_sampling_metrics_logs(void **state)
{
	struct fx *f = *state;
	const uint64_t thr = (uint64_t)llround(0.75 * TWO56);
	static uint8_t lid[6][16];
	const struct ent met[] = {{"samp-m", NULL, NULL, 5, NULL}};
	const struct ent lg[] = {{"samp-l", NULL, NULL, 6, lid}};
	const struct sl_tbl_hdr *img = bind_yaml(f, conf_sample, real_ns(), 31);
	struct sl_cls_out out;

	/* metrics are never sampled: nothing re-encoded */
	classify(f, SL_SIGNAL_METRICS, 0, met, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	assert_null(out.flat);
	assert_int_equal(out.n_entries, 1);
	assert_int_equal(out.items_stored, 5);
	assert_int_equal(out.entry_route[0], route_idx(img, "sampled"));
	assert_int_equal(f->core->ctr[SL_CTR_ROUTE_SAMPLED_OUT], 0);
	/* logs: records 0, 2, 4 have no trace id (kept); 1 kept by the rule; 3, 5 sampled out */
	memset(lid, 0, sizeof(lid));
	set_low56(lid[1], thr + 5);
	lid[1][0] = 1;
	set_low56(lid[3], thr - 5);
	lid[3][0] = 1;
	set_low56(lid[5], 7);
	lid[5][0] = 0xff;
	classify(f, SL_SIGNAL_LOGS, 0, lg, 1, &out);
	assert_int_equal(out.verdict, SL_CLS_ACCEPT);
	check_flat(f, SL_SIGNAL_LOGS, &out);
	assert_int_equal(out.items_stored, 4);
	assert_int_equal(f->core->ctr[SL_CTR_ROUTE_SAMPLED_OUT], 2);
	{
		PB(Collector__Logs__V1__ExportLogsServiceRequest) *r =
		    opentelemetry__proto__collector__logs__v1__export_logs_service_request__unpack(
		        NULL, out.flat_len, out.flat);
		static const uint64_t want_t[] = {1, 2, 3, 5}; /* time_unix_nano = index + 1 */
		unsigned k = 0;
		size_t j, s;

		assert_non_null(r);
		for (j = 0; j < r->resource_logs[0]->n_scope_logs; j++)
			for (s = 0; s < r->resource_logs[0]->scope_logs[j]->n_log_records; s++) {
				assert_true(k < 4);
				assert_true(r->resource_logs[0]
				                ->scope_logs[j]
				                ->log_records[s]
				                ->time_unix_nano == want_t[k]);
				k++;
			}
		assert_int_equal(k, 4);
		opentelemetry__proto__collector__logs__v1__export_logs_service_request__free_unpacked(
		    r, NULL);
	}
}

/* ---- 7. gRPC codes and partial_success responses ---- */

static void
test_grpc_code(void **state)
{
	static const struct {
		uint32_t http;
		int grpc;
	} map[] = {
	    {400, 3},  {401, 16}, {403, 7},  {404, 5},  {408, 4}, {504, 4}, {409, 10}, {429, 8},
	    {500, 13}, {501, 12}, {502, 14}, {503, 14}, {405, 2}, {418, 2}, {507, 2},  {599, 2},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (sl_cls_grpc_code(map[i].http) != map[i].grpc)
			fail_msg("HTTP %u: gRPC %d, want %d", map[i].http,
			         sl_cls_grpc_code(map[i].http), map[i].grpc);
}

/* A minimal JSON validator: the value at *p, then whitespace. */
static bool json_value(const char **p);

static void
json_ws(const char **p)
{
	while (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r')
		(*p)++;
}

static bool
json_string(const char **p)
{
	if (**p != '"')
		return false;
	for ((*p)++; **p != '"'; (*p)++) {
		if ((unsigned char)**p < 0x20 || **p == '\0')
			return false;
		if (**p == '\\') {
			(*p)++;
			if (strchr("\"\\/bfnrtu", **p) == NULL || **p == '\0')
				return false;
		}
	}
	(*p)++;
	return true;
}

static bool
json_value(const char **p)
{
	json_ws(p);
	if (**p == '"') {
		if (!json_string(p))
			return false;
	} else if (**p == '{') {
		(*p)++;
		json_ws(p);
		if (**p == '}') {
			(*p)++;
		} else {
			for (;;) {
				json_ws(p);
				if (!json_string(p))
					return false;
				json_ws(p);
				if (*(*p)++ != ':' || !json_value(p))
					return false;
				if (**p == ',') {
					(*p)++;
					continue;
				}
				if (*(*p)++ != '}')
					return false;
				break;
			}
		}
	} else if ((**p >= '0' && **p <= '9') || **p == '-') {
		while (**p != '\0' && strchr("0123456789-+.eE", **p) != NULL)
			(*p)++;
	} else {
		return false;
	}
	json_ws(p);
	return true;
}

static void
test_partial_response(void **state)
{
	static const char *const jfield[SL_SIGNAL_MAX] = {"rejectedSpans", "rejectedDataPoints",
	                                                  "rejectedLogRecords"};
	static const uint32_t counts[] = {0, 1, 127, 128, 300000, 4000000000u};
	const char *msg = "fault injection: f-part";
	uint8_t buf[512];
	unsigned s, c;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		for (c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
			uint32_t n = sl_cls_partial_response((enum sl_signal)s, counts[c], msg,
			                                     false, buf, sizeof(buf));
			int64_t rej = -1;
			const char *em = NULL;
			void *m = NULL;

			assert_true(n > 0);
			if (s == SL_SIGNAL_TRACES) {
				PB(Collector__Trace__V1__ExportTraceServiceResponse) *r =
				    opentelemetry__proto__collector__trace__v1__export_trace_service_response__unpack(
				        NULL, n, buf);

				assert_non_null(r);
				assert_non_null(r->partial_success);
				rej = r->partial_success->rejected_spans;
				em = r->partial_success->error_message;
				m = r;
			} else if (s == SL_SIGNAL_METRICS) {
				PB(Collector__Metrics__V1__ExportMetricsServiceResponse) *r =
				    opentelemetry__proto__collector__metrics__v1__export_metrics_service_response__unpack(
				        NULL, n, buf);

				assert_non_null(r);
				assert_non_null(r->partial_success);
				rej = r->partial_success->rejected_data_points;
				em = r->partial_success->error_message;
				m = r;
			} else {
				PB(Collector__Logs__V1__ExportLogsServiceResponse) *r =
				    opentelemetry__proto__collector__logs__v1__export_logs_service_response__unpack(
				        NULL, n, buf);

				assert_non_null(r);
				assert_non_null(r->partial_success);
				rej = r->partial_success->rejected_log_records;
				em = r->partial_success->error_message;
				m = r;
			}
			if (rej != (int64_t)counts[c])
				fail_msg("signal %u: rejected %" PRId64 ", want %u", s, rej,
				         counts[c]);
			assert_string_equal(em, msg);
			protobuf_c_message_free_unpacked(m, NULL);

			/* OTLP/JSON: int64 as a string, lowerCamelCase names */
			{
				char want[64];
				const char *p = (const char *)buf;

				n = sl_cls_partial_response((enum sl_signal)s, counts[c], msg, true,
				                            buf, sizeof(buf));
				assert_true(n > 0 && n < sizeof(buf));
				buf[n] = '\0';
				assert_int_equal(strlen((char *)buf), n);
				if (!json_value(&p) || *p != '\0')
					fail_msg("not JSON: %s", buf);
				snprintf(want, sizeof(want), "\"%s\":\"%u\"", jfield[s], counts[c]);
				assert_non_null(strstr((char *)buf, "{\"partialSuccess\":{"));
				assert_non_null(strstr((char *)buf, want));
				assert_non_null(strstr(
				    (char *)buf, "\"errorMessage\":\"fault injection: f-part\""));
			}
		}
	/* too small a buffer: 0, for both forms */
	assert_int_equal(sl_cls_partial_response(SL_SIGNAL_TRACES, 5, msg, false, buf, 10), 0);
	assert_int_equal(sl_cls_partial_response(SL_SIGNAL_LOGS, 5, msg, true, buf, 20), 0);
	assert_int_equal(sl_cls_partial_response(SL_SIGNAL_MAX, 5, msg, false, buf, sizeof(buf)),
	                 0);
	/* a long message is cut at 256 bytes and still decodes */
	{
		char longmsg[400];
		PB(Collector__Logs__V1__ExportLogsServiceResponse) * r;
		uint32_t n;

		memset(longmsg, 'm', sizeof(longmsg) - 1);
		longmsg[sizeof(longmsg) - 1] = '\0';
		n = sl_cls_partial_response(SL_SIGNAL_LOGS, 9, longmsg, false, buf, sizeof(buf));
		assert_true(n > 0);
		r = opentelemetry__proto__collector__logs__v1__export_logs_service_response__unpack(
		    NULL, n, buf);
		assert_non_null(r);
		assert_int_equal(r->partial_success->rejected_log_records, 9);
		assert_int_equal(strlen(r->partial_success->error_message), 256);
		protobuf_c_message_free_unpacked(&r->base, NULL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_no_image, setup_persisted, teardown),
	    cmocka_unit_test_setup_teardown(test_routes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_route_tenant_and_rebind, setup_persisted,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_durability, setup_persisted, teardown),
	    cmocka_unit_test_setup_teardown(test_durability_static_received, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_error_reset_order, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_throttle, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_delay_blackhole, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_partial, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_probability, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_fault_expired, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tenant_resolution, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tenant_rate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_route_tenant_rate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_items_stored_without_drops, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_limited_request_counts_no_route, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sampling_traces, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sampling_metrics_logs, setup, teardown),
	    cmocka_unit_test(test_grpc_code),
	    cmocka_unit_test(test_partial_response),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
