/* SPDX-License-Identifier: BSD-3-Clause */
/* OTLP/JSON bodies to protobuf wire format (fast path) and protobuf back to OTLP/JSON (tools). */

/*
 * Design
 * ======
 *
 * What it does. sl_otlp_json_to_pb() reads an OTLP/JSON request once, left
 * to right, and writes the protobuf encoding of the same request into the
 * caller's buffer as it goes. Everything after it (walker, routing by
 * Resource* byte ranges, batches, segment store) then sees a protobuf body,
 * so JSON costs one pass and the rest of the pipeline has one format.
 *
 * Layout of a transcoding:
 *
 *   json  {"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8e...
 *                                                          ^p
 *   frames[0]  OBJ   ExportTraceServiceRequest  (root: no length prefix)
 *   frames[1]  ARR   resourceSpans, element [0]  (repeated message: no bytes)
 *   frames[2]  OBJ   ResourceSpans             len_at ─┐
 *   frames[3]  ARR   scopeSpans [0]                     │
 *   frames[4]  OBJ   ScopeSpans                len_at ─┼─┐
 *   frames[5]  ARR   spans [0]                          │ │
 *   top ->     OBJ   Span                      len_at ─┼─┼─┐
 *                                                      v v v
 *   out   0a [L] 12 [L] 12 [L] 0a 10 5b 8e ...         (one byte reserved per open length)
 *
 * The schema is data: a table per message type of (camelCase name,
 * snake_case name, field number, kind, sub-message or enum, oneof group).
 * The loop is a state machine over an explicit frame stack: one frame per
 * open JSON object or array, bounded by max_depth, so hostile nesting costs
 * at most max_depth frames of stack and never recursion. Unknown keys push
 * SKIP frames, which validate the JSON they skip but emit nothing.
 *
 * Lengths. A nested message's length is known only at its closing brace.
 * We reserve one byte for it, and at the close, when the body is 128 bytes
 * or more, move the body up by the 1..4 extra bytes the varint needs. So
 * every length is minimal (canonical) and there is one pass. The cost is a
 * memmove per enclosing message of 128+ bytes: each output byte moves about
 * once per such level (resource, scope, span: ~3 times), at memmove speed,
 * small next to parsing (measured: docs/otlp-json.md). Packed repeated
 * scalars (bucketCounts, explicitBounds) are done the same way; their field
 * opens at the first element, so [] writes nothing.
 *
 * Invariants:
 *  - out[0..o) is always the valid encoding of everything closed so far plus
 *    a reserved length byte for each open message; nothing is written past
 *    cap: every write checks the room first and fails with -E2BIG. Nothing
 *    written is ever taken back, so a body whose protobuf is exactly cap
 *    bytes fits (the fuzz target checks cap = size and size - 1).
 *  - Output fields come in the order of the JSON keys (any order is valid
 *    protobuf). A JSON written in field-number order, as sl_otlp_pb_to_json()
 *    writes it, gives byte for byte what protobuf-c packs (the unit tests
 *    check this on the goldens).
 *  - A proto3 default (0, false, "", +0.0, empty id) is omitted, as
 *    protobuf-c does, except for oneof members and proto3 optional fields
 *    (AnyValue arms, asInt/asDouble, histogram sum/min/max), which are kept
 *    when present even if zero: there, presence is the information. -0.0 is
 *    kept (its sign bit is information; protobuf C++ keeps it too).
 *  - Every error names the byte offset in the JSON and the field path.
 *
 * What is refused (-EBADMSG): anything not RFC 8259 JSON (incl. invalid
 * UTF-8, lone surrogates, control characters in strings, leading zeros,
 * trailing commas, trailing data); a known field whose JSON type does not
 * fit; duplicate keys (incl. "traceId" with "trace_id"); two non-null members
 * of one oneof; integers that are fractional or out of their field's range;
 * doubles out of range; ids not exactly 32/16 hex digits (empty = absent);
 * bad base64; unknown enum names; null inside an array; nesting over the
 * limits. Unknown keys are skipped (their values still validated as JSON).
 *
 * Ownership: reads json, writes out[0..cap) and *err only. All state is on
 * the stack (~5 KiB for the 128-frame stack): any number of cores may
 * transcode at once. No malloc, lock, syscall or stdio; doubles that the
 * exact fast path (<= 15 significant digits, |exponent| <= 22) cannot
 * convert go to strtod() (no allocation in glibc; "C" numeric locale
 * assumed: the dataplane never calls setlocale()).
 *
 * Rejected alternatives:
 *  - A DOM (parse to a tree, then encode with sizes known): allocates per
 *    node, or needs a node arena sized for the worst body, and reads every
 *    byte twice.
 *  - Two passes, the first computing every message size into a side array:
 *    the array is unbounded (one entry per message) or must be sized for the
 *    worst case, and JSON parsing, the expensive part, is done twice.
 *  - Reserving 5 length bytes and compacting at the end: non-canonical while
 *    building and a full extra pass to compact.
 *  - A JSON library (jansson, yyjson): allocating DOMs, and we would still
 *    need the schema walk; simdjson-style validation would help only the
 *    scanning part, which is not where the time goes.
 *  - Emitting fields in field-number order: needs buffering of reordered
 *    members; the walker and every protobuf parser take any order.
 *
 * Measured (perf/json_bench.c: spans of ~710 JSON / ~314 protobuf bytes, 7
 * attributes, ids, times, flags, status; best of 7 rounds, gcc 12 -O2, AMD
 * EPYC under KVM, 2.6 GHz TSC, a shared host: expect +-30%):
 *   ninja -C build perf/json_bench && taskset -c 1 build/perf/json_bench tests/data
 *   ~1320 TSC cycles (~510 ns) per span, ~1.4 GB/s of JSON, at 10..1000 spans
 *   per request; the goldens (every AnyValue type, nesting) ~1.0-1.2 GB/s.
 *   The length fix-ups (memmove) were 1.3% of the profile (perf record).
 * About 16x the walker's cost per span on the same content: JSON is the
 * slow lane by nature; docs/otlp-json.md has the table.
 *
 * sl_otlp_pb_to_json() is the slow-path inverse for tools: protobuf-c
 * unpacks, and a generic walk over protobuf-c's descriptors writes JSON in
 * field-number order, with the OTLP deviations from proto3 JSON (hex ids,
 * integer enums). An iterative pre-walk bounds the nesting first, since
 * protobuf-c's unpack recurses without a limit.
 */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h> /* snprintf: sl_otlp_pb_to_json() only */
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "proto/otlp_json.h"
#include "proto/otlp_walk_types.h"
#include "sl_common.h"

/* The walker runs on every transcoded body: its depth bounds must not be the tighter ones. */
_Static_assert(SL_OTLP_JSON_MSG_DEPTH_DEFAULT == SL_OTLP_WALK_DEPTH_DEFAULT &&
		       SL_OTLP_JSON_MSG_DEPTH_MAX == SL_OTLP_WALK_DEPTH_MAX,
	       "keep the JSON message depth limits equal to the walker's");

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "fixed64/double output and the string scanner assume little-endian"
#endif

/* ---- schema ---- */

/* How a field's JSON value becomes protobuf. */
enum kind {
	K_MSG,       /* singular message: JSON object */
	K_MSG_REP,   /* repeated message: array of objects */
	K_STR,       /* string */
	K_STR_REP,   /* repeated string */
	K_B64,       /* bytes as base64 (AnyValue.bytesValue) */
	K_ID16,      /* bytes as 32 hex digits (trace ids) */
	K_ID8,       /* bytes as 16 hex digits (span ids) */
	K_BOOL,      /* varint 0/1 */
	K_INT64,     /* varint, two's complement */
	K_UINT32,    /* varint */
	K_UINT64,    /* varint (only as an element of K_UINT64_PACKED) */
	K_ENUM,      /* varint, int32 range; integer or enum name */
	K_SINT32,    /* zigzag varint */
	K_FIXED32,   /* 4 bytes */
	K_FIXED64,   /* 8 bytes, uint64 */
	K_SFIXED64,  /* 8 bytes, int64 */
	K_DOUBLE,    /* 8 bytes */
	K_FIXED64_P, /* packed repeated fixed64 */
	K_DOUBLE_P,  /* packed repeated double */
	K_UINT64_P,  /* packed repeated uint64 */
};

/* Message types (index into msgs[]). */
enum msg {
	M_TRACES_REQ,
	M_METRICS_REQ,
	M_LOGS_REQ,
	M_RESOURCE,
	M_ENTITY_REF,
	M_SCOPE,
	M_KV,
	M_ANY,
	M_ARRAY,
	M_KVLIST,
	M_RS,
	M_SS,
	M_SPAN,
	M_EVENT,
	M_LINK,
	M_STATUS,
	M_RM,
	M_SM,
	M_METRIC,
	M_GAUGE,
	M_SUM,
	M_HIST,
	M_EXPHIST,
	M_SUMMARY,
	M_NDP,
	M_HDP,
	M_EHDP,
	M_BUCKETS,
	M_SDP,
	M_QUANTILE,
	M_EXEMPLAR,
	M_RL,
	M_SL,
	M_LR,
	M_COUNT,
};

/* Enum types (index into enums[]), in jfield.sub of K_ENUM fields. */
enum enum_type {
	E_SPAN_KIND,
	E_STATUS_CODE,
	E_TEMPORALITY,
	E_SEVERITY,
};

/*
 * One field. snake is NULL when the proto name equals the camelCase name.
 * oneof: 0, or the group (1..31) of a oneof or proto3 optional field, whose
 * members are emitted whenever present, zero or not.
 */
struct jfield {
	const char *camel;
	const char *snake;
	uint8_t clen, slen;
	uint8_t num, kind, sub, oneof;
};

struct jmsg {
	const struct jfield *f;
	uint8_t n;
};

#define F2(c, s, num, kind, sub, oneof) {c, s, sizeof(c) - 1, sizeof(s) - 1, num, kind, sub, oneof}
#define F1(c, num, kind, sub, oneof)    {c, NULL, sizeof(c) - 1, 0, num, kind, sub, oneof}

static const struct jfield f_traces_req[] = {
	F2("resourceSpans", "resource_spans", 1, K_MSG_REP, M_RS, 0),
};
static const struct jfield f_metrics_req[] = {
	F2("resourceMetrics", "resource_metrics", 1, K_MSG_REP, M_RM, 0),
};
static const struct jfield f_logs_req[] = {
	F2("resourceLogs", "resource_logs", 1, K_MSG_REP, M_RL, 0),
};
static const struct jfield f_resource[] = {
	F1("attributes", 1, K_MSG_REP, M_KV, 0),
	F2("droppedAttributesCount", "dropped_attributes_count", 2, K_UINT32, 0, 0),
	F2("entityRefs", "entity_refs", 3, K_MSG_REP, M_ENTITY_REF, 0),
};
static const struct jfield f_entity_ref[] = {
	F2("schemaUrl", "schema_url", 1, K_STR, 0, 0),
	F1("type", 2, K_STR, 0, 0),
	F2("idKeys", "id_keys", 3, K_STR_REP, 0, 0),
	F2("descriptionKeys", "description_keys", 4, K_STR_REP, 0, 0),
};
static const struct jfield f_scope[] = {
	F1("name", 1, K_STR, 0, 0),
	F1("version", 2, K_STR, 0, 0),
	F1("attributes", 3, K_MSG_REP, M_KV, 0),
	F2("droppedAttributesCount", "dropped_attributes_count", 4, K_UINT32, 0, 0),
};
static const struct jfield f_kv[] = {
	F1("key", 1, K_STR, 0, 0),
	F1("value", 2, K_MSG, M_ANY, 0),
};
static const struct jfield f_any[] = {
	F2("stringValue", "string_value", 1, K_STR, 0, 1),
	F2("boolValue", "bool_value", 2, K_BOOL, 0, 1),
	F2("intValue", "int_value", 3, K_INT64, 0, 1),
	F2("doubleValue", "double_value", 4, K_DOUBLE, 0, 1),
	F2("arrayValue", "array_value", 5, K_MSG, M_ARRAY, 1),
	F2("kvlistValue", "kvlist_value", 6, K_MSG, M_KVLIST, 1),
	F2("bytesValue", "bytes_value", 7, K_B64, 0, 1),
};
static const struct jfield f_array[] = {
	F1("values", 1, K_MSG_REP, M_ANY, 0),
};
static const struct jfield f_kvlist[] = {
	F1("values", 1, K_MSG_REP, M_KV, 0),
};
static const struct jfield f_rs[] = {
	F1("resource", 1, K_MSG, M_RESOURCE, 0),
	F2("scopeSpans", "scope_spans", 2, K_MSG_REP, M_SS, 0),
	F2("schemaUrl", "schema_url", 3, K_STR, 0, 0),
};
static const struct jfield f_ss[] = {
	F1("scope", 1, K_MSG, M_SCOPE, 0),
	F1("spans", 2, K_MSG_REP, M_SPAN, 0),
	F2("schemaUrl", "schema_url", 3, K_STR, 0, 0),
};
static const struct jfield f_span[] = {
	F2("traceId", "trace_id", 1, K_ID16, 0, 0),
	F2("spanId", "span_id", 2, K_ID8, 0, 0),
	F2("traceState", "trace_state", 3, K_STR, 0, 0),
	F2("parentSpanId", "parent_span_id", 4, K_ID8, 0, 0),
	F1("name", 5, K_STR, 0, 0),
	F1("kind", 6, K_ENUM, E_SPAN_KIND, 0),
	F2("startTimeUnixNano", "start_time_unix_nano", 7, K_FIXED64, 0, 0),
	F2("endTimeUnixNano", "end_time_unix_nano", 8, K_FIXED64, 0, 0),
	F1("attributes", 9, K_MSG_REP, M_KV, 0),
	F2("droppedAttributesCount", "dropped_attributes_count", 10, K_UINT32, 0, 0),
	F1("events", 11, K_MSG_REP, M_EVENT, 0),
	F2("droppedEventsCount", "dropped_events_count", 12, K_UINT32, 0, 0),
	F1("links", 13, K_MSG_REP, M_LINK, 0),
	F2("droppedLinksCount", "dropped_links_count", 14, K_UINT32, 0, 0),
	F1("status", 15, K_MSG, M_STATUS, 0),
	F1("flags", 16, K_FIXED32, 0, 0),
};
static const struct jfield f_event[] = {
	F2("timeUnixNano", "time_unix_nano", 1, K_FIXED64, 0, 0),
	F1("name", 2, K_STR, 0, 0),
	F1("attributes", 3, K_MSG_REP, M_KV, 0),
	F2("droppedAttributesCount", "dropped_attributes_count", 4, K_UINT32, 0, 0),
};
static const struct jfield f_link[] = {
	F2("traceId", "trace_id", 1, K_ID16, 0, 0),
	F2("spanId", "span_id", 2, K_ID8, 0, 0),
	F2("traceState", "trace_state", 3, K_STR, 0, 0),
	F1("attributes", 4, K_MSG_REP, M_KV, 0),
	F2("droppedAttributesCount", "dropped_attributes_count", 5, K_UINT32, 0, 0),
	F1("flags", 6, K_FIXED32, 0, 0),
};
static const struct jfield f_status[] = {
	F1("message", 2, K_STR, 0, 0),
	F1("code", 3, K_ENUM, E_STATUS_CODE, 0),
};
static const struct jfield f_rm[] = {
	F1("resource", 1, K_MSG, M_RESOURCE, 0),
	F2("scopeMetrics", "scope_metrics", 2, K_MSG_REP, M_SM, 0),
	F2("schemaUrl", "schema_url", 3, K_STR, 0, 0),
};
static const struct jfield f_sm[] = {
	F1("scope", 1, K_MSG, M_SCOPE, 0),
	F1("metrics", 2, K_MSG_REP, M_METRIC, 0),
	F2("schemaUrl", "schema_url", 3, K_STR, 0, 0),
};
static const struct jfield f_metric[] = {
	F1("name", 1, K_STR, 0, 0),
	F1("description", 2, K_STR, 0, 0),
	F1("unit", 3, K_STR, 0, 0),
	F1("gauge", 5, K_MSG, M_GAUGE, 1),
	F1("sum", 7, K_MSG, M_SUM, 1),
	F1("histogram", 9, K_MSG, M_HIST, 1),
	F2("exponentialHistogram", "exponential_histogram", 10, K_MSG, M_EXPHIST, 1),
	F1("summary", 11, K_MSG, M_SUMMARY, 1),
	F1("metadata", 12, K_MSG_REP, M_KV, 0),
};
static const struct jfield f_gauge[] = {
	F2("dataPoints", "data_points", 1, K_MSG_REP, M_NDP, 0),
};
static const struct jfield f_sum[] = {
	F2("dataPoints", "data_points", 1, K_MSG_REP, M_NDP, 0),
	F2("aggregationTemporality", "aggregation_temporality", 2, K_ENUM, E_TEMPORALITY, 0),
	F2("isMonotonic", "is_monotonic", 3, K_BOOL, 0, 0),
};
static const struct jfield f_hist[] = {
	F2("dataPoints", "data_points", 1, K_MSG_REP, M_HDP, 0),
	F2("aggregationTemporality", "aggregation_temporality", 2, K_ENUM, E_TEMPORALITY, 0),
};
static const struct jfield f_exphist[] = {
	F2("dataPoints", "data_points", 1, K_MSG_REP, M_EHDP, 0),
	F2("aggregationTemporality", "aggregation_temporality", 2, K_ENUM, E_TEMPORALITY, 0),
};
static const struct jfield f_summary[] = {
	F2("dataPoints", "data_points", 1, K_MSG_REP, M_SDP, 0),
};
static const struct jfield f_ndp[] = {
	F1("attributes", 7, K_MSG_REP, M_KV, 0),
	F2("startTimeUnixNano", "start_time_unix_nano", 2, K_FIXED64, 0, 0),
	F2("timeUnixNano", "time_unix_nano", 3, K_FIXED64, 0, 0),
	F2("asDouble", "as_double", 4, K_DOUBLE, 0, 1),
	F2("asInt", "as_int", 6, K_SFIXED64, 0, 1),
	F1("exemplars", 5, K_MSG_REP, M_EXEMPLAR, 0),
	F1("flags", 8, K_UINT32, 0, 0),
};
static const struct jfield f_hdp[] = {
	F1("attributes", 9, K_MSG_REP, M_KV, 0),
	F2("startTimeUnixNano", "start_time_unix_nano", 2, K_FIXED64, 0, 0),
	F2("timeUnixNano", "time_unix_nano", 3, K_FIXED64, 0, 0),
	F1("count", 4, K_FIXED64, 0, 0),
	F1("sum", 5, K_DOUBLE, 0, 1),
	F2("bucketCounts", "bucket_counts", 6, K_FIXED64_P, 0, 0),
	F2("explicitBounds", "explicit_bounds", 7, K_DOUBLE_P, 0, 0),
	F1("exemplars", 8, K_MSG_REP, M_EXEMPLAR, 0),
	F1("flags", 10, K_UINT32, 0, 0),
	F1("min", 11, K_DOUBLE, 0, 2),
	F1("max", 12, K_DOUBLE, 0, 3),
};
static const struct jfield f_ehdp[] = {
	F1("attributes", 1, K_MSG_REP, M_KV, 0),
	F2("startTimeUnixNano", "start_time_unix_nano", 2, K_FIXED64, 0, 0),
	F2("timeUnixNano", "time_unix_nano", 3, K_FIXED64, 0, 0),
	F1("count", 4, K_FIXED64, 0, 0),
	F1("sum", 5, K_DOUBLE, 0, 1),
	F1("scale", 6, K_SINT32, 0, 0),
	F2("zeroCount", "zero_count", 7, K_FIXED64, 0, 0),
	F1("positive", 8, K_MSG, M_BUCKETS, 0),
	F1("negative", 9, K_MSG, M_BUCKETS, 0),
	F1("flags", 10, K_UINT32, 0, 0),
	F1("exemplars", 11, K_MSG_REP, M_EXEMPLAR, 0),
	F1("min", 12, K_DOUBLE, 0, 2),
	F1("max", 13, K_DOUBLE, 0, 3),
	F2("zeroThreshold", "zero_threshold", 14, K_DOUBLE, 0, 0),
};
static const struct jfield f_buckets[] = {
	F1("offset", 1, K_SINT32, 0, 0),
	F2("bucketCounts", "bucket_counts", 2, K_UINT64_P, 0, 0),
};
static const struct jfield f_sdp[] = {
	F1("attributes", 7, K_MSG_REP, M_KV, 0),
	F2("startTimeUnixNano", "start_time_unix_nano", 2, K_FIXED64, 0, 0),
	F2("timeUnixNano", "time_unix_nano", 3, K_FIXED64, 0, 0),
	F1("count", 4, K_FIXED64, 0, 0),
	F1("sum", 5, K_DOUBLE, 0, 0),
	F2("quantileValues", "quantile_values", 6, K_MSG_REP, M_QUANTILE, 0),
	F1("flags", 8, K_UINT32, 0, 0),
};
static const struct jfield f_quantile[] = {
	F1("quantile", 1, K_DOUBLE, 0, 0),
	F1("value", 2, K_DOUBLE, 0, 0),
};
static const struct jfield f_exemplar[] = {
	F2("filteredAttributes", "filtered_attributes", 7, K_MSG_REP, M_KV, 0),
	F2("timeUnixNano", "time_unix_nano", 2, K_FIXED64, 0, 0),
	F2("asDouble", "as_double", 3, K_DOUBLE, 0, 1),
	F2("asInt", "as_int", 6, K_SFIXED64, 0, 1),
	F2("spanId", "span_id", 4, K_ID8, 0, 0),
	F2("traceId", "trace_id", 5, K_ID16, 0, 0),
};
static const struct jfield f_rl[] = {
	F1("resource", 1, K_MSG, M_RESOURCE, 0),
	F2("scopeLogs", "scope_logs", 2, K_MSG_REP, M_SL, 0),
	F2("schemaUrl", "schema_url", 3, K_STR, 0, 0),
};
static const struct jfield f_sl[] = {
	F1("scope", 1, K_MSG, M_SCOPE, 0),
	F2("logRecords", "log_records", 2, K_MSG_REP, M_LR, 0),
	F2("schemaUrl", "schema_url", 3, K_STR, 0, 0),
};
static const struct jfield f_lr[] = {
	F2("timeUnixNano", "time_unix_nano", 1, K_FIXED64, 0, 0),
	F2("observedTimeUnixNano", "observed_time_unix_nano", 11, K_FIXED64, 0, 0),
	F2("severityNumber", "severity_number", 2, K_ENUM, E_SEVERITY, 0),
	F2("severityText", "severity_text", 3, K_STR, 0, 0),
	F1("body", 5, K_MSG, M_ANY, 0),
	F1("attributes", 6, K_MSG_REP, M_KV, 0),
	F2("droppedAttributesCount", "dropped_attributes_count", 7, K_UINT32, 0, 0),
	F1("flags", 8, K_FIXED32, 0, 0),
	F2("traceId", "trace_id", 9, K_ID16, 0, 0),
	F2("spanId", "span_id", 10, K_ID8, 0, 0),
	F2("eventName", "event_name", 12, K_STR, 0, 0),
};

#define MSG(t) {t, (uint8_t)SL_ARRAY_SIZE(t)}
static const struct jmsg msgs[M_COUNT] = {
	[M_TRACES_REQ] = MSG(f_traces_req), [M_METRICS_REQ] = MSG(f_metrics_req),
	[M_LOGS_REQ] = MSG(f_logs_req),     [M_RESOURCE] = MSG(f_resource),
	[M_ENTITY_REF] = MSG(f_entity_ref), [M_SCOPE] = MSG(f_scope),
	[M_KV] = MSG(f_kv),                 [M_ANY] = MSG(f_any),
	[M_ARRAY] = MSG(f_array),           [M_KVLIST] = MSG(f_kvlist),
	[M_RS] = MSG(f_rs),                 [M_SS] = MSG(f_ss),
	[M_SPAN] = MSG(f_span),             [M_EVENT] = MSG(f_event),
	[M_LINK] = MSG(f_link),             [M_STATUS] = MSG(f_status),
	[M_RM] = MSG(f_rm),                 [M_SM] = MSG(f_sm),
	[M_METRIC] = MSG(f_metric),         [M_GAUGE] = MSG(f_gauge),
	[M_SUM] = MSG(f_sum),               [M_HIST] = MSG(f_hist),
	[M_EXPHIST] = MSG(f_exphist),       [M_SUMMARY] = MSG(f_summary),
	[M_NDP] = MSG(f_ndp),               [M_HDP] = MSG(f_hdp),
	[M_EHDP] = MSG(f_ehdp),             [M_BUCKETS] = MSG(f_buckets),
	[M_SDP] = MSG(f_sdp),               [M_QUANTILE] = MSG(f_quantile),
	[M_EXEMPLAR] = MSG(f_exemplar),     [M_RL] = MSG(f_rl),
	[M_SL] = MSG(f_sl),                 [M_LR] = MSG(f_lr),
};

/* Enum value names, indexed by value (all four enums are dense from 0). */
static const char *const span_kind_names[] = {
	"SPAN_KIND_UNSPECIFIED", "SPAN_KIND_INTERNAL", "SPAN_KIND_SERVER",
	"SPAN_KIND_CLIENT",      "SPAN_KIND_PRODUCER", "SPAN_KIND_CONSUMER",
};
static const char *const status_code_names[] = {
	"STATUS_CODE_UNSET",
	"STATUS_CODE_OK",
	"STATUS_CODE_ERROR",
};
static const char *const temporality_names[] = {
	"AGGREGATION_TEMPORALITY_UNSPECIFIED",
	"AGGREGATION_TEMPORALITY_DELTA",
	"AGGREGATION_TEMPORALITY_CUMULATIVE",
};
static const char *const severity_names[] = {
	"SEVERITY_NUMBER_UNSPECIFIED", "SEVERITY_NUMBER_TRACE",  "SEVERITY_NUMBER_TRACE2",
	"SEVERITY_NUMBER_TRACE3",      "SEVERITY_NUMBER_TRACE4", "SEVERITY_NUMBER_DEBUG",
	"SEVERITY_NUMBER_DEBUG2",      "SEVERITY_NUMBER_DEBUG3", "SEVERITY_NUMBER_DEBUG4",
	"SEVERITY_NUMBER_INFO",        "SEVERITY_NUMBER_INFO2",  "SEVERITY_NUMBER_INFO3",
	"SEVERITY_NUMBER_INFO4",       "SEVERITY_NUMBER_WARN",   "SEVERITY_NUMBER_WARN2",
	"SEVERITY_NUMBER_WARN3",       "SEVERITY_NUMBER_WARN4",  "SEVERITY_NUMBER_ERROR",
	"SEVERITY_NUMBER_ERROR2",      "SEVERITY_NUMBER_ERROR3", "SEVERITY_NUMBER_ERROR4",
	"SEVERITY_NUMBER_FATAL",       "SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3",
	"SEVERITY_NUMBER_FATAL4",
};

struct jenum {
	const char *const *names;
	uint8_t n;
};

static const struct jenum enums[] = {
	[E_SPAN_KIND] = {span_kind_names, SL_ARRAY_SIZE(span_kind_names)},
	[E_STATUS_CODE] = {status_code_names, SL_ARRAY_SIZE(status_code_names)},
	[E_TEMPORALITY] = {temporality_names, SL_ARRAY_SIZE(temporality_names)},
	[E_SEVERITY] = {severity_names, SL_ARRAY_SIZE(severity_names)},
};

/* ---- transcoder state ---- */

enum frame_type {
	FR_OBJ,       /* a message's object */
	FR_ARR_MSG,   /* array of a repeated message field */
	FR_ARR_STR,   /* array of a repeated string field */
	FR_ARR_PACK,  /* array of a packed repeated scalar field */
	FR_SKIP_OBJ,  /* object under an unknown key: validated, not emitted */
	FR_SKIP_ARR,  /* array under an unknown key */
};

#define NO_LEN UINT32_MAX

/*
 * One open JSON container. The key it is the value of (for error paths) is
 * field->camel, or key_off/key_len in the JSON for an unknown key, or none
 * for an array element and the root.
 */
struct frame {
	const struct jfield *field; /* FR_OBJ of a field, every FR_ARR_*; else NULL */
	uint32_t len_at;            /* out offset of the reserved length byte, or NO_LEN */
	uint32_t seen;              /* FR_OBJ: fields met, bit = index in the message */
	uint32_t n;                 /* arrays: index of the current element; FR_OBJ: oneofs set */
	uint32_t key_off;           /* unknown key: offset of its first byte in the JSON */
	uint16_t key_len;           /* unknown key: its length (0: no unknown key) */
	uint8_t type;               /* enum frame_type */
	uint8_t msg;                /* FR_OBJ: enum msg */
	uint8_t first;              /* no member or element yet */
	uint8_t mdepth;             /* message nesting at this frame (root = 1) */
	uint8_t hint;               /* FR_OBJ: index of the field after the last key's */
};

/* SL_OTLP_JSON_DEPTH_MAX frames live on the caller's stack: keep them small. */
_Static_assert(sizeof(struct frame) <= 40, "struct frame grew: revisit SL_OTLP_JSON_DEPTH_MAX");

struct st {
	const uint8_t *base, *end; /* the JSON */
	uint8_t *out, *o, *oe;     /* output: start, write position, end */
	struct sl_otlp_json_err *err;
	int rc;
	uint32_t depth, max_depth, max_mdepth;
	/* the member of the top object whose value is being parsed (error paths) */
	const struct jfield *cur;
	uint32_t cur_off;
	uint16_t cur_len;
	uint8_t has_cur;
	struct frame fr[SL_OTLP_JSON_DEPTH_MAX];
};

/* ---- errors ---- */

/* A bounded string builder for error messages (no stdio on the fast path). */
struct sb {
	char *b;
	size_t n, cap;
};

static void
sb_put(struct sb *s, const char *t, size_t n)
{
	while (n-- > 0 && s->n + 1 < s->cap)
		s->b[s->n++] = *t++;
	s->b[s->n] = '\0';
}

static void
sb_str(struct sb *s, const char *t)
{
	sb_put(s, t, strlen(t));
}

static void
sb_u64(struct sb *s, uint64_t v)
{
	char d[24];
	size_t i = sizeof(d);

	do {
		d[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	sb_put(s, d + i, sizeof(d) - i);
}

/* A key from the JSON, as printable ASCII and at most 40 characters. */
static void
sb_key(struct sb *s, const uint8_t *k, size_t n)
{
	size_t i;

	for (i = 0; i < n && i < 40; i++) {
		char c = k[i] >= 0x20 && k[i] < 0x7f && k[i] != '"' ? (char)k[i] : '?';

		sb_put(s, &c, 1);
	}
	if (n > 40)
		sb_str(s, "...");
}

/* Appends the key of a frame (or of the current member) as a path segment. */
static void
sb_seg(struct sb *s, const struct st *st, const struct jfield *f, uint32_t off, uint16_t len)
{
	if (f == NULL && len == 0)
		return;
	if (s->n > 0)
		sb_put(s, ".", 1);
	if (f != NULL)
		sb_put(s, f->camel, f->clen);
	else
		sb_key(s, st->base + off, len);
}

/*
 * The field path to where the parser is: resourceSpans[0].scopeSpans[1].
 * spans[3].traceId. A path over 150 characters keeps its first 50 and last
 * 96 around "...", so the message fits SL_OTLP_JSON_ERR_MSG_LEN.
 */
static void
build_path(const struct st *st, char *out, size_t cap)
{
	char buf[1024];
	struct sb s = {buf, 0, sizeof(buf)};
	uint32_t i;

	buf[0] = '\0';
	for (i = 1; i < st->depth; i++) {
		const struct frame *fr = &st->fr[i];

		/* an object in an array is named by the array's [i] */
		if (fr->type == FR_OBJ && st->fr[i - 1].type == FR_ARR_MSG)
			;
		else
			sb_seg(&s, st, fr->field, fr->key_off, fr->key_len);
		if (fr->type != FR_OBJ && fr->type != FR_SKIP_OBJ && !fr->first) {
			sb_put(&s, "[", 1);
			sb_u64(&s, fr->n);
			sb_put(&s, "]", 1);
		}
	}
	if (st->has_cur && st->depth > 0)
		sb_seg(&s, st, st->cur, st->cur_off, st->cur_len);
	if (s.n <= 150) {
		s.b = out;
		s.cap = cap;
		s.n = 0;
		sb_put(&s, buf, strlen(buf));
		return;
	}
	memmove(buf + 53, buf + s.n - 96, 97);
	memcpy(buf + 50, "...", 3);
	s.b = out;
	s.cap = cap;
	s.n = 0;
	sb_put(&s, buf, strlen(buf));
}

/* Records an error at byte `at` of the JSON: "<path>: <what> at byte <off>". */
static int
fail_rc(struct st *st, int rc, const uint8_t *at, const char *what, uint64_t num)
{
	char path[160];
	struct sb s;

	st->rc = rc;
	if (st->err == NULL)
		return rc;
	st->err->off = (size_t)(at - st->base);
	s.b = st->err->msg;
	s.cap = sizeof(st->err->msg);
	s.n = 0;
	build_path(st, path, sizeof(path));
	sb_str(&s, path);
	if (s.n > 0)
		sb_str(&s, ": ");
	/* what may hold one "%" that stands for num */
	while (*what != '\0') {
		if (*what == '%') {
			sb_u64(&s, num);
		} else {
			sb_put(&s, what, 1);
		}
		what++;
	}
	sb_str(&s, " at byte ");
	sb_u64(&s, st->err->off);
	return rc;
}

static int
fail(struct st *st, const uint8_t *at, const char *what)
{
	return fail_rc(st, -EBADMSG, at, what, 0);
}

/* NULL-returning variants for the helpers that return the next input position. */
static const uint8_t *
failp(struct st *st, const uint8_t *at, const char *what)
{
	fail(st, at, what);
	return NULL;
}

static const uint8_t *
full(struct st *st, const uint8_t *at)
{
	fail_rc(st, -E2BIG, at, "protobuf output over the % byte buffer",
		(uint64_t)(st->oe - st->out));
	return NULL;
}

/* ---- output ---- */

static inline int
room(const struct st *st, size_t n)
{
	return (size_t)(st->oe - st->o) >= n;
}

static inline void
put_varint(struct st *st, uint64_t v)
{
	while (v >= 0x80) {
		*st->o++ = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	*st->o++ = (uint8_t)v;
}

static inline void
put_tag(struct st *st, unsigned int num, unsigned int wt)
{
	put_varint(st, (uint64_t)(num << 3 | wt));
}

static inline void
put_le32(struct st *st, uint32_t v)
{
	memcpy(st->o, &v, 4);
	st->o += 4;
}

static inline void
put_le64(struct st *st, uint64_t v)
{
	memcpy(st->o, &v, 8);
	st->o += 8;
}

static inline unsigned int
varint_len(uint64_t v)
{
	unsigned int n = 1;

	while (v >= 0x80) {
		v >>= 7;
		n++;
	}
	return n;
}

/* Bytes of the tag of field num (any wire type). */
static inline unsigned int
tag_len(unsigned int num)
{
	return varint_len((uint64_t)num << 3);
}

/*
 * Opens a length-delimited field: its tag and one reserved length byte. The
 * caller checked room for tag_len(num) + 1: room checks are exact
 * everywhere, so a body whose protobuf is exactly cap bytes fits.
 */
static inline uint32_t
open_len(struct st *st, unsigned int num)
{
	put_tag(st, num, 2);
	*st->o = 0;
	return (uint32_t)(st->o++ - st->out);
}

/* Closes it: the length in minimal varint, moving the body up when it needs more than a byte. */
static const uint8_t *
close_len(struct st *st, uint32_t len_at, const uint8_t *p)
{
	uint8_t *lp = st->out + len_at;
	size_t body = (size_t)(st->o - lp - 1);
	unsigned int n;

	if (likely(body < 0x80)) {
		*lp = (uint8_t)body;
		return p;
	}
	n = varint_len(body);
	if (!room(st, n - 1))
		return full(st, p);
	memmove(lp + n, lp + 1, body);
	st->o = lp;
	put_varint(st, body);
	st->o += body;
	return p;
}

/* ---- JSON lexing ---- */

static inline const uint8_t *
ws(const uint8_t *p, const uint8_t *e)
{
	while (p < e && *p <= ' ' && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	return p;
}

static inline int
hexv(uint8_t c)
{
	if ((unsigned int)(c - '0') < 10)
		return c - '0';
	c |= 0x20;
	if ((unsigned int)(c - 'a') < 6)
		return c - 'a' + 10;
	return -1;
}

static inline int
hex4(const uint8_t *p)
{
	int a = hexv(p[0]), b = hexv(p[1]), c = hexv(p[2]), d = hexv(p[3]);

	if ((a | b | c | d) < 0)
		return -1;
	return a << 12 | b << 8 | c << 4 | d;
}

/* Length of the valid UTF-8 sequence at p (lead byte >= 0x80), or 0 (Unicode table 3-7). */
static unsigned int
utf8_len(const uint8_t *p, const uint8_t *e)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	unsigned int n, i;

	if (c < 0xc2)
		return 0;
	if (c < 0xe0)
		n = 2;
	else if (c < 0xf0)
		n = 3;
	else if (c < 0xf5)
		n = 4;
	else
		return 0;
	if ((size_t)(e - p) < n)
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * first_special(q): index of the first byte of q[0..SCAN_W) that a string
 * scan must look at (< 0x20, '"', '\\' or >= 0x80), or SCAN_W for none.
 * SSE2 (x86-64 baseline): one signed compare catches both < 0x20 and
 * >= 0x80. Elsewhere the "has a byte less than n" and "has a zero byte"
 * tests of Bit Twiddling Hacks on 8 bytes, whose lowest flag is exact (a
 * false flag can only sit above a true one).
 */
#if defined(__SSE2__)
#include <emmintrin.h>
#define SCAN_W 16

static inline unsigned int
first_special(const uint8_t *q)
{
	__m128i v = _mm_loadu_si128((const void *)q);
	__m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
					      _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
				 _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)));
	unsigned int bits = (unsigned int)_mm_movemask_epi8(m);

	return bits != 0 ? (unsigned int)__builtin_ctz(bits) : SCAN_W;
}
#else
#define SCAN_W 8
#define ONES   0x0101010101010101ull
#define HIGHS  0x8080808080808080ull

static inline unsigned int
first_special(const uint8_t *q)
{
	uint64_t w, q2, b, m;

	memcpy(&w, q, 8);
	q2 = w ^ (ONES * '"');
	b = w ^ (ONES * '\\');
	m = (((w - ONES * 0x20) & ~w) | ((q2 - ONES) & ~q2) | ((b - ONES) & ~b) | w) & HIGHS;
	return m != 0 ? (unsigned int)__builtin_ctzll(m) >> 3 : SCAN_W;
}
#endif

/*
 * Scans the string whose opening quote is at p: checks escapes and UTF-8.
 * Returns the position after the closing quote, or NULL (error set); *esc
 * tells whether it holds any escape.
 */
static const uint8_t *
scan_string_any(struct st *st, const uint8_t *p, int *esc)
{
	const uint8_t *q = p + 1, *e = st->end;
	int has_esc = 0;

	for (;;) {
		uint8_t c;

		while (e - q >= SCAN_W) {
			unsigned int i = first_special(q);

			q += i;
			if (i < SCAN_W)
				break;
		}
		if (q >= e)
			return failp(st, p, "unterminated string");
		c = *q;
		if (c == '"') {
			*esc = has_esc;
			return q + 1;
		}
		if (c == '\\') {
			int cp;

			has_esc = 1;
			if (e - q < 2)
				return failp(st, p, "unterminated string");
			switch (q[1]) {
			case '"':
			case '\\':
			case '/':
			case 'b':
			case 'f':
			case 'n':
			case 'r':
			case 't':
				q += 2;
				continue;
			case 'u':
				break;
			default:
				return failp(st, q, "invalid escape in string");
			}
			if (e - q < 6 || (cp = hex4(q + 2)) < 0)
				return failp(st, q, "invalid \\u escape in string");
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return failp(st, q, "unpaired surrogate escape in string");
			if (cp >= 0xd800 && cp <= 0xdbff) {
				int lo;

				if (e - q < 12 || q[6] != '\\' || q[7] != 'u' ||
				    (lo = hex4(q + 8)) < 0 || lo < 0xdc00 || lo > 0xdfff)
					return failp(st, q, "unpaired surrogate escape in string");
				q += 12;
			} else {
				q += 6;
			}
			continue;
		}
		if (c < 0x20)
			return failp(st, q, "control character in string (must be escaped)");
		if (c < 0x80) {
			q++;
			continue;
		}
		{
			unsigned int n = utf8_len(q, e);

			if (n == 0)
				return failp(st, q, "invalid UTF-8 in string");
			q += n;
		}
	}
}

/* scan_string_any(), inline for the common short plain string ("key", "value", "name"). */
static inline const uint8_t *
scan_string(struct st *st, const uint8_t *p, int *esc)
{
	if (likely(st->end - p > SCAN_W)) {
		unsigned int i = first_special(p + 1);

		if (i < SCAN_W && p[1 + i] == '"') {
			*esc = 0;
			return p + 2 + i;
		}
	}
	return scan_string_any(st, p, esc);
}

/*
 * Decodes the validated string body [s, e) (escapes and all) into dst, or
 * only counts when dst is NULL. Returns the decoded length in bytes.
 */
static size_t
unescape(const uint8_t *s, const uint8_t *e, uint8_t *dst)
{
	size_t n = 0;

	while (s < e) {
		const uint8_t *bs = memchr(s, '\\', (size_t)(e - s));
		uint32_t cp;

		if (bs == NULL)
			bs = e;
		if (dst != NULL)
			memcpy(dst + n, s, (size_t)(bs - s));
		n += (size_t)(bs - s);
		s = bs;
		if (s == e)
			break;
		switch (s[1]) {
		case 'b':
			cp = '\b';
			break;
		case 'f':
			cp = '\f';
			break;
		case 'n':
			cp = '\n';
			break;
		case 'r':
			cp = '\r';
			break;
		case 't':
			cp = '\t';
			break;
		case 'u':
			cp = (uint32_t)hex4(s + 2);
			if (cp >= 0xd800 && cp <= 0xdbff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) +
				     ((uint32_t)hex4(s + 8) - 0xdc00);
				s += 6;
			}
			s += 4;
			break;
		default: /* '"', '\\', '/' */
			cp = s[1];
			break;
		}
		s += 2;
		if (cp < 0x80) {
			if (dst != NULL)
				dst[n] = (uint8_t)cp;
			n += 1;
		} else if (cp < 0x800) {
			if (dst != NULL) {
				dst[n] = (uint8_t)(0xc0 | cp >> 6);
				dst[n + 1] = (uint8_t)(0x80 | (cp & 0x3f));
			}
			n += 2;
		} else if (cp < 0x10000) {
			if (dst != NULL) {
				dst[n] = (uint8_t)(0xe0 | cp >> 12);
				dst[n + 1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				dst[n + 2] = (uint8_t)(0x80 | (cp & 0x3f));
			}
			n += 3;
		} else {
			if (dst != NULL) {
				dst[n] = (uint8_t)(0xf0 | cp >> 18);
				dst[n + 1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
				dst[n + 2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
				dst[n + 3] = (uint8_t)(0x80 | (cp & 0x3f));
			}
			n += 4;
		}
	}
	return n;
}

/*
 * The body of the string at p (quote) after scan_string() returned end.
 * Strings with escapes are decoded into buf (cap bytes); returns 0, or -1
 * when the decoded string is longer than cap.
 */
static int
small_string(const uint8_t *p, const uint8_t *end, int esc, uint8_t *buf, size_t cap,
	     const uint8_t **s, size_t *n)
{
	const uint8_t *b = p + 1, *e = end - 1;

	if (!esc) {
		*s = b;
		*n = (size_t)(e - b);
		return 0;
	}
	*n = unescape(b, e, NULL);
	if (*n > cap)
		return -1;
	unescape(b, e, buf);
	*s = buf;
	return 0;
}

/* Matches the literal lit (true, false, null) at p. */
static inline int
literal(const uint8_t *p, const uint8_t *e, const char *lit, size_t n)
{
	return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0;
}

/* ---- numbers ---- */

/* A scanned JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
struct num {
	const uint8_t *s, *e; /* the whole token */
	const uint8_t *d;     /* first integer digit; fraction digits follow the '.' */
	uint32_t ilen, flen;  /* integer and fraction digits */
	int32_t exp;          /* exponent, clamped to +-10^8 */
	uint8_t neg;
};

/* Scans a number at p; returns its end, or NULL with *why set. */
static const uint8_t *
scan_number(const uint8_t *p, const uint8_t *e, struct num *n, const char **why)
{
	const uint8_t *q = p;

	n->s = p;
	n->neg = 0;
	n->exp = 0;
	n->flen = 0;
	if (q < e && *q == '-') {
		n->neg = 1;
		q++;
	}
	n->d = q;
	if (q >= e || (unsigned int)(*q - '0') > 9) {
		*why = "invalid number";
		return NULL;
	}
	if (*q == '0') {
		q++;
		if (q < e && (unsigned int)(*q - '0') <= 9) {
			*why = "leading zeros are not allowed in a number";
			return NULL;
		}
	} else {
		while (q < e && (unsigned int)(*q - '0') <= 9)
			q++;
	}
	n->ilen = (uint32_t)(q - n->d);
	if (q < e && *q == '.') {
		const uint8_t *f = ++q;

		while (q < e && (unsigned int)(*q - '0') <= 9)
			q++;
		if (q == f) {
			*why = "invalid number: no digit after '.'";
			return NULL;
		}
		n->flen = (uint32_t)(q - f);
	}
	if (q < e && (*q == 'e' || *q == 'E')) {
		int neg = 0;
		int64_t x = 0;
		const uint8_t *f;

		q++;
		if (q < e && (*q == '+' || *q == '-'))
			neg = *q++ == '-';
		f = q;
		while (q < e && (unsigned int)(*q - '0') <= 9) {
			if (x < 100000000)
				x = x * 10 + (*q - '0');
			q++;
		}
		if (q == f) {
			*why = "invalid number: no digit in the exponent";
			return NULL;
		}
		n->exp = (int32_t)(neg ? -x : x);
	}
	n->e = q;
	return q;
}

/* Digit i of the number's digits (integer part, then fraction). */
static inline unsigned int
num_digit(const struct num *n, uint32_t i)
{
	return (unsigned int)(i < n->ilen ? n->d[i] : n->d[i + 1]) - '0';
}

/*
 * The significant digits: *first..*last (indexes into the digits), and the
 * power of ten of the last one. Returns 0 when the number is zero.
 */
static int
num_sig(const struct num *n, uint32_t *first, uint32_t *last, int64_t *e10)
{
	uint32_t total = n->ilen + n->flen, a, b;

	for (a = 0; a < total && num_digit(n, a) == 0; a++)
		;
	if (a == total)
		return 0;
	for (b = total - 1; num_digit(n, b) == 0; b--)
		;
	*first = a;
	*last = b;
	*e10 = (int64_t)n->exp - n->flen + (total - 1 - b);
	return 1;
}

enum range { R_I32, R_U32, R_I64, R_U64 };

static const char *const range_msg[] = {
	[R_I32] = "integer out of range for an int32 field",
	[R_U32] = "integer out of range for a uint32 field",
	[R_I64] = "integer out of range for an int64 field",
	[R_U64] = "integer out of range for a uint64 field",
};

/* m with sign neg in range r, as two's complement in *v; or why not. */
static const char *
int_range(uint64_t m, int neg, enum range r, uint64_t *v)
{
	uint64_t lim;

	switch (r) {
	case R_I32:
		lim = neg ? 0x80000000ull : 0x7fffffffull;
		break;
	case R_U32:
		lim = neg ? 0 : 0xffffffffull;
		break;
	case R_I64:
		lim = neg ? 0x8000000000000000ull : 0x7fffffffffffffffull;
		break;
	default:
		lim = neg ? 0 : UINT64_MAX;
		break;
	}
	if (m > lim)
		return range_msg[r];
	*v = neg ? (uint64_t)0 - m : m;
	return NULL;
}

/*
 * Fast path of integers: s[0..e) starts with -?[1-9][0-9]{0,18} or -?0 not
 * followed by any other number character. Returns the token's end and the
 * magnitude, or NULL for the general path (and its error messages).
 */
static inline const uint8_t *
plain_int(const uint8_t *s, const uint8_t *e, uint64_t *m, int *neg)
{
	const uint8_t *q = s, *d;
	uint64_t v = 0;

	*neg = q < e && *q == '-';
	q += *neg;
	d = q;
	while (q < e && (unsigned int)(*q - '0') <= 9 && q - d < 19)
		v = v * 10 + (uint64_t)(*q++ - '0');
	if (q == d || (*d == '0' && q - d > 1))
		return NULL;
	if (q < e && ((unsigned int)(*q - '0') <= 9 || *q == '.' || *q == 'e' || *q == 'E'))
		return NULL;
	*m = v;
	return q;
}

/* The exact integer value of n in range r, as two's complement; or why not. */
static const char *
num_to_int(const struct num *n, enum range r, uint64_t *v)
{
	uint32_t a, b, i;
	int64_t e10;
	uint64_t m = 0;

	if (!num_sig(n, &a, &b, &e10)) {
		*v = 0;
		return NULL;
	}
	if (e10 < 0)
		return "not an integer";
	if ((int64_t)(b - a + 1) + e10 > 20)
		return range_msg[r];
	for (i = a; i <= b; i++) {
		unsigned int d = num_digit(n, i);

		if (m > (UINT64_MAX - d) / 10)
			return range_msg[r];
		m = m * 10 + d;
	}
	while (e10-- > 0) {
		if (m > UINT64_MAX / 10)
			return range_msg[r];
		m *= 10;
	}
	return int_range(m, n->neg, r, v);
}

/* Longest number token handed to strtod(); longer is refused (no double needs it). */
#define NUM_TOKEN_MAX 800

/*
 * The double nearest to n. Exact fast path (Clinger): up to 15 significant
 * digits times a power of ten up to 1e22 are both exact doubles, so one
 * rounding gives the correctly rounded result. Else strtod() on a copy.
 */
static const char *
num_to_double(const struct num *n, double *v)
{
	static const double p10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
				     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
				     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
	char buf[NUM_TOKEN_MAX + 1];
	uint32_t a, b, i;
	int64_t e10;
	double d;

	if (!num_sig(n, &a, &b, &e10)) {
		*v = n->neg ? -0.0 : 0.0;
		return NULL;
	}
	if (b - a < 15 && e10 >= -22 && e10 <= 22) {
		uint64_t m = 0;

		for (i = a; i <= b; i++)
			m = m * 10 + num_digit(n, i);
		d = (double)m;
		d = e10 >= 0 ? d * p10[e10] : d / p10[-e10];
		*v = n->neg ? -d : d;
		return NULL;
	}
	if ((size_t)(n->e - n->s) > NUM_TOKEN_MAX)
		return "number too long (over 800 characters)";
	memcpy(buf, n->s, (size_t)(n->e - n->s));
	buf[n->e - n->s] = '\0';
	d = strtod(buf, NULL);
	if (isinf(d))
		return "number out of range for a double";
	*v = d;
	return NULL;
}

/* ---- values ---- */

/* Flags of scalar(). */
#define SC_TAG     1u /* emit the field's tag (not inside a packed array) */
#define SC_PRESENT 2u /* emit even a default value */

static enum range
kind_range(unsigned int kind)
{
	switch (kind) {
	case K_INT64:
	case K_SFIXED64:
		return R_I64;
	case K_UINT32:
	case K_FIXED32:
		return R_U32;
	case K_ENUM:
	case K_SINT32:
		return R_I32;
	default:
		return R_U64;
	}
}

/* An integer: a JSON number or a string holding one. */
static const uint8_t *
get_int(struct st *st, const uint8_t *p, enum range r, uint64_t *v)
{
	uint8_t buf[64];
	const uint8_t *end, *s, *t;
	const char *why = NULL;
	struct num n;
	size_t len;
	int esc;

	uint64_t m;
	int neg;

	if (*p == '"') {
		end = scan_string(st, p, &esc);
		if (end == NULL)
			return NULL;
		if (!esc && plain_int(p + 1, end - 1, &m, &neg) == end - 1)
			goto fast;
		if (small_string(p, end, esc, buf, sizeof(buf), &s, &len) < 0)
			return failp(st, p, "integer string too long");
		t = scan_number(s, s + len, &n, &why);
		if (t == NULL || t != s + len)
			return failp(st, p, "expected a decimal integer in the string");
	} else if (*p == '-' || (unsigned int)(*p - '0') <= 9) {
		end = plain_int(p, st->end, &m, &neg);
		if (end != NULL)
			goto fast;
		end = scan_number(p, st->end, &n, &why);
		if (end == NULL)
			return failp(st, p, why);
	} else {
		return failp(st, p, "expected an integer (a number or a decimal string)");
	}
	why = num_to_int(&n, r, v);
	if (why != NULL)
		return failp(st, p, why);
	return end;
fast:
	why = int_range(m, neg, r, v);
	if (why != NULL)
		return failp(st, p, why);
	return end;
}

/* A double: a JSON number, or a string holding one or "NaN", "Infinity", "-Infinity". */
static const uint8_t *
get_double(struct st *st, const uint8_t *p, double *v)
{
	uint8_t buf[64];
	const uint8_t *end, *s, *t;
	const char *why = NULL;
	struct num n;
	size_t len;
	int esc;

	if (*p == '"') {
		end = scan_string(st, p, &esc);
		if (end == NULL)
			return NULL;
		if (small_string(p, end, esc, buf, sizeof(buf), &s, &len) < 0)
			return failp(st, p, "number string too long");
		if (len == 3 && memcmp(s, "NaN", 3) == 0) {
			*v = NAN;
			return end;
		}
		if (len == 8 && memcmp(s, "Infinity", 8) == 0) {
			*v = INFINITY;
			return end;
		}
		if (len == 9 && memcmp(s, "-Infinity", 9) == 0) {
			*v = -INFINITY;
			return end;
		}
		t = scan_number(s, s + len, &n, &why);
		if (t == NULL || t != s + len)
			return failp(st, p,
			             "expected a number, \"NaN\", \"Infinity\" or \"-Infinity\"");
	} else if (*p == '-' || (unsigned int)(*p - '0') <= 9) {
		end = scan_number(p, st->end, &n, &why);
		if (end == NULL)
			return failp(st, p, why);
	} else {
		return failp(st, p, "expected a number");
	}
	why = num_to_double(&n, v);
	if (why != NULL)
		return failp(st, p, why);
	return end;
}

/* An enum: an integer, or the name of one of its values. */
static const uint8_t *
get_enum(struct st *st, const uint8_t *p, const struct jenum *en, uint64_t *v)
{
	uint8_t buf[64];
	const uint8_t *end, *s;
	size_t len;
	unsigned int i;
	int esc;

	if (*p != '"')
		return get_int(st, p, R_I32, v);
	end = scan_string(st, p, &esc);
	if (end == NULL)
		return NULL;
	if (small_string(p, end, esc, buf, sizeof(buf), &s, &len) == 0)
		for (i = 0; i < en->n; i++)
			if (strlen(en->names[i]) == len && memcmp(en->names[i], s, len) == 0) {
				*v = i;
				return end;
			}
	return failp(st, p, "unknown enum value name");
}

/* Emits a string field from the validated string at p..end. */
static const uint8_t *
put_string(struct st *st, unsigned int num, const uint8_t *p, const uint8_t *end, int esc,
	   unsigned int flags)
{
	const uint8_t *b = p + 1, *e = end - 1;
	size_t n = esc ? unescape(b, e, NULL) : (size_t)(e - b);

	if (n == 0 && !(flags & SC_PRESENT))
		return end;
	if (!room(st, tag_len(num) + varint_len(n) + n))
		return full(st, p);
	put_tag(st, num, 2);
	put_varint(st, n);
	if (esc)
		unescape(b, e, st->o);
	else
		memcpy(st->o, b, n);
	st->o += n;
	return end;
}

/* A trace or span id: exactly 2 * n hex digits, either case; "" is absent. */
static const uint8_t *
put_id(struct st *st, unsigned int num, size_t n, const uint8_t *p)
{
	uint8_t buf[64];
	const uint8_t *end, *s;
	size_t len, i;
	int esc;

	if (*p != '"')
		return failp(st, p, n == 16 ? "expected a string of 32 hex digits"
					    : "expected a string of 16 hex digits");
	end = scan_string(st, p, &esc);
	if (end == NULL)
		return NULL;
	if (small_string(p, end, esc, buf, sizeof(buf), &s, &len) < 0 || (len != 0 && len != 2 * n))
		return failp(st, p, n == 16 ? "expected 32 hex digits" : "expected 16 hex digits");
	if (len == 0)
		return end;
	if (!room(st, tag_len(num) + 1 + n))
		return full(st, p);
	put_tag(st, num, 2);
	*st->o++ = (uint8_t)n;
	for (i = 0; i < n; i++) {
		int hi = hexv(s[2 * i]), lo = hexv(s[2 * i + 1]);

		if ((hi | lo) < 0)
			return failp(st, esc ? p : p + 1 + 2 * i + (hi >= 0), "invalid hex digit");
		*st->o++ = (uint8_t)(hi << 4 | lo);
	}
	return end;
}

/* Base64 value of c in the standard or the URL-safe alphabet, or -1. */
static inline int
b64v(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+' || c == '-')
		return 62;
	if (c == '/' || c == '_')
		return 63;
	return -1;
}

/* Next character of a validated string body, escapes decoded (ASCII is all base64 needs). */
static inline int
next_char(const uint8_t **pp)
{
	const uint8_t *p = *pp;
	int c;

	if (*p != '\\') {
		*pp = p + 1;
		return *p;
	}
	switch (p[1]) {
	case 'u':
		c = hex4(p + 2);
		*pp = p + 6;
		if (c >= 0xd800 && c <= 0xdbff)
			*pp = p + 12;
		return c;
	case 'b':
		c = '\b';
		break;
	case 'f':
		c = '\f';
		break;
	case 'n':
		c = '\n';
		break;
	case 'r':
		c = '\r';
		break;
	case 't':
		c = '\t';
		break;
	default:
		c = p[1];
		break;
	}
	*pp = p + 2;
	return c;
}

/* A bytes field in base64: standard or URL-safe alphabet, padding optional. */
static const uint8_t *
put_b64(struct st *st, unsigned int num, const uint8_t *p, unsigned int flags)
{
	const uint8_t *end, *q, *at, *e;
	size_t nc = 0, pad = 0, len;
	uint32_t acc = 0;
	int esc, c;

	if (*p != '"')
		return failp(st, p, "expected a base64 string");
	end = scan_string(st, p, &esc);
	if (end == NULL)
		return NULL;
	e = end - 1;
	/* pass 1: validate and count */
	for (q = p + 1; q < e;) {
		at = q;
		c = next_char(&q);
		if (c == '=') {
			if (++pad > 2)
				return failp(st, at, "invalid base64 padding");
			continue;
		}
		if (pad > 0)
			return failp(st, at, "invalid base64 padding");
		if (b64v(c) < 0)
			return failp(st, at, "invalid base64 character");
		nc++;
	}
	if (nc % 4 == 1 || (pad > 0 && (nc + pad) % 4 != 0))
		return failp(st, p, "invalid base64 length");
	len = nc / 4 * 3 + (nc % 4 == 0 ? 0 : nc % 4 - 1);
	if (len == 0 && !(flags & SC_PRESENT))
		return end;
	if (!room(st, tag_len(num) + varint_len(len) + len))
		return full(st, p);
	put_tag(st, num, 2);
	put_varint(st, len);
	/* pass 2: decode */
	nc = 0;
	for (q = p + 1; q < e;) {
		c = next_char(&q);
		if (c == '=')
			break;
		acc = acc << 6 | (uint32_t)b64v(c);
		if (++nc % 4 == 0) {
			st->o[0] = (uint8_t)(acc >> 16);
			st->o[1] = (uint8_t)(acc >> 8);
			st->o[2] = (uint8_t)acc;
			st->o += 3;
			acc = 0;
		}
	}
	if (nc % 4 == 2) {
		*st->o++ = (uint8_t)(acc >> 4);
	} else if (nc % 4 == 3) {
		*st->o++ = (uint8_t)(acc >> 10);
		*st->o++ = (uint8_t)(acc >> 2);
	}
	return end;
}

/* sint32's encoding of the int32 whose bits are x. */
static inline uint32_t
zigzag32(uint32_t x)
{
	return (x << 1) ^ (0u - (x >> 31));
}

/* Bytes of scalar v of kind on the wire, without its tag (v already zigzagged or extended). */
static inline unsigned int
scalar_len(unsigned int kind, uint64_t v)
{
	switch (kind) {
	case K_FIXED32:
		return 4;
	case K_FIXED64:
	case K_SFIXED64:
	case K_DOUBLE:
		return 8;
	default:
		return varint_len(v);
	}
}

/*
 * A scalar value of kind for field f (number num) at p: parsed, then
 * emitted with its tag (SC_TAG) unless it is a default and not SC_PRESENT.
 */
static const uint8_t *
scalar(struct st *st, const struct jfield *f, unsigned int kind, unsigned int flags,
       const uint8_t *p)
{
	const uint8_t *end;
	uint64_t v = 0;
	double d;
	int esc;

	switch (kind) {
	case K_STR:
		if (*p != '"')
			return failp(st, p, "expected a string");
		end = scan_string(st, p, &esc);
		if (end == NULL)
			return NULL;
		return put_string(st, f->num, p, end, esc, flags);
	case K_ID16:
		return put_id(st, f->num, 16, p);
	case K_ID8:
		return put_id(st, f->num, 8, p);
	case K_B64:
		return put_b64(st, f->num, p, flags);
	case K_BOOL:
		if (literal(p, st->end, "true", 4)) {
			v = 1;
			end = p + 4;
		} else if (literal(p, st->end, "false", 5)) {
			end = p + 5;
		} else {
			return failp(st, p, "expected true or false");
		}
		break;
	case K_DOUBLE:
		end = get_double(st, p, &d);
		if (end == NULL)
			return NULL;
		if (isnan(d))
			v = 0x7ff8000000000000ull; /* one NaN for all */
		else
			memcpy(&v, &d, 8);
		break;
	case K_ENUM:
		end = get_enum(st, p, &enums[f->sub], &v);
		break;
	default:
		end = get_int(st, p, kind_range(kind), &v);
		break;
	}
	if (end == NULL)
		return NULL;
	if (v == 0 && !(flags & SC_PRESENT))
		return end;
	if (kind == K_ENUM)
		v = (uint64_t)(int64_t)(int32_t)(uint32_t)v; /* int32: negatives take 10 bytes */
	else if (kind == K_SINT32)
		v = zigzag32((uint32_t)v);
	if (!room(st, (flags & SC_TAG ? tag_len(f->num) : 0) + scalar_len(kind, v)))
		return full(st, p);
	switch (kind) {
	case K_FIXED32:
		if (flags & SC_TAG)
			put_tag(st, f->num, 5);
		put_le32(st, (uint32_t)v);
		break;
	case K_FIXED64:
	case K_SFIXED64:
	case K_DOUBLE:
		if (flags & SC_TAG)
			put_tag(st, f->num, 1);
		put_le64(st, v);
		break;
	default:
		if (flags & SC_TAG)
			put_tag(st, f->num, 0);
		put_varint(st, v);
		break;
	}
	return end;
}

/* The element kind of a packed array field. */
static inline unsigned int
packed_elem(unsigned int kind)
{
	return kind == K_FIXED64_P ? K_FIXED64 : kind == K_DOUBLE_P ? K_DOUBLE : K_UINT64;
}

/* ---- structure ---- */

/* Opens a container frame at p (its '{' or '['); the key comes from st->cur. */
static struct frame *
push(struct st *st, const uint8_t *p, unsigned int type)
{
	struct frame *parent = &st->fr[st->depth - 1], *fr;
	unsigned int mdepth = parent->mdepth + (type == FR_OBJ);

	if (st->depth >= st->max_depth) {
		fail_rc(st, -EBADMSG, p, "JSON nested deeper than % levels", st->max_depth);
		return NULL;
	}
	if (mdepth > st->max_mdepth) {
		fail_rc(st, -EBADMSG, p, "messages nested deeper than % levels", st->max_mdepth);
		return NULL;
	}
	fr = &st->fr[st->depth++];
	fr->field = NULL;
	fr->key_len = 0;
	fr->key_off = 0;
	if (parent->type == FR_OBJ || parent->type == FR_SKIP_OBJ) {
		fr->field = st->cur;
		fr->key_off = st->cur_off;
		fr->key_len = st->cur_len;
	}
	fr->len_at = NO_LEN;
	fr->seen = 0;
	fr->n = 0;
	fr->type = (uint8_t)type;
	fr->msg = 0;
	fr->first = 1;
	fr->mdepth = (uint8_t)mdepth;
	fr->hint = 0;
	st->has_cur = 0;
	return fr;
}

/* A value under an unknown key: validated, nothing emitted. */
static const uint8_t *
skip_value(struct st *st, const uint8_t *p)
{
	struct num n;
	const char *why = NULL;
	const uint8_t *end;
	int esc;

	switch (*p) {
	case '"':
		end = scan_string(st, p, &esc);
		break;
	case '{':
		end = push(st, p, FR_SKIP_OBJ) != NULL ? p + 1 : NULL;
		break;
	case '[':
		end = push(st, p, FR_SKIP_ARR) != NULL ? p + 1 : NULL;
		break;
	case 't':
		end = literal(p, st->end, "true", 4) ? p + 4 : failp(st, p, "invalid literal");
		break;
	case 'f':
		end = literal(p, st->end, "false", 5) ? p + 5 : failp(st, p, "invalid literal");
		break;
	case 'n':
		end = literal(p, st->end, "null", 4) ? p + 4 : failp(st, p, "invalid literal");
		break;
	default:
		if (*p != '-' && (unsigned int)(*p - '0') > 9)
			return failp(st, p, "expected a JSON value");
		end = scan_number(p, st->end, &n, &why);
		if (end == NULL)
			return failp(st, p, why);
		break;
	}
	return end;
}

/* The value of known field f of the top object, at p (not null). */
static const uint8_t *
member_value(struct st *st, const struct jfield *f, const uint8_t *p)
{
	struct frame *fr;

	switch (f->kind) {
	case K_MSG:
		if (*p != '{')
			return failp(st, p, "expected an object");
		if (!room(st, tag_len(f->num) + 1))
			return full(st, p);
		fr = push(st, p, FR_OBJ);
		if (fr == NULL)
			return NULL;
		fr->msg = f->sub;
		fr->len_at = open_len(st, f->num);
		return p + 1;
	case K_MSG_REP:
	case K_STR_REP:
		if (*p != '[')
			return failp(st, p, "expected an array");
		fr = push(st, p, f->kind == K_MSG_REP ? FR_ARR_MSG : FR_ARR_STR);
		return fr != NULL ? p + 1 : NULL;
	case K_FIXED64_P:
	case K_DOUBLE_P:
	case K_UINT64_P:
		/* the field opens at its first element: [] writes nothing, even transiently */
		if (*p != '[')
			return failp(st, p, "expected an array");
		fr = push(st, p, FR_ARR_PACK);
		return fr != NULL ? p + 1 : NULL;
	default:
		return scalar(st, f, f->kind, SC_TAG | (f->oneof ? SC_PRESENT : 0), p);
	}
}

/* One element of the top array frame, at p. */
static const uint8_t *
element(struct st *st, struct frame *fr, const uint8_t *p)
{
	const struct jfield *f = fr->field;
	struct frame *obj;
	const uint8_t *end;
	int esc;

	if (fr->type == FR_SKIP_ARR)
		return skip_value(st, p);
	if (*p == 'n')
		return failp(st, p, "null is not allowed in an array");
	switch (fr->type) {
	case FR_ARR_MSG:
		if (*p != '{')
			return failp(st, p, "expected an object");
		if (!room(st, tag_len(f->num) + 1))
			return full(st, p);
		obj = push(st, p, FR_OBJ);
		if (obj == NULL)
			return NULL;
		obj->msg = f->sub;
		obj->len_at = open_len(st, f->num);
		return p + 1;
	case FR_ARR_STR:
		if (*p != '"')
			return failp(st, p, "expected a string");
		end = scan_string(st, p, &esc);
		if (end == NULL)
			return NULL;
		return put_string(st, f->num, p, end, esc, SC_TAG | SC_PRESENT);
	default: /* FR_ARR_PACK */
		if (fr->len_at == NO_LEN) {
			if (!room(st, tag_len(f->num) + 1))
				return full(st, p);
			fr->len_at = open_len(st, f->num);
		}
		return scalar(st, f, packed_elem(f->kind), SC_PRESENT, p);
	}
}

/* Closes the top frame at p (its '}' or ']'). */
static const uint8_t *
pop(struct st *st, const uint8_t *p)
{
	struct frame *fr = &st->fr[st->depth - 1];

	if (fr->len_at != NO_LEN && close_len(st, fr->len_at, p) == NULL)
		return NULL;
	st->depth--;
	st->has_cur = 0;
	return p + 1;
}

/*
 * k[0..n) == name[0..n). Keys are 3..24 bytes: a call to memcmp() costs more
 * than comparing them in (overlapping) words.
 */
static inline int
key_eq(const uint8_t *k, const char *name, size_t n)
{
	uint64_t a, b;
	uint32_t c, d;
	size_t i;

	if (n >= 8) {
		for (i = 0; i + 8 < n; i += 8) {
			memcpy(&a, k + i, 8);
			memcpy(&b, name + i, 8);
			if (a != b)
				return 0;
		}
		memcpy(&a, k + n - 8, 8);
		memcpy(&b, name + n - 8, 8);
		return a == b;
	}
	if (n >= 4) {
		memcpy(&c, k, 4);
		memcpy(&d, name, 4);
		if (c != d)
			return 0;
		memcpy(&c, k + n - 4, 4);
		memcpy(&d, name + n - 4, 4);
		return c == d;
	}
	for (i = 0; i < n; i++)
		if (k[i] != (uint8_t)name[i])
			return 0;
	return 1;
}

/*
 * Looks key k[0..n) up in message m, starting at field *idx (the one after
 * the previous key's: writers emit keys in a fixed order, so the first probe
 * usually hits); *idx gets the field's index.
 */
static inline const struct jfield *
lookup(const struct jmsg *m, const uint8_t *k, size_t n, unsigned int *idx)
{
	unsigned int i = *idx < m->n ? *idx : 0, left;

	for (left = m->n; left > 0; left--) {
		const struct jfield *f = &m->f[i];

		if ((n == f->clen && key_eq(k, f->camel, n)) ||
		    (n == f->slen && n != 0 && key_eq(k, f->snake, n))) {
			*idx = i;
			return f;
		}
		if (++i == m->n)
			i = 0;
	}
	return NULL;
}

/* One member of the top object, at p (its key's quote). */
static const uint8_t *
member(struct st *st, struct frame *fr, const uint8_t *p)
{
	uint8_t kbuf[64];
	const uint8_t *kend, *k, *key_at = p;
	const struct jfield *f = NULL;
	unsigned int idx = 0;
	size_t kn;
	int esc;

	kend = scan_string(st, p, &esc);
	if (kend == NULL)
		return NULL;
	p = ws(kend, st->end);
	if (p == st->end)
		return failp(st, p, "unexpected end of input: expected ':'");
	if (*p != ':')
		return failp(st, p, "expected ':'");
	p = ws(p + 1, st->end);
	if (p == st->end)
		return failp(st, p, "unexpected end of input: expected a value");
	if (fr->type == FR_OBJ &&
	    small_string(key_at, kend, esc, kbuf, sizeof(kbuf), &k, &kn) == 0) {
		idx = fr->hint;
		f = lookup(&msgs[fr->msg], k, kn, &idx);
		if (f != NULL)
			fr->hint = (uint8_t)(idx + 1);
	}
	st->has_cur = 1;
	st->cur = f;
	st->cur_off = (uint32_t)(key_at + 1 - st->base);
	st->cur_len = (uint16_t)(kend - key_at - 2 > 0xffff ? 0xffff : kend - key_at - 2);
	if (f == NULL) {
		p = skip_value(st, p);
	} else {
		if (fr->seen & (1u << idx))
			return failp(st, key_at, "duplicate field");
		fr->seen |= 1u << idx;
		if (*p == 'n') {
			/* null: the field is absent (and does not take its oneof) */
			if (!literal(p, st->end, "null", 4))
				return failp(st, p, "invalid literal");
			p += 4;
		} else {
			if (f->oneof) {
				if (fr->n & (1u << f->oneof))
					return failp(st, key_at,
					             "a second member of the same oneof");
				fr->n |= 1u << f->oneof;
			}
			p = member_value(st, f, p);
		}
	}
	if (p != NULL)
		st->has_cur = 0; /* a scalar is done; a container took the key into its frame */
	return p;
}

static int
transcode(struct st *st, unsigned int root)
{
	const uint8_t *p = st->base, *e = st->end;
	struct frame *fr;

	p = ws(p, e);
	if (p == e)
		return fail(st, p, "empty body: expected a JSON object");
	if (e - p >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		return fail(st, p, "a UTF-8 byte order mark is not allowed");
	if (*p != '{')
		return fail(st, p, "expected '{' (the request object)");
	fr = &st->fr[0];
	memset(fr, 0, sizeof(*fr));
	fr->type = FR_OBJ;
	fr->msg = (uint8_t)root;
	fr->first = 1;
	fr->mdepth = 1;
	fr->len_at = NO_LEN;
	st->depth = 1;
	p++;
	while (st->depth > 0) {
		fr = &st->fr[st->depth - 1];
		p = ws(p, e);
		if (p == e)
			return fail(st, p, "unexpected end of input");
		if (fr->type == FR_OBJ || fr->type == FR_SKIP_OBJ) {
			if (*p == '}') {
				p = pop(st, p);
			} else {
				if (!fr->first) {
					if (*p != ',')
						return fail(st, p, "expected ',' or '}'");
					p = ws(p + 1, e);
					if (p == e)
						return fail(st, p, "unexpected end of input");
				}
				if (*p != '"')
					return fail(st, p, fr->first ? "expected a key or '}'"
								     : "expected a key");
				fr->first = 0;
				p = member(st, fr, p);
			}
		} else {
			if (*p == ']') {
				p = pop(st, p);
			} else {
				if (!fr->first) {
					if (*p != ',')
						return fail(st, p, "expected ',' or ']'");
					p = ws(p + 1, e);
					if (p == e)
						return fail(st, p, "unexpected end of input");
					fr->n++;
				}
				fr->first = 0;
				p = element(st, fr, p);
			}
		}
		if (p == NULL)
			return st->rc;
	}
	p = ws(p, e);
	if (p != e)
		return fail(st, p, "trailing data after the request object");
	return 0;
}

int
sl_otlp_json_to_pb_opts(enum sl_signal sig, const uint8_t *json, size_t len, uint8_t *out,
			size_t cap, size_t *out_len, const struct sl_otlp_json_opts *opts,
			struct sl_otlp_json_err *err)
{
	static const uint8_t roots[SL_SIGNAL_MAX] = {M_TRACES_REQ, M_METRICS_REQ, M_LOGS_REQ};
	struct st st;
	int rc;

	if (err != NULL) {
		err->off = 0;
		err->msg[0] = '\0';
	}
	if ((unsigned int)sig >= SL_SIGNAL_MAX || (json == NULL && len != 0) || out_len == NULL ||
	    (out == NULL && cap != 0))
		return -EINVAL;
	if (opts != NULL && (opts->max_depth > SL_OTLP_JSON_DEPTH_MAX ||
			     opts->max_msg_depth > SL_OTLP_JSON_MSG_DEPTH_MAX))
		return -EINVAL;
	st.max_depth =
	    opts != NULL && opts->max_depth ? opts->max_depth : SL_OTLP_JSON_DEPTH_DEFAULT;
	st.max_mdepth = opts != NULL && opts->max_msg_depth ? opts->max_msg_depth
							     : SL_OTLP_JSON_MSG_DEPTH_DEFAULT;
	st.base = json != NULL ? json : (const uint8_t *)"";
	st.end = st.base + len;
	/* offsets into out are 32-bit: the walker refuses 4 GiB bodies anyway */
	if (cap > UINT32_MAX)
		cap = UINT32_MAX;
	if (out == NULL) {
		static uint8_t none;

		out = &none; /* cap is 0: never written, but no arithmetic on NULL */
	}
	st.out = st.o = out;
	st.oe = out + cap;
	st.err = err;
	st.rc = 0;
	st.depth = 0;
	st.has_cur = 0;
	st.cur = NULL;
	st.cur_off = 0;
	st.cur_len = 0;
	if (len > UINT32_MAX)
		return fail_rc(&st, -E2BIG, st.base, "JSON body of 4 GiB or more", 0);
	rc = transcode(&st, roots[sig]);
	if (rc < 0)
		return rc;
	*out_len = (size_t)(st.o - st.out);
	return 0;
}

int
sl_otlp_json_to_pb(enum sl_signal sig, const uint8_t *json, size_t len, uint8_t *out, size_t cap,
		   size_t *out_len, struct sl_otlp_json_err *err)
{
	return sl_otlp_json_to_pb_opts(sig, json, len, out, cap, out_len, NULL, err);
}

/* ---- protobuf to JSON (slow path) ---- */

/* protobuf-c's unpack of an Export*ServiceRequest: UNPACK(trace__v1__export_trace, n, b) */
#define UNPACK(r, n, b)                                                                            \
	((ProtobufCMessage *)opentelemetry__proto__collector__##r##_service_request__unpack(       \
		NULL, n, b))

/* JSON output into a bounded buffer; overflow is sticky. */
struct jw {
	char *o, *e;
	int full;
};

static void
jw_put(struct jw *w, const char *s, size_t n)
{
	if (w->full || (size_t)(w->e - w->o) < n) {
		w->full = 1;
		return;
	}
	memcpy(w->o, s, n);
	w->o += n;
}

static void
jw_str(struct jw *w, const char *s)
{
	jw_put(w, s, strlen(s));
}

/* A JSON string of s[0..n): escapes as RFC 8259 requires, invalid UTF-8 as U+FFFD. */
static void
jw_quote(struct jw *w, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const uint8_t *e = s + n;

	jw_put(w, "\"", 1);
	while (s < e) {
		uint8_t c = *s;
		const uint8_t *run = s;

		while (s < e && *s >= 0x20 && *s < 0x80 && *s != '"' && *s != '\\')
			s++;
		jw_put(w, (const char *)run, (size_t)(s - run));
		if (s == e)
			break;
		c = *s;
		if (c >= 0x80) {
			unsigned int l = utf8_len(s, e);

			if (l == 0) {
				jw_put(w, "\xef\xbf\xbd", 3);
				s++;
			} else {
				jw_put(w, (const char *)s, l);
				s += l;
			}
			continue;
		}
		switch (c) {
		case '"':
			jw_put(w, "\\\"", 2);
			break;
		case '\\':
			jw_put(w, "\\\\", 2);
			break;
		case '\n':
			jw_put(w, "\\n", 2);
			break;
		case '\r':
			jw_put(w, "\\r", 2);
			break;
		case '\t':
			jw_put(w, "\\t", 2);
			break;
		case '\b':
			jw_put(w, "\\b", 2);
			break;
		case '\f':
			jw_put(w, "\\f", 2);
			break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

			jw_put(w, u, 6);
			break;
		}
		}
		s++;
	}
	jw_put(w, "\"", 1);
}

/* The shortest "%.Ng" that reads back as d; NaN and infinities as OTLP/JSON strings. */
static void
jw_double(struct jw *w, double d)
{
	char buf[40];
	int prec;

	if (isnan(d)) {
		jw_str(w, "\"NaN\"");
		return;
	}
	if (isinf(d)) {
		jw_str(w, d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
		return;
	}
	for (prec = 15; prec < 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	if (prec == 17)
		snprintf(buf, sizeof(buf), "%.17g", d);
	jw_str(w, buf);
}

static void
jw_hex(struct jw *w, const uint8_t *b, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i;

	jw_put(w, "\"", 1);
	for (i = 0; i < n; i++) {
		char x[2] = {hex[b[i] >> 4], hex[b[i] & 15]};

		jw_put(w, x, 2);
	}
	jw_put(w, "\"", 1);
}

static void
jw_b64(struct jw *w, const uint8_t *b, size_t n)
{
	static const char a[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	jw_put(w, "\"", 1);
	for (i = 0; i + 2 < n; i += 3) {
		uint32_t v = (uint32_t)b[i] << 16 | (uint32_t)b[i + 1] << 8 | b[i + 2];
		char q[4] = {a[v >> 18], a[(v >> 12) & 63], a[(v >> 6) & 63], a[v & 63]};

		jw_put(w, q, 4);
	}
	if (n - i == 1) {
		char q[4] = {a[b[i] >> 2], a[(b[i] & 3) << 4], '=', '='};

		jw_put(w, q, 4);
	} else if (n - i == 2) {
		uint32_t v = (uint32_t)b[i] << 8 | b[i + 1];
		char q[4] = {a[v >> 10], a[(v >> 4) & 63], a[(v & 15) << 2], '='};

		jw_put(w, q, 4);
	}
	jw_put(w, "\"", 1);
}

/* "key": with the proto field name in lowerCamelCase (protobuf's ToJsonName). */
static void
jw_key(struct jw *w, const char *name)
{
	char buf[64];
	size_t n = 0;
	int up = 0;

	for (; *name != '\0' && n < sizeof(buf); name++) {
		if (*name == '_') {
			up = 1;
			continue;
		}
		buf[n++] = up && *name >= 'a' && *name <= 'z' ? (char)(*name - 'a' + 'A') : *name;
		up = 0;
	}
	jw_put(w, "\"", 1);
	jw_put(w, buf, n);
	jw_put(w, "\":", 2);
}

/* OTLP's hex-encoded bytes fields (every other bytes field is base64). */
static int
is_hex_id(const ProtobufCFieldDescriptor *f)
{
	return strcmp(f->name, "trace_id") == 0 || strcmp(f->name, "span_id") == 0 ||
	       strcmp(f->name, "parent_span_id") == 0;
}

static int jw_message(struct jw *w, const ProtobufCMessage *m, unsigned int depth);

/* One value of field f stored at v (an element, for repeated fields). */
static int
jw_value(struct jw *w, const ProtobufCFieldDescriptor *f, const void *v, unsigned int depth)
{
	char buf[32];

	switch (f->type) {
	case PROTOBUF_C_TYPE_INT32:
	case PROTOBUF_C_TYPE_SINT32:
	case PROTOBUF_C_TYPE_SFIXED32:
	case PROTOBUF_C_TYPE_ENUM:
		snprintf(buf, sizeof(buf), "%d", (int)*(const int32_t *)v);
		jw_str(w, buf);
		break;
	case PROTOBUF_C_TYPE_UINT32:
	case PROTOBUF_C_TYPE_FIXED32:
		snprintf(buf, sizeof(buf), "%u", (unsigned int)*(const uint32_t *)v);
		jw_str(w, buf);
		break;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
		snprintf(buf, sizeof(buf), "\"%lld\"", (long long)*(const int64_t *)v);
		jw_str(w, buf);
		break;
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		snprintf(buf, sizeof(buf), "\"%llu\"", (unsigned long long)*(const uint64_t *)v);
		jw_str(w, buf);
		break;
	case PROTOBUF_C_TYPE_BOOL:
		jw_str(w, *(const protobuf_c_boolean *)v ? "true" : "false");
		break;
	case PROTOBUF_C_TYPE_FLOAT:
		jw_double(w, *(const float *)v);
		break;
	case PROTOBUF_C_TYPE_DOUBLE:
		jw_double(w, *(const double *)v);
		break;
	case PROTOBUF_C_TYPE_STRING: {
		const char *s = *(char *const *)v;

		jw_quote(w, (const uint8_t *)(s ? s : ""), s ? strlen(s) : 0);
		break;
	}
	case PROTOBUF_C_TYPE_BYTES: {
		const ProtobufCBinaryData *b = v;

		if (is_hex_id(f))
			jw_hex(w, b->data, b->len);
		else
			jw_b64(w, b->data, b->len);
		break;
	}
	case PROTOBUF_C_TYPE_MESSAGE:
		return jw_message(w, *(ProtobufCMessage *const *)v, depth + 1);
	default:
		return -EBADMSG;
	}
	return 0;
}

/* What protobuf-c's pack leaves out of a proto3 field without presence. */
static int
is_default(const ProtobufCFieldDescriptor *f, const void *v)
{
	switch (f->type) {
	case PROTOBUF_C_TYPE_BOOL:
		return *(const protobuf_c_boolean *)v == 0;
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
		return *(const uint64_t *)v == 0;
	case PROTOBUF_C_TYPE_FLOAT:
		return *(const float *)v == 0;
	case PROTOBUF_C_TYPE_DOUBLE:
		return *(const double *)v == 0;
	case PROTOBUF_C_TYPE_STRING:
		return *(char *const *)v == NULL || **(char *const *)v == '\0';
	case PROTOBUF_C_TYPE_BYTES:
		return ((const ProtobufCBinaryData *)v)->len == 0;
	case PROTOBUF_C_TYPE_MESSAGE:
		return *(void *const *)v == NULL;
	default:
		return *(const uint32_t *)v == 0;
	}
}

/* Size of one element of a repeated field of type t in protobuf-c's arrays. */
static size_t
elem_size(ProtobufCType t)
{
	switch (t) {
	case PROTOBUF_C_TYPE_INT64:
	case PROTOBUF_C_TYPE_SINT64:
	case PROTOBUF_C_TYPE_SFIXED64:
	case PROTOBUF_C_TYPE_UINT64:
	case PROTOBUF_C_TYPE_FIXED64:
	case PROTOBUF_C_TYPE_DOUBLE:
		return 8;
	case PROTOBUF_C_TYPE_BOOL:
		return sizeof(protobuf_c_boolean);
	case PROTOBUF_C_TYPE_STRING:
		return sizeof(char *);
	case PROTOBUF_C_TYPE_BYTES:
		return sizeof(ProtobufCBinaryData);
	case PROTOBUF_C_TYPE_MESSAGE:
		return sizeof(ProtobufCMessage *);
	default:
		return 4;
	}
}

static int
jw_message(struct jw *w, const ProtobufCMessage *m, unsigned int depth)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;
	const char *base = (const char *)m;
	unsigned int i;
	int first = 1, rc;

	if (depth > SL_OTLP_JSON_MSG_DEPTH_MAX)
		return -EBADMSG;
	jw_put(w, "{", 1);
	for (i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *f = &d->fields[i];
		const void *v = base + f->offset;

		if (f->label == PROTOBUF_C_LABEL_REPEATED) {
			size_t n = *(const size_t *)(base + f->quantifier_offset), k;
			const char *arr = *(char *const *)v;

			if (n == 0)
				continue;
			if (!first)
				jw_put(w, ",", 1);
			jw_key(w, f->name);
			jw_put(w, "[", 1);
			for (k = 0; k < n; k++) {
				if (k > 0)
					jw_put(w, ",", 1);
				rc = jw_value(w, f, arr + k * elem_size(f->type), depth);
				if (rc < 0)
					return rc;
			}
			jw_put(w, "]", 1);
		} else {
			if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
				if (*(const uint32_t *)(base + f->quantifier_offset) != f->id)
					continue;
				if (f->type == PROTOBUF_C_TYPE_MESSAGE && *(void *const *)v == NULL)
					continue;
			} else if (is_default(f, v)) {
				continue;
			}
			if (!first)
				jw_put(w, ",", 1);
			jw_key(w, f->name);
			rc = jw_value(w, f, v, depth);
			if (rc < 0)
				return rc;
		}
		first = 0;
	}
	jw_put(w, "}", 1);
	return 0;
}

/* Reads a varint at *pp (below e); 0, or -1 when it is truncated or over 10 bytes. */
static int
get_varint(const uint8_t **pp, const uint8_t *e, uint64_t *v)
{
	const uint8_t *p = *pp;
	unsigned int shift;

	*v = 0;
	for (shift = 0; shift < 70 && p < e; shift += 7) {
		*v |= (uint64_t)(*p & 0x7f) << shift;
		if (*p++ < 0x80) {
			*pp = p;
			return 0;
		}
	}
	return -1;
}

/*
 * Whether the known sub-messages of pb nest at most SL_OTLP_JSON_MSG_DEPTH_MAX
 * deep (the request = 1). protobuf-c's unpack recurses once per level with no
 * bound, so a hostile body could exhaust the stack; only known message fields
 * nest (protobuf-c keeps unknown ones as bytes). Iterative, with the schema
 * tables of the transcoder. Anything else malformed is left to protobuf-c.
 */
static int
pb_depth_ok(unsigned int root, const uint8_t *p, const uint8_t *e)
{
	struct {
		const uint8_t *end;
		unsigned int msg;
	} up[SL_OTLP_JSON_MSG_DEPTH_MAX];
	unsigned int d = 0, msg = root, i;
	uint64_t tag, n;

	for (;;) {
		const struct jfield *f = NULL;

		if (p >= e) {
			if (d == 0)
				return 1;
			d--;
			e = up[d].end;
			msg = up[d].msg;
			continue;
		}
		if (get_varint(&p, e, &tag) < 0)
			return 1;
		switch (tag & 7) {
		case 0:
			if (get_varint(&p, e, &n) < 0)
				return 1;
			break;
		case 1:
			p += (size_t)(e - p) < 8 ? (size_t)(e - p) : 8;
			break;
		case 5:
			p += (size_t)(e - p) < 4 ? (size_t)(e - p) : 4;
			break;
		case 2:
			if (get_varint(&p, e, &n) < 0 || n > (uint64_t)(e - p))
				return 1;
			for (i = 0; i < msgs[msg].n; i++) {
				const struct jfield *g = &msgs[msg].f[i];
				int sub = g->kind == K_MSG || g->kind == K_MSG_REP;

				if (sub && g->num == tag >> 3)
					f = g;
			}
			if (f == NULL) {
				p += n;
				break;
			}
			if (d + 2 > SL_OTLP_JSON_MSG_DEPTH_MAX)
				return 0;
			up[d].end = e;
			up[d].msg = msg;
			d++;
			e = p + n;
			msg = f->sub;
			break;
		default:
			return 1;
		}
	}
}

int
sl_otlp_pb_to_json(enum sl_signal sig, const uint8_t *pb, size_t len, char *out, size_t cap,
		   size_t *out_len)
{
	static const uint8_t roots[SL_SIGNAL_MAX] = {M_TRACES_REQ, M_METRICS_REQ, M_LOGS_REQ};
	ProtobufCMessage *m;
	struct jw w;
	int rc;

	if ((unsigned int)sig >= SL_SIGNAL_MAX || (pb == NULL && len != 0) || out == NULL ||
	    cap == 0 || out_len == NULL)
		return -EINVAL;
	if (pb == NULL)
		pb = (const uint8_t *)"";
	if (!pb_depth_ok(roots[sig], pb, pb + len))
		return -EBADMSG;
	switch (sig) {
	case SL_SIGNAL_TRACES:
		m = UNPACK(trace__v1__export_trace, len, pb);
		break;
	case SL_SIGNAL_METRICS:
		m = UNPACK(metrics__v1__export_metrics, len, pb);
		break;
	default:
		m = UNPACK(logs__v1__export_logs, len, pb);
		break;
	}
	if (m == NULL)
		return -EBADMSG;
	w.o = out;
	w.e = out + cap - 1; /* room for the NUL */
	w.full = 0;
	rc = jw_message(&w, m, 1);
	protobuf_c_message_free_unpacked(m, NULL);
	if (rc < 0)
		return rc;
	if (w.full)
		return -E2BIG;
	*w.o = '\0';
	*out_len = (size_t)(w.o - out);
	return 0;
}
