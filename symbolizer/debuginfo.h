/* SPDX-License-Identifier: MIT */
/*
 * debuginfo.h - find the file that holds a binary's DWARF.
 *
 * In order: the binary itself; its .gnu_debuglink (next to the binary, in
 * .debug/ next to it, under DEBUG_ROOT/<dir of the binary>), accepted only
 * when the CRC matches; DEBUG_ROOT/.build-id/xx/yyyy.debug; and, when
 * DEBUGINFOD_URLS is set, a debuginfod server through libdebuginfod.
 *
 * Paths the process sees are opened inside its root (RESOLVE_IN_ROOT), so a
 * debuglink can never lead out of a container's file system; every candidate
 * must be a regular file of at most SYMBOLIZER_MAX_FILE_SIZE owned by the
 * process's user or root, and one next to the binary must not be a symlink.
 */
#ifndef BPFPROF_DEBUGINFO_H
#define BPFPROF_DEBUGINFO_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/root_open.h"

enum debuginfo_source {
	DEBUGINFO_NONE = 0,
	DEBUGINFO_SELF,
	DEBUGINFO_DEBUGLINK,
	DEBUGINFO_BUILD_ID,
	DEBUGINFO_DEBUGINFOD,
};

struct debuginfo_req {
	int fd;                 /* the binary, open */
	const char *path;       /* the binary's path as the process sees it, or NULL */
	const char *root;       /* the process's root ("/proc/PID/root"), NULL = "/" */
	uid_t uid;              /* the process's user: debug files must be its own or
				 * root's (any file when 0) */
	struct root_open_stats *refused; /* where refused candidates are counted, or NULL */
	const char *debug_root; /* NULL = "/usr/lib/debug" */
	const char *build_id;   /* lower-case hex, or NULL */
	int debuginfod;         /* ask a server when DEBUGINFOD_URLS is set */
};

/*
 * Find the debug file for req. Returns 0 with *fd_out (a new descriptor, or
 * -1 when the binary holds its own DWARF or none was found) and *source;
 * or -errno.
 */
int debuginfo__find(const struct debuginfo_req *req, int *fd_out, enum debuginfo_source *source);

/* The .gnu_debuglink CRC: zlib's CRC-32 of the whole file. 0 or -errno. */
int debuginfo__crc32(int fd, uint32_t *crc);

#endif
