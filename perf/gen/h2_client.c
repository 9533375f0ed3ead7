/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen's HTTP/2 client: OTLP/gRPC Export calls on nghttp2, bytes in and out by the caller. */

/*
 * Design
 *
 * One struct sl_gen_h2 per generator connection, whatever moves its bytes:
 * socket mode feeds it what recv() returned and writes what it hands out
 * with send(); DPDK mode does the same with the project's TCP
 * (sl_tcp_send, the data callback). The module never does I/O, so both
 * modes share the framing, HPACK (nghttp2's client session), the call
 * slots and the retry rules, and differ only in their transport:
 *
 *   caller: connected ─► sl_gen_h2_open ─► sl_gen_h2_resubmit / sl_gen_h2_start ...
 *           bytes in  ─► sl_gen_h2_feed ─► nghttp2 ─► ev(DONE) per closed stream
 *           writable  ─► sl_gen_h2_out / sl_gen_h2_sent (64 KiB gathered)
 *           lost      ─► sl_gen_h2_lost (calls in flight: retry, timeout, failed)
 *
 * Calls: a fixed array of conf->streams slots, a stack of the free ones.
 * A slot is free, or started (has_req: rendered message, maybe a stream),
 * or kept for a retry (has_req, no stream) after its connection was lost.
 * The stream's user data is its slot; nghttp2 holds no pointer of ours past
 * on_stream_close. A message is the 5-byte gRPC prefix plus the profile's
 * render (protobuf, or gzip with grpc-encoding: gzip), read by nghttp2's
 * data provider straight from the slot's buffer into DATA frames.
 *
 * Events are called from inside nghttp2 (mem_recv, mem_send): the caller
 * counts there and sets flags, but must not start calls or free the
 * session; it does that after sl_gen_h2_feed / sl_gen_h2_out return.
 *
 * A connection with open calls and no completion for the request timeout
 * is stuck (sl_gen_h2_stuck): one timestamp per connection rather than a
 * deadline per call, which would cost a scan of up to 1000 slots per check.
 *
 * Rejected: our own HPACK encoder with static headers (faster, but the
 * dynamic table, flow control and SETTINGS are where a client goes wrong;
 * nghttp2 is already the server's library); NGHTTP2_DATA_FLAG_NO_COPY
 * (needs nghttp2_session_send and a send callback, which the DPDK mode
 * cannot block in; the copy is ~1 us per 25 KB message).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "gen_sched.h"
#include "h2_client.h"
#include "http_resp.h"
#include "profile.h"

/*
 * Streams we open before the server's SETTINGS arrive. nghttp2 assumes no
 * limit until then; the appliance refuses streams past
 * grpc.max_concurrent_streams (default 128), so the first burst of a
 * 1000-stream connection would be refused without this.
 */
#define PEER_STREAMS_GUESS 100

#define NV(n, v)                                                                                   \
	{                                                                                          \
		(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, strlen(v),                          \
		    NGHTTP2_NV_FLAG_NO_COPY_NAME | NGHTTP2_NV_FLAG_NO_COPY_VALUE                   \
	}

static struct sl_gen_h2_call *
call_of(nghttp2_session *s, int32_t stream_id)
{
	return nghttp2_session_get_stream_user_data(s, stream_id);
}

static int
on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
          const uint8_t *value, size_t valuelen, uint8_t flags, void *user)
{
	struct sl_gen_h2_call *call;

	(void)flags;
	(void)user;
	if (frame->hd.type != NGHTTP2_HEADERS)
		return 0;
	call = call_of(s, frame->hd.stream_id);
	if (call == NULL)
		return 0;
	if (namelen == 7 && memcmp(name, ":status", 7) == 0) {
		uint32_t st = 0;
		size_t i;

		/* nghttp2 checked it is 3 digits (HTTP messaging). */
		for (i = 0; i < valuelen && i < 3; i++)
			st = st * 10 + (uint32_t)(value[i] - '0');
		call->status = (uint16_t)st;
	} else if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0) {
		int code = sl_gen_grpc_status_parse(value, valuelen);

		call->grpc_status = (int16_t)(code >= 0 && code < INT16_MAX ? code : INT16_MAX);
	}
	return 0;
}

static int
on_frame_send(nghttp2_session *s, const nghttp2_frame *frame, void *user)
{
	struct sl_gen_h2 *h = user;
	struct sl_gen_h2_call *call;

	if (frame->hd.type != NGHTTP2_DATA || !(frame->hd.flags & NGHTTP2_FLAG_END_STREAM))
		return 0;
	call = call_of(s, frame->hd.stream_id);
	if (call != NULL && call->stream_id == frame->hd.stream_id)
		h->ev(h->arg, h, call, SL_GEN_H2_EV_SENT);
	return 0;
}

static void
call_free(struct sl_gen_h2 *h, struct sl_gen_h2_call *call)
{
	call->has_req = false;
	h->free[h->n_free++] = (uint32_t)(call - h->calls);
}

static int
on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *user)
{
	struct sl_gen_h2 *h = user;
	struct sl_gen_h2_call *call = call_of(s, stream_id);

	if (call == NULL || call->stream_id != stream_id)
		return 0;
	call->stream_id = 0;
	call->h2_error = error_code;
	h->n_open--;
	h->progress_at = sl_gen_now_ns();
	h->ev(h->arg, h, call, SL_GEN_H2_EV_DONE);
	call_free(h, call);
	return 0;
}

/* DATA for a call: prefix, then the message, END_STREAM with the last byte. */
static ssize_t
read_body(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length, uint32_t *data_flags,
          nghttp2_data_source *src, void *user)
{
	struct sl_gen_h2_call *call = src->ptr;
	uint32_t total = SL_GEN_GRPC_PREFIX + call->body_len;
	size_t n = 0;

	(void)s;
	(void)stream_id;
	(void)user;
	while (n < length && call->off < total) {
		const uint8_t *p;
		size_t k;

		if (call->off < SL_GEN_GRPC_PREFIX) {
			p = call->prefix + call->off;
			k = SL_GEN_GRPC_PREFIX - call->off;
		} else {
			p = call->body + (call->off - SL_GEN_GRPC_PREFIX);
			k = total - call->off;
		}
		if (k > length - n)
			k = length - n;
		memcpy(buf + n, p, k);
		n += k;
		call->off += (uint32_t)k;
	}
	if (call->off == total)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

int
sl_gen_h2_init(struct sl_gen_h2 *h, const struct sl_gen_h2_conf *conf, sl_gen_h2_event_fn ev,
               void *arg)
{
	uint32_t i;

	memset(h, 0, sizeof(*h));
	if (conf->streams < 1 || conf->streams > SL_GEN_H2_STREAMS_MAX || ev == NULL)
		return -EINVAL;
	h->conf = conf;
	h->ev = ev;
	h->arg = arg;
	h->calls = calloc(conf->streams, sizeof(*h->calls));
	h->free = calloc(conf->streams, sizeof(*h->free));
	h->out = conf->gather ? malloc(SL_GEN_H2_OUT_BUF) : NULL;
	if (h->calls == NULL || h->free == NULL || (conf->gather && h->out == NULL))
		goto nomem;
	/* Pushed in reverse so that slot 0 is used first (easier to read in a debugger). */
	for (i = conf->streams; i-- > 0;) {
		if (conf->buf_cap) {
			h->calls[i].buf = malloc(conf->buf_cap);
			if (h->calls[i].buf == NULL)
				goto nomem;
		}
		h->free[h->n_free++] = i;
	}
	return 0;
nomem:
	sl_gen_h2_fini(h);
	return -ENOMEM;
}

void
sl_gen_h2_fini(struct sl_gen_h2 *h)
{
	uint32_t i;

	if (h->s != NULL)
		nghttp2_session_del(h->s);
	h->s = NULL;
	if (h->calls != NULL && h->conf != NULL)
		for (i = 0; i < h->conf->streams; i++)
			free(h->calls[i].buf);
	free(h->calls);
	free(h->free);
	free(h->out);
	h->calls = NULL;
	h->free = NULL;
	h->out = NULL;
}

int
sl_gen_h2_open(struct sl_gen_h2 *h)
{
	nghttp2_session_callbacks *cbs = NULL;
	nghttp2_option *opt = NULL;
	const nghttp2_settings_entry iv[] = {
	    {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
	    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, SL_GEN_H2_WINDOW},
	};
	int rc = -ENOMEM;

	if (h->s != NULL)
		return -EBUSY;
	if (nghttp2_session_callbacks_new(&cbs) != 0 || nghttp2_option_new(&opt) != 0)
		goto out;
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
	nghttp2_option_set_peer_max_concurrent_streams(opt, PEER_STREAMS_GUESS);
	if (nghttp2_session_client_new2(&h->s, cbs, h, opt) != 0) {
		h->s = NULL;
		goto out;
	}
	if (nghttp2_submit_settings(h->s, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])) != 0 ||
	    nghttp2_session_set_local_window_size(h->s, NGHTTP2_FLAG_NONE, 0, SL_GEN_H2_WINDOW) !=
	        0) {
		nghttp2_session_del(h->s);
		h->s = NULL;
		goto out;
	}
	h->out_head = h->out_len = 0;
	h->spill = NULL;
	h->spill_len = 0;
	rc = 0;
out:
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cbs);
	return rc;
}

uint32_t
sl_gen_h2_lost(struct sl_gen_h2 *h, bool timed_out, uint32_t retries, struct sl_gen_counts *c)
{
	uint32_t i, n = 0;

	for (i = 0; i < h->conf->streams; i++) {
		struct sl_gen_h2_call *call = &h->calls[i];

		if (call->stream_id == 0)
			continue;
		call->stream_id = 0;
		n++;
		if (timed_out) {
			if (c != NULL)
				c->timeouts++;
			call_free(h, call);
		} else if (++call->tries > retries) {
			if (c != NULL)
				c->failed++;
			call_free(h, call);
		} else {
			h->n_retry++;
		}
	}
	/* The session goes without callbacks: the slots are already settled. */
	if (h->s != NULL)
		nghttp2_session_del(h->s);
	h->s = NULL;
	h->n_open = 0;
	h->out_head = h->out_len = 0;
	h->spill = NULL;
	h->spill_len = 0;
	return n;
}

static int
submit(struct sl_gen_h2 *h, struct sl_gen_h2_call *call, uint64_t now)
{
	const struct sl_gen_h2_conf *cf = h->conf;
	nghttp2_nv nva[8] = {
	    NV(":method", "POST"),
	    NV(":scheme", "http"),
	    NV(":path", cf->path),
	    NV(":authority", cf->authority),
	    NV("content-type", "application/grpc"),
	    NV("te", "trailers"),
	    NV("user-agent", "sluice-gen"),
	};
	size_t n = 7;
	nghttp2_data_provider prd = {.source.ptr = call, .read_callback = read_body};
	int32_t id;

	if (cf->encoding != NULL)
		nva[n++] = (nghttp2_nv)NV("grpc-encoding", cf->encoding);
	call->off = 0;
	call->status = 0;
	call->grpc_status = -1;
	call->h2_error = 0;
	id = nghttp2_submit_request(h->s, NULL, nva, n, &prd, call);
	if (id < 0)
		return -EIO;
	call->stream_id = id;
	if (h->n_open++ == 0)
		h->progress_at = now;
	return 0;
}

int
sl_gen_h2_start(struct sl_gen_h2 *h, struct sl_gen_render *rd, uint64_t t_due, uint64_t now)
{
	struct sl_gen_h2_call *call;
	size_t len;

	if (h->s == NULL || h->n_free == 0)
		return -EBUSY;
	call = &h->calls[h->free[--h->n_free]];
	if (sl_gen_render_next(rd, call->buf, h->conf->buf_cap, &call->primed, &call->body, &len) <
	    0) {
		h->n_free++;
		return -ENOSPC;
	}
	call->body_len = (uint32_t)len;
	sl_gen_grpc_prefix(call->prefix, h->conf->encoding != NULL, call->body_len);
	call->t_due = t_due;
	call->tries = 0;
	call->has_req = true;
	if (submit(h, call, now) < 0) {
		call_free(h, call);
		return -EIO;
	}
	return 0;
}

int
sl_gen_h2_resubmit(struct sl_gen_h2 *h, uint64_t now, struct sl_gen_counts *c)
{
	uint32_t i;
	int n = 0;

	if (h->n_retry == 0)
		return 0;
	if (h->s == NULL)
		return -EIO;
	for (i = 0; i < h->conf->streams && h->n_retry > 0; i++) {
		struct sl_gen_h2_call *call = &h->calls[i];

		if (!call->has_req || call->stream_id != 0)
			continue;
		if (submit(h, call, now) < 0)
			return -EIO; /* still kept: the next connection tries again */
		h->n_retry--;
		if (c != NULL)
			c->retries++;
		n++;
	}
	return n;
}

ssize_t
sl_gen_h2_feed(struct sl_gen_h2 *h, const uint8_t *buf, size_t len)
{
	ssize_t n;

	if (h->s == NULL)
		return -EPROTO;
	n = nghttp2_session_mem_recv(h->s, buf, len);
	return n < 0 || (size_t)n != len ? -EPROTO : n;
}

int
sl_gen_h2_out(struct sl_gen_h2 *h, const uint8_t **p, size_t *len)
{
	if (h->out == NULL) { /* no gathering: nghttp2's frame as it is */
		if (h->spill_len == 0 && h->s != NULL) {
			const uint8_t *d;
			ssize_t n = nghttp2_session_mem_send(h->s, &d);

			if (n < 0)
				return -EPROTO;
			h->spill = d;
			h->spill_len = (size_t)n;
		}
		*p = h->spill;
		*len = h->spill_len;
		return 0;
	}
	if (h->out_len == 0 && h->s != NULL) {
		h->out_head = 0;
		for (;;) {
			size_t room = SL_GEN_H2_OUT_BUF - h->out_len, k;
			const uint8_t *d;
			ssize_t n;

			if (h->spill_len > 0) {
				k = h->spill_len < room ? h->spill_len : room;
				memcpy(h->out + h->out_len, h->spill, k);
				h->out_len += (uint32_t)k;
				h->spill += k;
				h->spill_len -= k;
				if (h->spill_len > 0)
					break; /* full: the rest stays in nghttp2's buffer */
				continue;
			}
			if (room == 0)
				break;
			/* Valid until the next mem_send: copied above before that. */
			n = nghttp2_session_mem_send(h->s, &d);
			if (n < 0)
				return -EPROTO;
			if (n == 0)
				break;
			h->spill = d;
			h->spill_len = (size_t)n;
		}
	}
	*p = h->out + h->out_head;
	*len = h->out_len;
	return 0;
}

void
sl_gen_h2_sent(struct sl_gen_h2 *h, size_t k)
{
	if (h->out == NULL) {
		if (k > h->spill_len)
			k = h->spill_len;
		h->spill += k;
		h->spill_len -= k;
		return;
	}
	if (k > h->out_len)
		k = h->out_len;
	h->out_head += (uint32_t)k;
	h->out_len -= (uint32_t)k;
}

bool
sl_gen_h2_finished(const struct sl_gen_h2 *h)
{
	return h->s != NULL && h->out_len == 0 && h->spill_len == 0 &&
	       !nghttp2_session_want_read(h->s) && !nghttp2_session_want_write(h->s);
}
