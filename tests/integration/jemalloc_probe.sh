#!/usr/bin/env bash
# jemalloc_probe.sh - the probe through the `ctprof` CLI: Debian's
# redis-server (jemalloc in libjemalloc.so.2) on a unix socket has its main
# thread measured and still answers; a capture without CAP_SYS_PTRACE and
# with another real uid gets ptrace-seize failures, privilege_dominant, the
# remediation hint in `ctprof show`, and the rest of the snapshot intact.
set -u
. "$CTPROF_TOP/tests/lib.sh"
PY=/usr/bin/python3
work=$(mktemp -d)
redis="" target=""
cleanup() {
	[ -n "$redis" ] && kill "$redis" 2>/dev/null && wait "$redis" 2>/dev/null
	[ -n "$target" ] && kill "$target" 2>/dev/null && wait "$target" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# json FILE EXPR: evaluate a Python expression over the snapshot `s`.
json() {
	zstd -q -dc "$1" | "$PY" -c "import json, sys; s = json.load(sys.stdin); print($2)"
}

if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
	skip "redis-server" "redis-server or redis-cli not installed"
else
	redis-server --port 0 --unixsocket "$work/redis.sock" --save '' --appendonly no \
		>"$work/redis.log" 2>&1 &
	redis=$!
	for _ in $(seq 100); do [ -S "$work/redis.sock" ] && break; sleep 0.05; done
	redis-cli -s "$work/redis.sock" set ctprof probe >/dev/null
	"$CTPROF" capture --pid "$redis" -o "$work/redis.ctprof.zst" 2>"$work/err"
	check_eq "redis: capture exits 0" 0 $?
	check_eq "redis: nothing on stderr" "" "$(cat "$work/err")"
	main="[t for t in s['threads'] if t['tid'] == $redis][0]"
	check_eq "redis: main thread measured" True "$(json "$work/redis.ctprof.zst" "$main['jemalloc_measured']")"
	check_eq "redis: main thread allocated > 0" True \
		"$(json "$work/redis.ctprof.zst" "$main['allocated_bytes'] > 0")"
	check_eq "redis: every thread measured" True \
		"$(json "$work/redis.ctprof.zst" "all(t['jemalloc_measured'] for t in s['threads'])")"
	check_eq "redis: probe summary" "1 1 0 None" "$(json "$work/redis.ctprof.zst" \
		"s['probe_summary']['tgids_walked'], s['probe_summary']['jemalloc_detected'], s['probe_summary']['failed'], s['probe_summary']['dominant_failure']" | tr -d '(),')"
	check_eq "redis: still answers after the stop" probe \
		"$(redis-cli -s "$work/redis.sock" get ctprof)"
	"$CTPROF" capture -o "$work/all.ctprof.zst" 2>"$work/err"
	check_eq "host-wide: capture exits 0" 0 $?
	check_eq "host-wide: redis main thread measured" True \
		"$(json "$work/all.ctprof.zst" "$main['jemalloc_measured'] and $main['allocated_bytes'] > 0")"
	"$CTPROF" capture --no-jemalloc --pid "$redis" -o "$work/off.ctprof.zst"
	check_eq "--no-jemalloc: no probe summary, nothing measured" "None False" \
		"$(json "$work/off.ctprof.zst" "s['probe_summary'], any(t['jemalloc_measured'] for t in s['threads'])")"
fi

# Without privilege. The target runs as root with no capabilities (so its
# /proc/<pid>/exe stays readable to a caller whose fsuid is 0); the capture
# keeps euid 0 but takes real uid 65534 and loses CAP_SYS_PTRACE, so
# PTRACE_MODE_ATTACH_REALCREDS refuses it.
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
	skip "unprivileged capture" "needs root and setpriv to drop privilege"
else
	setpriv --securebits +noroot,+noroot_locked --bounding-set -all --inh-caps -all \
		"$CTPROF_BUILD/tests/jemalloc/je_dynamic" 3 >"$work/target.out" &
	target=$!
	for _ in $(seq 100); do [ "$(wc -l <"$work/target.out")" -ge 4 ] && break; sleep 0.05; done
	# The changed real uid makes the capture non-dumpable, where
	# LeakSanitizer (asan build) cannot stop its own threads: leaks are
	# checked by every other test.
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" \
	setpriv --ruid 65534 --bounding-set -sys_ptrace --inh-caps -sys_ptrace \
		"$CTPROF" capture --pid "$target" -o "$work/noprivs.ctprof.zst" 2>"$work/err"
	check_eq "unprivileged: capture exits 0" 0 $?
	f="$work/noprivs.ctprof.zst"
	check_eq "unprivileged: jemalloc found, every thread ptrace-seize" "1 0 4 ptrace-seize True" \
		"$(json "$f" "s['probe_summary']['jemalloc_detected'], s['probe_summary']['probed_ok'], s['probe_summary']['failed'], s['probe_summary']['dominant_failure'], s['probe_summary']['privilege_dominant']" | tr -d "(),'")"
	check_eq "unprivileged: threads intact, none measured" "4 je_dynamic False" \
		"$(json "$f" "len(s['threads']), s['threads'][0]['comm'], any(t['jemalloc_measured'] for t in s['threads'])" | tr -d "(),'")"
	check_eq "unprivileged: other fields still read" True \
		"$(json "$f" "all(t['start_time_clock_ticks'] > 0 and t['state'] in 'SR' for t in s['threads'])")"
	show=$("$CTPROF" show "$f")
	check_match "unprivileged: show prints the summary" \
		"jemalloc probe summary: 1 tgids walked, 1 with jemalloc, 0 probed ok, 4 failed, dominant failure ptrace-seize" "$show"
	check_match "unprivileged: show prints the hint" \
		'hint: re-run as root, or sudo setcap cap_sys_ptrace\+eip \$\(which ctprof-exporter\), or set kernel.yama.ptrace_scope=0' "$show"
fi
