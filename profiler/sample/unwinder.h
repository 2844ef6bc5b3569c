/* SPDX-License-Identifier: MIT */
/*
 * unwinder.h - feed the BPF unwinder: build unwind tables per file (cached by
 * device + inode, shared by every process mapping the file), place their
 * rows in the shared rows map, and publish each process's ranges.
 *
 * Memory is bounded by the rows map: when a new table does not fit, the
 * least recently used tables are evicted (their processes then fall back to
 * frame pointers for those frames, and are reloaded on the next miss).
 */
#ifndef BPFPROF_UNWINDER_H
#define BPFPROF_UNWINDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample/collector.h"
#include "sample/proc.h"

struct unwinder;

struct unwinder_stats {
	size_t files;          /* files with a table in the rows map */
	size_t files_failed;   /* files without usable CFI */
	size_t procs;          /* processes published */
	uint64_t rows_used, rows_capacity;
	uint64_t tables_built, evictions, load_failures, ranges_dropped;
	uint64_t shared_by_build_id; /* files that reused another file's table */
	uint64_t build_ns;     /* time spent building tables */
	uint64_t upload_ns;    /* time spent writing rows into the map */
};

int unwinder__new(const struct collector_unwind_maps *maps, struct unwinder **out);
void unwinder__free(struct unwinder *u);

/* Build what is missing and publish p's ranges. 0 or -errno. */
int unwinder__load_proc(struct unwinder *u, const struct proc *p);

/* A sample of pid hit a pc outside its tables. Returns true when the caller
 * should reload the process now; false when it was reloaded very recently
 * (it is then remembered, see unwinder__take_pending). */
bool unwinder__on_miss(struct unwinder *u, uint32_t pid);

bool unwinder__has_pending(const struct unwinder *u);

/* Up to max pids whose reload was deferred and is now due. */
size_t unwinder__take_pending(struct unwinder *u, uint32_t *pids, size_t max);

/* The process exited: drop its ranges. */
void unwinder__forget(struct unwinder *u, uint32_t pid);

void unwinder__stats(const struct unwinder *u, struct unwinder_stats *st);

#endif
