#!/usr/bin/env bash
# Runs every test of one build: the cmocka unit binaries, then the shell
# integration tests. Ends with the plain line "N passed, N failed" counting
# test cases (cmocka cases and integration checks), and exits non-zero on
# any failure.
set -u
build=${1:?usage: tests/run.sh BUILD_DIR}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
export CTPROF_BUILD="$top/$build" CTPROF_TOP="$top"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0 failed=0 failed_names=()
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

count_cmocka() { # $1 = output file; prints its "PASSED FAILED" case counts
	local p f
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$1" | awk '{s+=$1} END {print s+0}')
	echo "$p $f"
}

for bin in "$build"/tests/test_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	out="$log/$name.out"
	t0=$SECONDS
	timeout 300 "$bin" >"$out" 2>&1
	rc=$?
	echo "$name: $((SECONDS - t0)) s" >>"$log/times"
	read -r p f < <(count_cmocka "$out")
	passed=$((passed + p)); failed=$((failed + f))
	cat "$out"
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		# crashed or sanitizer abort: no cmocka verdict for the rest
		failed=$((failed + 1))
		failed_names+=("$name (exit $rc)")
	elif [ "$f" -gt 0 ]; then
		failed_names+=("$name")
	fi
done

# Integration tests print "ok - name" / "not ok - name" / "skip - name: why".
for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	out="$log/$name.out"
	echo "== $name"
	t0=$SECONDS
	timeout 300 bash "$t" >"$out" 2>&1
	rc=$?
	echo "$name: $((SECONDS - t0)) s" >>"$log/times"
	cat "$out"
	p=$(grep -c '^ok - ' "$out")
	f=$(grep -c '^not ok - ' "$out")
	passed=$((passed + p)); failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		failed=$((failed + 1))
		failed_names+=("$name (exit $rc)")
	elif [ "$f" -gt 0 ]; then
		failed_names+=("$name")
	fi
done

echo "== time per test"
sort -t: -k2 -n -r "$log/times" | head -n 12
if [ ${#failed_names[@]} -gt 0 ]; then
	echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
