/*
 * strbuf.c - growable buffer; integer formatting without printf because the
 * exposition renderer formats hundreds of thousands of numbers per scrape.
 */
#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char strbuf_slopbuf[1];

void strbuf_init(struct strbuf *sb)
{
	sb->alloc = 0;
	sb->len = 0;
	sb->buf = strbuf_slopbuf;
}

int strbuf_grow(struct strbuf *sb, size_t n)
{
	if (n > SIZE_MAX - sb->len - 1)
		return -ENOMEM;
	size_t need = sb->len + n + 1;
	if (need <= sb->alloc)
		return 0;
	size_t cap = sb->alloc ? sb->alloc : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(sb->alloc ? sb->buf : NULL, cap);
	if (!p)
		return -ENOMEM;
	if (!sb->alloc)
		p[0] = '\0';
	sb->buf = p;
	sb->alloc = cap;
	return 0;
}

void strbuf_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->alloc)
		sb->buf[0] = '\0';
}

void strbuf_release(struct strbuf *sb)
{
	if (sb->alloc)
		free(sb->buf);
	strbuf_init(sb);
}

char *strbuf_detach(struct strbuf *sb, size_t *len)
{
	if (strbuf_grow(sb, 0))
		return NULL;
	char *s = sb->buf;
	if (len)
		*len = sb->len;
	strbuf_init(sb);
	return s;
}

int strbuf_add(struct strbuf *sb, const void *data, size_t n)
{
	if (strbuf_grow(sb, n))
		return -ENOMEM;
	memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_adds(struct strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_addch(struct strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_add_u64(struct strbuf *sb, uint64_t v)
{
	char tmp[20];
	size_t i = sizeof(tmp);
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return strbuf_add(sb, tmp + i, sizeof(tmp) - i);
}

int strbuf_add_i64(struct strbuf *sb, int64_t v)
{
	if (v >= 0)
		return strbuf_add_u64(sb, (uint64_t)v);
	if (strbuf_addch(sb, '-'))
		return -ENOMEM;
	return strbuf_add_u64(sb, (uint64_t)0 - (uint64_t)v);
}

int strbuf_addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || strbuf_grow(sb, (size_t)n))
		return -ENOMEM;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb->len += (size_t)n;
	return 0;
}

void strbuf_set_line(struct strbuf *sb, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	if (!sb)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	strbuf_reset(sb);
	strbuf_adds(sb, line);
}
