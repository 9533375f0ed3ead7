#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sluice-gen (DPDK mode) benchmarks over memif: the generator and the appliance on one host.
#
# usage: sudo perf/gen_bench.sh [--build DIR] [--duration S] [--ramp S] [--connections C]
#            [--items "1 10 100 1000"] [--out DIR] [SCENARIO ...]
#        sudo perf/gen_bench.sh --compare URL --target-pid PID [--items N] [--duration S]
#
# Scenarios (default: rx tcp otlp gzip json latency):
#   rx       rx-only packet rate: 60-byte UDP frames (sluice-gen --rx-flood) that the appliance
#            receives, classifies and drops; its busy cycles per packet
#   tcp      TCP goodput: byte streams to the dataplane's discard test port (--tcp-discard)
#   otlp     OTLP/HTTP protobuf traces, 1..1000 items per request, closed loop: items/s of
#            the one poll core, busy cycles per item, CPU s per million items
#   gzip     the same, gzip bodies (pre-compressed variants: the generator's CPU is not the
#            bottleneck)
#   json     the same, OTLP/JSON bodies
#   grpc1    the same over OTLP/gRPC (h2c, port 4317): --connections connections, one call in
#            flight each (sluice-gen --proto grpc --streams 1)
#   grpc100  OTLP/gRPC, one connection with 100 concurrent calls (--streams 100), up to 100
#            items per request
#   latency  open loop at 10%, 20%, ... 100% of the closed-loop maximum (100 items/request):
#            p50/p95/p99/p99.9 against offered load
#   e2e      end to end with the zstd flush, 100 spans a request, in received and persisted
#            modes (the dataplane is restarted per mode)
# --compare drives any OTLP/HTTP receiver (an OpenTelemetry Collector, ...) through kernel
# sockets with the same profile and reports items per CPU-second of PID (/proc) next to the
# dataplane's (over tap, perf/otlp_http_bench.sh) figures.
#
# Topology: sluice-dataplane on lcore 0 (main lcore polls: one poll core), memif server on a
# socket in a temp dir; sluice-gen on lcore 1, memif client, its own EAL prefix. Nothing else
# polls. Everything is torn down on any exit. Hugepages when free (--in-memory), else
# --no-huge.
#
# Output: $OUT/gen-memif-<date>.json (machine, commands, every report), .csv (one row per
# run), -items.png (items/s and busy cycles/item against items per request), -latency.png
# (latency percentiles against offered load); a Markdown table on stdout.
#
# Environment: SLUICE_BUILD (default <src>/build; --build overrides).

set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
SLUICE_BUILD=${SLUICE_BUILD:-$SRC/build}
DURATION=5
RAMP=1
CONNS=8
ITEMS="1 10 100 1000"
OUT=$SRC/perf/results
COMPARE=
TARGET_PID=
SCENARIOS=()

while [ $# -gt 0 ]; do
	case $1 in
	--build) SLUICE_BUILD=$(cd "$2" && pwd); shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--ramp) RAMP=$2; shift 2 ;;
	--connections) CONNS=$2; shift 2 ;;
	--items) ITEMS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--compare) COMPARE=$2; shift 2 ;;
	--target-pid) TARGET_PID=$2; shift 2 ;;
	-h | --help) sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	-*) echo "gen_bench: unknown option $1" >&2; exit 2 ;;
	*) SCENARIOS+=("$1"); shift ;;
	esac
done
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(rx tcp otlp gzip json latency)

die() { echo "gen_bench: $*" >&2; exit 1; }
GEN=$SLUICE_BUILD/perf/sluice-gen
DP=$SLUICE_BUILD/sluice-dataplane
CTL=$SLUICE_BUILD/sluicectl
for f in "$DP" "$CTL" "$GEN"; do
	[ -x "$f" ] || die "$f missing: meson setup $SLUICE_BUILD && ninja -C $SLUICE_BUILD"
done
DATE=$(date -u +%Y-%m-%d)
mkdir -p "$OUT"

# --- comparison with another receiver ------------------------------------------------------

if [ -n "$COMPARE" ]; then
	[ -n "$TARGET_PID" ] || die "--compare needs --target-pid PID (the receiver's process)"
	n=${ITEMS%% *}
	[ "$n" = "1 10 100 1000" ] && n=100
	BASE=$OUT/compare-$DATE
	cmd=(taskset -c 1 "$GEN" --socket --endpoint "$COMPARE" --items-per-request "$n"
		--connections "$CONNS" --duration "$DURATION" --ramp "$RAMP"
		--target-pid "$TARGET_PID" --label "compare-$n" --csv "$BASE.csv" --json)
	echo "+ ${cmd[*]}" >&2
	"${cmd[@]}" | tee "$BASE.json"
	python3 - "$BASE.json" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
t = r.get("target", {})
print(f"| receiver | items/s | items per CPU-second of the receiver | p99 us |\n|---|---|---|---|\n"
      f"| {r['params']['endpoint']} (pid {t.get('pid')}) | {r['throughput']['items_per_s']:.0f} "
      f"| {t.get('items_per_cpu_s', 0):.0f} | {r['latency_us']['p99']:.0f} |")
EOF
	exit 0
fi

[ "$(id -u)" -eq 0 ] || die "needs root (hugepages; the dataplane insists): sudo $0"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: the dataplane on 0, the generator on 1"

ID=$(printf '%x%04x' "$$" "$((RANDOM % 65536))")
INST=sgb$ID
TMP=$(mktemp -d "/tmp/sluice-gen-bench.$ID.XXXXXX")
NET=10.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1))
DP_PID=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$DP_PID" ]; then
		kill -TERM "$DP_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$DP_PID" 2>/dev/null
		wait "$DP_PID" 2>/dev/null
	fi
	rm -f "/dev/shm/sluice.$INST.stats"
	# Keep the dataplane's last words when it did not stop cleanly.
	if [ -f "$TMP/dataplane.log" ] && grep -qE 'ERROR|Sanitizer|runtime error' "$TMP/dataplane.log"; then
		echo "gen_bench: the dataplane log has errors:" >&2
		grep -E -A15 'ERROR|Sanitizer|runtime error' "$TMP/dataplane.log" | head -40 >&2
	fi
	rm -rf "$TMP" "/var/run/dpdk/$INST" "/var/run/dpdk/$INST-gen"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The dataplane: one poll core (lcore 0), memif server, discard test port 9 for the TCP
# scenario, the segment store (when this tree has one) in the temp dir.
cat >"$TMP/sluice.yaml" <<EOF
dataplane:
  instance: $INST
  main_lcore: 0
  poll_lcores: [0]
  memory_mb: 512
  huge: auto
  log_level: notice
ports:
  - name: mem
    kind: memif
    socket: $TMP/memif.sock
    role: server
    ipv4: $NET.1/24
tcp:
  max_conns: 4096
http:
  max_body_bytes: 8388608
# OTLP/gRPC (on by default; spelled out: the grpc scenarios depend on it). 100 concurrent
# calls per connection must fit SETTINGS_MAX_CONCURRENT_STREAMS.
grpc:
  port: 4317
  max_concurrent_streams: 128
test:
  tcp_discard_port: 9
EOF
# dp_start [YAML]: start the dataplane with the base config, the store in the temp dir, and
# YAML (extra sections) if given; wait until it answers.
dp_start() {
	printf 'store:\n  dir: %s/store\n' "$TMP" >"$TMP/store.yaml"
	# Extra YAML sections for an experiment (pipeline:, impair: ...), e.g. a smaller in-flight bound.
	[ -z "${SLUICE_BENCH_EXTRA_CONF:-}" ] || printf '%s\n' "$SLUICE_BENCH_EXTRA_CONF" >>"$TMP/store.yaml"
	[ -z "${1:-}" ] || printf '%s\n' "$1" >>"$TMP/store.yaml"
	cat "$TMP/sluice.base.yaml" "$TMP/store.yaml" >"$TMP/sluice.yaml"
	"$DP" --config "$TMP/sluice.yaml" >>"$TMP/dataplane.log" 2>&1 </dev/null &
	DP_PID=$!
	for _ in $(seq 300); do
		"$CTL" --instance "$INST" status >/dev/null 2>&1 && break
		kill -0 "$DP_PID" 2>/dev/null || { cat "$TMP/dataplane.log" >&2; die "dataplane exited"; }
		sleep 0.1
	done
	echo "dataplane pid $DP_PID, instance $INST, memif $TMP/memif.sock, $NET.1" >&2
}
# dp_stop: SIGTERM (the pipeline drains), SIGKILL after 10 s.
dp_stop() {
	[ -n "$DP_PID" ] || return 0
	kill -TERM "$DP_PID" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$DP_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$DP_PID" 2>/dev/null
	wait "$DP_PID" 2>/dev/null
	DP_PID=
}
mv "$TMP/sluice.yaml" "$TMP/sluice.base.yaml"
dp_start

BASE=$OUT/gen-memif-$DATE
rm -f "$BASE.csv"
: >"$TMP/runs.jsonl"
: >"$TMP/commands.txt"

# gen LABEL ARGS...: one sluice-gen run against the dataplane; its report into runs.jsonl.
gen() {
	local label=$1
	shift
	local cmd=("$GEN" --memif "$TMP/memif.sock" --ip "$NET.2/24"
		--endpoint "http://$NET.1:4318" --lcore 1 --file-prefix "$INST-gen"
		--target-instance "$INST" --duration "$DURATION" --label "$label"
		--csv "$BASE.csv" --json --quiet "$@")
	# A dataplane that died in an earlier run is restarted (and said so), so that one crash
	# does not void the rest of the scenarios; its log keeps the reason.
	if [ -n "$DP_PID" ] && ! kill -0 "$DP_PID" 2>/dev/null; then
		wait "$DP_PID" 2>/dev/null
		echo "gen_bench: the dataplane died before $label (status $?); restarting it" >&2
		echo "# dataplane died before $label; restarted" >>"$TMP/commands.txt"
		DP_PID=
		dp_start
	fi
	echo "${cmd[*]}" >>"$TMP/commands.txt"
	echo "+ $label" >&2
	if ! "${cmd[@]}" >"$TMP/run.json" 2>"$TMP/run.err"; then
		cat "$TMP/run.err" >&2
		echo "gen_bench: run $label failed" >&2
		return 1
	fi
	cat "$TMP/run.json" >>"$TMP/runs.jsonl"
}

# The closed-loop maximum items/s of the last run.
last_rps() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["throughput"]["requests_per_s"])' "$TMP/run.json"; }

scenario_rx() { gen rx --rx-flood --ramp "$RAMP"; }
scenario_tcp() { gen tcp --tcp-discard --endpoint "http://$NET.1:9" --connections 4 --ramp "$RAMP"; }
scenario_otlp() {
	local n
	for n in $ITEMS; do
		gen "proto-$n" --items-per-request "$n" --connections "$CONNS" --ramp "$RAMP"
	done
}
scenario_gzip() {
	local n
	for n in $ITEMS; do
		gen "gzip-$n" --gzip --variants 64 --items-per-request "$n" --connections "$CONNS" \
			--ramp "$RAMP"
	done
}
scenario_json() {
	local n
	for n in $ITEMS; do
		gen "json-$n" --json-body --variants 64 --items-per-request "$n" \
			--connections "$CONNS" --ramp "$RAMP"
	done
}
# OTLP/gRPC: the same profile as otlp (protobuf, fresh ids per call), Export calls over h2c.
scenario_grpc1() {
	local n
	for n in $ITEMS; do
		gen "grpc1-$n" --proto grpc --streams 1 --endpoint "http://$NET.1:4317" \
			--items-per-request "$n" --connections "$CONNS" --ramp "$RAMP"
	done
}
# Items per request above 100 are skipped: 100 concurrent calls of 1000 spans (25 MB of
# partial messages on one connection) exhaust the appliance's mbuf pool (memory_mb 512: 16k
# mbufs) before any message completes, and the connection deadlocks (see benchmarks.md).
scenario_grpc100() {
	local n
	for n in $ITEMS; do
		[ "$n" -le 100 ] || { echo "gen_bench: grpc100-$n skipped (see the comment)" >&2; continue; }
		gen "grpc100-$n" --proto grpc --streams 100 --endpoint "http://$NET.1:4317" \
			--items-per-request "$n" --connections 1 --ramp "$RAMP"
	done
}
scenario_latency() {
	local max pct rate
	gen "lat-max" --items-per-request 100 --connections "$CONNS" --ramp "$RAMP" || return 1
	max=$(last_rps)
	for pct in 10 20 30 40 50 60 70 80 90 100; do
		rate=$(python3 -c "print(max(1.0, $max * $pct / 100))")
		gen "lat-$pct" --items-per-request 100 --connections 64 --rate "$rate" --ramp "$RAMP"
	done
}

# e2e: end to end with the zstd flush, 100 spans a request, in `received` and `persisted`
# modes (store.fsync batch: one fdatasync per group commit). Every other scenario runs in
# `received` mode too (the pipeline is always on); this one restarts the dataplane per mode
# and puts it back as it was. The flush worker runs on CPU 1, which it shares with the
# generator on this 2-CPU layout: read items/s as a lower bound.
scenario_e2e() {
	local mode
	for mode in received persisted; do
		dp_stop
		dp_start "pipeline:
  durability: $mode"
		gen "e2e-$mode-100" --items-per-request 100 --connections "$CONNS" --ramp "$RAMP"
	done
	dp_stop
	dp_start
}
# ============================================================================================

for s in "${SCENARIOS[@]}"; do
	case $s in
	rx | tcp | otlp | gzip | json | grpc1 | grpc100 | latency | e2e) "scenario_$s" || true ;;
	*) die "unknown scenario $s (rx tcp otlp gzip json grpc1 grpc100 latency e2e)" ;;
	esac
done

# One JSON document (machine, commands, runs), the plots' data, the Markdown table.
python3 - "$TMP/runs.jsonl" "$TMP/commands.txt" "$BASE" "$DATE" "$TMP/dataplane.log" <<'EOF'
import json, os, subprocess, sys
runs_f, cmds_f, base, date, dplog = sys.argv[1:6]
runs = [json.loads(l) for l in open(runs_f) if l.strip()]
cmds = [l.rstrip("\n") for l in open(cmds_f)]
def sh(c):
    return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
machine = {"cpu": sh("lscpu | sed -n 's/^Model name: *//p' | head -1"), "cpus": os.cpu_count(),
           "kernel": os.uname().release, "virt": sh("systemd-detect-virt || true"),
           "hugepages": "no hugepages" not in open(dplog).read(), "loadavg": open("/proc/loadavg").read().split()[:3]}
json.dump({"benchmark": "gen-memif", "date": date, "machine": machine, "commands": cmds, "runs": runs},
          open(base + ".json", "w"), indent=1)
def t(r, k, d=0.0):
    return r.get("target", {}).get(k, d)
print("| run | requests/s | items/s | MB/s sent | p50 us | p99 us | p99.9 us | busy cycles/item | busy cycles/packet | CPU s per M items | errors |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for r in runs:
    p = r["params"]; lab = p["label"]
    print(f"| {lab} | {r['throughput']['requests_per_s']:.0f} | {r['throughput']['items_per_s']:.0f} "
          f"| {r['throughput']['bytes_per_s']/1e6:.1f} | {r['latency_us']['p50']:.0f} | {r['latency_us']['p99']:.0f} "
          f"| {r['latency_us']['p999']:.0f} | {t(r,'busy_cycles_per_item'):.0f} | {t(r,'busy_cycles_per_packet'):.0f} "
          f"| {t(r,'cpu_s_per_million_items'):.2f} | {r['errors']['total']} |")
    if p["mode"] == "dpdk-rx-flood":
        el = r["elapsed_s"] or 1
        print(f"|  ↳ rx-only | frames sent/s {r['sent']/el:.0f}, received by the appliance/s {t(r,'rx_packets')/el:.0f} | | | | | | | | | |")
    if p["mode"] == "dpdk-tcp-discard":
        print(f"|  ↳ TCP goodput | {r['throughput']['bytes_per_s']*8/1e9:.2f} Gbit/s | | | | | | | | | |")
with open(base + "-items.dat", "w") as f:
    for r in runs:
        lab = r["params"]["label"]
        for enc in ("proto", "gzip", "json", "grpc1", "grpc100"):
            if lab.startswith(enc + "-"):
                f.write(f"{enc} {r['params']['items_per_request']} {r['throughput']['items_per_s']:.0f} {t(r,'busy_cycles_per_item'):.1f}\n")
with open(base + "-latency.dat", "w") as f:
    for r in runs:
        lab = r["params"]["label"]
        if lab.startswith("lat-") and lab != "lat-max":
            f.write(f"{lab[4:]} {r['params']['rate']:.0f} {r['latency_us']['p50']:.1f} {r['latency_us']['p95']:.1f} {r['latency_us']['p99']:.1f} {r['latency_us']['p999']:.1f}\n")
EOF

if command -v gnuplot >/dev/null; then
	for enc in proto gzip json grpc1 grpc100; do
		grep "^$enc " "$BASE-items.dat" | cut -d' ' -f2- >"$TMP/items-$enc.dat" || true
	done
	gnuplot <<EOF 2>/dev/null
set terminal png size 900,500
set output "$BASE-items.png"
set title "sluice over memif, one poll core: items/s against items per request"
set logscale x
set xlabel "items per request"
set ylabel "items/s"
set y2label "busy cycles per item"
set y2tics
set key top left
plot "$TMP/items-proto.dat" u 1:2 w lp t "protobuf items/s", \
     "$TMP/items-gzip.dat" u 1:2 w lp t "gzip items/s", \
     "$TMP/items-json.dat" u 1:2 w lp t "JSON items/s", \
     "$TMP/items-grpc1.dat" u 1:2 w lp t "gRPC x1 items/s", \
     "$TMP/items-grpc100.dat" u 1:2 w lp t "gRPC x100 items/s", \
     "$TMP/items-proto.dat" u 1:3 axes x1y2 w lp dt 2 t "protobuf cycles/item"
set output "$BASE-latency.png"
set title "sluice over memif: latency against offered load (100 spans/request, open loop)"
unset logscale x
unset y2label
unset y2tics
set logscale y
set xlabel "offered load, % of the closed-loop maximum"
set ylabel "latency, us"
plot "$BASE-latency.dat" u 1:3 w lp t "p50", "" u 1:4 w lp t "p95", "" u 1:5 w lp t "p99", \
     "" u 1:6 w lp t "p99.9"
EOF
fi
# gnuplot leaves an empty file for a plot without data (no latency scenario in this run).
for f in "$BASE-items.png" "$BASE-latency.png"; do [ -s "$f" ] || rm -f "$f"; done
rm -f "$BASE-items.dat" "$BASE-latency.dat"
echo "wrote $BASE.json $BASE.csv $BASE-items.png $BASE-latency.png" >&2
