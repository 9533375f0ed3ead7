/* SPDX-License-Identifier: BSD-3-Clause */
/* Incremental HTTP/1.1 response parser of sluice-gen (RFC 9112 framing), and grpc-status. */

/*
 * The generator reads responses of any OTLP receiver (the dataplane, the
 * OpenTelemetry Collector, vendors' endpoints), so framing follows RFC 9112
 * section 6.3 rather than what the dataplane happens to send: 1xx, 204 and
 * 304 have no body; chunked beats Content-Length; otherwise Content-Length;
 * otherwise the body runs until close. Head lines are collected into a
 * small per-connection buffer one byte at a time (heads are ~100 bytes);
 * bodies are skipped by arithmetic. No allocation: the state is the struct.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "http_resp.h"

void
sl_http_resp_init(struct sl_http_resp *r)
{
	memset(r, 0, offsetof(struct sl_http_resp, line));
	r->line[0] = '\0';
	r->state = SL_HTTP_RESP_STATUS;
}

static bool
is_ows(char c)
{
	return c == ' ' || c == '\t';
}

/* Does the comma-separated list v contain token tok (case-insensitive)? */
static bool
has_token(const char *v, const char *tok)
{
	size_t n = strlen(tok);

	while (*v) {
		const char *e;
		size_t len;

		while (*v == ',' || is_ows(*v))
			v++;
		e = v;
		while (*e && *e != ',')
			e++;
		len = (size_t)(e - v);
		while (len && is_ows(v[len - 1]))
			len--;
		if (len == n && strncasecmp(v, tok, n) == 0)
			return true;
		v = e;
	}
	return false;
}

/* Decimal digits only (no sign, no spaces); -1 on junk or overflow past 2^62. */
static int64_t
dec(const char *s)
{
	int64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_C(1) << 58))
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

static int
status_line(struct sl_http_resp *r)
{
	const char *l = r->line;

	if (r->line_over || strncmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') ||
	    l[8] != ' ' || l[9] < '1' || l[9] > '5' || l[10] < '0' || l[10] > '9' || l[11] < '0' ||
	    l[11] > '9' || (l[12] != ' ' && l[12] != '\0'))
		return -EBADMSG;
	r->http10 = l[7] == '0';
	r->status = (uint16_t)((l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0'));
	r->state = SL_HTTP_RESP_HEADERS;
	return 0;
}

static int
header_line(struct sl_http_resp *r)
{
	char *l = r->line, *v, *e;
	int64_t n;

	if (r->line_over)
		return 0; /* nothing we read is that long */
	v = strchr(l, ':');
	if (v == NULL)
		return -EBADMSG;
	*v++ = '\0';
	while (is_ows(*v))
		v++;
	e = v + strlen(v);
	while (e > v && is_ows(e[-1]))
		*--e = '\0';
	if (strcasecmp(l, "Content-Length") == 0) {
		n = dec(v);
		if (n < 0 || (r->has_len && (uint64_t)n != r->remaining))
			return -EBADMSG;
		r->has_len = 1;
		r->remaining = (uint64_t)n;
	} else if (strcasecmp(l, "Transfer-Encoding") == 0) {
		r->chunked = has_token(v, "chunked");
	} else if (strcasecmp(l, "Connection") == 0) {
		if (has_token(v, "close"))
			r->close = 1;
		if (has_token(v, "keep-alive"))
			r->keep_alive = 1;
	} else if (strcasecmp(l, "Retry-After") == 0) {
		n = dec(v);
		r->retry_after = n < 0 || n > 86400 ? 0 : (uint32_t)n;
	}
	return 0;
}

/* The empty line after the headers: decide how the body is framed. */
static void
end_of_head(struct sl_http_resp *r)
{
	if (r->status >= 100 && r->status < 200 && r->status != 101) {
		/* An interim response: the real one follows on the same stream. */
		uint16_t interim = r->interim + 1;

		sl_http_resp_init(r);
		r->interim = interim;
		return;
	}
	if (r->http10 && !r->keep_alive)
		r->close = 1;
	if (r->status == 204 || r->status == 304 || r->status == 101) {
		r->state = SL_HTTP_RESP_DONE;
	} else if (r->chunked) {
		r->has_len = 0;
		r->remaining = 0;
		r->state = SL_HTTP_RESP_CHUNK_SIZE;
	} else if (r->has_len) {
		r->state = r->remaining ? SL_HTTP_RESP_BODY : SL_HTTP_RESP_DONE;
	} else {
		r->close = 1;
		r->state = SL_HTTP_RESP_UNTIL_EOF;
	}
}

static int
chunk_size_line(struct sl_http_resp *r)
{
	const char *l = r->line;
	uint64_t v = 0;
	int digits = 0;

	if (r->line_over)
		return -EBADMSG;
	for (; *l; l++, digits++) {
		int d;

		if (*l >= '0' && *l <= '9')
			d = *l - '0';
		else if ((*l | 0x20) >= 'a' && (*l | 0x20) <= 'f')
			d = (*l | 0x20) - 'a' + 10;
		else
			break;
		if (digits >= 15)
			return -EBADMSG;
		v = v << 4 | (uint64_t)d;
	}
	if (digits == 0 || (*l && *l != ';' && !is_ows(*l)))
		return -EBADMSG;
	r->remaining = v;
	r->state = v ? SL_HTTP_RESP_CHUNK_DATA : SL_HTTP_RESP_TRAILERS;
	return 0;
}

/* A complete line is in r->line (CR and LF stripped): act on it by state. */
static int
line_done(struct sl_http_resp *r)
{
	bool empty = r->line_len == 0 && !r->line_over;
	int rc = 0;

	switch (r->state) {
	case SL_HTTP_RESP_STATUS:
		if (empty)
			return 0; /* tolerate a stray CRLF before a response (RFC 9112 2.2) */
		rc = status_line(r);
		break;
	case SL_HTTP_RESP_HEADERS:
		if (empty)
			end_of_head(r);
		else
			rc = header_line(r);
		break;
	case SL_HTTP_RESP_CHUNK_SIZE:
		rc = chunk_size_line(r);
		break;
	case SL_HTTP_RESP_CHUNK_END:
		if (!empty)
			return -EBADMSG;
		r->state = SL_HTTP_RESP_CHUNK_SIZE;
		break;
	case SL_HTTP_RESP_TRAILERS:
		if (empty)
			r->state = SL_HTTP_RESP_DONE;
		break;
	default:
		break;
	}
	r->line_len = 0;
	r->line_over = 0;
	return rc;
}

static bool
in_line_state(uint8_t s)
{
	return s == SL_HTTP_RESP_STATUS || s == SL_HTTP_RESP_HEADERS ||
	       s == SL_HTTP_RESP_CHUNK_SIZE || s == SL_HTTP_RESP_CHUNK_END ||
	       s == SL_HTTP_RESP_TRAILERS;
}

ssize_t
sl_http_resp_feed(struct sl_http_resp *r, const uint8_t *buf, size_t len)
{
	size_t i = 0;

	while (i < len && r->state != SL_HTTP_RESP_DONE) {
		if (in_line_state(r->state)) {
			uint8_t c = buf[i++];

			if (c == '\n') {
				if (r->line_len && r->line[r->line_len - 1] == '\r')
					r->line_len--;
				r->line[r->line_len] = '\0';
				if (line_done(r) < 0)
					return -EBADMSG;
			} else if (r->line_len + 1 < SL_HTTP_RESP_LINE_MAX) {
				r->line[r->line_len++] = (char)c;
			} else {
				r->line_over = 1;
			}
			continue;
		}
		if (r->state == SL_HTTP_RESP_UNTIL_EOF) {
			r->body_len += len - i;
			i = len;
			break;
		}
		/* BODY or CHUNK_DATA: skip what is there of the remaining bytes. */
		{
			size_t n = len - i;

			if (n > r->remaining)
				n = (size_t)r->remaining;
			r->remaining -= n;
			r->body_len += n;
			i += n;
			if (r->remaining == 0)
				r->state = r->state == SL_HTTP_RESP_BODY ? SL_HTTP_RESP_DONE
				                                         : SL_HTTP_RESP_CHUNK_END;
		}
	}
	return (ssize_t)i;
}

int
sl_http_resp_eof(struct sl_http_resp *r)
{
	if (r->state == SL_HTTP_RESP_UNTIL_EOF)
		r->state = SL_HTTP_RESP_DONE;
	return r->state == SL_HTTP_RESP_DONE ? 0 : -EPIPE;
}

int
sl_gen_grpc_status_parse(const uint8_t *v, size_t len)
{
	uint32_t code = 0;
	size_t i;

	/* gRPC over HTTP/2: Status -> "grpc-status" 1*DIGIT; a code past int range is junk. */
	if (len == 0 || len > 9)
		return -EINVAL;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		code = code * 10 + (uint32_t)(v[i] - '0');
	}
	return (int)code;
}
