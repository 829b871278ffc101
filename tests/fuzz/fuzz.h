/*
 * fuzz.h - what the libFuzzer harnesses (tests/fuzz/fuzz_<name>.c) share.
 *
 * The parsers take NUL-terminated text they may modify, as read_file_at
 * hands it over; fuzz_text gives them a heap copy of exactly size + 1 bytes
 * so AddressSanitizer sees any read or write past the terminator. Harnesses
 * that must go through a file (the cgroup reader, ELF resolution) write
 * into one private directory made on first use (on tmpfs when there is
 * one) and removed at exit.
 */
#ifndef CTPROF_FUZZ_H
#define CTPROF_FUZZ_H

#include <fcntl.h>
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A malloc'd, NUL-terminated copy of data (NULL when out of memory). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	if (!s)
		return NULL;
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * Split the next field off *p (up to end) at sep: a malloc'd NUL-terminated
 * copy, or NULL once the input is used up (*p is then NULL). Lets one input
 * carry several independent strings (headers, file contents).
 */
static inline char *fuzz_field(const uint8_t **p, const uint8_t *end, uint8_t sep)
{
	if (!*p)
		return NULL;
	const uint8_t *q = memchr(*p, sep, (size_t)(end - *p));
	char *s = fuzz_text(*p, q ? (size_t)(q - *p) : (size_t)(end - *p));
	*p = q ? q + 1 : NULL;
	return s;
}

static char fuzz_scratch[256];

static inline int fuzz_rm_entry(const char *path, const struct stat *st, int flag,
				struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	remove(path); /* best effort: keep walking */
	return 0;
}

/* At exit (libFuzzer's -max_total_time ends with exit()): leave nothing. */
static inline void fuzz_scratch_remove(void)
{
	nftw(fuzz_scratch, fuzz_rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* A private scratch directory in /dev/shm (tmpfs: no disk I/O) or TMPDIR. */
static inline const char *fuzz_scratch_dir(void)
{
	if (fuzz_scratch[0])
		return fuzz_scratch;
	const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	snprintf(fuzz_scratch, sizeof(fuzz_scratch), "%s/ctprof-fuzz.XXXXXX",
		 base ? base : "/tmp");
	if (!mkdtemp(fuzz_scratch)) {
		perror("mkdtemp");
		abort();
	}
	atexit(fuzz_scratch_remove);
	return fuzz_scratch;
}

/* Replace dirfd/name with data[0..size). 0 / -1. */
static inline int fuzz_write_at(int dirfd, const char *name, const uint8_t *data,
				size_t size)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0) {
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	return close(fd);
}

#endif
