/* SPDX-License-Identifier: MIT */
/*
 * store.h - the agent's on-disk history: one gzip window file per drained
 * window in a folder, named START_MS-END_MS-SAMPLES.win.gz.
 *
 * Crash safety comes from the file system: a window is written to a
 * temporary name, fsync'ed, then renamed; a crash leaves at most a temporary
 * file, removed at the next open. Retention (age) and a disk budget remove
 * the oldest windows first. All functions are thread-safe.
 */
#ifndef BPFPROF_STORE_H
#define BPFPROF_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/profile.h"
#include "agent/window_file.h"

struct store;

struct store_opts {
	const char *dir;
	uint64_t retention_ms; /* 0 = keep forever */
	uint64_t max_bytes;    /* 0 = no budget */
};

struct store_stats {
	size_t windows;
	uint64_t bytes;
	uint64_t oldest_ms, newest_ms; /* start of the first, end of the last window */
	uint64_t written, removed, write_errors, read_errors;
	uint64_t cleaned_temp; /* temporary files of an interrupted write, removed at open */
};

/* Open (creating) dir and index what is there. 0 or -errno with err. */
int store__open(const struct store_opts *opts, struct store **out, char *err, size_t errlen);
void store__close(struct store *s);

/* Append one window [start_ms, end_ms), then apply retention. */
int store__append(struct store *s, const struct profile *p, uint64_t start_ms, uint64_t end_ms,
		  char *err, size_t errlen);

/*
 * Merge the windows that overlap [from_ms, to_ms) into `into` (strict: only
 * windows wholly inside). Unreadable windows are skipped and counted.
 * Returns the number of windows read, or -errno.
 */
int store__query(struct store *s, uint64_t from_ms, uint64_t to_ms, bool strict,
		 const struct window_filter *f, struct profile *into);

/* Samples per step over [from_ms, to_ms): counts[i] for i < n; each window's
 * samples count in the step holding its midpoint. Returns 0. */
int store__timeline(struct store *s, uint64_t from_ms, uint64_t step_ms, size_t n,
		    uint64_t *counts);

void store__stats(struct store *s, struct store_stats *st);

#endif
