/*
 * exporter_main.c - ctprof-exporter: parse flags, log what the host
 * offers, start the capture service and the HTTP server, and wait for
 * SIGTERM/SIGINT. All signals are blocked in every thread and taken here
 * with sigwait, so a signal never lands in the middle of a ptrace probe.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "service.h"
#include "sources.h"
#include "version.h"

#define SHUTDOWN_GRACE_MS 5000

static void log_sources(const struct exporter_config *cfg)
{
	struct host_sources hs;
	sources_probe(&cfg->capture, &hs);
	log_event(&cfg->log, LOG_INFO, "host sources", "taskstats",
		  cfg->capture.no_taskstats ? "disabled" :
		  hs.cap_net_admin	   ? "allowed" : "no CAP_NET_ADMIN",
		  "delayacct", hs.delayacct, "xacct", hs.xacct, "schedstats",
		  hs.schedstats ? "yes" : "no (CONFIG_SCHEDSTATS off)", "psi",
		  hs.psi ? "yes" : "no", "cgroup2", *hs.cgroup2 ? hs.cgroup2 : "none",
		  "ptrace", cfg->capture.no_jemalloc ? "disabled" :
			    hs.cap_sys_ptrace	    ? "allowed" : "no CAP_SYS_PTRACE",
		  "sched_ext", hs.sched_ext ? "yes" : "no", NULL);
}

static const char *mode_name(const struct exporter_config *cfg)
{
	return cfg->mode == CAPTURE_ON_SCRAPE ? "scrape" : "interval";
}

/* Block the stop signals everywhere; main takes them with sigwait. */
static void block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int serve(struct exporter_config *cfg)
{
	struct capture_service svc;
	struct http_server http;
	sigset_t set;
	int sig = 0, rc;
	block_signals(&set);
	log_event(&cfg->log, LOG_INFO, "starting ctprof-exporter", "version", CTPROF_VERSION,
		  "capture_mode", mode_name(cfg), NULL);
	log_sources(cfg);
	if ((rc = service_start(&svc, cfg))) {
		log_event(&cfg->log, LOG_ERROR, "cannot start the capture service", "err",
			  strerror(-rc), NULL);
		return 1;
	}
	if ((rc = http_start(&http, cfg, &svc)))
		goto out_stop_service;
	while (sigwait(&set, &sig) == 0 && sig == SIGHUP)
		; /* nothing to reload */
	log_event(&cfg->log, LOG_INFO, "shutting down", "signal", strsignal(sig), NULL);
	http_stop(&http, SHUTDOWN_GRACE_MS);
out_stop_service:
	service_stop(&svc);
	return rc ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct exporter_config cfg;
	char err[512];
	if (config_parse(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "ctprof-exporter: %s\nTry 'ctprof-exporter --help'.\n", err);
		return 2;
	}
	if (cfg.show_help) {
		fputs(config_usage, stdout);
		return 0;
	}
	if (cfg.show_version) {
		printf("ctprof-exporter %s\n", CTPROF_VERSION);
		return 0;
	}
	return serve(&cfg);
}
