#!/usr/bin/env bash
# ctprof_compare.sh - `ctprof compare` and the table form of `ctprof show`
# on the ktstr-shape fixture pair tests/fixtures/compare/{base,cand}.json
# (see make_fixtures.py there), byte for byte against
# tests/fixtures/compare/expected (UPDATE_GOLDEN=1 rewrites them): each
# --group-by, the singleton revert, flatten and the cgroup layers, Absent
# rows, zero denominators, one-sided groups, every display and output
# format. Then: JSON and CSV parse, flags fail before any file is read,
# an unreadable snapshot is one line and exit 2, a difference exits 0.
set -u
set -f # globs such as /kubepods.slice/* are arguments, not file patterns
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
fx="$CTPROF_TOP/tests/fixtures/compare"
golden="$fx/expected"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
unset COLUMNS
cd "$work" || exit 1
zstd -q -c "$fx/base.json" >base.ctprof.zst
zstd -q -c "$fx/cand.json" >cand.ctprof.zst
zstd -q -c "$CTPROF_TOP/tests/fixtures/snapshots/host1.json" >ours.ctprof.zst

run() { # run CMD...: stdout to $work/out, stderr to $work/err, status in $rc
	timeout 60 "$@" >"$work/out" 2>"$work/err"
	rc=$?
}

check_golden() { # NAME: $work/out against $golden/NAME
	if [ -n "${UPDATE_GOLDEN:-}" ]; then cp "$work/out" "$golden/$1"; fi
	if diff -u "$golden/$1" "$work/out" >"$work/$1.diff"; then
		ok "$1: matches the golden output"
	else
		not_ok "$1: differs from tests/fixtures/compare/expected/$1" "$(head -20 "$work/$1.diff")"
	fi
}

# NAME [ENV=VALUE] ARGS...: one line per golden; ARGS split on spaces.
while read -r name args; do
	env=()
	case $args in COLUMNS=*) env=("${args%% *}"); args=${args#* } ;; esac
	# shellcheck disable=SC2086
	run env "${env[@]}" "$CTPROF" $args
	check_eq "$name: exit 0" "0" "$rc"
	check_eq "$name: nothing on stderr" "" "$(cat "$work/err")"
	check_golden "$name"
done <<'CASES'
pcomm.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --metrics thread_count,run_time_ns,nr_threads --sections primary
pcomm_literal.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --no-thread-normalize --metrics thread_count --sections primary,smaps-rollup
comm.txt compare base.ctprof.zst cand.ctprof.zst --group-by comm --metrics thread_count,run_time_ns --sections primary
comm_exact.txt compare base.ctprof.zst cand.ctprof.zst --group-by comm-exact --metrics thread_count --sections primary
cgroup.txt compare base.ctprof.zst cand.ctprof.zst --group-by cgroup --metrics thread_count --sections primary,cgroup-stats,cgroup-limits,memory-stat,memory-events,pressure
cgroup_flatten.txt compare base.ctprof.zst cand.ctprof.zst --group-by cgroup --cgroup-flatten /kubepods.slice/* --metrics thread_count,run_time_ns --sections primary,cgroup-stats
cgroup_literal.txt compare base.ctprof.zst cand.ctprof.zst --group-by cgroup --no-cg-normalize --metrics thread_count --sections primary
all.txt compare base.ctprof.zst cand.ctprof.zst --metrics thread_count,run_time_ns --sections primary,smaps-rollup
absent.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --sections taskstats-delay --metrics cpu_delay_count,cpu_delay_total_ns,blkio_delay_total_ns,swapin_delay_total_ns,thrashing_delay_total_ns,hiwater_rss_bytes,avg_cpu_delay_ns,avg_swapin_delay_ns,total_offcpu_delay_ns
derived.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --sections derived --display-format full
secondary.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --sections smaps-rollup,host-pressure,sched-ext,capture-summary
display_full.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --display-format full --metrics run_time_ns,policy,nice,cpu_affinity,allocated_bytes,avg_wait_ns,cpu_efficiency --sections primary,derived
display_delta_only.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --display-format delta-only --metrics run_time_ns,policy,nice,cpu_affinity,allocated_bytes,avg_wait_ns,cpu_efficiency --sections primary,derived
display_no_pct.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --display-format no-pct --metrics run_time_ns,policy,nice,cpu_affinity,allocated_bytes,avg_wait_ns,cpu_efficiency --sections primary,derived
display_arrow.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --display-format arrow --metrics run_time_ns,policy,nice,cpu_affinity,allocated_bytes,avg_wait_ns,cpu_efficiency --sections primary,derived
display_pct_only.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --display-format PCT-ONLY --metrics run_time_ns,policy,nice,cpu_affinity,allocated_bytes,avg_wait_ns,cpu_efficiency --sections primary,derived
sort.txt compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --sort-by thread_count:desc,run_time_ns:ASC --metrics thread_count,run_time_ns,avg_slice_ns --sections primary,derived
limit.txt compare base.ctprof.zst cand.ctprof.zst --group-by comm --limit 6 --metrics thread_count,run_time_ns --sections primary,capture-summary
width.txt COLUMNS=100 compare base.ctprof.zst cand.ctprof.zst --group-by cgroup --metrics thread_count --sections primary,cgroup-stats
compare.json compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --format json --metrics thread_count,run_time_ns,policy,nice,cpu_delay_total_ns,avg_wait_ns --sections primary,taskstats-delay,derived,sched-ext,capture-summary
compare.csv compare base.ctprof.zst cand.ctprof.zst --format csv --metrics thread_count,run_time_ns,avg_wait_ns --sections primary,derived,smaps-rollup,capture-summary
show.txt show base.ctprof.zst --group-by comm --metrics thread_count,run_time_ns,nice,avg_wait_ns --sections primary,derived,capture-summary
show.json show cand.ctprof.zst --format json --metrics thread_count,cpu_delay_total_ns --sections primary,taskstats-delay,sched-ext
show.csv show cand.ctprof.zst --group-by cgroup --format csv --metrics thread_count --sections primary,cgroup-limits
ktstr_vs_ours.txt compare base.ctprof.zst ours.ctprof.zst --group-by pcomm --metrics thread_count,run_time_ns --sections primary
ours_escaped.txt show ours.ctprof.zst --group-by comm-exact --metrics thread_count,state --sections primary
CASES

# The full default reports: every table there is, exit 0, deterministic.
run "$CTPROF" compare base.ctprof.zst cand.ctprof.zst
check_eq "default compare: exit 0" 0 "$rc"
for t in "Primary metrics" "Derived metrics" "smaps_rollup" "Host pressure / cpu" \
	"sched_ext" "Capture summaries" "Only in baseline" "Only in candidate"; do
	check_match "default compare has ## $t" "^## $t\$" "$(grep "^## $t\$" "$work/out")"
done
check_eq "default compare is grouped by all" "group-by:  all" "$(sed -n 3p "$work/out")"
cp "$work/out" "$work/first"
run "$CTPROF" compare base.ctprof.zst cand.ctprof.zst
check_eq "compare is deterministic" "" "$(cmp "$work/out" "$work/first" 2>&1)"
run "$CTPROF" compare base.ctprof.zst base.ctprof.zst --group-by cgroup
check_eq "a snapshot against itself: exit 0" 0 "$rc"
check_eq "a snapshot against itself: nothing one-sided" "" "$(grep '^## Only' "$work/out")"
run "$CTPROF" compare base.ctprof.zst cand.ctprof.zst --limit 0 --group-by comm-exact
check_eq "--limit 0: no truncation note" "" "$(grep 'more lines truncated' "$work/out")"
echo '{"threads":[]}' | zstd -q -c >empty.ctprof.zst
run "$CTPROF" compare empty.ctprof.zst cand.ctprof.zst --format json
check_eq "an empty snapshot against another: exit 0" 0 "$rc"
run "$CTPROF" show empty.ctprof.zst --group-by all --sort-by run_time_ns
check_eq "show of an empty snapshot: exit 0" 0 "$rc"
if "$CTPROF" capture -o live.ctprof.zst 2>"$work/live.err"; then
	run "$CTPROF" compare live.ctprof.zst live.ctprof.zst
	check_eq "a live capture against itself: exit 0" 0 "$rc"
	check_match "a live capture against itself: rows" '^## Primary metrics$' "$(grep '^## Primary' "$work/out")"
	run "$CTPROF" show live.ctprof.zst --group-by cgroup --format csv
	check_eq "show of a live capture by cgroup: exit 0" 0 "$rc"
else
	not_ok "live capture" "$(cat "$work/live.err")"
fi
run "$CTPROF" show base.ctprof.zst
check_match "show without options keeps the summary" '^captured_at_unix_ns: ' "$(head -n1 "$work/out")"

# JSON and CSV are well formed for scripts.
"$CTPROF" compare base.ctprof.zst cand.ctprof.zst --format json >"$work/full.json"
check_eq "JSON parses, u64 exact" "ok" "$("$PY" - "$work/full.json" <<'PYEOF'
import json, sys
d = json.load(open(sys.argv[1]))
rows = [r for r in d["rows"] if r["metric"] == "allocated_bytes" and r["group"][2] == "main"]
assert rows and rows[0]["baseline"] == 2048 << 20, rows
assert d["only_baseline"] and d["only_candidate"], d
assert any(h["side"] == "candidate" for h in d["hints"])
print("ok")
PYEOF
)"
"$CTPROF" compare base.ctprof.zst cand.ctprof.zst --format csv --group-by pcomm >"$work/full.csv"
check_eq "CSV parses, every row as wide as the header" "ok" "$("$PY" - "$work/full.csv" <<'PYEOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
assert len({len(r) for r in rows}) == 1, {len(r) for r in rows}
assert rows[0][:3] == ["section", "group", "threads_baseline"], rows[0]
print("ok")
PYEOF
)"

# Bad flags: exit 2 before any file is read, the message about the flag.
for args in "--group-by pid" "--group-by container" "--display-format wide" \
	"--format xml" "--sort-by policy" "--sort-by nope" "--sort-by run_time_ns:up" \
	"--sort-by run_time_ns,run_time_ns" "--sections primary,nope" "--sections primary,,derived" \
	"--metrics ctprof_threads" "--limit -1" "--limit many" "--cgroup-flatten [oops" "--bogus" \
	"--group-by"; do
	# shellcheck disable=SC2086
	run "$CTPROF" compare "$work/missing-a.zst" "$work/missing-b.zst" $args
	check_eq "compare $args: exit 2" 2 "$rc"
	check_match "compare $args: says what is wrong with the flag" '^ctprof: (--|unknown option|option)' "$(head -n1 "$work/err")"
	check_eq "compare $args: no file was read" "" "$(grep missing- "$work/err")"
done
run "$CTPROF" show "$work/missing-a.zst" --display-format full
check_eq "show --display-format: exit 2" 2 "$rc"
run "$CTPROF" compare base.ctprof.zst
check_eq "compare with one snapshot: exit 2" 2 "$rc"
run "$CTPROF" compare base.ctprof.zst cand.ctprof.zst third
check_eq "compare with three snapshots: exit 2" 2 "$rc"
run "$CTPROF" show base.ctprof.zst cand.ctprof.zst --group-by pcomm
check_eq "show with two snapshots: exit 2" 2 "$rc"

# Unreadable snapshots: one line naming the file, exit 2.
echo 'not json' | zstd -q -c >"$work/bad.ctprof.zst"
for pair in "missing.ctprof.zst cand.ctprof.zst" "base.ctprof.zst missing.ctprof.zst" \
	"bad.ctprof.zst cand.ctprof.zst" "base.ctprof.zst bad.ctprof.zst"; do
	# shellcheck disable=SC2086
	run "$CTPROF" compare $pair
	check_eq "compare $pair: exit 2" 2 "$rc"
	check_eq "compare $pair: one line on stderr" 1 "$(wc -l <"$work/err")"
	check_match "compare $pair: names the file" '^ctprof: (missing|bad)\.ctprof\.zst: ' "$(cat "$work/err")"
done
run "$CTPROF" show bad.ctprof.zst --group-by comm
check_eq "show table of a bad snapshot: exit 2" 2 "$rc"
check_match "show table of a bad snapshot: names it" '^ctprof: bad\.ctprof\.zst: ' "$(cat "$work/err")"

# A cgroup-only section under another grouping: warned, not refused.
run "$CTPROF" compare base.ctprof.zst cand.ctprof.zst --group-by pcomm --sections memory-stat
check_eq "cgroup-only section elsewhere: exit 0" 0 "$rc"
check_match "cgroup-only section elsewhere: warns" "section 'memory-stat' requires --group-by cgroup" "$(cat "$work/err")"
run "$CTPROF" compare --help
check_match "compare --help" '^usage: ctprof compare' "$(head -n1 "$work/out")"
