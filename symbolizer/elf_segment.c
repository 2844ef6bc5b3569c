// SPDX-License-Identifier: MIT
/*
 * elf_segment.c - PT_LOAD segments and their bytes in the file's image.
 */
#include "symbolizer/elf_segment.h"

#include <gelf.h>

size_t elf_segment__load(Elf *elf, struct elf_segment *out, size_t max)
{
	size_t nph = 0, fsize = 0, n = 0;
	const char *raw;

	if (!elf || elf_kind(elf) != ELF_K_ELF || elf_getphdrnum(elf, &nph))
		return 0;
	raw = elf_rawfile(elf, &fsize);
	if (!raw)
		return 0;
	for (size_t i = 0; i < nph && i < 256 && n < max; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (ph.p_offset > fsize || ph.p_filesz > fsize - ph.p_offset ||
		    ph.p_vaddr > UINT64_MAX - ph.p_memsz || ph.p_filesz > ph.p_memsz)
			continue;
		out[n++] = (struct elf_segment){
			.data = (const uint8_t *)raw + ph.p_offset,
			.size = ph.p_filesz,
			.vaddr = ph.p_vaddr,
			.memsz = ph.p_memsz,
			.flags = ph.p_flags,
		};
	}
	return n;
}

const struct elf_segment *elf_segment__at(const struct elf_segment *segs, size_t n,
					  uint64_t vaddr, uint32_t want, uint32_t refuse)
{
	for (size_t i = 0; i < n; i++) {
		const struct elf_segment *s = &segs[i];

		if ((s->flags & want) == want && !(s->flags & refuse) && vaddr >= s->vaddr &&
		    vaddr - s->vaddr < s->size)
			return s;
	}
	return NULL;
}
