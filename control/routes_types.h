/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of the dynamic configuration sluice-control owns: routes, faults, tenants, limits. */
#ifndef SL_ROUTES_TYPES_H
#define SL_ROUTES_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "table_image.h"

#define SL_DYN_VAL_LEN   128 /* attribute values and globs; exact/prefix beyond 64 never match */
#define SL_DYN_KEY_LEN   65  /* = SL_OTLP_KEY_MAX + NUL */
#define SL_DYN_PATH_LEN  256
#define SL_DYN_TOKEN_LEN 128
#define SL_DYN_TOKENS    16  /* bearer tokens per tenant */
#define SL_DYN_ERR_LEN   512

enum sl_dyn_attr_kind {
	SL_DYN_EXACT,
	SL_DYN_PREFIX,
	SL_DYN_GLOB,
	SL_DYN_EXISTS,
};

struct sl_dyn_attr {
	char key[SL_DYN_KEY_LEN];
	uint8_t kind; /* enum sl_dyn_attr_kind */
	char value[SL_DYN_VAL_LEN];
};

struct sl_dyn_match {
	uint32_t signals;             /* 1 << enum sl_signal; 0: any */
	char tenant[SL_TBL_NAME_LEN]; /* empty: any */
	bool has_source;
	uint8_t plen;
	uint8_t addr[16];             /* ::ffff:a.b.c.d for IPv4 */
	char source[64];              /* as written */
	uint16_t port;                /* 0: any */
	uint32_t n_attrs;
	struct sl_dyn_attr attrs[SL_TBL_MAX_CONDS];
};

struct sl_dyn_route {
	char name[SL_TBL_NAME_LEN];
	int32_t priority; /* larger first; ties in file order */
	bool is_default;
	struct sl_dyn_match match;
	uint32_t n_sinks;
	char sinks[SL_TBL_MAX_SINKS][SL_DYN_PATH_LEN];
	bool drop;
	double sample;        /* share kept, (0, 1]; 1: no sampling */
	uint32_t durability;  /* enum sl_tbl_durability */
	uint32_t tenant_rate; /* items/s per tenant; 0: none */
	uint32_t tenant_burst;
	uint32_t line;        /* where it was read (0: from a command) */
};

struct sl_dyn_fault {
	char name[SL_TBL_NAME_LEN];
	struct sl_dyn_match match;
	double probability;
	uint32_t kind; /* enum sl_tbl_fault_kind */
	uint64_t delay_min_ns, delay_max_ns;
	uint32_t status;
	uint32_t retry_after_s;
	uint32_t rate, burst;
	double partial;
	uint64_t ttl_ns;          /* as given */
	uint64_t expires_unix_ns; /* absolute: set when the fault is added or loaded */
	uint32_t line;
};

struct sl_dyn_tenant {
	char name[SL_TBL_NAME_LEN];
	uint32_t rate, burst;
	uint32_t n_tokens;
	char tokens[SL_DYN_TOKENS][SL_DYN_TOKEN_LEN];
	uint32_t line;
};

struct sl_dyn_limits {
	char tenant_header[64]; /* lower case; empty: tenants come from tokens only */
	uint32_t retry_after_s; /* of rate-limit 429s */
};

/* The whole dynamic part. Large (about 2 MiB): allocate it, never on the stack. */
struct sl_dyn {
	uint32_t n_routes, n_faults, n_tenants;
	struct sl_dyn_route routes[SL_TBL_MAX_ROUTES];
	struct sl_dyn_fault faults[SL_TBL_MAX_FAULTS];
	struct sl_dyn_tenant tenants[SL_TBL_MAX_TENANTS - 1];
	struct sl_dyn_limits limits;
};

#endif /* SL_ROUTES_TYPES_H */
