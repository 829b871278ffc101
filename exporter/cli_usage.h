/*
 * cli_usage.h - how every `ctprof` subcommand reports a bad command line:
 * "ctprof: <what is wrong>" and a pointer to --help on stderr, exit 2.
 */
#ifndef CTPROF_CLI_USAGE_H
#define CTPROF_CLI_USAGE_H

#include <stdio.h>

#define EXIT_USAGE 2

/* fmt takes one string argument. Returns EXIT_USAGE. */
static inline int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "ctprof: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'ctprof --help'.\n");
	return EXIT_USAGE;
}

#endif
