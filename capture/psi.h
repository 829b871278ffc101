/*
 * psi.h - Pressure Stall Information readers (ktstr-facts 7 "PSI").
 *
 * Owns where PSI is read from: the host's <procfs>/pressure/<res> files and
 * a cgroup's <res>.pressure files, for res in cpu, memory, io, irq. The line
 * format itself is parse_psi()'s. A missing or unreadable file leaves that
 * resource zeroed: PSI compiled out, booted with psi=0, or irq pressure
 * without IRQ time accounting is a host property, not a read failure.
 */
#ifndef CTPROF_PSI_H
#define CTPROF_PSI_H

#include "snapshot.h"
#include "strbuf.h"

/* One PSI file relative to dirfd into r (zeroed when unreadable). */
void psi_read_resource(int dirfd, const char *name, struct psi_resource *r,
		       struct strbuf *buf);

/* <procfs_fd>/pressure/{cpu,memory,io,irq}. */
void psi_read_host(int procfs_fd, struct psi *out, struct strbuf *buf);

/* <cgroup_dir_fd>/{cpu,memory,io,irq}.pressure. */
void psi_read_cgroup(int cgroup_dir_fd, struct psi *out, struct strbuf *buf);

#endif
