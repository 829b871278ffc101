/*
 * compare_scale.c - the unit ladders and cell forms of ktstr's scale.rs.
 *
 * A value steps up when |v| reaches the next threshold (ns -> µs -> ms ->
 * s by 1000, B -> KiB ... TiB by 1024, ticks -> Kticks -> Mticks, "" -> K
 * -> M -> G); below the first step an integer prints verbatim with the base
 * unit, so small numbers carry no ".000". Deltas carry an explicit sign.
 * PSI averages are centi-percent integers and print as N.NN%.
 */
#include "compare_format.h"

#include <errno.h>
#include <math.h>
#include <string.h>

struct step {
	double at;
	const char *unit;
};

static const struct step ns_steps[] = { { 1e9, "s" }, { 1e6, "ms" }, { 1e3, "µs" } };
static const struct step us_steps[] = { { 1e6, "s" }, { 1e3, "ms" } };
static const struct step byte_steps[] = { { 1099511627776.0, "TiB" },
					  { 1073741824.0, "GiB" },
					  { 1048576.0, "MiB" },
					  { 1024.0, "KiB" } };
static const struct step tick_steps[] = { { 1e6, "Mticks" }, { 1e3, "Kticks" } };
static const struct step count_steps[] = { { 1e9, "G" }, { 1e6, "M" }, { 1e3, "K" } };

struct ladder {
	const char *base;
	const struct step *steps;
	size_t nsteps;
};

#define LADDER(base, steps) { base, steps, sizeof(steps) / sizeof(steps[0]) }

static struct ladder ladder_of(enum compare_ladder l)
{
	switch (l) {
	case LADDER_NS: return (struct ladder)LADDER("ns", ns_steps);
	case LADDER_US: return (struct ladder)LADDER("µs", us_steps);
	case LADDER_BYTES: return (struct ladder)LADDER("B", byte_steps);
	case LADDER_TICKS: return (struct ladder)LADDER("ticks", tick_steps);
	case LADDER_UNITLESS: return (struct ladder)LADDER("", count_steps);
	default: return (struct ladder){ "", NULL, 0 };
	}
}

/* The step v reaches on ladder l, or NULL below the first one. */
static const struct step *step_for(double v, const struct ladder *lad)
{
	for (size_t i = 0; i < lad->nsteps; i++)
		if (fabs(v) >= lad->steps[i].at)
			return &lad->steps[i];
	return NULL;
}

static int centi_pct(struct strbuf *sb, const char *sign, uint64_t v)
{
	return strbuf_addf(sb, "%s%llu.%02llu%%", sign, (unsigned long long)(v / 100),
			   (unsigned long long)(v % 100));
}

int compare_fmt_u64(struct strbuf *sb, uint64_t v, enum compare_ladder l)
{
	if (l == LADDER_CENTI_PCT)
		return centi_pct(sb, "", v);
	struct ladder lad = ladder_of(l);
	const struct step *st = step_for((double)v, &lad);
	if (!st)
		return strbuf_addf(sb, "%llu%s", (unsigned long long)v, lad.base);
	return strbuf_addf(sb, "%.3f%s", (double)v / st->at, st->unit);
}

int compare_fmt_delta(struct strbuf *sb, double d, enum compare_ladder l)
{
	if (l == LADDER_CENTI_PCT)
		return centi_pct(sb, d < 0 ? "-" : "+", (uint64_t)fabs(d));
	struct ladder lad = ladder_of(l);
	const struct step *st = step_for(d, &lad);
	if (!st && d == trunc(d) && fabs(d) < 9.2e18)
		return strbuf_addf(sb, "%+lld%s", (long long)d, lad.base);
	if (!st)
		return strbuf_addf(sb, "%+.3f%s", d, lad.base);
	return strbuf_addf(sb, "%+.3f%s", d / st->at, st->unit);
}

/*
 * Derived cells are f64 quotients: ratios print three decimals, a value
 * below the first step two (123.40ns), a stepped one three. Deltas signed.
 */
static int derived_cell(struct strbuf *sb, double v, enum compare_ladder l, bool is_ratio,
			bool sign)
{
	if (is_ratio)
		return strbuf_addf(sb, sign ? "%+.3f" : "%.3f", v);
	struct ladder lad = ladder_of(l);
	const struct step *st = step_for(v, &lad);
	if (!st)
		return strbuf_addf(sb, sign ? "%+.2f%s" : "%.2f%s", v, lad.base);
	return strbuf_addf(sb, sign ? "%+.3f%s" : "%.3f%s", v / st->at, st->unit);
}

int compare_fmt_derived(struct strbuf *sb, double v, enum compare_ladder l, bool is_ratio)
{
	return derived_cell(sb, v, l, is_ratio, false);
}

int compare_fmt_derived_delta(struct strbuf *sb, double d, enum compare_ladder l,
			      bool is_ratio)
{
	return derived_cell(sb, d, l, is_ratio, true);
}

int compare_fmt_pct(struct strbuf *sb, double fraction)
{
	return strbuf_addf(sb, "%+.1f%%", fraction * 100.0);
}

static bool is_derived(const struct cmp_row *row)
{
	return row->table == CMP_TABLE_DERIVED;
}

int compare_fmt_value(struct strbuf *sb, const struct cmp_row *row, size_t side)
{
	const struct cmp_value *v = &row->v[side];
	if (!v->present || v->absent)
		return strbuf_adds(sb, "-");
	if (v->has_u64)
		return compare_fmt_u64(sb, v->u, row->ladder);
	if (v->text)
		return strbuf_adds(sb, v->text);
	if (v->has_num && is_derived(row))
		return compare_fmt_derived(sb, v->num, row->ladder, row->is_ratio);
	return strbuf_adds(sb, "-");
}

/* The value a categorical cell compares: the mode, else the shown text. */
static const char *category(const struct cmp_value *v)
{
	if (!v->present || v->absent || v->has_num)
		return NULL;
	return v->mode ? v->mode : v->text;
}

int compare_fmt_row_delta(struct strbuf *sb, const struct cmp_row *row)
{
	if (row->has_delta && is_derived(row))
		return compare_fmt_derived_delta(sb, row->delta, row->ladder, row->is_ratio);
	if (row->has_delta)
		return compare_fmt_delta(sb, row->delta, row->ladder);
	const char *a = category(&row->v[0]), *b = category(&row->v[1]);
	if (a && b)
		return strbuf_adds(sb, strcmp(a, b) ? "differs" : "same");
	return strbuf_adds(sb, "-");
}
