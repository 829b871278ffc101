/*
 * compare_format.h - compare/show rows as text, JSON or CSV.
 *
 * Owns the unit ladders of ktstr's scale.rs (ns/µs/B/ticks/unitless; a
 * value below the first step prints verbatim with its base unit, a stepped
 * one with three decimals; derived averages with two), the cell forms of
 * the display formats (full, delta-only, no-pct, arrow, pct-only), the
 * default and --sort-by orders, the --sections/--metrics filters, text
 * tables fitted to a width with ktstr's --limit truncation note, and the
 * JSON (cJSON, u64 exact) and CSV forms for scripts.
 */
#ifndef CTPROF_COMPARE_FORMAT_H
#define CTPROF_COMPARE_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compare.h"
#include "strbuf.h"

enum compare_output {
	COMPARE_OUT_TEXT,
	COMPARE_OUT_JSON,
	COMPARE_OUT_CSV,
};

/* ktstr's DisplayFormat: which value columns a text table carries. */
enum compare_display {
	DISPLAY_FULL,       /* baseline candidate delta % */
	DISPLAY_DELTA_ONLY, /* delta % */
	DISPLAY_NO_PCT,     /* baseline candidate delta */
	DISPLAY_ARROW,      /* "baseline → candidate" delta % %uptime */
	DISPLAY_PCT_ONLY,   /* % */
};

struct compare_sort_key {
	size_t metric_id; /* compare_metric_id() */
	bool descending;
};

#define COMPARE_SORT_MAX 16
#define COMPARE_DEFAULT_LIMIT 500

struct compare_view {
	enum compare_output output;
	enum compare_display display;
	bool sections[CMP_SEC_COUNT]; /* which sections render */
	const bool *metrics;          /* by metric id; NULL: every metric */
	size_t limit;                 /* text: lines per section, 0 unlimited */
	size_t width;                 /* text: columns to fit, 0: no limit */
	const char *paths[2];
	uint64_t captured_at[2];
};

/* Every section on, every metric, arrow, text, ktstr's 500-line limit. */
void compare_view_init(struct compare_view *v);

/*
 * Order the primary and derived rows: with no keys, ktstr's default
 * (largest |%| first, a change from zero above any percentage, rows
 * without a number last; ties by group key) when comparing and key order
 * when showing; with keys, groups ranked by the tuple of the keys' deltas
 * (values when showing), rows of a group in registry order.
 */
int compare_sort(struct compare_result *res, const struct compare_sort_key *keys, size_t n);

int compare_render(const struct compare_result *res, const struct compare_view *v,
		   struct strbuf *out);

/* Ladder cells (ktstr's format_* helpers). All append; 0 / -ENOMEM. */
int compare_fmt_u64(struct strbuf *sb, uint64_t v, enum compare_ladder l);
int compare_fmt_delta(struct strbuf *sb, double d, enum compare_ladder l);
int compare_fmt_derived(struct strbuf *sb, double v, enum compare_ladder l, bool is_ratio);
int compare_fmt_derived_delta(struct strbuf *sb, double d, enum compare_ladder l,
			      bool is_ratio);
int compare_fmt_pct(struct strbuf *sb, double fraction);
/* The baseline, candidate and delta cells of a row as the text shows them. */
int compare_fmt_value(struct strbuf *sb, const struct cmp_row *row, size_t side);
int compare_fmt_row_delta(struct strbuf *sb, const struct cmp_row *row);

/* Internal to the compare_*.c formatters. */
bool compare_row_visible(const struct compare_view *v, const struct cmp_row *row);
int compare_render_text(const struct compare_result *res, const struct compare_view *v,
			struct strbuf *out);

#endif
