#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Fault injection end to end: sluicectl faults add/clear, executed by the dataplane, seen by clients.
#
# A real dataplane (tap port, namespace; durability persisted, so a 200 means the data is in
# the store) and a real sluice-control on the same instance. Faults are added with sluicectl,
# each matching its own service.name, and every check is made from the client side:
#
#   HTTP kinds   error (status, Retry-After, google.rpc.Status "fault injection...", keep-alive),
#                delay (fixed: lower bound tight; range: spread, other connections not held),
#                reset (an RST, nothing stored), throttle (token bucket, burst = rate by
#                default, 429 + Retry-After), partial (partial_success, the request's last
#                items rejected and only those missing from the store), blackhole (stored,
#                never answered, later requests on the connection not read); what each left
#                in the store (`sluicectl segments dump`), the per-kind and per-fault counters.
#   matching     first fault in table order, any entry of a request, signal=, port=, source=.
#   probability  p=0.3 over 10,000 pipelined requests: within 5 sigma of 3000, and the
#                per-fault fired counter equal to what the client saw, exactly.
#   OTel JS      the official exporter retrying through a 503+Retry-After fault (p=0.15) and
#                through a throttle: every span stored exactly once.
#   TTL, clear   a 3 s fault stops at its TTL and leaves `faults list`; with sluice-control
#                stopped the dataplane ignores the expired fault by itself; clear NAME, --all.
#   gRPC         error statuses mapped to gRPC codes (+ RetryInfo), throttle, partial, delay
#                (other streams served meanwhile; a cancelled delayed stream), reset
#                (RST_STREAM, the connection survives), blackhole (that stream only).
#   robustness   delayed answers whose client is gone; no request classified without the
#                tables; SIGTERM with a blackholed HTTP request and gRPC stream pending.
#
# Why p=0.15 and not 0.5 for the exporter: it makes at most 6 attempts per export, so at p=0.5
# 1 export in 64 fails for good and the test would be flaky; at 0.15 with 80 exports the
# chance of a lost export is 1e-3 and the chance of no retry at all 2e-6.
#
# Run as root: SLUICE_BUILD=$PWD/build SLUICE_SRC=$PWD bash tests/integration/test_faults.sh

set -u
. "$(dirname "$0")/lib.sh"

PY=$SL_PY
FC=$SLUICE_SRC/tests/integration/faults_client.py
OTELJS=$SLUICE_SRC/tests/integration/otel-js
fc() { "$PY" "$FC" "$@"; }
fcn() { sl_nsexec "$PY" "$FC" "$@"; }
# jget KEY.PATH: one value of the JSON line on stdin (python literal for non-strings).
jget() {
	"$PY" -c 'import json,sys
d=json.loads(sys.stdin.read().strip().splitlines()[-1])
for k in sys.argv[1].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(d if isinstance(d,str) else json.dumps(d))' "$1" 2>/dev/null
}
# fcmp A OP B: float comparison (awk), e.g. fcmp "$t" '>=' 0.2
fcmp() { awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; }

"$PY" -c 'import grpc' 2>/dev/null || {
	sl_fail "python3-grpcio is installed (apt-get install python3-grpcio)"
	sl_done
}

SL_EXTRA_CONF="pipeline:
  durability: persisted
  seal_age_ms: 50"
sl_setup || sl_bail "dataplane did not start"

CONF=$SL_TMP/control.yaml
MPORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cp "$SL_CONF" "$CONF"
cat >>"$CONF" <<YAML

control:
  listen: 127.0.0.1:$MPORT
  socket: $SL_TMP/control.sock
  state_dir: $SL_TMP/control
  heartbeat_ms: 100
YAML
TABLES=/dev/shm/sluice.$SL_INSTANCE.tables
STORE=$SL_TMP/store
URL=http://$SL_APP_IP:4318
HADDR=$SL_APP_IP:4318
GADDR=$SL_APP_IP:4317
METRICS=http://127.0.0.1:$MPORT/metrics

CPID=
HOLD_PID=
HOLD2_PID=
stop_control() {
	[ -n "$CPID" ] || return 0
	kill -CONT "$CPID" 2>/dev/null
	kill "${1:--TERM}" "$CPID" 2>/dev/null
	wait "$CPID" 2>/dev/null
	CPID=
}
# What lib.sh's teardown does not know about: our client processes in the namespace (deleting
# a namespace kills nothing), sluice-control and the tables region.
_f_cleanup() {
	[ -z "$HOLD_PID" ] || kill "$HOLD_PID" 2>/dev/null
	[ -z "$HOLD2_PID" ] || kill "$HOLD2_PID" 2>/dev/null
	stop_control -KILL
	rm -f "$TABLES"
}
_f_on_exit() {
	local rc=$?
	_f_cleanup
	(exit "$rc")
	_sl_on_exit
}
trap _f_on_exit EXIT
trap '_f_cleanup; _sl_on_signal INT' INT
trap '_f_cleanup; _sl_on_signal TERM' TERM

start_control() {
	"$SLUICE_BUILD/sluice-control" --config "$CONF" >>"$SL_TMP/control.log" 2>&1 &
	CPID=$!
	sl_wait 10 test -S "$SL_TMP/control.sock"
}
ctl() { sl_ctl --config "$CONF" "$@"; }
status() { ctl control --json 2>/dev/null | "$PY" -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
on_current() { [ "$(status generation)" = "$(status dataplane_generation)" ]; }

# fadd NAME ARGS...: sluicectl faults add, then wait until the poll core runs the new tables.
fadd() {
	local out
	if ! out=$(ctl faults add "$@" 2>&1); then
		sl_fail "sluicectl faults add $*"
		sl_diag "$out"
		return 1
	fi
	sl_wait 10 on_current || sl_diag "faults add $1: the dataplane is not on the new generation"
}
fclear() { ctl faults clear "$@" >/dev/null 2>&1 && sl_wait 10 on_current; }

# mkbody NAME ARGS...: $SL_TMP/b.NAME from faults_client.py body ARGS.
mkbody() {
	local n=$1
	shift
	fc body --out "$SL_TMP/b.$n" "$@" >/dev/null
}
B() { printf '%s' "$SL_TMP/b.$1"; }

# post BODY [CTYPE [CURL-ARGS...]]: curl it from the namespace; sets P_CODE, P_TIME, P_RC;
# response head and body in $SL_TMP/head and $SL_TMP/body.
post() {
	local f=$1 ct=${2:-application/x-protobuf} o
	shift 2 2>/dev/null || shift $#
	P_RC=0
	rm -f "$SL_TMP/head" "$SL_TMP/body"
	o=$(sl_nsexec curl -s -o "$SL_TMP/body" -D "$SL_TMP/head" -w '%{http_code} %{time_total}' \
		--max-time 10 -H "Content-Type: $ct" --data-binary "@$f" "$@" "$URL/v1/traces") || P_RC=$?
	P_CODE=${o%% *}
	P_TIME=${o#* }
}
post_logs() {
	local o
	P_RC=0
	o=$(sl_nsexec curl -s -o "$SL_TMP/body" -w '%{http_code}' --max-time 10 \
		-H 'Content-Type: application/x-protobuf' --data-binary "@$1" "$URL/v1/logs") || P_RC=$?
	P_CODE=$o
}
hdr() { tr -d '\r' <"$SL_TMP/head" | awk -F': ' -v k="$1" 'tolower($1) == tolower(k) { print $2 }'; }

# items SVC [KEY]: what the store holds of service SVC (items, distinct, names).
items() {
	local o i
	for i in 1 2 3; do
		o=$(fc store --ctl "$SLUICE_BUILD/sluicectl" --dir "$STORE" --svc "$1" 2>/dev/null) &&
			{ printf '%s' "$o" | jget "${2:-items}"; return 0; }
		sleep 0.2
	done
	echo "?"
}
items_is() { [ "$(items "$1")" = "$2" ]; }
# counter NAME: total.counters.NAME of a fresh stats snapshot (short name, no sluice_/_total).
snap_counters() { sl_stats_json >"$SL_TMP/c.$1.json" 2>/dev/null; }
# snap_settled NAME: a snapshot taken once two in a row, 0.3 s apart, agree on the HTTP and
# gRPC request counters (nothing in flight is still to be counted).
snap_settled() {
	local i a b
	for i in $(seq 10); do
		sleep 0.3
		snap_counters "$1"
		a=$(sl_json "$SL_TMP/c.$1.json" total.counters.http_requests)/$(sl_json "$SL_TMP/c.$1.json" total.counters.tables_classified_requests)
		[ "$a" = "${b:-}" ] && return 0
		b=$a
	done
}
cdelta() { # cdelta FROM TO NAME
	local a b
	a=$(sl_json "$SL_TMP/c.$1.json" "total.counters.$3" || echo 0)
	b=$(sl_json "$SL_TMP/c.$2.json" "total.counters.$3" || echo '?')
	if [[ "$b" =~ ^[0-9]+$ ]]; then echo $((b - a)); else echo "?"; fi
}
# fault_counts NAME: "matched fired" from /metrics.
fault_counts() {
	local o
	o=$(fc metrics --url "$METRICS" --fault "$1" 2>/dev/null)
	echo "$(printf '%s' "$o" | jget matched) $(printf '%s' "$o" | jget fired)"
}
# named_counts NAME: "matched fired" from sluicectl stats --json (its "named" part).
named_counts() {
	local o
	sl_stats_json >"$SL_TMP/named.json" 2>/dev/null
	o=$(fc named --stats "$SL_TMP/named.json" --fault "$1" 2>/dev/null)
	echo "$(printf '%s' "$o" | jget matched) $(printf '%s' "$o" | jget fired)"
}
# wait_counts NAME WANT: /metrics shows WANT ("matched fired") within 3 s (stats publish
# every 100 ms); prints what it saw last.
wait_counts() {
	local got end=$((SECONDS + 3))
	while :; do
		got=$(fault_counts "$1")
		[ "$got" != "$2" ] && [ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	printf '%s' "$got"
}

if start_control; then sl_pass "sluice-control starts"; else sl_bail "sluice-control does not start"; fi
sl_check "the dataplane attaches to the tables" sl_wait 10 on_current

# ======================================================================== HTTP kinds
sl_diag "--- OTLP/HTTP: each fault kind (at ${SECONDS} s)"
fadd fh-err503 --match service.name=fx-err503 --error 503 --retry-after 7s --ttl 10m
fadd fh-err400 --match service.name=fx-err400 --error 400
fadd fh-delay --match service.name=fx-delay --delay 300ms
fadd fh-range --match service.name=fx-range --delay 100ms-600ms
fadd fh-reset --match service.name=fx-reset --reset
fadd fh-thr --match service.name=fx-thr --throttle 20/s
fadd fh-thr2 --match service.name=fx-thr2 --throttle 5/s --burst 15 --retry-after 2s
fadd fh-part --match service.name=fx-part --partial 0.2
fadd fh-black --match service.name=fx-black --blackhole
fadd fh-mpart --match service.name=inventory --match signal=metrics --partial 0.5
fadd fh-delay1s --match service.name=fx-delay1s --delay 1s
n=$(ctl --json faults list | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["faults"]))')
sl_is "faults list shows the 11 faults" "$n" 11
snap_counters a0

# -- error
mkbody err --svc fx-err503 --spans 3 --rid err
post "$(B err)"
sl_is "error 503: status" "$P_CODE" 503
sl_is "error 503: Retry-After: 7" "$(hdr Retry-After)" 7
m=$(fc decode --kind status "$SL_TMP/body" | jget message)
sl_check "error 503: google.rpc.Status body, message starts 'fault injection' (got '$m')" \
	bash -c "[[ '$m' == 'fault injection'* ]]"
sl_is "error 503: protobuf body for a protobuf request" "$(hdr Content-Type)" application/x-protobuf
mkbody errj --svc fx-err503 --spans 2 --rid errj --json
post "$(B errj)" application/json
sl_is "error 503, JSON request: status" "$P_CODE" 503
m=$(fc decode --kind status --json "$SL_TMP/body" | jget message)
sl_check "error 503, JSON request: JSON Status, message starts 'fault injection' (got '$m')" \
	bash -c "[[ '$m' == 'fault injection'* ]]"
o=$(fcn http --addr "$HADDR" --body "$(B err)" --n 3)
sl_is "error 503: keep-alive kept (3 answers on one connection)" "$(printf '%s' "$o" | jget statuses)" \
	"[503, 503, 503]"
sl_is "error 503: no Connection: close" "$(printf '%s' "$o" | jget responses.2.connection)" "null"
sl_is "error 503, JSON request: application/json body" "$(hdr Content-Type)" application/json
gzip -c "$(B err)" >"$SL_TMP/b.errgz"
post "$SL_TMP/b.errgz" application/x-protobuf -H 'Content-Encoding: gzip'
sl_is "error 503: matched inside a gzip body too" "$P_CODE" 503
mkbody e400 --svc fx-err400 --spans 1 --rid e400
post "$(B e400)"
sl_is "error 400: status" "$P_CODE" 400
sl_is "error 400: no Retry-After without --retry-after" "$(hdr Retry-After)" ""

# -- delay
mkbody delay --svc fx-delay --spans 4 --rid delay
post "$(B delay)"
sl_is "delay 300ms: answered 200" "$P_CODE" 200
sl_check "delay 300ms: took >= 0.3 s and < 5 s (took $P_TIME s)" \
	bash -c "awk -v t='$P_TIME' 'BEGIN { exit !(t >= 0.3 && t < 5) }'"
sl_is "delay 300ms: stored" "$(items fx-delay)" 4
mkbody plain --svc fx-plain-d --spans 1 --rid plaind
o=$(fcn pipe --addr "$HADDR" --body "$(B delay)" --body2 "$(B plain)")
sl_diag "pipelined [delayed, plain]: $o"
sl_is "delay, pipelined with a plain request behind it: both 200, in order" \
	"$(printf '%s' "$o" | jget statuses)" "[200, 200]"
sl_check "delay, pipelined: the delayed answer took >= 0.3 s and the next did not pass it" \
	fcmp "$(printf '%s' "$o" | jget secs.0)" '>=' 0.3
mkbody range --svc fx-range --spans 1 --rid range
pids=()
t0=$(date +%s%N)
for i in $(seq 12); do
	sl_nsexec curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 10 \
		-H 'Content-Type: application/x-protobuf' --data-binary "@$(B range)" \
		"$URL/v1/traces" >"$SL_TMP/range.$i" 2>/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
wall=$((($(date +%s%N) - t0) / 1000000))
codes=$(cat "$SL_TMP"/range.* | awk '{ print $1 }' | sort -u | tr '\n' ' ')
sl_is "delay 100ms-600ms: 12 concurrent requests all 200" "$codes" "200 "
r=$(cat "$SL_TMP"/range.* | awk '{ print $2 }' | sort -n | awk 'NR == 1 { lo = $1 } { hi = $1 }
	END { printf "%s %s", lo, hi }')
lo=${r% *}
hi=${r#* }
sl_check "delay 100ms-600ms: every answer took >= 0.1 s (fastest $lo s)" fcmp "$lo" '>=' 0.1
sl_check "delay 100ms-600ms: none took much more than 0.6 s (slowest $hi s, bound 5)" fcmp "$hi" '<' 5
sl_check "delay 100ms-600ms: the delays spread over the range (max - min = $hi - $lo > 0.1)" \
	fcmp "$(awk -v a="$hi" -v b="$lo" 'BEGIN { print a - b }')" '>' 0.1
sl_diag "12 concurrent delayed requests took $wall ms"

# A delayed answer whose client is gone by then: the timer must find the connection closed.
mkbody d1s --svc fx-delay1s --spans 1 --rid d1s
for i in 1 2 3; do post "$(B d1s)" application/x-protobuf --max-time 0.2; done
sl_is "delay 1s, client gone after 0.2 s: curl timed out" "$P_RC" 28
sleep 1.2
post "$(B plain)"
sl_is "... and after the delay fired on closed connections the appliance still serves" "$P_CODE" 200
sl_check "... and is still running" kill -0 "$SL_PID"
# Delays are timers, not sleeps: 6 concurrent 1 s delays take ~1 s, not 6 (the slack is for
# the fdatasync of durability persisted on a busy disk).
pids=()
t0=$(date +%s%N)
for i in $(seq 6); do
	sl_nsexec curl -s -o /dev/null -w '%{http_code} %{time_total}\n' --max-time 10 \
		-H 'Content-Type: application/x-protobuf' --data-binary "@$(B d1s)" \
		"$URL/v1/traces" >"$SL_TMP/d1s.$i" 2>/dev/null &
	pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done
wall=$((($(date +%s%N) - t0) / 1000000))
sl_is "delay 1s: 6 concurrent requests all 200" "$(cat "$SL_TMP"/d1s.* | awk '{ print $1 }' | sort -u)" 200
sl_check "delay 1s: each took >= 1 s ($(cat "$SL_TMP"/d1s.* | awk '{ print $2 }' | sort -n | head -1) s the fastest)" \
	fcmp "$(cat "$SL_TMP"/d1s.* | awk '{ print $2 }' | sort -n | head -1)" '>=' 1
sl_check "delay: the poll core is not held up: 6 concurrent 1 s delays in $wall ms (< 4500, not 6000)" \
	test "$wall" -lt 4500

# -- reset
mkbody reset --svc fx-reset --spans 2 --rid reset
post "$(B reset)"
sl_check "reset: curl sees a reset / empty reply (exit $P_RC, status $P_CODE)" \
	bash -c "[ '$P_CODE' = 000 ] && { [ '$P_RC' = 56 ] || [ '$P_RC' = 52 ]; }"
o=$(fcn http --addr "$HADDR" --body "$(B reset)" --timeout 5)
sl_is "reset: the connection is reset (RST: ECONNRESET)" "$(printf '%s' "$o" | jget statuses.0)" reset

# -- throttle (burst = rate when not given)
mkbody thr --svc fx-thr --spans 1 --rid thr
o=$(fcn storm --addr "$HADDR" --body "$(B thr)" --n 100 --conns 1 --window 8)
ok=$(printf '%s' "$o" | jget statuses.200 || echo 0)
t429=$(printf '%s' "$o" | jget statuses.429 || echo 0)
secs=$(printf '%s' "$o" | jget secs)
sl_diag "throttle 20/s: 100 requests in $secs s: $ok 200, $t429 429"
max=$(awk -v s="$secs" 'BEGIN { printf "%d", 20 + 20 * s + 2 }')
sl_check "throttle 20/s: at least the burst (20) passed, at most burst + rate x time ($max): $ok" \
	bash -c "[ '$ok' -ge 20 ] && [ '$ok' -le '$max' ]"
sl_is "throttle 20/s: the rest got 429" "$((ok + t429))" 100
sl_is "throttle 20/s: every 429 has Retry-After: 1" "$(printf '%s' "$o" | jget retry_after.1 || echo 0)" "$t429"
sleep 1.1
o=$(fcn paced --addr "$HADDR" --body "$(B thr)" --n 10 --rate 10)
sl_is "throttle 20/s: 10 requests at 10/s all pass" "$(printf '%s' "$o" | jget ok)" 10
sl_is "throttle: stored = the requests that passed" "$(items fx-thr)" "$((ok + 10))"
mkbody thr2 --svc fx-thr2 --spans 1 --rid thr2
o=$(fcn storm --addr "$HADDR" --body "$(B thr2)" --n 40 --conns 1 --window 8)
ok2=$(printf '%s' "$o" | jget statuses.200 || echo 0)
t429b=$(printf '%s' "$o" | jget statuses.429 || echo 0)
secs=$(printf '%s' "$o" | jget secs)
max=$(awk -v s="$secs" 'BEGIN { printf "%d", 15 + 5 * s + 1 }')
sl_check "throttle 5/s --burst 15: between 15 and $max of 40 passed: $ok2" \
	bash -c "[ '$ok2' -ge 15 ] && [ '$ok2' -le '$max' ]"
sl_is "throttle --retry-after 2s: the 429s say Retry-After: 2" \
	"$(printf '%s' "$o" | jget retry_after.2 || echo 0)" "$t429b"

# -- partial
mkbody part --svc fx-part --spans 10 --rid part
post "$(B part)"
sl_is "partial 0.2: answered 200" "$P_CODE" 200
o=$(fc decode --kind trace-resp "$SL_TMP/body")
sl_is "partial 0.2, 10 spans: partial_success.rejected_spans = 2" "$(printf '%s' "$o" | jget rejected)" 2
m=$(printf '%s' "$o" | jget message)
sl_check "partial: error_message starts 'fault injection' (got '$m')" bash -c "[[ '$m' == 'fault injection'* ]]"
mkbody partj --svc fx-part --spans 7 --rid partj --json
post "$(B partj)" application/json
o=$(fc decode --kind trace-resp --json "$SL_TMP/body")
sl_is "partial 0.2, JSON, 7 spans: partialSuccess.rejectedSpans = floor(1.4) = 1" \
	"$(printf '%s' "$o" | jget rejected)" 1
mkbody part2 --svc fx-part,fx-part --spans 5 --rid part2
post "$(B part2)"
sl_is "partial 0.2, 2 entries of 5 spans: rejected_spans = 2" \
	"$(fc decode --kind trace-resp "$SL_TMP/body" | jget rejected)" 2
mkbody part3 --svc fx-part --spans 3 --rid part3
post "$(B part3)"
o=$(fc decode --kind trace-resp "$SL_TMP/body")
sl_is "partial 0.2, 3 spans: 200 with partial_success rejecting floor(0.6) = 0" \
	"$P_CODE $(printf '%s' "$o" | jget partial) $(printf '%s' "$o" | jget rejected)" "200 true 0"
gzip -c "$(mkbody partgz --svc fx-part --spans 10 --rid partgz; B partgz)" >"$SL_TMP/b.partgz.gz"
post "$SL_TMP/b.partgz.gz" application/x-protobuf -H 'Content-Encoding: gzip'
sl_is "partial 0.2, gzip body of 10 spans: 200, rejected_spans = 2" \
	"$P_CODE $(fc decode --kind trace-resp "$SL_TMP/body" | jget rejected)" "200 2"
mkbody partl --svc fx-part --spans 10 --rid partl --signal logs
post_logs "$(B partl)"
sl_is "partial 0.2, logs, 10 records: 200, rejected_log_records = 2" \
	"$P_CODE $(fc decode --kind trace-resp "$SL_TMP/body" | jget rejected)" "200 2"
want='["part-0", "part-1", "part-2", "part-3", "part-4", "part-5", "part-6", "part-7", "part2-0", "part2-1", "part2-2", "part2-3", "part2-4", "part2-5", "part2-6", "part2-7", "part3-0", "part3-1", "part3-2", "partgz-0", "partgz-1", "partgz-2", "partgz-3", "partgz-4", "partgz-5", "partgz-6", "partgz-7", "partj-0", "partj-1", "partj-2", "partj-3", "partj-4", "partj-5", "partl-0", "partl-1", "partl-2", "partl-3", "partl-4", "partl-5", "partl-6", "partl-7"]'
sl_is "partial: exactly the requests' first items are stored, the last ones are not" \
	"$(items fx-part names)" "$want"
# Metrics: the golden payload's 2 entries (inventory, batch-job); the fault matches the 1st,
# the last floor(points / 2) points of the whole request go.
pts=$(fc points "$SLUICE_SRC/tests/data/metrics.pb" | jget points)
o=$(sl_nsexec curl -s -o "$SL_TMP/body" -w '%{http_code}' -H 'Content-Type: application/x-protobuf' \
	--data-binary "@$SLUICE_SRC/tests/data/metrics.pb" "$URL/v1/metrics")
sl_is "partial 0.5, metrics ($pts points): 200, rejected_data_points = $((pts / 2))" \
	"$o $(fc decode --kind trace-resp "$SL_TMP/body" | jget rejected)" "200 $((pts / 2))"
sl_ctl --json segments stats "$STORE" >"$SL_TMP/segstats.json" 2>/dev/null
sl_is "partial 0.5, metrics: the store holds the other $((pts - pts / 2)) points" \
	"$(sl_json "$SL_TMP/segstats.json" metrics.items)" "$((pts - pts / 2))"

# -- blackhole
mkbody black --svc fx-black --spans 3 --rid black
post "$(B black)" application/x-protobuf --max-time 1.5
sl_check "blackhole: no answer, curl times out (exit $P_RC, status $P_CODE)" \
	bash -c "[ '$P_RC' = 28 ] && [ '$P_CODE' = 000 ]"
mkbody black2 --svc fx-black --spans 2 --rid blackb
mkbody bhnext --svc fx-bh-next --spans 2 --rid bhnext
o=$(fcn http --addr "$HADDR" --body "$(B black2)" --body2 "$(B bhnext)" --n 2 --timeout 1.2)
sl_is "blackhole: neither the request nor a later one on the connection is answered" \
	"$(printf '%s' "$o" | jget statuses)" '["timeout", "timeout"]'
sl_check "blackhole: the data is stored (5 spans of 2 requests; $(items fx-black) now)" \
	sl_wait 3 items_is fx-black 5
sl_is "blackhole: the later request on that connection is not read (not stored)" "$(items fx-bh-next)" 0

# -- nothing refused was stored; counters
sl_is "error 503: nothing stored" "$(items fx-err503)" 0
sl_is "error 400: nothing stored" "$(items fx-err400)" 0
sl_is "reset: nothing stored" "$(items fx-reset)" 0
sleep 0.3
snap_counters a1
sl_is "counter fault_error_fired: 7 error answers" "$(cdelta a0 a1 fault_error_fired)" 7
sl_is "counter fault_delay_fired: 23 delayed answers" "$(cdelta a0 a1 fault_delay_fired)" 23
sl_is "counter fault_reset_fired: 2 resets" "$(cdelta a0 a1 fault_reset_fired)" 2
sl_is "counter fault_throttle_fired: the 429s" "$(cdelta a0 a1 fault_throttle_fired)" "$((t429 + t429b))"
sl_is "counter fault_partial_fired: 7 partial answers" "$(cdelta a0 a1 fault_partial_fired)" 7
sl_is "counter fault_partial_rejected_items: 2 + 1 + 2 + 0 + 2 + 2 + points/2" \
	"$(cdelta a0 a1 fault_partial_rejected_items)" "$((9 + pts / 2))"
sl_is "counter fault_blackhole_fired: 2" "$(cdelta a0 a1 fault_blackhole_fired)" 2
sl_is "/metrics: fh-err503 matched 6 fired 6 (protobuf, JSON, 3 on one connection, gzip)" \
	"$(wait_counts fh-err503 '6 6')" "6 6"
sl_is "/metrics: fh-range matched 12 fired 12" "$(wait_counts fh-range '12 12')" "12 12"
sl_is "/metrics: fh-thr matched 110, fired = the 429s" "$(wait_counts fh-thr "110 $t429")" "110 $t429"
sl_is "/metrics: fh-part matched 6 fired 6" "$(wait_counts fh-part '6 6')" "6 6"
sl_is "/metrics: fh-black matched 2 fired 2" "$(wait_counts fh-black '2 2')" "2 2"
sl_is "stats --json named: fh-thr matched 110, fired = the 429s" "$(named_counts fh-thr)" "110 $t429"
fclear --all

# ======================================================================== matching
sl_diag "--- matching (at ${SECONDS} s)"
fadd fm-first --match service.name=fx-order --error 500
fadd fm-second --match service.name=fx-order --error 502
fadd fm-e1 --match service.name=fx-e1 --error 410
fadd fm-e2 --match service.name=fx-e2 --error 411
fadd fm-sig --match service.name=fx-sig --match signal=logs --error 500
fadd fm-port --match service.name=fx-port --match port=4317 --error 503
fadd fm-src-no --match service.name=fx-src --match source=192.0.2.0/24 --error 500
fadd fm-src-yes --match service.name=fx-src --match "source=$SL_NET.0/24" --error 502
mkbody order --svc fx-order --rid order
post "$(B order)"
sl_is "two faults match: the first in table order applies (500, not 502)" "$P_CODE" 500
mkbody any --svc fx-plain,fx-e2 --spans 2 --rid any
post "$(B any)"
sl_is "a fault matching the request's 2nd entry applies to the request" "$P_CODE" 411
sl_is "... and none of the request is stored, not even the 1st entry" "$(items fx-plain)" 0
mkbody e21 --svc fx-e2,fx-e1 --rid e21
post "$(B e21)"
# fm-e1 (fx-e1) is before fm-e2 (fx-e2) in the table; the request's entries are [fx-e2, fx-e1].
# "The first fault in table order that matches any entry" is fm-e1, although fm-e2 matches the
# request's first entry.
sl_is "entries [fx-e2, fx-e1]: the first fault in table order (fm-e1, 410) wins, not the 1st entry's" \
	"$P_CODE" 410
mkbody sigt --svc fx-sig --rid sigt
mkbody sigl --svc fx-sig --rid sigl --signal logs
post "$(B sigt)"
sl_is "signal=logs: a traces request is not faulted" "$P_CODE" 200
post_logs "$(B sigl)"
sl_is "signal=logs: a logs request is" "$P_CODE" 500
mkbody port --svc fx-port --rid port
post "$(B port)"
sl_is "port=4317: an OTLP/HTTP request (4318) is not faulted" "$P_CODE" 200
mkbody src --svc fx-src --rid src
post "$(B src)"
sl_is "source=: the fault of the client's prefix applies, not the other" "$P_CODE" 502
mkbody none --svc fx-none --rid none
post "$(B none)"
sl_is "a service no fault matches: 200" "$P_CODE" 200

# ======================================================================== probability
sl_diag "--- probability: 10,000 requests at p=0.3 (at ${SECONDS} s)"
fclear --all
fadd fp --match service.name=fx-prob --error 503 --probability 0.3
mkbody prob --svc fx-prob --rid prob
snap_counters p0
o=$(fcn storm --addr "$HADDR" --body "$(B prob)" --n 10000 --conns 4 --window 32)
sl_diag "storm: $o"
s503=$(printf '%s' "$o" | jget statuses.503 || echo 0)
s200=$(printf '%s' "$o" | jget statuses.200 || echo 0)
sl_is "10,000 requests, all answered 200 or 503" "$((s200 + s503))" 10000
# sigma = sqrt(10000 * 0.3 * 0.7) = 45.8; 5 sigma = 229
sl_check "p=0.3: 503s within 5 sigma of 3000 (2771..3229): $s503" \
	bash -c "[ '$s503' -ge 2771 ] && [ '$s503' -le 3229 ]"
sleep 0.3
snap_counters p1
sl_is "counter fault_error_fired = the 503s the client saw" "$(cdelta p0 p1 fault_error_fired)" "$s503"
sl_is "/metrics fp: matched 10000, fired = the client's 503s exactly" \
	"$(wait_counts fp "10000 $s503")" "10000 $s503"
sl_is "stats --json named fp: matched 10000, fired = the client's 503s" "$(named_counts fp)" "10000 $s503"
sl_is "the store holds the 200s' spans" "$(items fx-prob)" "$s200"

# ======================================================================== OTel JS retries
sl_diag "--- the OpenTelemetry JS exporter retries through faults (at ${SECONDS} s)"
fclear --all
if ! "$OTELJS/install.sh" >"$SL_TMP/otel-install.log" 2>&1; then
	sl_fail "the OpenTelemetry JS exporters install (tests/integration/otel-js/install.sh)"
	sl_diag_file "$SL_TMP/otel-install.log" 10
else
	fadd fj --match service.name=fx-js --error 503 --retry-after 1s --probability 0.15
	fadd fjt --match service.name=fx-jst --throttle 10/s
	# js LABEL SERVICE COUNT BATCH CONCURRENCY: export.mjs traces proto.
	js() {
		sl_nsexec node "$OTELJS/export.mjs" --endpoint "$URL" --signal traces --encoding proto \
			--count "$3" --batch "$4" --concurrency "$5" --resources 1 --service "$2" \
			--timeout-ms 30000 2>"$SL_TMP/js.$1.err" | tail -1 >"$SL_TMP/js.$1.out"
	}
	snap_counters j0
	fadd fjp --match service.name^=fx-jsp --partial 0.25
	js 503 fx-js 400 5 8 &
	jp1=$!
	js thr fx-jst 300 10 10 &
	jp2=$!
	wait "$jp1"
	wait "$jp2"
	snap_settled j1
	sl_diag "during the exports: $(cdelta j0 j1 http_requests) requests, $(cdelta j0 j1 http_responses_200) 200," \
		"$(cdelta j0 j1 http_responses_503) 503, $(cdelta j0 j1 http_responses_429) 429;" \
		"$(cdelta j0 j1 tables_classified_requests) classified, $(cdelta j0 j1 tables_static_requests) static"
	sl_is "OTel JS: the 503s sent = the error faults fired" "$(cdelta j0 j1 http_responses_503)" \
		"$(cdelta j0 j1 fault_error_fired)"
	# partial_success as the exporters see it: both encodings, 5 exports of 8 spans each.
	for enc in proto json; do
		sl_nsexec node "$OTELJS/export.mjs" --endpoint "$URL" --signal traces --encoding "$enc" \
			--count 40 --batch 8 --resources 1 --service "fx-jsp-$enc" \
			2>"$SL_TMP/js.p$enc.err" | tail -1 >"$SL_TMP/js.p$enc.out"
		o=$(cat "$SL_TMP/js.p$enc.out")
		sl_is "OTel JS $enc exporter: partial 0.25 of 5 x 8 spans: 5 partial_success, 10 rejected" \
			"$(printf '%s' "$o" | jget succeeded) $(printf '%s' "$o" | jget partial_success) $(printf '%s' "$o" | jget rejected)" \
			"5 5 10" || { sl_diag "$o"; sl_diag_file "$SL_TMP/js.p$enc.err" 3; }
		sl_is "OTel JS $enc exporter: partial: 30 spans stored" "$(items "fx-jsp-$enc")" 30
	done
	for v in "503 fx-js fj 80 400" "thr fx-jst fjt 30 300"; do
		read -r l svc f nexp nit <<<"$v"
		o=$(cat "$SL_TMP/js.$l.out")
		sl_is "OTel JS ($f): every one of $nexp exports succeeded" \
			"$(printf '%s' "$o" | jget succeeded)/$(printf '%s' "$o" | jget failed)" "$nexp/0" ||
			{ sl_diag "$o"; sl_diag_file "$SL_TMP/js.$l.err" 5; }
		sl_is "OTel JS ($f): all $nit spans are stored" "$(items "$svc")" "$nit"
		sl_is "OTel JS ($f): each exactly once (distinct span ids)" "$(items "$svc" distinct)" "$nit"
		c=$(fault_counts "$f")
		sleep 0.3
		c2=$(fault_counts "$f")
		[ "$c" = "$c2" ] || sl_diag "$f: counts moved after the exports had finished: $c -> $c2"
		c=$c2
		fired=${c#* }
		[[ "$fired" =~ ^[0-9]+$ ]] || fired=0
		sl_ge "OTel JS ($f): the fault fired, so retries happened (matched fired: $c)" "$fired" 1
		sl_is "OTel JS ($f): every fired request was retried once: matched = exports + fired" \
			"${c% *}" "$((nexp + fired))" ||
			{ sl_diag "exporter log:"; grep -v '^\s*$' "$SL_TMP/js.$l.err" | tail -5 | sed 's/^/#   /'; }
	done
fi

# ======================================================================== TTL and clear
sl_diag "--- TTL and clear (at ${SECONDS} s)"
fclear --all
mkbody ttl --svc fx-ttl --rid ttl
t0=$(date +%s%N)
fadd ft --match service.name=fx-ttl --error 500 --ttl 3s
post "$(B ttl)"
sl_is "TTL 3s: the fault fires at first" "$P_CODE" 500
first=
while :; do
	el=$((($(date +%s%N) - t0) / 1000000))
	[ "$el" -lt 8000 ] || break
	post "$(B ttl)"
	if [ "$P_CODE" = 200 ]; then
		first=$el
		break
	fi
	sleep 0.1
done
sl_check "TTL 3s: it stops firing after 3 s and before 6 s (first 200 at ${first:-never} ms)" \
	bash -c "[ -n '$first' ] && [ '$first' -ge 2900 ] && [ '$first' -le 6000 ]"
sl_check "TTL 3s: gone from faults list" \
	sl_wait 3 bash -c "! '$SLUICE_BUILD/sluicectl' --config '$CONF' faults list | grep -qw ft"

# The dataplane ignores an expired fault by itself: sluice-control stopped (SIGSTOP) cannot
# republish, yet the fault stops at its TTL.
mkbody ttls --svc fx-ttls --rid ttls
t0=$(date +%s%N)
fadd fts --match service.name=fx-ttls --error 500 --ttl 2s
post "$(B ttls)"
sl_is "TTL 2s, control to be stopped: the fault fires at first" "$P_CODE" 500
kill -STOP "$CPID"
first=
while :; do
	el=$((($(date +%s%N) - t0) / 1000000))
	[ "$el" -lt 6000 ] || break
	post "$(B ttls)"
	if [ "$P_CODE" = 200 ]; then
		first=$el
		break
	fi
	sleep 0.1
done
kill -CONT "$CPID"
sl_check "with sluice-control stopped the dataplane stops the fault at its TTL (first 200 at ${first:-never} ms)" \
	bash -c "[ -n '$first' ] && [ '$first' -ge 1900 ] && [ '$first' -le 5000 ]"
sl_check "sluice-control, resumed, removes it from faults list" \
	sl_wait 3 bash -c "! '$SLUICE_BUILD/sluicectl' --config '$CONF' faults list | grep -qw fts"
exp=$(curl -s "$METRICS" | awk '$1 == "sluice_control_faults_expired_total" { print $2 }')
sl_ge "sluice_control_faults_expired_total counts both" "$exp" 2

fadd fc1 --match service.name=fx-c1 --error 500
fadd fc2 --match service.name=fx-c2 --error 502
fadd fc3 --match service.name=fx-c3 --error 503
for i in 1 2 3; do mkbody c$i --svc fx-c$i --rid c$i; done
post "$(B c1)"
c1=$P_CODE
post "$(B c2)"
c2=$P_CODE
post "$(B c3)"
sl_is "clear: three faults fire" "$c1 $c2 $P_CODE" "500 502 503"
fclear fc1
post "$(B c1)"
c1=$P_CODE
post "$(B c2)"
sl_is "faults clear fc1: fc1 stops at once, fc2 still fires" "$c1 $P_CODE" "200 502"
fclear --all
post "$(B c2)"
c2=$P_CODE
post "$(B c3)"
sl_is "faults clear --all: all stop at once" "$c2 $P_CODE" "200 200"
n=$(ctl --json faults list | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)["faults"]))')
sl_is "faults clear --all: faults list is empty" "$n" 0

# ======================================================================== gRPC
sl_diag "--- OTLP/gRPC (at ${SECONDS} s)"
# status:gRPC code pairs of the mapping
map="400:INVALID_ARGUMENT 401:UNAUTHENTICATED 403:PERMISSION_DENIED 404:NOT_FOUND
408:DEADLINE_EXCEEDED 409:ABORTED 429:RESOURCE_EXHAUSTED 500:INTERNAL 501:UNIMPLEMENTED
502:UNAVAILABLE 503:UNAVAILABLE 504:DEADLINE_EXCEEDED 418:UNKNOWN"
args=()
for pair in $map; do
	s=${pair%%:*}
	ra=()
	[ "$s" = 503 ] && ra=(--retry-after 3s)
	fadd "fg-$s" --match "service.name=fx-g$s" --error "$s" "${ra[@]}"
	args+=(--svc "fx-g$s")
done
fadd fg-thr --match service.name=fx-gthr --throttle 5/s
fadd fg-part --match service.name=fx-gpart --partial 0.2
fadd fg-delay --match service.name=fx-gdelay --delay 300ms
fadd fg-delay1s --match service.name=fx-gdelay1s --delay 1s
fadd fg-reset --match service.name=fx-greset --reset
fadd fg-black --match service.name=fx-gblack --blackhole
fadd fm-port --match service.name=fx-port --match port=4317 --error 503
snap_counters g0
o=$(fcn grpc --addr "$GADDR" "${args[@]}" --svc fx-gpart --svc fx-gdelay --svc fx-port --spans 10 --rid g)
printf '%s\n' "$o" >"$SL_TMP/grpc.json"
g() { jget "$1" <"$SL_TMP/grpc.json"; }
for pair in $map; do
	s=${pair%%:*}
	sl_is "gRPC: error $s -> ${pair#*:}" "$(g "fx-g$s.code")" "${pair#*:}"
done
d=$(g fx-g400.details)
sl_check "gRPC: grpc-message starts 'fault injection' (got '$d')" bash -c "[[ '$d' == 'fault injection'* ]]"
sl_is "gRPC: error 503 --retry-after 3s: RetryInfo of 3 s" "$(g fx-g503.retry_s)" 3.0
sl_is "gRPC: error 500 without --retry-after: no RetryInfo" "$(g fx-g500.retry_s)" null
sl_is "gRPC: partial 0.2: OK" "$(g fx-gpart.code)" OK
sl_is "gRPC: partial 0.2 of 10 spans: rejected_spans 2" "$(g fx-gpart.partial.rejected)" 2
m=$(g fx-gpart.partial.message)
sl_check "gRPC: partial error_message starts 'fault injection' (got '$m')" \
	bash -c "[[ '$m' == 'fault injection'* ]]"
sl_is "gRPC: partial: the first 8 spans stored" "$(items fx-gpart names)" \
	'["g-fx-gpart-0", "g-fx-gpart-1", "g-fx-gpart-2", "g-fx-gpart-3", "g-fx-gpart-4", "g-fx-gpart-5", "g-fx-gpart-6", "g-fx-gpart-7"]'
sl_is "gRPC: delay 300ms: OK" "$(g fx-gdelay.code)" OK
sl_check "gRPC: delay 300ms: took >= 0.3 s and < 5 s ($(g fx-gdelay.secs) s)" \
	bash -c "awk -v t='$(g fx-gdelay.secs)' 'BEGIN { exit !(t >= 0.3 && t < 5) }'"
mkbody gdelay --svc fx-gdelay1s --spans 1 --rid gdelay
mkbody gok0 --svc fx-gok0 --spans 1 --rid gok0
o=$(fcn h2 --addr "$GADDR" --body "$(B gdelay)" --body2 "$(B gok0)" --together --wait 3)
sl_diag "h2 [delayed 1s, plain] together: $o"
sl_check "gRPC: delay: another stream of the connection is answered meanwhile" \
	bash -c "awk -v a='$(printf '%s' "$o" | jget s1.secs)' -v b='$(printf '%s' "$o" | jget s3.secs)' \
		'BEGIN { exit !(a >= 1 && b < a) }'"
o=$(fcn grpc --addr "$GADDR" --svc fx-gdelay1s --timeout 0.2 --rid gcancel)
sl_is "gRPC: delay 1s, client deadline 0.2 s: DEADLINE_EXCEEDED" "$(printf '%s' "$o" | jget fx-gdelay1s.code)" \
	DEADLINE_EXCEEDED
sleep 1
o=$(fcn grpc --addr "$GADDR" --svc fx-gok0 --rid gafter)
sl_is "gRPC: ... and after the delay fired on the cancelled stream the appliance still serves" \
	"$(printf '%s' "$o" | jget fx-gok0.code)" OK
sl_is "gRPC: port=4317 fault applies on 4317" "$(g fx-port.code)" UNAVAILABLE
sl_is "gRPC: refused errors stored nothing" "$(items fx-g503)$(items fx-g400)" 00

o=$(fcn grpc --addr "$GADDR" --svc fx-gthr --n 12 --rid gt)
okg=$(printf '%s' "$o" | jget fx-gthr.codes.OK || echo 0)
reg=$(printf '%s' "$o" | jget fx-gthr.codes.RESOURCE_EXHAUSTED || echo 0)
max=$(awk -v s="$(printf '%s' "$o" | jget fx-gthr.secs)" 'BEGIN { printf "%d", 5 + 5 * s + 1 }')
sl_check "gRPC: throttle 5/s: 5..$max of 12 quick calls OK, the rest RESOURCE_EXHAUSTED ($okg OK, $reg RE)" \
	bash -c "[ '$okg' -ge 5 ] && [ '$okg' -le '$max' ] && [ $((okg + reg)) = 12 ]"
sl_is "gRPC: throttle: RetryInfo of 1 s on each" "$(printf '%s' "$o" | jget fx-gthr.retry_s.1 || echo 0)" "$reg"

mkbody greset --svc fx-greset --spans 2 --rid greset
mkbody gok --svc fx-gok --spans 2 --rid gok
o=$(fcn h2 --addr "$GADDR" --body "$(B greset)" --body2 "$(B gok)" --wait 3)
sl_diag "h2 reset: $o"
sl_check "gRPC: reset: RST_STREAM on that stream" bash -c "[ '$(printf '%s' "$o" | jget s1.rst)' != null ]"
sl_is "gRPC: reset: no answer headers on it" "$(printf '%s' "$o" | jget s1.headers)" 0
sl_is "gRPC: reset: the connection survives (no GOAWAY, not closed)" \
	"$(printf '%s' "$o" | jget goaway) $(printf '%s' "$o" | jget closed)" "null false"
sl_is "gRPC: reset: the next stream on it is answered to the end" "$(printf '%s' "$o" | jget s3.end)" true
sl_is "gRPC: reset: nothing stored of the reset stream" "$(items fx-greset)" 0
sl_is "gRPC: reset: the next stream's data stored" "$(items fx-gok)" 2
o=$(fcn grpc --addr "$GADDR" --svc fx-greset --rid gr2)
sl_diag "grpcio sees a reset stream as $(printf '%s' "$o" | jget fx-greset.code): $(printf '%s' "$o" | jget fx-greset.details)"
sl_check "gRPC: reset: grpcio gets an error" bash -c "[ '$(printf '%s' "$o" | jget fx-greset.code)' != OK ]"

mkbody gblack --svc fx-gblack --spans 2 --rid gblack
mkbody gok2 --svc fx-gok2 --spans 2 --rid gok2
o=$(fcn h2 --addr "$GADDR" --body "$(B gblack)" --body2 "$(B gok2)" --wait 1.5)
sl_diag "h2 blackhole: $o"
sl_is "gRPC: blackhole: no answer and no RST on that stream" \
	"$(printf '%s' "$o" | jget s1.headers) $(printf '%s' "$o" | jget s1.rst) $(printf '%s' "$o" | jget s1.end)" \
	"0 null false"
sl_is "gRPC: blackhole: the next stream on the connection is answered" "$(printf '%s' "$o" | jget s3.end)" true
o=$(fcn grpc --addr "$GADDR" --svc fx-gblack --timeout 1.5 --rid gb2)
sl_is "gRPC: blackhole: grpcio call times out" "$(printf '%s' "$o" | jget fx-gblack.code)" DEADLINE_EXCEEDED
sl_check "gRPC: blackhole: the data is stored (2 + 1 spans; $(items fx-gblack) now)" \
	sl_wait 3 items_is fx-gblack 3
sleep 0.3
snap_counters g1
sl_is "gRPC counter fault_error_fired: 14 (13 statuses + port)" "$(cdelta g0 g1 fault_error_fired)" 14
sl_is "gRPC counter fault_throttle_fired" "$(cdelta g0 g1 fault_throttle_fired)" "$reg"
sl_is "gRPC counter fault_delay_fired: 3" "$(cdelta g0 g1 fault_delay_fired)" 3
sl_is "gRPC counter fault_reset_fired: 2 streams" "$(cdelta g0 g1 fault_reset_fired)" 2
sl_is "gRPC counter fault_blackhole_fired: 2" "$(cdelta g0 g1 fault_blackhole_fired)" 2
sl_is "gRPC counter fault_partial_rejected_items: 2" "$(cdelta g0 g1 fault_partial_rejected_items)" 2
sl_is "/metrics: fg-503 matched 1 fired 1" "$(wait_counts fg-503 '1 1')" "1 1"

snap_counters end
sl_is "no request was classified without the tables (tables_static_requests)" \
	"$(sl_json "$SL_TMP/c.end.json" total.counters.tables_static_requests)" 0
sl_is "no request saw two table generations (tables_generation_mix)" \
	"$(sl_json "$SL_TMP/c.end.json" total.counters.tables_generation_mix)" 0
sl_is "no named counter was lost (named_counters_full)" \
	"$(sl_json "$SL_TMP/c.end.json" total.counters.named_counters_full)" 0
sl_diag "--- shutdown with a blackholed request pending (at ${SECONDS} s)"
# ======================================================================== cleanup
mkbody hold --svc fx-gblack --spans 1 --rid hold
ip netns exec "$SL_NS" "$PY" "$FC" hold --addr "$HADDR" --body "$(B hold)" --secs 20 \
	>"$SL_TMP/hold.out" 2>&1 &
HOLD_PID=$!
# and a blackholed gRPC stream (stream 3 never gets sent: stream 1 never finishes)
ip netns exec "$SL_NS" "$PY" "$FC" h2 --addr "$GADDR" --body "$(B gblack)" --body2 "$(B gok2)" \
	--wait 20 >"$SL_TMP/hold2.out" 2>&1 &
HOLD2_PID=$!
sl_wait 5 grep -q sent "$SL_TMP/hold.out"
sleep 0.5
sl_stop 10
sl_is "the dataplane stops (SIGTERM, drain) within 10 s with a blackholed HTTP request and gRPC stream pending" \
	"$SL_STOP_RC" 0
sl_diag "stopped in ${SL_STOP_MS:-?} ms"
wait "$HOLD_PID" 2>/dev/null
wait "$HOLD2_PID" 2>/dev/null
HOLD_PID=
HOLD2_PID=
sl_diag "the blackholed HTTP client saw: $(tail -1 "$SL_TMP/hold.out")"
sl_diag "the blackholed gRPC client saw: $(tail -1 "$SL_TMP/hold2.out")"
stop_control
sl_teardown
rm -f "$TABLES"
sl_leak_check
sl_check "no tables region left" test ! -e "$TABLES"
sl_done
