/*
 * parse_tally.h - ktstr's ParseTally: per-file read failures and negative
 * dotted values, held pending while a thread is read and then committed or,
 * for a ghost thread the snapshot drops, discarded; and its public form, the
 * snapshot's parse_summary.
 */
#ifndef CTPROF_PARSE_TALLY_H
#define CTPROF_PARSE_TALLY_H

#include <stdint.h>

#include "snapshot.h"

/* The read-failure tokens, one per per-thread file. */
enum parse_file {
	PARSE_FILE_STAT,
	PARSE_FILE_SCHEDSTAT,
	PARSE_FILE_IO,
	PARSE_FILE_STATUS,
	PARSE_FILE_SCHED,
	PARSE_FILE_CGROUP,
	PARSE_FILE_SMAPS_ROLLUP,
	PARSE_FILE_COUNT
};

struct parse_tally {
	uint64_t tids_walked;
	uint64_t failures[PARSE_FILE_COUNT];
	uint64_t pending_failures[PARSE_FILE_COUNT];
	uint64_t negative_dotted_values;
	uint64_t pending_negative_dotted;
};

const char *parse_file_token(enum parse_file f);
void parse_tally_record_failure(struct parse_tally *t, enum parse_file f);
void parse_tally_record_negative(struct parse_tally *t, uint64_t n);
void parse_tally_commit(struct parse_tally *t);
void parse_tally_discard(struct parse_tally *t);
/* dst += src's committed counts (one walker's tally into the capture's). */
void parse_tally_add(struct parse_tally *dst, const struct parse_tally *src);
/* The snapshot's parse_summary; NULL on ENOMEM. */
struct parse_summary *parse_tally_summary(const struct parse_tally *t);

#endif
