/*
 * compare_text.c - compare/show rows as text tables for people.
 *
 * One `## ` section per table (one per resource for pressure), columns
 * aligned on display width (UTF-8 code points), names with control bytes
 * escaped. When the table is wider than the terminal the group columns
 * give way first, keeping the tail of each key (the specific end of a
 * cgroup path). --limit cuts each section after that many lines with
 * ktstr's note, as ktstr's limit_sections does after rendering.
 */
#include "compare_format.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "expo.h"

enum col {
	COL_GROUP,
	COL_THREADS,
	COL_METRIC,
	COL_BASE,
	COL_CAND,
	COL_ARROW,
	COL_DELTA,
	COL_PCT,
	COL_UPTIME,
	COL_VALUE,
};

#define MAX_COLS 12
#define MIN_GROUP_WIDTH 12

struct table_cols {
	enum col col[MAX_COLS];
	size_t part[MAX_COLS]; /* COL_GROUP: which key part */
	const char *header[MAX_COLS];
	size_t n;
};

/* Cells of one table, row-major, owned. */
struct text_table {
	struct table_cols cols;
	char **cells;
	size_t nrows, cap;
	size_t width[MAX_COLS];
};

static const char *const table_titles[CMP_TABLE_COUNT] = {
	[CMP_TABLE_PRIMARY] = "Primary metrics",
	[CMP_TABLE_DERIVED] = "Derived metrics",
	[CMP_TABLE_SMAPS] = "smaps_rollup",
	[CMP_TABLE_CGROUP_STATS] = "CgroupStats",
	[CMP_TABLE_LIMITS] = "Cgroup limits / knobs",
	[CMP_TABLE_MEMORY_STAT] = "memory.stat",
	[CMP_TABLE_MEMORY_EVENTS] = "memory.events",
	[CMP_TABLE_PRESSURE] = "Pressure",
	[CMP_TABLE_HOST_PRESSURE] = "Host pressure",
	[CMP_TABLE_SCHED_EXT] = "sched_ext",
	[CMP_TABLE_SUMMARY] = "Capture summaries",
};

static const char *const metric_headers[CMP_TABLE_COUNT] = {
	[CMP_TABLE_MEMORY_STAT] = "key",
	[CMP_TABLE_MEMORY_EVENTS] = "event",
	[CMP_TABLE_SCHED_EXT] = "attr",
	[CMP_TABLE_SUMMARY] = "field",
};

static const char *const side_names[2] = { "baseline", "candidate" };

/* Escaped for a terminal: \\, control bytes as \n, \t, \xHH; bad UTF-8 as U+FFFD. */
static int add_text(struct strbuf *sb, const char *s)
{
	struct strbuf esc = STRBUF_INIT;
	int rc = 0;
	for (const unsigned char *p = (const unsigned char *)s; !rc && *p; p++) {
		if (*p == '\\')
			rc = strbuf_adds(&esc, "\\\\");
		else if (*p == '\n')
			rc = strbuf_adds(&esc, "\\n");
		else if (*p == '\t')
			rc = strbuf_adds(&esc, "\\t");
		else if (*p < 0x20 || *p == 0x7f)
			rc = strbuf_addf(&esc, "\\x%02x", *p);
		else
			rc = strbuf_addch(&esc, (char)*p);
	}
	if (!rc)
		rc = utf8_sanitize(esc.buf, sb);
	strbuf_release(&esc);
	return rc;
}

static size_t display_width(const char *s)
{
	size_t w = 0;
	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

static const char *group_header(const struct compare_result *res, enum compare_table t,
				size_t part, size_t nparts)
{
	static const char *const all[] = { "cgroup", "pcomm", "comm" };
	static const char *const by[] = {
		[COMPARE_BY_PCOMM] = "pcomm", [COMPARE_BY_CGROUP] = "cgroup",
		[COMPARE_BY_COMM] = "comm-pattern", [COMPARE_BY_COMM_EXACT] = "comm",
	};
	switch (t) {
	case CMP_TABLE_PRIMARY:
	case CMP_TABLE_DERIVED:
		return res->group_by == COMPARE_BY_ALL ? all[part] : by[res->group_by];
	case CMP_TABLE_SMAPS:
		return nparts == 2 ? all[part] : "pcomm";
	case CMP_TABLE_SUMMARY:
		return "summary";
	default:
		return "cgroup";
	}
}

static void add_col(struct table_cols *c, enum col col, size_t part, const char *header)
{
	c->col[c->n] = col;
	c->part[c->n] = part;
	c->header[c->n] = header;
	c->n++;
}

static void value_cols(const struct compare_result *res, const struct compare_view *v,
		       enum compare_table t, struct table_cols *c)
{
	bool primary = t == CMP_TABLE_PRIMARY || t == CMP_TABLE_DERIVED;
	if (res->nsides < 2) {
		add_col(c, COL_VALUE, 0, "value");
		return;
	}
	if (v->display == DISPLAY_FULL || v->display == DISPLAY_NO_PCT) {
		add_col(c, COL_BASE, 0, "baseline");
		add_col(c, COL_CAND, 0, "candidate");
	}
	if (v->display == DISPLAY_ARROW)
		add_col(c, COL_ARROW, 0, "value");
	if (v->display != DISPLAY_PCT_ONLY)
		add_col(c, COL_DELTA, 0, "delta");
	if (v->display != DISPLAY_NO_PCT)
		add_col(c, COL_PCT, 0, "%");
	if (v->display == DISPLAY_ARROW && primary)
		add_col(c, COL_UPTIME, 0, "%uptime");
}

static void table_columns(const struct compare_result *res, const struct compare_view *v,
			  const struct cmp_row *first, struct table_cols *c)
{
	enum compare_table t = first->table;
	c->n = 0;
	for (size_t p = 0; p < first->ngroup; p++)
		add_col(c, COL_GROUP, p, group_header(res, t, p, first->ngroup));
	if (first->has_threads)
		add_col(c, COL_THREADS, 0, "threads");
	add_col(c, COL_METRIC, 0, metric_headers[t] ? metric_headers[t] : "metric");
	value_cols(res, v, t, c);
}

static int threads_cell(struct strbuf *sb, const struct compare_result *res,
			const struct cmp_row *r)
{
	if (res->nsides < 2 || r->threads[0] == r->threads[1])
		return strbuf_addf(sb, "%zu", r->threads[0]);
	return strbuf_addf(sb, "%zu→%zu", r->threads[0], r->threads[1]);
}

static int arrow_cell(struct strbuf *sb, const struct cmp_row *r)
{
	if (compare_fmt_value(sb, r, 0) || strbuf_adds(sb, " → "))
		return -ENOMEM;
	return compare_fmt_value(sb, r, 1);
}

static int cell(struct strbuf *sb, const struct compare_result *res, const struct cmp_row *r,
		enum col col, size_t part)
{
	switch (col) {
	case COL_GROUP: return add_text(sb, r->group[part]);
	case COL_THREADS: return threads_cell(sb, res, r);
	case COL_METRIC: return add_text(sb, r->metric);
	case COL_BASE:
	case COL_VALUE: return compare_fmt_value(sb, r, 0);
	case COL_CAND: return compare_fmt_value(sb, r, 1);
	case COL_ARROW: return arrow_cell(sb, r);
	case COL_DELTA: return compare_fmt_row_delta(sb, r);
	case COL_PCT: return r->has_pct ? compare_fmt_pct(sb, r->pct) : strbuf_adds(sb, "-");
	default:
		return r->has_uptime ? strbuf_addf(sb, "%.0f%%", r->uptime) : strbuf_adds(sb, "-");
	}
}

static int table_add_row(struct text_table *t, const struct compare_result *res,
			 const struct cmp_row *r)
{
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 64;
		char **grown = realloc(t->cells, cap * MAX_COLS * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->cells = grown;
		t->cap = cap;
	}
	char **row = t->cells + t->nrows * MAX_COLS;
	for (size_t c = 0; c < t->cols.n; c++) {
		struct strbuf sb = STRBUF_INIT;
		if (cell(&sb, res, r, t->cols.col[c], t->cols.part[c]) ||
		    !(row[c] = strbuf_detach(&sb, NULL))) {
			strbuf_release(&sb);
			while (c--)
				free(row[c]);
			return -ENOMEM;
		}
	}
	t->nrows++;
	return 0;
}

static void table_release(struct text_table *t)
{
	for (size_t i = 0; i < t->nrows * MAX_COLS; i++)
		if (i % MAX_COLS < t->cols.n)
			free(t->cells[i]);
	free(t->cells);
}

static bool right_aligned(enum col c)
{
	return c != COL_GROUP && c != COL_METRIC && c != COL_THREADS;
}

/* Natural widths, then the group columns shrunk (widest first) to fit. */
static void fit_widths(struct text_table *t, size_t width)
{
	size_t total = 0;
	for (size_t c = 0; c < t->cols.n; c++) {
		t->width[c] = display_width(t->cols.header[c]);
		for (size_t r = 0; r < t->nrows; r++) {
			size_t w = display_width(t->cells[r * MAX_COLS + c]);
			t->width[c] = w > t->width[c] ? w : t->width[c];
		}
		total += t->width[c] + (c ? 2 : 0);
	}
	while (width && total > width) {
		size_t widest = MAX_COLS;
		for (size_t c = 0; c < t->cols.n; c++)
			if (t->cols.col[c] == COL_GROUP && t->width[c] > MIN_GROUP_WIDTH &&
			    (widest == MAX_COLS || t->width[c] > t->width[widest]))
				widest = c;
		if (widest == MAX_COLS)
			return;
		t->width[widest]--;
		total--;
	}
}

/* s in exactly w columns: padded, or "…" and its last w-1 columns. */
static int add_fitted(struct strbuf *sb, const char *s, size_t w, bool right, bool last)
{
	size_t have = display_width(s);
	if (have > w) {
		for (size_t skip = have - (w - 1); skip; skip--)
			while (((unsigned char)*++s & 0xc0) == 0x80)
				;
		return strbuf_adds(sb, "…") || strbuf_adds(sb, s) ? -ENOMEM : 0;
	}
	size_t pad = w - have;
	int rc = 0;
	for (size_t i = 0; !rc && right && i < pad; i++)
		rc = strbuf_addch(sb, ' ');
	if (!rc)
		rc = strbuf_adds(sb, s);
	for (size_t i = 0; !rc && !right && !last && i < pad; i++)
		rc = strbuf_addch(sb, ' ');
	return rc;
}

static int add_line(struct strbuf *sb, const struct text_table *t, const char *const *cells)
{
	for (size_t c = 0; c < t->cols.n; c++) {
		if ((c && strbuf_adds(sb, "  ")) ||
		    add_fitted(sb, cells[c], t->width[c], right_aligned(t->cols.col[c]),
			       c + 1 == t->cols.n))
			return -ENOMEM;
	}
	return strbuf_addch(sb, '\n');
}

static int table_lines(struct strbuf *sb, struct text_table *t, size_t width)
{
	fit_widths(t, width);
	if (add_line(sb, t, t->cols.header))
		return -ENOMEM;
	for (size_t r = 0; r < t->nrows; r++)
		if (add_line(sb, t, (const char *const *)t->cells + r * MAX_COLS))
			return -ENOMEM;
	return 0;
}

/* "## title" and at most limit lines of body, then ktstr's truncation note. */
static int emit_section(struct strbuf *out, const char *title, const struct strbuf *body,
			size_t limit)
{
	size_t lines = 0, cut = body->len;
	for (size_t i = 0; i < body->len; i++)
		if (body->buf[i] == '\n' && ++lines == limit && cut == body->len)
			cut = i + 1;
	if (strbuf_addf(out, "\n## %s\n", title) || strbuf_add(out, body->buf, cut))
		return -ENOMEM;
	if (limit && lines > limit)
		return strbuf_addf(out,
				   "... %zu more lines truncated (use --limit 0 for unlimited)\n",
				   lines - limit);
	return 0;
}

static bool same_table(const struct cmp_row *a, const struct cmp_row *b)
{
	return a->table == b->table && a->sub == b->sub;
}

static int hint_lines(struct strbuf *sb, const struct compare_result *res)
{
	for (size_t i = 0; i < res->nhints; i++)
		if (strbuf_addf(sb, "%s: %s\n", res->nsides == 2 ? side_names[res->hints[i].side] :
								 "snapshot",
				res->hints[i].text))
			return -ENOMEM;
	return 0;
}

static int table_title(struct strbuf *sb, const struct cmp_row *first)
{
	const char *t = table_titles[first->table];
	if (first->table == CMP_TABLE_PRESSURE || first->table == CMP_TABLE_HOST_PRESSURE)
		return strbuf_addf(sb, "%s / %s", t, compare_psi_resource[first->sub]);
	return strbuf_adds(sb, t);
}

/* The visible rows [b, e) of one table as a section. */
static int render_table(struct strbuf *out, const struct compare_result *res,
			const struct compare_view *v, size_t b, size_t e)
{
	struct text_table t = { 0 };
	struct strbuf body = STRBUF_INIT, title = STRBUF_INIT;
	const struct cmp_row *first = NULL;
	int rc = 0;
	for (size_t i = b; i < e; i++)
		if (compare_row_visible(v, &res->rows[i]) && !first)
			first = &res->rows[i];
	if (!first)
		return 0;
	table_columns(res, v, first, &t.cols);
	for (size_t i = b; !rc && i < e; i++)
		if (compare_row_visible(v, &res->rows[i]))
			rc = table_add_row(&t, res, &res->rows[i]);
	if (!rc)
		rc = table_lines(&body, &t, v->width);
	if (!rc && first->table == CMP_TABLE_SUMMARY)
		rc = hint_lines(&body, res);
	if (!rc)
		rc = table_title(&title, first) || emit_section(out, title.buf, &body, v->limit);
	table_release(&t);
	strbuf_release(&body);
	strbuf_release(&title);
	return rc ? -ENOMEM : 0;
}

/* A one-sided group list as a table of its key parts and thread count. */
static int onesided_body(struct strbuf *body, const struct compare_result *res,
			 const struct compare_view *v, size_t side, size_t n)
{
	struct text_table t = { 0 };
	size_t parts = compare_group_parts(res->group_by);
	int rc = strbuf_addf(body, "%zu group(s) only in %s (%s):\n", n, side_names[side],
			     v->paths[side] ? v->paths[side] : "-");
	for (size_t p = 0; p < parts; p++)
		add_col(&t.cols, COL_GROUP, p, group_header(res, CMP_TABLE_PRIMARY, p, parts));
	add_col(&t.cols, COL_THREADS, 0, "threads");
	for (size_t i = 0; !rc && i < res->nonly; i++) {
		const struct cmp_onesided *o = &res->only[i];
		struct cmp_row r = { .ngroup = o->ngroup, .has_threads = true };
		if (o->side != side)
			continue;
		memcpy(r.group, o->group, sizeof(r.group));
		r.threads[0] = r.threads[1] = o->threads;
		rc = table_add_row(&t, res, &r);
	}
	if (!rc)
		rc = table_lines(body, &t, v->width);
	table_release(&t);
	return rc;
}

static int render_onesided(struct strbuf *out, const struct compare_result *res,
			   const struct compare_view *v)
{
	static const char *const titles[2] = { "Only in baseline", "Only in candidate" };
	for (size_t side = 0; side < 2; side++) {
		size_t n = 0;
		for (size_t i = 0; i < res->nonly; i++)
			n += res->only[i].side == side;
		if (!n)
			continue;
		struct strbuf body = STRBUF_INIT;
		int rc = onesided_body(&body, res, v, side, n);
		if (!rc)
			rc = emit_section(out, titles[side], &body, v->limit);
		strbuf_release(&body);
		if (rc)
			return -ENOMEM;
	}
	return 0;
}

static int render_header(struct strbuf *out, const struct compare_result *res,
			 const struct compare_view *v)
{
	const char *by = compare_group_by_name(res->group_by);
	if (res->nsides < 2)
		return strbuf_addf(out, "snapshot: %s (%zu threads)\ngroup-by: %s\n",
				   v->paths[0] ? v->paths[0] : "-", res->threads[0], by);
	return strbuf_addf(out,
			   "baseline:  %s (%zu threads)\ncandidate: %s (%zu threads)\n"
			   "group-by:  %s\n",
			   v->paths[0] ? v->paths[0] : "-", res->threads[0],
			   v->paths[1] ? v->paths[1] : "-", res->threads[1], by);
}

int compare_render_text(const struct compare_result *res, const struct compare_view *v,
			struct strbuf *out)
{
	if (render_header(out, res, v))
		return -ENOMEM;
	for (size_t b = 0; b < res->nrows;) {
		size_t e = b + 1;
		while (e < res->nrows && same_table(&res->rows[e], &res->rows[b]))
			e++;
		if (render_table(out, res, v, b, e))
			return -ENOMEM;
		b = e;
	}
	return render_onesided(out, res, v);
}
