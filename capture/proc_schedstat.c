/*
 * proc_schedstat.c - /proc/<tid>/schedstat (CONFIG_SCHED_INFO): the first
 * three tokens of the first line; extra tokens ignored, each independent.
 */
#include <string.h>

#include "parse_util.h"
#include "proc_task.h"

void proc_parse_schedstat(char *text, struct thread_state *t)
{
	uint64_t *dst[] = { &t->run_time_ns, &t->wait_time_ns, &t->timeslices };
	char *nl = strchr(text, '\n');
	if (nl)
		*nl = '\0';
	char *save = NULL;
	char *tok = strtok_r(text, " \t\r\f\v", &save);
	for (size_t i = 0; tok && i < sizeof(dst) / sizeof(dst[0]); i++) {
		uint64_t v;
		if (parse_u64(tok, &v))
			*dst[i] = v;
		tok = strtok_r(NULL, " \t\r\f\v", &save);
	}
}
