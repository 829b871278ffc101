/*
 * config.c - flag parsing with getopt_long_only (so one or two dashes
 * work), duration values, and the collector switches.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char config_usage[] =
	"usage: ctprof-exporter [flags]\n"
	"\n"
	"Serves a host-wide per-thread profile to Prometheus.\n"
	"\n"
	"  --web.listen-address=ADDR   listen on ADDR (repeatable; default " CONFIG_DEFAULT_LISTEN ";\n"
	"                              forms :PORT, HOST:PORT, [V6]:PORT)\n"
	"  --web.telemetry-path=PATH   metrics path (default /metrics)\n"
	"  --web.max-requests=N        parallel requests before 503 (default 40)\n"
	"  --web.config.file=FILE      TLS and basic auth, exporter-toolkit's format\n"
	"                              (docs/security.md)\n"
	"  --no-web.snapshot           no /snapshot.ctprof.zst download\n"
	"  --capture.mode=MODE         scrape (capture per scrape, default) or interval\n"
	"  --capture.interval=DUR      interval mode period (default 15s)\n"
	"  --capture.min-interval=DUR  scrape mode: reuse a capture younger than this (default 1s)\n"
	"  --capture.workers=N         threads walking /proc per capture, 1..16 (default: one\n"
	"                              per CPU, at most 4)\n"
	"  --no-capture.reuse-idle     read every thread in full on every capture (default:\n"
	"                              a thread that has not run since the last capture keeps\n"
	"                              its sched and io values, a thread of a process whose\n"
	"                              io totals have not moved its io; docs/performance.md)\n"
	"  --capture.sources=SRC       auto (default: taskstats and stat stand in for status,\n"
	"                              schedstat and comm where they carry the same values)\n"
	"                              or files (every field from its own procfs file)\n"
	"  --group-by=AXES             comma list of pcomm, comm, cgroup, container (default\n"
	"                              pcomm; container: labels pod_uid, container_id)\n"
	"  --no-thread-normalize       group by literal names (no worker-{N} keys)\n"
	"  --cgroup-flatten=GLOB       replace matching cgroup paths by GLOB (repeatable)\n"
	"  --cgroup-normalize          normalize cgroup paths (systemd instances, ids)\n"
	"  --group.retention=DUR       keep an idle group's counters this long (default 10m)\n"
	"  --max-series=N              fold the smallest groups into \"other\" beyond N (default 50000)\n"
	"  --path.procfs=DIR           procfs root (default /proc)\n"
	"  --path.sysfs=DIR            sysfs root (default /sys)\n"
	"  --path.cgroupfs=DIR         cgroup2 root (default: the cgroup2 mount)\n"
	"  --[no-]collector.NAME       taskstats, jemalloc, smaps, cgroup, psi, sched_ext, host\n"
	"                              (all on by default)\n"
	"  --log.level=LEVEL           debug, info (default), warn, error\n"
	"  --log.format=FORMAT         logfmt (default) or json\n"
	"  --version                   print the version\n"
	"  --help                      this text\n";

enum config_opt {
	OPT_LISTEN = 3000,
	OPT_TELEMETRY,
	OPT_MAX_REQUESTS,
	OPT_WEB_CONFIG,
	OPT_SNAPSHOT_ON,
	OPT_SNAPSHOT_OFF,
	OPT_MODE,
	OPT_INTERVAL,
	OPT_MIN_INTERVAL,
	OPT_WORKERS,
	OPT_SOURCES,
	OPT_REUSE_ON,
	OPT_REUSE_OFF,
	OPT_RETENTION,
	OPT_MAX_SERIES,
	OPT_PROCFS,
	OPT_SYSFS,
	OPT_CGROUPFS,
	OPT_LOG_LEVEL,
	OPT_LOG_FORMAT,
	OPT_VERSION,
	OPT_HELP,
	OPT_COLLECTOR_ON = 3100,  /* + collector index */
	OPT_COLLECTOR_OFF = 3200, /* + collector index */
};

#define COLLECTOR_OPTS(name, i)                                                     \
	{ "collector." name, no_argument, NULL, OPT_COLLECTOR_ON + (i) },           \
	{ "no-collector." name, no_argument, NULL, OPT_COLLECTOR_OFF + (i) }

static const struct option config_options[] = {
	{ "web.listen-address", required_argument, NULL, OPT_LISTEN },
	{ "web.telemetry-path", required_argument, NULL, OPT_TELEMETRY },
	{ "web.max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
	{ "web.config.file", required_argument, NULL, OPT_WEB_CONFIG },
	{ "web.snapshot", no_argument, NULL, OPT_SNAPSHOT_ON },
	{ "no-web.snapshot", no_argument, NULL, OPT_SNAPSHOT_OFF },
	{ "capture.mode", required_argument, NULL, OPT_MODE },
	{ "capture.interval", required_argument, NULL, OPT_INTERVAL },
	{ "capture.min-interval", required_argument, NULL, OPT_MIN_INTERVAL },
	{ "capture.workers", required_argument, NULL, OPT_WORKERS },
	{ "capture.sources", required_argument, NULL, OPT_SOURCES },
	{ "capture.reuse-idle", no_argument, NULL, OPT_REUSE_ON },
	{ "no-capture.reuse-idle", no_argument, NULL, OPT_REUSE_OFF },
	{ "group.retention", required_argument, NULL, OPT_RETENTION },
	{ "max-series", required_argument, NULL, OPT_MAX_SERIES },
	{ "path.procfs", required_argument, NULL, OPT_PROCFS },
	{ "path.sysfs", required_argument, NULL, OPT_SYSFS },
	{ "path.cgroupfs", required_argument, NULL, OPT_CGROUPFS },
	{ "log.level", required_argument, NULL, OPT_LOG_LEVEL },
	{ "log.format", required_argument, NULL, OPT_LOG_FORMAT },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "help", no_argument, NULL, OPT_HELP },
	COLLECTOR_OPTS("taskstats", 0),
	COLLECTOR_OPTS("jemalloc", 1),
	COLLECTOR_OPTS("smaps", 2),
	COLLECTOR_OPTS("cgroup", 3),
	COLLECTOR_OPTS("psi", 4),
	COLLECTOR_OPTS("sched_ext", 5),
	COLLECTOR_OPTS("host", 6),
	{ "group-by", required_argument, NULL, RENDER_FLAG_GROUP_BY },
	{ "no-thread-normalize", no_argument, NULL, RENDER_FLAG_NO_THREAD_NORMALIZE },
	{ "cgroup-flatten", required_argument, NULL, RENDER_FLAG_CGROUP_FLATTEN },
	{ "cgroup-normalize", no_argument, NULL, RENDER_FLAG_CGROUP_NORMALIZE },
	{ NULL, 0, NULL, 0 },
};

/* The collector switches, indexed like COLLECTOR_OPTS. */
static bool *collector_off(struct capture_options *o, int i)
{
	bool *const off[] = { &o->no_taskstats, &o->no_jemalloc, &o->no_smaps,
			      &o->no_cgroup,    &o->no_psi,      &o->no_sched_ext,
			      &o->no_host };
	return off[i];
}

int parse_duration_ns(const char *s, uint64_t *ns)
{
	static const struct { const char *unit; uint64_t ns; } units[] = {
		{ "ms", 1000000ULL }, { "h", 3600000000000ULL }, { "m", 60000000000ULL },
		{ "s", 1000000000ULL },
	};
	uint64_t total = 0;
	if (!*s)
		return -EINVAL;
	while (*s) {
		char *end;
		errno = 0;
		unsigned long long v = strtoull(s, &end, 10);
		if (errno || end == s || *s == '-' || *s == '+')
			return -EINVAL;
		size_t u = 0;
		while (u < 4 && strncmp(end, units[u].unit, strlen(units[u].unit)))
			u++;
		if (u == 4 || v > UINT64_MAX / units[u].ns ||
		    total > UINT64_MAX - v * units[u].ns)
			return -EINVAL;
		total += v * units[u].ns;
		s = end + strlen(units[u].unit);
	}
	*ns = total;
	return 0;
}

static int parse_count(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static void config_defaults(struct exporter_config *c)
{
	memset(c, 0, sizeof(*c));
	c->telemetry_path = "/metrics";
	c->max_requests = 40;
	c->mode = CAPTURE_ON_SCRAPE;
	c->interval_ns = 15000000000ULL;
	c->min_interval_ns = 1000000000ULL;
	c->retention_ns = 600000000000ULL;
	c->max_series = 50000;
	c->log = (struct logger){ .min = LOG_INFO, .format = LOG_LOGFMT, .fd = 2 };
	render_flags_init(&c->render);
}

#define BAD(...) (snprintf(err, errlen, __VA_ARGS__), -EINVAL)

static int apply_duration(const char *flag, const char *arg, uint64_t *dst, char *err,
			  size_t errlen)
{
	if (parse_duration_ns(arg, dst) || !*dst)
		return BAD("%s: not a positive duration like 15s or 500ms: '%s'", flag, arg);
	return 0;
}

/* One parsed option; 0 or -EINVAL with err set. */
static int apply_option(struct exporter_config *c, int id, const char *arg, char *err,
			size_t errlen)
{
	unsigned long long n;
	int lv;
	switch (id) {
	case OPT_LISTEN:
		if (c->nlisten == CONFIG_MAX_LISTEN)
			return BAD("--web.listen-address: at most %d addresses", CONFIG_MAX_LISTEN);
		c->listen[c->nlisten++] = arg;
		return 0;
	case OPT_TELEMETRY:
		if (arg[0] != '/' || !strcmp(arg, "/") || !strcmp(arg, "/snapshot.ctprof.zst") ||
		    !strncmp(arg, "/-/", 3))
			return BAD("--web.telemetry-path: must start with / and not clash with "
				   "/, /-/ or /snapshot.ctprof.zst: '%s'", arg);
		c->telemetry_path = arg;
		return 0;
	case OPT_MAX_REQUESTS:
		if (parse_count(arg, 10000, &n) || !n)
			return BAD("--web.max-requests: expected 1..10000, got '%s'", arg);
		c->max_requests = (unsigned)n;
		return 0;
	case OPT_WEB_CONFIG:
		c->web_config_file = *arg ? arg : NULL; /* "" = none, as the toolkit */
		return 0;
	case OPT_SNAPSHOT_ON: c->no_snapshot = false; return 0;
	case OPT_SNAPSHOT_OFF: c->no_snapshot = true; return 0;
	case OPT_MODE:
		if (strcmp(arg, "scrape") && strcmp(arg, "interval"))
			return BAD("--capture.mode: expected scrape or interval, got '%s'", arg);
		c->mode = !strcmp(arg, "scrape") ? CAPTURE_ON_SCRAPE : CAPTURE_ON_INTERVAL;
		return 0;
	case OPT_INTERVAL:
		return apply_duration("--capture.interval", arg, &c->interval_ns, err, errlen);
	case OPT_MIN_INTERVAL:
		if (parse_duration_ns(arg, &c->min_interval_ns))
			return BAD("--capture.min-interval: not a duration like 1s: '%s'", arg);
		return 0;
	case OPT_WORKERS:
		if (!capture_workers_parse(arg, &c->capture.workers))
			return BAD("--capture.workers: expected 1..%u, got '%s'",
				   CAPTURE_WORKERS_MAX, arg);
		return 0;
	case OPT_SOURCES:
		if (!capture_sources_parse(arg, &c->capture.sources))
			return BAD("--capture.sources: expected auto or files, got '%s'", arg);
		return 0;
	case OPT_REUSE_ON: c->no_reuse_idle = false; return 0;
	case OPT_REUSE_OFF: c->no_reuse_idle = true; return 0;
	case OPT_RETENTION:
		return apply_duration("--group.retention", arg, &c->retention_ns, err, errlen);
	case OPT_MAX_SERIES:
		if (parse_count(arg, 100000000, &n) || !n)
			return BAD("--max-series: expected a positive count, got '%s'", arg);
		c->max_series = (size_t)n;
		return 0;
	case OPT_PROCFS: c->capture.procfs = arg; return 0;
	case OPT_SYSFS: c->capture.sysfs = arg; return 0;
	case OPT_CGROUPFS: c->capture.cgroupfs = arg; return 0;
	case OPT_LOG_LEVEL:
		if ((lv = log_level_parse(arg)) < 0)
			return BAD("--log.level: expected debug, info, warn or error, got '%s'", arg);
		c->log.min = (enum log_level)lv;
		return 0;
	case OPT_LOG_FORMAT:
		if ((lv = log_format_parse(arg)) < 0)
			return BAD("--log.format: expected logfmt or json, got '%s'", arg);
		c->log.format = (enum log_format)lv;
		return 0;
	case OPT_VERSION: c->show_version = true; return 0;
	case OPT_HELP: c->show_help = true; return 0;
	}
	if (id >= OPT_COLLECTOR_ON && id < OPT_COLLECTOR_ON + 7) {
		*collector_off(&c->capture, id - OPT_COLLECTOR_ON) = false;
		return 0;
	}
	if (id >= OPT_COLLECTOR_OFF && id < OPT_COLLECTOR_OFF + 7) {
		*collector_off(&c->capture, id - OPT_COLLECTOR_OFF) = true;
		return 0;
	}
	int rc = render_flag_apply(&c->render, id, arg, err, errlen);
	return rc == 1 ? 0 : rc == 0 ? BAD("unknown flag") : -EINVAL;
}

int config_parse(int argc, char **argv, struct exporter_config *c, char *err,
		 size_t errlen)
{
	int id;
	config_defaults(c);
	opterr = 0;
	optind = 1;
	while ((id = getopt_long_only(argc, argv, ":", config_options, NULL)) != -1) {
		if (id == ':')
			return BAD("flag '%s' needs a value", argv[optind - 1]);
		if (id == '?')
			return BAD("unknown flag '%s'", argv[optind - 1]);
		if (apply_option(c, id, optarg, err, errlen))
			return -EINVAL;
	}
	if (optind < argc)
		return BAD("unexpected argument '%s'", argv[optind]);
	if (!c->nlisten)
		c->listen[c->nlisten++] = CONFIG_DEFAULT_LISTEN;
	return 0;
}
