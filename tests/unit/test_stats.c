/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the stats region: layout, publication, reading, validation, /metrics text. */
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

#include "metrics.h"
#include "stats_map.h"

static char inst[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(inst, sizeof(inst), "unittest%d", (int)getpid());
	return 0;
}

static void
layout_is_stable(void **state)
{
	(void)state;
	/* Changing these sizes changes the region's layout: bump SL_STATS_VERSION with them. */
	assert_int_equal(sizeof(struct sl_stats_hdr), 152);
	assert_int_equal(sizeof(struct sl_stats_port), 136);
	assert_int_equal(offsetof(struct sl_stats_core, counters), 24);
	assert_int_equal(offsetof(struct sl_stats_core, ext), 24 + 8 * (SL_CTR_MAX + SL_DROP_MAX));
	assert_int_equal(sizeof(struct sl_stats_named), 72);
	assert_int_equal(sizeof(struct sl_stats_hist), 8 * (SL_STATS_HIST_BUCKETS + 2));
	assert_int_equal(sizeof(struct sl_stats_ext),
	                 72 * SL_STATS_NAMED_MAX +
	                     8 * (SL_STATS_HIST_BUCKETS + 2) * SL_STATS_HIST_MAX);
	assert_int_equal(sizeof(struct sl_stats_core),
	                 24 + 8 * (SL_CTR_MAX + SL_DROP_MAX) + sizeof(struct sl_stats_ext));
	assert_int_equal(SL_STATS_VERSION, 3);
}

static void
create_fills_header_and_names(void **state)
{
	struct sl_stats_map m, r;
	const struct sl_stats_hdr *h;
	uint32_t i;

	(void)state;
	assert_int_equal(sl_stats_create(&m, inst, 3, 2), 0);
	h = sl_stats_hdr(&m);
	assert_true(h->magic == SL_STATS_MAGIC);
	assert_int_equal(h->version, SL_STATS_VERSION);
	assert_int_equal(h->n_cores, 3);
	assert_int_equal(h->n_ports, 2);
	assert_int_equal(h->n_counters, SL_CTR_MAX);
	assert_int_equal(h->n_drops, SL_DROP_MAX);
	assert_int_equal(h->n_flush, 0);
	assert_int_equal(h->pid, getpid());
	assert_int_equal(h->state, SL_STATS_STARTING);
	assert_string_equal(h->instance, inst);
	/* Core blocks are cache-line aligned and do not overlap. */
	assert_int_equal(h->cores_off % 64, 0);
	assert_int_equal(h->core_stride % 64, 0);
	assert_true(h->core_stride >= sizeof(struct sl_stats_core));
	assert_true(h->cores_off >= h->ports_off + 2 * sizeof(struct sl_stats_port));
	assert_true(h->total_size == h->cores_off + 3ull * h->core_stride);
	assert_string_equal(sl_stats_counter_name(&m, SL_CTR_RX_PACKETS),
	                    "sluice_rx_packets_total");
	assert_string_equal(sl_stats_drop_name(&m, SL_DROP_IPV4_BAD_CSUM), "ipv4_bad_checksum");
	for (i = 0; i < SL_CTR_MAX; i++)
		assert_true(strncmp(sl_stats_counter_name(&m, i), "sluice_", 7) == 0);
	/* A reader sees the same. */
	assert_int_equal(sl_stats_open(&r, inst), 0);
	assert_int_equal(sl_stats_hdr(&r)->n_cores, 3);
	assert_true(sl_stats_alive(&r, 1000));
	sl_stats_close(&r, true); /* a reader never unlinks */
	assert_int_equal(access(m.path, F_OK), 0);
	sl_stats_close(&m, true);
	assert_int_not_equal(access(m.path, F_OK), 0);
}

static void
publish_then_read_round_trips(void **state)
{
	struct sl_stats_map m, r;
	struct sl_stats_core_snap snap;
	uint64_t ctr[SL_CTR_MAX], drop[SL_DROP_MAX];
	uint32_t i;

	(void)state;
	assert_int_equal(sl_stats_create(&m, inst, 2, 1), 0);
	for (i = 0; i < SL_CTR_MAX; i++)
		ctr[i] = 1000 + i;
	for (i = 0; i < SL_DROP_MAX; i++)
		drop[i] = 7 * i;
	sl_stats_core_at(&m, 1)->lcore_id = 5;
	sl_stats_core_publish(sl_stats_core_at(&m, 1), ctr, drop, NULL, 42);
	assert_int_equal(sl_stats_core_at(&m, 1)->seq, 2);
	assert_int_equal(sl_stats_open(&r, inst), 0);
	assert_int_equal(sl_stats_core_read(&r, 1, &snap), 0);
	assert_int_equal(snap.lcore_id, 5);
	assert_memory_equal(snap.counters, ctr, sizeof(ctr));
	assert_memory_equal(snap.drops, drop, sizeof(drop));
	/* Core 0 never published: zeros. */
	assert_int_equal(sl_stats_core_read(&r, 0, &snap), 0);
	assert_int_equal(snap.counters[SL_CTR_RX_PACKETS], 0);
	/* A writer stuck mid-update (odd sequence) is reported, not read torn. */
	sl_stats_core_at(&m, 0)->seq = 3;
	assert_int_equal(sl_stats_core_read(&r, 0, &snap), -EAGAIN);
	sl_stats_close(&r, false);
	sl_stats_close(&m, true);
}

/* A private ext as a core keeps it: a route on two names, a fault, a tenant, latencies. */
static void
fill_ext(struct sl_stats_ext *x, uint64_t scale)
{
	uint64_t *v;

	memset(x, 0, sizeof(*x));
	v = sl_stats_named(x, SL_NAMED_ROUTE, 0x1001, "checkout");
	v[0] += 3 * scale;
	v[1] += 40 * scale;
	v[3] += 5 * scale;
	v = sl_stats_named(x, SL_NAMED_FAULT, 0x1001, "f-error"); /* same id, other kind */
	v[0] += 7 * scale;
	v[1] += 2 * scale;
	v = sl_stats_named(x, SL_NAMED_TENANT, 0x2002, "ac\"me\\"); /* escaped in /metrics */
	v[2] += scale;
	sl_stats_hist_observe(&x->hist[SL_STATS_HIST_REQUEST], 20000 * scale);
	sl_stats_hist_observe(&x->hist[SL_STATS_HIST_REQUEST], 3000000);
}

static void
publish_then_read_named_and_histograms(void **state)
{
	static struct sl_stats_ext x, y;
	static struct sl_stats_core_snap snap[2];
	static struct sl_stats_named all[2 * SL_STATS_NAMED_MAX];
	struct sl_stats_map m, r;
	uint64_t ctr[SL_CTR_MAX] = {0}, drop[SL_DROP_MAX] = {0};
	uint32_t n;

	(void)state;
	fill_ext(&x, 1);
	fill_ext(&y, 2);
	sl_stats_named(&y, SL_NAMED_ROUTE, 0x3003, "only-on-core-1")[1] = 9;
	assert_int_equal(sl_stats_create(&m, inst, 3, 0), 0);
	sl_stats_core_publish(sl_stats_core_at(&m, 0), ctr, drop, &x, 1);
	sl_stats_core_publish(sl_stats_core_at(&m, 1), ctr, drop, &y, 1);
	sl_stats_core_publish(sl_stats_core_at(&m, 2), ctr, drop, NULL, 1); /* a flush worker */
	assert_int_equal(sl_stats_open(&r, inst), 0);
	assert_int_equal(sl_stats_core_read(&r, 0, &snap[0]), 0);
	assert_memory_equal(&snap[0].ext, &x, sizeof(x));
	assert_int_equal(sl_stats_core_read(&r, 1, &snap[1]), 0);
	assert_memory_equal(&snap[1].ext, &y, sizeof(y));
	assert_int_equal(snap[1].ext.hist[SL_STATS_HIST_REQUEST].count, 2);
	assert_int_equal(snap[1].ext.hist[SL_STATS_HIST_REQUEST].sum_ns, 3040000);
	/* NULL ext: the block's ext stays zero. */
	memset(&x, 0, sizeof(x));
	assert_int_equal(sl_stats_core_read(&r, 2, &snap[0]), 0);
	assert_memory_equal(&snap[0].ext, &x, sizeof(x));

	/* Merged over cores by (kind, id): sorted by kind, then name; values summed. */
	assert_int_equal(sl_stats_core_read(&r, 0, &snap[0]), 0);
	n = sl_stats_named_merge(snap, 2, all, 2 * SL_STATS_NAMED_MAX);
	assert_int_equal(n, 4);
	assert_int_equal(all[0].kind, SL_NAMED_ROUTE);
	assert_string_equal(all[0].name, "checkout");
	assert_int_equal(all[0].v[0], 9);
	assert_int_equal(all[0].v[1], 120);
	assert_int_equal(all[0].v[2], 0);
	assert_int_equal(all[0].v[3], 15);
	assert_string_equal(all[1].name, "only-on-core-1");
	assert_int_equal(all[1].v[1], 9);
	assert_int_equal(all[2].kind, SL_NAMED_FAULT);
	assert_int_equal(all[2].id, 0x1001);
	assert_int_equal(all[2].v[0], 21);
	assert_int_equal(all[2].v[1], 6);
	assert_int_equal(all[3].kind, SL_NAMED_TENANT);
	assert_int_equal(all[3].v[2], 3);
	/* out bounded by max. */
	assert_int_equal(sl_stats_named_merge(snap, 2, all, 1), 1);
	sl_stats_close(&r, false);
	sl_stats_close(&m, true);
}

static void
named_claims_finds_and_fills(void **state)
{
	static struct sl_stats_ext x;
	uint64_t *a, *b, *c;
	uint32_t i, n = 0;

	(void)state;
	memset(&x, 0, sizeof(x));
	a = sl_stats_named(&x, SL_NAMED_ROUTE, 7, "checkout");
	assert_non_null(a);
	a[1] = 11;
	assert_ptr_equal(sl_stats_named(&x, SL_NAMED_ROUTE, 7, "ignored once claimed"), a);
	assert_string_equal(x.named[7].name, "checkout");
	assert_int_equal(x.named[7].kind, SL_NAMED_ROUTE);
	/* Same id, other kind: its own slot, probed next. */
	b = sl_stats_named(&x, SL_NAMED_TENANT, 7, "acme");
	assert_non_null(b);
	assert_ptr_not_equal(a, b);
	assert_ptr_equal(b, x.named[8].v);
	/* An id whose home slot is taken (7 + 256 wraps to 7) probes on to the next free one. */
	c = sl_stats_named(&x, SL_NAMED_ROUTE, 7 + SL_STATS_NAMED_MAX,
	                   "a-name-longer-than-the-thirty-one-bytes-kept");
	assert_ptr_equal(c, x.named[9].v);
	assert_int_equal(strlen(x.named[9].name), sizeof(x.named[9].name) - 1);
	assert_true(strncmp(x.named[9].name, "a-name-longer-than-the-thirty-o", 31) == 0);
	/* Fill every slot; then a new key finds none, known keys are still found. */
	for (i = 0; n < SL_STATS_NAMED_MAX - 3; i++)
		if (sl_stats_named(&x, SL_NAMED_FAULT, 1000 + i, "f") != NULL)
			n++;
	for (i = 0; i < SL_STATS_NAMED_MAX; i++)
		assert_int_not_equal(x.named[i].kind, SL_NAMED_FREE);
	assert_null(sl_stats_named(&x, SL_NAMED_FAULT, 999999, "one too many"));
	assert_ptr_equal(sl_stats_named(&x, SL_NAMED_ROUTE, 7, "checkout"), a);
	assert_int_equal(a[1], 11);
	assert_ptr_equal(sl_stats_named(&x, SL_NAMED_TENANT, 7, "acme"), b);
}

static void
hist_bucket_edges(void **state)
{
	static const uint32_t bounds_us[SL_STATS_HIST_BUCKETS - 1] = SL_STATS_HIST_BOUNDS_US;
	struct sl_stats_hist h;
	uint32_t b;

	(void)state;
	/* Exactly on a bound: that bucket; one nanosecond more: the next. */
	for (b = 0; b < SL_STATS_HIST_BUCKETS - 1; b++) {
		memset(&h, 0, sizeof(h));
		sl_stats_hist_observe(&h, (uint64_t)bounds_us[b] * 1000);
		assert_int_equal(h.bucket[b], 1);
		sl_stats_hist_observe(&h, (uint64_t)bounds_us[b] * 1000 + 1);
		assert_int_equal(h.bucket[b + 1], 1);
		assert_int_equal(h.count, 2);
		assert_int_equal(h.sum_ns, 2ull * bounds_us[b] * 1000 + 1);
	}
	memset(&h, 0, sizeof(h));
	sl_stats_hist_observe(&h, 0);
	assert_int_equal(h.bucket[0], 1);
	/* Past the last bound (10 s): +Inf. */
	sl_stats_hist_observe(&h, 10000000001ull);
	sl_stats_hist_observe(&h, UINT64_MAX / 2);
	assert_int_equal(h.bucket[SL_STATS_HIST_BUCKETS - 1], 2);
	assert_int_equal(h.count, 3);
	assert_true(sl_stats_hist_bound_s(0) == 0.000025);
	assert_true(sl_stats_hist_bound_s(SL_STATS_HIST_BUCKETS - 2) == 10.0);
	assert_true(sl_stats_hist_bound_s(SL_STATS_HIST_BUCKETS - 1) > 1e300);
}

static void
hist_quantiles_interpolate(void **state)
{
	struct sl_stats_hist h;

	(void)state;
	memset(&h, 0, sizeof(h));
	assert_true(sl_stats_hist_quantile(&h, 0.5) < 0);
	/* 20 us, 25 us | 30 us | 1 ms | 20 s: as histogram_quantile(). */
	sl_stats_hist_observe(&h, 20000);
	sl_stats_hist_observe(&h, 25000);
	sl_stats_hist_observe(&h, 30000);
	sl_stats_hist_observe(&h, 1000000);
	sl_stats_hist_observe(&h, 20000000000ull);
	assert_float_equal(sl_stats_hist_quantile(&h, 0.5), 0.0000375, 1e-12);
	assert_float_equal(sl_stats_hist_quantile(&h, 0.2), 0.0000125, 1e-12);
	assert_float_equal(sl_stats_hist_quantile(&h, 0.7), 0.00075, 1e-12);
	assert_float_equal(sl_stats_hist_quantile(&h, 0.99), 10.0, 1e-12); /* +Inf: last bound */
}

/* /metrics: named families and the histogram as text; a real Prometheus in test_control.sh. */
static void
metrics_export_named_and_histograms(void **state)
{
	static struct sl_stats_ext x, y;
	struct sl_stats_map m;
	uint64_t ctr[SL_CTR_MAX] = {0}, drop[SL_DROP_MAX] = {0};
	char *buf = NULL, *p, *line;
	size_t len = 0;
	uint32_t k, kind, v, types = 0;
	FILE *f;

	(void)state;
	fill_ext(&x, 1);
	fill_ext(&y, 2);
	assert_int_equal(sl_stats_create(&m, inst, 3, 0), 0);
	sl_stats_hdr(&m)->n_flush = 1;
	sl_stats_core_publish(sl_stats_core_at(&m, 0), ctr, drop, &x, 1);
	sl_stats_core_publish(sl_stats_core_at(&m, 1), ctr, drop, &y, 1);
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	assert_int_equal(sl_metrics_write(f, &m, NULL), 0);
	fclose(f);
	assert_non_null(strstr(buf, "# TYPE sluice_route_items_total counter\n"
	                            "sluice_route_items_total{route=\"checkout\"} 120\n"));
	assert_non_null(
	    strstr(buf, "sluice_route_items_sampled_out_total{route=\"checkout\"} 15\n"));
	assert_non_null(strstr(buf, "sluice_fault_matched_requests_total{fault=\"f-error\"} 21\n"));
	assert_non_null(strstr(buf, "sluice_fault_fired_requests_total{fault=\"f-error\"} 6\n"));
	assert_non_null(
	    strstr(buf, "sluice_tenant_items_limited_total{tenant=\"ac\\\"me\\\\\"} 3\n"));
	assert_non_null(strstr(buf, "# TYPE sluice_request_duration_seconds histogram\n"));
	/* core 0: 20 us, 3 ms; core 1: 40 us, 3 ms; cumulative buckets; the flush worker has none.
	 */
	assert_non_null(strstr(buf, "sluice_request_duration_seconds_bucket{core=\"0\",kind="
	                            "\"poll\",le=\"0.000025\"} 1\n"));
	assert_non_null(strstr(buf, "sluice_request_duration_seconds_bucket{core=\"1\",kind="
	                            "\"poll\",le=\"0.000025\"} 0\n"));
	assert_non_null(strstr(buf,
	                       "sluice_request_duration_seconds_bucket{core=\"total\",kind=\"all\","
	                       "le=\"0.00005\"} 2\n"));
	assert_non_null(strstr(buf,
	                       "sluice_request_duration_seconds_bucket{core=\"total\",kind=\"all\","
	                       "le=\"0.0025\"} 2\n"));
	assert_non_null(strstr(buf,
	                       "sluice_request_duration_seconds_bucket{core=\"total\",kind=\"all\","
	                       "le=\"0.005\"} 4\n"));
	assert_non_null(strstr(buf,
	                       "sluice_request_duration_seconds_bucket{core=\"total\",kind=\"all\","
	                       "le=\"+Inf\"} 4\n"));
	assert_non_null(strstr(buf,
	                       "sluice_request_duration_seconds_sum{core=\"total\",kind=\"all\"} "
	                       "0.006060000\n"));
	assert_non_null(
	    strstr(buf, "sluice_request_duration_seconds_count{core=\"total\",kind=\"all\"} 4\n"));
	assert_null(
	    strstr(buf, "sluice_request_duration_seconds_count{core=\"0\",kind=\"flush\"}"));
	assert_null(strstr(buf, "core=\"2\",kind=\"poll\",le="));
	/* No family twice: the named families do not collide with the enum counters. */
	for (line = buf; (p = strstr(line, "# TYPE ")) != NULL; line = p + 1) {
		char name[128], *q;
		size_t nl = strcspn(p + 7, " ");

		assert_true(nl < sizeof(name));
		memcpy(name, p + 7, nl);
		name[nl] = '\0';
		for (q = strstr(p + 1, "# TYPE "); q != NULL; q = strstr(q + 1, "# TYPE "))
			assert_false(strncmp(q + 7, name, nl) == 0 && q[7 + nl] == ' ');
		types++;
	}
	assert_true(types > SL_CTR_MAX);
	for (kind = SL_NAMED_FREE + 1; sl_stats_named_desc(kind) != NULL; kind++)
		for (v = 0; v < SL_NAMED_V; v++)
			for (k = 0; k < SL_CTR_MAX && sl_stats_named_desc(kind)->metric[v]; k++)
				assert_string_not_equal(sl_stats_named_desc(kind)->metric[v],
				                        sl_stats_counter_name(&m, k));
	assert_null(sl_stats_named_desc(SL_NAMED_FREE));
	assert_null(sl_stats_named_desc(200));
	free(buf);
	sl_stats_close(&m, true);
}

static void
open_rejects_what_it_cannot_read(void **state)
{
	struct sl_stats_map m, r;
	char path[128];
	FILE *f;

	(void)state;
	assert_int_equal(sl_stats_open(&r, "no-such-instance-here"), -ENOENT);
	assert_int_equal(sl_stats_create(&m, inst, 1, 1), 0);
	sl_stats_hdr(&m)->version = 99;
	assert_int_equal(sl_stats_open(&r, inst), -EPROTO);
	sl_stats_hdr(&m)->version = SL_STATS_VERSION;
	sl_stats_hdr(&m)->n_cores = 100000; /* geometry past the file */
	assert_int_equal(sl_stats_open(&r, inst), -EPROTO);
	sl_stats_close(&m, true);
	/* Short garbage file. */
	assert_int_equal(sl_stats_path(inst, path, sizeof(path)), 0);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("garbage", f);
	fclose(f);
	assert_int_equal(sl_stats_open(&r, inst), -EPROTO);
	unlink(path);
	sl_stats_close(NULL, true);
}

static void
liveness_follows_heartbeat(void **state)
{
	struct sl_stats_map m;

	(void)state;
	assert_int_equal(sl_stats_create(&m, inst, 1, 0), 0);
	assert_true(sl_stats_alive(&m, 1000));
	sl_stats_hdr(&m)->heartbeat_ns = sl_stats_now_ns() - 5000000000ull;
	assert_false(sl_stats_alive(&m, 1000));
	assert_true(sl_stats_alive(&m, 10000));
	sl_stats_hdr(&m)->heartbeat_ns = sl_stats_now_ns();
	sl_stats_hdr(&m)->pid = 0x7ffffff0; /* no such process */
	assert_false(sl_stats_alive(&m, 1000));
	sl_stats_close(&m, true);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(layout_is_stable),
	    cmocka_unit_test_setup(create_fills_header_and_names, setup),
	    cmocka_unit_test_setup(publish_then_read_round_trips, setup),
	    cmocka_unit_test_setup(publish_then_read_named_and_histograms, setup),
	    cmocka_unit_test(named_claims_finds_and_fills),
	    cmocka_unit_test(hist_bucket_edges),
	    cmocka_unit_test(hist_quantiles_interpolate),
	    cmocka_unit_test_setup(metrics_export_named_and_histograms, setup),
	    cmocka_unit_test_setup(open_rejects_what_it_cannot_read, setup),
	    cmocka_unit_test_setup(liveness_follows_heartbeat, setup),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
