/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of sluicectl segments dump's OTLP/JSON rendering against the goldens. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../data/golden.h"
#include "proto/otlp_json.h"
#include "segments_cli.h"

static uint8_t *gpb[SL_SIGNAL_MAX], *gjson[SL_SIGNAL_MAX], *variants;
static size_t gpb_len[SL_SIGNAL_MAX], gjson_len[SL_SIGNAL_MAX], variants_len;

static uint8_t *
load(const char *name, size_t *len)
{
	const char *src = getenv("SLUICE_SRC");
	char path[4096];

	snprintf(path, sizeof(path), "%s/tests/data/%s", src ? src : ".", name);
	return sl_golden_read_file(path, len);
}

static int
setup(void **state)
{
	char name[32];
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		snprintf(name, sizeof(name), "%s.json", sl_signal_name((enum sl_signal)s));
		gpb[s] = load(sl_golden_name((enum sl_signal)s), &gpb_len[s]);
		gjson[s] = load(name, &gjson_len[s]);
		if (gpb[s] == NULL || gjson[s] == NULL)
			return -1;
	}
	variants = load("traces_variants.json", &variants_len);
	return variants == NULL ? -1 : 0;
}

static int
teardown(void **state)
{
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		free(gpb[s]);
		free(gjson[s]);
	}
	free(variants);
	return 0;
}

/* Each golden payload dumps as exactly its committed JSON golden (one line). */
static void
goldens_dump_as_json_goldens(void **state)
{
	char *buf = NULL, err[256];
	size_t cap = 0, n;
	unsigned int s;

	(void)state;
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		assert_int_equal(sl_segments_cli_to_json((enum sl_signal)s, gpb[s], gpb_len[s],
		                                         &buf, &cap, &n, err, sizeof(err)),
		                 0);
		assert_int_equal(n + 1, gjson_len[s]); /* the golden ends in a newline */
		assert_memory_equal(buf, gjson[s], n);
		assert_null(memchr(buf, '\n', n));
	}
	free(buf);
}

/*
 * JSON (every leniency) -> pb -> dump -> pb -> dump: the dump is a fixed
 * point (the first pb follows the variants' key order, so only from the
 * dump on are the bytes canonical).
 */
static void
dump_round_trips(void **state)
{
	static uint8_t pb1[1 << 16], pb2[1 << 16];
	struct sl_otlp_json_err jerr;
	char *buf = malloc(16), *j1, err[256];
	size_t cap = 16, n, n1, n2;

	(void)state;
	assert_non_null(buf);
	assert_int_equal(sl_otlp_json_to_pb(SL_SIGNAL_TRACES, variants, variants_len, pb1,
	                                    sizeof(pb1), &n1, &jerr),
	                 0);
	/* A 16-byte start buffer must grow. */
	assert_int_equal(
	    sl_segments_cli_to_json(SL_SIGNAL_TRACES, pb1, n1, &buf, &cap, &n, err, sizeof(err)),
	    0);
	assert_true(cap > 16);
	j1 = strndup(buf, n);
	assert_non_null(j1);
	assert_int_equal(sl_otlp_json_to_pb(SL_SIGNAL_TRACES, (const uint8_t *)j1, n, pb2,
	                                    sizeof(pb2), &n2, &jerr),
	                 0);
	assert_int_equal(
	    sl_segments_cli_to_json(SL_SIGNAL_TRACES, pb2, n2, &buf, &cap, &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, strlen(j1));
	assert_memory_equal(buf, j1, n);
	/* And the variants mean the golden: the same dump as traces.pb. */
	assert_int_equal(n + 1, gjson_len[SL_SIGNAL_TRACES]);
	assert_memory_equal(buf, gjson[SL_SIGNAL_TRACES], n);
	free(j1);
	free(buf);
}

/* Bytes the walker refuses never reach protobuf-c; the error says where. */
static void
invalid_payload_refused(void **state)
{
	static const uint8_t bad[] = {0x0a, 0x05, 0x01};
	char *buf = NULL, err[256] = "";
	size_t cap = 0, n;

	(void)state;
	assert_int_equal(sl_segments_cli_to_json(SL_SIGNAL_TRACES, bad, sizeof(bad), &buf, &cap, &n,
	                                         err, sizeof(err)),
	                 -EBADMSG);
	assert_non_null(strstr(err, "byte"));
	/* A metrics payload is not a valid logs request. */
	assert_int_equal(sl_segments_cli_to_json(SL_SIGNAL_LOGS, gpb[SL_SIGNAL_METRICS],
	                                         gpb_len[SL_SIGNAL_METRICS], &buf, &cap, &n, err,
	                                         sizeof(err)),
	                 -EBADMSG);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(goldens_dump_as_json_goldens),
	    cmocka_unit_test(dump_round_trips),
	    cmocka_unit_test(invalid_payload_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
