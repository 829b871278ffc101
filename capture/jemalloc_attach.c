/*
 * jemalloc_attach.c - per-process jemalloc discovery (see
 * jemalloc_attach.h). The executable is tried first; only when it has no
 * jemalloc are the process's maps read and its shared objects tried.
 */
#include "jemalloc_attach.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "array.h"
#include "parse_util.h"
#include "readfile.h"
#include "strbuf.h"

struct jm_mappings {
	struct jm_mapping *items;
	size_t len;
};

bool jm_tag_is_lasting(enum jm_tag tag)
{
	return tag != JM_PID_MISSING && tag != JM_READLINK_FAILURE &&
	       tag != JM_MAPS_READ_FAILURE;
}

void jm_proc_free(struct jm_proc *proc)
{
	if (!proc)
		return;
	jm_cache_release(&proc->threads, NULL);
	free(proc);
}

/* A copy of the cached result for (dev, ino); false when not cached. */
static bool file_lookup(const struct jm_attach_ctx *c, uint64_t dev, uint64_t ino,
			struct jm_file_info *out)
{
	pthread_mutex_lock(c->lock);
	struct jm_cache_entry *e = jm_cache_find(c->files, dev, ino);
	if (e)
		*out = *(const struct jm_file_info *)(uintptr_t)e->value;
	pthread_mutex_unlock(c->lock);
	return e;
}

/* Cache a result; a racing worker's earlier result is kept. */
static void file_store(const struct jm_attach_ctx *c, uint64_t dev, uint64_t ino,
		       const struct jm_file_info *info)
{
	struct jm_file_info *copy = malloc(sizeof(*copy));
	if (!copy)
		return;
	*copy = *info;
	pthread_mutex_lock(c->lock);
	if (jm_cache_find(c->files, dev, ino) ||
	    jm_cache_put(c->files, dev, ino, (uintptr_t)copy, 0))
		free(copy);
	pthread_mutex_unlock(c->lock);
}

/*
 * The maps line scanner, in place of sscanf("%llx-%llx %7s %llx %x:%x %llu
 * %n"), which was 1.7% of a capture's CPU: most lines (thread stacks, their
 * guard pages, heaps) are not executable, and the scanner rejects them at
 * the permissions. The kernel writes "%08lx-%08lx %c%c%c%c %08llx
 * %02x:%02x %lu " and pads to the path, yet every line reads as it did
 * under sscanf, so that nothing else can differ: a field may follow white
 * space, a number may have a sign, a hex one "0x", and values wrap and
 * saturate as strtoull's.
 */

/* isspace() in the C locale, which sscanf used. */
static bool map_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static const char *skip_space(const char *p)
{
	while (map_space(*p))
		p++;
	return p;
}

/* Each hex digit's value plus one, so that any other byte is 0. */
static const unsigned char digit_plus_one[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* The value of c as a digit in base 10 or 16; -1 when it is not one. */
static int digit_value(char c, unsigned base)
{
	int d = digit_plus_one[(unsigned char)c] - 1;
	return d < (int)base ? d : -1;
}

/*
 * One number as %llx (base 16) or %llu (base 10) reads it: its end, or
 * NULL when there is none. sscanf counts the 0 of "0x" as a digit, so a
 * bare "0x" reads as 0.
 */
static const char *scan_number(const char *p, unsigned base, uint64_t *out)
{
	bool neg = false, digits = false, over = false;
	uint64_t v = 0;
	int d;

	p = skip_space(p);
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	if (base == 16 && p[0] == '0' && (p[1] | 0x20) == 'x') {
		p += 2;
		digits = true;
	}
	for (; (d = digit_value(*p, base)) >= 0; p++) {
		digits = true;
		if (__builtin_mul_overflow(v, base, &v) ||
		    __builtin_add_overflow(v, (unsigned)d, &v))
			over = true;
	}
	if (!digits)
		return NULL;
	*out = over ? UINT64_MAX : neg ? -v : v;
	return p;
}

/* %x: strtoul's value cut to an unsigned int. */
static const char *scan_hex32(const char *p, unsigned *out)
{
	uint64_t v;
	p = scan_number(p, 16, &v);
	if (p)
		*out = (unsigned)v;
	return p;
}

/*
 * "start-end perms": the end of the permissions when they are executable
 * (their third byte is x), else NULL. %7s takes at most 7 bytes up to a
 * space; a longer word's rest is where the offset is read.
 */
static const char *scan_head(const char *p, uint64_t *start)
{
	uint64_t end;
	size_t n = 0;

	p = scan_number(p, 16, start);
	if (!p || *p != '-' || !(p = scan_number(p + 1, 16, &end)))
		return NULL;
	p = skip_space(p);
	while (n < 7 && p[n] && !map_space(p[n]))
		n++;
	return n >= 3 && p[2] == 'x' ? p + n : NULL;
}

/* "offset maj:min inode path" after the permissions; the path's start. */
static const char *scan_tail(const char *p, struct jm_mapping *m)
{
	uint64_t off, ino;
	unsigned maj, min;

	p = scan_number(p, 16, &off);
	if (!p || !(p = scan_hex32(p, &maj)) || *p != ':')
		return NULL;
	p = scan_hex32(p + 1, &min);
	if (!p || !(p = scan_number(p, 10, &ino)))
		return NULL;
	p = skip_space(p);
	if (*p != '/')
		return NULL;
	m->offset = off;
	m->dev = makedev(maj, min);
	m->ino = ino;
	return p;
}

bool jm_parse_map_line(const char *line, struct jm_mapping *m)
{
	uint64_t start;
	const char *p = scan_head(line, &start);

	if (!p || !(p = scan_tail(p, m)))
		return false;
	m->start = start;
	m->path = p;
	return true;
}

static bool seen_mapping(const struct jm_mappings *ms, uint64_t dev, uint64_t ino)
{
	for (size_t i = 0; i < ms->len; i++)
		if (ms->items[i].dev == dev && ms->items[i].ino == ino)
			return true;
	return false;
}

/* The distinct r-x file mappings other than the executable, in maps order. */
static int list_mappings(char *text, uint64_t exe_dev, uint64_t exe_ino,
			 struct jm_mappings *out)
{
	size_t cap = 0;
	char *line;
	out->items = NULL;
	out->len = 0;
	while ((line = next_line(&text))) {
		struct jm_mapping m;
		if (!jm_parse_map_line(line, &m) || (m.dev == exe_dev && m.ino == exe_ino) ||
		    seen_mapping(out, m.dev, m.ino))
			continue;
		if (array_grow((void **)&out->items, &cap, out->len + 1, 32,
			       sizeof(*out->items)))
			return -ENOMEM;
		out->items[out->len++] = m;
	}
	return 0;
}

static void req_exe(const struct jm_attach_ctx *c, int pfd, uint32_t tgid,
		    struct jm_resolve_req *r)
{
	memset(r, 0, sizeof(*r));
	r->exe = true;
	snprintf(r->path, sizeof(r->path), "%s/%u/exe", c->procfs, tgid);
	snprintf(r->root, sizeof(r->root), "%s/%u/root", c->procfs, tgid);
	ssize_t n = readlinkat(pfd, "exe", r->ns_path, sizeof(r->ns_path) - 1);
	r->ns_path[n > 0 ? n : 0] = '\0';
}

static void req_dso(const struct jm_attach_ctx *c, uint32_t tgid,
		    const struct jm_mapping *m, struct jm_resolve_req *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->root, sizeof(r->root), "%s/%u/root", c->procfs, tgid);
	snprintf(r->ns_path, sizeof(r->ns_path), "%s", m->path);
	snprintf(r->path, sizeof(r->path), "%s%s", r->root, m->path);
}

/* A process-level plan from the file that has jemalloc. */
static enum jm_tag make_plan(const struct jm_file_info *f, const struct jm_mapping *m,
			     struct jm_plan *plan)
{
	enum tls_variant v = jm_native_machine() == EM_AARCH64 ? TLS_VARIANT_I :
								     TLS_VARIANT_II;
	memset(plan, 0, sizeof(*plan));
	plan->tsd_value = f->tsd_value;
	plan->layout = f->layout;
	if (f->tag != JM_OK)
		return f->tag;
	if (!m) {
		plan->block_resolved = true;
		return tls_exe_block(v, f->tls_memsz, f->tls_align, f->tls_vaddr,
				     &plan->block) ? JM_OK : JM_TLS_ARITHMETIC;
	}
	/* The load base: where file offset 0 of the image would be mapped. */
	uint64_t base = m->start - m->offset - f->exec_bias;
	plan->got_addr = base + f->got_slot;
	plan->got_target = f->got_target;
	return JM_OK;
}

static struct jm_proc *proc_new(const struct jm_file_info *f, const struct jm_mapping *m,
				uint64_t dev, uint64_t ino, enum jm_tag *tag)
{
	struct jm_proc *proc = calloc(1, sizeof(*proc));
	if (!proc) {
		*tag = JM_WORKER_PANIC; /* resource exhaustion, as the seed counts it */
		return NULL;
	}
	proc->exe_dev = dev;
	proc->exe_ino = ino;
	proc->tag = *tag = make_plan(f, m, &proc->plan);
	return proc;
}

/* The files to resolve: the executable unless cached, then each mapping not cached. */
struct resolve_batch {
	struct jm_resolve_req *reqs;
	uint64_t (*keys)[2];
	size_t n;
};

static int batch_build(const struct jm_attach_ctx *c, int pfd, uint32_t tgid,
		       bool need_exe, uint64_t dev, uint64_t ino,
		       const struct jm_mappings *ms, struct resolve_batch *b)
{
	size_t max = ms->len + 1;
	struct jm_file_info scratch;
	b->n = 0;
	b->reqs = malloc(max * sizeof(*b->reqs));
	b->keys = malloc(max * sizeof(*b->keys));
	if (!b->reqs || !b->keys)
		return -ENOMEM;
	if (need_exe) {
		req_exe(c, pfd, tgid, &b->reqs[0]);
		b->keys[b->n][0] = dev;
		b->keys[b->n++][1] = ino;
	}
	for (size_t i = 0; i < ms->len; i++) {
		const struct jm_mapping *m = &ms->items[i];
		if (file_lookup(c, m->dev, m->ino, &scratch))
			continue;
		req_dso(c, tgid, m, &b->reqs[b->n]);
		b->keys[b->n][0] = m->dev;
		b->keys[b->n++][1] = m->ino;
	}
	return 0;
}

/* Resolve the batch in one isolated child and cache what it reports. */
static int batch_resolve(const struct jm_attach_ctx *c, const struct resolve_batch *b)
{
	if (!b->n)
		return 0;
	struct jm_file_info *out = calloc(b->n, sizeof(*out));
	if (!out)
		return -ENOMEM;
	size_t k = jm_isolate_resolve(c->resolve, b->reqs, b->n, out, c->timeout_ms);
	for (size_t i = 0; i < k; i++)
		file_store(c, b->keys[i][0], b->keys[i][1], &out[i]);
	free(out);
	return k ? 0 : -EAGAIN;
}

static int resolve_uncached(const struct jm_attach_ctx *c, int pfd, uint32_t tgid,
			    bool need_exe, uint64_t dev, uint64_t ino,
			    const struct jm_mappings *ms)
{
	struct resolve_batch b = { NULL, NULL, 0 };
	int rc = batch_build(c, pfd, tgid, need_exe, dev, ino, ms, &b);
	if (!rc)
		rc = batch_resolve(c, &b);
	free(b.reqs);
	free(b.keys);
	return rc;
}

/* The first mapping (in maps order) whose file has jemalloc, or NULL. */
static const struct jm_mapping *find_in_mappings(const struct jm_attach_ctx *c,
						 const struct jm_mappings *ms,
						 struct jm_file_info *f)
{
	for (size_t i = 0; i < ms->len; i++)
		if (file_lookup(c, ms->items[i].dev, ms->items[i].ino, f) &&
		    f->tag != JM_NOT_FOUND)
			return &ms->items[i];
	return NULL;
}

struct jm_proc *jm_attach(const struct jm_attach_ctx *c, int pfd, uint32_t tgid,
			  uint64_t dev, uint64_t ino, enum jm_tag *tag)
{
	struct jm_file_info f;
	struct jm_mappings ms = { NULL, 0 };
	struct strbuf maps = STRBUF_INIT;
	struct jm_proc *proc = NULL;
	bool have_exe = file_lookup(c, dev, ino, &f);
	if (have_exe && f.tag != JM_NOT_FOUND)
		return proc_new(&f, NULL, dev, ino, tag);
	int maps_rc = read_file_at(pfd, "maps", &maps);
	if (!maps_rc && list_mappings(maps.buf, dev, ino, &ms))
		goto out_oom;
	if (resolve_uncached(c, pfd, tgid, !have_exe, dev, ino, &ms))
		goto out_oom;
	const struct jm_mapping *m = NULL;
	*tag = JM_MAPS_READ_FAILURE;
	if (file_lookup(c, dev, ino, &f) && f.tag != JM_NOT_FOUND)
		proc = proc_new(&f, NULL, dev, ino, tag);
	else if (!maps_rc && (m = find_in_mappings(c, &ms, &f)))
		proc = proc_new(&f, m, dev, ino, tag);
	else if (!maps_rc)
		proc = proc_new(&(struct jm_file_info){ .tag = JM_NOT_FOUND }, NULL,
				dev, ino, tag);
	goto out_release;
out_oom:
	*tag = JM_WORKER_PANIC;
out_release:
	free(ms.items);
	strbuf_release(&maps);
	return proc;
}
