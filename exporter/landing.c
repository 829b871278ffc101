/*
 * landing.c - the landing page. Hints are the capture summaries' own
 * remediation texts, so the page says what the logs and ctprof show say.
 */
#include "landing.h"

#include <errno.h>

#include "render.h"
#include "version.h"

static void add_escaped(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<': strbuf_adds(sb, "&lt;"); break;
		case '>': strbuf_adds(sb, "&gt;"); break;
		case '&': strbuf_adds(sb, "&amp;"); break;
		case '"': strbuf_adds(sb, "&quot;"); break;
		default: strbuf_addch(sb, *s);
		}
	}
}

static void add_link(struct strbuf *sb, const char *href, const char *text)
{
	strbuf_adds(sb, "<li><a href=\"");
	add_escaped(sb, href);
	strbuf_adds(sb, "\">");
	add_escaped(sb, text);
	strbuf_adds(sb, "</a></li>\n");
}

static void add_hints(struct strbuf *sb, const struct ctprof_snapshot *s)
{
	const struct taskstats_summary *t = s->taskstats_summary;
	strbuf_adds(sb, "<h2>Capture hints</h2>\n<ul>\n");
	int n = 0;
	if (s->parse_summary && s->parse_summary->kernel_config_dominant && ++n)
		strbuf_addf(sb, "<li>%s</li>\n", PARSE_KCONFIG_HINT);
	if (s->probe_summary && s->probe_summary->privilege_dominant && ++n) {
		strbuf_adds(sb, "<li>");
		add_escaped(sb, PTRACE_EPERM_HINT);
		strbuf_adds(sb, "</li>\n");
	}
	if (t && !t->ok_count && t->eperm_count && ++n)
		strbuf_adds(sb, "<li>hint: taskstats queries are refused: grant CAP_NET_ADMIN</li>\n");
	if (!n)
		strbuf_adds(sb, "<li>none: every source read as expected</li>\n");
	strbuf_adds(sb, "</ul>\n");
}

static void add_sources(struct strbuf *sb, const struct ctprof_snapshot *s)
{
	bool avail[SOURCE_COUNT];
	render_sources(s, avail);
	strbuf_adds(sb, "<h2>Sources on this host</h2>\n<ul>\n");
	for (int i = 0; i < SOURCE_COUNT; i++)
		strbuf_addf(sb, "<li>%s: %s</li>\n", render_source_name((enum render_source)i),
			    avail[i] ? "yes" : "no");
	strbuf_adds(sb, "</ul>\n");
}

int landing_page(struct strbuf *out, const struct exporter_config *cfg,
		 const struct ctprof_snapshot *latest)
{
	strbuf_adds(out, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
			 "<title>ctprof-exporter</title></head>\n<body>\n"
			 "<h1>ctprof-exporter</h1>\n<p>Per-thread profile exporter, version "
			 CTPROF_VERSION ".</p>\n<ul>\n");
	add_link(out, cfg->telemetry_path, "Metrics");
	if (!cfg->no_snapshot)
		add_link(out, "/snapshot.ctprof.zst", "Snapshot (ktstr ctprof format, zstd)");
	add_link(out, "/-/healthy", "Health");
	add_link(out, "/-/ready", "Readiness");
	strbuf_adds(out, "</ul>\n");
	if (latest) {
		add_hints(out, latest);
		add_sources(out, latest);
	} else {
		strbuf_adds(out, "<p>No capture has completed yet.</p>\n");
	}
	strbuf_adds(out, "</body></html>\n");
	return out->alloc ? 0 : -ENOMEM;
}
