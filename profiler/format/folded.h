/* SPDX-License-Identifier: MIT */
/*
 * folded.h - the folded-stack text format of flamegraph.pl, inferno and
 * speedscope: "comm;root;...;leaf count" per line.
 *
 * Kernel frames end in _[k], inlined frames in _[i], JIT frames in _[j].
 * ';' inside a name becomes ':' and line breaks become spaces, so a line
 * always splits the same way.
 */
#ifndef BPFPROF_FOLDED_H
#define BPFPROF_FOLDED_H

#include <stdbool.h>
#include <stdio.h>

#include "format/profile.h"

struct folded_opts {
	bool lines; /* "func (file.c:42)" when the line is known */
};

/* Write p as folded stacks, lines merged and sorted. 0 or -errno. */
int folded__write(const struct profile *p, const struct folded_opts *opts, FILE *out);

#endif
