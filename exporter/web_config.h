/*
 * web_config.h - the --web.config.file of exporter-toolkit
 * (docs/web-configuration.md there), read with libyaml.
 *
 * Owns the parsed file: TLS settings with the PEM files already read and
 * checked by GnuTLS, and the basic-auth users with their bcrypt hashes.
 * Relative file names are taken from the config file's directory, as the
 * toolkit does. Keys the toolkit has but this exporter does not implement
 * are refused by name rather than ignored, so a restriction the operator
 * wrote (cipher_suites, client_allowed_sans...) is never silently dropped.
 */
#ifndef CTPROF_WEB_CONFIG_H
#define CTPROF_WEB_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

enum web_client_auth {
	WEB_NO_CLIENT_CERT,      /* NoClientCert, the default */
	WEB_REQUEST_CLIENT_CERT, /* RequestClientCert: asked for, never used */
	WEB_REQUIRE_ANY_CERT,    /* RequireAnyClientCert: must be sent, not verified */
	WEB_VERIFY_IF_GIVEN,     /* VerifyClientCertIfGiven */
	WEB_REQUIRE_AND_VERIFY,  /* RequireAndVerifyClientCert */
};

struct web_user {
	char *name;
	char *hash; /* bcrypt, "$2a$", "$2b$" or "$2y$", 60 characters */
};

struct web_config {
	bool tls;                /* cert_file and key_file given */
	char *cert_pem;          /* contents of cert_file, key_file, client_ca_file */
	char *key_pem;
	char *ca_pem;            /* NULL without client_ca_file */
	enum web_client_auth client_auth;
	int min_version;         /* 10..13 for TLS10..TLS13 (default 12) */
	int max_version;         /* default 13 */
	struct web_user *users;
	size_t nusers;
};

/* An empty config: plain HTTP, no users. */
void web_config_init(struct web_config *c);
void web_config_release(struct web_config *c);

/*
 * Parse path into c (initialised here). 0, or -EINVAL / -errno with one
 * line in err naming the file and, where it applies, the line and key.
 */
int web_config_load(const char *path, struct web_config *c, char *err, size_t errlen);

/* GnuTLS priority string for the version range: "NORMAL:-VERS-ALL:+VERS-TLS1.3...". */
void web_config_priorities(const struct web_config *c, char *out, size_t n);

/* Whether the TLS parts of a and b are the same (a reload can only apply users). */
bool web_config_tls_equal(const struct web_config *a, const struct web_config *b);

#endif
