#!/usr/bin/env bash
# Runs every benchmark of one build and prints its figures. The synthetic
# tree (100 processes x 100 threads) is written once to a temporary
# directory and removed afterwards. Ends with bench/scrape.sh, the
# exporters compared under load, whose markdown table lands in
# bench/results/ (bench_render's lines, when it is built, go in it too).
set -eu
build=${1:?usage: bench/run.sh BUILD_DIR}
cd "$(dirname "$0")/.."
tree=$(mktemp -d /tmp/ctprof-bench-XXXXXX)
trap 'rm -rf "$tree"' EXIT
"$build/tests/helpers/make_proc_tree" "$tree/proc" 100 100
echo "== capture ($(nproc) CPUs, $(uname -r))"
"$build/bench/bench_capture" "$tree" "${BENCH_RUNS:-5}"
echo "== jemalloc probe"
"$build/bench/bench_jemalloc" "$build/tests/jemalloc/je_dynamic" "${BENCH_RUNS:-9}"
echo "== taskstats pass ($(nproc) CPUs, rmem_max $(cat /proc/sys/net/core/rmem_max 2>/dev/null || echo ?))"
"$build/bench/bench_taskstats" "${BENCH_RUNS:-5}"
if [ -x "$build/bench/bench_render" ]; then
	echo "== render"
	"$build/bench/bench_render" "$tree" | tee "$tree/render.txt"
fi
bench/scrape.sh "$build" "$tree/render.txt"
