/* SPDX-License-Identifier: MIT */
/*
 * dwarf_line.h - a bounded reader of one .debug_line program (DWARF 2-5).
 *
 * Produces what dwarf_index needs and nothing else: the unit's file names,
 * joined with their directories the way libdw joins them, and the rows
 * (address, file, line, end of sequence) sorted the way dwarf_getsrclines
 * sorts them. It is several times faster than dwarf_getsrclines because it
 * allocates two arrays instead of a node per row.
 *
 * Anything it does not handle exactly as libdw does (DW_LNE_define_file,
 * VLIW op_index, string forms that need other sections, a header libdw
 * would reject) makes it return -EINVAL: the caller then reads the unit
 * through libdw, so answers never depend on which reader ran.
 */
#ifndef BPFPROF_DWARF_LINE_H
#define BPFPROF_DWARF_LINE_H

#include <stddef.h>
#include <stdint.h>

/* Section bytes the reader may look at; a missing section is {NULL, 0}. */
struct dwarf_line_sections {
	const uint8_t *line, *line_str, *str;
	size_t line_size, line_str_size, str_size;
};

#define DWARF_LINE_END UINT32_MAX /* file of a row that ends a sequence */

struct dwarf_line_row {
	uint64_t addr;
	uint32_t file; /* index into files, DWARF_LINE_END ends a sequence */
	uint32_t line;
};

struct dwarf_line_prog {
	char **files; /* nfiles joined names (NULL entries possible), owned */
	size_t nfiles;
	struct dwarf_line_row *rows; /* sorted by address, as libdw sorts them */
	size_t nrows;
	size_t rows_cap; /* rows allocated (the buffer is reused by the next read) */
};

/*
 * Read the program at offset off of .debug_line for a unit with the given
 * address size and DW_AT_comp_dir (may be NULL). At most max_rows rows.
 * *out must be zeroed or hold a previous result: its row buffer is reused
 * (one array for every unit read, not a fresh one each time). 0, -EINVAL
 * (not handled: use libdw), -E2BIG or -ENOMEM; on error *out holds no rows
 * or files, only the buffer.
 */
int dwarf_line__read(const struct dwarf_line_sections *s, uint64_t off, unsigned address_size,
		     const char *comp_dir, size_t max_rows, struct dwarf_line_prog *out);
/* Drop files and rows, keep the row buffer for the next read. */
void dwarf_line_prog__reset(struct dwarf_line_prog *p);
/* Free everything (NULL-tolerant). */
void dwarf_line_prog__clear(struct dwarf_line_prog *p);

#endif
