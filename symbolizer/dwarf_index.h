/* SPDX-License-Identifier: MIT */
/*
 * dwarf_index.h - address -> (function, file:line, inline chain) tables
 * built from one file's DWARF with libdw, then binary-searched.
 *
 * libdw answers one address at a time by walking DIEs (dwarf_getscopes),
 * which costs a scan of the compile unit per address. We read each compile
 * unit once, on the first address that falls into it, into sorted flat
 * arrays: non-overlapping code ranges that point at their innermost function
 * or inlined call, and the line table. Later lookups are two binary searches.
 *
 * Strings in results point into the file's mapped DWARF sections, valid
 * until dwarf_index__free().
 */
#ifndef BPFPROF_DWARF_INDEX_H
#define BPFPROF_DWARF_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct dwarf_index;

/* Bounds against hostile files (per compile unit / per file). */
#define DWARF_INDEX_MAX_CUS (1u << 20)
#define DWARF_INDEX_MAX_DIES (1u << 24)
#define DWARF_INDEX_MAX_ROWS (1u << 24)
#define DWARF_INDEX_MAX_DEPTH 64

struct dwarf_frame {
	const char *name; /* linkage name when present, else DW_AT_name; NULL if none */
	const char *file;
	uint32_t line;
	int inlined;
};

/*
 * Open the DWARF of the ELF file on fd (the descriptor is only used during
 * the call). 0, -ENODATA when the file has no DWARF, or -errno.
 */
int dwarf_index__open_fd(int fd, struct dwarf_index **out, char *err, size_t errlen);
void dwarf_index__free(struct dwarf_index *x);

/*
 * Frames at vaddr, innermost first, at most max. Returns the number of frames
 * (0 when no compile unit covers vaddr). A frame's name is NULL when the DWARF
 * names no function there; the caller falls back to the symbol table.
 */
int dwarf_index__lookup(struct dwarf_index *x, uint64_t vaddr, struct dwarf_frame *frames,
			int max);

#define DWARF_INDEX_MAX_THREADS 16

/* Where a caller's last lookup ended: lookups in address order start there. */
struct dwarf_cursor {
	const void *unit;
	size_t row_hint, seg_hint;
};

/*
 * dwarf_index__lookup for units already read (dwarf_index__prefetch), and
 * nothing else: it reads no unit (a unit not read gives 0 frames) and
 * writes only *cur, so threads may call it at once, each with its cursor.
 */
int dwarf_index__lookup_read(const struct dwarf_index *x, uint64_t vaddr,
			     struct dwarf_cursor *cur, struct dwarf_frame *frames, int max);

/*
 * Read the units that the lookups of these addresses need, on up to nthreads
 * threads (this one included), before they are looked up: a batch
 * symbolizer knows them all beforehand. Answers are the same with or
 * without it. 0 or -ENOMEM.
 */
int dwarf_index__prefetch(struct dwarf_index *x, const uint64_t *vaddrs, size_t n,
			  int nthreads);

/* Bytes held by the built tables (grows as compile units are read). */
size_t dwarf_index__memory(const struct dwarf_index *x);

#endif
