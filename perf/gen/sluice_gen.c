/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen: OTLP/HTTP and OTLP/gRPC load generator: command line, report, socket mode. */

/*
 * Design
 *
 * Threads (--threads) each own an epoll set, their share of the
 * connections and of the open-loop rate, a renderer (profile.h) and their
 * counts; they share nothing but the read-only profile and the run's clock
 * marks, and the main thread merges their counts after joining them. That
 * is the shape the DPDK mode will have with lcores for threads.
 *
 *   main: parse, build profile, start threads ─► sleep to t_measure:
 *         target snapshot ─► sleep to t_end: snapshot ─► join, merge, report
 *   thread: loop { epoll_wait ─► connect / write / read+parse / timeouts
 *                  ─► closed loop: an idle connection sends at once
 *                     open loop: request k is due at sched(k); a due
 *                     request takes an idle connection or waits }
 *
 * One request is in flight per connection (no pipelining), so responses pair
 * with requests in order. Connection states:
 *
 *   BACKOFF ─► CONNECTING ─► IDLE ─► SENDING ─► WAITING ─► IDLE ...
 *      ▲           │                   │           │
 *      └───────────┴────── failure ────┴───────────┘  (request retried)
 *
 * Latency is taken when the response's last byte is read, from the time the
 * request was due: its first write in the closed loop, its slot in the
 * open-loop schedule otherwise. A stalled target thus shows up as latency of
 * every request that should have gone out during the stall (no coordinated
 * omission), and requests still due and unsent at the end are counted.
 *
 * The window: ramp (--ramp, connections opened gradually in the closed loop,
 * the rate raised linearly in the open loop) is not measured; counts and the
 * histogram reset when a thread first sees t_measure; requests in flight at
 * t_end are abandoned.
 *
 * Per request: render the body into the connection's buffer (patches only,
 * or gzip), append the Content-Length to a prefix built at connect time,
 * one writev, reads into the thread's buffer, the parser's fixed state. No
 * allocation after start.
 *
 * gRPC (--proto grpc): a connection is one HTTP/2 session (h2_client.c)
 * carrying up to --streams calls at once; the connection stays IDLE (open)
 * while its calls come and go, and a failure settles every call in flight
 * at once (sl_gen_h2_lost: retried on the next connection, or counted).
 * The closed loop keeps every slot busy; the open loop parks a connection
 * while it has a free slot and hands it due calls one at a time. Timeouts:
 * a connection whose open calls made no progress for --timeout-ms.
 *
 * The DPDK mode (the default; gen_dpdk.c) shares the command line, the
 * profile, the target's counters (marks at t_measure and t_end) and the
 * report with this file; it runs its own loop on one lcore.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "stats_map.h"

#include "h2_client.h"
#include "hist.h"
#include "http_resp.h"
#include "profile.h"
#include "gen_dpdk.h"
#include "report.h"
#include "gen_sched.h"

#define PROG "sluice-gen"

/*
 * Housekeeping period: timeouts, backoff, ramp connections and the end of
 * the run are checked at least this often. Shorter costs wake-ups on an idle
 * generator; longer delays the end of a run and backoff reconnects.
 */
#define TICK_MS 5
/*
 * Bytes one recv() may take: a 200 is ~100 bytes, but an error body (a
 * google.rpc.Status, an HTML page from a proxy) can be several KiB, and one
 * read should usually take all of it.
 */
#define RBUF_SIZE 65536
/* Longest request head: the prefix holds the host name (<= 255). */
#define HEAD_MAX 640
/*
 * Reconnect backoff after a failure: doubles from 1 ms up to this. A target
 * restarted mid-run is back in use within 100 ms; a longer cap would hide
 * the recovery from a 10 s run, a shorter one floods a dead target with SYNs.
 */
#define BACKOFF_MAX_MS 100

enum conn_state { C_BACKOFF, C_CONNECTING, C_IDLE, C_SENDING, C_WAITING, C_DONE };

struct conn {
	int fd;
	uint8_t state;  /* enum conn_state */
	bool primed;    /* buf holds a render of the profile */
	bool want_out;  /* EPOLLOUT is registered */
	bool has_req;   /* a request is assigned (kept across a retry) */
	bool parked;    /* open loop: on the thread's idle stack */
	uint32_t tries; /* failed attempts of the current request */
	uint32_t gen;   /* sockets opened so far: tags epoll events with their socket */
	uint32_t backoff_ms;
	uint64_t t_due;    /* ns: when the request was due (latency origin) */
	uint64_t deadline; /* ns: request or connect timeout */
	uint64_t retry_at; /* ns: BACKOFF until */
	uint64_t open_at;  /* ns: first connect (closed-loop ramp) */
	size_t off;        /* bytes of head + body written */
	size_t head_len;
	const uint8_t *body;
	size_t body_len;
	uint8_t *buf; /* body buffer, profile wire_cap bytes */
	struct sl_http_resp resp;
	struct sl_gen_h2 *h2; /* --proto grpc: the HTTP/2 session and its calls */
	char head[HEAD_MAX];
};

struct opts {
	bool socket_mode;
	bool grpc;        /* --proto grpc */
	uint32_t streams; /* --streams: concurrent gRPC calls per connection */
	const char *endpoint;
	const char *ip; /* DPDK mode: our address/prefix */
	int target_pid; /* CPU time of any process (comparison with another receiver) */
	struct sl_gen_dpdk_conf dc; /* DPDK mode: EAL and port options */
	const char *csv;
	const char *label;
	const char *target;
	bool json;
	bool quiet;
	uint32_t threads;
	uint32_t connections;
	double rate;
	double duration_s;
	double ramp_s;
	uint32_t timeout_ms;
	uint32_t retries;
	uint32_t variants;
	uint64_t seed;
	struct sl_gen_profile_conf pc;
};

struct worker {
	pthread_t th;
	uint32_t id;
	int ep;
	int tfd; /* open loop pacing timer */
	bool tfd_armed;
	struct conn *conns;
	uint32_t n_conns;
	uint32_t *idle; /* open loop: stack of idle connections */
	uint32_t n_idle;
	double rate;     /* this thread's share of --rate */
	uint64_t next_k; /* open loop: next request of this thread's schedule */
	bool measuring;
	struct sl_gen_render rd;
	struct sl_gen_counts counts;
	int err;
	uint8_t rbuf[RBUF_SIZE];
};

/* The run, shared read-only by the threads once they start (stop excepted). */
static struct {
	struct opts o;
	struct sl_gen_profile *prof;
	struct sockaddr_storage addr;
	socklen_t addr_len;
	char host[300]; /* Host header: host[:port] */
	char head_prefix[HEAD_MAX];
	size_t head_prefix_len;
	struct sl_gen_h2_conf h2;           /* --proto grpc */
	uint64_t t_start, t_measure, t_end; /* CLOCK_MONOTONIC ns */
	atomic_bool stop;                   /* SIGINT/SIGTERM: end early */
	atomic_uint_fast64_t t_stop;        /* when it stopped early (0: ran to t_end) */
} run;

#define now_ns sl_gen_now_ns

/* ---- connections ---- */

/*
 * epoll data of c's current socket: its index and its generation. A
 * connection closed and reopened while handling one batch of events keeps
 * its index and often gets the same fd number; the generation tells the
 * batch's stale events for the old socket from events of the new one.
 */
#define EV_TIMER UINT64_MAX

static uint64_t
ev_tag(const struct worker *w, const struct conn *c)
{
	return (uint64_t)c->gen << 32 | (uint32_t)(c - w->conns);
}

static void
set_events(struct worker *w, struct conn *c, bool out)
{
	struct epoll_event ev = {.events = EPOLLIN | (out ? EPOLLOUT : 0),
	                         .data.u64 = ev_tag(w, c)};

	if (c->want_out == out)
		return;
	c->want_out = out;
	epoll_ctl(w->ep, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
close_fd(struct worker *w, struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(w->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	c->want_out = false;
}

static void
start_connect(struct worker *w, struct conn *c, uint64_t now)
{
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT};
	int one = 1, fd;

	fd = socket(run.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (fd < 0)
		goto fail;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&run.addr, run.addr_len) < 0 && errno != EINPROGRESS) {
		close(fd);
		goto fail;
	}
	c->fd = fd;
	c->gen++;
	c->want_out = true;
	ev.data.u64 = ev_tag(w, c);
	if (epoll_ctl(w->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		close(fd);
		c->fd = -1;
		goto fail;
	}
	c->state = C_CONNECTING;
	c->deadline = now + (uint64_t)run.o.timeout_ms * 1000000ull;
	return;
fail:
	if (w->measuring)
		w->counts.connection_failures++;
	c->state = C_BACKOFF;
	c->retry_at = sl_gen_backoff(&c->backoff_ms, BACKOFF_MAX_MS, now);
}

/*
 * The connection broke (reset, EOF mid-request, timeout, bad response).
 * A request in flight is retried on the next connection unless it used up
 * its tries or timed out; the connection comes back after a backoff.
 */
static void
conn_failed(struct worker *w, struct conn *c, uint64_t now, bool timed_out, bool count_failure)
{
	bool in_flight = c->state == C_SENDING || c->state == C_WAITING;

	close_fd(w, c);
	if (w->measuring && count_failure)
		w->counts.connection_failures++;
	if (c->h2 != NULL) {
		sl_gen_h2_lost(c->h2, timed_out, run.o.retries, w->measuring ? &w->counts : NULL);
		in_flight = false;
	}
	if (in_flight) {
		if (timed_out) {
			if (w->measuring)
				w->counts.timeouts++;
			c->has_req = false;
		} else if (++c->tries > run.o.retries) {
			if (w->measuring)
				w->counts.failed++;
			c->has_req = false;
		}
	}
	c->state = C_BACKOFF;
	c->retry_at = sl_gen_backoff(&c->backoff_ms, BACKOFF_MAX_MS, now);
}

/* Write what remains of the request. */

/*
 * A send failed: true to try again at once (EINTR); else the connection
 * waits for POLLOUT (a full socket buffer) or has failed (counted).
 */
static bool
send_retry(struct worker *w, struct conn *c, uint64_t now)
{
	if (errno == EINTR)
		return true;
	if (errno == EAGAIN || errno == EWOULDBLOCK)
		set_events(w, c, true);
	else
		conn_failed(w, c, now, false, true);
	return false;
}

static void
send_more(struct worker *w, struct conn *c, uint64_t now)
{
	for (;;) {
		struct iovec iov[2];
		int n = 0;
		ssize_t k;

		if (c->off < c->head_len) {
			iov[n].iov_base = c->head + c->off;
			iov[n++].iov_len = c->head_len - c->off;
			iov[n].iov_base = (void *)c->body;
			iov[n++].iov_len = c->body_len;
		} else {
			iov[n].iov_base = (void *)(c->body + (c->off - c->head_len));
			iov[n++].iov_len = c->body_len - (c->off - c->head_len);
		}
		k = writev(c->fd, iov, n);
		if (k < 0) {
			if (send_retry(w, c, now))
				continue;
			return;
		}
		if (w->measuring)
			w->counts.bytes += (uint64_t)k;
		c->off += (size_t)k;
		if (c->off == c->head_len + c->body_len) {
			set_events(w, c, false);
			c->state = C_WAITING;
			if (w->measuring)
				w->counts.sent++;
			return;
		}
	}
}

/*
 * Send a request on idle connection c: a new one due at t_due, or (has_req)
 * the one whose connection failed, with the same bytes.
 */
static void
send_request(struct worker *w, struct conn *c, uint64_t t_due, uint64_t now)
{
	if (!c->has_req) {
		if (sl_gen_render_next(&w->rd, c->buf, run.prof->wire_cap, &c->primed, &c->body,
		                       &c->body_len) < 0) {
			w->err = -ENOSPC;
			atomic_store(&run.stop, true);
			return;
		}
		memcpy(c->head, run.head_prefix, run.head_prefix_len);
		c->head_len = run.head_prefix_len +
		              sl_gen_head_finish(c->head + run.head_prefix_len, c->body_len);
		c->has_req = true;
		c->tries = 0;
		c->t_due = t_due;
	} else if (w->measuring) {
		w->counts.retries++;
	}
	c->off = 0;
	c->state = C_SENDING;
	c->deadline = now + (uint64_t)run.o.timeout_ms * 1000000ull;
	sl_http_resp_init(&c->resp);
	send_more(w, c, now);
}

/* ---- gRPC (--proto grpc): one HTTP/2 session per connection, --streams calls ---- */

/* Called from inside nghttp2 (feed, out): count only. */
static void
g2_event(void *arg, struct sl_gen_h2 *h, struct sl_gen_h2_call *call, enum sl_gen_h2_ev ev)
{
	struct worker *w = arg;

	(void)h;
	if (!w->measuring)
		return;
	if (ev == SL_GEN_H2_EV_SENT)
		w->counts.sent++;
	else
		sl_gen_counts_grpc(&w->counts, call->status, call->grpc_status,
		                   sl_gen_profile_items(run.prof), now_ns() - call->t_due);
}

/* Write what the session has to say; EPOLLOUT while the socket is full. */
static void
g2_flush(struct worker *w, struct conn *c, uint64_t now)
{
	for (;;) {
		const uint8_t *p;
		size_t len;
		ssize_t k;

		if (sl_gen_h2_out(c->h2, &p, &len) < 0) {
			if (w->measuring)
				w->counts.protocol_errors++;
			conn_failed(w, c, now, false, false);
			return;
		}
		if (len == 0)
			break;
		k = send(c->fd, p, len, MSG_NOSIGNAL);
		if (k < 0) {
			if (send_retry(w, c, now))
				continue;
			return;
		}
		if (w->measuring)
			w->counts.bytes += (uint64_t)k;
		sl_gen_h2_sent(c->h2, (size_t)k);
	}
	set_events(w, c, false);
	if (sl_gen_h2_finished(c->h2)) {
		/* GOAWAY and every call closed: the server ended the session in order. */
		sl_gen_h2_lost(c->h2, false, run.o.retries, NULL);
		close_fd(w, c);
		if (w->measuring)
			w->counts.reconnects++;
		start_connect(w, c, now);
	}
}

/*
 * Give an open connection work: calls kept from a lost connection first,
 * then (closed loop) a new call in every free slot, or (open loop) park it
 * for dispatch() while it has a free slot. Then write.
 */
static void
g2_fill(struct worker *w, struct conn *c, uint64_t now)
{
	bool more = now < run.t_end && !atomic_load_explicit(&run.stop, memory_order_relaxed);
	int rc;

	if (more && sl_gen_h2_resubmit(c->h2, now, w->measuring ? &w->counts : NULL) < 0) {
		conn_failed(w, c, now, false, true);
		return;
	}
	while (more && w->rate <= 0 && sl_gen_h2_can_start(c->h2)) {
		rc = sl_gen_h2_start(c->h2, &w->rd, now, now);
		if (rc == -ENOSPC) {
			w->err = rc;
			atomic_store(&run.stop, true);
			break;
		}
		if (rc < 0) {
			conn_failed(w, c, now, false, true);
			return;
		}
	}
	if (more && w->rate > 0 && !c->parked && sl_gen_h2_can_start(c->h2)) {
		c->parked = true;
		w->idle[w->n_idle++] = (uint32_t)(c - w->conns);
	}
	g2_flush(w, c, now);
}

static void
g2_connected(struct worker *w, struct conn *c, uint64_t now)
{
	if (sl_gen_h2_open(c->h2) < 0) {
		w->err = -ENOMEM;
		atomic_store(&run.stop, true);
		return;
	}
	c->state = C_IDLE;
	c->backoff_ms = 0;
	g2_fill(w, c, now);
}

static void
g2_readable(struct worker *w, struct conn *c, uint64_t now)
{
	for (;;) {
		ssize_t n = recv(c->fd, w->rbuf, sizeof(w->rbuf), 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_failed(w, c, now, false, true);
			return;
		}
		if (n == 0) {
			if (c->h2->n_open > 0) {
				conn_failed(w, c, now, false, true);
				return;
			}
			/* An idle session closed by the server: open another. */
			sl_gen_h2_lost(c->h2, false, run.o.retries, NULL);
			close_fd(w, c);
			if (w->measuring)
				w->counts.reconnects++;
			start_connect(w, c, now);
			return;
		}
		if (sl_gen_h2_feed(c->h2, w->rbuf, (size_t)n) < 0) {
			if (w->measuring)
				w->counts.protocol_errors++;
			conn_failed(w, c, now, false, false);
			return;
		}
		if ((size_t)n < sizeof(w->rbuf))
			break;
	}
	g2_fill(w, c, now);
}

/* c is idle: give it work (closed loop: a request now; open loop: park it). */
static void
conn_idle(struct worker *w, struct conn *c, uint64_t now)
{
	if (c->h2 != NULL) {
		g2_connected(w, c, now);
		return;
	}
	c->state = C_IDLE;
	if (now >= run.t_end || atomic_load_explicit(&run.stop, memory_order_relaxed))
		return;
	if (c->has_req) { /* a retry goes first, whatever the loop */
		send_request(w, c, c->t_due, now);
		return;
	}
	if (w->rate <= 0) {
		send_request(w, c, now, now);
	} else if (!c->parked) {
		c->parked = true;
		w->idle[w->n_idle++] = (uint32_t)(c - w->conns);
	}
}

static void
response_done(struct worker *w, struct conn *c, uint64_t now)
{
	uint16_t st = c->resp.status;

	if (w->measuring) {
		w->counts.responses++;
		sl_hist_record(&w->counts.lat, now - c->t_due);
		if (st >= 200 && st < 300) {
			w->counts.ok++;
			w->counts.items += sl_gen_profile_items(run.prof);
		} else {
			w->counts.by_status[st < SL_GEN_STATUS_MAX ? st : 0]++;
		}
	}
	c->has_req = false;
	c->backoff_ms = 0;
	if (c->resp.close) {
		close_fd(w, c);
		if (w->measuring)
			w->counts.reconnects++;
		start_connect(w, c, now);
		return;
	}
	conn_idle(w, c, now);
}

static void
on_readable(struct worker *w, struct conn *c, uint64_t now)
{
	if (c->h2 != NULL) {
		if (c->state == C_IDLE)
			g2_readable(w, c, now);
		return;
	}
	for (;;) {
		ssize_t n = recv(c->fd, w->rbuf, sizeof(w->rbuf), 0), i = 0;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return;
			conn_failed(w, c, now, false, true);
			return;
		}
		if (n == 0) {
			if (c->state == C_WAITING && sl_http_resp_eof(&c->resp) == 0) {
				c->resp.close = 1;
				response_done(w, c, now);
				return;
			}
			if (c->state == C_WAITING || c->state == C_SENDING) {
				conn_failed(w, c, now, false, true);
				return;
			}
			/* An idle keep-alive connection closed by the server: open another. */
			close_fd(w, c);
			if (w->measuring)
				w->counts.reconnects++;
			start_connect(w, c, now);
			return;
		}
		while (i < n) {
			ssize_t k;

			if (c->state != C_WAITING && c->state != C_SENDING) {
				/* Bytes nobody asked for: not a server we can measure. */
				if (w->measuring)
					w->counts.protocol_errors++;
				conn_failed(w, c, now, false, false);
				return;
			}
			k = sl_http_resp_feed(&c->resp, w->rbuf + i, (size_t)(n - i));
			if (k < 0) {
				if (w->measuring)
					w->counts.protocol_errors++;
				c->has_req = false; /* a broken answer is an answer: no retry */
				conn_failed(w, c, now, false, false);
				return;
			}
			i += k;
			if (sl_http_resp_done(&c->resp)) {
				/* An early answer (e.g. 413 before the body is sent) ends the
				 * request. */
				if (c->state == C_SENDING)
					c->resp.close = 1;
				response_done(w, c, now);
				if (c->fd < 0)
					return;
			}
		}
		if ((size_t)n < sizeof(w->rbuf))
			return;
	}
}

static void
on_writable(struct worker *w, struct conn *c, uint64_t now)
{
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
			close_fd(w, c);
			c->state = C_BACKOFF; /* not in flight: no request retry counted */
			if (w->measuring)
				w->counts.connection_failures++;
			c->retry_at = sl_gen_backoff(&c->backoff_ms, BACKOFF_MAX_MS, now);
			return;
		}
		set_events(w, c, false);
		conn_idle(w, c, now);
		return;
	}
	if (c->h2 != NULL && c->state == C_IDLE)
		g2_flush(w, c, now);
	else if (c->state == C_SENDING)
		send_more(w, c, now);
	else
		set_events(w, c, false);
}

/* ---- the thread ---- */

/* Open loop: hand due requests to idle connections; arm the timer for the next one. */
static void
dispatch(struct worker *w, uint64_t now)
{
	uint64_t t_rel, due;

	if (now < run.t_start || now >= run.t_end)
		return;
	t_rel = now - run.t_start;
	while (w->n_idle > 0) {
		uint64_t at = run.t_start + sl_gen_sched_ns(w->rate, run.o.ramp_s, w->next_k);
		struct conn *c;

		if (at > now)
			break;
		c = &w->conns[w->idle[w->n_idle - 1]];
		if (c->h2 != NULL && c->state == C_IDLE && sl_gen_h2_can_start(c->h2)) {
			/* gRPC: the connection stays parked while it has a free slot. */
			int rc = sl_gen_h2_start(c->h2, &w->rd, at, now);

			w->next_k++;
			if (rc == -ENOSPC) {
				w->err = rc;
				atomic_store(&run.stop, true);
				return;
			}
			if (rc < 0)
				conn_failed(w, c, now, false, true);
			else
				g2_flush(w, c, now);
			continue;
		}
		w->n_idle--;
		c->parked = false;
		if (c->state != C_IDLE || c->h2 != NULL)
			continue; /* it failed while parked; conn_idle parks it again */
		w->next_k++;
		send_request(w, c, at, now);
	}
	due = sl_gen_due_by(w->rate, run.o.ramp_s, t_rel);
	if (w->measuring && due > w->next_k && due - w->next_k > w->counts.backlog_max)
		w->counts.backlog_max = due - w->next_k;
	if (w->n_idle > 0) {
		uint64_t at = run.t_start + sl_gen_sched_ns(w->rate, run.o.ramp_s, w->next_k);
		struct itimerspec its = {.it_value = {.tv_sec = (time_t)(at / 1000000000ull),
		                                      .tv_nsec = (long)(at % 1000000000ull)}};

		timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL);
		w->tfd_armed = true;
	}
}

static void
housekeeping(struct worker *w, uint64_t now)
{
	uint32_t i;

	for (i = 0; i < w->n_conns; i++) {
		struct conn *c = &w->conns[i];

		switch (c->state) {
		case C_DONE:
			if (now >= c->open_at && now < run.t_end) {
				start_connect(w, c, now);
			}
			break;
		case C_BACKOFF:
			if (now >= c->retry_at && now < run.t_end)
				start_connect(w, c, now);
			break;
		case C_CONNECTING:
			if (now >= c->deadline) {
				close_fd(w, c);
				if (w->measuring)
					w->counts.connection_failures++;
				c->state = C_BACKOFF;
				c->retry_at = now;
			}
			break;
		case C_SENDING:
		case C_WAITING:
			if (now >= c->deadline)
				conn_failed(w, c, now, true, false);
			break;
		case C_IDLE:
			if (c->h2 != NULL &&
			    sl_gen_h2_stuck(c->h2, now, (uint64_t)run.o.timeout_ms * 1000000ull))
				conn_failed(w, c, now, true, false);
			break;
		default:
			break;
		}
	}
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct epoll_event evs[64], tev = {.events = EPOLLIN, .data.u64 = EV_TIMER};
	uint64_t last_tick = 0;
	uint32_t i;

	if (w->rate > 0)
		epoll_ctl(w->ep, EPOLL_CTL_ADD, w->tfd, &tev);
	for (;;) {
		uint64_t now = now_ns();
		int n, k, timeout;

		if (!w->measuring && now >= run.t_measure) {
			sl_gen_counts_reset(&w->counts);
			w->measuring = true;
		}
		if (now >= run.t_end || atomic_load_explicit(&run.stop, memory_order_relaxed))
			break;
		if (now - last_tick >= TICK_MS * 1000000ull) {
			housekeeping(w, now);
			last_tick = now;
		}
		if (w->rate > 0)
			dispatch(w, now);
		timeout = TICK_MS;
		if (!w->measuring && run.t_measure - now < TICK_MS * 1000000ull)
			timeout = (int)((run.t_measure - now) / 1000000ull);
		if (run.t_end - now < (uint64_t)timeout * 1000000ull)
			timeout = (int)((run.t_end - now) / 1000000ull) + 1;
		n = epoll_wait(w->ep, evs, 64, timeout);
		if (n < 0 && errno != EINTR) {
			w->err = -errno;
			break;
		}
		now = now_ns();
		for (k = 0; k < n; k++) {
			struct conn *c;

			if (evs[k].data.u64 == EV_TIMER) {
				uint64_t x;

				if (read(w->tfd, &x, sizeof(x)) < 0 && errno != EAGAIN)
					w->err = -errno;
				w->tfd_armed = false;
				continue;
			}
			c = &w->conns[(uint32_t)evs[k].data.u64];
			if (c->fd < 0 || evs[k].data.u64 != ev_tag(w, c))
				continue; /* for a socket closed earlier in this batch */
			if (evs[k].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
				if (c->state == C_CONNECTING &&
				    (evs[k].events & (EPOLLERR | EPOLLHUP))) {
					on_writable(w, c, now); /* reads SO_ERROR */
					continue;
				}
				on_readable(w, c, now);
			}
			if (c->fd >= 0 && evs[k].data.u64 == ev_tag(w, c) &&
			    (evs[k].events & EPOLLOUT))
				on_writable(w, c, now);
		}
	}
	/* Open loop: what was due and never went out. */
	if (w->rate > 0 && w->measuring) {
		uint64_t end = run.t_end;
		uint64_t stop = atomic_load(&run.t_stop);
		uint64_t due;

		if (stop && stop < end)
			end = stop;
		/* Due strictly before the end: one due at t_end itself had no chance. */
		due = sl_gen_due_by(w->rate, run.o.ramp_s, end - run.t_start - 1);
		w->counts.backlog_end = due > w->next_k ? due - w->next_k : 0;
	}
	for (i = 0; i < w->n_conns; i++)
		close_fd(w, &w->conns[i]);
	return NULL;
}

/* ---- the target's counters ---- */

struct tsnap {
	bool ok;
	double user_s, sys_s;
	uint32_t n;
	struct sl_stats_core_snap core[SL_GEN_TARGET_CORES_MAX];
};

/* User and system CPU seconds of process pid so far; 0 each when unreadable. */
static void
proc_cpu_s(int pid, double *user_s, double *sys_s)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, st = 0;
	ssize_t n;
	int fd;

	*user_s = *sys_s = 0;
	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return;
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields restart after the last ')'. */
	p = strrchr(buf, ')');
	if (p == NULL ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return;
	*user_s = (double)ut / (double)sysconf(_SC_CLK_TCK);
	*sys_s = (double)st / (double)sysconf(_SC_CLK_TCK);
}

static void
target_snap(const struct sl_stats_map *m, struct tsnap *s)
{
	const struct sl_stats_hdr *h = sl_stats_hdr(m);
	uint32_t i;

	memset(s, 0, sizeof(*s));
	s->n = h->n_cores < SL_GEN_TARGET_CORES_MAX ? h->n_cores : SL_GEN_TARGET_CORES_MAX;
	proc_cpu_s(h->pid, &s->user_s, &s->sys_s);
	s->ok = true;
	for (i = 0; i < s->n; i++)
		if (sl_stats_core_read(m, i, &s->core[i]) < 0)
			s->ok = false;
}

static void
target_delta(const struct sl_stats_map *m, const struct tsnap *a, const struct tsnap *b,
             enum sl_signal sig, struct sl_gen_target *t)
{
	static const enum sl_ctr items[SL_SIGNAL_MAX] = {SL_CTR_OTLP_SPANS, SL_CTR_OTLP_POINTS,
	                                                 SL_CTR_OTLP_LOGS};
	static const enum sl_ctr reqs[SL_SIGNAL_MAX] = {
	    SL_CTR_OTLP_TRACES_REQ, SL_CTR_OTLP_METRICS_REQ, SL_CTR_OTLP_LOGS_REQ};
	const struct sl_stats_hdr *h = sl_stats_hdr(m);
	uint32_t i;

	memset(t, 0, sizeof(*t));
	snprintf(t->instance, sizeof(t->instance), "%s", h->instance);
	t->pid = h->pid;
	t->tsc_hz = h->tsc_hz;
	t->cpu_user_s = b->user_s - a->user_s;
	t->cpu_sys_s = b->sys_s - a->sys_s;
	t->cpu_s = t->cpu_user_s + t->cpu_sys_s;
	t->n_cores = b->n;
	for (i = 0; i < b->n; i++) {
		const uint64_t *x = a->core[i].counters, *y = b->core[i].counters;

		t->core[i].lcore = b->core[i].lcore_id;
		t->core[i].busy = y[SL_CTR_BUSY_CYCLES] - x[SL_CTR_BUSY_CYCLES];
		t->core[i].idle = y[SL_CTR_IDLE_CYCLES] - x[SL_CTR_IDLE_CYCLES];
		t->core[i].items = y[items[sig]] - x[items[sig]];
		t->core[i].requests = y[reqs[sig]] - x[reqs[sig]];
		t->busy += t->core[i].busy;
		t->idle += t->core[i].idle;
		t->items += t->core[i].items;
		t->requests += t->core[i].requests;
		t->rx_packets += y[SL_CTR_RX_PACKETS] - x[SL_CTR_RX_PACKETS];
		t->tx_packets += y[SL_CTR_TX_PACKETS] - x[SL_CTR_TX_PACKETS];
	}
}

/* ---- command line ---- */

static void
usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: " PROG " --memif SOCKET --ip A.B.C.D/P --endpoint http://IP:PORT [OPTIONS]\n"
	    "       " PROG " --socket --endpoint http://HOST:PORT [OPTIONS]\n"
	    "\n"
	    "OTLP/HTTP and OTLP/gRPC load generator. Modes:\n"
	    "  (default)              DPDK: its own EAL on one lcore, a memif (or any vdev) port,\n"
	    "                         ARP and the appliance's TCP in active open\n"
	    "  --socket               kernel TCP sockets (epoll): drives any OTLP/HTTP receiver,\n"
	    "                         the dataplane through a tap or a real NIC\n"
	    "\n"
	    "DPDK mode:\n"
	    "  --memif SOCKET         memif port on this control socket (client role)\n"
	    "  --memif-server         take the memif server role instead\n"
	    "  --vdev DEVARGS         any EAL vdev instead, named <driver>_<name> (also --port)\n"
	    "  --ip A.B.C.D[/P]       our first address (default prefix 24)\n"
	    "  --src-ips N            consecutive source addresses (default: 1 per 64512 conns)\n"
	    "  --lcore N              the generator's lcore (default 1)\n"
	    "  --file-prefix NAME     EAL file prefix (default sluice-gen-<pid>)\n"
	    "  --memory-mb N          EAL memory (default: from connections and mbufs)\n"
	    "  --mbufs N              packet pool (default 16384 + 4 per connection)\n"
	    "  --huge auto|on|off     hugepages (default auto: when enough are free)\n"
	    "  --huge-dir DIR         hugetlbfs mount\n"
	    "  --drain S              after the window, wait up to S s for requests in flight\n"
	    "                         (counted apart, under drained)\n"
	    "  --rx-flood             instead of requests: 60-byte UDP frames to port 9, as fast\n"
	    "                         as the port takes them (sent = frames; rx-only benchmark)\n"
	    "  --tcp-discard          instead of requests: a byte stream on every connection to\n"
	    "                         the endpoint's port (a discard server; TCP goodput)\n"
	    "\n"
	    "Target:\n"
	    "  --endpoint URL         http://host:port (default http://127.0.0.1:4318, gRPC "
	    "4317)\n"
	    "  --proto P              http (OTLP/HTTP/1.1, the default) or grpc (OTLP/gRPC,\n"
	    "                         h2c with prior knowledge)\n"
	    "  --streams N            gRPC: concurrent calls per connection, 1..1000 (default 1)\n"
	    "  --target-instance NAME read the dataplane NAME's counters and CPU over the window\n"
	    "  --target-pid PID       CPU time of any receiver process over the window (/proc)\n"
	    "\n"
	    "Payload:\n"
	    "  --signal S             traces, metrics or logs (default traces)\n"
	    "  --items-per-request N  spans, data points or log records per request (default 100)\n"
	    "  --resources N          Resource entries per request, items split evenly (default "
	    "1)\n"
	    "  --attributes N         attributes per item (default 5)\n"
	    "  --value-bytes N        bytes of each attribute value (default 10)\n"
	    "  --services N           cardinality of service.name (default 1)\n"
	    "  --hosts N              cardinality of host.name (default 1)\n"
	    "  --gzip                 Content-Encoding: gzip (libdeflate); gRPC: grpc-encoding\n"
	    "  --gzip-level N         1..12 (default 1)\n"
	    "  --json-body            OTLP/JSON instead of protobuf (not with gRPC)\n"
	    "  --variants N           pre-render N bodies per thread and cycle them instead of\n"
	    "                         fresh ids per request (default 0: fresh)\n"
	    "\n"
	    "Load:\n"
	    "  --connections C        keep-alive connections, one request in flight each (gRPC:\n"
	    "                         --streams calls each) (default 4)\n"
	    "  --rate R               open loop: R requests/s in all (default 0: closed loop)\n"
	    "  --threads N            sending threads, socket mode (default 1)\n"
	    "  --duration S           measured seconds (default 10)\n"
	    "  --ramp S               warm-up seconds before, not measured (default 0)\n"
	    "  --timeout-ms N         request and connect timeout (default 10000)\n"
	    "  --retries N            resends of a request whose connection failed (default 3)\n"
	    "  --seed N               id generator seed (default: from the clock)\n"
	    "\n"
	    "Report:\n"
	    "  --json                 the report as one JSON object on stdout\n"
	    "  --csv FILE             append one row to FILE (header when new)\n"
	    "  --label TEXT           name of the run in the report\n"
	    "  --quiet                no text summary\n"
	    "  --help, --version\n");
}

static int
num_u32(const char *opt, const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	char *e;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &e, 10);
	if (errno || e == s || *e || s[0] == '-' || v < lo || v > hi) {
		fprintf(stderr, PROG ": %s: '%s' is not an integer in %u..%u\n", opt, s, lo, hi);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
num_dbl(const char *opt, const char *s, double lo, double hi, double *out)
{
	char *e;
	double v;

	errno = 0;
	v = strtod(s, &e);
	if (errno || e == s || *e || !(v >= lo && v <= hi)) {
		fprintf(stderr, PROG ": %s: '%s' is not a number in %g..%g\n", opt, s, lo, hi);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/* http://host:port[/] -> run.addr, run.host. */
static int
parse_endpoint(const char *url)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL;
	char host[256], port[8] = "80";
	const char *p, *h, *e;
	size_t hl;
	int rc;

	if (strncmp(url, "http://", 7) != 0) {
		fprintf(stderr, PROG ": --endpoint %s: only http://host:port is supported\n", url);
		return -EINVAL;
	}
	h = url + 7;
	if (*h == '[') { /* [v6]:port */
		e = strchr(h, ']');
		if (e == NULL)
			goto bad;
		hl = (size_t)(e - h - 1);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, h + 1, hl);
		p = e + 1;
	} else {
		e = h + strcspn(h, ":/");
		hl = (size_t)(e - h);
		if (hl == 0 || hl >= sizeof(host))
			goto bad;
		memcpy(host, h, hl);
		p = e;
	}
	host[hl] = '\0';
	if (*p == ':') {
		size_t pl = strcspn(p + 1, "/");

		if (pl == 0 || pl >= sizeof(port))
			goto bad;
		memcpy(port, p + 1, pl);
		port[pl] = '\0';
		p += 1 + pl;
	}
	if (*p && strcmp(p, "/") != 0) {
		fprintf(stderr,
		        PROG ": --endpoint %s: no path please; the signal picks /v1/<signal>\n",
		        url);
		return -EINVAL;
	}
	rc = getaddrinfo(host, port, &hints, &ai);
	if (rc != 0) {
		fprintf(stderr, PROG ": --endpoint %s: %s\n", url, gai_strerror(rc));
		return -EINVAL;
	}
	memcpy(&run.addr, ai->ai_addr, ai->ai_addrlen);
	run.addr_len = ai->ai_addrlen;
	freeaddrinfo(ai);
	snprintf(run.host, sizeof(run.host), "%s%s%s:%s", strchr(host, ':') ? "[" : "", host,
	         strchr(host, ':') ? "]" : "", port);
	return 0;
bad:
	fprintf(stderr, PROG ": --endpoint %s: expected http://host:port\n", url);
	return -EINVAL;
}

enum {
	O_SOCKET = 256,
	O_DPDK,
	O_ENDPOINT,
	O_SIGNAL,
	O_ITEMS,
	O_RESOURCES,
	O_ATTRS,
	O_VALUE,
	O_SERVICES,
	O_HOSTS,
	O_GZIP,
	O_GZIP_LEVEL,
	O_JSON_BODY,
	O_VARIANTS,
	O_CONNS,
	O_RATE,
	O_THREADS,
	O_DURATION,
	O_RAMP,
	O_TIMEOUT,
	O_RETRIES,
	O_SEED,
	O_JSON,
	O_CSV,
	O_LABEL,
	O_TARGET,
	O_QUIET,
	O_VDEV,
	O_MEMIF,
	O_MEMIF_SERVER,
	O_FILE_PREFIX,
	O_LCORE,
	O_MEMORY,
	O_MBUFS,
	O_HUGE,
	O_HUGE_DIR,
	O_IP,
	O_SRC_IPS,
	O_DRAIN,
	O_TARGET_PID,
	O_RX_FLOOD,
	O_TCP_DISCARD,
	O_PROTO,
	O_STREAMS,
	O_HELP,
	O_VERSION,
};

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"socket", no_argument, NULL, O_SOCKET},
	    {"dpdk", no_argument, NULL, O_DPDK},
	    {"endpoint", required_argument, NULL, O_ENDPOINT},
	    {"signal", required_argument, NULL, O_SIGNAL},
	    {"items-per-request", required_argument, NULL, O_ITEMS},
	    {"resources", required_argument, NULL, O_RESOURCES},
	    {"attributes", required_argument, NULL, O_ATTRS},
	    {"value-bytes", required_argument, NULL, O_VALUE},
	    {"services", required_argument, NULL, O_SERVICES},
	    {"hosts", required_argument, NULL, O_HOSTS},
	    {"gzip", no_argument, NULL, O_GZIP},
	    {"gzip-level", required_argument, NULL, O_GZIP_LEVEL},
	    {"json-body", no_argument, NULL, O_JSON_BODY},
	    {"variants", required_argument, NULL, O_VARIANTS},
	    {"connections", required_argument, NULL, O_CONNS},
	    {"rate", required_argument, NULL, O_RATE},
	    {"threads", required_argument, NULL, O_THREADS},
	    {"duration", required_argument, NULL, O_DURATION},
	    {"ramp", required_argument, NULL, O_RAMP},
	    {"timeout-ms", required_argument, NULL, O_TIMEOUT},
	    {"retries", required_argument, NULL, O_RETRIES},
	    {"seed", required_argument, NULL, O_SEED},
	    {"json", no_argument, NULL, O_JSON},
	    {"csv", required_argument, NULL, O_CSV},
	    {"label", required_argument, NULL, O_LABEL},
	    {"target-instance", required_argument, NULL, O_TARGET},
	    {"quiet", no_argument, NULL, O_QUIET},
	    {"vdev", required_argument, NULL, O_VDEV},
	    {"port", required_argument, NULL, O_VDEV},
	    {"memif", required_argument, NULL, O_MEMIF},
	    {"memif-server", no_argument, NULL, O_MEMIF_SERVER},
	    {"file-prefix", required_argument, NULL, O_FILE_PREFIX},
	    {"lcore", required_argument, NULL, O_LCORE},
	    {"memory-mb", required_argument, NULL, O_MEMORY},
	    {"mbufs", required_argument, NULL, O_MBUFS},
	    {"huge", required_argument, NULL, O_HUGE},
	    {"huge-dir", required_argument, NULL, O_HUGE_DIR},
	    {"ip", required_argument, NULL, O_IP},
	    {"src-ips", required_argument, NULL, O_SRC_IPS},
	    {"drain", required_argument, NULL, O_DRAIN},
	    {"target-pid", required_argument, NULL, O_TARGET_PID},
	    {"rx-flood", no_argument, NULL, O_RX_FLOOD},
	    {"tcp-discard", no_argument, NULL, O_TCP_DISCARD},
	    {"proto", required_argument, NULL, O_PROTO},
	    {"streams", required_argument, NULL, O_STREAMS},
	    {"help", no_argument, NULL, O_HELP},
	    {"version", no_argument, NULL, O_VERSION},
	    {NULL, 0, NULL, 0},
	};
	bool socket_mode = false;
	uint32_t v;
	int c, rc = 0;

	o->endpoint = NULL; /* by --proto: 4318 or 4317 */
	o->streams = 1;
	o->threads = 1;
	o->connections = 4;
	o->duration_s = 10;
	o->timeout_ms = 10000;
	o->retries = 3;
	o->dc.lcore = 1;
	o->dc.drain_s = 0;
	o->seed = now_ns();
	o->pc.signal = SL_SIGNAL_TRACES;
	o->pc.items = 100;
	o->pc.attrs = 5;
	while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
		switch (c) {
		case O_SOCKET:
			socket_mode = true;
			break;
		case O_DPDK:
			socket_mode = false;
			break;
		case O_VDEV:
			o->dc.vdev = optarg;
			break;
		case O_MEMIF:
			o->dc.memif_socket = optarg;
			break;
		case O_MEMIF_SERVER:
			o->dc.memif_server = true;
			break;
		case O_FILE_PREFIX:
			o->dc.file_prefix = optarg;
			break;
		case O_LCORE:
			rc = num_u32("--lcore", optarg, 0, 1023, &o->dc.lcore);
			break;
		case O_MEMORY:
			rc = num_u32("--memory-mb", optarg, 16, 1048576, &o->dc.memory_mb);
			break;
		case O_MBUFS:
			rc = num_u32("--mbufs", optarg, 1024, 1048576, &o->dc.mbufs);
			break;
		case O_HUGE:
			if (strcmp(optarg, "auto") == 0)
				o->dc.huge = SL_GEN_HUGE_AUTO;
			else if (strcmp(optarg, "on") == 0)
				o->dc.huge = SL_GEN_HUGE_ON;
			else if (strcmp(optarg, "off") == 0)
				o->dc.huge = SL_GEN_HUGE_OFF;
			else {
				fprintf(stderr, PROG ": --huge %s: auto, on or off\n", optarg);
				return -EINVAL;
			}
			break;
		case O_HUGE_DIR:
			o->dc.huge_dir = optarg;
			break;
		case O_IP:
			o->ip = optarg;
			break;
		case O_SRC_IPS:
			rc = num_u32("--src-ips", optarg, 1, 256, &o->dc.n_src_ips);
			break;
		case O_DRAIN:
			rc = num_dbl("--drain", optarg, 0, 60, &o->dc.drain_s);
			break;
		case O_RX_FLOOD:
			o->dc.run = SL_GEN_RUN_FLOOD;
			break;
		case O_TCP_DISCARD:
			o->dc.run = SL_GEN_RUN_DISCARD;
			break;
		case O_TARGET_PID:
			rc = num_u32("--target-pid", optarg, 1, INT32_MAX, &v);
			o->target_pid = (int)v;
			break;
		case O_ENDPOINT:
			o->endpoint = optarg;
			break;
		case O_PROTO:
			if (strcmp(optarg, "http") == 0)
				o->grpc = false;
			else if (strcmp(optarg, "grpc") == 0)
				o->grpc = true;
			else {
				fprintf(stderr, PROG ": --proto %s: http or grpc\n", optarg);
				return -EINVAL;
			}
			break;
		case O_STREAMS:
			rc = num_u32("--streams", optarg, 1, SL_GEN_H2_STREAMS_MAX, &o->streams);
			break;
		case O_SIGNAL:
			if (sl_gen_signal_parse(optarg, &o->pc.signal) < 0) {
				fprintf(stderr, PROG ": --signal %s: traces, metrics or logs\n",
				        optarg);
				return -EINVAL;
			}
			break;
		case O_ITEMS:
			rc = num_u32("--items-per-request", optarg, 1, SL_GEN_ITEMS_MAX,
			             &o->pc.items);
			break;
		case O_RESOURCES:
			rc = num_u32("--resources", optarg, 1, SL_GEN_ITEMS_MAX, &o->pc.resources);
			break;
		case O_ATTRS:
			rc = num_u32("--attributes", optarg, 0, SL_GEN_ATTRS_MAX, &o->pc.attrs);
			break;
		case O_VALUE:
			rc = num_u32("--value-bytes", optarg, 1, SL_GEN_VALUE_LEN_MAX,
			             &o->pc.value_len);
			break;
		case O_SERVICES:
			rc = num_u32("--services", optarg, 1, SL_GEN_CARD_MAX, &o->pc.services);
			break;
		case O_HOSTS:
			rc = num_u32("--hosts", optarg, 1, SL_GEN_CARD_MAX, &o->pc.hosts);
			break;
		case O_GZIP:
			o->pc.gzip = true;
			break;
		case O_GZIP_LEVEL:
			rc = num_u32("--gzip-level", optarg, 1, 12, &v);
			o->pc.gzip_level = (int)v;
			break;
		case O_JSON_BODY:
			o->pc.json = true;
			break;
		case O_VARIANTS:
			rc = num_u32("--variants", optarg, 0, 65536, &o->variants);
			break;
		case O_CONNS:
			rc = num_u32("--connections", optarg, 1, 1000000, &o->connections);
			break;
		case O_RATE:
			rc = num_dbl("--rate", optarg, 0, 1e9, &o->rate);
			break;
		case O_THREADS:
			rc = num_u32("--threads", optarg, 1, 1024, &o->threads);
			break;
		case O_DURATION:
			rc = num_dbl("--duration", optarg, 0.001, 86400, &o->duration_s);
			break;
		case O_RAMP:
			rc = num_dbl("--ramp", optarg, 0, 3600, &o->ramp_s);
			break;
		case O_TIMEOUT:
			rc = num_u32("--timeout-ms", optarg, 1, 3600000, &o->timeout_ms);
			break;
		case O_RETRIES:
			rc = num_u32("--retries", optarg, 0, 100, &o->retries);
			break;
		case O_SEED:
			rc = num_u32("--seed", optarg, 0, UINT32_MAX, &v);
			o->seed = v;
			break;
		case O_JSON:
			o->json = true;
			break;
		case O_CSV:
			o->csv = optarg;
			break;
		case O_LABEL:
			o->label = optarg;
			break;
		case O_TARGET:
			o->target = optarg;
			break;
		case O_QUIET:
			o->quiet = true;
			break;
		case O_HELP:
		case 'h':
			usage(stdout);
			exit(0);
		case O_VERSION:
			printf(PROG " 0.3.0 (DPDK and socket modes; OTLP/HTTP and OTLP/gRPC)\n");
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
		if (rc < 0)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s'\n", argv[optind]);
		return -EINVAL;
	}
	o->socket_mode = socket_mode;
	if (o->endpoint == NULL)
		o->endpoint = o->grpc ? "http://127.0.0.1:4317" : "http://127.0.0.1:4318";
	if (!o->grpc && o->streams != 1) {
		fprintf(stderr, PROG ": --streams is for --proto grpc (HTTP/1.1 has one request "
		                     "in flight per connection)\n");
		return -EINVAL;
	}
	if (o->grpc && o->pc.json) {
		fprintf(stderr, PROG ": --json-body: OTLP/gRPC carries protobuf only\n");
		return -EINVAL;
	}
	if (o->grpc && o->dc.run != SL_GEN_RUN_OTLP) {
		fprintf(stderr, PROG ": --rx-flood and --tcp-discard send no requests: no --proto "
		                     "grpc\n");
		return -EINVAL;
	}
	if (!socket_mode) {
		if (o->dc.vdev == NULL && o->dc.memif_socket == NULL) {
			fprintf(stderr, PROG ": DPDK mode needs a port: --memif SOCKET or --vdev "
			                     "DEVARGS (or --socket for kernel TCP)\n");
			return -EINVAL;
		}
		if (o->dc.run != SL_GEN_RUN_OTLP && o->rate > 0) {
			fprintf(stderr, PROG ": --rx-flood and --tcp-discard send flat out: no "
			                     "--rate\n");
			return -EINVAL;
		}
		if (o->threads != 1) {
			fprintf(stderr, PROG ": DPDK mode runs on one lcore (--lcore), not "
			                     "--threads\n");
			return -EINVAL;
		}
		if (o->connections > 1000000 / 10) {
			fprintf(stderr, PROG ": DPDK mode: at most 100000 connections\n");
			return -EINVAL;
		}
	}
	if (o->threads > o->connections) {
		fprintf(stderr, PROG ": --threads %u exceeds --connections %u\n", o->threads,
		        o->connections);
		return -EINVAL;
	}
	if (o->pc.resources > o->pc.items) {
		fprintf(stderr, PROG ": --resources %u exceeds --items-per-request %u\n",
		        o->pc.resources, o->pc.items);
		return -EINVAL;
	}
	return 0;
}

static void
on_signal(int sig)
{
	(void)sig;
	if (!atomic_load(&run.stop))
		atomic_store(&run.t_stop, now_ns());
	atomic_store(&run.stop, true);
}

/* Sleep until CLOCK_MONOTONIC ns t, or an early stop. */
static void
sleep_until(uint64_t t)
{
	while (!atomic_load(&run.stop)) {
		uint64_t now = now_ns(), d;
		struct timespec ts = {0};

		if (now >= t)
			return;
		/* Short naps, so that SIGINT ends the wait soon. */
		d = t - now < 50000000ull ? t - now : 50000000ull;
		ts.tv_nsec = (long)d;
		nanosleep(&ts, NULL);
	}
}

static int
setup_worker(struct worker *w, uint32_t id, uint32_t first_conn)
{
	const struct opts *o = &run.o;
	uint32_t i;
	int rc;

	w->id = id;
	w->ep = epoll_create1(EPOLL_CLOEXEC);
	w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (w->ep < 0 || w->tfd < 0)
		return -errno;
	w->n_conns = o->connections / o->threads + (id < o->connections % o->threads);
	w->rate = o->rate / o->threads;
	w->conns = calloc(w->n_conns, sizeof(*w->conns));
	w->idle = calloc(w->n_conns, sizeof(*w->idle));
	if (w->conns == NULL || w->idle == NULL)
		return -ENOMEM;
	rc =
	    sl_gen_render_init(&w->rd, run.prof, o->seed * 0x9e3779b97f4a7c15ull + id, o->variants);
	if (rc < 0)
		return rc;
	for (i = 0; i < w->n_conns; i++) {
		struct conn *c = &w->conns[i];

		c->fd = -1;
		c->state = C_DONE; /* not opened yet: housekeeping opens it at open_at */
		c->open_at =
		    run.t_start + (uint64_t)(o->ramp_s * 1e9 * (first_conn + i) / o->connections);
		if (o->rate > 0)
			c->open_at =
			    run.t_start; /* the open loop ramps the rate, not connections */
		if (o->grpc) {
			c->h2 = calloc(1, sizeof(*c->h2));
			if (c->h2 == NULL)
				return -ENOMEM;
			rc = sl_gen_h2_init(c->h2, &run.h2, g2_event, w);
			if (rc < 0)
				return rc;
		} else if (o->variants == 0) {
			c->buf = malloc(run.prof->wire_cap ? run.prof->wire_cap : 1);
			if (c->buf == NULL)
				return -ENOMEM;
		}
	}
	sl_gen_counts_reset(&w->counts);
	return 0;
}

static void
free_worker(struct worker *w)
{
	uint32_t i;

	if (w->conns)
		for (i = 0; i < w->n_conns; i++) {
			free(w->conns[i].buf);
			if (w->conns[i].h2 != NULL)
				sl_gen_h2_fini(w->conns[i].h2);
			free(w->conns[i].h2);
		}
	free(w->conns);
	free(w->idle);
	sl_gen_render_fini(&w->rd);
	if (w->ep >= 0)
		close(w->ep);
	if (w->tfd >= 0)
		close(w->tfd);
}

static void
print_text(const struct sl_gen_report *r)
{
	const struct sl_gen_counts *c = r->c;
	double e = r->elapsed_s > 0 ? r->elapsed_s : 1;
	char streams[32] = "";

	if (r->params.streams > 1)
		snprintf(streams, sizeof(streams), " x %u streams", r->params.streams);

	fprintf(
	    stderr,
	    PROG ": %s%s %u %s/request, %zu-byte body%s%s, %u connections%s, %s loop, %.1f s\n"
	         "  requests %" PRIu64 " (%.1f/s)  items %" PRIu64 " (%.1f/s)  %.2f MB/s sent\n"
	         "  latency us: p50 %.1f  p95 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n"
	         "  errors %" PRIu64 " (timeouts %" PRIu64 ", protocol %" PRIu64 ", failed %" PRIu64
	         ")  retries %" PRIu64 "  connection failures %" PRIu64 "\n",
	    r->params.proto && strcmp(r->params.proto, "grpc") == 0 ? "gRPC " : "",
	    sl_signal_name(r->params.signal), r->params.items_per_request,
	    r->params.signal == SL_SIGNAL_TRACES    ? "spans"
	    : r->params.signal == SL_SIGNAL_METRICS ? "points"
	                                            : "records",
	    r->params.body_bytes, r->params.json_body ? " JSON" : "", r->params.gzip ? " gzip" : "",
	    r->params.connections, streams, r->params.rate > 0 ? "open" : "closed", r->elapsed_s, c->ok,
	    (double)c->ok / e, c->items, (double)c->items / e, (double)c->bytes / e / 1e6,
	    (double)sl_hist_percentile(&c->lat, 50) / 1e3,
	    (double)sl_hist_percentile(&c->lat, 95) / 1e3,
	    (double)sl_hist_percentile(&c->lat, 99) / 1e3,
	    (double)sl_hist_percentile(&c->lat, 99.9) / 1e3,
	    (double)sl_hist_percentile(&c->lat, 100) / 1e3, sl_gen_counts_errors(c), c->timeouts,
	    c->protocol_errors, c->failed, c->retries, c->connection_failures);
	if (r->target && r->target->tsc_hz == 0) /* --target-pid: CPU time only */
		fprintf(stderr, "  target %s: %.3f CPU s (%.3f user), %.0f items per CPU-second\n",
		        r->target->instance, r->target->cpu_s, r->target->cpu_user_s,
		        r->target->cpu_s > 0 ? (double)r->target->items / r->target->cpu_s : 0);
	else if (r->target)
		fprintf(stderr,
		        "  target %s: %.1f busy cycles/item, %.0f/request, busy %.1f%%, "
		        "%.2f CPU s per million items\n",
		        r->target->instance,
		        r->target->items ? (double)r->target->busy / (double)r->target->items : 0,
		        r->target->requests ? (double)r->target->busy / (double)r->target->requests
		                            : 0,
		        r->target->busy + r->target->idle
		            ? 100.0 * (double)r->target->busy /
		                  (double)(r->target->busy + r->target->idle)
		            : 0,
		        r->target->items ? 1e6 * r->target->cpu_s / (double)r->target->items : 0);
}

/* Target snapshots at the window's edges (both modes; DPDK mode calls it from its lcore). */
static struct {
	struct sl_stats_map map;
	struct tsnap s0, s1;
	double pid_cpu0[2], pid_cpu1[2];
} tgt = {.map = {.fd = -1}};

static void
mark(void *arg, enum sl_gen_mark which)
{
	(void)arg;
	if (run.o.target)
		target_snap(&tgt.map, which == SL_GEN_MARK_MEASURE ? &tgt.s0 : &tgt.s1);
	if (run.o.target_pid > 0) {
		double *c = which == SL_GEN_MARK_MEASURE ? tgt.pid_cpu0 : tgt.pid_cpu1;

		proc_cpu_s(run.o.target_pid, &c[0], &c[1]);
	}
}

/* Socket mode: threads, epoll. Fills total; returns 0 or 1 (a thread could not start). */
static int
run_socket(struct sl_gen_counts *total, double *elapsed_s)
{
	struct worker *ws;
	uint32_t i, started = 0;
	uint64_t t_stop;
	int rc, status = 1;

	ws = calloc(run.o.threads, sizeof(*ws));
	if (ws == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		return 1;
	}
	/* Start a little in the future so every thread is up before the first send. */
	run.t_start = now_ns() + 20000000ull;
	run.t_measure = run.t_start + (uint64_t)(run.o.ramp_s * 1e9);
	run.t_end = run.t_measure + (uint64_t)(run.o.duration_s * 1e9);
	for (i = 0; i < run.o.threads; i++)
		ws[i].ep = ws[i].tfd = -1;
	for (i = 0; i < run.o.threads; i++) {
		rc = setup_worker(&ws[i], i,
		                  i * (run.o.connections / run.o.threads) +
		                      (i < run.o.connections % run.o.threads
		                           ? i
		                           : run.o.connections % run.o.threads));
		if (rc < 0) {
			fprintf(stderr, PROG ": thread %u: %s\n", i, strerror(-rc));
			goto join;
		}
	}
	/* Fresh start times: building variants may have taken a while. */
	{
		uint64_t shift = now_ns() + 20000000ull - run.t_start;

		run.t_start += shift;
		run.t_measure += shift;
		run.t_end += shift;
		for (i = 0; i < run.o.threads; i++) {
			uint32_t k;

			for (k = 0; k < ws[i].n_conns; k++)
				ws[i].conns[k].open_at += shift;
		}
	}
	for (i = 0; i < run.o.threads; i++) {
		rc = pthread_create(&ws[i].th, NULL, worker_main, &ws[i]);
		if (rc != 0) {
			fprintf(stderr, PROG ": thread %u: %s\n", i, strerror(rc));
			atomic_store(&run.stop, true);
			goto join;
		}
		started++;
	}
	sleep_until(run.t_measure);
	mark(NULL, SL_GEN_MARK_MEASURE);
	sleep_until(run.t_end);
	mark(NULL, SL_GEN_MARK_END);
join:
	for (i = 0; i < started; i++)
		pthread_join(ws[i].th, NULL);
	if (started < run.o.threads)
		goto out;
	sl_gen_counts_reset(total);
	status = 0;
	for (i = 0; i < run.o.threads; i++) {
		if (ws[i].err < 0) {
			fprintf(stderr, PROG ": thread %u: %s\n", i, strerror(-ws[i].err));
			status = 1;
		}
		sl_gen_counts_merge(total, &ws[i].counts);
	}
	t_stop = atomic_load(&run.t_stop);
	*elapsed_s = run.o.duration_s;
	if (t_stop && t_stop < run.t_end)
		*elapsed_s = t_stop > run.t_measure ? (double)(t_stop - run.t_measure) / 1e9 : 0;
out:
	for (i = 0; i < run.o.threads; i++)
		free_worker(&ws[i]);
	free(ws);
	return status;
}

/* DPDK mode: gen_dpdk.c on one lcore. Returns 0 or 1. */
static int
run_dpdk(struct sl_gen_counts *total, double *elapsed_s)
{
	struct sl_gen_dpdk_conf *dc = &run.o.dc;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&run.addr;
	char err[512] = "";
	unsigned int a, b, c, d, pfx = 24;
	int rc;

	if (run.addr.ss_family != AF_INET) {
		fprintf(stderr, PROG ": DPDK mode: --endpoint must be an IPv4 address\n");
		return 1;
	}
	if (run.o.ip == NULL ||
	    (sscanf(run.o.ip, "%u.%u.%u.%u/%u", &a, &b, &c, &d, &pfx) < 4) || a > 255 ||
	    b > 255 || c > 255 || d > 255 || pfx < 1 || pfx > 31) {
		fprintf(stderr, PROG ": DPDK mode needs --ip A.B.C.D[/PREFIX], our address on "
		                     "the target's subnet\n");
		return 1;
	}
	dc->src_ip = htonl(a << 24 | b << 16 | c << 8 | d);
	dc->src_prefix = (uint8_t)pfx;
	dc->dst_ip = sin->sin_addr.s_addr;
	dc->dst_port = sin->sin_port;
	dc->connections = run.o.connections;
	dc->rate = run.o.rate;
	dc->duration_s = run.o.duration_s;
	dc->ramp_s = run.o.ramp_s;
	dc->timeout_ms = run.o.timeout_ms;
	dc->retries = run.o.retries;
	dc->variants = run.o.variants;
	dc->seed = run.o.seed;
	dc->prof = run.prof;
	dc->head_prefix = run.head_prefix;
	dc->head_prefix_len = run.head_prefix_len;
	dc->h2 = run.o.grpc ? &run.h2 : NULL;
	dc->stop = &run.stop;
	dc->mark = mark;
	dc->quiet = run.o.quiet;
	rc = sl_gen_dpdk_run(dc, total, elapsed_s, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, PROG ": %s\n", err[0] ? err : strerror(-rc));
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct sl_gen_target target;
	struct sl_gen_counts *total = NULL;
	struct sl_gen_report rep;
	struct sigaction sa = {.sa_handler = on_signal};
	char err[256];
	double elapsed_s = 0;
	int rc, status = 1;

	rc = parse_args(argc, argv, &run.o);
	if (rc < 0)
		return 2;
	if (parse_endpoint(run.o.endpoint) < 0)
		return 2;
	run.prof = sl_gen_profile_new(&run.o.pc, err, sizeof(err));
	if (run.prof == NULL) {
		fprintf(stderr, PROG ": payload profile: %s\n", err[0] ? err : strerror(errno));
		return 2;
	}
	rc = sl_gen_head_prefix(run.prof, run.host, run.head_prefix,
	                        sizeof(run.head_prefix) - SL_GEN_HEAD_TAIL);
	if (rc < 0) {
		fprintf(stderr, PROG ": request head too long for host %s\n", run.host);
		goto out;
	}
	run.head_prefix_len = (size_t)rc;
	/* A render buffer per call: past this, the generator would swap, not measure. */
	if (run.o.grpc && run.o.variants == 0 &&
	    (double)run.o.connections * run.o.streams * (double)run.prof->wire_cap > 4e9) {
		fprintf(stderr,
		        PROG ": %u connections x %u streams x %zu-byte bodies need over 4 GB of "
		             "render buffers: use --variants N\n",
		        run.o.connections, run.o.streams, run.prof->wire_cap);
		goto out;
	}
	run.h2 = (struct sl_gen_h2_conf){
	    .path = sl_gen_grpc_path(run.prof->conf.signal),
	    .authority = run.host,
	    .encoding = run.prof->conf.gzip ? "gzip" : NULL,
	    .streams = run.o.streams,
	    .buf_cap = run.o.variants ? 0 : (run.prof->wire_cap ? run.prof->wire_cap : 1),
	    /* Fewer, fuller writes (socket) or segments (DPDK: every sl_tcp_send is pushed
	     * out at once); 64 KiB a connection, too much for a DPDK run of 100,000. */
	    .gather = run.o.socket_mode || run.o.connections <= 4096,
	};
	if (run.o.target) {
		rc = sl_stats_open(&tgt.map, run.o.target);
		if (rc < 0) {
			fprintf(stderr, PROG ": --target-instance %s: %s\n", run.o.target,
			        rc == -ENOENT ? "no such dataplane (no stats region)"
			                      : strerror(-rc));
			goto out;
		}
	}
	if (run.o.target_pid > 0 && kill(run.o.target_pid, 0) < 0 && errno == ESRCH) {
		fprintf(stderr, PROG ": --target-pid %d: no such process\n", run.o.target_pid);
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	total = malloc(sizeof(*total));
	if (total == NULL) {
		fprintf(stderr, PROG ": out of memory\n");
		goto out;
	}
	if (run.o.socket_mode)
		status = run_socket(total, &elapsed_s);
	else
		status = run_dpdk(total, &elapsed_s);
	if (status != 0)
		goto out;
	status = 1;
	memset(&rep, 0, sizeof(rep));
	rep.params = (struct sl_gen_params){
	    .label = run.o.label,
	    .mode = run.o.socket_mode                        ? "socket"
	            : run.o.dc.run == SL_GEN_RUN_FLOOD   ? "dpdk-rx-flood"
	            : run.o.dc.run == SL_GEN_RUN_DISCARD ? "dpdk-tcp-discard"
	                                                 : "dpdk",
	    .endpoint = run.o.endpoint,
	    .proto = run.o.grpc ? "grpc" : "http",
	    .streams = run.o.streams,
	    .signal = run.prof->conf.signal,
	    .items_per_request = run.prof->conf.items,
	    .resources = run.prof->conf.resources,
	    .attrs = run.prof->conf.attrs,
	    .value_len = run.prof->conf.value_len,
	    .services = run.prof->conf.services,
	    .hosts = run.prof->conf.hosts,
	    .gzip = run.prof->conf.gzip,
	    .gzip_level = run.prof->conf.gzip ? run.prof->conf.gzip_level : 0,
	    .json_body = run.prof->conf.json,
	    .variants = run.o.variants,
	    .threads = run.o.threads,
	    .connections = run.o.connections,
	    .rate = run.o.rate,
	    .duration_s = run.o.duration_s,
	    .ramp_s = run.o.ramp_s,
	    .body_bytes = run.prof->len,
	};
	rep.elapsed_s = elapsed_s;
	rep.c = total;
	if (run.o.target && tgt.s0.ok && tgt.s1.ok) {
		target_delta(&tgt.map, &tgt.s0, &tgt.s1, run.prof->conf.signal, &target);
		rep.target = &target;
	} else if (run.o.target) {
		fprintf(stderr, PROG ": warning: could not read the target's counters\n");
	} else if (run.o.target_pid > 0) {
		/* Any receiver: its CPU from /proc, its items as the 2xx answers say. */
		memset(&target, 0, sizeof(target));
		snprintf(target.instance, sizeof(target.instance), "pid:%d", run.o.target_pid);
		target.pid = run.o.target_pid;
		target.cpu_user_s = tgt.pid_cpu1[0] - tgt.pid_cpu0[0];
		target.cpu_sys_s = tgt.pid_cpu1[1] - tgt.pid_cpu0[1];
		target.cpu_s = target.cpu_user_s + target.cpu_sys_s;
		target.items = total->items;
		target.requests = total->ok;
		rep.target = &target;
	}
	if (!run.o.quiet)
		print_text(&rep);
	if (run.o.json && sl_gen_report_json(&rep, stdout) < 0)
		goto out;
	if (run.o.csv) {
		rc = sl_gen_report_csv_append(&rep, run.o.csv);
		if (rc < 0) {
			fprintf(stderr, PROG ": --csv %s: %s\n", run.o.csv,
			        rc == -EPROTO ? "starts with another header (another sluice-gen?)"
			                      : strerror(-rc));
			goto out;
		}
	}
	status = 0;
out:
	free(total);
	if (run.o.target)
		sl_stats_close(&tgt.map, false);
	sl_gen_profile_free(run.prof);
	return status;
}
