/*
 * self_metrics.h - the standard process_* metrics of the exporter itself
 * (Prometheus client-library conventions), from /proc/self.
 */
#ifndef CTPROF_SELF_METRICS_H
#define CTPROF_SELF_METRICS_H

#include "expo.h"

/* Append the process_* families; a value that cannot be read is left out. */
void self_metrics_render(struct expo *e);

#endif
