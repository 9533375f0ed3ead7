/* SPDX-License-Identifier: BSD-3-Clause */
/* Content of the golden OTLP payloads, built with protobuf-c and packed reproducibly. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden.h"
#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"

/*
 * What the goldens hold, so tests can rely on it:
 *
 * traces.pb   4 resources, 12 spans. Resource 0 (service.name "checkout")
 *             has 2 scopes and 7 spans of all six kinds, attributes of every
 *             AnyValue type incl. nested arrays and kvlists and bytes, events,
 *             links with trace_state and flags, all three status codes.
 *             Resource 1: a service.name longer than SL_OTLP_VAL_MAX, tenant.id,
 *             entity_refs. Resource 2: service.name is an int. Resource 3: no
 *             resource field at all.
 * metrics.pb  2 resources: gauge, sum, histogram, exponential histogram and
 *             summary with exemplars and attributes (11 points), a metric with
 *             metadata, metrics without points.
 * logs.pb     2 resources, 14 log records: every body type (and none, and an
 *             empty AnyValue), severities TRACE..FATAL4, trace and span ids,
 *             flags, an event_name.
 */

#define PB(x)  Opentelemetry__Proto__##x
#define PBE(x) OPENTELEMETRY__PROTO__##x

/* Every allocation of one build, freed together. Out of memory aborts: a test tool. */
struct arena {
	void **v;
	size_t n, cap;
};

static void *
take(struct arena *a, size_t size)
{
	void *m;

	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 256;
		void **v = realloc(a->v, cap * sizeof(*v));

		if (v == NULL)
			abort();
		a->v = v;
		a->cap = cap;
	}
	m = calloc(1, size ? size : 1);
	if (m == NULL)
		abort();
	a->v[a->n++] = m;
	return m;
}

static void
arena_free(struct arena *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	a->v = NULL;
	a->n = a->cap = 0;
}

#define DEFINE_NEW(T, f)                                                                           \
	static PB(T) * new_##f(struct arena *a)                                                    \
	{                                                                                          \
		PB(T) *m = take(a, sizeof(*m));                                                    \
		opentelemetry__proto__##f##__init(m);                                              \
		return m;                                                                          \
	}

DEFINE_NEW(Common__V1__AnyValue, common__v1__any_value)
DEFINE_NEW(Common__V1__KeyValue, common__v1__key_value)
DEFINE_NEW(Common__V1__ArrayValue, common__v1__array_value)
DEFINE_NEW(Common__V1__KeyValueList, common__v1__key_value_list)
DEFINE_NEW(Common__V1__InstrumentationScope, common__v1__instrumentation_scope)
DEFINE_NEW(Common__V1__EntityRef, common__v1__entity_ref)
DEFINE_NEW(Resource__V1__Resource, resource__v1__resource)
DEFINE_NEW(Trace__V1__ResourceSpans, trace__v1__resource_spans)
DEFINE_NEW(Trace__V1__ScopeSpans, trace__v1__scope_spans)
DEFINE_NEW(Trace__V1__Span, trace__v1__span)
DEFINE_NEW(Trace__V1__Span__Event, trace__v1__span__event)
DEFINE_NEW(Trace__V1__Span__Link, trace__v1__span__link)
DEFINE_NEW(Trace__V1__Status, trace__v1__status)
DEFINE_NEW(Metrics__V1__ResourceMetrics, metrics__v1__resource_metrics)
DEFINE_NEW(Metrics__V1__ScopeMetrics, metrics__v1__scope_metrics)
DEFINE_NEW(Metrics__V1__Metric, metrics__v1__metric)
DEFINE_NEW(Metrics__V1__Gauge, metrics__v1__gauge)
DEFINE_NEW(Metrics__V1__Sum, metrics__v1__sum)
DEFINE_NEW(Metrics__V1__Histogram, metrics__v1__histogram)
DEFINE_NEW(Metrics__V1__ExponentialHistogram, metrics__v1__exponential_histogram)
DEFINE_NEW(Metrics__V1__Summary, metrics__v1__summary)
DEFINE_NEW(Metrics__V1__NumberDataPoint, metrics__v1__number_data_point)
DEFINE_NEW(Metrics__V1__HistogramDataPoint, metrics__v1__histogram_data_point)
DEFINE_NEW(Metrics__V1__ExponentialHistogramDataPoint,
	   metrics__v1__exponential_histogram_data_point)
DEFINE_NEW(Metrics__V1__ExponentialHistogramDataPoint__Buckets,
	   metrics__v1__exponential_histogram_data_point__buckets)
DEFINE_NEW(Metrics__V1__SummaryDataPoint, metrics__v1__summary_data_point)
DEFINE_NEW(Metrics__V1__SummaryDataPoint__ValueAtQuantile,
	   metrics__v1__summary_data_point__value_at_quantile)
DEFINE_NEW(Metrics__V1__Exemplar, metrics__v1__exemplar)
DEFINE_NEW(Logs__V1__ResourceLogs, logs__v1__resource_logs)
DEFINE_NEW(Logs__V1__ScopeLogs, logs__v1__scope_logs)
DEFINE_NEW(Logs__V1__LogRecord, logs__v1__log_record)

/* n pointers given as arguments, as a new array (the repeated-field layout of protobuf-c). */
static void **
list(struct arena *a, size_t n, ...)
{
	void **v = take(a, n * sizeof(*v));
	va_list ap;
	size_t i;

	va_start(ap, n);
	for (i = 0; i < n; i++)
		v[i] = va_arg(ap, void *);
	va_end(ap);
	return v;
}

/* obj->field = the n arguments, obj->n_field = n */
#define LIST(a, obj, field, n, ...)                                                                \
	do {                                                                                       \
		(obj)->n_##field = (n);                                                            \
		(obj)->field = (void *)list((a), (n), __VA_ARGS__);                                \
	} while (0)

/* Bytes from hex digits, in the arena. */
static ProtobufCBinaryData
bin(struct arena *a, const char *hex)
{
	ProtobufCBinaryData b = {strlen(hex) / 2, NULL};
	size_t i;

	b.data = take(a, b.len);
	for (i = 0; i < b.len; i++) {
		unsigned int x = 0;

		sscanf(hex + 2 * i, "%2x", &x);
		b.data[i] = (uint8_t)x;
	}
	return b;
}

/* ---- values ---- */

static PB(Common__V1__AnyValue) *
v_str(struct arena *a, const char *s)
{
	PB(Common__V1__AnyValue) *v = new_common__v1__any_value(a);

	v->value_case = PBE(COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
	v->string_value = (char *)s;
	return v;
}

static PB(Common__V1__AnyValue) *
v_bool(struct arena *a, int b)
{
	PB(Common__V1__AnyValue) *v = new_common__v1__any_value(a);

	v->value_case = PBE(COMMON__V1__ANY_VALUE__VALUE_BOOL_VALUE);
	v->bool_value = b;
	return v;
}

static PB(Common__V1__AnyValue) *
v_int(struct arena *a, int64_t i)
{
	PB(Common__V1__AnyValue) *v = new_common__v1__any_value(a);

	v->value_case = PBE(COMMON__V1__ANY_VALUE__VALUE_INT_VALUE);
	v->int_value = i;
	return v;
}

static PB(Common__V1__AnyValue) *
v_double(struct arena *a, double d)
{
	PB(Common__V1__AnyValue) *v = new_common__v1__any_value(a);

	v->value_case = PBE(COMMON__V1__ANY_VALUE__VALUE_DOUBLE_VALUE);
	v->double_value = d;
	return v;
}

static PB(Common__V1__AnyValue) *
v_bytes(struct arena *a, const char *hex)
{
	PB(Common__V1__AnyValue) *v = new_common__v1__any_value(a);

	v->value_case = PBE(COMMON__V1__ANY_VALUE__VALUE_BYTES_VALUE);
	v->bytes_value = bin(a, hex);
	return v;
}

/* An array of n AnyValue pointers. */
static PB(Common__V1__AnyValue) *
v_array(struct arena *a, size_t n, ...)
{
	PB(Common__V1__AnyValue) *v = new_common__v1__any_value(a);
	PB(Common__V1__ArrayValue) *arr = new_common__v1__array_value(a);
	va_list ap;
	size_t i;

	arr->n_values = n;
	arr->values = take(a, n * sizeof(*arr->values));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		arr->values[i] = va_arg(ap, PB(Common__V1__AnyValue) *);
	va_end(ap);
	v->value_case = PBE(COMMON__V1__ANY_VALUE__VALUE_ARRAY_VALUE);
	v->array_value = arr;
	return v;
}

/* A kvlist of n KeyValue pointers. */
static PB(Common__V1__AnyValue) *
v_kvlist(struct arena *a, size_t n, ...)
{
	PB(Common__V1__AnyValue) *v = new_common__v1__any_value(a);
	PB(Common__V1__KeyValueList) *l = new_common__v1__key_value_list(a);
	va_list ap;
	size_t i;

	l->n_values = n;
	l->values = take(a, n * sizeof(*l->values));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		l->values[i] = va_arg(ap, PB(Common__V1__KeyValue) *);
	va_end(ap);
	v->value_case = PBE(COMMON__V1__ANY_VALUE__VALUE_KVLIST_VALUE);
	v->kvlist_value = l;
	return v;
}

static PB(Common__V1__KeyValue) *
kv(struct arena *a, const char *key, PB(Common__V1__AnyValue) *value)
{
	PB(Common__V1__KeyValue) *k = new_common__v1__key_value(a);

	k->key = (char *)key;
	k->value = value;
	return k;
}

static PB(Common__V1__InstrumentationScope) *
scope(struct arena *a, const char *name, const char *version)
{
	PB(Common__V1__InstrumentationScope) *s = new_common__v1__instrumentation_scope(a);

	s->name = (char *)name;
	s->version = (char *)version;
	return s;
}

/* Every AnyValue type, nested: the attribute set the goldens stress the walker with. */
static PB(Common__V1__AnyValue) *
v_everything(struct arena *a)
{
	PB(Common__V1__AnyValue) *level3 = v_kvlist(a, 1, kv(a, "level4", v_bytes(a, "01")));

	return v_kvlist(
		a, 8, kv(a, "s", v_str(a, "text with \xc3\xa9 and \xe2\x82\xac")),
		kv(a, "b", v_bool(a, 1)), kv(a, "i", v_int(a, -9007199254740993LL)),
		kv(a, "d", v_double(a, 3.5e-7)), kv(a, "bytes", v_bytes(a, "00ff10ee7f80")),
		kv(a, "empty", new_common__v1__any_value(a)),
		kv(a, "arr",
		   v_array(a, 6, v_str(a, "x"), v_int(a, 1), v_bool(a, 0), v_double(a, -0.25),
			   v_array(a, 2, v_array(a, 1, v_int(a, 42)), v_array(a, 0)),
			   v_kvlist(a, 1, kv(a, "in-array", v_str(a, "y"))))),
		kv(a, "map",
		   v_kvlist(a, 3, kv(a, "level2", v_kvlist(a, 1, kv(a, "level3", level3))),
			    kv(a, "list", v_array(a, 2, v_str(a, "a"), v_str(a, ""))),
			    kv(a, "nothing", v_kvlist(a, 0)))));
}

/* ---- traces ---- */

static PB(Trace__V1__Span) *
span(struct arena *a, unsigned int n, PB(Trace__V1__Span__SpanKind) kind, const char *name)
{
	static const char *const trace_ids[] = {"5b8efff798038103d269b633813fc60c",
						 "0af7651916cd43dd8448eb211c80319c",
						 "4bf92f3577b34da6a3ce929d0e0e4736"};
	char hex[17];
	PB(Trace__V1__Span) *s = new_trace__v1__span(a);

	snprintf(hex, sizeof(hex), "%016llx", 0xeee19b7ec3c1b170ull + n);
	s->trace_id = bin(a, trace_ids[n % 3]);
	s->span_id = bin(a, hex);
	s->name = (char *)name;
	s->kind = kind;
	s->start_time_unix_nano = 1700000000000000000ull + 1000000ull * n;
	s->end_time_unix_nano = s->start_time_unix_nano + 250000ull + n;
	return s;
}

static PB(Trace__V1__Status) *
status(struct arena *a, PB(Trace__V1__Status__StatusCode) code, const char *msg)
{
	PB(Trace__V1__Status) *st = new_trace__v1__status(a);

	st->code = code;
	st->message = (char *)msg;
	return st;
}

static PB(Resource__V1__Resource) *
resource(struct arena *a, size_t n, ...)
{
	PB(Resource__V1__Resource) *r = new_resource__v1__resource(a);
	va_list ap;
	size_t i;

	r->n_attributes = n;
	r->attributes = take(a, n * sizeof(*r->attributes));
	va_start(ap, n);
	for (i = 0; i < n; i++)
		r->attributes[i] = va_arg(ap, PB(Common__V1__KeyValue) *);
	va_end(ap);
	return r;
}

static void *
build_traces(struct arena *a)
{
	PB(Collector__Trace__V1__ExportTraceServiceRequest) *req = take(a, sizeof(*req));
	PB(Trace__V1__ResourceSpans) *rs[4];
	PB(Trace__V1__ScopeSpans) *ss[5];
	PB(Trace__V1__Span) *sp[12];
	PB(Trace__V1__Span__Event) *ev[3];
	PB(Trace__V1__Span__Link) *ln[2];
	PB(Common__V1__EntityRef) *ent;
	unsigned int i;

	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(req);
	for (i = 0; i < 4; i++)
		rs[i] = new_trace__v1__resource_spans(a);
	for (i = 0; i < 5; i++)
		ss[i] = new_trace__v1__scope_spans(a);

	/* resource 0: checkout, two scopes */
	rs[0]->resource = resource(
		a, 6, kv(a, "service.name", v_str(a, "checkout")),
		kv(a, "service.namespace", v_str(a, "shop")),
		kv(a, "deployment.environment", v_str(a, "prod")),
		kv(a, "host.name", v_str(a, "web-1.eu-west-1.internal")),
		kv(a, "process.pid", v_int(a, 4242)),
		kv(a, "telemetry.sdk.language", v_str(a, "go")));
	rs[0]->resource->dropped_attributes_count = 1;
	rs[0]->schema_url = "https://opentelemetry.io/schemas/1.26.0";
	LIST(a, rs[0], scope_spans, 2, ss[0], ss[1]);

	ss[0]->scope = scope(a, "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp",
			     "0.52.0");
	LIST(a, ss[0]->scope, attributes, 1, kv(a, "scope.kind", v_str(a, "http")));
	ss[0]->scope->dropped_attributes_count = 2;
	ss[0]->schema_url = "https://opentelemetry.io/schemas/1.24.0";

	sp[0] = span(a, 0, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER), "POST /checkout");
	sp[0]->trace_state = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE";
	sp[0]->flags = 0x301; /* sampled, parent is remote (known) */
	LIST(a, sp[0], attributes, 7, kv(a, "http.request.method", v_str(a, "POST")),
	     kv(a, "http.route", v_str(a, "/checkout")),
	     kv(a, "http.response.status_code", v_int(a, 500)),
	     kv(a, "retry", v_bool(a, 1)), kv(a, "load", v_double(a, 0.875)),
	     kv(a, "payload", v_bytes(a, "deadbeef")), kv(a, "everything", v_everything(a)));
	sp[0]->dropped_attributes_count = 3;
	ev[0] = new_trace__v1__span__event(a);
	ev[0]->time_unix_nano = 1700000000000100000ull;
	ev[0]->name = "exception";
	LIST(a, ev[0], attributes, 3, kv(a, "exception.type", v_str(a, "TimeoutError")),
	     kv(a, "exception.message", v_str(a, "upstream timed out\nafter 3 tries")),
	     kv(a, "exception.stacktrace",
		v_array(a, 2, v_str(a, "main.go:42"), v_str(a, "http.go:7"))));
	ev[1] = new_trace__v1__span__event(a);
	ev[1]->time_unix_nano = 1700000000000200000ull;
	ev[1]->name = "retry";
	ev[1]->dropped_attributes_count = 1;
	LIST(a, sp[0], events, 2, ev[0], ev[1]);
	sp[0]->dropped_events_count = 4;
	ln[0] = new_trace__v1__span__link(a);
	ln[0]->trace_id = bin(a, "0102030405060708090a0b0c0d0e0f10");
	ln[0]->span_id = bin(a, "1112131415161718");
	ln[0]->trace_state = "vendor=x";
	ln[0]->flags = 0x101;
	LIST(a, ln[0], attributes, 2, kv(a, "link.kind", v_str(a, "follows")),
	     kv(a, "nested", v_kvlist(a, 1, kv(a, "k", v_array(a, 1, v_int(a, 7))))));
	ln[1] = new_trace__v1__span__link(a);
	ln[1]->trace_id = bin(a, "a1a2a3a4a5a6a7a8a9aaabacadaeafb0");
	ln[1]->span_id = bin(a, "b1b2b3b4b5b6b7b8");
	ln[1]->dropped_attributes_count = 5;
	LIST(a, sp[0], links, 2, ln[0], ln[1]);
	sp[0]->dropped_links_count = 1;
	sp[0]->status = status(a, PBE(TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_ERROR),
			       "upstream timed out");

	sp[1] = span(a, 1, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT), "GET inventory");
	sp[1]->parent_span_id = sp[0]->span_id;
	LIST(a, sp[1], attributes, 3, kv(a, "server.address", v_str(a, "inventory")),
	     kv(a, "server.port", v_int(a, 8080)),
	     kv(a, "db.query.text",
		v_str(a, "SELECT i.id, i.sku, i.name, i.price, s.quantity, s.warehouse_id FROM items"
			 " AS i JOIN stock AS s ON s.item_id = i.id WHERE i.sku IN ($1, $2, $3)"
			 " AND s.quantity > 0 ORDER BY s.warehouse_id, i.name LIMIT 100")));
	sp[1]->status = status(a, PBE(TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_OK), "");

	sp[2] = span(a, 2, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL), "compute-total");
	sp[2]->parent_span_id = sp[0]->span_id;
	sp[2]->status = status(a, PBE(TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_UNSET), "");
	LIST(a, ss[0], spans, 3, sp[0], sp[1], sp[2]);

	ss[1]->scope = scope(a, "checkout/queue", "");
	sp[3] = span(a, 3, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_PRODUCER), "orders publish");
	LIST(a, sp[3], attributes, 2, kv(a, "messaging.system", v_str(a, "kafka")),
	     kv(a, "messaging.batch.message_count", v_int(a, 3)));
	sp[4] = span(a, 4, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CONSUMER), "orders process");
	ev[2] = new_trace__v1__span__event(a);
	ev[2]->name = "ack";
	LIST(a, sp[4], events, 1, ev[2]);
	sp[5] = span(a, 5, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_UNSPECIFIED), "");
	sp[6] = span(a, 6, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER), "GET /health");
	LIST(a, ss[1], spans, 4, sp[3], sp[4], sp[5], sp[6]);

	/* resource 1: a service.name longer than the extracted value, tenant, entity refs */
	rs[1]->resource = resource(
		a, 3,
		kv(a, "service.name",
		   v_str(a, "payments-settlement-reconciliation-service-with-a-name-longer-than-64"
			    "-bytes")),
		kv(a, "tenant.id", v_str(a, "acme")), kv(a, "k8s.pod.uid", v_str(a, "f00-ba7")));
	ent = new_common__v1__entity_ref(a);
	ent->type = "k8s.pod";
	ent->schema_url = "https://opentelemetry.io/schemas/1.26.0";
	LIST(a, ent, id_keys, 1, "k8s.pod.uid");
	LIST(a, ent, description_keys, 2, "service.name", "tenant.id");
	LIST(a, rs[1]->resource, entity_refs, 1, ent);
	LIST(a, rs[1], scope_spans, 1, ss[2]);
	sp[7] = span(a, 7, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER), "settle");
	sp[8] = span(a, 8, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_CLIENT), "bank call");
	LIST(a, sp[8], attributes, 1, kv(a, "big", v_str(a, "0123456789abcdef0123456789abcdef"
							    "0123456789abcdef0123456789abcdef"
							    "0123456789abcdef0123456789abcdef")));
	LIST(a, ss[2], spans, 2, sp[7], sp[8]);

	/* resource 2: service.name of the wrong type */
	rs[2]->resource = resource(a, 2, kv(a, "service.name", v_int(a, 7)),
				   kv(a, "tenant.id", v_str(a, "globex")));
	LIST(a, rs[2], scope_spans, 1, ss[3]);
	sp[9] = span(a, 9, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL), "cron");
	sp[10] = span(a, 10, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_INTERNAL), "cron step");
	LIST(a, ss[3], spans, 2, sp[9], sp[10]);

	/* resource 3: no resource at all, a scope without a name */
	LIST(a, rs[3], scope_spans, 1, ss[4]);
	sp[11] = span(a, 11, PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER), "anonymous");
	LIST(a, ss[4], spans, 1, sp[11]);

	LIST(a, req, resource_spans, 4, rs[0], rs[1], rs[2], rs[3]);
	return req;
}

/* ---- metrics ---- */

static PB(Metrics__V1__Exemplar) *
exemplar(struct arena *a, int as_int, double v, unsigned int n)
{
	PB(Metrics__V1__Exemplar) *e = new_metrics__v1__exemplar(a);

	e->time_unix_nano = 1700000000500000000ull + n;
	if (as_int) {
		e->value_case = PBE(METRICS__V1__EXEMPLAR__VALUE_AS_INT);
		e->as_int = (int64_t)v;
	} else {
		e->value_case = PBE(METRICS__V1__EXEMPLAR__VALUE_AS_DOUBLE);
		e->as_double = v;
	}
	e->trace_id = bin(a, "4bf92f3577b34da6a3ce929d0e0e4736");
	e->span_id = bin(a, "00f067aa0ba902b7");
	LIST(a, e, filtered_attributes, 1, kv(a, "user.id", v_str(a, "u-1234")));
	return e;
}

static PB(Metrics__V1__NumberDataPoint) *
number_point(struct arena *a, int as_int, double v, unsigned int n)
{
	PB(Metrics__V1__NumberDataPoint) *p = new_metrics__v1__number_data_point(a);

	p->start_time_unix_nano = 1700000000000000000ull;
	p->time_unix_nano = 1700000060000000000ull + n;
	if (as_int) {
		p->value_case = PBE(METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_INT);
		p->as_int = (int64_t)v;
	} else {
		p->value_case = PBE(METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE);
		p->as_double = v;
	}
	LIST(a, p, attributes, 2, kv(a, "state", v_str(a, n % 2 ? "used" : "free")),
	     kv(a, "cpu", v_int(a, n)));
	return p;
}

static PB(Metrics__V1__ExponentialHistogramDataPoint__Buckets) *
buckets(struct arena *a, int32_t offset, size_t n, const uint64_t *counts)
{
	PB(Metrics__V1__ExponentialHistogramDataPoint__Buckets) *b =
		new_metrics__v1__exponential_histogram_data_point__buckets(a);

	b->offset = offset;
	b->n_bucket_counts = n;
	b->bucket_counts = take(a, n * sizeof(uint64_t));
	memcpy(b->bucket_counts, counts, n * sizeof(uint64_t));
	return b;
}

static void *
build_metrics(struct arena *a)
{
	static const uint64_t hcounts[] = {1, 5, 17, 0, 2};
	static const double hbounds[] = {0.005, 0.05, 0.5, 5.0};
	static const uint64_t pos[] = {3, 0, 129, 1, 70000};
	static const uint64_t neg[] = {2, 1};
	PB(Collector__Metrics__V1__ExportMetricsServiceRequest) *req = take(a, sizeof(*req));
	PB(Metrics__V1__ResourceMetrics) *rm[2];
	PB(Metrics__V1__ScopeMetrics) *sm[3];
	PB(Metrics__V1__Metric) *m[9];
	PB(Metrics__V1__HistogramDataPoint) *hp[2];
	PB(Metrics__V1__ExponentialHistogramDataPoint) *ep;
	PB(Metrics__V1__SummaryDataPoint) *sp[2];
	PB(Metrics__V1__SummaryDataPoint__ValueAtQuantile) *q[4];
	unsigned int i;

	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(req);
	for (i = 0; i < 2; i++)
		rm[i] = new_metrics__v1__resource_metrics(a);
	for (i = 0; i < 3; i++)
		sm[i] = new_metrics__v1__scope_metrics(a);
	for (i = 0; i < 9; i++)
		m[i] = new_metrics__v1__metric(a);

	rm[0]->resource = resource(a, 3, kv(a, "service.name", v_str(a, "inventory")),
				   kv(a, "service.version", v_str(a, "2.3.1")),
				   kv(a, "tenant.id", v_str(a, "acme")));
	rm[0]->schema_url = "https://opentelemetry.io/schemas/1.26.0";
	LIST(a, rm[0], scope_metrics, 1, sm[0]);
	sm[0]->scope = scope(a, "inventory/metrics", "1.0.0");
	sm[0]->schema_url = "https://opentelemetry.io/schemas/1.26.0";

	/* gauge: 2 points, an int and a double, with exemplars */
	m[0]->name = "system.memory.usage";
	m[0]->description = "Bytes of memory in use.";
	m[0]->unit = "By";
	m[0]->data_case = PBE(METRICS__V1__METRIC__DATA_GAUGE);
	m[0]->gauge = new_metrics__v1__gauge(a);
	LIST(a, m[0]->gauge, data_points, 2, number_point(a, 1, 123456789, 0),
	     number_point(a, 0, 0.5, 1));
	LIST(a, m[0]->gauge->data_points[0], exemplars, 1, exemplar(a, 1, 77, 0));
	LIST(a, m[0]->gauge->data_points[1], exemplars, 2, exemplar(a, 0, 0.25, 1),
	     exemplar(a, 0, -1.5, 2));
	m[0]->gauge->data_points[1]->flags = 1;

	/* sum: cumulative, monotonic, 2 points */
	m[1]->name = "http.server.request.count";
	m[1]->unit = "{request}";
	m[1]->data_case = PBE(METRICS__V1__METRIC__DATA_SUM);
	m[1]->sum = new_metrics__v1__sum(a);
	m[1]->sum->aggregation_temporality =
		PBE(METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
	m[1]->sum->is_monotonic = 1;
	LIST(a, m[1]->sum, data_points, 2, number_point(a, 1, 1000, 2), number_point(a, 1, 7, 3));

	/* histogram: delta, one full point and one with no recorded value */
	m[2]->name = "http.server.request.duration";
	m[2]->unit = "s";
	m[2]->data_case = PBE(METRICS__V1__METRIC__DATA_HISTOGRAM);
	m[2]->histogram = new_metrics__v1__histogram(a);
	m[2]->histogram->aggregation_temporality =
		PBE(METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_DELTA);
	hp[0] = new_metrics__v1__histogram_data_point(a);
	hp[0]->start_time_unix_nano = 1700000000000000000ull;
	hp[0]->time_unix_nano = 1700000060000000000ull;
	hp[0]->count = 25;
	hp[0]->_sum_case = PBE(METRICS__V1__HISTOGRAM_DATA_POINT___SUM_SUM);
	hp[0]->sum = 3.75;
	hp[0]->_min_case = PBE(METRICS__V1__HISTOGRAM_DATA_POINT___MIN_MIN);
	hp[0]->min = 0.001;
	hp[0]->_max_case = PBE(METRICS__V1__HISTOGRAM_DATA_POINT___MAX_MAX);
	hp[0]->max = 7.5;
	hp[0]->n_bucket_counts = 5;
	hp[0]->bucket_counts = (uint64_t *)hcounts;
	hp[0]->n_explicit_bounds = 4;
	hp[0]->explicit_bounds = (double *)hbounds;
	LIST(a, hp[0], attributes, 1, kv(a, "http.route", v_str(a, "/items/{id}")));
	LIST(a, hp[0], exemplars, 1, exemplar(a, 0, 0.042, 3));
	hp[1] = new_metrics__v1__histogram_data_point(a);
	hp[1]->time_unix_nano = 1700000120000000000ull;
	hp[1]->flags = 1;
	LIST(a, m[2]->histogram, data_points, 2, hp[0], hp[1]);

	/* exponential histogram: positive and negative buckets, zero threshold */
	m[3]->name = "rpc.server.duration";
	m[3]->unit = "ms";
	m[3]->data_case = PBE(METRICS__V1__METRIC__DATA_EXPONENTIAL_HISTOGRAM);
	m[3]->exponential_histogram = new_metrics__v1__exponential_histogram(a);
	m[3]->exponential_histogram->aggregation_temporality =
		PBE(METRICS__V1__AGGREGATION_TEMPORALITY__AGGREGATION_TEMPORALITY_CUMULATIVE);
	ep = new_metrics__v1__exponential_histogram_data_point(a);
	ep->start_time_unix_nano = 1700000000000000000ull;
	ep->time_unix_nano = 1700000060000000000ull;
	ep->count = 70138;
	ep->_sum_case = PBE(METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___SUM_SUM);
	ep->sum = 123456.5;
	ep->scale = -3;
	ep->zero_count = 5;
	ep->zero_threshold = 1e-9;
	ep->positive = buckets(a, -2, 5, pos);
	ep->negative = buckets(a, 1, 2, neg);
	ep->_min_case = PBE(METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___MIN_MIN);
	ep->min = -3.0;
	ep->_max_case = PBE(METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT___MAX_MAX);
	ep->max = 9000.0;
	LIST(a, ep, attributes, 1, kv(a, "rpc.method", v_str(a, "Get")));
	LIST(a, ep, exemplars, 1, exemplar(a, 1, 12, 4));
	LIST(a, m[3]->exponential_histogram, data_points, 1, ep);

	/* summary: two points, quantiles */
	m[4]->name = "go.gc.pause";
	m[4]->unit = "s";
	m[4]->data_case = PBE(METRICS__V1__METRIC__DATA_SUMMARY);
	m[4]->summary = new_metrics__v1__summary(a);
	for (i = 0; i < 4; i++) {
		static const double qs[] = {0.0, 0.5, 0.99, 1.0};

		q[i] = new_metrics__v1__summary_data_point__value_at_quantile(a);
		q[i]->quantile = qs[i];
		q[i]->value = 0.0001 * (i + 1);
	}
	sp[0] = new_metrics__v1__summary_data_point(a);
	sp[0]->start_time_unix_nano = 1700000000000000000ull;
	sp[0]->time_unix_nano = 1700000060000000000ull;
	sp[0]->count = 40;
	sp[0]->sum = 0.0123;
	LIST(a, sp[0], quantile_values, 4, q[0], q[1], q[2], q[3]);
	LIST(a, sp[0], attributes, 1, kv(a, "gc", v_str(a, "mark")));
	sp[1] = new_metrics__v1__summary_data_point(a);
	sp[1]->time_unix_nano = 1700000060000000001ull;
	LIST(a, m[4]->summary, data_points, 2, sp[0], sp[1]);

	/* a gauge with metadata and one point */
	m[5]->name = "queue.depth";
	m[5]->data_case = PBE(METRICS__V1__METRIC__DATA_GAUGE);
	m[5]->gauge = new_metrics__v1__gauge(a);
	LIST(a, m[5]->gauge, data_points, 1, number_point(a, 1, 12, 5));
	LIST(a, m[5], metadata, 2, kv(a, "prometheus.type", v_str(a, "gauge")),
	     kv(a, "source", v_kvlist(a, 1, kv(a, "exporter", v_str(a, "prometheus")))));
	LIST(a, sm[0], metrics, 6, m[0], m[1], m[2], m[3], m[4], m[5]);

	/* resource 1: metrics with no points, a metric without data */
	rm[1]->resource = resource(a, 1, kv(a, "service.name", v_str(a, "batch-job")));
	LIST(a, rm[1], scope_metrics, 2, sm[1], sm[2]);
	sm[1]->scope = scope(a, "batch", "0.1");
	m[6]->name = "jobs.pending";
	m[6]->data_case = PBE(METRICS__V1__METRIC__DATA_GAUGE);
	m[6]->gauge = new_metrics__v1__gauge(a);
	m[7]->name = "jobs.done";
	m[7]->data_case = PBE(METRICS__V1__METRIC__DATA_SUM);
	m[7]->sum = new_metrics__v1__sum(a);
	LIST(a, m[7]->sum, data_points, 1, number_point(a, 1, 3, 6));
	m[8]->name = "jobs.nothing";
	LIST(a, sm[1], metrics, 3, m[6], m[7], m[8]);

	LIST(a, req, resource_metrics, 2, rm[0], rm[1]);
	return req;
}

/* ---- logs ---- */

static PB(Logs__V1__LogRecord) *
record(struct arena *a, unsigned int n, PB(Common__V1__AnyValue) *body)
{
	static const char *const sev_text[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"};
	PB(Logs__V1__LogRecord) *r = new_logs__v1__log_record(a);

	r->time_unix_nano = 1700000000000000000ull + 1000ull * n;
	r->observed_time_unix_nano = r->time_unix_nano + 17;
	r->severity_number = (PB(Logs__V1__SeverityNumber))(1 + (n * 7) % 24);
	r->severity_text = (char *)sev_text[(r->severity_number - 1) / 4];
	r->body = body;
	return r;
}

static void *
build_logs(struct arena *a)
{
	PB(Collector__Logs__V1__ExportLogsServiceRequest) *req = take(a, sizeof(*req));
	PB(Logs__V1__ResourceLogs) *rl[2];
	PB(Logs__V1__ScopeLogs) *sl[3];
	PB(Logs__V1__LogRecord) *r[14];
	unsigned int i;

	opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(req);
	for (i = 0; i < 2; i++)
		rl[i] = new_logs__v1__resource_logs(a);
	for (i = 0; i < 3; i++)
		sl[i] = new_logs__v1__scope_logs(a);

	rl[0]->resource = resource(a, 3, kv(a, "service.name", v_str(a, "frontend")),
				   kv(a, "k8s.namespace.name", v_str(a, "web")),
				   kv(a, "tenant.id", v_str(a, "initech")));
	rl[0]->schema_url = "https://opentelemetry.io/schemas/1.26.0";
	LIST(a, rl[0], scope_logs, 1, sl[0]);
	sl[0]->scope = scope(a, "frontend/logger", "3.1");
	sl[0]->schema_url = "https://opentelemetry.io/schemas/1.26.0";

	r[0] = record(a, 0, v_str(a, "user logged in\nsecond line"));
	r[0]->trace_id = bin(a, "4bf92f3577b34da6a3ce929d0e0e4736");
	r[0]->span_id = bin(a, "00f067aa0ba902b7");
	r[0]->flags = 1;
	LIST(a, r[0], attributes, 2, kv(a, "user.id", v_str(a, "u-1")),
	     kv(a, "http.response.status_code", v_int(a, 200)));
	r[1] = record(a, 1, v_bool(a, 0));
	r[2] = record(a, 2, v_int(a, -42));
	r[3] = record(a, 3, v_double(a, 2.718281828));
	r[4] = record(a, 4, v_array(a, 3, v_str(a, "a"), v_int(a, 2), v_array(a, 0)));
	r[5] = record(a, 5, v_everything(a));
	r[6] = record(a, 6, v_bytes(a, "000102030405060708090a0b0c0d0e0f"));
	LIST(a, r[6], attributes, 1,
	     kv(a, "blob", v_bytes(a, "000102030405060708090a0b0c0d0e0f101112131415161718191a1b"
				      "1c1d1e1f202122232425262728292a2b2c2d2e2f303132333435363738"
				      "393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f505152535455"
				      "565758595a5b5c5d5e5f606162636465666768696a6b6c6d6e6f707172"
				      "737475767778797a7b7c7d7e7f808182838485868788898a8b8c8d8e8f")));
	r[7] = record(a, 7, NULL); /* no body */
	r[8] = record(a, 8, new_common__v1__any_value(a)); /* an empty body */
	r[9] = record(a, 9, v_str(a, "order placed"));
	r[9]->event_name = "shop.order.placed";
	LIST(a, r[9], attributes, 1, kv(a, "order.id", v_str(a, "o-77")));
	r[9]->dropped_attributes_count = 2;
	LIST(a, sl[0], log_records, 10, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8],
	     r[9]);

	rl[1]->resource = resource(a, 1, kv(a, "service.name", v_str(a, "worker")));
	LIST(a, rl[1], scope_logs, 2, sl[1], sl[2]);
	sl[1]->scope = scope(a, "worker/jobs", "");
	for (i = 10; i < 14; i++)
		r[i] = record(a, i, v_str(a, i % 2 ? "job failed" : "job done"));
	r[13]->severity_number = PBE(LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_FATAL4);
	r[13]->severity_text = "FATAL";
	LIST(a, sl[1], log_records, 3, r[10], r[11], r[12]);
	LIST(a, sl[2], log_records, 1, r[13]);

	LIST(a, req, resource_logs, 2, rl[0], rl[1]);
	return req;
}

/* ---- packing ---- */

const char *
sl_golden_name(enum sl_signal sig)
{
	static const char *const names[SL_SIGNAL_MAX] = {"traces.pb", "metrics.pb", "logs.pb"};

	return (unsigned int)sig < SL_SIGNAL_MAX ? names[sig] : NULL;
}

int
sl_golden_build(enum sl_signal sig, uint8_t **buf, size_t *len)
{
	struct arena a = {0};
	ProtobufCMessage *msg;
	size_t n;

	switch (sig) {
	case SL_SIGNAL_TRACES:
		msg = build_traces(&a);
		break;
	case SL_SIGNAL_METRICS:
		msg = build_metrics(&a);
		break;
	case SL_SIGNAL_LOGS:
		msg = build_logs(&a);
		break;
	default:
		return -EINVAL;
	}
	n = protobuf_c_message_get_packed_size(msg);
	*buf = malloc(n ? n : 1);
	if (*buf == NULL) {
		arena_free(&a);
		return -ENOMEM;
	}
	*len = protobuf_c_message_pack(msg, *buf);
	arena_free(&a);
	return 0;
}

int
sl_golden_write_all(const char *dir)
{
	char path[4096];
	unsigned int s;

	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		uint8_t *buf;
		size_t len;
		FILE *f;
		int rc = sl_golden_build((enum sl_signal)s, &buf, &len);

		if (rc < 0)
			return rc;
		snprintf(path, sizeof(path), "%s/%s", dir, sl_golden_name((enum sl_signal)s));
		f = fopen(path, "wb");
		if (f == NULL) {
			rc = -errno;
			free(buf);
			return rc;
		}
		if (fwrite(buf, 1, len, f) != len)
			rc = -EIO;
		if (fclose(f) != 0 && rc == 0)
			rc = -EIO;
		free(buf);
		if (rc < 0)
			return rc;
	}
	return 0;
}

uint8_t *
sl_golden_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)n + 1);
		if (b != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return b;
}
