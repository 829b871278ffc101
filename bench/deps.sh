#!/usr/bin/env bash
# bench/deps.sh - installs the two exporters `make bench` compares against
# (Debian's prometheus-process-exporter and prometheus-node-exporter) when
# missing. Only `make bench` runs it: `make test` does not need them.
#
# Their maintainer scripts would start the packaged services (on :9256 and
# :9100, for good): a policy-rc.d that refuses every start is put in place
# for the install, and removed afterwards only if this script created it.
set -eu

PEERS="prometheus-process-exporter prometheus-node-exporter"
POLICY=/usr/sbin/policy-rc.d

missing=""
for p in $PEERS; do
	command -v "$p" >/dev/null 2>&1 || missing="$missing $p"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
	echo "bench deps: missing:$missing" >&2
	echo "bench deps: run as root: apt-get update && apt-get install -y$missing" >&2
	exit 1
fi

if [ ! -e "$POLICY" ]; then
	printf '#!/bin/sh\n# bench/deps.sh: no service starts during its install\nexit 101\n' >"$POLICY"
	chmod 0755 "$POLICY"
	trap 'rm -f "$POLICY"' EXIT
fi

echo "bench deps: installing$missing"
apt-get update -q
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
