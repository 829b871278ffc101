#!/usr/bin/env bash
# exporter_snapshot.sh - the /snapshot.ctprof.zst download. It is compressed
# once per capture and kept with it: two downloads of one capture are the
# same bytes, and the capture was not repeated for them; a new capture gets
# a new download. The bytes are one zstd frame of compact JSON that reads
# back (ctprof show) and is exactly what a JSON parser writes back compactly
# (key order, integers, escapes). On the fixture tree, then on a synthetic
# tree of 20 processes x 100 threads, where the writer streams many chunks.
set -u
. "$CTPROF_TOP/tests/lib.sh"
fx="$CTPROF_TOP/tests/fixtures/host1"
PY=/usr/bin/python3
work=$(mktemp -d)
cleanup() {
	stop_exporter
	rm -rf "$work"
}
trap cleanup EXIT

# reserialised FILE: "same" when the JSON in FILE is byte for byte what
# Python writes back for it compactly (non-ASCII kept, as serde does).
reserialised() {
	"$PY" -c '
import json, sys
raw = open(sys.argv[1], "rb").read()
again = json.dumps(json.loads(raw), separators=(",", ":"), ensure_ascii=False)
print("same" if again.encode() == raw else "differs")' "$1"
}

captures() { grep -c 'msg="capture complete"' "$1"; }

# download NAME: the snapshot into $work/NAME.zst and its JSON into $work/NAME.json.
download() {
	curl -s -o "$work/$1.zst" "$base/snapshot.ctprof.zst"
	zstd -q -dc "$work/$1.zst" >"$work/$1.json" 2>/dev/null
}

captured_at() { sed -n 's/^{"captured_at_unix_ns":\([0-9]*\),.*/\1/p' "$1"; }

# one_capture_downloaded_twice NAME THREADS ROOT: an exporter on the tree
# ROOT (proc, sys and cgroup under it) that keeps its first capture; checks
# two downloads of it, named NAME in the output, of THREADS threads.
one_capture_downloaded_twice() {
	local name=$1 threads=$2 root=$3
	start_exporter "$work/$name.log" --path.procfs="$root/proc" --path.sysfs="$root/sys" \
		--path.cgroupfs="$root/cgroup" --capture.min-interval=1h --log.level=debug || exit 1
	wait_ready
	download "$name.1"
	download "$name.2"
	check_eq "$name: two downloads of one capture are the same bytes" "" \
		"$(cmp "$work/$name.1.zst" "$work/$name.2.zst" 2>&1)"
	check_eq "$name: one capture served both" 1 "$(captures "$work/$name.log")"
	check_eq "$name: one zstd frame" 1 \
		"$(zstd -lv "$work/$name.1.zst" 2>/dev/null | sed -n 's/^# Zstandard Frames: //p')"
	check_eq "$name: compact JSON, as a parser writes it back" same \
		"$(reserialised "$work/$name.1.json")"
	check_match "$name: reads back with ctprof show" "^threads: $threads\$" \
		"$("$CTPROF" show "$work/$name.1.zst" | grep '^threads:')"
	stop_exporter
	check_eq "$name: clean exit" 0 "$exporter_status"
}

one_capture_downloaded_twice fixture 7 "$fx"

# ---- a capture per download: each gets its own bytes ----
start_exporter "$work/fresh.log" --path.procfs="$fx/proc" --path.sysfs="$fx/sys" \
	--path.cgroupfs="$fx/cgroup" --capture.min-interval=0s --log.level=debug || exit 1
wait_ready
download fresh.1
download fresh.2
check_eq "fresh: a new capture per download (3 with the first at start)" 3 \
	"$(captures "$work/fresh.log")"
t1=$(captured_at "$work/fresh.1.json")
t2=$(captured_at "$work/fresh.2.json")
check_eq "fresh: the later download is of the later capture" 1 \
	"$("$PY" -c "print(int(${t2:-0} > ${t1:-0} > 0))")"
stop_exporter

# ---- 2,000 threads: ~4 MB of JSON, some 64 chunks of it ----
mkdir "$work/big"
"$CTPROF_BUILD/tests/helpers/make_proc_tree" "$work/big/proc" 20 100
one_capture_downloaded_twice 2k-threads 2000 "$work/big"
