#!/usr/bin/env bash
# Runs every benchmark of one build and prints its figures.
set -eu
build=${1:?usage: bench/run.sh BUILD_DIR}
cd "$(dirname "$0")/.."
echo "== capture ($(nproc) CPUs, $(uname -r))"
"$build/bench/bench_capture" "${BENCH_RUNS:-5}"
