/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark: OTLP/JSON to protobuf transcoding throughput (MB/s of JSON, TSC cycles per span). */

/*
 * Builds ExportTraceServiceRequests of 1, 10, 100 and 1000 spans shaped like
 * perf/walk_bench.c's (~250 protobuf bytes: 7 attributes, ids, times, flags,
 * status; one resource with service.name), renders each as OTLP/JSON with
 * sl_otlp_pb_to_json(), and transcodes it back repeatedly into one output
 * buffer. Prints the best of several rounds. With a folder argument it also
 * times the golden JSON files of tests/data/.
 *
 *   ninja -C build perf/json_bench && taskset -c 1 build/perf/json_bench tests/data
 *
 * The numbers quoted in docs/otlp-json.md come from that command.
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
#include "proto/otlp_json.h"

#define ROUNDS 7

/* A packed request of n spans in one resource and scope (walk_bench's shape). */
static uint8_t *
build(unsigned int n, size_t *len)
{
	enum { NA = 7 };
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
	unsigned int i, a;

	if (!spans || !sp || !kvs || !kvp || !avs)
		abort();
	for (i = 0; i < sizeof(ids); i++)
		ids[i] = (uint8_t)(0x5a + 13 * i);
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
		a = BENCH_SPAN_ATTRS;
		k[a] = bench_kv_int(&kv[a], &av[a], "client.port", 52344), a++;
		k[a] = bench_kv_str(&kv[a], &av[a], "user_agent.original", "curl/8.1"), a++;
		s->n_attributes = a;
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

/* pb as OTLP/JSON in a new buffer. */
static char *
to_json(enum sl_signal sig, const uint8_t *pb, size_t len, size_t *jlen)
{
	size_t cap = 8 * len + 4096;
	char *j = malloc(cap);

	if (j == NULL || sl_otlp_pb_to_json(sig, pb, len, j, cap, jlen) != 0) {
		fprintf(stderr, "pb_to_json failed\n");
		exit(1);
	}
	return j;
}

/* Best-of-ROUNDS TSC cycles per transcoding of json into out. */
static double
time_json(enum sl_signal sig, const char *json, size_t jlen, uint8_t *out, size_t cap,
	  unsigned int reps, size_t *pb_len)
{
	struct sl_otlp_json_err err;
	double best = 1e30;
	unsigned int r, i;

	for (r = 0; r < ROUNDS; r++) {
		uint64_t c0 = rte_rdtsc(), c1;

		for (i = 0; i < reps; i++)
			if (sl_otlp_json_to_pb(sig, (const uint8_t *)json, jlen, out, cap, pb_len,
					       &err) != 0) {
				fprintf(stderr, "transcoding failed: %s\n", err.msg);
				exit(1);
			}
		c1 = rte_rdtsc();
		if ((double)(c1 - c0) / reps < best)
			best = (double)(c1 - c0) / reps;
	}
	return best;
}

static uint8_t *
slurp(const char *path, size_t *len)
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

int
main(int argc, char **argv)
{
	static const unsigned int sizes[] = {1, 10, 100, 1000};
	const size_t cap = 64u << 20;
	uint8_t *out = malloc(cap);
	double hz = sl_bench_tsc_hz();
	unsigned int k, s;

	if (out == NULL)
		abort();
	printf("TSC %.3f GHz; best of %d rounds; cycles are TSC ticks\n", hz / 1e9, ROUNDS);
	printf("%8s %10s %10s %10s %12s %12s %10s\n", "spans", "JSON B", "JSON B/sp", "pb B/sp",
	       "cyc/span", "ns/span", "MB/s JSON");
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		unsigned int n = sizes[k], reps = 400000 / (n * 10) + 10;
		size_t len, jlen, pb_len;
		uint8_t *b = build(n, &len);
		char *j = to_json(SL_SIGNAL_TRACES, b, len, &jlen);
		double c = time_json(SL_SIGNAL_TRACES, j, jlen, out, cap, reps, &pb_len);

		if (pb_len != len || memcmp(out, b, len) != 0) {
			fprintf(stderr, "round trip differs for %u spans\n", n);
			return 1;
		}
		printf("%8u %10zu %10.1f %10.1f %12.1f %12.1f %10.1f\n", n, jlen, (double)jlen / n,
		       (double)len / n, c / n, c / n / hz * 1e9, (double)jlen / (c / hz) / 1e6);
		free(j);
		free(b);
	}
	if (argc > 1) {
		printf("\n%-14s %10s %12s %10s\n", "golden", "JSON B", "cycles", "MB/s JSON");
		for (s = 0; s < SL_SIGNAL_MAX; s++) {
			char path[4096];
			size_t jlen, pb_len;
			uint8_t *j;
			double c;

			snprintf(path, sizeof(path), "%s/%s.json", argv[1],
				 sl_signal_name((enum sl_signal)s));
			j = slurp(path, &jlen);
			if (j == NULL) {
				fprintf(stderr, "cannot read %s\n", path);
				return 1;
			}
			c = time_json((enum sl_signal)s, (const char *)j, jlen, out, cap, 20000,
				      &pb_len);
			printf("%-14s %10zu %12.0f %10.1f\n", path + strlen(argv[1]) + 1, jlen, c,
			       (double)jlen / (c / hz) / 1e6);
			free(j);
		}
	}
	free(out);
	return 0;
}
