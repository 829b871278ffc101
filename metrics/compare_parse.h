/*
 * compare_parse.h - the compare/show flag values: --format, --display-format,
 * --sections, --metrics and --sort-by, checked before any snapshot is read
 * (ktstr fails these fast too). Lists are comma-separated, entries trimmed;
 * an empty entry, an unknown or a repeated name is an error with one line
 * of text saying which.
 */
#ifndef CTPROF_COMPARE_PARSE_H
#define CTPROF_COMPARE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include "compare_format.h"
#include "registry.h"
#include "strbuf.h"

/* ktstr's --sections names ("primary", ...), plus "capture-summary". */
const char *compare_section_name(enum compare_section s);
/* The five sections only --group-by cgroup has rows for. */
bool compare_section_needs_cgroup(enum compare_section s);
/* Registry metrics plus the derived ones: the size of a --metrics mask. */
size_t compare_metric_count(const struct registry *r);

/* text | json | csv. -EINVAL when unknown. */
int compare_parse_output(const char *s, enum compare_output *out);
/* full | delta-only | no-pct | arrow | pct-only (any case). -EINVAL. */
int compare_parse_display(const char *s, enum compare_display *out);
/* Turn on exactly the listed sections. 0 / -EINVAL (err) / -ENOMEM. */
int compare_parse_sections(const char *spec, bool sections[CMP_SEC_COUNT], struct strbuf *err);
/* Mark the listed metrics in mask (compare_metric_count entries, zeroed here). */
int compare_parse_metrics(const struct registry *r, const char *spec, bool *mask,
			  struct strbuf *err);
/*
 * metric[:asc|desc],... (direction any case, default desc) into keys; Mode
 * metrics have no number and are refused, like unknown and repeated names.
 */
int compare_parse_sort(const struct registry *r, const char *spec,
		       struct compare_sort_key keys[COMPARE_SORT_MAX], size_t *n,
		       struct strbuf *err);

#endif
