// SPDX-License-Identifier: MIT
/*
 * agent.c - the agent's state and its windows: set-up, one turn of the main
 * loop, the window close, and what it publishes to the HTTP threads.
 */
#include "agent/agent.h"
#include "agent/agent_api.h"
#include "agent/http_server.h"
#include "common/clock.h"
#include "common/errbuf.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* How long agent__step waits for events: it paces window checks and flush
 * requests (events wake it at once). */
#define STEP_WAIT_MS 500

struct agent {
	struct agent_opts o;
	struct store *store;
	struct sampler *sampler;
	struct profile *window;	  /* the open window, filled by the sampler */
	uint64_t window_start_ms; /* real time, for the history */
	uint64_t window_start_ns; /* monotonic, for the window length */
	struct http_server *http;

	/* shared with the HTTP threads */
	pthread_mutex_t lock;
	pthread_cond_t flushed;
	uint64_t flush_requested, flush_done; /* counters */
	uint64_t last_window_end_ms;
	bool stopping;
	struct sampler_stats stats; /* published after every window */
	uint64_t windows_closed, drain_errors;

	/* a write failure episode, main thread only: logged at its first
	 * window and when it ends, not once per window */
	uint64_t windows_lost;
	enum store_write_error lost_reason;
};

int agent__new(const struct agent_opts *opts, struct agent **out, char *err, size_t errlen)
{
	struct agent *a = calloc(1, sizeof(*a));
	struct store_opts sto = {0};
	struct sampler_opts so = {0};
	int ret;

	*out = NULL;
	if (!a) {
		errbuf__set(err, errlen, "agent: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	a->o = *opts;
	pthread_mutex_init(&a->lock, NULL);
	pthread_cond_init(&a->flushed, NULL);

	sto.dir = opts->data_dir;
	sto.retention_ms = opts->retention_ns / 1000000ULL;
	sto.max_bytes = opts->max_disk;
	ret = store__open(&sto, &a->store, err, errlen);
	if (ret)
		goto fail;
	a->window = profile__new();
	if (!a->window) {
		errbuf__set(err, errlen, "agent: %s", strerror(ENOMEM));
		ret = -ENOMEM;
		goto fail;
	}
	so.freq = opts->freq;
	so.idle = opts->idle;
	so.drain_interval_ns = opts->window_ns;
	so.symbol_cache_bytes = opts->symbol_cache;
	/* an always-on agent's memory budget: names by default, lines on request */
	so.no_lines = !opts->lines;
	so.unwind_mode = opts->unwind_mode;
	so.preload_unwind = true;
	ret = sampler__new(&so, a->window, &a->sampler, err, errlen);
	if (!ret)
		ret = sampler__start(a->sampler, err, errlen);
	if (ret)
		goto fail;
	/* paid at start-up, not in the middle of the first window */
	sampler__preload_kernel_symbols(a->sampler);
	ret = http_server__start(opts->listen, agent_api__handle, a, &a->http, err, errlen);
	if (ret)
		goto fail;
	a->window_start_ms = clock__real_ms();
	a->window_start_ns = clock__mono_ns();
	*out = a;
	return 0;
fail:
	agent__free(a);
	return ret;
}

void agent__free(struct agent *a)
{
	if (!a)
		return;
	/* the server first: its threads read the store and the published state */
	http_server__stop(a->http);
	sampler__free(a->sampler);
	profile__free(a->window);
	store__close(a->store);
	pthread_cond_destroy(&a->flushed);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* Store the closed window; say so when windows start to be lost (once per
 * episode, or when the reason changes) and when they are stored again. */
static void store_window(struct agent *a, uint64_t end_ms)
{
	char err[256], msg[400];
	int ret;

	/* an idle window is no history: the timeline shows it as zero anyway */
	if (!profile__total(a->window))
		return;
	ret = store__append(a->store, a->window, a->window_start_ms, end_ms, err, sizeof(err));
	if (ret && (!a->windows_lost || a->lost_reason != store__write_error(ret))) {
		snprintf(msg, sizeof(msg),
			 "window lost: %s (until one is written, further losses are "
			 "counted in /metrics, not logged)",
			 err);
		if (a->o.log)
			a->o.log(msg);
		a->lost_reason = store__write_error(ret);
	}
	if (ret) {
		a->windows_lost++;
		return;
	}
	if (a->windows_lost) {
		snprintf(msg, sizeof(msg), "windows are written again; %llu were lost",
			 (unsigned long long)a->windows_lost);
		if (a->o.log)
			a->o.log(msg);
		a->windows_lost = 0;
	}
}

/* Drain the open window into its profile, store it, start the next. */
static void close_window(struct agent *a)
{
	uint64_t end_ms = clock__real_ms();
	struct profile *next = profile__new();
	struct profile_meta *m = profile__meta(a->window);
	int ret;

	ret = sampler__drain(a->sampler);
	m->time_ns = a->window_start_ms * 1000000ULL;
	m->duration_ns = (end_ms - a->window_start_ms) * 1000000ULL;
	m->period_ns = 1000000000ULL / a->o.freq;
	store_window(a, end_ms);
	if (next) { /* without memory, keep filling the old one: better than losing it */
		profile__free(a->window);
		a->window = next;
		sampler__set_profile(a->sampler, next);
	}
	pthread_mutex_lock(&a->lock);
	sampler__stats(a->sampler, &a->stats);
	a->windows_closed++;
	if (ret)
		a->drain_errors++;
	a->last_window_end_ms = end_ms;
	pthread_mutex_unlock(&a->lock);
	a->window_start_ms = end_ms;
	a->window_start_ns = clock__mono_ns();
}

void agent__step(struct agent *a)
{
	uint64_t asked;

	sampler__poll(a->sampler, STEP_WAIT_MS);
	pthread_mutex_lock(&a->lock);
	asked = a->flush_requested;
	pthread_mutex_unlock(&a->lock);
	if (asked == a->flush_done && clock__mono_ns() - a->window_start_ns < a->o.window_ns)
		return;
	close_window(a);
	/* every request made before the close is served by it */
	pthread_mutex_lock(&a->lock);
	a->flush_done = asked;
	pthread_cond_broadcast(&a->flushed);
	pthread_mutex_unlock(&a->lock);
}

uint64_t agent__stop(struct agent *a)
{
	uint64_t windows;

	sampler__stop(a->sampler);
	close_window(a);
	pthread_mutex_lock(&a->lock);
	a->stopping = true;
	a->flush_done = a->flush_requested;
	pthread_cond_broadcast(&a->flushed);
	windows = a->windows_closed;
	pthread_mutex_unlock(&a->lock);
	return windows;
}

uint64_t agent__flush(struct agent *a)
{
	uint64_t want, end = 0;

	pthread_mutex_lock(&a->lock);
	want = ++a->flush_requested;
	while (a->flush_done < want && !a->stopping)
		pthread_cond_wait(&a->flushed, &a->lock);
	if (!a->stopping || a->flush_done >= want)
		end = a->last_window_end_ms;
	pthread_mutex_unlock(&a->lock);
	return end;
}

const struct agent_opts *agent__opts(const struct agent *a)
{
	return &a->o;
}

void agent__store_stats(struct agent *a, struct store_stats *st)
{
	store__stats(a->store, st);
}

struct store *agent__store(struct agent *a)
{
	return a->store;
}

bool agent__stopping(struct agent *a)
{
	bool stopping;

	pthread_mutex_lock(&a->lock);
	stopping = a->stopping;
	pthread_mutex_unlock(&a->lock);
	return stopping;
}

static uint64_t rss_bytes(void)
{
	unsigned long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "re");

	if (f) {
		if (fscanf(f, "%lu %lu", &size, &resident) != 2)
			resident = 0;
		fclose(f);
	}
	return (uint64_t)resident * (uint64_t)sysconf(_SC_PAGESIZE);
}

void agent__snapshot(struct agent *a, struct agent_snapshot *s)
{
	const struct sampler_stats *st = &s->sampler;
	struct rusage ru;

	memset(s, 0, sizeof(*s));
	pthread_mutex_lock(&a->lock);
	s->sampler = a->stats;
	s->windows_closed = a->windows_closed;
	s->drain_errors = a->drain_errors;
	pthread_mutex_unlock(&a->lock);
	store__stats(a->store, &s->store);

	s->counts_fill = st->count_entries ? (double)st->last_drain_keys / st->count_entries : 0;
	s->stacks_fill = st->stack_entries ? (double)st->last_drain_stacks / st->stack_entries : 0;
	s->unwind_table_bytes = st->unwind.rows_used * (uint64_t)sizeof(struct unwind_row);
	s->unwind_seconds = st->metrics[METRIC_UNWIND_NS] / 1e9;
	s->bpf_run_seconds = st->bpf_run_ns / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	s->cpu_seconds = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
			 ru.ru_stime.tv_usec / 1e6;
	s->rss_bytes = rss_bytes();
}
