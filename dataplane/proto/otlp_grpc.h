/* SPDX-License-Identifier: BSD-3-Clause */
/* The OTLP/gRPC server: Export RPCs over the per-core HTTP/2 server, bodies kept as mbuf slices. */
#ifndef SL_OTLP_GRPC_H
#define SL_OTLP_GRPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_types.h"
#include "proto/http2_types.h"
#include "proto/otlp_walk_types.h"
#include "slice.h"
#include "stats_shm.h"
#include "table_image.h"
#include "timer_types.h"

struct sl_tcp_core;
struct sl_decomp;
struct sl_pipe_core;
struct sl_cls;

/* gRPC status codes sluice answers with (grpc/doc/statuscodes.md). */
enum sl_grpc_code {
	SL_GRPC_OK = 0,
	SL_GRPC_INVALID_ARGUMENT = 3,
	SL_GRPC_RESOURCE_EXHAUSTED = 8,
	SL_GRPC_UNIMPLEMENTED = 12,
	SL_GRPC_INTERNAL = 13,
	SL_GRPC_UNAVAILABLE = 14,
};

/* Length-prefixed message framing: 1 byte flags, 4 bytes big-endian length, payload. */
#define SL_GRPC_PREFIX 5

struct sl_grpc_rx {
	uint8_t hdr[SL_GRPC_PREFIX];
	uint8_t hdr_n;     /* prefix bytes seen of the current message */
	uint8_t flags;     /* bit 0: compressed */
	uint8_t in_msg;    /* prefix complete, payload being received */
	uint32_t msg_len;
	uint32_t got;      /* payload bytes seen */
	uint32_t n_msgs;   /* messages completed */
};

enum sl_grpc_ev_type {
	SL_GRPC_EV_NONE,    /* all input taken, more is needed */
	SL_GRPC_EV_PREFIX,  /* a prefix is complete: flags, msg_len */
	SL_GRPC_EV_PAYLOAD, /* payload bytes at [pos, pos + len) of the input */
	SL_GRPC_EV_MSG,     /* a message is complete */
	SL_GRPC_EV_TOO_BIG, /* the prefix announces more than the limit */
};

struct sl_grpc_ev {
	enum sl_grpc_ev_type type;
	uint32_t pos;
	uint32_t len;
};

/*
 * One step of message framing over p[0..len): returns the bytes taken and
 * sets ev. Call again with the rest until it returns 0 with EV_NONE. The
 * payload is never copied: EV_PAYLOAD says where it is in p. A prefix may
 * straddle calls (it is the only thing copied, 5 bytes).
 */
uint32_t sl_grpc_rx_step(struct sl_grpc_rx *rx, const uint8_t *p, uint32_t len, uint32_t max_msg,
                         struct sl_grpc_ev *ev);

/* True between messages (no partial prefix or payload). */
static inline bool
sl_grpc_rx_idle(const struct sl_grpc_rx *rx)
{
	return rx->hdr_n == 0 && !rx->in_msg;
}

/*
 * grpc-message: percent-encode msg (bytes outside 0x20..0x7e and '%') into
 * out (NUL-terminated, cut to cap). Returns the length.
 */
size_t sl_grpc_pct_encode(const char *msg, char *out, size_t cap);

/*
 * grpc-status-details-bin for UNAVAILABLE: a google.rpc.Status {code, msg,
 * details: [google.rpc.RetryInfo {retry_delay: delay_s seconds}]} in
 * unpadded base64 into out (NUL-terminated). Returns the length, 0 if cap
 * is too small.
 */
size_t sl_grpc_retry_details(int code, const char *msg, uint32_t delay_s, char *out, size_t cap);

/* Bytes of an authorization value kept for tenant resolution ("Bearer " + token). */
#define SL_GRPC_AUTH_MAX 136

/* A stream (one Export call), from the core's pool. */
struct sl_grpc_stream {
	struct sl_grpc_stream *next; /* connection list, or free list */
	struct sl_grpc_stream *prev;
	struct sl_h2_conn *hc;
	struct sl_grpc_core *gc;
	int32_t id;
	uint32_t gen;           /* bumped at free: deferred answers check it */
	struct sl_grpc_rx rx;
	struct sl_h2_slices body; /* the message payload, one reference per slice */
	uint32_t owed;          /* bytes received, not acknowledged yet (WINDOW_UPDATE) */
	int8_t signal;          /* enum sl_signal; -1 unknown path */
	uint8_t codec;          /* enum sl_decomp_codec from grpc-encoding */
	uint8_t bad_ct;         /* content-type is not application/grpc[+proto] */
	uint8_t bad_enc;        /* grpc-encoding we do not decode */
	uint8_t bad_method;     /* not POST */
	uint8_t answered;       /* response submitted */
	uint8_t waiting;        /* deferred: the pipeline answers */
	uint8_t discard;        /* answered early: drop the rest of the body */
	uint8_t blackhole;      /* blackhole fault: stored, never answered */
	uint8_t delayed;        /* delay fault: the timer answers */
	uint8_t partial_set;    /* partial fault: OK carries partial_success */
	uint8_t tenant_len;     /* bytes in tenant[] (the tables' tenant header value) */
	uint8_t auth_len;       /* bytes in auth[] (the authorization value) */
	uint32_t partial;
	uint64_t hold;          /* mbuf buffer bytes its slices pin (buf_len per reference) */
	uint64_t t_done;        /* TSC at the end of the request: latency histogram */
	uint64_t delay_until;
	struct sl_timer timer;  /* delay fault */
	struct sl_h2_body pbody; /* partial_success answer: static until sent */
	uint8_t pmsg[SL_GRPC_PREFIX + 320];
	char fault[SL_TBL_NAME_LEN];
	char tenant[SL_TBL_NAME_LEN];
	char auth[SL_GRPC_AUTH_MAX];
};

/* Per connection: its streams, what it buffers, what it owes the client's windows. */
struct sl_grpc_conn {
	struct sl_grpc_stream *streams;
	uint64_t buffered; /* message bytes held by its streams */
	uint8_t listed;    /* on the owed list */
};

/* A poll core's OTLP/gRPC server. */
struct sl_grpc_core {
	struct sl_h2_core h2;
	const struct sl_grpc_conf *conf;
	uint64_t *ctr;
	bool pressure;                 /* test hook: answer UNAVAILABLE to everything */
	struct sl_pipe_core *pipe;     /* NULL: validate and count only (tests, fuzz) */
	struct sl_cls *cls;            /* classifier; NULL: everything to route 0 (tests, fuzz) */
	struct sl_stats_hist *hist;    /* request latency; NULL: not observed */
	/*
	 * Packet-buffer bytes (buf_len per slice reference) message bodies of
	 * this core may pin: windows are held past half of it, streams refused
	 * UNAVAILABLE past it. 0: no bound (tests). Set from the pool size.
	 */
	uint64_t hold_limit;
	uint64_t core_hold;
	enum sl_durability durability;
	uint32_t max_resources;
	struct sl_grpc_stream *streams; /* conf->streams slots */
	struct sl_grpc_stream *free_streams;
	struct sl_grpc_conn *conns;    /* parallel to h2.conns */
	uint32_t *owed;                /* connections whose windows wait for consumption */
	uint32_t n_owed;
	struct sl_iov *iov;            /* one message's payload as fragments */
	struct sl_slice *slices;       /* ... and as slices, for the pipeline */
	uint32_t max_slices;
	struct sl_decomp *decomp;
	uint8_t *buf_plain;            /* decompressed message (max_message_bytes) */
	struct sl_otlp_entry *entries;
	struct sl_otlp_walk_result res;
};

/*
 * Set up one core's server: streams, slices, decompressor, the HTTP/2 core.
 * ctr/wheel/now are the core's; max_conns sizes the connection slots
 * (indexed like the transport's). max_resources bounds Resource entries per
 * request (http.max_resources). pipe may be NULL. Slow path. 0 or -errno.
 */
int sl_grpc_core_init(struct sl_grpc_core *gc, const struct sl_grpc_conf *conf, uint64_t *ctr,
                      struct sl_timer_wheel *wheel, const uint64_t *now, uint32_t max_conns,
                      uint32_t max_resources, bool pressure, struct sl_pipe_core *pipe,
                      enum sl_durability durability);

/* Listen on conf->port through tc (nothing when the port is 0). 0 or -errno. */
int sl_grpc_listen(struct sl_grpc_core *gc, struct sl_tcp_core *tc);

/* Once per poll loop, after sl_pipe_poll: held input, windows owed. */
void sl_grpc_poll(struct sl_grpc_core *gc);

/* Shutdown: GOAWAY every connection (streams in progress still get their answers). */
void sl_grpc_shutdown(struct sl_grpc_core *gc);

/* Free everything (connections must already be gone). NULL-safe. */
void sl_grpc_core_fini(struct sl_grpc_core *gc);

#endif /* SL_OTLP_GRPC_H */
