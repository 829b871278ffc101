/*
 * pattern.c - token normalization of thread, process and cgroup names.
 *
 * A name is split into alternating runs of token and separator characters;
 * separators are kept verbatim and each token is classified in a fixed
 * order (digits, lowercase hex with a digit, alpha+digits, digits+alpha).
 * The key must not depend on how many threads share a name at one moment
 * (series would flip between worker-7 and worker-{N}), so unlike ktstr's
 * compare there is no singleton revert here.
 */
#include "pattern.h"

#include <errno.h>
#include <fnmatch.h>
#include <string.h>

/* Length of the UTF-8 whitespace sequence at s (0 if none): Unicode White_Space. */
static size_t unicode_space_len(const unsigned char *s)
{
	if (*s == ' ' || (*s >= '\t' && *s <= '\r'))
		return 1;
	if (s[0] == 0xc2 && (s[1] == 0x85 || s[1] == 0xa0))
		return 2;
	if (s[0] == 0xe1 && s[1] == 0x9a && s[2] == 0x80)
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x80 &&
	    ((s[2] >= 0x80 && s[2] <= 0x8a) || s[2] == 0xa8 || s[2] == 0xa9 ||
	     s[2] == 0xaf))
		return 3;
	if (s[0] == 0xe2 && s[1] == 0x81 && s[2] == 0x9f)
		return 3;
	if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
		return 3;
	return 0;
}

/* Separator characters: . - _ / : @ + [ ] and whitespace. */
static size_t separator_len(const char *s)
{
	if (*s && strchr(".-_/:@+[]", *s))
		return 1;
	return unicode_space_len((const unsigned char *)s);
}

static bool all_of(const char *s, size_t n, bool (*pred)(char))
{
	for (size_t i = 0; i < n; i++)
		if (!pred(s[i]))
			return false;
	return n > 0;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
static bool is_lower_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f'); }

static size_t span(const char *s, size_t n, bool (*pred)(char))
{
	size_t i = 0;
	while (i < n && pred(s[i]))
		i++;
	return i;
}

/* Classify one token (ktstr's rules 1-5, first match wins) into out. */
static int classify_token(const char *t, size_t n, struct strbuf *out)
{
	if (all_of(t, n, is_digit))
		return strbuf_adds(out, "{N}");
	/* All-digit tokens were rule 1, so any digit here makes it hex. */
	if (n >= 2 && all_of(t, n, is_lower_hex))
		for (size_t i = 0; i < n; i++)
			if (is_digit(t[i]))
				return strbuf_adds(out, "{H}");
	size_t a = span(t, n, is_alpha);
	if (a > 0 && a < n && all_of(t + a, n - a, is_digit)) {
		if (strbuf_add(out, t, a))
			return -ENOMEM;
		return strbuf_adds(out, "{N}");
	}
	size_t d = span(t, n, is_digit);
	if (d > 0 && d < n && all_of(t + d, n - d, is_alpha)) {
		if (strbuf_adds(out, "{N}"))
			return -ENOMEM;
		return strbuf_add(out, t + d, n - d);
	}
	return strbuf_add(out, t, n);
}

int pattern_key(const char *s, struct strbuf *out)
{
	while (*s) {
		size_t sep, n = 0;
		while ((sep = separator_len(s)) > 0) {
			if (strbuf_add(out, s, sep))
				return -ENOMEM;
			s += sep;
		}
		while (s[n] && !separator_len(s + n))
			n++;
		if (n && classify_token(s, n, out))
			return -ENOMEM;
		s += n;
	}
	return 0;
}

/* Whether a systemd template instance keeps its literal (has . _ - or is empty). */
static bool instance_is_literal(const char *inst, size_t n)
{
	return n == 0 || memchr(inst, '.', n) || memchr(inst, '_', n) ||
	       memchr(inst, '-', n);
}

/* Layer 1: "unit@<instance>.service" -> "unit@{I}.service" per segment. */
static int systemd_template(const char *path, struct strbuf *out)
{
	static const char suffix[] = ".service";
	const size_t slen = sizeof(suffix) - 1;
	while (*path) {
		size_t seg = strcspn(path, "/");
		const char *at = memchr(path, '@', seg);
		size_t tail = at ? seg - (size_t)(at - path) - 1 : 0;
		bool templ = at && tail >= slen &&
			     !memcmp(path + seg - slen, suffix, slen) &&
			     !instance_is_literal(at + 1, tail - slen);
		int rc = templ ? strbuf_add(out, path, (size_t)(at - path) + 1) ||
					 strbuf_adds(out, "{I}") ||
					 strbuf_add(out, path + seg - slen, slen) :
				 strbuf_add(out, path, seg);
		if (rc)
			return -ENOMEM;
		path += seg;
		if (*path == '/') {
			if (strbuf_addch(out, '/'))
				return -ENOMEM;
			path++;
		}
	}
	return 0;
}

/*
 * Layer 2 tokenizes the layer-1 path; "{I}" must survive it, so the
 * placeholder's braces pass through as literal token text. Layer 3 of ktstr
 * only ever restores positions that were already literal: the key is the
 * layer-2 skeleton.
 */
int cgroup_normalize(const char *path, struct strbuf *out)
{
	struct strbuf l1 = STRBUF_INIT;
	int rc = systemd_template(path, &l1);
	if (!rc)
		rc = pattern_key(l1.buf, out);
	strbuf_release(&l1);
	return rc;
}

bool cgroup_glob_valid(const char *glob)
{
	for (const char *p = glob; *p; p++) {
		if (*p == '\\' && p[1]) {
			p++;
			continue;
		}
		if (*p != '[')
			continue;
		const char *close = strchr(p + 2, ']');
		if (!p[1] || !close)
			return false;
		p = close;
	}
	return *glob != '\0';
}

const char *cgroup_flatten(const char *path, const char *const *globs,
			   size_t nglobs)
{
	for (size_t i = 0; i < nglobs; i++)
		if (fnmatch(globs[i], path, 0) == 0)
			return globs[i];
	return path;
}
