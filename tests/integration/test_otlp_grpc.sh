#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# OTLP/gRPC end to end: OTel JS gRPC exporters, Python grpcio, h2load and a raw HTTP/2 attacker.
#
# Run 1 (round trip, durability persisted: the trailers wait for the group commit): grpcio sends the golden requests of tests/data/ with 50 concurrent
# streams on one connection, plain and gzip; the store must give back exactly what was
# sent (roundtrip.mjs compare, item for item and Resource entries byte for byte).
# Run 2: the OTel JS gRPC exporters for all three signals with and without gzip (every
# export succeeds, the appliance counts exactly their items); h2load for load; each error
# status seen from grpcio; each HTTP/2 defence from a hand-built client (GOAWAY
# ENHANCE_YOUR_CALM or the stall close, its counter moved) and the appliance still serves.
# Run 3: under backpressure (test.http_pressure) an export gets UNAVAILABLE with RetryInfo.
# Run 4: the same from the real pipeline bound (a slow disk, 64 KiB in flight), and recovery.

set -u
. "$(dirname "$0")/lib.sh"

OTELJS=$SLUICE_SRC/tests/integration/otel-js
PY=/usr/bin/python3
GC=$SLUICE_SRC/tests/integration/grpc_client.py
DATA=$SLUICE_SRC/tests/data
RT=$OTELJS/roundtrip.mjs
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

# -- run 1: grpcio round trip through the segment store ------------------------------------
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
		for f in "$SAVE"/*.pb; do
			[ -e "$f" ] || continue
			cp "$f" "$CAP/$(basename "$f" .pb)${gz:+-gz}.sent"
			rt record --dir "$CAP" --path "/v1/$sig" --content-type application/x-protobuf \
				--status 200 --body "$CAP/$(basename "$f" .pb)${gz:+-gz}.sent" \
				--label "grpcio $sig$gz" >/dev/null
		done
	done
done
sl_snap rt
sl_ge "round trip: answers waited for the group commit (persisted)" \
	"$(sl_json "$SL_TMP/rt.json" total.counters.pipeline_acks_persisted)" 600
sl_is "round trip: 600 OK answers counted" "$(sl_json "$SL_TMP/rt.json" total.counters.grpc_status_ok)" 600
sl_ge "round trip: gzip messages counted" "$(sl_json "$SL_TMP/rt.json" total.counters.grpc_gzip_messages)" 300
sl_stop 20
for sig in traces metrics logs; do
	if sl_check "round trip: segments dump --signal $sig" \
		sl_ctl segments dump --format pb --signal "$sig" --out "$SL_TMP/dump.$sig.pb" "$SL_TMP/store"; then
		out=$SL_TMP/compare.$sig.out
		if rt compare --captures "$CAP" --signal "$sig" --dump "$SL_TMP/dump.$sig.pb" \
			--max-diffs 5 >"$out" 2>&1; then
			sl_pass "round trip: $sig: store == what grpcio sent, item for item"
		else
			sl_fail "round trip: $sig: store == what grpcio sent, item for item"
			sed 's/^/#   /' "$out" | tail -n 20
		fi
	fi
done
sl_teardown

# -- run 2: exporters, load, statuses, defences ---------------------------------------------
if ! "$OTELJS/install.sh" >"${TMPDIR:-/tmp}/sluice-otel-js-install.log" 2>&1; then
	sl_fail "the OpenTelemetry JS exporters install (tests/integration/otel-js/install.sh)"
fi
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
declare -A sent=([traces]=0 [metrics]=0 [logs]=0)
for sig in traces metrics logs; do
	for gz in "" --gzip; do
		out=$(sl_nsexec node "$OTELJS/export.mjs" --endpoint "http://$ADDR" --signal "$sig" \
			--encoding grpc $gz --count 40 --batch 8 --timeout-ms 10000 2>&1 | tail -1)
		items=$(printf '%s' "$out" | $PY -c 'import json,sys
d=json.load(sys.stdin)
print(d["items"] if d["failed"] == 0 and d["succeeded"] == d["exports"] else -1)' 2>/dev/null)
		if [[ "$items" =~ ^[0-9]+$ ]] && [ "$items" -gt 0 ]; then
			sl_pass "OTel JS gRPC exporter: $sig ${gz:-(no gzip)}: every export succeeded ($items items)"
			sent[$sig]=$((sent[$sig] + items))
		else
			sl_fail "OTel JS gRPC exporter: $sig ${gz:-(no gzip)}: every export succeeded"
			sl_diag "$out"
		fi
	done
done
sl_snap js
f=$SL_TMP/js.json
sl_is "appliance counted every span the JS exporters sent" \
	"$(sl_json "$f" total.counters.otlp_spans_received)" "${sent[traces]}"
sl_is "appliance counted every data point the JS exporters sent" \
	"$(sl_json "$f" total.counters.otlp_data_points_received)" "${sent[metrics]}"
sl_is "appliance counted every log record the JS exporters sent" \
	"$(sl_json "$f" total.counters.otlp_log_records_received)" "${sent[logs]}"

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
sl_leak_check "run 2:"

# -- run 3: backpressure -> UNAVAILABLE with RetryInfo -----------------------------------
SL_EXTRA_CONF="test:
  http_pressure: true"
if sl_setup; then
	out=$(gc status --addr "$SL_APP_IP:4317" --file "$DATA/traces.pb" 2>&1 | tail -1)
	sl_is "pressure: export -> UNAVAILABLE" "$(jget code <<<"$out")" UNAVAILABLE
	sl_is "pressure: grpc-status-details-bin carries RetryInfo of 1 s" "$(jget retry_s <<<"$out")" 1
fi
sl_teardown

# -- run 4: the real bound: a slow disk and a small in-flight bound -> UNAVAILABLE, then OK ----
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
sl_done
