/* SPDX-License-Identifier: MIT */
/*
 * dwarf_die.h - a bounded walk over one compile unit's DIEs for functions
 * and inlined calls, reading .debug_info/.debug_abbrev directly.
 *
 * It visits the same DIEs in the same order as dwarf_index's libdw walk
 * (functions, inlined calls and lexical blocks inside them; namespaces,
 * classes and modules outside them) and resolves names and code ranges the
 * way libdw does (linkage name, then name, through abstract origins and
 * specifications; low/high pc, then DW_AT_ranges). Anything it does not
 * handle (split DWARF forms, references out of the unit, DW_FORM_indirect,
 * malformed data) makes it return -EINVAL, and the caller walks the unit
 * with libdw instead.
 */
#ifndef BPFPROF_DWARF_DIE_H
#define BPFPROF_DWARF_DIE_H

#include <dwarf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dwarf_die_sections {
	const uint8_t *info, *abbrev, *ranges, *rnglists, *str, *line_str;
	size_t info_size, abbrev_size, ranges_size, rnglists_size, str_size, line_str_size;
};

/* The unit, as libdw describes it. */
struct dwarf_die_unit {
	uint64_t die_off; /* offset of the unit DIE in .debug_info */
	uint64_t abbrev_off;
	uint64_t base; /* the unit's base address (its DW_AT_low_pc) */
	unsigned version, address_size, offset_size;
};

/* A function (inlined 0) or inlined call (1) with code. */
struct dwarf_die_scope {
	const char *name; /* NULL when the DIEs name none */
	const uint64_t (*ranges)[2]; /* [lo, hi) pairs as read (empty ones included) */
	size_t nranges;
	uint32_t depth, parent; /* parent: the caller's index for the enclosing scope */
	int inlined;
	int has_call_file, has_call_line;
	uint64_t call_file, call_line;
};

/* Whether a walk enters the children of a DIE that is neither a function
 * nor an inlined call: lexical blocks inside a function; namespaces, classes,
 * structures, unions and modules outside one. Both walks ask this, so they
 * visit the same DIEs. */
static inline bool dwarf_die__enters(unsigned tag, bool in_function)
{
	switch (tag) {
	case DW_TAG_lexical_block:
		return in_function;
	case DW_TAG_namespace:
	case DW_TAG_class_type:
	case DW_TAG_structure_type:
	case DW_TAG_union_type:
	case DW_TAG_module:
		return !in_function;
	default:
		return false;
	}
}

/*
 * add() is called for every function or inlined call in walk order; it
 * stores *idx (UINT32_MAX when the scope has no code) or returns -errno.
 * Returns 0, -EINVAL (use libdw), -E2BIG (too many DIEs: what was added
 * stands, as with libdw) or add()'s error.
 */
int dwarf_die__walk(const struct dwarf_die_sections *s, const struct dwarf_die_unit *u,
		    size_t max_dies, unsigned max_depth,
		    int (*add)(void *ctx, const struct dwarf_die_scope *sc, uint32_t *idx),
		    void *ctx);

#endif
