/*
 * test_snapshot_stream.c - the streamed snapshot writer and its zstd stream.
 *
 * The streamed text must be the bytes the whole-tree writer printed: the
 * fixture snapshots against what that writer wrote for them (kept under
 * tests/fixtures/snapshots/compact/, from the tree writer before the writer
 * streamed), and a snapshot large enough for many chunks against cJSON's own
 * printing of the parsed document (one tree, as the old writer had). Then
 * the chunking itself, a failing sink, and the compressed form: one level-3
 * frame, the bytes a plain zstd stream of the same text gives.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>
#include <zstd.h>

#include "readfile.h"
#include "snapshot_file.h"
#include "snapshot_json.h"

#define OK(call) assert_int_equal((call), 0)

/* Enough threads that the text (~2 KiB a thread) spans many chunks. */
#define LARGE_THREADS 3000
#define LARGE_CGROUPS 400

/* ---- inputs ---- */

/* A file under tests/fixtures, from $CTPROF_TOP (tests/run.sh) or the cwd. */
static void read_fixture(const char *rel, struct strbuf *sb)
{
	char path[4200];

	snprintf(path, sizeof(path), "%s/tests/fixtures/%s",
		 getenv("CTPROF_TOP") ? getenv("CTPROF_TOP") : ".", rel);
	strbuf_reset(sb);
	if (read_file_at(AT_FDCWD, path, sb))
		fail_msg("cannot read %s", path);
}

static void set_string(char **dst, const char *fmt, unsigned k)
{
	char buf[128];

	snprintf(buf, sizeof(buf), fmt, k);
	free(*dst);
	*dst = strdup(buf);
	assert_non_null(*dst);
}

/*
 * Numbers stay below 10^15, where a cJSON double prints back exactly;
 * strings need every kind of escape, keys (cgroup paths) too.
 */
static void fill_large_thread(struct thread_state *t, unsigned k)
{
	uint32_t cpus[] = { k % 7, 8 + k % 3 };

	t->tid = 1000 + k;
	t->tgid = 1000 + k - k % 10;
	t->run_time_ns = 999999999999999ull - k;
	t->utime_clock_ticks = k * 3;
	t->nice = -(int32_t)(k % 20);
	t->state = k % 2 ? 'S' : '"';
	t->ext_enabled = k % 3 == 0;
	set_string(&t->comm, "w-%u \"q\" \\ /\n\t\x01\x7f \xc3\xa9", k);
	set_string(&t->pcomm, "proc-%u", k / 10);
	set_string(&t->cgroup, "/slice/u\\%u.scope", k % 50);
	OK(cpuset_from_sorted(&t->cpu_affinity, cpus, 2));
	if (k % 10 == 0)
		OK(kv_map_set(&t->smaps_rollup_kib, "Rss", 4 * k));
}

static void build_large(struct ctprof_snapshot *s)
{
	ctprof_snapshot_init(s);
	s->captured_at_unix_ns = 123456789;
	for (unsigned k = 0; k < LARGE_THREADS; k++) {
		struct thread_state t;

		OK(thread_state_init(&t));
		fill_large_thread(&t, k);
		OK(snapshot_push_thread(s, &t));
	}
	for (unsigned k = 0; k < LARGE_CGROUPS; k++) {
		char path[96];
		struct cgroup_stats *c;

		snprintf(path, sizeof(path), "/k%03u \"a\\b\"\n\x02/\xc3\xa9", k);
		c = snapshot_add_cgroup(s, path);
		assert_non_null(c);
		c->cpu.usage_usec = k;
		OK(kv_map_set(&c->memory.stat, "anon", 4096ull * k));
	}
	s->parse_summary = calloc(1, sizeof(*s->parse_summary));
	assert_non_null(s->parse_summary);
	s->parse_summary->tids_walked = LARGE_THREADS;
}

static void to_json(const struct ctprof_snapshot *s, struct strbuf *out)
{
	struct strbuf err = STRBUF_INIT;

	if (snapshot_to_json(s, out, &err))
		fail_msg("snapshot_to_json: %s", err.buf);
	strbuf_release(&err);
}

static void assert_bytes_equal(const char *what, const char *a, size_t alen,
			       const char *b, size_t blen)
{
	size_t i = 0;

	while (i < alen && i < blen && a[i] == b[i])
		i++;
	if (i < alen || i < blen)
		fail_msg("%s: differ at byte %zu of %zu/%zu", what, i, alen, blen);
}

/* ---- the tree writer's bytes ---- */

/* Input fixture and what the tree writer wrote for it. */
static const char *const fixtures[][2] = {
	{ "snapshots/host1.json", "snapshots/compact/host1.json" },
	{ "compare/base.json", "snapshots/compact/compare_base.json" },
	{ "compare/cand.json", "snapshots/compact/compare_cand.json" },
};

static void test_fixtures_match_tree_writer(void **state)
{
	(void)state;
	struct strbuf in = STRBUF_INIT, want = STRBUF_INIT, got = STRBUF_INIT;
	struct strbuf err = STRBUF_INIT;

	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		struct ctprof_snapshot s;

		read_fixture(fixtures[i][0], &in);
		read_fixture(fixtures[i][1], &want);
		if (snapshot_from_json(in.buf, in.len, &s, &err))
			fail_msg("%s: %s", fixtures[i][0], err.buf);
		to_json(&s, &got);
		assert_bytes_equal(fixtures[i][1], got.buf, got.len, want.buf,
				   want.len);
		ctprof_snapshot_release(&s);
	}
	strbuf_release(&in);
	strbuf_release(&want);
	strbuf_release(&got);
	strbuf_release(&err);
}

/* cJSON printing the whole document as one tree is what the writer was. */
static void test_large_matches_one_tree(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	struct strbuf got = STRBUF_INIT;
	cJSON *tree;
	char *want;

	build_large(&s);
	to_json(&s, &got);
	assert_true(got.len > 4 * SNAPSHOT_JSON_CHUNK);
	tree = cJSON_ParseWithLength(got.buf, got.len);
	assert_non_null(tree);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(tree, "threads")),
			 LARGE_THREADS);
	assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItem(tree, "cgroup_stats")),
			 LARGE_CGROUPS);
	want = cJSON_PrintUnformatted(tree);
	assert_non_null(want);
	assert_bytes_equal("large", got.buf, got.len, want, strlen(want));
	cJSON_free(want);
	cJSON_Delete(tree);
	strbuf_release(&got);
	ctprof_snapshot_release(&s);
}

/* A piece larger than the room first offered for it is printed again. */
static void test_piece_outgrows_room(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	struct thread_state t;
	struct strbuf got = STRBUF_INIT;
	char *comm = malloc(50001);
	cJSON *tree;
	char *want;

	assert_non_null(comm);
	for (size_t i = 0; i < 50000; i++)
		comm[i] = "a\"\n\x01"[i % 4]; /* 137,500 bytes once escaped */
	comm[50000] = '\0';
	ctprof_snapshot_init(&s);
	OK(thread_state_init(&t));
	free(t.comm);
	t.comm = comm;
	OK(snapshot_push_thread(&s, &t));
	OK(thread_state_init(&t));
	OK(snapshot_push_thread(&s, &t));
	to_json(&s, &got);
	tree = cJSON_ParseWithLength(got.buf, got.len);
	assert_non_null(tree);
	want = cJSON_PrintUnformatted(tree);
	assert_non_null(want);
	assert_bytes_equal("big piece", got.buf, got.len, want, strlen(want));
	assert_true(got.len > 137500);
	cJSON_free(want);
	cJSON_Delete(tree);
	strbuf_release(&got);
	ctprof_snapshot_release(&s);
}

/* ---- chunks ---- */

struct chunks {
	struct strbuf text;
	size_t calls;
	size_t fail_at; /* 1-based call to fail with -ENOSPC; 0: never */
	size_t shortest_but_last;
	size_t last;
	size_t longest;
};

static int chunk_sink(void *ctx, const char *data, size_t len)
{
	struct chunks *c = ctx;

	if (++c->calls == c->fail_at)
		return -ENOSPC;
	if (c->calls > 1 && c->last < c->shortest_but_last)
		c->shortest_but_last = c->last;
	c->last = len;
	if (len > c->longest)
		c->longest = len;
	return strbuf_add(&c->text, data, len);
}

static void test_chunks(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	struct chunks c = { STRBUF_INIT, 0, 0, SIZE_MAX, 0, 0 };
	struct strbuf whole = STRBUF_INIT, err = STRBUF_INIT;

	build_large(&s);
	to_json(&s, &whole);
	OK(snapshot_write_json(&s, chunk_sink, &c, &err));
	assert_bytes_equal("chunks joined", c.text.buf, c.text.len, whole.buf,
			   whole.len);
	/* every chunk but the last is full, and over by less than a thread */
	assert_true(c.calls >= whole.len / (2 * SNAPSHOT_JSON_CHUNK));
	assert_true(c.shortest_but_last >= SNAPSHOT_JSON_CHUNK);
	assert_true(c.longest < SNAPSHOT_JSON_CHUNK + 4096);
	assert_true(c.last > 0);
	strbuf_release(&c.text);
	strbuf_release(&whole);
	strbuf_release(&err);
	ctprof_snapshot_release(&s);
}

/* The sink's error comes back as it is, and ends the writing. */
static void test_sink_error(void **state)
{
	(void)state;
	struct ctprof_snapshot s;
	struct chunks c = { STRBUF_INIT, 0, 3, SIZE_MAX, 0, 0 };
	struct strbuf err = STRBUF_INIT;

	build_large(&s);
	OK(strbuf_adds(&err, "the sink's own message"));
	assert_int_equal(snapshot_write_json(&s, chunk_sink, &c, &err), -ENOSPC);
	assert_int_equal(c.calls, 3);
	assert_string_equal(err.buf, "the sink's own message");
	/* the two chunks before the failure, nothing after */
	assert_true(c.text.len >= 2 * SNAPSHOT_JSON_CHUNK);
	assert_true(c.text.len < 2 * (SNAPSHOT_JSON_CHUNK + 4096));
	strbuf_release(&c.text);
	strbuf_release(&err);
	ctprof_snapshot_release(&s);
}

/* ---- the zstd stream ---- */

/* text through a plain level-3 zstd stream of its own, in one call. */
static void zstd_stream_of(const struct strbuf *text, struct strbuf *out)
{
	ZSTD_CCtx *cctx = ZSTD_createCCtx();
	size_t cap = ZSTD_compressBound(text->len) + ZSTD_CStreamOutSize();
	ZSTD_inBuffer in = { text->buf, text->len, 0 };
	ZSTD_outBuffer o;
	size_t left;

	assert_non_null(cctx);
	strbuf_reset(out);
	OK(strbuf_grow(out, cap));
	o = (ZSTD_outBuffer){ out->buf, cap, 0 };
	assert_false(ZSTD_isError(ZSTD_CCtx_setParameter(
		cctx, ZSTD_c_compressionLevel, SNAPSHOT_ZSTD_LEVEL)));
	while (in.pos < in.size)
		assert_false(ZSTD_isError(
			ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_continue)));
	do {
		left = ZSTD_compressStream2(cctx, &o, &in, ZSTD_e_end);
		assert_false(ZSTD_isError(left));
	} while (left);
	out->len = o.pos;
	ZSTD_freeCCtx(cctx);
}

static void test_encode_is_one_stream(void **state)
{
	(void)state;
	struct ctprof_snapshot s, back;
	struct strbuf text = STRBUF_INIT, z = STRBUF_INIT, want = STRBUF_INIT;
	struct strbuf again = STRBUF_INIT, err = STRBUF_INIT;
	char *json;
	size_t json_len;

	build_large(&s);
	to_json(&s, &text);
	OK(snapshot_encode(&s, &z, &err));
	/* one frame, no declared size: it was compressed as it was written */
	assert_int_equal(ZSTD_findFrameCompressedSize(z.buf, z.len), z.len);
	assert_true(ZSTD_getFrameContentSize(z.buf, z.len) ==
		    ZSTD_CONTENTSIZE_UNKNOWN);
	zstd_stream_of(&text, &want);
	assert_bytes_equal("zstd", z.buf, z.len, want.buf, want.len);

	OK(snapshot_decompress(z.buf, z.len, &json, &json_len, &err));
	assert_bytes_equal("decompressed", json, json_len, text.buf, text.len);
	free(json);
	OK(snapshot_decode(z.buf, z.len, &back, &err));
	assert_int_equal(back.nthreads, LARGE_THREADS);
	assert_int_equal(back.ncgroups, LARGE_CGROUPS);
	to_json(&back, &again);
	assert_bytes_equal("read back", again.buf, again.len, text.buf, text.len);

	/* encoding again replaces the buffer with the same bytes */
	OK(snapshot_encode(&back, &z, &err));
	assert_bytes_equal("again", z.buf, z.len, want.buf, want.len);
	ctprof_snapshot_release(&back);
	ctprof_snapshot_release(&s);
	strbuf_release(&text);
	strbuf_release(&z);
	strbuf_release(&want);
	strbuf_release(&again);
	strbuf_release(&err);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_match_tree_writer),
		cmocka_unit_test(test_large_matches_one_tree),
		cmocka_unit_test(test_piece_outgrows_room),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_sink_error),
		cmocka_unit_test(test_encode_is_one_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
