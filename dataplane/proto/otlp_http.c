/* SPDX-License-Identifier: BSD-3-Clause */
/* The OTLP/HTTP server: HTTP/1.1 on the poll cores' TCP, OTLP bodies validated in place. */

/*
 * Design
 * ------
 * A TCP app (sl_tcp_app_ops) per poll core. Each TCP slice goes through the
 * connection's HTTP/1.1 parser (dataplane/proto/http1.c):
 *
 *   slice --> parser --HEAD--> route by method/path/type/encoding; 100 Continue
 *                    --BODY--> (mbuf, off, len) appended to the request's chunk list,
 *                              one extra mbuf reference each: no byte is copied
 *                    --DONE--> body as fragments -> [decompress] -> [JSON -> protobuf]
 *                              -> walker validates, counts items, records Resource ranges
 *                              -> pipeline: entries join the open batch (pipeline/batch.c)
 *                              -> Export*ServiceResponse now (received), or once the
 *                                 batch is synced (persisted), or google.rpc.Status
 *                                 (4xx, 503 + Retry-After under backpressure)
 *                    --ERROR-> status from the parser, Connection: close
 *
 * The app reports every slice consumed to TCP as soon as the parser has
 * passed over it: the window tracks what the parser has not seen, while body
 * memory is bounded separately by the per-core chunk pool (http.body_chunks)
 * and the body limit. A request that finds the pool empty is answered 503
 * with Retry-After, so a flood of large bodies is refused, never buffered
 * without bound.
 *
 * Compressed and JSON bodies are the copying paths (DESIGN rule 4):
 * decompression writes into one per-core buffer, and a JSON body is
 * transcoded into another. Both are sized max_body_bytes at start.
 *
 * Responses are written with sl_tcp_send (copied into the send queue);
 * requests are answered in order as they complete, so pipelining needs no
 * queue of its own. A persisted request's answer waits for its batch's
 * group commit; meanwhile the connection's further input is held unparsed
 * (one reference per slice, not reported consumed to TCP), so its window
 * closes instead of requests piling up, and answers stay in order. The
 * same holding stops every connection while the pipeline is at its bound
 * of bytes in flight (DESIGN rule 6); sl_http_poll resumes them.
 *
 * Rejected: buffering bodies in per-connection byte arrays (a copy, and
 * max_body x connections of memory); answering before the body is read
 * (clients that ignore early responses would desynchronise framing, except
 * with Expect: 100-continue, where we do answer early and close).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "classify.h"
#include "core.h"
#include "net/tcp.h"
#include "pipeline/batch.h"
#include "proto/decompress.h"
#include "proto/http1.h"
#include "proto/otlp_http.h"
#include "proto/otlp_json.h"
#include "proto/otlp_walk.h"
#include "timer.h"

/* Seconds a client is asked to wait (Retry-After) when we are under pressure. */
#define RETRY_AFTER_S 1

/* google.rpc.Code values used in Status bodies. */
#define RPC_INVALID_ARGUMENT   3
#define RPC_NOT_FOUND          5
#define RPC_RESOURCE_EXHAUSTED 8
#define RPC_UNIMPLEMENTED      12
#define RPC_UNAVAILABLE        14
#define RPC_DEADLINE_EXCEEDED  4

/* Captured request headers (sl_http1_config_capture order). */
#define CAP_AUTH   0 /* Authorization: a bearer token names a tenant */
#define CAP_TENANT 1 /* the tables' tenant header, renamed in place when it changes */

static inline uint64_t *
ctr(struct sl_http_core *hc)
{
	return hc->tc->core->ctr;
}

static struct sl_http_conn *
conn_of(struct sl_http_core *hc, const struct sl_tcp_conn *c)
{
	return &hc->conns[c->idx];
}

static void
count_status(struct sl_http_core *hc, int status)
{
	static const struct {
		int code;
		enum sl_ctr ctr;
	} map[] = {
	    {200, SL_CTR_HTTP_200}, {400, SL_CTR_HTTP_400}, {404, SL_CTR_HTTP_404},
	    {405, SL_CTR_HTTP_405}, {408, SL_CTR_HTTP_408}, {413, SL_CTR_HTTP_413},
	    {414, SL_CTR_HTTP_414}, {415, SL_CTR_HTTP_415}, {429, SL_CTR_HTTP_429},
	    {431, SL_CTR_HTTP_431}, {500, SL_CTR_HTTP_500}, {501, SL_CTR_HTTP_501},
	    {503, SL_CTR_HTTP_503}, {505, SL_CTR_HTTP_505},
	};
	unsigned i;

	for (i = 0; i < RTE_DIM(map); i++)
		if (map[i].code == status) {
			ctr(hc)[map[i].ctr]++;
			return;
		}
}

/* ------------------------------------------------------------------ */
/* Body slices                                                         */

static void
body_release(struct sl_http_core *hc, struct sl_http_conn *h)
{
	struct sl_http_chunk *k = h->head, *next;
	uint32_t i;

	while (k != NULL) {
		next = k->next;
		for (i = 0; i < k->n; i++)
			rte_pktmbuf_free(k->s[i].m);
		k->next = hc->free_chunks;
		hc->free_chunks = k;
		hc->free_n++;
		k = next;
	}
	h->head = h->tail = NULL;
	h->n_slices = 0;
	h->body_bytes = 0;
}

/* Append (m, off, len) to the chunk list head..tail. False when the chunk pool is empty. */
static bool
chunk_push(struct sl_http_core *hc, struct sl_http_chunk **head, struct sl_http_chunk **tail,
           struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	struct sl_http_chunk *k = *tail;

	if (k == NULL || k->n == SL_HTTP_CHUNK_SLICES) {
		k = hc->free_chunks;
		if (k == NULL)
			return false;
		hc->free_chunks = k->next;
		hc->free_n--;
		k->next = NULL;
		k->n = 0;
		if (*tail != NULL)
			(*tail)->next = k;
		else
			*head = k;
		*tail = k;
	}
	k->s[k->n].m = m;
	k->s[k->n].off = off;
	k->s[k->n].len = len;
	k->n++;
	return true;
}

/* Keep (m, off, len) as body: one more reference on m. False when the pool is empty. */
static bool
body_append(struct sl_http_core *hc, struct sl_http_conn *h, struct rte_mbuf *m, uint32_t off,
            uint32_t len)
{
	if (!chunk_push(hc, &h->head, &h->tail, m, off, len))
		return false;
	rte_mbuf_refcnt_update(m, 1);
	h->n_slices++;
	h->body_bytes += len;
	return true;
}

/* Keep a received slice (and its reference) to parse later. False when the pool is empty. */
static bool
held_push(struct sl_http_core *hc, struct sl_http_conn *h, struct rte_mbuf *m, uint32_t off,
          uint32_t len)
{
	return chunk_push(hc, &h->held_head, &h->held_tail, m, off, len);
}

static void
held_release(struct sl_http_core *hc, struct sl_http_conn *h)
{
	struct sl_http_chunk *k = h->held_head, *next;
	uint32_t i;

	for (; k != NULL; k = next) {
		next = k->next;
		for (i = (k == h->held_head ? h->held_first : 0); i < k->n; i++)
			rte_pktmbuf_free(k->s[i].m);
		k->next = hc->free_chunks;
		hc->free_chunks = k;
		hc->free_n++;
	}
	h->held_head = h->held_tail = NULL;
	h->held_first = 0;
}

/* Put h on the list sl_http_poll walks. */
static void
resume_later(struct sl_http_core *hc, struct sl_http_conn *h)
{
	if (h->listed)
		return;
	h->listed = 1;
	hc->resume[hc->n_resume++] = (uint32_t)(h - hc->conns);
}

/* ------------------------------------------------------------------ */
/* Responses                                                           */

static bool
wants_json(const struct sl_http_conn *h)
{
	return h->json != 0;
}

/* google.rpc.Status as protobuf (code = 1, message = 2) or OTLP/JSON. */
static size_t
status_body(bool json, int code, const char *msg, char *out, size_t cap)
{
	size_t n = strlen(msg), i, o = 0;

	if (json) {
		o = (size_t)snprintf(out, cap, "{\"code\":%d,\"message\":\"", code);
		for (i = 0; i < n && o + 8 < cap; i++) {
			unsigned char ch = (unsigned char)msg[i];

			if (ch == '"' || ch == '\\') {
				out[o++] = '\\';
				out[o++] = (char)ch;
			} else if (ch < 0x20 || ch >= 0x7f) {
				o += (size_t)snprintf(out + o, cap - o, "\\u%04x", ch);
			} else {
				out[o++] = (char)ch;
			}
		}
		if (o + 3 > cap)
			o = cap - 3;
		out[o++] = '"';
		out[o++] = '}';
		return o;
	}
	if (n > cap - 8)
		n = cap - 8;
	out[o++] = 0x08;
	out[o++] = (char)code;
	out[o++] = 0x12;
	if (n < 128) {
		out[o++] = (char)n;
	} else {
		out[o++] = (char)(0x80 | (n & 0x7f));
		out[o++] = (char)(n >> 7);
	}
	memcpy(out + o, msg, n);
	return o + n;
}

/*
 * Send a full response. keep=false adds Connection: close and closes after it.
 * Returns false if the connection is gone.
 */
static void
respond(struct sl_http_core *hc, struct sl_http_conn *h, int status, bool keep, const char *extra,
        const char *body, size_t body_len, const char *ctype)
{
	char buf[1024];
	int n;
	enum sl_http1_conn mode = keep ? h->p.req.keep_alive : SL_HTTP1_CONN_CLOSE;

	if (mode == SL_HTTP1_CONN_CLOSE)
		keep = false;
	n = sl_http1_write_response(buf, sizeof(buf) - body_len, status, ctype, extra, body_len,
	                            mode);
	if (n < 0)
		return;
	memcpy(buf + n, body, body_len);
	count_status(hc, status);
	sl_core_hist_since(&hc->tc->core->ext.hist[SL_STATS_HIST_REQUEST], &h->t_done);
	if (sl_tcp_send(h->c, buf, (uint32_t)(n + (int)body_len)) < n + (int)body_len)
		keep = false; /* send buffer full: the response is cut, so is the connection */
	if (!keep) {
		h->closing = 1;
		sl_tcp_close(h->c);
	}
}

static void
respond_error(struct sl_http_core *hc, struct sl_http_conn *h, int status, int rpc_code, bool keep,
              const char *extra, const char *msg)
{
	char body[512];
	size_t n = status_body(wants_json(h), rpc_code, msg, body, sizeof(body));

	respond(hc, h, status, keep, extra, body, n,
	        wants_json(h) ? "application/json" : "application/x-protobuf");
}

/* ------------------------------------------------------------------ */
/* Request handling                                                    */

static void
timer_arm(struct sl_http_core *hc, struct sl_http_conn *h, uint32_t ms)
{
	sl_timer_arm(&hc->tc->wheel, &h->timer,
	             hc->tc->core->now + (uint64_t)ms * (rte_get_tsc_hz() / 1000u));
}

static void
request_reset(struct sl_http_core *hc, struct sl_http_conn *h)
{
	body_release(hc, h);
	if (!h->delayed)
		sl_timer_cancel(&hc->tc->wheel, &h->timer);
	h->reject = 0;
	h->json = 0;
	h->codec = SL_DECOMP_IDENTITY;
	h->in_req = 0;
	h->overflow = 0;
}

static bool
media_is(const struct sl_http1_parser *p, const struct sl_http1_str *s, const char *t)
{
	return sl_http1_media_type_is(p, s, t) == 1;
}

/* The head is in: decide the signal, encoding and whether we take the body. */
static void
on_head(struct sl_http_core *hc, struct sl_http_conn *h)
{
	const struct sl_http1_parser *p = &h->p;
	const struct sl_http1_req *r = &p->req;
	const char *path = sl_http1_str_ptr(p, &r->path);
	const char *paths[SL_SIGNAL_MAX] = {hc->conf->path_traces, hc->conf->path_metrics,
	                                    hc->conf->path_logs};
	int sig = -1, codec = SL_DECOMP_IDENTITY;
	unsigned i;

	ctr(hc)[SL_CTR_HTTP_REQUESTS]++;
	timer_arm(hc, h, hc->conf->body_timeout_ms);
	for (i = 0; i < SL_SIGNAL_MAX; i++)
		if (r->path.present && !r->path_truncated && strlen(paths[i]) == r->path.len &&
		    memcmp(paths[i], path, r->path.len) == 0)
			sig = (int)i;
	h->json = r->content_type.present && media_is(p, &r->content_type, "application/json");
	if (sig < 0) {
		h->reject = 404;
	} else if (r->method != SL_HTTP1_M_POST) {
		h->reject = 405;
	} else if (!h->json && !(r->content_type.present &&
	                         media_is(p, &r->content_type, "application/x-protobuf"))) {
		h->reject = 415;
	} else {
		if (r->content_encoding.present && r->content_encoding.len != 0) {
			codec = sl_decomp_codec_parse(sl_http1_str_ptr(p, &r->content_encoding),
			                              r->content_encoding.len);
			if (codec < 0)
				h->reject = 415;
		}
		if (h->reject == 0 && hc->pressure) {
			h->reject = 503;
		} else if (h->reject == 0 && hc->pipe != NULL && sl_pipe_soft_pressure(hc->pipe)) {
			h->reject = 503;
			ctr(hc)[SL_CTR_PIPE_REFUSED_PRESSURE]++;
		}
	}
	h->signal = sig < 0 ? 0 : (uint8_t)sig;
	h->codec = codec < 0 ? SL_DECOMP_IDENTITY : (uint8_t)codec;
	if (h->reject != 0 && r->expect_continue) {
		/* The client waits for our word before sending the body: refuse now, then close. */
		h->closing = 1;
	} else if (r->expect_continue) {
		char buf[64];
		int n = sl_http1_write_response(buf, sizeof(buf), 100, NULL, NULL, 0,
		                                SL_HTTP1_CONN_KEEP);

		if (n > 0) {
			sl_tcp_send(h->c, buf, (uint32_t)n);
			ctr(hc)[SL_CTR_HTTP_CONTINUE]++;
		}
	}
}

static void
answer_reject(struct sl_http_core *hc, struct sl_http_conn *h)
{
	bool keep = !h->closing;
	char msg[160];

	switch (h->reject) {
	case 404:
		respond_error(
		    hc, h, 404, RPC_NOT_FOUND, keep, NULL,
		    "unknown path: OTLP/HTTP paths are /v1/traces, /v1/metrics, /v1/logs");
		break;
	case 405:
		respond_error(hc, h, 405, RPC_INVALID_ARGUMENT, keep, "Allow: POST\r\n",
		              "method not allowed: OTLP exports are POST");
		break;
	case 415:
		snprintf(msg, sizeof(msg),
		         "unsupported media type or encoding: Content-Type must be "
		         "application/x-protobuf or application/json, Content-Encoding gzip, "
		         "deflate, zstd or identity");
		respond_error(hc, h, 415, RPC_INVALID_ARGUMENT, keep, NULL, msg);
		break;
	case 503:
	default:
		respond_error(hc, h, 503, RPC_UNAVAILABLE, keep, "Retry-After: 1\r\n",
		              "the appliance is under pressure: retry later");
		break;
	}
}

/* The answer state of a request is spent: the next request starts clean. */
static void
answer_clear(struct sl_http_conn *h)
{
	h->delay_until = 0;
	h->partial = 0;
	h->partial_set = 0;
	h->delayed = 0;
	h->fault[0] = '\0';
}

/*
 * Answer an accepted request: an empty Export*ServiceResponse, or one with
 * partial_success when a partial fault fired; not before a delay fault's
 * time (the connection's timer answers then, its input held meanwhile).
 */
static void
answer_ok(struct sl_http_core *hc, struct sl_http_conn *h)
{
	uint8_t body[384];
	char msg[SL_TBL_NAME_LEN + 32];
	uint32_t n;

	if (h->delay_until != 0 && rte_rdtsc() < h->delay_until) {
		h->waiting = 1;
		h->delayed = 1;
		h->pend_json = h->json;
		sl_timer_arm(&hc->tc->wheel, &h->timer, h->delay_until);
		return;
	}
	if (h->partial_set) {
		snprintf(msg, sizeof(msg), "fault injection: %s", h->fault);
		n = sl_cls_partial_response((enum sl_signal)h->signal, h->partial, msg, wants_json(h),
		                            body, sizeof(body));
		respond(hc, h, 200, true, NULL, (const char *)body, n,
		        wants_json(h) ? "application/json" : "application/x-protobuf");
	} else if (wants_json(h)) {
		respond(hc, h, 200, true, NULL, "{}", 2, "application/json");
	} else {
		respond(hc, h, 200, true, NULL, "", 0, "application/x-protobuf");
	}
	answer_clear(h);
}

/* A request the tables refuse (error or throttle fault, rate limit), or reset. */
static void
answer_refused(struct sl_http_core *hc, struct sl_http_conn *h, const struct sl_cls_out *co)
{
	char extra[48], msg[SL_TBL_NAME_LEN + 64];

	extra[0] = '\0';
	if (co->retry_after_s != 0)
		snprintf(extra, sizeof(extra), "Retry-After: %u\r\n", co->retry_after_s);
	if (co->verdict == SL_CLS_RESET) {
		h->t_done = 0;
		h->closing = 1;
		sl_tcp_abort(h->c);
		return;
	}
	if (co->fault_name[0] != '\0')
		snprintf(msg, sizeof(msg), "fault injection: %s", co->fault_name);
	else
		snprintf(msg, sizeof(msg), "rate limit exceeded: retry later");
	respond_error(hc, h, (int)co->status, sl_cls_grpc_code(co->status), true,
	              extra[0] != '\0' ? extra : NULL, msg);
}

/* The tenant of the request being answered, from its captured headers. */
static uint32_t
request_tenant(const struct sl_http_core *hc, const struct sl_http_conn *h)
{
	const struct sl_http1_req *r = &h->p.req;
	const struct sl_http1_str *t = &r->capture[CAP_TENANT], *a = &r->capture[CAP_AUTH];

	if (!t->present && !a->present)
		return 0;
	return sl_cls_tenant(hc->cls, t->present ? sl_http1_str_ptr(&h->p, t) : NULL,
	                     t->present ? t->len : 0, a->present ? sl_http1_str_ptr(&h->p, a) : NULL,
	                     a->present ? a->len : 0);
}

/* The whole body is in: decode, validate, count, answer. */
static void
on_done(struct sl_http_core *hc, struct sl_http_conn *h)
{
	const struct sl_iov *iov = hc->iov;
	struct sl_http_chunk *k;
	unsigned n = 0, i;
	size_t plain_len = 0, pb_len = 0;
	char msg[SL_OTLP_ERR_MSG_LEN + 64];
	struct sl_cls_out co;
	int rc;

	co.fault_kind = 0;
	if (h->reject != 0) {
		answer_reject(hc, h);
		return;
	}
	if (h->overflow) {
		ctr(hc)[SL_CTR_HTTP_BODY_OVERFLOW]++;
		respond_error(hc, h, 503, RPC_UNAVAILABLE, true, "Retry-After: 1\r\n",
		              "request bodies exceed this core's buffer: retry later");
		return;
	}
	for (k = h->head; k != NULL; k = k->next)
		for (i = 0; i < k->n; i++) {
			hc->slices[n] = k->s[i];
			hc->iov[n++] = sl_slice_iov(&k->s[i]);
		}

	if (h->codec != SL_DECOMP_IDENTITY) {
		ctr(hc)[h->codec == SL_DECOMP_GZIP      ? SL_CTR_HTTP_GZIP
		        : h->codec == SL_DECOMP_DEFLATE ? SL_CTR_HTTP_DEFLATE
		                                        : SL_CTR_HTTP_ZSTD]++;
		rc = sl_decomp_run(hc->decomp, h->codec, iov, n, hc->buf_plain,
		                   hc->conf->max_body_bytes, &plain_len);
		if (rc == -EFBIG) {
			snprintf(msg, sizeof(msg), "body larger than %u bytes after decompression",
			         hc->conf->max_body_bytes);
			respond_error(hc, h, 413, RPC_INVALID_ARGUMENT, true, NULL, msg);
			return;
		}
		if (rc < 0) {
			snprintf(msg, sizeof(msg), "cannot decompress the body: %s",
			         sl_decomp_reason(hc->decomp));
			ctr(hc)[SL_CTR_OTLP_INVALID]++;
			respond_error(hc, h, 400, RPC_INVALID_ARGUMENT, true, NULL, msg);
			return;
		}
		hc->iov[0].base = hc->buf_plain;
		hc->iov[0].len = (uint32_t)plain_len;
		n = 1;
	}
	if (h->json) {
		struct sl_otlp_json_err jerr;
		const uint8_t *src;
		size_t len;

		ctr(hc)[SL_CTR_HTTP_JSON]++;
		if (n == 1) {
			src = iov[0].base;
			len = iov[0].len;
		} else {
			/* The transcoder wants one buffer: gather (JSON is a copying path anyway).
			 */
			len = 0;
			for (i = 0; i < n; i++) {
				memcpy(hc->buf_plain + len, iov[i].base, iov[i].len);
				len += iov[i].len;
			}
			src = hc->buf_plain;
		}
		rc = sl_otlp_json_to_pb(h->signal, src, len, hc->buf_pb, hc->conf->max_body_bytes,
		                        &pb_len, &jerr);
		if (rc == -E2BIG) {
			respond_error(hc, h, 413, RPC_INVALID_ARGUMENT, true, NULL,
			              "body too large once transcoded from JSON");
			return;
		}
		if (rc < 0) {
			ctr(hc)[SL_CTR_OTLP_INVALID]++;
			snprintf(msg, sizeof(msg), "invalid OTLP/JSON: %s", jerr.msg);
			respond_error(hc, h, 400, RPC_INVALID_ARGUMENT, true, NULL, msg);
			return;
		}
		hc->iov[0].base = hc->buf_pb;
		hc->iov[0].len = (uint32_t)pb_len;
		n = 1;
	}
	hc->res.entries = hc->entries;
	hc->res.max_entries = hc->conf->max_resources;
	h->t_done = hc->tc->core->now;
	rc = sl_otlp_walk(h->signal, hc->iov, n,
	                  hc->cls != NULL ? sl_cls_walk_opts(hc->cls) : &hc->walk_opts, &hc->res);
	if (rc == -E2BIG || rc == -EMSGSIZE) {
		snprintf(msg, sizeof(msg), "request too large: %s",
			 rc == -E2BIG ? "more Resource entries than http.max_resources"
				      : "4 GiB or more");
		respond_error(hc, h, 413, RPC_INVALID_ARGUMENT, true, NULL, msg);
		return;
	}
	if (rc < 0) {
		ctr(hc)[SL_CTR_OTLP_INVALID]++;
		snprintf(msg, sizeof(msg), "invalid %s export request: %s",
		         sl_signal_name(h->signal), hc->res.err_msg);
		respond_error(hc, h, 400, RPC_INVALID_ARGUMENT, true, NULL, msg);
		return;
	}
	sl_otlp_count_request(ctr(hc), h->signal, &hc->res, hc->iov, n);
	if (hc->cls != NULL) {
		struct sl_cls_in ci = {
		    .signal = (enum sl_signal)h->signal,
		    .tenant = request_tenant(hc, h),
		    .raddr_be = h->c->key.raddr,
		    .lport = rte_be_to_cpu_16(h->c->key.lport),
		};

		sl_cls_request(hc->cls, &ci, hc->iov, n, &hc->res, &co);
		if (co.verdict != SL_CLS_ACCEPT) {
			answer_refused(hc, h, &co);
			return;
		}
		memcpy(h->fault, co.fault_name, sizeof(h->fault));
		if (co.fault_kind == SL_TBL_F_PARTIAL) {
			h->partial = co.rejected;
			h->partial_set = 1;
		}
		if (co.fault_kind == SL_TBL_F_DELAY)
			h->delay_until = rte_rdtsc() + co.delay_tsc;
	}
	if (hc->pipe != NULL) {
		struct sl_pipe_req req = {
		    .signal = h->signal,
		    .route_id = 0,
		    .durability = hc->durability,
		    .source = SL_PIPE_SRC_HTTP,
		    .cookie = ((uint64_t)h->gen << 32) | (uint32_t)(h - hc->conns),
		    .entries = hc->res.entries,
		    .n_entries = hc->res.n_entries,
		};

		if (hc->cls != NULL && sl_cls_to_req(&co, &req)) {
			/* Re-encoded (sampling, partial): the classifier's buffer, copied. */
		} else if (iov == hc->iov && n == 1 && (iov[0].base == hc->buf_plain ||
		                                        iov[0].base == hc->buf_pb)) {
			/* Inflated or transcoded bodies sit in a staging buffer the next request reuses. */
			req.flat = iov[0].base;
			req.flat_len = iov[0].len;
		} else {
			req.slices = hc->slices;
			req.n_slices = n;
		}
		rc = sl_pipe_submit(hc->pipe, &req);
		if (rc < 0) {
			answer_clear(h);
			respond_error(hc, h, 503, RPC_UNAVAILABLE, true, "Retry-After: 1\r\n",
			              "the appliance is under pressure: retry later");
			return;
		}
		if (rc == 1) {
			/* Answered by pend_done once the batch is synced (or times out). */
			h->waiting = 1;
			h->pend_json = h->json;
			h->blackhole = hc->cls != NULL && co.fault_kind == SL_TBL_F_BLACKHOLE;
			return;
		}
	}
	if (hc->cls != NULL && co.fault_kind == SL_TBL_F_BLACKHOLE) {
		/* Accepted, never answered: the input stays held until the peer goes. */
		h->waiting = 1;
		h->blackhole = 1;
		h->t_done = 0;
		return;
	}
	answer_ok(hc, h);
}

void
sl_otlp_count_request(uint64_t *c, enum sl_signal sig, const struct sl_otlp_walk_result *res,
                      const struct sl_iov *iov, unsigned n)
{
	static const enum sl_ctr req_ctr[SL_SIGNAL_MAX] = {
	    SL_CTR_OTLP_TRACES_REQ, SL_CTR_OTLP_METRICS_REQ, SL_CTR_OTLP_LOGS_REQ};
	static const enum sl_ctr item_ctr[SL_SIGNAL_MAX] = {
	    SL_CTR_OTLP_SPANS, SL_CTR_OTLP_POINTS, SL_CTR_OTLP_LOGS};
	uint64_t bytes = 0;
	unsigned i;

	for (i = 0; i < n; i++)
		bytes += iov[i].len;
	c[req_ctr[sig]]++;
	c[item_ctr[sig]] += res->items;
	c[SL_CTR_OTLP_RESOURCES] += res->n_entries;
	c[SL_CTR_OTLP_BYTES] += bytes;
}

/* The pipeline finished a deferred response: cookie is (generation << 32) | connection. */
static void
pend_done(void *owner, uint64_t cookie, enum sl_pend_result res)
{
	struct sl_http_core *hc = owner;
	uint32_t idx = (uint32_t)cookie;
	struct sl_http_conn *h;

	if (idx >= hc->tc->conf->max_conns)
		return;
	h = &hc->conns[idx];
	if (h->c == NULL || h->gen != (uint32_t)(cookie >> 32) || !h->waiting)
		return; /* the connection is gone: nobody to answer */
	if (h->blackhole)
		return; /* stored; never answered */
	h->waiting = 0;
	h->json = h->pend_json;
	if (res == SL_PEND_DURABLE) {
		answer_ok(hc, h);
		if (h->delayed) {
			h->json = 0;
			return; /* the timer answers */
		}
	} else {
		answer_clear(h);
		respond_error(hc, h, 503, RPC_UNAVAILABLE, true, "Retry-After: 1\r\n",
		              res == SL_PEND_TIMEOUT ? "not stored in time: retry later"
		                                     : "could not be stored: retry later");
	}
	h->json = 0;
	resume_later(hc, h);
}

static void
on_parse_error(struct sl_http_core *hc, struct sl_http_conn *h, enum sl_http1_err err)
{
	char msg[160];
	int status = sl_http1_err_status(err);

	ctr(hc)[SL_CTR_HTTP_PARSE_ERRORS]++;
	snprintf(msg, sizeof(msg), "bad HTTP request: %s", sl_http1_err_reason(err));
	respond_error(hc, h, status,
	              status == 413 ? RPC_INVALID_ARGUMENT
	                            : (status == 501 ? RPC_UNIMPLEMENTED : RPC_INVALID_ARGUMENT),
	              false, NULL, msg);
}

/* ------------------------------------------------------------------ */
/* TCP callbacks                                                       */

static void
on_timer(struct sl_timer *t, void *arg)
{
	struct sl_http_conn *h = arg;
	struct sl_http_core *hc = h->hc;

	(void)t;
	if (h->c == NULL || h->closing)
		return;
	if (h->delayed) {
		/* A delay fault's time has come (or nearly: answer_ok re-arms if early). */
		h->json = h->pend_json;
		h->delayed = 0;
		h->waiting = 0;
		answer_ok(hc, h);
		h->json = 0;
		if (!h->delayed)
			resume_later(hc, h);
		return;
	}
	ctr(hc)[SL_CTR_HTTP_TIMEOUTS]++;
	respond_error(hc, h, 408, RPC_DEADLINE_EXCEEDED, false, NULL,
	              "request not received in time");
	request_reset(hc, h);
}

static int
http_accept(struct sl_tcp_conn *c, void *arg, void **app)
{
	struct sl_http_core *hc = arg;
	struct sl_http_conn *h = conn_of(hc, c);

	h->c = c;
	h->hc = hc;
	h->head = h->tail = NULL;
	h->n_slices = 0;
	h->body_bytes = 0;
	h->closing = 0;
	h->waiting = 0;
	h->peer_fin = 0;
	h->held_head = h->held_tail = NULL;
	h->held_first = 0;
	h->blackhole = 0;
	h->t_done = 0;
	answer_clear(h);
	h->gen++;
	sl_timer_init(&h->timer, on_timer, h);
	request_reset(hc, h);
	sl_http1_init(&h->p, &hc->h1);
	*app = hc;
	return 0;
}

/* Input must wait: a response is deferred, or the pipeline is at its bound. */
static bool
must_hold(const struct sl_http_core *hc, const struct sl_http_conn *h)
{
	return h->waiting || (hc->pipe != NULL && sl_pipe_hard_pressure(hc->pipe));
}

/*
 * Parse bytes [off, off + len) of m. Returns how many were parsed: fewer
 * than len when a request ended and the rest must wait (must_hold).
 */
static uint32_t
feed(struct sl_http_core *hc, struct sl_http_conn *h, struct rte_mbuf *m, uint32_t off,
     uint32_t len)
{
	const uint8_t *data = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	struct sl_tcp_conn *c = h->c;
	uint32_t pos = 0, used;
	struct sl_http1_event ev;

	/* Call until the parser has nothing pending: DONE may come with no byte left. */
	while (!h->closing && c->state != SL_TCP_CLOSED) {
		if (!h->in_req && pos < len) {
			if (must_hold(hc, h))
				break;
			h->in_req = 1;
			timer_arm(hc, h, hc->conf->header_timeout_ms);
		}
		used = sl_http1_parse(&h->p, data + pos, len - pos, &ev);
		if (ev.type == SL_HTTP1_EV_BODY && h->reject == 0 && !h->overflow &&
		    !body_append(hc, h, m, off + pos + ev.pos, ev.len)) {
			/* Out of body slices: drop this body, answer 503 at its end. */
			h->overflow = 1;
			body_release(hc, h);
		}
		pos += used;
		if (ev.type == SL_HTTP1_EV_NONE)
			break;
		if (ev.type == SL_HTTP1_EV_HEAD) {
			on_head(hc, h);
			if (h->closing) {
				answer_reject(hc, h);
				request_reset(hc, h);
			}
		} else if (ev.type == SL_HTTP1_EV_DONE) {
			on_done(hc, h);
			request_reset(hc, h);
		} else if (ev.type == SL_HTTP1_EV_ERROR) {
			on_parse_error(hc, h, ev.err);
			request_reset(hc, h);
			break;
		}
	}
	return h->closing || c->state == SL_TCP_CLOSED ? len : pos;
}

/* Hold [off, off + len) of m with the caller's reference; aborts the connection if it can't. */
static bool
hold(struct sl_http_core *hc, struct sl_http_conn *h, struct rte_mbuf *m, uint32_t off,
     uint32_t len)
{
	bool was_empty = h->held_head == NULL;

	if (held_push(hc, h, m, off, len)) {
		if (was_empty)
			ctr(hc)[SL_CTR_PIPE_STALLS]++;
		if (!h->waiting)
			resume_later(hc, h); /* held for pressure: poll retries */
		return true;
	}
	/* TCP acknowledged these bytes: losing them silently would corrupt the stream. */
	rte_pktmbuf_free(m);
	ctr(hc)[SL_CTR_HTTP_BODY_OVERFLOW]++;
	sl_tcp_abort(h->c);
	return false;
}

static void
http_data(struct sl_tcp_conn *c, void *app, const struct sl_slice *s)
{
	struct sl_http_core *hc = app;
	struct sl_http_conn *h = conn_of(hc, c);
	uint32_t pos;

	if (h->held_head != NULL || (must_hold(hc, h) && !h->in_req && !h->closing)) {
		hold(hc, h, s->m, s->off, s->len);
		return;
	}
	pos = feed(hc, h, s->m, s->off, s->len);
	if (pos < s->len) {
		if (c->state != SL_TCP_CLOSED && pos != 0)
			sl_tcp_consumed(c, pos, 0);
		hold(hc, h, s->m, s->off + pos, s->len - pos);
		return;
	}
	/* Every byte has been through the parser; body bytes hold their own reference. */
	rte_pktmbuf_free(s->m);
	if (c->state != SL_TCP_CLOSED)
		sl_tcp_consumed(c, s->len, 1);
}

static void peer_fin_now(struct sl_http_core *hc, struct sl_http_conn *h);

/* Parse held input until it is gone or must wait again. */
static void
resume(struct sl_http_core *hc, struct sl_http_conn *h)
{
	while (h->c != NULL && h->held_head != NULL && !must_hold(hc, h)) {
		struct sl_http_chunk *k = h->held_head;
		struct sl_slice *s = &k->s[h->held_first];
		struct sl_tcp_conn *c = h->c;
		uint32_t pos = feed(hc, h, s->m, s->off, s->len);

		if (h->c == NULL || h->held_head == NULL)
			return; /* closed from inside: held_release ran */
		if (pos < s->len) {
			if (pos != 0 && c->state != SL_TCP_CLOSED)
				sl_tcp_consumed(c, pos, 0);
			s->off += pos;
			s->len -= pos;
			break;
		}
		rte_pktmbuf_free(s->m);
		if (c->state != SL_TCP_CLOSED)
			sl_tcp_consumed(c, s->len, 1);
		if (++h->held_first == k->n) {
			h->held_head = k->next;
			if (h->held_head == NULL)
				h->held_tail = NULL;
			h->held_first = 0;
			k->next = hc->free_chunks;
			hc->free_chunks = k;
			hc->free_n++;
		}
	}
	if (h->c != NULL && h->held_head == NULL && !h->waiting && h->peer_fin)
		peer_fin_now(hc, h);
}

/*
 * The tables name another tenant header: rename the capture slot in place.
 * The parsers of this core read the name when a header line's name ends, so
 * a request whose header section straddles the change may be matched by
 * either name (it straddles the table change anyway). Without tables or
 * header the slot keeps a name no client sends for tenancy by accident.
 */
static void
follow_tenant_header(struct sl_http_core *hc)
{
	uint32_t len, i;
	const char *name = sl_cls_tenant_header(hc->cls, &len);

	hc->tenant_gen = hc->cls->gen;
	if (name == NULL || len == 0 || len >= SL_HTTP1_NAME_MAX) {
		name = "x-sluice-tenant";
		len = (uint32_t)strlen(name);
	}
	for (i = 0; i < len; i++) {
		char ch = name[i];

		hc->h1.capture[CAP_TENANT][i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch | 0x20) : ch;
	}
	hc->h1.capture_len[CAP_TENANT] = (uint8_t)len;
}

void
sl_http_poll(struct sl_http_core *hc)
{
	uint32_t i, n, keep = 0;

	if (unlikely(hc->cls != NULL && hc->cls->gen != hc->tenant_gen))
		follow_tenant_header(hc);
	n = hc->n_resume;

	if (n == 0 || (hc->pipe != NULL && sl_pipe_hard_pressure(hc->pipe)))
		return;
	for (i = 0; i < n; i++) {
		uint32_t idx = hc->resume[i];
		struct sl_http_conn *h = &hc->conns[idx];

		h->listed = 0;
		if (h->c != NULL)
			resume(hc, h);
		/* Still held for pressure (not for a deferred answer): look again later. */
		if (h->c != NULL && h->held_head != NULL && !h->waiting && !h->listed) {
			h->listed = 1;
			hc->resume[keep++] = idx;
		}
	}
	/* resume() may have listed more connections past n. */
	for (i = n; i < hc->n_resume; i++)
		hc->resume[keep++] = hc->resume[i];
	hc->n_resume = keep;
}

static void
peer_fin_now(struct sl_http_core *hc, struct sl_http_conn *h)
{
	/* No more requests will come: a half-received one is abandoned. */
	h->peer_fin = 0;
	request_reset(hc, h);
	if (!h->closing) {
		h->closing = 1;
		sl_tcp_close(h->c);
	}
}

static void
http_peer_fin(struct sl_tcp_conn *c, void *app)
{
	struct sl_http_core *hc = app;
	struct sl_http_conn *h = conn_of(hc, c);

	/* Requests still held, or an answer owed: close once they are done. */
	if (h->held_head != NULL || h->waiting) {
		h->peer_fin = 1;
		return;
	}
	peer_fin_now(hc, h);
}

static void
http_closed(struct sl_tcp_conn *c, void *app, enum sl_tcp_close_reason why)
{
	struct sl_http_core *hc = app;
	struct sl_http_conn *h = conn_of(hc, c);

	(void)why;
	request_reset(hc, h);
	held_release(hc, h);
	h->waiting = 0;
	h->peer_fin = 0;
	h->gen++;
	h->c = NULL;
}

static const struct sl_tcp_app_ops http_ops = {
    .accept = http_accept,
    .data = http_data,
    .peer_fin = http_peer_fin,
    .writable = NULL,
    .closed = http_closed,
};

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

int
sl_http_core_init(struct sl_http_core *hc, struct sl_tcp_core *tc, const struct sl_http_conf *conf,
                  bool pressure, int socket, struct sl_pipe_core *pipe,
                  enum sl_durability durability)
{
	struct sl_decomp_config dc = {0};
	uint32_t i, n_conns = tc->conf->max_conns;

	memset(hc, 0, sizeof(*hc));
	hc->tc = tc;
	hc->conf = conf;
	hc->pressure = pressure;
	hc->pipe = pipe;
	hc->durability = durability;
	if (pipe != NULL)
		sl_pipe_set_done(pipe, SL_PIPE_SRC_HTTP, pend_done, hc);
	sl_http1_config_default(&hc->h1);
	hc->h1.header_bytes_max = conf->max_header_bytes;
	hc->h1.header_count_max = conf->max_headers;
	hc->h1.body_max = conf->max_body_bytes;
	/* Tenant resolution: slot CAP_TENANT is renamed when the tables' header changes. */
	if (sl_http1_config_capture(&hc->h1, "authorization") != CAP_AUTH ||
	    sl_http1_config_capture(&hc->h1, "x-sluice-tenant") != CAP_TENANT)
		return -EINVAL;
	hc->conns = rte_zmalloc_socket("sl_http_conns", sizeof(*hc->conns) * n_conns,
	                               RTE_CACHE_LINE_SIZE, socket);
	hc->chunks = rte_zmalloc_socket("sl_http_chunks", sizeof(*hc->chunks) * conf->body_chunks,
	                                RTE_CACHE_LINE_SIZE, socket);
	hc->iov = rte_zmalloc_socket("sl_http_iov",
	                             sizeof(*hc->iov) * conf->body_chunks * SL_HTTP_CHUNK_SLICES,
	                             RTE_CACHE_LINE_SIZE, socket);
	hc->slices = rte_zmalloc_socket("sl_http_slices",
	                                sizeof(*hc->slices) * conf->body_chunks * SL_HTTP_CHUNK_SLICES,
	                                RTE_CACHE_LINE_SIZE, socket);
	hc->resume = rte_zmalloc_socket("sl_http_resume", sizeof(*hc->resume) * n_conns,
	                                RTE_CACHE_LINE_SIZE, socket);
	hc->entries =
	    rte_zmalloc_socket("sl_http_entries", sizeof(*hc->entries) * conf->max_resources,
	                       RTE_CACHE_LINE_SIZE, socket);
	/* The big buffers live in ordinary memory: touched only by compressed and JSON bodies. */
	hc->buf_plain = malloc(conf->max_body_bytes);
	hc->buf_pb = malloc(conf->max_body_bytes);
	dc.in_cap = conf->max_body_bytes;
	hc->decomp = sl_decomp_create(&dc);
	if (hc->conns == NULL || hc->chunks == NULL || hc->iov == NULL || hc->entries == NULL ||
	    hc->slices == NULL || hc->resume == NULL ||
	    hc->buf_plain == NULL || hc->buf_pb == NULL || hc->decomp == NULL) {
		sl_http_core_fini(hc);
		return -ENOMEM;
	}
	for (i = 0; i < conf->body_chunks; i++) {
		hc->chunks[i].next = hc->free_chunks;
		hc->free_chunks = &hc->chunks[i];
	}
	hc->free_n = conf->body_chunks;
	if (conf->port == 0)
		return 0;
	return sl_tcp_listen(tc, conf->port, &http_ops, hc);
}

void
sl_http_core_fini(struct sl_http_core *hc)
{
	if (hc == NULL)
		return;
	rte_free(hc->conns);
	rte_free(hc->chunks);
	rte_free(hc->iov);
	rte_free(hc->slices);
	rte_free(hc->resume);
	rte_free(hc->entries);
	free(hc->buf_plain);
	free(hc->buf_pb);
	sl_decomp_free(hc->decomp);
	memset(hc, 0, sizeof(*hc));
}
