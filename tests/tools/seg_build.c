/* SPDX-License-Identifier: BSD-3-Clause */
/* Test tool: writes a segment store from the golden payloads of tests/data/ and prints a manifest.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>

#include "flush/segment.h"
#include "proto/otlp_walk.h"

/*
 * seg_build [--data DIR] [--rounds N] [--routes K] [--file-max BYTES]
 *           [--dicts DIR] [--level L] STOREDIR
 *
 * Appends N rounds of (traces, metrics, logs) goldens read from DIR
 * (default $SLUICE_SRC/tests/data), record i on route i % K, with receive
 * times 1700000000 s + i ms, compressed with the dictionaries in --dicts if
 * any. Prints one JSON line: per signal the records, items, raw and
 * compressed bytes and the dictionary id used, and the store position after
 * the last record. The item counts come from the walker; the integration
 * test checks them against counts of its own taken from the JSON goldens.
 */

#define T0_NS 1700000000000000000ull

static uint8_t *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b = NULL;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0 || (b = malloc((size_t)n + 1)) == NULL ||
	    fread(b, 1, (size_t)n, f) != (size_t)n) {
		free(b);
		b = NULL;
	} else {
		*len = (size_t)n;
	}
	if (f != NULL)
		fclose(f);
	return b;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"data", required_argument, NULL, 'd'},
	    {"rounds", required_argument, NULL, 'n'},
	    {"routes", required_argument, NULL, 'r'},
	    {"file-max", required_argument, NULL, 'f'},
	    {"dicts", required_argument, NULL, 'D'},
	    {"level", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	struct sl_seg_writer_opts wo = {.fsync = SL_SEG_FSYNC_NONE};
	const char *src = getenv("SLUICE_SRC"), *data = NULL, *dicts = NULL;
	uint64_t recs[SL_SIGNAL_MAX] = {0}, items[SL_SIGNAL_MAX] = {0};
	uint64_t raw[SL_SIGNAL_MAX] = {0}, comp[SL_SIGNAL_MAX] = {0}, end = 0;
	uint32_t did[SL_SIGNAL_MAX] = {0};
	uint8_t *pb[SL_SIGNAL_MAX], *z;
	size_t len[SL_SIGNAL_MAX], zcap = 0;
	unsigned int rounds = 3, routes = 1, i, s, k = 0;
	struct sl_seg_writer *w;
	struct sl_seg_codec *c;
	char path[4200], def[4096];
	int opt, level = 3, rc;

	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			data = optarg;
			break;
		case 'n':
			rounds = (unsigned int)atoi(optarg);
			break;
		case 'r':
			routes = (unsigned int)atoi(optarg);
			break;
		case 'f':
			wo.file_max_bytes = strtoull(optarg, NULL, 10);
			break;
		case 'D':
			dicts = optarg;
			break;
		case 'l':
			level = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (optind + 1 != argc || routes == 0) {
		fprintf(stderr, "usage: seg_build [--data DIR] [--rounds N] [--routes K] "
		                "[--file-max BYTES] [--dicts DIR] [--level L] STOREDIR\n");
		return 2;
	}
	if (data == NULL) {
		snprintf(def, sizeof(def), "%s/tests/data", src ? src : ".");
		data = def;
	}
	c = sl_seg_codec_create(level);
	if (c == NULL || (dicts != NULL && sl_seg_codec_load_dicts(c, dicts) < 0)) {
		fprintf(stderr, "seg_build: codec or dictionaries in %s: %s\n", dicts ? dicts : "-",
		        strerror(errno));
		return 1;
	}
	for (s = 0; s < SL_SIGNAL_MAX; s++) {
		snprintf(path, sizeof(path), "%s/%s.pb", data, sl_signal_name((enum sl_signal)s));
		pb[s] = read_file(path, &len[s]);
		if (pb[s] == NULL) {
			fprintf(stderr, "seg_build: cannot read %s\n", path);
			return 1;
		}
		if (sl_seg_compress_bound(len[s]) > zcap)
			zcap = sl_seg_compress_bound(len[s]);
	}
	z = malloc(zcap);
	w = sl_seg_writer_open(argv[optind], &wo);
	if (z == NULL || w == NULL) {
		fprintf(stderr, "seg_build: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	for (i = 0; i < rounds; i++) {
		for (s = 0; s < SL_SIGNAL_MAX; s++, k++) {
			struct sl_otlp_walk_result res = {0};
			struct sl_seg_rec_info info = {.signal = (enum sl_signal)s};
			struct iovec v = {pb[s], len[s]}, zv;
			uint32_t zl, rl;

			if (sl_otlp_walk_buf(info.signal, pb[s], (uint32_t)len[s], NULL, &res) !=
			        0 ||
			    sl_seg_compress(c, info.signal, &v, 1, z, zcap, &zl, &rl,
			                    &info.dict_id) != 0) {
				fprintf(stderr, "seg_build: %s golden does not walk or compress\n",
				        sl_signal_name(info.signal));
				return 1;
			}
			info.route_id = k % routes;
			info.item_count = res.items;
			info.raw_len = rl;
			info.first_recv_ns = T0_NS + k * 1000000ull;
			info.last_recv_ns = info.first_recv_ns + 999999;
			zv.iov_base = z;
			zv.iov_len = zl;
			rc = sl_seg_append(w, &info, &zv, 1, &end);
			if (rc != 0) {
				fprintf(stderr, "seg_build: append: %s\n", strerror(-rc));
				return 1;
			}
			recs[s]++;
			items[s] += res.items;
			raw[s] += rl;
			comp[s] += zl;
			did[s] = info.dict_id;
		}
	}
	if (sl_seg_writer_close(w) != 0)
		return 1;
	printf("{");
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		printf("\"%s\":{\"records\":%" PRIu64 ",\"items\":%" PRIu64
		       ",\"raw_bytes\":%" PRIu64 ",\"compressed_bytes\":%" PRIu64 ",\"dict\":%u},",
		       sl_signal_name((enum sl_signal)s), recs[s], items[s], raw[s], comp[s],
		       did[s]);
	printf("\"end\":%" PRIu64 "}\n", end);
	for (s = 0; s < SL_SIGNAL_MAX; s++)
		free(pb[s]);
	free(z);
	sl_seg_codec_free(c);
	return 0;
}
