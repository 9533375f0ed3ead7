/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of OTLP/gRPC: framing, encodings, the arena, whole calls through nghttp2. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <nghttp2/nghttp2.h>
#include <rte_cycles.h>

#include "../data/golden.h"
#include "eal_fixture.h"
#include "proto/http2.h"
#include "proto/otlp_grpc.h"
#include "stats_shm.h"
#include "timer.h"

/* ------------------------------------------------------------------ */
/* Framing                                                             */

/* Feed buf cut every `cut` bytes; collect payload and message count. */
static int
frame_all(const uint8_t *buf, uint32_t len, uint32_t cut, uint32_t max, uint8_t *out,
          uint32_t *out_len, uint32_t *msgs)
{
	struct sl_grpc_rx rx = {0};
	struct sl_grpc_ev ev;
	uint32_t at = 0;

	*out_len = 0;
	while (at < len) {
		uint32_t n = len - at < cut ? len - at : cut, pos = 0, used;

		for (;;) {
			used = sl_grpc_rx_step(&rx, buf + at + pos, n - pos, max, &ev);
			if (ev.type == SL_GRPC_EV_NONE) {
				pos += used;
				break;
			}
			if (ev.type == SL_GRPC_EV_TOO_BIG)
				return -EMSGSIZE;
			if (ev.type == SL_GRPC_EV_PAYLOAD) {
				memcpy(out + *out_len, buf + at + pos + ev.pos, ev.len);
				*out_len += ev.len;
			}
			pos += used;
		}
		assert_int_equal(pos, n);
		at += n;
	}
	/* A message that ended with the input still owes its MSG event. */
	(void)sl_grpc_rx_step(&rx, NULL, 0, max, &ev);
	*msgs = rx.n_msgs;
	return sl_grpc_rx_idle(&rx) ? 0 : -EAGAIN;
}

static void
framing_splits(void **state)
{
	uint8_t buf[64], out[64];
	uint32_t len = 0, ol, msgs, cut, i;

	(void)state;
	/* two messages: 10 bytes and 0 bytes */
	buf[len++] = 0;
	buf[len++] = 0, buf[len++] = 0, buf[len++] = 0, buf[len++] = 10;
	for (i = 0; i < 10; i++)
		buf[len++] = (uint8_t)('a' + i);
	buf[len++] = 0;
	buf[len++] = 0, buf[len++] = 0, buf[len++] = 0, buf[len++] = 0;
	for (cut = 1; cut <= len; cut++) {
		assert_int_equal(frame_all(buf, len, cut, 100, out, &ol, &msgs), 0);
		assert_int_equal(ol, 10);
		assert_memory_equal(out, "abcdefghij", 10);
		assert_int_equal(msgs, 2);
	}
	/* truncated payload: not idle */
	assert_int_equal(frame_all(buf, 9, 3, 100, out, &ol, &msgs), -EAGAIN);
	/* too large */
	assert_int_equal(frame_all(buf, len, 4, 9, out, &ol, &msgs), -EMSGSIZE);
}

static void
framing_flags(void **state)
{
	const uint8_t b[] = {1, 0, 0, 1, 0};
	struct sl_grpc_rx rx = {0};
	struct sl_grpc_ev ev;

	(void)state;
	assert_int_equal(sl_grpc_rx_step(&rx, b, 5, 1 << 20, &ev), 5);
	assert_int_equal(ev.type, SL_GRPC_EV_PREFIX);
	assert_int_equal(ev.len, 256);
	assert_int_equal(rx.flags & 1, 1);
}

static void
pct_encoding(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(sl_grpc_pct_encode("ok 100%\n", out, sizeof(out)), 12);
	assert_string_equal(out, "ok 100%25%0A");
	assert_int_equal(sl_grpc_pct_encode("abcdef", out, 4), 3);
	assert_string_equal(out, "abc");
}

static int
b64val(char c)
{
	const char *t = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *p = strchr(t, c);

	return p ? (int)(p - t) : -1;
}

static void
retry_details(void **state)
{
	char out[512];
	uint8_t pb[400];
	size_t n = sl_grpc_retry_details(14, "busy", 1, out, sizeof(out)), i, o = 0;
	uint32_t acc = 0, bits = 0;
	static const uint8_t want_tail[] = {0x12, 0x04, 0x0a, 0x02, 0x08, 0x01};

	(void)state;
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		acc = acc << 6 | (uint32_t)b64val(out[i]);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			pb[o++] = (uint8_t)(acc >> bits);
		}
	}
	assert_int_equal(pb[0], 0x08);
	assert_int_equal(pb[1], 14);
	assert_int_equal(pb[2], 0x12);
	assert_int_equal(pb[3], 4);
	assert_memory_equal(pb + 4, "busy", 4);
	assert_int_equal(pb[8], 0x1a);
	assert_int_equal(pb[9], o - 10);
	assert_memory_equal(pb + 12, "type.googleapis.com/google.rpc.RetryInfo", 40);
	assert_memory_equal(pb + o - sizeof(want_tail), want_tail, sizeof(want_tail));
	assert_int_equal(sl_grpc_retry_details(14, "busy", 1, out, 8), 0);
}

static void
arena(void **state)
{
	static uint8_t mem[1 << 16];
	struct sl_h2_arena a;
	size_t ch;
	void *p, *q, *r;

	(void)state;
	sl_h2_arena_init(&a, mem, sizeof(mem));
	p = sl_h2_arena_alloc(&a, 10, &ch);
	assert_non_null(p);
	assert_int_equal(ch, 32);
	assert_int_equal((uintptr_t)p % 16, 0);
	q = sl_h2_arena_alloc(&a, 16394, &ch);
	assert_non_null(q);
	assert_int_equal(ch, 24576);
	assert_int_equal(sl_h2_arena_free(&a, q), 24576);
	r = sl_h2_arena_alloc(&a, 20000, &ch);
	assert_ptr_equal(r, q); /* reused from the free list */
	assert_null(sl_h2_arena_alloc(&a, 1 << 20, &ch)); /* past the largest class */
	assert_null(sl_h2_arena_alloc(&a, 40000, &ch));   /* 48 KiB class: arena full */
	sl_h2_arena_free(&a, p);
	sl_h2_arena_free(&a, r);
	assert_int_equal(a.live, 0);
}

/* ------------------------------------------------------------------ */
/* Whole calls: an nghttp2 client session against the server           */

struct fake {
	uint8_t out[1 << 20];
	size_t out_n;
	int closed, aborted;
	uint64_t consumed;
};

static struct fake fk;
static struct sl_grpc_conf gconf = {
    .port = 0, .max_concurrent_streams = 8, .initial_window = 1 << 20, .conn_window = 1 << 22,
    .max_frame_size = 16384, .max_header_list_size = 8192, .max_message_bytes = 1 << 20,
    .streams = 64, .conn_mem_bytes = 1 << 18, .arena_bytes = 1 << 22,
    .conn_buffer_bytes = 1 << 22, .max_resets_per_s = 10, .max_pings_per_s = 5,
    .max_settings_per_s = 5, .max_refused_streams = 20, .max_continuations = 4,
    .idle_timeout_ms = 60000, .stall_timeout_ms = 10000,
};
static uint64_t ctr[SL_CTR_MAX];
static uint64_t now_tsc;
static struct sl_timer_wheel wheel;
static struct sl_grpc_core gc;

static int
f_send(void *t, const void *b, uint32_t len)
{
	(void)t;
	assert_true(fk.out_n + len <= sizeof(fk.out));
	memcpy(fk.out + fk.out_n, b, len);
	fk.out_n += len;
	return (int)len;
}

static uint32_t
f_space(void *t)
{
	(void)t;
	return 1u << 20;
}

static void
f_consumed(void *t, uint32_t b, uint32_t s)
{
	(void)t;
	(void)s;
	fk.consumed += b;
}

static void
f_close(void *t)
{
	(void)t;
	fk.closed = 1;
	sl_h2_closed(&gc.h2.conns[0]);
}

static void
f_abort(void *t)
{
	(void)t;
	fk.aborted = 1;
	sl_h2_closed(&gc.h2.conns[0]);
}

static const struct sl_h2_io fio = {f_send, f_space, f_consumed, f_close, f_abort};

/* What the client saw on its streams. */
struct seen {
	int status[16];    /* grpc-status per stream id / 2, -1 none */
	int goaway;
	uint32_t goaway_code;
	size_t data;
};

static struct seen sn;

static int
c_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
         const uint8_t *v, size_t vl, uint8_t flags, void *ud)
{
	(void)s, (void)flags, (void)ud, (void)vl;
	if (nl == 11 && memcmp(name, "grpc-status", 11) == 0 && f->hd.stream_id / 2 < 16)
		sn.status[f->hd.stream_id / 2] = atoi((const char *)v);
	return 0;
}

static int
c_frame(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	(void)s, (void)ud;
	if (f->hd.type == NGHTTP2_GOAWAY) {
		sn.goaway = 1;
		sn.goaway_code = f->goaway.error_code;
	}
	return 0;
}

static int
c_data(nghttp2_session *s, uint8_t fl, int32_t id, const uint8_t *d, size_t len, void *ud)
{
	(void)s, (void)fl, (void)id, (void)d, (void)ud;
	sn.data += len;
	return 0;
}

static nghttp2_session *
client_new(void)
{
	nghttp2_session_callbacks *cb;
	nghttp2_session *cs;

	assert_int_equal(nghttp2_session_callbacks_new(&cb), 0);
	nghttp2_session_callbacks_set_on_header_callback(cb, c_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, c_frame);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, c_data);
	assert_int_equal(nghttp2_session_client_new(&cs, cb, NULL), 0);
	nghttp2_session_callbacks_del(cb);
	assert_int_equal(nghttp2_submit_settings(cs, NGHTTP2_FLAG_NONE, NULL, 0), 0);
	return cs;
}

/* Client output -> server in pieces of `cut` bytes; server output -> client. */
static void
pump(nghttp2_session *cs, size_t cut)
{
	for (int round = 0; round < 8; round++) {
		const uint8_t *p;
		ssize_t n;

		while ((n = nghttp2_session_mem_send(cs, &p)) > 0) {
			for (ssize_t at = 0; at < n; at += (ssize_t)cut) {
				size_t k = (size_t)(n - at) < cut ? (size_t)(n - at) : cut;
				struct rte_mbuf *m = sl_test_mbuf(p + at, k);

				assert_non_null(m);
				if (gc.h2.conns[0].t == NULL) {
					rte_pktmbuf_free(m);
					continue;
				}
				sl_h2_input(&gc.h2.conns[0], m, 0, (uint32_t)k);
			}
		}
		if (fk.out_n != 0) {
			nghttp2_session_mem_recv(cs, fk.out, fk.out_n);
			fk.out_n = 0;
		}
	}
}

struct body {
	const uint8_t *p;
	size_t len, at;
};

static ssize_t
c_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
       nghttp2_data_source *src, void *ud)
{
	struct body *b = src->ptr;
	size_t n = b->len - b->at < len ? b->len - b->at : len;

	(void)s, (void)id, (void)ud;
	memcpy(buf, b->p + b->at, n);
	b->at += n;
	if (b->at == b->len)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

#define NV(n, v) {(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, 0}

static int32_t
call(nghttp2_session *cs, const char *path, struct body *b)
{
	nghttp2_nv nv[] = {
	    NV(":method", "POST"), NV(":scheme", "http"), NV(":authority", "x"),
	    {(uint8_t *)":path", (uint8_t *)path, 5, strlen(path), 0},
	    NV("content-type", "application/grpc"), NV("te", "trailers"),
	};
	nghttp2_data_provider dp = {.source.ptr = b, .read_callback = c_read};

	return nghttp2_submit_request(cs, NULL, nv, 6, &dp, NULL);
}

static int
setup(void **state)
{
	(void)state;
	memset(&fk, 0, sizeof(fk));
	memset(&sn, 0xff, sizeof(sn.status));
	sn.goaway = 0;
	sn.data = 0;
	memset(ctr, 0, sizeof(ctr));
	now_tsc = rte_rdtsc();
	assert_int_equal(sl_timer_wheel_init(&wheel,
	                                     &(struct sl_timer_wheel_conf){
	                                         .tsc_hz = rte_get_tsc_hz(), .tick_us = 1000},
	                                     now_tsc),
	                 0);
	assert_int_equal(sl_grpc_core_init(&gc, &gconf, ctr, &wheel, &now_tsc, 4, 4096, false, NULL,
	                                   SL_DURABILITY_RECEIVED),
	                 0);
	assert_non_null(sl_h2_accept(&gc.h2, 0, &fk, &fio));
	sl_h2_flush(&gc.h2.conns[0]);
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (gc.h2.conns[0].t != NULL)
		sl_h2_closed(&gc.h2.conns[0]);
	assert_int_equal(gc.h2.arena.live, 0);
	assert_int_equal(gc.h2.free_n, gc.h2.n_chunks);
	sl_grpc_core_fini(&gc);
	assert_int_equal(sl_test_pool_in_use(), 0);
	return 0;
}

static uint8_t *
framed(enum sl_signal sig, size_t *len)
{
	uint8_t *pb, *f;
	size_t n;

	assert_int_equal(sl_golden_build(sig, &pb, &n), 0);
	f = malloc(n + 5);
	f[0] = 0;
	f[1] = (uint8_t)(n >> 24), f[2] = (uint8_t)(n >> 16), f[3] = (uint8_t)(n >> 8);
	f[4] = (uint8_t)n;
	memcpy(f + 5, pb, n);
	free(pb);
	*len = n + 5;
	return f;
}

static void
export_ok_all_cuts(void **state)
{
	static const char *const p[] = {
	    "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
	    "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
	    "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
	};
	size_t cuts[] = {1, 7, 100, 1400};

	(void)state;
	for (unsigned c = 0; c < 4; c++) {
		nghttp2_session *cs = client_new();

		for (int sig = 0; sig < 3; sig++) {
			size_t len;
			uint8_t *f = framed((enum sl_signal)sig, &len);
			struct body b = {f, len, 0};
			int32_t id = call(cs, p[sig], &b);

			pump(cs, cuts[c]);
			assert_int_equal(sn.status[id / 2], 0);
			free(f);
		}
		nghttp2_session_del(cs);
		assert_int_equal(ctr[SL_CTR_GRPC_OK], 3);
		assert_int_equal(ctr[SL_CTR_OTLP_TRACES_REQ] + ctr[SL_CTR_OTLP_LOGS_REQ], 2);
		teardown(NULL);
		setup(NULL);
	}
}

/* Flow control: past conn_buffer_bytes WINDOW_UPDATEs wait; the hand-off pays them back. */
static void
window_held_then_paid(void **state)
{
	nghttp2_session *cs;
	uint8_t *pb, *f;
	size_t n, i, reps = 60;
	int32_t id;
	struct body b;

	(void)state;
	teardown(NULL);
	gconf.conn_buffer_bytes = 65536;
	setup(NULL);
	cs = client_new();
	/* Concatenated Export requests are one valid request (repeated field 1): ~200 KB. */
	assert_int_equal(sl_golden_build(SL_SIGNAL_TRACES, &pb, &n), 0);
	f = malloc(5 + n * reps);
	for (i = 0; i < reps; i++)
		memcpy(f + 5 + i * n, pb, n);
	n *= reps;
	f[0] = 0;
	f[1] = (uint8_t)(n >> 24), f[2] = (uint8_t)(n >> 16), f[3] = (uint8_t)(n >> 8);
	f[4] = (uint8_t)n;
	b = (struct body){f, n + 5, 0};
	id = call(cs, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", &b);
	pump(cs, 1400);
	assert_int_equal(sn.status[id / 2], 0);
	assert_true(ctr[SL_CTR_GRPC_WINDOW_HELD] > 0);
	/*
	 * Every byte acknowledged in the end (nghttp2 sends the WINDOW_UPDATE itself once half
	 * a window is consumed): nothing buffered, nothing owed on the server side.
	 */
	sl_grpc_poll(&gc);
	assert_int_equal(gc.conns[0].buffered, 0);
	assert_int_equal(gc.n_owed, 0);
	assert_int_equal(nghttp2_session_get_effective_recv_data_length(gc.h2.conns[0].s),
	                 (int32_t)(n + 5));
	nghttp2_session_del(cs);
	free(pb);
	free(f);
	gconf.conn_buffer_bytes = 1 << 22;
}

/* Run the watch timers as if secs seconds had passed. */
static void
advance(unsigned secs)
{
	for (unsigned i = 0; i < secs * 4; i++) {
		now_tsc += rte_get_tsc_hz() / 4;
		sl_timer_wheel_run(&wheel, now_tsc);
	}
}

static void
idle_goaway(void **state)
{
	nghttp2_session *cs = client_new();

	(void)state;
	pump(cs, 1400);
	advance(gconf.idle_timeout_ms / 1000 + 2);
	pump(cs, 1400);
	assert_int_equal(ctr[SL_CTR_GRPC_IDLE_TIMEOUTS], 1);
	assert_true(sn.goaway);
	assert_int_equal(sn.goaway_code, NGHTTP2_NO_ERROR);
	assert_true(fk.closed);
	nghttp2_session_del(cs);
}

/* A client that never opens its window: the answer cannot leave; the stall timer ends it. */
static void
zero_window_stall(void **state)
{
	nghttp2_session *cs = client_new();
	nghttp2_settings_entry iv = {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 0};
	uint8_t empty[5] = {0};
	struct body b = {empty, sizeof(empty), 0};
	int32_t id;

	(void)state;
	nghttp2_submit_settings(cs, NGHTTP2_FLAG_NONE, &iv, 1);
	id = call(cs, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", &b);
	pump(cs, 1400);
	assert_int_equal(sn.status[id / 2], -1); /* headers out, DATA and trailers stuck */
	advance(gconf.stall_timeout_ms / 1000 + 2);
	assert_int_equal(ctr[SL_CTR_GRPC_STALL_TIMEOUTS], 1);
	assert_true(fk.aborted);
	nghttp2_session_del(cs);
}

static void
statuses(void **state)
{
	nghttp2_session *cs = client_new();
	uint8_t junk[] = {0, 0, 0, 0, 3, 0xff, 0xff, 0xff};
	uint8_t big[] = {0, 0x10, 0, 0, 0};
	struct body b1 = {junk, sizeof(junk), 0}, b2 = {big, sizeof(big), 0},
	            b3 = {junk, 5, 0}, b4 = {junk, 3, 0};
	int32_t i1, i2, i3, i4;

	(void)state;
	i1 = call(cs, "/opentelemetry.proto.collector.trace.v1.TraceService/Export", &b1);
	i2 = call(cs, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", &b2);
	i3 = call(cs, "/nope.Service/Export", &b3);
	i4 = call(cs, "/opentelemetry.proto.collector.logs.v1.LogsService/Export", &b4);
	pump(cs, 1000);
	assert_int_equal(sn.status[i1 / 2], SL_GRPC_INVALID_ARGUMENT);
	assert_int_equal(sn.status[i2 / 2], SL_GRPC_RESOURCE_EXHAUSTED);
	assert_int_equal(sn.status[i3 / 2], SL_GRPC_UNIMPLEMENTED);
	assert_int_equal(sn.status[i4 / 2], SL_GRPC_INVALID_ARGUMENT); /* truncated */
	nghttp2_session_del(cs);
}

static void
ping_flood(void **state)
{
	nghttp2_session *cs = client_new();

	(void)state;
	for (int i = 0; i < 50; i++)
		nghttp2_submit_ping(cs, NGHTTP2_FLAG_NONE, NULL);
	pump(cs, 4096);
	assert_int_equal(ctr[SL_CTR_GRPC_PING_FLOOD], 1);
	assert_true(sn.goaway);
	assert_int_equal(sn.goaway_code, NGHTTP2_ENHANCE_YOUR_CALM);
	assert_true(fk.closed || fk.aborted);
	nghttp2_session_del(cs);
}

static void
rapid_reset(void **state)
{
	nghttp2_session *cs = client_new();
	uint8_t hdr[] = {0, 0, 0, 0, 100};
	struct body b = {hdr, sizeof(hdr), 0};

	(void)state;
	for (int i = 0; i < 40; i++) {
		int32_t id = call(cs, "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
		                  &b);

		b.at = 0;
		pump(cs, 1400);
		nghttp2_submit_rst_stream(cs, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
		pump(cs, 1400);
	}
	assert_int_equal(ctr[SL_CTR_GRPC_RAPID_RESET], 1);
	assert_true(sn.goaway);
	nghttp2_session_del(cs);
}

static void
hpack_bomb(void **state)
{
	nghttp2_session *cs = client_new();
	static char big[4000];
	nghttp2_nv nv[8];
	int32_t id;

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	nv[0] = (nghttp2_nv)NV(":method", "POST");
	nv[1] = (nghttp2_nv)NV(":scheme", "http");
	nv[2] = (nghttp2_nv)NV(":authority", "x");
	nv[3] = (nghttp2_nv)NV(":path", "/x");
	for (int i = 4; i < 8; i++)
		nv[i] = (nghttp2_nv){(uint8_t *)"x-big", (uint8_t *)big, 5, sizeof(big) - 1, 0};
	id = nghttp2_submit_request(cs, NULL, nv, 8, NULL, NULL);
	assert_true(id > 0);
	pump(cs, 1400);
	assert_int_equal(ctr[SL_CTR_GRPC_HPACK_BOMB], 1);
	assert_true(sn.goaway);
	nghttp2_session_del(cs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(framing_splits),
	    cmocka_unit_test(framing_flags),
	    cmocka_unit_test(pct_encoding),
	    cmocka_unit_test(retry_details),
	    cmocka_unit_test(arena),
	    cmocka_unit_test_setup_teardown(export_ok_all_cuts, setup, teardown),
	    cmocka_unit_test_setup_teardown(window_held_then_paid, setup, teardown),
	    cmocka_unit_test_setup_teardown(statuses, setup, teardown),
	    cmocka_unit_test_setup_teardown(idle_goaway, setup, teardown),
	    cmocka_unit_test_setup_teardown(zero_window_stall, setup, teardown),
	    cmocka_unit_test_setup_teardown(ping_flood, setup, teardown),
	    cmocka_unit_test_setup_teardown(rapid_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(hpack_bomb, setup, teardown),
	};

	if (sl_test_eal_init() != 0)
		return 1;
	return cmocka_run_group_tests_name("grpc", tests, NULL, NULL);
}
