/*
 * snapshot_json.h - ctprof snapshot <-> JSON in ktstr's serde shape.
 *
 * Owns the JSON form of struct ctprof_snapshot: what serde_json::to_vec gives
 * for ktstr's CtprofSnapshot (compact, declaration-order keys, BTreeMap order,
 * u64 kept exact), and the reverse with serde's rules made lenient where
 * ktstr would refuse a missing key (missing keys take the C defaults).
 * Thread objects are driven by thread_field_descs[], nothing lists fields.
 * Writing streams (one piece at a time to a sink); reading takes the whole
 * text.
 */
#ifndef CTPROF_SNAPSHOT_JSON_H
#define CTPROF_SNAPSHOT_JSON_H

#include <stddef.h>

#include "snapshot.h"
#include "strbuf.h"

/*
 * The writer hands text over once it has this much: every chunk but the
 * last is at least this long, and none is longer by more than one piece
 * (a thread, a cgroup, a summary).
 */
#define SNAPSHOT_JSON_CHUNK (64u << 10)

/* Takes the next len bytes of text. 0, or a negative errno that stops the writer. */
typedef int (*snapshot_json_sink)(void *ctx, const char *data, size_t len);

/*
 * Hand the compact JSON of s to sink, in order, in SNAPSHOT_JSON_CHUNK
 * chunks. Memory stays small whatever the thread count: one piece's cJSON
 * tree and one chunk of text at a time. The bytes are what
 * cJSON_PrintUnformatted gives for the whole snapshot as one tree. 0,
 * -ENOMEM (err holds a line), or the sink's error (err left to the sink's
 * owner, and the sink is not called again).
 */
int snapshot_write_json(const struct ctprof_snapshot *s, snapshot_json_sink sink,
			void *ctx, struct strbuf *err);

/*
 * Replace out's contents with the compact JSON of s. 0 / -ENOMEM; on error
 * err (replaced) holds a one-line message.
 */
int snapshot_to_json(const struct ctprof_snapshot *s, struct strbuf *out,
		     struct strbuf *err);

/*
 * Parse len bytes of JSON into out, which the call initialises (any previous
 * contents are NOT released). Unknown keys are ignored, missing keys take the
 * defaults of thread_state_init / cgroup_stats_init / zero. 0, or -EINVAL
 * (bad JSON or shape: err holds "key.path: problem" on one line) / -ENOMEM;
 * on error out is left empty (ctprof_snapshot_init state).
 */
int snapshot_from_json(const char *json, size_t len,
		       struct ctprof_snapshot *out, struct strbuf *err);

#endif
