#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Short libFuzzer run of one target over a copy of its seed corpus; prints TAP.
set -u
exe=$(realpath "$1") corpus=$(realpath -m "$2") secs=${SLUICE_FUZZ_SECONDS:-20}
work=$(mktemp -d /tmp/sluice-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus"
[ -d "$corpus" ] && cp -r "$corpus"/. "$work/corpus/" 2>/dev/null
echo "1..1"
if (cd "$work" && "$exe" -max_total_time="$secs" -rss_limit_mb=4096 -print_final_stats=1 \
	corpus >"$work/log" 2>&1); then
	echo "ok 1 - $(basename "$exe") ran ${secs}s without a crash"
else
	tail -40 "$work/log" | sed 's/^/# /'
	echo "not ok 1 - $(basename "$exe") crashed (see log above)"
	exit 1
fi
