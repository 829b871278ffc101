/*
 * kube.c - pod UID and container ID from a kubelet cgroup path. The path
 * is walked segment by segment; the first segment naming a pod decides,
 * and the segment right below it, if any, names the container.
 */
#include "kube.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct seg {
	const char *s;
	size_t n;
};

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool is_uid_char(char c)
{
	return is_hex(c) || (c >= 'A' && c <= 'F') || c == '-' || c == '_';
}

static bool has_prefix(struct seg g, const char *p)
{
	size_t n = strlen(p);
	return g.n >= n && !memcmp(g.s, p, n);
}

/* Drop suffix from g; whether it was there. */
static bool strip_suffix(struct seg *g, const char *suffix)
{
	size_t n = strlen(suffix);
	if (g->n < n || memcmp(g->s + g->n - n, suffix, n))
		return false;
	g->n -= n;
	return true;
}

/* uid into out with '_' (systemd's escape of '-') back to '-'; false if implausible. */
static bool take_uid(const char *s, size_t n, char *out)
{
	if (!n || n > KUBE_POD_UID_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!is_uid_char(s[i]))
			return false;
	for (size_t i = 0; i < n; i++)
		out[i] = s[i] == '_' ? '-' : s[i];
	out[n] = '\0';
	return true;
}

/* systemd driver: <...kubepods...>-pod<uid>.slice ("kubepods-pod<uid>" for guaranteed). */
static bool pod_systemd(struct seg g, char *uid)
{
	const char *dash = NULL;
	if (!strip_suffix(&g, ".slice"))
		return false;
	for (size_t i = 0; i + 4 <= g.n; i++)
		if (!memcmp(g.s + i, "-pod", 4))
			dash = g.s + i;
	if (!dash || !memmem(g.s, (size_t)(dash - g.s), "kubepods", 8))
		return false;
	return take_uid(dash + 4, g.n - (size_t)(dash + 4 - g.s), uid);
}

/* cgroupfs driver: pod<uid> somewhere below a "kubepods" segment. */
static bool pod_cgroupfs(struct seg g, bool below_kubepods, char *uid)
{
	return below_kubepods && has_prefix(g, "pod") && take_uid(g.s + 3, g.n - 3, uid);
}

/*
 * <runtime>-<id>[.scope] (cri-containerd-, crio-, docker-) or a bare <id>;
 * CRI-O's crio-conmon-<id> is its monitor process, not the container.
 */
static void take_container(struct seg g, char *id)
{
	strip_suffix(&g, ".scope");
	if (has_prefix(g, "crio-conmon-"))
		return;
	const char *dash = memrchr(g.s, '-', g.n);
	const char *p = dash ? dash + 1 : g.s;
	size_t n = g.n - (size_t)(p - g.s);
	if (n < 12 || n > KUBE_CONTAINER_ID_MAX)
		return;
	for (size_t i = 0; i < n; i++)
		if (!is_hex(p[i]))
			return;
	memcpy(id, p, n);
	id[n] = '\0';
}

void kube_ids_from_cgroup(const char *path, struct kube_ids *ids)
{
	bool below_kubepods = false;
	ids->pod_uid[0] = '\0';
	ids->container_id[0] = '\0';
	for (const char *p = path; p && *p;) {
		struct seg g = { p, strcspn(p, "/") };
		const char *next = p[g.n] ? p + g.n + 1 : p + g.n;
		if (g.n && (pod_systemd(g, ids->pod_uid) ||
			    pod_cgroupfs(g, below_kubepods, ids->pod_uid))) {
			struct seg c = { next, strcspn(next, "/") };
			if (c.n)
				take_container(c, ids->container_id);
			return;
		}
		below_kubepods |= g.n == 8 && !memcmp(g.s, "kubepods", 8);
		p = next;
	}
}
