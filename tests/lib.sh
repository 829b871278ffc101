# Shared helpers for the shell integration tests (sourced, not run).
# Each check prints "ok - NAME", "not ok - NAME" or "skip - NAME: WHY".
: "${CTPROF_BUILD:?run through tests/run.sh}"
CTPROF="$CTPROF_BUILD/ctprof"

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1${2:+: $2}"; }
skip() { echo "skip - $1: $2"; }

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2] got [$3]"; fi
}

# check_match NAME REGEX TEXT
check_match() {
	if printf '%s' "$3" | grep -Eq -- "$2"; then ok "$1"; else not_ok "$1" "[$3] !~ /$2/"; fi
}

# start_sleeper N READY_FILE: threads_sleeper with N threads besides its main
# one, in the background; sets $pid once it is ready and checks its threads.
start_sleeper() {
	"$CTPROF_BUILD/tests/helpers/threads_sleeper" "$1" >"$2" &
	pid=$!
	for _ in $(seq 100); do grep -q ready "$2" && break; sleep 0.05; done
	check_eq "sleeper started with $(($1 + 1)) threads" "$(($1 + 1))" \
		"$(ls "/proc/$pid/task" | wc -l)"
}

# start_exporter LOGFILE [FLAGS...]: ctprof-exporter on a free loopback port,
# in the background; sets $exporter_pid and $base (http://127.0.0.1:PORT)
# once it listens. Fails the test if it does not come up. With
# EXPORTER_WRAP set (e.g. "setpriv --reuid 65534"), the daemon runs under
# that command, which must exec it (so $exporter_pid is the daemon's).
start_exporter() {
	local log=$1
	shift
	# Emptied here, not by the child's redirection: the loop below must not
	# read a previous run's "listening" line, nor a file not yet created.
	: >"$log"
	# shellcheck disable=SC2086
	${EXPORTER_WRAP:-} "$CTPROF_BUILD/ctprof-exporter" --web.listen-address=127.0.0.1:0 "$@" 2>"$log" &
	exporter_pid=$!
	base=""
	for _ in $(seq 200); do
		base=$(sed -n 's/.*msg=listening .*bound=\([0-9.]*:[0-9]*\).*/http:\/\/\1/p' "$log" | head -n1)
		[ -n "$base" ] && return 0
		kill -0 "$exporter_pid" 2>/dev/null || break
		sleep 0.05
	done
	not_ok "ctprof-exporter started" "$(cat "$log")"
	return 1
}

# stop_exporter: SIGTERM and wait; the exit status is left in $exporter_status
# (not printed: a command substitution's subshell could not wait for it).
stop_exporter() {
	exporter_status=""
	[ -n "${exporter_pid:-}" ] || return 0
	kill -TERM "$exporter_pid" 2>/dev/null
	wait "$exporter_pid"
	exporter_status=$?
	exporter_pid=""
}

# wait_ready: poll /-/ready until 200 (up to 10 s).
wait_ready() {
	for _ in $(seq 200); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$base/-/ready")" = 200 ] && return 0
		sleep 0.05
	done
	return 1
}
