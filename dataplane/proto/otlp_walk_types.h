/* SPDX-License-Identifier: BSD-3-Clause */
/* Types and limits of the OTLP protobuf walker: options, per-resource results, error reasons. */
#ifndef SL_OTLP_WALK_TYPES_H
#define SL_OTLP_WALK_TYPES_H

#include <stdint.h>

#include "proto/otlp_types.h"

/*
 * Default bound on message nesting, the request itself being level 1. A span
 * attribute's AnyValue sits at level 6 and each nested kvlist adds 3 levels,
 * so 32 allows 8 levels of maps inside an attribute (9 in a log body): more
 * than any SDK emits, and a depth bomb costs at most 32 frames of work.
 */
#define SL_OTLP_WALK_DEPTH_DEFAULT 32
/*
 * Largest max_depth an option may ask for: the frame stack lives on the
 * caller's stack (32 B a frame, 2 KiB at 64). Raising it grows every walk's
 * stack; protobuf's own parsers stop at 100.
 */
#define SL_OTLP_WALK_DEPTH_MAX 64
/*
 * Resource attribute keys a walk extracts besides service.name. Each costs a
 * key compare per resource attribute and an sl_otlp_attr in every entry; the
 * routing table compiler refuses configs that match on more keys.
 */
#define SL_OTLP_WALK_MAX_KEYS 8
/* Longest configurable key; longer keys on the wire simply never match. */
#define SL_OTLP_KEY_MAX 64
/*
 * Value bytes kept per extracted attribute. Longer values are cut and flagged
 * (sl_otlp_attr.truncated): exact and prefix matches longer than this cannot
 * be decided and the classifier must treat them as a miss.
 */
#define SL_OTLP_VAL_MAX 64
/* Room for the error text: a field path of the first levels, "...", the last levels. */
#define SL_OTLP_ERR_MSG_LEN 256

/*
 * Why a walk refused a body, once as enum and label (Prometheus
 * sluice_otlp_rejected_total{reason=...}).
 */
#define SL_OTLP_WALK_ERRORS(X)                                                                     \
	X(OK, "ok")                       /* no error */                                           \
	X(TRUNCATED, "truncated")         /* a tag or value runs past the end of its message */    \
	X(VARINT, "bad_varint")           /* a varint longer than 10 bytes */                      \
	X(TAG, "bad_tag")                 /* tag varint over 5 bytes, or wire type 6 or 7 */       \
	X(TAG_RANGE, "tag_range")         /* tag value above 2^32 - 1 */                           \
	X(FIELD_ZERO, "field_zero")       /* field number 0 */                                     \
	X(GROUP, "group")                 /* wire type 3 or 4 (groups: not in proto3) */           \
	X(WIRE_TYPE, "wire_type")         /* known field with a wire type its schema forbids */    \
	X(LENGTH, "length")               /* length prefix past the end of the message */          \
	X(LENGTH_PREFIX, "bad_length")    /* length varint over 5 bytes */                         \
	X(LENGTH_RANGE, "length_range")   /* length value above 2^32 - 1 */                        \
	X(PACKED, "packed")               /* packed scalars that do not tile their bytes */        \
	X(DEPTH, "depth")                 /* nesting deeper than max_depth */                      \
	X(TOO_MANY, "too_many_resources") /* more Resource* entries than the caller's array */     \
	X(TOO_LARGE, "too_large")         /* body of 4 GiB or more */

enum sl_otlp_err {
#define SL_OTLP_ERR_ENUM(name, label) SL_OTLP_ERR_##name,
	SL_OTLP_WALK_ERRORS(SL_OTLP_ERR_ENUM)
#undef SL_OTLP_ERR_ENUM
	SL_OTLP_ERR_MAX,
};

/* A routing key: bytes compared exactly (attribute keys are case-sensitive). */
struct sl_otlp_key {
	const char *name;
	uint32_t len;
};

/*
 * Walk options. Zeroed means: depth SL_OTLP_WALK_DEPTH_DEFAULT, extract only
 * service.name. Build with sl_otlp_walk_opts_init(); may be shared read-only
 * by every core.
 */
struct sl_otlp_walk_opts {
	uint32_t max_depth; /* 0: default; at most SL_OTLP_WALK_DEPTH_MAX */
	uint32_t n_keys;    /* keys[] in use, besides service.name */
	struct sl_otlp_key keys[SL_OTLP_WALK_MAX_KEYS];
};

/* What an extracted attribute held (AnyValue's arm). */
enum sl_otlp_val_type {
	SL_OTLP_VAL_NONE,   /* value absent or an empty AnyValue */
	SL_OTLP_VAL_STRING, /* string_value: val/len hold it */
	SL_OTLP_VAL_OTHER,  /* bool, int, double, array, kvlist or bytes: not copied */
};

/* One extracted resource attribute; valid when its bit is set in sl_otlp_entry.present. */
struct sl_otlp_attr {
	uint8_t type;      /* enum sl_otlp_val_type */
	uint8_t truncated; /* the string had more than SL_OTLP_VAL_MAX bytes */
	uint16_t len;      /* bytes in val, at most SL_OTLP_VAL_MAX */
	uint32_t wire_len; /* the string's length on the wire */
	char val[SL_OTLP_VAL_MAX + 1]; /* the first len bytes, then a NUL (may hold NULs) */
};

/*
 * One top-level field-1 entry (ResourceSpans, ResourceMetrics or
 * ResourceLogs). [off, off + len) covers its tag, length prefix and payload,
 * so any subset of entries, concatenated in any order, is itself a valid
 * request of the same signal (DESIGN rule 5).
 */
struct sl_otlp_entry {
	uint32_t off;     /* absolute offset of the entry's tag in the body */
	uint32_t len;     /* tag + length prefix + payload */
	uint32_t items;   /* spans, data points (all five kinds) or log records in it */
	uint32_t present; /* bit 0: service.name seen; bit 1 + i: opts->keys[i] seen */
	/* [0] service.name, [1 + i] opts->keys[i] */
	struct sl_otlp_attr attrs[1 + SL_OTLP_WALK_MAX_KEYS];
};

/*
 * A Metric carried the same data field (e.g. gauge) twice. Protobuf merges
 * the two, so its points count once each; protobuf-c 1.4 keeps only the last.
 */
#define SL_OTLP_WALK_F_METRIC_MERGED (1u << 0)
/*
 * A singular sub-message (a resource, scope, status, attribute value, log
 * body, or exponential histogram buckets) occurred more than once in its
 * parent: protobuf merges the occurrences. Valid, but no SDK does it.
 */
#define SL_OTLP_WALK_F_MERGED (1u << 1)

/*
 * In and out of a walk. The caller sets entries/max_entries (entries may be
 * NULL: count and validate only, no ranges or attributes); the walk sets the
 * rest. After an error only err, err_off, err_msg and the flags of the part
 * walked before the error are meaningful.
 */
struct sl_otlp_walk_result {
	struct sl_otlp_entry *entries; /* in: room for max_entries entries */
	uint32_t max_entries;          /* in */
	uint32_t n_entries;            /* Resource* entries in the request */
	uint32_t items;                /* spans, data points or log records in all of them */
	uint32_t flags;                /* SL_OTLP_WALK_F_* */
	enum sl_otlp_err err;          /* SL_OTLP_ERR_OK unless the walk failed */
	uint32_t err_off;              /* absolute offset of the offending tag or byte */
	char err_msg[SL_OTLP_ERR_MSG_LEN]; /* "<field path>: <what> at byte <err_off>" */
};

#endif /* SL_OTLP_WALK_TYPES_H */
