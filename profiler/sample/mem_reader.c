// SPDX-License-Identifier: MIT
/*
 * mem_reader.c - another process's memory, read on a thread of its own with
 * a deadline (see mem_reader.h).
 *
 * A job is one reading thread and its request slot. The reader hands it a
 * request and waits on the job's condition; when the deadline passes first,
 * the reader marks the job abandoned and forgets it; the thread, whenever
 * its read returns, sees that and ends. Whoever lets go of the job last
 * frees it. The count of stuck threads lives in a small block that outlives
 * the reader for the same reason.
 */
#include "sample/mem_reader.h"
#include "common/clock.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>

#define MAX_BLOCKED 16 /* processes left alone at once; the oldest goes first */

struct shared {
	_Atomic uint32_t stuck;
	_Atomic int refs;
};

struct job {
	pthread_mutex_t lock;
	pthread_cond_t cond; /* both ways: a request, an answer (CLOCK_MONOTONIC) */
	int refs;            /* the reader's and the thread's */
	bool asked, done, abandoned;
	pid_t pid;
	uint64_t addr;
	size_t len, cap;
	uint8_t *data;
	ssize_t n;
	struct shared *shared;
};

struct blocked {
	pid_t pid;
	uint64_t until_ns;
};

struct mem_reader {
	struct job *job; /* the idle thread's, or NULL */
	struct shared *shared;
	struct blocked blocked[MAX_BLOCKED];
	struct mem_reader_stats st;
};

static void shared_put(struct shared *sh)
{
	if (atomic_fetch_sub(&sh->refs, 1) == 1)
		free(sh);
}

static void job_put(struct job *j)
{
	bool last;

	pthread_mutex_lock(&j->lock);
	last = --j->refs == 0;
	pthread_mutex_unlock(&j->lock);
	if (!last)
		return;
	pthread_cond_destroy(&j->cond);
	pthread_mutex_destroy(&j->lock);
	shared_put(j->shared);
	free(j->data);
	free(j);
}

static void *worker(void *arg)
{
	struct job *j = arg;

	pthread_mutex_lock(&j->lock);
	for (;;) {
		struct iovec local, remote;
		ssize_t n;
		pid_t pid;

		while (!j->asked && !j->abandoned)
			pthread_cond_wait(&j->cond, &j->lock);
		if (j->abandoned) {
			if (j->asked) /* given up on before it even started: counted stuck */
				atomic_fetch_sub(&j->shared->stuck, 1);
			break;
		}
		local = (struct iovec){.iov_base = j->data, .iov_len = j->len};
		remote = (struct iovec){.iov_base = (void *)(uintptr_t)j->addr, .iov_len = j->len};
		pid = j->pid;
		j->asked = false;
		pthread_mutex_unlock(&j->lock);
		n = process_vm_readv(pid, &local, 1, &remote, 1, 0);
		pthread_mutex_lock(&j->lock);
		j->n = n;
		j->done = true;
		if (j->abandoned) { /* the page came after all: no longer stuck */
			atomic_fetch_sub(&j->shared->stuck, 1);
			break;
		}
		pthread_cond_broadcast(&j->cond);
	}
	pthread_mutex_unlock(&j->lock);
	job_put(j);
	return NULL;
}

static int new_job(struct mem_reader *r)
{
	struct job *j = calloc(1, sizeof(*j));
	pthread_condattr_t ca;
	pthread_attr_t ta;
	pthread_t t;
	int ret;

	if (!j)
		return -ENOMEM;
	pthread_mutex_init(&j->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&j->cond, &ca);
	pthread_condattr_destroy(&ca);
	j->refs = 2;
	j->shared = r->shared;
	atomic_fetch_add(&r->shared->refs, 1);
	pthread_attr_init(&ta);
	pthread_attr_setdetachstate(&ta, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&ta, 64 << 10); /* it calls one system call */
	ret = pthread_create(&t, &ta, worker, j);
	pthread_attr_destroy(&ta);
	if (ret) {
		j->refs = 1;
		job_put(j);
		return -ret;
	}
	r->job = j;
	return 0;
}

int mem_reader__new(struct mem_reader **out)
{
	struct mem_reader *r = calloc(1, sizeof(*r));

	*out = NULL;
	if (!r || !(r->shared = calloc(1, sizeof(*r->shared)))) {
		free(r);
		return -ENOMEM;
	}
	atomic_init(&r->shared->refs, 1);
	*out = r;
	return 0;
}

void mem_reader__free(struct mem_reader *r)
{
	if (!r)
		return;
	if (r->job) { /* idle: it ends at once */
		pthread_mutex_lock(&r->job->lock);
		r->job->abandoned = true;
		pthread_cond_broadcast(&r->job->cond);
		pthread_mutex_unlock(&r->job->lock);
		job_put(r->job);
	}
	shared_put(r->shared);
	free(r);
}

static bool is_blocked(const struct mem_reader *r, pid_t pid, uint64_t now)
{
	for (int i = 0; i < MAX_BLOCKED; i++)
		if (r->blocked[i].pid == pid && now < r->blocked[i].until_ns)
			return true;
	return false;
}

static void block(struct mem_reader *r, pid_t pid, uint64_t now)
{
	struct blocked *b = &r->blocked[0];

	for (int i = 1; i < MAX_BLOCKED; i++)
		if (r->blocked[i].until_ns < b->until_ns)
			b = &r->blocked[i];
	*b = (struct blocked){pid, now + MEM_READER_BLOCK_S * 1000000000ULL};
}

int mem_reader__read(struct mem_reader *r, pid_t pid, uint64_t addr, void *buf, size_t len)
{
	uint64_t now = clock__mono_ns(), end = now + MEM_READER_TIMEOUT_MS * 1000000ULL;
	struct timespec deadline = {.tv_sec = (time_t)(end / 1000000000ULL),
				    .tv_nsec = (long)(end % 1000000000ULL)};
	struct job *j;
	ssize_t n;
	int ret;

	r->st.reads++;
	if (is_blocked(r, pid, now) || atomic_load(&r->shared->stuck) >= MEM_READER_MAX_STUCK) {
		r->st.refused++;
		return -ETIMEDOUT;
	}
	if (!r->job && (ret = new_job(r)))
		return ret;
	j = r->job;
	pthread_mutex_lock(&j->lock);
	if (len > j->cap) { /* the thread is idle: its buffer is the reader's to grow */
		uint8_t *d = realloc(j->data, len);

		if (!d) {
			pthread_mutex_unlock(&j->lock);
			return -ENOMEM;
		}
		j->data = d;
		j->cap = len;
	}
	j->pid = pid;
	j->addr = addr;
	j->len = len;
	j->done = false;
	j->asked = true;
	pthread_cond_broadcast(&j->cond);
	ret = 0;
	while (!j->done && ret != ETIMEDOUT)
		ret = pthread_cond_timedwait(&j->cond, &j->lock, &deadline);
	if (!j->done) { /* stuck in the kernel: leave the thread to it */
		j->abandoned = true;
		atomic_fetch_add(&r->shared->stuck, 1);
		pthread_mutex_unlock(&j->lock);
		job_put(j);
		r->job = NULL;
		block(r, pid, now);
		r->st.timeouts++;
		return -ETIMEDOUT;
	}
	n = j->n;
	if (n == (ssize_t)len)
		memcpy(buf, j->data, len);
	pthread_mutex_unlock(&j->lock);
	return n == (ssize_t)len ? 0 : -EFAULT;
}

void mem_reader__stats(struct mem_reader *r, struct mem_reader_stats *st)
{
	*st = r->st;
	st->stuck = atomic_load(&r->shared->stuck);
}
