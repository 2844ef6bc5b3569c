// SPDX-License-Identifier: MIT
/*
 * fuzz_gopclntab.c - libFuzzer target for our reader of Go's function table
 * (symbolizer/gopclntab.c) and the unwind rows built from its SP deltas
 * (profiler/unwind/unwind_table.c). The input is the content of a
 * .gopclntab section. It is read three times: as a table in memory (the
 * input is its funcdata area too, so inline trees are read from fuzzer
 * bytes) with lookups at every function's entry, middle and end; placed in
 * a minimal ELF image (no CFI) whose unwind table is built from it; and
 * placed in an image without section headers, in a read-only and a
 * writable segment, where the table is searched for by its header (the
 * moduledata too, in the fuzzer's bytes), looked up and turned into rows.
 * Seeds are the section of the Go workloads (test_fuzz.sh).
 *
 *   make -C tests fuzz && tests/build/fuzz/fuzz_gopclntab -max_total_time=60 DIR
 */
#include "symbolizer/gopclntab.h"
#include "tests/elf_image.h"
#include "unwind/unwind_table.h"

#include <elf.h>
#include <libelf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECTION_ADDR 0x10000
#define RW_ADDR 0x20000000
#define MAX_LOOKUPS 4096

static int count_run(void *ctx, uint64_t start, uint64_t end, int32_t delta)
{
	(void)start, (void)end, (void)delta;
	return ++*(size_t *)ctx > 100000;
}

/* Lookups at the entry, middle and end of functions (bounded), and their
 * SP-delta runs. */
static void lookups(const struct gopclntab *g)
{
	struct gopclntab_frame fr[16];
	size_t n = 0, runs = 0;

	for (size_t i = 0; i < gopclntab__nfuncs(g) && n < MAX_LOOKUPS; i++) {
		struct gopclntab_func f;

		if (gopclntab__func(g, i, &f))
			continue;
		n += 3;
		(void)gopclntab__lookup(g, f.entry, fr, 16);
		(void)gopclntab__lookup(g, f.entry + (f.end - f.entry) / 2, fr, 16);
		(void)gopclntab__lookup(g, f.end - 1, fr, 16);
		(void)gopclntab__sp_runs(g, i, count_run, &runs);
	}
}

static void read_table(const uint8_t *data, size_t size)
{
	struct gopclntab_input in = {
		.pcln = data, .pcln_size = size, .pcln_vaddr = SECTION_ADDR,
		.text_vaddr = 0x1000, .fdata = data, .fdata_size = size, .fdata_vaddr = SECTION_ADDR,
	};
	struct gopclntab *g = NULL;
	char err[256];

	if (gopclntab__parse(&in, &g, err, sizeof(err)))
		return;
	lookups(g);
	gopclntab__free(g);
}

/* The unwind table of an ELF image, and a few lookups in it. */
static void rows_of(const uint8_t *img, size_t total)
{
	struct unwind_table *t = NULL;
	char err[256];

	if (unwind_table__build_mem(img, total, &t, err, sizeof(err)) == 0) {
		for (size_t i = 0; i < t->nrows; i += 1 + t->nrows / 64)
			(void)unwind_table__find(t, t->rows[i].pc);
	}
	unwind_table__free(t);
}

static void build_rows(const uint8_t *data, size_t size)
{
	size_t total;
	uint8_t *img;

	img = elf_image__build(ET_EXEC, 1,
			       &(struct elf_image_section){.name = ".gopclntab",
							   .addr = SECTION_ADDR,
							   .flags = SHF_ALLOC,
							   .data = data,
							   .size = size},
			       &total);
	if (!img)
		return;
	rows_of(img, total);
	free(img);
}

/* Without section headers: the text of the Go workloads' tables (from
 * 0x401000) in the executable segment, the input read-only and, aliased,
 * writable. */
static void search_table(const uint8_t *data, size_t size)
{
	struct gopclntab *g = NULL;
	size_t total;
	uint8_t *img = elf_image__build_noshdr(data, size, 0x400000, 0x100000, SECTION_ADDR,
					       RW_ADDR, &total);
	Elf *elf;

	if (!img)
		return;
	elf_version(EV_CURRENT);
	elf = elf_memory((char *)img, total);
	if (elf && gopclntab__open_elf(elf, &g, NULL, 0) == 0)
		lookups(g);
	gopclntab__free(g);
	elf_end(elf);
	rows_of(img, total);
	free(img);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 8 || size > (4u << 20))
		return 0;
	read_table(data, size);
	build_rows(data, size);
	search_table(data, size);
	return 0;
}
