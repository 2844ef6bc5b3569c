/* SPDX-License-Identifier: MIT */
/*
 * store.h - the agent's on-disk history: one gzip window file per drained
 * window in a folder, named START_MS-END_MS-SAMPLES.win.gz.
 *
 * Crash safety comes from the file system: a window is written to a
 * temporary name, fsync'ed, then renamed; a crash leaves at most a temporary
 * file, removed at the next open. Retention (age) and a disk budget remove
 * the oldest windows first. All functions are thread-safe.
 *
 * The folder holds the command lines and paths of every process: it is 0700
 * and its files 0600. It must be a directory of our own user (not a symlink,
 * not another user's: refused at open); group or other permissions left by an
 * older version are taken away. Its files are not trusted: a window counts
 * only when it is a regular file of ours (never through a symlink), under
 * WINDOW_MAX_FILE bytes, that reads back whole and agrees with its name.
 * The rest is left alone and counted (store_stats.ignored).
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

/* Why a window could not be written. */
enum store_write_error {
	STORE_WRITE_NO_SPACE,  /* ENOSPC, EDQUOT */
	STORE_WRITE_READ_ONLY, /* EROFS */
	STORE_WRITE_OTHER,
	STORE_WRITE_NR
};

/* Why a file named like a window is not part of the history. */
enum store_ignore {
	STORE_IGNORE_NOT_REGULAR, /* a symlink, directory, FIFO, socket or device */
	STORE_IGNORE_OWNER,	  /* owned by another user */
	STORE_IGNORE_TOO_BIG,	  /* over WINDOW_MAX_FILE bytes */
	STORE_IGNORE_INVALID,	  /* does not read back whole, or disagrees with its name */
	STORE_IGNORE_NR
};

struct store_stats {
	size_t windows;
	uint64_t bytes;
	uint64_t oldest_ms, newest_ms; /* start of the first, end of the last window */
	uint64_t written, removed, read_errors;
	uint64_t write_errors[STORE_WRITE_NR];
	/* files named like windows, left out: at open, and windows dropped from
	 * the history when a query found them changed */
	uint64_t ignored[STORE_IGNORE_NR];
	uint64_t cleaned_temp; /* temporary files of an interrupted write, removed at open */
	uint64_t tightened;    /* the folder and files whose mode lost group/other bits */
	/* with a push cursor set (store__set_push_cursor): windows, and their
	 * samples, that retention or the disk budget removed before they were
	 * pushed */
	uint64_t unpushed_removed, unpushed_removed_samples;
};

/* Open (creating) dir and index what is there. 0 or -errno with err. */
int store__open(const struct store_opts *opts, struct store **out, char *err, size_t errlen);
void store__close(struct store *s);

/* Append one window [start_ms, end_ms), then apply retention. */
int store__append(struct store *s, const struct profile *p, uint64_t start_ms, uint64_t end_ms,
		  char *err, size_t errlen);

/* Which of enum store_write_error an error of store__append is. */
enum store_write_error store__write_error(int err);

/*
 * Merge the windows that overlap [from_ms, to_ms) into `into` (strict: only
 * windows wholly inside). Unreadable windows are skipped and counted; one
 * that is no longer what was indexed leaves the history.
 * Returns the number of windows read, or -errno.
 */
int store__query(struct store *s, uint64_t from_ms, uint64_t to_ms, bool strict,
		 const struct window_filter *f, struct profile *into);

/* Samples per step over [from_ms, to_ms): counts[i] for i < n; each window's
 * samples (as its file says, checked at indexing) count in the step holding
 * its midpoint; sums saturate. Returns 0. */
int store__timeline(struct store *s, uint64_t from_ms, uint64_t step_ms, size_t n,
		    uint64_t *counts);

void store__stats(struct store *s, struct store_stats *st);

/* One window of the history, as indexed. */
struct store_window {
	uint64_t start_ms, end_ms, samples, bytes;
};

/* The first window that starts at or after from_ms: 0 with *w, -ENOENT when
 * there is none. *pending (optional): the bytes of that window and of every
 * later one (what a pusher still has to send). */
int store__next_window(struct store *s, uint64_t from_ms, struct store_window *w,
		       uint64_t *pending);

/* Everything before from_ms is pushed: from now on, retention that removes a
 * window starting at or after it counts it (unpushed_removed). */
void store__set_push_cursor(struct store *s, uint64_t from_ms);

#endif
