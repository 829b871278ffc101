#!/usr/bin/env bash
# reliability_abuse.sh - ctprof-exporter against clients that do not play by
# the rules (tests/helpers/http_abuse.py, raw sockets): oversized URLs and
# headers, 1000 headers, bad methods, binary junk, a request line without
# an HTTP version, garbage pipelined behind a valid request and absurd
# scrape-timeout values each get a 4xx or a hang-up, never a crash, and a
# normal request right after each one succeeds. Then 100 slow clients
# dribbling a header one byte a second: from 100 addresses they all hold a
# connection while a normal client's scrapes still get 200 in time; from one
# address the per-IP limit hangs up on those beyond it. The daemon exits 0
# at the end with no sanitizer report.
set -u
. "$CTPROF_TOP/tests/lib.sh"
. "$CTPROF_TOP/tests/reliability_lib.sh"
fx="$CTPROF_TOP/tests/fixtures/host1"
work=$(mktemp -d)
trap 'stop_exporter; rm -rf "$work"' EXIT

# The fixture tree captures in milliseconds: every delay seen is the HTTP side's.
start_exporter "$work/abuse.log" --path.procfs="$fx/proc" --path.sysfs="$fx/sys" \
	--path.cgroupfs="$fx/cgroup" --capture.min-interval=0s || exit 1
wait_ready

# ---- malformed requests ----
# shellcheck disable=SC2046
"$PY" "$ABUSE" garbage $(hostport) >"$work/garbage.out" 2>&1
ncase=0
while read -r kind name code; do
	case $kind in
	case)
		ncase=$((ncase + 1))
		if [[ $code =~ ^4[0-9][0-9]$ || $code == closed ]]; then
			ok "garbage $name: $code"
		else
			not_ok "garbage $name: 4xx or a hang-up" "got $code"
		fi
		;;
	healthy) check_eq "garbage $name: a normal request right after gets 200" 200 "$code" ;;
	pipelined) # valid request first, then junk on the same connection
		read -r -a codes <<<"$name $code"
		check_eq "pipelined garbage: the valid request before it gets 200" 200 "${codes[0]}"
		bad=0 rest="${codes[*]:1}"
		for c in "${codes[@]:1}"; do [[ $c =~ ^4 || $c == closed ]] || bad=1; done
		check_eq "pipelined garbage: the junk gets 4xx or a hang-up (${rest:-hang-up})" 0 "$bad"
		;;
	timeout-header) check_eq "scrape-timeout header '$name': still a normal scrape" 200 "$code" ;;
	*) not_ok "garbage: unexpected output" "$kind $name $code" ;;
	esac
done <"$work/garbage.out"
check_eq "garbage: every case ran" 13 "$ncase"
check_eq "garbage: the daemon is still running" 0 "$(kill -0 "$exporter_pid" 2>/dev/null; echo $?)"

# ---- slow clients ----
# 100 clients from 100 addresses (127.0.1.1-100) dribble one header byte a
# second for 14 s, past the 10 s idle timeout; a normal client scrapes each second.
# shellcheck disable=SC2046
"$PY" "$ABUSE" slow $(hostport) 100 14 spread >"$work/slow.out" 2>&1
n=$(grep -c '^normal ' "$work/slow.out")
check_eq "100 slow clients: the normal client scraped (>= 8 times)" 1 "$((n >= 8))"
check_eq "100 slow clients: every normal scrape got 200" "$n" "$(grep -c '^normal 200 ' "$work/slow.out")"
worst=$(awk '/^normal / && $3 > m { m = $3 } END { print m + 0 }' "$work/slow.out")
check_eq "100 slow clients: every normal scrape answered within 2 s (worst ${worst}s)" 1 \
	"$(awk -v w="$worst" 'BEGIN { print (w < 2) }')"
check_eq "100 slow clients: all 100 still connected (thread per connection, under the limit)" \
	"slow_open 100" "$(grep '^slow_open' "$work/slow.out")"

# The same from one address: the per-IP limit (--web.max-requests + 16 = 56)
# hangs up on the rest, and a client elsewhere is not affected.
# shellcheck disable=SC2046
"$PY" "$ABUSE" slow $(hostport) 100 5 127.0.0.3 >"$work/slow1.out" 2>&1
n=$(grep -c '^normal ' "$work/slow1.out")
check_eq "100 slow clients from one address: every normal scrape got 200" "$n" \
	"$(grep -c '^normal 200 ' "$work/slow1.out")"
check_eq "100 slow clients from one address: the normal client scraped" 1 "$((n >= 2))"
closed=$(sed -n 's/^slow_closed //p' "$work/slow1.out")
check_eq "100 slow clients from one address: the 44 beyond the per-IP limit are hung up on (got ${closed})" \
	44 "$closed"

curl -s -o /dev/null -w '%{http_code}' "$base/metrics" >"$work/after"
check_eq "after the abuse: /metrics still 200" 200 "$(cat "$work/after")"
stop_exporter
check_eq "after the abuse: clean exit on SIGTERM" 0 "$exporter_status"
check_eq "after the abuse: no sanitizer report" "" "$(sanitizer_report "$work/abuse.log")"
