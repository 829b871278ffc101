/*
 * compare_format.c - which rows a view shows, and the two forms for
 * scripts: JSON (one object, a flat "rows" array, u64 values and deltas as
 * exact integers) and CSV (RFC 4180, one header line). Both carry every
 * visible row whatever --display-format and --limit say: those shape the
 * text for people (compare_text.c).
 */
#include "compare_format.h"

#include <cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compare_parse.h"
#include "expo.h"

static const char *const side_names[2] = { "baseline", "candidate" };

void compare_view_init(struct compare_view *v)
{
	memset(v, 0, sizeof(*v));
	v->output = COMPARE_OUT_TEXT;
	v->display = DISPLAY_ARROW;
	v->limit = COMPARE_DEFAULT_LIMIT;
	for (size_t i = 0; i < CMP_SEC_COUNT; i++)
		v->sections[i] = true;
}

bool compare_row_visible(const struct compare_view *v, const struct cmp_row *row)
{
	if (!v->sections[row->section])
		return false;
	return !v->metrics || row->metric_id == SIZE_MAX || v->metrics[row->metric_id];
}

static const char *unit_name(const struct cmp_row *r)
{
	static const char *const names[] = {
		[LADDER_NONE] = "",      [LADDER_NS] = "ns",       [LADDER_US] = "us",
		[LADDER_BYTES] = "bytes", [LADDER_TICKS] = "ticks", [LADDER_UNITLESS] = "count",
		[LADDER_CENTI_PCT] = "centi_percent",
	};
	return r->is_ratio ? "ratio" : names[r->ladder];
}

/* Exact b - a of two u64 values, as decimal text. */
static int exact_delta(struct strbuf *sb, uint64_t a, uint64_t b)
{
	if (b >= a)
		return strbuf_add_u64(sb, b - a);
	if (strbuf_addch(sb, '-'))
		return -ENOMEM;
	return strbuf_add_u64(sb, a - b);
}

static bool exact_pair(const struct cmp_row *r)
{
	return r->has_delta && r->v[0].has_u64 && r->v[1].has_u64;
}

/* --- JSON ---------------------------------------------------------------- */

static cJSON *json_text(const char *s)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *j = utf8_sanitize(s, &sb) ? NULL : cJSON_CreateString(sb.buf);
	strbuf_release(&sb);
	return j;
}

static cJSON *json_u64(uint64_t v)
{
	struct strbuf sb = STRBUF_INIT;
	cJSON *j = strbuf_add_u64(&sb, v) ? NULL : cJSON_CreateRaw(sb.buf);
	strbuf_release(&sb);
	return j;
}

/* The number, the shown text, or null (missing, Absent, not computable). */
static cJSON *json_value(const struct cmp_value *v)
{
	if (!v->present || v->absent)
		return cJSON_CreateNull();
	if (v->has_u64)
		return json_u64(v->u);
	if (v->text)
		return json_text(v->text);
	return v->has_num ? cJSON_CreateNumber(v->num) : cJSON_CreateNull();
}

static cJSON *json_delta(const struct cmp_row *r)
{
	if (!r->has_delta)
		return cJSON_CreateNull();
	if (!exact_pair(r))
		return cJSON_CreateNumber(r->delta);
	struct strbuf sb = STRBUF_INIT;
	cJSON *j = exact_delta(&sb, r->v[0].u, r->v[1].u) ? NULL : cJSON_CreateRaw(sb.buf);
	strbuf_release(&sb);
	return j;
}

/* Adds item to obj under key; false (item freed) when either is missing. */
static bool put(cJSON *obj, const char *key, cJSON *item)
{
	if (!item)
		return false;
	if (cJSON_AddItemToObject(obj, key, item))
		return true;
	cJSON_Delete(item);
	return false;
}

static bool push(cJSON *arr, cJSON *item)
{
	if (!item)
		return false;
	if (cJSON_AddItemToArray(arr, item))
		return true;
	cJSON_Delete(item);
	return false;
}

static cJSON *json_group(const char *const *group, size_t n)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < n; i++)
		if (!push(arr, json_text(group[i]))) {
			cJSON_Delete(arr);
			return NULL;
		}
	return arr;
}

static cJSON *json_threads(const struct compare_result *res, const struct cmp_row *r)
{
	if (res->nsides < 2)
		return cJSON_CreateNumber((double)r->threads[0]);
	cJSON *t = cJSON_CreateObject();
	if (t && put(t, "baseline", cJSON_CreateNumber((double)r->threads[0])) &&
	    put(t, "candidate", cJSON_CreateNumber((double)r->threads[1])))
		return t;
	cJSON_Delete(t);
	return NULL;
}

static bool json_row_values(cJSON *o, const struct compare_result *res,
			    const struct cmp_row *r)
{
	if (res->nsides < 2)
		return put(o, "value", json_value(&r->v[0]));
	if (!put(o, "baseline", json_value(&r->v[0])) ||
	    !put(o, "candidate", json_value(&r->v[1])) || !put(o, "delta", json_delta(r)) ||
	    !put(o, "delta_pct", r->has_pct ? cJSON_CreateNumber(r->pct) : cJSON_CreateNull()))
		return false;
	return !r->has_uptime || put(o, "uptime_pct", cJSON_CreateNumber(r->uptime));
}

static cJSON *json_row(const struct compare_result *res, const struct cmp_row *r)
{
	cJSON *o = cJSON_CreateObject();
	bool ok = o && put(o, "section", cJSON_CreateString(compare_section_name(r->section))) &&
		  put(o, "group", json_group(r->group, r->ngroup)) &&
		  (!r->has_threads || put(o, "threads", json_threads(res, r))) &&
		  put(o, "metric", json_text(r->metric)) &&
		  put(o, "unit", cJSON_CreateString(unit_name(r))) && json_row_values(o, res, r);
	if (ok)
		return o;
	cJSON_Delete(o);
	return NULL;
}

static cJSON *json_side(const struct compare_result *res, const struct compare_view *v,
			size_t s)
{
	cJSON *o = cJSON_CreateObject();
	if (o && put(o, "path", json_text(v->paths[s] ? v->paths[s] : "")) &&
	    put(o, "threads", cJSON_CreateNumber((double)res->threads[s])) &&
	    put(o, "captured_at_unix_ns", json_u64(v->captured_at[s])))
		return o;
	cJSON_Delete(o);
	return NULL;
}

static cJSON *json_onesided(const struct compare_result *res, size_t side)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < res->nonly; i++) {
		const struct cmp_onesided *g = &res->only[i];
		cJSON *o = g->side == side ? cJSON_CreateObject() : NULL;
		if (g->side != side)
			continue;
		if (!o || !put(o, "group", json_group(g->group, g->ngroup)) ||
		    !put(o, "threads", cJSON_CreateNumber((double)g->threads)) || !push(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

static bool hints_shown(const struct compare_view *v)
{
	return v->sections[CMP_SEC_SUMMARY];
}

static cJSON *json_hints(const struct compare_result *res, const struct compare_view *v)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && hints_shown(v) && i < res->nhints; i++) {
		cJSON *o = cJSON_CreateObject();
		const char *side = res->nsides < 2 ? "snapshot" : side_names[res->hints[i].side];
		if (!o || !put(o, "side", cJSON_CreateString(side)) ||
		    !put(o, "text", cJSON_CreateString(res->hints[i].text)) || !push(arr, o)) {
			cJSON_Delete(o);
			cJSON_Delete(arr);
			return NULL;
		}
	}
	return arr;
}

static cJSON *json_rows(const struct compare_result *res, const struct compare_view *v)
{
	cJSON *arr = cJSON_CreateArray();
	for (size_t i = 0; arr && i < res->nrows; i++)
		if (compare_row_visible(v, &res->rows[i]) && !push(arr, json_row(res, &res->rows[i]))) {
			cJSON_Delete(arr);
			return NULL;
		}
	return arr;
}

static bool json_sides(cJSON *top, const struct compare_result *res,
		       const struct compare_view *v)
{
	if (res->nsides < 2)
		return put(top, "snapshot", json_side(res, v, 0));
	return put(top, "baseline", json_side(res, v, 0)) &&
	       put(top, "candidate", json_side(res, v, 1));
}

static int render_json(const struct compare_result *res, const struct compare_view *v,
		       struct strbuf *out)
{
	cJSON *top = cJSON_CreateObject();
	bool ok = top &&
		  put(top, "command", cJSON_CreateString(res->nsides < 2 ? "show" : "compare")) &&
		  put(top, "group_by", cJSON_CreateString(compare_group_by_name(res->group_by))) &&
		  json_sides(top, res, v) && put(top, "rows", json_rows(res, v));
	if (ok && res->nsides == 2)
		ok = put(top, "only_baseline", json_onesided(res, 0)) &&
		     put(top, "only_candidate", json_onesided(res, 1));
	if (ok)
		ok = put(top, "hints", json_hints(res, v));
	char *text = ok ? cJSON_Print(top) : NULL;
	int rc = text ? strbuf_adds(out, text) || strbuf_addch(out, '\n') : -ENOMEM;
	cJSON_free(text);
	cJSON_Delete(top);
	return rc ? -ENOMEM : 0;
}

/* --- CSV ----------------------------------------------------------------- */

static int csv_field(struct strbuf *sb, const char *s, bool first)
{
	struct strbuf clean = STRBUF_INIT;
	int rc = (!first && strbuf_addch(sb, ',')) || utf8_sanitize(s, &clean);
	bool quote = strpbrk(clean.buf, ",\"\r\n") != NULL;
	if (!rc && quote)
		rc = strbuf_addch(sb, '"');
	for (const char *p = clean.buf; !rc && *p; p++)
		rc = (*p == '"' && strbuf_addch(sb, '"')) || strbuf_addch(sb, *p);
	if (!rc && quote)
		rc = strbuf_addch(sb, '"');
	strbuf_release(&clean);
	return rc ? -ENOMEM : 0;
}

/* Shortest %g that reads back as the same double. */
static int csv_double(struct strbuf *sb, double d)
{
	char buf[40];
	for (int prec = 15; prec <= 17; prec++) {
		snprintf(buf, sizeof(buf), "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return csv_field(sb, buf, false);
}

static int csv_u64(struct strbuf *sb, uint64_t v)
{
	char buf[24];
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v);
	return csv_field(sb, buf, false);
}

static int csv_value(struct strbuf *sb, const struct cmp_value *v)
{
	if (!v->present || v->absent)
		return csv_field(sb, "", false);
	if (v->has_u64)
		return csv_u64(sb, v->u);
	if (v->text)
		return csv_field(sb, v->text, false);
	return v->has_num ? csv_double(sb, v->num) : csv_field(sb, "", false);
}

static int csv_delta(struct strbuf *sb, const struct cmp_row *r)
{
	if (!r->has_delta)
		return csv_field(sb, "", false);
	if (!exact_pair(r))
		return csv_double(sb, r->delta);
	struct strbuf d = STRBUF_INIT;
	int rc = exact_delta(&d, r->v[0].u, r->v[1].u) || csv_field(sb, d.buf, false);
	strbuf_release(&d);
	return rc ? -ENOMEM : 0;
}

static int csv_opt_double(struct strbuf *sb, bool has, double d)
{
	return has ? csv_double(sb, d) : csv_field(sb, "", false);
}

static int csv_group(struct strbuf *sb, const struct compare_result *res,
		     const char *const *group, size_t n)
{
	size_t cols = compare_group_parts(res->group_by);
	for (size_t i = 0; i < cols; i++)
		if (csv_field(sb, i < n ? group[i] : "", false))
			return -ENOMEM;
	return 0;
}

static int csv_header(struct strbuf *sb, const struct compare_result *res)
{
	const char *group = res->group_by == COMPARE_BY_ALL ? "cgroup,pcomm,comm" : "group";
	if (res->nsides < 2)
		return strbuf_addf(sb, "section,%s,threads,metric,unit,value\n", group);
	return strbuf_addf(sb,
			   "section,%s,threads_baseline,threads_candidate,metric,unit,"
			   "baseline,candidate,delta,delta_pct,uptime_pct\n",
			   group);
}

static int csv_threads(struct strbuf *sb, const struct compare_result *res, bool has,
		       const size_t threads[2])
{
	for (size_t s = 0; s < res->nsides; s++) {
		char buf[24];
		snprintf(buf, sizeof(buf), "%zu", threads[s]);
		if (csv_field(sb, has ? buf : "", false))
			return -ENOMEM;
	}
	return 0;
}

static int csv_row(struct strbuf *sb, const struct compare_result *res,
		   const struct cmp_row *r)
{
	if (csv_field(sb, compare_section_name(r->section), true) ||
	    csv_group(sb, res, r->group, r->ngroup) ||
	    csv_threads(sb, res, r->has_threads, r->threads) || csv_field(sb, r->metric, false) ||
	    csv_field(sb, unit_name(r), false) || csv_value(sb, &r->v[0]))
		return -ENOMEM;
	if (res->nsides == 2 &&
	    (csv_value(sb, &r->v[1]) || csv_delta(sb, r) ||
	     csv_opt_double(sb, r->has_pct, r->pct) ||
	     csv_opt_double(sb, r->has_uptime, r->uptime)))
		return -ENOMEM;
	return strbuf_addch(sb, '\n');
}

/* One-sided groups: section only-baseline / only-candidate, no values. */
static int csv_onesided(struct strbuf *sb, const struct compare_result *res)
{
	static const char *const sections[2] = { "only-baseline", "only-candidate" };
	for (size_t k = 0; k < 2 * res->nonly; k++) {
		const struct cmp_onesided *o = &res->only[k % res->nonly];
		size_t threads[2] = { 0, 0 };
		if (o->side != k / res->nonly)
			continue;
		threads[o->side] = o->threads;
		if (csv_field(sb, sections[o->side], true) ||
		    csv_group(sb, res, o->group, o->ngroup) ||
		    csv_threads(sb, res, true, threads) || strbuf_adds(sb, ",,,,,,,\n"))
			return -ENOMEM;
	}
	return 0;
}

/* Hints: section hint, the text in its side's value column. */
static int csv_hints(struct strbuf *sb, const struct compare_result *res,
		     const struct compare_view *v)
{
	for (size_t i = 0; hints_shown(v) && i < res->nhints; i++) {
		struct cmp_row r = { .metric = "hint", .ladder = LADDER_NONE };
		r.v[res->hints[i].side] = (struct cmp_value){ .present = true,
							      .text = res->hints[i].text };
		if (csv_field(sb, "hint", true) || csv_group(sb, res, NULL, 0) ||
		    csv_threads(sb, res, false, r.threads) || csv_field(sb, "hint", false) ||
		    csv_field(sb, "", false) || csv_value(sb, &r.v[0]))
			return -ENOMEM;
		if (res->nsides == 2 && (csv_value(sb, &r.v[1]) || strbuf_adds(sb, ",,,")))
			return -ENOMEM;
		if (strbuf_addch(sb, '\n'))
			return -ENOMEM;
	}
	return 0;
}

static int render_csv(const struct compare_result *res, const struct compare_view *v,
		      struct strbuf *out)
{
	if (csv_header(out, res))
		return -ENOMEM;
	for (size_t i = 0; i < res->nrows; i++)
		if (compare_row_visible(v, &res->rows[i]) && csv_row(out, res, &res->rows[i]))
			return -ENOMEM;
	if (csv_onesided(out, res))
		return -ENOMEM;
	return csv_hints(out, res, v);
}

int compare_render(const struct compare_result *res, const struct compare_view *v,
		   struct strbuf *out)
{
	switch (v->output) {
	case COMPARE_OUT_JSON: return render_json(res, v, out);
	case COMPARE_OUT_CSV: return render_csv(res, v, out);
	default: return compare_render_text(res, v, out);
	}
}
