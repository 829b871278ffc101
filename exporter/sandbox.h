/*
 * sandbox.h - least privilege for ctprof-exporter: which capabilities the
 * enabled collectors need, dropping every other one, and the seccomp
 * filter that keeps a compromised daemon from writing into other
 * processes or running programs.
 *
 * Both are per thread in the kernel (a thread keeps the sets it had when
 * another one changed its own), so main calls them while it is still the
 * only thread; every thread created afterwards inherits them.
 */
#ifndef CTPROF_SANDBOX_H
#define CTPROF_SANDBOX_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"

/* Capability masks hold bit (1 << CAP_X), the layout of CapEff. */
#define SANDBOX_CAP(c) (1ULL << (c))

struct sandbox_caps {
	uint64_t kept;   /* effective and permitted after the drop */
	int bound_err;   /* 0, or -errno when the bounding set could not shrink */
	int set_err;     /* 0, or -errno from setting effective/permitted */
};

/* The capabilities the daemon needs with these capture options. */
uint64_t sandbox_caps_wanted(const struct capture_options *o);

/*
 * Keep want (those of it the process has) in effective and permitted,
 * clear inheritable and ambient, and drop everything else from the
 * bounding set (needs CAP_SETPCAP; without it bound_err says why). The
 * outcome is in r; returns 0 when both steps worked, else the first error.
 */
int sandbox_drop_caps(uint64_t want, struct sandbox_caps *r);

/* "cap_dac_read_search,cap_sys_ptrace" for a mask ("none" if empty). */
void sandbox_caps_text(uint64_t mask, char *out, size_t n);

/*
 * Install the filter on the calling thread (and, through TSYNC, any other
 * thread): default allow; EPERM for execve, execveat, process_vm_writev,
 * pidfd_getfd, ptrace requests that change a tracee, and opens for
 * writing (which would reach /proc/<pid>/mem); ENOSYS for openat2, whose
 * flags a filter cannot see. Sets no_new_privs. 0 or -errno.
 */
int sandbox_seccomp_install(void);

#endif
