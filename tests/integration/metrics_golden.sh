#!/usr/bin/env bash
# metrics_golden.sh - `ctprof metrics` on the fixture snapshot, byte for
# byte against tests/fixtures/expo (UPDATE_GOLDEN=1 rewrites them), every
# Prometheus rendering clean under `promtool check metrics`, every
# OpenMetrics rendering parsed by python3-prometheus-client and ending in
# "# EOF"; the same checks on a live capture.
set -u
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
golden="$CTPROF_TOP/tests/fixtures/expo"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
zstd -q -c "$CTPROF_TOP/tests/fixtures/snapshots/host1.json" >"$work/host1.ctprof.zst"

om_parses() { # FILE: prints the number of families or an error
	"$PY" - "$1" <<'PYEOF'
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
text = open(sys.argv[1], encoding="utf-8").read()
try:
    print(len(list(text_string_to_metric_families(text))))
except Exception as e:
    print("error: %s" % e)
PYEOF
}

check_prom() { # NAME FILE
	out=$(promtool check metrics <"$2" 2>&1)
	check_eq "$1: promtool check metrics is silent" "0:" "$?:$out"
}

check_om() { # NAME FILE
	check_eq "$1: ends with # EOF" "# EOF" "$(tail -n1 "$2")"
	check_match "$1: python3-prometheus-client parses it" '^[0-9]+$' "$(om_parses "$2")"
}

while read -r name args; do
	# shellcheck disable=SC2086
	"$CTPROF" metrics $args "$work/host1.ctprof.zst" >"$work/$name" 2>"$work/$name.err"
	check_eq "$name: exit 0" "0" "$?"
	if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$work/$name" "$golden/$name"; fi
	if diff -u "$golden/$name" "$work/$name" >"$work/$name.diff"; then
		ok "$name: matches the golden exposition"
	else
		not_ok "$name: differs from tests/fixtures/expo/$name" "$(head -20 "$work/$name.diff")"
	fi
	case $name in
	*.prom) check_prom "$name" "$work/$name" ;;
	*.om) check_om "$name" "$work/$name" ;;
	esac
done <<'CASES'
pcomm.prom
pcomm.om --format openmetrics
comm.prom --group-by comm
comm_literal.prom --group-by comm --no-thread-normalize
cgroup.prom --group-by cgroup
cgroup_flatten.om --format openmetrics --group-by cgroup --cgroup-flatten /system.slice/* --cgroup-normalize
pcomm_comm_cgroup.prom --group-by pcomm,comm,cgroup
CASES

# Two renders of one snapshot are identical (deterministic order).
"$CTPROF" metrics "$work/host1.ctprof.zst" >"$work/again"
check_eq "rendering is deterministic" "" "$(cmp "$work/again" "$work/pcomm.prom" 2>&1)"

# A live capture renders cleanly in both formats.
if "$CTPROF" capture -o "$work/live.ctprof.zst" 2>"$work/live.err"; then
	"$CTPROF" metrics "$work/live.ctprof.zst" >"$work/live.prom"
	check_prom "live capture" "$work/live.prom"
	"$CTPROF" metrics --format openmetrics --group-by comm,cgroup "$work/live.ctprof.zst" >"$work/live.om"
	check_om "live capture" "$work/live.om"
	check_match "live capture has this shell's group" "^ctprof_threads\\{pcomm=\"bash\"\\} [0-9]+$" \
		"$(grep '^ctprof_threads{pcomm="bash"}' "$work/live.prom")"
else
	not_ok "live capture" "$(cat "$work/live.err")"
fi

# Bad flags: one line, exit 2.
for args in "--format xml" "--group-by pid" "--group-by pcomm,pcomm" "--cgroup-flatten [oops"; do
	# shellcheck disable=SC2086
	"$CTPROF" metrics $args "$work/host1.ctprof.zst" >/dev/null 2>"$work/err"
	check_eq "metrics $args: exit 2" 2 "$?"
	check_match "metrics $args: says why" '^ctprof: --' "$(head -n1 "$work/err")"
done
