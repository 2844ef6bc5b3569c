// SPDX-License-Identifier: MIT
/*
 * fuzz_gopclntab.c - libFuzzer target for our reader of Go's function table
 * (symbolizer/gopclntab.c) and the unwind rows built from its SP deltas
 * (profiler/unwind/unwind_table.c). The input is the content of a
 * .gopclntab section. It is read twice: as a table in memory (the input is
 * its funcdata area too, so inline trees are read from fuzzer bytes) with
 * lookups at every function's entry, middle and end; and placed in a
 * minimal ELF image (no CFI) whose unwind table is built from it. Seeds are
 * the section of the Go workloads (test_fuzz.sh).
 *
 *   make -C tests fuzz && tests/build/fuzz/fuzz_gopclntab -max_total_time=60 DIR
 */
#include "symbolizer/gopclntab.h"
#include "tests/elf_image.h"
#include "unwind/unwind_table.h"

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECTION_ADDR 0x10000
#define MAX_LOOKUPS 4096

static int count_run(void *ctx, uint64_t start, uint64_t end, int32_t delta)
{
	(void)start, (void)end, (void)delta;
	return ++*(size_t *)ctx > 100000;
}

static void read_table(const uint8_t *data, size_t size)
{
	struct gopclntab_input in = {
		.pcln = data, .pcln_size = size, .pcln_vaddr = SECTION_ADDR,
		.text_vaddr = 0x1000, .fdata = data, .fdata_size = size, .fdata_vaddr = SECTION_ADDR,
	};
	struct gopclntab *g = NULL;
	struct gopclntab_frame fr[16];
	char err[256];
	size_t lookups = 0, runs = 0;

	if (gopclntab__parse(&in, &g, err, sizeof(err)))
		return;
	for (size_t i = 0; i < gopclntab__nfuncs(g) && lookups < MAX_LOOKUPS; i++) {
		struct gopclntab_func f;

		if (gopclntab__func(g, i, &f))
			continue;
		lookups += 3;
		(void)gopclntab__lookup(g, f.entry, fr, 16);
		(void)gopclntab__lookup(g, f.entry + (f.end - f.entry) / 2, fr, 16);
		(void)gopclntab__lookup(g, f.end - 1, fr, 16);
		(void)gopclntab__sp_runs(g, i, count_run, &runs);
	}
	gopclntab__free(g);
}

static void build_rows(const uint8_t *data, size_t size)
{
	struct unwind_table *t = NULL;
	size_t total;
	uint8_t *img;
	char err[256];

	img = elf_image__build(ET_EXEC, 1,
			       &(struct elf_image_section){.name = ".gopclntab",
							   .addr = SECTION_ADDR,
							   .flags = SHF_ALLOC,
							   .data = data,
							   .size = size},
			       &total);
	if (!img)
		return;
	if (unwind_table__build_mem(img, total, &t, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < t->nrows; i += 1 + t->nrows / 64)
			(void)unwind_table__find(t, t->rows[i].pc);
	}
	unwind_table__free(t);
	free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8 || size > (4u << 20))
		return 0;
	read_table(data, size);
	build_rows(data, size);
	return 0;
}
