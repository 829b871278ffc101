#!/usr/bin/env bash
# live_capture.sh - `ctprof capture` against the running kernel: a sleeping
# multi-threaded target in a cgroup2 directory of its own must appear with
# every thread, its comms, kernel state letters and its cgroup's stats.
set -u
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
work=$(mktemp -d)
pid="" cg=""
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	[ -n "$cg" ] && rmdir "$cg" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

start_sleeper 3 "$work/ready"

# A cgroup2 directory of its own, where the host allows one (root, cgroup2).
mnt=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) == "cgroup2") print $5; break } }' \
	/proc/self/mountinfo | head -n1)
cgpath=""
if [ -n "$mnt" ] && [ -w "$mnt" ] && mkdir "$mnt/ctprof-test-$$" 2>/dev/null; then
	cg="$mnt/ctprof-test-$$"
	if echo "$pid" >"$cg/cgroup.procs" 2>/dev/null; then
		cgpath="/ctprof-test-$$"
	else
		skip "own cgroup" "cannot move the target into $cg"
	fi
else
	skip "own cgroup" "no writable cgroup2 mount (mount: ${mnt:-none})"
fi

"$CTPROF" capture --pid "$pid" -o "$work/one.ctprof.zst" 2>"$work/err1"
check_eq "capture --pid exits 0" 0 $?
"$CTPROF" capture -o "$work/all.ctprof.zst" 2>"$work/err2"
check_eq "host-wide capture exits 0" 0 $?
check_eq "capture prints nothing on stderr" "" "$(cat "$work/err1" "$work/err2")"

# What the kernel says now (the target sleeps, so nothing moves).
expect="$work/expect"
for t in $(ls /proc/$pid/task | sort -n); do
	printf '%s\t%s\t%s\n' "$t" "$(cat /proc/$pid/task/$t/comm)" \
		"$(awk '/^State:/ { print $2 }' /proc/$pid/task/$t/status)"
done >"$expect"
usage=""
[ -n "$cgpath" ] && usage=$(awk '$1 == "usage_usec" { print $2 }' "$cg/cpu.stat")

for f in one all; do
	zstd -q -dc "$work/$f.ctprof.zst" >"$work/$f.json" || not_ok "$f: zstd -d"
done

"$PY" - "$work" "$pid" "$cgpath" "$usage" "$(uname -r)" "$(nproc)" <<'PYEOF'
import json, sys
work, pid, cgpath, usage, release, ncpu = sys.argv[1:]
pid = int(pid)
expect = [l.rstrip("\n").split("\t") for l in open(f"{work}/expect")]

def check(name, want, got):
    if want == got:
        print(f"ok - {name}")
    else:
        print(f"not ok - {name}: expected {want!r} got {got!r}")

for which in ("one", "all"):
    snap = json.load(open(f"{work}/{which}.json"))
    mine = [t for t in snap["threads"] if t["tgid"] == pid]
    check(f"{which}: every thread of the target, in tid order",
          [int(e[0]) for e in expect], [t["tid"] for t in mine])
    check(f"{which}: thread comms", [e[1] for e in expect], [t["comm"] for t in mine])
    check(f"{which}: kernel state letters", [e[2] for e in expect], [t["state"] for t in mine])
    check(f"{which}: pcomm", ["ctprof-sleeper"] * len(expect), [t["pcomm"] for t in mine])
    check(f"{which}: nr_threads on the leader only", [len(expect)] + [0] * (len(expect) - 1),
          [t["nr_threads"] for t in mine])
    check(f"{which}: smaps_rollup Rss on the leader", True,
          mine[0]["smaps_rollup_kib"].get("Rss", 0) > 0 and not mine[1]["smaps_rollup_kib"])
    check(f"{which}: affinity from sched_getaffinity", True,
          all(len(t["cpu_affinity"]) >= 1 for t in mine))
    check(f"{which}: 98 fields per thread", [98] * len(mine), [len(t) for t in mine])
    check(f"{which}: kernel release from uname", release, (snap["host"] or {}).get("kernel_release"))
    check(f"{which}: online cpus", int(ncpu), (snap["host"] or {}).get("online_cpus"))
    ps = snap["parse_summary"]
    check(f"{which}: parse summary walked the target", True, ps["tids_walked"] >= len(expect))
    if cgpath:
        check(f"{which}: cgroup path of every thread", [cgpath] * len(mine), [t["cgroup"] for t in mine])
        cs = snap["cgroup_stats"].get(cgpath)
        check(f"{which}: cgroup stats present", True, cs is not None)
        if cs:
            check(f"{which}: cgroup cpu.stat usage_usec", int(usage), cs["cpu"]["usage_usec"])
            check(f"{which}: cgroup cpu.max period default", 100000, cs["cpu"]["max_period_us"])
one = json.load(open(f"{work}/one.json"))
check("--pid captures that process only", {pid}, {t["tgid"] for t in one["threads"]})
PYEOF
