/*
 * jemalloc_debuginfo.c - the debug-file cascade (see jemalloc_debuginfo.h).
 * libdw's dwelf reads the build-id note and the .gnu_debuglink section;
 * this file only chooses candidate paths and checks them.
 */
#include "jemalloc_debuginfo.h"

#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "strbuf.h"

#define DEBUG_ROOT "/usr/lib/debug"

/* Whether the file at fd has the build-id id[0..len). */
static bool build_id_matches(Elf *elf, const void *id, size_t len)
{
	const void *got;
	ssize_t n = dwelf_elf_gnu_build_id(elf, &got);
	return n > 0 && (size_t)n == len && !memcmp(got, id, len);
}

/* zlib's crc32 is the CRC .gnu_debuglink records (ISO 3309). */
static bool crc_matches(int fd, GElf_Word want)
{
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return false;
	if (!st.st_size)
		return want == crc32(0L, Z_NULL, 0);
	void *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return false;
	uLong crc = crc32(0L, Z_NULL, 0);
	const unsigned char *b = p;
	for (off_t done = 0; done < st.st_size;) {
		uInt chunk = st.st_size - done > (1 << 30) ? 1u << 30 :
							      (uInt)(st.st_size - done);
		crc = crc32(crc, b + done, chunk);
		done += chunk;
	}
	munmap(p, (size_t)st.st_size);
	return (GElf_Word)crc == want;
}

struct debug_want {
	const void *id; /* build-id, or NULL: check crc */
	size_t id_len;
	GElf_Word crc;
};

static int try_candidate(const char *path, const struct debug_want *w,
			 struct jm_debugfile *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	if (!w->id && !crc_matches(fd, w->crc))
		goto out_close;
	Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	if (!elf)
		goto out_close;
	if (elf_kind(elf) != ELF_K_ELF || (w->id && !build_id_matches(elf, w->id, w->id_len))) {
		elf_end(elf);
		goto out_close;
	}
	out->fd = fd;
	out->elf = elf;
	return 0;
out_close:
	close(fd);
	return -ENOENT;
}

/* rel (absolute) under the target's root, then under the host's. */
static int try_roots(const char *root, const char *rel, const struct debug_want *w,
		     struct jm_debugfile *out, struct strbuf *sb)
{
	int rc = -ENOENT;
	strbuf_reset(sb);
	if (*root && !strbuf_addf(sb, "%s%s", root, rel))
		rc = try_candidate(sb->buf, w, out);
	if (rc)
		rc = try_candidate(rel, w, out);
	return rc;
}

static int by_build_id(Elf *elf, const char *root, struct jm_debugfile *out,
		       struct strbuf *sb)
{
	const unsigned char *id;
	ssize_t n = dwelf_elf_gnu_build_id(elf, (const void **)&id);
	struct strbuf rel = STRBUF_INIT;
	int rc = -ENOENT;
	if (n < 2)
		return rc;
	if (strbuf_addf(&rel, DEBUG_ROOT "/.build-id/%02x/", id[0]))
		goto out_release;
	for (ssize_t i = 1; i < n; i++)
		if (strbuf_addf(&rel, "%02x", id[i]))
			goto out_release;
	if (strbuf_adds(&rel, ".debug"))
		goto out_release;
	struct debug_want w = { id, (size_t)n, 0 };
	rc = try_roots(root, rel.buf, &w, out, sb);
out_release:
	strbuf_release(&rel);
	return rc;
}

/* A debuglink is a plain file name; anything else is not trusted. */
static bool debuglink_name_ok(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

static int by_debuglink(Elf *elf, const char *root, const char *path,
			struct jm_debugfile *out, struct strbuf *sb)
{
	GElf_Word crc;
	const char *name = dwelf_elf_gnu_debuglink(elf, &crc);
	const char *slash = strrchr(path, '/');
	if (!name || !debuglink_name_ok(name) || !slash)
		return -ENOENT;
	int dirlen = (int)(slash - path);
	static const char *const forms[] = { "%.*s/%s", "%.*s/.debug/%s",
					     DEBUG_ROOT "%.*s/%s" };
	struct debug_want w = { NULL, 0, crc };
	struct strbuf rel = STRBUF_INIT;
	int rc = -ENOENT;
	for (size_t i = 0; rc && i < sizeof(forms) / sizeof(forms[0]); i++) {
		strbuf_reset(&rel);
		if (strbuf_addf(&rel, forms[i], dirlen, path, name))
			break;
		rc = try_roots(root, rel.buf, &w, out, sb);
	}
	strbuf_release(&rel);
	return rc;
}

int jm_debugfile_open(Elf *elf, const char *root, const char *path,
		      struct jm_debugfile *out)
{
	struct strbuf sb = STRBUF_INIT;
	int rc = by_build_id(elf, root, out, &sb);
	if (rc && path && *path == '/')
		rc = by_debuglink(elf, root, path, out, &sb);
	strbuf_release(&sb);
	return rc;
}

void jm_debugfile_close(struct jm_debugfile *d)
{
	if (d->elf)
		elf_end(d->elf);
	if (d->fd >= 0)
		close(d->fd);
	d->elf = NULL;
	d->fd = -1;
}
