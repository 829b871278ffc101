/*
 * exporter_main.c - ctprof-exporter: parse flags, log what the host
 * offers, start the capture service and the HTTP server, and wait for
 * SIGTERM/SIGINT. All signals are blocked in every thread and taken here
 * with sigwait, so a signal never lands in the middle of a ptrace probe.
 *
 * Order matters for least privilege: the web config is read and the
 * listen sockets bound first (a port below 1024 needs privilege), then
 * the capabilities are cut and the seccomp filter installed while main is
 * still the only thread, and only then do the capture thread and the HTTP
 * daemons start, inheriting both.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "http.h"
#include "sandbox.h"
#include "service.h"
#include "sources.h"
#include "version.h"
#include "web_auth.h"

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

/* Keep only what the collectors need, then the seccomp filter (sandbox.h). */
static void enter_sandbox(const struct exporter_config *cfg)
{
	struct sandbox_caps caps;
	char kept[160];
	sandbox_drop_caps(sandbox_caps_wanted(&cfg->capture), &caps);
	sandbox_caps_text(caps.kept, kept, sizeof(kept));
	/* EPERM is the normal non-root case (file or ambient capabilities). */
	if (caps.bound_err)
		log_event(&cfg->log, caps.bound_err == -EPERM ? LOG_INFO : LOG_WARN,
			  "capability bounding set left as it is (shrinking it needs "
			  "CAP_SETPCAP; no_new_privs bars regaining any)",
			  "err", strerror(-caps.bound_err), NULL);
	if (caps.set_err)
		log_event(&cfg->log, LOG_WARN, "cannot drop capabilities", "err",
			  strerror(-caps.set_err), NULL);
	int rc = sandbox_seccomp_install();
	if (rc)
		log_event(&cfg->log, LOG_WARN, "seccomp filter not installed", "err",
			  strerror(-rc), NULL);
	log_event(&cfg->log, LOG_INFO, "sandbox", "capabilities", kept, "seccomp",
		  rc ? "off" : "on", NULL);
}

static void log_web(const struct exporter_config *cfg, const struct web_auth *web)
{
	static const char *const auth[] = { "NoClientCert", "RequestClientCert",
					    "RequireAnyClientCert", "VerifyClientCertIfGiven",
					    "RequireAndVerifyClientCert" };
	char users[24];
	if (!cfg->web_config_file)
		return;
	snprintf(users, sizeof(users), "%zu", web->cfg.nusers);
	log_event(&cfg->log, LOG_INFO, "web config", "file", cfg->web_config_file, "tls",
		  web->cfg.tls ? "on" : "off", "client_auth_type",
		  auth[web->cfg.client_auth], "basic_auth_users", users, NULL);
	if (web->cfg.nusers && !web->cfg.tls)
		log_event(&cfg->log, LOG_WARN, "basic auth without TLS: passwords cross the "
			  "network in clear text", NULL);
}

static const char *mode_name(const struct exporter_config *cfg)
{
	return cfg->mode == CAPTURE_ON_SCRAPE ? "scrape" : "interval";
}

/*
 * glibc's defaults keep memory this daemon has freed. The mmap threshold
 * rises to the largest block freed (a snapshot's thread array, megabytes),
 * after which every capture's arrays come from the heap and stay resident
 * when freed; a fixed threshold keeps them mmap'd and returned. And each
 * thread allocating under contention (the capture thread, every connection
 * thread) may get an arena of its own, each holding its free memory; two
 * arenas are enough for one capture thread beside a few requests.
 */
static void tune_malloc(void)
{
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	mallopt(M_ARENA_MAX, 2);
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

static int serve(struct exporter_config *cfg, struct web_auth *web)
{
	struct capture_service svc;
	struct http_server http;
	sigset_t set;
	int sig = 0, rc;
	block_signals(&set);
	log_event(&cfg->log, LOG_INFO, "starting ctprof-exporter", "version", CTPROF_VERSION,
		  "capture_mode", mode_name(cfg), NULL);
	log_web(cfg, web);
	if (http_open(&http, cfg))
		return 1;
	enter_sandbox(cfg);
	log_sources(cfg); /* after the drop: it reports the capabilities kept */
	if ((rc = service_start(&svc, cfg))) {
		log_event(&cfg->log, LOG_ERROR, "cannot start the capture service", "err",
			  strerror(-rc), NULL);
		http_stop(&http, 0);
		return 1;
	}
	if ((rc = http_start(&http, &svc, web)))
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
	struct web_auth web;
	char err[512];
	tune_malloc(); /* before any thread or allocation worth the name */
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
	if (web_auth_init(&web, cfg.web_config_file, &cfg.log, err, sizeof(err))) {
		fprintf(stderr, "ctprof-exporter: --web.config.file: %s\n", err);
		web_auth_release(&web);
		return 2;
	}
	int rc = serve(&cfg, &web);
	web_auth_release(&web);
	return rc;
}
