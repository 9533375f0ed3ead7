/* SPDX-License-Identifier: BSD-3-Clause */
/* The OTLP/gRPC server: Export RPCs over the per-core HTTP/2 server, bodies kept as mbuf slices. */

/*
 * Design
 * ------
 * The app on top of http2.c. A stream is one unary Export call:
 *
 *   HEADERS --> path -> signal (UNIMPLEMENTED otherwise), content-type
 *               application/grpc[+proto], grpc-encoding identity|gzip|zstd|deflate;
 *               pipeline near its bound -> UNAVAILABLE + RetryInfo at once
 *   DATA    --> 5-byte prefix (may straddle frames) then payload kept as
 *               (mbuf, off, len) slices with one reference each: no copy;
 *               a prefix announcing more than grpc.max_message_bytes ->
 *               RESOURCE_EXHAUSTED at once, the rest is dropped
 *   END_STREAM -> [decompress into a per-core buffer] -> walker -> pipeline
 *               -> OK (HEADERS, DATA = empty Export*ServiceResponse, trailers
 *               grpc-status 0) now (received) or when the batch is synced
 *               (persisted: the pipeline calls grpc_done with the cookie
 *               (stream generation << 32 | stream slot)), or a trailers-only
 *               error: INVALID_ARGUMENT with the walker's reason, UNAVAILABLE.
 *
 * Flow control is the backpressure chain (DESIGN rule 6): DATA bytes are
 * acknowledged (WINDOW_UPDATE) as they are taken into a stream's slices,
 * unless the pipeline is at its hard bound or the connection holds more
 * than grpc.conn_buffer_bytes; then the bytes are owed, the client's
 * windows drain and it stops, and sl_grpc_poll pays them back once the
 * pressure is gone (or the message is handed over). At the hard bound the
 * HTTP/2 core also stops parsing input, so TCP windows close too.
 *
 * Memory: stream slots (grpc.streams) and slice chunks are per-core pools
 * sized at start; a stream that finds no slot is refused (REFUSED_STREAM),
 * a message that finds no chunk gets UNAVAILABLE.
 *
 * Rejected: answering at the end of the message rather than END_STREAM
 * (unary clients always half-close right after it, and a second message
 * must be refused); reassembling messages into a buffer (a copy, and
 * max_message_bytes per stream).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "classify.h"
#include "core.h"
#include "net/tcp.h"
#include "pipeline/batch.h"
#include "proto/decompress.h"
#include "proto/http2.h"
#include "proto/otlp_grpc.h"
#include "proto/otlp_http.h"
#include "proto/otlp_walk.h"
#include "stats_shm.h"
#include "timer.h"

/* Seconds a client is told to wait (RetryInfo) under backpressure. */
#define RETRY_DELAY_S 1

static const char *const paths[SL_SIGNAL_MAX] = {
    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
};

/* ------------------------------------------------------------------ */
/* Framing and encodings (pure; unit-tested)                           */

uint32_t
sl_grpc_rx_step(struct sl_grpc_rx *rx, const uint8_t *p, uint32_t len, uint32_t max_msg,
                struct sl_grpc_ev *ev)
{
	uint32_t take;

	ev->type = SL_GRPC_EV_NONE;
	ev->pos = 0;
	ev->len = 0;
	if (!rx->in_msg) {
		take = 0;
		while (rx->hdr_n < SL_GRPC_PREFIX && take < len)
			rx->hdr[rx->hdr_n++] = p[take++];
		if (rx->hdr_n < SL_GRPC_PREFIX)
			return take;
		rx->flags = rx->hdr[0];
		rx->msg_len = (uint32_t)rx->hdr[1] << 24 | (uint32_t)rx->hdr[2] << 16 |
		              (uint32_t)rx->hdr[3] << 8 | rx->hdr[4];
		rx->got = 0;
		rx->in_msg = 1;
		ev->type = rx->msg_len > max_msg ? SL_GRPC_EV_TOO_BIG : SL_GRPC_EV_PREFIX;
		ev->len = rx->msg_len;
		return take;
	}
	if (rx->got == rx->msg_len) {
		rx->in_msg = 0;
		rx->hdr_n = 0;
		rx->n_msgs++;
		ev->type = SL_GRPC_EV_MSG;
		return 0;
	}
	take = RTE_MIN(len, rx->msg_len - rx->got);
	if (take == 0)
		return 0;
	rx->got += take;
	ev->type = SL_GRPC_EV_PAYLOAD;
	ev->pos = 0;
	ev->len = take;
	return take;
}

size_t
sl_grpc_pct_encode(const char *msg, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	if (cap == 0)
		return 0;
	for (; *msg != '\0'; msg++) {
		unsigned char ch = (unsigned char)*msg;

		if (ch >= 0x20 && ch <= 0x7e && ch != '%') {
			if (o + 1 >= cap)
				break;
			out[o++] = (char)ch;
		} else {
			if (o + 3 >= cap)
				break;
			out[o++] = '%';
			out[o++] = hex[ch >> 4];
			out[o++] = hex[ch & 15];
		}
	}
	out[o] = '\0';
	return o;
}

static size_t
put_len(uint8_t *p, size_t n)
{
	if (n < 128) {
		p[0] = (uint8_t)n;
		return 1;
	}
	p[0] = (uint8_t)(0x80 | (n & 0x7f));
	p[1] = (uint8_t)(n >> 7);
	return 2;
}

size_t
sl_grpc_retry_details(int code, const char *msg, uint32_t delay_s, char *out, size_t cap)
{
	static const char url[] = "type.googleapis.com/google.rpc.RetryInfo";
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint8_t pb[512], dur[8], ri[16], any[96];
	size_t n = 0, nd = 0, nr = 0, na = 0, ml = strlen(msg), i, o = 0;

	if (ml > 256)
		ml = 256;
	/* google.protobuf.Duration {seconds = 1} */
	dur[nd++] = 0x08;
	dur[nd++] = (uint8_t)(delay_s & 0x7f); /* delays below 128 s */
	/* google.rpc.RetryInfo {retry_delay = 1} */
	ri[nr++] = 0x0a;
	ri[nr++] = (uint8_t)nd;
	memcpy(ri + nr, dur, nd);
	nr += nd;
	/* google.protobuf.Any {type_url = 1, value = 2} */
	any[na++] = 0x0a;
	any[na++] = (uint8_t)(sizeof(url) - 1);
	memcpy(any + na, url, sizeof(url) - 1);
	na += sizeof(url) - 1;
	any[na++] = 0x12;
	any[na++] = (uint8_t)nr;
	memcpy(any + na, ri, nr);
	na += nr;
	/* google.rpc.Status {code = 1, message = 2, details = 3} */
	pb[n++] = 0x08;
	pb[n++] = (uint8_t)code;
	pb[n++] = 0x12;
	n += put_len(pb + n, ml);
	memcpy(pb + n, msg, ml);
	n += ml;
	pb[n++] = 0x1a;
	pb[n++] = (uint8_t)na;
	memcpy(pb + n, any, na);
	n += na;
	if (cap < (n + 2) / 3 * 4 + 1)
		return 0;
	for (i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)pb[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)pb[i + 1] << 8;
		if (i + 2 < n)
			v |= pb[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		if (i + 1 < n)
			out[o++] = b64[(v >> 6) & 63];
		if (i + 2 < n)
			out[o++] = b64[v & 63];
	}
	out[o] = '\0';
	return o;
}

/* ------------------------------------------------------------------ */
/* Streams                                                             */

static inline struct sl_grpc_conn *
gconn(struct sl_grpc_core *gc, const struct sl_h2_conn *hc)
{
	return &gc->conns[hc->idx];
}

static void
owe_later(struct sl_grpc_core *gc, struct sl_h2_conn *hc)
{
	struct sl_grpc_conn *g = gconn(gc, hc);

	if (g->listed)
		return;
	g->listed = 1;
	gc->owed[gc->n_owed++] = hc->idx;
}

/* Drop the message body and pay back what the client's windows are owed. */
static void
body_drop(struct sl_grpc_core *gc, struct sl_grpc_stream *st)
{
	gconn(gc, st->hc)->buffered -= st->body.bytes;
	gc->core_hold -= st->hold;
	st->hold = 0;
	sl_h2_slices_release(&gc->h2, &st->body);
	if (st->owed != 0) {
		sl_h2_consume(st->hc, st->id, st->owed);
		st->owed = 0;
	}
}

static void
count_code(struct sl_grpc_core *gc, int code)
{
	switch (code) {
	case SL_GRPC_OK:
		gc->ctr[SL_CTR_GRPC_OK]++;
		break;
	case SL_GRPC_INVALID_ARGUMENT:
		gc->ctr[SL_CTR_GRPC_INVALID_ARGUMENT]++;
		break;
	case SL_GRPC_RESOURCE_EXHAUSTED:
		gc->ctr[SL_CTR_GRPC_RESOURCE_EXHAUSTED]++;
		break;
	case SL_GRPC_UNIMPLEMENTED:
		gc->ctr[SL_CTR_GRPC_UNIMPLEMENTED]++;
		break;
	case SL_GRPC_UNAVAILABLE:
		gc->ctr[SL_CTR_GRPC_UNAVAILABLE]++;
		break;
	case SL_GRPC_INTERNAL:
		gc->ctr[SL_CTR_GRPC_INTERNAL]++;
		break;
	default:
		gc->ctr[SL_CTR_GRPC_OTHER]++;
		break;
	}
}

#define HDR(n, v) {(n), (v), sizeof(n) - 1, sizeof(v) - 1}

/* An empty Export*ServiceResponse (no partial_success): flags 0, length 0. */
static const uint8_t ok_msg[SL_GRPC_PREFIX];
static const struct sl_h2_hdr ok_trailers[] = {HDR("grpc-status", "0")};
static const struct sl_h2_body ok_body = {ok_msg, sizeof(ok_msg), ok_trailers, 1};

static void
answer_ok(struct sl_grpc_core *gc, struct sl_grpc_stream *st)
{
	static const struct sl_h2_hdr h[] = {
	    HDR(":status", "200"),
	    HDR("content-type", "application/grpc"),
	};
	const struct sl_h2_body *body = &ok_body;
	char msg[SL_TBL_NAME_LEN + 32];
	uint32_t n;

	if (st->answered)
		return;
	if (st->delay_until != 0 && rte_rdtsc() < st->delay_until) {
		/* Delay fault: the stream's timer answers. */
		st->delayed = 1;
		sl_timer_arm(gc->h2.wheel, &st->timer, st->delay_until);
		return;
	}
	st->delayed = 0;
	if (st->partial_set) {
		snprintf(msg, sizeof(msg), "fault injection: %s", st->fault);
		n = sl_cls_partial_response((enum sl_signal)st->signal, st->partial, msg, false,
		                            st->pmsg + SL_GRPC_PREFIX,
		                            sizeof(st->pmsg) - SL_GRPC_PREFIX);
		st->pmsg[0] = 0;
		st->pmsg[1] = (uint8_t)(n >> 24);
		st->pmsg[2] = (uint8_t)(n >> 16);
		st->pmsg[3] = (uint8_t)(n >> 8);
		st->pmsg[4] = (uint8_t)n;
		st->pbody = (struct sl_h2_body){st->pmsg, SL_GRPC_PREFIX + n, ok_trailers, 1};
		body = &st->pbody;
	}
	st->answered = 1;
	count_code(gc, SL_GRPC_OK);
	sl_core_hist_since(gc->hist, &st->t_done);
	sl_h2_respond(st->hc, st->id, h, RTE_DIM(h), body);
}

static void
delay_fired(struct sl_timer *t, void *arg)
{
	struct sl_grpc_stream *st = arg;
	struct sl_h2_conn *hc = st->hc;

	(void)t;
	if (hc == NULL || !st->delayed || st->gc == NULL)
		return;
	answer_ok(st->gc, st);
	sl_h2_flush(hc);
}

/* A trailers-only answer with grpc-status code and grpc-message msg; the body is dropped. */
static void
answer_error_retry(struct sl_grpc_core *gc, struct sl_grpc_stream *st, int http, int code,
                   const char *msg, uint32_t retry_s);

static void
answer_error(struct sl_grpc_core *gc, struct sl_grpc_stream *st, int http, int code,
             const char *msg)
{
	answer_error_retry(gc, st, http, code, msg,
	                   code == SL_GRPC_UNAVAILABLE ? RETRY_DELAY_S : 0);
}

/* answer_error with a RetryInfo of retry_s seconds when retry_s is not 0. */
static void
answer_error_retry(struct sl_grpc_core *gc, struct sl_grpc_stream *st, int http, int code,
                   const char *msg, uint32_t retry_s)
{
	char status[4], hs[4], pct[512], details[768];
	struct sl_h2_hdr h[6];
	unsigned n = 0;

	if (st->answered)
		return;
	st->answered = 1;
	st->discard = 1;
	count_code(gc, code);
	sl_core_hist_since(gc->hist, &st->t_done);
	snprintf(hs, sizeof(hs), "%d", http);
	snprintf(status, sizeof(status), "%d", code);
	h[n++] = (struct sl_h2_hdr){":status", hs, 7, (uint32_t)strlen(hs)};
	h[n++] = (struct sl_h2_hdr)HDR("content-type", "application/grpc");
	h[n++] = (struct sl_h2_hdr){"grpc-status", status, 11, (uint32_t)strlen(status)};
	h[n].name = "grpc-message";
	h[n].nlen = 12;
	h[n].value = pct;
	h[n++].vlen = (uint32_t)sl_grpc_pct_encode(msg, pct, sizeof(pct));
	if (retry_s != 0) {
		size_t dl = sl_grpc_retry_details(code, msg, retry_s, details, sizeof(details));

		if (dl != 0)
			h[n++] = (struct sl_h2_hdr){"grpc-status-details-bin", details, 23,
			                            (uint32_t)dl};
	} else if (code == SL_GRPC_UNIMPLEMENTED && st->bad_enc) {
		h[n++] = (struct sl_h2_hdr)HDR("grpc-accept-encoding",
		                               "identity,gzip,zstd,deflate");
	}
	sl_h2_respond(st->hc, st->id, h, n, NULL);
	body_drop(gc, st);
}

static void *
grpc_begin(void *arg, struct sl_h2_conn *hc, int32_t id)
{
	struct sl_grpc_core *gc = arg;
	struct sl_grpc_conn *g = gconn(gc, hc);
	struct sl_grpc_stream *st = gc->free_streams;
	uint32_t gen;

	if (st == NULL)
		return NULL;
	gc->free_streams = st->next;
	gen = st->gen;
	memset(st, 0, sizeof(*st));
	st->gen = gen;
	st->hc = hc;
	st->gc = gc;
	sl_timer_init(&st->timer, delay_fired, st);
	st->id = id;
	st->signal = -1;
	st->next = g->streams;
	if (g->streams != NULL)
		g->streams->prev = st;
	g->streams = st;
	gc->ctr[SL_CTR_GRPC_STREAMS]++;
	return st;
}

static bool
str_is(const uint8_t *v, size_t n, const char *s)
{
	return strlen(s) == n && memcmp(v, s, n) == 0;
}

/* name (lower case on the wire, RFC 9113 8.2.1) is the tables' tenant header? */
static bool
tenant_header_is(const struct sl_grpc_core *gc, const uint8_t *name, size_t nlen)
{
	uint32_t len, i;
	const char *h = sl_cls_tenant_header(gc->cls, &len);

	if (h == NULL || len != nlen)
		return false;
	for (i = 0; i < len; i++)
		if (((h[i] >= 'A' && h[i] <= 'Z') ? (h[i] | 0x20) : h[i]) != (char)name[i])
			return false;
	return true;
}

static int
grpc_header(void *arg, void *sp, const uint8_t *name, size_t nlen, const uint8_t *v, size_t vlen)
{
	struct sl_grpc_core *gc = arg;
	struct sl_grpc_stream *st = sp;
	unsigned i;
	int codec;

	if (str_is(name, nlen, ":path")) {
		for (i = 0; i < SL_SIGNAL_MAX; i++)
			if (str_is(v, vlen, paths[i]))
				st->signal = (int8_t)i;
	} else if (str_is(name, nlen, ":method")) {
		st->bad_method = !str_is(v, vlen, "POST");
	} else if (str_is(name, nlen, "content-type")) {
		/* application/grpc, application/grpc+proto, or either with parameters. */
		st->bad_ct = !(vlen >= 16 && memcmp(v, "application/grpc", 16) == 0 &&
		               (vlen == 16 || v[16] == ';' ||
		                (vlen >= 22 && memcmp(v + 16, "+proto", 6) == 0 &&
		                 (vlen == 22 || v[22] == ';'))));
	} else if (str_is(name, nlen, "authorization")) {
		if (vlen <= sizeof(st->auth)) {
			memcpy(st->auth, v, vlen);
			st->auth_len = (uint8_t)vlen;
		}
	} else if (gc->cls != NULL && tenant_header_is(gc, name, nlen)) {
		if (vlen < sizeof(st->tenant)) {
			memcpy(st->tenant, v, vlen);
			st->tenant_len = (uint8_t)vlen;
		}
	} else if (str_is(name, nlen, "grpc-encoding")) {
		codec = sl_decomp_codec_parse((const char *)v, vlen);
		if (codec < 0)
			st->bad_enc = 1;
		else
			st->codec = (uint8_t)codec;
	}
	return 0;
}

/* The request head is complete: refuse now what will never succeed. */
static void
grpc_headers(void *arg, void *sp)
{
	struct sl_grpc_core *gc = arg;
	struct sl_grpc_stream *st = sp;

	if (st->bad_method || st->bad_ct) {
		answer_error(gc, st, st->bad_ct ? 415 : 405, SL_GRPC_INVALID_ARGUMENT,
		             "not a gRPC request: POST with content-type application/grpc "
		             "expected");
	} else if (st->signal < 0) {
		answer_error(gc, st, 200, SL_GRPC_UNIMPLEMENTED,
		             "unknown method: only the OTLP Export services are served");
	} else if (st->bad_enc) {
		answer_error(gc, st, 200, SL_GRPC_UNIMPLEMENTED,
		             "grpc-encoding not supported: identity, gzip, zstd, deflate");
	} else if (gc->pressure || (gc->pipe != NULL && sl_pipe_soft_pressure(gc->pipe))) {
		if (gc->pipe != NULL && !gc->pressure)
			gc->ctr[SL_CTR_PIPE_REFUSED_PRESSURE]++;
		answer_error(gc, st, 200, SL_GRPC_UNAVAILABLE,
		             "the appliance is under pressure: retry later");
	}
}

static bool
hold_window(struct sl_grpc_core *gc, struct sl_h2_conn *hc)
{
	return (gc->pipe != NULL && sl_pipe_hard_pressure(gc->pipe)) ||
	       gconn(gc, hc)->buffered > gc->conf->conn_buffer_bytes ||
	       (gc->hold_limit != 0 && gc->core_hold > gc->hold_limit / 2);
}

static void
grpc_data(void *arg, void *sp, struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	struct sl_grpc_core *gc = arg;
	struct sl_grpc_stream *st = sp;
	struct sl_grpc_conn *g = gconn(gc, st->hc);
	const uint8_t *p = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	uint32_t pos = 0, used;
	struct sl_grpc_ev ev;

	while (!st->discard) {
		used = sl_grpc_rx_step(&st->rx, p + pos, len - pos, gc->conf->max_message_bytes,
		                       &ev);
		if (ev.type == SL_GRPC_EV_NONE)
			break;
		if (ev.type == SL_GRPC_EV_TOO_BIG) {
			char msg[128];

			snprintf(msg, sizeof(msg), "message of %u bytes: the limit is %u", ev.len,
			         gc->conf->max_message_bytes);
			answer_error(gc, st, 200, SL_GRPC_RESOURCE_EXHAUSTED, msg);
			break;
		}
		if (ev.type == SL_GRPC_EV_PREFIX && st->rx.n_msgs != 0) {
			answer_error(gc, st, 200, SL_GRPC_INVALID_ARGUMENT,
			             "more than one request message on a unary call");
			break;
		}
		if (ev.type == SL_GRPC_EV_PAYLOAD) {
			/*
			 * The packet pool is shared with every connection and with RX:
			 * past this core's share no message may pin more, or RX would
			 * starve and nothing (not even the client's RST) could arrive.
			 */
			if (gc->hold_limit != 0 && gc->core_hold + m->buf_len > gc->hold_limit) {
				gc->ctr[SL_CTR_GRPC_BUF_OVERFLOW]++;
				answer_error(gc, st, 200, SL_GRPC_UNAVAILABLE,
				             "this core's packet buffers are full: retry later");
				break;
			}
			if (!sl_h2_slices_push(&gc->h2, &st->body, m, off + pos, ev.len)) {
				gc->ctr[SL_CTR_GRPC_BUF_OVERFLOW]++;
				answer_error(gc, st, 200, SL_GRPC_UNAVAILABLE,
				             "request bodies exceed this core's buffer: "
				             "retry later");
				break;
			}
			rte_mbuf_refcnt_update(m, 1);
			g->buffered += ev.len;
			st->hold += m->buf_len;
			gc->core_hold += m->buf_len;
		}
		pos += used;
	}
	if (st->discard) {
		/* Answered: the bytes are dropped and acknowledged at once. */
		sl_h2_consume(st->hc, st->id, len);
		return;
	}
	if (hold_window(gc, st->hc)) {
		gc->ctr[SL_CTR_GRPC_WINDOW_HELD]++;
		st->owed += len;
		owe_later(gc, st->hc);
	} else {
		sl_h2_consume(st->hc, st->id, len);
	}
}

/* The client half-closed: the message is complete; decode, validate, hand over, answer. */
static void
grpc_end(void *arg, void *sp)
{
	struct sl_grpc_core *gc = arg;
	struct sl_grpc_stream *st = sp;
	const struct sl_iov *iov = gc->iov;
	char msg[SL_OTLP_ERR_MSG_LEN + 64];
	struct sl_cls_out co;
	struct sl_h2_chunk *k;
	uint32_t n = 0, i;
	size_t plain = 0;
	int rc;

	if (st->answered)
		return;
	if (st->rx.n_msgs != 1 || !sl_grpc_rx_idle(&st->rx)) {
		answer_error(gc, st, 200, SL_GRPC_INVALID_ARGUMENT,
		             st->rx.n_msgs == 0 && sl_grpc_rx_idle(&st->rx)
		                 ? "no request message"
		                 : "truncated request message");
		return;
	}
	if (st->body.n > gc->max_slices) {
		answer_error(gc, st, 200, SL_GRPC_RESOURCE_EXHAUSTED,
		             "message cut into too many DATA fragments");
		return;
	}
	for (k = st->body.head; k != NULL; k = k->next)
		for (i = 0; i < k->n; i++) {
			gc->slices[n] = k->s[i];
			gc->iov[n++] = sl_slice_iov(&k->s[i]);
		}
	if (st->rx.flags & 1) {
		if (st->codec == SL_DECOMP_IDENTITY) {
			answer_error(gc, st, 200, SL_GRPC_INTERNAL,
			             "compressed message without grpc-encoding");
			return;
		}
		gc->ctr[st->codec == SL_DECOMP_ZSTD ? SL_CTR_GRPC_ZSTD : SL_CTR_GRPC_GZIP]++;
		rc = sl_decomp_run(gc->decomp, st->codec, iov, n, gc->buf_plain,
		                   gc->conf->max_message_bytes, &plain);
		if (rc == -EFBIG) {
			snprintf(msg, sizeof(msg),
			         "message larger than %u bytes after decompression",
			         gc->conf->max_message_bytes);
			answer_error(gc, st, 200, SL_GRPC_RESOURCE_EXHAUSTED, msg);
			return;
		}
		if (rc < 0) {
			snprintf(msg, sizeof(msg), "cannot decompress the message: %s",
			         sl_decomp_reason(gc->decomp));
			gc->ctr[SL_CTR_OTLP_INVALID]++;
			answer_error(gc, st, 200, SL_GRPC_INVALID_ARGUMENT, msg);
			return;
		}
		gc->iov[0].base = gc->buf_plain;
		gc->iov[0].len = (uint32_t)plain;
		n = 1;
	}
	gc->res.entries = gc->entries;
	gc->res.max_entries = gc->max_resources;
	st->t_done = *gc->h2.now;
	rc = sl_otlp_walk((enum sl_signal)st->signal, iov, n,
	                  gc->cls != NULL ? sl_cls_walk_opts(gc->cls) : NULL, &gc->res);
	if (rc == -E2BIG || rc == -EMSGSIZE) {
		answer_error(gc, st, 200, SL_GRPC_RESOURCE_EXHAUSTED,
		             rc == -E2BIG ? "more Resource entries than http.max_resources"
		                          : "request of 4 GiB or more");
		return;
	}
	if (rc < 0) {
		gc->ctr[SL_CTR_OTLP_INVALID]++;
		snprintf(msg, sizeof(msg), "invalid %s export request: %s",
		         sl_signal_name((enum sl_signal)st->signal), gc->res.err_msg);
		answer_error(gc, st, 200, SL_GRPC_INVALID_ARGUMENT, msg);
		return;
	}
	sl_otlp_count_request(gc->ctr, (enum sl_signal)st->signal, &gc->res, iov, n);
	co.fault_kind = 0;
	if (gc->cls != NULL) {
		struct sl_tcp_conn *tc = st->hc->t;
		struct sl_cls_in ci = {
		    .signal = (enum sl_signal)st->signal,
		    .tenant = sl_cls_tenant(gc->cls, st->tenant, st->tenant_len, st->auth,
		                            st->auth_len),
		    .raddr_be = tc->key.raddr,
		    .lport = rte_be_to_cpu_16(tc->key.lport),
		};

		sl_cls_request(gc->cls, &ci, iov, n, &gc->res, &co);
		if (co.verdict == SL_CLS_RESET) {
			/* Not "answered": no response went out (the HTTP/2 layer counts those). */
			gc->ctr[SL_CTR_GRPC_RESET]++;
			st->discard = 1;
			st->t_done = 0;
			body_drop(gc, st);
			sl_h2_reset(st->hc, st->id, 2 /* INTERNAL_ERROR */);
			return;
		}
		if (co.verdict != SL_CLS_ACCEPT) {
			if (co.fault_name[0] != '\0')
				snprintf(msg, sizeof(msg), "fault injection: %s", co.fault_name);
			else
				snprintf(msg, sizeof(msg), "rate limit exceeded: retry later");
			answer_error_retry(gc, st, 200,
			                   co.verdict == SL_CLS_LIMITED ? SL_GRPC_RESOURCE_EXHAUSTED
			                                                : sl_cls_grpc_code(co.status),
			                   msg, co.retry_after_s);
			return;
		}
		memcpy(st->fault, co.fault_name, sizeof(st->fault));
		if (co.fault_kind == SL_TBL_F_PARTIAL) {
			st->partial = co.rejected;
			st->partial_set = 1;
		}
		if (co.fault_kind == SL_TBL_F_DELAY)
			st->delay_until = rte_rdtsc() + co.delay_tsc;
		if (co.fault_kind == SL_TBL_F_BLACKHOLE)
			st->blackhole = 1;
	}
	if (gc->pipe != NULL) {
		struct sl_pipe_req req = {
		    .signal = (enum sl_signal)st->signal,
		    .route_id = 0,
		    .durability = gc->durability,
		    .source = SL_PIPE_SRC_GRPC,
		    .cookie = ((uint64_t)st->gen << 32) | (uint32_t)(st - gc->streams),
		    .entries = gc->res.entries,
		    .n_entries = gc->res.n_entries,
		};

		if (gc->cls != NULL && sl_cls_to_req(&co, &req)) {
			/* Re-encoded (sampling, partial): the classifier's buffer, copied. */
		} else if (iov[0].base == gc->buf_plain && n == 1) {
			req.flat = gc->buf_plain;
			req.flat_len = (uint32_t)plain;
		} else {
			req.slices = gc->slices;
			req.n_slices = n;
		}
		rc = sl_pipe_submit(gc->pipe, &req);
		if (rc < 0) {
			answer_error(gc, st, 200, SL_GRPC_UNAVAILABLE,
			             "the appliance is under pressure: retry later");
			return;
		}
		body_drop(gc, st); /* the batch holds its own references */
		if (rc == 1) {
			st->waiting = 1; /* grpc_done answers once the batch is synced */
			return;
		}
	} else {
		body_drop(gc, st);
	}
	if (st->blackhole) {
		st->t_done = 0;
		return; /* accepted, never answered: the client's deadline ends it */
	}
	answer_ok(gc, st);
}

static void
stream_free(struct sl_grpc_core *gc, struct sl_grpc_stream *st)
{
	struct sl_grpc_conn *g = gconn(gc, st->hc);

	g->buffered -= st->body.bytes;
	gc->core_hold -= st->hold;
	st->hold = 0;
	sl_h2_slices_release(&gc->h2, &st->body);
	sl_timer_cancel(gc->h2.wheel, &st->timer);
	st->delayed = 0;
	/* Bytes still owed to a reset stream: the connection window must get them back. */
	if (st->owed != 0)
		sl_h2_consume(st->hc, st->id, st->owed);
	if (st->prev != NULL)
		st->prev->next = st->next;
	else
		g->streams = st->next;
	if (st->next != NULL)
		st->next->prev = st->prev;
	st->gen++;
	st->hc = NULL;
	st->next = gc->free_streams;
	gc->free_streams = st;
}

static bool
grpc_close(void *arg, void *sp, uint32_t code)
{
	struct sl_grpc_core *gc = arg;
	struct sl_grpc_stream *st = sp;
	bool answered = st->answered;

	(void)code;
	stream_free(gc, st);
	return answered;
}

static void
grpc_conn_closed(void *arg, struct sl_h2_conn *hc)
{
	struct sl_grpc_core *gc = arg;
	struct sl_grpc_conn *g = gconn(gc, hc);

	while (g->streams != NULL)
		stream_free(gc, g->streams);
	g->buffered = 0;
}

/* The pipeline finished a deferred answer: cookie is (stream generation << 32) | slot. */
static void
grpc_done(void *owner, uint64_t cookie, enum sl_pend_result res)
{
	struct sl_grpc_core *gc = owner;
	uint32_t idx = (uint32_t)cookie;
	struct sl_grpc_stream *st;
	struct sl_h2_conn *hc;

	if (idx >= gc->conf->streams)
		return;
	st = &gc->streams[idx];
	if (st->hc == NULL || st->gen != (uint32_t)(cookie >> 32) || !st->waiting)
		return; /* the stream or its connection is gone */
	st->waiting = 0;
	hc = st->hc;
	if (st->blackhole && res == SL_PEND_DURABLE)
		return; /* stored; never answered */
	if (res == SL_PEND_DURABLE)
		answer_ok(gc, st);
	else
		answer_error(gc, st, 200, SL_GRPC_UNAVAILABLE,
		             res == SL_PEND_TIMEOUT ? "not stored in time: retry later"
		                                    : "could not be stored: retry later");
	sl_h2_flush(hc);
}

static bool
grpc_hold_input(void *arg)
{
	struct sl_grpc_core *gc = arg;

	return gc->pipe != NULL && sl_pipe_hard_pressure(gc->pipe);
}

static const struct sl_h2_app_ops grpc_app = {
    .begin = grpc_begin,
    .header = grpc_header,
    .headers = grpc_headers,
    .data = grpc_data,
    .end = grpc_end,
    .close = grpc_close,
    .conn_closed = grpc_conn_closed,
};

void
sl_grpc_poll(struct sl_grpc_core *gc)
{
	uint32_t i, n = gc->n_owed, keep = 0;

	sl_h2_poll(&gc->h2);
	for (i = 0; i < n; i++) {
		struct sl_h2_conn *hc = &gc->h2.conns[gc->owed[i]];
		struct sl_grpc_conn *g = &gc->conns[gc->owed[i]];
		struct sl_grpc_stream *st;

		if (hc->t != NULL && hold_window(gc, hc)) {
			gc->owed[keep++] = gc->owed[i];
			continue;
		}
		g->listed = 0;
		if (hc->t == NULL)
			continue;
		for (st = g->streams; st != NULL; st = st->next)
			if (st->owed != 0) {
				sl_h2_consume(hc, st->id, st->owed);
				st->owed = 0;
			}
		sl_h2_flush(hc);
	}
	gc->n_owed = keep;
}

void
sl_grpc_shutdown(struct sl_grpc_core *gc)
{
	if (gc != NULL && gc->h2.conns != NULL)
		sl_h2_shutdown(&gc->h2);
}

/* ------------------------------------------------------------------ */
/* TCP                                                                 */

static int
io_send(void *t, const void *buf, uint32_t len)
{
	return sl_tcp_send(t, buf, len);
}

static uint32_t
io_space(void *t)
{
	return sl_tcp_send_space(t);
}

static void
io_consumed(void *t, uint32_t bytes, uint32_t segs)
{
	struct sl_tcp_conn *c = t;

	if (c->state != SL_TCP_CLOSED)
		sl_tcp_consumed(c, bytes, segs);
}

static void
io_close(void *t)
{
	sl_tcp_close(t);
}

static void
io_abort(void *t)
{
	sl_tcp_abort(t);
}

static const struct sl_h2_io tcp_io = {
    .send = io_send,
    .space = io_space,
    .consumed = io_consumed,
    .close = io_close,
    .abort = io_abort,
};

static int
tcp_accept(struct sl_tcp_conn *c, void *arg, void **app)
{
	struct sl_grpc_core *gc = arg;
	struct sl_h2_conn *hc = sl_h2_accept(&gc->h2, c->idx, c, &tcp_io);

	if (hc == NULL)
		return -ENOMEM;
	*app = gc;
	sl_h2_flush(hc); /* our SETTINGS go first (RFC 9113 3.4) */
	return 0;
}

static void
tcp_data(struct sl_tcp_conn *c, void *app, const struct sl_slice *s)
{
	struct sl_grpc_core *gc = app;

	sl_h2_input(&gc->h2.conns[c->idx], s->m, s->off, s->len);
}

static void
tcp_peer_fin(struct sl_tcp_conn *c, void *app)
{
	struct sl_grpc_core *gc = app;

	sl_h2_peer_fin(&gc->h2.conns[c->idx]);
}

static void
tcp_writable(struct sl_tcp_conn *c, void *app)
{
	struct sl_grpc_core *gc = app;

	sl_h2_writable(&gc->h2.conns[c->idx]);
}

static void
tcp_closed(struct sl_tcp_conn *c, void *app, enum sl_tcp_close_reason why)
{
	struct sl_grpc_core *gc = app;

	(void)why;
	sl_h2_closed(&gc->h2.conns[c->idx]);
}

static const struct sl_tcp_app_ops grpc_tcp_ops = {
    .accept = tcp_accept,
    .data = tcp_data,
    .peer_fin = tcp_peer_fin,
    .writable = tcp_writable,
    .closed = tcp_closed,
};

int
sl_grpc_listen(struct sl_grpc_core *gc, struct sl_tcp_core *tc)
{
	if (gc->conf->port == 0)
		return 0;
	return sl_tcp_listen(tc, gc->conf->port, &grpc_tcp_ops, gc);
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

int
sl_grpc_core_init(struct sl_grpc_core *gc, const struct sl_grpc_conf *conf, uint64_t *ctr,
                  struct sl_timer_wheel *wheel, const uint64_t *now, uint32_t max_conns,
                  uint32_t max_resources, bool pressure, struct sl_pipe_core *pipe,
                  enum sl_durability durability)
{
	struct sl_decomp_config dc = {0};
	/* Chunks: every stream's message in slices of at least ~1 KiB, plus held input. */
	uint32_t n_chunks = RTE_MAX(conf->streams, 1024u), i;
	int rc;

	memset(gc, 0, sizeof(*gc));
	gc->conf = conf;
	gc->ctr = ctr;
	gc->pressure = pressure;
	gc->pipe = pipe;
	gc->durability = durability;
	gc->max_resources = max_resources;
	gc->max_slices = conf->max_message_bytes / 64u + 64u;
	gc->streams = calloc(conf->streams, sizeof(*gc->streams));
	gc->conns = calloc(max_conns, sizeof(*gc->conns));
	gc->owed = calloc(max_conns, sizeof(*gc->owed));
	gc->iov = calloc(gc->max_slices, sizeof(*gc->iov));
	gc->slices = calloc(gc->max_slices, sizeof(*gc->slices));
	gc->entries = calloc(max_resources, sizeof(*gc->entries));
	gc->buf_plain = malloc(conf->max_message_bytes);
	dc.in_cap = conf->max_message_bytes;
	gc->decomp = sl_decomp_create(&dc);
	if (gc->streams == NULL || gc->conns == NULL || gc->owed == NULL || gc->iov == NULL ||
	    gc->slices == NULL || gc->entries == NULL || gc->buf_plain == NULL ||
	    gc->decomp == NULL) {
		sl_grpc_core_fini(gc);
		return -ENOMEM;
	}
	for (i = conf->streams; i-- > 0;) {
		gc->streams[i].next = gc->free_streams;
		gc->free_streams = &gc->streams[i];
	}
	rc = sl_h2_core_init(&gc->h2, conf, ctr, wheel, now, max_conns, n_chunks, &grpc_app, gc,
	                     grpc_hold_input);
	if (rc < 0) {
		sl_grpc_core_fini(gc);
		return rc;
	}
	if (pipe != NULL)
		sl_pipe_set_done(pipe, SL_PIPE_SRC_GRPC, grpc_done, gc);
	return 0;
}

void
sl_grpc_core_fini(struct sl_grpc_core *gc)
{
	if (gc == NULL)
		return;
	sl_h2_core_fini(&gc->h2);
	free(gc->streams);
	free(gc->conns);
	free(gc->owed);
	free(gc->iov);
	free(gc->slices);
	free(gc->entries);
	free(gc->buf_plain);
	sl_decomp_free(gc->decomp);
	memset(gc, 0, sizeof(*gc));
}
