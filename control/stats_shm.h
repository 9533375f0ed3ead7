/* SPDX-License-Identifier: BSD-3-Clause */
/* Layout of the shared-memory stats region the dataplane publishes and other processes read. */
#ifndef SL_STATS_SHM_H
#define SL_STATS_SHM_H

/*
 * The region is a plain POSIX shared-memory file, /dev/shm/sluice.<instance>.stats,
 * so readers (sluicectl, sluice-control, a test script) need no DPDK.
 *
 *   +---------------------+ 0
 *   | struct sl_stats_hdr |  magic, version, geometry, pid, heartbeat
 *   +---------------------+ names_off
 *   | names[n_counters]   |  SL_STATS_NAME_LEN each: counter names, then
 *   | names[n_drops]      |  drop reason names (Prometheus-shaped)
 *   +---------------------+ ports_off
 *   | sl_stats_port[n]    |  per port: identity + ethdev stats (main lcore)
 *   +---------------------+ cores_off
 *   | sl_stats_core[n]    |  per poll core, then per flush worker, core_stride apart
 *   +---------------------+ total_size
 *
 * Ownership: each poll core counts into its own private cache-aligned array
 * and copies it into its sl_stats_core block every stats_interval_ms, under a
 * sequence count (odd while writing). Readers retry on a changed or odd count.
 * Copying, rather than counting in place, keeps readers' loads from pulling
 * the fast path's hot lines into shared state; it costs ~21 KiB of stores per
 * core per interval (0.5 KiB of enum counters, the rest the named-counter
 * table and histograms: ~0.2 MB/s per core at 100 ms). The main lcore writes
 * the header heartbeat and ports.
 *
 * The names travel in the region so a reader built from another revision
 * still prints every counter; SL_STATS_VERSION changes only when the structs
 * below change shape.
 */

#include <stdint.h>

#define SL_STATS_MAGIC    0x535441545345554cULL /* "LUESTATS" little-endian */
#define SL_STATS_VERSION  3
#define SL_STATS_NAME_LEN 64

/*
 * Per-core counters: X(ENUM, prometheus_name, help). Names follow STYLE rule 9;
 * the enum is SL_CTR_<ENUM>.
 */
#define SL_CORE_COUNTERS(X)                                                                        \
	X(RX_PACKETS, "sluice_rx_packets_total", "packets received from the port")                 \
	X(RX_BYTES, "sluice_rx_bytes_total", "bytes received, Ethernet header included")           \
	X(TX_PACKETS, "sluice_tx_packets_total", "packets handed to the port")                     \
	X(TX_BYTES, "sluice_tx_bytes_total", "bytes handed to the port")                           \
	X(RX_BURSTS, "sluice_rx_bursts_total", "non-empty receive bursts")                         \
	X(LOOPS, "sluice_core_loops_total", "poll loop iterations")                                \
	X(BUSY_CYCLES, "sluice_core_busy_cycles_total", "TSC cycles in iterations that had work")  \
	X(IDLE_CYCLES, "sluice_core_idle_cycles_total", "TSC cycles in empty iterations")          \
	X(ARP_REQUESTS_IN, "sluice_arp_requests_received_total", "ARP requests for our address")   \
	X(ARP_REPLIES_IN, "sluice_arp_replies_received_total", "ARP replies received")             \
	X(ARP_REPLIES_OUT, "sluice_arp_replies_sent_total", "ARP replies sent")                    \
	X(ARP_GRATUITOUS_OUT, "sluice_arp_gratuitous_sent_total", "gratuitous ARPs sent")          \
	X(ARP_LEARNED, "sluice_arp_entries_learned_total", "ARP cache insertions and refreshes")   \
	X(ARP_EVICTED, "sluice_arp_entries_evicted_total", "ARP entries replaced while valid")     \
	X(IPV4_IN, "sluice_ipv4_packets_received_total", "valid IPv4 packets for us")              \
	X(ICMP_ECHO_IN, "sluice_icmp_echo_requests_received_total", "ICMP echo requests")          \
	X(ICMP_ECHO_OUT, "sluice_icmp_echo_replies_sent_total", "ICMP echo replies sent")          \
	X(TCP_CONNS, "sluice_tcp_connections", "gauge: connections in the table now")              \
	X(TCP_OOO_HELD, "sluice_tcp_out_of_order_held", "gauge: segments in out-of-order queues")  \
	X(TIMERS, "sluice_timers_pending", "gauge: timers armed on the core's wheel")              \
	X(TCP_RX_SEGMENTS, "sluice_tcp_segments_received_total", "TCP segments received")          \
	X(TCP_TX_SEGMENTS, "sluice_tcp_segments_sent_total", "TCP segments sent")                  \
	X(TCP_RX_BYTES, "sluice_tcp_payload_bytes_received_total", "in-order payload to apps")     \
	X(TCP_SYN_IN, "sluice_tcp_syns_received_total", "SYNs to a listener")                      \
	X(TCP_OPENED, "sluice_tcp_connections_opened_total", "handshakes completed")               \
	X(TCP_CLOSED, "sluice_tcp_connections_closed_total", "orderly closes (FIN both ways)")     \
	X(TCP_RESET_IN, "sluice_tcp_connections_reset_total", "connections reset by the peer")     \
	X(TCP_ABORTED, "sluice_tcp_connections_aborted_total", "connections we aborted (RST)")     \
	X(TCP_TIMEOUTS, "sluice_tcp_connections_timed_out_total", "retransmission/idle timeouts")  \
	X(TCP_REFUSED, "sluice_tcp_connections_refused_total", "handshakes the app refused")       \
	X(TCP_RST_OUT, "sluice_tcp_resets_sent_total", "RST segments sent")                        \
	X(TCP_RETRANSMITS, "sluice_tcp_retransmits_total", "segments sent again")                  \
	X(TCP_FAST_RETRANSMITS, "sluice_tcp_fast_retransmits_total", "after 3 duplicate ACKs")     \
	X(TCP_DUP_ACKS, "sluice_tcp_duplicate_acks_received_total", "duplicate ACKs received")     \
	X(TCP_OOO_SEGMENTS, "sluice_tcp_out_of_order_segments_total", "segments queued ahead")     \
	X(TCP_DUP_BYTES, "sluice_tcp_duplicate_bytes_total", "payload bytes received twice")       \
	X(TCP_SYNCOOKIES_SENT, "sluice_tcp_syncookies_sent_total", "SYN-ACKs carrying a cookie")   \
	X(TCP_SYNCOOKIES_OK, "sluice_tcp_syncookies_validated_total", "cookie ACKs accepted")      \
	X(TCP_SYNCOOKIES_BAD, "sluice_tcp_syncookies_failed_total", "ACKs with a bad cookie")      \
	X(TCP_ZERO_WINDOW, "sluice_tcp_zero_window_total", "times we advertised a zero window")    \
	X(TCP_WINDOW_UPDATES, "sluice_tcp_window_updates_sent_total", "window reopened to a peer") \
	X(TCP_WINDOW_PROBES, "sluice_tcp_window_probes_sent_total", "persist probes sent")         \
	X(TCP_CHALLENGE_ACKS, "sluice_tcp_challenge_acks_sent_total", "RFC 5961 challenge ACKs")   \
	X(HTTP_REQUESTS, "sluice_http_requests_total", "HTTP requests whose head was parsed")             \
	X(HTTP_PARSE_ERRORS, "sluice_http_parse_errors_total", "requests rejected by the HTTP parser")    \
	X(HTTP_TIMEOUTS, "sluice_http_timeouts_total", "head or body read timeouts (408)")                \
	X(HTTP_CONTINUE, "sluice_http_continue_sent_total", "100 Continue interim responses")             \
	X(HTTP_BODY_OVERFLOW, "sluice_http_body_slices_exhausted_total", "body slice pool ran out (503)") \
	X(HTTP_GZIP, "sluice_http_gzip_requests_total", "requests with Content-Encoding gzip")            \
	X(HTTP_DEFLATE, "sluice_http_deflate_requests_total", "requests with Content-Encoding deflate")   \
	X(HTTP_ZSTD, "sluice_http_zstd_requests_total", "requests with Content-Encoding zstd")            \
	X(HTTP_JSON, "sluice_http_json_requests_total", "OTLP/JSON requests transcoded")                  \
	X(HTTP_200, "sluice_http_responses_200_total", "responses with status 200")                       \
	X(HTTP_400, "sluice_http_responses_400_total", "responses with status 400")                       \
	X(HTTP_404, "sluice_http_responses_404_total", "responses with status 404")                       \
	X(HTTP_405, "sluice_http_responses_405_total", "responses with status 405")                       \
	X(HTTP_408, "sluice_http_responses_408_total", "responses with status 408")                       \
	X(HTTP_413, "sluice_http_responses_413_total", "responses with status 413")                       \
	X(HTTP_414, "sluice_http_responses_414_total", "responses with status 414")                       \
	X(HTTP_415, "sluice_http_responses_415_total", "responses with status 415")                       \
	X(HTTP_429, "sluice_http_responses_429_total", "responses with status 429")                       \
	X(HTTP_431, "sluice_http_responses_431_total", "responses with status 431")                       \
	X(HTTP_500, "sluice_http_responses_500_total", "responses with status 500")                       \
	X(HTTP_501, "sluice_http_responses_501_total", "responses with status 501")                       \
	X(HTTP_503, "sluice_http_responses_503_total", "responses with status 503")                       \
	X(HTTP_505, "sluice_http_responses_505_total", "responses with status 505")                       \
	X(OTLP_TRACES_REQ, "sluice_otlp_trace_requests_total", "valid trace export requests")             \
	X(OTLP_METRICS_REQ, "sluice_otlp_metric_requests_total", "valid metric export requests")          \
	X(OTLP_LOGS_REQ, "sluice_otlp_log_requests_total", "valid log export requests")                   \
	X(OTLP_SPANS, "sluice_otlp_spans_received_total", "spans in valid requests")                      \
	X(OTLP_POINTS, "sluice_otlp_data_points_received_total", "metric data points in valid requests")  \
	X(OTLP_LOGS, "sluice_otlp_log_records_received_total", "log records in valid requests")           \
	X(OTLP_RESOURCES, "sluice_otlp_resources_received_total", "Resource entries in valid requests")   \
	X(OTLP_BYTES, "sluice_otlp_bytes_received_total", "protobuf bytes of valid requests")             \
	X(OTLP_INVALID, "sluice_otlp_invalid_requests_total", "bodies that are not valid OTLP (400)")     \
	X(IMPAIR_RX_DROPPED, "sluice_impair_rx_dropped_total", "shim: received packets dropped")   \
	X(IMPAIR_RX_DUPLICATED, "sluice_impair_rx_duplicated_total", "shim: received duplicated")  \
	X(IMPAIR_RX_REORDERED, "sluice_impair_rx_reordered_total", "shim: received held back")     \
	X(IMPAIR_RX_CORRUPTED, "sluice_impair_rx_corrupted_total", "shim: received bit-flipped")   \
	X(IMPAIR_TX_DROPPED, "sluice_impair_tx_dropped_total", "shim: sent packets dropped")       \
	X(IMPAIR_TX_DUPLICATED, "sluice_impair_tx_duplicated_total", "shim: sent duplicated")      \
	X(IMPAIR_TX_REORDERED, "sluice_impair_tx_reordered_total", "shim: sent held back")         \
	X(IMPAIR_TX_CORRUPTED, "sluice_impair_tx_corrupted_total", "shim: sent bit-flipped")     \
	X(PIPE_REQUESTS, "sluice_pipeline_requests_queued_total", "requests put in batches")       \
	X(PIPE_ITEMS, "sluice_pipeline_items_queued_total", "items put in batches")                \
	X(PIPE_BYTES, "sluice_pipeline_bytes_queued_total", "raw OTLP bytes put in batches")       \
	X(PIPE_COPIED_BYTES, "sluice_pipeline_copied_bytes_total", "bytes copied into copy buffers") \
	X(PIPE_SEALED, "sluice_pipeline_batches_sealed_total", "batches handed to flush workers")  \
	X(PIPE_SEAL_SIZE, "sluice_pipeline_seals_size_total", "seals: raw bytes reached seal_bytes") \
	X(PIPE_SEAL_ITEMS, "sluice_pipeline_seals_items_total", "seals: items reached seal_items") \
	X(PIPE_SEAL_SLICES, "sluice_pipeline_seals_slices_total", "seals: slice room ran out")     \
	X(PIPE_SEAL_AGE, "sluice_pipeline_seals_age_total", "seals: oldest request reached seal_age_ms") \
	X(PIPE_SEAL_IDLE, "sluice_pipeline_seals_idle_total", "seals: idle core, a response waits") \
	X(PIPE_DONE, "sluice_pipeline_batches_completed_total", "batches back from flush workers") \
	X(PIPE_FAILED, "sluice_pipeline_batches_failed_total", "batches a flush worker could not write") \
	X(PIPE_ACK_RECEIVED, "sluice_pipeline_acks_received_total", "requests answered once queued") \
	X(PIPE_ACK_PERSISTED, "sluice_pipeline_acks_persisted_total", "requests answered once synced") \
	X(PIPE_PERSIST_TIMEOUT, "sluice_pipeline_persist_timeouts_total", "persisted requests answered 503: too slow") \
	X(PIPE_PERSIST_FAILED, "sluice_pipeline_persist_failures_total", "persisted requests answered 503: write failed") \
	X(PIPE_REFUSED_PRESSURE, "sluice_pipeline_refused_pressure_total", "requests refused 503 at their head: near the bound") \
	X(PIPE_REFUSED_INFLIGHT, "sluice_pipeline_refused_inflight_total", "requests refused 503: bytes in flight") \
	X(PIPE_REFUSED_BATCHES, "sluice_pipeline_refused_batches_total", "requests refused 503: no batch descriptor or ring room") \
	X(PIPE_REFUSED_PENDING, "sluice_pipeline_refused_pending_total", "requests refused 503: deferred-response slots") \
	X(PIPE_REFUSED_COPYBUF, "sluice_pipeline_refused_copy_buffers_total", "requests refused 503: copy buffers") \
	X(PIPE_RING_FULL, "sluice_pipeline_ring_full_total", "seals postponed: every flush ring full") \
	X(PIPE_STALLS, "sluice_pipeline_input_stalls_total", "times a connection's input was held (window closes)") \
	X(PIPE_INFLIGHT_BYTES, "sluice_pipeline_inflight_bytes", "gauge: buffer bytes held by batches") \
	X(PIPE_INFLIGHT_PEAK, "sluice_pipeline_inflight_bytes_peak", "gauge: highest inflight_bytes since start") \
	X(PIPE_INFLIGHT_BATCHES, "sluice_pipeline_inflight_batches", "gauge: batches open or being flushed") \
	X(PIPE_PENDING, "sluice_pipeline_pending_responses", "gauge: responses waiting for durability") \
	X(FLUSH_BATCHES, "sluice_flush_batches_total", "flush worker: batches taken from rings")   \
	X(FLUSH_RECORDS, "sluice_flush_records_total", "flush worker: records appended")           \
	X(FLUSH_ITEMS, "sluice_flush_items_total", "flush worker: items in records appended")      \
	X(FLUSH_RAW_BYTES, "sluice_flush_raw_bytes_total", "flush worker: OTLP bytes compressed")  \
	X(FLUSH_COMP_BYTES, "sluice_flush_compressed_bytes_total", "flush worker: zstd bytes written") \
	X(FLUSH_SYNCS, "sluice_flush_syncs_total", "flush worker: group commits (fdatasync)")      \
	X(FLUSH_ERRORS, "sluice_flush_errors_total", "flush worker: batches not written (compress or write error)") \
	X(FLUSH_COMPRESS_CYCLES, "sluice_flush_compress_cycles_total", "flush worker: TSC cycles in zstd") \
	X(FLUSH_WRITE_CYCLES, "sluice_flush_write_cycles_total", "flush worker: TSC cycles in write") \
	X(FLUSH_SYNC_CYCLES, "sluice_flush_sync_cycles_total", "flush worker: TSC cycles in fdatasync") \
	X(FLUSH_DELAY_CYCLES, "sluice_flush_test_delay_cycles_total", "flush worker: TSC cycles in test.flush_delay_ms") \
	X(FLUSH_TORN_TAILS, "sluice_flush_torn_tails_total", "store: torn records cut at start")  \
	X(FLUSH_TORN_BYTES, "sluice_flush_torn_bytes_total", "store: bytes cut at start")         \
	X(FLUSH_ROTATIONS, "sluice_flush_rotations_total", "store: new segment files")            \
	X(FLUSH_RETAIN_FILES, "sluice_flush_retention_deleted_files_total", "store: files deleted by retention") \
	X(FLUSH_DURABLE_POS, "sluice_flush_durable_position", "gauge: store position synced") \
	X(GRPC_CONNS, "sluice_grpc_connections_total", "gRPC: HTTP/2 connections accepted") \
	X(GRPC_STREAMS, "sluice_grpc_streams_total", "gRPC: streams opened by clients") \
	X(GRPC_OK, "sluice_grpc_status_ok_total", "gRPC: answered OK") \
	X(GRPC_INVALID_ARGUMENT, "sluice_grpc_status_invalid_argument_total", "gRPC: answered INVALID_ARGUMENT") \
	X(GRPC_RESOURCE_EXHAUSTED, "sluice_grpc_status_resource_exhausted_total", "gRPC: answered RESOURCE_EXHAUSTED (too large)") \
	X(GRPC_UNAVAILABLE, "sluice_grpc_status_unavailable_total", "gRPC: answered UNAVAILABLE with RetryInfo") \
	X(GRPC_UNIMPLEMENTED, "sluice_grpc_status_unimplemented_total", "gRPC: answered UNIMPLEMENTED (unknown method)") \
	X(GRPC_INTERNAL, "sluice_grpc_status_internal_total", "gRPC: answered INTERNAL") \
	X(GRPC_OTHER, "sluice_grpc_status_other_total", "gRPC: answered another status (fault injection)") \
	X(GRPC_RESET, "sluice_grpc_streams_reset_total", "gRPC: streams reset by a reset fault (RST_STREAM)") \
	X(GRPC_GZIP, "sluice_grpc_gzip_messages_total", "gRPC: gzip messages") \
	X(GRPC_ZSTD, "sluice_grpc_zstd_messages_total", "gRPC: zstd messages") \
	X(GRPC_RST_RECV, "sluice_grpc_rst_stream_received_total", "gRPC: RST_STREAM frames from clients") \
	X(GRPC_REFUSED, "sluice_grpc_streams_refused_total", "gRPC: streams refused (too many open, no slot)") \
	X(GRPC_RAPID_RESET, "sluice_grpc_rapid_reset_total", "gRPC: connections closed for RST_STREAM rate (CVE-2023-44487)") \
	X(GRPC_CONT_FLOOD, "sluice_grpc_continuation_flood_total", "gRPC: connections closed for CONTINUATION floods") \
	X(GRPC_HPACK_BOMB, "sluice_grpc_header_list_too_large_total", "gRPC: connections closed for header lists past the limit") \
	X(GRPC_PING_FLOOD, "sluice_grpc_ping_flood_total", "gRPC: connections closed for PING rate") \
	X(GRPC_SETTINGS_FLOOD, "sluice_grpc_settings_flood_total", "gRPC: connections closed for SETTINGS rate") \
	X(GRPC_STREAM_FLOOD, "sluice_grpc_stream_flood_total", "gRPC: connections closed for too many refused streams") \
	X(GRPC_IDLE_TIMEOUTS, "sluice_grpc_idle_timeouts_total", "gRPC: connections closed idle (GOAWAY)") \
	X(GRPC_STALL_TIMEOUTS, "sluice_grpc_stall_timeouts_total", "gRPC: connections closed with answers stuck (zero window)") \
	X(GRPC_PROTO_ERRORS, "sluice_grpc_protocol_errors_total", "gRPC: connections ended by an HTTP/2 protocol error") \
	X(GRPC_MEM_LIMIT, "sluice_grpc_memory_limit_total", "gRPC: allocations refused (connection or core bound)") \
	X(GRPC_GOAWAY_SENT, "sluice_grpc_goaway_sent_total", "gRPC: GOAWAY frames sent") \
	X(GRPC_WINDOW_HELD, "sluice_grpc_window_held_total", "gRPC: times WINDOW_UPDATE was held back (pressure, buffer bound)") \
	X(GRPC_BUF_OVERFLOW, "sluice_grpc_buffer_overflow_total", "gRPC: messages refused: the core's slice chunks ran out") \
	X(TBL_SWITCHES, "sluice_tables_generation_switches_total", "poll core moved to a new table generation") \
	X(TBL_GEN_MIX, "sluice_tables_generation_mix_total", "requests whose entries saw two generations (must stay 0)") \
	X(TBL_CLASSIFIED, "sluice_tables_classified_requests_total", "requests classified against published tables") \
	X(TBL_STATIC, "sluice_tables_static_requests_total", "requests classified with the static defaults (no tables)") \
	X(ROUTE_DROPPED_ITEMS, "sluice_route_dropped_items_total", "items accepted and discarded by drop routes") \
	X(ROUTE_SAMPLED_OUT, "sluice_route_sampled_out_items_total", "items left out by consistent sampling") \
	X(ROUTE_FILTER_BYTES, "sluice_route_filtered_bytes_total", "bytes re-encoded by the sampling/partial filter") \
	X(ROUTE_SINKS_FULL, "sluice_route_sink_table_full_total", "route sinks not registered (table full): written to store.dir") \
	X(ROUTE_REBIND_SEALS, "sluice_route_rebind_seals_total", "batches sealed because their route changed with the tables") \
	X(TENANT_LIMITED, "sluice_tenant_limited_requests_total", "requests refused 429 by a tenant rate limit") \
	X(TENANT_LIMITED_ITEMS, "sluice_tenant_limited_items_total", "items refused by tenant rate limits") \
	X(FAULT_DELAY, "sluice_fault_delay_fired_total", "fault injection: answers delayed") \
	X(FAULT_ERROR, "sluice_fault_error_fired_total", "fault injection: error answers") \
	X(FAULT_RESET, "sluice_fault_reset_fired_total", "fault injection: connections (gRPC: streams) reset") \
	X(FAULT_THROTTLE, "sluice_fault_throttle_fired_total", "fault injection: requests throttled (429 / RESOURCE_EXHAUSTED)") \
	X(FAULT_PARTIAL, "sluice_fault_partial_fired_total", "fault injection: partial_success answers") \
	X(FAULT_PARTIAL_ITEMS, "sluice_fault_partial_rejected_items_total", "fault injection: items rejected via partial_success") \
	X(FAULT_BLACKHOLE, "sluice_fault_blackhole_fired_total", "fault injection: requests accepted and never answered") \
	X(NAMED_FULL, "sluice_named_counters_full_total", "route/fault/tenant counts lost: the core's named table is full")

/*
 * Drop reasons: X(ENUM, reason label, help). Exported as
 * sluice_dropped_packets_total{reason="<label>"}; the enum is SL_DROP_<ENUM>.
 */
#define SL_DROP_REASONS(X)                                                                         \
	X(ETH_TRUNCATED, "eth_truncated", "frame shorter than an Ethernet header")                 \
	X(ETH_NOT_FOR_US, "eth_not_for_us", "destination MAC neither ours, broadcast nor multicast") \
	X(ETH_UNKNOWN_TYPE, "eth_unknown_type", "ethertype neither IPv4 nor ARP")                  \
	X(ETH_VLAN, "eth_vlan", "VLAN-tagged frame (VLANs are not configured)")                    \
	X(ARP_TRUNCATED, "arp_truncated", "ARP packet shorter than Ethernet/IPv4 ARP")             \
	X(ARP_UNSUPPORTED, "arp_unsupported", "ARP hardware or protocol type not Ethernet/IPv4")   \
	X(ARP_BAD_OPCODE, "arp_bad_opcode", "ARP opcode neither request nor reply")                \
	X(ARP_NOT_FOR_US, "arp_not_for_us", "ARP request for an address that is not ours")         \
	X(ARP_BAD_SENDER, "arp_bad_sender", "ARP sender address broadcast, multicast or zero MAC") \
	X(IPV4_TRUNCATED, "ipv4_truncated", "shorter than an IPv4 header or its total length")     \
	X(IPV4_BAD_VERSION, "ipv4_bad_version", "IP version field is not 4")                       \
	X(IPV4_BAD_HLEN, "ipv4_bad_header_length", "IHL below 5 or past the packet")               \
	X(IPV4_BAD_LEN, "ipv4_bad_total_length", "total length below the header length")           \
	X(IPV4_BAD_CSUM, "ipv4_bad_checksum", "IPv4 header checksum wrong")                        \
	X(IPV4_FRAGMENT, "ipv4_fragment", "IPv4 fragment (reassembly is not supported)")           \
	X(IPV4_NOT_FOR_US, "ipv4_not_for_us", "destination address is not ours")                   \
	X(IPV4_BAD_SRC, "ipv4_bad_source", "source address multicast, broadcast, zero or ours")    \
	X(IPV4_UNKNOWN_PROTO, "ipv4_unknown_protocol", "IP protocol with no handler")              \
	X(ICMP_TRUNCATED, "icmp_truncated", "ICMP message shorter than its header")                \
	X(ICMP_BAD_CSUM, "icmp_bad_checksum", "ICMP checksum wrong")                               \
	X(ICMP_UNHANDLED, "icmp_unhandled_type", "ICMP type other than echo request")              \
	X(TX_FULL, "tx_queue_full", "transmit queue full: packet freed unsent")                    \
	X(TCP_TRUNCATED, "tcp_truncated", "shorter than a TCP header")                             \
	X(TCP_BAD_OFFSET, "tcp_bad_data_offset", "data offset below 5 words or past the segment")  \
	X(TCP_BAD_CSUM, "tcp_bad_checksum", "TCP checksum wrong")                                  \
	X(TCP_NO_LISTENER, "tcp_no_listener", "segment to a port nobody listens on (RST sent)")    \
	X(TCP_NO_CONN, "tcp_no_connection", "non-SYN segment for no connection")                  \
	X(TCP_TABLE_FULL, "tcp_table_full", "SYN refused: connection table full (RST sent)")       \
	X(TCP_SYN_QUEUE_FULL, "tcp_syn_queue_full", "SYN dropped: queue full, cookies disabled")   \
	X(TCP_OUT_OF_WINDOW, "tcp_out_of_window", "segment outside the receive window")            \
	X(TCP_WINDOW_FULL, "tcp_window_full", "data while our window is zero")                     \
	X(TCP_PAWS, "tcp_paws", "old timestamp (RFC 7323 PAWS)")                                   \
	X(TCP_BAD_RST, "tcp_bad_rst", "RST not exactly at the expected sequence")                  \
	X(TCP_BAD_FLAGS, "tcp_bad_flags", "SYN on a live connection, or no ACK")                   \
	X(TCP_BAD_ACK, "tcp_bad_ack", "ACK outside what we sent")                                  \
	X(TCP_OOO_FULL, "tcp_ooo_full", "out-of-order queue or core budget full")                  \
	X(TCP_RCVBUF_FULL, "tcp_rcvbuf_full", "too many segments held for the app")                \
	X(TCP_NO_MBUF, "tcp_no_mbuf", "mempool empty while building a segment")                    \
	X(IMPAIR, "impair", "dropped on purpose by the impairment shim")

#define SL_X_ENUM_CTR(e, name, help) SL_CTR_##e,
enum sl_ctr { SL_CORE_COUNTERS(SL_X_ENUM_CTR) SL_CTR_MAX };
#undef SL_X_ENUM_CTR

#define SL_X_ENUM_DROP(e, name, help) SL_DROP_##e,
enum sl_drop { SL_DROP_REASONS(SL_X_ENUM_DROP) SL_DROP_MAX };
#undef SL_X_ENUM_DROP

enum sl_stats_state {
	SL_STATS_STARTING = 1,
	SL_STATS_RUNNING = 2,
	SL_STATS_STOPPING = 3,
};

struct sl_stats_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;
	uint64_t total_size;
	uint32_t n_counters;
	uint32_t n_drops;
	uint32_t n_cores;
	uint32_t core_stride;
	uint32_t n_ports;
	uint32_t names_off;
	uint32_t ports_off;
	uint32_t cores_off;
	int32_t pid;
	uint32_t state;         /* enum sl_stats_state */
	uint64_t tsc_hz;
	uint64_t start_unix_ns; /* CLOCK_REALTIME at start */
	uint64_t heartbeat_ns;  /* CLOCK_REALTIME, written every stats interval by the main lcore */
	char instance[32];
	uint32_t huge;          /* 1 if running on hugepages, 0 with --no-huge */
	uint32_t reserved0;
	uint64_t mbufs_total;   /* packet pool size */
	uint64_t mbufs_in_use;  /* allocated (RX rings, queues, held by TCP/apps), main lcore */
	uint32_t n_flush;       /* the last n_flush core blocks are flush workers, not poll cores */
	uint32_t reserved1;
};

struct sl_stats_port {
	char name[32];
	char kind[16];
	uint8_t mac[6];
	uint8_t ipv4_prefix;
	uint8_t link_up;
	uint32_t ipv4; /* network byte order */
	uint16_t port_id;
	uint16_t n_queues;
	uint32_t link_speed_mbps;
	/* rte_eth_stats as last read by the main lcore */
	uint64_t ipackets;
	uint64_t opackets;
	uint64_t ibytes;
	uint64_t obytes;
	uint64_t imissed;
	uint64_t ierrors;
	uint64_t oerrors;
	uint64_t rx_nombuf;
};

/*
 * Named counters: per route, fault and tenant of the control plane's tables.
 * Their set changes with every table generation, so they are not enum
 * counters but a small open-addressed table per core keyed by (kind, id),
 * id being the stable CRC32C of the name the image carries. A core claims a
 * slot the first time it counts for a name and keeps it for its lifetime
 * (a full table counts SL_CTR_NAMED_FULL instead). Readers sum over cores by
 * (kind, id) and label with name.
 */
#define SL_STATS_NAMED_MAX 256 /* power of two */

enum sl_named_kind {
	SL_NAMED_FREE = 0,
	SL_NAMED_ROUTE = 1,  /* v[]: entries, items, items dropped (drop route), items sampled out */
	SL_NAMED_FAULT = 2,  /* v[]: requests matched, requests fired, -, - */
	SL_NAMED_TENANT = 3, /* v[]: requests, items, items refused (rate limit 429), - */
};

/* Prometheus names of v[0..3] per kind (metrics.c, sluicectl). */
#define SL_NAMED_V 4

struct sl_stats_named {
	uint32_t id;   /* CRC32C of the name; with kind, the key */
	uint8_t kind;  /* enum sl_named_kind; FREE: unused */
	uint8_t reserved[3];
	char name[32]; /* NUL-terminated */
	uint64_t v[SL_NAMED_V];
};

/*
 * Latency histograms: cumulative-ready buckets (each counts observations at
 * or below its bound and above the previous one), then count and sum.
 * Bounds in microseconds, SL_STATS_HIST_BOUNDS_US; the last bucket is +Inf.
 */
#define SL_STATS_HIST_BOUNDS_US \
	{25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, \
	 1000000, 2500000, 5000000, 10000000}
#define SL_STATS_HIST_BUCKETS 19 /* 18 bounds + Inf */

/* X(ENUM, prometheus base name, help) */
#define SL_CORE_HISTOGRAMS(X) \
	X(REQUEST, "sluice_request_duration_seconds", \
	  "OTLP requests (HTTP and gRPC): last body byte to the answer sent")

#define SL_X_ENUM_SHIST(e, name, help) SL_STATS_HIST_##e,
enum sl_stats_hist_id { SL_CORE_HISTOGRAMS(SL_X_ENUM_SHIST) SL_STATS_HIST_MAX };
#undef SL_X_ENUM_SHIST

struct sl_stats_hist {
	uint64_t bucket[SL_STATS_HIST_BUCKETS]; /* not cumulative */
	uint64_t count;
	uint64_t sum_ns;
};

/* What a core publishes besides its enum counters (same seqlock). */
struct sl_stats_ext {
	struct sl_stats_named named[SL_STATS_NAMED_MAX];
	struct sl_stats_hist hist[SL_STATS_HIST_MAX];
};

struct sl_stats_core {
	uint64_t seq; /* odd while the owner writes */
	uint32_t lcore_id;
	uint32_t core_idx;
	uint64_t publish_tsc;
	uint64_t counters[SL_CTR_MAX];
	uint64_t drops[SL_DROP_MAX];
	struct sl_stats_ext ext;
};

/*
 * The counters of (kind, id) in a core's private ext, claiming a slot with
 * name the first time. NULL when the table is full. Linear probing from
 * id's low bits; no allocation.
 */
static inline uint64_t *
sl_stats_named(struct sl_stats_ext *x, enum sl_named_kind kind, uint32_t id, const char *name)
{
	uint32_t i, k;

	for (k = 0; k < SL_STATS_NAMED_MAX; k++) {
		struct sl_stats_named *n = &x->named[(id + k) & (SL_STATS_NAMED_MAX - 1)];

		if (n->kind == (uint8_t)kind && n->id == id)
			return n->v;
		if (n->kind == SL_NAMED_FREE) {
			n->kind = (uint8_t)kind;
			n->id = id;
			for (i = 0; i + 1 < sizeof(n->name) && name[i] != '\0'; i++)
				n->name[i] = name[i];
			n->name[i] = '\0';
			return n->v;
		}
	}
	return (uint64_t *)0;
}

/* Count one observation of ns nanoseconds. */
static inline void
sl_stats_hist_observe(struct sl_stats_hist *h, uint64_t ns)
{
	static const uint32_t bounds_us[SL_STATS_HIST_BUCKETS - 1] = SL_STATS_HIST_BOUNDS_US;
	uint32_t i;

	for (i = 0; i < SL_STATS_HIST_BUCKETS - 1; i++)
		if (ns <= (uint64_t)bounds_us[i] * 1000u)
			break;
	h->bucket[i]++;
	h->count++;
	h->sum_ns += ns;
}

#endif /* SL_STATS_SHM_H */
