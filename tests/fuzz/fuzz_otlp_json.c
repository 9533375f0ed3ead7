/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: the OTLP/JSON transcoder against protobuf-c, the walker and its own inverse. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opentelemetry/proto/collector/logs/v1/logs_service.pb-c.h"
#include "opentelemetry/proto/collector/metrics/v1/metrics_service.pb-c.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb-c.h"
#include "proto/otlp_json.h"
#include "proto/otlp_walk.h"

/*
 * Input: byte 0 picks the signal, the rest is the JSON body (its own heap
 * block of exactly that size, so a read past it is an ASan report).
 *
 * Checked, or __builtin_trap():
 *  1. A refusal is -EBADMSG or -E2BIG with an offset inside the body and a
 *     printable message "... at byte <off>".
 *  2. An accepted body's protobuf unpacks with protobuf-c (the oracle for
 *     "valid protobuf of this signal's schema") and passes the walker with
 *     its default options (what the server runs next).
 *  3. Exact capacity: with cap = the output's size the same bytes come out;
 *     with one byte less, -E2BIG; nothing is written past cap (ASan).
 *  4. Round trip: sl_otlp_pb_to_json() of the output, transcoded again,
 *     has the same content (protobuf-c's repack of both is equal).
 */

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz_otlp_json.c:%d: %s (rc %d: %s)\n", __LINE__, #cond, \
				rc, err.msg);                                                      \
			__builtin_trap();                                                          \
		}                                                                                  \
	} while (0)

/* protobuf-c's unpack of an Export*ServiceRequest: UNPACK(trace__v1__export_trace, n, b) */
#define UNPACK(r, n, b)                                                                            \
	((ProtobufCMessage *)opentelemetry__proto__collector__##r##_service_request__unpack(       \
		NULL, n, b))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ProtobufCMessage *
unpack(enum sl_signal sig, const uint8_t *b, size_t n)
{
	switch (sig) {
	case SL_SIGNAL_TRACES:
		return UNPACK(trace__v1__export_trace, n, b);
	case SL_SIGNAL_METRICS:
		return UNPACK(metrics__v1__export_metrics, n, b);
	default:
		return UNPACK(logs__v1__export_logs, n, b);
	}
}

/* protobuf-c's pack of m (malloc'd). */
static uint8_t *
pack(const ProtobufCMessage *m, size_t *n)
{
	uint8_t *b;

	*n = protobuf_c_message_get_packed_size(m);
	b = malloc(*n + 1);
	if (b == NULL)
		abort();
	protobuf_c_message_pack(m, b);
	return b;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_otlp_json_err err = {0};
	struct sl_otlp_walk_result res;
	uint8_t *json, *pb = NULL, *pb2 = NULL, *exact = NULL, *r1 = NULL, *r2 = NULL;
	char *back = NULL;
	size_t len, cap, n = 0, n2, nb, l1, l2, i;
	ProtobufCMessage *m = NULL, *m2;
	enum sl_signal sig;
	int rc = 0;

	if (size < 1)
		return 0;
	sig = (enum sl_signal)(data[0] % SL_SIGNAL_MAX);
	len = size - 1;
	json = malloc(len ? len : 1);
	if (json == NULL)
		abort();
	memcpy(json, data + 1, len);

	/* protobuf is at most ~4x its JSON ("1," -> 8 bytes of a packed fixed64) */
	cap = 4 * len + 64;
	pb = malloc(cap);
	if (pb == NULL)
		abort();
	rc = sl_otlp_json_to_pb(sig, json, len, pb, cap, &n, &err);

	/* 1. refusals */
	if (rc != 0) {
		CHECK(rc == -EBADMSG || rc == -E2BIG);
		CHECK(err.off <= len);
		CHECK(strlen(err.msg) > 0 && strlen(err.msg) < sizeof(err.msg));
		CHECK(strstr(err.msg, " at byte ") != NULL);
		for (i = 0; err.msg[i] != '\0'; i++)
			CHECK(err.msg[i] >= 0x20 && err.msg[i] < 0x7f);
		goto out;
	}
	CHECK(err.msg[0] == '\0' && n <= cap);

	/* 2. protobuf-c and the walker accept it */
	m = unpack(sig, pb, n);
	CHECK(m != NULL);
	memset(&res, 0, sizeof(res));
	CHECK(sl_otlp_walk_buf(sig, pb, (uint32_t)n, NULL, &res) == 0);

	/* 3. exact capacity, and one byte short */
	exact = malloc(n ? n : 1);
	if (exact == NULL)
		abort();
	rc = sl_otlp_json_to_pb(sig, json, len, exact, n, &n2, &err);
	CHECK(rc == 0 && n2 == n && memcmp(exact, pb, n) == 0);
	if (n > 0) {
		rc = sl_otlp_json_to_pb(sig, json, len, exact, n - 1, &n2, &err);
		CHECK(rc == -E2BIG);
	}
	rc = 0;

	/* 4. back to JSON and again to protobuf: the same content */
	for (cap = 8 * n + 1024;; cap *= 2) {
		free(back);
		back = malloc(cap);
		if (back == NULL)
			abort();
		rc = sl_otlp_pb_to_json(sig, pb, n, back, cap, &nb);
		if (rc != -E2BIG)
			break;
	}
	CHECK(rc == 0 && strlen(back) == nb);
	pb2 = malloc(4 * nb + 64);
	if (pb2 == NULL)
		abort();
	rc = sl_otlp_json_to_pb(sig, (const uint8_t *)back, nb, pb2, 4 * nb + 64, &n2, &err);
	CHECK(rc == 0);
	m2 = unpack(sig, pb2, n2);
	CHECK(m2 != NULL);
	r1 = pack(m, &l1);
	r2 = pack(m2, &l2);
	protobuf_c_message_free_unpacked(m2, NULL);
	CHECK(l1 == l2 && memcmp(r1, r2, l1) == 0);
out:
	if (m != NULL)
		protobuf_c_message_free_unpacked(m, NULL);
	free(r1);
	free(r2);
	free(back);
	free(pb2);
	free(exact);
	free(pb);
	free(json);
	return 0;
}
