/* SPDX-License-Identifier: BSD-3-Clause */
/* The per-core HTTP/2 server (h2c, prior knowledge) on nghttp2: sessions, limits, defences. */

/*
 * Design
 * ------
 * One nghttp2 server session per connection, driven by hand: input slices
 * go in with nghttp2_session_mem_recv, output comes out of
 * nghttp2_session_mem_send and is copied into the transport's send queue.
 * No callback of nghttp2 ever blocks or does I/O.
 *
 *   TCP slice (m, off, len) --mem_recv--> frames --> callbacks
 *        |                                  DATA payload: a pointer into the
 *        |                                  slice we passed, mapped back to
 *        |                                  (m, off', len') for the app, which
 *        |                                  takes its own mbuf reference
 *        +-- held (reference kept, TCP window closes) while the pipeline is
 *            at its bound; sl_h2_poll replays it
 *
 * Memory (DESIGN rule 2): nghttp2 allocates through an nghttp2_mem whose
 * functions carve blocks from a per-core arena (size classes, free lists,
 * the arena itself allocated once at start). Each session's bytes are
 * charged to its connection; past grpc.conn_mem_bytes, or when the arena is
 * full, the allocation fails, nghttp2 reports NOMEM and the connection is
 * closed and counted. The HPACK tables are bounded by the default 4 KiB
 * SETTINGS_HEADER_TABLE_SIZE, the decoded header list by
 * grpc.max_header_list_size (enforced here, not just advertised), DATA by
 * the flow-control windows, which only move when the app consumes
 * (automatic WINDOW_UPDATE is off).
 *
 * Defences (each counted, each ends the connection with GOAWAY
 * ENHANCE_YOUR_CALM): token buckets on RST_STREAM (rapid reset,
 * CVE-2023-44487), PING and SETTINGS frames from the client; at most
 * grpc.max_continuations CONTINUATION frames per header block (CONTINUATION
 * flood, CVE-2024-27316 class); a decoded header list past the limit (HPACK
 * bomb); too many refused streams. nghttp2's own limits (outbound ACK queue,
 * SETTINGS entries, its reset limiter set above ours) are the backstop. A
 * per-connection timer closes connections idle past grpc.idle_timeout_ms
 * (GOAWAY) and connections whose answers cannot leave for
 * grpc.stall_timeout_ms (a zero window the client never opens).
 *
 * Output: mem_send is only called while the transport can take a whole
 * frame of ours (SEND_RESERVE), so nothing mem_send returns is ever cut;
 * the rest waits for the writable callback.
 *
 * Rejected: our own HTTP/2 framer and HPACK decoder (nghttp2 is the
 * reference implementation; its allocator hook and mem_recv/mem_send API
 * fit a poll core); nghttp2_session_recv/send with I/O callbacks (they
 * would make nghttp2 own the copy into the send queue and the read loop).
 * What nghttp2 cannot give: it copies every header field into rcbufs from
 * the arena (small, bounded by the header list limit), and it keeps one
 * 16 KiB outbound frame buffer per session.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>
#include <rte_common.h>
#include <rte_mbuf.h>

#include "proto/http2.h"
#include "stats_shm.h"
#include "timer.h"

/*
 * Bytes the transport must be able to take before mem_send is called: our
 * largest frame is a HEADERS frame with grpc-message (under 2 KiB) or the
 * outbound frame buffer's 16 KiB; smaller would risk cutting a frame.
 */
#define SEND_RESERVE (16384u + 64u)

/* Header bytes of an arena block: the class index, keeping 16-byte alignment. */
#define BLOCK_HDR 16u

/* Period of the per-connection watch timer (idle and stall checks). */
#define WATCH_MS_MAX 1000u

/* ------------------------------------------------------------------ */
/* Arena                                                               */

void
sl_h2_arena_init(struct sl_h2_arena *a, void *mem, size_t cap)
{
	unsigned i;
	uint32_t sz = 32;

	memset(a, 0, sizeof(*a));
	a->base = mem;
	a->cap = cap;
	/* 32, 48, 64, 96, 128, ... : a block wastes at most a third. */
	for (i = 0; i < SL_H2_ARENA_CLASSES; i++) {
		a->class_size[i] = (i & 1) ? sz + sz / 2 : sz;
		if (i & 1)
			sz *= 2;
	}
}

static int
class_of(const struct sl_h2_arena *a, size_t need)
{
	unsigned i;

	for (i = 0; i < SL_H2_ARENA_CLASSES; i++)
		if (a->class_size[i] >= need)
			return (int)i;
	return -1;
}

void *
sl_h2_arena_alloc(struct sl_h2_arena *a, size_t size, size_t *charged)
{
	int k = class_of(a, size + BLOCK_HDR);
	uint8_t *b;

	if (k < 0)
		return NULL;
	if (a->free[k] != NULL) {
		b = (uint8_t *)a->free[k] - BLOCK_HDR;
		memcpy(&a->free[k], b + BLOCK_HDR, sizeof(void *));
	} else {
		if (a->cap - a->used < a->class_size[k])
			return NULL;
		b = a->base + a->used;
		a->used += a->class_size[k];
	}
	*(uint32_t *)b = (uint32_t)k;
	a->live += a->class_size[k];
	*charged = a->class_size[k];
	return b + BLOCK_HDR;
}

static size_t
block_room(const struct sl_h2_arena *a, const void *p)
{
	uint32_t k = *(const uint32_t *)((const uint8_t *)p - BLOCK_HDR);

	return a->class_size[k] - BLOCK_HDR;
}

size_t
sl_h2_arena_free(struct sl_h2_arena *a, void *p)
{
	uint32_t k;

	if (p == NULL)
		return 0;
	k = *(uint32_t *)((uint8_t *)p - BLOCK_HDR);
	memcpy(p, &a->free[k], sizeof(void *));
	a->free[k] = p;
	a->live -= a->class_size[k];
	return a->class_size[k];
}

/* nghttp2_mem functions: mem_user_data is the connection, charged for what it holds. */
static void *
nh_malloc(size_t size, void *ud)
{
	struct sl_h2_conn *c = ud;
	size_t charged = 0;
	void *p;

	p = sl_h2_arena_alloc(&c->core->arena, size, &charged);
	if (p != NULL && c->mem + charged > c->core->conf->conn_mem_bytes) {
		sl_h2_arena_free(&c->core->arena, p); /* charged whole blocks: the bound is exact */
		p = NULL;
	}
	if (p == NULL) {
		c->core->ctr[SL_CTR_GRPC_MEM_LIMIT]++;
		return NULL;
	}
	c->mem += charged;
	return p;
}

static void
nh_free(void *p, void *ud)
{
	struct sl_h2_conn *c = ud;

	c->mem -= sl_h2_arena_free(&c->core->arena, p);
}

static void *
nh_calloc(size_t n, size_t size, void *ud)
{
	void *p;

	if (size != 0 && n > SIZE_MAX / size)
		return NULL;
	p = nh_malloc(n * size, ud);
	if (p != NULL)
		memset(p, 0, n * size);
	return p;
}

static void *
nh_realloc(void *p, size_t size, void *ud)
{
	struct sl_h2_conn *c = ud;
	size_t room;
	void *q;

	if (p == NULL)
		return nh_malloc(size, ud);
	if (size == 0) {
		nh_free(p, ud);
		return NULL;
	}
	room = block_room(&c->core->arena, p);
	if (size <= room)
		return p;
	q = nh_malloc(size, ud);
	if (q == NULL)
		return NULL;
	memcpy(q, p, room);
	nh_free(p, ud);
	return q;
}

/* ------------------------------------------------------------------ */
/* Slice lists                                                         */

bool
sl_h2_slices_push(struct sl_h2_core *h, struct sl_h2_slices *l, struct rte_mbuf *m, uint32_t off,
                  uint32_t len)
{
	struct sl_h2_chunk *k = l->tail;

	if (k == NULL || k->n == SL_H2_CHUNK_SLICES) {
		k = h->free_chunks;
		if (k == NULL)
			return false;
		h->free_chunks = k->next;
		h->free_n--;
		k->next = NULL;
		k->n = 0;
		if (l->tail != NULL)
			l->tail->next = k;
		else
			l->head = k;
		l->tail = k;
	}
	k->s[k->n].m = m;
	k->s[k->n].off = off;
	k->s[k->n].len = len;
	k->n++;
	l->n++;
	l->bytes += len;
	return true;
}

void
sl_h2_slices_release(struct sl_h2_core *h, struct sl_h2_slices *l)
{
	struct sl_h2_chunk *k = l->head, *next;
	uint32_t i;

	for (; k != NULL; k = next) {
		next = k->next;
		for (i = (k == l->head ? l->first : 0); i < k->n; i++)
			rte_pktmbuf_free(k->s[i].m);
		k->next = h->free_chunks;
		h->free_chunks = k;
		h->free_n++;
	}
	memset(l, 0, sizeof(*l));
}

/* ------------------------------------------------------------------ */
/* Defences                                                            */

/* Take a token: rate per second, burst twice that. False when the bucket is empty. */
static bool
bucket_take(struct sl_h2_core *h, struct sl_h2_bucket *b, uint32_t rate)
{
	uint64_t now = *h->now, add;
	uint32_t burst = rate * 2;

	if (b->last_tsc == 0) {
		b->last_tsc = now;
		b->tokens = burst;
	}
	add = (now - b->last_tsc) * rate / h->hz;
	if (add != 0) {
		if (add >= burst || b->tokens + add > burst)
			b->tokens = burst;
		else
			b->tokens += (uint32_t)add;
		b->last_tsc = now;
	}
	if (b->tokens == 0)
		return false;
	b->tokens--;
	return true;
}

/* A defence tripped: remember which (counted once) and fail the callback. */
static int
calm(struct sl_h2_conn *c, enum sl_ctr why)
{
	if (c->calm == 0) {
		c->calm = (uint32_t)why;
		c->core->ctr[why]++;
	}
	return NGHTTP2_ERR_CALLBACK_FAILURE;
}

/* ------------------------------------------------------------------ */
/* nghttp2 callbacks                                                   */

static int
on_begin_frame(nghttp2_session *s, const nghttp2_frame_hd *hd, void *ud)
{
	struct sl_h2_conn *c = ud;
	const struct sl_grpc_conf *cf = c->core->conf;

	(void)s;
	switch (hd->type) {
	case NGHTTP2_HEADERS:
		c->cont = 0;
		c->hdr_bytes = 0;
		break;
	case NGHTTP2_CONTINUATION:
		/* nghttp2 does not call us for CONTINUATION: its own limit (set to ours) counts. */
		if (++c->cont > cf->max_continuations)
			return calm(c, SL_CTR_GRPC_CONT_FLOOD);
		break;
	case NGHTTP2_PING:
		if (!(hd->flags & NGHTTP2_FLAG_ACK) &&
		    !bucket_take(c->core, &c->ping, cf->max_pings_per_s))
			return calm(c, SL_CTR_GRPC_PING_FLOOD);
		break;
	case NGHTTP2_SETTINGS:
		if (!(hd->flags & NGHTTP2_FLAG_ACK) &&
		    !bucket_take(c->core, &c->settings, cf->max_settings_per_s))
			return calm(c, SL_CTR_GRPC_SETTINGS_FLOOD);
		break;
	case NGHTTP2_RST_STREAM:
		c->core->ctr[SL_CTR_GRPC_RST_RECV]++;
		if (!bucket_take(c->core, &c->rst, cf->max_resets_per_s))
			return calm(c, SL_CTR_GRPC_RAPID_RESET);
		break;
	default:
		break;
	}
	return 0;
}

static int
on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sl_h2_conn *c = ud;
	struct sl_h2_core *h = c->core;
	void *st;

	c->hdr_bytes = 0;
	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	st = c->goaway ? NULL : h->app->begin(h->app_arg, c, f->hd.stream_id);
	if (st == NULL) {
		/* No slot (or shutting down): refuse; the client may retry it elsewhere. */
		nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, f->hd.stream_id,
		                          NGHTTP2_REFUSED_STREAM);
		return 0;
	}
	nghttp2_session_set_stream_user_data(s, f->hd.stream_id, st);
	c->open_streams++;
	return 0;
}

static int
on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nlen,
          const uint8_t *value, size_t vlen, uint8_t flags, void *ud)
{
	struct sl_h2_conn *c = ud;
	struct sl_h2_core *h = c->core;
	void *st;

	(void)flags;
	/* RFC 9113 6.5.2: name + value + 32 per field; counted decoded, so HPACK bombs trip. */
	c->hdr_bytes += (uint32_t)(nlen + vlen + 32);
	if (c->hdr_bytes > h->conf->max_header_list_size)
		return calm(c, SL_CTR_GRPC_HPACK_BOMB);
	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0; /* trailers from a client: nothing gRPC needs */
	st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (st != NULL && h->app->header(h->app_arg, st, name, nlen, value, vlen) != 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return 0;
}

static int
on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sl_h2_conn *c = ud;
	struct sl_h2_core *h = c->core;
	void *st;

	if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA)
		return 0;
	st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (st == NULL)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
		h->app->headers(h->app_arg, st);
	/* The app may have answered and closed it meanwhile: look again. */
	if ((f->hd.flags & NGHTTP2_FLAG_END_STREAM) &&
	    nghttp2_session_get_stream_user_data(s, f->hd.stream_id) == st)
		h->app->end(h->app_arg, st);
	return 0;
}

static int
on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
              void *ud)
{
	struct sl_h2_conn *c = ud;
	struct sl_h2_core *h = c->core;
	void *st = nghttp2_session_get_stream_user_data(s, id);

	(void)flags;
	if (st == NULL) {
		/* A refused or answered stream: its bytes are dropped, the windows reopen. */
		nghttp2_session_consume(s, id, len);
		return 0;
	}
	/* nghttp2 hands DATA payload as pointers into our input: no copy (DESIGN rule 4). */
	if (c->cur_m == NULL || data < c->cur_base || data + len > c->cur_base + c->cur_len) {
		h->ctr[SL_CTR_GRPC_PROTO_ERRORS]++;
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	h->app->data(h->app_arg, st, c->cur_m, c->cur_off + (uint32_t)(data - c->cur_base),
	             (uint32_t)len);
	return 0;
}

static int
on_stream_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
	struct sl_h2_conn *c = ud;
	struct sl_h2_core *h = c->core;
	void *st = nghttp2_session_get_stream_user_data(s, id);

	if (st == NULL)
		return 0;
	nghttp2_session_set_stream_user_data(s, id, NULL);
	if (c->open_streams != 0)
		c->open_streams--;
	if (h->app->close(h->app_arg, st, code) && c->answered_open != 0) {
		c->answered_open--;
		c->last_tx_tsc = *h->now; /* an answer got out: progress */
	}
	return 0;
}

static int
on_frame_send(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sl_h2_conn *c = ud;
	struct sl_h2_core *h = c->core;

	(void)s;
	if (f->hd.type == NGHTTP2_GOAWAY) {
		h->ctr[SL_CTR_GRPC_GOAWAY_SENT]++;
		/* A protocol error nghttp2 found and answered itself (ours are counted already). */
		if (f->goaway.error_code != NGHTTP2_NO_ERROR &&
		    f->goaway.error_code != NGHTTP2_INTERNAL_ERROR && c->calm == 0)
			h->ctr[SL_CTR_GRPC_PROTO_ERRORS]++;
	} else if (f->hd.type == NGHTTP2_RST_STREAM &&
	           f->rst_stream.error_code == NGHTTP2_REFUSED_STREAM) {
		h->ctr[SL_CTR_GRPC_REFUSED]++;
		if (++c->refused > h->conf->max_refused_streams)
			(void)calm(c, SL_CTR_GRPC_STREAM_FLOOD);
	}
	return 0;
}

/* nghttp2 found a frame invalid; the one that matters here: a stream past the acked limit. */
static int
on_invalid_frame(nghttp2_session *s, const nghttp2_frame *f, int err, void *ud)
{
	struct sl_h2_conn *c = ud;

	(void)s;
	if (f->hd.type == NGHTTP2_HEADERS && err == NGHTTP2_ERR_PROTO &&
	    c->open_streams >= c->core->conf->max_concurrent_streams)
		(void)calm(c, SL_CTR_GRPC_STREAM_FLOOD);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connection                                                          */

static void
conn_close(struct sl_h2_conn *c, bool abort)
{
	if (c->t == NULL || c->closing)
		return;
	c->closing = 1;
	if (abort)
		c->io->abort(c->t);
	else
		c->io->close(c->t);
}

/* A defence tripped or nghttp2 failed: GOAWAY with the reason, send it, close. */
static void
conn_fail(struct sl_h2_conn *c, int rv)
{
	uint32_t code = NGHTTP2_PROTOCOL_ERROR;

	if (rv == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS)
		(void)calm(c, SL_CTR_GRPC_CONT_FLOOD); /* nghttp2 counted (see on_begin_frame) */
	if (c->calm != 0)
		code = NGHTTP2_ENHANCE_YOUR_CALM;
	else if (rv == NGHTTP2_ERR_NOMEM)
		code = NGHTTP2_INTERNAL_ERROR;
	else if (rv == NGHTTP2_ERR_FLOODED)
		code = NGHTTP2_ENHANCE_YOUR_CALM;
	if (!c->goaway || c->calm != 0) {
		c->goaway = 1;
		nghttp2_session_terminate_session(c->s, code);
	}
	sl_h2_flush(c);
	conn_close(c, false);
}

void
sl_h2_flush(struct sl_h2_conn *c)
{
	struct sl_h2_core *h = c->core;

	while (c->t != NULL && !c->closing) {
		const uint8_t *p;
		ssize_t n;

		if (c->io->space(c->t) < SEND_RESERVE)
			break; /* the writable callback resumes */
		n = nghttp2_session_mem_send(c->s, &p);
		if (n < 0) {
			if (c->calm == 0)
				h->ctr[SL_CTR_GRPC_PROTO_ERRORS]++;
			conn_close(c, true);
			return;
		}
		if (n == 0)
			break;
		if (c->io->send(c->t, p, (uint32_t)n) != (int)n) {
			conn_close(c, true); /* cannot happen below SEND_RESERVE: never send half */
			return;
		}
		c->last_tx_tsc = *h->now;
	}
	if (c->t == NULL || c->closing)
		return;
	if (c->calm != 0 && !c->goaway) {
		conn_fail(c, 0);
		return;
	}
	if (!nghttp2_session_want_read(c->s) && !nghttp2_session_want_write(c->s))
		conn_close(c, false);
	else if (c->peer_fin && c->open_streams == 0 && !nghttp2_session_want_write(c->s))
		conn_close(c, false);
}

static void
watch_arm(struct sl_h2_conn *c)
{
	const struct sl_grpc_conf *cf = c->core->conf;
	uint32_t ms = RTE_MIN(cf->idle_timeout_ms, cf->stall_timeout_ms) / 4;

	if (ms > WATCH_MS_MAX)
		ms = WATCH_MS_MAX;
	if (ms < 10u)
		ms = 10u;
	sl_timer_arm(c->core->wheel, &c->timer, *c->core->now + ms * (c->core->hz / 1000u));
}

static void
on_watch(struct sl_timer *t, void *arg)
{
	struct sl_h2_conn *c = arg;
	struct sl_h2_core *h = c->core;
	uint64_t now = *h->now, ms = h->hz / 1000u;

	(void)t;
	if (c->t == NULL || c->closing)
		return;
	if (c->answered_open != 0 || nghttp2_session_want_write(c->s)) {
		if (now - c->last_tx_tsc > (uint64_t)h->conf->stall_timeout_ms * ms) {
			/* Answers cannot leave: a zero window never reopened, or nobody reads. */
			h->ctr[SL_CTR_GRPC_STALL_TIMEOUTS]++;
			conn_close(c, true);
			return;
		}
	} else if (now - c->last_rx_tsc > (uint64_t)h->conf->idle_timeout_ms * ms) {
		h->ctr[SL_CTR_GRPC_IDLE_TIMEOUTS]++;
		if (!c->goaway) {
			c->goaway = 1;
			nghttp2_submit_goaway(c->s, NGHTTP2_FLAG_NONE,
			                      nghttp2_session_get_last_proc_stream_id(c->s),
			                      NGHTTP2_NO_ERROR, NULL, 0);
		}
		sl_h2_flush(c);
		conn_close(c, false);
		return;
	}
	watch_arm(c);
}

struct sl_h2_conn *
sl_h2_accept(struct sl_h2_core *h, uint32_t idx, void *t, const struct sl_h2_io *io)
{
	struct sl_h2_conn *c = &h->conns[idx];
	const struct sl_grpc_conf *cf = h->conf;
	nghttp2_mem mem = {
	    .mem_user_data = c,
	    .malloc = nh_malloc,
	    .free = nh_free,
	    .calloc = nh_calloc,
	    .realloc = nh_realloc,
	};
	nghttp2_settings_entry iv[] = {
	    {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, cf->max_concurrent_streams},
	    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, cf->initial_window},
	    {NGHTTP2_SETTINGS_MAX_FRAME_SIZE, cf->max_frame_size},
	    {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, cf->max_header_list_size},
	    {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
	};
	uint32_t gen = c->gen + 1;

	memset(c, 0, sizeof(*c));
	c->core = h;
	c->idx = idx;
	c->gen = gen;
	c->io = io;
	c->last_rx_tsc = c->last_tx_tsc = *h->now;
	if (nghttp2_session_server_new3(&c->s, h->cbs, c, h->opt, &mem) != 0) {
		c->s = NULL;
		errno = ENOMEM;
		return NULL;
	}
	if (nghttp2_submit_settings(c->s, NGHTTP2_FLAG_NONE, iv, RTE_DIM(iv)) != 0 ||
	    nghttp2_session_set_local_window_size(c->s, NGHTTP2_FLAG_NONE, 0,
	                                          (int32_t)cf->conn_window) != 0) {
		nghttp2_session_del(c->s);
		c->s = NULL;
		errno = ENOMEM;
		return NULL;
	}
	c->t = t;
	h->ctr[SL_CTR_GRPC_CONNS]++;
	sl_timer_init(&c->timer, on_watch, c);
	watch_arm(c);
	return c;
}

/* Feed one slice to nghttp2. False when the connection ended. */
static bool
feed(struct sl_h2_conn *c, struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	ssize_t rv;

	c->cur_m = m;
	c->cur_base = p;
	c->cur_off = off;
	c->cur_len = len;
	c->in_recv = 1;
	rv = nghttp2_session_mem_recv(c->s, p, len);
	c->in_recv = 0;
	c->cur_m = NULL;
	c->last_rx_tsc = *c->core->now;
	if (rv < 0 || c->calm != 0) {
		conn_fail(c, (int)rv);
		return false;
	}
	sl_h2_flush(c);
	return c->t != NULL && !c->closing;
}

static void
resume_later(struct sl_h2_core *h, struct sl_h2_conn *c)
{
	if (c->listed)
		return;
	c->listed = 1;
	h->resume[h->n_resume++] = c->idx;
}

void
sl_h2_input(struct sl_h2_conn *c, struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	struct sl_h2_core *h = c->core;
	void *t = c->t;

	if (c->closing || t == NULL) {
		rte_pktmbuf_free(m);
		return;
	}
	if (c->held.head != NULL || h->hold_input(h->app_arg)) {
		/* Parsing waits; the reference is kept, the TCP window closes by what we hold. */
		if (!sl_h2_slices_push(h, &c->held, m, off, len)) {
			rte_pktmbuf_free(m);
			h->ctr[SL_CTR_GRPC_BUF_OVERFLOW]++;
			conn_close(c, true);
			return;
		}
		resume_later(h, c);
		return;
	}
	feed(c, m, off, len);
	rte_pktmbuf_free(m); /* DATA the app keeps holds its own references */
	if (c->t != NULL)
		c->io->consumed(c->t, len, 1);
}

void
sl_h2_poll(struct sl_h2_core *h)
{
	uint32_t i, n = h->n_resume, keep = 0;

	if (n == 0 || h->hold_input(h->app_arg))
		return;
	for (i = 0; i < n; i++) {
		struct sl_h2_conn *c = &h->conns[h->resume[i]];

		c->listed = 0;
		while (c->t != NULL && c->held.head != NULL && !h->hold_input(h->app_arg)) {
			struct sl_h2_chunk *k = c->held.head;
			struct sl_slice s = k->s[c->held.first];

			if (++c->held.first == k->n) {
				c->held.head = k->next;
				if (c->held.head == NULL)
					c->held.tail = NULL;
				c->held.first = 0;
				k->next = h->free_chunks;
				h->free_chunks = k;
				h->free_n++;
			}
			c->held.n--;
			c->held.bytes -= s.len;
			if (c->closing) {
				rte_pktmbuf_free(s.m);
				continue;
			}
			feed(c, s.m, s.off, s.len);
			rte_pktmbuf_free(s.m);
			if (c->t != NULL)
				c->io->consumed(c->t, s.len, 1);
		}
		if (c->t != NULL && c->held.head != NULL && !c->listed) {
			c->listed = 1;
			h->resume[keep++] = h->resume[i];
		} else if (c->t != NULL && c->held.head == NULL && c->peer_fin) {
			sl_h2_flush(c);
		}
	}
	for (i = n; i < h->n_resume; i++)
		h->resume[keep++] = h->resume[i];
	h->n_resume = keep;
}

void
sl_h2_peer_fin(struct sl_h2_conn *c)
{
	c->peer_fin = 1;
	if (c->held.head == NULL)
		sl_h2_flush(c);
}

void
sl_h2_writable(struct sl_h2_conn *c)
{
	if (c->t != NULL)
		sl_h2_flush(c);
}

void
sl_h2_closed(struct sl_h2_conn *c)
{
	struct sl_h2_core *h = c->core;

	if (h == NULL || c->s == NULL)
		return;
	sl_timer_cancel(h->wheel, &c->timer);
	h->app->conn_closed(h->app_arg, c);
	sl_h2_slices_release(h, &c->held);
	nghttp2_session_del(c->s);
	c->s = NULL;
	c->t = NULL;
	c->gen++;
}

/* ------------------------------------------------------------------ */
/* Answers                                                             */

static void
to_nv(const struct sl_h2_hdr *hd, unsigned n, nghttp2_nv *nv)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		nv[i].name = (uint8_t *)(uintptr_t)hd[i].name;
		nv[i].value = (uint8_t *)(uintptr_t)hd[i].value;
		nv[i].namelen = hd[i].nlen;
		nv[i].valuelen = hd[i].vlen;
		nv[i].flags = NGHTTP2_NV_FLAG_NONE; /* copied by nghttp2 */
	}
}

/* Bodies are tiny static answers: sent whole in one frame, then the static trailers. */
static ssize_t
read_body(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
          nghttp2_data_source *src, void *ud)
{
	const struct sl_h2_body *b = src->ptr;
	nghttp2_nv nv[4];

	(void)ud;
	if (len < b->len || b->n_trailers > RTE_DIM(nv))
		return NGHTTP2_ERR_CALLBACK_FAILURE; /* frames hold 16 KiB: a bug of ours */
	memcpy(buf, b->data, b->len);
	*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
	to_nv(b->trailers, b->n_trailers, nv);
	if (nghttp2_submit_trailer(s, id, nv, b->n_trailers) != 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return (ssize_t)b->len;
}

int
sl_h2_respond(struct sl_h2_conn *c, int32_t id, const struct sl_h2_hdr *hdrs, unsigned n,
              const struct sl_h2_body *body)
{
	nghttp2_nv nv[8];
	nghttp2_data_provider dp;
	int rc;

	if (c->t == NULL || c->s == NULL || n > RTE_DIM(nv))
		return -ENOTCONN;
	to_nv(hdrs, n, nv);
	if (body != NULL) {
		dp.source.ptr = (void *)(uintptr_t)body;
		dp.read_callback = read_body;
		rc = nghttp2_submit_response(c->s, id, nv, n, &dp);
	} else {
		rc = nghttp2_submit_response(c->s, id, nv, n, NULL);
	}
	if (rc != 0)
		return -ENOMEM;
	if (c->answered_open++ == 0)
		c->last_tx_tsc = *c->core->now;
	return 0;
}

int
sl_h2_reset(struct sl_h2_conn *c, int32_t id, uint32_t err)
{
	if (c->t == NULL || c->s == NULL)
		return -ENOTCONN;
	return nghttp2_submit_rst_stream(c->s, NGHTTP2_FLAG_NONE, id, err) == 0 ? 0 : -EINVAL;
}

void
sl_h2_consume(struct sl_h2_conn *c, int32_t id, uint32_t len)
{
	if (c->s != NULL && len != 0)
		nghttp2_session_consume(c->s, id, len);
}

void
sl_h2_shutdown(struct sl_h2_core *h)
{
	uint32_t i;

	for (i = 0; h->conns != NULL && i < h->max_conns; i++) {
		struct sl_h2_conn *c = &h->conns[i];

		if (c->t == NULL || c->closing || c->goaway)
			continue;
		c->goaway = 1;
		nghttp2_submit_goaway(c->s, NGHTTP2_FLAG_NONE,
		                      nghttp2_session_get_last_proc_stream_id(c->s),
		                      NGHTTP2_NO_ERROR, NULL, 0);
		sl_h2_flush(c);
	}
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

int
sl_h2_core_init(struct sl_h2_core *h, const struct sl_grpc_conf *conf, uint64_t *ctr,
                struct sl_timer_wheel *wheel, const uint64_t *now, uint32_t max_conns,
                uint32_t n_chunks, const struct sl_h2_app_ops *app, void *app_arg,
                bool (*hold_input)(void *arg))
{
	nghttp2_session_callbacks *cb = NULL;
	nghttp2_option *opt = NULL;
	void *mem;
	uint32_t i;

	memset(h, 0, sizeof(*h));
	h->conf = conf;
	h->ctr = ctr;
	h->wheel = wheel;
	h->now = now;
	h->hz = rte_get_tsc_hz();
	h->max_conns = max_conns;
	h->app = app;
	h->app_arg = app_arg;
	h->hold_input = hold_input;
	h->n_chunks = n_chunks;
	/* Slow path, at start: the arena and slots come from the heap once. */
	mem = malloc(conf->arena_bytes);
	h->conns = calloc(max_conns, sizeof(*h->conns));
	h->resume = calloc(max_conns, sizeof(*h->resume));
	h->chunks = calloc(n_chunks, sizeof(*h->chunks));
	if (mem == NULL || h->conns == NULL || h->resume == NULL || h->chunks == NULL ||
	    nghttp2_session_callbacks_new(&cb) != 0 || nghttp2_option_new(&opt) != 0) {
		free(mem);
		h->cbs = cb;
		h->opt = opt;
		sl_h2_core_fini(h);
		return -ENOMEM;
	}
	sl_h2_arena_init(&h->arena, mem, conf->arena_bytes);
	for (i = 0; i < n_chunks; i++) {
		h->chunks[i].next = h->free_chunks;
		h->free_chunks = &h->chunks[i];
	}
	h->free_n = n_chunks;
	nghttp2_session_callbacks_set_on_begin_frame_callback(cb, on_begin_frame);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cb, on_invalid_frame);
	/* WINDOW_UPDATE only as the app consumes: flow control is our backpressure. */
	nghttp2_option_set_no_auto_window_update(opt, 1);
	nghttp2_option_set_no_closed_streams(opt, 1);
	nghttp2_option_set_max_outbound_ack(opt, 2u * conf->max_pings_per_s + 16u);
	nghttp2_option_set_max_settings(opt, 16);
	nghttp2_option_set_max_deflate_dynamic_table_size(opt, 4096);
	/* nghttp2's own limiters sit above ours, as a backstop: ours count and say why. */
	nghttp2_option_set_stream_reset_rate_limit(opt, 4u * conf->max_resets_per_s,
	                                           2u * conf->max_resets_per_s);
	nghttp2_option_set_max_continuations(opt, conf->max_continuations);
	h->cbs = cb;
	h->opt = opt;
	return 0;
}

void
sl_h2_core_fini(struct sl_h2_core *h)
{
	if (h == NULL)
		return;
	if (h->cbs != NULL)
		nghttp2_session_callbacks_del(h->cbs);
	if (h->opt != NULL)
		nghttp2_option_del(h->opt);
	free(h->arena.base);
	free(h->conns);
	free(h->resume);
	free(h->chunks);
	memset(h, 0, sizeof(*h));
}
