#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The dataplane's TCP against the Linux kernel's TCP, clean and through the impairment shim.
#
# Each phase starts a dataplane with the test-only echo (7) and discard (9)
# listeners, drives them from a namespace with tcp_client.py (kernel TCP,
# every byte checked by CRC-32), then checks that the core is back to its
# baseline: no connection, no timer, no out-of-order segment, and exactly
# as many mbufs in use as before the traffic.
#
# SLUICE_TCP_STREAM_MB sets the clean run's long stream (default 1024).

set -u
. "$(dirname "$0")/lib.sh"

SL_MEMORY_MB=512
STREAM_MB=${SLUICE_TCP_STREAM_MB:-1024}

client() {
	sl_nsexec env SL_APP_IP="$SL_APP_IP" SL_TCP_TIMEOUT=300 \
		python3 "$SLUICE_SRC/tests/integration/tcp_client.py" "$@"
}

# After a failure: how the dataplane's TCP ended connections, and what it dropped (diagnostics).
tcp_diag() {
	local f=$SL_TMP/diag.json
	sl_stats_json >"$f" 2>/dev/null || return 0
	python3 - "$f" <<'PY' | sed 's/^/# /'
import json, sys
d = json.load(open(sys.argv[1]))["total"]
for k in ("tcp_connections_opened", "tcp_connections_closed", "tcp_connections_reset",
          "tcp_connections_aborted", "tcp_connections_timed_out", "tcp_retransmits_total",
          "tcp_window_probes_sent", "tcp_zero_window"):
    print(k, d["counters"].get(k.replace("_total", ""), d["counters"].get(k)))
print("drops", {k: v for k, v in d.get("drops", {}).items() if v and k.startswith("tcp")})
PY
}

# All connections gone and the core's gauges at zero.
drained() {
	local f=$SL_TMP/drain.json
	sl_stats_json >"$f" 2>/dev/null || return 1
	[ "$(sl_json "$f" total.counters.tcp_connections)" = 0 ] &&
		[ "$(sl_json "$f" total.counters.timers_pending)" = 0 ] &&
		[ "$(sl_json "$f" total.counters.tcp_out_of_order_held)" = 0 ]
}

# phase LABEL IMPAIR_YAML SEQ_WORKERS STREAM_BYTES
phase() {
	local label=$1 impair=$2 workers=$3 stream=$4 base end v
	SL_EXTRA_CONF="tcp:
  max_conns: 4096
test:
  tcp_echo_port: 7
  tcp_discard_port: 9
$impair"
	if ! sl_setup; then
		sl_fail "$label: dataplane starts with the test listeners"
		sl_teardown
		return
	fi
	sl_snap base
	base=$SL_TMP/base.json
	sl_check "$label: 10000 short connections in sequence ($workers worker(s))" \
		client seq 10000 "$workers"
	sl_check "$label: 1000 connections at once" client burst 1000
	sl_check "$label: 200 concurrent connections x 2 MiB, CRC-32 checked" \
		client bulk 200 2097152
	sl_check "$label: 20 concurrent connections x 2 MiB echoed back, CRC-32 checked" \
		client echo 20 2097152 || tcp_diag
	sl_check "$label: one stream of $((stream >> 20)) MiB, CRC-32 checked" client stream "$stream"

	# Baseline: every connection, timer and segment released (TIME_WAIT never
	# happens here: the clients close first).
	sl_check "$label: connections, timers and out-of-order segments drain to zero" \
		sl_wait 20 drained
	sl_snap end
	end=$SL_TMP/end.json
	sl_is "$label: mbufs in use back to the baseline" \
		"$(sl_json "$end" mbufs_in_use)" "$(sl_json "$base" mbufs_in_use)"
	v=$(python3 - "$end" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["total"]["counters"]
opened = c["tcp_connections_opened"]
ended = (c["tcp_connections_closed"] + c["tcp_connections_reset"] +
         c["tcp_connections_aborted"] + c["tcp_connections_timed_out"])
print("ok" if opened == ended and opened >= 11220 else f"opened {opened} ended {ended}")
PY
)
	sl_is "$label: every opened connection ended, and was counted once" "$v" ok
	if [ -n "$impair" ]; then
		sl_ge "$label: the shim dropped packets" \
			"$(sl_json "$end" total.counters.impair_rx_dropped)" 1
		sl_ge "$label: the shim reordered packets" \
			"$(sl_json "$end" total.counters.impair_rx_reordered)" 0
		sl_ge "$label: our TCP retransmitted" \
			"$(sl_json "$end" total.counters.tcp_retransmits)" 1
		sl_ge "$label: out-of-order segments were queued and used" \
			"$(sl_json "$end" total.counters.tcp_out_of_order_segments)" 1
	fi
	sl_stop 10
	sl_is "$label: SIGTERM stops the dataplane with status 0" "${SL_STOP_RC:-none}" 0
	sl_teardown
	sl_leak_check "$label:"
}

phase "clean" "" 1 $((STREAM_MB << 20))
phase "1% loss, 1% reorder, 0.5% dup" "impair:
  enabled: true
  seed: 11
  rx_loss: 0.01
  rx_reorder: 0.01
  rx_dup: 0.005
  tx_loss: 0.01
  tx_reorder: 0.01
  tx_dup: 0.005" 50 $((64 << 20))
phase "5% loss" "impair:
  enabled: true
  seed: 12
  rx_loss: 0.05
  tx_loss: 0.05" 50 $((64 << 20))

# SYN cookies for every SYN, a table of 64 connections, and a stalled reader.
SL_EXTRA_CONF="tcp:
  max_conns: 64
  syncookies: always
  rcv_buf: 65536
test:
  tcp_echo_port: 7
  tcp_discard_port: 9"
if sl_setup; then
	sl_check "cookies: 50 connections at once, each handshake by SYN cookie" client burst 50
	sl_check "cookies: 10 x 1 MiB over cookie connections (options from the timestamp)" \
		client bulk 10 1048576
	sl_check "table bound: 64 idle connections held, the 65th refused with RST" client full 64
	sl_check "backpressure: 8 MiB echoed to a reader that stalls 2 s, nothing lost" \
		client stall 8388608
	sl_snap cookies
	f=$SL_TMP/cookies.json
	sl_ge "cookies: SYN-ACKs carried cookies" "$(sl_json "$f" total.counters.tcp_syncookies_sent)" 60
	sl_ge "cookies: cookie ACKs validated" "$(sl_json "$f" total.counters.tcp_syncookies_validated)" 60
	sl_ge "table bound: refused SYNs counted" "$(sl_json "$f" total.drops.tcp_table_full)" 1
	sl_ge "backpressure: a zero window was advertised" \
		"$(sl_json "$f" total.counters.tcp_zero_window)" 1
	sl_ge "backpressure: the window was reopened with an update" \
		"$(sl_json "$f" total.counters.tcp_window_updates_sent)" 1
	sl_check "cookies: connections drain to zero" sl_wait 20 drained
	sl_stop 10
	sl_is "cookies: SIGTERM stops the dataplane with status 0" "${SL_STOP_RC:-none}" 0
else
	sl_fail "cookies: dataplane starts"
fi
sl_teardown
sl_leak_check "cookies:"
sl_done
