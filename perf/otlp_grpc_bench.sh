#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# OTLP/gRPC next to OTLP/HTTP: h2load from a namespace against the dataplane on a tap port.
#
# usage: sudo perf/otlp_grpc_bench.sh [--build DIR] [--requests N] [--spans S] [--out FILE]
#
# One dataplane (one poll core on lcore 0, tap port, tests/integration/lib.sh: sl_setup), one
# h2load connection pinned to CPU 1, closed loop, N requests of one Export*ServiceRequest with
# S spans (default 100): gRPC (h2c, prior knowledge) with 1 and 100 concurrent streams, and
# OTLP/HTTP/1.1 (h2load --h1) with 1 request in flight and 100 pipelined. For each run: items
# (spans) per second over h2load's wall time, and the poll core's busy TSC cycles per item
# (sluice_core_busy_cycles_total / sluice_otlp_spans_received_total deltas). Prints a Markdown
# table, and writes it to --out if given.
#
# The figures are bounded by the tap PMD (a syscall per packet on the poll core) and by the
# machine (h2load and the kernel share the second core): read them as the relative cost of the
# two protocols on the same path, not as NIC line-rate numbers. sluice-gen has no gRPC mode
# yet; h2load is the gRPC load generator here.

set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
SLUICE_BUILD=${SLUICE_BUILD:-$SRC/build}
N=20000
SPANS=100
OUT=
while [ $# -gt 0 ]; do
	case $1 in
	--build) SLUICE_BUILD=$(cd "$2" && pwd); shift 2 ;;
	--requests) N=$2; shift 2 ;;
	--spans) SPANS=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	*) echo "otlp_grpc_bench: unknown argument $1" >&2; exit 2 ;;
	esac
done
die() { echo "otlp_grpc_bench: $*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || die "needs root (network namespace, tap)"
command -v h2load >/dev/null || die "h2load missing (apt-get install nghttp2-client)"
export SLUICE_BUILD SLUICE_SRC=$SRC
. "$SRC/tests/integration/lib.sh"
trap 'sl_teardown >/dev/null 2>&1' EXIT

SL_EXTRA_CONF="tcp:
  max_conns: 1024"
sl_setup >/dev/null 2>&1 || die "the dataplane did not start"
T=$SL_TMP
# A request of SPANS spans in one Resource/Scope: the generator's profile code would do, but a
# few lines of protobuf by hand keep this script standalone.
python3 - "$SPANS" "$T" <<'EOF'
import struct, sys
n, d = int(sys.argv[1]), sys.argv[2]
def ld(f, b): return bytes([f << 3 | 2]) + enc(len(b)) + b
def enc(v):
    o = b''
    while v >= 128: o += bytes([v & 127 | 128]); v >>= 7
    return o + bytes([v])
def kv(k, v): return ld(1, k.encode()) + ld(2, ld(1, v.encode()))
spans = b''.join(ld(2, ld(1, bytes(16)) + ld(2, struct.pack('>Q', i + 1)) + ld(5, b'GET /cart %d' % i) +
                 b'\x39' + struct.pack('<Q', 1700000000000000000) + b'\x41' + struct.pack('<Q', 1700000000001000000) +
                 ld(9, kv('http.method', 'GET'))) for i in range(n))
req = ld(1, ld(1, ld(1, kv('service.name', 'bench'))) + ld(2, ld(1, ld(1, b'bench')) + spans))
open(d + '/req.pb', 'wb').write(req)
open(d + '/req.grpc', 'wb').write(b'\0' + struct.pack('>I', len(req)) + req)
EOF
ctr() { sl_stats_json | python3 -c 'import json,sys; c=json.load(sys.stdin)["total"]["counters"]; print(c["core_busy_cycles"], c["otlp_spans_received"])'; }
run() { # LABEL ARGS...
	local label=$1 b0 s0 b1 s1 secs out
	shift
	read -r b0 s0 < <(ctr)
	out=$(sl_nsexec taskset -c 1 h2load -n "$N" -c 1 "$@" 2>&1)
	sleep 1.2 # a stats publication
	read -r b1 s1 < <(ctr)
	secs=$(sed -n 's/^finished in \([0-9.]*\)\(m\{0,1\}s\),.*/\1 \2/p' <<<"$out" |
		awk '{ print ($2 == "ms") ? $1 / 1000 : $1 }')
	grep -q "$N succeeded" <<<"$out" || echo "# $label: not every request succeeded: $(grep requests: <<<"$out")" >&2
	awk -v l="$label" -v s="$((s1 - s0))" -v b="$((b1 - b0))" -v t="$secs" \
		'BEGIN { printf "| %s | %d | %.0f | %.0f |\n", l, s, s / t, b / s }'
}
GRPC=http://$SL_APP_IP:4317/opentelemetry.proto.collector.trace.v1.TraceService/Export
HTTP=http://$SL_APP_IP:4318/v1/traces
{
	echo "| run ($SPANS spans/request, $N requests, 1 connection) | items | items/s | busy cycles/item |"
	echo "|---|---|---|---|"
	run "gRPC, 1 stream" -m 1 -d "$T/req.grpc" -H 'content-type: application/grpc' -H 'te: trailers' "$GRPC"
	run "gRPC, 100 concurrent streams" -m 100 -d "$T/req.grpc" -H 'content-type: application/grpc' -H 'te: trailers' "$GRPC"
	run "OTLP/HTTP/1.1, 1 in flight" --h1 -m 1 -d "$T/req.pb" -H 'content-type: application/x-protobuf' "$HTTP"
	run "OTLP/HTTP/1.1, 100 pipelined" --h1 -m 100 -d "$T/req.pb" -H 'content-type: application/x-protobuf' "$HTTP"
} | tee ${OUT:+"$OUT"}
