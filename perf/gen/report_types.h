/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of sluice-gen's run report: parameters, counters, the target's CPU. */
#ifndef SL_GEN_REPORT_TYPES_H
#define SL_GEN_REPORT_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hist_types.h"
#include "proto/otlp_types.h"

/* Status codes are counted in an array indexed by code: 100..599 (RFC 9110 15). */
#define SL_GEN_STATUS_MAX 600
/*
 * gRPC status codes are counted by code 0..16 (OK..UNAUTHENTICATED); the
 * last slot holds answers with an unknown code or none at all.
 */
#define SL_GEN_GRPC_STATUS_MAX   18
#define SL_GEN_GRPC_STATUS_OTHER (SL_GEN_GRPC_STATUS_MAX - 1)
/* Poll cores of the target whose counters a report lists (the dataplane allows 32). */
#define SL_GEN_TARGET_CORES_MAX 32

/* How the run was set up: everything that makes two runs comparable. */
struct sl_gen_params {
	const char *label;    /* free text naming the run (may be NULL) */
	const char *mode;     /* "socket" or "dpdk" */
	const char *endpoint; /* http://host:port */
	const char *proto;    /* "http" (OTLP/HTTP/1.1) or "grpc" (OTLP/gRPC over h2c) */
	uint32_t streams;     /* gRPC: concurrent calls per connection (http: 1) */
	enum sl_signal signal;
	uint32_t items_per_request;
	uint32_t resources;
	uint32_t attrs;
	uint32_t value_len;
	uint32_t services;
	uint32_t hosts;
	bool gzip;
	int gzip_level;
	bool json_body;
	uint32_t variants; /* pre-rendered bodies (0: fresh ids every request) */
	uint32_t threads;
	uint32_t connections;
	double rate;       /* requests/s of the open loop; 0: closed loop */
	double duration_s; /* measured time */
	double ramp_s;     /* warm-up before it, not measured */
	size_t body_bytes; /* uncompressed body of one request */
};

/*
 * What one sending thread counted in the measured window; threads' counts
 * are merged with sl_gen_counts_merge(). Fixed size, no pointers.
 */
struct sl_gen_counts {
	uint64_t sent;                /* requests (gRPC calls) written completely */
	uint64_t responses;           /* responses read, any status */
	uint64_t ok;                  /* 2xx responses (gRPC: 200 with grpc-status 0) */
	uint64_t items;               /* items in requests answered 2xx (gRPC: OK) */
	uint64_t bytes;               /* request bytes written: heads and (compressed) bodies */
	uint64_t timeouts;            /* no response within the request timeout */
	uint64_t protocol_errors;     /* responses that are not HTTP/1.x; gRPC: streams reset */
	uint64_t failed;              /* requests given up after the retries */
	uint64_t retries;             /* requests sent again after their connection failed */
	uint64_t connection_failures; /* connects that failed, connections lost mid-request */
	uint64_t reconnects;  /* connections the server closed in order (Connection: close) */
	uint64_t backlog_max; /* open loop: most requests due and not yet sent */
	uint64_t backlog_end; /* open loop: requests due but unsent at the end */
	uint64_t drained;       /* --drain: responses read after the window (not in throughput) */
	uint64_t drained_items; /* --drain: items of those answered 2xx */
	uint64_t by_status[SL_GEN_STATUS_MAX]; /* responses other than 2xx, by code */
	/* gRPC: answers with :status 200 and a grpc-status other than 0, by code */
	uint64_t by_grpc_status[SL_GEN_GRPC_STATUS_MAX];
	struct sl_hist lat; /* response latency, ns (open loop: from the intended send) */
};

/* The target dataplane's counters over the measured window (sluice-gen --target-instance). */
struct sl_gen_target {
	char instance[32];
	int pid;
	uint64_t tsc_hz;
	double cpu_s;        /* the process's user + system CPU seconds (/proc/PID/stat) */
	double cpu_user_s;   /* of which in user mode (the dataplane's code, the PMD, polling) */
	double cpu_sys_s;    /* and in the kernel (tap syscalls, signals, the peer's TCP on tx) */
	uint64_t items;      /* spans, points or records of the run's signal, all cores */
	uint64_t requests;   /* valid OTLP requests of the run's signal */
	uint64_t busy;       /* busy cycles, all poll cores */
	uint64_t idle;       /* idle cycles, all poll cores */
	uint64_t rx_packets; /* packets received from the port, all poll cores */
	uint64_t tx_packets; /* packets handed to the port */
	uint32_t n_cores;
	struct {
		uint32_t lcore;
		uint64_t busy, idle, items, requests;
	} core[SL_GEN_TARGET_CORES_MAX];
};

/* One run, as written to JSON and CSV. */
struct sl_gen_report {
	struct sl_gen_params params;
	double elapsed_s; /* measured window, s */
	const struct sl_gen_counts *c;
	const struct sl_gen_target *target; /* NULL: not measured */
};

#endif /* SL_GEN_REPORT_TYPES_H */
