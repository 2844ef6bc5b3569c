// SPDX-License-Identifier: MIT
#include "sampler.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct sampler {
	struct collector *coll;
	struct proc_table *procs;
	struct symbolizer *sym;
	struct resolver *resolver;
	uint32_t count_entries, stack_entries;
	uint64_t drains;
};

/* How often to look for processes whose exit event was lost. */
#define SWEEP_EVERY_DRAINS 8

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

	switch (e->type) {
	case PID_EVENT_NEW:
	case PID_EVENT_EXEC:
		/* now, while the process is alive: it may be gone by the drain */
		proc_table__capture(s->procs, e->tgid);
		break;
	case PID_EVENT_EXIT:
		proc_table__mark_exited(s->procs, e->tgid, resolver__generation(s->resolver));
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

	if ((ret = proc_table__new(NULL, &s->procs)) || (ret = symbolizer__new(NULL, &s->sym)) ||
	    (ret = resolver__new(profile, s->procs, s->sym, &s->resolver))) {
		snprintf(err, errlen, "set up symbolization: %s", strerror(-ret));
		goto fail;
	}
	co.freq = (int)o->freq;
	co.idle = o->idle;
	co.pids = o->pids;
	co.npids = o->npids;
	co.follow_children = o->follow_children;
	co.count_entries = s->count_entries;
	co.stack_entries = s->stack_entries;
	co.on_event = on_event;
	co.ctx = s;
	ret = collector__new(&co, &s->coll, err, errlen);
	if (ret)
		goto fail;
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
	collector__free(s->coll);
	resolver__free(s->resolver);
	symbolizer__free(s->sym);
	proc_table__free(s->procs);
	free(s);
}

int sampler__start(struct sampler *s, char *err, size_t errlen)
{
	return collector__start(s->coll, err, errlen);
}

void sampler__stop(struct sampler *s)
{
	collector__stop(s->coll);
}

int sampler__poll(struct sampler *s, int timeout_ms)
{
	return collector__poll(s->coll, timeout_ms);
}

int sampler__drain(struct sampler *s)
{
	int ret = collector__drain(s->coll, resolver__add, s->resolver);
	/* processes that exited before the previous drain have no samples left
	 * in either buffer */
	proc_table__reap(s->procs, resolver__generation(s->resolver));
	if (++s->drains % SWEEP_EVERY_DRAINS == 0)
		proc_table__sweep(s->procs, resolver__generation(s->resolver));
	resolver__next_generation(s->resolver);
	return ret < 0 ? ret : 0;
}

int sampler__set_profile(struct sampler *s, struct profile *profile)
{
	return resolver__set_profile(s->resolver, profile);
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
	st->count_entries = s->count_entries;
	st->stack_entries = s->stack_entries;
	collector__last_drain(s->coll, &st->last_drain_keys, &st->last_drain_stacks);
	st->ncpus = collector__ncpus(s->coll);
	collector__bpf_stats(s->coll, &st->bpf_run_ns, &st->bpf_runs);
}
