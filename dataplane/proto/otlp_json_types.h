/* SPDX-License-Identifier: BSD-3-Clause */
/* Types and limits of the OTLP/JSON to protobuf transcoder: options and the error report. */
#ifndef SL_OTLP_JSON_TYPES_H
#define SL_OTLP_JSON_TYPES_H

#include <stddef.h>
#include <stdint.h>

/*
 * Default bound on JSON nesting: objects and arrays, the request object
 * being level 1. A span attribute's AnyValue sits at level 10 and each
 * nested kvlist adds 4 (kvlistValue, values, a KeyValue, its value), so the
 * message-depth bound below is what binds for known fields; this one bounds
 * the values of unknown fields, which are skipped without a schema.
 */
#define SL_OTLP_JSON_DEPTH_DEFAULT 64
/*
 * Largest max_depth an option may ask for: the frame stack lives on the
 * caller's stack (40 B a frame, 5 KiB at 128). Raising it grows every
 * transcoding's stack use.
 */
#define SL_OTLP_JSON_DEPTH_MAX 128
/*
 * Default bound on protobuf message nesting (the request = level 1): the
 * walker's default (SL_OTLP_WALK_DEPTH_DEFAULT), so that the walker never
 * refuses for depth what the transcoder let through, and a JSON client gets
 * the error with a JSON path and offset instead of a protobuf one.
 */
#define SL_OTLP_JSON_MSG_DEPTH_DEFAULT 32
/* Largest max_msg_depth (the walker's SL_OTLP_WALK_DEPTH_MAX). */
#define SL_OTLP_JSON_MSG_DEPTH_MAX 64
/*
 * Room for the error text: "<path>: <what> at byte <off>". Paths longer than
 * about 150 characters keep their first and last levels around "...".
 */
#define SL_OTLP_JSON_ERR_MSG_LEN 256

/*
 * Transcoding options; zeroed (or a NULL pointer) means the defaults. May be
 * shared read-only by every core.
 */
struct sl_otlp_json_opts {
	uint32_t max_depth;     /* JSON nesting; 0: default, at most SL_OTLP_JSON_DEPTH_MAX */
	uint32_t max_msg_depth; /* messages; 0: default, at most SL_OTLP_JSON_MSG_DEPTH_MAX */
};

/*
 * Why a transcoding failed, for the 400 response body and the log. Set on
 * -EBADMSG and -E2BIG; msg is "" after success.
 */
struct sl_otlp_json_err {
	size_t off;                         /* byte offset in the JSON of the offending token */
	char msg[SL_OTLP_JSON_ERR_MSG_LEN]; /* NUL-terminated, printable ASCII */
};

#endif /* SL_OTLP_JSON_TYPES_H */
