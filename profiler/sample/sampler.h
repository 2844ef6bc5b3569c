/* SPDX-License-Identifier: MIT */
/*
 * sampler.h - the collector wired to process tracking and symbolization:
 * what `record` and `serve` share. Drained samples land, symbolized, in the
 * profile given with sampler__set_profile().
 */
#ifndef BPFPROF_SAMPLER_H
#define BPFPROF_SAMPLER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sample/collector.h"
#include "sample/proc.h"
#include "format/profile.h"
#include "sample/resolver.h"
#include "symbolizer/symbolizer.h"
#include "sample/unwinder.h"
#include "sample/python.h"

struct sampler_opts {
	uint64_t freq;
	bool idle;
	const uint32_t *pids; /* NULL = every process */
	size_t npids;
	bool follow_children;
	uint64_t drain_interval_ns; /* sizes the maps: one interval of samples fits */
	uint64_t count_entries, stack_entries; /* 0 = sized from the above */
	uint64_t symbol_cache_bytes;           /* parsed symbol tables kept; 0 = default */
	bool no_lines;                         /* names only: no DWARF line/inline index */
	int unwind_mode;      /* enum unwind_mode: UNWIND_AUTO, UNWIND_DWARF, UNWIND_FP */
	bool preload_unwind;  /* load tables of the running processes (or pids) at start */
	bool no_interpreters; /* no CPython frames (--no-interpreters) */
	struct sample_filter filter; /* CPUs, threads, cgroup, stack kinds; zero = all */
	/* labels on every sample (host, --label; resolver__set_static_labels) */
	const struct profile_label *labels;
	size_t nlabels;
};

struct sampler;

/* Load the BPF side and set up tracking; samples go to `profile`. */
int sampler__new(const struct sampler_opts *opts, struct profile *profile, struct sampler **out,
		 char *err, size_t errlen);
void sampler__free(struct sampler *s);

int sampler__start(struct sampler *s, char *err, size_t errlen);
/* Stop sampling; samples already taken can still be drained. */
void sampler__stop(struct sampler *s);

/* Handle process events (capture maps of new processes); waits up to ms. */
int sampler__poll(struct sampler *s, int timeout_ms);

/* Move the samples taken since the last drain into the profile, and forget
 * processes whose samples are all in. 0 or -errno. */
int sampler__drain(struct sampler *s);

/* Send later samples to another profile (the agent makes one per window). */
int sampler__set_profile(struct sampler *s, struct profile *profile);

int sampler__add_pid(struct sampler *s, uint32_t pid);

/* See collector__probe_maps. */
int sampler__probe_maps(struct sampler *s);

/* Load kernel symbols now rather than at the first kernel frame (an agent
 * pays it at start-up, not in the middle of a window). */
void sampler__preload_kernel_symbols(struct sampler *s);

struct sampler_stats {
	uint64_t metrics[NR_METRICS]; /* from the BPF side, since start */
	struct resolver_stats resolver;
	struct symbolizer_stats symbolizer;
	struct proc_table_stats procs;
	/* files of other processes refused (symbolizer's and process table's) */
	struct root_open_stats files_refused;
	uint32_t count_entries, stack_entries; /* map sizes per buffer */
	uint64_t last_drain_keys, last_drain_stacks; /* map entries at the last drain */
	int ncpus;
	int unwind_mode;                /* in effect: fp where tables are unsupported */
	struct unwinder_stats unwind;   /* zero with fp */
	bool python;                    /* CPython frames walked */
	struct python_stats python_st;
	size_t unwind_preloaded;        /* processes whose tables were loaded at start */
	uint64_t unwind_preload_ns;
	uint64_t bpf_run_ns, bpf_runs; /* kernel.bpf_stats_enabled accounting */
};
void sampler__stats(struct sampler *s, struct sampler_stats *st);

#endif
