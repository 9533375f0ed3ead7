/* SPDX-License-Identifier: BSD-3-Clause */
/* sluice-gen's run report: counters merged across threads, written as JSON or a CSV row. */
#ifndef SL_GEN_REPORT_H
#define SL_GEN_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "report_types.h"

/* Empty counts (the latency histogram included). */
void sl_gen_counts_reset(struct sl_gen_counts *c);

/* Add src to dst (backlog_max: the larger; the rest: sums). */
void sl_gen_counts_merge(struct sl_gen_counts *dst, const struct sl_gen_counts *src);

/* Errors of any kind: non-2xx responses, timeouts, protocol errors, requests given up. */
uint64_t sl_gen_counts_errors(const struct sl_gen_counts *c);

/*
 * Count one finished gRPC call into c. status is the HTTP/2 :status (0: the
 * stream was reset before any answer: a protocol error, no latency),
 * grpc_status the trailers' code (-1: none). OK is :status 200 with
 * grpc-status 0 (ok, items += items); another :status goes to by_status,
 * another gRPC code or none to by_grpc_status (unknown codes and none in
 * the OTHER slot). Records latency_ns for every answer. Returns true for OK.
 */
bool sl_gen_counts_grpc(struct sl_gen_counts *c, uint16_t status, int grpc_status, uint32_t items,
                        uint64_t latency_ns);

/*
 * Write r as one JSON object (and a newline) to f:
 *   params{..., proto, streams, ...}, elapsed_s, requests, items, bytes,
 *   throughput{requests_per_s, items_per_s, bytes_per_s},
 *   latency_us{p50, p95, p99, p999, max, mean},
 *   errors{total, by_status{"503": n, ...}, by_grpc_status{"14": n, "other": n},
 *          timeouts, protocol, failed},
 *   retries, connection_failures, reconnects, open_loop{backlog_max, backlog_end},
 *   target{instance, pid, cpu_s, cpu_user_s, cpu_sys_s, items, requests, busy_cycles,
 *          idle_cycles, busy_pct, busy_cycles_per_item, busy_cycles_per_request,
 *          rx_packets, tx_packets, busy_cycles_per_packet, cpu_cycles_per_item,
 *          user_cycles_per_item, cores[...]} (only when r->target is set).
 * "requests" and "items" count requests answered 2xx. Returns 0 or -EIO.
 */
int sl_gen_report_json(const struct sl_gen_report *r, FILE *f);

/* The CSV header line: the same fields as a row, flattened (latency_us_p50, ...). */
int sl_gen_report_csv_header(FILE *f);

/*
 * One CSV row of r (RFC 4180 quoting). errors_by_status is "code:count" pairs
 * joined with ';'; target columns are empty without a target. Returns 0 or -EIO.
 */
int sl_gen_report_csv_row(const struct sl_gen_report *r, FILE *f);

/*
 * Append r's row to the CSV file at path, writing the header first when the
 * file is new or empty. -EPROTO if the file starts with another header (a
 * file of an older sluice-gen: rows must line up); -errno otherwise.
 */
int sl_gen_report_csv_append(const struct sl_gen_report *r, const char *path);

#endif /* SL_GEN_REPORT_H */
