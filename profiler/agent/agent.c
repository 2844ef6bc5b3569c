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
#include "common/sigbus_guard.h"
#include "sample/caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* How long agent__step waits for events: it paces window checks and flush
 * requests (events wake it at once). */
#define STEP_WAIT_MS 500

/* A request's own collection of samples (/debug/pprof/profile): fed by
 * every drain while it is started, without closing windows. The flags change
 * under the agent's lock; p is the main loop's until done. */
struct agent_tap {
	struct profile *p;
	uint64_t start_ms, end_ms;
	bool started;	/* by a drain: it gets the samples of the next drains */
	bool end_asked; /* by its requester */
	bool cancelled; /* its requester left: the main loop frees it */
	bool done;	/* by a drain: unlinked, its requester's to take */
	bool failed;	/* out of memory: part of its samples are missing */
	bool cut;	/* ended by agent__stop, not by its requester */
	struct agent_tap *next;
};

struct agent {
	struct agent_opts o;
	struct store *store;
	struct sampler *sampler;
	struct profile *window;	  /* the open window */
	struct profile *drained;  /* what the sampler fills; merged into the window
				   * and the active taps at every drain */
	uint64_t window_start_ms; /* real time, for the history */
	uint64_t window_start_ns; /* monotonic, for the window length */
	struct http_server *http;
	struct pusher *push;

	/* shared with the HTTP threads */
	pthread_mutex_t lock;
	pthread_cond_t tapped; /* a tap changed state */
	struct agent_tap *taps; /* not done: the main loop's to advance */
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
	pthread_cond_init(&a->tapped, NULL);

	sto.dir = opts->data_dir;
	sto.retention_ms = opts->retention_ns / 1000000ULL;
	sto.max_bytes = opts->max_disk;
	ret = store__open(&sto, &a->store, err, errlen);
	if (ret)
		goto fail;
	a->window = profile__new();
	a->drained = profile__new();
	if (!a->window || !a->drained) {
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
	so.no_interpreters = opts->no_interpreters;
	so.preload_unwind = true;
	so.labels = opts->labels;
	so.nlabels = opts->nlabels;
	ret = sampler__new(&so, a->drained, &a->sampler, err, errlen);
	if (ret)
		goto fail;
	/* paid at start-up, before sampling: not while the first samples'
	 * processes wait for their unwind tables */
	sampler__preload_kernel_symbols(a->sampler);
	ret = sampler__start(a->sampler, err, errlen);
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

int agent__listen(struct agent *a, char *err, size_t errlen)
{
	struct http_server_opts hso = {
		.listen = a->o.listen,
		.fn = agent_api__handle,
		.ctx = a,
		.cheap_paths = agent_api__cheap_paths,
	};

	return http_server__start(&hso, &a->http, err, errlen);
}

int agent__start_push(struct agent *a, const struct push_opts *o, char *err, size_t errlen)
{
	return pusher__new(o, a->store, &a->push, err, errlen);
}

/* The port of ADDR:PORT, 0 when there is none. */
static unsigned long listen_port(const char *listen)
{
	const char *colon = strrchr(listen, ':');

	return colon ? strtoul(colon + 1, NULL, 10) : 0;
}

int agent__limit_privileges(struct agent *a, uint64_t *kept)
{
	uint64_t keep = AGENT_KEEP_CAPS;
	int ret;

	if (!caps__known(CAP_CHECKPOINT_RESTORE)) /* before 5.9: map_files wants this */
		keep |= 1ULL << CAP_SYS_ADMIN;
	if (listen_port(a->o.listen) < 1024) /* agent__listen binds after the drop */
		keep |= 1ULL << CAP_NET_BIND_SERVICE;
	/* kernels before 6.5 with kernel.unprivileged_bpf_disabled check
	 * CAP_BPF on every bpf() call, map lookups included: try without */
	ret = caps__set_effective(keep);
	if (!ret && sampler__probe_maps(a->sampler) == -EPERM)
		keep |= 1ULL << CAP_BPF;
	if (!ret)
		ret = caps__set_effective(UINT64_MAX);
	if (!ret)
		ret = caps__limit(keep);
	*kept = keep;
	return ret;
}

void agent__free(struct agent *a)
{
	if (!a)
		return;
	/* the server and the pusher first: their threads read the store and
	 * the published state */
	http_server__stop(a->http);
	pusher__free(a->push);
	sampler__free(a->sampler);
	profile__free(a->window);
	profile__free(a->drained);
	while (a->taps) { /* none left after agent__stop; agent__new's failure */
		struct agent_tap *t = a->taps;

		a->taps = t->next;
		profile__free(t->p);
		free(t);
	}
	store__close(a->store);
	pthread_cond_destroy(&a->tapped);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/*
 * Drain the samples taken since the last drain into a->drained, then merge
 * them into the open window and into every active tap: each sample lands in
 * the history exactly once, and in every tap active across its drain. Taps
 * asking to start become active after it (they see none of the samples taken
 * before they asked), taps asking to end get their last samples and are done.
 * With ending set (agent__stop), every tap ends.
 */
static void drain(struct agent *a, bool ending)
{
	struct profile *next = profile__new();
	uint64_t now_ms = clock__real_ms();
	int ret = -ENOMEM;

	/* without memory the samples stay in the maps, for the next drain */
	if (next) {
		ret = sampler__drain(a->sampler);
		if (profile__merge(a->window, a->drained))
			ret = -ENOMEM;
	}
	pthread_mutex_lock(&a->lock);
	for (struct agent_tap **pt = &a->taps; *pt;) {
		struct agent_tap *t = *pt;

		if (t->cancelled) {
			*pt = t->next;
			profile__free(t->p);
			free(t);
			continue;
		}
		if (next && t->started && profile__merge(t->p, a->drained))
			t->failed = true;
		if (t->end_asked || ending) {
			/* a tap no drain started is empty: start and end now */
			if (!t->started)
				t->start_ms = now_ms;
			t->cut = !t->end_asked;
			t->end_ms = now_ms;
			t->done = true;
			*pt = t->next;
			continue;
		}
		if (!t->started) {
			t->started = true;
			t->start_ms = now_ms;
		}
		pt = &t->next;
	}
	if (ending) /* no tap starts after the last drain */
		a->stopping = true;
	if (ret)
		a->drain_errors++;
	pthread_cond_broadcast(&a->tapped);
	pthread_mutex_unlock(&a->lock);
	if (next) {
		profile__free(a->drained);
		a->drained = next;
		sampler__set_profile(a->sampler, next);
	}
}

/* Store the open window (drained by the caller) and start the next. */

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

	m->time_ns = a->window_start_ms * 1000000ULL;
	m->duration_ns = (end_ms - a->window_start_ms) * 1000000ULL;
	m->period_ns = 1000000000ULL / a->o.freq;
	store_window(a, end_ms);
	if (next) { /* without memory, keep filling the old one: better than losing it */
		profile__free(a->window);
		a->window = next;
	}
	pthread_mutex_lock(&a->lock);
	sampler__stats(a->sampler, &a->stats);
	a->windows_closed++;
	pthread_mutex_unlock(&a->lock);
	a->window_start_ms = end_ms;
	a->window_start_ns = clock__mono_ns();
}

void agent__step(struct agent *a)
{
	bool asked = false, due;

	sampler__poll(a->sampler, STEP_WAIT_MS);
	pthread_mutex_lock(&a->lock);
	for (struct agent_tap *t = a->taps; t && !asked; t = t->next)
		asked = !t->started || t->end_asked || t->cancelled;
	pthread_mutex_unlock(&a->lock);
	due = clock__mono_ns() - a->window_start_ns >= a->o.window_ns;
	if (asked || due)
		drain(a, false);
	if (due)
		close_window(a);
}

uint64_t agent__stop(struct agent *a)
{
	uint64_t windows;

	sampler__stop(a->sampler);
	drain(a, true);
	close_window(a);
	pthread_mutex_lock(&a->lock);
	windows = a->windows_closed;
	pthread_mutex_unlock(&a->lock);
	return windows;
}

struct agent_tap *agent__tap_start(struct agent *a)
{
	struct agent_tap *t = calloc(1, sizeof(*t));

	if (!t || !(t->p = profile__new())) {
		free(t);
		return NULL;
	}
	pthread_mutex_lock(&a->lock);
	if (a->stopping) {
		pthread_mutex_unlock(&a->lock);
		profile__free(t->p);
		free(t);
		return NULL;
	}
	t->next = a->taps;
	a->taps = t;
	pthread_mutex_unlock(&a->lock);
	return t;
}

void agent__tap_end(struct agent *a, struct agent_tap *t)
{
	pthread_mutex_lock(&a->lock);
	t->end_asked = true;
	pthread_mutex_unlock(&a->lock);
}

bool agent__tap_wait(struct agent *a, struct agent_tap *t, int timeout_ms)
{
	struct timespec deadline;
	bool done;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&a->lock);
	while (!t->done)
		if (pthread_cond_timedwait(&a->tapped, &a->lock, &deadline))
			break;
	done = t->done;
	pthread_mutex_unlock(&a->lock);
	return done;
}

struct profile *agent__tap_take(struct agent *a, struct agent_tap *t, bool *cut)
{
	struct profile *p = NULL;
	struct profile_meta *m;

	/* done: unlinked by the main loop, ours alone */
	*cut = t->cut;
	if (!t->failed) {
		p = t->p;
		t->p = NULL;
		m = profile__meta(p);
		m->time_ns = t->start_ms * 1000000ULL;
		m->duration_ns = (t->end_ms - t->start_ms) * 1000000ULL;
		m->period_ns = 1000000000ULL / a->o.freq;
	}
	profile__free(t->p);
	free(t);
	return p;
}

void agent__tap_cancel(struct agent *a, struct agent_tap *t)
{
	bool done;

	pthread_mutex_lock(&a->lock);
	done = t->done;
	t->cancelled = true; /* not done: the main loop unlinks and frees it */
	pthread_mutex_unlock(&a->lock);
	if (done) {
		profile__free(t->p);
		free(t);
	}
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
	if (a->http)
		http_server__stats(a->http, &s->http);
	store__stats(a->store, &s->store);
	if (a->push) { /* set before the HTTP threads start */
		pusher__stats(a->push, &s->push);
		s->push.dropped_windows[PUSH_DROP_RETENTION] = s->store.unpushed_removed;
		s->push.dropped_samples[PUSH_DROP_RETENTION] = s->store.unpushed_removed_samples;
	}

	s->counts_fill = st->count_entries ? (double)st->last_drain_keys / st->count_entries : 0;
	s->stacks_fill = st->stack_entries ? (double)st->last_drain_stacks / st->stack_entries : 0;
	s->unwind_table_bytes = st->unwind.rows_used * (uint64_t)sizeof(struct unwind_row);
	s->unwind_seconds = st->metrics[METRIC_UNWIND_NS] / 1e9;
	s->python_seconds = st->metrics[METRIC_PY_NS] / 1e9;
	s->bpf_run_seconds = st->bpf_run_ns / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	s->cpu_seconds = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
			 ru.ru_stime.tv_usec / 1e6;
	s->rss_bytes = rss_bytes();
	s->truncated_pages = sigbus_guard__pages();
}
