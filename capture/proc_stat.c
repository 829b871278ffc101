/*
 * proc_stat.c - /proc/<tid>/stat. The comm field may hold spaces, ')' and
 * '(' (it is not escaped), so fields are counted from the LAST ')'; the
 * tail after it starts at field 3. Each field is individually optional.
 * Only the first line counts; its fields are separated by runs of blanks
 * (' ', \t, \r, \f, \v), as strtok would split them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse_util.h"
#include "proc_task.h"

/* proc(5) field numbers of the fields ctprof keeps. */
enum {
	STAT_STATE = 3,
	STAT_MINFLT = 10,
	STAT_MAJFLT = 12,
	STAT_UTIME = 14,
	STAT_STIME = 15,
	STAT_PRIORITY = 18,
	STAT_NICE = 19,
	STAT_NUM_THREADS = 20,
	STAT_STARTTIME = 22,
	STAT_PROCESSOR = 39,
	STAT_RT_PRIORITY = 40,
	STAT_POLICY = 41,
	STAT_FIRST_TAIL = 3,
};

const char *sched_policy_name(int32_t policy, char buf[32])
{
	static const char *const names[] = {
		[0] = "SCHED_OTHER", [1] = "SCHED_FIFO",     [2] = "SCHED_RR",
		[3] = "SCHED_BATCH", [5] = "SCHED_IDLE",     [6] = "SCHED_DEADLINE",
		[7] = "SCHED_EXT",
	};
	if (policy >= 0 && policy < (int32_t)(sizeof(names) / sizeof(names[0])) &&
	    names[policy])
		return names[policy];
	snprintf(buf, 32, "SCHED_UNKNOWN(%d)", policy);
	return buf;
}

static void stat_set_u64(struct text_span tok, uint64_t *dst)
{
	uint64_t v;
	if (parse_u64_span(tok, &v))
		*dst = v;
}

static void stat_set_i32(struct text_span tok, int32_t *dst)
{
	int32_t v;
	if (parse_i32_span(tok, &v))
		*dst = v;
}

static int stat_set_policy(struct text_span tok, struct thread_state *t)
{
	int32_t policy;
	char buf[32];
	if (!parse_i32_span(tok, &policy))
		return 0;
	char *name = strdup(sched_policy_name(policy, buf));
	if (!name)
		return -ENOMEM;
	free(t->policy);
	t->policy = name;
	return 0;
}

/*
 * The fields stat shares with status (State, Threads): the same kernel
 * values (task_state_index, get_nr_threads), read here only when status is
 * not read at all.
 */
static void stat_status_field(int field, struct text_span tok,
			      struct thread_state *t)
{
	if (field == STAT_STATE)
		t->state = tok.p[0];
	else if (field == STAT_NUM_THREADS)
		stat_set_u64(tok, &t->nr_threads);
}

/* Store one tail token (never empty) by its proc(5) field number. */
static int stat_field(int field, struct text_span tok, struct thread_state *t,
		      bool status_fields)
{
	if (status_fields)
		stat_status_field(field, tok, t);
	switch (field) {
	case STAT_MINFLT: stat_set_u64(tok, &t->minflt); break;
	case STAT_MAJFLT: stat_set_u64(tok, &t->majflt); break;
	case STAT_UTIME: stat_set_u64(tok, &t->utime_clock_ticks); break;
	case STAT_STIME: stat_set_u64(tok, &t->stime_clock_ticks); break;
	case STAT_PRIORITY: stat_set_i32(tok, &t->priority); break;
	case STAT_NICE: stat_set_i32(tok, &t->nice); break;
	case STAT_STARTTIME: stat_set_u64(tok, &t->start_time_clock_ticks); break;
	case STAT_PROCESSOR: stat_set_i32(tok, &t->processor); break;
	case STAT_RT_PRIORITY: {
		uint32_t v;
		if (parse_u32_span(tok, &v))
			t->rt_priority = v;
		break;
	}
	case STAT_POLICY: return stat_set_policy(tok, t);
	}
	return 0;
}

/*
 * comm is what lies between the first '(' and the last ')': the kernel
 * prints the same task name (proc_task_name, unescaped) into stat and comm.
 */
static int stat_set_comm(const char *text, const char *paren, struct thread_state *t)
{
	const char *open = memchr(text, '(', (size_t)(paren - text));
	if (!open)
		return 0;
	char *comm = strndup(open + 1, (size_t)(paren - open - 1));
	if (!comm)
		return -ENOMEM;
	free(t->comm);
	t->comm = comm;
	return 0;
}

/* The field separators: blanks, never '\n' (the line ends there). */
static inline bool is_stat_delim(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* The next token of [*p, end), runs of separators skipped; empty at the end. */
static struct text_span stat_next_token(const char **p, const char *end)
{
	const char *s = *p;
	while (s < end && is_stat_delim(*s))
		s++;
	const char *e = s;
	while (e < end && !is_stat_delim(*e))
		e++;
	*p = e;
	return (struct text_span){ s, (size_t)(e - s) };
}

/* The text is only read: the first line, as spans. */
static int parse_stat(char *text, struct thread_state *t, bool status_fields)
{
	const char *end = strchrnul(text, '\n');
	const char *paren = memrchr(text, ')', (size_t)(end - text));
	if (!paren)
		return 0;
	if (status_fields && stat_set_comm(text, paren, t))
		return -ENOMEM;
	const char *p = paren + 1;
	for (int field = STAT_FIRST_TAIL; field <= STAT_POLICY; field++) {
		struct text_span tok = stat_next_token(&p, end);
		if (!tok.len)
			break;
		if (stat_field(field, tok, t, status_fields))
			return -ENOMEM;
	}
	return 0;
}

int proc_parse_stat(char *text, struct thread_state *t)
{
	return parse_stat(text, t, false);
}

int proc_parse_stat_whole(char *text, struct thread_state *t)
{
	return parse_stat(text, t, true);
}
