/*
 * parse_tally.c - read-failure bookkeeping with the seed's pending/commit
 * discipline, so a tid that exits mid-capture (and is dropped by the ghost
 * filter) does not inflate the failure counts of the snapshot.
 */
#include "parse_tally.h"

#include <stdlib.h>
#include <string.h>

#include "parse_util.h"

static const char *const parse_file_tokens[PARSE_FILE_COUNT] = {
	[PARSE_FILE_STAT] = "stat",
	[PARSE_FILE_SCHEDSTAT] = "schedstat",
	[PARSE_FILE_IO] = "io",
	[PARSE_FILE_STATUS] = "status",
	[PARSE_FILE_SCHED] = "sched",
	[PARSE_FILE_CGROUP] = "cgroup",
	[PARSE_FILE_SMAPS_ROLLUP] = "smaps_rollup",
};

const char *parse_file_token(enum parse_file f)
{
	return parse_file_tokens[f];
}

void parse_tally_record_failure(struct parse_tally *t, enum parse_file f)
{
	t->pending_failures[f] = sat_add_u64(t->pending_failures[f], 1);
}

void parse_tally_record_negative(struct parse_tally *t, uint64_t n)
{
	t->pending_negative_dotted = sat_add_u64(t->pending_negative_dotted, n);
}

void parse_tally_commit(struct parse_tally *t)
{
	for (int f = 0; f < PARSE_FILE_COUNT; f++)
		t->failures[f] = sat_add_u64(t->failures[f], t->pending_failures[f]);
	t->negative_dotted_values =
		sat_add_u64(t->negative_dotted_values, t->pending_negative_dotted);
	parse_tally_discard(t);
}

void parse_tally_add(struct parse_tally *dst, const struct parse_tally *src)
{
	dst->tids_walked = sat_add_u64(dst->tids_walked, src->tids_walked);
	for (int f = 0; f < PARSE_FILE_COUNT; f++)
		dst->failures[f] = sat_add_u64(dst->failures[f], src->failures[f]);
	dst->negative_dotted_values =
		sat_add_u64(dst->negative_dotted_values, src->negative_dotted_values);
}

void parse_tally_discard(struct parse_tally *t)
{
	memset(t->pending_failures, 0, sizeof(t->pending_failures));
	t->pending_negative_dotted = 0;
}

/* Highest count wins; a tie goes to the alphabetically earlier token. */
static int dominant_file(const struct parse_tally *t)
{
	int best = -1;
	for (int f = 0; f < PARSE_FILE_COUNT; f++) {
		if (!t->failures[f])
			continue;
		if (best < 0 || t->failures[f] > t->failures[best] ||
		    (t->failures[f] == t->failures[best] &&
		     strcmp(parse_file_tokens[f], parse_file_tokens[best]) < 0))
			best = f;
	}
	return best;
}

struct parse_summary *parse_tally_summary(const struct parse_tally *t)
{
	struct parse_summary *p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->tids_walked = t->tids_walked;
	p->negative_dotted_values = t->negative_dotted_values;
	uint64_t kconfig = t->failures[PARSE_FILE_SCHEDSTAT] +
			   t->failures[PARSE_FILE_IO];
	for (int f = 0; f < PARSE_FILE_COUNT; f++) {
		if (!t->failures[f])
			continue;
		p->read_failures = sat_add_u64(p->read_failures, t->failures[f]);
		if (kv_map_set(&p->read_failures_by_file, parse_file_tokens[f],
			       t->failures[f]))
			goto out_free;
	}
	/* Missing schedstat/io files point at kernel config, not races. */
	p->kernel_config_dominant =
		p->read_failures && kconfig >= p->read_failures - kconfig;
	int dom = dominant_file(t);
	if (dom >= 0 && !(p->dominant_read_failure = strdup(parse_file_tokens[dom])))
		goto out_free;
	return p;
out_free:
	parse_summary_free(p);
	return NULL;
}
