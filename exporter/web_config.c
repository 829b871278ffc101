/*
 * web_config.c - --web.config.file: libyaml's document API walks the
 * file, each mapping is checked for unknown and duplicate keys (the
 * toolkit reads with yaml.UnmarshalStrict, which refuses both), then the
 * TLS part is completed the way exporter-toolkit's ConfigToTLSConfig
 * does: both of cert_file and key_file, a client CA only together with a
 * client-auth policy, and the files loaded once to prove they parse.
 */
#include "web_config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "readfile.h"

struct yctx {
	yaml_document_t doc;
	const char *path; /* for messages */
	char *err;
	size_t errlen;
	/* tls_server_config as written, resolved in finish_tls() */
	const char *cert_file, *key_file, *ca_file, *client_auth;
	const yaml_node_t *tls_node;
};

typedef int (*key_fn)(struct yctx *y, struct web_config *c, const char *key,
		      yaml_node_t *value);

static int fail(struct yctx *y, const yaml_node_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct yctx *y, const yaml_node_t *at, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (at)
		snprintf(y->err, y->errlen, "%s:%zu: %s", y->path, at->start_mark.line + 1, msg);
	else
		snprintf(y->err, y->errlen, "%s: %s", y->path, msg);
	return -EINVAL;
}

void web_config_init(struct web_config *c)
{
	memset(c, 0, sizeof(*c));
	c->min_version = 12;
	c->max_version = 13;
}

static void free_secret(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

void web_config_release(struct web_config *c)
{
	free(c->cert_pem);
	free_secret(c->key_pem);
	free(c->ca_pem);
	for (size_t i = 0; i < c->nusers; i++) {
		free(c->users[i].name);
		free(c->users[i].hash);
	}
	free(c->users);
	web_config_init(c);
}

/* ---- node helpers ---- */

/* "key:" with nothing after it, "~" or "null": an absent section. */
static bool is_null(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	const char *v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null");
}

static const char *scalar(struct yctx *y, const yaml_node_t *n, const char *key)
{
	if (n && n->type == YAML_SCALAR_NODE)
		return (const char *)n->data.scalar.value;
	fail(y, n, "%s: expected a string", key);
	return NULL;
}

/* Call fn for every key of a mapping, refusing duplicates. */
static int walk_mapping(struct yctx *y, struct web_config *c, yaml_node_t *map,
			const char *what, key_fn fn)
{
	if (is_null(map))
		return 0;
	if (map->type != YAML_MAPPING_NODE)
		return fail(y, map, "%s: expected a mapping", what);
	yaml_node_pair_t *start = map->data.mapping.pairs.start;
	for (yaml_node_pair_t *p = start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = yaml_document_get_node(&y->doc, p->key);
		const char *key = scalar(y, k, what);
		if (!key)
			return -EINVAL;
		for (yaml_node_pair_t *q = start; q < p; q++)
			if (!strcmp(key, (const char *)yaml_document_get_node(&y->doc, q->key)
						 ->data.scalar.value))
				return fail(y, k, "%s: duplicate key '%s'", what, key);
		int rc = fn(y, c, key, yaml_document_get_node(&y->doc, p->value));
		if (rc)
			return rc;
	}
	return 0;
}

/* Keys of exporter-toolkit's format that this exporter does not implement. */
static bool toolkit_only(const char *key)
{
	static const char *const keys[] = {
		"cert", "key", "client_ca", "client_allowed_sans", "cipher_suites",
		"curve_preferences", "prefer_server_cipher_suites", "http_server_config",
		"rate_limit",
	};
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return true;
	return false;
}

static int unknown_key(struct yctx *y, yaml_node_t *v, const char *where, const char *key)
{
	if (toolkit_only(key))
		return fail(y, v, "%s%s: not supported by ctprof-exporter", where, key);
	return fail(y, v, "unknown key '%s%s'", where, key);
}

/* ---- sections ---- */

static int tls_version(struct yctx *y, yaml_node_t *v, const char *key, int *out)
{
	const char *s = scalar(y, v, key);
	if (!s)
		return -EINVAL;
	if (strlen(s) != 5 || strncmp(s, "TLS1", 4) || s[4] < '0' || s[4] > '3')
		return fail(y, v, "tls_server_config.%s: expected TLS10, TLS11, TLS12 or "
				  "TLS13, got '%s'", key, s);
	*out = 10 + (s[4] - '0');
	return 0;
}

static int tls_key(struct yctx *y, struct web_config *c, const char *key, yaml_node_t *v)
{
	const char **slot = !strcmp(key, "cert_file")        ? &y->cert_file :
			    !strcmp(key, "key_file")         ? &y->key_file :
			    !strcmp(key, "client_ca_file")   ? &y->ca_file :
			    !strcmp(key, "client_auth_type") ? &y->client_auth :
							       NULL;
	if (slot)
		return (*slot = scalar(y, v, key)) ? 0 : -EINVAL;
	if (!strcmp(key, "min_version"))
		return tls_version(y, v, key, &c->min_version);
	if (!strcmp(key, "max_version"))
		return tls_version(y, v, key, &c->max_version);
	return unknown_key(y, v, "tls_server_config.", key);
}

static bool bcrypt_hash(const char *h)
{
	return strlen(h) == 60 && h[0] == '$' && h[1] == '2' && strchr("aby", h[2]) &&
	       h[3] == '$' && isdigit((unsigned char)h[4]) && isdigit((unsigned char)h[5]) &&
	       h[6] == '$';
}

static int user_key(struct yctx *y, struct web_config *c, const char *name, yaml_node_t *v)
{
	const char *hash = scalar(y, v, name);
	if (!hash)
		return -EINVAL;
	if (!bcrypt_hash(hash))
		return fail(y, v, "basic_auth_users.%s: not a bcrypt hash ($2y$10$... as "
				  "htpasswd -nBC 10 prints)", name);
	struct web_user *u = realloc(c->users, (c->nusers + 1) * sizeof(*u));
	if (!u)
		return -ENOMEM;
	c->users = u;
	u = &c->users[c->nusers];
	u->name = strdup(name);
	u->hash = strdup(hash);
	c->nusers++;
	return u->name && u->hash ? 0 : -ENOMEM;
}

static int root_key(struct yctx *y, struct web_config *c, const char *key, yaml_node_t *v)
{
	if (!strcmp(key, "tls_server_config")) {
		y->tls_node = v;
		return walk_mapping(y, c, v, key, tls_key);
	}
	if (!strcmp(key, "basic_auth_users"))
		return walk_mapping(y, c, v, key, user_key);
	return unknown_key(y, v, "", key);
}

/* ---- TLS completion ---- */

static int client_auth_of(struct yctx *y, struct web_config *c)
{
	static const struct { const char *name; enum web_client_auth mode; } modes[] = {
		{ "", WEB_NO_CLIENT_CERT },
		{ "NoClientCert", WEB_NO_CLIENT_CERT },
		{ "RequestClientCert", WEB_REQUEST_CLIENT_CERT },
		{ "RequireAnyClientCert", WEB_REQUIRE_ANY_CERT },
		{ "RequireClientCert", WEB_REQUIRE_ANY_CERT }, /* the toolkit's old name */
		{ "VerifyClientCertIfGiven", WEB_VERIFY_IF_GIVEN },
		{ "RequireAndVerifyClientCert", WEB_REQUIRE_AND_VERIFY },
	};
	const char *s = y->client_auth ? y->client_auth : "";
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!strcmp(s, modes[i].name)) {
			c->client_auth = modes[i].mode;
			return 0;
		}
	return fail(y, y->tls_node, "tls_server_config.client_auth_type: unknown '%s'", s);
}

/* The file named in the config, relative to the config's directory. */
static int read_named(struct yctx *y, const char *name, const char *key, char **out)
{
	struct strbuf path = STRBUF_INIT, body = STRBUF_INIT;
	const char *slash = strrchr(y->path, '/');
	if (name[0] != '/' && slash)
		strbuf_add(&path, y->path, (size_t)(slash - y->path + 1));
	strbuf_adds(&path, name);
	int rc = read_file_at(AT_FDCWD, path.buf, &body);
	if (rc)
		fail(y, y->tls_node, "tls_server_config.%s: cannot read %s: %s", key, path.buf,
		     strerror(-rc));
	else if (!(*out = strbuf_detach(&body, NULL)))
		rc = -ENOMEM;
	strbuf_release(&path);
	strbuf_release(&body);
	return rc;
}

/* Load the PEMs into throwaway GnuTLS credentials: errors now, not per connection. */
static int check_pems(struct yctx *y, const struct web_config *c)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert = { (unsigned char *)c->cert_pem, (unsigned)strlen(c->cert_pem) };
	gnutls_datum_t key = { (unsigned char *)c->key_pem, (unsigned)strlen(c->key_pem) };
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		return -ENOMEM;
	int rc = gnutls_certificate_set_x509_key_mem(cred, &cert, &key, GNUTLS_X509_FMT_PEM);
	if (rc < 0) {
		rc = fail(y, y->tls_node, "tls_server_config: cert_file/key_file: %s",
			  gnutls_strerror(rc));
	} else if (c->ca_pem) {
		gnutls_datum_t ca = { (unsigned char *)c->ca_pem, (unsigned)strlen(c->ca_pem) };
		rc = gnutls_certificate_set_x509_trust_mem(cred, &ca, GNUTLS_X509_FMT_PEM);
		rc = rc > 0 ? 0 : fail(y, y->tls_node, "tls_server_config.client_ca_file: "
							"no usable CA certificate");
	} else {
		rc = 0;
	}
	gnutls_certificate_free_credentials(cred);
	return rc;
}

static int check_tls_policy(struct yctx *y, struct web_config *c)
{
	if (!y->cert_file || !*y->cert_file)
		return fail(y, y->tls_node, "tls_server_config: missing cert_file");
	if (!y->key_file || !*y->key_file)
		return fail(y, y->tls_node, "tls_server_config: missing key_file");
	int rc = client_auth_of(y, c);
	if (rc)
		return rc;
	bool ca = y->ca_file && *y->ca_file;
	if (ca && c->client_auth == WEB_NO_CLIENT_CERT)
		return fail(y, y->tls_node, "tls_server_config: client_ca_file is set "
					    "without a client_auth_type");
	if (!ca && (c->client_auth == WEB_VERIFY_IF_GIVEN ||
		    c->client_auth == WEB_REQUIRE_AND_VERIFY))
		return fail(y, y->tls_node, "tls_server_config: client_auth_type %s needs "
					    "client_ca_file", y->client_auth);
	if (c->min_version > c->max_version)
		return fail(y, y->tls_node, "tls_server_config: min_version is above max_version");
	return 0;
}

/* Any TLS key makes it a TLS config, which then must be complete (the toolkit's rule). */
static int finish_tls(struct yctx *y, struct web_config *c)
{
	if (!y->cert_file && !y->key_file && !y->ca_file && !y->client_auth)
		return 0;
	int rc = check_tls_policy(y, c);
	if (!rc)
		rc = read_named(y, y->cert_file, "cert_file", &c->cert_pem);
	if (!rc)
		rc = read_named(y, y->key_file, "key_file", &c->key_pem);
	if (!rc && y->ca_file && *y->ca_file)
		rc = read_named(y, y->ca_file, "client_ca_file", &c->ca_pem);
	if (!rc)
		rc = check_pems(y, c);
	c->tls = !rc;
	return rc;
}

/* ---- loading ---- */

static int parse_document(struct yctx *y, struct web_config *c)
{
	yaml_node_t *root = yaml_document_get_root_node(&y->doc);
	if (!root) /* an empty file: no TLS, no users */
		return 0;
	int rc = walk_mapping(y, c, root, "top level", root_key);
	return rc ? rc : finish_tls(y, c);
}

int web_config_load(const char *path, struct web_config *c, char *err, size_t errlen)
{
	struct yctx y = { .path = path, .err = err, .errlen = errlen };
	yaml_parser_t parser;
	web_config_init(c);
	FILE *f = fopen(path, "re");
	if (!f) {
		int rc = -errno;
		fail(&y, NULL, "%s", strerror(-rc));
		return rc;
	}
	int rc = -ENOMEM;
	if (!yaml_parser_initialize(&parser))
		goto out_close;
	yaml_parser_set_input_file(&parser, f);
	if (!yaml_parser_load(&parser, &y.doc)) {
		snprintf(err, errlen, "%s:%zu: %s", path, parser.problem_mark.line + 1,
			 parser.problem ? parser.problem : "not valid YAML");
		rc = -EINVAL;
		goto out_parser;
	}
	rc = parse_document(&y, c);
	yaml_document_delete(&y.doc);
out_parser:
	yaml_parser_delete(&parser);
out_close:
	fclose(f);
	if (rc)
		web_config_release(c);
	return rc;
}

void web_config_priorities(const struct web_config *c, char *out, size_t n)
{
	size_t len = (size_t)snprintf(out, n, "NORMAL:-VERS-ALL");
	for (int v = c->max_version; v >= c->min_version && len < n; v--)
		len += (size_t)snprintf(out + len, n - len, ":+VERS-TLS1.%d", v - 10);
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

bool web_config_tls_equal(const struct web_config *a, const struct web_config *b)
{
	return a->tls == b->tls && a->client_auth == b->client_auth &&
	       a->min_version == b->min_version && a->max_version == b->max_version &&
	       same_str(a->cert_pem, b->cert_pem) && same_str(a->key_pem, b->key_pem) &&
	       same_str(a->ca_pem, b->ca_pem);
}
