#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# OTLP/HTTP end to end: the official OpenTelemetry JS exporters and curl against the dataplane.
#
# From a namespace through a tap port: every signal x protobuf/JSON x gzip/none
# from @opentelemetry/exporter-*-otlp-{proto,http} must report success and the
# appliance must count exactly the items they sent; then curl and raw sockets
# check each response code of docs/otlp-http.md and that the connection stays
# usable after a 4xx.

set -u
. "$(dirname "$0")/lib.sh"

OTELJS=$SLUICE_SRC/tests/integration/otel-js
PY=/usr/bin/python3

if ! "$OTELJS/install.sh" >"${TMPDIR:-/tmp}/sluice-otel-js-install.log" 2>&1; then
	sl_fail "the OpenTelemetry JS exporters install (tests/integration/otel-js/install.sh)"
	sl_diag_file "${TMPDIR:-/tmp}/sluice-otel-js-install.log" 20
	sl_done
fi

SL_EXTRA_CONF="tcp:
  max_conns: 1024
http:
  max_body_bytes: 1048576
  header_timeout_ms: 1000"
sl_setup || sl_bail "dataplane did not start"
URL=http://$SL_APP_IP:4318
DATA=$SLUICE_SRC/tests/data

# -- the exporters ------------------------------------------------------------
declare -A sent=([traces]=0 [metrics]=0 [logs]=0)
for sig in traces metrics logs; do
	for enc in proto json; do
		for gz in "" --gzip; do
			out=$(sl_nsexec node "$OTELJS/export.mjs" --endpoint "$URL" --signal "$sig" \
				--encoding "$enc" $gz --count 40 --batch 8 --timeout-ms 10000 2>&1 | tail -1)
			items=$(printf '%s' "$out" | $PY -c 'import json,sys
d=json.load(sys.stdin)
print(d["items"] if d["failed"] == 0 and d["succeeded"] == d["exports"] else -1)' 2>/dev/null)
			if [[ "$items" =~ ^[0-9]+$ ]] && [ "$items" -gt 0 ]; then
				sl_pass "OTel JS exporter: $sig $enc ${gz:-(no gzip)}: every export succeeded ($items items)"
				sent[$sig]=$((sent[$sig] + items))
			else
				sl_fail "OTel JS exporter: $sig $enc ${gz:-(no gzip)}: every export succeeded"
				sl_diag "$out"
			fi
		done
	done
done
sl_snap exporters
f=$SL_TMP/exporters.json
sl_is "appliance counted every span the exporters sent" \
	"$(sl_json "$f" total.counters.otlp_spans_received)" "${sent[traces]}"
sl_is "appliance counted every metric data point the exporters sent" \
	"$(sl_json "$f" total.counters.otlp_data_points_received)" "${sent[metrics]}"
sl_is "appliance counted every log record the exporters sent" \
	"$(sl_json "$f" total.counters.otlp_log_records_received)" "${sent[logs]}"
sl_is "no request was refused" "$(sl_json "$f" total.counters.otlp_invalid_requests)" 0

# -- response codes with curl ---------------------------------------------------
# code EXPECTED DESC CURL-ARGS...: the status curl sees, and the body in $SL_TMP/body.
code() {
	local want=$1 desc=$2 got
	shift 2
	got=$(sl_nsexec curl -s -o "$SL_TMP/body" -D "$SL_TMP/head" -w '%{http_code}' "$@")
	sl_is "$desc" "$got" "$want"
}
PB=(-H 'Content-Type: application/x-protobuf')
JS=(-H 'Content-Type: application/json')

for sig in traces metrics logs; do
	code 200 "curl: protobuf $sig golden payload is accepted" "${PB[@]}" \
		--data-binary "@$DATA/$sig.pb" "$URL/v1/$sig"
done
gzip -c "$DATA/traces.pb" >"$SL_TMP/t.gz"
code 200 "curl: gzip body" "${PB[@]}" -H 'Content-Encoding: gzip' --data-binary "@$SL_TMP/t.gz" \
	"$URL/v1/traces"
$PY -c 'import sys,zlib; sys.stdout.buffer.write(zlib.compress(open(sys.argv[1],"rb").read()))' \
	"$DATA/traces.pb" >"$SL_TMP/t.zlib"
code 200 "curl: deflate body" "${PB[@]}" -H 'Content-Encoding: deflate' \
	--data-binary "@$SL_TMP/t.zlib" "$URL/v1/traces"
zstd -q -c "$DATA/traces.pb" >"$SL_TMP/t.zst"
code 200 "curl: zstd body" "${PB[@]}" -H 'Content-Encoding: zstd' --data-binary "@$SL_TMP/t.zst" \
	"$URL/v1/traces"
code 200 "curl: chunked body" "${PB[@]}" -H 'Transfer-Encoding: chunked' \
	--data-binary "@$DATA/traces.pb" "$URL/v1/traces"
code 200 "curl: Expect: 100-continue is honoured" "${PB[@]}" -H 'Expect: 100-continue' \
	--data-binary "@$DATA/traces.pb" "$URL/v1/traces"
sl_check "curl: 100 Continue was sent" grep -q '^HTTP/1.1 100' "$SL_TMP/head"
code 200 "curl: JSON body answered in JSON" "${JS[@]}" \
	--data-binary '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102030405060708090a0b0c0d0e0f10","spanId":"0102030405060708","name":"s"}]}]}]}' \
	"$URL/v1/traces"
sl_is "curl: JSON success body is an empty ExportTraceServiceResponse" "$(cat "$SL_TMP/body")" "{}"

code 400 "curl: malformed protobuf gets 400" "${PB[@]}" --data-binary 'not protobuf at all' \
	"$URL/v1/traces"
code 400 "curl: malformed JSON gets 400" "${JS[@]}" \
	--data-binary '{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"xyz"}]}]}]}' \
	"$URL/v1/traces"
sl_check "curl: the 400 Status names the field and the byte" \
	grep -q 'resourceSpans\[0\].scopeSpans\[0\].spans\[0\].traceId.*at byte' "$SL_TMP/body"
code 404 "curl: unknown path gets 404" "${PB[@]}" --data-binary "@$DATA/traces.pb" \
	"$URL/v1/nothing"
code 405 "curl: GET gets 405" "$URL/v1/traces"
sl_check "curl: 405 says Allow: POST" grep -qi '^Allow: POST' "$SL_TMP/head"
code 415 "curl: unsupported Content-Type gets 415" -H 'Content-Type: text/plain' \
	--data-binary "@$DATA/traces.pb" "$URL/v1/traces"
code 415 "curl: unsupported Content-Encoding gets 415" "${PB[@]}" -H 'Content-Encoding: br' \
	--data-binary "@$DATA/traces.pb" "$URL/v1/traces"
head -c 2000000 /dev/zero >"$SL_TMP/big"
code 413 "curl: a body over http.max_body_bytes gets 413" "${PB[@]}" \
	--data-binary "@$SL_TMP/big" "$URL/v1/traces"
head -c 8000000 /dev/zero | gzip -c >"$SL_TMP/bomb.gz"
code 413 "curl: a gzip bomb ($(stat -c %s "$SL_TMP/bomb.gz") bytes -> 8 MB) gets 413" "${PB[@]}" \
	-H 'Content-Encoding: gzip' --data-binary "@$SL_TMP/bomb.gz" "$URL/v1/traces"
sl_check "curl: a 404 keeps the connection for the next request" bash -c \
	"ip netns exec '$SL_NS' curl -s -o /dev/null -o /dev/null -w '%{http_code} %{num_connects}\n' \
	-H 'Content-Type: application/x-protobuf' --data-binary @'$DATA/traces.pb' \
	'$URL/v1/nope' '$URL/v1/traces' | tr '\n' ' ' | grep -qx '404 1 200 0 '"

# -- raw sockets ------------------------------------------------------------------
raw() { sl_nsexec $PY "$SLUICE_SRC/tests/integration/http_raw.py" "$SL_APP_IP" 4318 "$@"; }
sl_check "raw: 8 pipelined requests answered 200 in order" raw pipeline "$DATA/traces.pb" 8
sl_check "raw: 400 then 200 on the same connection" raw after_error "$DATA/traces.pb"
sl_check "raw: a head that stalls gets 408 and a close (slowloris)" raw slow 1
out=$(raw headers 100)
sl_is "raw: 100 header fields get 431" "$out" '{"mode": "headers", "statuses": [431]}'

sl_snap errors
f=$SL_TMP/errors.json
sl_ge "counters: 4xx answers are counted by status" \
	"$(sl_json "$f" total.counters.http_responses_415)" 2
sl_ge "counters: timeouts are counted" "$(sl_json "$f" total.counters.http_timeouts)" 1
sl_check "connections drain to zero" sl_wait 20 bash -c \
	"sl() { '$SLUICE_BUILD/sluicectl' --instance '$SL_INSTANCE' stats --json; }; sl | $PY -c \
	'import json,sys; sys.exit(json.load(sys.stdin)[\"total\"][\"counters\"][\"tcp_connections\"] != 0)'"
sl_stop 10
sl_is "SIGTERM stops the dataplane with status 0" "${SL_STOP_RC:-none}" 0
sl_teardown
sl_leak_check

# -- backpressure is answered 503 with Retry-After ------------------------------
SL_EXTRA_CONF="test:
  http_pressure: true"
if sl_setup; then
	URL=http://$SL_APP_IP:4318
	code 503 "pressure: an export gets 503" "${PB[@]}" --data-binary "@$DATA/traces.pb" \
		"$URL/v1/traces"
	sl_check "pressure: 503 carries Retry-After" grep -qi '^Retry-After: [0-9]' "$SL_TMP/head"
fi
sl_teardown
sl_leak_check "pressure:"
sl_done
