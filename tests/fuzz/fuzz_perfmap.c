// SPDX-License-Identifier: MIT
/*
 * fuzz_perfmap.c - libFuzzer target for the perf map parser (a file any
 * process writes for itself): the input is the map, read through a memfd as
 * the symbolizer reads the real file (root_open__lines, bounded lines). A map
 * that parses must answer lookups within its entries' bounds.
 *
 *   make -C tests fuzz && tests/build/fuzz/fuzz_perfmap -max_total_time=60
 */
#include "symbolizer/perfmap.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct perfmap *m = NULL;
	int fd = memfd_create("fuzz-perfmap", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || lseek(fd, 0, SEEK_SET) != 0)
		goto cleanup;
	if (perfmap__load(fd, &m))
		goto cleanup;
	if (perfmap__count(m) > size) /* at most one entry per line */
		abort();
	for (uint64_t a = 0; a < 0x10000; a += 0x101) {
		const char *name = perfmap__lookup(m, a);

		if (name && strlen(name) > PERFMAP_MAX_NAME)
			abort();
	}
	perfmap__lookup(m, UINT64_MAX);
cleanup:
	perfmap__free(m);
	close(fd);
	return 0;
}
