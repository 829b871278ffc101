#!/usr/bin/env bash
# make_corpus.sh - (re)write the seed corpora tests/fuzz/corpus/<harness>/
# from the fixture trees, this host's /proc, the kernel's own taskstats
# replies and small binaries. Run as root (taskstats) from the top of the
# tree after `make BUILD=build/asan SANITIZE=1 test-build` (the ELF seeds
# are its jemalloc test targets). Seeds are small on purpose: libFuzzer
# caps new inputs at the largest seed, and a brief run must get past them.
#
# usage: tests/fuzz/make_corpus.sh [BUILD_DIR]
set -eu
build=${1:-build/asan}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
c=tests/fuzz/corpus
fx=tests/fixtures
rm -rf "$c"
mkdir -p "$c"

# add KIND NAME ARG...: one seed per ARG in corpus/NAME/, numbered on from
# what is there: KIND "file" copies each readable, non-empty file (as <n>),
# "text" writes each string with its backslash escapes (as t<n>).
add() {
	local kind=$1 name=$2 n
	shift 2
	mkdir -p "$c/$name"
	n=$(ls "$c/$name" | wc -l)
	for a in "$@"; do
		if [ "$kind" = file ]; then
			[ -s "$a" ] || continue
			cp "$a" "$c/$name/$n"
		else
			printf '%b' "$a" >"$c/$name/t$n"
		fi
		n=$((n + 1))
	done
}
seed() { add file "$@"; }
text() { add text "$@"; }

for f in stat status io sched schedstat cgroup; do
	name=$f
	[ "$f" = cgroup ] && name=proc_cgroup
	seed "$name" $(find "$fx"/host*/proc -path '*/task/*' -name "$f" | sort | head -n 6) \
		"/proc/$$/task/$$/$f" "/proc/1/$f"
done
text stat '1 (a) b) c) R 1 1 1 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 18446744073709551615\n' \
	'2 (kworker/0:0-events) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 20 0 1 0 10 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n'
text sched 'a (1, #threads: 1)\n---\nse.statistics.wait_sum : -1.000000\nse.sum_sleep_runtime : 10.5\nse.sum_block_runtime : 2.25\nstats.wait_max : 1.1234567\n'
seed smaps_rollup $(find "$fx" -name smaps_rollup | sort | head -n 2) /proc/self/smaps_rollup
seed psi "$fx"/host*/proc/pressure/* /proc/pressure/cpu /proc/pressure/io
text psi 'some avg10=100.00 avg60=655.36 avg300=0.5 total=18446744073709551615\nfull avg10=1. total=-1\n'
seed mountinfo "$fx"/mountinfo/*.txt /proc/self/mountinfo
text mountinfo '1 2 0:1 / /a\\040b rw - cgroup2 cgroup2 rw\n'
text cpu_list '0' '0-3' '0-3,8,10-11' ' 1 , 3-3 ,\n' '0-65535' '4294967295' '3-1' '1,,2'
seed cpu_list /sys/devices/system/cpu/online /sys/devices/system/cpu/possible \
	"$fx"/host1/sys/devices/system/node/node0/cpulist

# cgroup_files: the controller files of one cgroup, NUL-separated in the
# harness's order; a missing file is an empty field.
cgroup_seed() { # DIR OUT
	local first=1
	for f in cpu.stat cpu.max cpu.weight cpu.weight.nice memory.current memory.max \
		memory.high memory.low memory.min memory.stat memory.events pids.current \
		pids.max cpu.pressure memory.pressure io.pressure irq.pressure; do
		[ $first = 1 ] || printf '\0'
		first=0
		if [ -r "$1/$f" ]; then cat "$1/$f"; fi
	done >"$2"
}
mkdir -p "$c/cgroup_files"
i=0
for d in "$fx"/host1/cgroup "$fx"/host1/cgroup/system.slice/app.service \
	"$fx"/host1/cgroup/batch.slice; do
	cgroup_seed "$d" "$c/cgroup_files/$i"
	i=$((i + 1))
done

# taskstats: the kernel's replies (tid prefixed): a thread's stats, a gone
# tid (ESRCH) and, without CAP_NET_ADMIN, EPERM.
mkdir -p "$c/taskstats"
py=tests/fuzz/taskstats_reply.py
python3 "$py" $$ >"$c/taskstats/ok" || rm -f "$c/taskstats/ok"
python3 "$py" 999999999 >"$c/taskstats/esrch" || rm -f "$c/taskstats/esrch"
setpriv --bounding-set -net_admin --inh-caps -net_admin python3 "$py" $$ \
	>"$c/taskstats/eperm" 2>/dev/null || rm -f "$c/taskstats/eperm"

# snapshots: the fixture JSON, and the same zstd-compressed; a live capture
# of one small process.
seed snapshot_json "$fx"/snapshots/host1.json
mkdir -p "$c/snapshot"
zstd -q -c "$fx"/snapshots/host1.json >"$c/snapshot/host1.ctprof.zst"
sleep 30 &
"$build/ctprof" capture --pid $! -o "$c/snapshot/sleep.ctprof.zst" 2>/dev/null || true
kill $! 2>/dev/null || true
zstd -q -dc "$c/snapshot/sleep.ctprof.zst" >"$c/snapshot_json/sleep.json" 2>/dev/null || true

# elf: the jemalloc probe's test targets (TSD symbol, TLS, DWARF, a
# debuglink, a general-dynamic shared object), each under 64 KiB.
mkdir -p "$c/elf"
for f in tsd_custom tsd_custom_nodebug tsd_custom.debug tsd_custom.stripped tsd_gd.so; do
	[ -f "$build/tests/jemalloc/$f" ] && cp "$build/tests/jemalloc/$f" "$c/elf/$f"
done

# http: Accept, Accept-Encoding, path and scrape timeout, '\n'-separated.
text http 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1\ngzip\n/metrics\n10' \
	'text/plain;q=0.9, application/openmetrics-text;q=0.3\ndeflate, gzip;q=0\n/snapshot.ctprof.zst\n0.02' \
	'*/*\n*;q=0.5\n/-/ready\n1e300' '\n\n/\ninf'

# web_config: the --web.config.file shapes exporter-toolkit documents.
h='$2y$10$X0h1gDsPszWURQaxFh.zoubFi6DXncSjhoQNJgRrnGs7EsimhC7zG'
text web_config "basic_auth_users:\n  alice: $h\n  bob: \"$h\"\n" \
	'tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.pem\n  min_version: TLS12\n  max_version: TLS13\n' \
	"tls_server_config: ~\nbasic_auth_users: {}\nhttp_server_config:\n  http2: true\n" \
	"# comment\n---\nbasic_auth_users:\n  ? carol\n  : $h\n..."

du -sh "$c"
find "$c" -type f -exec chmod 644 {} +
