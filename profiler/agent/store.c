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

struct window {
	uint64_t start_ms, end_ms, samples, bytes;
};

struct store {
	char *dir;
	uint64_t retention_ms, max_bytes;
	pthread_mutex_t lock;
	struct window *w; /* sorted by start */
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

static void window_path(const struct store *s, const struct window *w, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%013" PRIu64 "-%013" PRIu64 "-%" PRIu64 ".win.gz", s->dir,
		 w->start_ms, w->end_ms, w->samples);
}

static int push(struct store *s, const struct window *w)
{
	if (array__grow((void **)&s->w, &s->cap, s->n + 1, sizeof(*s->w)))
		return -ENOMEM;
	s->w[s->n++] = *w;
	s->st.bytes += w->bytes;
	return 0;
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
	if (!ret && mkdir(d, 0755) && errno != EEXIST)
		ret = -errno;
	free(d);
	return ret;
}

int store__open(const struct store_opts *opts, struct store **out, char *err, size_t errlen)
{
	struct store *s = calloc(1, sizeof(*s));
	struct dirent *de;
	DIR *d = NULL;
	int ret;

	*out = NULL;
	if (!s || !(s->dir = strdup(opts->dir))) {
		free(s);
		return -ENOMEM;
	}
	s->retention_ms = opts->retention_ms;
	s->max_bytes = opts->max_bytes;
	pthread_mutex_init(&s->lock, NULL);
	ret = mkdir_p(s->dir);
	if (ret) {
		errbuf__set(err, errlen, "create %s: %s", s->dir, strerror(-ret));
		goto fail;
	}
	d = opendir(s->dir);
	if (!d) {
		ret = -errno;
		errbuf__set(err, errlen, "open %s: %s", s->dir, strerror(-ret));
		goto fail;
	}
	while ((de = readdir(d))) {
		struct window w = {0};
		char path[4096];
		struct stat st;
		int end = 0;

		if (!strncmp(de->d_name, ".tmp-", 5)) { /* an interrupted write */
			if (!unlinkat(dirfd(d), de->d_name, 0))
				s->st.cleaned_temp++;
			continue;
		}
		if (sscanf(de->d_name, "%" SCNu64 "-%" SCNu64 "-%" SCNu64 ".win.gz%n", &w.start_ms,
			   &w.end_ms, &w.samples, &end) != 3 ||
		    de->d_name[end] != '\0' || w.end_ms < w.start_ms)
			continue;
		snprintf(path, sizeof(path), "%s/%s", s->dir, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		w.bytes = (uint64_t)st.st_size;
		if ((ret = push(s, &w)))
			goto fail;
	}
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
	pthread_mutex_destroy(&s->lock);
	free(s->w);
	free(s->dir);
	free(s);
}

/* Drop the oldest windows beyond the age limit and the disk budget. Locked. */
static void apply_retention(struct store *s)
{
	size_t drop = 0;
	uint64_t newest = s->n ? s->w[s->n - 1].end_ms : 0, bytes = s->st.bytes;

	while (drop < s->n) {
		const struct window *w = &s->w[drop];
		bool too_old = s->retention_ms && w->end_ms + s->retention_ms < newest;
		bool too_big = s->max_bytes && bytes > s->max_bytes && drop + 1 < s->n;

		if (!too_old && !too_big)
			break;
		bytes -= w->bytes;
		drop++;
	}
	for (size_t i = 0; i < drop; i++) {
		char path[4096];

		window_path(s, &s->w[i], path, sizeof(path));
		unlink(path);
		s->st.bytes -= s->w[i].bytes;
		s->st.removed++;
	}
	if (drop) {
		memmove(s->w, s->w + drop, (s->n - drop) * sizeof(*s->w));
		s->n -= drop;
	}
}

int store__append(struct store *s, const struct profile *p, uint64_t start_ms, uint64_t end_ms,
		  char *err, size_t errlen)
{
	struct window w = {.start_ms = start_ms, .end_ms = end_ms, .samples = profile__total(p)};
	char tmp[4096], path[4096];
	struct stat st;
	int fd, ret;

	snprintf(tmp, sizeof(tmp), "%s/.tmp-%" PRIu64 "-%d", s->dir, start_ms, (int)getpid());
	ret = window_file__write(p, tmp, err, errlen);
	if (!ret) { /* the data reaches the disk before the name does */
		fd = open(tmp, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fsync(fd) || fstat(fd, &st))
			ret = -errno;
		if (fd >= 0)
			close(fd);
		if (ret)
			errbuf__set(err, errlen, "sync %s: %s", tmp, strerror(-ret));
	}
	pthread_mutex_lock(&s->lock);
	if (!ret) {
		w.bytes = (uint64_t)st.st_size;
		window_path(s, &w, path, sizeof(path));
		if (rename(tmp, path)) {
			ret = -errno;
			errbuf__set(err, errlen, "rename %s: %s", path, strerror(-ret));
		}
	}
	if (!ret) {
		fd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0) { /* make the rename itself durable */
			fsync(fd);
			close(fd);
		}
		/* windows arrive in time order; keep the index sorted anyway */
		ret = push(s, &w);
		if (!ret && s->n > 1 && window_cmp(&s->w[s->n - 2], &s->w[s->n - 1]) > 0)
			qsort(s->w, s->n, sizeof(*s->w), window_cmp);
		s->st.written++;
		apply_retention(s);
	} else {
		unlink(tmp);
		s->st.write_errors++;
	}
	pthread_mutex_unlock(&s->lock);
	return ret;
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
		char path[4096];
		int ret;

		window_path(s, &sel[i], path, sizeof(path));
		ret = window_file__read(path, f, into, NULL, NULL, 0);
		if (ret == -ENOMEM) {
			free(sel);
			return ret;
		}
		if (ret) {
			pthread_mutex_lock(&s->lock);
			s->st.read_errors++;
			pthread_mutex_unlock(&s->lock);
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
		uint64_t mid = w->start_ms + (w->end_ms - w->start_ms) / 2;

		if (mid < from_ms || (mid - from_ms) / step_ms >= n)
			continue;
		counts[(mid - from_ms) / step_ms] += w->samples;
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
