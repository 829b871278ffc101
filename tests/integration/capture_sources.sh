#!/usr/bin/env bash
# capture_sources.sh - the fast source plan reads fewer files and loses
# nothing. A sleeping target (its counters do not move) is captured three
# ways on the live kernel: --sources files (every field from its own file),
# the default auto (stat, sched, io, smaps_rollup and taskstats), and auto
# without CAP_NET_ADMIN (taskstats refused: back to the files). Every field
# of every thread must be equal in all three. The target sits in a cgroup
# that is a threaded domain with one thread moved into a threaded child, so
# the once-per-process cgroup read must notice it cannot be shared; a second
# target in a plain domain cgroup shows the shared read. strace shows which
# files each plan opened. The daemon's memo: idle threads are not read, and
# busy threads of a process whose io totals did not move keep their io.
set -u
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
work=$(mktemp -d)
pid="" pid2="" poker="" spinner="" strace_pid="" cgs=()
cleanup() {
	for p in $strace_pid $pid $pid2 $poker $spinner; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -n "${exporter_pid:-}" ] && kill "$exporter_pid" 2>/dev/null
	for ((i = ${#cgs[@]} - 1; i >= 0; i--)); do rmdir "${cgs[$i]}" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

start_sleeper 4 "$work/ready2"
pid2=$pid
start_sleeper 5 "$work/ready"

# cgroups: $pid in a threaded domain with its last thread in a threaded
# child; $pid2 in a plain domain. Skipped where the host has no cgroup2.
mnt=$(awk '{ for (i = 7; i <= NF; i++) if ($i == "-") { if ($(i+1) == "cgroup2") print $5; break } }' \
	/proc/self/mountinfo | head -n1)
threaded_tid="" dom="" plain=""
if [ -n "$mnt" ] && [ -w "$mnt" ] && mkdir "$mnt/ctprof-src-$$" 2>/dev/null; then
	cgs+=("$mnt/ctprof-src-$$")
	# A populated domain child would stop the parent becoming a thread root.
	mkdir "$mnt/ctprof-src-$$/t" "$mnt/ctprof-src-plain-$$" &&
		cgs+=("$mnt/ctprof-src-$$/t" "$mnt/ctprof-src-plain-$$")
	threaded_tid=$(ls "/proc/$pid/task" | sort -n | tail -n1)
	if echo "$pid" >"$mnt/ctprof-src-$$/cgroup.procs" &&
		echo "$pid2" >"$mnt/ctprof-src-plain-$$/cgroup.procs" &&
		echo threaded 2>"$work/threaded.err" >"$mnt/ctprof-src-$$/t/cgroup.type" &&
		echo "$threaded_tid" >"$mnt/ctprof-src-$$/t/cgroup.threads"; then
		dom="/ctprof-src-$$" plain="/ctprof-src-plain-$$"
		check_eq "parent became a threaded domain" "domain threaded" \
			"$(cat "$mnt/ctprof-src-$$/cgroup.type")"
		check_eq "plain cgroup is a domain" "domain" \
			"$(cat "$mnt/ctprof-src-plain-$$/cgroup.type")"
	else
		skip "threaded cgroup" "the host refused a threaded subtree under $mnt"
	fi
else
	skip "threaded cgroup" "no writable cgroup2 mount (mount: ${mnt:-none})"
fi

# The jemalloc probe stops its targets (context switches move); the
# sleepers have no jemalloc, but the probe stays off so nothing else does.
capture() { # NAME [WRAP...] -- FLAGS...
	local name=$1
	shift
	local wrap=()
	while [ "$1" != -- ]; do wrap+=("$1"); shift; done
	shift
	"${wrap[@]}" "$CTPROF" capture --no-jemalloc -o "$work/$name.ctprof.zst" "$@" \
		2>"$work/$name.err"
	check_eq "$name: capture exits 0" 0 $?
	zstd -q -dc "$work/$name.ctprof.zst" >"$work/$name.json" || not_ok "$name: zstd -d"
}

for p in "$pid" "$pid2"; do
	capture "files-$p" -- --pid "$p" --sources files
	capture "auto-$p" -- --pid "$p"
	capture "auto1-$p" -- --pid "$p" --workers 1
	capture "nocap-$p" setpriv --inh-caps=-net_admin --bounding-set=-net_admin -- \
		--pid "$p"
	capture "nocapfiles-$p" setpriv --inh-caps=-net_admin --bounding-set=-net_admin -- \
		--pid "$p" --sources files
done
capture host-files -- --sources files --workers 1
capture host-auto -- --workers 2

"$PY" - "$work" "$pid" "$pid2" "$threaded_tid" "$dom" "$plain" <<'PYEOF'
import json, sys
work, pid, pid2, threaded_tid, dom, plain = sys.argv[1:]
n = 0

def ok(cond, name, detail=""):
    global n
    n += 1
    print(("ok" if cond else "not ok") + f" - {name}" + ("" if cond else f": {detail}"))

def threads(name):
    return {t["tid"]: t for t in json.load(open(f"{work}/{name}.json"))["threads"]}

# smaps_rollup is read from the same file in every plan; its Pss and
# Shared/Private_Clean move whenever another process maps the same library
# pages (each capture process does), so only its private, stable keys count.
SMAPS_STABLE = ("Rss", "Anonymous", "Private_Dirty", "Swap")

def stable(t):
    t = dict(t)
    t["smaps_rollup_kib"] = {k: v for k, v in t["smaps_rollup_kib"].items() if k in SMAPS_STABLE}
    return t

def same(a, b, label, tids=None):
    ta = {k: stable(v) for k, v in threads(a).items()}
    tb = {k: stable(v) for k, v in threads(b).items()}
    keys = sorted(tids if tids is not None else ta)
    ok(keys and all(k in tb for k in keys), f"{label}: the same threads",
       f"{sorted(ta)} vs {sorted(tb)}")
    diffs = [(tid, f, ta[tid][f], tb[tid].get(f)) for tid in keys if tid in tb
             for f in ta[tid] if ta[tid][f] != tb[tid].get(f)]
    ok(not diffs, f"{label}: every field of every thread equal", diffs[:8])
    nfields = len(next(iter(ta.values())))
    ok(nfields >= 98, f"{label}: {nfields} fields compared per thread")

for p in (pid, pid2):
    same(f"files-{p}", f"auto-{p}", f"pid {p}: auto == files")
    same(f"files-{p}", f"auto1-{p}", f"pid {p}: auto, one walker == files")
    same(f"nocapfiles-{p}", f"nocap-{p}", f"pid {p}: without CAP_NET_ADMIN auto == files")

# The target's threads, host-wide (other threads of the host may move).
host = threads("host-files")
same("host-files", "host-auto", "host-wide: the sleepers",
     [t for t, v in host.items() if v["tgid"] in (int(pid), int(pid2))])

auto = threads(f"auto-{pid}")
ok(auto[int(pid)]["taskstats_measured"], "auto: taskstats measured the target")
ok(not threads(f"nocap-{pid}")[int(pid)]["taskstats_measured"],
   "without CAP_NET_ADMIN: taskstats did not measure")
summary = json.load(open(f"{work}/nocap-{pid}.json"))["taskstats_summary"]
ok(summary["eperm_count"] == 6 and summary["ok_count"] == 0,
   "without CAP_NET_ADMIN: six queries refused with EPERM", summary)
ok(all(t["state"] == "S" for t in auto.values()), "auto: every thread sleeps (S from stat)")
ok(auto[int(pid)]["nr_threads"] == 6, "auto: the leader's nr_threads from stat", auto[int(pid)]["nr_threads"])
ok(auto[int(pid)]["comm"] == "ctprof-sleeper", "auto: comm from stat", auto[int(pid)]["comm"])
if dom:
    want = {t: (f"{dom}/t" if str(t) == threaded_tid else dom) for t in auto}
    got = {t: auto[t]["cgroup"] for t in auto}
    ok(got == want, "auto: the thread in the threaded child keeps its own cgroup", got)
    ok(all(t["cgroup"] == plain for t in threads(f"auto-{pid2}").values()),
       "auto: a plain domain's threads share its cgroup")
print(f"# {n} checks")
PYEOF
[ $? -eq 0 ] || not_ok "capture_sources: python checks"

# Which files each plan opened, as the kernel saw the calls.
if command -v strace >/dev/null; then
	opened() { # SOURCES FILE [PID]: how often a file of that name was opened
		# LeakSanitizer cannot run under ptrace: off for these runs only.
		ASAN_OPTIONS=detect_leaks=0 strace -f -qq -e trace=openat -o "$work/trace" \
			"$CTPROF" capture --no-jemalloc --pid "${3:-$pid}" --sources "$1" -o "$work/s.zst"
		grep -cE "\"(task/[0-9]+/)?$2\", O_RDONLY" "$work/trace"
	}
	# Six threads; the process's own comm, stat and cgroup are read once.
	for f in status schedstat; do
		check_eq "files: $f opened once per thread" 6 "$(opened files "$f")"
		check_eq "auto: $f not opened" 0 "$(opened auto "$f")"
	done
	# taskstats masks its io counters to KiB: io stays a file in both plans.
	check_eq "files: io opened once per thread" 6 "$(opened files io)"
	check_eq "auto: io opened once per thread" 6 "$(opened auto io)"
	check_eq "files: comm per thread and for the process" 7 "$(opened files comm)"
	check_eq "auto: comm for the process only (threads' from stat)" 1 "$(opened auto comm)"
	check_eq "auto: stat per thread and for the process" 7 "$(opened auto stat)"
	check_eq "auto: sched per thread" 6 "$(opened auto sched)"
	check_eq "auto: smaps_rollup for the leader" 1 "$(opened auto smaps_rollup)"
	if [ -n "$dom" ]; then
		# The threaded domain: every thread reads its own; the plain one: once.
		check_eq "auto, threaded domain: cgroup per thread and per process" 7 \
			"$(opened auto cgroup)"
		check_eq "auto, plain domain: cgroup read once per process" 1 \
			"$(opened auto cgroup "$pid2")"
	fi
else
	skip "opened files" "no strace on this machine"
fi

# ---- the daemon's idle-thread memo ----
# A target that reads a file when poked (SIGUSR1, in its main thread), with
# N threads that run a hundred times a second and never read or write.
cat >"$work/target.py" <<'PYEOF'
import signal, sys, threading, time
def spin():
    while True:
        sum(range(2000))
        time.sleep(0.01)
for _ in range(int(sys.argv[1])):
    threading.Thread(target=spin, daemon=True).start()
def poke(*_):
    with open("/etc/hostname", "rb") as f:
        f.read()
signal.signal(signal.SIGUSR1, poke)
print("ready", flush=True)
while True:
    signal.pause()
PYEOF
start_target() { # N NAME: sets $target_pid once it is ready
	$PY "$work/target.py" "$1" >"$work/$2.ready" &
	target_pid=$!
	for _ in $(seq 100); do grep -q ready "$work/$2.ready" && break; sleep 0.05; done
}
io_of() { awk '$1 == "rchar:" || $1 == "syscr:" { print $2 }' "/proc/$1/io" | paste -sd' '; }
poke() { # PID: until its read shows in its io
	local before
	before=$(io_of "$1")
	kill -USR1 "$1"
	for _ in $(seq 50); do [ "$(io_of "$1")" != "$before" ] && break; sleep 0.02; done
	sleep 0.1 # back to pause()
}
logged() { # KEY: that count of each "capture complete" line of $log, one a line
	sed -n "s/.*msg=\"capture complete\".* $1=\([0-9]*\).*/\1/p" "$log"
}
start_target 0 poke
poker=$target_pid
log=$work/memo.log
start_exporter "$work/memo.log" --capture.min-interval=0s --no-collector.jemalloc \
	--log.level=debug || exit 1
download() { # NAME: a capture of the daemon's, as JSON
	curl -sf "$base/snapshot.ctprof.zst" | zstd -q -dc >"$work/$1.json"
	check_eq "daemon $1: snapshot downloaded" 0 "${PIPESTATUS[0]}"
}
download d1
check_eq "daemon: the first captures reuse nothing" 0 "$(logged reused | head -n1)"
download d2
r2=$(logged reused | tail -n1)
check_eq "daemon: an idle capture reuses at least the eleven sleeper threads" 1 \
	"$([ "${r2:-0}" -ge 11 ] && echo 1 || echo 0)"
curl -sf "$base/metrics" -o "$work/memo.prom"
check_eq "daemon: ctprof_capture_threads_reused is the capture's count" "$(logged reused | tail -n1)" \
	"$(awk '$1 == "ctprof_capture_threads_reused" { print $2 }' "$work/memo.prom")"
capture "files-d-$pid" -- --pid "$pid" --sources files
capture "files-d-$pid2" -- --pid "$pid2" --sources files
io_before=$(io_of "$poker")
poke "$poker"
download d3
io_after=$(io_of "$poker")
stop_exporter
kill "$poker" 2>/dev/null; wait "$poker" 2>/dev/null

"$PY" - "$work" "$pid" "$pid2" "$poker" "$io_before" "$io_after" <<'PYEOF'
import json, sys
work, pid, pid2, poker, io_before, io_after = sys.argv[1:]
SMAPS_STABLE = ("Rss", "Anonymous", "Private_Dirty", "Swap")
def threads(name):
    out = {}
    for t in json.load(open(f"{work}/{name}.json"))["threads"]:
        t["smaps_rollup_kib"] = {k: v for k, v in t["smaps_rollup_kib"].items() if k in SMAPS_STABLE}
        out[t["tid"]] = t
    return out
def ok(cond, name, detail=""):
    print(("ok" if cond else "not ok") + f" - {name}" + ("" if cond else f": {detail}"))
d2, d3 = threads("d2"), threads("d3")
for p in (pid, pid2):
    files = threads(f"files-d-{p}")
    diffs = [(tid, f, v, d2.get(tid, {}).get(f)) for tid, t in files.items()
             for f, v in t.items() if d2.get(tid, {}).get(f) != v]
    ok(not diffs, f"daemon, reused capture: pid {p}'s threads equal a files capture", diffs[:6])
p = int(poker)
before, after = [list(map(int, s.split())) for s in (io_before, io_after)]
ok(after[0] > before[0] and after[1] > before[1], "the poke read a file", (before, after))
ok([d2[p]["rchar"], d2[p]["syscr"]] == before, "daemon: io before the poke", (d2[p]["rchar"], d2[p]["syscr"], before))
ok([d3[p]["rchar"], d3[p]["syscr"]] == after, "daemon: io read afresh after the poke", (d3[p]["rchar"], d3[p]["syscr"], after))
PYEOF
[ $? -eq 0 ] || not_ok "capture_sources: daemon python checks"

# ---- the daemon's io gate ----
# Three threads that run a hundred times a second (the idle memo cannot
# skip them) and never read or write; the main thread reads a file when
# poked. While the process's io totals stay put, the daemon must not open
# the spinners' io files and must serve the values they hold; after the
# poke it must read them all again. strace, attached to the daemon after
# its first capture, counts the opens of the four captures that follow.
start_target 3 spin
spinner=$target_pid
spin_tids=$(ls "/proc/$spinner/task" | sort -n | grep -vx "$spinner" | paste -sd' ')
check_eq "spinner has three threads besides its main one" 3 "$(echo "$spin_tids" | wc -w)"
if command -v strace >/dev/null; then
	# LeakSanitizer cannot stop threads that strace holds: the daemon exits
	# after strace has let go, but checks for leaks elsewhere, not here.
	ASAN_OPTIONS=detect_leaks=0 start_exporter "$work/gate.log" --capture.min-interval=0s \
		--no-collector.jemalloc --log.level=debug || exit 1
	# Ready once the start's capture is done: that one is the baseline.
	for _ in $(seq 100); do curl -sf "$base/-/ready" >/dev/null && break; sleep 0.05; done
	strace -f -qq -e trace=openat -p "$exporter_pid" -o "$work/gate.trace" 2>/dev/null &
	strace_pid=$!
	for _ in $(seq 100); do
		[ "$(awk '/^TracerPid:/ { print $2 }' "/proc/$exporter_pid/status")" != 0 ] && break
		sleep 0.05
	done
	download g1 # the totals have not moved since the start's capture
	download g2
	capture "files-spin" -- --pid "$spinner" --sources files
	curl -sf "$base/metrics" -o "$work/gate.prom" # a third capture, still unmoved
	log=$work/gate.log
	gate_reused=$(logged io_reused | tail -n1)
	check_eq "daemon: ctprof_capture_threads_io_reused is the capture's count" "$gate_reused" \
		"$(awk '$1 == "ctprof_capture_threads_io_reused" { print $2 }' "$work/gate.prom")"
	check_eq "daemon: the gate carried over at least the three spinners" 1 \
		"$([ "${gate_reused:-0}" -ge 3 ] && echo 1 || echo 0)"
	poke "$spinner"
	download g3 # moved: every spinner read again
	kill "$strace_pid" 2>/dev/null
	wait "$strace_pid" 2>/dev/null
	strace_pid=""
	stop_exporter
	for t in $spin_tids; do
		check_eq "daemon: spinner $t's io opened after the poke only" 1 \
			"$(grep -c "\"task/$t/io\", O_RDONLY" "$work/gate.trace")"
		check_eq "daemon: spinner $t's sched opened in all four captures" 4 \
			"$(grep -c "\"task/$t/sched\", O_RDONLY" "$work/gate.trace")"
	done
	"$PY" - "$work" "$spinner" "$spin_tids" <<'PYEOF'
import json, sys
work, spinner, tids = sys.argv[1], int(sys.argv[2]), [int(t) for t in sys.argv[3].split()]
IO = ("rchar", "wchar", "syscr", "syscw", "read_bytes", "write_bytes", "cancelled_write_bytes")
def threads(name):
    return {t["tid"]: t for t in json.load(open(f"{work}/{name}.json"))["threads"]}
def ok(cond, name, detail=""):
    print(("ok" if cond else "not ok") + f" - {name}" + ("" if cond else f": {detail}"))
g1, g2, g3, files = threads("g1"), threads("g2"), threads("g3"), threads("files-spin")
live = {}
for t in [spinner] + tids:
    with open(f"/proc/{spinner}/task/{t}/io") as f:
        live[t] = {k.rstrip(":"): int(v) for k, v in (line.split() for line in f)}
for t in tids:
    ok(g1[t]["run_time_ns"] < g2[t]["run_time_ns"], f"spinner {t} ran between the first two captures")
    for name, snap in (("carried over", g2), ("read again", g3)):
        diffs = [(k, snap[t][k], files[t][k]) for k in IO if snap[t][k] != files[t][k]]
        ok(not diffs, f"daemon, io {name}: spinner {t} equals a files capture", diffs)
m = spinner
ok(g3[m]["rchar"] > g2[m]["rchar"], "daemon: the poked main thread's rchar read afresh",
   (g2[m]["rchar"], g3[m]["rchar"]))
ok(g3[m]["rchar"] == live[m]["rchar"] and g3[m]["syscr"] == live[m]["syscr"],
   "daemon: the main thread's io after the poke equals /proc", (g3[m], live[m]))
PYEOF
	[ $? -eq 0 ] || not_ok "capture_sources: io gate python checks"
else
	skip "daemon io gate" "no strace on this machine"
fi
kill "$spinner" 2>/dev/null; wait "$spinner" 2>/dev/null; spinner=""

# Bad values: one line naming the flag, exit 2.
for args in "--sources fast" "--workers 0" "--workers 17" "--workers x"; do
	# shellcheck disable=SC2086
	"$CTPROF" capture -o "$work/bad.zst" $args 2>"$work/err"
	check_eq "capture $args: exit 2" 2 "$?"
	check_match "capture $args: names the flag" "^ctprof: --(sources|workers): " "$(head -n1 "$work/err")"
done
