/*
 * fuzz_snapshot.c - snapshot_decode (a whole .ctprof.zst: zstd frames,
 * the 256 MiB cap, then the JSON) on arbitrary bytes, then
 * show/render/round trip.
 *
 * Byte mutations of compressed data almost never decompress, so most runs
 * would stop at the zstd layer. The custom mutator below mutates the JSON
 * inside three times out of four and compresses it again (the frame stays
 * valid, the content is what changes); the fourth time, and whenever the
 * input does not decompress, it mutates the raw bytes (the frame layer).
 */
#include <zstd.h>

#include "fuzz_snapshot.h"
#include "snapshot_file.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed);

/* Room for the decompressed JSON of an input, and its mutation. */
#define JSON_MAX (256u << 10)

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size,
			       unsigned int seed)
{
	static uint8_t json[JSON_MAX], out[JSON_MAX];
	size_t n = seed % 4 ? ZSTD_decompress(json, JSON_MAX / 2, data, size) : 0;
	if (!n || ZSTD_isError(n))
		return LLVMFuzzerMutate(data, size, max_size);
	n = LLVMFuzzerMutate(json, n, JSON_MAX);
	size_t z = ZSTD_compress(out, max_size < JSON_MAX ? max_size : JSON_MAX, json, n, 1);
	if (ZSTD_isError(z)) /* grew past max_size compressed: a byte mutation instead */
		return LLVMFuzzerMutate(data, size, max_size);
	memcpy(data, out, z);
	return z;
}

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
