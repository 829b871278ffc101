#!/usr/bin/env bash
# exporter_counters.sh - ctprof-exporter over time: 20 parallel scrapes
# share one capture; a group whose threads and processes churn never sees a
# counter go down across 30 scrapes, and its utime holds the process total
# (threads reaped between captures included); interval mode serves the
# timer's capture; a scrape timeout is honoured with the last complete
# capture; a real Prometheus server scraping for 30 s sees no counter
# reset; requests past --web.max-requests get 503.
set -u
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
work=$(mktemp -d)
churn_pid=""
prom_pid=""
cleanup() {
	stop_exporter
	[ -n "$churn_pid" ] && kill "$churn_pid" 2>/dev/null && wait "$churn_pid" 2>/dev/null
	[ -n "$prom_pid" ] && kill "$prom_pid" 2>/dev/null && wait "$prom_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
ts_of() { grep '^ctprof_capture_timestamp_seconds ' "$1" | cut -d' ' -f2; }

# ---- single flight: 20 parallel scrapes, one capture ----
start_exporter "$work/sf.log" --log.level=debug || exit 1
wait_ready
sleep 1.1 # the startup capture is now older than --capture.min-interval
curls=()
for i in $(seq 20); do
	curl -s "$base/metrics" -o "$work/par.$i" &
	curls+=($!)
done
wait "${curls[@]}"
check_eq "20 parallel scrapes: one capture timestamp" 1 \
	"$(for i in $(seq 20); do ts_of "$work/par.$i"; done | sort -u | wc -l)"
check_eq "20 parallel scrapes: one capture besides the startup one" 2 \
	"$(grep -c 'msg="capture complete"' "$work/sf.log")"
stop_exporter

# ---- churn: counters never decrease, thread count follows ----
"$CTPROF_BUILD/tests/helpers/churn" >"$work/churn.ready" &
churn_pid=$!
for _ in $(seq 100); do grep -q ready "$work/churn.ready" && break; sleep 0.05; done
start_exporter "$work/churn.log" --capture.min-interval=0s || exit 1
wait_ready
for i in $(seq 30); do
	curl -s "$base/metrics" -o "$work/churn.$i"
	sleep 0.1
done
out=$("$PY" - "$work" <<'PYEOF'
import re, sys
work = sys.argv[1]
series = {}
threads = []
decreases = []
line_re = re.compile(r'^(ctprof_[a-z_]+_total)\{([^}]*)\} (\S+)$')
for i in range(1, 31):
    seen = {}
    for line in open(f"{work}/churn.{i}"):
        if line.startswith('ctprof_threads{pcomm="churny"}'):
            threads.append(int(line.split()[-1]))
        m = line_re.match(line.strip())
        if m and 'pcomm="churny"' in m.group(2):
            seen[m.group(1) + "{" + m.group(2) + "}"] = float(m.group(3))
    for k, v in seen.items():
        if k in series and v < series[k]:
            decreases.append(f"{k} {series[k]} -> {v} at scrape {i}")
        series[k] = v
names = {k.split("{")[0] for k in series}
need = ["ctprof_run_time_seconds_total", "ctprof_utime_seconds_total",
        "ctprof_voluntary_csw_total", "ctprof_minflt_total"]
print("counters", " ".join(n for n in need if n in names))
print("decreases", len(decreases), "; ".join(decreases[:3]))
print("threads", min(threads), max(threads), len(threads))
PYEOF
)
check_eq "churn: the group's counters are exported" \
	"counters ctprof_run_time_seconds_total ctprof_utime_seconds_total ctprof_voluntary_csw_total ctprof_minflt_total" \
	"$(echo "$out" | sed -n 1p)"
check_eq "churn: no counter of the group ever decreases" "decreases 0 " "$(echo "$out" | sed -n 2p)"
read -r _ tmin tmax tn <<<"$(echo "$out" | sed -n 3p)"
check_eq "churn: the group is in every scrape" 30 "$tn"
check_eq "churn: the long-lived threads are always counted" 1 "$((tmin >= 3))"
check_eq "churn: the thread count follows the short-lived threads" 1 "$((tmax > tmin))"
# Stopped, churny's CPU stands still: the group's utime holds at least
# churny's process total (with the threads reaped since any capture saw
# them), so at least what its live threads show.
kill -STOP "$churn_pid"
sleep 0.3
curl -s "$base/metrics" -o "$work/churn.stopped"
out=$("$PY" - "$work/churn.stopped" "$churn_pid" "$(getconf CLK_TCK)" <<'PYEOF'
import glob, sys
path, pid, hz = sys.argv[1], sys.argv[2], int(sys.argv[3])
def utime(stat):  # field 14, counted after the last ')'
    with open(stat) as f:
        return int(f.read().rsplit(")", 1)[1].split()[11])
group = None
for line in open(path):
    if line.startswith('ctprof_utime_seconds_total{pcomm="churny"} '):
        group = float(line.split()[-1])
total = utime(f"/proc/{pid}/stat") / hz
live = sum(utime(t + "/stat") for t in glob.glob(f"/proc/{pid}/task/*")) / hz
ok = lambda want: int(group is not None and group + 1e-9 >= want)
print(f"total {ok(total)} live {ok(live)} (group {group} s, process {total} s, threads {live} s)")
PYEOF
)
kill -CONT "$churn_pid"
check_match "churn: utime holds churny's process total, reaped threads included" '^total 1 ' "$out"
check_match "churn: utime holds churny's live threads" '^total . live 1 ' "$out"
stop_exporter
check_eq "churn: clean exit on SIGTERM" 0 "$exporter_status"

# ---- interval mode: scrapes serve the timer's capture ----
start_exporter "$work/iv.log" --capture.mode=interval --capture.interval=1s --log.level=debug || exit 1
wait_ready
curl -s "$base/metrics" -o "$work/iv.1"
curl -s "$base/metrics" -o "$work/iv.2"
check_eq "interval: back-to-back scrapes share the timer's capture" "$(ts_of "$work/iv.1")" "$(ts_of "$work/iv.2")"
sleep 2.5
n=$(grep -c 'msg="capture complete"' "$work/iv.log")
check_eq "interval: the timer captures without scrapes (>= 3 in 2.5 s)" 1 "$((n >= 3))"
curl -s "$base/metrics" -o "$work/iv.3"
check_eq "interval: a later scrape gets a newer capture" 1 \
	"$("$PY" -c "print(int(float('$(ts_of "$work/iv.3")') > float('$(ts_of "$work/iv.1")')))")"
stop_exporter

# ---- scrape timeout: a slow capture, the last complete one is served ----
"$CTPROF_BUILD/tests/helpers/make_proc_tree" "$work/big" 40 100
start_exporter "$work/slow.log" --path.procfs="$work/big" --path.sysfs="$work/big" \
	--path.cgroupfs="$work/big" --capture.min-interval=0s --log.level=debug || exit 1
wait_ready
first=$(curl -s "$base/metrics" | grep '^ctprof_capture_timestamp_seconds ')
dur=$(curl -s "$base/metrics" | sed -n 's/^ctprof_capture_duration_seconds //p')
start_ns=$(date +%s%N)
curl -s -H 'X-Prometheus-Scrape-Timeout-Seconds: 0.02' "$base/metrics" -o "$work/slow.timeout"
took_ms=$((($(date +%s%N) - start_ns) / 1000000))
if "$PY" -c "import sys; sys.exit(0 if float('$dur') > 0.05 else 1)"; then
	check_eq "timeout: answered before the 20 ms deadline ran out (+slack)" 1 "$((took_ms < 250))"
	check_match "timeout: served an earlier complete capture" '^ctprof_capture_timestamp_seconds ' \
		"$(grep '^ctprof_capture_timestamp_seconds ' "$work/slow.timeout")"
	check_eq "timeout: not the capture still running" 1 \
		"$(grep -c 'msg="capture complete"' "$work/slow.log" | awk '{print ($1 >= 3)}')"
else
	skip "timeout" "a 4,000-thread capture took only ${dur}s here; cannot outrun the deadline"
fi
stop_exporter

# ---- a real Prometheus server scrapes for 30 s: up, no counter resets ----
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
start_exporter "$work/prom-target.log" || exit 1
wait_ready
target=${base#http://}
cat >"$work/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: ctprof
    static_configs:
      - targets: ['$target']
YML
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
sleep 32
q() { curl -s "http://127.0.0.1:$port/api/v1/query" --data-urlencode "query=$1"; }
up=$(q 'up{job="ctprof"}' | "$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "none")')
check_eq "prometheus: the target is up" 1 "$up"
nseries=$(q 'count({__name__=~"ctprof_.+_total"})' | "$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)')
check_eq "prometheus: ctprof counters ingested" 1 "$((nseries > 100))"
# resets() drops the metric name, so ask one counter family at a time.
resets=$("$PY" - "http://127.0.0.1:$port" <<'PYEOF'
import json, sys, urllib.parse, urllib.request
base = sys.argv[1]
def get(path, **params):
    url = base + path + "?" + urllib.parse.urlencode(params)
    return json.load(urllib.request.urlopen(url))["data"]
names = [n for n in get("/api/v1/label/__name__/values")
         if n.startswith("ctprof_") and n.endswith("_total")]
bad = []
for n in names:
    r = get("/api/v1/query", query=f"sum(resets({n}[1m]))")["result"]
    if r and float(r[0]["value"][1]) != 0:
        bad.append(n)
print(len(names), "families;", "resets in:", " ".join(bad) or "none")
PYEOF
)
check_match "prometheus: no ctprof counter reset in 30 s" '^[0-9]+ families; resets in: none$' "$resets"

# ---- --web.max-requests: parallel requests past the limit get 503 ----
stop_exporter
[ -d "$work/big" ] || "$CTPROF_BUILD/tests/helpers/make_proc_tree" "$work/big" 40 100
start_exporter "$work/limit.log" --path.procfs="$work/big" --path.sysfs="$work/big" \
	--path.cgroupfs="$work/big" --web.max-requests=1 --capture.min-interval=0s || exit 1
wait_ready
curls=()
for i in $(seq 4); do
	curl -s -o /dev/null -w '%{http_code}\n' "$base/metrics" >"$work/limit.$i" &
	curls+=($!)
done
wait "${curls[@]}" # not a bare wait: the exporter is a child too
codes=$(cat "$work"/limit.[1-4] | sort | uniq -c | awk '{print $2 "x" $1}' | xargs)
check_match "max-requests=1: 4 parallel scrapes answer 200 or 503 only" '^((200|503)x[0-9]+ ?)+$' "$codes"
check_match "max-requests=1: one scrape is served" '(^| )200x' "$codes"
check_match "max-requests=1: the ones past the limit get 503" '(^| )503x' "$codes"
stop_exporter
