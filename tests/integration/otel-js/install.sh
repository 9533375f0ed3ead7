#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Installs the pinned OpenTelemetry JS packages for export.mjs into ./node_modules,
# only when node_modules is missing or older than package.json / package-lock.json.
#
# Usage: tests/integration/otel-js/install.sh [--force]
# Exit: 0 installed or already up to date; 1 npm ci failed; 2 node/npm missing or too old.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

# export.mjs and the pinned 0.223.x / 2.12.x packages declare node ^18.19 || >=20.6;
# the newer 0.30x / 3.x line needs node >= 22.15, which is why it is not used here.
NODE_MIN_MAJOR=20
NODE_MIN_MINOR=6

die() {
	echo "otel-js/install.sh: $*" >&2
	exit 2
}

command -v node >/dev/null 2>&1 ||
	die "node not found; install Node.js >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null 2>&1 ||
	die "npm not found; install npm (Debian: apt-get install npm)"

ver=$(node -p 'process.versions.node') || die "node does not run"
major=${ver%%.*}
rest=${ver#*.}
minor=${rest%%.*}
# The packages' engines field is "^18.19.0 || >=20.6.0": Debian 12's own
# nodejs (18.19) qualifies too, for a machine that has no newer Node.js.
if { [ "$major" -eq 18 ] && [ "$minor" -ge 19 ]; } || [ "$major" -gt "$NODE_MIN_MAJOR" ] ||
	{ [ "$major" -eq "$NODE_MIN_MAJOR" ] && [ "$minor" -ge "$NODE_MIN_MINOR" ]; }; then
	:
else
	die "node $ver is too old; need ^18.19 or >= $NODE_MIN_MAJOR.$NODE_MIN_MINOR"
fi

# npm writes node_modules/.package-lock.json on every successful install; it is the
# stamp that says which lock file the tree was built from.
stamp=node_modules/.package-lock.json

up_to_date() {
	[ -f "$stamp" ] && [ ! "package-lock.json" -nt "$stamp" ] && [ ! "package.json" -nt "$stamp" ]
}

# Tests may call this in parallel; the second caller waits for the first instead of
# running npm ci over a tree that is being written. The lock is taken on this folder
# itself, so no lock file is left behind.
if command -v flock >/dev/null 2>&1 && [ "${OTEL_JS_INSTALL_LOCKED:-}" != 1 ]; then
	export OTEL_JS_INSTALL_LOCKED=1
	exec flock "$here" "$here/$(basename "$0")" "$@"
fi

if [ "${1:-}" != "--force" ] && up_to_date; then
	exit 0
fi

echo "otel-js/install.sh: npm ci in $here (node $ver, npm $(npm --version))" >&2
start=$(date +%s)
# --ignore-scripts: nothing in this tree needs a build step (no native modules; the only
# install script, protobufjs's postinstall, just prints a version-scheme hint).
if ! npm ci --no-audit --no-fund --prefer-offline --ignore-scripts --loglevel=error >&2; then
	echo "otel-js/install.sh: npm ci failed (is the npm registry reachable?)" >&2
	exit 1
fi
# npm ci may leave the stamp with the lock file's own age on a fast clock; make it newer.
touch "$stamp"

# Smoke test: loads the SDK and prints usage; fails if a package is missing or broken.
if ! node export.mjs --help >/dev/null; then
	echo "otel-js/install.sh: installed, but export.mjs does not load" >&2
	exit 1
fi
echo "otel-js/install.sh: done in $(($(date +%s) - start)) s" >&2
