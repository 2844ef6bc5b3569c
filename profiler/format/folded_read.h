/* SPDX-License-Identifier: MIT */
/*
 * folded_read.h - read folded stacks ("comm;root;...;leaf count" per line,
 * as folded.h writes them and flamegraph.pl reads them) into a profile.
 *
 * The first element of a line is the process name (comm). Suffixes _[k],
 * _[i] and _[j] give the frame kind; "func (file.c:42)" gives a file and line.
 * Blank lines and lines starting with '#' are skipped.
 */
#ifndef BPFPROF_FOLDED_READ_H
#define BPFPROF_FOLDED_READ_H

#include <stddef.h>

#include "format/profile.h"

/* Most frames on one line; a longer stack is an error, not a cut. */
#define FOLDED_MAX_FRAMES 4096

/*
 * Parse len bytes of folded text into p (samples add up). Untrusted input:
 * a bad line gives -EINVAL and "line N: reason" in err; nothing is read past
 * len and nothing is assumed NUL-terminated.
 */
int folded__read(const char *data, size_t len, struct profile *p, char *err, size_t errlen);

#endif
