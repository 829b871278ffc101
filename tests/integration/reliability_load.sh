#!/usr/bin/env bash
# reliability_load.sh - wrk at 64 connections against /metrics on the live
# host (scrape mode, default --capture.min-interval=1s, so captures run
# under the load): no crash, every answer a 200 or, beyond
# --web.max-requests, a 503, no connection refused or reset, /metrics
# still answers afterwards, and the resident set at the end within 10 % of
# what it was half-way through the measured run (after a warm-up).
#
# --web.max-requests=48 puts the per-IP connection limit (max-requests + 16)
# at exactly wrk's 64, so every connection is served and the cap is what
# answers 503. The ASan build runs first (sanitizer reports, statuses); the
# RSS check runs on the optimised build next to it (build/ctprof-exporter:
# ASan's quarantine holds freed memory, so its RSS says nothing), skipped
# when that is not built.
#
# CTPROF_WRK_SECONDS sets the measured run: 12 s in `make test`, the issue's
# 60 s in `make soak`.
set -u
. "$CTPROF_TOP/tests/lib.sh"
. "$CTPROF_TOP/tests/reliability_lib.sh"
secs=${CTPROF_WRK_SECONDS:-12}
work=$(mktemp -d)
trap 'stop_exporter; rm -rf "$work"' EXIT

if ! command -v wrk >/dev/null; then
	skip "wrk load" "wrk not installed (make deps)"
	exit 0
fi

# wrk_run NAME SECONDS: wrk -c64 against $base/metrics, output in $work/NAME.wrk.
wrk_run() {
	wrk -t2 -c64 -d"$2"s --timeout 10s -s "$CTPROF_TOP/tests/helpers/wrk_status.lua" \
		"$base/metrics" >"$work/$1.wrk" 2>&1
}

# check_wrk NAME: the statuses and errors of one run.
check_wrk() {
	local f="$work/$1.wrk"
	check_eq "$1: only 200 and 503 answers" "" \
		"$(grep '^status ' "$f" | grep -v -E '^status (200|503) ')"
	check_match "$1: 200s served" '^status 200 [1-9]' "$(grep '^status 200 ' "$f")"
	check_eq "$1: no connect, read, write or timeout error" "connect 0 read 0 write 0 timeout 0" \
		"$(sed -n 's/^errors \(connect [0-9]* read [0-9]* write [0-9]* timeout [0-9]*\).*/\1/p' "$f")"
}

# ---- ASan build: crash and sanitizer check ----
start_exporter "$work/asan.log" --web.max-requests=48 || exit 1
wait_ready
wrk_run asan "$secs"
check_wrk asan
check_eq "asan: /metrics answers after the load (once the requests in flight drained)" 200 \
	"$(settled_status "$base/metrics")"
stop_exporter
check_eq "asan: clean exit on SIGTERM after the load" 0 "$exporter_status"
check_eq "asan: no sanitizer report" "" "$(sanitizer_report "$work/asan.log")"
echo "# asan: $(grep -E '^(status|requests)' "$work/asan.wrk" | tr '\n' ' ')"

# ---- optimised build: resident set ----
plain="$CTPROF_TOP/build/ctprof-exporter"
if [ ! -x "$plain" ]; then
	skip "RSS under load" "$plain not built (make all)"
	exit 0
fi
CTPROF_BUILD="$CTPROF_TOP/build" start_exporter "$work/plain.log" --web.max-requests=48 || exit 1
wait_ready
# Each sample once the last request's capture is over: a capture in flight
# holds a second snapshot for a moment, which is not growth. The first
# sample follows a warm-up and half the load, so a slow start (few captures
# while the host was busy) is not read as growth.
quiet_rss() { sleep 1.5; vmrss "$exporter_pid"; }
wrk_run warmup 5
wrk_run plain $((secs / 2))
rss_warm=$(quiet_rss)
wrk_run plain $((secs - secs / 2))
rss_end=$(quiet_rss)
check_wrk plain
check_eq "plain: /metrics answers after the load (once the requests in flight drained)" 200 \
	"$(settled_status "$base/metrics")"
delta=$((rss_end - rss_warm))
check_eq "plain: RSS after $((secs - secs / 2))s more load within 10 % of before (${rss_warm} -> ${rss_end} KiB)" \
	1 "$((${delta#-} * 10 <= rss_warm))"
stop_exporter
check_eq "plain: clean exit on SIGTERM after the load" 0 "$exporter_status"
echo "# plain: $(grep -E '^(status|requests)' "$work/plain.wrk" | tr '\n' ' ')"
