/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the per-core userspace TCP: connection, per-core context, app callbacks. */
#ifndef SL_TCP_TYPES_H
#define SL_TCP_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

#include "config_types.h"
#include "net/tcp_ooo.h"
#include "net/tcp_rto.h"
#include "net/tcp_syncookie.h"
#include "slice.h"
#include "timer_types.h"

struct sl_core;
struct sl_core_port;
struct sl_tcp_conn;
struct rte_hash;

#define SL_TCP_MAX_LISTENERS 8

/* Send queue slots per connection: each holds up to one MSS of our bytes. */
#define SL_TCP_SNDQ_SLOTS 64

enum sl_tcp_state {
	SL_TCP_CLOSED = 0,
	SL_TCP_SYN_RCVD,
	SL_TCP_ESTABLISHED,
	SL_TCP_CLOSE_WAIT,
	SL_TCP_FIN_WAIT_1,
	SL_TCP_FIN_WAIT_2,
	SL_TCP_CLOSING,
	SL_TCP_LAST_ACK,
	SL_TCP_TIME_WAIT,
	SL_TCP_SYN_SENT, /* active open (sl_tcp_connect): last, so the server states keep their values */
	SL_TCP_STATE_MAX,
};

/* Why the app's closed callback runs. */
enum sl_tcp_close_reason {
	SL_TCP_CLOSE_NORMAL,  /* both FINs exchanged */
	SL_TCP_CLOSE_RESET,   /* peer sent RST */
	SL_TCP_CLOSE_TIMEOUT, /* retransmissions or idle timeout ran out */
	SL_TCP_CLOSE_ABORT,   /* we aborted (sl_tcp_abort, shutdown) */
};

/*
 * What the protocol layer above (HTTP, HTTP/2, test apps) plugs in. All run
 * on the connection's poll core, inside sl_tcp_input or a timer; they may
 * call sl_tcp_send/consumed/close/abort on the same connection. None may
 * block or allocate from the heap.
 */
struct sl_tcp_app_ops {
	/* A handshake completed. Return 0 and set *app, or <0 to refuse (we send RST). */
	int (*accept)(struct sl_tcp_conn *c, void *listen_arg, void **app);
	/*
	 * In-order payload. The slice's mbuf reference passes to the app, which
	 * frees it when done and reports the bytes (and slices) with
	 * sl_tcp_consumed() to reopen the window.
	 */
	void (*data)(struct sl_tcp_conn *c, void *app, const struct sl_slice *s);
	/* The peer sent FIN: no more data will come (we may still send). */
	void (*peer_fin)(struct sl_tcp_conn *c, void *app);
	/* Send buffer space freed after sl_tcp_send accepted less than asked. May be NULL. */
	void (*writable)(struct sl_tcp_conn *c, void *app);
	/* The connection is gone; c is invalid after this returns. */
	void (*closed)(struct sl_tcp_conn *c, void *app, enum sl_tcp_close_reason why);
	/*
	 * Active open only (sl_tcp_connect): the peer's SYN-ACK arrived, the
	 * connection is ESTABLISHED and may send. accept() is never called for
	 * such a connection; closed() is owed from sl_tcp_connect() on (a refused
	 * or timed-out SYN ends in closed() with RESET or TIMEOUT). May be NULL.
	 */
	void (*connected)(struct sl_tcp_conn *c, void *app);
};

struct sl_tcp_listener {
	uint16_t port; /* network byte order; 0 = free slot */
	const struct sl_tcp_app_ops *ops;
	void *arg;
};

/* The 4-tuple as seen from our side, network byte order; the connection table key. */
struct sl_tcp_key {
	uint32_t raddr;
	uint32_t laddr;
	uint16_t rport;
	uint16_t lport;
};

struct sl_tcp_conn {
	/* receive side (hot on RX) */
	uint32_t rcv_nxt;
	uint32_t rcv_adv;    /* right edge of the window we advertised: never moves left */
	uint32_t held_bytes; /* delivered to the app, not yet consumed */
	uint32_t held_segs;
	uint32_t ts_recent; /* peer's last in-window TSval (RFC 7323 4.3) */
	uint32_t irs;
	/* send side */
	uint32_t iss;
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_max; /* highest sequence sent so far (snd_nxt may go back on RTO) */
	uint32_t snd_wnd; /* peer's window, scaled */
	uint32_t snd_wl1;
	uint32_t snd_wl2;
	uint32_t cwnd;
	uint32_t ssthresh;
	uint32_t recover; /* NewReno: snd_max when fast recovery began */
	uint32_t rtt_seq; /* timed segment (no timestamps): ACK beyond it gives a sample */
	uint64_t rtt_tsc;
	uint64_t last_rx_tsc;
	uint16_t mss; /* send MSS: min(peer's option, ours), before options */
	uint8_t snd_wscale;
	uint8_t rcv_wscale;
	uint8_t state; /* enum sl_tcp_state */
	uint8_t dupacks;
	uint8_t retries;      /* consecutive RTO expiries */
	uint8_t unacked_segs; /* full segments received since our last ACK (delayed ACK) */
	bool ts_ok;
	bool sack_ok;
	bool fin_rcvd;
	bool fin_queued; /* the app closed: FIN goes after the queued data */
	bool in_recovery;
	bool timing;
	bool win_was_zero;
	bool notified_writable;
	bool want_writable;
	bool accepted; /* app's accept ran: closed() owed */
	/* send queue: our unacknowledged and unsent bytes, from snd_una on */
	uint16_t sndq_head;
	uint16_t sndq_n;
	uint32_t sndq_bytes;
	struct rte_mbuf *sndq[SL_TCP_SNDQ_SLOTS];
	/* identity */
	struct sl_tcp_key key;
	struct rte_ether_addr peer_mac;
	struct sl_core_port *cp;
	const struct sl_tcp_listener *listener;
	void *app;
	struct sl_tcp_rto rto;
	struct sl_tcp_ooo ooo;
	/* timers: retransmission/persist/SYN-ACK, delayed ACK, idle/TIME_WAIT/FIN_WAIT_2 */
	struct sl_timer rtx_timer;
	struct sl_timer delack_timer;
	struct sl_timer life_timer;
	struct sl_tcp_core *tc;
	uint32_t idx;
	uint32_t next_free;
};

/*
 * The TCP state of one poll core. Nothing here is shared with another core;
 * RSS (or a single queue) keeps every segment of a flow on one core.
 */
struct sl_tcp_core {
	struct sl_core *core;
	const struct sl_tcp_conf *conf;
	const struct sl_tcp_syncookie_key *cookie_key; /* read-only, same on every core */
	struct rte_hash *table;                        /* sl_tcp_key -> struct sl_tcp_conn * */
	struct sl_tcp_conn *conns;                     /* max_conns, preallocated */
	struct sl_tcp_ooo_seg *ooo_store;              /* max_conns * ooo_segs */
	struct sl_tcp_ooo_budget ooo_budget;
	uint32_t free_head; /* free list through next_free; UINT32_MAX = empty */
	uint32_t n_conns;
	uint32_t n_synrcvd;
	uint32_t n_listeners;
	uint64_t tsc_hz;
	uint64_t tsc_per_ms;
	uint32_t wscale; /* our window scale: fits rcv_buf */
	struct sl_tcp_rto_conf rto_conf;
	struct sl_tcp_listener listeners[SL_TCP_MAX_LISTENERS];
	/* The callbacks of connections this core opens (sl_tcp_client); port unused. */
	struct sl_tcp_listener client;
	uint32_t n_synsent; /* active opens awaiting their SYN-ACK */
	struct sl_timer_wheel wheel;
};

#endif /* SL_TCP_TYPES_H */
