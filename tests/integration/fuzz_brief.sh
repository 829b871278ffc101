#!/usr/bin/env bash
# fuzz_brief.sh - every libFuzzer harness (build/fuzz, made by `make test`
# with clang) for CTPROF_FUZZ_SECONDS each (default 10), two at a time:
# each first replays its seeds and every crash reproducer kept in
# tests/fuzz/regress/<name>/, then mutates from there (not from what
# earlier `make fuzz` runs found: the same cost every time). One
# "ok"/"not ok" per harness.
# `make fuzz` is the long run (FUZZ_SECONDS, default 60 each).
set -u
. "$CTPROF_TOP/tests/lib.sh"
fuzz_build="$CTPROF_TOP/build/fuzz"
if ! ls "$fuzz_build"/fuzz/fuzz_* >/dev/null 2>&1; then
	skip "fuzz harnesses" "not built (make BUILD=build/fuzz SANITIZE=fuzz CC=clang fuzz-build)"
	exit 0
fi
FUZZ_FRESH=1 FUZZ_JOBS=${FUZZ_JOBS:-2} \
	"$CTPROF_TOP/tests/fuzz/run.sh" "$fuzz_build" "${CTPROF_FUZZ_SECONDS:-10}"
