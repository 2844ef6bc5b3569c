/* SPDX-License-Identifier: MIT */
/*
 * collector.h - load the sampler, attach it to every CPU, hear about new
 * processes, and drain the in-kernel counts and stacks.
 */
#ifndef BPFPROF_COLLECTOR_H
#define BPFPROF_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/types.h>

#include "bpf/profile_abi.h"

struct collector;

/* Called for every process event from the BPF side (new pid, exec, exit). */
typedef void (*collector_event_fn)(void *ctx, const struct pid_event *e);

/* Called once per drained (key, count); stacks are leaf first; a negative
 * stack id in key means the stack could not be read (depth is then 0). py:
 * the thread's Python frames, newest first, or NULL. */
typedef int (*collector_sample_fn)(void *ctx, const struct sample_key *key, uint64_t count,
				   const uint64_t *kstack, int kdepth, const uint64_t *ustack,
				   int udepth, const struct py_stack *py);

/* Which samples and stacks to keep, beyond the pids (record -C, -t,
 * --cgroup, -k, -u). Zero: everything. */
struct sample_filter {
	const bool *cpus; /* CPUs to sample (ncpus entries); NULL = every online CPU */
	int ncpus;
	const uint32_t *tids; /* threads to sample; replaces the pids in the filter */
	size_t ntids;
	uint64_t cgroup_id;    /* only this cgroup v2 subtree (its inode); 0 = any */
	uint32_t cgroup_level; /* its depth below the cgroup v2 root */
	bool no_user, no_kernel; /* kernel stacks only, user stacks only */
};

struct collector_opts {
	int freq;                 /* samples per second per CPU */
	bool idle;                /* keep idle-task samples */
	const uint32_t *pids;     /* tgids to sample; NULL/0 = every process */
	size_t npids;
	bool follow_children;     /* also sample descendants of pids */
	uint32_t count_entries;   /* counts map size per buffer */
	uint32_t stack_entries;   /* stack map size per buffer */
	int unwind_mode;          /* enum unwind_mode (UNWIND_FP = 0) */
	uint32_t unwind_rows;     /* capacity of the shared rows map; 0 = default */
	bool interpreters;        /* walk CPython frames (x86-64) */
	struct sample_filter filter;
	collector_event_fn on_event;
	void *ctx;
};

/* The maps user space fills for the BPF unwinder (see unwinder.h). */
struct collector_unwind_maps {
	int rows_fd, tables_fd, procs_fd;
	uint32_t rows_capacity;
};

/* Open and load the BPF side. 0 or -errno, with a reason in err. */
int collector__new(const struct collector_opts *opts, struct collector **out, char *err,
		   size_t errlen);
void collector__free(struct collector *c);

/* Attach to every online CPU and the process tracepoints. */
int collector__start(struct collector *c, char *err, size_t errlen);

/* Stop sampling (detach from the CPUs); draining still works. */
void collector__stop(struct collector *c);

/* Add a tgid to the filter (only when started with pids). 0 or -errno. */
int collector__add_pid(struct collector *c, uint32_t pid);

/* One harmless map syscall: 0 when user space may still use the maps (after
 * dropping capabilities), -EPERM when the kernel wants CAP_BPF for that. */
int collector__probe_maps(struct collector *c);

/* Deliver pending process events; waits up to timeout_ms. >= 0 or -errno. */
int collector__poll(struct collector *c, int timeout_ms);

/* Switch buffers and hand every sample of the old one to fn, then clear it.
 * Returns the number of distinct keys drained, or -errno. */
int collector__drain(struct collector *c, collector_sample_fn fn, void *ctx);

/* Sum of the per-CPU metrics since start (enum metric). */
int collector__metrics(struct collector *c, uint64_t out[NR_METRICS]);

int collector__ncpus(const struct collector *c);

/* The unwinder's maps; -ENOTSUP when built for FP only or mode is fp. */
int collector__unwind_maps(const struct collector *c, struct collector_unwind_maps *out);

/* The Python stack `hash` of buffer `buffer` (a PID_EVENT_PY_STACK), into
 * out. 0, -ENOENT (drained since), or -ENOTSUP. */
int collector__py_stack(const struct collector *c, uint32_t buffer, uint64_t hash,
			struct py_stack *out);

/* The BPF py_procs map; -ENOTSUP when interpreters are not walked. */
int collector__py_procs_fd(const struct collector *c);

/* The unwind mode in effect (fp on architectures without the unwinder). */
int collector__unwind_mode(const struct collector *c);

/* Run time and run count of the sampling program, as the kernel counts them
 * while kernel.bpf_stats_enabled is 1 (both stay 0 otherwise). */
int collector__bpf_stats(const struct collector *c, uint64_t *run_ns, uint64_t *runs);

/* Entries the counts and stacks maps held at the last drain (fill level). */
void collector__last_drain(const struct collector *c, uint64_t *keys, uint64_t *stacks);

#endif
