#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Routing end to end: a real dataplane classifying every Resource entry against the tables a
# real sluice-control publishes (docs/routing.md), checked by decoding the stores.
#
# 1. split: requests mixing services (every signal; gRPC, and HTTP with protobuf, OTLP/JSON
#    and gzip bodies) go entry by entry to two routes' sinks, a fan-out route's two sinks, a
#    drop route and the default store; the stores are compared item for item and entry for
#    entry (byte for byte, except transcoded JSON: entries are cut by byte ranges), records
#    carry CRC32C(route name); a persisted route's entries are in its store when the answer
#    comes back, and only requests with such an entry wait for the sync.
# 2. sampling: 400 traces spread over ~80 requests (HTTP and gRPC) and over two entries per
#    request: every trace is stored whole or not at all, and the kept set is exactly the
#    consistent rule computed here from the trace ids; logs by their trace id, metrics kept.
# 3. tenants: header and bearer token (HTTP headers, gRPC metadata) route to per-tenant
#    sinks; a tenant over its rate gets 429 + Retry-After / RESOURCE_EXHAUSTED + RetryInfo
#    and nothing of a refused request is stored.
# 4. churn: 4 keep-alive clients send while routes and faults change at 1,000 updates per
#    second for 10 s over the control socket (a route added and deleted, a fault added and
#    cleared, a route flipping between two sinks by rollback): no acknowledged item lost or
#    duplicated, all entries of a service in one request in one store (one generation per
#    request), sluice_tables_generation_mix_total 0, hundreds of generation switches, and
#    the dataplane's counters equal what the clients had acknowledged.
# 5. restarts under load: kill -9 sluice-control (routing goes on with the last tables),
#    restart it (same version and image body), kill -9 the dataplane and start it again
#    (control republishes, routing works); every acknowledged request of a persisted route
#    is in its store.
#
# Run as root: SLUICE_BUILD=$PWD/build SLUICE_SRC=$PWD bash tests/integration/test_routing.sh
# SLUICE_TEST_KEEP=1 keeps $SL_TMP (plans, sent logs, check outputs) for a post-mortem.

set -u
. "$(dirname "$0")/lib.sh"

PY=$SL_PY
H=$SLUICE_SRC/tests/integration/routing_otlp.py
"$PY" -c 'import grpc' 2>/dev/null || {
	sl_fail "python3-grpcio is installed (apt-get install python3-grpcio)"
	sl_done
}

sl_setup || sl_bail "dataplane did not start"
CONF=$SL_TMP/control.yaml
# A free port on 127.0.0.1 for control's HTTP (the kernel picks; a tiny race, fine for a test).
MPORT=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
S=$SL_TMP/sinks
STORE=$SL_TMP/store
# Versions go to tmpfs, so 10,000 versions in 10 s measure the control path, not the disk:
# each version is a file written and fsync'd, 0.14 ms a write+fsync on the dev VM's disk (a
# python os.fsync loop) but many times that on a busy CI disk.
STATE=/dev/shm/sluice-routing.$SL_ID
TABLES=/dev/shm/sluice.$SL_INSTANCE.tables
URL=http://$SL_APP_IP:4318
GADDR=$SL_APP_IP:4317
cp "$SL_CONF" "$CONF"
cat >>"$CONF" <<YAML

control:
  listen: 127.0.0.1:$MPORT
  socket: $SL_TMP/control.sock
  state_dir: $STATE
  heartbeat_ms: 100
limits:
  tenant_header: X-Scope-OrgID
  retry_after: 2s
tenants:
  - name: acme
    tokens: [tok-acme]
  - name: globex
    tokens: [tok-globex]
  - name: tiny
    tokens: [tok-tiny]
    rate: 20/s
    burst: 50
YAML

CPID=
BG_PIDS=()
stop_control() {
	[ -n "$CPID" ] || return 0
	kill "${1:--TERM}" "$CPID" 2>/dev/null
	wait "$CPID" 2>/dev/null
	CPID=
}
stop_bg() {
	local p
	for p in "${BG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	for p in "${BG_PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	BG_PIDS=()
}
# The load clients run in the namespace, which does not kill them when deleted: stop them
# by pid, then control, then lib.sh's own cleanup.
_rt_exit() {
	local rc=$?
	stop_bg
	stop_control -KILL
	rm -rf "$TABLES" "$STATE"
	(exit "$rc")
	_sl_on_exit
}
trap _rt_exit EXIT
trap 'stop_bg; stop_control -KILL; rm -rf "$TABLES" "$STATE"; _sl_on_signal INT' INT
trap 'stop_bg; stop_control -KILL; rm -rf "$TABLES" "$STATE"; _sl_on_signal TERM' TERM

start_control() {
	"$SLUICE_BUILD/sluice-control" --config "$CONF" >>"$SL_TMP/control.log" 2>&1 &
	CPID=$!
	sl_wait 10 test -S "$SL_TMP/control.sock" &&
		sl_wait 10 curl -sf "http://127.0.0.1:$MPORT/readyz"
}
ctl() { sl_ctl --config "$CONF" "$@"; }
cstatus() { ctl control --json 2>/dev/null | $PY -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
on_current() { [ "$(cstatus generation)" = "$(cstatus dataplane_generation)" ]; }
attached() { [ "$(cstatus dataplane_pid)" = "$SL_PID" ]; }
# Control publishes a change at once unless all 4 slots are still pinned by the poll core
# (then on its next tick): /readyz is 200 once the running version is published.
published() { curl -sf "http://127.0.0.1:$MPORT/readyz" >/dev/null; }
synced() { published && on_current; }
attached_current() { attached && synced; }
rh() { "$PY" "$H" "$@"; }
rhn() { sl_nsexec "$PY" "$H" "$@"; }
# jq-less JSON: jv FILE EXPR (python expression over d).
jv() {
	"$PY" -c "import json,sys
d = json.loads(open(sys.argv[1]).read().strip().splitlines()[-1])
print($2)" "$1" 2>/dev/null
}
# pj EXPR: the same over JSON on stdin.
pj() { "$PY" -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# sentc LOG COND: how many requests r of a sent log satisfy COND; sents LOG EXPR: EXPR of each.
sentc() {
	"$PY" -c "import json,sys; print(sum(1 for r in map(json.loads, open(sys.argv[1])) if $2))" "$1"
}
sents() { "$PY" -c "import json,sys; print(' '.join(str($2) for r in map(json.loads, open(sys.argv[1]))))" "$1"; }
# counter NAME [SNAP]: a total counter of a stats snapshot ("absent" when it has none).
counter() { sl_get "${2:-snap}" "total.counters.$1" 2>/dev/null || echo absent; }

# check KEY LABEL SPEC PREFIX WAIT SENT...: decode the spec's stores and compare with the
# sent logs (result in check.KEY.json); retried for up to WAIT seconds (received routes seal
# by age, 200 ms).
check() {
	local out=$SL_TMP/check.$1.json label=$2 spec=$3 prefix=$4 wait=$5 deadline
	shift 5
	deadline=$((SECONDS + wait))
	while :; do
		rh check --spec "$spec" --prefix "$prefix" --sluicectl "$SLUICE_BUILD/sluicectl" \
			--tmp "$SL_TMP" --sent "$@" >"$out" 2>"$out.err" && break
		[ "$SECONDS" -lt "$deadline" ] || break
		sleep 0.5
	done
	if [ "$(jv "$out" 'len(d["problems"])')" = 0 ]; then
		sl_pass "$label ($(jv "$out" '", ".join("%s %d/%d" % (k.rsplit("/", 1)[-1], v["stored"],
	v["expected"]) for k, v in sorted(d["dirs"].items()) if v["expected"] or v["stored"])'))"
		return 0
	fi
	sl_fail "$label"
	jv "$out" '"\n".join(d["problems"])' | sed 's/^/#   /' | head -20
	sl_diag_file "$out.err" 5
	return 1
}

# send LABEL PLAN: send a plan from the namespace; LABEL.sent is the log.
send() {
	rhn send --plan "$2" --log "$SL_TMP/$1.sent" --url "$URL" --grpc "$GADDR" \
		>"$SL_TMP/$1.out" 2>"$SL_TMP/$1.err"
}

# ---------------------------------------------------------------- control, routes

if start_control; then sl_pass "sluice-control starts"; else
	sl_fail "sluice-control starts"
	sl_diag_file "$SL_TMP/control.log" 10
	sl_done
fi
sl_check "the dataplane attaches and is on the published generation" sl_wait 15 attached_current

mkdir -p "$S"
out=""
while read -r args; do
	# shellcheck disable=SC2086
	o=$(ctl routes add $args 2>&1) || out+="routes add $args: $o"$'\n'
done <<EOF
ra --match service.name=svc-a --sink $S/a --durability persisted --priority 20
rb --match service.name=svc-b --sink $S/b --priority 10
rl --match service.name=svc-rl --tenant-rate 20/s --priority 5 --sink $S/rl
fan --match service.name=svc-c --sink $S/f1 --sink $S/f2
dbg --match service.name=svc-debug --drop
samp --match service.name=svc-s --sample 0.3 --sink $S/s
ta --match tenant=acme --sink $S/ta
tg --match tenant=globex --sink $S/tg
EOF
if [ -z "$out" ]; then sl_pass "sluicectl routes add: 8 routes"; else
	sl_fail "sluicectl routes add: 8 routes"
	printf '%s' "$out" | sed 's/^/#   /'
fi
sl_check "the dataplane is on the generation with the routes" sl_wait 10 synced
sl_is "routes list: priority order, default last" \
	"$(ctl routes list --json | pj '",".join(r["name"] for r in d["routes"])')" \
	"ra,rb,rl,fan,dbg,samp,ta,tg,default"

# The spec the checks compute expectations from: the same routes, in evaluation order.
SPEC=$SL_TMP/spec.json
cat >"$SPEC" <<EOF
{"default_dir": "$STORE", "check_route_ids": true,
 "extra_dirs": ["$S/ca", "$S/cf1", "$S/cf2", "$S/p"],
 "routes": [
  {"name": "ra", "match": {"service": "svc-a"}, "sinks": ["$S/a"]},
  {"name": "rb", "match": {"service": "svc-b"}, "sinks": ["$S/b"]},
  {"name": "rl", "match": {"service": "svc-rl"}, "sinks": ["$S/rl"]},
  {"name": "fan", "match": {"service": "svc-c"}, "sinks": ["$S/f1", "$S/f2"]},
  {"name": "dbg", "match": {"service": "svc-debug"}, "drop": true},
  {"name": "samp", "match": {"service": "svc-s"}, "sample": 0.3, "sinks": ["$S/s"]},
  {"name": "ta", "match": {"tenant": "acme"}, "sinks": ["$S/ta"]},
  {"name": "tg", "match": {"tenant": "globex"}, "sinks": ["$S/tg"]},
  {"name": "default", "match": {}}
 ]}
EOF
sl_snap snap0 || true

# ---------------------------------------------------------------- 1. split, fan-out, drop

rh plan split --prefix p1 --seed 11 --out "$SL_TMP/p1.plan" >/dev/null
send p1 "$SL_TMP/p1.plan"
sl_is "split: every request answered OK (HTTP 200, gRPC OK)" \
	"$(jv "$SL_TMP/p1.out" 'sorted(d)')" "['ok']"
# Persisted: the answer came after the flush, so ra's store is complete right now.
rh check --spec "$SPEC" --prefix p1 --sluicectl "$SLUICE_BUILD/sluicectl" --tmp "$SL_TMP" \
	--only-dirs "$S/a" --sent "$SL_TMP/p1.sent" >"$SL_TMP/check.p1-persisted.json" 2>&1
if [ "$(jv "$SL_TMP/check.p1-persisted.json" 'len(d["problems"])')" = 0 ]; then
	sl_pass "split: the persisted route's entries are in its store when the answers come"
else
	sl_fail "split: the persisted route's entries are in its store when the answers come"
	sed 's/^/#   /' "$SL_TMP/check.p1-persisted.json" | tail -5
fi
check p1 "split: every entry in exactly its route's stores, fan-out in both, drop nowhere" \
	"$SPEC" p1 10 "$SL_TMP/p1.sent"
sl_snap snap1 || true
sl_is "split: answered after the sync exactly the requests with an entry for the persisted route" \
	"$(($(counter pipeline_acks_persisted snap1) - $(counter pipeline_acks_persisted snap0)))" \
	"$(sentc "$SL_TMP/p1.sent" 'any(e["service"] == "svc-a" for e in r["entries"])')"
# sluicectl routes test with the published tables agrees with where the dataplane put them.
rh body --services svc-a,svc-b,svc-rl,svc-c,svc-debug,svc-s,svc-other \
	--out "$SL_TMP/routes-test.pb"
sl_is "sluicectl routes test: each entry's route from the published tables" \
	"$(ctl routes test "$SL_TMP/routes-test.pb" --json | pj '",".join(e["route"] for e in d["entries"])')" \
	"ra,rb,rl,fan,dbg,samp,default"

# ---------------------------------------------------------------- 2. sampling

rh plan sample --prefix p2 --seed 22 --traces 400 --out "$SL_TMP/p2.plan" >/dev/null
send p2 "$SL_TMP/p2.plan"
sl_is "sampling: every request answered OK" "$(jv "$SL_TMP/p2.out" 'sorted(d)')" "['ok']"
check p2 "sampling: the stores hold exactly the spans/logs the consistent rule keeps" \
	"$SPEC" p2 10 "$SL_TMP/p2.sent"
c=$SL_TMP/check.p2.json
sl_is "sampling: no trace stored in part" "$(jv "$c" "d['dirs']['$S/s']['traces_partial']")" 0
sl_is "sampling: kept traces == the rule's set (trace_id[9..15] >= round(0.7 * 2^56))" \
	"$(jv "$c" "d['dirs']['$S/s']['kept_set_equals_rule']")" True
kept=$(jv "$c" "d['dirs']['$S/s']['traces_kept']")
# 400 traces at 0.3: mean 120, sd 9.2; 4 sd either side.
if [[ "$kept" =~ ^[0-9]+$ ]] && [ "$kept" -ge 83 ] && [ "$kept" -le 157 ]; then
	sl_pass "sampling: $kept of 400 traces kept (0.3 +- 4 sd)"
else
	sl_fail "sampling: kept traces within 0.3 +- 4 sd of 400"
	sl_diag "kept: $kept"
fi

# ---------------------------------------------------------------- 3. tenants, rate limits

rh plan tenants --prefix p3 --out "$SL_TMP/p3.plan" >/dev/null
send p3 "$SL_TMP/p3.plan"
sl_is "tenants: every request answered OK" "$(jv "$SL_TMP/p3.out" 'sorted(d)')" "['ok']"
check p3 "tenants: header and bearer token (HTTP and gRPC) route to the tenant's sink" \
	"$SPEC" p3 10 "$SL_TMP/p3.sent"

# tiny: 20 items/s, burst 50; 6 HTTP then 4 gRPC requests of 20 items at once (svc-a: route
# ra, persisted), each with an entry for the drop route too (a refused request's items are
# not "dropped": they were never accepted).
rh plan burst --prefix p3b --n-http 6 --n-grpc 4 --items 20 --service svc-a --extra svc-debug:3 \
	--out "$SL_TMP/p3b.plan" >/dev/null
send p3b "$SL_TMP/p3b.plan"
b=$SL_TMP/p3b.sent
n429=$(sentc "$b" 'r["status"] == 429 and r["retry_after"] == "2"')
nre=$(sentc "$b" 'r["status"] == "RESOURCE_EXHAUSTED" and r["retry_after"] == 2')
nok=$(sentc "$b" 'r["ok"]')
nrej=$(sentc "$b" 'not r["ok"]')
sl_diag "burst of tenant tiny: $(tr '\n' ' ' <"$SL_TMP/p3b.out")"
sl_ge "rate limit: the burst's first requests pass" "$nok" 2
sl_ge "rate limit: HTTP 429 with Retry-After: 2 once over" "$n429" 1
sl_ge "rate limit: gRPC RESOURCE_EXHAUSTED with RetryInfo 2 s once over" "$nre" 1
sl_is "rate limit: every refusal is one of those" "$((n429 + nre))" "$nrej"
check p3b "rate limit: accepted requests stored, nothing of a refused one" "$SPEC" p3b 10 "$b"

# Route rl: 20 items/s per tenant. acme sends 15 + 2 (svc-b) items per request back to back:
# the first passes, the next are refused whole (svc-b's entry too); globex has its own bucket.
rh plan burst --prefix p3r --n-http 4 --n-grpc 0 --items 15 --service svc-rl --extra svc-b:2 \
	--token tok-acme --tenant acme --out "$SL_TMP/p3r.plan" >/dev/null
rh plan burst --prefix p3rg --n-http 1 --n-grpc 0 --items 15 --service svc-rl \
	--token tok-globex --tenant globex --out "$SL_TMP/p3rg.plan" >/dev/null
send p3r "$SL_TMP/p3r.plan"
send p3rg "$SL_TMP/p3rg.plan"
sl_diag "route tenant_rate: acme $(tr '\n' ' ' <"$SL_TMP/p3r.out"), globex $(tr '\n' ' ' <"$SL_TMP/p3rg.out")"
# (A stall of 0.7 s between requests would refill 15 items: the refusals are counted, not placed.)
rl=$(sents "$SL_TMP/p3r.sent" '"%s/%s" % (r["status"], r["retry_after"])')
if [[ "$rl" =~ ^200/None( (200/None|429/2))+$ ]] && [[ "$rl" == *429/2* ]]; then
	sl_pass "route tenant_rate: acme's first request passes, then 429 + Retry-After: 2 ($rl)"
else
	sl_fail "route tenant_rate: acme's first request passes, then 429 + Retry-After: 2"
	sl_diag "status/Retry-After of the 4 requests: $rl"
fi
sl_is "route tenant_rate: another tenant's bucket is its own" "$(jv "$SL_TMP/p3rg.out" 'sorted(d)')" "['ok']"
check p3r "route tenant_rate: nothing of a refused request stored (its svc-b entry neither)" \
	"$SPEC" p3r 10 "$SL_TMP/p3r.sent" "$SL_TMP/p3rg.sent"
nrej=$((nrej + $(sentc "$SL_TMP/p3r.sent" 'not r["ok"]')))

# Counters of phases 1-3 against what the checks computed.
sl_snap snap || true
cnt() {
	"$PY" -c 'import json,sys
print(sum(json.loads(open(f).read().strip().splitlines()[-1])["counts"].get(sys.argv[1], 0)
          for f in sys.argv[2:]))' "$@"
}
C1=("$SL_TMP/check.p1.json" "$SL_TMP/check.p2.json" "$SL_TMP/check.p3.json" "$SL_TMP/check.p3b.json"
	"$SL_TMP/check.p3r.json")
sl_is "sluice_route_dropped_items_total = items sent to the drop route" \
	"$(counter route_dropped_items)" "$(cnt dropped_items "${C1[@]}")"
sl_is "sluice_route_sampled_out_items_total = items the rule samples out" \
	"$(counter route_sampled_out_items)" "$(cnt sampled_out_items "${C1[@]}")"
sl_is "sluice_tenant_limited_requests_total = refused requests" \
	"$(counter tenant_limited_requests)" "$nrej"
sl_is "sluice_tables_generation_mix_total = 0" "$(counter tables_generation_mix)" 0
nreq=$(cat "$SL_TMP"/p1.sent "$SL_TMP"/p2.sent "$SL_TMP"/p3.sent "$b" "$SL_TMP"/p3r*.sent | wc -l)
sl_is "sluice_tables_classified_requests_total = requests sent, refused ones too ($nreq)" \
	"$(($(counter tables_classified_requests) - $(counter tables_classified_requests snap0)))" "$nreq"
# Named counters (stats --json "named"), per route and tenant, against the accepted requests.
"$PY" - "$SL_TMP/snap.json" "${C1[@]}" >"$SL_TMP/named.out" <<'EOF'
import collections, json, sys
d = json.load(open(sys.argv[1]))
named = d.get("named")
if named is None:
    print("stats --json has no 'named'")
    sys.exit(1)
fields = {"route": ["entries", "items", "dropped_items", "sampled_out_items"],
          "tenant": ["requests", "items", "limited_items"]}
want = {"route": collections.defaultdict(lambda: [0] * 4),
        "tenant": collections.defaultdict(lambda: [0] * 3)}
for f in sys.argv[2:]:
    c = json.loads(open(f).read().strip().splitlines()[-1])["named"]
    for kind in want:
        for name, v in c[kind].items():
            want[kind][name] = [x + y for x, y in zip(want[kind][name], v)]
got = {(n.get("kind"), n.get("name")): n for n in named}
bad = []
for kind, names in want.items():
    for name, v in sorted(names.items()):
        g = got.get((kind, name))
        gv = [g.get(k) for k in fields[kind]] if g else None
        if gv != v:
            bad.append("%s %s: %s = %s, want %s" % (kind, name, "/".join(fields[kind]), gv, v))
print("\n".join(bad))
sys.exit(1 if bad else 0)
EOF
rc=$?
d="named counters: per route entries/items/dropped/sampled out, per tenant requests/items/refused"
if [ $rc = 0 ]; then sl_pass "$d"; else
	sl_fail "$d"
	sed 's/^/#   /' "$SL_TMP/named.out"
fi

# ---------------------------------------------------------------- 4. churn under load

ctl routes add stable --match service.name=churn-a --sink "$S/ca" >/dev/null &&
	ctl routes add flip --match service.name=churn-b --sink "$S/cf1" >/dev/null
# The changes go over the control socket from python (routing_otlp.py churn, docs/control.md
# "Control protocol"): a sluicectl process costs ~4.8 ms a call here (start, config load), so
# 200/s in a loop; the protocol from one python thread ~0.23 ms. Four workers keep the pace.
# Worker 0 flips route flip between two sinks (delete, add with the other sink); the others
# add and delete a route and a fault of their own that match nothing the clients send.
cat >"$SL_TMP/ops.json" <<EOF
[[["routes", "del", "flip"],
  ["routes", "add", "flip", "--match", "service.name=churn-b", "--sink", "$S/cf2"],
  ["routes", "del", "flip"],
  ["routes", "add", "flip", "--match", "service.name=churn-b", "--sink", "$S/cf1"]],
 [["routes", "add", "chx{w}", "--match", "service.name=nobody-sends-this", "--sink", "$S/x"],
  ["faults", "add", "chf{w}", "--match", "service.name=nobody-sends-this", "--error", "503", "--ttl", "1h"],
  ["routes", "del", "chx{w}"],
  ["faults", "clear", "chf{w}"]]]
EOF
sl_check "the dataplane is on the churn routes' generation" sl_wait 10 synced
sl_snap c0 || true
g0=$(cstatus generation)
ENT=churn-a:3,churn-b:2,churn-b:2
# ip netns exec execs python in place: $! is its pid, which stop_bg kills.
ip netns exec "$SL_NS" "$PY" "$H" load --url "$URL" --run p4 --clients 4 --duration 12 --entries "$ENT" \
	--acks "$SL_TMP/p4.acks" >"$SL_TMP/p4.load" 2>"$SL_TMP/p4.load.err" &
BG_PIDS+=($!)
sleep 1
rh churn --socket "$SL_TMP/control.sock" --ops "$SL_TMP/ops.json" --rate 1000 --duration 10 \
	--parallel 4 >"$SL_TMP/churn.json" 2>&1
wait "${BG_PIDS[@]}" 2>/dev/null
BG_PIDS=()
sl_diag "churn: $(cat "$SL_TMP/churn.json")"
sl_diag "load: $(cat "$SL_TMP/p4.load")"
# The workers keep to a schedule of 10,000 commands over 10 s; a slow control stretches it.
sl_ge "churn: >= 9,000 updates applied" "$(jv "$SL_TMP/churn.json" 'd["ok"]')" 9000
sl_ge "churn: >= 800 updates/s achieved (1,000/s asked; see the diagnostics)" \
	"$(jv "$SL_TMP/churn.json" 'int(d["ok"] / max(d["seconds"], 10))')" 800
sl_is "churn: no update failed" "$(jv "$SL_TMP/churn.json" 'd["failed"]')" 0
g1=$(cstatus generation)
sl_ge "churn: control published >= 1,000 generations" "$((g1 - g0))" 1000
sl_check "the dataplane is on the last generation" sl_wait 10 synced
acked=$(grep -vc '^#' "$SL_TMP/p4.acks")
sleep 1
cl() {
	rh check-load --acks "$SL_TMP/p4.acks" --run p4 --entries "$ENT" \
		--dirs "ca=$S/ca,cf1=$S/cf1,cf2=$S/cf2,default=$STORE" \
		--expect "churn-a=ca,churn-b=cf1|cf2|default" --same churn-b \
		--sluicectl "$SLUICE_BUILD/sluicectl" --tmp "$SL_TMP" >"$SL_TMP/check.p4.json" 2>&1
}
sl_wait 10 cl || true
if [ "$(jv "$SL_TMP/check.p4.json" 'len(d["problems"]) + d["stored_never_sent"]')" = 0 ]; then
	d="churn: every acknowledged entry stored once, in its route's store, one generation per"
	sl_pass "$d request ($acked requests; $(jv "$SL_TMP/check.p4.json" 'd["items_per_store"]'))"
else
	sl_fail "churn: every acknowledged entry stored once, in its route's store, one generation per request"
	sed 's/^/#   /' "$SL_TMP/check.p4.json" | tail -5
fi
sl_snap c1 || true
sl_is "churn: sluice_tables_generation_mix_total = 0" "$(counter tables_generation_mix c1)" 0
sw=$(($(counter tables_generation_switches c1) - $(counter tables_generation_switches c0)))
sl_ge "churn: the poll core switched generations >= 300 times" "$sw" 300
sent=$(jv "$SL_TMP/p4.load" 'd["sent"]')
cls=$(($(counter tables_classified_requests c1) - $(counter tables_classified_requests c0)))
# Refusals under pressure (503 + Retry-After) are allowed; the clients do not retry here, so a
# refused request must be stored nowhere (check-load above) and is not counted as received.
ok200=$(jv "$SL_TMP/p4.load" 'd.get("s200", 0)')
sl_ge "churn: every acknowledged request classified ($ok200 of $sent sent)" "$cls" "${ok200:-1}"
sl_is "churn: any refusal is a 503 with Retry-After" \
	"$(jv "$SL_TMP/p4.load" 'd["sent"] - d.get("s200", 0) - min(d.get("s503", 0), d.get("retry_after", 0))')" 0
sl_diag "churn: refused $(jv "$SL_TMP/p4.load" 'd["sent"] - d.get("s200", 0)') of $sent; pipeline: $(
	"$PY" - "$SL_TMP/c0.json" "$SL_TMP/c1.json" <<'EOF'
import json, sys
a, b = (json.load(open(f))["total"]["counters"] for f in sys.argv[1:])
print(", ".join("%s +%d" % (k, b[k] - a.get(k, 0)) for k in sorted(b)
                if b[k] != a.get(k, 0) and ("refused" in k or "503" in k or "seals" in k
                                             or "ring_full" in k or "stalls" in k)))
EOF
)"
sl_is "churn: spans received by the dataplane = spans acknowledged to clients" \
	"$(($(counter otlp_spans_received c1) - $(counter otlp_spans_received c0)))" \
	"$(jv "$SL_TMP/check.p4.json" 'd["acked_items"]')"
sl_is "churn: spans stored = spans acknowledged" "$(jv "$SL_TMP/check.p4.json" 'd["stored_items"]')" \
	"$(jv "$SL_TMP/check.p4.json" 'd["acked_items"]')"
sl_ge "churn: open batches of the flipping route sealed on rebind" \
	"$(($(counter route_rebind_seals c1) - $(counter route_rebind_seals c0)))" 1

# ---------------------------------------------------------------- 5. restarts under load

ctl routes add dur --match service.name=churn-p --sink "$S/p" --durability persisted >/dev/null
sl_check "the dataplane is on the generation with route dur" sl_wait 10 synced
STOPF=$SL_TMP/p5.stop
ip netns exec "$SL_NS" "$PY" "$H" load --url "$URL" --run p5 --clients 3 --duration 40 --retry --pace 0.005 \
	--entries churn-p:5 --stop-file "$STOPF" --acks "$SL_TMP/p5.acks" \
	>"$SL_TMP/p5.load" 2>"$SL_TMP/p5.load.err" &
BG_PIDS+=($!)
sleep 1.5
before=$(ctl control --json | pj '"%s %s" % (d["version"], d["body_crc32c"])')
rlist=$(ctl routes list --json | pj 'json.dumps(d["routes"], sort_keys=True)')
stop_control -KILL
a0=$(grep -vc '^#' "$SL_TMP/p5.acks")
# A request sent now: route dur (persisted) with tables nobody maintains.
rh plan one --prefix p5m1 --service churn-p --items 4 --out "$SL_TMP/p5m1.plan" >/dev/null
send p5m1 "$SL_TMP/p5m1.plan"
sl_is "control killed: a request is still answered OK" "$(jv "$SL_TMP/p5m1.out" 'sorted(d)')" "['ok']"
P5SPEC=$SL_TMP/spec5.json
"$PY" -c 'import json,sys
s = json.load(open(sys.argv[1]))
s["routes"].insert(0, {"name": "dur", "match": {"service": "churn-p"}, "sinks": [sys.argv[2]]})
s["routes"].insert(0, {"name": "stable", "match": {"service": "churn-a"}, "sinks": [sys.argv[3]]})
json.dump(s, open(sys.argv[4], "w"))' "$SPEC" "$S/p" "$S/ca" "$P5SPEC"
check p5m1 "control killed: it lands in route dur's sink (persisted: at once)" "$P5SPEC" p5m1 0 \
	"$SL_TMP/p5m1.sent"
sleep 1
a1=$(grep -vc '^#' "$SL_TMP/p5.acks")
sl_ge "control killed: the load goes on being acknowledged" "$((a1 - a0))" 1
d="sluice-control restarts under load"
if start_control; then sl_pass "$d"; else sl_fail "$d"; fi
after=$(ctl control --json | pj '"%s %s" % (d["version"], d["body_crc32c"])')
sl_is "control restarted: same version and image body" "$after" "$before"
sl_is "control restarted: routes list is the same" \
	"$(ctl routes list --json | pj 'json.dumps(d["routes"], sort_keys=True)')" "$rlist"
sl_check "control restarted: the dataplane is on its new generation" sl_wait 10 synced

kill -KILL "$SL_PID" 2>/dev/null
wait "$SL_PID" 2>/dev/null
SL_PID=
sleep 0.5
# sl_start sets SL_PID: not in a subshell.
d="dataplane killed -9 under load, started again"
if sl_start; then sl_pass "$d"; else sl_fail "$d"; fi
sl_check "control republishes to the new dataplane (attached, on the current generation)" \
	sl_wait 15 attached_current
rh plan one --prefix p5m2 --service churn-p --items 4 --out "$SL_TMP/p5m2.plan" >/dev/null
send p5m2 "$SL_TMP/p5m2.plan"
sl_is "restarted dataplane: a request is answered OK" "$(jv "$SL_TMP/p5m2.out" 'sorted(d)')" "['ok']"
check p5m2 "restarted dataplane: it lands in route dur's sink" "$P5SPEC" p5m2 0 "$SL_TMP/p5m2.sent"
rh plan one --prefix p5m3 --service churn-a --items 3 --out "$SL_TMP/p5m3.plan" >/dev/null
send p5m3 "$SL_TMP/p5m3.plan"
check p5m3 "restarted dataplane: a received route's request lands in its sink" "$P5SPEC" p5m3 10 \
	"$SL_TMP/p5m3.sent"
a2=$(grep -vc '^#' "$SL_TMP/p5.acks")
sleep 1.5
touch "$STOPF"
wait "${BG_PIDS[@]}" 2>/dev/null
BG_PIDS=()
a3=$(grep -vc '^#' "$SL_TMP/p5.acks")
sl_diag "restart load: $(cat "$SL_TMP/p5.load")"
sl_ge "restarted dataplane: the load's clients are acknowledged again" "$((a3 - a2))" 1
rh check-load --acks "$SL_TMP/p5.acks" --run p5 --entries churn-p:5 --allow-dups \
	--dirs "p=$S/p,default=$STORE" --expect "churn-p=p" \
	--sluicectl "$SLUICE_BUILD/sluicectl" --tmp "$SL_TMP" >"$SL_TMP/check.p5.json" 2>&1
if [ "$(jv "$SL_TMP/check.p5.json" 'len(d["problems"])')" = 0 ]; then
	sl_pass "restarts: every acknowledged request of the persisted route is in its sink ($a3 requests)"
else
	sl_fail "restarts: every acknowledged request of the persisted route is in its sink"
	sed 's/^/#   /' "$SL_TMP/check.p5.json" | tail -5
fi
sl_snap c2 || true
sl_is "restarts: sluice_tables_generation_mix_total = 0" "$(counter tables_generation_mix c2)" 0

# ---------------------------------------------------------------- cleanup

stop_control
sl_stop 20
sl_is "SIGTERM stops the dataplane with status 0" "${SL_STOP_RC:-none}" 0
sl_teardown
rm -rf "$TABLES" "$STATE"
sl_leak_check
sl_check "no tables region left" test ! -e "$TABLES"
sl_check "no control state left in /dev/shm" test ! -e "$STATE"
sl_done
