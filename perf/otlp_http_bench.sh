#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# OTLP/HTTP benchmark: sluice-gen --socket in a namespace against the dataplane on a tap port.
#
# usage: sudo perf/otlp_http_bench.sh [--build DIR] [--duration S] [--ramp S]
#            [--connections C] [--items "1 10 100 1000"] [--encodings "proto gzip json"]
#            [--out DIR] [--perf]
#
# What it does, all torn down on any exit:
#   - mounts a private hugetlbfs (if 2 MB pages are free) and starts sluice-dataplane with one
#     poll core on lcore 0 (main_lcore 0) and a tap port whose kernel side it moves into a fresh
#     network namespace (tests/integration/lib.sh: sl_setup);
#   - for every encoding (protobuf, gzip protobuf, OTLP/JSON) and every spans-per-request count,
#     runs sluice-gen from the namespace, pinned to CPU 1, closed loop, a few keep-alive
#     connections, --ramp then --duration seconds, with --target-instance so the generator also
#     reads the dataplane's counters (busy/idle cycles, spans, requests of the poll core) and its
#     CPU time (/proc/PID/stat) over exactly the measured window;
#   - writes $OUT/otlp-http-<date>.json (machine, commands, every run's report),
#     $OUT/otlp-http-<date>.csv (one row per run) and two PNG plots (gnuplot): spans/s and busy
#     cycles per span against spans per request; prints a Markdown table of the figures;
#   - with --perf, samples the dataplane with `perf record -e cpu-clock -g` during the protobuf
#     100-spans run and splits its time by binary (kernel, sluice-dataplane, the tap PMD, libc):
#     through tap most of the poll core's time is the kernel's, and the split says how much of
#     the busy cycles per span is sluice's own code. Written to <base>-perf.txt and the JSON.
#
# The figures are bounded by the tap PMD (a read/write syscall per packet on the poll core, the
# kernel's TCP on the other side) and by the machine: the generator and the kernel share the
# second core. Read them as the cost of the path through tap, not of the dataplane on a NIC.
#
# Environment: SLUICE_BUILD (default <src>/build; --build overrides).

set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
if [ -z "${SLUICE_BUILD:-}" ]; then
	SLUICE_BUILD=$SRC/build
fi
DURATION=10
RAMP=1
CONNS=4
ITEMS="1 10 100 1000"
ENCODINGS="proto gzip json"
OUT=$SRC/perf/results
PERF=0
PERF_LABEL=proto-100

while [ $# -gt 0 ]; do
	case $1 in
	--build) SLUICE_BUILD=$(cd "$2" && pwd); shift 2 ;;
	--duration) DURATION=$2; shift 2 ;;
	--ramp) RAMP=$2; shift 2 ;;
	--connections) CONNS=$2; shift 2 ;;
	--items) ITEMS=$2; shift 2 ;;
	--encodings) ENCODINGS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--perf) PERF=1; shift ;;
	-h | --help) sed -n '3,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) echo "otlp_http_bench: unknown argument $1" >&2; exit 2 ;;
	esac
done

die() { echo "otlp_http_bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, tap, hugepages): sudo $0"
GEN=$SLUICE_BUILD/perf/sluice-gen
for f in "$SLUICE_BUILD/sluice-dataplane" "$SLUICE_BUILD/sluicectl" "$GEN"; do
	[ -x "$f" ] || die "$f missing: meson setup $SLUICE_BUILD && ninja -C $SLUICE_BUILD"
done
command -v gnuplot >/dev/null || echo "otlp_http_bench: gnuplot missing (apt-get install gnuplot-nox): no plots" >&2
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: the dataplane on 0, the generator on 1"
if [ "$PERF" = 1 ] && ! command -v perf >/dev/null; then
	die "--perf needs perf (apt-get install linux-perf)"
fi
export SLUICE_BUILD SLUICE_SRC=$SRC

BENCH_TMP=$(mktemp -d /tmp/sluice-bench.XXXXXX)
HUGE_MNT=
# A hugetlbfs of our own, so nothing of another DPDK program's is touched; huge: auto in the
# config falls back to --no-huge when no 2 MB page is free.
if [ "$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages 2>/dev/null || echo 0)" -ge 128 ]; then
	mkdir -p "$BENCH_TMP/huge"
	if mount -t hugetlbfs -o pagesize=2M none "$BENCH_TMP/huge" 2>/dev/null; then
		HUGE_MNT=$BENCH_TMP/huge
		export SLUICE_HUGE_DIR=$HUGE_MNT
	fi
fi

# shellcheck source=../tests/integration/lib.sh
. "$SRC/tests/integration/lib.sh"

bench_cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	sl_teardown >>"$BENCH_TMP/setup.log" 2>&1
	[ -z "$HUGE_MNT" ] || umount "$HUGE_MNT" 2>/dev/null
	rm -rf "$BENCH_TMP"
	exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

SL_MEMORY_MB=256
SL_EXTRA_CONF="tcp:
  max_conns: 1024
http:
  max_body_bytes: 8388608"
if ! sl_setup >>"$BENCH_TMP/setup.log" 2>&1; then
	cat "$BENCH_TMP/setup.log" >&2
	die "the dataplane did not start"
fi
URL=http://$SL_APP_IP:4318
sl_stats_json >"$BENCH_TMP/start.json"
HUGE_USED=$(sl_json "$BENCH_TMP/start.json" huge || echo '?')
echo "dataplane pid $SL_PID, instance $SL_INSTANCE, hugepages $HUGE_USED, $URL from netns $SL_NS" >&2

# Other work on the machine skews every figure (busy cycles count TSC time, preemption
# included): record what ran besides us.
cat /proc/loadavg >"$BENCH_TMP/loadavg"
top -b -n 1 -w 200 | awk 'NR > 7 && $9 + 0 >= 10 && $12 !~ /sluice|lcore/ { print $9 "% " $12 }' \
	>"$BENCH_TMP/busy" || true

DATE=$(date -u +%Y-%m-%d)
mkdir -p "$OUT"
BASE=$OUT/otlp-http-$DATE
rm -f "$BASE.csv" "$BASE-perf.txt"
: >"$BENCH_TMP/runs.jsonl"
: >"$BENCH_TMP/commands.txt"

for enc in $ENCODINGS; do
	case $enc in
	proto) flags=() ;;
	# Pre-compressed bodies (64 per thread, ids repeating every 64 requests): compressing
	# every request costs the generator ~1.4 us a span, as much CPU as it leaves the kernel.
	gzip) flags=(--gzip --variants 64) ;;
	json) flags=(--json-body) ;;
	*) die "unknown encoding $enc (proto, gzip, json)" ;;
	esac
	for n in $ITEMS; do
		cmd=(ip netns exec "$SL_NS" taskset -c 1 "$GEN" --socket --endpoint "$URL"
			--signal traces --items-per-request "$n" "${flags[@]}" --connections "$CONNS"
			--duration "$DURATION" --ramp "$RAMP" --target-instance "$SL_INSTANCE"
			--label "$enc-$n" --json --quiet --csv "$BASE.csv")
		echo "${cmd[*]}" >>"$BENCH_TMP/commands.txt"
		printf 'run %-6s %5s spans/request ... ' "$enc" "$n" >&2
		perf_pid=
		if [ "$PERF" = 1 ] && [ "$enc-$n" = "$PERF_LABEL" ]; then
			# Inside the measured window: from 1 s after the ramp to 1 s before the end.
			pdelay=$(awk -v r="$RAMP" 'BEGIN { print r + 1 }')
			plen=$(awk -v d="$DURATION" 'BEGIN { print (d > 3 ? d - 2 : 1) }')
			(sleep "$pdelay" && perf record -q -e cpu-clock -F 1999 -g -p "$SL_PID" \
				-o "$BENCH_TMP/perf.data" -- sleep "$plen") >"$BENCH_TMP/perf.log" 2>&1 &
			perf_pid=$!
			echo "perf record -e cpu-clock -F 1999 -g -p <dataplane pid> -- sleep $plen" \
				"(during $enc-$n)" >>"$BENCH_TMP/commands.txt"
		fi
		if ! "${cmd[@]}" >>"$BENCH_TMP/runs.jsonl" 2>"$BENCH_TMP/gen.err"; then
			cat "$BENCH_TMP/gen.err" >&2
			die "sluice-gen failed: ${cmd[*]}"
		fi
		if [ -n "$perf_pid" ]; then
			wait "$perf_pid"
			{
				echo "# perf: the dataplane during $enc-$n, by binary then by user-space symbol"
				perf report -i "$BENCH_TMP/perf.data" --no-children --sort dso --stdio -g none 2>/dev/null |
					grep -v '^#' | grep '%'
				echo "# user-space symbols (share of all samples)"
				perf report -i "$BENCH_TMP/perf.data" --no-children --sort dso,sym --stdio -g none 2>/dev/null |
					grep -v '^#' | grep '\[\.\]' | head -25
				echo "# kernel symbols (self)"
				perf report -i "$BENCH_TMP/perf.data" --no-children --sort sym --stdio -g none 2>/dev/null |
					grep -v '^#' | grep '\[k\]' | head -15
				# Where the kernel time goes, inclusive: signal delivery at syscall exit (the
				# tap PMD's SIGIO per received packet), our TX into the tap (tun_get_user, with
				# the namespace's TCP receive, tcp_v4_rcv, run inside it), our RX (tun_do_read).
				echo "# kernel paths (inclusive: children counted)"
				perf report -i "$BENCH_TMP/perf.data" --children --sort sym --stdio -g none 2>/dev/null |
					grep -E '\[k\] (do_syscall_64|arch_do_signal_or_restart|get_signal|signal_setup_done|tun_get_user|tcp_v4_rcv|tun_do_read)$'
			} >"$BASE-perf.txt"
		fi
		tail -n 1 "$BENCH_TMP/runs.jsonl" | "$SL_PY" -c 'import json,sys
d=json.load(sys.stdin); t=d.get("target",{})
print("%.0f spans/s, p99 %.0f us, %.0f busy cycles/span" % (d["throughput"]["items_per_s"],
      d["latency_us"]["p99"], t.get("busy_cycles_per_item", 0)))' >&2
		_sl_running || die "the dataplane died during $enc-$n"
	done
done

# One JSON document: the machine, the commands, every run; the plots' data; a Markdown table.
"$SL_PY" - "$BENCH_TMP" "$BASE" "$DATE" "$HUGE_USED" "$SL_INSTANCE" <<'EOF'
import json, os, platform, subprocess, sys
tmp, base, date, huge, inst = sys.argv[1:6]
runs = [json.loads(l) for l in open(os.path.join(tmp, "runs.jsonl")) if l.strip()]
cmds = [l.rstrip("\n") for l in open(os.path.join(tmp, "commands.txt"))]
def sh(c):
    try:
        return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""
cpu = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
machine = {
    "cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
    "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
    "dpdk": sh("pkg-config --modversion libdpdk"), "hugepages": huge,
    "port": "net_tap (one syscall per packet), kernel TCP peer in a network namespace",
    "pinning": "dataplane lcore 0 (main and poll), sluice-gen on CPU 1 with the kernel's TCP",
    "loadavg_at_start": open(os.path.join(tmp, "loadavg")).read().strip(),
    "other_busy_processes_at_start": open(os.path.join(tmp, "busy")).read().strip().splitlines(),
}
doc = {"benchmark": "otlp-http", "date": date, "machine": machine, "commands": cmds, "runs": runs}
# The perf split, if taken: shares by binary, and the busy cycles per span they stand for.
if os.path.exists(base + "-perf.txt"):
    shares = {}
    for line in open(base + "-perf.txt"):
        if line.startswith("# user-space"):
            break
        f = line.split()
        if len(f) >= 2 and f[0].endswith("%"):
            shares[f[1]] = float(f[0][:-1])
    label = [l for l in open(base + "-perf.txt")][0].split("during ")[1].split(",")[0]
    run = [r for r in runs if r["params"]["label"] == label]
    cyc = run[0].get("target", {}).get("busy_cycles_per_item", 0) if run else 0
    kern = shares.get("[kernel.kallsyms]", 0.0)
    doc["perf"] = {"label": label, "pct_by_binary": shares,
                   "busy_cycles_per_span": cyc,
                   "est_user_cycles_per_span": round(cyc * (100 - kern) / 100, 1),
                   "est_sluice_cycles_per_span": round(cyc * shares.get("sluice-dataplane", 0) / 100, 1)}
    print("perf (%s): %.1f%% kernel; of %.0f busy cycles/span ~%.0f in user space, ~%.0f in sluice-dataplane itself" % (
        label, kern, cyc, doc["perf"]["est_user_cycles_per_span"], doc["perf"]["est_sluice_cycles_per_span"]))
    print()
with open(base + ".json", "w") as f:
    json.dump(doc, f, indent=1)
    f.write("\n")
encs = []
for r in runs:
    e = r["params"]["label"].rsplit("-", 1)[0]
    if e not in encs:
        encs.append(e)
for e in encs:
    with open(os.path.join(tmp, "plot-%s.dat" % e), "w") as f:
        for r in runs:
            if r["params"]["label"].rsplit("-", 1)[0] != e:
                continue
            t = r.get("target", {})
            f.write("%d %.1f %.1f %.1f %.1f\n" % (r["params"]["items_per_request"],
                    r["throughput"]["items_per_s"], t.get("busy_cycles_per_item", 0),
                    r["latency_us"]["p50"], r["latency_us"]["p99"]))
with open(os.path.join(tmp, "encs.txt"), "w") as f:
    f.write(" ".join(encs))
print("| body | spans/req | body B | req/s | spans/s | p50 us | p99 us | busy cyc/span | busy cyc/req | pkts/req | busy cyc/pkt | busy % | dp CPU s / M spans | CPU cyc/span (user) | errors |")
print("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
for r in runs:
    t = r.get("target", {})
    req = t.get("requests", 0) or 1
    print("| %s | %d | %d | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f | %.1f | %.0f | %.1f | %.2f | %.0f (%.0f) | %d |" % (
        r["params"]["label"].rsplit("-", 1)[0], r["params"]["items_per_request"],
        r["params"]["body_bytes"],
        r["throughput"]["requests_per_s"], r["throughput"]["items_per_s"],
        r["latency_us"]["p50"], r["latency_us"]["p99"], t.get("busy_cycles_per_item", 0),
        t.get("busy_cycles_per_request", 0),
        (t.get("rx_packets", 0) + t.get("tx_packets", 0)) / req,
        t.get("busy_cycles_per_packet", 0), t.get("busy_pct", 0),
        t.get("cpu_s_per_million_items", 0), t.get("cpu_cycles_per_item", 0),
        t.get("user_cycles_per_item", 0), r["errors"]["total"]))
EOF

if command -v gnuplot >/dev/null; then
	encs=$(cat "$BENCH_TMP/encs.txt")
	plot_spans="" plot_cyc=""
	for e in $encs; do
		plot_spans+="${plot_spans:+, }'$BENCH_TMP/plot-$e.dat' using 1:2 with linespoints title '$e'"
		plot_cyc+="${plot_cyc:+, }'$BENCH_TMP/plot-$e.dat' using 1:3 with linespoints title '$e'"
	done
	gnuplot <<EOF
set terminal pngcairo size 900,560 noenhanced
set grid
set logscale x
set xlabel 'spans per request'
set key top left
set output '$BASE-spans.png'
set title 'OTLP/HTTP through tap: spans/s accepted (sluice-gen --socket, $CONNS connections, $DATE)'
set ylabel 'spans/s'
set logscale y
plot $plot_spans
set output '$BASE-cycles.png'
set title 'Dataplane poll core: busy TSC cycles per span (goal at 100 spans/request: 600)'
set ylabel 'busy cycles per span'
set key top right
plot $plot_cyc, 600 with lines dashtype 2 title 'goal (protobuf, 100 spans)'
EOF
fi
echo "results: $BASE.json $BASE.csv $(ls "$BASE"-*.png 2>/dev/null | tr '\n' ' ')" >&2
