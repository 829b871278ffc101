/*
 * capture_summary.h - the remediation hint each capture summary warrants,
 * shared by `ctprof show`'s summary and the compare/show tables so the
 * wording and the conditions live in one place.
 */
#ifndef CTPROF_CAPTURE_SUMMARY_H
#define CTPROF_CAPTURE_SUMMARY_H

#include "snapshot.h"

#define TASKSTATS_EPERM_HINT "hint: taskstats queries need CAP_NET_ADMIN"

/* The hint line for a summary, or NULL when it needs none (or is NULL). */
const char *parse_summary_hint(const struct parse_summary *p);
const char *probe_summary_hint(const struct probe_summary *p);
const char *taskstats_summary_hint(const struct taskstats_summary *t);

#endif
