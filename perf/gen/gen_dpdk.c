/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen's DPDK mode: one lcore driving OTLP/HTTP or gRPC over the project's TCP. */

/*
 * Design
 *
 * The generator is a DPDK process of its own: its own EAL (one lcore, its
 * own --file-prefix, --in-memory or --no-huge --no-shconf so nothing is
 * left on disk), one port (memif as client by default, any vdev with
 * --vdev), and the dataplane's own network code: struct sl_core for the TX
 * buffer and counters, sl_arp_input for the target's ARP reply, and
 * dataplane/net/tcp.c in active-open mode (sl_tcp_connect) for every
 * connection. Reusing the appliance's TCP rather than a small client stack
 * of our own means the generator tests it too, and a TCP fix lands in both.
 *
 *   lcore loop: rx burst ─► eth: ARP ─► sl_arp_input (learn the target's MAC)
 *                               IPv4/TCP to one of our addresses ─► sl_tcp_input
 *                                  ─► data(): HTTP response parser ─► next request
 *               ─► TCP timers ─► a slice of housekeeping (connects, backoff,
 *                  timeouts: at most SCAN_PER_LOOP connections per iteration)
 *               ─► open loop: due requests to idle connections
 *               ─► requests whose bytes did not all fit in TCP's send queue
 *               ─► TX drain
 *
 * Connections and requests follow socket mode (sluice_gen.c): one request
 * in flight per connection, the same states, retries, backoff, latency from
 * the intended send time in the open loop, the same report. The request
 * head is the profile's shared prefix plus a per-connection tail holding
 * the Content-Length, so 100,000 connections cost ~2.5 KB each (TCP slot,
 * out-of-order slots, hash entry, this struct), not a head buffer each.
 *
 * Addresses: one source address gives 64,512 local ports (1024..65535);
 * more connections take consecutive source addresses (--src-ips), all
 * answered by this process (its eth stage accepts them all). The target
 * needs no ARP for them: the dataplane answers to the MAC a segment came
 * from. A reconnect takes the next free (address, port) in turn, so a
 * 4-tuple the target may still hold in TIME_WAIT is not reused soon; each
 * run starts at a port drawn from its seed, so back-to-back runs (one
 * process each, as gen_bench.sh does) do not meet the previous run's
 * connections either, which the target may not have finished closing.
 *
 * gRPC (conf->h2): as in socket mode, a connection is one HTTP/2 session
 * (h2_client.c) with up to --streams calls; its bytes go through
 * sl_tcp_send and come back in data(), nothing else differs. A session
 * whose frames did not all fit the send queue waits on the pending list
 * like a request does. in_flight counts open calls, for --drain.
 *
 * Two more loads for the benchmarks: --rx-flood (SL_GEN_RUN_FLOOD) sends
 * minimal UDP frames the appliance counts and drops (its rx-only cost per
 * packet), --tcp-discard (SL_GEN_RUN_DISCARD) streams bytes on every
 * connection to a discard port (TCP goodput, no HTTP).
 *
 * Bounds: the TCP table is sized to the connections; the mbuf pool to
 * --mbufs (a request that does not fit the pool waits on the pending list
 * and is retried every loop, never dropped); everything is allocated
 * before the first packet.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_udp.h>

#include "config.h"
#include "core.h"
#include "huge.h"
#include "net/arp.h"
#include "net/tcp.h"
#include "port.h"

#include "gen_dpdk.h"
#include "h2_client.h"
#include "hist.h"
#include "http_resp.h"
#include "profile.h"
#include "report.h"
#include "gen_sched.h"

#define PROG "sluice-gen"

/* Local ports per source address: 1024..65535 (below 1024 some peers filter). */
#define PORT_LO    1024u
#define PORTS_PER_IP (65536u - PORT_LO)
/*
 * Connections housekeeping looks at per loop iteration. At ~1 us a loop
 * 100,000 connections are all seen every ~0.4 ms; more costs the loop time
 * when there are many, fewer delays timeouts and ramp connects.
 */
#define SCAN_PER_LOOP 256
/* Requests of the pending list retried per iteration (each a sl_tcp_send). */
#define PENDING_PER_LOOP 64
/* Same reasoning as socket mode: a restarted target is used again within 100 ms. */
#define BACKOFF_MAX_MS 100
/* ARP: ask every 100 ms, give up after 10 s (a memif peer may take seconds to connect). */
#define ARP_RETRY_MS 100
#define ARP_GIVE_UP_MS 10000
#define LINK_WAIT_MS 15000
/* A partial TX burst waits at most this long (the dataplane's default tx_drain_us). */
#define TX_DRAIN_US 20
#define EAL_ARGS_MAX 32
/*
 * Before the port goes, read (and drop) until the appliance has been silent
 * this long, at most QUIESCE_MAX_MS: answers to abandoned requests and the
 * resets' aftermath are still on the wire when a run ends, and the next run
 * should not find them in the rings. Longer only delays the exit.
 */
#define QUIESCE_QUIET_MS 10
#define QUIESCE_MAX_MS   200

enum gstate { G_UNOPENED, G_BACKOFF, G_CONNECTING, G_IDLE, G_SENDING, G_WAITING };

struct gconn {
	struct sl_tcp_conn *tcp; /* NULL when no connection is open */
	uint8_t state;           /* enum gstate */
	bool primed;             /* buf holds a render of the profile */
	bool has_req;            /* a request is assigned (kept across a retry) */
	bool parked;             /* open loop: on the idle stack */
	bool pending;            /* on the pending-send list */
	uint8_t tail_len;        /* bytes of tail */
	uint32_t tries;
	uint32_t backoff_ms;
	uint64_t t_due;
	uint64_t deadline;
	uint64_t retry_at;
	uint64_t open_at;
	uint32_t off; /* bytes of prefix + tail + body handed to TCP */
	uint32_t body_len;
	const uint8_t *body;
	uint8_t *buf;
	struct sl_http_resp resp;
	struct sl_gen_h2 *h2;        /* gRPC: the HTTP/2 session and its calls */
	char tail[SL_GEN_HEAD_TAIL]; /* "<len>\r\n\r\n" */
};

/* The run: one lcore's state (the process has exactly one sending lcore). */
static struct {
	const struct sl_gen_dpdk_conf *conf;
	struct sl_core *core;
	struct sl_core_port *cp;
	struct sl_tcp_core *tc;
	struct sl_tcp_conf tcp_conf;
	struct sl_tcp_syncookie_key key;
	struct sl_port port;
	struct rte_mempool *pool;
	struct rte_ether_addr dmac;
	struct gconn *g;
	uint32_t n;
	uint32_t *idle; /* open loop: stack of idle connections */
	uint32_t n_idle;
	uint32_t *pend; /* pending sends: ring of connection indexes */
	uint32_t pend_head, pend_n;
	uint32_t scan; /* housekeeping cursor */
	uint32_t n_ips;
	uint64_t port_cursor; /* next (address, port) to try */
	uint64_t next_k;      /* open loop: next request of the schedule */
	uint64_t t_start, t_measure, t_end, t_stop;
	uint64_t in_flight;
	bool measuring, draining;
	volatile bool quit;
	struct sl_gen_render rd;
	struct sl_gen_counts *counts;
	int err;
} G;

#define now_ns sl_gen_now_ns

static bool
stopping(void)
{
	return G.conf->stop != NULL && atomic_load_explicit(G.conf->stop, memory_order_relaxed);
}

/* ---- connections ---- */

static void conn_idle(struct gconn *g, uint64_t now);
static void start_connect(struct gconn *g, uint64_t now);

static void
backoff(struct gconn *g, uint64_t now)
{
	g->state = G_BACKOFF;
	g->retry_at = sl_gen_backoff(&g->backoff_ms, BACKOFF_MAX_MS, now);
}

/* gRPC: the session is gone; settle its calls (counted only inside the window). */
static void
g2_lost(struct gconn *g, bool timed_out)
{
	uint32_t n = sl_gen_h2_lost(g->h2, timed_out, G.conf->retries,
	                            G.measuring && !G.draining ? G.counts : NULL);

	G.in_flight = G.in_flight > n ? G.in_flight - n : 0;
}

static void
in_flight_done(struct gconn *g)
{
	if ((g->state == G_SENDING || g->state == G_WAITING) && G.in_flight > 0)
		G.in_flight--;
}

/*
 * The connection broke (reset, timeout, bad response): as socket mode, the
 * request in flight is retried unless it used up its tries or timed out.
 * The TCP connection is already gone or is aborted here.
 */
static void
conn_failed(struct gconn *g, uint64_t now, bool timed_out, bool count_failure)
{
	bool in_flight = g->state == G_SENDING || g->state == G_WAITING;
	struct sl_tcp_conn *c = g->tcp;

	in_flight_done(g);
	if (g->h2 != NULL) {
		g2_lost(g, timed_out);
		in_flight = false;
	}
	g->tcp = NULL;
	if (c != NULL)
		sl_tcp_abort(c); /* closed() finds g->tcp != c and ignores it */
	if (G.measuring && count_failure)
		G.counts->connection_failures++;
	if (in_flight) {
		if (timed_out) {
			if (G.measuring)
				G.counts->timeouts++;
			g->has_req = false;
		} else if (++g->tries > G.conf->retries) {
			if (G.measuring)
				G.counts->failed++;
			g->has_req = false;
		}
	}
	backoff(g, now);
}

static void
pend_add(struct gconn *g)
{
	if (g->pending)
		return;
	g->pending = true;
	G.pend[(G.pend_head + G.pend_n) % G.n] = (uint32_t)(g - G.g);
	G.pend_n++;
}

/* Discard mode: keep the send queue full with a stream of zeros. */
static void
push_stream(struct gconn *g, uint64_t now)
{
	static const uint8_t zeros[16384];

	for (;;) {
		int k = sl_tcp_send(g->tcp, zeros, sizeof(zeros));

		if (k < 0) {
			conn_failed(g, now, false, true);
			return;
		}
		if (G.measuring)
			G.counts->bytes += (uint64_t)k;
		if ((uint32_t)k < sizeof(zeros)) {
			pend_add(g);
			return;
		}
	}
}

/* Hand TCP what remains of the request: shared prefix, tail, body. */
static void
push_more(struct gconn *g, uint64_t now)
{
	const struct sl_gen_dpdk_conf *cf = G.conf;
	uint32_t plen = (uint32_t)cf->head_prefix_len, total = plen + g->tail_len + g->body_len;

	if (cf->run == SL_GEN_RUN_DISCARD) {
		if (now < G.t_end)
			push_stream(g, now);
		return;
	}

	while (g->state == G_SENDING && g->off < total) {
		const uint8_t *p;
		uint32_t len;
		int k;

		if (g->off < plen) {
			p = (const uint8_t *)cf->head_prefix + g->off;
			len = plen - g->off;
		} else if (g->off < plen + g->tail_len) {
			p = (const uint8_t *)g->tail + (g->off - plen);
			len = plen + g->tail_len - g->off;
		} else {
			p = g->body + (g->off - plen - g->tail_len);
			len = total - g->off;
		}
		k = sl_tcp_send(g->tcp, p, len);
		if (k < 0) {
			conn_failed(g, now, false, true);
			return;
		}
		if (G.measuring)
			G.counts->bytes += (uint64_t)k;
		g->off += (uint32_t)k;
		if ((uint32_t)k < len) {
			/* Full send queue (writable() follows) or a dry pool (nothing follows). */
			pend_add(g);
			return;
		}
	}
	if (g->state == G_SENDING) {
		g->state = G_WAITING;
		if (G.measuring)
			G.counts->sent++;
	}
}

static void
send_request(struct gconn *g, uint64_t t_due, uint64_t now)
{
	const struct sl_gen_dpdk_conf *cf = G.conf;

	if (!g->has_req) {
		size_t blen;

		if (sl_gen_render_next(&G.rd, g->buf, cf->prof->wire_cap, &g->primed, &g->body,
		                       &blen) < 0) {
			G.err = -ENOSPC;
			G.quit = true;
			return;
		}
		g->body_len = (uint32_t)blen;
		g->tail_len = (uint8_t)sl_gen_head_finish(g->tail, blen);
		g->has_req = true;
		g->tries = 0;
		g->t_due = t_due;
	} else if (G.measuring) {
		G.counts->retries++;
	}
	g->off = 0;
	g->state = G_SENDING;
	G.in_flight++;
	g->deadline = now + (uint64_t)cf->timeout_ms * 1000000ull;
	sl_http_resp_init(&g->resp);
	push_more(g, now);
}

/* ---- gRPC: one HTTP/2 session per connection (h2_client.c) ---- */

/* Called from inside nghttp2 (feed, out): count only. */
static void
g2_event(void *arg, struct sl_gen_h2 *h, struct sl_gen_h2_call *call, enum sl_gen_h2_ev ev)
{
	uint32_t items = sl_gen_profile_items(G.conf->prof);

	(void)arg;
	(void)h;
	if (ev == SL_GEN_H2_EV_SENT) {
		if (G.measuring && !G.draining)
			G.counts->sent++;
		return;
	}
	if (G.in_flight > 0)
		G.in_flight--;
	if (G.measuring && !G.draining) {
		sl_gen_counts_grpc(G.counts, call->status, call->grpc_status, items,
		                   now_ns() - call->t_due);
	} else if (G.draining && call->status != 0) {
		G.counts->drained++;
		if (call->status == 200 && call->grpc_status == 0)
			G.counts->drained_items += items;
	}
}

/* Hand TCP what the session has to say; the pending list when the send queue is full. */
static void
g2_flush(struct gconn *g, uint64_t now)
{
	for (;;) {
		const uint8_t *p;
		size_t len;
		int k;

		if (sl_gen_h2_out(g->h2, &p, &len) < 0) {
			if (G.measuring)
				G.counts->protocol_errors++;
			conn_failed(g, now, false, false);
			return;
		}
		if (len == 0)
			break;
		k = sl_tcp_send(g->tcp, p, (uint32_t)len);
		if (k < 0) {
			conn_failed(g, now, false, true);
			return;
		}
		if (G.measuring)
			G.counts->bytes += (uint64_t)k;
		sl_gen_h2_sent(g->h2, (size_t)k);
		if ((size_t)k < len) {
			pend_add(g); /* writable() or the pending list comes back */
			return;
		}
	}
	if (sl_gen_h2_finished(g->h2)) {
		/* GOAWAY and every call closed: the server ended the session in order. */
		struct sl_tcp_conn *c = g->tcp;

		g2_lost(g, false);
		g->tcp = NULL;
		g->state = G_UNOPENED;
		if (c != NULL)
			sl_tcp_close(c);
		if (G.measuring)
			G.counts->reconnects++;
		if (!G.draining)
			start_connect(g, now);
	}
}

/* Closed loop: a call in every free slot; open loop: park while a slot is free. */
static void
g2_fill(struct gconn *g, uint64_t now)
{
	bool more = now < G.t_end && !G.quit && !G.draining;
	int rc;

	if (more) {
		rc = sl_gen_h2_resubmit(g->h2, now, G.measuring ? G.counts : NULL);
		if (rc < 0) {
			conn_failed(g, now, false, true);
			return;
		}
		G.in_flight += (uint64_t)rc;
	}
	while (more && G.conf->rate <= 0 && sl_gen_h2_can_start(g->h2)) {
		rc = sl_gen_h2_start(g->h2, &G.rd, now, now);
		if (rc == -ENOSPC) {
			G.err = rc;
			G.quit = true;
			break;
		}
		if (rc < 0) {
			conn_failed(g, now, false, true);
			return;
		}
		G.in_flight++;
	}
	if (more && G.conf->rate > 0 && !g->parked && sl_gen_h2_can_start(g->h2)) {
		g->parked = true;
		G.idle[G.n_idle++] = (uint32_t)(g - G.g);
	}
	g2_flush(g, now);
}

static void
conn_idle(struct gconn *g, uint64_t now)
{
	if (g->h2 != NULL) {
		if (g->h2->s == NULL && sl_gen_h2_open(g->h2) < 0) {
			G.err = -ENOMEM;
			G.quit = true;
			return;
		}
		g->state = G_IDLE;
		g->backoff_ms = 0;
		g2_fill(g, now);
		return;
	}
	g->state = G_IDLE;
	if (now >= G.t_end || G.quit)
		return;
	if (G.conf->run == SL_GEN_RUN_DISCARD) {
		g->state = G_SENDING;
		g->deadline = UINT64_MAX;
		push_stream(g, now);
		return;
	}
	if (g->has_req) {
		send_request(g, g->t_due, now);
		return;
	}
	if (G.conf->rate <= 0) {
		send_request(g, now, now);
	} else if (!g->parked) {
		g->parked = true;
		G.idle[G.n_idle++] = (uint32_t)(g - G.g);
	}
}

static void
response_done(struct gconn *g, uint64_t now)
{
	uint16_t st = g->resp.status;
	bool ok = st >= 200 && st < 300;

	in_flight_done(g);
	if (G.measuring && !G.draining) {
		G.counts->responses++;
		sl_hist_record(&G.counts->lat, now - g->t_due);
		if (ok) {
			G.counts->ok++;
			G.counts->items += sl_gen_profile_items(G.conf->prof);
		} else {
			G.counts->by_status[st < SL_GEN_STATUS_MAX ? st : 0]++;
		}
	} else if (G.draining) {
		G.counts->drained++;
		if (ok)
			G.counts->drained_items += sl_gen_profile_items(G.conf->prof);
	}
	g->has_req = false;
	g->backoff_ms = 0;
	if (g->resp.close) {
		/* The server ends the connection: say goodbye, open another. */
		struct sl_tcp_conn *c = g->tcp;

		g->tcp = NULL;
		g->state = G_UNOPENED;
		if (c != NULL)
			sl_tcp_close(c);
		if (G.measuring)
			G.counts->reconnects++;
		if (!G.draining)
			start_connect(g, now);
		return;
	}
	conn_idle(g, now);
}

/* Feed one run of response bytes; false once the connection is no longer this request's. */
static bool
feed(struct gconn *g, struct sl_tcp_conn *c, const uint8_t *p, uint32_t n, uint64_t now)
{
	uint32_t i = 0;

	while (i < n) {
		ssize_t k;

		if (g->tcp != c)
			return false;
		if (g->state != G_WAITING && g->state != G_SENDING) {
			if (G.measuring)
				G.counts->protocol_errors++;
			conn_failed(g, now, false, false);
			return false;
		}
		k = sl_http_resp_feed(&g->resp, p + i, n - i);
		if (k < 0) {
			if (G.measuring)
				G.counts->protocol_errors++;
			g->has_req = false; /* a broken answer is an answer: no retry */
			conn_failed(g, now, false, false);
			return false;
		}
		i += (uint32_t)k;
		if (sl_http_resp_done(&g->resp)) {
			if (g->state == G_SENDING) /* an early answer (413) ends the connection */
				g->resp.close = 1;
			response_done(g, now);
		}
	}
	return g->tcp == c;
}

/* ---- TCP callbacks ---- */

static void
on_connected(struct sl_tcp_conn *c, void *app)
{
	struct gconn *g = app;

	if (g->tcp != c)
		return;
	conn_idle(g, now_ns());
}

static void
on_data(struct sl_tcp_conn *c, void *app, const struct sl_slice *s)
{
	struct gconn *g = app;
	struct rte_mbuf *m = s->m;

	if (g->tcp == c && g->h2 != NULL && g->state == G_IDLE) {
		uint64_t now = now_ns();

		if (sl_gen_h2_feed(g->h2, rte_pktmbuf_mtod_offset(m, const uint8_t *, s->off),
		                   s->len) < 0) {
			if (G.measuring)
				G.counts->protocol_errors++;
			conn_failed(g, now, false, false);
		} else {
			g2_fill(g, now);
		}
	} else if (g->tcp == c) {
		(void)feed(g, c, rte_pktmbuf_mtod_offset(m, const uint8_t *, s->off), s->len,
		           now_ns());
	}
	if (c->state != SL_TCP_CLOSED)
		sl_tcp_consumed(c, s->len, 1);
	rte_pktmbuf_free(m);
}

static void
on_peer_fin(struct sl_tcp_conn *c, void *app)
{
	struct gconn *g = app;
	uint64_t now = now_ns();

	if (g->tcp != c) {
		sl_tcp_close(c);
		return;
	}
	if (g->h2 != NULL && g->h2->n_open > 0) {
		conn_failed(g, now, false, true);
		return;
	}
	if (g->h2 != NULL)
		g2_lost(g, false); /* an idle session: ends it, nothing in flight */
	if (g->state == G_WAITING && sl_http_resp_eof(&g->resp) == 0) {
		g->resp.close = 1;
		response_done(g, now); /* closes c */
		return;
	}
	if (g->state == G_WAITING || g->state == G_SENDING) {
		conn_failed(g, now, false, true);
		return;
	}
	/* An idle keep-alive connection closed by the server: open another. */
	g->tcp = NULL;
	g->state = G_UNOPENED;
	sl_tcp_close(c);
	if (G.measuring)
		G.counts->reconnects++;
	start_connect(g, now);
}

static void
on_writable(struct sl_tcp_conn *c, void *app)
{
	struct gconn *g = app;

	if (g->tcp == c && g->h2 != NULL && g->state == G_IDLE)
		g2_flush(g, now_ns());
	else if (g->tcp == c && g->state == G_SENDING)
		push_more(g, now_ns());
}

static void
on_closed(struct sl_tcp_conn *c, void *app, enum sl_tcp_close_reason why)
{
	struct gconn *g = app;
	uint64_t now = now_ns();

	(void)why;
	if (g->tcp != c)
		return; /* a connection we already let go of */
	g->tcp = NULL;
	if (G.draining && g->h2 != NULL) {
		g2_lost(g, false);
		g->state = G_UNOPENED;
		return;
	}
	if (G.draining && g->state != G_SENDING && g->state != G_WAITING) {
		g->state = G_UNOPENED;
		return;
	}
	if (g->state == G_CONNECTING) {
		/* Refused (RST) or no SYN-ACK: not in flight, no request retry counted. */
		if (G.measuring)
			G.counts->connection_failures++;
		backoff(g, now);
		return;
	}
	conn_failed(g, now, false, true);
}

static const struct sl_tcp_app_ops gen_ops = {
    .data = on_data,
    .peer_fin = on_peer_fin,
    .writable = on_writable,
    .closed = on_closed,
    .connected = on_connected,
};

static void
start_connect(struct gconn *g, uint64_t now)
{
	const struct sl_gen_dpdk_conf *cf = G.conf;
	uint64_t space = (uint64_t)G.n_ips * PORTS_PER_IP;
	uint32_t tries;
	int rc = -EADDRINUSE;

	for (tries = 0; tries < 64 && rc == -EADDRINUSE; tries++) {
		uint64_t k = G.port_cursor++ % space;
		uint32_t ip = rte_cpu_to_be_32(rte_be_to_cpu_32(cf->src_ip) + (uint32_t)(k / PORTS_PER_IP));
		uint16_t port = rte_cpu_to_be_16((uint16_t)(PORT_LO + k % PORTS_PER_IP));

		G.core->now = rte_rdtsc();
		rc = sl_tcp_connect(G.tc, G.cp, ip, port, cf->dst_ip, cf->dst_port, &G.dmac, g,
		                    &g->tcp);
	}
	if (rc < 0) {
		g->tcp = NULL;
		if (G.measuring)
			G.counts->connection_failures++;
		backoff(g, now);
		return;
	}
	g->state = G_CONNECTING;
	g->deadline = now + (uint64_t)cf->timeout_ms * 1000000ull;
}

/* ---- the loop ---- */

static void
housekeeping(uint64_t now)
{
	uint32_t k;

	for (k = 0; k < SCAN_PER_LOOP && k < G.n; k++) {
		struct gconn *g = &G.g[G.scan];

		G.scan = G.scan + 1 == G.n ? 0 : G.scan + 1;
		switch (g->state) {
		case G_UNOPENED:
			if (g->tcp == NULL && now >= g->open_at && now < G.t_end)
				start_connect(g, now);
			break;
		case G_BACKOFF:
			if (now >= g->retry_at && now < G.t_end)
				start_connect(g, now);
			break;
		case G_CONNECTING:
			if (now >= g->deadline) {
				struct sl_tcp_conn *c = g->tcp;

				g->tcp = NULL;
				if (c != NULL)
					sl_tcp_abort(c);
				if (G.measuring)
					G.counts->connection_failures++;
				g->state = G_BACKOFF;
				g->retry_at = now;
			}
			break;
		case G_SENDING:
		case G_WAITING:
			if (now >= g->deadline)
				conn_failed(g, now, true, false);
			break;
		case G_IDLE:
			if (g->h2 != NULL &&
			    sl_gen_h2_stuck(g->h2, now, (uint64_t)G.conf->timeout_ms * 1000000ull))
				conn_failed(g, now, true, false);
			break;
		default:
			break;
		}
	}
}

static void
dispatch_open(uint64_t now)
{
	double rate = G.conf->rate, ramp = G.conf->ramp_s;
	uint64_t due;

	if (now < G.t_start || now >= G.t_end)
		return;
	while (G.n_idle > 0) {
		uint64_t at = G.t_start + sl_gen_sched_ns(rate, ramp, G.next_k);
		struct gconn *g;

		if (at > now)
			break;
		g = &G.g[G.idle[G.n_idle - 1]];
		if (g->h2 != NULL && g->state == G_IDLE && sl_gen_h2_can_start(g->h2)) {
			/* gRPC: the connection stays parked while it has a free slot. */
			int rc = sl_gen_h2_start(g->h2, &G.rd, at, now);

			G.next_k++;
			if (rc == -ENOSPC) {
				G.err = rc;
				G.quit = true;
				return;
			}
			if (rc < 0) {
				conn_failed(g, now, false, true);
			} else {
				G.in_flight++;
				g2_flush(g, now);
			}
			continue;
		}
		G.n_idle--;
		g->parked = false;
		if (g->state != G_IDLE || g->h2 != NULL)
			continue; /* it failed while parked; conn_idle parks it again */
		G.next_k++;
		send_request(g, at, now);
	}
	due = sl_gen_due_by(rate, ramp, now - G.t_start);
	if (G.measuring && due > G.next_k && due - G.next_k > G.counts->backlog_max)
		G.counts->backlog_max = due - G.next_k;
}

static void
retry_pending(uint64_t now)
{
	uint32_t k, n = G.pend_n < PENDING_PER_LOOP ? G.pend_n : PENDING_PER_LOOP;

	for (k = 0; k < n; k++) {
		struct gconn *g = &G.g[G.pend[G.pend_head]];

		G.pend_head = (G.pend_head + 1) % G.n;
		G.pend_n--;
		g->pending = false;
		if (g->h2 != NULL && g->state == G_IDLE && g->tcp != NULL)
			g2_flush(g, now); /* re-adds itself if still short */
		else if (g->state == G_SENDING && g->tcp != NULL)
			push_more(g, now); /* re-adds itself if still short */
	}
}

/* Frames for us: ARP to sl_arp_input, TCP to any of our addresses to sl_tcp_input. */
static void
rx_one(struct rte_mbuf *m)
{
	struct sl_core *core = G.core;
	const struct rte_ether_hdr *eth;
	const struct rte_ipv4_hdr *ip;
	uint32_t first = rte_be_to_cpu_32(G.conf->src_ip), dst, ihl, tot;

	if (rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(*ip))
		goto drop;
	eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	if (eth->ether_type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		sl_arp_input(core, G.cp, m, sizeof(*eth));
		return;
	}
	if (eth->ether_type != RTE_BE16(RTE_ETHER_TYPE_IPV4))
		goto drop;
	ip = (const struct rte_ipv4_hdr *)(eth + 1);
	ihl = (uint32_t)(ip->version_ihl & 0xf) * 4;
	tot = rte_be_to_cpu_16(ip->total_length);
	dst = rte_be_to_cpu_32(ip->dst_addr);
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip) || tot < ihl ||
	    sizeof(*eth) + tot > rte_pktmbuf_pkt_len(m) || ip->next_proto_id != IPPROTO_TCP ||
	    dst - first >= G.n_ips || (ip->fragment_offset & RTE_BE16(0x3fff)) != 0)
		goto drop;
	/* Trim Ethernet padding: TCP takes the datagram's length from pkt_len. */
	if (rte_pktmbuf_pkt_len(m) > sizeof(*eth) + tot)
		rte_pktmbuf_trim(m, (uint16_t)(rte_pktmbuf_pkt_len(m) - sizeof(*eth) - tot));
	m->l2_len = sizeof(*eth);
	m->l3_len = ihl;
	sl_tcp_input(G.tc, G.cp, m);
	return;
drop:
	sl_core_drop(core, m, SL_DROP_ETH_UNKNOWN_TYPE);
}

static uint16_t
poll_rx(void)
{
	struct rte_mbuf *pkts[SL_MAX_BURST];
	uint16_t n, i;

	n = rte_eth_rx_burst(G.cp->port_id, G.cp->queue, pkts, SL_MAX_BURST);
	for (i = 0; i < n; i++) {
		if (i + 1 < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		G.core->ctr[SL_CTR_RX_PACKETS]++;
		rx_one(pkts[i]);
	}
	return n;
}

/* One poll iteration: RX, TCP timers, TX drain. Returns packets received. */
static uint16_t
poll_once(uint64_t drain_tsc)
{
	uint16_t rx;

	G.core->now = rte_rdtsc();
	rx = poll_rx();
	sl_tcp_timers(G.tc, G.core->now);
	if (G.cp->tx_n != 0 && (rx == 0 || G.core->now - G.cp->tx_first_tsc >= drain_tsc))
		sl_core_tx_flush(G.core, G.cp);
	return rx;
}

/* ARP request for the target from our first address. */
static int
send_arp_request(void)
{
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *arp;
	struct rte_mbuf *m = rte_pktmbuf_alloc(G.pool);

	if (m == NULL)
		return -ENOMEM;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*arp));
	if (eth == NULL) {
		rte_pktmbuf_free(m);
		return -ENOMEM;
	}
	arp = (struct rte_arp_hdr *)(eth + 1);
	memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	eth->src_addr = G.port.mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_ARP);
	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = sizeof(uint32_t);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	arp->arp_data.arp_sha = G.port.mac;
	arp->arp_data.arp_sip = G.conf->src_ip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = G.conf->dst_ip;
	sl_core_tx(G.core, G.cp, m);
	sl_core_tx_flush(G.core, G.cp);
	return 0;
}

/* Wait for the link, then ARP for the target until it answers. */
static int
resolve(char *err, size_t errlen)
{
	uint64_t t0 = now_ns(), next = 0, hz = rte_get_tsc_hz();
	struct rte_eth_link link;

	for (;;) {
		memset(&link, 0, sizeof(link));
		if (rte_eth_link_get_nowait(G.port.port_id, &link) == 0 && link.link_status)
			break;
		if (now_ns() - t0 > LINK_WAIT_MS * 1000000ull || stopping()) {
			snprintf(err, errlen,
			         "port link down after %u s (is the appliance up on the same memif "
			         "socket, as the other role?)",
			         LINK_WAIT_MS / 1000);
			return -ENOTCONN;
		}
		usleep(10000);
	}
	t0 = now_ns();
	for (;;) {
		uint64_t now = now_ns();

		G.core->now = rte_rdtsc();
		if (sl_arp_cache_lookup(&G.core->arp, G.conf->dst_ip, &G.dmac, G.core->now))
			return 0;
		if (now - t0 > ARP_GIVE_UP_MS * 1000000ull || stopping()) {
			snprintf(err, errlen, "no ARP reply from the target after %u s",
			         ARP_GIVE_UP_MS / 1000);
			return -EHOSTUNREACH;
		}
		if (now >= next) {
			(void)send_arp_request();
			next = now + ARP_RETRY_MS * 1000000ull;
		}
		(void)poll_once(hz);
	}
}

/* Rx-only load: minimal UDP frames to the target's discard port, bursts as the port takes. */
static void
run_flood(void)
{
	const struct sl_gen_dpdk_conf *cf = G.conf;
	const uint16_t flen = RTE_ETHER_MIN_LEN - RTE_ETHER_CRC_LEN; /* 60 */
	struct rte_mbuf *pkts[SL_MAX_BURST];
	uint64_t loops = 0;

	for (;;) {
		uint64_t now = (loops++ & 63) == 0 ? now_ns() : 0;
		uint16_t i, sent;

		if (now != 0) {
			if (!G.measuring && now >= G.t_measure) {
				sl_gen_counts_reset(G.counts);
				G.measuring = true;
				if (cf->mark != NULL)
					cf->mark(cf->mark_arg, SL_GEN_MARK_MEASURE);
			}
			if (now >= G.t_end || stopping()) {
				if (now < G.t_end)
					G.t_stop = now;
				if (cf->mark != NULL)
					cf->mark(cf->mark_arg, SL_GEN_MARK_END);
				return;
			}
		}
		(void)poll_rx();
		if (rte_pktmbuf_alloc_bulk(G.pool, pkts, SL_MAX_BURST) != 0)
			continue;
		for (i = 0; i < SL_MAX_BURST; i++) {
			struct rte_ether_hdr *eth =
			    (struct rte_ether_hdr *)rte_pktmbuf_append(pkts[i], flen);
			struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
			struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);

			memset(eth, 0, flen);
			eth->dst_addr = G.dmac;
			eth->src_addr = G.port.mac;
			eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
			ip->version_ihl = 0x45;
			ip->total_length = rte_cpu_to_be_16(flen - sizeof(*eth));
			ip->time_to_live = 64;
			ip->next_proto_id = IPPROTO_UDP;
			ip->src_addr = cf->src_ip;
			ip->dst_addr = cf->dst_ip;
			ip->hdr_checksum = rte_ipv4_cksum(ip);
			udp->src_port = RTE_BE16(9);
			udp->dst_port = RTE_BE16(9);
			udp->dgram_len = rte_cpu_to_be_16(flen - sizeof(*eth) - sizeof(*ip));
		}
		sent = rte_eth_tx_burst(G.cp->port_id, 0, pkts, SL_MAX_BURST);
		if (G.measuring) {
			G.counts->sent += sent;
			G.counts->bytes += (uint64_t)sent * flen;
		}
		if (sent < SL_MAX_BURST)
			rte_pktmbuf_free_bulk(pkts + sent, SL_MAX_BURST - sent);
	}
}

static void
run_loop(void)
{
	const struct sl_gen_dpdk_conf *cf = G.conf;
	uint64_t drain_tsc = rte_get_tsc_hz() * TX_DRAIN_US / 1000000u, drain_end = 0;
	bool open = cf->rate > 0;

	for (;;) {
		uint64_t now = now_ns();

		if (!G.measuring && now >= G.t_measure) {
			sl_gen_counts_reset(G.counts);
			G.measuring = true;
			if (cf->mark != NULL)
				cf->mark(cf->mark_arg, SL_GEN_MARK_MEASURE);
		}
		if (!G.draining && (now >= G.t_end || G.quit || stopping())) {
			if (now < G.t_end)
				G.t_stop = now;
			if (cf->mark != NULL)
				cf->mark(cf->mark_arg, SL_GEN_MARK_END);
			G.draining = true;
			drain_end = now + (uint64_t)(cf->drain_s * 1e9);
			if (open) {
				/* What was due strictly before the end and never went out. */
				uint64_t end = G.t_stop ? G.t_stop : G.t_end;
				uint64_t due = sl_gen_due_by(cf->rate, cf->ramp_s, end - G.t_start - 1);

				G.counts->backlog_end = due > G.next_k ? due - G.next_k : 0;
			}
		}
		if (G.draining && (G.in_flight == 0 || now >= drain_end || G.quit))
			break;
		(void)poll_once(drain_tsc);
		if (!G.draining) {
			housekeeping(now);
			if (open)
				dispatch_open(now);
		}
		if (G.pend_n != 0)
			retry_pending(now);
	}
}

/* ---- set-up ---- */

/* Map an ethdev name "<driver>_<name>" back to the port kind sl_port_setup wants. */
static int
port_conf_from_name(const char *dev, struct sl_port_conf *pc)
{
	static const struct {
		const char *prefix;
		enum sl_port_kind kind;
	} k[] = {
	    {"net_memif_", SL_PORT_MEMIF}, {"net_tap_", SL_PORT_TAP},
	    {"net_af_packet_", SL_PORT_AF_PACKET}, {"net_af_xdp_", SL_PORT_AF_XDP},
	    {"net_pcap_", SL_PORT_PCAP}, {"net_ring_", SL_PORT_RING}, {"net_null_", SL_PORT_NULL},
	};
	size_t i;

	for (i = 0; i < RTE_DIM(k); i++) {
		size_t l = strlen(k[i].prefix);

		if (strncmp(dev, k[i].prefix, l) == 0 && dev[l] != '\0') {
			pc->kind = k[i].kind;
			snprintf(pc->name, sizeof(pc->name), "%s", dev + l);
			return 0;
		}
	}
	return -EINVAL;
}

static int
eal_start(const struct sl_gen_dpdk_conf *cf, uint32_t memory_mb, char *err, size_t errlen)
{
	static char lcores[16], mem[16], prefix[64], vdev[512];
	char *argv[EAL_ARGS_MAX + 1];
	bool huge = false;
	long need = (long)(memory_mb / 2) + 8, have = sl_huge_free_2m();
	int n = 0;

	if (cf->huge == SL_GEN_HUGE_ON || (cf->huge == SL_GEN_HUGE_AUTO && have >= need))
		huge = true;
	snprintf(lcores, sizeof(lcores), "%u", cf->lcore);
	snprintf(mem, sizeof(mem), "%u", memory_mb);
	if (cf->file_prefix)
		snprintf(prefix, sizeof(prefix), "%s", cf->file_prefix);
	else
		snprintf(prefix, sizeof(prefix), "sluice-gen-%d", (int)getpid());
	if (cf->vdev)
		snprintf(vdev, sizeof(vdev), "%s", cf->vdev);
	else
		snprintf(vdev, sizeof(vdev), "net_memif_gen,role=%s,socket=%s",
		         cf->memif_server ? "server" : "client", cf->memif_socket);
	argv[n++] = PROG;
	argv[n++] = "-l";
	argv[n++] = lcores;
	argv[n++] = "--file-prefix";
	argv[n++] = prefix;
	argv[n++] = "--no-telemetry";
	argv[n++] = "--no-pci";
	argv[n++] = "--log-level=warning";
	argv[n++] = "-m";
	argv[n++] = mem;
	/* As the dataplane (main.c): no runtime files, no hugepage files left behind. */
	if (huge) {
		argv[n++] = "--in-memory";
		if (cf->huge_dir && sl_huge_is_hugetlbfs(cf->huge_dir)) {
			argv[n++] = "--huge-dir";
			argv[n++] = (char *)cf->huge_dir;
		}
	} else {
		argv[n++] = "--no-huge";
		argv[n++] = "--no-shconf";
	}
	argv[n++] = "--vdev";
	argv[n++] = vdev;
	argv[n] = NULL;
	if (rte_eal_init(n, argv) < 0) {
		int i, off;

		off = snprintf(err, errlen, "EAL initialisation failed: %s (EAL arguments:",
		               rte_strerror(rte_errno));
		for (i = 1; i < n && off > 0 && (size_t)off < errlen; i++)
			off += snprintf(err + off, errlen - (size_t)off, " %s", argv[i]);
		if (off > 0 && (size_t)off < errlen)
			snprintf(err + off, errlen - (size_t)off, ")");
		return -EIO;
	}
	if (!cf->quiet)
		fprintf(stderr, PROG ": EAL up on lcore %u, prefix %s, %u MB, %s, port %s\n",
		        cf->lcore, prefix, memory_mb, huge ? "hugepages" : "no hugepages", vdev);
	return 0;
}

static int
setup(const struct sl_gen_dpdk_conf *cf, char *err, size_t errlen)
{
	struct sl_config defaults;
	struct sl_port_conf pc;
	char dev[RTE_ETH_NAME_MAX_LEN];
	uint16_t pid;
	uint32_t i, mbufs;
	int socket = (int)rte_socket_id(), rc;

	mbufs = cf->mbufs ? cf->mbufs : 16384 + 4 * cf->connections;
	if (mbufs > 1048576)
		mbufs = 1048576;
	G.pool = rte_pktmbuf_pool_create("gen_pkt", mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
	                                 socket);
	if (G.pool == NULL) {
		snprintf(err, errlen, "cannot allocate %u mbufs: %s (raise --memory-mb)", mbufs,
		         rte_strerror(rte_errno));
		return -ENOMEM;
	}
	if (rte_eth_dev_count_avail() != 1) {
		snprintf(err, errlen, "want exactly one port, the EAL probed %u",
		         rte_eth_dev_count_avail());
		return -ENODEV;
	}
	RTE_ETH_FOREACH_DEV(pid)
	{
		rte_eth_dev_get_name_by_port(pid, dev);
		break;
	}
	memset(&pc, 0, sizeof(pc));
	if (port_conf_from_name(dev, &pc) < 0) {
		snprintf(err, errlen,
		         "--vdev %s: name the device <driver>_<name> (net_memif_x, net_tap_x, ...)",
		         dev);
		return -EINVAL;
	}
	pc.ipv4 = cf->src_ip;
	pc.ipv4_prefix = cf->src_prefix;
	pc.rx_desc = 1024;
	pc.tx_desc = 1024;
	rc = sl_port_setup(&G.port, &pc, 1, G.pool, err, errlen);
	if (rc < 0)
		return rc;

	G.core = rte_zmalloc_socket("gen_core", sizeof(*G.core), RTE_CACHE_LINE_SIZE, socket);
	G.tc = rte_zmalloc_socket("gen_tcp", sizeof(*G.tc), RTE_CACHE_LINE_SIZE, socket);
	if (G.core == NULL || G.tc == NULL)
		return -ENOMEM;
	G.core->lcore_id = rte_lcore_id();
	G.core->burst = SL_MAX_BURST;
	G.core->is_main = true;
	G.core->pool = G.pool;
	G.core->quit = &G.quit;
	G.core->n_ports = 1;
	G.cp = &G.core->ports[0];
	G.cp->port = &G.port;
	G.cp->port_id = G.port.port_id;
	G.cp->queue = 0;
	G.core->now = rte_rdtsc();
	rc = sl_arp_cache_init(&G.core->arp, 64, rte_get_tsc_hz() * 3600, socket);
	if (rc < 0)
		return rc;

	/*
	 * The appliance's TCP defaults, sized for a client: a slot per
	 * connection, small receive buffers (responses are ~100 bytes), the
	 * largest send buffer the send queue holds (64 slots of one mbuf), no
	 * idle timeout within a run.
	 */
	sl_config_defaults(&defaults);
	G.tcp_conf = defaults.tcp;
	G.tcp_conf.max_conns = cf->connections + 16;
	G.tcp_conf.rcv_buf = 65536;
	G.tcp_conf.snd_buf = SL_TCP_SNDQ_SLOTS * (RTE_MBUF_DEFAULT_DATAROOM);
	G.tcp_conf.ooo_segs = 4;
	G.tcp_conf.ooo_core_segs = 4096;
	G.tcp_conf.idle_timeout_ms = 86400000;
	G.tcp_conf.time_wait_ms = 1000;
	G.tcp_conf.synack_retries = 3;
	rc = sl_tcp_syncookie_key_init(&G.key);
	if (rc < 0)
		return rc;
	rc = sl_tcp_core_init(G.tc, G.core, &G.tcp_conf, &G.key, socket);
	if (rc < 0) {
		snprintf(err, errlen, "TCP for %u connections: %s (raise --memory-mb)",
		         cf->connections, strerror(-rc));
		return rc;
	}
	G.core->tcp = G.tc;
	rc = sl_tcp_client(G.tc, &gen_ops, NULL);
	if (rc < 0)
		return rc;

	G.n = cf->connections;
	G.g = calloc(G.n, sizeof(*G.g));
	G.idle = calloc(G.n, sizeof(*G.idle));
	G.pend = calloc(G.n, sizeof(*G.pend));
	if (G.g == NULL || G.idle == NULL || G.pend == NULL)
		return -ENOMEM;
	rc = sl_gen_render_init(&G.rd, cf->prof, cf->seed * 0x9e3779b97f4a7c15ull, cf->variants);
	if (rc < 0)
		return rc;
	for (i = 0; i < G.n; i++)
		if (cf->h2 != NULL) {
			G.g[i].h2 = calloc(1, sizeof(*G.g[i].h2));
			if (G.g[i].h2 == NULL ||
			    sl_gen_h2_init(G.g[i].h2, cf->h2, g2_event, NULL) < 0) {
				snprintf(err, errlen,
				         "no memory for %u gRPC connections of %u calls: use "
				         "--variants N",
				         G.n, cf->h2->streams);
				return -ENOMEM;
			}
		} else if (cf->variants == 0) {
			G.g[i].buf = malloc(cf->prof->wire_cap ? cf->prof->wire_cap : 1);
			if (G.g[i].buf == NULL) {
				snprintf(err, errlen,
				         "no memory for %u request buffers of %zu bytes: use "
				         "--variants N",
				         G.n, cf->prof->wire_cap);
				return -ENOMEM;
			}
		}
	return 0;
}

/* Drop what arrives until the port has been quiet QUIESCE_QUIET_MS (see the constants). */
static void
quiesce(void)
{
	uint64_t t0 = now_ns(), quiet_since = t0, now = t0;

	while (now - t0 < QUIESCE_MAX_MS * 1000000ull &&
	       now - quiet_since < QUIESCE_QUIET_MS * 1000000ull) {
		struct rte_mbuf *pkts[SL_MAX_BURST];
		uint16_t n = rte_eth_rx_burst(G.cp->port_id, G.cp->queue, pkts, SL_MAX_BURST);

		now = now_ns();
		if (n != 0) {
			rte_pktmbuf_free_bulk(pkts, n);
			quiet_since = now;
		}
	}
}

static void
teardown(void)
{
	uint32_t i;

	G.draining = true; /* closed() callbacks of the aborts below: nothing to do */
	if (G.tc != NULL && G.tc->conns != NULL) {
		if (G.core != NULL)
			G.core->now = rte_rdtsc();
		for (i = 0; i < G.n; i++)
			G.g[i].tcp = NULL;
		sl_tcp_core_fini(G.tc);
		sl_core_tx_flush(G.core, G.cp);
		quiesce();
	}
	sl_port_teardown(&G.port);
	if (G.g != NULL)
		for (i = 0; i < G.n; i++) {
			free(G.g[i].buf);
			if (G.g[i].h2 != NULL)
				sl_gen_h2_fini(G.g[i].h2);
			free(G.g[i].h2);
		}
	free(G.g);
	free(G.idle);
	free(G.pend);
	sl_gen_render_fini(&G.rd);
	if (G.core != NULL)
		sl_arp_cache_free(&G.core->arp);
	rte_free(G.tc);
	rte_free(G.core);
	rte_mempool_free(G.pool);
}

int
sl_gen_dpdk_run(const struct sl_gen_dpdk_conf *cf, struct sl_gen_counts *out, double *elapsed_s,
                char *err, size_t errlen)
{
	char runtime_dir[256] = "";
	uint64_t per_conn;
	uint32_t memory_mb = cf->memory_mb, i;
	int rc;

	memset(&G, 0, sizeof(G));
	G.conf = cf;
	G.counts = out;
	sl_gen_counts_reset(out);
	G.n_ips = cf->n_src_ips ? cf->n_src_ips
	                        : (cf->connections + PORTS_PER_IP - 1) / PORTS_PER_IP;
	if ((uint64_t)G.n_ips * PORTS_PER_IP < cf->connections) {
		snprintf(err, errlen, "%u connections need %u source addresses (--src-ips)",
		         cf->connections, (cf->connections + PORTS_PER_IP - 1) / PORTS_PER_IP);
		return -EINVAL;
	}
	if (memory_mb == 0) {
		/* TCP slot + out-of-order slots + hash + mbufs, generously; 64 MB for the rest. */
		uint32_t mbufs = cf->mbufs ? cf->mbufs : 16384 + 4 * cf->connections;

		per_conn = 2048 + 4 * 64 + 256;
		memory_mb = (uint32_t)(64 + ((uint64_t)cf->connections * per_conn +
		                             (uint64_t)(mbufs > 1048576 ? 1048576 : mbufs) * 2560) /
		                                (1024 * 1024));
		memory_mb = (memory_mb + 1) & ~1u;
	}
	rc = eal_start(cf, memory_mb, err, errlen);
	if (rc < 0)
		return rc;
	snprintf(runtime_dir, sizeof(runtime_dir), "%s", rte_eal_get_runtime_dir());
	rc = setup(cf, err, errlen);
	if (rc < 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "set-up: %s", strerror(-rc));
		goto out;
	}
	rc = resolve(err, errlen);
	if (rc < 0)
		goto out;
	if (!cf->quiet)
		fprintf(stderr,
		        PROG ": target " RTE_ETHER_ADDR_PRT_FMT ", %u connection(s) from %u "
		             "address(es)\n",
		        RTE_ETHER_ADDR_BYTES(&G.dmac), G.n, G.n_ips);
	/* splitmix64 of the seed: any port, so that consecutive runs start apart. */
	{
		uint64_t z = cf->seed + 0x9e3779b97f4a7c15ull;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
		G.port_cursor = (z ^ (z >> 31)) % ((uint64_t)G.n_ips * PORTS_PER_IP);
	}
	G.t_start = now_ns() + 1000000ull;
	G.t_measure = G.t_start + (uint64_t)(cf->ramp_s * 1e9);
	G.t_end = G.t_measure + (uint64_t)(cf->duration_s * 1e9);
	for (i = 0; i < G.n; i++) {
		G.g[i].state = G_UNOPENED;
		G.g[i].open_at =
		    cf->rate > 0 ? G.t_start
		                 : G.t_start + (uint64_t)(cf->ramp_s * 1e9 * i / cf->connections);
	}
	if (cf->run == SL_GEN_RUN_FLOOD)
		run_flood();
	else
		run_loop();
	*elapsed_s = cf->duration_s;
	if (G.t_stop && G.t_stop < G.t_end)
		*elapsed_s = G.t_stop > G.t_measure ? (double)(G.t_stop - G.t_measure) / 1e9 : 0;
	rc = G.err;
	if (rc < 0)
		snprintf(err, errlen, "request rendering failed: %s", strerror(-rc));
out:
	teardown();
	rte_eal_cleanup();
	/* EAL creates its runtime directory even with --in-memory and never removes it. */
	if (runtime_dir[0])
		rmdir(runtime_dir);
	return rc;
}
