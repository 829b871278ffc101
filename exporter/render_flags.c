/*
 * render_flags.c - parsing of the shared grouping/format flags. Bad values
 * are rejected up front (a --cgroup-flatten glob that does not compile is
 * an error here, where ktstr drops it silently).
 */
#include "render_flags.h"

#include <stdio.h>
#include <string.h>

void render_flags_init(struct render_flags *f)
{
	memset(f, 0, sizeof(*f));
	f->render.format = EXPO_PROMETHEUS;
	f->render.capture_duration_ns = -1;
	f->render.group.cgroup_flatten = f->globs;
}

static int parse_format(struct render_flags *f, const char *arg, char *err, size_t n)
{
	if (!strcmp(arg, "prometheus"))
		f->render.format = EXPO_PROMETHEUS;
	else if (!strcmp(arg, "openmetrics"))
		f->render.format = EXPO_OPENMETRICS;
	else
		return snprintf(err, n, "--format: expected prometheus or openmetrics, got '%s'",
				arg), -1;
	return 1;
}

static int add_glob(struct render_flags *f, const char *arg, char *err, size_t n)
{
	struct group_options *g = &f->render.group;
	if (!cgroup_glob_valid(arg))
		return snprintf(err, n, "--cgroup-flatten: not a valid glob: '%s'", arg), -1;
	if (g->ncgroup_flatten == RENDER_FLAGS_MAX_GLOBS)
		return snprintf(err, n, "--cgroup-flatten: at most %d globs",
				RENDER_FLAGS_MAX_GLOBS), -1;
	f->globs[g->ncgroup_flatten++] = arg;
	return 1;
}

int render_flag_apply(struct render_flags *f, int id, const char *arg, char *err,
		      size_t errlen)
{
	switch (id) {
	case RENDER_FLAG_FORMAT:
		return parse_format(f, arg, err, errlen);
	case RENDER_FLAG_GROUP_BY:
		if (group_axes_parse(arg, &f->render.group))
			return snprintf(err, errlen,
					"--group-by: expected a comma list of pcomm, comm, cgroup, container, got '%s'",
					arg), -1;
		return 1;
	case RENDER_FLAG_NO_THREAD_NORMALIZE:
		f->render.group.no_thread_normalize = true;
		return 1;
	case RENDER_FLAG_CGROUP_FLATTEN:
		return add_glob(f, arg, err, errlen);
	case RENDER_FLAG_CGROUP_NORMALIZE:
		f->render.group.cgroup_normalize = true;
		return 1;
	default:
		return 0;
	}
}
