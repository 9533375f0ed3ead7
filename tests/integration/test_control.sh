#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# sluice-control end to end, no dataplane: a fake stats region, the daemon, every sluicectl
# control form, versions/audit/rollback, peer credentials, the image in /dev/shm, TTL expiry,
# restart, and a real Prometheus (Debian package) scraping /metrics. Prints TAP.
set -uo pipefail

BUILD=${SLUICE_BUILD:?}
SRC=${SLUICE_SRC:?}
CTL=$BUILD/sluicectl
INST=ctltest-$$
TMP=$(mktemp -d /tmp/sluice-control-test.XXXXXX)
chmod 755 "$TMP"
PIDS=()
N=0
FAILED=0

cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rm -rf "$TMP"
	rm -f "/dev/shm/sluice.$INST.tables" "/dev/shm/sluice.$INST.stats"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() { N=$((N + 1)); FAILED=$((FAILED + 1)); echo "not ok $N - $1"; [ $# -lt 2 ] || echo "$2" | sed 's/^/# /'; }
check() { # check NAME CMD...: ok when CMD succeeds
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then ok "$name"; else not_ok "$name" "$out"; fi
}

# A free TCP port on 127.0.0.1 (the kernel picks; tiny race, fine for a test).
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
MPORT=$(free_port)
PPORT=$(free_port)
SOCK=$TMP/control.sock
export SLUICE_CONTROL_SOCKET=$SOCK

cat >"$TMP/sluice.yaml" <<YAML
dataplane:
  instance: $INST
ports:
  - name: demo
    kind: tap
    iface: sluice0
    ipv4: 10.203.0.2/24
control:
  listen: 127.0.0.1:$MPORT
  socket: $SOCK
  state_dir: $TMP/state
  heartbeat_ms: 100
tenants:
  - name: acme
    tokens: [tok-acme]
routes:
  - name: checkout
    priority: 10
    match:
      attributes:
        service.name: checkout
    sinks: [$TMP/sink-checkout]
faults: []
YAML
C=(--config "$TMP/sluice.yaml")
STATE=$TMP/state/$INST

start_control() {
	"$BUILD/sluice-control" --config "$TMP/sluice.yaml" >>"$TMP/control.log" 2>&1 &
	CPID=$!
	PIDS+=("$CPID")
	local i
	for i in $(seq 100); do
		[ -S "$SOCK" ] && curl -sf "http://127.0.0.1:$MPORT/readyz" >/dev/null && return 0
		sleep 0.05
	done
	return 1
}

json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

echo "1..37"
"$BUILD/tests/integration/control_fakestats" "$INST" >"$TMP/fake.out" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do grep -q ready "$TMP/fake.out" 2>/dev/null && break; sleep 0.05; done

if start_control; then ok "sluice-control starts and is ready"; else not_ok "sluice-control starts" "$(cat "$TMP/control.log")"; fi
check "healthz answers" curl -sf "http://127.0.0.1:$MPORT/healthz"
check "version 1 is on disk with an audit line" \
	bash -c "[ -f '$STATE/versions/1.yaml' ] && grep -q '\"version\":1' '$STATE/audit.log'"

# --- every faults form ---
forms=(
	"f-error --match service.name=checkout --error 503 --probability 1 --ttl 10m"
	"f-delay --match service.name=a --delay 200ms"
	"f-range --match service.name=a --delay 100ms-2s"
	"f-reset --match service.name=b --reset"
	"f-throttle --match service.name=c --throttle 100/s"
	"f-partial --match service.name=d --partial 0.2"
	"f-black --match service.name=e --blackhole --match signal=traces --match tenant=acme --match source=10.0.0.0/8"
)
out=""
for f in "${forms[@]}"; do
	# shellcheck disable=SC2086
	o=$("$CTL" "${C[@]}" faults add $f 2>&1) || out+="faults add $f: $o"$'\n'
done
if [ -z "$out" ]; then ok "faults add: every kind and --match form"; else not_ok "faults add: every kind and --match form" "$out"; fi
n=$("$CTL" "${C[@]}" --json faults list | json 'len(d["faults"])')
[ "$n" = 7 ] && ok "faults list --json shows 7 faults" || not_ok "faults list --json shows 7 faults" "$n"
kinds=$("$CTL" "${C[@]}" faults list --json | json '",".join(sorted(f["kind"] for f in d["faults"]))')
[ "$kinds" = "blackhole,delay,delay,error,partial,reset,throttle" ] && ok "fault kinds" || not_ok "fault kinds" "$kinds"
"$CTL" "${C[@]}" faults add bad --error 99 >/dev/null 2>"$TMP/err"
rc=$?
[ $rc = 2 ] && grep -q "400..599" "$TMP/err" && ok "a bad fault is a usage error (exit 2) with a reason" || not_ok "bad fault exit $rc" "$(cat "$TMP/err")"
"$CTL" "${C[@]}" faults add f-error --reset >/dev/null 2>&1
[ $? = 1 ] && ok "adding an existing fault fails (exit 1)" || not_ok "adding an existing fault fails"
check "faults clear NAME" "$CTL" "${C[@]}" faults clear f-reset
n=$("$CTL" "${C[@]}" --json faults list | json 'len(d["faults"])')
[ "$n" = 6 ] && ok "one fault fewer" || not_ok "one fault fewer" "$n"

# --- routes ---
check "routes add with every option" "$CTL" "${C[@]}" routes add payments --match service.name=payments \
	--sink "$TMP/sink-pay" --durability persisted --sample 0.1 --priority 20
check "routes add (plain form)" "$CTL" "${C[@]}" routes add web --match service.name=web --sink "$TMP/sink-web"
order=$("$CTL" "${C[@]}" routes list --json | json '",".join(r["name"] for r in d["routes"])')
[ "$order" = "payments,checkout,web,default" ] && ok "routes list: priority order, default last" || not_ok "route order" "$order"
check "routes del NAME" "$CTL" "${C[@]}" routes del web
out=$("$CTL" "${C[@]}" routes test "$SRC/tests/data/traces.pb" --json)
r0=$(echo "$out" | json 'd["entries"][0]["route"]+"/"+str(d["entries"][0]["fault"])')
[ "$r0" = "checkout/f-error" ] && ok "routes test: entry 0 -> route checkout, fault f-error" || not_ok "routes test" "$out"

# --- the image in shared memory ---
cat >"$TMP/shm.py" <<'PY'
import struct, sys
def crc32c(b, crc=0):
    crc ^= 0xffffffff
    for x in b:
        crc ^= x
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82f63b78 & -(crc & 1))
    return crc ^ 0xffffffff
r = open(sys.argv[1], 'rb').read()
magic, ver, hsize, total, nslots, slot_size, roff, nread, soff, cur = struct.unpack_from('<QIIQIIIIQQ', r, 0)
assert magic == 0x4e4f494745524c53, hex(magic)
gen, slot = cur >> 8, cur & 0xff
img = r[soff + slot * slot_size:]
imagic, iver, ihsize, itotal, icrc, ibody = struct.unpack_from('<QIIIII', img, 0)
igen, = struct.unpack_from('<Q', img, 32)
assert imagic == 0x4547414d49424c53
body = bytearray(img[:itotal]); body[20:24] = b'\0\0\0\0'
assert crc32c(bytes(body)) == icrc, 'crc mismatch'
assert igen == gen
print(gen, '%08x' % icrc, '%08x' % ibody)
PY
shm=$(python3 "$TMP/shm.py" "/dev/shm/sluice.$INST.tables" 2>&1)
st=$("$CTL" "${C[@]}" control --json)
want="$(echo "$st" | json 'str(d["generation"])+" "+d["crc32c"]+" "+d["body_crc32c"]')"
[ "$shm" = "$want" ] && ok "image in /dev/shm: generation and CRC32C verified ($shm)" || not_ok "shm image" "shm: $shm; control: $want"

# --- versions, diff, rollback, audit ---
v=$("$CTL" "${C[@]}" control --json | json 'd["version"]')
check "config show VERSION" bash -c "'$CTL' --config '$TMP/sluice.yaml' config show 1 | grep -q 'faults: \[\]'"
check "config diff A B shows the change" bash -c "'$CTL' --config '$TMP/sluice.yaml' config diff 1 $v | grep -q '^+  - name: \"f-error\"'"
check "config rollback 1" "$CTL" "${C[@]}" config rollback 1
n=$("$CTL" "${C[@]}" --json faults list | json 'len(d["faults"])')
v2=$("$CTL" "${C[@]}" control --json | json 'd["version"]')
[ "$n" = 0 ] && [ "$v2" = $((v + 1)) ] && ok "rollback is a new version ($v2) with version 1's content" || not_ok "rollback" "faults $n version $v2"
lines=$(wc -l <"$STATE/audit.log")
[ "$lines" = "$v2" ] && grep -q '"user":"root","command":"config rollback 1"' "$STATE/audit.log" &&
	ok "audit log: one line per version, with user and command" || not_ok "audit log" "$(tail -3 "$STATE/audit.log")"

# --- peer credentials ---
setpriv --reuid=nobody --regid=nogroup --clear-groups "$CTL" "${C[@]}" faults clear --all >/dev/null 2>"$TMP/err"
rc=$?
[ $rc = 77 ] && grep -q "permission denied" "$TMP/err" && [ "$(wc -l <"$STATE/audit.log")" = "$lines" ] &&
	ok "nobody is refused (exit 77), nothing changes" || not_ok "nobody refused: exit $rc" "$(cat "$TMP/err")"

# --- TTL expiry ---
check "faults add with a 1s TTL" "$CTL" "${C[@]}" faults add short --match service.name=x --reset --ttl 1s
sleep 2.5
n=$("$CTL" "${C[@]}" --json faults list | json 'len(d["faults"])')
[ "$n" = 0 ] && grep -q '"command":"(ttl expiry)"' "$STATE/audit.log" && ok "the fault expired at its TTL (new version, audited)" || not_ok "ttl expiry" "$n faults"
check "faults clear --all" "$CTL" "${C[@]}" faults clear --all

# --- restart republishes the same state ---
"$CTL" "${C[@]}" faults add keep --match service.name=checkout --error 429 --ttl 1h >/dev/null
before=$("$CTL" "${C[@]}" control --json | json 'str(d["version"])+" "+d["body_crc32c"]+" "+str(d["generation"])')
kill "$CPID"; wait "$CPID" 2>/dev/null
start_control || echo "# restart failed: $(tail -3 "$TMP/control.log")"
after=$("$CTL" "${C[@]}" control --json | json 'str(d["version"])+" "+d["body_crc32c"]+" "+str(d["generation"])')
read -r vb cb gb <<<"$before"
read -r va ca ga <<<"$after"
[ "$vb" = "$va" ] && [ "$cb" = "$ca" ] && [ "$ga" -gt "$gb" ] &&
	ok "restart: same version and image body ($cb), new generation ($gb -> $ga)" || not_ok "restart" "before $before after $after"

# --- a real Prometheus scrapes /metrics ---
cat >"$TMP/prom.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: sluice
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
YAML
prometheus --config.file="$TMP/prom.yml" --storage.tsdb.path="$TMP/prom-data" \
	--web.listen-address="127.0.0.1:$PPORT" >"$TMP/prom.log" 2>&1 &
PIDS+=($!)
query() { curl -sf --get "http://127.0.0.1:$PPORT/api/v1/query" --data-urlencode "query=$1" |
	python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")' 2>/dev/null; }
got=none
for _ in $(seq 60); do
	got=$(query 'sluice_rx_packets_total{core="total"}')
	[ "$got" = 2000 ] && break
	sleep 0.5
done
[ "$got" = 2000 ] && ok "prometheus: sluice_rx_packets_total{core=\"total\"} = 2000" || not_ok "prometheus total" "$got; $(tail -3 "$TMP/prom.log")"
c0=$(query 'sluice_rx_packets_total{core="0",kind="poll"}')
d=$(query 'sluice_dropped_packets_total{reason="eth_not_for_us",core="total"}')
[ "$c0" = 1234 ] && [ "$d" = 5 ] && ok "prometheus: per-core counter and drop reason" || not_ok "prometheus per core" "core0 $c0 drops $d"
g=$(query 'sluice_control_config_version')
t=$(curl -s "http://127.0.0.1:$MPORT/metrics" | grep -c '^# TYPE sluice_tcp_connections gauge')
up=$(query 'up{job="sluice"}')
[ "$g" = "$va" ] && [ "$t" = 1 ] && [ "$up" = 1 ] && ok "prometheus: control gauges, gauges typed gauge, target up" || not_ok "prometheus gauges" "version $g type $t up $up"

# --- named counters and the request-latency histogram (values: control_fakestats.c) ---
curl -s "http://127.0.0.1:$MPORT/metrics" >"$TMP/metrics.txt"
# promtool parses the exposition as Prometheus does: a parse error (a family twice, a bad
# label) is exit 1 and "error while linting"; lint findings alone are exit 3, not failures here.
promtool check metrics <"$TMP/metrics.txt" >"$TMP/promtool.out" 2>&1
rc=$?
[ $rc != 1 ] && ! grep -q "error while linting" "$TMP/promtool.out" && ok "promtool parses /metrics (exit $rc)" ||
	not_ok "promtool parses /metrics" "$(head -5 "$TMP/promtool.out")"
types=$(grep -c -E '^# TYPE (sluice_request_duration_seconds histogram|sluice_route_(entries|items|items_dropped|items_sampled_out)_total counter|sluice_fault_(matched|fired)_requests_total counter|sluice_tenant_(requests|items|items_limited)_total counter)$' "$TMP/metrics.txt")
dups=$(grep '^# TYPE ' "$TMP/metrics.txt" | awk '{print $3}' | sort | uniq -d | tr '\n' ' ')
[ "$types" = 10 ] && [ -z "$dups" ] && ok "exposition: histogram and 9 named-counter families typed, no family twice" ||
	not_ok "exposition families" "typed $types of 10; duplicated: $dups"
# query EXPR: the first result's value, "none" when empty (waits for the first scrape with it).
qwait() {
	local v=none
	for _ in $(seq 20); do
		v=$(query "$1")
		[ "$v" != none ] && break
		sleep 0.5
	done
	echo "$v"
}
r_items=$(qwait 'sluice_route_items_total{route="checkout"}')
r_ent=$(query 'sluice_route_entries_total{route="checkout"}')
r_samp=$(query 'sluice_route_items_sampled_out_total{route="checkout"}')
r_drop=$(query 'sluice_route_items_dropped_total{route="drop-all"}')
[ "$r_items/$r_ent/$r_samp/$r_drop" = "100/5/10/9" ] &&
	ok "prometheus: route counters summed over cores (items 100, entries 5, sampled out 10, dropped 9)" ||
	not_ok "prometheus: route counters" "items/entries/sampled/dropped = $r_items/$r_ent/$r_samp/$r_drop, want 100/5/10/9"
f_m=$(query 'sluice_fault_matched_requests_total{fault="f-error"}')
f_f=$(query 'sluice_fault_fired_requests_total{fault="f-error"}')
t_r=$(query 'sluice_tenant_requests_total{tenant="acme"}')
t_i=$(query 'sluice_tenant_items_total{tenant="acme"}')
t_l=$(query 'sluice_tenant_items_limited_total{tenant="acme"}')
[ "$f_m/$f_f/$t_r/$t_i/$t_l" = "7/2/30/100/4" ] &&
	ok "prometheus: fault (matched 7, fired 2) and tenant (30 requests, 100 items, 4 limited) counters" ||
	not_ok "prometheus: fault and tenant counters" "got $f_m/$f_f/$t_r/$t_i/$t_l, want 7/2/30/100/4"
hc=$(qwait 'sluice_request_duration_seconds_count{core="total"}')
hb1=$(query 'sluice_request_duration_seconds_bucket{core="total",le="0.000025"}')
hb2=$(query 'sluice_request_duration_seconds_bucket{core="total",le="0.00005"}')
hinf=$(query 'sluice_request_duration_seconds_bucket{core="total",le="+Inf"}')
hs=$(query 'sluice_request_duration_seconds_sum{core="total"}')
hc0=$(query 'sluice_request_duration_seconds_count{core="0",kind="poll"}')
hc1=$(query 'sluice_request_duration_seconds_count{core="1",kind="poll"}')
[ "$hc/$hb1/$hb2/$hinf/$hs/$hc0/$hc1" = "5/2/3/5/20.001075/3/2" ] &&
	ok "prometheus: sluice_request_duration_seconds count 5, cumulative buckets 2/3/+Inf 5, sum 20.001075 s, per core 3+2" ||
	not_ok "prometheus: histogram" "count/le25us/le50us/+Inf/sum/core0/core1 = $hc/$hb1/$hb2/$hinf/$hs/$hc0/$hc1"
p50=$(query 'histogram_quantile(0.5, sluice_request_duration_seconds_bucket{core="total"})')
python3 -c "import sys; sys.exit(abs(float('$p50') - 3.75e-05) > 1e-12)" 2>/dev/null &&
	ok "prometheus: histogram_quantile(0.5) = 37.5 us" || not_ok "prometheus: histogram_quantile" "$p50"
st=$("$CTL" "${C[@]}" stats --json)
js=$(echo "$st" | json '";".join("%s/%s/%s" % (n["kind"], n["name"], n.get("items", n.get("fired_requests"))) for n in d["named"]) + " " + str(d["histograms"][0]["count"]) + " " + str(d["histograms"][0]["p50_seconds"]) + " " + str(d["histograms"][0]["buckets"][-1])')
[ "$js" = "route/checkout/100;route/drop-all/9;fault/f-error/2;tenant/acme/100 5 3.75e-05 1" ] &&
	ok "sluicectl stats --json: named (summed) and histograms (count, p50, +Inf bucket)" ||
	not_ok "sluicectl stats --json named/histograms" "$js"
"$CTL" "${C[@]}" stats >"$TMP/stats.txt" 2>&1
grep -qE '^  checkout +5 +100 +0 +10$' "$TMP/stats.txt" && grep -qE '^  acme +30 +100 +4$' "$TMP/stats.txt" &&
	grep -qE '^  request_duration_seconds +5 +p50 37.5 us +p99 > 10 s$' "$TMP/stats.txt" &&
	ok "sluicectl stats: route/tenant tables and latency line" || not_ok "sluicectl stats table" "$(tail -12 "$TMP/stats.txt")"

[ "$FAILED" = 0 ]
