#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# TCP benchmark: the Linux kernel's TCP in a namespace against the dataplane's discard listener on a tap port.
#
# Usage: perf/tcp_bench.sh [BUILD_DIR] [options]      (root: namespaces, tap, taskset)
#
#   BUILD_DIR            build with sluice-dataplane and sluicectl (default: build)
#   --stream-mb N        bytes of the single stream, and of the 8 streams together (default 1024)
#   --parallel N         streams in the parallel run (default 8)
#   --conn-seconds S     length of the connection-rate run (default 10)
#   --conn-inflight N    connections kept in flight by the rate client (default 64)
#   --conn-threads N     client threads (default 4)
#   --out FILE           JSON result (default perf/results/tcp-<UTC date>.json)
#   --quick              64 MB streams and a 3 s connection run (smoke test)
#   --perf               also profile the dataplane during the single stream (linux-perf):
#                        <out>-perf.txt, time by DSO and the top symbols
#
# What it measures, each as a delta of the dataplane's own counters
# (sluicectl --json) and of its process CPU time (/proc/PID/stat) around
# one client run:
#   stream    goodput of one kernel->dataplane connection (tcp_client.py stream)
#   parallel  goodput of N concurrent connections (tcp_client.py bulk)
#   connrate  short connections per second (perf/tcp_connrate.c: connect, FIN,
#             read the listener's reply, close), from several client threads
# plus, for every run: TCP segments received per second and TSC cycles of
# busy poll iterations per received segment (busy_cycles / tcp_segments_received).
#
# Placement: the dataplane's only lcore is CPU 0 (poll_lcores [0] and
# taskset -c 0), every client runs under taskset -c 1. The kernel work of the
# tap device is not pinned: what the dataplane writes is received by the
# kernel inside its write() on CPU 0 (and counted in its busy cycles and CPU
# time); what the clients send is queued on CPU 1. On a 2-core machine the
# two sides still share caches and memory bandwidth; say so next to figures.
#
# Isolation and clean-up as tests/integration/lib.sh: a fresh namespace
# (slb-<id>), tap (slb<id>) and instance name, addresses 10.204.<n>.1/.2 that
# exist only inside the namespace; an EXIT/INT/TERM trap stops the dataplane
# and removes the namespace, the tap, the stats shared memory, the temp dir
# and a hugetlbfs mount it made. Nothing is sent from the host namespace.

set -euo pipefail

SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=build
STREAM_MB=1024
PARALLEL=8
CONN_SECONDS=10
CONN_INFLIGHT=64
CONN_THREADS=4
OUT=
PERF=0

die() {
	echo "tcp_bench: $*" >&2
	exit 1
}

while [ $# -gt 0 ]; do
	case $1 in
	--stream-mb) STREAM_MB=$2; shift 2 ;;
	--parallel) PARALLEL=$2; shift 2 ;;
	--conn-seconds) CONN_SECONDS=$2; shift 2 ;;
	--conn-inflight) CONN_INFLIGHT=$2; shift 2 ;;
	--conn-threads) CONN_THREADS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--quick) STREAM_MB=64; CONN_SECONDS=3; shift ;;
	--perf) PERF=1; shift ;;
	-h | --help) awk 'NR > 2 && /^#/ { sub(/^# ?/, ""); print; next } NR > 2 { exit }' "$0"; exit 0 ;;
	-*) die "unknown option $1 (see --help)" ;;
	*) BUILD=$1; shift ;;
	esac
done

[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, tap device, hugepages)"
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs: the dataplane on CPU 0, the clients on CPU 1"
case $BUILD in /*) ;; *) BUILD=$SRC/$BUILD ;; esac
for f in sluice-dataplane sluicectl; do
	[ -x "$BUILD/$f" ] || die "$BUILD/$f not found (meson setup $BUILD && ninja -C $BUILD)"
done
for t in ip taskset cc; do
	command -v "$t" >/dev/null || die "$t not found"
done
[ "$PERF" = 0 ] || command -v perf >/dev/null || die "--perf needs perf (apt-get install linux-perf)"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3

ID=$(printf '%x%04x' "$$" "$((RANDOM % 65536))")
NS=slb-$ID
TAP=slb$ID
INSTANCE=slb$ID
NET=10.204.$((RANDOM % 250 + 1))
HOST_IP=$NET.1
APP_IP=$NET.2
TMP=$(mktemp -d "/tmp/sluice-bench.$ID.XXXXXX")
CONF=$TMP/sluice.yaml
LOG=$TMP/dataplane.log
SHM=/dev/shm/sluice.$INSTANCE.stats
PID=
HUGE_MOUNT=
MEMORY_MB=512

cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
		kill -TERM "$PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	[ -e "/run/netns/$NS" ] && ip netns del "$NS" 2>/dev/null
	ip link show dev "$TAP" >/dev/null 2>&1 && ip link del dev "$TAP" 2>/dev/null
	rm -f "$SHM"
	[ -n "$HUGE_MOUNT" ] && umount "$HUGE_MOUNT" 2>/dev/null
	if [ $rc -ne 0 ] && [ -f "$LOG" ]; then
		echo "tcp_bench: failed; last lines of the dataplane log:" >&2
		tail -n 20 "$LOG" | sed 's/^/  | /' >&2
	fi
	rm -rf "$TMP"
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Anything else running skews every figure (the poll core's busy cycles are
# wall-clock TSC time): record the load, and say so when it is not quiet.
LOADAVG=$(cut -d' ' -f1 /proc/loadavg)
if awk -v l="$LOADAVG" 'BEGIN { exit !(l > 0.5) }'; then
	echo "tcp_bench: warning: load average $LOADAVG before the start; figures will be low" >&2
fi

# --- hugepages: a hugetlbfs mount with enough free 2 MiB pages, else --no-huge
huge_dir=${SLUICE_HUGE_DIR:-/dev/hugepages-sluice}
if [ "$(findmnt -rn -M "$huge_dir" -o FSTYPE 2>/dev/null)" != hugetlbfs ]; then
	huge_dir=$(findmnt -rn -t hugetlbfs -o TARGET 2>/dev/null | head -n 1 || true)
	if [ -z "$huge_dir" ]; then
		huge_dir=$TMP/huge
		mkdir -p "$huge_dir"
		if mount -t hugetlbfs -o pagesize=2M nodev "$huge_dir" 2>/dev/null; then
			HUGE_MOUNT=$huge_dir
		fi
	fi
fi

cat >"$CONF" <<EOF
# perf/tcp_bench.sh run $ID
dataplane:
  instance: $INSTANCE
  main_lcore: 0
  poll_lcores: [0]
  memory_mb: $MEMORY_MB
  huge: auto
  huge_dir: $huge_dir
  log_level: info
ports:
  - name: bench
    kind: tap
    iface: $TAP
    ipv4: $APP_IP/24
tcp:
  max_conns: 16384
test:
  tcp_discard_port: 9
EOF

ctl() { "$BUILD/sluicectl" --instance "$INSTANCE" "$@"; }
nsexec() { ip netns exec "$NS" "$@"; }
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}
ready() { kill -0 "$PID" && ip link show dev "$TAP" && ctl status; }

# --- the appliance ------------------------------------------------------------
cc -std=c11 -D_GNU_SOURCE -O2 -pthread -o "$TMP/tcp_connrate" "$SRC/perf/tcp_connrate.c" ||
	die "cannot build perf/tcp_connrate.c"
ip netns add "$NS"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
# The rate client closes first, so its side keeps TIME_WAIT: allow the whole
# port range and reuse (timestamps make that safe), or it runs out of ports.
ip netns exec "$NS" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
ip -n "$NS" link set dev lo up

taskset -c 0 "$BUILD/sluice-dataplane" --config "$CONF" >"$LOG" 2>&1 </dev/null &
PID=$!
wait_for 30 ready || die "dataplane not ready after 30 s"
ip link set dev "$TAP" netns "$NS"
ip -n "$NS" addr add "$HOST_IP/24" dev "$TAP"
ip -n "$NS" link set dev "$TAP" txqueuelen 10000
ip -n "$NS" link set dev "$TAP" up
wait_for 20 nsexec ping -n -c 1 -W 1 "$APP_IP" || die "$APP_IP does not answer ping"

# --- one measured run -----------------------------------------------------------
# cpu_ticks: utime + stime of the dataplane (all its threads), in clock ticks,
# and when they were read.
cpu_ticks() { echo "$(awk '{ print $14 + $15 }' "/proc/$PID/stat") $(date +%s.%N)"; }
snap() {
	sleep 0.3 # one stats publication (100 ms) surely passed
	ctl stats --json >"$TMP/$1.json"
	cpu_ticks >"$TMP/$1.cpu"
}

# measure NAME CMD...: run CMD pinned to CPU 1 in the namespace; keep its JSON line.
measure() {
	local name=$1 t0 t1
	shift
	snap "$name.before"
	t0=$(date +%s.%N)
	if ! taskset -c 1 ip netns exec "$NS" "$@" >"$TMP/$name.client" 2>"$TMP/$name.err"; then
		cat "$TMP/$name.client" "$TMP/$name.err" >&2
		die "client run '$name' failed"
	fi
	t1=$(date +%s.%N)
	echo "$t0 $t1" >"$TMP/$name.wall"
	snap "$name.after"
}

export SL_APP_IP=$APP_IP SL_DISCARD_PORT=9 SL_TCP_TIMEOUT=600
CLIENT=$SRC/tests/integration/tcp_client.py
BYTES=$((STREAM_MB << 20))

echo "tcp_bench: dataplane pid $PID on CPU 0, clients on CPU 1; $APP_IP in namespace $NS" >&2
echo "tcp_bench: stream: 1 connection x $STREAM_MB MiB" >&2
if [ "$PERF" = 1 ]; then
	perf record -q -e cpu-clock -g -p "$PID" -o "$TMP/perf.data" 2>"$TMP/perf.err" &
	PERF_PID=$!
	sleep 1
fi
measure stream "$PY" "$CLIENT" stream "$BYTES"
if [ "$PERF" = 1 ]; then
	kill -INT "$PERF_PID"
	wait "$PERF_PID" || true
fi
echo "tcp_bench: parallel: $PARALLEL connections x $((STREAM_MB / PARALLEL)) MiB" >&2
measure parallel "$PY" "$CLIENT" bulk "$PARALLEL" "$((BYTES / PARALLEL))"
echo "tcp_bench: connrate: ${CONN_SECONDS}s, $CONN_INFLIGHT in flight, $CONN_THREADS threads" >&2
measure connrate "$TMP/tcp_connrate" "$APP_IP" 9 "$CONN_SECONDS" "$CONN_INFLIGHT" "$CONN_THREADS"

# --- report ---------------------------------------------------------------------
mkdir -p "$SRC/perf/results"
[ -n "$OUT" ] || OUT=$SRC/perf/results/tcp-$(date -u +%Y%m%d-%H%M%S).json
if [ "$PERF" = 1 ]; then
	perf report -i "$TMP/perf.data" --no-children --sort dso --stdio -g none >"$TMP/perf.dso" 2>/dev/null
	perf report -i "$TMP/perf.data" --no-children --sort dso,sym --stdio -g none \
		>"$TMP/perf.sym" 2>/dev/null
	{
		echo "# perf record -e cpu-clock -g -p <dataplane> during the single stream (perf/tcp_bench.sh)"
		echo "# time by DSO (self):"
		awk 'NF' "$TMP/perf.dso"
		echo "# top symbols (self):"
		awk 'NF && n++ < 60' "$TMP/perf.sym"
	} >"${OUT%.json}-perf.txt"
fi
"$PY" - "$TMP" "$OUT" "$BUILD" "$(getconf CLK_TCK)" "$STREAM_MB" "$PARALLEL" "$CONN_SECONDS" \
	"$CONN_INFLIGHT" "$CONN_THREADS" "$LOADAVG" <<'EOF'
import json, os, platform, subprocess, sys, time

tmp, out, build, clk_tck = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
stream_mb, parallel, conn_s, conn_inflight, conn_threads = map(int, sys.argv[5:10])
loadavg = float(sys.argv[10])

def load(p):
    return json.load(open(os.path.join(tmp, p)))

def lscpu():
    info = {}
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        k, _, v = line.partition(":")
        info[k.strip()] = v.strip()
    return info

cpu = lscpu()
runs = {}
for name in ("stream", "parallel", "connrate"):
    b, a = load(name + ".before.json"), load(name + ".after.json")
    cb, ca = (b["total"]["counters"], a["total"]["counters"])
    d = {k: ca[k] - cb[k] for k in ca}
    t0, t1 = map(float, open(os.path.join(tmp, name + ".wall")).read().split())
    wall = t1 - t0
    # CPU time over the interval between its two readings (which also hold
    # the 0.3 s waits for a stats publication, not only the client's run).
    ticks0, ts0 = open(os.path.join(tmp, name + ".before.cpu")).read().split()
    ticks1, ts1 = open(os.path.join(tmp, name + ".after.cpu")).read().split()
    cpu_s = (int(ticks1) - int(ticks0)) / clk_tck
    cpu_window = float(ts1) - float(ts0)
    client = json.loads(open(os.path.join(tmp, name + ".client")).read().strip().splitlines()[-1])
    segs = d["tcp_segments_received"]
    # Rates over the client's own clock (wall time also holds namespace entry
    # and interpreter start-up); CPU share over the wall time it was sampled in.
    secs = client["seconds"]
    r = {
        "wall_seconds": round(wall, 3),
        "client": client,
        "tcp_segments_received": segs,
        "tcp_segments_sent": d["tcp_segments_sent"],
        "tcp_payload_bytes": d["tcp_payload_bytes_received"],
        "segments_per_s": round(segs / secs),
        "busy_cycles_per_segment": round(d["core_busy_cycles"] / segs) if segs else None,
        "busy_pct": round(100.0 * d["core_busy_cycles"] /
                          max(1, d["core_busy_cycles"] + d["core_idle_cycles"]), 1),
        "dataplane_cpu_seconds": round(cpu_s, 2),
        "dataplane_cpu_pct": round(100.0 * cpu_s / cpu_window, 1),
        "tcp_retransmits": d["tcp_retransmits"],
        "tcp_zero_window": d["tcp_zero_window"],
        "drops": {k: a["total"]["drops"][k] - b["total"]["drops"][k]
                  for k in a["total"]["drops"] if a["total"]["drops"][k] != b["total"]["drops"][k]},
    }
    if name in ("stream", "parallel"):
        # Goodput: payload the listener took in, over the client's wall time.
        r["goodput_mb_per_s"] = round(d["tcp_payload_bytes_received"] / secs / 1e6, 1)
        r["goodput_gbit_per_s"] = round(d["tcp_payload_bytes_received"] * 8 / secs / 1e9, 3)
    else:
        r["connections_per_s"] = client["per_s"]
        r["dataplane_opened_per_s"] = round(d["tcp_connections_opened"] / secs, 1)
        r["tcp_connections_opened"] = d["tcp_connections_opened"]
        r["tcp_connections_closed"] = d["tcp_connections_closed"]
        r["busy_cycles_per_connection"] = (round(d["core_busy_cycles"] / d["tcp_connections_opened"])
                                           if d["tcp_connections_opened"] else None)
    runs[name] = r

last = load("connrate.after.json")
res = {
    "benchmark": "tcp",
    "date_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    "machine": {
        "cpu_model": cpu.get("Model name"),
        "cpus": os.cpu_count(),
        "threads_per_core": cpu.get("Thread(s) per core"),
        "hypervisor": cpu.get("Hypervisor vendor"),
        "kernel": platform.release(),
        "tsc_hz": last["tsc_hz"],
        "hugepages": last["huge"],
        "loadavg_1min_before": loadavg,
    },
    "setup": {
        "port": "net_tap (one read/write syscall per packet)",
        "dataplane_cpu": 0, "client_cpu": 1,
        "listener": "test.tcp_discard_port (consumes at once, CRC-32)",
        "build": build,
        "stream_mib": stream_mb, "parallel_streams": parallel,
        "conn_seconds": conn_s, "conn_inflight": conn_inflight, "conn_threads": conn_threads,
    },
    "runs": runs,
}
json.dump(res, open(out, "w"), indent=2)
open(out, "a").write("\n")

ghz = last["tsc_hz"] / 1e9
print(f"\nTCP benchmark  {res['machine']['cpu_model']}  ({res['machine']['cpus']} CPUs, "
      f"kernel {res['machine']['kernel']}, TSC {ghz:.2f} GHz, hugepages {last['huge']})")
print("dataplane on CPU 0, clients on CPU 1; net_tap port (a syscall per packet); "
      f"load average before: {loadavg}\n")
hdr = f"{'run':<22}{'goodput MB/s':>13}{'conn/s':>10}{'segs/s':>10}{'cyc/seg':>9}{'ns/seg':>8}{'busy%':>7}{'dp CPU%':>8}"
print(hdr)
print("-" * len(hdr))
for name, label in (("stream", "1 stream"), ("parallel", f"{parallel} streams"),
                    ("connrate", "short connections")):
    r = runs[name]
    gp = f"{r['goodput_mb_per_s']:.1f}" if "goodput_mb_per_s" in r else "-"
    cr = f"{r['connections_per_s']:.0f}" if "connections_per_s" in r else "-"
    cps = r["busy_cycles_per_segment"]
    print(f"{label:<22}{gp:>13}{cr:>10}{r['segments_per_s']:>10}{cps if cps else '-':>9}"
          f"{(cps / ghz if cps else 0):>8.0f}{r['busy_pct']:>7}{r['dataplane_cpu_pct']:>8}")
print(f"\nresults: {out}")
EOF
