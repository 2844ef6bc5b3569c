/* SPDX-License-Identifier: MIT */
/*
 * root_open.h - the one way to open and read a file on behalf of another
 * process: by the path that process sees, inside its root (/proc/PID/root),
 * never leaving it, never blocking, and with the checks a hostile process
 * calls for.
 *
 * The path is resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS):
 * "..", absolute paths and absolute symlinks stay inside the root, and magic
 * links (/proc/self/fd/N, /proc/PID/root) are refused. There is no fallback:
 * where openat2 is missing (ENOSYS, kernels before 5.6) the open fails rather
 * than resolve the path outside the root.
 *
 * With ROOT_OPEN_REGULAR the file is first opened O_PATH (which opens
 * nothing: no FIFO wait, no device driver's open), checked with fstat (type,
 * owner, size), and only then opened for reading through /proc/self/fd/N,
 * which reopens that very inode: there is no window to swap the file.
 */
#ifndef BPFPROF_ROOT_OPEN_H
#define BPFPROF_ROOT_OPEN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Regular files only (-ENXIO for FIFOs, sockets and devices, -EISDIR for
 * directories), opened O_NONBLOCK; the other checks need it. */
#define ROOT_OPEN_REGULAR (1u << 0)
/* The last component must not be a symlink (-ELOOP); earlier ones may be. */
#define ROOT_OPEN_NOFOLLOW (1u << 1)
/* Owned by uid or by root; any owner when uid is 0 (a root process can read
 * anything: nothing to leak to it). -EPERM otherwise. */
#define ROOT_OPEN_OWNER (1u << 2)
/* Owned by uid exactly, not even by root: a file the process writes itself
 * (a perf map), which nobody else may plant for it. -EPERM otherwise. */
#define ROOT_OPEN_OWNER_ONLY (1u << 3)

/* Refusals by reason, counted by root_open__file when opts->stats is set. */
struct root_open_stats {
	uint64_t not_regular; /* FIFO, socket, device, directory */
	uint64_t symlink;     /* a symlink where ROOT_OPEN_NOFOLLOW forbids one */
	uint64_t owner;       /* owned by another user */
	uint64_t too_big;     /* over max_size, or more bytes than a reader's bound */
};

/* How to open. Zero (or a NULL pointer) is the default: read-only,
 * close-on-exec, any file type, no checks. */
struct root_open_opts {
	unsigned flags;   /* ROOT_OPEN_* bits */
	uid_t uid;        /* the process's user, for the owner checks */
	uint64_t max_size; /* st_size above this: -EFBIG (needs REGULAR); 0 = none */
	struct root_open_stats *stats; /* where refusals are counted, or NULL */
};

/* Open path read-only inside root. root NULL: the host's own filesystem,
 * a plain open() that follows symlinks as usual (but for the last component
 * with ROOT_OPEN_NOFOLLOW). Returns a descriptor (O_CLOEXEC) or -errno:
 * -EINVAL for a NULL path or unknown flags, and the refusals above. */
int root_open__file(const char *root, const char *path, const struct root_open_opts *opts);

/* Open name in dirfd, a directory whose entries the kernel makes (a
 * /proc/PID directory): opening such an entry has no side effect and cannot
 * wait, so it is opened directly (O_NONBLOCK, plus O_NOFOLLOW with
 * ROOT_OPEN_NOFOLLOW) and the same checks run on the open file: one path
 * step instead of three. Never for a directory another process can write. */
int root_open__at(int dirfd, const char *name, const struct root_open_opts *opts);

/* The owner rule of ROOT_OPEN_OWNER (only_owner 0) and ROOT_OPEN_OWNER_ONLY
 * (1), for a file opened earlier and now used for another process. */
int root_open__owner_ok(uid_t owner, uid_t uid, int only_owner);

/* Add the refusals of `add` to `sum`. */
void root_open__stats_add(struct root_open_stats *sum, const struct root_open_stats *add);

/*
 * Read fd from its current offset into buf (cap bytes, NUL-terminated: at
 * most cap - 1 bytes of data). Returns the length, -EFBIG when the file has
 * more (buf then holds the first cap - 1 bytes), or -errno. For procfs files,
 * whose size stat() gives as 0, this is the bound.
 */
ssize_t root_open__read(int fd, char *buf, size_t cap);

/*
 * Read fd to its end, at most max_bytes, calling fn for each line (without
 * its newline, NUL-terminated and writable; a last line without a newline
 * too). Lines longer than max_line bytes are skipped whole. Stops when fn
 * returns non-zero and returns that. Returns 0, -EFBIG when max_bytes was
 * reached before the end (the lines before were given), -ENOMEM or -errno.
 * Memory: one buffer of max_line + 1 bytes, whatever the file holds.
 */
int root_open__lines(int fd, uint64_t max_bytes, size_t max_line,
		     int (*fn)(void *ctx, char *line, size_t len), void *ctx);

#endif
