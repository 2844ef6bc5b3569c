/* SPDX-License-Identifier: MIT */
/*
 * root_open.h - open a file by a path another process sees, inside that
 * process's root (/proc/PID/root), never leaving it.
 *
 * The path is resolved with openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS):
 * "..", absolute paths and absolute symlinks stay inside the root, and magic
 * links (/proc/self/fd/N, /proc/PID/root) are refused. There is no fallback:
 * where openat2 is missing (ENOSYS, kernels before 5.6) the open fails rather
 * than resolve the path outside the root.
 */
#ifndef BPFPROF_ROOT_OPEN_H
#define BPFPROF_ROOT_OPEN_H

/* How to open. Zero (or a NULL pointer) is the default: read-only,
 * close-on-exec, any file type. Fields added later keep zero as "off". */
struct root_open_opts {
	unsigned flags; /* ROOT_OPEN_* bits; none defined yet: must be 0 */
};

/* Open path read-only inside root. root NULL: the host's own filesystem,
 * a plain open() that follows symlinks as usual. Returns a descriptor
 * (O_CLOEXEC) or -errno: -EINVAL for a NULL path or unknown flags. */
int root_open__file(const char *root, const char *path, const struct root_open_opts *opts);

#endif
