#!/usr/bin/env bash
# reliability_leaks.sh - no leak in the ASan daemon over 500 scrapes (plain,
# gzip, OpenMetrics, HEAD in turn) and 50 snapshot downloads, each scrape a
# fresh capture of the fixture tree (--capture.min-interval=0s, so capture,
# continuity, render, gzip and zstd run every time); then 45 requests
# against the live host with a jemalloc target whose threads churn, so the
# taskstats pass, the jemalloc prober's caches and the cgroup reads are
# covered too. LeakSanitizer reports at exit: after SIGTERM the daemon must
# exit 0 with no report.
set -u
. "$CTPROF_TOP/tests/lib.sh"
. "$CTPROF_TOP/tests/reliability_lib.sh"
fx="$CTPROF_TOP/tests/fixtures/host1"
work=$(mktemp -d)
cleanup() {
	stop_exporter
	stop_churn
	rm -rf "$work"
}
trap cleanup EXIT

case ":${ASAN_OPTIONS:-}:" in
*:detect_leaks=1:*) ;;
*) skip "leak check" "ASAN_OPTIONS lacks detect_leaks=1"; exit 0 ;;
esac

# ---- 500 scrapes and 50 downloads, a capture each ----
start_exporter "$work/fx.log" --path.procfs="$fx/proc" --path.sysfs="$fx/sys" \
	--path.cgroupfs="$fx/cgroup" --capture.min-interval=0s --log.level=debug || exit 1
wait_ready
# shellcheck disable=SC2046
"$PY" "$ABUSE" scrapes $(hostport) 500 50 >"$work/fx.out" 2>&1
check_eq "fixture: 550 requests, all 200" "status 200 550" "$(cat "$work/fx.out")"
n=$(grep -c 'msg="capture complete"' "$work/fx.log")
check_eq "fixture: a capture per request (>= 550, got $n)" 1 "$((n >= 550))"
stop_exporter
check_eq "fixture: exit 0 after SIGTERM (LeakSanitizer exits 23)" 0 "$exporter_status"
check_eq "fixture: no LeakSanitizer report" "" "$(grep -A12 LeakSanitizer "$work/fx.log")"
check_eq "fixture: no sanitizer report" "" "$(sanitizer_report "$work/fx.log")"

# ---- the live host, with a churning jemalloc target ----
start_churn "$work" || exit 1
start_exporter "$work/live.log" --capture.min-interval=0s --log.level=debug || exit 1
wait_ready
# shellcheck disable=SC2046
"$PY" "$ABUSE" scrapes $(hostport) 40 5 >"$work/live.out" 2>&1
check_eq "live: 45 requests, all 200" "status 200 45" "$(cat "$work/live.out")"
n=$(grep -c 'msg="capture complete"' "$work/live.log")
check_eq "live: a capture per request (>= 45, got $n)" 1 "$((n >= 45))"
curl -s "$base/metrics" -o "$work/live.prom"
check_match "live: the churning target was probed" '^[1-9]' \
	"$(metric "$work/live.prom" ctprof_probe_jemalloc_detected)"
stop_exporter
check_eq "live: exit 0 after SIGTERM" 0 "$exporter_status"
check_eq "live: no LeakSanitizer report" "" "$(grep -A12 LeakSanitizer "$work/live.log")"
check_eq "live: no sanitizer report" "" "$(sanitizer_report "$work/live.log")"
