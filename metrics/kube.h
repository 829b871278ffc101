/*
 * kube.h - Kubernetes identities in a cgroup path, for the --group-by
 * container axis (labels pod_uid and container_id, which join
 * kube-state-metrics' kube_pod_info on uid).
 *
 * Owns the kubelet's cgroup naming: the systemd driver's
 * kubepods[-<qos>]-pod<uid>.slice (uid with '_' for '-') holding
 * <runtime>-<id>.scope, and the cgroupfs driver's
 * kubepods[/<qos>]/pod<uid>/[<runtime>-]<id>. A pure string function.
 */
#ifndef CTPROF_KUBE_H
#define CTPROF_KUBE_H

/* A pod UID is a 36-byte UUID (a 32-hex hash for static pods). */
#define KUBE_POD_UID_MAX 64
/* A container ID is 64 hex digits; shorter ones (12 and up) are taken too. */
#define KUBE_CONTAINER_ID_MAX 128

struct kube_ids {
	char pod_uid[KUBE_POD_UID_MAX + 1];             /* "" when not a pod's */
	char container_id[KUBE_CONTAINER_ID_MAX + 1];   /* "" when not a container's */
};

/*
 * The pod UID (with '-', as the API server spells it) and the bare
 * container ID (no runtime prefix) of a cgroup path; both empty for a path
 * outside any pod (or NULL), the container ID empty for a pod-level cgroup
 * or CRI-O's conmon. The first pod segment wins, wherever it sits, so a
 * path seen from another cgroup namespace ("/../../kubepods.slice/...") or
 * under a nested node (kind's kubelet.slice) still resolves.
 */
void kube_ids_from_cgroup(const char *path, struct kube_ids *ids);

#endif
