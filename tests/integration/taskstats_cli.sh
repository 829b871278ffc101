#!/usr/bin/env bash
# taskstats_cli.sh - `ctprof capture` with and without --no-taskstats on the
# running kernel: a sleeping 4-thread target is queried once per thread
# (every query answered, every thread measured), --no-taskstats leaves the
# summary null and nothing measured, a synthetic tree never has a summary,
# and `ctprof show` prints the tally.
set -u
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
fx="$CTPROF_TOP/tests/fixtures/host1"
work=$(mktemp -d)
pid=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

start_sleeper 3 "$work/ready"

"$CTPROF" capture --pid "$pid" -o "$work/on.ctprof.zst" 2>"$work/err.on"
check_eq "capture exits 0" 0 $?
"$CTPROF" capture --pid "$pid" --no-taskstats -o "$work/off.ctprof.zst" 2>"$work/err.off"
check_eq "capture --no-taskstats exits 0" 0 $?
"$CTPROF" capture -o "$work/fx.ctprof.zst" --path.procfs "$fx/proc" \
	--path.sysfs "$fx/sys" --path.cgroupfs "$fx/cgroup" 2>"$work/err.fx"
check_eq "capture of the fixture tree exits 0" 0 $?
for f in on off fx; do
	zstd -q -dc "$work/$f.ctprof.zst" >"$work/$f.json" || not_ok "$f: zstd -d"
done

# What the kernel says: task_delayacct decides the resource-delay flag.
delayacct=missing
[ -r /proc/sys/kernel/task_delayacct ] && delayacct=$(cat /proc/sys/kernel/task_delayacct)
if grep -q 'unavailable' "$work/err.on"; then
	skip "taskstats on this host" "$(cat "$work/err.on")"
else
	check_eq "no warning when taskstats opens" "" "$(cat "$work/err.on")"
	"$PY" - "$work" "$pid" "$delayacct" <<'PYEOF'
import json, sys
work, pid, delayacct = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def check(name, want, got):
    print(f"ok - {name}" if want == got else f"not ok - {name}: expected {want!r} got {got!r}")

on = json.load(open(f"{work}/on.json"))
mine = [t for t in on["threads"] if t["tgid"] == pid]
check("on: one ok per thread, nothing else", {"ok_count": 4, "eperm_count": 0,
      "esrch_count": 0, "other_err_count": 0}, on["taskstats_summary"])
check("on: every thread measured", [True] * 4, [t["taskstats_measured"] for t in mine])
check("on: cpu_delay_active follows task_delayacct", [delayacct != "missing"] * 4,
      [t["cpu_delay_active"] for t in mine])
check("on: delay_block_active follows task_delayacct", [delayacct == "1"] * 4,
      [t["delay_block_active"] for t in mine])
check("on: one mm, one watermark", 1, len({t["hiwater_vm_bytes"] for t in mine}))
check("on: the watermark is set", True, mine[0]["hiwater_vm_bytes"] > 0)
PYEOF
fi
check_eq "no warning with --no-taskstats" "" "$(cat "$work/err.off")"

"$PY" - "$work" <<'PYEOF'
import json, sys
work = sys.argv[1]

def check(name, want, got):
    print(f"ok - {name}" if want == got else f"not ok - {name}: expected {want!r} got {got!r}")

off = json.load(open(f"{work}/off.json"))
check("off: summary null", None, off["taskstats_summary"])
check("off: nothing measured", [False] * len(off["threads"]),
      [t["taskstats_measured"] for t in off["threads"]])
check("off: no delay figures", 0, sum(t["cpu_delay_count"] for t in off["threads"]))
fx = json.load(open(f"{work}/fx.json"))
check("synthetic tree: summary null", None, fx["taskstats_summary"])
PYEOF

"$CTPROF" show "$work/on.ctprof.zst" >"$work/show.on"
check_match "show prints the tally" '^taskstats summary: 4 ok, 0 eperm, 0 esrch, 0 other$' \
	"$(grep '^taskstats summary' "$work/show.on")"
"$CTPROF" show "$work/off.ctprof.zst" >"$work/show.off"
check_match "show says when taskstats was off" 'taskstats summary: none' \
	"$(grep '^taskstats summary' "$work/show.off")"
