#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Pipeline round trip (issue 5): what OTLP clients send comes back out of the segment store
# equal item for item, by decoded content, for all three signals, protobuf and JSON,
# gzip, zstd and none.
#
# Clients: the official OpenTelemetry JS exporters (otel-js/export.mjs; every signal x
# exporter-*-otlp-proto / -http x gzip / none, several resources, distinctive
# attributes) talk to the appliance through a capture proxy inside the namespace
# (otel-js/roundtrip.mjs proxy) that keeps the exact bodies and headers they sent;
# curl posts the golden payloads of tests/data (protobuf, JSON, gzip -c, zstd -c, and
# the lenient JSON spelling of traces) straight at the appliance and we keep what it
# sent. Then roundtrip.mjs compare decodes both sides canonically and compares the
# multisets of items (resource + scope + item), of whole Resource entries, and checks
# each protobuf Resource entry is stored byte for byte.
#
# Phase 1 (durability: received, default 200 ms age seals): the check runs on the
# store of the stopped dataplane. Phase 2 (durability: persisted): the check runs while
# the dataplane still runs, right after the last 200, since persisted means the data
# is in the store before the answer (seal_age_ms is 60 s there, so nothing else could
# have put it there). Phase 3 (drain): received mode with the same 60 s age, a few curl
# posts: nothing is flushed while running, and SIGTERM's drain writes all of it.
# Every phase also holds the appliance's counters
# against the items counted in the captures, and the store is read twice: with
# `sluicectl segments dump --format pb` and with roundtrip.mjs' own segment reader.
#
# Run as root: SLUICE_BUILD=$PWD/build SLUICE_SRC=$PWD bash tests/integration/test_pipeline_roundtrip.sh
# SLUICE_TEST_KEEP=1 keeps $SL_TMP (captures/, dump.*.pb, compare.*.out) for a post-mortem.

set -u
. "$(dirname "$0")/lib.sh"

OTELJS=$SLUICE_SRC/tests/integration/otel-js
RT=$OTELJS/roundtrip.mjs
DATA=$SLUICE_SRC/tests/data
# Inside the test's own namespace nothing else listens, so a fixed port is safe.
PROXY_PORT=14318

if ! "$OTELJS/install.sh" >"${TMPDIR:-/tmp}/sluice-otel-js-install.log" 2>&1; then
	sl_fail "the OpenTelemetry JS exporters install (tests/integration/otel-js/install.sh)"
	sl_diag_file "${TMPDIR:-/tmp}/sluice-otel-js-install.log" 20
	sl_done
fi

# The proxy runs in the namespace, which outlives nothing: deleting a namespace does not
# kill its processes, so the proxy is stopped by pid before lib.sh's own cleanup.
PROXY_PID=
rt_proxy_stop() {
	[ -n "$PROXY_PID" ] || return 0
	kill -TERM "$PROXY_PID" 2>/dev/null || true
	wait "$PROXY_PID" 2>/dev/null || true
	PROXY_PID=
}
_rt_on_exit() {
	local rc=$?
	rt_proxy_stop
	(exit "$rc")
	_sl_on_exit
}
trap _rt_on_exit EXIT
trap 'rt_proxy_stop; _sl_on_signal INT' INT
trap 'rt_proxy_stop; _sl_on_signal TERM' TERM

rt() { node "$RT" "$@"; }

# rt_proxy_start: the capture proxy on 127.0.0.1:PROXY_PORT in the namespace, forwarding
# to the appliance; captures into $CAP.
rt_proxy_start() {
	# ip netns exec execs node in place, so $! is node's pid.
	ip netns exec "$SL_NS" node "$RT" proxy --listen "127.0.0.1:$PROXY_PORT" \
		--target "http://$SL_APP_IP:4318" --dir "$CAP" --ttl-s 900 \
		>"$SL_TMP/proxy.log" 2>&1 </dev/null &
	PROXY_PID=$!
	sl_wait 10 grep -q '^listening' "$SL_TMP/proxy.log"
}

# rt_exports LABEL: every signal x proto/json x gzip/none through the proxy. Each
# combination has its own service.name prefix, 3 resources and a phase attribute, so
# every item is distinct across the run.
rt_exports() {
	local label=$1 sig enc gz gzl out ok args
	for sig in traces metrics logs; do
		for enc in proto json; do
			for gz in "" --gzip; do
				gzl=${gz:+gzip}
				gzl=${gzl:-plain}
				case $sig in
				# 3 exports of 40 spans / log records, each over 3 resources.
				traces | logs) args=(--count 120 --batch 40) ;;
				# 4 series x 5 instruments, 2 rounds, one request per resource per round.
				metrics) args=(--count 4 --batch 2) ;;
				esac
				out=$(ip netns exec "$SL_NS" node "$OTELJS/export.mjs" \
					--endpoint "http://127.0.0.1:$PROXY_PORT" --signal "$sig" --encoding "$enc" \
					$gz "${args[@]}" --resources 3 --service "rt-$label-$sig-$enc-$gzl" \
					--resource-attr "sluice.rt.phase=$label" --resource-attr "sluice.rt.combo=$enc-$gzl" \
					--timeout-ms 10000 2>"$SL_TMP/export.err" | tail -1)
				ok=$(printf '%s' "$out" | "$SL_PY" -c 'import json,sys
d=json.load(sys.stdin)
print(d["items"] if d["failed"] == 0 and d["succeeded"] == d["exports"] and not d["errors"]
      and d["rejected"] == 0 else -1)' 2>/dev/null)
				if [[ "$ok" =~ ^[0-9]+$ ]] && [ "$ok" -gt 0 ]; then
					sl_pass "$label: OTel JS $sig $enc $gzl: every export succeeded ($ok items)"
					exported[$sig]=$((exported[$sig] + ok))
				else
					sl_fail "$label: OTel JS $sig $enc $gzl: every export succeeded"
					sl_diag "$out"
					sl_diag_file "$SL_TMP/export.err" 5
				fi
			done
		done
	done
}

# rt_post LABEL SIGNAL TYPE ENCODING FILE [EXPECT]: curl FILE (compressed as ENCODING:
# gzip, zstd or none) straight at the appliance; the bytes curl sent become a capture.
rt_post() {
	local label=$1 sig=$2 ct=$3 enc=$4 file=$5 expect=${6:-} body code
	body=$SL_TMP/post.$label
	case $enc in
	gzip) gzip -c "$file" >"$body" ;;
	zstd) zstd -q -c "$file" >"$body" ;;
	none) cp "$file" "$body" ;;
	esac
	local hdr=(-H "Content-Type: $ct")
	[ "$enc" = none ] || hdr+=(-H "Content-Encoding: $enc")
	code=$(ip netns exec "$SL_NS" curl -s -o "$SL_TMP/post.resp" -w '%{http_code}' "${hdr[@]}" \
		--data-binary "@$body" "http://$SL_APP_IP:4318/v1/$sig")
	local rec=(--dir "$CAP" --path "/v1/$sig" --content-type "$ct" --status "$code"
		--body "$body" --label "$label")
	[ "$enc" = none ] || rec+=(--content-encoding "$enc")
	[ -z "$expect" ] || rec+=(--expect "$expect")
	rt record "${rec[@]}"
	sl_is "curl $label: 200" "$code" 200
}

rt_posts() {
	local sig enc
	for sig in traces metrics logs; do
		for enc in none gzip zstd; do
			rt_post "$sig-pb-$enc" "$sig" application/x-protobuf "$enc" "$DATA/$sig.pb"
			rt_post "$sig-json-$enc" "$sig" application/json "$enc" "$DATA/$sig.json"
		done
	done
	# Same content as traces.json in every leniency the transcoder accepts: the store must
	# hold what traces.json says (tests/unit/test_otlp_json.c holds the two equal).
	rt_post traces-json-variants traces application/json none "$DATA/traces_variants.json" \
		"$DATA/traces.json"
}

# rt_counters SNAP LABEL: the appliance's counters against the items in the captures.
rt_counters() {
	local snap=$1 label=$2 total
	total=$((cap_items[traces] + cap_items[metrics] + cap_items[logs]))
	sl_is "$label: otlp_spans_received = spans captured" \
		"$(sl_get "$snap" total.counters.otlp_spans_received)" "${cap_items[traces]}"
	sl_is "$label: otlp_data_points_received = data points captured" \
		"$(sl_get "$snap" total.counters.otlp_data_points_received)" "${cap_items[metrics]}"
	sl_is "$label: otlp_log_records_received = log records captured" \
		"$(sl_get "$snap" total.counters.otlp_log_records_received)" "${cap_items[logs]}"
	sl_is "$label: pipeline_items_queued = items captured" \
		"$(sl_get "$snap" total.counters.pipeline_items_queued)" "$total"
	sl_is "$label: flush_items = items captured" \
		"$(sl_get "$snap" total.counters.flush_items)" "$total"
	sl_is "$label: pipeline_requests_queued = requests captured" \
		"$(sl_get "$snap" total.counters.pipeline_requests_queued)" "$cap_requests"
	sl_is "$label: http_responses_200 = requests captured" \
		"$(sl_get "$snap" total.counters.http_responses_200)" "$cap_requests"
	sl_is "$label: no invalid request" "$(sl_get "$snap" total.counters.otlp_invalid_requests)" 0
	sl_is "$label: no batch failed" "$(sl_get "$snap" total.counters.pipeline_batches_failed)" 0
	sl_is "$label: no flush error" "$(sl_get "$snap" total.counters.flush_errors)" 0
}

# _flushed TOTAL: the flush workers have written TOTAL items.
_flushed() {
	sl_stats_json >"$SL_TMP/flushwait.json" &&
		[ "$(sl_json "$SL_TMP/flushwait.json" total.counters.flush_items)" = "$1" ]
}

# rt_check_store LABEL: verify, dump (twice) and compare every signal.
rt_check_store() {
	local label=$1 sig out store=$SL_TMP/store
	sl_check "$label: sluicectl segments verify exits 0" sl_ctl segments verify "$store"
	for sig in traces metrics logs; do
		if ! sl_check "$label: sluicectl segments dump --format pb --signal $sig" \
			sl_ctl segments dump --format pb --signal "$sig" --out "$SL_TMP/dump.$sig.pb" "$store"; then
			continue
		fi
		out=$SL_TMP/compare.$label.$sig.out
		if rt compare --captures "$CAP" --signal "$sig" --dump "$SL_TMP/dump.$sig.pb" \
			--max-diffs 5 >"$out" 2>&1; then
			sl_pass "$label: $sig: store == what was sent, item for item ($(rt_brief "$out"))"
		else
			sl_fail "$label: $sig: store == what was sent, item for item"
			sed 's/^/#   /' "$out" | tail -n 40
		fi
		# The same store through an independent reader (docs/segment-format.md only).
		if rt store-dump --store "$store" --signal "$sig" --out "$SL_TMP/own.$sig.pb" \
			>"$SL_TMP/own.$sig.out" 2>&1 &&
			rt compare --captures "$CAP" --signal "$sig" --dump "$SL_TMP/own.$sig.pb" \
				>"$out.own" 2>&1; then
			sl_pass "$label: $sig: the same through roundtrip.mjs' own segment reader"
		else
			sl_fail "$label: $sig: the same through roundtrip.mjs' own segment reader"
			cat "$SL_TMP/own.$sig.out" "$out.own" | sed 's/^/#   /' | tail -n 20
		fi
		sl_check "$label: $sig: sluicectl dump and the own reader give the same bytes" \
			cmp "$SL_TMP/dump.$sig.pb" "$SL_TMP/own.$sig.pb"
	done
}

rt_brief() {
	tail -1 "$1" | "$SL_PY" -c 'import json,sys
d=json.load(sys.stdin)
print("%d items, %d resources, %d captures, %d records, %d raw entries verbatim" % (d["sent_items"],
      d["sent_resources"], d["captures"], d["records"], d["raw_entries_checked"]))' 2>/dev/null
}

# rt_captured LABEL: counts of the captures into cap_items / cap_requests; every
# request must have been answered 200 and the proxy must have seen every exported item.
rt_captured() {
	local label=$1 c=$SL_TMP/counts.json sig
	if ! rt counts --captures "$CAP" >"$c" 2>"$SL_TMP/counts.err"; then
		sl_fail "$label: captures decode"
		sl_diag_file "$SL_TMP/counts.err" 10
		return 1
	fi
	sl_is "$label: every captured request was answered 200" "$(sl_json "$c" not_200)" "[]"
	cap_requests=0
	for sig in traces metrics logs; do
		cap_items[$sig]=$(sl_json "$c" "$sig.items")
		cap_requests=$((cap_requests + $(sl_json "$c" "$sig.requests")))
		[ "${exported[$sig]}" -eq 0 ] ||
			sl_is "$label: the proxy saw every $sig item the exporters reported" \
				"$(sl_json "$c" "$sig.items_by_source.proxy" || echo 0)" "${exported[$sig]}"
	done
	sl_diag "$label: captured $cap_requests requests; items: traces ${cap_items[traces]}," \
		"metrics ${cap_items[metrics]}, logs ${cap_items[logs]}"
}

# rt_segment_items LABEL: the records' own item counts (segments stats) per signal.
rt_segment_items() {
	local label=$1 f=$SL_TMP/segstats.json sig
	if ! sl_ctl --json segments stats "$SL_TMP/store" >"$f" 2>&1; then
		sl_fail "$label: sluicectl --json segments stats"
		sl_diag_file "$f" 5
		return 1
	fi
	for sig in traces metrics logs; do
		sl_is "$label: segments stats: $sig items in records = captured" \
			"$("$SL_PY" - "$f" "$sig" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
# {"traces": {"records": R, "items": N, ...}, ..., "total": {...}, "routes": {...}}
print(d.get(sys.argv[2], {}).get("items"))
EOF
)" "${cap_items[$sig]}"
	done
}

declare -A exported cap_items
cap_requests=0

# rt_phase LABEL MODE: MODE stopped (check after SIGTERM) or live (check while running).
rt_phase() {
	local label=$1 mode=$2
	exported=([traces]=0 [metrics]=0 [logs]=0)
	cap_items=([traces]=0 [metrics]=0 [logs]=0)
	if ! sl_setup; then
		sl_fail "$label: dataplane starts"
		return 1
	fi
	CAP=$SL_TMP/captures
	mkdir -p "$CAP"
	# Not through sl_check: that runs its command in a subshell, which would lose PROXY_PID.
	if rt_proxy_start; then
		sl_pass "$label: capture proxy listens in the namespace"
	else
		sl_fail "$label: capture proxy listens in the namespace"
		sl_diag_file "$SL_TMP/proxy.log" 10
		return 1
	fi
	rt_exports "$label"
	rt_posts
	rt_proxy_stop
	rt_captured "$label" || return 1

	if [ "$mode" = live ]; then
		# persisted: every 200 came after fdatasync, so the store is complete now. No
		# waiting here on purpose.
		rt_check_store "$label"
		rt_segment_items "$label"
		sl_snap "$label"
		rt_counters "$label" "$label"
		sl_is "$label: every request was acknowledged as persisted" \
			"$(sl_get "$label" total.counters.pipeline_acks_persisted)" "$cap_requests"
	else
		# received: batches seal by age (200 ms) while running; wait for the workers,
		# then read the counters before the stop takes them away.
		local total=$((cap_items[traces] + cap_items[metrics] + cap_items[logs]))
		sl_wait 15 _flushed "$total" || true
		sl_snap "$label"
		rt_counters "$label" "$label"
		sl_is "$label: every request was acknowledged once queued" \
			"$(sl_get "$label" total.counters.pipeline_acks_received)" "$cap_requests"
	fi
	sl_stop 20
	sl_is "$label: SIGTERM stops the dataplane with status 0" "${SL_STOP_RC:-none}" 0
	if [ "$mode" = stopped ]; then
		rt_check_store "$label"
		rt_segment_items "$label"
	else
		# Nothing more arrives after the stop: the store still says the same.
		rt_check_store "$label-after-stop"
	fi
}

rt_phase received stopped
rt_proxy_stop
sl_teardown
sl_leak_check "received:"

# seal_age_ms 60000: no batch seals by age during the phase, so whatever the store holds
# while the dataplane runs is there because persisted sealed it (idle seal) and synced it
# before answering. The drain phase below shows the same age in received mode leaves the
# store empty until the stop.
SL_EXTRA_CONF="pipeline:
  durability: persisted
  seal_age_ms: 60000"
rt_phase persisted live
rt_proxy_stop
sl_teardown
sl_leak_check "persisted:"

# -- drain: received mode, nothing seals by age; only SIGTERM's drain writes the store ----
SL_EXTRA_CONF="pipeline:
  seal_age_ms: 60000"
exported=([traces]=0 [metrics]=0 [logs]=0)
if sl_setup; then
	CAP=$SL_TMP/captures
	mkdir -p "$CAP"
	rt_post drain-traces-pb traces application/x-protobuf none "$DATA/traces.pb"
	rt_post drain-metrics-json-gzip metrics application/json gzip "$DATA/metrics.json"
	rt_post drain-logs-pb-zstd logs application/x-protobuf zstd "$DATA/logs.pb"
	if rt_captured drain; then
		total=$((cap_items[traces] + cap_items[metrics] + cap_items[logs]))
		sl_snap drain
		sl_is "drain: every item is queued" \
			"$(sl_get drain total.counters.pipeline_items_queued)" "$total"
		sl_is "drain: nothing is flushed yet (received mode, no seal before 60 s)" \
			"$(sl_get drain total.counters.flush_items)" 0
		sl_stop 20
		sl_is "drain: SIGTERM stops the dataplane with status 0" "${SL_STOP_RC:-none}" 0
		rt_check_store drain
		rt_segment_items drain
	fi
else
	sl_fail "drain: dataplane starts"
fi
sl_teardown
sl_leak_check "drain:"
sl_done
