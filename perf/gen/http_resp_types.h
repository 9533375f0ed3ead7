/* SPDX-License-Identifier: BSD-3-Clause */
/* State of sluice-gen's incremental HTTP/1.1 response parser (see http_resp.h). */
#ifndef SL_HTTP_RESP_TYPES_H
#define SL_HTTP_RESP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Bytes of a head line kept for parsing. The parser reads the status line,
 * Content-Length, Transfer-Encoding, Connection and Retry-After, all far
 * shorter; a longer line (a big Set-Cookie) is skipped past, and only a
 * status line that long is an error.
 */
#define SL_HTTP_RESP_LINE_MAX 256

enum sl_http_resp_state {
	SL_HTTP_RESP_STATUS,     /* reading the status line */
	SL_HTTP_RESP_HEADERS,    /* reading header lines */
	SL_HTTP_RESP_BODY,       /* Content-Length body: `remaining` bytes left */
	SL_HTTP_RESP_CHUNK_SIZE, /* chunked: a chunk-size line */
	SL_HTTP_RESP_CHUNK_DATA, /* chunked: `remaining` bytes of chunk data */
	SL_HTTP_RESP_CHUNK_END,  /* chunked: the CRLF after the data */
	SL_HTTP_RESP_TRAILERS,   /* chunked: trailer lines up to an empty one */
	SL_HTTP_RESP_UNTIL_EOF,  /* no length: the body ends when the peer closes */
	SL_HTTP_RESP_DONE,       /* a whole response was read */
};

/* One connection's response parser. Reset with sl_http_resp_init() before each response. */
struct sl_http_resp {
	uint8_t state;      /* enum sl_http_resp_state */
	uint8_t chunked;    /* Transfer-Encoding: chunked */
	uint8_t has_len;    /* Content-Length seen */
	uint8_t close;      /* the server closes after this response */
	uint8_t keep_alive; /* Connection: keep-alive (matters for HTTP/1.0) */
	uint8_t http10;     /* HTTP/1.0 response */
	uint8_t line_over;  /* the current line exceeded SL_HTTP_RESP_LINE_MAX */
	uint8_t pad;
	uint16_t status;      /* final status (after any 1xx) */
	uint16_t interim;     /* 1xx responses skipped */
	uint32_t retry_after; /* Retry-After in seconds, 0 if absent or a date */
	uint32_t line_len;
	uint64_t remaining; /* body or chunk bytes still to come */
	uint64_t body_len;  /* body bytes read (chunk data only, when chunked) */
	char line[SL_HTTP_RESP_LINE_MAX];
};

#endif /* SL_HTTP_RESP_TYPES_H */
