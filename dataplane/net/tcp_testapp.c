/* SPDX-License-Identifier: BSD-3-Clause */
/* Test-only TCP listeners (echo and discard-with-digest), enabled by config for TCP tests. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libdeflate.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "net/tcp.h"
#include "net/tcp_testapp.h"

static struct sl_testapp_conn *
conn_state(struct sl_testapp *ta, const struct sl_tcp_conn *c)
{
	return &ta->conns[c->idx];
}

static int
ta_accept(struct sl_tcp_conn *c, void *arg, void **app, bool echo)
{
	struct sl_testapp *ta = arg;
	struct sl_testapp_conn *s = conn_state(ta, c);
	struct sl_slice *pend = s->pend;

	memset(s, 0, sizeof(*s));
	s->pend = pend;
	s->echo = echo;
	*app = ta;
	return 0;
}

static int
echo_accept(struct sl_tcp_conn *c, void *arg, void **app)
{
	return ta_accept(c, arg, app, true);
}

static int
discard_accept(struct sl_tcp_conn *c, void *arg, void **app)
{
	return ta_accept(c, arg, app, false);
}

/* Send pending slices while the send buffer takes them; consume what went. */
static void
echo_flush(struct sl_testapp *ta, struct sl_tcp_conn *c, struct sl_testapp_conn *s)
{
	while (s->n != 0) {
		struct sl_slice *sl = &s->pend[s->head];
		uint32_t left = sl->len - s->first_off;
		int n = sl_tcp_send(
		    c, rte_pktmbuf_mtod_offset(sl->m, uint8_t *, sl->off + s->first_off), left);

		if (n < 0)
			return;
		if ((uint32_t)n < left) {
			s->first_off += (uint32_t)n;
			sl_tcp_consumed(c, (uint32_t)n, 0);
			return;
		}
		sl_tcp_consumed(c, (uint32_t)n, 1);
		rte_pktmbuf_free(sl->m);
		s->first_off = 0;
		s->head = (uint16_t)((s->head + 1) % ta->pend_cap);
		s->n--;
		if (c->state == SL_TCP_CLOSED)
			return;
	}
	if (s->close_when_flushed)
		sl_tcp_close(c);
}

static void
on_data(struct sl_tcp_conn *c, void *app, const struct sl_slice *sl)
{
	struct sl_testapp *ta = app;
	struct sl_testapp_conn *s = conn_state(ta, c);

	s->bytes += sl->len;
	if (!s->echo) {
		s->crc = libdeflate_crc32(
		    s->crc, rte_pktmbuf_mtod_offset(sl->m, uint8_t *, sl->off), sl->len);
		rte_pktmbuf_free(sl->m);
		sl_tcp_consumed(c, sl->len, 1);
		return;
	}
	if (s->n == ta->pend_cap) {
		/* The TCP never hands more than rcv_segs slices unconsumed: cannot happen. */
		rte_pktmbuf_free(sl->m);
		sl_tcp_abort(c);
		return;
	}
	s->pend[(s->head + s->n) % ta->pend_cap] = *sl;
	s->n++;
	echo_flush(ta, c, s);
}

static void
on_writable(struct sl_tcp_conn *c, void *app)
{
	struct sl_testapp *ta = app;

	echo_flush(ta, c, conn_state(ta, c));
}

static void
on_peer_fin(struct sl_tcp_conn *c, void *app)
{
	struct sl_testapp *ta = app;
	struct sl_testapp_conn *s = conn_state(ta, c);
	char line[64];
	int n;

	if (s->echo) {
		s->close_when_flushed = 1;
		if (s->n == 0)
			sl_tcp_close(c);
		return;
	}
	n = snprintf(line, sizeof(line), "%llu %08x\n", (unsigned long long)s->bytes, s->crc);
	sl_tcp_send(c, line, (uint32_t)n);
	sl_tcp_close(c);
}

static void
on_closed(struct sl_tcp_conn *c, void *app, enum sl_tcp_close_reason why)
{
	struct sl_testapp *ta = app;
	struct sl_testapp_conn *s = conn_state(ta, c);

	(void)why;
	while (s->n != 0) {
		rte_pktmbuf_free(s->pend[s->head].m);
		s->head = (uint16_t)((s->head + 1) % ta->pend_cap);
		s->n--;
	}
}

static const struct sl_tcp_app_ops echo_ops = {
    .accept = echo_accept,
    .data = on_data,
    .peer_fin = on_peer_fin,
    .writable = on_writable,
    .closed = on_closed,
};

static const struct sl_tcp_app_ops discard_ops = {
    .accept = discard_accept,
    .data = on_data,
    .peer_fin = on_peer_fin,
    .writable = on_writable,
    .closed = on_closed,
};

int
sl_testapp_init(struct sl_testapp *ta, struct sl_tcp_core *tc, uint16_t echo_port,
                uint16_t discard_port, int socket)
{
	uint32_t i;
	int rc;

	memset(ta, 0, sizeof(*ta));
	ta->tc = tc;
	ta->n_conns = tc->conf->max_conns;
	ta->pend_cap = tc->conf->rcv_segs;
	ta->conns = rte_zmalloc_socket("sl_testapp", sizeof(*ta->conns) * ta->n_conns,
	                               RTE_CACHE_LINE_SIZE, socket);
	ta->pend_store = rte_zmalloc_socket("sl_testapp_pend",
	                                    sizeof(*ta->pend_store) * ta->n_conns * ta->pend_cap,
	                                    RTE_CACHE_LINE_SIZE, socket);
	if (ta->conns == NULL || ta->pend_store == NULL) {
		sl_testapp_fini(ta);
		return -ENOMEM;
	}
	for (i = 0; i < ta->n_conns; i++)
		ta->conns[i].pend = &ta->pend_store[(size_t)i * ta->pend_cap];
	if (echo_port != 0) {
		rc = sl_tcp_listen(tc, echo_port, &echo_ops, ta);
		if (rc < 0)
			return rc;
	}
	if (discard_port != 0) {
		rc = sl_tcp_listen(tc, discard_port, &discard_ops, ta);
		if (rc < 0)
			return rc;
	}
	return 0;
}

void
sl_testapp_fini(struct sl_testapp *ta)
{
	if (ta == NULL)
		return;
	rte_free(ta->conns);
	rte_free(ta->pend_store);
	ta->conns = NULL;
	ta->pend_store = NULL;
}
