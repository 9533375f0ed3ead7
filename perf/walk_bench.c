/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark: TSC cycles per span of the OTLP protobuf walker (bare walk, no I/O). */

/*
 * Builds ExportTraceServiceRequests of 1, 10, 100 and 1000 spans of ~250
 * bytes (5 attributes, ids, times, status; one resource with service.name),
 * then walks each one repeatedly: contiguous, and cut into 1448-byte
 * fragments as TCP segments deliver it. Prints the best of several rounds
 * (cycles per span) and, for scale, protobuf-c's unpack + free of the same
 * body.
 *
 *   ninja -C build perf/walk_bench && build/perf/walk_bench
 *
 * Pin it for stable numbers: taskset -c 1 build/perf/walk_bench. Results of
 * the run quoted in dataplane/proto/otlp_walk.c are in its design comment.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "bench_clock.h"
#include "bench_pb.h"

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "proto/otlp_walk.h"

#define REQ_DESC                                                                                   \
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor
/*
 * Many short rounds, best kept: a round of ~1 ms is seldom preempted even on
 * a busy machine, and the minimum is the walker's cost, not the machine's.
 */
#define ROUNDS       400
#define ROUND_SPANS  4000
#define MSS    1448

/* A request of n spans in one resource and scope; returns the packed body. */
static uint8_t *
build(unsigned int n, size_t *len)
{
	enum { NA = 5 };
	static uint8_t ids[32];
	PB(Collector__Trace__V1__ExportTraceServiceRequest) req;
	PB(Trace__V1__ResourceSpans) rs, *rsp = &rs;
	PB(Trace__V1__ScopeSpans) ss, *ssp = &ss;
	PB(Resource__V1__Resource) res;
	PB(Common__V1__InstrumentationScope) scope;
	PB(Common__V1__KeyValue) rkv[2], *rkvp[2];
	PB(Common__V1__AnyValue) rav[2];
	PB(Trace__V1__Span) *spans = calloc(n, sizeof(*spans)), **sp = calloc(n, sizeof(*sp));
	PB(Common__V1__KeyValue) *kvs = calloc((size_t)n * NA, sizeof(*kvs));
	PB(Common__V1__KeyValue) **kvp = calloc((size_t)n * NA, sizeof(*kvp));
	PB(Common__V1__AnyValue) *avs = calloc((size_t)n * NA, sizeof(*avs));
	PB(Trace__V1__Status) st;
	uint8_t *buf;
	unsigned int i;

	if (!spans || !sp || !kvs || !kvp || !avs)
		abort();
	memset(ids, 0x5a, sizeof(ids));
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
	opentelemetry__proto__trace__v1__resource_spans__init(&rs);
	opentelemetry__proto__trace__v1__scope_spans__init(&ss);
	opentelemetry__proto__resource__v1__resource__init(&res);
	opentelemetry__proto__common__v1__instrumentation_scope__init(&scope);
	opentelemetry__proto__trace__v1__status__init(&st);
	rkvp[0] = bench_kv_str(&rkv[0], &rav[0], "service.name", "orders");
	rkvp[1] = bench_kv_str(&rkv[1], &rav[1], "host.name", "orders-7f9c4d-abcde");
	res.n_attributes = 2;
	res.attributes = rkvp;
	rs.resource = &res;
	scope.name = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp";
	scope.version = "0.52.0";
	ss.scope = &scope;
	st.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_OK;
	for (i = 0; i < n; i++) {
		PB(Trace__V1__Span) *s = &spans[i];
		PB(Common__V1__KeyValue) **k = &kvp[(size_t)i * NA];
		PB(Common__V1__KeyValue) *kv = &kvs[(size_t)i * NA];
		PB(Common__V1__AnyValue) *av = &avs[(size_t)i * NA];

		bench_span_init(s, kv, av, k, ids, i, &st);
		sp[i] = s;
	}
	ss.n_spans = n;
	ss.spans = sp;
	rs.n_scope_spans = 1;
	rs.scope_spans = &ssp;
	req.n_resource_spans = 1;
	req.resource_spans = &rsp;

	buf = malloc(protobuf_c_message_get_packed_size(&req.base));
	if (buf == NULL)
		abort();
	*len = protobuf_c_message_pack(&req.base, buf);
	free(spans);
	free(sp);
	free(kvs);
	free(kvp);
	free(avs);
	return buf;
}

/* Best-of-ROUNDS TSC cycles per walk of iov[0..n). */
static double
time_walk(const struct sl_iov *iov, unsigned int n, uint32_t want_items)
{
	unsigned int reps = ROUND_SPANS / want_items + 1, r, i;
	struct sl_otlp_entry entries[4];
	struct sl_otlp_walk_result res;
	double best = 1e30;

	for (r = 0; r < ROUNDS; r++) {
		uint64_t c0 = rte_rdtsc(), c1;

		for (i = 0; i < reps; i++) {
			res.entries = entries;
			res.max_entries = 4;
			if (sl_otlp_walk(SL_SIGNAL_TRACES, iov, n, NULL, &res) != 0 ||
			    res.items != want_items) {
				fprintf(stderr, "walk failed: %s\n", res.err_msg);
				exit(1);
			}
		}
		c1 = rte_rdtsc();
		if ((double)(c1 - c0) / reps < best)
			best = (double)(c1 - c0) / reps;
	}
	return best;
}

static double
time_protobuf_c(const uint8_t *b, size_t len, uint32_t spans)
{
	unsigned int reps = ROUND_SPANS / spans / 10 + 1, r, i;
	double best = 1e30;

	for (r = 0; r < ROUNDS / 10; r++) {
		uint64_t c0 = rte_rdtsc(), c1;

		for (i = 0; i < reps; i++) {
			ProtobufCMessage *m = protobuf_c_message_unpack(&REQ_DESC, NULL, len, b);

			if (m == NULL)
				exit(1);
			protobuf_c_message_free_unpacked(m, NULL);
		}
		c1 = rte_rdtsc();
		if ((double)(c1 - c0) / reps < best)
			best = (double)(c1 - c0) / reps;
	}
	return best;
}

int
main(void)
{
	static const unsigned int sizes[] = {1, 10, 100, 1000};
	double hz = sl_bench_tsc_hz();
	unsigned int k;

	printf("TSC %.3f GHz; best of %d rounds of ~%d spans; cycles are TSC ticks\n", hz / 1e9,
	       ROUNDS, ROUND_SPANS);
	printf("%8s %10s %10s %12s %12s %12s %12s\n", "spans", "bytes", "B/span", "cyc/span",
	       "ns/span", "cyc/span", "protobuf-c");
	printf("%8s %10s %10s %12s %12s %12s %12s\n", "", "", "", "(1 frag)", "(1 frag)",
	       "(1448 B fr)", "cyc/span");
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned int n = sizes[k], nf, i;
		struct sl_iov one, *frags;
		double c1, cf, cpc;
		size_t len;
		uint8_t *b = build(n, &len);

		one.base = b;
		one.len = (uint32_t)len;
		nf = (unsigned int)((len + MSS - 1) / MSS);
		frags = calloc(nf, sizeof(*frags));
		if (frags == NULL)
			abort();
		for (i = 0; i < nf; i++) {
			frags[i].base = b + (size_t)i * MSS;
			frags[i].len = (uint32_t)(i + 1 < nf ? MSS : len - (size_t)i * MSS);
		}
		c1 = time_walk(&one, 1, n) / n;
		cf = time_walk(frags, nf, n) / n;
		cpc = time_protobuf_c(b, len, n) / n;
		printf("%8u %10zu %10.1f %12.1f %12.1f %12.1f %12.0f\n", n, len,
		       (double)len / n, c1, c1 / hz * 1e9, cf, cpc);
		free(frags);
		free(b);
	}
	return 0;
}
