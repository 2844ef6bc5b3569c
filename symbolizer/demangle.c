// SPDX-License-Identifier: MIT
/*
 * demangle.c - wrapper around libiberty's cplus_demangle. Kept in its own
 * file: libiberty's headers declare names (basename) that clash with glibc's.
 */
#include "symbolizer/demangle.h"

#include <libiberty/demangle.h>
#include <stddef.h>

char *demangle__name(const char *name)
{
	/* only the prefixes a demangler understands: _Z (Itanium C++, legacy
	 * Rust), _R (Rust v0), _D (D); plain C names skip the call */
	if (!name || name[0] != '_' || (name[1] != 'Z' && name[1] != 'R' && name[1] != 'D'))
		return NULL;
	return cplus_demangle(name, DMGL_PARAMS | DMGL_ANSI | DMGL_AUTO);
}
