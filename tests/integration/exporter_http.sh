#!/usr/bin/env bash
# exporter_http.sh - ctprof-exporter against the fixture tree and the live
# host, talked to with curl, promtool and python3-prometheus-client: both
# formats, gzip, Content-Type, the snapshot download, the landing page,
# health, 404, 405, bad flags, and a clean SIGTERM.
set -u
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
fx="$CTPROF_TOP/tests/fixtures/host1"
work=$(mktemp -d)
trap 'stop_exporter; rm -rf "$work"' EXIT

# headers_of URL [CURL ARGS...]: response headers, CR stripped, lower-cased names
headers_of() {
	local url=$1
	shift
	curl -s -D - -o /dev/null "$@" "$url" | tr -d '\r'
}
header() { # NAME HEADERS
	printf '%s\n' "$2" | awk -v IGNORECASE=1 -v n="$1" 'tolower($0) ~ "^"tolower(n)":" { sub(/^[^:]*: */, ""); print; exit }'
}
status_of() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

# ---- against the fixture tree: exact values ----
start_exporter "$work/fx.log" --path.procfs="$fx/proc" --path.sysfs="$fx/sys" \
	--path.cgroupfs="$fx/cgroup" --capture.min-interval=1h --log.level=debug || exit 1
check_eq "healthy while serving" 200 "$(status_of "$base/-/healthy")"
wait_ready
check_eq "ready once the startup capture completed, before any scrape" 200 "$(status_of "$base/-/ready")"

curl -s "$base/metrics" -o "$work/fx.prom"
h=$(headers_of "$base/metrics")
check_eq "0.0.4 Content-Type" "text/plain; version=0.0.4; charset=utf-8" "$(header content-type "$h")"
check_eq "fixture: thread count of app" 'ctprof_threads{pcomm="app"} 2' "$(grep '^ctprof_threads{pcomm="app"}' "$work/fx.prom")"
check_eq "fixture: run time of app" 'ctprof_run_time_seconds_total{pcomm="app"} 0.000322' \
	"$(grep '^ctprof_run_time_seconds_total{pcomm="app"}' "$work/fx.prom")"
check_match "process metrics of the exporter" '^process_resident_memory_bytes [0-9]+$' \
	"$(grep '^process_resident_memory_bytes' "$work/fx.prom")"
check_match "capture duration" '^ctprof_capture_duration_seconds [0-9.]+$' \
	"$(grep '^ctprof_capture_duration_seconds' "$work/fx.prom")"
out=$(promtool check metrics <"$work/fx.prom" 2>&1)
check_eq "promtool check metrics is silent" "0:" "$?:$out"

om_accept='application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1'
curl -s -H "Accept: $om_accept" "$base/metrics" -o "$work/fx.om"
h=$(headers_of "$base/metrics" -H "Accept: $om_accept")
check_eq "OpenMetrics Content-Type" "application/openmetrics-text; version=1.0.0; charset=utf-8" \
	"$(header content-type "$h")"
check_eq "OpenMetrics ends with # EOF" "# EOF" "$(tail -n1 "$work/fx.om")"
check_match "python3-prometheus-client parses the OpenMetrics body" '^ok [0-9]+$' \
	"$("$PY" -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
fams = list(text_string_to_metric_families(open(sys.argv[1]).read()))
print("ok", len(fams))' "$work/fx.om" 2>&1)"
check_eq "text/plain preferred over OpenMetrics: 0.0.4" "text/plain; version=0.0.4; charset=utf-8" \
	"$(header content-type "$(headers_of "$base/metrics" -H 'Accept: application/openmetrics-text;q=0.3,text/plain;q=0.9')")"

h=$(headers_of "$base/metrics" -H 'Accept-Encoding: gzip')
check_eq "gzip when accepted" "gzip" "$(header content-encoding "$h")"
curl -s -H 'Accept-Encoding: gzip' "$base/metrics" | gzip -dc >"$work/fx.gunzip"
check_eq "gzip body equals the plain body" "" "$(cmp "$work/fx.gunzip" "$work/fx.prom" 2>&1)"
check_eq "no gzip unless accepted" "" "$(header content-encoding "$(headers_of "$base/metrics")")"

h=$(headers_of "$base/snapshot.ctprof.zst")
check_eq "snapshot Content-Type" "application/zstd" "$(header content-type "$h")"
check_match "snapshot Content-Disposition" "^attachment; filename=\"$(hostname)-[0-9]{8}T[0-9]{6}Z\\.ctprof\\.zst\"$" \
	"$(header content-disposition "$h")"
curl -s "$base/snapshot.ctprof.zst" -o "$work/dl.ctprof.zst"
check_match "the download reads back with ctprof show" '^threads: 7$' \
	"$("$CTPROF" show "$work/dl.ctprof.zst" | grep '^threads:')"
"$CTPROF" metrics "$work/dl.ctprof.zst" >"$work/dl.prom"
check_eq "the download renders the same thread families" \
	"$(grep '^ctprof_threads' "$work/fx.prom")" "$(grep '^ctprof_threads' "$work/dl.prom")"

curl -s "$base/" -o "$work/landing.html"
check_eq "landing page Content-Type" "text/html; charset=utf-8" "$(header content-type "$(headers_of "$base/")")"
check_match "landing page links /metrics and the snapshot" 'href="/metrics".*|href="/snapshot.ctprof.zst"' "$(cat "$work/landing.html")"
check_match "landing page shows the kernel-config hint" 'hint: schedstat / io read failures dominate' "$(cat "$work/landing.html")"
check_match "landing page lists sources" '<li>schedstats: yes</li>' "$(cat "$work/landing.html")"
captures=$(grep -c 'msg="capture complete"' "$work/fx.log")
check_eq "the startup capture served every request above (min-interval 1h)" 1 "$captures"

check_eq "404 for other paths" 404 "$(status_of "$base/nope")"
check_eq "405 for POST" 405 "$(status_of -X POST "$base/metrics")"
check_eq "405 says what is allowed" "GET, HEAD" "$(header allow "$(headers_of "$base/metrics" -X DELETE)")"
check_eq "HEAD /metrics" 200 "$(status_of -I "$base/metrics")"
stop_exporter
check_eq "clean exit on SIGTERM" 0 "$exporter_status"

# ---- collectors switched off leave their families out ----
start_exporter "$work/off.log" --path.procfs="$fx/proc" --path.sysfs="$fx/sys" \
	--path.cgroupfs="$fx/cgroup" --no-collector.cgroup --no-collector.smaps \
	--no-collector.psi --no-collector.sched_ext -no-collector.host || exit 1
wait_ready
curl -s "$base/metrics" -o "$work/off.prom"
for fam in ctprof_cgroup_ ctprof_smaps_rollup_bytes ctprof_host_pressure ctprof_sched_ext_ ctprof_host_info; do
	check_eq "--no-collector: no $fam series" 0 "$(grep -c "^$fam" "$work/off.prom")"
done
check_eq "--no-collector: thread families stay" 'ctprof_threads{pcomm="app"} 2' \
	"$(grep '^ctprof_threads{pcomm="app"}' "$work/off.prom")"
stop_exporter

# ---- against the live host ----
start_exporter "$work/live.log" || exit 1
curl -s "$base/metrics" -o "$work/live.prom"
out=$(promtool check metrics <"$work/live.prom" 2>&1)
check_eq "live: promtool check metrics is silent" "0:" "$?:$out"
check_match "live: this shell's group" '^ctprof_threads\{pcomm="bash"\} [0-9]+$' \
	"$(grep '^ctprof_threads{pcomm="bash"}' "$work/live.prom")"
check_match "live: probe failures per tag (benign not-found counted)" \
	'^ctprof_probe_failures\{tag="jemalloc-not-found"\} [1-9][0-9]*$' \
	"$(grep '^ctprof_probe_failures{tag="jemalloc-not-found"}' "$work/live.prom")"
check_eq "live: one series per failure tag (ktstr's 14 tags and jemalloc-layout-unknown)" 15 "$(grep -c '^ctprof_probe_failures{' "$work/live.prom")"
check_match "live: startup line names the sources" 'msg="host sources".*schedstats=' "$(cat "$work/live.log")"
curl -s "$base/snapshot.ctprof.zst" -o "$work/live.ctprof.zst"
check_match "live: the download reads back" '^threads: [0-9]+$' \
	"$("$CTPROF" show "$work/live.ctprof.zst" | grep '^threads:')"
stop_exporter
check_eq "live: clean exit on SIGTERM" 0 "$exporter_status"

# ---- bad flags: one line, exit 2 ----
for args in "--bogus" "--web.max-requests=0" "--capture.mode=sometimes" "--capture.interval=soon" \
	"--capture.workers=0" "--capture.workers=17" "--capture.workers=two" "--capture.sources=status" \
	"--group-by=pid" "--log.level=loud" "--cgroup-flatten=[x" "--web.telemetry-path=metrics" "stray"; do
	# shellcheck disable=SC2086
	"$CTPROF_BUILD/ctprof-exporter" $args >/dev/null 2>"$work/err"
	check_eq "bad flag '$args': exit 2" 2 "$?"
	check_match "bad flag '$args': says why" '^ctprof-exporter: ' "$(head -n1 "$work/err")"
done
"$CTPROF_BUILD/ctprof-exporter" --web.listen-address=127.0.0.1:99999 2>"$work/err"
check_eq "unusable listen address: exit 1" 1 "$?"
check_match "unusable listen address: says so" 'msg="cannot listen"' "$(cat "$work/err")"
check_match "single-dash flags work" '^ctprof-exporter [0-9]' "$("$CTPROF_BUILD/ctprof-exporter" -version)"
