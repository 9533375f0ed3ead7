# SPDX-License-Identifier: BSD-3-Clause
# Integration test helpers: TAP output, and a dataplane on a tap port whose kernel side
# sits in a network namespace of its own, torn down on any exit.
#
# Source it from a bash test script:
#
#   . "$(dirname "$0")/lib.sh"
#   sl_setup || sl_bail "setup failed"
#   sl_check "ping answers" sl_nsexec ping -c 1 -W 1 "$SL_APP_IP"
#   sl_stop && sl_teardown && sl_leak_check
#   sl_done
#
# Isolation: each sl_setup picks a fresh run id from $$ and $RANDOM, and names
# the namespace (slt-<id>), the tap (slt<id>, at most 15 characters) and the
# dataplane instance (slt<id>) after it, so two runs, or a run next to
# './sluice up', never share anything. Addresses (10.203.<n>.1 kernel side,
# .2 the appliance) exist only inside that namespace: no test sends a packet
# from the host namespace.
#
# Cleanup: an EXIT/INT/TERM trap kills the dataplane, deletes the namespace
# and tap, removes the temp dir and the stats shared memory, whatever state
# the test died in. The tap vanishes with the process anyway (DPDK's net_tap
# is not persistent); the trap is for the namespace and files.
#
# Environment: SLUICE_BUILD (build dir with sluice-dataplane and sluicectl;
# meson sets it), SLUICE_SRC (source root), SLUICE_HUGE_DIR (hugetlbfs mount,
# default /dev/hugepages-sluice; without free hugepages the dataplane runs
# with --no-huge), SLUICE_TEST_KEEP=1 keeps the temp dir for a post-mortem.

# Namespaces and taps need root: without it there is nothing to test, which is
# a skip, not a failure (./sluice test insists on root, so CI never skips).
if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (network namespaces, tap devices)"
	exit 0
fi

SLUICE_SRC=${SLUICE_SRC:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
SLUICE_BUILD=${SLUICE_BUILD:-$SLUICE_SRC/build}
SL_HUGE_DIR=${SLUICE_HUGE_DIR:-/dev/hugepages-sluice}
# Debian's python3, not a version manager's shim found first on PATH: a pyenv
# shim costs ~0.2 s a call, more with a core taken by a poll loop.
SL_PY=/usr/bin/python3
[ -x "$SL_PY" ] || SL_PY=python3

# --- TAP -------------------------------------------------------------------

_sl_n=0      # test points so far
_sl_failed=0 # failed test points so far

sl_diag() { printf '# %s\n' "$*"; }

# sl_diag_file FILE [LINES]: the file's last lines as TAP comments.
sl_diag_file() {
	[ -f "$1" ] || return 0
	tail -n "${2:-20}" "$1" | sed 's/^/#   | /'
}

sl_pass() {
	_sl_n=$((_sl_n + 1))
	printf 'ok %d - %s\n' "$_sl_n" "$1"
}

sl_fail() {
	_sl_n=$((_sl_n + 1))
	_sl_failed=$((_sl_failed + 1))
	printf 'not ok %d - %s\n' "$_sl_n" "$1"
}

# sl_skip DESC REASON
sl_skip() {
	_sl_n=$((_sl_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_sl_n" "$1" "$2"
}

# sl_check DESC CMD...: passes when CMD exits 0; CMD's output becomes diagnostics on failure.
sl_check() {
	local desc=$1 out rc=0
	shift
	out=$("$@" 2>&1) || rc=$?
	if [ "$rc" -eq 0 ]; then
		sl_pass "$desc"
	else
		sl_fail "$desc"
		sl_diag "command: $* (exit $rc)"
		[ -z "$out" ] || printf '%s\n' "$out" | tail -n 15 | sed 's/^/#   /'
	fi
	return "$rc"
}

# sl_is DESC GOT WANT: string equality.
sl_is() {
	if [ "$2" = "$3" ]; then
		sl_pass "$1"
	else
		sl_fail "$1"
		sl_diag "got '$2', want '$3'"
		return 1
	fi
}

# sl_ge DESC GOT MIN: integer GOT >= MIN.
sl_ge() {
	if [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge "$3" ]; then
		sl_pass "$1"
	else
		sl_fail "$1"
		sl_diag "got '$2', want at least $3"
		return 1
	fi
}

# sl_bail MSG: stop the whole script (the EXIT trap still cleans up).
sl_bail() {
	printf 'Bail out! %s\n' "$*"
	exit 1
}

# sl_done: the plan (at the end: the number of points depends on the run),
# exit status 1 if anything failed.
sl_done() {
	printf '1..%d\n' "$_sl_n"
	[ "$_sl_failed" -eq 0 ]
	exit $?
}

# --- helpers ----------------------------------------------------------------

sl_ctl() { "$SLUICE_BUILD/sluicectl" "$@"; }
sl_nsexec() { ip netns exec "$SL_NS" "$@"; }

# sl_stats_json: the running instance's stats as one JSON document.
sl_stats_json() { sl_ctl --instance "$SL_INSTANCE" stats --json; }

# sl_json FILE PATH: one value out of a JSON file; PATH is dotted, list
# indices are numbers (total.drops.ipv4_bad_checksum, ports.0.mac). Prints
# nothing and fails when the path does not exist.
sl_json() {
	"$SL_PY" - "$1" "$2" <<'EOF'
import json, sys
v = json.load(open(sys.argv[1]))
for part in sys.argv[2].split("."):
    try:
        v = v[int(part)] if isinstance(v, list) else v[part]
    except (KeyError, IndexError, ValueError, TypeError):
        sys.exit(1)
print(v if isinstance(v, str) else json.dumps(v))
EOF
}

# sl_flatten FILE: every scalar of a JSON file as "dotted.path<TAB>value"
# lines, so that many look-ups cost one python start (see sl_get).
sl_flatten() {
	"$SL_PY" - "$1" <<'EOF'
import json, sys
def walk(v, path):
    if isinstance(v, dict):
        for k, x in v.items():
            walk(x, path + [str(k)])
    elif isinstance(v, list):
        for i, x in enumerate(v):
            walk(x, path + [str(i)])
    else:
        print(".".join(path) + "\t" + (v if isinstance(v, str) else json.dumps(v)))
walk(json.load(open(sys.argv[1])), [])
EOF
}

# sl_snap NAME: stats into $SL_TMP/NAME.json and NAME.flat, after one
# publication interval has surely passed (counters are published every
# 100 ms; 300 ms covers a late core). Returns non-zero if sluicectl fails.
sl_snap() {
	sleep 0.3
	sl_stats_json >"$SL_TMP/$1.json" && sl_flatten "$SL_TMP/$1.json" >"$SL_TMP/$1.flat"
}

# sl_get NAME PATH: one value of snapshot NAME (as sl_json, from NAME.flat).
sl_get() {
	awk -F '\t' -v k="$2" '$1 == k { print $2; found = 1; exit } END { exit !found }' \
		"$SL_TMP/$1.flat"
}

# sl_wait SECONDS CMD...: retry CMD every 0.1 s until it succeeds or SECONDS
# (wall clock, however long each try takes) have passed.
sl_wait() {
	local deadline=$((SECONDS + $1))
	shift
	while :; do
		"$@" >/dev/null 2>&1 && return 0
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# --- one appliance -----------------------------------------------------------

SL_PID=
# Results of sl_stop, for the caller.
export SL_STOP_RC='' SL_STOP_MS=''

_sl_running() { [ -n "$SL_PID" ] && kill -0 "$SL_PID" 2>/dev/null; }
_sl_ready() {
	_sl_running && ip link show dev "$SL_TAP" >/dev/null 2>&1 &&
		sl_ctl --instance "$SL_INSTANCE" status >/dev/null 2>&1
}
# Stop waiting as soon as the start either worked or can no longer work.
_sl_ready_or_dead() { ! _sl_running || _sl_ready; }

# sl_write_config: the test config, laid out like conf/sluice.yaml, with this
# run's names. huge: auto uses hugepages when free ones exist at SL_HUGE_DIR.
sl_write_config() {
	cat >"$SL_CONF" <<EOF
# Integration test run $SL_ID (tests/integration/lib.sh). Same keys as conf/sluice.yaml.
dataplane:
  instance: $SL_INSTANCE
  main_lcore: 0
  poll_lcores: [0]
  memory_mb: ${SL_MEMORY_MB:-256}
  mbufs: ${SL_MBUFS:-16383}
  huge: auto
  huge_dir: $SL_HUGE_DIR
  log_level: info

ports:
  - name: test
    kind: tap
    iface: $SL_TAP
    ipv4: $SL_APP_IP/24

demo:
  netns: $SL_NS
  host_ipv4: $SL_HOST_IP/24
EOF
	# Records go to this run's directory unless the test sets a store: section.
	case "${SL_EXTRA_CONF:-}" in
	*store:*) ;;
	*) printf '\nstore:\n  dir: %s/store\n' "$SL_TMP" >>"$SL_CONF" ;;
	esac
	# Extra sections a test needs (tcp:, impair:, test:), as YAML text.
	[ -z "${SL_EXTRA_CONF:-}" ] || printf '%s\n' "$SL_EXTRA_CONF" >>"$SL_CONF"
}

# sl_setup: a fresh id, namespace and config; start the dataplane; move its
# tap into the namespace, address it; wait until the appliance answers ping.
# Returns 0, or 1 after printing why as diagnostics (the log included).
sl_setup() {
	sl_teardown # a previous run's leftovers, if its caller did not clean up
	SL_ID=$(printf '%x%04x' "$$" "$((RANDOM % 65536))")
	SL_NS=slt-$SL_ID
	SL_TAP=slt$SL_ID
	SL_INSTANCE=slt$SL_ID
	SL_NET=10.203.$((RANDOM % 250 + 1))
	SL_HOST_IP=$SL_NET.1
	SL_APP_IP=$SL_NET.2
	SL_TMP=$(mktemp -d "/tmp/sluice-it.$SL_ID.XXXXXX")
	SL_CONF=$SL_TMP/sluice.yaml
	SL_LOG=$SL_TMP/dataplane.log
	SL_SHM=/dev/shm/sluice.$SL_INSTANCE.stats
	SL_PID=
	SL_MAC=
	_sl_failed_at_setup=$_sl_failed
	_sl_log_shown=0
	sl_write_config
	sl_diag "run $SL_ID: netns $SL_NS, tap $SL_TAP, instance $SL_INSTANCE, $SL_HOST_IP <-> $SL_APP_IP"

	ip netns add "$SL_NS" || {
		sl_diag "cannot create network namespace $SL_NS (root needed)"
		return 1
	}
	# No IPv6 on the kernel side: router solicitations and MLD reports would
	# land in eth_unknown_type and make drop counts inexact.
	ip netns exec "$SL_NS" sysctl -qw net.ipv6.conf.default.disable_ipv6=1 \
		net.ipv6.conf.all.disable_ipv6=1 >/dev/null 2>&1 || true
	ip -n "$SL_NS" link set dev lo up
	sl_start
}

# sl_start: start the dataplane with $SL_CONF (again, after sl_stop or a
# kill -9: the store and namespace stay), move its new tap into the
# namespace and wait for ping. The log is appended to. Returns 0 or 1.
sl_start() {
	"$SLUICE_BUILD/sluice-dataplane" --config "$SL_CONF" >>"$SL_LOG" 2>&1 </dev/null &
	SL_PID=$!
	if ! sl_wait 30 _sl_ready_or_dead || ! _sl_running; then
		if _sl_running; then
			sl_diag "dataplane $SL_PID not ready after 30 s (no tap $SL_TAP or status not running)"
		else
			local rc=0
			wait "$SL_PID" || rc=$?
			sl_diag "dataplane exited during start with status $rc"
		fi
		sl_diag_file "$SL_LOG" 30
		_sl_log_shown=1
		return 1
	fi
	if ! { ip link set dev "$SL_TAP" netns "$SL_NS" &&
		ip -n "$SL_NS" addr add "$SL_HOST_IP/24" dev "$SL_TAP" &&
		ip -n "$SL_NS" link set dev "$SL_TAP" txqueuelen 10000 &&
		ip -n "$SL_NS" link set dev "$SL_TAP" up; }; then
		sl_diag "cannot move $SL_TAP into $SL_NS and address it"
		return 1
	fi
	if ! sl_wait 20 sl_nsexec ping -n -c 1 -W 1 "$SL_APP_IP"; then
		sl_diag "$SL_APP_IP does not answer ping from $SL_NS after 20 s"
		sl_diag_file "$SL_LOG" 30
		_sl_log_shown=1
		return 1
	fi
	local s=$SL_TMP/setup.json
	if sl_stats_json >"$s" 2>/dev/null; then
		SL_MAC=$(sl_json "$s" ports.0.mac || true)
		sl_diag "appliance mac $SL_MAC, hugepages $(sl_json "$s" huge || echo '?')"
	fi
	return 0
}

# sl_stop [SECONDS]: SIGTERM, then wait up to SECONDS (default 10) for the
# exit. Sets SL_STOP_RC (exit status) and SL_STOP_MS (time taken). Returns 0
# if it exited in time, 1 if it had to be SIGKILLed (SL_STOP_RC is then 137).
sl_stop() {
	local limit=$((${1:-10} * 10)) i t0 t1
	SL_STOP_RC=
	SL_STOP_MS=
	[ -n "$SL_PID" ] || return 0
	t0=$(date +%s%N)
	kill -TERM "$SL_PID" 2>/dev/null || true
	for ((i = 0; i < limit; i++)); do
		kill -0 "$SL_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$SL_PID" 2>/dev/null; then
		kill -KILL "$SL_PID" 2>/dev/null || true
		wait "$SL_PID" 2>/dev/null
		SL_STOP_RC=137
		SL_PID=
		return 1
	fi
	t1=$(date +%s%N)
	SL_STOP_RC=0
	wait "$SL_PID" 2>/dev/null || SL_STOP_RC=$?
	SL_STOP_MS=$(((t1 - t0) / 1000000))
	SL_PID=
	return 0
}

# sl_teardown: stop whatever runs and remove everything sl_setup made.
# Idempotent; safe to call on a half-finished setup.
sl_teardown() {
	[ -n "${SL_ID:-}" ] || return 0
	if _sl_running; then
		sl_stop 10 >/dev/null 2>&1 || true
	fi
	# The failures of this run deserve the dataplane's last words.
	if [ "$_sl_failed" -gt "${_sl_failed_at_setup:-0}" ] && [ "${_sl_log_shown:-0}" = 0 ] &&
		[ -f "${SL_LOG:-}" ]; then
		sl_diag "last lines of the dataplane log ($SL_LOG):"
		sl_diag_file "$SL_LOG" 25
		_sl_failed_at_setup=$_sl_failed
	fi
	if [ -e "/run/netns/$SL_NS" ]; then
		ip netns del "$SL_NS" 2>/dev/null || true
	fi
	if ip link show dev "$SL_TAP" >/dev/null 2>&1; then
		ip link del dev "$SL_TAP" 2>/dev/null || true
	fi
	rm -f "$SL_SHM"
	if [ -n "${SL_TMP:-}" ] && [ -d "$SL_TMP" ]; then
		if [ "${SLUICE_TEST_KEEP:-0}" = 1 ]; then
			sl_diag "kept $SL_TMP (SLUICE_TEST_KEEP=1)"
		else
			rm -rf "$SL_TMP"
		fi
	fi
}

# sl_leak_check [LABEL]: after sl_teardown, one test point per thing a run may
# leave behind, each description prefixed with LABEL. Takes the ids of the
# last sl_setup.
sl_leak_check() {
	local p=${1:+$1 } left
	left=$(pgrep -f -- "sluice-dataplane --config $SL_TMP/" || true)
	sl_is "${p}no dataplane process of run $SL_ID left" "$left" ""
	sl_check "${p}no network namespace $SL_NS left" test ! -e "/run/netns/$SL_NS"
	sl_check "${p}no interface $SL_TAP left in the host namespace" \
		bash -c "! ip link show dev '$SL_TAP' >/dev/null 2>&1"
	sl_check "${p}no stats shared memory $SL_SHM left" test ! -e "$SL_SHM"
	# --in-memory keeps hugepage memory in memfds / unlinked files: nothing
	# named after the instance may remain in any hugetlbfs mount.
	local mounts
	mounts=$(findmnt -rn -t hugetlbfs -o TARGET 2>/dev/null | tr '\n' ' ')
	left=$(for m in $mounts; do find "$m" -maxdepth 1 -name "*$SL_INSTANCE*" 2>/dev/null; done)
	sl_is "${p}no hugepage files of instance $SL_INSTANCE left (mounts: ${mounts:-none})" "$left" ""
	sl_check "${p}no DPDK runtime dir of instance $SL_INSTANCE left" \
		bash -c "! ls -d /var/run/dpdk/'$SL_INSTANCE' /root/.local/share/dpdk/'$SL_INSTANCE' 2>/dev/null | grep -q ."
	if [ "${SLUICE_TEST_KEEP:-0}" != 1 ]; then
		sl_check "${p}no temp dir of run $SL_ID left" \
			bash -c "! ls -d /tmp/sluice-it.'$SL_ID'.* 2>/dev/null | grep -q ."
	fi
}

_sl_on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	sl_teardown
	exit "$rc"
}
_sl_on_signal() {
	sl_diag "interrupted by SIG$1; cleaning up"
	trap - EXIT INT TERM
	sl_teardown
	[ "$1" = INT ] && exit 130
	exit 143
}
trap _sl_on_exit EXIT
trap '_sl_on_signal INT' INT
trap '_sl_on_signal TERM' TERM
