#!/usr/bin/env bash
# container_axis.sh - --group-by container end to end: the fixture
# snapshot with its threads moved into kubelet cgroups (systemd driver with
# containerd, cgroupfs driver with CRI-O) renders pod_uid and container_id
# labels (host threads get empty ones), cleanly for promtool; the daemon
# accepts the axis; bad combinations are refused.
set -u
. "$CTPROF_TOP/tests/lib.sh"
work=$(mktemp -d)
trap 'stop_exporter; rm -rf "$work"' EXIT

uid=0f3a6b2c-1d4e-4f5a-9b8c-7d6e5f4a3b2c
uid2=9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a
cid=4c6d2f1e0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d
cid2=a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2
sd_pod="/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${uid//-/_}.slice"
sed -e "s|\"cgroup\": \"/system.slice/app.service\"|\"cgroup\": \"$sd_pod/cri-containerd-$cid.scope\"|" \
	-e "s|\"cgroup\": \"/batch.slice\"|\"cgroup\": \"/kubepods/besteffort/pod$uid2/crio-$cid2\"|" \
	"$CTPROF_TOP/tests/fixtures/snapshots/host1.json" | zstd -q -c >"$work/kube.ctprof.zst"

"$CTPROF" metrics --group-by pcomm,container "$work/kube.ctprof.zst" >"$work/kube.prom" 2>"$work/err"
check_eq "ctprof metrics --group-by pcomm,container: exit 0" "0:" "$?:$(cat "$work/err")"
check_eq "systemd driver, containerd: pod_uid and container_id" \
	"ctprof_threads{pcomm=\"app\",pod_uid=\"$uid\",container_id=\"$cid\"} 2" \
	"$(grep '^ctprof_threads{pcomm="app"' "$work/kube.prom")"
check_eq "cgroupfs driver, CRI-O: pod_uid and container_id" \
	"ctprof_threads{pcomm=\"batch\",pod_uid=\"$uid2\",container_id=\"$cid2\"} 3" \
	"$(grep '^ctprof_threads{pcomm="batch"' "$work/kube.prom")"
check_eq "a thread outside any pod: empty labels" \
	'ctprof_threads{pcomm="nokconf",pod_uid="",container_id=""} 2' \
	"$(grep '^ctprof_threads{pcomm="nokconf"' "$work/kube.prom")"
out=$(promtool check metrics <"$work/kube.prom" 2>&1)
check_eq "promtool check metrics is silent" "0:" "$?:$out"
"$CTPROF" metrics --group-by container "$work/kube.ctprof.zst" >"$work/only.prom"
check_eq "--group-by container: the two containers and one group outside pods" 3 \
	"$(grep -c '^ctprof_threads{pod_uid=' "$work/only.prom")"

for args in "container,container" "pod_uid" "container_id" "pcomm,comm,cgroup,container,pcomm"; do
	"$CTPROF" metrics --group-by "$args" "$work/kube.ctprof.zst" >/dev/null 2>"$work/err"
	check_eq "--group-by $args: refused with exit 2" 2 "$?"
done

# The daemon on this host: its threads are in no pod.
start_exporter "$work/exporter.log" --group-by=pcomm,container || exit 1
wait_ready
check_match "daemon --group-by=pcomm,container: host threads with empty pod labels" \
	'^ctprof_threads\{pcomm="[^"]+",pod_uid="",container_id=""\} [0-9]+$' \
	"$(curl -s "$base/metrics" | grep '^ctprof_threads{' | head -n1)"
