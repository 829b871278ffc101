/*
 * ctprof_compare.h - the `ctprof compare` command and the table form of
 * `ctprof show`: flags, snapshot loading, rendering to stdout.
 */
#ifndef CTPROF_COMPARE_CMD_H
#define CTPROF_COMPARE_CMD_H

/* argv[0] is "compare" / "show". Returns the exit status. */
int ctprof_compare_main(int argc, char **argv);
int ctprof_show_table_main(int argc, char **argv);

#endif
