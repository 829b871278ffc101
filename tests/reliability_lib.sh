# Helpers of the reliability_*.sh integration tests (sourced after lib.sh).
PY=/usr/bin/python3
ABUSE="$CTPROF_TOP/tests/helpers/http_abuse.py"

# hostport: "HOST PORT" of $base (for http_abuse.py).
hostport() {
	local hp=${base#http://}
	echo "${hp%:*} ${hp##*:}"
}

# metric FILE SERIES: the value of one exact series ("name{labels}") in a
# scraped page, or "missing".
metric() {
	awk -v s="$2" '$1 == s { print $2; found = 1; exit } END { if (!found) print "missing" }' "$1"
}

# vmrss PID: resident set size in KiB.
vmrss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# stopped_threads PID...: one line "tid state tracer" per thread of these
# processes that is in tracing stop or still has a tracer; nothing when
# every thread runs free. Processes that are gone are skipped.
stopped_threads() {
	local pid st
	for pid in "$@"; do
		for st in /proc/"$pid"/task/*/status; do
			[ -r "$st" ] || continue
			awk -v f="$st" '/^State:/ { s = $2 } /^TracerPid:/ { t = $2 }
				END { if (s == "t" || (t != "" && t != 0)) { split(f, p, "/"); print p[5], s, t } }' \
				"$st" 2>/dev/null
		done
	done
}

# sanitizer_report LOG: the first lines of an ASan/UBSan/LSan report in LOG.
sanitizer_report() {
	grep -E -A3 'Sanitizer|runtime error' "$1" | head -n 8
}

# start_churn DIR: tests/jemalloc/churn (jemalloc, threads that keep coming
# and going) in the background; sets $churn_pid once it is ready. Its stdin
# is a FIFO this shell holds open on fd 8 (each byte written, "printf p >&8",
# gets a "pong" line in DIR/churn.out): when the test ends for any reason,
# the target reads EOF and exits by itself. It runs under a subshell that
# waits for it with its own stderr closed off, so a SIGKILL from a test is
# not reported as a killed job (the target's stderr is still the test's).
start_churn() {
	rm -f "$1/churn.in" "$1/churn.pid"
	mkfifo "$1/churn.in"
	exec 9>&2
	("$CTPROF_BUILD/tests/jemalloc/churn" <"$1/churn.in" >"$1/churn.out" 2>&9 &
	 echo $! >"$1/churn.pid"
	 wait) 2>/dev/null &
	churn_wrapper=$!
	exec 9>&-
	exec 8>"$1/churn.in"
	for _ in $(seq 100); do [ -s "$1/churn.pid" ] && break; sleep 0.01; done
	churn_pid=$(cat "$1/churn.pid")
	for _ in $(seq 100); do grep -q ready "$1/churn.out" && return 0; sleep 0.05; done
	not_ok "jemalloc churn target started"
	return 1
}

# stop_churn: end the target started by start_churn.
stop_churn() {
	[ -n "${churn_pid:-}" ] || return 0
	exec 8>&-
	kill "$churn_pid" 2>/dev/null
	wait "$churn_wrapper" 2>/dev/null
	churn_pid=""
}

# pongs DIR: how many times the churn target has answered so far.
pongs() {
	grep -ac pong "$1/churn.out"
}

# settled_status URL: the status of URL once requests still in flight from
# a load that just ended have drained (a 503 from the --web.max-requests cap
# is retried for up to 10 s); the last status seen.
settled_status() {
	local code=""
	for _ in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' "$1")
		[ "$code" = 503 ] || break
		sleep 0.1
	done
	echo "$code"
}
