#!/usr/bin/env bash
# prometheus_rules.sh - the recording rules for ktstr's derived metrics
# and the alerts load (promtool check rules) and compute what they should
# (promtool test rules), and every metric they read is one the registry
# exports.
set -u
. "$CTPROF_TOP/tests/lib.sh"
dir="$CTPROF_TOP/deploy/prometheus"
out=$(promtool check rules "$dir/ctprof-rules.yml" 2>&1)
check_match "promtool check rules: 17 derived rules" 'SUCCESS: 17 rules found' "$out"
out=$(cd "$dir" && promtool test rules ctprof-rules.test.yml 2>&1)
check_eq "promtool test rules passes" 0 "$?"
out=$(promtool check rules "$dir/ctprof-alerts.yml" 2>&1)
check_match "promtool check rules: 5 alerts" 'SUCCESS: 5 rules found' "$out"
out=$(cd "$dir" && promtool test rules ctprof-alerts.test.yml 2>&1)
rc=$?
check_eq "promtool test rules ctprof-alerts.test.yml passes" 0 "$rc"
[ "$rc" = 0 ] || printf '%s\n' "$out" | head -30
list=$("$CTPROF" metric-list)
missing=""
for m in $(cat "$dir/ctprof-rules.yml" "$dir/ctprof-alerts.yml" | grep -oE 'ctprof_[a-z_]*[a-z]' | sort -u); do
	printf '%s\n' "$list" | grep -q "\`$m\`" || missing="$missing $m"
done
check_eq "the rules and alerts read only exported metrics" "" "$missing"
