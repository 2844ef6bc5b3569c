// SPDX-License-Identifier: MIT
/*
 * fuzz_dwarf_readers.c - libFuzzer target for our own .debug_line reader and
 * DIE walk: the input is the section bytes (copied to an exact-size buffer
 * so ASan sees any read past the end); its first bytes pick the unit.
 *
 *   make -C tests fuzz && tests/build/fuzz/fuzz_dwarf_readers -max_total_time=60
 */
#include "symbolizer/dwarf_die.h"
#include "symbolizer/dwarf_line.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int add(void *ctx, const struct dwarf_die_scope *sc, uint32_t *idx)
{
	size_t *n = ctx;

	if (sc->name)
		(void)strlen(sc->name);
	*idx = sc->nranges ? (uint32_t)(*n)++ : UINT32_MAX;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;
	size_t half;

	if (size < 4)
		return 0;
	buf = malloc(size - 4);
	if (!buf && size > 4)
		return 0;
	memcpy(buf, data + 4, size - 4);
	half = (size - 4) / 2;
	if (data[0] & 1) {
		struct dwarf_line_sections s = {buf, buf + half, buf, size - 4, size - 4 - half, half};
		struct dwarf_line_prog p = {0};

		dwarf_line__read(&s, data[1] % 64, data[2] & 1 ? 8 : 4, "/c", 1u << 16, &p);
		dwarf_line_prog__clear(&p);
	} else {
		/* .debug_info in the first half, everything else in the second */
		struct dwarf_die_sections s = {
			buf, buf + half, buf + half, buf + half, buf + half, buf + half,
			half, size - 4 - half, size - 4 - half, size - 4 - half, size - 4 - half,
			size - 4 - half,
		};
		struct dwarf_die_unit u = {.die_off = 11u + (data[1] & 1),
					   .abbrev_off = data[2] % 16,
					   .version = 2 + data[3] % 4,
					   .address_size = data[3] & 16 ? 4 : 8,
					   .offset_size = 4};
		size_t n = 0;

		if (u.version == 5)
			u.die_off = 12;
		dwarf_die__walk(&s, &u, 1u << 16, 64, add, &n);
	}
	free(buf);
	return 0;
}
