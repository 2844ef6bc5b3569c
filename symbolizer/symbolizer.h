/* SPDX-License-Identifier: MIT */
/*
 * symbolizer.h - addresses to names: the one interface the profiler uses.
 *
 * User addresses come as (file, file offset) so the symbolizer knows nothing
 * about processes; the caller maps a process address to its file first.
 * Names come from DWARF (function, file:line, inlined calls; found in the
 * binary, through .gnu_debuglink, the build-id folder or debuginfod), else
 * from a Go binary's .gopclntab (the same, stripped Go binaries included),
 * else from .symtab/.dynsym. C++/Rust names are demangled.
 *
 * Parsed files are shared by build-id (device+inode+mtime without one):
 * every process mapping the same library uses one parsed copy. The cache is
 * bounded in files and bytes and evicts the least recently used.
 *
 * Strings in a result are owned by the symbolizer and valid until the next
 * call on the same symbolizer.
 */
#ifndef BPFPROF_SYMBOLIZER_H
#define BPFPROF_SYMBOLIZER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/root_open.h"

/*
 * Binaries and debug files read on behalf of a process are regular files of
 * at most this size (mapped, not read, but a debuglink's CRC reads the whole
 * candidate): the biggest debug files seen (browsers) are a few GB.
 */
#define SYMBOLIZER_MAX_FILE_SIZE (4ull << 30)

struct symbolizer;

struct symbolizer_opts {
	size_t max_files;          /* parsed files kept; 0 = default (256) */
	size_t max_bytes;          /* memory of parsed tables; 0 = default (512 MB) */
	const char *kallsyms_path; /* NULL = /proc/kallsyms */
	const char *debug_root;    /* NULL = /usr/lib/debug */
	const char *perfmap_dir;   /* where perf-PID.map files are; NULL = /tmp */
	size_t max_perfmap_bytes;  /* parsed perf maps held at once; 0 = default (256 MB) */
	int no_dwarf;              /* symbol tables only */
	int no_lines;              /* symbol tables, separate debug files' included, but no
				    * DWARF line/inline index: names at a fraction of the memory */
	int no_debuginfod;         /* never ask DEBUGINFOD_URLS servers */
	int no_demangle;
	int threads;               /* for symbolizer__prefetch; 0 or 1 = none */
};

/* One file as a process maps it. */
struct sym_file {
	int fd;           /* open descriptor (not taken over), or -1 to open path */
	const char *path; /* the path the process sees (opened when fd < 0), or NULL */
	const char *root; /* the process's root ("/proc/PID/root"), NULL = "/" */
	uid_t uid;        /* the process's user: path and debug files opened for it
			   * must be its own or root's (any file when 0) */
	uint64_t dev, ino;
	int64_t mtime;    /* seconds; part of the cache key without a build-id */
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
	uint64_t shared_by_build_id; /* misses served by a copy parsed for another file */
	uint64_t open_errors;        /* files that could not be read or parsed */
	uint64_t dwarf_files;        /* files parsed with DWARF found */
	uint64_t go_files;           /* files without DWARF named from Go's .gopclntab */
	uint64_t go_errors;          /* .gopclntab sections we could not read */
	uint64_t jit_hits, jit_misses;
	uint64_t perfmaps_evicted;   /* parsed perf maps dropped for the memory bound */
	uint64_t debuginfod_pauses;  /* times a silent server was left alone for 10 minutes */
	size_t perfmap_memory;       /* of the parsed perf maps held */
	struct root_open_stats refused; /* files refused (perf maps, binaries, debug files) */
	size_t files_cached, memory;
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

/* The same for an address in the file's own terms (what addr2line takes). */
int symbolizer__user_vaddr(struct symbolizer *s, const struct sym_file *f, uint64_t vaddr,
			   struct sym_result *out);

/*
 * A batch of file addresses (in the file's own terms) about to be looked
 * up in f: reads the DWARF they need ahead, on opts.threads threads. Only
 * speeds the lookups up; 0 or -errno.
 */
int symbolizer__prefetch(struct symbolizer *s, const struct sym_file *f, const uint64_t *vaddrs,
			 size_t n);

/*
 * Lookups in one file from several threads at once (bpfprof symbolize). A
 * reader is one thread's: it answers as symbolizer__user_vaddr does, from
 * the DWARF units symbolizer__prefetch read (an address in another unit
 * gets its symbol-table name). While readers are in use, nothing else may
 * be called on s; free them before.
 */
struct sym_reader;
int symbolizer__reader_new(struct symbolizer *s, const struct sym_file *f,
			   struct sym_reader **out);
int sym_reader__vaddr(struct sym_reader *r, uint64_t vaddr, struct sym_result *out);
void sym_reader__free(struct sym_reader *r);

/*
 * Code in the [vdso] mapping, offset from its start. The image is this
 * process's own vDSO (the kernel maps the same one into every 64-bit process).
 */
int symbolizer__vdso(struct symbolizer *s, uint64_t offset, struct sym_result *out);

/* A process whose JIT code is looked up. */
struct sym_proc {
	uint32_t pid;     /* on the host: the key of its cached map */
	uint32_t ns_pid;  /* the pid it sees itself as (innermost NSpid), which
			   * names its perf map; 0 = pid */
	const char *root; /* its root ("/proc/PID/root"), NULL = "/" */
	uid_t uid;        /* its user: the map must be this user's own */
};

/*
 * JIT code of process p from its perf map, opts.perfmap_dir/perf-NSPID.map
 * inside its root: a regular file of at most PERFMAP_MAX_BYTES, not a
 * symlink, owned by p->uid (refusals are counted in stats.refused). The map
 * is re-read when the file changes.
 */
int symbolizer__jit(struct symbolizer *s, const struct sym_proc *p, uint64_t addr,
		    struct sym_result *out);

/* Resolve a kernel address; *module is NULL for the core kernel. 0 or -errno. */
int symbolizer__kernel(struct symbolizer *s, uint64_t addr, struct sym_result *out,
		       const char **module);

void symbolizer__stats(const struct symbolizer *s, struct symbolizer_stats *st);

#endif
