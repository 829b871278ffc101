/*
 * ctprof_show.h - `ctprof show`: a readable summary of a snapshot (counts,
 * the busiest processes by CPU, the three capture summaries and their
 * remediation hints).
 */
#ifndef CTPROF_SHOW_H
#define CTPROF_SHOW_H

#include <stdio.h>

#include "snapshot.h"

/* How many process groups the CPU ranking lists. */
#define SHOW_TOP_PROCESSES 10

int ctprof_show(const struct ctprof_snapshot *s, FILE *out);

#endif
