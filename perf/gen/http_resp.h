/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen's response parsing: HTTP/1.1 (status, length, chunked, close), grpc-status. */
#ifndef SL_HTTP_RESP_H
#define SL_HTTP_RESP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "http_resp_types.h"

/* Ready r for the next response on a connection. */
void sl_http_resp_init(struct sl_http_resp *r);

/*
 * Feed buf[0..len) of the response stream. Consumes bytes up to the end of
 * one response and stops there (state SL_HTTP_RESP_DONE), so pipelined
 * responses are read one at a time: feed the rest after sl_http_resp_init().
 * 1xx responses other than 101 are skipped (counted in `interim`). The body
 * is skipped, not kept. Bare LF line ends are accepted.
 * Returns the bytes consumed (all of them unless the response ended
 * earlier), or -EBADMSG for a response that is not HTTP/1.x (bad status
 * line, bad or conflicting Content-Length, bad chunk size).
 */
ssize_t sl_http_resp_feed(struct sl_http_resp *r, const uint8_t *buf, size_t len);

/*
 * The peer closed the connection: completes a body that runs until close.
 * Returns 0 if the response is now complete, -EPIPE if it was cut short.
 */
int sl_http_resp_eof(struct sl_http_resp *r);

static inline bool
sl_http_resp_done(const struct sl_http_resp *r)
{
	return r->state == SL_HTTP_RESP_DONE;
}

/*
 * The value of a grpc-status header (v[0..len), not NUL-terminated): its
 * code, 0..999999999, or -EINVAL when it is not 1 to 9 decimal digits.
 */
int sl_gen_grpc_status_parse(const uint8_t *v, size_t len);

#endif /* SL_HTTP_RESP_H */
