/*
 * fuzz_http.c - what the HTTP front parses of a request itself (libmicro-
 * httpd parses the rest): the Accept and Accept-Encoding negotiation, the
 * route of a path, and the scrape-timeout header.
 *
 * Input: Accept, Accept-Encoding, the path and the timeout value separated
 * by '\n' (a header value cannot hold one). A missing field is a missing
 * header. The wait may never exceed the no-header wait (the conversion of
 * a huge or infinite value to an integer is undefined: UBSan traps it).
 */
#include "fuzz.h"
#include "http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size;
	char *accept = fuzz_field(&p, end, '\n');
	char *encoding = fuzz_field(&p, end, '\n');
	char *path = fuzz_field(&p, end, '\n');
	char *timeout = fuzz_field(&p, end, '\n');
	uint64_t no_header = http_scrape_wait_ns(NULL);

	http_wants_openmetrics(accept);
	http_accepts_gzip(encoding);
	if (path && http_route_of(path, "/metrics") == HTTP_ROUTE_METRICS &&
	    strcmp(path, "/metrics"))
		abort();
	if (http_scrape_wait_ns(timeout) > no_header)
		abort();
	free(accept);
	free(encoding);
	free(path);
	free(timeout);
	return 0;
}
