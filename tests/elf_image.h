/* SPDX-License-Identifier: MIT */
/*
 * elf_image.h - a minimal x86-64 ELF image in memory, for the tests and
 * fuzzers of the table readers: one section of the caller's bytes (then
 * .shstrtab), and optionally one r-x PT_LOAD segment at 0x1000, so that every
 * byte a reader parses is the test's; or an image without section headers
 * (only segments, as sstrip leaves a file), and the stripping of a real
 * file's section headers.
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

/* Remove the section headers of the ELF image img (size bytes), as sstrip
 * or a damaged file leaves them: e_shoff, e_shnum and e_shstrndx 0. */
static inline int elf_image__strip_sections(uint8_t *img, size_t size)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return -1;
	eh->e_shoff = 0;
	eh->e_shnum = 0;
	eh->e_shstrndx = 0;
	return 0;
}

/* An image without section headers: PT_LOAD segments only, r-x at
 * text_vaddr (memsz text_size, over the headers' bytes), r-- at data_vaddr
 * and rw- at rw_vaddr, both over the caller's bytes. NULL without memory. */
static inline uint8_t *elf_image__build_noshdr(const void *data, size_t size,
					       uint64_t text_vaddr, uint64_t text_size,
					       uint64_t data_vaddr, uint64_t rw_vaddr,
					       size_t *total)
{
	size_t data_off = sizeof(Elf64_Ehdr) + 3 * sizeof(Elf64_Phdr);
	uint8_t *img;
	Elf64_Ehdr *eh;
	Elf64_Phdr *ph;

	*total = data_off + size;
	img = calloc(1, *total);
	if (!img)
		return NULL;
	eh = (Elf64_Ehdr *)img;
	ph = (Elf64_Phdr *)(img + sizeof(*eh));
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
	eh->e_phnum = 3;
	ph[0] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_vaddr = text_vaddr,
			     .p_filesz = data_off, .p_memsz = text_size > data_off ? text_size
									     : data_off};
	ph[1] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R, .p_offset = data_off,
			     .p_vaddr = data_vaddr, .p_filesz = size, .p_memsz = size};
	ph[2] = (Elf64_Phdr){.p_type = PT_LOAD, .p_flags = PF_R | PF_W, .p_offset = data_off,
			     .p_vaddr = rw_vaddr, .p_filesz = size, .p_memsz = size};
	if (size)
		memcpy(img + data_off, data, size);
	return img;
}

#endif
