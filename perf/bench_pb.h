/* SPDX-License-Identifier: BSD-3-Clause */
/* Building OTLP attributes with protobuf-c for the benchmarks' generated requests. */
#ifndef SL_BENCH_PB_H
#define SL_BENCH_PB_H

#include <stdint.h>

#include "opentelemetry/proto/common/v1/common.pb-c.h"
#include "opentelemetry/proto/trace/v1/trace.pb-c.h"

#define PB(x) Opentelemetry__Proto__##x

/* kv = {k: string s}, with v as its value (both caller storage). */
static inline PB(Common__V1__KeyValue) *
bench_kv_str(PB(Common__V1__KeyValue) *kv, PB(Common__V1__AnyValue) *v, const char *k,
             const char *s)
{
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	kv->key = (char *)k;
	kv->value = v;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_STRING_VALUE;
	v->string_value = (char *)s;
	return kv;
}

/* kv = {k: int i}, with v as its value (both caller storage). */
static inline PB(Common__V1__KeyValue) *
bench_kv_int(PB(Common__V1__KeyValue) *kv, PB(Common__V1__AnyValue) *v, const char *k, int64_t i)
{
	opentelemetry__proto__common__v1__key_value__init(kv);
	opentelemetry__proto__common__v1__any_value__init(v);
	kv->key = (char *)k;
	kv->value = v;
	v->value_case = OPENTELEMETRY__PROTO__COMMON__V1__ANY_VALUE__VALUE_INT_VALUE;
	v->int_value = i;
	return kv;
}

/* Attributes bench_span_init gives every span. */
#define BENCH_SPAN_ATTRS 5

/*
 * The benchmarks' span: an HTTP server span of ~250 bytes, ids from ids
 * (trace 16, span 8, parent 8 bytes), times offset by i, status st, and
 * BENCH_SPAN_ATTRS attributes in kv/av/k (caller storage, room for them; a
 * caller may append more to k and raise n_attributes).
 */
static inline void
bench_span_init(PB(Trace__V1__Span) *s, PB(Common__V1__KeyValue) *kv,
                PB(Common__V1__AnyValue) *av, PB(Common__V1__KeyValue) **k, uint8_t *ids,
                uint64_t i, PB(Trace__V1__Status) *st)
{
	unsigned int a = 0;

	opentelemetry__proto__trace__v1__span__init(s);
	s->trace_id.data = ids;
	s->trace_id.len = 16;
	s->span_id.data = ids + 16;
	s->span_id.len = 8;
	s->parent_span_id.data = ids + 24;
	s->parent_span_id.len = 8;
	s->name = "GET /api/v1/orders/{id}";
	s->kind = OPENTELEMETRY__PROTO__TRACE__V1__SPAN__SPAN_KIND__SPAN_KIND_SERVER;
	s->start_time_unix_nano = 1700000000000000000ull + i;
	s->end_time_unix_nano = 1700000000000250000ull + i;
	s->flags = 0x101;
	k[a] = bench_kv_str(&kv[a], &av[a], "http.request.method", "GET"), a++;
	k[a] = bench_kv_str(&kv[a], &av[a], "http.route", "/api/v1/orders/{id}"), a++;
	k[a] = bench_kv_int(&kv[a], &av[a], "http.response.status_code", 200), a++;
	k[a] = bench_kv_str(&kv[a], &av[a], "server.address", "orders.shop.svc"), a++;
	k[a] = bench_kv_str(&kv[a], &av[a], "url.scheme", "https"), a++;
	s->n_attributes = a;
	s->attributes = k;
	s->status = st;
}

#endif /* SL_BENCH_PB_H */
