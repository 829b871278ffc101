#!/usr/bin/env bash
# cli_snapshot.sh - `ctprof capture` / `ctprof show` on the fixture tree, and
# every way a snapshot file or a command line can be wrong: exit 2, one
# line naming the file or flag, never a crash or a hang.
set -u
. "$CTPROF_TOP/tests/lib.sh"
fx="$CTPROF_TOP/tests/fixtures/host1"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

run() { # run CMD...: stdout to $work/out, stderr to $work/err, status in $rc
	timeout 60 "$@" >"$work/out" 2>"$work/err"
	rc=$?
}

run "$CTPROF" capture -o "$work/fx.ctprof.zst" --path.procfs "$fx/proc" \
	--path.sysfs "$fx/sys" --path.cgroupfs "$fx/cgroup"
check_eq "capture of the fixture tree exits 0" 0 "$rc"
check_eq "the snapshot is a zstd frame" "28b52ffd" "$(head -c4 "$work/fx.ctprof.zst" | od -An -tx1 | tr -d ' \n')"
run "$CTPROF" show "$work/fx.ctprof.zst"
check_eq "show exits 0" 0 "$rc"
check_match "show counts threads" '^threads: 7$' "$(grep '^threads:' "$work/out")"
check_match "show counts processes" '^processes: 3$' "$(grep '^processes:' "$work/out")"
check_match "show counts cgroups" '^cgroups: 2$' "$(grep '^cgroups:' "$work/out")"
check_match "show ranks app first by CPU" '^  app +2 ' "$(sed -n '/^busiest/{n;n;p}' "$work/out")"
check_match "show prints the parse summary" \
	'parse summary: 8 tids walked, 5 read failures \(io=2, schedstat=2, smaps_rollup=1\), dominant io, 2 negative dotted values' \
	"$(cat "$work/out")"
check_match "show prints the kernel-config hint" 'hint: schedstat / io read failures dominate' "$(cat "$work/out")"

# Corrupt snapshots: exit 2 and exactly one line that names the file.
printf '' >"$work/empty.ctprof.zst"
head -c 4096 /dev/urandom >"$work/random.ctprof.zst"
head -c $(($(stat -c %s "$work/fx.ctprof.zst") / 2)) "$work/fx.ctprof.zst" >"$work/truncated.ctprof.zst"
echo 'not json' | zstd -q -c >"$work/notjson.ctprof.zst"
echo '[1,2]' | zstd -q -c >"$work/array.ctprof.zst"
echo '{"threads":[{"tid":"seven"}]}' | zstd -q -c >"$work/wrongtype.ctprof.zst"
echo '{"threads":[{"tid":7}]}' >"$work/plain.ctprof.zst"
head -c $((257 * 1024 * 1024)) /dev/zero | zstd -q -1 -c >"$work/huge.ctprof.zst"
for f in empty random truncated notjson array wrongtype plain huge missing; do
	run "$CTPROF" show "$work/$f.ctprof.zst"
	check_eq "corrupt '$f': exit 2" 2 "$rc"
	check_eq "corrupt '$f': one line on stderr" 1 "$(wc -l <"$work/err")"
	check_match "corrupt '$f': names the file" "^ctprof: $work/$f.ctprof.zst: " "$(cat "$work/err")"
done

# Bad command lines: a usage message and exit 2.
for args in "capture" "capture -o" "capture -o x --bogus" "capture -o x --pid abc" \
	"capture -o x --pid 0" "show" "show a b" "show --bogus" "frobnicate" ""; do
	# shellcheck disable=SC2086
	run "$CTPROF" $args
	check_eq "bad usage '$args': exit 2" 2 "$rc"
	check_match "bad usage '$args': says what is wrong" '^ctprof: ' "$(head -n1 "$work/err")"
done
run "$CTPROF" capture -o "$work/x" --path.procfs "$work/nonexistent"
check_eq "missing procfs root: exit 1" 1 "$rc"
check_match "missing procfs root: says so" 'cannot open procfs root' "$(cat "$work/err")"
for args in "--help" "capture --help" "show --help"; do
	# shellcheck disable=SC2086
	run "$CTPROF" $args
	check_eq "'$args' exits 0" 0 "$rc"
	check_match "'$args' prints usage" '^usage: ctprof' "$(head -n1 "$work/out")"
done
run "$CTPROF_BUILD/ctprof-exporter" --version
check_match "ctprof-exporter --version" '^ctprof-exporter [0-9]' "$(cat "$work/out")"
run "$CTPROF_BUILD/ctprof-exporter" --bogus
check_eq "ctprof-exporter bad flag: exit 2" 2 "$rc"
