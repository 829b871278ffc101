/*
 * sandbox.c - capability drop (libcap) and seccomp filter (libseccomp).
 *
 * Capabilities: the daemon stays the user it was started as (root
 * usually) and keeps CAP_DAC_READ_SEARCH (other users' 0400 /proc files),
 * CAP_SYS_PTRACE (the jemalloc probe, and the ptrace access check that
 * guards every task's io and smaps_rollup: without it a same-uid root
 * daemon is refused the io of any process holding a capability it
 * dropped) and CAP_NET_ADMIN while taskstats is on.
 *
 * Seccomp: a deny list on top of default allow. A daemon that may ptrace
 * every process must not be able to change one: no ptrace request that
 * writes registers, memory or signal state, no process_vm_writev, no
 * write-mode open (the way to /proc/<pid>/mem, and to root's own files,
 * which a root daemon still owns), no stolen fds, no new programs.
 * Reads (PEEK*, GETREGSET, process_vm_readv) stay allowed: the probe and
 * LeakSanitizer's tracer use them.
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ptrace.h>

/* Newer than glibc's enum; the kernel's numbers (include/uapi/linux/ptrace.h). */
#define SANDBOX_PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG 0x4210
#define SANDBOX_PTRACE_SET_SYSCALL_INFO 0x4212

uint64_t sandbox_caps_wanted(const struct capture_options *o)
{
	uint64_t m = SANDBOX_CAP(CAP_DAC_READ_SEARCH) | SANDBOX_CAP(CAP_SYS_PTRACE);
	if (!o->no_taskstats)
		m |= SANDBOX_CAP(CAP_NET_ADMIN);
	return m;
}

/* The wanted capabilities this process actually has (cap_set_proc cannot add). */
static uint64_t permitted_of(cap_t cur, uint64_t want)
{
	uint64_t have = 0;
	for (cap_value_t c = 0; c < 64; c++) {
		cap_flag_value_t v = CAP_CLEAR;
		if ((want & SANDBOX_CAP(c)) && !cap_get_flag(cur, c, CAP_PERMITTED, &v) &&
		    v == CAP_SET)
			have |= SANDBOX_CAP(c);
	}
	return have;
}

/* Before effective loses CAP_SETPCAP, which dropping from the bound needs. */
static int drop_bounding(uint64_t keep)
{
	int err = 0;
	for (cap_value_t c = 0; c < cap_max_bits() && c < 64; c++)
		if (!(keep & SANDBOX_CAP(c)) && cap_get_bound(c) == 1 && cap_drop_bound(c) &&
		    !err)
			err = -errno;
	return err;
}

static int set_sets(uint64_t keep)
{
	int rc = -ENOMEM;
	cap_t next = cap_init(); /* every flag clear, inheritable included */
	if (!next)
		return rc;
	for (cap_value_t c = 0; c < 64; c++) {
		cap_value_t one[1] = { c };
		if ((keep & SANDBOX_CAP(c)) &&
		    (cap_set_flag(next, CAP_EFFECTIVE, 1, one, CAP_SET) ||
		     cap_set_flag(next, CAP_PERMITTED, 1, one, CAP_SET)))
			goto out_free;
	}
	rc = cap_set_proc(next) ? -errno : 0;
out_free:
	cap_free(next);
	return rc;
}

int sandbox_drop_caps(uint64_t want, struct sandbox_caps *r)
{
	cap_t cur = cap_get_proc();
	memset(r, 0, sizeof(*r));
	if (!cur)
		return r->set_err = -errno;
	uint64_t keep = permitted_of(cur, want);
	cap_free(cur);
	r->bound_err = drop_bounding(keep);
	cap_reset_ambient(); /* fails only where ambient does not exist */
	r->set_err = set_sets(keep);
	r->kept = r->set_err ? 0 : keep;
	return r->bound_err ? r->bound_err : r->set_err;
}

void sandbox_caps_text(uint64_t mask, char *out, size_t n)
{
	size_t len = 0;
	snprintf(out, n, "none");
	for (cap_value_t c = 0; c < 64 && len < n; c++) {
		if (!(mask & SANDBOX_CAP(c)))
			continue;
		char *name = cap_to_name(c);
		len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "",
					name ? name : "?");
		cap_free(name);
	}
}

/* ---- seccomp ---- */

static const long ptrace_writes[] = {
	PTRACE_POKETEXT, PTRACE_POKEDATA, PTRACE_POKEUSER, PTRACE_SETREGSET,
	PTRACE_SETSIGINFO, PTRACE_SETSIGMASK,
#ifdef PT_SETREGS
	PTRACE_SETREGS,
#endif
#ifdef PT_SETFPREGS
	PTRACE_SETFPREGS,
#endif
#ifdef PT_SETFPXREGS
	PTRACE_SETFPXREGS,
#endif
#ifdef PT_SET_THREAD_AREA
	PTRACE_SET_THREAD_AREA,
#endif
#ifdef PT_ARCH_PRCTL
	PTRACE_ARCH_PRCTL, /* ARCH_SET_FS/GS move the tracee's TLS */
#endif
	SANDBOX_PTRACE_SET_SYSCALL_USER_DISPATCH_CONFIG,
	SANDBOX_PTRACE_SET_SYSCALL_INFO,
};

/* Flags that make an open write (O_TRUNC truncates even with O_RDONLY). */
static const unsigned write_flags[] = { O_WRONLY, O_RDWR, O_CREAT, O_TRUNC };

static int deny(scmp_filter_ctx f, int err, const char *name)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not on this architecture (open, creat on arm64) */
	return seccomp_rule_add(f, SCMP_ACT_ERRNO(err), nr, 0);
}

/* One rule per flag: the filter ORs rules, a masked compare tests one bit. */
static int deny_write_opens(scmp_filter_ctx f, const char *name, unsigned flags_arg)
{
	int rc = 0, nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0;
	for (size_t i = 0; !rc && i < sizeof(write_flags) / sizeof(write_flags[0]); i++) {
		struct scmp_arg_cmp cmp = {
			.arg = flags_arg, .op = SCMP_CMP_MASKED_EQ,
			.datum_a = write_flags[i], .datum_b = write_flags[i],
		};
		rc = seccomp_rule_add_array(f, SCMP_ACT_ERRNO(EPERM), nr, 1, &cmp);
	}
	return rc;
}

static int add_rules(scmp_filter_ctx f)
{
	static const char *const denied[] = { "execve", "execveat", "process_vm_writev",
					      "pidfd_getfd", "creat" };
	int rc = 0;
	for (size_t i = 0; !rc && i < sizeof(denied) / sizeof(denied[0]); i++)
		rc = deny(f, EPERM, denied[i]);
	for (size_t i = 0; !rc && i < sizeof(ptrace_writes) / sizeof(ptrace_writes[0]); i++) {
		/* Spelled out rather than SCMP_A0(), which leaves datum_b implicit. */
		struct scmp_arg_cmp request = { .arg = 0, .op = SCMP_CMP_EQ,
						.datum_a = (scmp_datum_t)ptrace_writes[i],
						.datum_b = 0 };
		rc = seccomp_rule_add_array(f, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(ptrace), 1,
					    &request);
	}
	if (!rc)
		rc = deny_write_opens(f, "open", 1);
	if (!rc)
		rc = deny_write_opens(f, "openat", 2);
	if (!rc)
		rc = deny_write_opens(f, "open_by_handle_at", 2);
	/* ENOSYS, not EPERM: callers then fall back to openat, which is checked. */
	return rc ? rc : deny(f, ENOSYS, "openat2");
}

int sandbox_seccomp_install(void)
{
	scmp_filter_ctx f = seccomp_init(SCMP_ACT_ALLOW);
	if (!f)
		return -ENOMEM;
	/* NO_NEW_PRIVS is libseccomp's default; TSYNC covers a stray thread. */
	int rc = seccomp_attr_set(f, SCMP_FLTATR_CTL_TSYNC, 1);
	if (!rc)
		rc = add_rules(f);
	if (!rc)
		rc = seccomp_load(f);
	seccomp_release(f);
	return rc > 0 ? -rc : rc;
}
