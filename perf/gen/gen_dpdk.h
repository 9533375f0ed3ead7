/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen's DPDK mode: its own EAL, a memif (or any vdev) port, ARP and the project's TCP. */
#ifndef SL_GEN_DPDK_H
#define SL_GEN_DPDK_H

#include <stddef.h>

#include "gen_dpdk_types.h"
#include "report_types.h"

/*
 * Run one load test in DPDK mode: initialise the EAL (one lcore, its own
 * file prefix, no files left behind), bring the port up, resolve the
 * target's MAC by ARP, open conf->connections TCP connections and send
 * OTLP/HTTP requests for ramp + duration seconds (then drain), counting
 * into *out and setting *elapsed_s to the measured window. Tears the EAL
 * down before returning. Returns 0, or a negative errno with a one-line
 * reason in err. Callable once per process (DPDK's EAL cannot restart).
 */
int sl_gen_dpdk_run(const struct sl_gen_dpdk_conf *conf, struct sl_gen_counts *out,
                    double *elapsed_s, char *err, size_t errlen);

#endif /* SL_GEN_DPDK_H */
