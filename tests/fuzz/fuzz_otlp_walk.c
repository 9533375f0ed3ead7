/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the OTLP walker against itself in fragments and against protobuf-c's unpack. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "proto/otlp_walk.h"

/*
 * Input: byte 0 picks the signal, byte 1 how the body is cut into fragments,
 * the rest is the body. Each fragment is its own heap block, so a read past
 * a fragment is an ASan report.
 *
 * Checked, or __builtin_trap():
 *  1. The walk of the fragments equals the walk of the contiguous body
 *     (verdict, error offset and text, entries, counts, attributes); so
 *     does the walk of 1-byte fragments, which never takes the fast path:
 *     the fast path and the generic one agree.
 *  2. The walker and protobuf-c 1.4 agree on valid / invalid, except where
 *     the two legitimately differ, each excluded by the walker's reason:
 *       field_zero    protobuf-c keeps field number 0 as an unknown field;
 *                     protobuf (and the walker) refuse it.
 *       tag_range     protobuf-c drops the bits of a 5-byte tag above 32.
 *       length_range  protobuf-c drops the bits of a 5-byte length above 32
 *                     (an overflowing shift), so 2^32 + 5 reads as 5.
 *       wire_type on bool_value / is_monotonic: protobuf-c does not check
 *                     the wire type of bool fields at all.
 *       depth         protobuf-c has no nesting limit (and recurses).
 *     and one exclusion by input, not verdict: a body where a singular
 *     sub-message occurs twice (SL_OTLP_WALK_F_MERGED, e.g. KeyValue.value
 *     twice) never goes to protobuf-c: its merge of two AnyValues that both
 *     leave the oneof unset looks up field -1 (int_range_lookup's "absent")
 *     and reads the descriptor before the array, undefined behaviour that
 *     here refuses valid input and could as well crash.
 *  3. For a valid body: the same number of Resource* entries, each entry's
 *     range unpacks alone to one entry, and the same item counts, per entry
 *     and in total, counted from protobuf-c's structs; except with
 *     SL_OTLP_WALK_F_METRIC_MERGED (protobuf-c keeps only the last of two
 *     same-arm data fields of a Metric; protobuf, and the walker, merge).
 */

/* A failed check: say which, with the walker's view, then crash for libFuzzer. */
#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_otlp_walk.c:%d: %s (walk rc %d: %s)\n",           \
				__LINE__, #cond, whole.rc, whole.res.err_msg);                     \
			__builtin_trap();                                                          \
		}                                                                                  \
	} while (0)

#define MDATA(x) OPENTELEMETRY__PROTO__METRICS__V1__METRIC__DATA_##x
/* The protobuf-c descriptor of Export<S>ServiceRequest, s = trace, metrics or logs. */
#define REQ_DESC(s)                                                                                \
	opentelemetry__proto__collector__##s##__v1__export_##s##_service_request__descriptor

#define MAX_ENTRIES 256
#define MAX_FRAGS   16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keys[] = {"tenant.id", "host.name"};

struct walk {
	int rc;
	struct sl_otlp_walk_result res;
	struct sl_otlp_entry entries[MAX_ENTRIES];
};

static struct walk whole, cut;

static void
walk(struct walk *w, enum sl_signal sig, const struct sl_iov *iov, unsigned int n,
     const struct sl_otlp_walk_opts *o)
{
	w->res.entries = w->entries;
	w->res.max_entries = MAX_ENTRIES;
	w->rc = sl_otlp_walk(sig, iov, n, o, &w->res);
}

static int
same(const struct walk *a, const struct walk *b)
{
	uint32_t i, k;

	if (a->rc != b->rc || a->res.err != b->res.err)
		return 0;
	if (a->rc < 0)
		return a->res.err_off == b->res.err_off &&
		       strcmp(a->res.err_msg, b->res.err_msg) == 0;
	if (a->res.n_entries != b->res.n_entries || a->res.items != b->res.items ||
	    a->res.flags != b->res.flags)
		return 0;
	for (i = 0; i < a->res.n_entries; i++) {
		const struct sl_otlp_entry *x = &a->entries[i], *y = &b->entries[i];

		if (x->off != y->off || x->len != y->len || x->items != y->items ||
		    x->present != y->present)
			return 0;
		for (k = 0; k < 3; k++)
			if ((x->present & (1u << k)) &&
			    (x->attrs[k].type != y->attrs[k].type ||
			     x->attrs[k].len != y->attrs[k].len ||
			     x->attrs[k].truncated != y->attrs[k].truncated ||
			     memcmp(x->attrs[k].val, y->attrs[k].val, x->attrs[k].len + 1) != 0))
				return 0;
	}
	return 1;
}

static ProtobufCMessage *
unpack(enum sl_signal sig, const uint8_t *b, size_t n)
{
	static const ProtobufCMessageDescriptor *const desc[SL_SIGNAL_MAX] = {
		&REQ_DESC(trace), &REQ_DESC(metrics), &REQ_DESC(logs)};

	return protobuf_c_message_unpack(desc[sig], NULL, n, b);
}

/* Data points of one Metric, of whichever kind it holds. */
static size_t
metric_points(const Opentelemetry__Proto__Metrics__V1__Metric *mt)
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

/* Number of Resource* entries of an unpacked request; *items[i] their item counts. */
static size_t
count(enum sl_signal sig, const ProtobufCMessage *m, uint32_t *items, size_t max)
{
	size_t i, j, k, n;

	if (sig == SL_SIGNAL_TRACES) {
		const Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *r =
			(const void *)m;

		n = r->n_resource_spans;
		for (i = 0; i < n && i < max; i++)
			for (items[i] = 0, j = 0; j < r->resource_spans[i]->n_scope_spans; j++)
				items[i] += r->resource_spans[i]->scope_spans[j]->n_spans;
	} else if (sig == SL_SIGNAL_METRICS) {
		const Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest *r =
			(const void *)m;

		n = r->n_resource_metrics;
		for (i = 0; i < n && i < max; i++) {
			const Opentelemetry__Proto__Metrics__V1__ResourceMetrics *rm =
				r->resource_metrics[i];

			items[i] = 0;
			for (j = 0; j < rm->n_scope_metrics; j++)
				for (k = 0; k < rm->scope_metrics[j]->n_metrics; k++) {
					const Opentelemetry__Proto__Metrics__V1__Metric *mt =
						rm->scope_metrics[j]->metrics[k];

					items[i] += metric_points(mt);
				}
		}
	} else {
		const Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest *r =
			(const void *)m;

		n = r->n_resource_logs;
		for (i = 0; i < n && i < max; i++)
			for (items[i] = 0, j = 0; j < r->resource_logs[i]->n_scope_logs; j++)
				items[i] += r->resource_logs[i]->scope_logs[j]->n_log_records;
	}
	return n;
}

/* A walker refusal that protobuf-c 1.4 legitimately accepts (see the list above). */
static int
protobuf_c_is_lenient(const struct walk *w)
{
	switch (w->res.err) {
	case SL_OTLP_ERR_FIELD_ZERO:
	case SL_OTLP_ERR_TAG_RANGE:
	case SL_OTLP_ERR_LENGTH_RANGE:
	case SL_OTLP_ERR_DEPTH:
		return 1;
	case SL_OTLP_ERR_WIRE_TYPE:
		return strstr(w->res.err_msg, ".bool_value: wire type") != NULL ||
		       strstr(w->res.err_msg, ".is_monotonic: wire type") != NULL;
	default:
		return 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sl_otlp_walk_opts opts;
	static int opts_ready;
	struct sl_iov iov[MAX_FRAGS];
	uint8_t *mem[MAX_FRAGS], *body;
	uint32_t want[MAX_ENTRIES];
	enum sl_signal sig;
	unsigned int nf, i;
	uint32_t state;
	size_t n, at;
	ProtobufCMessage *pc;

	if (!opts_ready) {
		CHECK(sl_otlp_walk_opts_init(&opts, keys, 2) == 0);
		opts_ready = 1;
	}
	if (size < 2)
		return 0;
	sig = (enum sl_signal)(data[0] % SL_SIGNAL_MAX);
	state = data[1] * 2654435761u + (uint32_t)size;
	n = size - 2;

	/* 1. contiguous vs fragments (1 + data[1] % 16 of them, some maybe empty) */
	body = malloc(n ? n : 1);
	memcpy(body, data + 2, n);
	iov[0].base = body;
	iov[0].len = (uint32_t)n;
	walk(&whole, sig, iov, 1, &opts);

	nf = 1 + data[1] % MAX_FRAGS;
	for (i = 0, at = 0; i < nf; i++) {
		size_t len;

		state = state * 1103515245u + 12345u;
		len = i + 1 == nf ? n - at : (n - at ? (state >> 8) % (n - at + 1) : 0);
		if ((state & 0xf000) == 0 && len > 2 && i + 1 < nf)
			len = 1; /* favour 1-byte fragments now and then */
		mem[i] = malloc(len ? len : 1);
		memcpy(mem[i], data + 2 + at, len);
		iov[i].base = mem[i];
		iov[i].len = (uint32_t)len;
		at += len;
	}
	walk(&cut, sig, iov, nf, &opts);
	CHECK(same(&whole, &cut));
	for (i = 0; i < nf; i++)
		free(mem[i]);
	if (n > 0) {
		struct sl_iov *bytes = malloc(n * sizeof(*bytes));

		for (at = 0; at < n; at++) {
			bytes[at].base = body + at;
			bytes[at].len = 1;
		}
		walk(&cut, sig, bytes, (unsigned int)n, &opts);
		CHECK(same(&whole, &cut));
		free(bytes);
	}

	/* 2. against protobuf-c; more entries than our array is a capacity limit, not validity */
	if (whole.rc < 0 &&
	    (protobuf_c_is_lenient(&whole) || whole.res.err == SL_OTLP_ERR_TOO_MANY))
		goto out;
	if (whole.res.flags & SL_OTLP_WALK_F_MERGED)
		goto out;
	pc = unpack(sig, body, n);
	CHECK((whole.rc == 0) == (pc != NULL));

	/* 3. entries, ranges and counts */
	if (pc != NULL) {
		size_t ne = count(sig, pc, want, MAX_ENTRIES);
		uint32_t total = 0;

		CHECK(ne == whole.res.n_entries);
		for (i = 0; i < ne && i < MAX_ENTRIES; i++) {
			const struct sl_otlp_entry *e = &whole.entries[i];
			ProtobufCMessage *one = unpack(sig, body + e->off, e->len);
			uint32_t one_items;

			CHECK(one != NULL && count(sig, one, &one_items, 1) == 1);
			protobuf_c_message_free_unpacked(one, NULL);
			CHECK((whole.res.flags & SL_OTLP_WALK_F_METRIC_MERGED) ||
			      (e->items == want[i] && one_items == want[i]));
			total += e->items;
		}
		CHECK(total == whole.res.items);
		protobuf_c_message_free_unpacked(pc, NULL);
	}
out:
	free(body);
	return 0;
}
