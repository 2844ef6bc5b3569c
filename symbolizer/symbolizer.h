/* SPDX-License-Identifier: MIT */
/*
 * symbolizer.h - addresses to names: the one interface the profiler uses.
 *
 * User addresses come as (file, file offset) so the symbolizer knows nothing
 * about processes; the caller maps a process address to its file first.
 * Parsed files are cached by identity (device, inode), bounded, LRU-evicted.
 *
 * Strings in a result are owned by the symbolizer and valid until the next
 * call on the same symbolizer.
 */
#ifndef BPFPROF_SYMBOLIZER_H
#define BPFPROF_SYMBOLIZER_H

#include <stddef.h>
#include <stdint.h>

struct symbolizer;

struct symbolizer_opts {
	size_t max_files;          /* parsed files kept; 0 = default (256) */
	const char *kallsyms_path; /* NULL = /proc/kallsyms */
};

/* One file as a process maps it. */
struct sym_file {
	int fd;           /* open descriptor (not taken over), or -1 to open path */
	const char *path; /* the path the process sees; opened when fd < 0 */
	uint64_t dev, ino;
};

#define SYM_MAX_FRAMES 16

struct sym_frame {
	const char *name;
	const char *file; /* source file, or NULL */
	uint32_t line;    /* 0 when unknown */
	int inlined;      /* inlined into the next frame of the result */
};

struct sym_result {
	uint64_t vaddr;       /* address in the file's own terms (as addr2line takes) */
	const char *build_id; /* lower-case hex, or NULL */
	int nframes;          /* 0 when no function was found */
	struct sym_frame frames[SYM_MAX_FRAMES]; /* innermost first */
};

struct symbolizer_stats {
	uint64_t cache_hits, cache_misses, evictions;
	uint64_t open_errors; /* files that could not be read or parsed */
	size_t files_cached;
};

int symbolizer__new(const struct symbolizer_opts *opts, struct symbolizer **out);
void symbolizer__free(struct symbolizer *s);

/*
 * Resolve the code at file_offset in f. Returns 0 (out->nframes may be 0 when
 * no symbol covers it), or -errno when the file cannot be read; out->vaddr is
 * always set (to the offset itself when the file is unreadable).
 */
int symbolizer__user(struct symbolizer *s, const struct sym_file *f, uint64_t file_offset,
		     struct sym_result *out);

/* Resolve a kernel address; *module is NULL for the core kernel. 0 or -errno. */
int symbolizer__kernel(struct symbolizer *s, uint64_t addr, struct sym_result *out,
		       const char **module);

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *st);

#endif
