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

int proc_parse_cgroup(char *text, struct thread_state *t)
{
	char *cursor = text, *line;
	while ((line = next_line(&cursor))) {
		if (strncmp(line, "0::", 3))
			continue;
		char *path = trim_inplace(line + 3);
		if (!*path)
			continue;
		char *copy = strdup(path);
		if (!copy)
			return -ENOMEM;
		free(t->cgroup);
		t->cgroup = copy;
		return 0;
	}
	return 0;
}
