#!/usr/bin/env bash
# dashboards_e2e.sh - Debian's Prometheus, configured from
# deploy/prometheus/prometheus.yml (intervals shortened to 1 s) with the
# recording rules and alerts, scrapes two exporters on loopback: the
# default grouping (job ctprof) and --group-by=pcomm,comm (job
# ctprof-detail, for the Group detail dashboard). After ~12 s of scrapes,
# every rule must evaluate without error and every recording rule return
# a series; every variable of every dashboard must resolve; every query of
# every panel, with the variables filled in (once with "All", once with one
# real value each), must return at least one series and no error.
#
# So that every panel has data on this host: a redis-server (which links
# jemalloc) for the jemalloc panels; kernel.task_delayacct=1 while the test
# runs (restored after; it needs root and no other ctprof test running on
# the host, since the sysctl is global; CTPROF_TEST_DELAYACCT=0 never
# touches it); and a small Python process doing O_DIRECT reads and
# copy-on-write faults so the blkio and wpcopy per-delay rules have delays.
# A query or recording rule may come back empty only when this host
# provably lacks its input: a metric the registry gates on an unavailable
# source (or, for the delays but cpu's, task_delayacct off) is not
# exported, or a rule's denominator did not move in the window. That is a
# skip with the reason; any other empty result fails.
set -u
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
work=$(mktemp -d)
main_pid="" detail_pid="" redis_pid="" maker_pid="" prom_pid="" delayacct_saved=""
stop_pid() { [ -n "$1" ] && kill -TERM "$1" 2>/dev/null && wait "$1" 2>/dev/null; }
cleanup() {
	stop_pid "$prom_pid"
	stop_pid "$main_pid"
	stop_pid "$detail_pid"
	stop_pid "$maker_pid"
	stop_pid "$redis_pid"
	[ -n "$delayacct_saved" ] && echo "$delayacct_saved" >/proc/sys/kernel/task_delayacct
	rm -rf "$work"
}
trap cleanup EXIT
exporter_pid="" # lib.sh's stop_exporter is not used: two exporters run

# Other ctprof tests running now (another suite on this host), not this
# test's own ancestors: they read kernel.task_delayacct and must not see it
# flip under them.
ancestors() {
	local p=$$
	while [ "$p" -gt 1 ] 2>/dev/null; do
		echo "$p"
		p=$(awk '{ print $4 }' "/proc/$p/stat" 2>/dev/null) || break
	done
}
other_tests() {
	local mine
	mine=" $(ancestors | tr '\n' ' ')"
	for p in $(pgrep -f 'tests/run\.sh|tests/integration/[a-z_]+\.sh|/tests/test_[a-z_]+$'); do
		case $mine in *" $p "*) ;; *) [ "$p" != "$BASHPID" ] && echo "$p" ;; esac
	done
}

# ---- what the panels read: delay accounting, jemalloc, delays ----
da=/proc/sys/kernel/task_delayacct
if [ -r "$da" ] && [ "$(cat "$da")" = 1 ]; then
	echo "# kernel.task_delayacct is already 1"
elif [ "${CTPROF_TEST_DELAYACCT:-auto}" = 0 ]; then
	skip "delay accounting" "CTPROF_TEST_DELAYACCT=0: kernel.task_delayacct left at 0; delay queries are skipped"
elif [ -n "$(other_tests)" ]; then
	skip "delay accounting" "other ctprof tests are running on this host (pids $(other_tests | tr '\n' ' ')); not flipping kernel.task_delayacct under them, delay queries are skipped"
elif [ -w "$da" ] && echo 1 2>/dev/null >"$da"; then
	delayacct_saved=0
	echo "# kernel.task_delayacct set to 1 for this test (restored on exit)"
else
	skip "delay accounting" "cannot set kernel.task_delayacct=1 (not root?); delay queries are skipped"
fi

redis-server --port 0 --unixsocket "$work/redis.sock" --daemonize no --save '' \
	--appendonly no >"$work/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 100); do [ -S "$work/redis.sock" ] && break; sleep 0.05; done
check_eq "redis-server (jemalloc) is up" yes "$([ -S "$work/redis.sock" ] && echo yes)"

# O_DIRECT reads (blkio delays) and writes to pages shared with a forked
# child (wpcopy delays), in one long-lived thread the exporter keeps seeing.
cat >"$work/delays.py" <<'PYEOF'
import mmap, os, sys, time
path = sys.argv[1]
with open(path, "wb") as f:
    f.write(os.urandom(1 << 20))
buf = mmap.mmap(-1, 1 << 20)
region = mmap.mmap(-1, 4 << 20, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
region.write(b"x" * (4 << 20))
print("ready", flush=True)
while True:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECT)
    os.preadv(fd, [buf], 0)
    os.close(fd)
    pid = os.fork()
    if pid == 0:
        time.sleep(0.05)
        os._exit(0)
    for off in range(0, 4 << 20, 4096):
        region[off] = 1
    os.waitpid(pid, 0)
    time.sleep(0.2)
PYEOF
"$PY" "$work/delays.py" "$work/direct.bin" >"$work/delays.out" 2>&1 &
maker_pid=$!
for _ in $(seq 100); do grep -q ready "$work/delays.out" && break; sleep 0.05; done

# ---- the two exporters ----
start_exporter "$work/main.log" || exit 1
main_pid=$exporter_pid main_target=${base#http://}
wait_ready || not_ok "exporter (default grouping) ready"
start_exporter "$work/detail.log" --group-by=pcomm,comm || exit 1
detail_pid=$exporter_pid detail_target=${base#http://}
wait_ready || not_ok "exporter (--group-by=pcomm,comm) ready"
exporter_pid=""

# ---- Prometheus from the example configuration ----
cp "$CTPROF_TOP"/deploy/prometheus/ctprof-rules.yml "$CTPROF_TOP"/deploy/prometheus/ctprof-alerts.yml "$work/"
sed -e 's/scrape_interval: 15s/scrape_interval: 1s/' \
	-e 's/evaluation_interval: 15s/evaluation_interval: 1s/' \
	-e 's/scrape_timeout: 10s/scrape_timeout: 1s/' \
	-e "s/localhost:10042/$main_target/" \
	"$CTPROF_TOP/deploy/prometheus/prometheus.yml" >"$work/prometheus.yml"
cat >>"$work/prometheus.yml" <<YML
  - job_name: ctprof-detail
    scrape_timeout: 1s
    static_configs:
      - targets:
          - $detail_target
YML
for want in "^  scrape_interval: 1s$" "^  evaluation_interval: 1s$" "^    scrape_timeout: 1s$" \
	"^          - $main_target$"; do
	grep -q -- "$want" "$work/prometheus.yml" || not_ok "test configuration" "no line /$want/"
done
out=$(promtool check config "$work/prometheus.yml" 2>&1)
check_eq "promtool check config (test configuration)" 0 "$?"
port=$("$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
	--web.listen-address="127.0.0.1:$port" >"$work/prometheus.log" 2>&1 &
prom_pid=$!
prom="http://127.0.0.1:$port"
for _ in $(seq 100); do
	[ "$(curl -s -o /dev/null -w '%{http_code}' "$prom/-/ready")" = 200 ] && break
	sleep 0.1
done
# Both targets scraped, then ~12 s of data: rate() windows hold samples.
for _ in $(seq 100); do
	n=$(curl -s "$prom/api/v1/query" --data-urlencode 'query=count(up == 1)' |
		"$PY" -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null)
	[ "$n" = 2 ] && break
	sleep 0.2
done
check_eq "prometheus scrapes both exporters" 2 "$n"
sleep 12

"$CTPROF" metric-list >"$work/metrics.md"
"$PY" - "$prom" "$CTPROF_TOP/grafana" "$work/metrics.md" <<'PYEOF'
import json, re, sys, urllib.parse, urllib.request

prom, grafana = sys.argv[1], sys.argv[2]
# Per-thread metric -> (field source, kernel config gates), from metric-list.
REGISTRY = {}
for line in open(sys.argv[3]):
    m = re.match(r"\| `(ctprof_[a-z_]+)` \|(?:[^|]*\|){3} [^|]*\((\w+)\) \|[^|]*\| ([^|]*) \|", line)
    if m:
        REGISTRY[m.group(1)] = (m.group(2), m.group(3).split() if m.group(3) != "-" else [])
GATE_SOURCE = {"SCHED_INFO": "sched_info", "SCHEDSTATS": "schedstats",
               "SCHED_CORE": "sched_core", "SCHED_CLASS_EXT": "sched_ext",
               "TASK_IO_ACCOUNTING": "io_accounting", "TASKSTATS": "taskstats",
               "TASK_DELAY_ACCT": "delayacct", "TASK_XACCT": "xacct"}

def api(path, **params):
    url = prom + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
    try:
        body = json.load(urllib.request.urlopen(url, timeout=10))
    except urllib.error.HTTPError as e:
        body = json.load(e)
    return body

def query(expr):
    """(series list, error text or None)."""
    r = api("/api/v1/query", query=expr)
    if r.get("status") != "success":
        return [], r.get("error", "unknown error")
    return r["data"]["result"], None

def ok(name): print("ok - " + name)
def not_ok(name, why): print("not ok - %s: %s" % (name, why))
def skip(name, why): print("skip - %s: %s" % (name, why))

def scalar(expr):
    res, err = query(expr)
    return float(res[0]["value"][1]) if res and not err else None

def absent_metrics(expr):
    """The ctprof_ metrics expr reads that Prometheus has no series of."""
    names = sorted(set(re.findall(r"\b(ctprof_[a-z_]+)", expr)))
    return [n for n in names if not scalar('count({__name__="%s"})' % n)]

def absent_reason(missing):
    """Why this host exports none of missing, or None when nothing explains it:
    a kernel source the registry gates the metric on is unavailable here,
    delay accounting is off (every delay but cpu's), or no jemalloc."""
    res, _ = query("max by (source) (ctprof_source_available)")
    avail = {r["metric"]["source"]: r["value"][1] == "1" for r in res}
    info, _ = query("ctprof_host_info")
    delayacct = set(r["metric"].get("task_delayacct") for r in info)
    why = []
    for m in missing:
        src, gates = REGISTRY.get(m, (None, []))
        off = [GATE_SOURCE[g] for g in gates if not avail.get(GATE_SOURCE.get(g), True)]
        if src == "jemalloc" and not avail.get("jemalloc", True):
            off.append("jemalloc")
        if off:
            why.append("%s (source unavailable: %s)" % (m, ", ".join(off)))
        elif "TASK_DELAY_ACCT" in gates and not m.startswith("ctprof_cpu_delay") \
                and delayacct != {"on"}:
            why.append("%s (kernel.task_delayacct: %s)" % (m, ", ".join(sorted(delayacct))))
        else:
            return None
    return "this host does not export " + "; ".join(why)

# ---- rules ----
groups = api("/api/v1/rules")["data"]["groups"]
rules = [r for g in groups for r in g["rules"]]
records = [r for r in rules if r["type"] == "recording"]
alerts = [r for r in rules if r["type"] == "alerting"]
print("# %d recording rules, %d alerts loaded" % (len(records), len(alerts)))
(ok if (len(records), len(alerts)) == (17, 5) else
 lambda n: not_ok(n, "%d and %d" % (len(records), len(alerts))))(
    "prometheus loaded the 17 recording rules and 5 alerts")
for r in rules:
    name = r.get("name")
    if r.get("health") == "ok" and not r.get("lastError"):
        ok("rule %s evaluates without error" % name)
    else:
        not_ok("rule %s evaluates without error" % name,
               "%s %s" % (r.get("health"), r.get("lastError")))
for r in records:
    name = "recording rule %s returns a series" % r["name"]
    res, err = query(r["name"])
    if err:
        not_ok(name, err)
    elif res:
        ok(name)
    else:
        missing = absent_metrics(r["query"])
        m = re.search(r"/ \(\(?rate\((ctprof_[a-z_]+)\[5m\]\)", r["query"])
        if missing:
            why = absent_reason(missing)
            (skip if why else not_ok)(name, why or "unexplained: no " + ", ".join(missing))
        elif m and scalar("sum(rate(%s[5m]))" % m.group(1)) == 0:
            skip(name, "%s did not increase in the window (no such events on this host)"
                 % m.group(1))
        else:
            not_ok(name, "no series: " + r["query"])

# ---- dashboards ----
RATE_INTERVAL = "6s"  # Grafana's max(step + scrape interval, 4 x scrape interval), 1 s scrapes
JOB = {"ctprof-group-detail": "ctprof-detail"}
PREFER = "redis-server"  # the jemalloc process this test started

def regex_escape(v):
    """Grafana's prometheusSpecialRegexEscape for multi-value variables."""
    v = v.replace("\\", "\\\\\\\\")
    return re.sub(r"[$^*{}\[\]'+?.()|]", lambda m: "\\\\" + m.group(0), v)

def interpolate(text, values, variables):
    def sub(m):
        name = m.group(1) or m.group(2)
        if name == "__rate_interval":
            return RATE_INTERVAL
        if name not in values:
            return m.group(0)
        v, var = values[name], variables[name]
        if v is ALL:
            return var["allValue"]
        if var.get("multi") or var.get("includeAll"):
            return regex_escape(v)
        return v.replace("\\", "\\\\").replace("'", "\\'")
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", sub, text)

ALL = object()

def label_values(q, values, variables):
    m = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", q.strip())
    if not m:
        return None
    selector, label = interpolate(m.group(1), values, variables), m.group(2)
    r = api("/api/v1/label/%s/values" % label, **{"match[]": selector})
    return sorted(r.get("data") or [])

def resolve(dash, mode):
    """Fill every variable like Grafana: mode "all" or "one"."""
    uid = dash["uid"]
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    values = {}
    for v in dash["templating"]["list"]:
        if v["type"] == "datasource":
            continue
        name = "%s: variable $%s resolves" % (uid, v["name"])
        vals = label_values(v["definition"], values, variables)
        if not vals:
            not_ok(name, "no values for " + v["definition"])
            return None, variables
        if mode == "all":
            ok(name + " (%d values)" % len(vals))
        if v["name"] == "job":
            want = JOB.get(uid, "ctprof")
            if want not in vals:
                not_ok(name, "no job %s in %s" % (want, vals))
                return None, variables
            values["job"] = want
        elif mode == "all" and v.get("includeAll"):
            values[v["name"]] = ALL
        else:
            values[v["name"]] = PREFER if PREFER in vals else vals[0]
    return values, variables

for uid in ("ctprof-overview", "ctprof-group-detail", "ctprof-exporter-health"):
    dash = json.load(open("%s/%s.json" % (grafana, uid)))
    for mode in ("all", "one"):
        values, variables = resolve(dash, mode)
        if values is None:
            continue
        shown = ", ".join("%s=%s" % (k, "All" if v is ALL else v) for k, v in values.items())
        print("# %s with %s" % (uid, shown))
        for p in dash["panels"]:
            for t in p.get("targets", []):
                expr = interpolate(t["expr"], values, variables)
                name = "%s [%s]: %s / %s" % (uid, mode, p["title"], t["refId"])
                res, err = query(expr)
                if err:
                    not_ok(name, "%s: %s" % (err, expr))
                elif res:
                    ok(name)
                else:
                    missing = absent_metrics(expr)
                    why = missing and absent_reason(missing)
                    if why:
                        skip(name, why)
                    elif missing:
                        not_ok(name, "unexplained: no %s: %s" % (", ".join(missing), expr))
                    else:
                        not_ok(name, "no series: " + expr)
PYEOF
