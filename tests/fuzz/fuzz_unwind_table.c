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
#include "unwind/unwind_table.h"

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECTION_ADDR 0x2000

static const char shstr[] = "\0.eh_frame\0.shstrtab\0.debug_frame";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t body, shoff, total;
	struct unwind_table *t = NULL;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;
	Elf64_Shdr *sh;
	uint8_t *img;
	char err[256];
	int debug;

	if (size < 1 || size > (1u << 20))
		return 0;
	debug = data[0] & 1;
	body = size - 1;
	/* header, one program header, the section bytes, the names, 3 headers */
	shoff = (sizeof(*eh) + sizeof(*ph) + body + sizeof(shstr) + 7) & ~(size_t)7;
	total = shoff + 3 * sizeof(*sh);
	img = calloc(1, total);
	if (!img)
		return 0;
	eh = (Elf64_Ehdr *)img;
	ph = (Elf64_Phdr *)(img + sizeof(*eh));
	sh = (Elf64_Shdr *)(img + shoff);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = ET_DYN;
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
	memcpy(img + sizeof(*eh) + sizeof(*ph), data + 1, body);
	memcpy(img + sizeof(*eh) + sizeof(*ph) + body, shstr, sizeof(shstr));
	sh[1].sh_name = debug ? 21 : 1;
	sh[1].sh_type = SHT_PROGBITS;
	sh[1].sh_addr = debug ? 0 : SECTION_ADDR;
	sh[1].sh_offset = sizeof(*eh) + sizeof(*ph);
	sh[1].sh_size = body;
	sh[2].sh_name = 11;
	sh[2].sh_type = SHT_STRTAB;
	sh[2].sh_offset = sizeof(*eh) + sizeof(*ph) + body;
	sh[2].sh_size = sizeof(shstr);

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
