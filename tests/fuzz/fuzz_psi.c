/*
 * fuzz_psi.c - parse_psi (a /proc/pressure/<res> or <res>.pressure file)
 * on arbitrary text, with parse_centi_percent under every avgN= value.
 */
#include "fuzz.h"
#include "parse_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct psi_resource r;
	char *text = fuzz_text(data, size);
	if (!text)
		return 0;
	parse_psi(text, &r);
	free(text);
	return 0;
}
