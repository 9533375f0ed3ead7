/* SPDX-License-Identifier: BSD-3-Clause */
/* Benchmark: TSC cycles per request and per span of per-request classification (classify.c). */

/*
 * Design
 * ------
 * Builds two ExportTraceServiceRequests of 100 spans of ~250 bytes (the
 * spans of walk_bench.c, each with its own random trace id): one Resource
 * entry, and four entries of 25 spans with different service.name. Each
 * body is cut into 1448-byte fragments as TCP delivers it. Then, per case,
 * best of ROUNDS rounds of ~4000 spans:
 *
 *   walk      sl_otlp_walk with the image's keys (the baseline)
 *   static    walk + sl_cls_request with no image bound
 *   table     20 routes (exact, prefix, glob on service.name and
 *             k8s.namespace.name, a tenant route; the first match is the
 *             10th), 10 faults of which none matches
 *   fault p=0 the same + an 11th fault that matches, probability 0
 *   delay     the same + an 11th fault that matches and fires (delay)
 *   sample    the table with the 10th route sampling 0.1 (re-encoding)
 *   tenant    the table, the request's tenant has a rate (bucket charged)
 *
 * Each classify case is timed twice: walk + classify as the poll core runs
 * them, and classify alone of the request walked once ("cls only"), which
 * isolates the classifier from the walk's noise. core->now advances by a
 * fixed step per request as a poll loop's would (buckets refill); the
 * named counters are live (a struct sl_stats_ext), as in the dataplane.
 *
 *   ninja -C build perf/classify_bench && taskset -c 1 build/perf/classify_bench
 *
 * The EAL is started on the first CPU of the process's affinity (no huge
 * pages, no PCI, no shared config) for rte_get_tsc_hz(). Results of the run
 * quoted in dataplane/classify.c are in docs/benchmarks.md.
 */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "bench_clock.h"
#include "bench_pb.h"

#include "classify.h"
#include "core.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "proto/otlp_walk.h"
#include "routes.h"
#include "table_compile.h"
#include "table_match.h"

/*
 * Many short rounds, best kept: a round of ~1 ms is seldom preempted even on
 * a busy machine, and the minimum is the code's cost, not the machine's.
 */
#define ROUNDS      400
#define ROUND_SPANS 4000
#define SPANS       100
#define MSS         1448
#define MAX_ENTRIES 16
#define MAX_BODY    (1u << 20)
#define MAX_FRAGS   64
/* TSC ticks between two requests (~1 us): buckets refill as in a poll loop. */
#define NOW_STEP 2500

/* ---- the tables ---- */

static const char tenants_plain[] = "limits:\n"
                                    "  tenant_header: X-Scope-OrgID\n"
                                    "tenants:\n"
                                    "  - name: acme\n"
                                    "    tokens: [tok-a]\n"
                                    "  - name: beta\n"
                                    "    tokens: [tok-b]\n";

/* acme's rate is far above what the bench sends: charged every request, never refused. */
static const char tenants_rate[] = "limits:\n"
                                   "  tenant_header: X-Scope-OrgID\n"
                                   "tenants:\n"
                                   "  - name: acme\n"
                                   "    tokens: [tok-a]\n"
                                   "    rate: 100000000/s\n"
                                   "  - name: beta\n"
                                   "    tokens: [tok-b]\n";

/* 20 routes; %s is the 10th route's extra line (sampling or nothing). */
static const char routes_fmt[] =
    "routes:\n"
    "  - name: r01-exact\n"
    "    match: {attributes: {service.name: frontend}}\n"
    "  - name: r02-exact\n"
    "    match: {attributes: {service.name: shop-ordersx}}\n"
    "  - name: r03-prefix\n"
    "    match: {attributes: {service.name: {prefix: payments-}}}\n"
    "  - name: r04-prefix\n"
    "    match: {attributes: {service.name: {prefix: shop-internal-}}}\n"
    "  - name: r05-glob\n"
    "    match: {attributes: {service.name: {glob: \"web-?-*\"}}}\n"
    "  - name: r06-glob\n"
    "    match: {attributes: {service.name: {glob: \"*-canary\"}}}\n"
    "  - name: r07-ns-exact\n"
    "    match: {attributes: {k8s.namespace.name: kube-system}}\n"
    "  - name: r08-ns-glob\n"
    "    match: {attributes: {k8s.namespace.name: {glob: \"team-*-dev\"}}}\n"
    "  - name: r09-tenant\n"
    "    match: {tenant: beta}\n"
    "  - name: r10-shop\n"
    "    match: {attributes: {service.name: {prefix: shop-}, k8s.namespace.name: shop-prod}}\n"
    "    durability: persisted\n"
    "%s"
    "  - name: r11-exact\n"
    "    match: {attributes: {service.name: checkout}}\n"
    "  - name: r12-prefix\n"
    "    match: {attributes: {service.name: {prefix: auth}}}\n"
    "  - name: r13-glob\n"
    "    match: {attributes: {service.name: {glob: \"*-batch-*\"}}}\n"
    "  - name: r14-ns\n"
    "    match: {attributes: {k8s.namespace.name: {prefix: team-}}}\n"
    "  - name: r15-tenant\n"
    "    match: {tenant: acme}\n"
    "  - name: r16-junk\n"
    "    match: {attributes: {service.name: {prefix: junk}}}\n"
    "    drop: true\n"
    "  - name: r17-exact\n"
    "    match: {attributes: {service.name: inventory}}\n"
    "  - name: r18-glob\n"
    "    match: {attributes: {k8s.namespace.name: {glob: \"*-staging\"}}}\n"
    "  - name: r19-prefix\n"
    "    match: {attributes: {service.name: {prefix: legacy-}}}\n"
    "  - name: r20-default\n"
    "    default: true\n";

/* 10 faults, none of which matches the bench's requests; %s: an 11th or nothing. */
static const char faults_fmt[] =
    "faults:\n"
    "  - name: f01\n"
    "    match: {attributes: {service.name: err-test}}\n"
    "    error: 503\n"
    "    ttl: 1h\n"
    "  - name: f02\n"
    "    match: {attributes: {service.name: {prefix: chaos-}}}\n"
    "    reset: true\n"
    "    ttl: 1h\n"
    "  - name: f03\n"
    "    match: {attributes: {service.name: {glob: \"*-loadtest\"}}}\n"
    "    throttle: 100/s\n"
    "    ttl: 1h\n"
    "  - name: f04\n"
    "    match: {attributes: {k8s.namespace.name: staging}}\n"
    "    delay: 10ms\n"
    "    ttl: 1h\n"
    "  - name: f05\n"
    "    match: {signal: metrics, attributes: {service.name: {prefix: shop-}}}\n"
    "    error: 500\n"
    "    ttl: 1h\n"
    "  - name: f06\n"
    "    match: {tenant: beta}\n"
    "    error: 429\n"
    "    ttl: 1h\n"
    "  - name: f07\n"
    "    match: {attributes: {service.name: {glob: \"web-*\"}}}\n"
    "    partial: 0.5\n"
    "    ttl: 1h\n"
    "  - name: f08\n"
    "    match: {attributes: {service.name: shop-ordersx}}\n"
    "    blackhole: true\n"
    "    ttl: 1h\n"
    "  - name: f09\n"
    "    match: {attributes: {k8s.namespace.name: {glob: \"*-test\"}}}\n"
    "    error: 500\n"
    "    ttl: 1h\n"
    "  - name: f10\n"
    "    match: {attributes: {service.name: {prefix: legacy-}}}\n"
    "    error: 503\n"
    "    ttl: 1h\n"
    "%s";

static const char fault_p0[] = "  - name: f11-p0\n"
                               "    match: {attributes: {service.name: {prefix: shop-}}}\n"
                               "    error: 503\n"
                               "    probability: 0\n"
                               "    ttl: 1h\n";

static const char fault_delay[] = "  - name: f11-delay\n"
                                  "    match: {attributes: {service.name: {prefix: shop-}}}\n"
                                  "    delay: 1ms\n"
                                  "    ttl: 1h\n";

static const char sample_line[] = "    sample: 0.1\n";

static uint64_t
real_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Compile tenants + routes (with r10 extra) + faults (with an 11th) into a sealed image. */
static struct sl_tbl_hdr *
compile(const char *tenants, const char *r10_extra, const char *fault11)
{
	static char yaml[16384];
	char err[SL_DYN_ERR_LEN];
	struct sl_dyn *d = sl_dyn_new();
	void *img = aligned_alloc(64, SL_TBL_SLOT_SIZE);
	uint64_t now = real_ns();
	int o;
	long n;

	if (d == NULL || img == NULL)
		abort();
	o = snprintf(yaml, sizeof(yaml), "%s", tenants);
	o += snprintf(yaml + o, sizeof(yaml) - (size_t)o, routes_fmt, r10_extra);
	o += snprintf(yaml + o, sizeof(yaml) - (size_t)o, faults_fmt, fault11);
	if ((size_t)o >= sizeof(yaml))
		abort();
	if (sl_dyn_load_buf(d, yaml, (size_t)o, "bench.yaml", now, err, sizeof(err)) != 0) {
		fprintf(stderr, "load: %s\n", err);
		exit(1);
	}
	n = sl_tbl_compile(d, 1, now, img, SL_TBL_SLOT_SIZE, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "compile: %s\n", err);
		exit(1);
	}
	free(d);
	sl_tbl_seal(img, 1);
	if (sl_tbl_image_check(img, (size_t)n) != 0) {
		fprintf(stderr, "image check failed\n");
		exit(1);
	}
	return img;
}

/* ---- the requests ---- */

static uint64_t
xorshift(uint64_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 7;
	*x ^= *x << 17;
	return *x;
}

/*
 * A request of SPANS spans over n_res Resource entries (service.name
 * shop-<svc>, k8s.namespace.name shop-prod, host.name), one scope each;
 * every span has its own random trace id. Returns the packed body.
 */
static uint8_t *
build(unsigned int n_res, size_t *len)
{
	enum { NA = 5, NRA = 3 };
	static const char *const svc[] = {"shop-orders", "shop-payments", "shop-cart",
	                                  "shop-search"};
	static uint8_t ids[SPANS][32];
	PB(Collector__Trace__V1__ExportTraceServiceRequest) req;
	PB(Trace__V1__ResourceSpans) rs[4], *rsp[4];
	PB(Trace__V1__ScopeSpans) ss[4], *ssp[4];
	PB(Resource__V1__Resource) res[4];
	PB(Common__V1__InstrumentationScope) scope;
	PB(Common__V1__KeyValue) rkv[4][NRA], *rkvp[4][NRA];
	PB(Common__V1__AnyValue) rav[4][NRA];
	PB(Trace__V1__Span) spans[SPANS], *sp[SPANS];
	PB(Common__V1__KeyValue) kvs[SPANS][NA], *kvp[SPANS][NA];
	PB(Common__V1__AnyValue) avs[SPANS][NA];
	PB(Trace__V1__Status) st;
	uint64_t x = 0x243f6a8885a308d3ULL;
	unsigned int i, a, r, per = SPANS / n_res;
	uint8_t *buf;

	for (i = 0; i < SPANS; i++)
		for (a = 0; a < 32; a++)
			ids[i][a] = (uint8_t)(xorshift(&x) >> 24);
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__init(&req);
	opentelemetry__proto__common__v1__instrumentation_scope__init(&scope);
	opentelemetry__proto__trace__v1__status__init(&st);
	scope.name = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp";
	scope.version = "0.52.0";
	st.code = OPENTELEMETRY__PROTO__TRACE__V1__STATUS__STATUS_CODE__STATUS_CODE_OK;
	for (i = 0; i < SPANS; i++) {
		PB(Trace__V1__Span) *s = &spans[i];
		PB(Common__V1__KeyValue) **k = kvp[i];
		PB(Common__V1__KeyValue) *kv = kvs[i];
		PB(Common__V1__AnyValue) *av = avs[i];

		bench_span_init(s, kv, av, k, ids[i], i, &st);
		sp[i] = s;
	}
	for (r = 0; r < n_res; r++) {
		opentelemetry__proto__trace__v1__resource_spans__init(&rs[r]);
		opentelemetry__proto__trace__v1__scope_spans__init(&ss[r]);
		opentelemetry__proto__resource__v1__resource__init(&res[r]);
		rkvp[r][0] = bench_kv_str(&rkv[r][0], &rav[r][0], "service.name", svc[r]);
		rkvp[r][1] = bench_kv_str(&rkv[r][1], &rav[r][1], "k8s.namespace.name", "shop-prod");
		rkvp[r][2] = bench_kv_str(&rkv[r][2], &rav[r][2], "host.name", "shop-7f9c4d-abcde");
		res[r].n_attributes = NRA;
		res[r].attributes = rkvp[r];
		ss[r].scope = &scope;
		ss[r].n_spans = per;
		ss[r].spans = sp + r * per;
		ssp[r] = &ss[r];
		rs[r].resource = &res[r];
		rs[r].n_scope_spans = 1;
		rs[r].scope_spans = &ssp[r];
		rsp[r] = &rs[r];
	}
	req.n_resource_spans = n_res;
	req.resource_spans = rsp;
	buf = malloc(protobuf_c_message_get_packed_size(&req.base));
	if (buf == NULL)
		abort();
	*len = protobuf_c_message_pack(&req.base, buf);
	return buf;
}

/* ---- timing ---- */

enum mode {
	M_WALK,     /* walk only */
	M_WALK_CLS, /* walk + classify */
	M_CLS,      /* classify a request walked once */
};

struct bench {
	struct sl_core *core;
	struct sl_cls *cls;
	const struct sl_iov *iov;
	unsigned int n_iov;
	uint32_t tenant;
	/* the last classification, for the sanity checks */
	struct sl_cls_out out;
	struct sl_otlp_entry ent[MAX_ENTRIES];
	struct sl_otlp_walk_result res;
};

static void
walk(struct bench *b)
{
	b->res.entries = b->ent;
	b->res.max_entries = MAX_ENTRIES;
	if (sl_otlp_walk(SL_SIGNAL_TRACES, b->iov, b->n_iov, sl_cls_walk_opts(b->cls), &b->res) !=
	        0 ||
	    b->res.items != SPANS) {
		fprintf(stderr, "walk failed: %s\n", b->res.err_msg);
		exit(1);
	}
}

static void
classify(struct bench *b)
{
	const struct sl_cls_in in = {
	    .signal = SL_SIGNAL_TRACES, .tenant = b->tenant, .raddr_be = 0x0100000a, .lport = 4318};

	b->core->now += NOW_STEP;
	sl_cls_request(b->cls, &in, b->iov, b->n_iov, &b->res, &b->out);
	if (b->out.verdict != SL_CLS_ACCEPT) {
		fprintf(stderr, "request not accepted (verdict %d)\n", (int)b->out.verdict);
		exit(1);
	}
}

/* Best-of-ROUNDS TSC cycles per request. */
static double
time_mode(struct bench *b, enum mode m)
{
	unsigned int reps = ROUND_SPANS / SPANS, r, i;
	double best = 1e30;

	walk(b);
	for (r = 0; r < ROUNDS; r++) {
		uint64_t c0 = rte_rdtsc(), c1;

		for (i = 0; i < reps; i++) {
			if (m != M_CLS)
				walk(b);
			if (m != M_WALK)
				classify(b);
		}
		c1 = rte_rdtsc();
		if ((double)(c1 - c0) / reps < best)
			best = (double)(c1 - c0) / reps;
	}
	return best;
}

/* First CPU of this process's affinity, for the EAL's -l. */
static int
first_cpu(void)
{
	cpu_set_t s;
	int c;

	if (sched_getaffinity(0, sizeof(s), &s) == 0)
		for (c = 0; c < CPU_SETSIZE; c++)
			if (CPU_ISSET(c, &s))
				return c;
	return 0;
}

/*
 * A small EAL: no huge pages, no PCI, no shared config (--in-memory is
 * refused next to --no-huge, which implies --legacy-mem). It still leaves
 * an empty runtime directory, removed at exit (returned in dir).
 */
static void
eal_start(char *dir, size_t dirlen)
{
	static char lcore[16], prefix[64];
	char *argv[] = {
	    "classify_bench",    "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",
	    "--log-level=error", "-m",        "64",       "-l",          lcore,
	    "--file-prefix",     prefix,      NULL};

	snprintf(lcore, sizeof(lcore), "%d", first_cpu());
	snprintf(prefix, sizeof(prefix), "clsbench%d", (int)getpid());
	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv) < 0) {
		fprintf(stderr, "rte_eal_init failed\n");
		exit(1);
	}
	snprintf(dir, dirlen, "%s", rte_eal_get_runtime_dir());
}

struct ccase {
	const char *name;
	const struct sl_tbl_hdr *img; /* NULL: static */
	uint32_t tenant;              /* tenant index in img, or 0 */
};

int
main(void)
{
	static const unsigned int n_res[] = {1, 4};
	struct sl_tbl_hdr *t_table, *t_p0, *t_delay, *t_sample, *t_rate;
	struct sl_core *core;
	struct sl_cls *cls;
	struct sl_stats_ext *ext;
	char runtime_dir[256];
	unsigned int k, c;
	double hz;

	eal_start(runtime_dir, sizeof(runtime_dir));
	hz = (double)rte_get_tsc_hz();
	core = aligned_alloc(64, (sizeof(*core) + 63) & ~(size_t)63);
	cls = calloc(1, sizeof(*cls));
	ext = calloc(1, sizeof(*ext));
	if (core == NULL || cls == NULL || ext == NULL)
		abort();
	memset(core, 0, sizeof(*core));
	if (sl_cls_init(cls, core, 1, SL_DURABILITY_RECEIVED, MAX_ENTRIES, MAX_BODY, ext) != 0)
		abort();
	core->now = rte_rdtsc();

	t_table = compile(tenants_plain, "", "");
	t_p0 = compile(tenants_plain, "", fault_p0);
	t_delay = compile(tenants_plain, "", fault_delay);
	t_sample = compile(tenants_plain, sample_line, "");
	t_rate = compile(tenants_rate, "", "");
	if (t_table->n_routes != 20 || t_table->n_faults != 10 || t_p0->n_faults != 11) {
		fprintf(stderr, "unexpected table: %u routes, %u faults\n", t_table->n_routes,
		        t_table->n_faults);
		return 1;
	}

	printf("TSC %.3f GHz; best of %d rounds of ~%d spans; %d spans per request, "
	       "1448-byte fragments; cycles are TSC ticks\n",
	       hz / 1e9, ROUNDS, ROUND_SPANS, SPANS);
	printf("%-10s %4s %10s %9s %10s %9s %8s\n", "case", "res", "walk+cls", "", "cls only", "",
	       "cls");
	printf("%-10s %4s %10s %9s %10s %9s %8s\n", "", "", "cyc/req", "cyc/span", "cyc/req",
	       "cyc/span", "/ walk");
	for (k = 0; k < sizeof(n_res) / sizeof(n_res[0]); k++) {
		struct sl_iov frags[MAX_FRAGS];
		struct bench b;
		size_t len;
		uint8_t *body = build(n_res[k], &len);
		unsigned int nf = (unsigned int)((len + MSS - 1) / MSS), i;
		const struct ccase cases[] = {
		    {"static", NULL, 0},
		    {"table", t_table, 0},
		    {"fault p=0", t_p0, 0},
		    {"delay", t_delay, 0},
		    {"sample 0.1", t_sample, 0},
		    {"tenant", t_rate, sl_tbl_tenant_by_name(t_rate, "acme", 4)},
		};
		double walk_c, table_c = 0;

		if (nf > MAX_FRAGS)
			abort();
		for (i = 0; i < nf; i++) {
			frags[i].base = body + (size_t)i * MSS;
			frags[i].len = (uint32_t)(i + 1 < nf ? MSS : len - (size_t)i * MSS);
		}
		memset(&b, 0, sizeof(b));
		b.core = core;
		b.cls = cls;
		b.iov = frags;
		b.n_iov = nf;

		/* the baseline walks with the table's keys */
		sl_cls_bind(cls, t_table, 1);
		walk_c = time_mode(&b, M_WALK);
		printf("%-10s %4u %10.0f %9.1f %10s %9s %8s   (%zu B, %.0f B/span)\n", "walk",
		       n_res[k], walk_c, walk_c / SPANS, "-", "-", "-", len, (double)len / SPANS);
		for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
			double wc, co;

			sl_cls_bind(cls, cases[c].img, cases[c].img != NULL ? 1 : 0);
			b.tenant = cases[c].tenant;
			wc = time_mode(&b, M_WALK_CLS);
			co = time_mode(&b, M_CLS);
			printf("%-10s %4u %10.0f %9.1f %10.0f %9.1f %8.2f", cases[c].name, n_res[k],
			       wc, wc / SPANS, co, co / SPANS, co / walk_c);
			if (cases[c].img == t_table)
				table_c = co;
			if (cases[c].img == t_delay && b.out.fault_kind != SL_TBL_F_DELAY) {
				fprintf(stderr, "\ndelay fault did not fire\n");
				return 1;
			}
			if (cases[c].img == t_sample)
				printf(
				    "   (kept %u/%d spans; re-encoding %.1f cyc/span over table)",
				    b.out.items_stored, SPANS, (co - table_c) / SPANS);
			if (cases[c].img != NULL && b.out.n_entries != 0 && b.out.flat == NULL &&
			    b.out.entry_route[0] != 9) {
				fprintf(stderr, "\nmatched route %u, not the 10th\n",
				        b.out.entry_route[0]);
				return 1;
			}
			printf("\n");
		}
		free(body);
	}
	sl_cls_fini(cls);
	free(t_table);
	free(t_p0);
	free(t_delay);
	free(t_sample);
	free(t_rate);
	free(cls);
	free(ext);
	free(core);
	rte_eal_cleanup();
	rmdir(runtime_dir);
	return 0;
}
