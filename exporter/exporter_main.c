/*
 * exporter_main.c - ctprof-exporter, the HTTP daemon.
 *
 * Until the daemon's issue lands this answers --version and --help only.
 */
#include <stdio.h>
#include <string.h>

#include "version.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: ctprof-exporter [--version] [--help]\n"
		     "Serves a host-wide per-thread profile to Prometheus "
		     "(the HTTP server is not built yet).\n");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--version")) {
			printf("ctprof-exporter %s\n", CTPROF_VERSION);
			return 0;
		}
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		fprintf(stderr, "ctprof-exporter: unknown flag '%s'\n", argv[i]);
		usage(stderr);
		return 2;
	}
	usage(stderr);
	return 2;
}
