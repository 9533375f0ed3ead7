/* SPDX-License-Identifier: BSD-3-Clause */
/* Zero-copy validating walker of OTLP Export*ServiceRequest protobuf bodies held in fragments. */

/*
 * Design
 * ======
 *
 * What it does. One pass over the body, in place, that (1) proves the bytes
 * are a well-formed Export{Trace,Metrics,Logs}ServiceRequest of OTLP v1.7.0
 * down to the last AnyValue, (2) counts spans / data points / log records,
 * (3) records each top-level field-1 entry (ResourceSpans, ...) as a byte
 * range, (4) copies out the resource attributes routing needs. Nothing is
 * decoded into structs: the batch builder forwards the original bytes, range
 * by range (DESIGN rules 4 and 5).
 *
 * Layout of a walk:
 *
 *   iov[0]            iov[1]        iov[2]          fragments (any sizes, some empty)
 *   |.........|........p....|fe  |..............|
 *             ^bias: ABS(p) = p - bias = absolute offset of p in the body
 *
 *   frames[0]  request                 end = body length      (root, level 1)
 *   frames[1]  resource_spans[2]       end = abs. end of entry 2
 *   frames[2]  .scope_spans[0]         end = ...
 *   frames[3]  .spans[5]               end = ...
 *   top ->     .attributes[1]          end = ...              (level 5)
 *
 *   lim = min(fe, p + (top->end - ABS(p))): the fast path reads [p, lim)
 *   without any other bounds check.
 *
 * The schema is data: schema[message][field number] gives the wire types the
 * field takes, the message type to push for a sub-message, a per-frame
 * counter slot (for the [i] of error paths) and an "op" for the few fields
 * that need more than skip-or-push (entries, metric data arms, packed
 * scalars, resource attributes). Three layers read it: the fast path
 * (tagtab, below), the generic path (one field by schema[], inside [p, lim))
 * and the slow path (byte at a time across fragment ends). The loop is a
 * switch; there is no recursion and no call through a pointer.
 *
 * Invariants:
 *  - p <= lim <= fe, and ABS(lim) <= top->end <= ... <= frames[0].end.
 *  - Every length is checked against the end of its enclosing message before
 *    anything moves past it; so reads stay inside the body even for lying
 *    lengths, and frames nest: a child never ends after its parent.
 *  - The fast and generic paths decode only bytes below lim; anything that
 *    would cross lim goes to the slow path, which reads byte by byte across
 *    fragments and reaches the same verdict. Results, error offsets and
 *    messages therefore do not depend on how the body is cut into fragments
 *    (the unit tests cut the goldens at every byte to check this).
 *  - Errors report the offset of the tag of the offending field (or of the
 *    byte that is wrong when there is no tag) and the field path to it.
 *
 * What counts as malformed (beyond truncation): varints over 10 bytes, tags
 * and length prefixes over 5 bytes or above 2^32 - 1, field number 0, wire
 * types 3, 4 (groups), 6, 7, a wire type other than the schema's for a known
 * field (packed and unpacked both accepted for repeated scalars), packed
 * data that does not tile its bytes, nesting over opts->max_depth. Unknown
 * fields with a valid wire type are skipped (proto3 forward compatibility).
 * Enum values are not checked (proto3 keeps unknown enum values) and strings
 * are not checked for UTF-8: see below.
 *
 * Item counting follows protobuf semantics where they matter: when a Metric
 * carries two different data arms (gauge then sum), the last wins and the
 * points of the first are not counted; the same arm twice is merged and
 * counted in full (flagged SL_OTLP_WALK_F_METRIC_MERGED).
 *
 * Ownership: the walker reads the fragments and writes only *res (and the
 * caller's entries array). All state is on the stack (3.2 KiB, 6 KiB while
 * an error message is built; gcc -fstack-usage): any number of cores may
 * walk at once; opts may be shared read-only. The fast-path tables are
 * built once, before main, by a constructor (tagtab_init).
 *
 * Rejected alternatives:
 *  - Unpacking with protobuf-c (or upb): allocates per message, copies every
 *    string, and needs a contiguous body (a copy of every request that
 *    straddles mbufs). Measured ~27x slower than this walker on the same
 *    request (table below).
 *  - A recursive descent with one function per message: simpler to read but
 *    a call per message and no cheap bound on stack use; the explicit frame
 *    stack bounds it at max_depth frames.
 *  - Linearising straddling fields into a bounce buffer for the fast path:
 *    every read then needs to know which buffer it is in; reading byte by
 *    byte across fragments is only taken at fragment ends (once per mbuf).
 *  - UTF-8 validation of strings (proto3 asks parsers for it): a pass over
 *    every string byte, most of a span's bytes, for data sluice forwards
 *    unchanged; protobuf-c does not check either. A sink that needs it can
 *    validate at flush time, off the poll cores.
 *  - Per-field function pointers (upb style mini tables with handlers): an
 *    indirect call per field costs more than the whole field on this path.
 *
 * The fast path. The loop first looks the tag byte up in
 * tagtab[type][byte] (built from schema[] at load time) and, when the whole
 * field lies below lim, skips or pushes it with no other check: most fields
 * cost one table load and a few compares. Runs of attributes of the common
 * shape (key, then one scalar or string value) are validated in place by
 * kv_fast() without pushing frames, and messages without sub-messages
 * (Status, quantiles) by flat_ok(). Anything else - a field crossing a
 * fragment or the message end, a multi-byte length over 2 MiB, unknown
 * fields, wire types the schema does not expect, the ops - goes to the
 * generic path, which decodes the tag, consults schema[] and reports every
 * error. The fast path never decides that input is bad; so a body cut into
 * 1-byte fragments, which never takes it, must walk exactly like the whole
 * body (unit test and fuzz target check this).
 *
 * Measured, TSC cycles per span, bare walk with ranges and service.name, best
 * of 400 rounds, spans of ~258 bytes (ids, name, kind, times, 5 attributes,
 * status, flags), one resource and scope per request:
 *
 *   ninja -C build perf/walk_bench && taskset -c 1 build/perf/walk_bench
 *   (gcc 12.2 -O2, AMD EPYC family 26 model 2 under KVM, TSC 2.596 GHz,
 *   2 vCPUs shared with other work)
 *
 *   spans/request  bytes/span  cycles/span  ns/span  in 1448 B fragments  protobuf-c
 *               1         400          259      100                  257        2328
 *              10         271          101       39                  105        1636
 *             100         258           83       32                   97        2242
 *            1000         257           81       31                   97        2332
 *
 * (protobuf-c: unpack + free of the same body, for scale: ~27x the walk.)
 * The per-request cost (~180 cycles: setup, the entry, its resource
 * attributes) dominates requests of one span.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "proto/otlp_walk.h"
#include "sl_common.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the varint fast path loads 8 bytes little-endian"
#endif

/* ---- schema ---- */

/* Message types the walker knows (M_NONE: the field is not a sub-message). */
enum msg {
	M_NONE,
	M_TRACES_REQ,
	M_METRICS_REQ,
	M_LOGS_REQ,
	M_RESOURCE_SPANS,
	M_SCOPE_SPANS,
	M_SPAN,
	M_EVENT,
	M_LINK,
	M_STATUS,
	M_RESOURCE_METRICS,
	M_SCOPE_METRICS,
	M_METRIC,
	M_GAUGE,
	M_SUM,
	M_HISTOGRAM,
	M_EXP_HISTOGRAM,
	M_SUMMARY,
	M_NUMBER_DP,
	M_HISTOGRAM_DP,
	M_EXP_HISTOGRAM_DP,
	M_BUCKETS,
	M_SUMMARY_DP,
	M_QUANTILE,
	M_EXEMPLAR,
	M_RESOURCE_LOGS,
	M_SCOPE_LOGS,
	M_LOG_RECORD,
	M_RESOURCE,
	M_SCOPE,
	M_KEY_VALUE,
	M_ANY_VALUE,
	M_ARRAY_VALUE,
	M_KVLIST,
	M_ENTITY_REF,
	M_RES_KV,        /* a KeyValue of Resource.attributes: key and value extracted */
	M_RES_ANY_VALUE, /* the AnyValue of such a KeyValue */
	M__COUNT
};

/* Largest field number of the schema is 16 (Span.flags); higher ones are unknown. */
#define NF 17

/* Wire types as bits, so a field can take several (packed and unpacked). */
#define WT_VARINT 0
#define WT_I64    1
#define WT_LEN    2
#define WT_I32    5
#define W_VARINT  (1u << WT_VARINT)
#define W_I64     (1u << WT_I64)
#define W_LEN     (1u << WT_LEN)
#define W_I32     (1u << WT_I32)
#define W_ANY     (W_VARINT | W_I64 | W_LEN | W_I32)

/* What the special path does with a field whose wire type missed the fast path. */
enum op {
	OP_NONE,
	OP_ENTRY,         /* request.resource_*: record the range, push */
	OP_ARM,           /* Metric.gauge/sum/...: oneof bookkeeping, push */
	OP_PACKED_I64,    /* packed fixed64/double: length a multiple of 8 */
	OP_PACKED_VARINT, /* packed uint64: whole varints of at most 10 bytes */
	OP_RES_KV,        /* Resource.attributes: reset the attribute state, push */
	OP_RES_KEY,       /* its key: match against the routing keys */
	OP_RES_STR,       /* its string_value: copy out */
	OP_RES_OTHER,     /* any other value arm: note the type, then as usual */
};

/*
 * One field of one message. wtx holds the fast path's wire types XOR W_ANY,
 * so that an entry left zero by the initialisers below is an unknown field
 * (all valid wire types, skipped).
 */
struct fdesc {
	uint8_t wtx;
	uint8_t swts;  /* wire types the special path takes (op) */
	uint8_t child; /* enum msg to push, M_NONE to skip */
	uint8_t flags; /* SLOT_MASK: frame counter of a repeated field; F_ITEM */
	uint8_t op;    /* enum op */
	uint8_t once;  /* 1: a singular sub-message; its slot counts occurrences (merges) */
	uint8_t pad[2];
};

#define SLOT_MASK 0x7
#define F_ITEM    0x80

#define FD(w)         {.wtx = (w) ^ W_ANY}
#define VARINT        FD(W_VARINT)
#define I64           FD(W_I64)
#define I32           FD(W_I32)
#define LEN           FD(W_LEN)
#define RLEN(s)       {.wtx = W_LEN ^ W_ANY, .flags = (s)}
#define MSG(m)        {.wtx = W_LEN ^ W_ANY, .child = (m)}
#define RMSG(m, s)    {.wtx = W_LEN ^ W_ANY, .child = (m), .flags = (s)}
#define ITEMS(m)      {.wtx = W_LEN ^ W_ANY, .child = (m), .flags = 1 | F_ITEM}
#define ONCE(m, s)    {.wtx = W_LEN ^ W_ANY, .child = (m), .flags = (s), .once = 1}
#define PACKED(w, o)  {.wtx = (w) ^ W_ANY, .swts = W_LEN, .op = (o)}
#define OP(o, w, m, s) {.wtx = W_ANY, .swts = (w), .child = (m), .flags = (s), .op = (o)}
#define NOFIELD       {.wtx = W_ANY}
#define ROW(m, ...)   [m] = {[0] = NOFIELD, __VA_ARGS__}

/* Frame counters of Metric frames that hold the data oneof's state (slot 1 is metadata). */
#define ARM_FIELD 3 /* field number of the data arm seen last, 0 before any */
#define ARM_ITEMS 4 /* items counted before the Metric's first data arm */

static const struct fdesc schema[M__COUNT][NF] = {
	ROW(M_TRACES_REQ, [1] = OP(OP_ENTRY, W_LEN, M_RESOURCE_SPANS, 1)),
	ROW(M_METRICS_REQ, [1] = OP(OP_ENTRY, W_LEN, M_RESOURCE_METRICS, 1)),
	ROW(M_LOGS_REQ, [1] = OP(OP_ENTRY, W_LEN, M_RESOURCE_LOGS, 1)),

	ROW(M_RESOURCE_SPANS, [1] = ONCE(M_RESOURCE, 2), [2] = RMSG(M_SCOPE_SPANS, 1), [3] = LEN),
	ROW(M_SCOPE_SPANS, [1] = ONCE(M_SCOPE, 2), [2] = ITEMS(M_SPAN), [3] = LEN),
	ROW(M_SPAN, [1] = LEN, [2] = LEN, [3] = LEN, [4] = LEN, [5] = LEN, [6] = VARINT, [7] = I64,
	    [8] = I64, [9] = RMSG(M_KEY_VALUE, 1), [10] = VARINT, [11] = RMSG(M_EVENT, 2),
	    [12] = VARINT, [13] = RMSG(M_LINK, 3), [14] = VARINT, [15] = ONCE(M_STATUS, 4),
	    [16] = I32),
	ROW(M_EVENT, [1] = I64, [2] = LEN, [3] = RMSG(M_KEY_VALUE, 1), [4] = VARINT),
	ROW(M_LINK, [1] = LEN, [2] = LEN, [3] = LEN, [4] = RMSG(M_KEY_VALUE, 1), [5] = VARINT,
	    [6] = I32),
	ROW(M_STATUS, [2] = LEN, [3] = VARINT),

	ROW(M_RESOURCE_METRICS, [1] = ONCE(M_RESOURCE, 2), [2] = RMSG(M_SCOPE_METRICS, 1),
	    [3] = LEN),
	ROW(M_SCOPE_METRICS, [1] = ONCE(M_SCOPE, 2), [2] = RMSG(M_METRIC, 1), [3] = LEN),
	ROW(M_METRIC, [1] = LEN, [2] = LEN, [3] = LEN, [5] = OP(OP_ARM, W_LEN, M_GAUGE, 0),
	    [7] = OP(OP_ARM, W_LEN, M_SUM, 0), [9] = OP(OP_ARM, W_LEN, M_HISTOGRAM, 0),
	    [10] = OP(OP_ARM, W_LEN, M_EXP_HISTOGRAM, 0), [11] = OP(OP_ARM, W_LEN, M_SUMMARY, 0),
	    [12] = RMSG(M_KEY_VALUE, 1)),
	ROW(M_GAUGE, [1] = ITEMS(M_NUMBER_DP)),
	ROW(M_SUM, [1] = ITEMS(M_NUMBER_DP), [2] = VARINT, [3] = VARINT),
	ROW(M_HISTOGRAM, [1] = ITEMS(M_HISTOGRAM_DP), [2] = VARINT),
	ROW(M_EXP_HISTOGRAM, [1] = ITEMS(M_EXP_HISTOGRAM_DP), [2] = VARINT),
	ROW(M_SUMMARY, [1] = ITEMS(M_SUMMARY_DP)),
	ROW(M_NUMBER_DP, [2] = I64, [3] = I64, [4] = I64, [5] = RMSG(M_EXEMPLAR, 2), [6] = I64,
	    [7] = RMSG(M_KEY_VALUE, 1), [8] = VARINT),
	ROW(M_HISTOGRAM_DP, [2] = I64, [3] = I64, [4] = I64, [5] = I64,
	    [6] = PACKED(W_I64, OP_PACKED_I64), [7] = PACKED(W_I64, OP_PACKED_I64),
	    [8] = RMSG(M_EXEMPLAR, 2), [9] = RMSG(M_KEY_VALUE, 1), [10] = VARINT, [11] = I64,
	    [12] = I64),
	ROW(M_EXP_HISTOGRAM_DP, [1] = RMSG(M_KEY_VALUE, 1), [2] = I64, [3] = I64, [4] = I64,
	    [5] = I64, [6] = VARINT, [7] = I64, [8] = ONCE(M_BUCKETS, 3), [9] = ONCE(M_BUCKETS, 4),
	    [10] = VARINT, [11] = RMSG(M_EXEMPLAR, 2), [12] = I64, [13] = I64, [14] = I64),
	ROW(M_BUCKETS, [1] = VARINT, [2] = PACKED(W_VARINT, OP_PACKED_VARINT)),
	ROW(M_SUMMARY_DP, [2] = I64, [3] = I64, [4] = I64, [5] = I64, [6] = RMSG(M_QUANTILE, 2),
	    [7] = RMSG(M_KEY_VALUE, 1), [8] = VARINT),
	ROW(M_QUANTILE, [1] = I64, [2] = I64),
	ROW(M_EXEMPLAR, [2] = I64, [3] = I64, [4] = LEN, [5] = LEN, [6] = I64,
	    [7] = RMSG(M_KEY_VALUE, 1)),

	ROW(M_RESOURCE_LOGS, [1] = ONCE(M_RESOURCE, 2), [2] = RMSG(M_SCOPE_LOGS, 1), [3] = LEN),
	ROW(M_SCOPE_LOGS, [1] = ONCE(M_SCOPE, 2), [2] = ITEMS(M_LOG_RECORD), [3] = LEN),
	ROW(M_LOG_RECORD, [1] = I64, [2] = VARINT, [3] = LEN, [5] = ONCE(M_ANY_VALUE, 2),
	    [6] = RMSG(M_KEY_VALUE, 1), [7] = VARINT, [8] = I32, [9] = LEN, [10] = LEN, [11] = I64,
	    [12] = LEN),

	ROW(M_RESOURCE, [1] = OP(OP_RES_KV, W_LEN, M_RES_KV, 1), [2] = VARINT,
	    [3] = RMSG(M_ENTITY_REF, 2)),
	ROW(M_SCOPE, [1] = LEN, [2] = LEN, [3] = RMSG(M_KEY_VALUE, 1), [4] = VARINT),
	ROW(M_KEY_VALUE, [1] = LEN, [2] = ONCE(M_ANY_VALUE, 1)),
	ROW(M_ANY_VALUE, [1] = LEN, [2] = VARINT, [3] = VARINT, [4] = I64, [5] = MSG(M_ARRAY_VALUE),
	    [6] = MSG(M_KVLIST), [7] = LEN),
	ROW(M_ARRAY_VALUE, [1] = RMSG(M_ANY_VALUE, 1)),
	ROW(M_KVLIST, [1] = RMSG(M_KEY_VALUE, 1)),
	ROW(M_ENTITY_REF, [1] = LEN, [2] = LEN, [3] = RLEN(1), [4] = RLEN(2)),
	ROW(M_RES_KV, [1] = OP(OP_RES_KEY, W_LEN, M_NONE, 0), [2] = ONCE(M_RES_ANY_VALUE, 1)),
	ROW(M_RES_ANY_VALUE, [1] = OP(OP_RES_STR, W_LEN, M_NONE, 0),
	    [2] = OP(OP_RES_OTHER, W_VARINT, M_NONE, 0),
	    [3] = OP(OP_RES_OTHER, W_VARINT, M_NONE, 0),
	    [4] = OP(OP_RES_OTHER, W_I64, M_NONE, 0),
	    [5] = OP(OP_RES_OTHER, W_LEN, M_ARRAY_VALUE, 0),
	    [6] = OP(OP_RES_OTHER, W_LEN, M_KVLIST, 0), [7] = OP(OP_RES_OTHER, W_LEN, M_NONE, 0)),
};

/* Any field number above the schema's: unknown, any valid wire type, skipped. */
static const struct fdesc fd_unknown;

/* Types whose end needs work (pop hook). */
#define T_ENTRY  1 /* a top-level entry: its item count */
#define T_RES_KV 2 /* a resource attribute: store it if its key is a routing key */

static const uint8_t tflags[M__COUNT] = {
	[M_RESOURCE_SPANS] = T_ENTRY,
	[M_RESOURCE_METRICS] = T_ENTRY,
	[M_RESOURCE_LOGS] = T_ENTRY,
	[M_RES_KV] = T_RES_KV,
};

static const uint8_t root_of[SL_SIGNAL_MAX] = {
	[SL_SIGNAL_TRACES] = M_TRACES_REQ,
	[SL_SIGNAL_METRICS] = M_METRICS_REQ,
	[SL_SIGNAL_LOGS] = M_LOGS_REQ,
};

/* Field names, for error paths only. */
static const char *const fname[M__COUNT][NF] = {
	[M_TRACES_REQ] = {[1] = "resource_spans"},
	[M_METRICS_REQ] = {[1] = "resource_metrics"},
	[M_LOGS_REQ] = {[1] = "resource_logs"},
	[M_RESOURCE_SPANS] = {[1] = "resource", [2] = "scope_spans", [3] = "schema_url"},
	[M_SCOPE_SPANS] = {[1] = "scope", [2] = "spans", [3] = "schema_url"},
	[M_SPAN] = {[1] = "trace_id", [2] = "span_id", [3] = "trace_state",
		    [4] = "parent_span_id", [5] = "name", [6] = "kind",
		    [7] = "start_time_unix_nano", [8] = "end_time_unix_nano", [9] = "attributes",
		    [10] = "dropped_attributes_count", [11] = "events",
		    [12] = "dropped_events_count", [13] = "links", [14] = "dropped_links_count",
		    [15] = "status", [16] = "flags"},
	[M_EVENT] = {[1] = "time_unix_nano", [2] = "name", [3] = "attributes",
		     [4] = "dropped_attributes_count"},
	[M_LINK] = {[1] = "trace_id", [2] = "span_id", [3] = "trace_state", [4] = "attributes",
		    [5] = "dropped_attributes_count", [6] = "flags"},
	[M_STATUS] = {[2] = "message", [3] = "code"},
	[M_RESOURCE_METRICS] = {[1] = "resource", [2] = "scope_metrics", [3] = "schema_url"},
	[M_SCOPE_METRICS] = {[1] = "scope", [2] = "metrics", [3] = "schema_url"},
	[M_METRIC] = {[1] = "name", [2] = "description", [3] = "unit", [5] = "gauge", [7] = "sum",
		      [9] = "histogram", [10] = "exponential_histogram", [11] = "summary",
		      [12] = "metadata"},
	[M_GAUGE] = {[1] = "data_points"},
	[M_SUM] = {[1] = "data_points", [2] = "aggregation_temporality", [3] = "is_monotonic"},
	[M_HISTOGRAM] = {[1] = "data_points", [2] = "aggregation_temporality"},
	[M_EXP_HISTOGRAM] = {[1] = "data_points", [2] = "aggregation_temporality"},
	[M_SUMMARY] = {[1] = "data_points"},
	[M_NUMBER_DP] = {[2] = "start_time_unix_nano", [3] = "time_unix_nano", [4] = "as_double",
			 [5] = "exemplars", [6] = "as_int", [7] = "attributes", [8] = "flags"},
	[M_HISTOGRAM_DP] = {[2] = "start_time_unix_nano", [3] = "time_unix_nano", [4] = "count",
			    [5] = "sum", [6] = "bucket_counts", [7] = "explicit_bounds",
			    [8] = "exemplars", [9] = "attributes", [10] = "flags", [11] = "min",
			    [12] = "max"},
	[M_EXP_HISTOGRAM_DP] = {[1] = "attributes", [2] = "start_time_unix_nano",
				[3] = "time_unix_nano", [4] = "count", [5] = "sum", [6] = "scale",
				[7] = "zero_count", [8] = "positive", [9] = "negative",
				[10] = "flags", [11] = "exemplars", [12] = "min", [13] = "max",
				[14] = "zero_threshold"},
	[M_BUCKETS] = {[1] = "offset", [2] = "bucket_counts"},
	[M_SUMMARY_DP] = {[2] = "start_time_unix_nano", [3] = "time_unix_nano", [4] = "count",
			  [5] = "sum", [6] = "quantile_values", [7] = "attributes", [8] = "flags"},
	[M_QUANTILE] = {[1] = "quantile", [2] = "value"},
	[M_EXEMPLAR] = {[2] = "time_unix_nano", [3] = "as_double", [4] = "span_id",
			[5] = "trace_id", [6] = "as_int", [7] = "filtered_attributes"},
	[M_RESOURCE_LOGS] = {[1] = "resource", [2] = "scope_logs", [3] = "schema_url"},
	[M_SCOPE_LOGS] = {[1] = "scope", [2] = "log_records", [3] = "schema_url"},
	[M_LOG_RECORD] = {[1] = "time_unix_nano", [2] = "severity_number", [3] = "severity_text",
			  [5] = "body", [6] = "attributes", [7] = "dropped_attributes_count",
			  [8] = "flags", [9] = "trace_id", [10] = "span_id",
			  [11] = "observed_time_unix_nano", [12] = "event_name"},
	[M_RESOURCE] = {[1] = "attributes", [2] = "dropped_attributes_count",
			[3] = "entity_refs"},
	[M_SCOPE] = {[1] = "name", [2] = "version", [3] = "attributes",
		     [4] = "dropped_attributes_count"},
	[M_KEY_VALUE] = {[1] = "key", [2] = "value"},
	[M_ANY_VALUE] = {[1] = "string_value", [2] = "bool_value", [3] = "int_value",
			 [4] = "double_value", [5] = "array_value", [6] = "kvlist_value",
			 [7] = "bytes_value"},
	[M_ARRAY_VALUE] = {[1] = "values"},
	[M_KVLIST] = {[1] = "values"},
	[M_ENTITY_REF] = {[1] = "schema_url", [2] = "type", [3] = "id_keys",
			  [4] = "description_keys"},
	[M_RES_KV] = {[1] = "key", [2] = "value"},
	[M_RES_ANY_VALUE] = {[1] = "string_value", [2] = "bool_value", [3] = "int_value",
			     [4] = "double_value", [5] = "array_value", [6] = "kvlist_value",
			     [7] = "bytes_value"},
};

static const char *const root_name[SL_SIGNAL_MAX] = {
	[SL_SIGNAL_TRACES] = "ExportTraceServiceRequest",
	[SL_SIGNAL_METRICS] = "ExportMetricsServiceRequest",
	[SL_SIGNAL_LOGS] = "ExportLogsServiceRequest",
};

static const char *const err_label[SL_OTLP_ERR_MAX] = {
#define SL_OTLP_ERR_LABEL(name, label) [SL_OTLP_ERR_##name] = label,
	SL_OTLP_WALK_ERRORS(SL_OTLP_ERR_LABEL)
#undef SL_OTLP_ERR_LABEL
};

/* ---- walker state ---- */

/*
 * One open message. 32 bytes: two frames per cache line. cnt[slot] numbers
 * the elements of a repeated field (cnt[0] takes the increments of
 * non-repeated fields, so the fast path needs no branch for them).
 */
struct frame {
	uint32_t end;   /* absolute offset one past the message */
	uint8_t type;   /* enum msg */
	uint8_t field;  /* its field number in the parent (error paths) */
	uint16_t pad;
	uint32_t idx;   /* its index in that field when repeated */
	uint32_t cnt[5];
};

struct walker {
	/* cursor; the hot loop keeps p, fe and bias in registers, SAVE()/LOAD() sync */
	const uint8_t *p;
	const uint8_t *fe;
	uintptr_t bias;
	const struct sl_iov *iov;
	unsigned int fi;
	unsigned int n_iov;
	enum sl_signal sig;
	const struct sl_otlp_walk_opts *opts;
	struct sl_otlp_walk_result *res;
	/* routing state */
	struct sl_otlp_entry *entry; /* the entry being walked */
	uint32_t entry_items0;       /* items counted before it */
	int kv_key;                  /* attrs[] slot of the open resource attribute, or -1 */
	struct sl_otlp_attr kv;      /* its value so far */
	struct sl_otlp_entry spare;  /* entry target when the caller records none */
	struct frame frames[SL_OTLP_WALK_DEPTH_MAX];
};

static const char service_name[] = "service.name";

/* Lengths are bounded by the message end, hence fit 32 bits; the fragment side may not. */
static inline uint32_t
room(const uint8_t *p, const uint8_t *fe, uint32_t msg_left)
{
	size_t f = (size_t)(fe - p);

	return f < msg_left ? (uint32_t)f : msg_left;
}

#define ABS(ptr) ((uint32_t)((uintptr_t)(ptr)-bias))

/* ---- slow path: byte at a time across fragment boundaries ---- */

/* Steps to the next non-empty fragment once w->p reached w->fe; -1 past the last. */
static int
next_frag(struct walker *w)
{
	uint32_t at = (uint32_t)((uintptr_t)w->p - w->bias);

	do {
		if (++w->fi >= w->n_iov)
			return -1;
	} while (w->iov[w->fi].len == 0);
	w->p = w->iov[w->fi].base;
	w->fe = w->p + w->iov[w->fi].len;
	w->bias = (uintptr_t)w->p - at;
	return 0;
}

/* Reads one byte below absolute offset end; -1 at end. */
static inline int
get_byte(struct walker *w, uint32_t end, uint8_t *b)
{
	if ((uint32_t)((uintptr_t)w->p - w->bias) >= end)
		return -1;
	while (w->p == w->fe)
		if (next_frag(w) < 0)
			return -1;
	*b = *w->p++;
	return 0;
}

/*
 * Reads a varint of at most maxlen bytes below end. Returns OK, TRUNCATED
 * (end came first) or VARINT (maxlen bytes, all with the continuation bit).
 */
static enum sl_otlp_err
slow_varint(struct walker *w, uint32_t end, unsigned int maxlen, uint64_t *v)
{
	uint64_t x = 0;
	unsigned int i;
	uint8_t b;

	for (i = 0; i < maxlen; i++) {
		if (get_byte(w, end, &b) < 0)
			return SL_OTLP_ERR_TRUNCATED;
		x |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*v = x;
			return SL_OTLP_ERR_OK;
		}
	}
	return SL_OTLP_ERR_VARINT;
}

/* Skips n bytes; the caller checked they lie inside the current message. */
static void
skip_slow(struct walker *w, uint32_t n)
{
	for (;;) {
		size_t avail = (size_t)(w->fe - w->p);

		if (n <= avail) {
			w->p += n;
			return;
		}
		n -= (uint32_t)avail;
		w->p = w->fe;
		if (next_frag(w) < 0)
			return; /* cannot happen: n was checked against the body */
	}
}

/* Copies the first min(n, cap) bytes of the next n into buf and skips all n. */
static void
copy_skip(struct walker *w, uint32_t n, char *buf, uint32_t cap)
{
	uint32_t want = n < cap ? n : cap;

	while (want > 0) {
		size_t avail = (size_t)(w->fe - w->p);
		uint32_t k = avail < want ? (uint32_t)avail : want;

		if (k == 0) {
			if (next_frag(w) < 0)
				return;
			continue;
		}
		memcpy(buf, w->p, k);
		buf += k;
		w->p += k;
		want -= k;
		n -= k;
	}
	skip_slow(w, n);
}

/*
 * Checks that n bytes of packed varints are whole varints of at most 10
 * bytes each (what protobuf-c and protobuf accept); skips them.
 */
static int
packed_varints(struct walker *w, uint32_t n)
{
	unsigned int run = 0; /* continuation bytes in a row */

	while (n > 0) {
		size_t avail = (size_t)(w->fe - w->p);
		uint32_t k = avail < n ? (uint32_t)avail : n;
		uint32_t i;

		if (k == 0) {
			if (next_frag(w) < 0)
				return -1;
			continue;
		}
		for (i = 0; i < k; i++) {
			if (w->p[i] & 0x80) {
				if (++run == 10)
					return -1;
			} else {
				run = 0;
			}
		}
		w->p += k;
		n -= k;
	}
	return run == 0 ? 0 : -1;
}

/* ---- fast path helpers: read only below lim ---- */

/*
 * Decodes a varint of at most maxlen bytes from [p, lim). Returns its length,
 * 0 when lim comes first (the slow path decides), -1 when maxlen bytes all
 * have the continuation bit.
 */
static inline int
varint_in(const uint8_t *p, const uint8_t *lim, unsigned int maxlen, uint64_t *v)
{
	size_t n = (size_t)(lim - p);
	uint64_t x = 0;
	unsigned int i;

	if (n > maxlen)
		n = maxlen;
	for (i = 0; i < n; i++) {
		x |= (uint64_t)(p[i] & 0x7f) << (7 * i);
		if (!(p[i] & 0x80)) {
			*v = x;
			return (int)i + 1;
		}
	}
	return n == maxlen ? -1 : 0;
}

/* Length of the varint at p when 10 bytes are readable; 0 if it is longer. */
static inline unsigned int
varint_len10(const uint8_t *p)
{
	uint64_t x, stops;

	memcpy(&x, p, 8);
	stops = ~x & 0x8080808080808080ull;
	if (likely(stops != 0))
		return ((unsigned int)__builtin_ctzll(stops) >> 3) + 1;
	if (!(p[8] & 0x80))
		return 9;
	if (!(p[9] & 0x80))
		return 10;
	return 0;
}

/* ---- fast path: one-byte tags, whole field in the fragment ---- */

/*
 * What the fast path does with a tag of a message type: one-byte tags
 * (fields 1..15) in tagtab, two-byte tags of fields 16..31 in tagtab2. Built
 * once from schema[] (tagtab_init), so the tables cannot disagree with it.
 * TK_GENERIC covers everything else: unknown fields, ops, wrong wire types,
 * field 0. The fast path never reports an error: whenever a field is not
 * entirely below lim, or looks wrong, it leaves p on the tag and the
 * generic path takes the field and reaches the verdict.
 */
enum tkind {
	TK_GENERIC,
	TK_VARINT,
	TK_I64,
	TK_I32,
	TK_SKIP, /* string, bytes */
	TK_PUSH, /* sub-message */
	TK_KV,   /* sub-message KeyValue: try kv_fast() first */
};

#define TF_ONCE 0x40 /* with F_ITEM (0x80) in tdesc.flags */

struct tdesc {
	uint8_t kind;
	uint8_t child;
	uint8_t slot;
	uint8_t flags;
};

static struct tdesc tagtab[M__COUNT][128];  /* one-byte tags: fields 1..15 */
static struct tdesc tagtab2[M__COUNT][128]; /* [byte 0 & 0x7f] of tags "x 01": 16..31 */
/*
 * Messages without sub-messages that are not counted items (Status,
 * ValueAtQuantile, ...): flat_ok() validates them without a frame.
 */
static uint8_t flat[M__COUNT];

static void tagtab_init(void) __attribute__((constructor));

static void
tagtab_init(void)
{
	static const uint8_t wts[] = {WT_VARINT, WT_I64, WT_LEN, WT_I32};
	unsigned int m, f, i;

	for (m = 0; m < M__COUNT; m++) {
		flat[m] = m != M_NONE;
		for (f = 1; f < 32; f++) {
			const struct fdesc *fd = f < NF ? &schema[m][f] : &fd_unknown;

			if (f < NF && fd->child != M_NONE)
				flat[m] = 0;
			if (f >= NF)
				continue;
			for (i = 0; i < sizeof(wts); i++) {
				struct tdesc *t = f < 16 ? &tagtab[m][(f << 3) | wts[i]]
							 : &tagtab2[m][((f & 15) << 3) | wts[i]];

				if (!(((fd->wtx ^ W_ANY) >> wts[i]) & 1))
					continue;
				t->child = fd->child;
				t->slot = fd->flags & SLOT_MASK;
				t->flags = (fd->flags & F_ITEM) | (fd->once ? TF_ONCE : 0);
				switch (wts[i]) {
				case WT_VARINT:
					t->kind = TK_VARINT;
					break;
				case WT_I64:
					t->kind = TK_I64;
					break;
				case WT_I32:
					t->kind = TK_I32;
					break;
				default:
					if (fd->op != OP_NONE)
						t->kind = TK_GENERIC;
					else if (fd->child == M_KEY_VALUE)
						t->kind = TK_KV;
					else if (fd->child != M_NONE)
						t->kind = TK_PUSH;
					else
						t->kind = TK_SKIP;
					break;
				}
			}
		}
	}
	/* items are counted when pushed: never flat */
	for (m = 0; m < M__COUNT; m++)
		for (f = 1; f < NF; f++)
			if (schema[m][f].flags & F_ITEM)
				flat[schema[m][f].child] = 0;
}

/* n bytes at q are exactly one varint (of at most 10 bytes). */
static inline int
varint_exact(const uint8_t *q, size_t n)
{
	size_t i;

	if (n == 0 || n > 10)
		return 0;
	for (i = 0; i + 1 < n; i++)
		if (!(q[i] & 0x80))
			return 0;
	return !(q[n - 1] & 0x80);
}

static inline unsigned int
load16(const uint8_t *b)
{
	uint16_t x;

	memcpy(&x, b, 2);
	return x;
}

/*
 * Reads a length of 1 or 2 bytes at *b, below e: the length, *b moved past
 * it; -1 for anything longer or cut by e (the caller falls back).
 */
static inline long
len12(const uint8_t **b, const uint8_t *e)
{
	const uint8_t *q = *b;

	if (likely(e - q >= 1 && q[0] < 0x80)) {
		*b = q + 1;
		return q[0];
	}
	if (e - q >= 2 && q[1] < 0x80) {
		*b = q + 2;
		return (q[0] & 0x7f) | (long)q[1] << 7;
	}
	return -1;
}

/*
 * Validates the KeyValue [b, e) when it has the shape nearly all attributes
 * have: key (under 128 bytes), then a value holding one string, bool, int,
 * double or bytes (under 16 KiB), or nothing. Returns 1 when [b, e) is such
 * a KeyValue, 0 when it is not of that shape; then it is pushed and walked
 * field by field, which decides whether it is valid. Saves 5 loop turns
 * (push, key, push, value, 2 pops) for the commonest message of all.
 */
static inline int
kv_fast(const uint8_t *b, const uint8_t *e)
{
	unsigned int h;
	long n;

	if (e - b < 2)
		return 0;
	h = load16(b);
	if ((h & 0x80ff) != 0x000a || (h >> 8) > (size_t)(e - b) - 2)
		return 0; /* not key first, or a key of 128 bytes or more */
	b += 2 + (h >> 8);
	if (b == e)
		return 1; /* no value */
	if (*b++ != 0x12 || (n = len12(&b, e)) != e - b)
		return 0; /* not a value that ends the KeyValue */
	if (b == e)
		return 1; /* an empty AnyValue */
	switch (*b++) {
	case 0x0a: /* string_value */
	case 0x3a: /* bytes_value */
		return (n = len12(&b, e)) >= 0 && n == e - b;
	case 0x10: /* bool_value */
	case 0x18: /* int_value */
		return varint_exact(b, (size_t)(e - b));
	case 0x21: /* double_value */
		return e - b == 8;
	default:
		return 0;
	}
}

/*
 * Validates [b, e) as a message of scalar and string fields only, with
 * one-byte tags and lengths, per its tagtab row; 0 when it is anything else
 * (the generic path decides then).
 */
static inline int
flat_ok(const struct tdesc *row, const uint8_t *b, const uint8_t *e)
{
	while (b < e) {
		size_t avail = (size_t)(e - b);
		uint64_t v;
		int n;

		if (*b >= 0x80)
			return 0;
		switch (row[*b].kind) {
		case TK_VARINT:
			n = varint_in(b + 1, e, 10, &v);
			if (n <= 0)
				return 0;
			b += 1 + n;
			break;
		case TK_I64:
			if (avail < 9)
				return 0;
			b += 9;
			break;
		case TK_I32:
			if (avail < 5)
				return 0;
			b += 5;
			break;
		case TK_SKIP:
			if (avail < 2 || b[1] >= 0x80 || b[1] > avail - 2)
				return 0;
			b += 2 + b[1];
			break;
		default:
			return 0;
		}
	}
	return 1;
}

/* ---- results ---- */

static void
entry_attr_commit(struct walker *w)
{
	struct sl_otlp_entry *e = w->entry;
	int k = w->kv_key;

	if (k < 0)
		return;
	e->present |= 1u << k;
	e->attrs[k] = w->kv;
}

/* Matches a resource attribute key (n bytes at w->p) against the routing keys. */
static int
match_key(struct walker *w, uint32_t n)
{
	const struct sl_otlp_walk_opts *o = w->opts;
	char buf[SL_OTLP_KEY_MAX];
	const char *key;
	unsigned int i;

	if (n > SL_OTLP_KEY_MAX) {
		skip_slow(w, n);
		return -1;
	}
	if (n <= (size_t)(w->fe - w->p)) {
		key = (const char *)w->p; /* in place: the usual case */
		w->p += n;
	} else {
		copy_skip(w, n, buf, sizeof(buf)); /* straddles: the bounded copy */
		key = buf;
	}
	if (n == sizeof(service_name) - 1 && memcmp(key, service_name, n) == 0)
		return 0;
	if (o != NULL)
		for (i = 0; i < o->n_keys; i++)
			if (o->keys[i].len == n && memcmp(key, o->keys[i].name, n) == 0)
				return (int)i + 1;
	return -1;
}

/* ---- errors ---- */

static size_t
put(char *buf, size_t cap, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* snprintf that appends at buf[at] and returns the new end, clamped to cap - 1. */
static size_t
put(char *buf, size_t cap, size_t at, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (at >= cap - 1)
		return cap - 1;
	va_start(ap, fmt);
	n = vsnprintf(buf + at, cap - at, fmt, ap);
	va_end(ap);
	if (n < 0)
		return at;
	return at + (size_t)n >= cap - 1 ? cap - 1 : at + (size_t)n;
}

/* One path component: "name" or "name[idx]" for field fnum of message type t. */
static size_t
put_field(char *buf, size_t cap, size_t at, unsigned int t, uint32_t fnum, long idx)
{
	const char *name = fnum < NF ? fname[t][fnum] : NULL;

	if (at > 0)
		at = put(buf, cap, at, ".");
	if (name != NULL)
		at = put(buf, cap, at, "%s", name);
	else
		at = put(buf, cap, at, "<field %u>", (unsigned int)fnum);
	if (idx >= 0)
		at = put(buf, cap, at, "[%ld]", idx);
	return at;
}

/* A repeated field: one with a counter slot that is not a singular message's. */
static inline int
is_repeated(const struct fdesc *fd)
{
	return (fd->flags & SLOT_MASK) != 0 && !fd->once;
}

static long
frame_idx(const struct frame *parent, const struct frame *f)
{
	if (f->field >= NF || !is_repeated(&schema[parent->type][f->field]))
		return -1;
	return (long)f->idx;
}

/*
 * Fills res with kind, offset and "path: detail at byte N"; returns the
 * errno. fnum is the field being read (0: the error is about the message
 * top itself), idx its element index (-1: none). A path too long for
 * err_msg keeps its first four components (resource, scope, item, first
 * level below) and as many of the last ones as fit, joined by " ... ".
 */
static int
fail(struct walker *w, const struct frame *top, enum sl_otlp_err kind, uint32_t at,
     uint32_t fnum, long idx, const char *fmt, ...)
	__attribute__((cold, noinline, format(printf, 7, 8)));

static int
fail(struct walker *w, const struct frame *top, enum sl_otlp_err kind, uint32_t at,
     uint32_t fnum, long idx, const char *fmt, ...)
{
	struct sl_otlp_walk_result *res = w->res;
	char full[2048], detail[160], suffix[200];
	unsigned int depth = (unsigned int)(top - w->frames), i;
	size_t n = 0, head_end = 0, budget, slen;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	put(suffix, sizeof(suffix), 0, ": %s at byte %u", detail, (unsigned int)at);

	full[0] = '\0';
	for (i = 1; i <= depth; i++) {
		n = put_field(full, sizeof(full), n, w->frames[i - 1].type, w->frames[i].field,
			      frame_idx(&w->frames[i - 1], &w->frames[i]));
		if (i == 4)
			head_end = n;
	}
	if (fnum != 0 || kind == SL_OTLP_ERR_FIELD_ZERO)
		n = put_field(full, sizeof(full), n, top->type, fnum, idx);
	if (n == 0)
		n = put(full, sizeof(full), 0, "%s", root_name[w->sig]);

	slen = strlen(suffix);
	budget = SL_OTLP_ERR_MSG_LEN - 1 > slen ? SL_OTLP_ERR_MSG_LEN - 1 - slen : 0;
	/* put() (vsnprintf) truncates to err_msg's size; the budget keeps the suffix whole */
	if (n <= budget || head_end == 0 || head_end + 5 >= budget) {
		put(res->err_msg, sizeof(res->err_msg), 0, "%s%s", full, suffix);
	} else {
		/* head ... tail, the tail starting at a component boundary */
		const char *tail = full + n - (budget - head_end - 5);

		while (*tail != '\0' && tail[-1] != '.')
			tail++;
		put(res->err_msg, sizeof(res->err_msg), 0, "%.*s ... %s%s", (int)head_end, full,
		    tail, suffix);
	}
	res->err = kind;
	res->err_off = at;
	switch (kind) {
	case SL_OTLP_ERR_TOO_MANY:
		return -E2BIG;
	case SL_OTLP_ERR_TOO_LARGE:
		return -EMSGSIZE;
	default:
		return -EBADMSG;
	}
}

static const char *
wt_name(unsigned int wt)
{
	static const char *const n[8] = {"varint", "fixed64", "length-delimited", "group start",
					 "group end", "fixed32", "6", "7"};

	return n[wt & 7];
}

/* "varint", "fixed64 or length-delimited", ... for the wire types in mask. */
static void
wt_list(char *buf, size_t cap, unsigned int mask)
{
	size_t n = 0;
	unsigned int wt;

	buf[0] = '\0';
	for (wt = 0; wt < 8; wt++)
		if (mask & (1u << wt))
			n = put(buf, cap, n, "%s%s", n ? " or " : "", wt_name(wt));
}

/* ---- the walk ---- */

const char *
sl_otlp_err_name(enum sl_otlp_err err)
{
	return (unsigned int)err < SL_OTLP_ERR_MAX ? err_label[err] : "unknown";
}

int
sl_otlp_walk_opts_init(struct sl_otlp_walk_opts *opts, const char *const *keys, unsigned int n)
{
	unsigned int i;

	if (opts == NULL || (n > 0 && keys == NULL))
		return -EINVAL;
	memset(opts, 0, sizeof(*opts));
	opts->max_depth = SL_OTLP_WALK_DEPTH_DEFAULT;
	if (n > SL_OTLP_WALK_MAX_KEYS)
		return -E2BIG;
	for (i = 0; i < n; i++) {
		size_t len = keys[i] != NULL ? strlen(keys[i]) : 0;

		if (len == 0 || len > SL_OTLP_KEY_MAX)
			return -EINVAL;
		opts->keys[i].name = keys[i];
		opts->keys[i].len = (uint32_t)len;
	}
	opts->n_keys = n;
	return 0;
}

static int
opts_check(const struct sl_otlp_walk_opts *o, uint32_t *depth)
{
	unsigned int i;

	*depth = SL_OTLP_WALK_DEPTH_DEFAULT;
	if (o == NULL)
		return 0;
	if (o->max_depth != 0)
		*depth = o->max_depth;
	if (*depth < 2 || *depth > SL_OTLP_WALK_DEPTH_MAX || o->n_keys > SL_OTLP_WALK_MAX_KEYS)
		return -EINVAL;
	for (i = 0; i < o->n_keys; i++)
		if (o->keys[i].name == NULL || o->keys[i].len == 0 ||
		    o->keys[i].len > SL_OTLP_KEY_MAX)
			return -EINVAL;
	return 0;
}

#define SAVE()                                                                                     \
	do {                                                                                       \
		w.p = p;                                                                           \
		w.fe = fe;                                                                         \
		w.bias = bias;                                                                     \
	} while (0)
#define LOAD()                                                                                     \
	do {                                                                                       \
		p = w.p;                                                                           \
		fe = w.fe;                                                                         \
		bias = w.bias;                                                                     \
		lim = p + room(p, fe, top->end - ABS(p));                                          \
	} while (0)

int
sl_otlp_walk(enum sl_signal sig, const struct sl_iov *iov, unsigned int n_iov,
	     const struct sl_otlp_walk_opts *opts, struct sl_otlp_walk_result *res)
{
	static const uint8_t nothing[1];
	struct walker w;
	struct frame *top, *top_max;
	const uint8_t *p, *fe, *lim;
	uintptr_t bias;
	uint64_t total = 0;
	uint32_t items = 0, depth;
	unsigned int i;

	if (res == NULL)
		return -EINVAL;
	res->n_entries = 0;
	res->items = 0;
	res->flags = 0;
	res->err = SL_OTLP_ERR_OK;
	res->err_off = 0;
	res->err_msg[0] = '\0';
	if ((unsigned int)sig >= SL_SIGNAL_MAX || (n_iov > 0 && iov == NULL) ||
	    (res->entries == NULL && res->max_entries > 0) || opts_check(opts, &depth) < 0)
		return -EINVAL;

	w.iov = iov;
	w.n_iov = n_iov;
	w.sig = sig;
	w.opts = opts;
	w.res = res;
	w.entry = &w.spare;
	w.entry_items0 = 0;
	w.kv_key = -1;
	top = w.frames;
	top_max = w.frames + depth - 1;
	top->type = root_of[sig];
	top->field = 0;
	top->idx = 0;
	memset(top->cnt, 0, sizeof(top->cnt));

	for (i = 0; i < n_iov; i++)
		total += iov[i].len;
	if (total > UINT32_MAX) {
		top->end = 0;
		return fail(&w, top, SL_OTLP_ERR_TOO_LARGE, 0, 0, -1, "body of %llu bytes",
			    (unsigned long long)total);
	}
	top->end = (uint32_t)total;

	for (w.fi = 0; w.fi < n_iov && iov[w.fi].len == 0; w.fi++)
		;
	if (w.fi < n_iov) {
		p = iov[w.fi].base;
		fe = p + iov[w.fi].len;
	} else {
		p = fe = nothing;
	}
	bias = (uintptr_t)p;
	lim = p + room(p, fe, top->end);

	for (;;) {
		const struct fdesc *fd;
		uint32_t tag_at, fnum, wt, idx;
		uint64_t v;
		int n;

		if (unlikely(p == lim)) {
			uint32_t at = ABS(p);

			if (at == top->end) {
				/* end of the innermost message */
				if (unlikely(tflags[top->type] != 0)) {
					if (tflags[top->type] & T_ENTRY)
						w.entry->items = items - w.entry_items0;
					else
						entry_attr_commit(&w);
				}
				if (top == w.frames)
					break;
				top--;
				lim = p + room(p, fe, top->end - at);
				continue;
			}
			/* end of the fragment, not of the message */
			SAVE();
			if (next_frag(&w) < 0)
				return fail(&w, top, SL_OTLP_ERR_TRUNCATED, at, 0, -1,
					    "body ends early");
			LOAD();
			continue;
		}

		/* fast path: a short tag and the whole field below lim */
		{
			const struct tdesc *td;
			size_t avail = (size_t)(lim - p);
			const uint8_t *body;
			uint32_t len, tl;

			if (likely(*p < 0x80)) {
				td = &tagtab[top->type][*p];
				tl = 1;
			} else if (avail >= 2 && p[1] == 0x01) {
				td = &tagtab2[top->type][*p & 0x7f]; /* fields 16..31 */
				tl = 2;
			} else {
				goto generic;
			}
			switch (td->kind) {
			case TK_VARINT:
				if (likely(avail >= 10 + tl)) {
					unsigned int k = varint_len10(p + tl);

					if (likely(k != 0)) {
						p += tl + k;
						continue;
					}
				} else {
					n = varint_in(p + tl, lim, 10, &v);
					if (n > 0) {
						p += tl + n;
						continue;
					}
				}
				goto generic;
			case TK_I64:
				if (likely(avail >= 8 + tl)) {
					p += 8 + tl;
					continue;
				}
				goto generic;
			case TK_I32:
				if (likely(avail >= 4 + tl)) {
					p += 4 + tl;
					continue;
				}
				goto generic;
			case TK_GENERIC:
				goto generic;
			case TK_KV:
				if (tl == 1 && top_max - top >= 2) {
					/* a run of attributes: stay here while they are simple */
					const uint8_t tag = *p;
					uint32_t *ctr = &top->cnt[td->slot];

					do {
						const uint8_t *kv = p + 1;
						long kl = len12(&kv, lim);

						if (kl < 0 || kl > lim - kv || !kv_fast(kv, kv + kl))
							break;
						(*ctr)++;
						p = kv + kl;
					} while (p < lim && *p == tag);
					if (p == lim || *p != tag)
						continue;
					avail = (size_t)(lim - p);
				}
				break;
			default:
				break;
			}
			/* length-delimited with a length of 1 to 3 bytes */
			if (likely(avail >= tl + 1 && p[tl] < 0x80)) {
				len = p[tl];
				body = p + tl + 1;
			} else if (avail >= tl + 2 && p[tl + 1] < 0x80) {
				len = (p[tl] & 0x7fu) | (uint32_t)p[tl + 1] << 7;
				body = p + tl + 2;
			} else if (avail >= tl + 3 && p[tl + 1] >= 0x80 && p[tl + 2] < 0x80) {
				len = (p[tl] & 0x7fu) | (p[tl + 1] & 0x7fu) << 7 |
				      (uint32_t)p[tl + 2] << 14;
				body = p + tl + 3;
			} else {
				goto generic;
			}
			if (unlikely(len > (size_t)(lim - body)))
				goto generic; /* crosses the fragment end, or an error */
			if (td->kind == TK_SKIP) {
				top->cnt[td->slot]++;
				p = body + len;
				continue;
			}
			if (unlikely(top == top_max))
				goto generic; /* depth: the generic path says so */
			idx = top->cnt[td->slot]++;
			if (flat[td->child] && flat_ok(tagtab[td->child], body, body + len)) {
				if (unlikely((uint32_t)(idx != 0) & (td->flags >> 6) & 1))
					res->flags |= SL_OTLP_WALK_F_MERGED;
				p = body + len;
				continue;
			}
			fnum = tl == 1 ? (uint32_t)*p >> 3 : 16 + ((*p & 0x7fu) >> 3);
			top++;
			top->end = ABS(body) + len;
			top->type = td->child;
			top->field = (uint8_t)fnum;
			top->idx = idx;
			memset(top->cnt, 0, sizeof(top->cnt));
			items += td->flags >> 7;
			if (unlikely((uint32_t)(idx != 0) & (td->flags >> 6) & 1))
				res->flags |= SL_OTLP_WALK_F_MERGED;
			p = body;
			lim = body + len;
			continue;
		}

generic:
		/* tag */
		tag_at = ABS(p);
		if (likely(*p < 0x80)) {
			v = *p++;
		} else {
			n = varint_in(p, lim, 5, &v);
			if (likely(n > 0)) {
				p += n;
			} else if (n < 0) {
				return fail(&w, top, SL_OTLP_ERR_TAG, tag_at, 0, -1,
					    "tag longer than 5 bytes");
			} else {
				enum sl_otlp_err e;

				SAVE();
				e = slow_varint(&w, top->end, 5, &v);
				LOAD();
				if (e == SL_OTLP_ERR_VARINT)
					return fail(&w, top, SL_OTLP_ERR_TAG, tag_at, 0, -1,
						    "tag longer than 5 bytes");
				if (e != SL_OTLP_ERR_OK)
					return fail(&w, top, e, tag_at, 0, -1,
						    "tag runs past the end");
			}
			if (unlikely(v > UINT32_MAX))
				return fail(&w, top, SL_OTLP_ERR_TAG_RANGE, tag_at, 0, -1,
					    "tag %llu above 2^32-1", (unsigned long long)v);
		}
		fnum = (uint32_t)v >> 3;
		wt = (uint32_t)v & 7;
		fd = fnum < NF ? &schema[top->type][fnum] : &fd_unknown;
		if (unlikely(!(((fd->wtx ^ W_ANY) >> wt) & 1)))
			goto special;
dispatch:
		switch (wt) {
		case WT_VARINT:
			if (likely(lim - p >= 10)) {
				unsigned int k = varint_len10(p);

				if (unlikely(k == 0))
					goto bad_varint;
				p += k;
				continue;
			}
			n = varint_in(p, lim, 10, &v);
			if (likely(n > 0)) {
				p += n;
				continue;
			}
			if (n < 0)
				goto bad_varint;
			{
				enum sl_otlp_err e;

				SAVE();
				e = slow_varint(&w, top->end, 10, &v);
				LOAD();
				if (e == SL_OTLP_ERR_VARINT)
					goto bad_varint;
				if (e != SL_OTLP_ERR_OK)
					return fail(&w, top, e, tag_at, fnum, -1,
						    "varint runs past the end of its message");
			}
			continue;
		case WT_I64:
		case WT_I32: {
			uint32_t size = wt == WT_I64 ? 8 : 4;

			if (likely((size_t)(lim - p) >= size)) {
				p += size;
				continue;
			}
			if (top->end - ABS(p) < size)
				return fail(&w, top, SL_OTLP_ERR_TRUNCATED, tag_at, fnum, -1,
					    "%s runs past the end of its message",
					    wt == WT_I64 ? "fixed64" : "fixed32");
			SAVE();
			skip_slow(&w, size);
			LOAD();
			continue;
		}
		default: /* WT_LEN; the others never pass the wire type check */
			break;
		}

		/* length-delimited: string, bytes, sub-message, packed scalars */
		idx = top->cnt[fd->flags & SLOT_MASK]++;
		if (likely(p < lim && *p < 0x80)) {
			v = *p++;
		} else {
			n = varint_in(p, lim, 5, &v);
			if (likely(n > 0)) {
				p += n;
			} else {
				enum sl_otlp_err e = SL_OTLP_ERR_VARINT;
				long ix = is_repeated(fd) ? (long)idx : -1;

				if (n == 0) {
					SAVE();
					e = slow_varint(&w, top->end, 5, &v);
					LOAD();
				}
				if (e == SL_OTLP_ERR_VARINT)
					return fail(&w, top, SL_OTLP_ERR_LENGTH_PREFIX, tag_at,
						    fnum, ix, "length prefix longer than 5 bytes");
				if (e != SL_OTLP_ERR_OK)
					return fail(&w, top, e, tag_at, fnum, ix,
						    "length prefix runs past the end");
			}
			if (unlikely(v > UINT32_MAX))
				return fail(&w, top, SL_OTLP_ERR_LENGTH_RANGE, tag_at, fnum,
					    is_repeated(fd) ? (long)idx : -1,
					    "length %llu above 2^32-1", (unsigned long long)v);
		}
		if (unlikely(v > top->end - ABS(p)))
			return fail(&w, top, SL_OTLP_ERR_LENGTH, tag_at, fnum,
				    is_repeated(fd) ? (long)idx : -1,
				    "length %llu past end of message", (unsigned long long)v);
		if (unlikely(fd->op != OP_NONE))
			goto len_op;
		if (fd->child != M_NONE)
			goto push;
skip:
		if (likely(v <= (uint64_t)(fe - p))) {
			p += v;
			continue;
		}
		SAVE();
		skip_slow(&w, (uint32_t)v);
		LOAD();
		continue;

push:
		if (unlikely(top == top_max))
			return fail(&w, top, SL_OTLP_ERR_DEPTH, tag_at, fnum,
				    is_repeated(fd) ? (long)idx : -1,
				    "nesting deeper than %u",
				    (unsigned int)(top_max - w.frames) + 1);
		{
			uint32_t at = ABS(p);

			top++;
			top->end = at + (uint32_t)v;
			top->type = fd->child;
			top->field = (uint8_t)fnum;
			top->idx = idx;
			memset(top->cnt, 0, sizeof(top->cnt));
			items += fd->flags >> 7;
			if (unlikely((uint32_t)(idx != 0) & fd->once))
				res->flags |= SL_OTLP_WALK_F_MERGED;
			lim = p + room(p, fe, (uint32_t)v);
		}
		continue;

len_op:
		switch (fd->op) {
		case OP_ENTRY:
			if (res->entries != NULL) {
				if (res->n_entries == res->max_entries)
					return fail(&w, top, SL_OTLP_ERR_TOO_MANY, tag_at, fnum,
						    (long)idx, "more than %u entries",
						    (unsigned int)res->max_entries);
				w.entry = &res->entries[res->n_entries];
			}
			res->n_entries++;
			w.entry->off = tag_at;
			w.entry->len = ABS(p) + (uint32_t)v - tag_at;
			w.entry->items = 0;
			w.entry->present = 0;
			w.entry_items0 = items;
			goto push;
		case OP_ARM:
			/* top is the Metric: a new arm replaces the points of the old one */
			if (top->cnt[ARM_FIELD] == 0) {
				top->cnt[ARM_FIELD] = fnum;
				top->cnt[ARM_ITEMS] = items;
			} else if (top->cnt[ARM_FIELD] == fnum) {
				res->flags |= SL_OTLP_WALK_F_METRIC_MERGED;
			} else {
				items = top->cnt[ARM_ITEMS];
				top->cnt[ARM_FIELD] = fnum;
			}
			goto push;
		case OP_RES_KV:
			w.kv_key = -1;
			w.kv.type = SL_OTLP_VAL_NONE;
			w.kv.truncated = 0;
			w.kv.len = 0;
			w.kv.wire_len = 0;
			w.kv.val[0] = '\0';
			goto push;
		case OP_RES_KEY:
			SAVE();
			w.kv_key = match_key(&w, (uint32_t)v);
			LOAD();
			continue;
		case OP_RES_STR: {
			uint32_t keep = v < SL_OTLP_VAL_MAX ? (uint32_t)v : SL_OTLP_VAL_MAX;

			w.kv.type = SL_OTLP_VAL_STRING;
			w.kv.wire_len = (uint32_t)v;
			w.kv.len = (uint16_t)keep;
			w.kv.truncated = v > SL_OTLP_VAL_MAX;
			SAVE();
			copy_skip(&w, (uint32_t)v, w.kv.val, keep);
			LOAD();
			w.kv.val[keep] = '\0';
			continue;
		}
		case OP_PACKED_I64:
			if (v % 8 != 0)
				return fail(&w, top, SL_OTLP_ERR_PACKED, tag_at, fnum, -1,
					    "packed fixed64 length %llu not a multiple of 8",
					    (unsigned long long)v);
			goto skip;
		case OP_PACKED_VARINT: {
			int rc;

			SAVE();
			rc = packed_varints(&w, (uint32_t)v);
			LOAD();
			if (rc < 0)
				return fail(&w, top, SL_OTLP_ERR_PACKED, tag_at, fnum, -1,
					    "packed varints of %llu bytes do not end on a varint"
					    " of at most 10 bytes",
					    (unsigned long long)v);
			continue;
		}
		default: /* OP_RES_OTHER: the type was noted in special */
			if (fd->child != M_NONE)
				goto push;
			goto skip;
		}

special:
		/* a wire type the fast path does not take: an error or an op */
		if (fnum == 0)
			return fail(&w, top, SL_OTLP_ERR_FIELD_ZERO, tag_at, 0, -1,
				    "field number 0");
		if (wt == 3 || wt == 4)
			return fail(&w, top, SL_OTLP_ERR_GROUP, tag_at, fnum, -1,
				    "group wire type %u (not allowed in proto3)", (unsigned int)wt);
		if (wt > WT_I32)
			return fail(&w, top, SL_OTLP_ERR_TAG, tag_at, fnum, -1,
				    "invalid wire type %u", (unsigned int)wt);
		if (!((fd->swts >> wt) & 1)) {
			char want[64];

			wt_list(want, sizeof(want), (fd->wtx ^ W_ANY) | fd->swts);
			return fail(&w, top, SL_OTLP_ERR_WIRE_TYPE, tag_at, fnum,
				    is_repeated(fd) ? (long)top->cnt[fd->flags & SLOT_MASK] : -1,
				    "wire type %s, expected %s", wt_name(wt), want);
		}
		if (fd->op == OP_RES_OTHER)
			w.kv.type = SL_OTLP_VAL_OTHER;
		goto dispatch;

bad_varint:
		return fail(&w, top, SL_OTLP_ERR_VARINT, tag_at, fnum, -1,
			    "varint longer than 10 bytes");
	}

	res->items = items;
	return 0;
}
