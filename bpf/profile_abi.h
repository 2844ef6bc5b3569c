/* SPDX-License-Identifier: MIT */
/*
 * profile_abi.h - the one header shared by the BPF program and user space.
 *
 * Record layouts, metric indices and limits. Only fixed-size __u32/__u64
 * types so it compiles after vmlinux.h (BPF side) and after <linux/types.h>
 * (user side) with identical layouts.
 */
#ifndef BPFPROF_PROFILE_ABI_H
#define BPFPROF_PROFILE_ABI_H

#ifndef TASK_COMM_LEN
#define TASK_COMM_LEN 16
#endif

/* The kernel's own cap on stack depth (kernel.perf_event_max_stack). */
#ifndef MAX_STACK_DEPTH
#define MAX_STACK_DEPTH 127
#endif

/*
 * Two buffers of (counts, stacks) maps: the BPF program writes into the
 * active one while user space drains the other, so draining loses nothing.
 */
#define NR_BUFFERS 2

/* Key of the in-kernel sample counts. Stack ids < 0 are -errno from
 * bpf_get_stackid(), kept so a failed stack is still a counted sample. */
struct sample_key {
	__u32 tgid;
	__u32 tid;
	__s32 kstack_id;
	__s32 ustack_id;
	char comm[TASK_COMM_LEN];
};

/* Stack id when the sample has no such stack: a user-mode sample has no
 * kernel stack, a kernel thread has no user stack. Not an error. */
#define STACK_ID_NONE (-2)

/* Events from BPF to user space through the ring buffer. */
enum pid_event_type {
	PID_EVENT_NEW = 1,  /* first sample of a tgid: capture its mappings now */
	PID_EVENT_EXEC = 2, /* tgid exec'd: its mappings changed */
	PID_EVENT_EXIT = 3, /* tgid exited: metadata may be evicted later */
};

struct pid_event {
	__u32 type;
	__u32 tgid;
	__u64 time_ns;
	char comm[TASK_COMM_LEN];
};

/* Per-CPU counters, indexed by this enum; every lost or degraded sample
 * lands in exactly one reason so the user sees what was lost. */
enum metric {
	METRIC_SAMPLES = 0,        /* samples counted in the maps */
	METRIC_IDLE,               /* idle-task samples skipped (no --idle) */
	METRIC_FILTERED,           /* samples of processes outside the filter */
	METRIC_KSTACK_COLLISION,   /* kernel stack id -EEXIST: hash bucket taken */
	METRIC_KSTACK_FAULT,       /* kernel stack id -EFAULT */
	METRIC_KSTACK_NOMEM,       /* kernel stack id -ENOMEM: stack map full */
	METRIC_USTACK_COLLISION,   /* user stack id -EEXIST */
	METRIC_USTACK_FAULT,       /* user stack id -EFAULT (unreadable stack) */
	METRIC_USTACK_NOMEM,       /* user stack id -ENOMEM: stack map full */
	METRIC_STACK_OTHER,        /* any other stack id error */
	METRIC_COUNTS_FULL,        /* sample dropped: counts map full */
	METRIC_EVENTS_LOST,        /* ring buffer full: a process event lost */
	METRIC_PIDS_FULL,          /* seen-pid map full: process may miss maps */
	NR_METRICS,
};

#endif /* BPFPROF_PROFILE_ABI_H */
