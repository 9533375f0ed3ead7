/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen payload profiles: build an OTLP request once, re-render it per request in place. */

/*
 * Design
 *
 * A load generator must not spend more per request than the receiver it
 * measures, so a request is never encoded per send. sl_gen_profile_new()
 * builds one Export*ServiceRequest with protobuf-c (and renders it as
 * OTLP/JSON with sl_otlp_pb_to_json() for JSON profiles); rendering a request
 * copies that template once into a connection's buffer and afterwards only
 * overwrites the bytes that differ per request:
 *
 *   ids      trace_id, span_id, parent_span_id of spans, trace_id and span_id
 *            of log records: fresh random bytes (protobuf) or hex digits (JSON)
 *   digits   the 6 decimal digits of each resource's service.name
 *            ("svc-000042") and host.name ("host-000017"): drawn per request
 *            from the profile's cardinalities
 *
 * Every patched field has a fixed length in both encodings, so the body's
 * length, its varint length prefixes and the JSON around the values never
 * change. A gzip profile patches a per-thread scratch copy and compresses it
 * into the connection's buffer (libdeflate, level 1 by default: what an
 * SDK's exporter pays, and ~3x cheaper than level 6 at a 10% larger body).
 *
 * Finding the patch offsets: the template is built with sentinel ids,
 * 4 magic bytes C7 51 9E 3B, then a kind byte (1 trace, 2 span, 3 parent) and
 * a 3-byte item index, and placeholder digits "######". One pass over the
 * encoded bytes (hex "c7519e3b..." in JSON) finds each sentinel; every
 * expected (item, kind) must turn up exactly once or the build fails, so a
 * stray match in other bytes cannot go unnoticed. This keeps the offsets
 * right whatever protobuf-c's field order or the JSON writer's layout, with
 * no second encoder to keep in step. Rejected: rebuilding per request with
 * protobuf-c (~1 us per span, more than the dataplane spends), and computing
 * offsets from a hand-written encoder (a second encoding to keep correct).
 *
 * Cost per request: 32 random bytes per span from splitmix64 and one
 * 6-digit write per resource attribute. Measured on the bench VM (a loop of
 * sl_gen_render_next() over traces profiles, taskset -c 1, the machine
 * loaded): ~100 ns a span for protobuf and 65-100 ns for JSON (10 us for a
 * 100-span request); gzip level 1 adds ~1.4 us a span (143 us for 100
 * spans), which is why --variants exists: pre-compressed bodies keep the
 * generator from being what a gzip run measures.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libdeflate.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "proto/otlp_json.h"

#include "profile.h"

#define PB(x)  Opentelemetry__Proto__##x
#define PBE(x) OPENTELEMETRY__PROTO__##x

static const uint8_t magic[4] = {0xc7, 0x51, 0x9e, 0x3b};
static const char magic_hex[] = "c7519e3b";
enum { ID_TRACE = 1, ID_SPAN = 2, ID_PARENT = 3, ID_KINDS = 3 };
static const char svc_prefix[] = "svc-";
static const char host_prefix[] = "host-";
static const char placeholder[] = "######"; /* SL_GEN_DIGITS characters */

/*
 * Attribute keys of the item attributes, in order; after the table runs out
 * the keys are attr.<n>. Semantic-convention names, so the bodies look like
 * what an instrumented HTTP service sends.
 */
static const char *const attr_keys[] = {
    "http.request.method",
    "http.route",
    "server.address",
    "url.scheme",
    "user_agent.original",
    "network.peer.address",
    "http.response.status_code",
    "db.system",
    "db.statement",
    "rpc.method",
    "code.function",
    "thread.name",
};
#define N_ATTR_KEYS (sizeof(attr_keys) / sizeof(attr_keys[0]))

static const char *const span_names[] = {
    "GET /api/v1/orders/{id}",
    "POST /api/v1/checkout",
    "SELECT orders",
    "cache.get",
};

/* ---- allocation during a build: everything freed together ---- */

struct arena {
	void **v;
	size_t n, cap;
	bool failed;
};

static void *
take(struct arena *a, size_t size)
{
	void *m;

	if (a->failed)
		return NULL;
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 1024;
		void **v = realloc(a->v, cap * sizeof(*v));

		if (v == NULL)
			goto oom;
		a->v = v;
		a->cap = cap;
	}
	m = calloc(1, size ? size : 1);
	if (m == NULL)
		goto oom;
	a->v[a->n++] = m;
	return m;
oom:
	a->failed = true;
	return NULL;
}

static void
arena_free(struct arena *a)
{
	size_t i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	memset(a, 0, sizeof(*a));
}

static char *
fmt(struct arena *a, const char *f, ...)
{
	va_list ap;
	char *s;
	int n;

	va_start(ap, f);
	n = vsnprintf(NULL, 0, f, ap);
	va_end(ap);
	s = take(a, (size_t)n + 1);
	if (s == NULL)
		return NULL;
	va_start(ap, f);
	vsnprintf(s, (size_t)n + 1, f, ap);
	va_end(ap);
	return s;
}

/* A sentinel id of n bytes (8 or 16) for item i and the given kind. */
static ProtobufCBinaryData
sentinel(struct arena *a, size_t n, unsigned int kind, uint32_t i)
{
	ProtobufCBinaryData b = {n, take(a, n)};

	if (b.data == NULL) {
		b.len = 0;
		return b;
	}
	memcpy(b.data, magic, 4);
	b.data[4] = (uint8_t)kind;
	b.data[5] = (uint8_t)(i >> 16);
	b.data[6] = (uint8_t)(i >> 8);
	b.data[7] = (uint8_t)i;
	if (n > 8)
		memset(b.data + 8, 0xee, n - 8);
	return b;
}

/* A value of len lower-case letters that differs between items and attributes. */
static char *
value(struct arena *a, uint32_t len, uint32_t item, uint32_t attr)
{
	char *s = take(a, (size_t)len + 1);
	uint64_t x = ((uint64_t)item << 8 | attr) * 0x9e3779b97f4a7c15ull;
	uint32_t k;

	if (s == NULL)
		return NULL;
	for (k = 0; k < len; k++) {
		s[k] = (char)('a' + (x >> 59) % 26);
		x = x * 6364136223846793005ull + 1442695040888963407ull;
	}
	return s;
}

static PB(Common__V1__KeyValue) * kv_str(struct arena *a, const char *key, const char *val)
{
	PB(Common__V1__KeyValue) *kv = take(a, sizeof(*kv));
	PB(Common__V1__AnyValue) *v = take(a, sizeof(*v));

	if (kv == NULL || v == NULL)
		return NULL;
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	v->value_case = PBE(COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
	v->string_value = (char *)val;
	kv->key = (char *)key;
	kv->value = v;
	return kv;
}

/* The item attributes of item i: conf->attrs keys with value_len-letter values. */
static PB(Common__V1__KeyValue) *
    *item_attrs(struct arena *a, const struct sl_gen_profile_conf *conf, uint32_t i)
{
	PB(Common__V1__KeyValue) **v = take(a, (conf->attrs + 1) * sizeof(*v));
	uint32_t k;

	if (v == NULL)
		return NULL;
	for (k = 0; k < conf->attrs; k++) {
		const char *key = k < N_ATTR_KEYS ? attr_keys[k] : fmt(a, "attr.%u", k);

		v[k] = kv_str(a, key, value(a, conf->value_len, i, k));
	}
	return v;
}

/* A resource with service.name and host.name placeholders and two fixed SDK attributes. */
static PB(Resource__V1__Resource) * resource(struct arena *a)
{
	PB(Resource__V1__Resource) *r = take(a, sizeof(*r));
	PB(Common__V1__KeyValue) **kv = take(a, 4 * sizeof(*kv));

	if (r == NULL || kv == NULL)
		return NULL;
	opentelemetry__proto__resource__v1__resource__init(r);
	kv[0] = kv_str(a, "service.name", fmt(a, "%s%s", svc_prefix, placeholder));
	kv[1] = kv_str(a, "host.name", fmt(a, "%s%s", host_prefix, placeholder));
	kv[2] = kv_str(a, "telemetry.sdk.language", "c");
	kv[3] = kv_str(a, "telemetry.sdk.name", "sluice-gen");
	r->n_attributes = 4;
	r->attributes = kv;
	return r;
}

static PB(Common__V1__InstrumentationScope) * scope(struct arena *a)
{
	PB(Common__V1__InstrumentationScope) *s = take(a, sizeof(*s));

	if (s == NULL)
		return NULL;
	opentelemetry__proto__common__v1__instrumentation_scope__init(s);
	s->name = "sluice-gen";
	s->version = "0.1.0";
	return s;
}

/* Items of resource r when conf->items are split evenly over conf->resources. */
static uint32_t
items_of(const struct sl_gen_profile_conf *conf, uint32_t r)
{
	return conf->items / conf->resources + (r < conf->items % conf->resources);
}

static uint64_t
now_unix_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---- the three requests ---- */

static ProtobufCMessage *
build_traces(struct arena *a, const struct sl_gen_profile_conf *conf)
{
	PB(Collector__Trace__V1__ExportTraceServiceRequest) *req = take(a, sizeof(*req));
	PB(Trace__V1__ResourceSpans) **rs = take(a, conf->resources * sizeof(*rs));
	PB(Trace__V1__Status) *st = take(a, sizeof(*st));
	uint64_t t0 = now_unix_ns();
	uint32_t r, j, i = 0;

	if (req == NULL || rs == NULL || st == NULL)
		return NULL;
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(req);
	opentelemetry__proto__trace__v1__status__init(st);
	st->code = PBE(TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_OK);
	for (r = 0; r < conf->resources; r++) {
		uint32_t n = items_of(conf, r);
		PB(Trace__V1__ScopeSpans) *ss = take(a, sizeof(*ss));
		PB(Trace__V1__ScopeSpans) **ssp = take(a, sizeof(*ssp));
		PB(Trace__V1__Span) **sp = take(a, n * sizeof(*sp));

		rs[r] = take(a, sizeof(*rs[r]));
		if (rs[r] == NULL || ss == NULL || ssp == NULL || sp == NULL)
			return NULL;
		opentelemetry__proto__trace__v1__resource_spans__init(rs[r]);
		opentelemetry__proto__trace__v1__scope_spans__init(ss);
		rs[r]->resource = resource(a);
		rs[r]->n_scope_spans = 1;
		rs[r]->scope_spans = ssp;
		ssp[0] = ss;
		ss->scope = scope(a);
		ss->n_spans = n;
		ss->spans = sp;
		for (j = 0; j < n; j++, i++) {
			PB(Trace__V1__Span) *s = take(a, sizeof(*s));

			if (s == NULL)
				return NULL;
			opentelemetry__proto__trace__v1__span__init(s);
			s->trace_id = sentinel(a, 16, ID_TRACE, i);
			s->span_id = sentinel(a, 8, ID_SPAN, i);
			s->parent_span_id = sentinel(a, 8, ID_PARENT, i);
			s->name = (char *)span_names[i % 4];
			s->kind = PBE(TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER);
			s->start_time_unix_nano = t0 + 1000ull * i;
			s->end_time_unix_nano = t0 + 1000ull * i + 250000;
			s->flags = 0x101;
			s->n_attributes = conf->attrs;
			s->attributes = item_attrs(a, conf, i);
			s->status = st;
			sp[j] = s;
		}
	}
	req->n_resource_spans = conf->resources;
	req->resource_spans = rs;
	return a->failed ? NULL : &req->base;
}

static ProtobufCMessage *
build_metrics(struct arena *a, const struct sl_gen_profile_conf *conf)
{
	PB(Collector__Metrics__V1__ExportMetricsServiceRequest) *req = take(a, sizeof(*req));
	PB(Metrics__V1__ResourceMetrics) **rm = take(a, conf->resources * sizeof(*rm));
	uint64_t t0 = now_unix_ns();
	uint32_t r, j, i = 0;

	if (req == NULL || rm == NULL)
		return NULL;
	opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__init(req);
	for (r = 0; r < conf->resources; r++) {
		uint32_t n = items_of(conf, r);
		PB(Metrics__V1__ScopeMetrics) *sm = take(a, sizeof(*sm));
		PB(Metrics__V1__ScopeMetrics) **smp = take(a, sizeof(*smp));
		PB(Metrics__V1__Metric) **mp = take(a, n * sizeof(*mp));

		rm[r] = take(a, sizeof(*rm[r]));
		if (rm[r] == NULL || sm == NULL || smp == NULL || mp == NULL)
			return NULL;
		opentelemetry__proto__metrics__v1__resource_metrics__init(rm[r]);
		opentelemetry__proto__metrics__v1__scope_metrics__init(sm);
		rm[r]->resource = resource(a);
		rm[r]->n_scope_metrics = 1;
		rm[r]->scope_metrics = smp;
		smp[0] = sm;
		sm->scope = scope(a);
		sm->n_metrics = n;
		sm->metrics = mp;
		/* One gauge with one data point per item: the item count is the point count. */
		for (j = 0; j < n; j++, i++) {
			PB(Metrics__V1__Metric) *m = take(a, sizeof(*m));
			PB(Metrics__V1__Gauge) *g = take(a, sizeof(*g));
			PB(Metrics__V1__NumberDataPoint) *dp = take(a, sizeof(*dp));
			PB(Metrics__V1__NumberDataPoint) **dpp = take(a, sizeof(*dpp));

			if (m == NULL || g == NULL || dp == NULL || dpp == NULL)
				return NULL;
			opentelemetry__proto__metrics__v1__metric__init(m);
			opentelemetry__proto__metrics__v1__gauge__init(g);
			opentelemetry__proto__metrics__v1__number_data_point__init(dp);
			m->name = fmt(a, "sluice.gen.metric.%u", i % 100);
			m->unit = "1";
			m->data_case = PBE(METRICS__V1__METRIC__DATA_GAUGE);
			m->gauge = g;
			g->n_data_points = 1;
			g->data_points = dpp;
			dpp[0] = dp;
			dp->time_unix_nano = t0 + 1000ull * i;
			dp->value_case = PBE(METRICS__V1__NUMBER_DATA_POINT__VALUE_AS_DOUBLE);
			dp->as_double = 1.5 * i;
			dp->n_attributes = conf->attrs;
			dp->attributes = item_attrs(a, conf, i);
			mp[j] = m;
		}
	}
	req->n_resource_metrics = conf->resources;
	req->resource_metrics = rm;
	return a->failed ? NULL : &req->base;
}

static ProtobufCMessage *
build_logs(struct arena *a, const struct sl_gen_profile_conf *conf)
{
	PB(Collector__Logs__V1__ExportLogsServiceRequest) *req = take(a, sizeof(*req));
	PB(Logs__V1__ResourceLogs) **rl = take(a, conf->resources * sizeof(*rl));
	uint64_t t0 = now_unix_ns();
	uint32_t r, j, i = 0;

	if (req == NULL || rl == NULL)
		return NULL;
	opentelemetry__proto__collector__logs__v1__export_logs_service_request__init(req);
	for (r = 0; r < conf->resources; r++) {
		uint32_t n = items_of(conf, r);
		PB(Logs__V1__ScopeLogs) *sl = take(a, sizeof(*sl));
		PB(Logs__V1__ScopeLogs) **slp = take(a, sizeof(*slp));
		PB(Logs__V1__LogRecord) **lp = take(a, n * sizeof(*lp));

		rl[r] = take(a, sizeof(*rl[r]));
		if (rl[r] == NULL || sl == NULL || slp == NULL || lp == NULL)
			return NULL;
		opentelemetry__proto__logs__v1__resource_logs__init(rl[r]);
		opentelemetry__proto__logs__v1__scope_logs__init(sl);
		rl[r]->resource = resource(a);
		rl[r]->n_scope_logs = 1;
		rl[r]->scope_logs = slp;
		slp[0] = sl;
		sl->scope = scope(a);
		sl->n_log_records = n;
		sl->log_records = lp;
		for (j = 0; j < n; j++, i++) {
			PB(Logs__V1__LogRecord) *l = take(a, sizeof(*l));
			PB(Common__V1__AnyValue) *body = take(a, sizeof(*body));

			if (l == NULL || body == NULL)
				return NULL;
			opentelemetry__proto__logs__v1__log_record__init(l);
			opentelemetry__proto__common__v1__any_value__init(body);
			l->time_unix_nano = t0 + 1000ull * i;
			l->observed_time_unix_nano = t0 + 1000ull * i + 5000;
			l->severity_number = PBE(LOGS__V1__SEVERITY_NUMBER__SEVERITY_NUMBER_INFO);
			l->severity_text = "INFO";
			/* The body: a message four attribute values long. */
			body->value_case = PBE(COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE);
			body->string_value = value(a, 4 * conf->value_len, i, 255);
			l->body = body;
			l->n_attributes = conf->attrs;
			l->attributes = item_attrs(a, conf, i);
			l->flags = 1;
			l->trace_id = sentinel(a, 16, ID_TRACE, i);
			l->span_id = sentinel(a, 8, ID_SPAN, i);
			lp[j] = l;
		}
	}
	req->n_resource_logs = conf->resources;
	req->resource_logs = rl;
	return a->failed ? NULL : &req->base;
}

/* ---- locating the patch points ---- */

static int
hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Byte k of the sentinel starting at s: raw, or two hex digits. -1 if not hex. */
static int
sbyte(const uint8_t *s, bool hex, size_t k)
{
	int hi, lo;

	if (!hex)
		return s[k];
	hi = hexval(s[2 * k]);
	lo = hexval(s[2 * k + 1]);
	return hi < 0 || lo < 0 ? -1 : hi << 4 | lo;
}

static int
cmp_patch(const void *x, const void *y)
{
	const struct sl_gen_patch *a = x, *b = y;

	return (a->off > b->off) - (a->off < b->off);
}

/*
 * Find every sentinel id in body[0..len): kinds 1..kinds for each of items
 * items, exactly once each. Fills p->ids sorted by offset. -EPROTO on a
 * missing or repeated id.
 */
static int
find_ids(struct sl_gen_profile *p, unsigned int kinds)
{
	bool hex = p->conf.json;
	const uint8_t *m = hex ? (const uint8_t *)magic_hex : magic;
	size_t mlen = hex ? 8 : 4, want = (size_t)kinds * p->conf.items, found = 0;
	size_t need = hex ? 16 : 8; /* sentinel header: magic, kind, index */
	const uint8_t *b = p->tmpl, *end = p->tmpl + p->len, *hit;
	uint8_t *seen;

	p->n_ids = 0;
	if (kinds == 0)
		return 0;
	p->ids = calloc(want, sizeof(*p->ids));
	seen = calloc(want, 1);
	if (p->ids == NULL || seen == NULL) {
		free(seen);
		return -ENOMEM;
	}
	while ((hit = memmem(b, (size_t)(end - b), m, mlen)) != NULL) {
		int kind, i0, i1, i2;
		uint32_t idx;
		size_t slot, n;

		b = hit + 1;
		if ((size_t)(end - hit) < need)
			break;
		kind = sbyte(hit, hex, 4);
		i0 = sbyte(hit, hex, 5);
		i1 = sbyte(hit, hex, 6);
		i2 = sbyte(hit, hex, 7);
		if (kind < 1 || kind > (int)kinds || i0 < 0 || i1 < 0 || i2 < 0)
			continue; /* magic bytes by chance in other data */
		idx = (uint32_t)i0 << 16 | (uint32_t)i1 << 8 | (uint32_t)i2;
		if (idx >= p->conf.items)
			continue;
		slot = (size_t)idx * kinds + (size_t)(kind - 1);
		if (seen[slot]) {
			free(seen);
			return -EPROTO;
		}
		n = kind == ID_TRACE ? 16 : 8;
		if (hex)
			n *= 2;
		if ((size_t)(end - hit) < n) {
			free(seen);
			return -EPROTO;
		}
		seen[slot] = 1;
		p->ids[found].off = (uint32_t)(hit - p->tmpl);
		p->ids[found].len = (uint8_t)n;
		p->ids[found].hex = hex;
		found++;
		b = hit + n;
	}
	free(seen);
	if (found != want)
		return -EPROTO;
	p->n_ids = (uint32_t)found;
	qsort(p->ids, found, sizeof(*p->ids), cmp_patch);
	return 0;
}

/* Offsets of the digits after each "<prefix>######" in the template; exactly n_res of them. */
static int
find_digits(struct sl_gen_profile *p, const char *prefix, uint32_t *off)
{
	char pat[32];
	size_t plen = (size_t)snprintf(pat, sizeof(pat), "%s%s", prefix, placeholder);
	const uint8_t *b = p->tmpl, *end = p->tmpl + p->len, *hit;
	uint32_t n = 0;

	while ((hit = memmem(b, (size_t)(end - b), pat, plen)) != NULL) {
		if (n == p->n_res)
			return -EPROTO;
		off[n++] = (uint32_t)(hit - p->tmpl + strlen(prefix));
		b = hit + plen;
	}
	return n == p->n_res ? 0 : -EPROTO;
}

/* ---- profile ---- */

static int
bad(char *err, size_t errlen, const char *f, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, f);
		vsnprintf(err, errlen, f, ap);
		va_end(ap);
	}
	errno = EINVAL;
	return -EINVAL;
}

/* Defaults and bounds; 0 or -EINVAL with a message. */
static int
check_conf(struct sl_gen_profile_conf *c, char *err, size_t errlen)
{
	if (c->signal >= SL_SIGNAL_MAX)
		return bad(err, errlen, "unknown signal %d", (int)c->signal);
	if (c->items < 1 || c->items > SL_GEN_ITEMS_MAX)
		return bad(err, errlen, "items per request %u: allowed 1..%u", c->items,
		           SL_GEN_ITEMS_MAX);
	if (c->resources == 0)
		c->resources = 1;
	if (c->resources > c->items)
		return bad(err, errlen, "resources per request %u: at most the items (%u)",
		           c->resources, c->items);
	if (c->attrs > SL_GEN_ATTRS_MAX)
		return bad(err, errlen, "attributes per item %u: allowed 0..%u", c->attrs,
		           SL_GEN_ATTRS_MAX);
	/* 10: a default span (5 attributes) is ~250 bytes, the size the issue's goal names. */
	if (c->value_len == 0)
		c->value_len = 10;
	if (c->value_len > SL_GEN_VALUE_LEN_MAX)
		return bad(err, errlen, "attribute value bytes %u: allowed 1..%u", c->value_len,
		           SL_GEN_VALUE_LEN_MAX);
	if (c->services == 0)
		c->services = 1;
	if (c->hosts == 0)
		c->hosts = 1;
	if (c->services > SL_GEN_CARD_MAX || c->hosts > SL_GEN_CARD_MAX)
		return bad(err, errlen, "cardinality %u: allowed 1..%u",
		           c->services > c->hosts ? c->services : c->hosts, SL_GEN_CARD_MAX);
	if (c->gzip_level == 0)
		c->gzip_level = 1;
	if (c->gzip_level < 1 || c->gzip_level > 12)
		return bad(err, errlen, "gzip level %d: allowed 1..12", c->gzip_level);
	return 0;
}

static const char *const paths[SL_SIGNAL_MAX] = {"/v1/traces", "/v1/metrics", "/v1/logs"};

struct sl_gen_profile *
sl_gen_profile_new(const struct sl_gen_profile_conf *conf, char *err, size_t errlen)
{
	struct sl_gen_profile *p = calloc(1, sizeof(*p));
	struct arena a = {0};
	ProtobufCMessage *req = NULL;
	uint8_t *pb = NULL;
	int rc = -ENOMEM;

	if (err && errlen)
		err[0] = '\0';
	if (p == NULL)
		return NULL;
	p->conf = *conf;
	if (check_conf(&p->conf, err, errlen) < 0) {
		free(p);
		errno = EINVAL;
		return NULL;
	}
	p->n_res = p->conf.resources;
	switch (p->conf.signal) {
	case SL_SIGNAL_TRACES:
		req = build_traces(&a, &p->conf);
		break;
	case SL_SIGNAL_METRICS:
		req = build_metrics(&a, &p->conf);
		break;
	default:
		req = build_logs(&a, &p->conf);
		break;
	}
	if (req == NULL)
		goto fail;
	p->pb_len = protobuf_c_message_get_packed_size(req);
	pb = malloc(p->pb_len ? p->pb_len : 1);
	if (pb == NULL)
		goto fail;
	protobuf_c_message_pack(req, pb);
	arena_free(&a);

	if (p->conf.json) {
		size_t cap = 4 * p->pb_len + 4096, n = 0;

		for (;;) {
			p->tmpl = malloc(cap);
			if (p->tmpl == NULL)
				goto fail;
			rc = sl_otlp_pb_to_json(p->conf.signal, pb, p->pb_len, (char *)p->tmpl, cap,
			                        &n);
			if (rc != -E2BIG)
				break;
			free(p->tmpl);
			p->tmpl = NULL;
			cap *= 2;
		}
		if (rc < 0)
			goto fail;
		p->len = n;
		free(pb);
	} else {
		p->tmpl = pb;
		p->len = p->pb_len;
	}
	pb = NULL;
	if (p->len > UINT32_MAX) {
		bad(err, errlen, "a body of %zu bytes is too big", p->len);
		rc = -EINVAL;
		goto fail;
	}

	p->svc_off = calloc(p->n_res, sizeof(*p->svc_off));
	p->host_off = calloc(p->n_res, sizeof(*p->host_off));
	rc = -ENOMEM;
	if (p->svc_off == NULL || p->host_off == NULL)
		goto fail;
	rc = find_ids(p, p->conf.signal == SL_SIGNAL_TRACES ? 3
	                 : p->conf.signal == SL_SIGNAL_LOGS ? 2
	                                                    : 0);
	if (rc == 0)
		rc = find_digits(p, svc_prefix, p->svc_off);
	if (rc == 0)
		rc = find_digits(p, host_prefix, p->host_off);
	if (rc < 0)
		goto fail;

	p->path = paths[p->conf.signal];
	p->content_type = p->conf.json ? "application/json" : "application/x-protobuf";
	p->content_encoding = p->conf.gzip ? "gzip" : NULL;
	p->wire_cap = p->conf.gzip ? libdeflate_gzip_compress_bound(NULL, p->len) : p->len;
	return p;
fail:
	arena_free(&a);
	free(pb);
	sl_gen_profile_free(p);
	if (rc == -EPROTO && err && errlen && err[0] == '\0')
		snprintf(err, errlen, "the encoded body does not hold the expected ids (a bug)");
	errno = -rc;
	return NULL;
}

void
sl_gen_profile_free(struct sl_gen_profile *p)
{
	if (p == NULL)
		return;
	free(p->tmpl);
	free(p->ids);
	free(p->svc_off);
	free(p->host_off);
	free(p);
}

/* ---- rendering ---- */

static inline uint64_t
splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void
put_digits(uint8_t *d, uint32_t v)
{
	int k;

	for (k = SL_GEN_DIGITS - 1; k >= 0; k--) {
		d[k] = (uint8_t)('0' + v % 10);
		v /= 10;
	}
}

/* Write the per-request fields into body (a copy of p->tmpl). */
static void
patch(struct sl_gen_render *r, uint8_t *body)
{
	static const char hexd[] = "0123456789abcdef";
	const struct sl_gen_profile *p = r->p;
	uint32_t i;

	for (i = 0; i < p->n_ids; i++) {
		const struct sl_gen_patch *pt = &p->ids[i];
		uint8_t *d = body + pt->off;
		uint64_t x[2];
		size_t nb = pt->hex ? pt->len / 2u : pt->len, k;

		x[0] = splitmix64(&r->rng);
		x[1] = nb > 8 ? splitmix64(&r->rng) : 0;
		if (!pt->hex) {
			memcpy(d, x, nb);
			continue;
		}
		for (k = 0; k < nb; k++) {
			uint8_t v = (uint8_t)(x[k / 8] >> (8 * (k % 8)));

			d[2 * k] = (uint8_t)hexd[v >> 4];
			d[2 * k + 1] = (uint8_t)hexd[v & 15];
		}
	}
	for (i = 0; i < p->n_res; i++) {
		uint64_t x = splitmix64(&r->rng);

		put_digits(body + p->svc_off[i], (uint32_t)((x & 0xffffffffu) % p->conf.services));
		put_digits(body + p->host_off[i], (uint32_t)((x >> 32) % p->conf.hosts));
	}
}

/* Render one body into buf[0..cap). */
static int
render(struct sl_gen_render *r, uint8_t *buf, size_t cap, bool *primed, size_t *len)
{
	const struct sl_gen_profile *p = r->p;
	size_t n;

	if (!p->conf.gzip) {
		if (cap < p->len)
			return -ENOSPC;
		if (!*primed)
			memcpy(buf, p->tmpl, p->len);
		*primed = true;
		patch(r, buf);
		*len = p->len;
		return 0;
	}
	if (!r->plain_primed)
		memcpy(r->plain, p->tmpl, p->len);
	r->plain_primed = true;
	patch(r, r->plain);
	n = libdeflate_gzip_compress(r->comp, r->plain, p->len, buf, cap);
	if (n == 0)
		return -ENOSPC;
	*len = n;
	return 0;
}

int
sl_gen_render_init(struct sl_gen_render *r, const struct sl_gen_profile *p, uint64_t seed,
                   uint32_t variants)
{
	uint32_t i;

	memset(r, 0, sizeof(*r));
	if (p == NULL)
		return -EINVAL;
	r->p = p;
	r->rng = seed ^ 0x5a17ce0de5eedull;
	if (p->conf.gzip) {
		r->comp = libdeflate_alloc_compressor(p->conf.gzip_level);
		r->plain = malloc(p->len ? p->len : 1);
		if (r->comp == NULL || r->plain == NULL)
			goto oom;
	}
	if (variants == 0)
		return 0;
	r->var = calloc(variants, sizeof(*r->var));
	r->var_len = calloc(variants, sizeof(*r->var_len));
	if (r->var == NULL || r->var_len == NULL)
		goto oom;
	r->n_var = variants;
	for (i = 0; i < variants; i++) {
		bool primed = false;

		r->var[i] = malloc(p->wire_cap ? p->wire_cap : 1);
		if (r->var[i] == NULL)
			goto oom;
		if (render(r, r->var[i], p->wire_cap, &primed, &r->var_len[i]) < 0) {
			sl_gen_render_fini(r);
			return -ENOSPC;
		}
	}
	return 0;
oom:
	sl_gen_render_fini(r);
	return -ENOMEM;
}

void
sl_gen_render_fini(struct sl_gen_render *r)
{
	uint32_t i;

	if (r->var)
		for (i = 0; i < r->n_var; i++)
			free(r->var[i]);
	free(r->var);
	free(r->var_len);
	free(r->plain);
	libdeflate_free_compressor(r->comp);
	memset(r, 0, sizeof(*r));
}

int
sl_gen_render_next(struct sl_gen_render *r, uint8_t *buf, size_t cap, bool *primed,
                   const uint8_t **body, size_t *len)
{
	int rc;

	r->rendered++;
	if (r->n_var) {
		uint32_t i = r->next_var;

		r->next_var = i + 1 == r->n_var ? 0 : i + 1;
		*body = r->var[i];
		*len = r->var_len[i];
		return 0;
	}
	rc = render(r, buf, cap, primed, len);
	if (rc == 0)
		*body = buf;
	return rc;
}

int
sl_gen_signal_parse(const char *s, enum sl_signal *out)
{
	int i;

	for (i = 0; i < SL_SIGNAL_MAX; i++)
		if (strcmp(s, sl_signal_name((enum sl_signal)i)) == 0) {
			*out = (enum sl_signal)i;
			return 0;
		}
	return -EINVAL;
}

const char *
sl_gen_grpc_path(enum sl_signal sig)
{
	static const char *const grpc_paths[SL_SIGNAL_MAX] = {
	    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
	    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
	};

	return (unsigned int)sig < SL_SIGNAL_MAX ? grpc_paths[sig] : NULL;
}

int
sl_gen_head_prefix(const struct sl_gen_profile *p, const char *host, char *out, size_t cap)
{
	int n;

	n = snprintf(
	    out, cap,
	    "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sluice-gen/0.1\r\n"
	    "Content-Type: %s\r\n%s%s%sContent-Length: ",
	    p->path, host, p->content_type, p->content_encoding ? "Content-Encoding: " : "",
	    p->content_encoding ? p->content_encoding : "", p->content_encoding ? "\r\n" : "");
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}
