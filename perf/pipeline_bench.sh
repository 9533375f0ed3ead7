#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# End-to-end pipeline benchmark: OTLP/HTTP through tap into zstd records, received vs persisted.
#
# usage: sudo perf/pipeline_bench.sh [--build DIR] [--duration S] [--connections C]
#            [--items N] [--out DIR]
#
# For each configuration (zstd level -5, 1 and 3 in received mode; level 1 in persisted
# mode with store.fsync batch), starts the dataplane on a tap port whose kernel side is in a
# fresh namespace (tests/integration/lib.sh), runs sluice-gen --socket from the namespace
# (pinned to CPU 1, closed loop, keep-alive connections, N spans per request) and reads back:
#   - the generator's spans/s and p50/p99 request-to-response latency;
#   - the flush worker's counters: raw and compressed bytes (compression ratio), TSC cycles
#     in zstd, write and fdatasync, hence raw MB/s per flush core while it worked;
#   - the poll core's busy cycles per span.
# Writes $OUT/pipeline-<date>.json and .csv and prints a Markdown table.
#
# The poll core is CPU 0; the flush worker and the generator share CPU 1 (2-CPU machine), and
# the tap PMD bounds the request rate (see docs/benchmarks.md): read spans/s as the path
# through tap, the latency split received/persisted as the cost of the group commit.

set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
SLUICE_BUILD=${SLUICE_BUILD:-$SRC/build}
DURATION=8
CONNS=4
ITEMS=100
OUT=$SRC/perf/results

while [ $# -gt 0 ]; do
	case $1 in
	--build) SLUICE_BUILD=$(cd "$2" && pwd); shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--connections) CONNS=$2; shift 2 ;;
	--items) ITEMS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	-h | --help) sed -n '3,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "pipeline_bench: unknown argument $1" >&2; exit 2 ;;
	esac
done

die() { echo "pipeline_bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, tap): sudo $0"
GEN=${SLUICE_GEN:-$SLUICE_BUILD/perf/sluice-gen}
for f in "$SLUICE_BUILD/sluice-dataplane" "$SLUICE_BUILD/sluicectl" "$GEN"; do
	[ -x "$f" ] || die "$f missing: meson setup $SLUICE_BUILD && ninja -C $SLUICE_BUILD"
done
export SLUICE_BUILD SLUICE_SRC=$SRC
BENCH_TMP=$(mktemp -d /tmp/sluice-pipe-bench.XXXXXX)

# shellcheck source=../tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"
bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	sl_teardown >>"$BENCH_TMP/setup.log" 2>&1
	rm -rf "$BENCH_TMP"
	exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

DATE=$(date -u +%Y-%m-%d)
mkdir -p "$OUT"
BASE=$OUT/pipeline-$DATE
: >"$BENCH_TMP/runs.jsonl"

# label durability level
CONFIGS="received:-5 received:1 received:3 persisted:1"
for c in $CONFIGS; do
	dur=${c%%:*}
	lvl=${c##*:}
	label=$dur-zstd$lvl
	SL_EXTRA_CONF="tcp:
  max_conns: 1024
pipeline:
  durability: $dur
  zstd_level: $lvl"
	sl_setup >>"$BENCH_TMP/setup.log" 2>&1 || { cat "$BENCH_TMP/setup.log" >&2; die "start failed ($label)"; }
	cmd=(ip netns exec "$SL_NS" taskset -c 1 "$GEN" --socket --endpoint "http://$SL_APP_IP:4318"
		--signal traces --items-per-request "$ITEMS" --connections "$CONNS"
		--duration "$DURATION" --ramp 1 --target-instance "$SL_INSTANCE" --label "$label"
		--json --quiet)
	printf 'run %-18s ... ' "$label" >&2
	"${cmd[@]}" >"$BENCH_TMP/gen.json" 2>"$BENCH_TMP/gen.err" ||
		{ cat "$BENCH_TMP/gen.err" >&2; die "sluice-gen failed: ${cmd[*]}"; }
	# Stop cleanly so the last batches are counted, reading the counters just before.
	sl_stats_json >"$BENCH_TMP/stats.json"
	sl_stop 20 >/dev/null 2>&1
	"$SL_PY" - "$BENCH_TMP/gen.json" "$BENCH_TMP/stats.json" "$label" "$dur" "$lvl" \
		"${cmd[*]}" >>"$BENCH_TMP/runs.jsonl" <<'EOF'
import json, sys
gen = json.load(open(sys.argv[1]))
st = json.load(open(sys.argv[2]))
c = st["total"]["counters"]
hz = st["tsc_hz"]
raw, comp = c["flush_raw_bytes"], c["flush_compressed_bytes"]
work = c["flush_compress_cycles"] + c["flush_write_cycles"] + c["flush_sync_cycles"]
items = gen["throughput"]["items_per_s"]
print(json.dumps({
    "label": sys.argv[3], "durability": sys.argv[4], "zstd_level": int(sys.argv[5]),
    "command": sys.argv[6],
    "spans_per_s": items, "requests_per_s": gen["throughput"]["requests_per_s"],
    "p50_us": gen["latency_us"]["p50"], "p99_us": gen["latency_us"]["p99"],
    "errors": gen.get("errors", {}),
    "ratio": raw / comp if comp else 0,
    "flush_raw_mb_per_core_s": raw / (work / hz) / 1e6 if work else 0,
    "flush_zstd_cycles_per_byte": c["flush_compress_cycles"] / raw if raw else 0,
    "flush_sync_ms_per_commit": c["flush_sync_cycles"] / hz * 1e3 / c["flush_syncs"] if c["flush_syncs"] else 0,
    "records": c["flush_records"], "syncs": c["flush_syncs"],
    "busy_cycles_per_span": gen.get("target", {}).get("busy_cycles_per_item", 0),
}))
EOF
	tail -n 1 "$BENCH_TMP/runs.jsonl" | "$SL_PY" -c 'import json,sys
d=json.load(sys.stdin)
print("%.0f spans/s, p50 %.0f us, p99 %.0f us, ratio %.2f" % (d["spans_per_s"], d["p50_us"], d["p99_us"], d["ratio"]))' >&2
	sl_teardown >>"$BENCH_TMP/setup.log" 2>&1
done

"$SL_PY" - "$BENCH_TMP/runs.jsonl" "$BASE" <<'EOF'
import csv, json, os, platform, sys
runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
base = sys.argv[2]
cpu = ""
for l in open("/proc/cpuinfo"):
    if l.startswith("model name"):
        cpu = l.split(":", 1)[1].strip()
        break
doc = {"machine": {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
                   "loadavg": open("/proc/loadavg").read().split()[:3]},
       "runs": runs}
json.dump(doc, open(base + ".json", "w"), indent=1)
keys = ["label", "durability", "zstd_level", "spans_per_s", "p50_us", "p99_us", "ratio",
        "flush_raw_mb_per_core_s", "flush_zstd_cycles_per_byte", "flush_sync_ms_per_commit",
        "records", "syncs", "busy_cycles_per_span"]
with open(base + ".csv", "w", newline="") as f:
    w = csv.writer(f)
    w.writerow(keys)
    for r in runs:
        w.writerow([r[k] for k in keys])
print("| mode | zstd | spans/s | p50 us | p99 us | ratio | flush raw MB/s/core | zstd cycles/B | ms/commit | busy cycles/span |")
print("|---|---|---|---|---|---|---|---|---|---|")
for r in runs:
    print("| %s | %d | %.0f | %.0f | %.0f | %.2f | %.0f | %.2f | %.2f | %.0f |" % (
        r["durability"], r["zstd_level"], r["spans_per_s"], r["p50_us"], r["p99_us"],
        r["ratio"], r["flush_raw_mb_per_core_s"], r["flush_zstd_cycles_per_byte"],
        r["flush_sync_ms_per_commit"], r["busy_cycles_per_span"]))
print("\nwritten: %s.json %s.csv" % (base, base))
EOF
