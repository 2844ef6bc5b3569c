/* SPDX-License-Identifier: MIT */
/*
 * elf_segment.h - the PT_LOAD segments of an ELF file open in libelf, with
 * their bytes read in place from the file's image (elf_rawfile), each
 * checked against the file's size: what a reader has when the section
 * headers are gone (sstrip, packers, an e_shoff that points nowhere).
 */
#ifndef BPFPROF_ELF_SEGMENT_H
#define BPFPROF_ELF_SEGMENT_H

#include <libelf.h>
#include <stddef.h>
#include <stdint.h>

#define ELF_SEGMENT_MAX 16 /* PT_LOAD headers read at most */

struct elf_segment {
	const uint8_t *data; /* the file bytes: p_filesz of them */
	size_t size;
	uint64_t vaddr, memsz;
	uint32_t flags; /* PF_R, PF_W, PF_X */
};

/* The PT_LOAD segments of elf, in header order, at most max; one whose
 * bytes run past the end of the file is left out. Their number. */
size_t elf_segment__load(Elf *elf, struct elf_segment *out, size_t max);

/* The segment of segs[0, n) whose file bytes hold vaddr and whose flags
 * include all of want and none of refuse, or NULL. */
const struct elf_segment *elf_segment__at(const struct elf_segment *segs, size_t n,
					  uint64_t vaddr, uint32_t want, uint32_t refuse);

#endif
