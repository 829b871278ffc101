#!/usr/bin/env bash
# reliability_faults.sh - ctprof-exporter (ASan) while things go wrong
# under it; in every case /metrics keeps answering, the summaries say what
# failed, nothing crashes and no thread is left stopped:
#   - thousands of threads a second start and end (tests/helpers/
#     thread_storm) beside a jemalloc target whose threads churn, while
#     every scrape captures the live host;
#   - a jemalloc target SIGKILLed while the probe has one of its threads
#     stopped (tests/helpers/probe_race.py acts on the target's TracerPid);
#   - SIGTERM to the daemon while the probe has a thread stopped: exit 0;
#   - the taskstats socket refused (CAP_NET_ADMIN dropped with setpriv):
#     ctprof_taskstats_queries{result="eperm"} counts every query;
#   - no cgroup2 root (--path.cgroupfs pointing nowhere): no cgroup series
#     instead of zeros, and the startup line says cgroup2=none;
#   - a synthetic /proc tree whose files vanish, turn into directories or
#     garbage while it is being captured (as root), and one whose files
#     answer EACCES (the daemon run as nobody: root reads past mode 000),
#     counted file by file in ctprof_parse_read_failures.
set -u
. "$CTPROF_TOP/tests/lib.sh"
. "$CTPROF_TOP/tests/reliability_lib.sh"
RACE="$CTPROF_TOP/tests/helpers/probe_race.py"
work=$(mktemp -d)
chmod 755 "$work" # the EACCES case reads a tree in here as nobody
storm="" keeper="" mutator=""
cleanup() {
	stop_exporter
	stop_churn
	for p in $storm $keeper $mutator; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	rm -rf "$work"
}
trap cleanup EXIT

# race TRIES OUT TARGET VICTIM SIGNAL: probe_race.py until it hits (sends
# SIGNAL to VICTIM while a thread of TARGET is traced), at most TRIES
# scrapes; their output in OUT. Succeeds on a hit.
race() {
	local i
	: >"$2"
	for i in $(seq "$1"); do
		"$PY" "$RACE" "$base/metrics" "$3" "$4" "$5" >>"$2" 2>&1
		grep -q '^hit' "$2" && return 0
	done
	return 1
}

# scrape_n N FILE_PREFIX: N scrapes of $base/metrics, each kept; prints how many got 200.
scrape_n() {
	local i n=0
	for i in $(seq "$1"); do
		[ "$(curl -s -m 60 -o "$2.$i" -w '%{http_code}' "$base/metrics")" = 200 ] && n=$((n + 1))
	done
	echo "$n"
}

# no_stopped NAME PID...: no thread of these processes is in tracing stop
# or traced, now and 0.2 s later (a stop in progress has ended by then).
no_stopped() {
	local name=$1 out
	shift
	out=$(stopped_threads "$@")
	[ -n "$out" ] && sleep 0.2 && out=$(stopped_threads "$@")
	check_eq "$name: no thread left stopped or traced" "" "$out"
}

# A long-lived jemalloc target, probed by every capture below.
"$CTPROF_BUILD/tests/jemalloc/je_dynamic" 3 >"$work/keeper.out" &
keeper=$!
for _ in $(seq 100); do [ "$(wc -l <"$work/keeper.out")" -ge 4 ] && break; sleep 0.05; done

# ---- thread storm and churn while scraping ----
"$CTPROF_BUILD/tests/helpers/thread_storm" 4 >"$work/storm.out" &
storm=$!
for _ in $(seq 100); do grep -q ready "$work/storm.out" && break; sleep 0.05; done
start_churn "$work" || exit 1
start_exporter "$work/storm.log" --capture.min-interval=0s || exit 1
wait_ready
t0=$(date +%s%N)
ok200=$(scrape_n 15 "$work/storm.prom")
kill -TERM "$storm"
wait "$storm"
storm=""
ms=$((($(date +%s%N) - t0) / 1000000))
created=$(sed -n 's/^created //p' "$work/storm.out")
rate=$((created * 1000 / (ms > 0 ? ms : 1)))
check_eq "storm: the workload started >= 1000 threads a second (${rate}/s)" 1 "$((rate >= 1000))"
check_eq "storm: 15 scrapes, each a capture, all 200" 15 "$ok200"
check_match "storm: the parse summary is served" '^[0-9]+$' \
	"$(metric "$work/storm.prom.15" ctprof_parse_tids_walked)"
check_match "storm: the churning target is probed" '^[1-9]' \
	"$(metric "$work/storm.prom.15" ctprof_probe_jemalloc_detected)"
no_stopped "storm" "$churn_pid" "$keeper"
printf p >&8
sleep 0.2
check_eq "storm: the churning target still answers on its epoll thread" 1 "$(pongs "$work")"
stop_churn

# ---- a probed target killed mid-probe ----
# Each round a new target, scraped (at most 5 times) until it is SIGKILLed
# while one of its threads is traced.
hits=0
for round in $(seq 6); do
	start_churn "$work" || exit 1
	race 5 "$work/race.$round" "$churn_pid" "$churn_pid" SIGKILL && hits=$((hits + 1))
	check_eq "killed mid-probe, round $round: every scrape still got 200" "" \
		"$(grep '^scrape' "$work/race.$round" | grep -v '^scrape 200$')"
	stop_churn
done
echo "# killed while a thread was traced in $hits of 6 rounds"
awk '/^hit/ { h = 1 } h && /^probe_failures/ { $1 = "# probe failures of that capture:"; print; h = 0 }' \
	"$work"/race.*
failed=$(awk '/^hit/ { h = 1 } h && /^probe_failed/ { s += $2; h = 0 } END { print s + 0 }' "$work"/race.*)
check_eq "killed mid-probe: the probe summary of those captures counts failures ($failed)" 1 \
	"$((failed > 0))"
check_eq "killed mid-probe: the target died with a thread traced (>= 3 of 6 rounds, got $hits)" 1 \
	"$((hits >= 3))"
check_eq "killed mid-probe: /metrics still answers" 200 \
	"$(curl -s -o /dev/null -w '%{http_code}' "$base/metrics")"
no_stopped "killed mid-probe: the other target" "$keeper"
stop_exporter
check_eq "storm and kills: clean exit on SIGTERM" 0 "$exporter_status"
check_eq "storm and kills: no sanitizer report" "" "$(sanitizer_report "$work/storm.log")"

# ---- SIGTERM while the probe has a thread stopped ----
# Each round a new daemon, scraped (at most 12 times) until it gets SIGTERM
# while a thread of the target is traced.
start_churn "$work" || exit 1
hits=0
for round in 1 2 3; do
	start_exporter "$work/term.$round.log" --capture.min-interval=0s || exit 1
	wait_ready
	# Up to 12 scrapes: the walker pool makes each capture, and its window, short.
	if race 12 "$work/term.$round" "$churn_pid" "$exporter_pid" SIGTERM; then
		hits=$((hits + 1))
	else
		kill -TERM "$exporter_pid" # never caught a stop: stop it anyway
	fi
	wait "$exporter_pid"
	exporter_status=$?
	exporter_pid=""
	check_eq "SIGTERM mid-capture, round $round: exit 0" 0 "$exporter_status"
	check_eq "SIGTERM mid-capture, round $round: no sanitizer report" "" \
		"$(sanitizer_report "$work/term.$round.log")"
	no_stopped "SIGTERM mid-capture, round $round" "$churn_pid" "$keeper"
done
echo "# SIGTERM arrived with a thread traced in $hits of 3 rounds"
check_eq "SIGTERM mid-capture: arrived with a thread traced (>= 2 of 3 rounds, got $hits)" 1 \
	"$((hits >= 2))"
printf p >&8
sleep 0.2
check_eq "SIGTERM mid-capture: the target still answers" 1 "$(pongs "$work")"
stop_churn

# ---- taskstats refused: no CAP_NET_ADMIN ----
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	skip "taskstats refused" "needs root and setpriv"
else
	EXPORTER_WRAP="setpriv --bounding-set -net_admin --inh-caps -net_admin" \
		start_exporter "$work/nonet.log" --capture.min-interval=0s || exit 1
	wait_ready
	check_eq "taskstats refused: /metrics 200" 200 \
		"$(curl -s -o "$work/nonet.prom" -w '%{http_code}' "$base/metrics")"
	check_match "taskstats refused: every query counted as eperm" '^[1-9][0-9]* 0$' \
		"$(metric "$work/nonet.prom" 'ctprof_taskstats_queries{result="eperm"}') $(metric "$work/nonet.prom" 'ctprof_taskstats_queries{result="ok"}')"
	check_match "taskstats refused: the startup line says why" 'taskstats="no CAP_NET_ADMIN"' \
		"$(grep 'msg="host sources"' "$work/nonet.log")"
	check_match "taskstats refused: thread families still served" '^ctprof_threads\{' \
		"$(grep '^ctprof_threads{' "$work/nonet.prom" | head -n1)"
	stop_exporter
	check_eq "taskstats refused: clean exit" 0 "$exporter_status"
fi

# ---- no cgroup2 root ----
start_exporter "$work/nocg.log" --path.cgroupfs="$work/no-such-dir" || exit 1
wait_ready
check_eq "no cgroup root: /metrics 200" 200 "$(curl -s -o "$work/nocg.prom" -w '%{http_code}' "$base/metrics")"
check_eq "no cgroup root: no cgroup series (not zeros)" 0 "$(grep -c '^ctprof_cgroup_' "$work/nocg.prom")"
check_match "no cgroup root: thread families still served" '^ctprof_threads\{' \
	"$(grep '^ctprof_threads{' "$work/nocg.prom" | head -n1)"
check_match "no cgroup root: the startup line says cgroup2=none" 'cgroup2=none' \
	"$(grep 'msg="host sources"' "$work/nocg.log")"
stop_exporter
check_eq "no cgroup root: clean exit" 0 "$exporter_status"

# ---- synthetic /proc: files vanish, become directories or garbage ----
tree="$work/tree"
"$CTPROF_BUILD/tests/helpers/make_proc_tree" "$tree" 20 50
cp -a "$tree" "$work/pristine"
start_exporter "$work/tree.log" --path.procfs="$tree" --path.sysfs="$tree" \
	--path.cgroupfs="$tree" --capture.min-interval=0s || exit 1
wait_ready
"$PY" - "$tree" "$work/pristine" 8 >"$work/mutator.out" 2>&1 <<'PYEOF' &
# Mutate random thread files for SECS seconds, putting each back soon after.
import os, random, shutil, sys, time
tree, pristine, secs = sys.argv[1], sys.argv[2], float(sys.argv[3])
files = ["stat", "status", "io", "sched", "schedstat", "cgroup", "comm", "smaps_rollup"]
tasks = [os.path.join(p, "task", t) for p in os.listdir(tree) if p.isdigit()
         for t in os.listdir(os.path.join(tree, p, "task"))]
done = {"vanish": 0, "dir": 0, "garbage": 0, "empty": 0, "task-gone": 0}
end = time.monotonic() + secs
while time.monotonic() < end:
    task = random.choice(tasks)
    where = os.path.join(tree, task)
    if random.random() < 0.1:
        shutil.rmtree(where, ignore_errors=True)
        done["task-gone"] += 1
    else:
        path = os.path.join(where, random.choice(files))
        how = random.choice(["vanish", "dir", "garbage", "empty"])
        try:
            os.remove(path)
            if how == "dir":
                os.mkdir(path)
            elif how == "garbage":
                open(path, "wb").write(os.urandom(random.randint(1, 512)))
            elif how == "empty":
                open(path, "wb").close()
            done[how] += 1
        except OSError:
            pass
    if random.random() < 0.05:  # put a task back as it was
        back = random.choice(tasks)
        shutil.rmtree(os.path.join(tree, back), ignore_errors=True)
        shutil.copytree(os.path.join(pristine, back), os.path.join(tree, back))
print(" ".join("%s=%d" % kv for kv in done.items()))
PYEOF
mutator=$!
ok200=$(scrape_n 20 "$work/tree.prom")
wait "$mutator"
mutator=""
echo "# mutations: $(cat "$work/mutator.out")"
check_eq "mutating tree: 20 scrapes, each a capture, all 200" 20 "$ok200"
fails=$(cat "$work"/tree.prom.* | awk '/^ctprof_parse_read_failures\{/ { s += $2 } END { print s + 0 }')
check_eq "mutating tree: read failures are counted (${fails} over 20 captures)" 1 "$((fails > 0))"
stop_exporter
check_eq "mutating tree: clean exit" 0 "$exporter_status"
check_eq "mutating tree: no sanitizer report" "" "$(sanitizer_report "$work/tree.log")"

# ---- synthetic /proc answering EACCES: the daemon as nobody ----
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	skip "EACCES tree" "needs root and setpriv to run the daemon as nobody"
else
	rm -rf "$tree"
	"$CTPROF_BUILD/tests/helpers/make_proc_tree" "$tree" 4 5
	chmod 000 "$tree"/1000/task/1001/stat "$tree"/1000/task/1002/stat \
		"$tree"/2000/task/2001/io "$tree"/2000/task/2002/io "$tree"/2000/task/2003/io \
		"$tree"/3000/task/3001/status "$tree"/4000/task/4002
	EXPORTER_WRAP="setpriv --reuid 65534 --regid 65534 --clear-groups" \
		start_exporter "$work/eacces.log" --path.procfs="$tree" --path.sysfs="$tree" \
		--path.cgroupfs="$tree" || exit 1
	wait_ready
	check_eq "EACCES: /metrics 200" 200 "$(curl -s -o "$work/eacces.prom" -w '%{http_code}' "$base/metrics")"
	for want in stat:2 io:3 status:1 sched:0; do
		check_eq "EACCES: ${want%:*} read failures counted" "${want#*:}" \
			"$(metric "$work/eacces.prom" "ctprof_parse_read_failures{file=\"${want%:*}\"}")"
	done
	check_eq "EACCES: 20 tids walked, the one with an unreadable task directory dropped" "20 19" \
		"$(metric "$work/eacces.prom" ctprof_parse_tids_walked) $(metric "$work/eacces.prom" ctprof_capture_threads)"
	stop_exporter
	check_eq "EACCES: clean exit" 0 "$exporter_status"
	check_eq "EACCES: no sanitizer report" "" "$(sanitizer_report "$work/eacces.log")"
fi
