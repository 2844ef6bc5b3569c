// SPDX-License-Identifier: MIT
/*
 * fuzz_symbolizer.c - libFuzzer target for the ELF/DWARF loading path: the
 * input is a file, symbolized at a spread of addresses (symbol table, debug
 * file search, DWARF index, lookups), plus the perf map parser.
 *
 *   make -C tests fuzz && tests/build/fuzz/fuzz_symbolizer -max_total_time=60 \
 *       tests/build/fuzz/corpus-sym
 */
#include "symbolizer/perfmap.h"
#include "symbolizer/symbolizer.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct symbolizer_opts o = {.debug_root = "/nonexistent", .no_debuginfod = 1};
	struct symbolizer *s = NULL;
	struct perfmap *m = NULL;
	struct sym_result r;
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size || symbolizer__new(&o, &s))
		goto cleanup;
	{
		struct sym_file f = {.fd = fd, .dev = 1, .ino = 1};

		for (uint64_t a = 0; a < 0x4000; a += 0x10)
			symbolizer__user(s, &f, a, &r);
	}
	lseek(fd, 0, SEEK_SET);
	if (!perfmap__load(fd, &m))
		perfmap__lookup(m, 0x1000);
cleanup:
	perfmap__free(m);
	symbolizer__free(s);
	close(fd);
	return 0;
}
