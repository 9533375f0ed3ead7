/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the table compiler and matcher, the dynamic-config YAML, publication and ctlproto. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <cmocka.h>

#include "ctlproto.h"
#include "routes.h"
#include "table_compile.h"
#include "table_match.h"

#define NOW 1700000000000000000ull

static const char conf[] =
    "dataplane:\n"
    "  instance: x\n"
    "limits:\n"
    "  tenant_header: X-Scope-OrgID\n"
    "tenants:\n"
    "  - name: acme\n"
    "    tokens: [tok-b, tok-a]\n"
    "  - name: zeta\n"
    "    tokens: [tok-zz]\n"
    "    rate: 1000/s\n"
    "routes:\n"
    "  - name: low\n"
    "    priority: 1\n"
    "    match: {attributes: {service.name: {prefix: check}}}\n"
    "    sinks: [/s/low]\n"
    "  - name: high\n"
    "    priority: 10\n"
    "    match:\n"
    "      attributes:\n"
    "        service.name: checkout\n"
    "    sinks: [/s/a, /s/b]\n"
    "    durability: persisted\n"
    "  - name: glob\n"
    "    match:\n"
    "      signal: logs\n"
    "      attributes: {k8s.namespace.name: {glob: \"team-*-prod\"}}\n"
    "    drop: true\n"
    "  - name: net\n"
    "    match: {source: 10.1.0.0/16, port: 4318, tenant: acme}\n"
    "    sample: 0.25\n"
    "  - name: exists\n"
    "    match: {attributes: {host.name: {exists: true}}}\n"
    "  - name: fallback\n"
    "    default: true\n"
    "    sinks: [/s/default]\n"
    "faults:\n"
    "  - name: f503\n"
    "    match: {attributes: {service.name: checkout}}\n"
    "    error: 503\n"
    "    retry_after: 5s\n"
    "    probability: 0.5\n"
    "    ttl: 10m\n"
    "  - name: old\n"
    "    match: {}\n"
    "    reset: true\n"
    "    ttl: 1h\n"
    "    expires_at: 1600000000\n";

struct fx {
	struct sl_dyn *d;
	void *img;
	long len;
};

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[SL_DYN_ERR_LEN];

	f->d = sl_dyn_new();
	f->img = aligned_alloc(64, SL_TBL_SLOT_SIZE);
	assert_int_equal(sl_dyn_load_buf(f->d, conf, strlen(conf), "t.yaml", NOW, err, sizeof(err)),
	                 0);
	f->len = sl_tbl_compile(f->d, 7, NOW, f->img, SL_TBL_SLOT_SIZE, err, sizeof(err));
	if (f->len < 0)
		fail_msg("%s", err);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	free(f->d);
	free(f->img);
	free(f);
	return 0;
}

static struct sl_otlp_entry
entry(const struct sl_tbl_hdr *h, const char *svc, const char *key, const char *val)
{
	struct sl_otlp_entry e;

	memset(&e, 0, sizeof(e));
	if (svc) {
		e.present |= 1;
		e.attrs[0].type = SL_OTLP_VAL_STRING;
		e.attrs[0].len = (uint16_t)strlen(svc);
		memcpy(e.attrs[0].val, svc, strlen(svc));
	}
	for (uint32_t k = 0; key && k < h->n_keys; k++) {
		const struct sl_tbl_key *tk = &sl_tbl_keys(h)[k];

		if (tk->str_len == strlen(key) && memcmp(sl_tbl_str(h, tk->str_off), key, tk->str_len) == 0) {
			e.present |= 1u << (k + 1);
			e.attrs[k + 1].type = val ? SL_OTLP_VAL_STRING : SL_OTLP_VAL_OTHER;
			if (val) {
				e.attrs[k + 1].len = (uint16_t)strlen(val);
				memcpy(e.attrs[k + 1].val, val, strlen(val));
			}
		}
	}
	return e;
}

static const char *
route_of(const struct sl_tbl_hdr *h, const struct sl_tbl_ctx *ctx, const struct sl_otlp_entry *e)
{
	return sl_tbl_routes(h)[sl_tbl_match_route(h, ctx, e)].name;
}

static void
test_image_valid(void **state)
{
	struct fx *f = *state;
	const struct sl_tbl_hdr *h = f->img;

	assert_int_equal(sl_tbl_image_check(f->img, (size_t)f->len), 0);
	assert_int_equal(h->config_version, 7);
	assert_int_equal(h->n_routes, 6); /* 5 + the marked default, last */
	assert_string_equal(sl_tbl_routes(h)[h->default_route].name, "fallback");
	assert_int_equal(h->n_faults, 1);  /* "old" expired before NOW */
	assert_int_equal(h->n_tenants, 3); /* none, acme, zeta */
	assert_int_equal(h->n_keys, 2);    /* k8s.namespace.name, host.name */
	/* a flipped byte fails the CRC */
	((char *)f->img)[h->total_size - 1] ^= 1;
	assert_int_equal(sl_tbl_image_check(f->img, (size_t)f->len), -EBADMSG);
	((char *)f->img)[h->total_size - 1] ^= 1;
	assert_int_equal(sl_tbl_image_check(f->img, sizeof(*h) - 1), -EPROTO);
}

static void
test_priority_first_match(void **state)
{
	struct fx *f = *state;
	const struct sl_tbl_hdr *h = f->img;
	struct sl_tbl_ctx ctx = {.signal = SL_SIGNAL_TRACES};
	struct sl_otlp_entry e = entry(h, "checkout", NULL, NULL);

	/* "high" (10) before "low" (1) though written after it */
	assert_string_equal(sl_tbl_routes(h)[0].name, "high");
	assert_string_equal(route_of(h, &ctx, &e), "high");
	e = entry(h, "checkout-v2", NULL, NULL);
	assert_string_equal(route_of(h, &ctx, &e), "low");
	e = entry(h, "billing", NULL, NULL);
	assert_string_equal(route_of(h, &ctx, &e), "fallback");
	assert_int_equal(sl_tbl_routes(h)[0].n_sinks, 2);
	assert_int_equal(sl_tbl_routes(h)[0].durability, SL_TBL_DUR_PERSISTED);
}

static void
test_glob_signal_exists(void **state)
{
	struct fx *f = *state;
	const struct sl_tbl_hdr *h = f->img;
	struct sl_tbl_ctx ctx = {.signal = SL_SIGNAL_LOGS};
	struct sl_otlp_entry e = entry(h, "x", "k8s.namespace.name", "team-a-prod");

	assert_string_equal(route_of(h, &ctx, &e), "glob");
	assert_true(sl_tbl_routes(h)[sl_tbl_match_route(h, &ctx, &e)].flags & SL_TBL_R_DROP);
	ctx.signal = SL_SIGNAL_TRACES;
	assert_string_equal(route_of(h, &ctx, &e), "fallback");
	ctx.signal = SL_SIGNAL_LOGS;
	e = entry(h, "x", "k8s.namespace.name", "team-a-dev");
	assert_string_equal(route_of(h, &ctx, &e), "fallback");
	e = entry(h, "x", "host.name", NULL); /* a non-string value still exists */
	assert_string_equal(route_of(h, &ctx, &e), "exists");
	assert_true(sl_tbl_glob("a*b?c", 5, "aXXbYc", 6));
	assert_true(sl_tbl_glob("*", 1, "", 0));
	assert_false(sl_tbl_glob("a*b", 3, "aXXc", 4));
	assert_true(sl_tbl_glob("a\\*", 3, "a*", 2));
	assert_false(sl_tbl_glob("a\\*", 3, "ab", 2));
	assert_true(sl_tbl_glob("*-*-prod", 8, "team-a-b-prod", 13));
}

static void
test_cidr_port_tenant(void **state)
{
	struct fx *f = *state;
	const struct sl_tbl_hdr *h = f->img;
	struct sl_tbl_ctx ctx = {.signal = SL_SIGNAL_METRICS, .listener_port = 4318};
	struct sl_otlp_entry e = entry(h, "m", NULL, NULL);
	uint8_t a[16], plen;

	ctx.tenant = sl_tbl_tenant_by_token(h, "tok-a", 5);
	assert_int_equal(ctx.tenant, sl_tbl_tenant_by_name(h, "acme", 4));
	assert_int_equal(sl_tbl_tenant_by_token(h, "tok-b", 5), ctx.tenant);
	assert_int_equal(sl_tbl_tenant_by_token(h, "tok-zz", 6), sl_tbl_tenant_by_name(h, "zeta", 4));
	assert_int_equal(sl_tbl_tenant_by_token(h, "tok-c", 5), 0);
	sl_tbl_addr_v4(ctx.src, htonl(0x0a01fe01)); /* 10.1.254.1 */
	assert_string_equal(route_of(h, &ctx, &e), "net");
	sl_tbl_addr_v4(ctx.src, htonl(0x0a020001)); /* 10.2.0.1 */
	assert_string_equal(route_of(h, &ctx, &e), "fallback");
	sl_tbl_addr_v4(ctx.src, htonl(0x0a01fe01));
	ctx.listener_port = 4317;
	assert_string_equal(route_of(h, &ctx, &e), "fallback");
	ctx.listener_port = 4318;
	ctx.tenant = 0;
	assert_string_equal(route_of(h, &ctx, &e), "fallback");
	assert_int_equal(sl_dyn_parse_cidr("10.1.2.3/8", a, &plen), -EINVAL); /* host bits */
	assert_int_equal(sl_dyn_parse_cidr("2001:db8::/32", a, &plen), 0);
	assert_int_equal(plen, 32);
	assert_int_equal(sl_dyn_parse_cidr("10.0.0.1", a, &plen), 0);
	assert_int_equal(plen, 128);
}

static void
test_sampling_consistent(void **state)
{
	struct fx *f = *state;
	const struct sl_tbl_hdr *h = f->img;
	const struct sl_tbl_route *r = NULL;
	uint8_t id[16];
	unsigned kept = 0, n = 100000;
	uint64_t x = 88172645463325252ull;

	for (uint32_t i = 0; i < h->n_routes; i++)
		if (strcmp(sl_tbl_routes(h)[i].name, "net") == 0)
			r = &sl_tbl_routes(h)[i];
	assert_non_null(r);
	assert_true(r->flags & SL_TBL_R_SAMPLE);
	/* threshold = (1 - 0.25) * 2^56: documented, so every appliance agrees */
	assert_true(r->sample_threshold == 54043195528445952ull);
	for (unsigned i = 0; i < n; i++) {
		bool k1;

		for (int b = 0; b < 16; b++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			id[b] = (uint8_t)x;
		}
		k1 = sl_tbl_sample_keep(r, id);
		assert_true(k1 == sl_tbl_sample_keep(r, id)); /* same trace, same verdict */
		kept += k1;
	}
	assert_in_range(kept, n / 4 - n / 50, n / 4 + n / 50);
	memset(id, 0xff, sizeof(id));
	assert_true(sl_tbl_sample_keep(r, id));
	memset(id, 0, sizeof(id));
	assert_false(sl_tbl_sample_keep(r, id));
}

static void
test_faults_ttl_probability(void **state)
{
	struct fx *f = *state;
	const struct sl_tbl_hdr *h = f->img;
	struct sl_tbl_ctx ctx = {.signal = SL_SIGNAL_TRACES};
	struct sl_otlp_entry e = entry(h, "checkout", NULL, NULL);
	const struct sl_tbl_fault *ft;
	int i = sl_tbl_match_fault(h, &ctx, &e, NOW);

	assert_int_equal(i, 0);
	ft = &sl_tbl_faults(h)[i];
	assert_int_equal(ft->kind, SL_TBL_F_ERROR);
	assert_int_equal(ft->status, 503);
	assert_int_equal(ft->retry_after_s, 5);
	assert_true(ft->expires_unix_ns == NOW + 600000000000ull);
	/* past its TTL a reader that checks time skips it */
	assert_int_equal(sl_tbl_match_fault(h, &ctx, &e, NOW + 600000000000ull), -1);
	e = entry(h, "billing", NULL, NULL);
	assert_int_equal(sl_tbl_match_fault(h, &ctx, &e, NOW), -1);
	/* probability 0.5: half the 64-bit range */
	assert_true(sl_tbl_fault_fires(ft, 0));
	assert_true(sl_tbl_fault_fires(ft, (1ull << 63) - 1));
	assert_false(sl_tbl_fault_fires(ft, 1ull << 63));
}

static void
test_roundtrip_same_body(void **state)
{
	struct fx *f = *state;
	struct sl_dyn *d2 = sl_dyn_new();
	void *img2 = aligned_alloc(64, SL_TBL_SLOT_SIZE);
	char *buf = NULL, err[SL_DYN_ERR_LEN];
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	long n;

	sl_dyn_write(m, f->d);
	fclose(m);
	assert_int_equal(sl_dyn_load_buf(d2, buf, len, "v.yaml", NOW + 5, err, sizeof(err)), 0);
	n = sl_tbl_compile(d2, 8, NOW + 5, img2, SL_TBL_SLOT_SIZE, err, sizeof(err));
	assert_int_equal(n, f->len);
	/* a version file reloads to the same image body (what a restart republishes) */
	assert_int_equal(((struct sl_tbl_hdr *)img2)->body_crc32c,
	                 ((struct sl_tbl_hdr *)f->img)->body_crc32c);
	free(buf);
	free(d2);
	free(img2);
}

struct bad {
	const char *yaml;
	const char *want;
};

static void
test_yaml_errors(void **state)
{
	static const struct bad cases[] = {
	    {"routes:\n  - name: a\n    priorty: 3\n", "t.yaml:3: routes[0].priorty: unknown key"},
	    {"routes:\n  - name: a\n    match:\n      port: 70000\n",
	     "t.yaml:4: routes[0].match.port: 70000 is out of range"},
	    {"routes:\n  - name: a\n    match: {source: 10.0.0.1/8}\n",
	     "t.yaml:3: routes[0].match.source: '10.0.0.1/8' is not an address prefix"},
	    {"routes:\n  - priority: 3\n", "t.yaml:2: routes[0]: missing required key name"},
	    {"faults:\n  - name: f\n    error: 503\n", "missing required key ttl"},
	    {"faults:\n  - name: f\n    error: 503\n    reset: true\n    ttl: 1m\n",
	     "more than one kind"},
	    {"faults:\n  - name: f\n    delay: 2s-1s\n    ttl: 1m\n", "t.yaml:3: faults[0].delay"},
	    {"routes:\n  - name: a\n  - name: a\n", "t.yaml:3: route a: duplicate name"},
	    {"routes:\n  - name: a\n    match: {tenant: nope}\n", "unknown tenant 'nope'"},
	    {"routes:\n  - name: a\n    sample: 0\n", "t.yaml:3: routes[0].sample"},
	    {"routes: &x []\nfaults: *x\n", "aliases are not supported"},
	    {"routes:\n  - name: a\n    match: {signal: spans}\n", "is not a signal"},
	};
	struct sl_dyn *d = sl_dyn_new();
	char err[SL_DYN_ERR_LEN];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = sl_dyn_load_buf(d, cases[i].yaml, strlen(cases[i].yaml), "t.yaml", NOW, err,
		                         sizeof(err));

		if (rc == 0 || strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: rc %d, error '%s', wanted '%s'", i, rc, err, cases[i].want);
	}
	free(d);
}

static void
test_cli_specs(void **state)
{
	struct sl_dyn_fault f;
	struct sl_dyn_route r;
	char err[SL_DYN_ERR_LEN];
	char *a1[] = {"pay", "--match", "service.name=checkout", "--error", "503",
	              "--probability", "1", "--ttl", "10m"};
	char *a2[] = {"d", "--delay", "100ms-2s", "--match", "signal=traces", "--match",
	              "tenant=acme", "--match", "source=10.0.0.0/8"};
	char *a3[] = {"t", "--throttle", "100/s"};
	char *a4[] = {"p", "--partial", "0.2", "--blackhole"};
	char *a5[] = {"r", "--match", "service.name=VALUE", "--sink", "/d", "--durability",
	              "persisted", "--sample", "0.1", "--priority", "5"};
	char *a6[] = {"g", "--match", "k8s.pod.name=web-*", "--match", "env^=prod", "--match",
	              "host.name?", "--reset"};

	(void)state;
	assert_int_equal(sl_dyn_fault_from_args(9, a1, NOW, &f, err, sizeof(err)), 0);
	assert_int_equal(f.kind, SL_TBL_F_ERROR);
	assert_int_equal(f.status, 503);
	assert_true(f.expires_unix_ns == NOW + 600000000000ull);
	assert_int_equal(sl_dyn_fault_from_args(9, a2, NOW, &f, err, sizeof(err)), 0);
	assert_true(f.delay_min_ns == 100000000ull && f.delay_max_ns == 2000000000ull);
	assert_true(f.match.has_source && f.match.plen == 104);
	assert_string_equal(f.match.tenant, "acme");
	assert_int_equal(sl_dyn_fault_from_args(3, a3, NOW, &f, err, sizeof(err)), 0);
	assert_int_equal(f.rate, 100);
	assert_int_equal(sl_dyn_fault_from_args(4, a4, NOW, &f, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than one kind"));
	assert_int_equal(sl_dyn_route_from_args(11, a5, &r, err, sizeof(err)), 0);
	assert_int_equal(r.priority, 5);
	assert_int_equal(r.durability, SL_TBL_DUR_PERSISTED);
	assert_int_equal(sl_dyn_fault_from_args(8, a6, NOW, &f, err, sizeof(err)), 0);
	assert_int_equal(f.match.attrs[0].kind, SL_DYN_GLOB);
	assert_int_equal(f.match.attrs[1].kind, SL_DYN_PREFIX);
	assert_string_equal(f.match.attrs[1].key, "env");
	assert_int_equal(f.match.attrs[2].kind, SL_DYN_EXISTS);
}

/* QSBR: a slot a reader is on is never reused; a reader that moved on frees it. */
static void
test_publish_qsbr(void **state)
{
	struct fx *f = *state;
	struct sl_tbl_map m;
	struct sl_tbl_reader_cache rc = {0};
	const struct sl_tbl_hdr *img;
	char inst[64];
	int64_t g;
	int i;

	snprintf(inst, sizeof(inst), "unit-test-%d", getpid());
	assert_int_equal(sl_tbl_region_open_writer(&m, inst), 0);
	m.r->dataplane_pid = getpid(); /* this process plays the dataplane */
	g = sl_tbl_publish(&m, f->img, (size_t)f->len);
	assert_int_equal(g, 1);
	sl_tbl_reader_online(m.r, 0);
	img = sl_tbl_reader_enter(m.r, 0, &rc, NULL);
	assert_non_null(img);
	assert_int_equal(img->generation, 1);
	assert_int_equal(sl_tbl_image_check(img, m.r->slot_size), 0);
	/* the reader stays on generation 1: 3 more publications fit, the 4th waits */
	for (i = 0; i < SL_TBL_SLOTS - 1; i++)
		assert_true(sl_tbl_publish(&m, f->img, (size_t)f->len) > 0);
	assert_int_equal(sl_tbl_publish(&m, f->img, (size_t)f->len), -EBUSY);
	assert_int_equal(img->generation, 1); /* untouched */
	img = sl_tbl_reader_enter(m.r, 0, &rc, NULL);
	assert_int_equal(img->generation, 4);
	assert_true(sl_tbl_publish(&m, f->img, (size_t)f->len) == 5);
	sl_tbl_reader_offline(m.r, 0, &rc);
	for (i = 0; i < 10; i++)
		assert_true(sl_tbl_publish(&m, f->img, (size_t)f->len) > 0);
	/* a dead dataplane's reader lines do not pin slots */
	sl_tbl_reader_online(m.r, 1);
	m.r->dataplane_pid = 0x7ffffff0;
	for (i = 0; i < 10; i++)
		assert_true(sl_tbl_publish(&m, f->img, (size_t)f->len) > 0);
	assert_int_equal(sl_tbl_reader_at(m.r, 1)->seen_gen, 0);
	unlink(m.path);
	sl_tbl_region_close(&m);
}

static void
test_ctlproto(void **state)
{
	static struct sl_ctl_req req;
	char *argv[] = {"faults", "add", "x", "--error", "503"};
	uint8_t buf[256];
	long n = sl_ctl_encode_req(5, argv, SL_CTL_F_JSON, buf, sizeof(buf));

	(void)state;
	assert_true(n > SL_CTL_HDR_LEN);
	assert_int_equal(sl_ctl_req_need(buf, 3), SL_CTL_HDR_LEN);
	assert_int_equal(sl_ctl_req_need(buf, (size_t)n), n);
	assert_int_equal(sl_ctl_decode_req(buf, (size_t)n, &req), 0);
	assert_int_equal(req.argc, 5);
	assert_string_equal(req.argv[4], "503");
	assert_true(req.flags & SL_CTL_F_JSON);
	buf[n - 1] = 'x'; /* last argument not terminated */
	assert_int_equal(sl_ctl_decode_req(buf, (size_t)n, &req), -EBADMSG);
	buf[0] = 'X';
	assert_int_equal(sl_ctl_req_need(buf, (size_t)n), -EBADMSG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_image_valid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_priority_first_match, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_glob_signal_exists, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cidr_port_tenant, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sampling_consistent, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_faults_ttl_probability, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_roundtrip_same_body, setup, teardown),
	    cmocka_unit_test(test_yaml_errors),
	    cmocka_unit_test(test_cli_specs),
	    cmocka_unit_test_setup_teardown(test_publish_qsbr, setup, teardown),
	    cmocka_unit_test(test_ctlproto),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
