/* SPDX-License-Identifier: BSD-3-Clause */
/* libFuzzer target: arbitrary bytes into an OTLP/gRPC server session (HTTP/2 + gRPC input path). */

/*
 * Input: byte 0 picks the cut size of the stream into mbufs (bits 1..7) and
 * whether the client preface and an empty SETTINGS frame are put in front
 * (bit 0, so most inputs get past the preface check); the rest is the
 * byte stream a client sends. Each input runs against a fresh server core
 * (small arena and limits, no pipeline) through the real nghttp2 session,
 * defences, gRPC framing, decompression and walker. The clock advances by
 * one second per piece and the timer wheel runs (idle and stall timers).
 * Checked after each input: the session's memory stayed within
 * conn_mem_bytes, and once the connection is closed every arena byte, slice
 * chunk and mbuf is back (bounded memory, no leak).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "eal_fixture.h"
#include "proto/http2.h"
#include "proto/otlp_grpc.h"
#include "stats_shm.h"
#include "timer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct sl_grpc_conf conf = {
    .port = 0, .max_concurrent_streams = 16, .initial_window = 65535, .conn_window = 1 << 20,
    .max_frame_size = 16384, .max_header_list_size = 4096, .max_message_bytes = 1 << 16,
    .streams = 32, .conn_mem_bytes = 1 << 17, .arena_bytes = 1 << 21,
    .conn_buffer_bytes = 1 << 18, .max_resets_per_s = 10, .max_pings_per_s = 5,
    .max_settings_per_s = 5, .max_refused_streams = 8, .max_continuations = 4,
    .idle_timeout_ms = 5000, .stall_timeout_ms = 2000,
};
static struct sl_grpc_core gc;
static uint64_t ctr[SL_CTR_MAX];
static uint64_t now;
static struct sl_timer_wheel wheel;
static int dead;

static int
f_send(void *t, const void *b, uint32_t len)
{
	(void)t, (void)b;
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
	(void)t, (void)b, (void)s;
}

static void
f_close(void *t)
{
	(void)t;
	dead = 1;
}

static void
f_abort(void *t)
{
	(void)t;
	dead = 1;
	sl_h2_closed(&gc.h2.conns[0]);
}

static const struct sl_h2_io fio = {f_send, f_space, f_consumed, f_close, f_abort};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0";
	static int ready;
	uint8_t *buf;
	size_t n, at, cut;
	struct sl_h2_conn *c;

	if (!ready) {
		if (sl_test_eal_init() != 0)
			abort();
		ready = 1;
	}
	if (size < 1)
		return 0;
	cut = (size_t)(data[0] >> 1) * 13 + 1;
	n = size - 1 + ((data[0] & 1) ? sizeof(preface) - 1 : 0);
	buf = malloc(n + 1);
	if (data[0] & 1) {
		memcpy(buf, preface, sizeof(preface) - 1);
		memcpy(buf + sizeof(preface) - 1, data + 1, size - 1);
	} else {
		memcpy(buf, data + 1, size - 1);
	}
	now = rte_rdtsc();
	sl_timer_wheel_init(&wheel, &(struct sl_timer_wheel_conf){.tsc_hz = rte_get_tsc_hz(),
	                                                          .tick_us = 1000},
	                    now);
	if (sl_grpc_core_init(&gc, &conf, ctr, &wheel, &now, 1, 64, false, NULL,
	                      SL_DURABILITY_RECEIVED) != 0)
		abort();
	dead = 0;
	c = sl_h2_accept(&gc.h2, 0, &gc, &fio);
	if (c == NULL)
		abort();
	sl_h2_flush(c);
	for (at = 0; at < n && c->t != NULL && !dead; at += cut) {
		size_t k = n - at < cut ? n - at : cut;
		struct rte_mbuf *m;

		if (k > 1500)
			k = 1500, cut = 1500;
		m = sl_test_mbuf(buf + at, k);
		if (m == NULL)
			abort();
		sl_h2_input(c, m, 0, (uint32_t)k);
		if (c->s != NULL && c->mem > conf.conn_mem_bytes)
			abort(); /* the per-connection bound was passed */
		now += rte_get_tsc_hz() / 4;
		sl_timer_wheel_run(&wheel, now);
		sl_grpc_poll(&gc);
	}
	if (c->t != NULL)
		sl_h2_closed(c);
	if (gc.h2.arena.live != 0 || gc.h2.free_n != gc.h2.n_chunks ||
	    sl_test_pool_in_use() != 0) {
		/* leaked arena bytes, slice chunks or mbufs */
		fprintf(stderr, "leak: arena %zu bytes, chunks %u of %u free, mbufs %u\n",
		        gc.h2.arena.live, gc.h2.free_n, gc.h2.n_chunks, sl_test_pool_in_use());
		abort();
	}
	sl_grpc_core_fini(&gc);
	free(buf);
	return 0;
}
