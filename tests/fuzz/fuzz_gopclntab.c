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
#include "unwind/unwind_table.h"

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECTION_ADDR 0x10000
#define MAX_LOOKUPS 4096

static const char shstr[] = "\0.gopclntab\0.shstrtab";

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
	size_t shoff, total;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	Elf64_Shdr *sh;
	uint8_t *img;
	char err[256];

	shoff = (sizeof(*eh) + sizeof(*ph) + size + sizeof(shstr) + 7) & ~(size_t)7;
	total = shoff + 3 * sizeof(*sh);
	img = calloc(1, total);
	if (!img)
		return;
	eh = (Elf64_Ehdr *)img;
	ph = (Elf64_Phdr *)(img + sizeof(*eh));
	sh = (Elf64_Shdr *)(img + shoff);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_EXEC;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(*eh);
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = 1;
	eh->e_shoff = shoff;
	eh->e_shentsize = sizeof(*sh);
	eh->e_shnum = 3;
	eh->e_shstrndx = 2;
	ph->p_type = PT_LOAD;
	ph->p_flags = PF_R | PF_X;
	ph->p_vaddr = 0x1000;
	ph->p_offset = 0x1000;
	ph->p_filesz = 0x10000;
	memcpy(img + sizeof(*eh) + sizeof(*ph), data, size);
	memcpy(img + sizeof(*eh) + sizeof(*ph) + size, shstr, sizeof(shstr));
	sh[1].sh_name = 1;
	sh[1].sh_type = SHT_PROGBITS;
	sh[1].sh_flags = SHF_ALLOC;
	sh[1].sh_addr = SECTION_ADDR;
	sh[1].sh_offset = sizeof(*eh) + sizeof(*ph);
	sh[1].sh_size = size;
	sh[2].sh_name = 12;
	sh[2].sh_type = SHT_STRTAB;
	sh[2].sh_offset = sizeof(*eh) + sizeof(*ph) + size;
	sh[2].sh_size = sizeof(shstr);
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
