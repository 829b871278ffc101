#!/usr/bin/env bash
# exporter_security.sh - the daemon's security features, end to end:
# --web.config.file basic auth (401 and 200, on every path, reloaded when
# the file changes, a broken file kept out), TLS scraped with curl
# --cacert, min_version, client certificates (required and verified,
# verified if given, any), config errors at start (exit 2), the running
# daemon's capability sets and seccomp state, what the seccomp filter
# denies (tests/helpers/seccomp_probe installs it through the daemon's own
# code), the jemalloc probe still working under it, and --no-web.snapshot.
set -u
. "$CTPROF_TOP/tests/lib.sh"
EXPORTER="$CTPROF_BUILD/ctprof-exporter"
work=$(mktemp -d)
target=""
cleanup() {
	stop_exporter
	[ -n "$target" ] && kill "$target" 2>/dev/null && wait "$target" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
header() { # NAME, then curl args: the response header's value
	local n=$1
	shift
	curl -s -D - -o /dev/null "$@" | tr -d '\r' |
		awk -v n="$n" 'tolower($0) ~ "^"tolower(n)":" { sub(/^[^:]*: */, ""); print; exit }'
}
# put FILE: stdin to FILE by rename, as a config tool would
put() { cat >"$1.new" && mv "$1.new" "$1"; }

# bcrypt (cost 10) of "s3cret" and, as $2y$ (htpasswd's prefix), of "hunter2".
ALICE='$2b$10$ZHWdTuGuJ0dP1YR0Rx9gy.SNWUCRf36szyhoyjUQRtb2L20/b75GW'
BOB='$2y$10$gWvideY6eCvlrGc8tHoV/uD0ADRomEvoZrnuwTa8mQrnle.uXRL/a'

# ---- basic auth over plain HTTP ----
printf 'basic_auth_users:\n  alice: %s\n' "$ALICE" | put "$work/auth.yml"
start_exporter "$work/auth.log" --web.config.file="$work/auth.yml" --log.level=debug || exit 1
check_eq "basic auth: no credentials 401" 401 "$(code "$base/metrics")"
check_eq "basic auth: 401 names the scheme and realm" 'Basic realm="ctprof-exporter", charset="UTF-8"' \
	"$(header www-authenticate "$base/metrics")"
check_eq "basic auth: wrong password 401" 401 "$(code -u alice:wrong "$base/metrics")"
check_eq "basic auth: unknown user 401" 401 "$(code -u mallory:s3cret "$base/metrics")"
check_eq "basic auth: right password 200" 200 "$(code -u alice:s3cret "$base/metrics")"
check_eq "basic auth: again (cached) 200" 200 "$(code -u alice:s3cret "$base/metrics")"
check_eq "basic auth: every path, /-/healthy too" "401 200" \
	"$(code "$base/-/healthy") $(code -u alice:s3cret "$base/-/healthy")"
check_eq "basic auth: before 404 and 405" "401 401" \
	"$(code "$base/nope") $(code -X POST "$base/metrics")"
check_match "basic auth without TLS is warned about" 'level=warn msg="basic auth without TLS' \
	"$(cat "$work/auth.log")"

printf 'basic_auth_users:\n  bob: %s\n' "$BOB" | put "$work/auth.yml"
check_eq "reload: a new user applies without restart (\$2y\$ hash)" 200 \
	"$(code -u bob:hunter2 "$base/metrics")"
check_eq "reload: a removed user is refused, cache or not" 401 "$(code -u alice:s3cret "$base/metrics")"
printf 'basic_auth_users:\n  bob: [oops\n' | put "$work/auth.yml"
check_eq "reload: a broken file keeps the previous users" "200 401" \
	"$(code -u bob:hunter2 "$base/metrics") $(code "$base/metrics")"
check_match "reload: the broken file is logged" 'level=error msg="web config: reload failed; keeping the previous settings"' \
	"$(cat "$work/auth.log")"
: >"$work/auth.yml"
check_eq "reload: an emptied file (a write in progress) keeps the users" 401 "$(code "$base/metrics")"
stop_exporter
check_eq "basic auth: clean exit" 0 "$exporter_status"

# ---- config errors at start: one line, exit 2 ----
bad() { # NAME YAML REGEX
	printf '%s\n' "$2" >"$work/bad.yml"
	"$EXPORTER" --web.listen-address=127.0.0.1:0 --web.config.file="$work/bad.yml" \
		>/dev/null 2>"$work/err"
	check_eq "bad config, $1: exit 2" 2 "$?"
	check_match "bad config, $1: says why" "$3" "$(head -n1 "$work/err")"
}
bad "unknown key" 'basic_auth_user: {}' "bad.yml:1: unknown key 'basic_auth_user'"
bad "unknown TLS key" $'tls_server_config:\n  certfile: x' "unknown key 'tls_server_config.certfile'"
bad "toolkit key not implemented" $'http_server_config:\n  http2: false' 'http_server_config: not supported'
bad "not bcrypt" $'basic_auth_users:\n  eve: plain' 'basic_auth_users.eve: not a bcrypt hash'
bad "not YAML" 'basic_auth_users: [' 'bad.yml:2: '
"$EXPORTER" --web.config.file="$work/missing.yml" 2>"$work/err"
check_eq "missing config file: exit 2" 2 "$?"

# ---- least privilege: the running daemon's capability sets and seccomp ----
fx="$CTPROF_TOP/tests/fixtures/host1"
FX=(--path.procfs="$fx/proc" --path.sysfs="$fx/sys" --path.cgroupfs="$fx/cgroup")
field() { awk -v k="$1:" '$1 == k { print $2 }' "$2"; }
shell_eff=$((16#$(field CapEff /proc/self/status)))
shell_filters=$(field Seccomp_filters /proc/self/status)
ncaps=0
DAC_READ_SEARCH=$((1 << 2)) SETPCAP=$((1 << 8)) NET_ADMIN=$((1 << 12)) SYS_PTRACE=$((1 << 19))
# Every thread's line for KEY, deduplicated: one value when all agree.
threads_field() { for f in "/proc/$2"/task/*/status; do field "$1" "$f"; done | sort -u | tr '\n' ' '; }
caps_case() { # NAME WANTED_MASK FLAGS...: the mask as far as this shell has it
	local name=$1 want log="$work/caps.$((++ncaps)).log"
	want=$(printf '%016x' $(($2 & shell_eff)))
	shift 2
	start_exporter "$log" "${FX[@]}" "$@" || return
	local st="/proc/$exporter_pid/status"
	check_eq "caps, $name: CapEff exactly" "$want" "$(field CapEff "$st")"
	check_eq "caps, $name: CapPrm exactly" "$want" "$(field CapPrm "$st")"
	check_eq "caps, $name: no inheritable or ambient" "0000000000000000 0000000000000000" \
		"$(field CapInh "$st") $(field CapAmb "$st")"
	if ((shell_eff & SETPCAP)); then
		check_eq "caps, $name: bounding set" "$want" "$(field CapBnd "$st")"
	else
		skip "caps, $name: bounding set" "no CAP_SETPCAP to shrink it"
	fi
	check_eq "caps, $name: every thread" "$want " "$(threads_field CapEff "$exporter_pid")"
	check_match "caps, $name: logged" "msg=sandbox capabilities=" "$(cat "$log")"
	stop_exporter
}
# CAP_SYS_PTRACE stays with the probe off: io and smaps_rollup of other
# processes pass the kernel's ptrace access check only with it.
caps_case "default" $((DAC_READ_SEARCH | NET_ADMIN | SYS_PTRACE))
caps_case "--no-collector.taskstats" $((DAC_READ_SEARCH | SYS_PTRACE)) --no-collector.taskstats
caps_case "--no-collector.jemalloc" $((DAC_READ_SEARCH | NET_ADMIN | SYS_PTRACE)) --no-collector.jemalloc
caps_case "both off" $((DAC_READ_SEARCH | SYS_PTRACE)) --no-collector.jemalloc --no-collector.taskstats

start_exporter "$work/sec.log" "${FX[@]}" || exit 1
st="/proc/$exporter_pid/status"
check_eq "seccomp: filter mode on the daemon" 2 "$(field Seccomp "$st")"
check_eq "seccomp: exactly one filter added" $((shell_filters + 1)) "$(field Seccomp_filters "$st")"
check_eq "seccomp: no_new_privs" 1 "$(field NoNewPrivs "$st")"
check_eq "seccomp: every thread filtered" "2 " "$(threads_field Seccomp "$exporter_pid")"
stop_exporter

# The filter itself, installed by the daemon's code in a helper that
# traces a child of its own.
out=$("$CTPROF_BUILD/tests/helpers/seccomp_probe" 2>&1)
probe() { printf '%s\n' "$out" | sed -n "s/^$1=//p"; }
check_eq "seccomp probe: installed" ok "$(probe install)"
for call in execve process_vm_writev ptrace_pokedata ptrace_poketext ptrace_pokeuser \
	ptrace_setregs ptrace_setregset open_mem_rdwr; do
	check_eq "seccomp probe: $call fails with EPERM" EPERM "$(probe "$call")"
done
for call in ptrace_seize ptrace_interrupt ptrace_peekdata ptrace_getregset ptrace_detach \
	process_vm_readv open_mem_rdonly fork; do
	check_eq "seccomp probe: $call still allowed" ok "$(probe "$call")"
done
check_eq "seccomp probe: PEEKDATA read the tracee" 42 "$(probe peeked)"
check_eq "seccomp probe: the tracee's memory is unchanged" 42 "$(probe tracee_marker)"
check_eq "seccomp probe: mode and filter count" "2 $((shell_filters + 1))" \
	"$(printf '%s\n' "$out" | awk '$1 == "Seccomp:" { s = $2 } $1 == "Seccomp_filters:" { f = $2 } END { print s, f }')"

# The probe (fork, ptrace, process_vm_readv) under the daemon's filter.
if [ "$(id -u)" != 0 ]; then
	skip "sandboxed jemalloc probe" "needs root to trace another process"
else
	"$CTPROF_BUILD/tests/jemalloc/je_dynamic" 3 >"$work/target.out" &
	target=$!
	for _ in $(seq 100); do [ "$(wc -l <"$work/target.out")" -ge 4 ] && break; sleep 0.05; done
	start_exporter "$work/je.log" || exit 1
	check_match "sandboxed daemon: the jemalloc probe still measures" \
		'^ctprof_allocated_bytes_total\{pcomm="je_dynamic"\} [1-9][0-9]*$' \
		"$(curl -s "$base/metrics" | grep '^ctprof_allocated_bytes_total{pcomm="je_dynamic"}')"
	stop_exporter
	check_eq "sandboxed daemon: clean exit (leak check included)" 0 "$exporter_status"
	kill "$target" && wait "$target" 2>/dev/null
	target=""
fi

# ---- --no-web.snapshot ----
start_exporter "$work/snap.log" "${FX[@]}" --no-web.snapshot || exit 1
wait_ready
check_eq "--no-web.snapshot: 404" 404 "$(code "$base/snapshot.ctprof.zst")"
check_eq "--no-web.snapshot: the landing page drops the link" 0 \
	"$(curl -s "$base/" | grep -c 'snapshot.ctprof.zst')"
check_eq "--no-web.snapshot: metrics still served" 200 "$(code "$base/metrics")"
stop_exporter
start_exporter "$work/snap_on.log" "${FX[@]}" || exit 1
wait_ready
check_eq "snapshot on by default" "200 1" \
	"$(code "$base/snapshot.ctprof.zst") $(curl -s "$base/" | grep -c 'href="/snapshot.ctprof.zst"')"
stop_exporter

# ---- TLS ----
if ! command -v openssl >/dev/null; then
	skip "TLS" "openssl not installed"
	exit 0
fi
ossl() { openssl "$@" >/dev/null 2>&1; }
cd "$work" || exit 1
ossl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 -subj /CN=ctprof-test-ca
ossl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj /CN=localhost
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >san.ext
ossl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 -extfile san.ext
ossl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj /CN=scraper
ossl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2
ossl req -x509 -newkey rsa:2048 -nodes -keyout rogue.key -out rogue.crt -days 2 -subj /CN=rogue
cd - >/dev/null || exit 1
tls_config() { # client_auth_type [extra line]: relative names, as the toolkit resolves them
	printf 'tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n'
	printf '  client_auth_type: %s\n' "$1"
	[ "$1" = NoClientCert ] || [ "$1" = RequireAnyClientCert ] || printf '  client_ca_file: ca.crt\n'
	[ -n "${2:-}" ] && printf '  %s\n' "$2"
	printf 'basic_auth_users:\n  alice: %s\n' "$ALICE"
}
# start_tls CLIENT_AUTH_TYPE [EXTRA_LINE]: an exporter on $work/tls.yml; sets $tbase
start_tls() {
	tls_config "$@" | put "$work/tls.yml"
	start_exporter "$work/tls.$((++ntls)).log" --web.config.file="$work/tls.yml" || exit 1
	tbase=${base/http:/https:}
}
ntls=0
CA=(--cacert "$work/ca.crt")
GOOD=(--cert "$work/client.crt" --key "$work/client.key")
ROGUE=(--cert "$work/rogue.crt" --key "$work/rogue.key")

start_tls NoClientCert
check_match "TLS: listening line says so" 'msg=listening .*tls=on' "$(cat "$work/tls.1.log")"
check_eq "TLS: scrape with curl --cacert" 200 "$(code "${CA[@]}" -u alice:s3cret "$tbase/metrics")"
check_match "TLS: the body is the exposition" '^ctprof_threads\{' \
	"$(curl -s "${CA[@]}" -u alice:s3cret "$tbase/metrics" | grep -m1 '^ctprof_threads{')"
check_eq "TLS: basic auth still applies" 401 "$(code "${CA[@]}" "$tbase/metrics")"
check_eq "TLS: the configured certificate is served (untrusted without --cacert)" 000 "$(code -u alice:s3cret "$tbase/metrics")"
check_eq "TLS: plain HTTP on the TLS port gets no answer" 000 "$(code -u alice:s3cret "$base/metrics")"
check_eq "TLS: default min_version TLS12 takes TLS 1.2" 200 \
	"$(code "${CA[@]}" --tls-max 1.2 -u alice:s3cret "$tbase/-/healthy")"
tls_config NoClientCert 'min_version: TLS13' | put "$work/tls.yml"
code "${CA[@]}" -u alice:s3cret "$tbase/-/healthy" >/dev/null
check_match "TLS: a changed tls_server_config waits for a restart" 'level=warn msg="web config: tls_server_config changed' \
	"$(cat "$work/tls.1.log")"
stop_exporter
check_eq "TLS: clean exit" 0 "$exporter_status"

start_tls NoClientCert 'min_version: TLS13'
check_eq "TLS: min_version TLS13 refuses TLS 1.2" 000 "$(code "${CA[@]}" --tls-max 1.2 "$tbase/-/healthy")"
check_eq "TLS: min_version TLS13 takes TLS 1.3" 200 "$(code "${CA[@]}" -u alice:s3cret "$tbase/-/healthy")"
stop_exporter

start_tls RequireAndVerifyClientCert
check_eq "client cert required: none, refused" 000 "$(code "${CA[@]}" -u alice:s3cret "$tbase/metrics")"
check_eq "client cert required: none, refused (TLS 1.2)" 000 \
	"$(code "${CA[@]}" --tls-max 1.2 -u alice:s3cret "$tbase/metrics")"
check_eq "client cert required: another CA's, refused" 000 \
	"$(code "${CA[@]}" "${ROGUE[@]}" -u alice:s3cret "$tbase/metrics")"
check_eq "client cert required: the CA's, accepted" 200 \
	"$(code "${CA[@]}" "${GOOD[@]}" -u alice:s3cret "$tbase/metrics")"
stop_exporter

start_tls VerifyClientCertIfGiven
check_eq "client cert if given: none, accepted" 200 "$(code "${CA[@]}" -u alice:s3cret "$tbase/-/healthy")"
check_eq "client cert if given: another CA's, 403" 403 \
	"$(code "${CA[@]}" "${ROGUE[@]}" -u alice:s3cret "$tbase/-/healthy")"
check_eq "client cert if given: the CA's, accepted" 200 \
	"$(code "${CA[@]}" "${GOOD[@]}" -u alice:s3cret "$tbase/-/healthy")"
stop_exporter

start_tls RequireAnyClientCert
check_eq "any client cert: none, refused" 000 "$(code "${CA[@]}" -u alice:s3cret "$tbase/-/healthy")"
check_eq "any client cert: unverified one, accepted" 200 \
	"$(code "${CA[@]}" "${ROGUE[@]}" -u alice:s3cret "$tbase/-/healthy")"
stop_exporter
