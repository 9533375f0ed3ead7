#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Durability and backpressure of the pipeline: kill -9 under load, and a slow flush worker.
#
# Crash: in persisted mode, clients in the namespace send continuously while
# the dataplane is killed with SIGKILL five times at random moments and
# restarted on the same store; once before a restart a torn record is
# appended to the newest segment file, as a power cut mid-write would leave
# it. Afterwards `sluicectl segments verify` passes, the torn tail was cut
# and counted, and every request that got a 200 is in the store (client
# retries may store some twice: counted, allowed).
#
# Backpressure: with test.flush_delay_ms making the flush worker slow and a
# small pipeline.max_inflight_bytes, clients get 503 with Retry-After, the
# bytes held never pass the bound by more than one request, the mbuf pool
# never runs dry, and nothing acknowledged is missing after a clean stop.
#
# Window: in persisted mode, requests pipelined on one connection without
# reading answers: while an answer waits for its group commit the appliance
# holds the rest unparsed, so its receive window closes (counted); every
# request is still answered 200, in order, and stored.
#
# Replay: that store is sent to a fresh appliance by `sluicectl segments
# replay` (from inside the namespace); the new store holds the same requests,
# and a second run with --resume sends nothing.

set -u
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
LOAD=$SLUICE_SRC/tests/integration/otlp_load.py

# ids_in_store DIR: request ids (span "<id>-0") of every record, one per line, sorted.
ids_in_store() {
	sl_ctl segments dump --format json "$1" |
		grep -o '"name":"[A-Za-z0-9]*-[0-9]*-[0-9]*-0"' | sed 's/^"name":"//; s/-0"$//' | sort
}

# check_acked LABEL ACKS DIR: every acknowledged id is in the store.
check_acked() {
	local label=$1 acks=$2 dir=$3 missing stored
	ids_in_store "$dir" >"$SL_TMP/stored.txt"
	sort -u "$acks" >"$SL_TMP/acked.txt"
	missing=$(comm -23 "$SL_TMP/acked.txt" "$SL_TMP/stored.txt" | wc -l)
	stored=$(sort -u "$SL_TMP/stored.txt" | wc -l)
	sl_ge "$label: requests acknowledged" "$(wc -l <"$SL_TMP/acked.txt")" 1
	sl_is "$label: every acknowledged request is in the store" "$missing" 0
	[ "$missing" = 0 ] || comm -23 "$SL_TMP/acked.txt" "$SL_TMP/stored.txt" | head -5 |
		while read -r id; do sl_diag "missing: $id"; done
	sl_diag "$label: $(wc -l <"$SL_TMP/acked.txt") acknowledged, $stored distinct stored," \
		"$(($(wc -l <"$SL_TMP/stored.txt") - stored)) stored twice (client retries)"
}

# -- crash: kill -9 under load in persisted mode --------------------------------
SL_EXTRA_CONF="pipeline:
  durability: persisted
  seal_age_ms: 50
  persist_timeout_ms: 3000"
sl_setup || sl_bail "dataplane did not start"
STORE=$SL_TMP/store
URL=http://$SL_APP_IP:4318
RUN=c$SL_ID
sl_nsexec $PY "$LOAD" --url "$URL" --run "$RUN" --clients 4 --duration 25 --grace 30 \
	--spans 10 --acks "$SL_TMP/acks.txt" >"$SL_TMP/load.json" 2>"$SL_TMP/load.err" &
LOADPID=$!
torn_at=3
for k in 1 2 3 4 5; do
	sleep "$(awk -v r=$RANDOM 'BEGIN { printf "%.2f", 1.5 + (r % 200) / 100 }')"
	kill -KILL "$SL_PID" 2>/dev/null
	wait "$SL_PID" 2>/dev/null
	SL_PID=
	if [ "$k" = "$torn_at" ]; then
		# A record cut short, as a power cut would leave it: the first half of the
		# newest file's last record (or of its header, for an empty store).
		newest=$(ls "$STORE"/worker-0/*.seg | sort | tail -1)
		size=$(stat -c %s "$newest")
		$PY - "$newest" <<'PYEOF'
import struct, sys
p = sys.argv[1]
data = open(p, "rb").read()
# Walk the records (docs/segment-format.md): 64-byte headers, payload, pad to 8.
off, last = 64, None
while off + 64 <= len(data) and data[off:off + 4] == b"SLrc":
    comp = struct.unpack_from("<I", data, off + 28)[0]
    last = off
    off += 64 + ((comp + 7) & ~7)
rec = data[last:off] if last is not None else b"SLrc" + bytes(60)
open(p, "ab").write(rec[: max(8, len(rec) // 2)])
PYEOF
		sl_diag "kill $k: appended a torn record to $newest ($size bytes before)"
	fi
	sl_start || sl_bail "dataplane did not restart after kill $k"
	if [ "$k" = "$torn_at" ]; then
		sl_snap torn
		sl_is "restart after a torn write: one torn tail cut" \
			"$(sl_json "$SL_TMP/torn.json" total.counters.flush_torn_tails)" 1
		sl_ge "restart after a torn write: the cut bytes counted" \
			"$(sl_json "$SL_TMP/torn.json" total.counters.flush_torn_bytes)" 8
	fi
done
wait "$LOADPID"
sl_diag "load: $(cat "$SL_TMP/load.json")"
sl_check "clients saw the kills (connection errors) and kept going" \
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["conn_errors"] > 0 and d["ok"] > 0 else 1)' \
	"$SL_TMP/load.json"
sl_snap crash_end
sl_is "persisted: no batch failed to be written" \
	"$(sl_json "$SL_TMP/crash_end.json" total.counters.pipeline_batches_failed)" 0
sl_stop 20 || sl_fail "dataplane stopped within 20 s after the crash runs"
sl_check "crash: sluicectl segments verify passes" sl_ctl segments verify "$STORE"
check_acked crash "$SL_TMP/acks.txt" "$STORE"
sl_teardown
sl_leak_check crash

# -- backpressure: a slow flush worker ------------------------------------------
SL_EXTRA_CONF="pipeline:
  max_inflight_bytes: 1048576
  seal_bytes: 131072
  seal_age_ms: 20
  ring_size: 16
  batches: 64
test:
  flush_delay_ms: 150"
sl_setup || sl_bail "dataplane did not start (backpressure)"
STORE=$SL_TMP/store
URL=http://$SL_APP_IP:4318
sl_snap bp_start
sl_nsexec $PY "$LOAD" --url "$URL" --run "b$SL_ID" --clients 8 --duration 12 --grace 20 \
	--spans 40 --backoff 0.05 --acks "$SL_TMP/acks.txt" >"$SL_TMP/load.json" \
	2>"$SL_TMP/load.err"
sl_diag "load: $(cat "$SL_TMP/load.json")"
sl_snap bp_end
f=$SL_TMP/bp_end.json
sl_check "clients got 503 with Retry-After while the flush worker was slow" \
	$PY -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["s503"] > 0 and d["retry_after"] == d["s503"] and d["ok"] > 0 else 1)' \
	"$SL_TMP/load.json"
sl_ge "appliance counted 503 responses" "$(sl_json "$f" total.counters.http_responses_503)" 1
peak=$(sl_json "$f" total.counters.pipeline_inflight_bytes_peak)
sl_diag "inflight peak $peak bytes, bound 1048576; refused: inflight" \
	"$(sl_json "$f" total.counters.pipeline_refused_inflight), batches" \
	"$(sl_json "$f" total.counters.pipeline_refused_batches), input stalls" \
	"$(sl_json "$f" total.counters.pipeline_input_stalls)"
# One request past the bound at most: a 40-span request pins a few 2 KiB mbufs.
sl_check "bytes held by batches stayed within the bound plus one request ($peak)" \
	test "$peak" -le $((1048576 + 65536))
sl_ge "bytes held by batches reached the soft limit (the bound was exercised)" "$peak" 786432
sl_is "no receive into an empty mbuf pool" "$(sl_json "$f" ports.0.rx_nombuf)" 0
sl_is "no request refused by the HTTP parser or walker" \
	"$(sl_json "$f" total.counters.otlp_invalid_requests)" 0
sl_stop 30 || sl_fail "dataplane drained and stopped within 30 s"
sl_check "backpressure: sluicectl segments verify passes" sl_ctl segments verify "$STORE"
check_acked backpressure "$SL_TMP/acks.txt" "$STORE"
sl_teardown
sl_leak_check backpressure

# -- a waiting answer closes the window: pipelined requests in persisted mode -----
# Each answer waits for its batch's group commit (slowed to 20 ms a batch); the
# connection's further requests stay unparsed in TCP meanwhile, so the 64 KiB
# receive window fills and closes, and the client's sends stall; every request
# is still answered 200, in order, and stored.
SL_EXTRA_CONF="tcp:
  rcv_buf: 65536
pipeline:
  durability: persisted
test:
  flush_delay_ms: 20"
sl_setup || sl_bail "dataplane did not start (pipelined)"
STORE=$SL_TMP/store
sl_nsexec $PY "$SLUICE_SRC/tests/integration/pipeline_pipelined.py" "$SL_APP_IP" 4318 120 \
	"p$SL_ID" >"$SL_TMP/client.json" 2>"$SL_TMP/client.err"
sl_diag "pipelined: $(head -c 200 "$SL_TMP/client.json") $(head -c 300 "$SL_TMP/client.err")"
sl_is "pipelined: all 120 requests answered 200 in order" \
	"$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["ok"])' "$SL_TMP/client.json" 2>/dev/null)" 120
sl_snap pipelined
sl_ge "pipelined: the appliance advertised a zero window" \
	"$(sl_json "$SL_TMP/pipelined.json" total.counters.tcp_zero_window || echo 0)" 1
sl_ge "pipelined: input was held while answers waited" \
	"$(sl_json "$SL_TMP/pipelined.json" total.counters.pipeline_input_stalls || echo 0)" 1
sl_stop 20 || sl_fail "dataplane stopped within 20 s (pipelined)"
seq 0 119 | sed "s/^/p$SL_ID-0-/" >"$SL_TMP/acks.txt"
check_acked pipelined "$SL_TMP/acks.txt" "$STORE"
# Keep this store for the replay below (sl_teardown removes the run's directory).
OLD=$(mktemp -d /tmp/sluice-it-replay.XXXXXX)
trap 'rc=$?; rm -rf "$OLD"; (exit $rc); _sl_on_exit' EXIT
cp -a "$STORE" "$OLD/store" && cp "$SL_TMP/acks.txt" "$OLD/acks.txt"
sl_teardown
sl_leak_check pipelined

# -- replay: a store sent again to a live appliance by sluicectl ------------------
# sluicectl runs inside the namespace (traffic only goes to addresses the test
# made); the new appliance's store must then hold the same requests, and a
# second run with --resume sends nothing.
SL_EXTRA_CONF=
sl_setup || sl_bail "dataplane did not start (replay)"
sl_check "replay: every record acknowledged by the appliance" \
	sl_nsexec "$SLUICE_BUILD/sluicectl" segments replay --endpoint "http://$SL_APP_IP:4318" \
	--resume "$OLD/resume.state" "$OLD/store"
sl_nsexec "$SLUICE_BUILD/sluicectl" segments replay --endpoint "http://$SL_APP_IP:4318" \
	--resume "$OLD/resume.state" "$OLD/store" >"$SL_TMP/replay2.out" 2>&1
sl_snap replay
sl_is "replay: the appliance got one request per stored record (--resume sent nothing again)" \
	"$(sl_json "$SL_TMP/replay.json" total.counters.otlp_trace_requests)" 120
sl_stop 20 || sl_fail "dataplane stopped within 20 s (replay)"
check_acked replay "$OLD/acks.txt" "$SL_TMP/store"
sl_teardown
sl_leak_check replay
sl_done
