/* SPDX-License-Identifier: BSD-3-Clause */
/* Writes the OTLP/JSON twins (traces.json, ...) of the golden protobuf payloads in a folder. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/otlp_json.h"

/*
 * Usage: gen_golden_json DIR
 * Reads DIR/{traces,metrics,logs}.pb and writes DIR/{traces,metrics,logs}.json:
 * sl_otlp_pb_to_json() on one line, then a newline. Regenerate after the
 * .pb goldens change (gen_golden first):
 *   ninja -C build tests/data/gen_golden_json && build/tests/data/gen_golden_json tests/data
 * The unit test otlp_json checks the committed files against a fresh run.
 */

/* Reads a whole file into a new buffer; NULL with errno set. */
static unsigned char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b = NULL;
	long n;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		b = malloc((size_t)n + 1);
		if (b != NULL && fread(b, 1, (size_t)n, f) != (size_t)n) {
			free(b);
			b = NULL;
			errno = EIO;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return b;
}

/* One signal: DIR/<name>.pb to DIR/<name>.json. Returns 0 or a negative errno. */
static int
convert(const char *dir, enum sl_signal sig)
{
	char path[4096];
	unsigned char *pb;
	char *json = NULL;
	size_t len, cap, n;
	FILE *f;
	int rc;

	snprintf(path, sizeof(path), "%s/%s.pb", dir, sl_signal_name(sig));
	pb = slurp(path, &len);
	if (pb == NULL)
		return -errno;
	/* OTLP/JSON is at most ~6x protobuf (base64 and escapes); grow until it fits */
	for (cap = 8 * len + 4096;; cap *= 2) {
		free(json);
		json = malloc(cap);
		if (json == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		rc = sl_otlp_pb_to_json(sig, pb, len, json, cap, &n);
		if (rc != -E2BIG)
			break;
	}
	if (rc < 0)
		goto out;
	snprintf(path, sizeof(path), "%s/%s.json", dir, sl_signal_name(sig));
	f = fopen(path, "wb");
	if (f == NULL) {
		rc = -errno;
		goto out;
	}
	if (fwrite(json, 1, n, f) != n || fputc('\n', f) == EOF)
		rc = -EIO;
	if (fclose(f) != 0 && rc == 0)
		rc = -EIO;
out:
	free(json);
	free(pb);
	return rc;
}

int
main(int argc, char **argv)
{
	unsigned int s;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		int rc = convert(argv[1], (enum sl_signal)s);

		if (rc < 0) {
			fprintf(stderr, "gen_golden_json: %s/%s.pb: %s\n", argv[1],
				sl_signal_name((enum sl_signal)s), strerror(-rc));
			return 1;
		}
	}
	return 0;
}
