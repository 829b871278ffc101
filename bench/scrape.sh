#!/usr/bin/env bash
# bench/scrape.sh - issue 9's comparison of exporters under load: for each
# load of extra threads (bench/workload: processes of 100 sleeping threads,
# every process and thread name distinct), the capture against the
# seven-file floor (bench_capture --live), then ctprof-exporter, Debian's
# prometheus-process-exporter (grouped by comm, per-thread-name metrics on)
# and prometheus-node-exporter (processes collector only), one at a time,
# each scraped on loopback: wall, CPU and RSS per scrape, series, bytes.
# At the largest load, ctprof-exporter's RSS over a long run of scrapes,
# and the download of /snapshot.ctprof.zst next to the capture it encodes.
# Writes a markdown table to bench/results/<UTC time>.md and latest.md, and
# prints it; every ratio is computed from figures of this same run.
#
# Everything it starts (the workload, each exporter) is stopped by pid, on
# every exit path. No figure is asserted: it prints, it does not fail.
#
# usage: bench/scrape.sh BUILD_DIR [BENCH_RENDER_OUTPUT]
#   BENCH_LOADS          extra threads, multiples of 100 (default "0 2000 10000")
#   BENCH_WARMUP         warm-up scrapes before measuring (3)
#   BENCH_SCRAPES        measured scrapes, median taken (15)
#   BENCH_CAPTURE_RUNS   bench_capture runs per load (5)
#   BENCH_SNAPSHOTS      snapshot downloads measured (5)
#   BENCH_LONG_SCRAPES   scrapes of the RSS run at the largest load (1000)
#   BENCH_LONG_SECONDS   ... stopped after this long whatever the count (360)
set -eu

THREADS_PER_PROC=100
RSS_TARGET_MIB=25
RSS_FLAT_MIB=1
PE=prometheus-process-exporter
NE=prometheus-node-exporter

die() {
	echo "bench/scrape.sh: $*" >&2
	exit 1
}

usage() {
	echo "usage: bench/scrape.sh BUILD_DIR [BENCH_RENDER_OUTPUT]" >&2
	echo "bench/scrape.sh: $*" >&2
	exit 2
}

# env_count NAME DEFAULT MIN: the whole number in $NAME (or DEFAULT), >= MIN.
env_count() {
	local v=${!1:-$2}
	case $v in '' | *[!0-9]*) usage "$1 must be a whole number, not '$v'" ;; esac
	[ "$v" -ge "$3" ] || usage "$1 must be at least $3"
	echo "$v"
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then usage "wrong arguments"; fi
build=$1
render_out=${2:-}
[ -x "$build/ctprof-exporter" ] || usage "no $build/ctprof-exporter"
[ -x "$build/bench/workload" ] || usage "no $build/bench/workload"
[ -x "$build/bench/bench_capture" ] || usage "no $build/bench/bench_capture"
command -v "$PE" >/dev/null || die "$PE missing (bench/deps.sh installs it)"
command -v "$NE" >/dev/null || die "$NE missing (bench/deps.sh installs it)"

WARMUP=$(env_count BENCH_WARMUP 3 0)
SCRAPES=$(env_count BENCH_SCRAPES 15 1)
CAPTURE_RUNS=$(env_count BENCH_CAPTURE_RUNS 5 1)
SNAPSHOTS=$(env_count BENCH_SNAPSHOTS 5 1)
LONG_SCRAPES=$(env_count BENCH_LONG_SCRAPES 1000 0)
LONG_SECONDS=$(env_count BENCH_LONG_SECONDS 360 1)
read -ra LOADS <<<"${BENCH_LOADS-0 2000 10000}"
[ ${#LOADS[@]} -gt 0 ] || usage "BENCH_LOADS is empty"
for load in "${LOADS[@]}"; do
	case $load in *[!0-9]*) usage "BENCH_LOADS: '$load' is not a whole number" ;; esac
	if [ $((load % THREADS_PER_PROC)) != 0 ] || [ "$load" -gt 100000 ]; then
		usage "BENCH_LOADS: $load is not a multiple of $THREADS_PER_PROC up to 100000"
	fi
done
MAX_LOAD=$(printf '%s\n' "${LOADS[@]}" | sort -n | tail -n1)
HZ=$(getconf CLK_TCK)

# ---- processes this script started: stopped by pid, whatever happens ----

started=()
tmp=$(mktemp -d /tmp/ctprof-scrape-XXXXXX)

# alive PID: running, not a zombie awaiting our wait.
alive() {
	local state
	state=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

# stop PID: SIGTERM, SIGKILL after 10 s, then reap it.
stop() {
	local pid=$1
	kill -TERM "$pid" 2>/dev/null || true
	for _ in $(seq 100); do
		alive "$pid" || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	local rest=() p
	for p in "${started[@]}"; do
		[ "$p" = "$pid" ] || rest+=("$p")
	done
	started=("${rest[@]}")
}

cleanup() {
	local pid
	for pid in "${started[@]}"; do
		stop "$pid"
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- figures: fig[LOAD/WHO/KEY] ----

declare -A fig
put() { fig[$1/$2/$3]=$4; }
get() { echo "${fig[$1/$2/$3]:-?}"; }

# calc FORMAT EXPR: awk arithmetic on figures; "?" when one is missing.
calc() {
	case $2 in *'?'*) echo '?' && return ;; esac
	awk "BEGIN { printf \"$1\", $2 }"
}

# ratio A B: A/B to two decimals, "?" when B is 0 or missing.
ratio() {
	case "$1$2" in *'?'*) echo '?' && return ;; esac
	awk -v a="$1" -v b="$2" 'BEGIN { if (b == 0) print "?"; else printf "%.2f", a / b }'
}

# met VALUE LIMIT: yes when VALUE <= LIMIT.
met() {
	case "$1$2" in *'?'*) echo '?' && return ;; esac
	awk -v a="$1" -v b="$2" 'BEGIN { print (a <= b) ? "yes" : "**no**" }'
}

# median FILE COLUMN SCALE: median of one column, times SCALE.
median() {
	awk -v c="$2" '{ print $c }' "$1" | sort -g |
		awk -v s="$3" '{ v[NR] = $1 }
			END { if (!NR) { print "?"; exit }
			      m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			      printf "%.3f\n", m * s }'
}

# ---- probes of a process ----

# cpu_ticks PID: utime + stime of every thread it has had, in clock ticks.
cpu_ticks() {
	sed 's/.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'
}

# status_kb PID FIELD: VmRSS, VmHWM... in kB.
status_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

host_threads() {
	local n=0 d
	for d in /proc/[0-9]*/task; do
		set -- "$d"/[0-9]*
		[ -e "$1" ] && n=$((n + $#))
	done
	echo "$n"
}

# free_port: a loopback TCP port nobody listens on now.
free_port() {
	local used="" h port
	while read -r h; do
		used="$used $((16#$h))"
	done < <(awk 'NR > 1 && $4 == "0A" { n = split($2, a, ":"); print a[n] }' \
		/proc/net/tcp /proc/net/tcp6 2>/dev/null)
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 30000))
		case " $used " in *" $port "*) continue ;; esac
		echo "$port"
		return 0
	done
	die "no free port found"
}

# ---- HTTP ----

# fetch URL N: N requests on one keep-alive connection, no compression;
# prints "time_total size_download" per request; fails on any non-200.
fetch() {
	[ "$2" -gt 0 ] || return 0
	curl -sS -H 'Accept-Encoding: identity' -o /dev/null \
		-w '%{http_code} %{time_total} %{size_download}\n' "$1?bench=[1-$2]" >"$tmp/fetch"
	awk '$1 != 200 { bad = 1 } END { exit bad }' "$tmp/fetch" ||
		die "$1: $(awk '$1 != 200' "$tmp/fetch" | head -n1)"
	awk '{ print $2, $3 }' "$tmp/fetch"
}

# wait_serving URL PID WHO LOG: until URL answers 200 (a first capture or
# scan at 30,000 threads takes seconds); fails if PID dies first.
wait_serving() {
	for _ in $(seq 1200); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$1" 2>/dev/null)" = 200 ] && return 0
		alive "$2" || die "$3 exited: $(tail -n5 "$4")"
		sleep 0.1
	done
	die "$3 did not serve $1 within 120 s"
}

# ---- the load ----

workload_pid=""

start_workload() {
	local procs=$(($1 / THREADS_PER_PROC)) out=$tmp/workload.out
	# Lives long enough for the longest phase; ends itself if we are killed.
	"$build/bench/workload" "$procs" "$THREADS_PER_PROC" 3600 >"$out" &
	workload_pid=$!
	started+=("$workload_pid")
	for _ in $(seq 1200); do
		grep -q '^ready' "$out" && return 0
		alive "$workload_pid" || die "workload exited before it was ready"
		sleep 0.1
	done
	die "workload not ready within 120 s"
}

stop_workload() {
	[ -n "$workload_pid" ] || return 0
	stop "$workload_pid"
	workload_pid=""
}

# ---- what each load measures ----

# bench_capture_live LOAD: capture vs the seven-file floor, CPU and wall per thread.
bench_capture_live() {
	local line key
	"$build/bench/bench_capture" --live "$CAPTURE_RUNS" >"$tmp/capture"
	grep '^live' "$tmp/capture" | sed 's/^/   /'
	line=$(grep '^cpu live ' "$tmp/capture") || die "bench_capture printed no cpu line"
	for key in threads capture_wall_us capture_cpu_us floor7_wall_us floor7_cpu_us \
		capture_wall_ms daemon_cpu_us daemon_reused daemon_io_reused; do
		put "$1" capture "$key" "$(sed -n "s/.* $key=\([^ ]*\).*/\1/p" <<<"$line")"
	done
}

# measure LOAD WHO PID URL: warm-up, then the measured scrapes of URL/metrics.
measure() {
	local load=$1 who=$2 pid=$3 url=$4 t0 t1
	fetch "$url/metrics" "$WARMUP" >/dev/null
	t0=$(cpu_ticks "$pid")
	fetch "$url/metrics" "$SCRAPES" >"$tmp/times"
	t1=$(cpu_ticks "$pid")
	put "$load" "$who" wall_ms "$(median "$tmp/times" 1 1000)"
	put "$load" "$who" bytes "$(median "$tmp/times" 2 1)"
	put "$load" "$who" cpu_ms "$(calc %.1f "($t1 - $t0) * 1000 / $HZ / $SCRAPES")"
	put "$load" "$who" rss_kb "$(status_kb "$pid" VmRSS)"
	put "$load" "$who" hwm_kb "$(status_kb "$pid" VmHWM)"
	curl -sS -H 'Accept-Encoding: identity' -o "$tmp/body" "$url/metrics"
	put "$load" "$who" series "$(grep -cv -e '^#' -e '^$' "$tmp/body" || true)"
	echo "   $who: scrape $(get "$load" "$who" wall_ms) ms," \
		"CPU $(get "$load" "$who" cpu_ms) ms/scrape, RSS $(get "$load" "$who" rss_kb) kB"
}

# start_ctprof FLAGS...: sets pid and url.
start_ctprof() {
	local log=$tmp/ctprof.log
	: >"$log"
	"$build/ctprof-exporter" --web.listen-address=127.0.0.1:0 "$@" 2>"$log" &
	pid=$!
	started+=("$pid")
	url=""
	for _ in $(seq 600); do
		url=$(sed -n 's/.*msg=listening .*bound=\([0-9.]*:[0-9]*\).*/http:\/\/\1/p' "$log" |
			head -n1)
		[ -n "$url" ] && break
		alive "$pid" || die "ctprof-exporter exited: $(tail -n5 "$log")"
		sleep 0.1
	done
	[ -n "$url" ] || die "ctprof-exporter did not listen within 60 s"
	wait_serving "$url/metrics" "$pid" ctprof-exporter "$log"
}

# start_peer WHO PORT COMMAND...: sets pid and url.
start_peer() {
	local who=$1 port=$2 log=$tmp/$1.log
	shift 2
	"$@" >"$log" 2>&1 &
	pid=$!
	started+=("$pid")
	url=http://127.0.0.1:$port
	wait_serving "$url/metrics" "$pid" "$who" "$log"
}

# long_run LOAD PID URL: RSS after LONG_SCRAPES more scrapes, or what fits in LONG_SECONDS.
long_run() {
	local load=$1 pid=$2 url=$3 done=0 chunk t0=$SECONDS
	while [ "$done" -lt "$LONG_SCRAPES" ] && [ $((SECONDS - t0)) -lt "$LONG_SECONDS" ]; do
		chunk=$((LONG_SCRAPES - done < 20 ? LONG_SCRAPES - done : 20))
		fetch "$url/metrics" "$chunk" >/dev/null
		done=$((done + chunk))
		if [ $((done % 200)) = 0 ]; then
			echo "   long run: $done scrapes, RSS $(status_kb "$pid" VmRSS) kB"
		fi
	done
	put "$load" long scrapes "$done"
	put "$load" long seconds $((SECONDS - t0))
	put "$load" long rss_kb "$(status_kb "$pid" VmRSS)"
	put "$load" long hwm_kb "$(status_kb "$pid" VmHWM)"
}

bench_ctprof() {
	local load=$1
	start_ctprof --capture.min-interval=0s
	measure "$load" ctprof "$pid" "$url"
	if [ "$load" = "$MAX_LOAD" ] && [ "$LONG_SCRAPES" -gt 0 ]; then
		long_run "$load" "$pid" "$url"
	fi
	stop "$pid"
}

# metric_value FILE NAME: the value of an unlabelled metric.
metric_value() {
	awk -v n="$2" '$1 == n { print $2; exit }' "$1"
}

# One snapshot round: a scrape makes a fresh capture, the download right
# after reuses it (younger than the min-interval), a second scrape checks
# that it was the same capture. Prints "download_s bytes capture_s same".
snapshot_round() {
	local url=$1 t1 t2 dl
	curl -sS -H 'Accept-Encoding: identity' -o "$tmp/m1" "$url/metrics"
	dl=$(curl -sS -o /dev/null -w '%{http_code} %{time_total} %{size_download}' \
		"$url/snapshot.ctprof.zst")
	curl -sS -H 'Accept-Encoding: identity' -o "$tmp/m2" "$url/metrics"
	[ "${dl%% *}" = 200 ] || die "snapshot download: HTTP ${dl%% *}"
	t1=$(metric_value "$tmp/m1" ctprof_capture_timestamp_seconds)
	t2=$(metric_value "$tmp/m2" ctprof_capture_timestamp_seconds)
	echo "${dl#* } $(metric_value "$tmp/m1" ctprof_capture_duration_seconds)" \
		"$([ "$t1" = "$t2" ] && echo 1 || echo 0)"
}

# bench_snapshot LOAD: the download of a capture already taken, next to that
# capture's duration. The min-interval is long enough that the download
# reuses the scrape's capture; the sleep makes each round's capture new, so
# each download encodes (the encoding is cached per capture).
bench_snapshot() {
	local load=$1 hold
	hold=$(calc %d "int($(get "$load" ctprof wall_ms) / 1000) + 2")
	start_ctprof "--capture.min-interval=${hold}s"
	for i in $(seq 0 "$SNAPSHOTS"); do
		sleep "$hold"
		snapshot_round "$url" >>"$tmp/snaps"
		# Round 0 is the warm-up.
		[ "$i" != 0 ] || : >"$tmp/snaps"
	done
	put "$load" snap download_ms "$(median "$tmp/snaps" 1 1000)"
	put "$load" snap bytes "$(median "$tmp/snaps" 2 1)"
	put "$load" snap capture_ms "$(median "$tmp/snaps" 3 1000)"
	put "$load" snap reused "$(awk '{ n += $4 } END { print n }' "$tmp/snaps")"
	put "$load" snap rss_kb "$(status_kb "$pid" VmRSS)"
	put "$load" snap hwm_kb "$(status_kb "$pid" VmHWM)"
	echo "   snapshot: download $(get "$load" snap download_ms) ms," \
		"capture $(get "$load" snap capture_ms) ms, HWM $(get "$load" snap hwm_kb) kB"
	stop "$pid"
}

bench_process_exporter() {
	local port
	port=$(free_port)
	start_peer "$PE" "$port" "$PE" -config.path "$tmp/process-exporter.yml" -procfs /proc \
		-threads=true -web.listen-address "127.0.0.1:$port"
	measure "$1" pe "$pid" "$url"
	stop "$pid"
}

bench_node_exporter() {
	local port
	port=$(free_port)
	start_peer "$NE" "$port" "$NE" --collector.disable-defaults --collector.processes \
		--path.procfs=/proc "--web.listen-address=127.0.0.1:$port"
	measure "$1" ne "$pid" "$url"
	stop "$pid"
}

run_load() {
	local load=$1
	echo "== exporters at $load extra threads (at ${SECONDS} s)"
	[ "$load" = 0 ] || start_workload "$load"
	put "$load" host threads "$(host_threads)"
	bench_capture_live "$load"
	bench_ctprof "$load"
	bench_snapshot "$load"
	bench_process_exporter "$load"
	bench_node_exporter "$load"
	stop_workload
}

cat >"$tmp/process-exporter.yml" <<'EOF'
process_names:
  - name: "{{.Comm}}"
    cmdline:
    - '.+'
EOF

started_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)
for load in "${LOADS[@]}"; do
	run_load "$load"
done

# shellcheck source=bench/scrape_report.sh
. "$(dirname "$0")/scrape_report.sh"
elapsed=$SECONDS
mkdir -p bench/results
report >"$tmp/report.md"
out=bench/results/$(date -u -d "$started_at" +%Y%m%dT%H%M%SZ).md
cp "$tmp/report.md" "$out"
cp "$tmp/report.md" bench/results/latest.md
echo "== results ($out, bench/results/latest.md)"
cat "$tmp/report.md"
