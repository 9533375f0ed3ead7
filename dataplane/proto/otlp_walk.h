/* SPDX-License-Identifier: BSD-3-Clause */
/* Zero-copy validating walker of OTLP Export*ServiceRequest protobuf bodies held in fragments. */
#ifndef SL_OTLP_WALK_H
#define SL_OTLP_WALK_H

#include <stdint.h>

#include "proto/otlp_walk_types.h"
#include "slice.h"

/*
 * Walks the whole protobuf body of an Export{Trace,Metrics,Logs}ServiceRequest
 * given as n_iov fragments in order (lengths may be 0; any field, varint or
 * length prefix may straddle fragments). Validates the wire format of every
 * nested message against the OTLP v1.7.0 schema; counts items; records each
 * Resource* entry's byte range in res->entries; extracts service.name and
 * opts->keys from each entry's resource attributes.
 *
 * opts may be NULL (defaults). Reads the fragments only; copies no bytes but
 * extracted attribute values (and a key that straddles fragments). No
 * allocation, lock or syscall: fit for a poll core.
 *
 * Returns 0; -EBADMSG for a malformed body; -E2BIG when it holds more than
 * res->max_entries entries (res->entries != NULL); -EMSGSIZE for 4 GiB or
 * more; -EINVAL for bad arguments or options. On -EBADMSG, -E2BIG and
 * -EMSGSIZE, res->err, res->err_off and res->err_msg say what and where.
 */
int sl_otlp_walk(enum sl_signal sig, const struct sl_iov *iov, unsigned int n_iov,
		 const struct sl_otlp_walk_opts *opts, struct sl_otlp_walk_result *res);

/*
 * Fills opts with the default depth and the n routing keys (NUL-terminated,
 * 1..SL_OTLP_KEY_MAX bytes; do not list service.name, always extracted as
 * attrs[0]). The strings must outlive opts. Returns 0, -EINVAL or -E2BIG.
 */
int sl_otlp_walk_opts_init(struct sl_otlp_walk_opts *opts, const char *const *keys,
			   unsigned int n);

/* The label of an error reason ("truncated", "depth", ...), for counters and logs. */
const char *sl_otlp_err_name(enum sl_otlp_err err);

/* Walks a contiguous body: sl_otlp_walk() over one fragment. */
static inline int
sl_otlp_walk_buf(enum sl_signal sig, const void *buf, uint32_t len,
		 const struct sl_otlp_walk_opts *opts, struct sl_otlp_walk_result *res)
{
	struct sl_iov v = {(const uint8_t *)buf, len};

	return sl_otlp_walk(sig, &v, 1, opts, res);
}

#endif /* SL_OTLP_WALK_H */
