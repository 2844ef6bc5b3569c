/* SPDX-License-Identifier: MIT */
/*
 * elf_image.h - a minimal x86-64 ELF image in memory, for the tests and
 * fuzzers of the table readers: one section of the caller's bytes (then
 * .shstrtab), and optionally one r-x PT_LOAD segment at 0x1000, so that every
 * byte a reader parses is the test's.
 */
#ifndef BPFPROF_TESTS_ELF_IMAGE_H
#define BPFPROF_TESTS_ELF_IMAGE_H

#include <elf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct elf_image_section {
	const char *name; /* ".eh_frame", ".gopclntab"... */
	uint64_t addr;    /* sh_addr */
	uint64_t flags;   /* sh_flags */
	const void *data;
	size_t size;
};

/* The image (calloc'ed; *total its size), or NULL without memory. */
static inline uint8_t *elf_image__build(uint16_t e_type, int with_segment,
					const struct elf_image_section *s, size_t *total)
{
	size_t nlen = strlen(s->name), strsz = 1 + nlen + 1 + sizeof(".shstrtab");
	size_t phsz = with_segment ? sizeof(Elf64_Phdr) : 0;
	size_t data_off = sizeof(Elf64_Ehdr) + phsz, str_off = data_off + s->size;
	size_t shoff = (str_off + strsz + 7) & ~(size_t)7;
	uint8_t *img;
	Elf64_Ehdr *eh;
	Elf64_Shdr *sh;

	*total = shoff + 3 * sizeof(Elf64_Shdr);
	img = calloc(1, *total);
	if (!img)
		return NULL;
	eh = (Elf64_Ehdr *)img;
	sh = (Elf64_Shdr *)(img + shoff);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_ident[EI_VERSION] = EV_CURRENT;
	eh->e_type = e_type;
	eh->e_machine = EM_X86_64;
	eh->e_version = EV_CURRENT;
	eh->e_ehsize = sizeof(*eh);
	eh->e_shoff = shoff;
	eh->e_shentsize = sizeof(*sh);
	eh->e_shnum = 3;
	eh->e_shstrndx = 2;
	if (with_segment) {
		Elf64_Phdr *ph = (Elf64_Phdr *)(img + sizeof(*eh));

		eh->e_phoff = sizeof(*eh);
		eh->e_phentsize = sizeof(*ph);
		eh->e_phnum = 1;
		ph->p_type = PT_LOAD;
		ph->p_flags = PF_R | PF_X;
		ph->p_vaddr = 0x1000;
		ph->p_offset = 0x1000;
		ph->p_filesz = 0x10000;
	}
	if (s->size)
		memcpy(img + data_off, s->data, s->size);
	/* "\0NAME\0.shstrtab\0" */
	memcpy(img + str_off + 1, s->name, nlen);
	memcpy(img + str_off + 1 + nlen + 1, ".shstrtab", sizeof(".shstrtab"));
	sh[1] = (Elf64_Shdr){.sh_name = 1, .sh_type = SHT_PROGBITS, .sh_flags = s->flags,
			     .sh_addr = s->addr, .sh_offset = data_off, .sh_size = s->size};
	sh[2] = (Elf64_Shdr){.sh_name = (uint32_t)(1 + nlen + 1), .sh_type = SHT_STRTAB,
			     .sh_offset = str_off, .sh_size = strsz};
	return img;
}

#endif
