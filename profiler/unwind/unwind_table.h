/* SPDX-License-Identifier: MIT */
/*
 * unwind_table.h - turn the CFI of an ELF file (.eh_frame, or .debug_frame
 * when that is all there is) into the compact sorted rows the BPF unwinder
 * searches (struct unwind_row, profile_abi.h). x86-64 only.
 *
 * Go functions no CFI describes get rows from the SP deltas of the Go
 * binary's .gopclntab (symbolizer/gopclntab.h), the same kind of rows.
 *
 * The parser is our own single pass over CIEs and FDEs: every size is
 * checked against the section, every loop is bounded, and rules we do not
 * evaluate in BPF become CFA_UNSUP rows instead of errors.
 */
#ifndef BPFPROF_UNWIND_TABLE_H
#define BPFPROF_UNWIND_TABLE_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "bpf/profile_abi.h"

/* Rows of one file at most; a bigger table is refused (-E2BIG). */
#define UNWIND_TABLE_MAX_ROWS (8u << 20)
#define UNWIND_MAX_SEGMENTS 16

/* An executable PT_LOAD segment: maps file offsets to virtual addresses. */
struct unwind_segment {
	uint64_t vaddr, offset, filesz;
};

struct unwind_table_stats {
	size_t fdes, cies;
	size_t unsupported_rows, plt_rows;
	size_t debug_frame_fdes; /* functions only .debug_frame describes */
	size_t go_funcs;         /* Go functions without CFI, from .gopclntab */
	size_t go_bad_funcs;     /* ... whose records or SP tables are bad */
};

struct unwind_table {
	struct unwind_row *rows; /* sorted by pc, no two consecutive equal rules */
	size_t nrows;
	struct unwind_segment segs[UNWIND_MAX_SEGMENTS];
	int nsegs;
	struct unwind_table_stats stats;
};

/* Build the table of the ELF file open on fd (not taken over), or of an ELF
 * image in memory (the vDSO). 0 or -errno with a reason in err; -ENOENT
 * when the file has no CFI at all. */
int unwind_table__build_fd(int fd, struct unwind_table **out, char *err, size_t errlen);
int unwind_table__build_mem(const void *image, size_t size, struct unwind_table **out, char *err,
			    size_t errlen);
void unwind_table__free(struct unwind_table *t);

/* The GNU build-id of the ELF file on fd, into out (at most max bytes).
 * Returns its length, or -errno (-ENOENT when it has none). */
#define UNWIND_BUILD_ID_MAX 64
int unwind_table__build_id(int fd, uint8_t *out, size_t max);

/* The row covering an ELF virtual address, or NULL. */
const struct unwind_row *unwind_table__find(const struct unwind_table *t, uint64_t vaddr);

/* Load bias of a mapping (start, file offset): process address - ELF
 * virtual address. -ENOENT when no executable segment holds pgoff. */
int unwind_table__bias(const struct unwind_table *t, uint64_t start, uint64_t pgoff,
		       uint64_t *bias);

/* Bytes the table takes in BPF maps. */
size_t unwind_table__bpf_bytes(const struct unwind_table *t);

#endif
