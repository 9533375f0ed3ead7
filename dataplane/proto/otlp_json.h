/* SPDX-License-Identifier: BSD-3-Clause */
/* OTLP/JSON bodies to protobuf wire format (fast path) and protobuf back to OTLP/JSON (tools). */
#ifndef SL_OTLP_JSON_H
#define SL_OTLP_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "proto/otlp_json_types.h"
#include "proto/otlp_types.h"

/*
 * Transcodes json[0..len), an Export{Trace,Metrics,Logs}ServiceRequest of
 * signal sig in OTLP/JSON (OTLP v1.7.0 schema), into protobuf wire bytes in
 * out[0..cap); *out_len gets their length. The bytes are a valid request of
 * the same signal: lengths in minimal varints, fields in the order of the
 * JSON keys, proto3 defaults (0, "", false, +0.0) omitted except for oneof
 * members and optional fields, which are kept when present.
 *
 * Accepts what the OTLP spec's JSON encoding allows plus what protobuf's
 * JSON parsers accept (see docs/otlp-json.md): lowerCamelCase or snake_case
 * keys, enum integers or names, 64-bit integers as numbers or strings, hex
 * ids in either case, standard or URL-safe base64 with or without padding,
 * null for "absent", unknown fields skipped. Refuses duplicate keys, two
 * members of one oneof, invalid UTF-8, and numbers out of their field's range.
 *
 * opts may be NULL (defaults). No allocation, lock, syscall or recursion:
 * fit for a poll core; about 5 KiB of stack.
 *
 * Returns 0, or:
 *   -EBADMSG  not a valid request (the server answers 400);
 *   -E2BIG    the protobuf does not fit in cap bytes (413);
 *   -EINVAL   bad arguments or options (a caller bug).
 * On -EBADMSG and -E2BIG, err (if not NULL) says where and what, e.g.
 * "resourceSpans[0].scopeSpans[1].spans[3].traceId: expected 32 hex digits
 * at byte 812". The contents of out are undefined after a failure.
 */
int sl_otlp_json_to_pb_opts(enum sl_signal sig, const uint8_t *json, size_t len, uint8_t *out,
			    size_t cap, size_t *out_len, const struct sl_otlp_json_opts *opts,
			    struct sl_otlp_json_err *err);

/* sl_otlp_json_to_pb_opts() with the default options. */
int sl_otlp_json_to_pb(enum sl_signal sig, const uint8_t *json, size_t len, uint8_t *out,
		       size_t cap, size_t *out_len, struct sl_otlp_json_err *err);

/*
 * Renders pb[0..len), an Export*ServiceRequest of signal sig in protobuf
 * wire format, as OTLP/JSON on one line: lowerCamelCase keys, hex trace and
 * span ids, 64-bit integers as strings, enums as integers, defaults omitted,
 * doubles in their shortest round-trip form ("NaN", "Infinity" quoted),
 * other bytes in padded standard base64. Invalid UTF-8 in a string becomes
 * U+FFFD. out gets a NUL after the *out_len bytes.
 *
 * Slow path (sluicectl segments dump, golden files): unpacks with protobuf-c
 * and its default allocator.
 *
 * Returns 0; -EBADMSG when protobuf-c cannot unpack pb or messages nest over
 * SL_OTLP_JSON_MSG_DEPTH_MAX; -E2BIG when the JSON and its NUL do not fit in
 * cap; -ENOMEM; -EINVAL for bad arguments.
 */
int sl_otlp_pb_to_json(enum sl_signal sig, const uint8_t *pb, size_t len, char *out, size_t cap,
		       size_t *out_len);

#endif /* SL_OTLP_JSON_H */
