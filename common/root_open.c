// SPDX-License-Identifier: MIT
/*
 * root_open.c - the one place that opens and reads a file on behalf of
 * another process (see root_open.h).
 */
#include "common/root_open.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KNOWN_FLAGS (ROOT_OPEN_REGULAR | ROOT_OPEN_NOFOLLOW | ROOT_OPEN_OWNER | ROOT_OPEN_OWNER_ONLY)

int root_open__owner_ok(uid_t owner, uid_t uid, int only_owner)
{
	if (only_owner)
		return owner == uid;
	return owner == uid || owner == 0 || uid == 0;
}

void root_open__stats_add(struct root_open_stats *sum, const struct root_open_stats *add)
{
	sum->not_regular += add->not_regular;
	sum->symlink += add->symlink;
	sum->owner += add->owner;
	sum->too_big += add->too_big;
}

/* The refusal err of a checked file, counted. */
static int refuse(const struct root_open_opts *o, int err)
{
	if (o->stats) {
		if (err == -ELOOP)
			o->stats->symlink++;
		else if (err == -EPERM)
			o->stats->owner++;
		else if (err == -EFBIG)
			o->stats->too_big++;
		else
			o->stats->not_regular++;
	}
	return err;
}

/* Every check opts asks for on the file open (O_PATH) on fd. 0 or a refusal. */
static int check(const struct root_open_opts *o, int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return -errno;
	if (S_ISLNK(st.st_mode)) /* only opened as itself with O_NOFOLLOW */
		return refuse(o, -ELOOP);
	if ((o->flags & ROOT_OPEN_REGULAR) && !S_ISREG(st.st_mode))
		return refuse(o, S_ISDIR(st.st_mode) ? -EISDIR : -ENXIO);
	if ((o->flags & (ROOT_OPEN_OWNER | ROOT_OPEN_OWNER_ONLY)) &&
	    !root_open__owner_ok(st.st_uid, o->uid, !!(o->flags & ROOT_OPEN_OWNER_ONLY)))
		return refuse(o, -EPERM);
	if (o->max_size && S_ISREG(st.st_mode) && (uint64_t)st.st_size > o->max_size)
		return refuse(o, -EFBIG);
	return 0;
}

/* Open path (inside root when there is one) with flags, O_CLOEXEC added. */
static int open_path(const char *root, const char *path, int flags)
{
	struct open_how how = {
		.flags = (uint64_t)(flags | O_CLOEXEC),
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	int dfd, fd;

	if (!root) {
		fd = open(path, flags | O_CLOEXEC);
		return fd < 0 ? -errno : fd;
	}
	dfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -errno;
	fd = (int)syscall(SYS_openat2, dfd, path, &how, sizeof(how));
	if (fd < 0)
		fd = -errno;
	close(dfd);
	return fd;
}

int root_open__file(const char *root, const char *path, const struct root_open_opts *opts)
{
	static const struct root_open_opts none;
	const struct root_open_opts *o = opts ? opts : &none;
	char self[64];
	int pfd = -1, fd;

	if (!path || (o->flags & ~KNOWN_FLAGS)) {
		fd = -EINVAL;
		goto cleanup;
	}
	if (!o->flags && !o->max_size) {
		fd = open_path(root, path, O_RDONLY);
		goto cleanup;
	}
	/* O_PATH opens nothing: a FIFO or a device is looked at, not opened */
	pfd = open_path(root, path, O_PATH | (o->flags & ROOT_OPEN_NOFOLLOW ? O_NOFOLLOW : 0));
	if (pfd < 0) {
		fd = pfd;
		goto cleanup;
	}
	fd = check(o, pfd);
	if (fd)
		goto cleanup;
	/* the same inode, now for reading */
	snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
	fd = open(self, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		fd = -errno;
cleanup:
	if (pfd >= 0)
		close(pfd);
	return fd;
}

int root_open__at(int dirfd, const char *name, const struct root_open_opts *opts)
{
	static const struct root_open_opts none;
	const struct root_open_opts *o = opts ? opts : &none;
	int fd, ret;

	if (!name || (o->flags & ~KNOWN_FLAGS))
		return -EINVAL;
	fd = openat(dirfd, name,
		    O_RDONLY | O_CLOEXEC | O_NONBLOCK |
			    (o->flags & ROOT_OPEN_NOFOLLOW ? O_NOFOLLOW : 0));
	if (fd < 0)
		return errno == ELOOP ? refuse(o, -ELOOP) : -errno;
	ret = check(o, fd);
	if (ret) {
		close(fd);
		return ret;
	}
	return fd;
}

/* read() until len bytes or the end; EINTR retried. */
static ssize_t read_some(int fd, char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, buf + got, len - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* More bytes after the bound? 1, 0, or -errno. */
static int has_more(int fd)
{
	char c;
	ssize_t n = read_some(fd, &c, 1);

	return n < 0 ? (int)n : n > 0;
}

ssize_t root_open__read(int fd, char *buf, size_t cap)
{
	ssize_t n;
	int more;

	if (!cap)
		return -EINVAL;
	n = read_some(fd, buf, cap - 1);
	buf[n > 0 ? n : 0] = '\0';
	if (n < 0 || (size_t)n < cap - 1)
		return n;
	more = has_more(fd);
	if (more < 0)
		return more;
	return more ? -EFBIG : n;
}

int root_open__lines(int fd, uint64_t max_bytes, size_t max_line,
		     int (*fn)(void *ctx, char *line, size_t len), void *ctx)
{
	size_t cap = max_line + 1, len = 0; /* a max_line line and its newline fit */
	uint64_t total = 0;
	char *buf = malloc(cap + 1);
	int skipping = 0, ret = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		size_t room = cap - len, start = 0;
		ssize_t n;

		if (room > max_bytes - total)
			room = (size_t)(max_bytes - total);
		if (!room) {
			ret = has_more(fd);
			if (ret > 0)
				ret = -EFBIG;
			if (ret)
				goto cleanup;
		}
		n = room ? read_some(fd, buf + len, room) : 0;
		if (n < 0) {
			ret = (int)n;
			goto cleanup;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		for (size_t i = len; i < len + (size_t)n; i++) {
			if (buf[i] != '\n')
				continue;
			buf[i] = '\0';
			if (!skipping && (ret = fn(ctx, buf + start, i - start)))
				goto cleanup;
			skipping = 0;
			start = i + 1;
		}
		len += (size_t)n - start;
		memmove(buf, buf + start, len);
		if (len > max_line) { /* no newline in max_line + 1 bytes: too long */
			skipping = 1;
			len = 0;
		}
	}
	if (len && !skipping) {
		buf[len] = '\0';
		ret = fn(ctx, buf, len);
	}
cleanup:
	free(buf);
	return ret;
}
