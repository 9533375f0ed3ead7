/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core userspace TCP (server side, and active open for sluice-gen): input, app API, timers. */
#ifndef SL_TCP_H
#define SL_TCP_H

#include <stdint.h>

#include "net/tcp_types.h"

struct rte_mbuf;
struct rte_ether_addr;

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
 * Set the callbacks (and the arg passed to none of them but kept for the
 * app) of the connections this core opens with sl_tcp_connect(). 0 or -EINVAL.
 */
int sl_tcp_client(struct sl_tcp_core *tc, const struct sl_tcp_app_ops *ops, void *arg);

/*
 * Active open (RFC 9293 3.5): send a SYN from laddr:lport to raddr:rport
 * (all network byte order) through cp, Ethernet destination dmac, offering
 * MSS, window scale, SACK-permitted and timestamps. app is the app's
 * per-connection pointer, handed to every callback from now on. On success
 * *out is the connection (state SYN_SENT) and closed() is owed; connected()
 * follows the SYN-ACK. The SYN is retransmitted conf->synack_retries times.
 * Returns 0, -ENOSPC (table full: max_conns), -EADDRINUSE (the 4-tuple is
 * in use, e.g. still in TIME_WAIT), -EINVAL (no client callbacks) or
 * -ENOBUFS (no mbuf for the SYN; nothing was allocated).
 */
int sl_tcp_connect(struct sl_tcp_core *tc, struct sl_core_port *cp, uint32_t laddr,
                   uint16_t lport, uint32_t raddr, uint16_t rport,
                   const struct rte_ether_addr *dmac, void *app, struct sl_tcp_conn **out);

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
