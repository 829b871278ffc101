/*
 * metrics_doc.h - docs/metrics.md, generated from the registry, the extra
 * family table and the field table (`ctprof metric-list`, `make docs`).
 */
#ifndef CTPROF_METRICS_DOC_H
#define CTPROF_METRICS_DOC_H

#include <stdio.h>

#include "registry.h"

void metrics_doc_markdown(const struct registry *r, FILE *out);

#endif
