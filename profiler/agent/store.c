// SPDX-License-Identifier: MIT
#include "common/array.h"
#include "common/errbuf.h"
#include "agent/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MS_NS 1000000ULL

struct window {
	uint64_t start_ms, end_ms, samples, bytes;
	/* the file as it was checked (or written): any later change to it,
	 * in place or by another file renamed over it, changes one of these
	 * (a change time cannot be set back) */
	struct file_id {
		dev_t dev;
		ino_t ino;
		struct timespec ctime;
	} id;
};

static struct file_id file_id(const struct stat *st)
{
	return (struct file_id){st->st_dev, st->st_ino, st->st_ctim};
}

static bool same_file(const struct file_id *a, const struct file_id *b)
{
	return a->dev == b->dev && a->ino == b->ino && a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

struct store {
	char *dir;
	int dfd; /* the folder, opened once: every file is reached from it */
	uid_t uid;
	uint64_t retention_ms, max_bytes;
	pthread_mutex_t lock;
	struct window *w; /* sorted by start */
	bool push_on;	  /* push_from_ms is set: removals after it are counted */
	uint64_t push_from_ms;
	size_t n, cap;
	struct store_stats st;
};

static int window_cmp(const void *a, const void *b)
{
	const struct window *x = a, *y = b;

	if (x->start_ms != y->start_ms)
		return (x->start_ms > y->start_ms) - (x->start_ms < y->start_ms);
	return (x->end_ms > y->end_ms) - (x->end_ms < y->end_ms);
}

/* The file name of w, relative to the folder. */
static void window_name(const struct window *w, char *buf, size_t len)
{
	snprintf(buf, len, "%013" PRIu64 "-%013" PRIu64 "-%" PRIu64 ".win.gz", w->start_ms,
		 w->end_ms, w->samples);
}

/* Is name one the store could have written? 1 with *w filled (all but
 * bytes), 0 when it only looks like one, -1 when it is no window's name. */
static int parse_name(const char *name, struct window *w)
{
	size_t len = strlen(name);
	char again[96];
	int end = 0;

	if (len < 7 || strcmp(name + len - 7, ".win.gz") || name[0] < '0' || name[0] > '9')
		return -1;
	if (sscanf(name, "%" SCNu64 "-%" SCNu64 "-%" SCNu64 ".win.gz%n", &w->start_ms, &w->end_ms,
		   &w->samples, &end) != 3 ||
	    name[end] != '\0' || w->end_ms < w->start_ms)
		return 0;
	window_name(w, again, sizeof(again)); /* one spelling only: the one we find it by */
	return !strcmp(again, name);
}

static int push(struct store *s, const struct window *w)
{
	if (array__grow((void **)&s->w, &s->cap, s->n + 1, sizeof(*s->w)))
		return -ENOMEM;
	s->w[s->n++] = *w;
	s->st.bytes += w->bytes;
	return 0;
}

/*
 * Open the window file `name` for reading, if it may be read: a regular file
 * of ours (never a symlink: O_NOFOLLOW; never a FIFO's wait: O_NONBLOCK),
 * within the size bound. A descriptor; -EINVAL with *why for a file that
 * may not be read; another -errno when it could not be looked at.
 */
static int open_window(struct store *s, const char *name, struct stat *st, enum store_ignore *why)
{
	int fd;

	/* look before opening: a device is not even opened */
	if (fstatat(s->dfd, name, st, AT_SYMLINK_NOFOLLOW))
		return -errno;
	*why = STORE_IGNORE_NOT_REGULAR;
	if (!S_ISREG(st->st_mode))
		return -EINVAL;
	fd = openat(s->dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return errno == ELOOP ? -EINVAL : -errno;
	if (fstat(fd, st) || !S_ISREG(st->st_mode)) /* changed since the look */
		*why = STORE_IGNORE_NOT_REGULAR;
	else if (st->st_uid != s->uid)
		*why = STORE_IGNORE_OWNER;
	else if ((uint64_t)st->st_size > WINDOW_MAX_FILE)
		*why = STORE_IGNORE_TOO_BIG;
	else
		return fd;
	close(fd);
	return -EINVAL;
}

/* Does the window file open at fd read back whole and say what its name
 * says (start, length, samples)? */
static bool window_checks_out(int fd, const char *name, const struct window *w)
{
	struct window_info info;

	if (window_file__read(fd, name, NULL, NULL, &info, NULL, NULL, 0))
		return false;
	return info.samples == w->samples && info.time_ns % MS_NS == 0 &&
	       info.time_ns / MS_NS == w->start_ms && info.duration_ns % MS_NS == 0 &&
	       info.duration_ns / MS_NS == w->end_ms - w->start_ms;
}

/* Index one directory entry. 0, or -ENOMEM. */
static int index_entry(struct store *s, const char *name)
{
	enum store_ignore why;
	struct window w = {0};
	struct stat st;
	int kind, fd;
	bool ok;

	if (!strncmp(name, ".tmp-", 5)) { /* an interrupted write (a link, not its target) */
		if (!unlinkat(s->dfd, name, 0))
			s->st.cleaned_temp++;
		return 0;
	}
	kind = parse_name(name, &w);
	if (kind < 0)
		return 0; /* not ours to judge */
	if (kind == 0) {
		s->st.ignored[STORE_IGNORE_INVALID]++;
		return 0;
	}
	fd = open_window(s, name, &st, &why);
	if (fd < 0) {
		s->st.ignored[fd == -EINVAL ? why : STORE_IGNORE_INVALID]++;
		return 0;
	}
	/* an older version made its files 0644 */
	if ((st.st_mode & 077) && !fchmod(fd, S_IRUSR | S_IWUSR))
		s->st.tightened++;
	ok = !fstat(fd, &st) && window_checks_out(fd, name, &w);
	close(fd);
	if (!ok) {
		s->st.ignored[STORE_IGNORE_INVALID]++;
		return 0;
	}
	w.bytes = (uint64_t)st.st_size;
	w.id = file_id(&st);
	return push(s, &w);
}

static int mkdir_p(const char *dir)
{
	char *d = strdup(dir);
	int ret = 0;

	if (!d)
		return -ENOMEM;
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0755) && errno != EEXIST)
			ret = -errno;
		*p = '/';
		if (ret)
			break;
	}
	/* the history itself: command lines and paths of every process */
	if (!ret && mkdir(d, 0700) && errno != EEXIST)
		ret = -errno;
	free(d);
	return ret;
}

/* Open the folder: a directory of our own, not through a symlink. */
static int open_dir(struct store *s, char *err, size_t errlen)
{
	struct stat st;
	int ret;

	ret = mkdir_p(s->dir);
	if (ret) {
		errbuf__set(err, errlen, "create %s: %s", s->dir, strerror(-ret));
		return ret;
	}
	s->dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s->dfd < 0) {
		ret = -errno;
		if (ret == -ELOOP || ret == -ENOTDIR) {
			struct stat lst;

			if (!lstat(s->dir, &lst) && S_ISLNK(lst.st_mode))
				errbuf__set(err, errlen,
					    "data dir %s is a symlink: give the directory itself",
					    s->dir);
			else
				errbuf__set(err, errlen, "data dir %s is not a directory", s->dir);
		} else {
			errbuf__set(err, errlen, "open %s: %s", s->dir, strerror(-ret));
		}
		return ret;
	}
	if (fstat(s->dfd, &st)) {
		ret = -errno;
		errbuf__set(err, errlen, "stat %s: %s", s->dir, strerror(-ret));
		return ret;
	}
	if (st.st_uid != s->uid) {
		errbuf__set(err, errlen,
			    "data dir %s belongs to uid %u, not to us (uid %u): whoever owns it "
			    "could read and plant history",
			    s->dir, (unsigned)st.st_uid, (unsigned)s->uid);
		return -EPERM;
	}
	if (st.st_mode & 077) { /* made by an older version, or by hand */
		if (fchmod(s->dfd, S_IRWXU)) {
			ret = -errno;
			errbuf__set(err, errlen, "chmod 0700 %s: %s", s->dir, strerror(-ret));
			return ret;
		}
		s->st.tightened++;
	}
	return 0;
}

int store__open(const struct store_opts *opts, struct store **out, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	struct dirent *de;
	DIR *d = NULL;
	int ret, fd;

	*out = NULL;
	if (!s || !(s->dir = strdup(opts->dir))) {
		free(s);
		return -ENOMEM;
	}
	s->dfd = -1;
	s->uid = geteuid();
	s->retention_ms = opts->retention_ms;
	s->max_bytes = opts->max_bytes;
	pthread_mutex_init(&s->lock, NULL);
	ret = open_dir(s, err, errlen);
	if (ret)
		goto fail;
	fd = openat(s->dfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		ret = -errno;
		if (fd >= 0)
			close(fd);
		errbuf__set(err, errlen, "open %s: %s", s->dir, strerror(-ret));
		goto fail;
	}
	while ((de = readdir(d)))
		if ((ret = index_entry(s, de->d_name)))
			goto fail;
	closedir(d);
	d = NULL;
	qsort(s->w, s->n, sizeof(*s->w), window_cmp);
	*out = s;
	return 0;
fail:
	if (d)
		closedir(d);
	store__close(s);
	return ret;
}

void store__close(struct store *s)
{
	if (!s)
		return;
	if (s->dfd >= 0)
		close(s->dfd);
	pthread_mutex_destroy(&s->lock);
	free(s->w);
	free(s->dir);
	free(s);
}

/* Remove index entries [i, i + k). Locked. */
static void drop(struct store *s, size_t i, size_t k)
{
	for (size_t j = i; j < i + k; j++)
		s->st.bytes -= s->w[j].bytes;
	memmove(s->w + i, s->w + i + k, (s->n - i - k) * sizeof(*s->w));
	s->n -= k;
}

/* Drop the oldest windows beyond the age limit and the disk budget. Locked. */
static void apply_retention(struct store *s)
{
	size_t k = 0;
	uint64_t newest = s->n ? s->w[s->n - 1].end_ms : 0, bytes = s->st.bytes;

	while (k < s->n) {
		const struct window *w = &s->w[k];
		bool too_old = s->retention_ms && w->end_ms + s->retention_ms < newest;
		bool too_big = s->max_bytes && bytes > s->max_bytes && k + 1 < s->n;

		if (!too_old && !too_big)
			break;
		bytes -= w->bytes;
		k++;
	}
	for (size_t i = 0; i < k; i++) {
		char name[96];

		window_name(&s->w[i], name, sizeof(name));
		unlinkat(s->dfd, name, 0);
		s->st.removed++;
		if (s->push_on && s->w[i].start_ms >= s->push_from_ms) {
			s->st.unpushed_removed++;
			s->st.unpushed_removed_samples += s->w[i].samples;
		}
	}
	drop(s, 0, k);
}

enum store_write_error store__write_error(int err)
{
	switch (-err) {
	case ENOSPC:
	case EDQUOT: return STORE_WRITE_NO_SPACE;
	case EROFS: return STORE_WRITE_READ_ONLY;
	default: return STORE_WRITE_OTHER;
	}
}

/* Write all of buf to a new file tmp in the folder and sync it. 0 or -errno
 * with err: each step's own errno (ENOSPC, EROFS, EDQUOT, EIO). */
static int write_file(struct store *s, const char *tmp, const struct bytebuf *buf, char *err,
		      size_t errlen)
{
	const char *step = "create";
	size_t off = 0;
	int fd, ret = 0;

	unlinkat(s->dfd, tmp, 0); /* a leftover of ours; O_EXCL below refuses anything else */
	fd = openat(s->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		    S_IRUSR | S_IWUSR);
	if (fd < 0) {
		ret = -errno;
		goto cleanup;
	}
	step = "write";
	while (off < buf->len) {
		ssize_t k = write(fd, buf->data + off, buf->len - off);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			ret = k < 0 ? -errno : -EIO;
			goto cleanup;
		}
		off += (size_t)k;
	}
	step = "sync"; /* the data reaches the disk before the name does */
	if (fsync(fd))
		ret = -errno;
cleanup:
	if (fd >= 0 && close(fd) && !ret) {
		step = "close";
		ret = -errno;
	}
	if (ret)
		errbuf__set(err, errlen, "%s %s/%s: %s", step, s->dir, tmp, strerror(-ret));
	return ret;
}

int store__append(struct store *s, const struct profile *p, uint64_t start_ms, uint64_t end_ms,
		  char *err, size_t errlen)
{
	struct window w = {.start_ms = start_ms, .end_ms = end_ms, .samples = profile__total(p)};
	struct bytebuf buf = {0};
	char tmp[64], name[96];
	struct stat st;
	int ret;

	snprintf(tmp, sizeof(tmp), ".tmp-%" PRIu64 "-%d", start_ms, (int)getpid());
	window_name(&w, name, sizeof(name));
	ret = window_file__encode(p, &buf, err, errlen);
	if (!ret)
		ret = write_file(s, tmp, &buf, err, errlen);
	w.bytes = buf.len;
	bytebuf__release(&buf);
	pthread_mutex_lock(&s->lock);
	if (!ret && renameat(s->dfd, tmp, s->dfd, name)) {
		ret = -errno;
		errbuf__set(err, errlen, "rename %s/%s: %s", s->dir, name, strerror(-ret));
	}
	if (!ret) {
		/* after the rename, which changes the change time; without it
		 * (it cannot fail but for a race with root), the first query
		 * finds the window changed and drops it */
		if (!fstatat(s->dfd, name, &st, AT_SYMLINK_NOFOLLOW))
			w.id = file_id(&st);
		fsync(s->dfd); /* make the rename itself durable */
		/* windows arrive in time order; keep the index sorted anyway */
		ret = push(s, &w);
		if (!ret && s->n > 1 && window_cmp(&s->w[s->n - 2], &s->w[s->n - 1]) > 0)
			qsort(s->w, s->n, sizeof(*s->w), window_cmp);
		s->st.written++;
		apply_retention(s);
	} else {
		unlinkat(s->dfd, tmp, 0);
		s->st.write_errors[store__write_error(ret)]++;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

/* w failed to read back. When its file is gone or no longer a window
 * (changed other than by us: retention removes the entry first) and the
 * index still holds it, it leaves the history (and counts as ignored for
 * why, unless why is STORE_IGNORE_NR: gone). */
static void forget(struct store *s, const struct window *w, enum store_ignore why, bool gone)
{
	pthread_mutex_lock(&s->lock);
	s->st.read_errors++;
	for (size_t i = 0; gone && i < s->n; i++) {
		if (!window_cmp(&s->w[i], w) && s->w[i].samples == w->samples) {
			drop(s, i, 1);
			if (why < STORE_IGNORE_NR)
				s->st.ignored[why]++;
			break;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

int store__query(struct store *s, uint64_t from_ms, uint64_t to_ms, bool strict,
		 const struct window_filter *f, struct profile *into)
{
	struct window *sel = NULL;
	size_t nsel = 0;
	int nread = 0;

	pthread_mutex_lock(&s->lock);
	sel = malloc((s->n ? s->n : 1) * sizeof(*sel));
	if (sel) {
		for (size_t i = 0; i < s->n; i++) {
			const struct window *w = &s->w[i];
			bool overlap = w->start_ms < to_ms && w->end_ms > from_ms;
			bool inside = w->start_ms >= from_ms && w->end_ms <= to_ms;

			if (strict ? inside : overlap)
				sel[nsel++] = *w;
		}
	}
	pthread_mutex_unlock(&s->lock);
	if (!sel)
		return -ENOMEM;
	/* read without the lock: retention may remove a file meanwhile, which
	 * reads as a skipped window, not an error */
	for (size_t i = 0; i < nsel; i++) {
		enum store_ignore why = STORE_IGNORE_INVALID;
		char name[96];
		struct stat st;
		int ret, fd;

		window_name(&sel[i], name, sizeof(name));
		ret = fd = open_window(s, name, &st, &why);
		if (fd >= 0) { /* changed since it was checked: not read at all */
			struct file_id now = file_id(&st);

			why = STORE_IGNORE_INVALID;
			ret = same_file(&sel[i].id, &now)
				  ? window_file__read(fd, name, f, into, NULL, NULL, NULL, 0)
				  : -EINVAL;
			close(fd);
		}
		if (ret == -ENOMEM) {
			free(sel);
			return ret;
		}
		if (ret) {
			forget(s, &sel[i], ret == -ENOENT ? STORE_IGNORE_NR : why,
			       ret == -EINVAL || ret == -ENOENT);
			continue;
		}
		nread++;
	}
	free(sel);
	return nread;
}

int store__timeline(struct store *s, uint64_t from_ms, uint64_t step_ms, size_t n,
		    uint64_t *counts)
{
	memset(counts, 0, n * sizeof(*counts));
	if (!step_ms)
		return -EINVAL;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < s->n; i++) {
		const struct window *w = &s->w[i];
		uint64_t mid = w->start_ms + (w->end_ms - w->start_ms) / 2, *c;

		if (mid < from_ms || (mid - from_ms) / step_ms >= n)
			continue;
		c = &counts[(mid - from_ms) / step_ms];
		*c = w->samples > UINT64_MAX - *c ? UINT64_MAX : *c + w->samples;
	}
	pthread_mutex_unlock(&s->lock);
	return 0;
}

void store__stats(struct store *s, struct store_stats *st)
{
	pthread_mutex_lock(&s->lock);
	*st = s->st;
	st->windows = s->n;
	st->oldest_ms = s->n ? s->w[0].start_ms : 0;
	st->newest_ms = s->n ? s->w[s->n - 1].end_ms : 0;
	pthread_mutex_unlock(&s->lock);
}

int store__next_window(struct store *s, uint64_t from_ms, struct store_window *w,
		       uint64_t *pending)
{
	size_t lo = 0, hi;
	int ret = -ENOENT;

	pthread_mutex_lock(&s->lock);
	hi = s->n;
	while (lo < hi) { /* the first window starting at or after from_ms */
		size_t mid = lo + (hi - lo) / 2;

		if (s->w[mid].start_ms < from_ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (pending)
		*pending = 0;
	for (size_t i = lo; pending && i < s->n; i++)
		*pending += s->w[i].bytes;
	if (lo < s->n) {
		*w = (struct store_window){s->w[lo].start_ms, s->w[lo].end_ms, s->w[lo].samples,
					   s->w[lo].bytes};
		ret = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
}

void store__set_push_cursor(struct store *s, uint64_t from_ms)
{
	pthread_mutex_lock(&s->lock);
	s->push_on = true;
	s->push_from_ms = from_ms;
	pthread_mutex_unlock(&s->lock);
}
