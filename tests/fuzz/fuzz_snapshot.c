/*
 * fuzz_snapshot.c - snapshot_decode (a whole .ctprof.zst: zstd frames,
 * the 256 MiB cap, then the JSON) on arbitrary bytes, then
 * show/render/round trip.
 */
#include "fuzz_snapshot.h"
#include "snapshot_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctprof_snapshot s;
	struct strbuf err = STRBUF_INIT;
	if (!snapshot_decode(data, size, &s, &err))
		fuzz_snapshot_use(&s);
	ctprof_snapshot_release(&s);
	strbuf_release(&err);
	return 0;
}
