#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# OTLP/gRPC end to end: OTel JS gRPC exporters, Python grpcio, h2load and a raw HTTP/2 attacker.
#
# Round trips (the store gives back exactly what was sent: roundtrip.mjs compare, every
# item with its Resource and scope equal as protobuf messages, compared as multisets, the
# Resource entries whole and byte for byte). The OTel JS gRPC exporters talk to the
# appliance through a capture proxy in the namespace (roundtrip.mjs grpc-proxy: h2c in,
# h2c out, each gRPC message kept as the exporter framed it, gzip'd or not); grpcio keeps
# a copy of each request it sent.
# Run 1 (durability persisted: the trailers wait for the group commit): grpcio sends the
# golden requests of tests/data/ with 50 concurrent streams on one connection, plain and
# gzip, and the JS exporters send all three signals with and without gzip.
# Run 2 (durability received): the JS exporters again; the appliance counts exactly the
# captured items; the store is compared after SIGTERM's drain.
# Run 3: the JS gRPC exporters straight at the appliance for all three signals with and
# without gzip (every export succeeds, the appliance counts exactly their items); h2load
# for load; each error status seen from grpcio; each HTTP/2 defence from a hand-built
# client (GOAWAY ENHANCE_YOUR_CALM or the stall close, its counter moved) and the
# appliance still serves.
# Run 4: under backpressure (test.http_pressure) an export gets UNAVAILABLE with RetryInfo.
# Run 5: the same from the real pipeline bound (a slow disk, 64 KiB in flight), and recovery.
#
# Run as root: SLUICE_BUILD=$PWD/build SLUICE_SRC=$PWD bash tests/integration/test_otlp_grpc.sh
# SLUICE_TEST_KEEP=1 keeps each run's $SL_TMP (captures/, dump.*.pb, compare.*.out).

set -u
. "$(dirname "$0")/lib.sh"

OTELJS=$SLUICE_SRC/tests/integration/otel-js
PY=/usr/bin/python3
GC=$SLUICE_SRC/tests/integration/grpc_client.py
DATA=$SLUICE_SRC/tests/data
RT=$OTELJS/roundtrip.mjs
# Inside the test's own namespace nothing else listens, so a fixed port is safe.
PROXY_PORT=14317
rt() { node "$RT" "$@"; }
gc() { sl_nsexec "$PY" "$GC" "$@"; }
jget() { "$PY" -c 'import json,sys
d=json.loads(sys.stdin.read().strip().splitlines()[-1])
for k in sys.argv[1].split("."): d=d[k]
print(d)' "$1" 2>/dev/null; }

"$PY" -c 'import grpc' 2>/dev/null || {
	sl_fail "python3-grpcio is installed (apt-get install python3-grpcio)"
	sl_done
}
JS_OK=1
if ! "$OTELJS/install.sh" >"${TMPDIR:-/tmp}/sluice-otel-js-install.log" 2>&1; then
	sl_fail "the OpenTelemetry JS exporters install (tests/integration/otel-js/install.sh)"
	sl_diag_file "${TMPDIR:-/tmp}/sluice-otel-js-install.log" 20
	JS_OK=0
fi

# The capture proxy and the exporters run in the namespace; deleting a namespace does not
# kill its processes, so they are stopped by pid before lib.sh's own cleanup.
PROXY_PID=
JS_PIDS=()
proxy_stop() {
	local p
	for p in "${JS_PIDS[@]}" $PROXY_PID; do
		kill -TERM "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	JS_PIDS=()
	PROXY_PID=
}
_grpc_on_exit() {
	local rc=$?
	proxy_stop
	(exit "$rc")
	_sl_on_exit
}
trap _grpc_on_exit EXIT
trap 'proxy_stop; _sl_on_signal INT' INT
trap 'proxy_stop; _sl_on_signal TERM' TERM

# proxy_start DIR: the gRPC capture proxy on 127.0.0.1:PROXY_PORT in the namespace, in
# front of the appliance's 4317, capturing into DIR. Not through sl_check: that runs its
# command in a subshell, which would lose PROXY_PID.
proxy_start() {
	# ip netns exec execs node in place, so $! is node's pid.
	ip netns exec "$SL_NS" node "$RT" grpc-proxy --listen "127.0.0.1:$PROXY_PORT" \
		--target "$SL_APP_IP:4317" --dir "$1" --ttl-s 600 >"$SL_TMP/proxy.log" 2>&1 </dev/null &
	PROXY_PID=$!
	if sl_wait 10 grep -q '^listening' "$SL_TMP/proxy.log"; then
		sl_pass "$2: gRPC capture proxy listens in the namespace"
	else
		sl_fail "$2: gRPC capture proxy listens in the namespace"
		sl_diag_file "$SL_TMP/proxy.log" 10
		return 1
	fi
}

# js_exports LABEL ENDPOINT: the OTel JS gRPC exporter for every signal x gzip/none, the
# six at once (one process and connection each). Each has its own service.name prefix
# and 3 resources, so items are distinct across the run. Adds to exported[SIGNAL].
js_exports() {
	local label=$1 endpoint=$2 sig gz gzl args out items i=0 names=()
	JS_PIDS=()
	for sig in traces metrics logs; do
		for gz in "" --gzip; do
			gzl=${gz:+gzip}
			gzl=${gzl:-none}
			case $sig in
			# 5 exports of 8 spans / log records over 3 resources.
			traces | logs) args=(--count 40 --batch 8) ;;
			# 3 series x 5 instruments, 2 rounds, one request per resource per round.
			metrics) args=(--count 3 --batch 2) ;;
			esac
			ip netns exec "$SL_NS" node "$OTELJS/export.mjs" --endpoint "$endpoint" \
				--signal "$sig" --encoding grpc $gz "${args[@]}" --resources 3 \
				--service "grpc-$label-$sig-$gzl" --resource-attr "sluice.test.run=$label" \
				--timeout-ms 10000 >"$SL_TMP/js.$sig.$gzl.out" 2>"$SL_TMP/js.$sig.$gzl.err" </dev/null &
			JS_PIDS+=($!)
			names+=("$sig $gzl")
		done
	done
	for i in "${!JS_PIDS[@]}"; do
		wait "${JS_PIDS[$i]}"
		read -r sig gzl <<<"${names[$i]}"
		out=$(tail -1 "$SL_TMP/js.$sig.$gzl.out")
		items=$(printf '%s' "$out" | "$PY" -c 'import json,sys
d=json.load(sys.stdin)
print(d["items"] if d["failed"] == 0 and d["succeeded"] == d["exports"] and not d["errors"]
      and d["rejected"] == 0 else -1)' 2>/dev/null)
		if [[ "$items" =~ ^[0-9]+$ ]] && [ "$items" -gt 0 ]; then
			sl_pass "$label: OTel JS gRPC exporter: $sig ($gzl): every export succeeded ($items items)"
			exported[$sig]=$((exported[$sig] + items))
		else
			sl_fail "$label: OTel JS gRPC exporter: $sig ($gzl): every export succeeded"
			sl_diag "$out"
			sl_diag_file "$SL_TMP/js.$sig.$gzl.err" 5
		fi
	done
	JS_PIDS=()
}

# js_captured LABEL: the captures' counts into $SL_TMP/counts.json and cap_*: every
# capture accepted (200, grpc-status 0), and when the JS exporters ran, the proxy saw
# every item they reported and their gzip calls went out as gzip'd messages.
js_captured() {
	local label=$1 c=$SL_TMP/counts.json sig
	if ! rt counts --captures "$CAP" >"$c" 2>"$SL_TMP/counts.err"; then
		sl_fail "$label: captures decode"
		sl_diag_file "$SL_TMP/counts.err" 10
		return 1
	fi
	sl_is "$label: every captured call was answered grpc-status 0" "$(sl_json "$c" not_200)" "[]"
	cap_requests=0
	cap_gzip=0
	cap_grpcio=0
	for sig in traces metrics logs; do
		cap_items[$sig]=$(sl_json "$c" "$sig.items")
		cap_grpcio=$((cap_grpcio + $(sl_json "$c" "$sig.requests_by_source.grpcio" || echo 0)))
		cap_requests=$((cap_requests + $(sl_json "$c" "$sig.requests")))
		cap_gzip=$((cap_gzip + $(sl_json "$c" "$sig.requests_by_encoding.gzip" || echo 0)))
		[ "$JS_OK" = 1 ] || continue
		sl_is "$label: the proxy saw every $sig item the JS exporters reported" \
			"$(sl_json "$c" "$sig.items_by_source.grpc-proxy" || echo 0)" "${exported[$sig]}"
		sl_ge "$label: $sig: the JS exporter's gzip calls carried gzip'd messages" \
			"$(sl_json "$c" "$sig.requests_by_encoding.gzip" || echo 0)" 1
	done
	sl_diag "$label: captured $cap_requests messages ($cap_gzip gzip); items: traces" \
		"${cap_items[traces]}, metrics ${cap_items[metrics]}, logs ${cap_items[logs]}"
}

# store_compare LABEL WHAT: dump the stopped dataplane's store per signal and compare it
# with every capture in $CAP.
store_compare() {
	local label=$1 what=$2 sig out
	for sig in traces metrics logs; do
		sl_check "$label: segments dump --signal $sig" \
			sl_ctl segments dump --format pb --signal "$sig" --out "$SL_TMP/dump.$sig.pb" \
			"$SL_TMP/store" || continue
		out=$SL_TMP/compare.$sig.out
		if rt compare --captures "$CAP" --signal "$sig" --dump "$SL_TMP/dump.$sig.pb" \
			--max-diffs 5 >"$out" 2>&1; then
			sl_pass "$label: $sig: store == what $what sent, item for item ($(tail -1 "$out" |
				"$PY" -c 'import json,sys
d=json.load(sys.stdin)
print("%d items, %d resources, %d messages, %d records" % (d["sent_items"], d["sent_resources"],
      d["captures"], d["records"]))' 2>/dev/null))"
		else
			sl_fail "$label: $sig: store == what $what sent, item for item"
			sed 's/^/#   /' "$out" | tail -n 20
		fi
	done
}

# _flushed TOTAL: the flush workers have written TOTAL items.
_flushed() {
	sl_stats_json >"$SL_TMP/flushwait.json" &&
		[ "$(sl_json "$SL_TMP/flushwait.json" total.counters.flush_items)" = "$1" ]
}

declare -A exported cap_items
cap_requests=0
cap_gzip=0
cap_grpcio=0

# -- run 1: grpcio and the JS exporters, round trip through the store, persisted ------------
SL_EXTRA_CONF="pipeline:
  seal_age_ms: 50
  durability: persisted"
sl_setup || sl_bail "dataplane did not start"
ADDR=$SL_APP_IP:4317
CAP=$SL_TMP/captures
SAVE=$SL_TMP/sent
mkdir -p "$CAP" "$SAVE"
for sig in traces metrics logs; do
	for gz in "" --gzip; do
		rm -f "$SAVE"/*
		out=$(gc export --addr "$ADDR" --signal "$sig" --file "$DATA/$sig.pb" --count 100 \
			--concurrency 50 $gz --save "$SAVE" 2>&1 | tail -1)
		if [ "$(printf '%s' "$out" | jget ok)" = 100 ]; then
			sl_pass "grpcio: 100 $sig exports, 50 concurrent streams ${gz:-(identity)}: all OK"
		else
			sl_fail "grpcio: 100 $sig exports, 50 concurrent streams ${gz:-(identity)}: all OK"
			sl_diag "$out"
		fi
		# What grpcio sent (before its gzip) becomes one capture per request, in one go.
		bodies=()
		for f in "$SAVE"/*.pb; do
			[ -e "$f" ] && bodies+=(--body "$f")
		done
		[ ${#bodies[@]} -eq 0 ] ||
			rt record --dir "$CAP" --path "/v1/$sig" --content-type application/x-protobuf \
				--status 200 "${bodies[@]}" --source grpcio --label "grpcio $sig$gz" >/dev/null
	done
done
exported=([traces]=0 [metrics]=0 [logs]=0)
cap_items=([traces]=0 [metrics]=0 [logs]=0)
if [ "$JS_OK" = 1 ] && proxy_start "$CAP" persisted; then
	js_exports persisted "http://127.0.0.1:$PROXY_PORT"
	proxy_stop
fi
js_captured persisted
sl_snap rt
# cap_requests: the grpcio requests recorded above and every call through the proxy.
sl_ge "round trip: answers waited for the group commit (persisted)" \
	"$(sl_json "$SL_TMP/rt.json" total.counters.pipeline_acks_persisted)" "$cap_requests"
sl_is "round trip: the 600 grpcio requests captured" "$cap_grpcio" 600
sl_is "round trip: an OK answer counted per captured request" \
	"$(sl_json "$SL_TMP/rt.json" total.counters.grpc_status_ok)" "$cap_requests"
sl_ge "round trip: gzip messages counted" \
	"$(sl_json "$SL_TMP/rt.json" total.counters.grpc_gzip_messages)" $((300 + cap_gzip))
sl_stop 20
store_compare "round trip" "grpcio and the OTel JS gRPC exporters"
sl_teardown

# -- run 2: the JS exporters, round trip through the store, durability received -----------
if [ "$JS_OK" = 1 ]; then
	SL_EXTRA_CONF=
	exported=([traces]=0 [metrics]=0 [logs]=0)
	cap_items=([traces]=0 [metrics]=0 [logs]=0)
	if sl_setup && CAP=$SL_TMP/captures && mkdir -p "$CAP" && proxy_start "$CAP" received; then
		js_exports received "http://127.0.0.1:$PROXY_PORT"
		proxy_stop
		if js_captured received; then
			total=$((cap_items[traces] + cap_items[metrics] + cap_items[logs]))
			# received: the answers came once queued; batches seal by age while running.
			sl_wait 15 _flushed "$total" || true
			sl_snap recv
			f=$SL_TMP/recv.json
			sl_is "received: otlp_spans_received = spans captured" \
				"$(sl_json "$f" total.counters.otlp_spans_received)" "${cap_items[traces]}"
			sl_is "received: otlp_data_points_received = data points captured" \
				"$(sl_json "$f" total.counters.otlp_data_points_received)" "${cap_items[metrics]}"
			sl_is "received: otlp_log_records_received = log records captured" \
				"$(sl_json "$f" total.counters.otlp_log_records_received)" "${cap_items[logs]}"
			sl_is "received: an OK answer per captured call" \
				"$(sl_json "$f" total.counters.grpc_status_ok)" "$cap_requests"
			sl_is "received: every call acknowledged once queued" \
				"$(sl_json "$f" total.counters.pipeline_acks_received)" "$cap_requests"
			sl_is "received: a gzip message counted per gzip'd capture" \
				"$(sl_json "$f" total.counters.grpc_gzip_messages)" "$cap_gzip"
			sl_is "received: flush_items = items captured" \
				"$(sl_json "$f" total.counters.flush_items)" "$total"
			sl_stop 20
			sl_is "received: SIGTERM stops the dataplane with status 0" "${SL_STOP_RC:-none}" 0
			store_compare received "the OTel JS gRPC exporters"
		fi
	else
		sl_fail "received: dataplane and capture proxy start"
	fi
	proxy_stop
	sl_teardown
	sl_leak_check "run 2:"
fi

# -- run 3: exporters, load, statuses, defences ---------------------------------------------
SL_EXTRA_CONF="grpc:
  max_message_bytes: 262144
  max_concurrent_streams: 100
  max_refused_streams: 50
  stall_timeout_ms: 1500
  max_pings_per_s: 20
  max_settings_per_s: 10
  max_resets_per_s: 100"
sl_setup || sl_bail "dataplane did not start"
ADDR=$SL_APP_IP:4317
# Straight at the appliance, no proxy: grpc-js's own HTTP/2 client against ours.
exported=([traces]=0 [metrics]=0 [logs]=0)
[ "$JS_OK" = 0 ] || js_exports direct "http://$ADDR"
sl_snap js
f=$SL_TMP/js.json
sl_is "appliance counted every span the JS exporters sent" \
	"$(sl_json "$f" total.counters.otlp_spans_received)" "${exported[traces]}"
sl_is "appliance counted every data point the JS exporters sent" \
	"$(sl_json "$f" total.counters.otlp_data_points_received)" "${exported[metrics]}"
sl_is "appliance counted every log record the JS exporters sent" \
	"$(sl_json "$f" total.counters.otlp_log_records_received)" "${exported[logs]}"

# h2load: 2000 requests, 2 connections x 100 concurrent streams.
MSG=$SL_TMP/traces.grpc
"$PY" -c 'import sys,struct; b=open(sys.argv[1],"rb").read(); sys.stdout.buffer.write(b"\0"+struct.pack(">I",len(b))+b)' \
	"$DATA/traces.pb" >"$MSG"
ok0=$(sl_json "$f" total.counters.grpc_status_ok)
if command -v h2load >/dev/null; then
	h2=$(sl_nsexec h2load -n 2000 -c 2 -m 100 -d "$MSG" -H 'content-type: application/grpc' \
		-H 'te: trailers' "http://$ADDR/opentelemetry.proto.collector.trace.v1.TraceService/Export" 2>&1)
	sl_check "h2load: 2000 requests succeeded" grep -q 'requests: 2000 total, 2000 started, 2000 done, 2000 succeeded' <<<"$h2"
	sl_diag "$(grep -E 'finished in|requests:' <<<"$h2" | tr '\n' ' ')"
	sl_snap h2load
	sl_is "h2load: 2000 more OK answers (grpc-status 0)" \
		"$(($(sl_json "$SL_TMP/h2load.json" total.counters.grpc_status_ok) - ok0))" 2000
else
	sl_fail "h2load is installed (apt-get install nghttp2-client)"
fi

# Statuses seen from grpcio.
st() { gc status --addr "$ADDR" "$@" 2>&1 | tail -1; }
printf '\x0a\xff\xff\xff\x0f' >"$SL_TMP/junk.pb"
out=$(st --file "$SL_TMP/junk.pb")
sl_is "grpcio: malformed request -> INVALID_ARGUMENT" "$(jget code <<<"$out")" INVALID_ARGUMENT
sl_diag "details: $(jget details <<<"$out")"
out=$(st --file "$DATA/traces.pb" --pad 300000)
sl_is "grpcio: 300 KB message over the 256 KiB limit -> RESOURCE_EXHAUSTED" "$(jget code <<<"$out")" RESOURCE_EXHAUSTED
out=$(st --file "$DATA/traces.pb" --method /opentelemetry.proto.collector.profiles.v1development.ProfilesService/Export)
sl_is "grpcio: unknown method -> UNIMPLEMENTED" "$(jget code <<<"$out")" UNIMPLEMENTED
out=$(st --file "$DATA/logs.pb" --signal logs)
sl_is "grpcio: a valid logs export -> OK" "$(jget code <<<"$out")" OK

# Defences: the raw client misbehaves; GOAWAY ENHANCE_YOUR_CALM (11) or a close; counters move.
defence() { # NAME COUNTER [EXPECT_GOAWAY]
	local name=$1 counter=$2 before after out
	before=$(sl_stats_json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"]["counters"]["'"$counter"'"])' 2>/dev/null)
	out=$(gc raw --addr "$ADDR" --attack "$name" --wait 5 2>&1 | tail -1)
	sleep 1.2 # a stats publication
	after=$(sl_stats_json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["total"]["counters"]["'"$counter"'"])' 2>/dev/null)
	sl_diag "$name: $out"
	LAST=$out
	if [ "${3:-goaway}" = goaway ]; then
		sl_is "defence $name: GOAWAY ENHANCE_YOUR_CALM" "$(jget goaway <<<"$out")" 11
	elif [ "$3" = protocol ]; then
		sl_is "defence $name: GOAWAY PROTOCOL_ERROR" "$(jget goaway <<<"$out")" 1
	else
		sl_is "defence $name: connection closed" "$(jget closed <<<"$out")" True
	fi
	sl_is "defence $name: $counter +1" "$((${after:-0} - ${before:-0}))" 1
}
defence rapid_reset grpc_rapid_reset
defence continuation grpc_continuation_flood
defence hpack_bomb grpc_header_list_too_large
defence settings_flood grpc_settings_flood
defence ping_flood grpc_ping_flood
defence zero_window grpc_stall_timeouts closed
# Too many streams: before our SETTINGS are acknowledged nghttp2 refuses the streams past the
# limit (REFUSED_STREAM) and we end the connection after grpc.max_refused_streams of them;
# once acknowledged, a stream past the limit is a PROTOCOL_ERROR (RFC 9113 5.1.2).
defence streams grpc_stream_flood
sl_ge "too many streams: streams past the limit refused (REFUSED_STREAM)" "$(jget refused <<<"$LAST")" 50
defence streams_acked grpc_stream_flood protocol
sl_snap after
sl_ge "too many streams: refusals counted" "$(sl_json "$SL_TMP/after.json" total.counters.grpc_streams_refused)" 50
out=$(gc export --addr "$ADDR" --signal traces --file "$DATA/traces.pb" --count 20 --concurrency 10 2>&1 | tail -1)
sl_is "after the attacks the appliance still serves: 20 exports OK" "$(jget ok <<<"$out")" 20
# Shutdown: an idle client gets GOAWAY NO_ERROR before the connection goes.
gc raw --addr "$ADDR" --attack wait --wait 15 >"$SL_TMP/wait.out" 2>&1 &
waiter=$!
sleep 1
sl_stop 20
wait "$waiter"
sl_diag "shutdown: $(tail -1 "$SL_TMP/wait.out")"
sl_is "shutdown: GOAWAY NO_ERROR to a connected client" "$(jget goaway <"$SL_TMP/wait.out")" 0
sl_teardown
sl_leak_check "run 3:"

# -- run 4: backpressure -> UNAVAILABLE with RetryInfo -----------------------------------
SL_EXTRA_CONF="test:
  http_pressure: true"
if sl_setup; then
	out=$(gc status --addr "$SL_APP_IP:4317" --file "$DATA/traces.pb" 2>&1 | tail -1)
	sl_is "pressure: export -> UNAVAILABLE" "$(jget code <<<"$out")" UNAVAILABLE
	sl_is "pressure: grpc-status-details-bin carries RetryInfo of 1 s" "$(jget retry_s <<<"$out")" 1
fi
sl_teardown

# -- run 5: the real bound: a slow disk and a small in-flight bound -> UNAVAILABLE, then OK ----
SL_EXTRA_CONF="pipeline:
  max_inflight_bytes: 65536
  seal_bytes: 16384
  seal_age_ms: 10
test:
  flush_delay_ms: 1000"
if sl_setup; then
	out=$(gc export --addr "$SL_APP_IP:4317" --signal traces --file "$DATA/traces.pb" --count 60 \
		--concurrency 60 2>&1 | tail -1)
	sl_diag "60 concurrent exports against a 64 KiB in-flight bound: $out"
	sl_ge "bound: some exports refused UNAVAILABLE" "$(jget codes.UNAVAILABLE <<<"$out" || echo 0)" 1
	sl_ge "bound: some exports accepted" "$(jget ok <<<"$out")" 1
	sleep 3
	out=$(gc export --addr "$SL_APP_IP:4317" --signal traces --file "$DATA/traces.pb" --count 5 2>&1 | tail -1)
	sl_is "bound: once the disk caught up, exports are OK again" "$(jget ok <<<"$out")" 5
fi
sl_teardown

# -- run 6: a small packet pool: 100 concurrent 190 KB messages on one connection ---------------
# gRPC bodies may pin a quarter of the core's share of the pool; past it a stream is refused
# UNAVAILABLE, so RX never starves: every call is answered, the pool comes back, ARP still works.
SL_MBUFS=4095
SL_EXTRA_CONF="pipeline:
  max_inflight_bytes: 2097152
  seal_bytes: 524288"
if sl_setup; then
	big=$SL_TMP/big.pb
	$SL_PY -c "import sys; sys.path.insert(0, '$SLUICE_SRC/tests/integration'); import otlp_load
open('$big', 'wb').write(otlp_load.trace_request('pool', 2000, 'pool'))"
	mbufs_in_use() { sl_stats_json | $SL_PY -c 'import json,sys; print(json.load(sys.stdin)["mbufs_in_use"])'; }
	base=$(mbufs_in_use)
	out=$(sl_nsexec timeout 120 $SL_PY "$SLUICE_SRC/tests/integration/grpc_client.py" export \
		--addr "$SL_APP_IP:4317" --signal traces --file "$big" --count 300 --concurrency 100 \
		2>&1 | tail -1)
	sl_diag "300 x 190 KB, 100 concurrent, 4095 mbufs: $out"
	ok=$(jget ok <<<"$out" || echo 0)
	un=$(jget codes.UNAVAILABLE <<<"$out" || echo 0)
	sl_is "small pool: every call answered OK or UNAVAILABLE" "$((ok + un))" 300
	sl_ge "small pool: calls succeed" "$ok" 1
	pool_back() { [ "$(mbufs_in_use)" -le $((base + 64)) ]; }
	sl_check "small pool: the pool returns to its level before the load" sl_wait 10 pool_back
	sl_check "small pool: the appliance still answers ping" sl_nsexec ping -c 1 -W 2 "$SL_APP_IP"
fi
SL_MBUFS=
sl_teardown
sl_done
