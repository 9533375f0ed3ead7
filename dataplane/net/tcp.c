/* SPDX-License-Identifier: BSD-3-Clause */
/* Per-core userspace TCP: RFC 9293 with 7323, 2018, 6298, 5681, 6582 and 5961; server, and client. */

/*
 * Design
 * ------
 * One struct sl_tcp_core per poll core owns everything: a connection table
 * (rte_hash, 4-tuple -> connection), a preallocated pool of connections with
 * a free list, per-connection out-of-order storage carved from one array, a
 * timer wheel, and the listeners. RSS keeps a flow on one core, so nothing
 * is shared and nothing is locked. The SYN-cookie secret is the one
 * read-only object all cores share.
 *
 *   rx segment --> parse + checksum --> table lookup --+--> listen_input (SYN, cookie ACK, RST out)
 *                                                      +--> conn_input: PAWS, acceptability,
 *                                                           RST/SYN (RFC 5961), ACK (RTT, cwnd,
 *                                                           dup ACKs), data (in order -> app as
 *                                                           slices; ahead -> ooo queue + SACK),
 *                                                           FIN, then output
 *
 * Receive: in-order payload goes up as (mbuf, off, len) slices; the mbuf
 * reference passes to the app, which reports consumption with
 * sl_tcp_consumed(bytes, segs). The window we advertise is rcv_buf minus
 * what the app holds minus what waits out of order, so an app that stops
 * consuming closes the window (backpressure: DESIGN rule 6). The right edge
 * never moves left (RFC 9293 3.8.6.2.2) and grows only in steps of
 * min(rcv_buf / 2, MSS) (receiver SWS avoidance). A per-connection segment
 * cap (rcv_segs) stops a peer from pinning the mempool with tiny segments.
 *
 * Send: our bytes (responses, small) are copied into a queue of mbufs and
 * copied again into each segment we transmit, so a retransmission never
 * touches an mbuf a NIC may still hold. Go-back-N on RTO, fast retransmit on
 * three duplicate ACKs with NewReno recovery; peer SACK blocks are parsed and
 * not used (our sends are small; the receive side is where SACK matters).
 *
 * Rejected: one hash table shared by all cores (needs RCU or locks on every
 * lookup); copying payload into a per-connection byte ring (the zero-copy
 * rule, and 100k connections x a ring is gigabytes); a callback-free
 * event queue for the app (an extra hop per segment).
 *
 * Active open (sl_tcp_connect, for sluice-gen): the connection starts in
 * SYN_SENT with the app attached (closed() owed from then on), offers MSS,
 * SACK-permitted, timestamps and window scale, retransmits the SYN on the
 * RTO like a SYN-ACK, and on a valid SYN-ACK (RFC 9293 3.10.7.3) becomes
 * ESTABLISHED and calls connected(); from there on it is the same code as an
 * accepted connection. The server paths are untouched: no server connection
 * is ever in SYN_SENT. Simultaneous open (a bare SYN in SYN_SENT) is not
 * supported: the segment is dropped and the SYN retransmitted. The caller
 * picks the local port (the generator spreads its connections over ports
 * and source addresses itself); a 4-tuple still in the table is refused.
 *
 * Not implemented (see docs/tcp.md): urgent data (ignored), IPv6 (the key
 * and cookie carry the fields; the network layer is the seam), ECN, TFO,
 * MD5/AO.
 */
#include <errno.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "core.h"
#include "net/net.h"
#include "net/tcp.h"
#include "net/tcp_seq.h"
#include "timer.h"

#define TH_FIN RTE_TCP_FIN_FLAG
#define TH_SYN RTE_TCP_SYN_FLAG
#define TH_RST RTE_TCP_RST_FLAG
#define TH_PSH RTE_TCP_PSH_FLAG
#define TH_ACK RTE_TCP_ACK_FLAG

#define OPT_EOL       0
#define OPT_NOP       1
#define OPT_MSS       2
#define OPT_WS        3
#define OPT_SACK_PERM 4
#define OPT_SACK      5
#define OPT_TS        8

/* Bytes the timestamp option takes in every segment once negotiated (NOP NOP TS). */
#define TS_OPT_LEN 12
/* The default MSS when the peer sends none (RFC 9293 3.7.1). */
#define DEFAULT_MSS 536
/* Initial window: 10 segments (RFC 6928). */
#define INIT_CWND_SEGS 10
/* TTL of what we send: Linux's default. */
#define TCP_TTL 64

struct seg_opts {
	uint16_t mss;
	uint8_t wscale;
	bool has_mss;
	bool has_ws;
	bool sack_perm;
	bool has_ts;
	uint32_t tsval;
	uint32_t tsecr;
};

struct seg {
	uint32_t seq;
	uint32_t ack;
	uint32_t len; /* payload bytes */
	uint32_t off; /* payload offset from rte_pktmbuf_mtod(m) */
	uint32_t wnd; /* raw window field */
	uint8_t flags;
	struct seg_opts o;
};

static inline uint32_t
now_ms(const struct sl_tcp_core *tc)
{
	return (uint32_t)(tc->core->now / tc->tsc_per_ms);
}

static inline uint64_t
ms_to_tsc(const struct sl_tcp_core *tc, uint32_t ms)
{
	return (uint64_t)ms * tc->tsc_per_ms;
}

const char *
sl_tcp_state_name(enum sl_tcp_state s)
{
	static const char *const names[SL_TCP_STATE_MAX] = {
	    "CLOSED",     "SYN_RCVD", "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1",
	    "FIN_WAIT_2", "CLOSING",  "LAST_ACK",    "TIME_WAIT",  "SYN_SENT",
	};

	return (unsigned)s < SL_TCP_STATE_MAX ? names[s] : "?";
}

/* ------------------------------------------------------------------ */
/* Windows and buffers                                                 */

static inline uint32_t
rcv_space(const struct sl_tcp_conn *c)
{
	const struct sl_tcp_conf *conf = c->tc->conf;
	uint32_t used = c->held_bytes + sl_tcp_ooo_bytes(&c->ooo);

	if (used >= conf->rcv_buf || c->held_segs + sl_tcp_ooo_count(&c->ooo) >= conf->rcv_segs)
		return 0;
	return conf->rcv_buf - used;
}

/*
 * Move the right edge we advertise, if the space allows a step worth
 * announcing, and return the window field for the next segment.
 */
static uint16_t
rcv_window(struct sl_tcp_conn *c)
{
	uint32_t space = rcv_space(c), edge = c->rcv_nxt + space, step, wnd;
	uint32_t mss = c->tc->conf->mss;

	step = c->tc->conf->rcv_buf / 2 < mss ? c->tc->conf->rcv_buf / 2 : mss;
	if (sl_tcp_seq_gt(edge, c->rcv_adv) &&
	    (edge - c->rcv_adv >= step || space == c->tc->conf->rcv_buf))
		c->rcv_adv = edge;
	if (sl_tcp_seq_lt(c->rcv_adv, c->rcv_nxt))
		c->rcv_adv = c->rcv_nxt;
	wnd = c->rcv_adv - c->rcv_nxt;
	/* Round up so the scaled window never ends before the edge already promised. */
	wnd = (wnd + (1u << c->rcv_wscale) - 1) >> c->rcv_wscale;
	if (wnd > 0xffff)
		wnd = 0xffff;
	c->rcv_adv = c->rcv_nxt + (wnd << c->rcv_wscale);
	if (wnd == 0) {
		if (!c->win_was_zero)
			c->tc->core->ctr[SL_CTR_TCP_ZERO_WINDOW]++;
		c->win_was_zero = true;
	} else {
		c->win_was_zero = false;
	}
	return (uint16_t)wnd;
}

uint32_t
sl_tcp_send_space(const struct sl_tcp_conn *c)
{
	uint32_t limit = c->tc->conf->snd_buf;

	return c->sndq_bytes >= limit ? 0 : limit - c->sndq_bytes;
}

/* ------------------------------------------------------------------ */
/* Segment construction                                                */

/*
 * Build a segment with headers for key/dmac, optlen option bytes from opts
 * and room for plen payload bytes (returned in *payload). NULL when the pool
 * is dry (counted).
 */
static struct rte_mbuf *
build(struct sl_tcp_core *tc, struct sl_core_port *cp, const struct sl_tcp_key *key,
      const struct rte_ether_addr *dmac, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd,
      const uint8_t *opts, uint8_t optlen, uint32_t plen, uint8_t **payload)
{
	struct rte_ether_hdr *eth;
	struct rte_ipv4_hdr *ip;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint32_t hl = sizeof(*eth) + sizeof(*ip) + sizeof(*th) + optlen;

	m = rte_pktmbuf_alloc(tc->core->pool);
	if (unlikely(m == NULL)) {
		tc->core->drop[SL_DROP_TCP_NO_MBUF]++;
		return NULL;
	}
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, (uint16_t)(hl + plen));
	if (unlikely(eth == NULL)) {
		rte_pktmbuf_free(m);
		tc->core->drop[SL_DROP_TCP_NO_MBUF]++;
		return NULL;
	}
	eth->dst_addr = *dmac;
	eth->src_addr = cp->port->mac;
	eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	ip = (struct rte_ipv4_hdr *)(eth + 1);
	ip->version_ihl = 0x45;
	ip->type_of_service = 0;
	ip->total_length = rte_cpu_to_be_16((uint16_t)(hl - sizeof(*eth) + plen));
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = TCP_TTL;
	ip->next_proto_id = IPPROTO_TCP;
	ip->hdr_checksum = 0;
	ip->src_addr = key->laddr;
	ip->dst_addr = key->raddr;
	th = (struct rte_tcp_hdr *)(ip + 1);
	th->src_port = key->lport;
	th->dst_port = key->rport;
	th->sent_seq = rte_cpu_to_be_32(seq);
	th->recv_ack = rte_cpu_to_be_32(ack);
	th->data_off = (uint8_t)(((sizeof(*th) + optlen) / 4) << 4);
	th->tcp_flags = flags;
	th->rx_win = rte_cpu_to_be_16(wnd);
	th->cksum = 0;
	th->tcp_urp = 0;
	if (optlen != 0)
		memcpy(th + 1, opts, optlen);
	m->l2_len = sizeof(*eth);
	m->l3_len = sizeof(*ip);
	m->l4_len = (uint8_t)(sizeof(*th) + optlen);
	*payload = (uint8_t *)(th + 1) + optlen;
	return m;
}

/* Checksums (offloaded when the port can) and hand to the core's TX buffer. */
static void
transmit(struct sl_tcp_core *tc, struct sl_core_port *cp, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	struct rte_tcp_hdr *th = (struct rte_tcp_hdr *)(ip + 1);

	if (cp->port->tx_tcp_cksum) {
		m->ol_flags = RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM | RTE_MBUF_F_TX_TCP_CKSUM;
		th->cksum = rte_ipv4_phdr_cksum(ip, m->ol_flags);
	} else {
		sl_ipv4_set_cksum(ip);
		th->cksum = rte_ipv4_udptcp_cksum(ip, th);
	}
	tc->core->ctr[SL_CTR_TCP_TX_SEGMENTS]++;
	sl_core_tx(tc->core, cp, m);
}

/* Options for a segment of an established connection: timestamps and SACK blocks. */
static uint8_t
conn_opts(struct sl_tcp_conn *c, uint8_t *o, bool with_sack)
{
	uint8_t n = 0;

	if (c->ts_ok) {
		uint32_t tsval = rte_cpu_to_be_32(now_ms(c->tc));
		uint32_t tsecr = rte_cpu_to_be_32(c->ts_recent);

		o[n++] = OPT_NOP;
		o[n++] = OPT_NOP;
		o[n++] = OPT_TS;
		o[n++] = 10;
		memcpy(o + n, &tsval, 4);
		memcpy(o + n + 4, &tsecr, 4);
		n += 8;
	}
	if (with_sack && c->sack_ok && !sl_tcp_ooo_empty(&c->ooo)) {
		struct sl_tcp_sack_block b[SL_TCP_SACK_MAX_BLOCKS];
		unsigned k, j, nb = sl_tcp_ooo_sack(&c->ooo, b, SL_TCP_SACK_MAX_BLOCKS);

		/*
		 * Only blocks above rcv_nxt: an app sending from its data callback
		 * runs before the queue drops what that segment covered, and a
		 * block at or below the ACK would read as a D-SACK (RFC 2883).
		 */
		for (k = 0, j = 0; k < nb; k++)
			if (sl_tcp_seq_gt(b[k].start, c->rcv_nxt))
				b[j++] = b[k];
		nb = j < (c->ts_ok ? 3u : 4u) ? j : (c->ts_ok ? 3u : 4u);
		if (nb != 0) {
			o[n++] = OPT_NOP;
			o[n++] = OPT_NOP;
			o[n++] = OPT_SACK;
			o[n++] = (uint8_t)(2 + 8 * nb);
			for (k = 0; k < nb; k++) {
				uint32_t s = rte_cpu_to_be_32(b[k].start);
				uint32_t e = rte_cpu_to_be_32(b[k].end);

				memcpy(o + n, &s, 4);
				memcpy(o + n + 4, &e, 4);
				n += 8;
			}
		}
	}
	return n;
}

/* Copy len bytes of the send queue starting off bytes after snd_una into dst. */
static void
sndq_copy(const struct sl_tcp_conn *c, uint32_t off, uint8_t *dst, uint32_t len)
{
	uint16_t i = c->sndq_head, k;

	for (k = 0; k < c->sndq_n && len != 0; k++, i = (uint16_t)((i + 1) % SL_TCP_SNDQ_SLOTS)) {
		const struct rte_mbuf *m = c->sndq[i];
		uint32_t ml = rte_pktmbuf_data_len(m), n;

		if (off >= ml) {
			off -= ml;
			continue;
		}
		n = ml - off < len ? ml - off : len;
		memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
		dst += n;
		len -= n;
		off = 0;
	}
}

static void delack_cancel(struct sl_tcp_conn *c);

/* Send one segment of the connection: payload [seq, seq + len) of the queue, plus flags. */
static int
send_segment(struct sl_tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct sl_tcp_core *tc = c->tc;
	uint8_t opts[40], optlen, *payload;
	struct rte_mbuf *m;
	uint16_t wnd;

	optlen = conn_opts(c, opts, true);
	wnd = rcv_window(c);
	m = build(tc, c->cp, &c->key, &c->peer_mac, seq, c->rcv_nxt, flags | TH_ACK, wnd, opts,
	          optlen, len, &payload);
	if (m == NULL)
		return -ENOBUFS;
	if (len != 0)
		sndq_copy(c, seq - c->snd_una, payload, len);
	c->unacked_segs = 0;
	delack_cancel(c);
	transmit(tc, c->cp, m);
	return 0;
}

static void
send_ack(struct sl_tcp_conn *c)
{
	send_segment(c, c->snd_nxt, 0, 0);
}

/* RST in answer to a segment that has no connection (RFC 9293 3.10.7.1). */
static void
send_rst_for(struct sl_tcp_core *tc, struct sl_core_port *cp, const struct rte_ether_addr *dmac,
             const struct sl_tcp_key *key, const struct seg *s)
{
	struct rte_mbuf *m;
	uint8_t *payload;

	if (s->flags & TH_ACK)
		m = build(tc, cp, key, dmac, s->ack, 0, TH_RST, 0, NULL, 0, 0, &payload);
	else
		m = build(tc, cp, key, dmac, 0,
		          s->seq + s->len + !!(s->flags & TH_SYN) + !!(s->flags & TH_FIN),
		          TH_RST | TH_ACK, 0, NULL, 0, 0, &payload);
	if (m == NULL)
		return;
	tc->core->ctr[SL_CTR_TCP_RST_OUT]++;
	transmit(tc, cp, m);
}

/* SYN-ACK with the options the peer offered: MSS always, then SACK-permitted, TS, WS. */
static void
send_synack(struct sl_tcp_core *tc, struct sl_core_port *cp, const struct sl_tcp_key *key,
            const struct rte_ether_addr *dmac, uint32_t iss, uint32_t ack,
            const struct seg_opts *po, uint32_t tsval, uint8_t wscale, uint32_t ts_recent)
{
	uint8_t o[40], n = 0, *payload;
	uint16_t mss = rte_cpu_to_be_16(tc->conf->mss), wnd;
	struct rte_mbuf *m;

	o[n++] = OPT_MSS;
	o[n++] = 4;
	memcpy(o + n, &mss, 2);
	n += 2;
	if (po->sack_perm && po->has_ts) {
		o[n++] = OPT_SACK_PERM;
		o[n++] = 2;
	} else if (po->sack_perm) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_NOP;
		o[n++] = OPT_SACK_PERM;
		o[n++] = 2;
	}
	if (po->has_ts) {
		uint32_t v = rte_cpu_to_be_32(tsval), e = rte_cpu_to_be_32(ts_recent);

		if (!po->sack_perm) {
			o[n++] = OPT_NOP;
			o[n++] = OPT_NOP;
		}
		o[n++] = OPT_TS;
		o[n++] = 10;
		memcpy(o + n, &v, 4);
		memcpy(o + n + 4, &e, 4);
		n += 8;
	}
	if (po->has_ws) {
		o[n++] = OPT_NOP;
		o[n++] = OPT_WS;
		o[n++] = 3;
		o[n++] = wscale;
	}
	/* The SYN-ACK's window is never scaled (RFC 7323 2.2). */
	wnd = tc->conf->rcv_buf > 0xffff ? 0xffff : (uint16_t)tc->conf->rcv_buf;
	m = build(tc, cp, key, dmac, iss, ack, TH_SYN | TH_ACK, wnd, o, n, 0, &payload);
	if (m != NULL)
		transmit(tc, cp, m);
}

/*
 * The SYN of an active open: MSS, SACK-permitted + timestamps, window scale
 * (Linux's order and padding, 20 option bytes). The SYN's window is never
 * scaled. Returns 0 or -ENOBUFS.
 */
static int
send_syn(struct sl_tcp_conn *c)
{
	struct sl_tcp_core *tc = c->tc;
	uint16_t mss = rte_cpu_to_be_16(tc->conf->mss), wnd;
	uint32_t tsval = rte_cpu_to_be_32(now_ms(tc)), zero = 0;
	uint8_t o[20], n = 0, *payload;
	struct rte_mbuf *m;

	o[n++] = OPT_MSS;
	o[n++] = 4;
	memcpy(o + n, &mss, 2);
	n += 2;
	o[n++] = OPT_SACK_PERM;
	o[n++] = 2;
	o[n++] = OPT_TS;
	o[n++] = 10;
	memcpy(o + n, &tsval, 4);
	memcpy(o + n + 4, &zero, 4);
	n += 8;
	o[n++] = OPT_NOP;
	o[n++] = OPT_WS;
	o[n++] = 3;
	o[n++] = (uint8_t)tc->wscale;
	wnd = tc->conf->rcv_buf > 0xffff ? 0xffff : (uint16_t)tc->conf->rcv_buf;
	m = build(tc, c->cp, &c->key, &c->peer_mac, c->iss, 0, TH_SYN, wnd, o, n, 0, &payload);
	if (m == NULL)
		return -ENOBUFS;
	transmit(tc, c->cp, m);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Connection lifetime                                                 */

static void rtx_expired(struct sl_timer *t, void *arg);
static void delack_expired(struct sl_timer *t, void *arg);
static void life_expired(struct sl_timer *t, void *arg);

static void
delack_cancel(struct sl_tcp_conn *c)
{
	sl_timer_cancel(&c->tc->wheel, &c->delack_timer);
}

static void
arm_ms(struct sl_tcp_conn *c, struct sl_timer *t, uint32_t ms)
{
	sl_timer_arm(&c->tc->wheel, t, c->tc->core->now + ms_to_tsc(c->tc, ms));
}

static void
arm_rto(struct sl_tcp_conn *c)
{
	uint32_t us = sl_tcp_rto_us(&c->rto);

	sl_timer_arm(&c->tc->wheel, &c->rtx_timer,
	             c->tc->core->now + (uint64_t)us * c->tc->tsc_hz / 1000000u);
}

static struct sl_tcp_conn *
conn_alloc(struct sl_tcp_core *tc, struct sl_core_port *cp, const struct sl_tcp_key *key,
           const struct rte_ether_addr *mac, const struct sl_tcp_listener *l)
{
	struct sl_tcp_conn *c;
	uint32_t idx = tc->free_head;
	int rc;

	if (idx == UINT32_MAX)
		return NULL;
	c = &tc->conns[idx];
	tc->free_head = c->next_free;
	memset(c, 0, offsetof(struct sl_tcp_conn, tc));
	c->key = *key;
	c->peer_mac = *mac;
	c->cp = cp;
	c->listener = l;
	c->last_rx_tsc = tc->core->now;
	sl_tcp_rto_init(&c->rto, &tc->rto_conf);
	sl_tcp_ooo_init(&c->ooo, &tc->ooo_store[(size_t)idx * tc->conf->ooo_segs],
	                tc->conf->ooo_segs, &tc->ooo_budget);
	sl_timer_init(&c->rtx_timer, rtx_expired, c);
	sl_timer_init(&c->delack_timer, delack_expired, c);
	sl_timer_init(&c->life_timer, life_expired, c);
	rc = rte_hash_add_key_data(tc->table, &c->key, c);
	if (rc < 0) {
		c->next_free = tc->free_head;
		tc->free_head = idx;
		return NULL;
	}
	tc->n_conns++;
	return c;
}

/*
 * Tear a connection down: timers, queues, table slot; tell the app (once)
 * and return the slot to the free list.
 */
static void
conn_free(struct sl_tcp_conn *c, enum sl_tcp_close_reason why)
{
	struct sl_tcp_core *tc = c->tc;
	uint16_t i;

	if (c->state == SL_TCP_CLOSED)
		return;
	if (c->state == SL_TCP_SYN_RCVD)
		tc->n_synrcvd--;
	else if (c->state == SL_TCP_SYN_SENT)
		tc->n_synsent--;
	c->state = SL_TCP_CLOSED;
	sl_timer_cancel(&tc->wheel, &c->rtx_timer);
	sl_timer_cancel(&tc->wheel, &c->delack_timer);
	sl_timer_cancel(&tc->wheel, &c->life_timer);
	sl_tcp_ooo_purge(&c->ooo);
	for (i = 0; i < c->sndq_n; i++)
		rte_pktmbuf_free(c->sndq[(c->sndq_head + i) % SL_TCP_SNDQ_SLOTS]);
	c->sndq_n = 0;
	c->sndq_bytes = 0;
	rte_hash_del_key(tc->table, &c->key);
	tc->n_conns--;
	switch (why) {
	case SL_TCP_CLOSE_NORMAL:
		/* TIME_WAIT's end was counted when it began. */
		if (c->accepted)
			tc->core->ctr[SL_CTR_TCP_CLOSED]++;
		break;
	case SL_TCP_CLOSE_RESET:
		tc->core->ctr[SL_CTR_TCP_RESET_IN]++;
		break;
	case SL_TCP_CLOSE_TIMEOUT:
		tc->core->ctr[SL_CTR_TCP_TIMEOUTS]++;
		break;
	case SL_TCP_CLOSE_ABORT:
		tc->core->ctr[SL_CTR_TCP_ABORTED]++;
		break;
	}
	if (c->accepted && c->listener->ops->closed != NULL)
		c->listener->ops->closed(c, c->app, why);
	c->accepted = false;
	c->app = NULL;
	c->next_free = tc->free_head;
	tc->free_head = c->idx;
}

/*
 * TIME_WAIT (only after we closed first): the app is done with the
 * connection, so it hears closed() now; the slot lingers for the 2MSL wait.
 */
static void
enter_time_wait(struct sl_tcp_conn *c)
{
	c->state = SL_TCP_TIME_WAIT;
	sl_timer_cancel(&c->tc->wheel, &c->rtx_timer);
	delack_cancel(c);
	arm_ms(c, &c->life_timer, c->tc->conf->time_wait_ms);
	if (c->accepted) {
		c->accepted = false;
		c->tc->core->ctr[SL_CTR_TCP_CLOSED]++;
		if (c->listener->ops->closed != NULL)
			c->listener->ops->closed(c, c->app, SL_TCP_CLOSE_NORMAL);
		c->app = NULL;
	}
}

/* Give the app its closed() for an orderly end without TIME_WAIT on our side. */
static void
conn_done(struct sl_tcp_conn *c)
{
	conn_free(c, SL_TCP_CLOSE_NORMAL);
}

/* RST the peer (unless in TIME_WAIT) and free, counted under why. */
static void
abort_with(struct sl_tcp_conn *c, enum sl_tcp_close_reason why)
{
	struct sl_tcp_core *tc = c->tc;
	uint8_t *payload;
	struct rte_mbuf *m;

	if (c->state == SL_TCP_CLOSED)
		return;
	if (c->state != SL_TCP_TIME_WAIT) {
		m = build(tc, c->cp, &c->key, &c->peer_mac, c->snd_nxt, c->rcv_nxt, TH_RST | TH_ACK,
		          0, NULL, 0, 0, &payload);
		if (m != NULL) {
			tc->core->ctr[SL_CTR_TCP_RST_OUT]++;
			transmit(tc, c->cp, m);
		}
	}
	conn_free(c, why);
}

void
sl_tcp_abort(struct sl_tcp_conn *c)
{
	abort_with(c, SL_TCP_CLOSE_ABORT);
}

/* ------------------------------------------------------------------ */
/* Output                                                              */

static inline uint32_t
data_end(const struct sl_tcp_conn *c)
{
	return c->snd_una + c->sndq_bytes;
}

static inline uint32_t
smss(const struct sl_tcp_conn *c)
{
	return c->ts_ok ? (uint32_t)c->mss - TS_OPT_LEN : c->mss;
}

/*
 * Send what the windows allow: new data from snd_nxt, then the FIN once all
 * data is out. Arms the retransmission timer for anything in flight, the
 * persist timer when a zero window blocks queued data.
 */
static void
output(struct sl_tcp_conn *c)
{
	uint32_t wnd, end = data_end(c), mss = smss(c), len;
	bool sent = false;

	if (c->state != SL_TCP_ESTABLISHED && c->state != SL_TCP_CLOSE_WAIT &&
	    c->state != SL_TCP_FIN_WAIT_1 && c->state != SL_TCP_CLOSING &&
	    c->state != SL_TCP_LAST_ACK)
		return;
	wnd = c->snd_wnd < c->cwnd ? c->snd_wnd : c->cwnd;
	while (sl_tcp_seq_lt(c->snd_nxt, end)) {
		uint32_t in_flight = c->snd_nxt - c->snd_una;

		if (in_flight >= wnd)
			break;
		len = end - c->snd_nxt;
		if (len > mss)
			len = mss;
		if (len > wnd - in_flight)
			len = wnd - in_flight;
		if (send_segment(c, c->snd_nxt, len, c->snd_nxt + len == end ? TH_PSH : 0) < 0)
			break;
		if (!c->timing && !c->ts_ok) {
			c->timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_tsc = c->tc->core->now;
		}
		if (sl_tcp_seq_lt(c->snd_nxt, c->snd_max))
			c->tc->core->ctr[SL_CTR_TCP_RETRANSMITS]++;
		c->snd_nxt += len;
		if (sl_tcp_seq_gt(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		sent = true;
	}
	if (c->fin_queued && c->snd_nxt == end) {
		if (send_segment(c, end, 0, TH_FIN) == 0) {
			if (c->snd_max == end + 1)
				c->tc->core->ctr[SL_CTR_TCP_RETRANSMITS]++;
			c->snd_nxt = end + 1;
			c->snd_max = end + 1;
			sent = true;
		}
	}
	if (sent && !sl_timer_pending(&c->rtx_timer))
		arm_rto(c);
	/* Zero window and nothing in flight: probe it (persist). */
	if (c->snd_wnd == 0 && sl_tcp_seq_lt(c->snd_nxt, end) && c->snd_una == c->snd_nxt &&
	    !sl_timer_pending(&c->rtx_timer))
		arm_rto(c);
}

int
sl_tcp_send(struct sl_tcp_conn *c, const void *buf, uint32_t len)
{
	const uint8_t *p = buf;
	uint32_t space, taken = 0, asked = len;

	if (c->state != SL_TCP_ESTABLISHED && c->state != SL_TCP_CLOSE_WAIT)
		return c->state == SL_TCP_SYN_RCVD || c->state == SL_TCP_SYN_SENT ? -ENOTCONN
		                                                                  : -EPIPE;
	if (c->fin_queued)
		return -EPIPE;
	space = sl_tcp_send_space(c);
	if (len > space)
		len = space;
	while (taken < len) {
		struct rte_mbuf *tail = NULL;
		uint32_t room, n;
		char *dst;

		if (c->sndq_n != 0) {
			tail = c->sndq[(c->sndq_head + c->sndq_n - 1) % SL_TCP_SNDQ_SLOTS];
			if (rte_pktmbuf_tailroom(tail) == 0)
				tail = NULL;
		}
		if (tail == NULL) {
			if (c->sndq_n == SL_TCP_SNDQ_SLOTS)
				break;
			tail = rte_pktmbuf_alloc(c->tc->core->pool);
			if (tail == NULL) {
				c->tc->core->drop[SL_DROP_TCP_NO_MBUF]++;
				break;
			}
			c->sndq[(c->sndq_head + c->sndq_n) % SL_TCP_SNDQ_SLOTS] = tail;
			c->sndq_n++;
		}
		room = rte_pktmbuf_tailroom(tail);
		n = len - taken < room ? len - taken : room;
		dst = rte_pktmbuf_append(tail, (uint16_t)n);
		memcpy(dst, p + taken, n);
		taken += n;
		c->sndq_bytes += n;
	}
	if (taken < asked)
		c->want_writable = true;
	if (taken != 0)
		output(c);
	return (int)taken;
}

void
sl_tcp_close(struct sl_tcp_conn *c)
{
	switch (c->state) {
	case SL_TCP_SYN_RCVD:
	case SL_TCP_ESTABLISHED:
		c->state = SL_TCP_FIN_WAIT_1;
		break;
	case SL_TCP_CLOSE_WAIT:
		c->state = SL_TCP_LAST_ACK;
		break;
	case SL_TCP_SYN_SENT:
		/* Nothing to say goodbye to yet (RFC 9293 3.10.4: delete the TCB). */
		conn_free(c, SL_TCP_CLOSE_ABORT);
		return;
	default:
		return;
	}
	c->fin_queued = true;
	output(c);
}

void
sl_tcp_consumed(struct sl_tcp_conn *c, uint32_t bytes, uint32_t segs)
{
	uint32_t before = c->rcv_adv - c->rcv_nxt, after, thresh;

	c->held_bytes = bytes > c->held_bytes ? 0 : c->held_bytes - bytes;
	c->held_segs = segs > c->held_segs ? 0 : c->held_segs - segs;
	if (c->state == SL_TCP_CLOSED || c->state == SL_TCP_SYN_RCVD)
		return;
	/*
	 * Window update: tell the peer at once when the window reopens from
	 * below what it can usefully send into, so a stalled sender resumes
	 * without waiting for its persist timer.
	 */
	thresh = 2 * (uint32_t)c->tc->conf->mss;
	if (thresh > c->tc->conf->rcv_buf / 2)
		thresh = c->tc->conf->rcv_buf / 2;
	if (before < thresh && rcv_space(c) >= thresh) {
		(void)rcv_window(c);
		after = c->rcv_adv - c->rcv_nxt;
		if (after > before && !c->fin_rcvd) {
			c->tc->core->ctr[SL_CTR_TCP_WINDOW_UPDATES]++;
			send_ack(c);
		}
	}
}

/* ------------------------------------------------------------------ */
/* Timers                                                              */

static void
rtx_expired(struct sl_timer *t, void *arg)
{
	struct sl_tcp_conn *c = arg;
	struct sl_tcp_core *tc = c->tc;
	uint32_t flight;

	(void)t;
	if (c->state == SL_TCP_SYN_RCVD || c->state == SL_TCP_SYN_SENT) {
		/* Our SYN-ACK (passive) or SYN (active open) went unanswered. */
		if (++c->retries > tc->conf->synack_retries) {
			conn_free(c, SL_TCP_CLOSE_TIMEOUT);
			return;
		}
		sl_tcp_rto_syn_retransmitted(&c->rto);
		sl_tcp_rto_backoff(&c->rto);
		tc->core->ctr[SL_CTR_TCP_RETRANSMITS]++;
		if (c->state == SL_TCP_SYN_SENT) {
			(void)send_syn(c);
		} else {
			struct seg_opts po = {.has_ts = c->ts_ok,
			                      .sack_perm = c->sack_ok,
			                      .has_ws = c->rcv_wscale != 0 || c->snd_wscale != 0};
			send_synack(tc, c->cp, &c->key, &c->peer_mac, c->iss, c->rcv_nxt, &po,
			            now_ms(tc), c->rcv_wscale, c->ts_recent);
		}
		arm_rto(c);
		return;
	}
	if (c->snd_una == c->snd_max && !sl_tcp_seq_lt(c->snd_nxt, data_end(c)))
		return; /* nothing outstanding */
	if (++c->retries > tc->conf->max_retries) {
		abort_with(c, SL_TCP_CLOSE_TIMEOUT);
		return;
	}
	if (c->snd_wnd == 0 && c->sndq_bytes != 0) {
		/*
		 * Persist: probe the zero window with one byte (RFC 9293 3.8.6.1):
		 * new data when nothing is in flight, else the first unacked byte
		 * again (our last probe, or data the peer shrank the window over).
		 * Going back to snd_una would send nothing into the zero window and
		 * abort after max_retries a peer that answers every probe.
		 */
		tc->core->ctr[SL_CTR_TCP_WINDOW_PROBES]++;
		if (c->snd_una != c->snd_max) {
			(void)send_segment(c, c->snd_una, 1, 0);
		} else if (send_segment(c, c->snd_nxt, 1, 0) == 0) {
			c->snd_nxt++;
			c->snd_max = c->snd_nxt;
		}
		c->retries = 0; /* a peer that keeps answering probes is alive */
		sl_tcp_rto_backoff(&c->rto);
		arm_rto(c);
		return;
	}
	/* RTO: collapse the window, go back to snd_una (RFC 5681 3.1, RFC 6298 5.5-5.7). */
	flight = c->snd_max - c->snd_una;
	c->ssthresh = flight / 2 > 2 * smss(c) ? flight / 2 : 2 * smss(c);
	c->cwnd = smss(c);
	c->in_recovery = false;
	c->dupacks = 0;
	c->timing = false; /* Karn: no samples from retransmitted data */
	c->snd_nxt = c->snd_una;
	sl_tcp_rto_backoff(&c->rto);
	output(c);
	if (!sl_timer_pending(&c->rtx_timer))
		arm_rto(c);
}

static void
delack_expired(struct sl_timer *t, void *arg)
{
	struct sl_tcp_conn *c = arg;

	(void)t;
	if (c->state != SL_TCP_CLOSED && c->unacked_segs != 0)
		send_ack(c);
}

static void
life_expired(struct sl_timer *t, void *arg)
{
	struct sl_tcp_conn *c = arg;
	struct sl_tcp_core *tc = c->tc;
	uint64_t idle = ms_to_tsc(tc, tc->conf->idle_timeout_ms);

	(void)t;
	switch (c->state) {
	case SL_TCP_TIME_WAIT:
		conn_done(c);
		return;
	case SL_TCP_FIN_WAIT_2:
		abort_with(c, SL_TCP_CLOSE_TIMEOUT);
		return;
	default:
		/* Idle check, lazily: re-arm for the rest if traffic came since. */
		if (tc->core->now - c->last_rx_tsc >= idle) {
			abort_with(c, SL_TCP_CLOSE_TIMEOUT);
			return;
		}
		sl_timer_arm(&tc->wheel, &c->life_timer, c->last_rx_tsc + idle);
	}
}

void
sl_tcp_timers(struct sl_tcp_core *tc, uint64_t now_tsc)
{
	sl_timer_wheel_run(&tc->wheel, now_tsc);
}

/* ------------------------------------------------------------------ */
/* Input                                                               */

static void
parse_opts(const uint8_t *p, uint32_t len, bool syn, struct seg_opts *o)
{
	uint32_t i = 0;

	memset(o, 0, sizeof(*o));
	while (i < len) {
		uint8_t kind = p[i], olen;

		if (kind == OPT_EOL)
			break;
		if (kind == OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= len)
			break;
		olen = p[i + 1];
		if (olen < 2 || i + olen > len)
			break; /* malformed: ignore the rest, as Linux does */
		switch (kind) {
		case OPT_MSS:
			if (olen == 4 && syn) {
				o->has_mss = true;
				o->mss = (uint16_t)(p[i + 2] << 8 | p[i + 3]);
			}
			break;
		case OPT_WS:
			if (olen == 3 && syn) {
				o->has_ws = true;
				o->wscale =
				    p[i + 2] > SL_TCP_WSCALE_MAX ? SL_TCP_WSCALE_MAX : p[i + 2];
			}
			break;
		case OPT_SACK_PERM:
			if (olen == 2 && syn)
				o->sack_perm = true;
			break;
		case OPT_TS:
			if (olen == 10) {
				o->has_ts = true;
				o->tsval = (uint32_t)p[i + 2] << 24 | (uint32_t)p[i + 3] << 16 |
				           (uint32_t)p[i + 4] << 8 | p[i + 5];
				o->tsecr = (uint32_t)p[i + 6] << 24 | (uint32_t)p[i + 7] << 16 |
				           (uint32_t)p[i + 8] << 8 | p[i + 9];
			}
			break;
		default:
			break; /* SACK blocks and the rest: not used */
		}
		i += olen;
	}
}

static const struct sl_tcp_listener *
find_listener(const struct sl_tcp_core *tc, uint16_t port_be)
{
	uint32_t i;

	for (i = 0; i < tc->n_listeners; i++)
		if (tc->listeners[i].port == port_be)
			return &tc->listeners[i];
	return NULL;
}

/* Initial sequence number (RFC 6528): a 4 us clock plus a keyed hash of the 4-tuple. */
static uint32_t
make_iss(const struct sl_tcp_core *tc, const struct sl_tcp_key *key)
{
	uint64_t h = sl_tcp_syncookie_siphash(tc->cookie_key, key, sizeof(*key));

	return (uint32_t)h + (uint32_t)(tc->core->now / (tc->tsc_hz / 250000u));
}

static void
cookie_flow(const struct sl_tcp_key *key, struct sl_tcp_cookie_flow *f)
{
	memset(f, 0, sizeof(*f));
	f->saddr[0] = key->raddr;
	f->daddr[0] = key->laddr;
	f->sport = key->rport;
	f->dport = key->lport;
}

static inline uint32_t
cookie_slot(const struct sl_tcp_core *tc)
{
	return sl_tcp_syncookie_slot(tc->core->now / tc->tsc_hz);
}

/* Fill the negotiated parameters of a new connection and its ESTABLISHED-ready state. */
static void
conn_negotiate(struct sl_tcp_conn *c, uint16_t peer_mss, bool ws, uint8_t peer_ws, bool sack,
               bool ts)
{
	struct sl_tcp_core *tc = c->tc;

	c->mss = peer_mss < tc->conf->mss ? peer_mss : tc->conf->mss;
	if (c->mss < 64)
		c->mss = 64;
	if (ws) {
		c->snd_wscale = peer_ws;
		c->rcv_wscale = (uint8_t)tc->wscale;
	}
	c->sack_ok = sack;
	c->ts_ok = ts;
	c->cwnd = INIT_CWND_SEGS * (uint32_t)c->mss;
	c->ssthresh = UINT32_MAX;
}

static void
conn_established(struct sl_tcp_conn *c)
{
	struct sl_tcp_core *tc = c->tc;
	void *app = NULL;

	if (c->state == SL_TCP_SYN_RCVD)
		tc->n_synrcvd--;
	c->state = SL_TCP_ESTABLISHED;
	c->retries = 0;
	sl_timer_cancel(&tc->wheel, &c->rtx_timer);
	tc->core->ctr[SL_CTR_TCP_OPENED]++;
	arm_ms(c, &c->life_timer, tc->conf->idle_timeout_ms);
	if (c->listener->ops->accept(c, c->listener->arg, &app) < 0) {
		tc->core->ctr[SL_CTR_TCP_REFUSED]++;
		sl_tcp_abort(c);
		return;
	}
	if (c->state == SL_TCP_CLOSED)
		return; /* the app aborted from inside accept() and owes no closed() */
	c->app = app;
	c->accepted = true;
}

static void conn_input(struct sl_tcp_core *tc, struct sl_tcp_conn *c, struct rte_mbuf *m,
                       struct seg *s);

static void
listen_input(struct sl_tcp_core *tc, struct sl_core_port *cp, struct rte_mbuf *m,
             const struct sl_tcp_key *key, struct seg *s)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	const struct sl_tcp_listener *l = find_listener(tc, key->lport);
	struct sl_tcp_conn *c;

	if (s->flags & TH_RST) {
		sl_core_drop(tc->core, m, SL_DROP_TCP_NO_CONN);
		return;
	}
	if (l == NULL) {
		send_rst_for(tc, cp, &eth->src_addr, key, s);
		sl_core_drop(tc->core, m, SL_DROP_TCP_NO_LISTENER);
		return;
	}
	if ((s->flags & (TH_SYN | TH_ACK)) == TH_ACK) {
		/* Maybe the ACK completing a SYN-cookie handshake. */
		struct sl_tcp_cookie_flow f;
		uint8_t ws = SL_TCP_WSCALE_NONE;
		bool sack = false;
		uint16_t mss;

		cookie_flow(key, &f);
		if (tc->conf->syncookies == SL_TCP_SYNCOOKIES_NEVER ||
		    sl_tcp_syncookie_verify(tc->cookie_key, &f, s->seq - 1, s->ack - 1,
		                            cookie_slot(tc), &mss) < 0) {
			if (tc->conf->syncookies != SL_TCP_SYNCOOKIES_NEVER)
				tc->core->ctr[SL_CTR_TCP_SYNCOOKIES_BAD]++;
			send_rst_for(tc, cp, &eth->src_addr, key, s);
			sl_core_drop(tc->core, m, SL_DROP_TCP_NO_CONN);
			return;
		}
		if (s->o.has_ts &&
		    sl_tcp_syncookie_ts_decode(s->o.tsecr, now_ms(tc), &ws, &sack) < 0) {
			tc->core->ctr[SL_CTR_TCP_SYNCOOKIES_BAD]++;
			send_rst_for(tc, cp, &eth->src_addr, key, s);
			sl_core_drop(tc->core, m, SL_DROP_TCP_NO_CONN);
			return;
		}
		if (tc->n_conns >= tc->conf->max_conns ||
		    (c = conn_alloc(tc, cp, key, &eth->src_addr, l)) == NULL) {
			send_rst_for(tc, cp, &eth->src_addr, key, s);
			sl_core_drop(tc->core, m, SL_DROP_TCP_TABLE_FULL);
			return;
		}
		tc->core->ctr[SL_CTR_TCP_SYNCOOKIES_OK]++;
		c->tc = tc;
		c->iss = s->ack - 1;
		c->irs = s->seq - 1;
		c->snd_una = c->snd_nxt = c->snd_max = s->ack;
		c->rcv_nxt = s->seq;
		c->ts_recent = s->o.tsval;
		conn_negotiate(c, mss, ws != SL_TCP_WSCALE_NONE, ws == SL_TCP_WSCALE_NONE ? 0 : ws,
		               sack, s->o.has_ts);
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		c->rcv_adv = c->rcv_nxt;
		(void)rcv_window(c);
		c->state = SL_TCP_SYN_RCVD;
		tc->n_synrcvd++;
		conn_established(c);
		if (c->state == SL_TCP_CLOSED) {
			rte_pktmbuf_free(m);
			return;
		}
		/* Now a normal segment of the connection (it may carry data). */
		conn_input(tc, c, m, s);
		return;
	}
	if ((s->flags & (TH_SYN | TH_ACK | TH_FIN)) != TH_SYN) {
		if (!(s->flags & TH_RST))
			send_rst_for(tc, cp, &eth->src_addr, key, s);
		sl_core_drop(tc->core, m, SL_DROP_TCP_NO_CONN);
		return;
	}
	/* A SYN. */
	tc->core->ctr[SL_CTR_TCP_SYN_IN]++;
	if (tc->n_conns >= tc->conf->max_conns) {
		send_rst_for(tc, cp, &eth->src_addr, key, s);
		sl_core_drop(tc->core, m, SL_DROP_TCP_TABLE_FULL);
		return;
	}
	if (tc->conf->syncookies == SL_TCP_SYNCOOKIES_ALWAYS ||
	    tc->n_synrcvd >= tc->conf->syn_queue) {
		struct sl_tcp_cookie_flow f;
		uint16_t mss = s->o.has_mss ? s->o.mss : DEFAULT_MSS;
		uint32_t iss, tsval = now_ms(tc);

		if (tc->conf->syncookies == SL_TCP_SYNCOOKIES_NEVER) {
			sl_core_drop(tc->core, m, SL_DROP_TCP_SYN_QUEUE_FULL);
			return;
		}
		if (mss > tc->conf->mss)
			mss = tc->conf->mss;
		cookie_flow(key, &f);
		iss =
		    sl_tcp_syncookie_encode(tc->cookie_key, &f, s->seq, cookie_slot(tc), mss, NULL);
		if (s->o.has_ts)
			tsval = sl_tcp_syncookie_ts_encode(
			    tsval, s->o.has_ws ? s->o.wscale : SL_TCP_WSCALE_NONE, s->o.sack_perm);
		send_synack(tc, cp, key, &eth->src_addr, iss, s->seq + 1, &s->o, tsval,
		            (uint8_t)tc->wscale, s->o.tsval);
		tc->core->ctr[SL_CTR_TCP_SYNCOOKIES_SENT]++;
		rte_pktmbuf_free(m);
		return;
	}
	c = conn_alloc(tc, cp, key, &eth->src_addr, l);
	if (c == NULL) {
		send_rst_for(tc, cp, &eth->src_addr, key, s);
		sl_core_drop(tc->core, m, SL_DROP_TCP_TABLE_FULL);
		return;
	}
	c->tc = tc;
	c->state = SL_TCP_SYN_RCVD;
	tc->n_synrcvd++;
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->iss = make_iss(tc, key);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->ts_recent = s->o.tsval;
	conn_negotiate(c, s->o.has_mss ? s->o.mss : DEFAULT_MSS, s->o.has_ws, s->o.wscale,
	               s->o.sack_perm, s->o.has_ts);
	c->snd_wnd = s->wnd; /* a SYN's window is not scaled */
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	c->rcv_adv = c->rcv_nxt + (tc->conf->rcv_buf > 0xffff ? 0xffff : tc->conf->rcv_buf);
	send_synack(tc, cp, key, &eth->src_addr, c->iss, c->rcv_nxt, &s->o, now_ms(tc),
	            (uint8_t)tc->wscale, c->ts_recent);
	arm_rto(c);
	rte_pktmbuf_free(m);
}

/* Free acknowledged bytes from the head of the send queue. */
static void
sndq_ack(struct sl_tcp_conn *c, uint32_t bytes)
{
	c->sndq_bytes -= bytes;
	while (bytes != 0 && c->sndq_n != 0) {
		struct rte_mbuf *h = c->sndq[c->sndq_head];
		uint32_t hl = rte_pktmbuf_data_len(h);

		if (bytes >= hl) {
			rte_pktmbuf_free(h);
			c->sndq_head = (uint16_t)((c->sndq_head + 1) % SL_TCP_SNDQ_SLOTS);
			c->sndq_n--;
			bytes -= hl;
		} else {
			rte_pktmbuf_adj(h, (uint16_t)bytes);
			bytes = 0;
		}
	}
}

/* Process the ACK field (RFC 9293 3.10.7.4, fifth check). Returns false if the segment is done. */
static bool
ack_input(struct sl_tcp_conn *c, const struct seg *s)
{
	struct sl_tcp_core *tc = c->tc;
	uint32_t acked, data_acked, end = data_end(c);
	bool fin_acked = false;

	if (sl_tcp_seq_gt(s->ack, c->snd_max)) {
		send_ack(c); /* acks something we never sent */
		return false;
	}
	if (sl_tcp_seq_lt(s->ack, c->snd_una)) {
		/* Old duplicate ACK: RFC 5961 5.2 asks for a challenge ACK when too old; ignore. */
		return true;
	}
	acked = s->ack - c->snd_una;
	if (acked != 0) {
		data_acked = acked > c->sndq_bytes ? c->sndq_bytes : acked;
		fin_acked = c->fin_queued && s->ack == end + 1;
		sndq_ack(c, data_acked);
		c->snd_una = s->ack;
		if (sl_tcp_seq_lt(c->snd_nxt, c->snd_una))
			c->snd_nxt = c->snd_una;
		/* RTT sample: timestamps echo, else the timed segment (Karn: never a retransmit).
		 */
		if (c->ts_ok && s->o.has_ts && s->o.tsecr != 0) {
			uint32_t rtt = now_ms(tc) - s->o.tsecr;

			if (rtt < 60000)
				sl_tcp_rto_sample(&c->rto, rtt * 1000u);
		} else if (c->timing && sl_tcp_seq_gt(s->ack, c->rtt_seq)) {
			sl_tcp_rto_sample(&c->rto, (uint32_t)((tc->core->now - c->rtt_tsc) *
			                                      1000000u / tc->tsc_hz));
			c->timing = false;
		}
		c->retries = 0;
		/* Congestion control: NewReno (RFC 6582) over RFC 5681. */
		if (c->in_recovery) {
			if (!sl_tcp_seq_lt(s->ack, c->recover)) {
				c->cwnd = c->ssthresh;
				c->in_recovery = false;
			} else {
				/* Partial ACK: resend the next hole, deflate by what was acked. */
				uint32_t len = c->snd_max - c->snd_una;

				if (len > smss(c))
					len = smss(c);
				if (len > c->sndq_bytes)
					len = c->sndq_bytes;
				if (len != 0 && send_segment(c, c->snd_una, len, 0) == 0)
					tc->core->ctr[SL_CTR_TCP_RETRANSMITS]++;
				c->cwnd =
				    c->cwnd > data_acked ? c->cwnd - data_acked + smss(c) : smss(c);
			}
		} else if (c->cwnd < c->ssthresh) {
			c->cwnd += data_acked < smss(c) ? data_acked : smss(c);
		} else {
			c->cwnd += smss(c) * smss(c) / (c->cwnd ? c->cwnd : 1);
		}
		c->dupacks = 0;
		if (c->snd_una == c->snd_max)
			sl_timer_cancel(&tc->wheel, &c->rtx_timer);
		else
			arm_rto(c);
		if (c->want_writable && sl_tcp_send_space(c) != 0 && c->listener->ops->writable &&
		    c->accepted) {
			c->want_writable = false;
			c->listener->ops->writable(c, c->app);
			if (c->state == SL_TCP_CLOSED)
				return false;
		}
	} else if (s->len == 0 && !(s->flags & (TH_SYN | TH_FIN)) &&
	           (s->wnd << c->snd_wscale) == c->snd_wnd && c->snd_una != c->snd_max) {
		/* Duplicate ACK (RFC 5681 2). */
		tc->core->ctr[SL_CTR_TCP_DUP_ACKS]++;
		if (++c->dupacks == 3 && !c->in_recovery) {
			uint32_t flight = c->snd_max - c->snd_una, len = flight;

			c->ssthresh = flight / 2 > 2 * smss(c) ? flight / 2 : 2 * smss(c);
			c->cwnd = c->ssthresh + 3 * smss(c);
			c->in_recovery = true;
			c->recover = c->snd_max;
			if (len > smss(c))
				len = smss(c);
			if (len > c->sndq_bytes)
				len = c->sndq_bytes;
			if (len != 0 && send_segment(c, c->snd_una, len, 0) == 0) {
				tc->core->ctr[SL_CTR_TCP_FAST_RETRANSMITS]++;
				tc->core->ctr[SL_CTR_TCP_RETRANSMITS]++;
			}
			c->timing = false;
		} else if (c->dupacks > 3 && c->in_recovery) {
			c->cwnd += smss(c);
		}
	}
	/* Window update (RFC 9293 3.10.7.4: SND.WL1/WL2 guard against old segments). */
	if (sl_tcp_seq_lt(c->snd_wl1, s->seq) ||
	    (c->snd_wl1 == s->seq && !sl_tcp_seq_lt(s->ack, c->snd_wl2))) {
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
	}
	if (fin_acked) {
		switch (c->state) {
		case SL_TCP_FIN_WAIT_1:
			c->state = SL_TCP_FIN_WAIT_2;
			arm_ms(c, &c->life_timer, tc->conf->fin_wait_ms);
			break;
		case SL_TCP_CLOSING:
			enter_time_wait(c);
			break;
		case SL_TCP_LAST_ACK:
			conn_done(c);
			return false;
		default:
			break;
		}
	}
	return true;
}

/* Hand an in-order slice to the app. False if the app closed the connection meanwhile. */
static bool
deliver(struct sl_tcp_conn *c, struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	struct sl_slice sl = {m, off, len};

	c->held_bytes += len;
	c->held_segs++;
	c->tc->core->ctr[SL_CTR_TCP_RX_BYTES] += len;
	c->listener->ops->data(c, c->app, &sl);
	return c->state != SL_TCP_CLOSED;
}

/*
 * A segment for a connection in SYN_SENT (RFC 9293 3.10.7.3): a SYN-ACK
 * acking our SYN establishes it; an RST acking it refuses it; anything
 * else is dropped (an unacceptable ACK gets an RST). Consumes m.
 */
static void
syn_sent_input(struct sl_tcp_core *tc, struct sl_tcp_conn *c, struct rte_mbuf *m,
               const struct seg *s)
{
	bool ack_ok = (s->flags & TH_ACK) && sl_tcp_seq_gt(s->ack, c->iss) &&
	              !sl_tcp_seq_gt(s->ack, c->snd_max);

	if ((s->flags & TH_ACK) && !ack_ok) {
		if (!(s->flags & TH_RST))
			send_rst_for(tc, c->cp, &c->peer_mac, &c->key, s);
		sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_ACK);
		return;
	}
	if (s->flags & TH_RST) {
		if (ack_ok) {
			rte_pktmbuf_free(m);
			conn_free(c, SL_TCP_CLOSE_RESET);
		} else {
			sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_RST);
		}
		return;
	}
	if (!(s->flags & TH_SYN) || !ack_ok) {
		/* No ACK of our SYN (simultaneous open is not supported): the RTO resends. */
		sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_FLAGS);
		return;
	}
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->snd_una = s->ack;
	c->ts_recent = s->o.tsval;
	c->rcv_wscale = 0; /* we scale only if the peer answered our offer */
	conn_negotiate(c, s->o.has_mss ? s->o.mss : DEFAULT_MSS, s->o.has_ws, s->o.wscale,
	               s->o.sack_perm, s->o.has_ts);
	c->snd_wnd = s->wnd; /* a SYN-ACK's window is not scaled */
	c->snd_wl1 = s->seq;
	c->snd_wl2 = s->ack;
	c->rcv_adv = c->rcv_nxt;
	if (c->ts_ok && s->o.tsecr != 0 && now_ms(tc) - s->o.tsecr < 60000)
		sl_tcp_rto_sample(&c->rto, (now_ms(tc) - s->o.tsecr) * 1000u);
	tc->n_synsent--;
	c->state = SL_TCP_ESTABLISHED;
	c->retries = 0;
	c->last_rx_tsc = tc->core->now;
	sl_timer_cancel(&tc->wheel, &c->rtx_timer);
	tc->core->ctr[SL_CTR_TCP_OPENED]++;
	arm_ms(c, &c->life_timer, tc->conf->idle_timeout_ms);
	rte_pktmbuf_free(m); /* data on a SYN-ACK is not kept: the peer resends it */
	send_ack(c);
	if (c->listener->ops->connected != NULL)
		c->listener->ops->connected(c, c->app);
}

static void
conn_input(struct sl_tcp_core *tc, struct sl_tcp_conn *c, struct rte_mbuf *m, struct seg *s)
{
	uint32_t wnd = c->rcv_adv - c->rcv_nxt, seqlen = s->len + !!(s->flags & TH_FIN);
	bool acceptable, ack_now = false, m_used = false;

	if (unlikely(c->state == SL_TCP_SYN_SENT)) {
		syn_sent_input(tc, c, m, s);
		return;
	}
	c->last_rx_tsc = tc->core->now;
	/* PAWS (RFC 7323 5.3): an old timestamp means an old duplicate. */
	if (c->ts_ok && s->o.has_ts && !(s->flags & TH_RST) &&
	    (int32_t)(s->o.tsval - c->ts_recent) < 0) {
		tc->core->drop[SL_DROP_TCP_PAWS]++;
		send_ack(c);
		rte_pktmbuf_free(m);
		return;
	}
	/* Acceptability (RFC 9293 3.10.7.4, first check). */
	if (c->state == SL_TCP_SYN_RCVD && (s->flags & TH_SYN) && !(s->flags & TH_ACK) &&
	    s->seq == c->irs) {
		/* A retransmitted SYN: our SYN-ACK was lost. */
		struct seg_opts po = {.has_ts = c->ts_ok,
		                      .sack_perm = c->sack_ok,
		                      .has_ws = c->rcv_wscale != 0 || c->snd_wscale != 0};

		send_synack(tc, c->cp, &c->key, &c->peer_mac, c->iss, c->rcv_nxt, &po, now_ms(tc),
		            c->rcv_wscale, c->ts_recent);
		rte_pktmbuf_free(m);
		return;
	}
	if (seqlen == 0)
		acceptable =
		    wnd == 0 ? s->seq == c->rcv_nxt : sl_tcp_seq_in(s->seq, c->rcv_nxt, wnd);
	else
		acceptable = wnd != 0 && sl_tcp_seq_lt(s->seq, c->rcv_nxt + wnd) &&
		             sl_tcp_seq_gt(s->seq + seqlen, c->rcv_nxt);
	if (!acceptable) {
		/*
		 * Zero window: the ACK and window of a probe still count
		 * (RFC 9293 3.8.6.2.1); the data does not.
		 */
		if (wnd == 0 && s->seq == c->rcv_nxt && (s->flags & TH_ACK) &&
		    !(s->flags & (TH_RST | TH_SYN))) {
			tc->core->drop[SL_DROP_TCP_WINDOW_FULL] += s->len != 0;
			if (ack_input(c, s) && c->state != SL_TCP_CLOSED) {
				send_ack(c);
				output(c);
			}
			rte_pktmbuf_free(m);
			return;
		}
		if (!(s->flags & TH_RST))
			send_ack(c);
		sl_core_drop(tc->core, m, SL_DROP_TCP_OUT_OF_WINDOW);
		return;
	}
	/* RST (RFC 5961 3.2): exact match resets, anything else in window gets a challenge. */
	if (s->flags & TH_RST) {
		if (s->seq == c->rcv_nxt) {
			rte_pktmbuf_free(m);
			conn_free(c, SL_TCP_CLOSE_RESET);
		} else {
			tc->core->ctr[SL_CTR_TCP_CHALLENGE_ACKS]++;
			send_ack(c);
			sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_RST);
		}
		return;
	}
	/* SYN in a synchronized state (RFC 5961 4.2): challenge ACK. */
	if (s->flags & TH_SYN) {
		tc->core->ctr[SL_CTR_TCP_CHALLENGE_ACKS]++;
		send_ack(c);
		sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_FLAGS);
		return;
	}
	if (!(s->flags & TH_ACK)) {
		sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_FLAGS);
		return;
	}
	if (c->state == SL_TCP_SYN_RCVD) {
		if (!sl_tcp_seq_gt(s->ack, c->snd_una) || sl_tcp_seq_gt(s->ack, c->snd_max)) {
			send_rst_for(tc, c->cp, &c->peer_mac, &c->key, s);
			sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_ACK);
			return;
		}
		c->snd_una = s->ack;
		c->snd_wnd = s->wnd << c->snd_wscale;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		conn_established(c);
		if (c->state == SL_TCP_CLOSED) {
			rte_pktmbuf_free(m);
			return;
		}
	}
	/* Timestamp to echo (RFC 7323 4.3): the newest from a segment at the left edge. */
	if (c->ts_ok && s->o.has_ts && !sl_tcp_seq_gt(s->seq, c->rcv_nxt))
		c->ts_recent = s->o.tsval;
	if (!ack_input(c, s) || c->state == SL_TCP_CLOSED) {
		rte_pktmbuf_free(m);
		return;
	}
	if (c->state == SL_TCP_TIME_WAIT) {
		/* A retransmitted FIN: ACK it again and restart the 2MSL wait. */
		if (s->flags & TH_FIN) {
			send_ack(c);
			arm_ms(c, &c->life_timer, tc->conf->time_wait_ms);
		}
		rte_pktmbuf_free(m);
		return;
	}

	/* Data (RFC 9293 3.10.7.4, seventh check). */
	if (s->len != 0 && (c->state == SL_TCP_ESTABLISHED || c->state == SL_TCP_FIN_WAIT_1 ||
	                    c->state == SL_TCP_FIN_WAIT_2)) {
		uint32_t off = s->off, len = s->len, seq = s->seq;
		uint32_t right = c->rcv_adv;

		if (sl_tcp_seq_lt(seq, c->rcv_nxt)) {
			uint32_t d = c->rcv_nxt - seq;

			off += d;
			len -= d;
			seq = c->rcv_nxt;
			tc->core->ctr[SL_CTR_TCP_DUP_BYTES] += d;
		}
		if (sl_tcp_seq_gt(seq + len, right))
			len = right - seq;
		if (c->held_segs + sl_tcp_ooo_count(&c->ooo) >= tc->conf->rcv_segs) {
			/* Too many small segments held: refuse the data, the peer resends it. */
			tc->core->drop[SL_DROP_TCP_RCVBUF_FULL]++;
			len = 0;
			ack_now = true;
			s->flags &= (uint8_t)~TH_FIN;
		}
		if (len != 0 && seq == c->rcv_nxt) {
			bool filled_hole = !sl_tcp_ooo_empty(&c->ooo);

			c->rcv_nxt += len;
			m_used = true;
			if (!deliver(c, m, off, len))
				return;
			if (filled_hole) {
				struct sl_slice out[16];
				unsigned k, n;

				do {
					n = sl_tcp_ooo_pop(&c->ooo, &c->rcv_nxt, out, 16);
					for (k = 0; k < n; k++)
						if (!deliver(c, out[k].m, out[k].off, out[k].len)) {
							for (k++; k < n; k++)
								rte_pktmbuf_free(out[k].m);
							return;
						}
				} while (n == 16);
				ack_now = true; /* RFC 5681 4.2: ACK at once when a hole fills */
			} else if (++c->unacked_segs >= 2) {
				ack_now = true; /* every second segment (RFC 9293 3.8.6.3) */
			} else if (!sl_timer_pending(&c->delack_timer)) {
				sl_timer_arm(&tc->wheel, &c->delack_timer,
				             tc->core->now +
				                 tc->conf->delack_us * (tc->tsc_hz / 1000000u));
			}
		} else if (len != 0) {
			int rc = sl_tcp_ooo_insert(&c->ooo, m, off, len, seq, c->rcv_nxt,
			                           c->rcv_adv - c->rcv_nxt);

			if (rc >= 0) {
				m_used = true;
				tc->core->ctr[SL_CTR_TCP_OOO_SEGMENTS]++;
			} else {
				tc->core->drop[SL_DROP_TCP_OOO_FULL]++;
			}
			ack_now = true; /* duplicate ACK with SACK blocks (RFC 5681 4.2) */
			s->flags &= (uint8_t)~TH_FIN; /* a FIN past a hole waits for its resend */
		} else {
			ack_now = true;
		}
	}

	/* FIN (eighth check), only when it is next in sequence. */
	if ((s->flags & TH_FIN) && !c->fin_rcvd && s->seq + s->len == c->rcv_nxt) {
		c->rcv_nxt++;
		c->fin_rcvd = true;
		ack_now = true;
		switch (c->state) {
		case SL_TCP_ESTABLISHED:
			c->state = SL_TCP_CLOSE_WAIT;
			break;
		case SL_TCP_FIN_WAIT_1:
			c->state = SL_TCP_CLOSING;
			break;
		case SL_TCP_FIN_WAIT_2:
			enter_time_wait(c);
			break;
		default:
			break;
		}
		send_ack(c);
		ack_now = false;
		if (c->accepted && c->listener->ops->peer_fin != NULL)
			c->listener->ops->peer_fin(c, c->app);
		if (c->state == SL_TCP_CLOSED) {
			if (!m_used)
				rte_pktmbuf_free(m);
			return;
		}
	}
	if (ack_now)
		send_ack(c);
	output(c);
	if (!m_used)
		rte_pktmbuf_free(m);
}

void
sl_tcp_input(struct sl_tcp_core *tc, struct sl_core_port *cp, struct rte_mbuf *m)
{
	struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);
	uint32_t l4_off = m->l2_len + m->l3_len, l4_len = rte_pktmbuf_pkt_len(m) - l4_off, hl;
	const struct rte_tcp_hdr *th;
	struct sl_tcp_conn *c;
	struct sl_tcp_key key;
	struct seg s;
	uint64_t ck;

	tc->core->ctr[SL_CTR_TCP_RX_SEGMENTS]++;
	if (unlikely(l4_len < sizeof(*th) || rte_pktmbuf_data_len(m) < l4_off + sizeof(*th))) {
		sl_core_drop(tc->core, m, SL_DROP_TCP_TRUNCATED);
		return;
	}
	th = rte_pktmbuf_mtod_offset(m, const struct rte_tcp_hdr *, l4_off);
	hl = (uint32_t)(th->data_off >> 4) * 4;
	if (unlikely(hl < sizeof(*th) || hl > l4_len || l4_off + hl > rte_pktmbuf_data_len(m))) {
		sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_OFFSET);
		return;
	}
	ck = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	if (unlikely(ck == RTE_MBUF_F_RX_L4_CKSUM_BAD)) {
		sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_CSUM);
		return;
	}
	if (ck != RTE_MBUF_F_RX_L4_CKSUM_GOOD) {
		uint32_t sum = rte_ipv4_phdr_cksum(ip, 0);
		uint16_t raw;

		if (rte_raw_cksum_mbuf(m, l4_off, l4_len, &raw) != 0) {
			sl_core_drop(tc->core, m, SL_DROP_TCP_TRUNCATED);
			return;
		}
		sum += raw;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		if (unlikely(sum != 0xffff)) {
			sl_core_drop(tc->core, m, SL_DROP_TCP_BAD_CSUM);
			return;
		}
	}
	s.seq = rte_be_to_cpu_32(th->sent_seq);
	s.ack = rte_be_to_cpu_32(th->recv_ack);
	s.flags = th->tcp_flags & (TH_FIN | TH_SYN | TH_RST | TH_PSH | TH_ACK | RTE_TCP_URG_FLAG);
	s.wnd = rte_be_to_cpu_16(th->rx_win);
	s.off = l4_off + hl;
	s.len = l4_len - hl;
	parse_opts((const uint8_t *)(th + 1), hl - sizeof(*th), (s.flags & TH_SYN) != 0, &s.o);
	key.raddr = ip->src_addr;
	key.laddr = ip->dst_addr;
	key.rport = th->src_port;
	key.lport = th->dst_port;

	if (rte_hash_lookup_data(tc->table, &key, (void **)&c) < 0) {
		listen_input(tc, cp, m, &key, &s);
		return;
	}
	conn_input(tc, c, m, &s);
}

/* ------------------------------------------------------------------ */
/* Set-up                                                              */

int
sl_tcp_listen(struct sl_tcp_core *tc, uint16_t port, const struct sl_tcp_app_ops *ops, void *arg)
{
	uint16_t be = rte_cpu_to_be_16(port);

	if (find_listener(tc, be) != NULL)
		return -EEXIST;
	if (tc->n_listeners == SL_TCP_MAX_LISTENERS)
		return -ENOSPC;
	tc->listeners[tc->n_listeners].port = be;
	tc->listeners[tc->n_listeners].ops = ops;
	tc->listeners[tc->n_listeners].arg = arg;
	tc->n_listeners++;
	return 0;
}

int
sl_tcp_client(struct sl_tcp_core *tc, const struct sl_tcp_app_ops *ops, void *arg)
{
	if (ops == NULL || ops->data == NULL)
		return -EINVAL;
	tc->client.port = 0;
	tc->client.ops = ops;
	tc->client.arg = arg;
	return 0;
}

int
sl_tcp_connect(struct sl_tcp_core *tc, struct sl_core_port *cp, uint32_t laddr, uint16_t lport,
               uint32_t raddr, uint16_t rport, const struct rte_ether_addr *dmac, void *app,
               struct sl_tcp_conn **out)
{
	struct sl_tcp_key key = {.raddr = raddr, .laddr = laddr, .rport = rport, .lport = lport};
	struct sl_tcp_conn *c;

	if (tc->client.ops == NULL)
		return -EINVAL;
	if (rte_hash_lookup(tc->table, &key) >= 0)
		return -EADDRINUSE;
	if (tc->n_conns >= tc->conf->max_conns)
		return -ENOSPC;
	c = conn_alloc(tc, cp, &key, dmac, &tc->client);
	if (c == NULL)
		return -ENOSPC;
	c->tc = tc;
	c->state = SL_TCP_SYN_SENT;
	tc->n_synsent++;
	c->iss = make_iss(tc, &key);
	c->snd_una = c->iss;
	c->snd_nxt = c->snd_max = c->iss + 1;
	c->snd_wl2 = c->iss;
	c->app = app;
	c->accepted = true; /* closed() is owed from here on */
	if (send_syn(c) < 0) {
		c->accepted = false;
		conn_free(c, SL_TCP_CLOSE_ABORT);
		return -ENOBUFS;
	}
	arm_rto(c);
	*out = c;
	return 0;
}

int
sl_tcp_core_init(struct sl_tcp_core *tc, struct sl_core *core, const struct sl_tcp_conf *conf,
                 const struct sl_tcp_syncookie_key *key, int socket)
{
	struct sl_timer_wheel_conf wc = {0};
	struct rte_hash_parameters hp = {0};
	char name[RTE_HASH_NAMESIZE];
	uint32_t i;
	int rc;

	memset(tc, 0, sizeof(*tc));
	tc->core = core;
	tc->conf = conf;
	tc->cookie_key = key;
	tc->tsc_hz = rte_get_tsc_hz();
	tc->tsc_per_ms = tc->tsc_hz / 1000u;
	tc->free_head = UINT32_MAX;
	/* Smallest scale that lets the 16-bit field cover the whole receive buffer. */
	while (tc->wscale < SL_TCP_WSCALE_MAX && (conf->rcv_buf >> tc->wscale) > 0xffff)
		tc->wscale++;
	tc->rto_conf.initial_us = conf->rto_initial_ms * 1000u;
	tc->rto_conf.min_us = conf->rto_min_ms * 1000u;
	tc->rto_conf.max_us = conf->rto_max_ms * 1000u;
	tc->rto_conf.granularity_us = 1000; /* our timestamp clock ticks in ms */
	rc = sl_tcp_rto_conf_check(&tc->rto_conf);
	if (rc < 0)
		return rc;

	snprintf(name, sizeof(name), "sl_tcp%u", core->idx);
	hp.name = name;
	hp.entries = conf->max_conns < 8 ? 8 : conf->max_conns;
	hp.key_len = sizeof(struct sl_tcp_key);
	hp.hash_func = rte_jhash;
	hp.socket_id = socket;
	/*
	 * Extendable buckets: a plain cuckoo table of max_conns entries refuses
	 * inserts at about 98.5% full (16384: from ~16150 on), so SYNs would get
	 * RST below the configured bound.
	 */
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	tc->table = rte_hash_create(&hp);
	if (tc->table == NULL)
		return -ENOMEM;
	tc->conns = rte_zmalloc_socket("sl_tcp_conns", sizeof(*tc->conns) * conf->max_conns,
	                               RTE_CACHE_LINE_SIZE, socket);
	tc->ooo_store = rte_zmalloc_socket(
	    "sl_tcp_ooo", sizeof(*tc->ooo_store) * conf->max_conns * conf->ooo_segs,
	    RTE_CACHE_LINE_SIZE, socket);
	if (tc->conns == NULL || tc->ooo_store == NULL) {
		sl_tcp_core_fini(tc);
		return -ENOMEM;
	}
	tc->ooo_budget.limit = conf->ooo_core_segs;
	for (i = conf->max_conns; i-- > 0;) {
		tc->conns[i].idx = i;
		tc->conns[i].tc = tc;
		tc->conns[i].next_free = tc->free_head;
		tc->free_head = i;
	}
	wc.tsc_hz = tc->tsc_hz;
	wc.tick_us = 1000;
	wc.run_budget = 4096;
	rc = sl_timer_wheel_init(&tc->wheel, &wc, core->now);
	if (rc < 0) {
		sl_tcp_core_fini(tc);
		return rc;
	}
	return 0;
}

void
sl_tcp_core_fini(struct sl_tcp_core *tc)
{
	uint32_t i;

	if (tc == NULL)
		return;
	if (tc->conns != NULL)
		for (i = 0; i < tc->conf->max_conns; i++)
			if (tc->conns[i].state != SL_TCP_CLOSED)
				sl_tcp_abort(&tc->conns[i]);
	rte_hash_free(tc->table);
	rte_free(tc->conns);
	rte_free(tc->ooo_store);
	tc->table = NULL;
	tc->conns = NULL;
	tc->ooo_store = NULL;
}
