/* SPDX-License-Identifier: MIT */
/*
 * elf_note.h - the GNU build-id note (NT_GNU_BUILD_ID, name "GNU") of an ELF
 * file open in libelf: the one reader behind elf_symtab (the symbolizer's
 * cache key) and unwind_table__build_id (the unwinder's table sharing).
 * Every note's name and descriptor are checked against the data they sit in.
 */
#ifndef BPFPROF_ELF_NOTE_H
#define BPFPROF_ELF_NOTE_H

#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

/* Where to look for notes. */
enum elf_note_where {
	ELF_NOTE_SECTIONS, /* SHT_NOTE sections (also in separate debug files) */
	ELF_NOTE_SEGMENTS, /* PT_NOTE program headers (the first 256): what is
			    * loaded, there when section headers are stripped */
};

/* The first GNU build-id of elf that fits, its bytes into out[0..max).
 * Returns its length (1..max); -ENOENT when there is none that fits
 * (empty or longer than max ones are skipped); -EINVAL when elf is not an
 * ELF file or its program headers are unreadable. */
int elf_note__build_id(Elf *elf, enum elf_note_where where, uint8_t *out, size_t max);

#endif
