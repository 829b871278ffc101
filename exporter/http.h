/*
 * http.h - the HTTP front of ctprof-exporter (libmicrohttpd).
 *
 * Owns the listen sockets, the routes (/metrics, /snapshot.ctprof.zst, /,
 * /-/healthy, /-/ready), content negotiation (OpenMetrics or text 0.0.4,
 * gzip), the request cap (503 beyond --web.max-requests), connection
 * limits and timeouts, and a graceful stop that lets in-flight requests
 * finish.
 */
#ifndef CTPROF_HTTP_H
#define CTPROF_HTTP_H

#include "config.h"
#include "service.h"

#define HTTP_MAX_DAEMONS CONFIG_MAX_LISTEN

struct http_server {
	const struct exporter_config *cfg;
	struct capture_service *svc;
	struct MHD_Daemon *daemons[HTTP_MAX_DAEMONS];
	int ndaemons;
	int in_flight; /* atomic */
	char hostname[256];
};

/* Bind every --web.listen-address and start serving. 0 or -errno (logged). */
int http_start(struct http_server *h, const struct exporter_config *cfg,
	       struct capture_service *svc);
/* Stop accepting, wait up to grace_ms for in-flight requests, stop. */
void http_stop(struct http_server *h, unsigned grace_ms);

/* "host:port", ":port", "[v6]:port" -> sockaddr. 0 or -EINVAL. Exposed for tests. */
struct sockaddr_storage;
int http_parse_listen(const char *addr, struct sockaddr_storage *ss, unsigned *len);

/* Accept header -> whether OpenMetrics is preferred; Accept-Encoding -> gzip ok. */
bool http_wants_openmetrics(const char *accept);
bool http_accepts_gzip(const char *accept_encoding);

#endif
