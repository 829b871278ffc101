/*
 * fuzz_snapshot_json.c - snapshot_from_json (the JSON inside a
 * .ctprof.zst) on arbitrary bytes, then show/render/round trip.
 */
#include "fuzz_snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	if (!snapshot_from_json((const char *)data, size, &s, &err))
		fuzz_snapshot_use(&s);
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
	return 0;
}
