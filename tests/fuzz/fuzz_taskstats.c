/*
 * fuzz_taskstats.c - taskstats_parse_reply (one TASKSTATS_CMD_GET reply
 * datagram) on arbitrary bytes, and the payload decoder and apply step
 * behind it.
 *
 * Input: the queried tid as 4 little-endian bytes, then the datagram,
 * copied to an aligned buffer of exactly its length as recvmsg would leave
 * it. The outcome is 0 or a negative errno (the kernel's own error code
 * passes through as it came, so any negative value is allowed).
 */
#include "fuzz.h"
#include "taskstats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct delay_stats ds;
	struct thread_state t;
	uint32_t tid;
	if (size < sizeof(tid))
		return 0;
	memcpy(&tid, data, sizeof(tid));
	size -= sizeof(tid);
	void *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data + sizeof(tid), size);
	int rc = taskstats_parse_reply(buf, size, tid, &ds);
	if (rc > 0)
		abort();
	/* The decoder alone, on the same bytes as a bare payload. */
	taskstats_decode(buf, size, &ds);
	if (!thread_state_init(&t)) {
		struct taskstats_active active = {
			.cpu_delay = true, .delay_block = true, .xacct = true
		};
		taskstats_apply(&t, &ds, &active,
				TASKSTATS_SUPPLIES_SCHEDSTAT | TASKSTATS_SUPPLIES_CSW);
		thread_state_release(&t);
	}
	free(buf);
	return 0;
}
