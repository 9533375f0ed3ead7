/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen's HTTP/2 client for OTLP/gRPC Export calls (nghttp2), shared by both modes. */
#ifndef SL_GEN_H2_CLIENT_H
#define SL_GEN_H2_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "h2_client_types.h"
#include "profile_types.h"
#include "report_types.h"

/*
 * Set up h for conf: the call slots (all free) and, when conf->buf_cap,
 * a render buffer per call. No connection yet. ev is called with arg for
 * every call sent and done. Returns 0, -EINVAL or -ENOMEM.
 */
int sl_gen_h2_init(struct sl_gen_h2 *h, const struct sl_gen_h2_conf *conf, sl_gen_h2_event_fn ev,
                   void *arg);

/* Free what sl_gen_h2_init allocated (closes the session); a zeroed h is fine. */
void sl_gen_h2_fini(struct sl_gen_h2 *h);

/*
 * A transport connection is up: start a client session (the connection
 * preface and our SETTINGS are queued for sl_gen_h2_out). Returns 0 or -ENOMEM.
 */
int sl_gen_h2_open(struct sl_gen_h2 *h);

/*
 * The transport connection is gone (or is being dropped): end the session
 * without events. Each call in flight is kept for a retry on the next
 * connection (has_req stays, tries counted) unless it timed out (timed_out:
 * counted in c->timeouts) or used up retries (c->failed); c may be NULL (not
 * measuring). Returns the calls that were in flight.
 */
uint32_t sl_gen_h2_lost(struct sl_gen_h2 *h, bool timed_out, uint32_t retries,
                        struct sl_gen_counts *c);

/*
 * Start a call due at t_due: take a free slot, render the next message into
 * it (sl_gen_render_next), submit it. Returns 0, -EBUSY (every slot in
 * use), -ENOSPC (render failed) or -EIO (nghttp2 refused the submission).
 */
int sl_gen_h2_start(struct sl_gen_h2 *h, struct sl_gen_render *rd, uint64_t t_due, uint64_t now);

/*
 * Submit again the calls kept by sl_gen_h2_lost (same bytes, same t_due).
 * Returns how many, or -EIO. c->retries counts them when c is not NULL.
 */
int sl_gen_h2_resubmit(struct sl_gen_h2 *h, uint64_t now, struct sl_gen_counts *c);

/*
 * Feed buf[0..len) received from the server; events fire from inside.
 * Returns len, or -EPROTO (the server broke HTTP/2: drop the connection).
 */
ssize_t sl_gen_h2_feed(struct sl_gen_h2 *h, const uint8_t *buf, size_t len);

/*
 * Bytes to write next: *p, *len (0 when nothing is due). They stay valid
 * until sl_gen_h2_sent(); the transport may take fewer. Returns 0 or -EPROTO.
 */
int sl_gen_h2_out(struct sl_gen_h2 *h, const uint8_t **p, size_t *len);

/* The transport took k of the bytes sl_gen_h2_out() handed out. */
void sl_gen_h2_sent(struct sl_gen_h2 *h, size_t k);

/*
 * The session has nothing more to do (GOAWAY received and every stream
 * closed): close the transport connection and open another.
 */
bool sl_gen_h2_finished(const struct sl_gen_h2 *h);

/*
 * No call completed within timeout_ns while some were open: the connection
 * is stuck. now may be older than progress_at (a loop's clock read before
 * the packets it then handled): not stuck.
 */
static inline bool
sl_gen_h2_stuck(const struct sl_gen_h2 *h, uint64_t now, uint64_t timeout_ns)
{
	return h->n_open > 0 && now > h->progress_at && now - h->progress_at >= timeout_ns;
}

/* A free call slot is available (open loop: the connection can take a due call). */
static inline bool
sl_gen_h2_can_start(const struct sl_gen_h2 *h)
{
	return h->s != NULL && h->n_free > 0;
}

/* The 5-byte gRPC message prefix for a message of len bytes. */
static inline void
sl_gen_grpc_prefix(uint8_t out[SL_GEN_GRPC_PREFIX], bool compressed, uint32_t len)
{
	out[0] = compressed ? 1 : 0;
	out[1] = (uint8_t)(len >> 24);
	out[2] = (uint8_t)(len >> 16);
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
}

#endif /* SL_GEN_H2_CLIENT_H */
