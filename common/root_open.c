// SPDX-License-Identifier: MIT
/*
 * root_open.c - the one place that opens a path inside another process's
 * root (see root_open.h).
 */
#include "common/root_open.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stddef.h>
#include <sys/syscall.h>
#include <unistd.h>

int root_open__file(const char *root, const char *path, const struct root_open_opts *opts)
{
	struct open_how how = {
		.flags = O_RDONLY | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int dfd = -1, fd;

	if (!path || (opts && opts->flags)) {
		fd = -EINVAL;
		goto cleanup;
	}
	if (!root) {
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			fd = -errno;
		goto cleanup;
	}
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		fd = -errno;
		goto cleanup;
	}
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
cleanup:
	if (dfd >= 0)
		close(dfd);
	return fd;
}
