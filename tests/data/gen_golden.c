/* SPDX-License-Identifier: BSD-3-Clause */
/* Writes the golden OTLP protobuf payloads (traces.pb, metrics.pb, logs.pb) into a folder. */
#include <stdio.h>
#include <string.h>

#include "golden.h"

/*
 * Usage: gen_golden DIR
 * Regenerate the committed goldens after changing golden.c or proto/:
 *   ninja -C build tests/data/gen_golden && build/tests/data/gen_golden tests/data
 * The unit test otlp_walk checks the committed files against a fresh run.
 */
int
main(int argc, char **argv)
{
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	rc = sl_golden_write_all(argv[1]);
	if (rc < 0) {
		fprintf(stderr, "gen_golden: %s: %s\n", argv[1], strerror(-rc));
		return 1;
	}
	return 0;
}
