// SPDX-License-Identifier: MIT
/*
 * elf_note.c - find the GNU build-id note (see elf_note.h).
 */
#include "symbolizer/elf_note.h"

#include <errno.h>
#include <gelf.h>
#include <string.h>

/* PT_NOTE program headers looked at, at most. */
#define MAX_NOTE_PHDRS 256

/* The GNU build-id in one block of notes. Its length, or -ENOENT. */
static int find_in(Elf_Data *d, uint8_t *out, size_t max)
{
	size_t off = 0, name_off, desc_off;
	GElf_Nhdr nh;

	/* gelf_getnote bounds each note by d and returns 0 at the end or on a
	 * note that does not fit; the checks below do not rely on that */
	while ((off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		if (name_off > d->d_size || d->d_size - name_off < nh.n_namesz ||
		    desc_off > d->d_size || d->d_size - desc_off < nh.n_descsz)
			break;
		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((const char *)d->d_buf + name_off, "GNU", 4))
			continue;
		if (nh.n_descsz == 0 || nh.n_descsz > max)
			continue; /* unusable: another one may follow */
		memcpy(out, (const char *)d->d_buf + desc_off, nh.n_descsz);
		return (int)nh.n_descsz;
	}
	return -ENOENT;
}

static int in_sections(Elf *elf, uint8_t *out, size_t max)
{
	Elf_Scn *scn = NULL;
	int ret = -ENOENT;

	while (ret == -ENOENT && (scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_NOTE)
			continue;
		d = elf_getdata(scn, NULL);
		if (d && d->d_buf)
			ret = find_in(d, out, max);
	}
	return ret;
}

static int in_segments(Elf *elf, uint8_t *out, size_t max)
{
	size_t nph;
	int ret = -ENOENT;

	if (elf_getphdrnum(elf, &nph))
		return -EINVAL;
	for (size_t i = 0; i < nph && i < MAX_NOTE_PHDRS && ret == -ENOENT; i++) {
		GElf_Phdr ph;
		Elf_Data *d;

		if (!gelf_getphdr(elf, (int)i, &ph) || ph.p_type != PT_NOTE)
			continue;
		/* libelf checks the chunk against the file */
		d = elf_getdata_rawchunk(elf, (int64_t)ph.p_offset, ph.p_filesz, ELF_T_NHDR);
		if (d && d->d_buf)
			ret = find_in(d, out, max);
	}
	return ret;
}

int elf_note__build_id(Elf *elf, enum elf_note_where where, uint8_t *out, size_t max)
{
	if (!elf || elf_kind(elf) != ELF_K_ELF)
		return -EINVAL;
	return where == ELF_NOTE_SEGMENTS ? in_segments(elf, out, max) : in_sections(elf, out, max);
}
