// SPDX-License-Identifier: MIT
#include "common/array.h"
#include "sample/sampler.h"
#include "common/clock.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PENDING_POLL_MS 20 /* poll at least this often while reloads wait */
#define PRELOAD_SLICE_NS 20000000ULL /* table loading per poll while preloading */
#define BUILD_SLICE_NS 20000000ULL   /* deferred table builds per poll */
#define MAX_PRELOAD (1u << 22)

struct sampler {
	struct collector *coll;
	struct proc_table *procs;
	struct symbolizer *sym;
	struct resolver *resolver;
	struct unwinder *unwinder; /* NULL with --unwind fp */
	struct python *python;     /* NULL with --no-interpreters */
	struct py_stack *pybuf;    /* a new Python stack, read at its event */
	uint32_t count_entries, stack_entries;
	bool preload_unwind;
	const uint32_t *pids;
	size_t npids;
	size_t preloaded;
	uint64_t preload_ns;
	uint32_t *preload; /* running processes whose tables are still to load */
	size_t npreload, preload_pos, preload_cap;
	uint64_t preload_start_ns;
	uint64_t drains;
};

/* How often to look for processes whose exit event was lost. */
#define SWEEP_EVERY_DRAINS 8

/* (Re)capture pid's mappings and publish its unwind tables, building the
 * missing ones for at most budget_ns (the rest is deferred). */
static void load_unwind(struct sampler *s, uint32_t pid, bool capture, uint64_t budget_ns)
{
	struct proc *p;

	if (capture && proc_table__capture(s->procs, pid))
		return;
	if (!(s->unwinder || s->python) || !(p = proc_table__get(s->procs, pid)))
		return;
	if (s->unwinder)
		unwinder__load_proc(s->unwinder, p, budget_ns);
	if (s->python && capture)
		python__load_proc(s->python, p);
}

/* The processes running at start, whose tables load while sampling runs
 * (a few each poll), so that startup is not delayed; a process sampled
 * before its turn is loaded at its first sample anyway. */
static void list_running(struct sampler *s)
{
	struct dirent *de;
	DIR *d = opendir("/proc");

	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid = strtoul(de->d_name, &end, 10);

		if (*end || !pid || pid > UINT32_MAX || pid == (unsigned long)getpid())
			continue;
		if (s->npreload >= MAX_PRELOAD || array__grow((void **)&s->preload, &s->preload_cap,
							      s->npreload + 1, sizeof(*s->preload)))
			break;
		s->preload[s->npreload++] = (uint32_t)pid;
	}
	closedir(d);
	s->preload_start_ns = clock__mono_ns();
}

/* Load tables of listed processes for at most budget_ns. */
static void preload_some(struct sampler *s, uint64_t budget_ns)
{
	uint64_t t0 = clock__mono_ns();

	uint64_t used;

	while (s->preload_pos < s->npreload && (used = clock__mono_ns() - t0) < budget_ns) {
		load_unwind(s, s->preload[s->preload_pos++], true, budget_ns - used);
		s->preloaded++;
	}
	if (s->preload_pos == s->npreload && s->npreload) {
		s->preload_ns = clock__mono_ns() - s->preload_start_ns;
		free(s->preload);
		s->preload = NULL;
		s->npreload = s->preload_pos = s->preload_cap = 0;
	}
}

/* Reloads due (after a miss) and the builds deferred at exec, for at most
 * BUILD_SLICE_NS of building: a process left incomplete is queued again. */
static void reload_pending(struct sampler *s)
{
	uint32_t pids[256];
	size_t n = unwinder__take_pending(s->unwinder, pids, 256);
	uint64_t t0 = clock__mono_ns(), used;

	for (size_t i = 0; i < n; i++) {
		used = clock__mono_ns() - t0;
		load_unwind(s, pids[i], true, used < BUILD_SLICE_NS ? BUILD_SLICE_NS - used : 0);
	}
}

/* A process just captured (new, or a new image): its tables from the cache,
 * its interpreter if it runs one. */
static void load_proc(struct sampler *s, uint32_t pid)
{
	struct proc *p;

	load_unwind(s, pid, false, 0);
	if (s->python && (p = proc_table__get(s->procs, pid)))
		python__load_proc(s->python, p);
}

static uint64_t next_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static void on_event(void *ctx, const struct pid_event *e)
{
	struct sampler *s = ctx;
	struct proc *p;

	/* Capture now, while the process is alive: it may be gone by the
	 * drain. Its ranges are published at once from the tables cached (a
	 * new process is complete from its first sample when its files were
	 * seen before); the files never seen are built right after this batch
	 * of events, within BUILD_SLICE_NS a poll (reload_pending). */
	switch (e->type) {
	case PID_EVENT_NEW:
		if (!proc_table__capture_cg(s->procs, e->tgid, e->cgroup_id))
			load_proc(s, e->tgid);
		break;
	case PID_EVENT_EXEC: {
		/* at exec the task is its process's only thread: its comm is the
		 * process's (a new process's first sample may be any thread's) */
		char comm[sizeof(e->comm) + 1];

		memcpy(comm, e->comm, sizeof(e->comm));
		comm[sizeof(e->comm)] = '\0';
		if (!proc_table__exec(s->procs, e->tgid, e->cgroup_id, comm))
			load_proc(s, e->tgid);
		break;
	}
	case PID_EVENT_UNWIND_MISS: /* libraries mapped since the last load */
		if (s->unwinder && unwinder__on_miss(s->unwinder, e->tgid))
			load_unwind(s, e->tgid, true, 0);
		break;
	case PID_EVENT_PY_STACK: /* name its code while the process lives */
		if (s->python && !collector__py_stack(s->coll, e->py_buffer, e->py_hash, s->pybuf) &&
		    (p = proc_table__get(s->procs, e->tgid)))
			python__prefetch(s->python, p, s->pybuf);
		break;
	case PID_EVENT_EXIT:
		proc_table__mark_exited(s->procs, e->tgid, resolver__generation(s->resolver));
		if (s->unwinder)
			unwinder__forget(s->unwinder, e->tgid);
		if (s->python)
			python__forget(s->python, e->tgid);
		break;
	}
}

int sampler__new(const struct sampler_opts *o, struct profile *profile, struct sampler **out,
		 char *err, size_t errlen)
{
	struct collector_opts co = {0};
	struct sampler *s = calloc(1, sizeof(*s));
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t per_interval;
	int ret;

	*out = NULL;
	if (!s)
		return -ENOMEM;
	if (ncpus < 1)
		ncpus = 1;
	per_interval = o->freq * (uint64_t)ncpus * (o->drain_interval_ns / 1000000) / 1000;
	/* counts: every sample of an interval could be a distinct key; 4x slack
	 * for a late drain */
	s->count_entries = (uint32_t)(o->count_entries ? o->count_entries
				      : next_pow2(per_interval * 4 > 4096 ? per_interval * 4 : 4096));
	/* A STACK_TRACE map is a hash without chaining: keep it sparse so two
	 * stacks rarely share a bucket (a collision loses the stack). */
	s->stack_entries = (uint32_t)(o->stack_entries ? o->stack_entries
				      : next_pow2(per_interval * 32 > 16384 ? per_interval * 32 : 16384));
	if (s->stack_entries > (1u << 20))
		s->stack_entries = 1u << 20;
	if (s->count_entries > (1u << 24))
		s->count_entries = 1u << 24;

	struct symbolizer_opts sym_opts = {.max_bytes = (size_t)o->symbol_cache_bytes,
					   .no_lines = o->no_lines};

	if ((ret = proc_table__new(NULL, &s->procs)) || (ret = symbolizer__new(&sym_opts, &s->sym)) ||
	    (ret = resolver__new(profile, s->procs, s->sym, &s->resolver)) ||
	    (ret = resolver__set_static_labels(s->resolver, o->labels, o->nlabels))) {
		snprintf(err, errlen, "set up symbolization: %s", strerror(-ret));
		goto fail;
	}
	co.freq = (int)o->freq;
	co.idle = o->idle;
	co.pids = o->pids;
	co.npids = o->npids;
	co.follow_children = o->follow_children;
	co.filter = o->filter;
	co.count_entries = s->count_entries;
	co.stack_entries = s->stack_entries;
	co.on_event = on_event;
	co.ctx = s;
	co.unwind_mode = o->unwind_mode;
	co.interpreters = !o->no_interpreters;
	/* a few processes need fewer rows than the whole machine: 16 MiB */
	co.unwind_rows = o->npids ? 2u << 20 : 0;
	s->preload_unwind = o->preload_unwind;
	s->pids = o->pids;
	s->npids = o->npids;
	ret = collector__new(&co, &s->coll, err, errlen);
	if (ret)
		goto fail;
	{
		struct collector_unwind_maps um;

		if (!collector__unwind_maps(s->coll, &um) &&
		    (ret = unwinder__new(&um, &s->unwinder))) {
			snprintf(err, errlen, "set up the unwinder: %s", strerror(-ret));
			goto fail;
		}
	}
	{
		int fd = collector__py_procs_fd(s->coll);

		if (fd >= 0) {
			s->pybuf = malloc(sizeof(*s->pybuf));
			if (!s->pybuf || (ret = python__new(fd, &s->python))) {
				ret = s->pybuf ? ret : -ENOMEM;
				snprintf(err, errlen, "set up Python frames: %s", strerror(-ret));
				goto fail;
			}
			resolver__set_python(s->resolver, s->python);
		}
	}
	*out = s;
	return 0;
fail:
	sampler__free(s);
	return ret;
}

void sampler__free(struct sampler *s)
{
	if (!s)
		return;
	unwinder__free(s->unwinder);
	python__free(s->python);
	free(s->pybuf);
	free(s->preload);
	collector__free(s->coll);
	resolver__free(s->resolver);
	symbolizer__free(s->sym);
	proc_table__free(s->procs);
	free(s);
}

int sampler__start(struct sampler *s, char *err, size_t errlen)
{
	int ret;

	/* warm the table cache with our own libraries (libc, ld.so, the
	 * vDSO): a command started now maps the same ones, and then only its
	 * own binary's table is left to build when it execs */
	if (s->unwinder) {
		load_unwind(s, (uint32_t)getpid(), true, UNWIND_BUILD_ALL);
		unwinder__forget(s->unwinder, (uint32_t)getpid());
	}
	/* a few chosen processes: before sampling, so even their first
	 * samples are unwound */
	if (s->unwinder && s->preload_unwind && s->npids) {
		uint64_t t0 = clock__mono_ns();

		for (size_t i = 0; i < s->npids; i++, s->preloaded++)
			load_unwind(s, s->pids[i], true, UNWIND_BUILD_ALL);
		s->preload_ns = clock__mono_ns() - t0;
	}
	ret = collector__start(s->coll, err, errlen);
	if (!ret && s->unwinder && s->preload_unwind && !s->npids)
		list_running(s);
	return ret;
}

void sampler__stop(struct sampler *s)
{
	collector__stop(s->coll);
}

int sampler__poll(struct sampler *s, int timeout_ms)
{
	int ret;

	if (s->unwinder && unwinder__has_pending(s->unwinder) && timeout_ms > PENDING_POLL_MS)
		timeout_ms = PENDING_POLL_MS;
	if (s->npreload)
		timeout_ms = 0;
	ret = collector__poll(s->coll, timeout_ms);
	if (s->unwinder) {
		reload_pending(s);
		if (s->npreload)
			preload_some(s, PRELOAD_SLICE_NS);
	}
	return ret;
}

/* Deleted files no process maps any more: their tables can go. */
static void forget_gone_files(struct sampler *s)
{
	struct proc_gone_file gone[256];
	size_t n;

	while ((n = proc_table__take_gone(s->procs, gone, 256)) > 0)
		for (size_t i = 0; i < n; i++)
			if (s->unwinder)
				unwinder__forget_file(s->unwinder, gone[i].dev, gone[i].ino);
}

int sampler__drain(struct sampler *s)
{
	int ret = collector__drain(s->coll, resolver__add, s->resolver);
	/* processes that exited before the previous drain have no samples left
	 * in either buffer */
	proc_table__reap(s->procs, resolver__generation(s->resolver));
	forget_gone_files(s);
	if (++s->drains % SWEEP_EVERY_DRAINS == 0)
		proc_table__sweep(s->procs, resolver__generation(s->resolver));
	resolver__next_generation(s->resolver);
	return ret < 0 ? ret : 0;
}

int sampler__set_profile(struct sampler *s, struct profile *profile)
{
	return resolver__set_profile(s->resolver, profile);
}

void sampler__preload_kernel_symbols(struct sampler *s)
{
	struct sym_result res;
	const char *module;

	symbolizer__kernel(s->sym, 0, &res, &module);
}

int sampler__probe_maps(struct sampler *s)
{
	return collector__probe_maps(s->coll);
}

int sampler__add_pid(struct sampler *s, uint32_t pid)
{
	return collector__add_pid(s->coll, pid);
}

void sampler__stats(struct sampler *s, struct sampler_stats *st)
{
	memset(st, 0, sizeof(*st));
	collector__metrics(s->coll, st->metrics);
	resolver__stats(s->resolver, &st->resolver);
	symbolizer__stats(s->sym, &st->symbolizer);
	proc_table__stats(s->procs, &st->procs);
	root_open__stats_add(&st->files_refused, &st->symbolizer.refused);
	root_open__stats_add(&st->files_refused, &st->procs.refused);
	st->count_entries = s->count_entries;
	st->stack_entries = s->stack_entries;
	collector__last_drain(s->coll, &st->last_drain_keys, &st->last_drain_stacks);
	st->ncpus = collector__ncpus(s->coll);
	st->unwind_mode = collector__unwind_mode(s->coll);
	if (s->unwinder)
		unwinder__stats(s->unwinder, &st->unwind);
	st->python = s->python != NULL;
	if (s->python)
		python__stats(s->python, &st->python_st);
	st->unwind_preloaded = s->preloaded;
	st->unwind_preload_ns = s->preload_ns;
	collector__bpf_stats(s->coll, &st->bpf_run_ns, &st->bpf_runs);
}
