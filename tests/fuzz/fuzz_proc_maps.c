// SPDX-License-Identifier: MIT
/*
 * fuzz_proc_maps.c - libFuzzer target for the /proc/PID/maps line parser
 * (proc_maps__parse_line), fed the way proc.c feeds it: lines of the input
 * through root_open__lines with the maps bounds. A parsed line must be
 * consistent: start < end, four permission characters, a path inside it.
 *
 *   make -C tests fuzz && tests/build/fuzz/fuzz_proc_maps -max_total_time=60
 */
#include "common/root_open.h"
#include "sample/proc.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int one_line(void *ctx, char *line, size_t len)
{
	struct proc_maps_line m;

	(void)ctx;
	if (proc_maps__parse_line(line, &m))
		return 0;
	if (m.start >= m.end || strlen(m.perms) != 4 || m.path < line || m.path > line + len)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-maps", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size && lseek(fd, 0, SEEK_SET) == 0)
		root_open__lines(fd, PROC_MAPS_MAX_BYTES, PROC_MAPS_MAX_LINE, one_line, NULL);
	close(fd);
	return 0;
}
