/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of sluice-gen's HTTP/2 (gRPC) client connection: calls, settings, the session. */
#ifndef SL_GEN_H2_CLIENT_TYPES_H
#define SL_GEN_H2_CLIENT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct nghttp2_session;
struct sl_gen_h2;

/*
 * Concurrent calls per connection (--streams). The appliance announces
 * grpc.max_concurrent_streams (default 128); nghttp2 queues calls past the
 * peer's limit, so a larger value only adds queueing (and memory: a render
 * buffer per call without --variants).
 */
#define SL_GEN_H2_STREAMS_MAX 1000
/* gRPC message prefix: compressed flag, 4-byte big-endian length (gRPC over HTTP/2). */
#define SL_GEN_GRPC_PREFIX 5
/*
 * Bytes of frames gathered before they are handed to the transport. One
 * write per 64 KiB instead of one per frame (nghttp2 serialises a frame at
 * a time: a 100-span call is HEADERS + two DATA frames); larger only grows
 * the per-connection memory.
 */
#define SL_GEN_H2_OUT_BUF 65536
/*
 * Our receive windows (SETTINGS_INITIAL_WINDOW_SIZE and the connection's):
 * answers are ~50 bytes, so any window will do; a large one keeps
 * WINDOW_UPDATEs out of the measurement.
 */
#define SL_GEN_H2_WINDOW (1 << 24)

/* What the event hook is told. */
enum sl_gen_h2_ev {
	SL_GEN_H2_EV_SENT, /* the call's last DATA frame (END_STREAM) was serialised */
	SL_GEN_H2_EV_DONE, /* the call's stream closed: see status, grpc_status, h2_error */
};

/* One call (stream slot) of a connection. */
struct sl_gen_h2_call {
	uint64_t t_due;      /* ns: latency origin (as for HTTP/1.1 requests) */
	const uint8_t *body; /* the message (gzip'd when the profile says so) */
	uint8_t *buf;        /* render buffer (NULL with --variants) */
	uint32_t body_len;
	uint32_t off;        /* bytes of prefix + message handed to nghttp2 */
	uint32_t tries;      /* failed attempts (connection lost while in flight) */
	int32_t stream_id;   /* open stream, 0 when none */
	uint32_t h2_error;   /* RST_STREAM / GOAWAY error code the stream closed with */
	uint16_t status;     /* :status, 0 until the response HEADERS */
	int16_t grpc_status; /* grpc-status from trailers (or trailers-only), -1: none */
	bool has_req;        /* a message is assigned (kept across a reconnect to retry) */
	bool primed;         /* buf holds an uncompressed render of the profile */
	uint8_t prefix[SL_GEN_GRPC_PREFIX];
};

typedef void (*sl_gen_h2_event_fn)(void *arg, struct sl_gen_h2 *h, struct sl_gen_h2_call *call,
                                   enum sl_gen_h2_ev ev);

/* What every call of a run looks like; shared read-only by all connections. */
struct sl_gen_h2_conf {
	const char *path;      /* /opentelemetry.proto.collector.<sig>.v1.<Sig>Service/Export */
	const char *authority; /* host:port */
	const char *encoding;  /* grpc-encoding value ("gzip") or NULL: identity */
	uint32_t streams;      /* calls per connection, 1..SL_GEN_H2_STREAMS_MAX */
	size_t buf_cap;        /* render buffer per call (0: --variants, none) */
	bool gather;           /* gather frames into SL_GEN_H2_OUT_BUF (socket mode: fewer
	                        * syscalls); without, nghttp2's frames are handed out as
	                        * they are (DPDK mode: TCP copies into mbufs anyway) */
};

/*
 * One HTTP/2 client connection's state, independent of how its bytes move:
 * the transport feeds what it receives (sl_gen_h2_feed) and writes what
 * sl_gen_h2_out hands it. Reused across reconnects (sl_gen_h2_open/close).
 */
struct sl_gen_h2 {
	struct nghttp2_session *s; /* NULL when no connection is open */
	const struct sl_gen_h2_conf *conf;
	struct sl_gen_h2_call *calls; /* conf->streams */
	uint32_t *free;               /* stack of free call indexes */
	uint32_t n_free;
	uint32_t n_open;       /* calls submitted and not yet closed */
	uint64_t progress_at;  /* ns: last call completed, or the first opened while idle */
	sl_gen_h2_event_fn ev; /* called from inside feed/out: count, never call back in */
	void *arg;
	uint8_t *out; /* SL_GEN_H2_OUT_BUF gathered frame bytes (conf->gather) */
	uint32_t out_head, out_len;
	const uint8_t *spill; /* a frame that did not fit out (nghttp2's memory) */
	size_t spill_len;
	uint32_t n_retry; /* calls kept (has_req, no stream) for the next connection */
};

#endif /* SL_GEN_H2_CLIENT_TYPES_H */
