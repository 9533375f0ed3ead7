/* SPDX-License-Identifier: BSD-3-Clause */
/* Types of sluice-gen's DPDK mode: what the command line hands the run. */
#ifndef SL_GEN_DPDK_TYPES_H
#define SL_GEN_DPDK_TYPES_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct sl_gen_profile;
struct sl_gen_h2_conf;

/* Which moment of the run a mark hook is called at. */
enum sl_gen_mark {
	SL_GEN_MARK_MEASURE, /* the measured window begins (after the ramp) */
	SL_GEN_MARK_END,     /* it ends */
};

typedef void (*sl_gen_mark_fn)(void *arg, enum sl_gen_mark which);

/* What the run sends. */
enum sl_gen_run {
	SL_GEN_RUN_OTLP,    /* OTLP/HTTP requests (the default) */
	SL_GEN_RUN_FLOOD,   /* rx-only: 60-byte UDP frames to port 9 as fast as the port takes */
	SL_GEN_RUN_DISCARD, /* TCP goodput: a byte stream on each connection, no HTTP */
};

/* Huge pages: as the dataplane's dataplane.huge. */
enum sl_gen_huge { SL_GEN_HUGE_AUTO, SL_GEN_HUGE_ON, SL_GEN_HUGE_OFF };

struct sl_gen_dpdk_conf {
	/* EAL and port */
	const char *vdev;         /* full EAL --vdev string; NULL: memif on memif_socket */
	const char *memif_socket; /* memif control socket (the appliance is the server) */
	bool memif_server;        /* take the memif server role instead of client */
	const char *file_prefix;  /* EAL --file-prefix; NULL: sluice-gen-<pid> */
	unsigned int lcore;       /* the one lcore the generator runs on */
	uint32_t memory_mb;       /* EAL -m; 0: sized from connections and mbufs */
	uint32_t mbufs;           /* packet pool; 0: sized from connections */
	enum sl_gen_huge huge;
	const char *huge_dir; /* hugetlbfs mount for --huge-dir (NULL: EAL's choice) */
	uint32_t src_ip;      /* our first address, network byte order */
	uint8_t src_prefix;
	uint32_t n_src_ips; /* consecutive source addresses; 0: as many as connections need */
	uint32_t dst_ip;    /* the target, network byte order (same subnet: ARP) */
	uint16_t dst_port;  /* network byte order */
	enum sl_gen_run run;
	/* load, as in socket mode */
	uint32_t connections;
	double rate; /* open loop requests/s; 0: closed loop */
	double duration_s;
	double ramp_s;
	double drain_s; /* after the window: wait this long for requests in flight */
	uint32_t timeout_ms;
	uint32_t retries;
	uint32_t variants;
	uint64_t seed;
	const struct sl_gen_profile *prof;
	const char *head_prefix; /* request head up to "Content-Length: " */
	size_t head_prefix_len;
	const struct sl_gen_h2_conf *h2; /* OTLP/gRPC calls (h2_client.h); NULL: OTLP/HTTP */
	/* hooks */
	atomic_bool *stop;   /* set by a signal handler: end early */
	sl_gen_mark_fn mark; /* called on the lcore at the window's start and end; may be NULL */
	void *mark_arg;
	bool quiet; /* no progress lines on stderr */
};

#endif /* SL_GEN_DPDK_TYPES_H */
