# shellcheck shell=bash disable=SC2154
# bench/scrape_report.sh - the markdown report of bench/scrape.sh, sourced by
# it: report() reads the figures of the run (fig[LOAD/WHO/KEY], through get,
# calc, ratio and met) and the run's settings (build, started_at, LOADS...)
# and prints the tables and the ratios with their targets. Every ratio is of
# two figures of the same run.

# mib KB: kB as MiB, one decimal.
mib() {
	calc %.1f "$1 / 1024"
}

# ms VALUE: milliseconds, two decimals below 10, one above.
ms() {
	case $1 in '?') echo '?' && return ;; esac
	awk -v v="$1" 'BEGIN { printf (v < 10 ? "%.2f" : "%.1f"), v }'
}

# us LOAD KEY: a bench_capture figure in µs, one decimal.
us() {
	calc %.1f "$(get "$1" capture "$2")"
}

# mark RATIO LIMIT: the ratio, checked against the limit.
mark() {
	local m
	m=$(met "$1" "$2")
	case $m in yes) echo "$1 ✓" ;; '?') echo '?' ;; *) echo "**$1 ✗**" ;; esac
}

# row TITLE TARGET CELL...: one line of the ratios table.
row() {
	local title=$1 target=$2
	shift 2
	printf '| %s |' "$title"
	printf ' %s |' "$@"
	printf ' %s |\n' "$target"
}

peer_version() {
	dpkg-query -W -f '${Version}' "$1" 2>/dev/null || echo '?'
}

report_header() {
	local commit dirty=""
	commit=$(git rev-parse --short HEAD 2>/dev/null || echo '?')
	git diff --quiet HEAD 2>/dev/null || dirty=" with uncommitted changes"
	echo "# ctprof-exporter, prometheus-process-exporter, node_exporter: $started_at"
	echo
	echo "- host: kernel $(uname -r), $(nproc) CPUs" \
		"($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1))," \
		"load average $loadavg_start at the start, $(cut -d' ' -f1-3 /proc/loadavg) at the end"
	echo "- $("$build/ctprof-exporter" --version 2>&1 | head -n1)," \
		"commit $commit$dirty: defaults but \`--capture.min-interval=0s\` (a capture per scrape)"
	echo "- prometheus-process-exporter $(peer_version "$PE") (Debian):" \
		"\`-threads=true -procfs /proc\`, config grouping by comm" \
		"(\`name: \"{{.Comm}}\"\`, \`cmdline: ['.+']\`), \`-gather-smaps\` left on (its default)"
	echo "- prometheus-node-exporter $(peer_version "$NE") (Debian):" \
		"\`--collector.disable-defaults --collector.processes\`, GOMAXPROCS 1 (its default)"
	echo "- load: extra threads = processes of $THREADS_PER_PROC threads (bench/workload)," \
		"every process and thread name distinct, each thread awake a few µs a second" \
		"(so between two captures seconds apart every thread has run) and making no" \
		"read or write syscalls (so its processes' io totals do not move)"
	echo "- each exporter alone, on loopback; scrape figures are the median of" \
		"$SCRAPES scrapes after $WARMUP warm-ups on one keep-alive connection," \
		"\`Accept-Encoding: identity\`; CPU/scrape is the exporter's utime+stime" \
		"over those scrapes ÷ $SCRAPES (clock tick $((1000 / HZ)) ms);" \
		"RSS and HWM (VmRSS, VmHWM) after them; series = non-comment lines;" \
		"these measurements took $((elapsed / 60)) min $((elapsed % 60)) s"
	echo
}

report_scrapes() {
	local load who name
	echo "## Scrapes"
	echo
	echo "| extra threads | host threads | exporter | scrape wall ms | CPU ms/scrape |" \
		"RSS MiB | HWM MiB | series | response bytes |"
	echo "|---:|---:|---|---:|---:|---:|---:|---:|---:|"
	for load in "${LOADS[@]}"; do
		for who in ctprof pe ne; do
			case $who in
			ctprof) name=ctprof-exporter ;;
			pe) name=process-exporter ;;
			ne) name=node_exporter ;;
			esac
			echo "| $load | $(get "$load" host threads) | $name" \
				"| $(ms "$(get "$load" "$who" wall_ms)") | $(get "$load" "$who" cpu_ms)" \
				"| $(mib "$(get "$load" "$who" rss_kb)") | $(mib "$(get "$load" "$who" hwm_kb)")" \
				"| $(get "$load" "$who" series) | $(calc %d "$(get "$load" "$who" bytes)") |"
		done
	done
	echo
}

report_capture() {
	local load
	echo "## Capture and snapshot (ctprof)"
	echo
	echo "Capture and floor7: \`bench_capture --live\`, median of $CAPTURE_RUNS runs; CPU is" \
		"the whole process's (worker threads included); the cold capture reads every" \
		"thread and probes every process for jemalloc; the daemon capture keeps its memo" \
		"and its jemalloc prober from one run to the next, as the daemon does, its runs" \
		"1.2 s apart (every workload thread has run in between); floor7 = open, read, close of" \
		"stat, status, io, sched, schedstat, cgroup and comm of every task, by openat on" \
		"the task's directory fd. Snapshot: the download of a capture already taken" \
		"(the daemon's min-interval makes \`GET /snapshot.ctprof.zst\` reuse the capture of" \
		"the scrape just before; a new capture every round, so each download encodes)," \
		"median of $SNAPSHOTS, next to the daemon's own duration of those captures."
	echo
	echo "| extra threads | threads | capture wall µs/thread | capture CPU µs/thread |" \
		"daemon capture CPU µs/thread (threads reused whole; io only) |" \
		"floor7 wall µs/thread | floor7 CPU µs/thread | capture ms | daemon capture ms |" \
		"snapshot download ms | snapshot bytes | daemon HWM after downloads MiB |"
	echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
	for load in "${LOADS[@]}"; do
		echo "| $load | $(get "$load" capture threads)" \
			"| $(us "$load" capture_wall_us) | $(us "$load" capture_cpu_us)" \
			"| $(us "$load" daemon_cpu_us) ($(calc %d "$(get "$load" capture daemon_reused)");" \
			"$(calc %d "$(get "$load" capture daemon_io_reused)"))" \
			"| $(us "$load" floor7_wall_us) | $(us "$load" floor7_cpu_us)" \
			"| $(ms "$(get "$load" capture capture_wall_ms)")" \
			"| $(ms "$(get "$load" snap capture_ms)") | $(ms "$(get "$load" snap download_ms)")" \
			"| $(calc %d "$(get "$load" snap bytes)") | $(mib "$(get "$load" snap hwm_kb)") |"
	done
	local bad
	bad=$(for load in "${LOADS[@]}"; do
		[ "$(get "$load" snap reused)" = "$SNAPSHOTS" ] || echo "$load"
	done | tr '\n' ' ')
	if [ -n "$bad" ]; then
		echo
		echo "Some downloads at $bad extra threads did not reuse the scrape's capture:" \
			"their figure includes a capture."
	fi
	echo
}

report_ratios() {
	local load
	echo "## Ratios and targets"
	echo
	printf '| ratio |'
	printf ' %s extra threads |' "${LOADS[@]}"
	echo " target |"
	printf '|---|'
	for load in "${LOADS[@]}"; do printf -- '---:|'; done
	echo "---|"
	ratio_row "capture CPU/thread ÷ floor7 CPU/thread (cold: every thread read)" \
		"≤ 0.6 at 10000" 10000 0.6 capture capture_cpu_us capture floor7_cpu_us
	ratio_row "daemon capture CPU/thread ÷ floor7 CPU/thread (memo: idle threads, unmoved io)" \
		"≤ 0.6 at 10000" 10000 0.6 capture daemon_cpu_us capture floor7_cpu_us
	ratio_row "ctprof scrape wall ÷ process-exporter scrape wall" "≤ 0.35 at 10000" \
		10000 0.35 ctprof wall_ms pe wall_ms
	ratio_row "ctprof CPU/scrape ÷ process-exporter CPU/scrape" "—" - - \
		ctprof cpu_ms pe cpu_ms
	ratio_row "ctprof scrape wall ÷ node_exporter scrape wall" "—" - - \
		ctprof wall_ms ne wall_ms
	ratio_row "ctprof CPU/scrape ÷ node_exporter CPU/scrape" "—" - - \
		ctprof cpu_ms ne cpu_ms
	for load in "${LOADS[@]}"; do
		put "$load" target rss_kb $((RSS_TARGET_MIB * 1024))
	done
	ratio_row "ctprof RSS ÷ $RSS_TARGET_MIB MiB" "≤ 1 at 10000" 10000 1 \
		ctprof rss_kb target rss_kb
	ratio_row "snapshot download ÷ daemon capture" "≤ 1" all 1 \
		snap download_ms snap capture_ms
	echo
	report_long
}

# ratio_row TITLE TARGET WHEN LIMIT A_WHO A_KEY B_WHO B_KEY: A ÷ B per load,
# checked against LIMIT at every load (WHEN all), at one load (WHEN the
# load) or nowhere (WHEN -).
ratio_row() {
	local title=$1 target=$2 when=$3 limit=$4 load r cells=()
	shift 4
	for load in "${LOADS[@]}"; do
		r=$(ratio "$(get "$load" "$1" "$2")" "$(get "$load" "$3" "$4")")
		case $when in
		all | "$load") cells+=("$(mark "$r" "$limit")") ;;
		*) cells+=("$r") ;;
		esac
	done
	row "$title" "$target" "${cells[@]}"
}

flat() {
	case $(met "$1" "$RSS_FLAT_MIB") in
	yes) echo "flat ✓" ;;
	'?') echo "?" ;;
	*) echo "**not flat ✗**" ;;
	esac
}

report_long() {
	local n before after growth
	n=$(get "$MAX_LOAD" long scrapes)
	[ "$n" != '?' ] || return 0
	before=$(mib "$(get "$MAX_LOAD" ctprof rss_kb)")
	after=$(mib "$(get "$MAX_LOAD" long rss_kb)")
	growth=$(calc %+.1f "$after - $before")
	echo "RSS over a long run at $MAX_LOAD extra threads (target: ≤ $RSS_TARGET_MIB MiB and" \
		"flat over 1000 scrapes, read here as growing by at most $RSS_FLAT_MIB MiB):" \
		"$before MiB after the warm-up and measured scrapes, $after MiB after $n more" \
		"scrapes in $(get "$MAX_LOAD" long seconds) s (HWM $(mib "$(get "$MAX_LOAD" long hwm_kb)")" \
		"MiB): $growth MiB, $(flat "$growth")."
	if [ "$n" -lt "$LONG_SCRAPES" ]; then
		echo "Only $n of $LONG_SCRAPES scrapes fitted in BENCH_LONG_SECONDS=$LONG_SECONDS."
	fi
	echo
}

report_render() {
	echo "## Rendering (bench_render, synthetic 10,000 threads, target ≤ 10 ms)"
	echo
	if [ -z "$render_out" ] || [ ! -s "$render_out" ]; then
		echo "bench_render was not run (not built)."
		echo
		return 0
	fi
	echo '```'
	grep '^render ' "$render_out" || cat "$render_out"
	echo '```'
	echo
}

report() {
	report_header
	report_scrapes
	report_capture
	report_ratios
	report_render
}
