/* SPDX-License-Identifier: BSD-3-Clause */
/* Building OTLP attributes with protobuf-c for the benchmarks' generated requests. */
#ifndef SL_BENCH_PB_H
#define SL_BENCH_PB_H

#include <stdint.h>

#include "opentelemetry/proto/common/v1/common.pb-c.h"

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

#endif /* SL_BENCH_PB_H */
