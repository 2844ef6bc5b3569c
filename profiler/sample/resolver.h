/* SPDX-License-Identifier: MIT */
/*
 * resolver.h - turn drained raw samples (pid, address stacks) into profile
 * samples with symbolized frames, root first.
 */
#ifndef BPFPROF_RESOLVER_H
#define BPFPROF_RESOLVER_H

#include <stdint.h>

#include "sample/collector.h"
#include "sample/proc.h"
#include "format/profile.h"
#include "sample/python.h"
#include "symbolizer/symbolizer.h"

struct resolver;

struct resolver_stats {
	uint64_t samples;           /* samples added to the profile */
	uint64_t truncated_user;    /* user stack hit the depth limit */
	uint64_t user_stack_lost;   /* user stack id was an error */
	uint64_t kernel_stack_lost; /* kernel stack id was an error */
	uint64_t frames, unresolved_frames;
	uint64_t cache_resets;      /* address cache full: started afresh */
	uint64_t py_samples;        /* samples with Python frames merged in */
	uint64_t py_frames;         /* Python frames placed in those samples */
};

/* The resolver borrows profile, procs and symbolizer; they must outlive it. */
int resolver__new(struct profile *profile, struct proc_table *procs, struct symbolizer *sym,
		  struct resolver **out);
void resolver__free(struct resolver *r);

/* Labels every sample gets (host, --label ones; copied), besides those of
 * its process: exe, and container_id, pod_uid, service from its cgroup
 * (identity.h). 0 or -ENOMEM. */
int resolver__set_static_labels(struct resolver *r, const struct profile_label *l, size_t n);

/* Name the Python frames of samples with py (borrowed; NULL: they are
 * ignored). */
void resolver__set_python(struct resolver *r, struct python *py);

/* A collector_sample_fn: pass the resolver as ctx. */
int resolver__add(void *resolver, const struct sample_key *key, uint64_t count,
		  const uint64_t *kstack, int kdepth, const uint64_t *ustack, int udepth,
		  const struct py_stack *py);

/* Start a new drain generation (allows one maps refresh per process). */
void resolver__next_generation(struct resolver *r);
uint64_t resolver__generation(const struct resolver *r);

/* Add future samples to another profile (the agent starts one per window);
 * forgets the frame cache, whose ids belong to the old profile. */
int resolver__set_profile(struct resolver *r, struct profile *profile);

/*
 * Symbolize one user address of process p (NULL: unknown) the way profiles
 * are: a file mapping through the symbolizer, [vdso] by name, anonymous code
 * through the process's perf map (*jit set). Returns the mapping or NULL.
 */
const struct proc_mapping *resolver__lookup_user(struct proc_table *procs, struct symbolizer *sym,
						 struct proc *p, uint64_t addr, uint64_t generation,
						 struct sym_result *res, int *jit);

void resolver__stats(const struct resolver *r, struct resolver_stats *st);

#endif
