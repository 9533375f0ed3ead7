/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-request classification on a poll core: tenant, routes, faults, rate limits, sampling. */
#ifndef SL_CLASSIFY_H
#define SL_CLASSIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "config_types.h"
#include "pipeline/batch_types.h"
#include "proto/otlp_types.h"
#include "proto/otlp_walk_types.h"
#include "slice.h"
#include "stats_shm.h"
#include "table_image.h"

struct sl_core;

/*
 * Token buckets per poll core (rates are split evenly over the poll cores):
 * tenant rates, per-route tenant rates and throttle faults, keyed by what
 * stays the same across table generations (names' CRC32C), so a table
 * change does not refill them.
 */
#define SL_CLS_BUCKETS 1024 /* power of two */

struct sl_cls_bucket {
	uint64_t key; /* 0: free */
	double tokens;
	uint64_t last_tsc;
};

/* What the protocol layer must do with a classified request. */
enum sl_cls_verdict {
	SL_CLS_ACCEPT,  /* submit out.entries by out.entry_route; answer per out.fault_kind */
	SL_CLS_ERROR,   /* fault: answer out.status (+ Retry-After); nothing stored */
	SL_CLS_RESET,   /* fault: reset the connection (gRPC: the stream); nothing stored */
	SL_CLS_LIMITED, /* rate limit or throttle fault: 429 + Retry-After; nothing stored */
};

struct sl_cls_in {
	enum sl_signal signal;
	uint32_t tenant;    /* sl_cls_tenant() */
	uint32_t raddr_be;  /* peer IPv4, network order */
	uint16_t lport;     /* listener port, host order */
};

struct sl_cls_out {
	enum sl_cls_verdict verdict;
	uint8_t fault_kind;     /* enum sl_tbl_fault_kind of the fired fault; 0: none */
	uint32_t status;        /* ERROR: HTTP status; LIMITED: 429 */
	uint32_t retry_after_s; /* ERROR, LIMITED: 0 none */
	uint64_t delay_tsc;     /* DELAY: answer this many TSC cycles after now */
	uint32_t rejected;      /* PARTIAL: items refused through partial_success (not stored) */
	char fault_name[SL_TBL_NAME_LEN];
	enum sl_durability durability;
	/*
	 * What to submit: entries and their route slots. flat != NULL when the
	 * body was re-encoded (sampling, partial): entries index into flat.
	 */
	const struct sl_otlp_entry *entries;
	const uint16_t *entry_route;
	uint32_t n_entries;
	const uint8_t *flat;
	uint32_t flat_len;
	uint32_t items_stored;
	uint64_t gen; /* the table generation the request was classified with; 0 static */
};

/* A poll core's classifier. */
struct sl_cls {
	struct sl_core *core;
	const struct sl_tbl_hdr *img; /* bound image; NULL: static defaults */
	uint64_t gen;
	enum sl_durability static_durability;
	uint32_t n_cores;
	uint64_t hz;
	uint64_t base_tsc; /* TSC and CLOCK_REALTIME at init: fault expiry without a syscall */
	uint64_t base_ns;
	uint64_t rng;
	struct sl_otlp_walk_opts opts; /* the image's keys */
	char keys[SL_TBL_MAX_KEYS][SL_OTLP_KEY_MAX + 1];
	uint32_t tenant_key[SL_TBL_MAX_TENANTS]; /* CRC32C of each tenant's name */
	struct sl_cls_bucket buckets[SL_CLS_BUCKETS];
	struct sl_stats_ext *ext; /* named counters */
	/* per request: routes, and the re-encoding path's buffers */
	uint32_t max_entries;
	uint32_t max_body;
	uint16_t *route;          /* max_entries */
	uint16_t *froute;         /* max_entries: routes of the re-encoded entries */
	struct sl_otlp_entry *fentries; /* max_entries */
	uint8_t *gather;          /* max_body: one entry made contiguous */
	uint8_t *fbuf;            /* max_body: the re-encoded body */
};

/*
 * Set up at start (slow path: allocates). max_entries/max_body bound a
 * request (http/grpc limits, the larger of each). 0 or -ENOMEM.
 */
int sl_cls_init(struct sl_cls *cls, struct sl_core *core, uint32_t n_cores,
                enum sl_durability static_durability, uint32_t max_entries, uint32_t max_body,
                struct sl_stats_ext *ext);

void sl_cls_fini(struct sl_cls *cls);

/*
 * The core moved to image img (NULL: none) with generation gen: walker keys,
 * tenant keys. Poll core, at a generation change; no allocation or syscall.
 */
void sl_cls_bind(struct sl_cls *cls, const struct sl_tbl_hdr *img, uint64_t gen);

/* Walker options for this iteration's image: service.name and the image's keys. */
static inline const struct sl_otlp_walk_opts *
sl_cls_walk_opts(const struct sl_cls *cls)
{
	return &cls->opts;
}

/* Header name (lower case) naming the tenant in this image, or NULL/0. */
const char *sl_cls_tenant_header(const struct sl_cls *cls, uint32_t *len);

/*
 * The tenant of a request: the tenant header's value if the image names one
 * and it is a known tenant, else the bearer token of an Authorization value
 * ("Bearer <token>", scheme case-insensitive). 0: no tenant.
 */
uint32_t sl_cls_tenant(const struct sl_cls *cls, const char *hval, uint32_t hlen,
                       const char *auth, uint32_t alen);

/*
 * Classify a walked request (res: entries with their attributes, from a walk
 * with sl_cls_walk_opts) whose body is iov[0..n_iov). Fills out; counts
 * routes, faults, tenants. Runs the re-encoding filter when a route samples
 * or a partial fault fires. No allocation or syscall.
 */
void sl_cls_request(struct sl_cls *cls, const struct sl_cls_in *in, const struct sl_iov *iov,
                    unsigned n_iov, const struct sl_otlp_walk_result *res,
                    struct sl_cls_out *out);

/*
 * Fill a pipeline request from an accepted classification: entries, their
 * route slots, durability, generation, and the re-encoded body if there is
 * one. True when it set req->flat (the caller then gives no body of its own).
 */
static inline bool
sl_cls_to_req(const struct sl_cls_out *co, struct sl_pipe_req *req)
{
	req->entries = co->entries;
	req->n_entries = co->n_entries;
	req->entry_route = co->entry_route;
	req->durability = co->durability;
	req->gen = co->gen;
	if (co->flat == NULL)
		return false;
	req->flat = co->flat;
	req->flat_len = co->flat_len;
	return true;
}

/*
 * gRPC status for an error fault's HTTP status (400 INVALID_ARGUMENT, 401
 * UNAUTHENTICATED, 403 PERMISSION_DENIED, 404 NOT_FOUND, 408/504
 * DEADLINE_EXCEEDED, 409 ABORTED, 429 RESOURCE_EXHAUSTED, 500 INTERNAL,
 * 501 UNIMPLEMENTED, 502/503 UNAVAILABLE, else UNKNOWN).
 */
int sl_cls_grpc_code(uint32_t http_status);

/*
 * An Export*ServiceResponse with partial_success {rejected_<items> =
 * rejected, error_message = msg}: protobuf, or OTLP/JSON when json. Returns
 * the bytes written to out (0 if cap is too small).
 */
uint32_t sl_cls_partial_response(enum sl_signal sig, uint32_t rejected, const char *msg, bool json,
                                 uint8_t *out, uint32_t cap);

#endif /* SL_CLASSIFY_H */
