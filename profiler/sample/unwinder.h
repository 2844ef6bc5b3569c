/* SPDX-License-Identifier: MIT */
/*
 * unwinder.h - feed the BPF unwinder: build unwind tables per file (cached by
 * device + inode, shared by every process mapping the file), place their
 * rows in the shared rows map, and publish each process's ranges.
 *
 * Everything is bounded and LRU by last use (a load touches the files and
 * tables of the process it loads): rows by the rows map, tables by the
 * tables map's size, file entries (failed files included) by twice that.
 * Past a bound the least recently used entry goes (its processes fall back
 * to frame pointers for those frames, and are reloaded on the next miss);
 * when every entry is in use by the load in progress the new file is
 * refused. Evictions and refusals are counted. A deleted file is forgotten
 * as soon as no process maps it (unwinder__forget_file).
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
	size_t files;          /* tables in the rows map */
	size_t files_failed;   /* cached files without usable CFI */
	size_t file_entries;   /* cached files, with a table or not */
	size_t max_files, max_tables;
	size_t procs;          /* processes published */
	uint64_t rows_used, rows_capacity;
	uint64_t tables_built, evictions, load_failures, ranges_dropped;
	uint64_t file_evictions;  /* file entries dropped for room (LRU) */
	uint64_t files_refused;   /* new files not cached: every entry in use */
	uint64_t files_forgotten; /* deleted files dropped once unmapped */
	uint64_t procs_refused;   /* processes not tracked: MAX_PROCS reached */
	uint64_t builds_deferred; /* loads that left never-seen files for later */
	uint64_t shared_by_build_id; /* files that reused another file's table */
	uint64_t go_funcs;     /* Go functions given rows from .gopclntab (no CFI) */
	uint64_t go_bad_funcs; /* ... whose records or SP tables were bad: no rows */
	uint64_t build_ns;     /* time spent building tables */
	uint64_t upload_ns;    /* time spent writing rows into the map */
};

int unwinder__new(const struct collector_unwind_maps *maps, struct unwinder **out);
void unwinder__free(struct unwinder *u);

/* Publish p's ranges from the tables cached, building the missing ones
 * for at most build_budget_ns (0: none, e.g. at exec; UNWIND_BUILD_ALL:
 * all). Files left unbuilt are deferred: the process is queued for
 * unwinder__take_pending. 0 when complete, 1 when some were deferred, or
 * -errno. */
#define UNWIND_BUILD_ALL UINT64_MAX
int unwinder__load_proc(struct unwinder *u, const struct proc *p, uint64_t build_budget_ns);

/* A sample of pid hit a pc outside its tables. Returns true when the caller
 * should reload the process now; false when it was reloaded very recently
 * (it is then remembered, see unwinder__take_pending). */
bool unwinder__on_miss(struct unwinder *u, uint32_t pid);

bool unwinder__has_pending(const struct unwinder *u);

/* Up to max pids whose reload is due: deferred builds at once, reloads
 * after a miss once their gap has passed. */
size_t unwinder__take_pending(struct unwinder *u, uint32_t *pids, size_t max);

/* The process exited: drop its ranges. */
void unwinder__forget(struct unwinder *u, uint32_t pid);

/* The file (device, inode) was deleted and no process maps it any more:
 * drop its entry and, with its last file, its table. */
void unwinder__forget_file(struct unwinder *u, uint64_t dev, uint64_t ino);

void unwinder__stats(const struct unwinder *u, struct unwinder_stats *st);

#endif
