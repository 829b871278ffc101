/*
 * config.h - ctprof-exporter's flags: parsed once in main into a plain
 * struct that the rest of the daemon reads. Long flags take one or two
 * dashes (-web.listen-address as process-exporter spells it, or
 * --web.listen-address); a bad flag or value is one clear line, exit 2.
 */
#ifndef CTPROF_CONFIG_H
#define CTPROF_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "capture.h"
#include "log.h"
#include "render_flags.h"

#define CONFIG_MAX_LISTEN 8
#define CONFIG_DEFAULT_LISTEN ":10042"

enum capture_mode {
	CAPTURE_ON_SCRAPE,
	CAPTURE_ON_INTERVAL,
};

struct exporter_config {
	const char *listen[CONFIG_MAX_LISTEN];
	int nlisten;
	const char *telemetry_path;
	unsigned max_requests;
	const char *web_config_file; /* NULL: plain HTTP, no auth */
	bool no_snapshot;            /* --no-web.snapshot */
	bool no_reuse_idle;          /* --no-capture.reuse-idle */
	enum capture_mode mode;
	uint64_t interval_ns;
	uint64_t min_interval_ns;
	uint64_t retention_ns;
	size_t max_series;
	struct capture_options capture;
	struct render_flags render;
	struct logger log;
	bool show_version;
	bool show_help;
};

/* Go-style durations: "500ms", "15s", "10m", "1h", "1m30s". -EINVAL if bad. */
int parse_duration_ns(const char *s, uint64_t *ns);

/*
 * Fill c from argv (defaults first). 0 on success; on a bad flag, a
 * one-line message in err and -EINVAL.
 */
int config_parse(int argc, char **argv, struct exporter_config *c, char *err,
		 size_t errlen);
extern const char config_usage[];

#endif
