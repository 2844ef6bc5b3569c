/* SPDX-License-Identifier: MIT */
/*
 * window_file.h - one window of the agent's history as a file: a symbolized
 * profile in a small line format, gzip-compressed.
 *
 *   bpfprof-window 2
 *   time START_NS DURATION_NS PERIOD_NS
 *   f KIND LINE ADDR_HEX<TAB>NAME<TAB>MODULE<TAB>FILE      (frames, numbered from 0)
 *   l SET KEY<TAB>VALUE              (label sets, numbered from 0; a set's
 *                                     labels on consecutive lines)
 *   s PID TID COUNT SET<TAB>COMM<TAB>CGROUP<TAB>FRAME FRAME... (root first;
 *                                     SET "-" when the sample has no labels)
 *   end NSAMPLES TOTAL
 *
 * Version 1 files (before labels: no l lines, no SET) are read as well.
 * Empty MODULE/FILE/CGROUP mean unknown. Tabs and line breaks inside strings
 * are written as spaces. A file is accepted whole or not at all: one time
 * line, the end line's counts equal to what the file holds, nothing after it,
 * a gzip stream without error.
 *
 * The files of the history directory are not trusted (anyone who can write
 * there can plant one): the reader bounds what a file may cost (compressed
 * and uncompressed bytes, frames, depth, samples) and the store opens only
 * regular files, never through a symlink (store.c).
 */
#ifndef BPFPROF_WINDOW_FILE_H
#define BPFPROF_WINDOW_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "common/bytebuf.h"
#include "format/profile.h"

/* Which samples to keep when reading. Zero/NULL fields match everything;
 * labels: each key must have the value (profile_sample__label's keys). */
struct window_filter {
	uint32_t pid;
	const char *comm;
	const char *cgroup;
	const struct profile_label *labels;
	size_t nlabels;
};

/* Bounds that keep a damaged or hostile file from costing unbounded memory
 * or time. The writer refuses a window over them (-EFBIG), so every file it
 * writes reads back. */
#define WINDOW_MAX_LINE (64 * 1024)
#define WINDOW_MAX_FRAMES (4u << 20)
#define WINDOW_MAX_DEPTH 2048
#define WINDOW_MAX_FILE (64ULL << 20)  /* compressed bytes on disk */
#define WINDOW_MAX_TEXT (512ULL << 20) /* uncompressed bytes */
/* Samples in one window: 10,000 Hz on 4,096 CPUs for an hour is 1.5e11. A
 * bound this far below 2^64 lets 2^24 windows be summed without wrapping. */
#define WINDOW_MAX_SAMPLES (1ULL << 40)
#define WINDOW_MAX_LABEL_SETS (1u << 20)

/* What a window file says of itself, from its time and end lines. */
struct window_info {
	uint64_t time_ns, duration_ns;
	uint64_t samples; /* the sum of its sample counts (the end line's TOTAL) */
};

/* p as a window file (gzip) appended to out. 0, -ENOMEM, or -EFBIG when the
 * text is over WINDOW_MAX_TEXT or the file over WINDOW_MAX_FILE. */
int window_file__encode(const struct profile *p, struct bytebuf *out, char *err, size_t errlen);

/*
 * Read the window file open at fd, from its current offset (fd stays open;
 * the caller bounds its size, see WINDOW_MAX_FILE). Adds the samples that
 * match f to into; into NULL only checks the file. info (optional) gets what
 * the file says of itself, *added (optional) the samples added. Nothing is
 * reported unless the whole file is valid, but into may have been changed.
 * 0 or -errno (-EINVAL for a bad file) with "name:line: reason" in err.
 */
int window_file__read(int fd, const char *name, const struct window_filter *f,
		      struct profile *into, struct window_info *info, uint64_t *added, char *err,
		      size_t errlen);

#endif
