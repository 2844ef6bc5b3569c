// SPDX-License-Identifier: GPL-2.0
/*
 * profile.bpf.c - sample kernel + user stacks on a cpu-clock perf event and
 * count them in kernel, keyed by (tgid, tid, comm, kernel stack, user stack).
 *
 * Counts and stacks are double-buffered: user space flips every CPU's
 * `cpu_state.active_buffer` and drains the idle pair, so a drain never races
 * the sampler.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "profile_abi.h"

#define EEXIST 17
#define EFAULT 14
#define ENOMEM 12
#define E2BIG 7
#define PF_EXITING 0x00000004

char LICENSE[] SEC("license") = "GPL";

/* Set by user space before load. */
const volatile bool follow_children = false; /* add forked children to pid_filter */
const volatile bool include_idle = false;    /* keep samples of the idle task (pid 0) */
const volatile __u32 unwind_mode = UNWIND_FP; /* enum unwind_mode */
const volatile bool filter_pids = false;     /* only tgids in pid_filter */
const volatile __u32 nr_cpus = 1;            /* entries of cpu_state */
/* with SAMPLE_CGROUP: the cgroup v2 id of the subtree and its depth below
 * the root, set by user space at load; read only when the option is on */
const volatile __u64 cgroup_id = 0;
const volatile __u32 cgroup_level = 0;
/* walk the CPython frames of processes in py_procs (--no-interpreters: off) */
const volatile bool walk_python = false;

/* Sample counts, one per buffer; max_entries set by user space before load. */
struct counts_map {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct sample_key);
	__type(value, __u64);
	__uint(max_entries, 16384);
};
struct counts_map counts0 SEC(".maps");
struct counts_map counts1 SEC(".maps");

/* Stack traces, one per buffer; max_entries set by user space before load. */
struct stacks_map {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAX_STACK_DEPTH * sizeof(__u64));
	__uint(max_entries, 16384);
};
struct stacks_map stacks0 SEC(".maps");
struct stacks_map stacks1 SEC(".maps");

/* struct cpu_state of each CPU (options, counters, announce cache): an
 * array indexed by CPU id, not a per-CPU array, because finding a per-CPU
 * value reads the map's pointer table, one more cold cache line per sample.
 * Mappable: user space writes the options and reads the counters in place.
 * max_entries: the number of possible CPUs, set by user space before load. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct cpu_state);
	__uint(max_entries, 1);
	__uint(map_flags, BPF_F_MMAPABLE); /* entries then start on a page */
} cpu_state SEC(".maps");

/* tgids to sample when filter_pids; filled by user space, grown on fork. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, 8192);
} pid_filter SEC(".maps");

/* tgids already announced to user space; LRU so a re-announce, never a
 * silent miss, is what happens when it overflows. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u32);
	__type(value, __u8);
	__uint(max_entries, 32768);
} seen_pids SEC(".maps");

/* Process events to user space (struct pid_event). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline struct cpu_state *cpu_state_get(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&cpu_state, &cpu);
}

static __always_inline void metric_add(__u32 which, __u64 n)
{
	struct cpu_state *cs = cpu_state_get();

	if (cs && which < NR_METRICS)
		cs->metrics[which] += n; /* per-CPU slot: no atomic needed */
}

static __always_inline void metric_inc(__u32 which)
{
	metric_add(which, 1);
}

static __always_inline bool pid_wanted(__u32 tgid)
{
	if (!filter_pids)
		return true;
	return bpf_map_lookup_elem(&pid_filter, &tgid) != NULL;
}

/*
 * Rare paths are subprograms (__noinline), not inlined: the sampler's
 * common path stays a few hundred bytes of code, and at 99 Hz every sample
 * starts with cold caches, so each cache line of code it runs costs.
 */
static __noinline void emit_event(__u32 type, __u32 tgid)
{
	/* An exit can wait for the next poll (at most half a second): only a
	 * new image must be read while the process is alive. Half the wakeups
	 * of user space under process churn. The others force theirs: a record
	 * wakes user space by default only when all before it were read. */
	__u64 flags = type == PID_EVENT_EXIT ? BPF_RB_NO_WAKEUP : BPF_RB_FORCE_WAKEUP;
	struct pid_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		metric_inc(METRIC_EVENTS_LOST);
		return;
	}
	e->type = type;
	e->tgid = tgid;
	e->time_ns = bpf_ktime_get_ns();
	e->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, flags);
}

#if defined(__TARGET_ARCH_x86)
#define HAVE_TABLE_UNWINDER 1
#include "unwind.bpf.h"
/* the thread is found by its fs base, an x86-64 register */
#define HAVE_PYTHON 1
#include "python.bpf.h"
#else
struct uw_state;
struct py_state;
#endif

static __noinline void stack_error(__s32 id, bool user)
{
	if (id == -EEXIST)
		metric_inc(user ? METRIC_USTACK_COLLISION : METRIC_KSTACK_COLLISION);
	else if (id == -EFAULT)
		metric_inc(user ? METRIC_USTACK_FAULT : METRIC_KSTACK_FAULT);
	else if (id == -ENOMEM)
		metric_inc(user ? METRIC_USTACK_NOMEM : METRIC_KSTACK_NOMEM);
	else
		metric_inc(METRIC_STACK_OTHER);
}

/* A process not announced last on this CPU: announce it unless known. Not
 * while it exits: past its exit event a task still runs kernel code, and an
 * announcement then would never be followed by an exit event. */
static __noinline void announce(__u32 tgid)
{
	struct cpu_state *cs = cpu_state_get();
	__u8 one = 1;

	if (bpf_get_current_task_btf()->flags & PF_EXITING)
		return;
	if (!bpf_map_lookup_elem(&seen_pids, &tgid)) {
		if (bpf_map_update_elem(&seen_pids, &tgid, &one, BPF_ANY))
			metric_inc(METRIC_PIDS_FULL);
		emit_event(PID_EVENT_NEW, tgid);
	}
	if (cs)
		cs->last_tgid = tgid;
}

/* Inlined twice, once per buffer, so each call site sees a constant map. */
static __always_inline void count_sample(void *counts, void *stacks, void *ustacks,
					 void *pystacks, __u32 buffer,
					 struct bpf_perf_event_data *ctx,
					 struct sample_key *key, bool in_kernel,
					 bool has_user, struct uw_state *us,
					 struct py_state *ps, struct cpu_state *cs)
{
	__u64 one = 1, *v;
	long err;

	key->kstack_id = STACK_ID_NONE;
	if (in_kernel) {
		key->kstack_id = bpf_get_stackid(ctx, stacks, 0);
		if (key->kstack_id < 0)
			stack_error(key->kstack_id, false);
	}
	key->ustack_id = STACK_ID_NONE;
#ifdef HAVE_TABLE_UNWINDER
	if (us) {
		key->ustack_hash = store_ustack(ustacks, us);
		if (key->ustack_hash) {
			key->ustack_id = STACK_ID_UNWOUND;
			has_user = false; /* else keep the frame-pointer stack */
		}
	}
#endif
#ifdef HAVE_PYTHON
	if (ps)
		key->pystack_hash = store_pystack(pystacks, ps, key->tgid, buffer);
#endif
	if (has_user) {
		key->ustack_id = bpf_get_stackid(ctx, stacks, BPF_F_USER_STACK);
		/* a kernel thread has no user stack: not an error. Asked only
		 * here, off the common path: one cache line less per sample */
		if (key->ustack_id == -EFAULT && !bpf_get_current_task_btf()->mm)
			key->ustack_id = STACK_ID_NONE;
		else if (key->ustack_id < 0)
			stack_error(key->ustack_id, true);
	}

	v = bpf_map_lookup_elem(counts, key);
	if (v) {
		__sync_fetch_and_add(v, 1);
		cs->metrics[METRIC_SAMPLES]++;
		return;
	}
	err = bpf_map_update_elem(counts, key, &one, BPF_NOEXIST);
	if (err == -EEXIST) { /* another CPU inserted it first */
		v = bpf_map_lookup_elem(counts, key);
		if (v) {
			__sync_fetch_and_add(v, 1);
			err = 0;
		}
	}
	if (err)
		metric_inc(METRIC_COUNTS_FULL);
	else
		metric_inc(METRIC_SAMPLES);
}

#ifdef HAVE_TABLE_UNWINDER
#define USTACKS(i) ((void *)&ustacks##i)
#define PYSTACKS(i) ((void *)&pystacks##i)
#else
#define USTACKS(i) NULL
#define PYSTACKS(i) NULL
#endif

/* One sample; `tables` is a constant, so each program below carries only the
 * code of its own mode (see the two programs after it). */
static __always_inline int sample(struct bpf_perf_event_data *ctx, const bool tables)
{
	/* pid, tgid and comm from the task, one object already hot (the
	 * pid_tgid and comm helpers each read it again through a call) */
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = task->tgid, tid = task->pid;
	__u32 cpu = bpf_get_smp_processor_id();
	struct sample_key key = {};
	struct uw_state *us = NULL;
	struct py_state *ps = NULL;
	struct cpu_state *cs;
	bool in_kernel = true, has_user;
	const __u64 *comm;

	cs = bpf_map_lookup_elem(&cpu_state, &cpu);
	if (!cs)
		return 0;
	if (tid == 0 && !include_idle) {
		cs->metrics[METRIC_IDLE]++;
		return 0;
	}
	if (cs->filter_pids) {
		__u32 id = cs->options & SAMPLE_BY_TID ? tid : tgid;

		if (!bpf_map_lookup_elem(&pid_filter, &id)) {
			cs->metrics[METRIC_FILTERED]++;
			return 0;
		}
	}
	if ((cs->options & SAMPLE_CGROUP) &&
	    bpf_get_current_ancestor_cgroup_id(cgroup_level) != cgroup_id) {
		cs->metrics[METRIC_FILTERED]++;
		return 0;
	}

	/* user stack: with frame pointers, tried for every task (a kernel
	 * thread's attempt fails at once, see count_sample) */
	has_user = true;
	if (tables)
		has_user = task->mm != NULL;
	if (cs->options & SAMPLE_NO_USER)
		has_user = false;
#if defined(__TARGET_ARCH_x86) || defined(__TARGET_ARCH_arm64)
	/* A sample taken in user mode has no kernel stack; kernel text lives
	 * in the upper half of the address space on these architectures. */
	in_kernel = (__s64)PT_REGS_IP(&ctx->regs) < 0;
#endif

	key.tgid = tgid;
	key.tid = tid;
	/* task->comm is always NUL-terminated: copied as two words */
	comm = (const __u64 *)task->comm;
	((__u64 *)key.comm)[0] = comm[0];
	((__u64 *)key.comm)[1] = comm[1];

	/* Announce a process once. A CPU runs the same process sample after
	 * sample: the process announced last on this CPU (forgotten when it
	 * exits, so a reused pid is announced again) is a far cheaper check
	 * than the LRU lookup, and on the line the sample counts on anyway. */
	if (tgid != 0 && cs->last_tgid != tgid)
		announce(tgid);

#ifdef HAVE_TABLE_UNWINDER
	/* once, before the buffer is chosen: count_sample is inlined twice */
	if (tables && has_user) {
		__u64 ip, sp, bp;

		if (in_kernel) { /* the user registers saved at kernel entry */
			struct pt_regs *r = (struct pt_regs *)bpf_task_pt_regs(task);

			ip = BPF_CORE_READ(r, ip);
			sp = BPF_CORE_READ(r, sp);
			bp = BPF_CORE_READ(r, bp);
		} else {
			ip = ctx->regs.ip;
			sp = ctx->regs.sp;
			bp = ctx->regs.bp;
		}
		us = unwind_user(ip, sp, bp, tgid);
		if (!us)
			metric_inc(METRIC_UNWIND_FP_FALLBACK);
	}
#endif
#ifdef HAVE_PYTHON
	if (walk_python && has_user)
		ps = py_walk(task, tgid, tid);
#endif
	if (cs->options & SAMPLE_NO_KERNEL)
		in_kernel = false; /* its registers were read above: no kernel stack now */
	if (cs->active_buffer == 0)
		count_sample(&counts0, &stacks0, USTACKS(0), PYSTACKS(0), 0, ctx, &key, in_kernel,
			     has_user, us, ps, cs);
	else
		count_sample(&counts1, &stacks1, USTACKS(1), PYSTACKS(1), 1, ctx, &key, in_kernel,
			     has_user, us, ps, cs);
	return 0;
}

/*
 * Two sampling programs, user space loads one: with frame pointers only, the
 * common case, the program holds no unwinder and reads no option that is not
 * in its CPU's state (the code it runs is a few cache lines, see cpu_state).
 */
SEC("perf_event")
int do_sample(struct bpf_perf_event_data *ctx)
{
	return sample(ctx, false);
}

SEC("perf_event")
int do_sample_unw(struct bpf_perf_event_data *ctx)
{
#ifdef HAVE_TABLE_UNWINDER
	return sample(ctx, true);
#else
	return sample(ctx, false);
#endif
}

/* A new program image: user space must capture the new mappings. With
 * unwind tables every exec is announced; with frame pointers only those of
 * known processes (a process never sampled is captured at its first
 * sample), and only announced processes get an exit event. */
SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);
	bool announce = bpf_map_lookup_elem(&seen_pids, &tgid) != NULL;
	__u8 one = 1;

#ifdef HAVE_TABLE_UNWINDER
	/* the old image's ranges are wrong now: frame pointers until user
	 * space has loaded the new one's (it hears of the exec below) */
	bpf_map_delete_elem(&unwind_procs, &tgid);
	/* and the old image's interpreter, if it had one */
	if (walk_python)
		bpf_map_delete_elem(&py_procs, &tgid);
	/* announce every exec of a wanted process, so that its ranges are
	 * published before its first sample: from the tables cached, that
	 * costs user space a /proc/PID/maps read and one map update (the
	 * files never seen are parsed later, see sampler.c) */
	if (unwind_mode != UNWIND_FP && !announce && pid_wanted(tgid)) {
		if (bpf_map_update_elem(&seen_pids, &tgid, &one, BPF_ANY))
			metric_inc(METRIC_PIDS_FULL);
		announce = true;
	}
#endif
	if (!pid_wanted(tgid) || !announce)
		return 0;
	emit_event(PID_EVENT_EXEC, tgid);
	return 0;
}

/* Children of profiled processes are profiled too (record -- COMMAND). */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(on_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid, ctgid;
	__u8 one = 1;

	if (!filter_pids || !follow_children)
		return 0;
	ptgid = BPF_CORE_READ(parent, tgid);
	ctgid = BPF_CORE_READ(child, tgid);
	if (ptgid == ctgid || !bpf_map_lookup_elem(&pid_filter, &ptgid))
		return 0;
	bpf_map_update_elem(&pid_filter, &ctgid, &one, BPF_ANY);
	return 0;
}

/* bpf_loop callback: this CPU must not take `*tgid` for announced. */
static long forget_announced(__u32 cpu, void *tgid)
{
	struct cpu_state *cs = bpf_map_lookup_elem(&cpu_state, &cpu);

	if (cs && cs->last_tgid == *(__u32 *)tgid)
		cs->last_tgid = 0;
	return 0;
}

/* The last thread of a process is leaving (the group leader is often not
 * the last one): its samples are all taken. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	__u32 tgid = BPF_CORE_READ(p, tgid);

	if (BPF_CORE_READ(p, signal, live.counter) != 0)
		return 0;
	/* Every thread is exiting now and announce() skips exiting tasks, so
	 * no CPU can take the tgid for announced again until a new process
	 * reuses it, which is then announced as it should be. */
	bpf_loop(nr_cpus, forget_announced, &tgid, 0);
	if (bpf_map_delete_elem(&seen_pids, &tgid) == 0)
		emit_event(PID_EVENT_EXIT, tgid);
	return 0;
}
