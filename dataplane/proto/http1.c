/* SPDX-License-Identifier: BSD-3-Clause */
/* Incremental HTTP/1.1 request parser (RFC 9112) over stream fragments, and the response writer. */

/*
 * Design
 * ------
 * One struct sl_http1_parser per connection, fed the connection's in-order
 * bytes fragment by fragment as TCP hands them up. It is a byte-at-a-time
 * state machine (with bulk runs over header values, the bulk of a head), so a
 * head, a line, a header name or a chunk-size may straddle any number of
 * fragments and nothing is ever re-scanned:
 *
 *   S_START -> METHOD -> TARGET -> VERSION -> RL_LF
 *        -> ( FIELD0 -> NAME -> OWS -> VALUE -> VALUE_LF )* -> HEAD_LF   == EV_HEAD
 *        -> BODY (Content-Length)                                        == EV_BODY*
 *         | CHUNK_SIZE -> CHUNK_EXT -> CHUNK_LF -> CHUNK_DATA -> CR LF   == EV_BODY*
 *           ... "0" CRLF -> trailer fields (same states) -> HEAD_LF
 *        -> DONE                                                         == EV_DONE
 *        -> S_START (next pipelined request)
 *
 * What it keeps: only the values the server needs after the head (method,
 * path, Content-Type, Content-Encoding, up to SL_HTTP1_CAPTURE_MAX configured
 * headers) are copied into a 1 KiB per-connection stash; framing headers
 * (Content-Length, Transfer-Encoding, Connection, Expect, Host) are reduced
 * to numbers and flags as their bytes go by. So every head byte is released
 * as soon as it is consumed, and body bytes are never copied: they come out
 * as (offset, length) ranges of the input (DESIGN rule 4).
 *
 * Invariants: p->off is the stream offset of the next byte fed; an EV_BODY
 * range lies inside the buffer of the call that returned it; ranges come out
 * in stream order and never overlap; limits are checked per byte, so where a
 * request is rejected does not depend on how the stream was cut (the tests
 * and the fuzzer compare whole against split feeding).
 *
 * Strictness (RFC 9112 / 9110), each a named reason in http1_types.h: CRLF
 * only (bare CR and bare LF rejected), no obs-fold, no whitespace before the
 * colon, token characters in method and names, no CTLs in values, one Host
 * in 1.1, Content-Length digits only (an identical repeat, "42, 42", is
 * accepted per 9110 8.6), never both Content-Length and Transfer-Encoding,
 * chunked must be the only coding (others are 501), chunk sizes checked for
 * 64-bit overflow and against body_max before their data is read, declared
 * Content-Length over body_max rejected at the end of the head (early 413).
 *
 * Rejected alternatives: buffering the whole head per connection (8 KiB per
 * connection idle, and a second pass over it); picohttpparser-style
 * re-parsing from the start of the head on every fragment (quadratic on a
 * head dribbled a byte at a time, and it needs the head contiguous);
 * llhttp (callbacks per span, lenient by default, C generated from
 * TypeScript: more to audit than this file).
 */
#include <errno.h>
#include <string.h>

#include "proto/http1.h"
#include "sl_common.h"

enum {
	S_START = 0, /* before the method; empty lines allowed (RFC 9112 2.2) */
	S_START_LF,
	S_METHOD,
	S_TARGET0,
	S_TARGET,
	S_VERSION,
	S_RL_LF,
	S_FIELD0, /* start of a field line or of the blank line ending the section */
	S_NAME,
	S_OWS,
	S_VALUE,
	S_VALUE_LF,
	S_HEAD_LF,
	S_BODY,
	S_CHUNK_SIZE0,
	S_CHUNK_SIZE,
	S_CHUNK_EXT,
	S_CHUNK_LF,
	S_CHUNK_DATA,
	S_CHUNK_DATA_CR,
	S_CHUNK_DATA_LF,
	S_DONE,
	S_ERROR,
};

/* Sub-states of S_TARGET (which form of request-target). */
enum { T_PATH, T_QUERY, T_SCHEME, T_SLASH1, T_SLASH2, T_AUTH, T_OTHER };

/* Sub-states of a Content-Length value (a comma list of identical numbers). */
enum { CL_START, CL_DIGITS, CL_AFTER };

/* Sub-states of S_CHUNK_EXT: *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted ) ] ). */
enum { X_WS, X_NAME0, X_NAME, X_NAME_WS, X_VAL0, X_VAL, X_QS, X_QESC, X_QEND };

/* Headers the parser interprets. */
enum { H_NONE, H_CL, H_TE, H_HOST, H_CONN, H_EXPECT, H_CT, H_CE };

/* Stash slots (p->store): 0 none, then these, then captures. */
enum { ST_NONE, ST_CT, ST_CE, ST_CAP0 };

/* p->flags */
#define F_CL          (1u << 0)
#define F_TE          (1u << 1)
#define F_TE_CHUNKED  (1u << 2) /* chunked seen */
#define F_TE_LAST     (1u << 3) /* the last coding so far is chunked */
#define F_TE_OTHER    (1u << 4)
#define F_TE_TWICE    (1u << 5)
#define F_CLOSE       (1u << 6)
#define F_KEEP        (1u << 7)
#define F_CONTINUE    (1u << 8)
#define F_EXPECT_MISC (1u << 9)
#define F_TRAILER     (1u << 10) /* the field states are reading trailers */

/* Byte classes. */
#define C_TCHAR  0x01 /* token (RFC 9110 5.6.2) */
#define C_VCHAR  0x02 /* field-vchar: VCHAR / obs-text */
#define C_WS     0x04 /* SP / HTAB */
#define C_TARGET 0x08 /* visible ASCII: what a request-target may hold */
#define C_HEX    0x10
#define C_DIGIT  0x20
#define C_QDTEXT 0x40 /* quoted-string text (RFC 9110 5.6.4) */

static const uint8_t cls[256] = {
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x44, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 00-0f */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* 10-1f */
	0x44, 0x4b, 0x0a, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b,
	0x4a, 0x4a, 0x4b, 0x4b, 0x4a, 0x4b, 0x4b, 0x4a, /* 20-2f */
	0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b, 0x7b,
	0x7b, 0x7b, 0x4a, 0x4a, 0x4a, 0x4a, 0x4a, 0x4a, /* 30-3f */
	0x4a, 0x5b, 0x5b, 0x5b, 0x5b, 0x5b, 0x5b, 0x4b,
	0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, /* 40-4f */
	0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b,
	0x4b, 0x4b, 0x4b, 0x4a, 0x0a, 0x4a, 0x4b, 0x4b, /* 50-5f */
	0x4b, 0x5b, 0x5b, 0x5b, 0x5b, 0x5b, 0x5b, 0x4b,
	0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, /* 60-6f */
	0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b, 0x4b,
	0x4b, 0x4b, 0x4b, 0x4a, 0x4b, 0x4a, 0x4b, 0x00, /* 70-7f */
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, /* 80-8f */
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, /* 90-9f */
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, /* a0-af */
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, /* b0-bf */
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, /* c0-cf */
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, /* d0-df */
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, /* e0-ef */
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42,
	0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, 0x42, /* f0-ff */
};

static const struct {
	int status;
	const char *name;
	const char *reason;
} errs[SL_HTTP1_E__COUNT] = {
#define X_ERR(n, label, s, r) {s, label, r},
	SL_HTTP1_ERRORS(X_ERR)
#undef X_ERR
};

static const struct {
	const char *name;
	uint8_t len;
	uint8_t id;
} known[] = {
	{"content-length", 14, H_CL},   {"transfer-encoding", 17, H_TE}, {"host", 4, H_HOST},
	{"connection", 10, H_CONN},     {"expect", 6, H_EXPECT},         {"content-type", 12, H_CT},
	{"content-encoding", 16, H_CE},
};

static const struct {
	const char *name;
	uint8_t len;
	enum sl_http1_method m;
} methods[] = {
	{"GET", 3, SL_HTTP1_M_GET},         {"HEAD", 4, SL_HTTP1_M_HEAD},
	{"POST", 4, SL_HTTP1_M_POST},       {"PUT", 3, SL_HTTP1_M_PUT},
	{"DELETE", 6, SL_HTTP1_M_DELETE},   {"CONNECT", 7, SL_HTTP1_M_CONNECT},
	{"OPTIONS", 7, SL_HTTP1_M_OPTIONS}, {"TRACE", 5, SL_HTTP1_M_TRACE},
	{"PATCH", 5, SL_HTTP1_M_PATCH},
};

static inline uint8_t
lower(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c | 0x20) : c;
}

static inline int
is_ws(uint8_t c)
{
	return c == ' ' || c == '\t';
}

/* RFC 3986 3.1: scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
static inline int
is_scheme_char(uint8_t c)
{
	return ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
	       c == '-' || c == '.';
}

static inline unsigned
hexval(uint8_t c)
{
	if (c <= '9')
		return c - '0';
	return (unsigned)(lower(c) - 'a' + 10);
}

void
sl_http1_config_default(struct sl_http1_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->line_max = SL_HTTP1_LINE_MAX_DEFAULT;
	cfg->header_bytes_max = SL_HTTP1_HEADER_BYTES_DEFAULT;
	cfg->header_count_max = SL_HTTP1_HEADER_COUNT_DEFAULT;
	cfg->body_max = SL_HTTP1_BODY_MAX_DEFAULT;
}

int
sl_http1_config_capture(struct sl_http1_config *cfg, const char *name)
{
	char low[SL_HTTP1_NAME_MAX];
	size_t n = strlen(name);
	size_t i;

	if (n == 0)
		return -EINVAL;
	if (n >= SL_HTTP1_NAME_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i < n; i++) {
		if (!(cls[(uint8_t)name[i]] & C_TCHAR))
			return -EINVAL;
		low[i] = (char)lower((uint8_t)name[i]);
	}
	if ((n == 12 && memcmp(low, "content-type", 12) == 0) ||
	    (n == 16 && memcmp(low, "content-encoding", 16) == 0))
		return -EINVAL;
	for (i = 0; i < cfg->n_capture; i++)
		if (cfg->capture_len[i] == n && memcmp(cfg->capture[i], low, n) == 0)
			return -EEXIST;
	if (cfg->n_capture >= SL_HTTP1_CAPTURE_MAX)
		return -ENOSPC;
	memcpy(cfg->capture[cfg->n_capture], low, n);
	cfg->capture_len[cfg->n_capture] = (uint8_t)n;
	return (int)cfg->n_capture++;
}

/* Forgets the previous request (its req and stash values) when the next one starts. */
static void
request_reset(struct sl_http1_parser *p)
{
	memset(&p->req, 0, sizeof(p->req));
	p->left = 0;
	p->body_total = 0;
	p->num = 0;
	p->cl = 0;
	p->sect_bytes = 0;
	p->flags = 0;
	p->stash_len = 0;
	p->n_trailers = 0;
	p->sub = 0;
	p->hdr = H_NONE;
	p->store = ST_NONE;
	p->n_host = 0;
}

void
sl_http1_init(struct sl_http1_parser *p, const struct sl_http1_config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = cfg;
	p->state = S_START;
}

int
sl_http1_in_request(const struct sl_http1_parser *p)
{
	return p->state != S_START && p->state != S_START_LF;
}

int
sl_http1_err_status(enum sl_http1_err err)
{
	return (unsigned)err < SL_HTTP1_E__COUNT ? errs[err].status : 500;
}

const char *
sl_http1_err_reason(enum sl_http1_err err)
{
	return (unsigned)err < SL_HTTP1_E__COUNT ? errs[err].reason : "unknown";
}

const char *
sl_http1_err_name(enum sl_http1_err err)
{
	return (unsigned)err < SL_HTTP1_E__COUNT ? errs[err].name : "unknown";
}

static struct sl_http1_str *
store_slot(struct sl_http1_parser *p)
{
	switch (p->store) {
	case ST_CT:
		return &p->req.content_type;
	case ST_CE:
		return &p->req.content_encoding;
	default:
		return &p->req.capture[p->store - ST_CAP0];
	}
}

/* Looks the finished field name up: which header it is, where its value goes. */
static int
name_done(struct sl_http1_parser *p)
{
	const struct sl_http1_config *cfg = p->cfg;
	struct sl_http1_str *s;
	unsigned i;

	p->hdr = H_NONE;
	p->store = ST_NONE;
	if ((p->flags & F_TRAILER) || p->name_len >= SL_HTTP1_NAME_MAX)
		return 0; /* trailers are parsed and ignored (RFC 9110 6.5.1) */
	for (i = 0; i < SL_ARRAY_SIZE(known); i++) {
		if (known[i].len == p->name_len &&
		    memcmp(known[i].name, p->name, p->name_len) == 0) {
			p->hdr = known[i].id;
			break;
		}
	}
	/* Content-Type/-Encoding are only kept: clear hdr so their bytes take the bulk path. */
	if (p->hdr == H_CT) {
		p->store = ST_CT;
		p->hdr = H_NONE;
	} else if (p->hdr == H_CE) {
		p->store = ST_CE;
		p->hdr = H_NONE;
	}
	for (i = 0; p->store == ST_NONE && i < cfg->n_capture; i++)
		if (cfg->capture_len[i] == p->name_len &&
		    memcmp(cfg->capture[i], p->name, p->name_len) == 0)
			p->store = (uint8_t)(ST_CAP0 + i);

	switch (p->hdr) {
	case H_CL:
		p->sub = CL_START;
		p->num = 0;
		break;
	case H_TE:
		p->flags |= F_TE;
		/* fall through */
	case H_CONN:
	case H_EXPECT:
		p->elem_len = 0;
		break;
	case H_HOST:
		if (++p->n_host > 1)
			return SL_HTTP1_E_HOST_DUP;
		break;
	}
	if (p->store != ST_NONE) {
		s = store_slot(p);
		if (s->present)
			return SL_HTTP1_E_DUP_FIELD;
		s->present = 1;
		s->off = p->stash_len;
		s->len = 0;
	}
	return 0;
}

static int
stash_put(struct sl_http1_parser *p, const uint8_t *b, uint32_t n)
{
	struct sl_http1_str *s = store_slot(p);

	if (n > (uint32_t)SL_HTTP1_STASH - p->stash_len)
		return SL_HTTP1_E_FIELD_TOO_LARGE;
	memcpy(p->stash + p->stash_len, b, n);
	p->stash_len = (uint16_t)(p->stash_len + n);
	s->len = (uint16_t)(s->len + n);
	return 0;
}

static int
cl_elem_done(struct sl_http1_parser *p)
{
	if (p->flags & F_CL) {
		if (p->num != p->cl)
			return SL_HTTP1_E_CL_CONFLICT;
	} else {
		p->cl = p->num;
		p->flags |= F_CL;
	}
	return 0;
}

static inline int
elem_is(const struct sl_http1_parser *p, const char *s, unsigned n)
{
	return p->elem_len == n && memcmp(p->elem, s, n) == 0;
}

/* One element of a Connection, Transfer-Encoding or Expect list is complete. */
static void
list_elem_done(struct sl_http1_parser *p)
{
	while (p->elem_len > 0 && p->elem_len < SL_HTTP1_ELEM_MAX &&
	       is_ws((uint8_t)p->elem[p->elem_len - 1]))
		p->elem_len--;
	if (p->elem_len == 0)
		return; /* empty list elements are allowed (RFC 9110 5.6.1) */
	switch (p->hdr) {
	case H_TE:
		if (elem_is(p, "chunked", 7)) {
			if (p->flags & F_TE_CHUNKED)
				p->flags |= F_TE_TWICE;
			p->flags |= F_TE_CHUNKED | F_TE_LAST;
		} else {
			p->flags |= F_TE_OTHER;
			p->flags &= ~F_TE_LAST;
		}
		break;
	case H_CONN:
		if (elem_is(p, "close", 5))
			p->flags |= F_CLOSE;
		else if (elem_is(p, "keep-alive", 10))
			p->flags |= F_KEEP;
		break;
	case H_EXPECT:
		if (elem_is(p, "100-continue", 12))
			p->flags |= F_CONTINUE;
		else
			p->flags |= F_EXPECT_MISC;
		break;
	}
	p->elem_len = 0;
}

/* One byte of a field value that matters beyond validation (c is a field-vchar, SP or HTAB). */
static int
value_byte(struct sl_http1_parser *p, uint8_t c)
{
	int e;

	if (p->store != ST_NONE && (e = stash_put(p, &c, 1)) != 0)
		return e;
	switch (p->hdr) {
	case H_CL:
		if (cls[c] & C_DIGIT) {
			if (p->sub == CL_AFTER)
				return SL_HTTP1_E_CL_INVALID;
			if (p->sub == CL_START)
				p->num = 0;
			/* Saturate: anything past 2^64 is over body_max anyway (413). */
			if (p->num > (UINT64_MAX - 9) / 10)
				p->num = UINT64_MAX;
			else
				p->num = p->num * 10 + (c - '0');
			p->sub = CL_DIGITS;
		} else if (is_ws(c)) {
			if (p->sub == CL_DIGITS)
				p->sub = CL_AFTER;
		} else if (c == ',') {
			if (p->sub == CL_START)
				return SL_HTTP1_E_CL_INVALID;
			if ((e = cl_elem_done(p)) != 0)
				return e;
			p->sub = CL_START;
		} else {
			return SL_HTTP1_E_CL_INVALID;
		}
		break;
	case H_TE:
	case H_CONN:
	case H_EXPECT:
		if (c == ',') {
			list_elem_done(p);
		} else if (p->elem_len == 0 && is_ws(c)) {
			/* OWS before an element */
		} else if (p->elem_len < SL_HTTP1_ELEM_MAX - 1) {
			p->elem[p->elem_len++] = (char)lower(c);
		} else {
			p->elem_len = SL_HTTP1_ELEM_MAX; /* too long to be one we know */
		}
		break;
	}
	return 0;
}

/* The field line's CRLF arrived. */
static int
value_done(struct sl_http1_parser *p)
{
	struct sl_http1_str *s;
	int e = 0;

	if (p->store != ST_NONE) {
		s = store_slot(p);
		while (s->len > 0 && is_ws((uint8_t)p->stash[s->off + s->len - 1])) {
			s->len--;
			p->stash_len--;
		}
	}
	switch (p->hdr) {
	case H_CL:
		if (p->sub == CL_START)
			e = SL_HTTP1_E_CL_INVALID;
		else
			e = cl_elem_done(p);
		break;
	case H_TE:
	case H_CONN:
	case H_EXPECT:
		list_elem_done(p);
		break;
	}
	p->hdr = H_NONE;
	p->store = ST_NONE;
	return e;
}

/* The blank line ending the head arrived: decide framing and persistence. */
static int
head_done(struct sl_http1_parser *p)
{
	struct sl_http1_req *r = &p->req;
	uint32_t f = p->flags;

	r->head_bytes = p->line_bytes + p->sect_bytes;
	if (r->version_minor == 1 && p->n_host == 0)
		return SL_HTTP1_E_HOST_MISSING;
	if (f & F_TE) {
		if (f & F_CL)
			return SL_HTTP1_E_CL_AND_TE;
		if (r->version_minor == 0)
			return SL_HTTP1_E_TE_HTTP10;
		if (f & F_TE_TWICE)
			return SL_HTTP1_E_TE_BAD;
		if (f & F_TE_OTHER)
			return SL_HTTP1_E_TE_UNSUPPORTED;
		if (!(f & F_TE_LAST))
			return SL_HTTP1_E_TE_BAD;
		r->framing = SL_HTTP1_BODY_CHUNKED;
		p->line_bytes = 0;
		p->state = S_CHUNK_SIZE0;
	} else if (f & F_CL) {
		if (p->cl > p->cfg->body_max)
			return SL_HTTP1_E_BODY_TOO_LARGE;
		r->framing = SL_HTTP1_BODY_LENGTH;
		r->content_length = p->cl;
		p->left = p->cl;
		p->state = p->cl > 0 ? S_BODY : S_DONE;
	} else {
		r->framing = SL_HTTP1_BODY_NONE;
		p->state = S_DONE;
	}
	if (r->version_minor == 1)
		r->keep_alive = (f & F_CLOSE) ? SL_HTTP1_CONN_CLOSE : SL_HTTP1_CONN_KEEP;
	else
		r->keep_alive = ((f & F_KEEP) && !(f & F_CLOSE)) ? SL_HTTP1_CONN_KEEP_EXPLICIT
								   : SL_HTTP1_CONN_CLOSE;
	/* RFC 9110 10.1.1: a 100-continue expectation in an HTTP/1.0 request MUST be ignored. */
	r->expect_continue = r->version_minor == 1 && (f & F_CONTINUE);
	r->expect_other = (f & F_EXPECT_MISC) != 0;
	return 0;
}

static void
method_done(struct sl_http1_parser *p)
{
	struct sl_http1_req *r = &p->req;
	unsigned i;

	r->method = SL_HTTP1_M_OTHER;
	for (i = 0; i < SL_ARRAY_SIZE(methods); i++) {
		if (methods[i].len == r->method_str.len &&
		    memcmp(methods[i].name, p->stash + r->method_str.off, methods[i].len) == 0) {
			r->method = methods[i].m;
			break;
		}
	}
}

/* Appends one byte of the path (origin-form or the path of absolute-form). */
static inline void
path_byte(struct sl_http1_parser *p, uint8_t c)
{
	if (p->req.path.len >= SL_HTTP1_PATH_MAX) {
		p->req.path_truncated = 1;
		return;
	}
	p->stash[p->stash_len++] = (char)c;
	p->req.path.len++;
}

static inline void
path_start(struct sl_http1_parser *p)
{
	p->req.path.present = 1;
	p->req.path.off = p->stash_len;
	p->req.path.len = 0;
	path_byte(p, '/');
}

/* Request-target bytes after the first (S_TARGET): picks the path out. */
static int
target_byte(struct sl_http1_parser *p, uint8_t c)
{
	if (!(cls[c] & C_TARGET))
		return SL_HTTP1_E_BAD_TARGET;
	switch (p->sub) {
	case T_PATH:
		if (c == '?')
			p->sub = T_QUERY;
		else
			path_byte(p, c);
		break;
	case T_SCHEME:
		if (c == ':') {
			int web = elem_is(p, "http", 4) || elem_is(p, "https", 5);

			p->sub = web ? T_SLASH1 : T_OTHER;
		} else if (is_scheme_char(c)) {
			if (p->elem_len < SL_HTTP1_ELEM_MAX - 1)
				p->elem[p->elem_len++] = (char)lower(c);
			else
				p->elem_len = SL_HTTP1_ELEM_MAX;
		} else {
			p->sub = T_OTHER;
		}
		break;
	case T_SLASH1:
	case T_SLASH2:
		p->sub = c == '/' ? (uint8_t)(p->sub + 1) : (uint8_t)T_OTHER;
		break;
	case T_AUTH:
		if (c == '/') {
			path_start(p);
			p->sub = T_PATH;
		} else if (c == '?') {
			path_start(p);
			p->sub = T_QUERY;
		}
		break;
	}
	return 0;
}

/*
 * Per-byte accounting against the limits; returns 0 or the error. Request
 * line, field section and chunk-size line each have their own budget.
 */
static inline int
account(struct sl_http1_parser *p)
{
	const struct sl_http1_config *cfg = p->cfg;

	switch (p->state) {
	case S_START:
	case S_START_LF:
	case S_METHOD:
	case S_TARGET0:
	case S_TARGET:
	case S_VERSION:
	case S_RL_LF:
		if (++p->line_bytes > cfg->line_max)
			return SL_HTTP1_E_LINE_TOO_LONG;
		return 0;
	case S_FIELD0:
	case S_NAME:
	case S_OWS:
	case S_VALUE:
	case S_VALUE_LF:
	case S_HEAD_LF:
		if (++p->sect_bytes > cfg->header_bytes_max)
			return (p->flags & F_TRAILER) ? SL_HTTP1_E_TRAILERS_TOO_LARGE
						       : SL_HTTP1_E_HEADERS_TOO_LARGE;
		return 0;
	case S_CHUNK_SIZE0:
	case S_CHUNK_SIZE:
	case S_CHUNK_EXT:
	case S_CHUNK_LF:
		if (++p->line_bytes > cfg->line_max)
			return SL_HTTP1_E_CHUNK_LINE_TOO_LONG;
		return 0;
	default:
		return 0;
	}
}

static int
chunk_ext_byte(struct sl_http1_parser *p, uint8_t c)
{
	uint8_t k = cls[c];

	switch (p->sub) {
	case X_WS: /* BWS before ';' */
		if (c == ';')
			p->sub = X_NAME0;
		else if (!(k & C_WS))
			return SL_HTTP1_E_CHUNK_EXT;
		return 0;
	case X_NAME0:
		if (k & C_TCHAR)
			p->sub = X_NAME;
		else if (!(k & C_WS))
			return SL_HTTP1_E_CHUNK_EXT;
		return 0;
	case X_NAME:
		if (k & C_TCHAR)
			return 0;
		if (k & C_WS)
			p->sub = X_NAME_WS;
		else if (c == '=')
			p->sub = X_VAL0;
		else if (c == ';')
			p->sub = X_NAME0;
		else
			return SL_HTTP1_E_CHUNK_EXT;
		return 0;
	case X_NAME_WS:
		if (c == '=')
			p->sub = X_VAL0;
		else if (c == ';')
			p->sub = X_NAME0;
		else if (!(k & C_WS))
			return SL_HTTP1_E_CHUNK_EXT;
		return 0;
	case X_VAL0:
		if (c == '"')
			p->sub = X_QS;
		else if (k & C_TCHAR)
			p->sub = X_VAL;
		else if (!(k & C_WS))
			return SL_HTTP1_E_CHUNK_EXT;
		return 0;
	case X_VAL:
		if (k & C_TCHAR)
			return 0;
		if (k & C_WS)
			p->sub = X_WS;
		else if (c == ';')
			p->sub = X_NAME0;
		else
			return SL_HTTP1_E_CHUNK_EXT;
		return 0;
	case X_QS:
		if (c == '"')
			p->sub = X_QEND;
		else if (c == '\\')
			p->sub = X_QESC;
		else if (!(k & C_QDTEXT))
			return SL_HTTP1_E_CHUNK_EXT;
		return 0;
	case X_QESC:
		if (!(k & (C_VCHAR | C_WS)))
			return SL_HTTP1_E_CHUNK_EXT;
		p->sub = X_QS;
		return 0;
	case X_QEND:
		if (k & C_WS)
			p->sub = X_WS;
		else if (c == ';')
			p->sub = X_NAME0;
		else
			return SL_HTTP1_E_CHUNK_EXT;
		return 0;
	}
	return SL_HTTP1_E_CHUNK_EXT;
}

/* Which byte values may end a chunk-size line or extension (the CR is handled by the caller). */
static inline int
chunk_ext_may_end(const struct sl_http1_parser *p)
{
	return p->sub == X_NAME || p->sub == X_VAL || p->sub == X_QEND;
}

/* Result of step(): keep going, or stop the call with this event. */
enum { R_MORE = 0, R_HEAD, R_ERROR };

/*
 * Runs the byte states (everything but body data and DONE) over data[*pi..len)
 * until an event, an error, or a state with its own handling in the caller.
 */
static int
step(struct sl_http1_parser *p, const uint8_t *data, uint32_t len, uint32_t *pi, int *perr)
{
	const struct sl_http1_config *cfg = p->cfg;
	uint32_t i = *pi;
	int e = 0;
	uint8_t c;

	while (i < len) {
		/*
		 * Bulk run over a value that is only validated (or copied): most
		 * head bytes (User-Agent, traceparent, ...) go through here.
		 */
		if (p->state == S_VALUE && (p->hdr == H_NONE)) {
			uint32_t room = cfg->header_bytes_max - p->sect_bytes;
			uint32_t end = len - i > room ? i + room : len;
			uint32_t j = i;

			while (j < end && (cls[data[j]] & (C_VCHAR | C_WS)))
				j++;
			if (j > i && p->store != ST_NONE) {
				/* keep what fits; the first byte that does not fails below */
				uint32_t fit = (uint32_t)SL_HTTP1_STASH - p->stash_len;

				if (j - i > fit)
					j = i + fit;
				stash_put(p, data + i, j - i);
			}
			p->sect_bytes += j - i;
			i = j;
			if (i == len)
				break;
		}
		c = data[i];
		if ((e = account(p)) != 0)
			goto fail;
		switch (p->state) {
		case S_START:
			if (c == '\r') {
				p->state = S_START_LF;
			} else if (c == '\n') {
				e = SL_HTTP1_E_BARE_LF;
			} else if (cls[c] & C_TCHAR) {
				uint32_t lb = p->line_bytes;

				request_reset(p);
				p->line_bytes = lb;
				p->req.method_str.present = 1;
				p->req.method_str.off = 0;
				p->req.method_str.len = 1;
				p->stash[p->stash_len++] = (char)c;
				p->state = S_METHOD;
			} else {
				e = SL_HTTP1_E_BAD_METHOD;
			}
			break;
		case S_START_LF:
			if (c != '\n')
				e = SL_HTTP1_E_BARE_CR;
			p->state = S_START;
			break;
		case S_METHOD:
			if (c == ' ') {
				method_done(p);
				p->state = S_TARGET0;
			} else if (!(cls[c] & C_TCHAR)) {
				e = SL_HTTP1_E_BAD_METHOD;
			} else if (p->req.method_str.len >= SL_HTTP1_METHOD_MAX) {
				e = SL_HTTP1_E_METHOD_TOO_LONG;
			} else {
				p->stash[p->stash_len++] = (char)c;
				p->req.method_str.len++;
			}
			break;
		case S_TARGET0:
			p->state = S_TARGET;
			p->elem_len = 0;
			if (c == '/') {
				path_start(p);
				p->sub = T_PATH;
			} else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') {
				p->elem[p->elem_len++] = (char)lower(c);
				p->sub = T_SCHEME;
			} else if (cls[c] & C_TARGET) {
				p->sub = T_OTHER; /* "*", authority-form */
			} else {
				e = SL_HTTP1_E_BAD_TARGET;
			}
			break;
		case S_TARGET:
			if (c == ' ') {
				if (p->sub == T_AUTH)
					path_start(p); /* "http://host" is "http://host/" */
				p->state = S_VERSION;
				p->ver_idx = 0;
			} else {
				e = target_byte(p, c);
			}
			break;
		case S_VERSION:
			if (p->ver_idx < 5) {
				if (c != (uint8_t)"HTTP/"[p->ver_idx])
					e = SL_HTTP1_E_BAD_VERSION;
			} else if (p->ver_idx == 5 || p->ver_idx == 7) {
				if (!(cls[c] & C_DIGIT))
					e = SL_HTTP1_E_BAD_VERSION;
				else if (p->ver_idx == 5)
					p->num = c - '0';
				else
					p->req.version_minor = c == '0' ? 0 : 1;
			} else if (p->ver_idx == 6) {
				if (c != '.')
					e = SL_HTTP1_E_BAD_VERSION;
			} else if (c == '\r') {
				p->state = S_RL_LF;
			} else {
				e = c == '\n' ? SL_HTTP1_E_BARE_LF : SL_HTTP1_E_BAD_VERSION;
			}
			p->ver_idx++;
			break;
		case S_RL_LF:
			if (c != '\n') {
				e = SL_HTTP1_E_BARE_CR;
			} else if (p->num != 1) {
				e = SL_HTTP1_E_VERSION;
			} else {
				p->state = S_FIELD0;
				p->sect_bytes = 0;
			}
			break;
		case S_FIELD0:
			if (c == '\r') {
				p->state = S_HEAD_LF;
			} else if (cls[c] & C_TCHAR) {
				if (p->flags & F_TRAILER) {
					if (++p->n_trailers > cfg->header_count_max)
						e = SL_HTTP1_E_TRAILERS_TOO_LARGE;
				} else if (++p->req.n_fields > cfg->header_count_max) {
					e = SL_HTTP1_E_HEADERS_TOO_MANY;
				}
				p->name[0] = (char)lower(c);
				p->name_len = 1;
				p->state = S_NAME;
			} else if (is_ws(c)) {
				e = SL_HTTP1_E_OBS_FOLD;
			} else if (c == '\n') {
				e = SL_HTTP1_E_BARE_LF;
			} else {
				e = SL_HTTP1_E_BAD_HEADER_NAME;
			}
			break;
		case S_NAME:
			if (cls[c] & C_TCHAR) {
				if (p->name_len < SL_HTTP1_NAME_MAX - 1)
					p->name[p->name_len++] = (char)lower(c);
				else
					p->name_len = SL_HTTP1_NAME_MAX;
			} else if (c == ':') {
				e = name_done(p);
				p->state = S_OWS;
			} else if (is_ws(c)) {
				e = SL_HTTP1_E_WS_BEFORE_COLON;
			} else {
				e = SL_HTTP1_E_BAD_HEADER_NAME;
			}
			break;
		case S_OWS:
			if (is_ws(c))
				break;
			p->state = S_VALUE;
			/* fall through */
		case S_VALUE:
			if (c == '\r')
				p->state = S_VALUE_LF;
			else if (c == '\n')
				e = SL_HTTP1_E_BARE_LF;
			else if (!(cls[c] & (C_VCHAR | C_WS)))
				e = SL_HTTP1_E_BAD_HEADER_VALUE;
			else if (p->hdr != H_NONE || p->store != ST_NONE)
				e = value_byte(p, c);
			break;
		case S_VALUE_LF:
			if (c != '\n') {
				e = SL_HTTP1_E_BARE_CR;
			} else {
				e = value_done(p);
				p->state = S_FIELD0;
			}
			break;
		case S_HEAD_LF:
			if (c != '\n') {
				e = SL_HTTP1_E_BARE_CR;
				break;
			}
			i++;
			if (p->flags & F_TRAILER) {
				p->state = S_DONE;
				*pi = i;
				return R_MORE;
			}
			if ((e = head_done(p)) != 0) {
				i--;
				goto fail;
			}
			*pi = i;
			return R_HEAD;
		case S_CHUNK_SIZE0:
			if (!(cls[c] & C_HEX)) {
				e = SL_HTTP1_E_CHUNK_SIZE;
			} else {
				p->num = hexval(c);
				p->state = S_CHUNK_SIZE;
			}
			break;
		case S_CHUNK_SIZE:
			if (cls[c] & C_HEX) {
				if (p->num >> 60)
					e = SL_HTTP1_E_CHUNK_OVERFLOW;
				else
					p->num = (p->num << 4) | hexval(c);
			} else if (c == '\r') {
				p->state = S_CHUNK_LF;
			} else if (c == ';') {
				p->state = S_CHUNK_EXT;
				p->sub = X_NAME0;
			} else if (is_ws(c)) {
				p->state = S_CHUNK_EXT;
				p->sub = X_WS;
			} else {
				e = c == '\n' ? SL_HTTP1_E_BARE_LF : SL_HTTP1_E_CHUNK_SIZE;
			}
			break;
		case S_CHUNK_EXT:
			if (c == '\r' && chunk_ext_may_end(p))
				p->state = S_CHUNK_LF;
			else
				e = chunk_ext_byte(p, c);
			break;
		case S_CHUNK_LF:
			if (c != '\n') {
				e = SL_HTTP1_E_BARE_CR;
			} else if (p->num == 0) {
				p->flags |= F_TRAILER;
				p->sect_bytes = 0;
				p->state = S_FIELD0;
			} else if (p->num > cfg->body_max - p->body_total) {
				e = SL_HTTP1_E_BODY_TOO_LARGE;
			} else {
				p->body_total += p->num;
				p->left = p->num;
				p->state = S_CHUNK_DATA;
				i++;
				*pi = i;
				return R_MORE;
			}
			break;
		case S_CHUNK_DATA_CR:
			if (c == '\r')
				p->state = S_CHUNK_DATA_LF;
			else
				e = SL_HTTP1_E_CHUNK_CRLF;
			break;
		case S_CHUNK_DATA_LF:
			if (c == '\n') {
				p->state = S_CHUNK_SIZE0;
				p->line_bytes = 0;
			} else {
				e = SL_HTTP1_E_CHUNK_CRLF;
			}
			break;
		default:
			*pi = i;
			return R_MORE;
		}
		if (e != 0)
			goto fail;
		i++;
	}
	*pi = i;
	return R_MORE;
fail:
	p->err = (uint8_t)e;
	p->state = S_ERROR;
	*perr = e;
	*pi = i;
	return R_ERROR;
}

uint32_t
sl_http1_parse(struct sl_http1_parser *p, const uint8_t *data, uint32_t len,
	       struct sl_http1_event *ev)
{
	uint32_t i = 0, n;
	int r, e = 0;

	ev->type = SL_HTTP1_EV_NONE;
	ev->err = SL_HTTP1_E_NONE;
	ev->pos = 0;
	ev->len = 0;
	ev->off = 0;
	for (;;) {
		switch (p->state) {
		case S_ERROR:
			ev->type = SL_HTTP1_EV_ERROR;
			ev->err = (enum sl_http1_err)p->err;
			ev->off = p->off;
			return 0;
		case S_DONE:
			p->state = S_START;
			p->line_bytes = 0;
			ev->type = SL_HTTP1_EV_DONE;
			goto out;
		case S_BODY:
		case S_CHUNK_DATA:
			if (i == len)
				goto out;
			n = len - i;
			if (n > p->left)
				n = (uint32_t)p->left;
			ev->type = SL_HTTP1_EV_BODY;
			ev->pos = i;
			ev->len = n;
			ev->off = p->off + i;
			i += n;
			p->left -= n;
			if (p->left == 0)
				p->state = p->state == S_BODY ? S_DONE : S_CHUNK_DATA_CR;
			goto out;
		default:
			if (i == len)
				goto out;
			r = step(p, data, len, &i, &e);
			if (r == R_HEAD) {
				ev->type = SL_HTTP1_EV_HEAD;
				goto out;
			}
			if (r == R_ERROR) {
				ev->type = SL_HTTP1_EV_ERROR;
				ev->err = (enum sl_http1_err)e;
				ev->pos = i;
				ev->off = p->off + i;
				goto out;
			}
			break;
		}
	}
out:
	p->off += i;
	return i;
}

int
sl_http1_media_type_is(const struct sl_http1_parser *p, const struct sl_http1_str *s,
		       const char *type)
{
	const char *v = sl_http1_str_ptr(p, s);
	size_t n = strlen(type), i, end;

	if (!s->present || s->len < n)
		return 0;
	for (i = 0; i < n; i++)
		if (lower((uint8_t)v[i]) != lower((uint8_t)type[i]))
			return 0;
	/* type/subtype ends at OWS or ';' (RFC 9110 8.3.1) */
	end = i;
	while (end < s->len && is_ws((uint8_t)v[end]))
		end++;
	return end == s->len || v[end] == ';';
}

const char *
sl_http1_reason(int status)
{
	switch (status) {
	case 100:
		return "Continue";
	case 200:
		return "OK";
	case 202:
		return "Accepted";
	case 204:
		return "No Content";
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 408:
		return "Request Timeout";
	case 413:
		return "Content Too Large";
	case 414:
		return "URI Too Long";
	case 415:
		return "Unsupported Media Type";
	case 417:
		return "Expectation Failed";
	case 429:
		return "Too Many Requests";
	case 431:
		return "Request Header Fields Too Large";
	case 500:
		return "Internal Server Error";
	case 501:
		return "Not Implemented";
	case 502:
		return "Bad Gateway";
	case 503:
		return "Service Unavailable";
	case 504:
		return "Gateway Timeout";
	case 505:
		return "HTTP Version Not Supported";
	default:
		return NULL;
	}
}

/* Appends s (n bytes) at *w if it fits before end; returns 0 or -ENOSPC. */
static int
put(char **w, const char *end, const char *s, size_t n)
{
	if ((size_t)(end - *w) < n)
		return -ENOSPC;
	memcpy(*w, s, n);
	*w += n;
	return 0;
}

static int
put_u64(char **w, const char *end, uint64_t v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[sizeof(tmp) - 1 - n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	return put(w, end, tmp + sizeof(tmp) - n, (size_t)n);
}

#define PUT(s)                                                                                     \
	do {                                                                                       \
		if (put(&w, end, (s), strlen(s)) < 0)                                              \
			return -ENOSPC;                                                            \
	} while (0)

int
sl_http1_write_response(char *buf, size_t cap, int status, const char *content_type,
			const char *extra, uint64_t body_len, enum sl_http1_conn conn)
{
	const char *reason = sl_http1_reason(status);
	const char *end = buf + cap;
	char *w = buf;

	if (status < 100 || status > 599)
		return -EINVAL;
	PUT("HTTP/1.1 ");
	if (put_u64(&w, end, (uint64_t)status) < 0)
		return -ENOSPC;
	PUT(" ");
	if (reason != NULL)
		PUT(reason); /* the phrase is optional (RFC 9112 4): unknown statuses go without */
	PUT("\r\n");
	if (status >= 200) {
		if (content_type != NULL) {
			PUT("Content-Type: ");
			PUT(content_type);
			PUT("\r\n");
		}
		PUT("Content-Length: ");
		if (put_u64(&w, end, body_len) < 0)
			return -ENOSPC;
		PUT("\r\n");
		if (conn == SL_HTTP1_CONN_CLOSE)
			PUT("Connection: close\r\n");
		else if (conn == SL_HTTP1_CONN_KEEP_EXPLICIT)
			PUT("Connection: keep-alive\r\n");
	}
	if (extra != NULL)
		PUT(extra);
	PUT("\r\n");
	return (int)(w - buf);
}
