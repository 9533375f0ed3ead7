/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of sluice-gen's payload profiles: what a request holds, and the patch table. */
#ifndef SL_GEN_PROFILE_TYPES_H
#define SL_GEN_PROFILE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/otlp_types.h"

struct libdeflate_compressor;

/*
 * Bounds of a profile. Items: 2^20 spans of ~250 B make a 250 MB body, past
 * any receiver's limit (the dataplane's http.max_body_bytes tops out at
 * 256 MiB) and the sentinel index (3 bytes, see profile.c). Digits: the
 * resource attribute values carry this many decimal digits, so cardinality
 * stays below 10^6 and a value's length never changes when it is patched.
 */
#define SL_GEN_ITEMS_MAX     (1u << 20)
#define SL_GEN_ATTRS_MAX     64
#define SL_GEN_VALUE_LEN_MAX 4096
#define SL_GEN_DIGITS        6
#define SL_GEN_CARD_MAX      1000000

/* What every request of a run looks like. Zero means the default where one is given. */
struct sl_gen_profile_conf {
	enum sl_signal signal;
	uint32_t items; /* spans, data points or log records per request (1..SL_GEN_ITEMS_MAX) */
	uint32_t resources; /* Resource entries per request, items split evenly (0: 1; <= items) */
	uint32_t attrs;     /* attributes per item (0..SL_GEN_ATTRS_MAX) */
	uint32_t value_len; /* bytes of each attribute's string value (0: 10, ~250 B a span) */
	uint32_t services;  /* distinct service.name values across requests (0: 1) */
	uint32_t hosts;     /* distinct host.name values across requests (0: 1) */
	int gzip_level;     /* libdeflate level 1..12 (0: 1, what SDK exporters' gzip costs) */
	bool gzip;          /* Content-Encoding: gzip */
	bool json;          /* OTLP/JSON body instead of protobuf */
};

/* One place in the rendered body that changes per request. */
struct sl_gen_patch {
	uint32_t off; /* byte offset in the uncompressed body */
	uint8_t len;  /* bytes to write: 16 or 8 (binary id), 32 or 16 (hex id) */
	uint8_t hex;  /* write lower-case hex digits instead of raw bytes */
	uint8_t pad[2];
};

/*
 * A profile, built once (protobuf-c, slow) and shared read-only by every
 * sending thread. The body template has the final length of every request's
 * uncompressed body: patches overwrite bytes in place, never resize.
 */
struct sl_gen_profile {
	struct sl_gen_profile_conf conf;
	uint8_t *tmpl;            /* uncompressed body: protobuf, or OTLP/JSON */
	size_t len;               /* its length, the same for every request */
	size_t pb_len;            /* length of the protobuf form (JSON bodies too) */
	size_t wire_cap;          /* largest body a render can produce (gzip bound) */
	struct sl_gen_patch *ids; /* trace and span ids, ascending offsets */
	uint32_t n_ids;
	uint32_t n_res;               /* Resource entries (= conf.resources) */
	uint32_t *svc_off;            /* per resource: offset of service.name's digits */
	uint32_t *host_off;           /* per resource: offset of host.name's digits */
	const char *path;             /* /v1/traces, ... */
	const char *content_type;     /* application/x-protobuf or application/json */
	const char *content_encoding; /* "gzip" or NULL */
};

/*
 * A sending thread's renderer: its id generator, its compressor and scratch
 * buffer, and optionally a pool of pre-rendered bodies. Not shared.
 */
struct sl_gen_render {
	const struct sl_gen_profile *p;
	uint64_t rng;                       /* splitmix64 state */
	struct libdeflate_compressor *comp; /* gzip profiles */
	uint8_t *plain;                     /* gzip profiles: uncompressed body, patched in place */
	bool plain_primed;                  /* plain holds the template (only patches to write) */
	uint32_t n_var;                     /* pre-rendered bodies (0: render every request) */
	uint32_t next_var;
	uint8_t **var;
	size_t *var_len;
	uint64_t rendered; /* bodies rendered (or handed out from the pool) */
};

#endif /* SL_GEN_PROFILE_TYPES_H */
