/* SPDX-License-Identifier: BSD-3-Clause */
/* The OTLP/HTTP server: HTTP/1.1 on the poll cores' TCP, OTLP bodies validated in place. */
#ifndef SL_OTLP_HTTP_H
#define SL_OTLP_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "config_types.h"
#include "proto/http1_types.h"
#include "proto/otlp_walk_types.h"
#include "slice.h"
#include "table_image.h"
#include "timer_types.h"

struct sl_tcp_core;
struct sl_tcp_conn;
struct sl_decomp;
struct sl_pipe_core;
struct sl_cls;

/* Slices per body chunk: a chunk is 1 KiB with its header. */
#define SL_HTTP_CHUNK_SLICES 62

struct sl_http_chunk {
	struct sl_http_chunk *next;
	uint32_t n;
	uint32_t pad;
	struct sl_slice s[SL_HTTP_CHUNK_SLICES];
};

/* One HTTP connection, in a per-core array indexed like the TCP connection pool. */
struct sl_http_conn {
	struct sl_http1_parser p;
	struct sl_tcp_conn *c;
	struct sl_http_core *hc;
	struct sl_http_chunk *head; /* body slices of the request being received */
	struct sl_http_chunk *tail;
	uint64_t body_bytes;
	uint32_t n_slices;
	uint16_t reject;  /* status decided at the head (404, 405, 415, 503): body discarded */
	uint8_t signal;   /* enum sl_signal of the request */
	uint8_t codec;    /* enum sl_decomp_codec */
	uint8_t json;     /* body is OTLP/JSON */
	uint8_t in_req;   /* a request has started (timer armed) */
	uint8_t closing;  /* answered with Connection: close; ignore further bytes */
	uint8_t overflow; /* body slices ran out: answer 503 at the end */
	uint8_t waiting;  /* a response waits for durability: input is held, not parsed */
	uint8_t pend_json; /* ... and it is answered in JSON */
	uint8_t peer_fin; /* the peer closed while input was held: close once it is done */
	uint8_t listed;   /* on the core's resume list */
	uint32_t gen;     /* bumped at accept and close: deferred responses check it */
	struct sl_http_chunk *held_head; /* input received but not parsed yet, in order */
	struct sl_http_chunk *held_tail;
	uint32_t held_first;             /* slices of held_head already replayed */
	struct sl_timer timer;
	/* the answer of the request being answered (set by classification, cleared when sent) */
	uint64_t t_done;      /* TSC when its body was complete: request latency histogram */
	uint64_t delay_until; /* delay fault: not answered before this TSC */
	uint32_t partial;     /* partial fault: items refused through partial_success */
	uint8_t partial_set;
	uint8_t delayed;      /* the timer is the delay fault's, input held */
	uint8_t blackhole;    /* never answered: input held until the peer goes */
	char fault[SL_TBL_NAME_LEN]; /* the fired fault's name, for messages */
};

/* A poll core's OTLP/HTTP server. */
struct sl_http_core {
	struct sl_tcp_core *tc;
	const struct sl_http_conf *conf;
	bool pressure; /* backpressure: answer 503 with Retry-After */
	struct sl_http1_config h1;
	struct sl_http_conn *conns;   /* one per TCP connection slot */
	struct sl_http_chunk *chunks; /* body_chunks, preallocated */
	struct sl_http_chunk *free_chunks;
	uint32_t free_n;
	struct sl_iov *iov; /* body_chunks * 62 fragments: one request's body */
	struct sl_slice *slices;       /* the same body as mbuf slices, for the pipeline */
	struct sl_pipe_core *pipe;     /* batch builders; NULL: count and answer only (tests) */
	struct sl_cls *cls;            /* classifier; NULL: everything to route 0 (tests) */
	uint64_t tenant_gen;           /* table generation the tenant header capture follows */
	enum sl_durability durability; /* of the default route */
	uint32_t *resume;              /* connections whose held input may be parsed again */
	uint32_t n_resume;
	struct sl_decomp *decomp;
	uint8_t *buf_plain;            /* decompressed body, or a gathered JSON body */
	uint8_t *buf_pb;               /* JSON transcoded to protobuf */
	struct sl_otlp_entry *entries; /* max_resources */
	struct sl_otlp_walk_opts walk_opts;
	struct sl_otlp_walk_result res;
};

/*
 * Set up the server of one core and listen on conf->port through tc.
 * Valid requests go to pipe (may be NULL: they are only counted) with the
 * given durability. Big buffers (max_body_bytes each) come from the heap
 * at start. 0 or -errno.
 */
int sl_http_core_init(struct sl_http_core *hc, struct sl_tcp_core *tc,
                      const struct sl_http_conf *conf, bool pressure, int socket,
                      struct sl_pipe_core *pipe, enum sl_durability durability);

/*
 * Once per poll loop, after sl_pipe_poll: parse input held while a
 * response waited or while the pipeline was at its bound.
 */
void sl_http_poll(struct sl_http_core *hc);

/*
 * Count one valid request of sig (requests, items, Resource entries, bytes of
 * the n fragments) in the core's counters c. Shared with OTLP/gRPC.
 */
void sl_otlp_count_request(uint64_t *c, enum sl_signal sig, const struct sl_otlp_walk_result *res,
                           const struct sl_iov *iov, unsigned n);

/* Free everything (connections must already be gone: call after sl_tcp_core_fini). */
void sl_http_core_fini(struct sl_http_core *hc);

#endif /* SL_OTLP_HTTP_H */
