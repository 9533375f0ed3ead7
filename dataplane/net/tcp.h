/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core userspace TCP (server side): input, the app API, timers. Types in tcp_types.h. */
#ifndef SL_TCP_H
#define SL_TCP_H

#include <stdint.h>

#include "net/tcp_types.h"

struct rte_mbuf;

/*
 * Set up one core's TCP: connection table, connection pool, out-of-order
 * storage and timer wheel on the given NUMA socket. Slow path. 0 or -errno.
 */
int sl_tcp_core_init(struct sl_tcp_core *tc, struct sl_core *core, const struct sl_tcp_conf *conf,
                     const struct sl_tcp_syncookie_key *key, int socket);

/* Abort every connection (RST), free all memory. Accepts a zeroed context. */
void sl_tcp_core_fini(struct sl_tcp_core *tc);

/* Accept connections to port (host order) on this core. 0, -EEXIST or -ENOSPC. */
int sl_tcp_listen(struct sl_tcp_core *tc, uint16_t port, const struct sl_tcp_app_ops *ops,
                  void *arg);

/*
 * One TCP segment for us (IPv4 input validated the IP header and set l2_len
 * and l3_len; pkt_len is trimmed to the datagram). Consumes m.
 */
void sl_tcp_input(struct sl_tcp_core *tc, struct sl_core_port *cp, struct rte_mbuf *m);

/* Run due timers; call once per poll loop iteration. */
void sl_tcp_timers(struct sl_tcp_core *tc, uint64_t now_tsc);

/*
 * Queue up to len bytes for sending (copied: responses are small). Returns
 * how many were taken (less than len when the send buffer is full: the
 * writable callback follows), or -ENOTCONN / -EPIPE after close.
 */
int sl_tcp_send(struct sl_tcp_conn *c, const void *buf, uint32_t len);

/* The app is done with bytes/segs it was handed: reopens the receive window. */
void sl_tcp_consumed(struct sl_tcp_conn *c, uint32_t bytes, uint32_t segs);

/* Graceful close: FIN after the queued data. The closed callback follows later. */
void sl_tcp_close(struct sl_tcp_conn *c);

/* Abort: RST now, the closed callback runs before this returns. */
void sl_tcp_abort(struct sl_tcp_conn *c);

/* Bytes the send buffer can still take. */
uint32_t sl_tcp_send_space(const struct sl_tcp_conn *c);

/* Name of a state, for logs and tests. */
const char *sl_tcp_state_name(enum sl_tcp_state s);

#endif /* SL_TCP_H */
