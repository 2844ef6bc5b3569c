// SPDX-License-Identifier: MIT
/*
 * fuzz_unwind_table.c - libFuzzer target for our CFI parser (.eh_frame and
 * .debug_frame to unwind rows). The input's first byte picks the section
 * (even: .eh_frame, odd: .debug_frame); the rest is its content, placed in a
 * minimal ELF image with one executable segment, so every byte the parser
 * reads comes from the fuzzer. A seed is a real section with a 0 or 1 byte
 * in front (test_fuzz.sh makes them with objcopy).
 *
 *   make -C tests fuzz && tests/build/fuzz/fuzz_unwind_table -max_total_time=60
 */
#include "tests/elf_image.h"
#include "unwind/unwind_table.h"

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECTION_ADDR 0x2000

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct unwind_table *t = NULL;
	size_t total;
	uint8_t *img;
	char err[256];

	if (size < 1 || size > (1u << 20))
		return 0;
	img = elf_image__build(ET_DYN, 1,
			       &(struct elf_image_section){
				   .name = data[0] & 1 ? ".debug_frame" : ".eh_frame",
				   .addr = data[0] & 1 ? 0 : SECTION_ADDR,
				   .data = data + 1,
				   .size = size - 1,
			       },
			       &total);
	if (!img)
		return 0;
	if (unwind_table__build_mem(img, total, &t, err, sizeof(err)) == 0) {
		/* what the unwinder does with a table: look rows up, load it */
		for (size_t i = 0; i < t->nrows; i += 1 + t->nrows / 64)
			(void)unwind_table__find(t, t->rows[i].pc);
		(void)unwind_table__bpf_bytes(t);
	}
	unwind_table__free(t);
	free(img);
	return 0;
}
