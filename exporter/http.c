/*
 * http.c - libmicrohttpd front. Threading follows the manual's advice for
 * handlers that block (a scrape may wait for a capture): an internal
 * polling thread with one thread per connection and an inter-thread
 * channel, explicit connection and per-IP limits and an idle timeout. Every
 * answer goes through respond(), which always sets Content-Type.
 *
 * With TLS, a client certificate is demanded in the handshake (set on the
 * GnuTLS session when libmicrohttpd announces the connection) and checked
 * again on each request with gnutls_certificate_verify_peers2 against
 * client_ca_file, so no policy rests on the handshake alone. Access checks
 * run once per request, before the method and the path are looked at.
 */
#include "http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "landing.h"
#include "version.h"
#include "web_auth.h"

#define HTTP_IDLE_TIMEOUT_S 10
#define HTTP_NO_HEADER_WAIT_NS (120ull * 1000000000ull)
#define SNAPSHOT_PATH "/snapshot.ctprof.zst"

static const char ctype_text[] = "text/plain; charset=utf-8";

/* ---- negotiation ---- */

/* q of one Accept list item ("type;a=b;q=0.5"), 1 by default. */
static double item_q(const char *params, size_t n)
{
	const char *q = NULL;
	for (const char *p = params; p < params + n; p++)
		if ((p == params || p[-1] == ';' || p[-1] == ' ') && !strncmp(p, "q=", 2))
			q = p + 2;
	return q ? strtod(q, NULL) : 1.0;
}

/* Highest q among list items whose media type starts with one of types. */
static double best_q(const char *list, const char *const *types, size_t ntypes)
{
	double best = 0;
	while (list && *list) {
		size_t n = strcspn(list, ",");
		while (n && *list == ' ')
			list++, n--;
		size_t tlen = strcspn(list, ";, ");
		for (size_t i = 0; i < ntypes; i++)
			if (tlen <= n && tlen == strlen(types[i]) && !strncasecmp(list, types[i], tlen)) {
				double q = item_q(list + tlen, n - tlen);
				best = q > best ? q : best;
			}
		list += n + (list[n] == ',');
	}
	return best;
}

bool http_wants_openmetrics(const char *accept)
{
	static const char *const om[] = { "application/openmetrics-text" };
	static const char *const text[] = { "text/plain", "text/*", "*/*" };
	double q_om = best_q(accept, om, 1);
	return q_om > 0 && q_om >= best_q(accept, text, 3);
}

bool http_accepts_gzip(const char *accept_encoding)
{
	static const char *const gz[] = { "gzip", "*" };
	return best_q(accept_encoding, gz, 2) > 0;
}

/* ---- responses ---- */

static void release_served(void *cls)
{
	served_release(cls);
}

/* The one place a response is made: Content-Type is never missing. */
static enum MHD_Result respond(struct MHD_Connection *c, unsigned status,
			       const char *ctype, struct MHD_Response *r)
{
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result respond_text(struct MHD_Connection *c, unsigned status,
				    const char *text)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	return respond(c, status, ctype_text, r);
}

/* A body owned by a served result: the response holds a reference. */
static struct MHD_Response *served_response(struct served *s, const struct strbuf *body)
{
	struct MHD_Response *r = MHD_create_response_from_buffer_with_free_callback_cls(
		body->len, body->buf, release_served, s);
	if (!r)
		served_release(s);
	return r;
}

/* ---- routes ---- */

/*
 * Prometheus says how long it waits; answer before that, with margin. The
 * header is the client's: "1e300" or "inf" must not reach the conversion
 * to an integer (undefined beyond its range), so it is capped at the wait
 * used without a header.
 */
uint64_t http_scrape_wait_ns(const char *timeout_header)
{
	double secs = timeout_header ? strtod(timeout_header, NULL) : 0;
	if (!(secs > 0))
		return HTTP_NO_HEADER_WAIT_NS;
	double margin = secs > 2 ? 0.5 : secs * 0.25;
	double ns = (secs - margin) * 1e9;
	return ns < (double)HTTP_NO_HEADER_WAIT_NS ? (uint64_t)ns : HTTP_NO_HEADER_WAIT_NS;
}

static uint64_t request_deadline(struct MHD_Connection *c)
{
	return mono_now_ns() +
	       http_scrape_wait_ns(MHD_lookup_connection_value(
		       c, MHD_HEADER_KIND, "X-Prometheus-Scrape-Timeout-Seconds"));
}

static enum MHD_Result route_metrics(struct http_server *h, struct MHD_Connection *c)
{
	struct served *s = service_acquire(h->svc, request_deadline(c));
	if (!s)
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				    "no capture has completed yet\n");
	const char *accept = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept");
	const char *enc = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Accept-Encoding");
	enum served_body b = http_wants_openmetrics(accept) ? BODY_OPENMETRICS : BODY_PROMETHEUS;
	bool gz = http_accepts_gzip(enc);
	const struct strbuf *body = gz ? served_gzip(s, b) : &s->text[b];
	if (!body) {
		served_release(s);
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "compression failed\n");
	}
	struct MHD_Response *r = served_response(s, body);
	if (r && gz)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_VARY, "Accept, Accept-Encoding");
	return respond(c, MHD_HTTP_OK,
		       b == BODY_OPENMETRICS ? EXPO_CONTENT_TYPE_OPENMETRICS :
					       EXPO_CONTENT_TYPE_PROMETHEUS, r);
}

static enum MHD_Result route_snapshot(struct http_server *h, struct MHD_Connection *c)
{
	char disposition[400], when[32];
	struct served *s = service_acquire(h->svc, request_deadline(c));
	if (!s)
		return respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				    "no capture has completed yet\n");
	const struct strbuf *body = served_zstd(s);
	if (!body) {
		served_release(s);
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "encoding failed\n");
	}
	time_t secs = (time_t)(s->snap.captured_at_unix_ns / 1000000000u);
	struct tm tm;
	gmtime_r(&secs, &tm);
	strftime(when, sizeof(when), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(disposition, sizeof(disposition), "attachment; filename=\"%s-%s.ctprof.zst\"",
		 h->hostname, when);
	struct MHD_Response *r = served_response(s, body);
	if (r)
		MHD_add_response_header(r, "Content-Disposition", disposition);
	return respond(c, MHD_HTTP_OK, "application/zstd", r);
}

static enum MHD_Result route_landing(struct http_server *h, struct MHD_Connection *c)
{
	struct strbuf page = STRBUF_INIT;
	struct served *s = service_peek(h->svc); /* never triggers a capture */
	int rc = landing_page(&page, h->cfg, s ? &s->snap : NULL);
	served_release(s);
	if (rc) {
		strbuf_release(&page);
		return respond_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n");
	}
	size_t len;
	char *buf = strbuf_detach(&page, &len);
	struct MHD_Response *r =
		MHD_create_response_from_buffer_with_free_callback(len, buf, free);
	if (!r)
		free(buf);
	return respond(c, MHD_HTTP_OK, "text/html; charset=utf-8", r);
}

/* Exact paths only: no normalisation, so "/metrics/" or "//metrics" is a 404. */
enum http_route http_route_of(const char *url, const char *telemetry_path)
{
	if (!strcmp(url, telemetry_path))
		return HTTP_ROUTE_METRICS;
	if (!strcmp(url, SNAPSHOT_PATH))
		return HTTP_ROUTE_SNAPSHOT;
	if (!strcmp(url, "/"))
		return HTTP_ROUTE_LANDING;
	if (!strcmp(url, "/-/healthy"))
		return HTTP_ROUTE_HEALTHY;
	if (!strcmp(url, "/-/ready"))
		return HTTP_ROUTE_READY;
	return HTTP_ROUTE_NOT_FOUND;
}

static enum MHD_Result route(struct http_server *h, struct MHD_Connection *c,
			     const char *url)
{
	switch (http_route_of(url, h->cfg->telemetry_path)) {
	case HTTP_ROUTE_METRICS:
		return route_metrics(h, c);
	case HTTP_ROUTE_SNAPSHOT:
		if (h->cfg->no_snapshot)
			break;
		return route_snapshot(h, c);
	case HTTP_ROUTE_LANDING:
		return route_landing(h, c);
	case HTTP_ROUTE_HEALTHY:
		return respond_text(c, MHD_HTTP_OK, "ctprof-exporter is healthy.\n");
	case HTTP_ROUTE_READY:
		return service_ready(h->svc) ?
			       respond_text(c, MHD_HTTP_OK, "ctprof-exporter is ready.\n") :
			       respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
					    "no capture has completed yet\n");
	case HTTP_ROUTE_NOT_FOUND:
		break;
	}
	return respond_text(c, MHD_HTTP_NOT_FOUND, "404 page not found\n");
}

/* ---- access ---- */

static gnutls_session_t tls_session_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	return ci ? (gnutls_session_t)ci->tls_session : NULL;
}

/* The client_auth_type policy on this request's TLS session. */
static bool client_cert_ok(const struct web_config *w, struct MHD_Connection *c)
{
	unsigned n = 0, status = 1;
	if (!w->tls || w->client_auth == WEB_NO_CLIENT_CERT ||
	    w->client_auth == WEB_REQUEST_CLIENT_CERT)
		return true;
	gnutls_session_t s = tls_session_of(c);
	if (!s)
		return false;
	if (!gnutls_certificate_get_peers(s, &n) || !n)
		return w->client_auth == WEB_VERIFY_IF_GIVEN;
	if (w->client_auth == WEB_REQUIRE_ANY_CERT)
		return true;
	return gnutls_certificate_verify_peers2(s, &status) == 0 && status == 0;
}

static enum MHD_Result respond_unauthorized(struct MHD_Connection *c)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
		13, (void *)"Unauthorized\n", MHD_RESPMEM_PERSISTENT);
	if (r)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
					"Basic realm=\"ctprof-exporter\", charset=\"UTF-8\"");
	return respond(c, MHD_HTTP_UNAUTHORIZED, ctype_text, r);
}

/* Basic auth against basic_auth_users (re-read if the file changed). */
static enum web_auth_result basic_auth(struct http_server *h, struct MHD_Connection *c)
{
	char *pass = NULL;
	char *user = MHD_basic_auth_get_username_password(c, &pass);
	enum web_auth_result a = web_auth_check(h->web, user, pass);
	if (a == WEB_AUTH_DENIED)
		log_event(&h->cfg->log, LOG_DEBUG, "basic auth refused", "user",
			  user ? user : "(none)", NULL);
	if (pass)
		explicit_bzero(pass, strlen(pass));
	MHD_free(user);
	MHD_free(pass);
	return a;
}

/* true if the request may proceed; otherwise *denied holds the queued answer. */
static bool access_allowed(struct http_server *h, struct MHD_Connection *c,
			   enum MHD_Result *denied)
{
	if (!client_cert_ok(&h->web->cfg, c)) {
		*denied = respond_text(c, MHD_HTTP_FORBIDDEN,
				       "a valid client certificate is required\n");
		return false;
	}
	if (basic_auth(h, c) == WEB_AUTH_DENIED) {
		*denied = respond_unauthorized(c);
		return false;
	}
	return true;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version,
			      const char *upload_data, size_t *upload_size, void **req_cls)
{
	static int first_call_marker;
	struct http_server *h = cls;
	enum MHD_Result denied;
	bool first = !*req_cls; /* headers only so far */
	(void)version;
	(void)upload_data;
	*req_cls = &first_call_marker;
	if (first && !access_allowed(h, c, &denied))
		return denied;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		struct MHD_Response *r = MHD_create_response_from_buffer(
			19, (void *)"method not allowed\n", MHD_RESPMEM_PERSISTENT);
		if (r)
			MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
		*upload_size = 0;
		return respond(c, MHD_HTTP_METHOD_NOT_ALLOWED, ctype_text, r);
	}
	if (first) /* answer on the next call */
		return MHD_YES;
	int n = __atomic_add_fetch(&h->in_flight, 1, __ATOMIC_ACQ_REL);
	enum MHD_Result ret =
		(unsigned)n > h->cfg->max_requests ?
			respond_text(c, MHD_HTTP_SERVICE_UNAVAILABLE,
				     "too many parallel requests (--web.max-requests)\n") :
			route(h, c, url);
	__atomic_sub_fetch(&h->in_flight, 1, __ATOMIC_ACQ_REL);
	return ret;
}

/* ---- sockets ---- */

int http_parse_listen(const char *addr, struct sockaddr_storage *ss, unsigned *len)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	char *end;
	if (!colon || (size_t)(colon - addr) >= sizeof(host))
		return -EINVAL;
	unsigned long port = strtoul(colon + 1, &end, 10);
	if (end == colon + 1 || *end || port > 65535)
		return -EINVAL;
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	size_t hl = strlen(host);
	if (!hl || (host[0] == '[' && hl > 2 && host[hl - 1] == ']')) {
		if (hl)
			host[hl - 1] = '\0';
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*s6);
		return !hl || inet_pton(AF_INET6, host + 1, &s6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	if (!strcmp(host, "localhost"))
		strcpy(host, "127.0.0.1");
	s4->sin_family = AF_INET;
	s4->sin_port = htons((uint16_t)port);
	*len = sizeof(*s4);
	return inet_pton(AF_INET, host, &s4->sin_addr) == 1 ? 0 : -EINVAL;
}

/* An IPv6 wildcard also takes IPv4 (dual stack), as ":port" means "any". */
static int open_listen_socket(const char *addr)
{
	struct sockaddr_storage ss;
	unsigned len;
	int one = 1, zero = 0;
	if (http_parse_listen(addr, &ss, &len))
		return -EINVAL;
	int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 128)) {
		int err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = '\0';
	log_event(cls, LOG_DEBUG, "libmicrohttpd", "detail", msg, NULL);
}

/* "127.0.0.1:41234": the bound address, so ":0" tells the port it got. */
static void bound_address(int fd, char *out, size_t n)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char host[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;
	if (getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
			inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof(host));
			port = ntohs(a->sin6_port);
		} else {
			struct sockaddr_in *a = (struct sockaddr_in *)&ss;
			inet_ntop(AF_INET, &a->sin_addr, host, sizeof(host));
			port = ntohs(a->sin_port);
		}
	}
	snprintf(out, n, ss.ss_family == AF_INET6 ? "[%s]:%u" : "%s:%u", host, port);
}

/* The client-certificate demand goes on the session before the handshake. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	static const gnutls_certificate_request_t request[] = {
		[WEB_NO_CLIENT_CERT] = GNUTLS_CERT_IGNORE,
		[WEB_REQUEST_CLIENT_CERT] = GNUTLS_CERT_REQUEST,
		[WEB_REQUIRE_ANY_CERT] = GNUTLS_CERT_REQUIRE,
		[WEB_VERIFY_IF_GIVEN] = GNUTLS_CERT_REQUEST,
		[WEB_REQUIRE_AND_VERIFY] = GNUTLS_CERT_REQUIRE,
	};
	const struct web_config *w = &((struct http_server *)cls)->web->cfg;
	gnutls_session_t s = tls_session_of(c);
	(void)socket_context;
	if (code != MHD_CONNECTION_NOTIFY_STARTED || !s)
		return;
	gnutls_certificate_server_set_request(s, request[w->client_auth]);
	if (w->client_auth == WEB_REQUIRE_AND_VERIFY)
		gnutls_session_set_verify_cert(s, NULL, 0); /* fail the handshake too */
}

/* TLS options from the web config: the PEMs, the CA, the version range. */
static int tls_options(struct http_server *h, struct MHD_OptionItem *o)
{
	const struct web_config *w = &h->web->cfg;
	int n = 0;
	web_config_priorities(w, h->priorities, sizeof(h->priorities));
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT, 0, w->cert_pem };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY, 0, w->key_pem };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_PRIORITIES, 0, h->priorities };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_NOTIFY_CONNECTION,
					  (intptr_t)on_connection, h };
	if (w->ca_pem)
		o[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_TRUST, 0, w->ca_pem };
	return n;
}

static int start_one(struct http_server *h, int i)
{
	char bound[INET6_ADDRSTRLEN + 16];
	struct MHD_OptionItem o[16];
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;
	int n = 0;
	bool tls = h->web->cfg.tls;
	/* The logger first, so nothing MHD says at start bypasses it. */
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)mhd_log,
					  (void *)&h->cfg->log };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_LISTEN_SOCKET, h->fds[i], NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_LIMIT,
					  h->cfg->max_requests * 2 + 32, NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_PER_IP_CONNECTION_LIMIT,
					  h->cfg->max_requests + 16, NULL };
	o[n++] = (struct MHD_OptionItem){ MHD_OPTION_CONNECTION_TIMEOUT, HTTP_IDLE_TIMEOUT_S,
					  NULL };
	if (tls)
		n += tls_options(h, &o[n]);
	o[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	bound_address(h->fds[i], bound, sizeof(bound));
	struct MHD_Daemon *d = MHD_start_daemon(flags | (tls ? MHD_USE_TLS : 0), 0, NULL, NULL,
						handle, h, MHD_OPTION_ARRAY, o, MHD_OPTION_END);
	if (!d)
		return tls ? -EPROTO : -EADDRNOTAVAIL;
	h->fds[i] = -1; /* the daemon's now */
	h->daemons[h->ndaemons++] = d;
	log_event(&h->cfg->log, LOG_INFO, "listening", "address", h->cfg->listen[i], "bound",
		  bound, "tls", tls ? "on" : "off", NULL);
	return 0;
}

int http_open(struct http_server *h, const struct exporter_config *cfg)
{
	memset(h, 0, sizeof(*h));
	h->cfg = cfg;
	if (gethostname(h->hostname, sizeof(h->hostname) - 1))
		strcpy(h->hostname, "localhost");
	for (int i = 0; i < cfg->nlisten; i++) {
		int fd = open_listen_socket(cfg->listen[i]);
		if (fd < 0) {
			log_event(&cfg->log, LOG_ERROR, "cannot listen", "address", cfg->listen[i],
				  "err", fd == -EINVAL ? "bad address" : strerror(-fd), NULL);
			http_stop(h, 0);
			return fd;
		}
		h->fds[h->nfds++] = fd;
	}
	return 0;
}

int http_start(struct http_server *h, struct capture_service *svc, struct web_auth *web)
{
	h->svc = svc;
	h->web = web;
	for (int i = 0; i < h->nfds; i++) {
		int rc = start_one(h, i);
		if (rc) {
			log_event(&h->cfg->log, LOG_ERROR, "cannot start the HTTP server",
				  "address", h->cfg->listen[i], "err", strerror(-rc), NULL);
			http_stop(h, 0);
			return rc;
		}
	}
	return 0;
}

void http_stop(struct http_server *h, unsigned grace_ms)
{
	for (int i = 0; i < h->ndaemons; i++) {
		MHD_socket fd = MHD_quiesce_daemon(h->daemons[i]);
		if (fd != MHD_INVALID_SOCKET)
			close(fd);
	}
	for (unsigned waited = 0; waited < grace_ms &&
				  __atomic_load_n(&h->in_flight, __ATOMIC_ACQUIRE) > 0;
	     waited += 10)
		usleep(10000);
	for (int i = 0; i < h->ndaemons; i++)
		MHD_stop_daemon(h->daemons[i]);
	h->ndaemons = 0;
	for (int i = 0; i < h->nfds; i++)
		if (h->fds[i] >= 0)
			close(h->fds[i]);
	h->nfds = 0;
}
