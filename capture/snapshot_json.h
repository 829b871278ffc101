/*
 * snapshot_json.h - ctprof snapshot <-> JSON in ktstr's serde shape.
 *
 * Owns the JSON form of struct ctprof_snapshot: what serde_json::to_vec gives
 * for ktstr's CtprofSnapshot (compact, declaration-order keys, BTreeMap order,
 * u64 kept exact), and the reverse with serde's rules made lenient where
 * ktstr would refuse a missing key (missing keys take the C defaults).
 * Thread objects are driven by thread_field_descs[], nothing lists fields.
 */
#ifndef CTPROF_SNAPSHOT_JSON_H
#define CTPROF_SNAPSHOT_JSON_H

#include <stddef.h>

#include "snapshot.h"
#include "strbuf.h"

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
