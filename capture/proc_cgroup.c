/*
 * proc_cgroup.c - /proc/<tid>/cgroup: the unified hierarchy's "0::<path>"
 * line. v1 "N:controller:path" lines are ignored, so a hybrid host yields
 * its v2 path and a v1-only host none; the first non-empty 0:: line wins.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "parse_util.h"
#include "proc_task.h"

char *proc_cgroup_v2_path(char *text)
{
	char *cursor = text, *line;
	while ((line = next_line(&cursor))) {
		if (strncmp(line, "0::", 3))
			continue;
		char *path = trim_inplace(line + 3);
		if (*path)
			return path;
	}
	return NULL;
}

int proc_parse_cgroup(char *text, struct thread_state *t)
{
	char *path = proc_cgroup_v2_path(text);
	return path ? snapshot_set_string(&t->cgroup, path) : 0;
}
