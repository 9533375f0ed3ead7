/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the per-core HTTP/2 server: arena, connection state, transport and app hooks. */
#ifndef SL_HTTP2_TYPES_H
#define SL_HTTP2_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "config_types.h"
#include "slice.h"
#include "timer_types.h"

/* A header field to send (names lowercase; values not copied until submitted). */
struct sl_h2_hdr {
	const char *name;
	const char *value;
	uint32_t nlen;
	uint32_t vlen;
};

/* A response body sent as one DATA frame, then trailers; static storage (read when sent). */
struct sl_h2_body {
	const uint8_t *data;
	uint32_t len;
	const struct sl_h2_hdr *trailers;
	uint32_t n_trailers; /* at most 4 */
};

struct rte_mbuf;
struct sl_timer_wheel;

/*
 * Size classes of the arena: 2^k and 3 * 2^(k-1) from 32 bytes to 192 KiB.
 * The largest block nghttp2 asks for with our settings is its outbound
 * frame buffer (16 KiB + 10), so 192 KiB leaves room for a 64 KiB HPACK
 * table ring; an allocation beyond it fails (nghttp2 reports NOMEM and the
 * connection is closed and counted).
 */
#define SL_H2_ARENA_CLASSES 26

/* A per-core allocator for nghttp2: bump region carved into size classes, never returned. */
struct sl_h2_arena {
	uint8_t *base;
	size_t cap;
	size_t used;                          /* carved from base so far */
	size_t live;                          /* bytes in blocks handed out now */
	void *free[SL_H2_ARENA_CLASSES];      /* per-class free lists */
	uint32_t class_size[SL_H2_ARENA_CLASSES];
};

/* Slices per chunk: a chunk is 1 KiB with its header (like OTLP/HTTP's). */
#define SL_H2_CHUNK_SLICES 62

struct sl_h2_chunk {
	struct sl_h2_chunk *next;
	uint32_t n;
	uint32_t pad;
	struct sl_slice s[SL_H2_CHUNK_SLICES];
};

/* A list of slices in chunks from the core's pool; each slice holds one mbuf reference. */
struct sl_h2_slices {
	struct sl_h2_chunk *head;
	struct sl_h2_chunk *tail;
	uint32_t first; /* slices of head already taken (held input being replayed) */
	uint32_t n;
	uint64_t bytes;
};

/*
 * The byte stream under a connection: TCP on the poll cores, a fake in the
 * fuzz target, TLS later (the seam). t is the transport's connection.
 */
struct sl_h2_io {
	int (*send)(void *t, const void *buf, uint32_t len);  /* bytes taken or -errno */
	uint32_t (*space)(void *t);                           /* bytes send can take now */
	void (*consumed)(void *t, uint32_t bytes, uint32_t segs); /* reopen the receive window */
	void (*close)(void *t);                               /* graceful: FIN after queued data */
	void (*abort)(void *t);                               /* RST now; closed() follows */
};

struct sl_h2_core;
struct sl_h2_conn;

/*
 * What the application (gRPC) on top sees of a stream. Stream pointers are
 * the app's own objects, kept as nghttp2 stream user data.
 *   begin:   a request HEADERS starts stream id; return the app's stream or
 *            NULL to refuse it (REFUSED_STREAM).
 *   header:  one decoded header field of that stream.
 *   headers: the header block is complete (request head or trailers).
 *   data:    payload bytes of a DATA frame, as a slice of an input mbuf
 *            (no reference taken: the app takes one if it keeps it).
 *   end:     the client ended its side (END_STREAM).
 *   close:   the stream is gone (answered, reset or connection closing);
 *            return true if the app had answered it (for the stall watch).
 */
struct sl_h2_app_ops {
	void *(*begin)(void *arg, struct sl_h2_conn *hc, int32_t stream_id);
	int (*header)(void *arg, void *st, const uint8_t *name, size_t nlen, const uint8_t *value,
	              size_t vlen);
	void (*headers)(void *arg, void *st);
	void (*data)(void *arg, void *st, struct rte_mbuf *m, uint32_t off, uint32_t len);
	void (*end)(void *arg, void *st);
	bool (*close)(void *arg, void *st, uint32_t error_code);
	void (*conn_closed)(void *arg, struct sl_h2_conn *hc); /* before the state is wiped */
};

/* A token bucket for one kind of frame (rate per second, burst twice that). */
struct sl_h2_bucket {
	uint64_t last_tsc;
	uint32_t tokens;
};

/* One HTTP/2 connection, in a per-core array indexed like the transport's connections. */
struct sl_h2_conn {
	struct sl_h2_core *core;
	struct nghttp2_session *s;
	void *t;                     /* transport connection; NULL: slot free */
	const struct sl_h2_io *io;
	uint32_t idx;
	uint32_t gen;                /* bumped at accept and close */
	size_t mem;                  /* arena bytes this session holds */
	/* the input slice being fed to nghttp2, to map DATA pointers back to it */
	struct rte_mbuf *cur_m;
	const uint8_t *cur_base;
	uint32_t cur_off;
	uint32_t cur_len;
	struct sl_h2_slices held;    /* input not fed yet (pressure), with references */
	uint64_t last_rx_tsc;
	uint64_t last_tx_tsc;        /* last time output moved, or it became owed */
	uint32_t answered_open;      /* streams answered, not closed yet */
	uint32_t open_streams;
	uint32_t refused;            /* streams refused on this connection */
	uint32_t hdr_bytes;          /* decoded size of the header block being received */
	uint32_t cont;               /* CONTINUATION frames of the block being received */
	struct sl_h2_bucket rst, ping, settings;
	uint32_t calm;               /* enum sl_ctr of the defence that tripped, 0 none */
	uint8_t closing;             /* transport close asked: ignore input */
	uint8_t goaway;              /* GOAWAY submitted */
	uint8_t listed;              /* on the core's resume list */
	uint8_t peer_fin;
	uint8_t in_recv;             /* inside nghttp2_session_mem_recv */
	struct sl_timer timer;
};

/* A poll core's HTTP/2 server. */
struct sl_h2_core {
	const struct sl_grpc_conf *conf;
	uint64_t *ctr;               /* the core's counters (enum sl_ctr) */
	struct sl_timer_wheel *wheel;
	const uint64_t *now;         /* the core's loop TSC */
	uint64_t hz;
	uint32_t max_conns;
	struct sl_h2_conn *conns;
	struct sl_h2_arena arena;
	struct nghttp2_session_callbacks *cbs;
	struct nghttp2_option *opt;
	struct sl_h2_chunk *chunks;
	struct sl_h2_chunk *free_chunks;
	uint32_t free_n;
	uint32_t n_chunks;
	uint32_t *resume;            /* connections with held input */
	uint32_t n_resume;
	bool (*hold_input)(void *arg); /* true: pipeline at its bound, do not parse */
	const struct sl_h2_app_ops *app;
	void *app_arg;
	uint8_t *tmp;                /* scratch for the current nva conversion */
};

#endif /* SL_HTTP2_TYPES_H */
