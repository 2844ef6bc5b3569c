// SPDX-License-Identifier: MIT
#include "agent/push.h"
#include "agent/push_cursor.h"
#include "common/clock.h"
#include "common/errbuf.h"
#include "common/hmap.h"
#include "format/pprof.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define IDLE_WAIT_MS 500	 /* between two looks for a new window */
#define BACKOFF_FIRST_MS 1000

struct pusher {
	struct push_opts o;
	struct store *store;
	struct push_client *client;
	int dfd;		/* the data directory */
	char cursor_name[40];	/* push-HASH.cursor */
	uint64_t next_ms, done; /* the cursor */
	unsigned int seed;	/* jitter; the push thread's */
	pthread_t thread;
	bool started;

	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stop; /* also read by the client's progress callback */
	struct push_stats st;
	/* failure episode (push thread only): logged when it starts and ends */
	uint64_t episode_failures;
	bool cursor_failing; /* the last cursor write failed (said once) */
};

static void say(struct pusher *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct pusher *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!p->o.log)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	p->o.log(msg);
}

/* The cursor of a past run: 0, or -ENOENT when there is none to trust (no
 * file, not a regular file of ours, unreadable content). */
static int cursor_load(struct pusher *p)
{
	char buf[PUSH_CURSOR_MAX + 1];
	struct stat st;
	ssize_t n;
	int fd, ret = -ENOENT;

	fd = openat(p->dfd, p->cursor_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_uid != geteuid() ||
	    st.st_size > PUSH_CURSOR_MAX)
		goto cleanup;
	n = read(fd, buf, sizeof(buf));
	if (n > 0 && !push_cursor__parse(buf, (size_t)n, &p->next_ms, &p->done))
		ret = 0;
cleanup:
	close(fd);
	return ret;
}

/* Write the cursor (a temporary file renamed over the old one); synced
 * when sync is set (at the end of a window), so a power loss costs at most
 * the series of one window, pushed again. A failure is said once per
 * episode: the next run may push those series again. */
static void cursor_save(struct pusher *p, bool sync)
{
	char tmp[48], buf[PUSH_CURSOR_MAX];
	int fd, len, ret = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", p->cursor_name);
	len = push_cursor__format(buf, sizeof(buf), p->next_ms, p->done);
	unlinkat(p->dfd, tmp, 0);
	fd = openat(p->dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		ret = -errno;
	else if (write(fd, buf, (size_t)len) != len)
		ret = -EIO; /* a short write of 40 bytes: no space, or an error */
	else if (sync && fsync(fd))
		ret = -errno;
	if (fd >= 0 && close(fd) && !ret)
		ret = -errno;
	if (!ret && renameat(p->dfd, tmp, p->dfd, p->cursor_name))
		ret = -errno;
	if (ret) {
		unlinkat(p->dfd, tmp, 0);
		if (!p->cursor_failing)
			say(p, "push: cannot save the push cursor %s: %s (a restart may push "
			       "some series again)",
			    p->cursor_name, strerror(-ret));
	}
	p->cursor_failing = ret != 0;
	store__set_push_cursor(p->store, p->next_ms);
}

/* Wait ms, or less when stopped. true when stopping. */
static bool wait_ms(struct pusher *p, uint64_t ms)
{
	struct timespec ts;
	bool stop;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	ts.tv_sec += (time_t)(ms / 1000);
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&p->lock);
	while (!p->stop && pthread_cond_timedwait(&p->wake, &p->lock, &ts) != ETIMEDOUT)
		;
	stop = p->stop;
	pthread_mutex_unlock(&p->lock);
	return stop;
}

static bool stopping(struct pusher *p)
{
	return __atomic_load_n(&p->stop, __ATOMIC_RELAXED);
}

static void count_drop(struct pusher *p, enum push_drop why, uint64_t windows, uint64_t samples)
{
	pthread_mutex_lock(&p->lock);
	p->st.dropped_windows[why] += windows;
	p->st.dropped_samples[why] += samples;
	pthread_mutex_unlock(&p->lock);
}

/* Past window w: the next one. */
static void advance(struct pusher *p, const struct store_window *w)
{
	p->next_ms = w->start_ms + 1;
	p->done = 0;
	cursor_save(p, true);
}

/* Is the queue from the window at the cursor over its bound? Publishes its
 * size; drops the oldest window when it is over (true). */
static bool over_bound(struct pusher *p, const struct store_window *w, uint64_t pending)
{
	pthread_mutex_lock(&p->lock);
	p->st.queued_bytes = pending;
	pthread_mutex_unlock(&p->lock);
	if (!p->o.queue_bytes || pending <= p->o.queue_bytes)
		return false;
	count_drop(p, PUSH_DROP_QUEUE_FULL, 1, w->samples);
	say(p, "push: queue over %" PRIu64 " bytes: window %" PRIu64 "-%" PRIu64
	       " (%" PRIu64 " samples) dropped unpushed",
	    p->o.queue_bytes, w->start_ms, w->end_ms, w->samples);
	advance(p, w);
	return true;
}

/* prof as gzip pprof in *buf, *len bytes (malloc'ed). 0 or -errno. */
static int encode(const struct profile *prof, char **buf, size_t *len)
{
	FILE *f = open_memstream(buf, len);
	int ret;

	if (!f)
		return -ENOMEM;
	ret = pprof__write(prof, f);
	if (fclose(f) && !ret)
		ret = -ENOMEM;
	if (ret) {
		free(*buf);
		*buf = NULL;
	}
	return ret;
}

enum send_result { SENT, DROPPED_WINDOW, STOPPED };

/* Send one series until the server takes or refuses it. */
static enum send_result send_series(struct pusher *p, const struct store_window *w,
				    const struct push_series *s)
{
	/* whole seconds, as the API has them; a window shorter than a second
	 * (the last one, at a stop) still gets one */
	uint64_t from_s = w->start_ms / 1000, until_s = w->end_ms / 1000;
	uint64_t backoff = BACKOFF_FIRST_MS;
	char *body = NULL, err[256];
	size_t len = 0;
	int ret;

	if (until_s <= from_s)
		until_s = from_s + 1;
	while (encode(s->p, &body, &len)) /* out of memory: wait for some */
		if (wait_ms(p, BACKOFF_FIRST_MS))
			return STOPPED;
	for (;;) {
		struct store_window head;
		uint64_t pending = 0, wait;

		ret = push_client__send(p->client, s->name, from_s, until_s, p->o.rate_hz, body,
					len, err, sizeof(err));
		if (ret == 0 || ret == -EBADMSG || ret == -ECANCELED)
			break;
		pthread_mutex_lock(&p->lock);
		p->st.failed++;
		pthread_mutex_unlock(&p->lock);
		if (!p->episode_failures++)
			say(p, "push: %s: %s; retrying with backoff, windows kept on disk", s->name,
			    err);
		/* the queue grew while the server was away: the window at hand
		 * is the oldest */
		if (!store__next_window(p->store, p->next_ms, &head, &pending) &&
		    over_bound(p, &head, pending)) {
			free(body);
			return DROPPED_WINDOW;
		}
		wait = backoff / 2 + (uint64_t)rand_r(&p->seed) % (backoff / 2 + 1);
		if (wait_ms(p, wait)) {
			ret = -ECANCELED;
			break;
		}
		backoff = backoff * 2 > p->o.backoff_max_ms ? p->o.backoff_max_ms : backoff * 2;
	}
	free(body);
	if (ret == -ECANCELED)
		return STOPPED;
	if (p->episode_failures && !ret) {
		say(p, "push: delivered again after %" PRIu64 " failed requests",
		    p->episode_failures);
		p->episode_failures = 0;
	}
	pthread_mutex_lock(&p->lock);
	if (!ret) {
		p->st.requests++;
		p->st.samples += s->samples;
	}
	pthread_mutex_unlock(&p->lock);
	if (ret == -EBADMSG) {
		count_drop(p, PUSH_DROP_REJECTED, 0, s->samples);
		say(p, "push: %s refused for good: %s (%" PRIu64 " samples dropped)", s->name, err,
		    s->samples);
	}
	p->done++;
	cursor_save(p, false);
	return SENT;
}

/* Push window w from series p->done on. false when stopping. */
static bool push_window(struct pusher *p, const struct store_window *w)
{
	struct profile *prof = profile__new();
	struct push_series *series = NULL;
	struct store_stats before, after;
	size_t n = 0;
	int got;

	if (!prof)
		return !wait_ms(p, BACKOFF_FIRST_MS);
	store__stats(p->store, &before);
	got = store__query(p->store, w->start_ms, w->end_ms, true, NULL, prof);
	if (got == -ENOMEM || (got > 0 && push_series__split(prof, p->o.group, &series, &n))) {
		profile__free(prof);
		return !wait_ms(p, BACKOFF_FIRST_MS); /* try again */
	}
	if (got <= 0) { /* gone (retention, between two looks) or no longer valid */
		store__stats(p->store, &after);
		/* retention counted it already when it removed it meanwhile */
		if (after.unpushed_removed == before.unpushed_removed)
			count_drop(p, PUSH_DROP_UNREADABLE, 1, w->samples);
		advance(p, w);
		profile__free(prof);
		return true;
	}
	if (p->next_ms != w->start_ms) { /* a new window: its series from the first */
		p->next_ms = w->start_ms;
		p->done = 0;
	}
	for (size_t i = p->done; i < n; i++) {
		enum send_result r = send_series(p, w, &series[i]);

		if (r != SENT) {
			push_series__free(series, n);
			profile__free(prof);
			return r != STOPPED;
		}
	}
	push_series__free(series, n);
	profile__free(prof);
	advance(p, w);
	return true;
}

static void *push_thread(void *arg)
{
	struct pusher *p = arg;

	while (!stopping(p)) {
		struct store_window w;
		uint64_t pending = 0;

		if (store__next_window(p->store, p->next_ms, &w, &pending)) {
			pthread_mutex_lock(&p->lock);
			p->st.queued_bytes = 0;
			pthread_mutex_unlock(&p->lock);
			if (wait_ms(p, IDLE_WAIT_MS))
				break;
			continue;
		}
		if (over_bound(p, &w, pending))
			continue;
		if (!push_window(p, &w))
			break;
	}
	return NULL;
}

int pusher__new(const struct push_opts *o, struct store *st, struct pusher **out, char *err,
		size_t errlen)
{
	struct pusher *p = calloc(1, sizeof(*p));
	pthread_condattr_t ca;
	struct store_stats ss;
	int ret;

	*out = NULL;
	if (!p) {
		errbuf__set(err, errlen, "push: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	p->o = *o;
	p->store = st;
	p->dfd = -1;
	pthread_mutex_init(&p->lock, NULL);
	pthread_condattr_init(&ca); /* wait_ms counts on the monotonic clock */
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&p->wake, &ca);
	pthread_condattr_destroy(&ca);
	p->seed = (unsigned int)(clock__mono_ns() ^ (uint64_t)getpid());
	/* one cursor per target: another URL starts afresh */
	snprintf(p->cursor_name, sizeof(p->cursor_name), "push-%016" PRIx64 ".cursor",
		 hmap__hash(o->target.url, strlen(o->target.url)));
	p->dfd = open(o->data_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (p->dfd < 0) {
		ret = -errno;
		errbuf__set(err, errlen, "push: open %s: %s", o->data_dir, strerror(-ret));
		goto fail;
	}
	ret = push_client__new(&o->target, &p->stop, &p->client, err, errlen);
	if (ret)
		goto fail;
	/* a cursor past the present (a clock set back, or a planted file) would
	 * hold every push back: start afresh as well */
	if (cursor_load(p) || p->next_ms > clock__real_ms()) {
		/* a first run: from the windows closed from now on */
		store__stats(st, &ss);
		p->next_ms = ss.newest_ms;
		p->done = 0;
	}
	store__set_push_cursor(st, p->next_ms);
	ret = -pthread_create(&p->thread, NULL, push_thread, p);
	if (ret) {
		errbuf__set(err, errlen, "push: thread: %s", strerror(-ret));
		goto fail;
	}
	p->started = true;
	*out = p;
	return 0;
fail:
	pusher__free(p);
	return ret;
}

void pusher__free(struct pusher *p)
{
	if (!p)
		return;
	if (p->started) {
		pthread_mutex_lock(&p->lock);
		__atomic_store_n(&p->stop, true, __ATOMIC_RELAXED);
		pthread_cond_broadcast(&p->wake);
		pthread_mutex_unlock(&p->lock);
		pthread_join(p->thread, NULL);
	}
	push_client__free(p->client);
	if (p->dfd >= 0)
		close(p->dfd);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

void pusher__stats(struct pusher *p, struct push_stats *s)
{
	pthread_mutex_lock(&p->lock);
	*s = p->st;
	pthread_mutex_unlock(&p->lock);
}
