/*
 * sched_ext.h - the global sched_ext sysfs attributes (ktstr-facts 7
 * "sched_ext sysfs"): <sysfs>/kernel/sched_ext/{state, switch_all,
 * nr_rejected, hotplug_seq, enable_seq}. Per-scheduler attributes under
 * kernel/sched_ext/root/ are out of scope.
 */
#ifndef CTPROF_SCHED_EXT_H
#define CTPROF_SCHED_EXT_H

#include "snapshot.h"
#include "strbuf.h"

/*
 * NULL when kernel/sched_ext/ does not exist (CONFIG_SCHED_CLASS_EXT=n);
 * errno is ENOMEM instead of ENOENT when allocation failed. Otherwise each
 * unreadable attribute defaults to "" / 0. Free with sched_ext_free().
 */
struct sched_ext_sysfs *sched_ext_read(int sysfs_fd, struct strbuf *buf);

#endif
