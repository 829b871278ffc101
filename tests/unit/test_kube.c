/*
 * test_kube.c - the container axis: pod UID and container ID from every
 * kubelet cgroup path shape (systemd and cgroupfs drivers, each QoS class,
 * containerd/CRI-O/Docker, '_' in systemd pod slices, paths seen from
 * another cgroup namespace, a nested kind node), non-pod paths giving
 * empty labels, --group-by parsing of "container", and the two labels in
 * the exposition (also in the "other" group on every axis).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "group.h"
#include "kube.h"
#include "registry.h"
#include "render.h"

#define UID "0f3a6b2c-1d4e-4f5a-9b8c-7d6e5f4a3b2c"
#define UID_ "0f3a6b2c_1d4e_4f5a_9b8c_7d6e5f4a3b2c"
#define CID "4c6d2f1e0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d"
#define CID2 "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6c7d8e9f0a1b2"
/* A static pod: the UID is the manifest's hash, 32 hex digits. */
#define STATIC_UID "5a8f4d6e9b0c1d2e3f4a5b6c7d8e9f0a"

static void expect_ids(const char *path, const char *uid, const char *cid)
{
	struct kube_ids ids;
	kube_ids_from_cgroup(path, &ids);
	if (strcmp(ids.pod_uid, uid) || strcmp(ids.container_id, cid))
		fail_msg("%s: got pod_uid=[%s] container_id=[%s], want [%s] [%s]",
			 path ? path : "(null)", ids.pod_uid, ids.container_id, uid, cid);
}

static void test_systemd_driver(void **state)
{
	(void)state;
	/* burstable, containerd */
	expect_ids("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		   ".slice/cri-containerd-" CID ".scope", UID, CID);
	/* besteffort, CRI-O */
	expect_ids("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" UID_
		   ".slice/crio-" CID ".scope", UID, CID);
	/* guaranteed has no QoS slice; Docker (cri-dockerd) */
	expect_ids("/kubepods.slice/kubepods-pod" UID_ ".slice/docker-" CID ".scope", UID, CID);
	expect_ids("/kubepods.slice/kubepods-pod" UID_ ".slice/cri-containerd-" CID2 ".scope",
		   UID, CID2);
	/* CRI-O's conmon sits in the pod but is not the container */
	expect_ids("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		   ".slice/crio-conmon-" CID ".scope", UID, "");
	/* the pod slice itself, and a cgroup nested inside a container */
	expect_ids("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice",
		   UID, "");
	expect_ids("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		   ".slice/cri-containerd-" CID ".scope/init.scope", UID, CID);
	/* a static pod's hash UID */
	expect_ids("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" STATIC_UID
		   ".slice/cri-containerd-" CID ".scope", STATIC_UID, CID);
	/* a UID already spelled with '-' is kept */
	expect_ids("/kubepods.slice/kubepods-pod" UID ".slice/crio-" CID ".scope", UID, CID);
}

static void test_cgroupfs_driver(void **state)
{
	(void)state;
	expect_ids("/kubepods/burstable/pod" UID "/" CID, UID, CID);
	expect_ids("/kubepods/besteffort/pod" UID "/" CID2, UID, CID2);
	/* guaranteed: no QoS directory */
	expect_ids("/kubepods/pod" UID "/" CID, UID, CID);
	/* CRI-O names its container cgroups crio-<id> under cgroupfs too */
	expect_ids("/kubepods/burstable/pod" UID "/crio-" CID, UID, CID);
	expect_ids("/kubepods/burstable/pod" UID "/crio-conmon-" CID, UID, "");
	expect_ids("/kubepods/burstable/pod" UID, UID, "");
	/* a short (12-digit) ID is an ID; a name that is not hex is not */
	expect_ids("/kubepods/burstable/pod" UID "/4c6d2f1e0a9b", UID, "4c6d2f1e0a9b");
	expect_ids("/kubepods/burstable/pod" UID "/sandbox", UID, "");
	expect_ids("/kubepods/burstable/pod" UID "/4c6d2f1e0a9", UID, "");
}

static void test_relative_and_nested(void **state)
{
	(void)state;
	/* read from inside a pod's cgroup namespace: relative to its root */
	expect_ids("/../../../kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_
		   ".slice/cri-containerd-" CID ".scope", UID, CID);
	expect_ids("/../../kubepods/besteffort/pod" UID "/" CID, UID, CID);
	/* a kind node: the kubelet's slices inside the node's container */
	expect_ids("/system.slice/docker-" CID2 ".scope/kubelet.slice/kubelet-kubepods.slice/"
		   "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" UID_
		   ".slice/cri-containerd-" CID ".scope", UID, CID);
}

static void test_not_a_pod(void **state)
{
	(void)state;
	static const char *const paths[] = {
		"", "/", "/init.scope", "/system.slice/containerd.service",
		"/user.slice/user-1000.slice/session-2.scope",
		/* a container outside Kubernetes */
		"/system.slice/docker-" CID ".scope",
		/* the QoS levels themselves */
		"/kubepods.slice", "/kubepods.slice/kubepods-burstable.slice", "/kubepods",
		"/kubepods/burstable",
		/* pod-like names without the kubelet's parents or with bad UIDs */
		"/pod" UID "/" CID, "/system.slice/app-pod" UID_ ".slice",
		"/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod.slice",
		"/kubepods.slice/kubepods-pod" UID_ "x.slice/crio-" CID ".scope",
		"/kubepods/burstable/pod/" CID, "/kubepods/burstable/podzz/" CID,
		/* longer than any UID */
		"/kubepods/pod" UID UID "/" CID,
		"/kubepods.slice/kubepods-pod" UID_ ".scope",
	};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		expect_ids(paths[i], "", "");
	expect_ids(NULL, "", "");
}

static void test_axes_parse(void **state)
{
	(void)state;
	struct group_options o = { 0 };
	assert_int_equal(group_axes_parse("container", &o), 0);
	assert_int_equal(o.naxes, 2);
	assert_int_equal(o.axes[0], GROUP_AXIS_POD_UID);
	assert_int_equal(o.axes[1], GROUP_AXIS_CONTAINER_ID);
	assert_string_equal(group_axis_name(o.axes[0]), "pod_uid");
	assert_string_equal(group_axis_name(o.axes[1]), "container_id");
	assert_int_equal(group_axes_parse("pcomm,container", &o), 0);
	assert_int_equal(o.naxes, 3);
	assert_int_equal(o.axes[0], GROUP_AXIS_PCOMM);
	assert_int_equal(o.axes[2], GROUP_AXIS_CONTAINER_ID);
	assert_int_equal(group_axes_parse("container,comm", &o), 0);
	assert_int_equal(o.naxes, 3);
	assert_int_equal(o.axes[2], GROUP_AXIS_COMM);
	assert_int_equal(group_axes_parse("pcomm,comm,cgroup,container", &o), 0);
	assert_int_equal(o.naxes, GROUP_AXES_MAX);
	/* the labels are not axis names; no repeats */
	assert_int_equal(group_axes_parse("pod_uid", &o), -EINVAL);
	assert_int_equal(group_axes_parse("container_id", &o), -EINVAL);
	assert_int_equal(group_axes_parse("container,container", &o), -EINVAL);
	assert_int_equal(group_axes_parse("containers", &o), -EINVAL);
	assert_int_equal(group_axes_parse("", &o), -EINVAL);
}

struct spec {
	const char *pcomm;
	const char *cgroup;
	uint64_t utime;
};

static void snap_of(struct ctprof_snapshot *s, const struct spec *v, size_t n)
{
	ctprof_snapshot_init(s);
	for (size_t i = 0; i < n; i++) {
		struct thread_state t;
		assert_int_equal(thread_state_init(&t), 0);
		free(t.pcomm);
		free(t.comm);
		free(t.cgroup);
		t.pcomm = strdup(v[i].pcomm);
		t.comm = strdup(v[i].pcomm);
		t.cgroup = strdup(v[i].cgroup);
		t.tid = t.tgid = (uint32_t)(100 + i);
		t.utime_clock_ticks = v[i].utime;
		assert_int_equal(snapshot_push_thread(s, &t), 0);
	}
}

static char *render_by(const struct ctprof_snapshot *s, const char *axes, size_t max_series)
{
	struct registry r;
	struct strbuf out = STRBUF_INIT;
	struct render_options o = { .format = EXPO_PROMETHEUS, .clk_tck = 100,
				    .capture_duration_ns = -1, .max_series = max_series };
	assert_int_equal(group_axes_parse(axes, &o.group), 0);
	registry_build(&r);
	assert_int_equal(render_snapshot(s, &r, &o, &out), 0);
	return strbuf_detach(&out, NULL);
}

static void assert_has(const char *text, const char *line)
{
	if (!strstr(text, line))
		fail_msg("missing line: %s", line);
}

#define SYSTEMD_POD "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" UID_ ".slice"

static const struct spec kube_threads[] = {
	{ "app", SYSTEMD_POD "/cri-containerd-" CID ".scope", 5 },
	{ "app", SYSTEMD_POD "/cri-containerd-" CID ".scope", 5 },
	{ "sidecar", SYSTEMD_POD "/cri-containerd-" CID2 ".scope", 3 },
	{ "kubelet", "/system.slice/kubelet.service", 1 },
};

static void test_render_container_labels(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	snap_of(&s, kube_threads, 4);
	char *text = render_by(&s, "container", 0);
	assert_has(text, "\nctprof_threads{pod_uid=\"" UID "\",container_id=\"" CID "\"} 2\n");
	assert_has(text, "\nctprof_threads{pod_uid=\"" UID "\",container_id=\"" CID2 "\"} 1\n");
	assert_has(text, "\nctprof_threads{pod_uid=\"\",container_id=\"\"} 1\n");
	free(text);
	text = render_by(&s, "pcomm,container", 0);
	assert_has(text, "\nctprof_utime_seconds_total{pcomm=\"app\",pod_uid=\"" UID
			 "\",container_id=\"" CID "\"} 0.1\n");
	assert_has(text, "\nctprof_threads{pcomm=\"kubelet\",pod_uid=\"\",container_id=\"\"} 1\n");
	free(text);
	ctprof_snapshot_release(&s);
}

/* The series limit folds into one group labelled other on all five axes. */
static void test_render_other_every_axis(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	snap_of(&s, kube_threads, 4);
	char *text = render_by(&s, "pcomm,comm,cgroup,container", 1);
	assert_has(text, "\nctprof_threads{pcomm=\"other\",comm=\"other\",cgroup=\"other\","
			 "pod_uid=\"other\",container_id=\"other\"} 4\n");
	assert_has(text, "\nctprof_series_limited 1\n");
	free(text);
	ctprof_snapshot_release(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_systemd_driver),
		cmocka_unit_test(test_cgroupfs_driver),
		cmocka_unit_test(test_relative_and_nested),
		cmocka_unit_test(test_not_a_pod),
		cmocka_unit_test(test_axes_parse),
		cmocka_unit_test(test_render_container_labels),
		cmocka_unit_test(test_render_other_every_axis),
	};
	return cmocka_run_group_tests_name("kube", tests, NULL, NULL);
}
