/*
 * web_auth.h - the live --web.config.file: loaded at start, re-read when
 * the file changes, and the basic-auth check every request goes through.
 *
 * Change detection is a stat() per request (device, inode, size, mtime,
 * ctime): a rename over the file or an edit in place both show. A reload
 * applies basic_auth_users at once; TLS settings are fixed at start
 * (libmicrohttpd loads certificates when a daemon starts), so a changed
 * tls_server_config is logged as needing a restart. A file that no longer
 * parses, or is empty (an editor between truncate and write), is logged
 * and the previous settings stay; rename a new file into place to change
 * it atomically.
 *
 * Passwords are checked with crypt_r (libxcrypt's bcrypt), one at a time
 * as exporter-toolkit does, and compared in constant time. A verified
 * (user, hash, password) triple is remembered as a SHA-256 digest, so a
 * scraper pays bcrypt once, not per scrape; the password is never kept.
 */
#ifndef CTPROF_WEB_AUTH_H
#define CTPROF_WEB_AUTH_H

#include <pthread.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "log.h"
#include "web_config.h"

#define WEB_AUTH_CACHE 64

struct web_file_sig {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
};

struct web_auth {
	const char *path;          /* NULL: no --web.config.file */
	const struct logger *log;
	struct web_config cfg;     /* TLS fields never change after init */
	pthread_mutex_t lock;      /* cfg.users, sig, cache */
	struct web_file_sig sig;
	bool sig_valid;
	unsigned char cache[WEB_AUTH_CACHE][32];
	unsigned ncache, next;
	pthread_mutex_t bcrypt_lock;
};

enum web_auth_result {
	WEB_AUTH_OPEN,   /* no users configured */
	WEB_AUTH_OK,
	WEB_AUTH_DENIED,
};

/* Load path (NULL: nothing to load). 0, or -errno with one line in err. */
int web_auth_init(struct web_auth *a, const char *path, const struct logger *log,
		  char *err, size_t errlen);
void web_auth_release(struct web_auth *a);

/* Re-read the file if it changed, then check; user/pass NULL if none were sent. */
enum web_auth_result web_auth_check(struct web_auth *a, const char *user, const char *pass);

#endif
