/*
 * http.h - the HTTP front of ctprof-exporter (libmicrohttpd).
 *
 * Owns the listen sockets, the routes (/metrics, /snapshot.ctprof.zst, /,
 * /-/healthy, /-/ready), content negotiation (OpenMetrics or text 0.0.4,
 * gzip), the request cap (503 beyond --web.max-requests), connection
 * limits and timeouts, TLS and the access checks of --web.config.file
 * (client certificate, basic auth: on every path, as exporter-toolkit),
 * and a graceful stop that lets in-flight requests finish.
 */
#ifndef CTPROF_HTTP_H
#define CTPROF_HTTP_H

#include "config.h"
#include "service.h"

#define HTTP_MAX_DAEMONS CONFIG_MAX_LISTEN

struct web_auth;

struct http_server {
	const struct exporter_config *cfg;
	struct capture_service *svc;
	struct web_auth *web;
	int fds[HTTP_MAX_DAEMONS]; /* opened, not yet handed to a daemon */
	int nfds;
	struct MHD_Daemon *daemons[HTTP_MAX_DAEMONS];
	int ndaemons;
	int in_flight; /* atomic */
	char hostname[256];
	char priorities[128]; /* GnuTLS priority string for min/max_version */
};

/*
 * Bind every --web.listen-address without starting a thread, so main can
 * drop privileges (a port below 1024 needs them) before anything serves.
 * 0 or -errno (logged).
 */
int http_open(struct http_server *h, const struct exporter_config *cfg);
/* Serve the opened sockets, with TLS and access checks from web. 0 or -errno (logged). */
int http_start(struct http_server *h, struct capture_service *svc, struct web_auth *web);
/* Stop accepting, wait up to grace_ms for in-flight requests, stop. */
void http_stop(struct http_server *h, unsigned grace_ms);

/* "host:port", ":port", "[v6]:port" -> sockaddr. 0 or -EINVAL. Exposed for tests. */
struct sockaddr_storage;
int http_parse_listen(const char *addr, struct sockaddr_storage *ss, unsigned *len);

/* Accept header -> whether OpenMetrics is preferred; Accept-Encoding -> gzip ok. */
bool http_wants_openmetrics(const char *accept);
bool http_accepts_gzip(const char *accept_encoding);

/* What a request path asks for (exposed for the fuzz harness). */
enum http_route {
	HTTP_ROUTE_METRICS,
	HTTP_ROUTE_SNAPSHOT,
	HTTP_ROUTE_LANDING,
	HTTP_ROUTE_HEALTHY,
	HTTP_ROUTE_READY,
	HTTP_ROUTE_NOT_FOUND,
};
enum http_route http_route_of(const char *url, const char *telemetry_path);

/*
 * How long a scrape may wait for a capture, from the value of
 * X-Prometheus-Scrape-Timeout-Seconds (NULL: absent); at most the wait
 * used without the header (120 s).
 */
uint64_t http_scrape_wait_ns(const char *timeout_header);

#endif
