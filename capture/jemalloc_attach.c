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

#include "readfile.h"
#include "strbuf.h"

/* One r-x file mapping of the process. */
struct jm_mapping {
	uint64_t start, offset, dev, ino;
	const char *path; /* into the maps text */
};

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

/* "start-end perms offset maj:min inode path": r-x file mappings only. */
static bool parse_map_line(char *line, struct jm_mapping *m)
{
	unsigned long long start, end, off, ino;
	unsigned maj, min;
	char perms[8];
	int pos = 0;
	if (sscanf(line, "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms,
		   &off, &maj, &min, &ino, &pos) != 7 || !pos)
		return false;
	if (strlen(perms) < 3 || perms[2] != 'x' || line[pos] != '/')
		return false;
	*m = (struct jm_mapping){ start, off, makedev(maj, min), ino, line + pos };
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
	while ((line = strsep(&text, "\n"))) {
		struct jm_mapping m;
		if (!parse_map_line(line, &m) || (m.dev == exe_dev && m.ino == exe_ino) ||
		    seen_mapping(out, m.dev, m.ino))
			continue;
		if (out->len == cap) {
			size_t ncap = cap ? cap * 2 : 32;
			struct jm_mapping *p = realloc(out->items, ncap * sizeof(*p));
			if (!p)
				return -ENOMEM;
			out->items = p;
			cap = ncap;
		}
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
