/*
 * psi.c - reads the four PSI files of the host or of one cgroup. Only the
 * file names differ between the two: the host keeps them in a pressure/
 * directory, cgroup v2 names them <res>.pressure.
 */
#include "psi.h"

#include <string.h>

#include "parse_util.h"
#include "readfile.h"

/* File names in struct psi member order: cpu, memory, io, irq. */
static const char *const host_psi_files[4] = {
	"pressure/cpu", "pressure/memory", "pressure/io", "pressure/irq",
};
static const char *const cgroup_psi_files[4] = {
	"cpu.pressure", "memory.pressure", "io.pressure", "irq.pressure",
};

void psi_read_resource(int dirfd, const char *name, struct psi_resource *r,
		       struct strbuf *buf)
{
	if (read_file_at(dirfd, name, buf)) {
		memset(r, 0, sizeof(*r));
		return;
	}
	parse_psi(buf->buf, r);
}

static void psi_read_set(int dirfd, const char *const names[4],
			 struct psi *out, struct strbuf *buf)
{
	psi_read_resource(dirfd, names[0], &out->cpu, buf);
	psi_read_resource(dirfd, names[1], &out->memory, buf);
	psi_read_resource(dirfd, names[2], &out->io, buf);
	psi_read_resource(dirfd, names[3], &out->irq, buf);
}

void psi_read_host(int procfs_fd, struct psi *out, struct strbuf *buf)
{
	psi_read_set(procfs_fd, host_psi_files, out, buf);
}

void psi_read_cgroup(int cgroup_dir_fd, struct psi *out, struct strbuf *buf)
{
	psi_read_set(cgroup_dir_fd, cgroup_psi_files, out, buf);
}
