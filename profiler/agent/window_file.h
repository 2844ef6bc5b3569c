/* SPDX-License-Identifier: MIT */
/*
 * window_file.h - one window of the agent's history as a file: a symbolized
 * profile in a small line format, gzip-compressed.
 *
 *   bpfprof-window 1
 *   time START_NS DURATION_NS PERIOD_NS
 *   f KIND LINE ADDR_HEX<TAB>NAME<TAB>MODULE<TAB>FILE      (frames, numbered from 0)
 *   s PID TID COUNT<TAB>COMM<TAB>CGROUP<TAB>FRAME FRAME... (root first)
 *   end NSAMPLES TOTAL
 *
 * Empty MODULE/FILE/CGROUP mean unknown. Tabs and line breaks inside strings
 * are written as spaces. A file without its `end` line is rejected whole.
 */
#ifndef BPFPROF_WINDOW_FILE_H
#define BPFPROF_WINDOW_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "format/profile.h"

/* Which samples to keep when reading. Zero/NULL fields match everything. */
struct window_filter {
	uint32_t pid;
	const char *comm;
	const char *cgroup;
};

/* Bounds that keep a damaged or hostile file from costing unbounded memory. */
#define WINDOW_MAX_LINE (64 * 1024)
#define WINDOW_MAX_FRAMES (4u << 20)
#define WINDOW_MAX_DEPTH 2048

/* Write p to path (not atomically: the store renames). 0 or -errno. */
int window_file__write(const struct profile *p, const char *path, char *err, size_t errlen);

/* Add the samples of path that match f to into. *total (optional) gets the
 * number of samples added. 0 or -errno with "path:line: reason" in err. */
int window_file__read(const char *path, const struct window_filter *f, struct profile *into,
		      uint64_t *total, char *err, size_t errlen);

#endif
