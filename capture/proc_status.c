/*
 * proc_status.c - /proc/<tid>/status: State, context switches, Threads and
 * Cpus_allowed_list (the affinity fallback when sched_getaffinity is not
 * used or fails).
 */
#include <string.h>

#include "parse_util.h"
#include "proc_task.h"

void proc_parse_status(char *text, struct thread_state *t)
{
	char *cursor = text, *line, *key, *value;
	while ((line = next_line(&cursor))) {
		uint64_t v;
		if (!split_key_value(line, ':', &key, &value))
			continue;
		if (!strcmp(key, "State")) {
			if (*value)
				t->state = value[0];
		} else if (!strcmp(key, "voluntary_ctxt_switches")) {
			if (parse_u64(value, &v))
				t->voluntary_csw = v;
		} else if (!strcmp(key, "nonvoluntary_ctxt_switches")) {
			if (parse_u64(value, &v))
				t->nonvoluntary_csw = v;
		} else if (!strcmp(key, "Threads")) {
			if (parse_u64(value, &v))
				t->nr_threads = v;
		} else if (!strcmp(key, "Cpus_allowed_list")) {
			struct cpuset cpus = { 0 };
			if (parse_cpu_list(value, &cpus)) {
				cpuset_release(&t->cpu_affinity);
				t->cpu_affinity = cpus;
			}
		}
	}
}
