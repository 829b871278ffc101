/*
 * seccomp_probe.c - installs ctprof-exporter's seccomp filter through the
 * daemon's own code (exporter/sandbox.c) and tries what it must deny and
 * what the jemalloc probe still needs, against a forked child it traces.
 * Prints one "name=result" line per call: "ok", or the errno's name.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <elf.h>
#include <unistd.h>

#include "sandbox.h"

static volatile long marker = 42;

static void report(const char *name, long rc)
{
	printf("%s=%s\n", name, rc < 0 ? strerrorname_np(errno) : "ok");
}

static pid_t start_tracee(void)
{
	pid_t pid = fork();
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	return pid;
}

static long read_marker(pid_t pid, long *out)
{
	struct iovec local = { out, sizeof(*out) };
	struct iovec remote = { (void *)&marker, sizeof(marker) };
	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

static void try_ptrace(pid_t pid)
{
	struct user_regs_struct regs;
	struct iovec io = { &regs, sizeof(regs) };
	int st;
	report("ptrace_seize", ptrace(PTRACE_SEIZE, pid, NULL, NULL));
	report("ptrace_interrupt", ptrace(PTRACE_INTERRUPT, pid, NULL, NULL));
	waitpid(pid, &st, __WALL);
	errno = 0;
	long word = ptrace(PTRACE_PEEKDATA, pid, (void *)&marker, NULL);
	report("ptrace_peekdata", errno ? -1 : 0);
	printf("peeked=%ld\n", word);
	report("ptrace_getregset", ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io));
	report("ptrace_pokedata", ptrace(PTRACE_POKEDATA, pid, (void *)&marker, (void *)7L));
	report("ptrace_poketext", ptrace(PTRACE_POKETEXT, pid, (void *)&marker, (void *)7L));
	report("ptrace_pokeuser", ptrace(PTRACE_POKEUSER, pid, NULL, NULL));
	report("ptrace_setregs", ptrace(PTRACE_SETREGS, pid, NULL, &regs));
	report("ptrace_setregset", ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &io));
	report("ptrace_detach", ptrace(PTRACE_DETACH, pid, NULL, NULL));
}

static void try_memory(pid_t pid)
{
	long seven = 7, now = 0;
	struct iovec local = { &seven, sizeof(seven) };
	struct iovec remote = { (void *)&marker, sizeof(marker) };
	char path[64];
	report("process_vm_writev", process_vm_writev(pid, &local, 1, &remote, 1, 0));
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	report("open_mem_rdonly", fd);
	if (fd >= 0)
		close(fd);
	fd = open(path, O_RDWR | O_CLOEXEC);
	report("open_mem_rdwr", fd);
	if (fd >= 0)
		close(fd);
	report("process_vm_readv", read_marker(pid, &now));
	printf("tracee_marker=%ld\n", now);
}

static void try_processes(void)
{
	char *const argv[] = { "/bin/true", NULL };
	char *const envp[] = { NULL };
	int st = -1;
	report("execve", execve(argv[0], argv, envp));
	pid_t pid = fork();
	if (pid == 0)
		_exit(0);
	report("fork", pid < 0 || waitpid(pid, &st, 0) != pid || st ? -1 : 0);
}

static void print_status(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "re");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "Seccomp", 7) || !strncmp(line, "NoNewPrivs", 10))
			fputs(line, stdout);
	if (f)
		fclose(f);
}

int main(void)
{
	pid_t pid = start_tracee();
	if (pid < 0)
		return 1;
	int rc = sandbox_seccomp_install();
	printf("install=%s\n", rc ? strerrorname_np(-rc) : "ok");
	if (!rc) {
		try_ptrace(pid);
		try_memory(pid);
		try_processes();
		print_status();
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return rc ? 1 : 0;
}
