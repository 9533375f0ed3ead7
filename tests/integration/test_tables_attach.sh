#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# The dataplane follows sluice-control's table generations, and either can restart.
#
# A real dataplane (tap port, namespace) and a real sluice-control on the same
# instance: the dataplane attaches to the tables region once control made it,
# its poll core moves to each newly published generation at the top of a loop
# (QSBR reader line, reported back as dataplane_generation), keeps serving
# OTLP with its last tables while control is killed, and after a dataplane
# restart attaches again and reads the current image at once.

set -u
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
sl_setup || sl_bail "dataplane did not start"
CONF=$SL_TMP/control.yaml
MPORT=$((20000 + RANDOM % 20000))
cp "$SL_CONF" "$CONF"
cat >>"$CONF" <<YAML

control:
  listen: 127.0.0.1:$MPORT
  socket: $SL_TMP/control.sock
  state_dir: $SL_TMP/control
  heartbeat_ms: 100
YAML
TABLES=/dev/shm/sluice.$SL_INSTANCE.tables
CPID=
stop_control() {
	[ -n "$CPID" ] || return 0
	kill "${1:--TERM}" "$CPID" 2>/dev/null
	wait "$CPID" 2>/dev/null
	CPID=
}
trap 'rc=$?; stop_control -KILL; rm -f "$TABLES"; (exit $rc); _sl_on_exit' EXIT
start_control() {
	"$SLUICE_BUILD/sluice-control" --config "$CONF" >>"$SL_TMP/control.log" 2>&1 &
	CPID=$!
	sl_wait 10 test -S "$SL_TMP/control.sock"
}
ctl() { sl_ctl --config "$CONF" "$@"; }
status() { ctl control --json 2>/dev/null | $PY -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# The dataplane's cores are on the generation control published.
on_current() { [ "$(status generation)" = "$(status dataplane_generation)" ]; }
post() {
	sl_nsexec curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/x-protobuf' \
		--data-binary "@$SLUICE_SRC/tests/data/traces.pb" "http://$SL_APP_IP:4318/v1/traces"
}

# start_control sets CPID: not in a subshell.
if start_control; then sl_pass "sluice-control starts"; else sl_fail "sluice-control starts"; fi
sl_check "the dataplane attaches to the tables region" \
	sl_wait 10 bash -c "[ \"\$('$SLUICE_BUILD/sluicectl' --config '$CONF' control --json | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"dataplane_pid\"])')\" = '$SL_PID' ]"
sl_check "its poll core is on the published generation" sl_wait 10 on_current
g1=$(status generation)
sl_check "routes add publishes a new generation" \
	ctl routes add web --match service.name=web --sink "$SL_TMP/sink-web"
sl_check "the poll core moves to it" sl_wait 10 on_current
g2=$(status dataplane_generation)
sl_ge "the generation grew" "$g2" "$((g1 + 1))"
sl_is "OTLP still answered with the new tables" "$(post)" 200

stop_control -KILL
sl_is "sluice-control killed: the dataplane keeps serving" "$(post)" 200
if start_control; then sl_pass "sluice-control restarts"; else sl_fail "sluice-control restarts"; fi
sl_check "after its restart the dataplane is still attached, on its generation" sl_wait 10 on_current
sl_check "a change after the restart reaches the dataplane" \
	ctl routes del web
sl_check "... and the poll core moves to it" sl_wait 10 on_current

sl_stop 10 || sl_fail "dataplane stopped"
# sl_start sets SL_PID: not in a subshell.
if sl_start; then sl_pass "a restarted dataplane"; else sl_fail "a restarted dataplane"; fi
sl_check "attaches again (new pid)" \
	sl_wait 10 bash -c "[ \"\$('$SLUICE_BUILD/sluicectl' --config '$CONF' control --json | $PY -c 'import json,sys; print(json.load(sys.stdin)[\"dataplane_pid\"])')\" = '$SL_PID' ]"
sl_check "and reads the current image at once" sl_wait 10 on_current
sl_is "and serves" "$(post)" 200
stop_control
sl_teardown
rm -f "$TABLES"
sl_leak_check
sl_check "no tables region left" test ! -e "$TABLES"
sl_done
