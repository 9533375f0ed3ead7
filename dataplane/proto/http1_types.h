/* SPDX-License-Identifier: BSD-3-Clause */
/* Types, limits and reject reasons of the incremental HTTP/1.1 request parser (RFC 9112). */
#ifndef SL_HTTP1_TYPES_H
#define SL_HTTP1_TYPES_H

#include <stdint.h>

/*
 * Per-connection bytes for the values the server reads after the head: method,
 * path, Content-Type, Content-Encoding and the captured headers. It is what a
 * connection pays while idle, so it is small; a captured value that does not
 * fit is rejected with 431 (a JWT in Authorization is the usual long one: raise
 * this with the capture list, every connection pays for it).
 */
#define SL_HTTP1_STASH 1024

/* Longest method kept; longer ones get 501 (RFC 9112 3.1: "SHOULD respond with 501"). */
#define SL_HTTP1_METHOD_MAX 16

/*
 * Longest path kept. OTLP paths are ~12 bytes; a longer path is flagged
 * path_truncated (the server answers 404) rather than rejected, so a long
 * query string or a crawler never costs more stash than this.
 */
#define SL_HTTP1_PATH_MAX 256

/* Header names are matched against known and captured names up to this length - 1. */
#define SL_HTTP1_NAME_MAX 32

/* Captured header names per listener (tenant, auth, ...); each costs a compare per header. */
#define SL_HTTP1_CAPTURE_MAX 4

/* List elements (Connection, Transfer-Encoding, Expect) compared up to this length - 1. */
#define SL_HTTP1_ELEM_MAX 16

/* Defaults of struct sl_http1_config (what sl_http1_config_default sets). */
#define SL_HTTP1_LINE_MAX_DEFAULT     4096u        /* request-line and chunk-size line */
#define SL_HTTP1_HEADER_BYTES_DEFAULT 8192u        /* field section, CRLFs included */
#define SL_HTTP1_HEADER_COUNT_DEFAULT 64u          /* field lines per head (and per trailer) */
#define SL_HTTP1_BODY_MAX_DEFAULT     (20u << 20)  /* body bytes on the wire (OTel's default) */

/*
 * Every reason the parser rejects a request: enum name, metrics label, HTTP
 * status the server answers with, human reason (log line, response body).
 * After any of them the connection must be closed: framing is lost.
 */
#define SL_HTTP1_ERRORS(X)                                                                         \
	X(NONE, "none", 0, "no error")                                                             \
	X(BAD_METHOD, "bad_method", 400, "invalid character in method")                            \
	X(METHOD_TOO_LONG, "method_too_long", 501, "method longer than any implemented")           \
	X(BAD_TARGET, "bad_target", 400, "invalid request-target")                                 \
	X(LINE_TOO_LONG, "line_too_long", 414, "request-line too long")                            \
	X(BAD_VERSION, "bad_version", 400, "malformed HTTP-version")                               \
	X(VERSION, "version", 505, "HTTP version not supported")                                   \
	X(BARE_CR, "bare_cr", 400, "CR not followed by LF")                                        \
	X(BARE_LF, "bare_lf", 400, "LF without CR")                                                \
	X(BAD_HEADER_NAME, "bad_header_name", 400, "invalid character in header field name")       \
	X(WS_BEFORE_COLON, "ws_before_colon", 400, "whitespace before the colon of a field")       \
	X(BAD_HEADER_VALUE, "bad_header_value", 400, "invalid character in header field value")    \
	X(OBS_FOLD, "obs_fold", 400, "obsolete line folding (or whitespace at line start)")        \
	X(HEADERS_TOO_MANY, "headers_too_many", 431, "too many header fields")                     \
	X(HEADERS_TOO_LARGE, "headers_too_large", 431, "header section too large")                 \
	X(FIELD_TOO_LARGE, "field_too_large", 431, "header value too large to keep")               \
	X(DUP_FIELD, "dup_field", 400, "repeated Content-Type, -Encoding or captured field")       \
	X(HOST_MISSING, "host_missing", 400, "HTTP/1.1 request without Host")                      \
	X(HOST_DUP, "host_dup", 400, "more than one Host")                                         \
	X(CL_INVALID, "cl_invalid", 400, "invalid Content-Length")                                 \
	X(CL_CONFLICT, "cl_conflict", 400, "differing Content-Length values")                      \
	X(CL_AND_TE, "cl_and_te", 400, "both Content-Length and Transfer-Encoding")                \
	X(TE_UNSUPPORTED, "te_unsupported", 501, "transfer coding other than chunked")             \
	X(TE_BAD, "te_bad", 400, "chunked missing, repeated or not last")                          \
	X(TE_HTTP10, "te_http10", 400, "Transfer-Encoding in an HTTP/1.0 request")                 \
	X(BODY_TOO_LARGE, "body_too_large", 413, "body larger than the limit")                     \
	X(CHUNK_SIZE, "chunk_size", 400, "invalid chunk size")                                     \
	X(CHUNK_OVERFLOW, "chunk_overflow", 400, "chunk size overflows 64 bits")                   \
	X(CHUNK_EXT, "chunk_ext", 400, "invalid chunk extension")                                  \
	X(CHUNK_LINE_TOO_LONG, "chunk_line_too_long", 400, "chunk-size line too long")             \
	X(CHUNK_CRLF, "chunk_crlf", 400, "chunk data not followed by CRLF")                        \
	X(TRAILERS_TOO_LARGE, "trailers_too_large", 431, "trailer fields too many or too large")

enum sl_http1_err {
#define SL_HTTP1_X_ENUM(name, label, status, reason) SL_HTTP1_E_##name,
	SL_HTTP1_ERRORS(SL_HTTP1_X_ENUM)
#undef SL_HTTP1_X_ENUM
	SL_HTTP1_E__COUNT
};

/* Methods the server may want to tell apart; anything else is OTHER (see method_str). */
enum sl_http1_method {
	SL_HTTP1_M_OTHER = 0,
	SL_HTTP1_M_GET,
	SL_HTTP1_M_HEAD,
	SL_HTTP1_M_POST,
	SL_HTTP1_M_PUT,
	SL_HTTP1_M_DELETE,
	SL_HTTP1_M_CONNECT,
	SL_HTTP1_M_OPTIONS,
	SL_HTTP1_M_TRACE,
	SL_HTTP1_M_PATCH,
};

/* What the connection does after the response; also the response writer's argument. */
enum sl_http1_conn {
	SL_HTTP1_CONN_CLOSE = 0,     /* send "Connection: close", then close */
	SL_HTTP1_CONN_KEEP,          /* HTTP/1.1 persistent: no header needed */
	SL_HTTP1_CONN_KEEP_EXPLICIT, /* HTTP/1.0 client asked: send "Connection: keep-alive" */
};

/* How the request body is delimited (RFC 9112 6.3). */
enum sl_http1_framing {
	SL_HTTP1_BODY_NONE = 0, /* no Content-Length, no Transfer-Encoding: empty body */
	SL_HTTP1_BODY_LENGTH,   /* Content-Length: content_length bytes */
	SL_HTTP1_BODY_CHUNKED,  /* Transfer-Encoding: chunked */
};

enum sl_http1_ev_type {
	SL_HTTP1_EV_NONE = 0, /* every byte passed in is consumed and nothing is pending */
	SL_HTTP1_EV_HEAD,     /* request head complete: parser->req filled in */
	SL_HTTP1_EV_BODY,     /* body bytes: pos/len in the buffer passed in, off absolute */
	SL_HTTP1_EV_DONE,     /* request complete (body and trailers consumed) */
	SL_HTTP1_EV_ERROR,    /* request rejected: err; answer, then close */
};

struct sl_http1_event {
	enum sl_http1_ev_type type;
	enum sl_http1_err err; /* EV_ERROR */
	uint32_t pos;          /* EV_BODY/EV_ERROR: index of the byte in the buffer passed in */
	uint32_t len;          /* EV_BODY: body bytes from pos */
	uint64_t off;          /* EV_BODY/EV_ERROR: absolute stream offset of that byte */
};

/* A value kept in the parser's stash; read it with sl_http1_str_ptr(). */
struct sl_http1_str {
	uint16_t off;
	uint16_t len;
	uint8_t present; /* the field was in the head (len may still be 0) */
};

/* A parsed request head: valid from EV_HEAD until the parser is called after EV_DONE. */
struct sl_http1_req {
	enum sl_http1_method method;
	enum sl_http1_conn keep_alive; /* decision from version and Connection */
	enum sl_http1_framing framing;
	uint8_t version_minor;         /* 0 or 1 (1.2 and later read as 1.1, RFC 9110 6.2) */
	uint8_t expect_continue;       /* HTTP/1.1 with Expect: 100-continue */
	uint8_t expect_other;          /* an Expect member other than 100-continue (417 allowed) */
	uint8_t path_truncated;        /* path longer than SL_HTTP1_PATH_MAX: stored prefix */
	uint32_t n_fields;             /* header field lines */
	uint32_t head_bytes;           /* request-line + field section, CRLFs included */
	uint64_t content_length;       /* framing == LENGTH */
	struct sl_http1_str method_str;
	/*
	 * Path of an origin-form target ("/v1/traces", query cut off) or of an
	 * absolute-form one ("http://h/v1/traces" -> "/v1/traces", "" -> "/").
	 * Absent for asterisk- and authority-form.
	 */
	struct sl_http1_str path;
	struct sl_http1_str content_type;     /* raw value, OWS trimmed */
	struct sl_http1_str content_encoding; /* raw value, OWS trimmed */
	struct sl_http1_str capture[SL_HTTP1_CAPTURE_MAX]; /* in config capture order */
};

/*
 * Limits and captured names, shared read-only by all connections of a
 * listener (one per core). Set with sl_http1_config_default() and
 * sl_http1_config_capture(); changing it under live parsers is not supported.
 */
struct sl_http1_config {
	uint32_t line_max;         /* request-line / chunk-size line bytes, CRLF included */
	uint32_t header_bytes_max; /* field section bytes (and trailer section), CRLFs included */
	uint32_t header_count_max; /* field lines (and trailer lines) */
	uint64_t body_max;         /* body bytes on the wire; larger declared length: early 413 */
	uint32_t n_capture;
	uint8_t capture_len[SL_HTTP1_CAPTURE_MAX];
	char capture[SL_HTTP1_CAPTURE_MAX][SL_HTTP1_NAME_MAX]; /* lowercase */
};

/*
 * One per connection, embedded in the connection; do not copy it while a
 * request is in flight (values are offsets into its own stash, so a copy is
 * consistent, but two copies must not both be fed). Everything below req is
 * private to http1.c.
 */
struct sl_http1_parser {
	struct sl_http1_req req;
	const struct sl_http1_config *cfg;
	uint64_t off;        /* absolute stream offset of the next byte fed */
	uint64_t left;       /* body bytes left: Content-Length or current chunk */
	uint64_t body_total; /* body bytes announced so far (chunked limit check) */
	uint64_t num;        /* number being parsed: Content-Length element, chunk size */
	uint64_t cl;         /* first Content-Length value seen */
	uint32_t line_bytes; /* bytes of the current request-line or chunk-size line */
	uint32_t sect_bytes; /* bytes of the current field or trailer section */
	uint32_t flags;      /* F_* in http1.c */
	uint16_t stash_len;
	uint32_t n_trailers;
	uint8_t state;
	uint8_t sub;      /* sub-state: target form, Content-Length list, chunk extension */
	uint8_t err;      /* enum sl_http1_err once in the error state */
	uint8_t hdr;      /* which known header the current value belongs to */
	uint8_t store;    /* which stash slot receives the current value (0: none) */
	uint8_t name_len; /* bytes of name[] used; > SL_HTTP1_NAME_MAX - 1: unmatchable */
	uint8_t elem_len; /* bytes of elem[] used; > SL_HTTP1_ELEM_MAX - 1: unknown element */
	uint8_t ver_idx;  /* position in "HTTP/x.y" */
	uint8_t n_host;
	char name[SL_HTTP1_NAME_MAX];
	char elem[SL_HTTP1_ELEM_MAX];
	char stash[SL_HTTP1_STASH];
};

#endif /* SL_HTTP1_TYPES_H */
