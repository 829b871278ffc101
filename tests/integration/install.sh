#!/usr/bin/env bash
# install.sh - `make install` with DESTDIR and PREFIX puts the binaries,
# the systemd unit (ExecStart rewritten to the prefix) and the man page in
# place with the right modes; the man page formats without warnings and
# documents every flag of `ctprof-exporter --help`; systemd-analyze
# accepts the unit; and the unit's privilege model works: the exporter run
# as an unprivileged user holding only the unit's ambient capabilities,
# with no_new_privs, still gets taskstats and reads a jemalloc process.
set -u
. "$CTPROF_TOP/tests/lib.sh"
top=$CTPROF_TOP
work=$(mktemp -d)
chmod 755 "$work"
redis_pid="" exporter_pid=""
cleanup() {
	stop_exporter
	[ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# The binaries of this build, never rebuilt here (-o: taken as up to date).
install_to() { # DESTDIR PREFIX
	make -s -C "$top" BUILD="$CTPROF_BUILD" -o "$CTPROF_BUILD/ctprof" \
		-o "$CTPROF_BUILD/ctprof-exporter" DESTDIR="$1" PREFIX="$2" install >"$work/install.log" 2>&1
}

dest="$work/root"
install_to "$dest" /usr/local
check_eq "make install DESTDIR=... PREFIX=/usr/local" 0 "$?"
for f in bin/ctprof:755 bin/ctprof-exporter:755 lib/systemd/system/ctprof-exporter.service:644 \
	share/man/man1/ctprof-exporter.1:644; do
	path="$dest/usr/local/${f%%:*}"
	check_eq "installed $f" "${f##*:}" "$(stat -c %a "$path" 2>/dev/null)"
done
check_eq "installed: nothing outside the prefix" "$dest/usr/local" \
	"$(find "$dest" -mindepth 2 -maxdepth 2 -printf '%h/%f\n')"
unit="$dest/usr/local/lib/systemd/system/ctprof-exporter.service"
check_eq "unit runs the installed exporter" "ExecStart=/usr/local/bin/ctprof-exporter \$CTPROF_EXPORTER_ARGS" \
	"$(grep '^ExecStart=' "$unit")"
check_match "the installed exporter runs" '0\.[0-9]+\.[0-9]+' \
	"$("$dest/usr/local/bin/ctprof-exporter" --version 2>&1)"
install_to "$work/usr" /usr
check_eq "PREFIX=/usr: ExecStart follows the prefix" "ExecStart=/usr/bin/ctprof-exporter \$CTPROF_EXPORTER_ARGS" \
	"$(grep '^ExecStart=' "$work/usr/usr/lib/systemd/system/ctprof-exporter.service")"

# ---- the man page ----
man="$dest/usr/local/share/man/man1/ctprof-exporter.1"
if command -v groff >/dev/null 2>&1; then
	check_eq "man page formats without warnings" "" "$(groff -t -man -ww -z "$man" 2>&1)"
	# Plain text (-P-cbu: no overstriking), lines long enough never to wrap a flag.
	text=$(groff -man -Tascii -rLL=1000n -P-cbu "$man" 2>/dev/null | tr -s ' \t\n' ' ')
	missing=""
	for flag in $("$CTPROF_BUILD/ctprof-exporter" --help 2>&1 | grep -oE -- '--(\[no-\])?[a-z][a-z0-9._-]*[a-zA-Z]'); do
		case $text in *"$flag"*) ;; *) missing="$missing $flag" ;; esac
	done
	check_eq "man page documents every flag of --help" "" "$missing"
	check_match "man page names the default port" '10042' "$text"
else
	skip "man page" "groff is not installed"
fi

# ---- the unit ----
if command -v systemd-analyze >/dev/null 2>&1; then
	sed "s|^ExecStart=/usr/local/bin/|ExecStart=$dest/usr/local/bin/|" "$unit" \
		>"$work/ctprof-exporter.service"
	out=$(systemd-analyze verify --man=no "$work/ctprof-exporter.service" 2>&1)
	check_eq "systemd-analyze verify accepts the unit" "0:" "$?:$out"
	score=$(systemd-analyze security --offline=true "$work/ctprof-exporter.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	check_match "systemd-analyze security: exposure below 3 (OK)" '^[0-2]\.[0-9]$' "$score"
else
	skip "systemd-analyze verify" "systemd-analyze is not installed"
fi

# The unit's privilege model without systemd: setpriv gives an unprivileged
# user the unit's ambient capabilities (and bounding set) and no_new_privs.
caps=$(sed -n 's/^AmbientCapabilities=//p' "$top/deploy/systemd/ctprof-exporter.service" |
	tr 'A-Z' 'a-z' | sed 's/cap_/+/g; s/ /,/g')
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null 2>&1; then
	skip "the unit's capabilities suffice" "needs root and setpriv"
else
	redis-server --port 0 --unixsocket "$work/redis.sock" --daemonize no --save '' \
		--appendonly no >"$work/redis.log" 2>&1 &
	redis_pid=$!
	for _ in $(seq 100); do [ -S "$work/redis.sock" ] && break; sleep 0.05; done
	log="$work/nobody.log"
	setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps="$caps" --ambient-caps="$caps" \
		--bounding-set="-all,$caps" --no-new-privs \
		"$dest/usr/local/bin/ctprof-exporter" --web.listen-address=127.0.0.1:0 2>"$log" &
	exporter_pid=$!
	base=""
	for _ in $(seq 200); do
		base=$(sed -n 's/.*msg=listening .*bound=\([0-9.]*:[0-9]*\).*/http:\/\/\1/p' "$log" | head -n1)
		[ -n "$base" ] && break
		sleep 0.05
	done
	if [ -n "$base" ] && wait_ready; then
		sleep 1.1 # past --capture.min-interval: this scrape captures with redis up
		m=$(curl -s "$base/metrics")
		val() { printf '%s\n' "$m" | awk -v k="$1" '$1 == k { print $2 }'; }
		check_eq "as nobody with the unit's capabilities: runs as uid 65534" 65534 \
			"$(awk '/^Uid:/ { print $2 }' "/proc/$exporter_pid/status")"
		check_eq "as nobody with the unit's capabilities: no taskstats EPERM" 0 \
			"$(val 'ctprof_taskstats_queries{result="eperm"}')"
		check_match "as nobody with the unit's capabilities: taskstats answers" '^[1-9][0-9]*$' \
			"$(val 'ctprof_taskstats_queries{result="ok"}')"
		check_match "as nobody with the unit's capabilities: jemalloc threads of redis read" \
			'^[1-9][0-9]*$' "$(val ctprof_probe_probed_ok)"
		check_eq "as nobody with the unit's capabilities: ptrace not refused" 0 \
			"$(val ctprof_probe_privilege_dominant)"
		check_match "as nobody with the unit's capabilities: another user's smaps_rollup read" \
			'^[1-9][0-9]*$' "$(printf '%s\n' "$m" |
				awk '/^ctprof_smaps_rollup_bytes\{pcomm="redis-server",key="Rss"\}/ { print $2 }')"
	else
		not_ok "the exporter starts as nobody with the unit's capabilities" "$(cat "$log")"
	fi
	stop_exporter
	check_eq "as nobody with the unit's capabilities: clean exit" 0 "$exporter_status"
fi
