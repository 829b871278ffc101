/*
 * render_flags.h - the grouping and format flags shared by `ctprof
 * metrics` and ctprof-exporter: --format, --group-by,
 * --no-thread-normalize, --cgroup-flatten (repeatable), --cgroup-normalize.
 */
#ifndef CTPROF_RENDER_FLAGS_H
#define CTPROF_RENDER_FLAGS_H

#include <getopt.h>

#include "pattern.h"
#include "render.h"

#define RENDER_FLAGS_MAX_GLOBS 64

enum render_flag_id {
	RENDER_FLAG_FORMAT = 2000,
	RENDER_FLAG_GROUP_BY,
	RENDER_FLAG_NO_THREAD_NORMALIZE,
	RENDER_FLAG_CGROUP_FLATTEN,
	RENDER_FLAG_CGROUP_NORMALIZE,
};

/* getopt_long entries, to splice into a command's option table. */
#define RENDER_FLAG_OPTIONS                                                          \
	{ "format", required_argument, NULL, RENDER_FLAG_FORMAT },                   \
	{ "group-by", required_argument, NULL, RENDER_FLAG_GROUP_BY },               \
	{ "no-thread-normalize", no_argument, NULL, RENDER_FLAG_NO_THREAD_NORMALIZE }, \
	{ "cgroup-flatten", required_argument, NULL, RENDER_FLAG_CGROUP_FLATTEN },   \
	{ "cgroup-normalize", no_argument, NULL, RENDER_FLAG_CGROUP_NORMALIZE }

struct render_flags {
	struct render_options render;
	const char *globs[RENDER_FLAGS_MAX_GLOBS];
};

void render_flags_init(struct render_flags *f);
/*
 * Apply one parsed option (id from RENDER_FLAG_OPTIONS). 1 if handled,
 * 0 if id is not a render flag, -1 with a message in err on a bad value.
 */
int render_flag_apply(struct render_flags *f, int id, const char *arg,
		      char *err, size_t errlen);

#endif
