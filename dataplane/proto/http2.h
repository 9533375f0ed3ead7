/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-core HTTP/2 server (h2c, prior knowledge) on nghttp2: sessions, limits, defences. */
#ifndef SL_HTTP2_H
#define SL_HTTP2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/http2_types.h"

struct rte_mbuf;

/*
 * Set up one core's HTTP/2 server: the arena (conf->arena_bytes, from the
 * heap at start), connection slots (max_conns), slice chunks (n_chunks),
 * the nghttp2 callbacks and options. ctr, wheel and now are the core's.
 * app gets the stream events; hold_input(app_arg) true stops parsing
 * input (pipeline at its bound). Slow path. 0 or -errno.
 */
int sl_h2_core_init(struct sl_h2_core *h, const struct sl_grpc_conf *conf, uint64_t *ctr,
                    struct sl_timer_wheel *wheel, const uint64_t *now, uint32_t max_conns,
                    uint32_t n_chunks, const struct sl_h2_app_ops *app, void *app_arg,
                    bool (*hold_input)(void *arg));

/* Free everything; connections must be gone (sl_h2_closed on each). NULL-safe. */
void sl_h2_core_fini(struct sl_h2_core *h);

/*
 * A transport connection t in slot idx (< max_conns) starts: new session,
 * our SETTINGS queued. Returns the connection, or NULL (-errno in errno)
 * when the arena cannot hold a session.
 */
struct sl_h2_conn *sl_h2_accept(struct sl_h2_core *h, uint32_t idx, void *t,
                                const struct sl_h2_io *io);

/*
 * Input bytes [off, off + len) of m, with one reference that this call
 * owns (freed, or kept while input is held). Reports them consumed to the
 * transport once parsed.
 */
void sl_h2_input(struct sl_h2_conn *c, struct rte_mbuf *m, uint32_t off, uint32_t len);

/* The peer closed its side: close once no stream is open. */
void sl_h2_peer_fin(struct sl_h2_conn *c);

/* The transport can take more: send what waits. */
void sl_h2_writable(struct sl_h2_conn *c);

/* The transport connection is gone: free the session and what it holds. */
void sl_h2_closed(struct sl_h2_conn *c);

/* Once per poll loop: parse input held for pressure. */
void sl_h2_poll(struct sl_h2_core *h);

/* Send what nghttp2 has queued, as far as the transport takes it. */
void sl_h2_flush(struct sl_h2_conn *c);

/*
 * Answer stream id: headers (values copied), then body (static: it is read
 * when the DATA frame goes out) with its trailers, or with body == NULL a
 * single HEADERS frame ending the stream (gRPC "trailers-only"). 0 or -errno.
 */
int sl_h2_respond(struct sl_h2_conn *c, int32_t id, const struct sl_h2_hdr *hdrs, unsigned n,
                  const struct sl_h2_body *body);

/* Reset stream id (RST_STREAM with HTTP/2 error code err): its close callback follows. */
int sl_h2_reset(struct sl_h2_conn *c, int32_t id, uint32_t err);

/* Acknowledge len received DATA bytes of stream id (and the connection): WINDOW_UPDATE. */
void sl_h2_consume(struct sl_h2_conn *c, int32_t id, uint32_t len);

/* Ask the client to stop (GOAWAY NO_ERROR, last stream processed): shutdown drain. */
void sl_h2_shutdown(struct sl_h2_core *h);

/* Append a slice with its reference to l. False when the chunk pool is empty. */
bool sl_h2_slices_push(struct sl_h2_core *h, struct sl_h2_slices *l, struct rte_mbuf *m,
                       uint32_t off, uint32_t len);

/* Free every reference in l and give its chunks back. */
void sl_h2_slices_release(struct sl_h2_core *h, struct sl_h2_slices *l);

/*
 * The arena (exported for tests): init over [mem, mem + cap), allocate
 * (NULL when full or size too large), free (NULL is fine), realloc.
 */
void sl_h2_arena_init(struct sl_h2_arena *a, void *mem, size_t cap);
void *sl_h2_arena_alloc(struct sl_h2_arena *a, size_t size, size_t *charged);
size_t sl_h2_arena_free(struct sl_h2_arena *a, void *p);

#endif /* SL_HTTP2_H */
