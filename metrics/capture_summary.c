/*
 * capture_summary.c - when a capture summary calls for a hint: read failures
 * dominated by files a kernel config explains, probe failures dominated by
 * missing ptrace privilege, taskstats refused outright (no CAP_NET_ADMIN).
 */
#include "capture_summary.h"

#include <stddef.h>

const char *parse_summary_hint(const struct parse_summary *p)
{
	return p && p->kernel_config_dominant ? PARSE_KCONFIG_HINT : NULL;
}

const char *probe_summary_hint(const struct probe_summary *p)
{
	return p && p->privilege_dominant ? PTRACE_EPERM_HINT : NULL;
}

/* Some queries answered means the capability was there: no hint. */
const char *taskstats_summary_hint(const struct taskstats_summary *t)
{
	return t && !t->ok_count && t->eperm_count ? TASKSTATS_EPERM_HINT : NULL;
}
