/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the OTLP/JSON transcoder: goldens, protobuf-c as the oracle, bad input by hand. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
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
#include "proto/otlp_json.h"

#define PB(x) Opentelemetry__Proto__##x
/* protobuf-c's unpack of an Export*ServiceRequest: UNPACK(trace__v1__export_trace, n, b) */
#define UNPACK(r, n, b)                                                                            \
	((ProtobufCMessage *)opentelemetry__proto__collector__##r##_service_request__unpack(       \
		NULL, n, b))

/* Output room of a test transcoding: every test input is far smaller. */
#define OUT_CAP (1u << 20)

/* ---- files and helpers ---- */

struct file {
	uint8_t *b;
	size_t n;
};
static struct file gold_pb[SL_SIGNAL_MAX], gold_json[SL_SIGNAL_MAX], variants;
static uint8_t *out;

static int
load(struct file *f, const char *name)
{
	const char *src = getenv("SLUICE_SRC");
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/data/%s", src ? src : ".", name);
	f->b = sl_golden_read_file(path, &f->n);
	if (f->b == NULL) {
		fprintf(stderr, "cannot read %s (SLUICE_SRC unset?)\n", path);
		return -1;
	}
	return 0;
}

static int
setup(void **state)
{
	char name[64];
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		snprintf(name, sizeof(name), "%s.pb", sl_signal_name((enum sl_signal)s));
		if (load(&gold_pb[s], name) < 0)
			return -1;
		snprintf(name, sizeof(name), "%s.json", sl_signal_name((enum sl_signal)s));
		if (load(&gold_json[s], name) < 0)
			return -1;
	}
	if (load(&variants, "traces_variants.json") < 0)
		return -1;
	out = malloc(OUT_CAP);
	return out != NULL ? 0 : -1;
}

static int
teardown(void **state)
{
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		free(gold_pb[s].b);
		free(gold_json[s].b);
	}
	free(variants.b);
	free(out);
	return 0;
}

static ProtobufCMessage *
unpack(enum sl_signal sig, const uint8_t *b, size_t n)
{
	switch (sig) {
	case SL_SIGNAL_TRACES:
		return UNPACK(trace__v1__export_trace, n, b);
	case SL_SIGNAL_METRICS:
		return UNPACK(metrics__v1__export_metrics, n, b);
	default:
		return UNPACK(logs__v1__export_logs, n, b);
	}
}

/* protobuf-c's pack of its unpack of b: the content, in canonical bytes (malloc'd). */
static uint8_t *
repack(enum sl_signal sig, const uint8_t *b, size_t n, size_t *len)
{
	ProtobufCMessage *m = unpack(sig, b, n);
	uint8_t *r;

	if (m == NULL)
		return NULL;
	*len = protobuf_c_message_get_packed_size(m);
	r = malloc(*len + 1);
	assert_non_null(r);
	assert_int_equal(protobuf_c_message_pack(m, r), *len);
	protobuf_c_message_free_unpacked(m, NULL);
	return r;
}

/* Asserts that pb[0..n) has the same content as the golden of sig. */
static void
assert_same_content(enum sl_signal sig, const uint8_t *pb, size_t n)
{
	size_t la, lb;
	uint8_t *a = repack(sig, pb, n, &la), *b = repack(sig, gold_pb[sig].b, gold_pb[sig].n, &lb);

	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(lb, gold_pb[sig].n);
	assert_memory_equal(b, gold_pb[sig].b, lb);
	assert_int_equal(la, lb);
	assert_memory_equal(a, b, la);
	free(a);
	free(b);
}

static int
j2p(enum sl_signal sig, const char *json, size_t *n, struct sl_otlp_json_err *err)
{
	return sl_otlp_json_to_pb(sig, (const uint8_t *)json, strlen(json), out, OUT_CAP, n, err);
}

/* A request around one span's members / one attribute value / one log record's members. */
#define SPAN(x)  "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{" x "}]}]}]}"
#define ATTR(v)  SPAN("\"attributes\":[{\"key\":\"k\",\"value\":" v "}]")
#define LOG(x)   "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{" x "}]}]}]}"
#define POINT(x) "{\"resourceMetrics\":[{\"scopeMetrics\":[{\"metrics\":[{" x "}]}]}]}"

/* ---- goldens ---- */

/* The committed JSON goldens are what sl_otlp_pb_to_json() makes of the .pb goldens today. */
static void
test_golden_json_fresh(void **state)
{
	char *j = malloc(OUT_CAP);
	unsigned int s;
	size_t n;

	(void)state;
	assert_non_null(j);
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		enum sl_signal sig = (enum sl_signal)s;
		int rc = sl_otlp_pb_to_json(sig, gold_pb[s].b, gold_pb[s].n, j, OUT_CAP, &n);

		assert_int_equal(rc, 0);
		assert_int_equal(strlen(j), n);
		if (n + 1 != gold_json[s].n || memcmp(j, gold_json[s].b, n) != 0 ||
		    gold_json[s].b[n] != '\n')
			fail_msg("tests/data/%s.json is stale: run gen_golden_json (its header)",
				 sl_signal_name(sig));
	}
	free(j);
}

/* golden .pb -> JSON -> pb: the same bytes as protobuf-c's pack, and the same content. */
static void
test_golden_roundtrip(void **state)
{
	struct sl_otlp_json_err err;
	unsigned int s;
	size_t n;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		int rc = sl_otlp_json_to_pb((enum sl_signal)s, gold_json[s].b, gold_json[s].n, out,
					    OUT_CAP, &n, &err);

		if (rc != 0)
			fail_msg("%s.json: %d %s", sl_signal_name((enum sl_signal)s), rc, err.msg);
		assert_string_equal(err.msg, "");
		/* keys in field-number order give protobuf-c's bytes exactly */
		assert_int_equal(n, gold_pb[s].n);
		assert_memory_equal(out, gold_pb[s].b, n);
		assert_same_content((enum sl_signal)s, out, n);
	}
}

/* The hand-written variants (every leniency) mean the same request as traces.json. */
static void
test_variants(void **state)
{
	struct sl_otlp_json_err err;
	size_t n;
	int rc;

	(void)state;
	rc = sl_otlp_json_to_pb(SL_SIGNAL_TRACES, variants.b, variants.n, out, OUT_CAP, &n, &err);
	if (rc != 0)
		fail_msg("traces_variants.json: %d %s", rc, err.msg);
	assert_same_content(SL_SIGNAL_TRACES, out, n);
}

/* Every proper prefix of a valid request is refused, with an offset inside it. */
static void
test_truncations(void **state)
{
	struct sl_otlp_json_err err;
	unsigned int s;
	size_t cut, n;

	(void)state;
	for (s = 0; s <= SL_SIGNAL_MAX; s++) {
		const struct file *f = s < SL_SIGNAL_MAX ? &gold_json[s] : &variants;
		enum sl_signal sig = s < SL_SIGNAL_MAX ? (enum sl_signal)s : SL_SIGNAL_TRACES;
		size_t len = f->n;

		while (len > 0 && (f->b[len - 1] == '\n' || f->b[len - 1] == ' '))
			len--;
		for (cut = 0; cut < len; cut++) {
			int rc = sl_otlp_json_to_pb(sig, f->b, cut, out, OUT_CAP, &n, &err);

			if (rc != -EBADMSG)
				fail_msg("%u: prefix of %zu bytes: rc %d", s, cut, rc);
			assert_true(err.off <= cut);
			assert_non_null(strstr(err.msg, " at byte "));
		}
	}
}

/* Output buffers one byte short, down to 0, give -E2BIG and never write past cap. */
static void
test_small_buffer(void **state)
{
	struct sl_otlp_json_err err;
	unsigned int s;
	size_t cap, n, i;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		size_t want = gold_pb[s].n;

		for (cap = 0; cap <= want; cap++) {
			int rc;

			memset(out, 0xa5, want + 64);
			rc = sl_otlp_json_to_pb((enum sl_signal)s, gold_json[s].b, gold_json[s].n,
						out, cap, &n, &err);
			for (i = cap; i < want + 64; i++)
				if (out[i] != 0xa5)
					fail_msg("%u: cap %zu: byte %zu written", s, cap, i);
			if (cap < want) {
				assert_int_equal(rc, -E2BIG);
				assert_non_null(strstr(err.msg, "byte buffer"));
			} else {
				assert_int_equal(rc, 0);
				assert_int_equal(n, want);
				assert_memory_equal(out, gold_pb[s].b, want);
			}
		}
	}
}

/* An empty packed array writes nothing, not even for a while: exact capacity fits (fuzz find). */
static void
test_exact_cap_packed(void **state)
{
	static const char j[] =
		POINT("\"histogram\":{\"dataPoints\":[{\"bucketCounts\":[\"1\",2],"
		      "\"explicitBounds\":[],\"s.m\":0}]}");
	struct sl_otlp_json_err err;
	size_t n, n2;

	(void)state;
	assert_int_equal(j2p(SL_SIGNAL_METRICS, j, &n, &err), 0);
	assert_int_equal(sl_otlp_json_to_pb(SL_SIGNAL_METRICS, (const uint8_t *)j, strlen(j), out,
					    n, &n2, &err),
			 0);
	assert_int_equal(n2, n);
	assert_int_equal(sl_otlp_json_to_pb(SL_SIGNAL_METRICS, (const uint8_t *)j, strlen(j), out,
					    n - 1, &n2, &err),
			 -E2BIG);
}

/* ---- leniencies: each pair must transcode to the same bytes ---- */

struct pair {
	enum sl_signal sig;
	const char *a, *b;
};

static const struct pair pairs[] = {
	/* 64-bit integers as numbers, strings, with exponents and fractions that are integers */
	{SL_SIGNAL_TRACES, SPAN("\"startTimeUnixNano\":1700000000000000000"),
	 SPAN("\"startTimeUnixNano\":\"1700000000000000000\"")},
	{SL_SIGNAL_TRACES, SPAN("\"startTimeUnixNano\":1.7e18"),
	 SPAN("\"startTimeUnixNano\":\"1700000000000000000\"")},
	{SL_SIGNAL_TRACES, SPAN("\"startTimeUnixNano\":\"17000000000000000.00e2\""),
	 SPAN("\"startTimeUnixNano\":\"1700000000000000000\"")},
	{SL_SIGNAL_TRACES, SPAN("\"startTimeUnixNano\":18446744073709551615"),
	 SPAN("\"startTimeUnixNano\":\"18446744073709551615\"")},
	{SL_SIGNAL_TRACES, ATTR("{\"intValue\":-9223372036854775808}"),
	 ATTR("{\"intValue\":\"-9223372036854775808\"}")},
	{SL_SIGNAL_TRACES, ATTR("{\"intValue\":-9007199254740993}"),
	 ATTR("{\"intValue\":\"-9007199254740993\"}")},
	{SL_SIGNAL_TRACES, SPAN("\"droppedAttributesCount\":\"3\""),
	 SPAN("\"droppedAttributesCount\":3")},
	{SL_SIGNAL_TRACES, SPAN("\"droppedAttributesCount\":3.0"),
	 SPAN("\"droppedAttributesCount\":3")},
	{SL_SIGNAL_TRACES, SPAN("\"droppedAttributesCount\":-0"), SPAN("")},
	{SL_SIGNAL_TRACES, SPAN("\"droppedAttributesCount\":0"), SPAN("")},
	{SL_SIGNAL_TRACES, SPAN("\"flags\":7.69E2"), SPAN("\"flags\":769")},
	/* enum names */
	{SL_SIGNAL_TRACES, SPAN("\"kind\":\"SPAN_KIND_SERVER\""), SPAN("\"kind\":2")},
	{SL_SIGNAL_TRACES, SPAN("\"status\":{\"code\":\"STATUS_CODE_ERROR\"}"),
	 SPAN("\"status\":{\"code\":2}")},
	{SL_SIGNAL_LOGS, LOG("\"severityNumber\":\"SEVERITY_NUMBER_FATAL4\""),
	 LOG("\"severityNumber\":24")},
	{SL_SIGNAL_LOGS, LOG("\"severity_number\":\"SEVERITY_NUMBER_UNSPECIFIED\""), LOG("")},
	{SL_SIGNAL_METRICS,
	 POINT("\"sum\":{\"aggregationTemporality\":\"AGGREGATION_TEMPORALITY_DELTA\"}"),
	 POINT("\"sum\":{\"aggregationTemporality\":1}")},
	/* snake_case keys */
	{SL_SIGNAL_TRACES,
	 "{\"resource_spans\":[{\"scope_spans\":[{\"spans\":[{\"trace_id\":"
	 "\"5b8efff798038103d269b633813fc60c\",\"parent_span_id\":\"eee19b7ec3c1b170\"}]}]}]}",
	 SPAN("\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"parentSpanId\":"
	      "\"eee19b7ec3c1b170\"")},
	/* ids: either case; "" and null are absent */
	{SL_SIGNAL_TRACES, SPAN("\"traceId\":\"5B8EFFF798038103D269B633813FC60C\""),
	 SPAN("\"traceId\":\"5b8efff798038103d269b633813fc60c\"")},
	{SL_SIGNAL_TRACES, SPAN("\"traceId\":\"\",\"parentSpanId\":null"), SPAN("")},
	{SL_SIGNAL_LOGS, LOG("\"spanId\":\"00F067AA0BA902B7\",\"traceId\":\"\""),
	 LOG("\"spanId\":\"00f067aa0ba902b7\"")},
	/* null is absent, also for messages and arrays; a null oneof member does not count */
	{SL_SIGNAL_TRACES, SPAN("\"name\":null,\"status\":null,\"attributes\":null,\"kind\":null"),
	 SPAN("")},
	{SL_SIGNAL_TRACES, ATTR("{\"stringValue\":null,\"intValue\":\"5\"}"),
	 ATTR("{\"intValue\":\"5\"}")},
	{SL_SIGNAL_TRACES, ATTR("{\"intValue\":\"5\",\"stringValue\":null}"),
	 ATTR("{\"intValue\":\"5\"}")},
	/* unknown fields, at any level, with any JSON value */
	{SL_SIGNAL_TRACES,
	 "{\"x\":1,\"resourceSpans\":[{\"y\":[{\"a\":[1,2,{\"b\":null}],\"c\":\"x\"},[],{}],"
	 "\"scopeSpans\":[{\"spans\":[{\"z\":{\"deep\":[[[[true,false,-1.5e-3]]]]},\"name\":\"n\","
	 "\"attributes\":[{\"key\":\"k\",\"q\":\"\\u00e9\",\"value\":{\"w\":0,\"boolValue\":true}}]"
	 "}]}]}],\"\":\"empty key\"}",
	 SPAN("\"name\":\"n\",\"attributes\":[{\"key\":\"k\",\"value\":{\"boolValue\":true}}]")},
	/* base64: standard or URL-safe, padded or not, escaped characters */
	{SL_SIGNAL_TRACES, ATTR("{\"bytesValue\":\"3q2-7w\"}"),
	 ATTR("{\"bytesValue\":\"3q2+7w==\"}")},
	{SL_SIGNAL_TRACES, ATTR("{\"bytesValue\":\"3q2+7w\"}"),
	 ATTR("{\"bytesValue\":\"3q2+7w==\"}")},
	{SL_SIGNAL_TRACES, ATTR("{\"bytesValue\":\"AP8Q7n_A\"}"),
	 ATTR("{\"bytesValue\":\"AP8Q7n/A\"}")},
	{SL_SIGNAL_TRACES, ATTR("{\"bytesValue\":\"AP8Q7n\\/A\"}"),
	 ATTR("{\"bytesValue\":\"AP8Q7n/A\"}")},
	{SL_SIGNAL_TRACES, ATTR("{\"bytesValue\":\"\\u0041\\u0041==\"}"),
	 ATTR("{\"bytesValue\":\"AA\"}")},
	/* doubles: strings, exponents, integers */
	{SL_SIGNAL_TRACES, ATTR("{\"doubleValue\":\"0.875\"}"), ATTR("{\"doubleValue\":0.875}")},
	{SL_SIGNAL_TRACES, ATTR("{\"doubleValue\":8.75E-1}"), ATTR("{\"doubleValue\":0.875}")},
	{SL_SIGNAL_TRACES, ATTR("{\"doubleValue\":1}"), ATTR("{\"doubleValue\":1.0}")},
	{SL_SIGNAL_TRACES, ATTR("{\"doubleValue\":1e-400}"), ATTR("{\"doubleValue\":0}")},
	/* strings: escapes decode to UTF-8 */
	{SL_SIGNAL_TRACES,
	 SPAN("\"name\":\"\\u00e9\\u20AC\\ud83d\\ude00\\/\\\"\\\\\\b\\f\\n\\r\\t\""),
	 SPAN("\"name\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80/\\\"\\\\\\u0008\\u000c\\u000a\\u000d"
	      "\\u0009\"")},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"\""), SPAN("")},
	/* escaped keys */
	{SL_SIGNAL_TRACES, SPAN("\"n\\u0061me\":\"x\""), SPAN("\"name\":\"x\"")},
	/* whitespace */
	{SL_SIGNAL_TRACES, " \t\r\n{ \"resourceSpans\" : [ { } , { \"schemaUrl\" : \"u\" } ] } \n",
	 "{\"resourceSpans\":[{},{\"schemaUrl\":\"u\"}]}"},
	/* empty arrays: nothing, also for packed scalars */
	{SL_SIGNAL_METRICS,
	 POINT("\"histogram\":{\"dataPoints\":[{\"bucketCounts\":[],\"explicitBounds\":[]}]}"),
	 POINT("\"histogram\":{\"dataPoints\":[{}]}")},
	{SL_SIGNAL_METRICS, POINT("\"histogram\":{\"dataPoints\":[{\"bucketCounts\":null}]}"),
	 POINT("\"histogram\":{\"dataPoints\":[{}]}")},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":[]}", "{}"},
};

static void
test_pairs(void **state)
{
	struct sl_otlp_json_err err;
	uint8_t *a = malloc(OUT_CAP);
	ProtobufCMessage *m;
	size_t i, na, nb;

	(void)state;
	assert_non_null(a);
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		const struct pair *p = &pairs[i];

		if (j2p(p->sig, p->a, &na, &err) != 0)
			fail_msg("pair %zu a: %s", i, err.msg);
		memcpy(a, out, na);
		if (j2p(p->sig, p->b, &nb, &err) != 0)
			fail_msg("pair %zu b: %s", i, err.msg);
		if (na != nb || memcmp(a, out, na) != 0)
			fail_msg("pair %zu: %s and %s differ", i, p->a, p->b);
		m = unpack(p->sig, out, nb);
		assert_non_null(m);
		protobuf_c_message_free_unpacked(m, NULL);
	}
	free(a);
}

/* ---- decoded values, checked through protobuf-c ---- */

static PB(Trace__V1__Span) *
one_span(const char *json, PB(Collector__Trace__V1__ExportTraceServiceRequest) **req)
{
	struct sl_otlp_json_err err;
	size_t n;

	if (j2p(SL_SIGNAL_TRACES, json, &n, &err) != 0)
		fail_msg("%s: %s", json, err.msg);
	*req = (void *)unpack(SL_SIGNAL_TRACES, out, n);
	assert_non_null(*req);
	assert_int_equal((*req)->n_resource_spans, 1);
	assert_int_equal((*req)->resource_spans[0]->n_scope_spans, 1);
	assert_int_equal((*req)->resource_spans[0]->scope_spans[0]->n_spans, 1);
	return (*req)->resource_spans[0]->scope_spans[0]->spans[0];
}

/* The attribute value of a one-attribute span. */
static const PB(Common__V1__AnyValue) *
one_value(const char *json, PB(Collector__Trace__V1__ExportTraceServiceRequest) **req)
{
	PB(Trace__V1__Span) *s = one_span(json, req);

	assert_int_equal(s->n_attributes, 1);
	assert_non_null(s->attributes[0]->value);
	return s->attributes[0]->value;
}

#define VC(x) OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_##x

static void
test_values(void **state)
{
	PB(Collector__Trace__V1__ExportTraceServiceRequest) *req;
	const PB(Common__V1__AnyValue) *v;
	PB(Trace__V1__Span) *s;
	static const char big[] =
		"0123456789012345678901234567890123456789012345678901234567890123456789"
		"0123456789012345678901234567890123456789012345678901234567890123456789";
	char json[1024];

	(void)state;
	v = one_value(ATTR("{\"intValue\":\"-9223372036854775808\"}"), &req);
	assert_int_equal(v->value_case, VC(INT_VALUE));
	assert_true(v->int_value == INT64_MIN);
	protobuf_c_message_free_unpacked(&req->base, NULL);

	v = one_value(ATTR("{\"intValue\":0}"), &req); /* a oneof member: 0 is kept */
	assert_int_equal(v->value_case, VC(INT_VALUE));
	assert_true(v->int_value == 0);
	protobuf_c_message_free_unpacked(&req->base, NULL);

	v = one_value(ATTR("{\"boolValue\":false}"), &req);
	assert_int_equal(v->value_case, VC(BOOL_VALUE));
	protobuf_c_message_free_unpacked(&req->base, NULL);

	v = one_value(ATTR("{\"stringValue\":\"\"}"), &req);
	assert_int_equal(v->value_case, VC(STRING_VALUE));
	assert_string_equal(v->string_value, "");
	protobuf_c_message_free_unpacked(&req->base, NULL);

	v = one_value(ATTR("{}"), &req); /* an empty AnyValue is kept */
	assert_int_equal(v->value_case, VC(_NOT_SET));
	protobuf_c_message_free_unpacked(&req->base, NULL);

	v = one_value(ATTR("{\"doubleValue\":\"NaN\"}"), &req);
	assert_true(isnan(v->double_value));
	protobuf_c_message_free_unpacked(&req->base, NULL);
	v = one_value(ATTR("{\"doubleValue\":\"-Infinity\"}"), &req);
	assert_true(isinf(v->double_value) && v->double_value < 0);
	protobuf_c_message_free_unpacked(&req->base, NULL);
	v = one_value(ATTR("{\"doubleValue\":-0.0}"), &req);
	assert_int_equal(v->value_case, VC(DOUBLE_VALUE));
	assert_true(v->double_value == 0 && signbit(v->double_value));
	protobuf_c_message_free_unpacked(&req->base, NULL);

	/* exact fast path and strtod() path against strtod() */
	{
		static const char *const nums[] = {
			"0.1",        "3.5e-7",  "123456789012345",     "1.7976931348623157e308",
			"5e-324",     "2.2250738585072014e-308",        "0.30000000000000004",
			"9007199254740993",    "1e22",    "1e23",
			"123456789012345678901234567890",
			"-2.718281828459045",  "0.000001", "4.9406564584124654e-324",
		};
		size_t i;

		for (i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
			snprintf(json, sizeof(json), ATTR("{\"doubleValue\":%s}"), nums[i]);
			v = one_value(json, &req);
			if (v->double_value != strtod(nums[i], NULL))
				fail_msg("%s read as %.17g", nums[i], v->double_value);
			protobuf_c_message_free_unpacked(&req->base, NULL);
		}
	}

	v = one_value(ATTR("{\"bytesValue\":\"AP8Q7n-A\"}"), &req);
	assert_int_equal(v->value_case, VC(BYTES_VALUE));
	assert_int_equal(v->bytes_value.len, 6);
	assert_memory_equal(v->bytes_value.data, "\x00\xff\x10\xee\x7f\x80", 6);
	protobuf_c_message_free_unpacked(&req->base, NULL);
	v = one_value(ATTR("{\"bytesValue\":\"\"}"), &req);
	assert_int_equal(v->value_case, VC(BYTES_VALUE));
	assert_int_equal(v->bytes_value.len, 0);
	protobuf_c_message_free_unpacked(&req->base, NULL);

	/* nested values */
	v = one_value(ATTR("{\"kvlistValue\":{\"values\":[{\"key\":\"a\",\"value\":{\"arrayValue\":"
			   "{\"values\":[{\"intValue\":1},{\"stringValue\":\"x\"},{}]}}}]}}"),
		      &req);
	assert_int_equal(v->value_case, VC(KVLIST_VALUE));
	assert_int_equal(v->kvlist_value->n_values, 1);
	assert_string_equal(v->kvlist_value->values[0]->key, "a");
	assert_int_equal(v->kvlist_value->values[0]->value->array_value->n_values, 3);
	protobuf_c_message_free_unpacked(&req->base, NULL);

	/* a span: ids, enum, fixed, times, a 140-byte name (2-byte length: the memmove path) */
	snprintf(json, sizeof(json),
		 SPAN("\"traceId\":\"0102030405060708090a0b0c0d0e0f10\","
		      "\"spanId\":\"A1A2A3A4A5A6A7A8\","
		      "\"kind\":5,\"flags\":4294967295,\"endTimeUnixNano\":\"1\",\"name\":\"%s\","
		      "\"status\":{},\"droppedLinksCount\":4294967295"),
		 big);
	s = one_span(json, &req);
	assert_int_equal(s->trace_id.len, 16);
	assert_memory_equal(s->trace_id.data,
			    "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10", 16);
	assert_int_equal(s->span_id.len, 8);
	assert_memory_equal(s->span_id.data, "\xa1\xa2\xa3\xa4\xa5\xa6\xa7\xa8", 8);
	assert_int_equal(s->kind, 5);
	assert_int_equal(s->flags, 4294967295u);
	assert_int_equal(s->end_time_unix_nano, 1);
	assert_string_equal(s->name, big);
	assert_non_null(s->status);
	assert_int_equal(s->dropped_links_count, 4294967295u);
	protobuf_c_message_free_unpacked(&req->base, NULL);

	/* negative enums are int32 (10-byte varints), unknown values are kept */
	s = one_span(SPAN("\"kind\":-2147483648"), &req);
	assert_int_equal((int)s->kind, INT32_MIN);
	protobuf_c_message_free_unpacked(&req->base, NULL);
	s = one_span(SPAN("\"kind\":77"), &req);
	assert_int_equal(s->kind, 77);
	protobuf_c_message_free_unpacked(&req->base, NULL);
}

#define EHC(x) OPENTELEMETRY__PROTO__METRICS__V1__EXPONENTIAL_HISTOGRAM_DATA_POINT__##x

static void
test_metric_values(void **state)
{
	PB(Collector__Metrics__V1__ExportMetricsServiceRequest) *req;
	PB(Metrics__V1__ExponentialHistogramDataPoint) *ep;
	PB(Metrics__V1__HistogramDataPoint) *hp;
	struct sl_otlp_json_err err;
	size_t n;

	(void)state;
	assert_int_equal(
		j2p(SL_SIGNAL_METRICS,
		    POINT("\"exponentialHistogram\":{\"dataPoints\":[{\"scale\":-3,\"sum\":0,"
			  "\"positive\":{\"offset\":-2147483648,\"bucketCounts\":"
			  "[0,\"18446744073709551615\",1e3]},\"zeroThreshold\":\"-0\","
			  "\"min\":0}]}"),
		    &n, &err),
		0);
	req = (void *)unpack(SL_SIGNAL_METRICS, out, n);
	assert_non_null(req);
	ep = req->resource_metrics[0]->scope_metrics[0]->metrics[0]->exponential_histogram
		     ->data_points[0];
	assert_int_equal(ep->scale, -3);
	assert_int_equal(ep->_sum_case, EHC(_SUM_SUM));
	assert_int_equal(ep->_min_case, EHC(_MIN_MIN));
	assert_int_equal(ep->_max_case, EHC(_MAX__NOT_SET));
	assert_int_equal(ep->positive->offset, INT32_MIN);
	assert_int_equal(ep->positive->n_bucket_counts, 3);
	assert_true(ep->positive->bucket_counts[0] == 0);
	assert_true(ep->positive->bucket_counts[1] == UINT64_MAX);
	assert_true(ep->positive->bucket_counts[2] == 1000);
	assert_true(ep->zero_threshold == 0 && signbit(ep->zero_threshold));
	protobuf_c_message_free_unpacked(&req->base, NULL);

	assert_int_equal(j2p(SL_SIGNAL_METRICS,
			     POINT("\"histogram\":{\"dataPoints\":[{\"bucketCounts\":[\"1\",2,0],"
				   "\"explicitBounds\":[0.5,\"Infinity\",-1],\"count\":3}]}"),
			     &n, &err),
			 0);
	req = (void *)unpack(SL_SIGNAL_METRICS, out, n);
	assert_non_null(req);
	hp = req->resource_metrics[0]->scope_metrics[0]->metrics[0]->histogram->data_points[0];
	assert_int_equal(hp->n_bucket_counts, 3);
	assert_true(hp->bucket_counts[0] == 1 && hp->bucket_counts[1] == 2 &&
		    hp->bucket_counts[2] == 0);
	assert_int_equal(hp->n_explicit_bounds, 3);
	assert_true(hp->explicit_bounds[0] == 0.5 && isinf(hp->explicit_bounds[1]) &&
		    hp->explicit_bounds[2] == -1);
	assert_int_equal(hp->count, 3);
	assert_int_equal(hp->_sum_case,
			 OPENTELEMETRY__PROTO__METRICS__V1__HISTOGRAM_DATA_POINT___SUM__NOT_SET);
	protobuf_c_message_free_unpacked(&req->base, NULL);
}

/* Empty requests are valid and empty. */
static void
test_empty(void **state)
{
	struct sl_otlp_json_err err;
	size_t n = 99;

	(void)state;
	assert_int_equal(j2p(SL_SIGNAL_LOGS, "{}", &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(j2p(SL_SIGNAL_METRICS, "{\"resourceMetrics\":null}", &n, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(sl_otlp_json_to_pb(SL_SIGNAL_TRACES, (const uint8_t *)"{}", 2, NULL, 0, &n,
					    NULL),
			 0);
	assert_int_equal(n, 0);
	/* a resource entry with nothing in it is one empty entry: 0a 00 */
	assert_int_equal(j2p(SL_SIGNAL_TRACES, "{\"resourceSpans\":[{}]}", &n, &err), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(out, "\x0a\x00", 2);
}

/* ---- errors ---- */

struct bad {
	enum sl_signal sig;
	const char *json;
	const char *at;  /* the error's offset: this substring's first one ("": the end) */
	const char *msg; /* the message up to " at byte " */
};

static const struct bad bads[] = {
	/* ids */
	{SL_SIGNAL_TRACES, SPAN("\"traceId\":\"5b8efff798038103d269b633813fc6\""), "\"5b8e",
	 "resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex digits"},
	{SL_SIGNAL_TRACES, SPAN("\"spanId\":\"eee19b7ec3c1b17x\""), "x\"",
	 "resourceSpans[0].scopeSpans[0].spans[0].spanId: invalid hex digit"},
	{SL_SIGNAL_TRACES, SPAN("\"spanId\":\"7u6bfsDBsXA=\""), "\"7u6",
	 "resourceSpans[0].scopeSpans[0].spans[0].spanId: expected 16 hex digits"},
	{SL_SIGNAL_LOGS, LOG("\"traceId\":12"), "12",
	 "resourceLogs[0].scopeLogs[0].logRecords[0].traceId: expected a string of 32 hex digits"},
	/* base64 */
	{SL_SIGNAL_TRACES, ATTR("{\"bytesValue\":\"3q2+7w*=\"}"), "*",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.bytesValue: "
	 "invalid base64 character"},
	{SL_SIGNAL_TRACES, ATTR("{\"bytesValue\":\"3q2+7\"}"), "\"3q2",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.bytesValue: "
	 "invalid base64 length"},
	{SL_SIGNAL_TRACES, ATTR("{\"bytesValue\":\"3q2+7w=\"}"), "\"3q2",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.bytesValue: "
	 "invalid base64 length"},
	{SL_SIGNAL_TRACES, ATTR("{\"bytesValue\":\"3q==2+7w\"}"), "2+7w",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.bytesValue: "
	 "invalid base64 padding"},
	/* wrong JSON type */
	{SL_SIGNAL_TRACES, SPAN("\"name\":5"), "5}",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: expected a string"},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":{}}", "{}",
	 "resourceSpans: expected an array"},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":[{\"resource\":[]}]}", "[]",
	 "resourceSpans[0].resource: expected an object"},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":[5]}", "5]",
	 "resourceSpans[0]: expected an object"},
	{SL_SIGNAL_TRACES, SPAN("\"kind\":true"), "true",
	 "resourceSpans[0].scopeSpans[0].spans[0].kind: expected an integer (a number or a decimal "
	 "string)"},
	{SL_SIGNAL_TRACES, ATTR("{\"boolValue\":\"true\"}"), "\"true",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.boolValue: expected true or "
	 "false"},
	{SL_SIGNAL_TRACES, ATTR("{\"doubleValue\":[]}"), "[]",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.doubleValue: expected a "
	 "number"},
	{SL_SIGNAL_METRICS, POINT("\"histogram\":{\"dataPoints\":[{\"bucketCounts\":[1,true]}]}"),
	 "true",
	 "resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[0].bucketCounts[1]: "
	 "expected an integer (a number or a decimal string)"},
	{SL_SIGNAL_TRACES,
	 "{\"resourceSpans\":[{\"resource\":{\"entityRefs\":[{\"idKeys\":[\"a\",1]}]}}]}",
	 "1]", "resourceSpans[0].resource.entityRefs[0].idKeys[1]: expected a string"},
	/* oneofs and duplicates */
	{SL_SIGNAL_TRACES, ATTR("{\"stringValue\":\"a\",\"intValue\":1}"), "\"intValue",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: a second member of "
	 "the same oneof"},
	{SL_SIGNAL_METRICS, POINT("\"gauge\":{},\"sum\":{}"), "\"sum",
	 "resourceMetrics[0].scopeMetrics[0].metrics[0].sum: a second member of the same oneof"},
	{SL_SIGNAL_METRICS,
	 POINT("\"gauge\":{\"dataPoints\":[{\"asInt\":1,\"as_double\":2}]}"), "\"as_double",
	 "resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].asDouble: a second "
	 "member of the same oneof"},
	{SL_SIGNAL_TRACES, SPAN("\"traceId\":\"\",\"trace_id\":\"\""), "\"trace_id",
	 "resourceSpans[0].scopeSpans[0].spans[0].traceId: duplicate field"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":null,\"name\":\"x\""), "\"name\":\"x",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: duplicate field"},
	/* numbers out of range, fractional, malformed */
	{SL_SIGNAL_TRACES, SPAN("\"droppedAttributesCount\":4294967296"), "4294967296",
	 "resourceSpans[0].scopeSpans[0].spans[0].droppedAttributesCount: integer out of range "
	 "for a uint32 field"},
	{SL_SIGNAL_TRACES, SPAN("\"droppedEventsCount\":-1"), "-1",
	 "resourceSpans[0].scopeSpans[0].spans[0].droppedEventsCount: integer out of range for a "
	 "uint32 field"},
	{SL_SIGNAL_TRACES, SPAN("\"flags\":\"1e10\""), "\"1e10",
	 "resourceSpans[0].scopeSpans[0].spans[0].flags: integer out of range for a uint32 field"},
	{SL_SIGNAL_TRACES, SPAN("\"kind\":2147483648"), "2147483648",
	 "resourceSpans[0].scopeSpans[0].spans[0].kind: integer out of range for an int32 field"},
	{SL_SIGNAL_METRICS,
	 POINT("\"exponentialHistogram\":{\"dataPoints\":[{\"scale\":-2147483649}]}"),
	 "-2147483649",
	 "resourceMetrics[0].scopeMetrics[0].metrics[0].exponentialHistogram.dataPoints[0].scale: "
	 "integer out of range for an int32 field"},
	{SL_SIGNAL_TRACES, ATTR("{\"intValue\":\"9223372036854775808\"}"), "\"9223",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.intValue: integer out of "
	 "range for an int64 field"},
	{SL_SIGNAL_TRACES, SPAN("\"startTimeUnixNano\":\"-1\""), "\"-1",
	 "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: integer out of range for a "
	 "uint64 field"},
	{SL_SIGNAL_TRACES, SPAN("\"startTimeUnixNano\":18446744073709551616"),
	 "18446744073709551616",
	 "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: integer out of range for a "
	 "uint64 field"},
	{SL_SIGNAL_TRACES, SPAN("\"startTimeUnixNano\":1e400"), "1e400",
	 "resourceSpans[0].scopeSpans[0].spans[0].startTimeUnixNano: integer out of range for a "
	 "uint64 field"},
	{SL_SIGNAL_TRACES, SPAN("\"droppedLinksCount\":1.5"), "1.5",
	 "resourceSpans[0].scopeSpans[0].spans[0].droppedLinksCount: not an integer"},
	{SL_SIGNAL_TRACES, SPAN("\"droppedLinksCount\":\" 1\""), "\" 1",
	 "resourceSpans[0].scopeSpans[0].spans[0].droppedLinksCount: expected a decimal integer in "
	 "the string"},
	{SL_SIGNAL_TRACES, SPAN("\"droppedLinksCount\":01"), "01",
	 "resourceSpans[0].scopeSpans[0].spans[0].droppedLinksCount: leading zeros are not allowed "
	 "in a number"},
	{SL_SIGNAL_TRACES, SPAN("\"droppedLinksCount\":1."), "1.",
	 "resourceSpans[0].scopeSpans[0].spans[0].droppedLinksCount: invalid number: no digit "
	 "after '.'"},
	{SL_SIGNAL_TRACES, ATTR("{\"doubleValue\":NaN}"), "NaN",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.doubleValue: expected a "
	 "number"},
	{SL_SIGNAL_TRACES, ATTR("{\"doubleValue\":1e309}"), "1e309",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.doubleValue: number out of "
	 "range for a double"},
	{SL_SIGNAL_TRACES, ATTR("{\"doubleValue\":\"nan\"}"), "\"nan",
	 "resourceSpans[0].scopeSpans[0].spans[0].attributes[0].value.doubleValue: expected a "
	 "number, \"NaN\", \"Infinity\" or \"-Infinity\""},
	{SL_SIGNAL_TRACES, SPAN("\"kind\":\"SERVER\""), "\"SERVER",
	 "resourceSpans[0].scopeSpans[0].spans[0].kind: unknown enum value name"},
	/* strings */
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"a\xff\""), "\xff",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: invalid UTF-8 in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"\xc0\x80\""), "\xc0",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: invalid UTF-8 in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"\xed\xa0\x80\""), "\xed",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: invalid UTF-8 in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"\xf4\x90\x80\x80\""), "\xf4",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: invalid UTF-8 in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"\xe2\x82\""), "\xe2",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: invalid UTF-8 in string"},
	{SL_SIGNAL_TRACES, SPAN("\"unknown\":\"\xe2\x82\""), "\xe2",
	 "resourceSpans[0].scopeSpans[0].spans[0].unknown: invalid UTF-8 in string"},
	{SL_SIGNAL_TRACES, SPAN("\"na\xffme\":1"), "\xff",
	 "resourceSpans[0].scopeSpans[0].spans[0]: invalid UTF-8 in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"a\\x\""), "\\x",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: invalid escape in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"\\u12G4\""), "\\u",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: invalid \\u escape in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"\\ud800x\""), "\\u",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: unpaired surrogate escape in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"\\udc00\""), "\\u",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: unpaired surrogate escape in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"\\ud800\\u0041\""), "\\u",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: unpaired surrogate escape in string"},
	{SL_SIGNAL_TRACES, SPAN("\"name\":\"a\tb\""), "\tb",
	 "resourceSpans[0].scopeSpans[0].spans[0].name: control character in string (must be "
	 "escaped)"},
	/* structure */
	{SL_SIGNAL_TRACES, "", "", "empty body: expected a JSON object"},
	{SL_SIGNAL_TRACES, " \n", "", "empty body: expected a JSON object"},
	{SL_SIGNAL_TRACES, "[]", "[", "expected '{' (the request object)"},
	{SL_SIGNAL_TRACES, "\xef\xbb\xbf{}", "\xef", "a UTF-8 byte order mark is not allowed"},
	{SL_SIGNAL_TRACES, "{} x", "x", "trailing data after the request object"},
	{SL_SIGNAL_TRACES, "{}[1]", "[1]", "trailing data after the request object"},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":[{},]}", "]}",
	 "resourceSpans[1]: expected an object"},
	{SL_SIGNAL_TRACES, "{\"a\":1,}", "}", "expected a key"},
	{SL_SIGNAL_TRACES, "{\"a\" 1}", "1}", "expected ':'"},
	{SL_SIGNAL_TRACES, "{\"a\":1 \"b\":2}", "\"b", "expected ',' or '}'"},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":[{} {}]}", "{}]",
	 "resourceSpans[0]: expected ',' or ']'"},
	{SL_SIGNAL_TRACES, "{\"a\":tru}", "tru", "a: invalid literal"},
	{SL_SIGNAL_TRACES, "{\"a\":nul}", "nul", "a: invalid literal"},
	{SL_SIGNAL_TRACES, "{\"a\":-}", "-}", "a: invalid number"},
	{SL_SIGNAL_TRACES, "{\"a\":+1}", "+1", "a: expected a JSON value"},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":[null]}", "null",
	 "resourceSpans[0]: null is not allowed in an array"},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":[{\"schemaUrl\":\"x", "\"x",
	 "resourceSpans[0].schemaUrl: unterminated string"},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":[{\"schemaUrl\":", "",
	 "resourceSpans[0]: unexpected end of input: expected a value"},
	{SL_SIGNAL_TRACES, "{\"resourceSpans\":[{\"schemaUrl\":\"x\"}", "",
	 "resourceSpans[0]: unexpected end of input"},
	{SL_SIGNAL_TRACES, "{\"x\":{\"y\":[1,{\"z\":[", "",
	 "x.y[1].z: unexpected end of input"},
	/* the brief's example: a path through several arrays */
	{SL_SIGNAL_TRACES,
	 "{\"resourceSpans\":[{\"scopeSpans\":[{},{\"spans\":[{},{},{},{\"traceId\":\"abc\"}]}]}]}",
	 "\"abc", "resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32 hex digits"},
};

/* Where the expected error is: the first occurrence of b->at, or the end of the JSON. */
static size_t
bad_off(const struct bad *b)
{
	const char *at;

	if (b->at[0] == '\0')
		return strlen(b->json);
	at = strstr(b->json, b->at);
	if (at == NULL)
		fail_msg("table error: \"%s\" not in %s", b->at, b->json);
	return (size_t)(at - b->json);
}

static void
test_errors(void **state)
{
	struct sl_otlp_json_err err;
	char want[512];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		const struct bad *b = &bads[i];
		size_t off = bad_off(b);
		int rc = j2p(b->sig, b->json, &n, &err);

		snprintf(want, sizeof(want), "%s at byte %zu", b->msg, off);
		if (rc != -EBADMSG || err.off != off || strcmp(err.msg, want) != 0)
			fail_msg("bad %zu: %s\n  rc %d off %zu: %s\n  want off %zu: %s", i,
				 b->json, rc, err.off, err.msg, off, want);
	}
}

/* Depth bombs: JSON nesting (unknown fields) and message nesting (kvlists) both stop. */
static void
test_depth(void **state)
{
	struct sl_otlp_json_opts o = {0};
	struct sl_otlp_json_err err;
	char *j = malloc(1 << 20), *p;
	ProtobufCMessage *m;
	size_t n, i;
	int rc;

	(void)state;
	assert_non_null(j);
	/* 100000 '[' under an unknown key: refused at level 65 */
	p = j + sprintf(j, "{\"x\":");
	for (i = 0; i < 100000; i++)
		*p++ = '[';
	*p = '\0';
	rc = j2p(SL_SIGNAL_TRACES, j, &n, &err);
	assert_int_equal(rc, -EBADMSG);
	assert_int_equal(err.off, 5 + 63);
	assert_non_null(strstr(err.msg, "JSON nested deeper than 64 levels"));
	assert_non_null(strstr(err.msg, "x[0][0][0]"));
	assert_true(strlen(err.msg) < sizeof(err.msg));
	assert_non_null(strstr(err.msg, "...")); /* a long path keeps its ends */

	/* kvlists in kvlists: the message depth (32, the walker's) binds first */
	p = j + sprintf(j, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[");
	for (i = 0; i < 20; i++)
		p += sprintf(p, "{\"key\":\"k\",\"value\":{\"kvlistValue\":{\"values\":[");
	*p = '\0';
	rc = j2p(SL_SIGNAL_TRACES, j, &n, &err);
	assert_int_equal(rc, -EBADMSG);
	assert_non_null(strstr(err.msg, "messages nested deeper than 32 levels"));
	assert_non_null(strstr(err.msg, "kvlistValue"));

	/* 8 levels of kvlists fit (the golden has 5); with max_msg_depth 8 they do not */
	p = j + sprintf(j, "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"attributes\":[");
	for (i = 0; i < 8; i++)
		p += sprintf(p, "{\"key\":\"k\",\"value\":{\"kvlistValue\":{\"values\":[");
	for (i = 0; i < 8; i++)
		p += sprintf(p, "]}}}");
	sprintf(p, "]}]}]}]}");
	assert_int_equal(j2p(SL_SIGNAL_TRACES, j, &n, &err), 0);
	m = unpack(SL_SIGNAL_TRACES, out, n);
	assert_non_null(m);
	protobuf_c_message_free_unpacked(m, NULL);
	o.max_msg_depth = 8;
	assert_int_equal(sl_otlp_json_to_pb_opts(SL_SIGNAL_TRACES, (const uint8_t *)j, strlen(j),
						 out, OUT_CAP, &n, &o, &err),
			 -EBADMSG);
	o.max_msg_depth = 0;
	o.max_depth = 10;
	assert_int_equal(sl_otlp_json_to_pb_opts(SL_SIGNAL_TRACES, (const uint8_t *)j, strlen(j),
						 out, OUT_CAP, &n, &o, &err),
			 -EBADMSG);
	assert_non_null(strstr(err.msg, "JSON nested deeper than 10 levels"));
	o.max_depth = SL_OTLP_JSON_DEPTH_MAX + 1;
	assert_int_equal(sl_otlp_json_to_pb_opts(SL_SIGNAL_TRACES, (const uint8_t *)j, strlen(j),
						 out, OUT_CAP, &n, &o, &err),
			 -EINVAL);
	free(j);
}

static void
test_bad_args(void **state)
{
	struct sl_otlp_json_err err;
	char j[16];
	size_t n;

	(void)state;
	assert_int_equal(sl_otlp_json_to_pb(SL_SIGNAL_MAX, (const uint8_t *)"{}", 2, out, 8, &n,
					    &err),
			 -EINVAL);
	assert_int_equal(sl_otlp_json_to_pb(SL_SIGNAL_LOGS, (const uint8_t *)"{}", 2, out, 8, NULL,
					    &err),
			 -EINVAL);
	assert_int_equal(sl_otlp_json_to_pb(SL_SIGNAL_LOGS, NULL, 2, out, 8, &n, &err), -EINVAL);
	assert_int_equal(sl_otlp_json_to_pb(SL_SIGNAL_LOGS, NULL, 0, out, 8, &n, NULL), -EBADMSG);
	assert_int_equal(sl_otlp_pb_to_json(SL_SIGNAL_TRACES, NULL, 0, j, 0, &n), -EINVAL);
}

/* ---- protobuf to JSON ---- */

/* Prepends to buf[at..cap) the tag and length of a field holding it; returns the new start. */
static size_t
wrap(uint8_t *buf, size_t cap, size_t at, uint8_t tag)
{
	uint8_t v[10];
	size_t len = cap - at, n = 0;

	do {
		v[n++] = (uint8_t)(len & 0x7f) | (len >= 0x80 ? 0x80 : 0);
		len >>= 7;
	} while (len != 0);
	at -= n;
	memcpy(buf + at, v, n);
	buf[--at] = tag;
	return at;
}

static void
test_pb_to_json(void **state)
{
	char *j = malloc(OUT_CAP);
	size_t n, full, cap;

	(void)state;
	assert_non_null(j);
	/* an empty request */
	assert_int_equal(sl_otlp_pb_to_json(SL_SIGNAL_TRACES, NULL, 0, j, 3, &n), 0);
	assert_string_equal(j, "{}");
	assert_int_equal(sl_otlp_pb_to_json(SL_SIGNAL_TRACES, NULL, 0, j, 2, &n), -E2BIG);
	/* not protobuf: a truncated length */
	assert_int_equal(sl_otlp_pb_to_json(SL_SIGNAL_TRACES, (const uint8_t *)"\x0a\x05\x01", 3, j,
					    OUT_CAP, &n),
			 -EBADMSG);
	/* a nesting bomb never reaches protobuf-c's recursive unpack */
	{
		const size_t cap_b = 1 << 20;
		uint8_t *bomb = malloc(cap_b);
		size_t at = cap_b, k;
		int rc;

		assert_non_null(bomb);
		/* a log body of AnyValue{array_value: {values: AnyValue{...}}}, 100000 deep */
		for (k = 0; k < 100000; k++)
			at = wrap(bomb, cap_b, at, k % 2 ? 0x2a : 0x0a);
		at = wrap(bomb, cap_b, at, 0x2a); /* LogRecord.body */
		at = wrap(bomb, cap_b, at, 0x12); /* ScopeLogs.log_records */
		at = wrap(bomb, cap_b, at, 0x12); /* ResourceLogs.scope_logs */
		at = wrap(bomb, cap_b, at, 0x0a); /* request.resource_logs */
		rc = sl_otlp_pb_to_json(SL_SIGNAL_LOGS, bomb + at, cap_b - at, j, OUT_CAP, &n);
		assert_int_equal(rc, -EBADMSG);
		/* 20 levels are fine */
		for (at = cap_b, k = 0; k < 20; k++)
			at = wrap(bomb, cap_b, at, k % 2 ? 0x2a : 0x0a);
		at = wrap(bomb, cap_b, at, 0x2a);
		at = wrap(bomb, cap_b, at, 0x12);
		at = wrap(bomb, cap_b, at, 0x12);
		at = wrap(bomb, cap_b, at, 0x0a);
		rc = sl_otlp_pb_to_json(SL_SIGNAL_LOGS, bomb + at, cap_b - at, j, OUT_CAP, &n);
		assert_int_equal(rc, 0);
		assert_non_null(strstr(j, "\"body\":{\"arrayValue\":{\"values\":[{\"arrayValue\""));
		free(bomb);
	}
	/* every capacity short of the JSON and its NUL fails, cleanly */
	assert_int_equal(sl_otlp_pb_to_json(SL_SIGNAL_METRICS, gold_pb[SL_SIGNAL_METRICS].b,
					    gold_pb[SL_SIGNAL_METRICS].n, j, OUT_CAP, &full),
			 0);
	for (cap = 1; cap <= full + 1; cap++) {
		int rc;

		memset(j, 0x5a, full + 16);
		rc = sl_otlp_pb_to_json(SL_SIGNAL_METRICS, gold_pb[SL_SIGNAL_METRICS].b,
					gold_pb[SL_SIGNAL_METRICS].n, j, cap, &n);
		assert_int_equal(rc, cap <= full ? -E2BIG : 0);
		assert_true((unsigned char)j[cap] == 0x5a);
	}
	assert_int_equal(n, full);
	/* strings: escapes out, invalid UTF-8 as U+FFFD; ids in hex, other bytes in base64 */
	{
		static const uint8_t pb[] = {
			0x0a, 0x21,                                     /* resource_spans */
			0x12, 0x1f,                                     /* scope_spans */
			0x12, 0x1d,                                     /* spans */
			0x12, 0x02, 0xab, 0xcd,                         /* span_id (short, hex) */
			0x2a, 0x07, 'a', '"', '\\', 0x01, '\n', 0xff, 'z', /* name */
			0x4a, 0x0e,                                     /* attributes */
			0x0a, 0x01, 'b',                                /* key */
			0x12, 0x09,                                     /* value */
			0x21, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f,             /* double_value: inf */
		};
		const char *want =
			"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"spanId\":\"abcd\","
			"\"name\":\"a\\\"\\\\\\u0001\\n\xef\xbf\xbdz\",\"attributes\":[{\"key\":"
			"\"b\",\"value\":{\"doubleValue\":\"Infinity\"}}]}]}]}]}";

		assert_int_equal(
			sl_otlp_pb_to_json(SL_SIGNAL_TRACES, pb, sizeof(pb), j, OUT_CAP, &n), 0);
		assert_string_equal(j, want);
	}
	free(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_golden_json_fresh),
		cmocka_unit_test(test_golden_roundtrip),
		cmocka_unit_test(test_variants),
		cmocka_unit_test(test_truncations),
		cmocka_unit_test(test_small_buffer),
		cmocka_unit_test(test_exact_cap_packed),
		cmocka_unit_test(test_pairs),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_metric_values),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_pb_to_json),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
