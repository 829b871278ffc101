/*
 * web_auth.c - reload on change and the basic-auth check (see web_auth.h).
 *
 * An unknown user is checked against the first user's hash all the same,
 * so a wrong name costs what a wrong password costs and the answer time
 * does not tell which names exist (exporter-toolkit uses a fixed decoy
 * hash for the same reason; the first user's keeps the cost equal).
 */
#include "web_auth.h"

#include <crypt.h>
#include <errno.h>
#include <gnutls/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool same_sig(const struct web_file_sig *s, const struct stat *st)
{
	return s->dev == st->st_dev && s->ino == st->st_ino && s->size == st->st_size &&
	       s->mtime.tv_sec == st->st_mtim.tv_sec && s->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	       s->ctime.tv_sec == st->st_ctim.tv_sec && s->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

static void set_sig(struct web_auth *a, const struct stat *st)
{
	a->sig = (struct web_file_sig){ .dev = st->st_dev, .ino = st->st_ino,
					.size = st->st_size, .mtime = st->st_mtim,
					.ctime = st->st_ctim };
	a->sig_valid = true;
}

int web_auth_init(struct web_auth *a, const char *path, const struct logger *log,
		  char *err, size_t errlen)
{
	struct stat st;
	memset(a, 0, sizeof(*a));
	a->path = path;
	a->log = log;
	web_config_init(&a->cfg);
	pthread_mutex_init(&a->lock, NULL);
	pthread_mutex_init(&a->bcrypt_lock, NULL);
	if (!path)
		return 0;
	/* stat first: a change while loading then shows at the next request. */
	if (!stat(path, &st))
		set_sig(a, &st);
	return web_config_load(path, &a->cfg, err, errlen);
}

void web_auth_release(struct web_auth *a)
{
	web_config_release(&a->cfg);
	explicit_bzero(a->cache, sizeof(a->cache));
	pthread_mutex_destroy(&a->lock);
	pthread_mutex_destroy(&a->bcrypt_lock);
}

/* Lock held: take the new users, keep TLS as it started. */
static void apply_reload(struct web_auth *a, struct web_config *next)
{
	char n[24];
	if (!web_config_tls_equal(&a->cfg, next))
		log_event(a->log, LOG_WARN, "web config: tls_server_config changed; "
			  "it applies at the next start", "file", a->path, NULL);
	for (size_t i = 0; i < a->cfg.nusers; i++) {
		free(a->cfg.users[i].name);
		free(a->cfg.users[i].hash);
	}
	free(a->cfg.users);
	a->cfg.users = next->users;
	a->cfg.nusers = next->nusers;
	next->users = NULL;
	next->nusers = 0;
	a->ncache = a->next = 0;
	snprintf(n, sizeof(n), "%zu", a->cfg.nusers);
	log_event(a->log, LOG_INFO, "web config reloaded", "file", a->path, "users", n, NULL);
}

/* Lock held: re-read the file if its stat changed. */
static void refresh(struct web_auth *a)
{
	struct web_config next;
	struct stat st;
	char err[512];
	if (stat(a->path, &st)) {
		if (a->sig_valid)
			log_event(a->log, LOG_ERROR, "web config: cannot stat; keeping the "
				  "previous settings", "file", a->path, "err", strerror(errno), NULL);
		a->sig_valid = false;
		return;
	}
	if (a->sig_valid && same_sig(&a->sig, &st))
		return;
	set_sig(a, &st);
	/* Most likely an editor between truncate and write: not "no users". */
	if (!st.st_size) {
		log_event(a->log, LOG_ERROR, "web config: the file is empty; keeping the "
			  "previous settings", "file", a->path, NULL);
		return;
	}
	if (web_config_load(a->path, &next, err, sizeof(err))) {
		log_event(a->log, LOG_ERROR, "web config: reload failed; keeping the previous "
			  "settings", "err", err, NULL);
		return;
	}
	apply_reload(a, &next);
	web_config_release(&next);
}

/* ---- the check ---- */

static bool ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char *x = a, *y = b;
	unsigned char d = 0;
	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return !d;
}

/* Lock held: user's hash into out; an unknown user gets the first hash. */
static bool copy_hash(const struct web_auth *a, const char *user, char *out, size_t n)
{
	const struct web_user *u = &a->cfg.users[0];
	bool known = false;
	for (size_t i = 0; i < a->cfg.nusers && !known; i++)
		if (!strcmp(a->cfg.users[i].name, user)) {
			u = &a->cfg.users[i];
			known = true;
		}
	snprintf(out, n, "%s", u->hash);
	return known;
}

/* SHA-256 of user, hash and password, each NUL-terminated (no ambiguity). */
static int cache_key(const char *user, const char *hash, const char *pass,
		     unsigned char key[32])
{
	gnutls_hash_hd_t h;
	if (gnutls_hash_init(&h, GNUTLS_DIG_SHA256) < 0)
		return -ENOMEM;
	gnutls_hash(h, user, strlen(user) + 1);
	gnutls_hash(h, hash, strlen(hash) + 1);
	gnutls_hash(h, pass, strlen(pass) + 1);
	gnutls_hash_deinit(h, key);
	return 0;
}

static bool cache_has(const struct web_auth *a, const unsigned char key[32])
{
	bool hit = false;
	for (unsigned i = 0; i < a->ncache; i++)
		hit |= ct_equal(a->cache[i], key, 32);
	return hit;
}

static void cache_put(struct web_auth *a, const unsigned char key[32])
{
	memcpy(a->cache[a->next], key, 32);
	a->next = (a->next + 1) % WEB_AUTH_CACHE;
	if (a->ncache < WEB_AUTH_CACHE)
		a->ncache++;
}

/* bcrypt is ~70 ms at cost 10: one at a time, so guessing cannot take every CPU. */
static bool bcrypt_matches(struct web_auth *a, const char *pass, const char *hash)
{
	struct crypt_data *cd = calloc(1, sizeof(*cd));
	size_t n = strlen(hash);
	bool ok = false;
	if (!cd)
		return false;
	pthread_mutex_lock(&a->bcrypt_lock);
	const char *out = crypt_r(pass, hash, cd);
	ok = out && strlen(out) == n && ct_equal(out, hash, n);
	pthread_mutex_unlock(&a->bcrypt_lock);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

enum web_auth_result web_auth_check(struct web_auth *a, const char *user, const char *pass)
{
	char hash[128];
	unsigned char key[32];
	pthread_mutex_lock(&a->lock);
	if (a->path)
		refresh(a);
	if (!a->cfg.nusers) {
		pthread_mutex_unlock(&a->lock);
		return WEB_AUTH_OPEN;
	}
	bool sent = user && pass;
	/* Fills hash for an unknown user too: the decoy. */
	bool known = sent && copy_hash(a, user, hash, sizeof(hash));
	bool keyed = known && !cache_key(user, hash, pass, key);
	bool cached = keyed && cache_has(a, key);
	pthread_mutex_unlock(&a->lock);
	if (cached)
		return WEB_AUTH_OK;
	if (!sent)
		return WEB_AUTH_DENIED;
	bool ok = bcrypt_matches(a, pass, hash) && known;
	if (ok && keyed) {
		pthread_mutex_lock(&a->lock);
		cache_put(a, key);
		pthread_mutex_unlock(&a->lock);
	}
	return ok ? WEB_AUTH_OK : WEB_AUTH_DENIED;
}
