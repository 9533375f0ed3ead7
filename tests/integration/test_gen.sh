#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sluice-gen smoke test: 5 s of DPDK-mode OTLP/HTTP, then 5 s of OTLP/gRPC, over memif; counts.
#
# Two DPDK processes on one host, no kernel in the path: the dataplane (memif
# server, lcore 0) and sluice-gen (memif client, lcore 1, its own EAL file
# prefix), on a memif control socket in this run's temp dir. Asserts that the
# generator got answers (non-zero throughput), no errors and no connection
# failures, and that the dataplane's OTLP counters equal what the generator
# says it sent and got 200 for (measured window plus the drained requests in
# flight at its end; --ramp 0, so nothing is sent before the window).
# Then the same with --proto grpc (2 connections x 4 concurrent streams, open
# loop): gRPC OK calls and their spans against the dataplane's
# grpc_status_ok and otlp_spans_received, as deltas over the gRPC run.
#
# Isolation and cleanup: names carry $$ and $RANDOM (instance, EAL prefixes,
# temp dir, addresses), so two runs never collide; an EXIT/INT/TERM trap
# kills both processes by PID and removes the temp dir, the stats shared
# memory and any DPDK runtime dir of either prefix, whatever the test died
# in. Both processes use --in-memory (hugepages) or --no-huge --no-shconf, so
# no hugepage file exists to leave behind; the leak checks verify it.
. "$(dirname "$0")/lib.sh"

GEN=$SLUICE_BUILD/perf/sluice-gen
DP=$SLUICE_BUILD/sluice-dataplane
ID=$(printf '%x%04x' "$$" "$((RANDOM % 65536))")
INST=sgt$ID
GEN_PREFIX=sgt$ID-gen
NET=10.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))
TMP=$(mktemp -d "/tmp/sluice-it-gen.$ID.XXXXXX")
SHM=/dev/shm/sluice.$INST.stats
DP_PID=
GEN_PID=

gen_cleanup() {
	local p
	for p in "$GEN_PID" "$DP_PID"; do
		[ -n "$p" ] || continue
		kill -TERM "$p" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	GEN_PID=
	DP_PID=
	rm -f "$SHM"
	rm -rf "/var/run/dpdk/$INST" "/var/run/dpdk/$GEN_PREFIX" 2>/dev/null || true
	if [ "${SLUICE_TEST_KEEP:-0}" = 1 ]; then
		sl_diag "kept $TMP (SLUICE_TEST_KEEP=1)"
	else
		rm -rf "$TMP"
	fi
}
trap 'rc=$?; trap - EXIT INT TERM; gen_cleanup; exit $rc' EXIT
trap 'trap - EXIT INT TERM; gen_cleanup; exit 130' INT
trap 'trap - EXIT INT TERM; gen_cleanup; exit 143' TERM

[ -x "$GEN" ] || sl_bail "no $GEN (build with meson first)"

# The segment store (when this tree has one) writes into the temp dir, not /var/lib.
cat >"$TMP/sluice.yaml" <<EOF
# tests/integration/test_gen.sh run $ID
dataplane:
  instance: $INST
  main_lcore: 0
  poll_lcores: [0]
  memory_mb: 256
  huge: auto
  huge_dir: $SL_HUGE_DIR
  log_level: info
ports:
  - name: mem
    kind: memif
    socket: $TMP/memif.sock
    role: server
    ipv4: $NET.1/24
EOF
printf 'store:\n  dir: %s/store\n' "$TMP" >"$TMP/store.yaml"
cat "$TMP/sluice.yaml" "$TMP/store.yaml" >"$TMP/probe.yaml"
if "$DP" --config "$TMP/probe.yaml" --check >/dev/null 2>&1; then
	cp "$TMP/probe.yaml" "$TMP/sluice.yaml"
fi
sl_diag "run $ID: instance $INST, memif $TMP/memif.sock, $NET.2 -> $NET.1"

"$DP" --config "$TMP/sluice.yaml" >"$TMP/dataplane.log" 2>&1 </dev/null &
DP_PID=$!
dp_ready() { kill -0 "$DP_PID" 2>/dev/null && "$SLUICE_BUILD/sluicectl" --instance "$INST" status >/dev/null 2>&1; }
if ! sl_wait 30 dp_ready; then
	sl_diag_file "$TMP/dataplane.log" 30
	sl_bail "dataplane did not come up on memif"
fi
sl_pass "dataplane up with a memif port"

# Open loop at a rate the pipeline absorbs on a 2-core machine (its flush
# worker shares the generator's core): the point is exact counts, not speed.
"$GEN" --memif "$TMP/memif.sock" --ip "$NET.2/24" --endpoint "http://$NET.1:4318" \
	--lcore 1 --file-prefix "$GEN_PREFIX" --huge-dir "$SL_HUGE_DIR" \
	--connections 8 --rate 500 --duration 5 --ramp 0 --drain 10 \
	--items-per-request 10 --target-instance "$INST" --json --label smoke \
	>"$TMP/gen.json" 2>"$TMP/gen.err" </dev/null &
GEN_PID=$!
rc=0
for _ in $(seq 600); do kill -0 "$GEN_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$GEN_PID" 2>/dev/null; then
	sl_diag "sluice-gen still running after 60 s"
	kill -KILL "$GEN_PID" 2>/dev/null
	rc=137
fi
wait "$GEN_PID" 2>/dev/null || rc=$?
GEN_PID=
sl_is "sluice-gen (DPDK mode) exits 0" "$rc" 0 || { sl_diag_file "$TMP/gen.err" 20; sl_diag_file "$TMP/dataplane.log" 10; }

g() { sl_json "$TMP/gen.json" "$1"; }
rps=$(g throughput.requests_per_s || echo 0)
sl_check "non-zero throughput ($rps requests/s)" \
	"$SL_PY" -c "import sys; sys.exit(0 if float('$rps') > 0 else 1)"
sl_is "no errors" "$(g errors.total || echo missing)" 0
sl_is "no connection failures" "$(g connection_failures || echo missing)" 0
sl_is "no retries" "$(g retries || echo missing)" 0
for k in throughput.items_per_s latency_us.p50 latency_us.p95 latency_us.p99 latency_us.p999 \
	latency_us.max errors.by_status target.busy_cycles_per_item target.busy_cycles_per_packet \
	target.cpu_s_per_million_items; do
	sl_check "report has $k" g "$k"
done

sleep 0.3 # one stats publication after the last answer
"$SLUICE_BUILD/sluicectl" --instance "$INST" stats --json >"$TMP/stats.json"
want_items=$(("$(g items || echo 0)" + "$(g drained.items || echo 0)"))
want_reqs=$(("$(g requests || echo 0)" + "$(g drained.responses || echo 0)"))
sl_ge "the generator got 200 for some items" "$want_items" 1
sl_is "dataplane spans received == spans the generator got 200 for" \
	"$(sl_json "$TMP/stats.json" total.counters.otlp_spans_received || echo missing)" "$want_items"
sl_is "dataplane trace requests == requests the generator got 200 for" \
	"$(sl_json "$TMP/stats.json" total.counters.otlp_trace_requests || echo missing)" "$want_reqs"
# Requests still unanswered when the drain ran out (a loaded machine) may or may not have
# reached the appliance: between the answered and the sent ones.
got=$(sl_json "$TMP/stats.json" total.counters.http_requests || echo -1)
sl_ge "dataplane HTTP requests >= requests the generator got answers for" "$got" "$want_reqs"
sl_check "dataplane HTTP requests ($got) <= requests the generator sent" \
	test "$got" -le "$(g sent || echo 0)"

# gRPC: the same appliance, OTLP/gRPC on port 4317 (on by default), HTTP/2 streams.
"$GEN" --memif "$TMP/memif.sock" --ip "$NET.2/24" --endpoint "http://$NET.1:4317" \
	--proto grpc --streams 4 \
	--lcore 1 --file-prefix "$GEN_PREFIX" --huge-dir "$SL_HUGE_DIR" \
	--connections 2 --rate 500 --duration 5 --ramp 0 --drain 10 \
	--items-per-request 10 --target-instance "$INST" --json --label smoke-grpc \
	>"$TMP/grpc.json" 2>"$TMP/grpc.err" </dev/null &
GEN_PID=$!
rc=0
for _ in $(seq 600); do kill -0 "$GEN_PID" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$GEN_PID" 2>/dev/null; then
	sl_diag "sluice-gen --proto grpc still running after 60 s"
	kill -KILL "$GEN_PID" 2>/dev/null
	rc=137
fi
wait "$GEN_PID" 2>/dev/null || rc=$?
GEN_PID=
sl_is "sluice-gen --proto grpc (DPDK mode) exits 0" "$rc" 0 || {
	sl_diag_file "$TMP/grpc.err" 20
	sl_diag_file "$TMP/dataplane.log" 10
}
gg() { sl_json "$TMP/grpc.json" "$1"; }
rps=$(gg throughput.requests_per_s || echo 0)
sl_check "gRPC: non-zero throughput ($rps calls/s)" \
	"$SL_PY" -c "import sys; sys.exit(0 if float('$rps') > 0 else 1)"
sl_is "gRPC: report says proto grpc" "$(gg params.proto || echo missing)" grpc
sl_is "gRPC: report says 4 streams" "$(gg params.streams || echo missing)" 4
sl_is "gRPC: no errors" "$(gg errors.total || echo missing)" 0
sl_check "gRPC: report has errors.by_grpc_status" gg errors.by_grpc_status
sl_is "gRPC: no connection failures" "$(gg connection_failures || echo missing)" 0
sleep 0.3
"$SLUICE_BUILD/sluicectl" --instance "$INST" stats --json >"$TMP/stats2.json"
d() { # counter delta over the gRPC run
	echo $(($(sl_json "$TMP/stats2.json" "total.counters.$1" || echo 0) - \
		$(sl_json "$TMP/stats.json" "total.counters.$1" || echo 0)))
}
want_items=$(("$(gg items || echo 0)" + "$(gg drained.items || echo 0)"))
want_calls=$(("$(gg requests || echo 0)" + "$(gg drained.responses || echo 0)"))
sl_ge "gRPC: the generator got OK for some spans" "$want_items" 1
sl_is "gRPC: dataplane grpc_status_ok == calls the generator got OK for" \
	"$(d grpc_status_ok)" "$want_calls"
sl_is "gRPC: dataplane spans received == spans the generator got OK for" \
	"$(d otlp_spans_received)" "$want_items"
sl_is "gRPC: dataplane trace requests == calls the generator got OK for" \
	"$(d otlp_trace_requests)" "$want_calls"
sl_is "gRPC: dataplane HTTP/2 connections == 2" "$(d grpc_connections)" 2
got=$(d grpc_streams)
sl_ge "gRPC: dataplane streams >= calls answered" "$got" "$want_calls"
sl_check "gRPC: dataplane streams ($got) <= calls the generator sent" \
	test "$got" -le "$(gg sent || echo 0)"

# Stop the appliance in order; then nothing of either process may remain.
kill -TERM "$DP_PID"
for _ in $(seq 100); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
rc=0
wait "$DP_PID" 2>/dev/null || rc=$?
DP_PID=
sl_is "dataplane exits 0 on SIGTERM" "$rc" 0
left=$(pgrep -f -- "$TMP/" || true)
sl_is "no process of run $ID left" "$left" ""
sl_check "no stats shared memory $SHM left" test ! -e "$SHM"
mounts=$(findmnt -rn -t hugetlbfs -o TARGET 2>/dev/null | tr '\n' ' ')
left=$(for m in $mounts; do find "$m" -maxdepth 1 \( -name "*$INST*" \) 2>/dev/null; done)
sl_is "no hugepage files of run $ID left" "$left" ""
sl_check "no DPDK runtime dir of either process left" \
	bash -c "! ls -d /var/run/dpdk/'$INST' /var/run/dpdk/'$GEN_PREFIX' 2>/dev/null | grep -q ."
sl_done
