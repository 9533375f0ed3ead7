/* SPDX-License-Identifier: BSD-3-Clause */
/* Classification against a table image: the one matcher the dataplane, sluicectl and tests share. */
#ifndef SL_TABLE_MATCH_H
#define SL_TABLE_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/otlp_walk_types.h"
#include "table_image.h"

/*
 * What a request carries besides its Resource entries. Filled once per
 * request by the protocol layer; entries are matched one by one.
 */
struct sl_tbl_ctx {
	uint32_t signal;        /* enum sl_signal */
	uint32_t tenant;        /* index into the image's tenants; 0: none */
	uint16_t listener_port; /* host order */
	uint16_t reserved;
	uint8_t src[16];        /* peer address, IPv4 as ::ffff:a.b.c.d */
};

/*
 * CRC32C (Castagnoli, reflected 0x82f63b78, initial and final inversion):
 * the same value as segment.c's sl_crc32c(0, ...) and every iSCSI/ext4 CRC32C.
 * crc chains calls (pass the previous result; 0 to start). Byte-wise table:
 * the control plane computes it once per publication, the dataplane only on
 * its main lcore.
 */
uint32_t sl_tbl_crc32c(uint32_t crc, const void *buf, size_t len);

/*
 * Validate an image in place: magic, layout version, every section inside
 * total_size and total_size inside max_size, every string, condition, sink
 * and token reference in range, the default route last, and the CRC. Returns
 * 0 or -EPROTO (layout), -EBADMSG (CRC), -EINVAL (a reference out of range).
 * Slow path (a CRC over the image): the main lcore, sluicectl, fuzzers.
 */
int sl_tbl_image_check(const void *img, size_t max_size);

/* Index of the first route matching entry e of a request (the default route if none). */
uint32_t sl_tbl_match_route(const struct sl_tbl_hdr *h, const struct sl_tbl_ctx *ctx,
                            const struct sl_otlp_entry *e);

/*
 * Index of the first fault matching entry e whose expiry is after now_ns
 * (now_ns 0: ignore expiry), or -1. Whether it fires is sl_tbl_fault_fires().
 */
int sl_tbl_match_fault(const struct sl_tbl_hdr *h, const struct sl_tbl_ctx *ctx,
                       const struct sl_otlp_entry *e, uint64_t now_ns);

/* Whether a matched fault fires for a uniformly random 64-bit rnd. */
static inline bool
sl_tbl_fault_fires(const struct sl_tbl_fault *f, uint64_t rnd)
{
	return (rnd >> 11) < f->prob_threshold;
}

/*
 * Consistent sampling by trace id (see struct sl_tbl_route): true when the
 * route keeps spans of this trace. Routes without SL_TBL_R_SAMPLE keep all.
 */
static inline bool
sl_tbl_sample_keep(const struct sl_tbl_route *r, const uint8_t trace_id[16])
{
	uint64_t v = 0;
	int i;

	if (!(r->flags & SL_TBL_R_SAMPLE))
		return true;
	for (i = 9; i < 16; i++)
		v = (v << 8) | trace_id[i];
	return v >= r->sample_threshold;
}

/* Tenant index of a tenant header value (exact name), or 0. */
uint32_t sl_tbl_tenant_by_name(const struct sl_tbl_hdr *h, const char *name, size_t len);

/* Tenant index of a bearer token (the bytes after "Bearer "), or 0. Binary search. */
uint32_t sl_tbl_tenant_by_token(const struct sl_tbl_hdr *h, const char *tok, size_t len);

/*
 * Glob match over bytes: '*' any run, '?' one byte, '\' makes the next byte
 * literal. Iterative, no recursion: O(len(pat) * len(s)) worst case.
 */
bool sl_tbl_glob(const char *pat, size_t plen, const char *s, size_t slen);

/* IPv4 (network order) as the ::ffff:a.b.c.d form the matcher compares. */
static inline void
sl_tbl_addr_v4(uint8_t out[16], uint32_t ipv4_be)
{
	int i;

	for (i = 0; i < 10; i++)
		out[i] = 0;
	out[10] = 0xff;
	out[11] = 0xff;
	__builtin_memcpy(out + 12, &ipv4_be, 4);
}

#endif /* SL_TABLE_MATCH_H */
