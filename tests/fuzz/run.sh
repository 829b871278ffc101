#!/usr/bin/env bash
# run.sh - run the libFuzzer harnesses of one build for a set time each,
# FUZZ_JOBS (default: the CPU count) at a time. Each starts from its seeds
# (tests/fuzz/corpus/<name>), the crash reproducers kept as regression
# inputs (tests/fuzz/regress/<name>, every one replayed first) and what
# earlier runs found (BUILD/fuzz-corpus/<name>, where new inputs go, so
# the checked-in seeds stay as written). With FUZZ_FRESH=1 (the brief runs
# of `make test`) that directory starts empty each time, so a run costs the
# same however long earlier runs were. A crash, leak, sanitizer report or
# a hang beyond 10 s on one input fails the harness; its reproducer is left
# in BUILD/fuzz-artifacts/<name>/ - fix the parser, then move the file to
# tests/fuzz/regress/<name>/.
#
# Prints "ok - fuzz NAME: ..." / "not ok - fuzz NAME: ..." per harness and
# exits non-zero if any failed.
#
# usage: tests/fuzz/run.sh BUILD SECONDS [NAME...]
set -u
build=${1:?usage: tests/fuzz/run.sh BUILD SECONDS [NAME...]}
secs=${2:?usage: tests/fuzz/run.sh BUILD SECONDS [NAME...]}
shift 2
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
jobs=${FUZZ_JOBS:-$(nproc)}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

names=("$@")
if [ ${#names[@]} -eq 0 ]; then
	for bin in "$build"/fuzz/fuzz_*; do
		[ -x "$bin" ] && names+=("$(basename "$bin" | sed 's/^fuzz_//')")
	done
fi
[ ${#names[@]} -gt 0 ] || { echo "not ok - fuzz: no harness in $build/fuzz"; exit 1; }

# one NAME: run it; prints its verdict line, returns non-zero on failure.
one() {
	local name=$1 bin="$build/fuzz/fuzz_$1"
	local work="$build/fuzz-corpus/$1" art="$build/fuzz-artifacts/$1/" log
	[ "${FUZZ_FRESH:-0}" = 1 ] && work="$build/fuzz-fresh/$1" && rm -rf "$work"
	local dirs=("$work" "tests/fuzz/corpus/$1")
	[ -d "tests/fuzz/regress/$1" ] && dirs+=("tests/fuzz/regress/$1")
	mkdir -p "$work" "$art"
	log="$build/fuzz-artifacts/$1.log"
	if [ ! -x "$bin" ]; then
		echo "not ok - fuzz $name: $bin not built"
		return 1
	fi
	"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$art" "${dirs[@]}" >"$log" 2>&1
	local rc=$? runs
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	if [ $rc -eq 0 ]; then
		echo "ok - fuzz $name: ${runs:-?} runs in ${secs}s, corpus $(ls "$work" | wc -l) new"
		return 0
	fi
	echo "not ok - fuzz $name: exit $rc, reproducer: $(ls -t "$art" | head -n1 | sed "s|^|$art|")"
	grep -E '^(==[0-9]+==ERROR|SUMMARY|[^ ]*runtime error)|^ +#[0-9]+ ' "$log" | head -n 20 | sed 's/^/# /'
	return 1
}

# FUZZ_JOBS at a time; verdicts printed in harness order at the end.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
running=0
for name in "${names[@]}"; do
	one "$name" >"$tmp/$name" &
	running=$((running + 1))
	if [ $running -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
done
wait
failed=0
for name in "${names[@]}"; do
	cat "$tmp/$name"
	grep -q '^ok - ' "$tmp/$name" || failed=1
done
exit $failed
