/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the shared-memory stats region: layout, publication, reading, validation. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

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
	assert_int_equal(sizeof(struct sl_stats_core), 24 + 8 * (SL_CTR_MAX + SL_DROP_MAX));
	assert_int_equal(SL_STATS_VERSION, 2);
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
	sl_stats_core_publish(sl_stats_core_at(&m, 1), ctr, drop, 42);
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
	    cmocka_unit_test_setup(open_rejects_what_it_cannot_read, setup),
	    cmocka_unit_test_setup(liveness_follows_heartbeat, setup),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
