/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the OTLP item filter on arbitrary entries, its output re-walked. */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/item_filter.h"
#include "proto/otlp_walk.h"

/*
 * Input: byte 0 picks the signal, byte 1 the keep rule, byte 2 its seed,
 * byte 3 the output room, the rest is the entry. The entry and the output
 * are heap blocks of exactly their size, so a read past the input or a
 * write past cap is an ASan report.
 *
 * Checked, or __builtin_trap():
 *  1. keep() is called once per item, idx 0, 1, 2, ... and a trace id it
 *     gets is 16 bytes inside the input; only for a valid entry.
 *  2. The verdict is the walker's: an input that walks as exactly one entry
 *     spanning all of it filters (rc 0 with enough room); anything else is
 *     -EBADMSG. -ENOSPC only when cap < len.
 *  3. On 0: out_len <= cap and <= len; kept + dropped = the walker's items;
 *     out_len is 0 exactly when nothing is kept; otherwise the output walks
 *     clean as one entry of exactly kept items; keep-all gives the input
 *     back; a run with less room that succeeds writes the same bytes.
 */

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_item_filter.c:%d: %s\n", __LINE__, #cond);           \
			__builtin_trap();                                                          \
		}                                                                                  \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum rule {
	R_ALL,
	R_NONE,
	R_HASH,  /* a hash of idx and seed */
	R_TRACE, /* by the trace id's first byte, by idx without one */
	R_MAX,
};

struct keeper {
	enum rule rule;
	uint8_t seed;
	const uint8_t *in;
	uint32_t len;
	uint32_t calls;
};

static bool
keep(void *arg, uint32_t idx, const uint8_t *trace_id)
{
	struct keeper *k = arg;

	CHECK(idx == k->calls);
	k->calls++;
	if (trace_id != NULL)
		CHECK(k->len >= 16 && trace_id >= k->in && trace_id <= k->in + k->len - 16);
	switch (k->rule) {
	case R_ALL:
		return true;
	case R_NONE:
		return false;
	case R_HASH:
		return ((idx + 1) * 2654435761u ^ (k->seed * 0x01010101u)) >> 11 & 1;
	default:
		return trace_id != NULL ? ((trace_id[0] ^ k->seed) & 1) != 0 : (idx & 1) != 0;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_otlp_walk_result wr;
	struct sl_otlp_entry ent;
	struct sl_item_filter_res res, full;
	struct keeper k;
	enum sl_signal sig;
	uint8_t *in, *out, *out_full;
	uint32_t len, cap;
	bool valid;
	int rc;

	if (size < 4 || size - 4 > UINT32_MAX)
		return 0;
	sig = (enum sl_signal)(data[0] % SL_SIGNAL_MAX);
	len = (uint32_t)(size - 4);
	cap = data[3] < 0x80 ? len : len - (data[3] & 0x7f) % (len + 1);
	in = malloc(len ? len : 1);
	memcpy(in, data + 4, len);

	wr.entries = &ent;
	wr.max_entries = 1;
	valid = sl_otlp_walk_buf(sig, in, len, NULL, &wr) == 0 && wr.n_entries == 1 &&
	        ent.off == 0 && ent.len == len;

	k.rule = (enum rule)(data[1] % R_MAX);
	k.seed = data[2];
	k.in = in;
	k.len = len;
	k.calls = 0;
	out = cap ? malloc(cap) : NULL;
	rc = sl_item_filter(sig, in, len, keep, &k, out, cap, &res);

	CHECK(rc == 0 || rc == -ENOSPC || rc == -EBADMSG);
	CHECK((rc == -EBADMSG) == !valid);
	if (!valid)
		CHECK(k.calls == 0);
	if (rc == -ENOSPC)
		CHECK(cap < len);
	if (valid && cap >= len)
		CHECK(rc == 0);
	{
		/* The entry point that trusts the caller's walk: memory safe on any bytes, and on
		 * valid ones the same output as the validating one. */
		struct keeper k2 = k;
		struct sl_item_filter_res r2;
		uint8_t *o2 = malloc(len ? len : 1);
		int rc2;

		k2.calls = 0;
		rc2 = sl_item_filter_walked(sig, in, len, valid ? ent.items : data[2], keep, &k2, o2,
		                            len, &r2);
		CHECK(rc2 <= 0 && r2.out_len <= len);
		if (valid)
			CHECK(rc2 == 0);
		if (valid && rc == 0)
			CHECK(r2.out_len == res.out_len && r2.kept == res.kept &&
			      memcmp(o2, out, res.out_len) == 0);
		free(o2);
	}
	if (rc < 0) {
		CHECK(res.out_len == 0 && res.kept == 0 && res.dropped == 0);
		goto out;
	}

	CHECK(res.out_len <= cap && res.out_len <= len);
	CHECK(res.kept + res.dropped == k.calls && k.calls == ent.items);
	CHECK((res.out_len == 0) == (res.kept == 0));
	if (res.out_len > 0) {
		struct sl_otlp_entry oe;

		wr.entries = &oe;
		wr.max_entries = 1;
		CHECK(sl_otlp_walk_buf(sig, out, res.out_len, NULL, &wr) == 0);
		CHECK(wr.n_entries == 1 && oe.off == 0 && oe.len == res.out_len);
		CHECK(oe.items == res.kept);
	}
	if (k.rule == R_ALL && res.kept > 0)
		CHECK(res.out_len == len && memcmp(out, in, len) == 0);
	if (cap < len) {
		/* the same decisions with room to spare: the same bytes */
		out_full = malloc(len);
		k.calls = 0;
		CHECK(sl_item_filter(sig, in, len, keep, &k, out_full, len, &full) == 0);
		CHECK(full.out_len == res.out_len && full.kept == res.kept &&
		      full.dropped == res.dropped);
		CHECK(memcmp(out_full, out, res.out_len) == 0);
		free(out_full);
	}
out:
	free(out);
	free(in);
	return 0;
}
