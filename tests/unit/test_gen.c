/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of sluice-gen's modules: histogram, report writers, response parsers, profiles. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libdeflate.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "perf/gen/h2_client.h"
#include "perf/gen/hist.h"
#include "perf/gen/http_resp.h"
#include "perf/gen/profile.h"
#include "perf/gen/report.h"
#include "proto/otlp_json.h"

/* ---- helpers ---- */

static uint64_t rng_state = 0x1234567887654321ull;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A latency-like value spread over [1 us, 60 s]: a random octave, uniform inside it. */
static uint64_t
rnd_latency(void)
{
	uint64_t base = UINT64_C(1000) << (rnd() % 26), v = base + rnd() % base;

	return v > UINT64_C(60000000000) ? UINT64_C(60000000000) : v;
}

static int
cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The exact order statistic with p% of the sorted v[0..n) at or below it. */
static uint64_t
exact_pct(const uint64_t *v, size_t n, double p)
{
	size_t rank;

	if (p <= 0)
		return v[0];
	rank = (size_t)((p / 100.0) * (double)n + 0.999999999);
	if (rank < 1)
		rank = 1;
	if (rank > n)
		rank = n;
	return v[rank - 1];
}

/* ---- histogram ---- */

static void
check_percentiles(size_t n, uint64_t (*gen)(void))
{
	static const double ps[] = {0, 1, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100};
	uint64_t *v = malloc(n * sizeof(*v));
	struct sl_hist *h = malloc(sizeof(*h));
	size_t i;

	assert_non_null(v);
	assert_non_null(h);
	sl_hist_reset(h);
	for (i = 0; i < n; i++) {
		v[i] = gen();
		sl_hist_record(h, v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u64);
	assert_int_equal(h->count, n);
	assert_int_equal(h->min, v[0]);
	assert_int_equal(h->max, v[n - 1]);
	for (i = 0; i < sizeof(ps) / sizeof(ps[0]); i++) {
		uint64_t want = exact_pct(v, n, ps[i]), got = sl_hist_percentile(h, ps[i]);
		double err = want ? ((double)got - (double)want) / (double)want : (double)got;

		if (err < 0)
			err = -err;
		/* The promise is 1%; the layout gives 1/256. */
		if (err > 1.0 / 256 + 1e-9)
			fail_msg("p%g of %zu values: got %llu, exact %llu (error %.4f%%)", ps[i], n,
			         (unsigned long long)got, (unsigned long long)want, 100 * err);
	}
	free(v);
	free(h);
}

static uint64_t
gen_small(void)
{
	return rnd() % 5000; /* the exact range and the first octaves */
}

static uint64_t
gen_bimodal(void)
{
	return rnd() % 10 ? 20000 + rnd() % 3000 : 40000000 + rnd() % 1000000;
}

static void
test_hist_percentiles(void **state)
{
	(void)state;
	check_percentiles(1, rnd_latency);
	check_percentiles(7, rnd_latency);
	check_percentiles(1000, rnd_latency);
	check_percentiles(200000, rnd_latency);
	check_percentiles(100000, gen_small);
	check_percentiles(100000, gen_bimodal);
}

static void
test_hist_buckets(void **state)
{
	uint32_t i;

	(void)state;
	assert_int_equal(sl_hist_index(SL_HIST_MAX_NS), SL_HIST_BUCKETS - 1);
	assert_int_equal(sl_hist_index(UINT64_MAX), SL_HIST_BUCKETS - 1);
	for (i = 0; i < SL_HIST_BUCKETS; i++) {
		uint64_t lo = sl_hist_bucket_lo(i), hi = sl_hist_bucket_hi(i);

		assert_int_equal(sl_hist_index(lo), i);
		assert_int_equal(sl_hist_index(hi), i);
		if (i + 1 < SL_HIST_BUCKETS)
			assert_int_equal(sl_hist_bucket_lo(i + 1), hi + 1);
		/* A bucket is never wider than 1/128 of its lowest value. */
		assert_true((hi - lo + 1) * 128 <= (lo > 0 ? lo : 1) || hi == lo);
	}
	/* 1 us .. 60 s is inside the resolved range. */
	assert_true(60000000000ull <= SL_HIST_MAX_NS);
}

static void
test_hist_merge_reset(void **state)
{
	struct sl_hist *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)),
	               *all = malloc(sizeof(*all));
	uint32_t i;

	(void)state;
	assert_true(a && b && all);
	sl_hist_reset(a);
	sl_hist_reset(b);
	sl_hist_reset(all);
	for (i = 0; i < 50000; i++) {
		uint64_t v = rnd_latency();

		sl_hist_record(i % 3 ? a : b, v);
		sl_hist_record(all, v);
	}
	sl_hist_record(b, UINT64_C(100) * 1000000000); /* 100 s: overflow */
	sl_hist_record(all, UINT64_C(100) * 1000000000);
	sl_hist_merge(a, b);
	assert_memory_equal(a, all, sizeof(*a));
	assert_int_equal(a->overflow, 1);
	assert_int_equal(sl_hist_percentile(a, 100), UINT64_C(100) * 1000000000);
	assert_int_equal(sl_hist_percentile(a, 99.9), sl_hist_percentile(all, 99.9));

	/* Merging an empty one changes nothing; merging into an empty one copies. */
	sl_hist_reset(b);
	sl_hist_merge(a, b);
	assert_memory_equal(a, all, sizeof(*a));
	sl_hist_merge(b, all);
	assert_memory_equal(b, all, sizeof(*b));

	/* record_n is n records. */
	sl_hist_reset(a);
	sl_hist_reset(b);
	for (i = 0; i < 5; i++)
		sl_hist_record(a, 123456);
	sl_hist_record_n(b, 123456, 5);
	assert_memory_equal(a, b, sizeof(*a));

	sl_hist_reset(a);
	assert_int_equal(a->count, 0);
	assert_int_equal(sl_hist_percentile(a, 50), 0);
	assert_true(sl_hist_mean(a) == 0.0);
	free(a);
	free(b);
	free(all);
}

/* ---- a tiny JSON parser: every scalar as "dotted.path" -> text ---- */

#define JMAX 256
struct jflat {
	int n;
	char path[JMAX][96];
	char val[JMAX][128];
	const char *p;
};

static void
jws(struct jflat *j)
{
	while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
		j->p++;
}

static int jvalue(struct jflat *j, const char *path);

static int
jstring(struct jflat *j, char *out, size_t cap)
{
	size_t n = 0;

	if (*j->p != '"')
		return -1;
	j->p++;
	while (*j->p && *j->p != '"') {
		char ch = *j->p++;

		if ((unsigned char)ch < 0x20)
			return -1;
		if (ch == '\\') {
			ch = *j->p++;
			if (ch == 'u') {
				int k;

				for (k = 0; k < 4; k++)
					if (!j->p[k] || !strchr("0123456789abcdefABCDEF", j->p[k]))
						return -1;
				j->p += 4;
				ch = '?';
			} else if (!strchr("\"\\/bfnrt", ch)) {
				return -1;
			}
		}
		if (n + 1 < cap)
			out[n++] = ch;
	}
	if (*j->p != '"')
		return -1;
	j->p++;
	out[n] = '\0';
	return 0;
}

static int
jscalar(struct jflat *j, const char *path, const char *s, size_t len)
{
	if (j->n == JMAX)
		return -1;
	snprintf(j->path[j->n], sizeof(j->path[0]), "%s", path);
	snprintf(j->val[j->n], sizeof(j->val[0]), "%.*s", (int)len, s);
	j->n++;
	return 0;
}

static int
jvalue(struct jflat *j, const char *path)
{
	char sub[96], key[64], str[128];
	int i = 0;

	jws(j);
	if (*j->p == '{' || *j->p == '[') {
		char close = *j->p == '{' ? '}' : ']';
		bool obj = close == '}';

		j->p++;
		jws(j);
		if (*j->p == close) {
			j->p++;
			return 0;
		}
		for (;;) {
			jws(j);
			if (obj) {
				if (jstring(j, key, sizeof(key)) < 0)
					return -1;
				jws(j);
				if (*j->p++ != ':')
					return -1;
			} else {
				snprintf(key, sizeof(key), "%d", i++);
			}
			snprintf(sub, sizeof(sub), "%s%s%s", path, *path ? "." : "", key);
			if (jvalue(j, sub) < 0)
				return -1;
			jws(j);
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p++ != close)
				return -1;
			return 0;
		}
	}
	if (*j->p == '"') {
		if (jstring(j, str, sizeof(str)) < 0)
			return -1;
		return jscalar(j, path, str, strlen(str));
	}
	{
		const char *s = j->p;

		if (strncmp(s, "true", 4) == 0 || strncmp(s, "null", 4) == 0)
			j->p += 4;
		else if (strncmp(s, "false", 5) == 0)
			j->p += 5;
		else {
			char *e;

			strtod(s, &e);
			if (e == s || strchr("0123456789-", *s) == NULL)
				return -1;
			j->p = e;
		}
		return jscalar(j, path, s, (size_t)(j->p - s));
	}
}

static int
jparse(struct jflat *j, const char *text)
{
	memset(j, 0, sizeof(*j));
	j->p = text;
	if (jvalue(j, "") < 0)
		return -1;
	jws(j);
	return *j->p == '\0' ? 0 : -1;
}

static const char *
jget(const struct jflat *j, const char *path)
{
	int i;

	for (i = 0; i < j->n; i++)
		if (strcmp(j->path[i], path) == 0)
			return j->val[i];
	return NULL;
}

/* ---- report ---- */

static struct sl_gen_counts *
sample_counts(void)
{
	struct sl_gen_counts *c = malloc(sizeof(*c));
	uint32_t i;

	assert_non_null(c);
	sl_gen_counts_reset(c);
	c->sent = 1010;
	c->responses = 1005;
	c->ok = 1000;
	c->items = 100000;
	c->bytes = 25000000;
	c->by_status[503] = 3;
	c->by_status[429] = 2;
	c->timeouts = 1;
	c->retries = 4;
	c->connection_failures = 2;
	for (i = 0; i < 1000; i++)
		sl_hist_record(&c->lat, 100000 + i * 100); /* 100 .. 200 us */
	return c;
}

static struct sl_gen_report
sample_report(const struct sl_gen_counts *c)
{
	struct sl_gen_report r = {
	    .params = {.label = "proto, \"100\"",
	               .mode = "socket",
	               .endpoint = "http://10.0.0.2:4318",
	               .signal = SL_SIGNAL_TRACES,
	               .items_per_request = 100,
	               .resources = 1,
	               .attrs = 5,
	               .value_len = 16,
	               .services = 1,
	               .hosts = 1,
	               .threads = 1,
	               .connections = 4,
	               .duration_s = 10,
	               .body_bytes = 25000},
	    .elapsed_s = 10,
	    .c = c,
	};
	return r;
}

static char *
render_json(const struct sl_gen_report *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(sl_gen_report_json(r, f), 0);
	fclose(f);
	return buf;
}

static void
test_report_json(void **state)
{
	static const char *const must[] = {
	    "tool",
	    "params.mode",
	    "params.endpoint",
	    "params.signal",
	    "params.items_per_request",
	    "params.connections",
	    "params.rate",
	    "params.duration_s",
	    "params.ramp_s",
	    "params.gzip",
	    "params.json_body",
	    "params.loop",
	    "params.attributes_per_item",
	    "params.attribute_value_bytes",
	    "params.services",
	    "params.hosts",
	    "params.threads",
	    "params.body_bytes",
	    "params.label",
	    "elapsed_s",
	    "requests",
	    "items",
	    "bytes",
	    "throughput.requests_per_s",
	    "throughput.items_per_s",
	    "throughput.bytes_per_s",
	    "latency_us.p50",
	    "latency_us.p95",
	    "latency_us.p99",
	    "latency_us.p999",
	    "latency_us.max",
	    "errors.total",
	    "errors.by_status.503",
	    "errors.by_status.429",
	    "errors.timeouts",
	    "retries",
	    "connection_failures",
	};
	struct sl_gen_counts *c = sample_counts();
	struct sl_gen_report r = sample_report(c);
	struct sl_gen_target t = {.instance = "bench",
	                          .pid = 42,
	                          .tsc_hz = 2000000000,
	                          .cpu_s = 10.0,
	                          .items = 100000,
	                          .requests = 1000,
	                          .busy = 50000000,
	                          .idle = 150000000,
	                          .n_cores = 1};
	struct jflat *j = malloc(sizeof(*j));
	char *text;
	size_t i;

	(void)state;
	assert_non_null(j);
	text = render_json(&r);
	assert_int_equal(jparse(j, text), 0);
	for (i = 0; i < sizeof(must) / sizeof(must[0]); i++)
		if (jget(j, must[i]) == NULL)
			fail_msg("field %s missing from %s", must[i], text);
	assert_string_equal(jget(j, "throughput.requests_per_s"), "100.000");
	assert_string_equal(jget(j, "throughput.items_per_s"), "10000.000");
	assert_string_equal(jget(j, "throughput.bytes_per_s"), "2500000.000");
	assert_string_equal(jget(j, "errors.by_status.503"), "3");
	assert_string_equal(jget(j, "errors.total"), "6");
	assert_string_equal(jget(j, "retries"), "4");
	assert_string_equal(jget(j, "params.label"), "proto, \"100\"");
	assert_string_equal(jget(j, "params.loop"), "closed");
	/* 1000 values 100.0 .. 199.9 us: p50 is 150 us within 1%. */
	{
		double p50 = strtod(jget(j, "latency_us.p50"), NULL);

		assert_true(p50 > 148.5 && p50 < 151.5);
	}
	assert_null(jget(j, "target.instance"));
	free(text);

	t.core[0].lcore = 0;
	t.core[0].busy = t.busy;
	t.core[0].idle = t.idle;
	t.core[0].items = t.items;
	r.target = &t;
	text = render_json(&r);
	assert_int_equal(jparse(j, text), 0);
	assert_string_equal(jget(j, "target.busy_cycles_per_item"), "500.0");
	assert_string_equal(jget(j, "target.busy_cycles_per_request"), "50000.0");
	assert_string_equal(jget(j, "target.busy_pct"), "25.00");
	assert_string_equal(jget(j, "target.cpu_s_per_million_items"), "100.000");
	assert_string_equal(jget(j, "target.cores.0.lcore"), "0");
	/* 10 CPU s at 2 GHz over 100000 spans. */
	assert_string_equal(jget(j, "target.cpu_cycles_per_item"), "200000.0");
	assert_non_null(jget(j, "target.user_cycles_per_item"));
	assert_non_null(jget(j, "target.busy_cycles_per_packet"));
	free(text);
	free(c);
	free(j);
}

/* Split one CSV line into fields (RFC 4180 quotes); returns the count. */
static int
csv_split(const char *line, char fields[][128], int max)
{
	int n = 0;
	const char *p = line;

	for (;;) {
		size_t k = 0;

		if (n == max)
			return -1;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '\0')
					return -1;
				if (*p == '"' && p[1] == '"') {
					fields[n][k++] = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else {
					fields[n][k++] = *p++;
				}
			}
		} else {
			while (*p && *p != ',' && *p != '\n')
				fields[n][k++] = *p++;
		}
		fields[n++][k] = '\0';
		if (*p == ',') {
			p++;
			continue;
		}
		return (*p == '\n' || *p == '\0') ? n : -1;
	}
}

static int
col(char fields[][128], int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(fields[i], name) == 0)
			return i;
	return -1;
}

static void
test_report_csv(void **state)
{
	static char hdr[128][128], row[128][128];
	struct sl_gen_counts *c = sample_counts();
	struct sl_gen_report r = sample_report(c);
	char *buf = NULL, *nl, path[] = "/tmp/sluice-test-gen-XXXXXX";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int nh, nr, fd, i;

	(void)state;
	assert_non_null(f);
	assert_int_equal(sl_gen_report_csv_header(f), 0);
	assert_int_equal(sl_gen_report_csv_row(&r, f), 0);
	fclose(f);
	nl = strchr(buf, '\n');
	assert_non_null(nl);
	nh = csv_split(buf, hdr, 128);
	nr = csv_split(nl + 1, row, 128);
	assert_true(nh > 20);
	assert_int_equal(nh, nr);
	{
		static const char *const must[] = {"requests_per_s",
		                                   "items_per_s",
		                                   "bytes_per_s",
		                                   "latency_us_p50",
		                                   "latency_us_p95",
		                                   "latency_us_p99",
		                                   "latency_us_p999",
		                                   "latency_us_max",
		                                   "errors_total",
		                                   "errors_by_status",
		                                   "retries",
		                                   "connection_failures",
		                                   "items_per_request",
		                                   "connections",
		                                   "rate",
		                                   "duration_s",
		                                   "gzip",
		                                   "json_body",
		                                   "signal",
		                                   "endpoint",
		                                   "label"};

		for (i = 0; i < (int)(sizeof(must) / sizeof(must[0])); i++)
			if (col(hdr, nh, must[i]) < 0)
				fail_msg("CSV column %s missing", must[i]);
	}
	assert_string_equal(row[col(hdr, nh, "requests_per_s")], "100.000");
	assert_string_equal(row[col(hdr, nh, "errors_by_status")], "429:2;503:3");
	assert_string_equal(row[col(hdr, nh, "label")], "proto, \"100\"");
	assert_string_equal(row[col(hdr, nh, "target_busy_cycles_per_item")], "");
	free(buf);

	/* Append: one header, then rows; a file of another header is refused. */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(sl_gen_report_csv_append(&r, path), 0);
	assert_int_equal(sl_gen_report_csv_append(&r, path), 0);
	{
		char line[4096];
		int lines = 0;

		f = fopen(path, "r");
		assert_non_null(f);
		while (fgets(line, sizeof(line), f))
			lines++;
		fclose(f);
		assert_int_equal(lines, 3);
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("a,b,c\n1,2,3\n", f);
	fclose(f);
	assert_int_equal(sl_gen_report_csv_append(&r, path), -EPROTO);
	unlink(path);
	free(c);
}

static void
test_counts_merge(void **state)
{
	struct sl_gen_counts *a = sample_counts(), *b = sample_counts();

	(void)state;
	a->backlog_max = 3;
	b->backlog_max = 7;
	sl_gen_counts_merge(a, b);
	assert_int_equal(a->ok, 2000);
	assert_int_equal(a->by_status[503], 6);
	assert_int_equal(a->lat.count, 2000);
	assert_int_equal(a->backlog_max, 7);
	assert_int_equal(sl_gen_counts_errors(a), 12);
	free(a);
	free(b);
}

/* ---- gRPC: status, counting, report fields, paths, message prefix ---- */

static void
test_grpc_status_parse(void **state)
{
	static const struct {
		const char *v;
		int want;
	} cases[] = {
	    {"0", 0},
	    {"14", 14},
	    {"16", 16},
	    {"017", 17},
	    {"999999999", 999999999},
	    {"", -EINVAL},
	    {"1a", -EINVAL},
	    {" 1", -EINVAL},
	    {"-1", -EINVAL},
	    {"+1", -EINVAL},
	    {"1234567890", -EINVAL},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = sl_gen_grpc_status_parse((const uint8_t *)cases[i].v, strlen(cases[i].v));

		if (got != cases[i].want)
			fail_msg("grpc-status '%s': %d, want %d", cases[i].v, got, cases[i].want);
	}
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(sl_gen_grpc_status_parse((const uint8_t *)"14x", 2), 14);
}

static void
test_grpc_count(void **state)
{
	struct sl_gen_counts *c = malloc(sizeof(*c));

	(void)state;
	assert_non_null(c);
	sl_gen_counts_reset(c);
	assert_true(sl_gen_counts_grpc(c, 200, 0, 100, 1000));
	assert_true(sl_gen_counts_grpc(c, 200, 0, 100, 2000));
	assert_false(sl_gen_counts_grpc(c, 200, 14, 100, 3000)); /* UNAVAILABLE */
	assert_false(sl_gen_counts_grpc(c, 200, 14, 100, 3000));
	assert_false(sl_gen_counts_grpc(c, 200, 3, 100, 3000));  /* INVALID_ARGUMENT */
	assert_false(sl_gen_counts_grpc(c, 200, -1, 100, 3000)); /* no grpc-status */
	assert_false(sl_gen_counts_grpc(c, 200, 99, 100, 3000)); /* unknown code */
	assert_false(sl_gen_counts_grpc(c, 415, 3, 100, 3000));  /* HTTP status wins */
	assert_false(sl_gen_counts_grpc(c, 0, -1, 100, 0));      /* reset, no answer */
	assert_int_equal(c->ok, 2);
	assert_int_equal(c->items, 200);
	assert_int_equal(c->responses, 8);
	assert_int_equal(c->lat.count, 8);
	assert_int_equal(c->by_grpc_status[14], 2);
	assert_int_equal(c->by_grpc_status[3], 1);
	assert_int_equal(c->by_grpc_status[SL_GEN_GRPC_STATUS_OTHER], 2);
	assert_int_equal(c->by_grpc_status[0], 0);
	assert_int_equal(c->by_status[415], 1);
	assert_int_equal(c->protocol_errors, 1);
	/* 2 + 1 + 2 gRPC codes, one HTTP status, one reset. */
	assert_int_equal(sl_gen_counts_errors(c), 7);
	free(c);
}

static void
test_grpc_report(void **state)
{
	static char hdr[128][128], row[128][128];
	struct sl_gen_counts *c = sample_counts(), *d = sample_counts();
	struct sl_gen_report r = sample_report(c);
	struct jflat *j = malloc(sizeof(*j));
	char *text, *buf = NULL, *nl;
	size_t len = 0;
	FILE *f;
	int nh, nr;

	(void)state;
	assert_non_null(j);
	/* HTTP runs say so, with one stream. */
	text = render_json(&r);
	assert_int_equal(jparse(j, text), 0);
	assert_string_equal(jget(j, "params.proto"), "http");
	assert_string_equal(jget(j, "params.streams"), "1");
	free(text);

	r.params.proto = "grpc";
	r.params.streams = 100;
	c->by_grpc_status[14] = 4;
	c->by_grpc_status[SL_GEN_GRPC_STATUS_OTHER] = 1;
	text = render_json(&r);
	assert_int_equal(jparse(j, text), 0);
	assert_string_equal(jget(j, "params.proto"), "grpc");
	assert_string_equal(jget(j, "params.streams"), "100");
	assert_string_equal(jget(j, "errors.by_grpc_status.14"), "4");
	assert_string_equal(jget(j, "errors.by_grpc_status.other"), "1");
	assert_string_equal(jget(j, "errors.total"), "11"); /* 6 of sample_counts + 5 */
	free(text);

	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(sl_gen_report_csv_header(f), 0);
	assert_int_equal(sl_gen_report_csv_row(&r, f), 0);
	fclose(f);
	nl = strchr(buf, '\n');
	assert_non_null(nl);
	nh = csv_split(buf, hdr, 128);
	nr = csv_split(nl + 1, row, 128);
	assert_int_equal(nh, nr);
	assert_string_equal(row[col(hdr, nh, "proto")], "grpc");
	assert_string_equal(row[col(hdr, nh, "streams")], "100");
	assert_string_equal(row[col(hdr, nh, "errors_by_grpc_status")], "14:4;other:1");
	free(buf);

	/* Merging adds the gRPC codes too. */
	d->by_grpc_status[14] = 2;
	sl_gen_counts_merge(c, d);
	assert_int_equal(c->by_grpc_status[14], 6);
	free(c);
	free(d);
	free(j);
}

static void
test_grpc_path_prefix(void **state)
{
	uint8_t p[SL_GEN_GRPC_PREFIX];

	(void)state;
	assert_string_equal(sl_gen_grpc_path(SL_SIGNAL_TRACES),
	                    "/opentelemetry.proto.collector.trace.v1.TraceService/Export");
	assert_string_equal(sl_gen_grpc_path(SL_SIGNAL_METRICS),
	                    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export");
	assert_string_equal(sl_gen_grpc_path(SL_SIGNAL_LOGS),
	                    "/opentelemetry.proto.collector.logs.v1.LogsService/Export");
	assert_null(sl_gen_grpc_path(SL_SIGNAL_MAX));
	sl_gen_grpc_prefix(p, false, 25306);
	assert_memory_equal(p, "\x00\x00\x00\x62\xda", 5);
	sl_gen_grpc_prefix(p, true, 0x01020304);
	assert_memory_equal(p, "\x01\x01\x02\x03\x04", 5);
}

/* ---- HTTP responses ---- */

/* Feed s in pieces of `step` bytes; returns bytes consumed in all, or -1 on error. */
static ssize_t
feed(struct sl_http_resp *r, const char *s, size_t step)
{
	size_t len = strlen(s), off = 0;

	while (off < len && !sl_http_resp_done(r)) {
		size_t n = len - off < step ? len - off : step;
		ssize_t k = sl_http_resp_feed(r, (const uint8_t *)s + off, n);

		if (k < 0)
			return -1;
		off += (size_t)k;
		if ((size_t)k < n)
			break;
	}
	return (ssize_t)off;
}

static void
test_http_resp(void **state)
{
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/x-protobuf\r\n"
	                         "Content-Length: 2\r\n\r\nAB";
	struct sl_http_resp r;
	size_t step;

	(void)state;
	for (step = 1; step <= sizeof(ok); step++) {
		sl_http_resp_init(&r);
		assert_int_equal(feed(&r, ok, step), (ssize_t)strlen(ok));
		assert_true(sl_http_resp_done(&r));
		assert_int_equal(r.status, 200);
		assert_int_equal(r.body_len, 2);
		assert_false(r.close);
	}

	/* Two pipelined responses: the first stops at its end. */
	{
		static const char two[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
		                          "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 2\r\n"
		                          "Content-Length: 3\r\nConnection: close\r\n\r\nxyz";
		ssize_t k;

		sl_http_resp_init(&r);
		k = sl_http_resp_feed(&r, (const uint8_t *)two, strlen(two));
		assert_int_equal(k, 38);
		assert_int_equal(r.status, 200);
		sl_http_resp_init(&r);
		assert_int_equal(
		    sl_http_resp_feed(&r, (const uint8_t *)two + k, strlen(two) - (size_t)k),
		    (ssize_t)(strlen(two) - (size_t)k));
		assert_true(sl_http_resp_done(&r));
		assert_int_equal(r.status, 503);
		assert_int_equal(r.retry_after, 2);
		assert_true(r.close);
	}

	/* Chunked, with an extension and a trailer, bare LF line ends in places. */
	for (step = 1; step < 8; step++) {
		sl_http_resp_init(&r);
		assert_true(
		    feed(&r,
		         "HTTP/1.1 400 Bad Request\nTransfer-Encoding: gzip, chunked\r\n"
		         "Content-Length: 999\r\n\r\n"
		         "5;x=y\r\nhello\r\n1A\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: 1\r\n\r\n",
		         step) > 0);
		assert_true(sl_http_resp_done(&r));
		assert_int_equal(r.status, 400);
		assert_int_equal(r.body_len, 31);
	}

	/* 100 Continue is skipped; 204 has no body. */
	sl_http_resp_init(&r);
	assert_true(feed(&r, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", 3) >
	            0);
	assert_true(sl_http_resp_done(&r));
	assert_int_equal(r.status, 204);
	assert_int_equal(r.interim, 1);

	/* HTTP/1.0 without keep-alive closes; a body without length runs to EOF. */
	sl_http_resp_init(&r);
	assert_true(feed(&r, "HTTP/1.0 200 OK\r\n\r\nsome body", 64) > 0);
	assert_false(sl_http_resp_done(&r));
	assert_int_equal(sl_http_resp_eof(&r), 0);
	assert_true(sl_http_resp_done(&r));
	assert_true(r.close);
	assert_int_equal(r.body_len, 9);

	/* Cut short. */
	sl_http_resp_init(&r);
	assert_true(feed(&r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", 64) > 0);
	assert_int_equal(sl_http_resp_eof(&r), -EPIPE);

	/* Not HTTP, conflicting lengths, bad chunk size. */
	sl_http_resp_init(&r);
	assert_int_equal(feed(&r, "SSH-2.0-OpenSSH\r\n", 64), -1);
	sl_http_resp_init(&r);
	assert_int_equal(
	    feed(&r, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 64), -1);
	sl_http_resp_init(&r);
	assert_int_equal(
	    feed(&r, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 64), -1);
	sl_http_resp_init(&r);
	assert_int_equal(feed(&r, "HTTP/1.1 20 OK\r\n\r\n", 64), -1);

	/* A long header line is skipped, not an error. */
	{
		char big[2048];

		snprintf(big, sizeof(big),
		         "HTTP/1.1 200 OK\r\nX-Long: %0600d\r\nContent-Length: 1\r\n\r\nz", 7);
		sl_http_resp_init(&r);
		assert_int_equal(feed(&r, big, 100), (ssize_t)strlen(big));
		assert_true(sl_http_resp_done(&r));
	}
}

/* ---- profiles ---- */

#define TRACE_REQ_DESC                                                                             \
	opentelemetry__proto__collector__trace__v1__export_trace_service_request__descriptor

static ProtobufCMessage *
unpack(enum sl_signal sig, const uint8_t *b, size_t len)
{
	const ProtobufCMessageDescriptor *d =
	    sig == SL_SIGNAL_TRACES ? &TRACE_REQ_DESC
	    : sig == SL_SIGNAL_METRICS
	        ? &opentelemetry__proto__collector__metrics__v1__export_metrics_service_request__descriptor
	        : &opentelemetry__proto__collector__logs__v1__export_logs_service_request__descriptor;

	return protobuf_c_message_unpack(d, NULL, len, b);
}

/* Protobuf bytes of a rendered body: gunzip and/or JSON to protobuf as the profile says. */
static uint8_t *
to_pb(const struct sl_gen_profile *p, const uint8_t *body, size_t len, size_t *pb_len)
{
	uint8_t *plain = malloc(p->len + 1), *pb = malloc(p->pb_len + 64);
	size_t n = len;

	assert_true(plain && pb);
	if (p->conf.gzip) {
		struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();

		assert_int_equal(libdeflate_gzip_decompress(d, body, len, plain, p->len, &n),
		                 LIBDEFLATE_SUCCESS);
		libdeflate_free_decompressor(d);
	} else {
		memcpy(plain, body, len);
	}
	assert_int_equal(n, p->len);
	if (p->conf.json) {
		struct sl_otlp_json_err err;

		if (sl_otlp_json_to_pb(p->conf.signal, plain, n, pb, p->pb_len + 64, pb_len,
		                       &err) != 0)
			fail_msg("JSON body does not transcode: %s", err.msg);
		free(plain);
		return pb;
	}
	free(pb);
	*pb_len = n;
	return plain;
}

static void
check_traces(const struct sl_gen_profile *p, const uint8_t *b, size_t len, uint8_t first_ids[24])
{
	Opentelemetry__Proto__Collector__Trace__V1__ExportTraceServiceRequest *req;
	size_t pb_len, r, s, total = 0;
	uint8_t *pb = to_pb(p, b, len, &pb_len);

	req = (void *)unpack(SL_SIGNAL_TRACES, pb, pb_len);
	assert_non_null(req);
	assert_int_equal(req->n_resource_spans, p->conf.resources);
	for (r = 0; r < req->n_resource_spans; r++) {
		Opentelemetry__Proto__Trace__V1__ResourceSpans *rs = req->resource_spans[r];
		const char *svc = rs->resource->attributes[0]->value->string_value;
		const char *host = rs->resource->attributes[1]->value->string_value;

		assert_string_equal(rs->resource->attributes[0]->key, "service.name");
		assert_int_equal(strncmp(svc, "svc-", 4), 0);
		assert_true((uint32_t)atoi(svc + 4) < p->conf.services);
		assert_int_equal(strncmp(host, "host-", 5), 0);
		assert_true((uint32_t)atoi(host + 5) < p->conf.hosts);
		for (s = 0; s < rs->scope_spans[0]->n_spans; s++, total++) {
			Opentelemetry__Proto__Trace__V1__Span *sp = rs->scope_spans[0]->spans[s];

			assert_int_equal(sp->trace_id.len, 16);
			assert_int_equal(sp->span_id.len, 8);
			assert_int_equal(sp->parent_span_id.len, 8);
			assert_int_equal(sp->n_attributes, p->conf.attrs);
			/* No sentinel left behind. */
			assert_false(sp->trace_id.data[0] == 0xc7 && sp->trace_id.data[1] == 0x51 &&
			             sp->trace_id.data[2] == 0x9e);
			if (total == 0 && first_ids) {
				memcpy(first_ids, sp->trace_id.data, 16);
				memcpy(first_ids + 16, sp->span_id.data, 8);
			}
		}
	}
	assert_int_equal(total, p->conf.items);
	protobuf_c_message_free_unpacked(&req->base, NULL);
	free(pb);
}

static void
render_traces(const struct sl_gen_profile_conf *conf, uint32_t variants)
{
	struct sl_gen_profile *p;
	struct sl_gen_render rd;
	uint8_t *buf, ids1[24], ids2[24];
	const uint8_t *body;
	size_t len;
	bool primed = false;
	char err[128];

	p = sl_gen_profile_new(conf, err, sizeof(err));
	if (p == NULL)
		fail_msg("profile: %s", err);
	assert_int_equal(p->n_ids, 3 * conf->items);
	buf = malloc(p->wire_cap);
	assert_non_null(buf);
	assert_int_equal(sl_gen_render_init(&rd, p, 7, variants), 0);
	assert_int_equal(sl_gen_render_next(&rd, buf, p->wire_cap, &primed, &body, &len), 0);
	check_traces(p, body, len, ids1);
	if (!conf->gzip && variants == 0) {
		assert_int_equal(len, p->len);
		assert_true(primed);
	}
	assert_int_equal(sl_gen_render_next(&rd, buf, p->wire_cap, &primed, &body, &len), 0);
	check_traces(p, body, len, ids2);
	if (variants != 1)
		assert_memory_not_equal(ids1, ids2, 24); /* fresh ids */
	else
		assert_memory_equal(ids1, ids2, 24);
	sl_gen_render_fini(&rd);
	sl_gen_render_fini(&rd); /* twice is fine */
	free(buf);
	sl_gen_profile_free(p);
}

static void
test_profile_traces(void **state)
{
	struct sl_gen_profile_conf c = {.signal = SL_SIGNAL_TRACES, .items = 10, .attrs = 5};

	(void)state;
	render_traces(&c, 0);
	c.items = 1;
	render_traces(&c, 0);
	c.items = 1000;
	c.resources = 7;
	c.services = 50;
	c.hosts = 3;
	render_traces(&c, 0);
	c.gzip = true;
	render_traces(&c, 0);
	render_traces(&c, 4);
	render_traces(&c, 1);
	c.json = true;
	render_traces(&c, 0);
	c.gzip = false;
	c.items = 100;
	c.resources = 1;
	c.attrs = 0;
	render_traces(&c, 0);
}

/* About 250 bytes a span at the defaults, as the goal assumes. */
static void
test_profile_span_size(void **state)
{
	struct sl_gen_profile_conf c = {.signal = SL_SIGNAL_TRACES, .items = 100, .attrs = 5};
	struct sl_gen_profile *p = sl_gen_profile_new(&c, NULL, 0);

	(void)state;
	assert_non_null(p);
	assert_true(p->len / 100 >= 200 && p->len / 100 <= 300);
	sl_gen_profile_free(p);
}

static void
test_profile_metrics_logs(void **state)
{
	enum sl_signal sigs[] = {SL_SIGNAL_METRICS, SL_SIGNAL_LOGS};
	size_t i, j;

	(void)state;
	for (i = 0; i < 2; i++) {
		for (j = 0; j < 2; j++) {
			struct sl_gen_profile_conf c = {.signal = sigs[i],
			                                .items = 50,
			                                .attrs = 3,
			                                .resources = 2,
			                                .json = j == 1};
			struct sl_gen_profile *p = sl_gen_profile_new(&c, NULL, 0);
			struct sl_gen_render rd;
			ProtobufCMessage *m;
			const uint8_t *body;
			uint8_t *buf, *pb;
			size_t len, pb_len, n = 0, r;
			bool primed = false;

			assert_non_null(p);
			assert_int_equal(p->n_ids, sigs[i] == SL_SIGNAL_LOGS ? 100 : 0);
			buf = malloc(p->wire_cap);
			assert_int_equal(sl_gen_render_init(&rd, p, 1, 0), 0);
			assert_int_equal(
			    sl_gen_render_next(&rd, buf, p->wire_cap, &primed, &body, &len), 0);
			pb = to_pb(p, body, len, &pb_len);
			m = unpack(sigs[i], pb, pb_len);
			assert_non_null(m);
			if (sigs[i] == SL_SIGNAL_METRICS) {
				Opentelemetry__Proto__Collector__Metrics__V1__ExportMetricsServiceRequest
				    *req = (void *)m;

				assert_int_equal(req->n_resource_metrics, 2);
				for (r = 0; r < 2; r++)
					n += req->resource_metrics[r]->scope_metrics[0]->n_metrics;
			} else {
				Opentelemetry__Proto__Collector__Logs__V1__ExportLogsServiceRequest
				    *req = (void *)m;

				assert_int_equal(req->n_resource_logs, 2);
				for (r = 0; r < 2; r++)
					n += req->resource_logs[r]->scope_logs[0]->n_log_records;
				assert_int_equal(req->resource_logs[0]
				                     ->scope_logs[0]
				                     ->log_records[0]
				                     ->trace_id.len,
				                 16);
			}
			assert_int_equal(n, 50);
			protobuf_c_message_free_unpacked(m, NULL);
			free(pb);
			free(buf);
			sl_gen_render_fini(&rd);
			sl_gen_profile_free(p);
		}
	}
}

static void
test_profile_bounds_and_head(void **state)
{
	struct sl_gen_profile_conf c = {.signal = SL_SIGNAL_TRACES, .items = 0};
	struct sl_gen_profile *p;
	char err[128], head[512];
	enum sl_signal sig;
	int n;

	(void)state;
	assert_null(sl_gen_profile_new(&c, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "items per request"));
	c.items = 2;
	c.resources = 3;
	assert_null(sl_gen_profile_new(&c, err, sizeof(err)));
	c.resources = 1;
	c.services = SL_GEN_CARD_MAX + 1;
	assert_null(sl_gen_profile_new(&c, err, sizeof(err)));
	c.services = 0;
	c.gzip = true;
	p = sl_gen_profile_new(&c, err, sizeof(err));
	assert_non_null(p);
	n = sl_gen_head_prefix(p, "10.0.0.2:4318", head, sizeof(head) - SL_GEN_HEAD_TAIL);
	assert_true(n > 0);
	n += (int)sl_gen_head_finish(head + n, 12345);
	head[n] = '\0';
	assert_string_equal(head,
	                    "POST /v1/traces HTTP/1.1\r\nHost: 10.0.0.2:4318\r\n"
	                    "User-Agent: sluice-gen/0.1\r\nContent-Type: application/x-protobuf\r\n"
	                    "Content-Encoding: gzip\r\nContent-Length: 12345\r\n\r\n");
	assert_int_equal(sl_gen_head_prefix(p, "h", head, 10), -ENOSPC);
	sl_gen_profile_free(p);
	sl_gen_profile_free(NULL);
	assert_int_equal(sl_gen_signal_parse("logs", &sig), 0);
	assert_int_equal(sig, SL_SIGNAL_LOGS);
	assert_int_equal(sl_gen_signal_parse("spans", &sig), -EINVAL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hist_percentiles),
	    cmocka_unit_test(test_hist_buckets),
	    cmocka_unit_test(test_hist_merge_reset),
	    cmocka_unit_test(test_report_json),
	    cmocka_unit_test(test_report_csv),
	    cmocka_unit_test(test_counts_merge),
	    cmocka_unit_test(test_grpc_status_parse),
	    cmocka_unit_test(test_grpc_count),
	    cmocka_unit_test(test_grpc_report),
	    cmocka_unit_test(test_grpc_path_prefix),
	    cmocka_unit_test(test_http_resp),
	    cmocka_unit_test(test_profile_traces),
	    cmocka_unit_test(test_profile_span_size),
	    cmocka_unit_test(test_profile_metrics_logs),
	    cmocka_unit_test(test_profile_bounds_and_head),
	};

	return cmocka_run_group_tests_name("gen", tests, NULL, NULL);
}
