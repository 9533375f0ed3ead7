#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Foundation: on a tap port the dataplane answers ARP and ICMP, counts malformed frames
# under the right drop reason, stops cleanly on SIGTERM and leaves nothing behind, twice.
#
# The Linux kernel in a private namespace is the peer. Everything runs twice
# with fresh names, so state a first run leaves (a stuck tap, a stale stats
# region, hugepages still held) makes the second fail. Prints TAP.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

# Frames of each malformed kind per run. Odd and unlike the ping (5) and
# arping (3) counts, so a counter that picks up the wrong traffic shows.
BAD_N=7
# Kinds rawsend.py builds; each is named after the drop reason it must hit.
BAD_KINDS=(ipv4_bad_checksum ipv4_truncated ipv4_bad_header_length eth_unknown_type
	eth_truncated icmp_bad_checksum ipv4_fragment arp_truncated)

# delta NAME1 NAME2 PATH: the counter PATH in snapshot NAME2 minus NAME1.
delta() {
	local a b
	a=$(sl_get "$1" "$3") || a=missing
	b=$(sl_get "$2" "$3") || b=missing
	if [[ "$a" =~ ^[0-9]+$ && "$b" =~ ^[0-9]+$ ]]; then
		echo $((b - a))
	else
		echo "missing:$3"
	fi
}

# c NAME PATH: one counter of a snapshot (or "missing").
c() { sl_get "$1" "$2" || echo "missing:$2"; }
# n NAME PATH: as c, but 0 when missing, for sums (the missing counter fails elsewhere).
n() {
	local v
	v=$(c "$1" "$2")
	[[ "$v" =~ ^[0-9]+$ ]] && echo "$v" || echo 0
}

run_once() {
	local r="run $1:"

	if ! sl_setup; then
		sl_fail "$r the dataplane starts, its tap moves into the namespace, it answers ping"
		sl_teardown
		sl_leak_check "$r"
		return 1
	fi
	sl_pass "$r the dataplane starts, its tap moves into $SL_NS, it answers ping"
	sl_check "$r sluicectl status says running" sl_ctl --instance "$SL_INSTANCE" status

	# --- ICMP and ARP from the kernel --------------------------------------
	sl_snap s0 || sl_diag "sluicectl stats --json failed"
	sl_check "$r ping -c 5 from the namespace: 0% loss" \
		sl_nsexec ping -n -c 5 -i 0.2 -W 2 "$SL_APP_IP"
	local out got
	out=$(sl_nsexec arping -c 3 -w 5 -I "$SL_TAP" "$SL_APP_IP" 2>&1) || true
	got=$(printf '%s\n' "$out" | sed -n 's/^Received \([0-9]*\) response.*/\1/p')
	sl_ge "$r arping -c 3 -I $SL_TAP $SL_APP_IP: replies received" "${got:-0}" 3 ||
		printf '%s\n' "$out" | sed 's/^/#   /'
	sl_snap s1 || sl_diag "sluicectl stats --json failed"

	# Only our 5 pings are ICMP here; ARP may also count the kernel's own
	# neighbour probes, hence "at least".
	sl_is "$r icmp_echo_requests_received rose by exactly 5" \
		"$(delta s0 s1 total.counters.icmp_echo_requests_received)" 5
	sl_is "$r icmp_echo_replies_sent rose by exactly 5" \
		"$(delta s0 s1 total.counters.icmp_echo_replies_sent)" 5
	sl_ge "$r icmp_echo_requests_received >= 5 in all" \
		"$(c s1 total.counters.icmp_echo_requests_received)" 5
	sl_ge "$r icmp_echo_replies_sent >= 5 in all" "$(c s1 total.counters.icmp_echo_replies_sent)" 5
	sl_ge "$r arp_requests_received rose by at least 3" \
		"$(delta s0 s1 total.counters.arp_requests_received)" 3
	sl_is "$r every ARP request for us answered (arp_replies_sent = arp_requests_received)" \
		"$(c s1 total.counters.arp_replies_sent)" "$(c s1 total.counters.arp_requests_received)"
	local rx tx in_sum out_sum
	rx=$(c s1 total.counters.rx_packets)
	tx=$(c s1 total.counters.tx_packets)
	in_sum=$(($(n s1 total.counters.icmp_echo_requests_received) + $(n s1 total.counters.arp_requests_received)))
	out_sum=$(($(n s1 total.counters.icmp_echo_replies_sent) + $(n s1 total.counters.arp_replies_sent)))
	sl_ge "$r rx_packets ($rx) >= echo requests + ARP requests ($in_sum)" "$rx" "$in_sum"
	sl_ge "$r tx_packets ($tx) >= echo replies + ARP replies ($out_sum)" "$tx" "$out_sum"
	sl_ge "$r rx_packets rose by at least the 5 pings and 3 ARPs" "$(delta s0 s1 total.counters.rx_packets)" 8
	local neigh
	neigh=$(sl_nsexec ip neigh show "$SL_APP_IP" dev "$SL_TAP" | sed -n 's/.* lladdr \([0-9a-f:]*\).*/\1/p')
	sl_is "$r the kernel learned the MAC the appliance publishes (ports[0].mac)" \
		"${neigh,,}" "${SL_MAC,,}"

	# --- malformed frames ----------------------------------------------------
	local sent
	sl_snap b0 || sl_diag "sluicectl stats --json failed"
	if sent=$(sl_nsexec "$SL_PY" "$HERE/rawsend.py" --iface "$SL_TAP" --dst-mac "$SL_MAC" \
		--src-ip "$SL_HOST_IP" --dst-ip "$SL_APP_IP" --count "$BAD_N" "${BAD_KINDS[@]}" 2>&1); then
		sl_pass "$r rawsend.py sent the malformed burst"
	else
		sl_fail "$r rawsend.py sent the malformed burst"
		printf '%s\n' "$sent" | sed 's/^/#   /'
		sent='{}'
	fi
	printf '%s\n' "$sent" >"$SL_TMP/sent.json"
	sl_flatten "$SL_TMP/sent.json" >"$SL_TMP/sent.flat" 2>/dev/null || : >"$SL_TMP/sent.flat"
	sl_snap b1 || sl_diag "sluicectl stats --json failed"
	local kind n why
	for kind in "${BAD_KINDS[@]}"; do
		n=$(sl_get sent "$kind") || n=0
		why=$(sl_get sent "refused.$kind") || why=
		if [ -n "$why" ]; then
			# Linux checks SOCK_RAW frames against the link header length
			# (dev_validate_header), so a runt never reaches the tap; the unit
			# tests feed eth_truncated frames to the parser directly.
			sl_skip "$r drops{reason=$kind}" "the kernel refuses to send it: $why"
			continue
		fi
		# Exact: the namespace has IPv6 off and nothing else in it talks, so
		# no other frame can land in these reasons.
		sl_is "$r drops{reason=$kind} rose by exactly the $n frames sent" \
			"$(delta b0 b1 "total.drops.$kind")" "$n"
	done
	sl_is "$r no malformed frame was taken for an echo request" \
		"$(delta b0 b1 total.counters.icmp_echo_requests_received)" 0
	sl_check "$r ping still answers after the malformed burst" \
		sl_nsexec ping -n -c 3 -i 0.2 -W 2 "$SL_APP_IP"

	# --- clean shutdown ---------------------------------------------------------
	if sl_stop 10; then
		sl_is "$r SIGTERM: exit status 0" "$SL_STOP_RC" 0
		sl_pass "$r SIGTERM: exited within 10 s (${SL_STOP_MS} ms)"
	else
		sl_fail "$r SIGTERM: exit status 0"
		sl_fail "$r SIGTERM: exited within 10 s (had to SIGKILL)"
	fi
	sl_check "$r the dataplane removed its stats region $SL_SHM" test ! -e "$SL_SHM"
	sl_check "$r the tap vanished with the process" \
		bash -c "! ip -n '$SL_NS' link show dev '$SL_TAP' >/dev/null 2>&1"
	local st=0
	sl_ctl --instance "$SL_INSTANCE" status >/dev/null 2>&1 || st=$?
	sl_is "$r sluicectl status exits 3 once it stopped" "$st" 3

	sl_teardown
	sl_leak_check "$r"
}

run_once 1
run_once 2
sl_done
