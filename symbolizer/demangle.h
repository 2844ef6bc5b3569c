/* SPDX-License-Identifier: MIT */
/*
 * demangle.h - C++, Rust (legacy and v0) and D names through libiberty's
 * cplus_demangle, the demangler binutils and gdb use.
 */
#ifndef BPFPROF_DEMANGLE_H
#define BPFPROF_DEMANGLE_H

/* A malloc'd readable name, or NULL when name is not mangled (or on error). */
char *demangle__name(const char *name);

#endif
