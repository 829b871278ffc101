#!/usr/bin/env bash
# prometheus_rules.sh - the recording rules for ktstr's derived metrics
# load (promtool check rules) and compute what they should (promtool test
# rules), and every metric they read is one the registry exports.
set -u
. "$CTPROF_TOP/tests/lib.sh"
dir="$CTPROF_TOP/deploy/prometheus"
out=$(promtool check rules "$dir/ctprof-rules.yml" 2>&1)
check_match "promtool check rules: 17 derived rules" 'SUCCESS: 17 rules found' "$out"
out=$(cd "$dir" && promtool test rules ctprof-rules.test.yml 2>&1)
check_eq "promtool test rules passes" 0 "$?"
list=$("$CTPROF" metric-list)
missing=""
for m in $(grep -o 'ctprof_[a-z_]*' "$dir/ctprof-rules.yml" | sort -u); do
	printf '%s\n' "$list" | grep -q "\`$m\`" || missing="$missing $m"
done
check_eq "the rules read only exported metrics" "" "$missing"
