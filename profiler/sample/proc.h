/* SPDX-License-Identifier: MIT */
/*
 * proc.h - processes the profiler has seen: their executable mappings,
 * captured while they are alive, and an open descriptor per mapped file.
 *
 * Holding a descriptor (from /proc/PID/map_files) means a file can still be
 * read after its process exited, after it was deleted or replaced, and when
 * it lives in another mount namespace. Descriptors are shared by every
 * process that maps the same (device, inode) and closed with the last one.
 */
#ifndef BPFPROF_PROC_H
#define BPFPROF_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/root_open.h"

/* Bytes read of /proc/PID/maps: 65,530 mappings (vm.max_map_count) of ~1 KB
 * lines; a process past it keeps the mappings read so far (counted too_big). */
#define PROC_MAPS_MAX_BYTES (64ull << 20)
/* A maps line is at most a 4,096-byte path and ~100 bytes of fields. */
#define PROC_MAPS_MAX_LINE 8192
/* Bytes of an exe path kept (PATH_MAX). */
#define PROC_EXE_MAX 4096

struct proc_file {
	int fd; /* -1 when the file could not be opened */
	uid_t owner; /* of the opened file: checked again for each process mapping it */
	uint64_t dev, ino;
	int64_t mtime; /* of the opened file, seconds; 0 when not opened */
	int refs;
	int lingering;       /* no process maps it: kept open a little longer */
	uint64_t linger_gen;
	struct proc_file *hnext;
};

struct proc_mapping {
	uint64_t start, end, pgoff;
	const char *path;       /* as the process sees it: "/usr/lib/..", "[vdso]" */
	struct proc_file *file; /* NULL for anonymous and special mappings */
};

struct proc {
	uint32_t pid;
	uint32_t ns_pid; /* as the process sees itself (innermost NSpid); 0 = unknown;
			  * read on first need: proc_table__ns_pid() */
	int ns_pid_read;
	uid_t uid;       /* effective uid; (uid_t)-1 until known: root's files only */
	char comm[16];
	struct proc_mapping *maps; /* executable mappings, sorted by start */
	size_t nmaps;
	char *cgroup; /* cgroup path ("/system.slice/x.service"), or NULL */
	char *exe;    /* /proc/PID/exe as text (" (deleted)" dropped, control
		       * characters as '?'), or NULL: untrusted */
	uint64_t identity; /* new whenever cgroup or exe changed: keys caches
			    * of the process's labels; 0 until a capture read
			    * them (the labels of no process) */
	int exited;
	uint64_t image;    /* new for every process and every exec: keys caches of
			    * what its addresses mean */
	uint64_t exit_gen; /* generation in which the exit was seen */
	int capture_errno; /* why the last capture failed, 0 if it did not */
	uint64_t last_refresh_gen;
	struct proc *hnext;
};

struct proc_table_stats {
	uint64_t captures, capture_failures, files_opened, file_open_failures;
	struct root_open_stats refused; /* mapped files and /proc files refused */

	uint64_t procs_refused; /* new processes not tracked: the table is full */
	uint64_t gone_dropped;  /* deleted files not reported: take_gone too late */
	size_t procs, files;
	size_t exited; /* of procs: exited, kept until their samples are in */
};

struct proc_table;

/* One line of /proc/PID/maps, parsed. */
struct proc_maps_line {
	uint64_t start, end, pgoff, ino;
	uint32_t major, minor;
	char perms[5];    /* "r-xp" */
	const char *path; /* into the line, leading blanks skipped: "" when anonymous */
};

/* Parse one maps line (NUL-terminated, without its newline). 0 or -EINVAL. */
int proc_maps__parse_line(const char *line, struct proc_maps_line *out);

/* A deleted file that no tracked process maps any more. */
struct proc_gone_file {
	uint64_t dev, ino;
};

/* procfs: mount point of /proc (NULL = "/proc"). */
int proc_table__new(const char *procfs, struct proc_table **out);
void proc_table__free(struct proc_table *t);

/* (Re)read pid's mappings now, replacing what was known. 0 or -errno
 * (-ESRCH when the process is gone: what was known is kept). */
int proc_table__capture(struct proc_table *t, uint32_t pid);

/* The same, with the process's cgroup v2 id as BPF saw it (0 = unknown):
 * a cgroup seen before is not read again. */
int proc_table__capture_cg(struct proc_table *t, uint32_t pid, uint64_t cgroup_id);

/* pid ran exec: capture its new image (a new p->image). comm is its new
 * name as the exec event saw it (NULL: read it). 0 or -errno. */
int proc_table__exec(struct proc_table *t, uint32_t pid, uint64_t cgroup_id, const char *comm);

/* The known process, captured on first use (a process already gone is
 * kept as exited, so its samples do not retry). NULL without memory or
 * when the table is full (65,536 processes, counted in procs_refused). */
struct proc *proc_table__get(struct proc_table *t, uint32_t pid);

/* The known process, or NULL: never captures. */
struct proc *proc_table__lookup(struct proc_table *t, uint32_t pid);

/* The mapping containing addr, re-capturing once per generation when the
 * address is not covered (a library loaded after the capture). */
const struct proc_mapping *proc_table__find(struct proc_table *t, struct proc *p, uint64_t addr,
					    uint64_t generation);

/* The pid p sees itself as (its innermost NSpid), read from /proc/PID/status
 * on the first call after a capture: only a JIT frame needs it. 0 when
 * unknown (the process is gone). */
uint32_t proc_table__ns_pid(struct proc_table *t, struct proc *p);

/* The process exited during `generation` (the collector's drain count). */
void proc_table__mark_exited(struct proc_table *t, uint32_t pid, uint64_t generation);

/* Forget processes that exited before `generation`: their samples were all
 * drained and symbolized by then. Returns how many were freed. */
size_t proc_table__reap(struct proc_table *t, uint64_t generation);

/* Mark processes whose /proc entry is gone as exited in `generation`: the
 * safety net for an exit event that was lost. Returns how many. */
size_t proc_table__sweep(struct proc_table *t, uint64_t generation);

/* Up to max deleted files closed since the last call (1,024 are kept;
 * more are counted in gone_dropped). */
size_t proc_table__take_gone(struct proc_table *t, struct proc_gone_file *out, size_t max);

void proc_table__stats(const struct proc_table *t, struct proc_table_stats *st);

#endif
