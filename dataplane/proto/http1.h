/* SPDX-License-Identifier: BSD-3-Clause */
/* Incremental HTTP/1.1 request parser over stream fragments, and the response head writer. */
#ifndef SL_HTTP1_H
#define SL_HTTP1_H

#include <stddef.h>
#include <stdint.h>

#include "proto/http1_types.h"

/* Sets the defaults (SL_HTTP1_*_DEFAULT) and no captured names. */
void sl_http1_config_default(struct sl_http1_config *cfg);

/*
 * Adds a header name whose value the parser keeps in req.capture[] (in the
 * order added), e.g. "x-scope-orgid", "authorization". Case-insensitive.
 * Returns the capture index, -EINVAL (not a token, or Content-Type/-Encoding,
 * which req already has), -ENAMETOOLONG (>= SL_HTTP1_NAME_MAX), -EEXIST,
 * -ENOSPC (SL_HTTP1_CAPTURE_MAX reached).
 */
int sl_http1_config_capture(struct sl_http1_config *cfg, const char *name);

/*
 * Starts a connection's parser at stream offset 0. cfg must outlive it.
 * Also the way to reuse a parser for a new connection.
 */
void sl_http1_init(struct sl_http1_parser *p, const struct sl_http1_config *cfg);

/*
 * Parses the next bytes of the connection's stream: data[0..len) must start
 * at the stream offset where the previous call stopped (p->off). Returns how
 * many bytes it consumed and sets *ev to what it stopped for:
 *
 *   EV_NONE   all len bytes consumed, nothing pending: feed the next fragment.
 *   EV_HEAD   head complete, p->req filled in; call again with the rest.
 *   EV_BODY   data[ev->pos .. +ev->len) is body (stream offsets ev->off ..);
 *             those bytes are counted as consumed but belong to the body:
 *             keep the slice, do not release it. Chunk framing never appears.
 *   EV_DONE   request complete; the next call parses the next (pipelined)
 *             request: stop calling to pause between requests.
 *   EV_ERROR  rejected: ev->err (status sl_http1_err_status()); every later
 *             call returns 0 and the same error. Answer, then close.
 *
 * One event per call, so call until EV_NONE, also after the last byte is
 * consumed: DONE comes from a call with no bytes left when the body ended
 * with the fragment, and always when the body is empty (a request that fits
 * one segment is HEAD, BODY, then DONE from a call with len == 0):
 *
 *	for (;;) {
 *		n = sl_http1_parse(p, data, len, &ev);
 *		data += n;
 *		len -= n;
 *		if (ev.type == SL_HTTP1_EV_NONE)
 *			break;
 *		... act on ev; stop here to pause between requests ...
 *	}
 *
 * p->req and the values in its stash stay valid until the parser is called
 * again after EV_DONE (the next request overwrites them): copy what outlives
 * that. Bytes consumed outside EV_BODY ranges (head, chunk framing,
 * trailers) may be released at once: what the parser keeps is in its stash.
 * Never allocates, never blocks: one pass over the bytes, a table lookup per
 * byte class.
 */
uint32_t sl_http1_parse(struct sl_http1_parser *p, const uint8_t *data, uint32_t len,
			struct sl_http1_event *ev);

/* 1 while a request is partly received (a close now truncates it), 0 between requests. */
int sl_http1_in_request(const struct sl_http1_parser *p);

/* HTTP status the server answers a rejection with (400, 413, 414, 431, 501, 505). */
int sl_http1_err_status(enum sl_http1_err err);

/* One-line human reason ("obsolete line folding ..."); never NULL. */
const char *sl_http1_err_reason(enum sl_http1_err err);

/* Metrics label ("obs_fold"); never NULL. */
const char *sl_http1_err_name(enum sl_http1_err err);

/* Reason phrase for a status sluice sends ("Payload Too Large"), NULL if unknown. */
const char *sl_http1_reason(int status);

/*
 * Writes "HTTP/1.1 <status> <reason>\r\n", Content-Type (if content_type is
 * not NULL), Content-Length: body_len, the Connection header conn requires,
 * the caller's extra header lines (each ending in CRLF, e.g.
 * "Retry-After: 5\r\n"; NULL for none) and the blank line into buf. 1xx
 * statuses get the status line, extra and the blank line only. The caller
 * appends the body. Returns the bytes written, -ENOSPC if cap is too small,
 * -EINVAL for a status outside 100..599. No printf: safe on a poll core.
 */
int sl_http1_write_response(char *buf, size_t cap, int status, const char *content_type,
			    const char *extra, uint64_t body_len, enum sl_http1_conn conn);

/* The bytes of a kept value (not NUL-terminated; s->len of them). */
static inline const char *
sl_http1_str_ptr(const struct sl_http1_parser *p, const struct sl_http1_str *s)
{
	return p->stash + s->off;
}

/*
 * 1 if the kept value s is the media type type ("application/x-protobuf"),
 * compared case-insensitively and ignoring parameters (";charset=utf-8").
 */
int sl_http1_media_type_is(const struct sl_http1_parser *p, const struct sl_http1_str *s,
			   const char *type);

#endif /* SL_HTTP1_H */
