/*
 * fuzz_snapshot.h - what both snapshot-reader harnesses check once a
 * snapshot has been read from untrusted bytes: what `ctprof show` and
 * `ctprof metrics` do with it must not crash (rendered to /dev/null and a
 * buffer), and writing it back must give JSON that reads again and writes
 * back to the same bytes (the reader keeps nothing the writer cannot say).
 */
#ifndef CTPROF_FUZZ_SNAPSHOT_H
#define CTPROF_FUZZ_SNAPSHOT_H

#include "ctprof_show.h"
#include "fuzz.h"
#include "registry.h"
#include "render_flags.h"
#include "snapshot_json.h"

static inline void fuzz_snapshot_use(const struct ctprof_snapshot *s)
{
	static struct registry reg;
	static FILE *devnull;
	static bool ready;
	struct render_flags f;
	struct strbuf out = STRBUF_INIT, again = STRBUF_INIT, err = STRBUF_INIT;
	struct ctprof_snapshot back;

	if (!ready) {
		registry_build(&reg);
		devnull = fopen("/dev/null", "w");
		ready = true;
	}
	render_flags_init(&f);
	render_snapshot(s, &reg, &f.render, &out);
	if (devnull)
		ctprof_show(s, devnull);

	if (snapshot_to_json(s, &out, &err))
		goto out_release; /* out of memory */
	if (snapshot_from_json(out.buf, out.len, &back, &err)) {
		fprintf(stderr, "written JSON does not read back: %s\n", err.buf);
		abort();
	}
	if (!snapshot_to_json(&back, &again, &err) &&
	    (again.len != out.len || memcmp(again.buf, out.buf, out.len))) {
		fprintf(stderr, "JSON round trip is not stable\n");
		abort();
	}
	ctprof_snapshot_release(&back);
out_release:
	strbuf_release(&out);
	strbuf_release(&again);
	strbuf_release(&err);
}

#endif
